/*
 * case_reply.h - the GetCase answer, copied from the stored document.
 *
 * A stored case is a JSON object {fieldId: value}; GetCase returns the
 * values of the fields it asks for.  Parsing the whole document into
 * jansson values and printing a few of them again cost more than the rest
 * of the request, so the answer is assembled from the text spans of the
 * requested values instead (util/jsonr.h, jsonr_members).  Pure: no store,
 * no request context.
 */
#ifndef CASESD_CASE_REPLY_H
#define CASESD_CASE_REPLY_H

#include <jansson.h>
#include <stddef.h>

/*
 * The GetCase output {"fields":[{"id","value"}...],"templateId","tags"}
 * as JSON text (malloc'd, *len set): the values of the requested field ids
 * (the array of {"id"} objects of the input) that the case has, in request
 * order, each once, from the stored values text[0..text_len).  Returns
 * NULL when the document cannot be read this way (a key that needs
 * unescaping, more members than this reads, text that is not an object)
 * or memory runs out: the caller then builds the answer from the parsed
 * document, which gives the same text.
 */
char *case_reply_render(const json_t *requested, const char *text,
                        size_t text_len, const char *template_id,
                        const json_t *tags, size_t *len);

#endif
