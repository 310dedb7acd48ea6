/*
 * cases.c - CreateCase, GetCase, UpdateCase, DeleteCase, GetCaseAuditEvents.
 *
 * A case is a store_case: its template and its values {fieldId:
 * FieldValueUnion}, each as values.c normalised it; a field without a
 * value is absent.  Each write of a case happens in one transaction with
 * its audit event (and on creation its tags and idempotency token).
 * UpdateCase reads the case it changes inside that transaction, so
 * concurrent updates queue up instead of losing each other's changes.
 *
 * Only the server sets case_id, reference_number, created_datetime,
 * last_updated_datetime, last_updated_user, last_closed_datetime,
 * last_reopened_datetime and next_sla_breach_datetime.
 *
 * Choices where AWS documents nothing:
 *  - title, customer_id and status never become blank: CreateCase needs
 *    the first two (status defaults to open), UpdateCase cannot clear them.
 *  - last_updated_user is performedBy.userArn; an update without one
 *    clears it, as the last updater is then unknown.  A customEntity shows
 *    only in the audit event's performedBy.
 *  - emptyValue in CreateCase leaves the field without a value.
 *  - UpdateCase judges what it changes, not what the case already held: a
 *    field it blanks must not be required (always, by the template, or by
 *    a rule), and the rules on or naming a field it changes must hold
 *    afterwards.  An update that changes no value writes nothing: no audit
 *    event, no new last_updated_datetime.
 *  - GetCase leaves out requested ids that are unknown or have no value,
 *    lists a repeated id once, and never returns a nextToken.
 *  - The Case.Created event lists every value the case starts with, the
 *    server's included; a Case.Updated event lists each value that changed
 *    (newValue emptyValue when cleared), the server's stamps included.
 *    GetCaseAuditEvents returns the newest first.
 *  - A clientToken is remembered for --idempotency-ttl with the SHA-256
 *    of the request (domainId, templateId, fields, tags, performedBy as
 *    compact JSON with sorted keys): the same request again answers with
 *    the first case, another request with the same token is a
 *    ConflictException.
 *  - More tags (template's and request's together) than the per-resource
 *    quota is a ValidationException: CreateCase has no
 *    ServiceQuotaExceededException.
 *
 * Access (auth/access.h): CreateCase needs Cases.Create and access to the
 * tags the new case would carry; GetCase Cases.View, UpdateCase Cases.Edit,
 * DeleteCase Cases.Delete and GetCaseAuditEvents CaseHistory.View, each on
 * the case's tags.  A missing permission is refused before the case is
 * looked up, a case the tags hide after (so it is a 404 only when absent).
 * A request naming no performedBy is performed by the caller's Connect
 * user, when it acts as one.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/case_reply.h"
#include "api/config_memo.h"
#include "api/rule_eval.h"
#include "api/values.h"
#include "auth/access.h"
#include "util/arn.h"
#include "util/ids.h"
#include "util/jalloc.h"
#include "util/jsonr.h"
#include "util/jsonw.h"
#include "util/timeutil.h"

/* How long a clientToken is remembered; meant to become a server option. */
#define AUDIT_PAGE_MAX 25 /* also the default */
#define MESSAGE_LEN 512

/* Fields only the server writes. */
static const char *const server_fields[] = {
    "case_id", "reference_number", "created_datetime",
    "last_updated_datetime", "last_updated_user", "last_closed_datetime",
    "last_reopened_datetime", "next_sla_breach_datetime", NULL,
};

/* Fields every case keeps a value in. */
static const char *const always_required[] = {"title", "customer_id",
                                              "status", NULL};

/* Fields an update stamps, in the order its audit event lists them. */
static const char *const update_stamps[] = {
    "last_updated_datetime", "last_updated_user", "last_closed_datetime",
    "last_reopened_datetime", NULL,
};

/* --- small helpers ---------------------------------------------------------- */

static bool listed(const char *const *list, const char *id)
{
    for (; *list; list++)
        if (strcmp(*list, id) == 0)
            return true;
    return false;
}

static const char *str_member(const json_t *obj, const char *name)
{
    return json_string_value(json_object_get(obj, name));
}

static void add_id(json_t *set, const char *id)
{
    json_object_set_new(set, id, json_true());
}

static char *case_arn(request_ctx *ctx, const char *domain_id,
                      const char *case_id)
{
    return arn_format(ctx->arena, ARN_CASE, ctx->scope.region,
                      ctx->scope.account, domain_id, case_id, NULL);
}

static json_t *string_value(const char *s)
{
    return json_pack("{s:s}", "stringValue", s);
}

static json_t *time_value(int64_t ms)
{
    char buf[TIME_ISO_LEN];

    time_format_iso(ms, buf);
    return string_value(buf);
}

/* Whether member name of obj is the string s. */
static bool str_is(const json_t *obj, const char *name, const char *s)
{
    const char *have = str_member(obj, name);
    return have && strcmp(have, s) == 0;
}

static bool has_string(const json_t *value, const char *s)
{
    return str_is(value, "stringValue", s);
}

static bool is_cleared(const json_t *value)
{
    return json_object_get(value, "emptyValue") != NULL;
}

/*
 * Reads performedBy.userArn into *user as a last_updated_user value (new
 * reference), NULL when the request names no Connect user.  Returns 0, or
 * -1 after a ValidationException for an ARN that is not a user's.
 */
static int performer_user(request_ctx *ctx, json_t **user)
{
    static const value_field field = {"last_updated_user", "User", false};
    const char *arn = str_member(json_object_get(ctx->input, "performedBy"),
                                 "userArn");
    char err[MESSAGE_LEN];
    json_t *value;
    int rc = 0;

    *user = NULL;
    if (!arn)
        return 0;
    value = json_pack("{s:s}", "userArnValue", arn);
    if (value_check(&field, value, user, err, sizeof err) != 0)
        rc = api_fail(ctx, ERR_VALIDATION,
                      "performedBy.userArn must be an Amazon Connect user ARN: %s",
                      arn);
    json_decref(value);
    return rc;
}

/* --- audit events ------------------------------------------------------------ */

/* One field of an event; old or now is NULL when the field has no value. */
static json_t *audit_field(const char *id, json_t *old, json_t *now)
{
    json_t *new_value = now ? json_incref(now)
                            : json_pack("{s:{}}", "emptyValue");
    return json_pack("{s:s, s:O*, s:o}", "eventFieldId", id, "oldValue", old,
                     "newValue", new_value);
}

/* Appends to events the change of id between before and after, if any,
 * and adds id to changed (when not NULL). */
static void diff_field(json_t *events, json_t *changed, const json_t *before,
                       const json_t *after, const char *id)
{
    json_t *old = json_object_get(before, id);
    json_t *now = json_object_get(after, id);

    if ((!old && !now) || (old && now && json_equal(old, now)))
        return;
    json_array_append_new(events, audit_field(id, old, now));
    if (changed)
        add_id(changed, id);
}

/* An audit event's performedBy: the caller's principal and the request's
 * user.  New reference; NULL when the arena is exhausted. */
static json_t *performer_doc(request_ctx *ctx)
{
    return json_pack("{s:s, s:O*}", "iamPrincipalArn", api_caller_arn(ctx),
                     "user", json_object_get(ctx->input, "performedBy"));
}

static int append_event(store_conn *conn, request_ctx *ctx,
                        const store_case *c, const char *type, json_t *fields,
                        int64_t now)
{
    char id[ID_UUID_LEN];
    store_audit_event ev = {.event_id = id, .type = type,
                            .performed_ms = now, .fields = fields};
    int rc;

    id_uuid(id);
    ev.performed_by = performer_doc(ctx);
    if (!ev.performed_by)
        return STORE_ERROR; /* the arena is exhausted */
    rc = store_audit_append(conn, &ctx->scope, c->domain_id, c->case_id, &ev);
    json_decref(ev.performed_by);
    return rc;
}

/* --- checking the fields of a request ------------------------------------------ */

typedef struct {
    request_ctx *ctx;
    store_conn *conn;
    const char *domain_id;
    const json_t *current; /* the case's values before the request, or NULL */
    json_t *docs;          /* fieldId -> field document (owned) */
    json_t *changes;       /* fieldId -> normalised value, request order (owned) */
    /* The configuration version of conn's read snapshot, when the check
     * runs in one: records then come through the thread's memo, and their
     * documents (in docs, and the template) are shared: read them only. */
    const int64_t *snapshot_version;
} field_check;

static const char *item_id(const json_t *item)
{
    return str_member(item, "id");
}

/* A configuration record of fc's domain (store_record_get). */
static int get_config_record(field_check *fc, resource_kind kind,
                             const char *id, store_record *rec)
{
    if (fc->snapshot_version)
        return config_memo_record(fc->conn, &fc->ctx->scope,
                                  *fc->snapshot_version, kind, fc->domain_id,
                                  id, fc->ctx->arena, rec);
    return store_record_get(fc->conn, &fc->ctx->scope, kind, fc->domain_id, id,
                            fc->ctx->arena, rec);
}

/* Refuses ids given twice and ids of fields only the server sets. */
static int check_ids(field_check *fc, const json_t *fields)
{
    json_t *seen = json_object(), *twice = json_object(), *owned = json_object();
    const json_t *item;
    size_t i;
    int rc = 0;

    json_array_foreach(fields, i, item) {
        const char *id = item_id(item);
        add_id(json_object_get(seen, id) ? twice : seen, id);
        if (listed(server_fields, id))
            add_id(owned, id);
    }
    if (json_object_size(twice) > 0)
        rc = api_fail(fc->ctx, ERR_VALIDATION,
                      "Each field may be given once; repeated: %s",
                      api_join_keys(fc->ctx->arena, twice));
    else if (json_object_size(owned) > 0)
        rc = api_fail(fc->ctx, ERR_VALIDATION,
                      "These fields are set by the server and cannot be given: %s",
                      api_join_keys(fc->ctx->arena, owned));
    json_decref(seen);
    json_decref(twice);
    json_decref(owned);
    return rc;
}

/* Loads the field of id into fc->docs, noting it in unknown or (unless the
 * case holds a value for it, which DeleteField leaves editable) deleted. */
static int load_doc(field_check *fc, const char *id, json_t *unknown,
                    json_t *deleted)
{
    store_record rec;
    int rc = get_config_record(fc, RES_FIELD, id, &rec);

    if (rc == STORE_NOT_FOUND) {
        add_id(unknown, id);
        return STORE_OK;
    }
    if (rc != STORE_OK)
        return rc;
    if (rec.deleted && !json_object_get(fc->current, id))
        add_id(deleted, id);
    json_object_set_new(fc->docs, id, rec.doc);
    return STORE_OK;
}

static int load_docs(field_check *fc, const json_t *fields)
{
    json_t *unknown = json_object(), *deleted = json_object();
    const json_t *item;
    size_t i;
    int rc = STORE_OK;

    json_array_foreach(fields, i, item) {
        if ((rc = load_doc(fc, item_id(item), unknown, deleted)) != STORE_OK)
            break;
    }
    if (rc == STORE_OK && json_object_size(unknown) > 0)
        rc = api_fail(fc->ctx, ERR_VALIDATION,
                      "These field ids do not exist in the domain: %s",
                      api_join_keys(fc->ctx->arena, unknown));
    else if (rc == STORE_OK && json_object_size(deleted) > 0)
        rc = api_fail(fc->ctx, ERR_VALIDATION,
                      "These fields are deleted and cannot be set: %s",
                      api_join_keys(fc->ctx->arena, deleted));
    json_decref(unknown);
    json_decref(deleted);
    return rc;
}

/* A SingleSelect value must be an active option of its field; the value a
 * case already holds stays acceptable after its option is deactivated. */
static int check_option(field_check *fc, const char *id, const json_t *value)
{
    const char *s = str_member(value, "stringValue");
    store_option opt;
    int rc;

    if (!s || json_equal(value, json_object_get(fc->current, id)))
        return 0;
    rc = fc->snapshot_version
             ? config_memo_option(fc->conn, &fc->ctx->scope,
                                  *fc->snapshot_version, fc->domain_id, id, s,
                                  fc->ctx->arena, &opt)
             : store_option_get(fc->conn, &fc->ctx->scope, fc->domain_id, id, s,
                                fc->ctx->arena, &opt);
    if (rc == STORE_NOT_FOUND || (rc == STORE_OK && !opt.active))
        return api_fail(fc->ctx, ERR_VALIDATION,
                        "'%s' is not an active option of field %s", s, id);
    return rc;
}

static int check_values(field_check *fc, const json_t *fields)
{
    const json_t *item;
    size_t i;

    json_array_foreach(fields, i, item) {
        const char *id = item_id(item);
        char err[MESSAGE_LEN];
        value_field field;
        json_t *value;
        int rc;

        value_field_of(json_object_get(fc->docs, id), &field);
        if (value_check(&field, json_object_get(item, "value"), &value, err,
                        sizeof err) != 0)
            return api_fail(fc->ctx, ERR_VALIDATION, "%s", err);
        json_object_set_new(fc->changes, id, value);
        if (field.type && strcmp(field.type, "SingleSelect") == 0 &&
            (rc = check_option(fc, id, value)) != 0)
            return rc;
    }
    return 0;
}

/* Checks the request's FieldValue list into fc->changes.  Returns 0, -1
 * after api_fail(), or a store status. */
static int check_fields(field_check *fc, const json_t *fields)
{
    int rc;

    fc->docs = json_object();
    fc->changes = json_object();
    if ((rc = check_ids(fc, fields)) != 0 || (rc = load_docs(fc, fields)) != 0)
        return rc;
    return check_values(fc, fields);
}

static void field_check_free(field_check *fc)
{
    json_decref(fc->docs);
    json_decref(fc->changes);
}

/* --- templates and rules -------------------------------------------------------- */

/*
 * Loads template id into *doc (new reference).  For a creation it must
 * exist (404), be live and Active; otherwise a missing one leaves *doc
 * NULL, which requires nothing.  Returns 0, -1 or a store status.
 */
static int load_template(field_check *fc, const char *id, bool for_create,
                         json_t **doc)
{
    request_ctx *ctx = fc->ctx;
    store_record rec;
    int rc = get_config_record(fc, RES_TEMPLATE, id, &rec);

    *doc = NULL;
    if (rc == STORE_NOT_FOUND)
        return for_create ? api_not_found(ctx, "Template", id) : STORE_OK;
    if (rc != STORE_OK)
        return rc;
    if (for_create && rec.deleted)
        rc = api_fail(ctx, ERR_VALIDATION,
                      "Template %s is deleted; cases cannot be created from it", id);
    else if (for_create && !str_is(rec.doc, "status", "Active"))
        rc = api_fail(ctx, ERR_VALIDATION,
                      "Template %s is not Active; cases cannot be created from it",
                      id);
    if (rc == 0)
        *doc = rec.doc;
    else
        json_decref(rec.doc);
    return rc;
}

static bool template_requires(const json_t *tpl, const char *id)
{
    const json_t *item;
    size_t i;

    json_array_foreach(json_object_get(tpl, "requiredFields"), i, item) {
        const char *required = str_member(item, "fieldId");
        if (required && strcmp(required, id) == 0)
            return true;
    }
    return false;
}

static bool is_field_key(const char *key)
{
    return strcmp(key, "fieldId") == 0 || strcmp(key, "parentFieldId") == 0 ||
           strcmp(key, "childFieldId") == 0;
}

/* Whether rule JSON names a field of touched anywhere in it. */
static bool names_touched(json_t *j, json_t *touched)
{
    const char *key;
    json_t *v;
    size_t i;

    if (json_is_array(j)) {
        json_array_foreach(j, i, v) {
            if (names_touched(v, touched))
                return true;
        }
        return false;
    }
    json_object_foreach(j, key, v) {
        if (json_is_string(v) ? is_field_key(key) &&
                                    json_object_get(touched, json_string_value(v))
                              : names_touched(v, touched))
            return true;
    }
    return false;
}

/* Adds the rule of a template's rules entry to list, unless the rule or its
 * field is deleted, or touched is given and the rule neither governs nor
 * names a field of it. */
static int attach_rule(field_check *fc, const json_t *entry, json_t *touched,
                       json_t *list)
{
    const char *field_id = str_member(entry, "fieldId");
    bool live = true;
    store_record rec;
    json_t *rule;
    int rc = get_config_record(fc, RES_CASE_RULE,
                               str_member(entry, "caseRuleId"), &rec);

    if (rc == STORE_NOT_FOUND)
        return STORE_OK;
    if (rc != STORE_OK)
        return rc;
    rule = json_object_get(rec.doc, "rule");
    if (field_id)
        rc = api_record_is_live(fc->conn, fc->ctx, RES_FIELD, fc->domain_id,
                                field_id, &live);
    if (rc == STORE_OK && !rec.deleted && live &&
        (!touched || (field_id && json_object_get(touched, field_id)) ||
         names_touched(rule, touched)))
        json_array_append_new(list, json_pack("{s:s*, s:O}", "fieldId",
                                              field_id, "rule", rule));
    json_decref(rec.doc);
    return rc;
}

/* Checks values against the rules tpl attaches (all of them, or with
 * touched those attach_rule keeps). */
static int check_rules(field_check *fc, const json_t *tpl, const json_t *values,
                       json_t *touched)
{
    json_t *attached = json_array();
    const json_t *entry;
    char err[MESSAGE_LEN];
    size_t i;
    int rc = STORE_OK;

    json_array_foreach(json_object_get(tpl, "rules"), i, entry) {
        if ((rc = attach_rule(fc, entry, touched, attached)) != STORE_OK)
            break;
    }
    if (rc == STORE_OK && rule_check_case(attached, values, err, sizeof err) != 0)
        rc = api_fail(fc->ctx, ERR_VALIDATION, "%s", err);
    json_decref(attached);
    return rc;
}

/* --- CreateCase -------------------------------------------------------------------- */

typedef struct {
    request_ctx *ctx;
    const char *domain_id;
    const char *case_id;  /* minted before the transaction */
    const char *token;    /* clientToken, or NULL */
    const char *digest;   /* of the request, when token */
    json_t *user;         /* last_updated_user value, or NULL (borrowed) */
    const char *reply_id; /* the case the reply names */
    /* The checked request (check_new_case), owned: the template, the new
     * case's values and tags, and its time; the values and the creation
     * event's performer as the store keeps them (malloc'd), and the
     * event's id. */
    json_t *tpl, *values, *tags;
    json_t *plain; /* store_case.plain_fields of the new case */
    int64_t now;
    char *values_text, *performer_text;
    char event_id[ID_UUID_LEN];
    /* Checked before the transaction (check_early), in a snapshot whose
     * configuration had checked_version. */
    bool checked_early;
    int64_t checked_version;
} create_tx;

/* Drops what a check of the request left in t. */
static void create_tx_clear(create_tx *t)
{
    json_decref(t->tpl);
    json_decref(t->values);
    json_decref(t->tags);
    json_decref(t->plain);
    t->tpl = t->values = t->tags = t->plain = NULL;
    free(t->values_text);
    free(t->performer_text);
    t->values_text = t->performer_text = NULL;
}

/* SHA-256 (hex, arena-owned) of what makes two CreateCase requests the
 * same, or NULL when out of memory. */
static const char *request_digest(request_ctx *ctx)
{
    static const char *const members[] = {"domainId", "templateId", "fields",
                                          "tags", "performedBy", NULL};
    json_t *canon = json_object();
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    char *text, *hex = NULL;

    for (const char *const *m = members; *m; m++) {
        json_t *member = json_object_get(ctx->input, *m);
        json_object_set(canon, *m, member ? member : json_null());
    }
    text = json_dumps(canon, JSON_SORT_KEYS | JSON_COMPACT);
    if (text && EVP_Digest(text, strlen(text), md, &len, EVP_sha256(), NULL) == 1 &&
        (hex = arena_alloc(ctx->arena, 2 * len + 1)) != NULL)
        for (unsigned int i = 0; i < len; i++)
            snprintf(hex + 2 * i, 3, "%02x", md[i]);
    jalloc_free(text); /* json_dumps allocates through jansson */
    json_decref(canon);
    return hex;
}

/* 1 when the clientToken names an earlier identical request (t->reply_id
 * set to its case), 0 when it is new, -1 after a ConflictException for a
 * different request, or a store status. */
static int replay_token(store_conn *conn, create_tx *t, int64_t now)
{
    const char *hash, *case_id;
    int rc;

    if (!t->token)
        return 0;
    rc = store_idempotency_get(conn, &t->ctx->scope, t->domain_id, t->token,
                               now, t->ctx->arena, &hash, &case_id);
    if (rc == STORE_NOT_FOUND)
        return 0;
    if (rc != STORE_OK)
        return rc;
    if (strcmp(hash, t->digest) != 0)
        return api_fail(t->ctx, ERR_CONFLICT,
                        "clientToken %s was already used by a different CreateCase request",
                        t->token);
    t->reply_id = case_id;
    return 1;
}

/* The values a new case starts with: the request's (cleared ones left
 * out) and the server's.  New reference. */
static json_t *new_case_values(const create_tx *t, json_t *changes,
                               int64_t now)
{
    json_t *values = json_object(), *value;
    const char *id;
    char ref[9];

    json_object_foreach(changes, id, value) {
        if (!is_cleared(value))
            json_object_set(values, id, value);
    }
    if (value_is_blank(json_object_get(values, "status")))
        json_object_set_new(values, "status", string_value("open"));
    id_reference_number(ref, now);
    json_object_set_new(values, "case_id", string_value(t->case_id));
    json_object_set_new(values, "reference_number", string_value(ref));
    json_object_set_new(values, "created_datetime", time_value(now));
    json_object_set_new(values, "last_updated_datetime", time_value(now));
    if (t->user)
        json_object_set(values, "last_updated_user", t->user);
    if (has_string(json_object_get(values, "status"), "closed"))
        json_object_set_new(values, "last_closed_datetime", time_value(now));
    return values;
}

/* The ids of the new case's values whose fields are known not to be
 * SingleSelect (store_case.plain_fields): by the field's document for the
 * request's fields, by the system fields' types for those the server
 * sets. */
static json_t *new_case_plain_fields(const field_check *fc,
                                     const json_t *values)
{
    json_t *plain = json_object(), *value;
    const char *id;

    json_object_foreach((json_t *)values, id, value) {
        const json_t *doc = json_object_get(fc->docs, id);
        value_field field = {0};
        if (doc)
            value_field_of(doc, &field);
        else
            field.type = api_system_field_type(id);
        if (field.type && strcmp(field.type, "SingleSelect") != 0)
            json_object_set_new(plain, id, json_true());
    }
    return plain;
}

/* title, customer_id and the template's required fields that still exist
 * must have values. */
static int check_create_required(field_check *fc, const json_t *tpl,
                                 json_t *values)
{
    json_t *missing = json_object();
    const json_t *item;
    size_t i;
    int rc = STORE_OK;

    if (value_is_blank(json_object_get(values, "title")) ||
        value_is_blank(json_object_get(values, "customer_id")))
        rc = api_fail(fc->ctx, ERR_VALIDATION,
                      "A case needs non-empty values for title and customer_id");
    json_array_foreach(json_object_get(tpl, "requiredFields"), i, item) {
        const char *id = str_member(item, "fieldId");
        bool live = false;
        if (rc != STORE_OK || !value_is_blank(json_object_get(values, id)))
            continue;
        rc = api_record_is_live(fc->conn, fc->ctx, RES_FIELD, fc->domain_id,
                                id, &live);
        if (live)
            add_id(missing, id);
    }
    if (rc == STORE_OK && json_object_size(missing) > 0)
        rc = api_fail(fc->ctx, ERR_VALIDATION,
                      "The template requires values for these fields: %s",
                      api_join_keys(fc->ctx->arena, missing));
    json_decref(missing);
    return rc;
}

/* The new case's tags: the template's propagated ones, the request's
 * winning on a shared key.  New reference. */
static json_t *new_case_tags(request_ctx *ctx, const json_t *tpl)
{
    json_t *tags = json_object();
    const json_t *conf;
    size_t i;

    json_array_foreach(json_object_get(tpl, "tagPropagationConfigurations"), i,
                       conf) {
        if (str_is(conf, "resourceType", "Cases"))
            json_object_update(tags, json_object_get(conf, "tagMap"));
    }
    json_object_update(tags, json_object_get(ctx->input, "tags"));
    return tags;
}

/* The new case's tags may be no more than the quota allows, and the
 * caller must be able to reach a case carrying them. */
static int check_new_tags(request_ctx *ctx, const json_t *tags)
{
    if ((int64_t)json_object_size(tags) > ctx->app->cfg.quotas.tags)
        return api_fail(ctx, ERR_VALIDATION,
                        "The case would carry %zu tags (the template's and the request's); at most %lld are allowed",
                        json_object_size(tags),
                        (long long)ctx->app->cfg.quotas.tags);
    return access_require_tags(ctx, ACCESS_CASES_CREATE, tags);
}

/* Writes out what write_new_case stores, so the writer's batch does not
 * have to.  STORE_OK or STORE_ERROR (out of memory). */
static int serialise_new_case(create_tx *t)
{
    json_t *performer = performer_doc(t->ctx);

    /* The creation event's fields are not written: they are the values,
     * each as a newValue, and the store reads them off the case
     * (store_case.created_event_id). */
    t->values_text = jsonw_dump(t->values, NULL);
    t->performer_text = performer ? jsonw_dump(performer, NULL) : NULL;
    json_decref(performer);
    id_uuid(t->event_id);
    return t->values_text && t->performer_text ? STORE_OK : STORE_ERROR;
}

/*
 * Checks the request against the template, fields, options and rules conn
 * sees, and works the new case out into t (values, tags, audit fields,
 * time now).  snapshot_version: conn's, when it is in a read snapshot, else
 * NULL.  Returns 0, -1 (refused, ctx says why) or a store status.
 */
static int check_new_case(store_conn *conn, create_tx *t, int64_t now,
                          const int64_t *snapshot_version)
{
    request_ctx *ctx = t->ctx;
    field_check fc = {.ctx = ctx, .conn = conn, .domain_id = t->domain_id,
                      .snapshot_version = snapshot_version};
    int rc;

    create_tx_clear(t);
    t->now = now;
    if ((rc = load_template(&fc, api_input_str(ctx, "templateId"), true,
                            &t->tpl)) != 0 ||
        (rc = check_fields(&fc, json_object_get(ctx->input, "fields"))) != 0)
        goto done;
    t->values = new_case_values(t, fc.changes, now);
    t->plain = new_case_plain_fields(&fc, t->values);
    if ((rc = check_create_required(&fc, t->tpl, t->values)) != 0 ||
        (rc = check_rules(&fc, t->tpl, t->values, NULL)) != 0)
        goto done;
    t->tags = new_case_tags(ctx, t->tpl);
    if ((rc = check_new_tags(ctx, t->tags)) == 0)
        rc = serialise_new_case(t);
done:
    field_check_free(&fc);
    return rc;
}

static int write_new_case(store_conn *conn, create_tx *t)
{
    request_ctx *ctx = t->ctx;
    store_case c = {.domain_id = t->domain_id, .case_id = t->case_id,
                    .template_id = api_input_str(ctx, "templateId"),
                    .created_ms = t->now, .updated_ms = t->now,
                    .fields = t->values, .fields_text = t->values_text,
                    .plain_fields = t->plain,
                    .created_event_id = t->event_id,
                    .created_by_text = t->performer_text};
    int rc = store_case_insert(conn, &ctx->scope, &c);

    if (rc == STORE_OK && json_object_size(t->tags) > 0)
        rc = store_tags_put(conn, case_arn(ctx, t->domain_id, t->case_id),
                            t->tags);
    if (rc == STORE_OK && t->token)
        rc = store_idempotency_put(conn, &ctx->scope, t->domain_id, t->token,
                                   t->digest, t->case_id,
                                   t->now + ctx->app->cfg.idempotency_ttl_ms);
    return rc;
}

/* The writes of all cases go through one writer, one batch at a time, so
 * what a CreateCase does there is kept short: a request checked early
 * only needs the configuration to be the one it was checked against. */
static int create_case_in_tx(store_conn *conn, void *arg)
{
    create_tx *t = arg;
    int64_t now = time_now_ms(), version;
    int rc;

    t->reply_id = t->case_id;
    if ((rc = replay_token(conn, t, now)) != 0)
        return rc == 1 ? 0 : rc;
    if (t->checked_early) {
        if ((rc = store_config_version(conn, &version)) != STORE_OK)
            return rc;
        if (version == t->checked_version)
            return write_new_case(conn, t);
    }
    if ((rc = check_new_case(conn, t, now, NULL)) != 0)
        return rc;
    return write_new_case(conn, t);
}

/*
 * Checks a request without a clientToken before its transaction, in a
 * read snapshot, noting the snapshot's configuration version.  A refusal
 * stands as it is: the request writes nothing, so it is answered as of the
 * snapshot.  (With a token, a replay comes before any check, and a replay
 * needs the transaction.)  Returns 0, -1 or a store status; on a store
 * failure the transaction checks the request itself.
 */
static int check_early(create_tx *t)
{
    store_conn *conn = t->ctx->db;
    int rc = store_read_begin(conn);

    if (rc != STORE_OK)
        return rc;
    rc = store_config_version(conn, &t->checked_version);
    if (rc == STORE_OK)
        rc = check_new_case(conn, t, time_now_ms(), &t->checked_version);
    store_read_end(conn);
    t->checked_early = rc == 0;
    return rc;
}

/* The rest of CreateCase once its transaction is over (api_tx_later): on
 * the store's answering thread, which answers a whole batch in turn, so
 * t is freed later, off its path (release_create_tx): freeing it was
 * about half of that thread's time under CreateCase load. */
static int create_case_done(request_ctx *ctx, void *arg, int rc)
{
    create_tx *t = arg;

    rc = api_tx_result(ctx, rc);
    if (rc == 0)
        ctx->output = json_pack("{s:s, s:s}", "caseId", t->reply_id,
                                "caseArn",
                                case_arn(ctx, t->domain_id, t->reply_id));
    return rc;
}

/* request_ctx.release of a CreateCase handed to the store. */
static void release_create_tx(void *arg)
{
    create_tx *t = arg;

    json_decref(t->user);
    create_tx_clear(t);
}

static int create_case(request_ctx *ctx)
{
    const char *token = api_input_str(ctx, "clientToken");
    /* In the arena: the transaction may finish after this returns. */
    create_tx *t = arena_alloc(ctx->arena, sizeof *t);
    char *id = arena_alloc(ctx->arena, ID_UUID_LEN);

    if (!t || !id)
        return api_fail(ctx, ERR_INTERNAL, "Out of memory");
    *t = (create_tx){.ctx = ctx, .domain_id = api_input_str(ctx, "domainId"),
                     .case_id = id, .token = token && *token ? token : NULL};
    if (api_require_domain_early(ctx, t->domain_id) != 0 ||
        access_require(ctx, ACCESS_CASES_CREATE) != 0 ||
        access_default_performer(ctx) != 0 ||
        performer_user(ctx, &t->user) != 0)
        goto fail;
    /* Time-ordered, so the indexes on case ids grow at their ends. */
    id_uuid_time_ordered(id, time_now_ms());
    if (t->token && !(t->digest = request_digest(ctx))) {
        api_fail(ctx, ERR_INTERNAL, "Cannot digest the request");
        goto fail;
    }
    if (!t->token && check_early(t) == -1)
        goto fail;
    /* Checked: create_case_in_tx refuses only before write_new_case. */
    ctx->release = release_create_tx;
    ctx->release_arg = t;
    return api_tx_later(ctx, create_case_in_tx, t, create_case_done);
fail:
    json_decref(t->user);
    create_tx_clear(t);
    return -1;
}

/* --- GetCase ------------------------------------------------------------------------ */

/* Loads a case; a missing one is a 404.  out->fields is the caller's. */
static int load_case(request_ctx *ctx, store_conn *conn, const char *domain_id,
                     const char *case_id, store_case *out)
{
    int rc = store_case_get(conn, &ctx->scope, domain_id, case_id, ctx->arena,
                            out);

    if (rc == STORE_NOT_FOUND)
        return api_not_found(ctx, "Case", case_id);
    return rc;
}

/* The requested values the case has, in request order, each once. */
static json_t *requested_values(const request_ctx *ctx, const json_t *values)
{
    json_t *list = json_array(), *seen = json_object();
    const json_t *item;
    size_t i;

    json_array_foreach(json_object_get(ctx->input, "fields"), i, item) {
        const char *id = item_id(item);
        json_t *value = json_object_get(values, id);
        if (!value || json_object_get(seen, id))
            continue;
        add_id(seen, id);
        json_array_append_new(list, json_pack("{s:s, s:O}", "id", id, "value",
                                              value));
    }
    json_decref(seen);
    return list;
}

/* The answer from the parsed document, when case_reply_render cannot
 * copy it from the text. */
static int get_case_parsed(request_ctx *ctx, const store_case *c, json_t *tags)
{
    json_t *values = jsonr_parse(c->fields_text, c->fields_len,
                                 JSONR_JANSSON_DEPTH, NULL);

    if (!values)
        return api_fail(ctx, ERR_INTERNAL, "The stored case is corrupt");
    ctx->output = json_pack("{s:o, s:s, s:O}", "fields",
                            requested_values(ctx, values), "templateId",
                            c->template_id, "tags", tags);
    json_decref(values);
    return 0;
}

/*
 * The values and the tags come from one read of the store, so they are
 * those of one moment; the tags decide access and are returned.
 */
static int get_case(request_ctx *ctx)
{
    const char *domain_id = api_input_str(ctx, "domainId");
    const char *case_id = api_input_str(ctx, "caseId");
    store_case c;
    json_t *tags = NULL;
    int rc;

    if (api_require_domain(ctx, domain_id) != 0 ||
        access_require(ctx, ACCESS_CASES_VIEW) != 0)
        return -1;
    rc = store_case_get_text(ctx->db, &ctx->scope, domain_id, case_id,
                             case_arn(ctx, domain_id, case_id), ctx->arena,
                             &c, &tags);
    if (rc == STORE_NOT_FOUND)
        return api_not_found(ctx, "Case", case_id);
    if (rc != STORE_OK)
        return api_store_failed(ctx, rc);
    if ((rc = access_require_tags(ctx, ACCESS_CASES_VIEW, tags)) == 0 &&
             !(ctx->reply_body = case_reply_render(
                   json_object_get(ctx->input, "fields"), c.fields_text,
                   c.fields_len, c.template_id, tags, &ctx->reply_len)))
        rc = get_case_parsed(ctx, &c, tags);
    json_decref(tags);
    return rc;
}

/* --- UpdateCase ---------------------------------------------------------------------- */

typedef struct {
    request_ctx *ctx;
    const char *domain_id;
    const char *case_id;
    json_t *user; /* last_updated_user value, or NULL (borrowed) */
} case_tx;

/* The case's values with the changes applied (new reference). */
static json_t *apply_changes(const json_t *current, json_t *changes)
{
    json_t *after = json_deep_copy(current), *value;
    const char *id;

    json_object_foreach(changes, id, value) {
        if (is_cleared(value))
            json_object_del(after, id);
        else
            json_object_set(after, id, value);
    }
    return after;
}

/* A field this update blanks must not be one a case always needs or one
 * the template requires. */
static int check_update_required(field_check *fc, const json_t *tpl,
                                 const json_t *after, json_t *touched)
{
    json_t *refused = json_object(), *unused;
    const char *id;
    int rc = 0;

    json_object_foreach(touched, id, unused) {
        if (value_is_blank(json_object_get(after, id)) &&
            (listed(always_required, id) || template_requires(tpl, id)))
            add_id(refused, id);
    }
    if (json_object_size(refused) > 0)
        rc = api_fail(fc->ctx, ERR_VALIDATION,
                      "These fields are required and cannot be cleared: %s",
                      api_join_keys(fc->ctx->arena, refused));
    json_decref(refused);
    return rc;
}

/* Sets what every update refreshes, and the close or reopen time when
 * status crosses closed. */
static void stamp_update(json_t *after, const json_t *before, json_t *user,
                         int64_t now)
{
    bool was_closed = has_string(json_object_get(before, "status"), "closed");
    bool is_closed = has_string(json_object_get(after, "status"), "closed");

    json_object_set_new(after, "last_updated_datetime", time_value(now));
    if (user)
        json_object_set(after, "last_updated_user", user);
    else
        json_object_del(after, "last_updated_user");
    if (is_closed && !was_closed)
        json_object_set_new(after, "last_closed_datetime", time_value(now));
    else if (was_closed && !is_closed)
        json_object_set_new(after, "last_reopened_datetime", time_value(now));
}

/* Stamps after, completes events with the stamps' changes, and writes. */
static int write_update(store_conn *conn, case_tx *t, const store_case *old,
                        json_t *after, json_t *events, int64_t now)
{
    store_case c = *old;
    int rc;

    stamp_update(after, old->fields, t->user, now);
    for (const char *const *id = update_stamps; *id; id++)
        diff_field(events, NULL, old->fields, after, *id);
    c.fields = after;
    c.updated_ms = now;
    rc = store_case_update(conn, &t->ctx->scope, &c);
    if (rc == STORE_OK)
        rc = append_event(conn, t->ctx, &c, "Case.Updated", events, now);
    return rc;
}

static int update_case_in_tx(store_conn *conn, void *arg)
{
    case_tx *t = arg;
    field_check fc = {.ctx = t->ctx, .conn = conn, .domain_id = t->domain_id};
    store_case c = {.fields = NULL};
    json_t *tpl = NULL, *after = NULL, *value;
    json_t *events = json_array(), *touched = json_object();
    int64_t now = time_now_ms();
    const char *id;
    int rc;

    if ((rc = load_case(t->ctx, conn, t->domain_id, t->case_id, &c)) != 0 ||
        (rc = access_check_case(t->ctx, conn, ACCESS_CASES_EDIT, t->domain_id,
                                t->case_id)) != 0)
        goto done;
    fc.current = c.fields;
    if ((rc = check_fields(&fc, json_object_get(t->ctx->input, "fields"))) != 0)
        goto done;
    after = apply_changes(c.fields, fc.changes);
    json_object_foreach(fc.changes, id, value)
        diff_field(events, touched, c.fields, after, id);
    if (json_object_size(touched) == 0)
        goto done; /* nothing changes: nothing to write */
    if ((rc = load_template(&fc, c.template_id, false, &tpl)) != 0 ||
        (rc = check_update_required(&fc, tpl, after, touched)) != 0 ||
        (rc = check_rules(&fc, tpl, after, touched)) != 0)
        goto done;
    rc = write_update(conn, t, &c, after, events, now);
done:
    field_check_free(&fc);
    json_decref(c.fields);
    json_decref(tpl);
    json_decref(after);
    json_decref(events);
    json_decref(touched);
    return rc;
}

static int update_case(request_ctx *ctx)
{
    case_tx t = {ctx, api_input_str(ctx, "domainId"),
                 api_input_str(ctx, "caseId"), NULL};
    int rc;

    if (api_require_domain(ctx, t.domain_id) != 0 ||
        access_require(ctx, ACCESS_CASES_EDIT) != 0 ||
        access_default_performer(ctx) != 0 || performer_user(ctx, &t.user) != 0)
        return -1;
    rc = store_tx(ctx->db, update_case_in_tx, &t);
    json_decref(t.user);
    if (rc != 0)
        return api_tx_result(ctx, rc);
    ctx->output = json_object();
    return 0;
}

/* --- DeleteCase ---------------------------------------------------------------------- */

/* A case the caller's tags restrict must exist (404) before its tags can
 * refuse it (403). */
static int check_delete_access(store_conn *conn, case_tx *t)
{
    store_case c;
    int rc;

    if (!access_restricted(t->ctx, ACCESS_CASES_DELETE))
        return 0;
    if ((rc = load_case(t->ctx, conn, t->domain_id, t->case_id, &c)) != 0)
        return rc;
    json_decref(c.fields);
    return access_check_case(t->ctx, conn, ACCESS_CASES_DELETE, t->domain_id,
                             t->case_id);
}

static int delete_case_in_tx(store_conn *conn, void *arg)
{
    case_tx *t = arg;
    int rc = check_delete_access(conn, t);

    if (rc != 0)
        return rc;
    rc = store_case_delete(conn, &t->ctx->scope, t->domain_id, t->case_id);

    if (rc == STORE_NOT_FOUND)
        return api_not_found(t->ctx, "Case", t->case_id);
    if (rc != STORE_OK)
        return rc;
    return store_tags_purge(conn, case_arn(t->ctx, t->domain_id, t->case_id));
}

static int delete_case(request_ctx *ctx)
{
    case_tx t = {ctx, api_input_str(ctx, "domainId"),
                 api_input_str(ctx, "caseId"), NULL};

    if (api_require_domain(ctx, t.domain_id) != 0 ||
        access_require(ctx, ACCESS_CASES_DELETE) != 0)
        return -1;
    if (api_tx_result(ctx, store_tx(ctx->db, delete_case_in_tx, &t)) != 0)
        return -1;
    ctx->output = json_object();
    return 0;
}

/* --- GetCaseAuditEvents ----------------------------------------------------------------- */

typedef struct {
    json_t *events;
    int64_t seqs[AUDIT_PAGE_MAX + 1]; /* seq of each event in events */
} audit_page;

static int collect_event(const store_audit_event *ev, void *arg)
{
    audit_page *page = arg;
    json_t *item = json_pack("{s:s, s:s, s:s*, s:o, s:O, s:O}", "eventId",
                             ev->event_id, "type", ev->type, "relatedItemType",
                             ev->related_item_type, "performedTime",
                             api_time(ev->performed_ms), "fields", ev->fields,
                             "performedBy", ev->performed_by);

    if (!item || json_array_size(page->events) > AUDIT_PAGE_MAX) {
        json_decref(item);
        return STORE_ERROR;
    }
    page->seqs[json_array_size(page->events)] = ev->seq;
    json_array_append_new(page->events, item);
    return STORE_OK;
}

/* Reads up to max events before before_seq; more than max means a next
 * page, which then starts after the last event kept. */
static int audit_events_page(request_ctx *ctx, const char *domain_id,
                             const char *case_id, const char *listing, int max)
{
    audit_page page = {.events = json_array()};
    int64_t before = 0;
    int rc;

    if (api_page_start(ctx, listing, &before) != 0)
        goto fail;
    rc = store_audit_list(ctx->db, &ctx->scope, domain_id, case_id, before,
                          max + 1, collect_event, &page);
    if (rc != STORE_OK) {
        api_store_failed(ctx, rc);
        goto fail;
    }
    ctx->output = json_object();
    if (json_array_size(page.events) > (size_t)max) {
        json_array_remove(page.events, (size_t)max);
        if (api_page_finish(ctx, listing, ctx->output, page.seqs[max - 1]) != 0)
            goto fail;
    }
    json_object_set_new(ctx->output, "auditEvents", page.events);
    return 0;
fail:
    json_decref(page.events);
    return -1;
}

static int get_case_audit_events(request_ctx *ctx)
{
    const char *domain_id = api_input_str(ctx, "domainId");
    const char *case_id = api_input_str(ctx, "caseId");
    long long max = api_input_int(ctx, "maxResults", AUDIT_PAGE_MAX);
    store_case c;
    int rc;

    if (api_require_domain(ctx, domain_id) != 0 ||
        access_require(ctx, ACCESS_CASE_HISTORY_VIEW) != 0)
        return -1;
    if ((rc = load_case(ctx, ctx->db, domain_id, case_id, &c)) != 0)
        return api_tx_result(ctx, rc);
    json_decref(c.fields);
    if (access_check_case(ctx, ctx->db, ACCESS_CASE_HISTORY_VIEW, domain_id,
                          case_id) != 0)
        return -1;
    if (max < 1 || max > AUDIT_PAGE_MAX)
        max = AUDIT_PAGE_MAX;
    return audit_events_page(ctx, domain_id, case_id,
                             arena_printf(ctx->arena, "%s/%s", domain_id, case_id),
                             (int)max);
}

const api_binding cases_api[] = {
    {"CreateCase", create_case, .later = true},
    {"GetCase", get_case},
    {"UpdateCase", update_case},
    {"DeleteCase", delete_case},
    {"GetCaseAuditEvents", get_case_audit_events},
    {NULL, NULL},
};
