/*
 * jsonw.h - json_dumps(v, JSON_COMPACT) without jansson's per-token cost.
 *
 * jansson's serializer calls back once per token, formats every container's
 * address into a hashtable to detect cycles, and copies the result once more
 * at the end; on a read request that was a fifth of the time.  This writer
 * appends to one growing buffer instead.
 *
 * The output is byte for byte what jansson 2.14 writes, corner cases
 * included, so callers can switch without changing a response: keys in
 * insertion order, control characters as \u00XX with upper-case hex, UTF-8
 * and 0x7f copied raw, reals as "%.17g" with ".0" appended to whole numbers
 * and the exponent's '+' and leading zeros removed.  Where jansson fails
 * (a string value that is not valid UTF-8, a container that contains
 * itself) the result is NULL; an object key that is not valid UTF-8 is
 * written cut short as jansson does, not rejected.
 *
 * Results are malloc'd and NUL-terminated: free() them, as with json_dumps.
 */
#ifndef CASESD_JSONW_H
#define CASESD_JSONW_H

#include <stddef.h>

#include <jansson.h>

/*
 * json_dumps(v, JSON_COMPACT): NULL when v is not an object or an array,
 * where jansson would fail, or on allocation failure.  When len_out is not
 * NULL it receives the length of the text (0 with a NULL result).
 */
char *jsonw_dump(const json_t *v, size_t *len_out);
/* json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY): any value at top level. */
char *jsonw_dump_any(const json_t *v, size_t *len_out);

#endif
