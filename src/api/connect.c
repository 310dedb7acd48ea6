/*
 * connect.c - operations of the Amazon Connect API (model_connect), served
 * to requests whose credential scope names the "connect" service:
 * CreateSecurityProfile, DescribeSecurityProfile, UpdateSecurityProfile,
 * DeleteSecurityProfile, ListSecurityProfiles,
 * ListSecurityProfilePermissions, CreateUser, DescribeUser, ListUsers,
 * UpdateUserSecurityProfiles, DeleteUser.  They exist so that the Cases
 * API can judge callers by the security profiles of the Connect user they
 * act as (auth/access.h).
 *
 * Operations not bound here are routed and validated like any other, then
 * answered with UnknownOperationException (404) naming the operation.
 *
 * Security profiles and users are records (kinds RES_SECURITY_PROFILE and
 * RES_USER) filed under their instance (access_instance_key); the
 * document holds the resource as Describe returns it, plus what only other
 * operations return (a profile's Permissions, Applications and
 * AllowedFlowModules).  Each user also has an access record (kind
 * RES_USER_ACCESS, auth/access.h) holding the digests of its profiles, so
 * one small read tells what a user may do with cases; every write that
 * changes a user's profiles, or a profile some user holds, rewrites it in
 * its own transaction.  Choices where casesd departs from or goes beyond
 * what AWS documents (docs/behaviour.md):
 *  - There is no instance resource: any InstanceId names an instance,
 *    empty until something is created in it, and an instance holds no
 *    predefined profiles (Admin, Agent, ...).
 *  - Ids are UUIDs; ARNs are arn:aws:connect:REGION:ACCOUNT:instance/
 *    INSTANCE/security-profile/ID and .../instance/INSTANCE/agent/ID.
 *  - Profile names and usernames are unique among the live ones of an
 *    instance (DuplicateResourceException); case-sensitive.
 *  - CreateUser and UpdateUserSecurityProfiles keep each security profile
 *    id once, in the order given; an id naming no live profile of the
 *    instance is an InvalidParameterException.  RoutingProfileId,
 *    HierarchyGroupId and DirectoryUserId are stored and returned
 *    unchecked; Password is checked by the model and never stored.
 *  - DeleteSecurityProfile refuses a profile some live user holds
 *    (ResourceInUseException).  Deleted profiles and users are gone for
 *    every operation; their names are free again.
 *  - UpdateSecurityProfile replaces each member it is given and leaves the
 *    others; Tags are set on creation only.
 *  - LastModifiedTime is epoch seconds (the model's timestamp format for
 *    this protocol); LastModifiedRegion the region of the last write.
 *  - Lists run in creation order, 100 per page when MaxResults is absent.
 *  - Calling these operations needs no Connect permission: who may manage
 *    users and profiles is IAM's business, which casesd does not model.
 */
#include <string.h>

#include "api/api.h"
#include "auth/access.h"
#include "util/timeutil.h"

#define DEFAULT_MAX_RESULTS 100
#define LIST_BATCH 128

/* Members of CreateSecurityProfile kept as given. */
static const char *const profile_create_members[] = {
    "Description", "Permissions", "Tags", "AllowedAccessControlTags",
    "TagRestrictedResources", "Applications", "HierarchyRestrictedResources",
    "AllowedAccessControlHierarchyGroupId", "AllowedFlowModules",
    "GranularAccessControlConfiguration", NULL,
};

/* Members UpdateSecurityProfile replaces when given. */
static const char *const profile_update_members[] = {
    "Description", "Permissions", "AllowedAccessControlTags",
    "TagRestrictedResources", "Applications", "HierarchyRestrictedResources",
    "AllowedAccessControlHierarchyGroupId", "AllowedFlowModules",
    "GranularAccessControlConfiguration", NULL,
};

/* DescribeSecurityProfile's SecurityProfile, but LastModifiedTime. */
static const char *const profile_describe_members[] = {
    "Id", "OrganizationResourceId", "Arn", "SecurityProfileName",
    "Description", "Tags", "AllowedAccessControlTags",
    "TagRestrictedResources", "LastModifiedRegion",
    "HierarchyRestrictedResources", "AllowedAccessControlHierarchyGroupId",
    "GranularAccessControlConfiguration", NULL,
};

/* Members of CreateUser kept as given (SecurityProfileIds is checked). */
static const char *const user_create_members[] = {
    "IdentityInfo", "PhoneConfig", "DirectoryUserId", "RoutingProfileId",
    "HierarchyGroupId", "Tags", "AutoAcceptConfigs",
    "AfterContactWorkConfigs", "PhoneNumberConfigs",
    "PersistentConnectionConfigs", "VoiceEnhancementConfigs", NULL,
};

/* DescribeUser's User, but LastModifiedTime. */
static const char *const user_describe_members[] = {
    "Id", "Arn", "Username", "IdentityInfo", "PhoneConfig",
    "DirectoryUserId", "SecurityProfileIds", "RoutingProfileId",
    "HierarchyGroupId", "Tags", "AutoAcceptConfigs",
    "AfterContactWorkConfigs", "PhoneNumberConfigs",
    "PersistentConnectionConfigs", "VoiceEnhancementConfigs",
    "LastModifiedRegion", NULL,
};

/* --- small helpers --------------------------------------------------------------- */

static const char *type_name(resource_kind kind)
{
    return kind == RES_USER ? "User" : "SecurityProfile";
}

static const char *arn_word(resource_kind kind)
{
    return kind == RES_USER ? "agent" : "security-profile";
}

static char *connect_arn(request_ctx *ctx, resource_kind kind,
                         const char *instance_id, const char *id)
{
    return arena_printf(ctx->arena, "arn:aws:connect:%s:%s:instance/%s/%s/%s",
                        ctx->scope.region, ctx->scope.account, instance_id,
                        arn_word(kind), id);
}

/* A Timestamp in epoch seconds (new reference). */
static json_t *epoch_seconds(int64_t ms)
{
    return json_real((double)ms / 1000.0);
}

static void copy_members(json_t *dst, const json_t *src,
                         const char *const *members)
{
    for (; *members; members++) {
        json_t *v = json_object_get(src, *members);
        if (v)
            json_object_set(dst, *members, v);
    }
}

static void set_default(json_t *obj, const char *name, json_t *value)
{
    if (!json_object_get(obj, name))
        json_object_set(obj, name, value);
    json_decref(value);
}

/* The strings of list, each once, in order (new reference). */
static json_t *distinct_strings(const json_t *list)
{
    json_t *out = json_array(), *seen = json_object();
    const json_t *item;
    size_t i;

    json_array_foreach(list, i, item) {
        const char *s = json_string_value(item);
        if (!s || json_object_get(seen, s))
            continue;
        json_object_set_new(seen, s, json_true());
        json_array_append(out, (json_t *)item);
    }
    json_decref(seen);
    return out;
}

/* The instance key of the request (arena-owned), or NULL after failing. */
static const char *instance_key(request_ctx *ctx)
{
    char *key = access_instance_key(ctx->arena,
                                    api_input_str(ctx, "InstanceId"));

    if (!key)
        api_fail(ctx, ERR_INTERNAL, "Out of memory");
    return key;
}

/*
 * Loads the live record of kind whose id is input member id_member, in the
 * request's instance; a missing or deleted one is a 404.  out->doc is the
 * caller's.  Returns 0, -1 after failing, or a store status.
 */
static int load_record(request_ctx *ctx, store_conn *conn, resource_kind kind,
                       const char *id_member, store_record *out)
{
    const char *key = instance_key(ctx);
    const char *id = api_input_str(ctx, id_member);
    int rc;

    if (!key)
        return -1;
    rc = store_record_get(conn, &ctx->scope, kind, key, id, ctx->arena, out);
    if (rc == STORE_OK && out->deleted) {
        json_decref(out->doc);
        rc = STORE_NOT_FOUND;
    }
    if (rc == STORE_NOT_FOUND)
        return api_not_found(ctx, type_name(kind), id);
    return rc;
}

/* What Describe returns of rec: members of its document and the time of
 * its last change (new reference). */
static json_t *describe(const store_record *rec, const char *const *members)
{
    json_t *out = json_object();

    copy_members(out, rec->doc, members);
    json_object_set_new(out, "LastModifiedTime", epoch_seconds(rec->modified_ms));
    return out;
}

/* Stamps rec as changed now in the request's region. */
static void touch(request_ctx *ctx, store_record *rec)
{
    rec->modified_ms = time_now_ms();
    json_object_set_new(rec->doc, "LastModifiedRegion",
                        json_string(ctx->scope.region));
}

/* --- paging ------------------------------------------------------------------------ */

static void rename_member(json_t *obj, const char *from, const char *to)
{
    json_t *v = json_object_get(obj, from);

    if (!v)
        return;
    json_object_set(obj, to, v);
    json_object_del(obj, from);
}

/* The shared list helpers (api.h) read nextToken and maxResults and write
 * nextToken; the Connect model spells them NextToken and MaxResults. */
static void paging_in(request_ctx *ctx)
{
    rename_member(ctx->input, "NextToken", "nextToken");
    rename_member(ctx->input, "MaxResults", "maxResults");
}

static int paging_out(request_ctx *ctx, int rc)
{
    if (rc == 0)
        rename_member(ctx->output, "nextToken", "NextToken");
    return rc;
}

/* How a list names a resource: member of the summary, member of the
 * document it comes from. */
typedef struct {
    const char *summary_member;
    const char *doc_member;
} name_member;

static json_t *summary(request_ctx *ctx, const store_record *rec, void *arg)
{
    const name_member *name = arg;
    (void)ctx;

    return json_pack("{s:O, s:O, s:O, s:o, s:O*}", "Id",
                     json_object_get(rec->doc, "Id"), "Arn",
                     json_object_get(rec->doc, "Arn"), name->summary_member,
                     json_object_get(rec->doc, name->doc_member),
                     "LastModifiedTime", epoch_seconds(rec->modified_ms),
                     "LastModifiedRegion",
                     json_object_get(rec->doc, "LastModifiedRegion"));
}

static int list_kind(request_ctx *ctx, resource_kind kind, const char *member,
                     const name_member *name)
{
    const char *key = instance_key(ctx);

    if (!key)
        return -1;
    paging_in(ctx);
    return paging_out(ctx, api_list_records(ctx, kind, key, key, false,
                                            DEFAULT_MAX_RESULTS, member,
                                            summary, (void *)name));
}

/* --- creating ------------------------------------------------------------------------ */

typedef struct {
    request_ctx *ctx;
    store_record rec; /* doc owned */
    const char *arn;
    const char *what; /* "security profile" or "user", for messages */
} create_tx;

/* Starts the record of a new resource of kind named name: its document
 * holds Id, Arn and LastModifiedRegion.  Returns 0 or -1. */
static int begin_create(request_ctx *ctx, resource_kind kind, const char *id,
                        const char *name, create_tx *t)
{
    const char *instance = api_input_str(ctx, "InstanceId");
    const char *key = instance_key(ctx);

    t->ctx = ctx;
    t->what = kind == RES_USER ? "user" : "security profile";
    t->arn = connect_arn(ctx, kind, instance, id);
    if (!key || !t->arn)
        return key ? api_fail(ctx, ERR_INTERNAL, "Out of memory") : -1;
    t->rec = (store_record){.kind = kind, .domain_id = key, .id = id,
                            .name = name};
    t->rec.created_ms = t->rec.modified_ms = time_now_ms();
    t->rec.doc = json_pack("{s:s, s:s}", "Id", id, "Arn", t->arn);
    if (!t->rec.doc)
        return api_fail(ctx, ERR_INTERNAL, "Out of memory");
    touch(ctx, &t->rec);
    return 0;
}

static int insert_record(store_conn *conn, create_tx *t)
{
    int rc = store_record_insert(conn, &t->ctx->scope, &t->rec);

    if (rc == STORE_CONFLICT)
        return api_fail(t->ctx, ERR_DUPLICATE_RESOURCE,
                        "A %s named '%s' already exists in this instance",
                        t->what, t->rec.name);
    return rc;
}

static int insert_in_tx(store_conn *conn, void *arg)
{
    return insert_record(conn, arg);
}

/* Runs fn on t and answers {id_member: Id, arn_member: Arn}. */
static int finish_create(create_tx *t, store_tx_fn fn, const char *id_member,
                         const char *arn_member)
{
    request_ctx *ctx = t->ctx;
    int rc = store_tx(ctx->db, fn, t);

    json_decref(t->rec.doc);
    if (rc != 0)
        return api_tx_result(ctx, rc);
    ctx->output = json_pack("{s:s, s:s}", id_member, t->rec.id, arn_member,
                            t->arn);
    return ctx->output ? 0 : api_fail(ctx, ERR_INTERNAL, "Out of memory");
}

/* --- the profiles users hold ------------------------------------------------------- */

/* The digest (access_profile_digest) of live profile id of the instance
 * key into *out (new reference).  Returns 0, -1 after failing (an unknown
 * or deleted profile is an InvalidParameterException), or a store status. */
static int profile_digest(store_conn *conn, request_ctx *ctx, const char *key,
                          const char *id, json_t **out)
{
    store_record rec;
    int rc = store_record_get(conn, &ctx->scope, RES_SECURITY_PROFILE, key, id,
                              ctx->arena, &rec);

    if (rc == STORE_OK && rec.deleted) {
        json_decref(rec.doc);
        rc = STORE_NOT_FOUND;
    }
    if (rc == STORE_NOT_FOUND)
        return api_fail(ctx, ERR_INVALID_PARAMETER,
                        "Security profile %s does not exist in this instance", id);
    if (rc != STORE_OK)
        return rc;
    *out = access_profile_digest(ctx->arena, rec.doc);
    json_decref(rec.doc);
    return *out ? 0 : api_fail(ctx, ERR_INTERNAL, "Out of memory");
}

/* The digests of the profiles ids names, in order, into *out (new
 * reference).  Returns 0, -1 after failing, or a store status. */
static int profile_digests(store_conn *conn, request_ctx *ctx, const char *key,
                           const json_t *ids, json_t **out)
{
    const json_t *id;
    size_t i;
    int rc = 0;

    *out = json_array();
    json_array_foreach(ids, i, id) {
        json_t *digest;
        if ((rc = profile_digest(conn, ctx, key, json_string_value(id),
                                 &digest)) != 0)
            break;
        json_array_append_new(*out, digest);
    }
    if (rc != 0) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

/* Writes (create: inserts) the access record of user: the digests of its
 * profiles, deleted with the user.  digests is borrowed. */
static int write_access(store_conn *conn, request_ctx *ctx,
                        const store_record *user, json_t *digests, bool create)
{
    store_record rec = {.kind = RES_USER_ACCESS, .domain_id = user->domain_id,
                        .id = user->id, .deleted = user->deleted,
                        .created_ms = user->created_ms,
                        .modified_ms = user->modified_ms, .doc = digests};

    if (create)
        return store_record_insert(conn, &ctx->scope, &rec);
    return store_record_update(conn, &ctx->scope, &rec);
}

/* Sets the user's SecurityProfileIds to ids (which must name live
 * profiles) and writes its access record.  Returns 0, -1 after failing,
 * or a store status. */
static int set_user_profiles(store_conn *conn, request_ctx *ctx,
                             const store_record *user, json_t *ids,
                             bool create)
{
    json_t *digests;
    int rc = profile_digests(conn, ctx, user->domain_id, ids, &digests);

    if (rc != 0)
        return rc;
    json_object_set(user->doc, "SecurityProfileIds", ids);
    rc = write_access(conn, ctx, user, digests, create);
    json_decref(digests);
    return rc;
}

typedef struct {
    const char *profile_id;
    json_t *holders; /* ids of the users found (owned by the caller) */
    bool first_only; /* stop at the first one */
    int rows;
    int64_t last_seq;
} holder_search;

/* Notes a user holding the profile; stops the walk (1) when one is
 * enough. */
static int holds_profile(const store_record *rec, void *arg)
{
    holder_search *s = arg;
    const json_t *id;
    size_t i;

    s->rows++;
    s->last_seq = rec->seq;
    json_array_foreach(json_object_get(rec->doc, "SecurityProfileIds"), i, id) {
        if (strcmp(json_string_value(id), s->profile_id) != 0)
            continue;
        json_array_append_new(s->holders, json_string(rec->id));
        return s->first_only ? 1 : 0;
    }
    return 0;
}

/* Adds to s->holders the live users of the instance key holding
 * s->profile_id (the first only when s->first_only).  Returns a store
 * status. */
static int find_holders(store_conn *conn, request_ctx *ctx, const char *key,
                        holder_search *s)
{
    store_list_query q = {.limit = LIST_BATCH};

    for (;;) {
        int rc;
        s->rows = 0;
        rc = store_record_list(conn, &ctx->scope, RES_USER, key, &q,
                               holds_profile, s);
        if (rc == 1)
            return STORE_OK;
        if (rc != STORE_OK || s->rows < q.limit)
            return rc;
        q.after_seq = s->last_seq;
    }
}

/* Rewrites the access record of user id from its profiles as they are
 * now; the user's own record does not change. */
static int refresh_user(store_conn *conn, request_ctx *ctx, const char *key,
                        const char *id)
{
    store_record rec;
    int rc = store_record_get(conn, &ctx->scope, RES_USER, key, id, ctx->arena,
                              &rec);

    if (rc != STORE_OK)
        return rc;
    rc = set_user_profiles(conn, ctx, &rec,
                           json_object_get(rec.doc, "SecurityProfileIds"), false);
    json_decref(rec.doc);
    return rc;
}

/* After a change of the profile, every user holding it gets its new
 * digest (the users' own records, LastModifiedTime included, stay). */
static int refresh_holders(store_conn *conn, request_ctx *ctx,
                           const store_record *profile)
{
    holder_search s = {.profile_id = profile->id, .holders = json_array()};
    const json_t *id;
    size_t i;
    int rc = find_holders(conn, ctx, profile->domain_id, &s);

    json_array_foreach(s.holders, i, id) {
        if (rc != STORE_OK)
            break;
        rc = refresh_user(conn, ctx, profile->domain_id, json_string_value(id));
    }
    json_decref(s.holders);
    return rc;
}

/* --- security profiles ---------------------------------------------------------------- */

static int create_security_profile(request_ctx *ctx)
{
    const char *name = api_input_str(ctx, "SecurityProfileName");
    char id[ID_UUID_LEN];
    create_tx t;

    id_uuid(id);
    if (begin_create(ctx, RES_SECURITY_PROFILE, id, name, &t) != 0)
        return -1;
    copy_members(t.rec.doc, ctx->input, profile_create_members);
    json_object_set_new(t.rec.doc, "SecurityProfileName", json_string(name));
    json_object_set_new(t.rec.doc, "OrganizationResourceId",
                        json_string(api_input_str(ctx, "InstanceId")));
    set_default(t.rec.doc, "AllowedAccessControlTags", json_object());
    set_default(t.rec.doc, "TagRestrictedResources", json_array());
    return finish_create(&t, insert_in_tx, "SecurityProfileId",
                         "SecurityProfileArn");
}

static int describe_security_profile(request_ctx *ctx)
{
    store_record rec;
    int rc = load_record(ctx, ctx->db, RES_SECURITY_PROFILE,
                         "SecurityProfileId", &rec);

    if (rc != 0)
        return api_tx_result(ctx, rc);
    ctx->output = json_pack("{s:o}", "SecurityProfile",
                            describe(&rec, profile_describe_members));
    json_decref(rec.doc);
    return 0;
}

static int update_profile_in_tx(store_conn *conn, void *arg)
{
    request_ctx *ctx = arg;
    store_record rec;
    int rc = load_record(ctx, conn, RES_SECURITY_PROFILE, "SecurityProfileId",
                         &rec);

    if (rc != 0)
        return rc;
    copy_members(rec.doc, ctx->input, profile_update_members);
    touch(ctx, &rec);
    rc = store_record_update(conn, &ctx->scope, &rec);
    if (rc == STORE_OK)
        rc = refresh_holders(conn, ctx, &rec);
    json_decref(rec.doc);
    return rc;
}

static int update_security_profile(request_ctx *ctx)
{
    return api_tx_result(ctx, store_tx(ctx->db, update_profile_in_tx, ctx));
}

static int delete_profile_in_tx(store_conn *conn, void *arg)
{
    request_ctx *ctx = arg;
    holder_search s = {.first_only = true};
    store_record rec;
    int rc = load_record(ctx, conn, RES_SECURITY_PROFILE, "SecurityProfileId",
                         &rec);

    if (rc != 0)
        return rc;
    s.holders = json_array();
    s.profile_id = rec.id;
    rc = find_holders(conn, ctx, rec.domain_id, &s);
    if (rc == STORE_OK && json_array_size(s.holders) > 0)
        rc = api_fail(ctx, ERR_RESOURCE_IN_USE,
                      "Security profile %s is held by a user; remove it from every user first",
                      rec.id);
    if (rc == STORE_OK) {
        rec.deleted = true;
        touch(ctx, &rec);
        rc = store_record_update(conn, &ctx->scope, &rec);
    }
    json_decref(s.holders);
    json_decref(rec.doc);
    return rc;
}

static int delete_security_profile(request_ctx *ctx)
{
    return api_tx_result(ctx, store_tx(ctx->db, delete_profile_in_tx, ctx));
}

static int list_security_profiles(request_ctx *ctx)
{
    static const name_member name = {"Name", "SecurityProfileName"};

    return list_kind(ctx, RES_SECURITY_PROFILE, "SecurityProfileSummaryList",
                     &name);
}

/* One page of the profile's Permissions; the token holds the index of
 * the first permission of the next page. */
static int permissions_page(request_ctx *ctx, const store_record *rec)
{
    const json_t *all = json_object_get(rec->doc, "Permissions");
    const char *listing = arena_printf(ctx->arena, "%s/%s", rec->domain_id,
                                       rec->id);
    long long max = api_input_int(ctx, "maxResults", DEFAULT_MAX_RESULTS);
    int64_t next = 0;
    json_t *page;

    if (api_page_start(ctx, listing, &next) != 0)
        return -1;
    page = json_array();
    for (; (size_t)next < json_array_size(all) &&
           (long long)json_array_size(page) < max; next++)
        json_array_append(page, json_array_get(all, (size_t)next));
    ctx->output = json_pack("{s:o, s:o, s:O*}", "Permissions", page,
                            "LastModifiedTime", epoch_seconds(rec->modified_ms),
                            "LastModifiedRegion",
                            json_object_get(rec->doc, "LastModifiedRegion"));
    if (!ctx->output)
        return api_fail(ctx, ERR_INTERNAL, "Out of memory");
    if ((size_t)next < json_array_size(all))
        return api_page_finish(ctx, listing, ctx->output, next);
    return 0;
}

static int list_security_profile_permissions(request_ctx *ctx)
{
    store_record rec;
    int rc;

    paging_in(ctx);
    if ((rc = load_record(ctx, ctx->db, RES_SECURITY_PROFILE,
                          "SecurityProfileId", &rec)) != 0)
        return api_tx_result(ctx, rc);
    rc = permissions_page(ctx, &rec);
    json_decref(rec.doc);
    return paging_out(ctx, rc);
}

/* --- users ----------------------------------------------------------------------------- */

static int create_user_in_tx(store_conn *conn, void *arg)
{
    create_tx *t = arg;
    json_t *ids = distinct_strings(json_object_get(t->ctx->input,
                                                   "SecurityProfileIds"));
    int rc = set_user_profiles(conn, t->ctx, &t->rec, ids, true);

    json_decref(ids);
    return rc != 0 ? rc : insert_record(conn, t);
}

static int create_user(request_ctx *ctx)
{
    const char *name = api_input_str(ctx, "Username");
    char id[ID_UUID_LEN];
    create_tx t;

    id_uuid(id);
    if (begin_create(ctx, RES_USER, id, name, &t) != 0)
        return -1;
    copy_members(t.rec.doc, ctx->input, user_create_members);
    json_object_set_new(t.rec.doc, "Username", json_string(name));
    return finish_create(&t, create_user_in_tx, "UserId", "UserArn");
}

static int describe_user(request_ctx *ctx)
{
    store_record rec;
    int rc = load_record(ctx, ctx->db, RES_USER, "UserId", &rec);

    if (rc != 0)
        return api_tx_result(ctx, rc);
    ctx->output = json_pack("{s:o}", "User",
                            describe(&rec, user_describe_members));
    json_decref(rec.doc);
    return 0;
}

static int list_users(request_ctx *ctx)
{
    static const name_member name = {"Username", "Username"};

    return list_kind(ctx, RES_USER, "UserSummaryList", &name);
}

static int update_profiles_in_tx(store_conn *conn, void *arg)
{
    request_ctx *ctx = arg;
    json_t *ids = distinct_strings(json_object_get(ctx->input,
                                                   "SecurityProfileIds"));
    store_record rec = {.doc = NULL};
    int rc = load_record(ctx, conn, RES_USER, "UserId", &rec);

    if (rc == 0) {
        touch(ctx, &rec);
        rc = set_user_profiles(conn, ctx, &rec, ids, false);
    }
    if (rc == 0)
        rc = store_record_update(conn, &ctx->scope, &rec);
    json_decref(rec.doc);
    json_decref(ids);
    return rc;
}

static int update_user_security_profiles(request_ctx *ctx)
{
    return api_tx_result(ctx, store_tx(ctx->db, update_profiles_in_tx, ctx));
}

static int delete_user_in_tx(store_conn *conn, void *arg)
{
    request_ctx *ctx = arg;
    store_record rec;
    int rc = load_record(ctx, conn, RES_USER, "UserId", &rec);

    if (rc != 0)
        return rc;
    rec.deleted = true;
    touch(ctx, &rec);
    rc = store_record_update(conn, &ctx->scope, &rec);
    if (rc == STORE_OK) {
        json_t *none = json_array();
        rc = write_access(conn, ctx, &rec, none, false);
        json_decref(none);
    }
    json_decref(rec.doc);
    return rc;
}

static int delete_user(request_ctx *ctx)
{
    return api_tx_result(ctx, store_tx(ctx->db, delete_user_in_tx, ctx));
}

const api_binding connect_api[] = {
    {"CreateSecurityProfile", create_security_profile},
    {"DescribeSecurityProfile", describe_security_profile},
    {"UpdateSecurityProfile", update_security_profile},
    {"DeleteSecurityProfile", delete_security_profile},
    {"ListSecurityProfiles", list_security_profiles},
    {"ListSecurityProfilePermissions", list_security_profile_permissions},
    {"CreateUser", create_user},
    {"DescribeUser", describe_user},
    {"ListUsers", list_users},
    {"UpdateUserSecurityProfiles", update_user_security_profiles},
    {"DeleteUser", delete_user},
    {NULL, NULL},
};
