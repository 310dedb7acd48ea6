/*
 * sqlite_store.c - the embedded SQLite backend of store.h.
 *
 * One sqlite3 handle per pooled connection, in WAL mode so readers never
 * wait for the writer.  Statements are prepared once per connection, on
 * first use, and reset after each use.  Writers take the lock up front
 * (BEGIN IMMEDIATE) so a transaction never fails half-way with a
 * lock-upgrade deadlock; the busy timeout absorbs ordinary contention and
 * store_tx() retries what is left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/backend.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_internal.h"
#include "util/ids.h"
#include "util/jsonw.h"
#include "util/timeutil.h"

#define BUSY_TIMEOUT_MS 5000
/* Page cache of the connection write batches run on, in KiB (the others
 * keep SQLite's 2 MiB). */
#define WRITER_CACHE_KIB "8192"

enum stmt_id {
    ST_META_GET,
    ST_META_PUT,
    ST_RECORD_INSERT,
    ST_RECORD_UPDATE,
    ST_RECORD_GET,
    ST_RECORD_STATE,
    ST_RECORD_LIST,
    ST_RECORD_LIST_LIVE,
    ST_RECORD_COUNT,
    ST_PURGE_RECORDS,
    ST_PURGE_OPTIONS,
    ST_OPTION_PUT,
    ST_OPTION_GET,
    ST_OPTION_COUNT,
    ST_OPTION_LIST,
    ST_TAGS_GET,
    ST_TAG_PUT,
    ST_TAG_REMOVE,
    ST_TAGS_PURGE,
    ST_READ_BEGIN,
    ST_READ_COMMIT,
    ST_READ_ROLLBACK,
    ST__COUNT
};

_Static_assert(ST__COUNT <= 64, "core statements overflow their slots");

static const char *const stmt_sql[ST__COUNT] = {
    [ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [ST_META_PUT] = "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)",
    [ST_RECORD_INSERT] =
        "INSERT INTO records (account, region, kind, domain_id, id, name, "
        "deleted, created_ms, modified_ms, doc) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [ST_RECORD_UPDATE] =
        "UPDATE records SET name = ?6, deleted = ?7, modified_ms = ?9, "
        "doc = ?10 WHERE account = ?1 AND region = ?2 AND kind = ?3 "
        "AND domain_id = ?4 AND id = ?5",
    [ST_RECORD_GET] =
        "SELECT seq, name, deleted, created_ms, modified_ms, doc FROM records "
        "WHERE account = ?1 AND region = ?2 AND kind = ?3 AND domain_id = ?4 "
        "AND id = ?5",
    [ST_RECORD_STATE] =
        "SELECT deleted FROM records WHERE account = ?1 AND region = ?2 "
        "AND kind = ?3 AND domain_id = ?4 AND id = ?5",
    [ST_RECORD_LIST] =
        "SELECT seq, name, deleted, created_ms, modified_ms, doc, id "
        "FROM records WHERE account = ?1 AND region = ?2 AND kind = ?3 "
        "AND domain_id = ?4 AND seq > ?5 ORDER BY seq LIMIT ?6",
    [ST_RECORD_LIST_LIVE] =
        "SELECT seq, name, deleted, created_ms, modified_ms, doc, id "
        "FROM records WHERE account = ?1 AND region = ?2 AND kind = ?3 "
        "AND domain_id = ?4 AND seq > ?5 AND deleted = 0 ORDER BY seq LIMIT ?6",
    [ST_RECORD_COUNT] =
        "SELECT count(*) FROM records WHERE account = ?1 AND region = ?2 "
        "AND kind = ?3 AND domain_id = ?4 AND deleted = ?5",
    [ST_PURGE_RECORDS] =
        "DELETE FROM records WHERE account = ?1 AND region = ?2 "
        "AND (domain_id = ?3 OR (kind = 0 AND id = ?3))",
    [ST_PURGE_OPTIONS] =
        "DELETE FROM field_options WHERE account = ?1 AND region = ?2 "
        "AND domain_id = ?3",
    [ST_OPTION_PUT] =
        "INSERT INTO field_options (account, region, domain_id, field_id, "
        "value, name, active) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
        "ON CONFLICT (account, region, domain_id, field_id, value) "
        "DO UPDATE SET name = excluded.name, active = excluded.active",
    [ST_OPTION_GET] =
        "SELECT name, active FROM field_options WHERE account = ?1 "
        "AND region = ?2 AND domain_id = ?3 AND field_id = ?4 AND value = ?5",
    [ST_OPTION_COUNT] =
        "SELECT count(*) FROM field_options WHERE account = ?1 "
        "AND region = ?2 AND domain_id = ?3 AND field_id = ?4",
    [ST_OPTION_LIST] =
        "SELECT seq, value, name, active FROM field_options WHERE account = ?1 "
        "AND region = ?2 AND domain_id = ?3 AND field_id = ?4 AND seq > ?5 "
        "ORDER BY seq LIMIT ?6",
    [ST_TAGS_GET] = "SELECT key, value FROM tags WHERE arn = ?1 ORDER BY key",
    [ST_TAG_PUT] = "INSERT INTO tags (arn, key, value) VALUES (?1, ?2, ?3) "
                   "ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value",
    [ST_TAG_REMOVE] = "DELETE FROM tags WHERE arn = ?1 AND key = ?2",
    /* '/' + 1 == '0': the range holds exactly the ARNs below arn + "/". */
    [ST_TAGS_PURGE] = "DELETE FROM tags WHERE arn = ?1 OR "
                      "(arn >= ?1 || '/' AND arn < ?1 || '0')",
    [ST_READ_BEGIN] = "BEGIN",
    [ST_READ_COMMIT] = "COMMIT",
    [ST_READ_ROLLBACK] = "ROLLBACK",
};

/* The statement id, prepared on first use; NULL on failure (logged). */
static sqlite3_stmt *stmt(sqlite_conn *c, enum stmt_id id)
{
    return sq_stmt(c, SQ_SLOTS_CORE + id, stmt_sql[id]);
}

/* --- connections and migrations --------------------------------------------- */

static int exec(sqlite_conn *c, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "sqlite: %s\n", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return sq_status_of(rc) == STORE_OK ? STORE_ERROR : sq_status_of(rc);
    }
    return STORE_OK;
}

static int user_version(sqlite_conn *c, int *version)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &s, NULL);
    if (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        *version = sqlite3_column_int(s, 0);
    else
        rc = SQLITE_ERROR;
    sqlite3_finalize(s);
    return rc == SQLITE_OK ? STORE_OK : STORE_ERROR;
}

/* Applies, each in its own transaction, the migrations newer than the
 * database's user_version. */
static int migrate(sqlite_conn *c, char *err, size_t errlen)
{
    int version = 0;
    char pragma[64];

    if (exec(c, "BEGIN IMMEDIATE") != STORE_OK)
        goto fail;
    if (user_version(c, &version) != STORE_OK)
        goto fail_tx;
    /* An upgrade may rebuild an index (migration 017): say why start-up
     * waits.  A new store is not worth a line. */
    if (version > 0 && version < store_migration_count)
        fprintf(stderr, "sqlite: upgrading the store from schema %d to %d\n",
                version, store_migration_count);
    for (int i = 0; i < store_migration_count; i++) {
        const store_migration *m = &store_migrations[i];
        if (m->number <= version)
            continue;
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", m->number);
        if (exec(c, m->sql) != STORE_OK || exec(c, pragma) != STORE_OK) {
            snprintf(err, errlen, "migration %s failed", m->name);
            goto fail_tx;
        }
    }
    if (version > store_migration_count) {
        snprintf(err, errlen,
                 "the store was written by a newer casesd (schema %d > %d)",
                 version, store_migration_count);
        goto fail_tx;
    }
    return exec(c, "COMMIT");
fail_tx:
    exec(c, "ROLLBACK");
fail:
    if (!err[0])
        snprintf(err, errlen, "cannot migrate the store: %s",
                 sqlite3_errmsg(c->db));
    return STORE_ERROR;
}

/*
 * SQLite's memory statistics take one process-wide mutex around every
 * allocation and free, which the event threads then contend for on every
 * read; casesd reads no statistics and sets no heap limit.  The setting
 * applies only before the library is first used (later it fails, and
 * changes nothing), so it is made before the first connection opens.
 */
static void *sq_open(const char *path, char *err, size_t errlen)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return sq_open_shared(path, err, errlen);
}

void sq_conn_close(sqlite_conn *c)
{
    if (!c)
        return;
    for (int i = 0; i < SQ_SLOT_COUNT; i++)
        sqlite3_finalize(c->stmts[i]);
    sq_fts_words_close(c->words);
    sqlite3_close(c->db);
    sq_index_free(c);
    free(c->search_buf);
    free(c);
}

static void sq_disconnect(store_conn *conn)
{
    sq_conn_close(as_sqlite(conn));
}

static sqlite_conn *open_conn(const char *path, void *shared, char *err,
                              size_t errlen);

/* The connection all write batches run on (sq_set_writer).  Its cache
 * holds the pages writes keep returning to (the ends of the tables and
 * the inner pages of every index), across batches.  It does not attach
 * the full-text index (sqlite_fts.c). */
static int open_writer(const char *path, void *shared, char *err,
                       size_t errlen)
{
    sqlite_conn *w = open_conn(path, shared, err, errlen);

    if (!w)
        return STORE_ERROR;
    if (exec(w, "PRAGMA cache_size = -" WRITER_CACHE_KIB) != STORE_OK) {
        snprintf(err, errlen, "cannot configure the writer of %s", path);
        sq_conn_close(w);
        return STORE_ERROR;
    }
    sq_set_writer(shared, w);
    return STORE_OK;
}

static sqlite_conn *open_conn(const char *path, void *shared, char *err,
                              size_t errlen)
{
    sqlite_conn *c = calloc(1, sizeof *c);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                SQLITE_OPEN_NOMUTEX;

    if (!c)
        return NULL;
    c->base.backend = &sqlite_backend;
    c->shared = shared;
    if (sqlite3_open_v2(path, &c->db, flags, sq_vfs()) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path,
                 c->db ? sqlite3_errmsg(c->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
    sq_index_attach(c);
    /* synchronous=NORMAL and no automatic checkpoints: sqlite_commit.c
     * fsyncs each batch of commits and checkpoints in the background. */
    if (exec(c, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                "PRAGMA foreign_keys = OFF; PRAGMA temp_store = MEMORY; "
                "PRAGMA wal_autocheckpoint = 0") !=
        STORE_OK) {
        snprintf(err, errlen, "cannot configure %s: %s", path,
                 sqlite3_errmsg(c->db));
        goto fail;
    }
    return c;
fail:
    sq_conn_close(c);
    return NULL;
}

/* A pooled connection; the first migrates the store, opens its writer and
 * its full-text index, and starts the store's threads. */
static store_conn *sq_connect(const char *path, void *shared, bool first,
                              char *err, size_t errlen)
{
    sqlite_conn *c = open_conn(path, shared, err, errlen);

    if (!c)
        return NULL;
    if (first && (migrate(c, err, errlen) != STORE_OK ||
                  open_writer(path, shared, err, errlen) != STORE_OK ||
                  sq_open_fts(shared, path, err, errlen) != STORE_OK))
        goto fail;
    if (sq_fts_attach(c->db, sq_store_fts(shared)) != STORE_OK) {
        snprintf(err, errlen, "cannot attach the full-text index of %s: %s",
                 path, sqlite3_errmsg(c->db));
        goto fail;
    }
    if (first && sq_start_threads(c->shared) != STORE_OK) {
        snprintf(err, errlen, "cannot start the store's threads for %s", path);
        goto fail;
    }
    return &c->base;
fail:
    sq_conn_close(c);
    return NULL;
}

/* --- read snapshots ------------------------------------------------------------- */

int sq_read_begin(sqlite_conn *c, bool *own)
{
    sqlite3_stmt *s;
    int status;

    *own = false;
    if (!sqlite3_get_autocommit(c->db))
        return STORE_OK;
    s = stmt(c, ST_READ_BEGIN);
    status = s ? sq_run(c, s, "begin read") : STORE_ERROR;
    *own = status == STORE_OK;
    return status;
}

void sq_read_end(sqlite_conn *c, bool own)
{
    sqlite3_stmt *s;

    if (!own)
        return;
    if ((s = stmt(c, ST_READ_COMMIT)))
        sq_run(c, s, "end read");
    /* A transaction left open would pin the log against checkpoints and
     * fail the connection's next BEGIN. */
    if (!sqlite3_get_autocommit(c->db) && (s = stmt(c, ST_READ_ROLLBACK)))
        sq_run(c, s, "end read");
}

/* store_read_begin: depth is kept on the pooled connection itself, which
 * only its holder uses (as_sqlite may point elsewhere during a batch). */
static int sq_snapshot_begin(store_conn *conn)
{
    sqlite_conn *held = (sqlite_conn *)conn;
    bool own = false;
    int status = STORE_OK;

    if (held->read_depth == 0)
        status = sq_read_begin(as_sqlite(conn), &own);
    if (status != STORE_OK)
        return status;
    if (held->read_depth++ == 0)
        held->read_own = own;
    return STORE_OK;
}

static void sq_snapshot_end(store_conn *conn)
{
    sqlite_conn *held = (sqlite_conn *)conn;

    if (held->read_depth == 0 || --held->read_depth > 0)
        return;
    sq_read_end(as_sqlite(conn), held->read_own);
    held->read_own = false;
}

/* --- metadata ----------------------------------------------------------------- */

static int meta_read_key(sqlite_conn *c, unsigned char key[32])
{
    sqlite3_stmt *s = stmt(c, ST_META_GET);
    int status = STORE_NOT_FOUND;

    if (!s)
        return STORE_ERROR;
    sqlite3_bind_text(s, 1, "token_key", -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_bytes(s, 0) == 32) {
        memcpy(key, sqlite3_column_blob(s, 0), 32);
        status = STORE_OK;
    }
    sq_done(s);
    return status;
}

static int sq_token_key(store_conn *conn, unsigned char key[32])
{
    sqlite_conn *c = as_sqlite(conn);
    unsigned char fresh[32];
    sqlite3_stmt *s;
    int status;

    if (meta_read_key(c, key) == STORE_OK)
        return STORE_OK;
    if (id_random_bytes(fresh, sizeof fresh) != 0)
        return STORE_ERROR;
    s = stmt(c, ST_META_PUT);
    if (!s)
        return STORE_ERROR;
    sqlite3_bind_text(s, 1, "token_key", -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, fresh, sizeof fresh, SQLITE_STATIC);
    status = sq_run(c, s, "token key");
    /* Read back: another process may have won the insert. */
    return status == STORE_OK ? meta_read_key(c, key) : status;
}

static int sq_config_version(store_conn *conn, int64_t *version)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_META_GET);
    int status;

    if (!s)
        return STORE_ERROR;
    sqlite3_bind_text(s, 1, "config_version", -1, SQLITE_STATIC);
    status = sq_step_int64(c, s, version, "config version");
    if (status != STORE_NOT_FOUND)
        return status;
    fprintf(stderr, "sqlite: meta holds no config_version\n");
    return STORE_ERROR;
}

/* --- records -------------------------------------------------------------------- */

static const char *domain_key(const char *domain_id)
{
    return domain_id ? domain_id : "";
}

static void bind_record(sqlite3_stmt *s, const store_scope *scope,
                        const store_record *rec, const char *doc)
{
    sq_bind_scope(s, scope);
    sqlite3_bind_int(s, 3, (int)rec->kind);
    sq_bind_text(s, 4, domain_key(rec->domain_id));
    sq_bind_text(s, 5, rec->id);
    sq_bind_text(s, 6, rec->name);
    sqlite3_bind_int(s, 7, rec->deleted ? 1 : 0);
    sqlite3_bind_int64(s, 8, rec->created_ms);
    sqlite3_bind_int64(s, 9, rec->modified_ms);
    sq_bind_text(s, 10, doc);
}

static int write_record(sqlite_conn *c, enum stmt_id id,
                        const store_scope *scope, const store_record *rec)
{
    sqlite3_stmt *s = stmt(c, id);
    char *doc = jsonw_dump(rec->doc, NULL);
    int status = STORE_ERROR;

    if (!s || !doc)
        goto cleanup;
    bind_record(s, scope, rec, doc);
    status = sq_run(c, s, "write record");
    if (status == STORE_OK && sqlite3_changes(c->db) == 0)
        status = STORE_NOT_FOUND;
cleanup:
    free(doc);
    return status;
}

static int sq_record_insert(store_conn *conn, const store_scope *scope,
                            store_record *rec)
{
    sqlite_conn *c = as_sqlite(conn);
    int status = write_record(c, ST_RECORD_INSERT, scope, rec);
    if (status == STORE_OK)
        rec->seq = sqlite3_last_insert_rowid(c->db);
    return status;
}

static int sq_record_update(store_conn *conn, const store_scope *scope,
                            const store_record *rec)
{
    return write_record(as_sqlite(conn), ST_RECORD_UPDATE, scope, rec);
}

/* Fills out from a row of (seq, name, deleted, created, modified, doc). */
static int read_record_row(sqlite3_stmt *s, store_record *out)
{
    json_error_t jerr;

    out->seq = sqlite3_column_int64(s, 0);
    out->name = (const char *)sqlite3_column_text(s, 1);
    out->deleted = sqlite3_column_int(s, 2) != 0;
    out->created_ms = sqlite3_column_int64(s, 3);
    out->modified_ms = sqlite3_column_int64(s, 4);
    out->doc = sq_column_json(s, 5, &jerr);
    if (!out->doc) {
        fprintf(stderr, "sqlite: corrupt record document: %s\n", jerr.text);
        return STORE_ERROR;
    }
    return STORE_OK;
}

static void bind_kind(sqlite3_stmt *s, const store_scope *scope,
                      resource_kind kind, const char *domain_id)
{
    sq_bind_scope(s, scope);
    sqlite3_bind_int(s, 3, (int)kind);
    sq_bind_text(s, 4, domain_key(domain_id));
}

static int sq_record_get(store_conn *conn, const store_scope *scope,
                         resource_kind kind, const char *domain_id,
                         const char *id, arena *a, store_record *out)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_RECORD_GET);
    int rc, status;

    if (!s)
        return STORE_ERROR;
    bind_kind(s, scope, kind, domain_id);
    sq_bind_text(s, 5, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        status = read_record_row(s, out);
        out->kind = kind;
        out->domain_id = domain_id ? arena_strdup(a, domain_id) : NULL;
        out->id = arena_strdup(a, id);
        out->name = sq_column_dup(a, s, 1);
    } else {
        status = rc == SQLITE_DONE ? STORE_NOT_FOUND : sq_log_error(c, "get", rc);
    }
    sq_done(s);
    return status;
}

static int sq_record_state(store_conn *conn, const store_scope *scope,
                           resource_kind kind, const char *domain_id,
                           const char *id, bool *deleted)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_RECORD_STATE);
    int rc, status = STORE_OK;

    if (!s)
        return STORE_ERROR;
    bind_kind(s, scope, kind, domain_id);
    sq_bind_text(s, 5, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *deleted = sqlite3_column_int(s, 0) != 0;
    else
        status = rc == SQLITE_DONE ? STORE_NOT_FOUND : sq_log_error(c, "state", rc);
    sq_done(s);
    return status;
}

static int sq_record_list(store_conn *conn, const store_scope *scope,
                          resource_kind kind, const char *domain_id,
                          const store_list_query *q, store_record_cb cb,
                          void *arg)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s =
        stmt(c, q->include_deleted ? ST_RECORD_LIST : ST_RECORD_LIST_LIVE);
    int rc, status = STORE_OK;

    if (!s)
        return STORE_ERROR;
    bind_kind(s, scope, kind, domain_id);
    sqlite3_bind_int64(s, 5, q->after_seq);
    sqlite3_bind_int(s, 6, q->limit);
    while (status == STORE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_record rec = {.kind = kind, .domain_id = domain_id};
        rec.id = (const char *)sqlite3_column_text(s, 6);
        status = read_record_row(s, &rec);
        if (status == STORE_OK)
            status = cb(&rec, arg);
        json_decref(rec.doc);
    }
    if (status == STORE_OK && rc != SQLITE_DONE)
        status = sq_log_error(c, "list", rc);
    sq_done(s);
    return status;
}

static int count_rows(sqlite_conn *c, sqlite3_stmt *s, int64_t *count)
{
    int rc = sqlite3_step(s);
    int status = STORE_OK;

    if (rc == SQLITE_ROW)
        *count = sqlite3_column_int64(s, 0);
    else
        status = sq_log_error(c, "count", rc);
    sq_done(s);
    return status;
}

static int sq_record_count(store_conn *conn, const store_scope *scope,
                           resource_kind kind, const char *domain_id,
                           bool deleted, int64_t *count)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_RECORD_COUNT);

    if (!s)
        return STORE_ERROR;
    bind_kind(s, scope, kind, domain_id);
    sqlite3_bind_int(s, 5, deleted ? 1 : 0);
    return count_rows(c, s, count);
}

static int sq_domain_purge(store_conn *conn, const store_scope *scope,
                           const char *domain_id)
{
    sqlite_conn *c = as_sqlite(conn);
    static const enum stmt_id purges[] = {ST_PURGE_RECORDS, ST_PURGE_OPTIONS};
    int status = sq_cases_purge_domain(c, scope, domain_id);

    for (size_t i = 0; status == STORE_OK && i < sizeof purges / sizeof purges[0];
         i++) {
        sqlite3_stmt *s = stmt(c, purges[i]);
        if (!s)
            return STORE_ERROR;
        sq_bind_scope(s, scope);
        sq_bind_text(s, 3, domain_id);
        status = sq_run(c, s, "purge domain");
    }
    return status;
}

/* --- field options ------------------------------------------------------------ */

static void bind_field(sqlite3_stmt *s, const store_scope *scope,
                       const char *domain_id, const char *field_id)
{
    sq_bind_scope(s, scope);
    sq_bind_text(s, 3, domain_id);
    sq_bind_text(s, 4, field_id);
}

static int sq_option_put(store_conn *conn, const store_scope *scope,
                         const char *domain_id, const char *field_id,
                         const store_option *opt)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_OPTION_PUT);

    if (!s)
        return STORE_ERROR;
    bind_field(s, scope, domain_id, field_id);
    sq_bind_text(s, 5, opt->value);
    sq_bind_text(s, 6, opt->name);
    sqlite3_bind_int(s, 7, opt->active ? 1 : 0);
    return sq_run(c, s, "put option");
}

static int sq_option_get(store_conn *conn, const store_scope *scope,
                         const char *domain_id, const char *field_id,
                         const char *value, arena *a, store_option *out)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_OPTION_GET);
    int rc, status = STORE_OK;

    if (!s)
        return STORE_ERROR;
    bind_field(s, scope, domain_id, field_id);
    sq_bind_text(s, 5, value);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->value = arena_strdup(a, value);
        out->name = sq_column_dup(a, s, 0);
        out->active = sqlite3_column_int(s, 1) != 0;
    } else {
        status = rc == SQLITE_DONE ? STORE_NOT_FOUND
                                   : sq_log_error(c, "get option", rc);
    }
    sq_done(s);
    return status;
}

static int sq_option_count(store_conn *conn, const store_scope *scope,
                           const char *domain_id, const char *field_id,
                           int64_t *count)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_OPTION_COUNT);

    if (!s)
        return STORE_ERROR;
    bind_field(s, scope, domain_id, field_id);
    return count_rows(c, s, count);
}

static int sq_option_list(store_conn *conn, const store_scope *scope,
                          const char *domain_id, const char *field_id,
                          int64_t after_seq, int limit, store_option_cb cb,
                          void *arg)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_OPTION_LIST);
    int rc, status = STORE_OK;

    if (!s)
        return STORE_ERROR;
    bind_field(s, scope, domain_id, field_id);
    sqlite3_bind_int64(s, 5, after_seq);
    sqlite3_bind_int(s, 6, limit);
    while (status == STORE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_option opt = {
            .value = (const char *)sqlite3_column_text(s, 1),
            .name = (const char *)sqlite3_column_text(s, 2),
            .active = sqlite3_column_int(s, 3) != 0,
        };
        status = cb(&opt, sqlite3_column_int64(s, 0), arg);
    }
    if (status == STORE_OK && rc != SQLITE_DONE)
        status = sq_log_error(c, "list options", rc);
    sq_done(s);
    return status;
}

/* --- tags ------------------------------------------------------------------------ */

static int sq_tags_get(store_conn *conn, const char *arn, json_t **tags)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_TAGS_GET);
    json_t *obj = json_object();
    int rc, status = STORE_OK;

    if (!s || !obj) {
        json_decref(obj);
        return STORE_ERROR;
    }
    sq_bind_text(s, 1, arn);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        json_object_set_new(obj, (const char *)sqlite3_column_text(s, 0),
                            json_string((const char *)sqlite3_column_text(s, 1)));
    }
    if (rc != SQLITE_DONE)
        status = sq_log_error(c, "get tags", rc);
    sq_done(s);
    if (status != STORE_OK) {
        json_decref(obj);
        return status;
    }
    *tags = obj;
    return STORE_OK;
}

static int sq_tags_put(store_conn *conn, const char *arn, json_t *tags)
{
    sqlite_conn *c = as_sqlite(conn);
    const char *key;
    json_t *value;

    json_object_foreach(tags, key, value) {
        sqlite3_stmt *s = stmt(c, ST_TAG_PUT);
        int status;
        if (!s)
            return STORE_ERROR;
        sq_bind_text(s, 1, arn);
        sq_bind_text(s, 2, key);
        sq_bind_text(s, 3, json_string_value(value));
        status = sq_run(c, s, "put tag");
        if (status != STORE_OK)
            return status;
    }
    return STORE_OK;
}

static int sq_tags_remove(store_conn *conn, const char *arn,
                          const char *const *keys)
{
    sqlite_conn *c = as_sqlite(conn);

    for (; *keys; keys++) {
        sqlite3_stmt *s = stmt(c, ST_TAG_REMOVE);
        int status;
        if (!s)
            return STORE_ERROR;
        sq_bind_text(s, 1, arn);
        sq_bind_text(s, 2, *keys);
        status = sq_run(c, s, "remove tag");
        if (status != STORE_OK)
            return status;
    }
    return STORE_OK;
}

static int sq_tags_purge(store_conn *conn, const char *arn)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_TAGS_PURGE);
    if (!s)
        return STORE_ERROR;
    sq_bind_text(s, 1, arn);
    return sq_run(c, s, "purge tags");
}

const store_backend sqlite_backend = {
    .name = "sqlite",
    .open_shared = sq_open,
    .close_shared = sq_close_shared,
    .connect = sq_connect,
    .disconnect = sq_disconnect,
    .tx = sq_tx,
    .tx_checked = sq_tx_checked,
    .tx_checked_later = sq_tx_checked_later,
    .read_begin = sq_snapshot_begin,
    .read_end = sq_snapshot_end,
    .token_key = sq_token_key,
    .config_version = sq_config_version,
    .record_insert = sq_record_insert,
    .record_update = sq_record_update,
    .record_state = sq_record_state,
    .record_get = sq_record_get,
    .record_list = sq_record_list,
    .record_count = sq_record_count,
    .domain_purge = sq_domain_purge,
    .option_put = sq_option_put,
    .option_get = sq_option_get,
    .option_count = sq_option_count,
    .option_list = sq_option_list,
    .tags_get = sq_tags_get,
    .tags_put = sq_tags_put,
    .tags_remove = sq_tags_remove,
    .tags_purge = sq_tags_purge,
    .case_insert = sq_case_insert,
    .case_get = sq_case_get,
    .case_get_text = sq_case_get_text,
    .case_update = sq_case_update,
    .case_delete = sq_case_delete,
    .audit_append = sq_audit_append,
    .audit_list = sq_audit_list,
    .idempotency_put = sq_idempotency_put,
    .idempotency_get = sq_idempotency_get,
    .cases_search = sq_cases_search,
    .related_insert = sq_related_insert,
    .related_get = sq_related_get,
    .related_update = sq_related_update,
    .related_delete = sq_related_delete,
    .related_count = sq_related_count,
    .related_list = sq_related_list,
    .related_search = sq_related_search,
    .contact_cases = sq_contact_cases,
};
