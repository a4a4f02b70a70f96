/*  buffer_pool: spare heap buffers kept for reuse (see buffer_pool.h). */
#include "buffer_pool.h"

#include <stdlib.h>

//  A new buffer is at least this large, so that events of about the same
//  size fit each other's spares.
#define BUFFER_POOL_MINIMUM 512

typedef struct {
    void *data;
    size_t capacity;
} spare_t;

struct _buffer_pool_t {
    spare_t *spares;
    size_t count, keep, largest;
};

buffer_pool_t *
buffer_pool_new (size_t keep, size_t largest)
{
    buffer_pool_t *self = (buffer_pool_t *) calloc (1, sizeof (buffer_pool_t));
    if (self && keep && !(self->spares = (spare_t *) calloc (keep, sizeof (spare_t)))) {
        free (self);
        return NULL;
    }
    if (self) {
        self->keep = keep;
        self->largest = largest;
    }
    return self;
}

void
buffer_pool_destroy (buffer_pool_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    buffer_pool_t *self = *self_p;
    while (self->count)
        free (self->spares [--self->count].data);
    free (self->spares);
    free (self);
    *self_p = NULL;
}

void *
buffer_pool_take (buffer_pool_t *self, size_t size, size_t *capacity)
{
    if (self->count) {
        spare_t *spare = &self->spares [self->count - 1];
        if (spare->capacity >= size) {
            self->count--;
            *capacity = spare->capacity;
            return spare->data;
        }
    }
    size_t wanted = size < BUFFER_POOL_MINIMUM? BUFFER_POOL_MINIMUM: size;
    void *data = malloc (wanted);
    *capacity = data? wanted: 0;
    return data;
}

void
buffer_pool_give (buffer_pool_t *self, void *data, size_t capacity)
{
    if (!data)
        return;
    if (self->count == self->keep || capacity > self->largest) {
        free (data);
        return;
    }
    self->spares [self->count].data = data;
    self->spares [self->count].capacity = capacity;
    self->count++;
}

size_t
buffer_pool_spares (buffer_pool_t *self)
{
    return self->count;
}
