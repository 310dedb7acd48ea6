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
        put_str(b, first ? "{\"id\":" : ",{\"id\":");
        put_json(b, id);
        put_str(b, ",\"value\":");
        put(b, m[at].value, m[at].value_len);
        put_str(b, "}");
        first = false;
    }
    put_str(b, "]");
}

char *case_reply_render(const json_t *requested, const char *text,
                        size_t text_len, const char *template_id,
                        const json_t *tags, size_t *len)
{
    jsonr_member *m = malloc(MAX_MEMBERS * sizeof *m);
    bool *used = NULL;
    json_t *template = json_string(template_id ? template_id : "");
    text_buf b = {0};
    int n = m ? jsonr_members(text, text_len, m, MAX_MEMBERS) : -1;

    if (n < 0 || !keys_are_plain(m, n) || !template ||
        !(used = calloc((size_t)n + 1, sizeof *used))) {
        b.failed = true;
        goto cleanup;
    }
    put_fields(&b, requested, m, n, used);
    put_str(&b, ",\"templateId\":");
    put_json(&b, template);
    put_str(&b, ",\"tags\":");
    put_json(&b, tags);
    put_str(&b, "}");
cleanup:
    free(m);
    free(used);
    json_decref(template);
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
}
