/*
 * sqlite_internal.h - what the files of the SQLite backend share.
 *
 * Private to src/store/sqlite/.  Each file keeps its SQL in its own table
 * and its prepared statements in its own range of slots of the
 * connection's statement cache, so files never collide on statement ids.
 */
#ifndef CASESD_SQLITE_INTERNAL_H
#define CASESD_SQLITE_INTERNAL_H

#include <sqlite3.h>

#include "store/backend.h"

/* First statement slot of each file; each range holds 64. */
#define SQ_SLOTS_CORE 0      /* sqlite_store.c */
#define SQ_SLOTS_CASES 64    /* sqlite_cases.c */
#define SQ_SLOTS_SEARCH 128  /* sqlite_search.c */
#define SQ_SLOTS_RELATED 192 /* sqlite_related.c */
#define SQ_SLOTS_COMMIT 256  /* sqlite_commit.c */
#define SQ_SLOTS_INDEX 320   /* sqlite_index.c */
#define SQ_SLOT_COUNT 384

/*
 * The VFS every connection of a store opens it with (sqlite_vfs.c).  One
 * casesd process owns a store file (sqlite_commit.c, lock_store), so
 * SQLite's locks need not reach other processes: it is "unix-excl", which
 * takes one exclusive lock on the file for the process and keeps the WAL
 * index in process memory, so connections begin and end transactions
 * without a system call.  (Plain "unix" locks and unlocks a byte of the
 * -shm file with fcntl() at every read transaction.)  On top of it, the
 * writes of a transaction's log go to the file in a few system calls,
 * instead of two per page.  Every connection of a process to the file
 * must use it, or their POSIX locks would undo each other's.  Other
 * processes cannot open the file while casesd has it open.  Registers the
 * VFS on first use; its name.
 */
const char *sq_vfs(void);

/* sqlite_commit.c: batched write transactions, one queue per store. */
typedef struct sq_shared sq_shared;
void *sq_open_shared(const char *path, char *err, size_t errlen);
void sq_close_shared(void *shared);
/* Starts the writer, the syncer, the answerer, the checkpointer and the
 * indexer (once the schema exists and sq_open_fts has opened the index);
 * STORE_ERROR when a thread cannot be started. */
int sq_start_threads(sq_shared *sh);
/* store_tx for SQLite: runs fn in the next batch (see sqlite_commit.c). */
int sq_tx(store_conn *conn, store_tx_fn fn, void *arg);
/* store_tx_checked for SQLite: the same, without a savepoint. */
int sq_tx_checked(store_conn *conn, store_tx_fn fn, void *arg);
/* store_tx_checked_later for SQLite: queues fn for the next batch; the
 * answerer thread calls done once the batch is synced (the writer does,
 * when the batch failed). */
int sq_tx_checked_later(store_conn *conn, store_tx_fn fn, void *arg,
                        store_tx_done_fn done, void *done_arg);

/* sqlite_fts.c: the full-text index, in <store>-fts, and its indexer. */
typedef struct sq_fts sq_fts;
/* Opens the index of the store at store_path (its schema migrated),
 * rebuilding it from the cases when it must be; NULL with err set. */
sq_fts *sq_fts_open(const char *store_path, char *err, size_t errlen);
/* Starts the indexer thread. */
int sq_fts_start(sq_fts *x);
/* Stops the indexer, indexes the rest and empties the queue; NULL is
 * ignored.  Every write must be synced and reported (sq_fts_durable). */
void sq_fts_close(sq_fts *x);
/* Attaches the index to db as "fts", for searches; never to the writer's
 * connection (see sqlite_fts.c). */
int sq_fts_attach(sqlite3 *db, const sq_fts *x);
/* Queue ids up to queue_id are durable in the store: the indexer may
 * index them. */
void sq_fts_durable(sq_fts *x, int64_t queue_id);
/* Queue ids up to the result are in the index, durably: their rows may
 * go. */
int64_t sq_fts_indexed(sq_fts *x);
/* Waits until the index holds every row durable when called; STORE_ERROR
 * when a pass failed, STORE_BUSY when the store is closing. */
int sq_fts_catch_up(sq_fts *x);
/* The index's tokenizer, which splits search terms into the words the
 * index holds; one per connection (it is not thread-safe), made on db. */
typedef struct sq_fts_words sq_fts_words;
/* Most words of a search term that count; the rest are ignored. */
#define SQ_FTS_MAX_WORDS 32
/* NULL on failure (logged). */
sq_fts_words *sq_fts_words_open(sqlite3 *db);
/* NULL is ignored. */
void sq_fts_words_close(sq_fts_words *w);
/* Writes the FTS5 query for a search term: each of its words (as the
 * index's tokenizer splits, folds and strips it) quoted, as a prefix, all
 * required.  Returns the word count (0: no condition) or -1 when out is
 * too small. */
int sq_fts_match(sq_fts_words *w, const char *term, char *out, size_t outlen);
/* The index of the store whose queue is sh (sqlite_commit.c). */
sq_fts *sq_store_fts(sq_shared *sh);
/* Opens the index of the store at path for its queue (sqlite_commit.c);
 * the writer's and indexer's threads start with sq_start_threads. */
int sq_open_fts(sq_shared *sh, const char *path, char *err, size_t errlen);

/* sqlite_index.c: the search keys a connection has looked up, and the key
 * counts its transaction owes. */
typedef struct sq_index_state sq_index_state;

typedef struct sqlite_conn_s {
    store_conn base;
    sq_shared *shared;
    /* while the writer runs this connection's work: the writer
     * connection, whose transaction the work belongs to */
    struct sqlite_conn_s *redirect;
    sqlite3 *db;
    sqlite3_stmt *stmts[SQ_SLOT_COUNT];
    /* store_read_begin nesting, and whether the outermost began the
     * read transaction (so its store_read_end ends it) */
    int read_depth;
    bool read_own;
    sq_index_state *index; /* NULL until the first case is indexed */
    /* where searches generate their statements, NULL until the first: one
     * search runs on a connection at a time, and the buffer is too large
     * to allocate per search */
    struct sq_sql_buf_s *search_buf;
    /* splits search terms into words, NULL until the first */
    sq_fts_words *words;
    /* the last id its transaction found in case_fts_queue, and the id up
     * to which it last deleted indexed rows (sq_flush_before_commit) */
    int64_t fts_queued;
    int64_t fts_trimmed;
} sqlite_conn;

/*
 * Makes writer, a connection of its own that sq_close_shared closes, the
 * one every batch runs on.  SQLite drops a connection's whole page cache
 * when another connection has committed since its last transaction, so
 * batches run on the requests' pooled connections would each start
 * cold.  Set once, when the store opens,
 * before any batch.
 */
void sq_set_writer(sq_shared *sh, sqlite_conn *writer);
/* sqlite_store.c: closes a connection (NULL is ignored). */
void sq_conn_close(sqlite_conn *c);

static inline sqlite_conn *as_sqlite(store_conn *conn)
{
    sqlite_conn *c = (sqlite_conn *)conn;
    return c->redirect ? c->redirect : c;
}

/* The statement in slot, prepared from sql on first use (the same sql every
 * time for a slot); NULL on failure (logged). */
sqlite3_stmt *sq_stmt(sqlite_conn *c, int slot, const char *sql);
/* Resets s and clears its bindings, ready for the next use. */
void sq_done(sqlite3_stmt *s);
/* Steps a statement that returns no rows and resets it. */
int sq_run(sqlite_conn *c, sqlite3_stmt *s, const char *what);
/* Steps s for one row and resets it: its first column into *out and
 * STORE_OK, STORE_NOT_FOUND when there is no row, or a failure logged
 * with what. */
int sq_step_int64(sqlite_conn *c, sqlite3_stmt *s, int64_t *out,
                  const char *what);
/* Begins a read transaction (deferred: a snapshot, never the write lock)
 * unless c is in a transaction already; *own says whether it began one,
 * which sq_read_end(c, *own) then ends. */
int sq_read_begin(sqlite_conn *c, bool *own);
void sq_read_end(sqlite_conn *c, bool own);
/* Maps a SQLite result code to a store_status. */
int sq_status_of(int rc);
/* sq_status_of(rc), logging unexpected failures with what. */
int sq_log_error(sqlite_conn *c, const char *what, int rc);
/* Binds v (NULL binds SQL NULL); the string must outlive the step. */
void sq_bind_text(sqlite3_stmt *s, int i, const char *v);
/* Binds scope->account to ?1 and scope->region to ?2. */
void sq_bind_scope(sqlite3_stmt *s, const store_scope *scope);
/* The JSON document in a text column (a new reference), NULL when it is
 * SQL NULL or not JSON (err, when given, says why). */
json_t *sq_column_json(sqlite3_stmt *s, int col, json_error_t *err);
/* Arena copy of a text column, NULL for SQL NULL. */
char *sq_column_dup(arena *a, sqlite3_stmt *s, int col);

/* Finishes what the current transaction queued: deletes the full-text
 * queue's rows the indexer has moved (sqlite_fts.c) and notes the queue's
 * last id in c->fts_queued, refreshes the tag sets of the cases whose tags
 * changed (migration 011, sq_tagsets_flush) and counts the cases of new
 * values under their keys (sq_index_flush).  Whoever commits a transaction
 * that may have written cases or tags calls it just before COMMIT, and
 * once that is durable, sq_fts_durable(.., c->fts_queued). */
int sq_flush_before_commit(sqlite_conn *c);

/* sqlite_cases.c */
int sq_cases_purge_domain(sqlite_conn *c, const store_scope *scope,
                          const char *domain_id);
int sq_case_insert(store_conn *, const store_scope *, store_case *);
int sq_case_get(store_conn *, const store_scope *, const char *, const char *,
                arena *, store_case *);
int sq_case_get_text(store_conn *, const store_scope *, const char *,
                     const char *, const char *, arena *, store_case *,
                     json_t **);
int sq_case_update(store_conn *, const store_scope *, const store_case *);
int sq_case_delete(store_conn *, const store_scope *, const char *,
                   const char *);
int sq_audit_append(store_conn *, const store_scope *, const char *,
                    const char *, store_audit_event *);
int sq_audit_list(store_conn *, const store_scope *, const char *,
                  const char *, int64_t, int, store_audit_cb, void *);
int sq_idempotency_put(store_conn *, const store_scope *, const char *,
                       const char *, const char *, const char *, int64_t);
int sq_idempotency_get(store_conn *, const store_scope *, const char *,
                       const char *, int64_t, arena *, const char **,
                       const char **);

/* sqlite_search.c */
int sq_cases_search(store_conn *, const store_scope *,
                    const store_search_query *, store_search_cb, void *,
                    int64_t *, int64_t *);
/* Refreshes the tag sets of the cases whose tags changed in the current
 * transaction (migration 011); part of sq_flush_before_commit. */
int sq_tagsets_flush(sqlite_conn *c);

/* The text and parameters of one generated search statement: ?N in sql
 * binds params[N-1].  Text params point into the query or into text. */
#define SQ_SQL_MAX 32768
#define SQ_SQL_PARAMS_MAX 512
#define SQ_SQL_TEXT_MAX 16384
typedef enum { SQ_PARAM_NULL, SQ_PARAM_INT, SQ_PARAM_REAL, SQ_PARAM_TEXT } sq_param_kind;
typedef struct {
    sq_param_kind kind;
    int64_t i;
    double d;
    const char *s;
} sq_param;
typedef struct sq_sql_buf_s {
    char sql[SQ_SQL_MAX];
    size_t len;
    sq_param params[SQ_SQL_PARAMS_MAX];
    int param_count;
    char text[SQ_SQL_TEXT_MAX]; /* built strings (LIKE patterns) */
    size_t text_len;
    bool overflow; /* a bound was hit: the statement is unusable */
    /* PAGE: the column holding the case's tag set ("{}" for none) when the
     * statement joins case_tagsets for its filter, else -1 */
    int tagset_column;
} sq_sql_buf;

/* What a search key names (search_keys.kind). */
enum { SQ_KEY_FIELD = 0, SQ_KEY_TAG = 1, SQ_KEY_DOMAIN = 2 };
#define SQ_SEARCH_MAX_KEYS 128
typedef struct {
    int kind;
    const char *name;
    int64_t kkey;  /* -1: the domain has no such key (matches nothing) */
    int64_t count; /* case_values rows under the key */
} sq_search_key;

typedef enum {
    SQ_DRIVE_DOMAIN, /* every case of the domain, in seq order */
    SQ_DRIVE_LEAF,   /* the rows of one indexable top-level condition */
    SQ_DRIVE_TERM,   /* the full-text matches */
    SQ_DRIVE_SORT,   /* the first sort field's values, in sort order */
    /* one tag condition's cases, in last-updated order (tag_recency) */
    SQ_DRIVE_TAG_RECENT,
} sq_drive;

/* PAGE: seq and sort values of a page; COUNT: count(*) of the matches;
 * PROBE: count(*) of the driver's rows, capped; SEQS: the case seqs of the
 * driver's rows (within the snapshot). */
typedef enum { SQ_SQL_PAGE, SQ_SQL_COUNT, SQ_SQL_PROBE, SQ_SQL_SEQS } sq_sql_mode;
#define SQ_SEARCH_PROBE_CAP 4096

/* How to run a query: resolved keys and the chosen driver. */
typedef struct {
    sq_search_key keys[SQ_SEARCH_MAX_KEYS];
    int key_count;
    const char *match;       /* FTS5 query of search_term, or NULL */
    bool match_broad;        /* test the term per row, not as a set */
    sq_drive drive;
    const search_node *leaf; /* SQ_DRIVE_LEAF, SQ_DRIVE_TAG_RECENT */
    bool nulls_only;         /* only cases lacking the first sort field */
    const json_t *after;     /* keyset position, or NULL */
    int limit;
    /* The tag sets (case_tagsets.tagset, "{}" for none) that every
     * conjunct over several tags (AND, OR, NOT) accepts, when the domain
     * has few enough sets: those conjuncts are then one lookup per case
     * instead of one per tag.  NULL: tested tag by tag. */
    const char *const *tagsets;
    int tagset_count;
} sq_search_plan;

/* Writes the statement for q run as plan in mode into out; 0, or -1 when
 * a bound was hit or plan->after does not fit q's sorts. */
int sq_search_sql(const store_search_query *q, const sq_search_plan *plan,
                  sq_sql_mode mode, sq_sql_buf *out);

/* sqlite_index.c */
/* Files the new case seq, holding fields, in the search index: its value
 * rows, the counts of its keys and options, and its full text (queued).
 * plain: ids of fields known to have no options, or NULL (see
 * store_case.plain_fields). */
int sq_index_case_insert(sqlite_conn *c, const store_scope *scope,
                         const char *domain_id, int64_t seq,
                         const json_t *fields, const json_t *plain);
/* Adds the cases noted under each key in the transaction to
 * search_keys.n; part of sq_flush_before_commit. */
int sq_index_flush(sqlite_conn *c);
/* A request of a batch begins (after its SAVEPOINT) or was rolled back
 * (after its ROLLBACK TO): its notes go, and so does the key cache, as a
 * key it holds may be gone. */
void sq_index_request_begin(sqlite_conn *c);
void sq_index_request_rollback(sqlite_conn *c);
/* Makes every rollback of a transaction on c drop its notes and keys. */
void sq_index_attach(sqlite_conn *c);
/* Frees c's key cache (when c closes). */
void sq_index_free(sqlite_conn *c);

/* sqlite_related.c */
int sq_related_insert(store_conn *, const store_scope *, store_related_item *);
int sq_related_get(store_conn *, const store_scope *, const char *,
                   const char *, const char *, arena *, store_related_item *);
int sq_related_update(store_conn *, const store_scope *,
                      const store_related_item *);
int sq_related_delete(store_conn *, const store_scope *, const char *,
                      const char *, const char *);
int sq_related_count(store_conn *, const store_scope *, const char *,
                     const char *, const char *, int64_t *);
int sq_related_list(store_conn *, const store_scope *, const char *,
                    const char *, int64_t, int, store_related_cb, void *);
int sq_related_search(store_conn *, const store_scope *,
                      const store_related_query *, store_related_cb, void *);
int sq_contact_cases(store_conn *, const store_scope *, const char *,
                     const char *, int64_t, int, store_contact_case_cb,
                     void *);

#endif
