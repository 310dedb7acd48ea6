/*
 * server.c - libmicrohttpd glue: request contexts, body reading, limits,
 * routing, input assembly and validation, handler dispatch, access log.
 *
 * Flow of one request (see server.h for the callback contract):
 *   on_request (1st call)  create the context, check URL and declared body
 *                          size, read the claimed signature, pick the API
 *                          its signing service names, route the path
 *   on_request (nth call)  append body bytes, up to the body cap
 *   on_request (last call) dispatch(): authentication and identity, JSON,
 *                          input, validation; a read runs its handler here
 *                          and answers, but a search suspends the
 *                          connection and runs on an executor of its own
 *                          (it may read many rows); a write suspends the
 *                          connection and runs on the write executor (it
 *                          may wait for the writer lock and the disk), but
 *                          one whose handler leaves its transaction to the
 *                          store runs here and is resumed by the store
 *                          (run_later)
 *   on_request (resumed)   answers the write or search with reply_send()
 *   on_completed           log the request and free the context
 *
 * Under --auth sigv4 an authentication failure outranks every other error
 * but an over-large body (which cannot be verified): a caller that cannot
 * prove who it is learns nothing about paths or shapes.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "api/api.h"
#include "auth/authn.h"
#include "http/reply.h"
#include "http/reply_cache.h"
#include "http/executor.h"
#include "http/listener.h"
#include "http/server.h"
#include "http/wire.h"
#include "util/jalloc.h"
#include "util/jsonr.h"
#include "util/jsonw.h"
#include "util/timeutil.h"

#define ARENA_FIRST_BLOCK 8192
#define MAX_QUERY_PAIRS 64
#define MAX_HEADERS 128
#define CONNECTION_TIMEOUT_S 60

#define MAX_QUEUED_WRITES 4096
#define MAX_QUEUED_SEARCHES 4096

struct http_server {
    listener *listener;
    struct MHD_Daemon **loops; /* one per worker, fed by the listener */
    int loop_count;
    const casesd_app *app;
    executor *writes; /* runs the operations that may block */
    executor *searches; /* runs the reads that may take long */
    atomic_int unanswered; /* requests resumed but not yet answered */
    /* writes run on an event thread (run_later), counted from before their
     * handler until the store has finished them */
    atomic_int in_store;
    atomic_bool stopping; /* set before server_free waits for in_store */
};

typedef enum {
    PHASE_READING, /* headers and body arriving */
    PHASE_RUNNING, /* suspended while the executor runs the handler */
    PHASE_DONE,    /* resumed with the answer ready */
    PHASE_ANSWERED,
} request_phase;

typedef struct {
    request_ctx ctx;
    const app_service *service; /* the API this request is served from */
    authn_claim claim;          /* its signature, read on the first call */
    bool started;
    bool body_too_large;
    char *body;
    size_t body_len;
    size_t body_cap;
    unsigned status;
    bool health;
    request_phase phase;
    struct MHD_Connection *connection;
    http_server *server;
} http_request;

static http_request *request_new(const casesd_app *app, const char *method,
                                 const char *url)
{
    http_request *req = calloc(1, sizeof *req);
    if (!req)
        return NULL;
    req->ctx.arena = arena_new(ARENA_FIRST_BLOCK);
    if (!req->ctx.arena) {
        free(req);
        return NULL;
    }
    req->ctx.app = app;
    req->ctx.started_ns = time_mono_ns();
    req->ctx.method = arena_strdup(req->ctx.arena, method);
    req->ctx.path = arena_strdup(req->ctx.arena, url);
    id_uuid(req->ctx.request_id);
    return req;
}

static void request_free(http_request *req)
{
    if (req->ctx.release)
        req->ctx.release(req->ctx.release_arg);
    json_decref(req->ctx.input);
    json_decref(req->ctx.output);
    free(req->ctx.reply_body);
    free(req->body);
    arena_free(req->ctx.arena);
    free(req);
}

/* --- first call: limits and routing ------------------------------------------- */

static void fail(request_ctx *ctx, error_code code, const char *message)
{
    if (ctx->error == ERR_NONE) {
        ctx->error = code;
        ctx->error_message = message;
    }
}

static void check_declared_size(http_request *req,
                                 struct MHD_Connection *connection)
{
    const char *cl = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoull(cl, NULL, 10) > req->ctx.app->cfg.max_body_bytes) {
        req->body_too_large = true;
        fail(&req->ctx, ERR_TOO_LARGE, "Request body is too large");
    }
}

/* --- first call: the claimed signature ------------------------------------ */

typedef struct {
    sigv4_header *items; /* NULL while counting */
    int count;
    int cap;
} header_list;

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind,
                                      const char *key, const char *value)
{
    header_list *h = cls;
    (void)kind;

    if (h->count == h->cap)
        return MHD_NO;
    h->items[h->count].name = key;
    h->items[h->count].value = value ? value : "";
    h->count++;
    return MHD_YES;
}

/* Every header line as received; the strings stay in libmicrohttpd's
 * connection memory until the request completes. */
static int read_headers(request_ctx *ctx, struct MHD_Connection *connection,
                        header_list *h)
{
    int n = MHD_get_connection_values(connection, MHD_HEADER_KIND, NULL, NULL);

    h->count = 0;
    h->cap = n;
    if (n > MAX_HEADERS) {
        fail(ctx, ERR_VALIDATION, "Request has too many headers");
        return -1;
    }
    h->items = arena_alloc(ctx->arena, (size_t)(n ? n : 1) * sizeof *h->items);
    if (!h->items) {
        fail(ctx, ERR_INTERNAL, "Out of memory reading the headers");
        return -1;
    }
    MHD_get_connection_values(connection, MHD_HEADER_KIND, collect_header, h);
    return 0;
}

typedef struct {
    char *buf; /* NULL while measuring */
    size_t len;
    int pairs;
} raw_query;

static void put_bytes(raw_query *q, const char *s)
{
    size_t n = strlen(s);

    if (q->buf)
        memcpy(q->buf + q->len, s, n);
    q->len += n;
}

static enum MHD_Result rebuild_query(void *cls, enum MHD_ValueKind kind,
                                     const char *key, const char *value)
{
    raw_query *q = cls;
    (void)kind;

    if (q->pairs++)
        put_bytes(q, "&");
    put_bytes(q, key);
    if (value) {
        put_bytes(q, "=");
        put_bytes(q, value);
    }
    return MHD_YES;
}

/*
 * The query string as sent, for the signature.  keep_escaped leaves every
 * key and value percent-encoded, but libmicrohttpd has already turned each
 * '+' into a space; a raw space cannot occur in a request line, so turning
 * spaces back restores the bytes the client signed.  NULL when empty.
 */
static const char *read_query(request_ctx *ctx,
                              struct MHD_Connection *connection)
{
    raw_query q = {NULL, 0, 0};

    MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, rebuild_query,
                              &q);
    if (q.len == 0)
        return NULL;
    q.buf = arena_alloc(ctx->arena, q.len + 1);
    if (!q.buf) {
        fail(ctx, ERR_INTERNAL, "Out of memory reading the query");
        return NULL;
    }
    q.len = 0;
    q.pairs = 0;
    MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, rebuild_query,
                              &q);
    q.buf[q.len] = '\0';
    for (char *p = q.buf; (p = strchr(p, ' ')) != NULL; p++)
        *p = '+';
    return q.buf;
}

/* Reads the signature (without checking it yet) and picks the API its
 * signing service names; unsigned requests and unknown services get the
 * Cases API. */
static void read_claim(http_request *req, struct MHD_Connection *connection)
{
    request_ctx *ctx = &req->ctx;
    header_list h = {NULL, 0, 0};
    const char *service;
    sigv4_request sr = {.method = ctx->method, .raw_path = ctx->path};

    req->service = &ctx->app->services[APP_SERVICE_CASES];
    if (read_headers(ctx, connection, &h) != 0)
        return;
    sr.headers = h.items;
    sr.header_count = h.count;
    sr.raw_query = read_query(ctx, connection);
    authn_read(&req->claim, &sr);
    service = authn_service(&req->claim);
    for (int i = 0; service && i < APP_SERVICE_COUNT; i++)
        if (strcmp(ctx->app->services[i].model->signing_name, service) == 0)
            req->service = &ctx->app->services[i];
}

static void route_request(http_request *req)
{
    request_ctx *ctx = &req->ctx;
    route_status rs;

    if (strcmp(ctx->path, "/health") == 0 && strcmp(ctx->method, "GET") == 0) {
        req->health = true;
        return;
    }
    rs = router_match(req->service->router, ctx->method, ctx->path,
                      ctx->arena, &ctx->route);
    if (rs == ROUTE_NO_PATH)
        fail(ctx, ERR_UNKNOWN_OPERATION,
             arena_printf(ctx->arena, "No operation matches %s %s",
                          ctx->method, ctx->path));
    else if (rs == ROUTE_BAD_METHOD)
        fail(ctx, ERR_METHOD_NOT_ALLOWED,
             arena_printf(ctx->arena, "Method %s is not allowed on %s",
                          ctx->method, ctx->path));
    else if (rs == ROUTE_BAD_LABEL)
        fail(ctx, ERR_VALIDATION, "A path parameter is badly encoded");
}

static void start_request(http_request *req, struct MHD_Connection *connection)
{
    request_ctx *ctx = &req->ctx;

    req->started = true;
    if (strlen(ctx->path) > ctx->app->cfg.max_url_bytes) {
        fail(ctx, ERR_VALIDATION, "Request URL is too long");
        return;
    }
    check_declared_size(req, connection);
    read_claim(req, connection);
    route_request(req);
}

/* --- later calls: the body ---------------------------------------------------- */

static void append_body(http_request *req, const char *data, size_t len)
{
    size_t max = req->ctx.app->cfg.max_body_bytes;

    if (req->body_too_large)
        return;
    if (req->body_len + len > max) {
        req->body_too_large = true;
        fail(&req->ctx, ERR_TOO_LARGE, "Request body is too large");
        return;
    }
    if (req->body_len + len + 1 > req->body_cap) {
        size_t cap = req->body_cap ? req->body_cap : 1024;
        while (cap < req->body_len + len + 1)
            cap *= 2;
        char *grown = realloc(req->body, cap);
        if (!grown) {
            fail(&req->ctx, ERR_INTERNAL, "Out of memory reading the body");
            req->body_too_large = true;
            return;
        }
        req->body = grown;
        req->body_cap = cap;
    }
    memcpy(req->body + req->body_len, data, len);
    req->body_len += len;
    req->body[req->body_len] = '\0';
}

/* --- last call: handling -------------------------------------------------------- */

static int parse_body(http_request *req, json_t **body)
{
    request_ctx *ctx = &req->ctx;
    json_error_t jerr;

    *body = NULL;
    if (req->body_len == 0)
        return 0;
    /* The parser stops at the limit, before recursing any deeper. */
    *body = jsonr_parse(req->body, req->body_len, ctx->app->cfg.max_json_depth,
                        &jerr);
    if (!*body && json_error_code(&jerr) == json_error_stack_overflow)
        return api_fail(ctx, ERR_VALIDATION,
                        "Request body is nested deeper than %d levels",
                        ctx->app->cfg.max_json_depth);
    if (!*body)
        return api_fail(ctx, ERR_SERIALIZATION,
                        "Request body is not valid JSON: %s (line %d)",
                        jerr.text, jerr.line);
    return 0;
}

typedef struct {
    wire_pair pairs[MAX_QUERY_PAIRS];
    int count;
    bool overflow;
    bool bad_encoding;
    arena *arena;
} query_args;

/* Query keys and values arrive still percent-encoded (see keep_escaped). */
static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind,
                                     const char *key, const char *value)
{
    query_args *q = cls;
    const char *k, *v;
    (void)kind;

    if (q->count == MAX_QUERY_PAIRS) {
        q->overflow = true;
        return MHD_NO;
    }
    value = value ? value : "";
    k = router_percent_decode(q->arena, key, strlen(key));
    v = router_percent_decode(q->arena, value, strlen(value));
    if (!k || !v) {
        q->bad_encoding = true;
        return MHD_NO;
    }
    q->pairs[q->count].key = k;
    q->pairs[q->count].value = v;
    q->count++;
    return MHD_YES;
}

static const char *header_lookup(void *ud, const char *name)
{
    return MHD_lookup_connection_value(ud, MHD_HEADER_KIND, name);
}

static int build_input(http_request *req, struct MHD_Connection *connection,
                       json_t *body)
{
    request_ctx *ctx = &req->ctx;
    query_args q = {.arena = ctx->arena};
    wire_request wr = {.route = &ctx->route, .header = header_lookup,
                       .header_ud = connection, .body = body};
    char err[512];

    MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, collect_query,
                              &q);
    if (q.overflow)
        return api_fail(ctx, ERR_VALIDATION, "Too many query parameters");
    if (q.bad_encoding)
        return api_fail(ctx, ERR_VALIDATION, "A query parameter is badly encoded");
    wr.query = q.pairs;
    wr.query_count = q.count;
    if (wire_build_input(&wr, &ctx->input, err, sizeof err) != 0)
        return api_fail(ctx, ERR_VALIDATION, "%s", err);
    if (ctx->route.op->input >= 0 &&
        validate_shape(req->service->validator, ctx->route.op->input,
                       ctx->input, err, sizeof err) != 0)
        return api_fail(ctx, ERR_VALIDATION, "%s", err);
    return 0;
}

/* Who is calling, and in which account and region.  A failure replaces
 * any error found so far (see the file comment). */
static void authenticate(http_request *req)
{
    request_ctx *ctx = &req->ctx;
    authn_result r;

    if (req->body_too_large || !req->claim.req.method)
        return;
    authn_check(ctx->app, &req->claim, req->body, req->body_len,
                (int64_t)time(NULL), ctx->arena, &r);
    ctx->scope = r.who.scope;
    ctx->access_key = r.who.access_key;
    ctx->principal = r.principal;
    if (r.error != ERR_NONE) {
        ctx->error = r.error;
        ctx->error_message = r.message;
    }
}

/* Everything up to the handler, on the event thread: it reads the
 * connection's headers and query.  Returns the handler to run, or NULL when
 * the request already failed. */
static api_handler prepare(http_request *req, struct MHD_Connection *connection)
{
    request_ctx *ctx = &req->ctx;
    json_t *body = NULL;
    api_handler handler = NULL;

    authenticate(req);
    if (ctx->error != ERR_NONE)
        return NULL;
    if (parse_body(req, &body) != 0 || build_input(req, connection, body) != 0)
        goto cleanup;
    handler = req->service->handlers[ctx->route.op -
                                     ctx->route.service->operations];
    if (!handler)
        api_fail(ctx, ERR_UNKNOWN_OPERATION,
                 "Operation %s is not implemented by this server",
                 ctx->route.op->name);
cleanup:
    json_decref(body);
    return handler;
}

static void run_handler(request_ctx *ctx, api_handler handler)
{
    ctx->db = store_acquire(ctx->app->store);
    handler(ctx);
    store_release(ctx->app->store, ctx->db);
    ctx->db = NULL;
}

static size_t op_index(const request_ctx *ctx)
{
    return (size_t)(ctx->route.op - ctx->route.service->operations);
}

/* The reply cache's key of a cacheable read: its operation, account,
 * region and validated input, which is all its answer depends on. */
static char *reply_key(request_ctx *ctx, size_t *len)
{
    char *input = jsonw_dump(ctx->input, NULL);
    char *key = NULL;

    if (input)
        key = arena_concat(ctx->arena, ctx->route.op->name, "\n",
                           ctx->scope.account, "\n", ctx->scope.region, "\n",
                           input, (char *)NULL);
    free(input);
    *len = key ? strlen(key) : 0;
    return key;
}

/* A read: answered from the reply cache when it may be and is there,
 * otherwise by its handler, keeping the answer when it may be kept. */
static void run_read(http_request *req, api_handler handler)
{
    request_ctx *ctx = &req->ctx;
    reply_cache *replies = ctx->app->replies;
    uint64_t epoch = reply_cache_epoch(replies);
    size_t key_len = 0;
    char *key = NULL;

    if (req->service->cached[op_index(ctx)] &&
        (key = reply_key(ctx, &key_len)) &&
        (ctx->reply_body = reply_cache_get(replies, key, key_len,
                                           &ctx->reply_len)))
        return;
    run_handler(ctx, handler);
    if (!key || ctx->error != ERR_NONE)
        return;
    if (!ctx->reply_body) {
        if (!(ctx->reply_body = reply_serialise(ctx)))
            return;
        ctx->reply_len = strlen(ctx->reply_body);
    }
    reply_cache_put(replies, key, key_len, epoch, ctx->reply_body,
                    ctx->reply_len);
}

/* Hands a suspended request, its answer set, back to its event thread,
 * which sends the answer.  A write that may change cached answers retires
 * them once it has committed and before it is answered.  req may be gone
 * once this returns. */
static void resume_answered(http_request *req)
{
    if (req->service->invalidates[op_index(&req->ctx)])
        reply_cache_invalidate(req->ctx.app->replies);
    req->phase = PHASE_DONE;
    atomic_fetch_add(&req->server->unanswered, 1);
    MHD_resume_connection(req->connection);
}

/* Executor job: runs a suspended request's handler (a write's returns
 * after its commit), then resumes the connection. */
static void run_suspended(void *arg)
{
    http_request *req = arg;
    api_handler handler = req->service->handlers[op_index(&req->ctx)];
    /* The store's writer thread, which runs the work of queued writes,
     * gets malloc'd values (sqlite_commit.c). */
    arena *before = jalloc_use(req->ctx.arena);

    run_handler(&req->ctx, handler);
    jalloc_use(before);
    resume_answered(req);
}

/* --- writes the store finishes (api_tx_later) ---------------------------------- */

static void later_suspend(request_ctx *ctx)
{
    http_request *req = (http_request *)ctx;

    req->phase = PHASE_RUNNING;
    MHD_suspend_connection(req->connection);
}

/* On the store's thread, the answer set. */
static void later_finished(request_ctx *ctx)
{
    http_request *req = (http_request *)ctx;
    http_server *srv = req->server;

    resume_answered(req);
    atomic_fetch_sub(&srv->in_store, 1);
}

static const request_later later_hooks = {later_suspend, later_finished};

/*
 * A write whose handler leaves its transaction to the store runs here, on
 * the event thread, up to that transaction: it waits for nothing, and the
 * store's thread that makes the write durable sets the answer and resumes
 * the connection.  No executor thread waits through the commit, and the
 * request passes through two fewer threads.  A handler that fails before
 * its transaction is answered at once.
 *
 * Once the server is stopping, the handler waits for its transaction
 * here instead: the event loops stop only after in_store falls to zero,
 * and a connection the store resumed after that would be gone.  The
 * count goes up before stopping is read, and server_free sets stopping
 * before it reads the count, so one of the two sees the other.
 */
static enum MHD_Result run_later(http_request *req, api_handler handler,
                                 struct MHD_Connection *connection)
{
    request_ctx *ctx = &req->ctx;
    store *st = ctx->app->store;
    store_conn *pooled = store_acquire(st);
    int rc;

    req->connection = connection;
    atomic_fetch_add(&req->server->in_store, 1);
    ctx->later = atomic_load(&req->server->stopping) ? NULL : &later_hooks;
    ctx->db = pooled;
    rc = handler(ctx);
    /* The transaction has a connection of its own (store_tx_checked_later);
     * ctx is the store thread's now, ctx->db included. */
    store_release(st, pooled);
    if (rc == API_LATER)
        return MHD_YES;
    atomic_fetch_sub(&req->server->in_store, 1);
    ctx->db = NULL;
    return reply_send(ctx, connection, &req->status);
}

/* Suspends the connection while ex runs the handler of req; when ex is
 * full, fails the request with refusal instead. */
static void run_suspended_on(executor *ex, http_request *req,
                             struct MHD_Connection *connection,
                             const char *refusal)
{
    req->phase = PHASE_RUNNING;
    req->connection = connection;
    MHD_suspend_connection(connection);
    if (executor_submit(ex, run_suspended, req) == 0)
        return;
    MHD_resume_connection(connection);
    req->phase = PHASE_DONE;
    api_fail(&req->ctx, ERR_THROTTLING, "%s", refusal);
}

/* Answers now, or suspends the connection while an executor runs a
 * handler that may block or take long.  A search on an event thread held
 * every other request of the thread's connections behind it: CreateCase at
 * 4 connections beside searches over a million cases had a p99 of 366 ms
 * (440-700 ms beside searches of about 150 ms each). */
static enum MHD_Result dispatch(http_request *req,
                                struct MHD_Connection *connection)
{
    request_ctx *ctx = &req->ctx;
    /* While this thread works on the request, its JSON values come from
     * the request's arena (util/jalloc.h); so they do on the executor
     * (run_suspended). */
    arena *before = jalloc_use(ctx->arena);
    api_handler handler = prepare(req, connection);
    enum MHD_Result answered;

    if (handler && req->service->later[op_index(ctx)]) {
        answered = run_later(req, handler, connection);
        jalloc_use(before);
        return answered;
    }
    if (!handler || (!req->service->writes[op_index(ctx)] &&
                     !req->service->long_reads[op_index(ctx)])) {
        if (handler)
            run_read(req, handler);
        answered = reply_send(ctx, connection, &req->status);
        jalloc_use(before);
        return answered;
    }
    jalloc_use(before);
    if (req->service->long_reads[op_index(ctx)])
        run_suspended_on(req->server->searches, req, connection,
                         "Too many searches are waiting; retry");
    else
        run_suspended_on(req->server->writes, req, connection,
                         "Too many writes are waiting; retry");
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection,
                                  const char *url, const char *method,
                                  const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    http_server *srv = cls;
    http_request *req = *con_cls;
    (void)version;

    if (!req) {
        req = request_new(srv->app, method, url);
        if (!req)
            return MHD_NO;
        req->server = srv;
        *con_cls = req;
        start_request(req, connection);
        return MHD_YES;
    }
    if (*upload_data_size) {
        append_body(req, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->health) {
        req->status = 200;
        return reply_json(connection, 200, req->ctx.request_id,
                          "{\"status\":\"ok\"}");
    }
    if (req->phase == PHASE_DONE) {
        atomic_fetch_sub(&srv->unanswered, 1);
        req->phase = PHASE_ANSWERED;
        return reply_send(&req->ctx, connection, &req->status);
    }
    if (req->phase == PHASE_RUNNING)
        return MHD_YES; /* woken before the executor finished: keep waiting */
    return dispatch(req, connection);
}

/* --- completion and logging ------------------------------------------------------ */

static void log_access(const http_request *req)
{
    const request_ctx *ctx = &req->ctx;
    double ms = (double)(time_mono_ns() - ctx->started_ns) / 1e6;
    const char *op = req->health ? "Health"
                     : ctx->route.op ? ctx->route.op->name : "-";

    fprintf(stderr, "%s %s %s %u %.3fms account=%s key=%s principal=%s\n",
            ctx->request_id, op, ctx->method, req->status, ms,
            ctx->scope.account ? ctx->scope.account : "-",
            ctx->access_key ? ctx->access_key : "-",
            ctx->principal ? ctx->principal->arn : "-");
}

static void on_completed(void *cls, struct MHD_Connection *connection,
                         void **con_cls, enum MHD_RequestTerminationCode toe)
{
    const casesd_app *app = cls;
    http_request *req = *con_cls;
    (void)connection;
    (void)toe;

    if (!req)
        return;
    if (req->phase == PHASE_DONE) /* the client left before its answer */
        atomic_fetch_sub(&req->server->unanswered, 1);
    if (app->cfg.log_level >= 2)
        log_access(req);
    request_free(req);
    *con_cls = NULL;
}

/*
 * libmicrohttpd would percent-decode the path and the query in place before
 * the router sees them; a decoded %2F inside the {arn} label would then
 * split it.  Leaving them escaped lets the router match the raw path and
 * decode each label, and collect_query decode each query item.
 */
static size_t keep_escaped(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s);
}

/* --- start and stop ---------------------------------------------------------------- */

static int resolve_listen(const app_config *cfg, struct sockaddr_storage *addr,
                          socklen_t *len)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV | AI_PASSIVE};
    struct addrinfo *res = NULL;
    char port[16];
    int rc;

    snprintf(port, sizeof port, "%d", cfg->listen_port);
    rc = getaddrinfo(cfg->listen_host, port, &hints, &res);
    if (rc != 0 || !res) {
        fprintf(stderr, "casesd: cannot resolve listen address %s: %s\n",
                cfg->listen_host, gai_strerror(rc));
        return -1;
    }
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* Waits for the writes the store still holds (it finishes every one it
 * was given), then gives resumed connections a moment to send their
 * answers (bounded). */
static void wait_for_answers(http_server *srv)
{
    while (atomic_load(&srv->in_store) > 0)
        usleep(1000);
    for (int i = 0; i < 200 && atomic_load(&srv->unanswered) > 0; i++)
        usleep(5 * 1000);
}

/* One event loop: a daemon with a thread of its own, given its
 * connections by the listener. */
static struct MHD_Daemon *start_loop(http_server *srv, int i)
{
    const app_config *cfg = &srv->app->cfg;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                     MHD_USE_ITC | MHD_USE_NO_LISTEN_SOCKET |
                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;

    return MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, (void *)srv->app,
        MHD_OPTION_NOTIFY_CONNECTION, listener_count,
        listener_slot(srv->listener, i),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->max_header_bytes,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
        MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL, MHD_OPTION_END);
}

/* Stops what started; srv may be partly built. */
static void server_free(http_server *srv)
{
    listener_stop(srv->listener);
    /* Searches and writes in flight finish first; their connections are
     * resumed and get their answers before the loops close them. */
    atomic_store(&srv->stopping, true);
    executor_stop(srv->searches);
    executor_stop(srv->writes);
    wait_for_answers(srv);
    for (int i = 0; i < srv->loop_count; i++)
        if (srv->loops[i])
            MHD_stop_daemon(srv->loops[i]);
    listener_free(srv->listener); /* the loops counted into it until now */
    free(srv->loops);
    free(srv);
}

http_server *http_server_start(const casesd_app *app)
{
    const app_config *cfg = &app->cfg;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    http_server *srv;

    if (resolve_listen(cfg, &addr, &addr_len) != 0)
        return NULL;
    srv = calloc(1, sizeof *srv);
    if (!srv)
        return NULL;
    srv->app = app;
    srv->loops = calloc((size_t)cfg->workers, sizeof *srv->loops);
    srv->listener = listener_open((struct sockaddr *)&addr, addr_len,
                                  cfg->workers);
    srv->writes = executor_start("casesd-exec", cfg->write_threads,
                                 MAX_QUEUED_WRITES);
    srv->searches = executor_start("casesd-search", cfg->search_threads,
                                   MAX_QUEUED_SEARCHES);
    if (!srv->loops || !srv->listener || !srv->writes || !srv->searches)
        goto fail;
    for (; srv->loop_count < cfg->workers; srv->loop_count++)
        if (!(srv->loops[srv->loop_count] = start_loop(srv, srv->loop_count)))
            goto fail;
    if (listener_start(srv->listener, srv->loops) != 0)
        goto fail;
    return srv;
fail:
    fprintf(stderr, "casesd: cannot serve on %s:%d\n", cfg->listen_host,
            cfg->listen_port);
    server_free(srv);
    return NULL;
}

void http_server_stop(http_server *srv)
{
    if (srv)
        server_free(srv);
}
