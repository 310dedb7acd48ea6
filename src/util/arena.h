/*
 * arena.h - a bump allocator that owns everything one request allocates.
 *
 * Memory from an arena is freed all at once by arena_free(); nothing taken
 * from it is freed on its own.  Blocks grow geometrically; a single arena is
 * capped (ARENA_MAX_BYTES) so a hostile request cannot grow it without bound:
 * past the cap allocation returns NULL and the caller fails the request.
 */
#ifndef CASESD_ARENA_H
#define CASESD_ARENA_H

#include <stdarg.h>
#include <stddef.h>

#define ARENA_MAX_BYTES (64u * 1024u * 1024u)

typedef struct arena arena;

arena *arena_new(size_t first_block);
void arena_free(arena *a);
/* Forget every allocation but keep the first block for reuse. */
void arena_reset(arena *a);
void *arena_alloc(arena *a, size_t n);   /* 16-byte aligned, not zeroed */
void *arena_calloc(arena *a, size_t n);  /* zeroed */
char *arena_strdup(arena *a, const char *s);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_printf(arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *arena_vprintf(arena *a, const char *fmt, va_list ap);
size_t arena_used(const arena *a);
/* The concatenation of the strings given, up to a NULL argument, in one
 * allocation: for keys and ARNs built on every request, where
 * arena_printf's format parsing costs more than the copying. */
char *arena_concat(arena *a, ...) __attribute__((sentinel));

#endif
