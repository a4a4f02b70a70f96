/*  metrics: the gateway's counters and histograms (requests by route
    and status, the latency of durable posts, batch sizes), kept under a
    mutex because every connection thread records into them, and their
    Prometheus text form together with the broker's counters (docs/http.md,
    Metrics). */
#ifndef DAIBAN_METRICS_H
#define DAIBAN_METRICS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _metrics_t metrics_t;

metrics_t *metrics_new (void);
void metrics_destroy (metrics_t **self_p);

//  One answered request: its route pattern (a static string), status and duration.
void metrics_request (metrics_t *self, const char *route, int status, int64_t usecs);

//  One durable post, from the first byte of the request to the broker's reply.
void metrics_post (metrics_t *self, int64_t usecs);

//  One batch of events.
void metrics_batch (metrics_t *self, size_t events);

//  The Prometheus text (malloc'd): the gateway's metrics, then those of
//  the broker's stats reply and of the derived values in derived
//  ({"open_alerts":N,"overdue_items":N}), either of which may be NULL
//  (the broker is down: daiban_broker_up 0).
char *metrics_render (metrics_t *self, json_t *stats, json_t *derived);

#endif
