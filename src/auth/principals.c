/*
 * principals.c - reads the credentials file (see principals.h and
 * docs/credentials.md).
 *
 * The whole file is kept in one buffer owned by the set; fields are cut
 * out of it in place, so a principal is five pointers into that buffer and
 * freeing the set is one wipe and two frees.  Checks run line by line, so
 * the first mistake in the file is the one reported; duplicate access key
 * ids are found afterwards, on the array sorted for lookups.
 */
#include "auth/principals.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/signing_cache.h"

#define FIELDS_MIN 4
#define FIELDS_MAX 5
#define ACCOUNT_LEN 12

struct principals {
    char *text;       /* the file's bytes, NUL-cut into fields (owned) */
    size_t text_len;
    principal *items; /* sorted by access_key_id (owned) */
    size_t count;
    size_t cap;
};

/* Where the parser is, for messages. */
typedef struct {
    const char *name;
    int line;
    char *err;
    size_t errlen;
} cursor;

static int fail_at(const cursor *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes "name:line: message" into c->err; returns -1. */
static int fail_at(const cursor *c, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->err && c->errlen)
        snprintf(c->err, c->errlen, "%s:%d: %s", c->name, c->line, msg);
    return -1;
}

/* ---- checks on single values --------------------------------------------- */

static bool all_chars(const char *s, bool (*ok)(unsigned char))
{
    for (; *s; s++)
        if (!ok((unsigned char)*s))
            return false;
    return true;
}

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static bool is_visible(unsigned char c) { return c > 0x20 && c < 0x7f; }

/* Characters an access key id may use: they survive the Credential= form
 * of a signature unquoted and need no escaping in the access log. */
static bool is_key_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) ||
           c == '_' || c == '-' || c == '.';
}

static bool is_partition_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || c == '-';
}

static bool is_account(const char *s, size_t n)
{
    if (n != ACCOUNT_LEN)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_digit((unsigned char)s[i]))
            return false;
    return true;
}

/* The six colon-separated parts of an ARN, as lengths into the string;
 * the last part (the resource) may itself contain colons. */
typedef struct {
    const char *part[6];
    size_t len[6];
} arn_parts;

static bool split_arn(const char *arn, arn_parts *out)
{
    const char *p = arn;

    for (int i = 0; i < 5; i++) {
        const char *colon = strchr(p, ':');
        if (!colon)
            return false;
        out->part[i] = p;
        out->len[i] = (size_t)(colon - p);
        p = colon + 1;
    }
    out->part[5] = p;
    out->len[5] = strlen(p);
    return out->len[0] == 3 && memcmp(arn, "arn", 3) == 0 && out->len[1] > 0 &&
           out->len[5] > 0;
}

static bool part_is(const arn_parts *a, int i, const char *want)
{
    return a->len[i] == strlen(want) &&
           memcmp(a->part[i], want, a->len[i]) == 0;
}

static bool partition_ok(const arn_parts *a)
{
    for (size_t i = 0; i < a->len[1]; i++)
        if (!is_partition_char((unsigned char)a->part[1][i]))
            return false;
    return true;
}

/* ---- one column at a time ------------------------------------------------ */

static int check_key(const cursor *c, const char *v)
{
    if (strlen(v) > PRINCIPAL_AKID_MAX)
        return fail_at(c, "column 1 (access key id) is longer than %d "
                          "characters", PRINCIPAL_AKID_MAX);
    if (!all_chars(v, is_key_char))
        return fail_at(c, "column 1 (access key id) may hold only letters, "
                          "digits, '_', '-' and '.'");
    return 0;
}

static int check_secret(const cursor *c, const char *v)
{
    if (strlen(v) > PRINCIPAL_SECRET_MAX)
        return fail_at(c, "column 2 (secret access key) is longer than %d "
                          "characters", PRINCIPAL_SECRET_MAX);
    if (!all_chars(v, is_visible))
        return fail_at(c, "column 2 (secret access key) may hold only "
                          "printable ASCII characters");
    return 0;
}

static int check_account(const cursor *c, const char *v)
{
    if (!is_account(v, strlen(v)))
        return fail_at(c, "column 3 (account id) must be exactly 12 digits");
    return 0;
}

/* arn:PARTITION:iam::ACCOUNT:RESOURCE, or sts for an assumed role; the
 * account must be the one in column 3. */
static int check_principal_arn(const cursor *c, const char *v,
                               const char *account)
{
    arn_parts a;

    if (strlen(v) > PRINCIPAL_ARN_MAX)
        return fail_at(c, "column 4 (principal ARN) is longer than %d "
                          "characters", PRINCIPAL_ARN_MAX);
    if (!all_chars(v, is_visible) || !split_arn(v, &a) || !partition_ok(&a) ||
        !(part_is(&a, 2, "iam") || part_is(&a, 2, "sts")) || a.len[3] != 0 ||
        !is_account(a.part[4], a.len[4]))
        return fail_at(c, "column 4 (principal ARN) is not an IAM ARN of the "
                          "form arn:aws:iam::ACCOUNT:RESOURCE");
    if (memcmp(a.part[4], account, ACCOUNT_LEN) != 0)
        return fail_at(c, "column 4 (principal ARN) names a different account "
                          "than column 3");
    return 0;
}

/* "instance/ID/agent/ID": exactly four non-empty segments. */
static bool is_agent_resource(const char *r, size_t n)
{
    static const char *const fixed[] = {"instance", NULL, "agent", NULL};
    const char *end = r + n;

    for (int i = 0; i < 4; i++) {
        const char *slash = memchr(r, '/', (size_t)(end - r));
        const char *stop = slash ? slash : end;
        size_t len = (size_t)(stop - r);
        if (len == 0 || (fixed[i] && (len != strlen(fixed[i]) ||
                                      memcmp(r, fixed[i], len) != 0)))
            return false;
        if ((i < 3) != (slash != NULL))
            return false;
        r = stop + 1;
    }
    return true;
}

static int check_user_arn(const cursor *c, const char *v)
{
    arn_parts a;

    if (strlen(v) > PRINCIPAL_ARN_MAX)
        return fail_at(c, "column 5 (Connect user ARN) is longer than %d "
                          "characters", PRINCIPAL_ARN_MAX);
    if (!all_chars(v, is_visible) || !split_arn(v, &a) || !partition_ok(&a) ||
        !part_is(&a, 2, "connect") || a.len[3] == 0 ||
        !is_account(a.part[4], a.len[4]) ||
        !is_agent_resource(a.part[5], a.len[5]))
        return fail_at(c, "column 5 (Connect user ARN) is not of the form "
                          "arn:aws:connect:REGION:ACCOUNT:"
                          "instance/ID/agent/ID");
    return 0;
}

/* ---- lines --------------------------------------------------------------- */

/*
 * Cuts line (writable, NUL-terminated) into blank-separated fields, up to
 * a field that starts with '#'.  Stores the first FIELDS_MAX and returns
 * how many there are in all.
 */
static int split_fields(char *line, char *fields[FIELDS_MAX])
{
    int n = 0;
    char *p = line;

    for (;;) {
        p += strspn(p, " \t");
        if (!*p || *p == '#')
            return n;
        if (n < FIELDS_MAX)
            fields[n] = p;
        n++;
        p += strcspn(p, " \t");
        if (*p)
            *p++ = '\0';
    }
}

static int grow(principals *set, const cursor *c)
{
    size_t cap = set->cap ? set->cap * 2 : 16;
    principal *items;

    if (set->count == PRINCIPALS_MAX)
        return fail_at(c, "more than %d principals", PRINCIPALS_MAX);
    if (cap > PRINCIPALS_MAX)
        cap = PRINCIPALS_MAX;
    items = realloc(set->items, cap * sizeof *items);
    if (!items)
        return fail_at(c, "out of memory");
    set->items = items;
    set->cap = cap;
    return 0;
}

static int check_fields(const cursor *c, char *const f[FIELDS_MAX], int n)
{
    if (n < FIELDS_MIN || n > FIELDS_MAX)
        return fail_at(c, "expected 4 or 5 fields (access key id, secret, "
                          "account id, principal ARN, [Connect user ARN]), "
                          "found %d", n);
    if (check_key(c, f[0]) || check_secret(c, f[1]) ||
        check_account(c, f[2]) || check_principal_arn(c, f[3], f[2]) ||
        (n == FIELDS_MAX && check_user_arn(c, f[4])))
        return -1;
    return 0;
}

/* Reads one line (NUL-terminated, writable); blank and comment lines add
 * nothing. */
static int parse_line(principals *set, const cursor *c, char *line)
{
    char *f[FIELDS_MAX];
    int n = split_fields(line, f);

    if (n == 0)
        return 0;
    if (check_fields(c, f, n) != 0)
        return -1;
    if (set->count == set->cap && grow(set, c) != 0)
        return -1;
    set->items[set->count++] = (principal){
        .access_key_id = f[0], .secret_key = f[1], .account_id = f[2],
        .arn = f[3], .connect_user_arn = n == FIELDS_MAX ? f[4] : NULL,
        .line = c->line,
    };
    return 0;
}

/* Walks the buffer line by line, cutting each line off with a NUL. */
static int parse_lines(principals *set, cursor *c)
{
    char *p = set->text, *end = set->text + set->text_len;

    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *stop = nl ? nl : end;
        c->line++;
        if ((size_t)(stop - p) > PRINCIPALS_LINE_MAX)
            return fail_at(c, "line is longer than %d bytes",
                           PRINCIPALS_LINE_MAX);
        if (memchr(p, '\0', (size_t)(stop - p)))
            return fail_at(c, "line contains a NUL byte");
        if (stop > p && stop[-1] == '\r')
            stop[-1] = '\0';
        *stop = '\0';
        if (parse_line(set, c, p) != 0)
            return -1;
        p = stop + 1;
    }
    return 0;
}

/* Orders by access key id, then by line, so duplicates sit side by side
 * with the first definition in front. */
static int by_key(const void *a, const void *b)
{
    const principal *x = a, *y = b;
    int d = strcmp(x->access_key_id, y->access_key_id);

    return d ? d : (x->line > y->line) - (x->line < y->line);
}

/* After sorting: the duplicate defined earliest in the file, if any. */
static int check_duplicates(const principals *set, cursor *c)
{
    const principal *dup = NULL, *first = NULL;

    for (size_t i = 1; i < set->count; i++) {
        const principal *a = &set->items[i - 1], *b = &set->items[i];
        if (strcmp(a->access_key_id, b->access_key_id) != 0)
            continue;
        if (!dup || b->line < dup->line) {
            dup = b;
            first = a;
        }
    }
    if (!dup)
        return 0;
    c->line = dup->line;
    return fail_at(c, "duplicate access key id (first defined on line %d)",
                   first->line);
}

/* Takes ownership of text[0..len) (malloc'd, with room for a NUL). */
static principals *parse_owned(char *text, size_t len, const char *name,
                               char *err, size_t errlen)
{
    cursor c = {.name = name, .err = err, .errlen = errlen};
    principals *set = calloc(1, sizeof *set);

    if (!set) {
        snprintf(err, errlen, "%s: out of memory", name);
        OPENSSL_cleanse(text, len);
        free(text);
        return NULL;
    }
    set->text = text;
    set->text_len = len;
    text[len] = '\0';
    if (parse_lines(set, &c) != 0)
        goto fail;
    if (set->count == 0) {
        snprintf(err, errlen, "%s: defines no principals", name);
        goto fail;
    }
    qsort(set->items, set->count, sizeof *set->items, by_key);
    if (check_duplicates(set, &c) != 0)
        goto fail;
    return set;
fail:
    principals_free(set);
    return NULL;
}

principals *principals_parse(const char *text, size_t len, const char *name,
                             char *err, size_t errlen)
{
    char *copy;

    if (len > PRINCIPALS_FILE_MAX) {
        snprintf(err, errlen, "%s: larger than %u bytes", name,
                 PRINCIPALS_FILE_MAX);
        return NULL;
    }
    copy = malloc(len + 1);
    if (!copy) {
        snprintf(err, errlen, "%s: out of memory", name);
        return NULL;
    }
    memcpy(copy, text, len);
    return parse_owned(copy, len, name, err, errlen);
}

/* Reads at most PRINCIPALS_FILE_MAX + 1 bytes, so an over-large file (or a
 * pipe that never ends) is refused without reading it all. */
static char *read_bounded(FILE *f, size_t *len)
{
    size_t cap = PRINCIPALS_FILE_MAX + 2, n = 0, got;
    char *buf = malloc(cap);

    if (!buf)
        return NULL;
    while (n < cap - 1 && (got = fread(buf + n, 1, cap - 1 - n, f)) > 0)
        n += got;
    *len = n;
    return buf;
}

principals *principals_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    size_t len = 0;
    char *text;
    int failed;

    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    text = read_bounded(f, &len);
    failed = ferror(f);
    fclose(f);
    if (text && !failed && len <= PRINCIPALS_FILE_MAX)
        return parse_owned(text, len, path, err, errlen);
    if (!text)
        snprintf(err, errlen, "%s: out of memory", path);
    else if (failed)
        snprintf(err, errlen, "%s: read error", path);
    else
        snprintf(err, errlen, "%s: larger than %u bytes", path,
                 PRINCIPALS_FILE_MAX);
    if (text)
        OPENSSL_cleanse(text, len);
    free(text);
    return NULL;
}

static int key_cmp(const void *key, const void *item)
{
    return strcmp(key, ((const principal *)item)->access_key_id);
}

const principal *principals_find(const principals *set,
                                 const char *access_key_id)
{
    if (!set || !access_key_id)
        return NULL;
    return bsearch(access_key_id, set->items, set->count, sizeof *set->items,
                   key_cmp);
}

size_t principals_count(const principals *set)
{
    return set ? set->count : 0;
}

void principals_free(principals *set)
{
    if (!set)
        return;
    /* the cache holds keys derived from these secrets, and copies of them */
    signing_cache_clear();
    OPENSSL_cleanse(set->text, set->text_len);
    free(set->text);
    free(set->items);
    free(set);
}
