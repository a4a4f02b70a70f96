/*  worker_output: emitted events and timer changes of one decision (see
    worker_output.h). Each list is kept as the packed bytes of its
    elements plus a count; `done` is the array headers followed by those
    bytes, so nothing is packed twice. */
#include "worker_output.h"

#include <stdlib.h>
#include <string.h>

struct _worker_output_t {
    wire_buffer_t emits;        //  packed events, one after the other
    size_t emit_count;
    wire_buffer_t timers;       //  packed timer changes
    size_t timer_count;
};

worker_output_t *
worker_output_new (void)
{
    worker_output_t *self = (worker_output_t *) calloc (1, sizeof (worker_output_t));
    if (!self)
        return NULL;
    //  The buffers' packers point at the buffers themselves: they are
    //  initialised in place and never copied.
    wire_buffer_init (&self->emits);
    wire_buffer_init (&self->timers);
    return self;
}

void
worker_output_destroy (worker_output_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    worker_output_t *self = *self_p;
    wire_buffer_release (&self->emits);
    wire_buffer_release (&self->timers);
    free (self);
    *self_p = NULL;
}

void
worker_output_reset (worker_output_t *self)
{
    wire_buffer_clear (&self->emits);
    wire_buffer_clear (&self->timers);
    self->emit_count = 0;
    self->timer_count = 0;
}

msgpack_packer *
worker_output_emit (worker_output_t *self, const char *type, const char *case_id)
{
    msgpack_packer *packer = &self->emits.packer;
    msgpack_pack_map (packer, 3);
    wire_pack_key (packer, "type");
    wire_pack_str (packer, type);
    wire_pack_key (packer, "case");
    wire_pack_str (packer, case_id);
    wire_pack_key (packer, "body");
    self->emit_count++;
    return packer;
}

msgpack_packer *
worker_output_timer_set (worker_output_t *self, const char *id, int64_t at,
                         const char *case_id, const char *kind)
{
    msgpack_packer *packer = &self->timers.packer;
    msgpack_pack_map (packer, 1);
    wire_pack_key (packer, "set");
    msgpack_pack_map (packer, 5);
    wire_pack_key (packer, "id");
    wire_pack_str (packer, id);
    wire_pack_key (packer, "at");
    msgpack_pack_int64 (packer, at);
    wire_pack_key (packer, "case");
    wire_pack_str (packer, case_id);
    wire_pack_key (packer, "kind");
    wire_pack_str (packer, kind);
    wire_pack_key (packer, "data");
    self->timer_count++;
    return packer;
}

void
worker_output_timer_cancel (worker_output_t *self, const char *id)
{
    msgpack_packer *packer = &self->timers.packer;
    msgpack_pack_map (packer, 1);
    wire_pack_key (packer, "cancel");
    wire_pack_str (packer, id);
    self->timer_count++;
}

size_t
worker_output_emit_count (worker_output_t *self)
{
    return self->emit_count;
}

size_t
worker_output_timer_count (worker_output_t *self)
{
    return self->timer_count;
}

//  Appends already packed elements to the reply.
static void
s_append (wire_buffer_t *reply, const wire_buffer_t *elements)
{
    if (elements->buffer.size > 0 && !reply->failed
    &&  msgpack_sbuffer_write (&reply->buffer, elements->buffer.data, elements->buffer.size))
        reply->failed = true;
}

daiban_code_t
worker_output_pack_done (worker_output_t *self, uint64_t lease, wire_buffer_t *reply,
                         daiban_error_t *err)
{
    if (self->emits.failed || self->timers.failed)
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory writing the output");
    msgpack_packer *packer = &reply->packer;
    msgpack_pack_map (packer, 4);
    wire_pack_key (packer, "op");
    wire_pack_str (packer, "done");
    wire_pack_key (packer, "lease");
    msgpack_pack_uint64 (packer, lease);
    wire_pack_key (packer, "emit");
    msgpack_pack_array (packer, self->emit_count);
    s_append (reply, &self->emits);
    wire_pack_key (packer, "timers");
    msgpack_pack_array (packer, self->timer_count);
    s_append (reply, &self->timers);
    if (reply->failed)
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory packing done");
    return DAIBAN_OK;
}

daiban_code_t
worker_output_pack_fail (uint64_t lease, const char *message, wire_buffer_t *reply,
                         daiban_error_t *err)
{
    msgpack_packer *packer = &reply->packer;
    msgpack_pack_map (packer, 3);
    wire_pack_key (packer, "op");
    wire_pack_str (packer, "fail");
    wire_pack_key (packer, "lease");
    msgpack_pack_uint64 (packer, lease);
    wire_pack_key (packer, "message");
    //  Messages are truncated at a fixed size, maybe inside a UTF-8
    //  sequence: send the longest valid prefix, never invalid text.
    size_t size = strlen (message);
    while (size > 0 && !wire_utf8_valid (message, size))
        size--;
    wire_pack_strn (packer, message, size);
    if (reply->failed)
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory packing fail");
    return DAIBAN_OK;
}
