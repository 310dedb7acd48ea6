/*
 * router.c - finds the operation for a method and raw path (see router.h).
 *
 * router_new() splits every operation's URI template into segments once;
 * router_match() splits the request path at '/' and compares segment by
 * segment, so nothing is compiled or allocated per request except the
 * decoded label values (label names point into the router, which must
 * outlive its matches).  raw_path must not contain the query string: a '?'
 * is an ordinary character here and would become part of the last segment.
 */
#include "http/router.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Deepest path considered; the models' templates have at most 7 segments,
 * so a deeper path can only match a greedy label and is refused instead. */
#define ROUTER_MAX_SEGMENTS 16

typedef struct {
    const char *text; /* literal text, or the label name (router-owned) */
    size_t len;
    bool is_label;
    bool greedy;      /* {name+}: spans one or more path segments */
} route_segment;

typedef struct {
    const model_operation *op;
    char *storage;          /* the template's text, split in place */
    route_segment segs[ROUTER_MAX_SEGMENTS];
    int seg_count;
    int literal_count;
    bool trailing_slash;    /* the model's URI ends in '/': optional on input */
    bool has_greedy;
} route_template;

struct router {
    const model_service *svc;
    route_template *templates;
    int template_count;
};

/* The request path split at '/'; spans point into raw_path. */
typedef struct {
    const char *ptr[ROUTER_MAX_SEGMENTS];
    size_t len[ROUTER_MAX_SEGMENTS];
    int count;
} path_split;

/* Classifies one template segment; -1 when a brace appears anywhere but
 * around a whole segment, which the router does not support. */
static int parse_segment(char *text, route_segment *seg)
{
    size_t len = strlen(text);

    seg->is_label = false;
    seg->greedy = false;
    if (len >= 2 && text[0] == '{' && text[len - 1] == '}') {
        text[len - 1] = '\0';
        len -= 2;
        text++;
        if (len > 0 && text[len - 1] == '+') {
            seg->greedy = true;
            text[--len] = '\0';
        }
        seg->is_label = true;
        if (len == 0)
            return -1;
    }
    if (strpbrk(text, "{}"))
        return -1;
    seg->text = text;
    seg->len = len;
    return 0;
}

static int template_init(route_template *t, const model_operation *op)
{
    size_t uri_len = strcspn(op->uri, "?"); /* a model may add fixed query */
    int labels = 0;

    t->op = op;
    if (uri_len == 0 || op->uri[0] != '/')
        return -1;
    t->storage = strndup(op->uri + 1, uri_len - 1);
    if (!t->storage)
        return -1;
    size_t body_len = uri_len - 1;
    if (body_len > 0 && t->storage[body_len - 1] == '/') {
        t->trailing_slash = true;
        t->storage[--body_len] = '\0';
    }
    if (body_len == 0)
        return 0; /* "/" has no segments */
    for (char *next = t->storage; next;) {
        char *slash = strchr(next, '/');
        if (slash)
            *slash = '\0';
        if (t->seg_count == ROUTER_MAX_SEGMENTS)
            return -1;
        route_segment *seg = &t->segs[t->seg_count++];
        if (parse_segment(next, seg) < 0)
            return -1;
        labels += seg->is_label;
        t->literal_count += !seg->is_label;
        if (seg->greedy && t->has_greedy)
            return -1; /* two greedy labels cannot be split unambiguously */
        t->has_greedy |= seg->greedy;
        next = slash ? slash + 1 : NULL;
    }
    return labels <= ROUTE_MAX_LABELS ? 0 : -1;
}

void router_free(router *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->template_count; i++)
        free(r->templates[i].storage);
    free(r->templates);
    free(r);
}

/* NULL when a template uses a form the router does not support (a partial
 * label segment, more than ROUTE_MAX_LABELS labels, two greedy labels). */
router *router_new(const model_service *svc)
{
    router *r = calloc(1, sizeof *r);

    if (!r)
        goto fail;
    r->svc = svc;
    r->templates = calloc((size_t)svc->operation_count + 1, sizeof *r->templates);
    if (!r->templates)
        goto fail;
    for (int i = 0; i < svc->operation_count; i++) {
        r->template_count = i + 1; /* so router_free releases a partial one */
        if (template_init(&r->templates[i], &svc->operations[i]) < 0)
            goto fail;
    }
    return r;

fail:
    router_free(r);
    return NULL;
}

/* -1 when the path is not absolute or deeper than ROUTER_MAX_SEGMENTS. */
static int split_path(const char *raw_path, path_split *p)
{
    p->count = 0;
    if (raw_path[0] != '/')
        return -1;
    if (raw_path[1] == '\0')
        return 0;
    const char *start = raw_path + 1;
    for (;;) {
        const char *slash = strchr(start, '/');
        size_t len = slash ? (size_t)(slash - start) : strlen(start);
        if (p->count == ROUTER_MAX_SEGMENTS)
            return -1;
        p->ptr[p->count] = start;
        p->len[p->count++] = len;
        if (!slash)
            return 0;
        start = slash + 1;
    }
}

/* Path segments the template's greedy label spans (0 when it has none), or
 * -1 when the segment counts cannot line up. */
static int greedy_span(const route_template *t, int path_count)
{
    if (!t->has_greedy)
        return path_count == t->seg_count ? 0 : -1;
    int span = path_count - (t->seg_count - 1);
    return span >= 1 ? span : -1;
}

/* The number of path segments the template is compared against: a trailing
 * slash the template has in the model may be present or not. */
static int effective_count(const route_template *t, const path_split *p)
{
    if (t->trailing_slash && p->count > 0 && p->len[p->count - 1] == 0)
        return p->count - 1;
    return p->count;
}

/* Whether the path has the template's shape: same number of segments (a
 * greedy label absorbing any surplus) and equal literal segments. */
static bool template_matches(const route_template *t, const path_split *p)
{
    int count = effective_count(t, p);
    int span = greedy_span(t, count);

    if (span < 0)
        return false;
    for (int i = 0, at = 0; i < t->seg_count; i++) {
        const route_segment *seg = &t->segs[i];
        if (seg->greedy) {
            at += span;
            continue;
        }
        if (!seg->is_label && (p->len[at] != seg->len ||
                               memcmp(p->ptr[at], seg->text, seg->len) != 0))
            return false;
        at++;
    }
    return true;
}

/* Whether a should win over b when both match: more literal segments
 * first, then the template whose first differing segment is a literal. */
static bool more_specific(const route_template *a, const route_template *b)
{
    if (a->literal_count != b->literal_count)
        return a->literal_count > b->literal_count;
    for (int i = 0; i < a->seg_count && i < b->seg_count; i++) {
        if (a->segs[i].is_label != b->segs[i].is_label)
            return !a->segs[i].is_label;
    }
    return false;
}

/* Decodes every label of the chosen template into out->labels. */
static route_status fill_labels(const route_template *t, const path_split *p,
                                arena *a, route_match *out)
{
    int span = greedy_span(t, effective_count(t, p));

    for (int i = 0, at = 0; i < t->seg_count; i++) {
        const route_segment *seg = &t->segs[i];
        int width = seg->greedy ? span : 1;
        if (seg->is_label) {
            const char *start = p->ptr[at];
            const char *end = p->ptr[at + width - 1] + p->len[at + width - 1];
            if (end == start)
                return ROUTE_BAD_LABEL;
            char *value = router_percent_decode(a, start, (size_t)(end - start));
            if (!value)
                return ROUTE_BAD_LABEL;
            out->labels[out->label_count].name = seg->text;
            out->labels[out->label_count++].value = value;
        }
        at += width;
    }
    return ROUTE_OK;
}

route_status router_match(const router *r, const char *method,
                          const char *raw_path, arena *a, route_match *out)
{
    path_split path;
    const route_template *best = NULL;
    bool path_known = false;

    memset(out, 0, sizeof *out);
    out->service = r->svc;
    if (split_path(raw_path, &path) < 0)
        return ROUTE_NO_PATH;
    for (int i = 0; i < r->template_count; i++) {
        const route_template *t = &r->templates[i];
        if (!template_matches(t, &path))
            continue;
        path_known = true;
        if (strcmp(t->op->method, method) == 0 && (!best || more_specific(t, best)))
            best = t;
    }
    if (!best)
        return path_known ? ROUTE_BAD_METHOD : ROUTE_NO_PATH;
    out->op = best->op;
    return fill_labels(best, &path, a, out);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* '+' stays '+': in a path it is not a space.  NULL also when the arena is
 * exhausted. */
char *router_percent_decode(arena *a, const char *s, size_t len)
{
    char *out = arena_alloc(a, len + 1);
    size_t n = 0;

    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%') {
            int hi = i + 2 < len ? hex_value(s[i + 1]) : -1;
            int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
            if (lo < 0)
                return NULL;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0')
            return NULL;
        out[n++] = c;
    }
    out[n] = '\0';
    return out;
}
