/*  test_wire: the safe MessagePack reader (wire_unpack) refuses every
    malformed input with bad_request without allocating anything the
    bytes do not back, bounds nesting at 32 levels, and reads every
    well-formed value exactly as msgpack_unpack does (compared on random
    values of every format and width); and the small reading and packing
    helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_support.h"
#include "wire.h"

//  Unpacks bytes given as hex; returns the code, leaves the error in err.
//  The bytes live in the zone: decoded strings point into them.
static daiban_code_t
s_unpack_hex (const char *hex, msgpack_zone *zone, msgpack_object *out, daiban_error_t *err)
{
    size_t size;
    unsigned char *bytes = unit_hex (hex, &size);
    void *copy = msgpack_zone_malloc (zone, size + 1);
    assert_non_null (copy);
    memcpy (copy, bytes, size);
    free (bytes);
    return wire_unpack (copy, size, zone, out, err);
}

//  --- Well-formed values -----------------------------------------------

static void
test_unpack_every_format (void **state)
{
    (void) state;
    //  One value of each msgpack format, with what it must decode to.
    struct { const char *hex; const char *json; } cases [] = {
        { "c0", "null" }, { "c2", "false" }, { "c3", "true" },
        { "00", "0" }, { "7f", "127" }, { "ff", "-1" }, { "e0", "-32" },
        { "cc80", "128" }, { "cd0100", "256" }, { "ce00010000", "65536" },
        { "cf0000000100000000", "4294967296" },
        { "d080", "-128" }, { "d1ff00", "-256" }, { "d2ffff0000", "-65536" },
        { "d3ffffffff00000000", "-4294967296" },
        { "ca3fc00000", "1.5" }, { "cb3ff8000000000000", "1.5" },
        { "a0", "''" }, { "a3616263", "'abc'" }, { "d903616263", "'abc'" },
        { "da0003616263", "'abc'" }, { "db00000003616263", "'abc'" },
        { "a6e4bba3e58a9e", "'代办'" },
        { "c40201ff", "'@bin:01ff'" }, { "c5000201ff", "'@bin:01ff'" },
        { "c60000000201ff", "'@bin:01ff'" },
        { "90", "[]" }, { "9201a161", "[1,'a']" }, { "dc00020102", "[1,2]" },
        { "dd000000020102", "[1,2]" },
        { "80", "{}" }, { "81a16101", "{'a':1}" }, { "de0001a16101", "{'a':1}" },
        { "df00000001a16101", "{'a':1}" },
        { "9291c081a16281a16280", "[[null],{'b':{'b':{}}}]" },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++) {
        msgpack_zone zone;
        msgpack_zone_init (&zone, 1024);
        msgpack_object object;
        daiban_error_t err = { 0 };
        daiban_code_t code = s_unpack_hex (cases [index].hex, &zone, &object, &err);
        if (code)
            fail_msg ("%s: %s", cases [index].hex, err.message);
        json_t *actual = unit_object_to_json (&object);
        unit_assert_json_matches (cases [index].hex, cases [index].json, actual);
        json_decref (actual);
        msgpack_zone_destroy (&zone);
    }
    //  Extension types: fixext 1/2/4/8/16 and ext 8/16/32 read as EXT.
    struct { const char *hex; int8_t type; uint32_t size; } extensions [] = {
        { "d40501", 5, 1 }, { "d5050102", 5, 2 }, { "d60501020304", 5, 4 },
        { "d7ff0000000000000000", -1, 8 },
        { "d8050102030405060708090a0b0c0d0e0f10", 5, 16 },
        { "c703050a0b0c", 5, 3 }, { "c80003050a0b0c", 5, 3 }, { "c900000003050a0b0c", 5, 3 },
        { "c70005", 5, 0 },
    };
    for (size_t index = 0; index < sizeof extensions / sizeof extensions [0]; index++) {
        msgpack_zone zone;
        msgpack_zone_init (&zone, 1024);
        msgpack_object object;
        daiban_error_t err = { 0 };
        if (s_unpack_hex (extensions [index].hex, &zone, &object, &err))
            fail_msg ("%s: %s", extensions [index].hex, err.message);
        assert_int_equal (object.type, MSGPACK_OBJECT_EXT);
        assert_int_equal (object.via.ext.type, extensions [index].type);
        assert_int_equal (object.via.ext.size, extensions [index].size);
        msgpack_zone_destroy (&zone);
    }
}

//  A container whose count the bytes do back is read, however large.
static void
test_unpack_large_backed_counts (void **state)
{
    (void) state;
    size_t count = 70000;
    unsigned char *bytes = (unsigned char *) malloc (5 + count);
    assert_non_null (bytes);
    bytes [0] = 0xdd;
    bytes [1] = 0; bytes [2] = 0x01; bytes [3] = 0x11; bytes [4] = 0x70;     //  70000
    memset (bytes + 5, 0xc0, count);
    msgpack_zone zone;
    msgpack_zone_init (&zone, 1024);
    msgpack_object object;
    daiban_error_t err = { 0 };
    assert_int_equal (wire_unpack (bytes, 5 + count, &zone, &object, &err), DAIBAN_OK);
    assert_int_equal (object.type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal (object.via.array.size, count);
    //  One nil short: the count is no longer backed by the bytes.
    assert_int_equal (wire_unpack (bytes, 4 + count, &zone, &object, &err), DAIBAN_BAD_REQUEST);
    msgpack_zone_destroy (&zone);
    free (bytes);
}

//  --- The same objects as msgpack_unpack --------------------------------

//  Random MessagePack in every format and every width of its length or
//  value, not only the shortest that msgpack-c's packer would pick.
typedef struct {
    unsigned char bytes [65536];
    size_t size;
    uint64_t state;
} emitter_t;

static uint64_t
s_random (emitter_t *self)
{
    //  xorshift64: repeatable from the seed.
    self->state ^= self->state << 13;
    self->state ^= self->state >> 7;
    self->state ^= self->state << 17;
    return self->state;
}

static void
s_emit_be (emitter_t *self, uint64_t value, int width)
{
    assert_true (self->size + (size_t) width <= sizeof self->bytes);
    for (int index = width - 1; index >= 0; index--)
        self->bytes [self->size++] = (unsigned char) (value >> (8 * index));
}

//  A head byte, then count (a length or a number of children) in one of
//  the widths that can hold it; fix is the short form's base, or 0.
static void
s_emit_head (emitter_t *self, uint64_t count, unsigned fix, unsigned fix_max,
             const unsigned char wide [3])
{
    int choice = (int) (s_random (self) % 4);
    if (fix && count <= fix_max && choice == 0) {
        s_emit_be (self, fix | count, 1);
        return;
    }
    static const int widths [3] = { 1, 2, 4 };
    for (int index = choice % 3; index < 3; index++)
        if (wide [index] && (widths [index] == 4 || count < (1ull << (8 * widths [index])))) {
            s_emit_be (self, wide [index], 1);
            s_emit_be (self, count, widths [index]);
            return;
        }
    s_emit_be (self, wide [2], 1);
    s_emit_be (self, count, 4);
}

static void
s_emit_payload (emitter_t *self, size_t size)
{
    for (size_t index = 0; index < size; index++)
        s_emit_be (self, s_random (self) & 0xff, 1);
}

static void
s_emit_integer (emitter_t *self)
{
    int width = 1 << (s_random (self) % 4);
    uint64_t value = s_random (self) >> (64 - 8 * width);
    bool is_signed = s_random (self) & 1;
    if (width == 1 && !is_signed && value < 0x80 && (s_random (self) & 1))
        s_emit_be (self, value, 1);                         //  positive fixint
    else
    if (width == 1 && is_signed && (value & 0xe0) == 0xe0 && (s_random (self) & 1))
        s_emit_be (self, value, 1);                         //  negative fixint
    else {
        static const unsigned char heads [2][4] = { { 0xcc, 0xcd, 0xce, 0xcf },
                                                    { 0xd0, 0xd1, 0xd2, 0xd3 } };
        s_emit_be (self, heads [is_signed][width == 1? 0: width == 2? 1: width == 4? 2: 3], 1);
        s_emit_be (self, value, width);
    }
}

static void
s_emit_value (emitter_t *self, int depth)
{
    static const unsigned char str_heads [3] = { 0xd9, 0xda, 0xdb };
    static const unsigned char bin_heads [3] = { 0xc4, 0xc5, 0xc6 };
    static const unsigned char ext_heads [3] = { 0xc7, 0xc8, 0xc9 };
    static const unsigned char array_heads [3] = { 0, 0xdc, 0xdd };
    static const unsigned char map_heads [3] = { 0, 0xde, 0xdf };
    size_t length = s_random (self) % 8 == 0? s_random (self) % 400: s_random (self) % 40;
    switch (s_random (self) % (depth < 6? 10: 7)) {
        case 0: s_emit_be (self, (const unsigned char []) { 0xc0, 0xc2, 0xc3 } [s_random (self) % 3], 1); break;
        case 1: s_emit_integer (self); break;
        case 2: {
            //  Floats from integers: no NaN, which equals nothing.
            bool wide = s_random (self) & 1;
            double value = (double) (int32_t) s_random (self) / 7;
            float narrow = (float) value;
            uint64_t bits = 0;
            if (wide)
                memcpy (&bits, &value, 8);
            else
                memcpy (&bits, &narrow, 4);
            s_emit_be (self, wide? 0xcb: 0xca, 1);
            s_emit_be (self, bits, wide? 8: 4);
            break;
        }
        case 3: s_emit_head (self, length, 0xa0, 31, str_heads); s_emit_payload (self, length); break;
        case 4: s_emit_head (self, length, 0, 0, bin_heads); s_emit_payload (self, length); break;
        case 5: {
            static const size_t fixed [5] = { 1, 2, 4, 8, 16 };
            size_t which = s_random (self) % 6;
            if (which < 5) {
                s_emit_be (self, 0xd4 + which, 1);
                length = fixed [which];
            }
            else
                s_emit_head (self, length, 0, 0, ext_heads);
            s_emit_be (self, s_random (self) & 0xff, 1);     //  the type
            s_emit_payload (self, length);
            break;
        }
        case 6: s_emit_head (self, length, 0xa0, 31, str_heads); s_emit_payload (self, length); break;
        case 7: case 8: {
            size_t count = s_random (self) % 6;
            s_emit_head (self, count, 0x90, 15, array_heads);
            for (size_t index = 0; index < count; index++)
                s_emit_value (self, depth + 1);
            break;
        }
        default: {
            size_t count = s_random (self) % 6;
            s_emit_head (self, count, 0x80, 15, map_heads);
            for (size_t index = 0; index < 2 * count; index++)
                s_emit_value (self, depth + 1);
            break;
        }
    }
}

//  wire_unpack builds what msgpack_unpack builds (types, values, sizes
//  and order, compared by msgpack_object_equal), refuses every strict
//  prefix, and where a changed byte still reads, still agrees.
static void
test_unpack_matches_msgpack_c (void **state)
{
    (void) state;
    emitter_t *emitter = (emitter_t *) calloc (1, sizeof (emitter_t));
    assert_non_null (emitter);
    size_t agreed_after_change = 0;
    for (uint64_t seed = 1; seed <= 3000; seed++) {
        emitter->size = 0;
        emitter->state = seed * 0x9e3779b97f4a7c15ull;
        s_emit_value (emitter, 0);
        msgpack_zone ours, theirs;
        msgpack_zone_init (&ours, 1024);
        msgpack_zone_init (&theirs, 1024);
        msgpack_object mine, reference;
        daiban_error_t err = { 0 };
        size_t offset = 0;
        if (wire_unpack (emitter->bytes, emitter->size, &ours, &mine, &err))
            fail_msg ("seed %llu: %s", (unsigned long long) seed, err.message);
        assert_int_equal (msgpack_unpack ((const char *) emitter->bytes, emitter->size, &offset,
                                          &theirs, &reference), MSGPACK_UNPACK_SUCCESS);
        if (!msgpack_object_equal (mine, reference))
            fail_msg ("seed %llu: objects differ from msgpack_unpack's", (unsigned long long) seed);
        for (size_t cut = 0; cut < emitter->size; cut++)
            assert_int_equal (wire_unpack (emitter->bytes, cut, &ours, &mine, NULL),
                              DAIBAN_BAD_REQUEST);
        //  One byte changed: where it still reads, msgpack-c reads the same.
        size_t at = s_random (emitter) % emitter->size;
        emitter->bytes [at] ^= (unsigned char) (1 + s_random (emitter) % 255);
        if (wire_unpack (emitter->bytes, emitter->size, &ours, &mine, NULL) == DAIBAN_OK) {
            offset = 0;
            assert_int_equal (msgpack_unpack ((const char *) emitter->bytes, emitter->size,
                                              &offset, &theirs, &reference),
                              MSGPACK_UNPACK_SUCCESS);
            assert_true (msgpack_object_equal (mine, reference));
            agreed_after_change++;
        }
        msgpack_zone_destroy (&ours);
        msgpack_zone_destroy (&theirs);
    }
    //  The changed bytes did exercise the comparison.
    assert_true (agreed_after_change > 100);
    free (emitter);
}

//  --- Malformed input --------------------------------------------------

//  A malformed value is refused with bad_request, and what the zone took
//  for the values read before the fault is backed by the bytes: at most
//  one object (and its alignment) per input byte.
static void
s_assert_refused (const unsigned char *bytes, size_t size, const char *fragment,
                  const char *label)
{
    msgpack_zone zone;
    msgpack_zone_init (&zone, 65536);
    msgpack_zone_chunk_list before = zone.chunk_list;
    msgpack_object object;
    daiban_error_t err = { 0 };
    daiban_code_t code = wire_unpack (bytes, size, &zone, &object, &err);
    if (code != DAIBAN_BAD_REQUEST)
        fail_msg ("%s: expected bad_request, got %s: %s", label, daiban_error_code_name (code),
                  err.message);
    if (fragment && !strstr (err.message, fragment))
        fail_msg ("%s: message \"%s\" lacks \"%s\"", label, err.message, fragment);
    assert_int_equal (err.code, DAIBAN_BAD_REQUEST);
    if (zone.chunk_list.head != before.head
    ||  before.free - zone.chunk_list.free > size * (sizeof (msgpack_object) + MSGPACK_ZONE_ALIGN))
        fail_msg ("%s: the zone took more than the %zu bytes back", label, size);
    msgpack_zone_destroy (&zone);
}

static void
s_assert_refused_hex (const char *hex, const char *fragment)
{
    size_t size;
    unsigned char *bytes = unit_hex (hex, &size);
    s_assert_refused (bytes, size, fragment, hex);
    free (bytes);
}

static void
test_unpack_refuses_malformed (void **state)
{
    (void) state;
    s_assert_refused ((const unsigned char *) "", 0, "empty", "empty input");
    struct { const char *hex; const char *fragment; } cases [] = {
        { "c1", "invalid msgpack" },            //  the never-used byte
        { "92c101", "invalid msgpack" },        //  inside an array
        { "81a161c1", "invalid msgpack" },      //  as a map value
        { "c0c0", "trailing" },                 //  two values
        { "81a16101c0", "trailing" },
        { "9201", "declares 2 values" },        //  an element short
        { "82a16101", "" },                     //  a pair short
        { "81a161", "truncated" },              //  key without value
        { "a5616263", "truncated" },            //  fixstr short
        { "cd01", "truncated" },                //  uint16 short
        { "cb3ff80000", "truncated" },          //  float64 short
        { "d9", "" },                           //  str8 without its length
        { "da00", "" },                         //  str16 with half its length
        { "dd0000", "" },                       //  array32 with half its count
        { "d7ff00", "truncated" },              //  fixext 8 short
        { "c70105", "truncated" },              //  ext8 without its byte
        { "c705", "truncated" },                //  ext8 without its type
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++)
        s_assert_refused_hex (cases [index].hex, cases [index].fragment);
}

//  Declared lengths and counts far beyond the bytes: refused at once, so
//  no allocation of gigabytes (under ASan such an allocation would abort).
static void
test_unpack_refuses_huge_declarations (void **state)
{
    (void) state;
    const char *heads [] = {
        "dfffffffff", "ddffffffff", "dbffffffff", "c6ffffffff", "c9ffffffff01",
        "deffff", "dcffff", "daffff", "c5ffff", "d9ff", "c8ffff01", "c7ff01", "c4ff",
        "8f", "9f", "bf",
        //  The same heads nested inside a container.
        "91dfffffffff", "81a161ddffffffff", "9192dbffffffff",
    };
    for (size_t index = 0; index < sizeof heads / sizeof heads [0]; index++) {
        //  With some bytes after the head, as an attacker would send.
        char hex [200];
        snprintf (hex, sizeof hex, "%s%s", heads [index], "a26f70a4706f7374c0c0c0c0c0c0c0c0");
        s_assert_refused_hex (heads [index], NULL);
        s_assert_refused_hex (hex, NULL);
    }
}

//  Every strict prefix of well-formed values is refused.
static void
test_unpack_refuses_every_truncation (void **state)
{
    (void) state;
    wire_buffer_t buffer;
    wire_buffer_init (&buffer);
    unit_pack_text (&buffer, "{'op':'post','rid':[1,-2,3.5,null,true],'event':{'id':'e-1',"
                             "'type':'worklog.added','case':'AS-1','source':'window-3',"
                             "'at':1795000000000,'body':{'agent':'张三','note':'@bin:00ff',"
                             "'n':4294967296,'m':-4294967296,'s':'"
                             "0123456789012345678901234567890123456789'}}}");
    const unsigned char *data = (const unsigned char *) buffer.buffer.data;
    for (size_t cut = 0; cut < buffer.buffer.size; cut++) {
        char label [64];
        snprintf (label, sizeof label, "cut at %zu of %zu", cut, buffer.buffer.size);
        s_assert_refused (data, cut, NULL, label);
    }
    msgpack_zone zone;
    msgpack_zone_init (&zone, 1024);
    msgpack_object object;
    daiban_error_t err = { 0 };
    assert_int_equal (wire_unpack (data, buffer.buffer.size, &zone, &object, &err), DAIBAN_OK);
    msgpack_zone_destroy (&zone);
    wire_buffer_release (&buffer);
}

//  --- Nesting ----------------------------------------------------------

//  depth containers nested: each array holds the next (or a map holds it
//  under key "k"); the innermost holds a nil, or nothing when empty.
static unsigned char *
s_nested (int depth, bool maps, bool empty_innermost, size_t *size)
{
    unsigned char *bytes = (unsigned char *) malloc (3 * depth + 1);
    assert_non_null (bytes);
    size_t position = 0;
    for (int level = 0; level < depth; level++) {
        bool innermost = level == depth - 1;
        if (maps) {
            bytes [position++] = innermost && empty_innermost? 0x80: 0x81;
            if (!(innermost && empty_innermost)) {
                bytes [position++] = 0xa1;
                bytes [position++] = 'k';
            }
        }
        else
            bytes [position++] = innermost && empty_innermost? 0x90: 0x91;
    }
    if (!empty_innermost)
        bytes [position++] = 0xc0;
    *size = position;
    return bytes;
}

//  32 nested levels are read, 33 refused, for arrays and maps.
static void
s_check_nesting_limit (bool empty)
{
    for (int maps = 0; maps <= 1; maps++) {
        char label [80];
        size_t size;
        //  32 levels (the limit) are read.
        unsigned char *bytes = s_nested (WIRE_MAX_DEPTH, maps, empty, &size);
        msgpack_zone zone;
        msgpack_zone_init (&zone, 1024);
        msgpack_object object;
        daiban_error_t err = { 0 };
        daiban_code_t code = wire_unpack (bytes, size, &zone, &object, &err);
        if (code)
            fail_msg ("32 nested %s (innermost %s): %s", maps? "maps": "arrays",
                      empty? "empty": "holding nil", err.message);
        const msgpack_object *level = &object;
        int depth = 0;
        while (level->type == (maps? MSGPACK_OBJECT_MAP: MSGPACK_OBJECT_ARRAY)) {
            depth++;
            if ((maps? level->via.map.size: level->via.array.size) == 0)
                break;
            level = maps? &level->via.map.ptr [0].val: &level->via.array.ptr [0];
        }
        assert_int_equal (depth, WIRE_MAX_DEPTH);
        msgpack_zone_destroy (&zone);
        free (bytes);
        //  33 levels are refused, whether the innermost is empty or not.
        bytes = s_nested (WIRE_MAX_DEPTH + 1, maps, empty, &size);
        snprintf (label, sizeof label, "33 nested %s (innermost %s)", maps? "maps": "arrays",
                  empty? "empty": "holding nil");
        s_assert_refused (bytes, size, "nesting", label);
        free (bytes);
    }
}

static void
test_unpack_nesting_limit (void **state)
{
    (void) state;
    s_check_nesting_limit (false);
    //  Deep nesting of every kind far past the limit, without a stack blowup.
    size_t size;
    unsigned char *bytes = s_nested (100000, false, false, &size);
    s_assert_refused (bytes, size, "nesting", "100000 nested arrays");
    free (bytes);
    bytes = s_nested (100000, true, true, &size);
    s_assert_refused (bytes, size, "nesting", "100000 nested maps");
    free (bytes);
    //  Siblings do not add depth: 31 levels, then many containers side by side.
    wire_buffer_t buffer;
    wire_buffer_init (&buffer);
    for (int level = 0; level < WIRE_MAX_DEPTH - 1; level++)
        msgpack_pack_array (&buffer.packer, 1);
    msgpack_pack_array (&buffer.packer, 100);
    for (int index = 0; index < 100; index++) {
        msgpack_pack_map (&buffer.packer, 1);
        wire_pack_key (&buffer.packer, "k");
        msgpack_pack_nil (&buffer.packer);
    }
    msgpack_zone zone;
    msgpack_zone_init (&zone, 1024);
    msgpack_object object;
    daiban_error_t err = { 0 };
    //  31 arrays + the list of 100 maps = 33 levels: refused.
    assert_int_equal (wire_unpack (buffer.buffer.data, buffer.buffer.size, &zone, &object, &err),
                      DAIBAN_BAD_REQUEST);
    wire_buffer_clear (&buffer);
    for (int level = 0; level < WIRE_MAX_DEPTH - 2; level++)
        msgpack_pack_array (&buffer.packer, 1);
    msgpack_pack_array (&buffer.packer, 100);
    for (int index = 0; index < 100; index++) {
        msgpack_pack_map (&buffer.packer, 1);
        wire_pack_key (&buffer.packer, "k");
        msgpack_pack_nil (&buffer.packer);
    }
    //  30 + 1 + 1 = 32 levels: read.
    assert_int_equal (wire_unpack (buffer.buffer.data, buffer.buffer.size, &zone, &object, &err),
                      DAIBAN_OK);
    msgpack_zone_destroy (&zone);
    wire_buffer_release (&buffer);
}

//  An empty container at level 33 is still nesting deeper than 32 levels.
static void
test_unpack_nesting_limit_empty_innermost (void **state)
{
    (void) state;
    s_check_nesting_limit (true);
}

//  --- Reading helpers --------------------------------------------------

//  wire_pair_value_bytes finds a value's bytes in the message it was
//  decoded from: the first of equal keys (as wire_map_get), any width.
static void
test_pair_value_bytes (void **state)
{
    (void) state;
    //  {"a": 1, str16 "bb": int64 5, bin "c": "x", "bb": 2, "d": [1, {"e": nil}]}
    const char *hex = "85" "a161" "01" "da00026262" "d30000000000000005"
                      "c40163" "a178" "a26262" "02" "a164" "9201" "81a165c0";
    size_t size;
    unsigned char *bytes = unit_hex (hex, &size);
    msgpack_zone zone;
    msgpack_zone_init (&zone, 1024);
    msgpack_object root;
    daiban_error_t err = { 0 };
    assert_int_equal (wire_unpack (bytes, size, &zone, &root, &err), DAIBAN_OK);
    const void *value;
    size_t value_size;
    assert_true (wire_pair_value_bytes (bytes, size, wire_map_pair (&root, "a"), &value,
                                        &value_size));
    assert_ptr_equal (value, bytes + 3);
    assert_int_equal (value_size, 1);
    //  A str16 key; the first "bb" wins, its int64 form kept.
    const msgpack_object_kv *pair = wire_map_pair (&root, "bb");
    assert_ptr_equal (&pair->val, wire_map_get (&root, "bb"));
    assert_true (wire_pair_value_bytes (bytes, size, pair, &value, &value_size));
    assert_ptr_equal (value, bytes + 9);
    assert_int_equal (value_size, 9);
    //  A nested value is one span.
    assert_true (wire_pair_value_bytes (bytes, size, wire_map_pair (&root, "d"), &value,
                                        &value_size));
    assert_ptr_equal (value, bytes + size - 6);
    assert_int_equal (value_size, 6);
    //  No pair, a bin key, or bytes that are not the pair's message.
    assert_null (wire_map_pair (&root, "c"));
    assert_false (wire_pair_value_bytes (bytes, size, NULL, &value, &value_size));
    assert_false (wire_pair_value_bytes (bytes, size, &root.via.map.ptr [2], &value,
                                         &value_size));
    unsigned char other [64];
    memcpy (other, bytes, size);
    assert_false (wire_pair_value_bytes (other, size, pair, &value, &value_size));
    //  Cut short, the value that runs past the end is not there.
    for (size_t cut = size - 6; cut < size; cut++)
        assert_false (wire_pair_value_bytes (bytes, cut, wire_map_pair (&root, "d"), &value,
                                             &value_size));
    msgpack_zone_destroy (&zone);
    free (bytes);
}

static void
test_map_get_and_predicates (void **state)
{
    (void) state;
    unit_value_t value;
    const msgpack_object *map = unit_value_init (&value,
        "{'a':1,'ab':'x','neg':-5,'big':9223372036854775807,'f':1.5,'nil':null,"
        "'list':[1,2],'s':'hello'}");
    //  Exact key match, not a prefix.
    assert_non_null (wire_map_get (map, "a"));
    assert_int_equal (wire_map_get (map, "a")->via.u64, 1);
    assert_true (wire_str_eq (wire_map_get (map, "ab"), "x"));
    assert_null (wire_map_get (map, "abc"));
    assert_null (wire_map_get (map, ""));
    assert_null (wire_map_get (map, "A"));
    //  Not a map, or no map.
    assert_null (wire_map_get (wire_map_get (map, "list"), "a"));
    assert_null (wire_map_get (NULL, "a"));
    //  Predicates.
    assert_true (wire_is_str (wire_map_get (map, "s")));
    assert_false (wire_is_str (wire_map_get (map, "a")));
    assert_false (wire_is_str (NULL));
    assert_true (wire_is_int (wire_map_get (map, "a")));
    assert_true (wire_is_int (wire_map_get (map, "neg")));
    assert_false (wire_is_int (wire_map_get (map, "f")));
    assert_false (wire_is_int (wire_map_get (map, "nil")));
    assert_false (wire_is_int (NULL));
    assert_true (wire_str_eq (wire_map_get (map, "s"), "hello"));
    assert_false (wire_str_eq (wire_map_get (map, "s"), "hell"));
    assert_false (wire_str_eq (wire_map_get (map, "s"), "hello!"));
    assert_false (wire_str_eq (wire_map_get (map, "a"), "1"));
    assert_false (wire_str_eq (NULL, "x"));
    //  Integers.
    int64_t number = 0;
    assert_true (wire_get_int (wire_map_get (map, "neg"), &number));
    assert_int_equal (number, -5);
    assert_true (wire_get_int (wire_map_get (map, "big"), &number));
    assert_true (number == INT64_MAX);
    number = 77;
    assert_false (wire_get_int (wire_map_get (map, "f"), &number));
    assert_false (wire_get_int (wire_map_get (map, "s"), &number));
    assert_false (wire_get_int (NULL, &number));
    assert_int_equal (number, 77);
    unit_value_release (&value);

    //  Past int64 (uint64 max) does not fit; int64 min does.
    msgpack_zone zone;
    msgpack_zone_init (&zone, 1024);
    msgpack_object object;
    daiban_error_t err = { 0 };
    assert_int_equal (s_unpack_hex ("cf8000000000000000", &zone, &object, &err), DAIBAN_OK);
    assert_false (wire_get_int (&object, &number));
    assert_int_equal (s_unpack_hex ("d38000000000000000", &zone, &object, &err), DAIBAN_OK);
    assert_true (wire_get_int (&object, &number));
    assert_true (number == INT64_MIN);
    //  A map whose keys are not strings is searched without trouble.
    assert_int_equal (s_unpack_hex ("8301a161c0a162a16102", &zone, &object, &err), DAIBAN_OK);
    assert_null (wire_map_get (&object, "b"));         //  "b" is only a value
    assert_int_equal (wire_map_get (&object, "a")->via.u64, 2);
    msgpack_zone_destroy (&zone);
}

static void
test_str_copy_and_dup (void **state)
{
    (void) state;
    unit_value_t value;
    const msgpack_object *map = unit_value_init (&value, "{'s':'abcd','n':5,'e':'','z':'@str:610062'}");
    char buffer [5];
    memset (buffer, 'X', sizeof buffer);
    assert_true (wire_str_copy (wire_map_get (map, "s"), buffer, 5));   //  4 + NUL fit
    assert_string_equal (buffer, "abcd");
    assert_false (wire_str_copy (wire_map_get (map, "s"), buffer, 4));  //  no room for NUL
    assert_false (wire_str_copy (wire_map_get (map, "n"), buffer, 5));
    assert_false (wire_str_copy (NULL, buffer, 5));
    assert_true (wire_str_copy (wire_map_get (map, "e"), buffer, 1));
    assert_string_equal (buffer, "");
    char *copy = wire_str_dup (wire_map_get (map, "s"));
    assert_string_equal (copy, "abcd");
    free (copy);
    assert_null (wire_str_dup (wire_map_get (map, "n")));
    assert_null (wire_str_dup (NULL));
    copy = wire_str_dup (wire_map_get (map, "e"));
    assert_string_equal (copy, "");
    free (copy);
    unit_value_release (&value);
}

static void
test_utf8_valid (void **state)
{
    (void) state;
    struct { const char *hex; bool valid; const char *what; } cases [] = {
        { "", true, "empty" },
        { "616263", true, "ASCII" },
        { "00", true, "NUL is a character" },
        { "c280", true, "U+0080, smallest 2-byte" },
        { "dfbf", true, "U+07FF" },
        { "e0a080", true, "U+0800, smallest 3-byte" },
        { "e4bba3e58a9e", true, "代办" },
        { "ed9fbf", true, "U+D7FF, before surrogates" },
        { "ee8080", true, "U+E000, after surrogates" },
        { "efbfbf", true, "U+FFFF" },
        { "f0908080", true, "U+10000, smallest 4-byte" },
        { "f09f8e89", true, "emoji" },
        { "f48fbfbf", true, "U+10FFFF, the last" },
        { "c0af", false, "overlong '/' in 2 bytes" },
        { "c080", false, "overlong NUL" },
        { "c1bf", false, "overlong 2-byte" },
        { "e080af", false, "overlong '/' in 3 bytes" },
        { "e09fbf", false, "overlong U+07FF in 3 bytes" },
        { "f08080af", false, "overlong '/' in 4 bytes" },
        { "f08fbfbf", false, "overlong U+FFFF in 4 bytes" },
        { "eda080", false, "surrogate U+D800" },
        { "edbfbf", false, "surrogate U+DFFF" },
        { "eda0bdedb88a", false, "surrogate pair (CESU-8)" },
        { "f4908080", false, "U+110000, past the last" },
        { "f5808080", false, "lead byte f5" },
        { "f8888080a0", false, "5-byte form" },
        { "fc8480808080", false, "6-byte form" },
        { "fe", false, "byte fe" },
        { "ff", false, "byte ff" },
        { "fffe", false, "ff fe" },
        { "80", false, "lone continuation" },
        { "61bf62", false, "continuation inside ASCII" },
        { "e4", false, "truncated 3-byte: lead only" },
        { "e4bb", false, "truncated 3-byte: one short" },
        { "e7ab", false, "truncated 3-byte at end" },
        { "f09f8e", false, "truncated 4-byte" },
        { "c2", false, "truncated 2-byte" },
        { "e4bb61", false, "3-byte interrupted by ASCII" },
        { "c2c280", false, "lead where a continuation belongs" },
        { "61e4bba3e4bb", false, "valid text, then truncated" },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++) {
        size_t size;
        unsigned char *bytes = unit_hex (cases [index].hex, &size);
        if (wire_utf8_valid ((const char *) bytes, size) != cases [index].valid)
            fail_msg ("%s (%s): expected %s", cases [index].what, cases [index].hex,
                      cases [index].valid? "valid": "invalid");
        free (bytes);
    }
    //  Only size bytes are read: a valid prefix of invalid memory is valid.
    assert_true (wire_utf8_valid ("ab\xff", 2));
    assert_false (wire_utf8_valid ("ab\xff", 3));
    assert_false (wire_utf8_valid ("\xe4\xbb\xa3", 2));
}

//  The definition, decoded the slow way: each code point assembled and
//  judged (overlong, surrogate, past U+10FFFF).
static bool
s_utf8_reference (const uint8_t *bytes, size_t size)
{
    static const uint32_t minimum [4] = { 0, 0x80, 0x800, 0x10000 };
    for (size_t index = 0; index < size; ) {
        uint8_t byte = bytes [index];
        size_t follow;
        uint32_t code;
        if (byte < 0x80) { index++; continue; }
        else if ((byte & 0xe0) == 0xc0) { follow = 1; code = byte & 0x1f; }
        else if ((byte & 0xf0) == 0xe0) { follow = 2; code = byte & 0x0f; }
        else if ((byte & 0xf8) == 0xf0) { follow = 3; code = byte & 0x07; }
        else return false;
        if (size - index <= follow)
            return false;
        for (size_t next = 1; next <= follow; next++) {
            if ((bytes [index + next] & 0xc0) != 0x80)
                return false;
            code = (code << 6) | (bytes [index + next] & 0x3f);
        }
        if (code < minimum [follow] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
            return false;
        index += follow + 1;
    }
    return true;
}

//  The validator agrees with the definition on every sequence of up to
//  three bytes, on every four-byte sequence with a 4-byte lead, on every
//  three bytes beside a CJK character, and behind ASCII runs of every
//  length the word-at-a-time path takes.
static void
test_utf8_valid_exhaustive (void **state)
{
    (void) state;
    uint8_t bytes [16];
    for (uint32_t value = 0; value < (1u << 24); value++) {
        bytes [0] = (uint8_t) (value >> 16);
        bytes [1] = (uint8_t) (value >> 8);
        bytes [2] = (uint8_t) value;
        for (size_t size = 1; size <= 3; size++)
            if (wire_utf8_valid ((const char *) bytes, size) != s_utf8_reference (bytes, size))
                fail_msg ("disagree on %zu bytes %02x %02x %02x", size, bytes [0], bytes [1],
                          bytes [2]);
    }
    for (uint32_t value = 0; value < (1u << 24); value++) {
        bytes [0] = (uint8_t) (0xf0 + (value >> 21) % 8);
        bytes [1] = (uint8_t) (value >> 14);
        bytes [2] = (uint8_t) (value >> 7);
        bytes [3] = (uint8_t) ((value << 1) | 0x80);
        if (wire_utf8_valid ((const char *) bytes, 4) != s_utf8_reference (bytes, 4))
            fail_msg ("disagree on %02x %02x %02x %02x", bytes [0], bytes [1], bytes [2], bytes [3]);
    }
    //  Every 3-byte sequence before and after a CJK character, in the
    //  eight bytes that the two-characters-at-a-time path loads.
    for (uint32_t value = 0; value < (1u << 24); value++) {
        uint8_t window [2][8] = { { 0xe4, 0xbb, 0xa3, 0, 0, 0, 'a', 'a' },
                                  { 0, 0, 0, 0xe4, 0xbb, 0xa3, 'a', 'a' } };
        for (int at = 0; at < 2; at++) {
            uint8_t *tested = window [at] + (at == 0? 3: 0);
            tested [0] = (uint8_t) (value >> 16);
            tested [1] = (uint8_t) (value >> 8);
            tested [2] = (uint8_t) value;
            if (wire_utf8_valid ((const char *) window [at], 8)
            !=  s_utf8_reference (window [at], 8))
                fail_msg ("disagree on %02x %02x %02x beside a CJK character", tested [0],
                          tested [1], tested [2]);
        }
    }
    for (size_t ascii = 0; ascii < 12; ascii++) {
        memset (bytes, 'a', sizeof bytes);
        static const uint8_t tails [][3] = { { 0xe4, 0xbb, 0xa3 }, { 0xed, 0xa0, 0x80 },
                                             { 0x80, 'a', 'a' }, { 0xe4, 0xbb, 'a' } };
        for (size_t tail = 0; tail < 4; tail++) {
            memcpy (bytes + ascii, tails [tail], 3);
            for (size_t size = ascii; size <= ascii + 3; size++)
                assert_int_equal (wire_utf8_valid ((const char *) bytes, size),
                                  s_utf8_reference (bytes, size));
        }
    }
}

//  --- Packing ----------------------------------------------------------

static void
test_pack_helpers_round_trip (void **state)
{
    (void) state;
    wire_buffer_t buffer;
    wire_buffer_init (&buffer);
    assert_false (buffer.failed);
    msgpack_pack_map (&buffer.packer, 5);
    wire_pack_key (&buffer.packer, "str");
    wire_pack_str (&buffer.packer, "代办员");
    wire_pack_key (&buffer.packer, "strn");
    wire_pack_strn (&buffer.packer, "abcdef", 3);
    wire_pack_key (&buffer.packer, "nil");
    wire_pack_str_or_nil (&buffer.packer, NULL);
    wire_pack_key (&buffer.packer, "text");
    wire_pack_str_or_nil (&buffer.packer, "t");
    wire_pack_key (&buffer.packer, "empty");
    wire_pack_str (&buffer.packer, "");
    assert_false (buffer.failed);
    json_t *actual = unit_bytes_to_json (buffer.buffer.data, buffer.buffer.size);
    json_t *expected = unit_json ("{'str':'代办员','strn':'abc','nil':null,'text':'t','empty':''}");
    assert_true (json_equal (expected, actual));
    json_decref (expected);
    json_decref (actual);

    //  Clear empties but keeps the memory; packing starts over.
    char *memory = buffer.buffer.data;
    wire_buffer_clear (&buffer);
    assert_int_equal (buffer.buffer.size, 0);
    assert_ptr_equal (buffer.buffer.data, memory);
    wire_pack_str (&buffer.packer, "again");
    actual = unit_bytes_to_json (buffer.buffer.data, buffer.buffer.size);
    assert_string_equal (json_string_value (actual), "again");
    json_decref (actual);

    //  A long string takes the str32 form and survives (64 KiB + 1).
    wire_buffer_clear (&buffer);
    size_t length = 65537;
    char *text = (char *) malloc (length + 1);
    assert_non_null (text);
    memset (text, 'q', length);
    text [length] = 0;
    wire_pack_str (&buffer.packer, text);
    assert_int_equal ((unsigned char) buffer.buffer.data [0], 0xdb);
    assert_int_equal (buffer.buffer.size, 5 + length);
    actual = unit_bytes_to_json (buffer.buffer.data, buffer.buffer.size);
    assert_string_equal (json_string_value (actual), text);
    json_decref (actual);
    free (text);

    //  Release frees and leaves a usable, empty buffer.
    wire_buffer_release (&buffer);
    assert_int_equal (buffer.buffer.size, 0);
    assert_false (buffer.failed);
    wire_pack_str (&buffer.packer, "x");
    assert_int_equal (buffer.buffer.size, 2);
    wire_buffer_release (&buffer);
}

//  wire_put_str, wire_put_uint and wire_put_int write the bytes that
//  msgpack-c's packer writes for the same value, at every boundary of
//  its forms; wire_buffer_reserve grows the buffer and keeps its bytes.
static void
test_put_matches_packer (void **state)
{
    (void) state;
    wire_buffer_t packed;
    wire_buffer_init (&packed);
    unsigned char mine [WIRE_STR_HEAD_MAX + 70000];
    static const int64_t edges [] = { 0, 1, 31, 32, 127, 128, 255, 256, 65535, 65536,
                                      4294967295LL, 4294967296LL, INT64_MAX, -1, -31, -32, -33,
                                      -127, -128, -129, -32767, -32768, -32769,
                                      -2147483647LL, -2147483648LL, -2147483649LL, INT64_MIN };
    for (size_t index = 0; index < sizeof edges / sizeof edges [0]; index++) {
        int64_t value = edges [index];
        wire_buffer_clear (&packed);
        msgpack_pack_int64 (&packed.packer, value);
        size_t size = wire_put_int (mine, value);
        assert_true (size <= WIRE_INT_MAX);
        assert_int_equal (size, packed.buffer.size);
        assert_memory_equal (mine, packed.buffer.data, size);
        if (value >= 0) {
            wire_buffer_clear (&packed);
            msgpack_pack_uint64 (&packed.packer, (uint64_t) value);
            size = wire_put_uint (mine, (uint64_t) value);
            assert_int_equal (size, packed.buffer.size);
            assert_memory_equal (mine, packed.buffer.data, size);
        }
    }
    wire_buffer_clear (&packed);
    msgpack_pack_uint64 (&packed.packer, UINT64_MAX);
    assert_int_equal (wire_put_uint (mine, UINT64_MAX), packed.buffer.size);
    assert_memory_equal (mine, packed.buffer.data, packed.buffer.size);

    static const size_t lengths [] = { 0, 1, 31, 32, 255, 256, 65535, 65536, 69999 };
    char *text = (char *) malloc (70000);
    assert_non_null (text);
    for (size_t index = 0; index < 70000; index++)
        text [index] = (char) ('a' + index % 26);
    for (size_t index = 0; index < sizeof lengths / sizeof lengths [0]; index++) {
        wire_buffer_clear (&packed);
        msgpack_pack_str (&packed.packer, lengths [index]);
        msgpack_pack_str_body (&packed.packer, text, lengths [index]);
        size_t size = wire_put_str (mine, text, lengths [index]);
        assert_true (size <= WIRE_STR_HEAD_MAX + lengths [index]);
        assert_int_equal (size, packed.buffer.size);
        assert_memory_equal (mine, packed.buffer.data, size);
    }

    //  Reserved room past the buffer's size: it grows, and what was
    //  written before stays.
    wire_buffer_t buffer;
    wire_buffer_init (&buffer);
    wire_pack_str (&buffer.packer, "head");
    unsigned char *room = wire_buffer_reserve (&buffer, 70000);
    assert_non_null (room);
    memcpy (room, text, 70000);
    wire_buffer_commit (&buffer, 70000);
    assert_int_equal (buffer.buffer.size, 5 + 70000);
    assert_memory_equal (buffer.buffer.data, "\xa4head", 5);
    assert_memory_equal (buffer.buffer.data + 5, text, 70000);
    //  A reservation that cannot be met fails the buffer, as packing does.
    assert_null (wire_buffer_reserve (&buffer, SIZE_MAX - 10));
    assert_true (buffer.failed);
    assert_null (wire_buffer_reserve (&buffer, 1));
    wire_buffer_release (&buffer);
    free (text);
    wire_buffer_release (&packed);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_unpack_every_format),
        cmocka_unit_test (test_unpack_large_backed_counts),
        cmocka_unit_test (test_unpack_matches_msgpack_c),
        cmocka_unit_test (test_unpack_refuses_malformed),
        cmocka_unit_test (test_unpack_refuses_huge_declarations),
        cmocka_unit_test (test_unpack_refuses_every_truncation),
        cmocka_unit_test (test_unpack_nesting_limit),
        cmocka_unit_test (test_unpack_nesting_limit_empty_innermost),
        cmocka_unit_test (test_map_get_and_predicates),
        cmocka_unit_test (test_pair_value_bytes),
        cmocka_unit_test (test_str_copy_and_dup),
        cmocka_unit_test (test_utf8_valid),
        cmocka_unit_test (test_utf8_valid_exhaustive),
        cmocka_unit_test (test_pack_helpers_round_trip),
        cmocka_unit_test (test_put_matches_packer),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
