/*  latency: the commit latency histogram (see latency.h). */
#include "latency.h"

#include "wire.h"

static const double s_bounds_ms [LATENCY_BUCKETS] = {
    0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 1000
};

void
latency_observe (latency_t *self, int64_t us, uint64_t count)
{
    double ms = us < 0? 0: (double) us / 1000.0;
    int bucket = 0;
    while (bucket < LATENCY_BUCKETS && ms > s_bounds_ms [bucket])
        bucket++;
    self->counts [bucket] += count;
    self->total += count;
    self->sum_ms += ms * (double) count;
}

void
latency_pack (const latency_t *self, msgpack_packer *packer)
{
    msgpack_pack_map (packer, 4);
    wire_pack_key (packer, "bounds_ms");
    msgpack_pack_array (packer, LATENCY_BUCKETS);
    for (int bucket = 0; bucket < LATENCY_BUCKETS; bucket++)
        msgpack_pack_double (packer, s_bounds_ms [bucket]);
    wire_pack_key (packer, "counts");
    msgpack_pack_array (packer, LATENCY_BUCKETS + 1);
    for (int bucket = 0; bucket <= LATENCY_BUCKETS; bucket++)
        msgpack_pack_uint64 (packer, self->counts [bucket]);
    wire_pack_key (packer, "count");
    msgpack_pack_uint64 (packer, self->total);
    wire_pack_key (packer, "sum_ms");
    msgpack_pack_double (packer, self->sum_ms);
}
