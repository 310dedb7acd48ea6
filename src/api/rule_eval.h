/*
 * rule_eval.h - evaluates case rules against a case's field values.
 *
 * Pure functions: JSON in, answer out; no store, no request context.  The
 * JSON is the case rule as the API carries it (CaseRuleDetails and its
 * members), already validated against the model by the caller.
 *
 * A case's values: JSON object {fieldId: FieldValueUnion}
 * (e.g. {"status":{"stringValue":"open"}}).  An absent field and
 * {"emptyValue":{}} both count as blank.
 */
#ifndef CASESD_RULE_EVAL_H
#define CASESD_RULE_EVAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Evaluates one BooleanCondition (equalTo/notEqualTo/andAll/orAll) against
 * fields: returns true when the condition holds.  equalTo compares
 * operandOne's field value with operandTwo (stringValue/booleanValue/
 * doubleValue compared by type; emptyValue means "is blank"); notEqualTo is
 * its negation; andAll/orAll combine their conditions.
 */
bool rule_condition_holds(const json_t *condition, const json_t *fields);

/*
 * The result of a required/hidden rule (RequiredCaseRule/HiddenCaseRule
 * JSON {defaultValue, conditions}): the `result` of the first condition
 * that holds, else defaultValue.
 */
bool rule_boolean_result(const json_t *rule, const json_t *fields);

/*
 * Checks a case's final values against the rules attached to its template.
 * attached: JSON array of {"fieldId": F, "rule": CaseRuleDetails}.  A
 * required rule whose result is true needs F non-blank; a fieldOptions rule
 * restricts the child's value to the options mapped from the parent's
 * current value (no mapping for the parent's value, or a blank parent: no
 * restriction; a blank child is always allowed); hidden rules are not
 * enforced.  Returns 0, or -1 with a message in err naming the field.
 */
int rule_check_case(const json_t *attached, const json_t *fields, char *err,
                    size_t errlen);

#endif
