/* test_wire.c - building operation input from labels, query, headers, body. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json_random.h"
#include "http/wire.h"
#include "test.h"

/* Routes method+path through the Cases model into *m (label values in a).
 * Label names belong to the router, so it lives as long as the tests. */
static int route(arena *a, const char *method, const char *path, route_match *m)
{
    static router *r;

    if (!r)
        r = router_new(&model_connectcases);
    return r ? (int)router_match(r, method, path, a, m) : -1;
}

/* The input as compact JSON with sorted keys; caller frees. */
static char *dump(json_t *input)
{
    return dumps_copy(input, JSON_COMPACT | JSON_SORT_KEYS);
}

TEST(wire_collects_repeated_query_values_into_lists)
{
    static const struct {
        const char *method, *path;
        wire_pair query[4];
        int query_count;
        const char *want;
    } cases[] = {
        {"POST", "/domains/d1/templates-list",
         {{"status", "Active"}, {"maxResults", "5"}, {"status", "Inactive"}}, 3,
         "{\"domainId\":\"d1\",\"maxResults\":5,\"status\":[\"Active\",\"Inactive\"]}"},
        {"POST", "/domains/d1/templates-list", {{"nextToken", "t"}}, 1,
         "{\"domainId\":\"d1\",\"nextToken\":\"t\"}"},
        {"DELETE", "/tags/arn%3Ax", {{"tagKeys", "a"}, {"tagKeys", "b"}, {"other", "z"}}, 3,
         "{\"arn\":\"arn:x\",\"tagKeys\":[\"a\",\"b\"]}"},
        {"DELETE", "/tags/arn%3Ax", {{"tagKeys", ""}}, 1,
         "{\"arn\":\"arn:x\",\"tagKeys\":[\"\"]}"},
        {"POST", "/domains/d1/fields/f1/options-list",
         {{"values", "v"}, {"maxResults", "-3"}}, 2,
         "{\"domainId\":\"d1\",\"fieldId\":\"f1\",\"maxResults\":-3,\"values\":[\"v\"]}"},
        /* a repeated scalar keeps its first value */
        {"POST", "/domains-list", {{"maxResults", "2"}, {"maxResults", "3"}}, 2,
         "{\"maxResults\":2}"},
    };
    arena *a = arena_new(4096);
    CHECK(a);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        route_match m;
        json_t *input = NULL;
        char err[256];
        CHECK_INT(route(a, cases[i].method, cases[i].path, &m), ROUTE_OK);
        wire_request req = {&m, cases[i].query, cases[i].query_count, NULL, NULL, NULL};
        CHECK_INT(wire_build_input(&req, &input, err, sizeof err), 0);
        char *got = dump(input);
        json_decref(input);
        CHECK_STR(got, cases[i].want);
        free(got);
    }
    arena_free(a);
}

TEST(wire_rejects_bad_query_numbers)
{
    static const struct {
        const char *value, *want;
    } cases[] = {
        {"abc", "Value 'abc' at 'maxResults' is not a valid integer"},
        {"1x", "Value '1x' at 'maxResults' is not a valid integer"},
        {"", "Value '' at 'maxResults' is not a valid integer"},
        {"+1", "Value '+1' at 'maxResults' is not a valid integer"},
        {" 1", "Value ' 1' at 'maxResults' is not a valid integer"},
        {"1.0", "Value '1.0' at 'maxResults' is not a valid integer"},
        {"-", "Value '-' at 'maxResults' is not a valid integer"},
        {"2147483648", "Value '2147483648' at 'maxResults' is not a valid integer"},
        {"a\"\n\xC3\xA9", "Value 'a\"?\?\?' at 'maxResults' is not a valid integer"},
    };
    arena *a = arena_new(4096);
    route_match m;
    CHECK(a);
    CHECK_INT(route(a, "POST", "/domains/d1/fields-list", &m), ROUTE_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wire_pair q = {"maxResults", cases[i].value};
        wire_request req = {&m, &q, 1, NULL, NULL, NULL};
        json_t *input = (json_t *)&req; /* must be reset to NULL */
        char err[256] = "";
        CHECK_INT(wire_build_input(&req, &input, err, sizeof err), -1);
        CHECK(input == NULL);
        CHECK_STR(err, cases[i].want);
    }
    arena_free(a);
}

TEST(wire_quotes_at_most_64_bytes_of_a_bad_value)
{
    char value[200], want[256];
    memset(value, '7', sizeof value - 2);
    value[sizeof value - 2] = 'x';
    value[sizeof value - 1] = '\0';
    snprintf(want, sizeof want, "Value '%.64s...' at 'maxResults' is not a valid integer",
             value);
    arena *a = arena_new(4096);
    route_match m;
    CHECK(a);
    CHECK_INT(route(a, "POST", "/domains-list", &m), ROUTE_OK);
    wire_pair q = {"maxResults", value};
    wire_request req = {&m, &q, 1, NULL, NULL, NULL};
    json_t *input = NULL;
    char err[256];
    CHECK_INT(wire_build_input(&req, &input, err, sizeof err), -1);
    CHECK_STR(err, want);
    arena_free(a);
}

TEST(wire_labels_and_query_win_over_the_body)
{
    arena *a = arena_new(4096);
    route_match m;
    CHECK(a);
    CHECK_INT(route(a, "POST", "/domains/d1/fields-list", &m), ROUTE_OK);
    json_t *body = json_pack("{s:s, s:i, s:s, s:s}", "domainId", "evil", "maxResults", 7,
                             "nextToken", "from-body", "extra", "kept");
    wire_pair q = {"nextToken", "from-query"};
    wire_request req = {&m, &q, 1, NULL, NULL, body};
    json_t *input = NULL;
    char err[256];
    CHECK_INT(wire_build_input(&req, &input, err, sizeof err), 0);
    char *got = dump(input);
    /* maxResults travels in the query only, so the body's copy is dropped */
    CHECK_STR(got, "{\"domainId\":\"d1\",\"extra\":\"kept\",\"nextToken\":\"from-query\"}");
    free(got);
    /* the caller's body is not modified */
    CHECK_STR(json_string_value(json_object_get(body, "domainId")), "evil");
    json_decref(input);
    json_decref(body);
    arena_free(a);
}

TEST(wire_body_shapes)
{
    arena *a = arena_new(4096);
    route_match m;
    json_t *input = NULL;
    char err[256];
    CHECK(a);
    CHECK_INT(route(a, "POST", "/domains", &m), ROUTE_OK);

    wire_request no_body = {&m, NULL, 0, NULL, NULL, NULL};
    CHECK_INT(wire_build_input(&no_body, &input, err, sizeof err), 0);
    CHECK(json_is_object(input) && json_object_size(input) == 0);
    json_decref(input);

    json_t *array = json_array();
    wire_request array_body = {&m, NULL, 0, NULL, NULL, array};
    CHECK_INT(wire_build_input(&array_body, &input, err, sizeof err), -1);
    CHECK_STR(err, "The request body must be a JSON object");
    json_decref(array);

    json_t *named = json_pack("{s:s}", "name", "d");
    wire_request named_body = {&m, NULL, 0, NULL, NULL, named};
    CHECK_INT(wire_build_input(&named_body, &input, err, sizeof err), 0);
    CHECK_STR(json_string_value(json_object_get(input, "name")), "d");
    json_decref(input);
    json_decref(named);
    arena_free(a);
}

/* A hand-made service: one operation whose input uses every location. */
static const int no_errors[] = {-1};
static const model_member toy_members[] = {
    {"id", 3, LOC_URI, "id", true, false},
    {"count", 1, LOC_HEADER, "x-count", false, false},
    {"flag", 0, LOC_QUERY, "flag", false, false},
    {"ratio", 2, LOC_QUERY, "r", false, false},
    {"since", 5, LOC_HEADER, "x-since", false, false},
    {"until", 5, LOC_QUERY, "until", false, false},
    {"size", 6, LOC_URI, "size", false, false},
};
static const model_shape toy_shapes[] = {
    {"Bool", SHAPE_BOOLEAN, 0, 0, 0, NULL, NULL, NULL, 0, -1, -1, 0},
    {"Int", SHAPE_INTEGER, 0, 0, 0, NULL, NULL, NULL, 0, -1, -1, 0},
    {"Num", SHAPE_DOUBLE, 0, 0, 0, NULL, NULL, NULL, 0, -1, -1, 0},
    {"Str", SHAPE_STRING, 0, 0, 0, NULL, NULL, NULL, 0, -1, -1, 0},
    {"ToyInput", SHAPE_STRUCTURE, 0, 0, 0, NULL, NULL, toy_members, 7, -1, -1, 0},
    {"When", SHAPE_TIMESTAMP, 0, 0, 0, NULL, NULL, NULL, 0, -1, -1, 0},
    {"Long", SHAPE_LONG, 0, 0, 0, NULL, NULL, NULL, 0, -1, -1, 0},
};
static const model_operation toy_ops[] = {
    {"Toy", "POST", "/toy/{id}/{size}", 4, -1, no_errors},
};
static const model_service toy = {"toy", "toy", "1", toy_shapes, 7, toy_ops, 1};

typedef struct {
    const char *names[4];
    const char *values[4];
} header_table;

static const char *find_header(void *ud, const char *name)
{
    const header_table *t = ud;
    for (int i = 0; i < 4 && t->names[i]; i++) {
        if (strcasecmp(t->names[i], name) == 0)
            return t->values[i];
    }
    return NULL;
}

TEST(wire_converts_headers_and_query_by_type)
{
    static const struct {
        const char *count, *flag, *ratio, *size;
        int rc;
        const char *want; /* the input, or the error */
    } cases[] = {
        {"12", "true", "1.5", "9000000000", 0,
         "{\"count\":12,\"flag\":true,\"id\":\"a b\",\"ratio\":1.5,\"since\":784111777,"
         "\"size\":9000000000,\"until\":\"2024-01-02T03:04:05Z\"}"},
        {"12", "false", "-2", "1", 0,
         "{\"count\":12,\"flag\":false,\"id\":\"a b\",\"ratio\":-2.0,\"since\":784111777,"
         "\"size\":1,\"until\":\"2024-01-02T03:04:05Z\"}"},
        {"x", "true", "1", "1", -1, "Value 'x' at 'count' is not a valid integer"},
        {"1", "TRUE", "1", "1", -1, "Value 'TRUE' at 'flag' is not a valid boolean"},
        {"1", "true", "nan", "1", -1, "Value 'nan' at 'ratio' is not a valid number"},
        {"1", "true", "1e999", "1", -1, "Value '1e999' at 'ratio' is not a valid number"},
        {"1", "true", "0x10", "1", -1, "Value '0x10' at 'ratio' is not a valid number"},
        {"1", "true", " 1", "1", -1, "Value ' 1' at 'ratio' is not a valid number"},
        {"1", "true", "1", "1.5", -1, "Value '1.5' at 'size' is not a valid integer"},
    };
    router *r = router_new(&toy);
    arena *a = arena_new(4096);
    CHECK(r && a);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[64];
        route_match m;
        snprintf(path, sizeof path, "/toy/a%%20b/%s", cases[i].size);
        CHECK_INT(router_match(r, "POST", path, a, &m), ROUTE_OK);
        header_table headers = {{"X-Count", "X-Since"},
                                {cases[i].count, "Sun, 06 Nov 1994 08:49:37 GMT"}};
        wire_pair q[] = {{"flag", cases[i].flag}, {"r", cases[i].ratio},
                         {"until", "2024-01-02T03:04:05Z"}};
        wire_request req = {&m, q, 3, find_header, &headers, NULL};
        json_t *input = NULL;
        char err[256] = "";
        CHECK_INT(wire_build_input(&req, &input, err, sizeof err), cases[i].rc);
        if (cases[i].rc == 0) {
            char *got = dump(input);
            json_decref(input);
            CHECK_STR(got, cases[i].want);
            free(got);
        } else {
            CHECK_STR(err, cases[i].want);
        }
    }
    arena_free(a);
    router_free(r);
}

TEST(wire_keeps_ascii_and_utf8_labels_exactly)
{
    static const struct {
        const char *path, *want;
    } cases[] = {
        {"/domains/plain-id_0/fields-list", "plain-id_0"},
        {"/domains/caf%C3%A9/fields-list", "caf\xc3\xa9"},   /* decoded, then checked */
        {"/domains/%E2%82%AC1/fields-list", "\xe2\x82\xac" "1"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        arena *a = arena_new(4096);
        route_match m;
        json_t *input = NULL;
        char err[256];

        CHECK(a);
        CHECK_INT(route(a, "POST", cases[i].path, &m), ROUTE_OK);
        wire_request req = {&m, NULL, 0, NULL, NULL, NULL};
        CHECK_INT(wire_build_input(&req, &input, err, sizeof err), 0);
        CHECK_STR(json_string_value(json_object_get(input, "domainId")),
                  cases[i].want);
        json_decref(input);
        arena_free(a);
    }
}

TEST(wire_rejects_invalid_utf8_from_the_wire)
{
    arena *a = arena_new(4096);
    route_match m;
    CHECK(a);
    CHECK_INT(route(a, "POST", "/domains/d%FF/fields-list", &m), ROUTE_OK);
    wire_request req = {&m, NULL, 0, NULL, NULL, NULL};
    json_t *input = NULL;
    char err[256];
    CHECK_INT(wire_build_input(&req, &input, err, sizeof err), -1);
    CHECK_STR(err, "Value at 'domainId' is not valid UTF-8");
    arena_free(a);
}
