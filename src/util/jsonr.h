/*
 * jsonr.h - json_loadb(text, len, 0, &err) without jansson's per-byte cost.
 *
 * jansson's lexer pulls every byte through a stream callback and appends
 * it to a token buffer one at a time; parsing a 700-byte stored case cost
 * about 100k instructions, 40% of a GetCase.  This parser scans the input
 * by pointer and copies plain runs of string bytes at once, but builds the
 * same json_t values, so the rest of the server is unchanged.
 *
 * Where jansson 2.14 accepts an input the result is the same tree: the
 * same types (a number is an integer unless it has a fraction or an
 * exponent), the same doubles (strtod in the C locale), the same string
 * bytes and the same key order (a repeated key keeps its first position and
 * takes the last value).  Where jansson fails this fails too: invalid
 * UTF-8, control characters or \u0000 in strings, lone surrogate escapes,
 * integers outside json_int_t, reals that overflow, a top-level scalar.
 * tests/unit/test_jsonr.c compares the two on hand-written and fuzzed input.
 * One jansson quirk is kept on purpose: a single NUL byte right after a
 * number or true/false/null is skipped, as jansson's lexer loses it.
 */
#ifndef CASESD_JSONR_H
#define CASESD_JSONR_H

#include <stddef.h>

#include <jansson.h>

/*
 * Parses exactly len bytes at text (no terminator needed) as one JSON
 * object or array, with optional whitespace around it.  Returns a new
 * reference, or NULL with err (when not NULL) describing the first
 * problem: text is a short English message, position the byte offset where
 * it was found, line and column (1-based, column in characters) its place,
 * and json_error_code(err) the matching jansson code.  On success
 * err->text is empty and err->position is len.
 *
 * max_depth bounds container nesting, the top-level container being depth
 * 1, so a hostile document cannot exhaust the stack.  Independently of it,
 * jansson's own limit (JSON_PARSER_MAX_DEPTH, counting scalars as one level
 * below their container) also applies, so nothing jansson would reject on
 * depth is accepted.
 */
json_t *jsonr_parse(const char *text, size_t len, int max_depth,
                    json_error_t *err);

/* One member of an object, as spans of the document's own text: the key
 * between its quotes, still escaped, and the value's JSON text. */
typedef struct {
    const char *key;
    size_t key_len;
    const char *value;
    size_t value_len;
} jsonr_member;

/*
 * The top-level members of the JSON object in text[0..len), in document
 * order, for a reader that copies a few values out of a large document
 * without building it.  The text must be well-formed JSON, such as a
 * document the server wrote itself: only what finding the spans needs is
 * checked.  Returns the number of members, or -1 when text is not an
 * object or has more than max members.
 */
int jsonr_members(const char *text, size_t len, jsonr_member *out, int max);

/* A max_depth that adds nothing to jansson's own limit, for documents the
 * server wrote itself (a request body gets the server's tighter limit). */
#define JSONR_JANSSON_DEPTH 2048

#endif
