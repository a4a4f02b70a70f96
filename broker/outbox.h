/*  outbox: committed events, in seq order, waiting to be published on
    the stream and queued for the worker roles — both only once the commit
    that wrote them is durable (store_durable). */
#ifndef DAIBAN_OUTBOX_H
#define DAIBAN_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "envelope.h"

typedef struct {
    uint64_t seq;
    uint64_t after;             //  the commit that must be durable first
    const char *type;           //  the event_type table's name: static
    char case_id [ENVELOPE_CASE_MAX + 1];
    void *data;
    size_t size;
    size_t capacity;            //  of data (a buffer_pool buffer)
} outbox_entry_t;

typedef struct _outbox_t outbox_t;

outbox_t *outbox_new (void);
void outbox_destroy (outbox_t **self_p);

//  Adds a copy of a committed event; false when out of memory. type is
//  an event_type name (static, kept as a pointer), case_id a valid case id.
bool outbox_add (outbox_t *self, uint64_t seq, const char *type, const char *case_id,
                 const void *data, size_t size, uint64_t after);
//  How many entries from the front have their commit durable.
size_t outbox_ready (outbox_t *self, uint64_t durable);
//  Forgets the first count entries (published).
void outbox_drop (outbox_t *self, size_t count);
//  Drops entries from index on (a transaction that did not commit).
void outbox_truncate (outbox_t *self, size_t count);
size_t outbox_size (outbox_t *self);
const outbox_entry_t *outbox_at (outbox_t *self, size_t index);
void outbox_clear (outbox_t *self);

#endif
