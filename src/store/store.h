/*
 * store.h - the storage interface.  No SQL above this line.
 *
 * The API layer speaks to storage only through these functions.  A backend
 * (store/sqlite/ now; store/pg/ for PostgreSQL) fills a store_backend table
 * (store/backend.h) and store.c dispatches to it, so a new backend changes
 * nothing above this header.
 *
 * Connections: a store owns a fixed pool of connections, one per HTTP
 * worker.  A request takes one with store_acquire() and gives it back with
 * store_release() in its completion callback.
 *
 * Transactions: every write happens inside store_tx().  The callback may
 * run more than once (the runner retries when the database is busy), so it
 * must not have side effects outside the connection and its own argument.
 *
 * Scoping: every resource lives in an (account, region) scope; a resource
 * is never visible through another scope.
 *
 * Configuration resources (domains, fields, layouts, templates, case rules)
 * are stored as records: fixed columns the server queries on (id, name,
 * deleted, times, insertion sequence) plus a JSON document with the rest of
 * the resource as the API returns it.
 *
 * Results: STORE_OK, or a negative store_status; strings returned are
 * arena-owned (the arena passed in), json_t values are owned by the caller
 * (json_decref them).
 */
#ifndef CASESD_STORE_H
#define CASESD_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/arena.h"

typedef enum {
    STORE_OK = 0,
    STORE_NOT_FOUND = -1,
    STORE_CONFLICT = -2, /* a unique name or key is taken */
    STORE_BUSY = -3,     /* retry: lock contention that outlived the runner */
    STORE_ERROR = -4,    /* anything else; the backend logged it */
} store_status;

typedef struct store store;
typedef struct store_conn store_conn;

typedef struct {
    const char *account;
    const char *region;
} store_scope;

typedef enum {
    RES_DOMAIN,
    RES_FIELD,
    RES_LAYOUT,
    RES_TEMPLATE,
    RES_CASE_RULE,
    RES__COUNT
} resource_kind;

typedef struct {
    resource_kind kind;
    const char *domain_id; /* NULL for RES_DOMAIN */
    const char *id;
    const char *name;
    bool deleted;
    int64_t created_ms;
    int64_t modified_ms;
    int64_t seq;           /* insertion order, assigned by the store */
    json_t *doc;           /* owned by the record holder */
} store_record;

/* --- lifecycle ------------------------------------------------------------ */

/*
 * Opens the store named by url ("path/to/file.db"; "postgresql://..." once
 * that backend exists) with pool_size connections, applying migrations.
 * On failure returns NULL and writes a message into err.
 */
store *store_open(const char *url, int pool_size, char *err, size_t errlen);
void store_close(store *st);
/* Blocks until a pooled connection is free. */
store_conn *store_acquire(store *st);
void store_release(store *st, store_conn *conn);

/* --- transactions ----------------------------------------------------------- */

typedef int (*store_tx_fn)(store_conn *conn, void *arg);
/*
 * Runs fn inside a write transaction, retrying on lock contention.  Commits
 * when fn returns 0, rolls back otherwise; returns fn's value, or a
 * store_status when the store itself failed.
 */
int store_tx(store_conn *conn, store_tx_fn fn, void *arg);

/* --- server metadata -------------------------------------------------------- */

/*
 * Returns in key the 32-byte secret the server signs pagination tokens
 * with, creating it on first use so tokens stay valid across restarts.
 */
int store_token_key(store_conn *conn, unsigned char key[32]);

/* --- configuration records -------------------------------------------------- */

/* Inserts rec (rec->seq is set). STORE_CONFLICT when a live record of the
 * same kind and domain already has rec->name (names unique per domain;
 * domain names unique per scope). */
int store_record_insert(store_conn *conn, const store_scope *scope,
                        store_record *rec);
/* Replaces name, deleted, modified_ms and doc of an existing record. */
int store_record_update(store_conn *conn, const store_scope *scope,
                        const store_record *rec);
/* Loads one record (deleted ones included). */
int store_record_get(store_conn *conn, const store_scope *scope,
                     resource_kind kind, const char *domain_id, const char *id,
                     arena *a, store_record *out);

typedef struct {
    bool include_deleted;
    int64_t after_seq; /* return records with seq > after_seq */
    int limit;         /* at most this many */
} store_list_query;

typedef int (*store_record_cb)(const store_record *rec, void *arg);
/* Calls cb for each record in seq order; a non-zero return stops the walk
 * and is returned.  The record and its doc are valid only during the call. */
int store_record_list(store_conn *conn, const store_scope *scope,
                      resource_kind kind, const char *domain_id,
                      const store_list_query *q, store_record_cb cb, void *arg);
/* Number of records of kind in domain (deleted ones when deleted is true,
 * live ones otherwise). */
int store_record_count(store_conn *conn, const store_scope *scope,
                       resource_kind kind, const char *domain_id, bool deleted,
                       int64_t *count);
/* Removes a domain and everything in it (records, options, tags, cases). */
int store_domain_purge(store_conn *conn, const store_scope *scope,
                       const char *domain_id);

/* --- field options ---------------------------------------------------------- */

typedef struct {
    const char *name;
    const char *value;
    bool active;
} store_option;

/* Creates or replaces the option keyed by opt->value. */
int store_option_put(store_conn *conn, const store_scope *scope,
                     const char *domain_id, const char *field_id,
                     const store_option *opt);
/* Loads the option with value; STORE_NOT_FOUND when there is none. */
int store_option_get(store_conn *conn, const store_scope *scope,
                     const char *domain_id, const char *field_id,
                     const char *value, arena *a, store_option *out);
int store_option_count(store_conn *conn, const store_scope *scope,
                       const char *domain_id, const char *field_id,
                       int64_t *count);

typedef int (*store_option_cb)(const store_option *opt, int64_t seq, void *arg);
/* Options of a field in insertion order after after_seq, at most limit. */
int store_option_list(store_conn *conn, const store_scope *scope,
                      const char *domain_id, const char *field_id,
                      int64_t after_seq, int limit, store_option_cb cb,
                      void *arg);

/* --- tags ------------------------------------------------------------------- */

/* Tags are keyed by the resource ARN (which carries account and region). */
/* Returns a new JSON object {key: value} (empty when untagged) in *tags. */
int store_tags_get(store_conn *conn, const char *arn, json_t **tags);
/* Sets every key of tags (an object of strings), keeping other keys. */
int store_tags_put(store_conn *conn, const char *arn, json_t *tags);
/* Removes keys (a NULL-terminated array); absent keys are ignored. */
int store_tags_remove(store_conn *conn, const char *arn,
                      const char *const *keys);
/* Removes every tag of arn and of every ARN that starts with arn + "/". */
int store_tags_purge(store_conn *conn, const char *arn);

#endif
