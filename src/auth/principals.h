/*
 * principals.h - the callers casesd knows: access keys, their secrets, and
 * who they are (docs/credentials.md describes the file).
 *
 * The credentials file is read and checked once at start-up; a mistake is
 * reported as "FILE:LINE: what is wrong" and casesd does not start.  The
 * loaded set is immutable and shared by every request thread; lookups by
 * access key id are a binary search over an array sorted once at load.
 * Error messages name the faulty column but never quote its value, so a
 * secret typed into the wrong column cannot reach a log.
 */
#ifndef CASESD_PRINCIPALS_H
#define CASESD_PRINCIPALS_H

#include <stddef.h>

#define PRINCIPALS_FILE_MAX (4u * 1024u * 1024u) /* bytes of the whole file */
#define PRINCIPALS_LINE_MAX 4096                 /* bytes of one line */
#define PRINCIPALS_MAX 65536                     /* principals in one file */
#define PRINCIPAL_AKID_MAX 128                   /* = SIGV4_AKID_MAX */
#define PRINCIPAL_SECRET_MAX 256                 /* = SIGV4_SECRET_MAX */
#define PRINCIPAL_ARN_MAX 2048

/* One caller.  Every string is owned by the principals set it came from. */
typedef struct principal {
    const char *access_key_id;
    const char *secret_key;       /* never log or echo this */
    const char *account_id;       /* 12 digits */
    const char *arn;              /* IAM ARN, reported as iamPrincipalArn */
    const char *connect_user_arn; /* Connect user it acts as, or NULL */
    int line;                     /* where it was defined in the file */
} principal;

typedef struct principals principals;

/*
 * Reads and checks the credentials file at path.  Returns the set (free
 * with principals_free), or NULL with "path:LINE: message" (or a message
 * about the file as a whole) in err.
 */
principals *principals_load(const char *path, char *err, size_t errlen);

/*
 * The same from text[0..len) already in memory; name is what error
 * messages call the source.  The set keeps its own copy of the text.
 */
principals *principals_parse(const char *text, size_t len, const char *name,
                             char *err, size_t errlen);

/* The principal with this access key id, or NULL.  Thread-safe. */
const principal *principals_find(const principals *set,
                                 const char *access_key_id);

size_t principals_count(const principals *set);

/* Wipes the secrets and frees the set; NULL is ignored. */
void principals_free(principals *set);

#endif
