/*
 * search_store.c - times store_cases_search directly, without HTTP, for
 * the queries of bench/search.sh, so the store's share of a search shows
 * apart from the server's.
 *
 *   build/bench/search_store ENV_FILE STORE_FILE [runs] [threads]
 *
 * ENV_FILE is what bench/search.sh keeps next to the seeded store (the
 * domain, field ids and sample values, KEY=VALUE per line).  Each query
 * runs `runs` times (default 200) on each of `threads` connections at
 * once (default 2, the server's default worker count); prints one
 * markdown table row per query with p50, p99 and mean milliseconds.
 * Every query asks for the total, as SearchCases does.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"

#define MAX_ENV 32
#define MAX_RUNS 10000
#define MAX_THREADS 16
#define PAGE 26 /* maxResults 25, plus one to learn whether more follow */

typedef struct {
    char key[64];
    char value[256];
} env_entry;

typedef struct {
    env_entry e[MAX_ENV];
    int n;
} env_t;

static int env_load(env_t *env, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[400];

    if (!f)
        return -1;
    env->n = 0;
    while (env->n < MAX_ENV && fgets(line, sizeof line, f)) {
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = '\0';
        eq[strcspn(eq + 1, "\n") + 1] = '\0';
        if (strlen(line) >= sizeof env->e[0].key ||
            strlen(eq + 1) >= sizeof env->e[0].value)
            continue;
        strcpy(env->e[env->n].key, line);
        strcpy(env->e[env->n].value, eq + 1);
        env->n++;
    }
    fclose(f);
    return 0;
}

static const char *env_get(const env_t *env, const char *key)
{
    for (int i = 0; i < env->n; i++)
        if (!strcmp(env->e[i].key, key))
            return env->e[i].value;
    return "";
}

/* --- the queries --------------------------------------------------------- */

typedef struct {
    search_node equal, tag, range, amount, refund, open;
    search_node *both[2];
    search_node range2;
} nodes;

typedef struct {
    const char *label;
    store_search_query q;
} query;

static search_node field(const char *id, search_op op, const char *s)
{
    return (search_node){.kind = SEARCH_FIELD, .field_id = id, .op = op,
                         .str = s};
}

static int build(const env_t *env, nodes *n, query *out)
{
    const char *domain = env_get(env, "DOMAIN");
    search_sort recent = {.field_id = "last_updated_datetime",
                          .descending = true};
    int count = 0;

    n->equal = field(env_get(env, "TEXT_FIELD"), SEARCH_EQ,
                     env_get(env, "SAMPLE_TEXT"));
    n->tag = (search_node){.kind = SEARCH_TAG, .tag_key = "team",
                           .tag_value = env_get(env, "SAMPLE_TEAM")};
    n->range = field("created_datetime", SEARCH_GE, "2025-11-01T00:00:00.000Z");
    n->amount = (search_node){.kind = SEARCH_FIELD, .op = SEARCH_GE,
                              .field_id = env_get(env, "NUMBER_FIELD"),
                              .numeric = true, .num = 9000};
    n->refund = field(env_get(env, "SELECT_FIELD"), SEARCH_EQ, "refund");
    n->open = field("status", SEARCH_EQ, "open");
    n->both[0] = &n->amount;
    n->both[1] = &n->refund;
    n->range2 = (search_node){.kind = SEARCH_AND, .children = n->both,
                              .child_count = 2};
#define ADD(l, f, t, s0)                                                     \
    out[count++] = (query){.label = l, .q = {.domain_id = domain, .filter = f, \
                                             .search_term = t,              \
                                             .sorts = {s0}, .sort_count = 1, \
                                             .limit = PAGE, .want_total = true}}
    ADD("selective equality", &n->equal, NULL, recent);
    ADD("tag filter", &n->tag, NULL, recent);
    ADD("rare searchTerm", NULL, env_get(env, "SAMPLE_RARE_WORD"), recent);
    ADD("range + sort, page 1", &n->range, NULL,
        ((search_sort){.field_id = "created_datetime", .descending = true}));
    ADD("range+eq, sort other", &n->range2, NULL,
        ((search_sort){.field_id = env_get(env, "NUMBER_FIELD")}));
    ADD("broad + totalCount", &n->open, NULL, recent);
    ADD("no filter (default)", NULL, NULL, recent);
#undef ADD
    return count;
}

/* --- timing ----------------------------------------------------------------- */

typedef struct {
    store *st;
    const store_search_query *q;
    int runs;
    double ms[MAX_RUNS];
    int failed;
} worker;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int count_case(const store_case *c, const json_t *cursor, void *arg)
{
    (void)c;
    (void)cursor;
    (*(int *)arg)++;
    return 0;
}

static void *work(void *arg)
{
    worker *w = arg;
    store_conn *conn = store_acquire(w->st);

    for (int i = 0; i < w->runs; i++) {
        int64_t total = 0, max_seq = 0;
        int rows = 0;
        double t = now_ms();
        if (store_cases_search(conn, &(store_scope){.account = "000000000000",
                                                    .region = "us-east-1"},
                               w->q, count_case, &rows, &total,
                               &max_seq) != STORE_OK)
            w->failed++;
        w->ms[i] = now_ms() - t;
    }
    store_release(w->st, conn);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Runs q on threads connections at once; prints its row. */
static int time_query(store *st, const query *qu, int runs, int threads)
{
    static worker w[MAX_THREADS];
    static double all[MAX_THREADS * MAX_RUNS];
    pthread_t tid[MAX_THREADS];
    int n = 0, failed = 0;
    double sum = 0;

    for (int i = 0; i < threads; i++) {
        w[i] = (worker){.st = st, .q = &qu->q, .runs = runs};
        pthread_create(&tid[i], NULL, work, &w[i]);
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(tid[i], NULL);
        failed += w[i].failed;
        for (int k = 0; k < runs; k++) {
            all[n++] = w[i].ms[k];
            sum += w[i].ms[k];
        }
    }
    qsort(all, (size_t)n, sizeof all[0], cmp_double);
    printf("| %-22s | %.2f | %.2f | %.2f | %d |\n", qu->label, all[n / 2],
           all[(n * 99) / 100], sum / n, failed);
    return failed ? -1 : 0;
}

int main(int argc, char **argv)
{
    env_t env;
    nodes n;
    query qs[8];
    char err[256] = "";
    int runs = argc > 3 ? atoi(argv[3]) : 200;
    int threads = argc > 4 ? atoi(argv[4]) : 2;
    int count, rc = 0;
    store *st;

    if (argc < 3 || env_load(&env, argv[1]) != 0 || runs < 1 ||
        runs > MAX_RUNS || threads < 1 || threads > MAX_THREADS) {
        fprintf(stderr, "usage: search_store ENV_FILE STORE_FILE [runs] "
                        "[threads]\n");
        return 2;
    }
    st = store_open(argv[2], threads, err, sizeof err);
    if (!st) {
        fprintf(stderr, "search_store: %s\n", err);
        return 1;
    }
    count = build(&env, &n, qs);
    printf("| query (store only)     | p50 ms | p99 ms | mean ms | errors |\n");
    printf("|------------------------|--------|--------|---------|--------|\n");
    for (int i = 0; i < count; i++)
        rc |= time_query(st, &qs[i], runs, threads);
    store_close(st);
    return rc ? 1 : 0;
}
