/* related_match.c - selecting related items by filter (see related_match.h). */
#include "api/related_match.h"

#include <string.h>

#include "api/values.h"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

typedef struct {
    const char *type;   /* RelatedItemType */
    const char *member; /* its member of the content and filter unions */
} type_member;

static const type_member type_members[] = {
    {"Contact", "contact"}, {"Comment", "comment"},
    {"File", "file"},       {"Sla", "sla"},
    {"ConnectCase", "connectCase"}, {"Custom", "custom"},
};

const char *related_type_member(const char *type)
{
    for (size_t i = 0; type && i < COUNT_OF(type_members); i++)
        if (strcmp(type_members[i].type, type) == 0)
            return type_members[i].member;
    return NULL;
}

const char *related_union_type(const json_t *u)
{
    for (size_t i = 0; i < COUNT_OF(type_members); i++)
        if (json_object_get(u, type_members[i].member))
            return type_members[i].type;
    return NULL;
}

/* --- custom field conditions ----------------------------------------------------- */

/* The number a Number or Boolean value holds; false for other values. */
static bool number_of(const json_t *value, double *out)
{
    const json_t *d = json_object_get(value, "doubleValue");
    const json_t *b = json_object_get(value, "booleanValue");

    if (json_is_number(d))
        *out = json_number_value(d);
    else if (json_is_boolean(b))
        *out = json_is_true(b) ? 1.0 : 0.0;
    else
        return false;
    return true;
}

/* The string a string-like value holds, or NULL. */
static const char *string_of(const json_t *value)
{
    const char *s = json_string_value(json_object_get(value, "stringValue"));
    return s ? s : json_string_value(json_object_get(value, "userArnValue"));
}

/* Applies op to the outcome of a three-way comparison. */
static bool ordered(search_op op, int cmp)
{
    switch (op) {
    case SEARCH_EQ: return cmp == 0;
    case SEARCH_GT: return cmp > 0;
    case SEARCH_GE: return cmp >= 0;
    case SEARCH_LT: return cmp < 0;
    case SEARCH_LE: return cmp <= 0;
    case SEARCH_CONTAINS: break;
    }
    return false;
}

static bool field_matches(const search_node *node, const json_t *values)
{
    const json_t *value = json_object_get(values, node->field_id);
    const char *s;
    double x;

    if (node->blank)
        return value_is_blank(value);
    if (node->numeric)
        return number_of(value, &x) &&
               ordered(node->op, (x > node->num) - (x < node->num));
    if (!(s = string_of(value)) || !node->str)
        return false;
    if (node->op == SEARCH_CONTAINS)
        return strcasestr(s, node->str) != NULL;
    return ordered(node->op, strcmp(s, node->str));
}

bool related_node_matches(const search_node *node, const json_t *values)
{
    switch (node->kind) {
    case SEARCH_FIELD:
        return field_matches(node, values);
    case SEARCH_NOT:
        return node->child_count == 1 &&
               !related_node_matches(node->children[0], values);
    case SEARCH_AND:
        for (int i = 0; i < node->child_count; i++)
            if (!related_node_matches(node->children[i], values))
                return false;
        return true;
    case SEARCH_OR:
        for (int i = 0; i < node->child_count; i++)
            if (related_node_matches(node->children[i], values))
                return true;
        return false;
    case SEARCH_TAG:
        break; /* related items have no tag conditions */
    }
    return false;
}

json_t *related_custom_values(const json_t *content)
{
    json_t *values = json_object();
    const json_t *field;
    size_t i;

    json_array_foreach(json_object_get(json_object_get(content, "custom"),
                                       "fields"), i, field) {
        const char *id = json_string_value(json_object_get(field, "id"));
        if (id)
            json_object_set(values, id, json_object_get(field, "value"));
    }
    return values;
}

/* --- type filters ------------------------------------------------------------------ */

/* Whether attribute name, when the filter body sets it, equals the same
 * member of have. */
static bool attribute_holds(const json_t *body, const json_t *have,
                            const char *name)
{
    const char *want = json_string_value(json_object_get(body, name));
    const char *got = json_string_value(json_object_get(have, name));

    return !want || (got && strcmp(want, got) == 0);
}

static bool channel_holds(const json_t *body, const json_t *contact)
{
    const json_t *channels = json_object_get(body, "channel");
    const char *got = json_string_value(json_object_get(contact, "channel"));
    const json_t *want;
    size_t i;

    if (json_array_size(channels) == 0)
        return true;
    json_array_foreach(channels, i, want) {
        if (got && json_is_string(want) &&
            strcmp(json_string_value(want), got) == 0)
            return true;
    }
    return false;
}

static bool filter_matches(const related_filter *f, const char *type,
                           const json_t *content)
{
    const char *want = related_union_type(f->filter);
    const char *member = related_type_member(want);
    const json_t *body, *have;
    json_t *values;
    bool ok;

    if (!want || strcmp(want, type) != 0)
        return false;
    body = json_object_get(f->filter, member);
    have = json_object_get(content, member);
    if (strcmp(type, "Contact") == 0)
        return channel_holds(body, have) &&
               attribute_holds(body, have, "contactArn");
    if (strcmp(type, "File") == 0)
        return attribute_holds(body, have, "fileArn");
    if (strcmp(type, "ConnectCase") == 0)
        return attribute_holds(body, have, "caseId");
    if (strcmp(type, "Sla") == 0) {
        have = json_object_get(have, "slaConfiguration");
        return attribute_holds(body, have, "name") &&
               attribute_holds(body, have, "status");
    }
    if (strcmp(type, "Custom") != 0 || !f->custom)
        return true;
    values = related_custom_values(content);
    ok = related_node_matches(f->custom, values);
    json_decref(values);
    return ok;
}

bool related_filters_match(const related_filter *filters, int count,
                           const char *type, const json_t *content)
{
    if (count == 0)
        return true;
    for (int i = 0; i < count; i++)
        if (filter_matches(&filters[i], type, content))
            return true;
    return false;
}
