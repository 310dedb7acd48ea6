/*
 * backend.h - what a storage backend provides to store.c.
 *
 * Private to src/store/: the API layer includes store.h only.  A backend
 * fills one store_backend table; each of its connections starts with a
 * store_conn header so store.c can find the table from any connection.
 */
#ifndef CASESD_STORE_BACKEND_H
#define CASESD_STORE_BACKEND_H

#include "store/store.h"

typedef struct store_backend store_backend;

struct store_conn {
    const store_backend *backend;
};

struct store_backend {
    const char *name;
    /* State shared by every connection of one store (locks, for example);
     * opened before the first connection, closed after the last. */
    void *(*open_shared)(const char *url, char *err, size_t errlen);
    void (*close_shared)(void *shared);
    /* Opens one connection; the first of a pool also migrates the schema. */
    store_conn *(*connect)(const char *url, void *shared, bool migrate,
                           char *err, size_t errlen);
    void (*disconnect)(store_conn *conn);
    /* store_tx: run fn in a write transaction, durable when it returns 0 */
    int (*tx)(store_conn *conn, store_tx_fn fn, void *arg);
    /* store_tx_checked */
    int (*tx_checked)(store_conn *conn, store_tx_fn fn, void *arg);
    /* store_tx_checked_later; NULL when the backend cannot queue a
     * transaction without waiting for it (store.c then runs it at once) */
    int (*tx_checked_later)(store_conn *conn, store_tx_fn fn, void *arg,
                            store_tx_done_fn done, void *done_arg);
    /* store_read_begin / store_read_end */
    int (*read_begin)(store_conn *conn);
    void (*read_end)(store_conn *conn);

    int (*token_key)(store_conn *conn, unsigned char key[32]);
    int (*config_version)(store_conn *conn, int64_t *version);

    int (*record_insert)(store_conn *, const store_scope *, store_record *);
    int (*record_update)(store_conn *, const store_scope *,
                         const store_record *);
    int (*record_state)(store_conn *, const store_scope *, resource_kind,
                        const char *domain_id, const char *id, bool *deleted);
    int (*record_get)(store_conn *, const store_scope *, resource_kind,
                      const char *domain_id, const char *id, arena *,
                      store_record *);
    int (*record_list)(store_conn *, const store_scope *, resource_kind,
                       const char *domain_id, const store_list_query *,
                       store_record_cb, void *);
    int (*record_count)(store_conn *, const store_scope *, resource_kind,
                        const char *domain_id, bool deleted, int64_t *);
    int (*domain_purge)(store_conn *, const store_scope *, const char *);

    int (*option_put)(store_conn *, const store_scope *, const char *,
                      const char *, const store_option *);
    int (*option_get)(store_conn *, const store_scope *, const char *,
                      const char *, const char *, arena *, store_option *);
    int (*option_count)(store_conn *, const store_scope *, const char *,
                        const char *, int64_t *);
    int (*option_list)(store_conn *, const store_scope *, const char *,
                       const char *, int64_t, int, store_option_cb, void *);

    int (*tags_get)(store_conn *, const char *arn, json_t **);
    int (*tags_put)(store_conn *, const char *arn, json_t *);
    int (*tags_remove)(store_conn *, const char *arn, const char *const *);
    int (*tags_purge)(store_conn *, const char *arn);

    int (*case_insert)(store_conn *, const store_scope *, store_case *);
    int (*case_get)(store_conn *, const store_scope *, const char *,
                    const char *, arena *, store_case *);
    int (*case_get_text)(store_conn *, const store_scope *, const char *,
                         const char *, const char *, arena *, store_case *,
                         json_t **);
    int (*case_update)(store_conn *, const store_scope *, const store_case *);
    int (*case_delete)(store_conn *, const store_scope *, const char *,
                       const char *);
    int (*audit_append)(store_conn *, const store_scope *, const char *,
                        const char *, store_audit_event *);
    int (*audit_list)(store_conn *, const store_scope *, const char *,
                      const char *, int64_t, int, store_audit_cb, void *);
    int (*idempotency_put)(store_conn *, const store_scope *, const char *,
                           const char *, const char *, const char *, int64_t);
    int (*cases_search)(store_conn *, const store_scope *,
                        const store_search_query *, store_search_cb, void *,
                        int64_t *, int64_t *);
    int (*idempotency_get)(store_conn *, const store_scope *, const char *,
                           const char *, int64_t, arena *, const char **,
                           const char **);

    int (*related_insert)(store_conn *, const store_scope *,
                          store_related_item *);
    int (*related_get)(store_conn *, const store_scope *, const char *,
                       const char *, const char *, arena *,
                       store_related_item *);
    int (*related_update)(store_conn *, const store_scope *,
                          const store_related_item *);
    int (*related_delete)(store_conn *, const store_scope *, const char *,
                          const char *, const char *);
    int (*related_count)(store_conn *, const store_scope *, const char *,
                         const char *, const char *, int64_t *);
    int (*related_list)(store_conn *, const store_scope *, const char *,
                        const char *, int64_t, int, store_related_cb, void *);
    int (*related_search)(store_conn *, const store_scope *,
                          const store_related_query *, store_related_cb,
                          void *);
    int (*contact_cases)(store_conn *, const store_scope *, const char *,
                         const char *, int64_t, int, store_contact_case_cb,
                         void *);
};

extern const store_backend sqlite_backend;

#endif
