/*
 * timeutil.h - wall-clock time in milliseconds and its ISO-8601 forms.
 *
 * The API speaks ISO-8601 UTC with milliseconds ("2026-11-28T05:54:49.123Z");
 * the store keeps int64 milliseconds since the Unix epoch.
 */
#ifndef CASESD_TIMEUTIL_H
#define CASESD_TIMEUTIL_H

#include <stdint.h>

#define TIME_ISO_LEN 32

int64_t time_now_ms(void);
/* Monotonic clock in nanoseconds, for latencies. */
int64_t time_mono_ns(void);
/* Writes "YYYY-MM-DDTHH:MM:SS.mmmZ" (24 chars + NUL) into out. */
void time_format_iso(int64_t ms, char out[TIME_ISO_LEN]);
/*
 * Parses an ISO-8601 / RFC 3339 date-time with a 'Z' or +hh:mm/-hh:mm
 * offset and an optional fraction of a second (extra digits are truncated
 * to milliseconds).  A date-only "YYYY-MM-DD" is midnight UTC.  Returns 0 and
 * sets *ms, or -1 when s is not such a date-time or names an impossible day.
 */
int time_parse_iso(const char *s, int64_t *ms);

#endif
