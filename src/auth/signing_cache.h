/*
 * signing_cache.h - SigV4 signing keys kept across requests.
 *
 * A signing key depends only on the secret, the scope's day, region and
 * service, so every request of one principal on one day needs the same
 * key, and deriving it costs four HMAC-SHA256.  The cache is a fixed,
 * process-wide table (SIGNING_CACHE_SETS sets of SIGNING_CACHE_WAYS
 * entries, no allocation, no growth) shared by every request thread; each
 * set has its own mutex, held only to compare and copy one entry.
 *
 * An entry answers only for the very secret it was derived from, compared
 * in full, so a secret that changes (another credentials file, a reused
 * access key id) can never be served a stale key.  Intended use, as in
 * authn.c: signing_cache_get(); on a miss sigv4_signing_key(); then
 * sigv4_verify_key(), and signing_cache_put() only when it returned
 * SIGV4_OK.
 */
#ifndef CASESD_SIGNING_CACHE_H
#define CASESD_SIGNING_CACHE_H

#include "auth/sigv4.h"

#define SIGNING_CACHE_SETS 64 /* a power of two */
#define SIGNING_CACHE_WAYS 2

/*
 * Copies into key the signing key kept for auth's access key id, date,
 * region and service under secret, so the caller can skip the derivation.
 * Returns 1 when found, 0 when not (key is then untouched).  Thread-safe.
 */
int signing_cache_get(const sigv4_auth *auth, const char *secret,
                      unsigned char key[SIGV4_KEY_LEN]);

/*
 * Keeps key, derived from secret for auth's scope, for later requests,
 * replacing the least recently used entry of its set.  Call it only once a
 * signature made with key has verified: then a client that merely knows an
 * access key id cannot fill the cache with scopes of its choosing and
 * evict the keys of real callers.  Secrets longer than SIGV4_SECRET_MAX
 * are not kept.  Thread-safe.
 */
void signing_cache_put(const sigv4_auth *auth, const char *secret,
                       const unsigned char key[SIGV4_KEY_LEN]);

/*
 * Wipes every entry (keys and the secret copies they are checked against),
 * for when the credentials they came from are freed, and for tests that
 * need an empty cache.  Thread-safe.  The HMAC states a request thread
 * keeps for the last keys it used (sigv4_signature_mac()) are its own and
 * are wiped when that thread exits.
 */
void signing_cache_clear(void);

#endif
