/*
 * test_signing_cache.c - the signing key cache: a kept key is the derived
 * one, nothing else is ever served for a different secret or scope, the
 * table stays correct under eviction and concurrent use, and a signature
 * checked with a kept key is accepted or refused exactly as with the
 * secret, also from several threads at once.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "auth/signing_cache.h"
#include "auth/sigv4.h"
#include "test.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define NOW INT64_C(1774000800) /* 2026-03-20T10:00:00Z */

static sigv4_auth scope(const char *akid, const char *date,
                        const char *region, const char *service)
{
    sigv4_auth a;

    memset(&a, 0, sizeof a);
    snprintf(a.access_key_id, sizeof a.access_key_id, "%s", akid);
    snprintf(a.date, sizeof a.date, "%s", date);
    snprintf(a.region, sizeof a.region, "%s", region);
    snprintf(a.service, sizeof a.service, "%s", service);
    return a;
}

static int derive(const sigv4_auth *a, const char *secret,
                  unsigned char key[SIGV4_KEY_LEN])
{
    return sigv4_signing_key(secret, a->date, a->region, a->service, key);
}

/* Derives and keeps the key of a under secret, as authn.c does. */
static int keep(const sigv4_auth *a, const char *secret)
{
    unsigned char key[SIGV4_KEY_LEN];

    if (derive(a, secret, key) != 0)
        return -1;
    signing_cache_put(a, secret, key);
    return 0;
}

TEST(signing_cache_hit_is_the_derived_key)
{
    sigv4_auth a = scope("AKIDEXAMPLE", "20260320", "us-east-1", "cases");
    unsigned char want[SIGV4_KEY_LEN], got[SIGV4_KEY_LEN];

    signing_cache_clear();
    CHECK_INT(signing_cache_get(&a, SECRET, got), 0);
    CHECK_INT(derive(&a, SECRET, want), 0);
    signing_cache_put(&a, SECRET, want);
    memset(got, 0, sizeof got);
    CHECK_INT(signing_cache_get(&a, SECRET, got), 1);
    CHECK(memcmp(got, want, sizeof want) == 0);
    /* keeping it again does not take the set's second way */
    signing_cache_put(&a, SECRET, want);
    CHECK_INT(signing_cache_get(&a, SECRET, got), 1);
    signing_cache_clear();
    CHECK_INT(signing_cache_get(&a, SECRET, got), 0);
}

TEST(signing_cache_never_serves_another_secret_or_scope)
{
    static const char *const secrets[] = {
        SECRET "x",                                   /* longer */
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKE",    /* a prefix */
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEz",   /* last byte */
        "xJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",   /* first byte */
        "",
    };
    sigv4_auth base = scope("AKIDEXAMPLE", "20260320", "us-east-1", "cases");
    sigv4_auth others[] = {
        scope("AKIDEXAMPLE", "20260321", "us-east-1", "cases"),
        scope("AKIDEXAMPLE", "20260320", "us-east-2", "cases"),
        scope("AKIDEXAMPLE", "20260320", "us-east-1", "connect"),
        scope("AKIDEXAMPLF", "20260320", "us-east-1", "cases"),
        scope("AKIDEXAMPLE", "20260320", "us-east-1cases", ""),
    };
    unsigned char key[SIGV4_KEY_LEN];

    signing_cache_clear();
    CHECK_INT(keep(&base, SECRET), 0);
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        CHECK_INT(signing_cache_get(&base, secrets[i], key), 0);
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        CHECK_INT(signing_cache_get(&others[i], SECRET, key), 0);
    CHECK_INT(signing_cache_get(&base, SECRET, key), 1);
}

TEST(signing_cache_refuses_bad_arguments)
{
    sigv4_auth a = scope("AKIDEXAMPLE", "20260320", "us-east-1", "cases");
    char long_secret[SIGV4_SECRET_MAX + 2];
    unsigned char key[SIGV4_KEY_LEN] = {0};

    signing_cache_clear();
    memset(long_secret, 'k', sizeof long_secret - 1);
    long_secret[sizeof long_secret - 1] = '\0';
    signing_cache_put(&a, long_secret, key);
    CHECK_INT(signing_cache_get(&a, long_secret, key), 0);
    signing_cache_put(NULL, SECRET, key);
    signing_cache_put(&a, NULL, key);
    signing_cache_put(&a, SECRET, NULL);
    CHECK_INT(signing_cache_get(NULL, SECRET, key), 0);
    CHECK_INT(signing_cache_get(&a, NULL, key), 0);
    CHECK_INT(signing_cache_get(&a, SECRET, NULL), 0);
    CHECK_INT(signing_cache_get(&a, SECRET, key), 0);
}

/* Far more scopes than entries: whatever is still there is right. */
TEST(signing_cache_eviction_keeps_answers_right)
{
    enum { N = 8 * SIGNING_CACHE_SETS * SIGNING_CACHE_WAYS };
    unsigned char want[SIGV4_KEY_LEN], got[SIGV4_KEY_LEN];
    int hits = 0;

    signing_cache_clear();
    for (int i = 0; i < N; i++) {
        char region[32];
        sigv4_auth a;

        snprintf(region, sizeof region, "region-%d", i);
        a = scope("AKIDEXAMPLE", "20260320", region, "cases");
        CHECK_INT(keep(&a, SECRET), 0);
    }
    for (int i = 0; i < N; i++) {
        char region[32];
        sigv4_auth a;

        snprintf(region, sizeof region, "region-%d", i);
        a = scope("AKIDEXAMPLE", "20260320", region, "cases");
        if (!signing_cache_get(&a, SECRET, got))
            continue;
        hits++;
        CHECK_INT(derive(&a, SECRET, want), 0);
        CHECK(memcmp(got, want, sizeof want) == 0);
    }
    CHECK(hits > 0);
    CHECK(hits <= SIGNING_CACHE_SETS * SIGNING_CACHE_WAYS);
}

/* ---- concurrent use ------------------------------------------------------ */

#define THREADS 4
#define LOOKUPS 10000
#define MIX 24 /* 3 secrets x 2 days x 2 regions x 2 services */

static struct {
    sigv4_auth auth[MIX];
    const char *secret[MIX];
    unsigned char key[MIX][SIGV4_KEY_LEN];
} mix;

static int build_mix(void)
{
    static const char *const secrets[] = {SECRET, SECRET "2", "other"};
    int n = 0;

    for (int s = 0; s < 3; s++)
        for (int d = 0; d < 2; d++)
            for (int r = 0; r < 2; r++)
                for (int v = 0; v < 2; v++) {
                    /* secrets share the access key id: only they differ */
                    mix.auth[n] = scope("AKIDEXAMPLE",
                                        d ? "20260321" : "20260320",
                                        r ? "eu-west-2" : "us-east-1",
                                        v ? "connect" : "cases");
                    mix.secret[n] = secrets[s];
                    if (derive(&mix.auth[n], secrets[s], mix.key[n]) != 0)
                        return -1;
                    n++;
                }
    return 0;
}

typedef struct {
    unsigned seed;
    int wrong, hits;
} worker;

static void *work(void *arg)
{
    worker *w = arg;

    for (int i = 0; i < LOOKUPS; i++) {
        unsigned char key[SIGV4_KEY_LEN];
        int k;

        w->seed = w->seed * 1103515245u + 12345u;
        k = (int)((w->seed >> 16) % MIX);
        if (signing_cache_get(&mix.auth[k], mix.secret[k], key)) {
            w->hits++;
            w->wrong += memcmp(key, mix.key[k], sizeof key) != 0;
            continue;
        }
        if (derive(&mix.auth[k], mix.secret[k], key) != 0) {
            w->wrong++;
            continue;
        }
        w->wrong += memcmp(key, mix.key[k], sizeof key) != 0;
        signing_cache_put(&mix.auth[k], mix.secret[k], key);
    }
    return NULL;
}

TEST(signing_cache_concurrent_lookups_are_right)
{
    pthread_t t[THREADS];
    worker w[THREADS];
    int wrong = 0, hits = 0;

    CHECK_INT(build_mix(), 0);
    signing_cache_clear();
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){.seed = (unsigned)i * 7919u + 1u};
        CHECK_INT(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        wrong += w[i].wrong;
        hits += w[i].hits;
    }
    CHECK_INT(wrong, 0);
    /* 24 keys over 128 entries: nearly every lookup after the first few */
    CHECK(hits > THREADS * LOOKUPS / 2);
}

/* ---- verification with a kept key ---------------------------------------- */

typedef struct {
    sigv4_header h[4];
    sigv4_request r;
    sigv4_auth a;
    char authz[512];
} signed_req;

/* A GetCase-like request, signed with secret and parsed into s->a. */
static int sign_request(signed_req *s, const char *secret)
{
    static const char body[] = "{\"fields\":[{\"id\":\"title\"}]}";
    char creq[2048], sts[SIGV4_STS_MAX], hex[SIGV4_SIG_HEX_LEN + 1];
    unsigned char key[SIGV4_KEY_LEN];

    memset(s, 0, sizeof *s);
    s->h[0] = (sigv4_header){"Host", "cases.us-east-1.amazonaws.com"};
    s->h[1] = (sigv4_header){"Content-Type", "application/json"};
    s->h[2] = (sigv4_header){"X-Amz-Date", "20260320T100000Z"};
    s->h[3] = (sigv4_header){"Authorization", s->authz};
    s->r = (sigv4_request){"POST", "/domains/d-1/cases/c-1", NULL, s->h, 4,
                           (const unsigned char *)body, strlen(body)};
    snprintf(s->authz, sizeof s->authz,
             "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260320/us-east-1/"
             "cases/aws4_request, SignedHeaders=content-type;host;x-amz-date"
             ", Signature=%064d", 0);
    if (sigv4_parse(&s->r, &s->a) != SIGV4_OK ||
        sigv4_canonical_request(&s->r, &s->a, creq, sizeof creq, NULL, 0) !=
            SIGV4_OK ||
        sigv4_string_to_sign(&s->a, creq, strlen(creq), sts, sizeof sts) ||
        derive(&s->a, secret, key) || sigv4_signature(key, sts, hex))
        return -1;
    memcpy(s->a.signature, hex, sizeof hex);
    return 0;
}

/* The authn.c path: kept key, else derived then kept once it verified. */
static sigv4_status verify_cached(const signed_req *s, const char *secret,
                                  int64_t now, int *was_cached)
{
    unsigned char key[SIGV4_KEY_LEN];
    char why[160];
    sigv4_status st;

    *was_cached = signing_cache_get(&s->a, secret, key);
    if (!*was_cached && derive(&s->a, secret, key) != 0)
        return SIGV4_ERROR;
    st = sigv4_verify_key(&s->r, &s->a, key, now, 900, why, sizeof why);
    if (st == SIGV4_OK && !*was_cached)
        signing_cache_put(&s->a, secret, key);
    return st;
}

TEST(signing_cache_verification_accepts_and_refuses)
{
    signed_req s;
    int cached;

    CHECK_INT(sign_request(&s, SECRET), 0);
    signing_cache_clear();
    CHECK_STR(sigv4_status_name(verify_cached(&s, SECRET, NOW, &cached)),
              "OK");
    CHECK_INT(cached, 0);
    CHECK_STR(sigv4_status_name(verify_cached(&s, SECRET, NOW, &cached)),
              "OK");
    CHECK_INT(cached, 1);
    /* the same request under another secret: no kept key, and refused */
    CHECK_INT(verify_cached(&s, SECRET "2", NOW, &cached),
              SIGV4_BAD_SIGNATURE);
    CHECK_INT(cached, 0);
    /* nor was the refused secret's key kept */
    CHECK_INT(verify_cached(&s, SECRET "2", NOW, &cached),
              SIGV4_BAD_SIGNATURE);
    CHECK_INT(cached, 0);
    /* a tampered signature or body is refused with the kept key */
    s.a.signature[10] = s.a.signature[10] == 'a' ? 'b' : 'a';
    CHECK_INT(verify_cached(&s, SECRET, NOW, &cached), SIGV4_BAD_SIGNATURE);
    CHECK_INT(cached, 1);
    CHECK_INT(sign_request(&s, SECRET), 0);
    s.r.body_len--;
    CHECK_INT(verify_cached(&s, SECRET, NOW, &cached), SIGV4_BAD_SIGNATURE);
    CHECK_INT(cached, 1);
    /* the clock is still checked */
    CHECK_INT(sign_request(&s, SECRET), 0);
    CHECK_INT(verify_cached(&s, SECRET, NOW + 3600, &cached), SIGV4_SKEW);
}

TEST(sigv4_verify_key_matches_verify)
{
    signed_req s;
    unsigned char key[SIGV4_KEY_LEN];
    char why[160];

    CHECK_INT(sign_request(&s, SECRET), 0);
    CHECK_INT(derive(&s.a, SECRET, key), 0);
    CHECK_INT(sigv4_verify_key(&s.r, &s.a, key, NOW, 900, why, sizeof why),
              SIGV4_OK);
    CHECK_STR(why, "");
    CHECK_INT(sigv4_verify(&s.r, &s.a, SECRET, NOW, 900, why, sizeof why),
              SIGV4_OK);
    key[0] ^= 1;
    CHECK_INT(sigv4_verify_key(&s.r, &s.a, key, NOW, 900, why, sizeof why),
              SIGV4_BAD_SIGNATURE);
    CHECK_STR(why, "signature does not match");
    CHECK_INT(sigv4_verify_key(&s.r, &s.a, NULL, NOW, 900, why, sizeof why),
              SIGV4_MALFORMED);
    CHECK_STR(why, "missing argument");
    CHECK_INT(sigv4_verify_key(NULL, &s.a, key, NOW, 900, NULL, 0),
              SIGV4_MALFORMED);
}

/*
 * Requests of more principals than a thread keeps HMAC states for, each
 * checked from several threads at once, under its own secret (accepted)
 * and under the next one's (refused), so every thread keeps changing
 * keys and both the cache and the per-thread states are exercised.
 */
#define VERIFY_SECRETS 6
#define VERIFY_THREADS 4
#define VERIFY_ROUNDS 1500

static signed_req verify_reqs[VERIFY_SECRETS];
static const char *const verify_secrets[VERIFY_SECRETS] = {
    SECRET, SECRET "2", "other", "fourth-secret", "5", "sixth/secret+"};

typedef struct {
    unsigned seed;
    int wrong, checked;
} verifier;

static void *verify_work(void *arg)
{
    verifier *v = arg;

    for (int i = 0; i < VERIFY_ROUNDS; i++) {
        int k, cached;
        sigv4_status own, other;

        v->seed = v->seed * 1103515245u + 12345u;
        k = (int)((v->seed >> 16) % VERIFY_SECRETS);
        own = verify_cached(&verify_reqs[k], verify_secrets[k], NOW,
                            &cached);
        other = verify_cached(&verify_reqs[k],
                              verify_secrets[(k + 1) % VERIFY_SECRETS], NOW,
                              &cached);
        v->wrong += own != SIGV4_OK;
        v->wrong += other != SIGV4_BAD_SIGNATURE;
        v->checked += 2;
    }
    return NULL;
}

TEST(signing_cache_concurrent_verification_is_right)
{
    pthread_t t[VERIFY_THREADS];
    verifier v[VERIFY_THREADS];
    int wrong = 0, checked = 0;

    for (int i = 0; i < VERIFY_SECRETS; i++)
        CHECK_INT(sign_request(&verify_reqs[i], verify_secrets[i]), 0);
    signing_cache_clear();
    for (int i = 0; i < VERIFY_THREADS; i++) {
        v[i] = (verifier){.seed = (unsigned)i * 104729u + 3u};
        CHECK_INT(pthread_create(&t[i], NULL, verify_work, &v[i]), 0);
    }
    for (int i = 0; i < VERIFY_THREADS; i++) {
        pthread_join(t[i], NULL);
        wrong += v[i].wrong;
        checked += v[i].checked;
    }
    CHECK_INT(wrong, 0);
    CHECK_INT(checked, VERIFY_THREADS * VERIFY_ROUNDS * 2);
}
