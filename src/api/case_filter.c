/*
 * case_filter.c - CaseFilter and Sort to the store's search tree (see
 * case_filter.h for the operator matrix and the value forms).
 *
 * The model marks CaseFilter, FieldFilter and TagFilter as unions, but
 * FieldValueUnion is a plain structure, and the validator ignores members a
 * shape does not know; so "exactly one member" is checked here against the
 * members this module knows, whatever else the object carries.
 */
#include "api/case_filter.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "api/values.h"
#include "util/timeutil.h"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

typedef enum {
    T_TEXT,
    T_URL,
    T_SINGLE_SELECT,
    T_USER,
    T_NUMBER,
    T_DATETIME,
    T_BOOLEAN,
    T__COUNT
} field_type;

#define BIT(t) (1u << (t))
#define ALL_TYPES (BIT(T__COUNT) - 1u)
#define STRING_TYPES \
    (BIT(T_TEXT) | BIT(T_URL) | BIT(T_SINGLE_SELECT) | BIT(T_USER))
#define ORDERED_TYPES (BIT(T_TEXT) | BIT(T_NUMBER) | BIT(T_DATETIME))

typedef struct {
    const char *name;   /* as in a field document's "type" */
    const char *member; /* the FieldValueUnion member its constants use */
    bool numeric;       /* compared and sorted as a number */
} type_info;

static const type_info types[T__COUNT] = {
    [T_TEXT] = {"Text", "stringValue", false},
    [T_URL] = {"Url", "stringValue", false},
    [T_SINGLE_SELECT] = {"SingleSelect", "stringValue", false},
    [T_USER] = {"User", "userArnValue", false},
    [T_NUMBER] = {"Number", "doubleValue", true},
    [T_DATETIME] = {"DateTime", "stringValue", false},
    [T_BOOLEAN] = {"Boolean", "booleanValue", true},
};

/* FieldFilter members, in the order of the model. */
static const char *const op_names[] = {
    "equalTo",  "contains",          "greaterThan",
    "lessThan", "greaterThanOrEqualTo", "lessThanOrEqualTo",
};
static const search_op op_codes[] = {
    SEARCH_EQ, SEARCH_CONTAINS, SEARCH_GT, SEARCH_LT, SEARCH_GE, SEARCH_LE,
};
static const unsigned op_types[] = {
    ALL_TYPES,     STRING_TYPES,  ORDERED_TYPES,
    ORDERED_TYPES, ORDERED_TYPES, ORDERED_TYPES,
};
_Static_assert(COUNT_OF(op_names) == COUNT_OF(op_codes) &&
                   COUNT_OF(op_names) == COUNT_OF(op_types),
               "operator tables differ in length");

static const char *const value_members[] = {
    "stringValue", "doubleValue", "booleanValue", "emptyValue", "userArnValue",
};

__attribute__((format(printf, 2, 3))) static int
refuse(const case_compiler *cc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(cc->err, cc->errlen, fmt, ap);
    va_end(ap);
    return CASE_FILTER_INVALID;
}

static int no_memory(const case_compiler *cc)
{
    snprintf(cc->err, cc->errlen, "The filter is too large to process");
    return CASE_FILTER_NOMEM;
}

/* The index in names[] of the one member obj sets among names, or -1 when
 * it sets none or several of them (or is no object). */
static int pick_member(const json_t *obj, const char *const names[], size_t n)
{
    int found = -1;

    if (!json_is_object(obj))
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!json_object_get(obj, names[i]))
            continue;
        if (found >= 0)
            return -1;
        found = (int)i;
    }
    return found;
}

static int type_by_name(const char *name)
{
    for (int t = 0; t < T__COUNT; t++)
        if (strcmp(types[t].name, name) == 0)
            return t;
    return -1;
}

/* The type of field id, or -1 with the refusal written. */
static int field_type_of(const case_compiler *cc, const char *id)
{
    const char *name = cc->type_of(cc->ud, id);
    int t;

    if (!name) {
        refuse(cc, "The field '%s' does not exist in this domain", id);
        return -1;
    }
    t = type_by_name(name);
    if (t < 0)
        refuse(cc, "The field '%s' has type '%s', which cannot be searched",
               id, name);
    return t;
}

static search_node *new_node(const case_compiler *cc, search_node_kind kind)
{
    search_node *node = arena_calloc(cc->arena, sizeof *node);

    if (node)
        node->kind = kind;
    return node;
}

/* --- field constants ------------------------------------------------------------ */

static int set_string(const case_compiler *cc, const char *s,
                      search_node *node)
{
    node->str = arena_strdup(cc->arena, s);
    return node->str ? CASE_FILTER_OK : no_memory(cc);
}

/* A DateTime constant, rewritten to the stored form.  Instants past the
 * storable years are clamped by time_format_iso, which cannot change the
 * outcome of a comparison with a stored (in-range) value except at the
 * very bounds of the calendar. */
static int set_datetime(const case_compiler *cc, const char *id,
                        const char *s, search_node *node)
{
    char iso[TIME_ISO_LEN];
    int64_t ms;

    if (time_parse_iso(s, &ms) != 0)
        return refuse(cc,
                      "The value for the DateTime field '%s' is not an "
                      "ISO-8601 date-time: '%s'",
                      id, s);
    time_format_iso(ms, iso);
    return set_string(cc, iso, node);
}

/* Sets the constant of node from the member of value that type t uses. */
static int set_constant(const case_compiler *cc, const char *id, field_type t,
                        const json_t *value, search_node *node)
{
    const json_t *v = json_object_get(value, types[t].member);

    node->numeric = types[t].numeric;
    if (t == T_BOOLEAN && json_is_boolean(v)) {
        node->num = json_is_true(v) ? 1.0 : 0.0;
        return CASE_FILTER_OK;
    }
    if (t == T_NUMBER && json_is_number(v)) {
        node->num = json_number_value(v);
        return CASE_FILTER_OK;
    }
    if (!json_is_string(v) || types[t].numeric)
        return refuse(cc, "The value for the field '%s' is not a valid %s",
                      id, types[t].member);
    /* A case never stores a blank string: asking for one is asking for
     * no value. */
    if (node->op == SEARCH_EQ && value_is_blank(value)) {
        node->blank = true;
        return CASE_FILTER_OK;
    }
    if (t == T_DATETIME)
        return set_datetime(cc, id, json_string_value(v), node);
    return set_string(cc, json_string_value(v), node);
}

static int set_value(const case_compiler *cc, const char *id, field_type t,
                     const char *op_name, const json_t *value,
                     search_node *node)
{
    int m = pick_member(value, value_members, COUNT_OF(value_members));

    if (m < 0)
        return refuse(cc,
                      "The value for the field '%s' must set exactly one of "
                      "stringValue, doubleValue, booleanValue, emptyValue or "
                      "userArnValue",
                      id);
    if (strcmp(value_members[m], "emptyValue") == 0) {
        if (node->op != SEARCH_EQ)
            return refuse(cc,
                          "emptyValue can be used with equalTo only, not "
                          "with %s (field '%s')",
                          op_name, id);
        node->blank = true;
        return CASE_FILTER_OK;
    }
    if (strcmp(value_members[m], types[t].member) != 0)
        return refuse(cc,
                      "The field '%s' is of type %s: its filter value must "
                      "be a %s, not a %s",
                      id, types[t].name, types[t].member, value_members[m]);
    return set_constant(cc, id, t, value, node);
}

/* --- the tree ---------------------------------------------------------------- */

static int compile_node(const case_compiler *cc, const json_t *filter,
                        int depth, search_node **out);

static int compile_field(const case_compiler *cc, const json_t *body,
                         int depth, search_node **out)
{
    int i = pick_member(body, op_names, COUNT_OF(op_names));
    const json_t *fv;
    const char *id;
    search_node *node;
    int t;

    (void)depth;
    if (i < 0)
        return refuse(cc, "A field filter must set exactly one of equalTo, "
                          "contains, greaterThan, greaterThanOrEqualTo, "
                          "lessThan or lessThanOrEqualTo");
    fv = json_object_get(body, op_names[i]);
    id = json_string_value(json_object_get(fv, "id"));
    if (!id || !json_is_object(json_object_get(fv, "value")))
        return refuse(cc, "The %s field filter needs an id and a value",
                      op_names[i]);
    if ((t = field_type_of(cc, id)) < 0)
        return CASE_FILTER_INVALID;
    if (!(op_types[i] & BIT(t)))
        return refuse(cc, "%s cannot be used on the %s field '%s'",
                      op_names[i], types[t].name, id);
    if (!(node = new_node(cc, SEARCH_FIELD)) ||
        !(node->field_id = arena_strdup(cc->arena, id)))
        return no_memory(cc);
    node->op = op_codes[i];
    *out = node;
    return set_value(cc, id, (field_type)t, op_names[i],
                     json_object_get(fv, "value"), node);
}

static int compile_tag(const case_compiler *cc, const json_t *body, int depth,
                       search_node **out)
{
    const json_t *eq = json_object_get(body, "equalTo");
    const char *key = json_string_value(json_object_get(eq, "key"));
    const char *value = json_string_value(json_object_get(eq, "value"));
    search_node *node;

    (void)depth;
    if (!key || !value)
        return refuse(cc, "A tag filter needs equalTo with a key and a value");
    if (!(node = new_node(cc, SEARCH_TAG)) ||
        !(node->tag_key = arena_strdup(cc->arena, key)) ||
        !(node->tag_value = arena_strdup(cc->arena, value)))
        return no_memory(cc);
    *out = node;
    return CASE_FILTER_OK;
}

/* A node of kind over the n filters of list (a JSON array; one for NOT). */
static int compile_children(const case_compiler *cc, search_node_kind kind,
                            const json_t *list, int depth, search_node **out)
{
    size_t n = json_is_array(list) ? json_array_size(list) : 1;
    search_node *node = new_node(cc, kind);
    int rc;

    if (!node || !(node->children = arena_alloc(cc->arena,
                                                (n ? n : 1) * sizeof *node->children)))
        return no_memory(cc);
    for (size_t i = 0; i < n; i++) {
        const json_t *child = json_is_array(list) ? json_array_get(list, i) : list;
        rc = compile_node(cc, child, depth + 1, &node->children[i]);
        if (rc != CASE_FILTER_OK)
            return rc;
        node->child_count++;
    }
    *out = node;
    return CASE_FILTER_OK;
}

static int compile_not(const case_compiler *cc, const json_t *body, int depth,
                       search_node **out)
{
    if (!json_is_object(body))
        return refuse(cc, "not must be a filter");
    return compile_children(cc, SEARCH_NOT, body, depth, out);
}

static int compile_and(const case_compiler *cc, const json_t *body, int depth,
                       search_node **out)
{
    if (!json_is_array(body))
        return refuse(cc, "andAll must be a list of filters");
    return compile_children(cc, SEARCH_AND, body, depth, out);
}

static int compile_or(const case_compiler *cc, const json_t *body, int depth,
                      search_node **out)
{
    if (!json_is_array(body))
        return refuse(cc, "orAll must be a list of filters");
    return compile_children(cc, SEARCH_OR, body, depth, out);
}

typedef int (*member_compiler)(const case_compiler *cc, const json_t *body,
                               int depth, search_node **out);

/* CaseFilter members, in the order of the model. */
static const char *const filter_names[] = {"field", "not", "tag", "andAll",
                                           "orAll"};
static const member_compiler filter_compilers[] = {
    compile_field, compile_not, compile_tag, compile_and, compile_or,
};
_Static_assert(COUNT_OF(filter_names) == COUNT_OF(filter_compilers),
               "filter tables differ in length");

static int compile_node(const case_compiler *cc, const json_t *filter,
                        int depth, search_node **out)
{
    int i;

    if (depth > CASE_FILTER_MAX_DEPTH)
        return refuse(cc, "The filter is nested more than %d levels deep",
                      CASE_FILTER_MAX_DEPTH);
    i = pick_member(filter, filter_names, COUNT_OF(filter_names));
    if (i < 0)
        return refuse(cc, "A filter must set exactly one of field, not, tag, "
                          "andAll or orAll");
    return filter_compilers[i](cc, json_object_get(filter, filter_names[i]),
                               depth, out);
}

int case_filter_compile(const case_compiler *cc, const json_t *filter,
                        search_node **out)
{
    *out = NULL;
    return compile_node(cc, filter, 1, out);
}

int case_sort_compile(const case_compiler *cc, const json_t *sort,
                      search_sort *out)
{
    const char *id = json_string_value(json_object_get(sort, "fieldId"));
    const char *order = json_string_value(json_object_get(sort, "sortOrder"));
    int t;

    if (!id || !order ||
        (strcmp(order, "Asc") != 0 && strcmp(order, "Desc") != 0))
        return refuse(cc, "A sort needs a fieldId and a sortOrder of Asc or "
                          "Desc");
    if ((t = field_type_of(cc, id)) < 0)
        return CASE_FILTER_INVALID;
    if (!(out->field_id = arena_strdup(cc->arena, id)))
        return no_memory(cc);
    out->descending = strcmp(order, "Desc") == 0;
    out->numeric = types[t].numeric;
    return CASE_FILTER_OK;
}

search_node *case_filter_and(arena *a, search_node *x, search_node *y)
{
    search_node *node;

    if (!x || !y)
        return x ? x : y;
    node = arena_calloc(a, sizeof *node);
    if (!node || !(node->children = arena_alloc(a, 2 * sizeof *node->children)))
        return NULL;
    node->kind = SEARCH_AND;
    node->children[0] = x;
    node->children[1] = y;
    node->child_count = 2;
    return node;
}
