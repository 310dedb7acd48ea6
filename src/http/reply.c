/* reply.c - turns a request context into an HTTP response (see reply.h). */
#include <stdlib.h>
#include <string.h>

#include "http/reply.h"
#include "util/jsonw.h"

static enum MHD_Result queue(struct MHD_Connection *connection,
                             unsigned status, const char *request_id,
                             const char *error_type, char *body, size_t len)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        len, body, body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret;

    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", "application/json");
    MHD_add_response_header(resp, "x-amzn-RequestId", request_id);
    if (error_type)
        MHD_add_response_header(resp, "x-amzn-ErrorType", error_type);
    ret = MHD_queue_response(connection, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

enum MHD_Result reply_json(struct MHD_Connection *connection, unsigned status,
                           const char *request_id, const char *body)
{
    char *copy = strdup(body);
    return queue(connection, status, request_id, NULL, copy,
                 copy ? strlen(copy) : 0);
}

static char *error_body(const request_ctx *ctx)
{
    json_t *obj = json_object();
    char *text;

    json_object_set_new(obj, "message",
                        json_string(ctx->error_message ? ctx->error_message
                                                       : error_name(ctx->error)));
    if (ctx->error == ERR_NOT_FOUND) {
        json_object_set_new(obj, "resourceId",
                            json_string(ctx->error_resource_id
                                            ? ctx->error_resource_id : ""));
        json_object_set_new(obj, "resourceType",
                            json_string(ctx->error_resource_type
                                            ? ctx->error_resource_type : ""));
    }
    text = jsonw_dump(obj, NULL);
    json_decref(obj);
    return text;
}

/* Operations without an output shape (TagResource, UntagResource) answer
 * with an empty body; the others with their JSON output, "{}" when empty. */
static char *output_body(request_ctx *ctx, size_t *len)
{
    char *body;

    if (ctx->reply_body) {
        body = ctx->reply_body;
        *len = ctx->reply_len;
        ctx->reply_body = NULL; /* the response frees it */
        return body;
    }
    body = ctx->output || !(ctx->route.op && ctx->route.op->output < 0)
               ? reply_serialise(ctx)
               : NULL;
    *len = body ? strlen(body) : 0;
    return body;
}

char *reply_serialise(const request_ctx *ctx)
{
    if (ctx->output)
        return jsonw_dump(ctx->output, NULL);
    return strdup("{}");
}

enum MHD_Result reply_send(request_ctx *ctx, struct MHD_Connection *connection,
                           unsigned *status)
{
    char *body;
    size_t len;

    if (ctx->error != ERR_NONE) {
        *status = error_http_status(ctx->error);
        body = error_body(ctx);
        return queue(connection, *status, ctx->request_id,
                     error_name(ctx->error), body, body ? strlen(body) : 0);
    }
    *status = 200;
    body = output_body(ctx, &len);
    return queue(connection, 200, ctx->request_id, NULL, body, len);
}
