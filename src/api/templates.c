/*
 * templates.c - CreateTemplate, GetTemplate, ListTemplates, UpdateTemplate,
 * DeleteTemplate.
 *
 * A template record's document holds every member GetTemplate returns
 * apart from tags and the record's columns (deleted, createdTime,
 * lastModifiedTime):
 *
 *   {templateId, templateArn, name, description?, status,
 *    layoutConfiguration: {defaultLayout?}, requiredFields: [{fieldId}],
 *    rules: [{caseRuleId, fieldId?}],
 *    tagPropagationConfigurations: [{resourceType, tagMap}]}
 *
 * status is Active unless the request says otherwise; the lists are empty
 * and layoutConfiguration is {} when not given.  Members are rebuilt from
 * the request in the model's shape, so members the model does not define
 * are never stored.  Field ids are stored as saved; GetTemplate leaves out
 * the requiredFields entries and rules whose field has been deleted since.
 *
 * Only the members a request provides are checked, so renaming a template
 * that still lists a since-deleted field works.  Tag propagation needs no
 * check here: the model's patterns already refuse "aws:" keys (in any case)
 * and bound the sizes.  The per-domain deletion quota is reported as a
 * ValidationException: the model lists no ServiceQuotaExceededException
 * for DeleteTemplate.
 */
#include <string.h>

#include "api/api.h"
#include "util/timeutil.h"

#define TEMPLATES_PAGE_DEFAULT 100

/* --- members ----------------------------------------------------------------- */

typedef json_t *(*member_copy_fn)(json_t *value);

static json_t *copy_scalar(json_t *value)
{
    return json_incref(value);
}

static json_t *copy_layout_configuration(json_t *conf)
{
    json_t *out = json_object();
    json_t *layout = json_object_get(conf, "defaultLayout");

    if (layout)
        json_object_set(out, "defaultLayout", layout);
    return out;
}

static json_t *copy_required_fields(json_t *list)
{
    json_t *out = json_array();
    json_t *item;
    size_t i;

    json_array_foreach(list, i, item)
        json_array_append_new(out, json_pack("{s:O}", "fieldId",
                                             json_object_get(item, "fieldId")));
    return out;
}

static json_t *copy_rules(json_t *list)
{
    json_t *out = json_array();
    json_t *item;
    size_t i;

    json_array_foreach(list, i, item)
        json_array_append_new(out, json_pack("{s:O, s:O*}", "caseRuleId",
                                             json_object_get(item, "caseRuleId"),
                                             "fieldId",
                                             json_object_get(item, "fieldId")));
    return out;
}

static json_t *copy_tag_propagation(json_t *list)
{
    json_t *out = json_array();
    json_t *item;
    size_t i;

    json_array_foreach(list, i, item)
        json_array_append_new(out, json_pack("{s:O, s:o}", "resourceType",
                                             json_object_get(item, "resourceType"),
                                             "tagMap",
                                             json_deep_copy(json_object_get(item, "tagMap"))));
    return out;
}

/* The members a request may set, and how each is carried into a document. */
static const struct {
    const char *name;
    member_copy_fn copy;
} template_members[] = {
    {"name", copy_scalar},
    {"description", copy_scalar},
    {"status", copy_scalar},
    {"layoutConfiguration", copy_layout_configuration},
    {"requiredFields", copy_required_fields},
    {"rules", copy_rules},
    {"tagPropagationConfigurations", copy_tag_propagation},
};

/* The members the request sets, in the model's shape (new reference). */
static json_t *template_changes(const request_ctx *ctx)
{
    json_t *changes = json_object();

    for (size_t i = 0; i < sizeof template_members / sizeof template_members[0]; i++) {
        json_t *value = json_object_get(ctx->input, template_members[i].name);
        if (value)
            json_object_set_new(changes, template_members[i].name,
                                template_members[i].copy(value));
    }
    return changes;
}

/* The field ids of a requiredFields or rules list, in order (new
 * reference); rules without a field add nothing. */
static json_t *listed_field_ids(json_t *list)
{
    json_t *ids = json_array();
    json_t *item;
    size_t i;

    json_array_foreach(list, i, item) {
        json_t *id = json_object_get(item, "fieldId");
        if (id)
            json_array_append(ids, id);
    }
    return ids;
}

/* --- look-ups --------------------------------------------------------------------- */

/* --- checks ---------------------------------------------------------------------- */

typedef struct {
    request_ctx *ctx;
    const char *domain_id;
    const char *template_id;
    json_t *changes;   /* the members the request sets (owned by the handler) */
    json_t *doc;       /* CreateTemplate: the whole document (owned likewise) */
    int64_t now;
} template_tx;

/* Fails when a field is required twice.  Returns 0 or -1 after api_fail(). */
static int check_required_repeats(request_ctx *ctx, json_t *ids)
{
    json_t *seen = json_object();
    json_t *id;
    size_t i;
    int rc = 0;

    json_array_foreach(ids, i, id) {
        const char *s = json_string_value(id);
        if (json_object_get(seen, s)) {
            rc = api_fail(ctx, ERR_VALIDATION,
                          "The field %s appears more than once in requiredFields", s);
            break;
        }
        json_object_set_new(seen, s, json_true());
    }
    json_decref(seen);
    return rc;
}

static int check_required_fields(store_conn *conn, template_tx *t)
{
    json_t *list = json_object_get(t->changes, "requiredFields");
    json_t *ids;
    int rc;

    if (!list)
        return 0;
    ids = listed_field_ids(list);
    rc = check_required_repeats(t->ctx, ids);
    if (rc == 0)
        rc = api_require_live_fields(conn, t->ctx, t->domain_id, ids);
    json_decref(ids);
    return rc;
}

static int check_default_layout(store_conn *conn, template_tx *t)
{
    const char *layout_id = json_string_value(json_object_get(
        json_object_get(t->changes, "layoutConfiguration"), "defaultLayout"));
    bool live;
    int rc;

    if (!layout_id)
        return 0;
    rc = api_record_is_live(conn, t->ctx, RES_LAYOUT, t->domain_id, layout_id,
                        &live);
    if (rc == STORE_OK && !live)
        return api_fail(t->ctx, ERR_VALIDATION,
                        "Layout %s does not exist in the domain or is deleted",
                        layout_id);
    return rc;
}

static int check_rule_ids(store_conn *conn, template_tx *t, json_t *rules)
{
    json_t *rule;
    size_t i;

    json_array_foreach(rules, i, rule) {
        const char *rule_id = json_string_value(json_object_get(rule, "caseRuleId"));
        bool live;
        int rc = api_record_is_live(conn, t->ctx, RES_CASE_RULE, t->domain_id,
                                rule_id, &live);
        if (rc != STORE_OK)
            return rc;
        if (!live)
            return api_fail(t->ctx, ERR_VALIDATION,
                            "Case rule %s does not exist in the domain or is deleted",
                            rule_id);
    }
    return 0;
}

static int check_rules(store_conn *conn, template_tx *t)
{
    json_t *rules = json_object_get(t->changes, "rules");
    json_t *ids;
    int rc;

    if (!rules)
        return 0;
    if ((rc = check_rule_ids(conn, t, rules)) != 0)
        return rc;
    ids = listed_field_ids(rules);
    rc = api_require_live_fields(conn, t->ctx, t->domain_id, ids);
    json_decref(ids);
    return rc;
}

/* The checks of the members the request sets.  Returns 0, -1 after
 * api_fail(), or a store status. */
static int check_changes(store_conn *conn, template_tx *t)
{
    int rc = check_required_fields(conn, t);

    if (rc == 0)
        rc = check_default_layout(conn, t);
    if (rc == 0)
        rc = check_rules(conn, t);
    return rc;
}

/* --- transactions ---------------------------------------------------------------- */

static int name_taken(request_ctx *ctx, json_t *doc)
{
    return api_fail(ctx, ERR_CONFLICT,
                    "A template named '%s' already exists in the domain",
                    json_string_value(json_object_get(doc, "name")));
}

static int create_template_in_tx(store_conn *conn, void *arg)
{
    template_tx *t = arg;
    request_ctx *ctx = t->ctx;
    store_record rec = {.kind = RES_TEMPLATE, .domain_id = t->domain_id,
                        .id = t->template_id, .created_ms = t->now,
                        .modified_ms = t->now, .doc = t->doc};
    int64_t count = 0;
    int rc;

    if (api_require_domain(ctx, t->domain_id) != 0)
        return -1;
    if ((rc = check_changes(conn, t)) != 0)
        return rc;
    rc = store_record_count(conn, &ctx->scope, RES_TEMPLATE, t->domain_id,
                            false, &count);
    if (rc != STORE_OK)
        return rc;
    if (count >= ctx->app->cfg.quotas.templates)
        return api_fail(ctx, ERR_QUOTA,
                        "The domain already has %lld templates, the most allowed",
                        (long long)count);
    rec.name = json_string_value(json_object_get(t->doc, "name"));
    rc = store_record_insert(conn, &ctx->scope, &rec);
    return rc == STORE_CONFLICT ? name_taken(ctx, t->doc) : rc;
}

/* Applies the changes to rec (loaded in this transaction) and writes it. */
static int rewrite_template(store_conn *conn, template_tx *t, store_record *rec)
{
    request_ctx *ctx = t->ctx;
    int rc;

    if (rec->deleted)
        return api_fail(ctx, ERR_VALIDATION,
                        "Template %s is deleted and cannot be updated",
                        t->template_id);
    if ((rc = check_changes(conn, t)) != 0)
        return rc;
    json_object_update(rec->doc, t->changes);
    rec->name = json_string_value(json_object_get(rec->doc, "name"));
    rec->modified_ms = t->now;
    rc = store_record_update(conn, &ctx->scope, rec);
    return rc == STORE_CONFLICT ? name_taken(ctx, rec->doc) : rc;
}

static int update_template_in_tx(store_conn *conn, void *arg)
{
    template_tx *t = arg;
    store_record rec;
    int rc;

    if (api_load_record(t->ctx, RES_TEMPLATE, t->domain_id, t->template_id,
                        &rec) != 0)
        return -1;
    rc = rewrite_template(conn, t, &rec);
    json_decref(rec.doc);
    return rc;
}

static int retire_template(store_conn *conn, template_tx *t, store_record *rec)
{
    request_ctx *ctx = t->ctx;
    int rc;

    if (rec->deleted)
        return api_fail(ctx, ERR_VALIDATION, "Template %s is already deleted",
                        t->template_id);
    rc = api_check_deletions(conn, ctx, RES_TEMPLATE, t->domain_id, ERR_VALIDATION,
                             "templates");
    if (rc != 0)
        return rc;
    rec->deleted = true;
    rec->modified_ms = t->now;
    return store_record_update(conn, &ctx->scope, rec);
}

static int delete_template_in_tx(store_conn *conn, void *arg)
{
    template_tx *t = arg;
    store_record rec;
    int rc;

    if (api_load_record(t->ctx, RES_TEMPLATE, t->domain_id, t->template_id,
                        &rec) != 0)
        return -1;
    rc = retire_template(conn, t, &rec);
    json_decref(rec.doc);
    return rc;
}

/* --- handlers ------------------------------------------------------------------------ */

/* The document of a new template: the defaults, then what the request sets
 * (new reference). */
static json_t *new_template_doc(request_ctx *ctx, const char *domain_id,
                                const char *id, json_t *changes)
{
    json_t *doc = json_pack("{s:s, s:s, s:s, s:{}, s:[], s:[], s:[]}",
                            "templateId", id, "templateArn",
                            api_arn(ctx, RES_TEMPLATE, domain_id, id),
                            "status", "Active", "layoutConfiguration",
                            "requiredFields", "rules",
                            "tagPropagationConfigurations");

    if (doc)
        json_object_update(doc, changes);
    return doc;
}

static int create_template(request_ctx *ctx)
{
    char id[ID_UUID_LEN];
    template_tx t = {.ctx = ctx, .domain_id = api_input_str(ctx, "domainId"),
                     .template_id = id, .changes = template_changes(ctx),
                     .now = time_now_ms()};
    int rc = -1;

    id_uuid(id);
    t.doc = new_template_doc(ctx, t.domain_id, id, t.changes);
    if (!t.doc)
        api_fail(ctx, ERR_INTERNAL, "Cannot build the template");
    else
        rc = api_tx_result(ctx, store_tx(ctx->db, create_template_in_tx, &t));
    json_decref(t.doc);
    json_decref(t.changes);
    if (rc != 0)
        return -1;
    ctx->output = json_pack("{s:s, s:s}", "templateId", id, "templateArn",
                            api_arn(ctx, RES_TEMPLATE, t.domain_id, id));
    return 0;
}

/* A copy of list without the items whose fieldId is in dead (new
 * reference). */
static json_t *without_dead(json_t *list, json_t *dead)
{
    json_t *out = json_array();
    json_t *item;
    size_t i;

    json_array_foreach(list, i, item) {
        const char *id = json_string_value(json_object_get(item, "fieldId"));
        if (!id || !json_object_get(dead, id))
            json_array_append(out, item);
    }
    return out;
}

/* Removes from doc's requiredFields and rules the fields deleted since the
 * template was saved.  Returns 0 or -1. */
static int drop_deleted_fields(request_ctx *ctx, const char *domain_id,
                               json_t *doc)
{
    static const char *const lists[] = {"requiredFields", "rules"};
    json_t *dead = json_object();
    int rc = STORE_OK;

    for (size_t i = 0; rc == STORE_OK && i < sizeof lists / sizeof lists[0]; i++) {
        json_t *ids = listed_field_ids(json_object_get(doc, lists[i]));
        rc = api_find_dead_fields(ctx->db, ctx, domain_id, ids, dead);
        json_decref(ids);
    }
    for (size_t i = 0; rc == STORE_OK && json_object_size(dead) > 0 &&
                       i < sizeof lists / sizeof lists[0]; i++) {
        json_t *list = json_object_get(doc, lists[i]);
        if (list)
            json_object_set_new(doc, lists[i], without_dead(list, dead));
    }
    json_decref(dead);
    return rc == STORE_OK ? 0 : api_store_failed(ctx, rc);
}

static int get_template(request_ctx *ctx)
{
    const char *domain_id = api_input_str(ctx, "domainId");
    store_record rec;
    json_t *out;

    if (api_load_record(ctx, RES_TEMPLATE, domain_id,
                        api_input_str(ctx, "templateId"), &rec) != 0)
        return -1;
    ctx->output = out = rec.doc;
    if (drop_deleted_fields(ctx, domain_id, out) != 0)
        return -1;
    api_set_record_times(out, &rec);
    return api_attach_tags(ctx, out, json_string_value(
                                         json_object_get(out, "templateArn")));
}

enum { STATUS_ACTIVE = 1, STATUS_INACTIVE = 2, STATUS_ANY = 3 };

static unsigned status_bit(const char *status)
{
    return status && strcmp(status, "Inactive") == 0 ? STATUS_INACTIVE
                                                     : STATUS_ACTIVE;
}

/* The statuses ListTemplates asks for, as a set of STATUS_* bits; no
 * filter means every status. */
static unsigned status_filter(const request_ctx *ctx)
{
    json_t *list = json_object_get(ctx->input, "status");
    json_t *status;
    unsigned wanted = 0;
    size_t i;

    if (!list)
        return STATUS_ANY;
    json_array_foreach(list, i, status)
        wanted |= status_bit(json_string_value(status));
    return wanted;
}

static json_t *template_summary(request_ctx *ctx, const store_record *rec,
                                void *arg)
{
    const unsigned *wanted = arg;
    json_t *status = json_object_get(rec->doc, "status");

    (void)ctx;
    if (!(status_bit(json_string_value(status)) & *wanted))
        return NULL;
    return json_pack("{s:O, s:O, s:O, s:O, s:O*}", "templateId",
                     json_object_get(rec->doc, "templateId"), "templateArn",
                     json_object_get(rec->doc, "templateArn"), "name",
                     json_object_get(rec->doc, "name"), "status", status,
                     "tagPropagationConfigurations",
                     json_object_get(rec->doc, "tagPropagationConfigurations"));
}

static int list_templates(request_ctx *ctx)
{
    const char *domain_id = api_input_str(ctx, "domainId");
    unsigned wanted = status_filter(ctx);

    if (api_require_domain(ctx, domain_id) != 0)
        return -1;
    /* The filter is part of the listing: a token of one filter must not
     * resume another. */
    return api_list_records(ctx, RES_TEMPLATE, domain_id,
                            arena_printf(ctx->arena, "%s|status=%u", domain_id,
                                         wanted),
                            false, TEMPLATES_PAGE_DEFAULT, "templates",
                            template_summary, &wanted);
}

static int update_template(request_ctx *ctx)
{
    template_tx t = {.ctx = ctx, .domain_id = api_input_str(ctx, "domainId"),
                     .template_id = api_input_str(ctx, "templateId"),
                     .changes = template_changes(ctx), .now = time_now_ms()};
    int rc;

    if (json_object_size(t.changes) == 0)
        rc = api_fail(ctx, ERR_VALIDATION,
                      "Provide at least one member of the template to update");
    else
        rc = api_tx_result(ctx, store_tx(ctx->db, update_template_in_tx, &t));
    json_decref(t.changes);
    return rc;
}

static int delete_template(request_ctx *ctx)
{
    template_tx t = {.ctx = ctx, .domain_id = api_input_str(ctx, "domainId"),
                     .template_id = api_input_str(ctx, "templateId"),
                     .now = time_now_ms()};

    return api_tx_result(ctx, store_tx(ctx->db, delete_template_in_tx, &t));
}

const api_binding templates_api[] = {
    {"CreateTemplate", create_template},
    {"GetTemplate", get_template},
    {"ListTemplates", list_templates},
    {"UpdateTemplate", update_template},
    {"DeleteTemplate", delete_template},
    {NULL, NULL},
};
