/* test_case_audit.c - a case's creation event, kept in the case's row until
 * the case changes (migration 019), against a real SQLite store. */
#include <stdbool.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "store/store.h"
#include "store_fixture.h"
#include "test.h"

static const store_scope scope = {.account = "111122223333",
                                  .region = "us-east-1"};

#define BY_TEXT "{\"iamPrincipalArn\":\"arn:aws:iam::111122223333:root\"}"
#define VALUES_TEXT                                                      \
    "{\"title\":{\"stringValue\":\"a \\\"quoted\\\" caf\\u00e9\"},"     \
    "\"amount\":{\"doubleValue\":0.1},\"done\":{\"booleanValue\":false}}"
#define CREATED_FIELDS                                                   \
    "[{\"eventFieldId\":\"title\",\"newValue\":{\"stringValue\":"       \
    "\"a \\\"quoted\\\" caf\\u00e9\"}},{\"eventFieldId\":\"amount\","    \
    "\"newValue\":{\"doubleValue\":0.1}},{\"eventFieldId\":\"done\","    \
    "\"newValue\":{\"booleanValue\":false}}]"

typedef struct {
    const char *id;
    const char *event_id; /* NULL: a case without a creation event */
} new_case;

static int insert_tx(store_conn *conn, void *arg)
{
    const new_case *n = arg;
    json_t *fields = json_loads(VALUES_TEXT, 0, NULL);
    store_case c = {.domain_id = "d", .case_id = n->id, .template_id = "t",
                    .created_ms = 5, .updated_ms = 5, .fields = fields,
                    .fields_text = VALUES_TEXT,
                    .created_event_id = n->event_id,
                    .created_by_text = BY_TEXT};
    int rc = store_case_insert(conn, &scope, &c);

    json_decref(fields);
    return rc;
}

/* Changes the case's title and appends the event that says so. */
static int update_tx(store_conn *conn, void *arg)
{
    const char *id = arg;
    json_t *fields = json_pack("{s:{s:s}}", "title", "stringValue", "new");
    store_case c = {.domain_id = "d", .case_id = id, .updated_ms = 9,
                    .fields = fields};
    store_audit_event ev = {.event_id = "ev-update", .type = "Case.Updated",
                            .performed_ms = 9,
                            .fields_text = "[]", .performed_by_text = BY_TEXT};
    int rc = store_case_update(conn, &scope, &c);

    if (rc == STORE_OK)
        rc = store_audit_append(conn, &scope, "d", id, &ev);
    json_decref(fields);
    return rc;
}

/* Each event as {seq, type, id, time, fields, by}, appended to a JSON
 * array. */
static int collect_event(const store_audit_event *ev, void *arg)
{
    json_t *item = json_pack("{s:I, s:s, s:s, s:I, s:O, s:O}", "seq",
                             (json_int_t)ev->seq, "type", ev->type, "id",
                             ev->event_id, "time", (json_int_t)ev->performed_ms,
                             "fields", ev->fields, "by", ev->performed_by);
    return item && json_array_append_new(arg, item) == 0 ? STORE_OK : STORE_ERROR;
}

static json_t *events_of(fixture *f, const char *id, int limit)
{
    json_t *out = json_array();
    if (store_audit_list(f->conn, &scope, "d", id, 0, limit, collect_event,
                         out) != STORE_OK) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/* Whether member name of ev is the string want. */
static bool member_is(const json_t *ev, const char *name, const char *want)
{
    const char *got = json_string_value(json_object_get(ev, name));
    return got && !strcmp(got, want);
}

/* The event as it was created: its fields are the case's first values. */
static bool is_created_event(const json_t *ev)
{
    json_t *fields = json_loads(CREATED_FIELDS, 0, NULL);
    json_t *by = json_loads(BY_TEXT, 0, NULL);
    bool same = member_is(ev, "type", "Case.Created") &&
                member_is(ev, "id", "ev-create") &&
                json_integer_value(json_object_get(ev, "time")) == 5 &&
                json_equal(json_object_get(ev, "fields"), fields) &&
                json_equal(json_object_get(ev, "by"), by);
    json_decref(fields);
    json_decref(by);
    return same;
}

static json_int_t seq_of(const json_t *ev)
{
    return json_integer_value(json_object_get(ev, "seq"));
}

TEST(case_audit_creation_event_kept_until_the_case_changes)
{
    fixture f = {0};
    sqlite3 *db = NULL;
    json_t *fresh = NULL, *changed = NULL, *none = NULL, *cut = NULL;
    new_case kept = {"c0", "ev-create"}, other = {"c1", "ev-other"},
             without = {"c2", NULL};

    CHECK(store_fixture_open(&f, 2));
    if (!f.st)
        return;
    CHECK_INT(store_tx(f.conn, insert_tx, &kept), STORE_OK);
    CHECK_INT(store_tx(f.conn, insert_tx, &other), STORE_OK);
    CHECK_INT(store_tx(f.conn, insert_tx, &without), STORE_OK);

    /* Read off the case, which has no row in case_audit yet. */
    fresh = events_of(&f, "c0", 10);
    CHECK(fresh && json_array_size(fresh) == 1 &&
          is_created_event(json_array_get(fresh, 0)) &&
          seq_of(json_array_get(fresh, 0)) == 0);
    none = events_of(&f, "c2", 10);
    CHECK(none && json_array_size(none) == 0);

    /* After a change the event has a row of its own, older than the
     * change's, and still lists the values the case was created with. */
    CHECK_INT(store_tx(f.conn, update_tx, "c0"), STORE_OK);
    changed = events_of(&f, "c0", 10);
    CHECK(changed && json_array_size(changed) == 2 &&
          member_is(json_array_get(changed, 0), "type", "Case.Updated") &&
          is_created_event(json_array_get(changed, 1)) &&
          seq_of(json_array_get(changed, 1)) > 0 &&
          seq_of(json_array_get(changed, 0)) > seq_of(json_array_get(changed, 1)));
    /* a page of one: the newest only */
    cut = events_of(&f, "c0", 1);
    CHECK(cut && changed && json_array_size(cut) == 1 &&
          json_equal(json_array_get(cut, 0), json_array_get(changed, 0)));

    CHECK((db = store_fixture_reopen_raw(&f)) != NULL);
    if (db) {
        CHECK_INT(store_fixture_count(db, "SELECT count(*) FROM case_audit"), 2);
        CHECK_INT(store_fixture_count(db, "SELECT count(*) FROM cases "
                                          "WHERE created_event_id IS NOT NULL"),
                  1);
        CHECK_INT(store_fixture_count(db, "SELECT count(*) FROM cases "
                                          "WHERE case_id = 'c1' "
                                          "AND created_event_id = 'ev-other'"),
                  1);
        sqlite3_close(db);
    }
    json_decref(fresh);
    json_decref(changed);
    json_decref(none);
    json_decref(cut);
    store_fixture_close(&f);
}
