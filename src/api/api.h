/*
 * api.h - the operation handlers and what they share.
 *
 * One file per resource family (domains.c, fields.c, ...) holds the
 * handlers of its operations and exports a binding table naming them;
 * dispatch.c joins the tables.  A handler reads ctx->input (already
 * validated against the model), does its work through store.h, and either
 * sets ctx->output and returns 0, or fails through api_fail()/
 * api_not_found() and returns -1.
 */
#ifndef CASESD_API_H
#define CASESD_API_H

#include <jansson.h>
#include <stdbool.h>

#include "http/request.h"

typedef struct {
    const char *operation; /* model operation name, e.g. "CreateDomain" */
    api_handler handler;
    bool later;            /* the handler ends with api_tx_later */
} api_binding;

/* Binding tables, each ended by {NULL, NULL}. */
extern const api_binding domains_api[];
extern const api_binding fields_api[];
extern const api_binding layouts_api[];
extern const api_binding templates_api[];
extern const api_binding tags_api[];
extern const api_binding events_api[];
extern const api_binding case_rules_api[];
extern const api_binding cases_api[];
extern const api_binding related_items_api[];
extern const api_binding search_api[];
/* Operations of the Amazon Connect API (model_connect). */
extern const api_binding connect_api[];

/* The handler of svc's operation name, or NULL when none is implemented. */
api_handler api_handler_for(const model_service *svc, const char *operation);
/* Fills handlers[i] with the handler of svc->operations[i] (NULL when not
 * implemented), so requests find theirs by index.  -1 when svc has more
 * operations than APP_MAX_OPERATIONS or is not a service casesd serves. */
int api_bind_handlers(const model_service *svc, api_handler *handlers);
/* Fills writes[i] with whether svc->operations[i] may change state (any
 * operation but the Get, List, Search, BatchGet and Describe ones). */
void api_mark_writes(const model_service *svc, bool *writes);
/* Fills long_reads[i] with whether svc->operations[i] is a read whose work
 * grows with the data (the Search ones): on a large store one takes tens
 * to hundreds of milliseconds, which no event thread may spend while the
 * other requests on its connections wait. */
void api_mark_long_reads(const model_service *svc, bool *long_reads);
/*
 * Sets, per operation index, whether a successful answer may be kept in the
 * reply cache (http/reply_cache.h) and whether the operation, a write, may
 * change such an answer.  Cached: the reads of domain configuration (fields,
 * layouts, templates, case rules, event configuration, domains), whose
 * answers depend only on the input and the account and region, never on
 * who asks.  Every write invalidates but those of cases and related items,
 * which no cached answer reads.
 */
void api_mark_cached(const model_service *svc, bool *cached, bool *invalidates);
/* Fills later[i] with whether svc->operations[i]'s handler ends with
 * api_tx_later (so it may run on an event thread when the store can
 * defer). */
void api_mark_later(const model_service *svc, bool *later);

/* Records an error on ctx and returns -1. */
int api_fail(request_ctx *ctx, error_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Records a ResourceNotFoundException for (type, id) and returns -1. */
int api_not_found(request_ctx *ctx, const char *type, const char *id);
/* Maps a failed store status to an InternalServerException; returns -1. */
int api_store_failed(request_ctx *ctx, int status);


/* Number of system fields every domain is created with (domains.c). */
int api_system_field_count(void);
/* The type of the system field id ("Text", "SingleSelect", ...), or NULL
 * when id names none. */
const char *api_system_field_type(const char *id);

/* --- helpers shared by the handlers (api/common.c) ------------------------- */

/* The string member name of ctx->input, or NULL when absent. */
const char *api_input_str(const request_ctx *ctx, const char *name);
/* The integer member name of ctx->input, or fallback when absent. */
long long api_input_int(const request_ctx *ctx, const char *name,
                        long long fallback);

/* An ISO-8601 JSON string for ms since the epoch (new reference). */
json_t *api_time(int64_t ms);

/*
 * Loads a configuration record; a missing one (or, for kind != RES_DOMAIN,
 * one whose domain is missing) becomes a ResourceNotFoundException.
 * out->doc is a new reference the caller releases.  Returns 0 or -1.
 */
int api_load_record(request_ctx *ctx, resource_kind kind,
                    const char *domain_id, const char *id, store_record *out);
/* Sets deleted, createdTime and lastModifiedTime of a Get response from
 * the record's columns. */
void api_set_record_times(json_t *out, const store_record *rec);
/*
 * A whole BatchGet operation over configuration records: for each {id} of
 * input member `member`, the record as its Get response (document, times,
 * tags of the ARN in document member arn_member) under output `member`, or
 * an entry {id, errorCode "NotFound", message} under "errors" naming
 * `what`.  Deleted records are returned (deleted: true).  Returns 0 or -1.
 */
int api_batch_get_records(request_ctx *ctx, resource_kind kind,
                          const char *member, const char *arn_member,
                          const char *what);
/* Checks that the domain exists (404 otherwise). Returns 0 or -1. */
int api_require_domain(request_ctx *ctx, const char *domain_id);
/* The same, for a write that checks before its transaction starts and
 * whose transaction does not rely on the answer: the domain's purge must
 * fail the transaction by other means (CreateCase: its template is gone). */
int api_require_domain_early(request_ctx *ctx, const char *domain_id);

/*
 * The IAM ARN of the caller, as audit events report it (iamPrincipalArn):
 * the principal's ARN from --credentials, or the account root
 * "arn:aws:iam::ACCOUNT:root" when the caller is not a known principal
 * (--auth off).  Owned by the principal set or ctx's arena; NULL only when
 * the arena is exhausted.
 */
const char *api_caller_arn(request_ctx *ctx);

/* The ARN of a resource in the caller's scope (arena-owned). */
char *api_arn(request_ctx *ctx, resource_kind kind, const char *domain_id,
              const char *id);

/* Sets member "tags" of obj to the tags of arn. Returns 0 or -1. */
int api_attach_tags(request_ctx *ctx, json_t *obj, const char *arn);

/*
 * Pagination over a listing ordered by store sequence numbers (used by
 * api_list_records; direct use only for listings that are not records).  The token
 * context is the operation, the caller's scope and listing (e.g. the
 * domain id plus any filter), so a token cannot be replayed elsewhere.
 * api_page_start decodes input "nextToken" into *after_seq (0 when absent);
 * a bad token is a ValidationException.  api_page_finish sets on out a
 * "nextToken" that resumes after last_seq; call it only when more follow.
 */
int api_page_start(request_ctx *ctx, const char *listing, int64_t *after_seq);
int api_page_finish(request_ctx *ctx, const char *listing, json_t *out,
                    int64_t last_seq);

/* Builds the list item for rec (new reference), or NULL to leave rec out. */
typedef json_t *(*api_item_fn)(request_ctx *ctx, const store_record *rec,
                               void *arg);
/*
 * A whole List operation over configuration records: reads maxResults
 * (default_max when absent) and nextToken from the input, walks records of
 * kind in domain_id (NULL for domains) in creation order, and sets
 * ctx->output to {member: [items], nextToken?}.  Deleted records are
 * skipped unless include_deleted.  listing extends the token context with
 * any filter the operation applies.  Returns 0 or -1.
 */
int api_list_records(request_ctx *ctx, resource_kind kind,
                     const char *domain_id, const char *listing,
                     bool include_deleted, int default_max, const char *member,
                     api_item_fn item, void *arg);

/* Sets *live to whether id names a record of kind in the domain that is not
 * deleted.  Returns a store status. */
int api_record_is_live(store_conn *conn, request_ctx *ctx, resource_kind kind,
                       const char *domain_id, const char *id, bool *live);
/* Adds to dead (an object used as an ordered set) each id of ids (a JSON
 * array of strings) that is not a live field of the domain.  Returns a
 * store status. */
int api_find_dead_fields(store_conn *conn, request_ctx *ctx,
                         const char *domain_id, json_t *ids, json_t *dead);
/* The keys of set (an object used as an ordered set) joined by ", "
 * (arena-owned), or NULL when out of memory. */
char *api_join_keys(arena *a, json_t *set);
/* Fails with a ValidationException naming the ids (a JSON array of strings)
 * that are not live fields of the domain.  Returns 0, -1 after api_fail(),
 * or a store status. */
int api_require_live_fields(store_conn *conn, request_ctx *ctx,
                            const char *domain_id, json_t *ids);
/*
 * Fails (with code, and a message naming what) when the domain already
 * holds as many deleted records of kind as the deletions quota allows.
 * Returns 0, -1 after api_fail(), or a store status.
 */
int api_check_deletions(store_conn *conn, request_ctx *ctx, resource_kind kind,
                        const char *domain_id, error_code code,
                        const char *what);
/* Turns what store_tx returned into a handler's result: 0, or -1 with the
 * error recorded (the handler's own, or one for the store failure). */
int api_tx_result(request_ctx *ctx, int rc);

/* A handler's result: its answer is set later, by api_tx_later. */
#define API_LATER 1
/* The rest of a handler after its transaction: turns rc, what
 * store_tx_checked returned, into the handler's result (0 or -1) and sets
 * its output.  It must not use the store (ctx->db may be NULL). */
typedef int (*api_tx_finish)(request_ctx *ctx, void *arg, int rc);
/*
 * Ends a handler: runs fn as store_tx_checked would, then finish.  When
 * the HTTP layer allows (ctx->later), the transaction is only queued and
 * this returns API_LATER; finish then runs on the store's thread once the
 * write is durable, and the request is answered after it.  The handler
 * must return that value at once and touch nothing of ctx after: ctx and
 * arg (which must outlive the handler, in ctx's arena) belong to the store's
 * thread from then on.  Otherwise returns finish's result.  During fn,
 * ctx->db is the connection fn is given.
 */
int api_tx_later(request_ctx *ctx, store_tx_fn fn, void *arg,
                 api_tx_finish finish);

#endif
