/* store_fixture.c - see store_fixture.h. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "store_fixture.h"

bool store_fixture_open(fixture *f, int pool_size)
{
    char err[256] = "";
    int fd;

    snprintf(f->path, sizeof f->path, "/tmp/casesd-unit-XXXXXX");
    if ((fd = mkstemp(f->path)) < 0)
        return false;
    close(fd);
    if (!(f->st = store_open(f->path, pool_size, err, sizeof err))) {
        fprintf(stderr, "store_open: %s\n", err);
        return false;
    }
    f->conn = store_acquire(f->st);
    return true;
}

bool store_fixture_reopen(fixture *f)
{
    char err[256] = "";

    if (!(f->st = store_open(f->path, 1, err, sizeof err))) {
        fprintf(stderr, "store_open: %s\n", err);
        return false;
    }
    f->conn = store_acquire(f->st);
    return true;
}

sqlite3 *store_fixture_reopen_raw(fixture *f)
{
    sqlite3 *db = NULL;
    char attach[128];

    store_release(f->st, f->conn);
    store_close(f->st);
    f->st = NULL;
    /* with the full-text index (sqlite_fts.c) as "fts", as the store's
     * own connections have it */
    snprintf(attach, sizeof attach, "ATTACH '%s-fts' AS fts", f->path);
    if (sqlite3_open(f->path, &db) == SQLITE_OK &&
        sqlite3_exec(db, attach, NULL, NULL, NULL) == SQLITE_OK)
        return db;
    fprintf(stderr, "sqlite3_open %s: %s\n", f->path,
            db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return NULL;
}

void store_fixture_close(fixture *f)
{
    static const char *const sides[] = {"", "-wal", "-shm", "-lock", "-fts",
                                        "-fts-wal", "-fts-shm"};
    char path[80];

    if (f->st) {
        store_release(f->st, f->conn);
        store_close(f->st);
        f->st = NULL;
    }
    for (size_t i = 0; i < sizeof sides / sizeof sides[0]; i++) {
        snprintf(path, sizeof path, "%s%s", f->path, sides[i]);
        unlink(path);
    }
}

long long store_fixture_count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;
    long long n = -1;

    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}
