/*
 * store.h - the storage interface.  No SQL above this line.
 *
 * The API layer speaks to storage only through these functions.  A backend
 * (store/sqlite/ now; store/pg/ for PostgreSQL) fills a store_backend table
 * (store/backend.h) and store.c dispatches to it, so a new backend changes
 * nothing above this header.
 *
 * Connections: a store owns a fixed pool of connections, one per thread
 * that runs handlers.  A request takes one with store_acquire() and gives it back with
 * store_release() in its completion callback.
 *
 * Transactions: every write happens inside store_tx().  The callback must
 * not have side effects outside the connection and its own argument.
 *
 * Scoping: every resource lives in an (account, region) scope; a resource
 * is never visible through another scope.
 *
 * Configuration resources (domains, fields, layouts, templates, case rules)
 * are stored as records: fixed columns the server queries on (id, name,
 * deleted, times, insertion sequence) plus a JSON document with the rest of
 * the resource as the API returns it.
 *
 * Results: STORE_OK, or a negative store_status; strings returned are
 * arena-owned (the arena passed in), json_t values are owned by the caller
 * (json_decref them).
 */
#ifndef CASESD_STORE_H
#define CASESD_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/arena.h"

typedef enum {
    STORE_OK = 0,
    STORE_NOT_FOUND = -1,
    STORE_CONFLICT = -2, /* a unique name or key is taken */
    STORE_BUSY = -3,     /* retry: lock contention that outlived the runner */
    STORE_ERROR = -4,    /* anything else; the backend logged it */
} store_status;

typedef struct store store;
typedef struct store_conn store_conn;

typedef struct {
    const char *account;
    const char *region;
} store_scope;

typedef enum {
    RES_DOMAIN,
    RES_FIELD,
    RES_LAYOUT,
    RES_TEMPLATE,
    RES_CASE_RULE,
    /* Amazon Connect resources (api/connect.c), filed under their instance
     * (auth/access.h: access_instance_key) where others name a domain */
    RES_SECURITY_PROFILE,
    RES_USER,
    RES_USER_ACCESS, /* what a user may do with cases (auth/access.h) */
    RES__COUNT
} resource_kind;

typedef struct {
    resource_kind kind;
    const char *domain_id; /* NULL for RES_DOMAIN */
    const char *id;
    const char *name;
    bool deleted;
    int64_t created_ms;
    int64_t modified_ms;
    int64_t seq;           /* insertion order, assigned by the store */
    json_t *doc;           /* owned by the record holder */
} store_record;

/* --- lifecycle ------------------------------------------------------------ */

/*
 * Opens the store named by url ("path/to/file.db"; "postgresql://..." once
 * that backend exists) with pool_size connections, applying migrations.
 * On failure returns NULL and writes a message into err.
 */
store *store_open(const char *url, int pool_size, char *err, size_t errlen);
void store_close(store *st);
/* Blocks until a pooled connection is free. */
store_conn *store_acquire(store *st);
void store_release(store *st, store_conn *conn);

/* --- transactions ----------------------------------------------------------- */

typedef int (*store_tx_fn)(store_conn *conn, void *arg);
/*
 * Runs fn inside a write transaction.  Commits when fn returns 0 (the
 * write is durable when store_tx returns 0), rolls back fn's changes
 * otherwise; returns fn's value, or a store_status when the store itself
 * failed.  The backend may run fn on another thread, inside a transaction
 * shared with other writers; fn must do its store work through conn (or
 * the connection store_tx was given) and touch nothing of another request.
 */
int store_tx(store_conn *conn, store_tx_fn fn, void *arg);
/*
 * As store_tx, for an fn that checks everything it may refuse before its
 * first write: once it has written, it fails only because the store did.
 * A backend that shares transactions may then run fn without a rollback
 * point of its own.  Should fn fail after writing all the same, the shared
 * transaction is rolled back whole: fn's caller gets fn's value, and the
 * other writes in it that had succeeded or had yet to run get STORE_BUSY
 * (retry).
 */
int store_tx_checked(store_conn *conn, store_tx_fn fn, void *arg);

/* Told what store_tx_checked would have returned, once that is known. */
typedef void (*store_tx_done_fn)(void *done_arg, int result);
/* Whether store_tx_checked_later returns without waiting for the store. */
bool store_can_defer(const store *st);
/*
 * As store_tx_checked, but returns at once: the transaction is queued,
 * and done(done_arg, result) runs on a thread of the store once the write
 * is durable or has failed.  fn gets a connection of the transaction's
 * own, so conn may go back to the pool as soon as this returns.  On a
 * store that cannot defer (store_can_defer), runs fn and done before
 * returning.  Returns STORE_OK, or a store_status when nothing was queued
 * (done is then not called).
 */
int store_tx_checked_later(store_conn *conn, store_tx_fn fn, void *arg,
                           store_tx_done_fn done, void *done_arg);

/* --- read snapshots ----------------------------------------------------------- */

/*
 * Each store read alone sees the store as of one moment.  Reads made
 * between store_read_begin() and store_read_end() on one connection see
 * it as of the same moment (the first read's), and pay for taking the
 * snapshot once.  Pairs may nest (only the outermost counts); inside a
 * write transaction both are no-ops.  Nothing between them may call
 * store_tx().  store_read_begin returns STORE_OK or a store_status; call
 * store_read_end only after it succeeded.
 */
int store_read_begin(store_conn *conn);
void store_read_end(store_conn *conn);

/* --- server metadata -------------------------------------------------------- */

/*
 * Returns in key the 32-byte secret the server signs pagination tokens
 * with, creating it on first use so tokens stay valid across restarts.
 */
int store_token_key(store_conn *conn, unsigned char key[32]);

/*
 * A number that every committed change to configuration records or field
 * options raises (in the changing transaction itself).  Two reads that
 * find the same number saw the same configuration, so a check made in one
 * snapshot still holds in the other.
 */
int store_config_version(store_conn *conn, int64_t *version);

/* --- configuration records -------------------------------------------------- */

/* Inserts rec (rec->seq is set). STORE_CONFLICT when a live record of the
 * same kind and domain already has rec->name (names unique per domain;
 * domain names unique per scope). */
int store_record_insert(store_conn *conn, const store_scope *scope,
                        store_record *rec);
/* Replaces name, deleted, modified_ms and doc of an existing record. */
int store_record_update(store_conn *conn, const store_scope *scope,
                        const store_record *rec);
/* Whether a record exists, without loading its document: STORE_OK with
 * *deleted set, or STORE_NOT_FOUND. */
int store_record_state(store_conn *conn, const store_scope *scope,
                       resource_kind kind, const char *domain_id,
                       const char *id, bool *deleted);
/* Loads one record (deleted ones included). */
int store_record_get(store_conn *conn, const store_scope *scope,
                     resource_kind kind, const char *domain_id, const char *id,
                     arena *a, store_record *out);

typedef struct {
    bool include_deleted;
    int64_t after_seq; /* return records with seq > after_seq */
    int limit;         /* at most this many */
} store_list_query;

typedef int (*store_record_cb)(const store_record *rec, void *arg);
/* Calls cb for each record in seq order; a non-zero return stops the walk
 * and is returned.  The record and its doc are valid only during the call. */
int store_record_list(store_conn *conn, const store_scope *scope,
                      resource_kind kind, const char *domain_id,
                      const store_list_query *q, store_record_cb cb, void *arg);
/* Number of records of kind in domain (deleted ones when deleted is true,
 * live ones otherwise). */
int store_record_count(store_conn *conn, const store_scope *scope,
                       resource_kind kind, const char *domain_id, bool deleted,
                       int64_t *count);
/* Removes a domain and everything in it (records, options, tags, cases). */
int store_domain_purge(store_conn *conn, const store_scope *scope,
                       const char *domain_id);

/* --- field options ---------------------------------------------------------- */

typedef struct {
    const char *name;
    const char *value;
    bool active;
} store_option;

/* Creates or replaces the option keyed by opt->value. */
int store_option_put(store_conn *conn, const store_scope *scope,
                     const char *domain_id, const char *field_id,
                     const store_option *opt);
/* Loads the option with value; STORE_NOT_FOUND when there is none. */
int store_option_get(store_conn *conn, const store_scope *scope,
                     const char *domain_id, const char *field_id,
                     const char *value, arena *a, store_option *out);
int store_option_count(store_conn *conn, const store_scope *scope,
                       const char *domain_id, const char *field_id,
                       int64_t *count);

typedef int (*store_option_cb)(const store_option *opt, int64_t seq, void *arg);
/* Options of a field in insertion order after after_seq, at most limit. */
int store_option_list(store_conn *conn, const store_scope *scope,
                      const char *domain_id, const char *field_id,
                      int64_t after_seq, int limit, store_option_cb cb,
                      void *arg);

/* --- tags ------------------------------------------------------------------- */

/* Tags are keyed by the resource ARN (which carries account and region). */
/* Returns a new JSON object {key: value} (empty when untagged) in *tags. */
int store_tags_get(store_conn *conn, const char *arn, json_t **tags);
/* Sets every key of tags (an object of strings), keeping other keys. */
int store_tags_put(store_conn *conn, const char *arn, json_t *tags);
/* Removes keys (a NULL-terminated array); absent keys are ignored. */
int store_tags_remove(store_conn *conn, const char *arn,
                      const char *const *keys);
/* Removes every tag of arn and of every ARN that starts with arn + "/". */
int store_tags_purge(store_conn *conn, const char *arn);

/* --- cases ------------------------------------------------------------------ */

/*
 * A case: its identity, template, times, and its field values as a JSON
 * object {fieldId: FieldValueUnion} (e.g. {"title": {"stringValue": "x"}}).
 * Values are stored as the API validated and normalised them (DateTime
 * values are fixed-width ISO-8601 UTC strings, so they also order
 * chronologically).  A field with no value is absent from the object.
 */
typedef struct {
    const char *domain_id;
    const char *case_id;
    const char *template_id;
    int64_t created_ms;
    int64_t updated_ms;
    int64_t seq;    /* assigned by the store on insert */
    json_t *fields; /* owned by the holder */
    /* store_case_get_text, and searches asking fields_as_text: the stored
     * JSON object of the values (fields_len bytes), fields left NULL.
     * store_case_insert stores it, when set, as the text of fields (which
     * it must be), so that a caller can serialise outside its
     * transaction. */
    const char *fields_text;
    size_t fields_len;
    /* searches: the case's tags as the text of a JSON object, when the
     * backend reads them with the case; NULL: ask store_tags_get */
    const char *tags_text;
    /* store_case_insert: ids of fields of the case known not to be of
     * type SingleSelect (an object used as a set; NULL: none known).
     * Only a SingleSelect field has options, and the store counts the
     * cases holding each option: it need not look these fields' values
     * up among the options. */
    const json_t *plain_fields;
    /* store_case_insert: the case's Case.Created event, when set: its id
     * and its performedBy as JSON text.  Its time is created_ms and its
     * fields are the case's values, each as a newValue in the values'
     * order, so a store may keep only these two and read the rest off the
     * case for as long as the case's values are those it was created
     * with.  store_audit_list returns the event like any other. */
    const char *created_event_id;
    const char *created_by_text;
} store_case;

/* Inserts c (c->seq is set). STORE_CONFLICT when the case id is taken. */
int store_case_insert(store_conn *conn, const store_scope *scope,
                      store_case *c);
/* Loads a case; out->fields is a new reference. */
int store_case_get(store_conn *conn, const store_scope *scope,
                   const char *domain_id, const char *case_id, arena *a,
                   store_case *out);
/* Loads a case as store_case_get does, but with its values as the stored
 * JSON text (out->fields_text) rather than parsed: for a reader that only
 * copies some of them out.  In the same read it takes the tags kept under
 * tags_arn (the case's ARN) into *tags (a new reference), so the values and
 * the tags are those of one moment. */
int store_case_get_text(store_conn *conn, const store_scope *scope,
                        const char *domain_id, const char *case_id,
                        const char *tags_arn, arena *a, store_case *out,
                        json_t **tags);
/* Replaces the field values and updated_ms of an existing case. */
int store_case_update(store_conn *conn, const store_scope *scope,
                      const store_case *c);
/* Removes a case with its audit history, related items and tags. */
int store_case_delete(store_conn *conn, const store_scope *scope,
                      const char *domain_id, const char *case_id);

/* --- case audit history ---------------------------------------------------- */

typedef struct {
    const char *event_id;
    const char *type;              /* "Case.Created", "Case.Updated", ... */
    const char *related_item_type; /* or NULL */
    int64_t performed_ms;
    json_t *fields;       /* array of {eventFieldId, oldValue?, newValue} */
    json_t *performed_by; /* {user?, iamPrincipalArn} */
    int64_t seq;          /* assigned by the store */
    /* store_audit_append: when set, stored instead of serialising fields
     * and performed_by (which may then be NULL) */
    const char *fields_text;
    const char *performed_by_text;
} store_audit_event;

int store_audit_append(store_conn *conn, const store_scope *scope,
                       const char *domain_id, const char *case_id,
                       store_audit_event *ev);

typedef int (*store_audit_cb)(const store_audit_event *ev, void *arg);
/* Events of a case newest first, with seq < before_seq (0: from the
 * newest), at most limit.  Event members are valid during the call only. */
int store_audit_list(store_conn *conn, const store_scope *scope,
                     const char *domain_id, const char *case_id,
                     int64_t before_seq, int limit, store_audit_cb cb,
                     void *arg);

/* --- idempotency tokens ------------------------------------------------------ */

/*
 * Remembers that clientToken produced case_id for a request whose digest is
 * request_hash, until expires_ms.  store_idempotency_get returns
 * STORE_NOT_FOUND for unknown or expired tokens.
 */
int store_idempotency_put(store_conn *conn, const store_scope *scope,
                          const char *domain_id, const char *token,
                          const char *request_hash, const char *case_id,
                          int64_t expires_ms);
int store_idempotency_get(store_conn *conn, const store_scope *scope,
                          const char *domain_id, const char *token,
                          int64_t now_ms, arena *a, const char **request_hash,
                          const char **case_id);

/* --- case search ---------------------------------------------------------------- */

/*
 * A compiled SearchCases filter: the API layer checks field ids and turns
 * each value into the form the field's type is stored and compared in
 * (numbers and booleans as numbers, DateTime as its normalised ISO string,
 * which orders chronologically); the backend turns the tree into its query
 * language.  Nodes live in the request arena.
 */
typedef enum {
    SEARCH_AND,   /* every child holds (no children: true) */
    SEARCH_OR,    /* some child holds (no children: false) */
    SEARCH_NOT,   /* the one child does not hold */
    SEARCH_FIELD, /* a field value compared with a constant */
    SEARCH_TAG,   /* the case carries tag key=value */
} search_node_kind;

typedef enum {
    SEARCH_EQ,
    SEARCH_CONTAINS, /* case-insensitive substring of a string value */
    SEARCH_GT,
    SEARCH_GE,
    SEARCH_LT,
    SEARCH_LE,
} search_op;

typedef struct search_node {
    search_node_kind kind;
    /* SEARCH_FIELD */
    const char *field_id;
    search_op op;
    bool numeric;        /* compare num (Number, Boolean) rather than str */
    bool blank;          /* equalTo emptyValue: the field has no value */
    const char *str;
    double num;
    /* SEARCH_TAG */
    const char *tag_key;
    const char *tag_value;
    /* SEARCH_AND / SEARCH_OR / SEARCH_NOT */
    struct search_node **children;
    int child_count;
} search_node;

typedef struct {
    const char *field_id;
    bool descending;
    bool numeric;
} search_sort;

#define SEARCH_MAX_SORTS 2

typedef struct {
    const char *domain_id;
    const search_node *filter; /* NULL: every case */
    const char *search_term;   /* NULL or "": no full-text condition */
    search_sort sorts[SEARCH_MAX_SORTS]; /* then case seq, for a total order */
    int sort_count;
    /*
     * Keyset position: a JSON array [sortvalue..., seq] as handed to the
     * callback for the last case of the previous page (NULL: first page).
     * snapshot_seq > 0 leaves out cases created after the first page.
     */
    const json_t *after;
    int64_t snapshot_seq;
    int limit;
    bool want_total; /* count every match, not just this page */
    /* Hand the callback each case's fields as their JSON text (fields_text,
     * valid during the call) rather than parsed: for a reader that copies
     * out a few values. */
    bool fields_as_text;
} store_search_query;

/* Called per case of the page; cursor is the position after this case
 * (valid during the call). */
typedef int (*store_search_cb)(const store_case *c, const json_t *cursor,
                               void *arg);
/* Runs q; *total (when q->want_total) is the number of all matches, and
 * *max_seq the highest case seq of the domain (for snapshot_seq). */
int store_cases_search(store_conn *conn, const store_scope *scope,
                       const store_search_query *q, store_search_cb cb,
                       void *arg, int64_t *total, int64_t *max_seq);

/* --- related items ------------------------------------------------------------- */

/*
 * A related item of a case.  content is the RelatedItemContent union as
 * the API returns it (e.g. {"comment": {"body": "...", "contentType":
 * "Text/Plain"}}); what the API derives on every read (an Sla's status) is
 * not stored.  Items belong to their case: removing the case (DeleteCase,
 * DeleteDomain) removes them.  Their tags are stored by the item's ARN.
 */
typedef struct {
    const char *domain_id;
    const char *case_id;
    const char *item_id;
    const char *type;        /* "Contact", "Comment", "File", "Sla", ... */
    const char *contact_arn; /* Contact items only, else NULL */
    int64_t associated_ms;
    int64_t updated_ms;
    json_t *content;         /* owned by the holder */
    json_t *created_by;      /* UserUnion or NULL; owned by the holder */
    json_t *updated_by;      /* UserUnion or NULL; owned by the holder */
    int64_t seq;             /* assigned by the store on insert */
} store_related_item;

/* Inserts item under its case (item->seq is set); STORE_NOT_FOUND when
 * the case does not exist. */
int store_related_insert(store_conn *conn, const store_scope *scope,
                         store_related_item *item);
/* Loads one item of a case; out's json members are new references. */
int store_related_get(store_conn *conn, const store_scope *scope,
                      const char *domain_id, const char *case_id,
                      const char *item_id, arena *a, store_related_item *out);
/* Replaces content, updated_ms and updated_by of an existing item. */
int store_related_update(store_conn *conn, const store_scope *scope,
                         const store_related_item *item);
/* Removes one item (not its tags). */
int store_related_delete(store_conn *conn, const store_scope *scope,
                         const char *domain_id, const char *case_id,
                         const char *item_id);
/* Number of items of a case of type, or of every type when type is NULL. */
int store_related_count(store_conn *conn, const store_scope *scope,
                        const char *domain_id, const char *case_id,
                        const char *type, int64_t *count);

/* Called per item; the item and its json members are valid during the
 * call only (json_incref what must outlive it). */
typedef int (*store_related_cb)(const store_related_item *item, void *arg);
/* Items of a case newest first (seq descending) with seq < before_seq
 * (0: from the newest), at most limit.  A non-zero cb return stops the
 * walk and is returned. */
int store_related_list(store_conn *conn, const store_scope *scope,
                       const char *domain_id, const char *case_id,
                       int64_t before_seq, int limit, store_related_cb cb,
                       void *arg);

typedef enum {
    RELATED_SORT_TIME, /* association time */
    RELATED_SORT_CASE, /* case id */
} store_related_sort_key;

typedef struct {
    store_related_sort_key key;
    bool descending;
} store_related_sort;

#define RELATED_MAX_SORTS 2
#define RELATED_MAX_TYPES 6

typedef struct {
    const char *domain_id;
    /* Only items of these types (type_count 0: every type). */
    const char *types[RELATED_MAX_TYPES];
    int type_count;
    /* Distinct keys, applied in order; then seq, in the direction of the
     * last sort (ascending when there is none), for a total order. */
    store_related_sort sorts[RELATED_MAX_SORTS];
    int sort_count;
    /* Keyset position: the items after this one (its associated_ms,
     * case_id and seq are used); NULL for the first page. */
    const store_related_item *after;
    int limit;
} store_related_query;

/* Items of a domain in q's order, at most q->limit (SearchAllRelatedItems).
 * cb as for store_related_list. */
int store_related_search(store_conn *conn, const store_scope *scope,
                         const store_related_query *q, store_related_cb cb,
                         void *arg);

/* Called per case; strings are valid during the call only. */
typedef int (*store_contact_case_cb)(const char *case_id,
                                     const char *template_id,
                                     int64_t case_seq, void *arg);
/* The cases of a domain having a Contact item for contact_arn, each once,
 * in case seq order after after_seq, at most limit (ListCasesForContact). */
int store_contact_cases(store_conn *conn, const store_scope *scope,
                        const char *domain_id, const char *contact_arn,
                        int64_t after_seq, int limit, store_contact_case_cb cb,
                        void *arg);

#endif
