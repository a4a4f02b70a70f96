/*  latencies: a growable array of per-operation latencies (nanoseconds)
    for the benchmark tools, with the percentiles they report. One per
    thread while measuring; merged and sorted once at the end. */
#ifndef BENCH_LATENCIES_H
#define BENCH_LATENCIES_H

#include <stddef.h>
#include <stdint.h>

typedef struct _latencies_t latencies_t;

//  An empty array with room for capacity samples; NULL when out of memory.
latencies_t *latencies_new (size_t capacity);
void latencies_destroy (latencies_t **self_p);

//  Appends one sample; -1 when out of memory (the sample is lost).
int latencies_add (latencies_t *self, uint64_t nanoseconds);

//  Appends every sample of other; -1 when out of memory.
int latencies_merge (latencies_t *self, latencies_t *other);

size_t latencies_count (latencies_t *self);

//  The sample at the given percentile (0..100, nearest rank), sorting
//  the array first if needed; 0 when there are no samples.
uint64_t latencies_percentile (latencies_t *self, double percentile);

//  The monotonic clock in nanoseconds.
uint64_t latencies_now (void);

#endif
