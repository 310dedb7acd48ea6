/*
 * reply_cache.h - finished response bodies of reads that only change when
 * something writes, kept so a repeated read skips the store and JSON work.
 *
 * Which operations may be cached, and which writes make a cached body
 * stale, is the API layer's decision (api_mark_cached); this module only
 * keeps bodies and knows nothing of operations.
 *
 * Staleness is an epoch, not a per-entry invalidation: every write that
 * may change a cacheable answer calls reply_cache_invalidate() after its
 * transaction committed and before it is answered, and an entry is served
 * only while the epoch it was filled under is still the current one.  A
 * reader takes the epoch (reply_cache_epoch) before it reads the store, so
 * a body built from data older than a commit is tagged with an epoch that
 * the commit's invalidation has already retired, or soon will: it is never
 * served after the writer was answered.
 *
 * This is correct only while every write to the store goes through this
 * process, which the SQLite store guarantees with its lock file.
 *
 * Thread-safe: event threads read, event and write threads fill.  Memory
 * is bounded by the byte budget given to reply_cache_new; a body that does
 * not fit is simply not kept.
 */
#ifndef CASESD_REPLY_CACHE_H
#define CASESD_REPLY_CACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct reply_cache reply_cache;

/* NULL on allocation failure.  max_bytes bounds keys plus bodies. */
reply_cache *reply_cache_new(size_t max_bytes);
void reply_cache_free(reply_cache *rc);

/* The current epoch: take it before reading what the body is built from. */
uint64_t reply_cache_epoch(const reply_cache *rc);
/* Retires every entry kept so far. */
void reply_cache_invalidate(reply_cache *rc);

/*
 * The body kept for key under the current epoch, as a malloc'd copy the
 * caller owns (*len set), or NULL when there is none.
 */
char *reply_cache_get(reply_cache *rc, const char *key, size_t key_len,
                      size_t *len);
/* Keeps body for key, tagged with epoch (taken before the store was read). */
void reply_cache_put(reply_cache *rc, const char *key, size_t key_len,
                     uint64_t epoch, const char *body, size_t len);

#endif
