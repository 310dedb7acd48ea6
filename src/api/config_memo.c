/* config_memo.c - configuration records kept per thread per version. */
#include "api/config_memo.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/jalloc.h"

/* Enough for a template, every field a request may set and its rules. */
#define MEMO_RECORDS 48
#define MEMO_KEY_MAX 1024

typedef struct {
    char *key; /* what, account, region, domain, id(s); NULL when empty */
    size_t key_len;
    bool found;       /* false: the store had no such record or option */
    store_record rec; /* a record: name and doc malloc'd; ids unused */
    store_option opt; /* an option: name malloc'd; value unused */
} memo_entry;

typedef struct {
    int64_t version;
    unsigned victim; /* the entry replaced next, round robin */
    memo_entry entry[MEMO_RECORDS];
} memo;

static pthread_once_t memo_once = PTHREAD_ONCE_INIT;
static pthread_key_t memo_key;
static bool memo_key_ok;
static _Thread_local memo *my_memo;

static void entry_clear(memo_entry *e)
{
    free(e->key);
    free((char *)e->rec.name);
    free((char *)e->opt.name);
    json_decref(e->rec.doc); /* malloc'd: jalloc frees it as such */
    memset(e, 0, sizeof *e);
}

static void memo_clear(memo *m)
{
    for (int i = 0; i < MEMO_RECORDS; i++)
        entry_clear(&m->entry[i]);
    m->victim = 0;
}

/* At thread exit. */
static void memo_free(void *p)
{
    memo *m = p;

    if (!m)
        return;
    if (my_memo == m)
        my_memo = NULL;
    memo_clear(m);
    free(m);
}

static void make_memo_key(void)
{
    memo_key_ok = pthread_key_create(&memo_key, memo_free) == 0;
}

/* This thread's memo, made on first use; NULL when it cannot be. */
static memo *thread_memo(void)
{
    memo *m = my_memo;

    if (m)
        return m;
    pthread_once(&memo_once, make_memo_key);
    if (!memo_key_ok || !(m = calloc(1, sizeof *m)))
        return NULL;
    if (pthread_setspecific(memo_key, m) != 0) {
        free(m);
        return NULL;
    }
    my_memo = m;
    return m;
}

/* what (a record's kind, or OPTION_KEY) and the parts NUL-separated into
 * buf; the length, or 0 when they do not fit. */
#define OPTION_KEY 'o'
static size_t make_key(char *buf, char what, const char *const *parts,
                       size_t count)
{
    size_t len = 1;

    buf[0] = what;
    for (size_t i = 0; i < count; i++) {
        size_t n = strlen(parts[i]);
        if (len + n + 1 > MEMO_KEY_MAX)
            return 0;
        buf[len++] = '\0';
        memcpy(buf + len, parts[i], n);
        len += n;
    }
    return len;
}

/* This thread's memo, emptied unless it holds version; NULL without one. */
static memo *memo_at(int64_t version)
{
    memo *m = thread_memo();

    if (m && m->version != version) {
        memo_clear(m);
        m->version = version;
    }
    return m;
}

static memo_entry *find(memo *m, const char *key, size_t len)
{
    for (int i = 0; i < MEMO_RECORDS; i++) {
        memo_entry *e = &m->entry[i];
        if (e->key && e->key_len == len && memcmp(e->key, key, len) == 0)
            return e;
    }
    return NULL;
}

/* A kept record for the caller: strings from a, the doc shared. */
static int answer(const memo_entry *e, resource_kind kind,
                  const char *domain_id, const char *id, arena *a,
                  store_record *out)
{
    if (!e->found)
        return STORE_NOT_FOUND;
    *out = e->rec;
    out->kind = kind;
    out->domain_id = domain_id ? arena_strdup(a, domain_id) : NULL;
    out->id = arena_strdup(a, id);
    out->name = e->rec.name ? arena_strdup(a, e->rec.name) : NULL;
    if (!out->id)
        return STORE_ERROR;
    out->doc = json_incref(e->rec.doc);
    return STORE_OK;
}

/* The entry to fill next, emptied, holding key; NULL when out of memory. */
static memo_entry *fresh_entry(memo *m, const char *key, size_t len)
{
    memo_entry *e = &m->entry[m->victim];

    m->victim = (m->victim + 1) % MEMO_RECORDS;
    entry_clear(e);
    if (!(e->key = malloc(len)))
        return NULL;
    memcpy(e->key, key, len);
    e->key_len = len;
    return e;
}

/* Keeps what the store answered, in malloc'd copies; a copy that cannot be
 * made leaves the record unkept. */
static void keep(memo *m, const char *key, size_t len, int rc,
                 const store_record *rec)
{
    memo_entry *e = fresh_entry(m, key, len);
    arena *before = jalloc_use(NULL);

    if (e && (e->found = rc == STORE_OK)) {
        e->rec = *rec;
        e->rec.domain_id = e->rec.id = NULL;
        e->rec.name = rec->name ? strdup(rec->name) : NULL;
        e->rec.doc = rec->doc ? json_deep_copy(rec->doc) : NULL;
        if ((rec->name && !e->rec.name) || (rec->doc && !e->rec.doc))
            entry_clear(e);
    }
    jalloc_use(before);
}

int config_memo_record(store_conn *conn, const store_scope *scope,
                       int64_t version, resource_kind kind,
                       const char *domain_id, const char *id, arena *a,
                       store_record *out)
{
    const char *parts[] = {scope->account, scope->region,
                           domain_id ? domain_id : "", id};
    char key[MEMO_KEY_MAX];
    memo *m = id ? memo_at(version) : NULL;
    size_t len = m ? make_key(key, (char)('A' + (int)kind), parts, 4) : 0;
    memo_entry *e;
    int rc;

    if (len == 0)
        return store_record_get(conn, scope, kind, domain_id, id, a, out);
    if ((e = find(m, key, len)) != NULL)
        return answer(e, kind, domain_id, id, a, out);
    rc = store_record_get(conn, scope, kind, domain_id, id, a, out);
    if (rc == STORE_OK || rc == STORE_NOT_FOUND)
        keep(m, key, len, rc, out);
    return rc;
}

int config_memo_option(store_conn *conn, const store_scope *scope,
                       int64_t version, const char *domain_id,
                       const char *field_id, const char *value, arena *a,
                       store_option *out)
{
    const char *parts[] = {scope->account, scope->region, domain_id,
                           field_id, value};
    char key[MEMO_KEY_MAX];
    memo *m = domain_id && field_id && value ? memo_at(version) : NULL;
    size_t len = m ? make_key(key, OPTION_KEY, parts, 5) : 0;
    memo_entry *e;
    int rc;

    if (len == 0)
        return store_option_get(conn, scope, domain_id, field_id, value, a,
                                out);
    if ((e = find(m, key, len)) != NULL) {
        if (!e->found)
            return STORE_NOT_FOUND;
        *out = e->opt;
        out->value = arena_strdup(a, value);
        out->name = e->opt.name ? arena_strdup(a, e->opt.name) : NULL;
        return out->value ? STORE_OK : STORE_ERROR;
    }
    rc = store_option_get(conn, scope, domain_id, field_id, value, a, out);
    if ((rc == STORE_OK || rc == STORE_NOT_FOUND) &&
        (e = fresh_entry(m, key, len)) != NULL &&
        (e->found = rc == STORE_OK)) {
        e->opt = *out;
        e->opt.value = NULL;
        if (out->name && !(e->opt.name = strdup(out->name)))
            entry_clear(e);
    }
    return rc;
}
