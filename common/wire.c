/*  wire: safe MessagePack reading and packing helpers (see wire.h). */
#include "wire.h"

#include <stdlib.h>
#include <string.h>

//  Reads a big-endian unsigned integer of width bytes.
static uint64_t
s_read_be (const uint8_t *data, int width)
{
    uint64_t value = 0;
    for (int index = 0; index < width; index++)
        value = (value << 8) | data [index];
    return value;
}

//  Classifies the value whose first byte is at data [0]: how many header
//  bytes, how many payload bytes follow, and how many child values it
//  holds. Returns false for the never-used byte 0xc1 or a truncated header.
static bool
s_header (const uint8_t *data, size_t available, size_t *header, uint64_t *payload,
          uint64_t *children, bool *container)
{
    uint8_t byte = data [0];
    *header = 1;
    *payload = 0;
    *children = 0;
    *container = (byte >= 0x80 && byte <= 0x9f) || (byte >= 0xdc && byte <= 0xdf);
    if (byte <= 0x7f || byte >= 0xe0 || byte == 0xc0 || byte == 0xc2 || byte == 0xc3)
        return true;
    if (byte >= 0x80 && byte <= 0x8f) { *children = 2 * (uint64_t) (byte & 0x0f); return true; }
    if (byte >= 0x90 && byte <= 0x9f) { *children = byte & 0x0f; return true; }
    if (byte >= 0xa0 && byte <= 0xbf) { *payload = byte & 0x1f; return true; }

    //  Width of the length/value field, and what it measures.
    int width = 0;
    enum { FIXED, BYTES, EXTENSION, ARRAY, MAP } kind = FIXED;
    switch (byte) {
        case 0xc4: width = 1; kind = BYTES; break;
        case 0xc5: width = 2; kind = BYTES; break;
        case 0xc6: width = 4; kind = BYTES; break;
        case 0xc7: width = 1; kind = EXTENSION; break;
        case 0xc8: width = 2; kind = EXTENSION; break;
        case 0xc9: width = 4; kind = EXTENSION; break;
        case 0xca: *payload = 4; return true;
        case 0xcb: *payload = 8; return true;
        case 0xcc: case 0xd0: *payload = 1; return true;
        case 0xcd: case 0xd1: *payload = 2; return true;
        case 0xce: case 0xd2: *payload = 4; return true;
        case 0xcf: case 0xd3: *payload = 8; return true;
        case 0xd4: *payload = 2; return true;
        case 0xd5: *payload = 3; return true;
        case 0xd6: *payload = 5; return true;
        case 0xd7: *payload = 9; return true;
        case 0xd8: *payload = 17; return true;
        case 0xd9: width = 1; kind = BYTES; break;
        case 0xda: width = 2; kind = BYTES; break;
        case 0xdb: width = 4; kind = BYTES; break;
        case 0xdc: width = 2; kind = ARRAY; break;
        case 0xdd: width = 4; kind = ARRAY; break;
        case 0xde: width = 2; kind = MAP; break;
        case 0xdf: width = 4; kind = MAP; break;
        default: return false;          //  0xc1
    }
    if (available < 1 + (size_t) width)
        return false;
    uint64_t length = s_read_be (data + 1, width);
    *header = 1 + width;
    if (kind == BYTES)
        *payload = length;
    else
    if (kind == EXTENSION)
        *payload = length + 1;          //  the type byte
    else
    if (kind == ARRAY)
        *children = length;
    else
        *children = 2 * length;
    return true;
}

//  One pass over the bytes that checks them and builds msgpack-c's
//  objects as msgpack_unpack makes them (strings point into the bytes).
//  Every container's child count must fit in the bytes left (each child
//  takes at least one byte), so no declared count can allocate more than
//  the input's size; nesting stops at WIRE_MAX_DEPTH levels.
typedef struct {
    const uint8_t *data;
    size_t size;
    size_t position;
    msgpack_zone *zone;
    daiban_error_t *err;
} decoder_t;

static daiban_code_t s_decode_value (decoder_t *self, msgpack_object *out, int depth);

//  The children of an array (count values) or of a map (count pairs).
static daiban_code_t
s_decode_container (decoder_t *self, msgpack_object *out, uint64_t count, bool map, int depth)
{
    //  An empty container is a level too.
    if (depth + 1 > WIRE_MAX_DEPTH)
        return daiban_error_set (self->err, DAIBAN_BAD_REQUEST,
                                 "nesting deeper than %d levels", WIRE_MAX_DEPTH);
    uint64_t children = map? 2 * count: count;
    size_t left = self->size - self->position;
    if (children > left)
        return daiban_error_set (self->err, DAIBAN_BAD_REQUEST,
                                 "msgpack declares %llu values in %zu bytes",
                                 (unsigned long long) children, left);
    size_t item = map? sizeof (msgpack_object_kv): sizeof (msgpack_object);
    void *items = msgpack_zone_malloc (self->zone, (size_t) count * item);
    if (!items)
        return daiban_error_set (self->err, DAIBAN_UNAVAILABLE, "out of memory decoding request");
    daiban_code_t code = DAIBAN_OK;
    if (map) {
        msgpack_object_kv *pairs = (msgpack_object_kv *) items;
        out->type = MSGPACK_OBJECT_MAP;
        out->via.map.ptr = pairs;
        out->via.map.size = (uint32_t) count;
        for (uint64_t index = 0; index < count && !code; index++)
            if (!(code = s_decode_value (self, &pairs [index].key, depth + 1)))
                code = s_decode_value (self, &pairs [index].val, depth + 1);
    }
    else {
        msgpack_object *values = (msgpack_object *) items;
        out->type = MSGPACK_OBJECT_ARRAY;
        out->via.array.ptr = values;
        out->via.array.size = (uint32_t) count;
        for (uint64_t index = 0; index < count && !code; index++)
            code = s_decode_value (self, &values [index], depth + 1);
    }
    return code;
}

//  A signed value as msgpack-c classifies it: positive when >= 0.
static void
s_set_signed (msgpack_object *out, int64_t value)
{
    if (value >= 0) {
        out->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
        out->via.u64 = (uint64_t) value;
    }
    else {
        out->type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
        out->via.i64 = value;
    }
}

static void
s_set_bytes (msgpack_object *out, msgpack_object_type type, const uint8_t *bytes, uint64_t size)
{
    out->type = type;
    out->via.str.ptr = (const char *) bytes;
    out->via.str.size = (uint32_t) size;
}

//  A value of the long forms whose payload is in bounds (s_header).
static void
s_set_scalar (msgpack_object *out, uint8_t byte, const uint8_t *payload, uint64_t size)
{
    uint64_t raw = byte >= 0xca && byte <= 0xd3? s_read_be (payload, (int) size): 0;
    switch (byte) {
        case 0xc0: out->type = MSGPACK_OBJECT_NIL; break;
        case 0xc2: case 0xc3:
            out->type = MSGPACK_OBJECT_BOOLEAN;
            out->via.boolean = byte == 0xc3;
            break;
        case 0xca: {
            float value;
            uint32_t bits = (uint32_t) raw;
            memcpy (&value, &bits, sizeof value);
            out->type = MSGPACK_OBJECT_FLOAT32;
            out->via.f64 = value;
            break;
        }
        case 0xcb:
            out->type = MSGPACK_OBJECT_FLOAT64;
            memcpy (&out->via.f64, &raw, sizeof out->via.f64);
            break;
        case 0xcc: case 0xcd: case 0xce: case 0xcf:
            out->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
            out->via.u64 = raw;
            break;
        case 0xd0: s_set_signed (out, (int8_t) raw); break;
        case 0xd1: s_set_signed (out, (int16_t) raw); break;
        case 0xd2: s_set_signed (out, (int32_t) raw); break;
        case 0xd3: s_set_signed (out, (int64_t) raw); break;
        case 0xc4: case 0xc5: case 0xc6:
            s_set_bytes (out, MSGPACK_OBJECT_BIN, payload, size);
            break;
        case 0xd9: case 0xda: case 0xdb:
            s_set_bytes (out, MSGPACK_OBJECT_STR, payload, size);
            break;
        default:
            //  An extension (fixext 0xd4..0xd8, ext 0xc7..0xc9): its type
            //  byte, then its data.
            out->type = MSGPACK_OBJECT_EXT;
            out->via.ext.type = (int8_t) payload [0];
            out->via.ext.ptr = (const char *) payload + 1;
            out->via.ext.size = (uint32_t) (size - 1);
            break;
    }
}

static daiban_code_t
s_decode_value (decoder_t *self, msgpack_object *out, int depth)
{
    if (self->position >= self->size)
        return daiban_error_set (self->err, DAIBAN_BAD_REQUEST, "truncated msgpack");
    const uint8_t *at = self->data + self->position;
    uint8_t byte = *at;
    //  Per event on every value of a post: the short forms first.
    if (byte <= 0x7f || byte >= 0xe0) {
        s_set_signed (out, (int8_t) byte);
        self->position++;
        return DAIBAN_OK;
    }
    size_t header;
    uint64_t payload, children;
    bool container, fixstr = byte >= 0xa0 && byte <= 0xbf;
    if (fixstr) {
        header = 1;
        payload = byte & 0x1f;
        container = false;
    }
    else
    if (!s_header (at, self->size - self->position, &header, &payload, &children, &container))
        return daiban_error_set (self->err, DAIBAN_BAD_REQUEST,
                                 "invalid msgpack at byte %zu", self->position);
    self->position += header;
    if (container) {
        bool map = byte <= 0x8f || byte >= 0xde;
        return s_decode_container (self, out, map? children / 2: children, map, depth);
    }
    if (payload > self->size - self->position)
        return daiban_error_set (self->err, DAIBAN_BAD_REQUEST, "truncated msgpack");
    if (fixstr)
        s_set_bytes (out, MSGPACK_OBJECT_STR, at + 1, payload);
    else
        s_set_scalar (out, byte, at + header, payload);
    self->position += (size_t) payload;
    return DAIBAN_OK;
}

daiban_code_t
wire_unpack (const void *data, size_t size, msgpack_zone *zone, msgpack_object *out,
             daiban_error_t *err)
{
    if (size == 0)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "empty message");
    decoder_t decoder = { (const uint8_t *) data, size, 0, zone, err };
    daiban_code_t code = s_decode_value (&decoder, out, 0);
    if (code)
        return code;
    if (decoder.position != size)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "trailing bytes after the msgpack value");
    return DAIBAN_OK;
}

//  The end of the value that starts at data [position], or 0 when the
//  bytes end first: every value's children are counted, none is built.
static size_t
s_value_end (const uint8_t *data, size_t size, size_t position)
{
    uint64_t remaining = 1;
    while (remaining) {
        if (position >= size)
            return 0;
        //  Per event on every value of a post: the short forms first.
        uint8_t byte = data [position];
        remaining--;
        if (byte <= 0x7f || byte >= 0xe0 || byte == 0xc0 || byte == 0xc2 || byte == 0xc3) {
            position++;
            continue;
        }
        if (byte >= 0xa0 && byte <= 0xbf) {
            position += 1 + (byte & 0x1f);
            continue;
        }
        if (byte >= 0x80 && byte <= 0x8f) {
            remaining += 2 * (byte & 0x0f);
            position++;
            continue;
        }
        size_t header;
        uint64_t payload, children;
        bool container;
        if (!s_header (data + position, size - position, &header, &payload, &children, &container)
        ||  header > size - position || payload > size - position - header)
            return 0;
        position += header + (size_t) payload;
        remaining += children;
    }
    return position <= size? position: 0;
}

bool
wire_pair_value_bytes (const void *data, size_t size, const msgpack_object_kv *pair,
                       const void **value, size_t *value_size)
{
    //  A string key's bytes end where its value's begin.
    if (!pair || pair->key.type != MSGPACK_OBJECT_STR)
        return false;
    uintptr_t first = (uintptr_t) data, key = (uintptr_t) pair->key.via.str.ptr;
    if (key < first || key - first > size || pair->key.via.str.size > size - (key - first))
        return false;
    const uint8_t *bytes = (const uint8_t *) data;
    size_t start = (size_t) (key - first) + pair->key.via.str.size;
    size_t end = s_value_end (bytes, size, start);
    if (end == 0)
        return false;
    *value = bytes + start;
    *value_size = end - start;
    return true;
}

static bool
s_str_equal (const msgpack_object *object, const char *text, size_t size)
{
    return object && object->type == MSGPACK_OBJECT_STR && object->via.str.size == size
        && memcmp (object->via.str.ptr, text, size) == 0;
}

const msgpack_object_kv *
wire_map_pair (const msgpack_object *map, const char *key)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    size_t size = strlen (key);
    for (uint32_t index = 0; index < map->via.map.size; index++)
        if (s_str_equal (&map->via.map.ptr [index].key, key, size))
            return &map->via.map.ptr [index];
    return NULL;
}

void
wire_map_pairs (const msgpack_object *map, const wire_key_t *keys, size_t count,
                const msgpack_object_kv **pairs)
{
    for (size_t wanted = 0; wanted < count; wanted++)
        pairs [wanted] = NULL;
    if (!map || map->type != MSGPACK_OBJECT_MAP)
        return;
    for (uint32_t index = 0; index < map->via.map.size; index++) {
        const msgpack_object_kv *pair = &map->via.map.ptr [index];
        for (size_t wanted = 0; wanted < count; wanted++)
            if (!pairs [wanted]
            &&  s_str_equal (&pair->key, keys [wanted].text, keys [wanted].size)) {
                pairs [wanted] = pair;
                break;
            }
    }
}

const msgpack_object *
wire_pair_value (const msgpack_object_kv *pair)
{
    return pair? &pair->val: NULL;
}

const msgpack_object *
wire_map_get (const msgpack_object *map, const char *key)
{
    return wire_pair_value (wire_map_pair (map, key));
}

bool
wire_is_str (const msgpack_object *object)
{
    return object && object->type == MSGPACK_OBJECT_STR;
}

bool
wire_is_int (const msgpack_object *object)
{
    return object && (object->type == MSGPACK_OBJECT_POSITIVE_INTEGER
                   || object->type == MSGPACK_OBJECT_NEGATIVE_INTEGER);
}

bool
wire_str_eq (const msgpack_object *object, const char *text)
{
    return s_str_equal (object, text, strlen (text));
}

bool
wire_get_int (const msgpack_object *object, int64_t *value)
{
    if (!object)
        return false;
    if (object->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        *value = object->via.i64;
        return true;
    }
    if (object->type == MSGPACK_OBJECT_POSITIVE_INTEGER && object->via.u64 <= INT64_MAX) {
        *value = (int64_t) object->via.u64;
        return true;
    }
    return false;
}

bool
wire_str_copy (const msgpack_object *object, char *buffer, size_t size)
{
    if (!wire_is_str (object) || object->via.str.size >= size)
        return false;
    memcpy (buffer, object->via.str.ptr, object->via.str.size);
    buffer [object->via.str.size] = 0;
    return true;
}

char *
wire_str_dup (const msgpack_object *object)
{
    if (!wire_is_str (object))
        return NULL;
    return strndup (object->via.str.ptr, object->via.str.size);
}

//  The second byte's range for each lead byte (Unicode 15, Table 3-7):
//  this one check rules out overlong forms, surrogates and values past
//  U+10FFFF, so no code point needs assembling.
static bool
s_utf8_second (uint8_t lead, uint8_t second)
{
    uint8_t low = 0x80, high = 0xbf;
    if (lead == 0xe0)
        low = 0xa0;
    else
    if (lead == 0xed)
        high = 0x9f;
    else
    if (lead == 0xf0)
        low = 0x90;
    else
    if (lead == 0xf4)
        high = 0x8f;
    return second >= low && second <= high;
}

//  Past a run of 3-byte characters, two per 8-byte load: each a lead
//  1110xxxx and two 10xxxxxx. Leads E0 and ED, whose second byte has a
//  narrower range, stop the run (the general path judges them).
static size_t
s_utf8_three_byte_run (const uint8_t *bytes, size_t index, size_t size)
{
#if defined (__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (size - index >= 8) {
        uint64_t word;
        memcpy (&word, bytes + index, 8);
        if ((word & 0xc0c0f0c0c0f0ULL) != 0x8080e08080e0ULL)
            break;
        unsigned first = word & 0x0f, second = (word >> 24) & 0x0f;
        if (first == 0 || first == 0x0d || second == 0 || second == 0x0d)
            break;
        index += 6;
    }
#endif
    return index;
}

bool
wire_utf8_valid (const char *text, size_t size)
{
    //  Per event on every string of a body, so the common cases go first:
    //  ASCII runs eight bytes at a time, and the 3-byte leads whose second
    //  byte may be any continuation (all of CJK); the rest by ranges.
    const uint8_t *bytes = (const uint8_t *) text;
    size_t index = 0;
    while (index < size) {
        uint8_t lead = bytes [index];
        if (lead < 0x80) {
            index++;
            uint64_t word;
            while (size - index >= 8) {
                memcpy (&word, bytes + index, 8);
                if (word & 0x8080808080808080ULL)
                    break;
                index += 8;
            }
            continue;
        }
        if (lead >= 0xe1 && lead <= 0xef && lead != 0xed) {
            size_t run = s_utf8_three_byte_run (bytes, index, size);
            if (run > index) {
                index = run;
                continue;
            }
            if (size - index < 3 || (bytes [index + 1] & 0xc0) != 0x80
            ||  (bytes [index + 2] & 0xc0) != 0x80)
                return false;
            index += 3;
            continue;
        }
        size_t follow = lead >= 0xc2 && lead <= 0xdf? 1
                      : lead >= 0xe0 && lead <= 0xef? 2
                      : lead >= 0xf0 && lead <= 0xf4? 3: 0;
        if (follow == 0 || size - index <= follow
        ||  !s_utf8_second (lead, bytes [index + 1]))
            return false;
        for (size_t next = 2; next <= follow; next++)
            if ((bytes [index + next] & 0xc0) != 0x80)
                return false;
        index += follow + 1;
    }
    return true;
}

void
wire_pack_strn (msgpack_packer *packer, const char *text, size_t size)
{
    //  Keys and most ids are fixstr: header and bytes in one write.
    if (size < 32) {
        unsigned char fixstr [32];
        packer->callback (packer->data, (const char *) fixstr, wire_put_str (fixstr, text, size));
        return;
    }
    msgpack_pack_str (packer, size);
    msgpack_pack_str_body (packer, text, size);
}

void
wire_pack_str (msgpack_packer *packer, const char *text)
{
    wire_pack_strn (packer, text, strlen (text));
}

void
wire_pack_str_or_nil (msgpack_packer *packer, const char *text)
{
    if (text)
        wire_pack_str (packer, text);
    else
        msgpack_pack_nil (packer);
}

void
wire_pack_key (msgpack_packer *packer, const char *key)
{
    wire_pack_str (packer, key);
}

static int
s_buffer_write (void *data, const char *bytes, size_t size)
{
    wire_buffer_t *self = (wire_buffer_t *) data;
    if (self->failed)
        return -1;
    //  Most writes are a type byte (msgpack-c writes it apart from what
    //  follows): that one without a call to memcpy.
    msgpack_sbuffer *buffer = &self->buffer;
    if (buffer->alloc - buffer->size >= size) {
        if (size == 1)
            buffer->data [buffer->size] = bytes [0];
        else
            memcpy (buffer->data + buffer->size, bytes, size);
        buffer->size += size;
        return 0;
    }
    if (msgpack_sbuffer_write (buffer, bytes, size) != 0) {
        self->failed = true;
        return -1;
    }
    return 0;
}

void
wire_buffer_init (wire_buffer_t *self)
{
    msgpack_sbuffer_init (&self->buffer);
    msgpack_packer_init (&self->packer, self, s_buffer_write);
    self->failed = false;
}

void
wire_buffer_clear (wire_buffer_t *self)
{
    msgpack_sbuffer_clear (&self->buffer);
    self->failed = false;
}

void
wire_buffer_release (wire_buffer_t *self)
{
    msgpack_sbuffer_destroy (&self->buffer);
    wire_buffer_init (self);
}

void
wire_pack_raw (msgpack_packer *packer, const void *data, size_t size)
{
    packer->callback (packer->data, (const char *) data, size);
}

unsigned char *
wire_buffer_reserve (wire_buffer_t *self, size_t size)
{
    msgpack_sbuffer *buffer = &self->buffer;
    if (self->failed)
        return NULL;
    if (buffer->alloc - buffer->size < size) {
        //  msgpack_sbuffer's own growth: its memory is realloc's.
        size_t alloc = buffer->alloc? buffer->alloc: MSGPACK_SBUFFER_INIT_SIZE;
        while (alloc - buffer->size < size) {
            if (alloc > SIZE_MAX / 2) {
                self->failed = true;
                return NULL;
            }
            alloc *= 2;
        }
        char *data = (char *) realloc (buffer->data, alloc);
        if (!data) {
            self->failed = true;
            return NULL;
        }
        buffer->data = data;
        buffer->alloc = alloc;
    }
    return (unsigned char *) buffer->data + buffer->size;
}

void
wire_buffer_commit (wire_buffer_t *self, size_t used)
{
    self->buffer.size += used;
}

//  Writes value big-endian in width bytes after the head byte.
static size_t
s_put_be (unsigned char *out, uint8_t head, uint64_t value, int width)
{
    out [0] = head;
    for (int index = 0; index < width; index++)
        out [1 + index] = (unsigned char) (value >> (8 * (width - 1 - index)));
    return 1 + (size_t) width;
}

size_t
wire_put_str (unsigned char *out, const char *text, size_t size)
{
    size_t header = size < 32? (out [0] = (unsigned char) (0xa0 | size), 1)
                  : size < 256? s_put_be (out, 0xd9, size, 1)
                  : size < 65536? s_put_be (out, 0xda, size, 2)
                  : s_put_be (out, 0xdb, size, 4);
    memcpy (out + header, text, size);
    return header + size;
}

size_t
wire_put_uint (unsigned char *out, uint64_t value)
{
    if (value < 128) {
        out [0] = (unsigned char) value;
        return 1;
    }
    return value < 256? s_put_be (out, 0xcc, value, 1)
         : value < 65536? s_put_be (out, 0xcd, value, 2)
         : value <= UINT32_MAX? s_put_be (out, 0xce, value, 4)
         : s_put_be (out, 0xcf, value, 8);
}

size_t
wire_put_int (unsigned char *out, int64_t value)
{
    if (value >= 0)
        return wire_put_uint (out, (uint64_t) value);
    if (value >= -32) {
        out [0] = (unsigned char) (int8_t) value;
        return 1;
    }
    return value >= INT8_MIN? s_put_be (out, 0xd0, (uint64_t) value, 1)
         : value >= INT16_MIN? s_put_be (out, 0xd1, (uint64_t) value, 2)
         : value >= INT32_MIN? s_put_be (out, 0xd2, (uint64_t) value, 4)
         : s_put_be (out, 0xd3, (uint64_t) value, 8);
}
