/*  ingest_request: the messages of the ingest benchmark. Builds the
    msgpack requests that bench/ingest posts to daiban (a case.registered
    to open the case, then worklog.added events of a fixed size) and
    reads the replies (PROTOCOL.md, Ingress). */
#ifndef BENCH_INGEST_REQUEST_H
#define BENCH_INGEST_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _ingest_request_t ingest_request_t;

//  A builder for the events that source posts to case_id. The note of
//  each worklog.added is Chinese text sized so that the event map is
//  event_bytes long once packed (or as close as the envelope allows).
//  NULL when out of memory or when the envelope alone exceeds event_bytes.
ingest_request_t *ingest_request_new (const char *case_id, const char *source,
                                      size_t event_bytes);
void ingest_request_destroy (ingest_request_t **self_p);

//  The packed size of one worklog.added event map, as built.
size_t ingest_request_event_bytes (ingest_request_t *self);

//  Packs {"op":"post","rid":rid,"event":{worklog.added with id}}.
//  *data stays valid until the next call on self; -1 when out of memory.
int ingest_request_worklog (ingest_request_t *self, const char *id, uint64_t rid,
                            const char **data, size_t *size);

//  Packs the post of a case.registered for the case (one city item), the
//  event that worklog.added needs before it is accepted.
int ingest_request_registration (ingest_request_t *self, const char *id,
                                 const char **data, size_t *size);

//  What the benchmark reads from a reply.
typedef struct {
    bool ok;
    bool duplicate;
    bool has_rid;
    uint64_t rid;
    uint64_t seq;
    char error [256];           //  "code: message" when ok is false
} ingest_reply_t;

//  Decodes one reply; -1 when it is not one msgpack map.
int ingest_request_read_reply (const char *data, size_t size, ingest_reply_t *reply);

#endif
