/*
 * sqlite_index.c - files a new case in the search index (the tables of
 * migrations 003 and 005) from C.
 *
 * Until migration 012 the triggers cases_search_insert and
 * cases_count_insert did this in SQL.  They parsed the case's JSON five
 * times and found each field's search key by its five text columns: about
 * 0.9 M instructions per case, the largest single cost of a CreateCase,
 * paid on the single writer.  Here the values come from the json_t the
 * server already holds, and the keys from a cache on the connection.
 *
 * The rows must be exactly those the triggers wrote, because the triggers
 * that update and delete cases are still SQL: they recompute a case's
 * value rows and full-text body from its stored JSON.  So a value is bound
 * as json_each reads it back from the stored text (member_bind), and the
 * body joins the same members in the same order (add_body_member).
 *
 * No trigger follows the rows inserted into case_values (migration 015),
 * so the day counts of migration 009 are kept here too: a text value that
 * starts with a date counts its case under that day (count_days).
 *
 * The cases a key holds (search_keys.n) are counted once per batch: each
 * value row notes its key on the connection, and sq_index_flush, just
 * before COMMIT, adds up the notes with one UPDATE per key.  An UPDATE of
 * the keys per case cost about as much as all the rest of its index.
 *
 * The key cache.  A search key's number never changes once committed
 * (keys are never removed), but a key created in a transaction that rolls
 * back is gone, and its number is handed out again to the next new key.
 * The cache is therefore emptied whenever the connection rolls back: by
 * SQLite's rollback hook for a transaction, and by
 * sq_index_request_rollback after a ROLLBACK TO, which also drops the
 * notes the request made.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite_internal.h"
#include "util/textbuf.h"

enum index_stmt {
    IX_KEY_FIND,
    IX_KEY_ADD,
    IX_BODY_QUEUE,
    IX_KEY_COUNT,
    IX__COUNT
};

/* A case's value rows go in with one statement per ROWS_PER_STMT rows, and
 * its options and days are counted the same way: a statement of its own
 * per row cost more than the row.  The statements for n rows sit in slot
 * n - 1 of each range.
 *
 * They are INSERT OR FAIL: a statement of several rows that may abort
 * halfway gets a statement journal from SQLite, which copies every page the
 * statement changes that the batch had changed before, to undo the
 * statement alone.  No caller needs that: a failure here fails the whole
 * request, which its savepoint or the batch's rollback undoes. */
#define ROWS_PER_STMT 16
#define IX_SLOT_ROWS (SQ_SLOTS_INDEX + IX__COUNT)
#define IX_SLOT_OPTIONS (IX_SLOT_ROWS + ROWS_PER_STMT)
#define IX_SLOT_DAYS (IX_SLOT_OPTIONS + ROWS_PER_STMT)

static const char *const index_sql[IX__COUNT] = {
    [IX_KEY_FIND] =
        "SELECT kkey FROM search_keys WHERE account = ?1 AND region = ?2 "
        "AND domain_id = ?3 AND kind = ?4 AND name = ?5",
    [IX_KEY_ADD] =
        "INSERT INTO search_keys (account, region, domain_id, kind, name) "
        "VALUES (?1, ?2, ?3, ?4, ?5)",
    [IX_BODY_QUEUE] =
        "INSERT INTO case_fts_queue (op, rid, body) VALUES (NULL, ?1, ?2)",
    [IX_KEY_COUNT] = "UPDATE search_keys SET n = n + ?2 WHERE kkey = ?1",
};

_Static_assert(IX__COUNT + 3 * ROWS_PER_STMT <= 64,
               "index statements overflow their slots");

static sqlite3_stmt *stmt(sqlite_conn *c, enum index_stmt id)
{
    return sq_stmt(c, SQ_SLOTS_INDEX + id, index_sql[id]);
}

/* The text of the statements for 1 to ROWS_PER_STMT rows, written once. */
static char rows_sql[ROWS_PER_STMT][96 + ROWS_PER_STMT * 16];
/* A stringValue is counted only when it is one of its field's options. */
static char options_sql[ROWS_PER_STMT][320 + ROWS_PER_STMT * 24];
static char days_sql[ROWS_PER_STMT][160 + ROWS_PER_STMT * 32];
static pthread_once_t sql_once = PTHREAD_ONCE_INIT;

static void write_options_sql(char *out, int n)
{
    int len = sprintf(out, "INSERT OR FAIL INTO search_counts (kkey, val, n) "
                           "SELECT v.column1, v.column2, 1 FROM (VALUES ");

    for (int i = 0; i < n; i++)
        len += sprintf(out + len, "%s(?%d, ?%d, ?%d)", i ? ", " : "",
                       4 + 3 * i, 5 + 3 * i, 6 + 3 * i);
    sprintf(out + len, ") v WHERE EXISTS (SELECT 1 FROM field_options o "
                       "WHERE o.account = ?1 AND o.region = ?2 "
                       "AND o.domain_id = ?3 AND o.field_id = v.column3 "
                       "AND o.value = v.column2) "
                       "ON CONFLICT DO UPDATE SET n = n + 1");
}

static void write_days_sql(char *out, int n)
{
    int len = sprintf(out, "INSERT OR FAIL INTO search_day_counts (kkey, day, n) "
                           "VALUES ");

    for (int i = 0; i < n; i++)
        len += sprintf(out + len, "%s(?%d, substr(?%d, 1, 10), 1)",
                       i ? ", " : "", 1 + 2 * i, 2 + 2 * i);
    sprintf(out + len, " ON CONFLICT DO UPDATE SET n = n + 1");
}

static void write_sql(void)
{
    for (int n = 1; n <= ROWS_PER_STMT; n++) {
        char *rows = rows_sql[n - 1];
        int r = sprintf(rows, "INSERT OR FAIL INTO case_values (case_seq, kkey, val) "
                              "VALUES ");
        for (int i = 0; i < n; i++)
            r += sprintf(rows + r, "%s(?1, ?%d, ?%d)", i ? ", " : "",
                         2 + 2 * i, 3 + 2 * i);
        write_options_sql(options_sql[n - 1], n);
        write_days_sql(days_sql[n - 1], n);
    }
}

static sqlite3_stmt *rows_stmt(sqlite_conn *c, int n)
{
    pthread_once(&sql_once, write_sql);
    return sq_stmt(c, IX_SLOT_ROWS + n - 1, rows_sql[n - 1]);
}

static sqlite3_stmt *options_stmt(sqlite_conn *c, int n)
{
    pthread_once(&sql_once, write_sql);
    return sq_stmt(c, IX_SLOT_OPTIONS + n - 1, options_sql[n - 1]);
}

static sqlite3_stmt *days_stmt(sqlite_conn *c, int n)
{
    pthread_once(&sql_once, write_sql);
    return sq_stmt(c, IX_SLOT_DAYS + n - 1, days_sql[n - 1]);
}

/* --- the key cache ---------------------------------------------------------------- */

#define KEY_SLOTS 1024 /* power of two */
/* Emptied when this full: a store with more keys than that pays lookups. */
#define KEY_LOAD_MAX (KEY_SLOTS * 3 / 4)
/* account, region, domain id, kind and name, NUL-separated */
#define KEY_TEXT_MAX 1024

typedef struct {
    uint64_t hash;
    char *text; /* NULL: empty slot */
    size_t len;
    int64_t kkey;
} key_slot;

struct sq_index_state {
    key_slot slots[KEY_SLOTS];
    int used;
    /* a key per value row written in the transaction, not yet counted in
     * search_keys.n; the current request's notes start at request_mark */
    int64_t *noted;
    size_t noted_len, noted_cap, request_mark;
};

static void forget_keys(sq_index_state *ix)
{
    if (ix->used == 0)
        return;
    for (int i = 0; i < KEY_SLOTS; i++) {
        free(ix->slots[i].text);
        ix->slots[i] = (key_slot){0};
    }
    ix->used = 0;
}

void sq_index_request_begin(sqlite_conn *c)
{
    if (c->index)
        c->index->request_mark = c->index->noted_len;
}

void sq_index_request_rollback(sqlite_conn *c)
{
    if (!c->index)
        return;
    forget_keys(c->index);
    c->index->noted_len = c->index->request_mark;
}

static void rollback_hook(void *arg)
{
    sqlite_conn *c = arg;

    if (!c->index)
        return;
    forget_keys(c->index);
    c->index->noted_len = c->index->request_mark = 0;
}

void sq_index_attach(sqlite_conn *c)
{
    sqlite3_rollback_hook(c->db, rollback_hook, c);
}

void sq_index_free(sqlite_conn *c)
{
    if (!c->index)
        return;
    forget_keys(c->index);
    free(c->index->noted);
    free(c->index);
    c->index = NULL;
}

static sq_index_state *index_state(sqlite_conn *c)
{
    if (!c->index)
        c->index = calloc(1, sizeof *c->index);
    return c->index;
}

/* Eight bytes a step: a key's text is about a hundred bytes, fifteen
 * keys a case, and hashed a byte a step (FNV-1a) it took 2.4% of the
 * writer's time under CreateCase load. */
static uint64_t hash_text(const char *text, size_t len)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ len, word;
    size_t i = 0;

    for (; i + sizeof word <= len; i += sizeof word) {
        memcpy(&word, text + i, sizeof word);
        h = (h ^ word) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    word = 0;
    memcpy(&word, text + i, len - i);
    h = (h ^ word) * 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 29);
}

static key_slot *slot_for(sq_index_state *ix, uint64_t hash, const char *text,
                          size_t len)
{
    for (size_t i = hash & (KEY_SLOTS - 1);; i = (i + 1) & (KEY_SLOTS - 1)) {
        key_slot *s = &ix->slots[i];
        if (!s->text || (s->hash == hash && s->len == len &&
                         !memcmp(s->text, text, len)))
            return s;
    }
}

static void cache_put(sqlite_conn *c, uint64_t hash, const char *text,
                      size_t len, int64_t kkey)
{
    sq_index_state *ix = index_state(c);
    key_slot *s;
    char *copy;

    if (!ix)
        return;
    if (ix->used >= KEY_LOAD_MAX)
        forget_keys(ix);
    s = slot_for(ix, hash, text, len);
    if (s->text || !(copy = malloc(len)))
        return;
    memcpy(copy, text, len);
    *s = (key_slot){.hash = hash, .text = copy, .len = len, .kkey = kkey};
    ix->used++;
}

/* Appends s and a NUL at *len; false when out is full. */
static bool key_part(char *out, size_t *len, const char *s)
{
    size_t n = strlen(s) + 1;

    if (*len + n > KEY_TEXT_MAX)
        return false;
    memcpy(out + *len, s, n);
    *len += n;
    return true;
}

/* The key's text for the cache (its parts NUL-separated); 0 when it is
 * too long to be cached.  Built by hand: snprintf cost more than the
 * lookup. */
static size_t key_text(char *out, const store_scope *scope,
                       const char *domain_id, int kind, const char *name)
{
    size_t len = 0;
    char kind_text[2] = {(char)('0' + kind), '\0'};

    if (key_part(out, &len, scope->account) &&
        key_part(out, &len, scope->region) && key_part(out, &len, domain_id) &&
        key_part(out, &len, kind_text) && key_part(out, &len, name))
        return len;
    return 0;
}

static int key_from_sql(sqlite_conn *c, const store_scope *scope,
                        const char *domain_id, int kind, const char *name,
                        int64_t *kkey)
{
    sqlite3_stmt *s = stmt(c, IX_KEY_FIND);
    int status;

    if (!s)
        return STORE_ERROR;
    sq_bind_scope(s, scope);
    sq_bind_text(s, 3, domain_id);
    sqlite3_bind_int(s, 4, kind);
    sq_bind_text(s, 5, name);
    status = sq_step_int64(c, s, kkey, "find search key");
    if (status != STORE_NOT_FOUND)
        return status;
    if (!(s = stmt(c, IX_KEY_ADD)))
        return STORE_ERROR;
    sq_bind_scope(s, scope);
    sq_bind_text(s, 3, domain_id);
    sqlite3_bind_int(s, 4, kind);
    sq_bind_text(s, 5, name);
    status = sq_run(c, s, "add search key");
    if (status == STORE_OK)
        *kkey = sqlite3_last_insert_rowid(c->db);
    return status;
}

/* The number of the search key (kind, name) of the domain, created when
 * the domain has none yet. */
static int key_of(sqlite_conn *c, const store_scope *scope,
                  const char *domain_id, int kind, const char *name,
                  int64_t *kkey)
{
    char text[KEY_TEXT_MAX];
    size_t len = key_text(text, scope, domain_id, kind, name);
    uint64_t hash = hash_text(text, len);
    int status;

    if (len && c->index) {
        key_slot *s = slot_for(c->index, hash, text, len);
        if (s->text) {
            *kkey = s->kkey;
            return STORE_OK;
        }
    }
    status = key_from_sql(c, scope, domain_id, kind, name, kkey);
    if (status == STORE_OK && len)
        cache_put(c, hash, text, len, *kkey);
    return status;
}

/* --- a new case's rows -------------------------------------------------------------- */

/* The members of a value union that case_values holds and, of those, the
 * ones the full text reads (as the update and delete triggers do). */
static bool member_is_indexed(const char *name)
{
    return !strcmp(name, "stringValue") || !strcmp(name, "doubleValue") ||
           !strcmp(name, "booleanValue") || !strcmp(name, "userArnValue");
}

static bool member_is_text(const char *name)
{
    return !strcmp(name, "stringValue") || !strcmp(name, "userArnValue");
}

/* Binds v as json_each reads it back from the stored JSON: text, an
 * integer or a real as written, 1 or 0 for a boolean, NULL for null.
 * Returns false for a container, which no validated value holds. */
static bool member_bind(sqlite3_stmt *s, int i, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        sqlite3_bind_text(s, i, json_string_value(v), (int)json_string_length(v),
                          SQLITE_STATIC);
        return true;
    case JSON_INTEGER:
        sqlite3_bind_int64(s, i, json_integer_value(v));
        return true;
    case JSON_REAL:
        sqlite3_bind_double(s, i, json_real_value(v));
        return true;
    case JSON_TRUE:
    case JSON_FALSE:
        sqlite3_bind_int(s, i, json_is_true(v));
        return true;
    case JSON_NULL:
        sqlite3_bind_null(s, i);
        return true;
    default:
        return false;
    }
}

/* Adds a text member to the full-text body as group_concat(value, ' ')
 * would: NULLs left out.  Returns false for any other type, whose text
 * SQLite would format its own way. */
static bool add_body_member(textbuf *body, bool *any, const json_t *v)
{
    if (json_is_null(v))
        return true;
    if (!json_is_string(v))
        return false;
    if (*any)
        textbuf_put(body, " ", 1);
    textbuf_put(body, json_string_value(v), json_string_length(v));
    *any = true;
    return true;
}

/* Whether v is text that migration 009's GLOB
 * '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*' matches. */
static bool starts_with_date(const json_t *v)
{
    static const char shape[] = "dddd-dd-ddT";
    const char *text = json_string_value(v);

    if (!text || json_string_length(v) < sizeof shape - 1)
        return false;
    for (size_t i = 0; i < sizeof shape - 1; i++)
        if (shape[i] == 'd' ? text[i] < '0' || text[i] > '9'
                            : text[i] != shape[i])
            return false;
    return true;
}

/* One value row of the new case: the key and the member filed under it
 * (NULL: the domain's row, whose value is NULL). */
typedef struct {
    int64_t kkey;
    const json_t *value;
    const char *field_id; /* for an option candidate */
} value_row;

typedef struct {
    sqlite_conn *c;
    const store_scope *scope;
    const char *domain_id;
    int64_t seq;
    value_row *rows;
    int row_count;
    /* stringValues, which may be options: of every field but those in
     * plain, whose options no lookup need find */
    const json_t *plain;
    value_row *options;
    int option_count;
    value_row *days; /* rows whose value starts with a date */
    int day_count;
} new_case;

/* Notes that a value row under kkey was written (see sq_index_flush). */
static bool note_key(sqlite_conn *c, int64_t kkey)
{
    sq_index_state *ix = index_state(c);

    if (!ix)
        return false;
    if (ix->noted_len == ix->noted_cap) {
        size_t cap = ix->noted_cap ? 2 * ix->noted_cap : 256;
        int64_t *noted = realloc(ix->noted, cap * sizeof *noted);
        if (!noted)
            return false;
        ix->noted = noted;
        ix->noted_cap = cap;
    }
    ix->noted[ix->noted_len++] = kkey;
    return true;
}

static int cmp_kkey(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int sq_index_flush(sqlite_conn *c)
{
    sq_index_state *ix = c->index;
    int status = STORE_OK;

    if (!ix || ix->noted_len == 0)
        return STORE_OK;
    qsort(ix->noted, ix->noted_len, sizeof *ix->noted, cmp_kkey);
    for (size_t i = 0, run; status == STORE_OK && i < ix->noted_len; i += run) {
        sqlite3_stmt *s = stmt(c, IX_KEY_COUNT);
        for (run = 1; i + run < ix->noted_len &&
                      ix->noted[i + run] == ix->noted[i]; run++)
            ;
        if (!s)
            return STORE_ERROR;
        sqlite3_bind_int64(s, 1, ix->noted[i]);
        sqlite3_bind_int64(s, 2, (int64_t)run);
        status = sq_run(c, s, "count search keys");
    }
    ix->noted_len = ix->request_mark = 0;
    return status;
}

/* Inserts rows[0..n) and notes the case under each row's key. */
static int add_rows(const new_case *nc, const value_row *rows, int n)
{
    sqlite3_stmt *s = rows_stmt(nc->c, n);
    int status;

    if (!s)
        return STORE_ERROR;
    sqlite3_bind_int64(s, 1, nc->seq);
    for (int i = 0; i < n; i++) {
        sqlite3_bind_int64(s, 2 + 2 * i, rows[i].kkey);
        if (rows[i].value && !member_bind(s, 3 + 2 * i, rows[i].value)) {
            sq_done(s);
            fprintf(stderr, "sqlite: case %lld holds a value that is not a "
                            "scalar\n", (long long)nc->seq);
            return STORE_ERROR;
        }
    }
    if ((status = sq_run(nc->c, s, "index case values")) != STORE_OK)
        return status;
    for (int i = 0; i < n; i++)
        if (!note_key(nc->c, rows[i].kkey))
            return STORE_ERROR;
    return STORE_OK;
}

/* Counts days[0..n) under their keys and days. */
static int count_days(const new_case *nc, const value_row *days, int n)
{
    sqlite3_stmt *s = days_stmt(nc->c, n);

    if (!s)
        return STORE_ERROR;
    for (int i = 0; i < n; i++) {
        sqlite3_bind_int64(s, 1 + 2 * i, days[i].kkey);
        member_bind(s, 2 + 2 * i, days[i].value);
    }
    return sq_run(nc->c, s, "count days");
}

/* Counts options[0..n) that are options of their fields. */
static int count_options(const new_case *nc, const value_row *options, int n)
{
    sqlite3_stmt *s = options_stmt(nc->c, n);

    if (!s)
        return STORE_ERROR;
    sq_bind_scope(s, nc->scope);
    sq_bind_text(s, 3, nc->domain_id);
    for (int i = 0; i < n; i++) {
        sqlite3_bind_int64(s, 4 + 3 * i, options[i].kkey);
        member_bind(s, 5 + 3 * i, options[i].value);
        sq_bind_text(s, 6 + 3 * i, options[i].field_id);
    }
    return sq_run(nc->c, s, "count field options");
}

/* One field's value union: its first indexed member becomes the field's
 * row, its text members go into the body, a stringValue may be one of the
 * field's options. */
static int index_field(new_case *nc, const char *field_id,
                       const json_t *value, textbuf *body, bool *any_text)
{
    int64_t kkey;
    bool has_row = false;
    const char *member;
    json_t *v;
    int status = key_of(nc->c, nc->scope, nc->domain_id, SQ_KEY_FIELD,
                        field_id, &kkey);

    if (status != STORE_OK)
        return status;
    json_object_foreach((json_t *)value, member, v) {
        if (!member_is_indexed(member))
            continue;
        if (member_is_text(member) && !add_body_member(body, any_text, v))
            goto not_text;
        if (!has_row) {
            nc->rows[nc->row_count++] = (value_row){kkey, v, NULL};
            if (starts_with_date(v))
                nc->days[nc->day_count++] = (value_row){kkey, v, NULL};
            has_row = true;
        }
        if (!strcmp(member, "stringValue") &&
            !(nc->plain && json_object_get(nc->plain, field_id)))
            nc->options[nc->option_count++] = (value_row){kkey, v, field_id};
    }
    return STORE_OK;
not_text:
    fprintf(stderr, "sqlite: field %s of case %lld has a text member that "
                    "is not a string\n", field_id, (long long)nc->seq);
    return STORE_ERROR;
}

static int queue_body(const new_case *nc, textbuf *body, bool any_text)
{
    sqlite3_stmt *s = stmt(nc->c, IX_BODY_QUEUE);
    size_t len = 0;
    char *text = any_text ? textbuf_finish(body, &len) : NULL;
    int status = STORE_ERROR;

    if (!s || (any_text && !text))
        goto cleanup;
    sqlite3_bind_int64(s, 1, nc->seq);
    if (text)
        sqlite3_bind_text(s, 2, text, (int)len, SQLITE_STATIC);
    status = sq_run(nc->c, s, "queue case text");
cleanup:
    free(text);
    return status;
}

int sq_index_case_insert(sqlite_conn *c, const store_scope *scope,
                         const char *domain_id, int64_t seq,
                         const json_t *fields, const json_t *plain)
{
    /* a row per field and the domain's, and an option candidate per
     * field at most: only a stringValue is one, and a union has one
     * member of a name (+1: malloc(0) may return NULL) */
    size_t field_count = json_object_size(fields);
    value_row *rows = malloc((field_count + 1) * sizeof *rows);
    value_row *options = malloc((field_count + 1) * sizeof *options);
    value_row *days = malloc((field_count + 1) * sizeof *days);
    new_case nc = {c, scope, domain_id, seq, rows, 1, plain, options, 0,
                   days, 0};
    textbuf body = {0};
    bool any_text = false;
    const char *field_id;
    json_t *value;
    int status = rows && options && days ? STORE_OK : STORE_ERROR;

    /* about what a case's text members take, so the body seldom grows */
    textbuf_reserve(&body, 512);
    if (status == STORE_OK)
        status = key_of(c, scope, domain_id, SQ_KEY_DOMAIN, "", &rows[0].kkey);
    if (rows)
        rows[0].value = NULL;
    json_object_foreach((json_t *)fields, field_id, value) {
        if (status != STORE_OK)
            break;
        status = index_field(&nc, field_id, value, &body, &any_text);
    }
    for (int i = 0; status == STORE_OK && i < nc.row_count; i += ROWS_PER_STMT) {
        int n = nc.row_count - i;
        status = add_rows(&nc, rows + i, n < ROWS_PER_STMT ? n : ROWS_PER_STMT);
    }
    for (int i = 0; status == STORE_OK && i < nc.option_count;
         i += ROWS_PER_STMT) {
        int n = nc.option_count - i;
        status = count_options(&nc, options + i,
                               n < ROWS_PER_STMT ? n : ROWS_PER_STMT);
    }
    for (int i = 0; status == STORE_OK && i < nc.day_count; i += ROWS_PER_STMT) {
        int n = nc.day_count - i;
        status = count_days(&nc, days + i, n < ROWS_PER_STMT ? n : ROWS_PER_STMT);
    }
    if (status == STORE_OK)
        status = queue_body(&nc, &body, any_text);
    /* Outside a transaction nobody flushes before a COMMIT. */
    if (status == STORE_OK && sqlite3_get_autocommit(c->db))
        status = sq_index_flush(c);
    textbuf_discard(&body);
    free(rows);
    free(options);
    free(days);
    return status;
}
