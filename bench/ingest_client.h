/*  ingest_client: the client side of the ingest benchmark. Runs a number
    of client threads against a daiban ingress, each a DEALER socket with
    a fixed number of posts in flight, and gathers throughput and the
    latency of every request (send to durable-commit reply). */
#ifndef BENCH_INGEST_CLIENT_H
#define BENCH_INGEST_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "client_keys.h"

typedef struct {
    const char *endpoint;       //  the broker's ingress
    const char *case_id;        //  the case every event goes to
    const char *tag;            //  prefix of the event ids, unique per run
    size_t clients;             //  client threads, one socket each
    size_t inflight;            //  requests outstanding per client
    size_t events;              //  events of the whole run
    size_t event_bytes;         //  packed size of one event map
    int timeout_ms;             //  longest wait for a reply
    client_keys_t *keys;        //  CURVE keys (--key, --server-key), or plaintext
} ingest_options_t;

typedef struct {
    size_t events;              //  events committed (and answered)
    size_t event_bytes;         //  packed size of one event map, as sent
    size_t request_bytes;       //  packed size of one request, about
    double seconds;             //  from all clients starting to the last reply
    double p50_us;
    double p99_us;
    double max_us;
    char error [320];           //  the first failure, when the run failed
} ingest_result_t;

//  Posts the case.registered that opens options->case_id and waits for
//  the reply. 0 on success (a duplicate of an earlier registration is a
//  success too), else -1 with the reason in error.
int ingest_client_register (const ingest_options_t *options, uint64_t *seq,
                            bool *duplicate, char *error, size_t error_size);

//  Runs the load described by options. Every client first posts one event
//  and waits for it (connection set up, not measured); then all start
//  together. 0 when every request was committed, else -1 with
//  result->error set.
int ingest_client_run (const ingest_options_t *options, ingest_result_t *result);

#endif
