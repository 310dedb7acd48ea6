/*
 * events.c - PutCaseEventConfiguration, GetCaseEventConfiguration.
 *
 * A domain's event configuration is kept in its record's document under
 * EVENT_CONFIG_KEY, as the eventBridge object of the last Put rebuilt from
 * the members the model knows.  No key means the domain was never
 * configured, which reads as {enabled: false} (cases-behaviour.md §15).
 *
 * Decisions:
 *  - Put replaces the whole configuration.
 *  - includedData.caseData.fields must name live fields of the domain; an
 *    unknown or deleted field id is a ValidationException (a deleted field
 *    can no longer change, so asking for it in events is a mistake).
 *    Repeated ids are kept once, in the order first given.
 *  - Get drops the ids of fields deleted since the Put.
 */
#include <stdbool.h>

#include "api/api.h"

#define EVENT_CONFIG_KEY "eventConfiguration"

/* Sets *live to whether the field exists and is not deleted. */
static int field_is_live(request_ctx *ctx, store_conn *conn,
                         const char *domain_id, const char *field_id,
                         bool *live)
{
    store_record rec;
    int rc = store_record_get(conn, &ctx->scope, RES_FIELD, domain_id,
                              field_id, ctx->arena, &rec);

    *live = false;
    if (rc == STORE_NOT_FOUND)
        return STORE_OK;
    if (rc != STORE_OK)
        return rc;
    *live = !rec.deleted;
    json_decref(rec.doc);
    return STORE_OK;
}

/* The fields list of caseData (borrowed), or NULL when there is none. */
static json_t *included_fields(json_t *event_bridge)
{
    json_t *included = json_object_get(event_bridge, "includedData");
    return json_object_get(json_object_get(included, "caseData"), "fields");
}

/* --- PutCaseEventConfiguration ---------------------------------------------- */

/* [{id}] without repeated ids (new reference). */
static json_t *unique_fields(json_t *fields)
{
    json_t *seen = json_object();
    json_t *out = json_array();
    size_t i;
    json_t *entry;

    json_array_foreach(fields, i, entry) {
        const char *id = json_string_value(json_object_get(entry, "id"));
        if (!id || json_object_get(seen, id))
            continue;
        json_object_set_new(seen, id, json_true());
        json_array_append_new(out, json_pack("{s:s}", "id", id));
    }
    json_decref(seen);
    return out;
}

/* includedData rebuilt from the members the model defines (new reference). */
static json_t *normalise_included(json_t *included)
{
    json_t *out = json_object();
    json_t *case_data = json_object_get(included, "caseData");
    json_t *item_data = json_object_get(included, "relatedItemData");

    if (case_data)
        json_object_set_new(out, "caseData",
                            json_pack("{s:o}", "fields",
                                      unique_fields(json_object_get(
                                          case_data, "fields"))));
    if (item_data)
        json_object_set_new(out, "relatedItemData",
                            json_pack("{s:b}", "includeContent",
                                      json_is_true(json_object_get(
                                          item_data, "includeContent"))));
    return out;
}

/* The configuration to store, from input "eventBridge" (new reference). */
static json_t *normalise_config(json_t *event_bridge)
{
    json_t *included = json_object_get(event_bridge, "includedData");
    json_t *out = json_pack("{s:b}", "enabled",
                            json_is_true(json_object_get(event_bridge,
                                                         "enabled")));

    if (out && included)
        json_object_set_new(out, "includedData", normalise_included(included));
    return out;
}

typedef struct {
    request_ctx *ctx;
    const char *domain_id;
    json_t *config; /* borrowed: what to store */
} put_config_tx;

static int check_included_fields(store_conn *conn, put_config_tx *t)
{
    size_t i;
    json_t *entry;

    json_array_foreach(included_fields(t->config), i, entry) {
        const char *id = json_string_value(json_object_get(entry, "id"));
        bool live;
        int rc = field_is_live(t->ctx, conn, t->domain_id, id, &live);
        if (rc != STORE_OK)
            return rc;
        if (!live)
            return api_fail(t->ctx, ERR_VALIDATION,
                            "Field '%s' does not exist in domain %s or has been deleted",
                            id, t->domain_id);
    }
    return STORE_OK;
}

static int put_config_in_tx(store_conn *conn, void *arg)
{
    put_config_tx *t = arg;
    request_ctx *ctx = t->ctx;
    store_record rec;
    int rc = store_record_get(conn, &ctx->scope, RES_DOMAIN, NULL,
                              t->domain_id, ctx->arena, &rec);

    if (rc == STORE_NOT_FOUND)
        return api_not_found(ctx, "Domain", t->domain_id);
    if (rc != STORE_OK)
        return rc;
    rc = check_included_fields(conn, t);
    if (rc == STORE_OK) {
        json_object_set(rec.doc, EVENT_CONFIG_KEY, t->config);
        rc = store_record_update(conn, &ctx->scope, &rec);
    }
    json_decref(rec.doc);
    return rc;
}

static int put_case_event_configuration(request_ctx *ctx)
{
    put_config_tx t = {.ctx = ctx,
                       .domain_id = api_input_str(ctx, "domainId")};
    int rc;

    t.config = normalise_config(json_object_get(ctx->input, "eventBridge"));
    if (!t.config)
        return api_fail(ctx, ERR_INTERNAL, "Out of memory");
    rc = store_tx(ctx->db, put_config_in_tx, &t);
    json_decref(t.config);
    if (rc == 0)
        return 0;
    if (ctx->error != ERR_NONE)
        return -1;
    return api_store_failed(ctx, rc);
}

/* --- GetCaseEventConfiguration ---------------------------------------------- */

/* Removes from config's caseData.fields the fields that are now deleted. */
static int drop_deleted_fields(request_ctx *ctx, const char *domain_id,
                               json_t *config)
{
    json_t *fields = included_fields(config);
    size_t i = 0;

    while (i < json_array_size(fields)) {
        const char *id = json_string_value(
            json_object_get(json_array_get(fields, i), "id"));
        bool live;
        int rc = field_is_live(ctx, ctx->db, domain_id, id, &live);
        if (rc != STORE_OK)
            return api_store_failed(ctx, rc);
        if (live)
            i++;
        else
            json_array_remove(fields, i);
    }
    return 0;
}

static int get_case_event_configuration(request_ctx *ctx)
{
    const char *domain_id = api_input_str(ctx, "domainId");
    store_record rec;
    json_t *config;

    if (api_load_record(ctx, RES_DOMAIN, NULL, domain_id, &rec) != 0)
        return -1;
    config = json_deep_copy(json_object_get(rec.doc, EVENT_CONFIG_KEY));
    json_decref(rec.doc);
    if (!config)
        config = json_pack("{s:b}", "enabled", false);
    if (drop_deleted_fields(ctx, domain_id, config) != 0) {
        json_decref(config);
        return -1;
    }
    ctx->output = json_pack("{s:o}", "eventBridge", config);
    return 0;
}

const api_binding events_api[] = {
    {"PutCaseEventConfiguration", put_case_event_configuration},
    {"GetCaseEventConfiguration", get_case_event_configuration},
    {NULL, NULL},
};
