/*  buffer_pool: spare heap buffers kept for reuse, so that a queue whose
    entries come and go at the event rate (the outbox, the held replies)
    does not call malloc and free per event. */
#ifndef DAIBAN_BUFFER_POOL_H
#define DAIBAN_BUFFER_POOL_H

#include <stddef.h>

typedef struct _buffer_pool_t buffer_pool_t;

//  Keeps at most keep spare buffers, none over largest bytes; NULL when
//  out of memory.
buffer_pool_t *buffer_pool_new (size_t keep, size_t largest);
void buffer_pool_destroy (buffer_pool_t **self_p);

//  A buffer of at least size bytes (its capacity in *capacity): a spare
//  when one is kept, else a new one; NULL when out of memory.
void *buffer_pool_take (buffer_pool_t *self, size_t size, size_t *capacity);
//  Takes back a buffer from buffer_pool_take (NULL is ignored): kept for
//  the next take, or freed when the pool is full or it is too large.
void buffer_pool_give (buffer_pool_t *self, void *data, size_t capacity);
//  How many spares are kept.
size_t buffer_pool_spares (buffer_pool_t *self);

#endif
