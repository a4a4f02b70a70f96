/*  cmd_admin: `stats`, `catalog` and `raw` (any request, for operators
    and tests), and reading JSON given on the command line. */
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "args.h"
#include "format.h"
#include "format_state.h"

json_t *
commands_read_json (const char *text, bool from_file, const char *what, size_t flags,
                    daiban_error_t *err)
{
    //  Duplicate keys would silently lose a value: refuse them.
    flags |= JSON_REJECT_DUPLICATES;
    json_error_t error;
    json_t *value;
    if (from_file) {
        FILE *file = streq (text, "-")? stdin: fopen (text, "rb");
        if (!file) {
            daiban_error_set (err, DAIBAN_BAD_REQUEST, "%s %s: %s", what, text,
                              strerror (errno));
            return NULL;
        }
        value = json_loadf (file, flags, &error);
        if (file != stdin)
            fclose (file);
    }
    else
    if (streq (text, "-"))
        value = json_loadf (stdin, flags, &error);
    else
        value = json_loads (text, flags, &error);
    if (!value)
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "%s: bad JSON: %s (line %d, column %d)",
                          what, error.text, error.line, error.column);
    return value;
}

//  The shared shape of `stats` and `catalog`: one request, then the
//  reply as JSON or through a readable view.
static int
s_simple (cli_t *cli, int argc, char **argv, const char *op,
          void (*view) (FILE *out, json_t *reply))
{
    bool json = false;
    args_option_t options [] = { { "--json", ARGS_FLAG, &json }, { NULL, 0, NULL } };
    size_t positional = 0;
    daiban_error_t err;
    if (args_parse (argc, argv, 1, options, NULL, 0, &positional, &err) != DAIBAN_OK)
        return cli_fail (&err);
    json_t *request = json_pack ("{s:s}", "op", op);
    json_t *reply = NULL;
    int code = cli_call (cli, request, &reply);
    json_decref (request);
    if (code != CLI_EXIT_OK)
        return code;
    if (json) {
        json_object_del (reply, "rid");
        format_json_line (stdout, reply);
    }
    else
        view (stdout, reply);
    json_decref (reply);
    return cli_flush ();
}

int
cmd_stats (cli_t *cli, int argc, char **argv)
{
    return s_simple (cli, argc, argv, "stats", format_stats);
}

int
cmd_catalog (cli_t *cli, int argc, char **argv)
{
    return s_simple (cli, argc, argv, "catalog", format_catalog);
}

int
cmd_raw (cli_t *cli, int argc, char **argv)
{
    args_option_t options [] = { { NULL, 0, NULL } };
    const char *text [1];
    size_t positional = 0;
    daiban_error_t err;
    if (args_parse (argc, argv, 1, options, text, 1, &positional, &err) != DAIBAN_OK)
        return cli_fail (&err);
    if (positional != 1)
        return cli_usage_error ("usage: raw JSON (or raw - to read it from stdin)");
    json_t *request = commands_read_json (text [0], false, "raw", JSON_DECODE_ANY, &err);
    if (!request)
        return cli_fail (&err);
    json_t *reply = NULL;
    int code = cli_call_raw (cli, request, &reply);
    json_decref (request);
    if (reply && code == CLI_EXIT_BROKER_ERROR)
        cli_report (reply);
    if (reply) {
        format_json_line (stdout, reply);
        json_decref (reply);
        int flushed = cli_flush ();
        if (code == CLI_EXIT_OK)
            code = flushed;
    }
    return code;
}
