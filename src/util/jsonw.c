/*
 * jsonw.c - the compact JSON writer declared in jsonw.h.
 *
 * Every rule here reproduces a behaviour of jansson 2.14's dump.c and
 * strconv.c (tests/unit/test_jsonw.c compares the two on random trees);
 * where jansson's choice looks odd the comment says which behaviour it is.
 */
#include "util/jsonw.h"

#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most response bodies fit, so the common case never reallocates. */
#define JSONW_FIRST_CAPACITY 1024u
/*
 * A cycle makes the path from the root unbounded, so it is enough to look
 * for one below this depth: shallow documents, nearly all of them, skip the
 * walk up the path.  The parser caps input depth at 2048, which bounds the
 * walk's quadratic cost on the deepest legal document.
 */
#define JSONW_LOOP_CHECK_DEPTH 32u
/* jansson formats a real into a buffer of this size and fails beyond it. */
#define JSONW_REAL_BUFFER 100

typedef struct {
    char *data;
    size_t len; /* bytes written, without a terminator */
    size_t cap;
} jsonw_buf;

/* One container on the path from the root to the value being written. */
typedef struct path_link {
    const json_t *container;
    const struct path_link *up;
    unsigned depth;
} path_link;

/* What write_string reports; a bad key is not fatal, unlike a bad value. */
typedef enum {
    STRING_WRITTEN,
    STRING_BAD_UTF8,
    STRING_NO_MEMORY,
} string_status;

/*
 * Byte classes for the string scanner.  LEAD2..LEAD4 equal the length of
 * the sequence the byte starts; BAD_LEAD is what jansson's utf8_check_first
 * rejects (continuation bytes, the overlong leads 0xC0/0xC1, 0xF5..0xFF).
 */
enum {
    PLAIN = 0,
    ESCAPE = 1,
    LEAD2 = 2,
    LEAD3 = 3,
    LEAD4 = 4,
    BAD_LEAD = 5,
};

#define ROW16(c) c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c

static const unsigned char byte_class[256] = {
    ROW16(ESCAPE), ROW16(ESCAPE),                       /* 0x00..0x1f */
    0, 0, ESCAPE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20 '"' */
    ROW16(PLAIN),                                       /* 0x30 */
    ROW16(PLAIN),                                       /* 0x40 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ESCAPE, 0, 0, 0, /* 0x50 '\\' */
    ROW16(PLAIN), ROW16(PLAIN),                         /* 0x60..0x7f */
    ROW16(BAD_LEAD), ROW16(BAD_LEAD),                   /* 0x80..0x9f */
    ROW16(BAD_LEAD), ROW16(BAD_LEAD),                   /* 0xa0..0xbf */
    BAD_LEAD, BAD_LEAD, LEAD2, LEAD2, LEAD2, LEAD2, LEAD2, LEAD2,
    LEAD2, LEAD2, LEAD2, LEAD2, LEAD2, LEAD2, LEAD2, LEAD2, /* 0xc0 */
    ROW16(LEAD2),                                       /* 0xd0 */
    ROW16(LEAD3),                                       /* 0xe0 */
    LEAD4, LEAD4, LEAD4, LEAD4, LEAD4, BAD_LEAD, BAD_LEAD, BAD_LEAD,
    BAD_LEAD, BAD_LEAD, BAD_LEAD, BAD_LEAD, BAD_LEAD, BAD_LEAD, BAD_LEAD,
    BAD_LEAD,                                           /* 0xf0 */
};

static int write_value(jsonw_buf *b, const json_t *v, const path_link *up);

static int grow(jsonw_buf *b, size_t need)
{
    size_t cap = b->cap;
    while (cap - b->len < need) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    char *data = realloc(b->data, cap);
    if (!data)
        return -1;
    b->data = data;
    b->cap = cap;
    return 0;
}

/* Inline so the usual case, room to spare, costs one comparison. */
static inline int reserve(jsonw_buf *b, size_t need)
{
    return b->cap - b->len >= need ? 0 : grow(b, need);
}

static inline int put_bytes(jsonw_buf *b, const void *bytes, size_t n)
{
    if (reserve(b, n))
        return -1;
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
    return 0;
}

static inline int put_char(jsonw_buf *b, char c)
{
    if (reserve(b, 1))
        return -1;
    b->data[b->len++] = c;
    return 0;
}

/* jansson prints other control characters with "\\u%04X": upper case. */
static int put_escape(jsonw_buf *b, unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    char seq[6] = {'\\', 0, 0, 0, 0, 0};
    size_t n = 2;

    switch (c) {
    case '"': seq[1] = '"'; break;
    case '\\': seq[1] = '\\'; break;
    case '\b': seq[1] = 'b'; break;
    case '\f': seq[1] = 'f'; break;
    case '\n': seq[1] = 'n'; break;
    case '\r': seq[1] = 'r'; break;
    case '\t': seq[1] = 't'; break;
    default:
        memcpy(seq + 1, "u00", 3);
        seq[4] = hex[c >> 4];
        seq[5] = hex[c & 15];
        n = 6;
        break;
    }
    return put_bytes(b, seq, n);
}

/*
 * Whether the n-byte sequence at s (n from its lead byte, avail bytes left)
 * passes jansson's utf8_check_full: continuation bytes, no overlong form,
 * no UTF-16 surrogate, nothing above U+10FFFF.
 */
static inline bool utf8_sequence_valid(const unsigned char *s, size_t avail,
                                       unsigned n)
{
    static const uint32_t lead_mask[5] = {0, 0, 0x1f, 0x0f, 0x07};
    static const uint32_t smallest[5] = {0, 0, 0x80, 0x800, 0x10000};

    if (n > avail)
        return false;
    uint32_t code = s[0] & lead_mask[n];
    for (unsigned i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return false;
        code = (code << 6) | (s[i] & 0x3f);
    }
    return code >= smallest[n] && code <= 0x10ffff &&
           (code < 0xd800 || code > 0xdfff);
}

/*
 * The index of the first byte from i on that is not PLAIN.  Most strings
 * are plain ASCII throughout, so eight bytes are tested at once: a byte
 * below 0x20, a '"', a '\\' or a high bit anywhere in the word stops the
 * word-wide loop (the tests are exact: a borrow starts only at a byte that
 * matches), and the byte loop then finds which one it was.
 */
static inline size_t skip_plain(const unsigned char *s, size_t i, size_t len)
{
    const uint64_t ones = 0x0101010101010101u, highs = ones * 0x80;

    while (len - i >= 8) {
        uint64_t word, quote, backslash;
        memcpy(&word, s + i, sizeof word);
        quote = word ^ (ones * '"');
        backslash = word ^ (ones * '\\');
        if ((((word - ones * 0x20) & ~word) | ((quote - ones) & ~quote) |
             ((backslash - ones) & ~backslash) | word) & highs)
            break;
        i += 8;
    }
    while (i < len && byte_class[s[i]] == PLAIN)
        i++;
    return i;
}

/*
 * Writes text as a JSON string.  Plain bytes are copied in runs that end
 * only at an escape, which is also where jansson flushes: on bad UTF-8 the
 * unflushed run is dropped and no closing quote written, as jansson leaves
 * an object key it cannot encode.
 */
static string_status write_string(jsonw_buf *b, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0, run_start = 0;

    /* Room for the common case, no escapes, in a single check. */
    if (reserve(b, len + 2))
        return STRING_NO_MEMORY;
    b->data[b->len++] = '"';
    while ((i = skip_plain(s, i, len)) < len) {
        unsigned cls = byte_class[s[i]];
        if (cls >= LEAD2 && cls <= LEAD4) {
            if (!utf8_sequence_valid(s + i, len - i, cls))
                return STRING_BAD_UTF8;
            i += cls;
            continue;
        }
        if (cls == BAD_LEAD)
            return STRING_BAD_UTF8;
        if (put_bytes(b, s + run_start, i - run_start) || put_escape(b, s[i]))
            return STRING_NO_MEMORY;
        run_start = ++i;
    }
    if (put_bytes(b, s + run_start, len - run_start) || put_char(b, '"'))
        return STRING_NO_MEMORY;
    return STRING_WRITTEN;
}

/* "%lld" without the cost of printf's format parsing. */
static int write_integer(jsonw_buf *b, json_int_t value)
{
    char digits[24];
    char *end = digits + sizeof digits, *p = end;
    unsigned long long magnitude = value < 0
        ? 0ull - (unsigned long long)value : (unsigned long long)value;

    do {
        *--p = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (value < 0)
        *--p = '-';
    return put_bytes(b, p, (size_t)(end - p));
}

/*
 * jansson's jsonp_dtostr at its default precision, step for step: the
 * shortest text is not what it writes ("0.10000000000000001"), so only the
 * same printf and the same fix-ups give the same bytes.  Returns the
 * length, or -1 where jansson fails.
 */
static int format_real(char *out, size_t size, double value)
{
    int printed = snprintf(out, size, "%.17g", value);
    if (printed < 0 || (size_t)printed >= size)
        return -1;
    size_t length = (size_t)printed;

    /* jansson undoes only the first byte of the locale's decimal point. */
    const char *point = localeconv()->decimal_point;
    if (*point && *point != '.') {
        char *pos = strchr(out, *point);
        if (pos)
            *pos = '.';
    }

    /* Without '.' or 'e' a reader would take the real for an integer. */
    if (!strchr(out, '.') && !strchr(out, 'e')) {
        if (length + 3 >= size)
            return -1;
        memcpy(out + length, ".0", 3);
        length += 2;
    }

    /* "1e+17" becomes "1e17", "1e-07" becomes "1e-7". */
    char *exponent = strchr(out, 'e');
    if (exponent) {
        char *start = exponent + 1;
        char *digits = start + 1;
        if (*start == '-')
            start++;
        while (*digits == '0')
            digits++;
        if (digits != start) {
            memmove(start, digits, length - (size_t)(digits - out) + 1);
            length -= (size_t)(digits - start);
        }
    }
    return (int)length;
}

static int write_real(jsonw_buf *b, double value)
{
    char text[JSONW_REAL_BUFFER];
    int length = format_real(text, sizeof text, value);
    if (length < 0)
        return -1;
    return put_bytes(b, text, (size_t)length);
}

/* jansson refuses a container that is its own ancestor. */
static bool on_path(const json_t *container, const path_link *up)
{
    if (!up || up->depth < JSONW_LOOP_CHECK_DEPTH)
        return false;
    for (; up; up = up->up)
        if (up->container == container)
            return true;
    return false;
}

static path_link link_below(const json_t *container, const path_link *up)
{
    path_link here = {container, up, up ? up->depth + 1 : 0};
    return here;
}

static int write_array(jsonw_buf *b, const json_t *array, const path_link *up)
{
    if (on_path(array, up))
        return -1;
    path_link here = link_below(array, up);
    size_t count = json_array_size(array);

    if (put_char(b, '['))
        return -1;
    for (size_t i = 0; i < count; i++) {
        if (i && put_char(b, ','))
            return -1;
        if (write_value(b, json_array_get(array, i), &here))
            return -1;
    }
    return put_char(b, ']');
}

static int write_object(jsonw_buf *b, const json_t *object, const path_link *up)
{
    if (on_path(object, up))
        return -1;
    path_link here = link_below(object, up);
    /* The iterator API takes a non-const object but only reads it. */
    json_t *readable = (json_t *)object;

    bool first = true;

    if (put_char(b, '{'))
        return -1;
    for (void *iter = json_object_iter(readable); iter;
         iter = json_object_iter_next(readable, iter)) {
        if (!first && put_char(b, ','))
            return -1;
        first = false;
        /* jansson ignores a key it cannot encode and carries on. */
        if (write_string(b, json_object_iter_key(iter),
                         json_object_iter_key_len(iter)) == STRING_NO_MEMORY)
            return -1;
        if (put_char(b, ':') ||
            write_value(b, json_object_iter_value(iter), &here))
            return -1;
    }
    return put_char(b, '}');
}

static int write_value(jsonw_buf *b, const json_t *v, const path_link *up)
{
    if (!v)
        return -1;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return write_object(b, v, up);
    case JSON_ARRAY:
        return write_array(b, v, up);
    case JSON_STRING:
        return write_string(b, json_string_value(v), json_string_length(v)) ==
                       STRING_WRITTEN
                   ? 0 : -1;
    case JSON_INTEGER:
        return write_integer(b, json_integer_value(v));
    case JSON_REAL:
        return write_real(b, json_real_value(v));
    case JSON_TRUE:
        return put_bytes(b, "true", 4);
    case JSON_FALSE:
        return put_bytes(b, "false", 5);
    case JSON_NULL:
        return put_bytes(b, "null", 4);
    }
    return -1;
}

char *jsonw_dump_any(const json_t *v, size_t *len_out)
{
    jsonw_buf b = {malloc(JSONW_FIRST_CAPACITY), 0, JSONW_FIRST_CAPACITY};
    char *text = NULL;

    if (!b.data)
        goto cleanup;
    if (write_value(&b, v, NULL) || put_char(&b, '\0'))
        goto cleanup;
    text = b.data;
    b.data = NULL;
cleanup:
    free(b.data);
    if (len_out)
        *len_out = text ? b.len - 1 : 0;
    return text;
}

char *jsonw_dump(const json_t *v, size_t *len_out)
{
    /* Without JSON_ENCODE_ANY jansson dumps containers only. */
    if (!json_is_object(v) && !json_is_array(v)) {
        if (len_out)
            *len_out = 0;
        return NULL;
    }
    return jsonw_dump_any(v, len_out);
}
