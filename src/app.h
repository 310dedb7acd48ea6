/*
 * app.h - the immutable application: configuration and long-lived objects
 * built once at start-up and shared read-only by every request.
 */
#ifndef CASESD_APP_H
#define CASESD_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "http/router.h"
#include "model/validate.h"
#include "store/store.h"
#include "util/token.h"

struct request_ctx;
struct principals;
struct reply_cache;
/* Serves one operation: see api/api.h. */
typedef int (*api_handler)(struct request_ctx *ctx);

/* Enough for the Amazon Connect API's ~370 operations; api_bind_handlers()
 * refuses a model with more. */
#define APP_MAX_OPERATIONS 512

/* How requests are authenticated (--auth). */
typedef enum {
    AUTH_OFF,   /* any signature; the caller is named by its access key id */
    AUTH_SIGV4, /* every request signed by a principal of --credentials */
} auth_mode;

/* Service quotas (cases-behaviour.md §14); each set by --quota NAME=N. */
typedef struct {
    int64_t domains;          /* per account and region */
    int64_t fields;           /* per domain */
    int64_t options;          /* per single-select field */
    int64_t layouts;          /* per domain */
    int64_t templates;        /* per domain */
    int64_t case_rules;       /* per domain */
    int64_t deletions;        /* deleted fields/layouts/templates per domain */
    int64_t layout_fields;    /* fields per layout (not adjustable on AWS) */
    int64_t tags;             /* tags per resource */
    int64_t related_items;    /* related items per case */
    int64_t files;            /* File related items per case */
    int64_t slas;             /* Sla related items per case */
    int64_t custom_item_fields; /* fields in one Custom related item */
} quota_config;

typedef struct {
    char listen_host[256];
    int listen_port;
    char store_url[1024];
    char region[64];
    char account_id[16];
    int log_level;            /* 0 error, 1 warn, 2 info, 3 debug */
    int workers;              /* HTTP event threads */
    int write_threads;        /* executor threads for blocking operations */
    int search_threads;       /* executor threads for long reads */
    int64_t idempotency_ttl_ms; /* lifetime of CreateCase client tokens */
    size_t max_body_bytes;
    size_t max_url_bytes;
    size_t max_header_bytes;
    int max_json_depth;
    quota_config quotas;
    char credentials_path[1024]; /* --credentials; "" when none */
    auth_mode auth;
    bool insecure;               /* allow --auth off on a public address */
} app_config;

/*
 * One API served by casesd, chosen per request by the signing service of
 * its credential scope ("cases" or "connect").  Built once at start-up.
 */
typedef struct {
    const model_service *model;
    router *router;
    validator *validator;
    /* handler of each operation of model, by operation index (NULL when
     * this server does not implement it) */
    api_handler handlers[APP_MAX_OPERATIONS];
    /* whether each operation may block (it writes), so it runs on the
     * executor rather than on an event thread */
    bool writes[APP_MAX_OPERATIONS];
    /* whether each read may take long (it searches), so it too runs off
     * the event threads, on an executor of its own */
    bool long_reads[APP_MAX_OPERATIONS];
    /* whether each write's handler leaves its transaction to the store
     * (api_tx_later), so it runs on an event thread instead and is
     * answered when the store is done; only when the store can defer */
    bool later[APP_MAX_OPERATIONS];
    /* whether a successful answer of each operation may be kept in the
     * reply cache, and whether each write makes kept answers stale
     * (api_mark_cached) */
    bool cached[APP_MAX_OPERATIONS];
    bool invalidates[APP_MAX_OPERATIONS];
} app_service;

/* Index into casesd_app.services; the first is the default. */
enum { APP_SERVICE_CASES, APP_SERVICE_CONNECT, APP_SERVICE_COUNT };

typedef struct {
    app_config cfg;
    store *store;
    app_service services[APP_SERVICE_COUNT];
    /* the callers of --credentials, or NULL without the flag */
    struct principals *principals;
    token_codec tokens;
    /* answers of configuration reads (http/reply_cache.h); the one
     * member requests change, under its own locks */
    struct reply_cache *replies;
} casesd_app;

#endif
