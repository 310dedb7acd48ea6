/*
 * fuzz_sigv4.c - libFuzzer driver for the SigV4 module: sigv4_parse() and
 * sigv4_identity() on arbitrary requests, then, for a readable signature,
 * sigv4_canonical_request() and sigv4_verify() under a fixed secret with
 * the clock set to the request's own time, so the whole canonicaliser and
 * the comparison run.
 *
 * Input format (a corpus file is readable text):
 *   line 1      method
 *   line 2      raw path, percent-encoded as on the wire
 *   line 3      raw query string without '?'
 *   lines 4..   "Name: value" headers, up to an empty line
 *   rest        the body
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/sigv4.h"

#define MAX_HEADERS 64
#define CANONICAL_MAX (64 * 1024)
#define TEXT_MAX (256 * 1024)

typedef struct {
    char *text;             /* NUL-separated copy of the input (owned) */
    sigv4_header headers[MAX_HEADERS];
    sigv4_request req;
} fuzz_request;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Next line of the copy, cut off in place; NULL at the end. */
static char *next_line(char **p, char *end)
{
    char *line = *p, *nl;

    if (line >= end)
        return NULL;
    nl = memchr(line, '\n', (size_t)(end - line));
    if (!nl)
        nl = end;
    *nl = '\0';
    *p = nl + 1;
    return line;
}

static void read_headers(fuzz_request *r, char **p, char *end)
{
    char *line;

    while ((line = next_line(p, end)) != NULL && *line &&
           r->req.header_count < MAX_HEADERS) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = '\0';
        r->headers[r->req.header_count++] =
            (sigv4_header){line, colon[1] == ' ' ? colon + 2 : colon + 1};
    }
}

static int build(fuzz_request *r, const uint8_t *data, size_t size)
{
    char *p, *end;

    memset(r, 0, sizeof *r);
    r->text = malloc(size + 1);
    if (!r->text)
        return -1;
    memcpy(r->text, data, size);
    r->text[size] = '\0';
    p = r->text;
    end = r->text + size;
    r->req.method = next_line(&p, end);
    r->req.raw_path = next_line(&p, end);
    r->req.raw_query = next_line(&p, end);
    r->req.headers = r->headers;
    read_headers(r, &p, end);
    if (p < end) {
        r->req.body = (const unsigned char *)p;
        r->req.body_len = (size_t)(end - p);
    }
    if (!r->req.method)
        r->req.method = "GET";
    if (!r->req.raw_path)
        r->req.raw_path = "/";
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char canonical[CANONICAL_MAX];
    char akid[SIGV4_AKID_MAX + 1], region[SIGV4_REGION_MAX + 1], why[256];
    fuzz_request r;
    sigv4_auth auth;

    if (size > TEXT_MAX || build(&r, data, size) != 0)
        return 0;
    sigv4_identity(&r.req, akid, region);
    if (sigv4_parse(&r.req, &auth) == SIGV4_OK) {
        sigv4_canonical_request(&r.req, &auth, canonical, sizeof canonical,
                                why, sizeof why);
        sigv4_verify(&r.req, &auth, "fuzz-secret", auth.timestamp, 900, why,
                     sizeof why);
    }
    free(r.text);
    return 0;
}
