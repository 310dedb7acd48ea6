/*
 * fuzz_request.c - libFuzzer driver for the request path without sockets:
 * route the method and raw path, assemble the input from query, headers
 * and body (wire_build_input), and validate it against the model.
 *
 * Input format (a corpus file is readable text):
 *   line 1  "SERVICE METHOD", SERVICE being cases or connect
 *   line 2  raw path, percent-encoded as on the wire
 *   line 3  raw query string without '?'
 *   rest    the body (JSON, or anything)
 * Header lookups are answered from the query pairs, so header-bound
 * members are exercised too.  Everything built once (routers, validators)
 * is kept for the life of the process, as in the server.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/router.h"
#include "http/wire.h"
#include "model/validate.h"

#define MAX_PAIRS 64

typedef struct {
    const model_service *svc;
    router *router;
    validator *validator;
} service_tables;

typedef struct {
    const char *line[3]; /* service+method, path, query: arena copies */
    const uint8_t *body;
    size_t body_len;
} fuzz_input;

static service_tables tables[2];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const model_service *svcs[2] = {&model_connectcases, &model_connect};
    char err[256];
    (void)argc;
    (void)argv;

    for (int i = 0; i < 2; i++) {
        tables[i].svc = svcs[i];
        tables[i].router = router_new(svcs[i]);
        tables[i].validator = validator_new(svcs[i], err, sizeof err);
        if (!tables[i].router || !tables[i].validator)
            abort();
    }
    return 0;
}

/* Cuts the first three lines off data; the rest is the body. */
static int split_input(arena *a, const uint8_t *data, size_t size,
                       fuzz_input *in)
{
    const uint8_t *p = data, *end = data + size;

    for (int i = 0; i < 3; i++) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *stop = nl ? nl : end;
        in->line[i] = arena_strndup(a, (const char *)p, (size_t)(stop - p));
        if (!in->line[i])
            return -1;
        p = nl ? nl + 1 : end;
    }
    in->body = p;
    in->body_len = (size_t)(end - p);
    return 0;
}

/* Query pairs, percent-decoded as the server does; badly encoded items
 * are dropped. */
static int split_query(arena *a, const char *q, wire_pair *pairs)
{
    int n = 0;

    while (*q && n < MAX_PAIRS) {
        size_t len = strcspn(q, "&");
        const char *eq = memchr(q, '=', len);
        size_t klen = eq ? (size_t)(eq - q) : len;
        const char *k = router_percent_decode(a, q, klen);
        const char *v = eq ? router_percent_decode(a, eq + 1, len - klen - 1)
                           : "";
        if (k && v)
            pairs[n++] = (wire_pair){k, v};
        q += len;
        if (*q == '&')
            q++;
    }
    return n;
}

typedef struct {
    const wire_pair *pairs;
    int count;
} header_source;

static const char *header_lookup(void *ud, const char *name)
{
    const header_source *h = ud;

    for (int i = 0; i < h->count; i++)
        if (strcasecmp(h->pairs[i].key, name) == 0)
            return h->pairs[i].value;
    return NULL;
}

static const service_tables *pick(const char *first_line, const char **method)
{
    const char *space = strchr(first_line, ' ');

    *method = space ? space + 1 : first_line;
    if (space && (size_t)(space - first_line) == 7 &&
        memcmp(first_line, "connect", 7) == 0)
        return &tables[1];
    return &tables[0];
}

static void run_operation(const service_tables *t, arena *a,
                          const route_match *m, const char *query,
                          json_t *body)
{
    wire_pair pairs[MAX_PAIRS];
    header_source hs = {pairs, split_query(a, query, pairs)};
    wire_request wr = {.route = m, .query = pairs, .query_count = hs.count,
                       .header = header_lookup, .header_ud = &hs,
                       .body = body};
    json_t *input = NULL;
    char err[512];

    if (wire_build_input(&wr, &input, err, sizeof err) == 0 &&
        m->op->input >= 0)
        validate_shape(t->validator, m->op->input, input, err, sizeof err);
    json_decref(input);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena *a = arena_new(4096);
    fuzz_input in;
    route_match m;
    const service_tables *t;
    const char *method;
    json_t *body = NULL;

    if (!a || split_input(a, data, size, &in) != 0)
        goto cleanup;
    t = pick(in.line[0], &method);
    if (router_match(t->router, method, in.line[1], a, &m) != ROUTE_OK)
        goto cleanup;
    if (in.body_len)
        body = json_loadb((const char *)in.body, in.body_len, 0, NULL);
    run_operation(t, a, &m, in.line[2], body);
cleanup:
    json_decref(body);
    arena_free(a);
    return 0;
}
