/* test_case_filter.c - the SearchCases filter compiler (api/case_filter.c). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/case_filter.h"
#include "test.h"

/* The domain the tests search: one field of every type, by id. */
static const char *const domain_fields[][2] = {
    {"t", "Text"},         {"u", "Url"},    {"s", "SingleSelect"},
    {"usr", "User"},       {"n", "Number"}, {"d", "DateTime"},
    {"b", "Boolean"},      {"title", "Text"},
    {"odd", "Attachment"}, /* a type the compiler does not know */
};

static const char *lookup(void *ud, const char *id)
{
    (void)ud;
    for (size_t i = 0; i < sizeof domain_fields / sizeof domain_fields[0]; i++)
        if (strcmp(domain_fields[i][0], id) == 0)
            return domain_fields[i][1];
    return NULL;
}

/* --- a readable form of a tree, to compare with the tables ------------------- */

static const char *const op_text[] = {
    [SEARCH_EQ] = "eq", [SEARCH_CONTAINS] = "contains", [SEARCH_GT] = "gt",
    [SEARCH_GE] = "ge", [SEARCH_LT] = "lt",             [SEARCH_LE] = "le",
};

static void dump(const search_node *n, char *buf, size_t len);

static void dump_children(const char *name, const search_node *n, char *buf,
                          size_t len)
{
    snprintf(buf + strlen(buf), len - strlen(buf), "%s(", name);
    for (int i = 0; i < n->child_count; i++) {
        if (i)
            snprintf(buf + strlen(buf), len - strlen(buf), ",");
        dump(n->children[i], buf, len);
    }
    snprintf(buf + strlen(buf), len - strlen(buf), ")");
}

static void dump_field(const search_node *n, char *buf, size_t len)
{
    size_t used = strlen(buf);

    if (n->blank)
        snprintf(buf + used, len - used, "%s %s blank", n->field_id,
                 op_text[n->op]);
    else if (n->numeric)
        snprintf(buf + used, len - used, "%s %s #%g", n->field_id,
                 op_text[n->op], n->num);
    else
        snprintf(buf + used, len - used, "%s %s '%s'", n->field_id,
                 op_text[n->op], n->str);
}

/* Appends the tree n to buf: "and(...)", "or(...)", "not(...)",
 * "tag k=v", "f eq 'x'", "f gt #3", "f eq blank". */
static void dump(const search_node *n, char *buf, size_t len)
{
    switch (n->kind) {
    case SEARCH_AND:
        dump_children("and", n, buf, len);
        break;
    case SEARCH_OR:
        dump_children("or", n, buf, len);
        break;
    case SEARCH_NOT:
        dump_children("not", n, buf, len);
        break;
    case SEARCH_TAG:
        snprintf(buf + strlen(buf), len - strlen(buf), "tag %s=%s", n->tag_key,
                 n->tag_value);
        break;
    case SEARCH_FIELD:
        dump_field(n, buf, len);
        break;
    }
}

/*
 * Compiles filter (JSON text); returns the compiler's result and writes the
 * tree's dump (on success) or the message (on refusal) into out.
 */
static int compile_text(const char *filter, char *out, size_t outlen)
{
    arena *a = arena_new(1024);
    char err[256] = "";
    case_compiler cc = {a, lookup, NULL, err, sizeof err};
    json_t *f = json_loads(filter, 0, NULL);
    search_node *root = NULL;
    int rc;

    out[0] = '\0';
    if (!f) {
        snprintf(out, outlen, "bad test JSON: %s", filter);
        arena_free(a);
        return 99;
    }
    rc = case_filter_compile(&cc, f, &root);
    /* The tree must not borrow from the input: dump it after freeing. */
    json_decref(f);
    if (rc == CASE_FILTER_OK)
        dump(root, out, outlen);
    else
        snprintf(out, outlen, "%s", err);
    arena_free(a);
    return rc;
}

/* --- operator x type ------------------------------------------------------------ */

static const char *const ops[] = {"equalTo",  "contains",
                                  "greaterThan", "greaterThanOrEqualTo",
                                  "lessThan", "lessThanOrEqualTo"};

typedef struct {
    const char *id;
    const char *value; /* a well-typed constant for the field */
    const char *want;  /* dump after the operator, e.g. "'x'" */
    const char *allowed; /* one letter per op: y allowed, - refused */
} type_row;

static const type_row type_rows[] = {
    {"t", "{\"stringValue\":\"Abc\"}", "'Abc'", "yyyyyy"},
    {"u", "{\"stringValue\":\"https://x.example/a\"}", "'https://x.example/a'", "yy----"},
    {"s", "{\"stringValue\":\"open\"}", "'open'", "yy----"},
    {"usr", "{\"userArnValue\":\"arn:aws:connect:us-east-1:1:instance/i/agent/u\"}",
     "'arn:aws:connect:us-east-1:1:instance/i/agent/u'", "yy----"},
    {"n", "{\"doubleValue\":-2.5}", "#-2.5", "y-yyyy"},
    {"d", "{\"stringValue\":\"2024-02-29T23:30:00-01:30\"}",
     "'2024-03-01T01:00:00.000Z'", "y-yyyy"},
    {"b", "{\"booleanValue\":true}", "#1", "y-----"},
};

static const char *const op_dump[] = {"eq", "contains", "gt", "ge", "lt", "le"};

TEST(case_filter_operator_type_matrix)
{
    for (size_t r = 0; r < sizeof type_rows / sizeof type_rows[0]; r++) {
        for (size_t o = 0; o < 6; o++) {
            const type_row *row = &type_rows[r];
            char filter[512], got[512], want[512];
            int rc;

            snprintf(filter, sizeof filter,
                     "{\"field\":{\"%s\":{\"id\":\"%s\",\"value\":%s}}}",
                     ops[o], row->id, row->value);
            rc = compile_text(filter, got, sizeof got);
            if (row->allowed[o] == 'y') {
                snprintf(want, sizeof want, "%s %s %s", row->id, op_dump[o],
                         row->want);
                CHECK_INT(rc, CASE_FILTER_OK);
                CHECK_STR(got, want);
            } else {
                CHECK_INT(rc, CASE_FILTER_INVALID);
                CHECK(strstr(got, row->id) != NULL);
                CHECK(strstr(got, ops[o]) != NULL);
            }
        }
    }
}

/* Every value member other than the type's own is refused, naming the field. */
TEST(case_filter_wrong_member_per_type)
{
    static const char *const members[] = {
        "{\"stringValue\":\"x\"}", "{\"doubleValue\":1}",
        "{\"booleanValue\":false}", "{\"userArnValue\":\"arn:x\"}"};
    static const char *const own[] = {"stringValue", "stringValue", "stringValue",
                                      "userArnValue", "doubleValue",
                                      "stringValue", "booleanValue"};

    for (size_t r = 0; r < sizeof type_rows / sizeof type_rows[0]; r++) {
        for (size_t m = 0; m < 4; m++) {
            char filter[512], got[512], quoted[32];
            int rc;

            if (strstr(members[m], own[r]))
                continue;
            snprintf(filter, sizeof filter,
                     "{\"field\":{\"equalTo\":{\"id\":\"%s\",\"value\":%s}}}",
                     type_rows[r].id, members[m]);
            snprintf(quoted, sizeof quoted, "'%s'", type_rows[r].id);
            rc = compile_text(filter, got, sizeof got);
            CHECK_INT(rc, CASE_FILTER_INVALID);
            CHECK(strstr(got, quoted) != NULL);
            CHECK(strstr(got, own[r]) != NULL);
        }
    }
}

/* --- single filters -------------------------------------------------------------- */

typedef struct {
    const char *filter; /* JSON */
    int rc;
    const char *want; /* dump on success; a substring of the message otherwise */
} filter_case;

static const filter_case filter_cases[] = {
    /* emptyValue: equalTo only, any type */
    {"{\"field\":{\"equalTo\":{\"id\":\"n\",\"value\":{\"emptyValue\":{}}}}}", 0, "n eq blank"},
    {"{\"field\":{\"equalTo\":{\"id\":\"d\",\"value\":{\"emptyValue\":{}}}}}", 0, "d eq blank"},
    {"{\"field\":{\"equalTo\":{\"id\":\"b\",\"value\":{\"emptyValue\":{}}}}}", 0, "b eq blank"},
    {"{\"field\":{\"equalTo\":{\"id\":\"usr\",\"value\":{\"emptyValue\":{}}}}}", 0, "usr eq blank"},
    {"{\"field\":{\"contains\":{\"id\":\"t\",\"value\":{\"emptyValue\":{}}}}}", -1, "equalTo only"},
    {"{\"field\":{\"greaterThan\":{\"id\":\"n\",\"value\":{\"emptyValue\":{}}}}}", -1, "'n'"},
    /* a blank string asks for no value, for equalTo */
    {"{\"field\":{\"equalTo\":{\"id\":\"t\",\"value\":{\"stringValue\":\"\"}}}}", 0, "t eq blank"},
    {"{\"field\":{\"equalTo\":{\"id\":\"t\",\"value\":{\"stringValue\":\"  \"}}}}", 0, "t eq blank"},
    {"{\"field\":{\"equalTo\":{\"id\":\"d\",\"value\":{\"stringValue\":\"\"}}}}", 0, "d eq blank"},
    {"{\"field\":{\"contains\":{\"id\":\"t\",\"value\":{\"stringValue\":\"\"}}}}", 0, "t contains ''"},
    {"{\"field\":{\"greaterThan\":{\"id\":\"t\",\"value\":{\"stringValue\":\"\"}}}}", 0, "t gt ''"},
    /* strings are kept exactly (case, spaces) */
    {"{\"field\":{\"contains\":{\"id\":\"t\",\"value\":{\"stringValue\":\" MiXed \"}}}}", 0, "t contains ' MiXed '"},
    /* numbers: integers and reals, booleans as 0/1 */
    {"{\"field\":{\"lessThan\":{\"id\":\"n\",\"value\":{\"doubleValue\":10}}}}", 0, "n lt #10"},
    {"{\"field\":{\"equalTo\":{\"id\":\"n\",\"value\":{\"doubleValue\":1e300}}}}", 0, "n eq #1e+300"},
    {"{\"field\":{\"equalTo\":{\"id\":\"b\",\"value\":{\"booleanValue\":false}}}}", 0, "b eq #0"},
    {"{\"field\":{\"equalTo\":{\"id\":\"n\",\"value\":{\"doubleValue\":\"1\"}}}}", -1, "'n'"},
    {"{\"field\":{\"equalTo\":{\"id\":\"b\",\"value\":{\"booleanValue\":1}}}}", -1, "'b'"},
    /* DateTime: any accepted form, normalised to UTC milliseconds */
    {"{\"field\":{\"greaterThanOrEqualTo\":{\"id\":\"d\",\"value\":{\"stringValue\":\"2024-01-02\"}}}}", 0,
     "d ge '2024-01-02T00:00:00.000Z'"},
    {"{\"field\":{\"lessThanOrEqualTo\":{\"id\":\"d\",\"value\":{\"stringValue\":\"2024-01-02T03:04:05.123456Z\"}}}}", 0,
     "d le '2024-01-02T03:04:05.123Z'"},
    {"{\"field\":{\"equalTo\":{\"id\":\"d\",\"value\":{\"stringValue\":\"2024-01-02T03:04:05+0100\"}}}}", 0,
     "d eq '2024-01-02T02:04:05.000Z'"},
    {"{\"field\":{\"greaterThan\":{\"id\":\"d\",\"value\":{\"stringValue\":\"yesterday\"}}}}", -1,
     "DateTime field 'd'"},
    {"{\"field\":{\"greaterThan\":{\"id\":\"d\",\"value\":{\"stringValue\":\"2023-02-29T00:00:00Z\"}}}}", -1,
     "'d'"},
    /* unknown fields and types */
    {"{\"field\":{\"equalTo\":{\"id\":\"nope\",\"value\":{\"stringValue\":\"x\"}}}}", -1,
     "field 'nope' does not exist"},
    {"{\"field\":{\"equalTo\":{\"id\":\"odd\",\"value\":{\"stringValue\":\"x\"}}}}", -1, "'odd'"},
    {"{\"field\":{\"equalTo\":{\"id\":\"title\",\"value\":{\"stringValue\":\"x\"}}}}", 0, "title eq 'x'"},
    /* malformed values and operators */
    {"{\"field\":{\"equalTo\":{\"id\":\"t\",\"value\":{}}}}", -1, "exactly one"},
    {"{\"field\":{\"equalTo\":{\"id\":\"t\",\"value\":{\"stringValue\":\"a\",\"doubleValue\":1}}}}", -1,
     "exactly one"},
    {"{\"field\":{\"equalTo\":{\"id\":\"t\",\"value\":{\"stringValue\":\"a\",\"other\":1}}}}", 0, "t eq 'a'"},
    {"{\"field\":{\"equalTo\":{\"id\":\"t\"}}}", -1, "id and a value"},
    {"{\"field\":{\"equalTo\":{\"value\":{\"stringValue\":\"a\"}}}}", -1, "id and a value"},
    {"{\"field\":{}}", -1, "exactly one of equalTo"},
    {"{\"field\":{\"equalTo\":{\"id\":\"t\",\"value\":{\"stringValue\":\"a\"}},"
     "\"contains\":{\"id\":\"t\",\"value\":{\"stringValue\":\"a\"}}}}", -1, "exactly one of equalTo"},
    {"{\"field\":{\"startsWith\":{\"id\":\"t\",\"value\":{\"stringValue\":\"a\"}}}}", -1, "exactly one of equalTo"},
    /* tags */
    {"{\"tag\":{\"equalTo\":{\"key\":\"team\",\"value\":\"Blue\"}}}", 0, "tag team=Blue"},
    {"{\"tag\":{\"equalTo\":{\"key\":\"team\",\"value\":\"\"}}}", 0, "tag team="},
    {"{\"tag\":{\"equalTo\":{\"key\":\"team\"}}}", -1, "key and a value"},
    {"{\"tag\":{\"equalTo\":{\"value\":\"x\"}}}", -1, "key and a value"},
    {"{\"tag\":{}}", -1, "key and a value"},
    /* the filter union itself */
    {"{}", -1, "exactly one of field, not, tag"},
    {"{\"tag\":{\"equalTo\":{\"key\":\"k\",\"value\":\"v\"}},\"not\":{}}", -1, "exactly one of field"},
    {"{\"tag\":{\"equalTo\":{\"key\":\"k\",\"value\":\"v\"}},\"unknown\":1}", 0, "tag k=v"},
    {"[]", -1, "exactly one of field"},
};

TEST(case_filter_single_filters)
{
    for (size_t i = 0; i < sizeof filter_cases / sizeof filter_cases[0]; i++) {
        const filter_case *c = &filter_cases[i];
        char got[1024];
        int rc = compile_text(c->filter, got, sizeof got);

        if (rc != c->rc || (rc == 0 ? strcmp(got, c->want) != 0
                                    : strstr(got, c->want) == NULL)) {
            test_fail(__FILE__, __LINE__, "%s: rc %d '%s', want %d '%s'",
                      c->filter, rc, got, c->rc, c->want);
            return;
        }
    }
}

/* --- nesting ---------------------------------------------------------------------- */

#define EQ_T(v) "{\"field\":{\"equalTo\":{\"id\":\"t\",\"value\":{\"stringValue\":\"" v "\"}}}}"
#define GT_N(v) "{\"field\":{\"greaterThan\":{\"id\":\"n\",\"value\":{\"doubleValue\":" v "}}}}"
#define TAG(k, v) "{\"tag\":{\"equalTo\":{\"key\":\"" k "\",\"value\":\"" v "\"}}}"

static const filter_case nesting_cases[] = {
    {"{\"not\":" EQ_T("a") "}", 0, "not(t eq 'a')"},
    {"{\"not\":{\"not\":" GT_N("3") "}}", 0, "not(not(n gt #3))"},
    {"{\"andAll\":[]}", 0, "and()"},
    {"{\"orAll\":[]}", 0, "or()"},
    {"{\"andAll\":[" EQ_T("a") "," GT_N("1") "," TAG("k", "v") "]}", 0,
     "and(t eq 'a',n gt #1,tag k=v)"},
    {"{\"orAll\":[{\"andAll\":[" EQ_T("a") ",{\"not\":" TAG("k", "v") "}]}," GT_N("2") "]}", 0,
     "or(and(t eq 'a',not(tag k=v)),n gt #2)"},
    {"{\"andAll\":[{\"orAll\":[{\"orAll\":[" EQ_T("x") "]}]}]}", 0, "and(or(or(t eq 'x')))"},
    /* an error deep inside names the field and stops the whole filter */
    {"{\"andAll\":[" EQ_T("a") ",{\"orAll\":[" GT_N("1") ",{\"not\":"
     "{\"field\":{\"contains\":{\"id\":\"n\",\"value\":{\"doubleValue\":1}}}}}]}]}", -1,
     "contains cannot be used on the Number field 'n'"},
    {"{\"orAll\":[" EQ_T("a") ",{\"field\":{\"equalTo\":{\"id\":\"gone\",\"value\":{\"stringValue\":\"a\"}}}}]}", -1,
     "'gone'"},
    {"{\"andAll\":[" EQ_T("a") ",{}]}", -1, "exactly one of field"},
    {"{\"andAll\":{}}", -1, "andAll must be a list"},
    {"{\"orAll\":" EQ_T("a") "}", -1, "orAll must be a list"},
    {"{\"not\":[" EQ_T("a") "]}", -1, "not must be a filter"},
};

TEST(case_filter_nesting)
{
    for (size_t i = 0; i < sizeof nesting_cases / sizeof nesting_cases[0]; i++) {
        const filter_case *c = &nesting_cases[i];
        char got[1024];
        int rc = compile_text(c->filter, got, sizeof got);

        if (rc != c->rc || (rc == 0 ? strcmp(got, c->want) != 0
                                    : strstr(got, c->want) == NULL)) {
            test_fail(__FILE__, __LINE__, "%s: rc %d '%s', want %d '%s'",
                      c->filter, rc, got, c->rc, c->want);
            return;
        }
    }
}

/* Builds depth nested "not" levels around one condition (JSON text). */
static json_t *nested_nots(int depth)
{
    json_t *f = json_pack("{s:{s:{s:s, s:{s:s}}}}", "field", "equalTo", "id",
                          "t", "value", "stringValue", "a");

    for (int i = 1; i < depth; i++)
        f = json_pack("{s:o}", "not", f);
    return f;
}

TEST(case_filter_depth_limit)
{
    char err[256];
    arena *a = arena_new(4096);
    case_compiler cc = {a, lookup, NULL, err, sizeof err};
    search_node *root = NULL;
    json_t *ok = nested_nots(CASE_FILTER_MAX_DEPTH);
    json_t *deep = nested_nots(CASE_FILTER_MAX_DEPTH + 1);
    int rc_ok = case_filter_compile(&cc, ok, &root);
    const search_node *n = root;
    int levels = 1;
    int rc_deep = case_filter_compile(&cc, deep, &root);

    json_decref(ok);
    json_decref(deep);
    for (; n && n->kind == SEARCH_NOT; n = n->children[0])
        levels++;
    arena_free(a);
    CHECK_INT(rc_ok, CASE_FILTER_OK);
    CHECK_INT(levels, CASE_FILTER_MAX_DEPTH);
    CHECK_INT(rc_deep, CASE_FILTER_INVALID);
    CHECK(strstr(err, "nested") != NULL);
}

/* The arena cap turns a huge filter into NOMEM, not a crash. */
TEST(case_filter_arena_exhausted)
{
    char err[256];
    arena *a = arena_new(1024);
    case_compiler cc = {a, lookup, NULL, err, sizeof err};
    search_node *root = NULL;
    json_t *list = json_array(), *f, *one;
    char *big = malloc(1 << 20);
    int rc;

    /* One 1 MiB condition shared 80 times: the copies only the compiler
     * makes pass the arena's cap. */
    memset(big, 'x', (1 << 20) - 1);
    big[(1 << 20) - 1] = '\0';
    one = json_pack("{s:{s:{s:s, s:{s:s}}}}", "field", "equalTo", "id", "t",
                    "value", "stringValue", big);
    free(big);
    for (int i = 0; i < 80; i++)
        json_array_append(list, one);
    json_decref(one);
    f = json_pack("{s:o}", "orAll", list);
    rc = case_filter_compile(&cc, f, &root);
    json_decref(f);
    arena_free(a);
    CHECK_INT(rc, CASE_FILTER_NOMEM);
}

/* --- sorts and conjunction --------------------------------------------------------- */

typedef struct {
    const char *sort; /* JSON */
    int rc;
    bool descending;
    bool numeric;
} sort_case;

static const sort_case sort_cases[] = {
    {"{\"fieldId\":\"t\",\"sortOrder\":\"Asc\"}", 0, false, false},
    {"{\"fieldId\":\"d\",\"sortOrder\":\"Desc\"}", 0, true, false},
    {"{\"fieldId\":\"n\",\"sortOrder\":\"Desc\"}", 0, true, true},
    {"{\"fieldId\":\"b\",\"sortOrder\":\"Asc\"}", 0, false, true},
    {"{\"fieldId\":\"s\",\"sortOrder\":\"Asc\"}", 0, false, false},
    {"{\"fieldId\":\"usr\",\"sortOrder\":\"Asc\"}", 0, false, false},
    {"{\"fieldId\":\"nope\",\"sortOrder\":\"Asc\"}", -1, false, false},
    {"{\"fieldId\":\"t\",\"sortOrder\":\"asc\"}", -1, false, false},
    {"{\"fieldId\":\"t\"}", -1, false, false},
    {"{\"sortOrder\":\"Asc\"}", -1, false, false},
};

TEST(case_filter_sorts)
{
    for (size_t i = 0; i < sizeof sort_cases / sizeof sort_cases[0]; i++) {
        const sort_case *c = &sort_cases[i];
        char err[256] = "";
        arena *a = arena_new(512);
        case_compiler cc = {a, lookup, NULL, err, sizeof err};
        json_t *s = json_loads(c->sort, 0, NULL);
        search_sort out = {0};
        int rc = case_sort_compile(&cc, s, &out);
        bool ok = rc == c->rc &&
                  (rc != 0 || (out.descending == c->descending &&
                               out.numeric == c->numeric &&
                               strcmp(out.field_id,
                                      json_string_value(json_object_get(s, "fieldId"))) == 0)) &&
                  (rc == 0 || err[0] != '\0');

        json_decref(s);
        arena_free(a);
        if (!ok) {
            test_fail(__FILE__, __LINE__, "%s: rc %d (%s)", c->sort, rc, err);
            return;
        }
    }
}

TEST(case_filter_unknown_sort_field_named)
{
    char err[256] = "";
    arena *a = arena_new(512);
    case_compiler cc = {a, lookup, NULL, err, sizeof err};
    json_t *s = json_pack("{s:s, s:s}", "fieldId", "missing-field", "sortOrder", "Asc");
    search_sort out = {0};
    int rc = case_sort_compile(&cc, s, &out);

    json_decref(s);
    arena_free(a);
    CHECK_INT(rc, CASE_FILTER_INVALID);
    CHECK(strstr(err, "'missing-field'") != NULL);
}

TEST(case_filter_and_combines)
{
    arena *a = arena_new(512);
    search_node x = {.kind = SEARCH_TAG}, y = {.kind = SEARCH_OR};
    search_node *both = case_filter_and(a, &x, &y);
    bool ok = case_filter_and(a, NULL, NULL) == NULL &&
              case_filter_and(a, &x, NULL) == &x &&
              case_filter_and(a, NULL, &y) == &y && both &&
              both->kind == SEARCH_AND && both->child_count == 2 &&
              both->children[0] == &x && both->children[1] == &y;

    arena_free(a);
    CHECK(ok);
}
