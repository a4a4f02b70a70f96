/*  envelope: the event envelope of PROTOCOL.md ("The event"): parse and
    check the fields of an event map, and pack the event as committed,
    with the seq, ts and cause that the broker sets. */
#ifndef DAIBAN_ENVELOPE_H
#define DAIBAN_ENVELOPE_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>
#include "daiban_error.h"
#include "event_type.h"
#include "wire.h"

#define ENVELOPE_CASE_MAX 64        //  PROTOCOL.md: 1..64 bytes of [A-Za-z0-9._-]
#define ENVELOPE_NAME_MAX 200       //  id and source: fits an LMDB key (511 bytes)

typedef struct {
    char case_id [ENVELOPE_CASE_MAX + 1];
    const char *id;                 //  points into the decoded message
    size_t id_size;
    const char *source;
    size_t source_size;
    const event_type_t *type;
    bool has_at;
    int64_t at;
    const msgpack_object *body;
    const msgpack_object_kv *body_pair;   //  the body's pair in the event map
    const void *body_raw;           //  the body's bytes as received, or NULL:
    size_t body_raw_size;           //  then it is packed from body
    const char *by;                 //  who posted it (the principal); NULL: the source
    size_t by_size;
} envelope_t;

typedef enum {
    ENVELOPE_POSTED,        //  from a client: id and source required, posted types only
    ENVELOPE_EMITTED,       //  from a worker: the broker sets id and source
    ENVELOPE_STORED         //  from the log: id and source present, any type
} envelope_origin_t;

//  Checks an event map. A posted event needs id and source, and its type
//  must be one that clients may post (else unauthorized); an emitted
//  event (from a worker) gets both from the broker. The body's fields
//  are not checked here (PROTOCOL.md: envelope, then dedupe, then body).
daiban_code_t envelope_parse (envelope_t *self, const msgpack_object *event,
                              envelope_origin_t origin, daiban_error_t *err);

bool envelope_case_id_valid (const char *text, size_t size);

//  Packs the event as stored and published: id, type, case, source,
//  by (the source when not set), at (when given), body, seq, ts, and
//  cause (when not 0).
void envelope_pack_committed (const envelope_t *self, uint64_t seq, int64_t ts,
                              uint64_t cause, wire_buffer_t *out);

#endif
