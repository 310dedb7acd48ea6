/*
 * server.c - libmicrohttpd glue: request contexts, body reading, limits,
 * routing, input assembly and validation, handler dispatch, access log.
 *
 * Flow of one request (see server.h for the callback contract):
 *   on_request (1st call)  create the context, check URL and declared body
 *                          size, route the path
 *   on_request (nth call)  append body bytes, up to the body cap
 *   on_request (last call) handle(): identity, JSON, input, validation,
 *                          handler; then reply_send()
 *   on_completed           log the request and free the context
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "auth/identity.h"
#include "http/reply.h"
#include "http/server.h"
#include "http/wire.h"
#include "util/timeutil.h"

#define ARENA_FIRST_BLOCK 8192
#define MAX_QUERY_PAIRS 64
#define CONNECTION_TIMEOUT_S 60

struct http_server {
    struct MHD_Daemon *daemon;
    const casesd_app *app;
};

typedef struct {
    request_ctx ctx;
    bool started;
    bool body_too_large;
    char *body;
    size_t body_len;
    size_t body_cap;
    unsigned status;
    bool health;
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
    json_decref(req->ctx.input);
    json_decref(req->ctx.output);
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

static void route_request(http_request *req)
{
    request_ctx *ctx = &req->ctx;
    route_status rs;

    if (strcmp(ctx->path, "/health") == 0 && strcmp(ctx->method, "GET") == 0) {
        req->health = true;
        return;
    }
    rs = router_match(ctx->app->cases_router, ctx->method, ctx->path,
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

/* Nesting depth of a JSON text, counted without parsing it, so a deeply
 * nested body is refused before the parser recurses into it. */
static int json_depth(const char *s, size_t len)
{
    int depth = 0, max = 0;
    bool in_string = false;

    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max)
                max = depth;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return max;
}

static int parse_body(http_request *req, json_t **body)
{
    request_ctx *ctx = &req->ctx;
    json_error_t jerr;

    *body = NULL;
    if (req->body_len == 0)
        return 0;
    if (json_depth(req->body, req->body_len) > ctx->app->cfg.max_json_depth)
        return api_fail(ctx, ERR_VALIDATION,
                        "Request body is nested deeper than %d levels",
                        ctx->app->cfg.max_json_depth);
    *body = json_loadb(req->body, req->body_len, 0,
                       &jerr);
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

static int build_input(request_ctx *ctx, struct MHD_Connection *connection,
                       json_t *body)
{
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
        validate_shape(ctx->app->cases_validator, ctx->route.op->input,
                       ctx->input, err, sizeof err) != 0)
        return api_fail(ctx, ERR_VALIDATION, "%s", err);
    return 0;
}

static void resolve_caller(request_ctx *ctx, struct MHD_Connection *connection)
{
    caller_identity who;
    const char *auth = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                                   "Authorization");
    const char *cred = MHD_lookup_connection_value(
        connection, MHD_GET_ARGUMENT_KIND, "X-Amz-Credential");

    if (cred)
        cred = router_percent_decode(ctx->arena, cred, strlen(cred));
    identity_resolve(&ctx->app->cfg, ctx->arena, auth, cred, &who);
    ctx->scope = who.scope;
    ctx->access_key = who.access_key;
}

static void handle(http_request *req, struct MHD_Connection *connection)
{
    request_ctx *ctx = &req->ctx;
    json_t *body = NULL;
    api_handler handler;

    if (ctx->error != ERR_NONE)
        return;
    resolve_caller(ctx, connection);
    if (parse_body(req, &body) != 0 || build_input(ctx, connection, body) != 0)
        goto cleanup;
    handler = ctx->app->cases_handlers[ctx->route.op -
                                       ctx->route.service->operations];
    if (!handler) {
        api_fail(ctx, ERR_UNKNOWN_OPERATION,
                 "Operation %s is not implemented by this server",
                 ctx->route.op->name);
        goto cleanup;
    }
    ctx->db = store_acquire(ctx->app->store);
    handler(ctx);
    store_release(ctx->app->store, ctx->db);
    ctx->db = NULL;
cleanup:
    json_decref(body);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection,
                                  const char *url, const char *method,
                                  const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    http_request *req = *con_cls;
    (void)version;

    if (!req) {
        req = request_new(cls, method, url);
        if (!req)
            return MHD_NO;
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
    handle(req, connection);
    return reply_send(&req->ctx, connection, &req->status);
}

/* --- completion and logging ------------------------------------------------------ */

static void log_access(const http_request *req)
{
    const request_ctx *ctx = &req->ctx;
    double ms = (double)(time_mono_ns() - ctx->started_ns) / 1e6;
    const char *op = req->health ? "Health"
                     : ctx->route.op ? ctx->route.op->name : "-";

    fprintf(stderr, "%s %s %s %u %.3fms account=%s key=%s\n", ctx->request_id,
            op, ctx->method, req->status, ms,
            ctx->scope.account ? ctx->scope.account : "-",
            ctx->access_key ? ctx->access_key : "-");
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

http_server *http_server_start(const casesd_app *app)
{
    const app_config *cfg = &app->cfg;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG;
    http_server *srv;

    if (resolve_listen(cfg, &addr, &addr_len) != 0)
        return NULL;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    srv = calloc(1, sizeof *srv);
    if (!srv)
        return NULL;
    srv->app = app;
    srv->daemon = MHD_start_daemon(
        flags, (uint16_t)cfg->listen_port, NULL, NULL, on_request, (void *)app,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->workers,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, (void *)app,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->max_header_bytes,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
        MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL, MHD_OPTION_END);
    if (!srv->daemon) {
        fprintf(stderr, "casesd: cannot listen on %s:%d\n", cfg->listen_host,
                cfg->listen_port);
        free(srv);
        return NULL;
    }
    return srv;
}

void http_server_quiesce(http_server *srv)
{
    MHD_quiesce_daemon(srv->daemon);
}

void http_server_stop(http_server *srv)
{
    if (!srv)
        return;
    MHD_stop_daemon(srv->daemon);
    free(srv);
}
