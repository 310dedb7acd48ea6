/*
 * router.h - matches a request's method and raw path against the URI
 * templates of one service's operations.
 *
 * Templates come from the generated model tables and are split into
 * segments once, by router_new().  Matching runs on the raw (still
 * percent-encoded) path so that an encoded '/' inside a label such as the
 * {arn} of /tags/{arn} cannot split it; each label is percent-decoded after
 * it has been matched.  A template's trailing slash is optional on input.
 */
#ifndef CASESD_ROUTER_H
#define CASESD_ROUTER_H

#include "model/model.h"
#include "util/arena.h"

#define ROUTE_MAX_LABELS 4

typedef enum {
    ROUTE_OK = 0,
    ROUTE_NO_PATH = -1,    /* no template matches the path */
    ROUTE_BAD_METHOD = -2, /* a template matches, but not with this method */
    ROUTE_BAD_LABEL = -3,  /* a label is empty or badly percent-encoded */
} route_status;

typedef struct {
    const char *name;  /* label name as in the template, e.g. "domainId" */
    const char *value; /* percent-decoded, arena-owned */
} route_label;

typedef struct {
    const model_service *service;
    const model_operation *op;
    int label_count;
    route_label labels[ROUTE_MAX_LABELS];
} route_match;

typedef struct router router;

router *router_new(const model_service *svc);
void router_free(router *r);
/* raw_path excludes the query string. */
route_status router_match(const router *r, const char *method,
                          const char *raw_path, arena *a, route_match *out);
/* Percent-decodes s into arena memory; NULL if s is badly encoded or
 * decodes to a NUL byte. */
char *router_percent_decode(arena *a, const char *s, size_t len);

#endif
