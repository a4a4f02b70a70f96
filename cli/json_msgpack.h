/*  json_msgpack: converts between JSON (jansson) and MessagePack, both
    ways, so that people write requests and read replies as JSON while
    the wire stays msgpack (PROTOCOL.md).
    JSON → msgpack: integers stay integers, reals become float64, true
    and false become booleans, null nil; nothing is lost.
    msgpack → JSON is for display and may lose what JSON cannot hold:
    bin becomes a base64 (or hex) string, ext an object {"ext":T,
    "data":"base64"}, a map key that is not a string its compact JSON
    text, an integer beyond int64 a real, NaN and infinities null, and
    invalid UTF-8 the replacement character U+FFFD. Both directions stop
    at a depth limit with an error rather than recurse without bound. */
#ifndef DAIBAN_JSON_MSGPACK_H
#define DAIBAN_JSON_MSGPACK_H

#include <jansson.h>
#include <msgpack.h>
#include <stddef.h>
#include "daiban_error.h"

//  Deep enough for any request the broker accepts (it refuses beyond 32
//  levels, and tests must be able to send such requests), shallow
//  enough that the recursion stays small.
#define JSON_MSGPACK_MAX_DEPTH 256

typedef enum {
    JSON_MSGPACK_BIN_BASE64,
    JSON_MSGPACK_BIN_HEX
} json_msgpack_bin_t;

//  Packs value with packer. DAIBAN_BAD_REQUEST when it nests deeper than
//  JSON_MSGPACK_MAX_DEPTH, DAIBAN_INTERNAL when the packer's writer fails.
daiban_code_t json_msgpack_pack (json_t *value, msgpack_packer *packer, daiban_error_t *err);

//  Encodes value into a new buffer: *data (malloc'd, the caller frees)
//  and *size.
daiban_code_t json_msgpack_encode (json_t *value, char **data, size_t *size,
                                   daiban_error_t *err);

//  The JSON form of object, a new reference; NULL with err set when the
//  object nests deeper than max_depth or memory runs out.
json_t *json_msgpack_to_json (const msgpack_object *object, json_msgpack_bin_t bin_mode,
                              int max_depth, daiban_error_t *err);

//  Decodes exactly one msgpack value (trailing bytes are an error) and
//  returns its JSON form; NULL with err (DAIBAN_BAD_REQUEST) otherwise.
json_t *json_msgpack_decode (const void *data, size_t size, json_msgpack_bin_t bin_mode,
                             daiban_error_t *err);

#endif
