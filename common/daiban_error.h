/*  daiban_error: the status code and message that every fallible function
    returns to its caller. The codes are PROTOCOL.md's error codes, so an
    error found deep in the codec or the store reaches the client as is. */
#ifndef DAIBAN_ERROR_H
#define DAIBAN_ERROR_H

typedef enum {
    DAIBAN_OK = 0,
    DAIBAN_BAD_REQUEST,
    DAIBAN_UNKNOWN_TYPE,
    DAIBAN_INVALID_BODY,
    DAIBAN_CONFLICT,
    DAIBAN_NOT_FOUND,
    DAIBAN_TOO_LARGE,
    DAIBAN_UNAUTHORIZED,
    DAIBAN_FORBIDDEN,           //  authenticated, but its role may not do this
    DAIBAN_UNAVAILABLE,
    DAIBAN_INTERNAL,            //  a bug or an environment failure
    DAIBAN_RETRY                //  internal: storage map full, grow and run again
} daiban_code_t;

typedef struct {
    daiban_code_t code;
    char message [256];
} daiban_error_t;

//  Fills err (when not NULL) and returns code, so callers can write
//  `return daiban_error_set (err, DAIBAN_CONFLICT, "...")`.
daiban_code_t daiban_error_set (daiban_error_t *err, daiban_code_t code,
                                const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

void daiban_error_clear (daiban_error_t *err);

//  The wire name of a code: "bad_request", "conflict", ...
const char *daiban_error_code_name (daiban_code_t code);

#endif
