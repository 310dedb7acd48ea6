/*
 * related_match.h - which related items a SearchRelatedItems or
 * SearchAllRelatedItems filter list selects.
 *
 * A pure module (tests/unit/test_related_match.c): the handlers compile
 * each custom filter with case_filter.c, derive what is derived (an Sla's
 * status), and ask here.  The rules (cases-behaviour.md §9.4):
 *
 *  - No filters select every item; several filters are OR-ed.
 *  - A filter selects only items of its type; each attribute it sets must
 *    hold too (AND): contact channel (one of the list, when not empty) and
 *    contactArn; file fileArn; sla name and status; connectCase caseId;
 *    custom fields.  Strings compare exactly.
 *  - custom.fields uses the operators of SearchCases field filters over the
 *    item's fields, with the same value forms (case_filter.h).  A field the
 *    item does not hold (or holds as emptyValue) satisfies only an equalTo
 *    emptyValue; `not` inverts, so not(equalTo x) also selects items
 *    without the field.  A value held under another member than the
 *    filter's type uses never matches.
 */
#ifndef CASESD_RELATED_MATCH_H
#define CASESD_RELATED_MATCH_H

#include <jansson.h>
#include <stdbool.h>

#include "store/store.h"

typedef struct {
    const json_t *filter;      /* RelatedItemTypeFilter (borrowed) */
    const search_node *custom; /* compiled custom.fields, or NULL */
} related_filter;

/* The content member of a related item type ("contact" for "Contact"),
 * NULL for a name that is no type. */
const char *related_type_member(const char *type);

/* The related item type whose member a union sets: a filter, a content
 * or an update content ("Contact" for {"contact": ...}); NULL when it sets
 * none of them. */
const char *related_union_type(const json_t *filter);

/* Whether values ({fieldId: FieldValueUnion}) satisfy node. */
bool related_node_matches(const search_node *node, const json_t *values);

/* Whether an item of type with content (a RelatedItemContent union as
 * returned, Sla status included) satisfies any of filters[0..count);
 * count 0 selects everything. */
bool related_filters_match(const related_filter *filters, int count,
                           const char *type, const json_t *content);

/* The {fieldId: value} object of a Custom item's content (new reference;
 * empty for other content). */
json_t *related_custom_values(const json_t *content);

#endif
