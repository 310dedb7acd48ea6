/* test_config_version.c - store_config_version against a real SQLite store. */
#include <stdio.h>
#include <stdlib.h>

#include "store/store.h"
#include "store_fixture.h"
#include "test.h"

static const store_scope scope = {.account = "111122223333",
                                  .region = "us-east-1"};


static int64_t version_of(store_conn *conn)
{
    int64_t v = -1;
    return store_config_version(conn, &v) == STORE_OK ? v : -1;
}

typedef struct {
    const char *id;
    bool fail; /* roll the transaction back after the write */
} field_write;

static int add_field_tx(store_conn *conn, void *arg)
{
    field_write *w = arg;
    store_record rec = {.kind = RES_FIELD, .domain_id = "d1", .id = w->id,
                        .name = w->id, .created_ms = 1, .modified_ms = 1,
                        .doc = json_pack("{ss}", "type", "Text")};
    int rc = store_record_insert(conn, &scope, &rec);

    json_decref(rec.doc);
    return rc == STORE_OK && w->fail ? STORE_CONFLICT : rc;
}

static int add_case_tx(store_conn *conn, void *arg)
{
    store_case c = {.domain_id = "d1", .case_id = arg, .template_id = "t",
                    .created_ms = 1, .updated_ms = 1,
                    .fields = json_pack("{s{ss}}", "title", "stringValue", "x")};
    int rc = store_case_insert(conn, &scope, &c);

    json_decref(c.fields);
    return rc;
}

/* Committed configuration changes raise the version, rolled-back ones
 * leave it, case writes do not touch it. */
TEST(config_version_follows_committed_configuration_changes)
{
    fixture f = {0};
    store_option opt = {.name = "High", .value = "high", .active = true};
    field_write failed = {"f1", true}, added = {"f2", false};
    int64_t v0, v1, v2;

    CHECK(store_fixture_open(&f, 2));
    CHECK((v0 = version_of(f.conn)) >= 0);
    CHECK_INT(store_option_put(f.conn, &scope, "d1", "prio", &opt), STORE_OK);
    CHECK((v1 = version_of(f.conn)) > v0);
    CHECK_INT(store_tx(f.conn, add_field_tx, &failed), STORE_CONFLICT);
    CHECK_INT(version_of(f.conn), v1);
    CHECK_INT(store_tx(f.conn, add_case_tx, "c1"), STORE_OK);
    CHECK_INT(version_of(f.conn), v1);
    CHECK_INT(store_tx(f.conn, add_field_tx, &added), STORE_OK);
    CHECK((v2 = version_of(f.conn)) > v1);
    store_fixture_close(&f);
}

/* A snapshot keeps the version it began with while another connection
 * commits a change, so equal versions mean equal configurations. */
TEST(config_version_is_read_in_the_snapshot)
{
    fixture f = {0};
    store_conn *other = NULL;
    field_write added = {"f1", false};
    int64_t before, inside;

    CHECK(store_fixture_open(&f, 2));
    CHECK((other = store_acquire(f.st)) != NULL);
    before = version_of(f.conn);
    CHECK_INT(store_read_begin(f.conn), STORE_OK);
    inside = version_of(f.conn);
    CHECK_INT(store_tx(other, add_field_tx, &added), STORE_OK);
    CHECK_INT(version_of(f.conn), inside);
    store_read_end(f.conn);
    CHECK_INT(inside, before);
    CHECK(version_of(f.conn) > before);
    CHECK(version_of(other) > before);
    store_release(f.st, other);
    store_fixture_close(&f);
}
