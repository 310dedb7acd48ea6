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
    /* Opens one connection; the first of a pool also migrates the schema. */
    store_conn *(*connect)(const char *url, bool migrate, char *err,
                           size_t errlen);
    void (*disconnect)(store_conn *conn);
    int (*begin)(store_conn *conn);
    int (*commit)(store_conn *conn);
    void (*rollback)(store_conn *conn);

    int (*token_key)(store_conn *conn, unsigned char key[32]);

    int (*record_insert)(store_conn *, const store_scope *, store_record *);
    int (*record_update)(store_conn *, const store_scope *,
                         const store_record *);
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
    int (*case_update)(store_conn *, const store_scope *, const store_case *);
    int (*case_delete)(store_conn *, const store_scope *, const char *,
                       const char *);
    int (*audit_append)(store_conn *, const store_scope *, const char *,
                        const char *, store_audit_event *);
    int (*audit_list)(store_conn *, const store_scope *, const char *,
                      const char *, int64_t, int, store_audit_cb, void *);
    int (*idempotency_put)(store_conn *, const store_scope *, const char *,
                           const char *, const char *, const char *, int64_t);
    int (*idempotency_get)(store_conn *, const store_scope *, const char *,
                           const char *, int64_t, arena *, const char **,
                           const char **);
};

extern const store_backend sqlite_backend;

#endif
