/*  envelope: parse, check and pack event envelopes (see envelope.h). */
#include "envelope.h"

#include <string.h>
#include "wire.h"

bool
envelope_case_id_valid (const char *text, size_t size)
{
    if (size == 0 || size > ENVELOPE_CASE_MAX)
        return false;
    for (size_t index = 0; index < size; index++) {
        char c = text [index];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
           || c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

//  The envelope's fields, found in one walk over the event map.
typedef enum { FIELD_ID, FIELD_SOURCE, FIELD_CASE, FIELD_TYPE, FIELD_BODY, FIELD_AT,
               FIELD_COUNT } field_t;
static const wire_key_t s_field_keys [FIELD_COUNT] = {
    WIRE_KEY ("id"), WIRE_KEY ("source"), WIRE_KEY ("case"), WIRE_KEY ("type"),
    WIRE_KEY ("body"), WIRE_KEY ("at")
};

//  id and source: non-empty UTF-8 strings of at most ENVELOPE_NAME_MAX bytes.
static daiban_code_t
s_parse_name (const msgpack_object *value, const char *key, const char **text, size_t *size,
              daiban_error_t *err)
{
    if (!value)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "event.%s: required", key);
    if (!wire_is_str (value))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "event.%s: must be a string", key);
    if (value->via.str.size == 0 || value->via.str.size > ENVELOPE_NAME_MAX)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "event.%s: must be 1..%d bytes",
                                 key, ENVELOPE_NAME_MAX);
    if (!wire_utf8_valid (value->via.str.ptr, value->via.str.size))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "event.%s: invalid UTF-8", key);
    *text = value->via.str.ptr;
    *size = value->via.str.size;
    return DAIBAN_OK;
}

static daiban_code_t
s_parse_case (envelope_t *self, const msgpack_object *value, daiban_error_t *err)
{
    if (!value)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "event.case: required");
    if (!wire_is_str (value))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "event.case: must be a string");
    if (!envelope_case_id_valid (value->via.str.ptr, value->via.str.size))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "event.case: must be 1..64 bytes of A-Z a-z 0-9 . _ -");
    memcpy (self->case_id, value->via.str.ptr, value->via.str.size);
    self->case_id [value->via.str.size] = 0;
    return DAIBAN_OK;
}

static daiban_code_t
s_parse_type (envelope_t *self, const msgpack_object *value, bool posted, daiban_error_t *err)
{
    if (!value)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "event.type: required");
    if (!wire_is_str (value))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "event.type: must be a string");
    self->type = event_type_find (value->via.str.ptr, value->via.str.size);
    if (!self->type) {
        bool printable = value->via.str.size <= 64
                      && wire_utf8_valid (value->via.str.ptr, value->via.str.size);
        return daiban_error_set (err, DAIBAN_UNKNOWN_TYPE, "event.type: unknown type \"%.*s\"",
                                 printable? (int) value->via.str.size: 3,
                                 printable? value->via.str.ptr: "...");
    }
    if (posted && self->type->emitted)
        return daiban_error_set (err, DAIBAN_UNAUTHORIZED,
                                 "event.type: %s is emitted by daiban and cannot be posted",
                                 self->type->name);
    return DAIBAN_OK;
}

daiban_code_t
envelope_parse (envelope_t *self, const msgpack_object *event, envelope_origin_t origin,
                daiban_error_t *err)
{
    bool posted = origin == ENVELOPE_POSTED;
    memset (self, 0, sizeof *self);
    if (!event || event->type != MSGPACK_OBJECT_MAP)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "event: must be a map");
    const msgpack_object_kv *fields [FIELD_COUNT];
    wire_map_pairs (event, s_field_keys, FIELD_COUNT, fields);
    daiban_code_t code = DAIBAN_OK;
    if (origin != ENVELOPE_EMITTED) {
        code = s_parse_name (wire_pair_value (fields [FIELD_ID]), "id", &self->id, &self->id_size,
                             err);
        if (!code)
            code = s_parse_name (wire_pair_value (fields [FIELD_SOURCE]), "source", &self->source,
                                 &self->source_size, err);
    }
    if (!code)
        code = s_parse_case (self, wire_pair_value (fields [FIELD_CASE]), err);
    if (code)
        return code;

    const msgpack_object *type = wire_pair_value (fields [FIELD_TYPE]);
    if (type && !wire_is_str (type))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "event.type: must be a string");
    self->body_pair = fields [FIELD_BODY];
    self->body = wire_pair_value (self->body_pair);
    if (!self->body)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "event.body: required");
    if (self->body->type != MSGPACK_OBJECT_MAP)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "event.body: must be a map");
    const msgpack_object *at = wire_pair_value (fields [FIELD_AT]);
    if (at && at->type != MSGPACK_OBJECT_NIL) {
        if (!wire_get_int (at, &self->at))
            return daiban_error_set (err, DAIBAN_BAD_REQUEST, "event.at: must be an integer (ms)");
        self->has_at = true;
    }
    return s_parse_type (self, type, posted, err);
}

#define S_PUT_KEY(out, key) wire_put_str ((out), key, sizeof key - 1)

//  What the head (before the body) and the tail take at most: the map's
//  header, the keys (at most 6 bytes each), the strings' headers, and
//  the numbers.
#define S_HEAD_FIXED (1 + 7 * 7 + 5 * WIRE_STR_HEAD_MAX + WIRE_INT_MAX)
#define S_TAIL_FIXED (3 * 6 + 3 * WIRE_INT_MAX)

void
envelope_pack_committed (const envelope_t *self, uint64_t seq, int64_t ts, uint64_t cause,
                         wire_buffer_t *out)
{
    //  Per event, written straight into the buffer in three steps (where
    //  msgpack-c's packer would make a call per key and value).
    const char *by = self->by? self->by: self->source;
    size_t by_size = self->by? self->by_size: self->source_size;
    size_t type_size = strlen (self->type->name), case_size = strlen (self->case_id);
    unsigned char *start = wire_buffer_reserve (out, S_HEAD_FIXED + self->id_size + type_size
                                                     + case_size + self->source_size + by_size);
    if (!start)
        return;
    unsigned char *at = start;
    *at++ = (unsigned char) (0x80 | (8 + (self->has_at? 1: 0) + (cause? 1: 0)));
    at += S_PUT_KEY (at, "id");
    at += wire_put_str (at, self->id, self->id_size);
    at += S_PUT_KEY (at, "type");
    at += wire_put_str (at, self->type->name, type_size);
    at += S_PUT_KEY (at, "case");
    at += wire_put_str (at, self->case_id, case_size);
    at += S_PUT_KEY (at, "source");
    at += wire_put_str (at, self->source, self->source_size);
    at += S_PUT_KEY (at, "by");
    at += wire_put_str (at, by, by_size);
    if (self->has_at) {
        at += S_PUT_KEY (at, "at");
        at += wire_put_int (at, self->at);
    }
    at += S_PUT_KEY (at, "body");
    wire_buffer_commit (out, (size_t) (at - start));
    //  The bytes as the client sent them: the same value, without a
    //  walk of its objects per event.
    if (self->body_raw)
        wire_pack_raw (&out->packer, self->body_raw, self->body_raw_size);
    else
        msgpack_pack_object (&out->packer, *self->body);
    if (!(start = wire_buffer_reserve (out, S_TAIL_FIXED)))
        return;
    at = start;
    at += S_PUT_KEY (at, "seq");
    at += wire_put_uint (at, seq);
    at += S_PUT_KEY (at, "ts");
    at += wire_put_int (at, ts);
    if (cause) {
        at += S_PUT_KEY (at, "cause");
        at += wire_put_uint (at, cause);
    }
    wire_buffer_commit (out, (size_t) (at - start));
}
