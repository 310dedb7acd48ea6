/*
 * token.c - pagination tokens that clients carry but cannot read or forge.
 *
 * Raw layout: one version byte, the position bytes, then the full 32-byte
 * HMAC-SHA256 of (context || 0x00 || position).  The whole is base64url
 * without padding.  The NUL separator keeps ("ab", "c") and ("a", "bc")
 * from sharing a MAC, since contexts are C strings and cannot contain NUL.
 */
#include "util/token.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>

/* The MAC is HMAC-SHA256 under a 32-byte key whose prepared pad states
 * each thread keeps: OpenSSL 3's one-shot HMAC looked up its algorithms
 * and built its contexts anew for every token, some 5% of a SearchCases. */
#include "util/sha256.h"

#define TOKEN_VERSION 0x01
#define TOKEN_MAC_LEN SHA256_DIGEST_LEN
_Static_assert(TOKEN_KEY_LEN == SHA256_KEPT_KEY_LEN,
               "the MAC key is one whose states are kept");
#define TOKEN_RAW_MIN (1 + TOKEN_MAC_LEN)
#define TOKEN_RAW_MAX (1 + TOKEN_MAX_POSITION + TOKEN_MAC_LEN)

/* Characters needed for n bytes of unpadded base64. */
#define B64_LEN(n) ((n) / 3 * 4 + ((n) % 3 ? (n) % 3 + 1 : 0))
#define TOKEN_TEXT_MIN B64_LEN(TOKEN_RAW_MIN)
#define TOKEN_TEXT_MAX B64_LEN(TOKEN_RAW_MAX)

/* The API caps nextToken at 9000 characters. */
_Static_assert(TOKEN_TEXT_MAX <= 9000, "longest token exceeds the API limit");

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void token_codec_init(token_codec *codec, const unsigned char key[TOKEN_KEY_LEN])
{
    memcpy(codec->key, key, TOKEN_KEY_LEN);
}

static void b64url_encode(const unsigned char *in, size_t n, char *out)
{
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *out++ = b64url_alphabet[v >> 18];
        *out++ = b64url_alphabet[(v >> 12) & 63];
        *out++ = b64url_alphabet[(v >> 6) & 63];
        *out++ = b64url_alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        *out++ = b64url_alphabet[v >> 18];
        *out++ = b64url_alphabet[(v >> 12) & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        *out++ = b64url_alphabet[v >> 18];
        *out++ = b64url_alphabet[(v >> 12) & 63];
        *out++ = b64url_alphabet[(v >> 6) & 63];
    }
    *out = '\0';
}

static int b64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

/*
 * Decodes len characters into out (room for len * 3 / 4 bytes).  Only the
 * canonical encoding is accepted: unused low bits of the last character
 * must be zero, or two different strings would decode to the same token.
 */
static bool b64url_decode(const char *in, size_t len, unsigned char *out,
                          size_t *out_len)
{
    if (len % 4 == 1)
        return false;
    uint32_t bits = 0;
    int nbits = 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64url_value((unsigned char)in[i]);
        if (v < 0)
            return false;
        bits = (bits << 6 | (uint32_t)v) & 0xFFFFFF;
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            out[n++] = (unsigned char)(bits >> nbits);
        }
    }
    if (bits & ((UINT32_C(1) << nbits) - 1))
        return false;
    *out_len = n;
    return true;
}

/* HMAC over context || 0x00 || position; the message is built in the arena. */
static bool compute_mac(const token_codec *codec, arena *a, const char *context,
                        const unsigned char *position, size_t position_len,
                        unsigned char mac[TOKEN_MAC_LEN])
{
    size_t context_len = strlen(context);
    if (context_len > ARENA_MAX_BYTES)
        return false;
    size_t message_len = context_len + 1 + position_len;
    unsigned char *message = arena_alloc(a, message_len);
    if (!message)
        return false;
    memcpy(message, context, context_len);
    message[context_len] = 0x00;
    memcpy(message + context_len + 1, position, position_len);

    return hmac_sha256_kept(codec->key, message, message_len, mac) == 0;
}

/* A position longer than TOKEN_MAX_POSITION is refused with NULL too. */
char *token_encode(const token_codec *codec, arena *a, const char *context,
                   const char *position)
{
    unsigned char raw[TOKEN_RAW_MAX];
    if (!codec || !context || !position)
        return NULL;
    size_t position_len = strlen(position);
    if (position_len > TOKEN_MAX_POSITION)
        return NULL;

    raw[0] = TOKEN_VERSION;
    memcpy(raw + 1, position, position_len);
    size_t raw_len = 1 + position_len + TOKEN_MAC_LEN;
    if (!compute_mac(codec, a, context, raw + 1, position_len,
                     raw + 1 + position_len))
        return NULL;

    char *text = arena_alloc(a, B64_LEN(raw_len) + 1);
    if (!text)
        return NULL;
    b64url_encode(raw, raw_len, text);
    return text;
}

int token_decode(const token_codec *codec, arena *a, const char *context,
                 const char *token, const char **position)
{
    unsigned char raw[TOKEN_RAW_MAX];
    unsigned char expected[TOKEN_MAC_LEN];
    size_t raw_len = 0;

    if (!codec || !context || !token || !position)
        return -1;
    /* Bounding the text first bounds raw_len to the buffer above. */
    size_t text_len = strnlen(token, TOKEN_TEXT_MAX + 1);
    if (text_len < TOKEN_TEXT_MIN || text_len > TOKEN_TEXT_MAX)
        return -1;
    if (!b64url_decode(token, text_len, raw, &raw_len))
        return -1;
    if (raw_len < TOKEN_RAW_MIN || raw_len > TOKEN_RAW_MAX || raw[0] != TOKEN_VERSION)
        return -1;

    size_t position_len = raw_len - TOKEN_RAW_MIN;
    const unsigned char *position_bytes = raw + 1;
    if (!compute_mac(codec, a, context, position_bytes, position_len, expected))
        return -1;
    if (CRYPTO_memcmp(expected, position_bytes + position_len, TOKEN_MAC_LEN) != 0)
        return -1;

    char *copy = arena_strndup(a, (const char *)position_bytes, position_len);
    if (!copy || strlen(copy) != position_len)
        return -1;
    *position = copy;
    return 0;
}
