/*
 * related_search.c - SearchRelatedItems, SearchAllRelatedItems and
 * ListCasesForContact.
 *
 * The searches walk items in their order in batches from the store,
 * derive each Sla's status, keep those the filters select
 * (related_match.h) and stop once the page is full.  The store narrows a
 * domain-wide walk to the types the filters name; the rest is judged here.
 *
 * Choices where AWS documents nothing (cases-behaviour.md §9.4):
 *  - SearchRelatedItems lists a case's items newest first.
 *  - SearchAllRelatedItems applies its sorts in order, then creation order
 *    in the direction of the last sort; a sortProperty given twice is a
 *    ValidationException.  Without sorts: AssociationTime Desc.
 *  - Both return 25 items when maxResults is absent.  One request looks at
 *    no more than SCAN_MAX items; a page may then hold fewer than
 *    maxResults items (even none) and still carry a nextToken.
 *  - Custom field filters follow SearchCases (case_filter.h); a filter
 *    naming a field the domain does not have is a ValidationException.
 *  - An Sla's status is derived on every read (sla.h).  When a read first
 *    finds its case's field at a target value, the completion time is the
 *    time of the newest audit event that changed that field (or, if the
 *    history does not show one, the case's last update), never before the
 *    association; it is stored on the item so every later read agrees.  A
 *    field that reaches a target and leaves it again between two reads of
 *    the item goes unseen.
 *  - ListCasesForContact lists each case once, oldest case first, 10 per
 *    page when maxResults is absent; an ARN no item names gives no cases.
 *
 * Access (auth/access.h): each operation needs Cases.View.  A case whose
 * tags the caller may not view is a 403 for SearchRelatedItems; the other
 * two leave its items (its entry) out before they count toward a page,
 * so pages and tokens see only what the caller may.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/case_filter.h"
#include "api/related_items.h"
#include "api/related_match.h"
#include "api/sla.h"
#include "auth/access.h"
#include "util/jalloc.h"
#include "util/timeutil.h"
#include "util/token.h"

#define SEARCH_PAGE_MAX 25   /* also the default */
#define CONTACT_PAGE_MAX 10  /* also the default */
#define WALK_BATCH 64        /* items read from the store at a time */
#define SCAN_MAX 5000        /* items one search request looks at */
#define AUDIT_BATCH 50       /* audit events read at a time */
#define AUDIT_SCAN_MAX 2000  /* audit events looked at for an SLA */
#define MESSAGE_LEN 512
#define CONTACT_BATCH 64     /* contact cases read from the store at a time */

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

/* --- pagination ------------------------------------------------------------------------ */

/* A position of the walk: the last item of a page (or of the items looked
 * at).  Its strings are arena-owned. */
typedef struct {
    int64_t associated_ms;
    int64_t seq;
    const char *case_id;
} walk_pos;

static char *token_context(request_ctx *ctx, const char *listing)
{
    return arena_printf(ctx->arena, "%s|%s|%s|%s", ctx->route.op->name,
                        ctx->scope.account, ctx->scope.region, listing);
}

/* Reads input nextToken into *pos; *has is false without one. */
static int read_token(request_ctx *ctx, const char *listing, walk_pos *pos,
                      bool *has)
{
    const char *token = api_input_str(ctx, "nextToken");
    const char *position = NULL;
    long long ms, seq;
    int used = 0;

    *has = token && *token;
    if (!*has)
        return 0;
    if (token_decode(&ctx->app->tokens, ctx->arena,
                     token_context(ctx, listing), token, &position) != 0 ||
        sscanf(position, "%lld/%lld/%n", &ms, &seq, &used) != 2 || used == 0)
        return api_fail(ctx, ERR_VALIDATION,
                        "The nextToken is invalid or belongs to another request");
    *pos = (walk_pos){ms, seq, position + used};
    return 0;
}

static int write_token(request_ctx *ctx, const char *listing, json_t *out,
                       const walk_pos *pos)
{
    char *token = token_encode(
        &ctx->app->tokens, ctx->arena, token_context(ctx, listing),
        arena_printf(ctx->arena, "%lld/%lld/%s", (long long)pos->associated_ms,
                     (long long)pos->seq, pos->case_id));

    if (!token)
        return api_fail(ctx, ERR_INTERNAL, "Cannot encode the nextToken");
    json_object_set_new(out, "nextToken", json_string(token));
    return 0;
}

/* The listing a token is bound to: a label and the request members that
 * shape the walk, as compact JSON with sorted keys. */
static const char *listing_of(request_ctx *ctx, const char *label)
{
    json_t *shape = json_pack("{s:O*, s:O*}", "filters",
                              json_object_get(ctx->input, "filters"), "sorts",
                              json_object_get(ctx->input, "sorts"));
    char *text = json_dumps(shape, JSON_COMPACT | JSON_SORT_KEYS);
    const char *out = arena_printf(ctx->arena, "%s|%s", label,
                                   text ? text : "");

    jalloc_free(text); /* json_dumps allocates through jansson */
    json_decref(shape);
    return out;
}

/* --- filters ------------------------------------------------------------------------------- */

typedef struct {
    request_ctx *ctx;
    const char *domain_id;
    int status; /* a store failure met while looking fields up */
} field_lookup;

/* The type of a field of the domain, for case_filter_compile. */
static const char *field_type_of(void *ud, const char *field_id)
{
    field_lookup *l = ud;
    store_record rec;
    const char *type;
    int rc = store_record_get(l->ctx->db, &l->ctx->scope, RES_FIELD,
                              l->domain_id, field_id, l->ctx->arena, &rec);

    if (rc != STORE_OK) {
        if (rc != STORE_NOT_FOUND)
            l->status = rc;
        return NULL;
    }
    type = str_member(rec.doc, "type");
    type = type ? arena_strdup(l->ctx->arena, type) : NULL;
    json_decref(rec.doc);
    return type;
}

static int compile_custom(field_lookup *l, const json_t *fields,
                          const search_node **out)
{
    char err[MESSAGE_LEN];
    case_compiler cc = {.arena = l->ctx->arena, .type_of = field_type_of,
                        .ud = l, .err = err, .errlen = sizeof err};
    search_node *node = NULL;
    int rc = case_filter_compile(&cc, fields, &node);

    if (l->status != STORE_OK)
        return api_store_failed(l->ctx, l->status);
    if (rc == CASE_FILTER_INVALID)
        return api_fail(l->ctx, ERR_VALIDATION, "%s", err);
    if (rc != CASE_FILTER_OK)
        return api_fail(l->ctx, ERR_INTERNAL, "%s", err);
    *out = node;
    return 0;
}

/* Compiles input "filters" into *out (arena-owned, *count entries). */
static int compile_filters(request_ctx *ctx, const char *domain_id,
                           related_filter **out, int *count)
{
    const json_t *list = json_object_get(ctx->input, "filters");
    size_t n = json_array_size(list);
    field_lookup l = {ctx, domain_id, STORE_OK};
    related_filter *filters = arena_calloc(ctx->arena, (n + 1) * sizeof *filters);

    if (!filters)
        return api_fail(ctx, ERR_INTERNAL, "Out of request memory");
    for (size_t i = 0; i < n; i++) {
        const json_t *f = json_array_get(list, i);
        const json_t *fields =
            json_object_get(json_object_get(f, "custom"), "fields");
        filters[i].filter = f;
        if (!related_union_type(f))
            return api_fail(ctx, ERR_VALIDATION,
                            "Each filter must set one of contact, comment, file, sla, connectCase or custom");
        if (fields && compile_custom(&l, fields, &filters[i].custom) != 0)
            return -1;
    }
    *out = filters;
    *count = (int)n;
    return 0;
}

/* --- the walk --------------------------------------------------------------------------------- */

typedef struct item_walk item_walk;
/* Reads into w->batch the items after pos (NULL: from the first). */
typedef int (*batch_fetch)(item_walk *w, const walk_pos *after);

struct item_walk {
    request_ctx *ctx;
    const char *domain_id;
    const char *case_id;        /* SearchRelatedItems; NULL domain-wide */
    related_filter *filters;
    int filter_count;
    store_related_query query;  /* SearchAllRelatedItems */
    batch_fetch fetch;
    store_case sla_case;        /* last case loaded for an SLA; fields owned */
    bool have_sla_case;
    json_t *items;              /* the page (owned) */
    size_t want;                /* page size + 1: one more tells more follow */
    store_related_item batch[WALK_BATCH]; /* strings arena-owned, json owned */
    int batch_len;
    walk_pos page_end;          /* the last item kept on the page */
    walk_pos scan_end;          /* the last item looked at */
    bool cut;                   /* stopped at SCAN_MAX with the page short */
    bool restricted;            /* case tags decide what the caller sees */
    json_t *visible;            /* case id -> whether the caller sees it
                                 * (owned; only while restricted) */
};

static walk_pos pos_of(const store_related_item *item)
{
    return (walk_pos){item->associated_ms, item->seq, item->case_id};
}

/* Keeps a copy of item in the batch (the store's is valid only now). */
static int collect(const store_related_item *item, void *arg)
{
    item_walk *w = arg;
    store_related_item *copy = &w->batch[w->batch_len];
    arena *a = w->ctx->arena;

    if (w->batch_len >= WALK_BATCH)
        return STORE_ERROR;
    *copy = *item;
    copy->domain_id = w->domain_id;
    copy->case_id = arena_strdup(a, item->case_id);
    copy->item_id = arena_strdup(a, item->item_id);
    copy->type = arena_strdup(a, item->type);
    copy->contact_arn = NULL;
    json_incref(copy->content);
    json_incref(copy->created_by);
    json_incref(copy->updated_by);
    w->batch_len++;
    return copy->case_id && copy->item_id && copy->type ? STORE_OK : STORE_ERROR;
}

static int fetch_case_items(item_walk *w, const walk_pos *after)
{
    return store_related_list(w->ctx->db, &w->ctx->scope, w->domain_id,
                              w->case_id, after ? after->seq : 0, WALK_BATCH,
                              collect, w);
}

static int fetch_domain_items(item_walk *w, const walk_pos *after)
{
    store_related_item pos;

    w->query.limit = WALK_BATCH;
    w->query.after = NULL;
    if (after) {
        pos = (store_related_item){.associated_ms = after->associated_ms,
                                   .seq = after->seq,
                                   .case_id = after->case_id};
        w->query.after = &pos;
    }
    return store_related_search(w->ctx->db, &w->ctx->scope, &w->query,
                                collect, w);
}

/* --- Sla status ------------------------------------------------------------------------------- */

typedef struct {
    const char *field_id;
    int64_t changed_ms; /* performed time of the event found */
    int64_t last_seq;   /* seq of the last event looked at */
    int seen;
} change_search;

/* Stops (1) at the first case event that changed the field. */
static int find_change(const store_audit_event *ev, void *arg)
{
    change_search *s = arg;
    const json_t *field;
    size_t i;

    s->seen++;
    s->last_seq = ev->seq;
    if (strncmp(ev->type, "Case.", 5) != 0)
        return 0;
    json_array_foreach(ev->fields, i, field) {
        const char *id = str_member(field, "eventFieldId");
        if (id && strcmp(id, s->field_id) == 0) {
            s->changed_ms = ev->performed_ms;
            return 1;
        }
    }
    return 0;
}

/* When the case's field last changed, from its audit history (newest
 * first); the case's last update when the history does not tell. */
static int64_t field_changed_ms(item_walk *w, const store_case *c,
                                const char *field_id)
{
    change_search s = {.field_id = field_id};
    int64_t before = 0;

    for (int looked = 0; looked < AUDIT_SCAN_MAX; looked += s.seen) {
        int rc;
        s.seen = 0;
        rc = store_audit_list(w->ctx->db, &w->ctx->scope, c->domain_id,
                              c->case_id, before, AUDIT_BATCH, find_change, &s);
        if (rc == 1)
            return s.changed_ms;
        if (rc != STORE_OK || s.seen < AUDIT_BATCH)
            break;
        before = s.last_seq;
    }
    return c->updated_ms;
}

/* The case of item, loaded once for consecutive items of one case; NULL
 * when it is gone. */
static const store_case *case_of(item_walk *w, const store_related_item *item,
                                 int *status)
{
    if (w->have_sla_case && strcmp(w->sla_case.case_id, item->case_id) == 0)
        return &w->sla_case;
    if (w->have_sla_case)
        json_decref(w->sla_case.fields);
    w->have_sla_case = false;
    *status = store_case_get(w->ctx->db, &w->ctx->scope, w->domain_id,
                             item->case_id, w->ctx->arena, &w->sla_case);
    if (*status == STORE_NOT_FOUND)
        *status = STORE_OK;
    else if (*status == STORE_OK)
        w->have_sla_case = true;
    return w->have_sla_case ? &w->sla_case : NULL;
}

typedef struct {
    request_ctx *ctx;
    const store_related_item *item;
} record_tx;

static int record_in_tx(store_conn *conn, void *arg)
{
    record_tx *t = arg;
    int rc = store_related_update(conn, &t->ctx->scope, t->item);
    /* An item deleted meanwhile has nothing left to record. */
    return rc == STORE_NOT_FOUND ? STORE_OK : rc;
}

/* Sets conf's completionTime when the case's field holds a target value,
 * and stores it on the item.  *completion_ms stays as it was otherwise. */
static int detect_completion(item_walk *w, store_related_item *item,
                             json_t *conf, int64_t *completion_ms)
{
    const char *field_id = str_member(conf, "fieldId");
    int status = STORE_OK;
    const store_case *c = case_of(w, item, &status);
    char when[TIME_ISO_LEN];
    record_tx t = {w->ctx, item};

    if (!c || !field_id ||
        !sla_target_reached(json_object_get(conf, "targetFieldValues"),
                            json_object_get(c->fields, field_id)))
        return status;
    *completion_ms = sla_completion_ms(item->associated_ms,
                                       field_changed_ms(w, c, field_id));
    time_format_iso(*completion_ms, when);
    json_object_set_new(conf, "completionTime", json_string(when));
    return store_tx(w->ctx->db, record_in_tx, &t);
}

/* Sets the status of an Sla item's configuration as of now. */
static int derive_sla_status(item_walk *w, store_related_item *item)
{
    json_t *conf = json_object_get(json_object_get(item->content, "sla"),
                                   "slaConfiguration");
    const char *target = str_member(conf, "targetTime");
    const char *done = str_member(conf, "completionTime");
    int64_t target_ms, completion_ms = SLA_NOT_COMPLETED;
    int rc = STORE_OK;

    if (!target || time_parse_iso(target, &target_ms) != 0)
        return api_fail(w->ctx, ERR_INTERNAL,
                        "Related item %s holds a corrupt SLA", item->item_id);
    if (done && time_parse_iso(done, &completion_ms) != 0)
        completion_ms = SLA_NOT_COMPLETED;
    if (!done)
        rc = detect_completion(w, item, conf, &completion_ms);
    if (rc != STORE_OK)
        return api_store_failed(w->ctx, rc);
    json_object_set_new(conf, "status",
                        json_string(sla_status_name(sla_status_at(
                            target_ms, completion_ms, time_now_ms()))));
    return 0;
}

/* --- items of the page ---------------------------------------------------------------------- */

static json_t *render_item(item_walk *w, const store_related_item *item)
{
    json_t *out = json_pack("{s:s, s:s, s:o, s:O, s:O*}", "relatedItemId",
                            item->item_id, "type", item->type,
                            "associationTime", api_time(item->associated_ms),
                            "content", item->content, "performedBy",
                            item->created_by);

    if (!out) {
        api_fail(w->ctx, ERR_INTERNAL, "Cannot build a related item");
        return NULL;
    }
    if (!w->case_id)
        json_object_set_new(out, "caseId", json_string(item->case_id));
    if (api_attach_tags(w->ctx, out, related_item_arn(w->ctx, w->domain_id,
                                                      item->case_id,
                                                      item->item_id)) != 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/* 1 when the caller may view the case of item, 0 when not, -1 on a
 * failure.  Each case's tags are read once per request. */
static int case_visible(item_walk *w, const store_related_item *item)
{
    json_t *known;
    int ok;

    if (!w->restricted)
        return 1;
    if (!w->visible && !(w->visible = json_object()))
        return api_fail(w->ctx, ERR_INTERNAL, "Out of memory");
    if ((known = json_object_get(w->visible, item->case_id)))
        return json_is_true(known);
    ok = access_case_visible(w->ctx, w->ctx->db, ACCESS_CASES_VIEW,
                             w->domain_id, item->case_id);
    if (ok >= 0)
        json_object_set_new(w->visible, item->case_id, json_boolean(ok));
    return ok;
}

/* Puts item on the page when the caller may see it and the filters
 * select it; the check of access comes first, so nothing is derived (or
 * stored) for an item the caller may not see. */
static int consider(item_walk *w, store_related_item *item)
{
    json_t *out;
    int visible = case_visible(w, item);

    if (visible <= 0)
        return visible;
    if (strcmp(item->type, "Sla") == 0 && derive_sla_status(w, item) != 0)
        return -1;
    if (!related_filters_match(w->filters, w->filter_count, item->type,
                               item->content))
        return 0;
    if (!(out = render_item(w, item)))
        return -1;
    json_array_append_new(w->items, out);
    if (json_array_size(w->items) < w->want)
        w->page_end = pos_of(item);
    return 0;
}

static void release_batch(item_walk *w)
{
    for (int i = 0; i < w->batch_len; i++)
        related_item_release(&w->batch[i]);
    w->batch_len = 0;
}

/* Considers the batch until the page is full, then releases it. */
static int process_batch(item_walk *w)
{
    int rc = 0;

    for (int i = 0; rc == 0 && i < w->batch_len; i++)
        if (json_array_size(w->items) < w->want)
            rc = consider(w, &w->batch[i]);
    release_batch(w);
    return rc;
}

/* Fills the page from start (NULL: the first item). */
static int walk_fill(item_walk *w, const walk_pos *start)
{
    const walk_pos *after = start;
    int looked = 0;

    for (;;) {
        int n, rc = w->fetch(w, after);
        if (rc != STORE_OK) {
            release_batch(w);
            return w->ctx->error != ERR_NONE ? -1 : api_store_failed(w->ctx, rc);
        }
        n = w->batch_len;
        if (n > 0)
            w->scan_end = pos_of(&w->batch[n - 1]);
        if (process_batch(w) != 0)
            return -1;
        looked += n;
        if (json_array_size(w->items) >= w->want || n < WALK_BATCH)
            return 0;
        if (looked >= SCAN_MAX) {
            w->cut = true;
            return 0;
        }
        after = &w->scan_end;
    }
}

/* Runs the walk from input nextToken and sets ctx->output. */
static int run_walk(item_walk *w, const char *listing)
{
    request_ctx *ctx = w->ctx;
    walk_pos start;
    bool has_start = false;
    int rc;

    w->want = (size_t)api_input_int(ctx, "maxResults", SEARCH_PAGE_MAX) + 1;
    w->items = json_array();
    rc = read_token(ctx, listing, &start, &has_start);
    if (rc == 0)
        rc = walk_fill(w, has_start ? &start : NULL);
    if (w->have_sla_case)
        json_decref(w->sla_case.fields);
    json_decref(w->visible);
    if (rc == 0) {
        ctx->output = json_object();
        if (json_array_size(w->items) == w->want) {
            json_array_remove(w->items, w->want - 1);
            rc = write_token(ctx, listing, ctx->output, &w->page_end);
        } else if (w->cut) {
            rc = write_token(ctx, listing, ctx->output, &w->scan_end);
        }
    }
    if (rc == 0)
        json_object_set(ctx->output, "relatedItems", w->items);
    json_decref(w->items);
    return rc;
}

/* --- SearchRelatedItems -------------------------------------------------------------------- */

int related_search_case(request_ctx *ctx)
{
    item_walk w = {.ctx = ctx, .domain_id = api_input_str(ctx, "domainId"),
                   .case_id = api_input_str(ctx, "caseId"),
                   .fetch = fetch_case_items};
    int rc;

    if (api_require_domain(ctx, w.domain_id) != 0 ||
        access_require(ctx, ACCESS_CASES_VIEW) != 0)
        return -1;
    rc = related_load_case(ctx, ctx->db, w.domain_id, w.case_id, &w.sla_case);
    if (rc != 0)
        return api_tx_result(ctx, rc);
    w.have_sla_case = true;
    if (access_check_case(ctx, ctx->db, ACCESS_CASES_VIEW, w.domain_id,
                          w.case_id) != 0 ||
        compile_filters(ctx, w.domain_id, &w.filters, &w.filter_count) != 0) {
        json_decref(w.sla_case.fields);
        return -1;
    }
    return run_walk(&w, listing_of(ctx, arena_printf(ctx->arena, "%s/%s",
                                                     w.domain_id, w.case_id)));
}

/* --- SearchAllRelatedItems ------------------------------------------------------------------ */

/* Reads input "sorts" into q; AssociationTime Desc when there are none. */
static int read_sorts(request_ctx *ctx, store_related_query *q)
{
    const json_t *list = json_object_get(ctx->input, "sorts");
    const json_t *sort;
    size_t i;

    json_array_foreach(list, i, sort) {
        store_related_sort_key key = str_is(sort, "sortProperty", "CaseId")
                                         ? RELATED_SORT_CASE
                                         : RELATED_SORT_TIME;
        if (q->sort_count >= RELATED_MAX_SORTS ||
            (q->sort_count == 1 && q->sorts[0].key == key))
            return api_fail(ctx, ERR_VALIDATION,
                            "Each sortProperty may appear once in sorts");
        q->sorts[q->sort_count++] = (store_related_sort){
            key, str_is(sort, "sortOrder", "Desc")};
    }
    if (q->sort_count == 0)
        q->sorts[q->sort_count++] = (store_related_sort){RELATED_SORT_TIME, true};
    return 0;
}

/* Narrows q to the types the filters select (none: every type). */
static void filter_types(const item_walk *w, store_related_query *q)
{
    for (int i = 0; i < w->filter_count; i++) {
        const char *type = related_union_type(w->filters[i].filter);
        bool known = false;
        for (int j = 0; j < q->type_count; j++)
            known = known || strcmp(q->types[j], type) == 0;
        if (!known && q->type_count < RELATED_MAX_TYPES)
            q->types[q->type_count++] = type;
    }
}

int related_search_domain(request_ctx *ctx)
{
    item_walk w = {.ctx = ctx, .domain_id = api_input_str(ctx, "domainId"),
                   .fetch = fetch_domain_items};

    w.query.domain_id = w.domain_id;
    if (api_require_domain(ctx, w.domain_id) != 0 ||
        access_require(ctx, ACCESS_CASES_VIEW) != 0 ||
        read_sorts(ctx, &w.query) != 0 ||
        compile_filters(ctx, w.domain_id, &w.filters, &w.filter_count) != 0)
        return -1;
    filter_types(&w, &w.query);
    w.restricted = access_restricted(ctx, ACCESS_CASES_VIEW);
    return run_walk(&w, listing_of(ctx, w.domain_id));
}

/* --- ListCasesForContact --------------------------------------------------------------------- */

/* A case of the contact as the store lists it (strings arena-owned). */
typedef struct {
    const char *case_id;
    const char *template_id;
    int64_t seq;
} contact_case;

typedef struct {
    arena *arena;
    contact_case cases[CONTACT_BATCH];
    int count;
} contact_batch;

typedef struct {
    json_t *cases;                      /* the page (owned) */
    int64_t seqs[CONTACT_PAGE_MAX + 1]; /* case seq of each entry */
    size_t want;                        /* page size + 1: one more tells more follow */
    int64_t scan_end;                   /* seq of the last case looked at */
    bool cut;                           /* stopped at SCAN_MAX with the page short */
} contact_page;

/* Keeps a copy of the case (the store's strings live only now); access is
 * judged after the walk, which must not be interleaved with other reads. */
static int collect_case(const char *case_id, const char *template_id,
                        int64_t case_seq, void *arg)
{
    contact_batch *b = arg;
    contact_case *c = &b->cases[b->count];

    if (b->count >= CONTACT_BATCH)
        return STORE_ERROR;
    c->case_id = arena_strdup(b->arena, case_id);
    c->template_id = arena_strdup(b->arena, template_id);
    c->seq = case_seq;
    b->count++;
    return c->case_id && c->template_id ? STORE_OK : STORE_ERROR;
}

/* Adds the batch's cases the caller may view to the page, until it holds
 * page->want. */
static int keep_visible(request_ctx *ctx, const char *domain_id,
                        const contact_batch *b, contact_page *page)
{
    for (int i = 0; i < b->count && json_array_size(page->cases) < page->want;
         i++) {
        const contact_case *c = &b->cases[i];
        int ok = access_case_visible(ctx, ctx->db, ACCESS_CASES_VIEW,
                                     domain_id, c->case_id);
        if (ok < 0)
            return -1;
        if (!ok)
            continue;
        page->seqs[json_array_size(page->cases)] = c->seq;
        if (json_array_append_new(page->cases,
                                  json_pack("{s:s, s:s}", "caseId", c->case_id,
                                            "templateId", c->template_id)) != 0)
            return api_fail(ctx, ERR_INTERNAL, "Out of memory");
    }
    return 0;
}

/* Fills the page with the contact's cases after after_seq, in batches:
 * the page alone when every case is visible, else until it is full, the
 * cases run out or SCAN_MAX were looked at. */
static int fill_contact_page(request_ctx *ctx, const char *domain_id,
                             const char *arn, int64_t after,
                             contact_page *page)
{
    bool restricted = access_restricted(ctx, ACCESS_CASES_VIEW);
    int limit = restricted ? CONTACT_BATCH : (int)page->want;
    contact_batch b = {.arena = ctx->arena};

    for (int looked = 0;; looked += b.count) {
        int rc;
        if (looked >= SCAN_MAX) {
            page->cut = true;
            return 0;
        }
        b.count = 0;
        rc = store_contact_cases(ctx->db, &ctx->scope, domain_id, arn, after,
                                 limit, collect_case, &b);
        if (rc != STORE_OK)
            return api_store_failed(ctx, rc);
        if (keep_visible(ctx, domain_id, &b, page) != 0)
            return -1;
        if (b.count < limit || json_array_size(page->cases) >= page->want)
            return 0;
        after = page->scan_end = b.cases[b.count - 1].seq;
    }
}

/* Sets the nextToken of a full page (after its last entry) or of a walk
 * cut short (after the last case looked at). */
static int finish_contact_page(request_ctx *ctx, const char *listing,
                               contact_page *page, size_t max)
{
    if (json_array_size(page->cases) > max) {
        json_array_remove(page->cases, max);
        return api_page_finish(ctx, listing, ctx->output, page->seqs[max - 1]);
    }
    if (page->cut)
        return api_page_finish(ctx, listing, ctx->output, page->scan_end);
    return 0;
}

int related_contact_cases(request_ctx *ctx)
{
    const char *domain_id = api_input_str(ctx, "domainId");
    const char *arn = api_input_str(ctx, "contactArn");
    long long max = api_input_int(ctx, "maxResults", CONTACT_PAGE_MAX);
    const char *listing = arena_printf(ctx->arena, "%s|%s", domain_id, arn);
    contact_page page = {.cases = json_array()};
    int64_t after = 0;

    if (max < 1 || max > CONTACT_PAGE_MAX)
        max = CONTACT_PAGE_MAX;
    page.want = (size_t)max + 1;
    if (api_require_domain(ctx, domain_id) != 0 ||
        access_require(ctx, ACCESS_CASES_VIEW) != 0 ||
        api_page_start(ctx, listing, &after) != 0 ||
        fill_contact_page(ctx, domain_id, arn, after, &page) != 0)
        goto fail;
    ctx->output = json_object();
    if (finish_contact_page(ctx, listing, &page, (size_t)max) != 0)
        goto fail;
    json_object_set_new(ctx->output, "cases", page.cases);
    return 0;
fail:
    json_decref(page.cases);
    return -1;
}
