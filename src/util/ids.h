/* ids.h - identifiers the server mints: UUIDs and case reference numbers. */
#ifndef CASESD_IDS_H
#define CASESD_IDS_H

#include <stddef.h>

#define ID_UUID_LEN 37 /* 36 characters + NUL */

/* A random (version 4) lower-case UUID. */
void id_uuid(char out[ID_UUID_LEN]);
/* An 8-digit decimal reference number (not unique, as on AWS). */
void id_reference_number(char out[9]);
/* Fills buf with n cryptographically random bytes; -1 on failure. */
int id_random_bytes(unsigned char *buf, size_t n);

#endif
