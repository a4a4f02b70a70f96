/*  metrics: counters and histograms, rendered for Prometheus (see metrics.h). */
#include "metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_ROUTES 64
#define METRICS_BUCKETS 12

//  Upper bounds of the latency buckets in seconds, and of the batch sizes.
static const double s_latency_bounds [METRICS_BUCKETS] = {
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 5
};
static const double s_size_bounds [METRICS_BUCKETS] = {
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000
};

typedef struct {
    uint64_t counts [METRICS_BUCKETS + 1];     //  the last: above every bound
    double sum;
    uint64_t total;
} s_histogram_t;

typedef struct {
    const char *route;
    int status;
    uint64_t count;
} s_route_count_t;

struct _metrics_t {
    pthread_mutex_t mutex;
    s_route_count_t routes [METRICS_ROUTES];
    size_t route_count;
    s_histogram_t post_latency;
    s_histogram_t batch_sizes;
};

metrics_t *
metrics_new (void)
{
    metrics_t *self = (metrics_t *) calloc (1, sizeof (metrics_t));
    if (self && pthread_mutex_init (&self->mutex, NULL) != 0) {
        free (self);
        self = NULL;
    }
    return self;
}

void
metrics_destroy (metrics_t **self_p)
{
    if (!*self_p)
        return;
    pthread_mutex_destroy (&(*self_p)->mutex);
    free (*self_p);
    *self_p = NULL;
}

static void
s_observe (s_histogram_t *histogram, const double *bounds, double value)
{
    int bucket = 0;
    while (bucket < METRICS_BUCKETS && value > bounds [bucket])
        bucket++;
    histogram->counts [bucket]++;
    histogram->sum += value;
    histogram->total++;
}

void
metrics_request (metrics_t *self, const char *route, int status, int64_t usecs)
{
    (void) usecs;
    pthread_mutex_lock (&self->mutex);
    size_t index = 0;
    while (index < self->route_count && (self->routes [index].route != route
                                         || self->routes [index].status != status))
        index++;
    if (index == self->route_count && index < METRICS_ROUTES)
        self->routes [self->route_count++] = (s_route_count_t) { route, status, 0 };
    if (index < METRICS_ROUTES)
        self->routes [index].count++;
    pthread_mutex_unlock (&self->mutex);
}

void
metrics_post (metrics_t *self, int64_t usecs)
{
    pthread_mutex_lock (&self->mutex);
    s_observe (&self->post_latency, s_latency_bounds, (double) usecs / 1e6);
    pthread_mutex_unlock (&self->mutex);
}

void
metrics_batch (metrics_t *self, size_t events)
{
    pthread_mutex_lock (&self->mutex);
    s_observe (&self->batch_sizes, s_size_bounds, (double) events);
    pthread_mutex_unlock (&self->mutex);
}

static void
s_histogram (FILE *out, const char *name, const char *help, const s_histogram_t *histogram,
             const double *bounds)
{
    fprintf (out, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    uint64_t cumulative = 0;
    for (int bucket = 0; bucket < METRICS_BUCKETS; bucket++) {
        cumulative += histogram->counts [bucket];
        fprintf (out, "%s_bucket{le=\"%g\"} %llu\n", name, bounds [bucket],
                 (unsigned long long) cumulative);
    }
    fprintf (out, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %g\n%s_count %llu\n", name,
             (unsigned long long) histogram->total, name, histogram->sum, name,
             (unsigned long long) histogram->total);
}

static void
s_gateway (metrics_t *self, FILE *out)
{
    pthread_mutex_lock (&self->mutex);
    fprintf (out, "# HELP daiban_gateway_requests_total HTTP requests answered, by route "
             "and status\n# TYPE daiban_gateway_requests_total counter\n");
    for (size_t index = 0; index < self->route_count; index++)
        fprintf (out, "daiban_gateway_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                 self->routes [index].route, self->routes [index].status,
                 (unsigned long long) self->routes [index].count);
    s_histogram (out, "daiban_gateway_ack_seconds", "time from a post's request to the "
                 "broker's durable reply", &self->post_latency, s_latency_bounds);
    s_histogram (out, "daiban_gateway_batch_events", "events per batch request",
                 &self->batch_sizes, s_size_bounds);
    pthread_mutex_unlock (&self->mutex);
}

//  One gauge or counter from a number of the broker's stats.
static void
s_value (FILE *out, const char *name, const char *type, const char *help, json_t *value)
{
    if (!json_is_number (value))
        return;
    fprintf (out, "# HELP %s %s\n# TYPE %s %s\n%s %g\n", name, help, name, type, name,
             json_number_value (value));
}

static void
s_roles (FILE *out, json_t *roles)
{
    const char *fields [] = { "queued", "in_flight", NULL };
    for (int field = 0; fields [field]; field++) {
        fprintf (out, "# HELP daiban_role_%s events %s per worker role\n"
                 "# TYPE daiban_role_%s gauge\n", fields [field], fields [field],
                 fields [field]);
        const char *role;
        json_t *entry;
        json_object_foreach (roles, role, entry)
            fprintf (out, "daiban_role_%s{role=\"%s\"} %lld\n", fields [field], role,
                     (long long) json_integer_value (json_object_get (entry, fields [field])));
    }
}

//  The broker's commit latency (stats commit_latency: counts per bucket,
//  the last above every bound), as a Prometheus histogram in seconds.
static void
s_commit_latency (FILE *out, json_t *latency)
{
    json_t *bounds = json_object_get (latency, "bounds_ms");
    json_t *counts = json_object_get (latency, "counts");
    if (!json_is_array (bounds) || !json_is_array (counts)
    ||  json_array_size (counts) != json_array_size (bounds) + 1)
        return;
    const char *name = "daiban_broker_commit_seconds";
    fprintf (out, "# HELP %s time from a post's receipt by the broker to its durable commit\n"
             "# TYPE %s histogram\n", name, name);
    json_int_t cumulative = 0;
    for (size_t bucket = 0; bucket < json_array_size (bounds); bucket++) {
        cumulative += json_integer_value (json_array_get (counts, bucket));
        fprintf (out, "%s_bucket{le=\"%g\"} %lld\n", name,
                 json_number_value (json_array_get (bounds, bucket)) / 1000.0,
                 (long long) cumulative);
    }
    fprintf (out, "%s_bucket{le=\"+Inf\"} %lld\n%s_sum %g\n%s_count %lld\n", name,
             (long long) json_integer_value (json_object_get (latency, "count")), name,
             json_number_value (json_object_get (latency, "sum_ms")) / 1000.0, name,
             (long long) json_integer_value (json_object_get (latency, "count")));
}

static void
s_broker (FILE *out, json_t *stats, json_t *derived)
{
    static const struct { const char *key, *name, *type, *help; } table [] = {
        { "last_seq", "daiban_events_committed", "counter", "events in the log" },
        { "posts", "daiban_posts_total", "counter", "new events from clients" },
        { "duplicates", "daiban_duplicates_total", "counter", "repeated posts" },
        { "rejected", "daiban_rejected_total", "counter", "refused requests" },
        { "batches", "daiban_commit_batches_total", "counter", "group commits" },
        { "batch_largest", "daiban_commit_batch_largest", "gauge", "largest group commit" },
        { "timers_pending", "daiban_timers_pending", "gauge", "timers not yet due" },
        { "timer_lateness_max_ms", "daiban_timer_lateness_max_ms", "gauge",
          "latest a timer fired, ms" },
        { "timer_lateness_p99_ms", "daiban_timer_lateness_p99_ms", "gauge",
          "p99 of timer lateness, ms" },
        { "dead_lettered", "daiban_dead_letters_total", "counter", "events parked" },
        { "cases", "daiban_cases", "gauge", "cases in the store" },
        { NULL, NULL, NULL, NULL }
    };
    fprintf (out, "# HELP daiban_broker_up whether the broker answered\n"
             "# TYPE daiban_broker_up gauge\ndaiban_broker_up %d\n", stats? 1: 0);
    for (int index = 0; stats && table [index].key; index++)
        s_value (out, table [index].name, table [index].type, table [index].help,
                 json_object_get (stats, table [index].key));
    if (stats) {
        s_roles (out, json_object_get (stats, "roles"));
        s_commit_latency (out, json_object_get (stats, "commit_latency"));
    }
    s_value (out, "daiban_alerts_open", "gauge", "alerts not acknowledged",
             json_object_get (derived, "open_alerts"));
    s_value (out, "daiban_items_overdue", "gauge", "open items past their due date",
             json_object_get (derived, "overdue_items"));
}

char *
metrics_render (metrics_t *self, json_t *stats, json_t *derived)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    if (!out)
        return NULL;
    s_gateway (self, out);
    s_broker (out, stats, derived);
    if (fclose (out) != 0) {
        free (text);
        return NULL;
    }
    return text;
}
