/*  cmd_dossier: `dossier CASE [-o DIR]` writes the case file (一事一档,
    docs/archive.md) as a folder, from the protocol only: the state
    (`case`), the log (`history`), the attachments (`blob_get`), then
    档案.pdf and the manifest; `dossier --verify DIR` checks a folder
    against its manifest. */
#include "commands.h"

#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "args.h"
#include "case_file.h"
#include "dossier_files.h"
#include "dossier_folder.h"
#include "log.h"
#include "json_field.h"


static int
s_verify (const char *dir)
{
    daiban_error_t err;
    size_t files = 0;
    int differences = dossier_files_verify (dir, stdout, &files, &err);
    if (differences < 0)
        return cli_usage_error ("%s", err.message);
    if (differences)
        printf ("%s: %d of the manifest's %zu files differ\n", dir, differences, files);
    else
        printf ("%s: all %zu files of the manifest match\n", dir, files);
    int code = cli_flush ();
    return differences? CLI_EXIT_BROKER_ERROR: code;
}

//  A new or empty directory: a dossier never mixes with other files.
static int
s_make_dir (const char *dir)
{
    if (mkdir (dir, 0755) == 0)
        return CLI_EXIT_OK;
    if (errno != EEXIST)
        return cli_usage_error ("%s: %s", dir, strerror (errno));
    zdir_t *existing = zdir_new (dir, "-");
    size_t count = existing? zdir_count (existing): 1;
    zdir_destroy (&existing);
    return count? cli_usage_error ("%s exists and is not empty", dir): CLI_EXIT_OK;
}

static int
s_write (cli_t *cli, dossier_t *dossier, const char *dir)
{
    int code = s_make_dir (dir);
    blob_link_t link;
    if (code == CLI_EXIT_OK)
        code = blob_client_link (cli, &link);
    if (code != CLI_EXIT_OK)
        return code;
    daiban_error_t err;
    size_t files = 0;
    if (dossier_folder_write (dossier, &link, dir, &files, &err))
        return blob_client_fail (&err);
    printf ("dossier of %s: %s (%zu files: %s, %zu attachments, %s, %s)\n", dossier->case_id,
            dir, files + 1, DOSSIER_PDF, json_array_size (dossier->attachments), DOSSIER_EVENTS,
            DOSSIER_MANIFEST);
    return cli_flush ();
}

int
cmd_dossier (cli_t *cli, int argc, char **argv)
{
    const char *out = NULL, *verify = NULL;
    args_option_t options [] = { { "-o", ARGS_TEXT, &out }, { "--verify", ARGS_TEXT, &verify },
                                 { NULL, 0, NULL } };
    const char *case_id [1];
    size_t count = 0;
    daiban_error_t err;
    if (args_parse (argc, argv, 1, options, case_id, 1, &count, &err) != DAIBAN_OK)
        return cli_fail (&err);
    if (verify && !count && !out)
        return s_verify (verify);
    if (verify || count != 1)
        return cli_usage_error ("usage: dossier CASE [-o DIR] | dossier --verify DIR");
    bool known;
    dossier_t dossier = { .case_id = case_id [0], .made_at = cli_broker_now (cli, &known) };
    int code = case_file_fetch (cli, case_id [0], &dossier.state, &dossier.events);
    if (code != CLI_EXIT_OK)
        return code;
    dossier.attachments = json_array ();
    dossier.calendar = calendar_new (cli_config (cli), &err);
    if (!dossier.calendar)
        log_warning ("no holiday calendar, working days are not shown: %s", err.message);
    char dir [4096];
    snprintf (dir, sizeof dir, "%s", out? out: "");
    if (!out)
        snprintf (dir, sizeof dir, "dossier-%s", case_id [0]);
    code = s_write (cli, &dossier, dir);
    calendar_destroy (&dossier.calendar);
    json_decref (dossier.attachments);
    json_decref (dossier.state);
    json_decref (dossier.events);
    return code;
}
