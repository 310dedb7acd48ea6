/*
 * validate.c - checks JSON input against the model's constraints (see
 * validate.h) and words the first violation as AWS does.
 *
 * Patterns.  The model's regular expressions are written for AWS's Java
 * validators, which require a pattern to match the whole value (Java's
 * Matcher.matches), not merely a part of it.  The model relies on that:
 * "[a-zA-Z0-9 _.:/=+\-@]*" would accept anything as a substring search, and
 * ".*[\S]" means "ends with a non-space character" only as a full match;
 * "$|^.*[\S]" then reads "empty, or ending with a non-space character".  So
 * every pattern is compiled anchored at both ends.  '.' stops at any
 * Unicode line break (PCRE2_NEWLINE_ANY), the nearest PCRE2 setting to
 * Java's line terminators; \s, \d and \w stay ASCII as in Java; and Java's
 * \uXXXX escapes (used by the Connect model) are read as such.
 *
 * The validator is immutable after validator_new() and shared by all
 * request threads: each validate_shape() call takes its own match data.
 */
#include "model/validate.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

/* Nesting deeper than this is refused: CaseFilter and BooleanCondition are
 * recursive, so the shape graph alone does not bound recursion. */
#define VALIDATE_MAX_DEPTH 64
/* Longest member path quoted in a message; longer paths are cut. */
#define VALIDATE_PATH_MAX 512
/* Longest constraint text (an enum's value list is the long one). */
#define VALIDATE_CONSTRAINT_MAX 1024

struct validator {
    const model_service *svc;
    const pcre2_code **pattern_of; /* per shape index; NULL = no pattern */
    pcre2_code **compiled;         /* one per distinct pattern text */
    const char **compiled_src;
    int compiled_count;
};

/* One step of the path from the validated value down to the current one:
 * a member or map key (name), or a list element (index). */
typedef struct {
    const char *name; /* NULL for a list element */
    size_t index;
} path_step;

/*
 * State of one validate_shape() call.  The path is kept as steps and only
 * written out as text when a violation is reported: most input is valid,
 * and formatting the path of every member checked was a third of what
 * validating a GetCase request cost.
 */
typedef struct {
    const validator *v;
    char *err;
    size_t errlen;
    pcre2_match_data *match; /* created on the first pattern check */
    int depth;
    bool in_map_key;         /* wording: "Map keys must satisfy ..." */
    int steps_len;
    /* An aggregate adds at most one step, and VALIDATE_MAX_DEPTH bounds
     * how deep aggregates nest. */
    path_step steps[VALIDATE_MAX_DEPTH + 1];
} walk;

/* The path written out: "fields[0].value", as AWS quotes it. */
typedef struct {
    size_t len;
    char text[VALIDATE_PATH_MAX];
} path_text;

/* Cuts a truncated string back to a whole UTF-8 sequence, so the message
 * stays valid for the JSON error body. */
static void trim_partial_utf8(char *s, size_t len)
{
    size_t lead = len;

    while (lead > 0 && ((unsigned char)s[lead - 1] & 0xC0) == 0x80)
        lead--;
    if (lead == 0)
        return;
    unsigned char c = (unsigned char)s[lead - 1];
    size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (len - (lead - 1) < need)
        s[lead - 1] = '\0';
}

static void path_write(const walk *w, path_text *p);
static int report(walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes the AWS-style message for the current path; always returns -1. */
static int report(walk *w, const char *fmt, ...)
{
    char constraint[VALIDATE_CONSTRAINT_MAX];
    path_text path;
    va_list ap;

    if (!w->err || w->errlen == 0)
        return -1;
    path_write(w, &path);
    va_start(ap, fmt);
    vsnprintf(constraint, sizeof constraint, fmt, ap);
    va_end(ap);
    trim_partial_utf8(constraint, strlen(constraint));
    /* The value handed to validate_shape() itself has no path to name. */
    int n = snprintf(w->err, w->errlen,
                     "1 validation error detected: Value%s%s%s failed to "
                     "satisfy constraint: %s%s%s",
                     path.len ? " at '" : "", path.text, path.len ? "'" : "",
                     w->in_map_key ? "Map keys must satisfy constraint: [" : "",
                     constraint, w->in_map_key ? "]" : "");
    if (n > 0 && (size_t)n >= w->errlen)
        trim_partial_utf8(w->err, w->errlen - 1);
    return -1;
}

static void path_append(path_text *p, const char *s)
{
    size_t room = VALIDATE_PATH_MAX - 1 - p->len;
    size_t n = strlen(s);

    if (n > room)
        n = room;
    memcpy(p->text + p->len, s, n);
    p->len += n;
    p->text[p->len] = '\0';
    if (n == room) { /* truncated: never end inside a UTF-8 sequence */
        trim_partial_utf8(p->text, p->len);
        p->len = strlen(p->text);
    }
}

/* Writes "[i]" into out (at least 24 bytes). */
static void format_index(char *out, size_t i)
{
    char digits[21];
    int n = 0;

    do {
        digits[n++] = (char)('0' + i % 10);
        i /= 10;
    } while (i);
    *out++ = '[';
    while (n)
        *out++ = digits[--n];
    *out++ = ']';
    *out = '\0';
}

static void path_write(const walk *w, path_text *p)
{
    char index[24];

    p->len = 0;
    p->text[0] = '\0';
    for (int i = 0; i < w->steps_len; i++) {
        if (!w->steps[i].name) {
            format_index(index, w->steps[i].index);
            path_append(p, index);
            continue;
        }
        if (p->len)
            path_append(p, ".");
        path_append(p, w->steps[i].name);
    }
}

static void path_push(walk *w, const char *name, size_t index)
{
    w->steps[w->steps_len++] = (path_step){.name = name, .index = index};
}

static void path_pop(walk *w)
{
    w->steps_len--;
}

static int check_value(walk *w, int shape_index, json_t *value);

static int check_length(walk *w, const model_shape *shape, int64_t length)
{
    if ((shape->flags & SHAPE_HAS_MIN) && length < shape->min)
        return report(w, "Member must have length greater than or equal to %" PRId64,
                      shape->min);
    if ((shape->flags & SHAPE_HAS_MAX) && length > shape->max)
        return report(w, "Member must have length less than or equal to %" PRId64,
                      shape->max);
    return 0;
}

static size_t count_code_points(const char *s, size_t len)
{
    size_t count = 0;

    for (size_t i = 0; i < len; i++)
        count += ((unsigned char)s[i] & 0xC0) != 0x80;
    return count;
}

/* Whether len bytes of UTF-8 meet the shape's length bounds whatever they
 * hold: a character takes one to four bytes.  Most strings are decided
 * here without counting their characters. */
static bool length_fits_bytes(const model_shape *shape, size_t len)
{
    if ((shape->flags & SHAPE_HAS_MAX) && (int64_t)len > shape->max)
        return false;
    if ((shape->flags & SHAPE_HAS_MIN) && (int64_t)(len + 3) / 4 < shape->min)
        return false;
    return true;
}

/* Whether the shape's pattern matches all of s.  Running out of memory for
 * the match data counts as a mismatch: the request fails either way. */
static bool pattern_matches(walk *w, const pcre2_code *code, const char *s,
                            size_t len)
{
    if (!w->match && !(w->match = pcre2_match_data_create(1, NULL)))
        return false;
    /* 0 means "matched, but the ovector is too small": still a match. */
    return pcre2_match(code, (PCRE2_SPTR)s, len, 0, 0, w->match, NULL) >= 0;
}

static bool in_enum(const char *const *values, const char *s, size_t len)
{
    for (; *values; values++) {
        if (strlen(*values) == len && memcmp(*values, s, len) == 0)
            return true;
    }
    return false;
}

static int report_enum(walk *w, const char *const *values)
{
    char list[VALIDATE_CONSTRAINT_MAX - 64];
    size_t used = 0;

    list[0] = '\0';
    for (const char *const *p = values; *p && used < sizeof list; p++) {
        int n = snprintf(list + used, sizeof list - used, "%s%s",
                         p == values ? "" : ", ", *p);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return report(w, "Member must satisfy enum value set: [%s]", list);
}

/* Length, pattern and enum of a string (or map key) of len bytes. */
static int check_text(walk *w, int shape_index, const char *s, size_t len)
{
    const model_shape *shape = &w->v->svc->shapes[shape_index];
    const pcre2_code *code = w->v->pattern_of[shape_index];

    if (!length_fits_bytes(shape, len) &&
        check_length(w, shape, (int64_t)count_code_points(s, len)) < 0)
        return -1;
    if (code && !pattern_matches(w, code, s, len))
        return report(w, "Member must satisfy regular expression pattern: %s",
                      shape->pattern);
    if (shape->enum_values && !in_enum(shape->enum_values, s, len))
        return report_enum(w, shape->enum_values);
    return 0;
}

static int check_range(walk *w, const model_shape *shape, double value)
{
    if ((shape->flags & SHAPE_HAS_MIN) && value < (double)shape->min)
        return report(w, "Member must have value greater than or equal to %" PRId64,
                      shape->min);
    if ((shape->flags & SHAPE_HAS_MAX) && value > (double)shape->max)
        return report(w, "Member must have value less than or equal to %" PRId64,
                      shape->max);
    return 0;
}

static int check_integer(walk *w, const model_shape *shape, json_t *value)
{
    if (!json_is_integer(value))
        return report(w, "Member must be an integer");
    json_int_t n = json_integer_value(value);
    if ((shape->flags & SHAPE_HAS_MIN) && n < shape->min)
        return report(w, "Member must have value greater than or equal to %" PRId64,
                      shape->min);
    if ((shape->flags & SHAPE_HAS_MAX) && n > shape->max)
        return report(w, "Member must have value less than or equal to %" PRId64,
                      shape->max);
    /* An Integer is 32-bit on AWS even where the model sets no bounds. */
    if (shape->type == SHAPE_INTEGER && (n < INT32_MIN || n > INT32_MAX))
        return report(w, "Member must have value %s than or equal to %" PRId32,
                      n < 0 ? "greater" : "less", n < 0 ? INT32_MIN : INT32_MAX);
    return 0;
}

static int check_timestamp(walk *w, json_t *value)
{
    int64_t ms;

    if (json_is_number(value))
        return 0; /* epoch seconds */
    if (!json_is_string(value))
        return report(w, "Member must be a timestamp");
    if (time_parse_iso(json_string_value(value), &ms) < 0)
        return report(w, "Member must be a timestamp in ISO-8601 format");
    return 0;
}

static int count_set_members(const model_shape *shape, json_t *obj)
{
    int set = 0;

    for (int i = 0; i < shape->member_count; i++) {
        json_t *member = json_object_get(obj, shape->members[i].name);
        set += member && !json_is_null(member);
    }
    return set;
}

/* A missing member and an explicit null are the same: absent. */
static int check_structure(walk *w, const model_shape *shape, json_t *obj)
{
    if (!json_is_object(obj))
        return report(w, "Member must be an object");
    if ((shape->flags & SHAPE_UNION) && count_set_members(shape, obj) != 1)
        return report(w, "Exactly one member of the union must be set");
    for (int i = 0; i < shape->member_count; i++) {
        const model_member *m = &shape->members[i];
        json_t *value = json_object_get(obj, m->name);
        int rc = 0;

        path_push(w, m->name, 0);
        if (value && !json_is_null(value))
            rc = check_value(w, m->shape, value);
        else if (m->required)
            rc = report(w, "Member must not be null");
        path_pop(w);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* An element or map value: null only where the shape is sparse. */
static int check_element(walk *w, const model_shape *container, json_t *value)
{
    if (json_is_null(value))
        return (container->flags & SHAPE_SPARSE) ? 0 : report(w, "Member must not be null");
    return check_value(w, container->element, value);
}

static int check_list(walk *w, const model_shape *shape, json_t *list)
{
    if (!json_is_array(list))
        return report(w, "Member must be a list");
    if (check_length(w, shape, (int64_t)json_array_size(list)) < 0)
        return -1;
    for (size_t i = 0; i < json_array_size(list); i++) {
        path_push(w, NULL, i);
        int rc = check_element(w, shape, json_array_get(list, i));
        path_pop(w);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int check_map(walk *w, const model_shape *shape, json_t *map)
{
    const char *key;
    json_t *value;

    if (!json_is_object(map))
        return report(w, "Member must be a map");
    if (check_length(w, shape, (int64_t)json_object_size(map)) < 0)
        return -1;
    json_object_foreach(map, key, value) {
        w->in_map_key = true;
        int rc = check_text(w, shape->key, key, strlen(key));
        w->in_map_key = false;
        if (rc < 0)
            return -1;
        path_push(w, key, 0);
        rc = check_element(w, shape, value);
        path_pop(w);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int check_aggregate(walk *w, const model_shape *shape, json_t *value)
{
    int rc;

    if (w->depth == VALIDATE_MAX_DEPTH)
        return report(w, "Member must not be nested more than %d levels deep",
                      VALIDATE_MAX_DEPTH);
    w->depth++;
    if (shape->type == SHAPE_STRUCTURE)
        rc = check_structure(w, shape, value);
    else if (shape->type == SHAPE_LIST)
        rc = check_list(w, shape, value);
    else
        rc = check_map(w, shape, value);
    w->depth--;
    return rc;
}

static int check_value(walk *w, int shape_index, json_t *value)
{
    const model_shape *shape = &w->v->svc->shapes[shape_index];

    switch (shape->type) {
    case SHAPE_STRUCTURE:
    case SHAPE_LIST:
    case SHAPE_MAP:
        return check_aggregate(w, shape, value);
    case SHAPE_STRING:
        if (!json_is_string(value))
            return report(w, "Member must be a string");
        return check_text(w, shape_index, json_string_value(value),
                          json_string_length(value));
    case SHAPE_INTEGER:
    case SHAPE_LONG:
        return check_integer(w, shape, value);
    case SHAPE_DOUBLE:
        if (!json_is_number(value))
            return report(w, "Member must be a number");
        return check_range(w, shape, json_number_value(value));
    case SHAPE_BOOLEAN:
        return json_is_boolean(value) ? 0 : report(w, "Member must be a boolean");
    case SHAPE_TIMESTAMP:
        return check_timestamp(w, value);
    case SHAPE_BLOB:
        return json_is_string(value) ? 0 : report(w, "Member must be a string");
    }
    return report(w, "Member has a type the model does not define");
}

int validate_shape(const validator *v, int shape, json_t *value, char *err,
                   size_t errlen)
{
    walk w = {.v = v, .err = err, .errlen = errlen};
    int rc;

    if (shape < 0)
        return 0; /* the operation takes no input */
    if (shape >= v->svc->shape_count)
        return report(&w, "Member has an unknown shape");
    if (!value || json_is_null(value))
        return report(&w, "Member must not be null");
    rc = check_value(&w, shape, value);
    pcre2_match_data_free(w.match);
    return rc;
}

void validator_free(validator *v)
{
    if (!v)
        return;
    for (int i = 0; i < v->compiled_count; i++)
        pcre2_code_free(v->compiled[i]);
    free(v->compiled);
    free(v->compiled_src);
    free(v->pattern_of);
    free(v);
}

/* The compiled form of src, compiling it on first sight; NULL with err set
 * when it does not compile. */
static const pcre2_code *compile_once(validator *v, pcre2_compile_context *cc,
                                      const model_shape *shape, char *err,
                                      size_t errlen)
{
    const uint32_t options = PCRE2_UTF | PCRE2_ANCHORED | PCRE2_ENDANCHORED |
                             PCRE2_DOLLAR_ENDONLY | PCRE2_ALT_BSUX;
    int code;
    PCRE2_SIZE offset;

    for (int i = 0; i < v->compiled_count; i++) {
        if (strcmp(v->compiled_src[i], shape->pattern) == 0)
            return v->compiled[i];
    }
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)shape->pattern, PCRE2_ZERO_TERMINATED,
                                   options, &code, &offset, cc);
    if (!re) {
        PCRE2_UCHAR reason[128];
        pcre2_get_error_message(code, reason, sizeof reason);
        snprintf(err, errlen, "pattern of shape %s does not compile at offset %zu: %s",
                 shape->name, (size_t)offset, (const char *)reason);
        return NULL;
    }
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* optional speed-up */
    v->compiled[v->compiled_count] = re;
    v->compiled_src[v->compiled_count++] = shape->pattern;
    return re;
}

validator *validator_new(const model_service *svc, char *err, size_t errlen)
{
    size_t count = (size_t)svc->shape_count + 1;
    pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
    validator *v = calloc(1, sizeof *v);

    snprintf(err, errlen, "out of memory");
    if (!cc || !v)
        goto fail;
    v->svc = svc;
    v->pattern_of = calloc(count, sizeof *v->pattern_of);
    v->compiled = calloc(count, sizeof *v->compiled);
    v->compiled_src = calloc(count, sizeof *v->compiled_src);
    if (!v->pattern_of || !v->compiled || !v->compiled_src)
        goto fail;
    pcre2_set_newline(cc, PCRE2_NEWLINE_ANY);
    pcre2_set_compile_extra_options(cc, PCRE2_EXTRA_ALT_BSUX); /* keeps \x{...} */
    for (int i = 0; i < svc->shape_count; i++) {
        if (!svc->shapes[i].pattern)
            continue;
        v->pattern_of[i] = compile_once(v, cc, &svc->shapes[i], err, errlen);
        if (!v->pattern_of[i])
            goto fail;
    }
    pcre2_compile_context_free(cc);
    if (errlen > 0)
        err[0] = '\0';
    return v;

fail:
    pcre2_compile_context_free(cc);
    validator_free(v);
    return NULL;
}
