/* test_related_match.c - selecting related items by filter. */
#include <jansson.h>
#include <stdbool.h>
#include <string.h>

#include "api/case_filter.h"
#include "api/related_match.h"
#include "test.h"
#include "util/arena.h"

/* The field types of the domain the custom filters are compiled for. */
static const char *type_of(void *ud, const char *id)
{
    static const char *const fields[][2] = {
        {"sku", "Text"},        {"qty", "Number"},  {"paid", "Boolean"},
        {"due", "DateTime"},    {"size", "SingleSelect"},
    };
    (void)ud;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (strcmp(fields[i][0], id) == 0)
            return fields[i][1];
    return NULL;
}

static const char custom_item[] =
    "{\"custom\":{\"fields\":["
    "{\"id\":\"sku\",\"value\":{\"stringValue\":\"Widget-42\"}},"
    "{\"id\":\"qty\",\"value\":{\"doubleValue\":3}},"
    "{\"id\":\"paid\",\"value\":{\"booleanValue\":true}},"
    "{\"id\":\"due\",\"value\":{\"stringValue\":\"2026-05-01T00:00:00.000Z\"}}]}}";

#define FIELD(op, id, value) \
    "{\"field\":{\"" op "\":{\"id\":\"" id "\",\"value\":" value "}}}"

/* Whether the custom filter text selects custom_item; -1 if it does not
 * compile. */
static int custom_matches(const char *filter_text)
{
    arena *a = arena_new(4096);
    char err[256];
    case_compiler cc = {a, type_of, NULL, err, sizeof err};
    json_t *filter = json_loads(filter_text, 0, NULL);
    json_t *content = json_loads(custom_item, 0, NULL);
    json_t *values = related_custom_values(content);
    search_node *node = NULL;
    int rc = -1;

    if (filter && case_filter_compile(&cc, filter, &node) == CASE_FILTER_OK)
        rc = related_node_matches(node, values) ? 1 : 0;
    json_decref(filter);
    json_decref(content);
    json_decref(values);
    arena_free(a);
    return rc;
}

TEST(related_custom_filter_table)
{
    static const struct {
        const char *filter;
        int want;
    } cases[] = {
        {FIELD("equalTo", "sku", "{\"stringValue\":\"Widget-42\"}"), 1},
        {FIELD("equalTo", "sku", "{\"stringValue\":\"widget-42\"}"), 0},
        {FIELD("contains", "sku", "{\"stringValue\":\"GET-4\"}"), 1},
        {FIELD("contains", "sku", "{\"stringValue\":\"gadget\"}"), 0},
        {FIELD("greaterThan", "qty", "{\"doubleValue\":2}"), 1},
        {FIELD("greaterThan", "qty", "{\"doubleValue\":3}"), 0},
        {FIELD("greaterThanOrEqualTo", "qty", "{\"doubleValue\":3}"), 1},
        {FIELD("lessThan", "qty", "{\"doubleValue\":3}"), 0},
        {FIELD("lessThanOrEqualTo", "qty", "{\"doubleValue\":3}"), 1},
        {FIELD("equalTo", "paid", "{\"booleanValue\":true}"), 1},
        {FIELD("equalTo", "paid", "{\"booleanValue\":false}"), 0},
        /* DateTime constants are normalised before comparing */
        {FIELD("lessThan", "due", "{\"stringValue\":\"2026-05-01T02:00:00+01:00\"}"), 1},
        {FIELD("greaterThan", "due", "{\"stringValue\":\"2026-05-01T00:00:00Z\"}"), 0},
        /* a field the item does not hold */
        {FIELD("equalTo", "size", "{\"stringValue\":\"L\"}"), 0},
        {FIELD("equalTo", "size", "{\"emptyValue\":{}}"), 1},
        {"{\"not\":" FIELD("equalTo", "size", "{\"stringValue\":\"L\"}") "}", 1},
        {"{\"not\":" FIELD("equalTo", "sku", "{\"stringValue\":\"Widget-42\"}") "}", 0},
        {"{\"andAll\":[" FIELD("equalTo", "paid", "{\"booleanValue\":true}") ","
         FIELD("lessThan", "qty", "{\"doubleValue\":2}") "]}", 0},
        {"{\"orAll\":[" FIELD("equalTo", "paid", "{\"booleanValue\":true}") ","
         FIELD("lessThan", "qty", "{\"doubleValue\":2}") "]}", 1},
        {"{\"andAll\":[]}", 1},
        {"{\"orAll\":[]}", 0},
        /* refused by the compiler: unknown field, wrong member */
        {FIELD("equalTo", "nope", "{\"stringValue\":\"x\"}"), -1},
        {FIELD("equalTo", "qty", "{\"stringValue\":\"3\"}"), -1},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = custom_matches(cases[i].filter);
        if (got != cases[i].want)
            test_fail(__FILE__, __LINE__, "case %zu: got %d, want %d", i, got,
                      cases[i].want);
    }
}

/* Whether the filter texts (a JSON list) select an item of type/content. */
static bool list_matches(const char *filters_text, const char *type,
                         const char *content_text)
{
    json_t *filters = json_loads(filters_text, 0, NULL);
    json_t *content = json_loads(content_text, 0, NULL);
    related_filter f[4] = {{NULL, NULL}};
    size_t n = json_array_size(filters);
    bool got;

    for (size_t i = 0; i < n && i < 4; i++)
        f[i].filter = json_array_get(filters, i);
    got = filters && content && related_filters_match(f, (int)n, type, content);
    json_decref(filters);
    json_decref(content);
    return got;
}

static const char contact[] =
    "{\"contact\":{\"contactArn\":\"arn:c/1\",\"channel\":\"VOICE\","
    "\"connectedToSystemTime\":\"2026-01-01T00:00:00.000Z\"}}";
static const char sla[] =
    "{\"sla\":{\"slaConfiguration\":{\"name\":\"resolve\",\"type\":\"CaseField\","
    "\"status\":\"Active\",\"fieldId\":\"status\","
    "\"targetFieldValues\":[{\"stringValue\":\"closed\"}],"
    "\"targetTime\":\"2026-01-01T00:10:00.000Z\"}}}";

TEST(related_type_filters)
{
    CHECK(list_matches("[]", "Contact", contact));
    CHECK(list_matches("[{\"contact\":{}}]", "Contact", contact));
    CHECK(!list_matches("[{\"comment\":{}}]", "Contact", contact));
    /* OR across filters */
    CHECK(list_matches("[{\"comment\":{}},{\"contact\":{}}]", "Contact", contact));
    /* AND within one */
    CHECK(list_matches("[{\"contact\":{\"channel\":[\"CHAT\",\"VOICE\"],"
                       "\"contactArn\":\"arn:c/1\"}}]", "Contact", contact));
    CHECK(!list_matches("[{\"contact\":{\"channel\":[\"VOICE\"],"
                        "\"contactArn\":\"arn:c/2\"}}]", "Contact", contact));
    CHECK(!list_matches("[{\"contact\":{\"channel\":[\"CHAT\"]}}]", "Contact",
                        contact));
    CHECK(list_matches("[{\"contact\":{\"channel\":[]}}]", "Contact", contact));
    CHECK(list_matches("[{\"sla\":{\"name\":\"resolve\",\"status\":\"Active\"}}]",
                       "Sla", sla));
    CHECK(!list_matches("[{\"sla\":{\"name\":\"resolve\",\"status\":\"Met\"}}]",
                        "Sla", sla));
    CHECK(list_matches("[{\"file\":{\"fileArn\":\"f\"}},{\"sla\":{}}]", "Sla", sla));
    CHECK(!list_matches("[{\"connectCase\":{\"caseId\":\"c\"}}]", "ConnectCase",
                        "{\"connectCase\":{\"caseId\":\"d\"}}"));
    CHECK(list_matches("[{\"connectCase\":{\"caseId\":\"d\"}}]", "ConnectCase",
                       "{\"connectCase\":{\"caseId\":\"d\"}}"));
}

TEST(related_type_members)
{
    CHECK_STR(related_type_member("ConnectCase"), "connectCase");
    CHECK_STR(related_type_member("Sla"), "sla");
    CHECK(related_type_member("Task") == NULL);
    CHECK(related_type_member(NULL) == NULL);
}
