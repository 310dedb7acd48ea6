/*
 * authn.h - authenticates a request under --auth sigv4 or --auth off.
 *
 * Two steps, following the HTTP layer's callback contract:
 *   authn_read()   first call, headers and query known: reads the claimed
 *                  signature (no hashing), so the signing service can pick
 *                  the API before the path is routed;
 *   authn_check()  last call, body complete: finds the principal, checks
 *                  the signature (sigv4 only) and resolves the caller.
 * Under sigv4 the checks run in AWS's order and fail with its codes:
 * no signature -> MissingAuthenticationTokenException, unknown access key
 * -> UnrecognizedClientException, anything wrong with the signature or a
 * clock more than AUTHN_MAX_SKEW_S away -> InvalidSignatureException (all
 * 403).  Under off nothing is refused.  The module knows nothing of the
 * HTTP library; no message it writes contains a secret.
 */
#ifndef CASESD_AUTHN_H
#define CASESD_AUTHN_H

#include <stdint.h>

#include "app.h"
#include "auth/identity.h"
#include "auth/principals.h"
#include "auth/sigv4.h"
#include "http/errors.h"
#include "util/arena.h"

#define AUTHN_MAX_SKEW_S (15 * 60)

/* What a request claims; lives as long as the request. */
typedef struct {
    sigv4_request req;   /* borrowed pointers; body is set by authn_check */
    sigv4_auth auth;     /* meaningful when parsed == SIGV4_OK */
    sigv4_status parsed; /* sigv4_parse()'s verdict */
} authn_claim;

typedef struct {
    error_code error;           /* ERR_NONE when the request may proceed */
    const char *message;        /* why not: static or arena-owned */
    const principal *principal; /* the caller when known, else NULL */
    caller_identity who;        /* account and region to act in */
} authn_result;

/* Reads the signature of req (copied; what it points to is borrowed). */
void authn_read(authn_claim *c, const sigv4_request *req);

/* The signing service of the credential scope ("cases", "connect"), or
 * NULL when the request is unsigned or its signature unreadable. */
const char *authn_service(const authn_claim *c);

/*
 * Decides on the request once body[0..body_len) is complete (borrowed).
 * now_s is the current time in epoch seconds; a receives what out points
 * to.  Under --auth sigv4 out->principal is set only when the request is
 * accepted; under off it is the principal of the key, if any.
 */
void authn_check(const casesd_app *app, authn_claim *c, const void *body,
                 size_t body_len, int64_t now_s, arena *a, authn_result *out);

#endif
