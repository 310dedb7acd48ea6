/*
 * tags.c - TagResource, UntagResource, ListTagsForResource.
 *
 * Tags are stored by the resource's ARN in the canonical form api_arn()
 * builds, so the Get operations that embed `tags` find what is set here.
 *
 * Decisions (cases-behaviour.md §16):
 *  - A malformed ARN is a ValidationException.  A well-formed ARN outside
 *    the caller's partition, account or region names nothing the caller can
 *    see, so it is a ResourceNotFoundException like an unknown id.
 *  - Deleted fields, layouts, templates and case rules still exist (their
 *    Get/BatchGet operations return them), so they can still be tagged.
 *  - TagResource's map is unconstrained in the model; the handler applies
 *    the rules of the model's mutable tag shapes: keys 1-128 and values
 *    0-256 code points drawn from [a-zA-Z0-9 _.:/=+\-@], no key starting
 *    with "aws:" in any case, and no null values.
 *  - Going over the tags-per-resource quota is a ValidationException:
 *    TagResource has no ServiceQuotaExceededException in the model.
 *  - Resolving the resource and writing its tags share one transaction, so
 *    a concurrent DeleteDomain cannot leave tags of a purged resource.
 *  - Cases are governed by the caller's security profiles (auth/access.h):
 *    TagResource and UntagResource on a case need Cases.Edit on its tags as
 *    they are and as the change leaves them; on a related item, Cases.Edit
 *    on its case; ListTagsForResource on either needs Cases.View on the
 *    case.  Other resources are not checked.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/values.h"
#include "auth/access.h"
#include "util/arn.h"

#define TAG_KEY_MAX 128
#define TAG_VALUE_MAX 256
#define RESERVED_PREFIX "aws:"
#define ARN_PARTITION "aws" /* the only partition api_arn() formats */

/* The resource a tag operation names. */
typedef struct {
    const char *given;  /* the ARN as sent, for error messages */
    const char *arn;    /* canonical ARN the tags are stored by (arena) */
    parsed_arn parsed;  /* strings arena-owned */
} tag_target;

static int target_not_found(request_ctx *ctx, const tag_target *t)
{
    return api_not_found(ctx, arn_kind_name(t->parsed.kind), t->given);
}

/* Parses input "arn" into t; fails unless it is a Cases ARN in scope. */
static int parse_target(request_ctx *ctx, tag_target *t)
{
    const parsed_arn *p = &t->parsed;

    t->given = api_input_str(ctx, "arn");
    if (arn_parse(ctx->arena, t->given, &t->parsed) != 0)
        return api_fail(ctx, ERR_VALIDATION,
                        "The arn is not a valid Amazon Connect Cases resource ARN");
    if (strcmp(p->partition, ARN_PARTITION) != 0 ||
        strcmp(p->account, ctx->scope.account) != 0 ||
        strcmp(p->region, ctx->scope.region) != 0)
        return target_not_found(ctx, t);
    t->arn = arn_format(ctx->arena, p->kind, p->region, p->account,
                        p->domain_id, p->resource_id, p->item_id);
    if (!t->arn)
        return api_fail(ctx, ERR_INTERNAL, "Cannot format the resource ARN");
    return 0;
}

/* 0 when the record exists (deleted or not), -1 after failing, or a
 * store_status. */
static int record_exists(request_ctx *ctx, store_conn *conn,
                         const tag_target *t, resource_kind kind)
{
    const char *domain_id = kind == RES_DOMAIN ? NULL : t->parsed.domain_id;
    const char *id = kind == RES_DOMAIN ? t->parsed.domain_id
                                        : t->parsed.resource_id;
    bool deleted;
    int rc = store_record_state(conn, &ctx->scope, kind, domain_id, id,
                                &deleted);

    if (rc == STORE_NOT_FOUND)
        return target_not_found(ctx, t);
    return rc == STORE_OK ? 0 : rc;
}

/* 0 when the case exists, -1 after failing, or a store_status. */
static int case_exists(request_ctx *ctx, store_conn *conn,
                       const tag_target *t)
{
    store_case c;
    int rc = store_case_get(conn, &ctx->scope, t->parsed.domain_id,
                            t->parsed.resource_id, ctx->arena, &c);

    if (rc == STORE_NOT_FOUND)
        return target_not_found(ctx, t);
    if (rc != STORE_OK)
        return rc;
    json_decref(c.fields);
    return 0;
}

/* 0 when the related item exists, -1 after failing, or a store_status. */
static int related_item_exists(request_ctx *ctx, store_conn *conn,
                               const tag_target *t)
{
    store_related_item item;
    int rc = store_related_get(conn, &ctx->scope, t->parsed.domain_id,
                               t->parsed.resource_id, t->parsed.item_id,
                               ctx->arena, &item);

    if (rc == STORE_NOT_FOUND)
        return target_not_found(ctx, t);
    if (rc != STORE_OK)
        return rc;
    json_decref(item.content);
    json_decref(item.created_by);
    json_decref(item.updated_by);
    return 0;
}

/*
 * Checks that the resource t names exists.  Returns 0, -1 after failing
 * (ctx->error set), or a store_status.  Every taggable kind has its branch
 * here.
 */
static int resolve_resource(request_ctx *ctx, store_conn *conn,
                            const tag_target *t)
{
    switch (t->parsed.kind) {
    case ARN_DOMAIN:
        return record_exists(ctx, conn, t, RES_DOMAIN);
    case ARN_FIELD:
        return record_exists(ctx, conn, t, RES_FIELD);
    case ARN_LAYOUT:
        return record_exists(ctx, conn, t, RES_LAYOUT);
    case ARN_TEMPLATE:
        return record_exists(ctx, conn, t, RES_TEMPLATE);
    case ARN_CASE_RULE:
        return record_exists(ctx, conn, t, RES_CASE_RULE);
    case ARN_CASE:
        return case_exists(ctx, conn, t);
    case ARN_RELATED_ITEM:
        return related_item_exists(ctx, conn, t);
    }
    return target_not_found(ctx, t);
}

/* The case's tags with add set and remove removed (new reference). */
static json_t *tags_after(json_t *tags, json_t *add, const char *const *remove)
{
    json_t *after = json_copy(tags);

    if (after && add)
        json_object_update(after, add);
    for (; after && remove && *remove; remove++)
        json_object_del(after, *remove);
    return after;
}

/* Whether t names a case or a related item, whose access the caller's
 * security profiles govern. */
static bool reaches_case(const tag_target *t)
{
    return t->parsed.kind == ARN_CASE || t->parsed.kind == ARN_RELATED_ITEM;
}

/*
 * Checks that the caller may use p on the case t names (itself, or the
 * case of a related item), as its tags are and, for a change of a case's
 * own tags (add, remove), as they would be.  Other resources pass.
 * Returns 0, -1 after failing, or a store_status.
 */
static int check_case_access(request_ctx *ctx, store_conn *conn,
                             const tag_target *t, access_permission p,
                             json_t *add, const char *const *remove)
{
    bool is_case = t->parsed.kind == ARN_CASE;
    const char *arn = t->arn;
    json_t *tags = NULL, *after;
    int rc;

    if (!reaches_case(t))
        return 0;
    if (access_require(ctx, p) != 0)
        return -1;
    if (!access_restricted(ctx, p))
        return 0;
    if (!is_case)
        arn = arn_format(ctx->arena, ARN_CASE, t->parsed.region,
                         t->parsed.account, t->parsed.domain_id,
                         t->parsed.resource_id, NULL);
    if (!arn || (rc = store_tags_get(conn, arn, &tags)) != STORE_OK)
        return arn ? rc : api_fail(ctx, ERR_INTERNAL, "Out of memory");
    rc = access_require_tags(ctx, p, tags);
    if (rc == 0 && is_case && (add || remove)) {
        after = tags_after(tags, add, remove);
        rc = after ? access_require_tags(ctx, p, after)
                   : api_fail(ctx, ERR_INTERNAL, "Out of memory");
        json_decref(after);
    }
    json_decref(tags);
    return rc;
}

static bool tag_chars_allowed(const char *s)
{
    static const char extra[] = " _.:/=+-@";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     (c >= '0' && c <= '9');
        if (!alnum && !strchr(extra, c))
            return false;
    }
    return true;
}

static bool is_reserved_key(const char *key)
{
    return strncasecmp(key, RESERVED_PREFIX, strlen(RESERVED_PREFIX)) == 0;
}

/* The key is echoed in messages only once its length is known to be sane. */
static int check_tag_key(request_ctx *ctx, const char *key)
{
    size_t len = value_code_points(key);

    if (len < 1 || len > TAG_KEY_MAX)
        return api_fail(ctx, ERR_VALIDATION,
                        "Tag keys must be 1 to %d characters long",
                        TAG_KEY_MAX);
    if (is_reserved_key(key))
        return api_fail(ctx, ERR_VALIDATION,
                        "Tag key '%s' uses the reserved prefix '%s'", key,
                        RESERVED_PREFIX);
    if (!tag_chars_allowed(key))
        return api_fail(ctx, ERR_VALIDATION,
                        "Tag key '%s' may hold only letters, digits, spaces and _.:/=+-@",
                        key);
    return 0;
}

static int check_tag_value(request_ctx *ctx, const char *key,
                           const json_t *value)
{
    const char *text = json_string_value(value);

    if (!text)
        return api_fail(ctx, ERR_VALIDATION,
                        "The value of tag '%s' must be a string", key);
    if (value_code_points(text) > TAG_VALUE_MAX)
        return api_fail(ctx, ERR_VALIDATION,
                        "The value of tag '%s' is longer than %d characters",
                        key, TAG_VALUE_MAX);
    if (!tag_chars_allowed(text))
        return api_fail(ctx, ERR_VALIDATION,
                        "The value of tag '%s' may hold only letters, digits, spaces and _.:/=+-@",
                        key);
    return 0;
}

static int check_tags(request_ctx *ctx, json_t *tags)
{
    const char *key;
    json_t *value;

    json_object_foreach(tags, key, value) {
        if (check_tag_key(ctx, key) != 0 ||
            check_tag_value(ctx, key, value) != 0)
            return -1;
    }
    return 0;
}

/* --- TagResource ------------------------------------------------------------ */

typedef struct {
    request_ctx *ctx;
    const tag_target *target;
    json_t *tags; /* borrowed from ctx->input */
} tag_resource_tx;

/* Number of tags the resource would carry once tags are merged in. */
static size_t merged_count(json_t *current, json_t *tags)
{
    size_t count = json_object_size(current);
    const char *key;
    json_t *value;

    json_object_foreach(tags, key, value) {
        if (!json_object_get(current, key))
            count++;
    }
    return count;
}

static int check_tag_quota(store_conn *conn, tag_resource_tx *t)
{
    request_ctx *ctx = t->ctx;
    json_t *current = NULL;
    size_t after;
    int rc = store_tags_get(conn, t->target->arn, &current);

    if (rc != STORE_OK)
        return rc;
    after = merged_count(current, t->tags);
    json_decref(current);
    if ((int64_t)after > ctx->app->cfg.quotas.tags)
        return api_fail(ctx, ERR_VALIDATION,
                        "A resource can have at most %lld tags; this request would leave it with %zu",
                        (long long)ctx->app->cfg.quotas.tags, after);
    return 0;
}

static int tag_resource_in_tx(store_conn *conn, void *arg)
{
    tag_resource_tx *t = arg;
    int rc = resolve_resource(t->ctx, conn, t->target);

    if (rc != 0)
        return rc;
    rc = check_case_access(t->ctx, conn, t->target, ACCESS_CASES_EDIT, t->tags,
                           NULL);
    if (rc != 0)
        return rc;
    rc = check_tag_quota(conn, t);
    if (rc != 0)
        return rc;
    return store_tags_put(conn, t->target->arn, t->tags);
}

static int tag_resource(request_ctx *ctx)
{
    tag_target target;
    tag_resource_tx t = {.ctx = ctx, .target = &target,
                         .tags = json_object_get(ctx->input, "tags")};
    int rc;

    if (parse_target(ctx, &target) != 0 || check_tags(ctx, t.tags) != 0 ||
        (reaches_case(&target) && access_require(ctx, ACCESS_CASES_EDIT) != 0))
        return -1;
    rc = store_tx(ctx->db, tag_resource_in_tx, &t);
    if (rc == 0)
        return 0;
    if (ctx->error != ERR_NONE)
        return -1;
    return api_store_failed(ctx, rc);
}

/* --- UntagResource ---------------------------------------------------------- */

typedef struct {
    request_ctx *ctx;
    const tag_target *target;
    const char *const *keys; /* NULL-terminated, arena-owned */
} untag_resource_tx;

/* Collects input "tagKeys" into a NULL-terminated array, refusing reserved
 * keys: they can be neither added nor removed. */
static int collect_untag_keys(request_ctx *ctx, const char ***out)
{
    json_t *list = json_object_get(ctx->input, "tagKeys");
    size_t count = json_array_size(list);
    const char **keys = arena_calloc(ctx->arena, (count + 1) * sizeof *keys);

    if (!keys)
        return api_fail(ctx, ERR_INTERNAL, "Out of request memory");
    for (size_t i = 0; i < count; i++) {
        keys[i] = json_string_value(json_array_get(list, i));
        if (!keys[i])
            return api_fail(ctx, ERR_VALIDATION, "Tag keys must be strings");
        if (is_reserved_key(keys[i]))
            return api_fail(ctx, ERR_VALIDATION,
                            "Tag key '%s' uses the reserved prefix '%s'",
                            keys[i], RESERVED_PREFIX);
    }
    *out = keys;
    return 0;
}

static int untag_resource_in_tx(store_conn *conn, void *arg)
{
    untag_resource_tx *t = arg;
    int rc = resolve_resource(t->ctx, conn, t->target);

    if (rc != 0)
        return rc;
    rc = check_case_access(t->ctx, conn, t->target, ACCESS_CASES_EDIT, NULL,
                           t->keys);
    if (rc != 0)
        return rc;
    return store_tags_remove(conn, t->target->arn, t->keys);
}

static int untag_resource(request_ctx *ctx)
{
    tag_target target;
    const char **keys = NULL;
    untag_resource_tx t = {.ctx = ctx, .target = &target};
    int rc;

    if (parse_target(ctx, &target) != 0 ||
        collect_untag_keys(ctx, &keys) != 0 ||
        (reaches_case(&target) && access_require(ctx, ACCESS_CASES_EDIT) != 0))
        return -1;
    t.keys = keys;
    rc = store_tx(ctx->db, untag_resource_in_tx, &t);
    if (rc == 0)
        return 0;
    if (ctx->error != ERR_NONE)
        return -1;
    return api_store_failed(ctx, rc);
}

/* --- ListTagsForResource ---------------------------------------------------- */

static int list_tags_for_resource(request_ctx *ctx)
{
    tag_target target;
    json_t *tags = NULL;
    int rc;

    if (parse_target(ctx, &target) != 0)
        return -1;
    rc = resolve_resource(ctx, ctx->db, &target);
    if (rc == 0)
        rc = check_case_access(ctx, ctx->db, &target, ACCESS_CASES_VIEW, NULL,
                               NULL);
    if (rc == 0)
        rc = store_tags_get(ctx->db, target.arn, &tags);
    if (rc != 0)
        return ctx->error != ERR_NONE ? -1 : api_store_failed(ctx, rc);
    ctx->output = json_pack("{s:o}", "tags", tags);
    return 0;
}

const api_binding tags_api[] = {
    {"TagResource", tag_resource},
    {"UntagResource", untag_resource},
    {"ListTagsForResource", list_tags_for_resource},
    {NULL, NULL},
};
