/* test_jsonw.c - the compact JSON writer must match json_dumps byte for byte. */
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_random.h"
#include "test.h"
#include "util/jsonw.h"

/*
 * Dumps v with jansson and with jsonw (JSON_ENCODE_ANY when any) and
 * reports whether they agree on text and length, printing both when not.
 */
static bool matches_jansson(const json_t *v, bool any)
{
    char *want = dumps_copy(v, JSON_COMPACT | (any ? JSON_ENCODE_ANY : 0));
    size_t len = SIZE_MAX;
    char *got = any ? jsonw_dump_any(v, &len) : jsonw_dump(v, &len);
    bool same = want ? got && strcmp(got, want) == 0 && len == strlen(want)
                     : !got && len == 0;

    if (!same)
        fprintf(stderr, "    jansson: %s\n    jsonw:   %s (length %zu)\n",
                want ? want : "(NULL)", got ? got : "(NULL)", len);
    free(want);
    free(got);
    return same;
}

/* As matches_jansson, and the text is want (NULL: both fail); consumes v. */
static bool dumps_as(json_t *v, bool any, const char *want)
{
    bool ok = v && matches_jansson(v, any);
    char *got = ok ? (any ? jsonw_dump_any(v, NULL) : jsonw_dump(v, NULL)) : NULL;

    if (ok)
        ok = want ? got && strcmp(got, want) == 0 : !got;
    if (v && !ok)
        fprintf(stderr, "    want:    %s\n    got:     %s\n",
                want ? want : "(NULL)", got ? got : "(NULL)");
    free(got);
    json_decref(v);
    return ok;
}

/* A one-element array holding the len bytes at text, unchecked. */
static json_t *array_of_bytes(const char *text, size_t len)
{
    json_t *array = json_array();
    json_array_append_new(array, json_stringn_nocheck(text, len));
    return array;
}

TEST(jsonw_writes_every_type)
{
    CHECK(dumps_as(json_pack("{s:n,s:b,s:b,s:I,s:f,s:s,s:[i,[]],s:{s:{}}}",
                             "null", "true", 1, "false", 0, "int",
                             (json_int_t)-42, "real", 2.5, "string", "hi",
                             "array", 7, "object", "inner"),
                   false,
                   "{\"null\":null,\"true\":true,\"false\":false,"
                   "\"int\":-42,\"real\":2.5,\"string\":\"hi\","
                   "\"array\":[7,[]],\"object\":{\"inner\":{}}}"));
}

TEST(jsonw_writes_empty_containers)
{
    CHECK(dumps_as(json_object(), false, "{}"));
    CHECK(dumps_as(json_array(), false, "[]"));
    CHECK(dumps_as(json_pack("[{},[],[[]],{s:[]}]", "a"), false,
                   "[{},[],[[]],{\"a\":[]}]"));
}

TEST(jsonw_writes_deep_nesting)
{
    /* Deeper than the cycle check's threshold, so its walk runs too. */
    json_t *root = json_array(), *inner = root;
    for (int depth = 0; depth < 100; depth++) {
        json_t *child = depth % 2 ? json_array() : json_object();
        if (json_is_array(inner))
            json_array_append_new(inner, child);
        else
            json_object_set_new(inner, "k", child);
        inner = child;
    }
    CHECK(matches_jansson(root, false));
    json_decref(root);
}

/* The escape jansson writes for control character c. */
static void expected_escape(unsigned char c, char *out)
{
    static const char *const short_forms[32] = {
        ['\b'] = "\\b", ['\f'] = "\\f", ['\n'] = "\\n",
        ['\r'] = "\\r", ['\t'] = "\\t",
    };
    if (short_forms[c])
        strcpy(out, short_forms[c]);
    else
        sprintf(out, "\\u%04X", c);
}

TEST(jsonw_escapes_every_control_character)
{
    char all[33], want_all[32 * 6 + 8] = "[\"";

    for (unsigned c = 0; c < 0x20; c++) {
        char text[3] = {'a', (char)c, 'z'}, escape[8], want[32];
        expected_escape((unsigned char)c, escape);
        snprintf(want, sizeof want, "[\"a%sz\"]", escape);
        CHECK(dumps_as(array_of_bytes(text, 3), false, want));
        all[c] = (char)c;
        strcat(want_all, escape);
    }
    all[32] = 0x7f;
    strcat(want_all, "\x7f\"]");
    CHECK(dumps_as(array_of_bytes(all, 33), false, want_all));
    CHECK(dumps_as(json_pack("[s]", "\"q\" \\ /"), false,
                   "[\"\\\"q\\\" \\\\ /\"]"));
}

TEST(jsonw_copies_utf8_and_del_raw)
{
    CHECK(dumps_as(json_pack("[s]", "\x7f caf\xc3\xa9 \xe2\x82\xac "
                                    "\xf0\x9f\x98\x80 \xe2\x80\xa8"),
                   false,
                   "[\"\x7f caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 "
                   "\xe2\x80\xa8\"]"));
}

TEST(jsonw_escapes_embedded_nul)
{
    json_t *array = json_array();
    json_array_append_new(array, json_stringn("a\0b\0", 4));
    CHECK(dumps_as(array, false, "[\"a\\u0000b\\u0000\"]"));
}

TEST(jsonw_escapes_keys)
{
    json_t *object = json_object();
    json_object_set_new(object, "\"", json_integer(1));
    json_object_set_new(object, "\\", json_integer(2));
    json_object_set_new(object, "\n", json_integer(3));
    json_object_set_new(object, "\x01", json_integer(4));
    json_object_set_new(object, "caf\xc3\xa9", json_integer(5));
    json_object_setn_new(object, "a\0b", 3, json_integer(6));
    json_object_set_new(object, "", json_integer(7));
    CHECK(dumps_as(object, false,
                   "{\"\\\"\":1,\"\\\\\":2,\"\\n\":3,\"\\u0001\":4,"
                   "\"caf\xc3\xa9\":5,\"a\\u0000b\":6,\"\":7}"));
}

TEST(jsonw_keeps_insertion_order)
{
    json_t *object = json_object();
    json_object_set_new(object, "z", json_null());
    json_object_set_new(object, "a", json_null());
    json_object_set_new(object, "m", json_null());
    json_object_del(object, "a");
    json_object_set_new(object, "a", json_null());
    json_object_set_new(object, "z", json_true()); /* keeps its place */
    CHECK(dumps_as(object, false, "{\"z\":true,\"m\":null,\"a\":null}"));
}

TEST(jsonw_writes_integer_extremes)
{
    CHECK(dumps_as(json_pack("[I,I,i,i]", (json_int_t)INT64_MIN,
                             (json_int_t)INT64_MAX, 0, -1),
                   false,
                   "[-9223372036854775808,9223372036854775807,0,-1]"));
    /* Every digit count, either side of each power of ten. */
    json_t *array = json_array();
    for (json_int_t power = 1; power <= INT64_MAX / 10; power *= 10)
        for (json_int_t delta = -1; delta <= 1; delta++) {
            json_array_append_new(array, json_integer(power + delta));
            json_array_append_new(array, json_integer(-(power + delta)));
        }
    CHECK(matches_jansson(array, false));
    json_decref(array);
}

TEST(jsonw_writes_reals_as_jansson)
{
    static const struct {
        double value;
        const char *text;
    } cases[] = {
        {1.5, "1.5"},
        {0.1, "0.10000000000000001"},
        {1e300, "1.0000000000000001e300"},
        {-0.0, "-0.0"},
        {123456789012345678.0, "1.2345678901234568e17"},
        {1e-7, "9.9999999999999995e-8"},
        {5e22, "4.9999999999999996e22"},
        {1.0, "1.0"},
        {1e16, "10000000000000000.0"},
        {1e17, "1e17"},
        {1e-5, "1.0000000000000001e-5"},
        {0.0001, "0.0001"},
        {-2.5e-300, "-2.5e-300"},
        {5e-324, "4.9406564584124654e-324"},
        {1.7976931348623157e308, "1.7976931348623157e308"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK(dumps_as(json_real(cases[i].value), true, cases[i].text));
}

TEST(jsonw_random_reals_match_jansson)
{
    lcg g = {12345};
    for (int i = 0; i < 20000; i++) {
        json_t *real = json_real(random_real(&g));
        CHECK(matches_jansson(real, true));
        json_decref(real);
    }
}

TEST(jsonw_dump_rejects_top_level_scalars)
{
    json_t *scalars[] = {json_string("x"), json_integer(42), json_real(1.5),
                         json_true(), json_false(), json_null()};
    const char *texts[] = {"\"x\"", "42", "1.5", "true", "false", "null"};
    size_t len = 99;

    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
        CHECK(matches_jansson(scalars[i], false));
        CHECK(matches_jansson(scalars[i], true));
        char *text = jsonw_dump_any(scalars[i], &len);
        CHECK_STR(text, texts[i]);
        CHECK_INT(len, strlen(texts[i]));
        free(text);
        json_decref(scalars[i]);
    }
    CHECK(!jsonw_dump(NULL, &len));
    CHECK_INT(len, 0);
    CHECK(!jsonw_dump_any(NULL, NULL));
    CHECK(!json_dumps(NULL, JSON_COMPACT | JSON_ENCODE_ANY));
}

TEST(jsonw_fails_on_bad_utf8_value)
{
    /* Only the _nocheck constructors let such a string in. */
    CHECK(dumps_as(array_of_bytes("ok\xff", 3), false, NULL));
    CHECK(dumps_as(array_of_bytes("\xc0\x80", 2), false, NULL));
    CHECK(dumps_as(array_of_bytes("\xed\xa0\x80", 3), false, NULL));
    CHECK(dumps_as(array_of_bytes("ab\xe2\x82", 4), false, NULL));
    CHECK(dumps_as(json_stringn_nocheck("\xf4\x90\x80\x80", 4), true, NULL));
}

TEST(jsonw_cuts_bad_utf8_key_like_jansson)
{
    /* jansson writes the key up to its last escape, then carries on. */
    json_t *object = json_object();
    json_object_set_new_nocheck(object, "ab\ncd\xff" "ef", json_integer(1));
    json_object_set_new(object, "k", json_integer(2));
    CHECK(dumps_as(object, false, "{\"ab\\n:1,\"k\":2}"));
}

/* Every byte string up to two bytes long, as value and as key. */
TEST(jsonw_validates_short_utf8_like_jansson)
{
    for (unsigned n = 0; n < 0x100 + 0x10000; n++) {
        bool two_bytes = n >= 0x100;
        unsigned bits = two_bytes ? n - 0x100 : n;
        char bytes[2] = {(char)(bits & 0xff), (char)(bits >> 8)};
        size_t len = two_bytes ? 2 : 1;
        json_t *value = json_stringn_nocheck(bytes, len);
        json_t *object = json_object();
        json_object_setn_new_nocheck(object, bytes, len, json_true());
        bool same = matches_jansson(value, true) && matches_jansson(object, false);
        json_decref(value);
        json_decref(object);
        CHECK(same);
    }
}

/* Three- and four-byte leads with continuation bytes at their boundaries. */
TEST(jsonw_validates_long_utf8_like_jansson)
{
    static const unsigned char edges[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90,
                                          0x9f, 0xa0, 0xbf, 0xc0, 0xff};
    const size_t edge_count = sizeof edges;

    for (unsigned lead = 0xe0; lead <= 0xf7; lead++) {
        size_t len = lead < 0xf0 ? 3 : 4;
        size_t tails = len == 3 ? edge_count : edge_count * edge_count;
        for (unsigned second = 0; second < 0x100; second++)
            for (size_t tail = 0; tail < tails; tail++) {
                char bytes[4] = {(char)lead, (char)second,
                                 (char)edges[tail % edge_count],
                                 (char)edges[tail / edge_count]};
                json_t *value = json_stringn_nocheck(bytes, len);
                bool same = matches_jansson(value, true);
                json_decref(value);
                CHECK(same);
            }
    }
}

/* Every byte at every offset of a long string: the scan goes by words. */
TEST(jsonw_finds_every_byte_at_every_offset)
{
    for (unsigned byte = 0; byte < 0x100; byte++)
        for (size_t offset = 0; offset < 24; offset++) {
            char text[24];
            memset(text, 'x', sizeof text);
            text[offset] = (char)byte;
            json_t *value = json_stringn_nocheck(text, sizeof text);
            bool same = matches_jansson(value, true);
            json_decref(value);
            CHECK(same);
        }
}

TEST(jsonw_fails_on_cycle)
{
    /* jansson refuses a value that contains itself; so must jsonw. */
    json_t *a = json_array(), *b = json_object();
    json_array_append(a, b);
    json_object_set(b, "a", a);
    CHECK(dumps_as(json_incref(a), false, NULL));
    json_object_clear(b);
    json_decref(b);
    json_decref(a);

    /* A cycle longer than the threshold below which jsonw skips the check. */
    json_t *first = json_array(), *last = first;
    for (int i = 0; i < 50; i++) {
        json_t *next = json_array();
        json_array_append_new(last, next);
        last = next;
    }
    json_array_append(last, first);
    CHECK(dumps_as(json_incref(first), false, NULL));
    json_array_clear(last);
    json_decref(first);
}

TEST(jsonw_allows_shared_subtrees)
{
    json_t *shared = json_pack("{s:[i]}", "x", 1);
    json_t *root = json_array();
    for (int i = 0; i < 3; i++)
        json_array_append(root, shared);
    json_decref(shared);
    CHECK(dumps_as(root, false,
                   "[{\"x\":[1]},{\"x\":[1]},{\"x\":[1]}]"));
}

TEST(jsonw_grows_past_first_buffer)
{
    json_t *array = json_array();
    for (int i = 0; i < 5000; i++)
        json_array_append_new(array, json_string("plain text, then \"quotes\"\t"));
    CHECK(matches_jansson(array, false));
    size_t len;
    char *text = jsonw_dump(array, &len);
    CHECK(text);
    CHECK_INT(len, strlen(text));
    CHECK(len > 5000 * 30);
    free(text);
    json_decref(array);
}

/* Up to 12 characters a string, NUL included: the writer must escape it. */
static const json_shape shape = {.container_depth = 6, .max_children = 7,
                                 .max_chars = 13, .nul = true};

TEST(jsonw_random_trees_match_jansson)
{
    lcg g = {2024};
    for (int i = 0; i < 2000; i++) {
        json_t *tree = random_container(&g, &shape, 0, i % 2 == 0);
        json_t *scalar = random_value(&g, &shape, 6);
        bool same = tree && scalar && matches_jansson(tree, false) &&
                    matches_jansson(scalar, true);
        json_decref(tree);
        json_decref(scalar);
        CHECK(same);
    }
}

/* Arbitrary bytes, mostly invalid UTF-8, as values and as keys. */
TEST(jsonw_random_bytes_match_jansson)
{
    lcg g = {77};
    for (int i = 0; i < 5000; i++) {
        char bytes[10];
        size_t len = lcg_below(&g, sizeof bytes + 1);
        for (size_t j = 0; j < len; j++)
            bytes[j] = (char)(lcg_below(&g, 2) ? 0x80 + lcg_below(&g, 0x80)
                                               : lcg_below(&g, 0x100));
        json_t *value = array_of_bytes(bytes, len);
        json_t *object = json_object();
        json_object_setn_new_nocheck(object, bytes, len, json_integer(i));
        json_object_set_new(object, "after", json_true());
        bool same = matches_jansson(value, false) && matches_jansson(object, false);
        json_decref(value);
        json_decref(object);
        CHECK(same);
    }
}
