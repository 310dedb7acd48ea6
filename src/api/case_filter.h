/*
 * case_filter.h - compiles SearchCases filters and sorts for the store.
 *
 * A pure module: given a CaseFilter (as validated against the model) and a
 * way to learn the type of a field id, it builds the search_node tree of
 * store.h, converting every constant into the form the field's type is
 * stored and compared in.  It knows nothing of requests or the store, so it
 * is tested on its own.
 *
 * Operators per field type (AWS documents none of this; the choice below
 * keeps every comparison meaningful for its type):
 *
 *   type          equalTo  contains  greaterThan, ..., lessThanOrEqualTo
 *   Text            yes      yes       yes (code-point order)
 *   Url             yes      yes       -
 *   SingleSelect    yes      yes       -
 *   User            yes      yes       -
 *   Number          yes      -         yes (numeric)
 *   DateTime        yes      -         yes (chronological)
 *   Boolean         yes      -         -
 *
 * Constants: Text, Url and SingleSelect take stringValue; User takes
 * userArnValue; Number takes doubleValue (compared as a number); Boolean
 * takes booleanValue (compared as 0/1); DateTime takes a stringValue in any
 * form time_parse_iso reads, rewritten to the normalised UTC form cases
 * store, so it compares chronologically.  contains is a case-insensitive
 * substring match.  equalTo with emptyValue (or with a stringValue that is
 * empty or white space only, which a case never stores) matches cases
 * where the field has no value; emptyValue goes with equalTo only.  A
 * constant of the wrong member for the field's type is refused with a
 * message naming the field.  Field ids the domain does not know are
 * refused; deleted fields are known (their stored values still match).
 */
#ifndef CASESD_CASE_FILTER_H
#define CASESD_CASE_FILTER_H

#include <jansson.h>
#include <stddef.h>

#include "store/store.h"
#include "util/arena.h"

/* Deepest CaseFilter nesting compiled, in levels of the tree.  The model
 * sets no limit and the request's JSON depth limit binds first; this one
 * bounds the recursion on its own and leaves the store, which takes trees
 * of up to 33 levels, room for the access condition ANDed on top. */
#define CASE_FILTER_MAX_DEPTH 30

/* The type name ("Text", "Number", ...) of field_id in the domain, or NULL
 * when the domain has no such field.  The string must outlive the compile
 * call. */
typedef const char *(*case_field_type_fn)(void *ud, const char *field_id);

typedef struct {
    arena *arena;               /* owns every node and string built */
    case_field_type_fn type_of; /* field lookup, called with ud */
    void *ud;
    char *err;                  /* receives the message of a refusal */
    size_t errlen;
} case_compiler;

enum {
    CASE_FILTER_OK = 0,
    CASE_FILTER_INVALID = -1, /* the input is refused; message in err */
    CASE_FILTER_NOMEM = -2,   /* the arena is exhausted; message in err */
};

/*
 * Compiles filter (a CaseFilter object) into *out, an arena-owned tree that
 * borrows nothing from filter.  Returns a CASE_FILTER_* value.
 */
int case_filter_compile(const case_compiler *cc, const json_t *filter,
                        search_node **out);

/*
 * Compiles one Sort {fieldId, sortOrder} into *out (field_id arena-owned);
 * Number and Boolean fields sort numerically.  Returns a CASE_FILTER_*
 * value.
 */
int case_sort_compile(const case_compiler *cc, const json_t *sort,
                      search_sort *out);

/* The conjunction of a and b, either of which may be NULL (no condition);
 * NULL only when both are NULL or the arena is exhausted with both set. */
search_node *case_filter_and(arena *a, search_node *x, search_node *y);

#endif
