/*  request: decode ingress requests and pack replies (see request.h). */
#include "request.h"

#include <string.h>
#include "wire.h"

static const char *s_op_names [REQUEST_OP_COUNT] = {
    "post", "case", "cases", "history", "catalog", "stats", "clock", "deadletters", "retry",
    "backup", "whoami", "reload", "blob_put", "blob_get"
};

const char *
request_op_name (request_op_t op)
{
    return op < REQUEST_OP_COUNT? s_op_names [op]: "unknown";
}

bool
request_init (request_t *self)
{
    memset (self, 0, sizeof *self);
    return msgpack_zone_init (&self->zone, 1024);
}

void
request_reset (request_t *self)
{
    msgpack_zone_clear (&self->zone);
    memset (&self->root, 0, sizeof self->root);
    self->op = 0;
    self->rid = NULL;
    self->rid_raw = NULL;
    self->rid_raw_size = 0;
    memset (&self->event, 0, sizeof self->event);
}

void
request_release (request_t *self)
{
    //  A zone whose init failed (or never ran on zeroed memory) has no chunk.
    if (self->zone.chunk_list.head)
        msgpack_zone_destroy (&self->zone);
    memset (self, 0, sizeof *self);
}

//  The request's fields, found in one walk over its map.
typedef enum { FIELD_OP, FIELD_RID, FIELD_EVENT, FIELD_COUNT } field_t;
static const wire_key_t s_field_keys [FIELD_COUNT] = {
    WIRE_KEY ("op"), WIRE_KEY ("rid"), WIRE_KEY ("event")
};

static daiban_code_t
s_decode_op (request_t *self, const msgpack_object *op, daiban_error_t *err)
{
    if (!op)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "op: required");
    if (!wire_is_str (op))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "op: must be a string");
    for (int index = 0; index < REQUEST_OP_COUNT; index++)
        if (wire_str_eq (op, s_op_names [index])) {
            self->op = (request_op_t) index;
            return DAIBAN_OK;
        }
    return daiban_error_set (err, DAIBAN_BAD_REQUEST, "op: unknown op");
}

daiban_code_t
request_decode (request_t *self, const void *data, size_t size, daiban_error_t *err)
{
    if (size > REQUEST_MAX_SIZE)
        return daiban_error_set (err, DAIBAN_TOO_LARGE,
                                 "request of %zu bytes is over the limit of %d", size,
                                 REQUEST_MAX_SIZE);
    daiban_code_t code = wire_unpack (data, size, &self->zone, &self->root, err);
    if (code)
        return code;
    if (self->root.type != MSGPACK_OBJECT_MAP)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "request: must be a map");
    const msgpack_object_kv *fields [FIELD_COUNT];
    wire_map_pairs (&self->root, s_field_keys, FIELD_COUNT, fields);
    self->rid = wire_pair_value (fields [FIELD_RID]);
    wire_pair_value_bytes (data, size, fields [FIELD_RID], &self->rid_raw, &self->rid_raw_size);
    code = s_decode_op (self, wire_pair_value (fields [FIELD_OP]), err);
    if (code || self->op != REQUEST_POST)
        return code;
    if (!fields [FIELD_EVENT])
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "event: required");
    if ((code = envelope_parse (&self->event, &fields [FIELD_EVENT]->val, ENVELOPE_POSTED, err)))
        return code;
    //  Packed again as committed from the bytes the client sent.
    wire_pair_value_bytes (data, size, self->event.body_pair, &self->event.body_raw,
                           &self->event.body_raw_size);
    return DAIBAN_OK;
}

void
request_pack_ok (msgpack_packer *packer, const msgpack_object *rid, uint32_t fields)
{
    msgpack_pack_map (packer, 1 + (rid? 1: 0) + fields);
    wire_pack_key (packer, "ok");
    msgpack_pack_true (packer);
    if (rid) {
        wire_pack_key (packer, "rid");
        msgpack_pack_object (packer, *rid);
    }
}

void
request_pack_posted (const request_t *self, uint64_t seq, bool duplicate, wire_buffer_t *out)
{
    if (!self->rid_raw) {
        request_pack_ok (&out->packer, self->rid, 2);
        wire_pack_key (&out->packer, "seq");
        msgpack_pack_uint64 (&out->packer, seq);
        wire_pack_key (&out->packer, "duplicate");
        if (duplicate)
            msgpack_pack_true (&out->packer);
        else
            msgpack_pack_false (&out->packer);
        return;
    }
    //  {ok: true, rid, seq, duplicate}: 9 + rid + 4 + seq + 10 + 1 bytes.
    unsigned char *start = wire_buffer_reserve (out, 24 + self->rid_raw_size + WIRE_INT_MAX);
    if (!start)
        return;
    unsigned char *at = start;
    memcpy (at, "\x84\xa2ok\xc3\xa3rid", 9);
    at += 9;
    memcpy (at, self->rid_raw, self->rid_raw_size);
    at += self->rid_raw_size;
    memcpy (at, "\xa3seq", 4);
    at += 4;
    at += wire_put_uint (at, seq);
    memcpy (at, "\xa9" "duplicate", 10);
    at += 10;
    *at++ = duplicate? 0xc3: 0xc2;
    wire_buffer_commit (out, (size_t) (at - start));
}

void
request_pack_error (msgpack_packer *packer, const msgpack_object *rid,
                    const daiban_error_t *err)
{
    msgpack_pack_map (packer, 2 + (rid? 1: 0));
    wire_pack_key (packer, "ok");
    msgpack_pack_false (packer);
    if (rid) {
        wire_pack_key (packer, "rid");
        msgpack_pack_object (packer, *rid);
    }
    wire_pack_key (packer, "error");
    msgpack_pack_map (packer, 2);
    wire_pack_key (packer, "code");
    wire_pack_str (packer, daiban_error_code_name (err->code));
    wire_pack_key (packer, "message");
    wire_pack_str (packer, err->message);
}
