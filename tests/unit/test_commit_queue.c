/* test_commit_queue.c - store_tx from many threads at once: the SQLite
 * store's writer and syncer threads (sqlite_commit.c) against a real store. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "store/backend.h"
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
    CHECK_INT(store_fixture_count(raw, "SELECT count(*) FROM cases"),
              THREADS * (WRITES_PER_THREAD - failing));
    /* the failed writes: i a multiple of 5, so ids ending in 0 or 5 */
    CHECK_INT(store_fixture_count(raw, "SELECT count(*) FROM cases "
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
    CHECK_INT(store_fixture_count(raw, "SELECT count(*) FROM cases "
                                       "WHERE case_id = 'only'"),
              1);
    sqlite3_close(raw);
    store_fixture_close(&f);

    fixture idle = {0};
    CHECK(store_fixture_open(&idle, 1));
    store_fixture_close(&idle);
}

/* --- store_tx_checked ------------------------------------------------------------ */

/* A write that holds the writer until released, so that the writes made
 * meanwhile queue up and run as one batch after it. */
typedef struct {
    sem_t started, release;
} holder;

static int hold_tx(store_conn *conn, void *arg)
{
    holder *h = arg;

    (void)conn;
    sem_post(&h->started);
    while (sem_wait(&h->release) != 0)
        ;
    return 0;
}

static int refuse_tx(store_conn *conn, void *arg)
{
    (void)conn;
    (void)arg;
    return STORE_CONFLICT;
}

typedef struct {
    store *st;
    store_tx_fn fn;
    void *arg;
    bool checked;
    holder *hold; /* set for the holder itself */
    int result;
} queued_write;

static void *run_queued(void *arg)
{
    queued_write *q = arg;
    store_conn *conn = store_acquire(q->st);

    q->result = STORE_ERROR;
    if (conn) {
        q->result = q->checked ? store_tx_checked(conn, q->fn, q->arg)
                               : store_tx(conn, q->fn, q->arg);
        store_release(q->st, conn);
    }
    return NULL;
}

/* Runs writes[1..n) on st as one batch behind writes[0], which holds the
 * writer until they have all had time to queue. */
static bool run_as_one_batch(store *st, queued_write *writes, int n)
{
    pthread_t threads[8];
    holder h;
    struct timespec queueing = {0, 50 * 1000000L};
    int started = 0;

    if (n > 8 || sem_init(&h.started, 0, 0) != 0 ||
        sem_init(&h.release, 0, 0) != 0)
        return false;
    writes[0].fn = hold_tx;
    writes[0].arg = &h;
    for (int i = 0; i < n; i++)
        writes[i].st = st;
    for (; started < n; started++) {
        if (pthread_create(&threads[started], NULL, run_queued,
                           &writes[started]) != 0)
            break;
        if (started == 0)
            while (sem_wait(&h.started) != 0)
                ;
        nanosleep(&queueing, NULL);
    }
    nanosleep(&queueing, NULL);
    sem_post(&h.release);
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    sem_destroy(&h.started);
    sem_destroy(&h.release);
    return started == n;
}

/* The case ids in the store, in order, joined by spaces; closes the store. */
static char *case_ids(fixture *f, char *out, size_t len)
{
    sqlite3 *raw = store_fixture_reopen_raw(f);
    sqlite3_stmt *s = NULL;
    size_t used = 0;

    out[0] = '\0';
    if (raw && sqlite3_prepare_v2(raw, "SELECT case_id FROM cases ORDER BY "
                                       "case_id", -1, &s, NULL) == SQLITE_OK)
        while (sqlite3_step(s) == SQLITE_ROW && used < len)
            used += (size_t)snprintf(out + used, len - used, "%s%s",
                                     used ? " " : "",
                                     (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(raw);
    return out;
}

/* A checked write that refuses before writing fails alone; one that
 * succeeds commits with the batch. */
TEST(commit_queue_checked_write_refusing_before_writing_fails_alone)
{
    fixture f = {0};
    case_write a = {"a-plain", false}, b = {"b-checked", false},
               c = {"c-plain", false};
    char ids[256];
    queued_write w[5] = {
        {.checked = false},
        {.fn = add_case_tx, .arg = &a},
        {.fn = refuse_tx, .checked = true},
        {.fn = add_case_tx, .arg = &b, .checked = true},
        {.fn = add_case_tx, .arg = &c},
    };

    CHECK(store_fixture_open(&f, 6));
    CHECK(run_as_one_batch(f.st, w, 5));
    CHECK_INT(w[0].result, STORE_OK);
    CHECK_INT(w[1].result, STORE_OK);
    CHECK_INT(w[2].result, STORE_CONFLICT);
    CHECK_INT(w[3].result, STORE_OK);
    CHECK_INT(w[4].result, STORE_OK);
    CHECK_STR(case_ids(&f, ids, sizeof ids), "a-plain b-checked c-plain");
    store_fixture_close(&f);
}

/* A checked write that fails after writing cannot be undone alone: its
 * whole batch is rolled back, the writes that had succeeded in it are
 * told to retry, and a retry succeeds. */
TEST(commit_queue_checked_write_failing_after_writing_rolls_back_its_batch)
{
    fixture f = {0};
    case_write a = {"a-plain", false}, broken = {"b-broken", true},
               c = {"c-checked", false}, d = {"d-plain", false};
    char ids[256];
    queued_write w[5] = {
        {.checked = false},
        {.fn = add_case_tx, .arg = &a},
        {.fn = add_case_tx, .arg = &broken, .checked = true},
        {.fn = add_case_tx, .arg = &c, .checked = true},
        {.fn = add_case_tx, .arg = &d},
    };

    CHECK(store_fixture_open(&f, 6));
    CHECK(run_as_one_batch(f.st, w, 5));
    CHECK_INT(w[0].result, STORE_OK);
    CHECK_INT(w[1].result, STORE_BUSY);
    CHECK_INT(w[2].result, STORE_CONFLICT);
    CHECK_INT(w[3].result, STORE_BUSY);
    CHECK_INT(w[4].result, STORE_BUSY);
    /* case ids are unique: a retry would conflict with a row left over */
    CHECK_INT(store_tx(f.conn, add_case_tx, &a), STORE_OK);
    CHECK_INT(store_tx_checked(f.conn, add_case_tx, &c), STORE_OK);
    CHECK_STR(case_ids(&f, ids, sizeof ids), "a-plain c-checked");
    store_fixture_close(&f);
}

/* --- store_tx_checked_later ------------------------------------------------------- */

/* What the store tells a deferred write, and on which thread. */
typedef struct {
    sem_t done;
    int result;
    int calls;
    pthread_t thread;
    store_conn *given; /* the connection fn was given */
    case_write write;
} later_write;

static int later_tx(store_conn *conn, void *arg)
{
    later_write *l = arg;

    l->given = conn;
    return l->write.case_id ? add_case_tx(conn, &l->write) : refuse_tx(conn, l);
}

static void later_done(void *arg, int result)
{
    later_write *l = arg;

    l->result = result;
    l->calls++;
    l->thread = pthread_self();
    sem_post(&l->done);
}

static void wait_done(later_write *l)
{
    while (sem_wait(&l->done) != 0)
        ;
}

/* The store can defer, and queueing returns while the writer is busy
 * with an earlier write: the deferred write runs after it, on a
 * connection of its own, and is answered once on another thread. */
TEST(commit_queue_later_write_returns_before_it_runs)
{
    fixture f = {0};
    holder h;
    queued_write hold = {.fn = hold_tx, .arg = &h};
    later_write ok = {.write = {"later-ok", false}},
                refused = {.write = {NULL, false}};
    pthread_t holding;
    char ids[256];
    int sem_value = -1;

    CHECK(store_fixture_open(&f, 3));
    CHECK(store_can_defer(f.st));
    CHECK_INT(sem_init(&h.started, 0, 0), 0);
    CHECK_INT(sem_init(&h.release, 0, 0), 0);
    CHECK_INT(sem_init(&ok.done, 0, 0), 0);
    CHECK_INT(sem_init(&refused.done, 0, 0), 0);
    hold.st = f.st;
    CHECK_INT(pthread_create(&holding, NULL, run_queued, &hold), 0);
    while (sem_wait(&h.started) != 0)
        ;
    CHECK_INT(store_tx_checked_later(f.conn, later_tx, &ok, later_done, &ok),
              STORE_OK);
    CHECK_INT(store_tx_checked_later(f.conn, later_tx, &refused, later_done,
                                     &refused),
              STORE_OK);
    sem_getvalue(&ok.done, &sem_value);
    CHECK_INT(sem_value, 0); /* not run: the writer is still held */
    CHECK(ok.given == NULL);
    sem_post(&h.release);
    pthread_join(holding, NULL);
    wait_done(&ok);
    wait_done(&refused);
    CHECK_INT(hold.result, STORE_OK);
    CHECK_INT(ok.result, STORE_OK);
    CHECK_INT(ok.calls, 1);
    CHECK_INT(refused.result, STORE_CONFLICT);
    CHECK_INT(refused.calls, 1);
    CHECK(ok.given != NULL && ok.given != f.conn);
    CHECK(!pthread_equal(ok.thread, pthread_self()));
    CHECK_STR(case_ids(&f, ids, sizeof ids), "later-ok");
    sem_destroy(&h.started);
    sem_destroy(&h.release);
    sem_destroy(&ok.done);
    sem_destroy(&refused.done);
    store_fixture_close(&f);
}

#define LATER_WRITES 300

/* Many deferred writes from one thread, its connection reused for reads
 * meanwhile: every one is answered once, and every answered one is in the
 * file after a reopen. */
TEST(commit_queue_later_writes_are_all_answered_and_kept)
{
    fixture f = {0};
    static later_write writes[LATER_WRITES];
    static char ids[LATER_WRITES][24];
    int wrong = 0;
    int64_t version;
    sqlite3 *raw;

    CHECK(store_fixture_open(&f, 2));
    for (int i = 0; i < LATER_WRITES; i++) {
        later_write *l = &writes[i];
        snprintf(ids[i], sizeof ids[i], "many-%d", i);
        *l = (later_write){.write = {ids[i], false}};
        CHECK_INT(sem_init(&l->done, 0, 0), 0);
        CHECK_INT(store_tx_checked_later(f.conn, later_tx, l, later_done, l),
                  STORE_OK);
        CHECK_INT(store_config_version(f.conn, &version), STORE_OK);
    }
    for (int i = 0; i < LATER_WRITES; i++) {
        wait_done(&writes[i]);
        wrong += writes[i].result != STORE_OK || writes[i].calls != 1;
        sem_destroy(&writes[i].done);
    }
    CHECK_INT(wrong, 0);
    CHECK((raw = store_fixture_reopen_raw(&f)) != NULL);
    CHECK_INT(store_fixture_count(raw, "SELECT count(*) FROM cases "
                                       "WHERE case_id GLOB 'many-*'"),
              LATER_WRITES);
    sqlite3_close(raw);
    store_fixture_close(&f);
}

/* A done function that holds its thread until released. */
typedef struct {
    sem_t entered, release;
} blocking_done;

static void hold_in_done(void *arg, int result)
{
    blocking_done *b = arg;

    (void)result;
    sem_post(&b->entered);
    while (sem_wait(&b->release) != 0)
        ;
}

typedef struct {
    store_conn *conn;
    case_write write;
    int result;
    sem_t finished;
} waiting_write;

static void *run_waiting_write(void *arg)
{
    waiting_write *w = arg;

    w->result = store_tx(w->conn, add_case_tx, &w->write);
    sem_post(&w->finished);
    return NULL;
}

/* Done functions run off the thread that syncs the log: while one is
 * slow, later writes are still synced and answered. */
TEST(commit_queue_slow_done_function_does_not_hold_syncing)
{
    fixture f = {0};
    blocking_done b;
    later_write first = {.write = {"first", false}};
    waiting_write next = {.write = {"next", false}, .result = -100};
    store_conn *other;
    pthread_t thread;
    struct timespec deadline;
    int waited;

    CHECK(store_fixture_open(&f, 3));
    CHECK_INT(sem_init(&b.entered, 0, 0), 0);
    CHECK_INT(sem_init(&b.release, 0, 0), 0);
    CHECK_INT(sem_init(&next.finished, 0, 0), 0);
    CHECK_INT(store_tx_checked_later(f.conn, later_tx, &first, hold_in_done,
                                     &b),
              STORE_OK);
    while (sem_wait(&b.entered) != 0)
        ;
    next.conn = other = store_acquire(f.st);
    CHECK_INT(pthread_create(&thread, NULL, run_waiting_write, &next), 0);
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 5;
    while ((waited = sem_timedwait(&next.finished, &deadline)) != 0 &&
           errno == EINTR)
        ;
    sem_post(&b.release); /* lets a store that failed this close */
    if (waited != 0)
        sem_wait(&next.finished);
    pthread_join(thread, NULL);
    store_release(f.st, other);
    CHECK_INT(waited, 0);
    CHECK_INT(next.result, STORE_OK);
    sem_destroy(&b.entered);
    sem_destroy(&b.release);
    sem_destroy(&next.finished);
    store_fixture_close(&f);
}

/* --- a backend that cannot defer --------------------------------------------------- */

static int fake_tx_checked(store_conn *conn, store_tx_fn fn, void *arg)
{
    return fn(conn, arg);
}

static int fake_work(store_conn *conn, void *arg)
{
    (void)conn;
    return *(int *)arg;
}

/* Without tx_checked_later, store.c runs the transaction and calls done
 * before store_tx_checked_later returns, with what the transaction gave. */
TEST(store_without_deferral_runs_the_transaction_before_returning)
{
    static const store_backend fake = {.name = "fake",
                                       .tx_checked = fake_tx_checked};
    store_conn conn = {.backend = &fake};
    later_write l = {0};
    int outcome = STORE_CONFLICT;

    CHECK_INT(sem_init(&l.done, 0, 0), 0);
    CHECK_INT(store_tx_checked_later(&conn, fake_work, &outcome, later_done,
                                     &l),
              STORE_OK);
    CHECK_INT(l.calls, 1);
    CHECK_INT(l.result, STORE_CONFLICT);
    CHECK(pthread_equal(l.thread, pthread_self()));
    sem_destroy(&l.done);
}
