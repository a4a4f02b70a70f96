/*  latency: a histogram of the time from a post's arrival to its durable
    commit (its reply can go), for `stats` and the gateway's /metrics.
    Fixed bucket bounds, so that it costs a few comparisons per turn and
    its counts add up across scrapes as Prometheus expects. */
#ifndef DAIBAN_LATENCY_H
#define DAIBAN_LATENCY_H

#include <msgpack.h>
#include <stdint.h>

#define LATENCY_BUCKETS 12

typedef struct {
    uint64_t counts [LATENCY_BUCKETS + 1];  //  the last: above every bound
    uint64_t total;
    double sum_ms;
} latency_t;

//  count posts that took us microseconds.
void latency_observe (latency_t *self, int64_t us, uint64_t count);

//  Packs {bounds_ms: [...], counts: [...], count, sum_ms}: counts per
//  bucket (not cumulative), the last one above every bound.
void latency_pack (const latency_t *self, msgpack_packer *packer);

#endif
