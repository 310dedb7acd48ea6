/*
 * sigv4.h - AWS Signature Version 4 (AWS4-HMAC-SHA256): reading the
 * signature a request claims and checking it.
 *
 * The module works on a plain description of a request (sigv4_request), so
 * the HTTP layer, the unit tests and the fuzzers drive it the same way; it
 * knows nothing of the HTTP library or the store.  Both forms are accepted:
 * the Authorization header and the presigned URL (X-Amz-* query
 * parameters).  Paths are canonicalised the way clients sign for every
 * service but S3: dot segments and empty segments are dropped, then each
 * remaining segment is percent-encoded again, so "%3A" on the wire signs as
 * "%253A".
 *
 * Typical use: sigv4_parse() (cheap, no hashing) to learn the access key id
 * and scope, look the secret up, then sigv4_verify(), or sigv4_verify_key()
 * with a signing key kept from an earlier request (auth/signing_cache.h).
 */
#ifndef CASESD_SIGV4_H
#define CASESD_SIGV4_H

#include <stddef.h>
#include <stdint.h>

#define SIGV4_AKID_MAX 128            /* longest access key id accepted */
#define SIGV4_REGION_MAX 63
#define SIGV4_SERVICE_MAX 63
#define SIGV4_SIGNED_HEADERS_MAX 1024 /* "host;x-amz-date;..." as sent */
#define SIGV4_SECRET_MAX 256          /* longest secret access key */
#define SIGV4_DATE_LEN 8              /* YYYYMMDD */
#define SIGV4_AMZ_DATE_LEN 16         /* YYYYMMDDTHHMMSSZ */
#define SIGV4_SIG_HEX_LEN 64
#define SIGV4_KEY_LEN 32              /* derived signing key, raw bytes */
#define SIGV4_MAC_LEN 32              /* HMAC-SHA256 output, raw bytes */
#define SIGV4_STS_MAX 320             /* any string to sign, with its NUL */
#define SIGV4_MAX_EXPIRES 604800      /* presigned URLs live at most 7 days */
#define SIGV4_QUERY_PARAMS_MAX 256    /* more and the request is refused */
#define SIGV4_PATH_DEPTH_MAX 128      /* path segments kept after "..", "." */

typedef enum {
    SIGV4_OK = 0,
    SIGV4_MISSING,       /* no Authorization header, no presigned query */
    SIGV4_MALFORMED,     /* a signature is there but cannot be read */
    SIGV4_BAD_SIGNATURE, /* readable, but does not match the request */
    SIGV4_SKEW,          /* too far from now, or a presigned URL expired */
    SIGV4_ERROR          /* caller buffer too small, or libcrypto failed */
} sigv4_status;

/* Static name of a status ("OK", "MALFORMED", ...), for logs and tests. */
const char *sigv4_status_name(sigv4_status st);

/* One header line as received: any case of name, value untrimmed. */
typedef struct {
    const char *name;
    const char *value;
} sigv4_header;

/* The request as it arrived; nothing here is modified or kept. */
typedef struct {
    const char *method;
    const char *raw_path;  /* percent-encoded as received, no query */
    const char *raw_query; /* without the '?', may be NULL */
    const sigv4_header *headers;
    int header_count;
    const unsigned char *body; /* may be NULL when body_len is 0 */
    size_t body_len;
} sigv4_request;

/* What the request claims; every string is a NUL-terminated copy. */
typedef struct {
    char access_key_id[SIGV4_AKID_MAX + 1];
    char date[SIGV4_DATE_LEN + 1]; /* credential scope date, YYYYMMDD */
    char region[SIGV4_REGION_MAX + 1];
    char service[SIGV4_SERVICE_MAX + 1];
    /* lower-case, ';'-separated, strictly ascending, always has "host" */
    char signed_headers[SIGV4_SIGNED_HEADERS_MAX + 1];
    char signature[SIGV4_SIG_HEX_LEN + 1];   /* lower-case hex */
    char amz_date[SIGV4_AMZ_DATE_LEN + 1];   /* X-Amz-Date */
    int64_t timestamp;                       /* amz_date, epoch seconds */
    int presigned;                           /* 1: from the query string */
    int64_t expires_s;                       /* X-Amz-Expires; 0 if not */
    const char *reason; /* static text: why sigv4_parse failed, else NULL */
} sigv4_auth;

/*
 * Reads the Authorization header ("AWS4-HMAC-SHA256 Credential=AKID/
 * YYYYMMDD/region/service/aws4_request, SignedHeaders=a;b,
 * Signature=hex") plus X-Amz-Date, or the X-Amz-Algorithm, -Credential,
 * -Date, -Expires, -SignedHeaders and -Signature query parameters.
 * SIGV4_MISSING when neither is there; SIGV4_MALFORMED (out->reason says
 * why) when either is unreadable, both are present, the credential date
 * differs from X-Amz-Date's day, or "host" is not signed.  Copies a few
 * short strings and hashes nothing, so it is cheap enough to run before
 * the secret is known.  On any status but SIGV4_OK only out->reason is
 * meaningful.
 */
sigv4_status sigv4_parse(const sigv4_request *req, sigv4_auth *out);

/*
 * The access key id and region a request's credential scope names, for
 * picking the account and region before any signature is checked.
 * Returns 0, or -1 when sigv4_parse() does not return SIGV4_OK.
 */
int sigv4_identity(const sigv4_request *req,
                   char access_key_id[SIGV4_AKID_MAX + 1],
                   char region[SIGV4_REGION_MAX + 1]);

/*
 * Checks a parsed signature against the request and the secret key.
 * SIGV4_SKEW when X-Amz-Date is more than max_skew_s from now_epoch_s, or a
 * presigned URL is not yet valid or has expired; SIGV4_BAD_SIGNATURE when
 * a signed header is absent, an X-Amz-Content-Sha256 digest does not match
 * the body, or the signature differs (compared in constant time);
 * SIGV4_MALFORMED for requests no signature could cover.  why (may be
 * NULL) receives one line of explanation on failure, "" on success.
 */
sigv4_status sigv4_verify(const sigv4_request *req, const sigv4_auth *auth,
                          const char *secret_key, int64_t now_epoch_s,
                          int max_skew_s, char *why, size_t whylen);

/*
 * sigv4_verify() with the signing key already derived for auth's date,
 * region and service (sigv4_signing_key()), so a caller that keeps keys
 * across requests pays for the canonical request's hash and one HMAC
 * instead of five.  The caller must be sure the key comes from the
 * principal's secret; this module cannot tell.
 */
sigv4_status sigv4_verify_key(const sigv4_request *req,
                              const sigv4_auth *auth,
                              const unsigned char key[SIGV4_KEY_LEN],
                              int64_t now_epoch_s, int max_skew_s, char *why,
                              size_t whylen);

/*
 * Building blocks, exported for tests and diagnostics.  All write into
 * caller buffers; nothing is allocated for the caller.
 */

/*
 * Writes the canonical request (NUL-terminated) into out.  The payload line
 * is X-Amz-Content-Sha256 as sent, else the body's SHA-256.  SIGV4_ERROR
 * when it does not fit outlen; other failures as for sigv4_verify().
 */
sigv4_status sigv4_canonical_request(const sigv4_request *req,
                                     const sigv4_auth *auth, char *out,
                                     size_t outlen, char *why, size_t whylen);

/*
 * Writes "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex SHA-256 of the
 * canonical request>" into out (SIGV4_STS_MAX is always enough).
 * Returns 0, or -1 when it does not fit or hashing fails.
 */
int sigv4_string_to_sign(const sigv4_auth *auth, const char *canonical,
                         size_t canonical_len, char *out, size_t outlen);

/*
 * Derives the signing key HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date),
 * region), service), "aws4_request").  Returns 0, or -1 when an argument
 * is NULL, the secret is longer than SIGV4_SECRET_MAX, or HMAC fails.
 */
int sigv4_signing_key(const char *secret_key, const char *date,
                      const char *region, const char *service,
                      unsigned char key[SIGV4_KEY_LEN]);

/*
 * Lower-case hex HMAC-SHA256 of string_to_sign under key (computed with
 * the key's pad states kept per thread, util/sha256.h); 0 or -1.
 */
int sigv4_signature(const unsigned char key[SIGV4_KEY_LEN],
                    const char *string_to_sign,
                    char hex[SIGV4_SIG_HEX_LEN + 1]);

#endif
