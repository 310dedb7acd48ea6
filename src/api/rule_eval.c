/*
 * rule_eval.c - evaluates case rules against a case's field values (see
 * rule_eval.h).
 *
 * Choices where the model says nothing:
 *  - Only equalTo/notEqualTo carry a `result`.  A compound condition that
 *    holds takes the result of its first member that holds (for andAll
 *    that is its first member), so a rule may nest comparisons freely.  A
 *    holding compound with no member that yields a result (an empty andAll)
 *    supplies none, and the next condition of the rule is tried.
 *  - An empty andAll holds and an empty orAll does not (the usual meaning
 *    of "all of none" and "any of none").
 *  - A stringValue operand also matches a User field's userArnValue, so a
 *    rule can test who a case is assigned to.
 *  - Values of another type never equal the operand: a Number field never
 *    equals a stringValue, and notEqualTo then holds.
 *  - fieldOptions mappings are searched in order; the first one for the
 *    parent's value applies.  Only text values are restricted: a child or
 *    parent value of another type is left to the field-type checks.
 */
#include <stdio.h>
#include <string.h>

#include "api/rule_eval.h"

static const char *str_member(const json_t *obj, const char *name)
{
    return json_string_value(json_object_get(obj, name));
}

/* The value of field_id in fields, or NULL when it has none. */
static const json_t *field_value(const json_t *fields, const char *field_id)
{
    return field_id ? json_object_get(fields, field_id) : NULL;
}

static bool is_blank(const json_t *value)
{
    return !json_is_object(value) || json_object_get(value, "emptyValue");
}

/* The text a value holds (stringValue or userArnValue), or NULL. */
static const char *value_text(const json_t *value)
{
    const char *s = str_member(value, "stringValue");
    return s ? s : str_member(value, "userArnValue");
}

static bool booleans_equal(const json_t *want, const json_t *value)
{
    const json_t *have = json_object_get(value, "booleanValue");
    return json_is_boolean(have) &&
           json_boolean_value(have) == json_boolean_value(want);
}

static bool numbers_equal(const json_t *want, const json_t *value)
{
    const json_t *have = json_object_get(value, "doubleValue");
    return json_is_number(have) &&
           json_number_value(have) == json_number_value(want);
}

/* Whether operandOne's field value equals operandTwo (BooleanOperands). */
static bool operands_equal(const json_t *operands, const json_t *fields)
{
    const json_t *two = json_object_get(operands, "operandTwo");
    const json_t *value = field_value(
        fields, str_member(json_object_get(operands, "operandOne"), "fieldId"));
    const json_t *want;
    const char *text;

    if (json_object_get(two, "emptyValue"))
        return is_blank(value);
    if (is_blank(value))
        return false;
    if ((want = json_object_get(two, "stringValue")) != NULL) {
        text = value_text(value);
        return text && json_is_string(want) &&
               strcmp(text, json_string_value(want)) == 0;
    }
    if (json_is_boolean(want = json_object_get(two, "booleanValue")))
        return booleans_equal(want, value);
    if (json_is_number(want = json_object_get(two, "doubleValue")))
        return numbers_equal(want, value);
    return false;
}

/* andAll (need_all) or orAll over a CompoundCondition. */
static bool compound_holds(const json_t *compound, const json_t *fields,
                           bool need_all)
{
    const json_t *member;
    size_t i;

    json_array_foreach(json_object_get(compound, "conditions"), i, member) {
        if (rule_condition_holds(member, fields) != need_all)
            return !need_all;
    }
    return need_all;
}

bool rule_condition_holds(const json_t *condition, const json_t *fields)
{
    const json_t *part;

    if ((part = json_object_get(condition, "equalTo")) != NULL)
        return operands_equal(part, fields);
    if ((part = json_object_get(condition, "notEqualTo")) != NULL)
        return !operands_equal(part, fields);
    if ((part = json_object_get(condition, "andAll")) != NULL)
        return compound_holds(part, fields, true);
    if ((part = json_object_get(condition, "orAll")) != NULL)
        return compound_holds(part, fields, false);
    return false;
}

static bool first_result(const json_t *conditions, const json_t *fields,
                         bool *result);

/* The result a condition that holds supplies; false when it has none. */
static bool holding_result(const json_t *condition, const json_t *fields,
                           bool *result)
{
    const json_t *operands = json_object_get(condition, "equalTo");
    const json_t *compound;

    if (!operands)
        operands = json_object_get(condition, "notEqualTo");
    if (operands) {
        *result = json_is_true(json_object_get(operands, "result"));
        return true;
    }
    compound = json_object_get(condition, "andAll");
    if (!compound)
        compound = json_object_get(condition, "orAll");
    return first_result(json_object_get(compound, "conditions"), fields,
                        result);
}

/* Sets *result from the first of conditions that holds and has one. */
static bool first_result(const json_t *conditions, const json_t *fields,
                         bool *result)
{
    const json_t *condition;
    size_t i;

    json_array_foreach(conditions, i, condition) {
        if (rule_condition_holds(condition, fields) &&
            holding_result(condition, fields, result))
            return true;
    }
    return false;
}

bool rule_boolean_result(const json_t *rule, const json_t *fields)
{
    bool result = false;

    if (first_result(json_object_get(rule, "conditions"), fields, &result))
        return result;
    return json_is_true(json_object_get(rule, "defaultValue"));
}

static int check_required(const json_t *required, const char *field_id,
                          const json_t *fields, char *err, size_t errlen)
{
    if (!field_id || !rule_boolean_result(required, fields) ||
        !is_blank(field_value(fields, field_id)))
        return 0;
    snprintf(err, errlen, "Field '%s' is required by case rule", field_id);
    return -1;
}

/* The childFieldOptionValues mapped from parent_value, or NULL. */
static const json_t *mapped_children(const json_t *options,
                                     const char *parent_value)
{
    const json_t *mapping;
    size_t i;

    json_array_foreach(json_object_get(options, "parentChildFieldOptionsMappings"),
                       i, mapping) {
        const char *from = str_member(mapping, "parentFieldOptionValue");
        if (from && strcmp(from, parent_value) == 0)
            return json_object_get(mapping, "childFieldOptionValues");
    }
    return NULL;
}

static bool value_listed(const json_t *values, const char *value)
{
    const json_t *entry;
    size_t i;

    json_array_foreach(values, i, entry) {
        if (json_is_string(entry) && strcmp(json_string_value(entry), value) == 0)
            return true;
    }
    return false;
}

/* field_id is where the template attached the rule: the child when the
 * rule itself names none. */
static int check_options(const json_t *options, const char *field_id,
                         const json_t *fields, char *err, size_t errlen)
{
    const char *parent = str_member(options, "parentFieldId");
    const char *child = str_member(options, "childFieldId");
    const json_t *parent_value, *child_value, *allowed;
    const char *parent_text, *child_text;

    if (!child)
        child = field_id;
    parent_value = field_value(fields, parent);
    child_value = field_value(fields, child);
    if (!parent || !child || is_blank(parent_value) || is_blank(child_value))
        return 0;
    parent_text = str_member(parent_value, "stringValue");
    child_text = str_member(child_value, "stringValue");
    if (!parent_text || !child_text)
        return 0;
    allowed = mapped_children(options, parent_text);
    if (!allowed || value_listed(allowed, child_text))
        return 0;
    snprintf(err, errlen,
             "Value '%s' of field '%s' is not allowed when field '%s' is '%s'",
             child_text, child, parent, parent_text);
    return -1;
}

static int check_attached(const json_t *entry, const json_t *fields,
                          char *err, size_t errlen)
{
    const char *field_id = str_member(entry, "fieldId");
    const json_t *rule = json_object_get(entry, "rule");
    const json_t *part;

    if ((part = json_object_get(rule, "required")) != NULL)
        return check_required(part, field_id, fields, err, errlen);
    if ((part = json_object_get(rule, "fieldOptions")) != NULL)
        return check_options(part, field_id, fields, err, errlen);
    /* hidden only changes what the agent workspace shows. */
    return 0;
}

int rule_check_case(const json_t *attached, const json_t *fields, char *err,
                    size_t errlen)
{
    const json_t *entry;
    size_t i;

    if (errlen > 0)
        err[0] = '\0';
    json_array_foreach(attached, i, entry) {
        if (check_attached(entry, fields, err, errlen) != 0)
            return -1;
    }
    return 0;
}
