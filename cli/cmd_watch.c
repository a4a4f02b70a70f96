/*  cmd_watch: `watch` prints committed events as they happen, each once
    and none missing, although the stream may drop events (PROTOCOL.md,
    Stream). The order of operations makes that hold:
      1. subscribe to the stream first, so nothing committed from now on
         can fall between the catch-up and the stream;
      2. catch up with `history` from --from (default: the end of the
         log, i.e. only new events) until its next passes its last;
      3. read the stream, keeping `position`, the first seq not yet
         examined: an event below it was printed already and is skipped;
         an event above it means a gap (dropped, or filtered out by the
         prefix subscription), filled with `history` from position.
    The subscription reaches the broker some time after the connect (a
    ZeroMQ "slow joiner"), and the stream may drop the newest event with
    nothing after it to reveal the gap: so when the stream stays silent
    for WATCH_IDLE_MS, one `history` page from position checks for what
    it missed. That poll also notices a broker that went away (exit 3). */
#include "commands.h"

#include <czmq.h>
#include <string.h>
#include "args.h"
#include "format.h"
#include "history.h"
#include "log.h"
#include "stream.h"

#define WATCH_IDLE_MS 1000

typedef struct {
    cli_t *cli;
    history_query_t query;      //  from = position; case and prefix filters
    bool json;
    int64_t count;              //  stop after this many events; -1 = never
    int64_t printed;
} s_watch_t;

static bool
s_matches (s_watch_t *self, json_t *event)
{
    const char *type = json_string_value (json_object_get (event, "type"));
    const char *case_id = json_string_value (json_object_get (event, "case"));
    if (self->query.prefix && (!type || strncmp (type, self->query.prefix,
                                                 strlen (self->query.prefix))))
        return false;
    return !self->query.case_id || (case_id && streq (case_id, self->query.case_id));
}

static int
s_print (json_t *event, void *closure)
{
    s_watch_t *self = (s_watch_t *) closure;
    if (!s_matches (self, event))
        return CLI_EXIT_OK;
    if (self->json)
        format_json_line (stdout, event);
    else
        format_event (stdout, event);
    int code = cli_flush ();
    if (code != CLI_EXIT_OK)
        return code;
    self->printed++;
    return self->count > 0 && self->printed >= self->count? HISTORY_STOP: CLI_EXIT_OK;
}

//  Reads history from position until up to date. HISTORY_STOP when
//  --count is reached.
static int
s_catch_up (s_watch_t *self)
{
    while (true) {
        int64_t before = self->query.from;
        int64_t next = 0, last = 0, delivered = 0;
        int code = history_page (self->cli, &self->query, s_print, self, &next, &last,
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

static int
s_ignore (json_t *event, void *closure)
{
    (void) event;
    (void) closure;
    return CLI_EXIT_OK;
}

//  Where to start when --from is not given: just past the newest event.
static int
s_live_end (s_watch_t *self)
{
    history_query_t probe = { .from = 1, .limit = 1 };
    int64_t next = 0, last = 0, delivered = 0;
    int code = history_page (self->cli, &probe, s_ignore, NULL, &next, &last, &delivered);
    self->query.from = last + 1;
    return code;
}

//  Handles one event from the stream.
static int
s_on_stream (s_watch_t *self, json_t *event)
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
    return s_print (event, self);
}

static int
s_follow (s_watch_t *self, stream_t *stream)
{
    while (true) {
        json_t *event = NULL;
        daiban_error_t err;
        if (stream_receive (stream, WATCH_IDLE_MS, &event, &err) != DAIBAN_OK)
            return CLI_EXIT_OK;     //  interrupted (Ctrl-C): a normal end of watching
        if (!event)
            log_debug ("watch: stream silent for %d ms: checking history from %lld",
                       WATCH_IDLE_MS, (long long) self->query.from);
        int code = event? s_on_stream (self, event): s_catch_up (self);
        json_decref (event);
        if (code != CLI_EXIT_OK)
            return code;
    }
}

int
cmd_watch (cli_t *cli, int argc, char **argv)
{
    s_watch_t self = { .cli = cli, .query = { .from = -1, .limit = -1 }, .count = -1 };
    args_option_t options [] = {
        { "--from", ARGS_INTEGER, &self.query.from }, { "--case", ARGS_TEXT, &self.query.case_id },
        { "--prefix", ARGS_TEXT, &self.query.prefix }, { "--json", ARGS_FLAG, &self.json },
        { "--count", ARGS_INTEGER, &self.count }, { NULL, 0, NULL }
    };
    size_t positional = 0;
    daiban_error_t err;
    if (args_parse (argc, argv, 1, options, NULL, 0, &positional, &err) != DAIBAN_OK)
        return cli_fail (&err);
    if (self.count == 0)
        return cli_usage_error ("--count needs a number of events >= 1");
    bool from_given = self.query.from >= 0;
    if (self.query.from == 0)
        self.query.from = 1;
    stream_t *stream = stream_new (cli_stream (cli), self.query.prefix? self.query.prefix: "",
                                   &err);
    if (!stream)
        return cli_fail (&err);
    int code = from_given? CLI_EXIT_OK: s_live_end (&self);
    if (code == CLI_EXIT_OK)
        code = s_catch_up (&self);
    if (code == CLI_EXIT_OK)
        code = s_follow (&self, stream);
    stream_destroy (&stream);
    return code == HISTORY_STOP? CLI_EXIT_OK: code;
}
