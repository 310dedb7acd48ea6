/*
 * request.h - the request context: everything one request owns.
 *
 * Created by the HTTP layer on the first callback for a request, passed
 * down to the handler, and destroyed in the completion callback.  All of its
 * strings live in its arena; input/output are jansson references it owns.
 */
#ifndef CASESD_REQUEST_H
#define CASESD_REQUEST_H

#include <jansson.h>
#include <stdint.h>

#include "app.h"
#include "auth/principals.h"
#include "http/errors.h"
#include "http/router.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/ids.h"

struct request_ctx;

/*
 * How the HTTP layer lets a handler finish after it returns
 * (api_tx_later): suspend is called on the handler's thread before the
 * transaction is queued; finished once the answer is set, on the store's
 * thread.
 */
typedef struct {
    void (*suspend)(struct request_ctx *ctx);
    void (*finished)(struct request_ctx *ctx);
} request_later;

typedef struct request_ctx {
    const casesd_app *app;
    arena *arena;
    char request_id[ID_UUID_LEN];
    int64_t started_ns;

    /* what was asked */
    const char *method;
    const char *path;        /* raw, without the query string */
    route_match route;       /* service, operation and decoded labels */
    json_t *input;           /* validated input object (owned) */

    /* who asks, and where */
    store_scope scope;       /* account and region the request acts in */
    const char *access_key;  /* from the signature's scope, or NULL */
    /* the known caller (owned by app->principals), or NULL: always set
     * under --auth sigv4; under --auth off only when the key is known */
    const principal *principal;
    /* what the caller may do with cases: loaded by auth/access.c on its
     * first check in this request, arena-owned, never kept beyond it */
    const struct access_rights *access;

    store_conn *db;          /* taken from the pool for this request */
    /* set when the handler may leave its transaction to finish later
     * (api_tx_later), NULL when it must wait for it */
    const request_later *later;

    /* the answer: output (owned) or an error; reply_body, when set, is
     * output already serialised (malloc'd, owned), and is what is sent */
    json_t *output;
    char *reply_body;
    size_t reply_len;
    error_code error;
    const char *error_message;
    const char *error_resource_id;   /* ResourceNotFoundException only */
    const char *error_resource_type;

    /* when set, called as the request is destroyed, on its event thread
     * once its answer has gone: what a handler that finished on the
     * store's thread (api_tx_later) leaves to free there instead */
    void (*release)(void *arg);
    void *release_arg;
} request_ctx;

#endif
