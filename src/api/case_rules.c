/*
 * case_rules.c - CreateCaseRule, UpdateCaseRule, DeleteCaseRule,
 * ListCaseRules, BatchGetCaseRule.
 *
 * A case rule record's document holds {caseRuleId, caseRuleArn, name,
 * description?, rule}, rule being the CaseRuleDetails as the caller gave
 * it; deleted, createdTime and lastModifiedTime come from the record's
 * columns.  How rules act on cases is in rule_eval.c.  DeleteCaseRule is a
 * soft delete: BatchGetCaseRule still returns the rule (deleted: true, its
 * tags kept), ListCaseRules leaves it out, UpdateCaseRule refuses it.
 *
 * Choices where AWS documents nothing:
 *  - Names need not be unique (AWS does not say they must be): the record's
 *    name column stays NULL, so the store's per-domain name index ignores
 *    rules, and the name lives in the document only.  CreateCaseRule thus
 *    never answers ConflictException.
 *  - The model allows 5 conditions per rule over 2 levels of nesting.  A
 *    condition is a comparison (equalTo/notEqualTo); andAll/orAll group
 *    them and do not count.  The rule's own list is level 1 and the
 *    members of a group in it level 2, so a group inside a group is
 *    refused.  A group with no members is refused as meaningless.
 *  - Every field a rule names must be a live field of the domain.  A
 *    fieldOptions rule must name both parent and child (the model leaves
 *    them optional), two different SingleSelect fields, and map each
 *    parent value once.
 *  - DeleteCaseRule on a rule already deleted succeeds and changes nothing
 *    (the operation has no ValidationException to answer with); one that a
 *    live template attaches is a ConflictException.
 *  - BatchGetCaseRule reports an unknown id with errorCode "NotFound";
 *    unprocessedCaseRules is always empty, since every id is answered from
 *    the local store in one pass and nothing is ever deferred.
 *  - ListCaseRules returns 100 rules when maxResults is absent (the
 *    model's maximum).
 */
#include <string.h>

#include "api/api.h"
#include "util/timeutil.h"

#define MAX_CONDITIONS 5
#define MAX_CONDITION_LEVELS 2
#define DEFAULT_MAX_RESULTS 100
/* Templates read per store call when looking for users of a rule. */
#define TEMPLATE_BATCH 128

/* --- shared ------------------------------------------------------------------ */

static const char *doc_str(const json_t *doc, const char *member)
{
    return json_string_value(json_object_get(doc, member));
}

/* The compound (andAll/orAll) of a condition, or NULL for a comparison. */
static const json_t *compound_of(const json_t *condition)
{
    const json_t *compound = json_object_get(condition, "andAll");
    return compound ? compound : json_object_get(condition, "orAll");
}

/* The comparison (equalTo/notEqualTo) of a condition, or NULL. */
static const json_t *operands_of(const json_t *condition)
{
    const json_t *operands = json_object_get(condition, "equalTo");
    return operands ? operands : json_object_get(condition, "notEqualTo");
}

/* The {defaultValue, conditions} body of a required or hidden rule. */
static const json_t *boolean_rule_of(const json_t *rule)
{
    const json_t *body = json_object_get(rule, "required");
    return body ? body : json_object_get(rule, "hidden");
}

/* --- the shape of a rule (no store needed) ----------------------------------- */

/* Refuses a group at level when groups may not sit there, or one with no
 * members. */
static int check_group(request_ctx *ctx, const json_t *members, int level)
{
    if (level >= MAX_CONDITION_LEVELS)
        return api_fail(ctx, ERR_VALIDATION,
                        "Conditions of a case rule can be nested at most %d levels deep",
                        MAX_CONDITION_LEVELS);
    if (json_array_size(members) == 0)
        return api_fail(ctx, ERR_VALIDATION,
                        "andAll and orAll need at least one condition");
    return 0;
}

/* Counts in *count the comparisons of conditions (at level and below),
 * refusing too many or too deep. */
static int check_conditions(request_ctx *ctx, const json_t *conditions,
                            int level, int *count)
{
    const json_t *condition;
    size_t i;

    json_array_foreach(conditions, i, condition) {
        const json_t *compound = compound_of(condition);
        const json_t *members = json_object_get(compound, "conditions");

        if (compound) {
            if (check_group(ctx, members, level) != 0 ||
                check_conditions(ctx, members, level + 1, count) != 0)
                return -1;
        } else if (++*count > MAX_CONDITIONS) {
            return api_fail(ctx, ERR_VALIDATION,
                            "A case rule can have at most %d conditions",
                            MAX_CONDITIONS);
        }
    }
    return 0;
}

/* The parent value of mapping i, or "" when it has none. */
static const char *mapped_parent(const json_t *mappings, size_t i)
{
    const char *value = doc_str(json_array_get(mappings, i),
                                "parentFieldOptionValue");
    return value ? value : "";
}

/* Refuses a parent value mapped twice: which mapping applied would be
 * arbitrary. */
static int check_mappings(request_ctx *ctx, const json_t *mappings)
{
    for (size_t i = 0; i < json_array_size(mappings); i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(mapped_parent(mappings, i),
                       mapped_parent(mappings, j)) == 0)
                return api_fail(ctx, ERR_VALIDATION,
                                "Parent value '%s' is mapped more than once",
                                mapped_parent(mappings, i));
    return 0;
}

static int check_field_options_shape(request_ctx *ctx, const json_t *options)
{
    const char *parent = doc_str(options, "parentFieldId");
    const char *child = doc_str(options, "childFieldId");

    if (!parent || !child)
        return api_fail(ctx, ERR_VALIDATION,
                        "A fieldOptions rule needs parentFieldId and childFieldId");
    if (strcmp(parent, child) == 0)
        return api_fail(ctx, ERR_VALIDATION,
                        "The parent and child fields of a fieldOptions rule must differ");
    return check_mappings(ctx, json_object_get(options,
                                               "parentChildFieldOptionsMappings"));
}

/* Checks what the model cannot express about a CaseRuleDetails. */
static int check_rule_shape(request_ctx *ctx, const json_t *rule)
{
    const json_t *body = boolean_rule_of(rule);
    int count = 0;

    if (body)
        return check_conditions(ctx, json_object_get(body, "conditions"), 1,
                                &count);
    return check_field_options_shape(ctx,
                                     json_object_get(rule, "fieldOptions"));
}

/* --- the fields a rule names (inside a transaction) -------------------------- */

typedef struct {
    request_ctx *ctx;
    store_conn *conn;
    const char *domain_id;
} rule_scope;

/* Checks that field_id is a live field; *type (arena-owned) gets its type
 * when type is not NULL.  Returns 0, -1 after failing, or a store_status. */
static int check_live_field(const rule_scope *s, const char *field_id,
                            const char **type)
{
    store_record rec;
    int rc = store_record_get(s->conn, &s->ctx->scope, RES_FIELD,
                              s->domain_id, field_id, s->ctx->arena, &rec);

    if (rc == STORE_NOT_FOUND)
        return api_fail(s->ctx, ERR_VALIDATION,
                        "Field '%s' named by the case rule does not exist in the domain",
                        field_id);
    if (rc != STORE_OK)
        return rc;
    if (type)
        *type = arena_strdup(s->ctx->arena, doc_str(rec.doc, "type"));
    json_decref(rec.doc);
    if (rec.deleted)
        return api_fail(s->ctx, ERR_VALIDATION,
                        "Field '%s' named by the case rule has been deleted",
                        field_id);
    return 0;
}

static int check_condition_fields(const rule_scope *s,
                                  const json_t *conditions)
{
    const json_t *condition;
    size_t i;

    json_array_foreach(conditions, i, condition) {
        const json_t *operands = operands_of(condition);
        int rc;
        if (operands)
            rc = check_live_field(s, doc_str(json_object_get(operands,
                                                             "operandOne"),
                                             "fieldId"),
                                  NULL);
        else
            rc = check_condition_fields(
                s, json_object_get(compound_of(condition), "conditions"));
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int check_single_select(const rule_scope *s, const char *field_id)
{
    const char *type = NULL;
    int rc = check_live_field(s, field_id, &type);

    if (rc != 0)
        return rc;
    if (!type || strcmp(type, "SingleSelect") != 0)
        return api_fail(s->ctx, ERR_VALIDATION,
                        "Field '%s' of a fieldOptions rule must be SingleSelect, not %s",
                        field_id, type ? type : "untyped");
    return 0;
}

/* Checks the fields rule names.  Returns 0, -1 after failing, or a
 * store_status. */
static int check_rule_fields(const rule_scope *s, const json_t *rule)
{
    const json_t *body = boolean_rule_of(rule);
    const json_t *options;
    int rc;

    if (body)
        return check_condition_fields(s, json_object_get(body, "conditions"));
    options = json_object_get(rule, "fieldOptions");
    rc = check_single_select(s, doc_str(options, "parentFieldId"));
    if (rc != 0)
        return rc;
    return check_single_select(s, doc_str(options, "childFieldId"));
}

/* --- CreateCaseRule ---------------------------------------------------------- */

typedef struct {
    request_ctx *ctx;
    store_record rec; /* the new rule; rec.doc owned by create_case_rule */
} create_rule_tx;

static int check_rule_quota(const rule_scope *s)
{
    int64_t live = 0;
    int rc = store_record_count(s->conn, &s->ctx->scope, RES_CASE_RULE,
                                s->domain_id, false, &live);

    if (rc != STORE_OK)
        return rc;
    if (live >= s->ctx->app->cfg.quotas.case_rules)
        return api_fail(s->ctx, ERR_QUOTA,
                        "The domain already has %lld case rules, the most allowed",
                        (long long)live);
    return 0;
}

static int create_rule_in_tx(store_conn *conn, void *arg)
{
    create_rule_tx *t = arg;
    rule_scope s = {t->ctx, conn, t->rec.domain_id};
    int rc;

    /* Checked here so the domain and fields cannot vanish before the
     * insert. */
    if (api_require_domain(t->ctx, s.domain_id) != 0)
        return -1;
    rc = check_rule_fields(&s, json_object_get(t->rec.doc, "rule"));
    if (rc == 0)
        rc = check_rule_quota(&s);
    if (rc == 0)
        rc = store_record_insert(conn, &t->ctx->scope, &t->rec);
    return rc;
}

/* The document of a new rule (new reference, NULL on failure). */
static json_t *new_rule_doc(request_ctx *ctx, const char *domain_id,
                            const char *id)
{
    json_t *description = json_object_get(ctx->input, "description");
    json_t *doc = json_pack("{s:s, s:s, s:s, s:O}", "caseRuleId", id,
                            "caseRuleArn",
                            api_arn(ctx, RES_CASE_RULE, domain_id, id), "name",
                            api_input_str(ctx, "name"), "rule",
                            json_object_get(ctx->input, "rule"));
    if (doc && description)
        json_object_set(doc, "description", description);
    return doc;
}

static int create_case_rule(request_ctx *ctx)
{
    char id[ID_UUID_LEN];
    int64_t now = time_now_ms();
    create_rule_tx t = {
        .ctx = ctx,
        /* name stays NULL: rule names need not be unique (see top). */
        .rec = {.kind = RES_CASE_RULE,
                .domain_id = api_input_str(ctx, "domainId"), .id = id,
                .created_ms = now, .modified_ms = now},
    };
    int rc;

    if (check_rule_shape(ctx, json_object_get(ctx->input, "rule")) != 0)
        return -1;
    id_uuid(id);
    t.rec.doc = new_rule_doc(ctx, t.rec.domain_id, id);
    if (!t.rec.doc)
        return api_fail(ctx, ERR_INTERNAL, "Cannot build the case rule");
    rc = store_tx(ctx->db, create_rule_in_tx, &t);
    json_decref(t.rec.doc);
    if (rc != 0)
        return api_tx_result(ctx, rc);
    ctx->output = json_pack("{s:s, s:s}", "caseRuleId", id, "caseRuleArn",
                            api_arn(ctx, RES_CASE_RULE, t.rec.domain_id, id));
    return 0;
}

/* --- UpdateCaseRule ---------------------------------------------------------- */

/* What a transaction on one existing rule needs. */
typedef struct {
    request_ctx *ctx;
    const char *domain_id;
    const char *rule_id;
    int64_t now;
} rule_tx;

static rule_tx rule_tx_of(request_ctx *ctx)
{
    return (rule_tx){ctx, api_input_str(ctx, "domainId"),
                     api_input_str(ctx, "caseRuleId"), time_now_ms()};
}

/* Applies the input's changes to rec's document. */
static int apply_rule_update(const rule_scope *s, store_record *rec)
{
    static const char *const members[] = {"name", "description", "rule",
                                          NULL};
    const json_t *rule = json_object_get(s->ctx->input, "rule");

    if (rule) {
        int rc = check_rule_fields(s, rule);
        if (rc != 0)
            return rc;
    }
    for (const char *const *m = members; *m; m++) {
        json_t *value = json_object_get(s->ctx->input, *m);
        if (value)
            json_object_set(rec->doc, *m, value);
    }
    return 0;
}

static int update_rule_in_tx(store_conn *conn, void *arg)
{
    rule_tx *t = arg;
    rule_scope s = {t->ctx, conn, t->domain_id};
    store_record rec;
    int rc;

    if (api_load_record(t->ctx, RES_CASE_RULE, t->domain_id, t->rule_id,
                        &rec) != 0)
        return -1;
    if (rec.deleted)
        rc = api_fail(t->ctx, ERR_VALIDATION,
                      "Case rule %s has been deleted; it cannot be updated",
                      t->rule_id);
    else
        rc = apply_rule_update(&s, &rec);
    if (rc == 0) {
        rec.modified_ms = t->now;
        rc = store_record_update(conn, &t->ctx->scope, &rec);
    }
    json_decref(rec.doc);
    return rc;
}

static int update_case_rule(request_ctx *ctx)
{
    rule_tx t = rule_tx_of(ctx);
    const json_t *rule = json_object_get(ctx->input, "rule");
    int rc;

    if (rule && check_rule_shape(ctx, rule) != 0)
        return -1;
    rc = store_tx(ctx->db, update_rule_in_tx, &t);
    return api_tx_result(ctx, rc);
}

/* --- DeleteCaseRule ---------------------------------------------------------- */

typedef struct {
    const char *rule_id;
    const char *template_id; /* the first user found, arena-owned */
    arena *arena;
    int64_t last_seq;
    int rows;
} rule_user_search;

static bool template_uses(const json_t *doc, const char *rule_id)
{
    const json_t *entry;
    size_t i;

    json_array_foreach(json_object_get(doc, "rules"), i, entry) {
        const char *id = doc_str(entry, "caseRuleId");
        if (id && strcmp(id, rule_id) == 0)
            return true;
    }
    return false;
}

static int visit_template(const store_record *rec, void *arg)
{
    rule_user_search *f = arg;

    f->rows++;
    f->last_seq = rec->seq;
    if (!template_uses(rec->doc, f->rule_id))
        return 0;
    f->template_id = arena_strdup(f->arena, rec->id);
    return 1;
}

/* Sets f->template_id to a live template attaching the rule, if any. */
static int find_rule_user(const rule_scope *s, rule_user_search *f)
{
    store_list_query q = {.include_deleted = false, .limit = TEMPLATE_BATCH};

    for (;;) {
        int rc;
        f->rows = 0;
        rc = store_record_list(s->conn, &s->ctx->scope, RES_TEMPLATE,
                               s->domain_id, &q, visit_template, f);
        if (rc == 1)
            return 0;
        if (rc != STORE_OK || f->rows < q.limit)
            return rc;
        q.after_seq = f->last_seq;
    }
}

static int delete_rule_in_tx(store_conn *conn, void *arg)
{
    rule_tx *t = arg;
    rule_scope s = {t->ctx, conn, t->domain_id};
    rule_user_search users = {.rule_id = t->rule_id, .arena = t->ctx->arena};
    store_record rec;
    int rc;

    if (api_load_record(t->ctx, RES_CASE_RULE, t->domain_id, t->rule_id,
                        &rec) != 0)
        return -1;
    rc = rec.deleted ? 0 : find_rule_user(&s, &users);
    if (rc == 0 && users.template_id)
        rc = api_fail(t->ctx, ERR_CONFLICT,
                      "Case rule %s is attached to template %s; detach it first",
                      t->rule_id, users.template_id);
    if (rc == 0 && !rec.deleted) {
        rec.deleted = true;
        rec.modified_ms = t->now;
        rc = store_record_update(conn, &t->ctx->scope, &rec);
    }
    json_decref(rec.doc);
    return rc;
}

static int delete_case_rule(request_ctx *ctx)
{
    rule_tx t = rule_tx_of(ctx);
    int rc = store_tx(ctx->db, delete_rule_in_tx, &t);

    return api_tx_result(ctx, rc);
}

/* --- ListCaseRules ----------------------------------------------------------- */

static const char *rule_type(const json_t *rule)
{
    if (json_object_get(rule, "required"))
        return "Required";
    if (json_object_get(rule, "hidden"))
        return "Hidden";
    return "FieldOptions";
}

static json_t *rule_summary(request_ctx *ctx, const store_record *rec,
                            void *arg)
{
    json_t *description = json_object_get(rec->doc, "description");
    json_t *summary = json_pack(
        "{s:O, s:O, s:O, s:s}", "caseRuleId",
        json_object_get(rec->doc, "caseRuleId"), "name",
        json_object_get(rec->doc, "name"), "caseRuleArn",
        json_object_get(rec->doc, "caseRuleArn"), "ruleType",
        rule_type(json_object_get(rec->doc, "rule")));

    (void)arg;
    if (!summary) {
        api_fail(ctx, ERR_INTERNAL, "Cannot build the summary of %s", rec->id);
        return NULL;
    }
    if (description)
        json_object_set(summary, "description", description);
    return summary;
}

static int list_case_rules(request_ctx *ctx)
{
    const char *domain_id = api_input_str(ctx, "domainId");

    if (api_require_domain(ctx, domain_id) != 0)
        return -1;
    return api_list_records(ctx, RES_CASE_RULE, domain_id, domain_id, false,
                            DEFAULT_MAX_RESULTS, "caseRules", rule_summary,
                            NULL);
}

/* Every id is answered from the local store in one pass, so nothing is
 * ever left unprocessed. */
static int batch_get_case_rule(request_ctx *ctx)
{
    if (api_batch_get_records(ctx, RES_CASE_RULE, "caseRules", "caseRuleArn",
                              "case rule") != 0)
        return -1;
    json_object_set_new(ctx->output, "unprocessedCaseRules", json_array());
    return 0;
}

const api_binding case_rules_api[] = {
    {"CreateCaseRule", create_case_rule},
    {"UpdateCaseRule", update_case_rule},
    {"DeleteCaseRule", delete_case_rule},
    {"ListCaseRules", list_case_rules},
    {"BatchGetCaseRule", batch_get_case_rule},
    {NULL, NULL},
};
