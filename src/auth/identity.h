/*
 * identity.h - who a request acts for: its account and region.
 *
 * As on AWS, the region is the one named in the SigV4 credential scope and
 * the account is the caller's: the account of the principal the access key
 * belongs to (--credentials); failing that, the access key id itself when
 * it is a 12-digit number (--auth off, for local development); otherwise
 * the configured default account.  Requests without a readable signature
 * act in the configured defaults.  Reading the signature is sigv4_parse()'s
 * job; this module only applies the rules above to what it found.
 */
#ifndef CASESD_IDENTITY_H
#define CASESD_IDENTITY_H

#include "app.h"
#include "auth/principals.h"
#include "auth/sigv4.h"
#include "store/store.h"
#include "util/arena.h"

typedef struct {
    const char *access_key; /* arena-owned, NULL when unsigned */
    const char *service;    /* signing service of the scope, NULL if none */
    store_scope scope;      /* arena-owned or cfg-owned strings */
} caller_identity;

/*
 * Resolves the caller from a signature sigv4_parse() accepted (auth; NULL
 * when the request is unsigned or its signature unreadable) and the
 * principal its access key belongs to (who; may be NULL).  Strings taken
 * from auth are copied into a, so auth need not outlive the result.
 * Returns 0, or -1 when a is out of memory.
 */
int identity_resolve(const app_config *cfg, arena *a, const sigv4_auth *auth,
                      const principal *who, caller_identity *out);

#endif
