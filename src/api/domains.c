/*
 * domains.c - CreateDomain, GetDomain, ListDomains, DeleteDomain.
 *
 * A domain record's document holds {domainId, domainArn, name,
 * domainStatus}; createdTime comes from the record.  Creating a domain also
 * creates its system fields and the open/closed options of `status`, in
 * the same transaction.  Deleting it removes everything inside it.
 */
#include <string.h>

#include "api/api.h"
#include "util/timeutil.h"

typedef struct {
    const char *id;
    const char *name;
    const char *type;
    const char *description;
} system_field;

/* The fields every domain starts with (cases-behaviour.md §3.2). */
static const system_field system_fields[] = {
    {"case_id", "Case ID", "Text", "Unique identifier of the case"},
    {"title", "Title", "Text", "Title of the case"},
    {"status", "Status", "SingleSelect", "Status of the case"},
    {"customer_id", "Customer", "Text", "Customer Profiles profile ARN of the customer"},
    {"reference_number", "Reference number", "Text", "Eight-digit reference of the case"},
    {"summary", "Summary", "Text", "Summary of the case"},
    {"case_reason", "Case Reason", "SingleSelect", "Reason the case was opened"},
    {"created_datetime", "Date/Time Opened", "DateTime", "When the case was opened"},
    {"last_updated_datetime", "Date/Time Updated", "DateTime", "When the case last changed"},
    {"last_closed_datetime", "Date/Time Closed", "DateTime", "When the case was last closed"},
    {"last_reopened_datetime", "Date/Time Reopened", "DateTime", "When the case was last reopened"},
    {"last_updated_user", "Last Updated User", "User", "Who last changed the case"},
    {"assigned_queue", "Assigned queue", "Text", "Queue ARN the case is assigned to"},
    {"assigned_user", "Assigned user", "User", "User ARN the case is assigned to"},
    {"next_sla_breach_datetime", "Next SLA breach", "DateTime", "Earliest target time of the case's active SLAs"},
};

int api_system_field_count(void)
{
    return (int)(sizeof system_fields / sizeof system_fields[0]);
}

const char *api_system_field_type(const char *id)
{
    for (int i = 0; i < api_system_field_count(); i++)
        if (strcmp(system_fields[i].id, id) == 0)
            return system_fields[i].type;
    return NULL;
}

static const store_option status_options[] = {
    {"Open", "open", true},
    {"Closed", "closed", true},
};

typedef struct {
    request_ctx *ctx;
    const char *domain_id;
    const char *name;
    int64_t now;
} create_domain_tx;

static json_t *system_field_doc(request_ctx *ctx, const char *domain_id,
                                const system_field *f)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "fieldId", f->id,
                     "fieldArn", api_arn(ctx, RES_FIELD, domain_id, f->id),
                     "name", f->name, "type", f->type, "namespace", "System",
                     "description", f->description);
}

static int insert_system_fields(store_conn *conn, create_domain_tx *t)
{
    for (size_t i = 0; i < sizeof system_fields / sizeof system_fields[0]; i++) {
        store_record rec = {.kind = RES_FIELD, .domain_id = t->domain_id,
                            .id = system_fields[i].id,
                            .name = system_fields[i].name,
                            .created_ms = t->now, .modified_ms = t->now};
        int rc;
        rec.doc = system_field_doc(t->ctx, t->domain_id, &system_fields[i]);
        rc = store_record_insert(conn, &t->ctx->scope, &rec);
        json_decref(rec.doc);
        if (rc != STORE_OK)
            return rc;
    }
    for (size_t i = 0; i < sizeof status_options / sizeof status_options[0]; i++) {
        int rc = store_option_put(conn, &t->ctx->scope, t->domain_id, "status",
                                  &status_options[i]);
        if (rc != STORE_OK)
            return rc;
    }
    return STORE_OK;
}

static int create_domain_in_tx(store_conn *conn, void *arg)
{
    create_domain_tx *t = arg;
    request_ctx *ctx = t->ctx;
    store_record rec = {.kind = RES_DOMAIN, .id = t->domain_id,
                        .name = t->name, .created_ms = t->now,
                        .modified_ms = t->now};
    int64_t count = 0;
    int rc = store_record_count(conn, &ctx->scope, RES_DOMAIN, NULL, false,
                                &count);

    if (rc != STORE_OK)
        return rc;
    if (count >= ctx->app->cfg.quotas.domains)
        return api_fail(ctx, ERR_QUOTA,
                        "The account already has %lld domains in %s, the most allowed",
                        (long long)count, ctx->scope.region);
    rec.doc = json_pack("{s:s, s:s, s:s, s:s}", "domainId", t->domain_id,
                        "domainArn", api_arn(ctx, RES_DOMAIN, NULL, t->domain_id),
                        "name", t->name, "domainStatus", "Active");
    rc = store_record_insert(conn, &ctx->scope, &rec);
    json_decref(rec.doc);
    if (rc == STORE_CONFLICT)
        return api_fail(ctx, ERR_CONFLICT,
                        "A domain named '%s' already exists", t->name);
    if (rc != STORE_OK)
        return rc;
    return insert_system_fields(conn, t);
}

static int create_domain(request_ctx *ctx)
{
    char id[ID_UUID_LEN];
    create_domain_tx t = {.ctx = ctx, .domain_id = id,
                          .name = api_input_str(ctx, "name"),
                          .now = time_now_ms()};
    int rc;

    id_uuid(id);
    rc = store_tx(ctx->db, create_domain_in_tx, &t);
    if (rc == -1 && ctx->error != ERR_NONE)
        return -1;
    if (rc != 0)
        return api_store_failed(ctx, rc);
    ctx->output = json_pack("{s:s, s:s, s:s}", "domainId", id, "domainArn",
                            api_arn(ctx, RES_DOMAIN, NULL, id), "domainStatus",
                            "Active");
    return 0;
}

static int get_domain(request_ctx *ctx)
{
    const char *domain_id = api_input_str(ctx, "domainId");
    store_record rec;
    json_t *out;

    if (api_load_record(ctx, RES_DOMAIN, NULL, domain_id, &rec) != 0)
        return -1;
    out = rec.doc;
    /* The event configuration lives in the domain's document but has its
     * own operations (events.c). */
    json_object_del(out, "eventConfiguration");
    json_object_set_new(out, "createdTime", api_time(rec.created_ms));
    ctx->output = out;
    return api_attach_tags(ctx, out, json_string_value(
                                         json_object_get(out, "domainArn")));
}

static json_t *domain_summary(request_ctx *ctx, const store_record *rec,
                              void *arg)
{
    (void)ctx;
    (void)arg;
    return json_pack("{s:O, s:O, s:O}", "domainId",
                     json_object_get(rec->doc, "domainId"), "domainArn",
                     json_object_get(rec->doc, "domainArn"), "name",
                     json_object_get(rec->doc, "name"));
}

static int list_domains(request_ctx *ctx)
{
    return api_list_records(ctx, RES_DOMAIN, NULL, NULL, false, 10, "domains",
                            domain_summary, NULL);
}

typedef struct {
    request_ctx *ctx;
    const char *domain_id;
} delete_domain_tx;

static int delete_domain_in_tx(store_conn *conn, void *arg)
{
    delete_domain_tx *t = arg;
    int rc = store_domain_purge(conn, &t->ctx->scope, t->domain_id);
    if (rc != STORE_OK)
        return rc;
    return store_tags_purge(conn, api_arn(t->ctx, RES_DOMAIN, NULL,
                                          t->domain_id));
}

static int delete_domain(request_ctx *ctx)
{
    delete_domain_tx t = {ctx, api_input_str(ctx, "domainId")};
    int rc;

    if (api_require_domain(ctx, t.domain_id) != 0)
        return -1;
    rc = store_tx(ctx->db, delete_domain_in_tx, &t);
    return rc == 0 ? 0 : api_store_failed(ctx, rc);
}

const api_binding domains_api[] = {
    {"CreateDomain", create_domain},
    {"GetDomain", get_domain},
    {"ListDomains", list_domains},
    {"DeleteDomain", delete_domain},
    {NULL, NULL},
};
