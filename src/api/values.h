/*
 * values.h - checking one case field value against its field.
 *
 * A pure module: it knows the value rules of each field type (and of the
 * system fields with rules of their own) but nothing of the store or the
 * request, so handlers of every operation that writes case values share it
 * and it is tested on its own.  What needs the store stays with the caller:
 * that a SingleSelect value names an active option of its field, that a
 * field exists and is live, template and case-rule requirements.
 *
 * Values travel as FieldValueUnion objects with exactly one member:
 *   Text, Url                      {"stringValue": S}
 *   DateTime                       {"stringValue": ISO-8601 date-time}
 *   SingleSelect                   {"stringValue": option value}
 *   Number                         {"doubleValue": D}
 *   Boolean                        {"booleanValue": B}
 *   User                           {"userArnValue": Connect user ARN}
 *   any type (clears the value)    {"emptyValue": {}}
 */
#ifndef CASESD_VALUES_H
#define CASESD_VALUES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Text limits, counted in Unicode code points. */
#define VALUE_TEXT_MAX 500        /* single-line Text */
#define VALUE_MULTILINE_MAX 4100  /* Text with attributes.text.isMultiline */
#define VALUE_SUMMARY_MAX 3000    /* the `summary` system field */

/* What the checks need to know about a field; strings are borrowed. */
typedef struct {
    const char *id;   /* field id: names it in messages; some system ids
                         (customer_id, summary) carry rules of their own */
    const char *type; /* "Text", "Number", "Boolean", "DateTime",
                         "SingleSelect", "Url" or "User" */
    bool multiline;   /* Text only: attributes.text.isMultiline */
} value_field;

/* Reads id, type and attributes.text.isMultiline from a field document
 * ({fieldId, type, attributes?, ...}); out borrows doc's strings. */
void value_field_of(const json_t *doc, value_field *out);

/*
 * Checks value (a FieldValueUnion) for field.  On success returns 0 and
 * sets *normalised to a new reference the caller owns: the value as the
 * store keeps it (a DateTime rewritten to UTC "YYYY-MM-DDTHH:MM:SS.mmmZ", a
 * number as a JSON real, anything else an equal copy).  On failure returns
 * -1, leaves *normalised NULL and writes into err a message that names the
 * field.  emptyValue is accepted for every type; whether the field may be
 * cleared is the caller's question.
 */
int value_check(const value_field *field, const json_t *value,
                json_t **normalised, char *err, size_t errlen);

/* True when value holds nothing: NULL, emptyValue, or a stringValue that
 * is empty or white space only. */
bool value_is_blank(const json_t *value);

/* Number of Unicode code points in the UTF-8 string s. */
size_t value_code_points(const char *s);

#endif
