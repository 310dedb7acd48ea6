/* test_sha256.c - util/sha256.h: HMAC-SHA256 with and without kept key
 * states against libcrypto's, from one thread and from several. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "test.h"
#include "util/sha256.h"

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/*
 * Message lengths around SHA-256's block edges: 55 is the longest tail
 * that pads within its block, 56 the shortest that needs another, 64 a
 * whole block, 136 a string to sign; the rest cross one or more blocks.
 */
static const size_t EDGE_LENGTHS[] = {0,   1,   31,  32,  55,  56,  57,
                                      63,  64,  65,  119, 120, 127, 128,
                                      129, 136, 191, 192, 200, 1000};
#define EDGES (sizeof EDGE_LENGTHS / sizeof EDGE_LENGTHS[0])
#define MSG_MAX 1024

static void fill_random(unsigned char *p, size_t n, uint64_t *rng)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)next_rand(rng);
}

/* libcrypto's HMAC-SHA256, the reference; 0 or -1. */
static int reference_hmac(const unsigned char *key, size_t keylen,
                          const unsigned char *msg, size_t n,
                          unsigned char mac[SHA256_DIGEST_LEN])
{
    static const unsigned char empty[1];
    unsigned int len = 0;

    if (!HMAC(EVP_sha256(), keylen ? key : empty, (int)keylen,
              n ? msg : empty, n, mac, &len))
        return -1;
    return len == SHA256_DIGEST_LEN ? 0 : -1;
}

/* Both module paths and the reference agree on key, msg; 1 when they do. */
static int macs_agree(const unsigned char key[SHA256_KEPT_KEY_LEN],
                      const unsigned char *msg, size_t n)
{
    unsigned char want[SHA256_DIGEST_LEN], kept[SHA256_DIGEST_LEN],
        plain[SHA256_DIGEST_LEN];

    return reference_hmac(key, SHA256_KEPT_KEY_LEN, msg, n, want) == 0 &&
           hmac_sha256_kept(key, msg, n, kept) == 0 &&
           hmac_sha256(key, SHA256_KEPT_KEY_LEN, msg, n, plain) == 0 &&
           memcmp(kept, want, sizeof want) == 0 &&
           memcmp(plain, want, sizeof want) == 0;
}

TEST(sha256_hmac_matches_libcrypto_for_any_key_length)
{
    static const size_t key_lengths[] = {0,  1,  4,  31, 32,
                                         33, 63, 64, 65, 260};
    unsigned char key[300], msg[MSG_MAX], want[SHA256_DIGEST_LEN],
        got[SHA256_DIGEST_LEN];
    uint64_t rng = 0x51ed270b27a4f3c1u;

    for (size_t k = 0; k < sizeof key_lengths / sizeof key_lengths[0]; k++) {
        for (size_t m = 0; m < EDGES; m++) {
            fill_random(key, key_lengths[k], &rng);
            fill_random(msg, EDGE_LENGTHS[m], &rng);
            CHECK_INT(reference_hmac(key, key_lengths[k], msg,
                                     EDGE_LENGTHS[m], want),
                      0);
            CHECK_INT(hmac_sha256(key, key_lengths[k], msg, EDGE_LENGTHS[m],
                                 got),
                      0);
            CHECK(memcmp(got, want, sizeof want) == 0);
        }
    }
}

TEST(sha256_hmac_kept_matches_hmac_over_many_keys)
{
    unsigned char key[SHA256_KEPT_KEY_LEN], msg[MSG_MAX];
    uint64_t rng = 0x0123456789abcdefu;

    /* fresh keys: every call prepares the states of a new key */
    for (int round = 0; round < 300; round++) {
        fill_random(key, sizeof key, &rng);
        for (size_t m = round % 3; m < EDGES; m += 3) {
            fill_random(msg, EDGE_LENGTHS[m], &rng);
            CHECK(macs_agree(key, msg, EDGE_LENGTHS[m]));
        }
    }
}

/* More keys than a thread keeps, in an order that both hits and evicts. */
TEST(sha256_hmac_kept_states_rotate)
{
    enum { POOL = 9 };
    unsigned char keys[POOL][SHA256_KEPT_KEY_LEN], msg[MSG_MAX];
    uint64_t rng = 0xfeedfacecafebeefu;

    for (int i = 0; i < POOL; i++)
        fill_random(keys[i], SHA256_KEPT_KEY_LEN, &rng);
    for (int round = 0; round < 3000; round++) {
        /* runs on one key, then jumps: hits, misses and evictions */
        int k = (round / 7 + (round % 5 == 0 ? round : 0)) % POOL;
        size_t n = round % 2 ? EDGE_LENGTHS[round % EDGES]
                             : next_rand(&rng) % MSG_MAX;
        fill_random(msg, n, &rng);
        CHECK(macs_agree(keys[k], msg, n));
    }
}

TEST(sha256_hmac_argument_checks)
{
    unsigned char key[SHA256_KEPT_KEY_LEN] = {1, 2, 3}, mac[SHA256_DIGEST_LEN],
                                      want[SHA256_DIGEST_LEN];

    CHECK_INT(hmac_sha256_kept(NULL, "m", 1, mac), -1);
    CHECK_INT(hmac_sha256_kept(key, "m", 1, NULL), -1);
    CHECK_INT(hmac_sha256_kept(key, NULL, 1, mac), -1);
    /* no message at all is the empty message */
    CHECK_INT(hmac_sha256_kept(key, NULL, 0, mac), 0);
    CHECK_INT(reference_hmac(key, sizeof key, NULL, 0, want), 0);
    CHECK(memcmp(mac, want, sizeof want) == 0);
    CHECK_INT(hmac_sha256(NULL, 1, "m", 1, mac), -1);
    CHECK_INT(hmac_sha256(key, 1, NULL, 1, mac), -1);
    CHECK_INT(hmac_sha256(key, 1, "m", 1, NULL), -1);
    CHECK_INT(hmac_sha256(NULL, 0, NULL, 0, mac), 0);
    CHECK_INT(reference_hmac(NULL, 0, NULL, 0, want), 0);
    CHECK(memcmp(mac, want, sizeof want) == 0);
}

#define MAC_THREADS 4
#define MAC_ROUNDS 2000

typedef struct {
    unsigned char (*keys)[SHA256_KEPT_KEY_LEN];
    int nkeys;
    uint64_t rng;
    int wrong;
} mac_worker;

static void *mac_work(void *arg)
{
    mac_worker *w = arg;
    unsigned char msg[MSG_MAX];

    for (int i = 0; i < MAC_ROUNDS; i++) {
        int k = (int)(next_rand(&w->rng) % (uint64_t)w->nkeys);
        size_t n = i % 3 ? EDGE_LENGTHS[i % EDGES]
                         : next_rand(&w->rng) % MSG_MAX;
        fill_random(msg, n, &w->rng);
        w->wrong += !macs_agree(w->keys[k], msg, n);
    }
    return NULL;
}

/*
 * Several threads on one shared set of keys: each keeps its own states
 * and context, so none may see another's.  Two waves, so threads that
 * exit (and free their state) are followed by new ones.
 */
TEST(sha256_hmac_kept_from_several_threads)
{
    enum { POOL = 6 };
    static unsigned char keys[POOL][SHA256_KEPT_KEY_LEN];
    uint64_t rng = 0x8badf00ddeadbeefu;
    pthread_t t[MAC_THREADS];
    mac_worker w[MAC_THREADS];
    int wrong = 0;

    for (int i = 0; i < POOL; i++)
        fill_random(keys[i], SHA256_KEPT_KEY_LEN, &rng);
    for (int wave = 0; wave < 2; wave++) {
        for (int i = 0; i < MAC_THREADS; i++) {
            w[i] = (mac_worker){keys, POOL, next_rand(&rng) | 1, 0};
            CHECK_INT(pthread_create(&t[i], NULL, mac_work, &w[i]), 0);
        }
        for (int i = 0; i < MAC_THREADS; i++) {
            pthread_join(t[i], NULL);
            wrong += w[i].wrong;
        }
    }
    CHECK_INT(wrong, 0);
}
