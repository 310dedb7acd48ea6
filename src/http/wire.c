/*
 * wire.c - builds an operation's input object from the parts of an HTTP
 * request (see wire.h).
 *
 * The body gives the body members; every member the model places in the
 * URI, the query string or a header is taken from there instead, and a body
 * key of the same name is dropped (the wire wins, as a restJson1 server
 * never reads such members from the body).  Text from the wire is converted
 * to the member's JSON type here; range and length checks are left to the
 * validator.
 */
#include "http/wire.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Bytes of an offending value quoted back in an error message. */
#define WIRE_ECHO_MAX 64

typedef struct {
    const model_service *svc;
    const model_member *member;
    char *err;
    size_t errlen;
} bind_ctx;

static void set_error(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_error(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* A printable-ASCII rendering of text for error messages, so that a hostile
 * value can neither bloat the message nor break its JSON encoding. */
static void echo_value(const char *text, char out[WIRE_ECHO_MAX + 4])
{
    size_t n = 0;

    for (; text[n] && n < WIRE_ECHO_MAX; n++) {
        unsigned char c = (unsigned char)text[n];
        out[n] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    strcpy(out + n, text[n] ? "..." : "");
}

static json_t *conversion_error(const bind_ctx *ctx, const char *text,
                                const char *what)
{
    char echo[WIRE_ECHO_MAX + 4];

    echo_value(text, echo);
    set_error(ctx->err, ctx->errlen, "Value '%s' at '%s' is not a valid %s",
              echo, ctx->member->name, what);
    return NULL;
}

/* Strict decimal: an optional '-', then digits only; no spaces, no '+'. */
static int parse_integer(const char *text, long long min, long long max,
                         long long *out)
{
    const char *digits = text[0] == '-' ? text + 1 : text;
    char *end;

    if (*digits < '0' || *digits > '9')
        return -1;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *text, double *out)
{
    char *end;

    /* strtod would also skip spaces and take "inf", "nan" and hex floats */
    if (!(text[0] == '-' || text[0] == '.' || (text[0] >= '0' && text[0] <= '9')) ||
        strpbrk(text, "xX"))
        return -1;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* RFC 7231 IMF-fixdate, the format restJson1 gives header timestamps. */
static int parse_http_date(const char *text, long long *epoch)
{
    struct tm tm;

    memset(&tm, 0, sizeof tm);
    const char *end = strptime(text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end)
        return -1;
    *epoch = (long long)timegm(&tm);
    return 0;
}

static json_t *convert_timestamp(const bind_ctx *ctx, const char *text)
{
    long long epoch;

    if (ctx->member->location == LOC_HEADER && parse_http_date(text, &epoch) == 0)
        return json_integer(epoch);
    /* Query and label timestamps are ISO-8601 text; the validator checks. */
    return json_string(text);
}

/* text as a JSON string; NULL when it is not valid UTF-8.  Path labels
 * and query values are mostly ids, plain ASCII, which need no UTF-8
 * decoding to be valid: jansson's own check reads them a byte at a time. */
static json_t *string_value(const char *text)
{
    size_t len = 0;

    while (text[len] && !((unsigned char)text[len] & 0x80))
        len++;
    if (text[len] == '\0')
        return json_stringn_nocheck(text, len);
    return json_string(text);
}

/* The JSON value of one wire string for a shape; NULL with ctx->err set. */
static json_t *convert_scalar(const bind_ctx *ctx, const model_shape *shape,
                              const char *text)
{
    long long integer;
    double real;
    json_t *value;

    switch (shape->type) {
    case SHAPE_INTEGER:
        if (parse_integer(text, INT_MIN, INT_MAX, &integer) < 0)
            return conversion_error(ctx, text, "integer");
        return json_integer(integer);
    case SHAPE_LONG:
        if (parse_integer(text, LLONG_MIN, LLONG_MAX, &integer) < 0)
            return conversion_error(ctx, text, "integer");
        return json_integer(integer);
    case SHAPE_DOUBLE:
        if (parse_double(text, &real) < 0)
            return conversion_error(ctx, text, "number");
        return json_real(real);
    case SHAPE_BOOLEAN:
        if (strcmp(text, "true") != 0 && strcmp(text, "false") != 0)
            return conversion_error(ctx, text, "boolean");
        return json_boolean(text[0] == 't');
    case SHAPE_TIMESTAMP:
        value = convert_timestamp(ctx, text);
        break;
    default: /* strings, blobs; aggregates cannot travel outside the body */
        value = string_value(text);
        break;
    }
    if (!value)
        set_error(ctx->err, ctx->errlen, "Value at '%s' is not valid UTF-8",
                  ctx->member->name);
    return value;
}

/* A list member outside the body is a list of one converted element. */
static json_t *convert_text(const bind_ctx *ctx, const char *text)
{
    const model_shape *shape = &ctx->svc->shapes[ctx->member->shape];

    if (shape->type != SHAPE_LIST)
        return convert_scalar(ctx, shape, text);
    json_t *element = convert_scalar(ctx, &ctx->svc->shapes[shape->element], text);
    json_t *list = element ? json_array() : NULL;
    if (list && json_array_append_new(list, element) == 0)
        return list;
    json_decref(list);
    return NULL;
}

/* A list-typed query member collects every value of its key, in request
 * order; *out stays NULL when the key does not occur.  -1 on a bad value. */
static int collect_query_list(const bind_ctx *ctx, const wire_request *req,
                              json_t **out)
{
    const model_shape *list_shape = &ctx->svc->shapes[ctx->member->shape];
    const model_shape *element = &ctx->svc->shapes[list_shape->element];
    json_t *list = NULL;

    for (int i = 0; i < req->query_count; i++) {
        if (strcmp(req->query[i].key, ctx->member->wire_name) != 0)
            continue;
        if (!list && !(list = json_array()))
            goto fail;
        json_t *value = convert_scalar(ctx, element, req->query[i].value);
        if (!value || json_array_append_new(list, value) < 0)
            goto fail;
    }
    *out = list;
    return 0;

fail:
    json_decref(list);
    return -1;
}

/* The raw wire text of a non-list member, or NULL when absent. */
static const char *wire_text(const bind_ctx *ctx, const wire_request *req)
{
    const char *name = ctx->member->wire_name;

    switch (ctx->member->location) {
    case LOC_URI:
        for (int i = 0; req->route && i < req->route->label_count; i++) {
            if (strcmp(req->route->labels[i].name, name) == 0)
                return req->route->labels[i].value;
        }
        return NULL;
    case LOC_QUERY:
        for (int i = 0; i < req->query_count; i++) {
            if (strcmp(req->query[i].key, name) == 0)
                return req->query[i].value; /* a repeated scalar: first wins */
        }
        return NULL;
    case LOC_HEADER:
        return req->header ? req->header(req->header_ud, name) : NULL;
    default:
        return NULL;
    }
}

/* Sets one non-body member in input from the wire, or leaves it absent. */
static int bind_member(const bind_ctx *ctx, const wire_request *req,
                       json_t *input)
{
    const model_shape *shape = &ctx->svc->shapes[ctx->member->shape];
    json_t *value = NULL;

    json_object_del(input, ctx->member->name);
    if (!ctx->member->wire_name)
        return 0; /* e.g. a query map of all parameters; no model uses one */
    if (ctx->member->location == LOC_QUERY && shape->type == SHAPE_LIST) {
        if (collect_query_list(ctx, req, &value) < 0)
            goto fail;
    } else {
        const char *text = wire_text(ctx, req);
        if (text && !(value = convert_text(ctx, text)))
            goto fail;
    }
    if (value && json_object_set_new(input, ctx->member->name, value) < 0)
        goto fail;
    return 0;

fail:
    if (ctx->err[0] == '\0')
        set_error(ctx->err, ctx->errlen, "Out of memory reading '%s'",
                  ctx->member->name);
    return -1;
}

int wire_build_input(const wire_request *req, json_t **input, char *err,
                     size_t errlen)
{
    char scratch[8];
    bind_ctx ctx = {NULL, NULL, err, errlen};
    json_t *obj = NULL;

    *input = NULL;
    if (!err || errlen == 0) { /* bind_member tests the message it wrote */
        ctx.err = scratch;
        ctx.errlen = sizeof scratch;
    }
    ctx.err[0] = '\0';
    if (req->body && !json_is_object(req->body)) {
        set_error(ctx.err, ctx.errlen, "The request body must be a JSON object");
        goto fail;
    }
    /* Shallow: nested values stay shared with req->body. */
    obj = req->body ? json_copy(req->body) : json_object();
    if (!obj) {
        set_error(ctx.err, ctx.errlen, "Out of memory reading the request");
        goto fail;
    }
    const model_operation *op = req->route ? req->route->op : NULL;
    if (op && op->input >= 0) {
        ctx.svc = req->route->service;
        const model_shape *shape = &ctx.svc->shapes[op->input];
        for (int i = 0; i < shape->member_count; i++) {
            ctx.member = &shape->members[i];
            if (ctx.member->location != LOC_BODY && bind_member(&ctx, req, obj) < 0)
                goto fail;
        }
    }
    *input = obj;
    return 0;

fail:
    json_decref(obj);
    return -1;
}
