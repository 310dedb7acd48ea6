/*
 * validate.h - checks a JSON value against a shape of the model.
 *
 * Checks: JSON types, required members, string length (in Unicode code
 * points), list/map sizes, number ranges, enums, patterns (PCRE2, compiled
 * once in validator_new), unions (exactly one member set), and ISO-8601
 * timestamps.  Members the shape does not know are ignored, as AWS does.
 * The first violation found is reported in the AWS style:
 *   1 validation error detected: Value at 'tags.Dept' failed to satisfy
 *   constraint: Member must have length less than or equal to 256
 */
#ifndef CASESD_VALIDATE_H
#define CASESD_VALIDATE_H

#include <jansson.h>
#include <stddef.h>

#include "model/model.h"

typedef struct validator validator;

validator *validator_new(const model_service *svc, char *err, size_t errlen);
void validator_free(validator *v);
/* Returns 0 when value satisfies shape, else -1 with a message in err. */
int validate_shape(const validator *v, int shape, json_t *value, char *err,
                   size_t errlen);

#endif
