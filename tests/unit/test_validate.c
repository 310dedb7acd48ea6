/* test_validate.c - model constraints and their AWS-style messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/validate.h"
#include "test.h"

#define PREFIX "1 validation error detected: Value at '"
#define BROKE "' failed to satisfy constraint: "
#define UNION_RULE "Exactly one member of the union must be set"
#define TAG_KEY_RULE                                                         \
    "Map keys must satisfy constraint: [Member must satisfy regular "       \
    "expression pattern: (?![aA][wW][sS]:)[a-zA-Z0-9 _.:/=+\\-@]+]"

/* Validates json against the named shape; 0, or -1 with the message. */
static int check_json(const validator *v, const model_service *svc,
                      const char *shape, const char *json, char *err, size_t errlen)
{
    json_error_t parse_error;
    json_t *value = json_loads(json, JSON_DECODE_ANY, &parse_error);
    int index = model_shape_index(svc, shape);
    int rc = -2;

    if (value && index >= 0)
        rc = validate_shape(v, index, value, err, errlen);
    json_decref(value);
    return rc;
}

TEST(validate_table_over_the_cases_model)
{
    static const struct {
        const char *shape, *json;
        const char *want; /* NULL: valid */
    } cases[] = {
        /* required, length, pattern, type */
        {"CreateDomainRequest", "{}", PREFIX "name" BROKE "Member must not be null"},
        {"CreateDomainRequest", "{\"name\":null}", PREFIX "name" BROKE "Member must not be null"},
        {"CreateDomainRequest", "{\"name\":\"\"}",
         PREFIX "name" BROKE "Member must have length greater than or equal to 1"},
        {"CreateDomainRequest", "{\"name\":\"abc \"}",
         PREFIX "name" BROKE "Member must satisfy regular expression pattern: .*[\\S]"},
        {"CreateDomainRequest", "{\"name\":\"a\\nb\"}",
         PREFIX "name" BROKE "Member must satisfy regular expression pattern: .*[\\S]"},
        {"CreateDomainRequest", "{\"name\":\" a b\"}", NULL},
        {"CreateDomainRequest", "{\"name\":5}", PREFIX "name" BROKE "Member must be a string"},
        {"CreateDomainRequest", "{\"name\":\"ok\",\"unknown\":[1]}", NULL},
        {"CreateDomainRequest", "[]", "1 validation error detected: Value failed to "
                                      "satisfy constraint: Member must be an object"},
        /* enum, list size, integer range and type */
        {"ListTemplatesRequest", "{\"domainId\":\"d\",\"status\":[\"Active\",\"Inactive\"]}", NULL},
        {"ListTemplatesRequest", "{\"domainId\":\"d\",\"status\":[\"active\"]}",
         PREFIX "status[0]" BROKE "Member must satisfy enum value set: [Active, Inactive]"},
        {"ListTemplatesRequest", "{\"domainId\":\"d\",\"status\":[]}",
         PREFIX "status" BROKE "Member must have length greater than or equal to 1"},
        {"ListTemplatesRequest", "{\"domainId\":\"d\",\"status\":[\"Active\",\"Active\",\"Active\"]}",
         PREFIX "status" BROKE "Member must have length less than or equal to 2"},
        {"ListTemplatesRequest", "{\"domainId\":\"d\",\"status\":\"Active\"}",
         PREFIX "status" BROKE "Member must be a list"},
        {"ListTemplatesRequest", "{\"domainId\":\"d\",\"maxResults\":0}",
         PREFIX "maxResults" BROKE "Member must have value greater than or equal to 1"},
        {"ListTemplatesRequest", "{\"domainId\":\"d\",\"maxResults\":101}",
         PREFIX "maxResults" BROKE "Member must have value less than or equal to 100"},
        {"ListTemplatesRequest", "{\"domainId\":\"d\",\"maxResults\":100}", NULL},
        {"ListTemplatesRequest", "{\"domainId\":\"d\",\"maxResults\":\"5\"}",
         PREFIX "maxResults" BROKE "Member must be an integer"},
        {"ListTemplatesRequest", "{\"domainId\":\"d\",\"maxResults\":5.0}",
         PREFIX "maxResults" BROKE "Member must be an integer"},
        {"ListTemplatesRequest", "{\"maxResults\":5}",
         PREFIX "domainId" BROKE "Member must not be null"},
        /* unions, nested paths, numbers and booleans */
        {"CreateCaseRequest",
         "{\"domainId\":\"d\",\"templateId\":\"t\",\"fields\":[{\"id\":\"x\",\"value\":{}}]}",
         PREFIX "fields[0].value" BROKE UNION_RULE},
        {"CreateCaseRequest",
         "{\"domainId\":\"d\",\"templateId\":\"t\",\"fields\":[{\"id\":\"x\",\"value\":"
         "{\"stringValue\":\"a\",\"booleanValue\":true}}]}",
         PREFIX "fields[0].value" BROKE UNION_RULE},
        {"CreateCaseRequest",
         "{\"domainId\":\"d\",\"templateId\":\"t\",\"fields\":[{\"id\":\"x\",\"value\":"
         "{\"emptyValue\":{}}}]}", NULL},
        {"CreateCaseRequest",
         "{\"domainId\":\"d\",\"templateId\":\"t\",\"fields\":[{\"id\":\"x\",\"value\":"
         "{\"stringValue\":\"a\",\"booleanValue\":null,\"other\":1}}]}", NULL},
        {"CreateCaseRequest",
         "{\"domainId\":\"d\",\"templateId\":\"t\",\"fields\":[{\"id\":\"x\",\"value\":"
         "{\"doubleValue\":1}},{\"id\":\"y\",\"value\":{\"doubleValue\":-1.5e3}}]}", NULL},
        {"CreateCaseRequest",
         "{\"domainId\":\"d\",\"templateId\":\"t\",\"fields\":[{\"id\":\"x\",\"value\":"
         "{\"doubleValue\":1}},{\"id\":\"y\",\"value\":{\"doubleValue\":\"1\"}}]}",
         PREFIX "fields[1].value.doubleValue" BROKE "Member must be a number"},
        {"CreateCaseRequest",
         "{\"domainId\":\"d\",\"templateId\":\"t\",\"fields\":[{\"id\":\"x\",\"value\":"
         "{\"booleanValue\":\"true\"}}]}",
         PREFIX "fields[0].value.booleanValue" BROKE "Member must be a boolean"},
        {"CreateCaseRequest",
         "{\"domainId\":\"d\",\"templateId\":\"t\",\"fields\":[{\"value\":{\"stringValue\":\"a\"}}]}",
         PREFIX "fields[0].id" BROKE "Member must not be null"},
        /* a list index of more than one digit */
        {"GetCaseRequest",
         "{\"domainId\":\"d\",\"caseId\":\"c\",\"fields\":[{\"id\":\"a\"},{\"id\":\"a\"},"
         "{\"id\":\"a\"},{\"id\":\"a\"},{\"id\":\"a\"},{\"id\":\"a\"},{\"id\":\"a\"},"
         "{\"id\":\"a\"},{\"id\":\"a\"},{\"id\":\"a\"},{}]}",
         PREFIX "fields[10].id" BROKE "Member must not be null"},
        {"CreateCaseRequest", "{\"domainId\":\"d\",\"templateId\":\"t\",\"fields\":[null]}",
         PREFIX "fields[0]" BROKE "Member must not be null"},
        {"CreateCaseRequest", "{\"domainId\":\"d\",\"templateId\":\"t\",\"fields\":{}}",
         PREFIX "fields" BROKE "Member must be a list"},
        {"CreateCaseRequest",
         "{\"domainId\":\"d\",\"templateId\":\"t\",\"fields\":[],\"performedBy\":{}}",
         PREFIX "performedBy" BROKE UNION_RULE},
        /* maps: keys (the MutableTagKey lookahead), values, sparseness */
        {"CreateCaseRequest",
         "{\"domainId\":\"d\",\"templateId\":\"t\",\"fields\":[],"
         "\"tags\":{\"Dept\":\"\",\"awsx\":\"v\",\"x:aws:\":\"v\"}}", NULL},
        {"CreateCaseRequest",
         "{\"domainId\":\"d\",\"templateId\":\"t\",\"fields\":[],\"tags\":{\"aws:x\":\"v\"}}",
         PREFIX "tags" BROKE TAG_KEY_RULE},
        {"CreateCaseRequest",
         "{\"domainId\":\"d\",\"templateId\":\"t\",\"fields\":[],\"tags\":{\"AwS:x\":\"v\"}}",
         PREFIX "tags" BROKE TAG_KEY_RULE},
        {"CreateCaseRequest",
         "{\"domainId\":\"d\",\"templateId\":\"t\",\"fields\":[],\"tags\":{\"\":\"v\"}}",
         PREFIX "tags" BROKE "Map keys must satisfy constraint: [Member must have length "
                             "greater than or equal to 1]"},
        {"CreateCaseRequest",
         "{\"domainId\":\"d\",\"templateId\":\"t\",\"fields\":[],\"tags\":{\"Dept\":\"a#b\"}}",
         PREFIX "tags.Dept" BROKE "Member must satisfy regular expression pattern: "
                                  "([a-zA-Z0-9 _.:/=+\\-@]*)"},
        {"CreateCaseRequest",
         "{\"domainId\":\"d\",\"templateId\":\"t\",\"fields\":[],\"tags\":{\"Dept\":null}}",
         PREFIX "tags.Dept" BROKE "Member must not be null"},
        {"CreateCaseRequest",
         "{\"domainId\":\"d\",\"templateId\":\"t\",\"fields\":[],\"tags\":[]}",
         PREFIX "tags" BROKE "Member must be a map"},
        {"TagResourceRequest", "{\"arn\":\"a\",\"tags\":{\"k\":null}}", NULL},
        /* UntagResource's TagKey lookahead is case-sensitive */
        {"UntagResourceRequest", "{\"arn\":\"a\",\"tagKeys\":[\"AWS:x\"]}", NULL},
        {"UntagResourceRequest", "{\"arn\":\"a\",\"tagKeys\":[\"ok\",\"aws:x\"]}",
         PREFIX "tagKeys[1]" BROKE "Member must satisfy regular expression pattern: "
                                   "(?!aws:)[a-zA-Z+-=._:/]+"},
        /* "$|^.*[\S]": empty, or ending in a non-space character */
        {"ParentChildFieldOptionValue", "\"\"", NULL},
        {"ParentChildFieldOptionValue", "\"a b\"", NULL},
        {"ParentChildFieldOptionValue", "\"a \"",
         "1 validation error detected: Value failed to satisfy constraint: Member must "
         "satisfy regular expression pattern: $|^.*[\\S]"},
        {"ParentChildFieldOptionValue", "\" \"",
         "1 validation error detected: Value failed to satisfy constraint: Member must "
         "satisfy regular expression pattern: $|^.*[\\S]"},
    };
    char err[1024];
    validator *v = validator_new(&model_connectcases, err, sizeof err);
    CHECK(v);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err[0] = '\0';
        int rc = check_json(v, &model_connectcases, cases[i].shape, cases[i].json, err,
                            sizeof err);
        if (rc != (cases[i].want ? -1 : 0))
            fprintf(stderr, "  case %zu: %s %s -> %s\n", i, cases[i].shape, cases[i].json, err);
        CHECK_INT(rc, cases[i].want ? -1 : 0);
        if (cases[i].want)
            CHECK_STR(err, cases[i].want);
    }
    validator_free(v);
}

/* A name of count copies of the UTF-8 character ch. */
static char *repeat(const char *ch, int count)
{
    size_t len = strlen(ch);
    char *s = malloc(len * (size_t)count + 1);
    for (int i = 0; i < count; i++)
        memcpy(s + len * (size_t)i, ch, len);
    s[len * (size_t)count] = '\0';
    return s;
}

TEST(validate_counts_length_in_code_points)
{
    static const struct {
        const char *ch;
        int count, rc;
    } cases[] = {
        {"a", 100, 0},         {"a", 101, -1},
        {"\xC3\xA9", 100, 0},  {"\xC3\xA9", 101, -1}, /* é: 2 bytes */
        {"\xF0\x9F\x99\x82", 100, 0}, {"\xF0\x9F\x99\x82", 101, -1}, /* 4 bytes */
    };
    char err[512];
    validator *v = validator_new(&model_connectcases, err, sizeof err);
    int shape = model_shape_index(&model_connectcases, "CreateDomainRequest");
    CHECK(v && shape >= 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *name = repeat(cases[i].ch, cases[i].count);
        json_t *input = json_pack("{s:s}", "name", name);
        free(name);
        int rc = validate_shape(v, shape, input, err, sizeof err);
        json_decref(input);
        CHECK_INT(rc, cases[i].rc);
        if (rc < 0)
            CHECK_STR(err, PREFIX "name" BROKE
                      "Member must have length less than or equal to 100");
    }
    validator_free(v);
}

TEST(validate_names_the_deep_member_path)
{
    char err[512];
    validator *v = validator_new(&model_connectcases, err, sizeof err);
    int shape = model_shape_index(&model_connectcases, "CreateLayoutRequest");
    CHECK(v && shape >= 0);
    char *long_id = repeat("i", 501);
    json_t *input = json_pack(
        "{s:s, s:s, s:{s:{s:{s:[{s:{s:[{s:s},{s:s},{s:s},{s:s}]}}]}}}}",
        "domainId", "d", "name", "layout", "content", "basic", "topPanel", "sections",
        "fieldGroup", "fields", "id", "a", "id", "b", "id", "c", "id", long_id);
    free(long_id);
    CHECK(input);
    CHECK_INT(validate_shape(v, shape, input, err, sizeof err), -1);
    CHECK_STR(err, PREFIX "content.basic.topPanel.sections[0].fieldGroup.fields[3].id" BROKE
              "Member must have length less than or equal to 500");
    json_decref(input);
    validator_free(v);
}

/* {"filter": {"not": {"not": ... {"andAll": []}}}} with depth "not"s. */
static json_t *nested_filter(int depth)
{
    json_t *filter = json_pack("{s:[]}", "andAll");
    for (int i = 0; i < depth; i++)
        filter = json_pack("{s:o}", "not", filter);
    return json_pack("{s:s, s:o}", "domainId", "d", "filter", filter);
}

TEST(validate_stops_at_nesting_depth_64)
{
    char err[1024];
    validator *v = validator_new(&model_connectcases, err, sizeof err);
    int shape = model_shape_index(&model_connectcases, "SearchCasesRequest");
    CHECK(v && shape >= 0);
    json_t *shallow = nested_filter(50);
    json_t *deep = nested_filter(70);
    CHECK_INT(validate_shape(v, shape, shallow, err, sizeof err), 0);
    CHECK_INT(validate_shape(v, shape, deep, err, sizeof err), -1);
    CHECK(strncmp(err, PREFIX "filter.not.not.not", strlen(PREFIX "filter.not.not.not")) == 0);
    const char *rule = "Member must not be nested more than 64 levels deep";
    CHECK(strlen(err) > strlen(rule));
    CHECK_STR(err + strlen(err) - strlen(rule), rule);
    json_decref(shallow);
    json_decref(deep);
    validator_free(v);
}

TEST(validate_truncates_messages_safely)
{
    char small[40];
    validator *v = validator_new(&model_connectcases, small, sizeof small);
    CHECK(v);
    memset(small, 'x', sizeof small);
    CHECK_INT(check_json(v, &model_connectcases, "CreateDomainRequest", "{}", small,
                         sizeof small), -1);
    CHECK_INT(strlen(small), sizeof small - 1);
    CHECK_INT(check_json(v, &model_connectcases, "CreateDomainRequest", "{}", NULL, 0), -1);
    /* a map key cut mid-character must not leave half a UTF-8 sequence */
    char err[46];
    const char *tags = "{\"arn\":\"a\",\"tags\":{\"\xC3\xA9\xC3\xA9\":5}}";
    CHECK_INT(check_json(v, &model_connectcases, "TagResourceRequest", tags, err, sizeof err),
              -1);
    CHECK_STR(err, PREFIX "tags.");
    /* nor may a path too long to quote whole */
    char *body = repeat("\xC3\xA9", 600), key[1300];
    snprintf(key, sizeof key, "x%s", body); /* odd length: the cut falls mid-character */
    free(body);
    json_t *input = json_pack("{s:s, s:{s:i}}", "arn", "a", "tags", key, 5);
    char long_err[2048];
    CHECK_INT(validate_shape(v, model_shape_index(&model_connectcases, "TagResourceRequest"),
                             input, long_err, sizeof long_err), -1);
    json_decref(input);
    CHECK(strstr(long_err, BROKE "Member must be a string") != NULL);
    json_t *as_json = json_string(long_err); /* NULL if not valid UTF-8 */
    CHECK(as_json != NULL);
    json_decref(as_json);
    validator_free(v);
}

/* A hand-made service for the types the Cases inputs do not use. */
static const char *const toy_enum[] = {"A", "B", NULL};
static const model_member toy_members[] = {
    {"when", 0, LOC_BODY, NULL, false, false},
    {"big", 1, LOC_BODY, NULL, false, false},
    {"small", 2, LOC_BODY, NULL, false, false},
    {"sparse", 3, LOC_BODY, NULL, false, false},
    {"dense", 4, LOC_BODY, NULL, false, false},
    {"keyed", 5, LOC_BODY, NULL, false, false},
    {"ratio", 6, LOC_BODY, NULL, false, false},
    {"data", 8, LOC_BODY, NULL, false, false},
};
static const model_shape toy_shapes[] = {
    {"A_When", SHAPE_TIMESTAMP, SHAPE_ISO8601, 0, 0, NULL, NULL, NULL, 0, -1, -1, 0},
    {"B_Long", SHAPE_LONG, 0, 0, 0, NULL, NULL, NULL, 0, -1, -1, 0},
    {"C_Int", SHAPE_INTEGER, 0, 0, 0, NULL, NULL, NULL, 0, -1, -1, 0},
    {"D_Sparse", SHAPE_LIST, SHAPE_SPARSE, 0, 0, NULL, NULL, NULL, 0, 2, -1, 0},
    {"E_Dense", SHAPE_LIST, 0, 0, 0, NULL, NULL, NULL, 0, 2, -1, 0},
    {"F_Keyed", SHAPE_MAP, 0, 0, 0, NULL, NULL, NULL, 0, 2, 9, 0},
    {"G_Ratio", SHAPE_DOUBLE, SHAPE_HAS_MIN | SHAPE_HAS_MAX, -1, 1, NULL, NULL, NULL, 0, -1, -1, 0},
    {"H_Input", SHAPE_STRUCTURE, 0, 0, 0, NULL, NULL, toy_members, 8, -1, -1, 0},
    {"I_Blob", SHAPE_BLOB, 0, 0, 0, NULL, NULL, NULL, 0, -1, -1, 0},
    {"J_Key", SHAPE_STRING, 0, 0, 0, NULL, toy_enum, NULL, 0, -1, -1, 0},
};
static const model_service toy = {"toy", "toy", "1", toy_shapes, 10, NULL, 0};

TEST(validate_timestamps_numbers_and_sparse_lists)
{
    static const struct {
        const char *json, *want;
    } cases[] = {
        {"{\"when\":\"2024-01-02T03:04:05Z\"}", NULL},
        {"{\"when\":\"2024-01-02T03:04:05.123+02:00\"}", NULL},
        {"{\"when\":1700000000}", NULL},
        {"{\"when\":1700000000.5}", NULL},
        {"{\"when\":\"yesterday\"}",
         PREFIX "when" BROKE "Member must be a timestamp in ISO-8601 format"},
        {"{\"when\":\"2024-02-30T00:00:00Z\"}",
         PREFIX "when" BROKE "Member must be a timestamp in ISO-8601 format"},
        {"{\"when\":true}", PREFIX "when" BROKE "Member must be a timestamp"},
        {"{\"big\":9000000000}", NULL},
        {"{\"small\":2147483647}", NULL},
        {"{\"small\":2147483648}",
         PREFIX "small" BROKE "Member must have value less than or equal to 2147483647"},
        {"{\"small\":-2147483649}",
         PREFIX "small" BROKE "Member must have value greater than or equal to -2147483648"},
        {"{\"sparse\":[1,null,2]}", NULL},
        {"{\"dense\":[1,null]}", PREFIX "dense[1]" BROKE "Member must not be null"},
        {"{\"keyed\":{\"A\":1,\"B\":2}}", NULL},
        {"{\"keyed\":{\"C\":1}}",
         PREFIX "keyed" BROKE "Map keys must satisfy constraint: [Member must satisfy enum "
                              "value set: [A, B]]"},
        {"{\"keyed\":{\"A\":\"1\"}}", PREFIX "keyed.A" BROKE "Member must be an integer"},
        {"{\"ratio\":0.5}", NULL},
        {"{\"ratio\":1}", NULL},
        {"{\"ratio\":1.01}", PREFIX "ratio" BROKE "Member must have value less than or equal to 1"},
        {"{\"ratio\":-2}",
         PREFIX "ratio" BROKE "Member must have value greater than or equal to -1"},
        {"{\"data\":\"aGVsbG8=\"}", NULL},
        {"{\"data\":7}", PREFIX "data" BROKE "Member must be a string"},
    };
    char err[512];
    validator *v = validator_new(&toy, err, sizeof err);
    CHECK(v);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err[0] = '\0';
        int rc = check_json(v, &toy, "H_Input", cases[i].json, err, sizeof err);
        if (rc != (cases[i].want ? -1 : 0))
            fprintf(stderr, "  case %s -> %s\n", cases[i].json, err);
        CHECK_INT(rc, cases[i].want ? -1 : 0);
        if (cases[i].want)
            CHECK_STR(err, cases[i].want);
    }
    CHECK_INT(validate_shape(v, -1, NULL, err, sizeof err), 0);
    validator_free(v);
}

TEST(validate_compiles_every_connect_pattern)
{
    char err[512] = "unset";
    validator *v = validator_new(&model_connect, err, sizeof err);
    CHECK_STR(err, "");
    CHECK(v);
    /* Java's \uXXXX escapes: [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]+$ */
    CHECK_INT(check_json(v, &model_connect, "IAMRestrictedPrimaryValue", "\"a\\tb \u00e9\"",
                         err, sizeof err), 0);
    CHECK_INT(check_json(v, &model_connect, "IAMRestrictedPrimaryValue", "\"a\u0100\"",
                         err, sizeof err), -1);
    CHECK_INT(check_json(v, &model_connect, "IAMRestrictedPrimaryValue", "\"u0009\"",
                         err, sizeof err), 0);
    validator_free(v);
}

TEST(validate_reports_a_pattern_that_does_not_compile)
{
    static const model_shape bad_shapes[] = {
        {"Broken", SHAPE_STRING, 0, 0, 0, "a(b", NULL, NULL, 0, -1, -1, 0},
    };
    static const model_service bad = {"bad", "bad", "1", bad_shapes, 1, NULL, 0};
    char err[512];
    CHECK(validator_new(&bad, err, sizeof err) == NULL);
    CHECK(strstr(err, "pattern of shape Broken does not compile") == err);
}
