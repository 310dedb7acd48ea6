/* test_arena.c - the per-request bump allocator. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "util/arena.h"

static int is_aligned(const void *p)
{
    return ((uintptr_t)p & 15u) == 0;
}

TEST(arena_allocations_are_aligned_and_disjoint)
{
    enum { COUNT = 200 };
    unsigned char *blocks[COUNT];
    arena *a = arena_new(256);
    CHECK(a);
    /* Sizes 1..200 overflow the first block several times. */
    for (int i = 0; i < COUNT; i++) {
        blocks[i] = arena_alloc(a, (size_t)i + 1);
        CHECK(blocks[i]);
        CHECK(is_aligned(blocks[i]));
        memset(blocks[i], i, (size_t)i + 1);
    }
    for (int i = 0; i < COUNT; i++)
        for (int j = 0; j <= i; j++)
            CHECK_INT(blocks[i][j], i);
    arena_free(a);
}

TEST(arena_zero_byte_allocation_is_distinct)
{
    arena *a = arena_new(0);
    CHECK(a);
    void *first = arena_alloc(a, 0);
    void *second = arena_alloc(a, 0);
    CHECK(first && second && first != second);
    arena_free(a);
}

TEST(arena_used_counts_rounded_sizes)
{
    static const struct {
        size_t request;
        size_t used_after;
    } cases[] = {{1, 16}, {16, 32}, {17, 64}, {0, 80}, {100, 192}};
    arena *a = arena_new(64);
    CHECK(a);
    CHECK_INT(arena_used(a), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK(arena_alloc(a, cases[i].request));
        CHECK_INT(arena_used(a), cases[i].used_after);
    }
    arena_free(a);
}

TEST(arena_reset_reuses_first_block)
{
    arena *a = arena_new(1024);
    CHECK(a);
    unsigned char *first = arena_alloc(a, 100);
    CHECK(first);
    memset(first, 0xFF, 100);
    for (int i = 0; i < 100; i++)
        CHECK(arena_alloc(a, 1000)); /* spill into later blocks */
    arena_reset(a);
    CHECK_INT(arena_used(a), 0);
    unsigned char *again = arena_calloc(a, 100);
    CHECK(again == first);
    for (int i = 0; i < 100; i++)
        CHECK_INT(again[i], 0);
    arena_free(a);
}

TEST(arena_refuses_past_the_cap)
{
    arena *a = arena_new(4096);
    CHECK(a);
    CHECK(arena_alloc(a, ARENA_MAX_BYTES + 1) == NULL);
    CHECK(arena_alloc(a, SIZE_MAX) == NULL);
    /* Request 1 MiB at a time until refused; the total stays under the cap. */
    size_t got = 0;
    while (arena_alloc(a, 1u << 20))
        got += 1u << 20;
    CHECK(got > 0);
    CHECK(got <= ARENA_MAX_BYTES);
    CHECK(arena_used(a) <= ARENA_MAX_BYTES);
    /* After a reset the arena is usable again. */
    arena_reset(a);
    CHECK(arena_alloc(a, 1u << 20));
    arena_free(a);
}

TEST(arena_single_allocation_up_to_the_cap)
{
    arena *a = arena_new(16);
    CHECK(a);
    void *big = arena_alloc(a, ARENA_MAX_BYTES / 2);
    CHECK(big);
    CHECK(is_aligned(big));
    arena_free(a);
    arena_free(NULL);
}

TEST(arena_oversized_first_block_is_clamped)
{
    arena *a = arena_new(SIZE_MAX);
    CHECK(a);
    CHECK(arena_alloc(a, 10));
    arena_free(a);
}

TEST(arena_string_copies)
{
    static const struct {
        const char *source;
        size_t limit;
        const char *want;
    } cases[] = {
        {"", 0, ""},
        {"hello", 0, ""},
        {"hello", 3, "hel"},
        {"hello", 5, "hello"},
        {"hello", 99, "hello"}, /* stops at the NUL, not at the limit */
    };
    arena *a = arena_new(0);
    CHECK(a);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK_STR(arena_strndup(a, cases[i].source, cases[i].limit), cases[i].want);
    const char *original = "a longer string";
    char *copy = arena_strdup(a, original);
    CHECK_STR(copy, original);
    CHECK(copy != original);
    CHECK(is_aligned(copy));
    CHECK(arena_strdup(a, NULL) == NULL);
    arena_free(a);
}

TEST(arena_printf_formats_and_grows)
{
    arena *a = arena_new(256);
    CHECK(a);
    CHECK_STR(arena_printf(a, "%s-%d-%05.1f", "x", 42, 3.14159), "x-42-003.1");
    CHECK_STR(arena_printf(a, "%s", ""), "");
    /* Longer than the first block, so it needs a new one. */
    char *wide = arena_printf(a, "%5000d", 7);
    CHECK(wide);
    CHECK_INT(strlen(wide), 5000);
    CHECK_INT(wide[4999], '7');
    CHECK_INT(wide[0], ' ');
    arena_free(a);
}

TEST(arena_concat_joins_until_null)
{
    arena *a = arena_new(16);
    char *s;

    CHECK(a);
    s = arena_concat(a, "arn:", "", "aws", ":cases:", "us-east-1", (char *)NULL);
    CHECK_STR(s, "arn:aws:cases:us-east-1");
    CHECK_STR(arena_concat(a, (char *)NULL), "");
    s = arena_concat(a, "x", (char *)NULL);
    CHECK_STR(s, "x");
    arena_free(a);
}
