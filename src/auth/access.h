/*
 * access.h - what a caller may do with cases: the Amazon Connect security
 * profiles of the Connect user its principal acts as (column 5 of the
 * credentials file, docs/credentials.md).
 *
 * The model (cases-behaviour.md section 12.1; docs/behaviour.md):
 *  - A principal bound to a Connect user holds the union of the
 *    permissions of that user's security profiles.  A bound user that does
 *    not exist (never created, or deleted) holds none.
 *  - A principal bound to no user, and an unknown caller under --auth off,
 *    is an administrator: every check passes without reading the store.
 *  - A profile restricts cases when its TagRestrictedResources names "Case"
 *    or "Cases" and it has AllowedAccessControlTags.  For one permission,
 *    the caller may reach a case when a profile granting the permission is
 *    unrestricted, or when the case carries every access-control tag (exact
 *    key and value) of a restricted profile granting it: AND within a
 *    profile, OR across profiles.
 *
 * Rights are loaded on the first check of a request and kept in the
 * request context for that request.  Between requests they are kept in the
 * reply cache (http/reply_cache.h), which every write of the Connect API
 * retires, so a change to a user or profile still applies to the next
 * request.  Loading them when not cached is one store read of a small
 * record: every user has, besides its own record, an access record (kind
 * RES_USER_ACCESS, same instance and id) whose document is the array of
 * the digests of its profiles (access_profile_digest), which connect.c
 * rewrites in the transaction of every write that changes a user's
 * profiles or a profile it holds.  (A user's own record is larger and slow
 * to parse, and reading each profile would cost a read per profile.)
 *
 * Every function that fails records the error on ctx (403
 * AccessDeniedException, or a store failure) and returns -1.  Denials name
 * the permission only, never the case's tags or the profiles'.
 */
#ifndef CASESD_ACCESS_H
#define CASESD_ACCESS_H

#include <jansson.h>
#include <stdbool.h>

#include "http/request.h"

/* SecurityProfileIds of a user and AllowedAccessControlTags of a profile
 * hold at most this many entries (connect model). */
#define ACCESS_MAX_PROFILES 10
#define ACCESS_MAX_TAGS 4

/* Connect records are filed under this prefix + instance id, so no
 * instance id a client picks can name a Cases domain (whose purge removes
 * every record filed under its id). */
#define ACCESS_INSTANCE_PREFIX "instance/"

/* Stored in digests as bit positions: append, never renumber. */
typedef enum {
    ACCESS_CASES_VIEW,        /* "Cases.View" */
    ACCESS_CASES_CREATE,      /* "Cases.Create" */
    ACCESS_CASES_EDIT,        /* "Cases.Edit" */
    ACCESS_CASES_DELETE,      /* "Cases.Delete" */
    ACCESS_CASE_HISTORY_VIEW, /* "CaseHistory.View" */
    ACCESS__COUNT
} access_permission;

/* --- the pure model (no request, no store) ---------------------------------- */

typedef struct {
    const char *key;
    const char *value;
} access_tag;

/* One security profile as far as cases are concerned. */
typedef struct {
    unsigned grants;                 /* bit (1u << permission) per grant */
    access_tag tags[ACCESS_MAX_TAGS]; /* the access-control tags, if any */
    int tag_count;                   /* 0: the profile does not restrict cases */
} access_profile;

typedef struct access_rights {
    bool admin;                     /* bound to no user: no checks */
    access_profile profiles[ACCESS_MAX_PROFILES];
    int profile_count;
} access_rights;

/* The permission named name ("Cases.View", ...), or ACCESS__COUNT. */
access_permission access_permission_of(const char *name);

/*
 * Reads a SecurityProfile document (as connect.c stores it) into *out;
 * strings are copied into a.  A profile with more access-control tags than
 * ACCESS_MAX_TAGS grants nothing, so a document the model would refuse can
 * never loosen a restriction.  Returns 0, or -1 when a is exhausted.
 */
int access_profile_read(arena *a, const json_t *doc, access_profile *out);

/*
 * The digest of a SecurityProfile document: what of it decides case
 * access, as the JSON array [grants, key1, value1, ...] (the access-control
 * tags only when the profile restricts cases).  New reference, NULL when
 * out of memory; a holds what reading the document needs.
 */
json_t *access_profile_digest(arena *a, const json_t *doc);

/* Reads a digest into *out (strings copied into a).  A malformed digest
 * grants nothing.  Returns 0, or -1 when a is exhausted. */
int access_digest_read(arena *a, const json_t *digest, access_profile *out);

/* Whether r grants p at all, and whether without a tag condition. */
bool access_granted(const access_rights *r, access_permission p);
bool access_unconditional(const access_rights *r, access_permission p);

/* Whether r grants p on a case carrying tags ({key: value}). */
bool access_tags_allow(const access_rights *r, access_permission p,
                       const json_t *tags);

/* --- checks on a request ------------------------------------------------------ */

/* 0 when the caller holds p (on some cases at least), else -1 (403).
 * Handlers call it before their write transaction, so the checks made
 * inside it find the rights loaded and read nothing more. */
int access_require(request_ctx *ctx, access_permission p);

/* Whether the caller's grant of p depends on case tags.  Meaningful only
 * after access_require(ctx, p) succeeded. */
bool access_restricted(const request_ctx *ctx, access_permission p);

/* 1 when the caller may use p on a case carrying tags, 0 when not, -1 on a
 * failure. */
int access_case_allowed(request_ctx *ctx, access_permission p,
                        const json_t *tags);

/* 0 when the caller may use p on a case carrying tags, else -1 (403). */
int access_require_tags(request_ctx *ctx, access_permission p,
                        const json_t *tags);

/* 1 when the caller may use p on the case (reading its tags through conn
 * only when that matters), 0 when not, -1 on a failure.  The case is taken
 * to exist. */
int access_case_visible(request_ctx *ctx, store_conn *conn,
                        access_permission p, const char *domain_id,
                        const char *case_id);

/* 0 when the caller may use p on the case, else -1 (403). */
int access_check_case(request_ctx *ctx, store_conn *conn, access_permission p,
                      const char *domain_id, const char *case_id);

/*
 * The condition a search adds for p: NULL when the caller sees every case,
 * else an OR over the caller's restricted profiles granting p of the AND
 * of each one's SEARCH_TAG nodes (allocated in a).  -1 (403) when the
 * caller does not hold p.
 */
int access_search_node(request_ctx *ctx, arena *a, access_permission p,
                       search_node **out);

/* --- the bound user ------------------------------------------------------------- */

/* The Connect user ARN the caller acts as, or NULL. */
const char *access_user_arn(const request_ctx *ctx);

/* Sets input performedBy to {userArn: the bound user} when the request
 * names no performer and the caller acts as a user, so audit events and
 * last_updated_user name who did it.  Returns 0, or -1 out of memory. */
int access_default_performer(request_ctx *ctx);

/* The key Connect records of instance_id are filed under (arena-owned),
 * or NULL when a is exhausted. */
char *access_instance_key(arena *a, const char *instance_id);

#endif
