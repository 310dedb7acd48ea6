/* errors.c - names and statuses of the error registry (see errors.h). */
#include "http/errors.h"

static const struct {
    const char *name;
    unsigned status;
} error_table[ERR__COUNT] = {
    [ERR_NONE] = {"", 200},
    [ERR_VALIDATION] = {"ValidationException", 400},
    [ERR_ACCESS_DENIED] = {"AccessDeniedException", 403},
    [ERR_NOT_FOUND] = {"ResourceNotFoundException", 404},
    [ERR_CONFLICT] = {"ConflictException", 409},
    [ERR_QUOTA] = {"ServiceQuotaExceededException", 402},
    [ERR_THROTTLING] = {"ThrottlingException", 429},
    [ERR_INTERNAL] = {"InternalServerException", 500},
    [ERR_UNKNOWN_OPERATION] = {"UnknownOperationException", 404},
    [ERR_METHOD_NOT_ALLOWED] = {"MethodNotAllowedException", 405},
    [ERR_TOO_LARGE] = {"RequestEntityTooLargeException", 413},
    [ERR_SERIALIZATION] = {"SerializationException", 400},
    [ERR_MISSING_AUTH] = {"MissingAuthenticationTokenException", 403},
    [ERR_UNRECOGNIZED_CLIENT] = {"UnrecognizedClientException", 403},
    [ERR_INVALID_SIGNATURE] = {"InvalidSignatureException", 403},
    [ERR_INVALID_PARAMETER] = {"InvalidParameterException", 400},
    [ERR_DUPLICATE_RESOURCE] = {"DuplicateResourceException", 409},
    [ERR_RESOURCE_IN_USE] = {"ResourceInUseException", 409},
};

const char *error_name(error_code code)
{
    if (code < 0 || code >= ERR__COUNT)
        return "InternalServerException";
    return error_table[code].name;
}

unsigned error_http_status(error_code code)
{
    if (code < 0 || code >= ERR__COUNT)
        return 500;
    return error_table[code].status;
}
