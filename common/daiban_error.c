/*  daiban_error: status codes and messages (see daiban_error.h). */
#include "daiban_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

//  A message cut at the buffer's end may end inside a multi-byte
//  character; replies must be valid UTF-8, so the partial one goes.
static void
s_trim_partial_utf8 (char *message)
{
    size_t length = strlen (message);
    size_t start = length;
    while (start > 0 && ((unsigned char) message [start - 1] & 0xc0) == 0x80)
        start--;
    if (start == 0)
        return;
    unsigned char lead = (unsigned char) message [start - 1];
    size_t needed = lead >= 0xf0? 4: lead >= 0xe0? 3: lead >= 0xc0? 2: 1;
    if (length - (start - 1) < needed)
        message [start - 1] = 0;
}

daiban_code_t
daiban_error_set (daiban_error_t *err, daiban_code_t code, const char *format, ...)
{
    if (err) {
        err->code = code;
        va_list args;
        va_start (args, format);
        int length = vsnprintf (err->message, sizeof err->message, format, args);
        va_end (args);
        if (length >= (int) sizeof err->message)
            s_trim_partial_utf8 (err->message);
    }
    return code;
}

void
daiban_error_clear (daiban_error_t *err)
{
    err->code = DAIBAN_OK;
    err->message [0] = 0;
}

const char *
daiban_error_code_name (daiban_code_t code)
{
    switch (code) {
        case DAIBAN_OK:           return "ok";
        case DAIBAN_BAD_REQUEST:  return "bad_request";
        case DAIBAN_UNKNOWN_TYPE: return "unknown_type";
        case DAIBAN_INVALID_BODY: return "invalid_body";
        case DAIBAN_CONFLICT:     return "conflict";
        case DAIBAN_NOT_FOUND:    return "not_found";
        case DAIBAN_TOO_LARGE:    return "too_large";
        case DAIBAN_UNAUTHORIZED: return "unauthorized";
        case DAIBAN_FORBIDDEN:    return "forbidden";
        case DAIBAN_UNAVAILABLE:  return "unavailable";
        case DAIBAN_RETRY:        return "unavailable";
        case DAIBAN_INTERNAL:     return "internal";
    }
    return "internal";
}
