/*
 * access.c - the Connect security profile model of case access (see
 * access.h): a pure part that reads profiles and judges tags, and the
 * checks handlers call, which load the caller's rights once per request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "auth/access.h"
#include "http/reply_cache.h"
#include "util/arn.h"

static const char *const permission_names[ACCESS__COUNT] = {
    [ACCESS_CASES_VIEW] = "Cases.View",
    [ACCESS_CASES_CREATE] = "Cases.Create",
    [ACCESS_CASES_EDIT] = "Cases.Edit",
    [ACCESS_CASES_DELETE] = "Cases.Delete",
    [ACCESS_CASE_HISTORY_VIEW] = "CaseHistory.View",
};

/* Both spellings name cases: AWS documents neither exactly
 * (cases-behaviour.md section 12.1). */
static const char *const case_resource_names[] = {"Case", "Cases", NULL};

/* --- the pure model ------------------------------------------------------------ */

access_permission access_permission_of(const char *name)
{
    for (int p = 0; name && p < ACCESS__COUNT; p++)
        if (strcmp(permission_names[p], name) == 0)
            return (access_permission)p;
    return ACCESS__COUNT;
}

static unsigned read_grants(const json_t *permissions)
{
    const json_t *item;
    unsigned grants = 0;
    size_t i;

    json_array_foreach(permissions, i, item) {
        access_permission p = access_permission_of(json_string_value(item));
        if (p != ACCESS__COUNT)
            grants |= 1u << p;
    }
    return grants;
}

static bool restricts_cases(const json_t *resources)
{
    const json_t *item;
    size_t i;

    json_array_foreach(resources, i, item) {
        const char *name = json_string_value(item);
        for (const char *const *c = case_resource_names; name && *c; c++)
            if (strcmp(name, *c) == 0)
                return true;
    }
    return false;
}

static int read_tags(arena *a, const json_t *tags, access_profile *out)
{
    const char *key;
    json_t *value;

    json_object_foreach((json_t *)tags, key, value) {
        access_tag *t = &out->tags[out->tag_count++];
        t->key = arena_strdup(a, key);
        t->value = arena_strdup(a, json_string_value(value) ? json_string_value(value) : "");
        if (!t->key || !t->value)
            return -1;
    }
    return 0;
}

int access_profile_read(arena *a, const json_t *doc, access_profile *out)
{
    const json_t *tags = json_object_get(doc, "AllowedAccessControlTags");

    memset(out, 0, sizeof *out);
    if (json_object_size(tags) > ACCESS_MAX_TAGS)
        return 0; /* fail closed: grants nothing */
    out->grants = read_grants(json_object_get(doc, "Permissions"));
    if (!restricts_cases(json_object_get(doc, "TagRestrictedResources")))
        return 0;
    return read_tags(a, tags, out);
}

json_t *access_profile_digest(arena *a, const json_t *doc)
{
    access_profile prof;
    json_t *out;

    if (access_profile_read(a, doc, &prof) != 0 ||
        !(out = json_pack("[I]", (json_int_t)prof.grants)))
        return NULL;
    for (int i = 0; i < prof.tag_count; i++) {
        json_array_append_new(out, json_string(prof.tags[i].key));
        json_array_append_new(out, json_string(prof.tags[i].value));
    }
    return out;
}

/* The string at i of a digest copied into a, "" when it is not one. */
static const char *digest_str(arena *a, const json_t *digest, size_t i)
{
    const char *s = json_string_value(json_array_get(digest, i));
    return arena_strdup(a, s ? s : "");
}

int access_digest_read(arena *a, const json_t *digest, access_profile *out)
{
    size_t n = json_array_size(digest);

    memset(out, 0, sizeof *out);
    if (n == 0 || n % 2 == 0 || n > 1 + 2 * ACCESS_MAX_TAGS ||
        !json_is_integer(json_array_get(digest, 0)))
        return 0; /* malformed: grants nothing */
    for (size_t i = 1; i < n; i += 2) {
        access_tag *t = &out->tags[out->tag_count++];
        t->key = digest_str(a, digest, i);
        t->value = digest_str(a, digest, i + 1);
        if (!t->key || !t->value)
            return -1;
    }
    out->grants = (unsigned)json_integer_value(json_array_get(digest, 0));
    return 0;
}

static bool grants(const access_profile *prof, access_permission p)
{
    return (prof->grants & (1u << p)) != 0;
}

bool access_granted(const access_rights *r, access_permission p)
{
    if (r->admin)
        return true;
    for (int i = 0; i < r->profile_count; i++)
        if (grants(&r->profiles[i], p))
            return true;
    return false;
}

bool access_unconditional(const access_rights *r, access_permission p)
{
    if (r->admin)
        return true;
    for (int i = 0; i < r->profile_count; i++)
        if (grants(&r->profiles[i], p) && r->profiles[i].tag_count == 0)
            return true;
    return false;
}

/* Whether tags carry every access-control tag of prof. */
static bool carries_all(const access_profile *prof, const json_t *tags)
{
    for (int i = 0; i < prof->tag_count; i++) {
        const char *have = json_string_value(
            json_object_get(tags, prof->tags[i].key));
        if (!have || strcmp(have, prof->tags[i].value) != 0)
            return false;
    }
    return true;
}

bool access_tags_allow(const access_rights *r, access_permission p,
                       const json_t *tags)
{
    if (access_unconditional(r, p))
        return true;
    for (int i = 0; i < r->profile_count; i++)
        if (grants(&r->profiles[i], p) && carries_all(&r->profiles[i], tags))
            return true;
    return false;
}

/* --- the bound user ----------------------------------------------------------------- */

const char *access_user_arn(const request_ctx *ctx)
{
    return ctx->principal ? ctx->principal->connect_user_arn : NULL;
}

char *access_instance_key(arena *a, const char *instance_id)
{
    return arena_concat(a, ACCESS_INSTANCE_PREFIX, instance_id, (char *)NULL);
}

int access_default_performer(request_ctx *ctx)
{
    const char *arn = access_user_arn(ctx);

    if (!arn || json_object_get(ctx->input, "performedBy"))
        return 0;
    if (json_object_set_new(ctx->input, "performedBy",
                            json_pack("{s:s}", "userArn", arn)) != 0)
        return api_fail(ctx, ERR_INTERNAL, "Out of memory");
    return 0;
}

/* Where the user an ARN names is stored (strings arena-owned). */
typedef struct {
    store_scope scope;
    const char *instance_key;
    const char *user_id;
} user_ref;

/* The text of arn up to the next stop character (arena-owned), advancing
 * *s past the stop; NULL when there is no stop or the text is empty. */
static const char *take_part(arena *a, const char **s, char stop)
{
    const char *end = strchr(*s, stop);
    const char *part;

    if (!end || end == *s)
        return NULL;
    part = arena_strndup(a, *s, (size_t)(end - *s));
    *s = end + 1;
    return part;
}

/* Splits arn:PARTITION:connect:REGION:ACCOUNT:instance/ID/agent/ID (the
 * form principals.c admits) into *out.  -1 when it is not of that form. */
static int parse_user_arn(arena *a, const char *arn, user_ref *out)
{
    const char *s = arn, *instance;

    if (!take_part(a, &s, ':') || !take_part(a, &s, ':') ||
        strncmp(s, "connect:", 8) != 0)
        return -1;
    s += 8;
    out->scope.region = take_part(a, &s, ':');
    out->scope.account = take_part(a, &s, ':');
    if (!out->scope.region || !out->scope.account ||
        strncmp(s, "instance/", 9) != 0)
        return -1;
    s += 9;
    instance = take_part(a, &s, '/');
    if (!instance || strncmp(s, "agent/", 6) != 0 || !s[6] ||
        strchr(s + 6, '/'))
        return -1;
    out->instance_key = access_instance_key(a, instance);
    out->user_id = s + 6;
    return out->instance_key ? 0 : -1;
}

/* --- loading the caller's rights -------------------------------------------------- */

/*
 * Rights are kept between requests in the reply cache (http/reply_cache.h),
 * flattened: per profile its grants as 8 hex digits, its tag count as one
 * digit, then each key and value ended by NUL.  Every write of the Connect
 * API retires them, as it retires cached answers, so a change to a user or
 * a profile still applies to the next request.
 */
static char *rights_key(arena *a, const user_ref *u, size_t *len)
{
    /* Built on every request of a bound user: no printf. */
    char *key = arena_concat(a, "access\n", u->scope.account, "\n",
                             u->scope.region, "\n", u->instance_key, "\n",
                             u->user_id, (char *)NULL);
    *len = key ? strlen(key) : 0;
    return key;
}

static size_t rights_flatten(const access_rights *r, char *out, size_t cap)
{
    size_t n = 0;

    for (int p = 0; p < r->profile_count; p++) {
        const access_profile *prof = &r->profiles[p];
        int w = snprintf(out + n, cap - n, "%08x%d", prof->grants,
                         prof->tag_count);
        if (w < 0 || (size_t)w >= cap - n)
            return 0;
        n += (size_t)w;
        for (int t = 0; t < prof->tag_count; t++)
            for (int side = 0; side < 2; side++) {
                const char *s = side ? prof->tags[t].value : prof->tags[t].key;
                size_t len = strlen(s) + 1;
                if (len > cap - n)
                    return 0;
                memcpy(out + n, s, len);
                n += len;
            }
    }
    return n;
}

/* Reads what rights_flatten wrote; flat is arena-owned and outlives r. */
static void rights_unflatten(char *flat, size_t len, access_rights *r)
{
    char *p = flat, *end = flat + len;

    while (end - p >= 9 && r->profile_count < ACCESS_MAX_PROFILES) {
        access_profile *prof = &r->profiles[r->profile_count++];
        char hex[9];

        memcpy(hex, p, 8);
        hex[8] = '\0';
        prof->grants = (unsigned)strtoul(hex, NULL, 16);
        prof->tag_count = p[8] - '0';
        p += 9;
        for (int t = 0; t < prof->tag_count; t++) {
            prof->tags[t].key = p;
            p += strlen(p) + 1;
            prof->tags[t].value = p;
            p += strlen(p) + 1;
        }
    }
}

/* Fills r from the access record itself; a user that is not there leaves
 * r granting nothing.  Returns a store status. */
static int read_user(request_ctx *ctx, const user_ref *u, access_rights *r)
{
    store_record rec;
    const json_t *digest;
    size_t i;
    int rc;

    rc = store_record_get(ctx->db, &u->scope, RES_USER_ACCESS, u->instance_key,
                          u->user_id, ctx->arena, &rec);
    if (rc != STORE_OK)
        return rc == STORE_NOT_FOUND ? STORE_OK : rc;
    json_array_foreach(rec.deleted ? NULL : rec.doc, i, digest) {
        if (i >= ACCESS_MAX_PROFILES)
            break;
        if (access_digest_read(ctx->arena, digest,
                               &r->profiles[r->profile_count]) == 0)
            r->profile_count++;
    }
    json_decref(rec.doc);
    return STORE_OK;
}

/* Fills r with the rights of the user ctx's principal acts as, from the
 * cache when they are there.  Returns a store status. */
static int load_user(request_ctx *ctx, access_rights *r)
{
    /* 10 profiles of 4 tags of 2 x (128 + 1) bytes, and their headers */
    enum { FLAT_MAX = ACCESS_MAX_PROFILES * (9 + ACCESS_MAX_TAGS * 2 * 257) };
    reply_cache *cache = ctx->app->replies;
    uint64_t epoch = reply_cache_epoch(cache);
    user_ref u;
    size_t key_len, flat_len;
    char *key, *flat;
    int rc;

    if (parse_user_arn(ctx->arena, access_user_arn(ctx), &u) != 0)
        return STORE_OK;
    key = rights_key(ctx->arena, &u, &key_len);
    if (key && (flat = reply_cache_get(cache, key, key_len, &flat_len))) {
        char *copy = arena_alloc(ctx->arena, flat_len + 1);
        if (copy) {
            memcpy(copy, flat, flat_len + 1);
            rights_unflatten(copy, flat_len, r);
        }
        free(flat);
        return copy ? STORE_OK : STORE_ERROR;
    }
    if ((rc = read_user(ctx, &u, r)) != STORE_OK || !key)
        return rc;
    flat = arena_alloc(ctx->arena, FLAT_MAX);
    if (flat && ((flat_len = rights_flatten(r, flat, FLAT_MAX)) > 0 ||
                 r->profile_count == 0))
        reply_cache_put(cache, key, key_len, epoch, flat, flat_len);
    return STORE_OK;
}

/* The caller's rights, loaded on first use in this request. */
static const access_rights *rights_of(request_ctx *ctx)
{
    access_rights *r;
    int rc;

    if (ctx->access)
        return ctx->access;
    r = arena_calloc(ctx->arena, sizeof *r);
    if (!r) {
        api_fail(ctx, ERR_INTERNAL, "Out of memory");
        return NULL;
    }
    r->admin = access_user_arn(ctx) == NULL;
    if (!r->admin && (rc = load_user(ctx, r)) != STORE_OK) {
        api_store_failed(ctx, rc);
        return NULL;
    }
    ctx->access = r;
    return r;
}

/* --- checks ------------------------------------------------------------------------- */

static int deny(request_ctx *ctx, access_permission p)
{
    return api_fail(ctx, ERR_ACCESS_DENIED,
                    "The caller's security profiles do not grant %s on this case",
                    permission_names[p]);
}

int access_require(request_ctx *ctx, access_permission p)
{
    const access_rights *r = rights_of(ctx);

    if (!r)
        return -1;
    if (!access_granted(r, p))
        return api_fail(ctx, ERR_ACCESS_DENIED,
                        "The caller's security profiles do not grant %s",
                        permission_names[p]);
    return 0;
}

bool access_restricted(const request_ctx *ctx, access_permission p)
{
    return ctx->access && !access_unconditional(ctx->access, p);
}

int access_case_allowed(request_ctx *ctx, access_permission p,
                        const json_t *tags)
{
    const access_rights *r = rights_of(ctx);

    if (!r)
        return -1;
    return access_tags_allow(r, p, tags) ? 1 : 0;
}

int access_require_tags(request_ctx *ctx, access_permission p,
                        const json_t *tags)
{
    int ok = access_case_allowed(ctx, p, tags);

    if (ok < 0)
        return -1;
    return ok ? 0 : deny(ctx, p);
}

int access_case_visible(request_ctx *ctx, store_conn *conn,
                        access_permission p, const char *domain_id,
                        const char *case_id)
{
    const access_rights *r = rights_of(ctx);
    json_t *tags = NULL;
    char *arn;
    int rc;

    if (!r)
        return -1;
    if (access_unconditional(r, p))
        return 1;
    if (!access_granted(r, p))
        return 0;
    arn = arn_format(ctx->arena, ARN_CASE, ctx->scope.region,
                     ctx->scope.account, domain_id, case_id, NULL);
    if (!arn)
        return api_fail(ctx, ERR_INTERNAL, "Out of memory");
    if ((rc = store_tags_get(conn, arn, &tags)) != STORE_OK)
        return api_store_failed(ctx, rc);
    rc = access_tags_allow(r, p, tags) ? 1 : 0;
    json_decref(tags);
    return rc;
}

int access_check_case(request_ctx *ctx, store_conn *conn, access_permission p,
                      const char *domain_id, const char *case_id)
{
    int ok = access_case_visible(ctx, conn, p, domain_id, case_id);

    if (ok < 0)
        return -1;
    return ok ? 0 : deny(ctx, p);
}

/* --- the search condition --------------------------------------------------------- */

static search_node *new_node(arena *a, search_node_kind kind, int children)
{
    search_node *n = arena_calloc(a, sizeof *n);

    if (!n)
        return NULL;
    n->kind = kind;
    if (children > 0 &&
        !(n->children = arena_calloc(a, (size_t)children * sizeof *n->children)))
        return NULL;
    return n;
}

/* A node with a single child is that child: the store can then use the
 * indexes and counters it keeps for a lone condition. */
static search_node *unwrap(search_node *n)
{
    return n && n->child_count == 1 ? n->children[0] : n;
}

/* The AND of prof's access-control tags as SEARCH_TAG nodes. */
static search_node *profile_node(arena *a, const access_profile *prof)
{
    search_node *and = new_node(a, SEARCH_AND, prof->tag_count);

    for (int i = 0; and && i < prof->tag_count; i++) {
        search_node *tag = new_node(a, SEARCH_TAG, 0);
        if (!tag)
            return NULL;
        tag->tag_key = prof->tags[i].key;
        tag->tag_value = prof->tags[i].value;
        and->children[and->child_count++] = tag;
    }
    return unwrap(and);
}

/* Whether every tag of sub is one of sup's: sup's condition then implies
 * sub's, and sup adds nothing to an OR holding sub. */
static bool tags_within(const access_profile *sub, const access_profile *sup)
{
    for (int i = 0; i < sub->tag_count; i++) {
        bool found = false;
        for (int j = 0; !found && j < sup->tag_count; j++)
            found = strcmp(sub->tags[i].key, sup->tags[j].key) == 0 &&
                    strcmp(sub->tags[i].value, sup->tags[j].value) == 0;
        if (!found)
            return false;
    }
    return true;
}

/* Whether profile i of r adds a condition of its own to the OR for p: it
 * grants p, and no other granting profile is looser (or, if as loose, comes
 * first). */
static bool adds_condition(const access_rights *r, access_permission p, int i)
{
    const access_profile *prof = &r->profiles[i];

    if (!grants(prof, p))
        return false;
    for (int j = 0; j < r->profile_count; j++) {
        const access_profile *other = &r->profiles[j];
        if (j == i || !grants(other, p) || !tags_within(other, prof))
            continue;
        if (!tags_within(prof, other) || j < i)
            return false;
    }
    return true;
}

int access_search_node(request_ctx *ctx, arena *a, access_permission p,
                       search_node **out)
{
    const access_rights *r;
    search_node *or;

    *out = NULL;
    if (access_require(ctx, p) != 0)
        return -1;
    r = ctx->access;
    if (access_unconditional(r, p))
        return 0;
    if (!(or = new_node(a, SEARCH_OR, r->profile_count)))
        return api_fail(ctx, ERR_INTERNAL, "Out of memory");
    for (int i = 0; i < r->profile_count; i++) {
        search_node *and;
        if (!adds_condition(r, p, i))
            continue;
        if (!(and = profile_node(a, &r->profiles[i])))
            return api_fail(ctx, ERR_INTERNAL, "Out of memory");
        or->children[or->child_count++] = and;
    }
    *out = unwrap(or);
    return 0;
}
