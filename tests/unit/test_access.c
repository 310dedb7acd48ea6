/* test_access.c - the security profile model of case access (auth/access.h):
 * reading profiles and digests, judging tags, the search condition. */
#include <jansson.h>

#include "auth/access.h"
#include "test.h"

/* A profile document as connect.c stores it (new reference). */
static json_t *profile(const char *perms_json, const char *tags_json,
                       const char *resources_json)
{
    return json_pack("{s:o, s:o, s:o}", "Permissions",
                     json_loads(perms_json, 0, NULL), "AllowedAccessControlTags",
                     json_loads(tags_json, 0, NULL), "TagRestrictedResources",
                     json_loads(resources_json, 0, NULL));
}

/* Adds a profile to r through its digest, as a request loads it. */
static int add(arena *a, access_rights *r, const char *perms,
               const char *tags, const char *resources)
{
    json_t *doc = profile(perms, tags, resources);
    json_t *digest = access_profile_digest(a, doc);
    int rc = digest ? access_digest_read(a, digest,
                                         &r->profiles[r->profile_count++])
                    : -1;

    json_decref(doc);
    json_decref(digest);
    return rc;
}

static bool allows(const access_rights *r, access_permission p,
                   const char *tags_json)
{
    json_t *tags = json_loads(tags_json, 0, NULL);
    bool ok = access_tags_allow(r, p, tags);

    json_decref(tags);
    return ok;
}

TEST(access_profile_restricts_cases_only_when_naming_them)
{
    arena *a = arena_new(1024);
    access_profile prof;
    json_t *doc = profile("[\"Cases.View\", \"Other.Thing\", \"Cases.Edit\"]",
                          "{\"team\": \"a\"}", "[\"User\"]");

    CHECK(access_profile_read(a, doc, &prof) == 0);
    CHECK_INT(prof.grants, (1u << ACCESS_CASES_VIEW) | (1u << ACCESS_CASES_EDIT));
    CHECK_INT(prof.tag_count, 0);
    json_decref(doc);
    for (int i = 0; i < 2; i++) {
        doc = profile("[\"Cases.View\"]", "{\"team\": \"a\"}",
                      i ? "[\"Cases\"]" : "[\"User\", \"Case\"]");
        CHECK(access_profile_read(a, doc, &prof) == 0);
        CHECK_INT(prof.tag_count, 1);
        CHECK_STR(prof.tags[0].key, "team");
        CHECK_STR(prof.tags[0].value, "a");
        json_decref(doc);
    }
    arena_free(a);
}

TEST(access_profile_with_too_many_tags_grants_nothing)
{
    arena *a = arena_new(1024);
    access_profile prof;
    json_t *doc = profile("[\"Cases.View\"]",
                          "{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\",\"d\":\"4\",\"e\":\"5\"}",
                          "[\"Case\"]");

    CHECK(access_profile_read(a, doc, &prof) == 0);
    CHECK_INT(prof.grants, 0);
    json_decref(doc);
    arena_free(a);
}

TEST(access_digest_round_trip_and_malformed)
{
    arena *a = arena_new(1024);
    access_profile prof;
    json_t *doc = profile("[\"Cases.Create\"]", "{\"k\": \"v\", \"x\": \"\"}",
                          "[\"Case\"]");
    json_t *digest = access_profile_digest(a, doc), *bad;

    CHECK(digest != NULL);
    CHECK(access_digest_read(a, digest, &prof) == 0);
    CHECK_INT(prof.grants, 1u << ACCESS_CASES_CREATE);
    CHECK_INT(prof.tag_count, 2);
    bad = json_loads("[7, \"k\"]", 0, NULL);
    CHECK(access_digest_read(a, bad, &prof) == 0);
    CHECK_INT(prof.grants, 0);
    json_decref(bad);
    json_decref(digest);
    json_decref(doc);
    arena_free(a);
}

TEST(access_and_within_or_across_profiles)
{
    arena *a = arena_new(4096);
    access_rights r = {0};

    CHECK(add(a, &r, "[\"Cases.View\", \"Cases.Edit\"]",
              "{\"team\": \"a\", \"region\": \"eu\"}", "[\"Case\"]") == 0);
    CHECK(add(a, &r, "[\"Cases.View\"]", "{\"team\": \"b\"}", "[\"Case\"]") == 0);
    CHECK(allows(&r, ACCESS_CASES_VIEW, "{\"team\": \"a\", \"region\": \"eu\", \"x\": \"y\"}"));
    CHECK(!allows(&r, ACCESS_CASES_VIEW, "{\"team\": \"a\"}"));
    CHECK(!allows(&r, ACCESS_CASES_VIEW, "{\"team\": \"a\", \"region\": \"EU\"}"));
    CHECK(allows(&r, ACCESS_CASES_VIEW, "{\"team\": \"b\"}"));
    /* Only the first profile grants Cases.Edit. */
    CHECK(!allows(&r, ACCESS_CASES_EDIT, "{\"team\": \"b\"}"));
    CHECK(allows(&r, ACCESS_CASES_EDIT, "{\"team\": \"a\", \"region\": \"eu\"}"));
    CHECK(!access_granted(&r, ACCESS_CASES_DELETE));
    CHECK(!access_unconditional(&r, ACCESS_CASES_VIEW));
    /* An unrestricted profile granting the permission wins. */
    CHECK(add(a, &r, "[\"Cases.View\"]", "{}", "[\"Case\"]") == 0);
    CHECK(allows(&r, ACCESS_CASES_VIEW, "{}"));
    CHECK(!allows(&r, ACCESS_CASES_EDIT, "{}"));
    arena_free(a);
}

/* A request context whose rights are already loaded. */
static request_ctx ctx_with(arena *a, access_rights *r)
{
    request_ctx ctx = {.arena = a, .access = r};
    return ctx;
}

TEST(access_search_node_shapes)
{
    arena *a = arena_new(4096);
    access_rights r = {0};
    request_ctx ctx = ctx_with(a, &r);
    search_node *n = NULL;

    /* No grant: refused. */
    CHECK(access_search_node(&ctx, a, ACCESS_CASES_VIEW, &n) == -1);
    CHECK_INT(ctx.error, ERR_ACCESS_DENIED);
    ctx.error = ERR_NONE;
    /* One profile, one tag: the lone tag condition. */
    CHECK(add(a, &r, "[\"Cases.View\"]", "{\"team\": \"a\"}", "[\"Case\"]") == 0);
    CHECK(access_search_node(&ctx, a, ACCESS_CASES_VIEW, &n) == 0);
    CHECK(n && n->kind == SEARCH_TAG);
    CHECK_STR(n->tag_key, "team");
    /* A stricter profile adds nothing to the OR; another one does. */
    CHECK(add(a, &r, "[\"Cases.View\"]", "{\"team\": \"a\", \"x\": \"1\"}",
              "[\"Case\"]") == 0);
    CHECK(access_search_node(&ctx, a, ACCESS_CASES_VIEW, &n) == 0);
    CHECK(n && n->kind == SEARCH_TAG);
    CHECK(add(a, &r, "[\"Cases.View\"]", "{\"team\": \"b\", \"y\": \"2\"}",
              "[\"Cases\"]") == 0);
    CHECK(access_search_node(&ctx, a, ACCESS_CASES_VIEW, &n) == 0);
    CHECK(n && n->kind == SEARCH_OR && n->child_count == 2);
    CHECK(n->children[0]->kind == SEARCH_TAG);
    CHECK(n->children[1]->kind == SEARCH_AND && n->children[1]->child_count == 2);
    /* Unrestricted: no condition. */
    CHECK(add(a, &r, "[\"Cases.View\"]", "{}", "[]") == 0);
    CHECK(access_search_node(&ctx, a, ACCESS_CASES_VIEW, &n) == 0);
    CHECK(n == NULL);
    arena_free(a);
}
