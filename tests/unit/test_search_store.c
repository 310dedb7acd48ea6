/* test_search_store.c - store_cases_search against a real SQLite store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/sqlite/migrations.h"
#include "store/store.h"
#include "store_fixture.h"
#include "test.h"

#define MAX_HITS 10000
/* More than twice the store's probe cap, so that "half of the cases" is a
 * broad condition. */
#define SQ_PROBE_CASES 8400

static const store_scope scope = {.account = "111122223333",
                                  .region = "us-east-1"};


/* --- writing ------------------------------------------------------------------ */

typedef struct {
    const char *domain;
    const char *id;
    json_t *fields; /* stolen */
    int64_t seq;
    const json_t *plain; /* store_case.plain_fields */
} put_case;

static int insert_tx(store_conn *conn, void *arg)
{
    put_case *p = arg;
    store_case c = {.domain_id = p->domain, .case_id = p->id,
                    .template_id = "t", .created_ms = 1, .updated_ms = 1,
                    .fields = p->fields, .plain_fields = p->plain};
    int rc = store_case_insert(conn, &scope, &c);
    p->seq = c.seq;
    return rc;
}

static int64_t add_case(fixture *f, const char *domain, const char *id,
                        json_t *fields)
{
    put_case p = {.domain = domain, .id = id, .fields = fields};
    int rc = store_tx(f->conn, insert_tx, &p);
    json_decref(fields);
    return rc == STORE_OK ? p.seq : -1;
}

static int update_tx(store_conn *conn, void *arg)
{
    put_case *p = arg;
    store_case c = {.domain_id = p->domain, .case_id = p->id,
                    .updated_ms = 2, .fields = p->fields};
    return store_case_update(conn, &scope, &c);
}

typedef struct {
    char arn[160];
    json_t *tags;
} put_tags;

static int tags_tx(store_conn *conn, void *arg)
{
    put_tags *p = arg;
    return store_tags_put(conn, p->arn, p->tags);
}

static int add_tag(fixture *f, const char *domain, const char *case_path,
                   const char *key, const char *value)
{
    put_tags p;
    int rc;

    snprintf(p.arn, sizeof p.arn,
             "arn:aws:cases:us-east-1:111122223333:domain/%s/case/%s", domain,
             case_path);
    p.tags = json_pack("{ss}", key, value);
    rc = store_tx(f->conn, tags_tx, &p);
    json_decref(p.tags);
    return rc;
}

static json_t *str_value(const char *s)
{
    return json_pack("{ss}", "stringValue", s);
}

static json_t *num_value(double d)
{
    return json_pack("{sf}", "doubleValue", d);
}

/* --- searching ---------------------------------------------------------------- */

typedef struct {
    int count;
    char ids[MAX_HITS][40];
    json_t *last_cursor;
} hits;

/* When set, collect also compares each hit's tags with the entry of this
 * array its id "cNN" names, counting the hits that differ. */
static json_t *const *expected_tags;
static int tag_mismatches;

static void compare_tags(const store_case *c)
{
    json_t *got = json_loads(c->tags_text ? c->tags_text : "", 0, NULL);
    int i = atoi(c->case_id + 1);

    if (!got || !json_equal(got, expected_tags[i])) {
        fprintf(stderr, "%s: tags %s\n", c->case_id, c->tags_text);
        tag_mismatches++;
    }
    json_decref(got);
}

static int collect(const store_case *c, const json_t *cursor, void *arg)
{
    hits *h = arg;
    if (expected_tags)
        compare_tags(c);
    if (h->count < MAX_HITS)
        snprintf(h->ids[h->count++], sizeof h->ids[0], "%s", c->case_id);
    json_decref(h->last_cursor);
    h->last_cursor = json_deep_copy(cursor);
    return c->fields && json_is_object(c->fields) ? 0 : 1;
}

static hits *run(fixture *f, store_search_query *q, int64_t *total,
                 int64_t *max_seq)
{
    static hits h;
    int64_t t = -1, m = -1;

    json_decref(h.last_cursor);
    memset(&h, 0, sizeof h);
    if (q->limit == 0)
        q->limit = 100;
    if (store_cases_search(f->conn, &scope, q, collect, &h, &t, &m) != STORE_OK)
        return NULL;
    if (total)
        *total = t;
    if (max_seq)
        *max_seq = m;
    return &h;
}

/* Comma-joined ids of the hits, sorted when sorted is true. */
static int cmp_ids(const void *a, const void *b)
{
    return strcmp(a, b);
}

static const char *ids_of(hits *h, bool sorted)
{
    static char out[4096];
    size_t len = 0;

    if (sorted)
        qsort(h->ids, (size_t)h->count, sizeof h->ids[0], cmp_ids);
    out[0] = '\0';
    for (int i = 0; i < h->count && len < sizeof out - 48; i++)
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%s",
                                i ? "," : "", h->ids[i]);
    return out;
}

static search_node field_str(const char *id, search_op op, const char *s)
{
    return (search_node){.kind = SEARCH_FIELD, .field_id = id, .op = op,
                         .str = s};
}

static search_node field_num(const char *id, search_op op, double d)
{
    return (search_node){.kind = SEARCH_FIELD, .field_id = id, .op = op,
                         .numeric = true, .num = d};
}

/* Five cases in d1, one in d2, with tags. */
static bool seed_small(fixture *f)
{
    bool ok =
        add_case(f, "d1", "c1",
                 json_pack("{so so so so so}", "title", str_value("Hello Wörld"),
                           "status", str_value("open"), "amount", num_value(9),
                           "flag", json_pack("{sb}", "booleanValue", 1),
                           "old", str_value("zebracorn legacy"))) > 0 &&
        add_case(f, "d1", "c2",
                 json_pack("{so so so so}", "title", str_value("second case"),
                           "status", str_value("closed"), "amount",
                           num_value(10), "when",
                           str_value("2024-03-01T10:00:00.000Z"))) > 0 &&
        add_case(f, "d1", "c3",
                 json_pack("{so so so so}", "title", str_value("10"), "status",
                           str_value("open"), "amount", num_value(100), "when",
                           str_value("2024-01-15T00:00:00.000Z"))) > 0 &&
        add_case(f, "d1", "c4",
                 json_pack("{so so so}", "title", str_value("50% off_sale"),
                           "status", str_value("open"), "user",
                           json_pack("{ss}", "userArnValue",
                                     "arn:aws:connect:us-east-1:1:instance/"
                                     "i/agent/alice"))) > 0 &&
        add_case(f, "d1", "c5",
                 json_pack("{so so}", "title", str_value("HELLO again"),
                           "amount", num_value(-3.5))) > 0 &&
        add_case(f, "d2", "c1",
                 json_pack("{so so}", "title", str_value("Hello other domain"),
                           "status", str_value("open"))) > 0;
    return ok && add_tag(f, "d1", "c1", "team", "red") == STORE_OK &&
           add_tag(f, "d1", "c3", "team", "blue") == STORE_OK &&
           add_tag(f, "d1", "c4", "team", "red") == STORE_OK &&
           add_tag(f, "d1", "c5/related-item/r1", "team", "red") == STORE_OK &&
           add_tag(f, "d2", "c1", "team", "red") == STORE_OK;
}

#define SEARCH_IDS(f, q, want)                                         \
    do {                                                               \
        hits *h_ = run((f), (q), NULL, NULL);                          \
        CHECK(h_);                                                     \
        CHECK_STR(ids_of(h_, true), (want));                           \
    } while (0)

TEST(search_store_field_operators)
{
    fixture f = {0};
    search_node n;
    store_search_query q = {.domain_id = "d1", .filter = &n};

    CHECK(store_fixture_open(&f, 1) && seed_small(&f));
    n = field_str("status", SEARCH_EQ, "open");
    SEARCH_IDS(&f, &q, "c1,c3,c4");
    /* Numbers compare as numbers: 9 < 10 < 100, not "10" < "100" < "9". */
    n = field_num("amount", SEARCH_GT, 9.5);
    SEARCH_IDS(&f, &q, "c2,c3");
    n = field_num("amount", SEARCH_GE, 10);
    SEARCH_IDS(&f, &q, "c2,c3");
    n = field_num("amount", SEARCH_LT, 10);
    SEARCH_IDS(&f, &q, "c1,c5");
    n = field_num("amount", SEARCH_LE, 10);
    SEARCH_IDS(&f, &q, "c1,c2,c5");
    n = field_num("amount", SEARCH_EQ, 100);
    SEARCH_IDS(&f, &q, "c3");
    n = field_num("flag", SEARCH_EQ, 1);
    SEARCH_IDS(&f, &q, "c1");
    /* Strings compare as strings; numbers never match a string range. */
    n = field_str("title", SEARCH_LT, "Z"); /* binary order: digits, A-Z */
    SEARCH_IDS(&f, &q, "c1,c3,c4,c5");
    n = field_str("when", SEARCH_GE, "2024-02-01T00:00:00.000Z");
    SEARCH_IDS(&f, &q, "c2");
    n = field_str("when", SEARCH_LT, "2024-02-01T00:00:00.000Z");
    SEARCH_IDS(&f, &q, "c3");
    /* Blank: the field has no value. */
    n = field_str("amount", SEARCH_EQ, NULL);
    n.blank = true;
    SEARCH_IDS(&f, &q, "c4");
    n = field_str("nosuchfield", SEARCH_EQ, "x");
    SEARCH_IDS(&f, &q, "");
    store_fixture_close(&f);
}

TEST(search_store_contains_is_case_insensitive_and_literal)
{
    fixture f = {0};
    search_node n;
    store_search_query q = {.domain_id = "d1", .filter = &n};

    CHECK(store_fixture_open(&f, 1) && seed_small(&f));
    n = field_str("title", SEARCH_CONTAINS, "hello");
    SEARCH_IDS(&f, &q, "c1,c5");
    n = field_str("title", SEARCH_CONTAINS, "CASE");
    SEARCH_IDS(&f, &q, "c2");
    n = field_str("title", SEARCH_CONTAINS, "0%");
    SEARCH_IDS(&f, &q, "c4");
    n = field_str("title", SEARCH_CONTAINS, "f_s");
    SEARCH_IDS(&f, &q, "c4");
    n = field_str("title", SEARCH_CONTAINS, "o_f");
    SEARCH_IDS(&f, &q, "");
    n = field_str("user", SEARCH_CONTAINS, "AGENT/ALICE");
    SEARCH_IDS(&f, &q, "c4");
    store_fixture_close(&f);
}

TEST(search_store_tags_and_junctions)
{
    fixture f = {0};
    search_node t = {.kind = SEARCH_TAG, .tag_key = "team", .tag_value = "red"};
    search_node open = field_str("status", SEARCH_EQ, "open");
    search_node cheap = field_num("amount", SEARCH_LT, 50);
    search_node *not_kids[] = {&cheap};
    search_node not_cheap = {.kind = SEARCH_NOT, .children = not_kids,
                             .child_count = 1};
    search_node *or_kids[] = {&t, &cheap};
    search_node any = {.kind = SEARCH_OR, .children = or_kids,
                       .child_count = 2};
    search_node *and_kids[] = {&open, &not_cheap};
    search_node all = {.kind = SEARCH_AND, .children = and_kids,
                       .child_count = 2};
    search_node none = {.kind = SEARCH_OR};
    store_search_query q = {.domain_id = "d1", .filter = &t};

    CHECK(store_fixture_open(&f, 1) && seed_small(&f));
    /* The related item's tag and the other domain's case do not count. */
    SEARCH_IDS(&f, &q, "c1,c4");
    t.tag_value = "RED";
    SEARCH_IDS(&f, &q, "");
    t.tag_value = "red";
    q.filter = &any;
    SEARCH_IDS(&f, &q, "c1,c2,c4,c5");
    q.filter = &all; /* open and not (amount < 50): c4 has no amount */
    SEARCH_IDS(&f, &q, "c3,c4");
    q.filter = &none;
    SEARCH_IDS(&f, &q, "");
    q.filter = NULL;
    SEARCH_IDS(&f, &q, "c1,c2,c3,c4,c5");
    {
        int64_t total = 0;
        q.want_total = true;
        CHECK(run(&f, &q, &total, NULL));
        CHECK_INT(total, 5);
        q.want_total = false;
    }

    /* Tags follow changes and removals. */
    CHECK_INT(add_tag(&f, "d1", "c1", "team", "green"), STORE_OK);
    q.filter = &t;
    SEARCH_IDS(&f, &q, "c4");
    CHECK_INT(store_tags_purge(f.conn, "arn:aws:cases:us-east-1:111122223333:"
                                       "domain/d1/case/c4"),
              STORE_OK);
    SEARCH_IDS(&f, &q, "");
    /* Tags written before their case count once the case exists. */
    CHECK_INT(add_tag(&f, "d1", "early", "team", "red"), STORE_OK);
    CHECK(add_case(&f, "d1", "early",
                   json_pack("{so}", "title", str_value("early bird"))) > 0);
    SEARCH_IDS(&f, &q, "early");
    store_fixture_close(&f);
}

TEST(search_store_full_text)
{
    fixture f = {0};
    search_node open = field_str("status", SEARCH_EQ, "open");
    store_search_query q = {.domain_id = "d1"};

    CHECK(store_fixture_open(&f, 1) && seed_small(&f));
    q.search_term = "hel";
    SEARCH_IDS(&f, &q, "c1,c5");
    q.search_term = "WORLD"; /* diacritics and case folded */
    SEARCH_IDS(&f, &q, "c1");
    q.search_term = "zebra"; /* a field the domain may have deleted */
    SEARCH_IDS(&f, &q, "c1");
    q.search_term = "hello again";
    SEARCH_IDS(&f, &q, "c5");
    q.search_term = "alice";
    SEARCH_IDS(&f, &q, "c4");
    q.search_term = "ebra"; /* prefixes of tokens, not infixes */
    SEARCH_IDS(&f, &q, "");
    q.search_term = "\"NEAR(hello\" OR *";
    SEARCH_IDS(&f, &q, "");
    q.search_term = "hello";
    q.filter = &open;
    SEARCH_IDS(&f, &q, "c1");
    q.search_term = "  ";
    q.filter = NULL;
    SEARCH_IDS(&f, &q, "c1,c2,c3,c4,c5");
    store_fixture_close(&f);
}

TEST(search_store_follows_updates_and_deletes)
{
    fixture f = {0};
    search_node n = field_str("status", SEARCH_EQ, "closed");
    store_search_query q = {.domain_id = "d1", .filter = &n};
    put_case p = {.domain = "d1", .id = "c1"};

    CHECK(store_fixture_open(&f, 1) && seed_small(&f));
    p.fields = json_pack("{so so}", "title", str_value("renamed"), "status",
                         str_value("closed"));
    CHECK_INT(store_tx(f.conn, update_tx, &p), STORE_OK);
    json_decref(p.fields);
    SEARCH_IDS(&f, &q, "c1,c2");
    q.filter = NULL;
    q.search_term = "renamed";
    SEARCH_IDS(&f, &q, "c1");
    q.search_term = "zebracorn";
    SEARCH_IDS(&f, &q, "");
    CHECK_INT(store_case_delete(f.conn, &scope, "d1", "c1"), STORE_OK);
    q.search_term = "renamed";
    SEARCH_IDS(&f, &q, "");
    q.search_term = NULL;
    SEARCH_IDS(&f, &q, "c2,c3,c4,c5");
    store_fixture_close(&f);
}

/* --- ordering and pages --------------------------------------------------------- */

static int seed_many_tx(store_conn *conn, void *arg)
{
    int n = *(int *)arg;

    for (int i = 0; i < n; i++) {
        char id[16];
        put_case p = {.domain = "d1", .id = id};
        int rc;
        p.fields = json_pack("{so}", "status",
                             str_value(i % 2 ? "closed" : "open"));
        snprintf(id, sizeof id, "p%04d", i);
        if (i % 5 != 0)
            json_object_set_new(p.fields, "rank", num_value(i % 7));
        rc = insert_tx(conn, &p);
        json_decref(p.fields);
        if (rc != STORE_OK)
            return rc;
    }
    return STORE_OK;
}

/* n cases p0000.. in d1: rank = i % 7 (absent when i % 5 == 0), status
 * open for even i; one transaction. */
static bool seed_many(fixture *f, int n)
{
    return store_tx(f->conn, seed_many_tx, &n) == STORE_OK;
}

/* Walks every page of q (page size limit) into all; false on a repeat. */
static bool walk(fixture *f, store_search_query *q, int limit, hits *all,
                 int64_t *total)
{
    json_t *after = NULL;
    bool ok = true;

    all->count = 0;
    q->want_total = true;
    for (;;) {
        hits *h;
        q->after = after;
        q->limit = limit;
        h = run(f, q, total, NULL);
        if (!h)
            return false;
        for (int i = 0; i < h->count && all->count < MAX_HITS; i++)
            memcpy(all->ids[all->count++], h->ids[i], sizeof h->ids[0]);
        json_decref(after);
        after = h->last_cursor ? json_deep_copy(h->last_cursor) : NULL;
        if (h->count < limit)
            break;
    }
    json_decref(after);
    q->after = NULL;
    qsort(all->ids, (size_t)all->count, sizeof all->ids[0], cmp_ids);
    for (int i = 1; i < all->count; i++)
        if (strcmp(all->ids[i - 1], all->ids[i]) == 0)
            ok = false;
    return ok;
}

static int rank_of(const char *id)
{
    int i = atoi(id + 1);
    return i % 5 == 0 ? -1 : i % 7;
}

TEST(search_store_sort_with_nulls_last_and_ties_by_seq)
{
    fixture f = {0};
    store_search_query q = {.domain_id = "d1", .limit = 40, .sort_count = 1,
                            .sorts = {{.field_id = "rank", .descending = true,
                                       .numeric = true}}};
    hits *h;

    CHECK(store_fixture_open(&f, 1) && seed_many(&f, 40));
    h = run(&f, &q, NULL, NULL);
    CHECK(h);
    CHECK_INT(h->count, 40);
    for (int i = 1; i < h->count; i++) {
        int a = rank_of(h->ids[i - 1]), b = rank_of(h->ids[i]);
        if (a == -1)
            CHECK(b == -1); /* nothing follows the cases without a rank */
        else if (b != -1)
            CHECK(a > b || (a == b && strcmp(h->ids[i - 1], h->ids[i]) > 0));
    }
    CHECK_STR(h->ids[39], "p0000");
    q.sorts[0].descending = false;
    h = run(&f, &q, NULL, NULL);
    CHECK(h);
    CHECK_STR(h->ids[0], "p0007"); /* rank 0, lowest seq */
    CHECK_STR(h->ids[39], "p0035"); /* no rank, highest seq */
    store_fixture_close(&f);
}

TEST(search_store_pages_cover_every_match_once)
{
    static hits all;
    fixture f = {0};
    search_node open = field_str("status", SEARCH_EQ, "open");
    store_search_query q = {.domain_id = "d1", .sort_count = 2,
                            .sorts = {{.field_id = "rank"},
                                      {.field_id = "status",
                                       .descending = true}}};
    int64_t total = 0;

    CHECK(store_fixture_open(&f, 1) && seed_many(&f, 90));
    CHECK(walk(&f, &q, 7, &all, &total));
    CHECK_INT(all.count, 90);
    CHECK_INT(total, 90);
    q.filter = &open;
    q.sort_count = 1;
    q.sorts[0].descending = true;
    CHECK(walk(&f, &q, 4, &all, &total));
    CHECK_INT(all.count, 45);
    CHECK_INT(total, 45);
    store_fixture_close(&f);
}

/* Enough cases that every condition is broad and the first sort field's
 * index is walked in order (then the cases lacking it). */
TEST(search_store_walks_the_sort_index_when_filters_are_broad)
{
    static hits all;
    fixture f = {0};
    search_node open = field_str("status", SEARCH_EQ, "open");
    store_search_query q = {.domain_id = "d1", .filter = &open,
                            .sort_count = 1,
                            .sorts = {{.field_id = "rank",
                                       .descending = true}}};
    int n = SQ_PROBE_CASES;
    int64_t total = 0;
    hits *h;

    CHECK(store_fixture_open(&f, 1) && seed_many(&f, n));
    q.limit = 5;
    q.want_total = true;
    h = run(&f, &q, &total, NULL);
    CHECK(h);
    CHECK_INT(total, n / 2);
    CHECK_INT(h->count, 5);
    CHECK_INT(rank_of(h->ids[0]), 6);
    CHECK(walk(&f, &q, 97, &all, &total));
    CHECK_INT(all.count, n / 2);
    {
        /* Two broad conditions: counted by intersecting their index
         * ranges; open and ranked is even i not divisible by 5. */
        search_node ranked = field_num("rank", SEARCH_GE, 0);
        search_node *kids[] = {&open, &ranked};
        search_node both = {.kind = SEARCH_AND, .children = kids,
                            .child_count = 2};
        int want = 0;
        for (int i = 0; i < n; i += 2)
            want += i % 5 != 0;
        q.filter = &both;
        q.limit = 5;
        h = run(&f, &q, &total, NULL);
        CHECK(h);
        CHECK_INT(total, want);
        CHECK(walk(&f, &q, 211, &all, &total));
        CHECK_INT(all.count, want);
        q.search_term = "open";
        h = run(&f, &q, &total, NULL);
        CHECK(h);
        CHECK_INT(total, want);
        q.search_term = NULL;
        q.filter = &open;
    }
    q.filter = NULL;
    q.sort_count = 0;
    CHECK(walk(&f, &q, 500, &all, &total));
    CHECK_INT(all.count, n);
    store_fixture_close(&f);
}

TEST(search_store_snapshot_leaves_out_new_cases)
{
    fixture f = {0};
    store_search_query q = {.domain_id = "d1", .limit = 3, .sort_count = 1,
                            .sorts = {{.field_id = "status"}}};
    int64_t max_seq = 0, total = 0, newest;
    json_t *after;
    hits *h;

    CHECK(store_fixture_open(&f, 1) && seed_small(&f));
    q.want_total = true;
    h = run(&f, &q, &total, &max_seq);
    CHECK(h);
    CHECK_INT(total, 5);
    CHECK_INT(h->count, 3);
    after = json_deep_copy(h->last_cursor);
    newest = add_case(&f, "d1", "late",
                      json_pack("{so}", "status", str_value("zzz")));
    CHECK(newest > max_seq);
    q.after = after;
    q.snapshot_seq = max_seq;
    q.limit = 10;
    h = run(&f, &q, &total, NULL);
    CHECK(h);
    CHECK_INT(h->count, 2);
    CHECK_INT(total, 5);
    CHECK(strcmp(h->ids[0], "late") != 0 && strcmp(h->ids[1], "late") != 0);
    json_decref(after);
    /* Without the snapshot the late case is there, and max_seq is per
     * domain. */
    q.after = NULL;
    q.snapshot_seq = 0;
    h = run(&f, &q, &total, &max_seq);
    CHECK(h);
    CHECK_INT(total, 6);
    CHECK_INT(max_seq, newest);
    store_fixture_close(&f);
}

/* Totals of an equality on a SingleSelect option come from kept counts;
 * they must agree with the cases through inserts, updates, deletes and
 * snapshots. */
TEST(search_store_option_counts_stay_exact)
{
    fixture f = {0};
    search_node open = field_str("status", SEARCH_EQ, "open");
    store_search_query q = {.domain_id = "d1", .filter = &open,
                            .want_total = true};
    store_option opt = {.name = "Open", .value = "open", .active = true};
    put_case p = {.domain = "d1", .id = "c3"};
    int64_t total = -1, max_seq = 0;

    CHECK(store_fixture_open(&f, 1));
    CHECK_INT(store_option_put(f.conn, &scope, "d1", "status", &opt), STORE_OK);
    CHECK(seed_small(&f));
    CHECK(run(&f, &q, &total, &max_seq));
    CHECK_INT(total, 3);
    p.fields = json_pack("{so}", "status", str_value("closed"));
    CHECK_INT(store_tx(f.conn, update_tx, &p), STORE_OK);
    json_decref(p.fields);
    CHECK(run(&f, &q, &total, NULL));
    CHECK_INT(total, 2);
    CHECK_INT(store_case_delete(f.conn, &scope, "d1", "c1"), STORE_OK);
    CHECK(run(&f, &q, &total, NULL));
    CHECK_INT(total, 1);
    CHECK(add_case(&f, "d1", "c9", json_pack("{so}", "status",
                                              str_value("open"))) > 0);
    q.snapshot_seq = max_seq; /* c9 came later */
    CHECK(run(&f, &q, &total, NULL));
    CHECK_INT(total, 1);
    q.snapshot_seq = 0;
    CHECK(run(&f, &q, &total, NULL));
    CHECK_INT(total, 2);
    store_fixture_close(&f);
}

/* More statement shapes than the connection keeps prepared: the oldest
 * are finalized and prepared again when they come back. */
TEST(search_store_statement_cache_evicts_and_reprepares)
{
    fixture f = {0};
    search_node open = field_str("status", SEARCH_EQ, "open");
    search_node *kids[48];
    search_node any = {.kind = SEARCH_OR, .children = kids};
    store_search_query q = {.domain_id = "d1", .filter = &any,
                            .want_total = true};
    int64_t total;

    CHECK(store_fixture_open(&f, 1) && seed_small(&f));
    for (int i = 0; i < 48; i++)
        kids[i] = &open;
    for (int round = 0; round < 2; round++) {
        for (int n = 1; n <= 48; n++) {
            any.child_count = n;
            total = -1;
            CHECK(run(&f, &q, &total, NULL));
            CHECK_INT(total, 3);
        }
    }
    store_fixture_close(&f);
}

/* The integer the single-row query sql gives on the store file at path,
 * read through a connection of the test's own; -1 on failure. */
static int query_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    int n = -1;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
}

/* A query of the full-text index of the store at path (sqlite_fts.c). */
static int fts_query_int(const char *path, const char *sql)
{
    char fts_path[96];

    snprintf(fts_path, sizeof fts_path, "%s-fts", path);
    return query_int(fts_path, sql);
}

/* Segments of the full-text index. */
static int fts_segments(const char *path)
{
    return fts_query_int(path, "SELECT count(DISTINCT segid) FROM case_fts_idx");
}

/* The full-text index's usermerge (sqlite_fts.c, as migration 016 set). */
static int fts_usermerge(const char *path)
{
    return fts_query_int(path,
                         "SELECT v FROM case_fts_config WHERE k = 'usermerge'");
}

/* Each write batch adds a segment to the full-text index; the background
 * merge (sqlite_commit.c) must bring them down to a few, soon after the
 * writes stop, and searches must find the same cases throughout.  A level
 * is merged once it holds 4 segments (migration 016). */
TEST(search_store_full_text_merged_in_background)
{
    enum { CASES = 200, WAIT_MS = 10000, MAX_SEGMENTS = 2 };
    fixture f = {0};
    store_search_query q = {.domain_id = "d1"};
    int segments = -1;
    int64_t total = -1;
    char id[32];

    CHECK(store_fixture_open(&f, 1));
    CHECK_INT(fts_usermerge(f.path), 4);
    for (int i = 0; i < CASES; i++) { /* one batch each: one thread */
        json_t *fields = json_pack(
            "{s:o}", "title", str_value(i % 50 ? "common words" : "rare qoph"));
        snprintf(id, sizeof id, "c%03d", i);
        CHECK(add_case(&f, "d1", id, fields) > 0);
    }
    for (int waited = 0; waited < WAIT_MS; waited += 100) {
        segments = fts_segments(f.path);
        if (segments >= 0 && segments <= MAX_SEGMENTS)
            break;
        usleep(100 * 1000);
    }
    if (segments < 0 || segments > MAX_SEGMENTS)
        fprintf(stderr, "full-text segments after %d ms: %d\n", WAIT_MS, segments);
    CHECK(segments >= 0 && segments <= MAX_SEGMENTS);
    q.search_term = "qoph";
    SEARCH_IDS(&f, &q, "c000,c050,c100,c150");
    q.search_term = "commo";
    q.want_total = true;
    q.limit = 1;
    CHECK(run(&f, &q, &total, NULL) != NULL);
    CHECK_INT(total, CASES - CASES / 50);
    store_fixture_close(&f);
}

/* --- totals of tag filters from tag sets --------------------------------------- */

typedef struct {
    char arn[160];
    const char *keys[3]; /* NULL-terminated */
} remove_tags;

static int untag_tx(store_conn *conn, void *arg)
{
    remove_tags *p = arg;
    return store_tags_remove(conn, p->arn, p->keys);
}

/* As DeleteCase does: in a write transaction, whose commit brings the
 * kept counts up to date. */
static int delete_tx(store_conn *conn, void *arg)
{
    return store_case_delete(conn, &scope, "d1", arg);
}

/* The total of q must be the number of cases its page walk finds (which
 * tests each case), whichever way the store counted. */
static void check_total_is_the_walk(fixture *f, store_search_query *q,
                                    const char *what)
{
    int64_t total = -1;
    hits *h;

    q->want_total = true;
    q->limit = 500;
    h = run(f, q, &total, NULL);
    CHECK(h != NULL);
    if (h && total != h->count)
        fprintf(stderr, "%s: total %lld, the walk found %d\n", what,
                (long long)total, h->count);
    CHECK(h && total == h->count);
}

/* Two security profiles' filter, {team=a AND region=eu} OR {team=b}, and
 * NOT region=us, as search nodes (tag_filters_init links them). */
typedef struct {
    search_node team_a, team_b, eu, us, p1, p2, profiles, not_us;
    search_node *p1_kids[2], *p2_kids[1], *profiles_kids[2], *not_kids[1];
} tag_filters;

static void tag_filters_init(tag_filters *t)
{
    *t = (tag_filters){
        .team_a = {.kind = SEARCH_TAG, .tag_key = "team", .tag_value = "a"},
        .team_b = {.kind = SEARCH_TAG, .tag_key = "team", .tag_value = "b"},
        .eu = {.kind = SEARCH_TAG, .tag_key = "region", .tag_value = "eu"},
        .us = {.kind = SEARCH_TAG, .tag_key = "region", .tag_value = "us"}};
    t->p1_kids[0] = &t->team_a;
    t->p1_kids[1] = &t->eu;
    t->p2_kids[0] = &t->team_b;
    t->profiles_kids[0] = &t->p1;
    t->profiles_kids[1] = &t->p2;
    t->not_kids[0] = &t->us;
    t->p1 = (search_node){.kind = SEARCH_AND, .children = t->p1_kids, .child_count = 2};
    t->p2 = (search_node){.kind = SEARCH_AND, .children = t->p2_kids, .child_count = 1};
    t->profiles = (search_node){.kind = SEARCH_OR, .children = t->profiles_kids,
                                .child_count = 2};
    t->not_us = (search_node){.kind = SEARCH_NOT, .children = t->not_kids,
                              .child_count = 1};
}

/* The filters a user's security profiles make (an OR of ANDs of tag
 * equalities), and other tag-only filters, counted through tag sets
 * (migration 011), stay exact as tags are added, changed and removed and
 * cases deleted. */
TEST(search_store_tag_filter_totals_follow_tag_changes)
{
    static const char *const teams[] = {"a", "b", NULL};
    static const char *const regions[] = {"eu", "us", "ap", NULL};
    fixture f = {0};
    tag_filters t;
    search_node *mixed_kids[] = {&t.team_a, &t.not_us};
    search_node mixed = {.kind = SEARCH_OR, .children = mixed_kids,
                         .child_count = 2};
    search_node *const filters[] = {&t.profiles, &t.not_us, &mixed, &t.team_a};
    store_search_query q = {.domain_id = "d1"};
    char id[16], path[16];

    tag_filters_init(&t);
    CHECK(store_fixture_open(&f, 1));
    for (int i = 0; i < 36; i++) {
        snprintf(id, sizeof id, "c%02d", i);
        CHECK(add_case(&f, "d1", id, json_pack("{s:o}", "title",
                                               str_value("t"))) > 0);
        if (teams[i % 3])
            CHECK_INT(add_tag(&f, "d1", id, "team", teams[i % 3]), STORE_OK);
        if (regions[i % 4])
            CHECK_INT(add_tag(&f, "d1", id, "region", regions[i % 4]), STORE_OK);
    }
    /* another domain's tagged cases count only there */
    CHECK(add_case(&f, "d2", "x1", json_pack("{s:o}", "title", str_value("t"))) > 0);
    CHECK_INT(add_tag(&f, "d2", "x1", "team", "a"), STORE_OK);
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
        q.filter = filters[i];
        check_total_is_the_walk(&f, &q, "seeded");
    }
    q.filter = &t.profiles; /* c00 c06 c12 ... are team a in eu; b every third */
    {
        int64_t total = -1;
        q.want_total = true;
        CHECK(run(&f, &q, &total, NULL));
        CHECK_INT(total, 3 + 12);
    }

    /* change, add and remove tags, delete cases */
    CHECK_INT(add_tag(&f, "d1", "c00", "team", "b"), STORE_OK);
    CHECK_INT(add_tag(&f, "d1", "c02", "team", "a"), STORE_OK);
    CHECK_INT(add_tag(&f, "d1", "c03", "extra", "x"), STORE_OK);
    {
        remove_tags rm = {.keys = {"region", NULL}};
        snprintf(rm.arn, sizeof rm.arn,
                 "arn:aws:cases:us-east-1:111122223333:domain/d1/case/c12");
        CHECK_INT(store_tx(f.conn, untag_tx, &rm), STORE_OK);
        rm.keys[0] = "team";
        snprintf(path, sizeof path, "c%02d", 4);
        snprintf(rm.arn, sizeof rm.arn,
                 "arn:aws:cases:us-east-1:111122223333:domain/d1/case/%s", path);
        CHECK_INT(store_tx(f.conn, untag_tx, &rm), STORE_OK);
    }
    CHECK_INT(store_tx(f.conn, delete_tx, "c24"), STORE_OK);
    CHECK_INT(store_tx(f.conn, delete_tx, "c35"), STORE_OK);
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
        q.filter = filters[i];
        check_total_is_the_walk(&f, &q, "after changes");
    }
    store_fixture_close(&f);
}

/* The test's own reading of a tag filter on one case's tags. */
static bool tags_satisfy(const search_node *n, const json_t *tags)
{
    const json_t *v;

    switch (n->kind) {
    case SEARCH_TAG:
        v = json_object_get(tags, n->tag_key);
        return json_is_string(v) && !strcmp(json_string_value(v), n->tag_value);
    case SEARCH_AND:
        for (int i = 0; i < n->child_count; i++)
            if (!tags_satisfy(n->children[i], tags))
                return false;
        return true;
    case SEARCH_OR:
        for (int i = 0; i < n->child_count; i++)
            if (tags_satisfy(n->children[i], tags))
                return true;
        return false;
    case SEARCH_NOT:
        return !tags_satisfy(n->children[0], tags);
    case SEARCH_FIELD:
        break;
    }
    return true; /* the field conditions below hold on every case */
}

#define COMPOUND_CASES 80

/* Pages through q, 4 cases a page, and checks it finds exactly the cases
 * whose tags satisfy q's filter, with their tags, and counts as many. */
static void check_walk_is_the_tags(fixture *f, store_search_query *q,
                                   json_t *const *tags, const char *what)
{
    static hits all;
    static char want[COMPOUND_CASES * 8];
    size_t len = 0;
    int64_t total = -1;
    int wanted = 0;

    want[0] = '\0';
    for (int i = 0; i < COMPOUND_CASES; i++) {
        if (!tags_satisfy(q->filter, tags[i]))
            continue;
        len += (size_t)snprintf(want + len, sizeof want - len, "%sc%02d",
                                wanted++ ? "," : "", i);
    }
    expected_tags = tags;
    tag_mismatches = 0;
    CHECK(walk(f, q, 4, &all, &total));
    expected_tags = NULL;
    /* the tags of each hit, whether the walk read its set or not */
    CHECK_INT(tag_mismatches, 0);
    if (strcmp(ids_of(&all, true), want) != 0 || total != wanted)
        fprintf(stderr, "%s: found %s (total %lld), want %s\n", what,
                ids_of(&all, true), (long long)total, want);
    CHECK_STR(ids_of(&all, true), want);
    CHECK_INT(total, wanted);
}

/* Conditions over several tags (a user's security profiles) are tested
 * through each case's tag set when the domain has few distinct sets, and
 * tag by tag when it has many: either way, alone, beside a field
 * condition and under a sort, the pages hold exactly the matching cases. */
TEST(search_store_tag_compound_filters_find_exactly_the_matching_cases)
{
    static const char *const teams[] = {"a", "b", NULL};
    static const char *const regions[] = {"eu", "us", "ap", NULL};
    fixture f = {0};
    tag_filters t;
    search_node title = field_str("title", SEARCH_EQ, "t");
    search_node *with_field_kids[] = {&t.profiles, &title, &t.not_us};
    search_node with_field = {.kind = SEARCH_AND, .children = with_field_kids,
                              .child_count = 3};
    search_node *both_kids[] = {&t.team_a, &t.team_b};
    search_node both = {.kind = SEARCH_AND, .children = both_kids,
                        .child_count = 2}; /* no set: an empty list */
    search_node *const filters[] = {&t.profiles, &t.not_us, &with_field,
                                    &both};
    json_t *tags[COMPOUND_CASES];
    store_search_query q = {.domain_id = "d1"};
    char id[16], value[16];

    tag_filters_init(&t);
    CHECK(store_fixture_open(&f, 1));
    for (int i = 0; i < COMPOUND_CASES; i++) {
        tags[i] = json_object();
        snprintf(id, sizeof id, "c%02d", i);
        CHECK(add_case(&f, "d1", id, json_pack("{s:o}", "title",
                                               str_value("t"))) > 0);
        if (teams[i % 3]) {
            CHECK_INT(add_tag(&f, "d1", id, "team", teams[i % 3]), STORE_OK);
            json_object_set_new(tags[i], "team", json_string(teams[i % 3]));
        }
        if (regions[i % 4]) {
            CHECK_INT(add_tag(&f, "d1", id, "region", regions[i % 4]), STORE_OK);
            json_object_set_new(tags[i], "region", json_string(regions[i % 4]));
        }
    }
    for (int round = 0; round < 2; round++) {
        const char *what = round == 0 ? "few tag sets" : "many tag sets";
        for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
            q.filter = filters[i];
            q.sort_count = 0;
            check_walk_is_the_tags(&f, &q, tags, what);
            q.sort_count = 1;
            q.sorts[0].field_id = "title";
            q.sorts[0].descending = true;
            check_walk_is_the_tags(&f, &q, tags, what);
        }
        /* a tag unique to each case: more distinct sets than are read */
        for (int i = 0; round == 0 && i < COMPOUND_CASES; i++) {
            snprintf(id, sizeof id, "c%02d", i);
            snprintf(value, sizeof value, "u%02d", i);
            CHECK_INT(add_tag(&f, "d1", id, "unique", value), STORE_OK);
            json_object_set_new(tags[i], "unique", json_string(value));
        }
    }
    for (int i = 0; i < COMPOUND_CASES; i++)
        json_decref(tags[i]);
    store_fixture_close(&f);
}

/* Rows of a table as one string, in a fixed order, through the test's own
 * connection to a closed store; NULL on failure (malloc'd). */
static char *table_text(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;
    char *out = NULL;

    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
        out = strdup((const char *)sqlite3_column_text(s, 0));
    else
        fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
    sqlite3_finalize(s);
    return out;
}

#define TAGSET_ROWS                                                          \
    "SELECT group_concat(row, ';') FROM (SELECT case_seq || ' ' || "         \
    "domain_id || ' ' || tagset AS row FROM case_tagsets ORDER BY case_seq)"
#define TAGSET_COUNTS                                                        \
    "SELECT group_concat(row, ';') FROM (SELECT domain_id || ' ' || tagset " \
    "|| ' ' || n AS row FROM tagset_counts WHERE n > 0 "                     \
    "ORDER BY domain_id, tagset)"

/* The rowids case_fts matches for term as a prefix, "" for none. */
static char *fts_matches(sqlite3 *db, const char *term)
{
    char sql[256];

    snprintf(sql, sizeof sql,
             "SELECT coalesce(group_concat(rowid), '') FROM (SELECT rowid "
             "FROM case_fts WHERE case_fts MATCH '\"%s\"*' ORDER BY rowid)",
             term);
    return table_text(db, sql);
}

/* Removes the full-text index file of the store at path, with its log. */
static void remove_fts_file(const char *path)
{
    static const char *const sides[] = {"-fts", "-fts-wal", "-fts-shm"};
    char side[96];

    for (size_t i = 0; i < sizeof sides / sizeof sides[0]; i++) {
        snprintf(side, sizeof side, "%s%s", path, sides[i]);
        unlink(side);
    }
}

/* Whether the store file itself (not the index file) has a table name. */
static bool store_has_table(sqlite3 *db, const char *name)
{
    char sql[128];
    char *text;
    bool found;

    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM main.sqlite_schema WHERE name = '%s'", name);
    text = table_text(db, sql);
    found = text && strcmp(text, "0") != 0;
    free(text);
    return found;
}

/* A store of schema 17 kept its full-text index inside (migration 017
 * built it with 2-character prefixes).  Opened now, it moves the index to
 * <store>-fts, built from the cases' own text, so every search finds what
 * it found before, in one merged segment, and drops its own; later
 * updates and deletes keep the moved index in step. */
TEST(search_store_full_text_index_moved_to_its_own_file)
{
    static const char *const terms[] = {"al", "alp", "alpha", "alphabet",
                                        "so", "gam", "de", "cre", "ag", NULL};
    const char *m017 = NULL;
    fixture f = {0};
    sqlite3 *db = NULL;
    char *before[16] = {0}, *after = NULL, *text = NULL, *old_index = NULL,
         want[64];
    put_case up = {.domain = "d1", .id = "c2"};
    int64_t seq[4];

    for (int i = 0; i < store_migration_count; i++)
        if (store_migrations[i].number == 17)
            m017 = store_migrations[i].sql;
    CHECK(m017 != NULL && strstr(m017, "DROP TABLE case_fts;\n"));
    CHECK(store_fixture_open(&f, 1));
    seq[0] = add_case(&f, "d1", "c0", json_pack(
        "{s:o, s:{s:s}}", "title", str_value("alpha beta"), "assigned_user",
        "userArnValue", "arn:aws:connect:us-east-1:1:instance/i/agent/ag1"));
    seq[1] = add_case(&f, "d1", "c1", json_pack(
        "{s:o, s:o}", "title", str_value("alphabet soup"), "amount",
        num_value(12)));
    seq[2] = add_case(&f, "d1", "c2", json_pack(
        "{s:o}", "title", str_value("gamma alpine")));
    seq[3] = add_case(&f, "d1", "c3", json_pack(
        "{s:o}", "title", str_value("crème brûlée")));
    for (int i = 0; i < 4; i++)
        CHECK(seq[i] > 0);
    up.fields = json_pack("{s:o}", "title", str_value("gamma delta"));
    CHECK_INT(store_tx(f.conn, update_tx, &up), STORE_OK);
    json_decref(up.fields);
    CHECK_INT(store_tx(f.conn, delete_tx, "c3"), STORE_OK);

    /* What the index file answers, then a store as schema 17 left it:
     * the index inside, built by 017 itself, and no index file. */
    CHECK((db = store_fixture_reopen_raw(&f)) != NULL);
    for (int i = 0; terms[i]; i++)
        before[i] = fts_matches(db, terms[i]);
    CHECK(!store_has_table(db, "case_fts"));
    CHECK(sqlite3_exec(db, "DETACH fts", NULL, NULL, NULL) == SQLITE_OK);
    remove_fts_file(f.path);
    /* its DROP is of the index 003 made, which a store of 16 had */
    old_index = m017 ? strdup(strstr(m017, "DROP TABLE case_fts;\n") +
                              strlen("DROP TABLE case_fts;\n"))
                     : NULL;
    CHECK(old_index && sqlite3_exec(db, old_index, NULL, NULL, NULL) == SQLITE_OK);
    /* and without what 019 added */
    CHECK(sqlite3_exec(db, "ALTER TABLE cases DROP COLUMN created_event_id; "
                           "ALTER TABLE cases DROP COLUMN created_by",
                       NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "PRAGMA user_version = 17", NULL, NULL, NULL) ==
          SQLITE_OK);
    for (int i = 0; terms[i]; i++) {
        after = fts_matches(db, terms[i]);
        CHECK(before[i] && after && !strcmp(before[i], after));
        free(after);
    }
    sqlite3_close(db);

    /* alp: c0 and c1 (c2 no longer says alpine); cre: none (c3 deleted) */
    snprintf(want, sizeof want, "%lld,%lld", (long long)seq[0], (long long)seq[1]);
    CHECK(before[1] && !strcmp(before[1], want));
    CHECK(before[7] && !strcmp(before[7], ""));

    CHECK(store_fixture_reopen(&f));
    if (!f.st)
        goto cleanup;
    CHECK((db = store_fixture_reopen_raw(&f)) != NULL);
    CHECK(!store_has_table(db, "case_fts"));
    for (int i = 0; terms[i]; i++) {
        after = fts_matches(db, terms[i]);
        CHECK(before[i] && after && !strcmp(before[i], after));
        free(after);
    }
    CHECK_INT(fts_segments(f.path), 1);
    text = table_text(db, "SELECT sql FROM fts.sqlite_schema "
                          "WHERE name = 'case_fts'");
    CHECK(text && strstr(text, "prefix = '2'"));
    free(text);
    CHECK_INT(fts_usermerge(f.path), 4);
    sqlite3_close(db);

    CHECK(store_fixture_reopen(&f));
    if (!f.st)
        goto cleanup;
    up.fields = json_pack("{s:o}", "title", str_value("gamma sorbet"));
    CHECK_INT(store_tx(f.conn, update_tx, &up), STORE_OK);
    json_decref(up.fields);
    CHECK_INT(store_tx(f.conn, delete_tx, "c0"), STORE_OK);
    CHECK((db = store_fixture_reopen_raw(&f)) != NULL);
    text = fts_matches(db, "de");
    CHECK(text && !strcmp(text, ""));
    free(text);
    text = fts_matches(db, "so");
    snprintf(want, sizeof want, "%lld,%lld", (long long)seq[1], (long long)seq[2]);
    CHECK(text && !strcmp(text, want));
    free(text);
    text = fts_matches(db, "alpha");
    snprintf(want, sizeof want, "%lld", (long long)seq[1]);
    CHECK(text && !strcmp(text, want));
    free(text);
    sqlite3_close(db);
cleanup:
    free(old_index);
    for (int i = 0; terms[i]; i++)
        free(before[i]);
    store_fixture_close(&f);
}

/* The index is written apart from the cases, in passes (sqlite_fts.c),
 * yet a search with a searchTerm finds a case written just before it, and
 * one changed just before it under its new words only. */
TEST(search_store_full_text_search_sees_the_writes_before_it)
{
    fixture f = {0};
    store_search_query q = {.domain_id = "d1"};
    put_case up = {.domain = "d1", .id = "c00"};
    char id[16], word[16], ids[512] = "";

    CHECK(store_fixture_open(&f, 1));
    for (int i = 0; i < 20; i++) {
        snprintf(id, sizeof id, "c%02d", i);
        snprintf(word, sizeof word, "word%c%c", 'a' + i, 'a' + i);
        CHECK(add_case(&f, "d1", id, json_pack("{s:o}", "title",
                                                str_value(word))) > 0);
        q.search_term = word;
        SEARCH_IDS(&f, &q, id);
        q.search_term = "word";
        snprintf(ids + strlen(ids), sizeof ids - strlen(ids), "%s%s",
                 i ? "," : "", id);
        SEARCH_IDS(&f, &q, ids);
    }
    up.fields = json_pack("{s:o}", "title", str_value("quartz"));
    CHECK_INT(store_tx(f.conn, update_tx, &up), STORE_OK);
    json_decref(up.fields);
    q.search_term = "quartz";
    SEARCH_IDS(&f, &q, "c00");
    q.search_term = "wordaa";
    SEARCH_IDS(&f, &q, "");
    store_fixture_close(&f);
}

/* The index file can be lost: the store rebuilds it from the cases when
 * it opens. */
TEST(search_store_full_text_index_rebuilt_when_its_file_is_missing)
{
    fixture f = {0};
    store_search_query q = {.domain_id = "d1", .search_term = "harbour"};

    CHECK(store_fixture_open(&f, 1));
    CHECK(add_case(&f, "d1", "c1", json_pack("{s:o}", "title",
                                              str_value("harbour lights"))) > 0);
    CHECK(add_case(&f, "d1", "c2", json_pack("{s:o}", "title",
                                              str_value("harbour wall"))) > 0);
    CHECK(add_case(&f, "d1", "c3", json_pack("{s:o}", "title",
                                              str_value("inland"))) > 0);
    store_release(f.st, f.conn);
    store_close(f.st);
    remove_fts_file(f.path);
    CHECK(store_fixture_reopen(&f));
    if (!f.st)
        goto cleanup;
    SEARCH_IDS(&f, &q, "c1,c2");
    q.search_term = "inl";
    SEARCH_IDS(&f, &q, "c3");
cleanup:
    store_fixture_close(&f);
}

/*
 * An index file of an earlier format (user_version 0: words with their
 * positions, before FTS_FORMAT 2) is rebuilt from the cases when the
 * store opens, into the current one, which keeps no positions.
 */
TEST(search_store_full_text_index_of_an_older_format_is_rebuilt)
{
    fixture f = {0};
    store_search_query q = {.domain_id = "d1", .search_term = "harbour"};
    sqlite3 *db = NULL;
    char *text = NULL;

    CHECK(store_fixture_open(&f, 1));
    CHECK(add_case(&f, "d1", "c1", json_pack("{s:o}", "title",
                                              str_value("harbour lights"))) > 0);
    CHECK(add_case(&f, "d1", "c2", json_pack("{s:o}", "title",
                                              str_value("inland"))) > 0);
    CHECK((db = store_fixture_reopen_raw(&f)) != NULL);
    text = table_text(db, "PRAGMA fts.user_version");
    CHECK_STR(text, "2");
    free(text);
    /* the former definition, holding a word no case has */
    CHECK(sqlite3_exec(db, "DROP TABLE fts.case_fts; "
                           "CREATE VIRTUAL TABLE fts.case_fts USING fts5 ("
                           "body, content = '', columnsize = 0, "
                           "tokenize = 'unicode61 remove_diacritics 2', "
                           "prefix = '2'); "
                           "INSERT INTO fts.case_fts (rowid, body) "
                           "VALUES (1, 'stale'); "
                           "PRAGMA fts.user_version = 0",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    db = NULL;
    CHECK(store_fixture_reopen(&f));
    if (!f.st)
        goto cleanup;
    SEARCH_IDS(&f, &q, "c1");
    q.search_term = "stale";
    SEARCH_IDS(&f, &q, "");
    q.search_term = "inl";
    SEARCH_IDS(&f, &q, "c2");
    CHECK((db = store_fixture_reopen_raw(&f)) != NULL);
    text = table_text(db, "PRAGMA fts.user_version");
    CHECK_STR(text, "2");
    free(text);
    text = table_text(db, "SELECT sql LIKE '%detail = none%' FROM "
                          "fts.sqlite_schema WHERE name = 'case_fts'");
    CHECK_STR(text, "1");
cleanup:
    free(text);
    sqlite3_close(db);
    store_fixture_close(&f);
}

/*
 * The queue's rows stay until the index has them, and a store that stops
 * before indexing some (a crash) indexes them once it opens again: here a
 * queued change of c1's text, as its transaction left it.  A store closed
 * cleanly has an empty queue, and its ids are never handed out again
 * (migration 018), or the index would skip new rows as done.
 */
TEST(search_store_full_text_queue_survives_until_indexed)
{
    fixture f = {0};
    store_search_query q = {.domain_id = "d1", .search_term = "zircon"};
    sqlite3 *db = NULL;
    char *text = NULL, sql[256];
    int64_t seq;

    CHECK(store_fixture_open(&f, 1));
    CHECK((seq = add_case(&f, "d1", "c1", json_pack(
               "{s:o}", "title", str_value("pebble")))) > 0);
    CHECK(add_case(&f, "d1", "c2", json_pack("{s:o}", "title",
                                              str_value("pebble"))) > 0);
    CHECK((db = store_fixture_reopen_raw(&f)) != NULL);
    text = table_text(db, "SELECT count(*) || ' ' || (SELECT seq FROM "
                          "sqlite_sequence WHERE name = 'case_fts_queue') "
                          "FROM case_fts_queue");
    CHECK_STR(text, "0 2");
    free(text);
    snprintf(sql, sizeof sql,
             "INSERT INTO case_fts_queue (op, rid, body) VALUES "
             "('delete', %lld, 'pebble'), (NULL, %lld, 'zircon')",
             (long long)seq, (long long)seq);
    CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
    text = table_text(db, "SELECT group_concat(id) FROM case_fts_queue");
    CHECK_STR(text, "3,4");
    free(text);
    sqlite3_close(db);

    CHECK(store_fixture_reopen(&f));
    if (!f.st)
        goto cleanup;
    SEARCH_IDS(&f, &q, "c1");
    q.search_term = "pebble";
    SEARCH_IDS(&f, &q, "c2");
    CHECK(add_case(&f, "d1", "c3", json_pack("{s:o}", "title",
                                              str_value("zircon"))) > 0);
    q.search_term = "zircon";
    SEARCH_IDS(&f, &q, "c1,c3");
    CHECK((db = store_fixture_reopen_raw(&f)) != NULL);
    text = table_text(db, "SELECT count(*) || ' ' || (SELECT seq FROM "
                          "sqlite_sequence WHERE name = 'case_fts_queue') "
                          "FROM case_fts_queue");
    CHECK_STR(text, "0 5");
    free(text);
    sqlite3_close(db);
cleanup:
    store_fixture_close(&f);
}

/* A store migrated to 011 gets, for the cases it already holds, the tag
 * sets and counts the commit path would have kept. */
TEST(search_store_tagset_backfill_matches_the_kept_sets)
{
    const char *marker = "-- --- what existed before this migration";
    const char *backfill = NULL;
    fixture f = {0};
    sqlite3 *db = NULL;
    char *rows = NULL, *counts = NULL, *rows_after = NULL,
         *counts_after = NULL, id[16];
    remove_tags rm = {.keys = {"team", "region"}};

    for (int i = 0; i < store_migration_count; i++)
        if (store_migrations[i].number == 11)
            backfill = strstr(store_migrations[i].sql, marker);
    CHECK(backfill != NULL);
    CHECK(store_fixture_open(&f, 1));
    for (int i = 0; i < 12; i++) {
        snprintf(id, sizeof id, "c%02d", i);
        CHECK(add_case(&f, i % 5 ? "d1" : "d2", id,
                       json_pack("{s:o}", "title", str_value("t"))) > 0);
        if (i % 4)
            CHECK_INT(add_tag(&f, i % 5 ? "d1" : "d2", id, "team",
                              i % 3 ? "a" : "b"), STORE_OK);
        if (i % 3)
            CHECK_INT(add_tag(&f, i % 5 ? "d1" : "d2", id, "region", "eu"),
                      STORE_OK);
    }
    snprintf(rm.arn, sizeof rm.arn,
             "arn:aws:cases:us-east-1:111122223333:domain/d1/case/c07");
    CHECK_INT(store_tx(f.conn, untag_tx, &rm), STORE_OK);
    CHECK_INT(store_tx(f.conn, delete_tx, "c02"), STORE_OK);
    CHECK((db = store_fixture_reopen_raw(&f)) != NULL);
    rows = table_text(db, TAGSET_ROWS);
    counts = table_text(db, TAGSET_COUNTS);
    CHECK(rows && strstr(rows, "{\"team\":\"a\",\"region\":\"eu\"}"));
    CHECK(sqlite3_exec(db, "DELETE FROM case_tagsets; DELETE FROM tagset_counts",
                       NULL, NULL, NULL) == SQLITE_OK);
    CHECK(backfill && sqlite3_exec(db, backfill, NULL, NULL, NULL) == SQLITE_OK);
    rows_after = table_text(db, TAGSET_ROWS);
    counts_after = table_text(db, TAGSET_COUNTS);
    CHECK(rows && rows_after && !strcmp(rows, rows_after));
    CHECK(counts && counts_after && !strcmp(counts, counts_after));
    sqlite3_close(db);
    free(rows);
    free(counts);
    free(rows_after);
    free(counts_after);
    store_fixture_close(&f);
}

/* --- the index of new cases (sqlite_index.c) ------------------------------------- */

#define INDEX_ROWS                                                            \
    "SELECT group_concat(row, ';') FROM (SELECT case_seq || ' ' || kkey || "  \
    "' ' || typeof(val) || ' ' || quote(val) AS row FROM case_values "        \
    "ORDER BY case_seq, kkey)"
#define INDEX_KEYS                                                            \
    "SELECT group_concat(row, ';') FROM (SELECT kkey || ' ' || domain_id || " \
    "' ' || kind || ' ' || name || ' ' || n AS row FROM search_keys "         \
    "ORDER BY kkey)"
#define INDEX_COUNTS                                                          \
    "SELECT (SELECT group_concat(row, ';') FROM (SELECT kkey || ' ' || val "  \
    "|| ' ' || n AS row FROM search_counts ORDER BY kkey, val)) || '|' || "   \
    "(SELECT group_concat(row, ';') FROM (SELECT kkey || ' ' || day || ' ' "  \
    "|| n AS row FROM search_day_counts ORDER BY kkey, day))"
#define INDEX_TERMS                                                           \
    "SELECT coalesce(group_concat(row, ';'), '') FROM (SELECT term || ' ' "   \
    "|| doc AS row FROM temp.terms ORDER BY term)"
/* With every case deleted: value rows, keys counting cases, options and
 * days counting cases, terms (all 0 when the counts were exact). */
#define INDEX_EMPTIED                                                         \
    "SELECT (SELECT count(*) FROM case_values) || ' ' || (SELECT count(*) "   \
    "FROM search_keys WHERE n <> 0) || ' ' || (SELECT count(*) FROM "         \
    "search_counts WHERE n <> 0) || ' ' || (SELECT count(*) FROM "            \
    "search_day_counts WHERE n <> 0) || ' ' || (" INDEX_TERMS ")"
/* What the commit path does with the full-text queue (sqlite_commit.c). */
#define INDEX_FTS_FLUSH                                                       \
    "INSERT INTO case_fts (case_fts, rowid, body) SELECT op, rid, body "      \
    "FROM case_fts_queue ORDER BY rid, id; DELETE FROM case_fts_queue;"

/* The CREATE TRIGGER statement named name in migration number, "" when
 * it is not there (static storage). */
static const char *migration_trigger(int number, const char *name)
{
    static char sql[8][8192];
    static int next;
    char head[128];
    const char *start = NULL, *end;
    char *out = sql[next++ % 8];

    snprintf(head, sizeof head, "CREATE TRIGGER %s ", name);
    for (int i = 0; i < store_migration_count; i++)
        if (store_migrations[i].number == number)
            start = strstr(store_migrations[i].sql, head);
    end = start ? strstr(start, "\nEND;") : NULL;
    if (!end || (size_t)(end - start) + 6 >= sizeof sql[0])
        return "";
    memcpy(out, start, (size_t)(end - start) + 5);
    out[end - start + 5] = '\0';
    return out;
}

static char *index_snapshot(sqlite3 *db)
{
    char *parts[4] = {table_text(db, INDEX_ROWS), table_text(db, INDEX_KEYS),
                      table_text(db, INDEX_COUNTS), table_text(db, INDEX_TERMS)};
    char *out = NULL;

    if (parts[0] && parts[1] && parts[2] && parts[3] &&
        asprintf(&out, "%s\n%s\n%s\n%s", parts[0], parts[1], parts[2],
                 parts[3]) < 0)
        out = NULL;
    for (int i = 0; i < 4; i++)
        free(parts[i]);
    return out;
}

/* More fields than one statement of sqlite_index.c files. */
static json_t *many_fields(int n)
{
    json_t *fields = json_object();
    char id[16], text[16];

    for (int i = 0; i < n; i++) {
        snprintf(id, sizeof id, "f%02d", i);
        snprintf(text, sizeof text, "word%02d", i);
        json_object_set_new(fields, id, str_value(text));
    }
    return fields;
}

/* Values of every shape a case can hold, and some only a caller other
 * than the API would write: a whole number as doubleValue, two members in
 * one union, an empty string. */
static bool seed_index_shapes(fixture *f)
{
    store_option opt = {.name = "High", .value = "high", .active = true};

    if (store_option_put(f->conn, &scope, "d1", "prio", &opt) != STORE_OK)
        return false;
    return add_case(f, "d1", "c1", json_pack(
               "{so so so so so so}", "title", str_value("Broken pump"),
               "prio", str_value("high"), "amount", num_value(2.5),
               "flag", json_pack("{sb}", "booleanValue", 1),
               "agent", json_pack("{ss}", "userArnValue",
                                  "arn:aws:connect:us-east-1:1:instance/i/agent/a"),
               "created_datetime", str_value("2026-11-28T10:00:00.000Z"))) > 0 &&
           add_case(f, "d1", "c2", json_pack(
               "{so so so so so so}", "title", str_value(""), "prio",
               str_value("low"), "count", json_pack("{sI}", "doubleValue",
                                                    (json_int_t)3),
               "flag", json_pack("{sb}", "booleanValue", 0),
               "blank", json_pack("{s{}}", "emptyValue"),
               "created_datetime", str_value("2026-13-99Tnot a time"))) > 0 &&
           add_case(f, "d2", "c3", json_pack(
               "{so so so so}", "title", str_value("Schöne Grüße"), "both",
               json_pack("{ssss}", "stringValue", "first words",
                         "userArnValue", "second words"),
               "spaced", str_value("2026-11-28 10:00"),
               "second", json_pack("{ssss}", "stringValue", "x",
                                   "userArnValue", "2026-11-28T11:00"))) > 0 &&
           add_case(f, "d1", "c4", json_object()) > 0 &&
           add_case(f, "d1", "c5", many_fields(20)) > 0;
}

/* The index sqlite_index.c writes for new cases is, row for row, the one
 * the triggers it replaced (migrations 005 and 006, and the triggers on
 * case_values that migration 015 dropped) wrote; and the delete
 * trigger, which recomputes each case's text from its JSON, takes every
 * term out of the full-text index again. */
TEST(search_store_case_index_matches_the_replaced_triggers)
{
    fixture f = {0};
    sqlite3 *db = NULL;
    char *from_c = NULL, *from_triggers = NULL, *emptied = NULL;
    const char *search_trigger = migration_trigger(6, "cases_search_insert");
    const char *count_trigger = migration_trigger(5, "cases_count_insert");
    const char *day_trigger = migration_trigger(9, "day_count_insert");
    const char *tag_trigger = migration_trigger(14, "tag_value_insert");
    const char *time_trigger = migration_trigger(14, "tag_recency_updated_insert");

    CHECK(*search_trigger && *count_trigger && *day_trigger && *tag_trigger &&
          *time_trigger);
    CHECK(store_fixture_open(&f, 1));
    CHECK(seed_index_shapes(&f));
    CHECK((db = store_fixture_reopen_raw(&f)) != NULL);
    CHECK(sqlite3_exec(db, "CREATE VIRTUAL TABLE temp.terms USING "
                           "fts5vocab(fts, case_fts, row)",
                       NULL, NULL, NULL) == SQLITE_OK);
    from_c = index_snapshot(db);
    CHECK(from_c && strstr(from_c, "real 2.5") && strstr(from_c, "integer 3") &&
          strstr(from_c, ";schone 1;") && strstr(from_c, ";first 1;") &&
          strstr(from_c, ";second 1;") && strstr(from_c, ";words 1;") &&
          strstr(from_c, "\n3 high 1|") && strstr(from_c, ";word19 1") &&
          strstr(from_c, " 2026-11-28 1;") && strstr(from_c, " 2026-13-99 1\n"));

    CHECK(sqlite3_exec(db, "BEGIN; CREATE TEMP TABLE old AS SELECT * FROM "
                           "cases; DELETE FROM cases;" INDEX_FTS_FLUSH,
                       NULL, NULL, NULL) == SQLITE_OK);
    emptied = table_text(db, INDEX_EMPTIED);
    CHECK(emptied && !strcmp(emptied, "0 0 0 0 "));
    CHECK(sqlite3_exec(db, search_trigger, NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db, count_trigger, NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db, day_trigger, NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db, tag_trigger, NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db, time_trigger, NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "INSERT INTO cases SELECT * FROM old;"
                           INDEX_FTS_FLUSH "COMMIT",
                       NULL, NULL, NULL) == SQLITE_OK);
    from_triggers = index_snapshot(db);
    CHECK(from_c && from_triggers && !strcmp(from_c, from_triggers));
    if (from_c && from_triggers && strcmp(from_c, from_triggers))
        fprintf(stderr, "C:        %s\ntriggers: %s\n", from_c, from_triggers);
    sqlite3_close(db);
    free(from_c);
    free(from_triggers);
    free(emptied);
    store_fixture_close(&f);
}

#define OPTION_COUNTS                                                         \
    "SELECT coalesce(group_concat(row, ';'), '') FROM (SELECT k.name || ' ' " \
    "|| c.val || ' ' || c.n AS row FROM search_counts c JOIN search_keys k "  \
    "ON k.kkey = c.kkey WHERE k.kind = 0 ORDER BY k.name, c.val)"

/* The values of fields the caller names in plain_fields are not looked up
 * among the options, and so never counted as one; every other field's
 * are, and without plain_fields all are. */
TEST(search_store_plain_fields_skip_the_option_counts)
{
    fixture f = {0};
    store_option high = {.name = "High", .value = "high", .active = true};
    json_t *plain = json_pack("{sb}", "title", 1);
    put_case with_plain = {.domain = "d1", .id = "c1", .plain = plain,
                           .fields = json_pack("{so so}", "title",
                                               str_value("high"), "prio",
                                               str_value("high"))};
    put_case without = {.domain = "d1", .id = "c2",
                        .fields = json_pack("{so so}", "title",
                                            str_value("high"), "prio",
                                            str_value("high"))};
    sqlite3 *db = NULL;
    char *after_plain = NULL, *after_all = NULL;

    CHECK(store_fixture_open(&f, 1));
    CHECK_INT(store_option_put(f.conn, &scope, "d1", "prio", &high), STORE_OK);
    CHECK_INT(store_option_put(f.conn, &scope, "d1", "title", &high), STORE_OK);
    CHECK_INT(store_tx(f.conn, insert_tx, &with_plain), STORE_OK);
    CHECK((db = store_fixture_reopen_raw(&f)) != NULL);
    after_plain = table_text(db, OPTION_COUNTS);
    CHECK(after_plain && !strcmp(after_plain, "prio high 1"));
    sqlite3_close(db);
    CHECK(store_fixture_reopen(&f));
    CHECK_INT(store_tx(f.conn, insert_tx, &without), STORE_OK);
    CHECK((db = store_fixture_reopen_raw(&f)) != NULL);
    after_all = table_text(db, OPTION_COUNTS);
    CHECK(after_all && !strcmp(after_all, "prio high 2;title high 1"));
    sqlite3_close(db);
    json_decref(with_plain.fields);
    json_decref(without.fields);
    json_decref(plain);
    free(after_plain);
    free(after_all);
    store_fixture_close(&f);
}

typedef struct {
    const char *id;
    const char *field;
    bool fail;
} keyed_case;

static int keyed_case_tx(store_conn *conn, void *arg)
{
    keyed_case *k = arg;
    store_case c = {.domain_id = "d1", .case_id = k->id, .template_id = "t",
                    .created_ms = 1, .updated_ms = 1,
                    .fields = json_pack("{so}", k->field, str_value(k->id))};
    int rc = store_case_insert(conn, &scope, &c);

    json_decref(c.fields);
    return rc == STORE_OK && k->fail ? STORE_CONFLICT : rc;
}

/* A search key made by a request that then fails is rolled back with it,
 * and its number goes to the next new key: the key cache must not hand
 * out the old number for the old name.  Nor may the failed case stay
 * counted under its keys. */
TEST(search_store_key_cache_forgets_rolled_back_keys)
{
    fixture f = {0};
    keyed_case failed = {"c1", "fresh", true}, other = {"c2", "other", false},
               fresh = {"c3", "fresh", false};
    search_node on_fresh = field_str("fresh", SEARCH_EQ, "c3");
    search_node on_other = field_str("other", SEARCH_EQ, "c3");
    store_search_query q = {.domain_id = "d1", .want_total = true};
    int64_t total = -1;

    CHECK(store_fixture_open(&f, 1));
    CHECK(add_case(&f, "d1", "c0", json_object()) > 0);
    CHECK_INT(store_tx(f.conn, keyed_case_tx, &failed), STORE_CONFLICT);
    CHECK_INT(store_tx(f.conn, keyed_case_tx, &other), STORE_OK);
    CHECK_INT(store_tx(f.conn, keyed_case_tx, &fresh), STORE_OK);
    q.filter = &on_fresh;
    CHECK(run(&f, &q, &total, NULL));
    CHECK_INT(total, 1);
    q.filter = &on_other;
    CHECK(run(&f, &q, &total, NULL));
    CHECK_INT(total, 0);
    q.filter = NULL; /* counted from the domain key's case count */
    CHECK(run(&f, &q, &total, NULL));
    CHECK_INT(total, 3);
    store_fixture_close(&f);
}

/* --- tag bookkeeping (migrations 007, 008, 014) ------------------------------------ */

#define TAG_COUNT_ROWS                                                        \
    "SELECT coalesce(group_concat(row, ';'), '') FROM (SELECT c.kkey || ' ' " \
    "|| c.val || ' ' || c.n AS row FROM search_counts c JOIN search_keys k "  \
    "ON k.kkey = c.kkey WHERE k.kind = 1 AND c.n > 0 ORDER BY c.kkey, c.val)"
#define TAG_RECENCY_ROWS                                                      \
    "SELECT coalesce(group_concat(row, ';'), '') FROM (SELECT kkey || ' ' "   \
    "|| val || ' ' || updated || ' ' || case_seq AS row FROM tag_recency "    \
    "ORDER BY kkey, val, updated, case_seq)"

#define DAY_COUNT_ROWS                                                        \
    "SELECT coalesce(group_concat(row, ';'), '') FROM (SELECT kkey || ' ' "   \
    "|| day || ' ' || n AS row FROM search_day_counts WHERE n <> 0 "          \
    "ORDER BY kkey, day)"

/* The backfill of a migration: its SQL from marker on. */
static const char *migration_tail(int number, const char *marker)
{
    for (int i = 0; i < store_migration_count; i++)
        if (store_migrations[i].number == number)
            return strstr(store_migrations[i].sql, marker);
    return NULL;
}

static json_t *stamped(const char *title, const char *updated)
{
    return json_pack("{so so so}", "title", str_value(title),
                     "created_datetime", str_value("2026-10-01T09:00:00.000Z"),
                     "last_updated_datetime", str_value(updated));
}

/* The per-tag counts, the tags' last-updated order and the day counts that
 * the triggers keep through tagging (before and after the case exists),
 * retagging, untagging, updates of a case's update time and deletions are
 * those the backfills of migrations 007, 008 and 009 compute from the
 * values as they end up. */
TEST(search_store_tag_bookkeeping_matches_the_backfills)
{
    const char *counts_sql = migration_tail(7, "-- Tags that existed before");
    const char *recency_sql = migration_tail(8, "-- What existed before");
    const char *days_sql = migration_tail(9, "-- Values that existed before");
    fixture f = {0};
    sqlite3 *db = NULL;
    char *counts = NULL, *recency = NULL, *days = NULL, *counts_after = NULL,
         *recency_after = NULL, *days_after = NULL, id[16];
    remove_tags rm = {.keys = {"team", NULL}};
    put_case later = {.domain = "d1", .id = "c03",
                      .fields = stamped("t", "2026-11-28T12:00:00.000Z")};

    CHECK(counts_sql && recency_sql && days_sql);
    CHECK(store_fixture_open(&f, 1));
    CHECK_INT(add_tag(&f, "d1", "c00", "team", "early"), STORE_OK);
    CHECK_INT(add_tag(&f, "d1", "c00", "due", "2026-12-01T00:00:00Z"), STORE_OK);
    for (int i = 0; i < 8; i++) {
        snprintf(id, sizeof id, "c%02d", i);
        CHECK(add_case(&f, "d1", id, stamped("t", "2026-11-01T10:00:00.000Z")) > 0);
        CHECK_INT(add_tag(&f, "d1", id, "team", i % 3 ? "a" : "b"), STORE_OK);
        if (i % 2)
            CHECK_INT(add_tag(&f, "d1", id, "region", "eu"), STORE_OK);
        if (i % 3 == 1)
            CHECK_INT(add_tag(&f, "d1", id, "due", "2026-12-02T00:00:00Z"),
                      STORE_OK);
    }
    CHECK_INT(add_tag(&f, "d1", "c01", "team", "b"), STORE_OK);
    CHECK_INT(add_tag(&f, "d1", "c04", "due", "2026-12-03T00:00:00Z"), STORE_OK);
    snprintf(rm.arn, sizeof rm.arn,
             "arn:aws:cases:us-east-1:111122223333:domain/d1/case/c02");
    CHECK_INT(store_tx(f.conn, untag_tx, &rm), STORE_OK);
    CHECK_INT(store_tx(f.conn, update_tx, &later), STORE_OK);
    json_decref(later.fields);
    CHECK_INT(store_tx(f.conn, delete_tx, "c05"), STORE_OK);
    CHECK((db = store_fixture_reopen_raw(&f)) != NULL);
    counts = table_text(db, TAG_COUNT_ROWS);
    recency = table_text(db, TAG_RECENCY_ROWS);
    days = table_text(db, DAY_COUNT_ROWS);
    CHECK(counts && strstr(counts, " b 4") && strstr(counts, " eu 3") && recency &&
          strstr(recency, "2026-11-28T12:00:00.000Z") &&
          strstr(recency, " 2026-12-01T00:00:00Z 2026-11-01T10:00:00.000Z ") && days &&
          strstr(days, " 2026-12-01 1;") && strstr(days, " 2026-12-02 2;") &&
          strstr(days, " 2026-12-03 1") && strstr(days, " 2026-11-28 1"));
    CHECK(sqlite3_exec(db, "DELETE FROM tag_recency; DELETE FROM search_counts "
                           "WHERE kkey IN (SELECT kkey FROM search_keys "
                           "WHERE kind = 1); DELETE FROM search_day_counts",
                       NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db, counts_sql, NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db, recency_sql, NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db, days_sql, NULL, NULL, NULL) == SQLITE_OK);
    counts_after = table_text(db, TAG_COUNT_ROWS);
    recency_after = table_text(db, TAG_RECENCY_ROWS);
    days_after = table_text(db, DAY_COUNT_ROWS);
    CHECK(counts_after && !strcmp(counts, counts_after));
    CHECK(recency_after && !strcmp(recency, recency_after));
    CHECK(days_after && !strcmp(days, days_after));
    if (days && days_after && strcmp(days, days_after))
        fprintf(stderr, "kept:     %s\nbackfill: %s\n", days, days_after);
    sqlite3_close(db);
    free(counts);
    free(recency);
    free(days);
    free(counts_after);
    free(recency_after);
    free(days_after);
    store_fixture_close(&f);
}
