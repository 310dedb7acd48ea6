/*
 * sqlite_cases.c - cases, their audit history and CreateCase idempotency
 * tokens in the SQLite backend (see store.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "store/sqlite/sqlite_internal.h"
#include "util/jsonw.h"
#include "util/timeutil.h"

enum case_stmt {
    ST_CASE_INSERT,
    ST_CASE_GET,
    ST_CASE_GET_TEXT,
    ST_CASE_UPDATE,
    ST_CASE_DELETE,
    ST_CASE_AUDIT_DELETE,
    ST_PURGE_AUDIT,
    ST_PURGE_CASES,
    ST_PURGE_TOKENS,
    ST_AUDIT_INSERT,
    ST_CREATED_MOVE,
    ST_CREATED_CLEAR,
    ST_AUDIT_LIST,
    ST_TOKEN_PUT,
    ST_TOKEN_GET,
    ST_TOKEN_EXPIRE,
    ST_CASES__COUNT
};

_Static_assert(ST_CASES__COUNT <= 64, "case statements overflow their slots");

/* The fields of a case's creation event, from the values of the case (a
 * row of cases): {eventFieldId, newValue} for each value, in the values'
 * order, as the API wrote them when the event had a row of its own.
 * json_each reads a value's text back unchanged, numbers included. */
#define CREATED_EVENT_FIELDS \
    "(SELECT json_group_array(json_object('eventFieldId', f.key, " \
    "'newValue', json(f.value))) FROM json_each(fields) f)"

static const char *const case_sql[ST_CASES__COUNT] = {
    [ST_CASE_INSERT] =
        "INSERT INTO cases (account, region, domain_id, case_id, template_id, "
        "created_ms, updated_ms, fields, created_event_id, created_by) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [ST_CASE_GET] =
        "SELECT seq, template_id, created_ms, updated_ms, fields FROM cases "
        "WHERE account = ?1 AND region = ?2 AND domain_id = ?3 AND case_id = ?4",
    /* One statement, so one snapshot, for the values and the tags: a row
     * per tag, or one with a NULL tag. */
    [ST_CASE_GET_TEXT] =
        "SELECT c.seq, c.template_id, c.created_ms, c.updated_ms, c.fields, "
        "t.key, t.value FROM cases c LEFT JOIN tags t ON t.arn = ?5 "
        "WHERE c.account = ?1 AND c.region = ?2 AND c.domain_id = ?3 "
        "AND c.case_id = ?4",
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
    /* OR FAIL, as the search index's inserts (sqlite_index.c): the SELECT
     * would otherwise give the statement a journal of its own. */
    [ST_AUDIT_INSERT] =
        "INSERT OR FAIL INTO case_audit (case_seq, event_id, type, related_item_type, "
        "performed_ms, fields, performed_by) SELECT seq, ?5, ?6, ?7, ?8, ?9, "
        "?10 FROM cases WHERE account = ?1 AND region = ?2 AND domain_id = ?3 "
        "AND case_id = ?4",
    /* The creation event a case still keeps in its row (migration 019):
     * into case_audit, then out of the row. */
    [ST_CREATED_MOVE] =
        "INSERT OR FAIL INTO case_audit (case_seq, event_id, type, "
        "related_item_type, performed_ms, fields, performed_by) "
        "SELECT seq, created_event_id, 'Case.Created', NULL, created_ms, "
        CREATED_EVENT_FIELDS ", created_by FROM cases WHERE account = ?1 "
        "AND region = ?2 AND domain_id = ?3 AND case_id = ?4 "
        "AND created_event_id IS NOT NULL",
    [ST_CREATED_CLEAR] =
        "UPDATE cases SET created_event_id = NULL, created_by = NULL "
        "WHERE account = ?1 AND region = ?2 AND domain_id = ?3 AND case_id = ?4",
    /* The events in case_audit, and the creation event when the case
     * still keeps it in its row: then case_audit has none of the case's,
     * and it is the oldest (seq 0).  One statement, so one snapshot: a
     * change between two could move the event out of the row after the
     * first looked in case_audit. */
    [ST_AUDIT_LIST] =
        "SELECT a.seq, a.event_id, a.type, a.related_item_type, "
        "a.performed_ms, a.fields, a.performed_by FROM case_audit a "
        "JOIN cases c ON c.seq = a.case_seq WHERE c.account = ?1 "
        "AND c.region = ?2 AND c.domain_id = ?3 AND c.case_id = ?4 "
        "AND a.seq < ?5 "
        "UNION ALL SELECT 0, created_event_id, 'Case.Created', NULL, "
        "created_ms, " CREATED_EVENT_FIELDS ", created_by FROM cases "
        "WHERE account = ?1 AND region = ?2 AND domain_id = ?3 "
        "AND case_id = ?4 AND created_event_id IS NOT NULL "
        "ORDER BY 1 DESC LIMIT ?6",
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

static sqlite3_stmt *stmt(sqlite_conn *c, enum case_stmt id)
{
    return sq_stmt(c, SQ_SLOTS_CASES + id, case_sql[id]);
}

int sq_cases_purge_domain(sqlite_conn *c, const store_scope *scope,
                          const char *domain_id)
{
    /* Audit rows first: they are found through the cases being removed. */
    static const enum case_stmt purges[] = {ST_PURGE_AUDIT, ST_PURGE_CASES,
                                            ST_PURGE_TOKENS};

    for (size_t i = 0; i < sizeof purges / sizeof purges[0]; i++) {
        sqlite3_stmt *s = stmt(c, purges[i]);
        int status;
        if (!s)
            return STORE_ERROR;
        sq_bind_scope(s, scope);
        sq_bind_text(s, 3, domain_id);
        status = sq_run(c, s, "purge domain cases");
        if (status != STORE_OK)
            return status;
    }
    return STORE_OK;
}

/* --- cases ------------------------------------------------------------------------ */

static void bind_case_key(sqlite3_stmt *s, const store_scope *scope,
                          const char *domain_id, const char *case_id)
{
    sq_bind_scope(s, scope);
    sq_bind_text(s, 3, domain_id);
    sq_bind_text(s, 4, case_id);
}

int sq_case_insert(store_conn *conn, const store_scope *scope,
                          store_case *cs)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_CASE_INSERT);
    char *dumped = cs->fields_text ? NULL : jsonw_dump(cs->fields, NULL);
    const char *fields = cs->fields_text ? cs->fields_text : dumped;
    int status = STORE_ERROR;

    if (!s || !fields)
        goto cleanup;
    bind_case_key(s, scope, cs->domain_id, cs->case_id);
    sq_bind_text(s, 5, cs->template_id);
    sqlite3_bind_int64(s, 6, cs->created_ms);
    sqlite3_bind_int64(s, 7, cs->updated_ms);
    sq_bind_text(s, 8, fields);
    sq_bind_text(s, 9, cs->created_event_id);
    sq_bind_text(s, 10, cs->created_event_id ? cs->created_by_text : NULL);
    status = sq_run(c, s, "insert case");
    if (status != STORE_OK)
        goto cleanup;
    cs->seq = sqlite3_last_insert_rowid(c->db);
    status = sq_index_case_insert(c, scope, cs->domain_id, cs->seq,
                                  cs->fields, cs->plain_fields);
cleanup:
    free(dumped);
    return status;
}

/* The case of a row of ST_CASE_GET or ST_CASE_GET_TEXT into out; its values
 * are parsed into out->fields, or kept as text when as_text. */
static int case_of_row(sqlite3_stmt *s, const char *domain_id,
                       const char *case_id, arena *a, bool as_text,
                       store_case *out)
{
    json_error_t jerr;

    *out = (store_case){.seq = sqlite3_column_int64(s, 0),
                        .domain_id = arena_strdup(a, domain_id),
                        .case_id = arena_strdup(a, case_id),
                        .template_id = sq_column_dup(a, s, 1),
                        .created_ms = sqlite3_column_int64(s, 2),
                        .updated_ms = sqlite3_column_int64(s, 3)};
    if (as_text) {
        out->fields_text = sq_column_dup(a, s, 4);
        out->fields_len = (size_t)sqlite3_column_bytes(s, 4);
        return out->fields_text ? STORE_OK : STORE_ERROR;
    }
    if (!(out->fields = sq_column_json(s, 4, &jerr))) {
        fprintf(stderr, "sqlite: corrupt case fields: %s\n", jerr.text);
        return STORE_ERROR;
    }
    return STORE_OK;
}

int sq_case_get(store_conn *conn, const store_scope *scope,
                const char *domain_id, const char *case_id, arena *a,
                store_case *out)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_CASE_GET);
    int rc, status;

    if (!s)
        return STORE_ERROR;
    bind_case_key(s, scope, domain_id, case_id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        status = case_of_row(s, domain_id, case_id, a, false, out);
    else
        status = rc == SQLITE_DONE ? STORE_NOT_FOUND : sq_log_error(c, "get case", rc);
    sq_done(s);
    return status;
}

int sq_case_get_text(store_conn *conn, const store_scope *scope,
                     const char *domain_id, const char *case_id,
                     const char *tags_arn, arena *a, store_case *out,
                     json_t **tags)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_CASE_GET_TEXT);
    json_t *found = json_object();
    int rc, status;

    if (!s || !found) {
        json_decref(found);
        return STORE_ERROR;
    }
    bind_case_key(s, scope, domain_id, case_id);
    sq_bind_text(s, 5, tags_arn);
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        status = rc == SQLITE_DONE ? STORE_NOT_FOUND : sq_log_error(c, "get case", rc);
        goto cleanup;
    }
    status = case_of_row(s, domain_id, case_id, a, true, out);
    for (; status == STORE_OK && rc == SQLITE_ROW; rc = sqlite3_step(s))
        if (sqlite3_column_type(s, 5) != SQLITE_NULL &&
            json_object_set_new(found, (const char *)sqlite3_column_text(s, 5),
                                json_string((const char *)sqlite3_column_text(s, 6))) != 0)
            status = STORE_ERROR;
    if (status == STORE_OK && rc != SQLITE_DONE)
        status = sq_log_error(c, "get case tags", rc);
cleanup:
    sq_done(s);
    if (status == STORE_OK)
        *tags = json_incref(found);
    json_decref(found);
    return status;
}

/* Moves the creation event a case keeps in its row into case_audit
 * (migration 019), before anything that would make it wrong or out of
 * order: a change of the case's values, or another event of the case. */
static int materialise_created_event(sqlite_conn *c, const store_scope *scope,
                                     const char *domain_id, const char *case_id)
{
    sqlite3_stmt *s = stmt(c, ST_CREATED_MOVE);
    int status;

    if (!s)
        return STORE_ERROR;
    bind_case_key(s, scope, domain_id, case_id);
    status = sq_run(c, s, "move creation event");
    if (status != STORE_OK || sqlite3_changes(c->db) == 0)
        return status;
    if (!(s = stmt(c, ST_CREATED_CLEAR)))
        return STORE_ERROR;
    bind_case_key(s, scope, domain_id, case_id);
    return sq_run(c, s, "clear creation event");
}

int sq_case_update(store_conn *conn, const store_scope *scope,
                          const store_case *cs)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_CASE_UPDATE);
    char *fields = jsonw_dump(cs->fields, NULL);
    int status = STORE_ERROR;

    if (!s || !fields)
        goto cleanup;
    status = materialise_created_event(c, scope, cs->domain_id, cs->case_id);
    if (status != STORE_OK)
        goto cleanup;
    bind_case_key(s, scope, cs->domain_id, cs->case_id);
    sqlite3_bind_int64(s, 5, cs->updated_ms);
    sq_bind_text(s, 6, fields);
    status = sq_run(c, s, "update case");
    if (status == STORE_OK && sqlite3_changes(c->db) == 0)
        status = STORE_NOT_FOUND;
cleanup:
    free(fields);
    return status;
}

int sq_case_delete(store_conn *conn, const store_scope *scope,
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
    sq_done(s);
    if (rc != SQLITE_DONE)
        return sq_log_error(c, "delete case", rc);
    if (case_seq < 0)
        return STORE_NOT_FOUND;
    s = stmt(c, ST_CASE_AUDIT_DELETE);
    if (!s)
        return STORE_ERROR;
    sqlite3_bind_int64(s, 1, case_seq);
    return sq_run(c, s, "delete case audit");
}

/* --- audit history ----------------------------------------------------------------- */

int sq_audit_append(store_conn *conn, const store_scope *scope,
                           const char *domain_id, const char *case_id,
                           store_audit_event *ev)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_AUDIT_INSERT);
    char *fields_dumped = ev->fields_text ? NULL : jsonw_dump(ev->fields, NULL);
    char *by_dumped =
        ev->performed_by_text ? NULL : jsonw_dump(ev->performed_by, NULL);
    const char *fields = ev->fields_text ? ev->fields_text : fields_dumped;
    const char *by = ev->performed_by_text ? ev->performed_by_text : by_dumped;
    int status = STORE_ERROR;

    if (!s || !fields || !by)
        goto cleanup;
    status = materialise_created_event(c, scope, domain_id, case_id);
    if (status != STORE_OK)
        goto cleanup;
    bind_case_key(s, scope, domain_id, case_id);
    sq_bind_text(s, 5, ev->event_id);
    sq_bind_text(s, 6, ev->type);
    sq_bind_text(s, 7, ev->related_item_type);
    sqlite3_bind_int64(s, 8, ev->performed_ms);
    sq_bind_text(s, 9, fields);
    sq_bind_text(s, 10, by);
    status = sq_run(c, s, "append audit event");
    if (status == STORE_OK && sqlite3_changes(c->db) == 0)
        status = STORE_NOT_FOUND;
    if (status == STORE_OK)
        ev->seq = sqlite3_last_insert_rowid(c->db);
cleanup:
    free(fields_dumped);
    free(by_dumped);
    return status;
}

static int read_audit_row(sqlite3_stmt *s, store_audit_event *ev)
{
    ev->seq = sqlite3_column_int64(s, 0);
    ev->event_id = (const char *)sqlite3_column_text(s, 1);
    ev->type = (const char *)sqlite3_column_text(s, 2);
    ev->related_item_type = (const char *)sqlite3_column_text(s, 3);
    ev->performed_ms = sqlite3_column_int64(s, 4);
    ev->fields = sq_column_json(s, 5, NULL);
    ev->performed_by =
        sq_column_json(s, 6, NULL);
    return ev->fields && ev->performed_by ? STORE_OK : STORE_ERROR;
}

int sq_audit_list(store_conn *conn, const store_scope *scope,
                         const char *domain_id, const char *case_id,
                         int64_t before_seq, int limit, store_audit_cb cb,
                         void *arg)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_AUDIT_LIST);
    int rc = SQLITE_DONE, status = STORE_OK;

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
        status = sq_log_error(c, "list audit events", rc);
    sq_done(s);
    return status;
}

/* --- idempotency tokens --------------------------------------------------------------- */

static int expire_tokens(sqlite_conn *c, int64_t now_ms)
{
    sqlite3_stmt *s = stmt(c, ST_TOKEN_EXPIRE);
    if (!s)
        return STORE_ERROR;
    sqlite3_bind_int64(s, 1, now_ms);
    return sq_run(c, s, "expire tokens");
}

int sq_idempotency_put(store_conn *conn, const store_scope *scope,
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
    sq_bind_text(s, 5, request_hash);
    sq_bind_text(s, 6, case_id);
    sqlite3_bind_int64(s, 7, expires_ms);
    status = sq_run(c, s, "put token");
    return status == STORE_OK ? expire_tokens(c, time_now_ms()) : status;
}

int sq_idempotency_get(store_conn *conn, const store_scope *scope,
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
        *request_hash = sq_column_dup(a, s, 0);
        *case_id = sq_column_dup(a, s, 1);
    } else {
        status = rc == SQLITE_DONE ? STORE_NOT_FOUND : sq_log_error(c, "get token", rc);
    }
    sq_done(s);
    return status;
}

