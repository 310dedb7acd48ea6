/* test_search_sql.c - SQL generated for SearchCases (sq_search_sql). */
#include <stdio.h>
#include <stdlib.h>

#include "store/sqlite/sqlite_internal.h"
#include "test.h"

/* Keys as resolve_keys would find them: domain 1, fields 10.., tags 20... */
static void plan_init(sq_search_plan *p, sq_drive drive)
{
    static const struct {
        int kind;
        const char *name;
        int64_t kkey;
    } keys[] = {
        {SQ_KEY_DOMAIN, "", 1},        {SQ_KEY_FIELD, "title", 10},
        {SQ_KEY_FIELD, "status", 11},  {SQ_KEY_FIELD, "amount", 12},
        {SQ_KEY_FIELD, "created", 13}, {SQ_KEY_TAG, "team", 20},
    };
    *p = (sq_search_plan){.drive = drive, .limit = 25};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        p->keys[p->key_count++] = (sq_search_key){
            .kind = keys[i].kind, .name = keys[i].name, .kkey = keys[i].kkey};
}

static search_node field(const char *id, search_op op, const char *str)
{
    return (search_node){.kind = SEARCH_FIELD, .field_id = id, .op = op,
                         .str = str};
}

static search_node number(const char *id, search_op op, double num)
{
    return (search_node){.kind = SEARCH_FIELD, .field_id = id, .op = op,
                         .numeric = true, .num = num};
}

static search_node tag(const char *key, const char *value)
{
    return (search_node){.kind = SEARCH_TAG, .tag_key = key,
                         .tag_value = value};
}

static search_node junction(search_node_kind kind, search_node **children,
                            int count)
{
    return (search_node){.kind = kind, .children = children,
                         .child_count = count};
}

static sq_sql_buf *gen(const store_search_query *q, const sq_search_plan *p,
                       sq_sql_mode mode)
{
    static sq_sql_buf buf;
    if (sq_search_sql(q, p, mode, &buf) != 0)
        return NULL;
    return &buf;
}

#define CHECK_PARAM_INT(b, n, v)                                    \
    do {                                                            \
        CHECK_INT((b)->params[(n) - 1].kind, SQ_PARAM_INT);         \
        CHECK_INT((b)->params[(n) - 1].i, (v));                     \
    } while (0)
#define CHECK_PARAM_TEXT(b, n, v)                                   \
    do {                                                            \
        CHECK_INT((b)->params[(n) - 1].kind, SQ_PARAM_TEXT);        \
        CHECK_STR((b)->params[(n) - 1].s, (v));                     \
    } while (0)
#define CHECK_PARAM_REAL(b, n, v)                                   \
    do {                                                            \
        CHECK_INT((b)->params[(n) - 1].kind, SQ_PARAM_REAL);        \
        CHECK((b)->params[(n) - 1].d == (v));                       \
    } while (0)
#define CHECK_HAS(b, text)                                          \
    do {                                                            \
        if (!strstr((b)->sql, (text))) {                            \
            test_fail(__FILE__, __LINE__, "no \"%s\" in %s", (text), \
                      (b)->sql);                                    \
            return;                                                 \
        }                                                           \
    } while (0)

TEST(search_sql_no_filter_walks_the_domain)
{
    store_search_query q = {.domain_id = "d", .limit = 25};
    sq_search_plan p;
    sq_sql_buf *b;

    plan_init(&p, SQ_DRIVE_DOMAIN);
    b = gen(&q, &p, SQ_SQL_PAGE);
    CHECK(b);
    CHECK_STR(b->sql, "SELECT d.case_seq FROM case_values d WHERE d.kkey = ?1 "
                      "AND d.val IS NULL ORDER BY d.case_seq ASC LIMIT ?2");
    CHECK_INT(b->param_count, 2);
    CHECK_PARAM_INT(b, 1, 1);
    CHECK_PARAM_INT(b, 2, 25);
}

TEST(search_sql_equality_drives_and_sorts)
{
    search_node eq = field("status", SEARCH_EQ, "open");
    store_search_query q = {.domain_id = "d", .filter = &eq, .limit = 25,
                            .sort_count = 1,
                            .sorts = {{.field_id = "created",
                                       .descending = true}}};
    sq_search_plan p;
    sq_sql_buf *b;

    plan_init(&p, SQ_DRIVE_LEAF);
    p.leaf = &eq;
    b = gen(&q, &p, SQ_SQL_PAGE);
    CHECK(b);
    CHECK_STR(b->sql,
              "SELECT d.case_seq, s0.val FROM case_values d "
              "LEFT JOIN case_values s0 ON s0.case_seq = d.case_seq "
              "AND s0.kkey = ?1 WHERE d.kkey = ?2 AND d.val = ?3 "
              "ORDER BY s0.val IS NULL, s0.val DESC, d.case_seq DESC LIMIT ?4");
    CHECK_PARAM_INT(b, 1, 13);
    CHECK_PARAM_INT(b, 2, 11);
    CHECK_PARAM_TEXT(b, 3, "open");
    CHECK_PARAM_INT(b, 4, 25);
}

TEST(search_sql_numeric_and_string_ranges)
{
    search_node gt = number("amount", SEARCH_GT, 5);
    search_node le = field("title", SEARCH_LE, "m");
    search_node *kids[] = {&gt, &le};
    search_node all = junction(SEARCH_AND, kids, 2);
    store_search_query q = {.domain_id = "d", .filter = &all, .limit = 10};
    sq_search_plan p;
    sq_sql_buf *b;

    plan_init(&p, SQ_DRIVE_LEAF);
    p.leaf = &gt;
    b = gen(&q, &p, SQ_SQL_PAGE);
    CHECK(b);
    /* Numbers sort below text, so a numeric lower bound is capped by '' and
     * a string upper bound floored by ''. */
    CHECK_STR(b->sql,
              "SELECT d.case_seq FROM case_values d WHERE d.kkey = ?1 "
              "AND d.val > ?2 AND d.val < '' AND EXISTS (SELECT 1 FROM "
              "case_values x WHERE x.case_seq = d.case_seq AND x.kkey = ?3 "
              "AND x.val <= ?4 AND x.val >= '') ORDER BY d.case_seq ASC "
              "LIMIT ?5");
    CHECK_PARAM_INT(b, 1, 12);
    CHECK_PARAM_REAL(b, 2, 5.0);
    CHECK_PARAM_INT(b, 3, 10);
    CHECK_PARAM_TEXT(b, 4, "m");
}

TEST(search_sql_same_field_conditions_merge_into_the_driver)
{
    search_node ge = number("amount", SEARCH_GE, 1);
    search_node lt = number("amount", SEARCH_LT, 9);
    search_node *kids[] = {&ge, &lt};
    search_node all = junction(SEARCH_AND, kids, 2);
    store_search_query q = {.domain_id = "d", .filter = &all, .limit = 10};
    sq_search_plan p;
    sq_sql_buf *b;

    plan_init(&p, SQ_DRIVE_LEAF);
    p.leaf = &lt;
    b = gen(&q, &p, SQ_SQL_COUNT);
    CHECK(b);
    CHECK_STR(b->sql, "SELECT count(*) FROM case_values d WHERE d.kkey = ?1 "
                      "AND d.val >= ?2 AND d.val < '' AND d.val < ?3");
    CHECK_PARAM_REAL(b, 2, 1.0);
    CHECK_PARAM_REAL(b, 3, 9.0);
}

TEST(search_sql_contains_blank_tag_not_or)
{
    search_node has = field("title", SEARCH_CONTAINS, "50%_a\\b");
    search_node blank = field("amount", SEARCH_EQ, NULL);
    search_node t = tag("team", "red");
    search_node *or_kids[] = {&blank, &t};
    search_node any = junction(SEARCH_OR, or_kids, 2);
    search_node *not_kids[] = {&has};
    search_node not_has = junction(SEARCH_NOT, not_kids, 1);
    search_node *kids[] = {&not_has, &any};
    search_node all = junction(SEARCH_AND, kids, 2);
    store_search_query q = {.domain_id = "d", .filter = &all, .limit = 5};
    sq_search_plan p;
    sq_sql_buf *b;

    blank.blank = true;
    plan_init(&p, SQ_DRIVE_DOMAIN);
    b = gen(&q, &p, SQ_SQL_COUNT);
    CHECK(b);
    CHECK_STR(b->sql,
              "SELECT count(*) FROM case_values d WHERE d.kkey = ?1 AND "
              "d.val IS NULL AND NOT (EXISTS (SELECT 1 FROM case_values x "
              "WHERE x.case_seq = d.case_seq AND x.kkey = ?2 AND x.val LIKE ?3 "
              "ESCAPE '\\')) AND (NOT EXISTS (SELECT 1 FROM case_values x "
              "WHERE x.case_seq = d.case_seq AND x.kkey = ?4) OR EXISTS "
              "(SELECT 1 FROM case_values x WHERE x.case_seq = d.case_seq "
              "AND x.kkey = ?5 AND x.val = ?6))");
    CHECK_PARAM_INT(b, 2, 10);
    CHECK_PARAM_TEXT(b, 3, "%50\\%\\_a\\\\b%");
    CHECK_PARAM_INT(b, 4, 12);
    CHECK_PARAM_INT(b, 5, 20);
    CHECK_PARAM_TEXT(b, 6, "red");
}

TEST(search_sql_empty_junctions_and_unknown_keys)
{
    search_node none = junction(SEARCH_OR, NULL, 0);
    search_node ghost = field("nope", SEARCH_EQ, "x");
    search_node *kids[] = {&none, &ghost};
    search_node all = junction(SEARCH_AND, kids, 2);
    store_search_query q = {.domain_id = "d", .filter = &all, .limit = 5};
    sq_search_plan p;
    sq_sql_buf *b;

    plan_init(&p, SQ_DRIVE_DOMAIN);
    b = gen(&q, &p, SQ_SQL_COUNT);
    CHECK(b);
    CHECK_HAS(b, "AND 0 AND EXISTS");
    CHECK_PARAM_INT(b, 2, -1); /* an unknown field matches nothing */
}

TEST(search_sql_tag_driver_and_snapshot)
{
    search_node t = tag("team", "red");
    store_search_query q = {.domain_id = "d", .filter = &t, .limit = 5,
                            .snapshot_seq = 77};
    sq_search_plan p;
    sq_sql_buf *b;

    plan_init(&p, SQ_DRIVE_LEAF);
    p.leaf = &t;
    b = gen(&q, &p, SQ_SQL_PAGE);
    CHECK(b);
    CHECK_STR(b->sql, "SELECT d.case_seq FROM case_values d WHERE d.kkey = ?1 "
                      "AND d.val = ?2 AND d.case_seq <= ?3 ORDER BY "
                      "d.case_seq ASC LIMIT ?4");
    CHECK_PARAM_INT(b, 1, 20);
    CHECK_PARAM_TEXT(b, 2, "red");
    CHECK_PARAM_INT(b, 3, 77);
}

TEST(search_sql_term_driver_and_term_checks)
{
    search_node eq = field("status", SEARCH_EQ, "open");
    store_search_query q = {.domain_id = "d", .filter = &eq, .limit = 5};
    sq_search_plan p;
    sq_sql_buf *b;

    plan_init(&p, SQ_DRIVE_TERM);
    p.match = "\"foo\"*";
    b = gen(&q, &p, SQ_SQL_PAGE);
    CHECK(b);
    CHECK_STR(b->sql,
              "SELECT d.rowid FROM case_fts d WHERE d.case_fts MATCH ?1 AND "
              "EXISTS (SELECT 1 FROM case_values x WHERE x.case_seq = d.rowid "
              "AND x.kkey = ?2) AND EXISTS (SELECT 1 FROM case_values x WHERE "
              "x.case_seq = d.rowid AND x.kkey = ?3 AND x.val = ?4) "
              "ORDER BY d.rowid ASC LIMIT ?5");
    CHECK_PARAM_TEXT(b, 1, "\"foo\"*");
    CHECK_PARAM_INT(b, 2, 1);

    /* Not driving: a small match set is joined as a set, a broad one
     * probed per case. */
    p.drive = SQ_DRIVE_LEAF;
    p.leaf = &eq;
    b = gen(&q, &p, SQ_SQL_COUNT);
    CHECK(b);
    CHECK_HAS(b, "AND d.case_seq IN (SELECT rowid FROM case_fts WHERE "
                 "case_fts MATCH ?3)");
    p.match_broad = true;
    b = gen(&q, &p, SQ_SQL_COUNT);
    CHECK(b);
    CHECK_HAS(b, "AND EXISTS (SELECT 1 FROM case_fts f WHERE f.case_fts "
                 "MATCH ?3 AND f.rowid = d.case_seq)");
}

TEST(search_sql_probe_is_capped)
{
    search_node eq = field("status", SEARCH_EQ, "open");
    store_search_query q = {.domain_id = "d", .filter = &eq, .limit = 5};
    sq_search_plan p;
    sq_sql_buf *b;
    char want[256];

    plan_init(&p, SQ_DRIVE_LEAF);
    p.leaf = &eq;
    b = gen(&q, &p, SQ_SQL_PROBE);
    CHECK(b);
    snprintf(want, sizeof want,
             "SELECT count(*) FROM (SELECT 1 FROM case_values d WHERE "
             "d.kkey = ?1 AND d.val = ?2 LIMIT %d)", SQ_SEARCH_PROBE_CAP);
    CHECK_STR(b->sql, want);
}

TEST(search_sql_sort_walk_with_one_sort_seeks_by_row_value)
{
    search_node ge = field("created", SEARCH_GE, "2024-01-01T00:00:00.000Z");
    search_node eq = field("status", SEARCH_EQ, "open");
    search_node *kids[] = {&ge, &eq};
    search_node all = junction(SEARCH_AND, kids, 2);
    json_t *after = json_pack("[s, I]", "2024-05-01T00:00:00.000Z",
                              (json_int_t)42);
    store_search_query q = {.domain_id = "d", .filter = &all, .limit = 25,
                            .sort_count = 1,
                            .sorts = {{.field_id = "created",
                                       .descending = true}}};
    sq_search_plan p;
    sq_sql_buf *b;

    plan_init(&p, SQ_DRIVE_SORT);
    p.after = after;
    b = gen(&q, &p, SQ_SQL_PAGE);
    CHECK(b);
    CHECK_STR(b->sql,
              "SELECT d.case_seq, d.val FROM case_values d WHERE d.kkey = ?1 "
              "AND d.val >= ?2 AND EXISTS (SELECT 1 FROM case_values x WHERE "
              "x.case_seq = d.case_seq AND x.kkey = ?3 AND x.val = ?4) "
              "AND (d.val, d.case_seq) < (?5, ?6) "
              "ORDER BY d.val DESC, d.case_seq DESC LIMIT ?7");
    CHECK_PARAM_INT(b, 1, 13);
    CHECK_PARAM_TEXT(b, 5, "2024-05-01T00:00:00.000Z");
    CHECK_PARAM_INT(b, 6, 42);
    json_decref(after);
}

TEST(search_sql_tag_recency_walks_the_tag_in_update_order)
{
    json_t *after = json_pack("[s, I]", "2024-05-01T00:00:00.000Z",
                              (json_int_t)42);
    search_node t = tag("team", "red");
    search_node s = field("status", SEARCH_EQ, "open");
    search_node *both[] = {&t, &s};
    search_node and = junction(SEARCH_AND, both, 2);
    store_search_query q = {.domain_id = "d", .filter = &and, .limit = 25,
                            .sort_count = 1,
                            .sorts = {{.field_id = "created",
                                       .descending = true}}};
    sq_search_plan p;
    sq_sql_buf *b;

    plan_init(&p, SQ_DRIVE_TAG_RECENT);
    p.leaf = &t;
    p.after = after;
    b = gen(&q, &p, SQ_SQL_PAGE);
    CHECK(b);
    CHECK_STR(b->sql,
              "SELECT d.case_seq, d.updated FROM tag_recency d WHERE "
              "d.kkey = ?1 AND d.val = ?2 AND EXISTS (SELECT 1 FROM "
              "case_values x WHERE x.case_seq = d.case_seq AND x.kkey = ?3 "
              "AND x.val = ?4) AND (d.updated, d.case_seq) < (?5, ?6) "
              "ORDER BY d.updated DESC, d.case_seq DESC LIMIT ?7");
    CHECK_PARAM_INT(b, 1, 20);
    CHECK_PARAM_TEXT(b, 2, "red");
    CHECK_PARAM_INT(b, 3, 11);
    CHECK_PARAM_INT(b, 6, 42);
    /* Only pages: counts and probes read case_values. */
    CHECK(!gen(&q, &p, SQ_SQL_COUNT));
    p.leaf = &s;
    CHECK(!gen(&q, &p, SQ_SQL_PAGE));
    json_decref(after);
}

TEST(search_sql_two_sorts_keyset_honours_nulls)
{
    json_t *after = json_pack("[f, n, I]", 2.5, (json_int_t)9);
    store_search_query q = {.domain_id = "d", .limit = 25, .sort_count = 2,
                            .sorts = {{.field_id = "amount"},
                                      {.field_id = "title",
                                       .descending = true}}};
    sq_search_plan p;
    sq_sql_buf *b;

    plan_init(&p, SQ_DRIVE_DOMAIN);
    p.after = after;
    b = gen(&q, &p, SQ_SQL_PAGE);
    CHECK(b);
    /* After (2.5, NULL, 9) ascending: a larger amount or none; the same
     * amount and (nothing follows a NULL title but further NULLs) a NULL
     * title with a larger seq. */
    CHECK_STR(b->sql,
              "SELECT d.case_seq, s0.val, s1.val FROM case_values d "
              "LEFT JOIN case_values s0 ON s0.case_seq = d.case_seq AND "
              "s0.kkey = ?1 LEFT JOIN case_values s1 ON s1.case_seq = "
              "d.case_seq AND s1.kkey = ?2 WHERE d.kkey = ?3 AND d.val IS NULL "
              "AND (((s0.val > ?4 OR s0.val IS NULL)) OR (s0.val IS ?4 AND 0) "
              "OR (s0.val IS ?4 AND s1.val IS ?5 AND d.case_seq > ?6)) "
              "ORDER BY s0.val IS NULL, s0.val ASC, s1.val IS NULL, "
              "s1.val DESC, d.case_seq ASC LIMIT ?7");
    CHECK_PARAM_REAL(b, 4, 2.5);
    CHECK_INT(b->params[4].kind, SQ_PARAM_NULL);
    CHECK_PARAM_INT(b, 6, 9);

    /* Walking the first sort field: an index bound, then the full test. */
    p.drive = SQ_DRIVE_SORT;
    b = gen(&q, &p, SQ_SQL_PAGE);
    CHECK(b);
    CHECK_HAS(b, "WHERE d.kkey = ?2 AND d.val >= ?3 AND ((d.val > ?3) OR "
                 "(d.val IS ?3 AND 0) OR (d.val IS ?3 AND s1.val IS ?4 AND "
                 "d.case_seq > ?5)) ORDER BY d.val ASC, s1.val IS NULL, "
                 "s1.val DESC, d.case_seq ASC");
    json_decref(after);
}

TEST(search_sql_nulls_pass_orders_by_the_rest)
{
    store_search_query q = {.domain_id = "d", .limit = 25, .sort_count = 1,
                            .sorts = {{.field_id = "amount",
                                       .descending = true}}};
    sq_search_plan p;
    sq_sql_buf *b;

    plan_init(&p, SQ_DRIVE_DOMAIN);
    p.nulls_only = true;
    b = gen(&q, &p, SQ_SQL_PAGE);
    CHECK(b);
    CHECK_HAS(b, "AND s0.val IS NULL ORDER BY d.case_seq DESC LIMIT");
}

TEST(search_sql_rejects_a_cursor_of_another_shape)
{
    json_t *after = json_pack("[s, I]", "x", (json_int_t)1);
    store_search_query q = {.domain_id = "d", .limit = 5};
    sq_search_plan p;
    sq_sql_buf buf;

    plan_init(&p, SQ_DRIVE_DOMAIN);
    p.after = after;
    CHECK_INT(sq_search_sql(&q, &p, SQ_SQL_PAGE, &buf), -1);
    json_decref(after);
}

TEST(search_sql_bounds_a_deep_filter)
{
    search_node nodes[64];
    search_node *kids[64];
    store_search_query q = {.domain_id = "d", .limit = 5};
    sq_search_plan p;
    sq_sql_buf buf;

    /* NOT(NOT(...)) deeper than the generator accepts. */
    nodes[63] = field("title", SEARCH_EQ, "x");
    for (int i = 62; i >= 0; i--) {
        kids[i] = &nodes[i + 1];
        nodes[i] = junction(SEARCH_NOT, &kids[i], 1);
    }
    q.filter = &nodes[0];
    plan_init(&p, SQ_DRIVE_DOMAIN);
    CHECK_INT(sq_search_sql(&q, &p, SQ_SQL_COUNT, &buf), -1);
}

TEST(search_match_splits_terms_as_the_index_does)
{
    sqlite3 *db = NULL;
    sq_fts_words *w;
    char out[256];

    CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
    CHECK(w = sq_fts_words_open(db));
    if (!w)
        goto cleanup;
    /* folded and stripped as indexed; query syntax is only separators */
    CHECK_INT(sq_fts_match(w, "Hello, W\xc3\xb6rld! \"NEAR\"(x) a*b", out,
                           sizeof out),
              6);
    CHECK_STR(out, "\"hello\"* \"world\"* \"near\"* \"x\"* \"a\"* \"b\"*");
    /* a separator beyond ASCII (an em dash) splits words too: the index
     * keeps no positions, so a phrase could not be asked for */
    CHECK_INT(sq_fts_match(w, "caf\xc3\xa9\xe2\x80\x94" "bar", out, sizeof out), 2);
    CHECK_STR(out, "\"cafe\"* \"bar\"*");
    CHECK_INT(sq_fts_match(w, "  -:^ \xe2\x80\x94 ", out, sizeof out), 0);
    CHECK_STR(out, "");
    CHECK_INT(sq_fts_match(w, NULL, out, sizeof out), 0);
    CHECK_INT(sq_fts_match(w, "abcdef", out, 8), -1);
    /* words past the limit are left out */
    {
        char term[3 * (SQ_FTS_MAX_WORDS + 5)], big[1024];
        size_t n = 0;
        for (int i = 0; i < SQ_FTS_MAX_WORDS + 5; i++)
            n += (size_t)snprintf(term + n, sizeof term - n, "w%c ",
                                  'a' + i % 26);
        CHECK_INT(sq_fts_match(w, term, big, sizeof big), SQ_FTS_MAX_WORDS);
    }
    sq_fts_words_close(w);
cleanup:
    sqlite3_close(db);
}
