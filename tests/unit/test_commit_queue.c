/* test_commit_queue.c - store_tx from many threads at once: the SQLite
 * store's writer and syncer threads (sqlite_commit.c) against a real store. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "store/store.h"
#include "store_fixture.h"
#include "test.h"

#define THREADS 12
#define WRITES_PER_THREAD 40
/* every FAIL_EVERY-th write of a thread rolls back after writing */
#define FAIL_EVERY 5 /* the id check below relies on 5 */

static const store_scope scope = {.account = "111122223333",
                                  .region = "us-east-1"};

typedef struct {
    const char *case_id;
    bool fail;
} case_write;

static int add_case_tx(store_conn *conn, void *arg)
{
    const case_write *w = arg;
    store_case c = {.domain_id = "d1", .case_id = w->case_id,
                    .template_id = "t", .created_ms = 1, .updated_ms = 1,
                    .fields = json_pack("{s{ss}}", "title", "stringValue",
                                        w->case_id)};
    int rc = store_case_insert(conn, &scope, &c);

    json_decref(c.fields);
    return rc == STORE_OK && w->fail ? STORE_CONFLICT : rc;
}

typedef struct {
    store *st;
    int thread;
    int wrong; /* answers that were not the expected ones */
} writer_arg;

static void *write_cases(void *arg)
{
    writer_arg *a = arg;
    store_conn *conn = store_acquire(a->st);

    if (!conn) {
        a->wrong = WRITES_PER_THREAD;
        return NULL;
    }
    for (int i = 0; i < WRITES_PER_THREAD; i++) {
        char id[32];
        snprintf(id, sizeof id, "c-%d-%d", a->thread, i);
        case_write w = {id, i % FAIL_EVERY == 0};
        int rc = store_tx(conn, add_case_tx, &w);
        if (rc != (w.fail ? STORE_CONFLICT : STORE_OK))
            a->wrong++;
    }
    store_release(a->st, conn);
    return NULL;
}

static long long count_rows(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;
    long long n = -1;

    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

/* Writes from many threads share batches: each gets its own answer, a
 * failed one leaves nothing behind, and every successful one is in the
 * file once the store is closed. */
TEST(commit_queue_answers_every_write_and_keeps_only_the_successful)
{
    fixture f = {0};
    pthread_t threads[THREADS];
    writer_arg args[THREADS];
    int failing = 0, wrong = 0;
    sqlite3 *raw;

    CHECK(store_fixture_open(&f, THREADS + 1));
    for (int t = 0; t < THREADS; t++) {
        args[t] = (writer_arg){f.st, t, 0};
        CHECK_INT(pthread_create(&threads[t], NULL, write_cases, &args[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(threads[t], NULL);
        wrong += args[t].wrong;
    }
    CHECK_INT(wrong, 0);
    for (int i = 0; i < WRITES_PER_THREAD; i++)
        failing += i % FAIL_EVERY == 0;
    CHECK((raw = store_fixture_reopen_raw(&f)) != NULL);
    CHECK_INT(count_rows(raw, "SELECT count(*) FROM cases"),
              THREADS * (WRITES_PER_THREAD - failing));
    /* the failed writes: i a multiple of 5, so ids ending in 0 or 5 */
    CHECK_INT(count_rows(raw, "SELECT count(*) FROM cases "
                              "WHERE case_id GLOB '*[05]'"),
              0);
    sqlite3_close(raw);
    store_fixture_close(&f);
}

/* A store closed right after its writes were answered reopens with all
 * of them, and closing a store that never wrote returns. */
TEST(commit_queue_close_keeps_answered_writes)
{
    fixture f = {0};
    case_write w = {"only", false};
    sqlite3 *raw;

    CHECK(store_fixture_open(&f, 2));
    CHECK_INT(store_tx(f.conn, add_case_tx, &w), STORE_OK);
    CHECK((raw = store_fixture_reopen_raw(&f)) != NULL);
    CHECK_INT(count_rows(raw, "SELECT count(*) FROM cases WHERE case_id = 'only'"),
              1);
    sqlite3_close(raw);
    store_fixture_close(&f);

    fixture idle = {0};
    CHECK(store_fixture_open(&idle, 1));
    store_fixture_close(&idle);
}
