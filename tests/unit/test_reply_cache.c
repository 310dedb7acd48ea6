/* test_reply_cache.c - the epoch-checked cache of configuration answers. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/reply_cache.h"
#include "test.h"

static char *get(reply_cache *rc, const char *key, size_t *len)
{
    return reply_cache_get(rc, key, strlen(key), len);
}

static void put(reply_cache *rc, const char *key, uint64_t epoch,
                const char *body)
{
    reply_cache_put(rc, key, strlen(key), epoch, body, strlen(body));
}

TEST(reply_cache_returns_a_copy_of_the_kept_body)
{
    reply_cache *rc = reply_cache_new(1 << 20);
    size_t len = 0;
    char *body;

    CHECK(rc);
    CHECK(!get(rc, "k", &len));
    put(rc, "k", reply_cache_epoch(rc), "{\"a\":1}");
    body = get(rc, "k", &len);
    CHECK_STR(body, "{\"a\":1}");
    CHECK_INT(len, 7);
    free(body);
    CHECK(!get(rc, "other", &len));
    CHECK(!get(rc, "k2", &len));
    reply_cache_free(rc);
}

TEST(reply_cache_invalidation_retires_every_entry)
{
    reply_cache *rc = reply_cache_new(1 << 20);
    size_t len;

    CHECK(rc);
    put(rc, "a", reply_cache_epoch(rc), "1");
    put(rc, "b", reply_cache_epoch(rc), "2");
    reply_cache_invalidate(rc);
    CHECK(!get(rc, "a", &len));
    CHECK(!get(rc, "b", &len));
    reply_cache_free(rc);
}

/* A reader took the epoch, a write committed and invalidated, then the
 * reader kept what it had read: that body must never be served. */
TEST(reply_cache_drops_a_body_read_before_a_write)
{
    reply_cache *rc = reply_cache_new(1 << 20);
    uint64_t before;
    size_t len;
    char *body;

    CHECK(rc);
    before = reply_cache_epoch(rc);
    reply_cache_invalidate(rc);
    put(rc, "k", before, "old");
    CHECK(!get(rc, "k", &len));
    put(rc, "k", reply_cache_epoch(rc), "new");
    body = get(rc, "k", &len);
    CHECK_STR(body, "new");
    free(body);
    reply_cache_free(rc);
}

TEST(reply_cache_keys_compare_whole_bytes)
{
    reply_cache *rc = reply_cache_new(1 << 20);
    const char k1[] = {'a', '\0', 'b'}, k2[] = {'a', '\0', 'c'};
    size_t len;
    char *body;

    CHECK(rc);
    reply_cache_put(rc, k1, sizeof k1, reply_cache_epoch(rc), "one", 3);
    CHECK(!reply_cache_get(rc, k2, sizeof k2, &len));
    CHECK(!reply_cache_get(rc, k1, 1, &len));
    body = reply_cache_get(rc, k1, sizeof k1, &len);
    CHECK_STR(body, "one");
    free(body);
    reply_cache_free(rc);
}

/* Stale bodies give their budget back: after an invalidation a full cache
 * accepts new bodies again. */
TEST(reply_cache_budget_is_reclaimed_from_stale_entries)
{
    char key[32], body[600];
    reply_cache *rc = reply_cache_new(64 * 1024);
    size_t len;
    char *got;
    int kept = 0;

    CHECK(rc);
    memset(body, 'x', sizeof body - 1);
    body[sizeof body - 1] = '\0';
    for (int i = 0; i < 500; i++) {
        snprintf(key, sizeof key, "key %d", i);
        put(rc, key, reply_cache_epoch(rc), body);
    }
    for (int i = 0; i < 500; i++) {
        snprintf(key, sizeof key, "key %d", i);
        got = get(rc, key, &len);
        kept += got != NULL;
        free(got);
    }
    CHECK(kept > 0 && kept < 500); /* the budget, not the slots, bound it */
    reply_cache_invalidate(rc);
    put(rc, "fresh", reply_cache_epoch(rc), body);
    got = get(rc, "fresh", &len);
    CHECK(got);
    free(got);
    reply_cache_free(rc);
}

TEST(reply_cache_refuses_a_body_larger_than_the_budget)
{
    reply_cache *rc = reply_cache_new(8);
    size_t len;

    CHECK(rc);
    put(rc, "k", reply_cache_epoch(rc), "0123456789");
    CHECK(!get(rc, "k", &len));
    reply_cache_free(rc);
}

typedef struct {
    reply_cache *rc;
    int thread;
    int wrong;
} worker;

/* Each key's body names the key, so any mix-up of slots shows. */
static void *hammer(void *arg)
{
    worker *w = arg;
    char key[32], want[48];
    size_t len;

    for (int i = 0; i < 20000; i++) {
        int k = (i * 7 + w->thread) % 300;
        char *got;

        snprintf(key, sizeof key, "key-%d", k);
        snprintf(want, sizeof want, "{\"key\":%d}", k);
        if (i % 97 == 0)
            reply_cache_invalidate(w->rc);
        got = get(w->rc, key, &len);
        if (got && (strcmp(got, want) != 0 || len != strlen(want)))
            w->wrong++;
        if (!got)
            put(w->rc, key, reply_cache_epoch(w->rc), want);
        free(got);
    }
    return NULL;
}

TEST(reply_cache_is_safe_under_concurrent_use)
{
    enum { THREADS = 4 };
    pthread_t tids[THREADS];
    worker workers[THREADS];
    reply_cache *rc = reply_cache_new(16 * 1024);

    CHECK(rc);
    for (int t = 0; t < THREADS; t++) {
        workers[t] = (worker){.rc = rc, .thread = t};
        CHECK(pthread_create(&tids[t], NULL, hammer, &workers[t]) == 0);
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join(tids[t], NULL);
    for (int t = 0; t < THREADS; t++)
        CHECK_INT(workers[t].wrong, 0);
    reply_cache_free(rc);
}
