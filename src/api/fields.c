/*
 * fields.c - CreateField, BatchGetField, ListFields, UpdateField,
 * DeleteField, BatchPutFieldOptions, ListFieldOptions.
 *
 * A field record's document holds {fieldId, fieldArn, name, type,
 * namespace, description?, attributes?}; deleted, createdTime and
 * lastModifiedTime come from the record's columns.  System fields
 * (namespace "System") are created with their domain (domains.c); here only
 * their options may change.  DeleteField is a soft delete: the record stays
 * (BatchGetField shows it with deleted: true, its tags kept) but it leaves
 * ListFields and frees its name.  Layouts and templates that name a field
 * do not block its deletion; their readers drop deleted ids.
 *
 * Choices where AWS documents nothing:
 *  - BatchGetField reports an unknown id with errorCode "NotFound".
 *  - UpdateField on a system field is a ValidationException, whatever it
 *    asks to change.
 *  - DeleteField on a field already deleted is a ValidationException, as
 *    UpdateField on one is: the field still exists, so a 404 would mislead.
 *  - ListFields and ListFieldOptions return 100 results when maxResults is
 *    absent (the model's maximum).
 *  - The open/closed options of the `status` field cannot change: an entry
 *    for one of them that differs from the stored option goes to errors[]
 *    with errorCode "Immutable"; one that restates it is accepted as a
 *    no-op.  Every other entry of the call is applied.
 *  - A BatchPutFieldOptions call that would leave the field with more
 *    options than the quota fails whole with ServiceQuotaExceededException
 *    and changes nothing; upserts of existing values never count.
 */
#include <string.h>

#include "api/api.h"
#include "util/timeutil.h"

/* maxResults when the caller gives none (ListFields, ListFieldOptions). */
#define DEFAULT_MAX_RESULTS 100

/* --- shared ------------------------------------------------------------------ */

static const char *doc_str(const json_t *doc, const char *member)
{
    return json_string_value(json_object_get(doc, member));
}

static bool doc_is(const json_t *doc, const char *member, const char *value)
{
    const char *have = doc_str(doc, member);
    return have && strcmp(have, value) == 0;
}

/* Copies into dst each member of src named in names (NULL-ended) that src
 * has; dst takes its own reference. */
static void copy_present(json_t *dst, const json_t *src,
                         const char *const *names)
{
    for (; *names; names++) {
        json_t *value = json_object_get(src, *names);
        if (value)
            json_object_set(dst, *names, value);
    }
}

/* Input `attributes` describe Text fields only. */
static int check_attributes(request_ctx *ctx, const char *type)
{
    if (!json_object_get(ctx->input, "attributes") ||
        strcmp(type, "Text") == 0)
        return 0;
    return api_fail(ctx, ERR_VALIDATION,
                    "attributes apply only to fields of type Text, not %s",
                    type);
}

/* The reply for a store_tx that did not commit. */
/* What a transaction on one existing field needs. */
typedef struct {
    request_ctx *ctx;
    const char *domain_id;
    const char *field_id;
    int64_t now;
} field_tx;

static field_tx field_tx_of(request_ctx *ctx)
{
    return (field_tx){ctx, api_input_str(ctx, "domainId"),
                      api_input_str(ctx, "fieldId"), time_now_ms()};
}

/*
 * Loads the field for a change (verb says which, for messages); only live
 * custom fields change.  Runs inside store_tx, where ctx->db is the
 * transaction's connection.  On success rec->doc is the caller's.
 */
static int load_changeable_field(field_tx *t, const char *verb,
                                 store_record *rec)
{
    request_ctx *ctx = t->ctx;

    if (api_load_record(ctx, RES_FIELD, t->domain_id, t->field_id, rec) != 0)
        return -1;
    if (doc_is(rec->doc, "namespace", "System"))
        api_fail(ctx, ERR_VALIDATION, "System field %s cannot be %s",
                 t->field_id, verb);
    else if (rec->deleted)
        api_fail(ctx, ERR_VALIDATION,
                 "Field %s has been deleted; it cannot be %s", t->field_id,
                 verb);
    else
        return 0;
    json_decref(rec->doc);
    return -1;
}

/* --- CreateField ------------------------------------------------------------- */

typedef struct {
    request_ctx *ctx;
    store_record rec; /* the new field; rec.doc owned by create_field */
} create_field_tx;

static int check_field_quota(store_conn *conn, request_ctx *ctx,
                             const char *domain_id)
{
    int64_t live = 0;
    int rc = store_record_count(conn, &ctx->scope, RES_FIELD, domain_id,
                                false, &live);

    if (rc != STORE_OK)
        return rc;
    if (live - api_system_field_count() >= ctx->app->cfg.quotas.fields)
        return api_fail(ctx, ERR_QUOTA,
                        "The domain already has %lld custom fields, the most allowed",
                        (long long)(live - api_system_field_count()));
    return STORE_OK;
}

static int create_field_in_tx(store_conn *conn, void *arg)
{
    create_field_tx *t = arg;
    request_ctx *ctx = t->ctx;
    int rc;

    /* Checked here so the domain cannot vanish before the insert. */
    if (api_require_domain(ctx, t->rec.domain_id) != 0)
        return -1;
    rc = check_field_quota(conn, ctx, t->rec.domain_id);
    if (rc != STORE_OK)
        return rc;
    rc = store_record_insert(conn, &ctx->scope, &t->rec);
    if (rc == STORE_CONFLICT)
        return api_fail(ctx, ERR_CONFLICT,
                        "A field named '%s' already exists in the domain",
                        t->rec.name);
    return rc;
}

/* The document of a new custom field (new reference, NULL on failure). */
static json_t *new_field_doc(request_ctx *ctx, const char *domain_id,
                             const char *id)
{
    static const char *const optional[] = {"description", "attributes", NULL};
    json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:s}", "fieldId", id,
                            "fieldArn", api_arn(ctx, RES_FIELD, domain_id, id),
                            "name", api_input_str(ctx, "name"), "type",
                            api_input_str(ctx, "type"), "namespace", "Custom");
    if (doc)
        copy_present(doc, ctx->input, optional);
    return doc;
}

static int create_field(request_ctx *ctx)
{
    char id[ID_UUID_LEN];
    int64_t now = time_now_ms();
    create_field_tx t = {
        .ctx = ctx,
        .rec = {.kind = RES_FIELD, .domain_id = api_input_str(ctx, "domainId"),
                .id = id, .name = api_input_str(ctx, "name"),
                .created_ms = now, .modified_ms = now},
    };
    int rc;

    if (check_attributes(ctx, api_input_str(ctx, "type")) != 0)
        return -1;
    id_uuid(id);
    t.rec.doc = new_field_doc(ctx, t.rec.domain_id, id);
    if (!t.rec.doc)
        return api_fail(ctx, ERR_INTERNAL, "Cannot build the field");
    rc = store_tx(ctx->db, create_field_in_tx, &t);
    json_decref(t.rec.doc);
    if (rc != 0)
        return api_tx_result(ctx, rc);
    ctx->output = json_pack("{s:s, s:s}", "fieldId", id, "fieldArn",
                            api_arn(ctx, RES_FIELD, t.rec.domain_id, id));
    return 0;
}

static int batch_get_field(request_ctx *ctx)
{
    return api_batch_get_records(ctx, RES_FIELD, "fields", "fieldArn",
                                 "field");
}

/* --- ListFields -------------------------------------------------------------- */

static json_t *field_summary(request_ctx *ctx, const store_record *rec,
                             void *arg)
{
    static const char *const members[] = {"fieldId", "fieldArn", "name",
                                          "type", "namespace", "attributes",
                                          NULL};
    json_t *summary = json_object();

    (void)ctx;
    (void)arg;
    if (summary)
        copy_present(summary, rec->doc, members);
    return summary;
}

static int list_fields(request_ctx *ctx)
{
    const char *domain_id = api_input_str(ctx, "domainId");

    if (api_require_domain(ctx, domain_id) != 0)
        return -1;
    return api_list_records(ctx, RES_FIELD, domain_id, domain_id, false,
                            DEFAULT_MAX_RESULTS, "fields", field_summary,
                            NULL);
}

/* --- UpdateField ------------------------------------------------------------- */

/* Applies the input's changes to rec (its name then points into its doc). */
static int apply_field_update(request_ctx *ctx, store_record *rec)
{
    static const char *const members[] = {"name", "description", "attributes",
                                          NULL};

    if (check_attributes(ctx, doc_str(rec->doc, "type")) != 0)
        return -1;
    copy_present(rec->doc, ctx->input, members);
    rec->name = doc_str(rec->doc, "name");
    return STORE_OK;
}

static int update_field_in_tx(store_conn *conn, void *arg)
{
    field_tx *t = arg;
    request_ctx *ctx = t->ctx;
    store_record rec;
    int rc;

    if (load_changeable_field(t, "updated", &rec) != 0)
        return -1;
    rc = apply_field_update(ctx, &rec);
    if (rc == STORE_OK) {
        rec.modified_ms = t->now;
        rc = store_record_update(conn, &ctx->scope, &rec);
    }
    if (rc == STORE_CONFLICT)
        rc = api_fail(ctx, ERR_CONFLICT,
                      "A field named '%s' already exists in the domain",
                      rec.name);
    json_decref(rec.doc);
    return rc;
}

static int update_field(request_ctx *ctx)
{
    field_tx t = field_tx_of(ctx);
    int rc = store_tx(ctx->db, update_field_in_tx, &t);

    return api_tx_result(ctx, rc);
}

/* --- DeleteField ------------------------------------------------------------- */

static int delete_field_in_tx(store_conn *conn, void *arg)
{
    field_tx *t = arg;
    store_record rec;
    int rc;

    if (load_changeable_field(t, "deleted", &rec) != 0)
        return -1;
    rc = api_check_deletions(conn, t->ctx, RES_FIELD, t->domain_id, ERR_QUOTA,
                             "fields");
    if (rc == 0) {
        rec.deleted = true;
        rec.modified_ms = t->now;
        rc = store_record_update(conn, &t->ctx->scope, &rec);
    }
    json_decref(rec.doc);
    return rc;
}

static int delete_field(request_ctx *ctx)
{
    field_tx t = field_tx_of(ctx);
    int rc = store_tx(ctx->db, delete_field_in_tx, &t);

    return api_tx_result(ctx, rc);
}

/* --- BatchPutFieldOptions ---------------------------------------------------- */

typedef struct {
    field_tx field;
    json_t *errors; /* FieldOptionError list, owned; rebuilt by each attempt */
} put_options_tx;

/* Only live SingleSelect fields take options. */
static int check_options_target(request_ctx *ctx, const store_record *rec)
{
    if (rec->deleted)
        return api_fail(ctx, ERR_VALIDATION,
                        "Field %s has been deleted; its options cannot change",
                        rec->id);
    if (!doc_is(rec->doc, "type", "SingleSelect"))
        return api_fail(ctx, ERR_VALIDATION,
                        "Field %s is of type %s; only SingleSelect fields have options",
                        rec->id, doc_str(rec->doc, "type"));
    return 0;
}

/* The options every case status relies on. */
static bool is_fixed_option(const char *field_id, const char *value)
{
    return strcmp(field_id, "status") == 0 &&
           (strcmp(value, "open") == 0 || strcmp(value, "closed") == 0);
}

/* Sets *same when the stored option with opt's value equals opt. */
static int option_unchanged(store_conn *conn, const field_tx *f,
                            const store_option *opt, bool *same)
{
    store_option stored;
    int rc = store_option_get(conn, &f->ctx->scope, f->domain_id, f->field_id,
                              opt->value, f->ctx->arena, &stored);

    *same = rc == STORE_OK && strcmp(stored.name, opt->name) == 0 &&
            stored.active == opt->active;
    return rc == STORE_NOT_FOUND ? STORE_OK : rc;
}

static int put_one_option(store_conn *conn, put_options_tx *t,
                          const json_t *entry)
{
    const field_tx *f = &t->field;
    store_option opt = {
        .name = doc_str(entry, "name"),
        .value = doc_str(entry, "value"),
        .active = json_is_true(json_object_get(entry, "active")),
    };
    bool same = false;
    int rc;

    if (!is_fixed_option(f->field_id, opt.value))
        return store_option_put(conn, &f->ctx->scope, f->domain_id,
                                f->field_id, &opt);
    rc = option_unchanged(conn, f, &opt, &same);
    if (rc != STORE_OK || same)
        return rc;
    rc = json_array_append_new(
        t->errors,
        json_pack("{s:s, s:s, s:s}", "value", opt.value, "errorCode",
                  "Immutable", "message",
                  "The open and closed options of the status field cannot be changed"));
    return rc == 0 ? STORE_OK : STORE_ERROR;
}

/* Fails when the call added options and the field now has too many. */
static int check_options_quota(store_conn *conn, const field_tx *f,
                               int64_t before)
{
    request_ctx *ctx = f->ctx;
    int64_t after = 0;
    int rc = store_option_count(conn, &ctx->scope, f->domain_id, f->field_id,
                                &after);

    if (rc != STORE_OK)
        return rc;
    if (after > before && after > ctx->app->cfg.quotas.options)
        return api_fail(ctx, ERR_QUOTA,
                        "Field %s would have %lld options; at most %lld are allowed",
                        f->field_id, (long long)after,
                        (long long)ctx->app->cfg.quotas.options);
    return STORE_OK;
}

static int put_options_in_tx(store_conn *conn, void *arg)
{
    put_options_tx *t = arg;
    field_tx *f = &t->field;
    const json_t *entry;
    store_record rec;
    int64_t before = 0;
    size_t i;
    int rc;

    json_array_clear(t->errors);
    if (api_load_record(f->ctx, RES_FIELD, f->domain_id, f->field_id, &rec) != 0)
        return -1;
    rc = check_options_target(f->ctx, &rec);
    json_decref(rec.doc);
    if (rc == 0)
        rc = store_option_count(conn, &f->ctx->scope, f->domain_id,
                                f->field_id, &before);
    json_array_foreach(json_object_get(f->ctx->input, "options"), i, entry) {
        if (rc != STORE_OK)
            break;
        rc = put_one_option(conn, t, entry);
    }
    return rc == STORE_OK ? check_options_quota(conn, f, before) : rc;
}

static int batch_put_field_options(request_ctx *ctx)
{
    put_options_tx t = {field_tx_of(ctx), json_array()};
    int rc = store_tx(ctx->db, put_options_in_tx, &t);

    if (rc != 0) {
        json_decref(t.errors);
        return api_tx_result(ctx, rc);
    }
    ctx->output = json_object();
    json_object_set_new(ctx->output, "errors", t.errors);
    return 0;
}

/* --- ListFieldOptions -------------------------------------------------------- */

static json_t *option_json(const store_option *opt)
{
    return json_pack("{s:s, s:s, s:b}", "name", opt->name, "value",
                     opt->value, "active", opt->active);
}

typedef struct {
    json_t *options;  /* the page, owned */
    size_t limit;     /* page size; one more row is fetched */
    int64_t last_seq; /* seq of the last option on the page */
    bool more;        /* an option follows the page */
} option_page;

static int collect_option(const store_option *opt, int64_t seq, void *arg)
{
    option_page *page = arg;

    if (json_array_size(page->options) == page->limit) {
        page->more = true;
        return STORE_OK;
    }
    page->last_seq = seq;
    return json_array_append_new(page->options, option_json(opt)) == 0
               ? STORE_OK
               : STORE_ERROR;
}

static int list_option_page(request_ctx *ctx, const char *domain_id,
                            const char *field_id)
{
    /* Length-prefixed so no pair of ids can spell another pair's listing. */
    const char *listing = arena_printf(ctx->arena, "%zu:%s%s",
                                       strlen(domain_id), domain_id, field_id);
    option_page page = {
        .options = json_array(),
        .limit = (size_t)api_input_int(ctx, "maxResults", DEFAULT_MAX_RESULTS),
    };
    int64_t after_seq = 0;
    int rc;

    if (api_page_start(ctx, listing, &after_seq) != 0)
        goto fail;
    rc = store_option_list(ctx->db, &ctx->scope, domain_id, field_id,
                           after_seq, (int)page.limit + 1, collect_option,
                           &page);
    if (rc != STORE_OK) {
        api_store_failed(ctx, rc);
        goto fail;
    }
    ctx->output = json_object();
    if (page.more &&
        api_page_finish(ctx, listing, ctx->output, page.last_seq) != 0)
        goto fail;
    json_object_set_new(ctx->output, "options", page.options);
    return 0;
fail:
    json_decref(page.options);
    return -1;
}

/* The one option with value, or none: the `values` form of the call. */
static int lookup_option(request_ctx *ctx, const char *domain_id,
                         const char *field_id, const char *value)
{
    store_option opt;
    json_t *options = json_array();
    int rc = store_option_get(ctx->db, &ctx->scope, domain_id, field_id, value,
                              ctx->arena, &opt);

    if (rc == STORE_OK)
        json_array_append_new(options, option_json(&opt));
    else if (rc != STORE_NOT_FOUND) {
        json_decref(options);
        return api_store_failed(ctx, rc);
    }
    ctx->output = json_object();
    json_object_set_new(ctx->output, "options", options);
    return 0;
}

static int list_field_options(request_ctx *ctx)
{
    const char *domain_id = api_input_str(ctx, "domainId");
    const char *field_id = api_input_str(ctx, "fieldId");
    const json_t *values = json_object_get(ctx->input, "values");
    store_record rec;

    if (api_load_record(ctx, RES_FIELD, domain_id, field_id, &rec) != 0)
        return -1;
    json_decref(rec.doc);
    if (json_array_size(values) > 0)
        return lookup_option(ctx, domain_id, field_id,
                             json_string_value(json_array_get(values, 0)));
    return list_option_page(ctx, domain_id, field_id);
}

const api_binding fields_api[] = {
    {"CreateField", create_field},
    {"BatchGetField", batch_get_field},
    {"ListFields", list_fields},
    {"UpdateField", update_field},
    {"DeleteField", delete_field},
    {"BatchPutFieldOptions", batch_put_field_options},
    {"ListFieldOptions", list_field_options},
    {NULL, NULL},
};
