/* test_jalloc.c - jansson's memory from a request's arena (util/jalloc.h). */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "util/arena.h"
#include "util/jalloc.h"

static json_t *small_document(void)
{
    return json_pack("{s:s, s:[i, f, b], s:{s:n}}", "title", "a case", "list",
                     1, 2.5, 1, "nested", "x");
}

TEST(jalloc_takes_json_from_the_arena_in_use)
{
    arena *a = arena_new(1024);
    size_t before;
    json_t *doc;

    CHECK(a);
    CHECK(jalloc_use(a) == NULL);
    before = arena_used(a);
    doc = small_document();
    CHECK(doc);
    CHECK(arena_used(a) > before);
    /* Values are usable as any other, and dropping them is harmless. */
    CHECK_STR(json_string_value(json_object_get(doc, "title")), "a case");
    json_decref(doc);
    CHECK(jalloc_use(NULL) == a);
    arena_free(a);
}

TEST(jalloc_uses_malloc_without_an_arena_and_for_large_blocks)
{
    arena *a = arena_new(1024);
    char big[8192];
    size_t before;
    json_t *doc, *text;
    char *block;

    CHECK(a);
    before = arena_used(a);
    doc = small_document(); /* no arena in use: from malloc */
    CHECK(doc);
    CHECK(jalloc_use(a) == NULL);
    CHECK_INT(arena_used(a), before);
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    text = json_string(big); /* its copy of the text is too large */
    CHECK(text);
    CHECK(arena_used(a) - before < 1024);
    json_decref(text);
    block = jalloc_malloc(sizeof big);
    CHECK(block);
    jalloc_use(NULL);
    arena_free(a);
    /* Both outlive the arena: neither came from it (the sanitizer build
     * would report a use of freed memory otherwise). */
    memset(block, 0, sizeof big);
    jalloc_free(block);
    CHECK_INT(json_object_size(doc), 3);
    json_decref(doc);
}

/* A write's input is parsed from the arena on the event thread and then
 * changed on an executor thread, which allocates from malloc: the mixed
 * tree is released before the arena, as request_free does. */
TEST(jalloc_mixed_trees_release_before_the_arena)
{
    arena *a = arena_new(1024);
    json_t *input, *outside;

    CHECK(a);
    jalloc_use(a);
    input = small_document();
    jalloc_use(NULL);
    CHECK(input);
    outside = json_pack("{s:O}", "input", input);
    CHECK(outside);
    for (int i = 0; i < 64; i++) { /* grows the arena's hashtable from malloc */
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        CHECK_INT(json_object_set_new(input, key, json_integer(i)), 0);
    }
    CHECK_INT(json_object_size(input), 67);
    json_decref(outside);
    json_decref(input);
    arena_free(a);
}

TEST(jalloc_frees_what_json_dumps_returns)
{
    arena *a = arena_new(1024);
    json_t *doc;
    char *text;

    CHECK(a);
    doc = small_document();
    text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK(text && strstr(text, "\"title\":\"a case\""));
    jalloc_free(text);
    jalloc_use(a);
    text = json_dumps(doc, JSON_COMPACT);
    CHECK(text);
    jalloc_free(text);
    jalloc_use(NULL);
    json_decref(doc);
    arena_free(a);
}

/* A request that drops many values one after another stops taking them
 * from its arena once a budget is used: past it, freed memory is reused. */
TEST(jalloc_arena_use_is_bounded)
{
    arena *a = arena_new(1024);

    CHECK(a);
    jalloc_use(a);
    for (int i = 0; i < 100000; i++) {
        json_t *v = json_pack("{s:s}", "comment", "a related item of some size");
        CHECK(v);
        json_decref(v);
    }
    jalloc_use(NULL);
    CHECK(arena_used(a) < 2u * 1024u * 1024u);
    arena_free(a);
}
