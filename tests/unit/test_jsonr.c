/* test_jsonr.c - the fast parser must accept and build what json_loadb does. */
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_random.h"
#include "test.h"
#include "util/jsonr.h"

#define DEPTH 2048

/* The bytes of text, escaped enough to read in a failure message. */
static void print_bytes(const char *label, const char *text, size_t len)
{
    fprintf(stderr, "    %s (%zu bytes): \"", label, len);
    for (size_t i = 0; i < len && i < 400; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
            fputc(c, stderr);
        else
            fprintf(stderr, "\\x%02x", c);
    }
    fprintf(stderr, "%s\"\n", len > 400 ? "..." : "");
}

/* Compact text of v with jansson's writer; NULL for NULL. */
static char *dump(const json_t *v)
{
    return v ? dumps_copy(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

/*
 * Parses len bytes with both parsers and reports whether they agree: both
 * fail, or both succeed with equal trees that serialise identically (which
 * catches key order and integer/real differences json_equal would forgive).
 * The input is copied to a buffer of exactly len bytes so a sanitizer build
 * catches any read past the end.  *accepted receives jansson's verdict.
 */
static bool agrees(const char *text, size_t len, bool *accepted)
{
    char *copy = malloc(len ? len : 1);
    json_error_t want_err, got_err;
    bool same;

    memcpy(copy, text, len);
    json_t *want = json_loadb(copy, len, 0, &want_err);
    json_t *got = jsonr_parse(copy, len, DEPTH, &got_err);
    char *want_text = dump(want), *got_text = dump(got);

    if (!want || !got)
        same = !want && !got;
    else
        same = json_equal(want, got) && want_text && got_text &&
               strcmp(want_text, got_text) == 0;
    /* A failure must say why and where. */
    if (same && !got)
        same = got_err.text[0] != '\0' && got_err.position >= 0 &&
               (size_t)got_err.position <= len;
    if (!same) {
        print_bytes("input", text, len);
        fprintf(stderr, "    jansson: %s%s\n    jsonr:   %s%s\n",
                want_text ? want_text : "(NULL) ", want ? "" : want_err.text,
                got_text ? got_text : "(NULL) ", got ? "" : got_err.text);
    }
    if (accepted)
        *accepted = want != NULL;
    free(want_text);
    free(got_text);
    json_decref(want);
    json_decref(got);
    free(copy);
    return same;
}

/* Hand-written inputs: V() jansson accepts, X() it rejects. */
typedef struct {
    const char *text;
    size_t len;
    bool valid;
} table_case;

#define V(s) {s, sizeof(s) - 1, true}
#define X(s) {s, sizeof(s) - 1, false}

static const table_case table[] = {
    /* structure and whitespace */
    V("{}"), V("[]"), V(" \t\r\n[ ]\n"), V("{ \"a\" : [ 1 , { } ] }"),
    V("[[[[]]],{\"a\":{\"b\":[null]}}]"),
    V("[null,true,false,0,-1,1.5,\"s\",[],{}]"),
    X(""), X(" \n\t"), X("1"), X("\"a\""), X("true"), X("null"), X("-1"),
    X("[1] x"), X("[1]]"), X("{}{}"), X("[1,]"), X("{\"a\":1,}"), X("[,]"),
    X("[1 2]"), X("{\"a\" 1}"), X("{\"a\":}"), X("{a:1}"), X("{1:1}"),
    X("['a']"), X("{'a':1}"), X("[1]//c"), X("[/*c*/1]"), X("["), X("{"),
    X("{\"a\""), X("{\"a\":"), X("[1"), X("]"), X("\xef\xbb\xbf[]"),
    X("[\v1]"), X("[\f]"),
    /* literals */
    X("[tru]"), X("[True]"), X("[nulls]"), X("[truefalse]"), X("[NaN]"),
    X("[Infinity]"), X("[-Infinity]"), X("[nul"), X("[true1]"),
    /* numbers */
    V("[0,-0,-0.0,0.0,1E2,1e+2,1e-2,0.1e-2,12.5e0]"),
    V("[9223372036854775807,-9223372036854775808]"),
    V("[1e-400,-1e-400,4.9e-324,1.7976931348623157e308]"),
    V("[123456789012345678901234567890.0,0.000000000000000000000000001]"),
    V("[1.00000000000000011102230246251565404236316680908203125]"),
    X("[9223372036854775808]"), X("[-9223372036854775809]"),
    X("[99999999999999999999999]"), X("[1e400]"), X("[-1e400]"),
    X("[01]"), X("[-01]"), X("[00]"), X("[-]"), X("[1.]"), X("[.5]"),
    X("[1e]"), X("[1e+]"), X("[+1]"), X("[0x1]"), X("[1.e5]"), X("[--1]"),
    X("[- 1]"), X("[1.5.5]"), X("[1e5e5]"),
    /* strings and escapes */
    V("[\"\",\"a b\",\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]"),
    V("[\"\\u0041\\u00e9\\u20AC\\uFFFF\\uffFe\"]"),
    V("[\"\\ud83d\\ude00\",\"\\uDBFF\\uDFFF\",\"\\uD800\\uDC00\"]"),
    V("[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\xef\xbf\xbe\x7f\"]"),
    V("{\"k\\n\":\"v\\t\",\"k\\u00e9\":{\"\\u00e8\":\"x\\\"y\"},\"\":1}"),
    X("[\"\\u0000\"]"), X("{\"\\u0000\":1}"), X("{\"a\\u0000b\":1}"),
    X("[\"\\ud800\"]"), X("[\"\\udc00\"]"), X("[\"\\udc00\\ud800\"]"),
    X("[\"\\ud800\\u0041\"]"), X("[\"\\ud800\\n\"]"), X("[\"\\ud800x\"]"),
    X("[\"\\ud800\\\\udc00\"]"), X("[\"\\ud800\\ud800\"]"), X("[\"\\x41\"]"),
    X("[\"\\'\"]"), X("[\"\\U0041\"]"), X("[\"\\u12\"]"), X("[\"\\u12G4\"]"),
    X("[\"\\u"), X("[\"\\"), X("[\"abc"), X("[\"a\x01\"]"), X("[\"a\tb\"]"),
    X("[\"a\nb\"]"), X("[\"a\x1f\"]"), X("[\"a\0b\"]"),
    /* invalid UTF-8 */
    X("[\"\xc0\x80\"]"), X("[\"\xc1\xbf\"]"), X("[\"\xe0\x80\x80\"]"),
    X("[\"\xe0\x9f\xbf\"]"), X("[\"\xf0\x80\x80\x80\"]"),
    X("[\"\xf0\x8f\xbf\xbf\"]"), X("[\"\xed\xa0\x80\"]"),
    X("[\"\xed\xbf\xbf\"]"), X("[\"\xf4\x90\x80\x80\"]"), X("[\"\xf5\x80\x80\x80\"]"),
    X("[\"\xff\"]"), X("[\"\x80\"]"), X("[\"\xbf\"]"), X("[\"\xc3\"]"),
    X("[\"\xc3"), X("[\"\xe2\x82\"]"), X("[\"\xf0\x9f\x98\"]"),
    X("[\"\xc3\x28\"]"), X("[\xc3\xa9]"), X("[1,\xff]"), X("[\"\xe2\x82\xac"),
    /* a repeated key keeps its first position and takes the last value */
    V("{\"a\":1,\"b\":2,\"a\":3}"), V("{\"a\":1,\"b\":2,\"a\":3,\"c\":4,\"a\":[5]}"),
    V("{\"x\":{\"a\":1},\"x\":{\"b\":2}}"), V("{\"a\":1,\"\\u0061\":2}"),
    /* jansson loses one NUL byte right after a number or a bare word */
    V("[1\0]"), V("[1.5\0,2]"), V("[-0\0]"), V("[1e5\0]"), V("[true\0]"),
    V("[null\0,false\0]"), V("{\"a\":1\0}"), V("[0\0]"),
    X("[1\0\0]"), X("[\"a\"\0]"), X("[1]\0"), X("[\0 1]"), X("\0[]"),
    X("[1\0"), X("[1\0.5]"), X("[0\0001]"), X("{\"a\"\0:1}"), X("[{}\0]"),
};

TEST(jsonr_table_matches_jansson)
{
    size_t count = sizeof table / sizeof table[0];
    for (size_t i = 0; i < count; i++) {
        bool accepted;
        if (!agrees(table[i].text, table[i].len, &accepted))
            test_fail(__FILE__, __LINE__, "case %zu differs", i);
        else if (accepted != table[i].valid)
            test_fail(__FILE__, __LINE__, "case %zu: jansson %s it", i,
                      accepted ? "accepts" : "rejects");
    }
}

/* Escaped strings longer than the parser's stack buffer, as keys too. */
TEST(jsonr_long_escaped_strings_match_jansson)
{
    static const char *pieces[] = {"ab", "\\n", "\\u00e9", "\\ud83d\\ude00",
                                   "\xe2\x82\xac", "\\\"", "\\\\"};
    char *text = malloc(64 * 1024);
    bool ok = true;
    CHECK(text);
    for (size_t target = 10; target < 20000; target = target * 3 + 1) {
        size_t len = 0;
        len += (size_t)sprintf(text + len, "{\"");
        for (size_t i = 0; len < target; i++)
            len += (size_t)sprintf(text + len, "%s", pieces[i % 7]);
        len += (size_t)sprintf(text + len, "\":[\"");
        for (size_t i = 3; len < 2 * target + 10; i++)
            len += (size_t)sprintf(text + len, "%s", pieces[i % 7]);
        len += (size_t)sprintf(text + len, "\",\"x\\ty\"]}");
        bool accepted;
        ok = agrees(text, len, &accepted) && accepted;
        if (!ok)
            break;
    }
    free(text);
    CHECK(ok);
}

TEST(jsonr_reports_error_position_and_code)
{
    static const struct {
        const char *text;
        int position, line, column;
        enum json_error_code code;
    } cases[] = {
        {"[1] x", 4, 1, 5, json_error_end_of_input_expected},
        {"\n\n  [1, 2, x]", 11, 3, 10, json_error_invalid_syntax},
        {"[1", 2, 1, 3, json_error_premature_end_of_input},
        {"[\"\xc3\xa9\xff\"]", 4, 1, 4, json_error_invalid_utf8},
        {"[\"\\u0000\"]", 2, 1, 3, json_error_null_character},
        {"[9223372036854775808]", 1, 1, 2, json_error_numeric_overflow},
        {"{\"a\":-1e999}", 5, 1, 6, json_error_numeric_overflow},
        {"", 0, 1, 1, json_error_premature_end_of_input},
        {"[[[[]]]]", 3, 1, 4, json_error_stack_overflow},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_error_t err;
        json_t *v = jsonr_parse(cases[i].text, strlen(cases[i].text), 3, &err);
        CHECK(v == NULL);
        CHECK(err.text[0] != '\0');
        CHECK_INT(err.position, cases[i].position);
        CHECK_INT(err.line, cases[i].line);
        CHECK_INT(err.column, cases[i].column);
        CHECK_INT(json_error_code(&err), cases[i].code);
    }
}

TEST(jsonr_overflow_messages_name_the_sign)
{
    json_error_t err;
    CHECK(!jsonr_parse("[9223372036854775808]", 21, 8, &err));
    CHECK_STR(err.text, "too big integer");
    CHECK(!jsonr_parse("[-9223372036854775809]", 22, 8, &err));
    CHECK_STR(err.text, "too big negative integer");
    CHECK(!jsonr_parse("[1e309]", 7, 8, &err));
    CHECK_STR(err.text, "real number overflow");
}

TEST(jsonr_success_leaves_error_empty)
{
    json_error_t err;
    json_t *v = jsonr_parse(" [1] ", 5, 8, &err);
    CHECK(v);
    json_decref(v);
    CHECK_STR(err.text, "");
    CHECK_INT(err.position, 5);
    v = jsonr_parse("{}", 2, 8, NULL);
    CHECK(json_is_object(v));
    json_decref(v);
    CHECK(!jsonr_parse("{", 1, 8, NULL));
    CHECK(!jsonr_parse(NULL, 0, 8, &err));
    CHECK(err.text[0] != '\0');
}

TEST(jsonr_keeps_integer_and_real_apart)
{
    static const char text[] = "[1,1.0,1e0,-0,-0.0,9223372036854775807]";
    json_t *v = jsonr_parse(text, strlen(text), 8, NULL);
    CHECK(v);
    bool types = json_is_integer(json_array_get(v, 0)) &&
                 json_is_real(json_array_get(v, 1)) &&
                 json_is_real(json_array_get(v, 2)) &&
                 json_is_integer(json_array_get(v, 3)) &&
                 json_is_real(json_array_get(v, 4)) &&
                 signbit(json_real_value(json_array_get(v, 4))) &&
                 json_integer_value(json_array_get(v, 5)) == INT64_MAX;
    json_decref(v);
    CHECK(types);
}

/* n nested arrays around inner ("" for none), in a malloc'd buffer. */
static char *nested(int n, const char *inner, size_t *len)
{
    size_t inner_len = strlen(inner);
    char *text = malloc(2 * (size_t)n + inner_len + 1);
    memset(text, '[', (size_t)n);
    memcpy(text + n, inner, inner_len);
    memset(text + n + inner_len, ']', (size_t)n);
    *len = 2 * (size_t)n + inner_len;
    text[*len] = '\0';
    return text;
}

enum { ACCEPTED, TOO_DEEP, OTHER_ERROR };

/* What jsonr makes of n nested arrays around inner with max_depth. */
static int parse_nested(int n, const char *inner, int max_depth)
{
    size_t len;
    char *text = nested(n, inner, &len);
    json_error_t err;
    json_t *v = jsonr_parse(text, len, max_depth, &err);
    int result = v ? ACCEPTED
                   : json_error_code(&err) == json_error_stack_overflow
                         ? TOO_DEEP
                         : OTHER_ERROR;
    json_decref(v);
    free(text);
    return result;
}

TEST(jsonr_limits_container_depth)
{
    CHECK_INT(parse_nested(3, "", 3), ACCEPTED);
    CHECK_INT(parse_nested(4, "", 3), TOO_DEEP);
    /* Scalars do not count against the caller's limit. */
    CHECK_INT(parse_nested(3, "1", 3), ACCEPTED);
    CHECK_INT(parse_nested(2, "{\"a\":\"b\"}", 3), ACCEPTED);
    CHECK_INT(parse_nested(3, "{\"a\":\"b\"}", 3), TOO_DEEP);
    CHECK_INT(parse_nested(2, "{\"a\":{}}", 3), TOO_DEEP);
    CHECK_INT(parse_nested(1, "", 1), ACCEPTED);
    CHECK_INT(parse_nested(1, "", 0), TOO_DEEP);
    CHECK_INT(parse_nested(100000, "", 64), TOO_DEEP); /* refused, not a stack overflow */
}

/* jansson counts scalars as one level deeper, and caps every value at 2048. */
TEST(jsonr_never_exceeds_jansson_depth)
{
    static const struct {
        int n;
        const char *inner;
    } cases[] = {{2047, "1"}, {2048, ""}, {2048, "1"}, {2048, "\"a\""},
                 {2047, "{\"a\":1}"}, {2047, "{\"a\":{}}"}, {2049, ""}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        char *text = nested(cases[i].n, cases[i].inner, &len);
        json_error_t err;
        json_t *want = json_loadb(text, len, 0, &err);
        json_t *got = jsonr_parse(text, len, 1 << 20, &err);
        bool same = (want == NULL) == (got == NULL);
        json_decref(want);
        json_decref(got);
        free(text);
        if (!same)
            test_fail(__FILE__, __LINE__, "depth case %zu differs", i);
    }
    CHECK_INT(parse_nested(2048, "", 2048), ACCEPTED);
    CHECK_INT(parse_nested(2048, "1", 4096), TOO_DEEP);
}

/* Only len bytes are read: the rest of the buffer must not matter. */
TEST(jsonr_reads_only_len_bytes)
{
    static const char buffer[] = "{\"a\":[1,2.5,\"xyz\"]}garbage\"\\";
    size_t doc = strlen("{\"a\":[1,2.5,\"xyz\"]}");
    json_t *v = jsonr_parse(buffer, doc, 8, NULL);
    CHECK(v);
    char *text = dump(v);
    json_decref(v);
    CHECK_STR(text, "{\"a\":[1,2.5,\"xyz\"]}");
    free(text);
    /* Every shorter prefix is cut short, in a number, string or container. */
    for (size_t len = 0; len < doc; len++) {
        bool accepted;
        CHECK(agrees(buffer, len, &accepted));
        CHECK(!accepted);
    }
    /* A number or word running into the end, then into following bytes. */
    static const char digits[] = "[12345]6789";
    v = jsonr_parse(digits, 7, 8, NULL);
    CHECK(v && json_integer_value(json_array_get(v, 0)) == 12345);
    json_decref(v);
    CHECK(!jsonr_parse(digits, 6, 8, NULL));
    static const char word[] = "[true]";
    CHECK(!jsonr_parse(word, 4, 8, NULL));
    CHECK(!jsonr_parse(word, 5, 8, NULL));
}

/*** differential fuzzing ***/

/* No NUL in strings: jansson cannot read back the \u0000 it writes. */
static const json_shape shape = {.container_depth = 5, .max_children = 6,
                                 .max_chars = 10, .nul = false};

/* A random document as jansson writes it, with varied layout and escaping. */
static char *random_document(lcg *g, size_t *len)
{
    static const size_t layouts[] = {
        JSON_COMPACT, 0, JSON_INDENT(2), JSON_ENSURE_ASCII | JSON_COMPACT,
        JSON_ESCAPE_SLASH | JSON_INDENT(1), JSON_REAL_PRECISION(5)};
    json_t *tree = random_container(g, &shape, 0, lcg_below(g, 2) == 0);
    char *text = dumps_copy(tree, layouts[lcg_below(g, 6)]);
    json_decref(tree);
    *len = text ? strlen(text) : 0;
    return text;
}

/* One byte chosen to reach the parser's decisions. */
static char random_byte(lcg *g)
{
    static const char interesting[] = "\"\\0123456789-+.eEu,:[]{} \ntfnrlsa";
    switch (lcg_below(g, 5)) {
    case 0:
        return '\0';
    case 1:
        return (char)(0x80 + lcg_below(g, 0x80));
    case 2:
        return (char)lcg_below(g, 0x100);
    default:
        return interesting[lcg_below(g, sizeof interesting - 1)];
    }
}

/* Inserts, deletes or replaces a few bytes of text (cap bytes allocated). */
static size_t mutate(lcg *g, char *text, size_t len, size_t cap)
{
    for (uint32_t n = 1 + lcg_below(g, 3); n > 0; n--) {
        size_t at = len ? lcg_below(g, (uint32_t)len) : 0;
        switch (lcg_below(g, 4)) {
        case 0:
            if (len < cap) {
                memmove(text + at + 1, text + at, len - at);
                text[at] = random_byte(g);
                len++;
            }
            break;
        case 1:
            if (len) {
                memmove(text + at, text + at + 1, len - at - 1);
                len--;
            }
            break;
        case 2:
            if (len)
                len = at + lcg_below(g, (uint32_t)(len - at)); /* truncate */
            break;
        default:
            if (len)
                text[at] = random_byte(g);
            break;
        }
    }
    return len;
}

TEST(jsonr_fuzz_matches_jansson)
{
    enum { DOCUMENTS = 4000, MUTANTS = 4 };
    lcg g = {20261128};
    int accepted_documents = 0, accepted_mutants = 0;

    for (int i = 0; i < DOCUMENTS; i++) {
        size_t len;
        char *doc = random_document(&g, &len);
        CHECK(doc);
        bool accepted, same = agrees(doc, len, &accepted);
        accepted_documents += accepted;
        for (int m = 0; same && m < MUTANTS; m++) {
            char mutant[8192];
            size_t mutant_len = len < sizeof mutant - 8 ? len : sizeof mutant - 8;
            memcpy(mutant, doc, mutant_len);
            mutant_len = mutate(&g, mutant, mutant_len, sizeof mutant);
            same = agrees(mutant, mutant_len, &accepted);
            accepted_mutants += accepted;
        }
        free(doc);
        if (!same)
            test_fail(__FILE__, __LINE__, "document %d differs", i);
        CHECK(same);
    }
    /*
     * Nearly every document is valid (a real printed with 5 digits can
     * round past DBL_MAX), and some mutants stay valid, or half the
     * comparison would be idle.
     */
    CHECK(accepted_documents > DOCUMENTS * 9 / 10);
    CHECK(accepted_mutants > DOCUMENTS / 10);
}

/* --- jsonr_members ------------------------------------------------------------ */

static int members_of(const char *text, jsonr_member *m, int max)
{
    return jsonr_members(text, strlen(text), m, max);
}

static bool span_is(const char *p, size_t len, const char *want)
{
    return len == strlen(want) && memcmp(p, want, len) == 0;
}

TEST(jsonr_members_gives_key_and_value_spans)
{
    jsonr_member m[8];
    const char *doc = " {\"a\":{\"stringValue\":\"x,}]\\\"y\"}, \"b\" : 12.5e3 ,"
                      "\"c\\\"q\":[1,{\"d\":[]}],\"e\":true,\"f\":null,\"g\":{}} ";

    CHECK_INT(members_of(doc, m, 8), 6);
    CHECK(span_is(m[0].key, m[0].key_len, "a"));
    CHECK(span_is(m[0].value, m[0].value_len, "{\"stringValue\":\"x,}]\\\"y\"}"));
    CHECK(span_is(m[1].key, m[1].key_len, "b"));
    CHECK(span_is(m[1].value, m[1].value_len, "12.5e3"));
    CHECK(span_is(m[2].key, m[2].key_len, "c\\\"q"));
    CHECK(span_is(m[2].value, m[2].value_len, "[1,{\"d\":[]}]"));
    CHECK(span_is(m[3].value, m[3].value_len, "true"));
    CHECK(span_is(m[4].value, m[4].value_len, "null"));
    CHECK(span_is(m[5].key, m[5].key_len, "g"));
    CHECK(span_is(m[5].value, m[5].value_len, "{}"));
    CHECK_INT(members_of("{}", m, 8), 0);
    CHECK_INT(members_of(" { } ", m, 8), 0);
}

TEST(jsonr_members_refuses_what_is_not_an_object)
{
    jsonr_member m[2];
    static const char *const bad[] = {
        "", "[]", "\"a\"", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":1",
        "{\"a\":\"open", "{\"a\":{\"b\":1}", "{a:1}", "{\"a\":1 \"b\":2}",
    };

    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (members_of(bad[i], m, 2) != -1) {
            test_fail(__FILE__, __LINE__, "accepted %s", bad[i]);
            return;
        }
    CHECK_INT(members_of("{\"a\":1,\"b\":2,\"c\":3}", m, 2), -1); /* over max */
}

/* On every document jsonw writes, the spans are its members, verbatim. */
TEST(jsonr_members_agrees_with_jansson_on_written_documents)
{
    const char *docs[] = {
        "{\"title\":{\"stringValue\":\"hello, \\\"world\\\" }\"},\"n\":{\"doubleValue\":-1.5e-7},"
        "\"b\":{\"booleanValue\":false},\"e\":{\"emptyValue\":{}},\"u\":{\"userArnValue\":\"arn:x\"}}",
        "{\"a\":[[],[[]],{\"x\":[1,2,{\"y\":\"]}\"}]}],\"k\\u0001\":\"\\\\\"}",
        /* runs of backslashes before quotes, odd and even */
        "{\"p\":\"x\\\\\\\"y\\\\\",\"q\":\"\\\\\\\\\",\"r\":\"\\\"\\\\\\\"\"}",
    };

    for (size_t d = 0; d < sizeof docs / sizeof *docs; d++) {
        json_t *tree = json_loads(docs[d], 0, NULL), *value;
        jsonr_member m[16];
        const char *key;
        int n = members_of(docs[d], m, 16), i = 0;

        CHECK(tree);
        CHECK_INT(n, (long long)json_object_size(tree));
        json_object_foreach(tree, key, value) {
            json_t *again = json_loadb(m[i].value, m[i].value_len,
                                       JSON_DECODE_ANY, NULL);
            CHECK(again && json_equal(again, value));
            json_decref(again);
            i++;
        }
        json_decref(tree);
    }
}
