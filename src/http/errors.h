/*
 * errors.h - the one registry of error codes a request can end with.
 *
 * Each code maps to the AWS exception name sent in x-amzn-ErrorType and to
 * its HTTP status.  Handlers never write error bodies themselves: they call
 * api_fail()/api_not_found() (api/api.h) and the reply layer renders it.
 */
#ifndef CASESD_ERRORS_H
#define CASESD_ERRORS_H

typedef enum {
    ERR_NONE = 0,
    ERR_VALIDATION,          /* 400 ValidationException */
    ERR_ACCESS_DENIED,       /* 403 AccessDeniedException */
    ERR_NOT_FOUND,           /* 404 ResourceNotFoundException */
    ERR_CONFLICT,            /* 409 ConflictException */
    ERR_QUOTA,               /* 402 ServiceQuotaExceededException */
    ERR_THROTTLING,          /* 429 ThrottlingException */
    ERR_INTERNAL,            /* 500 InternalServerException */
    ERR_UNKNOWN_OPERATION,   /* 404 UnknownOperationException (no route) */
    ERR_METHOD_NOT_ALLOWED,  /* 405 on a known path with the wrong method */
    ERR_TOO_LARGE,           /* 413 RequestEntityTooLargeException */
    ERR_SERIALIZATION,       /* 400 SerializationException: bad JSON */
    ERR_MISSING_AUTH,        /* 403 MissingAuthenticationTokenException */
    ERR_UNRECOGNIZED_CLIENT, /* 403 UnrecognizedClientException */
    ERR_INVALID_SIGNATURE,   /* 403 InvalidSignatureException */
    /* codes of the Amazon Connect API (model_connect) */
    ERR_INVALID_PARAMETER,   /* 400 InvalidParameterException */
    ERR_DUPLICATE_RESOURCE,  /* 409 DuplicateResourceException */
    ERR_RESOURCE_IN_USE,     /* 409 ResourceInUseException */
    ERR__COUNT
} error_code;

/* AWS exception name for code, e.g. "ValidationException". */
const char *error_name(error_code code);

/* HTTP status for code. */
unsigned error_http_status(error_code code);

#endif
