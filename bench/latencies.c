/*  latencies: per-operation latency samples and percentiles (see latencies.h). */
#include "latencies.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct _latencies_t {
    uint64_t *samples;
    size_t count;
    size_t capacity;
    bool sorted;
};

latencies_t *
latencies_new (size_t capacity)
{
    latencies_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->capacity = capacity? capacity: 1;
    self->samples = malloc (self->capacity * sizeof *self->samples);
    if (!self->samples) {
        free (self);
        return NULL;
    }
    return self;
}

void
latencies_destroy (latencies_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        free ((*self_p)->samples);
        free (*self_p);
        *self_p = NULL;
    }
}

static int
s_reserve (latencies_t *self, size_t wanted)
{
    if (wanted <= self->capacity)
        return 0;
    size_t capacity = self->capacity * 2 > wanted? self->capacity * 2: wanted;
    uint64_t *samples = realloc (self->samples, capacity * sizeof *samples);
    if (!samples)
        return -1;
    self->samples = samples;
    self->capacity = capacity;
    return 0;
}

int
latencies_add (latencies_t *self, uint64_t nanoseconds)
{
    assert (self);
    if (s_reserve (self, self->count + 1))
        return -1;
    self->samples [self->count++] = nanoseconds;
    self->sorted = false;
    return 0;
}

int
latencies_merge (latencies_t *self, latencies_t *other)
{
    assert (self);
    assert (other);
    if (s_reserve (self, self->count + other->count))
        return -1;
    memcpy (self->samples + self->count, other->samples,
            other->count * sizeof *other->samples);
    self->count += other->count;
    self->sorted = false;
    return 0;
}

size_t
latencies_count (latencies_t *self)
{
    assert (self);
    return self->count;
}

static int
s_compare (const void *left, const void *right)
{
    uint64_t a = *(const uint64_t *) left;
    uint64_t b = *(const uint64_t *) right;
    return a < b? -1: a > b? 1: 0;
}

uint64_t
latencies_percentile (latencies_t *self, double percentile)
{
    assert (self);
    assert (percentile >= 0 && percentile <= 100);
    if (self->count == 0)
        return 0;
    if (!self->sorted) {
        qsort (self->samples, self->count, sizeof *self->samples, s_compare);
        self->sorted = true;
    }
    //  Nearest rank: the smallest sample with at least percentile % of
    //  the samples at or below it.
    size_t rank = (size_t) ceil (percentile / 100.0 * (double) self->count);
    if (rank < 1)
        rank = 1;
    return self->samples [rank - 1];
}

uint64_t
latencies_now (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (uint64_t) now.tv_sec * 1000000000ull + (uint64_t) now.tv_nsec;
}
