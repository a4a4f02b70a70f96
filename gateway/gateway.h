/*  gateway: what every part of daiban-gateway shares: the settings from
    the configuration and the flags, the token table, the calendar (for
    days left), the metrics and the count of open event streams. One
    instance, made by main before the HTTP server starts, read-only
    after that except for the atomic counters. */
#ifndef DAIBAN_GATEWAY_H
#define DAIBAN_GATEWAY_H

#include <stdatomic.h>
#include <stdbool.h>
#include "calendar.h"
#include "client_keys.h"
#include "config.h"
#include "metrics.h"
#include "tokens.h"

//  Request bodies: one event, a batch (the limits); events in a batch.
#define GATEWAY_BODY_MAX (1024 * 1024)
#define GATEWAY_BATCH_BODY_MAX (16 * 1024 * 1024)
#define GATEWAY_BATCH_MAX 1000
//  An upload's body beyond its file: the boundaries, the part headers and
//  the small fields (kind, item, meeting, id).
#define GATEWAY_MULTIPART_SLACK (64 * 1024)

typedef struct {
    char listen [128];          //  ADDR:PORT of the HTTP server
    const char *config_path;    //  -c FILE, or NULL (each event stream reloads it)
    const char *ingress;        //  the broker's endpoints
    const char *stream;
    int broker_timeout_ms;      //  a broker silent this long: 504
    int connect_ms;             //  no connection to the broker this long: 503
    int idle_timeout_s;         //  a connection idle this long is closed
    int request_timeout_s;      //  a body not complete this long after its headers: 408
    int max_connections;
    int max_streams;            //  open event streams; 503 past it
    int64_t blob_max_bytes;     //  an attachment's limit: the broker's (broker/blob_max_bytes)
    config_t *config;
    tokens_t *tokens;           //  NULL: no tokens, loopback only, everyone admin
    client_keys_t *keys;        //  the gateway's CURVE keys (plaintext without)
    calendar_t *calendar;
    metrics_t *metrics;
    atomic_int streams;
} gateway_t;

#endif
