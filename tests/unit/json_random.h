/*
 * json_random.h - deterministic random JSON values for the tests that
 * compare jsonr and jsonw with jansson (a failure reproduces from its
 * seed).
 */
#ifndef CASESD_JSON_RANDOM_H
#define CASESD_JSON_RANDOM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t state;
} lcg;

uint32_t lcg_next(lcg *g);
uint32_t lcg_below(lcg *g, uint32_t n);
uint64_t lcg_next64(lcg *g);

/* How big and how varied the generated values are. */
typedef struct {
    int container_depth;   /* containers appear only above this depth */
    uint32_t max_children; /* per container, fewer than this */
    uint32_t max_chars;    /* per string or key, fewer than this */
    bool nul;              /* whether strings may hold U+0000 */
} json_shape;

/* Writes the UTF-8 of code to out (up to 4 bytes); returns its length. */
size_t put_utf8(char *out, uint32_t code);
/* Valid UTF-8 weighted toward what needs escaping; out holds 4 bytes a
 * character.  Returns its length. */
size_t random_text(lcg *g, const json_shape *shape, char *out);
/* Finite doubles from every corner: raw bit patterns, whole, decimal. */
double random_real(lcg *g);
json_int_t random_integer(lcg *g);
json_t *random_container(lcg *g, const json_shape *shape, int depth,
                         bool object);
json_t *random_value(lcg *g, const json_shape *shape, int depth);

/* json_dumps(v, flags) copied into malloc'd memory, freed with free(): the
 * server's allocator (util/jalloc.h) owns what json_dumps returns. */
char *dumps_copy(const json_t *v, size_t flags);

#endif
