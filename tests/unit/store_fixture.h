/* store_fixture.h - a SQLite store in a temporary file, for unit tests that
 * need a real store. */
#ifndef CASESD_STORE_FIXTURE_H
#define CASESD_STORE_FIXTURE_H

#include <sqlite3.h>
#include <stdbool.h>

#include "store/store.h"

typedef struct {
    store *st;
    store_conn *conn; /* one connection of the pool, held */
    char path[64];
} fixture;

/* Opens a new store with pool_size connections; false (logged) on failure. */
bool store_fixture_open(fixture *f, int pool_size);
/* Closes the store and opens its file with a plain connection of the
 * test's own, to read its tables; NULL (logged) on failure. */
sqlite3 *store_fixture_reopen_raw(fixture *f);
/* Closes the store unless a test did (f->st NULL) and removes its files. */
void store_fixture_close(fixture *f);
/* Opens the store at f->path again (closed by the test, or by
 * store_fixture_reopen_raw), with one connection; false (logged) on
 * failure. */
bool store_fixture_reopen(fixture *f);

/* The integer the first row of sql gives on db (a count), or -1. */
long long store_fixture_count(sqlite3 *db, const char *sql);

#endif
