/*
 * token.h - opaque, tamper-evident pagination tokens.
 *
 * A token carries a position (what the next page starts after) bound to a
 * context (operation, account, region, parent resource, query digest).  It
 * is base64url(version | position | HMAC-SHA256(key, context | position)).
 * Decoding with another context, or a token whose bytes were altered, fails,
 * so a token cannot be forged or replayed against another listing.
 */
#ifndef CASESD_TOKEN_H
#define CASESD_TOKEN_H

#include <stddef.h>

#include "util/arena.h"

#define TOKEN_KEY_LEN 32
#define TOKEN_MAX_POSITION 2048

typedef struct {
    unsigned char key[TOKEN_KEY_LEN];
} token_codec;

void token_codec_init(token_codec *codec, const unsigned char key[TOKEN_KEY_LEN]);
/* Arena-owned token for position within context; NULL on allocation failure. */
char *token_encode(const token_codec *codec, arena *a, const char *context,
                   const char *position);
/*
 * Verifies token against context and returns its position (arena-owned) in
 * *position.  Returns 0, or -1 when the token is malformed, forged or was
 * issued for another context.
 */
int token_decode(const token_codec *codec, arena *a, const char *context,
                 const char *token, const char **position);

#endif
