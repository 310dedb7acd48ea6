/*
 * executor.h - a fixed pool of threads for work that may block.
 *
 * The HTTP event threads must never wait: a write transaction waits for the
 * writer lock and for its commit to reach the disk.  Such requests are
 * suspended on their connection and run here; the event threads go on
 * serving other connections meanwhile.  Many writers waiting at once is
 * also what lets one fsync cover many commits (store/sqlite/sqlite_commit.c).
 * Searches, which wait for nothing but may read many rows, get a pool of
 * their own (http/server.c), so they hold neither an event thread nor a
 * writer's thread.
 */
#ifndef CASESD_EXECUTOR_H
#define CASESD_EXECUTOR_H

#include <stddef.h>

typedef struct executor executor;
typedef void (*executor_fn)(void *arg);

/* Starts threads workers named name (cut to 15 characters) with room for
 * max_queued waiting jobs; NULL on failure. */
executor *executor_start(const char *name, int threads, size_t max_queued);
/* Queues fn(arg).  Returns 0, or -1 when the queue is full (the caller
 * answers "too many requests") or the executor is stopping. */
int executor_submit(executor *ex, executor_fn fn, void *arg);
/* Runs every queued job, then joins the threads and frees ex. */
void executor_stop(executor *ex);

#endif
