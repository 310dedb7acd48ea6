/*
 * store.c - the backend-independent half of the storage interface: the
 * connection pool, the transaction runner, and dispatch to the backend
 * chosen by the store URL.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/backend.h"


struct store {
    const store_backend *backend;
    void *shared; /* the backend's state for all connections */
    pthread_mutex_t lock;
    pthread_cond_t freed;
    char *url;
    int max_size;   /* connections the pool may open */
    int pool_size;  /* connections opened (or being opened) so far */
    int free_count;
    store_conn **free_conns; /* stack of idle connections */
    store_conn **all_conns;
};

static const store_backend *backend_for(const char *url, char *err,
                                        size_t errlen)
{
    if (strncmp(url, "postgresql://", 13) == 0 ||
        strncmp(url, "postgres://", 11) == 0) {
        snprintf(err, errlen,
                 "the PostgreSQL store is not available in this build yet; "
                 "use a SQLite file path for --store");
        return NULL;
    }
    return &sqlite_backend;
}

store *store_open(const char *url, int pool_size, char *err, size_t errlen)
{
    const store_backend *backend = backend_for(url, err, errlen);
    store *st = NULL;

    if (!backend)
        return NULL;
    if (pool_size < 1)
        pool_size = 1;
    st = calloc(1, sizeof *st);
    if (!st)
        goto fail;
    st->backend = backend;
    st->max_size = pool_size;
    st->url = strdup(url);
    st->all_conns = calloc((size_t)pool_size, sizeof *st->all_conns);
    st->free_conns = calloc((size_t)pool_size, sizeof *st->free_conns);
    if (!st->url || !st->all_conns || !st->free_conns)
        goto fail;
    pthread_mutex_init(&st->lock, NULL);
    pthread_cond_init(&st->freed, NULL);
    st->shared = backend->open_shared(url, err, errlen);
    if (!st->shared)
        goto fail;
    /* The first connection migrates the schema; the others are opened
     * when first needed (store_acquire), so start-up stays fast and an idle
     * server holds few. */
    st->all_conns[0] = backend->connect(url, st->shared, true, err, errlen);
    if (!st->all_conns[0])
        goto fail;
    st->free_conns[0] = st->all_conns[0];
    st->pool_size = 1;
    st->free_count = 1;
    return st;
fail:
    if (st && !err[0])
        snprintf(err, errlen, "out of memory opening the store");
    store_close(st);
    return NULL;
}

void store_close(store *st)
{
    if (!st)
        return;
    for (int i = 0; i < st->pool_size; i++)
        if (st->all_conns[i]) /* a failed grow() leaves a hole */
            st->backend->disconnect(st->all_conns[i]);
    if (st->shared)
        st->backend->close_shared(st->shared);
    if (st->all_conns) {
        pthread_mutex_destroy(&st->lock);
        pthread_cond_destroy(&st->freed);
    }
    free(st->all_conns);
    free(st->free_conns);
    free(st->url);
    free(st);
}

/* Opens one more pooled connection; called with st->lock held, which it
 * drops while connecting.  NULL when that failed (logged). */
static store_conn *grow(store *st)
{
    char err[256] = "";
    int slot = st->pool_size++;
    store_conn *conn;

    pthread_mutex_unlock(&st->lock);
    conn = st->backend->connect(st->url, st->shared, false, err, sizeof err);
    pthread_mutex_lock(&st->lock);
    if (conn) {
        st->all_conns[slot] = conn;
        return conn;
    }
    fprintf(stderr, "store: cannot open another connection: %s\n", err);
    /* Give the slot back only if it is the last one, so all_conns stays
     * dense; otherwise the pool simply stays one smaller. */
    if (slot == st->pool_size - 1)
        st->pool_size--;
    else
        st->max_size--;
    return NULL;
}

store_conn *store_acquire(store *st)
{
    store_conn *conn = NULL;

    pthread_mutex_lock(&st->lock);
    while (!conn) {
        if (st->free_count > 0)
            conn = st->free_conns[--st->free_count];
        else if (st->pool_size < st->max_size)
            conn = grow(st);
        else
            pthread_cond_wait(&st->freed, &st->lock);
    }
    pthread_mutex_unlock(&st->lock);
    return conn;
}

void store_release(store *st, store_conn *conn)
{
    if (!conn)
        return;
    pthread_mutex_lock(&st->lock);
    st->free_conns[st->free_count++] = conn;
    pthread_cond_signal(&st->freed);
    pthread_mutex_unlock(&st->lock);
}

int store_tx(store_conn *conn, store_tx_fn fn, void *arg)
{
    return conn->backend->tx(conn, fn, arg);
}

int store_tx_checked(store_conn *conn, store_tx_fn fn, void *arg)
{
    return conn->backend->tx_checked(conn, fn, arg);
}

bool store_can_defer(const store *st)
{
    return st->backend->tx_checked_later != NULL;
}

int store_tx_checked_later(store_conn *conn, store_tx_fn fn, void *arg,
                           store_tx_done_fn done, void *done_arg)
{
    if (conn->backend->tx_checked_later)
        return conn->backend->tx_checked_later(conn, fn, arg, done, done_arg);
    done(done_arg, conn->backend->tx_checked(conn, fn, arg));
    return STORE_OK;
}

int store_read_begin(store_conn *conn)
{
    return conn->backend->read_begin(conn);
}

void store_read_end(store_conn *conn)
{
    conn->backend->read_end(conn);
}

int store_token_key(store_conn *c, unsigned char key[32])
{
    return c->backend->token_key(c, key);
}

int store_config_version(store_conn *c, int64_t *version)
{
    return c->backend->config_version(c, version);
}

int store_record_insert(store_conn *c, const store_scope *s, store_record *r)
{
    return c->backend->record_insert(c, s, r);
}

int store_record_update(store_conn *c, const store_scope *s,
                        const store_record *r)
{
    return c->backend->record_update(c, s, r);
}

int store_record_state(store_conn *c, const store_scope *s,
                       resource_kind kind, const char *domain_id,
                       const char *id, bool *deleted)
{
    return c->backend->record_state(c, s, kind, domain_id, id, deleted);
}

int store_record_get(store_conn *c, const store_scope *s, resource_kind kind,
                     const char *domain_id, const char *id, arena *a,
                     store_record *out)
{
    return c->backend->record_get(c, s, kind, domain_id, id, a, out);
}

int store_record_list(store_conn *c, const store_scope *s, resource_kind kind,
                      const char *domain_id, const store_list_query *q,
                      store_record_cb cb, void *arg)
{
    return c->backend->record_list(c, s, kind, domain_id, q, cb, arg);
}

int store_record_count(store_conn *c, const store_scope *s, resource_kind kind,
                       const char *domain_id, bool deleted, int64_t *count)
{
    return c->backend->record_count(c, s, kind, domain_id, deleted, count);
}

int store_domain_purge(store_conn *c, const store_scope *s,
                       const char *domain_id)
{
    return c->backend->domain_purge(c, s, domain_id);
}

int store_option_put(store_conn *c, const store_scope *s,
                     const char *domain_id, const char *field_id,
                     const store_option *opt)
{
    return c->backend->option_put(c, s, domain_id, field_id, opt);
}

int store_option_get(store_conn *c, const store_scope *s,
                     const char *domain_id, const char *field_id,
                     const char *value, arena *a, store_option *out)
{
    return c->backend->option_get(c, s, domain_id, field_id, value, a, out);
}

int store_option_count(store_conn *c, const store_scope *s,
                       const char *domain_id, const char *field_id,
                       int64_t *count)
{
    return c->backend->option_count(c, s, domain_id, field_id, count);
}

int store_option_list(store_conn *c, const store_scope *s,
                      const char *domain_id, const char *field_id,
                      int64_t after_seq, int limit, store_option_cb cb,
                      void *arg)
{
    return c->backend->option_list(c, s, domain_id, field_id, after_seq, limit,
                                   cb, arg);
}

int store_tags_get(store_conn *c, const char *arn, json_t **tags)
{
    return c->backend->tags_get(c, arn, tags);
}

int store_tags_put(store_conn *c, const char *arn, json_t *tags)
{
    return c->backend->tags_put(c, arn, tags);
}

int store_tags_remove(store_conn *c, const char *arn, const char *const *keys)
{
    return c->backend->tags_remove(c, arn, keys);
}

int store_tags_purge(store_conn *c, const char *arn)
{
    return c->backend->tags_purge(c, arn);
}

int store_case_insert(store_conn *c, const store_scope *s, store_case *cs)
{
    return c->backend->case_insert(c, s, cs);
}

int store_case_get(store_conn *c, const store_scope *s, const char *domain_id,
                   const char *case_id, arena *a, store_case *out)
{
    return c->backend->case_get(c, s, domain_id, case_id, a, out);
}

int store_case_get_text(store_conn *c, const store_scope *s,
                        const char *domain_id, const char *case_id,
                        const char *tags_arn, arena *a, store_case *out,
                        json_t **tags)
{
    return c->backend->case_get_text(c, s, domain_id, case_id, tags_arn, a,
                                     out, tags);
}

int store_case_update(store_conn *c, const store_scope *s,
                      const store_case *cs)
{
    return c->backend->case_update(c, s, cs);
}

int store_case_delete(store_conn *c, const store_scope *s,
                      const char *domain_id, const char *case_id)
{
    return c->backend->case_delete(c, s, domain_id, case_id);
}

int store_audit_append(store_conn *c, const store_scope *s,
                       const char *domain_id, const char *case_id,
                       store_audit_event *ev)
{
    return c->backend->audit_append(c, s, domain_id, case_id, ev);
}

int store_audit_list(store_conn *c, const store_scope *s,
                     const char *domain_id, const char *case_id,
                     int64_t before_seq, int limit, store_audit_cb cb,
                     void *arg)
{
    return c->backend->audit_list(c, s, domain_id, case_id, before_seq, limit,
                                  cb, arg);
}

int store_idempotency_put(store_conn *c, const store_scope *s,
                          const char *domain_id, const char *token,
                          const char *request_hash, const char *case_id,
                          int64_t expires_ms)
{
    return c->backend->idempotency_put(c, s, domain_id, token, request_hash,
                                       case_id, expires_ms);
}

int store_idempotency_get(store_conn *c, const store_scope *s,
                          const char *domain_id, const char *token,
                          int64_t now_ms, arena *a, const char **request_hash,
                          const char **case_id)
{
    return c->backend->idempotency_get(c, s, domain_id, token, now_ms, a,
                                       request_hash, case_id);
}

int store_cases_search(store_conn *c, const store_scope *s,
                       const store_search_query *q, store_search_cb cb,
                       void *arg, int64_t *total, int64_t *max_seq)
{
    return c->backend->cases_search(c, s, q, cb, arg, total, max_seq);
}

int store_related_insert(store_conn *c, const store_scope *s,
                         store_related_item *item)
{
    return c->backend->related_insert(c, s, item);
}

int store_related_get(store_conn *c, const store_scope *s,
                      const char *domain_id, const char *case_id,
                      const char *item_id, arena *a, store_related_item *out)
{
    return c->backend->related_get(c, s, domain_id, case_id, item_id, a, out);
}

int store_related_update(store_conn *c, const store_scope *s,
                         const store_related_item *item)
{
    return c->backend->related_update(c, s, item);
}

int store_related_delete(store_conn *c, const store_scope *s,
                         const char *domain_id, const char *case_id,
                         const char *item_id)
{
    return c->backend->related_delete(c, s, domain_id, case_id, item_id);
}

int store_related_count(store_conn *c, const store_scope *s,
                        const char *domain_id, const char *case_id,
                        const char *type, int64_t *count)
{
    return c->backend->related_count(c, s, domain_id, case_id, type, count);
}

int store_related_list(store_conn *c, const store_scope *s,
                       const char *domain_id, const char *case_id,
                       int64_t before_seq, int limit, store_related_cb cb,
                       void *arg)
{
    return c->backend->related_list(c, s, domain_id, case_id, before_seq,
                                    limit, cb, arg);
}

int store_related_search(store_conn *c, const store_scope *s,
                         const store_related_query *q, store_related_cb cb,
                         void *arg)
{
    return c->backend->related_search(c, s, q, cb, arg);
}

int store_contact_cases(store_conn *c, const store_scope *s,
                        const char *domain_id, const char *contact_arn,
                        int64_t after_seq, int limit, store_contact_case_cb cb,
                        void *arg)
{
    return c->backend->contact_cases(c, s, domain_id, contact_arn, after_seq,
                                     limit, cb, arg);
}
