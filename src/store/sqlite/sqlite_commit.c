/*
 * sqlite_commit.c - write transactions: batched group commit, durability,
 * and background checkpoints.
 *
 * SQLite runs one write transaction at a time, and every commit costs
 * writing its pages to the log plus an fsync.  Writers therefore queue
 * here, and one thread of the store's own, the writer, takes everything
 * queued so far as one batch and runs it as ONE SQLite transaction on the
 * store's writer connection (sq_set_writer): each request's work inside a
 * savepoint of its own (so one request's failure rolls back only that
 * request), then a single COMMIT; a request made with store_tx_checked
 * runs without the savepoint (see run_checked).  A second thread, the
 * syncer, then fsyncs the log once for every batch committed since its
 * last fsync, and only then does any request of those batches get its
 * answer, so every acknowledged write is on disk.  While a batch runs the
 * next one gathers, and while the log goes to disk the writer runs the
 * next batch; under load batches grow and the cost per write falls.
 *
 * The writer stays at most one committed batch ahead of the syncer: while
 * a batch waits for an fsync to finish before its own can start, the
 * requests that come meanwhile wait, and run as one batch as soon as the
 * syncer takes the waiting one.  Some of them reach the disk one fsync
 * later than they would have in a batch of their own, but batches are
 * larger, and the pages nearly every batch changes (the ends of the
 * search index, the queues) go to the log once for more writes.  In
 * alternating pairs of CreateCase runs the server's CPU per case fell by
 * 1-11% in 6 of 6 pairs, and p99 was lower in 4 and level in 2.
 *
 * The writer is a thread of its own because the single writer is what
 * bounds the store's write rate.  Batches used to be led by one of the
 * waiting request threads, which handed the lead on at each COMMIT: the
 * next leader, asleep until then, had to be woken and scheduled on a busy
 * machine first, and the lead stood idle about a fifth of the time under
 * CreateCase load.
 *
 * Syncing after the writer has moved on is safe because the log is
 * written in order: an fsync that starts after a batch's COMMIT covers
 * that batch's pages and every earlier batch's.
 *
 * A request's work is written against its own connection (ctx->db, or the
 * conn handed to its callback).  While the writer runs it, that connection
 * is redirected to the writer connection (see as_sqlite()), so reads and
 * writes of the work see the batch's transaction.  The owner of a
 * redirected connection is blocked here meanwhile, so nothing else uses
 * it.  A request queued by sq_tx_checked_later has no waiting owner: its
 * caller goes on at once, and the work gets a connection that exists
 * only to be redirected (later_request).  Once synced, such requests go
 * to a fourth thread, the answerer, which calls their done functions
 * (the writer calls them itself when their batch failed), so the syncer
 * starts its next fsync at once.
 *
 * Connections run with synchronous=NORMAL (COMMIT does not fsync; the
 * syncer does) and with automatic checkpoints off: a checkpointer thread
 * with a connection of its own runs passive checkpoints, which never block
 * writers, every CHECKPOINT_EVERY_BATCHES batches or CHECKPOINT_IDLE_MS.
 *
 * A passive checkpoint copies what it can but never resets the log, and
 * SQLite starts the log over only when a writer finds every frame copied
 * and no reader in the log, which under steady writes and reads never
 * happens: the log grew by gigabytes a minute, and the WAL index that
 * unix-excl keeps in memory with it.  So when a checkpoint leaves the log
 * longer than LOG_RESTART_FRAMES, the thread syncs the database file and
 * copies what it can outside any turn (prepare_restart), then takes a turn
 * at writing (no batch runs) and runs a RESTART checkpoint, which waits
 * briefly for the readers of the old log; the next batch then writes the
 * log from its start.
 *
 * The full-text index is a file of its own with a thread of its own
 * (sqlite_fts.c): batches only queue the text of the cases they change,
 * and the syncer tells the indexer how far that queue is durable.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/file.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/sqlite/sqlite_internal.h"
#include "util/jalloc.h"

#define MAX_BATCH 256
#define BEGIN_ATTEMPTS 50
#define CHECKPOINT_EVERY_BATCHES 200
#define CHECKPOINT_IDLE_MS 1000
/* A log longer than this after a checkpoint is restarted from its start
 * (restart_log).  16 MiB of 4 KiB pages: under CreateCase load the log
 * grows by tens of MiB a second. */
#define LOG_RESTART_FRAMES 4096
/* How long a restart waits for readers of the old log, writers held. */
#define LOG_RESTART_WAIT_MS 100
/* Before a restart, passive checkpoints run until one copies at most
 * RESTART_LEFT_FRAMES, or RESTART_PREPARE_ROUNDS have (prepare_restart). */
#define RESTART_LEFT_FRAMES 256
#define RESTART_PREPARE_ROUNDS 6

typedef struct tx_request {
    sqlite_conn *conn;
    store_tx_fn fn;
    void *arg;
    bool checked; /* made with store_tx_checked */
    int result;
    /* posted once result is final: a semaphore, not a condition, so that
     * requests are answered without the lock (see answer) */
    sem_t answered;
    /* instead, for a request nobody waits on (sq_tx_checked_later) */
    store_tx_done_fn done;
    void *done_arg;
    struct tx_request *next;
} tx_request;

/* A request queued by sq_tx_checked_later.  Its caller's connection goes
 * back to the pool at once, so the work is given one of its own, which
 * exists only to be redirected to the writer while the work runs. */
typedef struct {
    tx_request req;
    sqlite_conn proxy;
} later_request;

struct sq_shared {
    pthread_mutex_t lock;     /* guards everything below */
    /* a batch has run: for the checkpointer, waiting for its turn */
    pthread_cond_t changed;
    tx_request *head, *tail;  /* requests waiting for a batch */
    /* a batch or a checkpointer's turn is running */
    bool writing;
    /* the connection every batch runs on (see sq_set_writer) */
    sqlite_conn *writer;
    pthread_cond_t work;      /* for the writer: requests queued, turn over */
    pthread_t writer_thread;
    bool writer_started;

    /* Committed batches waiting for the syncer, their requests chained
     * through next in commit order, and how many batches they are; the
     * last full-text queue id the last of them left. */
    tx_request *unsynced_head, *unsynced_tail;
    uint64_t unsynced_batches;
    int64_t unsynced_fts_queued;
    sq_fts *fts;
    pthread_cond_t sync_due;
    pthread_t syncer_thread;
    bool syncer_started;

    /* Synced requests of sq_tx_checked_later, for the answerer to call
     * their done functions; syncer_stopped once no more can come. */
    tx_request *synced_head, *synced_tail;
    pthread_cond_t answer_due;
    pthread_t answerer_thread;
    bool answerer_started;
    bool syncer_stopped;

    /* The checkpointer waits for a turn at writing, which it gets once
     * batches_run reaches turn_at: the writer starts no batch after that
     * until the turn is over (take_turn). */
    bool turn_wanted;
    uint64_t turn_at;
    uint64_t batches_run;     /* batches run, committed or not */
    uint64_t batches;         /* batches committed and synced */
    uint64_t checkpointed;    /* value of batches at the last checkpoint */
    pthread_cond_t checkpoint_due;
    pthread_t checkpointer;
    bool checkpointer_started;
    bool stopping;

    int lock_fd;              /* <store>-lock, flock()ed while open */
    int wal_fd;               /* the log, opened on first sync */
    char wal_path[PATH_MAX];
    char db_path[PATH_MAX];
};

enum commit_stmt { CS_BEGIN, CS_COMMIT, CS_ROLLBACK, CS_SAVEPOINT, CS_RELEASE,
                   CS_ROLLBACK_TO, CS_FTS_TRIM, CS_FTS_LAST, CS__COUNT };

static const char *const commit_sql[CS__COUNT] = {
    [CS_BEGIN] = "BEGIN IMMEDIATE",
    [CS_COMMIT] = "COMMIT",
    [CS_ROLLBACK] = "ROLLBACK",
    [CS_SAVEPOINT] = "SAVEPOINT request",
    [CS_RELEASE] = "RELEASE request",
    [CS_ROLLBACK_TO] = "ROLLBACK TO request",
    [CS_FTS_TRIM] = "DELETE FROM case_fts_queue WHERE id <= ?1",
    [CS_FTS_LAST] = "SELECT coalesce((SELECT seq FROM sqlite_sequence "
                    "WHERE name = 'case_fts_queue'), 0)",
};

static int run_stmt(sqlite_conn *c, enum commit_stmt id)
{
    sqlite3_stmt *s = sq_stmt(c, SQ_SLOTS_COMMIT + id, commit_sql[id]);
    return s ? sq_run(c, s, commit_sql[id]) : STORE_ERROR;
}

/* Deletes the queue's rows the indexer has moved, if more than last
 * time, and notes the queue's last id. */
static int fts_queue_flush(sqlite_conn *c)
{
    int64_t indexed = c->shared->fts ? sq_fts_indexed(c->shared->fts) : 0;
    sqlite3_stmt *s;

    if (indexed > c->fts_trimmed) {
        if (!(s = sq_stmt(c, SQ_SLOTS_COMMIT + CS_FTS_TRIM,
                          commit_sql[CS_FTS_TRIM])))
            return STORE_ERROR;
        sqlite3_bind_int64(s, 1, indexed);
        if (sq_run(c, s, commit_sql[CS_FTS_TRIM]) != STORE_OK)
            return STORE_ERROR;
        c->fts_trimmed = indexed;
    }
    s = sq_stmt(c, SQ_SLOTS_COMMIT + CS_FTS_LAST, commit_sql[CS_FTS_LAST]);
    return s ? sq_step_int64(c, s, &c->fts_queued, commit_sql[CS_FTS_LAST])
             : STORE_ERROR;
}

int sq_flush_before_commit(sqlite_conn *c)
{
    int status = fts_queue_flush(c);

    if (status == STORE_OK)
        status = sq_tagsets_flush(c);
    return status == STORE_OK ? sq_index_flush(c) : status;
}

/* --- durability -------------------------------------------------------------- */

/* Opens the log for sync_log once; only the writer calls it, before the
 * first COMMIT it hands to the syncer. */
static int open_log(sq_shared *sh)
{
    if (sh->wal_fd >= 0)
        return STORE_OK;
    sh->wal_fd = open(sh->wal_path, O_RDWR | O_CLOEXEC);
    if (sh->wal_fd >= 0)
        return STORE_OK;
    fprintf(stderr, "sqlite: cannot open %s: %s\n", sh->wal_path,
            strerror(errno));
    return STORE_ERROR;
}

static int sync_log(sq_shared *sh)
{
    if (fdatasync(sh->wal_fd) != 0) {
        fprintf(stderr, "sqlite: fsync %s: %s\n", sh->wal_path,
                strerror(errno));
        return STORE_ERROR;
    }
    return STORE_OK;
}

/* --- one batch ----------------------------------------------------------------- */

static int begin(sqlite_conn *c)
{
    for (int attempt = 0; attempt < BEGIN_ATTEMPTS; attempt++) {
        int status = run_stmt(c, CS_BEGIN);
        if (status != STORE_BUSY) /* busy: another process is writing */
            return status;
        struct timespec pause = {0, (long)(attempt + 1) * 1000000L};
        nanosleep(&pause, NULL);
    }
    return STORE_BUSY;
}

/* Runs one request inside a savepoint of the batch's transaction. */
static void run_request(sqlite_conn *writer, tx_request *r)
{
    int status = run_stmt(writer, CS_SAVEPOINT);

    if (status != STORE_OK) {
        r->result = status;
        return;
    }
    sq_index_request_begin(writer);
    r->conn->redirect = writer;
    r->result = r->fn(&r->conn->base, r->arg);
    r->conn->redirect = NULL;
    if (r->result != 0) {
        run_stmt(writer, CS_ROLLBACK_TO);
        sq_index_request_rollback(writer);
    }
    status = run_stmt(writer, CS_RELEASE);
    if (r->result == 0 && status != STORE_OK)
        r->result = status;
}

/*
 * Runs a store_tx_checked request without a savepoint.  While a savepoint
 * is open, SQLite copies every page the request changes that an earlier
 * request of the batch had changed, to roll back to: under CreateCase load
 * a page of copying for every row of the search index.  A checked request
 * that fails without having changed a row has nothing to roll back (a
 * statement that failed undid itself), and no search key (so the key
 * cache holds).  False when it failed after changing rows, or took the
 * transaction down with it: then only rolling back the whole batch undoes
 * it.
 */
static bool run_checked(sqlite_conn *writer, tx_request *r)
{
    sqlite3_int64 changes = sqlite3_total_changes64(writer->db);

    sq_index_request_begin(writer);
    r->conn->redirect = writer;
    r->result = r->fn(&r->conn->base, r->arg);
    r->conn->redirect = NULL;
    if (sqlite3_get_autocommit(writer->db))
        return false;
    return r->result == 0 || sqlite3_total_changes64(writer->db) == changes;
}

/* Gives every request of the list that had succeeded status instead,
 * unless status is STORE_OK. */
static void fail_batch(tx_request *batch, int status)
{
    for (tx_request *r = batch; r && status != STORE_OK; r = r->next)
        if (r->result == 0)
            r->result = status;
}

/* Rolls back a batch that a checked request broke (run_checked): the
 * requests that had succeeded are told to retry, and the rest of the
 * batch never runs. */
static void roll_back_broken(sqlite_conn *writer, tx_request *batch,
                             const tx_request *broken)
{
    fprintf(stderr, "sqlite: a checked write failed after writing "
                    "(status %d); its batch is rolled back\n", broken->result);
    if (!sqlite3_get_autocommit(writer->db))
        run_stmt(writer, CS_ROLLBACK);
    fail_batch(batch, STORE_BUSY);
}

/* Runs and commits the batch, not yet durably (see sync_log); true when
 * it committed. */
static bool run_batch(sq_shared *sh, sqlite_conn *writer, tx_request *batch)
{
    int status = begin(writer);
    tx_request *broken = NULL;

    for (tx_request *r = batch; r; r = r->next) {
        if (status != STORE_OK || broken)
            r->result = broken ? STORE_BUSY : status;
        else if (!r->checked)
            run_request(writer, r);
        else if (!run_checked(writer, r))
            broken = r;
    }
    if (status != STORE_OK)
        return false;
    if (broken) {
        roll_back_broken(writer, batch, broken);
        return false;
    }
    status = sq_flush_before_commit(writer);
    if (status == STORE_OK)
        status = open_log(sh);
    if (status == STORE_OK)
        status = run_stmt(writer, CS_COMMIT);
    if (status != STORE_OK)
        run_stmt(writer, CS_ROLLBACK);
    fail_batch(batch, status);
    return status == STORE_OK;
}

/* Detaches up to MAX_BATCH queued requests.  Called with sh->lock held. */
static tx_request *take_batch(sq_shared *sh)
{
    tx_request *batch = sh->head, *last = sh->head;

    for (int n = 1; n < MAX_BATCH && last->next; n++)
        last = last->next;
    sh->head = last->next;
    if (!sh->head)
        sh->tail = NULL;
    last->next = NULL;
    return batch;
}

/*
 * Answers every request of the list.  Called without sh->lock: a woken
 * request returns without taking it, so a batch's requests do not queue
 * for the lock behind each other and the writer.  A request may return
 * (and take its tx_request off its stack) as soon as it is posted, so
 * nothing of it is read after.
 */
static void answer(tx_request *list)
{
    while (list) {
        tx_request *next = list->next;
        if (list->done) {
            list->done(list->done_arg, list->result);
            free(list); /* the later_request it heads */
        } else {
            sem_post(&list->answered);
        }
        list = next;
    }
}

/* Whether the writer may start a batch now: requests wait, no batch or
 * turn runs, and no committed batch waits for the syncer (see the top of
 * this file; when stopping, the queue drains regardless).  Called with
 * sh->lock held. */
static bool batch_may_start(const sq_shared *sh)
{
    return sh->head && !sh->writing &&
           !(sh->unsynced_head && !sh->stopping) &&
           !(sh->turn_wanted && sh->batches_run >= sh->turn_at);
}

/* Hands a committed batch to the syncer.  Called with sh->lock held. */
static void queue_for_sync(sq_shared *sh, tx_request *batch)
{
    tx_request *last = batch;

    while (last->next)
        last = last->next;
    if (sh->unsynced_tail)
        sh->unsynced_tail->next = batch;
    else
        sh->unsynced_head = batch;
    sh->unsynced_tail = last;
    sh->unsynced_batches++;
    pthread_cond_signal(&sh->sync_due);
}

static void *writer_main(void *arg)
{
    sq_shared *sh = arg;

    pthread_setname_np(pthread_self(), "casesd-writer");
    /* The batch runs other requests' work, whose JSON values must not
     * come from a request arena (util/jalloc.h): this thread has none. */
    jalloc_use(NULL);
    pthread_mutex_lock(&sh->lock);
    for (;;) {
        while (!sh->stopping && !batch_may_start(sh))
            pthread_cond_wait(&sh->work, &sh->lock);
        if (sh->stopping && !batch_may_start(sh))
            break;
        sh->writing = true;
        tx_request *batch = take_batch(sh);
        pthread_mutex_unlock(&sh->lock);
        bool committed = run_batch(sh, sh->writer, batch);
        pthread_mutex_lock(&sh->lock);
        sh->writing = false;
        sh->batches_run++;
        if (committed) {
            sh->unsynced_fts_queued = sh->writer->fts_queued;
            queue_for_sync(sh, batch);
        }
        pthread_cond_broadcast(&sh->changed);
        if (!committed) {
            pthread_mutex_unlock(&sh->lock);
            answer(batch);
            pthread_mutex_lock(&sh->lock);
        }
    }
    pthread_mutex_unlock(&sh->lock);
    return NULL;
}

/* Wakes the waiting requests of the list and returns the others (those
 * of sq_tx_checked_later), chained in the same order. */
static tx_request *wake_waiting(tx_request *list, tx_request **last)
{
    tx_request *later = NULL;

    *last = NULL;
    while (list) {
        tx_request *next = list->next;
        if (list->done) {
            list->next = NULL;
            if (*last)
                (*last)->next = list;
            else
                later = list;
            *last = list;
        } else {
            sem_post(&list->answered);
        }
        list = next;
    }
    return later;
}

/* Hands synced requests to the answerer.  Called with sh->lock held. */
static void queue_for_answer(sq_shared *sh, tx_request *list, tx_request *last)
{
    if (!list)
        return;
    if (sh->synced_tail)
        sh->synced_tail->next = list;
    else
        sh->synced_head = list;
    sh->synced_tail = last;
    pthread_cond_signal(&sh->answer_due);
}

/*
 * Syncs the log once for all the batches committed since the last sync,
 * then wakes their waiting requests and hands the others to the answerer.
 * Calling a deferred request's done function costs tens of microseconds
 * (it resumes an HTTP connection); on the syncer, a hundred of them held
 * the next fsync back by milliseconds.
 */
static void *syncer_main(void *arg)
{
    sq_shared *sh = arg;

    pthread_setname_np(pthread_self(), "casesd-sync");
    pthread_mutex_lock(&sh->lock);
    for (;;) {
        while (!sh->stopping && !sh->unsynced_head)
            pthread_cond_wait(&sh->sync_due, &sh->lock);
        if (!sh->unsynced_head)
            break; /* stopping, and nothing left to sync */
        tx_request *list = sh->unsynced_head;
        uint64_t batches = sh->unsynced_batches;
        int64_t fts_queued = sh->unsynced_fts_queued;
        sh->unsynced_head = sh->unsynced_tail = NULL;
        sh->unsynced_batches = 0;
        /* the requests held back for the batches just taken */
        if (batch_may_start(sh))
            pthread_cond_signal(&sh->work);
        pthread_mutex_unlock(&sh->lock);
        int synced = sync_log(sh);
        /* before the answers: a search that follows one finds its case */
        if (synced == STORE_OK)
            sq_fts_durable(sh->fts, fts_queued);
        fail_batch(list, synced);
        tx_request *last, *later = wake_waiting(list, &last);
        pthread_mutex_lock(&sh->lock);
        queue_for_answer(sh, later, last);
        sh->batches += batches;
        if (sh->batches - sh->checkpointed >= CHECKPOINT_EVERY_BATCHES)
            pthread_cond_signal(&sh->checkpoint_due);
    }
    pthread_mutex_unlock(&sh->lock);
    return NULL;
}

static void enqueue(sq_shared *sh, tx_request *r)
{
    pthread_mutex_lock(&sh->lock);
    if (sh->tail)
        sh->tail->next = r;
    else
        sh->head = r;
    sh->tail = r;
    if (batch_may_start(sh))
        pthread_cond_signal(&sh->work);
    pthread_mutex_unlock(&sh->lock);
}

/* Calls the done functions of synced deferred requests, in commit order. */
static void *answerer_main(void *arg)
{
    sq_shared *sh = arg;

    pthread_setname_np(pthread_self(), "casesd-answer");
    pthread_mutex_lock(&sh->lock);
    for (;;) {
        while (!sh->syncer_stopped && !sh->synced_head)
            pthread_cond_wait(&sh->answer_due, &sh->lock);
        if (!sh->synced_head)
            break; /* the syncer has stopped, and nothing is left */
        tx_request *list = sh->synced_head;
        sh->synced_head = sh->synced_tail = NULL;
        pthread_mutex_unlock(&sh->lock);
        answer(list);
        pthread_mutex_lock(&sh->lock);
    }
    pthread_mutex_unlock(&sh->lock);
    return NULL;
}

static int queue_tx(store_conn *conn, store_tx_fn fn, void *arg, bool checked)
{
    sqlite_conn *c = (sqlite_conn *)conn;
    tx_request me = {.conn = c, .fn = fn, .arg = arg, .checked = checked};

    if (sem_init(&me.answered, 0, 0) != 0)
        return STORE_ERROR;
    enqueue(c->shared, &me);
    while (sem_wait(&me.answered) != 0)
        ; /* EINTR */
    sem_destroy(&me.answered);
    return me.result;
}

int sq_tx(store_conn *conn, store_tx_fn fn, void *arg)
{
    return queue_tx(conn, fn, arg, false);
}

int sq_tx_checked(store_conn *conn, store_tx_fn fn, void *arg)
{
    return queue_tx(conn, fn, arg, true);
}

int sq_tx_checked_later(store_conn *conn, store_tx_fn fn, void *arg,
                        store_tx_done_fn done, void *done_arg)
{
    sqlite_conn *c = (sqlite_conn *)conn;
    later_request *later = calloc(1, sizeof *later);

    if (!later)
        return STORE_ERROR;
    later->proxy.base = c->base;
    later->proxy.shared = c->shared;
    later->req = (tx_request){.conn = &later->proxy, .fn = fn, .arg = arg,
                              .checked = true, .done = done,
                              .done_arg = done_arg};
    enqueue(c->shared, &later->req);
    return STORE_OK;
}

/* --- checkpoints ------------------------------------------------------------------ */

/* The checkpointer's own connection. */
typedef struct {
    sqlite3 *db;
} bg_conn;

static void bg_close(bg_conn *b)
{
    sqlite3_close(b->db);
    *b = (bg_conn){0};
}

/* Opens the connection on first use; false if the store cannot be
 * opened (tried again at the next wake). */
static bool bg_open(bg_conn *b, const char *path)
{
    if (b->db)
        return true;
    if (sqlite3_open_v2(path, &b->db, SQLITE_OPEN_READWRITE, sq_vfs()) !=
        SQLITE_OK)
        goto fail;
    sqlite3_busy_timeout(b->db, 1000);
    /* As on the pooled connections: checkpoints are this thread's own.
     * A connection that has not read the store yet does not know it is in
     * WAL mode, and its checkpoints do nothing: journal_mode reads it. */
    if (sqlite3_exec(b->db, "PRAGMA wal_autocheckpoint = 0; "
                            "PRAGMA journal_mode = WAL",
                     NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    return true;
fail:
    fprintf(stderr, "sqlite: background connection to %s: %s\n", path,
            b->db ? sqlite3_errmsg(b->db) : "out of memory");
    bg_close(b);
    return false;
}

/* Waits for a turn to write: no batch running, and when writes are
 * queued, one batch of theirs let through first.  Called with sh->lock
 * held; false when stopping. */
static bool take_turn(sq_shared *sh)
{
    sh->turn_wanted = true;
    sh->turn_at = sh->batches_run + (sh->head ? 1 : 0);
    while (!sh->stopping && (sh->writing || sh->batches_run < sh->turn_at))
        pthread_cond_wait(&sh->changed, &sh->lock);
    sh->turn_wanted = false;
    if (sh->stopping)
        return false;
    sh->writing = true;
    return true;
}

static void end_turn(sq_shared *sh)
{
    sh->writing = false;
    pthread_cond_signal(&sh->work);
}

/*
 * Does outside the writers' turn what the RESTART checkpoint of
 * restart_log would otherwise do inside it.  A passive checkpoint that
 * stops short of the log's end, as under steady writes it always does,
 * leaves the pages it copied in the database file unsynced, and the
 * RESTART synced them all, after copying what the log had gained since,
 * with every writer held: 20-35 ms, several times a second under
 * CreateCase load.  So the file is synced here, and passive checkpoints
 * copy and sync what came in meanwhile until one finds little new: each
 * is shorter than the one before, as copying outruns the writer.  With
 * only one such round, the RESTART was still left the frames of a
 * 100-150 ms round on a store of 0.3M cases, and held the writers 8-19
 * ms; with these rounds, 4-14 ms, nearly all of it the RESTART's own
 * fsyncs (of the log, then of the database file), which it cannot skip.
 * copied: the log's frames in the database (sqlite3_wal_checkpoint_v2's
 * pnCkpt) after the checkpoint that found the log long.  A failure is
 * left for the RESTART to meet and report.
 */
static void prepare_restart(bg_conn *b, int copied)
{
    sqlite3_file *file = NULL;

    if (sqlite3_file_control(b->db, "main", SQLITE_FCNTL_FILE_POINTER,
                             &file) != SQLITE_OK ||
        !file || !file->pMethods)
        return;
    file->pMethods->xSync(file, SQLITE_SYNC_NORMAL);
    for (int round = 0; round < RESTART_PREPARE_ROUNDS; round++) {
        int now = copied;
        if (sqlite3_wal_checkpoint_v2(b->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
                                      NULL, &now) != SQLITE_OK)
            break;
        file->pMethods->xSync(file, SQLITE_SYNC_NORMAL);
        /* fewer: the log started over meanwhile */
        if (now - copied <= RESTART_LEFT_FRAMES)
            break;
        copied = now;
    }
}

/* Busy handler of a restart: SQLite's own sleeps up to 100 ms at a time
 * once it has waited a while, and writers are held meanwhile; readers
 * leave within a few milliseconds. */
static int restart_busy(void *unused, int attempts)
{
    (void)unused;
    if (attempts >= LOG_RESTART_WAIT_MS)
        return 0;
    struct timespec pause = {0, 1000000L};
    nanosleep(&pause, NULL);
    return 1;
}

/*
 * Restarts the log: with no batch running, copies the rest of it into the
 * database and waits up to about LOG_RESTART_WAIT_MS for readers to leave
 * it, so that the next batch writes it from the start.  If readers stay
 * longer, the next checkpoint tries again.  Called and returns with
 * sh->lock held.
 */
static void restart_log(sq_shared *sh, bg_conn *b)
{
    int rc;

    if (!take_turn(sh))
        return;
    pthread_mutex_unlock(&sh->lock);
    sqlite3_busy_handler(b->db, restart_busy, NULL);
    rc = sqlite3_wal_checkpoint_v2(b->db, NULL, SQLITE_CHECKPOINT_RESTART,
                                   NULL, NULL);
    sqlite3_busy_timeout(b->db, 1000);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        fprintf(stderr, "sqlite: restarting the log: %s\n",
                sqlite3_errmsg(b->db));
    pthread_mutex_lock(&sh->lock);
    end_turn(sh);
}

/* Waits until a checkpoint is due.  Called with sh->lock held. */
static void wait_for_work(sq_shared *sh)
{
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += CHECKPOINT_IDLE_MS / 1000;
    until.tv_nsec += (CHECKPOINT_IDLE_MS % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    if (!sh->stopping && sh->batches - sh->checkpointed < CHECKPOINT_EVERY_BATCHES)
        pthread_cond_timedwait(&sh->checkpoint_due, &sh->lock, &until);
}

static void *checkpointer_main(void *arg)
{
    sq_shared *sh = arg;
    bg_conn b = {0};

    pthread_setname_np(pthread_self(), "casesd-ckpt");
    pthread_mutex_lock(&sh->lock);
    while (!sh->stopping) {
        wait_for_work(sh);
        if (sh->stopping || sh->batches == sh->checkpointed)
            continue;
        sh->checkpointed = sh->batches;
        pthread_mutex_unlock(&sh->lock);
        bool ready = bg_open(&b, sh->db_path);
        int log_frames = 0, copied = 0;
        if (ready)
            sqlite3_wal_checkpoint_v2(b.db, NULL, SQLITE_CHECKPOINT_PASSIVE,
                                      &log_frames, &copied);
        pthread_mutex_lock(&sh->lock);
        if (ready && log_frames > LOG_RESTART_FRAMES) {
            pthread_mutex_unlock(&sh->lock);
            prepare_restart(&b, copied);
            pthread_mutex_lock(&sh->lock);
            restart_log(sh, &b);
        }
    }
    pthread_mutex_unlock(&sh->lock);
    bg_close(&b);
    return NULL;
}

void sq_set_writer(sq_shared *sh, sqlite_conn *writer)
{
    pthread_mutex_lock(&sh->lock);
    sh->writer = writer;
    pthread_mutex_unlock(&sh->lock);
}

int sq_start_threads(sq_shared *sh)
{
    if (!sh->writer_started &&
        pthread_create(&sh->writer_thread, NULL, writer_main, sh) == 0)
        sh->writer_started = true;
    if (!sh->syncer_started &&
        pthread_create(&sh->syncer_thread, NULL, syncer_main, sh) == 0)
        sh->syncer_started = true;
    if (!sh->answerer_started &&
        pthread_create(&sh->answerer_thread, NULL, answerer_main, sh) == 0)
        sh->answerer_started = true;
    if (!sh->checkpointer_started &&
        pthread_create(&sh->checkpointer, NULL, checkpointer_main, sh) == 0)
        sh->checkpointer_started = true;
    return sh->writer_started && sh->syncer_started &&
                   sh->answerer_started && sh->checkpointer_started &&
                   sh->fts && sq_fts_start(sh->fts) == STORE_OK
               ? STORE_OK
               : STORE_ERROR;
}

int sq_open_fts(sq_shared *sh, const char *path, char *err, size_t errlen)
{
    if (!sh->fts)
        sh->fts = sq_fts_open(path, err, errlen);
    return sh->fts ? STORE_OK : STORE_ERROR;
}

sq_fts *sq_store_fts(sq_shared *sh)
{
    return sh->fts;
}

/* --- lifecycle -------------------------------------------------------------------- */

/*
 * One server process per store file: the reply cache (http/reply_cache.h)
 * is told of every write only by this process's own writes, so a second
 * process writing the same file would make it serve stale answers.
 */
static int lock_store(sq_shared *sh, char *err, size_t errlen)
{
    char lock_path[PATH_MAX + 8];

    snprintf(lock_path, sizeof lock_path, "%s-lock", sh->db_path);
    sh->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (sh->lock_fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", lock_path, strerror(errno));
        return -1;
    }
    if (flock(sh->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, errlen,
                 errno == EWOULDBLOCK
                     ? "%s is in use by another casesd process (%s is locked)"
                     : "cannot lock %s (%s)",
                 sh->db_path, errno == EWOULDBLOCK ? lock_path : strerror(errno));
        close(sh->lock_fd);
        sh->lock_fd = -1;
        return -1;
    }
    return 0;
}

void *sq_open_shared(const char *path, char *err, size_t errlen)
{
    sq_shared *sh = calloc(1, sizeof *sh);

    if (!sh) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if ((size_t)snprintf(sh->wal_path, sizeof sh->wal_path, "%s-wal", path) >=
            sizeof sh->wal_path ||
        (size_t)snprintf(sh->db_path, sizeof sh->db_path, "%s", path) >=
            sizeof sh->db_path) {
        snprintf(err, errlen, "store path is too long");
        free(sh);
        return NULL;
    }
    sh->wal_fd = -1;
    if (lock_store(sh, err, errlen) != 0) {
        free(sh);
        return NULL;
    }
    pthread_mutex_init(&sh->lock, NULL);
    pthread_cond_init(&sh->changed, NULL);
    pthread_cond_init(&sh->checkpoint_due, NULL);
    pthread_cond_init(&sh->work, NULL);
    pthread_cond_init(&sh->sync_due, NULL);
    pthread_cond_init(&sh->answer_due, NULL);
    return sh;
}

void sq_close_shared(void *shared)
{
    sq_shared *sh = shared;

    if (!sh)
        return;
    /* The writer runs what is still queued and the syncer syncs it
     * before they stop; the server sends no more writes by now. */
    pthread_mutex_lock(&sh->lock);
    sh->stopping = true;
    pthread_cond_signal(&sh->checkpoint_due);
    pthread_cond_broadcast(&sh->changed); /* a restart waiting its turn */
    pthread_cond_signal(&sh->work);
    pthread_mutex_unlock(&sh->lock);
    if (sh->checkpointer_started)
        pthread_join(sh->checkpointer, NULL);
    if (sh->writer_started)
        pthread_join(sh->writer_thread, NULL);
    pthread_mutex_lock(&sh->lock);
    pthread_cond_signal(&sh->sync_due);
    pthread_mutex_unlock(&sh->lock);
    if (sh->syncer_started)
        pthread_join(sh->syncer_thread, NULL);
    pthread_mutex_lock(&sh->lock);
    sh->syncer_stopped = true;
    pthread_cond_signal(&sh->answer_due);
    pthread_mutex_unlock(&sh->lock);
    if (sh->answerer_started)
        pthread_join(sh->answerer_thread, NULL);
    sq_fts_close(sh->fts);
    sq_conn_close(sh->writer);
    if (sh->wal_fd >= 0)
        close(sh->wal_fd);
    close(sh->lock_fd);
    pthread_mutex_destroy(&sh->lock);
    pthread_cond_destroy(&sh->changed);
    pthread_cond_destroy(&sh->checkpoint_due);
    pthread_cond_destroy(&sh->work);
    pthread_cond_destroy(&sh->sync_due);
    pthread_cond_destroy(&sh->answer_due);
    free(sh);
}
