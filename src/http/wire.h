/*
 * wire.h - turns an HTTP request into the operation's input object.
 *
 * restJson1 spreads input members over the URI labels, the query string,
 * headers and the JSON body; the model says which member goes where.  The
 * result is one JSON object keyed by the model's member names, with query
 * and header strings converted to the member's type (integers, booleans,
 * lists), ready for validate_shape().
 */
#ifndef CASESD_WIRE_H
#define CASESD_WIRE_H

#include <jansson.h>
#include <stddef.h>

#include "http/router.h"

typedef struct {
    const char *key;   /* decoded query key */
    const char *value; /* decoded query value ("" when absent) */
} wire_pair;

typedef const char *(*wire_header_fn)(void *ud, const char *name);

typedef struct {
    const route_match *route;
    const wire_pair *query; /* in request order; repeated keys repeat */
    int query_count;
    wire_header_fn header;  /* case-insensitive lookup, NULL when absent */
    void *header_ud;
    json_t *body;           /* parsed JSON body (borrowed), or NULL */
} wire_request;

/*
 * Builds the input object in *input (a new reference).  Returns 0, or -1
 * with a message in err when a query/header value cannot be converted to
 * its member's type or the body is not an object.
 */
int wire_build_input(const wire_request *req, json_t **input, char *err,
                     size_t errlen);

#endif
