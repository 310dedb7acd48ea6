/* test_token.c - pagination tokens: round trips, limits and tampering. */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "test.h"
#include "util/arena.h"
#include "util/token.h"

#define API_TOKEN_MAX 9000

static const char *const context = "ListCases|123456789012|us-east-1|dom-1|q=abc";

static void make_codec(token_codec *codec, unsigned char fill)
{
    unsigned char key[TOKEN_KEY_LEN];
    memset(key, fill, sizeof key);
    for (int i = 0; i < TOKEN_KEY_LEN; i++)
        key[i] ^= (unsigned char)(i * 7);
    token_codec_init(codec, key);
}

/* Base64url without padding, built on the standard encoder. */
static char *to_b64url(arena *a, const unsigned char *raw, size_t n)
{
    char *text = arena_alloc(a, (n + 2) / 3 * 4 + 1);
    if (!text)
        return NULL;
    EVP_EncodeBlock((unsigned char *)text, raw, (int)n);
    for (char *p = text; *p; p++) {
        if (*p == '+')
            *p = '-';
        else if (*p == '/')
            *p = '_';
        else if (*p == '=')
            *p = '\0';
    }
    return text;
}

/*
 * Builds a token by hand: version byte, position, then mac_len bytes of
 * the genuine MAC, so each rejection can be hit with an otherwise valid MAC.
 */
static char *forge(arena *a, const token_codec *codec, unsigned char version,
                   const char *ctx, const char *position, size_t mac_len)
{
    unsigned char message[8192], raw[8192], mac[32];
    unsigned int got = 0;
    size_t clen = strlen(ctx), plen = strlen(position);
    if (clen + 1 + plen > sizeof message || 1 + plen + mac_len > sizeof raw)
        return NULL;
    memcpy(message, ctx, clen);
    message[clen] = 0;
    memcpy(message + clen + 1, position, plen);
    if (!HMAC(EVP_sha256(), codec->key, TOKEN_KEY_LEN, message, clen + 1 + plen,
              mac, &got))
        return NULL;
    raw[0] = version;
    memcpy(raw + 1, position, plen);
    memcpy(raw + 1 + plen, mac, mac_len);
    return to_b64url(a, raw, 1 + plen + mac_len);
}

static char *repeat(arena *a, char c, size_t n)
{
    char *s = arena_alloc(a, n + 1);
    if (s) {
        memset(s, c, n);
        s[n] = '\0';
    }
    return s;
}

TEST(token_round_trips)
{
    token_codec codec;
    make_codec(&codec, 0x5A);
    arena *a = arena_new(0);
    CHECK(a);
    const char *positions[] = {
        "", "a", "42", "case/2026-01-01T00:00:00.000Z/abc", "ünïcødé ✓",
        "with spaces and | pipes", repeat(a, 'p', TOKEN_MAX_POSITION),
        repeat(a, '\xff', TOKEN_MAX_POSITION),
    };
    for (size_t i = 0; i < sizeof positions / sizeof positions[0]; i++) {
        CHECK(positions[i]);
        char *token = token_encode(&codec, a, context, positions[i]);
        CHECK(token);
        CHECK(strlen(token) <= API_TOKEN_MAX);
        for (const char *p = token; *p; p++)
            CHECK(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                         "0123456789-_", *p));
        const char *back = NULL;
        CHECK_INT(token_decode(&codec, a, context, token, &back), 0);
        CHECK_STR(back, positions[i]);
    }
    arena_free(a);
}

TEST(token_longest_fits_the_api_limit)
{
    token_codec codec;
    make_codec(&codec, 1);
    arena *a = arena_new(0);
    CHECK(a);
    for (size_t len = 0; len <= TOKEN_MAX_POSITION; len += 1 + len / 3) {
        char *token = token_encode(&codec, a, context, repeat(a, 'z', len));
        CHECK(token);
        CHECK(strlen(token) <= API_TOKEN_MAX);
    }
    char *longest = token_encode(&codec, a, context, repeat(a, 'z', TOKEN_MAX_POSITION));
    CHECK(longest);
    CHECK(strlen(longest) <= API_TOKEN_MAX);
    CHECK(token_encode(&codec, a, context, repeat(a, 'z', TOKEN_MAX_POSITION + 1)) == NULL);
    arena_free(a);
}

TEST(token_is_deterministic)
{
    token_codec codec;
    make_codec(&codec, 9);
    arena *a = arena_new(0);
    CHECK(a);
    CHECK_STR(token_encode(&codec, a, context, "pos"),
              token_encode(&codec, a, context, "pos"));
    CHECK(strcmp(token_encode(&codec, a, context, "pos"),
                 token_encode(&codec, a, context, "pot")) != 0);
    arena_free(a);
}

/* Changing any one character to any other alphabet character is caught. */
TEST(token_every_single_character_tamper_is_rejected)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    token_codec codec;
    make_codec(&codec, 3);
    arena *a = arena_new(0);
    CHECK(a);
    const char *positions[] = {"", "x", "xy", "next-page-after/7"};
    for (size_t p = 0; p < sizeof positions / sizeof positions[0]; p++) {
        char *token = token_encode(&codec, a, context, positions[p]);
        CHECK(token);
        size_t len = strlen(token);
        for (size_t i = 0; i < len; i++) {
            char original = token[i];
            for (const char *c = alphabet; *c; c++) {
                if (*c == original)
                    continue;
                token[i] = *c;
                const char *out = "unchanged";
                if (token_decode(&codec, a, context, token, &out) != -1) {
                    test_fail(__FILE__, __LINE__, "accepted %s", token);
                    arena_free(a);
                    return;
                }
                CHECK_STR(out, "unchanged");
            }
            token[i] = original;
        }
        arena_reset(a);
    }
    arena_free(a);
}

TEST(token_bound_to_context_and_key)
{
    token_codec codec, other_key;
    make_codec(&codec, 7);
    make_codec(&other_key, 8);
    arena *a = arena_new(0);
    CHECK(a);
    const char *out = NULL;
    char *token = token_encode(&codec, a, "ab", "c");
    CHECK(token);
    CHECK_INT(token_decode(&codec, a, "ab", token, &out), 0);
    CHECK_STR(out, "c");
    CHECK_INT(token_decode(&codec, a, "a", token, &out), -1);
    CHECK_INT(token_decode(&codec, a, "abc", token, &out), -1);
    CHECK_INT(token_decode(&codec, a, "ab ", token, &out), -1);
    CHECK_INT(token_decode(&codec, a, "", token, &out), -1);
    CHECK_INT(token_decode(&other_key, a, "ab", token, &out), -1);
    arena_free(a);
}

TEST(token_rejects_malformed)
{
    token_codec codec;
    make_codec(&codec, 2);
    arena *a = arena_new(0);
    CHECK(a);
    char *good = token_encode(&codec, a, context, "abcd");
    CHECK(good);
    const char *out = NULL;
    CHECK_INT(token_decode(&codec, a, context, good, &out), 0);

    const char *bad[] = {
        "",
        "A",
        "AAAA",
        arena_printf(a, "%s=", good),           /* padding */
        arena_printf(a, "%s==", good),
        arena_printf(a, "%sA", good),            /* one extra character */
        arena_printf(a, "%.*s", (int)strlen(good) - 1, good), /* truncated */
        arena_printf(a, " %s", good),
        arena_printf(a, "%s\n", good),
        arena_printf(a, "+%s", good + 1),        /* standard alphabet */
        arena_printf(a, "/%s", good + 1),
        arena_printf(a, "%.4s.%s", good, good + 5),
        repeat(a, 'A', API_TOKEN_MAX + 1),
        repeat(a, 'A', 2776),                    /* past the longest token */
        /* Valid MAC, but one of: wrong version, short MAC, no MAC. */
        forge(a, &codec, 0x02, context, "abcd", 32),
        forge(a, &codec, 0x00, context, "abcd", 32),
        forge(a, &codec, '1', context, "abcd", 32),
        forge(a, &codec, 0x01, context, "abcd", 31),
        forge(a, &codec, 0x01, context, "abcd", 16),
        forge(a, &codec, 0x01, context, "", 0),
        forge(a, &codec, 0x01, context, "", 16),
        /* A genuine MAC over a position longer than the maximum. */
        forge(a, &codec, 0x01, context, repeat(a, 'q', TOKEN_MAX_POSITION + 1), 32),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(bad[i]);
        out = "unchanged";
        if (token_decode(&codec, a, context, bad[i], &out) != -1) {
            test_fail(__FILE__, __LINE__, "accepted bad[%zu]", i);
            arena_free(a);
            return;
        }
        CHECK_STR(out, "unchanged");
    }
    CHECK_INT(token_decode(&codec, a, context, NULL, &out), -1);
    arena_free(a);
}

/* The hand-built encoding matches, so the format is exactly as documented. */
TEST(token_layout_is_version_position_mac)
{
    token_codec codec;
    make_codec(&codec, 4);
    arena *a = arena_new(0);
    CHECK(a);
    const char *positions[] = {"", "p", "page/2", repeat(a, 'r', TOKEN_MAX_POSITION)};
    for (size_t i = 0; i < sizeof positions / sizeof positions[0]; i++) {
        char *ours = token_encode(&codec, a, context, positions[i]);
        char *by_hand = forge(a, &codec, 0x01, context, positions[i], 32);
        CHECK_STR(ours, by_hand);
    }
    arena_free(a);
}
