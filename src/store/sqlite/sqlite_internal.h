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
#define SQ_SLOT_COUNT 256

typedef struct {
    store_conn base;
    sqlite3 *db;
    sqlite3_stmt *stmts[SQ_SLOT_COUNT];
} sqlite_conn;

static inline sqlite_conn *as_sqlite(store_conn *conn)
{
    return (sqlite_conn *)conn;
}

/* The statement in slot, prepared from sql on first use (the same sql every
 * time for a slot); NULL on failure (logged). */
sqlite3_stmt *sq_stmt(sqlite_conn *c, int slot, const char *sql);
/* Resets s and clears its bindings, ready for the next use. */
void sq_done(sqlite3_stmt *s);
/* Steps a statement that returns no rows and resets it. */
int sq_run(sqlite_conn *c, sqlite3_stmt *s, const char *what);
/* Maps a SQLite result code to a store_status. */
int sq_status_of(int rc);
/* sq_status_of(rc), logging unexpected failures with what. */
int sq_log_error(sqlite_conn *c, const char *what, int rc);
/* Binds v (NULL binds SQL NULL); the string must outlive the step. */
void sq_bind_text(sqlite3_stmt *s, int i, const char *v);
/* Binds scope->account to ?1 and scope->region to ?2. */
void sq_bind_scope(sqlite3_stmt *s, const store_scope *scope);
/* Arena copy of a text column, NULL for SQL NULL. */
char *sq_column_dup(arena *a, sqlite3_stmt *s, int col);

/* sqlite_cases.c */
int sq_cases_purge_domain(sqlite_conn *c, const store_scope *scope,
                          const char *domain_id);
int sq_case_insert(store_conn *, const store_scope *, store_case *);
int sq_case_get(store_conn *, const store_scope *, const char *, const char *,
                arena *, store_case *);
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

#endif
