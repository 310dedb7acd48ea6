/* sqlite_util.c - statement cache and binding helpers of the SQLite backend. */
#include <stdio.h>

#include "store/sqlite/sqlite_internal.h"
#include "util/jsonr.h"

sqlite3_stmt *sq_stmt(sqlite_conn *c, int slot, const char *sql)
{
    sqlite3_stmt *s = c->stmts[slot];
    if (!s) {
        int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                                    &s, NULL);
        if (rc != SQLITE_OK) {
            sq_log_error(c, sql, rc);
            return NULL;
        }
        c->stmts[slot] = s;
    }
    return s;
}

void sq_done(sqlite3_stmt *s)
{
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

int sq_run(sqlite_conn *c, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);
    sq_done(s);
    return rc == SQLITE_DONE ? STORE_OK : sq_log_error(c, what, rc);
}

int sq_step_int64(sqlite_conn *c, sqlite3_stmt *s, int64_t *out,
                  const char *what)
{
    int rc = sqlite3_step(s);

    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    sq_done(s);
    if (rc == SQLITE_ROW)
        return STORE_OK;
    return rc == SQLITE_DONE ? STORE_NOT_FOUND : sq_log_error(c, what, rc);
}

int sq_status_of(int rc)
{
    switch (rc & 0xff) {
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

int sq_log_error(sqlite_conn *c, const char *what, int rc)
{
    int status = sq_status_of(rc);
    if (status == STORE_ERROR)
        fprintf(stderr, "sqlite: %s: %s\n", what, sqlite3_errmsg(c->db));
    return status;
}

void sq_bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

void sq_bind_scope(sqlite3_stmt *s, const store_scope *scope)
{
    sq_bind_text(s, 1, scope->account);
    sq_bind_text(s, 2, scope->region);
}

json_t *sq_column_json(sqlite3_stmt *s, int col, json_error_t *err)
{
    const char *text = (const char *)sqlite3_column_text(s, col);

    if (!text) {
        if (err)
            snprintf(err->text, sizeof err->text, "the column is NULL");
        return NULL;
    }
    return jsonr_parse(text, (size_t)sqlite3_column_bytes(s, col),
                       JSONR_JANSSON_DEPTH, err);
}

char *sq_column_dup(arena *a, sqlite3_stmt *s, int col)
{
    const char *v = (const char *)sqlite3_column_text(s, col);
    return v ? arena_strdup(a, v) : NULL;
}
