/* common.c - helpers shared by the operation handlers (see api.h). */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "http/reply_cache.h"
#include "util/arn.h"
#include "util/jalloc.h"
#include "util/timeutil.h"

const char *api_input_str(const request_ctx *ctx, const char *name)
{
    return json_string_value(json_object_get(ctx->input, name));
}

long long api_input_int(const request_ctx *ctx, const char *name,
                        long long fallback)
{
    json_t *v = json_object_get(ctx->input, name);
    return json_is_integer(v) ? json_integer_value(v) : fallback;
}

json_t *api_time(int64_t ms)
{
    char buf[TIME_ISO_LEN];
    time_format_iso(ms, buf);
    return json_string(buf);
}

static const char *const kind_names[RES__COUNT] = {
    [RES_DOMAIN] = "Domain",   [RES_FIELD] = "Field",
    [RES_LAYOUT] = "Layout",   [RES_TEMPLATE] = "Template",
    [RES_CASE_RULE] = "CaseRule",
};

int api_load_record(request_ctx *ctx, resource_kind kind,
                    const char *domain_id, const char *id, store_record *out)
{
    int rc;

    if (kind != RES_DOMAIN && api_require_domain(ctx, domain_id) != 0)
        return -1;
    rc = store_record_get(ctx->db, &ctx->scope, kind,
                          kind == RES_DOMAIN ? NULL : domain_id, id,
                          ctx->arena, out);
    if (rc == STORE_NOT_FOUND)
        return api_not_found(ctx, kind_names[kind], id);
    if (rc != STORE_OK)
        return api_store_failed(ctx, rc);
    return 0;
}

const char *api_caller_arn(request_ctx *ctx)
{
    if (ctx->principal)
        return ctx->principal->arn;
    return arena_printf(ctx->arena, "arn:aws:iam::%s:root", ctx->scope.account);
}

void api_set_record_times(json_t *out, const store_record *rec)
{
    json_object_set_new(out, "deleted", json_boolean(rec->deleted));
    json_object_set_new(out, "createdTime", api_time(rec->created_ms));
    json_object_set_new(out, "lastModifiedTime", api_time(rec->modified_ms));
}

/* Whether ctx runs a read, outside any write transaction. */
static bool is_read(const request_ctx *ctx)
{
    for (int i = 0; i < APP_SERVICE_COUNT; i++) {
        const app_service *svc = &ctx->app->services[i];
        if (svc->model == ctx->route.service)
            return !svc->writes[ctx->route.op - ctx->route.service->operations];
    }
    return false;
}

/*
 * A read learns that a domain exists from the reply cache when it can:
 * creating or deleting a domain retires it.  A write asks the store,
 * inside its transaction: a DeleteDomain committed earlier in the same
 * batch must be seen, or a case could land in a purged domain.  A write
 * that checks before its transaction (api_require_domain_early) reads like
 * a read does, so it may use the cache too.
 */
static int require_domain(request_ctx *ctx, const char *domain_id,
                          bool may_cache)
{
    reply_cache *cache = ctx->app->replies;
    uint64_t epoch = reply_cache_epoch(cache);
    bool deleted;
    char *key = NULL, *known;
    size_t key_len = 0, len;
    int rc;

    if (may_cache && domain_id)
        key = arena_concat(ctx->arena, "domain\n", ctx->scope.account, "\n",
                           ctx->scope.region, "\n", domain_id, (char *)NULL);
    if (key) {
        key_len = strlen(key);
        if ((known = reply_cache_get(cache, key, key_len, &len))) {
            free(known);
            return 0;
        }
    }
    rc = store_record_state(ctx->db, &ctx->scope, RES_DOMAIN, NULL, domain_id,
                            &deleted);
    if (rc == STORE_NOT_FOUND)
        return api_not_found(ctx, kind_names[RES_DOMAIN], domain_id);
    if (rc != STORE_OK)
        return api_store_failed(ctx, rc);
    if (key)
        reply_cache_put(cache, key, key_len, epoch, "", 0);
    return 0;
}

int api_require_domain(request_ctx *ctx, const char *domain_id)
{
    return require_domain(ctx, domain_id, is_read(ctx));
}

int api_require_domain_early(request_ctx *ctx, const char *domain_id)
{
    return require_domain(ctx, domain_id, true);
}

static const arn_kind arn_kinds[RES__COUNT] = {
    [RES_DOMAIN] = ARN_DOMAIN,     [RES_FIELD] = ARN_FIELD,
    [RES_LAYOUT] = ARN_LAYOUT,     [RES_TEMPLATE] = ARN_TEMPLATE,
    [RES_CASE_RULE] = ARN_CASE_RULE,
};

char *api_arn(request_ctx *ctx, resource_kind kind, const char *domain_id,
              const char *id)
{
    if (kind == RES_DOMAIN)
        domain_id = id;
    return arn_format(ctx->arena, arn_kinds[kind], ctx->scope.region,
                      ctx->scope.account, domain_id, id, NULL);
}

int api_attach_tags(request_ctx *ctx, json_t *obj, const char *arn)
{
    json_t *tags = NULL;
    int rc = store_tags_get(ctx->db, arn, &tags);

    if (rc != STORE_OK)
        return api_store_failed(ctx, rc);
    json_object_set_new(obj, "tags", tags);
    return 0;
}

static char *page_context(request_ctx *ctx, const char *listing)
{
    return arena_printf(ctx->arena, "%s|%s|%s|%s", ctx->route.op->name,
                        ctx->scope.account, ctx->scope.region,
                        listing ? listing : "");
}

int api_page_start(request_ctx *ctx, const char *listing, int64_t *after_seq)
{
    const char *token = api_input_str(ctx, "nextToken");
    const char *position = NULL;
    char *end;

    *after_seq = 0;
    if (!token)
        return 0;
    if (token_decode(&ctx->app->tokens, ctx->arena, page_context(ctx, listing),
                     token, &position) != 0)
        return api_fail(ctx, ERR_VALIDATION,
                        "The nextToken is invalid or belongs to another request");
    *after_seq = strtoll(position, &end, 10);
    if (*end || *after_seq < 0)
        return api_fail(ctx, ERR_VALIDATION, "The nextToken is invalid");
    return 0;
}

int api_page_finish(request_ctx *ctx, const char *listing, json_t *out,
                    int64_t last_seq)
{
    char *token = token_encode(&ctx->app->tokens, ctx->arena,
                               page_context(ctx, listing),
                               arena_printf(ctx->arena, "%lld",
                                            (long long)last_seq));
    if (!token)
        return api_fail(ctx, ERR_INTERNAL, "Cannot encode the nextToken");
    json_object_set_new(out, "nextToken", json_string(token));
    return 0;
}

#define LIST_BATCH 128

typedef struct {
    request_ctx *ctx;
    api_item_fn item;
    void *arg;
    json_t *items;
    size_t want;          /* page size + 1: one more tells that more follow */
    int64_t last_seq;     /* seq of the last record looked at */
    int64_t page_end_seq; /* seq of the last item kept on the page */
    int rows;
} list_walk;

static int list_visit(const store_record *rec, void *arg)
{
    list_walk *w = arg;
    json_t *entry;

    w->rows++;
    w->last_seq = rec->seq;
    entry = w->item(w->ctx, rec, w->arg);
    if (!entry)
        return w->ctx->error != ERR_NONE ? -1 : 0;
    json_array_append_new(w->items, entry);
    if (json_array_size(w->items) < w->want)
        w->page_end_seq = rec->seq;
    return json_array_size(w->items) >= w->want ? 1 : 0;
}

/* Walks batches until the page is full or the records run out. */
static int list_fill(request_ctx *ctx, resource_kind kind,
                     const char *domain_id, store_list_query *q, list_walk *w)
{
    for (;;) {
        int rc;
        w->rows = 0;
        rc = store_record_list(ctx->db, &ctx->scope, kind, domain_id, q,
                               list_visit, w);
        if (rc == 1)
            return 0;
        if (rc != STORE_OK)
            return ctx->error != ERR_NONE ? -1 : api_store_failed(ctx, rc);
        if (w->rows < q->limit)
            return 0;
        q->after_seq = w->last_seq;
    }
}

int api_list_records(request_ctx *ctx, resource_kind kind,
                     const char *domain_id, const char *listing,
                     bool include_deleted, int default_max, const char *member,
                     api_item_fn item, void *arg)
{
    long long max = api_input_int(ctx, "maxResults", default_max);
    store_list_query q = {.include_deleted = include_deleted,
                          .limit = LIST_BATCH};
    list_walk w = {.ctx = ctx, .item = item, .arg = arg,
                   .items = json_array(), .want = (size_t)max + 1};

    if (api_page_start(ctx, listing, &q.after_seq) != 0 ||
        list_fill(ctx, kind, domain_id, &q, &w) != 0)
        goto fail;
    ctx->output = json_object();
    if (json_array_size(w.items) == w.want) {
        json_array_remove(w.items, w.want - 1);
        if (api_page_finish(ctx, listing, ctx->output, w.page_end_seq) != 0)
            goto fail;
    }
    json_object_set_new(ctx->output, member, w.items);
    return 0;
fail:
    json_decref(w.items);
    return -1;
}

/* --- checks shared by the configuration handlers ------------------------- */

/* Sets *live to whether id names a record of kind in the domain that is
 * not deleted.  Returns a store status. */
int api_record_is_live(store_conn *conn, request_ctx *ctx,
                          resource_kind kind, const char *domain_id,
                          const char *id, bool *live)
{
    bool deleted = true;
    int rc = store_record_state(conn, &ctx->scope, kind, domain_id, id,
                                &deleted);

    *live = rc == STORE_OK && !deleted;
    return rc == STORE_NOT_FOUND ? STORE_OK : rc;
}

/* Adds to dead (an object used as an ordered set) each id of ids that is
 * not a live field of the domain.  Returns a store status. */
int api_find_dead_fields(store_conn *conn, request_ctx *ctx,
                            const char *domain_id, json_t *ids, json_t *dead)
{
    json_t *id;
    size_t i;

    json_array_foreach(ids, i, id) {
        bool live;
        int rc = api_record_is_live(conn, ctx, RES_FIELD, domain_id,
                                json_string_value(id), &live);
        if (rc != STORE_OK)
            return rc;
        if (!live)
            json_object_set_new(dead, json_string_value(id), json_true());
    }
    return STORE_OK;
}

/* The keys of set joined by ", " (arena-owned), or NULL when out of memory. */
char *api_join_keys(arena *a, json_t *set)
{
    const char *key;
    json_t *value;
    size_t len = 1;
    char *out, *end;

    json_object_foreach(set, key, value)
        len += strlen(key) + 2;
    out = arena_alloc(a, len);
    if (!out)
        return NULL;
    end = out;
    json_object_foreach(set, key, value) {
        size_t n = strlen(key);
        if (end != out) {
            memcpy(end, ", ", 2);
            end += 2;
        }
        memcpy(end, key, n);
        end += n;
    }
    *end = '\0';
    return out;
}

/* Fails with a ValidationException naming the ids that are not live fields
 * of the domain.  Returns 0, -1 after api_fail(), or a store status. */
int api_require_live_fields(store_conn *conn, request_ctx *ctx,
                               const char *domain_id, json_t *ids)
{
    json_t *dead = json_object();
    int rc = api_find_dead_fields(conn, ctx, domain_id, ids, dead);

    if (rc == STORE_OK && json_object_size(dead) > 0) {
        const char *names = api_join_keys(ctx->arena, dead);
        rc = api_fail(ctx, ERR_VALIDATION,
                      "These field ids do not exist in the domain or are deleted: %s",
                      names ? names : "(too many to list)");
    }
    json_decref(dead);
    return rc;
}

/* Turns what store_tx returned into the handler's result. */
int api_tx_result(request_ctx *ctx, int rc)
{
    if (rc == 0)
        return 0;
    if (ctx->error != ERR_NONE)
        return -1;
    return api_store_failed(ctx, rc);
}

/* A transaction api_tx_later handed to the store. */
typedef struct {
    request_ctx *ctx;
    store_tx_fn fn;
    void *arg;
    api_tx_finish finish;
} later_tx;

/* fn sees ctx->db as a handler waiting in store_tx_checked would. */
static int run_later_tx(store_conn *conn, void *arg)
{
    later_tx *l = arg;
    int rc;

    l->ctx->db = conn;
    rc = l->fn(conn, l->arg);
    l->ctx->db = NULL;
    return rc;
}

/* On the store's thread: the rest of the handler, then the answer. */
static void finish_later_tx(void *arg, int rc)
{
    later_tx *l = arg;
    request_ctx *ctx = l->ctx;
    arena *before = jalloc_use(ctx->arena);

    l->finish(ctx, l->arg, rc);
    jalloc_use(before);
    ctx->later->finished(ctx);
}

int api_tx_later(request_ctx *ctx, store_tx_fn fn, void *arg,
                 api_tx_finish finish)
{
    later_tx *l;
    int rc;

    if (!ctx->later)
        return finish(ctx, arg, store_tx_checked(ctx->db, fn, arg));
    if (!(l = arena_alloc(ctx->arena, sizeof *l)))
        return finish(ctx, arg, STORE_ERROR);
    *l = (later_tx){.ctx = ctx, .fn = fn, .arg = arg, .finish = finish};
    ctx->later->suspend(ctx);
    rc = store_tx_checked_later(ctx->db, run_later_tx, l, finish_later_tx, l);
    if (rc != STORE_OK)
        finish_later_tx(l, rc);
    return API_LATER;
}


int api_check_deletions(store_conn *conn, request_ctx *ctx, resource_kind kind,
                        const char *domain_id, error_code code,
                        const char *what)
{
    int64_t deleted = 0;
    int rc = store_record_count(conn, &ctx->scope, kind, domain_id, true,
                                &deleted);

    if (rc != STORE_OK)
        return rc;
    if (deleted >= ctx->app->cfg.quotas.deletions)
        return api_fail(ctx, code,
                        "The domain already has %lld deleted %s, the most allowed",
                        (long long)deleted, what);
    return 0;
}

/* Appends the Get response of id to found, or a NotFound entry to errors. */
static int batch_get_one(request_ctx *ctx, resource_kind kind,
                         const char *domain_id, const char *id,
                         const char *arn_member, const char *what,
                         json_t *found, json_t *errors)
{
    store_record rec;
    int rc = store_record_get(ctx->db, &ctx->scope, kind, domain_id, id,
                              ctx->arena, &rec);

    if (rc == STORE_NOT_FOUND)
        rc = json_array_append_new(
            errors, json_pack("{s:s, s:s, s:s}", "id", id, "errorCode",
                              "NotFound", "message",
                              arena_printf(ctx->arena,
                                           "The %s does not exist in this domain",
                                           what)));
    else if (rc != STORE_OK)
        return api_store_failed(ctx, rc);
    else {
        api_set_record_times(rec.doc, &rec);
        if (api_attach_tags(ctx, rec.doc,
                            json_string_value(json_object_get(rec.doc,
                                                              arn_member))) != 0) {
            json_decref(rec.doc);
            return -1;
        }
        rc = json_array_append_new(found, rec.doc);
    }
    return rc == 0 ? 0 : api_fail(ctx, ERR_INTERNAL, "Cannot build the reply");
}

int api_batch_get_records(request_ctx *ctx, resource_kind kind,
                          const char *member, const char *arn_member,
                          const char *what)
{
    const char *domain_id = api_input_str(ctx, "domainId");
    json_t *found = json_array(), *errors = json_array();
    const json_t *entry;
    size_t i;

    if (api_require_domain(ctx, domain_id) != 0)
        goto fail;
    json_array_foreach(json_object_get(ctx->input, member), i, entry) {
        const char *id = json_string_value(json_object_get(entry, "id"));
        if (batch_get_one(ctx, kind, domain_id, id, arn_member, what, found,
                          errors) != 0)
            goto fail;
    }
    ctx->output = json_object();
    json_object_set_new(ctx->output, member, found);
    json_object_set_new(ctx->output, "errors", errors);
    return 0;
fail:
    json_decref(found);
    json_decref(errors);
    return -1;
}
