/*
 * sqlite_fts.c - the full-text index of the cases, in a file of its own
 * (<store>-fts), brought up to date by a thread of its own: the indexer.
 *
 * Why a file of its own.  SQLite runs one write transaction at a time per
 * database, and the store's single writer (sqlite_commit.c) is what bounds
 * its write rate.  With the index inside the store, every batch flushed a
 * small FTS5 segment before its COMMIT, and merging those segments took
 * turns at writing: together about a third of the writer's time under
 * CreateCase load.  Here the index is written under its own file's lock,
 * while batches go on.
 *
 * How it follows the store.  The triggers on cases (migrations 006, 015)
 * append each change of a case's text to case_fts_queue, in the batch's
 * own transaction, and queue ids never go back (migration 018).  Once a
 * batch is on disk the syncer says how far the queue is durable
 * (sq_fts_durable).  Every INDEX_EVERY_MS the indexer moves the durable
 * rows it has not moved yet into the index, and records the last id moved
 * (fts_state) in the same transaction, which it syncs; batches then delete
 * the moved rows (sq_flush_before_commit).  Only durable rows are moved,
 * so a crash never leaves the index ahead of the store, and after one the
 * indexer goes on from the id it recorded.  A pass moves a few hundred
 * cases where a batch held twenty, so there are fewer segments to merge;
 * between passes the indexer merges them (MERGE_STEP_PAGES at a time).
 *
 * Searches see every case acknowledged before they began: a search with a
 * searchTerm first waits until the index holds every durable row
 * (sq_fts_catch_up), which starts a pass at once.  Without writes that is
 * one comparison.
 *
 * The pooled connections attach the file as "fts" (sq_fts_attach); the
 * writer's connection must not, because BEGIN IMMEDIATE takes the write
 * lock of every attached database, so its batches would wait for passes.
 *
 * When the store opens, the index is rebuilt from the cases if the file
 * is missing or was never finished, or if the store still has the index
 * it kept inside before migration 018, which is then dropped.
 */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/sqlite/sqlite_internal.h"
#include "util/timeutil.h"

/* Cases created between passes share a segment: at CreateCase load a few
 * hundred.  A search never waits this long; it starts a pass itself. */
#define INDEX_EVERY_MS 25
/* Pages a merge step writes.  No writer waits for a step, but a search
 * waiting for a pass does: on a million cases, a searchTerm's p99 while
 * CreateCase ran alongside was 82 ms with 64 pages, 11 with 16 and 10
 * with 32; 16 cost CreateCase's p99 1-5 ms in 3 of 4 pairs of runs. */
#define MERGE_STEP_PAGES 32
/* How long the indexer waits for the index file's lock, held only by
 * itself but for a store opening (or a tool) that writes it. */
#define INDEX_BUSY_MS 1000
/* After a failed pass, before the next. */
#define RETRY_MS 100

/*
 * The index's definition, and the text of a case it indexes: the same
 * expression as the triggers of migration 006 queue.
 *
 * detail = none: the index keeps which cases hold a word, not where in
 * them.  Searches only ever ask for words (sq_fts_match), never phrases,
 * and the positions made up about half of what passes wrote and merges
 * rewrote: in alternating pairs of CreateCase runs the indexer took 14-16%
 * of a core instead of 21-28%, and p99 fell in 6 of 7 pairs.
 *
 * FTS_FORMAT is kept in the file's user_version; a file of another format
 * (or none: 0) is rebuilt when the store opens.  2: detail = none.
 */
#define FTS_FORMAT 2
#define STR_(x) #x
#define STR(x) STR_(x)
#define FTS_TOKENIZER "unicode61"
#define FTS_CREATE                                                          \
    "CREATE VIRTUAL TABLE fts.case_fts USING fts5 ("                        \
    "body, content = '', columnsize = 0, detail = none, "                   \
    "tokenize = '" FTS_TOKENIZER " remove_diacritics 2', prefix = '2')"
/* The arguments of FTS_CREATE's tokenizer, for sq_fts_match. */
static const char *const fts_tokenizer_args[] = {"remove_diacritics", "2"};
#define FTS_REBUILD                                                         \
    "INSERT INTO fts.case_fts (rowid, body) "                               \
    "SELECT c.seq, (SELECT group_concat(v.value, ' ') "                     \
    "FROM json_each(c.fields) f, json_each(f.value) v "                     \
    "WHERE v.key IN ('stringValue', 'userArnValue')) "                      \
    "FROM main.cases c ORDER BY c.seq"
#define QUEUE_LAST                                                          \
    "coalesce((SELECT seq FROM main.sqlite_sequence "                       \
    "WHERE name = 'case_fts_queue'), 0)"

enum fts_stmt { FS_LAST, FS_INDEXED, FS_FORMAT, FS_COPY, FS_BEGIN, FS_MOVE,
                FS_MARK, FS_COMMIT, FS_CLEAR, FS_MERGE, FS__COUNT };

static const char *const fts_sql[FS__COUNT] = {
    [FS_LAST] = "SELECT " QUEUE_LAST,
    [FS_INDEXED] = "SELECT indexed FROM fts.fts_state",
    [FS_FORMAT] = "PRAGMA fts.user_version",
    /* Ascending rowids keep FTS5's pending terms in order; a case's own
     * changes keep theirs (a delete before a reinsert). */
    [FS_COPY] = "INSERT INTO temp.fts_pass (op, rid, body) "
                "SELECT op, rid, body FROM main.case_fts_queue "
                "WHERE id > ?1 AND id <= ?2 ORDER BY rid, id",
    [FS_BEGIN] = "BEGIN",
    [FS_MOVE] = "INSERT INTO fts.case_fts (case_fts, rowid, body) "
                "SELECT op, rid, body FROM temp.fts_pass ORDER BY n",
    [FS_MARK] = "UPDATE fts.fts_state SET indexed = ?1",
    [FS_COMMIT] = "COMMIT",
    [FS_CLEAR] = "DELETE FROM temp.fts_pass",
    [FS_MERGE] = "INSERT INTO fts.case_fts (case_fts, rank) VALUES ('merge', ?1)",
};

struct sq_fts {
    pthread_mutex_t lock;  /* guards the fields up to db */
    pthread_cond_t due;    /* for the indexer: work, or stopping */
    pthread_cond_t caught_up; /* for searches: a pass ended */
    int64_t durable;       /* queue ids up to this are on disk in the store */
    int64_t indexed;       /* ... and up to this, in the index on disk */
    int64_t wanted;        /* a search waits for the index to reach this */
    bool failed;           /* the last pass failed */
    bool stopping;
    bool started;
    pthread_t thread;
    /* the indexer's connection: the store, with the index attached */
    sqlite3 *db;
    sqlite3_stmt *stmts[FS__COUNT];
    char path[PATH_MAX];   /* of the index file */
};

/* CLOCK_MONOTONIC, as x->due waits on */
static int64_t mono_ms(void)
{
    return time_mono_ns() / 1000000;
}

static int exec(sq_fts *x, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(x->db, sql, NULL, NULL, &msg);

    if (rc != SQLITE_OK) {
        fprintf(stderr, "sqlite: full-text index %s: %s\n", x->path,
                msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return sq_status_of(rc) == STORE_OK ? STORE_ERROR : sq_status_of(rc);
    }
    return STORE_OK;
}

static sqlite3_stmt *stmt(sq_fts *x, enum fts_stmt id)
{
    if (!x->stmts[id] &&
        sqlite3_prepare_v3(x->db, fts_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                           &x->stmts[id], NULL) != SQLITE_OK)
        fprintf(stderr, "sqlite: full-text index: %s\n", sqlite3_errmsg(x->db));
    return x->stmts[id];
}

/* Steps a statement of id; its first column into *out when it has a row. */
static int step(sq_fts *x, enum fts_stmt id, int64_t *out)
{
    sqlite3_stmt *s = stmt(x, id);
    int rc = s ? sqlite3_step(s) : SQLITE_ERROR;

    if (rc == SQLITE_ROW && out)
        *out = sqlite3_column_int64(s, 0);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE && s)
        fprintf(stderr, "sqlite: full-text index: %s\n", sqlite3_errmsg(x->db));
    if (s)
        sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : sq_status_of(rc);
}

/* Whether sql (made by sqlite3_mprintf, freed here) gives a row. */
static bool gives_row(sq_fts *x, char *sql)
{
    sqlite3_stmt *s = NULL;
    bool found = false;

    if (sql && sqlite3_prepare_v2(x->db, sql, -1, &s, NULL) == SQLITE_OK)
        found = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_finalize(s);
    sqlite3_free(sql);
    return found;
}

static bool has_table(sq_fts *x, const char *schema, const char *name)
{
    return gives_row(x, sqlite3_mprintf(
        "SELECT 1 FROM %w.sqlite_schema WHERE name = %Q", schema, name));
}

static bool has_rows(sq_fts *x, const char *table)
{
    return gives_row(x, sqlite3_mprintf("SELECT 1 FROM %s LIMIT 1", table));
}

/* --- opening: the file, and the index rebuilt when it must be ----------- */

static bool needs_rebuild(sq_fts *x)
{
    int64_t indexed = -1, format = -1;

    if (has_table(x, "main", "case_fts") || !has_table(x, "fts", "case_fts") ||
        !has_table(x, "fts", "fts_state"))
        return true;
    if (step(x, FS_FORMAT, &format) != STORE_OK || format != FTS_FORMAT)
        return true;
    return step(x, FS_INDEXED, &indexed) != STORE_OK || indexed < 0;
}

/*
 * Builds the index from the cases in one synced transaction, recording
 * every queued row as moved (the cases already show them), then drops the
 * store's own index, if it has one, and the queue.  Done again in full if
 * interrupted before the store's COMMIT.
 */
static int rebuild(sq_fts *x)
{
    static const char build[] =
        "BEGIN; DROP TABLE IF EXISTS fts.case_fts; "
        "DROP TABLE IF EXISTS fts.fts_state; " FTS_CREATE "; "
        "INSERT INTO fts.case_fts (case_fts, rank) VALUES ('automerge', 0); "
        "INSERT INTO fts.case_fts (case_fts, rank) VALUES ('usermerge', 4); "
        FTS_REBUILD "; "
        "INSERT INTO fts.case_fts (case_fts) VALUES ('optimize'); "
        "CREATE TABLE fts.fts_state (indexed INTEGER NOT NULL); "
        "INSERT INTO fts.fts_state (indexed) VALUES (" QUEUE_LAST "); "
        "PRAGMA fts.user_version = " STR(FTS_FORMAT) "; "
        "COMMIT";
    static const char drop[] =
        "BEGIN IMMEDIATE; DROP TABLE IF EXISTS main.case_fts; "
        "DELETE FROM main.case_fts_queue; COMMIT";
    int status;

    /* A large store takes a while: say why start-up waits (a new one is
     * not worth a line). */
    if (has_rows(x, "main.cases"))
        fprintf(stderr, "sqlite: building the full-text index %s from the "
                        "cases\n", x->path);
    status = exec(x, "PRAGMA fts.synchronous = FULL");
    if (status == STORE_OK && (status = exec(x, build)) != STORE_OK)
        exec(x, "ROLLBACK");
    if (status == STORE_OK)
        status = exec(x, "PRAGMA fts.synchronous = NORMAL");
    if (status == STORE_OK && (status = exec(x, drop)) != STORE_OK)
        exec(x, "ROLLBACK");
    return status;
}

static int open_connection(sq_fts *x, const char *store_path)
{
    int status;

    /* CREATE: the attached file takes the connection's flags */
    if (sqlite3_open_v2(store_path, &x->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        sq_vfs()) != SQLITE_OK)
        return STORE_ERROR;
    sqlite3_busy_timeout(x->db, INDEX_BUSY_MS);
    status = sq_fts_attach(x->db, x);
    /* wal_autocheckpoint: the indexer writes only the index (but for the
     * last trim of the queue, sq_fts_close), which it checkpoints itself. */
    if (status == STORE_OK)
        status = exec(x, "PRAGMA fts.journal_mode = WAL; "
                         "PRAGMA fts.synchronous = NORMAL; "
                         "PRAGMA main.synchronous = NORMAL; "
                         "PRAGMA wal_autocheckpoint = 1000; "
                         "PRAGMA temp_store = MEMORY; "
                         "CREATE TEMP TABLE fts_pass (n INTEGER PRIMARY KEY, "
                         "op TEXT, rid INTEGER, body TEXT)");
    return status;
}

sq_fts *sq_fts_open(const char *store_path, char *err, size_t errlen)
{
    sq_fts *x = calloc(1, sizeof *x);
    pthread_condattr_t monotonic;

    if (!x) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&x->lock, NULL);
    pthread_condattr_init(&monotonic);
    pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
    pthread_cond_init(&x->due, &monotonic);
    pthread_cond_init(&x->caught_up, NULL);
    pthread_condattr_destroy(&monotonic);
    if ((size_t)snprintf(x->path, sizeof x->path, "%s-fts", store_path) >=
        sizeof x->path) {
        snprintf(err, errlen, "store path is too long");
        goto fail;
    }
    if (open_connection(x, store_path) != STORE_OK) {
        snprintf(err, errlen, "cannot open the full-text index %s: %s",
                 x->path, x->db ? sqlite3_errmsg(x->db) : "out of memory");
        goto fail;
    }
    if ((needs_rebuild(x) && rebuild(x) != STORE_OK) ||
        step(x, FS_INDEXED, &x->indexed) != STORE_OK ||
        step(x, FS_LAST, &x->durable) != STORE_OK) {
        snprintf(err, errlen, "cannot build the full-text index %s", x->path);
        goto fail;
    }
    return x;
fail:
    sq_fts_close(x);
    return NULL;
}

int sq_fts_attach(sqlite3 *db, const sq_fts *x)
{
    char *attach = sqlite3_mprintf("ATTACH %Q AS fts", x->path);
    int rc = attach ? sqlite3_exec(db, attach, NULL, NULL, NULL) : SQLITE_NOMEM;

    sqlite3_free(attach);
    return rc == SQLITE_OK ? STORE_OK : STORE_ERROR;
}

/* --- search terms: the words the index holds ------------------------------ */

/*
 * FTS5's tokenizer interface, declared here because the distribution's
 * SQLite headers leave out fts5.h.  The layout is SQLite's stable ABI for
 * version 2 of fts5_api and later, which only ever grew at its end; only
 * the members this file calls are named.
 */
typedef struct fts5_tok fts5_tok;
typedef int (*fts5_token_fn)(void *ctx, int flags, const char *token,
                             int len, int start, int end);
typedef struct {
    int (*create)(void *user, const char **args, int nargs, fts5_tok **out);
    void (*destroy)(fts5_tok *tok);
    int (*tokenize)(fts5_tok *tok, void *ctx, int flags, const char *text,
                    int len, fts5_token_fn on_token);
} fts5_tokenizer_abi;
typedef struct fts5_api_abi fts5_api_abi;
struct fts5_api_abi {
    int version;
    int (*create_tokenizer)(fts5_api_abi *api, const char *name, void *user,
                            fts5_tokenizer_abi *tok, void (*destroy)(void *));
    int (*find_tokenizer)(fts5_api_abi *api, const char *name, void **user,
                          fts5_tokenizer_abi *tok);
};
#define FTS5_TOKENIZE_QUERY_FLAG 0x0001

struct sq_fts_words {
    fts5_tokenizer_abi calls;
    fts5_tok *tok;
};

sq_fts_words *sq_fts_words_open(sqlite3 *db)
{
    fts5_api_abi *api = NULL;
    sqlite3_stmt *s = NULL;
    sq_fts_words *w = calloc(1, sizeof *w);
    void *user = NULL;

    if (!w || sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &s, NULL) !=
                  SQLITE_OK)
        goto fail;
    sqlite3_bind_pointer(s, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(s);
    if (!api || api->version < 2 ||
        api->find_tokenizer(api, FTS_TOKENIZER, &user, &w->calls) !=
            SQLITE_OK ||
        w->calls.create(user, (const char **)fts_tokenizer_args,
                        (int)(sizeof fts_tokenizer_args /
                              sizeof *fts_tokenizer_args),
                        &w->tok) != SQLITE_OK)
        goto fail;
    sqlite3_finalize(s);
    return w;
fail:
    fprintf(stderr, "sqlite: cannot load the full-text tokenizer: %s\n",
            sqlite3_errmsg(db));
    sqlite3_finalize(s);
    free(w);
    return NULL;
}

void sq_fts_words_close(sq_fts_words *w)
{
    if (!w)
        return;
    if (w->tok)
        w->calls.destroy(w->tok);
    free(w);
}

typedef struct {
    char *out;
    size_t cap, len;
    int tokens;
    bool overflow;
} match_text;

/* Adds one word as "word"*; stops the tokenizer at the last word kept. */
static int add_word(void *arg, int flags, const char *token, int len,
                    int start, int end)
{
    match_text *m = arg;

    (void)flags, (void)start, (void)end;
    if (m->tokens == SQ_FTS_MAX_WORDS)
        return SQLITE_DONE;
    /* a space, the quotes and star, the NUL; a quote inside is doubled */
    if (m->len + 2 * (size_t)len + 5 > m->cap) {
        m->overflow = true;
        return SQLITE_DONE;
    }
    if (m->tokens++)
        m->out[m->len++] = ' ';
    m->out[m->len++] = '"';
    for (int i = 0; i < len; i++) {
        if (token[i] == '"')
            m->out[m->len++] = '"';
        m->out[m->len++] = token[i];
    }
    m->out[m->len++] = '"';
    m->out[m->len++] = '*';
    m->out[m->len] = '\0';
    return SQLITE_OK;
}

int sq_fts_match(sq_fts_words *w, const char *term, char *out, size_t outlen)
{
    match_text m = {.out = out, .cap = outlen};
    size_t len = term ? strlen(term) : 0;
    int rc;

    if (outlen == 0 || len > INT_MAX)
        return -1;
    out[0] = '\0';
    if (len == 0)
        return 0;
    rc = w->calls.tokenize(w->tok, &m, FTS5_TOKENIZE_QUERY_FLAG, term,
                           (int)len, add_word);
    if (m.overflow || (rc != SQLITE_OK && rc != SQLITE_DONE))
        return -1;
    return m.tokens;
}

/* --- the indexer ----------------------------------------------------------- */

/*
 * Moves queue rows (from, to] into the index, durably.  They are copied
 * out of the store first, in a statement of their own: a reader holds the
 * store's log, and restarting it (sqlite_commit.c, restart_log) waits for
 * readers with every writer held, so the store is read for the copy only,
 * not for the whole of the indexing.
 */
static int index_rows(sq_fts *x, int64_t from, int64_t to)
{
    sqlite3_stmt *copy = stmt(x, FS_COPY), *mark = stmt(x, FS_MARK);
    int status;

    if (!copy || !mark)
        return STORE_ERROR;
    sqlite3_bind_int64(copy, 1, from);
    sqlite3_bind_int64(copy, 2, to);
    sqlite3_bind_int64(mark, 1, to);
    status = step(x, FS_COPY, NULL);
    if (status == STORE_OK)
        status = exec(x, "PRAGMA fts.synchronous = FULL");
    if (status == STORE_OK)
        status = step(x, FS_BEGIN, NULL);
    if (status != STORE_OK) {
        step(x, FS_CLEAR, NULL);
        return status;
    }
    status = step(x, FS_MOVE, NULL);
    if (status == STORE_OK)
        status = step(x, FS_MARK, NULL);
    if (status == STORE_OK)
        status = step(x, FS_COMMIT, NULL);
    if (status != STORE_OK && !sqlite3_get_autocommit(x->db))
        sqlite3_exec(x->db, "ROLLBACK", NULL, NULL, NULL);
    step(x, FS_CLEAR, NULL);
    exec(x, "PRAGMA fts.synchronous = NORMAL");
    return status;
}

/* One merge step, not synced: losing it loses no document.  True when
 * it merged something (more may be left). */
static bool merge_step(sq_fts *x)
{
    sqlite3_stmt *s = stmt(x, FS_MERGE);
    sqlite3_int64 before = sqlite3_total_changes64(x->db);

    if (!s)
        return false;
    sqlite3_bind_int(s, 1, MERGE_STEP_PAGES);
    if (step(x, FS_MERGE, NULL) != STORE_OK)
        return false;
    /* the 'merge' row itself is one change */
    return sqlite3_total_changes64(x->db) - before > 1;
}

/* Whether a pass is due: durable rows not indexed, and a search waiting
 * or INDEX_EVERY_MS gone since the last.  Called with x->lock held. */
static bool pass_due(const sq_fts *x, int64_t last_pass_ms)
{
    if (x->durable <= x->indexed)
        return false;
    if (x->failed)
        return mono_ms() - last_pass_ms >= RETRY_MS;
    return x->wanted > x->indexed || mono_ms() - last_pass_ms >= INDEX_EVERY_MS;
}

/* Runs a pass, x->lock held around it. */
static void run_pass(sq_fts *x)
{
    int64_t from = x->indexed, to = x->durable;
    int status;

    pthread_mutex_unlock(&x->lock);
    status = index_rows(x, from, to);
    pthread_mutex_lock(&x->lock);
    if (status == STORE_OK)
        x->indexed = to;
    x->failed = status != STORE_OK;
    pthread_cond_broadcast(&x->caught_up);
}

/* Waits for the next pass to fall due, or for work.  Called with x->lock
 * held. */
static void wait_for_work(sq_fts *x, int64_t last_pass_ms)
{
    if (x->durable > x->indexed) {
        int64_t at = last_pass_ms + (x->failed ? RETRY_MS : INDEX_EVERY_MS);
        struct timespec until = {at / 1000, (long)(at % 1000) * 1000000L};
        pthread_cond_timedwait(&x->due, &x->lock, &until);
    } else {
        pthread_cond_wait(&x->due, &x->lock);
    }
}

static void *indexer_main(void *arg)
{
    sq_fts *x = arg;
    int64_t last_pass_ms = 0;
    bool merging = true; /* the index may have been left unmerged */

    pthread_setname_np(pthread_self(), "casesd-index");
    pthread_mutex_lock(&x->lock);
    while (!x->stopping) {
        if (pass_due(x, last_pass_ms)) {
            run_pass(x);
            last_pass_ms = mono_ms();
            merging = true;
        } else if (merging) {
            pthread_mutex_unlock(&x->lock);
            merging = merge_step(x);
            pthread_mutex_lock(&x->lock);
        } else {
            wait_for_work(x, last_pass_ms);
        }
    }
    pthread_mutex_unlock(&x->lock);
    return NULL;
}

int sq_fts_start(sq_fts *x)
{
    if (!x->started && pthread_create(&x->thread, NULL, indexer_main, x) == 0)
        x->started = true;
    return x->started ? STORE_OK : STORE_ERROR;
}

void sq_fts_durable(sq_fts *x, int64_t queue_id)
{
    pthread_mutex_lock(&x->lock);
    if (queue_id > x->durable) {
        /* A waiting indexer has a timed wait already, unless it was idle. */
        if (x->durable <= x->indexed)
            pthread_cond_signal(&x->due);
        x->durable = queue_id;
    }
    pthread_mutex_unlock(&x->lock);
}

int64_t sq_fts_indexed(sq_fts *x)
{
    int64_t indexed;

    pthread_mutex_lock(&x->lock);
    indexed = x->indexed;
    pthread_mutex_unlock(&x->lock);
    return indexed;
}

int sq_fts_catch_up(sq_fts *x)
{
    int status = STORE_OK;

    pthread_mutex_lock(&x->lock);
    int64_t target = x->durable;
    while (x->indexed < target && !x->stopping) {
        if (x->wanted < target) {
            x->wanted = target;
            pthread_cond_signal(&x->due);
        }
        pthread_cond_wait(&x->caught_up, &x->lock);
        if (x->failed && x->indexed < target) {
            status = STORE_ERROR;
            break;
        }
    }
    if (x->indexed < target && status == STORE_OK)
        status = STORE_BUSY; /* stopping */
    pthread_mutex_unlock(&x->lock);
    return status;
}

/*
 * Stops the indexer, indexes what is left (every write is synced by now)
 * and empties the queue, so that a store closed cleanly has it empty.
 */
void sq_fts_close(sq_fts *x)
{
    if (!x)
        return;
    pthread_mutex_lock(&x->lock);
    x->stopping = true;
    pthread_cond_signal(&x->due);
    pthread_cond_broadcast(&x->caught_up);
    pthread_mutex_unlock(&x->lock);
    if (x->started)
        pthread_join(x->thread, NULL);
    if (x->started && x->durable > x->indexed &&
        index_rows(x, x->indexed, x->durable) == STORE_OK)
        x->indexed = x->durable;
    if (x->started) {
        char *trim = sqlite3_mprintf(
            "DELETE FROM main.case_fts_queue WHERE id <= %lld",
            (long long)x->indexed);
        if (trim)
            exec(x, trim);
        sqlite3_free(trim);
    }
    for (int i = 0; i < FS__COUNT; i++)
        sqlite3_finalize(x->stmts[i]);
    sqlite3_close(x->db);
    pthread_mutex_destroy(&x->lock);
    pthread_cond_destroy(&x->due);
    pthread_cond_destroy(&x->caught_up);
    free(x);
}
