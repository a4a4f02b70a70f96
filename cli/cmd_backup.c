/*  cmd_backup: a hot copy of the broker's store (`backup`), made in the
    broker's backup directory while it goes on; --wait follows it in
    `stats` until it is done. docs/storage.md says how to start a broker
    on the copy. */
#include "commands.h"

#include <czmq.h>
#include <stdio.h>
#include <string.h>
#include "args.h"
#define BACKUP_POLL_MS 100

//  Polls stats until the backup is no longer running: CLI_EXIT_OK when
//  done, CLI_EXIT_BROKER_ERROR (with the broker's message) when failed.
static int
s_wait (cli_t *cli, const char *path)
{
    while (true) {
        json_t *request = json_pack ("{s:s}", "op", "stats");
        json_t *backup = NULL;
        int code = cli_call_field (cli, request, "backup", JSON_OBJECT, &backup);
        json_decref (request);
        if (code != CLI_EXIT_OK)
            return code;
        const char *status = json_string_value (json_object_get (backup, "status"));
        const char *at = json_string_value (json_object_get (backup, "path"));
        if (!status || !at || !streq (at, path)) {
            json_decref (backup);
            fprintf (stderr, "daibanctl: the broker no longer reports backup %s\n", path);
            return CLI_EXIT_BROKER_ERROR;
        }
        bool running = streq (status, "running"), done = streq (status, "done");
        if (!running && !done)
            fprintf (stderr, "daibanctl: %s\n",
                     json_string_value (json_object_get (backup, "message")));
        json_decref (backup);
        if (done)
            printf ("backup %s done\n", path);
        if (!running)
            return done? cli_flush (): CLI_EXIT_BROKER_ERROR;
        zclock_sleep (BACKUP_POLL_MS);
    }
}

int
cmd_backup (cli_t *cli, int argc, char **argv)
{
    bool wait = false;
    args_option_t options [] = { { "--wait", ARGS_FLAG, &wait }, { NULL, 0, NULL } };
    const char *name [1];
    size_t count = 0;
    daiban_error_t err;
    if (args_parse (argc, argv, 1, options, name, 1, &count, &err) != DAIBAN_OK)
        return cli_fail (&err);
    json_t *request = count? json_pack ("{s:s, s:s}", "op", "backup", "name", name [0])
                           : json_pack ("{s:s}", "op", "backup");
    if (!request)
        return cli_usage_error ("NAME must be UTF-8 text");
    json_t *reply = NULL;
    int code = cli_call (cli, request, &reply);
    json_decref (request);
    if (code != CLI_EXIT_OK)
        return code;
    char path [4200];
    snprintf (path, sizeof path, "%s", json_string_value (json_object_get (reply, "path")));
    printf ("backup %s: every event up to seq %lld, copying\n", path,
            (long long) json_integer_value (json_object_get (reply, "last_seq")));
    json_decref (reply);
    return wait? s_wait (cli, path): cli_flush ();
}
