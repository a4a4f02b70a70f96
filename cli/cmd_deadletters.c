/*  cmd_deadletters: the events that failed too often for a role and were
    parked (`deadletters`), and `retry`, which hands one back to its role
    (daiban's ingress ops, docs/protocol.md). A retried event shows as
    "retrying" until its role is done with it, and is then gone; failing
    again parks it again. */
#include "commands.h"

#include <errno.h>
#include <stdlib.h>
#include "args.h"
#include "format.h"
#include "format_ops.h"

int
cmd_deadletters (cli_t *cli, int argc, char **argv)
{
    const char *role = NULL;
    bool json = false;
    args_option_t options [] = {
        { "--role", ARGS_TEXT, &role }, { "--json", ARGS_FLAG, &json }, { NULL, 0, NULL }
    };
    size_t positional = 0;
    daiban_error_t err;
    if (args_parse (argc, argv, 1, options, NULL, 0, &positional, &err) != DAIBAN_OK)
        return cli_fail (&err);
    json_t *request = json_pack ("{s:s}", "op", "deadletters");
    if (request && role && json_object_set_new (request, "role", json_string (role)))
        json_decref (request), request = NULL;
    if (!request)
        return cli_usage_error ("--role must be UTF-8 text");
    json_t *deadletters = NULL;
    int code = cli_call_field (cli, request, "deadletters", JSON_ARRAY, &deadletters);
    json_decref (request);
    if (code != CLI_EXIT_OK)
        return code;
    size_t index;
    json_t *deadletter;
    json_array_foreach (deadletters, index, deadletter) {
        if (json)
            format_json_line (stdout, deadletter);
        else
            format_deadletter (stdout, deadletter);
    }
    json_decref (deadletters);
    return cli_flush ();
}

//  A seq: a whole number >= 1, digits only.
static bool
s_parse_seq (const char *text, int64_t *seq)
{
    char *end = NULL;
    errno = 0;
    long long value = strtoll (text, &end, 10);
    if (*text < '0' || *text > '9' || *end || errno || value < 1)
        return false;
    *seq = value;
    return true;
}

int
cmd_retry (cli_t *cli, int argc, char **argv)
{
    args_option_t options [] = { { NULL, 0, NULL } };
    const char *positional [2];
    size_t count = 0;
    daiban_error_t err;
    if (args_parse (argc, argv, 1, options, positional, 2, &count, &err) != DAIBAN_OK)
        return cli_fail (&err);
    if (count != 2)
        return cli_usage_error ("usage: retry ROLE SEQ");
    const char *role = positional [0];
    int64_t seq = 0;
    if (!s_parse_seq (positional [1], &seq))
        return cli_usage_error ("SEQ: \"%s\" is not a seq (a whole number >= 1)",
                                positional [1]);
    json_t *request = json_pack ("{s:s, s:s, s:I}", "op", "retry", "role", role,
                                 "seq", (json_int_t) seq);
    if (!request)
        return cli_usage_error ("ROLE must be UTF-8 text");
    json_t *reply = NULL;
    int code = cli_call (cli, request, &reply);
    json_decref (request);
    json_decref (reply);
    if (code != CLI_EXIT_OK)
        return code;
    printf ("event %lld queued again for role %s (it shows as retrying until done)\n",
            (long long) seq, role);
    return cli_flush ();
}
