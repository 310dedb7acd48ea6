/*
 * sqlite_vfs.c - the VFS every connection of a store opens it with:
 * SQLite's "unix-excl" (see sq_vfs in sqlite_internal.h), with the writes
 * of a transaction's log gathered into a few system calls.
 *
 * SQLite appends a transaction to the log with two writes per page, the
 * frame's header and then the page, each a pwrite() of its own.  Under
 * CreateCase load that was some 60,000 system calls a second on the
 * writer thread, about a third of its time: the batch writer is the
 * store's serial part, and a system call is dear on a virtual machine.
 *
 * So a write to a log file that continues where the previous one ended is
 * kept in a buffer, and the buffer goes to the file (in pieces of
 * WRITE_PIECE_BYTES) when the transaction's commit frame is complete,
 * before any other operation on the file, and when it is full or a write
 * goes elsewhere.  Nothing is
 * lost to other connections meanwhile: they learn of new frames only from
 * the WAL index, which SQLite updates after the commit frame is written, so
 * every frame another connection can read is in the file by then.  The
 * syncer's fdatasync (sqlite_commit.c) starts after the COMMIT returned,
 * so it covers the whole transaction too.  A failed flush fails the write
 * that triggered it, so a COMMIT whose log could not be written fails.
 *
 * Frames of a transaction that spilled pages before committing, or that
 * rolled back, are flushed like any others: SQLite never publishes them,
 * and later writes overwrite them.
 *
 * The database file itself is written only by checkpoints, megabytes at a
 * time, and the kernel kept those pages until the checkpointer's fsync
 * (prepare_restart in sqlite_commit.c) sent them all at once.  The
 * syncer's fdatasync of the log, queued behind them on the device, then
 * took 6-13 ms instead of 2: in an instrumented run, 85% of the log syncs
 * that took over 6 ms overlapped that fsync.  So every WRITEBACK_BYTES
 * written to a database file, the VFS starts their writeback
 * (sync_file_range, which issues no cache flush and does not wait for
 * the writes): the pages reach the device in small pieces while the
 * checkpoint runs, between the log's syncs.  An fsync every
 * WRITEBACK_BYTES instead made the log's syncs slower still: each one
 * flushes the device's cache.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/sqlite/sqlite_internal.h"

#define BASE_VFS "unix-excl"
#define OUR_VFS "casesd"
/* Room for a batch of ~250 pages; a larger transaction is written in
 * buffer-sized pieces. */
#define LOG_BUFFER_BYTES (1024 * 1024)
/* The unix VFS writes at most 128 KiB - 1 bytes in one call (it masks the
 * length); a flush goes in pieces of this size. */
#define WRITE_PIECE_BYTES (31 * 4096)
/* Size of a log frame's header; its bytes 4-7 are nonzero only in the
 * header of a transaction's commit frame. */
#define FRAME_HEADER_BYTES 24
/* Bytes written to a database file between two starts of its writeback. */
#define WRITEBACK_BYTES (512 * 1024)
/* The system call that starts a writeback: like the unix VFS's own calls,
 * it can be replaced through xSetSystemCall (the tests count it). */
#define WRITEBACK_CALL "sync_file_range"

typedef struct {
    sqlite3_file base;
    sqlite3_file *real; /* the base VFS's file, allocated right after */
    /* log files only: writes not yet in the file, buf[0] at offset off */
    unsigned char *buf;
    size_t len;
    sqlite3_int64 off;
    /* the last write was a commit frame's header: flush after its page */
    int commit_next;
    /* database files only: the name, a descriptor of the file of our own
     * (opened on the first write; -1 before, or when that failed), and the
     * bytes written since its writeback was last started */
    const char *db_name;
    int writeback_fd;
    bool writeback_opened;
    size_t unstarted;
} vfs_file;

static sqlite3_syscall_ptr writeback_call = (sqlite3_syscall_ptr)sync_file_range;

static sqlite3_vfs our_vfs;
static sqlite3_io_methods db_methods, log_methods;
static pthread_once_t registered = PTHREAD_ONCE_INIT;
static const char *vfs_name = BASE_VFS;

static sqlite3_file *real_of(sqlite3_file *f)
{
    return ((vfs_file *)f)->real;
}

/* --- the log ----------------------------------------------------------------------- */

static int log_flush(vfs_file *f)
{
    int rc = SQLITE_OK;

    for (size_t done = 0; rc == SQLITE_OK && done < f->len;) {
        size_t n = f->len - done < WRITE_PIECE_BYTES ? f->len - done
                                                     : WRITE_PIECE_BYTES;
        rc = f->real->pMethods->xWrite(f->real, f->buf + done, (int)n,
                                       f->off + (sqlite3_int64)done);
        done += n;
    }
    f->len = 0;
    return rc;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static int log_write(sqlite3_file *pf, const void *data, int amt,
                     sqlite3_int64 off)
{
    vfs_file *f = (vfs_file *)pf;
    int rc = SQLITE_OK;

    if (f->len > 0 &&
        (off != f->off + (sqlite3_int64)f->len ||
         f->len + (size_t)amt > LOG_BUFFER_BYTES))
        rc = log_flush(f);
    if (rc != SQLITE_OK)
        return rc;
    if (!f->buf)
        f->buf = malloc(LOG_BUFFER_BYTES);
    if (!f->buf || (size_t)amt > LOG_BUFFER_BYTES)
        return f->real->pMethods->xWrite(f->real, data, amt, off);
    if (f->len == 0)
        f->off = off;
    memcpy(f->buf + f->len, data, (size_t)amt);
    f->len += (size_t)amt;
    if (f->commit_next) {
        f->commit_next = 0;
        return log_flush(f);
    }
    f->commit_next =
        amt == FRAME_HEADER_BYTES && be32((const unsigned char *)data + 4) != 0;
    return SQLITE_OK;
}

static int log_close(sqlite3_file *pf)
{
    vfs_file *f = (vfs_file *)pf;
    int flushed = log_flush(f);
    int rc = f->real->pMethods->xClose(f->real);

    free(f->buf);
    f->buf = NULL;
    return flushed != SQLITE_OK ? flushed : rc;
}

static int log_read(sqlite3_file *pf, void *data, int amt, sqlite3_int64 off)
{
    int rc = log_flush((vfs_file *)pf);
    return rc != SQLITE_OK ? rc
                           : real_of(pf)->pMethods->xRead(real_of(pf), data,
                                                          amt, off);
}

static int log_truncate(sqlite3_file *pf, sqlite3_int64 size)
{
    int rc = log_flush((vfs_file *)pf);
    return rc != SQLITE_OK
               ? rc
               : real_of(pf)->pMethods->xTruncate(real_of(pf), size);
}

static int log_sync(sqlite3_file *pf, int flags)
{
    int rc = log_flush((vfs_file *)pf);
    return rc != SQLITE_OK ? rc
                           : real_of(pf)->pMethods->xSync(real_of(pf), flags);
}

static int log_file_size(sqlite3_file *pf, sqlite3_int64 *size)
{
    int rc = log_flush((vfs_file *)pf);
    return rc != SQLITE_OK
               ? rc
               : real_of(pf)->pMethods->xFileSize(real_of(pf), size);
}

static int log_file_control(sqlite3_file *pf, int op, void *arg)
{
    int rc = log_flush((vfs_file *)pf);
    return rc != SQLITE_OK
               ? rc
               : real_of(pf)->pMethods->xFileControl(real_of(pf), op, arg);
}

/* --- everything else passes through ------------------------------------------------ */

static int pass_read(sqlite3_file *pf, void *data, int amt, sqlite3_int64 off)
{
    return real_of(pf)->pMethods->xRead(real_of(pf), data, amt, off);
}

/* --- database files: writeback in pieces --------------------------------------- */

/* Starts writing the file's dirty pages to the device.  Only a hint: a
 * failure changes nothing the fsyncs do not cover. */
static void start_writeback(vfs_file *f)
{
    typedef int (*writeback_fn)(int, off64_t, off64_t, unsigned int);

    if (!f->writeback_opened) {
        f->writeback_opened = true;
        f->writeback_fd = open(f->db_name, O_RDONLY | O_CLOEXEC);
    }
    if (f->writeback_fd >= 0)
        ((writeback_fn)writeback_call)(f->writeback_fd, 0, 0,
                                       SYNC_FILE_RANGE_WRITE);
}

static int db_write(sqlite3_file *pf, const void *data, int amt,
                    sqlite3_int64 off)
{
    vfs_file *f = (vfs_file *)pf;
    int rc = f->real->pMethods->xWrite(f->real, data, amt, off);

    if (rc != SQLITE_OK || !f->db_name)
        return rc;
    f->unstarted += (size_t)amt;
    if (f->unstarted >= WRITEBACK_BYTES) {
        f->unstarted = 0;
        start_writeback(f);
    }
    return rc;
}

static int db_close(sqlite3_file *pf)
{
    vfs_file *f = (vfs_file *)pf;

    if (f->writeback_fd >= 0)
        close(f->writeback_fd);
    f->writeback_fd = -1;
    return f->real->pMethods->xClose(f->real);
}

static int pass_truncate(sqlite3_file *pf, sqlite3_int64 size)
{
    return real_of(pf)->pMethods->xTruncate(real_of(pf), size);
}

static int pass_sync(sqlite3_file *pf, int flags)
{
    return real_of(pf)->pMethods->xSync(real_of(pf), flags);
}

static int pass_file_size(sqlite3_file *pf, sqlite3_int64 *size)
{
    return real_of(pf)->pMethods->xFileSize(real_of(pf), size);
}

static int pass_lock(sqlite3_file *pf, int level)
{
    return real_of(pf)->pMethods->xLock(real_of(pf), level);
}

static int pass_unlock(sqlite3_file *pf, int level)
{
    return real_of(pf)->pMethods->xUnlock(real_of(pf), level);
}

static int pass_check_reserved(sqlite3_file *pf, int *out)
{
    return real_of(pf)->pMethods->xCheckReservedLock(real_of(pf), out);
}

static int pass_file_control(sqlite3_file *pf, int op, void *arg)
{
    return real_of(pf)->pMethods->xFileControl(real_of(pf), op, arg);
}

static int pass_sector_size(sqlite3_file *pf)
{
    return real_of(pf)->pMethods->xSectorSize(real_of(pf));
}

static int pass_device(sqlite3_file *pf)
{
    return real_of(pf)->pMethods->xDeviceCharacteristics(real_of(pf));
}

static int pass_shm_map(sqlite3_file *pf, int region, int size, int extend,
                        void volatile **out)
{
    return real_of(pf)->pMethods->xShmMap(real_of(pf), region, size, extend,
                                          out);
}

static int pass_shm_lock(sqlite3_file *pf, int offset, int n, int flags)
{
    return real_of(pf)->pMethods->xShmLock(real_of(pf), offset, n, flags);
}

static void pass_shm_barrier(sqlite3_file *pf)
{
    real_of(pf)->pMethods->xShmBarrier(real_of(pf));
}

static int pass_shm_unmap(sqlite3_file *pf, int delete_flag)
{
    return real_of(pf)->pMethods->xShmUnmap(real_of(pf), delete_flag);
}

static int pass_fetch(sqlite3_file *pf, sqlite3_int64 off, int amt, void **out)
{
    return real_of(pf)->pMethods->xFetch(real_of(pf), off, amt, out);
}

static int pass_unfetch(sqlite3_file *pf, sqlite3_int64 off, void *p)
{
    return real_of(pf)->pMethods->xUnfetch(real_of(pf), off, p);
}

/* --- opening ----------------------------------------------------------------------- */

static int vfs_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *pf,
                    int flags, int *out_flags)
{
    sqlite3_vfs *base = vfs->pAppData;
    vfs_file *f = (vfs_file *)pf;
    int rc;

    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)(f + 1);
    rc = base->xOpen(base, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK || !f->real->pMethods)
        return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
    /* Our tables forward shared memory and mmap calls (version 3), which
     * every unix file of SQLite has; refuse a file that lacks them rather
     * than call through a missing method. */
    if (f->real->pMethods->iVersion < 3) {
        f->real->pMethods->xClose(f->real);
        fprintf(stderr, "sqlite: %s files lack shared memory\n", BASE_VFS);
        return SQLITE_CANTOPEN;
    }
    f->base.pMethods = (flags & SQLITE_OPEN_WAL) ? &log_methods : &db_methods;
    f->writeback_fd = -1;
    if ((flags & SQLITE_OPEN_MAIN_DB) && name)
        f->db_name = name; /* valid until the file is closed */
    return SQLITE_OK;
}

static void fill_methods(sqlite3_io_methods *m, int version, bool log)
{
    *m = (sqlite3_io_methods){
        .iVersion = version,
        .xClose = log ? log_close : db_close,
        .xRead = log ? log_read : pass_read,
        .xWrite = log ? log_write : db_write,
        .xTruncate = log ? log_truncate : pass_truncate,
        .xSync = log ? log_sync : pass_sync,
        .xFileSize = log ? log_file_size : pass_file_size,
        .xLock = pass_lock,
        .xUnlock = pass_unlock,
        .xCheckReservedLock = pass_check_reserved,
        .xFileControl = log ? log_file_control : pass_file_control,
        .xSectorSize = pass_sector_size,
        .xDeviceCharacteristics = pass_device,
        .xShmMap = pass_shm_map,
        .xShmLock = pass_shm_lock,
        .xShmBarrier = pass_shm_barrier,
        .xShmUnmap = pass_shm_unmap,
        .xFetch = pass_fetch,
        .xUnfetch = pass_unfetch,
    };
}

/* The base VFS's own calls, given the base VFS: it may keep state in
 * its pAppData, which ours uses for the base itself. */
static int vfs_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    sqlite3_vfs *base = vfs->pAppData;
    return base->xDelete(base, name, sync_dir);
}

static int vfs_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    sqlite3_vfs *base = vfs->pAppData;
    return base->xAccess(base, name, flags, out);
}

static int vfs_full_pathname(sqlite3_vfs *vfs, const char *name, int n,
                             char *out)
{
    sqlite3_vfs *base = vfs->pAppData;
    return base->xFullPathname(base, name, n, out);
}

/* The unix VFS's replaceable system calls, and ours. */
static int vfs_set_system_call(sqlite3_vfs *vfs, const char *name,
                               sqlite3_syscall_ptr fn)
{
    sqlite3_vfs *base = vfs->pAppData;

    if (name && strcmp(name, WRITEBACK_CALL) == 0) {
        writeback_call = fn ? fn : (sqlite3_syscall_ptr)sync_file_range;
        return SQLITE_OK;
    }
    if (!name) /* every call back to its default */
        writeback_call = (sqlite3_syscall_ptr)sync_file_range;
    return base->xSetSystemCall(base, name, fn);
}

static sqlite3_syscall_ptr vfs_get_system_call(sqlite3_vfs *vfs,
                                               const char *name)
{
    sqlite3_vfs *base = vfs->pAppData;

    if (strcmp(name, WRITEBACK_CALL) == 0)
        return writeback_call;
    return base->xGetSystemCall(base, name);
}

static void register_vfs(void)
{
    sqlite3_vfs *base = sqlite3_vfs_find(BASE_VFS);

    if (!base) {
        fprintf(stderr, "sqlite: no %s VFS\n", BASE_VFS);
        return;
    }
    fill_methods(&db_methods, 3, false);
    fill_methods(&log_methods, 3, true);
    our_vfs = *base;
    our_vfs.zName = OUR_VFS;
    our_vfs.pNext = NULL;
    our_vfs.pAppData = base;
    our_vfs.szOsFile = (int)sizeof(vfs_file) + base->szOsFile;
    our_vfs.xOpen = vfs_open;
    our_vfs.xDelete = vfs_delete;
    our_vfs.xAccess = vfs_access;
    our_vfs.xFullPathname = vfs_full_pathname;
    our_vfs.xSetSystemCall = vfs_set_system_call;
    our_vfs.xGetSystemCall = vfs_get_system_call;
    if (sqlite3_vfs_register(&our_vfs, 0) != SQLITE_OK) {
        fprintf(stderr, "sqlite: cannot register the %s VFS\n", OUR_VFS);
        return;
    }
    vfs_name = OUR_VFS;
}

const char *sq_vfs(void)
{
    pthread_once(&registered, register_vfs);
    return vfs_name;
}
