/* identity.c - account and region of a request (see identity.h). */
#include <ctype.h>
#include <string.h>

#include "auth/identity.h"

static bool is_account_id(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!isdigit((unsigned char)s[n]))
            return false;
    return n == 12;
}

int identity_resolve(const app_config *cfg, arena *a, const sigv4_auth *auth,
                     const principal *who, caller_identity *out)
{
    out->access_key = NULL;
    out->service = NULL;
    out->scope.account = cfg->account_id;
    out->scope.region = cfg->region;
    if (!auth)
        return 0;
    out->access_key = arena_strdup(a, auth->access_key_id);
    out->service = arena_strdup(a, auth->service);
    out->scope.region = arena_strdup(a, auth->region);
    if (!out->access_key || !out->service || !out->scope.region)
        return -1;
    if (who)
        out->scope.account = who->account_id;
    else if (is_account_id(auth->access_key_id))
        out->scope.account = out->access_key;
    return 0;
}
