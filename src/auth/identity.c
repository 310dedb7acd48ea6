/* identity.c - account and region of a request (see identity.h). */
#include <ctype.h>
#include <string.h>

#include "auth/identity.h"

#define SCOPE_PARTS 5 /* AKID/DATE/REGION/SERVICE/aws4_request */

static bool is_account_id(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!isdigit((unsigned char)s[n]))
            return false;
    return n == 12;
}

/* Points at the credential scope "AKID/DATE/REGION/SERVICE/aws4_request"
 * inside an Authorization header and returns its length, or 0. */
static size_t find_scope(const char *authorization, const char **start)
{
    const char *p = strstr(authorization, "Credential=");
    if (!p)
        return 0;
    p += strlen("Credential=");
    *start = p;
    return strcspn(p, ", ");
}

/* Splits scope into its parts (arena copies); false when malformed. */
static bool split_scope(arena *a, const char *scope, size_t len,
                        const char *parts[SCOPE_PARTS])
{
    const char *p = scope, *end = scope + len;

    for (int i = 0; i < SCOPE_PARTS; i++) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        const char *stop = slash ? slash : end;
        if (stop == p || (i < SCOPE_PARTS - 1 && !slash))
            return false;
        parts[i] = arena_strndup(a, p, (size_t)(stop - p));
        if (!parts[i])
            return false;
        p = stop + 1;
        if (i == SCOPE_PARTS - 1 && slash)
            return false;
    }
    return true;
}

void identity_resolve(const app_config *cfg, arena *a,
                      const char *authorization, const char *query_credential,
                      caller_identity *out)
{
    const char *scope = NULL, *parts[SCOPE_PARTS];
    size_t len = 0;

    out->access_key = NULL;
    out->service = NULL;
    out->scope.account = cfg->account_id;
    out->scope.region = cfg->region;
    if (authorization)
        len = find_scope(authorization, &scope);
    if (!len && query_credential) {
        scope = query_credential;
        len = strlen(query_credential);
    }
    if (!len || !split_scope(a, scope, len, parts))
        return;
    out->access_key = parts[0];
    out->service = parts[3];
    out->scope.region = parts[2];
    if (is_account_id(parts[0]))
        out->scope.account = parts[0];
}
