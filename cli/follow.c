/*  follow: gap-free, duplicate-free reading of the log, live (see follow.h). */
#include "follow.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "stream.h"

struct _follow_t {
    cli_t *cli;
    history_query_t query;      //  from = the position; case and prefix filters
    stream_t *stream;
    history_fn_t *fn;           //  the callback of the running catch-up or follow
    void *closure;
};

follow_t *
follow_new (cli_t *cli, const history_query_t *query, daiban_error_t *err)
{
    assert (cli && query);
    follow_t *self = (follow_t *) calloc (1, sizeof (follow_t));
    if (!self) {
        daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
        return NULL;
    }
    self->cli = cli;
    self->query = *query;
    self->query.limit = -1;
    if (self->query.from < 1)
        self->query.from = 1;
    self->stream = stream_new (cli_stream (cli), cli_keys (cli), query->prefix? query->prefix: "",
                               err);
    if (!self->stream)
        follow_destroy (&self);
    return self;
}

void
follow_destroy (follow_t **self_p)
{
    assert (self_p);
    if (!*self_p)
        return;
    follow_t *self = *self_p;
    stream_destroy (&self->stream);
    free (self);
    *self_p = NULL;
}

int64_t
follow_position (follow_t *self)
{
    return self->query.from;
}

//  The stream sends every event of the subscribed prefix, of any case;
//  the prefix is checked again because a subscription is only a filter
//  hint on the sending side.
static bool
s_matches (follow_t *self, json_t *event)
{
    const char *type = json_string_value (json_object_get (event, "type"));
    const char *case_id = json_string_value (json_object_get (event, "case"));
    if (self->query.prefix && (!type || strncmp (type, self->query.prefix,
                                                 strlen (self->query.prefix))))
        return false;
    return !self->query.case_id || (case_id && streq (case_id, self->query.case_id));
}

static int
s_deliver (json_t *event, void *closure)
{
    follow_t *self = (follow_t *) closure;
    return s_matches (self, event)? self->fn (event, self->closure): CLI_EXIT_OK;
}

static int
s_catch_up (follow_t *self)
{
    while (true) {
        int64_t before = self->query.from;
        int64_t next = 0, last = 0, delivered = 0;
        int code = history_page (self->cli, &self->query, s_deliver, self, &next, &last,
                                 &delivered);
        if (next > self->query.from)
            self->query.from = next;
        if (code != CLI_EXIT_OK)
            return code;
        //  Up to date; or a reply that did not move on, which asking
        //  again at once would only repeat (the idle poll retries).
        if (self->query.from > last || self->query.from == before)
            return CLI_EXIT_OK;
    }
}

int
follow_catch_up (follow_t *self, history_fn_t *fn, void *closure)
{
    self->fn = fn;
    self->closure = closure;
    return s_catch_up (self);
}

static int
s_ignore (json_t *event, void *closure)
{
    (void) event;
    (void) closure;
    return CLI_EXIT_OK;
}

int
follow_start_at_end (follow_t *self)
{
    history_query_t probe = { .from = 1, .limit = 1 };
    int64_t next = 0, last = 0, delivered = 0;
    int code = history_page (self->cli, &probe, s_ignore, NULL, &next, &last, &delivered);
    if (code == CLI_EXIT_OK)
        self->query.from = last + 1;
    return code;
}

//  One event from the stream: delivered, skipped, or the sign of a gap.
static int
s_on_stream (follow_t *self, json_t *event)
{
    json_t *seq_value = json_object_get (event, "seq");
    if (!json_is_integer (seq_value))
        return CLI_EXIT_OK;
    int64_t seq = json_integer_value (seq_value);
    if (seq < self->query.from)
        return CLI_EXIT_OK;
    if (seq > self->query.from) {
        log_debug ("watch: stream at seq %lld, expected %lld: filling from history",
                   (long long) seq, (long long) self->query.from);
        return s_catch_up (self);
    }
    self->query.from = seq + 1;
    return s_deliver (event, self);
}

int
follow_next (follow_t *self, history_fn_t *fn, void *closure, int timeout_ms)
{
    self->fn = fn;
    self->closure = closure;
    json_t *event = NULL;
    daiban_error_t err;
    if (stream_receive (self->stream, timeout_ms, &event, &err) != DAIBAN_OK)
        return FOLLOW_INTERRUPTED;
    if (!event)
        log_debug ("watch: stream silent for %d ms: checking history from %lld",
                   timeout_ms, (long long) self->query.from);
    int code = event? s_on_stream (self, event): s_catch_up (self);
    json_decref (event);
    return code;
}

int
follow_run (follow_t *self, history_fn_t *fn, void *closure)
{
    int code = follow_catch_up (self, fn, closure);
    while (code == CLI_EXIT_OK)
        code = follow_next (self, fn, closure, FOLLOW_IDLE_MS);
    //  Interrupted (Ctrl-C): a normal end of following.
    return code == FOLLOW_INTERRUPTED? CLI_EXIT_OK: code;
}
