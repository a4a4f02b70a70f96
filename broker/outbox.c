/*  outbox: committed events waiting to go out (see outbox.h). */
#include "outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buffer_pool.h"

//  Spares for the copies: a turn's worth, none over 64 KiB.
#define OUTBOX_SPARES 1024
#define OUTBOX_SPARE_LARGEST 65536

struct _outbox_t {
    outbox_entry_t *entries;
    size_t count, capacity;
    buffer_pool_t *pool;
};

outbox_t *
outbox_new (void)
{
    outbox_t *self = (outbox_t *) calloc (1, sizeof (outbox_t));
    if (self && !(self->pool = buffer_pool_new (OUTBOX_SPARES, OUTBOX_SPARE_LARGEST))) {
        free (self);
        return NULL;
    }
    return self;
}

void
outbox_destroy (outbox_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    outbox_t *self = *self_p;
    outbox_clear (self);
    free (self->entries);
    buffer_pool_destroy (&self->pool);
    free (self);
    *self_p = NULL;
}

bool
outbox_add (outbox_t *self, uint64_t seq, const char *type, const char *case_id,
            const void *data, size_t size, uint64_t after)
{
    if (self->count == self->capacity) {
        size_t capacity = self->capacity? self->capacity * 2: 64;
        outbox_entry_t *entries = (outbox_entry_t *) realloc (self->entries,
                                                              capacity * sizeof (outbox_entry_t));
        if (!entries)
            return false;
        self->entries = entries;
        self->capacity = capacity;
    }
    outbox_entry_t *entry = &self->entries [self->count];
    entry->data = buffer_pool_take (self->pool, size, &entry->capacity);
    if (!entry->data)
        return false;
    memcpy (entry->data, data, size);
    entry->size = size;
    entry->seq = seq;
    entry->after = after;
    //  Per event, so no formatting: the type is static, the id is checked.
    entry->type = type;
    size_t length = strnlen (case_id, ENVELOPE_CASE_MAX);
    memcpy (entry->case_id, case_id, length);
    entry->case_id [length] = 0;
    self->count++;
    return true;
}

void
outbox_truncate (outbox_t *self, size_t count)
{
    while (self->count > count) {
        outbox_entry_t *entry = &self->entries [--self->count];
        buffer_pool_give (self->pool, entry->data, entry->capacity);
    }
}

size_t
outbox_size (outbox_t *self)
{
    return self->count;
}

const outbox_entry_t *
outbox_at (outbox_t *self, size_t index)
{
    return index < self->count? &self->entries [index]: NULL;
}

size_t
outbox_ready (outbox_t *self, uint64_t durable)
{
    size_t count = 0;
    while (count < self->count && self->entries [count].after <= durable)
        count++;
    return count;
}

void
outbox_drop (outbox_t *self, size_t count)
{
    if (count == 0)
        return;
    for (size_t index = 0; index < count; index++)
        buffer_pool_give (self->pool, self->entries [index].data, self->entries [index].capacity);
    memmove (self->entries, self->entries + count, (self->count - count) * sizeof (outbox_entry_t));
    self->count -= count;
}

void
outbox_clear (outbox_t *self)
{
    outbox_truncate (self, 0);
}
