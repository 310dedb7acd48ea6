/*
 * model.h - C tables generated from an AWS service model (botocore JSON).
 *
 * tools/genmodel.py writes one src/model/<service>_model.c per service; this
 * header is the only way the rest of the server sees the AWS model.  Shapes
 * refer to each other by index into the service's shape array, so the tables
 * are plain constant data with no relocations beyond string pointers.
 */
#ifndef CASESD_MODEL_H
#define CASESD_MODEL_H

#include <stdbool.h>
#include <stdint.h>

typedef enum {
    SHAPE_STRUCTURE,
    SHAPE_LIST,
    SHAPE_MAP,
    SHAPE_STRING,
    SHAPE_INTEGER,
    SHAPE_LONG,
    SHAPE_DOUBLE,
    SHAPE_BOOLEAN,
    SHAPE_TIMESTAMP,
    SHAPE_BLOB,
} shape_type;

/* Where an input member travels on the wire (restJson1). */
typedef enum {
    LOC_BODY,
    LOC_URI,
    LOC_QUERY,
    LOC_HEADER,
} member_location;

typedef struct {
    const char *name;      /* member name as in the model (JSON key) */
    int shape;             /* index into model_service.shapes */
    member_location location;
    const char *wire_name; /* locationName for URI/query/header, else NULL */
    bool required;
    bool idempotency_token;
} model_member;

/* Bits of model_shape.flags */
#define SHAPE_HAS_MIN 0x01u
#define SHAPE_HAS_MAX 0x02u
#define SHAPE_UNION 0x04u   /* structure where exactly one member is set */
#define SHAPE_ISO8601 0x08u /* timestamp serialised as ISO-8601 */
#define SHAPE_SPARSE 0x10u  /* list/map whose elements may be null */
#define SHAPE_ERROR 0x20u   /* an exception shape */

typedef struct {
    const char *name;
    shape_type type;
    unsigned flags;
    /* string: length in characters; list/map: element count; number: value */
    int64_t min;
    int64_t max;
    const char *pattern;          /* PCRE2 pattern or NULL */
    const char *const *enum_values; /* NULL-terminated, or NULL */
    const model_member *members;  /* structure members */
    int member_count;
    int element;                  /* list member / map value shape, else -1 */
    int key;                      /* map key shape, else -1 */
    int http_status;              /* error shapes only */
} model_shape;

typedef struct {
    const char *name;        /* "CreateDomain" */
    const char *method;      /* "POST" */
    const char *uri;         /* "/domains/{domainId}" as in the model */
    int input;               /* shape index, or -1 */
    int output;              /* shape index, or -1 */
    const int *errors;       /* error shape indices, -1 terminated */
} model_operation;

typedef struct {
    const char *service;      /* "connectcases" */
    const char *signing_name; /* "cases" */
    const char *api_version;
    const model_shape *shapes;
    int shape_count;
    const model_operation *operations;
    int operation_count;
} model_service;

extern const model_service model_connectcases;
/* The Amazon Connect API (2017-08-08), whose ARNs and ids Cases refers to. */
extern const model_service model_connect;

/* Index of the shape called name in svc, or -1. */
int model_shape_index(const model_service *svc, const char *name);

/* The operation called name in svc, or NULL. */
const model_operation *model_operation_find(const model_service *svc,
                                            const char *name);

#endif
