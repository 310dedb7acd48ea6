/*
 * authn.c - request authentication (see authn.h).
 *
 * The texts of the three well-known failures are the ones AWS services
 * answer with, because clients and operators search for them; the others
 * are ours and say precisely what was wrong, never echoing a secret.
 */
#include "auth/authn.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/signing_cache.h"

static const char MSG_MISSING[] = "Missing Authentication Token";
static const char MSG_UNKNOWN_KEY[] =
    "The security token included in the request is invalid.";
static const char MSG_MISMATCH[] =
    "The request signature we calculated does not match the signature you "
    "provided. Check your AWS Secret Access Key and signing method. Consult "
    "the service documentation for details.";

void authn_read(authn_claim *c, const sigv4_request *req)
{
    c->req = *req;
    c->parsed = sigv4_parse(&c->req, &c->auth);
}

const char *authn_service(const authn_claim *c)
{
    return c->parsed == SIGV4_OK ? c->auth.service : NULL;
}

static void reject(authn_result *out, error_code code, const char *message)
{
    out->error = code;
    out->message = message;
    out->principal = NULL;
}

/* "YYYYMMDDTHHMMSSZ", the form X-Amz-Date uses. */
static void format_amz_date(int64_t epoch_s, char out[SIGV4_AMZ_DATE_LEN + 1])
{
    time_t t = (time_t)epoch_s;
    struct tm tm;

    if (!gmtime_r(&t, &tm) ||
        strftime(out, SIGV4_AMZ_DATE_LEN + 1, "%Y%m%dT%H%M%SZ", &tm) == 0)
        snprintf(out, SIGV4_AMZ_DATE_LEN + 1, "?");
}

/* Which of the three clock failures it is, with both times. */
static const char *skew_message(const sigv4_auth *auth, int64_t now_s,
                                arena *a)
{
    char now[SIGV4_AMZ_DATE_LEN + 1];

    format_amz_date(now_s, now);
    if (auth->timestamp > now_s)
        return arena_printf(a, "Signature not yet current: %s is more than "
                               "%d minutes after the server time %s.",
                            auth->amz_date, AUTHN_MAX_SKEW_S / 60, now);
    if (auth->presigned)
        return arena_printf(a, "Signature expired: the presigned request "
                               "was signed at %s for %lld seconds; the "
                               "server time is %s.",
                            auth->amz_date, (long long)auth->expires_s, now);
    return arena_printf(a, "Signature expired: %s is more than %d minutes "
                           "before the server time %s.",
                        auth->amz_date, AUTHN_MAX_SKEW_S / 60, now);
}

/* Is service the signing name of an API this server answers? */
static bool service_served(const casesd_app *app, const char *service)
{
    for (int i = 0; i < APP_SERVICE_COUNT; i++)
        if (strcmp(app->services[i].model->signing_name, service) == 0)
            return true;
    return false;
}

static void verdict(authn_result *out, sigv4_status st, const authn_claim *c,
                    int64_t now_s, const char *why, arena *a)
{
    switch (st) {
    case SIGV4_OK:
        return;
    case SIGV4_SKEW:
        reject(out, ERR_INVALID_SIGNATURE, skew_message(&c->auth, now_s, a));
        return;
    case SIGV4_BAD_SIGNATURE:
        reject(out, ERR_INVALID_SIGNATURE, MSG_MISMATCH);
        return;
    case SIGV4_ERROR:
        reject(out, ERR_INTERNAL, "The signature could not be verified.");
        return;
    default:
        reject(out, ERR_INVALID_SIGNATURE,
               arena_printf(a, "The request cannot be signed as sent: %s.",
                            why));
        return;
    }
}

/*
 * The signature check proper.  The signing key is the same for every
 * request of a principal on one day, so it is taken from the cache when
 * there, and kept there only once a signature made with it has verified.
 */
static sigv4_status check_signature(const authn_claim *c, const char *secret,
                                    int64_t now_s, char *why, size_t whylen)
{
    unsigned char key[SIGV4_KEY_LEN];
    int cached = signing_cache_get(&c->auth, secret, key);
    sigv4_status st = SIGV4_ERROR;

    if (!cached && sigv4_signing_key(secret, c->auth.date, c->auth.region,
                                     c->auth.service, key) != 0) {
        snprintf(why, whylen, "cannot compute the signature");
        goto cleanup;
    }
    st = sigv4_verify_key(&c->req, &c->auth, key, now_s, AUTHN_MAX_SKEW_S,
                          why, whylen);
    if (st == SIGV4_OK && !cached)
        signing_cache_put(&c->auth, secret, key);
cleanup:
    OPENSSL_cleanse(key, sizeof key);
    return st;
}

/* --auth sigv4: every step must pass. */
static void verify(const casesd_app *app, authn_claim *c, int64_t now_s,
                   arena *a, authn_result *out)
{
    char why[160];
    sigv4_status st;

    if (c->parsed == SIGV4_MISSING) {
        reject(out, ERR_MISSING_AUTH, MSG_MISSING);
        return;
    }
    if (c->parsed != SIGV4_OK) {
        reject(out, ERR_INVALID_SIGNATURE,
               arena_printf(a, "The request signature is malformed: %s.",
                            c->auth.reason ? c->auth.reason : "unreadable"));
        return;
    }
    out->principal = principals_find(app->principals, c->auth.access_key_id);
    if (!out->principal) {
        reject(out, ERR_UNRECOGNIZED_CLIENT, MSG_UNKNOWN_KEY);
        return;
    }
    if (!service_served(app, c->auth.service)) {
        reject(out, ERR_INVALID_SIGNATURE,
               "Credential should be scoped to a service this endpoint "
               "serves: 'cases' or 'connect'.");
        return;
    }
    st = check_signature(c, out->principal->secret_key, now_s, why,
                         sizeof why);
    verdict(out, st, c, now_s, why, a);
}

void authn_check(const casesd_app *app, authn_claim *c, const void *body,
                 size_t body_len, int64_t now_s, arena *a, authn_result *out)
{
    const sigv4_auth *auth = c->parsed == SIGV4_OK ? &c->auth : NULL;

    memset(out, 0, sizeof *out);
    c->req.body = body;
    c->req.body_len = body_len;
    if (app->cfg.auth == AUTH_SIGV4)
        verify(app, c, now_s, a, out);
    else if (auth)
        out->principal = principals_find(app->principals,
                                         auth->access_key_id);
    if (identity_resolve(&app->cfg, a, auth, out->principal, &out->who) != 0)
        reject(out, ERR_INTERNAL, "Out of memory resolving the caller.");
}
