/*  replies: replies held until their commit is durable (see replies.h). */
#include "replies.h"

#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "buffer_pool.h"

//  Spares for the held replies: a turn's worth, none over 64 KiB.
#define REPLIES_SPARES 1024
#define REPLIES_SPARE_LARGEST 65536

typedef struct {
    uint64_t after;
    size_t identity_size, reply_size;
    unsigned char *bytes;       //  identity, then reply
    size_t capacity;            //  of bytes (a buffer_pool buffer)
} held_t;

struct _replies_t {
    held_t *held;
    size_t first, count, capacity;
    buffer_pool_t *pool;
};

replies_t *
replies_new (void)
{
    replies_t *self = (replies_t *) calloc (1, sizeof (replies_t));
    if (self && !(self->pool = buffer_pool_new (REPLIES_SPARES, REPLIES_SPARE_LARGEST))) {
        free (self);
        return NULL;
    }
    return self;
}

void
replies_destroy (replies_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    replies_t *self = *self_p;
    for (size_t index = self->first; index < self->count; index++)
        free (self->held [index].bytes);
    free (self->held);
    buffer_pool_destroy (&self->pool);
    free (self);
    *self_p = NULL;
}

bool
replies_hold (replies_t *self, const void *identity, size_t identity_size, const void *reply,
              size_t reply_size, uint64_t after)
{
    if (self->count == self->capacity && self->first > 0) {
        //  Released replies leave room at the front: reuse it first.
        memmove (self->held, self->held + self->first, (self->count - self->first) * sizeof (held_t));
        self->count -= self->first;
        self->first = 0;
    }
    if (self->count == self->capacity) {
        size_t capacity = self->capacity? self->capacity * 2: 256;
        held_t *held = (held_t *) realloc (self->held, capacity * sizeof (held_t));
        if (!held)
            return false;
        self->held = held;
        self->capacity = capacity;
    }
    held_t *entry = &self->held [self->count];
    entry->bytes = (unsigned char *) buffer_pool_take (self->pool, identity_size + reply_size,
                                                       &entry->capacity);
    if (!entry->bytes)
        return false;
    memcpy (entry->bytes, identity, identity_size);
    memcpy (entry->bytes + identity_size, reply, reply_size);
    entry->identity_size = identity_size;
    entry->reply_size = reply_size;
    entry->after = after;
    self->count++;
    return true;
}

void
replies_release (replies_t *self, void *socket, uint64_t durable)
{
    while (self->first < self->count && self->held [self->first].after <= durable) {
        held_t *entry = &self->held [self->first++];
        //  A client that vanished or stopped reading loses its replies
        //  (ROUTER drops them); it never stalls everyone else.
        if (zmq_send (socket, entry->bytes, entry->identity_size, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0) {
            zmq_send (socket, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT);
            zmq_send (socket, entry->bytes + entry->identity_size, entry->reply_size, ZMQ_DONTWAIT);
        }
        buffer_pool_give (self->pool, entry->bytes, entry->capacity);
    }
    if (self->first == self->count)
        self->first = self->count = 0;
}

size_t
replies_held (replies_t *self)
{
    return self->count - self->first;
}
