/* test_values.c - field value rules per type (api/values.c). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "json_random.h"
#include "api/values.h"
#include "test.h"

#define USER_ARN "arn:aws:connect:us-east-1:123456789012:instance/i-1/agent/u-1"
#define PROFILE_ARN \
    "arn:aws:profile:us-east-1:123456789012:domains/my_domain/profiles/0a1b2c"

/* A string of n copies of unit (a UTF-8 sequence); caller frees. */
static char *repeat(const char *unit, size_t n)
{
    size_t len = strlen(unit);
    char *s = malloc(len * n + 1);

    for (size_t i = 0; i < n; i++)
        memcpy(s + i * len, unit, len);
    s[len * n] = '\0';
    return s;
}

/* Checks one value given as JSON text; returns 0 when accepted, with the
 * normalised form dumped into *out (caller frees), or -1. */
static int check_json(const char *id, const char *type, bool multiline,
                      const char *json, char **out, char *err, size_t errlen)
{
    value_field f = {id, type, multiline};
    json_t *value = json_loads(json, JSON_DECODE_ANY, NULL), *norm = NULL;
    int rc;

    if (!value) {
        snprintf(err, errlen, "bad test JSON %s", json);
        return -2;
    }
    rc = value_check(&f, value, &norm, err, errlen);
    *out = norm ? dumps_copy(norm, JSON_COMPACT) : NULL;
    json_decref(norm);
    json_decref(value);
    return rc;
}

typedef struct {
    const char *id;
    const char *type;
    bool multiline;
    const char *value; /* JSON */
    const char *want;  /* normalised JSON when accepted, NULL when rejected */
} value_case;

static const value_case cases[] = {
    /* Text */
    {"f", "Text", false, "{\"stringValue\":\"hello\"}", "{\"stringValue\":\"hello\"}"},
    {"f", "Text", false, "{\"stringValue\":\"\"}", "{\"stringValue\":\"\"}"},
    {"f", "Text", false, "{\"doubleValue\":1}", NULL},
    {"f", "Text", false, "{\"booleanValue\":true}", NULL},
    {"f", "Text", false, "{\"userArnValue\":\"" USER_ARN "\"}", NULL},
    {"f", "Text", false, "{\"emptyValue\":{}}", "{\"emptyValue\":{}}"},
    {"f", "Text", false, "{}", NULL},
    {"f", "Text", false, "{\"stringValue\":\"a\",\"doubleValue\":1}", NULL},
    {"f", "Text", false, "\"bare\"", NULL},
    {"title", "Text", false, "{\"stringValue\":\"A title\"}", "{\"stringValue\":\"A title\"}"},
    /* customer_id: a profile ARN */
    {"customer_id", "Text", false, "{\"stringValue\":\"" PROFILE_ARN "\"}",
     "{\"stringValue\":\"" PROFILE_ARN "\"}"},
    {"customer_id", "Text", false,
     "{\"stringValue\":\"arn:aws-cn:profile:cn-north-1:123456789012:domains/d/profiles/p\"}",
     "{\"stringValue\":\"arn:aws-cn:profile:cn-north-1:123456789012:domains/d/profiles/p\"}"},
    {"customer_id", "Text", false, "{\"stringValue\":\"customer-42\"}", NULL},
    {"customer_id", "Text", false, "{\"stringValue\":\"\"}", NULL},
    {"customer_id", "Text", false,
     "{\"stringValue\":\"arn:aws:profile:us-east-1:12345678901:domains/d/profiles/p\"}", NULL},
    {"customer_id", "Text", false,
     "{\"stringValue\":\"arn:aws:profile:us-east-1:123456789012:domains/d/profiles/\"}", NULL},
    {"customer_id", "Text", false,
     "{\"stringValue\":\"arn:aws:profile:us-east-1:123456789012:domains/d/profiles/p/x\"}", NULL},
    {"customer_id", "Text", false,
     "{\"stringValue\":\"arn:aws:connect:us-east-1:123456789012:domains/d/profiles/p\"}", NULL},
    {"customer_id", "Text", false,
     "{\"stringValue\":\"arn:aws:profile::123456789012:domains/d/profiles/p\"}", NULL},
    {"customer_id", "Text", false, "{\"emptyValue\":{}}", "{\"emptyValue\":{}}"},
    /* Number */
    {"n", "Number", false, "{\"doubleValue\":1.5}", "{\"doubleValue\":1.5}"},
    {"n", "Number", false, "{\"doubleValue\":-3}", "{\"doubleValue\":-3.0}"},
    {"n", "Number", false, "{\"doubleValue\":0}", "{\"doubleValue\":0.0}"},
    {"n", "Number", false, "{\"doubleValue\":12345.25}", "{\"doubleValue\":12345.25}"},
    {"n", "Number", false, "{\"stringValue\":\"1\"}", NULL},
    {"n", "Number", false, "{\"doubleValue\":\"1\"}", NULL},
    {"n", "Number", false, "{\"doubleValue\":true}", NULL},
    {"n", "Number", false, "{\"emptyValue\":{}}", "{\"emptyValue\":{}}"},
    /* Boolean */
    {"b", "Boolean", false, "{\"booleanValue\":true}", "{\"booleanValue\":true}"},
    {"b", "Boolean", false, "{\"booleanValue\":false}", "{\"booleanValue\":false}"},
    {"b", "Boolean", false, "{\"booleanValue\":0}", NULL},
    {"b", "Boolean", false, "{\"stringValue\":\"true\"}", NULL},
    {"b", "Boolean", false, "{\"emptyValue\":{}}", "{\"emptyValue\":{}}"},
    /* DateTime: normalised to UTC with milliseconds */
    {"d", "DateTime", false, "{\"stringValue\":\"2026-01-31T12:00:00Z\"}",
     "{\"stringValue\":\"2026-01-31T12:00:00.000Z\"}"},
    {"d", "DateTime", false, "{\"stringValue\":\"2026-01-31T12:00:00.5Z\"}",
     "{\"stringValue\":\"2026-01-31T12:00:00.500Z\"}"},
    {"d", "DateTime", false, "{\"stringValue\":\"2026-01-31T14:00:00+02:00\"}",
     "{\"stringValue\":\"2026-01-31T12:00:00.000Z\"}"},
    {"d", "DateTime", false, "{\"stringValue\":\"2026-01-31T20:30:00.123-05:30\"}",
     "{\"stringValue\":\"2026-02-01T02:00:00.123Z\"}"},
    {"d", "DateTime", false, "{\"stringValue\":\"2026-01-01T01:00:00+0130\"}",
     "{\"stringValue\":\"2025-12-31T23:30:00.000Z\"}"},
    {"d", "DateTime", false, "{\"stringValue\":\"2024-02-29T23:59:59.999Z\"}",
     "{\"stringValue\":\"2024-02-29T23:59:59.999Z\"}"},
    {"d", "DateTime", false, "{\"stringValue\":\"2026-01-31\"}", NULL},
    {"d", "DateTime", false, "{\"stringValue\":\"2026-01-31T12:00:00\"}", NULL},
    {"d", "DateTime", false, "{\"stringValue\":\"2026-02-30T12:00:00Z\"}", NULL},
    {"d", "DateTime", false, "{\"stringValue\":\"yesterday\"}", NULL},
    {"d", "DateTime", false, "{\"stringValue\":\"\"}", NULL},
    {"d", "DateTime", false, "{\"stringValue\":\"9999-12-31T23:00:00-02:00\"}", NULL},
    {"d", "DateTime", false, "{\"stringValue\":\"0000-01-01T00:30:00+01:00\"}", NULL},
    {"d", "DateTime", false, "{\"doubleValue\":1700000000000}", NULL},
    {"d", "DateTime", false, "{\"emptyValue\":{}}", "{\"emptyValue\":{}}"},
    /* SingleSelect: the option itself is the caller's check */
    {"s", "SingleSelect", false, "{\"stringValue\":\"open\"}", "{\"stringValue\":\"open\"}"},
    {"s", "SingleSelect", false, "{\"booleanValue\":true}", NULL},
    {"s", "SingleSelect", false, "{\"emptyValue\":{}}", "{\"emptyValue\":{}}"},
    /* Url */
    {"u", "Url", false, "{\"stringValue\":\"https://example.com\"}",
     "{\"stringValue\":\"https://example.com\"}"},
    {"u", "Url", false, "{\"stringValue\":\"HTTP://Example.com:8080/a/b?q=1#frag\"}",
     "{\"stringValue\":\"HTTP://Example.com:8080/a/b?q=1#frag\"}"},
    {"u", "Url", false, "{\"stringValue\":\"http://user:pw@host.example/x\"}",
     "{\"stringValue\":\"http://user:pw@host.example/x\"}"},
    {"u", "Url", false, "{\"stringValue\":\"http://[::1]:80/\"}",
     "{\"stringValue\":\"http://[::1]:80/\"}"},
    {"u", "Url", false, "{\"stringValue\":\"http://localhost?x\"}",
     "{\"stringValue\":\"http://localhost?x\"}"},
    {"u", "Url", false, "{\"stringValue\":\"ftp://example.com\"}", NULL},
    {"u", "Url", false, "{\"stringValue\":\"example.com\"}", NULL},
    {"u", "Url", false, "{\"stringValue\":\"https://\"}", NULL},
    {"u", "Url", false, "{\"stringValue\":\"https:///path\"}", NULL},
    {"u", "Url", false, "{\"stringValue\":\"https://exa mple.com\"}", NULL},
    {"u", "Url", false, "{\"stringValue\":\"https://example.com/a b\"}", NULL},
    {"u", "Url", false, "{\"stringValue\":\"https://example.com/\\u0007\"}", NULL},
    {"u", "Url", false, "{\"stringValue\":\"https://example.com:0/\"}", NULL},
    {"u", "Url", false, "{\"stringValue\":\"https://example.com:65536/\"}", NULL},
    {"u", "Url", false, "{\"stringValue\":\"https://example.com:65535/\"}",
     "{\"stringValue\":\"https://example.com:65535/\"}"},
    {"u", "Url", false, "{\"stringValue\":\"https://example.com:/\"}", NULL},
    {"u", "Url", false, "{\"stringValue\":\"https://[]/\"}", NULL},
    {"u", "Url", false, "{\"stringValue\":\"\"}", NULL},
    {"u", "Url", false, "{\"emptyValue\":{}}", "{\"emptyValue\":{}}"},
    /* User */
    {"assigned_user", "User", false, "{\"userArnValue\":\"" USER_ARN "\"}",
     "{\"userArnValue\":\"" USER_ARN "\"}"},
    {"x", "User", false,
     "{\"userArnValue\":\"arn:aws:connect:eu-west-2:123456789012:instance/abc/user/def\"}",
     "{\"userArnValue\":\"arn:aws:connect:eu-west-2:123456789012:instance/abc/user/def\"}"},
    {"x", "User", false,
     "{\"userArnValue\":\"arn:aws-us-gov:connect:us-gov-west-1:123456789012:instance/a/agent/b\"}",
     "{\"userArnValue\":\"arn:aws-us-gov:connect:us-gov-west-1:123456789012:instance/a/agent/b\"}"},
    {"x", "User", false, "{\"stringValue\":\"" USER_ARN "\"}", NULL},
    {"x", "User", false,
     "{\"userArnValue\":\"arn:aws:connect:us-east-1:123456789012:instance/i/queue/q\"}", NULL},
    {"x", "User", false,
     "{\"userArnValue\":\"arn:aws:connect:us-east-1:123456789012:instance/i/agent/\"}", NULL},
    {"x", "User", false,
     "{\"userArnValue\":\"arn:aws:connect:us-east-1:123456789012:instance/i/agent/u/x\"}", NULL},
    {"x", "User", false,
     "{\"userArnValue\":\"arn:aws:iam::123456789012:user/bob\"}", NULL},
    {"x", "User", false,
     "{\"userArnValue\":\"arn:azure:connect:us-east-1:123456789012:instance/i/agent/u\"}", NULL},
    {"x", "User", false, "{\"userArnValue\":\"\"}", NULL},
    {"x", "User", false, "{\"emptyValue\":{}}", "{\"emptyValue\":{}}"},
    /* An unknown type takes nothing */
    {"x", "Color", false, "{\"stringValue\":\"red\"}", NULL},
    {"x", "Color", false, "{\"emptyValue\":{}}", NULL},
};

TEST(values_by_type)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const value_case *c = &cases[i];
        char err[256] = "", *out = NULL;
        int rc = check_json(c->id, c->type, c->multiline, c->value, &out, err,
                            sizeof err);
        if (c->want && (rc != 0 || !out || strcmp(out, c->want) != 0)) {
            test_fail(__FILE__, __LINE__, "%s %s: got %s (%s), want %s", c->type,
                      c->value, out ? out : "rejection", err, c->want);
            free(out);
            return;
        }
        if (!c->want && (rc != -1 || out)) {
            test_fail(__FILE__, __LINE__, "%s %s: accepted as %s", c->type,
                      c->value, out ? out : "(null)");
            free(out);
            return;
        }
        if (!c->want && (err[0] == '\0' || !strstr(err, c->id))) {
            test_fail(__FILE__, __LINE__, "%s %s: message \"%s\" does not name %s",
                      c->type, c->value, err, c->id);
            return;
        }
        free(out);
    }
}

typedef struct {
    const char *id;
    bool multiline;
    const char *unit; /* one code point, 1 to 4 bytes */
    size_t count;
    bool ok;
} length_case;

static const length_case lengths[] = {
    {"f", false, "a", 500, true},
    {"f", false, "a", 501, false},
    {"f", false, "\xc3\xa9", 500, true},          /* é: 2 bytes */
    {"f", false, "\xc3\xa9", 501, false},
    {"f", false, "\xe2\x82\xac", 500, true},      /* €: 3 bytes */
    {"f", false, "\xf0\x9f\x98\x80", 500, true},  /* emoji: 4 bytes */
    {"f", false, "\xf0\x9f\x98\x80", 501, false},
    {"f", true, "a", 4100, true},
    {"f", true, "a", 4101, false},
    {"f", true, "\xf0\x9f\x98\x80", 4100, true},
    {"f", true, "\xf0\x9f\x98\x80", 4101, false},
    {"summary", false, "a", 3000, true},
    {"summary", false, "a", 3001, false},
    {"summary", true, "a", 3001, false},           /* summary's own limit wins */
    {"summary", false, "\xe2\x82\xac", 3000, true},
    {"summary", false, "\xe2\x82\xac", 3001, false},
    {"title", false, "a", 501, false},
};

TEST(values_text_limits_count_code_points)
{
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        const length_case *c = &lengths[i];
        value_field f = {c->id, "Text", c->multiline};
        char *s = repeat(c->unit, c->count), err[256] = "";
        json_t *value = json_pack("{s:s}", "stringValue", s), *norm = NULL;
        int rc = value_check(&f, value, &norm, err, sizeof err);

        json_decref(value);
        json_decref(norm);
        free(s);
        if ((rc == 0) != c->ok) {
            test_fail(__FILE__, __LINE__, "%s%s: %zu x %zu-byte unit %s (%s)",
                      c->id, c->multiline ? " (multi-line)" : "", c->count,
                      strlen(c->unit), rc == 0 ? "accepted" : "rejected", err);
            return;
        }
    }
}

TEST(values_code_points)
{
    CHECK_INT(value_code_points(""), 0);
    CHECK_INT(value_code_points("abc"), 3);
    CHECK_INT(value_code_points("\xc3\xa9t\xc3\xa9"), 3);
    CHECK_INT(value_code_points("\xf0\x9f\x98\x80\xe2\x82\xac"), 2);
}

TEST(values_blank)
{
    static const struct {
        const char *json;
        bool blank;
    } blanks[] = {
        {"{\"emptyValue\":{}}", true},
        {"{\"stringValue\":\"\"}", true},
        {"{\"stringValue\":\" \\t\\n\"}", true},
        {"{\"stringValue\":\" x \"}", false},
        {"{\"doubleValue\":0}", false},
        {"{\"booleanValue\":false}", false},
        {"{\"userArnValue\":\"" USER_ARN "\"}", false},
    };
    CHECK(value_is_blank(NULL));
    for (size_t i = 0; i < sizeof blanks / sizeof blanks[0]; i++) {
        json_t *v = json_loads(blanks[i].json, 0, NULL);
        bool got = value_is_blank(v);
        json_decref(v);
        if (got != blanks[i].blank) {
            test_fail(__FILE__, __LINE__, "value_is_blank(%s) == %d",
                      blanks[i].json, got);
            return;
        }
    }
}

TEST(values_field_of_doc)
{
    json_t *doc = json_pack("{s:s, s:s, s:{s:{s:b}}}", "fieldId", "f1", "type",
                            "Text", "attributes", "text", "isMultiline", 1);
    json_t *plain = json_pack("{s:s, s:s}", "fieldId", "f2", "type", "Number");
    value_field f, g;

    value_field_of(doc, &f);
    value_field_of(plain, &g);
    CHECK_STR(f.id, "f1");
    CHECK_STR(f.type, "Text");
    CHECK(f.multiline);
    CHECK_STR(g.id, "f2");
    CHECK_STR(g.type, "Number");
    CHECK(!g.multiline);
    json_decref(doc);
    json_decref(plain);
}
