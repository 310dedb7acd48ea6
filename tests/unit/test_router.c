/* test_router.c - URI template matching over the generated Cases model. */
#include <stdio.h>
#include <string.h>

#include "http/router.h"
#include "test.h"

/* Replaces every {label} of uri with "v<n>" (n counts labels from 0). */
static void fill_template(const char *uri, char *out, size_t cap)
{
    size_t n = 0;
    int label = 0;

    for (const char *p = uri; *p && n + 8 < cap; p++) {
        if (*p == '{') {
            n += (size_t)snprintf(out + n, cap - n, "v%d", label++);
            p = strchr(p, '}');
            continue;
        }
        out[n++] = *p;
    }
    out[n] = '\0';
}

/* Every operation of svc is found again from its own URI and method. */
static void match_every_operation(const model_service *svc)
{
    router *r = router_new(svc);
    arena *a = arena_new(4096);
    CHECK(r && a);
    for (int i = 0; i < svc->operation_count; i++) {
        const model_operation *op = &svc->operations[i];
        char path[256], want[16];
        route_match m;
        fill_template(op->uri, path, sizeof path);
        CHECK_INT(router_match(r, op->method, path, a, &m), ROUTE_OK);
        CHECK_STR(m.op->name, op->name);
        CHECK(m.service == svc);
        for (int k = 0; k < m.label_count; k++) {
            snprintf(want, sizeof want, "v%d", k);
            CHECK_STR(m.labels[k].value, want);
            CHECK(strstr(op->uri, m.labels[k].name) != NULL);
        }
    }
    arena_free(a);
    router_free(r);
}

TEST(router_every_operation_matches_its_own_uri)
{
    match_every_operation(&model_connectcases);
    match_every_operation(&model_connect);
}

TEST(router_decodes_the_arn_label)
{
    router *r = router_new(&model_connectcases);
    arena *a = arena_new(4096);
    route_match m;
    CHECK(r && a);
    CHECK_INT(router_match(r, "GET",
                           "/tags/arn%3Aaws%3Acases%3Aus-east-1%3A123456789012%3Adomain%2Fx",
                           a, &m),
              ROUTE_OK);
    CHECK_STR(m.op->name, "ListTagsForResource");
    CHECK_INT(m.label_count, 1);
    CHECK_STR(m.labels[0].name, "arn");
    CHECK_STR(m.labels[0].value, "arn:aws:cases:us-east-1:123456789012:domain/x");
    CHECK_INT(router_match(r, "DELETE", "/tags/arn%3aaws", a, &m), ROUTE_OK);
    CHECK_STR(m.op->name, "UntagResource");
    CHECK_STR(m.labels[0].value, "arn:aws");
    arena_free(a);
    router_free(r);
}

TEST(router_table)
{
    static const struct {
        const char *method, *path;
        route_status want;
        const char *op; /* when ROUTE_OK */
    } cases[] = {
        /* the model's trailing slash is optional */
        {"POST", "/domains/d/cases/c/related-items/", ROUTE_OK, "CreateRelatedItem"},
        {"POST", "/domains/d/cases/c/related-items", ROUTE_OK, "CreateRelatedItem"},
        {"POST", "/domains/d/rules-list/", ROUTE_OK, "ListCaseRules"},
        {"POST", "/domains/d/rules-list", ROUTE_OK, "ListCaseRules"},
        /* ... but one the model lacks is not: an empty label, or no path */
        {"POST", "/domains/", ROUTE_BAD_LABEL, NULL},
        {"POST", "/domains/d/", ROUTE_NO_PATH, NULL},
        {"POST", "/domains", ROUTE_OK, "CreateDomain"},
        {"POST", "/domains-list", ROUTE_OK, "ListDomains"},
        {"POST", "/domains/d/fields-list", ROUTE_OK, "ListFields"},
        {"PUT", "/domains/d/fields/f", ROUTE_OK, "UpdateField"},
        {"DELETE", "/domains/d/fields/f", ROUTE_OK, "DeleteField"},
        {"POST", "/domains/d/cases-search", ROUTE_OK, "SearchCases"},
        {"POST", "/domains/d/cases/c", ROUTE_OK, "GetCase"},
        /* unknown paths */
        {"POST", "/", ROUTE_NO_PATH, NULL},
        {"POST", "", ROUTE_NO_PATH, NULL},
        {"POST", "domains", ROUTE_NO_PATH, NULL},
        {"POST", "/nope", ROUTE_NO_PATH, NULL},
        {"POST", "/domains/d/unknown-thing", ROUTE_NO_PATH, NULL},
        {"POST", "/domains/d/cases/c/related-items/r/extra", ROUTE_NO_PATH, NULL},
        {"POST", "/Domains", ROUTE_NO_PATH, NULL},
        {"POST", "/domains/d/fields-list?maxResults=1", ROUTE_NO_PATH, NULL},
        {"POST", "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t", ROUTE_NO_PATH, NULL},
        /* a known path with the wrong method */
        {"GET", "/domains/d", ROUTE_BAD_METHOD, NULL},
        {"PATCH", "/domains", ROUTE_BAD_METHOD, NULL},
        {"post", "/domains", ROUTE_BAD_METHOD, NULL},
        {"POST", "/domains/d/fields/f", ROUTE_BAD_METHOD, NULL},
        {"PUT", "/tags/x", ROUTE_BAD_METHOD, NULL},
        /* labels that are empty or badly encoded */
        {"GET", "/tags/", ROUTE_BAD_LABEL, NULL},
        {"GET", "/tags/%zz", ROUTE_BAD_LABEL, NULL},
        {"GET", "/tags/abc%4", ROUTE_BAD_LABEL, NULL},
        {"GET", "/tags/abc%", ROUTE_BAD_LABEL, NULL},
        {"GET", "/tags/a%00b", ROUTE_BAD_LABEL, NULL},
        {"POST", "/domains//cases", ROUTE_BAD_LABEL, NULL},
    };
    router *r = router_new(&model_connectcases);
    arena *a = arena_new(4096);
    CHECK(r && a);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        route_match m;
        route_status got = router_match(r, cases[i].method, cases[i].path, a, &m);
        if (got != cases[i].want)
            fprintf(stderr, "  case %s %s\n", cases[i].method, cases[i].path);
        CHECK_INT(got, cases[i].want);
        if (cases[i].op)
            CHECK_STR(m.op->name, cases[i].op);
    }
    arena_free(a);
    router_free(r);
}

TEST(router_percent_decode_table)
{
    static const struct {
        const char *in, *want; /* want NULL: refused */
    } cases[] = {
        {"plain", "plain"},
        {"a%2Fb%2fc", "a/b/c"},
        {"a+b", "a+b"},
        {"%E2%82%AC", "\xE2\x82\xAC"},
        {"%", NULL},
        {"%4", NULL},
        {"%G1", NULL},
        {"%1G", NULL},
        {"x%00", NULL},
        {"", ""},
    };
    arena *a = arena_new(1024);
    CHECK(a);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = router_percent_decode(a, cases[i].in, strlen(cases[i].in));
        if (cases[i].want)
            CHECK_STR(got, cases[i].want);
        else
            CHECK(got == NULL);
    }
    /* only len bytes are read */
    CHECK_STR(router_percent_decode(a, "ab%41", 2), "ab");
    CHECK(router_percent_decode(a, "ab%41", 4) == NULL);
    arena_free(a);
}

/* A hand-made service for precedence and greedy labels. */
static const int no_errors[] = {-1};
static const model_operation toy_ops[] = {
    {"LabelFirst", "GET", "/a/{x}/c", -1, -1, no_errors},
    {"LiteralFirst", "GET", "/a/b/{y}", -1, -1, no_errors},
    {"AllLabels", "GET", "/a/{x}/{y}", -1, -1, no_errors},
    {"Greedy", "GET", "/files/{key+}", -1, -1, no_errors},
    {"GreedyMiddle", "PUT", "/g/{key+}/meta", -1, -1, no_errors},
    {"Root", "GET", "/", -1, -1, no_errors},
};
static const model_service toy = {"toy", "toy", "1", NULL, 0, toy_ops, 6};

TEST(router_prefers_literal_segments_and_handles_greedy_labels)
{
    static const struct {
        const char *method, *path, *op, *label0, *label1;
    } cases[] = {
        {"GET", "/a/b/c", "LiteralFirst", "c", NULL},
        {"GET", "/a/q/c", "LabelFirst", "q", NULL},
        {"GET", "/a/q/r", "AllLabels", "q", "r"},
        {"GET", "/files/one", "Greedy", "one", NULL},
        {"GET", "/files/one/two%2Fthree", "Greedy", "one/two/three", NULL},
        {"PUT", "/g/x/y/meta", "GreedyMiddle", "x/y", NULL},
        {"GET", "/", "Root", NULL, NULL},
    };
    router *r = router_new(&toy);
    arena *a = arena_new(1024);
    route_match m;
    CHECK(r && a);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_INT(router_match(r, cases[i].method, cases[i].path, a, &m), ROUTE_OK);
        CHECK_STR(m.op->name, cases[i].op);
        if (cases[i].label0)
            CHECK_STR(m.labels[0].value, cases[i].label0);
        if (cases[i].label1)
            CHECK_STR(m.labels[1].value, cases[i].label1);
    }
    CHECK_INT(router_match(r, "GET", "/files/", a, &m), ROUTE_BAD_LABEL);
    CHECK_INT(router_match(r, "PUT", "/g/meta", a, &m), ROUTE_NO_PATH);
    arena_free(a);
    router_free(r);
}

TEST(router_loads_the_connect_model)
{
    router *r = router_new(&model_connect);
    arena *a = arena_new(4096);
    route_match m;
    CHECK(r && a);
    CHECK_INT(router_match(r, "GET", "/users/inst-1/user-1", a, &m), ROUTE_OK);
    CHECK_STR(m.op->name, "DescribeUser");
    CHECK_STR(m.labels[0].value, "inst-1");
    CHECK_STR(m.labels[1].value, "user-1");
    arena_free(a);
    router_free(r);
}

TEST(router_rejects_unsupported_templates)
{
    static const model_operation bad_ops[] = {
        {"Partial", "GET", "/a/x{y}", -1, -1, no_errors},
    };
    static const model_service bad = {"bad", "bad", "1", NULL, 0, bad_ops, 1};
    CHECK(router_new(&bad) == NULL);
}
