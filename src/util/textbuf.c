/* textbuf.c - a growing buffer for JSON text (see textbuf.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonw.h"
#include "util/textbuf.h"

/* Room for n more bytes and the NUL; false (and b failed) when there is
 * no memory for it. */
static bool make_room(textbuf *b, size_t n)
{
    size_t cap = b->cap ? b->cap : 512;
    char *p;

    if (b->failed)
        return false;
    if (b->len + n + 1 <= b->cap)
        return true;
    while (cap < b->len + n + 1)
        cap *= 2;
    if (!(p = realloc(b->p, cap))) {
        b->failed = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void textbuf_reserve(textbuf *b, size_t n)
{
    make_room(b, n);
}

void textbuf_put(textbuf *b, const char *s, size_t n)
{
    if (!make_room(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void textbuf_puts(textbuf *b, const char *s)
{
    textbuf_put(b, s, strlen(s));
}

void textbuf_put_int(textbuf *b, int64_t v)
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%" PRId64, v);

    textbuf_put(b, digits, (size_t)n);
}

void textbuf_put_json(textbuf *b, const json_t *v)
{
    size_t n;
    char *text = b->failed ? NULL : jsonw_dump_any(v, &n);

    if (!text) {
        b->failed = true;
        return;
    }
    textbuf_put(b, text, n);
    free(text);
}

/* Copied between quotes when no character needs escaping (ids the server
 * made), else through the writer. */
void textbuf_put_string(textbuf *b, const char *s)
{
    size_t n = 0;
    json_t *v;

    for (; s[n]; n++) {
        unsigned char c = (unsigned char)s[n];
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
            break;
    }
    if (!s[n]) {
        textbuf_put(b, "\"", 1);
        textbuf_put(b, s, n);
        textbuf_put(b, "\"", 1);
        return;
    }
    if (!(v = json_string(s))) {
        b->failed = true;
        return;
    }
    textbuf_put_json(b, v);
    json_decref(v);
}

char *textbuf_finish(textbuf *b, size_t *len)
{
    char *p = b->p;

    if (b->failed || !p) {
        textbuf_discard(b);
        return NULL;
    }
    *len = b->len;
    *b = (textbuf){0};
    return p;
}

void textbuf_discard(textbuf *b)
{
    free(b->p);
    *b = (textbuf){0};
}
