/*  sse: GET /v1/stream, committed events as Server-Sent Events, one
    message per event with `id: SEQ` (docs/http.md, Stream). Each stream
    runs in its connection's thread with its own ingress and stream
    sockets and follows the log with cli/follow.c, the code behind
    `daibanctl watch`: history from the position, then the stream with
    its gaps filled from history, so a client that reconnects with
    Last-Event-ID gets every event after it once, across a restart of
    the gateway or of the broker. */
#include "handlers.h"

#include <czmq.h>
#include <string.h>
#include "follow.h"

//  How long one wait on the stream lasts; the buffered bytes that make
//  a catch-up pause to send (so a client far behind costs bounded memory).
#define SSE_WAIT_MS 500
#define SSE_BUFFER_MAX (256 * 1024)

typedef struct {
    gateway_t *gateway;
    cli_t *cli;
    follow_t *follow;
    char prefix [128];
    char case_id [128];
    char *pending;              //  bytes to send, from sent on
    size_t size, sent, capacity;
    bool caught_up;
    int64_t written;            //  zclock_mono of the last bytes handed to the server
} sse_t;

static void
s_free (void *closure)
{
    sse_t *self = (sse_t *) closure;
    follow_destroy (&self->follow);
    cli_destroy (&self->cli);
    atomic_fetch_sub (&self->gateway->streams, 1);
    free (self->pending);
    free (self);
}

static bool
s_append (sse_t *self, const char *text, size_t size)
{
    if (self->size + size > self->capacity) {
        size_t capacity = self->capacity? self->capacity: 4096;
        while (capacity < self->size + size)
            capacity *= 2;
        char *grown = (char *) realloc (self->pending, capacity);
        if (!grown)
            return false;
        self->pending = grown;
        self->capacity = capacity;
    }
    memcpy (self->pending + self->size, text, size);
    self->size += size;
    return true;
}

static int
s_on_event (json_t *event, void *closure)
{
    sse_t *self = (sse_t *) closure;
    char *data = json_dumps (event, JSON_COMPACT);
    char head [64];
    int length = snprintf (head, sizeof head, "id: %lld\ndata: ",
                           (long long) json_integer_value (json_object_get (event, "seq")));
    bool ok = data && s_append (self, head, (size_t) length)
           && s_append (self, data, strlen (data)) && s_append (self, "\n\n", 2);
    free (data);
    if (!ok)
        return CLI_EXIT_BROKER_ERROR;
    return self->size >= SSE_BUFFER_MAX? HISTORY_STOP: CLI_EXIT_OK;
}

//  Fills pending: the catch-up, or one wait on the stream; a comment
//  line when nothing came for a while, so that a client that left is
//  noticed and an idle connection is not timed out. False at the end.
static bool
s_fill (sse_t *self)
{
    int code = self->caught_up? follow_next (self->follow, s_on_event, self, SSE_WAIT_MS)
                              : follow_catch_up (self->follow, s_on_event, self);
    if (code == FOLLOW_INTERRUPTED || zsys_interrupted)
        return false;
    if (!self->caught_up && code == CLI_EXIT_OK)
        self->caught_up = true;
    if (code != CLI_EXIT_OK && code != HISTORY_STOP) {
        self->caught_up = false;            //  the broker is away: catch up once it is back
        zclock_sleep (SSE_WAIT_MS);
    }
    int ping_ms = self->gateway->idle_timeout_s * 1000 / 3;
    if (self->size == 0 && zclock_mono () - self->written >= (ping_ms < 5000? ping_ms: 5000))
        s_append (self, ": ping\n\n", 8);
    return true;
}

static ssize_t
s_read (void *closure, uint64_t position, char *buffer, size_t max)
{
    (void) position;
    sse_t *self = (sse_t *) closure;
    //  Never 0 bytes: in a chunked response, libmicrohttpd would send
    //  that as the last chunk and end the stream. This thread is the
    //  connection's own, so it waits here (a ping at the latest).
    if (self->sent == self->size)
        self->sent = self->size = 0;
    while (self->size == 0)
        if (!s_fill (self))
            return MHD_CONTENT_READER_END_OF_STREAM;
    size_t count = self->size - self->sent;
    if (count > max)
        count = max;
    memcpy (buffer, self->pending + self->sent, count);
    self->sent += count;
    if (count)
        self->written = zclock_mono ();
    return (ssize_t) count;
}

//  The client of the stream's own: a cli context on the gateway's config.
static cli_t *
s_cli (gateway_t *gateway, daiban_error_t *err)
{
    config_t *config = config_new (gateway->config_path, err);
    if (!config)
        return NULL;
    char timeout [32];
    snprintf (timeout, sizeof timeout, "%d", gateway->broker_timeout_ms);
    config_set (config, "broker/ingress", gateway->ingress);
    config_set (config, "broker/stream", gateway->stream);
    config_set (config, "cli/timeout_ms", timeout);
    //  The flags of the gateway's own command line, which the file lacks.
    const char *keys [] = { "security/key", "security/server_key", NULL };
    for (int index = 0; keys [index]; index++)
        if (config_get (gateway->config, keys [index]))
            config_set (config, keys [index], config_get (gateway->config, keys [index]));
    return cli_new (config, err);
}

//  The first seq to send: after Last-Event-ID, else from, else 0 (only new events).
static bool
s_position (request_t *request, int64_t *from)
{
    const char *last = request_header (request, "Last-Event-ID");
    int64_t last_id = 0;
    if (last && *last) {
        char *end = NULL;
        last_id = strtoll (last, &end, 10);
        if (*end || last_id < 0) {
            request->result = reply_error (request, 400, "bad_request",
                                           "Last-Event-ID must be a seq");
            return false;
        }
        *from = last_id + 1;
        return true;
    }
    return handlers_int_arg (request, "from", 1, INT64_MAX, 0, from);
}

static sse_t *
s_new (request_t *request, int64_t from, daiban_error_t *err)
{
    sse_t *self = (sse_t *) calloc (1, sizeof (sse_t));
    if (!self)
        return NULL;
    self->gateway = request->gateway;
    const char *types = request_arg (request, "types"), *case_id = request_arg (request, "case");
    snprintf (self->prefix, sizeof self->prefix, "%s", types? types: "");
    snprintf (self->case_id, sizeof self->case_id, "%s", case_id? case_id: "");
    history_query_t query = { .from = from, .limit = -1,
                              .case_id = *self->case_id? self->case_id: NULL,
                              .prefix = *self->prefix? self->prefix: NULL };
    self->cli = s_cli (self->gateway, err);
    if (self->cli && request->gateway->tokens)
        cli_act_as (self->cli, request->principal.name, request->principal.role);
    self->follow = self->cli? follow_new (self->cli, &query, err): NULL;
    if (self->follow && from == 0 && follow_start_at_end (self->follow) != CLI_EXIT_OK)
        follow_destroy (&self->follow);
    self->written = zclock_mono ();
    if (!self->follow || !s_append (self, "retry: 1000\n\n", 13)) {
        follow_destroy (&self->follow);
        cli_destroy (&self->cli);
        free (self);
        return NULL;
    }
    return self;
}

enum MHD_Result
handle_stream (request_t *request)
{
    gateway_t *gateway = request->gateway;
    int64_t from = 0;
    if (!handlers_may (request, "stream") || !s_position (request, &from))
        return request->result;
    if (atomic_fetch_add (&gateway->streams, 1) >= gateway->max_streams) {
        atomic_fetch_sub (&gateway->streams, 1);
        return reply_error (request, 503, "unavailable", "%d event streams are open: the most "
                            "this gateway serves", gateway->max_streams);
    }
    daiban_error_t err;
    daiban_error_clear (&err);
    sse_t *self = s_new (request, from, &err);
    if (!self) {
        atomic_fetch_sub (&gateway->streams, 1);
        return reply_error (request, 503, "unavailable", "cannot follow the broker's log: %s",
                            err.code? err.message: "the broker is not reachable");
    }
    struct MHD_Response *response = MHD_create_response_from_callback (MHD_SIZE_UNKNOWN,
                                                                       16 * 1024, s_read,
                                                                       self, s_free);
    if (!response) {
        s_free (self);
        return MHD_NO;
    }
    MHD_add_response_header (response, "Content-Type", "text/event-stream; charset=utf-8");
    MHD_add_response_header (response, "X-Accel-Buffering", "no");
    return reply_response (request, 200, response);
}
