/*
 * arn.c - parsing and formatting the ARNs of Cases resources.
 *
 * Parsing is strict: anything that is not exactly one of the shapes listed
 * in arn.h is rejected, so callers can trust every field they get back.
 */
#include "util/arn.h"

#include <stdbool.h>
#include <string.h>

#define ARN_MAX_ID 500
/*
 * Longer than any ARN whose ids respect ARN_MAX_ID, and it bounds how much
 * a hostile partition or region can make us copy.
 */
#define ARN_MAX_LEN 2048
#define ARN_ACCOUNT_LEN 12
#define ARN_MAX_SEGMENTS 6 /* domain/D/case/C/related-item/I */

/* Resource words, indexed by arn_kind; the domain has its own word. */
static const struct {
    const char *word;
    const char *name;
} kind_table[] = {
    [ARN_DOMAIN] = {"domain", "Domain"},
    [ARN_FIELD] = {"field", "Field"},
    [ARN_LAYOUT] = {"layout", "Layout"},
    [ARN_TEMPLATE] = {"template", "Template"},
    [ARN_CASE_RULE] = {"case-rule", "CaseRule"},
    [ARN_CASE] = {"case", "Case"},
    [ARN_RELATED_ITEM] = {"related-item", "RelatedItem"},
};
#define KIND_COUNT (sizeof kind_table / sizeof kind_table[0])

typedef struct {
    const char *start;
    size_t len;
} span;

static bool span_is(span s, const char *word)
{
    return strlen(word) == s.len && memcmp(s.start, word, s.len) == 0;
}

static bool all_chars_in(span s, const char *allowed)
{
    for (size_t i = 0; i < s.len; i++)
        if (!strchr(allowed, s.start[i]) || s.start[i] == '\0')
            return false;
    return true;
}

/* "aws" followed by any run of lower-case letters and hyphens. */
static bool valid_partition(span s)
{
    return s.len >= 3 && memcmp(s.start, "aws", 3) == 0 &&
           all_chars_in((span){s.start + 3, s.len - 3}, "abcdefghijklmnopqrstuvwxyz-");
}

static bool valid_region(span s)
{
    return s.len > 0 && all_chars_in(s, "abcdefghijklmnopqrstuvwxyz0123456789-");
}

static bool valid_account(span s)
{
    return s.len == ARN_ACCOUNT_LEN && all_chars_in(s, "0123456789");
}

static bool valid_id(span s)
{
    return s.len > 0 && s.len <= ARN_MAX_ID;
}

/* Splits s at each `sep` into at most max spans; false if there are more. */
static bool split(const char *s, size_t len, char sep, span *parts, int max,
                  int *count)
{
    int n = 0;
    const char *end = s + len;
    for (;;) {
        const char *cut = memchr(s, sep, (size_t)(end - s));
        if (n == max)
            return false;
        parts[n++] = (span){s, cut ? (size_t)(cut - s) : (size_t)(end - s)};
        if (!cut)
            break;
        s = cut + 1;
    }
    *count = n;
    return true;
}

/*
 * The first five colons end arn, partition, service, region and account;
 * as in every ARN, the resource is the whole rest and may hold colons.
 */
static bool split_fields(const char *s, size_t len, span fields[6])
{
    const char *end = s + len;
    for (int i = 0; i < 5; i++) {
        const char *colon = memchr(s, ':', (size_t)(end - s));
        if (!colon)
            return false;
        fields[i] = (span){s, (size_t)(colon - s)};
        s = colon + 1;
    }
    fields[5] = (span){s, (size_t)(end - s)};
    return true;
}

/*
 * Maps the resource path's words to a kind: "domain" then nothing, one
 * child word, or "case" followed by "related-item".
 */
static bool resource_kind(const span *segments, int count, arn_kind *kind)
{
    if (count < 2 || count % 2 != 0 || !span_is(segments[0], "domain"))
        return false;
    if (count == 2) {
        *kind = ARN_DOMAIN;
        return true;
    }
    if (count == 6) {
        *kind = ARN_RELATED_ITEM;
        return span_is(segments[2], "case") && span_is(segments[4], "related-item");
    }
    for (size_t k = ARN_FIELD; k <= ARN_CASE; k++) {
        if (span_is(segments[2], kind_table[k].word)) {
            *kind = (arn_kind)k;
            return true;
        }
    }
    return false;
}

static const char *copy_span(arena *a, span s)
{
    return arena_strndup(a, s.start, s.len);
}

/* Fills out from already validated fields; false only when out of memory. */
static bool fill_parsed(arena *a, const span *fields, const span *segments,
                        int segment_count, arn_kind kind, parsed_arn *out)
{
    out->kind = kind;
    out->partition = copy_span(a, fields[1]);
    out->region = copy_span(a, fields[3]);
    out->account = copy_span(a, fields[4]);
    out->domain_id = copy_span(a, segments[1]);
    out->resource_id = segment_count >= 4 ? copy_span(a, segments[3]) : NULL;
    out->item_id = segment_count == 6 ? copy_span(a, segments[5]) : NULL;
    return out->partition && out->region && out->account && out->domain_id &&
           (segment_count < 4 || out->resource_id) &&
           (segment_count < 6 || out->item_id);
}

int arn_parse(arena *a, const char *arn, parsed_arn *out)
{
    span fields[6];
    span segments[ARN_MAX_SEGMENTS];
    int segment_count = 0;
    arn_kind kind;

    if (!a || !arn || !out)
        return -1;
    size_t len = strnlen(arn, ARN_MAX_LEN + 1);
    if (len > ARN_MAX_LEN)
        return -1;
    if (!split_fields(arn, len, fields))
        return -1;
    if (!span_is(fields[0], "arn") || !valid_partition(fields[1]) ||
        !span_is(fields[2], "cases") || !valid_region(fields[3]) ||
        !valid_account(fields[4]))
        return -1;
    if (!split(fields[5].start, fields[5].len, '/', segments, ARN_MAX_SEGMENTS,
               &segment_count) ||
        !resource_kind(segments, segment_count, &kind))
        return -1;
    for (int i = 1; i < segment_count; i += 2)
        if (!valid_id(segments[i]))
            return -1;
    if (!fill_parsed(a, fields, segments, segment_count, kind, out))
        return -1;
    return 0;
}

char *arn_format(arena *a, arn_kind kind, const char *region,
                 const char *account, const char *domain_id,
                 const char *resource_id, const char *item_id)
{
    if (!a || !region || !account || !domain_id || (size_t)kind >= KIND_COUNT)
        return NULL;
    if (kind == ARN_DOMAIN)
        return arena_concat(a, "arn:aws:cases:", region, ":", account,
                            ":domain/", domain_id, (char *)NULL);
    if (!resource_id)
        return NULL;
    if (kind != ARN_RELATED_ITEM)
        return arena_concat(a, "arn:aws:cases:", region, ":", account,
                            ":domain/", domain_id, "/", kind_table[kind].word,
                            "/", resource_id, (char *)NULL);
    if (!item_id)
        return NULL;
    return arena_concat(a, "arn:aws:cases:", region, ":", account, ":domain/",
                        domain_id, "/case/", resource_id, "/related-item/",
                        item_id, (char *)NULL);
}

const char *arn_kind_name(arn_kind kind)
{
    if ((size_t)kind >= KIND_COUNT)
        return "Unknown";
    return kind_table[kind].name;
}
