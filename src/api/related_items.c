/*
 * related_items.c - CreateRelatedItem, UpdateRelatedItem, DeleteRelatedItem,
 * and the binding table of every related item operation (the searches and
 * ListCasesForContact are in related_search.c).
 *
 * A related item is a store_related_item whose content is the
 * RelatedItemContent union as the API returns it, built here from the
 * request; an Sla's status is not stored but derived on every read (sla.h).
 * Each write happens in one transaction with its audit event.
 *
 * Choices where AWS documents nothing (cases-behaviour.md §9):
 *  - Contact: casesd keeps no Connect contact records, so channel is always
 *    "VOICE" and connectedToSystemTime is the association time.  The
 *    contactArn must have the shape of a Connect contact ARN,
 *    arn:aws[-x]:connect:REGION:ACCOUNT:instance/ID/contact/ID.  The same
 *    contact may be related to a case more than once.
 *  - File: fileArn must have the shape of a Connect file ARN
 *    (...:instance/ID/file/ID); whether the file exists cannot be checked.
 *  - Sla: fieldId is required and must name a live SingleSelect field; its
 *    one target value is a stringValue naming an option of that field
 *    (active or not).  targetTime = association time + targetSlaMinutes.
 *  - ConnectCase: caseId must name another case of the domain.  An unknown
 *    id, or the case itself, is a ValidationException: the resource the
 *    request acts on (the case of the path) exists, its input is wrong.
 *  - Custom: at most 5 fields (more is a ServiceQuotaExceededException,
 *    the limit being a quota), each a live Custom field of the domain given
 *    once, with a value its type accepts (values.h); SingleSelect values
 *    must be active options.  System fields are a ValidationException.
 *  - Quotas are checked in the creating transaction, the total (200) first,
 *    then files (50) and SLAs (10) per case.
 *  - UpdateRelatedItem takes content.comment for a Comment item and
 *    content.custom for a Custom one (full replacement); any other pairing
 *    is a ValidationException.  Its lastUpdatedUser is the update's
 *    performedBy, createdBy the creation's.
 *  - DeleteRelatedItem refuses File items (ValidationException) and
 *    removes the item's tags.
 *  - Each write appends a RelatedItem.Created|Updated|Deleted event with
 *    relatedItemType to the case's audit history.  Its fields list is
 *    empty: AuditEventField carries case field values, which a related
 *    item write does not change.  performedBy holds the IAM principal and
 *    the request's performedBy (DeleteRelatedItem has none).
 *  - Related item writes leave the case's last_updated_datetime alone.
 *
 * Access (auth/access.h): every write needs Cases.Edit on the case's tags;
 * a create or update naming no performedBy is performed by the caller's
 * Connect user, when it acts as one.
 */
#include <ctype.h>
#include <string.h>

#include "api/related_items.h"
#include "api/related_match.h"
#include "api/sla.h"
#include "api/values.h"
#include "auth/access.h"
#include "util/arn.h"
#include "util/ids.h"
#include "util/timeutil.h"

#define MESSAGE_LEN 512
#define CONTACT_CHANNEL "VOICE"
#define ARN_PART_MAX 256 /* longest region, instance or resource id taken */

/* --- shared with related_search.c ------------------------------------------------- */

char *related_item_arn(request_ctx *ctx, const char *domain_id,
                       const char *case_id, const char *item_id)
{
    return arn_format(ctx->arena, ARN_RELATED_ITEM, ctx->scope.region,
                      ctx->scope.account, domain_id, case_id, item_id);
}

int related_load_case(request_ctx *ctx, store_conn *conn,
                      const char *domain_id, const char *case_id,
                      store_case *out)
{
    int rc = store_case_get(conn, &ctx->scope, domain_id, case_id, ctx->arena,
                            out);

    if (rc == STORE_NOT_FOUND)
        return api_not_found(ctx, "Case", case_id);
    return rc;
}

void related_item_release(store_related_item *item)
{
    json_decref(item->content);
    json_decref(item->created_by);
    json_decref(item->updated_by);
    item->content = item->created_by = item->updated_by = NULL;
}

/* --- small helpers ------------------------------------------------------------------ */

static const char *str_member(const json_t *obj, const char *name)
{
    return json_string_value(json_object_get(obj, name));
}

/* Whether member name of obj is the string s. */
static bool str_is(const json_t *obj, const char *name, const char *s)
{
    const char *have = str_member(obj, name);
    return have && strcmp(have, s) == 0;
}

/* The request's performedBy as a UserUnion of its known member only (new
 * reference), or NULL when the request has none. */
static json_t *performer(request_ctx *ctx)
{
    const json_t *by = json_object_get(ctx->input, "performedBy");
    const char *user = str_member(by, "userArn");
    const char *entity = str_member(by, "customEntity");

    if (user)
        return json_pack("{s:s}", "userArn", user);
    return entity ? json_pack("{s:s}", "customEntity", entity) : NULL;
}

/* performedBy.userArn, when given, must be a Connect user ARN. */
static int check_performer(request_ctx *ctx)
{
    static const value_field field = {"performedBy.userArn", "User", false};
    const char *arn = str_member(json_object_get(ctx->input, "performedBy"),
                                 "userArn");
    char err[MESSAGE_LEN];
    json_t *value, *normalised = NULL;
    int rc = 0;

    if (!arn)
        return 0;
    value = json_pack("{s:s}", "userArnValue", arn);
    if (value_check(&field, value, &normalised, err, sizeof err) != 0)
        rc = api_fail(ctx, ERR_VALIDATION,
                      "performedBy.userArn must be an Amazon Connect user ARN: %s",
                      arn);
    json_decref(value);
    json_decref(normalised);
    return rc;
}

/* Appends a RelatedItem.* event for item to its case's history. */
static int append_audit(store_conn *conn, request_ctx *ctx,
                        const store_related_item *item, const char *type,
                        const json_t *user, int64_t now)
{
    char id[ID_UUID_LEN];
    store_audit_event ev = {.event_id = id, .type = type,
                            .related_item_type = item->type,
                            .performed_ms = now, .fields = json_array()};
    int rc;

    id_uuid(id);
    ev.performed_by = json_pack("{s:s, s:O*}", "iamPrincipalArn",
                                api_caller_arn(ctx), "user", user);
    rc = ev.performed_by ? store_audit_append(conn, &ctx->scope,
                                              item->domain_id, item->case_id,
                                              &ev)
                         : STORE_ERROR;
    json_decref(ev.fields);
    json_decref(ev.performed_by);
    return rc;
}

/* --- Connect ARNs ------------------------------------------------------------------- */

static bool is_partition_char(int c)
{
    return islower(c) || c == '-';
}

static bool is_region_char(int c)
{
    return islower(c) || isdigit(c) || c == '-';
}

static bool is_id_char(int c)
{
    return isalnum(c) || c == '-' || c == '_' || c == '.';
}

/* Takes the literal lit from *s. */
static bool take(const char **s, const char *lit)
{
    size_t n = strlen(lit);

    if (strncmp(*s, lit, n) != 0)
        return false;
    *s += n;
    return true;
}

/* Takes a run of min..max characters that ok accepts from *s. */
static bool take_run(const char **s, bool (*ok)(int), size_t min, size_t max)
{
    size_t n = 0;

    while ((*s)[n] && ok((unsigned char)(*s)[n]))
        n++;
    *s += n;
    return n >= min && n <= max;
}

static bool take_account(const char **s)
{
    for (int i = 0; i < 12; i++, (*s)++)
        if (!isdigit((unsigned char)**s))
            return false;
    return true;
}

/* Whether arn is arn:aws[-x]:connect:REGION:ACCOUNT:instance/ID/kind/ID. */
static bool is_connect_arn(const char *arn, const char *kind)
{
    const char *s = arn;

    return take(&s, "arn:aws") &&
           take_run(&s, is_partition_char, 0, ARN_PART_MAX) &&
           take(&s, ":connect:") &&
           take_run(&s, is_region_char, 1, ARN_PART_MAX) && take(&s, ":") &&
           take_account(&s) && take(&s, ":instance/") &&
           take_run(&s, is_id_char, 1, ARN_PART_MAX) && take(&s, "/") &&
           take(&s, kind) && take(&s, "/") &&
           take_run(&s, is_id_char, 1, ARN_PART_MAX) && *s == '\0';
}

/* --- content ------------------------------------------------------------------------ */

/* Building the stored content of an item from its request content. */
typedef struct {
    request_ctx *ctx;
    const char *domain_id;
    const char *case_id;
    int64_t now;             /* the association (or update) time */
    const json_t *body;      /* the request's content.<member> */
    json_t *content;         /* the built content union (owned) */
    const char *contact_arn; /* Contact items: borrowed from the input */
} content_build;

/* A builder returns 0, -1 after api_fail(), or a store status. */
typedef int (*content_builder)(content_build *b);

static int build_contact(content_build *b)
{
    const char *arn = str_member(b->body, "contactArn");
    char when[TIME_ISO_LEN];

    if (!arn || !is_connect_arn(arn, "contact"))
        return api_fail(b->ctx, ERR_VALIDATION,
                        "content.contact.contactArn must be an Amazon Connect contact ARN "
                        "(arn:aws:connect:REGION:ACCOUNT:instance/INSTANCE_ID/contact/CONTACT_ID)");
    time_format_iso(b->now, when);
    b->contact_arn = arn;
    b->content = json_pack("{s:{s:s, s:s, s:s}}", "contact", "contactArn", arn,
                           "channel", CONTACT_CHANNEL, "connectedToSystemTime",
                           when);
    return 0;
}

static int build_comment(content_build *b)
{
    b->content = json_pack("{s:{s:O, s:O}}", "comment", "body",
                           json_object_get(b->body, "body"), "contentType",
                           json_object_get(b->body, "contentType"));
    return 0;
}

static int build_file(content_build *b)
{
    const char *arn = str_member(b->body, "fileArn");

    if (!arn || !is_connect_arn(arn, "file"))
        return api_fail(b->ctx, ERR_VALIDATION,
                        "content.file.fileArn must be an Amazon Connect file ARN "
                        "(arn:aws:connect:REGION:ACCOUNT:instance/INSTANCE_ID/file/FILE_ID)");
    b->content = json_pack("{s:{s:s}}", "file", "fileArn", arn);
    return 0;
}

/* Loads the field id of the domain into *doc (new reference); unknown and
 * deleted fields are ValidationExceptions. */
static int load_field(content_build *b, const char *id, json_t **doc)
{
    store_record rec;
    int rc = store_record_get(b->ctx->db, &b->ctx->scope, RES_FIELD,
                              b->domain_id, id, b->ctx->arena, &rec);

    if (rc == STORE_NOT_FOUND)
        return api_fail(b->ctx, ERR_VALIDATION,
                        "Field %s does not exist in the domain", id);
    if (rc != STORE_OK)
        return rc;
    if (rec.deleted) {
        json_decref(rec.doc);
        return api_fail(b->ctx, ERR_VALIDATION, "Field %s is deleted", id);
    }
    *doc = rec.doc;
    return 0;
}

/* An SLA watches a SingleSelect field for one of its option values. */
static int check_sla_target(content_build *b, const char *field_id,
                            const json_t *target)
{
    const char *value = str_member(target, "stringValue");
    json_t *doc = NULL;
    store_option opt;
    int rc = load_field(b, field_id, &doc);

    if (rc != 0)
        return rc;
    if (!str_is(doc, "type", "SingleSelect"))
        rc = api_fail(b->ctx, ERR_VALIDATION,
                      "An SLA's field must be a SingleSelect field; %s is a %s field",
                      field_id, str_member(doc, "type"));
    json_decref(doc);
    if (rc != 0)
        return rc;
    if (!value)
        return api_fail(b->ctx, ERR_VALIDATION,
                        "The target value of an SLA must be a stringValue naming an option of %s",
                        field_id);
    rc = store_option_get(b->ctx->db, &b->ctx->scope, b->domain_id, field_id,
                          value, b->ctx->arena, &opt);
    if (rc == STORE_NOT_FOUND)
        return api_fail(b->ctx, ERR_VALIDATION,
                        "'%s' is not an option of field %s", value, field_id);
    return rc;
}

static int build_sla(content_build *b)
{
    const json_t *conf = json_object_get(b->body, "slaInputConfiguration");
    const char *field_id = str_member(conf, "fieldId");
    const json_t *targets = json_object_get(conf, "targetFieldValues");
    json_int_t minutes =
        json_integer_value(json_object_get(conf, "targetSlaMinutes"));
    char target_time[TIME_ISO_LEN];
    int rc;

    if (!field_id || json_array_size(targets) != 1)
        return api_fail(b->ctx, ERR_VALIDATION,
                        "An SLA of type CaseField needs a fieldId and exactly one targetFieldValues entry");
    rc = check_sla_target(b, field_id, json_array_get(targets, 0));
    if (rc != 0)
        return rc;
    time_format_iso(sla_target_ms(b->now, minutes), target_time);
    b->content = json_pack(
        "{s:{s:{s:O, s:O, s:s, s:[{s:O}], s:s}}}", "sla", "slaConfiguration",
        "name", json_object_get(conf, "name"), "type",
        json_object_get(conf, "type"), "fieldId", field_id,
        "targetFieldValues", "stringValue",
        json_object_get(json_array_get(targets, 0), "stringValue"),
        "targetTime", target_time);
    return 0;
}

static int build_connect_case(content_build *b)
{
    const char *other = str_member(b->body, "caseId");
    store_case c;
    int rc;

    if (!other || strcmp(other, b->case_id) == 0)
        return api_fail(b->ctx, ERR_VALIDATION,
                        "content.connectCase.caseId must name another case of the domain");
    rc = store_case_get(b->ctx->db, &b->ctx->scope, b->domain_id, other,
                        b->ctx->arena, &c);
    if (rc == STORE_NOT_FOUND)
        return api_fail(b->ctx, ERR_VALIDATION,
                        "content.connectCase.caseId names no case of this domain: %s",
                        other);
    if (rc != STORE_OK)
        return rc;
    json_decref(c.fields);
    b->content = json_pack("{s:{s:s}}", "connectCase", "caseId", other);
    return 0;
}

/* A SingleSelect value of a Custom item must be an active option. */
static int check_custom_option(content_build *b, const char *id,
                               const json_t *value)
{
    const char *s = str_member(value, "stringValue");
    store_option opt;
    int rc;

    if (!s)
        return 0;
    rc = store_option_get(b->ctx->db, &b->ctx->scope, b->domain_id, id, s,
                          b->ctx->arena, &opt);
    if (rc == STORE_NOT_FOUND || (rc == STORE_OK && !opt.active))
        return api_fail(b->ctx, ERR_VALIDATION,
                        "'%s' is not an active option of field %s", s, id);
    return rc;
}

/* Checks one {id, value} of a Custom item into *out (new reference). */
static int check_custom_field(content_build *b, const json_t *item,
                              json_t **out)
{
    const char *id = str_member(item, "id");
    char err[MESSAGE_LEN];
    value_field field;
    json_t *doc = NULL, *value = NULL;
    int rc = load_field(b, id, &doc);

    if (rc != 0)
        return rc;
    value_field_of(doc, &field);
    if (!str_is(doc, "namespace", "Custom"))
        rc = api_fail(b->ctx, ERR_VALIDATION,
                      "System field %s cannot be used in a Custom related item; only custom fields can",
                      id);
    else if (value_check(&field, json_object_get(item, "value"), &value, err,
                         sizeof err) != 0)
        rc = api_fail(b->ctx, ERR_VALIDATION, "%s", err);
    else if (str_is(doc, "type", "SingleSelect"))
        rc = check_custom_option(b, id, value);
    json_decref(doc);
    if (rc == 0)
        *out = json_pack("{s:s, s:o}", "id", id, "value", value);
    else
        json_decref(value);
    return rc;
}

static int check_custom_fields(content_build *b, const json_t *fields,
                               json_t *list)
{
    json_t *seen = json_object();
    const json_t *item;
    size_t i;
    int rc = 0;

    json_array_foreach(fields, i, item) {
        const char *id = str_member(item, "id");
        json_t *checked = NULL;
        if (json_object_get(seen, id)) {
            rc = api_fail(b->ctx, ERR_VALIDATION,
                          "Field %s is given more than once", id);
            break;
        }
        json_object_set_new(seen, id, json_true());
        if ((rc = check_custom_field(b, item, &checked)) != 0)
            break;
        json_array_append_new(list, checked);
    }
    json_decref(seen);
    return rc;
}

static int build_custom(content_build *b)
{
    const json_t *fields = json_object_get(b->body, "fields");
    json_t *list;
    int rc;

    int64_t max = b->ctx->app->cfg.quotas.custom_item_fields;

    if ((int64_t)json_array_size(fields) > max)
        return api_fail(b->ctx, ERR_QUOTA,
                        "A Custom related item can have at most %lld fields; %zu were given",
                        (long long)max, json_array_size(fields));
    list = json_array();
    rc = check_custom_fields(b, fields, list);
    if (rc != 0) {
        json_decref(list);
        return rc;
    }
    b->content = json_pack("{s:{s:o}}", "custom", "fields", list);
    return 0;
}

static content_builder builder_for(const char *type)
{
    static const struct {
        const char *type;
        content_builder build;
    } builders[] = {
        {"Contact", build_contact}, {"Comment", build_comment},
        {"File", build_file},       {"Sla", build_sla},
        {"ConnectCase", build_connect_case}, {"Custom", build_custom},
    };

    for (size_t i = 0; i < sizeof builders / sizeof builders[0]; i++)
        if (strcmp(builders[i].type, type) == 0)
            return builders[i].build;
    return NULL;
}

/* Builds b->content for an item of type from content (a content union).
 * Returns 0, -1 after api_fail(), or a store status. */
static int build_content(content_build *b, const char *type,
                         const json_t *content)
{
    const char *member = related_type_member(type);
    content_builder build = builder_for(type ? type : "");
    int rc;

    if (!member || !build)
        return api_fail(b->ctx, ERR_VALIDATION, "Unknown related item type");
    b->body = json_object_get(content, member);
    if (!b->body)
        return api_fail(b->ctx, ERR_VALIDATION,
                        "The type %s does not match the content: a %s item takes content.%s",
                        type, type, member);
    rc = build(b);
    if (rc == 0 && !b->content)
        return api_fail(b->ctx, ERR_INTERNAL,
                        "Cannot build the related item content");
    return rc;
}

/* The domain and the case of the path must exist (404 otherwise), and the
 * caller may edit the case: every caller of this writes to it. */
static int require_case(request_ctx *ctx, const char *domain_id,
                        const char *case_id)
{
    store_case c;
    int rc;

    if (api_require_domain(ctx, domain_id) != 0 ||
        access_require(ctx, ACCESS_CASES_EDIT) != 0)
        return -1;
    rc = related_load_case(ctx, ctx->db, domain_id, case_id, &c);
    if (rc != 0)
        return api_tx_result(ctx, rc);
    json_decref(c.fields);
    return access_check_case(ctx, ctx->db, ACCESS_CASES_EDIT, domain_id,
                             case_id);
}

/* --- CreateRelatedItem -------------------------------------------------------------- */

/* Fails when the case holds as many items (of the item's type, for the
 * per-type quotas) as allowed. */
static int check_quotas(store_conn *conn, request_ctx *ctx,
                        const store_related_item *item)
{
    const quota_config *q = &ctx->app->cfg.quotas;
    const struct {
        const char *type; /* NULL: every type */
        int64_t max;
        const char *what;
    } quotas[] = {
        {NULL, q->related_items, "related items"},
        {"File", q->files, "files"},
        {"Sla", q->slas, "SLAs"},
    };

    for (size_t i = 0; i < sizeof quotas / sizeof quotas[0]; i++) {
        int64_t count = 0;
        int rc;
        if (quotas[i].type && strcmp(quotas[i].type, item->type) != 0)
            continue;
        rc = store_related_count(conn, &ctx->scope, item->domain_id,
                                 item->case_id, quotas[i].type, &count);
        if (rc != STORE_OK)
            return rc;
        if (count >= quotas[i].max)
            return api_fail(ctx, ERR_QUOTA,
                            "Case %s already has %lld %s, the most allowed",
                            item->case_id, (long long)count, quotas[i].what);
    }
    return 0;
}

typedef struct {
    request_ctx *ctx;
    store_related_item item; /* json members owned by create_related_item */
} create_tx;

static int create_in_tx(store_conn *conn, void *arg)
{
    create_tx *t = arg;
    int rc = check_quotas(conn, t->ctx, &t->item);

    if (rc != 0)
        return rc;
    rc = store_related_insert(conn, &t->ctx->scope, &t->item);
    if (rc == STORE_NOT_FOUND)
        return api_not_found(t->ctx, "Case", t->item.case_id);
    if (rc != STORE_OK)
        return rc;
    return append_audit(conn, t->ctx, &t->item, "RelatedItem.Created",
                        t->item.created_by, t->item.associated_ms);
}

static int create_related_item(request_ctx *ctx)
{
    char id[ID_UUID_LEN];
    content_build b = {.ctx = ctx, .domain_id = api_input_str(ctx, "domainId"),
                       .case_id = api_input_str(ctx, "caseId"),
                       .now = time_now_ms()};
    const char *type = api_input_str(ctx, "type");
    create_tx t = {.ctx = ctx};
    int rc;

    if ((rc = require_case(ctx, b.domain_id, b.case_id)) != 0 ||
        (rc = access_default_performer(ctx)) != 0 ||
        (rc = check_performer(ctx)) != 0)
        return rc;
    rc = build_content(&b, type, json_object_get(ctx->input, "content"));
    if (rc != 0)
        goto done;
    id_uuid(id);
    t.item = (store_related_item){
        .domain_id = b.domain_id, .case_id = b.case_id, .item_id = id,
        .type = type, .contact_arn = b.contact_arn, .associated_ms = b.now,
        .updated_ms = b.now, .content = b.content,
        .created_by = performer(ctx)};
    rc = store_tx(ctx->db, create_in_tx, &t);
    json_decref(t.item.created_by);
    if (rc == 0)
        ctx->output = json_pack("{s:s, s:s}", "relatedItemId", id,
                                "relatedItemArn",
                                related_item_arn(ctx, b.domain_id, b.case_id, id));
done:
    json_decref(b.content);
    return api_tx_result(ctx, rc);
}

/* --- UpdateRelatedItem and DeleteRelatedItem --------------------------------------------- */

/* Loads the item the path names (404 for a missing domain, case or item).
 * out's json members are the caller's to release. */
static int load_item(request_ctx *ctx, store_related_item *out)
{
    const char *domain_id = api_input_str(ctx, "domainId");
    const char *case_id = api_input_str(ctx, "caseId");
    const char *item_id = api_input_str(ctx, "relatedItemId");
    int rc;

    if (require_case(ctx, domain_id, case_id) != 0)
        return -1;
    rc = store_related_get(ctx->db, &ctx->scope, domain_id, case_id, item_id,
                           ctx->arena, out);
    if (rc == STORE_NOT_FOUND)
        return api_not_found(ctx, "RelatedItem", item_id);
    if (rc != STORE_OK)
        return api_store_failed(ctx, rc);
    out->case_id = case_id;
    return 0;
}

/* Comment items take content.comment, Custom items content.custom. */
static int check_update_pairing(request_ctx *ctx,
                                const store_related_item *item,
                                const json_t *content)
{
    const char *given = related_union_type(content);

    if (strcmp(item->type, "Comment") != 0 && strcmp(item->type, "Custom") != 0)
        return api_fail(ctx, ERR_VALIDATION,
                        "Only Comment and Custom related items can be updated; %s is a %s item",
                        item->item_id, item->type);
    if (!given || strcmp(given, item->type) != 0)
        return api_fail(ctx, ERR_VALIDATION,
                        "Related item %s is a %s item: its new content goes in content.%s",
                        item->item_id, item->type,
                        related_type_member(item->type));
    return 0;
}

typedef struct {
    request_ctx *ctx;
    const store_related_item *item;
} item_tx;

static int update_in_tx(store_conn *conn, void *arg)
{
    item_tx *t = arg;
    int rc = store_related_update(conn, &t->ctx->scope, t->item);

    if (rc == STORE_NOT_FOUND)
        return api_not_found(t->ctx, "RelatedItem", t->item->item_id);
    if (rc != STORE_OK)
        return rc;
    return append_audit(conn, t->ctx, t->item, "RelatedItem.Updated",
                        t->item->updated_by, t->item->updated_ms);
}

/* The UpdateRelatedItem response for the updated item. */
static int update_output(request_ctx *ctx, const store_related_item *item)
{
    const char *arn = related_item_arn(ctx, item->domain_id, item->case_id,
                                       item->item_id);

    ctx->output = json_pack(
        "{s:s, s:s, s:s, s:O, s:o, s:O*, s:O*}", "relatedItemId",
        item->item_id, "relatedItemArn", arn, "type", item->type, "content",
        item->content, "associationTime", api_time(item->associated_ms),
        "lastUpdatedUser", item->updated_by, "createdBy", item->created_by);
    if (!ctx->output)
        return api_fail(ctx, ERR_INTERNAL, "Cannot build the response");
    return api_attach_tags(ctx, ctx->output, arn);
}

/* Replaces item's content with the request's; the item keeps what it had
 * when this fails. */
static int apply_update(request_ctx *ctx, store_related_item *item,
                        int64_t now)
{
    content_build b = {.ctx = ctx, .domain_id = item->domain_id,
                       .case_id = item->case_id, .now = now};
    json_t *content = json_object_get(ctx->input, "content");
    int rc;

    if ((rc = check_update_pairing(ctx, item, content)) != 0 ||
        (rc = build_content(&b, item->type, content)) != 0) {
        json_decref(b.content);
        return rc;
    }
    json_decref(item->content);
    item->content = b.content;
    json_decref(item->updated_by);
    item->updated_by = performer(ctx);
    item->updated_ms = now;
    return 0;
}

static int update_related_item(request_ctx *ctx)
{
    store_related_item item = {.content = NULL};
    item_tx t = {ctx, &item};
    int rc;

    if ((rc = load_item(ctx, &item)) != 0)
        return rc;
    if ((rc = access_default_performer(ctx)) != 0 ||
        (rc = check_performer(ctx)) != 0 ||
        (rc = apply_update(ctx, &item, time_now_ms())) != 0)
        goto done;
    rc = store_tx(ctx->db, update_in_tx, &t);
    if (rc == 0)
        rc = update_output(ctx, &item);
done:
    related_item_release(&item);
    return api_tx_result(ctx, rc);
}

static int delete_in_tx(store_conn *conn, void *arg)
{
    item_tx *t = arg;
    const store_related_item *item = t->item;
    int rc = store_related_delete(conn, &t->ctx->scope, item->domain_id,
                                  item->case_id, item->item_id);

    if (rc == STORE_NOT_FOUND)
        return api_not_found(t->ctx, "RelatedItem", item->item_id);
    if (rc == STORE_OK)
        rc = store_tags_purge(conn, related_item_arn(t->ctx, item->domain_id,
                                                     item->case_id,
                                                     item->item_id));
    if (rc == STORE_OK) {
        /* The request has no performedBy: the event names the caller's
         * Connect user, if any (access_default_performer). */
        json_t *by = performer(t->ctx);
        rc = append_audit(conn, t->ctx, item, "RelatedItem.Deleted", by,
                          time_now_ms());
        json_decref(by);
    }
    return rc;
}

static int delete_related_item(request_ctx *ctx)
{
    store_related_item item = {.content = NULL};
    item_tx t = {ctx, &item};
    int rc;

    if ((rc = load_item(ctx, &item)) != 0)
        return rc;
    if (access_default_performer(ctx) != 0)
        rc = -1;
    else if (strcmp(item.type, "File") == 0)
        rc = api_fail(ctx, ERR_VALIDATION,
                      "File related items cannot be deleted with DeleteRelatedItem; "
                      "use the Amazon Connect DeleteAttachedFile operation");
    else
        rc = store_tx(ctx->db, delete_in_tx, &t);
    if (rc == 0)
        ctx->output = json_object();
    related_item_release(&item);
    return api_tx_result(ctx, rc);
}

const api_binding related_items_api[] = {
    {"CreateRelatedItem", create_related_item},
    {"UpdateRelatedItem", update_related_item},
    {"DeleteRelatedItem", delete_related_item},
    {"SearchRelatedItems", related_search_case},
    {"SearchAllRelatedItems", related_search_domain},
    {"ListCasesForContact", related_contact_cases},
    {NULL, NULL},
};
