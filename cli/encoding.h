/*  encoding: the text encodings daibanctl needs to show any msgpack value
    as JSON: UTF-8 checked strictly (invalid bytes become U+FFFD, since
    JSON text must be valid UTF-8), and binary data as base64 or hex. */
#ifndef DAIBAN_ENCODING_H
#define DAIBAN_ENCODING_H

#include <stddef.h>
#include <stdint.h>

//  The length in bytes of the valid UTF-8 character at text (at most
//  remaining bytes), with its code point in *point; 0 when the bytes are
//  not one (overlong forms, surrogates and code points past U+10FFFF
//  are not).
size_t encoding_utf8_next (const unsigned char *text, size_t remaining, uint32_t *point);

//  A malloc'd copy of text (size bytes) in which every byte that does
//  not start a valid UTF-8 character is replaced by U+FFFD; NUL-
//  terminated, and *out_size (when not NULL) gets its length. NULL when
//  memory runs out.
char *encoding_utf8_clean (const char *text, size_t size, size_t *out_size);

//  Binary data as base64 (RFC 4648, padded) or lowercase hex text,
//  NUL-terminated, malloc'd; NULL when memory runs out.
char *encoding_base64 (const void *data, size_t size);
char *encoding_hex (const void *data, size_t size);

#endif
