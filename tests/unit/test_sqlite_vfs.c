/* test_sqlite_vfs.c - the store's VFS (sqlite_vfs.c): a transaction's log
 * goes to the file in a few writes, and all of it is in the file when
 * COMMIT returns. */
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/sqlite/sqlite_internal.h"
#include "test.h"

/* Writes made by SQLite's unix VFS, counted through its table of system
 * calls, which every unix VFS shares.  Which of pwrite and pwrite64 it
 * calls depends on how SQLite was built, so both are counted. */
static sqlite3_syscall_ptr real_pwrite, real_pwrite64;
static int pwrites;

static ssize_t counting_pwrite(int fd, const void *buf, size_t n, off_t off)
{
    pwrites++;
    return ((ssize_t(*)(int, const void *, size_t, off_t))real_pwrite)(
        fd, buf, n, off);
}

static ssize_t counting_pwrite64(int fd, const void *buf, size_t n,
                                 off64_t off)
{
    pwrites++;
    return ((ssize_t(*)(int, const void *, size_t, off64_t))real_pwrite64)(
        fd, buf, n, off);
}

static sqlite3_vfs *base_vfs(void)
{
    return sqlite3_vfs_find("unix-excl");
}

static void count_pwrites(bool on)
{
    sqlite3_vfs *v = base_vfs();

    if (on) {
        real_pwrite = v->xGetSystemCall(v, "pwrite");
        real_pwrite64 = v->xGetSystemCall(v, "pwrite64");
        v->xSetSystemCall(v, "pwrite", (sqlite3_syscall_ptr)counting_pwrite);
        v->xSetSystemCall(v, "pwrite64",
                          (sqlite3_syscall_ptr)counting_pwrite64);
    } else {
        v->xSetSystemCall(v, "pwrite", real_pwrite);
        v->xSetSystemCall(v, "pwrite64", real_pwrite64);
    }
    pwrites = 0;
}

typedef struct {
    char dir[64];
    char path[96];
} vfs_dir;

static bool make_dir(vfs_dir *d)
{
    snprintf(d->dir, sizeof d->dir, "/tmp/casesd-vfs-XXXXXX");
    if (!mkdtemp(d->dir))
        return false;
    snprintf(d->path, sizeof d->path, "%s/s.db", d->dir);
    return true;
}

static void remove_dir(const vfs_dir *d)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", d->dir);
}

static sqlite3 *open_store_file(const char *path, const char *vfs)
{
    sqlite3 *db = NULL;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        vfs) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA journal_mode = WAL; "
                         "PRAGMA synchronous = NORMAL; "
                         "PRAGMA wal_autocheckpoint = 0",
                     NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

/* Inserts rows of size bytes each, in one transaction. */
static bool insert_rows(sqlite3 *db, int rows, int size)
{
    sqlite3_stmt *s = NULL;
    bool ok = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK &&
              sqlite3_prepare_v2(db, "INSERT INTO t (v) VALUES (randomblob(?))",
                                 -1, &s, NULL) == SQLITE_OK;

    for (int i = 0; ok && i < rows; i++) {
        sqlite3_bind_int(s, 1, size);
        ok = sqlite3_step(s) == SQLITE_DONE;
        sqlite3_reset(s);
    }
    sqlite3_finalize(s);
    return ok && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
}

static long long count_rows(sqlite3 *db)
{
    sqlite3_stmt *s = NULL;
    long long n = -1;

    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &s, NULL) ==
            SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

static bool copy_file(const char *from, const char *to)
{
    char buf[65536];
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ssize_t n = 0;
    bool ok = in >= 0 && out >= 0;

    while (ok && (n = read(in, buf, sizeof buf)) > 0)
        ok = write(out, buf, (size_t)n) == n;
    ok = ok && n == 0;
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    return ok;
}

/* What another process would find on disk now: the store file and its
 * log, copied with plain reads while the connection is still open, then
 * opened with SQLite's own VFS (which recovers the log from the file). */
static long long rows_on_disk(const vfs_dir *d)
{
    char db[128], wal[128], from_wal[128];
    sqlite3 *copy;
    long long n;

    snprintf(db, sizeof db, "%s/copy.db", d->dir);
    snprintf(wal, sizeof wal, "%s/copy.db-wal", d->dir);
    snprintf(from_wal, sizeof from_wal, "%s-wal", d->path);
    if (!copy_file(d->path, db) || !copy_file(from_wal, wal))
        return -1;
    copy = open_store_file(db, "unix");
    n = copy ? count_rows(copy) : -1;
    sqlite3_close(copy);
    return n;
}

/* A new store file in a new directory, with table t, on our VFS. */
static sqlite3 *new_store_file(vfs_dir *d)
{
    sqlite3 *db;

    if (!make_dir(d))
        return NULL;
    db = open_store_file(d->path, sq_vfs());
    if (db && sqlite3_exec(db, "CREATE TABLE t (v BLOB)", NULL, NULL, NULL) !=
                  SQLITE_OK) {
        sqlite3_close(db);
        db = NULL;
    }
    return db;
}

TEST(vfs_writes_a_transactions_log_in_a_few_calls)
{
    vfs_dir d;
    sqlite3 *db;
    int calls;

    db = new_store_file(&d);
    CHECK(db);
    count_pwrites(true);
    /* 100 rows of 3,000 bytes: about 75 pages, 150 writes unbuffered */
    bool ok = insert_rows(db, 100, 3000);
    calls = pwrites;
    count_pwrites(false);
    CHECK(ok);
    CHECK(calls >= 1);
    CHECK(calls <= 4);
    CHECK_INT(count_rows(db), 100);
    sqlite3_close(db);
    remove_dir(&d);
}

TEST(vfs_commit_leaves_the_whole_log_in_the_file)
{
    vfs_dir d;
    sqlite3 *db, *reader;

    db = new_store_file(&d);
    CHECK(db);
    CHECK(insert_rows(db, 10, 100));
    CHECK_INT(rows_on_disk(&d), 10);
    /* 3 MiB in one transaction: more than the buffer holds, flushed in
     * several pieces, and still all in the file at COMMIT */
    CHECK(insert_rows(db, 1000, 3000));
    CHECK_INT(rows_on_disk(&d), 1010);
    /* another connection of the process sees it through the WAL index */
    reader = open_store_file(d.path, sq_vfs());
    CHECK(reader);
    CHECK_INT(count_rows(reader), 1010);
    CHECK(insert_rows(db, 1, 10));
    CHECK_INT(count_rows(reader), 1011);
    sqlite3_close(reader);
    sqlite3_close(db);
    remove_dir(&d);
}

TEST(vfs_log_survives_a_restart_and_reopen)
{
    vfs_dir d;
    sqlite3 *db;

    db = new_store_file(&d);
    CHECK(db);
    CHECK(insert_rows(db, 200, 500));
    /* a RESTART checkpoint starts the log over: the next transaction
     * writes the log's header and frames from offset 0 again */
    CHECK(sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_RESTART, NULL,
                                    NULL) == SQLITE_OK);
    CHECK(insert_rows(db, 5, 500));
    CHECK_INT(rows_on_disk(&d), 205);
    sqlite3_close(db);
    db = open_store_file(d.path, sq_vfs());
    CHECK(db);
    CHECK_INT(count_rows(db), 205);
    sqlite3_close(db);
    remove_dir(&d);
}

/* A transaction larger than the page cache writes pages to the log before
 * it commits and reads them back from it: they must come back from the
 * file as written, though the buffer still held them. */
TEST(vfs_reads_back_pages_spilled_before_commit)
{
    vfs_dir d;
    sqlite3 *db;
    sqlite3_stmt *s = NULL;
    long long rows = -1, bytes = -1;

    db = new_store_file(&d);
    CHECK(db);
    CHECK(sqlite3_exec(db, "PRAGMA cache_size = 10; BEGIN", NULL, NULL,
                       NULL) == SQLITE_OK);
    for (int i = 0; i < 300; i++)
        CHECK(sqlite3_exec(db, "INSERT INTO t (v) VALUES (zeroblob(3000))",
                           NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_prepare_v2(db, "SELECT count(*), sum(length(v)) FROM t",
                             -1, &s, NULL) == SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW) {
        rows = sqlite3_column_int64(s, 0);
        bytes = sqlite3_column_int64(s, 1);
    }
    sqlite3_finalize(s);
    CHECK_INT(rows, 300);
    CHECK_INT(bytes, 300 * 3000);
    CHECK(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
    CHECK_INT(rows_on_disk(&d), 300);
    sqlite3_close(db);
    remove_dir(&d);
}

/* --- writeback of the database file ------------------------------------------------ */

static int writebacks;
static ino_t writeback_inode;

static int counting_writeback(int fd, off64_t off, off64_t len,
                              unsigned int flags)
{
    struct stat st;

    (void)off;
    (void)len;
    if (flags == SYNC_FILE_RANGE_WRITE && fstat(fd, &st) == 0 &&
        st.st_ino == writeback_inode)
        writebacks++;
    return 0;
}

/* Checkpoints the log into the database file, counting the writebacks
 * started on it meanwhile; -1 when the checkpoint failed. */
static int checkpoint_counting(sqlite3 *db, const char *path)
{
    sqlite3_vfs *ours = sqlite3_vfs_find(sq_vfs());
    struct stat st;
    int rc;

    if (stat(path, &st) != 0)
        return -1;
    writeback_inode = st.st_ino;
    writebacks = 0;
    ours->xSetSystemCall(ours, "sync_file_range",
                         (sqlite3_syscall_ptr)counting_writeback);
    rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL,
                                   NULL);
    ours->xSetSystemCall(ours, "sync_file_range", NULL);
    return rc == SQLITE_OK ? writebacks : -1;
}

/* A checkpoint that copies 4 MiB into the database file starts its
 * writeback every 512 KiB; one that copies a few pages starts none. */
TEST(vfs_starts_the_database_files_writeback_in_pieces)
{
    vfs_dir d;
    sqlite3 *db = new_store_file(&d);
    sqlite3_vfs *ours = sqlite3_vfs_find(sq_vfs());
    int big, small;

    CHECK(db);
    CHECK(ours != NULL);
    CHECK(insert_rows(db, 1024, 4000)); /* about 1,024 pages */
    big = checkpoint_counting(db, d.path);
    CHECK(insert_rows(db, 10, 100));
    small = checkpoint_counting(db, d.path);
    CHECK(big >= 6);
    CHECK(big <= 9);
    CHECK_INT(small, 0);
    /* put back: the real call again */
    CHECK(ours->xGetSystemCall(ours, "sync_file_range") ==
          (sqlite3_syscall_ptr)sync_file_range);
    CHECK_INT(count_rows(db), 1034);
    sqlite3_close(db);
    remove_dir(&d);
}
