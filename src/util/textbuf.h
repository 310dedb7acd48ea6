/*
 * textbuf.h - a growing buffer for answers written as JSON text directly,
 * where building jansson values only to print them costs more than the
 * rest of the request (api/case_reply.c, SearchCases).
 *
 * Writes after a failed allocation are ignored and textbuf_finish reports
 * the failure once, so a writer checks only at the end.
 */
#ifndef CASESD_TEXTBUF_H
#define CASESD_TEXTBUF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *p; /* NUL-terminated once anything was written */
    size_t len;
    size_t cap;
    bool failed;
} textbuf;

/* Makes room for n more bytes at once, for a writer that knows about how
 * long its text will be: growing step by step copies it each time. */
void textbuf_reserve(textbuf *b, size_t n);
void textbuf_put(textbuf *b, const char *s, size_t n);
void textbuf_puts(textbuf *b, const char *s);
void textbuf_put_int(textbuf *b, int64_t v);
/* v as the JSON writer prints it (util/jsonw.h). */
void textbuf_put_json(textbuf *b, const json_t *v);
/* s as a JSON string. */
void textbuf_put_string(textbuf *b, const char *s);
/* The text (malloc'd, *len set) and the buffer emptied; NULL when a write
 * failed, the text then freed. */
char *textbuf_finish(textbuf *b, size_t *len);
/* Frees what was written, for a writer that gives up. */
void textbuf_discard(textbuf *b);

#endif
