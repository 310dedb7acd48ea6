/*
 * arn.h - Amazon Connect Cases ARNs.
 *
 *   arn:aws:cases:REGION:ACCOUNT:domain/D
 *   ...:domain/D/field/F   .../layout/L   .../template/T   .../case-rule/R
 *   ...:domain/D/case/C    .../case/C/related-item/I
 */
#ifndef CASESD_ARN_H
#define CASESD_ARN_H

#include "util/arena.h"

typedef enum {
    ARN_DOMAIN,
    ARN_FIELD,
    ARN_LAYOUT,
    ARN_TEMPLATE,
    ARN_CASE_RULE,
    ARN_CASE,
    ARN_RELATED_ITEM,
} arn_kind;

typedef struct {
    arn_kind kind;
    const char *partition;   /* arena-owned, as are all strings below */
    const char *region;
    const char *account;
    const char *domain_id;
    const char *resource_id; /* field/layout/template/rule/case id; NULL for a domain */
    const char *item_id;     /* related item id, else NULL */
} parsed_arn;

/* Parses arn into out (strings arena-owned). Returns 0, or -1 if malformed. */
int arn_parse(arena *a, const char *arn, parsed_arn *out);
/*
 * Formats the ARN of a resource; resource_id is ignored for ARN_DOMAIN and
 * item_id is used only for ARN_RELATED_ITEM (resource_id is then the case).
 */
char *arn_format(arena *a, arn_kind kind, const char *region,
                 const char *account, const char *domain_id,
                 const char *resource_id, const char *item_id);
/* "Domain", "Field", ... as used in ResourceNotFoundException.resourceType. */
const char *arn_kind_name(arn_kind kind);

#endif
