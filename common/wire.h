/*  wire: safe reading and compact writing of MessagePack values.
    wire_unpack checks the raw bytes as it builds msgpack-c objects, so
    that no declared length or count can make it allocate more than the
    bytes that are really there, and no nesting can run past 32 levels:
    any bytes from the network are answered with an error, never a crash. */
#ifndef DAIBAN_WIRE_H
#define DAIBAN_WIRE_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>
#include "daiban_error.h"

#define WIRE_MAX_DEPTH 32

//  Checks that data holds exactly one well-formed value, no deeper than
//  WIRE_MAX_DEPTH containers, and unpacks it into out in the same pass, as
//  msgpack_unpack would (objects live in zone, strings point into data).
daiban_code_t wire_unpack (const void *data, size_t size, msgpack_zone *zone,
                           msgpack_object *out, daiban_error_t *err);

//  The value of key in a map object, or NULL (also when map is not a map).
const msgpack_object *wire_map_get (const msgpack_object *map, const char *key);

//  The pair of key in a map object (the first of equal keys), or NULL.
const msgpack_object_kv *wire_map_pair (const msgpack_object *map, const char *key);

//  A pair's value, or NULL for no pair.
const msgpack_object *wire_pair_value (const msgpack_object_kv *pair);

//  A key to look up with wire_map_pairs: its text and length.
typedef struct {
    const char *text;
    size_t size;
} wire_key_t;
#define WIRE_KEY(text) { text, sizeof text - 1 }

//  The pair of each of count keys in a map object (the first of equal
//  keys), or NULL where absent or when map is not a map: one walk over
//  the map for all of them, where wire_map_pair walks it per key.
void wire_map_pairs (const msgpack_object *map, const wire_key_t *keys, size_t count,
                     const msgpack_object_kv **pairs);

//  The bytes of a pair's value in data, the message wire_unpack decoded
//  it from (its strings point into data); false when they are not there.
bool wire_pair_value_bytes (const void *data, size_t size, const msgpack_object_kv *pair,
                            const void **value, size_t *value_size);

bool wire_is_str (const msgpack_object *object);
bool wire_is_int (const msgpack_object *object);
bool wire_str_eq (const msgpack_object *object, const char *text);

//  The integer value, when object is an integer that fits int64.
bool wire_get_int (const msgpack_object *object, int64_t *value);

//  Copies a string object into buffer (NUL-terminated); false when it
//  is not a string or does not fit.
bool wire_str_copy (const msgpack_object *object, char *buffer, size_t size);

//  A malloc'd NUL-terminated copy of a string object, or NULL.
char *wire_str_dup (const msgpack_object *object);

bool wire_utf8_valid (const char *text, size_t size);

//  Packing helpers.
void wire_pack_str (msgpack_packer *packer, const char *text);
void wire_pack_strn (msgpack_packer *packer, const char *text, size_t size);
//  A NULL text packs nil.
void wire_pack_str_or_nil (msgpack_packer *packer, const char *text);
void wire_pack_key (msgpack_packer *packer, const char *key);
//  Appends bytes that are already one msgpack value (a stored event).
void wire_pack_raw (msgpack_packer *packer, const void *data, size_t size);



//  A growable output buffer with its packer. Packing never fails midway:
//  a failed allocation is remembered (failed) and checked once at the
//  end, so that the many pack calls need no test each.
typedef struct {
    msgpack_sbuffer buffer;
    msgpack_packer packer;
    bool failed;
} wire_buffer_t;

void wire_buffer_init (wire_buffer_t *self);
void wire_buffer_clear (wire_buffer_t *self);      //  empties, keeps memory
void wire_buffer_release (wire_buffer_t *self);    //  frees the memory

//  Writing straight into the buffer, for what is packed per event: room
//  for size bytes at its end (NULL, and failed set, when memory runs
//  out), then wire_buffer_commit with how many of them were written.
unsigned char *wire_buffer_reserve (wire_buffer_t *self, size_t size);
void wire_buffer_commit (wire_buffer_t *self, size_t used);

//  The forms msgpack-c's packer picks for a string, an unsigned and a
//  signed integer, written at out; each returns the bytes written: at
//  most WIRE_STR_HEAD_MAX + size for a string, WIRE_INT_MAX for a number.
#define WIRE_STR_HEAD_MAX 5
#define WIRE_INT_MAX 9
size_t wire_put_str (unsigned char *out, const char *text, size_t size);
size_t wire_put_uint (unsigned char *out, uint64_t value);
size_t wire_put_int (unsigned char *out, int64_t value);
#endif
