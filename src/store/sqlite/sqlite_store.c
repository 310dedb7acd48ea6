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
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/backend.h"
#include "store/sqlite/migrations.h"
#include "util/ids.h"
#include "util/timeutil.h"

#define BUSY_TIMEOUT_MS 5000

enum stmt_id {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_META_GET,
    ST_META_PUT,
    ST_RECORD_INSERT,
    ST_RECORD_UPDATE,
    ST_RECORD_GET,
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
    ST_CASE_INSERT,
    ST_CASE_GET,
    ST_CASE_UPDATE,
    ST_CASE_DELETE,
    ST_CASE_AUDIT_DELETE,
    ST_PURGE_AUDIT,
    ST_PURGE_CASES,
    ST_PURGE_TOKENS,
    ST_AUDIT_INSERT,
    ST_AUDIT_LIST,
    ST_TOKEN_PUT,
    ST_TOKEN_GET,
    ST_TOKEN_EXPIRE,
    ST__COUNT
};

static const char *const stmt_sql[ST__COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
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
    [ST_CASE_INSERT] =
        "INSERT INTO cases (account, region, domain_id, case_id, template_id, "
        "created_ms, updated_ms, fields) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_CASE_GET] =
        "SELECT seq, template_id, created_ms, updated_ms, fields FROM cases "
        "WHERE account = ?1 AND region = ?2 AND domain_id = ?3 AND case_id = ?4",
    [ST_CASE_UPDATE] =
        "UPDATE cases SET updated_ms = ?5, fields = ?6 WHERE account = ?1 "
        "AND region = ?2 AND domain_id = ?3 AND case_id = ?4",
    [ST_CASE_DELETE] =
        "DELETE FROM cases WHERE account = ?1 AND region = ?2 "
        "AND domain_id = ?3 AND case_id = ?4 RETURNING seq",
    [ST_CASE_AUDIT_DELETE] = "DELETE FROM case_audit WHERE case_seq = ?1",
    [ST_PURGE_AUDIT] =
        "DELETE FROM case_audit WHERE case_seq IN (SELECT seq FROM cases "
        "WHERE account = ?1 AND region = ?2 AND domain_id = ?3)",
    [ST_PURGE_CASES] =
        "DELETE FROM cases WHERE account = ?1 AND region = ?2 AND domain_id = ?3",
    [ST_PURGE_TOKENS] =
        "DELETE FROM idempotency WHERE account = ?1 AND region = ?2 "
        "AND domain_id = ?3",
    [ST_AUDIT_INSERT] =
        "INSERT INTO case_audit (case_seq, event_id, type, related_item_type, "
        "performed_ms, fields, performed_by) SELECT seq, ?5, ?6, ?7, ?8, ?9, "
        "?10 FROM cases WHERE account = ?1 AND region = ?2 AND domain_id = ?3 "
        "AND case_id = ?4",
    [ST_AUDIT_LIST] =
        "SELECT a.seq, a.event_id, a.type, a.related_item_type, "
        "a.performed_ms, a.fields, a.performed_by FROM case_audit a "
        "JOIN cases c ON c.seq = a.case_seq WHERE c.account = ?1 "
        "AND c.region = ?2 AND c.domain_id = ?3 AND c.case_id = ?4 "
        "AND a.seq < ?5 ORDER BY a.seq DESC LIMIT ?6",
    [ST_TOKEN_PUT] =
        "INSERT INTO idempotency (account, region, domain_id, token, "
        "request_hash, case_id, expires_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
        "ON CONFLICT DO UPDATE SET request_hash = excluded.request_hash, "
        "case_id = excluded.case_id, expires_ms = excluded.expires_ms",
    [ST_TOKEN_GET] =
        "SELECT request_hash, case_id FROM idempotency WHERE account = ?1 "
        "AND region = ?2 AND domain_id = ?3 AND token = ?4 AND expires_ms > ?5",
    /* Bounded so one request never pays for a large backlog. */
    [ST_TOKEN_EXPIRE] =
        "DELETE FROM idempotency WHERE (account, region, domain_id, token) IN "
        "(SELECT account, region, domain_id, token FROM idempotency "
        "WHERE expires_ms <= ?1 LIMIT 16)",
};

typedef struct {
    store_conn base;
    sqlite3 *db;
    sqlite3_stmt *stmts[ST__COUNT];
} sqlite_conn;

static sqlite_conn *as_sqlite(store_conn *conn)
{
    return (sqlite_conn *)conn;
}

static int status_of(int rc)
{
    switch (rc) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return STORE_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return STORE_BUSY;
    case SQLITE_CONSTRAINT:
        return STORE_CONFLICT;
    default:
        return STORE_ERROR;
    }
}

static int log_error(sqlite_conn *c, const char *what, int rc)
{
    int status = status_of(rc);
    if (status == STORE_ERROR)
        fprintf(stderr, "sqlite: %s: %s\n", what, sqlite3_errmsg(c->db));
    return status;
}

/* The prepared statement id, reset and with its bindings cleared; NULL on
 * failure (logged). */
static sqlite3_stmt *stmt(sqlite_conn *c, enum stmt_id id)
{
    sqlite3_stmt *s = c->stmts[id];
    if (!s) {
        int rc = sqlite3_prepare_v3(c->db, stmt_sql[id], -1,
                                    SQLITE_PREPARE_PERSISTENT, &s, NULL);
        if (rc != SQLITE_OK) {
            log_error(c, stmt_sql[id], rc);
            return NULL;
        }
        c->stmts[id] = s;
    }
    return s;
}

static void done(sqlite3_stmt *s)
{
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

/* Runs a statement that returns no rows. */
static int run(sqlite_conn *c, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);
    done(s);
    return rc == SQLITE_DONE ? STORE_OK : log_error(c, what, rc);
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

static void bind_scope(sqlite3_stmt *s, const store_scope *scope)
{
    bind_text(s, 1, scope->account);
    bind_text(s, 2, scope->region);
}

static char *column_dup(arena *a, sqlite3_stmt *s, int col)
{
    const char *v = (const char *)sqlite3_column_text(s, col);
    return v ? arena_strdup(a, v) : NULL;
}

/* --- connections and migrations --------------------------------------------- */

static int exec(sqlite_conn *c, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "sqlite: %s\n", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return status_of(rc) == STORE_OK ? STORE_ERROR : status_of(rc);
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

static void sq_disconnect(store_conn *conn)
{
    sqlite_conn *c = as_sqlite(conn);
    if (!c)
        return;
    for (int i = 0; i < ST__COUNT; i++)
        sqlite3_finalize(c->stmts[i]);
    sqlite3_close(c->db);
    free(c);
}

static store_conn *sq_connect(const char *path, bool first, char *err,
                              size_t errlen)
{
    sqlite_conn *c = calloc(1, sizeof *c);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                SQLITE_OPEN_NOMUTEX;

    if (!c)
        return NULL;
    c->base.backend = &sqlite_backend;
    if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path,
                 c->db ? sqlite3_errmsg(c->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
    /* WAL with synchronous=FULL: a commit is on disk before we answer. */
    if (exec(c, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                "PRAGMA foreign_keys = OFF; PRAGMA temp_store = MEMORY") !=
        STORE_OK) {
        snprintf(err, errlen, "cannot configure %s: %s", path,
                 sqlite3_errmsg(c->db));
        goto fail;
    }
    if (first && migrate(c, err, errlen) != STORE_OK)
        goto fail;
    return &c->base;
fail:
    sq_disconnect(&c->base);
    return NULL;
}

static int sq_begin(store_conn *conn)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_BEGIN);
    return s ? run(c, s, "begin") : STORE_ERROR;
}

static int sq_commit(store_conn *conn)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_COMMIT);
    return s ? run(c, s, "commit") : STORE_ERROR;
}

static void sq_rollback(store_conn *conn)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_ROLLBACK);
    if (s && sqlite3_get_autocommit(c->db) == 0)
        run(c, s, "rollback");
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
    done(s);
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
    status = run(c, s, "token key");
    /* Read back: another process may have won the insert. */
    return status == STORE_OK ? meta_read_key(c, key) : status;
}

/* --- records -------------------------------------------------------------------- */

static const char *domain_key(const char *domain_id)
{
    return domain_id ? domain_id : "";
}

static void bind_record(sqlite3_stmt *s, const store_scope *scope,
                        const store_record *rec, const char *doc)
{
    bind_scope(s, scope);
    sqlite3_bind_int(s, 3, (int)rec->kind);
    bind_text(s, 4, domain_key(rec->domain_id));
    bind_text(s, 5, rec->id);
    bind_text(s, 6, rec->name);
    sqlite3_bind_int(s, 7, rec->deleted ? 1 : 0);
    sqlite3_bind_int64(s, 8, rec->created_ms);
    sqlite3_bind_int64(s, 9, rec->modified_ms);
    bind_text(s, 10, doc);
}

static int write_record(sqlite_conn *c, enum stmt_id id,
                        const store_scope *scope, const store_record *rec)
{
    sqlite3_stmt *s = stmt(c, id);
    char *doc = json_dumps(rec->doc, JSON_COMPACT);
    int status = STORE_ERROR;

    if (!s || !doc)
        goto cleanup;
    bind_record(s, scope, rec, doc);
    status = run(c, s, "write record");
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
    out->doc = json_loads((const char *)sqlite3_column_text(s, 5), 0, &jerr);
    if (!out->doc) {
        fprintf(stderr, "sqlite: corrupt record document: %s\n", jerr.text);
        return STORE_ERROR;
    }
    return STORE_OK;
}

static void bind_kind(sqlite3_stmt *s, const store_scope *scope,
                      resource_kind kind, const char *domain_id)
{
    bind_scope(s, scope);
    sqlite3_bind_int(s, 3, (int)kind);
    bind_text(s, 4, domain_key(domain_id));
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
    bind_text(s, 5, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        status = read_record_row(s, out);
        out->kind = kind;
        out->domain_id = domain_id ? arena_strdup(a, domain_id) : NULL;
        out->id = arena_strdup(a, id);
        out->name = column_dup(a, s, 1);
    } else {
        status = rc == SQLITE_DONE ? STORE_NOT_FOUND : log_error(c, "get", rc);
    }
    done(s);
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
        status = log_error(c, "list", rc);
    done(s);
    return status;
}

static int count_rows(sqlite_conn *c, sqlite3_stmt *s, int64_t *count)
{
    int rc = sqlite3_step(s);
    int status = STORE_OK;

    if (rc == SQLITE_ROW)
        *count = sqlite3_column_int64(s, 0);
    else
        status = log_error(c, "count", rc);
    done(s);
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
    static const enum stmt_id purges[] = {ST_PURGE_RECORDS, ST_PURGE_OPTIONS,
                                          ST_PURGE_AUDIT, ST_PURGE_CASES,
                                          ST_PURGE_TOKENS};

    for (size_t i = 0; i < sizeof purges / sizeof purges[0]; i++) {
        sqlite3_stmt *s = stmt(c, purges[i]);
        int status;
        if (!s)
            return STORE_ERROR;
        bind_scope(s, scope);
        bind_text(s, 3, domain_id);
        status = run(c, s, "purge domain");
        if (status != STORE_OK)
            return status;
    }
    return STORE_OK;
}

/* --- field options ------------------------------------------------------------ */

static void bind_field(sqlite3_stmt *s, const store_scope *scope,
                       const char *domain_id, const char *field_id)
{
    bind_scope(s, scope);
    bind_text(s, 3, domain_id);
    bind_text(s, 4, field_id);
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
    bind_text(s, 5, opt->value);
    bind_text(s, 6, opt->name);
    sqlite3_bind_int(s, 7, opt->active ? 1 : 0);
    return run(c, s, "put option");
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
    bind_text(s, 5, value);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->value = arena_strdup(a, value);
        out->name = column_dup(a, s, 0);
        out->active = sqlite3_column_int(s, 1) != 0;
    } else {
        status = rc == SQLITE_DONE ? STORE_NOT_FOUND
                                   : log_error(c, "get option", rc);
    }
    done(s);
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
        status = log_error(c, "list options", rc);
    done(s);
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
    bind_text(s, 1, arn);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        json_object_set_new(obj, (const char *)sqlite3_column_text(s, 0),
                            json_string((const char *)sqlite3_column_text(s, 1)));
    }
    if (rc != SQLITE_DONE)
        status = log_error(c, "get tags", rc);
    done(s);
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
        bind_text(s, 1, arn);
        bind_text(s, 2, key);
        bind_text(s, 3, json_string_value(value));
        status = run(c, s, "put tag");
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
        bind_text(s, 1, arn);
        bind_text(s, 2, *keys);
        status = run(c, s, "remove tag");
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
    bind_text(s, 1, arn);
    return run(c, s, "purge tags");
}

/* --- cases ------------------------------------------------------------------------ */

static void bind_case_key(sqlite3_stmt *s, const store_scope *scope,
                          const char *domain_id, const char *case_id)
{
    bind_scope(s, scope);
    bind_text(s, 3, domain_id);
    bind_text(s, 4, case_id);
}

static int sq_case_insert(store_conn *conn, const store_scope *scope,
                          store_case *cs)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_CASE_INSERT);
    char *fields = json_dumps(cs->fields, JSON_COMPACT);
    int status = STORE_ERROR;

    if (!s || !fields)
        goto cleanup;
    bind_case_key(s, scope, cs->domain_id, cs->case_id);
    bind_text(s, 5, cs->template_id);
    sqlite3_bind_int64(s, 6, cs->created_ms);
    sqlite3_bind_int64(s, 7, cs->updated_ms);
    bind_text(s, 8, fields);
    status = run(c, s, "insert case");
    if (status == STORE_OK)
        cs->seq = sqlite3_last_insert_rowid(c->db);
cleanup:
    free(fields);
    return status;
}

static int sq_case_get(store_conn *conn, const store_scope *scope,
                       const char *domain_id, const char *case_id, arena *a,
                       store_case *out)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_CASE_GET);
    json_error_t jerr;
    int rc, status = STORE_OK;

    if (!s)
        return STORE_ERROR;
    bind_case_key(s, scope, domain_id, case_id);
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        status = rc == SQLITE_DONE ? STORE_NOT_FOUND : log_error(c, "get case", rc);
        goto cleanup;
    }
    out->seq = sqlite3_column_int64(s, 0);
    out->domain_id = arena_strdup(a, domain_id);
    out->case_id = arena_strdup(a, case_id);
    out->template_id = column_dup(a, s, 1);
    out->created_ms = sqlite3_column_int64(s, 2);
    out->updated_ms = sqlite3_column_int64(s, 3);
    out->fields = json_loads((const char *)sqlite3_column_text(s, 4), 0, &jerr);
    if (!out->fields) {
        fprintf(stderr, "sqlite: corrupt case fields: %s\n", jerr.text);
        status = STORE_ERROR;
    }
cleanup:
    done(s);
    return status;
}

static int sq_case_update(store_conn *conn, const store_scope *scope,
                          const store_case *cs)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_CASE_UPDATE);
    char *fields = json_dumps(cs->fields, JSON_COMPACT);
    int status = STORE_ERROR;

    if (!s || !fields)
        goto cleanup;
    bind_case_key(s, scope, cs->domain_id, cs->case_id);
    sqlite3_bind_int64(s, 5, cs->updated_ms);
    bind_text(s, 6, fields);
    status = run(c, s, "update case");
    if (status == STORE_OK && sqlite3_changes(c->db) == 0)
        status = STORE_NOT_FOUND;
cleanup:
    free(fields);
    return status;
}

static int sq_case_delete(store_conn *conn, const store_scope *scope,
                          const char *domain_id, const char *case_id)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_CASE_DELETE);
    int64_t case_seq = -1;
    int rc;

    if (!s)
        return STORE_ERROR;
    bind_case_key(s, scope, domain_id, case_id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        case_seq = sqlite3_column_int64(s, 0);
    done(s);
    if (rc != SQLITE_DONE)
        return log_error(c, "delete case", rc);
    if (case_seq < 0)
        return STORE_NOT_FOUND;
    s = stmt(c, ST_CASE_AUDIT_DELETE);
    if (!s)
        return STORE_ERROR;
    sqlite3_bind_int64(s, 1, case_seq);
    return run(c, s, "delete case audit");
}

/* --- audit history ----------------------------------------------------------------- */

static int sq_audit_append(store_conn *conn, const store_scope *scope,
                           const char *domain_id, const char *case_id,
                           store_audit_event *ev)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_AUDIT_INSERT);
    char *fields = json_dumps(ev->fields, JSON_COMPACT);
    char *by = json_dumps(ev->performed_by, JSON_COMPACT);
    int status = STORE_ERROR;

    if (!s || !fields || !by)
        goto cleanup;
    bind_case_key(s, scope, domain_id, case_id);
    bind_text(s, 5, ev->event_id);
    bind_text(s, 6, ev->type);
    bind_text(s, 7, ev->related_item_type);
    sqlite3_bind_int64(s, 8, ev->performed_ms);
    bind_text(s, 9, fields);
    bind_text(s, 10, by);
    status = run(c, s, "append audit event");
    if (status == STORE_OK && sqlite3_changes(c->db) == 0)
        status = STORE_NOT_FOUND;
    if (status == STORE_OK)
        ev->seq = sqlite3_last_insert_rowid(c->db);
cleanup:
    free(fields);
    free(by);
    return status;
}

static int read_audit_row(sqlite3_stmt *s, store_audit_event *ev)
{
    ev->seq = sqlite3_column_int64(s, 0);
    ev->event_id = (const char *)sqlite3_column_text(s, 1);
    ev->type = (const char *)sqlite3_column_text(s, 2);
    ev->related_item_type = (const char *)sqlite3_column_text(s, 3);
    ev->performed_ms = sqlite3_column_int64(s, 4);
    ev->fields = json_loads((const char *)sqlite3_column_text(s, 5), 0, NULL);
    ev->performed_by =
        json_loads((const char *)sqlite3_column_text(s, 6), 0, NULL);
    return ev->fields && ev->performed_by ? STORE_OK : STORE_ERROR;
}

static int sq_audit_list(store_conn *conn, const store_scope *scope,
                         const char *domain_id, const char *case_id,
                         int64_t before_seq, int limit, store_audit_cb cb,
                         void *arg)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_AUDIT_LIST);
    int rc, status = STORE_OK;

    if (!s)
        return STORE_ERROR;
    bind_case_key(s, scope, domain_id, case_id);
    sqlite3_bind_int64(s, 5, before_seq > 0 ? before_seq : INT64_MAX);
    sqlite3_bind_int(s, 6, limit);
    while (status == STORE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_audit_event ev;
        status = read_audit_row(s, &ev);
        if (status == STORE_OK)
            status = cb(&ev, arg);
        json_decref(ev.fields);
        json_decref(ev.performed_by);
    }
    if (status == STORE_OK && rc != SQLITE_DONE)
        status = log_error(c, "list audit events", rc);
    done(s);
    return status;
}

/* --- idempotency tokens --------------------------------------------------------------- */

static int expire_tokens(sqlite_conn *c, int64_t now_ms)
{
    sqlite3_stmt *s = stmt(c, ST_TOKEN_EXPIRE);
    if (!s)
        return STORE_ERROR;
    sqlite3_bind_int64(s, 1, now_ms);
    return run(c, s, "expire tokens");
}

static int sq_idempotency_put(store_conn *conn, const store_scope *scope,
                              const char *domain_id, const char *token,
                              const char *request_hash, const char *case_id,
                              int64_t expires_ms)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_TOKEN_PUT);
    int status;

    if (!s)
        return STORE_ERROR;
    bind_case_key(s, scope, domain_id, token);
    bind_text(s, 5, request_hash);
    bind_text(s, 6, case_id);
    sqlite3_bind_int64(s, 7, expires_ms);
    status = run(c, s, "put token");
    return status == STORE_OK ? expire_tokens(c, time_now_ms()) : status;
}

static int sq_idempotency_get(store_conn *conn, const store_scope *scope,
                              const char *domain_id, const char *token,
                              int64_t now_ms, arena *a,
                              const char **request_hash, const char **case_id)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_TOKEN_GET);
    int rc, status = STORE_OK;

    if (!s)
        return STORE_ERROR;
    bind_case_key(s, scope, domain_id, token);
    sqlite3_bind_int64(s, 5, now_ms);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *request_hash = column_dup(a, s, 0);
        *case_id = column_dup(a, s, 1);
    } else {
        status = rc == SQLITE_DONE ? STORE_NOT_FOUND : log_error(c, "get token", rc);
    }
    done(s);
    return status;
}

const store_backend sqlite_backend = {
    .name = "sqlite",
    .connect = sq_connect,
    .disconnect = sq_disconnect,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .token_key = sq_token_key,
    .record_insert = sq_record_insert,
    .record_update = sq_record_update,
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
    .case_update = sq_case_update,
    .case_delete = sq_case_delete,
    .audit_append = sq_audit_append,
    .audit_list = sq_audit_list,
    .idempotency_put = sq_idempotency_put,
    .idempotency_get = sq_idempotency_get,
};
