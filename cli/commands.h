/*  commands: the daibanctl commands. Each takes the shared cli context
    and its own arguments (argv [0] is the command's name) and returns
    the process exit code (cli.h). The table and the help text are in
    daibanctl.c; docs/daibanctl.md has an example of each. */
#ifndef DAIBAN_COMMANDS_H
#define DAIBAN_COMMANDS_H

#include "cli.h"

//  cmd_post.c: posting events.
int cmd_post (cli_t *cli, int argc, char **argv);
int cmd_ack (cli_t *cli, int argc, char **argv);

//  cmd_post.c: gives event (type, case, body) its id and source (the
//  given ones or fresh defaults) and posts it; prints the seq, or the
//  reply as JSON.
int cmd_post_event (cli_t *cli, json_t *event, const char *id, const char *source, bool json);

//  cmd_attach.c: a file's content to the broker, then attachment.added.
int cmd_attach (cli_t *cli, int argc, char **argv);

//  cmd_dossier.c: the case file (一事一档) as a folder, and its check.
int cmd_dossier (cli_t *cli, int argc, char **argv);

//  cmd_report.c: the periodic report (定期报送), PDF and JSON.
int cmd_report (cli_t *cli, int argc, char **argv);

//  cmd_watch.c: the live stream, without gaps or duplicates.
int cmd_watch (cli_t *cli, int argc, char **argv);

//  cmd_query.c: reading cases and the log.
int cmd_case (cli_t *cli, int argc, char **argv);
int cmd_cases (cli_t *cli, int argc, char **argv);
int cmd_history (cli_t *cli, int argc, char **argv);
int cmd_export (cli_t *cli, int argc, char **argv);

//  cmd_alerts.c: open alerts, folded from the log, then live.
int cmd_alerts (cli_t *cli, int argc, char **argv);

//  cmd_deadletters.c: parked events and their retry.
int cmd_deadletters (cli_t *cli, int argc, char **argv);
int cmd_retry (cli_t *cli, int argc, char **argv);

//  cmd_backup.c: a hot copy of the store.
int cmd_backup (cli_t *cli, int argc, char **argv);

//  cmd_keys.c: CURVE key pairs, the principal the broker sees, key reload.
int cmd_keygen (cli_t *cli, int argc, char **argv);
int cmd_whoami (cli_t *cli, int argc, char **argv);
int cmd_reload (cli_t *cli, int argc, char **argv);

//  cmd_calendar.c: due dates and working days, offline.
int cmd_due (cli_t *cli, int argc, char **argv);
int cmd_workdays (cli_t *cli, int argc, char **argv);

//  cmd_admin.c: the broker's tables and counters, and raw requests.
int cmd_stats (cli_t *cli, int argc, char **argv);
int cmd_catalog (cli_t *cli, int argc, char **argv);
int cmd_raw (cli_t *cli, int argc, char **argv);

//  cmd_token.c: a bearer token of the HTTP gateway, offline.
int cmd_token (cli_t *cli, int argc, char **argv);

//  cmd_admin.c: reads a JSON text: from the argument, or from stdin when
//  it is "-", or from a file (when from_file). Usage errors name what.
json_t *commands_read_json (const char *text, bool from_file, const char *what,
                            size_t flags, daiban_error_t *err);

//  selftest.c: the module self-tests (`daibanctl selftest`).
int cmd_selftest (cli_t *cli, int argc, char **argv);

//  selftest_ops.c: the checks of alert_book and format_ops; adds their
//  number to *checks and returns how many failed.
int selftest_ops (int *checks);

#endif
