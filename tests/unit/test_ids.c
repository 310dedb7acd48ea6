/* test_ids.c - UUIDs, reference numbers and random bytes. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "util/ids.h"

static int is_lower_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* 36 characters: lower-case hex in groups of 8-4-4-4-12. */
static int is_uuid_text(const char *id)
{
    if (strlen(id) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? id[i] != '-' : !is_lower_hex(id[i]))
            return 0;
    }
    return 1;
}

TEST(ids_uuid_is_lower_case_version_4)
{
    char previous[ID_UUID_LEN] = "";
    for (int n = 0; n < 100; n++) {
        char id[ID_UUID_LEN];
        id_uuid(id);
        CHECK(is_uuid_text(id));
        CHECK_INT(id[14], '4');
        CHECK(strchr("89ab", id[19]));
        CHECK(strcmp(id, previous) != 0);
        memcpy(previous, id, sizeof id);
    }
}

/* The UUID's first 48 bits (12 hex digits around the first dash) as a
 * number. */
static long long uuid_millis(const char *id)
{
    char hex[13];

    memcpy(hex, id, 8);
    memcpy(hex + 8, id + 9, 4);
    hex[12] = '\0';
    return strtoll(hex, NULL, 16);
}

TEST(ids_time_ordered_uuid_is_version_7_and_sorts_by_time)
{
    /* 2026-11-29T04:30:00Z, and a millisecond that fills all 48 bits */
    static const long long times[] = {1795926600000LL, 1795926600001LL,
                                      1795926600999LL, 281474976710655LL};
    char previous[ID_UUID_LEN] = "";

    for (size_t t = 0; t < sizeof times / sizeof times[0]; t++) {
        char id[ID_UUID_LEN], same_ms[ID_UUID_LEN];
        id_uuid_time_ordered(id, times[t]);
        id_uuid_time_ordered(same_ms, times[t]);
        CHECK(is_uuid_text(id));
        CHECK_INT(id[14], '7');
        CHECK(strchr("89ab", id[19]));
        CHECK_INT(uuid_millis(id), times[t]);
        /* the same millisecond, different random bits */
        CHECK(strncmp(id, same_ms, 13) == 0);
        CHECK(strcmp(id, same_ms) != 0);
        CHECK(strcmp(previous, id) < 0);
        memcpy(previous, id, sizeof id);
    }
}

/* Eight digits: the first four the time in hundredths of a second modulo
 * 10,000, the last four random.  With 3000 draws each random position
 * shows all ten digits (miss odds ~1e-136). */
TEST(ids_reference_number_is_clock_then_random)
{
    /* 1234567890120-129 ms: tick 123456789012, modulo 10,000: 9012 */
    static const int64_t now = INT64_C(1234567890120);
    int seen[4][10] = {{0}};
    for (int n = 0; n < 3000; n++) {
        char ref[9];
        memset(ref, 'x', sizeof ref);
        id_reference_number(ref, now + n % 10);
        CHECK_INT(strlen(ref), 8);
        CHECK(strncmp(ref, "9012", 4) == 0);
        for (int i = 4; i < 8; i++) {
            CHECK(ref[i] >= '0' && ref[i] <= '9');
            seen[i - 4][ref[i] - '0'] = 1;
        }
    }
    for (int i = 0; i < 4; i++)
        for (int d = 0; d < 10; d++)
            CHECK(seen[i][d]);
}

/* Numbers minted later sort after earlier ones, a tick or more apart,
 * until the clock part wraps after 100 s; before the epoch it still
 * gives four digits. */
TEST(ids_reference_numbers_follow_the_clock)
{
    char previous[9] = "", ref[9];
    for (int64_t ms = INT64_C(1700000000000); ms < INT64_C(1700000000000) + 5000;
         ms += 10) {
        id_reference_number(ref, ms);
        if (ms / 10 % 10000 != 0)
            CHECK(strcmp(previous, ref) < 0);
        memcpy(previous, ref, sizeof ref);
    }
    id_reference_number(ref, INT64_C(1700000099999));
    CHECK(strncmp(ref, "9999", 4) == 0);
    id_reference_number(ref, INT64_C(1700000100000));
    CHECK(strncmp(ref, "0000", 4) == 0);
    id_reference_number(ref, -10);
    CHECK(strncmp(ref, "9999", 4) == 0);
    CHECK_INT(strlen(ref), 8);
}

TEST(ids_random_bytes)
{
    unsigned char first[32], second[32], zero[32] = {0};
    CHECK_INT(id_random_bytes(first, 0), 0);
    CHECK_INT(id_random_bytes(first, sizeof first), 0);
    CHECK_INT(id_random_bytes(second, sizeof second), 0);
    CHECK(memcmp(first, zero, sizeof first) != 0);
    CHECK(memcmp(first, second, sizeof first) != 0);
}

static int compare_ids(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Ids come from a per-thread buffer of random bytes: across many refills,
 * with reference numbers taking 4 bytes in between so that takes straddle
 * the buffer's end, no two ids share their bytes. */
TEST(ids_uuids_stay_distinct_across_refills)
{
    enum { COUNT = 5000 };
    char (*ids)[ID_UUID_LEN] = calloc(COUNT, ID_UUID_LEN);
    CHECK(ids);
    for (int n = 0; n < COUNT; n++) {
        char ref[9];
        id_uuid(ids[n]);
        if (n % 3 == 0)
            id_reference_number(ref, n);
    }
    qsort(ids, COUNT, ID_UUID_LEN, compare_ids);
    for (int n = 1; n < COUNT; n++)
        CHECK(strcmp(ids[n - 1], ids[n]) != 0);
    free(ids);
}
