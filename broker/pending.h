/*  pending: one request of the current turn, from receipt to reply. The
    broker keeps an array of them, reused turn after turn, so a turn
    allocates nothing once the array has warmed up. */
#ifndef DAIBAN_PENDING_H
#define DAIBAN_PENDING_H

#include <stdbool.h>
#include <stdint.h>
#include <zmq.h>
#include "access.h"
#include "daiban_error.h"
#include "latency.h"
#include "request.h"
#include "wire.h"

typedef struct {
    zmq_msg_t identity;         //  the client's ROUTER identity
    request_t request;
    principal_t principal;      //  who the request acts as (access.h)
    daiban_error_t err;         //  err.code != DAIBAN_OK: answer with this error
    uint64_t seq;               //  post: the committed (or first) seq
    bool duplicate;
    bool published;             //  post: a new event to publish after commit
    wire_buffer_t event;        //  post: the event as committed
} pending_t;

//  The counters that the stats op reports.
typedef struct {
    uint64_t posts;             //  new events committed from clients
    uint64_t duplicates;
    uint64_t rejected;
    uint64_t errors [DAIBAN_RETRY + 1];
    uint64_t batches;           //  write transactions committed
    uint64_t batch_largest;
    uint64_t map_grown;
    uint64_t published;
    latency_t commit_latency;   //  a post's receipt to its durable commit
} broker_counters_t;

#endif
