/*  json_msgpack: JSON <-> MessagePack conversion (see json_msgpack.h). */
#include "json_msgpack.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "encoding.h"

//  msgpack-c's packer returns non-zero when its writer fails; one macro
//  keeps every call checked without burying the logic.
#define S_PACK(call) do { if ((call) != 0) return s_writer_failed (err); } while (0)

static daiban_code_t
s_writer_failed (daiban_error_t *err)
{
    return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory while encoding msgpack");
}

static daiban_code_t
s_pack (json_t *value, msgpack_packer *packer, int depth, daiban_error_t *err);

static daiban_code_t
s_pack_object (json_t *value, msgpack_packer *packer, int depth, daiban_error_t *err)
{
    S_PACK (msgpack_pack_map (packer, json_object_size (value)));
    for (void *iter = json_object_iter (value); iter;
         iter = json_object_iter_next (value, iter)) {
        const char *key = json_object_iter_key (iter);
        size_t key_size = json_object_iter_key_len (iter);
        S_PACK (msgpack_pack_str (packer, key_size));
        S_PACK (msgpack_pack_str_body (packer, key, key_size));
        daiban_code_t code = s_pack (json_object_iter_value (iter), packer, depth + 1, err);
        if (code != DAIBAN_OK)
            return code;
    }
    return DAIBAN_OK;
}

static daiban_code_t
s_pack_array (json_t *value, msgpack_packer *packer, int depth, daiban_error_t *err)
{
    size_t size = json_array_size (value);
    S_PACK (msgpack_pack_array (packer, size));
    for (size_t index = 0; index < size; index++) {
        daiban_code_t code = s_pack (json_array_get (value, index), packer, depth + 1, err);
        if (code != DAIBAN_OK)
            return code;
    }
    return DAIBAN_OK;
}

static daiban_code_t
s_pack (json_t *value, msgpack_packer *packer, int depth, daiban_error_t *err)
{
    if (depth > JSON_MSGPACK_MAX_DEPTH)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "JSON nests deeper than %d levels", JSON_MSGPACK_MAX_DEPTH);
    switch (json_typeof (value)) {
        case JSON_OBJECT:
            return s_pack_object (value, packer, depth, err);
        case JSON_ARRAY:
            return s_pack_array (value, packer, depth, err);
        case JSON_STRING: {
            size_t size = json_string_length (value);
            S_PACK (msgpack_pack_str (packer, size));
            S_PACK (msgpack_pack_str_body (packer, json_string_value (value), size));
            return DAIBAN_OK;
        }
        case JSON_INTEGER:
            S_PACK (msgpack_pack_int64 (packer, json_integer_value (value)));
            return DAIBAN_OK;
        case JSON_REAL:
            S_PACK (msgpack_pack_double (packer, json_real_value (value)));
            return DAIBAN_OK;
        case JSON_TRUE:
            S_PACK (msgpack_pack_true (packer));
            return DAIBAN_OK;
        case JSON_FALSE:
            S_PACK (msgpack_pack_false (packer));
            return DAIBAN_OK;
        case JSON_NULL:
            S_PACK (msgpack_pack_nil (packer));
            return DAIBAN_OK;
    }
    return daiban_error_set (err, DAIBAN_INTERNAL, "unknown JSON type");
}

daiban_code_t
json_msgpack_pack (json_t *value, msgpack_packer *packer, daiban_error_t *err)
{
    assert (value);
    assert (packer);
    return s_pack (value, packer, 1, err);
}

daiban_code_t
json_msgpack_encode (json_t *value, char **data, size_t *size, daiban_error_t *err)
{
    assert (data && size);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    daiban_code_t code = json_msgpack_pack (value, &packer, err);
    if (code != DAIBAN_OK) {
        msgpack_sbuffer_destroy (&buffer);
        return code;
    }
    *size = buffer.size;    //  release empties the buffer: read its size first
    *data = msgpack_sbuffer_release (&buffer);
    //  An empty sbuffer has no allocation; encoding always writes at
    //  least one byte, so a NULL here can only be a failed allocation.
    if (!*data)
        return s_writer_failed (err);
    return DAIBAN_OK;
}

//  What every step of a decoding shares.
typedef struct {
    json_msgpack_bin_t bin_mode;
    int max_depth;
    daiban_error_t *err;
} s_decoder_t;

static json_t *
s_to_json (const msgpack_object *object, s_decoder_t *decoder, int depth);

//  A string object as JSON, with invalid UTF-8 replaced.
static json_t *
s_string (const char *text, size_t size)
{
    size_t clean_size;
    char *clean = encoding_utf8_clean (text, size, &clean_size);
    if (!clean)
        return NULL;
    json_t *value = json_stringn_nocheck (clean, clean_size);
    free (clean);
    return value;
}

static json_t *
s_binary (const char *data, size_t size, json_msgpack_bin_t bin_mode)
{
    char *text = bin_mode == JSON_MSGPACK_BIN_HEX? encoding_hex (data, size)
                                                 : encoding_base64 (data, size);
    if (!text)
        return NULL;
    json_t *value = json_string_nocheck (text);
    free (text);
    return value;
}

//  A map key as text: strings as they are, anything else as compact JSON.
static char *
s_key_text (const msgpack_object *key, s_decoder_t *decoder, int depth, size_t *size)
{
    if (key->type == MSGPACK_OBJECT_STR)
        return encoding_utf8_clean (key->via.str.ptr, key->via.str.size, size);
    json_t *value = s_to_json (key, decoder, depth + 1);
    if (!value)
        return NULL;
    char *text = json_dumps (value, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref (value);
    if (text)
        *size = strlen (text);
    return text;
}

static json_t *
s_map (const msgpack_object *object, s_decoder_t *decoder, int depth)
{
    json_t *map = json_object ();
    for (uint32_t index = 0; map && index < object->via.map.size; index++) {
        const msgpack_object_kv *pair = &object->via.map.ptr [index];
        size_t key_size = 0;
        char *key = s_key_text (&pair->key, decoder, depth, &key_size);
        json_t *value = key? s_to_json (&pair->val, decoder, depth + 1): NULL;
        if (!value || json_object_setn_new_nocheck (map, key, key_size, value) != 0)
            json_decref (map), map = NULL;
        free (key);
    }
    return map;
}

static json_t *
s_array (const msgpack_object *object, s_decoder_t *decoder, int depth)
{
    json_t *array = json_array ();
    for (uint32_t index = 0; array && index < object->via.array.size; index++) {
        json_t *value = s_to_json (&object->via.array.ptr [index], decoder, depth + 1);
        if (!value || json_array_append_new (array, value) != 0)
            json_decref (array), array = NULL;
    }
    return array;
}

static json_t *
s_ext (const msgpack_object *object, json_msgpack_bin_t bin_mode)
{
    json_t *data = s_binary (object->via.ext.ptr, object->via.ext.size, bin_mode);
    if (!data)
        return NULL;
    return json_pack ("{s:I, s:o}", "ext", (json_int_t) object->via.ext.type, "data", data);
}

static json_t *
s_real (double number)
{
    //  JSON has no NaN or infinity; jansson refuses them.
    return isfinite (number)? json_real (number): json_null ();
}

static json_t *
s_scalar (const msgpack_object *object, json_msgpack_bin_t bin_mode)
{
    switch (object->type) {
        case MSGPACK_OBJECT_NIL:
            return json_null ();
        case MSGPACK_OBJECT_BOOLEAN:
            return json_boolean (object->via.boolean);
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
            if (object->via.u64 > (uint64_t) INT64_MAX)
                return json_real ((double) object->via.u64);
            return json_integer ((json_int_t) object->via.u64);
        case MSGPACK_OBJECT_NEGATIVE_INTEGER:
            return json_integer ((json_int_t) object->via.i64);
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64:
            return s_real (object->via.f64);
        case MSGPACK_OBJECT_STR:
            return s_string (object->via.str.ptr, object->via.str.size);
        case MSGPACK_OBJECT_BIN:
            return s_binary (object->via.bin.ptr, object->via.bin.size, bin_mode);
        case MSGPACK_OBJECT_EXT:
            return s_ext (object, bin_mode);
        default:
            return NULL;
    }
}

static json_t *
s_to_json (const msgpack_object *object, s_decoder_t *decoder, int depth)
{
    if (depth > decoder->max_depth) {
        daiban_error_set (decoder->err, DAIBAN_BAD_REQUEST,
                          "msgpack value nests deeper than %d levels", decoder->max_depth);
        return NULL;
    }
    json_t *value;
    if (object->type == MSGPACK_OBJECT_MAP)
        value = s_map (object, decoder, depth);
    else
    if (object->type == MSGPACK_OBJECT_ARRAY)
        value = s_array (object, decoder, depth);
    else
        value = s_scalar (object, decoder->bin_mode);
    return value;
}

json_t *
json_msgpack_to_json (const msgpack_object *object, json_msgpack_bin_t bin_mode,
                      int max_depth, daiban_error_t *err)
{
    assert (object);
    daiban_error_t local;
    daiban_error_clear (&local);
    s_decoder_t decoder = {
        .bin_mode = bin_mode,
        .max_depth = max_depth < JSON_MSGPACK_MAX_DEPTH? max_depth: JSON_MSGPACK_MAX_DEPTH,
        .err = &local
    };
    json_t *value = s_to_json (object, &decoder, 1);
    //  A depth failure has said why; any other failure was memory.
    if (!value && local.code == DAIBAN_OK)
        daiban_error_set (&local, DAIBAN_INTERNAL, "out of memory while decoding msgpack");
    if (!value && err)
        *err = local;
    return value;
}

json_t *
json_msgpack_decode (const void *data, size_t size, json_msgpack_bin_t bin_mode,
                     daiban_error_t *err)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    msgpack_unpack_return rc = msgpack_unpack_next (&unpacked, (const char *) data, size, &offset);
    json_t *value = NULL;
    if (rc == MSGPACK_UNPACK_SUCCESS && offset == size)
        value = json_msgpack_to_json (&unpacked.data, bin_mode, JSON_MSGPACK_MAX_DEPTH, err);
    else
    if (rc == MSGPACK_UNPACK_SUCCESS)
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "%zu trailing bytes after the msgpack value",
                          size - offset);
    else
    if (rc == MSGPACK_UNPACK_NOMEM_ERROR)
        //  msgpack-c's unpacker has a fixed stack of 32 levels and says
        //  "no memory" when a value nests deeper.
        daiban_error_set (err, DAIBAN_BAD_REQUEST,
                          "msgpack value nests too deep for msgpack-c (32 levels) or is too large");
    else
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "not a complete msgpack value");
    msgpack_unpacked_destroy (&unpacked);
    return value;
}
