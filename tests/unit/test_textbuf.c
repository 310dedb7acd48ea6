/* test_textbuf.c - the JSON text buffer behind hand-written answers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "util/textbuf.h"

TEST(textbuf_writes_strings_numbers_and_values_as_the_writer_does)
{
    textbuf b = {0};
    json_t *v = json_pack("{s:[i, f, b]}", "a", 1, 2.5, 1);
    char *out;
    size_t len = 0;

    textbuf_puts(&b, "[");
    textbuf_put_string(&b, "plain-id");
    textbuf_puts(&b, ",");
    textbuf_put_string(&b, "quote\" slash\\ tab\t \xc3\xa9");
    textbuf_puts(&b, ",");
    textbuf_put_int(&b, INT64_MIN);
    textbuf_puts(&b, ",");
    textbuf_put_json(&b, v);
    textbuf_puts(&b, "]");
    out = textbuf_finish(&b, &len);
    CHECK(out);
    CHECK_STR(out, "[\"plain-id\",\"quote\\\" slash\\\\ tab\\t \xc3\xa9\","
                   "-9223372036854775808,{\"a\":[1,2.5,true]}]");
    CHECK_INT(len, strlen(out));
    CHECK(b.p == NULL && b.len == 0);
    free(out);
    json_decref(v);
}

TEST(textbuf_grows_past_its_first_block)
{
    textbuf b = {0};
    char *out;
    size_t len = 0;

    for (int i = 0; i < 1000; i++)
        textbuf_puts(&b, "0123456789");
    out = textbuf_finish(&b, &len);
    CHECK(out);
    CHECK_INT(len, 10000);
    CHECK(memcmp(out + 9990, "0123456789", 11) == 0);
    free(out);
}

TEST(textbuf_reserve_makes_room_once_for_what_follows)
{
    textbuf b = {0};
    char *before, *out;
    size_t len = 0;

    textbuf_puts(&b, "start:");
    textbuf_reserve(&b, 5000);
    CHECK(b.cap >= b.len + 5000 + 1);
    before = b.p;
    for (int i = 0; i < 500; i++)
        textbuf_puts(&b, "0123456789");
    CHECK(b.p == before); /* no step of growth moved the text */
    out = textbuf_finish(&b, &len);
    CHECK(out);
    CHECK_INT(len, 5006);
    CHECK(memcmp(out, "start:0123456789", 16) == 0);
    free(out);
}

TEST(textbuf_reports_a_failure_once_at_the_end)
{
    textbuf b = {0};
    size_t len = 7;

    textbuf_puts(&b, "kept until the end");
    b.failed = true; /* as after a failed allocation */
    textbuf_puts(&b, "ignored");
    CHECK(textbuf_finish(&b, &len) == NULL);
    CHECK_INT(len, 7);
    CHECK(b.p == NULL && !b.failed);
}
