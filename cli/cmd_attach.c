/*  cmd_attach: `attach CASE FILE --kind KIND`: the file's content goes to
    the broker first (blob_put, durable before the reply), then the event
    attachment.added names it by SHA-256 (docs/archive.md). */
#include "commands.h"

#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include "args.h"
#include "blob_client.h"

int
cmd_attach (cli_t *cli, int argc, char **argv)
{
    const char *kind = NULL, *item = NULL, *meeting = NULL, *name = NULL, *media_type = NULL;
    const char *source = NULL, *id = NULL;
    bool json = false;
    args_option_t options [] = {
        { "--kind", ARGS_TEXT, &kind }, { "--item", ARGS_TEXT, &item },
        { "--meeting", ARGS_TEXT, &meeting }, { "--name", ARGS_TEXT, &name },
        { "--media-type", ARGS_TEXT, &media_type }, { "--source", ARGS_TEXT, &source },
        { "--id", ARGS_TEXT, &id }, { "--json", ARGS_FLAG, &json }, { NULL, 0, NULL }
    };
    const char *positional [2];
    size_t count = 0;
    daiban_error_t err;
    if (args_parse (argc, argv, 1, options, positional, 2, &count, &err) != DAIBAN_OK)
        return cli_fail (&err);
    if (count != 2 || !kind)
        return cli_usage_error ("usage: attach CASE FILE --kind KIND [--item CODE] "
                                "[--meeting ID] [--name NAME] [--media-type TYPE]");
    char path [4096];
    snprintf (path, sizeof path, "%s", positional [1]);
    if (!name)
        name = basename (path);
    char sha256 [DIGEST_HEX_SIZE + 1];
    int64_t size;
    bool stored = false;
    int code = blob_client_put_file (cli, positional [1], sha256, &size, &stored);
    if (code != CLI_EXIT_OK)
        return code;
    if (!json)
        printf ("%s %lld bytes %s\n", sha256, (long long) size, stored? "stored": "already stored");
    json_t *body = json_pack ("{s:s, s:s, s:s, s:I, s:s}", "kind", kind, "name", name,
                              "media_type", media_type? media_type: blob_client_media_type (name),
                              "size", (json_int_t) size, "sha256", sha256);
    if (body && item)
        json_object_set_new (body, "item", json_string (item));
    if (body && meeting)
        json_object_set_new (body, "meeting", json_string (meeting));
    json_t *event = body? json_pack ("{s:s, s:s, s:o}", "type", "attachment.added",
                                     "case", positional [0], "body", body): NULL;
    if (!event)
        return cli_usage_error ("CASE, --kind, --name, --item and --meeting must be UTF-8 text");
    code = cmd_post_event (cli, event, id, source, json);
    json_decref (event);
    return code;
}
