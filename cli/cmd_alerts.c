/*  cmd_alerts: `alerts` lists the open (unacknowledged) alerts, then with
    --follow prints new ones as they are raised.

    The alerts come from the log, not from the case states. No op lists
    alerts; reading them from the states would take `cases` and then one
    `case` per case, but `cases` returns at most 10,000 summaries and has
    no way to continue, so past that many cases alerts would be missed
    without a word. The log has them all: `history` with the prefix
    "alert." returns every alert.raised and alert.acknowledged, page after
    page, and alert_book folds them as the broker's reducer does. The fold
    also ends at a seq, and --follow goes on from the next one through the
    same gap-free reading as `watch` (follow.h): no alert is shown twice
    or missed between the list and the live part. */
#include "commands.h"

#include "alert_book.h"
#include "args.h"
#include "follow.h"
#include "format.h"
#include "format_ops.h"

typedef struct {
    alert_book_t *book;
    const char *role;           //  only alerts to this role (--role)
    bool all, json;
    bool live;                  //  folding the live part: print as they come
    int64_t count, printed;     //  --count: stop after this many live alerts
} s_alerts_t;

static int
s_print (s_alerts_t *self, json_t *alert)
{
    if (self->json)
        format_json_line (stdout, alert);
    else
        format_alert_line (stdout, alert);
    return cli_flush ();
}

//  Folds one event; in the live part, prints the alert it raised (or,
//  with --all, acknowledged) when it passes the filters.
static int
s_fold (json_t *event, void *closure)
{
    s_alerts_t *self = (s_alerts_t *) closure;
    json_t *alert = NULL;
    daiban_error_t err;
    if (alert_book_apply (self->book, event, &alert, &err) != DAIBAN_OK)
        return cli_fail (&err);
    if (!self->live || !alert || !alert_book_selects (alert, self->role, self->all))
        return CLI_EXIT_OK;
    int code = s_print (self, alert);
    if (code != CLI_EXIT_OK)
        return code;
    self->printed++;
    return self->count > 0 && self->printed >= self->count? HISTORY_STOP: CLI_EXIT_OK;
}

//  A case the broker does not know is an error, as with `case`, rather
//  than an empty list that would hide a mistyped id.
static int
s_check_case (cli_t *cli, const char *case_id)
{
    json_t *request = json_pack ("{s:s, s:s}", "op", "case", "case", case_id);
    if (!request)
        return cli_usage_error ("the case id must be UTF-8 text");
    json_t *reply = NULL;
    int code = cli_call (cli, request, &reply);
    json_decref (request);
    json_decref (reply);
    return code;
}

//  The list: every alert of the log folded, the selected ones printed.
//  *next is where the live part goes on.
static int
s_list (cli_t *cli, s_alerts_t *self, const history_query_t *query, int64_t *next)
{
    int64_t last = 0;
    int code = history_run (cli, query, s_fold, self, next, &last);
    size_t index;
    json_t *alert;
    json_array_foreach (alert_book_alerts (self->book), index, alert)
        if (code == CLI_EXIT_OK && alert_book_selects (alert, self->role, self->all))
            code = s_print (self, alert);
    return code;
}

static int
s_follow (cli_t *cli, s_alerts_t *self, history_query_t *query, int64_t next)
{
    daiban_error_t err;
    query->from = next;
    follow_t *follow = follow_new (cli, query, &err);
    if (!follow)
        return cli_fail (&err);
    self->live = true;
    int code = follow_run (follow, s_fold, self);
    follow_destroy (&follow);
    return code == HISTORY_STOP? CLI_EXIT_OK: code;
}

int
cmd_alerts (cli_t *cli, int argc, char **argv)
{
    s_alerts_t self = { .count = -1 };
    history_query_t query = { .from = 1, .limit = -1, .prefix = "alert." };
    bool follow = false;
    args_option_t options [] = {
        { "--role", ARGS_TEXT, &self.role }, { "--case", ARGS_TEXT, &query.case_id },
        { "--all", ARGS_FLAG, &self.all }, { "--json", ARGS_FLAG, &self.json },
        { "--follow", ARGS_FLAG, &follow }, { "--count", ARGS_INTEGER, &self.count },
        { NULL, 0, NULL }
    };
    size_t positional = 0;
    daiban_error_t err;
    if (args_parse (argc, argv, 1, options, NULL, 0, &positional, &err) != DAIBAN_OK)
        return cli_fail (&err);
    if (self.count >= 0 && (!follow || self.count == 0))
        return cli_usage_error ("--count needs --follow and a number of alerts >= 1");
    int code = query.case_id? s_check_case (cli, query.case_id): CLI_EXIT_OK;
    if (code != CLI_EXIT_OK)
        return code;
    self.book = alert_book_new ();
    if (!self.book) {
        daiban_error_set (&err, DAIBAN_INTERNAL, "out of memory");
        return cli_fail (&err);
    }
    int64_t next = 1;
    code = s_list (cli, &self, &query, &next);
    if (code == CLI_EXIT_OK && follow)
        code = s_follow (cli, &self, &query, next);
    alert_book_destroy (&self.book);
    return code;
}
