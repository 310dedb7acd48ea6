/* reply_cache.c - epoch-checked cache of response bodies (see reply_cache.h).
 *
 * Direct-mapped: a key has one slot, and a new body for another key that
 * hashes there replaces the old one.  Reads of configuration are few and
 * hot, so collisions are rare and a miss costs only the normal read. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "http/reply_cache.h"

#define SLOT_COUNT 1024 /* power of two */
#define LOCK_COUNT 64   /* slot i is guarded by lock i % LOCK_COUNT */

typedef struct {
    uint64_t hash;
    uint64_t epoch;
    char *data; /* key_len bytes of key, then len bytes of body */
    size_t key_len;
    size_t len;
} slot;

struct reply_cache {
    _Atomic uint64_t epoch;
    atomic_size_t bytes; /* held by every slot's data */
    _Atomic uint64_t swept; /* epoch of the last sweep_stale */
    size_t max_bytes;
    pthread_mutex_t locks[LOCK_COUNT];
    slot slots[SLOT_COUNT];
};

reply_cache *reply_cache_new(size_t max_bytes)
{
    reply_cache *rc = calloc(1, sizeof *rc);

    if (!rc)
        return NULL;
    rc->max_bytes = max_bytes;
    atomic_init(&rc->epoch, 1);
    atomic_init(&rc->bytes, 0);
    for (int i = 0; i < LOCK_COUNT; i++)
        pthread_mutex_init(&rc->locks[i], NULL);
    return rc;
}

void reply_cache_free(reply_cache *rc)
{
    if (!rc)
        return;
    for (int i = 0; i < SLOT_COUNT; i++)
        free(rc->slots[i].data);
    for (int i = 0; i < LOCK_COUNT; i++)
        pthread_mutex_destroy(&rc->locks[i]);
    free(rc);
}

uint64_t reply_cache_epoch(const reply_cache *rc)
{
    return atomic_load(&((reply_cache *)rc)->epoch);
}

void reply_cache_invalidate(reply_cache *rc)
{
    atomic_fetch_add(&rc->epoch, 1);
}

/* FNV-1a: keys are short and trusted to be spread by their ids. */
static uint64_t hash_key(const char *key, size_t len)
{
    uint64_t h = 14695981039346656037ull;

    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ull;
    }
    return h;
}

static bool slot_holds(const slot *s, uint64_t hash, const char *key,
                       size_t key_len)
{
    return s->data && s->hash == hash && s->key_len == key_len &&
           memcmp(s->data, key, key_len) == 0;
}

char *reply_cache_get(reply_cache *rc, const char *key, size_t key_len,
                      size_t *len)
{
    uint64_t hash = hash_key(key, key_len);
    size_t i = hash & (SLOT_COUNT - 1);
    slot *s = &rc->slots[i];
    pthread_mutex_t *lock = &rc->locks[i % LOCK_COUNT];
    char *body = NULL;

    pthread_mutex_lock(lock);
    if (slot_holds(s, hash, key, key_len) &&
        s->epoch == atomic_load(&rc->epoch)) {
        body = malloc(s->len + 1);
        if (body) {
            memcpy(body, s->data + key_len, s->len);
            body[s->len] = '\0';
            *len = s->len;
        }
    }
    pthread_mutex_unlock(lock);
    return body;
}

static void slot_clear(reply_cache *rc, slot *s)
{
    if (!s->data)
        return;
    atomic_fetch_sub(&rc->bytes, s->key_len + s->len);
    free(s->data);
    s->data = NULL;
}

/* Frees the slots an invalidation retired, one lock at a time, so the
 * budget they hold goes to current bodies. */
static void sweep_stale(reply_cache *rc)
{
    uint64_t epoch = atomic_load(&rc->epoch);

    /* Once per epoch: a full cache of current bodies has nothing to free. */
    if (atomic_exchange(&rc->swept, epoch) == epoch)
        return;
    for (size_t i = 0; i < SLOT_COUNT; i++) {
        pthread_mutex_t *lock = &rc->locks[i % LOCK_COUNT];

        pthread_mutex_lock(lock);
        if (rc->slots[i].epoch != epoch)
            slot_clear(rc, &rc->slots[i]);
        pthread_mutex_unlock(lock);
    }
}

/* Puts body in its slot unless the budget is spent; false when it is. */
static bool slot_fill(reply_cache *rc, uint64_t hash, const char *key,
                      size_t key_len, uint64_t epoch, const char *body,
                      size_t len)
{
    size_t i = hash & (SLOT_COUNT - 1);
    slot *s = &rc->slots[i];
    pthread_mutex_t *lock = &rc->locks[i % LOCK_COUNT];
    size_t need = key_len + len;
    bool kept = false;

    pthread_mutex_lock(lock);
    slot_clear(rc, s);
    if (atomic_fetch_add(&rc->bytes, need) + need > rc->max_bytes ||
        !(s->data = malloc(need))) {
        atomic_fetch_sub(&rc->bytes, need);
        goto cleanup;
    }
    memcpy(s->data, key, key_len);
    memcpy(s->data + key_len, body, len);
    s->hash = hash;
    s->epoch = epoch;
    s->key_len = key_len;
    s->len = len;
    kept = true;
cleanup:
    pthread_mutex_unlock(lock);
    return kept;
}

void reply_cache_put(reply_cache *rc, const char *key, size_t key_len,
                     uint64_t epoch, const char *body, size_t len)
{
    uint64_t hash = hash_key(key, key_len);

    if (epoch != atomic_load(&rc->epoch) || key_len + len > rc->max_bytes)
        return; /* stale already, or never fits */
    if (!slot_fill(rc, hash, key, key_len, epoch, body, len)) {
        sweep_stale(rc);
        slot_fill(rc, hash, key, key_len, epoch, body, len);
    }
}
