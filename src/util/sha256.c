/*
 * sha256.c - SHA-256 and HMAC-SHA256 (RFC 2104) on state each thread
 * keeps: see sha256.h.
 *
 * SHA-256 through OpenSSL's SHA256_* functions, which OpenSSL 3 marks
 * deprecated in favour of EVP but still ships, and which run the same
 * code (SHA extensions where the CPU has them).  Through EVP every digest
 * began with a provider call that freed and allocated its state, and every
 * copy of a prepared HMAC state allocated one: about 2,400 instructions a
 * SigV4 check, a quarter of what it spends beside the hashing itself.
 * Here a state is a plain struct, copied by assignment.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "util/sha256.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define HMAC_BLOCK 64 /* SHA-256 block: HMAC pads the key to this */
#define HMAC_IPAD 0x36
#define HMAC_OPAD 0x5c
#define HMAC_MEMO_WAYS 4 /* keys one thread keeps pad states for */

/*
 * HMAC-SHA256 under one kept key, with the two key blocks (key XOR ipad,
 * key XOR opad) already absorbed.  A MAC then costs two fewer SHA-256
 * compressions, and copying a prepared context is cheaper than initialising
 * one.  These states are as secret as the key itself.
 */
typedef struct {
    unsigned char key[SHA256_KEPT_KEY_LEN];
    SHA256_CTX inner; /* SHA-256 after key XOR ipad */
    SHA256_CTX outer; /* SHA-256 after key XOR opad */
    int ready;        /* inner and outer hold key's states */
} hmac_memo;

/*
 * What one thread reuses from call to call: one working digest state, used
 * by one digest at a time, and the HMAC states of the kept keys it used
 * last.  Nothing here is shared, so nothing needs a lock.
 */
typedef struct {
    SHA256_CTX md;
    hmac_memo memo[HMAC_MEMO_WAYS];
    unsigned last_hit; /* checked first: a thread often serves one caller */
    unsigned victim;   /* replaced next, round robin */
} thread_scratch;

static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static pthread_key_t scratch_key;
static int scratch_key_ok;
static _Thread_local thread_scratch *my_scratch;

/* Runs at thread exit: the key states are wiped as the contexts go. */
static void scratch_free(void *p)
{
    thread_scratch *s = p;

    if (!s)
        return;
    if (my_scratch == s)
        my_scratch = NULL;
    OPENSSL_cleanse(s, sizeof *s);
    free(s);
}

static void make_scratch_key(void)
{
    scratch_key_ok = pthread_key_create(&scratch_key, scratch_free) == 0;
}

/* This thread's scratch, made on first use; NULL when out of memory. */
static thread_scratch *scratch(void)
{
    thread_scratch *s = my_scratch;

    if (s)
        return s;
    pthread_once(&scratch_once, make_scratch_key);
    if (!scratch_key_ok)
        return NULL;
    s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (pthread_setspecific(scratch_key, s) != 0) {
        scratch_free(s);
        return NULL;
    }
    my_scratch = s;
    return s;
}

static int digest_init(SHA256_CTX *md)
{
    return SHA256_Init(md) == 1 ? 0 : -1;
}

static int digest_update(SHA256_CTX *md, const void *data, size_t n)
{
    return SHA256_Update(md, data, n) == 1 ? 0 : -1;
}

static int digest_final(SHA256_CTX *md, unsigned char out[SHA256_DIGEST_LEN])
{
    return SHA256_Final(out, md) == 1 ? 0 : -1;
}

int sha256_of(const void *data, size_t n, unsigned char out[SHA256_DIGEST_LEN])
{
    thread_scratch *s = scratch();

    if ((!data && n) || !s || !out)
        return -1;
    if (digest_init(&s->md) < 0 || digest_update(&s->md, data, n) < 0)
        return -1;
    return digest_final(&s->md, out);
}

/* Starts md on the key block k64 XOR pad. */
static int absorb_key_block(SHA256_CTX *md, const unsigned char k64[HMAC_BLOCK],
                            unsigned char pad)
{
    unsigned char block[HMAC_BLOCK];
    int rc;

    for (int i = 0; i < HMAC_BLOCK; i++)
        block[i] = k64[i] ^ pad;
    rc = digest_init(md) == 0 && digest_update(md, block, HMAC_BLOCK) == 0
             ? 0
             : -1;
    OPENSSL_cleanse(block, sizeof block);
    return rc;
}

/* The key padded (or first hashed) to one block, as RFC 2104 says. */
static int key_block(const void *key, size_t keylen,
                     unsigned char k64[HMAC_BLOCK])
{
    memset(k64, 0, HMAC_BLOCK);
    if (keylen > HMAC_BLOCK)
        return sha256_of(key, keylen, k64);
    if (keylen)
        memcpy(k64, key, keylen);
    return 0;
}

int hmac_sha256(const void *key, size_t keylen, const void *msg, size_t n,
                unsigned char out[SHA256_DIGEST_LEN])
{
    unsigned char k64[HMAC_BLOCK], inner[SHA256_DIGEST_LEN];
    thread_scratch *s = scratch();
    int rc = -1;

    if (!s || !out || (!msg && n) || (!key && keylen) ||
        key_block(key, keylen, k64) < 0)
        goto cleanup;
    if (absorb_key_block(&s->md, k64, HMAC_IPAD) < 0 ||
        digest_update(&s->md, msg, n) < 0 || digest_final(&s->md, inner) < 0)
        goto cleanup;
    if (absorb_key_block(&s->md, k64, HMAC_OPAD) < 0 ||
        digest_update(&s->md, inner, sizeof inner) < 0 ||
        digest_final(&s->md, out) < 0)
        goto cleanup;
    rc = 0;
cleanup:
    OPENSSL_cleanse(k64, sizeof k64);
    OPENSSL_cleanse(inner, sizeof inner);
    return rc;
}

/* Fills m with key's two pad states; m is left unused on failure. */
static int memo_fill(hmac_memo *m, const unsigned char key[SHA256_KEPT_KEY_LEN])
{
    unsigned char k64[HMAC_BLOCK];
    int rc = -1;

    m->ready = 0;
    if (key_block(key, SHA256_KEPT_KEY_LEN, k64) < 0)
        goto cleanup;
    if (absorb_key_block(&m->inner, k64, HMAC_IPAD) < 0 ||
        absorb_key_block(&m->outer, k64, HMAC_OPAD) < 0)
        goto cleanup;
    memcpy(m->key, key, SHA256_KEPT_KEY_LEN);
    m->ready = 1;
    rc = 0;
cleanup:
    OPENSSL_cleanse(k64, sizeof k64);
    return rc;
}

/* The thread's prepared states for key, made now if it has none. */
static const hmac_memo *memo_for(thread_scratch *s,
                                 const unsigned char key[SHA256_KEPT_KEY_LEN])
{
    for (unsigned i = 0; i < HMAC_MEMO_WAYS; i++) {
        unsigned w = (s->last_hit + i) % HMAC_MEMO_WAYS;
        const hmac_memo *m = &s->memo[w];
        if (m->ready && CRYPTO_memcmp(m->key, key, SHA256_KEPT_KEY_LEN) == 0) {
            s->last_hit = w;
            return m;
        }
    }
    s->last_hit = s->victim;
    s->victim = (s->victim + 1) % HMAC_MEMO_WAYS;
    return memo_fill(&s->memo[s->last_hit], key) == 0 ? &s->memo[s->last_hit]
                                                      : NULL;
}

/* The prepared states are copied, never consumed. */
int hmac_sha256_kept(const unsigned char key[SHA256_KEPT_KEY_LEN],
                     const void *msg, size_t n,
                     unsigned char out[SHA256_DIGEST_LEN])
{
    unsigned char inner[SHA256_DIGEST_LEN];
    thread_scratch *s = key && out ? scratch() : NULL;
    const hmac_memo *m = s ? memo_for(s, key) : NULL;
    int rc = -1;

    if (!m || (!msg && n))
        goto cleanup;
    s->md = m->inner;
    if (digest_update(&s->md, msg, n) < 0 || digest_final(&s->md, inner) < 0)
        goto cleanup;
    s->md = m->outer;
    if (digest_update(&s->md, inner, sizeof inner) < 0 ||
        digest_final(&s->md, out) < 0)
        goto cleanup;
    rc = 0;
cleanup:
    OPENSSL_cleanse(inner, sizeof inner);
    return rc;
}

int sha256_begin(void)
{
    thread_scratch *s = scratch();

    return s ? digest_init(&s->md) : -1;
}

int sha256_update(const void *data, size_t n)
{
    thread_scratch *s = my_scratch;

    if (!s || (!data && n))
        return -1;
    return digest_update(&s->md, data, n);
}

int sha256_end(unsigned char out[SHA256_DIGEST_LEN])
{
    thread_scratch *s = my_scratch;

    return s && out ? digest_final(&s->md, out) : -1;
}

void sha256_forget(void)
{
    thread_scratch *s = my_scratch;

    if (s)
        digest_init(&s->md);
}
