/*
 * seed.c - loads many realistic cases into a store file, for the search
 * benchmark (bench/search.sh).
 *
 *   build/bench/seed --store FILE --domain ID --template ID --text FIELD
 *                    --number FIELD --select FIELD [--count N] [--batch N]
 *                    [--account ID] [--region R] [--samples FILE]
 *
 * The domain, its three custom fields (Text, Number, SingleSelect) and the
 * template must already exist (the script creates them through the API);
 * this tool writes only cases and their tags, straight through the store
 * interface (store_case_insert, store_tags_put) in large transactions, so
 * the search triggers run exactly as they do for CreateCase.  Per case: case_id, title, status, customer_id,
 * reference_number, summary, created_datetime, last_updated_datetime and
 * the three custom fields; tags team (1000 values) and tier (3 values).
 * No audit events and no related items: search reads neither.
 *
 * Values come from a fixed-seed generator, so a run is repeatable; the
 * values of one case in the middle are written to --samples as shell
 * assignments, for queries that must hit something specific.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/sqlite/sqlite_internal.h"
#include "store/store.h"

#define COMMON_WORDS 30000   /* summary and title vocabulary */
#define RARE_WORDS 1000000   /* one word per title from here: ~1 case each */
#define TEAMS 1000
#define BASE_MS 1704067200000LL /* 2024-01-01T00:00:00Z */
#define SPAN_MS (2LL * 365 * 86400 * 1000)
#define UPDATE_SPAN_MS (30LL * 86400 * 1000)

static const char *const syllables[32] = {
    "ba", "ko", "mi", "ru", "te", "lo", "ne", "si", "da", "fu", "ga",
    "hi", "je", "ka", "lu", "mo", "na", "pe", "qui", "ra", "so", "tu",
    "va", "we", "xo", "yu", "za", "bre", "cla", "dro", "fle", "gri"};

static const char *const options[12] = {
    "billing", "shipping", "returns", "warranty", "account", "technical",
    "delivery", "refund", "complaint", "feedback", "upgrade", "other"};

static const char *const tiers[3] = {"gold", "silver", "bronze"};

typedef struct {
    const char *store;
    const char *domain;
    const char *template_id;
    const char *text_field;
    const char *number_field;
    const char *select_field;
    const char *samples;
    store_scope scope;
    long count;
    long batch;
} options_t;

typedef struct {
    const options_t *opt;
    uint64_t rng;
    long done;
    long sample_at;
    FILE *samples;
} seeder;

static uint64_t next(seeder *s)
{
    /* splitmix64 */
    uint64_t z = (s->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t below(seeder *s, uint64_t n)
{
    return next(s) % n;
}

/* The word with index i, written with syllables base-32 digits. */
static void word(uint64_t i, int syllable_count, char *out, size_t outlen)
{
    size_t len = 0;
    out[0] = '\0';
    for (int k = 0; k < syllable_count; k++, i /= 32)
        len += (size_t)snprintf(out + len, outlen - len, "%s", syllables[i % 32]);
}

static void iso_time(int64_t ms, char *out, size_t outlen)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    char day[24];

    gmtime_r(&secs, &tm);
    strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, outlen, "%s.%03dZ", day, (int)(ms % 1000));
}

static json_t *sv(const char *s)
{
    return json_pack("{ss}", "stringValue", s);
}

static void set_words(seeder *s, char *out, size_t outlen, int n,
                      const char *rare)
{
    size_t len = 0;
    out[0] = '\0';
    for (int k = 0; k < n && len < outlen - 24; k++) {
        char w[24];
        word(below(s, COMMON_WORDS), 3, w, sizeof w);
        len += (size_t)snprintf(out + len, outlen - len, "%s%s", k ? " " : "",
                                k == 2 && rare ? rare : w);
    }
}

typedef struct {
    char case_id[40];
    char title[128];
    char rare[32];
    char text[16];
    char team[16];
    double amount;
    const char *option;
    json_t *fields;
    json_t *tags;
} one_case;

static void make_case(seeder *s, one_case *c)
{
    char summary[400], customer[160], ref[12], created[32], updated[32];
    int64_t created_ms = BASE_MS + (int64_t)below(s, SPAN_MS);
    int64_t updated_ms = created_ms + (int64_t)below(s, UPDATE_SPAN_MS);
    uint64_t a = next(s), b = next(s);

    snprintf(c->case_id, sizeof c->case_id, "%08" PRIx64 "-%04" PRIx64
             "-4%03" PRIx64 "-a%03" PRIx64 "-%012" PRIx64,
             a >> 32, (a >> 16) & 0xffff, a & 0xfff, b >> 52,
             (uint64_t)(b & 0xffffffffffffULL));
    word(below(s, RARE_WORDS), 4, c->rare, sizeof c->rare);
    set_words(s, c->title, sizeof c->title, 4, c->rare);
    set_words(s, summary, sizeof summary, 14, NULL);
    snprintf(customer, sizeof customer,
             "arn:aws:profile:%s:%s:domains/bench/profiles/%016" PRIx64,
             s->opt->scope.region, s->opt->scope.account, next(s));
    snprintf(ref, sizeof ref, "%08" PRIu64, below(s, 100000000));
    iso_time(created_ms, created, sizeof created);
    iso_time(updated_ms, updated, sizeof updated);
    snprintf(c->text, sizeof c->text, "ORD-%08" PRIu64, below(s, 100000000));
    c->amount = (double)below(s, 1000000) / 100.0;
    c->option = options[below(s, 12)];
    snprintf(c->team, sizeof c->team, "team-%03" PRIu64, below(s, TEAMS));
    c->fields = json_pack(
        "{s:o s:o s:o s:o s:o s:o s:o s:o s:o s:{s:f} s:o}", "case_id",
        sv(c->case_id), "title", sv(c->title), "status",
        sv(below(s, 100) < 35 ? "open" : "closed"), "customer_id", sv(customer),
        "reference_number", sv(ref), "summary", sv(summary),
        "created_datetime", sv(created), "last_updated_datetime", sv(updated),
        s->opt->text_field, sv(c->text), s->opt->number_field, "doubleValue",
        c->amount, s->opt->select_field, sv(c->option));
    c->tags = json_pack("{ss ss}", "team", c->team, "tier",
                        tiers[below(s, 3)]);
}

static void write_sample(seeder *s, const one_case *c)
{
    if (!s->samples)
        return;
    fprintf(s->samples,
            "SAMPLE_CASE_ID=%s\nSAMPLE_TEXT=%s\nSAMPLE_RARE_WORD=%s\n"
            "SAMPLE_TEAM=%s\nSAMPLE_OPTION=%s\nSAMPLE_AMOUNT=%.2f\n",
            c->case_id, c->text, c->rare, c->team, c->option, c->amount);
}

static int insert_one(store_conn *conn, seeder *s)
{
    const options_t *o = s->opt;
    one_case c;
    char arn[256];
    store_case sc;
    int rc;

    make_case(s, &c);
    sc = (store_case){.domain_id = o->domain, .case_id = c.case_id,
                      .template_id = o->template_id,
                      .created_ms = BASE_MS, .updated_ms = BASE_MS,
                      .fields = c.fields};
    snprintf(arn, sizeof arn, "arn:aws:cases:%s:%s:domain/%s/case/%s",
             o->scope.region, o->scope.account, o->domain, c.case_id);
    rc = store_case_insert(conn, &o->scope, &sc);
    if (rc == STORE_OK)
        rc = store_tags_put(conn, arn, c.tags);
    if (rc == STORE_OK && s->done == s->sample_at)
        write_sample(s, &c);
    json_decref(c.fields);
    json_decref(c.tags);
    return rc;
}

/*
 * One batch in one plain SQLite transaction.  store_tx() would run it as
 * a single request of the server's group commit, inside a savepoint, where
 * every statement pays for all the pages the request dirtied so far: fine
 * for an API request, quadratic for a batch of thousands of cases.  The
 * seeder is the only user of its store, so it takes the transaction
 * itself.
 */
static int run_batch(store_conn *conn, seeder *s)
{
    sqlite3 *db = as_sqlite(conn)->db;
    long end = s->done + s->opt->batch;
    int rc = STORE_OK;

    if (end > s->opt->count)
        end = s->opt->count;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return STORE_ERROR;
    while (rc == STORE_OK && s->done < end) {
        rc = insert_one(conn, s);
        s->done++;
    }
    if (rc == STORE_OK)
        rc = sq_flush_before_commit(as_sqlite(conn));
    if (rc == STORE_OK &&
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = STORE_ERROR;
    /* Not synced, but a seeding run is rerun after a crash anyway. */
    if (rc == STORE_OK)
        sq_fts_durable(sq_store_fts(as_sqlite(conn)->shared),
                       as_sqlite(conn)->fts_queued);
    if (rc != STORE_OK)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    /* Nothing else checkpoints while the seeder writes outside store_tx():
     * keep the log to one batch. */
    if (rc == STORE_OK)
        sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL,
                                  NULL);
    return rc;
}

static int parse_args(int argc, char **argv, options_t *o)
{
    *o = (options_t){.count = 1000000, .batch = 20000,
                     .scope = {.account = "000000000000",
                               .region = "us-east-1"}};
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--store")) o->store = v;
        else if (!strcmp(k, "--domain")) o->domain = v;
        else if (!strcmp(k, "--template")) o->template_id = v;
        else if (!strcmp(k, "--text")) o->text_field = v;
        else if (!strcmp(k, "--number")) o->number_field = v;
        else if (!strcmp(k, "--select")) o->select_field = v;
        else if (!strcmp(k, "--samples")) o->samples = v;
        else if (!strcmp(k, "--count")) o->count = atol(v);
        else if (!strcmp(k, "--batch")) o->batch = atol(v);
        else if (!strcmp(k, "--account")) o->scope.account = v;
        else if (!strcmp(k, "--region")) o->scope.region = v;
        else return -1;
    }
    if (!o->store || !o->domain || !o->template_id || !o->text_field ||
        !o->number_field || !o->select_field || o->count < 0 || o->batch < 1)
        return -1;
    return 0;
}

/* A seeding run may lose everything on a crash (it is rerun), so it
 * trades durability for speed and gives SQLite a large page cache. */
static int tune(store_conn *conn)
{
    sqlite3 *db = as_sqlite(conn)->db;
    /* Detached: BEGIN IMMEDIATE would take the full-text index's lock
     * too, and hold the indexer up for a whole batch. */
    return sqlite3_exec(db, "PRAGMA synchronous = OFF; "
                            "PRAGMA cache_size = -1048576; DETACH fts",
                        NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    options_t o;
    seeder s = {.opt = &o, .rng = 0x5eed5eed5eedULL};
    char err[256] = "";
    store *st;
    store_conn *conn;
    double start = now_s();
    int rc = STORE_OK;

    if (parse_args(argc, argv, &o) != 0) {
        fprintf(stderr, "usage: seed --store FILE --domain ID --template ID "
                        "--text F --number F --select F [--count N] "
                        "[--batch N] [--account ID] [--region R] "
                        "[--samples FILE]\n");
        return 2;
    }
    st = store_open(o.store, 1, err, sizeof err);
    if (!st) {
        fprintf(stderr, "seed: %s\n", err);
        return 1;
    }
    s.sample_at = o.count / 2;
    s.samples = o.samples ? fopen(o.samples, "w") : NULL;
    conn = store_acquire(st);
    if (tune(conn) != 0)
        fprintf(stderr, "seed: could not tune the connection\n");
    while (rc == STORE_OK && s.done < o.count) {
        rc = run_batch(conn, &s);
        fprintf(stderr, "\rseed: %ld cases, %.0f/s ", s.done,
                (double)s.done / (now_s() - start));
    }
    fprintf(stderr, "\nseed: %s after %.1f s\n",
            rc == STORE_OK ? "done" : "failed", now_s() - start);
    store_release(st, conn);
    store_close(st);
    if (s.samples)
        fclose(s.samples);
    return rc == STORE_OK ? 0 : 1;
}
