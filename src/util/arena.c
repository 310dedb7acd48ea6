/*
 * arena.c - the per-request bump allocator declared in arena.h.
 *
 * An arena is a singly linked list of blocks; allocation bumps an offset in
 * the newest block and starts a bigger block when it does not fit.  The
 * total capacity of all blocks never exceeds ARENA_MAX_BYTES.  An arena is
 * used by one thread at a time, so nothing here locks.
 */
#include "util/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16u
#define ARENA_DEFAULT_BLOCK 4096u
/* Below this a block costs more in malloc overhead than it saves. */
#define ARENA_MIN_BLOCK 256u

typedef struct arena_block {
    struct arena_block *next;
    size_t capacity; /* usable bytes in data[] */
    size_t offset;   /* bytes of data[] handed out, always a multiple of 16 */
    _Alignas(16) unsigned char data[];
} arena_block;

struct arena {
    arena_block *first;
    arena_block *current;
    size_t reserved; /* sum of block capacities, bounded by the cap */
    size_t used;     /* bytes handed out, including alignment padding */
};

static size_t round_up(size_t n)
{
    return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

static arena_block *block_new(size_t capacity)
{
    /* aligned_alloc wants the size to be a multiple of the alignment. */
    size_t bytes = round_up(sizeof(arena_block) + capacity);
    arena_block *block = aligned_alloc(ARENA_ALIGN, bytes);
    if (!block)
        return NULL;
    block->next = NULL;
    block->capacity = capacity;
    block->offset = 0;
    return block;
}

arena *arena_new(size_t first_block)
{
    size_t capacity = first_block ? first_block : ARENA_DEFAULT_BLOCK;
    if (capacity < ARENA_MIN_BLOCK)
        capacity = ARENA_MIN_BLOCK;
    if (capacity > ARENA_MAX_BYTES)
        capacity = ARENA_MAX_BYTES;
    capacity = round_up(capacity);

    arena *a = malloc(sizeof *a);
    if (!a)
        return NULL;
    a->first = block_new(capacity);
    if (!a->first) {
        free(a);
        return NULL;
    }
    a->current = a->first;
    a->reserved = capacity;
    a->used = 0;
    return a;
}

static void free_blocks(arena_block *block)
{
    while (block) {
        arena_block *next = block->next;
        free(block);
        block = next;
    }
}

void arena_free(arena *a)
{
    if (!a)
        return;
    free_blocks(a->first);
    free(a);
}

void arena_reset(arena *a)
{
    if (!a)
        return;
    free_blocks(a->first->next);
    a->first->next = NULL;
    a->first->offset = 0;
    a->current = a->first;
    a->reserved = a->first->capacity;
    a->used = 0;
}

/*
 * Appends a block that holds at least `need` bytes: twice the current block
 * so the number of blocks stays logarithmic, but never past the cap.
 */
static arena_block *grow(arena *a, size_t need)
{
    size_t room = ARENA_MAX_BYTES - a->reserved;
    if (need > room)
        return NULL;
    size_t capacity = a->current->capacity * 2;
    if (capacity < need)
        capacity = need;
    if (capacity > room)
        capacity = room;

    arena_block *block = block_new(capacity);
    if (!block)
        return NULL;
    a->current->next = block;
    a->current = block;
    a->reserved += capacity;
    return block;
}

void *arena_alloc(arena *a, size_t n)
{
    /* A zero-byte request still gets a distinct, valid pointer. */
    if (!a || n > ARENA_MAX_BYTES)
        return NULL;
    size_t need = round_up(n ? n : 1);

    arena_block *block = a->current;
    if (block->capacity - block->offset < need) {
        block = grow(a, need);
        if (!block)
            return NULL;
    }
    void *p = block->data + block->offset;
    block->offset += need;
    a->used += need;
    return p;
}

void *arena_calloc(arena *a, size_t n)
{
    void *p = arena_alloc(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    size_t len = strnlen(s, n);
    if (len == SIZE_MAX)
        return NULL;
    char *copy = arena_alloc(a, len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

char *arena_strdup(arena *a, const char *s)
{
    return arena_strndup(a, s, SIZE_MAX);
}

char *arena_vprintf(arena *a, const char *fmt, va_list ap)
{
    va_list measure;
    va_copy(measure, ap);
    int len = vsnprintf(NULL, 0, fmt, measure);
    va_end(measure);
    if (len < 0)
        return NULL;

    char *out = arena_alloc(a, (size_t)len + 1);
    if (!out)
        return NULL;
    vsnprintf(out, (size_t)len + 1, fmt, ap);
    return out;
}

char *arena_printf(arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return out;
}

size_t arena_used(const arena *a)
{
    return a ? a->used : 0;
}

char *arena_concat(arena *a, ...)
{
    va_list ap;
    size_t total = 0, n;
    const char *part;
    char *out, *at;

    va_start(ap, a);
    while ((part = va_arg(ap, const char *)))
        total += strlen(part);
    va_end(ap);
    if (!(out = at = arena_alloc(a, total + 1)))
        return NULL;
    va_start(ap, a);
    while ((part = va_arg(ap, const char *))) {
        n = strlen(part);
        memcpy(at, part, n);
        at += n;
    }
    va_end(ap);
    *at = '\0';
    return out;
}
