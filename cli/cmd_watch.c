/*  cmd_watch: `watch` prints committed events as they happen, each once
    and none missing, although the stream may drop events: follow.h says
    how. Without --from only new events are shown, as with `tail -f`. */
#include "commands.h"

#include "args.h"
#include "follow.h"
#include "format.h"

typedef struct {
    bool json;
    int64_t count;              //  stop after this many events; -1 = never
    int64_t printed;
} s_watch_t;

static int
s_print (json_t *event, void *closure)
{
    s_watch_t *self = (s_watch_t *) closure;
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

int
cmd_watch (cli_t *cli, int argc, char **argv)
{
    s_watch_t self = { .count = -1 };
    history_query_t query = { .from = -1, .limit = -1 };
    args_option_t options [] = {
        { "--from", ARGS_INTEGER, &query.from }, { "--case", ARGS_TEXT, &query.case_id },
        { "--prefix", ARGS_TEXT, &query.prefix }, { "--json", ARGS_FLAG, &self.json },
        { "--count", ARGS_INTEGER, &self.count }, { NULL, 0, NULL }
    };
    size_t positional = 0;
    daiban_error_t err;
    if (args_parse (argc, argv, 1, options, NULL, 0, &positional, &err) != DAIBAN_OK)
        return cli_fail (&err);
    if (self.count == 0)
        return cli_usage_error ("--count needs a number of events >= 1");
    bool from_given = query.from >= 0;
    follow_t *follow = follow_new (cli, &query, &err);
    if (!follow)
        return cli_fail (&err);
    int code = from_given? CLI_EXIT_OK: follow_start_at_end (follow);
    if (code == CLI_EXIT_OK)
        code = follow_run (follow, s_print, &self);
    follow_destroy (&follow);
    return code == HISTORY_STOP? CLI_EXIT_OK: code;
}
