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
/* Serves one operation: see api/api.h. */
typedef int (*api_handler)(struct request_ctx *ctx);

#define APP_MAX_OPERATIONS 128

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
} quota_config;

typedef struct {
    char listen_host[256];
    int listen_port;
    char store_url[1024];
    char region[64];
    char account_id[16];
    int log_level;            /* 0 error, 1 warn, 2 info, 3 debug */
    int workers;              /* HTTP worker threads = store connections */
    size_t max_body_bytes;
    size_t max_url_bytes;
    size_t max_header_bytes;
    int max_json_depth;
    quota_config quotas;
} app_config;

typedef struct {
    app_config cfg;
    store *store;
    router *cases_router;
    validator *cases_validator;
    /* handler of each operation of model_connectcases, by operation index */
    api_handler cases_handlers[APP_MAX_OPERATIONS];
    token_codec tokens;
} casesd_app;

#endif
