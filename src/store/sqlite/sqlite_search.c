/*
 * sqlite_search.c - SearchCases in the SQLite backend (store_cases_search).
 *
 * Tables (migrations/003_search.sql, kept by triggers): case_values holds
 * one row per field value, tag and domain membership of a case, filed
 * under an integer key naming (domain, field | tag key | the domain), with
 * an index on (key, value, case seq); case_fts is the full-text index of
 * the string values.  Scoping is by key: a key belongs to one domain.
 *
 * A search runs in one read transaction, so page, count and max_seq agree:
 *   1. resolve the field ids, tag keys, sort fields and the domain to keys;
 *   2. estimate, with a count capped at SQ_SEARCH_PROBE_CAP, how many rows
 *      each indexable top-level condition (and the search term) matches;
 *   3. drive from the most selective of them and sort what it yields; or,
 *      when all are broad, walk the first sort field's index in order and
 *      test each case, which stops as soon as the page is full; a page in
 *      last-updated order with a tag equality walks that tag's cases in
 *      that order instead (tag_recency, migration 008);
 *   4. the page (cases lacking the first sort field follow, in a second
 *      pass when the walk ran out), the count, the domain's highest seq.
 * Conditions that do not drive are tested per case with primary-key
 * lookups (EXISTS on (case seq, key)), never by scanning a whole key; a
 * condition over several tags (AND, OR, NOT: a user's security profiles)
 * is one lookup of the case's tag set in the list of the domain's sets it
 * accepts, when the domain has few (accept_tagsets).
 * Counts: every case of a domain, one equality on a SingleSelect option or
 * a tag, timestamps per day (for one range) and cases per distinct set of
 * tags (for filters on tags alone, as security profiles make; refreshed at
 * commit by sq_tagsets_flush) are kept by the triggers;
 * a broad filter whose leaves are all indexable (several conditions, or an
 * OR or NOT) is counted by combining bitmaps of case seqs read from each
 * leaf's index range; the rest by a COUNT over the driver.
 *
 * Order: the sorts, then case seq in the direction of the first sort
 * (ascending without sorts), a total order, so keyset pages never repeat
 * or skip a case.  A case lacking a sort field sorts after every case that
 * has it, in both directions.  The cursor is [sortvalue..., seq].
 *
 * The statement text depends on the filter's shape, so statements are
 * prepared on demand and kept in a per-connection LRU of recently used
 * ones, keyed by their text (sqlite3_sql), in this file's statement slots.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite_internal.h"

/* Below this estimate a driver is taken without probing the others. */
#define PROBE_SMALL 64
/* Conjuncts considered for driving (the rest still apply, unflattened). */
#define MAX_CONJUNCTS 64
/* Nesting accepted in a filter (the API allows far less). */
#define MAX_DEPTH 32
#define MAX_LIMIT 1000
#define MATCH_MAX 2048

enum search_stmt {
    ST_SEARCH_KEY,
    ST_SEARCH_CASE,
    ST_SEARCH_CASE_BARE,
    ST_SEARCH_MAX_SEQ,
    ST_SEARCH_COUNTER,
    ST_SEARCH_COUNT_AFTER,
    ST_SEARCH_DAYS_ALL,
    ST_SEARCH_DAYS_ABOVE,
    ST_SEARCH_DAYS_BELOW,
    ST_SEARCH_TAGSETS,
    ST_TAGSETS_ANY,
    ST_TAGSETS_UNCOUNT,
    ST_TAGSETS_FORGET,
    ST_TAGSETS_SET,
    ST_TAGSETS_COUNT,
    ST_TAGSETS_CLEAR,
    ST_SEARCH__COUNT
};

#define LRU_FIRST (SQ_SLOTS_SEARCH + ST_SEARCH__COUNT)
#define LRU_SIZE 32
_Static_assert(ST_SEARCH__COUNT + LRU_SIZE <= 64,
               "search statements overflow their slots");

static const char *const search_sql[ST_SEARCH__COUNT] = {
    [ST_SEARCH_KEY] =
        "SELECT kkey, n FROM search_keys WHERE account = ?1 AND region = ?2 "
        "AND domain_id = ?3 AND kind = ?4 AND name = ?5",
    /* the tags from the case's kept tag set (migration 011): one lookup
     * by seq, not a statement over the tags table per case */
    [ST_SEARCH_CASE] =
        "SELECT c.case_id, c.template_id, c.created_ms, c.updated_ms, "
        "c.fields, t.tagset FROM cases c "
        "LEFT JOIN case_tagsets t ON t.case_seq = c.seq WHERE c.seq = ?1",
    /* the same without the tags, for a row whose page walk read its set */
    [ST_SEARCH_CASE_BARE] =
        "SELECT c.case_id, c.template_id, c.created_ms, c.updated_ms, "
        "c.fields FROM cases c WHERE c.seq = ?1",
    [ST_SEARCH_MAX_SEQ] =
        "SELECT case_seq FROM case_values WHERE kkey = ?1 AND val IS NULL "
        "ORDER BY case_seq DESC LIMIT 1",
    [ST_SEARCH_COUNTER] =
        "SELECT n FROM search_counts WHERE kkey = ?1 AND val = ?2",
    [ST_SEARCH_COUNT_AFTER] =
        "SELECT count(*) FROM case_values WHERE kkey = ?1 AND val = ?2 "
        "AND case_seq > ?3",
    [ST_SEARCH_DAYS_ALL] =
        "SELECT coalesce(sum(n), 0) FROM search_day_counts WHERE kkey = ?1",
    [ST_SEARCH_DAYS_ABOVE] =
        "SELECT coalesce(sum(n), 0) FROM search_day_counts WHERE kkey = ?1 "
        "AND day > ?2",
    [ST_SEARCH_DAYS_BELOW] =
        "SELECT coalesce(sum(n), 0) FROM search_day_counts WHERE kkey = ?1 "
        "AND day < ?2",
    [ST_SEARCH_TAGSETS] =
        "SELECT tagset, n FROM tagset_counts WHERE account = ?1 "
        "AND region = ?2 AND domain_id = ?3 AND n > 0 LIMIT ?4",
    /* The tag sets of the cases whose tags changed (migration 011): their
     * old sets uncounted, their rows rebuilt from their tag rows (a case
     * left with no tags, or deleted, gets none), the new sets counted.
     * CROSS JOIN reads a case's tags in key order, so one set is always
     * the same text. */
    [ST_TAGSETS_ANY] = "SELECT 1 FROM tagset_dirty LIMIT 1",
    /* Grouped first: a batch that deletes a whole domain notes all its
     * cases, and a count per set row would read them all once per set. */
    [ST_TAGSETS_UNCOUNT] =
        "UPDATE tagset_counts SET n = n - g.k FROM (SELECT c.account AS account, "
        "c.region AS region, c.domain_id AS domain_id, c.tagset AS tagset, "
        "count(*) AS k FROM tagset_dirty d "
        "JOIN case_tagsets c ON c.case_seq = d.case_seq "
        "GROUP BY c.account, c.region, c.domain_id, c.tagset) AS g "
        "WHERE tagset_counts.account = g.account "
        "AND tagset_counts.region = g.region "
        "AND tagset_counts.domain_id = g.domain_id "
        "AND tagset_counts.tagset = g.tagset",
    [ST_TAGSETS_FORGET] =
        "DELETE FROM case_tagsets WHERE case_seq IN "
        "(SELECT case_seq FROM tagset_dirty)",
    [ST_TAGSETS_SET] =
        "INSERT INTO case_tagsets (case_seq, account, region, domain_id, tagset) "
        "SELECT case_seq, account, region, domain_id, tagset FROM ("
        "SELECT d.case_seq AS case_seq, t.account AS account, "
        "t.region AS region, t.domain_id AS domain_id, "
        "(SELECT json_group_object(k.name, v.val) FROM case_values v "
        "CROSS JOIN search_keys k ON k.kkey = v.kkey "
        "WHERE v.case_seq = d.case_seq AND k.kind = 1) AS tagset "
        "FROM tagset_dirty d JOIN search_keys t ON t.kkey = d.kkey) "
        "WHERE tagset <> '{}'",
    [ST_TAGSETS_COUNT] =
        "INSERT INTO tagset_counts (account, region, domain_id, tagset, n) "
        "SELECT c.account, c.region, c.domain_id, c.tagset, count(*) "
        "FROM tagset_dirty d JOIN case_tagsets c ON c.case_seq = d.case_seq "
        "WHERE true GROUP BY c.account, c.region, c.domain_id, c.tagset "
        "ON CONFLICT DO UPDATE SET n = n + excluded.n",
    [ST_TAGSETS_CLEAR] = "DELETE FROM tagset_dirty",
};

static sqlite3_stmt *stmt(sqlite_conn *c, enum search_stmt id)
{
    return sq_stmt(c, SQ_SLOTS_SEARCH + id, search_sql[id]);
}

/* ======================================================================
 * SQL generation (no database access: tested on its own)
 * ====================================================================== */

/* --- the bounded buffer ------------------------------------------------- */

/* Empties b.  Only what the writers read is set: the buffer is large, and
 * zeroing it all cost more than generating a statement. */
static void buf_reset(sq_sql_buf *b)
{
    b->sql[0] = '\0';
    b->len = 0;
    b->param_count = 0;
    b->text_len = 0;
    b->overflow = false;
    b->tagset_column = -1;
}

static void put(sq_sql_buf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->overflow || b->len + n >= sizeof b->sql) {
        b->overflow = true;
        return;
    }
    memcpy(b->sql + b->len, s, n + 1);
    b->len += n;
}

__attribute__((format(printf, 2, 3))) static void putf(sq_sql_buf *b,
                                                       const char *fmt, ...)
{
    size_t room = sizeof b->sql - b->len;
    va_list ap;
    int n;

    if (b->overflow)
        return;
    va_start(ap, fmt);
    n = vsnprintf(b->sql + b->len, room, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= room) {
        b->overflow = true;
        b->sql[b->len] = '\0';
        return;
    }
    b->len += (size_t)n;
}

/* Adds a parameter; returns its number, 0 when full. */
static int add_param(sq_sql_buf *b, sq_param p)
{
    if (b->param_count == SQ_SQL_PARAMS_MAX) {
        b->overflow = true;
        return 0;
    }
    b->params[b->param_count++] = p;
    return b->param_count;
}

static void put_ref(sq_sql_buf *b, int n)
{
    putf(b, "?%d", n);
}

static void put_int(sq_sql_buf *b, int64_t v)
{
    put_ref(b, add_param(b, (sq_param){.kind = SQ_PARAM_INT, .i = v}));
}

static void put_real(sq_sql_buf *b, double v)
{
    put_ref(b, add_param(b, (sq_param){.kind = SQ_PARAM_REAL, .d = v}));
}

static void put_text(sq_sql_buf *b, const char *v)
{
    sq_param p = {.kind = v ? SQ_PARAM_TEXT : SQ_PARAM_NULL, .s = v};
    put_ref(b, add_param(b, p));
}

/* A parameter for a cursor value (number, string or null). */
static int add_json_param(sq_sql_buf *b, const json_t *v)
{
    if (json_is_integer(v))
        return add_param(b, (sq_param){.kind = SQ_PARAM_INT,
                                       .i = json_integer_value(v)});
    if (json_is_real(v))
        return add_param(b, (sq_param){.kind = SQ_PARAM_REAL,
                                       .d = json_real_value(v)});
    if (json_is_string(v))
        return add_param(b, (sq_param){.kind = SQ_PARAM_TEXT,
                                       .s = json_string_value(v)});
    return add_param(b, (sq_param){.kind = SQ_PARAM_NULL});
}

/* s as a LIKE pattern matching any value containing it, stored in b. */
static const char *like_pattern(sq_sql_buf *b, const char *s)
{
    size_t need = 2 * strlen(s) + 3;
    char *out = b->text + b->text_len, *p = out;

    if (b->text_len + need > sizeof b->text) {
        b->overflow = true;
        return NULL;
    }
    *p++ = '%';
    for (; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            *p++ = '\\';
        *p++ = *s;
    }
    *p++ = '%';
    *p++ = '\0';
    b->text_len += (size_t)(p - out);
    return out;
}

/* --- the query's shape ---------------------------------------------------- */

typedef struct {
    const search_node *nodes[MAX_CONJUNCTS];
    int count;
} conjuncts;

static bool flatten(const search_node *n, conjuncts *out, int depth)
{
    if (depth > MAX_DEPTH)
        return false;
    if (n->kind == SEARCH_AND) {
        for (int i = 0; i < n->child_count; i++)
            if (!flatten(n->children[i], out, depth + 1))
                return false;
        return true;
    }
    if (out->count == MAX_CONJUNCTS)
        return false;
    out->nodes[out->count++] = n;
    return true;
}

/* The conditions every match must meet: the top-level AND, flattened (or
 * the filter whole, when it has too many to list). */
static void conjuncts_of(const search_node *filter, conjuncts *out)
{
    out->count = 0;
    if (filter && !flatten(filter, out, 0)) {
        out->nodes[0] = filter;
        out->count = 1;
    }
}

/* A leaf that tests a value row: a tag, or a field with a value. */
static bool tests_value(const search_node *n)
{
    return n->kind == SEARCH_TAG || (n->kind == SEARCH_FIELD && !n->blank);
}

/* A leaf an index range can find. */
static bool indexable(const search_node *n)
{
    return tests_value(n) &&
           (n->kind == SEARCH_TAG || n->op != SEARCH_CONTAINS);
}

static int node_key_kind(const search_node *n)
{
    return n->kind == SEARCH_TAG ? SQ_KEY_TAG : SQ_KEY_FIELD;
}

static const char *node_key_name(const search_node *n)
{
    return n->kind == SEARCH_TAG ? n->tag_key : n->field_id;
}

static int64_t key_of(const sq_search_plan *p, int kind, const char *name)
{
    for (int i = 0; i < p->key_count; i++)
        if (p->keys[i].kind == kind && name &&
            strcmp(p->keys[i].name, name) == 0)
            return p->keys[i].kkey;
    return -1;
}

static bool same_key(const search_node *n, int kind, const char *name)
{
    const char *own = node_key_name(n);
    return node_key_kind(n) == kind && own && name && strcmp(own, name) == 0;
}

/* --- generation ----------------------------------------------------------- */

typedef struct {
    sq_sql_buf *b;
    const store_search_query *q;
    const sq_search_plan *p;
    const char *seq;        /* SQL naming the case seq of the driving row */
    int drive_kind;         /* key the driving rows are under, if any */
    const char *drive_name; /* NULL when the driver tests no conjunct */
    conjuncts conj;
    bool tagset_join; /* case_tagsets ts is joined for by_tagsets conjuncts */
} gen;

/* The comparison n makes, on the value column of alias a. */
static void put_value_cond(gen *g, const char *a, const search_node *n)
{
    sq_sql_buf *b = g->b;
    static const char *const ops[] = {
        [SEARCH_GT] = ">", [SEARCH_GE] = ">=", [SEARCH_LT] = "<",
        [SEARCH_LE] = "<="};

    if (n->kind == SEARCH_TAG) {
        putf(b, "%s.val = ", a);
        put_text(b, n->tag_value);
        return;
    }
    switch (n->op) {
    case SEARCH_EQ:
        putf(b, "%s.val = ", a);
        if (n->numeric)
            put_real(b, n->num);
        else
            put_text(b, n->str);
        return;
    case SEARCH_CONTAINS:
        /* LIKE folds ASCII case only. */
        if (!n->str) {
            put(b, "0");
            return;
        }
        putf(b, "%s.val LIKE ", a);
        put_text(b, like_pattern(b, n->str));
        put(b, " ESCAPE '\\'");
        return;
    case SEARCH_GT:
    case SEARCH_GE:
    case SEARCH_LT:
    case SEARCH_LE:
        break;
    }
    putf(b, "%s.val %s ", a, ops[n->op]);
    if (n->numeric) {
        put_real(b, n->num);
        /* Numbers sort before all text: cap the range at the numbers. */
        if (n->op == SEARCH_GT || n->op == SEARCH_GE)
            putf(b, " AND %s.val < ''", a);
    } else {
        put_text(b, n->str);
        if (n->op == SEARCH_LT || n->op == SEARCH_LE)
            putf(b, " AND %s.val >= ''", a);
    }
}

static void put_leaf_check(gen *g, const search_node *n)
{
    int64_t key = key_of(g->p, node_key_kind(n), node_key_name(n));

    if (!tests_value(n)) {
        putf(g->b, "NOT EXISTS (SELECT 1 FROM case_values x "
                   "WHERE x.case_seq = %s AND x.kkey = ", g->seq);
        put_int(g->b, key);
        put(g->b, ")");
        return;
    }
    putf(g->b, "EXISTS (SELECT 1 FROM case_values x "
               "WHERE x.case_seq = %s AND x.kkey = ", g->seq);
    put_int(g->b, key);
    put(g->b, " AND ");
    put_value_cond(g, "x", n);
    put(g->b, ")");
}

static void put_check(gen *g, const search_node *n, int depth);

static void put_junction(gen *g, const search_node *n, const char *op,
                         const char *empty, int depth)
{
    if (n->child_count == 0) {
        put(g->b, empty);
        return;
    }
    put(g->b, "(");
    for (int i = 0; i < n->child_count; i++) {
        if (i > 0)
            put(g->b, op);
        put_check(g, n->children[i], depth + 1);
    }
    put(g->b, ")");
}

/* n as a condition on the case g->seq names. */
static void put_check(gen *g, const search_node *n, int depth)
{
    if (depth > MAX_DEPTH) {
        g->b->overflow = true;
        return;
    }
    switch (n->kind) {
    case SEARCH_AND:
        put_junction(g, n, " AND ", "1", depth);
        return;
    case SEARCH_OR:
        put_junction(g, n, " OR ", "0", depth);
        return;
    case SEARCH_NOT:
        put(g->b, "NOT (");
        if (n->child_count > 0)
            put_check(g, n->children[0], depth + 1);
        else
            put(g->b, "1");
        put(g->b, ")");
        return;
    case SEARCH_FIELD:
    case SEARCH_TAG:
        put_leaf_check(g, n);
        return;
    }
}

static bool tags_only(const search_node *n, int depth);

/* An AND, OR or NOT over tags alone. */
static bool tag_compound(const search_node *n)
{
    return n->kind != SEARCH_TAG && tags_only(n, 0);
}

/* A conjunct over several tags, tested through the case's tag set when
 * the plan lists the accepted sets. */
static bool by_tagsets(const gen *g, const search_node *n)
{
    return g->p->tagsets && tag_compound(n);
}

static bool any_by_tagsets(const gen *g)
{
    for (int i = 0; i < g->conj.count; i++)
        if (by_tagsets(g, g->conj.nodes[i]))
            return true;
    return false;
}

/* The full-text condition on a case that did not come from case_fts: as a
 * set when small, probed per case when broad. */
static void put_term_check(gen *g)
{
    if (g->p->match_broad)
        putf(g->b, "EXISTS (SELECT 1 FROM case_fts f WHERE f.case_fts MATCH ");
    else
        putf(g->b, "%s IN (SELECT rowid FROM case_fts WHERE case_fts MATCH ",
             g->seq);
    put_text(g->b, g->p->match);
    if (g->p->match_broad)
        putf(g->b, " AND f.rowid = %s", g->seq);
    put(g->b, ")");
}

/* Whether the driving rows already carry conjunct n's condition. */
static bool consumed(const gen *g, const search_node *n)
{
    return g->drive_name && tests_value(n) &&
           same_key(n, g->drive_kind, g->drive_name);
}

static int64_t domain_key(const sq_search_plan *p)
{
    return key_of(p, SQ_KEY_DOMAIN, "");
}

/* Whether the driving rows come in the order of the first sort. */
static bool walks_in_order(const sq_search_plan *p)
{
    return p->drive == SQ_DRIVE_SORT || p->drive == SQ_DRIVE_TAG_RECENT;
}

static int64_t sort_key(const gen *g, int i)
{
    return key_of(g->p, SQ_KEY_FIELD, g->q->sorts[i].field_id);
}

static void put_from(gen *g, bool with_sorts)
{
    put(g->b, g->p->drive == SQ_DRIVE_TERM         ? " FROM case_fts d"
              : g->p->drive == SQ_DRIVE_TAG_RECENT ? " FROM tag_recency d"
                                                   : " FROM case_values d");
    for (int i = 0; with_sorts && i < g->q->sort_count; i++) {
        if (i == 0 && walks_in_order(g->p))
            continue;
        putf(g->b, " LEFT JOIN case_values s%d ON s%d.case_seq = %s "
                   "AND s%d.kkey = ", i, i, g->seq, i);
        put_int(g->b, sort_key(g, i));
    }
    if (g->tagset_join)
        putf(g->b, " LEFT JOIN case_tagsets ts ON ts.case_seq = %s", g->seq);
}

/* What makes a row of d a candidate; scoped: also restrict full-text
 * matches to the domain (probes count them across domains). */
static void put_driver(gen *g, bool scoped)
{
    sq_sql_buf *b = g->b;

    put(b, " WHERE ");
    switch (g->p->drive) {
    case SQ_DRIVE_TERM:
        put(b, "d.case_fts MATCH ");
        put_text(b, g->p->match);
        if (scoped) {
            put(b, " AND EXISTS (SELECT 1 FROM case_values x "
                   "WHERE x.case_seq = d.rowid AND x.kkey = ");
            put_int(b, domain_key(g->p));
            put(b, ")");
        }
        return;
    case SQ_DRIVE_DOMAIN:
        put(b, "d.kkey = ");
        put_int(b, domain_key(g->p));
        put(b, " AND d.val IS NULL");
        return;
    case SQ_DRIVE_LEAF:
    case SQ_DRIVE_SORT:
    case SQ_DRIVE_TAG_RECENT:
        put(b, "d.kkey = ");
        put_int(b, key_of(g->p, g->drive_kind, g->drive_name));
        break;
    }
    for (int i = 0; i < g->conj.count; i++) {
        if (!consumed(g, g->conj.nodes[i]))
            continue;
        put(b, " AND ");
        put_value_cond(g, "d", g->conj.nodes[i]);
    }
}

/* Everything else a match must meet. */
static void put_filter(gen *g)
{
    if (g->q->snapshot_seq > 0) {
        putf(g->b, " AND %s <= ", g->seq);
        put_int(g->b, g->q->snapshot_seq);
    }
    if (g->p->match && g->p->drive != SQ_DRIVE_TERM) {
        put(g->b, " AND ");
        put_term_check(g);
    }
    for (int i = 0; i < g->conj.count; i++) {
        if (consumed(g, g->conj.nodes[i]) ||
            (g->tagset_join && by_tagsets(g, g->conj.nodes[i])))
            continue;
        put(g->b, " AND ");
        put_check(g, g->conj.nodes[i], 0);
    }
    if (g->tagset_join) {
        /* an untagged case has no row: its set is the empty one */
        put(g->b, " AND coalesce(ts.tagset, '{}') IN (");
        for (int i = 0; i < g->p->tagset_count; i++) {
            if (i > 0)
                put(g->b, ", ");
            put_text(g->b, g->p->tagsets[i]);
        }
        put(g->b, ")");
    }
}

static const char *dir(bool descending)
{
    return descending ? "DESC" : "ASC";
}

static bool tie_descending(const store_search_query *q)
{
    return q->sort_count > 0 && q->sorts[0].descending;
}

/* The SQL of sort value i of a row. */
static void sort_expr(const gen *g, int i, char *out, size_t outlen)
{
    if (i == 0 && g->p->drive == SQ_DRIVE_TAG_RECENT)
        snprintf(out, outlen, "d.updated");
    else if (i == 0 && g->p->drive == SQ_DRIVE_SORT)
        snprintf(out, outlen, "d.val");
    else
        snprintf(out, outlen, "s%d.val", i);
}

static void put_order(gen *g)
{
    char e[16];

    put(g->b, " ORDER BY ");
    for (int i = 0; i < g->q->sort_count; i++) {
        const char *d = dir(g->q->sorts[i].descending);
        sort_expr(g, i, e, sizeof e);
        if (i == 0 && walks_in_order(g->p))
            putf(g->b, "%s %s, ", e, d);
        else if (!(i == 0 && g->p->nulls_only))
            putf(g->b, "%s IS NULL, %s %s, ", e, e, d);
    }
    putf(g->b, "%s %s", g->seq, dir(tie_descending(g->q)));
}

/* Row is strictly after cursor value ref at sort position i (NULLs last:
 * nothing follows a NULL but further NULLs). */
static void put_after_term(gen *g, int i, int ref, bool is_null)
{
    char e[16];
    bool desc = g->q->sorts[i].descending;

    if (is_null) {
        put(g->b, "0");
        return;
    }
    sort_expr(g, i, e, sizeof e);
    if (i == 0 && walks_in_order(g->p))
        putf(g->b, "%s %s ?%d", e, desc ? "<" : ">", ref);
    else
        putf(g->b, "(%s %s ?%d OR %s IS NULL)", e, desc ? "<" : ">", ref, e);
}

/* The keyset condition: the row comes after the cursor in the order. */
static void put_keyset_expr(gen *g, const int *refs, const json_t *after)
{
    int n = g->q->sort_count;
    char e[16];

    put(g->b, " AND (");
    for (int i = 0; i <= n; i++) {
        if (i > 0)
            put(g->b, " OR ");
        put(g->b, "(");
        for (int j = 0; j < i; j++) {
            sort_expr(g, j, e, sizeof e);
            putf(g->b, "%s IS ?%d AND ", e, refs[j]);
        }
        if (i < n)
            put_after_term(g, i, refs[i],
                           json_is_null(json_array_get(after, (size_t)i)));
        else
            putf(g->b, "%s %s ?%d", g->seq,
                 tie_descending(g->q) ? "<" : ">", refs[n]);
        put(g->b, ")");
    }
    put(g->b, ")");
}

static bool cursor_fits(const store_search_query *q, const json_t *after)
{
    size_t n = (size_t)q->sort_count;

    if (!json_is_array(after) || json_array_size(after) != n + 1 ||
        !json_is_integer(json_array_get(after, n)))
        return false;
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(after, i);
        if (!json_is_number(v) && !json_is_string(v) && !json_is_null(v))
            return false;
    }
    return true;
}

static int put_keyset(gen *g)
{
    const json_t *after = g->p->after;
    int refs[SEARCH_MAX_SORTS + 1];
    int n = g->q->sort_count;
    bool desc0 = n > 0 && g->q->sorts[0].descending;
    char e[16];

    if (!after)
        return 0;
    if (!cursor_fits(g->q, after))
        return -1;
    for (int i = 0; i <= n; i++)
        refs[i] = add_json_param(g->b, json_array_get(after, (size_t)i));
    sort_expr(g, 0, e, sizeof e);
    if (walks_in_order(g->p) && n == 1) {
        /* One row-value range the index seeks to directly. */
        putf(g->b, " AND (%s, d.case_seq) %s (?%d, ?%d)", e,
             desc0 ? "<" : ">", refs[0], refs[1]);
        return 0;
    }
    if (walks_in_order(g->p))
        putf(g->b, " AND %s %s ?%d", e, desc0 ? "<=" : ">=", refs[0]);
    put_keyset_expr(g, refs, after);
    return 0;
}

static void put_select(gen *g)
{
    char e[16];

    putf(g->b, "SELECT %s", g->seq);
    for (int i = 0; i < g->q->sort_count; i++) {
        sort_expr(g, i, e, sizeof e);
        putf(g->b, ", %s", e);
    }
    if (g->tagset_join) { /* joined for the filter: the case read reuses it */
        put(g->b, ", coalesce(ts.tagset, '{}')");
        g->b->tagset_column = 1 + g->q->sort_count;
    }
}

static void gen_init(gen *g, const store_search_query *q,
                     const sq_search_plan *p, sq_sql_buf *out)
{
    buf_reset(out);
    *g = (gen){.b = out, .q = q, .p = p};
    g->seq = p->drive == SQ_DRIVE_TERM ? "d.rowid" : "d.case_seq";
    if ((p->drive == SQ_DRIVE_LEAF || p->drive == SQ_DRIVE_TAG_RECENT) &&
        p->leaf) {
        g->drive_kind = node_key_kind(p->leaf);
        g->drive_name = node_key_name(p->leaf);
    } else if (p->drive == SQ_DRIVE_SORT && q->sort_count > 0) {
        g->drive_kind = SQ_KEY_FIELD;
        g->drive_name = q->sorts[0].field_id;
    }
    conjuncts_of(q->filter, &g->conj);
}

static int put_page(gen *g)
{
    put_select(g);
    put_from(g, true);
    put_driver(g, true);
    put_filter(g);
    if (g->p->nulls_only && g->q->sort_count > 0)
        put(g->b, " AND s0.val IS NULL");
    if (put_keyset(g) != 0)
        return -1;
    put_order(g);
    put(g->b, " LIMIT ");
    put_int(g->b, g->p->limit);
    return 0;
}

int sq_search_sql(const store_search_query *q, const sq_search_plan *p,
                  sq_sql_mode mode, sq_sql_buf *out)
{
    gen g;

    gen_init(&g, q, p, out);
    if ((p->drive == SQ_DRIVE_LEAF && !g.drive_name) ||
        (p->drive == SQ_DRIVE_TAG_RECENT &&
         (!g.drive_name || g.drive_kind != SQ_KEY_TAG || q->sort_count == 0 ||
          mode != SQ_SQL_PAGE)) ||
        (walks_in_order(p) && q->sort_count == 0) ||
        ((p->drive == SQ_DRIVE_TERM || p->match_broad) && !p->match))
        return -1;
    /* only these modes apply the whole filter */
    g.tagset_join = (mode == SQ_SQL_PAGE || mode == SQ_SQL_COUNT) &&
                    any_by_tagsets(&g);
    switch (mode) {
    case SQ_SQL_PAGE:
        if (put_page(&g) != 0)
            return -1;
        break;
    case SQ_SQL_PROBE:
        put(out, "SELECT count(*) FROM (SELECT 1");
        put_from(&g, false);
        put_driver(&g, false);
        putf(out, " LIMIT %d)", SQ_SEARCH_PROBE_CAP);
        break;
    case SQ_SQL_COUNT:
        put(out, "SELECT count(*)");
        put_from(&g, false);
        put_driver(&g, true);
        put_filter(&g);
        break;
    case SQ_SQL_SEQS:
        putf(out, "SELECT %s", g.seq);
        put_from(&g, false);
        put_driver(&g, false);
        if (q->snapshot_seq > 0) {
            putf(out, " AND %s <= ", g.seq);
            put_int(out, q->snapshot_seq);
        }
        break;
    }
    return out->overflow ? -1 : 0;
}

/* ======================================================================
 * Running a search
 * ====================================================================== */

/* --- statements of varying text -------------------------------------------- */

/* The prepared statement for sql, from the connection's LRU of search
 * statements (front = most recent); NULL on failure (logged). */
static sqlite3_stmt *cached_stmt(sqlite_conn *c, const char *sql)
{
    sqlite3_stmt **slots = &c->stmts[LRU_FIRST];
    sqlite3_stmt *s;
    int i = 0;

    while (i < LRU_SIZE && slots[i] && strcmp(sqlite3_sql(slots[i]), sql) != 0)
        i++;
    if (i < LRU_SIZE && slots[i]) {
        s = slots[i];
    } else {
        int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                                    &s, NULL);
        if (rc != SQLITE_OK) {
            sq_log_error(c, sql, rc);
            return NULL;
        }
        if (i == LRU_SIZE)
            sqlite3_finalize(slots[--i]);
    }
    memmove(&slots[1], &slots[0], (size_t)i * sizeof *slots);
    slots[0] = s;
    return s;
}

static sqlite3_stmt *prepare_buf(sqlite_conn *c, const sq_sql_buf *b)
{
    sqlite3_stmt *s = cached_stmt(c, b->sql);

    for (int i = 0; s && i < b->param_count; i++) {
        const sq_param *p = &b->params[i];
        switch (p->kind) {
        case SQ_PARAM_NULL:
            sqlite3_bind_null(s, i + 1);
            break;
        case SQ_PARAM_INT:
            sqlite3_bind_int64(s, i + 1, p->i);
            break;
        case SQ_PARAM_REAL:
            sqlite3_bind_double(s, i + 1, p->d);
            break;
        case SQ_PARAM_TEXT:
            sq_bind_text(s, i + 1, p->s);
            break;
        }
    }
    return s;
}

/* Runs a single-row count statement built in b. */
static int run_count(sqlite_conn *c, const sq_sql_buf *b, int64_t *count)
{
    sqlite3_stmt *s = prepare_buf(c, b);
    int rc;

    if (!s)
        return STORE_ERROR;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *count = sqlite3_column_int64(s, 0);
    sq_done(s);
    return rc == SQLITE_ROW ? STORE_OK : sq_log_error(c, "search count", rc);
}

/* --- state of one search ------------------------------------------------------- */

typedef struct {
    int64_t seq;
    json_t *cursor; /* owned */
    /* the case's tag set when the page walk read it: one of the run's
     * accepted sets (search_run.accepted), else NULL */
    const char *tagset;
} page_row;

/* What read_tagsets found among the domain's tag sets. */
typedef struct {
    int limit;       /* sets were read up to limit + 1; 0: not read */
    int rows;        /* sets read */
    bool whole;      /* the whole filter is on tags alone: matched counts */
    int64_t tagged;  /* cases carrying the sets read */
    int64_t matched; /* of them, cases whose set the whole filter accepts */
    bool untagged;   /* the whole filter accepts a case without tags */
} tagset_tally;

typedef struct {
    sq_search_plan plan;
    sq_sql_buf *buf;         /* the connection's (sqlite_conn.search_buf) */
    char match[MATCH_MAX];
    const search_node *best; /* most selective indexable conjunct */
    bool best_is_term;
    int64_t best_est;        /* -1: nothing to drive from */
    int probed;              /* conditions estimated */
    double selectivity;      /* of all estimated conditions, as if independent */
    int64_t sort_rows;       /* estimate on the first sort field, or -1 */
    page_row *rows;          /* row_cap entries, owned */
    int row_count;
    int row_cap;
    tagset_tally sets;       /* the domain's tag sets, once read */
    char **accepted;         /* plan.tagsets, owned */
    int accepted_count;
} search_run;

/* --- keys ------------------------------------------------------------------------- */

static int add_key(sqlite_conn *c, const store_scope *scope,
                   const char *domain_id, sq_search_plan *p, int kind,
                   const char *name)
{
    sqlite3_stmt *s;
    sq_search_key *k;
    int rc;

    if (!name)
        return STORE_OK;
    for (int i = 0; i < p->key_count; i++)
        if (p->keys[i].kind == kind && strcmp(p->keys[i].name, name) == 0)
            return STORE_OK;
    if (p->key_count == SQ_SEARCH_MAX_KEYS) {
        fprintf(stderr, "sqlite: search names too many fields and tags\n");
        return STORE_ERROR;
    }
    s = stmt(c, ST_SEARCH_KEY);
    if (!s)
        return STORE_ERROR;
    k = &p->keys[p->key_count];
    *k = (sq_search_key){.kind = kind, .name = name, .kkey = -1};
    sq_bind_scope(s, scope);
    sq_bind_text(s, 3, domain_id);
    sqlite3_bind_int(s, 4, kind);
    sq_bind_text(s, 5, name);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        k->kkey = sqlite3_column_int64(s, 0);
        k->count = sqlite3_column_int64(s, 1);
    }
    sq_done(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sq_log_error(c, "search key", rc);
    p->key_count++;
    return STORE_OK;
}

static int add_node_keys(sqlite_conn *c, const store_scope *scope,
                         const char *domain_id, sq_search_plan *p,
                         const search_node *n, int depth)
{
    int status = STORE_OK;

    if (depth > MAX_DEPTH)
        return STORE_ERROR;
    if (n->kind == SEARCH_FIELD || n->kind == SEARCH_TAG)
        return add_key(c, scope, domain_id, p, node_key_kind(n),
                       node_key_name(n));
    for (int i = 0; status == STORE_OK && i < n->child_count; i++)
        status = add_node_keys(c, scope, domain_id, p, n->children[i],
                               depth + 1);
    return status;
}

static int resolve_keys(sqlite_conn *c, const store_scope *scope,
                        const store_search_query *q, sq_search_plan *p)
{
    int status = add_key(c, scope, q->domain_id, p, SQ_KEY_DOMAIN, "");

    for (int i = 0; status == STORE_OK && i < q->sort_count; i++)
        status = add_key(c, scope, q->domain_id, p, SQ_KEY_FIELD,
                         q->sorts[i].field_id);
    if (status == STORE_OK && q->filter)
        status = add_node_keys(c, scope, q->domain_id, p, q->filter, 0);
    return status;
}

static const sq_search_key *find_key(const sq_search_plan *p, int kind,
                                     const char *name)
{
    for (int i = 0; i < p->key_count; i++)
        if (p->keys[i].kind == kind && name &&
            strcmp(p->keys[i].name, name) == 0)
            return &p->keys[i];
    return NULL;
}

/* --- choosing the driver ------------------------------------------------------- */

static int estimate(sqlite_conn *c, const store_search_query *q,
                    search_run *r, sq_drive drive, const search_node *leaf,
                    int64_t *est)
{
    sq_search_plan probe = r->plan;

    probe.drive = drive;
    probe.leaf = leaf;
    probe.after = NULL;
    if (sq_search_sql(q, &probe, SQ_SQL_PROBE, r->buf) != 0)
        return STORE_ERROR;
    return run_count(c, r->buf, est);
}

static void consider(search_run *r, const search_node *leaf, int64_t est)
{
    const sq_search_key *all = find_key(&r->plan, SQ_KEY_DOMAIN, "");

    r->probed++;
    if (all && all->count > 0)
        r->selectivity *= (double)est / (double)all->count;
    if (r->best_est >= 0 && est >= r->best_est)
        return;
    r->best = leaf;
    r->best_is_term = leaf == NULL;
    r->best_est = est;
}

static int read_count(sqlite_conn *c, enum search_stmt id, int64_t key,
                      const char *val, int64_t seq, int64_t *n, bool *found);
static bool counted_condition(const search_run *r, const search_node *n,
                              int64_t *key, const char **val);

/* A tag's kept count (migration 007) estimates it without a probe, which
 * for a tag most cases carry (a security profile's) counts up to the cap
 * on every search.  Sets *found when there was one. */
static int kept_estimate(sqlite_conn *c, const search_run *r,
                         const search_node *leaf, int64_t *est, bool *found)
{
    int64_t key;
    const char *val;

    *found = false;
    if (leaf->kind != SEARCH_TAG || !counted_condition(r, leaf, &key, &val))
        return STORE_OK;
    if (read_count(c, ST_SEARCH_COUNTER, key, val, 0, est, found) != STORE_OK)
        return STORE_ERROR;
    if (*found && *est > SQ_SEARCH_PROBE_CAP)
        *est = SQ_SEARCH_PROBE_CAP;
    return STORE_OK;
}

/* Probes the term and each indexable conjunct, keeping the smallest;
 * stops at the first that is small enough to drive anyway. */
static int find_best(sqlite_conn *c, const store_search_query *q,
                     search_run *r)
{
    conjuncts conj;
    int64_t est;
    int status;

    r->best_est = -1;
    r->selectivity = 1.0;
    r->sort_rows = -1;
    r->plan.match_broad = r->plan.match != NULL;
    if (r->plan.match) {
        status = estimate(c, q, r, SQ_DRIVE_TERM, NULL, &est);
        if (status != STORE_OK)
            return status;
        r->plan.match_broad = est >= SQ_SEARCH_PROBE_CAP;
        consider(r, NULL, est);
    }
    conjuncts_of(q->filter, &conj);
    for (int i = 0; i < conj.count && !(r->best_est >= 0 &&
                                        r->best_est < PROBE_SMALL); i++) {
        bool kept;

        if (!indexable(conj.nodes[i]))
            continue;
        status = kept_estimate(c, r, conj.nodes[i], &est, &kept);
        if (status == STORE_OK && !kept)
            status = estimate(c, q, r, SQ_DRIVE_LEAF, conj.nodes[i], &est);
        if (status != STORE_OK)
            return status;
        /* The probe covered every condition on its field. */
        if (q->sort_count > 0 && conj.nodes[i]->kind == SEARCH_FIELD &&
            same_key(conj.nodes[i], SQ_KEY_FIELD, q->sorts[0].field_id))
            r->sort_rows = est;
        consider(r, conj.nodes[i], est);
    }
    return STORE_OK;
}

/* Whether the best driver yields cases in seq order (equality ranges and
 * full-text matches do), so a page needs no sort when there are no sorts. */
static bool best_in_seq_order(const search_run *r)
{
    return r->best_is_term || r->best->kind == SEARCH_TAG ||
           r->best->op == SEARCH_EQ;
}

static void drive_best(search_run *r)
{
    if (r->best_est < 0) {
        r->plan.drive = SQ_DRIVE_DOMAIN;
        return;
    }
    r->plan.drive = r->best_is_term ? SQ_DRIVE_TERM : SQ_DRIVE_LEAF;
    r->plan.leaf = r->best;
}

/*
 * Whether walking the first sort field in order beats sorting the best
 * driver's rows, by rows touched: the walk reads about limit / (share of
 * its rows that match) rows, the driver all of its rows, each paying for
 * the other conditions.  Matches are estimated as if the conditions were
 * independent.
 */
static bool walk_is_cheaper(const store_search_query *q, const search_run *r)
{
    const sq_search_key *all = find_key(&r->plan, SQ_KEY_DOMAIN, "");
    const sq_search_key *k0 =
        find_key(&r->plan, SQ_KEY_FIELD, q->sorts[0].field_id);
    double n, rows, matches, walked;

    if (!all || all->count <= 0 || !k0 || k0->count <= 0)
        return false;
    n = (double)all->count;
    rows = r->sort_rows >= 0 ? (double)r->sort_rows : (double)k0->count;
    matches = n * r->selectivity;
    if (matches < 1)
        matches = 1;
    walked = (double)q->limit * (r->sort_rows >= 0 ? rows : n) / matches;
    if (walked > rows)
        walked = rows;
    return walked * (r->probed + 1) < (double)r->best_est * (r->probed + 2);
}

static bool nulls_possible(const store_search_query *q, const search_run *r);

/* The tag equality a last-updated page can walk tag_recency for: the one
 * the plan drives from, or any, when the plan walks the sort field (the
 * tag's cases are a subset of that walk, in the same order). */
static const search_node *recency_tag(const store_search_query *q,
                                      const search_run *r)
{
    conjuncts conj;

    if (q->sort_count != 1 || r->plan.nulls_only ||
        strcmp(q->sorts[0].field_id, "last_updated_datetime") != 0 ||
        nulls_possible(q, r))
        return NULL;
    if (r->plan.drive == SQ_DRIVE_LEAF)
        return r->plan.leaf->kind == SEARCH_TAG && r->plan.leaf->tag_value
                   ? r->plan.leaf
                   : NULL;
    if (r->plan.drive != SQ_DRIVE_SORT)
        return NULL;
    conjuncts_of(q->filter, &conj);
    for (int i = 0; i < conj.count; i++)
        if (conj.nodes[i]->kind == SEARCH_TAG && conj.nodes[i]->tag_value)
            return conj.nodes[i];
    return NULL;
}

static void choose_drive(const store_search_query *q, search_run *r)
{
    const search_node *tag;

    const json_t *after = r->plan.after;
    bool in_nulls = q->sort_count > 0 && after &&
                    json_is_null(json_array_get(after, 0));
    bool narrow = r->best_est >= 0 && r->best_est < SQ_SEARCH_PROBE_CAP;

    r->plan.nulls_only = in_nulls;
    if (narrow && !in_nulls && q->sort_count > 0 && walk_is_cheaper(q, r)) {
        r->plan.drive = SQ_DRIVE_SORT;
    } else if (narrow || in_nulls) {
        drive_best(r);
    } else if (q->sort_count > 0) {
        r->plan.drive = SQ_DRIVE_SORT;
    } else if (r->best_est >= 0 && best_in_seq_order(r)) {
        drive_best(r);
    } else {
        r->plan.drive = SQ_DRIVE_DOMAIN;
    }
    tag = recency_tag(q, r);
    if (tag) {
        r->plan.drive = SQ_DRIVE_TAG_RECENT;
        r->plan.leaf = tag;
    }
}

/* --- the page ---------------------------------------------------------------------- */

static json_t *column_json(sqlite3_stmt *s, int col)
{
    switch (sqlite3_column_type(s, col)) {
    case SQLITE_INTEGER:
        return json_integer(sqlite3_column_int64(s, col));
    case SQLITE_FLOAT:
        return json_real(sqlite3_column_double(s, col));
    case SQLITE_TEXT:
        return json_stringn((const char *)sqlite3_column_text(s, col),
                            (size_t)sqlite3_column_bytes(s, col));
    default:
        return json_null();
    }
}

/* [sortvalue..., seq] of the current row (seq first in the row). */
static json_t *row_cursor(sqlite3_stmt *s, int sort_count)
{
    json_t *cursor = json_array();

    for (int i = 0; cursor && i < sort_count; i++)
        if (json_array_append_new(cursor, column_json(s, i + 1)) != 0)
            goto fail;
    if (cursor && json_array_append_new(
                      cursor, json_integer(sqlite3_column_int64(s, 0))) == 0)
        return cursor;
fail:
    json_decref(cursor);
    return NULL;
}

/* The accepted set the page row at s carries, when the statement read it:
 * the filter let the row through, so its set is one of them. */
static const char *read_set(sqlite3_stmt *s, const search_run *r)
{
    const char *text;

    if (r->buf->tagset_column < 0)
        return NULL;
    text = (const char *)sqlite3_column_text(s, r->buf->tagset_column);
    for (int i = 0; text && i < r->accepted_count; i++)
        if (strcmp(r->accepted[i], text) == 0)
            return r->accepted[i];
    return NULL;
}

/* Runs the page statement of r->plan, appending up to plan.limit rows. */
static int run_pass(sqlite_conn *c, const store_search_query *q,
                    search_run *r)
{
    sqlite3_stmt *s;
    int rc = SQLITE_DONE, status = STORE_OK;

    if (sq_search_sql(q, &r->plan, SQ_SQL_PAGE, r->buf) != 0) {
        fprintf(stderr, "sqlite: search too complex or bad position\n");
        return STORE_ERROR;
    }
    s = prepare_buf(c, r->buf);
    if (!s)
        return STORE_ERROR;
    while (r->row_count < r->row_cap && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        page_row *row = &r->rows[r->row_count];
        row->seq = sqlite3_column_int64(s, 0);
        row->tagset = read_set(s, r);
        row->cursor = row_cursor(s, q->sort_count);
        if (!row->cursor) {
            status = STORE_ERROR;
            break;
        }
        r->row_count++;
    }
    if (status == STORE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        status = sq_log_error(c, "search", rc);
    sq_done(s);
    return status;
}

/* Whether cases lacking the first sort field can match: some case of the
 * domain lacks it, and no top-level condition needs its value. */
static bool nulls_possible(const store_search_query *q, const search_run *r)
{
    const sq_search_key *all = find_key(&r->plan, SQ_KEY_DOMAIN, "");
    const sq_search_key *k =
        find_key(&r->plan, SQ_KEY_FIELD, q->sorts[0].field_id);
    conjuncts conj;

    if (k && all && k->kkey >= 0 && k->count >= all->count)
        return false;
    conjuncts_of(q->filter, &conj);
    for (int i = 0; i < conj.count; i++)
        if (conj.nodes[i]->kind == SEARCH_FIELD && tests_value(conj.nodes[i]) &&
            same_key(conj.nodes[i], SQ_KEY_FIELD, q->sorts[0].field_id))
            return false;
    return true;
}

static int collect_page(sqlite_conn *c, const store_search_query *q,
                        search_run *r, int limit)
{
    int status;

    r->plan.limit = limit;
    status = run_pass(c, q, r);
    if (status != STORE_OK || r->plan.drive != SQ_DRIVE_SORT ||
        r->row_count == limit || !nulls_possible(q, r))
        return status;
    /* The walk ran out of cases having the sort field: those lacking it
     * follow, all after any cursor the walk could have started from. */
    drive_best(r);
    r->plan.nulls_only = true;
    r->plan.after = NULL;
    r->plan.limit = limit - r->row_count;
    return run_pass(c, q, r);
}

static int emit_case(sqlite_conn *c, const store_search_query *q,
                     const page_row *row, store_search_cb cb, void *arg)
{
    sqlite3_stmt *s = stmt(c, row->tagset ? ST_SEARCH_CASE_BARE : ST_SEARCH_CASE);
    json_error_t jerr;
    store_case sc = {.domain_id = q->domain_id, .seq = row->seq};
    int rc, status = STORE_OK;

    if (!s)
        return STORE_ERROR;
    sqlite3_bind_int64(s, 1, row->seq);
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        /* The read transaction keeps every listed case in place. */
        status = rc == SQLITE_DONE ? STORE_OK : sq_log_error(c, "search case", rc);
        goto cleanup;
    }
    sc.case_id = (const char *)sqlite3_column_text(s, 0);
    sc.template_id = (const char *)sqlite3_column_text(s, 1);
    sc.created_ms = sqlite3_column_int64(s, 2);
    sc.updated_ms = sqlite3_column_int64(s, 3);
    /* a case without tags has no kept set */
    sc.tags_text = row->tagset                              ? row->tagset
                   : sqlite3_column_type(s, 5) == SQLITE_NULL ? "{}"
                   : (const char *)sqlite3_column_text(s, 5);
    if (q->fields_as_text) {
        sc.fields_text = (const char *)sqlite3_column_text(s, 4);
        sc.fields_len = (size_t)sqlite3_column_bytes(s, 4);
        status = sc.fields_text ? cb(&sc, row->cursor, arg) : STORE_ERROR;
        goto cleanup;
    }
    sc.fields = sq_column_json(s, 4, &jerr);
    if (!sc.fields) {
        fprintf(stderr, "sqlite: corrupt case fields: %s\n", jerr.text);
        status = STORE_ERROR;
        goto cleanup;
    }
    status = cb(&sc, row->cursor, arg);
    json_decref(sc.fields);
cleanup:
    sq_done(s);
    return status;
}

static int read_max_seq(sqlite_conn *c, const search_run *r, int64_t *max_seq)
{
    const sq_search_key *all = find_key(&r->plan, SQ_KEY_DOMAIN, "");
    sqlite3_stmt *s;
    int rc;

    *max_seq = 0;
    if (!all || all->kkey < 0)
        return STORE_OK;
    s = stmt(c, ST_SEARCH_MAX_SEQ);
    if (!s)
        return STORE_ERROR;
    sqlite3_bind_int64(s, 1, all->kkey);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *max_seq = sqlite3_column_int64(s, 0);
    sq_done(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE
               ? STORE_OK
               : sq_log_error(c, "search max seq", rc);
}

/* --- counting from kept counts ----------------------------------------------------- */

/* Runs a fixed statement returning one integer, with key and value bound
 * to ?1 and ?2 (value unless NULL, seq to ?3 when positive); *found says
 * whether a row came back. */
static int read_count(sqlite_conn *c, enum search_stmt id, int64_t key,
                      const char *val, int64_t seq, int64_t *n, bool *found)
{
    sqlite3_stmt *s = stmt(c, id);
    int rc;

    if (!s)
        return STORE_ERROR;
    sqlite3_bind_int64(s, 1, key);
    if (val)
        sq_bind_text(s, 2, val);
    if (seq > 0)
        sqlite3_bind_int64(s, 3, seq);
    rc = sqlite3_step(s);
    *found = rc == SQLITE_ROW;
    if (*found)
        *n = sqlite3_column_int64(s, 0);
    sq_done(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE
               ? STORE_OK
               : sq_log_error(c, "search count", rc);
}

/* The key and value of a condition whose count the triggers may keep:
 * an equality on a field's string (kept for SingleSelect options) or on a
 * tag.  False for any other condition. */
static bool counted_condition(const search_run *r, const search_node *n,
                              int64_t *key, const char **val)
{
    if (n->kind == SEARCH_FIELD && n->op == SEARCH_EQ && !n->blank &&
        !n->numeric && n->str) {
        *key = key_of(&r->plan, SQ_KEY_FIELD, n->field_id);
        *val = n->str;
    } else if (n->kind == SEARCH_TAG && n->tag_value) {
        *key = key_of(&r->plan, SQ_KEY_TAG, n->tag_key);
        *val = n->tag_value;
    } else {
        return false;
    }
    return *key >= 0;
}

/* The filter is one equality whose count the triggers keep
 * (search_counts, migrations 005 and 007): take it, less the cases
 * created after the snapshot.  Sets *done when it applied. */
static int count_from_counter(sqlite_conn *c, const store_search_query *q,
                              const search_run *r, const conjuncts *conj,
                              int64_t max_seq, int64_t *total, bool *done)
{
    const search_node *n = conj->count == 1 ? conj->nodes[0] : NULL;
    int64_t key, kept = 0, later = 0;
    const char *val;
    bool found = false;
    int status;

    *done = false;
    if (!n || r->plan.match || !counted_condition(r, n, &key, &val))
        return STORE_OK;
    status = read_count(c, ST_SEARCH_COUNTER, key, val, 0, &kept, &found);
    if (status != STORE_OK || !found)
        return status;
    if (q->snapshot_seq > 0 && q->snapshot_seq < max_seq)
        status = read_count(c, ST_SEARCH_COUNT_AFTER, key, val,
                            q->snapshot_seq, &later, &found);
    *total = kept - later;
    *done = status == STORE_OK;
    return status;
}

/* --- counting a range from day counts ------------------------------------------ */

#define DAY_LEN 10 /* "YYYY-MM-DD" */

/* The matches of range n among the values of its key that start with
 * day, the day its bound falls in. */
static int count_in_day(sqlite_conn *c, search_run *r, const search_node *n,
                        int64_t key, const char *day, int64_t *count)
{
    static const char *const ops[] = {
        [SEARCH_GT] = ">", [SEARCH_GE] = ">=", [SEARCH_LT] = "<",
        [SEARCH_LE] = "<="};
    char next_day[DAY_LEN + 1];
    sq_sql_buf *b = r->buf;

    memcpy(next_day, day, sizeof next_day);
    next_day[DAY_LEN - 1]++; /* ASCII digit: every value of day sorts below */
    buf_reset(b);
    put(b, "SELECT count(*) FROM case_values WHERE kkey = ");
    put_int(b, key);
    put(b, " AND val >= ");
    put_text(b, day);
    put(b, " AND val < ");
    put_text(b, next_day);
    putf(b, " AND val %s ", ops[n->op]);
    put_text(b, n->str);
    return b->overflow ? STORE_ERROR : run_count(c, b, count);
}

/*
 * A lone range on a key whose every value is a counted timestamp (migration
 * 009): values of a day after the bound's first ten characters all lie
 * above the bound, those of a day before all below, whatever the bound is,
 * since strings compare by their bytes from the first; only the day equal
 * to those ten characters needs its rows read.  Cases created after the
 * snapshot are not told apart here, so such walks count the usual way.
 * Sets *done when it applied.
 */
static int count_from_days(sqlite_conn *c, const store_search_query *q,
                           search_run *r, const conjuncts *conj,
                           int64_t max_seq, int64_t *total, bool *done)
{
    const search_node *n = conj->count == 1 ? conj->nodes[0] : NULL;
    const sq_search_key *k;
    char day[DAY_LEN + 1] = "";
    int64_t counted = 0, wide = 0, in_day = 0;
    bool found, above;
    size_t len;
    int status;

    *done = false;
    if (!n || r->plan.match || n->kind != SEARCH_FIELD || n->blank ||
        n->numeric || !n->str || n->op == SEARCH_EQ ||
        n->op == SEARCH_CONTAINS ||
        (q->snapshot_seq > 0 && q->snapshot_seq < max_seq))
        return STORE_OK;
    k = find_key(&r->plan, SQ_KEY_FIELD, n->field_id);
    if (!k || k->kkey < 0 || k->count <= 0)
        return STORE_OK;
    len = strnlen(n->str, DAY_LEN);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)n->str[i] >= 0x80)
            return STORE_OK; /* keep to bytes the day column holds */
    memcpy(day, n->str, len);
    status = read_count(c, ST_SEARCH_DAYS_ALL, k->kkey, NULL, 0, &counted,
                        &found);
    if (status != STORE_OK || counted != k->count)
        return status;
    above = n->op == SEARCH_GT || n->op == SEARCH_GE;
    status = read_count(c, above ? ST_SEARCH_DAYS_ABOVE : ST_SEARCH_DAYS_BELOW,
                        k->kkey, day, 0, &wide, &found);
    /* A shorter bound is no day: every value is above or below it. */
    if (status == STORE_OK && len == DAY_LEN)
        status = count_in_day(c, r, n, k->kkey, day, &in_day);
    *total = wide + in_day;
    *done = status == STORE_OK;
    return status;
}

/* --- counting tag filters by tag sets ------------------------------------------- */

/* Beyond this many distinct tag sets in a domain (tags unique to each
 * case, say) reading them all costs more than the other ways of counting. */
#define TAGSETS_MAX 4096

/* Whether n tests tags only (AND, OR, NOT over tag leaves). */
static bool tags_only(const search_node *n, int depth)
{
    if (depth > MAX_DEPTH || n->kind == SEARCH_FIELD)
        return false;
    for (int i = 0; i < n->child_count; i++)
        if (!tags_only(n->children[i], depth + 1))
            return false;
    return true;
}

/* n on a case whose tags are tagset, as put_check's SQL decides it. */
static bool tagset_matches(const search_node *n, const json_t *tagset)
{
    const json_t *v;

    switch (n->kind) {
    case SEARCH_TAG:
        v = json_object_get(tagset, n->tag_key);
        return n->tag_value && json_is_string(v) &&
               !strcmp(json_string_value(v), n->tag_value);
    case SEARCH_AND:
        for (int i = 0; i < n->child_count; i++)
            if (!tagset_matches(n->children[i], tagset))
                return false;
        return true;
    case SEARCH_OR:
        for (int i = 0; i < n->child_count; i++)
            if (tagset_matches(n->children[i], tagset))
                return true;
        return false;
    case SEARCH_NOT:
        return n->child_count > 0 && !tagset_matches(n->children[0], tagset);
    case SEARCH_FIELD:
        break;
    }
    return false;
}

/* --- the domain's tag sets ----------------------------------------------------------- */

/* Beyond this many distinct tag sets in a domain, reading and testing each
 * costs a page more than the per-tag lookups it saves (about 0.5 µs per
 * set against 0.6 µs per case the page walks). */
#define TAGSETS_PAGE_MAX 64

static bool has_tag_compound(const conjuncts *conj)
{
    for (int i = 0; i < conj->count; i++)
        if (tag_compound(conj->nodes[i]))
            return true;
    return false;
}

/* Whether every conjunct over several tags holds on a case tagged tagset. */
static bool compounds_accept(const conjuncts *conj, const json_t *tagset)
{
    for (int i = 0; i < conj->count; i++)
        if (tag_compound(conj->nodes[i]) &&
            !tagset_matches(conj->nodes[i], tagset))
            return false;
    return true;
}

/* Keeps a copy of the stored text of a set the conjuncts accept; 0 or -1. */
static int accept_set(search_run *r, const char *text)
{
    /* room for "{}" and TAGSETS_PAGE_MAX sets */
    if (r->accepted_count == TAGSETS_PAGE_MAX + 1)
        return -1;
    if (!r->accepted &&
        !(r->accepted = calloc(TAGSETS_PAGE_MAX + 1, sizeof *r->accepted)))
        return -1;
    if (!(r->accepted[r->accepted_count] = strdup(text)))
        return -1;
    r->accepted_count++;
    return 0;
}

static void forget_accepted(search_run *r)
{
    for (int i = 0; i < r->accepted_count; i++)
        free(r->accepted[i]);
    r->accepted_count = 0;
}

/* Tallies one set: its cases, whether the whole filter accepts it, and
 * (when listing) whether the conjuncts over several tags do. */
static int tally_set(search_run *r, const store_search_query *q,
                     const conjuncts *conj, bool listing, const char *text,
                     const json_t *tagset, int64_t n)
{
    r->sets.tagged += n;
    if (r->sets.whole && tagset_matches(q->filter, tagset))
        r->sets.matched += n;
    if (listing && compounds_accept(conj, tagset))
        return accept_set(r, text);
    return 0;
}

/*
 * Reads up to limit + 1 of the domain's kept tag sets (migration 011),
 * which the read transaction sees as of the same commit as the cases: for
 * the count of a filter on tags alone (count_from_tagsets) and the list
 * of sets the conjuncts over several tags accept (sq_search_plan.tagsets,
 * set when the domain has at most TAGSETS_PAGE_MAX sets).  Reads again
 * only for a higher limit; a list once made stays, being the same.
 */
static int read_tagsets(sqlite_conn *c, const store_scope *scope,
                        const store_search_query *q, search_run *r, int limit)
{
    conjuncts conj;
    json_t *none = NULL;
    sqlite3_stmt *s;
    bool listing;
    int rc = SQLITE_DONE, status = STORE_OK;

    conjuncts_of(q->filter, &conj);
    listing = !r->plan.tagsets && has_tag_compound(&conj);
    if (listing)
        forget_accepted(r); /* from a read that found too many sets */
    r->sets = (tagset_tally){.limit = limit, .whole = tags_only(q->filter, 0)};
    if (!(none = json_object()))
        return STORE_ERROR;
    r->sets.untagged = r->sets.whole && tagset_matches(q->filter, none);
    if (listing && compounds_accept(&conj, none) && accept_set(r, "{}") != 0)
        status = STORE_ERROR;
    json_decref(none);
    if (!(s = stmt(c, ST_SEARCH_TAGSETS)))
        return STORE_ERROR;
    sq_bind_scope(s, scope);
    sq_bind_text(s, 3, q->domain_id);
    sqlite3_bind_int(s, 4, limit + 1);
    while (status == STORE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(s, 0);
        json_t *tagset = sq_column_json(s, 0, NULL);
        if (!text || !json_is_object(tagset) ||
            tally_set(r, q, &conj, listing && r->sets.rows < TAGSETS_PAGE_MAX,
                      text, tagset, sqlite3_column_int64(s, 1)) != 0)
            status = STORE_ERROR;
        r->sets.rows++;
        json_decref(tagset);
    }
    if (status == STORE_OK && rc != SQLITE_DONE)
        status = sq_log_error(c, "read tag sets", rc);
    sq_done(s);
    if (status == STORE_OK && listing && r->sets.rows <= TAGSETS_PAGE_MAX) {
        r->plan.tagsets = (const char *const *)r->accepted;
        r->plan.tagset_count = r->accepted_count;
    }
    return status;
}

/* Lists the sets for a filter with conjuncts over several tags, reading
 * as many as the count of a filter on tags alone will want. */
static int accept_tagsets(sqlite_conn *c, const store_scope *scope,
                          const store_search_query *q, search_run *r)
{
    conjuncts conj;

    if (!q->filter)
        return STORE_OK;
    conjuncts_of(q->filter, &conj);
    if (!has_tag_compound(&conj))
        return STORE_OK;
    return read_tagsets(c, scope, q, r,
                        q->want_total && tags_only(q->filter, 0)
                            ? TAGSETS_MAX
                            : TAGSETS_PAGE_MAX);
}

/*
 * A filter on tags alone, over every case of the snapshot: the sum of the
 * kept counts of the tag sets it accepts (migration 011), plus the untagged
 * cases when it accepts no tags.  Sets *done when it applied.
 */
static int count_from_tagsets(sqlite_conn *c, const store_scope *scope,
                              const store_search_query *q, search_run *r,
                              int64_t max_seq, int64_t *total, bool *done)
{
    const sq_search_key *all = find_key(&r->plan, SQ_KEY_DOMAIN, "");
    int status = STORE_OK;

    *done = false;
    if (!q->filter || r->plan.match || !all || all->kkey < 0 ||
        !tags_only(q->filter, 0) ||
        (q->snapshot_seq > 0 && q->snapshot_seq < max_seq))
        return STORE_OK;
    if (r->sets.limit < TAGSETS_MAX)
        status = read_tagsets(c, scope, q, r, TAGSETS_MAX);
    if (status != STORE_OK || r->sets.rows > TAGSETS_MAX)
        return status;
    *total = r->sets.matched +
             (r->sets.untagged ? all->count - r->sets.tagged : 0);
    *done = true;
    return STORE_OK;
}

/* Refreshes the rows and counts of the noted cases (see the statements). */
int sq_tagsets_flush(sqlite_conn *c)
{
    static const enum search_stmt steps[] = {
        ST_TAGSETS_UNCOUNT, ST_TAGSETS_FORGET, ST_TAGSETS_SET,
        ST_TAGSETS_COUNT, ST_TAGSETS_CLEAR};
    sqlite3_stmt *s = stmt(c, ST_TAGSETS_ANY);
    int rc, status = STORE_OK;

    if (!s)
        return STORE_ERROR;
    rc = sqlite3_step(s);
    sq_done(s);
    if (rc == SQLITE_DONE) /* no tag changed: the usual batch */
        return STORE_OK;
    if (rc != SQLITE_ROW)
        return sq_log_error(c, "find changed tag sets", rc);
    for (size_t i = 0; i < sizeof steps / sizeof steps[0] && status == STORE_OK; i++) {
        if (!(s = stmt(c, steps[i])))
            return STORE_ERROR;
        status = sq_run(c, s, "refresh tag sets");
    }
    return status;
}

/* --- counting broad filters with sets of case seqs ------------------------------ */

/*
 * Counting row by row costs a random lookup per driver row for every other
 * condition, and a filter with no narrow indexable condition (an OR, such
 * as the tag sets of several security profiles, or a NOT) tests every case
 * of the domain.  When every leaf of the filter is indexable, reading each
 * leaf's index range in order into a set of case seqs (a bitmap up to the
 * domain's highest seq) and combining the sets as the filter does costs a
 * sequential read per row instead.
 */
#define BITMAP_MAX_SEQ (INT64_C(1) << 26) /* 8 MiB per bitmap */

typedef struct {
    sqlite_conn *c;
    const store_search_query *q;
    search_run *r;
    size_t words;      /* of every bitmap: seqs 0 .. max_seq */
    uint64_t *domain;  /* every case of the domain, read when first needed */
} seq_sets;

/* Whether every leaf of n can be read from an index. */
static bool readable_tree(const search_node *n, int depth)
{
    if (depth > MAX_DEPTH)
        return false;
    if (n->kind == SEARCH_FIELD || n->kind == SEARCH_TAG)
        return indexable(n);
    for (int i = 0; i < n->child_count; i++)
        if (!readable_tree(n->children[i], depth + 1))
            return false;
    return n->kind != SEARCH_NOT || n->child_count == 1;
}

/* Marks in bits the seqs that plan p's driver yields for query q. */
static int read_seqs(seq_sets *sets, const store_search_query *q,
                     const sq_search_plan *p, uint64_t *bits)
{
    sqlite3_stmt *s;
    int rc;

    if (sq_search_sql(q, p, SQ_SQL_SEQS, sets->r->buf) != 0)
        return STORE_ERROR;
    s = prepare_buf(sets->c, sets->r->buf);
    if (!s)
        return STORE_ERROR;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        uint64_t seq = (uint64_t)sqlite3_column_int64(s, 0);
        if ((size_t)(seq >> 6) < sets->words) /* else not this domain's */
            bits[seq >> 6] |= UINT64_C(1) << (seq & 63);
    }
    sq_done(s);
    return rc == SQLITE_DONE ? STORE_OK : sq_log_error(sets->c, "search set", rc);
}

/* The rows of driver drive (leaf: that condition alone), as a new set. */
static uint64_t *driver_set(seq_sets *sets, sq_drive drive,
                            const search_node *leaf)
{
    store_search_query alone = {.domain_id = sets->q->domain_id,
                                .filter = leaf};
    sq_search_plan p = sets->r->plan;
    uint64_t *bits = calloc(sets->words, sizeof *bits);

    p.drive = drive;
    p.leaf = leaf;
    p.after = NULL;
    p.nulls_only = false;
    if (bits && read_seqs(sets, &alone, &p, bits) == STORE_OK)
        return bits;
    free(bits);
    return NULL;
}

static uint64_t *node_set(seq_sets *sets, const search_node *n);

/* Reads the domain's cases into sets->domain once; false on failure. */
static bool have_domain(seq_sets *sets)
{
    if (!sets->domain)
        sets->domain = driver_set(sets, SQ_DRIVE_DOMAIN, NULL);
    return sets->domain != NULL;
}

/* Every case of the domain, as a new set. */
static uint64_t *domain_set(seq_sets *sets)
{
    uint64_t *bits = have_domain(sets) ? malloc(sets->words * sizeof *bits)
                                       : NULL;

    if (bits)
        memcpy(bits, sets->domain, sets->words * sizeof *bits);
    return bits;
}

/* AND and OR: the children's sets combined word by word. */
static uint64_t *junction_set(seq_sets *sets, const search_node *n, bool and)
{
    uint64_t *acc = NULL;

    if (n->child_count == 0) /* every case, or none, as the SQL has it */
        return and ? domain_set(sets) : calloc(sets->words, sizeof *acc);
    for (int i = 0; i < n->child_count; i++) {
        uint64_t *child = node_set(sets, n->children[i]);
        if (!child) {
            free(acc);
            return NULL;
        }
        if (!acc) {
            acc = child;
            continue;
        }
        for (size_t w = 0; w < sets->words; w++)
            acc[w] = and ? acc[w] & child[w] : acc[w] | child[w];
        free(child);
    }
    return acc;
}

/* The cases of the domain meeting n. */
static uint64_t *node_set(seq_sets *sets, const search_node *n)
{
    uint64_t *bits;

    switch (n->kind) {
    case SEARCH_FIELD:
    case SEARCH_TAG:
        return driver_set(sets, SQ_DRIVE_LEAF, n);
    case SEARCH_AND:
        return junction_set(sets, n, true);
    case SEARCH_OR:
        return junction_set(sets, n, false);
    case SEARCH_NOT:
        bits = have_domain(sets) ? node_set(sets, n->children[0]) : NULL;
        for (size_t w = 0; bits && w < sets->words; w++)
            bits[w] = sets->domain[w] & ~bits[w];
        return bits;
    }
    return NULL;
}

/* Whether counting by sets pays: the driver is broad or there is none,
 * and the filter is more than one condition a COUNT reads directly. */
static bool sets_pay(const store_search_query *q, const search_run *r,
                     int64_t max_seq)
{
    conjuncts conj;

    if (!q->filter || max_seq <= 0 || max_seq > BITMAP_MAX_SEQ ||
        (r->best_est >= 0 && r->best_est < SQ_SEARCH_PROBE_CAP) ||
        !readable_tree(q->filter, 0))
        return false;
    conjuncts_of(q->filter, &conj);
    return conj.count > 1 || r->plan.match || !indexable(conj.nodes[0]);
}

/* Counts by sets when that pays (sets *done), see above. */
static int count_by_sets(sqlite_conn *c, const store_search_query *q,
                         search_run *r, int64_t max_seq, int64_t *total,
                         bool *done)
{
    seq_sets sets = {.c = c, .q = q, .r = r,
                     .words = (size_t)(max_seq >> 6) + 1};
    uint64_t *bits, *term = NULL;
    int64_t last = q->snapshot_seq > 0 ? q->snapshot_seq : max_seq;

    *done = false;
    if (!sets_pay(q, r, max_seq))
        return STORE_OK;
    bits = node_set(&sets, q->filter);
    if (bits && r->plan.match) {
        term = driver_set(&sets, SQ_DRIVE_TERM, NULL);
        for (size_t w = 0; term && w < sets.words; w++)
            bits[w] &= term[w];
    }
    if (bits && (!r->plan.match || term)) {
        *total = 0;
        for (size_t w = 0; w < sets.words; w++) {
            uint64_t word = bits[w];
            int64_t first = (int64_t)w * 64;
            if (first > last)
                break;
            if (last - first < 63) /* cases created after the snapshot */
                word &= (UINT64_C(1) << (last - first + 1)) - 1;
            *total += __builtin_popcountll(word);
        }
        *done = true;
    }
    free(term);
    free(bits);
    free(sets.domain);
    return *done ? STORE_OK : STORE_ERROR;
}

static int count_all(sqlite_conn *c, const store_scope *scope,
                     const store_search_query *q, search_run *r,
                     int64_t max_seq, int64_t *total)
{
    const sq_search_key *all = find_key(&r->plan, SQ_KEY_DOMAIN, "");
    sq_search_plan p = r->plan;
    conjuncts conj;

    bool done;
    int status;

    /* Every case of the domain: the domain key keeps that count. */
    conjuncts_of(q->filter, &conj);
    if (conj.count == 0 && !r->plan.match && all &&
        (q->snapshot_seq <= 0 || q->snapshot_seq >= max_seq)) {
        *total = all->kkey < 0 ? 0 : all->count;
        return STORE_OK;
    }
    status = count_from_counter(c, q, r, &conj, max_seq, total, &done);
    if (status != STORE_OK || done)
        return status;
    status = count_from_days(c, q, r, &conj, max_seq, total, &done);
    if (status != STORE_OK || done)
        return status;
    status = count_from_tagsets(c, scope, q, r, max_seq, total, &done);
    if (status != STORE_OK || done)
        return status;
    status = count_by_sets(c, q, r, max_seq, total, &done);
    if (status != STORE_OK || done)
        return status;

    p.nulls_only = false;
    p.after = NULL;
    p.drive = r->best_est < 0 ? SQ_DRIVE_DOMAIN
              : r->best_is_term ? SQ_DRIVE_TERM
                                : SQ_DRIVE_LEAF;
    p.leaf = r->best;
    if (sq_search_sql(q, &p, SQ_SQL_COUNT, r->buf) != 0)
        return STORE_ERROR;
    return run_count(c, r->buf, total);
}

/* Plans and runs q; page rows end up in r->rows. */
static int search(sqlite_conn *c, const store_scope *scope,
                  const store_search_query *q, search_run *r, int64_t *total,
                  int64_t *max_seq)
{
    int limit = q->limit < 0 ? 0 : q->limit > MAX_LIMIT ? MAX_LIMIT : q->limit;
    int tokens = 0;
    int status;

    if (q->search_term && *q->search_term) {
        if (!c->words && !(c->words = sq_fts_words_open(c->db)))
            return STORE_ERROR;
        tokens = sq_fts_match(c->words, q->search_term, r->match,
                              sizeof r->match);
    }
    if (tokens < 0 || q->sort_count < 0 || q->sort_count > SEARCH_MAX_SORTS)
        return STORE_ERROR;
    r->plan.match = tokens > 0 ? r->match : NULL;
    r->plan.after = q->after;
    if (q->after && !cursor_fits(q, q->after))
        return STORE_ERROR;
    status = resolve_keys(c, scope, q, &r->plan);
    if (status == STORE_OK)
        status = read_max_seq(c, r, max_seq);
    if (status == STORE_OK)
        status = find_best(c, q, r);
    if (status != STORE_OK)
        return status;
    choose_drive(q, r);
    status = accept_tagsets(c, scope, q, r);
    if (status == STORE_OK && limit > 0) {
        r->rows = calloc((size_t)limit, sizeof *r->rows);
        if (!r->rows)
            return STORE_ERROR;
        r->row_cap = limit;
        status = collect_page(c, q, r, limit);
    }
    if (status == STORE_OK && q->want_total)
        status = count_all(c, scope, q, r, *max_seq, total);
    return status;
}

int sq_cases_search(store_conn *conn, const store_scope *scope,
                    const store_search_query *q, store_search_cb cb, void *arg,
                    int64_t *total, int64_t *max_seq)
{
    sqlite_conn *c = as_sqlite(conn);
    search_run *r = calloc(1, sizeof *r);
    int64_t total_v = 0, max_v = 0;
    bool own = false;
    int status;

    if (!r || (!c->search_buf && !(c->search_buf = malloc(sizeof *c->search_buf)))) {
        free(r);
        return STORE_ERROR;
    }
    r->buf = c->search_buf;
    /* Every case acknowledged before now must be in the full-text index;
     * its snapshot begins at the first read of it, after this. */
    status = q->search_term && *q->search_term
                 ? sq_fts_catch_up(sq_store_fts(c->shared))
                 : STORE_OK;
    if (status == STORE_OK)
        status = sq_read_begin(c, &own);
    if (status == STORE_OK)
        status = search(c, scope, q, r, &total_v, &max_v);
    for (int i = 0; status == STORE_OK && i < r->row_count; i++)
        status = emit_case(c, q, &r->rows[i], cb, arg);
    sq_read_end(c, own);
    if (status == STORE_OK) {
        if (total)
            *total = total_v;
        if (max_seq)
            *max_seq = max_v;
    }
    for (int i = 0; i < r->row_count; i++)
        json_decref(r->rows[i].cursor);
    free(r->rows);
    forget_accepted(r);
    free(r->accepted);
    free(r);
    return status;
}
