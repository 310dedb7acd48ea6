/*
 * sigv4.c - AWS Signature Version 4: read the claimed signature, rebuild
 * the canonical request, compare.
 *
 * The verifier never needs the canonical request as text, only its
 * SHA-256, so it is produced through a small sink that feeds a digest, or,
 * for the exported building block, copies into a caller buffer.  The
 * query is sorted by its canonical encoding without materialising that
 * encoding: an iterator yields the encoded bytes of a raw key or value on
 * demand.  The only work areas are the bounded query-pair and path-segment
 * tables on the stack; the hashing runs on the thread's state in
 * util/sha256.c, whose kept HMAC pad states of the signing keys the thread
 * used last spare every request two SHA-256 compressions.
 */
#include "auth/sigv4.h"
#include "util/sha256.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ALGORITHM "AWS4-HMAC-SHA256"
#define TERMINATOR "aws4_request"
#define UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define CONTENT_SHA256 "x-amz-content-sha256"
#define SHA256_LEN SHA256_DIGEST_LEN
#define HEX64_SIZE (SIGV4_SIG_HEX_LEN + 1)

/* Latest instant a timestamp may name (end of 9999); parsing starts at 1970. */
#define TS_MAX INT64_C(253402300799)

typedef struct {
    const char *p;
    size_t n;
} span;

static const char HEX_UPPER[] = "0123456789ABCDEF";
static const char HEX_LOWER[] = "0123456789abcdef";

/* ---- small helpers ------------------------------------------------------ */

static void say(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;

    if (!why || whylen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
}

/* Empties why; say() would run vsnprintf for nothing on every request. */
static void clear_why(char *why, size_t whylen)
{
    if (why && whylen > 0)
        why[0] = '\0';
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static int is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }

static unsigned char ascii_lower(unsigned char c)
{
    return is_upper(c) ? (unsigned char)(c | 0x20) : c;
}

static int is_alnum(unsigned char c)
{
    return is_digit(c) || is_lower(c) || is_upper(c);
}

/*
 * RFC 3986 unreserved bytes: the only ones that sign as themselves.  A
 * table rather than comparisons: paths and queries are scanned a byte at a
 * time.
 */
static const unsigned char UNRESERVED[256] = {
    ['-'] = 1, ['.'] = 1, ['_'] = 1, ['~'] = 1, ['0'] = 1, ['1'] = 1,
    ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1,
    ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1,
    ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
    ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1,
    ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1,
    ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
    ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
    ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1,
    ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

static int is_unreserved(unsigned char c) { return UNRESERVED[c]; }

/* ' ', and '\t' '\n' '\v' '\f' '\r', which are consecutive. */
static int is_ws(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static int hex_val(unsigned char c)
{
    unsigned d = (unsigned)c - '0';

    if (d < 10)
        return (int)d;
    /* c | 0x20 is in 'a'..'f' exactly when c is in 'a'..'f' or 'A'..'F' */
    d = (unsigned)(c | 0x20) - 'a';
    return d < 6 ? (int)d + 10 : -1;
}

static int is_hex64(const char *s, size_t n)
{
    if (n != SIGV4_SIG_HEX_LEN)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (hex_val((unsigned char)s[i]) < 0)
            return 0;
    return 1;
}

/* The two lower-case hex digits of every byte value, in order. */
static const char HEX_PAIRS[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

static void to_hex(const unsigned char *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        memcpy(out + 2 * i, HEX_PAIRS + 2 * b[i], 2);
    out[2 * n] = '\0';
}

/* Inline, so the literal's length folds to a constant. */
static inline int span_is(span s, const char *lit)
{
    return strlen(lit) == s.n && memcmp(s.p, lit, s.n) == 0;
}

/*
 * Case-insensitive: does the NUL-terminated have equal want[0..n)?  ASCII
 * folding, as strncasecmp does in the C locale, but inline: it runs for
 * every header against every name looked for, and most differ in their
 * first byte.  A shorter have stops the loop at its NUL, which no byte of
 * want equals.
 */
static inline int name_is(const char *have, const char *want, size_t n)
{
    if (!have)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char a = (unsigned char)have[i], b = (unsigned char)want[i];
        if (a != b && ascii_lower(a) != ascii_lower(b))
            return 0;
    }
    return have[n] == '\0';
}

static const char *or_empty(const char *s) { return s ? s : ""; }

static int header_count(const sigv4_request *req)
{
    return req->headers && req->header_count > 0 ? req->header_count : 0;
}

/* First header called name, and how many there are. */
static const sigv4_header *find_header(const sigv4_request *req,
                                       const char *name, int *count)
{
    const sigv4_header *first = NULL;
    size_t n = strlen(name);

    *count = 0;
    for (int i = 0, total = header_count(req); i < total; i++) {
        if (!name_is(req->headers[i].name, name, n))
            continue;
        if (!first)
            first = &req->headers[i];
        (*count)++;
    }
    return first;
}

/* ---- canonical encoding ------------------------------------------------- */

/*
 * Yields, one byte at a time, the RFC 3986 encoding of a raw string: the
 * upper-case %XX form of every byte that is not unreserved.  With decode
 * set a well-formed %XX in the input is first taken as the byte it names
 * (query strings are compared decoded); a stray '%' stays a literal byte.
 */
typedef struct {
    const char *p, *end;
    int decode;
    char pend[2];
    int npend;
} enc_iter;

static void enc_init(enc_iter *it, const char *p, size_t n, int decode)
{
    it->p = p;
    it->end = p + n;
    it->decode = decode;
    it->npend = 0;
}

static int enc_next(enc_iter *it)
{
    unsigned char c;

    if (it->npend > 0)
        return (unsigned char)it->pend[2 - it->npend--];
    if (it->p == it->end)
        return -1;
    c = (unsigned char)*it->p++;
    if (it->decode && c == '%' && it->end - it->p >= 2 &&
        hex_val((unsigned char)it->p[0]) >= 0 &&
        hex_val((unsigned char)it->p[1]) >= 0) {
        c = (unsigned char)(hex_val((unsigned char)it->p[0]) * 16 +
                            hex_val((unsigned char)it->p[1]));
        it->p += 2;
    }
    if (is_unreserved(c))
        return c;
    it->pend[0] = HEX_UPPER[c >> 4];
    it->pend[1] = HEX_UPPER[c & 15];
    it->npend = 2;
    return '%';
}

/* Byte order of the decoded-then-encoded forms of a and b. */
static int enc_cmp(span a, span b)
{
    enc_iter x, y;

    enc_init(&x, a.p, a.n, 1);
    enc_init(&y, b.p, b.n, 1);
    for (;;) {
        int ca = enc_next(&x), cb = enc_next(&y);
        if (ca != cb)
            return ca < cb ? -1 : 1;
        if (ca < 0)
            return 0;
    }
}

/* Decodes %XX escapes of p[0..n) into dst (NUL-terminated); 0 or -1. */
static int pct_decode(const char *p, size_t n, char *dst, size_t cap,
                      size_t *outn)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '%' && n - i > 2 && hex_val((unsigned char)p[i + 1]) >= 0 &&
            hex_val((unsigned char)p[i + 2]) >= 0) {
            c = (unsigned char)(hex_val((unsigned char)p[i + 1]) * 16 +
                                hex_val((unsigned char)p[i + 2]));
            i += 2;
        }
        if (k + 1 >= cap)
            return -1;
        dst[k++] = (char)c;
    }
    if (cap == 0)
        return -1;
    dst[k] = '\0';
    *outn = k;
    return 0;
}

/* ---- the sink: canonical request text and/or its running digest -------- */

typedef struct {
    char *out; /* text copy, or NULL */
    size_t cap, len;
    int digest; /* feeds the thread's running SHA-256 (util/sha256.h) */
    char chunk[1024]; /* most requests in one digest update */
    size_t n;
    int failed; /* text did not fit, or the digest failed */
} sink;

/* A sink into out[0..cap) (text) or, with digest set, the running digest;
 * the chunk needs no zeroing. */
static void sink_init(sink *s, char *out, size_t cap, int digest)
{
    s->out = out;
    s->cap = cap;
    s->len = 0;
    s->digest = digest;
    s->n = 0;
    s->failed = 0;
}

static void sink_flush(sink *s)
{
    if (s->n == 0 || s->failed) {
        s->n = 0;
        return;
    }
    if (s->out && s->cap - s->len <= s->n)
        s->failed = 1;
    if (s->out && !s->failed) {
        memcpy(s->out + s->len, s->chunk, s->n);
        s->len += s->n;
        s->out[s->len] = '\0';
    }
    if (s->digest && !s->failed && sha256_update(s->chunk, s->n) < 0)
        s->failed = 1;
    s->n = 0;
}

static void sink_byte(sink *s, int c)
{
    if (s->n == sizeof s->chunk)
        sink_flush(s);
    s->chunk[s->n++] = (char)c;
}

static void sink_mem(sink *s, const char *p, size_t n)
{
    while (n > 0) {
        size_t room, k;
        if (s->n == sizeof s->chunk)
            sink_flush(s);
        room = sizeof s->chunk - s->n;
        k = n < room ? n : room;
        memcpy(s->chunk + s->n, p, k);
        s->n += k;
        p += k;
        n -= k;
    }
}

static void sink_str(sink *s, const char *p) { sink_mem(s, p, strlen(p)); }

/*
 * The encoding enc_next() yields, but runs of unreserved bytes, most of
 * any path or query, are copied whole rather than byte by byte.
 */
static void sink_encoded(sink *s, span raw, int decode)
{
    const char *p = raw.p, *end = raw.p + raw.n;

    while (p < end) {
        const char *run = p;
        enc_iter it;
        while (p < end && is_unreserved((unsigned char)*p))
            p++;
        sink_mem(s, run, (size_t)(p - run));
        if (p == end)
            break;
        enc_init(&it, p, (size_t)(end - p), decode);
        sink_byte(s, enc_next(&it));
        while (it.npend > 0)
            sink_byte(s, enc_next(&it));
        p = it.p;
    }
}

/* Header value with surrounding white space cut and inner runs as one ' '. */
static void sink_trimmed(sink *s, const char *v)
{
    int started = 0;

    for (;;) {
        const char *run;
        while (is_ws((unsigned char)*v))
            v++;
        if (!*v)
            return;
        if (started)
            sink_byte(s, ' ');
        run = v;
        while (*v && !is_ws((unsigned char)*v))
            v++;
        sink_mem(s, run, (size_t)(v - run));
        started = 1;
    }
}

/* ---- canonical URI ------------------------------------------------------ */

static int push_segment(span *seg, size_t *depth, span s)
{
    if (s.n == 0 || span_is(s, "."))
        return 0;
    if (span_is(s, "..")) {
        if (*depth > 0)
            (*depth)--;
        return 0;
    }
    if (*depth == SIGV4_PATH_DEPTH_MAX)
        return -1;
    seg[(*depth)++] = s;
    return 0;
}

/*
 * Dot segments and empty segments go; a leading '/' and, when anything is
 * left, a trailing '/' stay; each segment is encoded again as it stands.
 */
static sigv4_status write_path(sink *s, const char *path, char *why,
                               size_t whylen)
{
    span seg[SIGV4_PATH_DEPTH_MAX];
    size_t depth = 0, len = strlen(path);
    const char *p = path, *end = path + len;

    if (len == 0) {
        sink_byte(s, '/');
        return SIGV4_OK;
    }
    for (;;) {
        const char *q = memchr(p, '/', (size_t)(end - p));
        span one = {p, q ? (size_t)(q - p) : (size_t)(end - p)};
        if (push_segment(seg, &depth, one) < 0) {
            say(why, whylen, "path is deeper than %d segments",
                SIGV4_PATH_DEPTH_MAX);
            return SIGV4_MALFORMED;
        }
        if (!q)
            break;
        p = q + 1;
    }
    if (path[0] == '/')
        sink_byte(s, '/');
    for (size_t i = 0; i < depth; i++) {
        if (i > 0)
            sink_byte(s, '/');
        sink_encoded(s, seg[i], 0);
    }
    if (depth > 0 && end[-1] == '/')
        sink_byte(s, '/');
    return SIGV4_OK;
}

/* ---- canonical query ---------------------------------------------------- */

typedef struct {
    span k, v;
} qpair;

static int qpair_cmp(const void *a, const void *b)
{
    const qpair *x = a, *y = b;
    int c = enc_cmp(x->k, y->k);

    return c ? c : enc_cmp(x->v, y->v);
}

/* Splits q on '&' (empty pieces skipped) and each piece on its first '='. */
static int split_query(const char *q, qpair *pairs, size_t *count)
{
    *count = 0;
    while (q && *q) {
        size_t n = strcspn(q, "&");
        const char *eq = memchr(q, '=', n);
        if (n > 0) {
            if (*count == SIGV4_QUERY_PARAMS_MAX)
                return -1;
            pairs[*count].k = (span){q, eq ? (size_t)(eq - q) : n};
            pairs[*count].v = eq ? (span){eq + 1, (size_t)(q + n - eq - 1)}
                                 : (span){q + n, 0};
            (*count)++;
        }
        q += n;
        if (*q == '&')
            q++;
    }
    return 0;
}

static sigv4_status write_query(sink *s, const char *raw, int presigned,
                                char *why, size_t whylen)
{
    qpair pairs[SIGV4_QUERY_PARAMS_MAX];
    size_t count = 0;
    int first = 1;
    const span sig = {"X-Amz-Signature", strlen("X-Amz-Signature")};

    if (split_query(raw, pairs, &count) < 0) {
        say(why, whylen, "more than %d query parameters",
            SIGV4_QUERY_PARAMS_MAX);
        return SIGV4_MALFORMED;
    }
    if (count > 1)
        qsort(pairs, count, sizeof pairs[0], qpair_cmp);
    for (size_t i = 0; i < count; i++) {
        /* a presigned URL cannot sign its own signature */
        if (presigned && enc_cmp(pairs[i].k, sig) == 0)
            continue;
        if (!first)
            sink_byte(s, '&');
        sink_encoded(s, pairs[i].k, 1);
        sink_byte(s, '=');
        sink_encoded(s, pairs[i].v, 1);
        first = 0;
    }
    return SIGV4_OK;
}

/* ---- canonical headers -------------------------------------------------- */

/* "name:v1,v2\n" over every header called name; how many there were. */
static int write_header(sink *s, const sigv4_request *req, span name)
{
    int found = 0;

    sink_mem(s, name.p, name.n);
    sink_byte(s, ':');
    for (int i = 0, total = header_count(req); i < total; i++) {
        const sigv4_header *h = &req->headers[i];
        if (!name_is(h->name, name.p, name.n))
            continue;
        if (found++)
            sink_byte(s, ',');
        sink_trimmed(s, or_empty(h->value));
    }
    sink_byte(s, '\n');
    return found;
}

static sigv4_status write_headers(sink *s, const sigv4_request *req,
                                  const char *signed_headers, char *why,
                                  size_t whylen)
{
    const char *p = signed_headers;

    while (*p) {
        span name = {p, strcspn(p, ";")};
        if (name.n > 0 && write_header(s, req, name) == 0) {
            say(why, whylen, "signed header '%.*s' is not in the request",
                name.n > 64 ? 64 : (int)name.n, name.p);
            return SIGV4_BAD_SIGNATURE;
        }
        p += name.n;
        if (*p == ';')
            p++;
    }
    return SIGV4_OK;
}

/* ---- the canonical request ---------------------------------------------- */

/*
 * The payload line: X-Amz-Content-Sha256 when the client sent one, else the
 * body's digest.  When checking, a digest the client claims must be the
 * body's, or the body could be swapped under a valid signature.
 */
static sigv4_status payload_line(const sigv4_request *req, int checking,
                                 char body_hex[HEX64_SIZE], const char **line,
                                 char *why, size_t whylen)
{
    unsigned char digest[SHA256_LEN];
    int count = 0;
    const sigv4_header *h = find_header(req, CONTENT_SHA256, &count);
    const char *v = h ? or_empty(h->value) : NULL;

    if (count > 1) {
        say(why, whylen, "more than one X-Amz-Content-Sha256 header");
        return SIGV4_MALFORMED;
    }
    if (v && checking && strcmp(v, UNSIGNED_PAYLOAD) != 0 &&
        !is_hex64(v, strlen(v))) {
        say(why, whylen, "unsupported X-Amz-Content-Sha256 value");
        return SIGV4_MALFORMED;
    }
    *line = v;
    if (v && (!checking || !strcmp(v, UNSIGNED_PAYLOAD)))
        return SIGV4_OK;
    if (sha256_of(req->body, req->body_len, digest) < 0) {
        say(why, whylen, "SHA-256 failed");
        return SIGV4_ERROR;
    }
    to_hex(digest, SHA256_LEN, body_hex);
    if (!v)
        *line = body_hex;
    else if (strcasecmp(v, body_hex) != 0) {
        say(why, whylen, "body does not match X-Amz-Content-Sha256");
        return SIGV4_BAD_SIGNATURE;
    }
    return SIGV4_OK;
}

static sigv4_status build_canonical(sink *s, const sigv4_request *req,
                                    const sigv4_auth *auth,
                                    const char *payload, char *why,
                                    size_t whylen)
{
    sigv4_status st;

    sink_str(s, or_empty(req->method));
    sink_byte(s, '\n');
    if ((st = write_path(s, or_empty(req->raw_path), why, whylen)) != SIGV4_OK)
        goto fail;
    sink_byte(s, '\n');
    st = write_query(s, req->raw_query, auth->presigned, why, whylen);
    if (st != SIGV4_OK)
        goto fail;
    sink_byte(s, '\n');
    st = write_headers(s, req, auth->signed_headers, why, whylen);
    if (st != SIGV4_OK)
        goto fail;
    sink_byte(s, '\n');
    sink_str(s, auth->signed_headers);
    sink_byte(s, '\n');
    sink_str(s, payload);
    sink_flush(s);
    if (s->failed) {
        st = SIGV4_ERROR;
        say(why, whylen, "canonical request does not fit its buffer");
    }
fail:
    return st;
}

sigv4_status sigv4_canonical_request(const sigv4_request *req,
                                     const sigv4_auth *auth, char *out,
                                     size_t outlen, char *why, size_t whylen)
{
    sink s;
    char body_hex[HEX64_SIZE];
    const char *payload = NULL;
    sigv4_status st = SIGV4_ERROR;

    clear_why(why, whylen);
    if (!req || !auth || !out || outlen == 0) {
        say(why, whylen, "missing argument");
        goto fail;
    }
    out[0] = '\0';
    st = payload_line(req, 0, body_hex, &payload, why, whylen);
    if (st != SIGV4_OK)
        goto fail;
    sink_init(&s, out, outlen, 0);
    st = build_canonical(&s, req, auth, payload, why, whylen);
fail:
    return st;
}

/* ---- string to sign, key, signature ------------------------------------- */

/* Text assembled into a bounded buffer, always NUL-terminated. */
typedef struct {
    char *p;
    size_t cap, n;
    int over; /* something did not fit */
} text;

static void text_put(text *t, const char *s, size_t n)
{
    if (t->over || t->cap - t->n <= n) {
        t->over = 1;
        return;
    }
    memcpy(t->p + t->n, s, n);
    t->n += n;
    t->p[t->n] = '\0';
}

static void text_str(text *t, const char *s) { text_put(t, s, strlen(s)); }

/*
 * "AWS4-HMAC-SHA256\n<amz_date>\n<date>/<region>/<service>/aws4_request\n
 * <hex hash>" into out, its length into *len; -1 when it does not fit.
 * Built by copying: snprintf cost more than the rest of the string.
 */
static int sts_format(const sigv4_auth *auth,
                      const unsigned char hash[SHA256_LEN], char *out,
                      size_t outlen, size_t *len)
{
    char hex[HEX64_SIZE];
    text t = {out, outlen, 0, 0};

    to_hex(hash, SHA256_LEN, hex);
    text_str(&t, ALGORITHM "\n");
    text_str(&t, auth->amz_date);
    text_put(&t, "\n", 1);
    text_str(&t, auth->date);
    text_put(&t, "/", 1);
    text_str(&t, auth->region);
    text_put(&t, "/", 1);
    text_str(&t, auth->service);
    text_str(&t, "/" TERMINATOR "\n");
    text_put(&t, hex, SIGV4_SIG_HEX_LEN);
    *len = t.n;
    return t.over ? -1 : 0;
}

int sigv4_string_to_sign(const sigv4_auth *auth, const char *canonical,
                         size_t canonical_len, char *out, size_t outlen)
{
    unsigned char hash[SHA256_LEN];
    size_t len;

    if (!auth || !canonical || !out)
        return -1;
    if (sha256_of(canonical, canonical_len, hash) < 0)
        return -1;
    return sts_format(auth, hash, out, outlen, &len);
}

int sigv4_signing_key(const char *secret_key, const char *date,
                      const char *region, const char *service,
                      unsigned char key[SIGV4_KEY_LEN])
{
    char k0[4 + SIGV4_SECRET_MAX];
    unsigned char a[SHA256_LEN], b[SHA256_LEN];
    size_t n;
    int rc = -1;

    if (!secret_key || !date || !region || !service || !key)
        goto fail;
    n = strlen(secret_key);
    if (n > SIGV4_SECRET_MAX)
        goto fail;
    memcpy(k0, "AWS4", 4);
    memcpy(k0 + 4, secret_key, n);
    if (hmac_sha256(k0, 4 + n, date, strlen(date), a) < 0 ||
        hmac_sha256(a, sizeof a, region, strlen(region), b) < 0 ||
        hmac_sha256(b, sizeof b, service, strlen(service), a) < 0 ||
        hmac_sha256(a, sizeof a, TERMINATOR, strlen(TERMINATOR), key) < 0)
        goto fail;
    rc = 0;
fail:
    sha256_forget(); /* the derived key */
    OPENSSL_cleanse(k0, sizeof k0);
    OPENSSL_cleanse(a, sizeof a);
    OPENSSL_cleanse(b, sizeof b);
    return rc;
}

int sigv4_signature(const unsigned char key[SIGV4_KEY_LEN],
                    const char *string_to_sign,
                    char hex[SIGV4_SIG_HEX_LEN + 1])
{
    unsigned char mac[SHA256_LEN];

    if (!key || !string_to_sign || !hex)
        return -1;
    if (hmac_sha256_kept(key, string_to_sign, strlen(string_to_sign), mac) < 0)
        return -1;
    to_hex(mac, sizeof mac, hex);
    return 0;
}

/* ---- parsing ------------------------------------------------------------ */

static int bad(sigv4_auth *out, const char *reason)
{
    out->reason = reason;
    return -1;
}

/* Copies s into dst when it is 1..cap-1 bytes, each accepted by ok. */
static int copy_field(span s, char *dst, size_t cap, int (*ok)(unsigned char))
{
    if (s.n == 0 || s.n >= cap)
        return -1;
    for (size_t i = 0; i < s.n; i++)
        if (!ok((unsigned char)s.p[i]))
            return -1;
    memcpy(dst, s.p, s.n);
    dst[s.n] = '\0';
    return 0;
}

static int is_visible(unsigned char c) { return c > 0x20 && c < 0x7f; }

static int is_scope_char(unsigned char c)
{
    return is_alnum(c) || c == '-' || c == '_' || c == '.';
}

/* RFC 9110 token characters, upper case excluded. */
static int is_lower_tchar(unsigned char c)
{
    return is_digit(c) || is_lower(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int64_t days_from_civil(int y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int num(const char *p, int n)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (!is_digit((unsigned char)p[i]))
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* YYYYMMDD naming a real day from 1970 on; days since the epoch or -1. */
static int64_t parse_day(const char *p)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30,
                                31, 31, 30, 31, 30, 31};
    int y = num(p, 4), m = num(p + 4, 2), d = num(p + 6, 2);
    int leap;

    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return -1;
    leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m == 2 && d == 29 && !leap)
        return -1;
    return days_from_civil(y, m, d);
}

static int parse_algorithm(span v, sigv4_auth *out)
{
    return span_is(v, ALGORITHM) ? 0 : bad(out, "unsupported algorithm");
}

static int parse_credential(span v, sigv4_auth *out)
{
    span part[5];
    size_t k = 0;
    const char *p = v.p, *end = v.p + v.n;

    for (; k < 5; k++) {
        const char *q = memchr(p, '/', (size_t)(end - p));
        part[k] = (span){p, q ? (size_t)(q - p) : (size_t)(end - p)};
        if (!q)
            break;
        p = q + 1;
    }
    if (k != 4)
        return bad(out, "Credential is not AKID/date/region/service/"
                        "aws4_request");
    if (copy_field(part[0], out->access_key_id, sizeof out->access_key_id,
                   is_visible) < 0)
        return bad(out, "bad access key id in Credential");
    if (part[1].n != SIGV4_DATE_LEN ||
        copy_field(part[1], out->date, sizeof out->date, is_digit) < 0 ||
        parse_day(out->date) < 0)
        return bad(out, "bad date in Credential");
    if (copy_field(part[2], out->region, sizeof out->region,
                   is_scope_char) < 0 ||
        copy_field(part[3], out->service, sizeof out->service,
                   is_scope_char) < 0)
        return bad(out, "bad region or service in Credential");
    if (!span_is(part[4], TERMINATOR))
        return bad(out, "Credential does not end in aws4_request");
    return 0;
}

/* Byte order of two names; a prefix sorts first. */
static int span_cmp(span a, span b)
{
    int c = memcmp(a.p, b.p, a.n < b.n ? a.n : b.n);

    return c ? c : (a.n > b.n) - (a.n < b.n);
}

static int parse_signed_headers(span v, sigv4_auth *out)
{
    span prev = {"", 0};
    int host = 0;
    const char *p = v.p, *end = v.p + v.n;

    if (copy_field(v, out->signed_headers, sizeof out->signed_headers,
                   is_visible) < 0)
        return bad(out, "SignedHeaders empty or too long");
    for (;;) {
        const char *q = memchr(p, ';', (size_t)(end - p));
        span name = {p, q ? (size_t)(q - p) : (size_t)(end - p)};
        for (size_t i = 0; i < name.n; i++)
            if (!is_lower_tchar((unsigned char)name.p[i]))
                return bad(out, "SignedHeaders has a bad header name");
        if (name.n == 0 || span_cmp(prev, name) >= 0)
            return bad(out, "SignedHeaders is not sorted, or repeats a name");
        host |= span_is(name, "host");
        prev = name;
        if (!q)
            break;
        p = q + 1;
    }
    return host ? 0 : bad(out, "SignedHeaders must include host");
}

static int parse_signature(span v, sigv4_auth *out)
{
    if (v.n != SIGV4_SIG_HEX_LEN)
        return bad(out, "Signature is not 64 hex digits");
    for (size_t i = 0; i < v.n; i++) {
        int d = hex_val((unsigned char)v.p[i]);
        if (d < 0)
            return bad(out, "Signature is not 64 hex digits");
        out->signature[i] = HEX_LOWER[d];
    }
    out->signature[v.n] = '\0';
    return 0;
}

static int parse_amz_date(span v, sigv4_auth *out)
{
    const char *p = v.p;
    int64_t day;
    int h, mi, s;

    if (v.n != SIGV4_AMZ_DATE_LEN || p[8] != 'T' || p[15] != 'Z')
        return bad(out, "X-Amz-Date is not YYYYMMDDTHHMMSSZ");
    if (copy_field(v, out->amz_date, sizeof out->amz_date, is_visible) < 0)
        return bad(out, "X-Amz-Date is not YYYYMMDDTHHMMSSZ");
    day = parse_day(p);
    h = num(p + 9, 2);
    mi = num(p + 11, 2);
    s = num(p + 13, 2);
    if (day < 0 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59)
        return bad(out, "X-Amz-Date names no real instant");
    out->timestamp = day * 86400 + h * 3600 + mi * 60 + s;
    return out->timestamp <= TS_MAX ? 0 : bad(out, "X-Amz-Date out of range");
}

static int parse_expires(span v, sigv4_auth *out)
{
    int n = v.n >= 1 && v.n <= 6 ? num(v.p, (int)v.n) : -1;

    if (n < 1 || n > SIGV4_MAX_EXPIRES)
        return bad(out, "X-Amz-Expires is not 1..604800 seconds");
    out->expires_s = n;
    return 0;
}

typedef int (*field_fn)(span v, sigv4_auth *out);

/* Authorization-header parameter names are NULL where only the query has. */
static const struct {
    const char *header_name;
    const char *query_name;
    field_fn parse;
} FIELDS[] = {
    {NULL, "X-Amz-Algorithm", parse_algorithm},
    {"Credential", "X-Amz-Credential", parse_credential},
    {"SignedHeaders", "X-Amz-SignedHeaders", parse_signed_headers},
    {"Signature", "X-Amz-Signature", parse_signature},
    {NULL, "X-Amz-Date", parse_amz_date},
    {NULL, "X-Amz-Expires", parse_expires},
};
#define NFIELDS (sizeof FIELDS / sizeof FIELDS[0])
#define HEADER_FIELDS 0x0eu /* Credential, SignedHeaders, Signature */
#define QUERY_FIELDS 0x3fu  /* all six */

static span trim(span s)
{
    while (s.n > 0 && is_ws((unsigned char)s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n > 0 && is_ws((unsigned char)s.p[s.n - 1]))
        s.n--;
    return s;
}

/* One "Name=value" of the Authorization header; marks it in *seen. */
static int parse_auth_item(span item, sigv4_auth *out, unsigned *seen)
{
    const char *eq = memchr(item.p, '=', item.n);
    span name, value;

    if (!eq)
        return bad(out, "Authorization parameter without '='");
    name = trim((span){item.p, (size_t)(eq - item.p)});
    value = trim((span){eq + 1, (size_t)(item.p + item.n - eq - 1)});
    for (size_t i = 0; i < NFIELDS; i++) {
        if (!FIELDS[i].header_name || !span_is(name, FIELDS[i].header_name))
            continue;
        if (*seen & (1u << i))
            return bad(out, "Authorization repeats a parameter");
        *seen |= 1u << i;
        return FIELDS[i].parse(value, out);
    }
    return bad(out, "unknown Authorization parameter");
}

static int parse_authorization(const char *v, sigv4_auth *out)
{
    span s = trim((span){v, strlen(v)});
    size_t alg = 0;
    unsigned seen = 0;

    while (alg < s.n && !is_ws((unsigned char)s.p[alg]))
        alg++;
    if (parse_algorithm((span){s.p, alg}, out) < 0)
        return -1;
    if (alg == s.n)
        return bad(out, "Authorization has no parameters");
    s.p += alg;
    s.n -= alg;
    for (;;) {
        const char *comma = memchr(s.p, ',', s.n);
        size_t n = comma ? (size_t)(comma - s.p) : s.n;
        if (parse_auth_item((span){s.p, n}, out, &seen) < 0)
            return -1;
        if (!comma)
            break;
        s.p = comma + 1;
        s.n -= n + 1;
    }
    if ((seen & HEADER_FIELDS) != HEADER_FIELDS)
        return bad(out, "Authorization lacks Credential, SignedHeaders or "
                        "Signature");
    return 0;
}

static sigv4_status parse_header_form(const sigv4_request *req,
                                      const char *authz, sigv4_auth *out)
{
    int count = 0;
    const sigv4_header *date = find_header(req, "x-amz-date", &count);

    if (parse_authorization(authz, out) < 0)
        return SIGV4_MALFORMED;
    if (count != 1) {
        bad(out, count ? "more than one X-Amz-Date header"
                       : "X-Amz-Date header missing");
        return SIGV4_MALFORMED;
    }
    if (parse_amz_date(trim((span){or_empty(date->value),
                                   strlen(or_empty(date->value))}),
                       out) < 0)
        return SIGV4_MALFORMED;
    return SIGV4_OK;
}

/* Index of the auth parameter that query key k decodes to, or -1. */
static int query_field(span k)
{
    char name[32];
    size_t n;

    if (pct_decode(k.p, k.n, name, sizeof name, &n) < 0)
        return -1;
    for (size_t i = 0; i < NFIELDS; i++)
        if (strlen(FIELDS[i].query_name) == n &&
            memcmp(FIELDS[i].query_name, name, n) == 0)
            return (int)i;
    return -1;
}

static int parse_query_item(const qpair *pr, sigv4_auth *out, unsigned *seen)
{
    char value[SIGV4_SIGNED_HEADERS_MAX + 1];
    size_t n;
    int i = query_field(pr->k);

    if (i < 0)
        return 0;
    if (*seen & (1u << i))
        return bad(out, "query repeats an X-Amz- auth parameter");
    *seen |= 1u << i;
    if (pct_decode(pr->v.p, pr->v.n, value, sizeof value, &n) < 0)
        return bad(out, "X-Amz- query parameter too long");
    return FIELDS[i].parse((span){value, n}, out);
}

static sigv4_status parse_query_form(const char *query, sigv4_auth *out)
{
    qpair pairs[SIGV4_QUERY_PARAMS_MAX];
    size_t count = 0;
    unsigned seen = 0;

    out->presigned = 1;
    if (split_query(query, pairs, &count) < 0) {
        bad(out, "too many query parameters");
        return SIGV4_MALFORMED;
    }
    for (size_t i = 0; i < count; i++)
        if (parse_query_item(&pairs[i], out, &seen) < 0)
            return SIGV4_MALFORMED;
    if ((seen & QUERY_FIELDS) != QUERY_FIELDS) {
        bad(out, "presigned URL lacks an X-Amz- auth parameter");
        return SIGV4_MALFORMED;
    }
    return SIGV4_OK;
}

/* Does the query carry the marks of a presigned URL? */
static int query_is_presigned(const char *q)
{
    while (q && *q) {
        size_t n = strcspn(q, "&");
        int i = query_field((span){q, strcspn(q, "=&")});
        if (i == 0 || i == 1 || i == 3)
            return 1; /* Algorithm, Credential or Signature */
        q += n;
        if (*q == '&')
            q++;
    }
    return 0;
}

sigv4_status sigv4_parse(const sigv4_request *req, sigv4_auth *out)
{
    int count = 0;
    const sigv4_header *authz;
    int presigned;
    sigv4_status st = SIGV4_MALFORMED;

    if (!out)
        return SIGV4_MALFORMED;
    memset(out, 0, sizeof *out);
    if (!req) {
        bad(out, "no request");
        goto fail;
    }
    authz = find_header(req, "authorization", &count);
    presigned = query_is_presigned(req->raw_query);
    if (count == 0 && !presigned) {
        st = SIGV4_MISSING;
        bad(out, "no Authorization header or presigned query");
        goto fail;
    }
    if (count > 1 || (count == 1 && presigned)) {
        bad(out, count > 1 ? "more than one Authorization header"
                           : "both an Authorization header and a presigned "
                             "query");
        goto fail;
    }
    st = count ? parse_header_form(req, or_empty(authz->value), out)
               : parse_query_form(req->raw_query, out);
    if (st == SIGV4_OK && memcmp(out->date, out->amz_date, 8) != 0) {
        st = SIGV4_MALFORMED;
        bad(out, "Credential date is not the day of X-Amz-Date");
    }
fail:
    return st;
}

int sigv4_identity(const sigv4_request *req,
                   char access_key_id[SIGV4_AKID_MAX + 1],
                   char region[SIGV4_REGION_MAX + 1])
{
    sigv4_auth auth;

    if (!access_key_id || !region || sigv4_parse(req, &auth) != SIGV4_OK)
        return -1;
    memcpy(access_key_id, auth.access_key_id, sizeof auth.access_key_id);
    memcpy(region, auth.region, sizeof auth.region);
    return 0;
}

/* ---- verification ------------------------------------------------------- */

static sigv4_status check_time(const sigv4_auth *a, int64_t now, int skew,
                               char *why, size_t whylen)
{
    int64_t s = skew < 0 ? 0 : skew;

    /* timestamp and expires are bounded by parsing, so none of this wraps */
    if (now < a->timestamp - s) {
        say(why, whylen, "request time %s is in the future", a->amz_date);
        return SIGV4_SKEW;
    }
    if (a->presigned && now > a->timestamp + a->expires_s) {
        say(why, whylen, "presigned URL expired (%s + %llds)", a->amz_date,
            (long long)a->expires_s);
        return SIGV4_SKEW;
    }
    if (!a->presigned && now > a->timestamp + s) {
        say(why, whylen, "request time %s is too old", a->amz_date);
        return SIGV4_SKEW;
    }
    return SIGV4_OK;
}

/*
 * The signing key for auth's scope: the caller's, when it keeps derived
 * keys across requests, else derived from secret here.
 */
static int scope_key(const sigv4_auth *auth, const char *secret,
                     const unsigned char *given,
                     unsigned char key[SIGV4_KEY_LEN])
{
    if (given) {
        memcpy(key, given, SIGV4_KEY_LEN);
        return 0;
    }
    return sigv4_signing_key(secret, auth->date, auth->region, auth->service,
                             key);
}

/*
 * The hex signature the request should carry.  The canonical request is
 * streamed through the thread's working context, which then serves the
 * key derivation (when there is no given key) and the HMAC in turn.
 */
static sigv4_status expected_signature(const sigv4_request *req,
                                       const sigv4_auth *auth,
                                       const char *secret,
                                       const unsigned char *given_key,
                                       const char *payload,
                                       char hex[HEX64_SIZE], char *why,
                                       size_t whylen)
{
    sink s;
    unsigned char hash[SHA256_LEN], key[SIGV4_KEY_LEN], mac[SHA256_LEN];
    char sts[SIGV4_STS_MAX];
    size_t sts_len;
    sigv4_status st = SIGV4_ERROR;

    memset(key, 0, sizeof key);
    if (sha256_begin() < 0)
        goto crypto;
    sink_init(&s, NULL, 0, 1);
    st = build_canonical(&s, req, auth, payload, why, whylen);
    if (st != SIGV4_OK)
        goto fail;
    st = SIGV4_ERROR;
    if (sha256_end(hash) < 0 ||
        sts_format(auth, hash, sts, sizeof sts, &sts_len) < 0 ||
        scope_key(auth, secret, given_key, key) < 0 ||
        hmac_sha256_kept(key, sts, sts_len, mac) < 0)
        goto crypto;
    to_hex(mac, sizeof mac, hex);
    st = SIGV4_OK;
    goto fail;
crypto:
    say(why, whylen, "cannot compute the signature");
fail:
    OPENSSL_cleanse(key, sizeof key);
    return st;
}

/* sigv4_verify() and sigv4_verify_key(): exactly one of secret, key set. */
static sigv4_status verify(const sigv4_request *req, const sigv4_auth *auth,
                           const char *secret, const unsigned char *key,
                           int64_t now_epoch_s, int max_skew_s, char *why,
                           size_t whylen)
{
    char body_hex[HEX64_SIZE], want[HEX64_SIZE];
    const char *payload = NULL;
    sigv4_status st = SIGV4_MALFORMED;

    clear_why(why, whylen);
    if (!req || !auth || (!secret && !key)) {
        say(why, whylen, "missing argument");
        goto fail;
    }
    st = check_time(auth, now_epoch_s, max_skew_s, why, whylen);
    if (st != SIGV4_OK)
        goto fail;
    st = payload_line(req, 1, body_hex, &payload, why, whylen);
    if (st != SIGV4_OK)
        goto fail;
    st = expected_signature(req, auth, secret, key, payload, want, why,
                            whylen);
    if (st != SIGV4_OK)
        goto fail;
    if (CRYPTO_memcmp(want, auth->signature, SIGV4_SIG_HEX_LEN) != 0) {
        st = SIGV4_BAD_SIGNATURE;
        say(why, whylen, "signature does not match");
    }
fail:
    return st;
}

sigv4_status sigv4_verify(const sigv4_request *req, const sigv4_auth *auth,
                          const char *secret_key, int64_t now_epoch_s,
                          int max_skew_s, char *why, size_t whylen)
{
    if (!secret_key) {
        say(why, whylen, "missing argument");
        return SIGV4_MALFORMED;
    }
    return verify(req, auth, secret_key, NULL, now_epoch_s, max_skew_s, why,
                  whylen);
}

sigv4_status sigv4_verify_key(const sigv4_request *req,
                              const sigv4_auth *auth,
                              const unsigned char key[SIGV4_KEY_LEN],
                              int64_t now_epoch_s, int max_skew_s, char *why,
                              size_t whylen)
{
    if (!key) {
        say(why, whylen, "missing argument");
        return SIGV4_MALFORMED;
    }
    return verify(req, auth, NULL, key, now_epoch_s, max_skew_s, why, whylen);
}

const char *sigv4_status_name(sigv4_status st)
{
    switch (st) {
    case SIGV4_OK: return "OK";
    case SIGV4_MISSING: return "MISSING";
    case SIGV4_MALFORMED: return "MALFORMED";
    case SIGV4_BAD_SIGNATURE: return "BAD_SIGNATURE";
    case SIGV4_SKEW: return "SKEW";
    case SIGV4_ERROR: return "ERROR";
    }
    return "UNKNOWN";
}
