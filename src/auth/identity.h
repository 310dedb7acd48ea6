/*
 * identity.h - who a request acts for: its account and region.
 *
 * As on AWS, the region is the one named in the SigV4 credential scope and
 * the account is the caller's: here, the access key id when it is a
 * 12-digit number, otherwise the configured default account.  Requests
 * without a usable credential scope act in the configured defaults.
 */
#ifndef CASESD_IDENTITY_H
#define CASESD_IDENTITY_H

#include "app.h"
#include "store/store.h"
#include "util/arena.h"

typedef struct {
    const char *access_key; /* arena-owned, NULL when unsigned */
    const char *service;    /* signing service of the scope, NULL if none */
    store_scope scope;      /* arena-owned strings */
} caller_identity;

/*
 * Resolves the caller from the Authorization header value (may be NULL) or,
 * failing that, the X-Amz-Credential query value (may be NULL).
 */
void identity_resolve(const app_config *cfg, arena *a,
                      const char *authorization, const char *query_credential,
                      caller_identity *out);

#endif
