/* test_arn.c - parsing and formatting Cases ARNs. */
#include <string.h>

#include "test.h"
#include "util/arena.h"
#include "util/arn.h"

#define PREFIX "arn:aws:cases:us-west-2:123456789012:"

static int same(const char *got, const char *want)
{
    return got == want || (got && want && strcmp(got, want) == 0);
}

TEST(arn_parse_accepts)
{
    static const struct {
        const char *text;
        arn_kind kind;
        const char *partition, *region, *account, *domain, *resource, *item;
    } cases[] = {
        {PREFIX "domain/d1", ARN_DOMAIN, "aws", "us-west-2", "123456789012", "d1",
         NULL, NULL},
        {PREFIX "domain/d1/field/f1", ARN_FIELD, "aws", "us-west-2", "123456789012",
         "d1", "f1", NULL},
        {PREFIX "domain/d1/layout/l1", ARN_LAYOUT, "aws", "us-west-2",
         "123456789012", "d1", "l1", NULL},
        {PREFIX "domain/d1/template/t1", ARN_TEMPLATE, "aws", "us-west-2",
         "123456789012", "d1", "t1", NULL},
        {PREFIX "domain/d1/case-rule/r1", ARN_CASE_RULE, "aws", "us-west-2",
         "123456789012", "d1", "r1", NULL},
        {PREFIX "domain/d1/case/c1", ARN_CASE, "aws", "us-west-2", "123456789012",
         "d1", "c1", NULL},
        {PREFIX "domain/d1/case/c1/related-item/i1", ARN_RELATED_ITEM, "aws",
         "us-west-2", "123456789012", "d1", "c1", "i1"},
        {"arn:aws-cn:cases:cn-north-1:000000000000:domain/x", ARN_DOMAIN, "aws-cn",
         "cn-north-1", "000000000000", "x", NULL, NULL},
        {"arn:aws-us-gov:cases:us-gov-west-1:999999999999:domain/x/case/y",
         ARN_CASE, "aws-us-gov", "us-gov-west-1", "999999999999", "x", "y", NULL},
        {"arn:aws-iso-b:cases:r:123456789012:domain/x", ARN_DOMAIN, "aws-iso-b", "r",
         "123456789012", "x", NULL, NULL},
        {"arn:aws:cases:local:123456789012:domain/a:b/case/c.d", ARN_CASE, "aws",
         "local", "123456789012", "a:b", "c.d", NULL},
        /* A word that is a resource kind can also be an id. */
        {PREFIX "domain/case/case/domain", ARN_CASE, "aws", "us-west-2",
         "123456789012", "case", "domain", NULL},
    };
    arena *a = arena_new(0);
    CHECK(a);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        parsed_arn got;
        memset(&got, 0, sizeof got);
        if (arn_parse(a, cases[i].text, &got) != 0) {
            test_fail(__FILE__, __LINE__, "rejected %s", cases[i].text);
            arena_free(a);
            return;
        }
        CHECK_INT(got.kind, cases[i].kind);
        CHECK_STR(got.partition, cases[i].partition);
        CHECK_STR(got.region, cases[i].region);
        CHECK_STR(got.account, cases[i].account);
        CHECK_STR(got.domain_id, cases[i].domain);
        CHECK(same(got.resource_id, cases[i].resource));
        CHECK(same(got.item_id, cases[i].item));
    }
    arena_free(a);
}

TEST(arn_parse_rejects)
{
    arena *a = arena_new(0);
    CHECK(a);
    char id500[501], id501[502];
    memset(id500, 'i', 500);
    id500[500] = '\0';
    memset(id501, 'i', 501);
    id501[501] = '\0';
    CHECK_INT(arn_parse(a, arena_printf(a, PREFIX "domain/%s", id500),
                        &(parsed_arn){0}), 0);
    CHECK_INT(arn_parse(a, arena_printf(a, PREFIX "domain/d/case/%s/related-item/%s",
                                        id500, id500),
                        &(parsed_arn){0}), 0);

    const char *bad[] = {
        "",
        "arn",
        "arn:aws:cases:us-west-2:123456789012",
        "arn:aws:cases:us-west-2:123456789012:",
        PREFIX "domain",
        PREFIX "domain/",
        PREFIX "domain/d1/",            /* trailing slash */
        PREFIX "domain/d1/case/c1/",
        PREFIX "domain//case/c1",       /* empty domain id */
        PREFIX "domain/d1/case/",       /* missing id */
        PREFIX "domain/d1/case",
        PREFIX "domain/d1/case//related-item/i1",
        PREFIX "domain/d1/case/c1/related-item",
        PREFIX "domain/d1/case/c1/related-item/",
        PREFIX "domain/d1/widget/w1",   /* unknown resource word */
        PREFIX "domain/d1/Case/c1",
        PREFIX "domain/d1/caserule/r1",
        PREFIX "domain/d1/related-item/i1",
        PREFIX "domain/d1/field/f1/related-item/i1",
        PREFIX "domain/d1/case/c1/field/f1",
        PREFIX "domain/d1/case/c1/related-item/i1/x", /* extra segments */
        PREFIX "domain/d1/case/c1/related-item/i1/x/y",
        PREFIX "domain/d1/field/f1/layout/l1",
        PREFIX "Domain/d1",
        PREFIX "domains/d1",
        PREFIX "/domain/d1",
        PREFIX "case/c1",
        "ARN:aws:cases:us-west-2:123456789012:domain/d1",
        "arn::cases:us-west-2:123456789012:domain/d1",
        "arn:aw:cases:us-west-2:123456789012:domain/d1",
        "arn:gcp:cases:us-west-2:123456789012:domain/d1",
        "arn:AWS:cases:us-west-2:123456789012:domain/d1",
        "arn:aws-CN:cases:us-west-2:123456789012:domain/d1",
        "arn:aws1:cases:us-west-2:123456789012:domain/d1",
        "arn:aws:case:us-west-2:123456789012:domain/d1",
        "arn:aws:connect:us-west-2:123456789012:domain/d1",
        "arn:aws:Cases:us-west-2:123456789012:domain/d1",
        "arn:aws:cases::123456789012:domain/d1",          /* empty region */
        "arn:aws:cases:US-WEST-2:123456789012:domain/d1",
        "arn:aws:cases:us_west_2:123456789012:domain/d1",
        "arn:aws:cases:us-west-2:12345678901:domain/d1",  /* 11 digits */
        "arn:aws:cases:us-west-2:1234567890123:domain/d1",
        "arn:aws:cases:us-west-2:12345678901a:domain/d1",
        "arn:aws:cases:us-west-2::domain/d1",
        " arn:aws:cases:us-west-2:123456789012:domain/d1",
        arena_printf(a, PREFIX "domain/%s", id501),
        arena_printf(a, PREFIX "domain/d/field/%s", id501),
        arena_printf(a, PREFIX "domain/d/case/c/related-item/%s", id501),
        arena_printf(a, "arn:aws%3000s:cases:r:123456789012:domain/d", "-"),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(bad[i]);
        parsed_arn got;
        if (arn_parse(a, bad[i], &got) != -1) {
            test_fail(__FILE__, __LINE__, "accepted %s", bad[i]);
            arena_free(a);
            return;
        }
    }
    CHECK_INT(arn_parse(a, NULL, &(parsed_arn){0}), -1);
    arena_free(a);
}

TEST(arn_format_and_round_trip)
{
    static const struct {
        arn_kind kind;
        const char *resource, *item, *want;
    } cases[] = {
        {ARN_DOMAIN, "ignored", "ignored", PREFIX "domain/D"},
        {ARN_FIELD, "F", NULL, PREFIX "domain/D/field/F"},
        {ARN_LAYOUT, "L", NULL, PREFIX "domain/D/layout/L"},
        {ARN_TEMPLATE, "T", NULL, PREFIX "domain/D/template/T"},
        {ARN_CASE_RULE, "R", NULL, PREFIX "domain/D/case-rule/R"},
        {ARN_CASE, "C", "ignored", PREFIX "domain/D/case/C"},
        {ARN_RELATED_ITEM, "C", "I", PREFIX "domain/D/case/C/related-item/I"},
    };
    arena *a = arena_new(0);
    CHECK(a);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = arn_format(a, cases[i].kind, "us-west-2", "123456789012", "D",
                                cases[i].resource, cases[i].item);
        CHECK_STR(text, cases[i].want);
        parsed_arn back;
        CHECK_INT(arn_parse(a, text, &back), 0);
        CHECK_INT(back.kind, cases[i].kind);
        CHECK_STR(back.partition, "aws");
        CHECK_STR(back.domain_id, "D");
    }
    CHECK(arn_format(a, ARN_CASE, "r", "123456789012", "D", NULL, NULL) == NULL);
    CHECK(arn_format(a, ARN_RELATED_ITEM, "r", "123456789012", "D", "C", NULL) == NULL);
    CHECK(arn_format(a, (arn_kind)99, "r", "123456789012", "D", "C", "I") == NULL);
    arena_free(a);
}

TEST(arn_kind_names)
{
    static const struct {
        arn_kind kind;
        const char *name;
    } cases[] = {
        {ARN_DOMAIN, "Domain"},     {ARN_FIELD, "Field"},
        {ARN_LAYOUT, "Layout"},     {ARN_TEMPLATE, "Template"},
        {ARN_CASE_RULE, "CaseRule"}, {ARN_CASE, "Case"},
        {ARN_RELATED_ITEM, "RelatedItem"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK_STR(arn_kind_name(cases[i].kind), cases[i].name);
    CHECK_STR(arn_kind_name((arn_kind)99), "Unknown");
}
