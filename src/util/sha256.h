/*
 * sha256.h - SHA-256 and HMAC-SHA256 on state each thread keeps: one
 * working digest context, and the prepared pad states of the last few
 * 32-byte HMAC keys the thread used.  SigV4 (auth/sigv4.c) and the
 * pagination tokens (util/token.c) hash and sign here.  Nothing is shared
 * between threads, so nothing takes a lock.
 *
 * Every function uses the thread's one working context: a digest fed with
 * sha256_begin/_update/_end must end before the thread calls any other
 * function of this module.  The functions that return int return 0, or -1
 * on a NULL argument (data may be NULL only with a zero length) or when
 * libcrypto fails.
 */
#ifndef CASESD_SHA256_H
#define CASESD_SHA256_H

#include <stddef.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_KEPT_KEY_LEN 32 /* keys hmac_sha256_kept keeps states for */

/* SHA-256 of data[0..n). */
int sha256_of(const void *data, size_t n, unsigned char out[SHA256_DIGEST_LEN]);

/* A digest fed piece by piece, on the thread's working context. */
int sha256_begin(void);
int sha256_update(const void *data, size_t n);
int sha256_end(unsigned char out[SHA256_DIGEST_LEN]);

/* Leaves the working context on a fresh start, so the last digest it
 * finished (of a secret, say) does not stay in memory until the next. */
void sha256_forget(void);

/* HMAC-SHA256 of msg[0..n) under a key of any length, nothing kept: for
 * keys that change with every call, such as SigV4's key derivation. */
int hmac_sha256(const void *key, size_t keylen, const void *msg, size_t n,
                unsigned char mac[SHA256_DIGEST_LEN]);

/* HMAC-SHA256 of msg[0..n) under a 32-byte key used again and again (a
 * signing key, the tokens' key): the thread keeps the SHA-256 states of
 * the key's two pad blocks for the last few keys it used, so a repeated
 * key costs two compressions less.  Same result as hmac_sha256. */
int hmac_sha256_kept(const unsigned char key[SHA256_KEPT_KEY_LEN],
                     const void *msg, size_t n,
                     unsigned char mac[SHA256_DIGEST_LEN]);

#endif
