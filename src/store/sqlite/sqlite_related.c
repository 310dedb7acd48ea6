/*
 * sqlite_related.c - related items of cases in the SQLite backend (see
 * store.h and migrations/004_related_items.sql).
 *
 * An item is found through its case: the case's (scope, domain, id) gives
 * its seq, and (case_seq, item_id) the item.  The domain-wide listing of
 * SearchAllRelatedItems has one statement per sort order and per page
 * kind (first page, or after a keyset position), generated from the sort
 * keys the first time it is used and then cached in its slot like every
 * other statement.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite_internal.h"
#include "util/jsonr.h"
#include "util/jsonw.h"

enum related_stmt {
    ST_REL_INSERT,
    ST_REL_GET,
    ST_REL_UPDATE,
    ST_REL_DELETE,
    ST_REL_COUNT_ALL,
    ST_REL_COUNT_TYPE,
    ST_REL_LIST_CASE,
    ST_REL_CONTACT_CASES,
    ST_REL__FIXED,
};

/* The search statements follow the fixed ones: one per sort order (no
 * sort; one key with its direction; two distinct keys with theirs) times
 * the two page kinds. */
#define SORT_ORDERS (1 + 2 * 2 + 2 * 2 * 2)
#define ST_REL_SEARCH_FIRST ST_REL__FIXED
#define ST_REL__COUNT (ST_REL__FIXED + 2 * SORT_ORDERS)

_Static_assert(ST_REL__COUNT <= 64, "related statements overflow their slots");

/* The columns every item query reads, in the order read_item expects. */
#define ITEM_COLUMNS                                                        \
    "r.seq, r.case_id, r.item_id, r.type, r.contact_arn, r.associated_ms, " \
    "r.updated_ms, r.content, r.created_by, r.updated_by"

/* The seq of the case named by ?1-?4. */
#define CASE_SEQ                                                            \
    "(SELECT seq FROM cases WHERE account = ?1 AND region = ?2 "            \
    "AND domain_id = ?3 AND case_id = ?4)"

static const char *const related_sql[ST_REL__FIXED] = {
    [ST_REL_INSERT] =
        "INSERT INTO related_items (case_seq, account, region, domain_id, "
        "case_id, item_id, type, contact_arn, associated_ms, updated_ms, "
        "content, created_by, updated_by) SELECT seq, account, region, "
        "domain_id, case_id, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12 FROM cases "
        "WHERE account = ?1 AND region = ?2 AND domain_id = ?3 "
        "AND case_id = ?4",
    [ST_REL_GET] = "SELECT " ITEM_COLUMNS " FROM related_items r "
                   "WHERE r.case_seq = " CASE_SEQ " AND r.item_id = ?5",
    [ST_REL_UPDATE] =
        "UPDATE related_items SET updated_ms = ?6, content = ?7, "
        "updated_by = ?8 WHERE case_seq = " CASE_SEQ " AND item_id = ?5",
    [ST_REL_DELETE] = "DELETE FROM related_items WHERE case_seq = " CASE_SEQ
                      " AND item_id = ?5",
    [ST_REL_COUNT_ALL] =
        "SELECT count(*) FROM related_items WHERE case_seq = " CASE_SEQ,
    [ST_REL_COUNT_TYPE] = "SELECT count(*) FROM related_items "
                          "WHERE case_seq = " CASE_SEQ " AND type = ?5",
    [ST_REL_LIST_CASE] = "SELECT " ITEM_COLUMNS " FROM related_items r "
                         "WHERE r.case_seq = " CASE_SEQ " AND r.seq < ?5 "
                         "ORDER BY r.seq DESC LIMIT ?6",
    [ST_REL_CONTACT_CASES] =
        "SELECT DISTINCT r.case_seq, c.case_id, c.template_id "
        "FROM related_items r JOIN cases c ON c.seq = r.case_seq "
        "WHERE r.account = ?1 AND r.region = ?2 AND r.domain_id = ?3 "
        "AND r.contact_arn = ?4 AND r.case_seq > ?5 "
        "ORDER BY r.case_seq LIMIT ?6",
};

static sqlite3_stmt *stmt(sqlite_conn *c, enum related_stmt id)
{
    return sq_stmt(c, SQ_SLOTS_RELATED + id, related_sql[id]);
}

static void bind_case_key(sqlite3_stmt *s, const store_scope *scope,
                          const char *domain_id, const char *case_id)
{
    sq_bind_scope(s, scope);
    sq_bind_text(s, 3, domain_id);
    sq_bind_text(s, 4, case_id);
}

/* JSON text of v (NULL for NULL), malloc-owned; *ok false when v could not
 * be written. */
static char *dump_or_null(const json_t *v, bool *ok)
{
    char *text;
    if (!v)
        return NULL;
    text = jsonw_dump(v, NULL);
    if (!text)
        *ok = false;
    return text;
}

/* A JSON column, NULL for SQL NULL; *ok false when the text is corrupt. */
static json_t *load_column(sqlite3_stmt *s, int col, bool *ok)
{
    const char *text = (const char *)sqlite3_column_text(s, col);
    json_t *v;
    if (!text)
        return NULL;
    v = jsonr_parse(text, strlen(text), JSONR_JANSSON_DEPTH, NULL);
    if (!v)
        *ok = false;
    return v;
}

static void release_item(store_related_item *item)
{
    json_decref(item->content);
    json_decref(item->created_by);
    json_decref(item->updated_by);
    item->content = item->created_by = item->updated_by = NULL;
}

/*
 * Reads the ITEM_COLUMNS of the current row into out.  Strings are the
 * statement's (valid until the next step) unless a is given, when they
 * are copied into it; json members are new references.
 */
static int read_item(sqlite3_stmt *s, arena *a, store_related_item *out)
{
    bool ok = true;
    const char **strs[] = {&out->case_id, &out->item_id, &out->type,
                           &out->contact_arn};

    out->seq = sqlite3_column_int64(s, 0);
    for (int i = 0; i < 4; i++)
        *strs[i] = a ? sq_column_dup(a, s, i + 1)
                     : (const char *)sqlite3_column_text(s, i + 1);
    out->associated_ms = sqlite3_column_int64(s, 5);
    out->updated_ms = sqlite3_column_int64(s, 6);
    out->content = load_column(s, 7, &ok);
    out->created_by = load_column(s, 8, &ok);
    out->updated_by = load_column(s, 9, &ok);
    if (ok && out->content)
        return STORE_OK;
    fprintf(stderr, "sqlite: corrupt related item %lld\n",
            (long long)out->seq);
    release_item(out);
    return STORE_ERROR;
}

/* --- one item ---------------------------------------------------------------------- */

int sq_related_insert(store_conn *conn, const store_scope *scope,
                      store_related_item *item)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_REL_INSERT);
    bool ok = true;
    char *content = dump_or_null(item->content, &ok);
    char *by = dump_or_null(item->created_by, &ok);
    char *updated_by = dump_or_null(item->updated_by, &ok);
    int status = STORE_ERROR;

    if (!s || !ok || !content)
        goto cleanup;
    bind_case_key(s, scope, item->domain_id, item->case_id);
    sq_bind_text(s, 5, item->item_id);
    sq_bind_text(s, 6, item->type);
    sq_bind_text(s, 7, item->contact_arn);
    sqlite3_bind_int64(s, 8, item->associated_ms);
    sqlite3_bind_int64(s, 9, item->updated_ms);
    sq_bind_text(s, 10, content);
    sq_bind_text(s, 11, by);
    sq_bind_text(s, 12, updated_by);
    status = sq_run(c, s, "insert related item");
    if (status == STORE_OK && sqlite3_changes(c->db) == 0)
        status = STORE_NOT_FOUND;
    if (status == STORE_OK)
        item->seq = sqlite3_last_insert_rowid(c->db);
cleanup:
    free(content);
    free(by);
    free(updated_by);
    return status;
}

int sq_related_get(store_conn *conn, const store_scope *scope,
                   const char *domain_id, const char *case_id,
                   const char *item_id, arena *a, store_related_item *out)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_REL_GET);
    int rc, status;

    if (!s)
        return STORE_ERROR;
    bind_case_key(s, scope, domain_id, case_id);
    sq_bind_text(s, 5, item_id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        status = read_item(s, a, out);
        out->domain_id = arena_strdup(a, domain_id);
    } else {
        status = rc == SQLITE_DONE ? STORE_NOT_FOUND
                                   : sq_log_error(c, "get related item", rc);
    }
    sq_done(s);
    return status;
}

int sq_related_update(store_conn *conn, const store_scope *scope,
                      const store_related_item *item)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_REL_UPDATE);
    bool ok = true;
    char *content = dump_or_null(item->content, &ok);
    char *by = dump_or_null(item->updated_by, &ok);
    int status = STORE_ERROR;

    if (!s || !ok || !content)
        goto cleanup;
    bind_case_key(s, scope, item->domain_id, item->case_id);
    sq_bind_text(s, 5, item->item_id);
    sqlite3_bind_int64(s, 6, item->updated_ms);
    sq_bind_text(s, 7, content);
    sq_bind_text(s, 8, by);
    status = sq_run(c, s, "update related item");
    if (status == STORE_OK && sqlite3_changes(c->db) == 0)
        status = STORE_NOT_FOUND;
cleanup:
    free(content);
    free(by);
    return status;
}

int sq_related_delete(store_conn *conn, const store_scope *scope,
                      const char *domain_id, const char *case_id,
                      const char *item_id)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_REL_DELETE);
    int status;

    if (!s)
        return STORE_ERROR;
    bind_case_key(s, scope, domain_id, case_id);
    sq_bind_text(s, 5, item_id);
    status = sq_run(c, s, "delete related item");
    if (status == STORE_OK && sqlite3_changes(c->db) == 0)
        status = STORE_NOT_FOUND;
    return status;
}

int sq_related_count(store_conn *conn, const store_scope *scope,
                     const char *domain_id, const char *case_id,
                     const char *type, int64_t *count)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, type ? ST_REL_COUNT_TYPE : ST_REL_COUNT_ALL);
    int rc;

    if (!s)
        return STORE_ERROR;
    bind_case_key(s, scope, domain_id, case_id);
    if (type)
        sq_bind_text(s, 5, type);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *count = sqlite3_column_int64(s, 0);
    sq_done(s);
    return rc == SQLITE_ROW ? STORE_OK : sq_log_error(c, "count related", rc);
}

/* --- walks ---------------------------------------------------------------------------- */

/* Steps s, handing each item to cb, until the rows end or cb returns
 * non-zero; resets s. */
static int walk_items(sqlite_conn *c, sqlite3_stmt *s, const char *domain_id,
                      store_related_cb cb, void *arg)
{
    int rc = SQLITE_DONE, status = STORE_OK;

    while (status == STORE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_related_item item = {.domain_id = domain_id};
        status = read_item(s, NULL, &item);
        if (status == STORE_OK)
            status = cb(&item, arg);
        release_item(&item);
    }
    if (status == STORE_OK && rc != SQLITE_DONE)
        status = sq_log_error(c, "list related items", rc);
    sq_done(s);
    return status;
}

int sq_related_list(store_conn *conn, const store_scope *scope,
                    const char *domain_id, const char *case_id,
                    int64_t before_seq, int limit, store_related_cb cb,
                    void *arg)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_REL_LIST_CASE);

    if (!s)
        return STORE_ERROR;
    bind_case_key(s, scope, domain_id, case_id);
    sqlite3_bind_int64(s, 5, before_seq > 0 ? before_seq : INT64_MAX);
    sqlite3_bind_int(s, 6, limit);
    return walk_items(c, s, domain_id, cb, arg);
}

int sq_contact_cases(store_conn *conn, const store_scope *scope,
                     const char *domain_id, const char *contact_arn,
                     int64_t after_seq, int limit, store_contact_case_cb cb,
                     void *arg)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = stmt(c, ST_REL_CONTACT_CASES);
    int rc = SQLITE_DONE, status = STORE_OK;

    if (!s)
        return STORE_ERROR;
    bind_case_key(s, scope, domain_id, contact_arn);
    sqlite3_bind_int64(s, 5, after_seq);
    sqlite3_bind_int(s, 6, limit);
    while (status == STORE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
        status = cb((const char *)sqlite3_column_text(s, 1),
                    (const char *)sqlite3_column_text(s, 2),
                    sqlite3_column_int64(s, 0), arg);
    if (status == STORE_OK && rc != SQLITE_DONE)
        status = sq_log_error(c, "list cases for contact", rc);
    sq_done(s);
    return status;
}

/* --- domain-wide search ----------------------------------------------------------------- */

/* Bound by the longest statement build_search_sql writes. */
#define SEARCH_SQL_MAX 1536

/* A sort key: its column and the parameter holding the position's value. */
typedef struct {
    const char *column;
    const char *param;
    bool descending;
} sort_term;

/* Index of the sort order of q among the SORT_ORDERS (see above); -1 when
 * q's sorts are not distinct or out of range. */
static int sort_order_index(const store_related_query *q)
{
    const store_related_sort *a = &q->sorts[0], *b = &q->sorts[1];

    if (q->sort_count == 0)
        return 0;
    if (q->sort_count == 1)
        return 1 + (int)a->key * 2 + a->descending;
    if (q->sort_count != 2 || a->key == b->key)
        return -1;
    return 5 + (int)a->key * 4 + a->descending * 2 + b->descending;
}

/* The terms of q's order, seq last; returns their number. */
static int sort_terms(const store_related_query *q, sort_term *out)
{
    static const char *const columns[] = {"r.associated_ms", "r.case_id"};
    static const char *const params[] = {"?6", "?7"};
    int n = 0;

    for (; n < q->sort_count; n++)
        out[n] = (sort_term){columns[q->sorts[n].key],
                             params[q->sorts[n].key], q->sorts[n].descending};
    out[n] = (sort_term){"r.seq", "?8", n > 0 && out[n - 1].descending};
    return n + 1;
}

/* Appends to buf (of SEARCH_SQL_MAX) the keyset condition "after the
 * position" over terms[i..n): the first differing term decides. */
static void append_after(char *buf, const sort_term *terms, int i, int n)
{
    size_t len = strlen(buf);
    const sort_term *t = &terms[i];
    const char *op = t->descending ? "<" : ">";

    if (i == n - 1) {
        snprintf(buf + len, SEARCH_SQL_MAX - len, "%s %s %s", t->column, op,
                 t->param);
        return;
    }
    snprintf(buf + len, SEARCH_SQL_MAX - len, "(%s %s %s OR (%s = %s AND ",
             t->column, op, t->param, t->column, t->param);
    append_after(buf, terms, i + 1, n);
    len = strlen(buf);
    snprintf(buf + len, SEARCH_SQL_MAX - len, "))");
}

/* Appends the ORDER BY and LIMIT clauses of terms. */
static void append_order(char *buf, const sort_term *terms, int n)
{
    size_t len = strlen(buf);
    const char *sep = " ORDER BY ";

    for (int i = 0; i < n; i++) {
        snprintf(buf + len, SEARCH_SQL_MAX - len, "%s%s%s", sep,
                 terms[i].column, terms[i].descending ? " DESC" : "");
        len = strlen(buf);
        sep = ", ";
    }
    snprintf(buf + len, SEARCH_SQL_MAX - len, " LIMIT ?5");
}

/*
 * Writes into buf the search statement for q's order; after adds the
 * keyset condition.  Its first term is repeated as a plain range (>= or
 * <=) so SQLite can seek in the index of that key rather than scan from
 * the start of the domain.  ?4 is a ",Type,Type," list or NULL for every
 * type.
 */
static void build_search_sql(char *buf, const store_related_query *q,
                             bool after)
{
    sort_term terms[RELATED_MAX_SORTS + 1];
    int n = sort_terms(q, terms);
    size_t len;

    snprintf(buf, SEARCH_SQL_MAX,
             "SELECT " ITEM_COLUMNS " FROM related_items r "
             "WHERE r.account = ?1 AND r.region = ?2 AND r.domain_id = ?3 "
             "AND (?4 IS NULL OR instr(?4, ',' || r.type || ',') > 0)");
    if (after) {
        len = strlen(buf);
        snprintf(buf + len, SEARCH_SQL_MAX - len, " AND %s %s= %s AND ",
                 terms[0].column, terms[0].descending ? "<" : ">",
                 terms[0].param);
        append_after(buf, terms, 0, n);
    }
    append_order(buf, terms, n);
}

/* Writes into buf (of size) the ",A,B," list of q's types; NULL when q
 * takes every type. */
static const char *type_list(const store_related_query *q, char *buf,
                             size_t size)
{
    size_t len = 1;

    if (q->type_count <= 0)
        return NULL;
    snprintf(buf, size, ",");
    for (int i = 0; i < q->type_count && i < RELATED_MAX_TYPES; i++) {
        snprintf(buf + len, size - len, "%s,", q->types[i]);
        len = strlen(buf);
    }
    return buf;
}

/* The statement for q, built only when its slot is still empty. */
static sqlite3_stmt *search_stmt(sqlite_conn *c, const store_related_query *q)
{
    char sql[SEARCH_SQL_MAX];
    int order = sort_order_index(q);
    bool after = q->after != NULL;
    int slot;

    if (order < 0) {
        fprintf(stderr, "sqlite: related item sorts must be distinct\n");
        return NULL;
    }
    slot = SQ_SLOTS_RELATED + ST_REL_SEARCH_FIRST + order * 2 + after;
    if (c->stmts[slot])
        return c->stmts[slot];
    build_search_sql(sql, q, after);
    return sq_stmt(c, slot, sql);
}

int sq_related_search(store_conn *conn, const store_scope *scope,
                      const store_related_query *q, store_related_cb cb,
                      void *arg)
{
    sqlite_conn *c = as_sqlite(conn);
    sqlite3_stmt *s = search_stmt(c, q);
    char types[RELATED_MAX_TYPES * 16];

    if (!s)
        return STORE_ERROR;
    sq_bind_scope(s, scope);
    sq_bind_text(s, 3, q->domain_id);
    sq_bind_text(s, 4, type_list(q, types, sizeof types));
    sqlite3_bind_int(s, 5, q->limit);
    if (q->after) {
        sqlite3_bind_int64(s, 6, q->after->associated_ms);
        sq_bind_text(s, 7, q->after->case_id);
        sqlite3_bind_int64(s, 8, q->after->seq);
    }
    return walk_items(c, s, q->domain_id, cb, arg);
}
