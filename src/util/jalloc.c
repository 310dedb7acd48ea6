/* jalloc.c - jansson's allocator (see jalloc.h). */
#include "util/jalloc.h"

#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

/* In front of every block, keeping the 16-byte alignment malloc gives. */
typedef struct {
    _Alignas(16) uint64_t from_arena;
} header;

/* Above this, a block comes from malloc even while an arena is in use: a
 * large value freed early should not stay held until the request ends. */
#define JALLOC_ARENA_MAX 4096
/* Past this much of the arena in use, blocks come from malloc too: a
 * request that reads thousands of values one after another (a related
 * item search looks at up to 5,000) then reuses freed memory rather than
 * holding every value it dropped until it ends. */
#define JALLOC_ARENA_BUDGET (1024u * 1024u)

static _Thread_local arena *current;

/* Before main, so that in every program built with this module (the
 * server, the unit tests, the benchmark tools) no JSON value can exist
 * from before, whose block would have no header. */
__attribute__((constructor)) static void install(void)
{
    json_set_alloc_funcs(jalloc_malloc, jalloc_free);
}

arena *jalloc_use(arena *a)
{
    arena *before = current;

    current = a;
    return before;
}

void *jalloc_malloc(size_t n)
{
    header *h = NULL;

    if (n > SIZE_MAX - sizeof *h)
        return NULL;
    if (current && n <= JALLOC_ARENA_MAX &&
        arena_used(current) < JALLOC_ARENA_BUDGET)
        h = arena_alloc(current, sizeof *h + n);
    if (h) {
        h->from_arena = 1;
    } else {
        /* past the arena's cap too: the request goes on with malloc */
        if (!(h = malloc(sizeof *h + n)))
            return NULL;
        h->from_arena = 0;
    }
    return h + 1;
}

void jalloc_free(void *p)
{
    header *h;

    if (!p)
        return;
    h = (header *)p - 1;
    if (!h->from_arena)
        free(h);
}
