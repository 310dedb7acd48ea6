/* case_reply.c - the GetCase answer from the stored text (see case_reply.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "api/case_reply.h"
#include "util/jsonr.h"
#include "util/textbuf.h"

/* Domains hold at most a few hundred fields; a case with more members is
 * answered the slow way. */
#define MAX_MEMBERS 1024
/* Members read into stack space first: most cases hold a few dozen
 * values, and a large heap block per request costs more than the copy. */
#define STACK_MEMBERS 64

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

static void put_fields(textbuf *b, const json_t *requested,
                       const jsonr_member *m, int n, bool *used)
{
    const json_t *item;
    size_t i;
    bool first = true;

    textbuf_puts(b, "{\"fields\":[");
    json_array_foreach(requested, i, item) {
        const json_t *id = json_object_get(item, "id");
        int at = json_is_string(id) ? member_named(m, n, json_string_value(id)) : -1;

        if (at < 0 || used[at])
            continue;
        used[at] = true;
        /* The key matched the id byte for byte and holds no escape
         * (keys_are_plain), so it is the id as the writer prints it. */
        textbuf_puts(b, first ? "{\"id\":\"" : ",{\"id\":\"");
        textbuf_put(b, m[at].key, m[at].key_len);
        textbuf_puts(b, "\",\"value\":");
        textbuf_put(b, m[at].value, m[at].value_len);
        textbuf_puts(b, "}");
        first = false;
    }
    textbuf_puts(b, "]");
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
    textbuf b = {0};
    int n = read_members(text, text_len, stack, &heap, &m);

    if (n < 0 || !keys_are_plain(m, n) ||
        (n > STACK_MEMBERS && !(used = calloc((size_t)n, sizeof *used)))) {
        b.failed = true;
        goto cleanup;
    }
    /* The answer is the requested part of the text plus a little framing
     * per value; the tags are usually few. */
    textbuf_reserve(&b, text_len + (size_t)n * 16 + 256);
    put_fields(&b, requested, m, n, used);
    textbuf_puts(&b, ",\"templateId\":");
    textbuf_put_string(&b, template_id ? template_id : "");
    textbuf_puts(&b, ",\"tags\":");
    textbuf_put_json(&b, tags);
    textbuf_puts(&b, "}");
cleanup:
    free(heap);
    if (used != stack_used)
        free(used);
    return textbuf_finish(&b, len);
}
