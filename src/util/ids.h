/* ids.h - identifiers the server mints: UUIDs and case reference numbers. */
#ifndef CASESD_IDS_H
#define CASESD_IDS_H

#include <stddef.h>
#include <stdint.h>

#define ID_UUID_LEN 37 /* 36 characters + NUL */

/* A random (version 4) lower-case UUID. */
void id_uuid(char out[ID_UUID_LEN]);
/* A lower-case version 7 UUID: now_ms (Unix milliseconds) in its first 48
 * bits, random after; ids minted later sort after earlier ones, except
 * within one millisecond. */
void id_uuid_time_ordered(char out[ID_UUID_LEN], int64_t now_ms);
/* An 8-digit decimal reference number minted at now_ms (Unix
 * milliseconds), not unique, as on AWS: its first four digits are the
 * hundredth of a second modulo 10,000 (they repeat every 100 s), its last
 * four random. */
void id_reference_number(char out[9], int64_t now_ms);
/* Fills buf with n cryptographically random bytes; -1 on failure. */
int id_random_bytes(unsigned char *buf, size_t n);

#endif
