/* executor.c - the blocking-work thread pool (see executor.h). */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "http/executor.h"

typedef struct {
    executor_fn fn;
    void *arg;
} job;

struct executor {
    pthread_mutex_t lock;
    pthread_cond_t ready;   /* a job was queued, or stopping */
    job *ring;              /* circular queue of max_queued jobs */
    size_t max_queued;
    size_t head;            /* next job to run */
    size_t count;
    bool stopping;
    char name[16]; /* of each thread (at most 15 characters on Linux) */
    int thread_count;
    pthread_t *threads;
};

static void *worker(void *arg)
{
    executor *ex = arg;

    pthread_setname_np(pthread_self(), ex->name);
    pthread_mutex_lock(&ex->lock);
    for (;;) {
        while (ex->count == 0 && !ex->stopping)
            pthread_cond_wait(&ex->ready, &ex->lock);
        if (ex->count == 0)
            break;
        job next = ex->ring[ex->head];
        ex->head = (ex->head + 1) % ex->max_queued;
        ex->count--;
        pthread_mutex_unlock(&ex->lock);
        next.fn(next.arg);
        pthread_mutex_lock(&ex->lock);
    }
    pthread_mutex_unlock(&ex->lock);
    return NULL;
}

executor *executor_start(const char *name, int threads, size_t max_queued)
{
    executor *ex = calloc(1, sizeof *ex);

    if (!ex || threads < 1 || max_queued < 1)
        goto fail;
    ex->ring = calloc(max_queued, sizeof *ex->ring);
    ex->threads = calloc((size_t)threads, sizeof *ex->threads);
    if (!ex->ring || !ex->threads)
        goto fail;
    ex->max_queued = max_queued;
    snprintf(ex->name, sizeof ex->name, "%s", name);
    pthread_mutex_init(&ex->lock, NULL);
    pthread_cond_init(&ex->ready, NULL);
    for (; ex->thread_count < threads; ex->thread_count++)
        if (pthread_create(&ex->threads[ex->thread_count], NULL, worker, ex))
            break;
    if (ex->thread_count == 0)
        goto fail_started;
    return ex;
fail_started:
    pthread_mutex_destroy(&ex->lock);
    pthread_cond_destroy(&ex->ready);
fail:
    if (ex) {
        free(ex->ring);
        free(ex->threads);
        free(ex);
    }
    return NULL;
}

int executor_submit(executor *ex, executor_fn fn, void *arg)
{
    int rc = -1;

    pthread_mutex_lock(&ex->lock);
    if (!ex->stopping && ex->count < ex->max_queued) {
        ex->ring[(ex->head + ex->count) % ex->max_queued] = (job){fn, arg};
        ex->count++;
        pthread_cond_signal(&ex->ready);
        rc = 0;
    }
    pthread_mutex_unlock(&ex->lock);
    return rc;
}

void executor_stop(executor *ex)
{
    if (!ex)
        return;
    pthread_mutex_lock(&ex->lock);
    ex->stopping = true;
    pthread_cond_broadcast(&ex->ready);
    pthread_mutex_unlock(&ex->lock);
    for (int i = 0; i < ex->thread_count; i++)
        pthread_join(ex->threads[i], NULL);
    pthread_mutex_destroy(&ex->lock);
    pthread_cond_destroy(&ex->ready);
    free(ex->ring);
    free(ex->threads);
    free(ex);
}
