/*
 * sigv4_verify.c - what checking one request's signature costs on this
 * machine's CPU, without HTTP: bench/auth.sh sets it against the server's
 * CPU time per GetCase.  valgrind cannot tell this, as it runs SHA-256 in
 * software where the CPU has instructions for it.
 *
 * The request is the one bench/auth.sh times, signed here with a key kept
 * as the server keeps it (auth/signing_cache.h).  "warm" checks it again
 * and again; "cold" first reads through a buffer larger than the caches,
 * as the rest of a request's work does between two checks.
 *
 *   build/bench/sigv4_verify [iterations]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/sigv4.h"

#define EVICT_BYTES (8u << 20)

static const char body[] = "{\"fields\":[{\"id\":\"title\"},{\"id\":\"status\"}]}";
static const char amz_date[] = "20261128T120000Z";
static const char path[] = "/domains/65a90ea7-b98c-4780-b274-5776f5a0cb57/"
                           "cases/4acb4d8e-95c9-4e8c-8e15-92079975a337";

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Fills authorization with a valid header for req (whose headers[2] it is). */
static int sign(sigv4_request *req, const unsigned char key[SIGV4_KEY_LEN],
                char *authorization, size_t len)
{
    static const char scope[] = "AKIDBENCHONE/20261128/us-east-1/cases/aws4_request";
    char canonical[4096], sts[SIGV4_STS_MAX], why[128], hex[SIGV4_SIG_HEX_LEN + 1];
    sigv4_auth auth;

    /* parse once with a placeholder signature to learn the scope */
    snprintf(authorization, len,
             "AWS4-HMAC-SHA256 Credential=%s, SignedHeaders=content-type;host;"
             "x-amz-date, Signature=%064d", scope, 0);
    if (sigv4_parse(req, &auth) != SIGV4_OK ||
        sigv4_canonical_request(req, &auth, canonical, sizeof canonical, why,
                                sizeof why) != SIGV4_OK ||
        sigv4_string_to_sign(&auth, canonical, strlen(canonical), sts,
                             sizeof sts) != 0 ||
        sigv4_signature(key, sts, hex) != 0)
        return -1;
    snprintf(authorization, len,
             "AWS4-HMAC-SHA256 Credential=%s, SignedHeaders=content-type;host;"
             "x-amz-date, Signature=%s", scope, hex);
    return 0;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 20000;
    char authorization[512], why[128];
    sigv4_header headers[] = {
        {"Host", "127.0.0.1:8455"}, {"X-Amz-Date", amz_date},
        {"Authorization", authorization}, {"Content-Type", "application/json"},
        {"Content-Length", "44"}, {"User-Agent", "bench"}};
    sigv4_request req = {"POST", path, NULL, headers, 6,
                         (const unsigned char *)body, strlen(body)};
    unsigned char key[SIGV4_KEY_LEN];
    unsigned char *evict = malloc(EVICT_BYTES);
    double warm = 0, cold = 0;
    volatile unsigned sink = 0;
    sigv4_auth auth;

    if (!evict || n <= 0 ||
        sigv4_signing_key("bench-secret-0123456789", "20261128", "us-east-1",
                          "cases", key) != 0 ||
        sign(&req, key, authorization, sizeof authorization) != 0) {
        fputs("sigv4_verify: setup failed\n", stderr);
        return 1;
    }
    memset(evict, 1, EVICT_BYTES);
    for (long i = 0; i < n; i++) {
        double t0, t1, t2;
        int ok;
        for (size_t k = 0; k < EVICT_BYTES; k += 64)
            sink += evict[k];
        t0 = now_s();
        ok = sigv4_parse(&req, &auth) == SIGV4_OK &&
             sigv4_verify_key(&req, &auth, key, auth.timestamp, 900, why,
                              sizeof why) == SIGV4_OK;
        t1 = now_s();
        ok = ok && sigv4_parse(&req, &auth) == SIGV4_OK &&
             sigv4_verify_key(&req, &auth, key, auth.timestamp, 900, why,
                              sizeof why) == SIGV4_OK;
        t2 = now_s();
        if (!ok) {
            fprintf(stderr, "sigv4_verify: the request does not verify: %s\n", why);
            return 1;
        }
        cold += t1 - t0;
        warm += t2 - t1;
    }
    printf("sigv4 parse+verify: warm %.0f ns, cold %.0f ns (%ld checks)\n",
           warm / (double)n * 1e9, cold / (double)n * 1e9, n);
    free(evict);
    return 0;
}
