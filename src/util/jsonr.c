/*
 * jsonr.c - the JSON parser declared in jsonr.h.
 *
 * Every acceptance rule reproduces jansson 2.14's load.c and utf.c; where
 * jansson's behaviour is odd the comment says so.  A string without escapes
 * goes from the input straight to json_stringn_nocheck; only strings with
 * escapes are decoded, into one buffer reused for the whole parse.
 */
#include "util/jsonr.h"

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Escaped strings that decode to fewer bytes never touch the heap. */
#define JSONR_SCRATCH_BYTES 256
/* Number tokens shorter than this are copied for strtod on the stack. */
#define JSONR_NUMBER_BYTES 64

#if JSON_INTEGER_IS_LONG_LONG
#define JSONR_INT_MAX LLONG_MAX
#else
#define JSONR_INT_MAX LONG_MAX
#endif

typedef struct {
    const unsigned char *start;
    const unsigned char *p; /* next byte to read */
    const unsigned char *end;
    int max_depth;
    json_error_t *err;
    char *buf; /* the decoded bytes of the last escaped string */
    size_t buf_len;
    size_t buf_cap;
    char scratch[JSONR_SCRATCH_BYTES];
} parser;

/* Byte classes inside a string. */
enum {
    PLAIN = 0,
    QUOTE,
    BACKSLASH,
    CONTROL,
    NON_ASCII,
};

#define ROW16(c) c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c

static const unsigned char string_class[256] = {
    ROW16(CONTROL), ROW16(CONTROL),                     /* 0x00..0x1f */
    0, 0, QUOTE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x20 '"' */
    ROW16(PLAIN), ROW16(PLAIN),                         /* 0x30..0x4f */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, BACKSLASH, 0, 0, 0, /* 0x50 '\\' */
    ROW16(PLAIN), ROW16(PLAIN),                         /* 0x60..0x7f */
    ROW16(NON_ASCII), ROW16(NON_ASCII), ROW16(NON_ASCII), ROW16(NON_ASCII),
    ROW16(NON_ASCII), ROW16(NON_ASCII), ROW16(NON_ASCII), ROW16(NON_ASCII),
};

/*** errors ***/

/*
 * Records the first error.  Line and column are counted here, on the error
 * path only, so the scanner never tracks them; the column counts UTF-8
 * characters as jansson's does.
 */
static void fail(parser *ps, const unsigned char *at, enum json_error_code code,
                 const char *msg)
{
    json_error_t *err = ps->err;
    int line = 1, column = 1;

    if (!err)
        return;
    for (const unsigned char *q = ps->start; q < at; q++) {
        if (*q == '\n') {
            line++;
            column = 1;
        } else if ((*q & 0xC0) != 0x80) {
            column++;
        }
    }
    size_t position = (size_t)(at - ps->start);
    err->line = line;
    err->column = column;
    err->position = position > INT_MAX ? INT_MAX : (int)position;
    snprintf(err->text, JSON_ERROR_TEXT_LENGTH - 1, "%s", msg);
    /* Where json_error_code() looks, as jansson stores it. */
    err->text[JSON_ERROR_TEXT_LENGTH - 1] = (char)code;
}

/* A syntax error, or running out of input if that is what happened. */
static void syntax_error(parser *ps, const unsigned char *at, const char *msg)
{
    if (at >= ps->end)
        fail(ps, ps->end, json_error_premature_end_of_input,
             "unexpected end of input");
    else
        fail(ps, at, json_error_invalid_syntax, msg);
}

static void out_of_memory(parser *ps)
{
    fail(ps, ps->p, json_error_out_of_memory, "out of memory");
}

/*** the decode buffer ***/

static bool buf_reserve(parser *ps, size_t extra)
{
    if (ps->buf_cap - ps->buf_len >= extra)
        return true;
    size_t cap = ps->buf_cap;
    while (cap - ps->buf_len < extra) {
        if (cap > SIZE_MAX / 2)
            return false;
        cap *= 2;
    }
    bool on_stack = ps->buf == ps->scratch;
    char *grown = on_stack ? malloc(cap) : realloc(ps->buf, cap);
    if (!grown)
        return false;
    if (on_stack)
        memcpy(grown, ps->scratch, ps->buf_len);
    ps->buf = grown;
    ps->buf_cap = cap;
    return true;
}

static bool buf_append(parser *ps, const void *bytes, size_t n)
{
    if (!buf_reserve(ps, n))
        return false;
    memcpy(ps->buf + ps->buf_len, bytes, n);
    ps->buf_len += n;
    return true;
}

/*** scanning ***/

static bool is_digit(unsigned char c)
{
    return (unsigned)(c - '0') < 10u;
}

static void skip_space(parser *ps)
{
    const unsigned char *p = ps->p, *end = ps->end;
    /* Stored documents are compact: usually there is nothing to skip. */
    if (p < end && *p > ' ')
        return;
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    ps->p = p;
}

static const unsigned char *skip_digits(const unsigned char *p,
                                        const unsigned char *end)
{
    while (p < end && is_digit(*p))
        p++;
    return p;
}

/*
 * jansson ends a number or a bare word by reading the byte after it and
 * pushing it back; a pushed-back NUL is lost, so jansson reads "[1\0]" as
 * [1].  Skipping one NUL there accepts exactly what jansson accepts.
 */
static void skip_lost_nul(parser *ps)
{
    if (ps->p < ps->end && *ps->p == '\0')
        ps->p++;
}

#define BYTES(b) (0x0101010101010101ull * (uint64_t)(b))

/* True when no byte of w is a quote, a backslash, below 0x20 or above 0x7f. */
static bool word_is_plain(uint64_t w)
{
    uint64_t quote = w ^ BYTES('"');
    uint64_t backslash = w ^ BYTES('\\');
    uint64_t special = ((w - BYTES(0x20)) & ~w) |          /* below 0x20 */
                       ((quote - BYTES(1)) & ~quote) |     /* zero byte */
                       ((backslash - BYTES(1)) & ~backslash) | w;
    return (special & BYTES(0x80)) == 0;
}

/* Most string bytes need nothing done; step over them eight at a time. */
static const unsigned char *skip_plain(const unsigned char *p,
                                       const unsigned char *end)
{
    uint64_t word;
    while (end - p >= 8) {
        memcpy(&word, p, sizeof word);
        if (!word_is_plain(word))
            break;
        p += 8;
    }
    while (p < end && string_class[*p] == PLAIN)
        p++;
    return p;
}

static bool is_continuation(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/*
 * The length of the UTF-8 sequence whose lead byte (0x80 or above) is at p,
 * or 0 where jansson's utf8_check_first/utf8_check_full reject it: stray
 * continuation bytes, overlong forms, surrogates, code points past
 * U+10FFFF, sequences cut short by the end of input.
 */
static size_t utf8_sequence(const unsigned char *p, const unsigned char *end)
{
    size_t avail = (size_t)(end - p);
    unsigned char lead = p[0];

    if (lead < 0xC2 || lead > 0xF4)
        return 0;
    if (lead < 0xE0)
        return avail >= 2 && is_continuation(p[1]) ? 2 : 0;
    if (lead < 0xF0) {
        if (avail < 3 || !is_continuation(p[1]) || !is_continuation(p[2]))
            return 0;
        if ((lead == 0xE0 && p[1] < 0xA0) || (lead == 0xED && p[1] >= 0xA0))
            return 0; /* overlong, or a surrogate */
        return 3;
    }
    if (avail < 4 || !is_continuation(p[1]) || !is_continuation(p[2]) ||
        !is_continuation(p[3]))
        return 0;
    if ((lead == 0xF0 && p[1] < 0x90) || (lead == 0xF4 && p[1] >= 0x90))
        return 0; /* overlong, or past U+10FFFF */
    return 4;
}

static size_t utf8_encode(uint32_t code, char *out)
{
    if (code < 0x80) {
        out[0] = (char)code;
        return 1;
    }
    if (code < 0x800) {
        out[0] = (char)(0xC0 | code >> 6);
        out[1] = (char)(0x80 | (code & 0x3F));
        return 2;
    }
    if (code < 0x10000) {
        out[0] = (char)(0xE0 | code >> 12);
        out[1] = (char)(0x80 | ((code >> 6) & 0x3F));
        out[2] = (char)(0x80 | (code & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | code >> 18);
    out[1] = (char)(0x80 | ((code >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((code >> 6) & 0x3F));
    out[3] = (char)(0x80 | (code & 0x3F));
    return 4;
}

/* The four hex digits after "\u" at p, or -1 when they are not there. */
static int32_t escape_hex(const unsigned char *p, const unsigned char *end)
{
    int32_t value = 0;

    if (end - p < 6)
        return -1;
    for (int i = 2; i < 6; i++) {
        unsigned char c = p[i], lower = (unsigned char)(c | 0x20);
        int digit;
        if (is_digit(c))
            digit = c - '0';
        else if (lower >= 'a' && lower <= 'f')
            digit = lower - 'a' + 10;
        else
            return -1;
        value = value << 4 | digit;
    }
    return value;
}

/*
 * Decodes the \uXXXX escape at p, with the low half of a surrogate pair
 * when it starts one.  jansson rejects \u0000 (no JSON_ALLOW_NUL) and any
 * surrogate that is not a high half followed directly by a low half.
 */
static const unsigned char *decode_unicode_escape(parser *ps,
                                                  const unsigned char *p)
{
    const unsigned char *end = ps->end;
    int32_t code = escape_hex(p, end);
    char utf8[4];

    if (code < 0)
        goto bad_escape;
    if (code == 0) {
        fail(ps, p, json_error_null_character,
             "\\u0000 is not allowed in strings");
        return NULL;
    }
    if (code >= 0xDC00 && code <= 0xDFFF)
        goto bad_surrogate;
    if (code >= 0xD800 && code <= 0xDBFF) {
        const unsigned char *low_at = p + 6;
        if (end - low_at < 2 || low_at[0] != '\\' || low_at[1] != 'u')
            goto bad_surrogate;
        int32_t low = escape_hex(low_at, end);
        if (low < 0) {
            p = low_at;
            goto bad_escape;
        }
        if (low < 0xDC00 || low > 0xDFFF)
            goto bad_surrogate;
        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        p += 6;
    }
    if (!buf_append(ps, utf8, utf8_encode((uint32_t)code, utf8))) {
        out_of_memory(ps);
        return NULL;
    }
    return p + 6;

bad_escape:
    syntax_error(ps, end - p < 6 ? end : p, "invalid \\u escape in string");
    return NULL;
bad_surrogate:
    fail(ps, p, json_error_invalid_syntax,
         "unpaired UTF-16 surrogate escape in string");
    return NULL;
}

/* Decodes the escape at p (a backslash) onto the buffer; returns its end. */
static const unsigned char *decode_escape(parser *ps, const unsigned char *p)
{
    char byte;

    if (ps->end - p < 2) {
        syntax_error(ps, ps->end, NULL);
        return NULL;
    }
    switch (p[1]) {
    case '"':
    case '\\':
    case '/':
        byte = (char)p[1];
        break;
    case 'b':
        byte = '\b';
        break;
    case 'f':
        byte = '\f';
        break;
    case 'n':
        byte = '\n';
        break;
    case 'r':
        byte = '\r';
        break;
    case 't':
        byte = '\t';
        break;
    case 'u':
        return decode_unicode_escape(ps, p);
    default:
        fail(ps, p, json_error_invalid_syntax, "invalid escape in string");
        return NULL;
    }
    if (!buf_append(ps, &byte, 1)) {
        out_of_memory(ps);
        return NULL;
    }
    return p + 2;
}

/*
 * Scans the string whose opening quote is at ps->p.  Without escapes *out
 * points into the input; with them it points at ps->buf, which the next
 * escaped string overwrites.  No result contains a NUL byte: raw NULs are
 * control characters and \u0000 is refused.
 */
static bool scan_string(parser *ps, const char **out, size_t *out_len)
{
    const unsigned char *p = ps->p + 1, *end = ps->end;
    const unsigned char *run = p; /* first byte not yet on the buffer */
    bool escaped = false;

    for (;;) {
        p = skip_plain(p, end);
        if (p == end) {
            syntax_error(ps, end, NULL);
            return false;
        }
        unsigned char cls = string_class[*p];
        if (cls == QUOTE)
            break;
        if (cls == NON_ASCII) {
            size_t n = utf8_sequence(p, end);
            if (!n) {
                fail(ps, p, json_error_invalid_utf8, "invalid UTF-8 in string");
                return false;
            }
            p += n;
            continue;
        }
        if (cls == CONTROL) {
            fail(ps, p, json_error_invalid_syntax,
                 "control character in string");
            return false;
        }
        if (!escaped) {
            ps->buf_len = 0;
            escaped = true;
        }
        if (!buf_append(ps, run, (size_t)(p - run))) {
            out_of_memory(ps);
            return false;
        }
        p = decode_escape(ps, p);
        if (!p)
            return false;
        run = p;
    }

    if (escaped) {
        if (!buf_append(ps, run, (size_t)(p - run))) {
            out_of_memory(ps);
            return false;
        }
        *out = ps->buf;
        *out_len = ps->buf_len;
    } else {
        *out = (const char *)run;
        *out_len = (size_t)(p - run);
    }
    ps->p = p + 1;
    return true;
}

/*** values ***/

static json_t *parse_value(parser *ps, int depth);

static json_t *parse_string(parser *ps)
{
    const char *text;
    size_t len;

    if (!scan_string(ps, &text, &len))
        return NULL;
    json_t *value = json_stringn_nocheck(text, len);
    if (!value)
        out_of_memory(ps);
    return value;
}

/*
 * The digits between digits and end as a json_int_t, with strtoll's range:
 * jansson calls strtoll and fails on ERANGE.
 */
static json_t *make_integer(parser *ps, const unsigned char *token,
                            const unsigned char *digits,
                            const unsigned char *end, bool negative)
{
    uint64_t limit = negative ? (uint64_t)JSONR_INT_MAX + 1 : JSONR_INT_MAX;
    uint64_t cutoff = limit / 10, cutlim = limit % 10, magnitude = 0;
    json_int_t integer;

    for (const unsigned char *p = digits; p < end; p++) {
        uint64_t digit = (uint64_t)(*p - '0');
        if (magnitude > cutoff || (magnitude == cutoff && digit > cutlim)) {
            fail(ps, token, json_error_numeric_overflow,
                 negative ? "too big negative integer" : "too big integer");
            return NULL;
        }
        magnitude = magnitude * 10 + digit;
    }
    if (!negative)
        integer = (json_int_t)magnitude;
    else if (magnitude == limit)
        integer = -JSONR_INT_MAX - 1;
    else
        integer = -(json_int_t)magnitude;

    json_t *value = json_integer(integer);
    if (!value)
        out_of_memory(ps);
    return value;
}

static locale_t c_numeric;
static pthread_once_t c_numeric_once = PTHREAD_ONCE_INIT;

static void c_numeric_init(void)
{
    c_numeric = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

/*
 * strtod as jansson calls it: jansson swaps '.' for the locale's decimal
 * point first, which comes to reading the number in the C locale.
 */
static double c_strtod(const char *text)
{
    pthread_once(&c_numeric_once, c_numeric_init);
    return c_numeric ? strtod_l(text, NULL, c_numeric) : strtod(text, NULL);
}

/* The real number token [token, end), with jansson's overflow rule. */
static json_t *make_real(parser *ps, const unsigned char *token,
                         const unsigned char *end)
{
    char local[JSONR_NUMBER_BYTES], *copy = local;
    size_t len = (size_t)(end - token);
    json_t *value = NULL;

    if (len >= sizeof local && !(copy = malloc(len + 1))) {
        out_of_memory(ps);
        return NULL;
    }
    memcpy(copy, token, len);
    copy[len] = '\0';

    errno = 0;
    double real = c_strtod(copy);
    /* Underflow also sets ERANGE; jansson accepts it, as the nearest value. */
    if ((real == HUGE_VAL || real == -HUGE_VAL) && errno == ERANGE) {
        fail(ps, token, json_error_numeric_overflow, "real number overflow");
        goto cleanup;
    }
    value = json_real(real);
    if (!value)
        out_of_memory(ps);

cleanup:
    if (copy != local)
        free(copy);
    return value;
}

/*
 * A number in JSON's grammar: jansson's lexer, which also rejects leading
 * zeros, "-", "1.", ".5", "1e" and "+1".  Without a fraction or exponent it
 * is an integer, however it is written.
 */
static json_t *parse_number(parser *ps)
{
    const unsigned char *token = ps->p, *p = token, *end = ps->end;
    bool negative = false, real = false;

    if (*p == '-') {
        negative = true;
        p++;
    }
    const unsigned char *digits = p;
    if (p == end || !is_digit(*p))
        goto bad_number;
    if (*p == '0') {
        p++;
        if (p < end && is_digit(*p))
            goto bad_number;
    } else {
        p = skip_digits(p, end);
    }
    const unsigned char *digits_end = p;

    if (p < end && *p == '.') {
        p++;
        if (p == end || !is_digit(*p))
            goto bad_number;
        p = skip_digits(p, end);
        real = true;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p == end || !is_digit(*p))
            goto bad_number;
        p = skip_digits(p, end);
        real = true;
    }

    json_t *value = real ? make_real(ps, token, p)
                         : make_integer(ps, token, digits, digits_end, negative);
    if (!value)
        return NULL;
    ps->p = p;
    skip_lost_nul(ps);
    return value;

bad_number:
    syntax_error(ps, p < end ? token : end, "invalid number");
    return NULL;
}

/*
 * true, false or null.  A letter right after the word ("truex") needs no
 * check here: no separator can start with one, so the caller refuses it.
 */
static json_t *parse_word(parser *ps, const char *word, size_t len,
                          json_t *value)
{
    const unsigned char *p = ps->p, *end = ps->end;

    if ((size_t)(end - p) < len || memcmp(p, word, len) != 0) {
        fail(ps, p, json_error_invalid_syntax, "invalid literal");
        return NULL;
    }
    ps->p = p + len;
    skip_lost_nul(ps);
    return value;
}

/* Past the separator after a member: 1 for ',', 0 for close, -1 error. */
static int next_member(parser *ps, unsigned char close, const char *msg)
{
    skip_space(ps);
    if (ps->p < ps->end) {
        unsigned char c = *ps->p++;
        if (c == ',')
            return 1;
        if (c == close)
            return 0;
        ps->p--;
    }
    syntax_error(ps, ps->p, msg);
    return -1;
}

static bool check_depth(parser *ps, int depth)
{
    if (depth <= ps->max_depth)
        return true;
    fail(ps, ps->p, json_error_stack_overflow, "nesting too deep");
    return false;
}

static json_t *parse_array(parser *ps, int depth)
{
    json_t *array;
    int more;

    if (!check_depth(ps, depth))
        return NULL;
    array = json_array();
    if (!array) {
        out_of_memory(ps);
        return NULL;
    }
    ps->p++;
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        return array;
    }
    do {
        json_t *element = parse_value(ps, depth + 1);
        if (!element)
            goto fail;
        if (json_array_append_new(array, element)) {
            out_of_memory(ps);
            goto fail;
        }
        more = next_member(ps, ']', "expected ',' or ']'");
    } while (more > 0);
    if (more < 0)
        goto fail;
    return array;

fail:
    json_decref(array);
    return NULL;
}

/*
 * One "key": value member into object.  json_object_setn_new_nocheck is
 * what jansson's parser calls, so a repeated key behaves as there: the
 * member keeps its first position and takes the last value.
 */
static bool parse_member(parser *ps, json_t *object, int depth)
{
    const char *key;
    size_t key_len;
    char *owned_key = NULL;
    bool ok = false;

    skip_space(ps);
    if (ps->p >= ps->end || *ps->p != '"') {
        syntax_error(ps, ps->p, "expected a string key");
        return false;
    }
    if (!scan_string(ps, &key, &key_len))
        return false;
    if (key == ps->buf) {
        /* Decoded keys live in the buffer the value's strings reuse. */
        owned_key = malloc(key_len ? key_len : 1);
        if (!owned_key) {
            out_of_memory(ps);
            return false;
        }
        memcpy(owned_key, key, key_len);
        key = owned_key;
    }
    skip_space(ps);
    if (ps->p >= ps->end || *ps->p != ':') {
        syntax_error(ps, ps->p, "expected ':'");
        goto cleanup;
    }
    ps->p++;
    json_t *value = parse_value(ps, depth + 1);
    if (!value)
        goto cleanup;
    if (json_object_setn_new_nocheck(object, key, key_len, value)) {
        out_of_memory(ps);
        goto cleanup;
    }
    ok = true;

cleanup:
    free(owned_key);
    return ok;
}

static json_t *parse_object(parser *ps, int depth)
{
    json_t *object;
    int more;

    if (!check_depth(ps, depth))
        return NULL;
    object = json_object();
    if (!object) {
        out_of_memory(ps);
        return NULL;
    }
    ps->p++;
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        return object;
    }
    do {
        if (!parse_member(ps, object, depth))
            goto fail;
        more = next_member(ps, '}', "expected ',' or '}'");
    } while (more > 0);
    if (more < 0)
        goto fail;
    return object;

fail:
    json_decref(object);
    return NULL;
}

/*
 * The value at ps->p, after any whitespace.  jansson counts every value,
 * scalars too, against JSON_PARSER_MAX_DEPTH; the caller's max_depth counts
 * containers only.
 */
static json_t *parse_value(parser *ps, int depth)
{
    skip_space(ps);
    if (ps->p >= ps->end) {
        syntax_error(ps, ps->p, NULL);
        return NULL;
    }
    if (depth > JSON_PARSER_MAX_DEPTH) {
        fail(ps, ps->p, json_error_stack_overflow, "nesting too deep");
        return NULL;
    }
    switch (*ps->p) {
    case '{':
        return parse_object(ps, depth);
    case '[':
        return parse_array(ps, depth);
    case '"':
        return parse_string(ps);
    case 't':
        return parse_word(ps, "true", 4, json_true());
    case 'f':
        return parse_word(ps, "false", 5, json_false());
    case 'n':
        return parse_word(ps, "null", 4, json_null());
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        return parse_number(ps);
    default:
        fail(ps, ps->p, json_error_invalid_syntax, "expected a value");
        return NULL;
    }
}

/* As jansson's jsonp_error_init, so callers see the same empty error. */
static void error_init(json_error_t *err)
{
    if (!err)
        return;
    err->line = -1;
    err->column = -1;
    err->position = 0;
    snprintf(err->source, sizeof err->source, "%s", "<buffer>");
    memset(err->text, 0, sizeof err->text);
}

json_t *jsonr_parse(const char *text, size_t len, int max_depth,
                    json_error_t *err)
{
    parser ps;
    json_t *root = NULL;

    /* No input is an empty text, not an offset from a null pointer. */
    ps.start = ps.p = (const unsigned char *)(text ? text : "");
    ps.end = ps.start + (text ? len : 0);
    ps.max_depth = max_depth;
    ps.err = err;
    ps.buf = ps.scratch;
    ps.buf_len = 0;
    ps.buf_cap = sizeof ps.scratch;
    error_init(err);

    if (!text) {
        fail(&ps, ps.p, json_error_invalid_argument, "no input");
        return NULL;
    }
    skip_space(&ps);
    if (ps.p >= ps.end || (*ps.p != '[' && *ps.p != '{')) {
        syntax_error(&ps, ps.p, "expected '[' or '{'");
        goto cleanup;
    }
    root = parse_value(&ps, 1);
    if (!root)
        goto cleanup;
    skip_space(&ps);
    if (ps.p != ps.end) {
        fail(&ps, ps.p, json_error_end_of_input_expected,
             "unexpected data after the JSON value");
        json_decref(root);
        root = NULL;
        goto cleanup;
    }
    if (err)
        err->position = len > INT_MAX ? INT_MAX : (int)len;

cleanup:
    if (ps.buf != ps.scratch)
        free(ps.buf);
    return root;
}

/* --- spans of a trusted document ------------------------------------------------ */

typedef struct {
    const char *p;
    const char *end;
} cursor;

static bool is_ws(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static void skip_ws(cursor *c)
{
    while (c->p < c->end && is_ws(*c->p))
        c->p++;
}

/* Past the string starting at c->p (its opening quote); false when it
 * does not end. */
static bool skip_string(cursor *c)
{
    const char *start = c->p + 1, *from = start, *quote;

    /* Found with memchr, as most strings hold no escape: a quote is the
     * end unless an odd run of backslashes escapes it. */
    while ((quote = memchr(from, '"', (size_t)(c->end - from)))) {
        size_t backslashes = 0;
        while (quote - backslashes > start &&
               quote[-1 - (ptrdiff_t)backslashes] == '\\')
            backslashes++;
        if (backslashes % 2 == 0) {
            c->p = quote + 1;
            return true;
        }
        from = quote + 1;
    }
    c->p = c->end;
    return false;
}

/* Past one value of any kind, leaving c->p on what follows it; false when
 * the text ends inside it. */
static bool skip_value(cursor *c)
{
    int depth = 0;

    while (c->p < c->end) {
        char ch = *c->p;

        if (ch == '"') {
            if (!skip_string(c))
                return false;
            if (depth == 0)
                return true;
            continue;
        }
        if (ch == '{' || ch == '[') {
            depth++;
        } else if (ch == '}' || ch == ']') {
            if (depth == 0)
                return true; /* the end of the enclosing object */
            if (--depth == 0) {
                c->p++;
                return true;
            }
        } else if (depth == 0 && (ch == ',' || is_ws(ch))) {
            return true;
        }
        c->p++;
    }
    return depth == 0;
}

int jsonr_members(const char *text, size_t len, jsonr_member *out, int max)
{
    cursor c = {text, text + len};
    int n = 0;

    skip_ws(&c);
    if (c.p >= c.end || *c.p++ != '{')
        return -1;
    for (;;) {
        skip_ws(&c);
        if (c.p < c.end && *c.p == '}' && n == 0)
            return 0;
        if (c.p >= c.end || *c.p != '"' || n == max)
            return -1;
        out[n].key = c.p + 1;
        if (!skip_string(&c))
            return -1;
        out[n].key_len = (size_t)(c.p - 1 - out[n].key);
        skip_ws(&c);
        if (c.p >= c.end || *c.p++ != ':')
            return -1;
        skip_ws(&c);
        out[n].value = c.p;
        if (!skip_value(&c))
            return -1;
        out[n].value_len = (size_t)(c.p - out[n].value);
        if (out[n].value_len == 0)
            return -1;
        n++;
        skip_ws(&c);
        if (c.p < c.end && *c.p == ',') {
            c.p++;
            continue;
        }
        return c.p < c.end && *c.p == '}' ? n : -1;
    }
}
