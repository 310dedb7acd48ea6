/* case_reply.c - the GetCase answer from the stored text (see case_reply.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "api/case_reply.h"
#include "util/jsonr.h"
#include "util/jsonw.h"

/* Domains hold at most a few hundred fields; a case with more members is
 * answered the slow way. */
#define MAX_MEMBERS 1024
/* Members read into stack space first: most cases hold a few dozen
 * values, and a large heap block per request costs more than the copy. */
#define STACK_MEMBERS 64

typedef struct {
    char *p;
    size_t len;
    size_t cap;
    bool failed;
} text_buf;

static void put(text_buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 512;
        char *p;
        while (cap < b->len + n + 1)
            cap *= 2;
        if (!(p = realloc(b->p, cap))) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void put_str(text_buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void put_json(text_buf *b, const json_t *v)
{
    size_t n;
    char *text = jsonw_dump_any(v, &n);

    if (!text) {
        b->failed = true;
        return;
    }
    put(b, text, n);
    free(text);
}

/* s as a JSON string: copied between quotes when no character in it needs
 * escaping (ids the server made), else through the writer. */
static void put_string(text_buf *b, const char *s)
{
    size_t n = 0;
    json_t *v;

    for (; s[n]; n++) {
        unsigned char c = (unsigned char)s[n];
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
            break;
    }
    if (!s[n]) {
        put_str(b, "\"");
        put(b, s, n);
        put_str(b, "\"");
        return;
    }
    if (!(v = json_string(s))) {
        b->failed = true;
        return;
    }
    put_json(b, v);
    json_decref(v);
}

/* Keys the writer escaped would need decoding before comparison. */
static bool keys_are_plain(const jsonr_member *m, int n)
{
    for (int i = 0; i < n; i++)
        if (memchr(m[i].key, '\\', m[i].key_len))
            return false;
    return true;
}

static int member_named(const jsonr_member *m, int n, const char *id)
{
    size_t len = strlen(id);

    for (int i = 0; i < n; i++)
        if (m[i].key_len == len && memcmp(m[i].key, id, len) == 0)
            return i;
    return -1;
}

static void put_fields(text_buf *b, const json_t *requested,
                       const jsonr_member *m, int n, bool *used)
{
    const json_t *item;
    size_t i;
    bool first = true;

    put_str(b, "{\"fields\":[");
    json_array_foreach(requested, i, item) {
        const json_t *id = json_object_get(item, "id");
        int at = json_is_string(id) ? member_named(m, n, json_string_value(id)) : -1;

        if (at < 0 || used[at])
            continue;
        used[at] = true;
        /* The key matched the id byte for byte and holds no escape
         * (keys_are_plain), so it is the id as the writer prints it. */
        put_str(b, first ? "{\"id\":\"" : ",{\"id\":\"");
        put(b, m[at].key, m[at].key_len);
        put_str(b, "\",\"value\":");
        put(b, m[at].value, m[at].value_len);
        put_str(b, "}");
        first = false;
    }
    put_str(b, "]");
}

/* The members of text into stack (STACK_MEMBERS entries) or, when there
 * are more, into *heap (the caller frees it); -1 as jsonr_members. */
static int read_members(const char *text, size_t text_len, jsonr_member *stack,
                        jsonr_member **heap, jsonr_member **m)
{
    int n = jsonr_members(text, text_len, stack, STACK_MEMBERS);

    *m = stack;
    if (n >= 0)
        return n;
    if (!(*heap = malloc(MAX_MEMBERS * sizeof **heap)))
        return -1;
    *m = *heap;
    return jsonr_members(text, text_len, *heap, MAX_MEMBERS);
}

char *case_reply_render(const json_t *requested, const char *text,
                        size_t text_len, const char *template_id,
                        const json_t *tags, size_t *len)
{
    jsonr_member stack[STACK_MEMBERS], *heap = NULL, *m;
    bool stack_used[STACK_MEMBERS] = {false}, *used = stack_used;
    text_buf b = {0};
    int n = read_members(text, text_len, stack, &heap, &m);

    if (n < 0 || !keys_are_plain(m, n) ||
        (n > STACK_MEMBERS && !(used = calloc((size_t)n, sizeof *used)))) {
        b.failed = true;
        goto cleanup;
    }
    put_fields(&b, requested, m, n, used);
    put_str(&b, ",\"templateId\":");
    put_string(&b, template_id ? template_id : "");
    put_str(&b, ",\"tags\":");
    put_json(&b, tags);
    put_str(&b, "}");
cleanup:
    free(heap);
    if (used != stack_used)
        free(used);
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
}
