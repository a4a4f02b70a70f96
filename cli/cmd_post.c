/*  cmd_post: `post` builds an event from options and a JSON body and
    posts it; `ack` posts alert.acknowledged for a supervisor. Both print
    the committed seq, with "(duplicate)" when the broker had the event
    already (PROTOCOL.md: same source and id). */
#include "commands.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "args.h"
#include "format.h"

//  Who posts, when --source is not given: the key's name, or
//  "daibanctl@<hostname>" in plaintext.
static void
s_default_source (cli_t *cli, char *buffer, size_t size)
{
    //  With a key, the key's name: a system posts only as itself.
    if (*client_keys_name (cli_keys (cli))) {
        snprintf (buffer, size, "%s", client_keys_name (cli_keys (cli)));
        return;
    }
    char host [256] = "";
    if (gethostname (host, sizeof host) != 0 || !*host)
        strcpy (host, "localhost");
    host [sizeof host - 1] = 0;
    snprintf (buffer, size, "daibanctl@%s", host);
}

//  A fresh id, unique per source: the time in ms, the process id and a
//  counter, so that two posts of one process or two processes started
//  in the same millisecond never share one.
static void
s_fresh_id (char *buffer, size_t size)
{
    static unsigned counter = 0;
    snprintf (buffer, size, "%lld-%d-%u", (long long) zclock_time (), (int) getpid (),
              ++counter);
}

//  Posts event and prints "<seq>" or "<seq> (duplicate)", or the reply
//  as JSON.
static int
s_post (cli_t *cli, json_t *event, bool json)
{
    json_t *request = json_pack ("{s:s, s:O}", "op", "post", "event", event);
    if (!request)
        return cli_usage_error ("cannot build the request (out of memory)");
    json_t *reply = NULL;
    int code = cli_call (cli, request, &reply);
    json_decref (request);
    if (code != CLI_EXIT_OK)
        return code;
    if (json)
        format_json_line (stdout, reply);
    else {
        json_t *seq = json_object_get (reply, "seq");
        printf ("%lld%s\n", (long long) json_integer_value (seq),
                json_is_true (json_object_get (reply, "duplicate"))? " (duplicate)": "");
    }
    json_decref (reply);
    return cli_flush ();
}

//  Adds id, source and at to event: the given ones or the defaults.
static void
s_envelope (cli_t *cli, json_t *event, const char *id, const char *source, int64_t at)
{
    char fresh_id [96], default_source [300];
    if (!id) {
        s_fresh_id (fresh_id, sizeof fresh_id);
        id = fresh_id;
    }
    if (!source) {
        s_default_source (cli, default_source, sizeof default_source);
        source = default_source;
    }
    json_object_set_new (event, "id", json_string (id));
    json_object_set_new (event, "source", json_string (source));
    if (at >= 0)
        json_object_set_new (event, "at", json_integer (at));
}

//  The body from --body (JSON, or "-" for stdin) or --body-file; {} when
//  neither is given (the broker then names the missing fields).
static json_t *
s_body (const char *body_text, const char *body_file, daiban_error_t *err)
{
    if (body_text && body_file) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "give --body or --body-file, not both");
        return NULL;
    }
    json_t *body;
    if (body_file)
        body = commands_read_json (body_file, true, "--body-file", 0, err);
    else
    if (body_text)
        body = commands_read_json (body_text, false, "--body", 0, err);
    else
        body = json_object ();
    if (body && !json_is_object (body)) {
        json_decref (body);
        daiban_error_set (err, DAIBAN_BAD_REQUEST, "the body must be a JSON object {...}");
        return NULL;
    }
    return body;
}

int
cmd_post (cli_t *cli, int argc, char **argv)
{
    const char *type = NULL, *case_id = NULL, *source = NULL, *id = NULL;
    const char *body_text = NULL, *body_file = NULL;
    int64_t at = -1;
    bool json = false;
    args_option_t options [] = {
        { "--type", ARGS_TEXT, &type }, { "--case", ARGS_TEXT, &case_id },
        { "--source", ARGS_TEXT, &source }, { "--id", ARGS_TEXT, &id },
        { "--at", ARGS_INTEGER, &at }, { "--body", ARGS_TEXT, &body_text },
        { "--body-file", ARGS_TEXT, &body_file }, { "--json", ARGS_FLAG, &json },
        { NULL, 0, NULL }
    };
    size_t positional = 0;
    daiban_error_t err;
    if (args_parse (argc, argv, 1, options, NULL, 0, &positional, &err) != DAIBAN_OK)
        return cli_fail (&err);
    if (!type || !case_id)
        return cli_usage_error ("post needs --type TYPE and --case ID");
    json_t *body = s_body (body_text, body_file, &err);
    if (!body)
        return cli_fail (&err);
    json_t *event = json_pack ("{s:s, s:s, s:o}", "type", type, "case", case_id, "body", body);
    if (!event)
        return cli_usage_error ("--type and --case must be UTF-8 text");
    s_envelope (cli, event, id, source, at);
    int code = s_post (cli, event, json);
    json_decref (event);
    return code;
}

//  The person acknowledging, when --by is not given: the key's name (a
//  supervisor acknowledges as itself), else the login name.
static const char *
s_default_by (cli_t *cli)
{
    if (*client_keys_name (cli_keys (cli)))
        return client_keys_name (cli_keys (cli));
    const char *user = getenv ("USER");
    return user && *user? user: "operator";
}

int
cmd_ack (cli_t *cli, int argc, char **argv)
{
    const char *case_id = NULL, *by = NULL, *source = NULL, *id = NULL;
    bool json = false;
    args_option_t options [] = {
        { "--case", ARGS_TEXT, &case_id }, { "--by", ARGS_TEXT, &by },
        { "--source", ARGS_TEXT, &source }, { "--id", ARGS_TEXT, &id },
        { "--json", ARGS_FLAG, &json }, { NULL, 0, NULL }
    };
    const char *alert [1];
    size_t positional = 0;
    daiban_error_t err;
    if (args_parse (argc, argv, 1, options, alert, 1, &positional, &err) != DAIBAN_OK)
        return cli_fail (&err);
    if (positional != 1 || !case_id)
        return cli_usage_error ("usage: ack ALERT --case ID [--by WHO]");
    json_t *event = json_pack ("{s:s, s:s, s:{s:s, s:s}}", "type", "alert.acknowledged",
                               "case", case_id, "body", "alert", alert [0],
                               "by", by? by: s_default_by (cli));
    if (!event)
        return cli_usage_error ("ALERT, --case and --by must be UTF-8 text");
    s_envelope (cli, event, id, source, -1);
    int code = s_post (cli, event, json);
    json_decref (event);
    return code;
}
