/*
 * search.c - SearchCases.
 *
 * The request is compiled (case_filter.c) against the domain's fields,
 * deleted ones included, since their stored values still match; then the
 * store runs it as a keyset query.  Choices where AWS documents nothing
 * (cases-behaviour.md section 11):
 *  - Without sorts, cases come most recently updated first
 *    (last_updated_datetime Desc); the store breaks every tie by the case's
 *    insertion order, so the order is total and pages never overlap.
 *  - fields[] projects: an item carries, in the order asked and once each,
 *    the asked fields that have a value.  Ids the domain does not have are
 *    ignored, as no case can hold a value for them (a projection only
 *    reads; refusing it would fail requests AWS is not known to fail).
 *  - Results are strongly consistent: a case is searchable as soon as
 *    CreateCase returns (AWS indexes asynchronously).
 *
 * nextToken: the position is the JSON text [snapshot_seq, cursor], where
 * cursor is the store's keyset position after the last case of the page
 * and snapshot_seq the highest case seq when the first page ran, so a walk
 * over all pages returns each case that existed at its start exactly once,
 * however many are created meanwhile.  The token context holds the domain
 * and a SHA-256 of the query (filter, searchTerm, sorts), so a token is
 * refused by any other query; maxResults and fields may change between
 * pages.
 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/case_filter.h"
#include "api/values.h"
#include "auth/access.h"
#include "http/reply_cache.h"
#include "util/arn.h"
#include "util/jalloc.h"
#include "util/jsonr.h"
#include "util/jsonw.h"
#include "util/textbuf.h"

#define DEFAULT_MAX_RESULTS 25
#define FIELD_BATCH 500

/* --- the domain's fields -------------------------------------------------------- */

typedef struct {
    const char *id;   /* arena-owned */
    const char *type; /* arena-owned */
} field_entry;

typedef struct {
    arena *arena;
    field_entry *items; /* arena-owned, sorted by id once loaded */
    size_t count;
    size_t cap;
    int rows;         /* records seen in the current batch */
    int64_t last_seq; /* of the last record seen, to read the next batch */
} field_table;

static int field_cmp(const void *a, const void *b)
{
    return strcmp(((const field_entry *)a)->id, ((const field_entry *)b)->id);
}

/* Makes room for one more entry; the arena keeps the outgrown arrays. */
static int field_table_grow(field_table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    field_entry *items;

    if (t->count < t->cap)
        return 0;
    items = arena_alloc(t->arena, cap * sizeof *items);
    if (!items)
        return -1;
    if (t->count)
        memcpy(items, t->items, t->count * sizeof *items);
    t->items = items;
    t->cap = cap;
    return 0;
}

static int field_visit(const store_record *rec, void *arg)
{
    field_table *t = arg;
    const char *type = json_string_value(json_object_get(rec->doc, "type"));
    field_entry *e;

    t->rows++;
    t->last_seq = rec->seq;
    if (!type)
        return 0; /* not a field any filter could name */
    if (field_table_grow(t) != 0)
        return STORE_ERROR;
    e = &t->items[t->count];
    e->id = arena_strdup(t->arena, rec->id);
    e->type = arena_strdup(t->arena, type);
    if (!e->id || !e->type)
        return STORE_ERROR;
    t->count++;
    return 0;
}

/* Reads every field of the domain, deleted ones included, into t. */
static int read_fields(request_ctx *ctx, const char *domain_id, field_table *t)
{
    store_list_query q = {.include_deleted = true, .limit = FIELD_BATCH};

    for (;;) {
        int rc;
        t->rows = 0;
        rc = store_record_list(ctx->db, &ctx->scope, RES_FIELD, domain_id, &q,
                               field_visit, t);
        if (rc != STORE_OK)
            return api_store_failed(ctx, rc);
        if (t->rows < q.limit)
            break;
        q.after_seq = t->last_seq;
    }
    if (t->count)
        qsort(t->items, t->count, sizeof *t->items, field_cmp);
    return 0;
}

/*
 * The table travels through the reply cache flattened, "id\0type\0" per
 * field in table order.  Every field write retires it (see
 * http/reply_cache.h), so a search reads the fields from the store only
 * after one.
 */
static char *flatten_fields(const field_table *t, size_t *len)
{
    size_t n = 0;
    char *flat, *p;

    for (size_t i = 0; i < t->count; i++)
        n += strlen(t->items[i].id) + strlen(t->items[i].type) + 2;
    flat = p = malloc(n ? n : 1);
    for (size_t i = 0; flat && i < t->count; i++) {
        p = stpcpy(p, t->items[i].id) + 1;
        p = stpcpy(p, t->items[i].type) + 1;
    }
    *len = n;
    return flat;
}

/* Fills t from a flattened table (copied into the arena); -1 on failure. */
static int unflatten_fields(field_table *t, const char *flat, size_t len)
{
    char *copy = arena_alloc(t->arena, len ? len : 1);
    const char *p = copy, *end = copy + len;

    if (!copy)
        return -1;
    memcpy(copy, flat, len);
    while (p < end) {
        if (field_table_grow(t) != 0)
            return -1;
        t->items[t->count].id = p;
        p += strlen(p) + 1;
        if (p >= end)
            return -1;
        t->items[t->count].type = p;
        p += strlen(p) + 1;
        t->count++;
    }
    return 0;
}

/* Loads every field of the domain, deleted ones included, into t, from
 * the reply cache when it has them. */
static int load_fields(request_ctx *ctx, const char *domain_id, field_table *t)
{
    reply_cache *cache = ctx->app->replies;
    uint64_t epoch = reply_cache_epoch(cache);
    char *key = arena_concat(ctx->arena, "fields\n", ctx->scope.account, "\n",
                             ctx->scope.region, "\n", domain_id, (char *)NULL);
    size_t key_len = key ? strlen(key) : 0, len;
    char *flat = key ? reply_cache_get(cache, key, key_len, &len) : NULL;
    int rc;

    t->arena = ctx->arena;
    if (flat) {
        rc = unflatten_fields(t, flat, len);
        free(flat);
        return rc == 0 ? 0 : api_fail(ctx, ERR_INTERNAL, "Out of memory");
    }
    if (read_fields(ctx, domain_id, t) != 0)
        return -1;
    flat = key ? flatten_fields(t, &len) : NULL;
    if (flat)
        reply_cache_put(cache, key, key_len, epoch, flat, len);
    free(flat);
    return 0;
}

/* case_field_type_fn over a loaded field_table. */
static const char *field_type(void *ud, const char *field_id)
{
    const field_table *t = ud;
    field_entry key = {.id = field_id};
    const field_entry *e;

    if (!t->count)
        return NULL;
    e = bsearch(&key, t->items, t->count, sizeof *t->items, field_cmp);
    return e ? e->type : NULL;
}

/* --- the query ------------------------------------------------------------------ */

typedef struct {
    const char *domain_id;
    field_table fields;
    store_search_query q;
    json_t *after;           /* owned: the keyset position from nextToken */
    const char *listing;     /* token context beyond operation and scope */
    const char **projection; /* arena-owned, distinct ids in asked order */
    size_t projection_count;
    int max;
} search_request;

/*
 * The one place access control narrows a search: sets *out to the
 * condition the caller's access adds (NULL: none), which is ANDed with the
 * caller's filter, so cases the caller may not see never match, on any
 * page or in totalCount.  It is applied afresh on each page and kept out
 * of the token's digest, so a token never carries access with it.  The
 * condition is the caller's Cases.View grant (auth/access.h): an OR over
 * its tag-restricted security profiles of the AND of each one's tags.
 * Returns 0, or -1 with ctx's error set (403 without Cases.View).
 */
static int access_filter(request_ctx *ctx, search_node **out)
{
    return access_search_node(ctx, ctx->arena, ACCESS_CASES_VIEW, out);
}

static int compile_failed(request_ctx *ctx, int rc, const char *err)
{
    return api_fail(ctx, rc == CASE_FILTER_NOMEM ? ERR_INTERNAL : ERR_VALIDATION,
                    "%s", err);
}

/* Sets s->q.filter: the caller's filter and the access condition. */
static int compile_filter(request_ctx *ctx, const case_compiler *cc,
                          search_request *s)
{
    json_t *filter = json_object_get(ctx->input, "filter");
    search_node *root = NULL, *access = NULL;
    int rc;

    if (filter && (rc = case_filter_compile(cc, filter, &root)) != 0)
        return compile_failed(ctx, rc, cc->err);
    if (access_filter(ctx, &access) != 0)
        return -1;
    s->q.filter = case_filter_and(ctx->arena, root, access);
    /* Never search unrestricted because the restriction did not fit. */
    if (!s->q.filter && (root || access))
        return api_fail(ctx, ERR_INTERNAL, "Out of memory");
    return 0;
}

/* Sets s->q.sorts from input "sorts", or the default order. */
static int compile_sorts(request_ctx *ctx, const case_compiler *cc,
                         search_request *s)
{
    size_t i;
    json_t *sort;
    int rc;

    json_array_foreach(json_object_get(ctx->input, "sorts"), i, sort) {
        if (i >= SEARCH_MAX_SORTS)
            return api_fail(ctx, ERR_VALIDATION, "At most %d sorts are allowed",
                            SEARCH_MAX_SORTS);
        if ((rc = case_sort_compile(cc, sort, &s->q.sorts[i])) != 0)
            return compile_failed(ctx, rc, cc->err);
        s->q.sort_count++;
    }
    if (s->q.sort_count == 0)
        s->q.sorts[s->q.sort_count++] = (search_sort){
            .field_id = "last_updated_datetime", .descending = true};
    return 0;
}

static int compile_query(request_ctx *ctx, search_request *s)
{
    char err[512];
    case_compiler cc = {ctx->arena, field_type, &s->fields, err, sizeof err};

    if (compile_filter(ctx, &cc, s) != 0)
        return -1;
    return compile_sorts(ctx, &cc, s);
}

/* Collects the distinct field ids of input "fields" ([{id}]), in order. */
static int read_projection(request_ctx *ctx, search_request *s)
{
    json_t *fields = json_object_get(ctx->input, "fields");
    size_t n = json_array_size(fields), i, j;
    json_t *f;

    s->projection = arena_alloc(ctx->arena, (n ? n : 1) * sizeof *s->projection);
    if (!s->projection)
        return api_fail(ctx, ERR_INTERNAL, "Out of memory");
    json_array_foreach(fields, i, f) {
        const char *id = json_string_value(json_object_get(f, "id"));
        for (j = 0; id && j < s->projection_count; j++)
            if (strcmp(s->projection[j], id) == 0)
                break;
        if (id && j == s->projection_count)
            s->projection[s->projection_count++] = id;
    }
    return 0;
}

/* --- nextToken ------------------------------------------------------------------ */

/* Lower-case hex SHA-256 of text (arena-owned), or NULL. */
static char *sha256_hex(arena *a, const char *text)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    char *hex;

    if (!EVP_Digest(text, strlen(text), md, &len, EVP_sha256(), NULL))
        return NULL;
    hex = arena_alloc(a, 2 * len + 1);
    for (unsigned int i = 0; hex && i < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return hex;
}

/* The token context of this query: domain and a digest of what decides
 * which cases match and in what order. */
static int make_listing(request_ctx *ctx, search_request *s)
{
    json_t *query = json_pack("{s:O*, s:O*, s:O*}", "filter",
                              json_object_get(ctx->input, "filter"),
                              "searchTerm", json_object_get(ctx->input, "searchTerm"),
                              "sorts", json_object_get(ctx->input, "sorts"));
    char *text = query ? json_dumps(query, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    char *digest = text ? sha256_hex(ctx->arena, text) : NULL;

    jalloc_free(text); /* json_dumps allocates through jansson */
    json_decref(query);
    if (!digest)
        return api_fail(ctx, ERR_INTERNAL, "Cannot digest the query");
    s->listing = arena_printf(ctx->arena, "%s|%s|%s|%s|%s", ctx->route.op->name,
                              ctx->scope.account, ctx->scope.region,
                              s->domain_id, digest);
    return 0;
}

static int bad_token(request_ctx *ctx)
{
    return api_fail(ctx, ERR_VALIDATION,
                    "The nextToken is invalid or belongs to another request");
}

/* Reads input nextToken into s->q (snapshot and keyset position). */
static int read_token(request_ctx *ctx, search_request *s)
{
    const char *token = api_input_str(ctx, "nextToken");
    const char *position = NULL;
    json_t *pos, *snapshot;

    if (!token)
        return 0;
    if (token_decode(&ctx->app->tokens, ctx->arena, s->listing, token,
                     &position) != 0)
        return bad_token(ctx);
    pos = jsonr_parse(position, strlen(position), JSONR_JANSSON_DEPTH, NULL);
    snapshot = json_array_get(pos, 0);
    if (!json_is_array(pos) || json_array_size(pos) != 2 ||
        !json_is_integer(snapshot) || json_integer_value(snapshot) <= 0 ||
        !json_is_array(json_array_get(pos, 1))) {
        json_decref(pos);
        return bad_token(ctx);
    }
    s->q.snapshot_seq = json_integer_value(snapshot);
    s->after = json_incref(json_array_get(pos, 1));
    s->q.after = s->after;
    json_decref(pos);
    return 0;
}

/* The nextToken resuming after cursor within snapshot (arena), or NULL
 * (failed). */
static const char *write_token(request_ctx *ctx, const search_request *s,
                               int64_t snapshot, const json_t *cursor)
{
    json_t *pos = json_pack("[I, O]", (json_int_t)snapshot, (json_t *)cursor);
    char *text = pos ? jsonw_dump(pos, NULL) : NULL;
    char *token = text ? token_encode(&ctx->app->tokens, ctx->arena,
                                      s->listing, text)
                       : NULL;

    free(text);
    json_decref(pos);
    /* Only a sort on very long text values makes a position too long. */
    if (!token)
        api_fail(ctx, ERR_INTERNAL,
                 "The sort values of this page are too long to page past");
    return token;
}

/* --- running it ----------------------------------------------------------------- */

/*
 * The answer is written as JSON text while the store walks the page: the
 * projected values are copied from each case's stored text (which the same
 * JSON writer produced, so the bytes are those printing the parsed value
 * would give).  Building jansson values for every case only to print and
 * free them cost more than the search.
 */

/* One case of the page: its item up to the tags, or whole when the store
 * gave the tags with the case; else they are read after the walk, so the
 * store is not asked for them while it produces the page. */
typedef struct {
    char *head; /* {"caseId":…,"templateId":…,"fields":[…] (malloc'd) */
    size_t head_len;
    const char *case_id; /* arena */
    bool whole;          /* head ends with the tags and the closing brace */
} page_item;

typedef struct {
    request_ctx *ctx;
    const search_request *s;
    page_item *items; /* s->max entries */
    int count;
    json_t *cursor; /* owned: position after the last item kept */
    bool more;      /* a case beyond the page matched */
} search_walk;

/* Values of a case read without parsing the rest (more parse it whole). */
#define MEMBERS_ON_STACK 64

/* Whether a stored value, as its JSON text, is one a search leaves out
 * (value_is_blank): decided on the text when it can be, else parsed. */
static bool span_is_blank(const char *v, size_t n)
{
    static const char empty[] = "{\"emptyValue\"";
    static const char str[] = "{\"stringValue\":\"";
    json_t *parsed;
    bool blank;

    if (n >= sizeof empty - 1 && memcmp(v, empty, sizeof empty - 1) == 0)
        return true;
    if (n < sizeof str - 1 || memcmp(v, str, sizeof str - 1) != 0)
        return false;
    for (size_t i = sizeof str - 1; i < n; i++) {
        if (v[i] == '"')
            return true; /* only spaces before the closing quote */
        if (v[i] == '\\')
            break; /* an escape: let the parser decide */
        if (v[i] != ' ')
            return false;
    }
    parsed = jsonr_parse(v, n, JSONR_JANSSON_DEPTH, NULL);
    blank = value_is_blank(parsed);
    json_decref(parsed);
    return blank;
}

static void put_field(textbuf *b, bool *first, const char *id,
                      const char *value, size_t value_len)
{
    textbuf_puts(b, *first ? "{\"id\":" : ",{\"id\":");
    textbuf_put_string(b, id);
    textbuf_puts(b, ",\"value\":");
    textbuf_put(b, value, value_len);
    textbuf_puts(b, "}");
    *first = false;
}

/* The projected values from the members m of the stored text. */
static void put_projected_members(textbuf *b, const search_request *s,
                                  const jsonr_member *m, int n)
{
    bool first = true;

    for (size_t i = 0; i < s->projection_count; i++) {
        const char *id = s->projection[i];
        size_t len = strlen(id);
        for (int j = 0; j < n; j++) {
            if (m[j].key_len != len || memcmp(m[j].key, id, len) != 0)
                continue;
            if (!span_is_blank(m[j].value, m[j].value_len))
                put_field(b, &first, id, m[j].value, m[j].value_len);
            break;
        }
    }
}

/* The projected values from the parsed document, for stored text the
 * member reader cannot take: too many members, or a key with escapes. */
static void put_projected_parsed(textbuf *b, const search_request *s,
                                 const store_case *c)
{
    json_t *all = jsonr_parse(c->fields_text, c->fields_len,
                              JSONR_JANSSON_DEPTH, NULL);
    bool first = true;

    if (!all) {
        b->failed = true;
        return;
    }
    for (size_t i = 0; i < s->projection_count; i++) {
        const json_t *v = json_object_get(all, s->projection[i]);
        char *text;
        size_t len;
        if (!v || value_is_blank(v))
            continue;
        if (!(text = jsonw_dump(v, &len))) {
            b->failed = true;
            break;
        }
        put_field(b, &first, s->projection[i], text, len);
        free(text);
    }
    json_decref(all);
}

static void put_projected(textbuf *b, const search_request *s,
                          const store_case *c)
{
    jsonr_member m[MEMBERS_ON_STACK];
    int n = jsonr_members(c->fields_text, c->fields_len, m, MEMBERS_ON_STACK);
    bool plain = n >= 0;

    for (int i = 0; i < n && plain; i++)
        plain = memchr(m[i].key, '\\', m[i].key_len) == NULL;
    if (plain)
        put_projected_members(b, s, m, n);
    else
        put_projected_parsed(b, s, c);
}

/* store_search_cb: keeps the first s->max cases; one more tells that more
 * follow. */
static int search_visit(const store_case *c, const json_t *cursor, void *arg)
{
    search_walk *w = arg;
    page_item *item;
    textbuf b = {0};

    if (w->count >= w->s->max) {
        w->more = true;
        return 0;
    }
    item = &w->items[w->count];
    textbuf_puts(&b, "{\"caseId\":");
    textbuf_put_string(&b, c->case_id);
    textbuf_puts(&b, ",\"templateId\":");
    textbuf_put_string(&b, c->template_id);
    textbuf_puts(&b, ",\"fields\":[");
    put_projected(&b, w->s, c);
    textbuf_puts(&b, "]");
    if (c->tags_text) {
        textbuf_puts(&b, ",\"tags\":");
        textbuf_puts(&b, c->tags_text);
        textbuf_puts(&b, "}");
        item->whole = true;
    }
    item->case_id = arena_strdup(w->ctx->arena, c->case_id);
    item->head = textbuf_finish(&b, &item->head_len);
    if (!item->head || !item->case_id)
        return STORE_ERROR;
    w->count++;
    json_decref(w->cursor);
    w->cursor = json_deep_copy(cursor);
    return w->cursor ? 0 : STORE_ERROR;
}

/* Item i finished with the case's tags. */
static int put_item(request_ctx *ctx, const search_request *s, textbuf *b,
                    const page_item *item)
{
    char *arn;
    json_t *tags = NULL;
    int rc;

    if (item->whole) {
        textbuf_put(b, item->head, item->head_len);
        return 0;
    }
    arn = arn_format(ctx->arena, ARN_CASE, ctx->scope.region,
                     ctx->scope.account, s->domain_id, item->case_id, NULL);
    if (!arn)
        return api_fail(ctx, ERR_INTERNAL, "Out of memory");
    rc = store_tags_get(ctx->db, arn, &tags);
    if (rc != STORE_OK)
        return api_store_failed(ctx, rc);
    textbuf_put(b, item->head, item->head_len);
    textbuf_puts(b, ",\"tags\":");
    textbuf_put_json(b, tags);
    textbuf_puts(b, "}");
    json_decref(tags);
    return 0;
}

static int reply(request_ctx *ctx, const search_request *s, search_walk *w,
                 int64_t total, int64_t max_seq)
{
    int64_t snapshot = s->q.snapshot_seq ? s->q.snapshot_seq : max_seq;
    const char *token = NULL;
    textbuf b = {0};

    if (w->more && !(token = write_token(ctx, s, snapshot, w->cursor)))
        return -1;
    textbuf_puts(&b, "{\"cases\":[");
    for (int i = 0; i < w->count; i++) {
        if (i > 0)
            textbuf_puts(&b, ",");
        if (put_item(ctx, s, &b, &w->items[i]) != 0) {
            textbuf_discard(&b);
            return -1;
        }
    }
    textbuf_puts(&b, "],\"totalCount\":");
    textbuf_put_int(&b, total);
    if (token) {
        textbuf_puts(&b, ",\"nextToken\":");
        textbuf_put_string(&b, token);
    }
    textbuf_puts(&b, "}");
    ctx->reply_body = textbuf_finish(&b, &ctx->reply_len);
    return ctx->reply_body ? 0 : api_fail(ctx, ERR_INTERNAL, "Out of memory");
}

static int run_search(request_ctx *ctx, search_request *s)
{
    search_walk w = {.ctx = ctx, .s = s};
    int64_t total = 0, max_seq = 0;
    int rc;

    s->q.limit = s->max + 1;
    s->q.want_total = true;
    s->q.fields_as_text = true;
    w.items = calloc((size_t)s->max, sizeof *w.items);
    if (!w.items)
        return api_fail(ctx, ERR_INTERNAL, "Out of memory");
    rc = store_cases_search(ctx->db, &ctx->scope, &s->q, search_visit, &w,
                            &total, &max_seq);
    if (rc != STORE_OK)
        rc = ctx->error != ERR_NONE ? -1 : api_store_failed(ctx, rc);
    else
        rc = reply(ctx, s, &w, total, max_seq);
    for (int i = 0; i < w.count; i++)
        free(w.items[i].head);
    free(w.items);
    json_decref(w.cursor);
    return rc;
}

static int search_cases_in_snapshot(request_ctx *ctx)
{
    search_request s = {.domain_id = api_input_str(ctx, "domainId")};
    int rc = -1;

    s.max = (int)api_input_int(ctx, "maxResults", DEFAULT_MAX_RESULTS);
    s.q.domain_id = s.domain_id;
    s.q.search_term = api_input_str(ctx, "searchTerm");
    if (api_require_domain(ctx, s.domain_id) != 0 ||
        load_fields(ctx, s.domain_id, &s.fields) != 0 ||
        compile_query(ctx, &s) != 0 || read_projection(ctx, &s) != 0 ||
        make_listing(ctx, &s) != 0 || read_token(ctx, &s) != 0)
        goto cleanup;
    rc = run_search(ctx, &s);
cleanup:
    json_decref(s.after);
    return rc;
}

/* The page, its count and the tags of its cases are read in one snapshot,
 * which also spares a transaction per case for its tags. */
static int search_cases(request_ctx *ctx)
{
    int rc = store_read_begin(ctx->db);

    if (rc != STORE_OK)
        return api_store_failed(ctx, rc);
    rc = search_cases_in_snapshot(ctx);
    store_read_end(ctx->db);
    return rc;
}

const api_binding search_api[] = {
    {"SearchCases", search_cases},
    {NULL, NULL},
};
