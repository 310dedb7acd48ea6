/*
 * layouts.c - CreateLayout, GetLayout, ListLayouts, UpdateLayout,
 * DeleteLayout.
 *
 * A layout record's document holds {layoutId, layoutArn, name, content}.
 * content is rebuilt from the request in the model's shape, so members the
 * model does not define are never stored or echoed back:
 *
 *   {basic: {topPanel?: {sections?: [{fieldGroup: {name?, fields: [{id}]}}]},
 *            moreInfo?: (as topPanel)}}
 *
 * Field ids are stored as saved; GetLayout leaves out those whose field has
 * been deleted since.  deleted, createdTime and lastModifiedTime come from
 * the record's columns.
 *
 * Choices the documentation leaves open:
 * - DeleteLayout answers ConflictException while a live (not deleted)
 *   template names the layout as its defaultLayout, so a live template
 *   never points at a deleted layout.
 * - The per-domain deletion quota is reported as a ValidationException:
 *   the model lists no ServiceQuotaExceededException for DeleteLayout.
 * - An UpdateLayout with neither name nor content only touches
 *   lastModifiedTime.
 */
#include <string.h>

#include "api/api.h"
#include "util/timeutil.h"

#define LAYOUTS_PAGE_DEFAULT 100
#define TEMPLATE_SCAN_BATCH 128

static const char *const panels[] = {"topPanel", "moreInfo"};

/* Fields every case shows anyway, which therefore never go on a layout. */
static const char *const fixed_fields[] = {"title", "status"};

/* --- content ----------------------------------------------------------------- */

/* A copy of a fieldGroup without the field ids in drop (an object used as
 * a set; NULL drops none).  New reference. */
static json_t *copy_field_group(json_t *group, const json_t *drop)
{
    json_t *out = json_object();
    json_t *fields = json_array();
    json_t *name = json_object_get(group, "name");
    json_t *item;
    size_t i;

    json_array_foreach(json_object_get(group, "fields"), i, item) {
        json_t *id = json_object_get(item, "id");
        if (drop && json_object_get(drop, json_string_value(id)))
            continue;
        json_array_append_new(fields, json_pack("{s:O}", "id", id));
    }
    if (name)
        json_object_set(out, "name", name);
    json_object_set_new(out, "fields", fields);
    return out;
}

static json_t *copy_panel(json_t *panel, const json_t *drop)
{
    json_t *out = json_object();
    json_t *sections = json_object_get(panel, "sections");
    json_t *copies, *section;
    size_t i;

    if (!sections)
        return out;
    copies = json_array();
    json_array_foreach(sections, i, section) {
        json_t *group = json_object_get(section, "fieldGroup");
        if (group)
            json_array_append_new(copies,
                                  json_pack("{s:o}", "fieldGroup",
                                            copy_field_group(group, drop)));
    }
    json_object_set_new(out, "sections", copies);
    return out;
}

/* content in the model's shape without the field ids in drop (NULL drops
 * none); NULL when content is NULL.  New reference. */
static json_t *copy_content(json_t *content, const json_t *drop)
{
    json_t *basic = json_object_get(content, "basic");
    json_t *out;

    if (!content)
        return NULL;
    out = json_object();
    for (size_t p = 0; p < sizeof panels / sizeof panels[0]; p++) {
        json_t *panel = json_object_get(basic, panels[p]);
        if (panel)
            json_object_set_new(out, panels[p], copy_panel(panel, drop));
    }
    return json_pack("{s:o}", "basic", out);
}

/* The field ids of content in display order: an array of strings (new
 * reference). */
static json_t *content_field_ids(json_t *content)
{
    json_t *ids = json_array();
    json_t *basic = json_object_get(content, "basic");

    for (size_t p = 0; p < sizeof panels / sizeof panels[0]; p++) {
        json_t *sections = json_object_get(json_object_get(basic, panels[p]),
                                           "sections");
        json_t *section, *item;
        size_t i, j;
        json_array_foreach(sections, i, section) {
            json_t *fields = json_object_get(
                json_object_get(section, "fieldGroup"), "fields");
            json_array_foreach(fields, j, item)
                json_array_append(ids, json_object_get(item, "id"));
        }
    }
    return ids;
}

/* --- field look-ups ------------------------------------------------------------ */

/* --- checks ---------------------------------------------------------------------- */

static bool is_fixed_field(const char *id)
{
    for (size_t i = 0; i < sizeof fixed_fields / sizeof fixed_fields[0]; i++)
        if (strcmp(id, fixed_fields[i]) == 0)
            return true;
    return false;
}

/* The checks that need only the request: fields that cannot be placed,
 * repeats, and the per-layout quota.  Returns 0 or -1 after api_fail(). */
static int check_field_ids(request_ctx *ctx, json_t *ids)
{
    json_t *seen = json_object();
    json_t *id;
    size_t i;
    int rc = 0;

    json_array_foreach(ids, i, id) {
        const char *s = json_string_value(id);
        if (is_fixed_field(s))
            rc = api_fail(ctx, ERR_VALIDATION,
                          "The field %s cannot be part of a layout", s);
        else if (json_object_get(seen, s))
            rc = api_fail(ctx, ERR_VALIDATION,
                          "The field %s appears more than once in the layout", s);
        if (rc != 0)
            break;
        json_object_set_new(seen, s, json_true());
    }
    json_decref(seen);
    if (rc == 0 && (int64_t)json_array_size(ids) > ctx->app->cfg.quotas.layout_fields)
        rc = api_fail(ctx, ERR_QUOTA,
                      "A layout may hold at most %lld fields; this one has %zu",
                      (long long)ctx->app->cfg.quotas.layout_fields,
                      json_array_size(ids));
    return rc;
}

/* --- transactions ---------------------------------------------------------------- */

typedef struct {
    request_ctx *ctx;
    const char *domain_id;
    const char *layout_id;
    const char *name;   /* NULL on update: keep the current name */
    json_t *content;    /* canonical content (owned by the handler); NULL: keep */
    json_t *field_ids;  /* the field ids of content (owned by the handler) */
    int64_t now;
} layout_tx;

static int check_content(store_conn *conn, layout_tx *t)
{
    if (check_field_ids(t->ctx, t->field_ids) != 0)
        return -1;
    return api_require_live_fields(conn, t->ctx, t->domain_id, t->field_ids);
}

static int insert_layout(store_conn *conn, layout_tx *t)
{
    request_ctx *ctx = t->ctx;
    store_record rec = {.kind = RES_LAYOUT, .domain_id = t->domain_id,
                        .id = t->layout_id, .name = t->name,
                        .created_ms = t->now, .modified_ms = t->now};
    int rc;

    rec.doc = json_pack("{s:s, s:s, s:s, s:O}", "layoutId", t->layout_id,
                        "layoutArn",
                        api_arn(ctx, RES_LAYOUT, t->domain_id, t->layout_id),
                        "name", t->name, "content", t->content);
    if (!rec.doc)
        return api_fail(ctx, ERR_INTERNAL, "Cannot build the layout");
    rc = store_record_insert(conn, &ctx->scope, &rec);
    json_decref(rec.doc);
    if (rc == STORE_CONFLICT)
        return api_fail(ctx, ERR_CONFLICT,
                        "A layout named '%s' already exists in the domain", t->name);
    return rc;
}

static int create_layout_in_tx(store_conn *conn, void *arg)
{
    layout_tx *t = arg;
    request_ctx *ctx = t->ctx;
    int64_t count = 0;
    int rc;

    if (api_require_domain(ctx, t->domain_id) != 0)
        return -1;
    if ((rc = check_content(conn, t)) != 0)
        return rc;
    rc = store_record_count(conn, &ctx->scope, RES_LAYOUT, t->domain_id,
                            false, &count);
    if (rc != STORE_OK)
        return rc;
    if (count >= ctx->app->cfg.quotas.layouts)
        return api_fail(ctx, ERR_QUOTA,
                        "The domain already has %lld layouts, the most allowed",
                        (long long)count);
    return insert_layout(conn, t);
}

/* Applies the update to rec (loaded in this transaction) and writes it. */
static int rewrite_layout(store_conn *conn, layout_tx *t, store_record *rec)
{
    request_ctx *ctx = t->ctx;
    int rc;

    if (rec->deleted)
        return api_fail(ctx, ERR_VALIDATION,
                        "Layout %s is deleted and cannot be updated", t->layout_id);
    if (t->content) {
        if ((rc = check_content(conn, t)) != 0)
            return rc;
        json_object_set(rec->doc, "content", t->content);
    }
    if (t->name) {
        rec->name = t->name;
        json_object_set_new(rec->doc, "name", json_string(t->name));
    }
    rec->modified_ms = t->now;
    rc = store_record_update(conn, &ctx->scope, rec);
    if (rc == STORE_CONFLICT)
        return api_fail(ctx, ERR_CONFLICT,
                        "A layout named '%s' already exists in the domain", t->name);
    return rc;
}

static int update_layout_in_tx(store_conn *conn, void *arg)
{
    layout_tx *t = arg;
    store_record rec;
    int rc;

    if (api_load_record(t->ctx, RES_LAYOUT, t->domain_id, t->layout_id, &rec) != 0)
        return -1;
    rc = rewrite_layout(conn, t, &rec);
    json_decref(rec.doc);
    return rc;
}

typedef struct {
    const char *layout_id;
    const char *user;    /* name of a live template using the layout */
    arena *arena;
    int64_t last_seq;
    int rows;
} template_scan;

static int find_user_template(const store_record *rec, void *arg)
{
    template_scan *s = arg;
    const char *layout = json_string_value(json_object_get(
        json_object_get(rec->doc, "layoutConfiguration"), "defaultLayout"));

    s->rows++;
    s->last_seq = rec->seq;
    if (!layout || strcmp(layout, s->layout_id) != 0)
        return 0;
    s->user = arena_strdup(s->arena, rec->name ? rec->name : rec->id);
    return 1;
}

/* Fails with a ConflictException when a live template of the domain uses
 * the layout as its default.  Returns 0, -1 after api_fail(), or a store
 * status. */
static int check_layout_unused(store_conn *conn, layout_tx *t)
{
    request_ctx *ctx = t->ctx;
    template_scan scan = {.layout_id = t->layout_id, .arena = ctx->arena};
    store_list_query q = {.limit = TEMPLATE_SCAN_BATCH};
    int rc;

    do {
        scan.rows = 0;
        rc = store_record_list(conn, &ctx->scope, RES_TEMPLATE, t->domain_id,
                               &q, find_user_template, &scan);
        q.after_seq = scan.last_seq;
    } while (rc == STORE_OK && scan.rows == q.limit);
    if (rc == 1)
        return api_fail(ctx, ERR_CONFLICT,
                        "Layout %s is the default layout of template '%s'",
                        t->layout_id, scan.user ? scan.user : "?");
    return rc;
}

static int retire_layout(store_conn *conn, layout_tx *t, store_record *rec)
{
    request_ctx *ctx = t->ctx;
    int rc;

    if (rec->deleted)
        return api_fail(ctx, ERR_VALIDATION, "Layout %s is already deleted",
                        t->layout_id);
    rc = api_check_deletions(conn, ctx, RES_LAYOUT, t->domain_id, ERR_VALIDATION,
                             "layouts");
    if (rc != 0)
        return rc;
    if ((rc = check_layout_unused(conn, t)) != 0)
        return rc;
    rec->deleted = true;
    rec->modified_ms = t->now;
    return store_record_update(conn, &ctx->scope, rec);
}

static int delete_layout_in_tx(store_conn *conn, void *arg)
{
    layout_tx *t = arg;
    store_record rec;
    int rc;

    if (api_load_record(t->ctx, RES_LAYOUT, t->domain_id, t->layout_id, &rec) != 0)
        return -1;
    rc = retire_layout(conn, t, &rec);
    json_decref(rec.doc);
    return rc;
}

/* --- handlers ------------------------------------------------------------------------ */

/* A transaction argument from the request; content and field_ids are new
 * references the caller releases with layout_tx_release(). */
static layout_tx layout_tx_from_input(request_ctx *ctx, const char *layout_id)
{
    layout_tx t = {.ctx = ctx, .domain_id = api_input_str(ctx, "domainId"),
                   .layout_id = layout_id, .name = api_input_str(ctx, "name"),
                   .now = time_now_ms()};

    t.content = copy_content(json_object_get(ctx->input, "content"), NULL);
    t.field_ids = content_field_ids(t.content);
    return t;
}

static void layout_tx_release(layout_tx *t)
{
    json_decref(t->content);
    json_decref(t->field_ids);
}

static int create_layout(request_ctx *ctx)
{
    char id[ID_UUID_LEN];
    layout_tx t;
    int rc;

    id_uuid(id);
    t = layout_tx_from_input(ctx, id);
    rc = api_tx_result(ctx, store_tx(ctx->db, create_layout_in_tx, &t));
    layout_tx_release(&t);
    if (rc != 0)
        return -1;
    ctx->output = json_pack("{s:s, s:s}", "layoutId", id, "layoutArn",
                            api_arn(ctx, RES_LAYOUT, t.domain_id, id));
    return 0;
}

/* Removes from doc's content the fields deleted since it was saved. */
static int drop_deleted_fields(request_ctx *ctx, const char *domain_id,
                               json_t *doc)
{
    json_t *content = json_object_get(doc, "content");
    json_t *ids = content_field_ids(content);
    json_t *dead = json_object();
    int rc = api_find_dead_fields(ctx->db, ctx, domain_id, ids, dead);

    if (rc == STORE_OK && json_object_size(dead) > 0)
        json_object_set_new(doc, "content", copy_content(content, dead));
    json_decref(ids);
    json_decref(dead);
    return rc == STORE_OK ? 0 : api_store_failed(ctx, rc);
}

static int get_layout(request_ctx *ctx)
{
    const char *domain_id = api_input_str(ctx, "domainId");
    store_record rec;
    json_t *out;

    if (api_load_record(ctx, RES_LAYOUT, domain_id,
                        api_input_str(ctx, "layoutId"), &rec) != 0)
        return -1;
    ctx->output = out = rec.doc;
    if (drop_deleted_fields(ctx, domain_id, out) != 0)
        return -1;
    api_set_record_times(out, &rec);
    return api_attach_tags(ctx, out, json_string_value(
                                         json_object_get(out, "layoutArn")));
}

static json_t *layout_summary(request_ctx *ctx, const store_record *rec,
                              void *arg)
{
    (void)ctx;
    (void)arg;
    return json_pack("{s:O, s:O, s:O}", "layoutId",
                     json_object_get(rec->doc, "layoutId"), "layoutArn",
                     json_object_get(rec->doc, "layoutArn"), "name",
                     json_object_get(rec->doc, "name"));
}

static int list_layouts(request_ctx *ctx)
{
    const char *domain_id = api_input_str(ctx, "domainId");

    if (api_require_domain(ctx, domain_id) != 0)
        return -1;
    return api_list_records(ctx, RES_LAYOUT, domain_id, domain_id, false,
                            LAYOUTS_PAGE_DEFAULT, "layouts", layout_summary,
                            NULL);
}

static int update_layout(request_ctx *ctx)
{
    layout_tx t = layout_tx_from_input(ctx, api_input_str(ctx, "layoutId"));
    int rc = api_tx_result(ctx, store_tx(ctx->db, update_layout_in_tx, &t));

    layout_tx_release(&t);
    return rc;
}

static int delete_layout(request_ctx *ctx)
{
    layout_tx t = {.ctx = ctx, .domain_id = api_input_str(ctx, "domainId"),
                   .layout_id = api_input_str(ctx, "layoutId"),
                   .now = time_now_ms()};

    return api_tx_result(ctx, store_tx(ctx->db, delete_layout_in_tx, &t));
}

const api_binding layouts_api[] = {
    {"CreateLayout", create_layout},
    {"GetLayout", get_layout},
    {"ListLayouts", list_layouts},
    {"UpdateLayout", update_layout},
    {"DeleteLayout", delete_layout},
    {NULL, NULL},
};
