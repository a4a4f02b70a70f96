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

//  id and source: non-empty UTF-8 strings of at most ENVELOPE_NAME_MAX bytes.
static daiban_code_t
s_parse_name (const msgpack_object *event, const char *key, const char **text, size_t *size,
              daiban_error_t *err)
{
    const msgpack_object *value = wire_map_get (event, key);
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
s_parse_case (envelope_t *self, const msgpack_object *event, daiban_error_t *err)
{
    const msgpack_object *value = wire_map_get (event, "case");
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
s_parse_type (envelope_t *self, const msgpack_object *event, bool posted, daiban_error_t *err)
{
    const msgpack_object *value = wire_map_get (event, "type");
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
    daiban_code_t code = DAIBAN_OK;
    if (origin != ENVELOPE_EMITTED) {
        code = s_parse_name (event, "id", &self->id, &self->id_size, err);
        if (!code)
            code = s_parse_name (event, "source", &self->source, &self->source_size, err);
    }
    if (!code)
        code = s_parse_case (self, event, err);
    if (code)
        return code;

    const msgpack_object *type = wire_map_get (event, "type");
    if (type && !wire_is_str (type))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "event.type: must be a string");
    self->body = wire_map_get (event, "body");
    if (!self->body)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "event.body: required");
    if (self->body->type != MSGPACK_OBJECT_MAP)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "event.body: must be a map");
    const msgpack_object *at = wire_map_get (event, "at");
    if (at && at->type != MSGPACK_OBJECT_NIL) {
        if (!wire_get_int (at, &self->at))
            return daiban_error_set (err, DAIBAN_BAD_REQUEST, "event.at: must be an integer (ms)");
        self->has_at = true;
    }
    return s_parse_type (self, event, posted, err);
}

void
envelope_pack_committed (const envelope_t *self, uint64_t seq, int64_t ts, uint64_t cause,
                         msgpack_packer *packer)
{
    msgpack_pack_map (packer, 8 + (self->has_at? 1: 0) + (cause? 1: 0));
    wire_pack_key (packer, "id");
    wire_pack_strn (packer, self->id, self->id_size);
    wire_pack_key (packer, "type");
    wire_pack_str (packer, self->type->name);
    wire_pack_key (packer, "case");
    wire_pack_str (packer, self->case_id);
    wire_pack_key (packer, "source");
    wire_pack_strn (packer, self->source, self->source_size);
    wire_pack_key (packer, "by");
    if (self->by)
        wire_pack_strn (packer, self->by, self->by_size);
    else
        wire_pack_strn (packer, self->source, self->source_size);
    if (self->has_at) {
        wire_pack_key (packer, "at");
        msgpack_pack_int64 (packer, self->at);
    }
    wire_pack_key (packer, "body");
    //  The bytes as the client sent them: the same value, without a
    //  walk of its objects per event.
    if (self->body_raw)
        wire_pack_raw (packer, self->body_raw, self->body_raw_size);
    else
        msgpack_pack_object (packer, *self->body);
    wire_pack_key (packer, "seq");
    msgpack_pack_uint64 (packer, seq);
    wire_pack_key (packer, "ts");
    msgpack_pack_int64 (packer, ts);
    if (cause) {
        wire_pack_key (packer, "cause");
        msgpack_pack_uint64 (packer, cause);
    }
}
