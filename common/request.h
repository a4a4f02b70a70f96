/*  request: one ingress request of PROTOCOL.md ("Ingress: request and
    reply"): decode and check a request frame, and pack the replies. */
#ifndef DAIBAN_REQUEST_H
#define DAIBAN_REQUEST_H

#include <msgpack.h>
#include <stdbool.h>
#include "daiban_error.h"
#include "envelope.h"

#define REQUEST_MAX_SIZE (1024 * 1024)      //  PROTOCOL.md: over 1 MiB is too_large

typedef enum {
    REQUEST_POST,
    REQUEST_CASE,
    REQUEST_CASES,
    REQUEST_HISTORY,
    REQUEST_CATALOG,
    REQUEST_STATS,
    REQUEST_CLOCK,
    REQUEST_DEADLETTERS,        //  extension: dead letters of the worker roles
    REQUEST_RETRY,              //  extension: dispatch a dead letter again
    REQUEST_BACKUP,             //  extension: a hot copy of the store
    REQUEST_WHOAMI,             //  extension: the principal the broker sees
    REQUEST_RELOAD,             //  extension: read the allowed keys again
    REQUEST_BLOB_PUT,           //  extension: a chunk of an attachment's content
    REQUEST_BLOB_GET,           //  extension: read a stored blob back
    REQUEST_OP_COUNT
} request_op_t;

typedef struct {
    msgpack_zone zone;              //  the decoded objects live here
    msgpack_object root;
    request_op_t op;
    const msgpack_object *rid;      //  echoed in the reply; NULL when absent
    const void *rid_raw;            //  its bytes as received (NULL: pack rid)
    size_t rid_raw_size;
    envelope_t event;               //  for post
} request_t;

//  False when out of memory.
bool request_init (request_t *self);

//  The reply to a post: {ok, rid, seq, duplicate}, written straight into
//  out (once per event).
void request_pack_posted (const request_t *self, uint64_t seq, bool duplicate,
                          wire_buffer_t *out);

//  The wire name of an op ("post", "history", ...).
const char *request_op_name (request_op_t op);
void request_release (request_t *self);
//  Empty for the next request; the zone keeps its first chunk, so that a
//  request costs no allocation of its own.
void request_reset (request_t *self);

//  Decodes a request frame: size, msgpack, map, op, and for post the
//  event's envelope. rid is set as soon as the frame is a map, so that
//  even an error reply echoes it.
daiban_code_t request_decode (request_t *self, const void *data, size_t size,
                              daiban_error_t *err);

//  Opens a success reply map: "ok": true, the rid when there is one, and
//  room for fields more pairs that the caller packs.
void request_pack_ok (msgpack_packer *packer, const msgpack_object *rid, uint32_t fields);

//  Packs a whole failure reply.
void request_pack_error (msgpack_packer *packer, const msgpack_object *rid,
                         const daiban_error_t *err);

#endif
