/*
 * signing_cache.c - SigV4 signing keys kept across requests (see
 * signing_cache.h).
 *
 * A set is chosen by a hash of the public part of the scope (access key id,
 * date, region, service); the secret takes no part in the hash, so its bytes
 * never steer which memory is touched.  An entry matches only when every
 * scope string and the whole secret are equal, the secret compared in time
 * that does not depend on where it differs.  Entries are built and wiped
 * outside the set's lock; under it there is only a comparison and a copy.
 */
#include "auth/signing_cache.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#if (SIGNING_CACHE_SETS & (SIGNING_CACHE_SETS - 1)) != 0
#error "SIGNING_CACHE_SETS must be a power of two"
#endif

typedef struct {
    uint64_t tag; /* hash of the scope, never 0; 0 marks an empty entry */
    size_t secret_len;
    char access_key_id[SIGV4_AKID_MAX + 1];
    char date[SIGV4_DATE_LEN + 1];
    char region[SIGV4_REGION_MAX + 1];
    char service[SIGV4_SERVICE_MAX + 1];
    unsigned char secret[SIGV4_SECRET_MAX]; /* zero past secret_len */
    unsigned char key[SIGV4_KEY_LEN];
} entry;

typedef struct {
    pthread_mutex_t lock;
    unsigned victim; /* the way to replace next: the least recently used */
    entry way[SIGNING_CACHE_WAYS];
} cache_set;

static cache_set sets[SIGNING_CACHE_SETS];
static pthread_once_t sets_once = PTHREAD_ONCE_INIT;

/* A mutex cannot be statically initialised as an array member in C11. */
static void init_sets(void)
{
    for (int i = 0; i < SIGNING_CACHE_SETS; i++)
        pthread_mutex_init(&sets[i].lock, NULL);
}

static uint64_t fnv1a(uint64_t h, const char *s, size_t cap)
{
    /* one pass, stopping at the NUL, rather than strnlen and then a loop */
    for (size_t i = 0; i < cap && s[i]; i++) {
        h ^= (unsigned char)s[i];
        h *= UINT64_C(0x100000001b3);
    }
    /* a separator, so ("ab", "c") and ("a", "bc") differ */
    h ^= 0xff;
    return h * UINT64_C(0x100000001b3);
}

static uint64_t scope_tag(const sigv4_auth *auth)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);

    h = fnv1a(h, auth->access_key_id, sizeof auth->access_key_id);
    h = fnv1a(h, auth->date, sizeof auth->date);
    h = fnv1a(h, auth->region, sizeof auth->region);
    h = fnv1a(h, auth->service, sizeof auth->service);
    return h | 1;
}

static cache_set *set_of(uint64_t tag)
{
    pthread_once(&sets_once, init_sets);
    return &sets[(tag ^ (tag >> 32)) & (SIGNING_CACHE_SETS - 1)];
}

/* strlen(secret), or SIGV4_SECRET_MAX + 1 when too long to keep. */
static size_t secret_length(const char *secret)
{
    return strnlen(secret, SIGV4_SECRET_MAX + 1);
}

/* Bounded copies, zero-padded so that whole entries compare and wipe. */
static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);

    memcpy(dst, src, n);
    memset(dst + n, 0, cap - n);
}

static int same_str(const char *kept, const char *s, size_t cap)
{
    return strncmp(kept, s, cap) == 0;
}

static int matches(const entry *e, uint64_t tag, const sigv4_auth *auth,
                   const char *secret, size_t secret_len)
{
    return e->tag == tag && e->secret_len == secret_len &&
           same_str(e->access_key_id, auth->access_key_id,
                    sizeof e->access_key_id) &&
           same_str(e->date, auth->date, sizeof e->date) &&
           same_str(e->region, auth->region, sizeof e->region) &&
           same_str(e->service, auth->service, sizeof e->service) &&
           CRYPTO_memcmp(e->secret, secret, secret_len) == 0;
}

/* The way of set holding this scope and secret, or -1.  Lock held. */
static int find_way(const cache_set *set, uint64_t tag,
                    const sigv4_auth *auth, const char *secret,
                    size_t secret_len)
{
    for (int w = 0; w < SIGNING_CACHE_WAYS; w++)
        if (matches(&set->way[w], tag, auth, secret, secret_len))
            return w;
    return -1;
}

static void touched(cache_set *set, int w)
{
    set->victim = (unsigned)(w + 1) % SIGNING_CACHE_WAYS;
}

int signing_cache_get(const sigv4_auth *auth, const char *secret,
                      unsigned char key[SIGV4_KEY_LEN])
{
    uint64_t tag;
    size_t len;
    cache_set *set;
    int w;

    if (!auth || !secret || !key)
        return 0;
    len = secret_length(secret);
    if (len > SIGV4_SECRET_MAX)
        return 0;
    tag = scope_tag(auth);
    set = set_of(tag);
    pthread_mutex_lock(&set->lock);
    w = find_way(set, tag, auth, secret, len);
    if (w >= 0) {
        memcpy(key, set->way[w].key, SIGV4_KEY_LEN);
        touched(set, w);
    }
    pthread_mutex_unlock(&set->lock);
    return w >= 0;
}

static void fill(entry *e, uint64_t tag, const sigv4_auth *auth,
                 const char *secret, size_t secret_len,
                 const unsigned char key[SIGV4_KEY_LEN])
{
    memset(e, 0, sizeof *e);
    e->tag = tag;
    e->secret_len = secret_len;
    copy_str(e->access_key_id, sizeof e->access_key_id, auth->access_key_id);
    copy_str(e->date, sizeof e->date, auth->date);
    copy_str(e->region, sizeof e->region, auth->region);
    copy_str(e->service, sizeof e->service, auth->service);
    memcpy(e->secret, secret, secret_len);
    memcpy(e->key, key, SIGV4_KEY_LEN);
}

/* An empty way if there is one, else the least recently used. */
static int way_to_replace(const cache_set *set)
{
    for (int w = 0; w < SIGNING_CACHE_WAYS; w++)
        if (set->way[w].tag == 0)
            return w;
    return (int)set->victim;
}

void signing_cache_put(const sigv4_auth *auth, const char *secret,
                       const unsigned char key[SIGV4_KEY_LEN])
{
    entry fresh;
    size_t len;
    cache_set *set;
    int w;

    if (!auth || !secret || !key)
        return;
    len = secret_length(secret);
    if (len > SIGV4_SECRET_MAX)
        return;
    fill(&fresh, scope_tag(auth), auth, secret, len, key);
    set = set_of(fresh.tag);
    pthread_mutex_lock(&set->lock);
    /* another thread may have kept the same key meanwhile */
    w = find_way(set, fresh.tag, auth, secret, len);
    if (w < 0) {
        w = way_to_replace(set);
        memcpy(&set->way[w], &fresh, sizeof fresh);
    }
    touched(set, w);
    pthread_mutex_unlock(&set->lock);
    OPENSSL_cleanse(&fresh, sizeof fresh);
}

void signing_cache_clear(void)
{
    pthread_once(&sets_once, init_sets);
    for (int i = 0; i < SIGNING_CACHE_SETS; i++) {
        pthread_mutex_lock(&sets[i].lock);
        OPENSSL_cleanse(sets[i].way, sizeof sets[i].way);
        sets[i].victim = 0;
        pthread_mutex_unlock(&sets[i].lock);
    }
}
