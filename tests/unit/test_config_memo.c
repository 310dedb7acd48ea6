/* test_config_memo.c - config_memo_record against a real SQLite store. */
#include <string.h>

#include "api/config_memo.h"
#include "store/store.h"
#include "store_fixture.h"
#include "test.h"

static const store_scope scope = {.account = "111122223333",
                                  .region = "us-east-1"};
static const store_scope stranger = {.account = "999988887777",
                                     .region = "us-east-1"};

static int64_t version_of(store_conn *conn)
{
    int64_t v = -1;
    return store_config_version(conn, &v) == STORE_OK ? v : -1;
}

static int put_field(store_conn *conn, const char *id, const char *type,
                     bool update)
{
    store_record rec = {.kind = RES_FIELD, .domain_id = "d1", .id = id,
                        .name = id, .created_ms = 1, .modified_ms = 2,
                        .doc = json_pack("{ss}", "type", type)};
    int rc = update ? store_record_update(conn, &scope, &rec)
                    : store_record_insert(conn, &scope, &rec);

    json_decref(rec.doc);
    return rc;
}

/* The type in the field document memo answers for id under version. */
static const char *type_of(store_conn *conn, const store_scope *sc,
                           int64_t version, const char *id, arena *a,
                           int *rc)
{
    store_record rec = {0};
    const char *type = NULL;

    *rc = config_memo_record(conn, sc, version, RES_FIELD, "d1", id, a, &rec);
    if (*rc == STORE_OK) {
        type = arena_strdup(a, json_string_value(json_object_get(rec.doc, "type")));
        json_decref(rec.doc);
    }
    return type;
}

/* Under one version the memo answers without the store, so a change the
 * caller's version does not cover goes unseen; the next version reads it. */
TEST(config_memo_answers_per_version)
{
    fixture f = {0};
    arena *a = arena_new(4096);
    int64_t v1, v2;
    int rc;

    CHECK(a != NULL);
    CHECK(store_fixture_open(&f, 1));
    CHECK_INT(put_field(f.conn, "f1", "Text", false), STORE_OK);
    v1 = version_of(f.conn);
    CHECK_STR(type_of(f.conn, &scope, v1, "f1", a, &rc), "Text");
    CHECK_INT(put_field(f.conn, "f1", "Number", true), STORE_OK);
    v2 = version_of(f.conn);
    CHECK(v2 > v1);
    /* kept: the store is not asked again under v1 */
    CHECK_STR(type_of(f.conn, &scope, v1, "f1", a, &rc), "Text");
    CHECK_STR(type_of(f.conn, &scope, v2, "f1", a, &rc), "Number");
    store_fixture_close(&f);
    arena_free(a);
}

/* A record the store lacks is remembered as lacking; another account's
 * record of the same ids is another record. */
TEST(config_memo_keeps_absence_and_scope)
{
    fixture f = {0};
    arena *a = arena_new(4096);
    int64_t v;
    int rc;

    CHECK(a != NULL);
    CHECK(store_fixture_open(&f, 1));
    CHECK_INT(put_field(f.conn, "f1", "Text", false), STORE_OK);
    v = version_of(f.conn);
    CHECK(type_of(f.conn, &scope, v, "f2", a, &rc) == NULL);
    CHECK_INT(rc, STORE_NOT_FOUND);
    CHECK(type_of(f.conn, &stranger, v, "f1", a, &rc) == NULL);
    CHECK_INT(rc, STORE_NOT_FOUND);
    CHECK_STR(type_of(f.conn, &scope, v, "f1", a, &rc), "Text");
    CHECK(type_of(f.conn, &scope, v, "f2", a, &rc) == NULL);
    CHECK_INT(rc, STORE_NOT_FOUND);
    store_fixture_close(&f);
    arena_free(a);
}

/* An answer is a reference of the caller's: it outlives the memo's own,
 * which a new version drops. */
TEST(config_memo_answers_outlive_a_version)
{
    fixture f = {0};
    arena *a = arena_new(4096);
    store_record rec = {0};
    int64_t v1, v2;
    int rc;

    CHECK(a != NULL);
    CHECK(store_fixture_open(&f, 1));
    CHECK_INT(put_field(f.conn, "f1", "Text", false), STORE_OK);
    v1 = version_of(f.conn);
    CHECK_STR(type_of(f.conn, &scope, v1, "f1", a, &rc), "Text");
    CHECK_INT(config_memo_record(f.conn, &scope, v1, RES_FIELD, "d1", "f1", a,
                                 &rec), STORE_OK);
    CHECK_STR(rec.name, "f1");
    CHECK_STR(rec.id, "f1");
    CHECK_STR(rec.domain_id, "d1");
    CHECK_INT(rec.modified_ms, 2);
    CHECK_INT(put_field(f.conn, "f1", "Number", true), STORE_OK);
    v2 = version_of(f.conn);
    CHECK_STR(type_of(f.conn, &scope, v2, "f1", a, &rc), "Number");
    CHECK_STR(json_string_value(json_object_get(rec.doc, "type")), "Text");
    json_decref(rec.doc);
    store_fixture_close(&f);
    arena_free(a);
}

/* Options are kept as records are: per version, absence included. */
TEST(config_memo_answers_options_per_version)
{
    fixture f = {0};
    arena *a = arena_new(4096);
    store_option opt = {.name = "High", .value = "high", .active = true};
    store_option got = {0};
    int64_t v1, v2;

    CHECK(a != NULL);
    CHECK(store_fixture_open(&f, 1));
    CHECK_INT(store_option_put(f.conn, &scope, "d1", "prio", &opt), STORE_OK);
    v1 = version_of(f.conn);
    CHECK_INT(config_memo_option(f.conn, &scope, v1, "d1", "prio", "high", a,
                                 &got), STORE_OK);
    CHECK(got.active);
    CHECK_STR(got.name, "High");
    CHECK_STR(got.value, "high");
    CHECK_INT(config_memo_option(f.conn, &scope, v1, "d1", "prio", "low", a,
                                 &got), STORE_NOT_FOUND);
    opt.active = false;
    CHECK_INT(store_option_put(f.conn, &scope, "d1", "prio", &opt), STORE_OK);
    v2 = version_of(f.conn);
    CHECK(v2 > v1);
    CHECK_INT(config_memo_option(f.conn, &scope, v1, "d1", "prio", "high", a,
                                 &got), STORE_OK);
    CHECK(got.active);
    CHECK_INT(config_memo_option(f.conn, &scope, v2, "d1", "prio", "high", a,
                                 &got), STORE_OK);
    CHECK(!got.active);
    CHECK_INT(config_memo_option(f.conn, &stranger, v2, "d1", "prio", "high",
                                 a, &got), STORE_NOT_FOUND);
    store_fixture_close(&f);
    arena_free(a);
}
