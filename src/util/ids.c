/*
 * ids.c - identifiers the server mints, all from a cryptographic source so
 * that one caller cannot predict another's resource ids.
 */
#include <stddef.h> /* ids.h uses size_t but does not include it */

#include "util/ids.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <uuid/uuid.h>

#define REFERENCE_DIGITS 8
/*
 * A reference number is a clock part followed by a random part, each of
 * REFERENCE_HALF (10^4) values.  Every case's number is filed in the
 * search index of its domain's reference_number field, and a wholly
 * random number landed each new case on a random leaf of that index: a
 * page per case to read back, write to the log and checkpoint, about 15%
 * of a CreateCase batch's log.  Numbers minted within the same 10 ms share
 * their first four digits, so a batch's land on a leaf or two.  A number
 * grants nothing (reading a case takes its id and the caller's rights),
 * so being partly predictable costs nothing.
 */
#define REFERENCE_HALF UINT32_C(10000)
#define REFERENCE_TICK_MS 10
/*
 * The largest multiple of REFERENCE_HALF that fits in 32 bits: draws at or
 * above it are thrown away so every random part is equally likely.
 */
#define REFERENCE_LIMIT (UINT32_C(4294967295) - UINT32_C(4294967295) % REFERENCE_HALF)

/* Random bytes for ids come from a per-thread buffer that OpenSSL's
 * generator fills RANDOM_BUFFER bytes at a time: a call of RAND_bytes
 * costs some 7,000 instructions whatever it is asked for, and every
 * request mints at least its request id. */
#define RANDOM_BUFFER 512

static _Thread_local struct {
    unsigned char bytes[RANDOM_BUFFER];
    size_t used; /* bytes handed out since the last fill */
} ids_random = {.used = RANDOM_BUFFER};

/* n (at most RANDOM_BUFFER) bytes never handed out before; -1 when the
 * generator fails. */
static int take_random(unsigned char *out, size_t n)
{
    if (RANDOM_BUFFER - ids_random.used < n) {
        if (RAND_bytes(ids_random.bytes, RANDOM_BUFFER) != 1)
            return -1;
        ids_random.used = 0;
    }
    memcpy(out, ids_random.bytes + ids_random.used, n);
    OPENSSL_cleanse(ids_random.bytes + ids_random.used, n);
    ids_random.used += n;
    return 0;
}

/*
 * Version 4 UUIDs from OpenSSL's user-space generator: libuuid's own
 * generator re-seeds and reads the kernel on every call, which showed in
 * profiles of a server that mints an id per request.
 */
void id_uuid(char out[ID_UUID_LEN])
{
    uuid_t uuid;

    if (take_random(uuid, sizeof uuid) != 0) {
        uuid_generate_random(uuid);
    } else {
        uuid[6] = (unsigned char)((uuid[6] & 0x0f) | 0x40); /* version 4 */
        uuid[8] = (unsigned char)((uuid[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    }
    uuid_unparse_lower(uuid, out);
}

/*
 * Version 7: the first 48 bits are the Unix time in milliseconds, the
 * other 74 (besides version and variant) random.  Ids minted in the same
 * stretch of time sort together, so an index on them grows at one end
 * instead of changing a page at random for every new row; 74 random bits
 * still keep one caller from guessing another's ids.
 */
void id_uuid_time_ordered(char out[ID_UUID_LEN], int64_t now_ms)
{
    uuid_t uuid;
    uint64_t ms = now_ms > 0 ? (uint64_t)now_ms : 0;

    if (take_random(uuid, sizeof uuid) != 0)
        uuid_generate_random(uuid);
    for (int i = 0; i < 6; i++)
        uuid[i] = (unsigned char)(ms >> (40 - 8 * i));
    uuid[6] = (unsigned char)((uuid[6] & 0x0f) | 0x70); /* version 7 */
    uuid[8] = (unsigned char)((uuid[8] & 0x3f) | 0x80); /* RFC 9562 variant */
    uuid_unparse_lower(uuid, out);
}

int id_random_bytes(unsigned char *buf, size_t n)
{
    /* RAND_bytes takes an int, so very large requests go in slices. */
    while (n > 0) {
        int chunk = n > INT_MAX ? INT_MAX : (int)n;
        if (RAND_bytes(buf, chunk) != 1)
            return -1;
        buf += chunk;
        n -= (size_t)chunk;
    }
    return 0;
}

/*
 * The signature has no way to report failure, and the random part of a
 * reference number from a broken source would be guessable, so failure is
 * fatal.
 */
static uint32_t random_below_limit(void)
{
    for (;;) {
        unsigned char bytes[4];
        if (take_random(bytes, sizeof bytes) != 0) {
            fputs("casesd: random source failed\n", stderr);
            abort();
        }
        uint32_t draw = (uint32_t)bytes[0] << 24 | (uint32_t)bytes[1] << 16 |
                        (uint32_t)bytes[2] << 8 | (uint32_t)bytes[3];
        if (draw < REFERENCE_LIMIT)
            return draw;
    }
}

void id_reference_number(char out[9], int64_t now_ms)
{
    int64_t ticks = now_ms / REFERENCE_TICK_MS % (int64_t)REFERENCE_HALF;
    uint32_t clock_part = (uint32_t)(ticks < 0 ? ticks + REFERENCE_HALF : ticks);
    uint32_t value = clock_part * REFERENCE_HALF +
                     random_below_limit() % REFERENCE_HALF;
    for (int i = REFERENCE_DIGITS - 1; i >= 0; i--) {
        out[i] = (char)('0' + value % 10);
        value /= 10;
    }
    out[REFERENCE_DIGITS] = '\0';
}
