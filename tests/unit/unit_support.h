/*  unit_support: helpers shared by the unit tests of common/ to build
    MessagePack test values from readable JSON text and to compare decoded
    values with expected JSON. Header-only (static inline); include it after
    <cmocka.h>.

    Test JSON may use single quotes for double quotes (no apostrophes are
    needed in the data), so tables stay readable in C source. A JSON string
    value (or key) starting with one of these prefixes packs something JSON
    cannot say:
        "@str:HEX"  a msgpack str holding the raw bytes HEX (invalid UTF-8)
        "@bin:HEX"  a msgpack bin holding the bytes HEX */
#ifndef DAIBAN_UNIT_SUPPORT_H
#define DAIBAN_UNIT_SUPPORT_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

//  Turns the single-quoted test notation into JSON text (caller frees).
static inline char *
unit_json_text (const char *text)
{
    char *copy = strdup (text);
    assert_non_null (copy);
    for (char *cursor = copy; *cursor; cursor++)
        if (*cursor == '\'')
            *cursor = '"';
    return copy;
}

//  Parses test notation into a jansson value; fails the test on a typo.
static inline json_t *
unit_json (const char *text)
{
    char *copy = unit_json_text (text);
    json_error_t error;
    json_t *value = json_loads (copy, JSON_DECODE_ANY | JSON_ALLOW_NUL, &error);
    if (!value)
        fail_msg ("test JSON does not parse (%s at %d): %s", error.text, error.position, copy);
    free (copy);
    return value;
}

//  Decodes "HEX" into bytes (caller frees); fails the test on bad hex.
static inline unsigned char *
unit_hex (const char *hex, size_t *size)
{
    size_t length = strlen (hex);
    assert_int_equal (length % 2, 0);
    unsigned char *bytes = (unsigned char *) malloc (length / 2 + 1);
    assert_non_null (bytes);
    for (size_t index = 0; index < length / 2; index++) {
        unsigned int byte;
        if (sscanf (hex + 2 * index, "%2x", &byte) != 1)
            fail_msg ("bad hex in test data: %s", hex);
        bytes [index] = (unsigned char) byte;
    }
    *size = length / 2;
    return bytes;
}

static inline void
unit_pack_json (msgpack_packer *packer, const json_t *value)
{
    switch (json_typeof (value)) {
        case JSON_OBJECT: {
            msgpack_pack_map (packer, json_object_size (value));
            const char *key;
            json_t *member;
            json_object_foreach ((json_t *) value, key, member) {
                json_t *name = json_string (key);
                unit_pack_json (packer, name);      //  so that keys may be "@str:HEX" too
                json_decref (name);
                unit_pack_json (packer, member);
            }
            break;
        }
        case JSON_ARRAY: {
            msgpack_pack_array (packer, json_array_size (value));
            size_t index;
            json_t *element;
            json_array_foreach (value, index, element)
                unit_pack_json (packer, element);
            break;
        }
        case JSON_STRING: {
            const char *text = json_string_value (value);
            size_t length = json_string_length (value);
            if (strncmp (text, "@str:", 5) == 0 || strncmp (text, "@bin:", 5) == 0) {
                size_t size;
                unsigned char *bytes = unit_hex (text + 5, &size);
                if (text [1] == 's') {
                    msgpack_pack_str (packer, size);
                    msgpack_pack_str_body (packer, bytes, size);
                }
                else {
                    msgpack_pack_bin (packer, size);
                    msgpack_pack_bin_body (packer, bytes, size);
                }
                free (bytes);
            }
            else
                wire_pack_strn (packer, text, length);
            break;
        }
        case JSON_INTEGER: msgpack_pack_int64 (packer, json_integer_value (value)); break;
        case JSON_REAL:    msgpack_pack_double (packer, json_real_value (value)); break;
        case JSON_TRUE:    msgpack_pack_true (packer); break;
        case JSON_FALSE:   msgpack_pack_false (packer); break;
        case JSON_NULL:    msgpack_pack_nil (packer); break;
    }
}

//  Packs test notation into buffer (after what is already there).
static inline void
unit_pack_text (wire_buffer_t *buffer, const char *text)
{
    json_t *value = unit_json (text);
    unit_pack_json (&buffer->packer, value);
    json_decref (value);
    assert_false (buffer->failed);
}

//  A decoded msgpack value with the memory it lives in.
typedef struct {
    wire_buffer_t buffer;
    msgpack_zone zone;
    msgpack_object root;
} unit_value_t;

//  Packs test notation and decodes it again through wire_unpack, as the
//  broker would receive it.
static inline const msgpack_object *
unit_value_init (unit_value_t *self, const char *text)
{
    wire_buffer_init (&self->buffer);
    msgpack_zone_init (&self->zone, 1024);
    unit_pack_text (&self->buffer, text);
    daiban_error_t err = { 0 };
    if (wire_unpack (self->buffer.buffer.data, self->buffer.buffer.size, &self->zone,
                     &self->root, &err))
        fail_msg ("test value does not unpack: %s", err.message);
    return &self->root;
}

static inline void
unit_value_release (unit_value_t *self)
{
    msgpack_zone_destroy (&self->zone);
    wire_buffer_release (&self->buffer);
}

//  A msgpack object as a jansson value, for comparisons. Strings must be
//  UTF-8 (jansson refuses others: the test then fails); bin is "@bin:HEX".
static inline json_t *
unit_object_to_json (const msgpack_object *object)
{
    switch (object->type) {
        case MSGPACK_OBJECT_NIL: return json_null ();
        case MSGPACK_OBJECT_BOOLEAN: return json_boolean (object->via.boolean);
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
            return json_integer ((json_int_t) object->via.u64);
        case MSGPACK_OBJECT_NEGATIVE_INTEGER: return json_integer ((json_int_t) object->via.i64);
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64: return json_real (object->via.f64);
        case MSGPACK_OBJECT_STR: {
            json_t *text = json_stringn_nocheck (object->via.str.size? object->via.str.ptr: "",
                                                 object->via.str.size);
            if (!wire_utf8_valid (object->via.str.ptr, object->via.str.size))
                fail_msg ("decoded string is not UTF-8");
            return text;
        }
        case MSGPACK_OBJECT_BIN: {
            char *hex = (char *) malloc (2 * object->via.bin.size + 6);
            assert_non_null (hex);
            strcpy (hex, "@bin:");
            for (uint32_t index = 0; index < object->via.bin.size; index++)
                sprintf (hex + 5 + 2 * index, "%02x", (unsigned char) object->via.bin.ptr [index]);
            json_t *text = json_string (hex);
            free (hex);
            return text;
        }
        case MSGPACK_OBJECT_ARRAY: {
            json_t *array = json_array ();
            for (uint32_t index = 0; index < object->via.array.size; index++)
                json_array_append_new (array, unit_object_to_json (&object->via.array.ptr [index]));
            return array;
        }
        case MSGPACK_OBJECT_MAP: {
            json_t *map = json_object ();
            for (uint32_t index = 0; index < object->via.map.size; index++) {
                const msgpack_object_kv *pair = &object->via.map.ptr [index];
                if (pair->key.type != MSGPACK_OBJECT_STR)
                    fail_msg ("decoded map has a key that is not a string");
                char *key = strndup (pair->key.via.str.ptr, pair->key.via.str.size);
                json_object_set_new_nocheck (map, key, unit_object_to_json (&pair->val));
                free (key);
            }
            return map;
        }
        default:
            fail_msg ("unexpected msgpack type %d in a decoded value", (int) object->type);
    }
    return NULL;
}

//  Decodes bytes (which must be one msgpack value) into a jansson value.
static inline json_t *
unit_bytes_to_json (const void *data, size_t size)
{
    msgpack_zone zone;
    msgpack_zone_init (&zone, 1024);
    msgpack_object root;
    daiban_error_t err = { 0 };
    if (wire_unpack (data, size, &zone, &root, &err))
        fail_msg ("packed output does not unpack: %s", err.message);
    json_t *value = unit_object_to_json (&root);
    msgpack_zone_destroy (&zone);
    return value;
}

//  True when every key of expected's objects is in actual with a value that
//  matches (recursively); arrays must have the same length and match element
//  by element; other values must be equal.
static inline bool
unit_json_matches (const json_t *expected, const json_t *actual)
{
    if (json_is_object (expected)) {
        if (!json_is_object (actual))
            return false;
        const char *key;
        json_t *member;
        json_object_foreach ((json_t *) expected, key, member)
            if (!unit_json_matches (member, json_object_get (actual, key)))
                return false;
        return true;
    }
    if (json_is_array (expected)) {
        if (!json_is_array (actual) || json_array_size (actual) != json_array_size (expected))
            return false;
        for (size_t index = 0; index < json_array_size (expected); index++)
            if (!unit_json_matches (json_array_get (expected, index),
                                    json_array_get (actual, index)))
                return false;
        return true;
    }
    return actual && json_equal ((json_t *) expected, (json_t *) actual);
}

//  Fails the test (showing both) unless actual matches the expected notation.
static inline void
unit_assert_json_matches (const char *label, const char *expected_text, const json_t *actual)
{
    json_t *expected = unit_json (expected_text);
    if (!unit_json_matches (expected, actual)) {
        size_t flags = JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY;
        char *want = json_dumps (expected, flags);
        char *got = actual? json_dumps (actual, flags): NULL;
        print_error ("%s:\n  expected (subset): %s\n  actual:            %s\n", label,
                     want? want: "(none)", got? got: "(none)");
        free (want);
        free (got);
        json_decref (expected);
        fail ();
    }
    json_decref (expected);
}

//  Fails unless the error has code and its message contains fragment.
#define unit_assert_error(err, expected_code, fragment) do { \
    const daiban_error_t *unit_err_ = (err); \
    if (unit_err_->code != (expected_code) || !strstr (unit_err_->message, (fragment))) \
        fail_msg ("expected %s with \"%s\", got %s: \"%s\"", \
                  daiban_error_code_name (expected_code), (fragment), \
                  daiban_error_code_name (unit_err_->code), unit_err_->message); \
} while (0)

#endif
