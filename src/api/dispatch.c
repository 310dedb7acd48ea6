/*
 * dispatch.c - finds the handler of an operation, and the error helpers
 * every handler uses (declared in api.h).
 */
#include <stdarg.h>
#include <string.h>

#include "api/api.h"

static const api_binding *const families[] = {
    domains_api, fields_api, layouts_api, templates_api, tags_api, events_api,
    case_rules_api,
};

api_handler api_handler_for(const char *operation)
{
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
        for (const api_binding *b = families[f]; b->operation; b++)
            if (strcmp(b->operation, operation) == 0)
                return b->handler;
    return NULL;
}

int api_bind_handlers(const model_service *svc, api_handler *handlers)
{
    if (svc->operation_count > APP_MAX_OPERATIONS)
        return -1;
    for (int i = 0; i < svc->operation_count; i++)
        handlers[i] = api_handler_for(svc->operations[i].name);
    return 0;
}

int api_fail(request_ctx *ctx, error_code code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    ctx->error = code;
    ctx->error_message = arena_vprintf(ctx->arena, fmt, ap);
    va_end(ap);
    return -1;
}

int api_not_found(request_ctx *ctx, const char *type, const char *id)
{
    ctx->error_resource_type = type;
    ctx->error_resource_id = arena_strdup(ctx->arena, id);
    return api_fail(ctx, ERR_NOT_FOUND, "%s %s not found", type, id);
}

int api_store_failed(request_ctx *ctx, int status)
{
    if (status == STORE_BUSY)
        return api_fail(ctx, ERR_THROTTLING,
                        "The store is busy; retry the request");
    return api_fail(ctx, ERR_INTERNAL, "The store failed (status %d)", status);
}
