/*
 * dispatch.c - finds the handler of an operation, and the error helpers
 * every handler uses (declared in api.h).
 *
 * Each API casesd serves has its own list of binding tables: an operation
 * name means something only within its service.
 */
#include <stdarg.h>
#include <string.h>

#include "api/api.h"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* The Amazon Connect Cases API (model_connectcases). */
static const api_binding *const families[] = {
    domains_api, fields_api, layouts_api, templates_api, tags_api, events_api,
    case_rules_api, cases_api, related_items_api, search_api,
};

/* The Amazon Connect API (model_connect). */
static const api_binding *const connect_families[] = {
    connect_api,
};

typedef struct {
    const api_binding *const *tables;
    size_t count;
} family_list;

static family_list families_of(const model_service *svc)
{
    if (svc == &model_connectcases)
        return (family_list){families, COUNT_OF(families)};
    if (svc == &model_connect)
        return (family_list){connect_families, COUNT_OF(connect_families)};
    return (family_list){NULL, 0};
}

/* The binding of svc's operation, and the family table it is in. */
static const api_binding *binding_of(const model_service *svc,
                                     const char *operation,
                                     const api_binding **table)
{
    family_list fl = families_of(svc);

    for (size_t f = 0; f < fl.count; f++)
        for (const api_binding *b = fl.tables[f]; b->operation; b++)
            if (strcmp(b->operation, operation) == 0) {
                *table = fl.tables[f];
                return b;
            }
    return NULL;
}

api_handler api_handler_for(const model_service *svc, const char *operation)
{
    const api_binding *table;
    const api_binding *b = binding_of(svc, operation, &table);

    return b ? b->handler : NULL;
}

int api_bind_handlers(const model_service *svc, api_handler *handlers)
{
    if (svc->operation_count > APP_MAX_OPERATIONS || !families_of(svc).count)
        return -1;
    for (int i = 0; i < svc->operation_count; i++)
        handlers[i] = api_handler_for(svc, svc->operations[i].name);
    return 0;
}

void api_mark_writes(const model_service *svc, bool *writes)
{
    static const char *const read_prefixes[] = {"Get", "List", "Search",
                                                "BatchGet", "Describe"};

    for (int i = 0; i < svc->operation_count && i < APP_MAX_OPERATIONS; i++) {
        const char *name = svc->operations[i].name;
        writes[i] = true;
        for (size_t p = 0; p < sizeof read_prefixes / sizeof *read_prefixes; p++)
            if (strncmp(name, read_prefixes[p], strlen(read_prefixes[p])) == 0)
                writes[i] = false;
    }
}

void api_mark_long_reads(const model_service *svc, bool *long_reads)
{
    bool writes[APP_MAX_OPERATIONS];

    api_mark_writes(svc, writes);
    for (int i = 0; i < svc->operation_count && i < APP_MAX_OPERATIONS; i++)
        long_reads[i] = !writes[i] &&
                        strncmp(svc->operations[i].name, "Search", 6) == 0;
}

/* Families whose answers depend on configuration only. */
static bool is_configuration(const api_binding *table)
{
    return table == domains_api || table == fields_api ||
           table == layouts_api || table == templates_api ||
           table == events_api || table == case_rules_api;
}

void api_mark_cached(const model_service *svc, bool *cached, bool *invalidates)
{
    bool writes[APP_MAX_OPERATIONS];

    api_mark_writes(svc, writes);
    for (int i = 0; i < svc->operation_count && i < APP_MAX_OPERATIONS; i++) {
        const api_binding *table = NULL;
        bool case_data;

        binding_of(svc, svc->operations[i].name, &table);
        case_data = table == cases_api || table == related_items_api;
        cached[i] = table && is_configuration(table) && !writes[i];
        invalidates[i] = writes[i] && !case_data;
    }
}

void api_mark_later(const model_service *svc, bool *later)
{
    for (int i = 0; i < svc->operation_count && i < APP_MAX_OPERATIONS; i++) {
        const api_binding *table;
        const api_binding *b = binding_of(svc, svc->operations[i].name, &table);
        later[i] = b && b->later;
    }
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
