/*
 * values.c - the value rules of each field type (see values.h).
 *
 * Choices where AWS documents nothing:
 *  - Text limits count Unicode code points, whatever their encoded size.
 *  - DateTime takes RFC 3339 date-times only: a time of day and a zone
 *    (Z or an offset) are required, a bare date is refused because it
 *    would silently pick UTC midnight.  Instants outside the years
 *    0000-9999 (after the offset is applied) are refused.
 *  - Url takes absolute http and https URLs with a host (letters, digits,
 *    '-', '.', '_' or non-ASCII; or a bracketed IPv6 address) and an
 *    optional port 1-65535; no byte of it may be a space or a control
 *    character.
 *  - ARN ids (instance, user, profile domain, profile) are runs of
 *    letters, digits, '-', '_' and '.'.
 */
#include "api/values.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/timeutil.h"

/* The instants time_format_iso can write without clamping. */
#define MIN_DATETIME_MS INT64_C(-62167219200000)  /* 0000-01-01T00:00:00Z */
#define MAX_DATETIME_MS INT64_C(253402300799999)  /* 9999-12-31T23:59:59.999Z */
#define MAX_PORT 65535

/* Writes a message into err and returns NULL, for the checkers below,
 * which return the normalised value or NULL. */
__attribute__((format(printf, 3, 4))) static json_t *
reject(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return NULL;
}

size_t value_code_points(const char *s)
{
    size_t n = 0;

    /* Count every byte that does not continue a UTF-8 sequence. */
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* --- ARN shapes --------------------------------------------------------------- */

static bool is_id_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.';
}

/* Consumes a run of at least one character of set (or of id characters
 * when set is NULL) from *p. */
static bool take_run(const char **p, const char *set)
{
    const char *start = *p;

    while (**p && (set ? strchr(set, **p) != NULL : is_id_char(**p)))
        (*p)++;
    return *p > start;
}

static bool take_word(const char **p, const char *word)
{
    size_t len = strlen(word);

    if (strncmp(*p, word, len) != 0)
        return false;
    *p += len;
    return true;
}

/* Consumes one path segment: the literal word[0..len), or an id for "*". */
static bool take_segment(const char **p, const char *word, size_t len)
{
    if (len == 1 && *word == '*')
        return take_run(p, NULL);
    if (strncmp(*p, word, len) != 0)
        return false;
    *p += len;
    return true;
}

/*
 * Matches "arn:aws[-a-z]*:SERVICE:REGION:ACCOUNT:" + path, where path is
 * '/'-separated words of which "*" stands for one id.
 */
static bool arn_matches(const char *s, const char *service, const char *path)
{
    const char *p = s;

    if (!take_word(&p, "arn:aws"))
        return false;
    take_run(&p, "abcdefghijklmnopqrstuvwxyz-");
    if (!take_word(&p, ":") || !take_word(&p, service) || !take_word(&p, ":") ||
        !take_run(&p, "abcdefghijklmnopqrstuvwxyz0123456789-") ||
        !take_word(&p, ":"))
        return false;
    for (int i = 0; i < 12; i++, p++)
        if (!isdigit((unsigned char)*p))
            return false;
    if (!take_word(&p, ":"))
        return false;
    for (;;) {
        size_t len = strcspn(path, "/");
        if (!take_segment(&p, path, len))
            return false;
        path += len;
        if (*path == '\0')
            return *p == '\0';
        path++;
        if (!take_word(&p, "/"))
            return false;
    }
}

static bool is_user_arn(const char *s)
{
    return arn_matches(s, "connect", "instance/*/agent/*") ||
           arn_matches(s, "connect", "instance/*/user/*");
}

static bool is_profile_arn(const char *s)
{
    return arn_matches(s, "profile", "domains/*/profiles/*");
}

/* --- URLs -------------------------------------------------------------------- */

static bool has_space_or_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f)
            return true;
    return false;
}

static bool is_host_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_' ||
           (unsigned char)c >= 0x80;
}

/* Checks "host[:port]" of length len at s (userinfo already removed). */
static bool host_port_ok(const char *s, size_t len)
{
    size_t i = 0;
    long port = 0;

    if (len > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (!close || close == s + 1)
            return false;
        for (const char *c = s + 1; c < close; c++)
            if (!isxdigit((unsigned char)*c) && *c != ':' && *c != '.')
                return false;
        i = (size_t)(close - s) + 1;
    } else {
        while (i < len && is_host_char(s[i]))
            i++;
        if (i == 0)
            return false;
    }
    if (i == len)
        return true;
    if (s[i++] != ':' || i == len || len - i > 5)
        return false;
    for (; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        port = port * 10 + (s[i] - '0');
    }
    return port >= 1 && port <= MAX_PORT;
}

static bool is_url(const char *s)
{
    const char *authority, *at;
    size_t len;

    if (has_space_or_control(s))
        return false;
    if (strncasecmp(s, "http://", 7) == 0)
        authority = s + 7;
    else if (strncasecmp(s, "https://", 8) == 0)
        authority = s + 8;
    else
        return false;
    len = strcspn(authority, "/?#");
    at = memrchr(authority, '@', len);
    if (at) {
        len -= (size_t)(at + 1 - authority);
        authority = at + 1;
    }
    return host_port_ok(authority, len);
}

/* --- per type ------------------------------------------------------------------ */

/* A checker gets the value of the union member its type takes and returns
 * the normalised member value (new reference), or NULL with err set. */
typedef json_t *(*member_check)(const value_field *f, const json_t *v,
                                char *err, size_t errlen);

static size_t text_limit(const value_field *f)
{
    if (strcmp(f->id, "summary") == 0)
        return VALUE_SUMMARY_MAX;
    return f->multiline ? VALUE_MULTILINE_MAX : VALUE_TEXT_MAX;
}

static json_t *check_text(const value_field *f, const json_t *v, char *err,
                          size_t errlen)
{
    const char *s = json_string_value(v);
    size_t limit = text_limit(f), n;

    if (!s)
        return reject(err, errlen, "Field %s takes a string", f->id);
    if (strcmp(f->id, "customer_id") == 0 && !is_profile_arn(s))
        return reject(err, errlen,
                      "Field customer_id must be a Customer Profiles profile ARN "
                      "(arn:aws:profile:REGION:ACCOUNT:domains/DOMAIN/profiles/ID)");
    n = value_code_points(s);
    if (n > limit)
        return reject(err, errlen,
                      "Field %s holds at most %zu characters; the value has %zu",
                      f->id, limit, n);
    return json_deep_copy(v);
}

static json_t *check_number(const value_field *f, const json_t *v, char *err,
                            size_t errlen)
{
    double d = json_number_value(v);

    if (!json_is_number(v) || !isfinite(d))
        return reject(err, errlen, "Field %s takes a finite number", f->id);
    return json_real(d);
}

static json_t *check_boolean(const value_field *f, const json_t *v, char *err,
                             size_t errlen)
{
    if (!json_is_boolean(v))
        return reject(err, errlen, "Field %s takes true or false", f->id);
    return json_incref((json_t *)v);
}

static json_t *check_datetime(const value_field *f, const json_t *v,
                              char *err, size_t errlen)
{
    const char *s = json_string_value(v);
    char out[TIME_ISO_LEN];
    int64_t ms;

    /* time_parse_iso also takes a bare date; a date-time has a 'T'. */
    if (!s || !strchr(s, 'T') || time_parse_iso(s, &ms) != 0 ||
        ms < MIN_DATETIME_MS || ms > MAX_DATETIME_MS)
        return reject(err, errlen,
                      "Field %s takes an ISO-8601 date-time with a zone, "
                      "e.g. 2026-01-31T12:00:00Z or 2026-01-31T14:00:00+02:00",
                      f->id);
    time_format_iso(ms, out);
    return json_string(out);
}

static json_t *check_single_select(const value_field *f, const json_t *v,
                                   char *err, size_t errlen)
{
    /* Whether the option exists and is active is the caller's check. */
    if (!json_is_string(v))
        return reject(err, errlen, "Field %s takes an option value", f->id);
    return json_deep_copy(v);
}

static json_t *check_url(const value_field *f, const json_t *v, char *err,
                         size_t errlen)
{
    const char *s = json_string_value(v);

    if (!s || !is_url(s))
        return reject(err, errlen,
                      "Field %s takes an absolute http or https URL with a host",
                      f->id);
    return json_deep_copy(v);
}

static json_t *check_user(const value_field *f, const json_t *v, char *err,
                          size_t errlen)
{
    const char *s = json_string_value(v);

    if (!s || !is_user_arn(s))
        return reject(err, errlen,
                      "Field %s takes an Amazon Connect user ARN "
                      "(arn:aws:connect:REGION:ACCOUNT:instance/ID/agent/ID)",
                      f->id);
    return json_deep_copy(v);
}

typedef struct {
    const char *type;
    const char *member; /* the FieldValueUnion member the type takes */
    member_check check;
} type_rule;

static const type_rule type_rules[] = {
    {"Text", "stringValue", check_text},
    {"Number", "doubleValue", check_number},
    {"Boolean", "booleanValue", check_boolean},
    {"DateTime", "stringValue", check_datetime},
    {"SingleSelect", "stringValue", check_single_select},
    {"Url", "stringValue", check_url},
    {"User", "userArnValue", check_user},
};

static const type_rule *rule_for(const char *type)
{
    for (size_t i = 0; type && i < sizeof type_rules / sizeof type_rules[0]; i++)
        if (strcmp(type_rules[i].type, type) == 0)
            return &type_rules[i];
    return NULL;
}

/* The name of the one member of a union object, or NULL. */
static const char *only_member(const json_t *value)
{
    if (!json_is_object(value) || json_object_size(value) != 1)
        return NULL;
    return json_object_iter_key(json_object_iter((json_t *)value));
}

/* --- the interface --------------------------------------------------------------- */

void value_field_of(const json_t *doc, value_field *out)
{
    json_t *text = json_object_get(json_object_get(doc, "attributes"), "text");

    out->id = json_string_value(json_object_get(doc, "fieldId"));
    out->type = json_string_value(json_object_get(doc, "type"));
    out->multiline = json_is_true(json_object_get(text, "isMultiline"));
}

int value_check(const value_field *field, const json_t *value,
                json_t **normalised, char *err, size_t errlen)
{
    const type_rule *rule = rule_for(field->type);
    const char *member = only_member(value);
    json_t *inner = NULL;

    if (!rule)
        reject(err, errlen, "Field %s has an unknown type", field->id);
    else if (!member)
        reject(err, errlen, "The value of field %s must have exactly one member",
               field->id);
    else if (strcmp(member, "emptyValue") == 0)
        inner = json_object();
    else if (strcmp(member, rule->member) != 0)
        reject(err, errlen, "Field %s is of type %s and takes %s, not %s",
               field->id, field->type, rule->member, member);
    else
        inner = rule->check(field, json_object_get(value, member), err, errlen);
    *normalised = inner ? json_pack("{s:o}", member, inner) : NULL;
    return *normalised ? 0 : -1;
}

bool value_is_blank(const json_t *value)
{
    const char *s;

    if (!value || json_object_get(value, "emptyValue"))
        return true;
    s = json_string_value(json_object_get(value, "stringValue"));
    if (!s)
        return false;
    while (*s && isspace((unsigned char)*s))
        s++;
    return *s == '\0';
}
