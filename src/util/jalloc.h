/*
 * jalloc.h - jansson's allocator: a request's JSON values from its arena.
 *
 * A read request builds and drops hundreds of small JSON values (its body,
 * its input, the rows it reads); through malloc and free they cost about
 * 15% of a GetCase's instructions.  While a thread has an arena in use (jalloc_use),
 * jansson takes its memory from that arena and giving it back costs
 * nothing: the arena frees it all when the request ends.  Without one,
 * jansson gets malloc'd memory as before.
 *
 * The module installs itself into jansson before main runs.  Every block
 * carries a header saying where it came from, so a value may be
 * freed on any thread, with or without an arena in use.  What the design
 * relies on: a value taken from a request's arena is never kept after the
 * request.  The one structure that keeps JSON values across requests,
 * api/config_memo.c, copies them with no arena in use before it keeps them.
 *
 * Anything jansson itself allocates for its caller (json_dumps) must be
 * given back with jalloc_free, not free.
 */
#ifndef CASESD_JALLOC_H
#define CASESD_JALLOC_H

#include <stddef.h>

#include "util/arena.h"

/* Sets the arena this thread's JSON values come from (NULL: malloc) and
 * returns the one in use before, to be restored. */
arena *jalloc_use(arena *a);

/* jansson's allocation functions, as installed. */
void *jalloc_malloc(size_t n);
void jalloc_free(void *p);

#endif
