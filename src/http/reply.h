/*
 * reply.h - renders a finished request context as an HTTP response.
 *
 * The one place an error becomes AWS-shaped: x-amzn-ErrorType header, JSON
 * body {"message": ...} (plus resourceId/resourceType for a missing
 * resource), the status from the error registry, and x-amzn-RequestId on
 * every response.
 */
#ifndef CASESD_REPLY_H
#define CASESD_REPLY_H

#include <microhttpd.h>

#include "http/request.h"

/* Queues ctx's output or error on connection; returns the HTTP status sent
 * in *status. */
enum MHD_Result reply_send(request_ctx *ctx, struct MHD_Connection *connection,
                           unsigned *status);
/* ctx's successful output as the JSON text reply_send would send
 * (malloc'd; "{}" when there is none), or NULL when out of memory. */
char *reply_serialise(const request_ctx *ctx);
/* Queues a plain JSON body with status (used by /health). */
enum MHD_Result reply_json(struct MHD_Connection *connection, unsigned status,
                           const char *request_id, const char *body);

#endif
