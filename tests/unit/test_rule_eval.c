/* test_rule_eval.c - evaluating case rules against a case's field values. */
#include <jansson.h>
#include <stdbool.h>
#include <string.h>

#include "api/rule_eval.h"
#include "test.h"

/* Parses a JSON text of the tables below (new reference, NULL if bad). */
static json_t *parse(const char *text)
{
    return json_loads(text, 0, NULL);
}

/* A comparison of field f with operand two (JSON text), result true. */
#define EQ(f, two) \
    "{\"equalTo\":{\"operandOne\":{\"fieldId\":\"" f "\"},\"operandTwo\":" two ",\"result\":true}}"
#define NE(f, two) \
    "{\"notEqualTo\":{\"operandOne\":{\"fieldId\":\"" f "\"},\"operandTwo\":" two ",\"result\":true}}"

/* A case: status open, urgent true, score 3 (as an integer and as a
 * real), owner a user, reason blank, `gone` absent. */
static const char case_fields[] =
    "{\"status\":{\"stringValue\":\"open\"},\"urgent\":{\"booleanValue\":true},"
    "\"score\":{\"doubleValue\":3},\"ratio\":{\"doubleValue\":0.5},"
    "\"owner\":{\"userArnValue\":\"arn:u/1\"},\"reason\":{\"emptyValue\":{}}}";

TEST(rule_condition_table)
{
    static const struct {
        const char *condition;
        bool want;
    } cases[] = {
        /* equalTo by type */
        {EQ("status", "{\"stringValue\":\"open\"}"), true},
        {EQ("status", "{\"stringValue\":\"Open\"}"), false},
        {EQ("status", "{\"stringValue\":\"closed\"}"), false},
        {EQ("urgent", "{\"booleanValue\":true}"), true},
        {EQ("urgent", "{\"booleanValue\":false}"), false},
        {EQ("score", "{\"doubleValue\":3.0}"), true},
        {EQ("score", "{\"doubleValue\":3.5}"), false},
        {EQ("ratio", "{\"doubleValue\":0.5}"), true},
        {EQ("owner", "{\"stringValue\":\"arn:u/1\"}"), true},
        /* another type never equals */
        {EQ("score", "{\"stringValue\":\"3\"}"), false},
        {EQ("status", "{\"booleanValue\":true}"), false},
        {EQ("urgent", "{\"doubleValue\":1}"), false},
        /* emptyValue means blank: emptyValue and absent are blank */
        {EQ("reason", "{\"emptyValue\":{}}"), true},
        {EQ("gone", "{\"emptyValue\":{}}"), true},
        {EQ("status", "{\"emptyValue\":{}}"), false},
        {EQ("gone", "{\"stringValue\":\"x\"}"), false},
        /* notEqualTo is the negation */
        {NE("status", "{\"stringValue\":\"open\"}"), false},
        {NE("status", "{\"stringValue\":\"closed\"}"), true},
        {NE("gone", "{\"stringValue\":\"x\"}"), true},
        {NE("reason", "{\"emptyValue\":{}}"), false},
        {NE("status", "{\"emptyValue\":{}}"), true},
        /* andAll / orAll */
        {"{\"andAll\":{\"conditions\":[" EQ("status", "{\"stringValue\":\"open\"}") ","
         EQ("urgent", "{\"booleanValue\":true}") "]}}", true},
        {"{\"andAll\":{\"conditions\":[" EQ("status", "{\"stringValue\":\"open\"}") ","
         EQ("urgent", "{\"booleanValue\":false}") "]}}", false},
        {"{\"orAll\":{\"conditions\":[" EQ("status", "{\"stringValue\":\"closed\"}") ","
         EQ("urgent", "{\"booleanValue\":true}") "]}}", true},
        {"{\"orAll\":{\"conditions\":[" EQ("status", "{\"stringValue\":\"closed\"}") ","
         EQ("urgent", "{\"booleanValue\":false}") "]}}", false},
        {"{\"andAll\":{\"conditions\":[]}}", true},
        {"{\"orAll\":{\"conditions\":[]}}", false},
        /* nesting */
        {"{\"andAll\":{\"conditions\":[" EQ("status", "{\"stringValue\":\"open\"}") ","
         "{\"orAll\":{\"conditions\":[" EQ("score", "{\"doubleValue\":9}") ","
         EQ("reason", "{\"emptyValue\":{}}") "]}}]}}", true},
        {"{\"orAll\":{\"conditions\":[" NE("status", "{\"stringValue\":\"open\"}") ","
         "{\"andAll\":{\"conditions\":[" EQ("score", "{\"doubleValue\":3}") ","
         EQ("gone", "{\"stringValue\":\"x\"}") "]}}]}}", false},
        /* not a condition at all */
        {"{}", false},
    };
    json_t *fields = parse(case_fields);

    CHECK(fields);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *condition = parse(cases[i].condition);
        bool got;
        if (!condition) {
            test_fail(__FILE__, __LINE__, "case %zu: bad JSON", i);
            break;
        }
        got = rule_condition_holds(condition, fields);
        json_decref(condition);
        if (got != cases[i].want) {
            test_fail(__FILE__, __LINE__, "case %zu: holds %d, want %d", i,
                      got, cases[i].want);
            break;
        }
    }
    json_decref(fields);
}

/* A comparison with an explicit result. */
#define EQR(f, two, r) \
    "{\"equalTo\":{\"operandOne\":{\"fieldId\":\"" f "\"},\"operandTwo\":" two ",\"result\":" r "}}"
#define OPEN "{\"stringValue\":\"open\"}"
#define CLOSED "{\"stringValue\":\"closed\"}"

TEST(rule_boolean_result_table)
{
    static const struct {
        const char *rule;
        bool want;
    } cases[] = {
        /* no condition holds: defaultValue */
        {"{\"defaultValue\":true,\"conditions\":[]}", true},
        {"{\"defaultValue\":false,\"conditions\":[]}", false},
        {"{\"defaultValue\":true,\"conditions\":[" EQR("status", CLOSED, "false") "]}", true},
        {"{\"defaultValue\":false,\"conditions\":[" EQR("status", CLOSED, "true") "]}", false},
        /* a holding condition supplies its result */
        {"{\"defaultValue\":false,\"conditions\":[" EQR("status", OPEN, "true") "]}", true},
        {"{\"defaultValue\":true,\"conditions\":[" EQR("status", OPEN, "false") "]}", false},
        /* the first that holds wins, in order */
        {"{\"defaultValue\":false,\"conditions\":[" EQR("status", CLOSED, "false") ","
         EQR("status", OPEN, "true") "," EQR("urgent", "{\"booleanValue\":true}", "false") "]}", true},
        {"{\"defaultValue\":false,\"conditions\":[" EQR("urgent", "{\"booleanValue\":true}", "false") ","
         EQR("status", OPEN, "true") "]}", false},
        /* a group takes the result of its first holding member */
        {"{\"defaultValue\":false,\"conditions\":[{\"andAll\":{\"conditions\":["
         EQR("status", OPEN, "true") "," EQR("gone", "{\"emptyValue\":{}}", "false") "]}}]}", true},
        {"{\"defaultValue\":true,\"conditions\":[{\"orAll\":{\"conditions\":["
         EQR("status", CLOSED, "true") "," EQR("gone", "{\"emptyValue\":{}}", "false") "]}}]}", false},
        /* a group that does not hold is skipped */
        {"{\"defaultValue\":false,\"conditions\":[{\"andAll\":{\"conditions\":["
         EQR("status", OPEN, "false") "," EQR("status", CLOSED, "false") "]}},"
         EQR("status", OPEN, "true") "]}", true},
    };
    json_t *fields = parse(case_fields);

    CHECK(fields);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *rule = parse(cases[i].rule);
        bool got;
        if (!rule) {
            test_fail(__FILE__, __LINE__, "case %zu: bad JSON", i);
            break;
        }
        got = rule_boolean_result(rule, fields);
        json_decref(rule);
        if (got != cases[i].want) {
            test_fail(__FILE__, __LINE__, "case %zu: result %d, want %d", i,
                      got, cases[i].want);
            break;
        }
    }
    json_decref(fields);
}

/* Country -> region: "us" allows east/west, "fr" allows nothing, "de" is
 * not mapped. */
#define REGION_RULE                                                          \
    "{\"fieldId\":\"region\",\"rule\":{\"fieldOptions\":{"                     \
    "\"parentFieldId\":\"country\",\"childFieldId\":\"region\","               \
    "\"parentChildFieldOptionsMappings\":["                                   \
    "{\"parentFieldOptionValue\":\"us\",\"childFieldOptionValues\":[\"east\",\"west\"]}," \
    "{\"parentFieldOptionValue\":\"fr\",\"childFieldOptionValues\":[]}]}}}"
/* reason is required while status is open. */
#define REASON_REQUIRED                                                      \
    "{\"fieldId\":\"reason\",\"rule\":{\"required\":{\"defaultValue\":false," \
    "\"conditions\":[" EQR("status", OPEN, "true") "]}}}"
#define REASON_HIDDEN                                                        \
    "{\"fieldId\":\"reason\",\"rule\":{\"hidden\":{\"defaultValue\":true,"   \
    "\"conditions\":[]}}}"
#define STR(f, v) "\"" f "\":{\"stringValue\":\"" v "\"}"

TEST(rule_check_case_table)
{
    static const struct {
        const char *attached;
        const char *fields;
        int want;
        const char *message; /* a part of err when want is -1 */
    } cases[] = {
        /* required */
        {"[" REASON_REQUIRED "]", "{" STR("status", "open") "," STR("reason", "x") "}", 0, NULL},
        {"[" REASON_REQUIRED "]", "{" STR("status", "open") "}", -1,
         "Field 'reason' is required by case rule"},
        {"[" REASON_REQUIRED "]", "{" STR("status", "open") ",\"reason\":{\"emptyValue\":{}}}", -1,
         "'reason'"},
        {"[" REASON_REQUIRED "]", "{" STR("status", "closed") "}", 0, NULL},
        /* hidden is not enforced */
        {"[" REASON_HIDDEN "]", "{" STR("reason", "x") "}", 0, NULL},
        /* fieldOptions: allowed, forbidden, unmapped, blanks */
        {"[" REGION_RULE "]", "{" STR("country", "us") "," STR("region", "west") "}", 0, NULL},
        {"[" REGION_RULE "]", "{" STR("country", "us") "," STR("region", "north") "}", -1,
         "Value 'north' of field 'region' is not allowed when field 'country' is 'us'"},
        {"[" REGION_RULE "]", "{" STR("country", "fr") "," STR("region", "east") "}", -1,
         "'east'"},
        {"[" REGION_RULE "]", "{" STR("country", "de") "," STR("region", "north") "}", 0, NULL},
        {"[" REGION_RULE "]", "{" STR("region", "north") "}", 0, NULL},
        {"[" REGION_RULE "]", "{\"country\":{\"emptyValue\":{}}," STR("region", "north") "}", 0, NULL},
        {"[" REGION_RULE "]", "{" STR("country", "us") "}", 0, NULL},
        {"[" REGION_RULE "]", "{" STR("country", "fr") ",\"region\":{\"emptyValue\":{}}}", 0, NULL},
        /* every rule is checked */
        {"[" REGION_RULE "," REASON_REQUIRED "]",
         "{" STR("country", "us") "," STR("region", "east") "," STR("status", "open") "}", -1,
         "'reason'"},
        {"[]", "{}", 0, NULL},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *attached = parse(cases[i].attached);
        json_t *fields = parse(cases[i].fields);
        char err[256] = "unset";
        int got = attached && fields
                      ? rule_check_case(attached, fields, err, sizeof err)
                      : -2;
        json_decref(attached);
        json_decref(fields);
        if (got != cases[i].want) {
            test_fail(__FILE__, __LINE__, "case %zu: rc %d, want %d (%s)", i,
                      got, cases[i].want, err);
            return;
        }
        if (cases[i].message && !strstr(err, cases[i].message)) {
            test_fail(__FILE__, __LINE__, "case %zu: err \"%s\" lacks \"%s\"",
                      i, err, cases[i].message);
            return;
        }
    }
}

TEST(rule_check_case_small_buffer)
{
    json_t *attached = parse("[" REASON_REQUIRED "]");
    json_t *fields = parse("{" STR("status", "open") "}");
    char err[8];

    CHECK(attached && fields);
    CHECK_INT(rule_check_case(attached, fields, err, sizeof err), -1);
    CHECK_INT(strlen(err), sizeof err - 1);
    CHECK_INT(rule_check_case(attached, fields, NULL, 0), -1);
    json_decref(attached);
    json_decref(fields);
}
