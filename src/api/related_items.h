/*
 * related_items.h - what the two files of the related item operations
 * share: related_items.c (CreateRelatedItem, UpdateRelatedItem,
 * DeleteRelatedItem, and the binding table) and related_search.c
 * (SearchRelatedItems, SearchAllRelatedItems, ListCasesForContact).
 */
#ifndef CASESD_RELATED_ITEMS_H
#define CASESD_RELATED_ITEMS_H

#include "api/api.h"

/* The ARN of a related item (arena-owned). */
char *related_item_arn(request_ctx *ctx, const char *domain_id,
                       const char *case_id, const char *item_id);

/* Loads a case of the domain; a missing one is a 404 (-1).  Returns 0, -1,
 * or a store status; out->fields is the caller's to release. */
int related_load_case(request_ctx *ctx, store_conn *conn,
                      const char *domain_id, const char *case_id,
                      store_case *out);

/* Releases the json members of an item. */
void related_item_release(store_related_item *item);

/* Handlers of related_search.c. */
int related_search_case(request_ctx *ctx);   /* SearchRelatedItems */
int related_search_domain(request_ctx *ctx); /* SearchAllRelatedItems */
int related_contact_cases(request_ctx *ctx); /* ListCasesForContact */

#endif
