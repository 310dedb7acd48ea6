/* test_case_reply.c - GetCase answers copied from the stored text. */
#include <stdlib.h>
#include <string.h>

#include "api/case_reply.h"
#include "test.h"
#include "util/jsonw.h"

/* What GetCase answered before it copied text: built with jansson. */
static char *expected(const json_t *requested, const json_t *values,
                      const char *template_id, const json_t *tags)
{
    json_t *list = json_array(), *seen = json_object(), *out;
    const json_t *item;
    size_t i;
    char *text;

    json_array_foreach(requested, i, item) {
        const char *id = json_string_value(json_object_get(item, "id"));
        json_t *value = id ? json_object_get(values, id) : NULL;
        if (!value || json_object_get(seen, id))
            continue;
        json_object_set_new(seen, id, json_true());
        json_array_append_new(list, json_pack("{s:s, s:O}", "id", id, "value", value));
    }
    out = json_pack("{s:o, s:s, s:O}", "fields", list, "templateId", template_id,
                    "tags", tags);
    text = jsonw_dump(out, NULL);
    json_decref(out);
    json_decref(seen);
    return text;
}

static int same_as_parsed_with(const char *stored, const char *requested_text,
                               const char *tags_text, const char *template_id)
{
    json_t *values = json_loads(stored, 0, NULL);
    json_t *requested = json_loads(requested_text, 0, NULL);
    json_t *tags = json_loads(tags_text, 0, NULL);
    char *doc = jsonw_dump(values, NULL); /* as the store writes it */
    char *want = expected(requested, values, template_id, tags), *got;
    size_t len = 0;
    int ok;

    got = case_reply_render(requested, doc, strlen(doc), template_id, tags, &len);
    ok = got && want && strcmp(got, want) == 0 && len == strlen(want);
    if (!ok)
        test_fail(__FILE__, __LINE__, "got %s\nwant %s", got ? got : "(null)",
                  want ? want : "(null)");
    free(got);
    free(want);
    free(doc);
    json_decref(values);
    json_decref(requested);
    json_decref(tags);
    return ok;
}

static int same_as_parsed(const char *stored, const char *requested_text,
                          const char *tags_text)
{
    return same_as_parsed_with(stored, requested_text, tags_text, "tpl-1");
}

TEST(case_reply_copies_requested_values_in_request_order)
{
    const char *stored =
        "{\"title\":{\"stringValue\":\"a \\\"quoted\\\" title, with } and ]\"},"
        "\"status\":{\"stringValue\":\"open\"},\"n\":{\"doubleValue\":0.1},"
        "\"b\":{\"booleanValue\":true},\"e\":{\"emptyValue\":{}},"
        "\"u\":{\"userArnValue\":\"arn:aws:connect:us-east-1:1:instance/i/agent/a\"},"
        "\"\xc3\xa9t\xc3\xa9\":{\"stringValue\":\"\xe2\x82\xac\"}}";

    CHECK(same_as_parsed(stored,
                         "[{\"id\":\"n\"},{\"id\":\"title\"},{\"id\":\"missing\"},"
                         "{\"id\":\"n\"},{\"id\":\"e\"},{\"id\":\"u\"},{\"id\":\"b\"},"
                         "{\"id\":\"\xc3\xa9t\xc3\xa9\"},{\"id\":\"status\"}]",
                         "{\"team\":\"a\",\"x\":null}"));
    CHECK(same_as_parsed(stored, "[]", "{}"));
    CHECK(same_as_parsed("{}", "[{\"id\":\"title\"}]", "{}"));
}

TEST(case_reply_declines_keys_that_need_decoding)
{
    const char *doc = "{\"a\\\"b\":{\"stringValue\":\"x\"}}";
    json_t *requested = json_loads("[{\"id\":\"a\\\"b\"}]", 0, NULL);
    json_t *tags = json_object();
    size_t len;

    CHECK(!case_reply_render(requested, doc, strlen(doc), "t", tags, &len));
    CHECK(!case_reply_render(requested, "[1]", 3, "t", tags, &len));
    json_decref(requested);
    json_decref(tags);
}

TEST(case_reply_escapes_a_template_id_that_needs_it)
{
    const char *stored = "{\"title\":{\"stringValue\":\"a\"}}";
    const char *requested = "[{\"id\":\"title\"}]";

    CHECK(same_as_parsed_with(stored, requested, "{}", "t\"1\\x"));
    CHECK(same_as_parsed_with(stored, requested, "{}", "t\n\x7f"));
    CHECK(same_as_parsed_with(stored, requested, "{}", "t\xc3\xa9"));
    CHECK(same_as_parsed_with(stored, requested, "{}", ""));
}

/* More members than the renderer reads into stack space at first. */
TEST(case_reply_reads_a_case_with_many_values)
{
    char stored[16384], requested[8192];
    size_t s = 0, r = 0;

    s += (size_t)snprintf(stored + s, sizeof stored - s, "{");
    r += (size_t)snprintf(requested + r, sizeof requested - r, "[");
    for (int i = 0; i < 300; i++) {
        s += (size_t)snprintf(stored + s, sizeof stored - s,
                              "%s\"f%d\":{\"doubleValue\":%d}", i ? "," : "", i, i);
        if (i % 7 == 0)
            r += (size_t)snprintf(requested + r, sizeof requested - r,
                                  "%s{\"id\":\"f%d\"}", i ? "," : "", 299 - i);
    }
    snprintf(stored + s, sizeof stored - s, "}");
    snprintf(requested + r, sizeof requested - r, ",{\"id\":\"f0\"},{\"id\":\"f299\"}]");
    CHECK(same_as_parsed(stored, requested, "{\"k\":\"v\"}"));
}
