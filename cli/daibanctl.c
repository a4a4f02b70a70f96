/*  daibanctl: the command-line client of daiban. It posts events, watches
    the stream, reads cases and the log over the broker's ingress and
    stream (PROTOCOL.md). This file holds main, the command table and the
    help text; each command lives in a cmd_*.c file. */
#include <czmq.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "commands.h"
#include "config.h"
#include "log.h"

typedef struct {
    const char *name;
    int (*run) (cli_t *cli, int argc, char **argv);
} s_command_t;

static int s_help_command (cli_t *cli, int argc, char **argv);

static const s_command_t s_commands [] = {
    { "post", cmd_post }, { "watch", cmd_watch }, { "case", cmd_case },
    { "cases", cmd_cases }, { "history", cmd_history }, { "stats", cmd_stats },
    { "catalog", cmd_catalog }, { "alerts", cmd_alerts }, { "ack", cmd_ack },
    { "export", cmd_export }, { "deadletters", cmd_deadletters }, { "retry", cmd_retry },
    { "backup", cmd_backup }, { "attach", cmd_attach }, { "dossier", cmd_dossier },
    { "report", cmd_report }, { "due", cmd_due }, { "workdays", cmd_workdays },
    { "raw", cmd_raw }, { "selftest", cmd_selftest }, { "keygen", cmd_keygen },
    { "whoami", cmd_whoami }, { "reload", cmd_reload }, { "token", cmd_token },
    { "help", s_help_command }, { NULL, NULL }
};

static const char *s_help =
"usage: daibanctl [OPTIONS] COMMAND [ARGS...]\n"
"\n"
"The command-line client of daiban (PROTOCOL.md). Options come before the command:\n"
"  --ingress EP     the broker's ingress (default broker/ingress of the config,\n"
"                   tcp://127.0.0.1:7700)\n"
"  --stream EP      the broker's stream (default broker/stream, tcp://127.0.0.1:7702)\n"
"  -c, --config FILE  a ZPL config file over the embedded defaults\n"
"  --timeout MS     how long to wait for each reply (cli/timeout_ms; default 5000)\n"
"  --key FILE       this client's secret certificate, for a CURVE broker (security/key)\n"
"  --server-key FILE  the broker's public certificate (security/server_key)\n"
"  -v               verbose: log every request on stderr\n"
"\n"
"Commands:\n"
"  post --type TYPE --case ID [--source S] [--id ID] [--at MS]\n"
"       [--body JSON | --body - | --body-file FILE] [--json]\n"
"      Post one event and print its seq, with \"(duplicate)\" when the broker had it.\n"
"      --body - reads the body from stdin; no body sends {}. JSON integers are\n"
"      sent as msgpack integers, reals as floats, true/false as booleans.\n"
"      Default source: daibanctl@HOSTNAME. Default id: a fresh unique id made of\n"
"      the time in ms, the process id and a counter; give --id to make a retry\n"
"      safe (the same source and id is committed once).\n"
"  watch [--from SEQ] [--case ID] [--prefix P] [--json] [--count N]\n"
"      Print committed events as they come, each once, none missing. Without\n"
"      --from only new events are shown; --from 1 replays the whole log first.\n"
"      --prefix filters by type prefix (\"alert.\", \"item.\"), --case by case.\n"
"      --count N exits after N events. Ctrl-C ends it.\n"
"  case ID [--json]\n"
"      A case's state: header, one line per item (status, due, working days\n"
"      left or over, paused days, reminders, escalation level, delivered), alerts.\n"
"  cases [--status S] [--overdue] [--limit N] [--json]\n"
"      One line per case: id, status, open items, overdue, expected date, agent;\n"
"      every case (read page by page) or the first N.\n"
"      --overdue keeps the cases with at least one overdue item.\n"
"  history [--from SEQ] [--limit N] [--case ID] [--prefix P] [--json]\n"
"      Committed events from SEQ (default 1), all of them or N, read page by page.\n"
"  alerts [--role ROLE] [--case ID] [--all] [--json] [--follow [--count N]]\n"
"      Open (unacknowledged) alerts, folded from the log: alert, level, to,\n"
"      case, item, repeat, raised time (CST), summary. --role keeps the alerts\n"
"      to ROLE (专班组长, 市政府); --all adds the acknowledged ones; --follow\n"
"      then prints new alerts as they are raised (--count N: exit after N).\n"
"  ack ALERT --case ID [--by WHO] [--source S] [--id ID] [--json]\n"
"      Acknowledge an alert (posts alert.acknowledged; --by defaults to $USER).\n"
"  export ID\n"
"      The case file (一事一档) as JSON: the state and every event of the case.\n"
"  attach CASE FILE --kind KIND [--item CODE] [--meeting ID] [--name NAME]\n"
"         [--media-type TYPE] [--source S] [--id ID] [--json]\n"
"      Upload FILE (blob_put) and post attachment.added. KIND: 申请材料 工作联系函\n"
"      会议通知 会议签到表 会议照片 会议纪要 协办单 批复 证照 其他. Prints the\n"
"      SHA-256, the size and whether it was new, then the event's seq.\n"
"  dossier CASE [-o DIR] | dossier --verify DIR\n"
"      The case file (一事一档) as a folder: 档案.pdf, every attachment in a\n"
"      folder per kind, events.json, manifest.json (SHA-256 of every file).\n"
"      --verify checks a folder against its manifest (docs/archive.md).\n"
"  report [--week | --month | --from DATE --to DATE] [-o FILE.pdf] [--json FILE]\n"
"      The periodic report to the 专班 (定期报送) as PDF and JSON, computed\n"
"      from the log, beside the previous period of the same length.\n"
"  deadletters [--role R] [--json]\n"
"      Events parked after failing too often: role, seq, case, attempts,\n"
"      status (dead or retrying), when (CST), the worker's message.\n"
"  retry ROLE SEQ       hand a dead letter back to its role\n"
"  backup [NAME] [--wait]\n"
"      A hot copy of the store into the broker's backup_dir (NAME: letters,\n"
"      digits, . _ -; default backup-<time>-<seq>), every event up to the seq\n"
"      printed; --wait until the copy is done. Start a broker on it with --data.\n"
"  keygen NAME --role ROLE [--out DIR]\n"
"      A CURVE key pair (czmq zcert) for NAME with ROLE (system, department,\n"
"      operator, supervisor, worker, gateway, admin): DIR/NAME.key (public: for\n"
"      the broker's public_keys) and DIR/NAME.key_secret (mode 0600: for --key).\n"
"  whoami               the name and role the broker sees for this client\n"
"  reload               the broker reads its public_keys again (admin)\n"
"  due DATE N [--days] [--json]\n"
"      The date N working days after DATE (YYYY-MM-DD; the start never counts);\n"
"      --days: N calendar days, moved to the next working day. Offline: reads\n"
"      the holiday calendar of the config, never the broker. \"(provisional: ...)\"\n"
"      follows an answer that used days no calendar file covers.\n"
"  workdays FROM TO [--json]\n"
"      Working days strictly after FROM up to and including TO (offline).\n"
"  stats [--json]       the broker's counters\n"
"  catalog [--json]     approval items, counties and departments\n"
"  token NAME --role ROLE [--file FILE]\n"
"      Create a bearer token of the HTTP gateway (docs/http.md) for NAME with\n"
"      ROLE (system, department, operator, supervisor, admin); its hash goes\n"
"      into FILE (default daiban-tokens.json; a new token for NAME replaces\n"
"      the old one), the token is printed once. Offline.\n"
"  raw JSON | raw -     send any request map (JSON, or stdin) and print the reply\n"
"  selftest [-v]        run the client's own module tests (no broker needed)\n"
"  help                 this text\n"
"\n"
"Readable output: one line per event, \"seq  time (CST)  type  case  source  body\".\n"
"--json prints compact JSON, one value per line.\n"
"\n"
"Exit codes: 0 success; 1 the broker answered an error (\"daibanctl: CODE: message\"\n"
"on stderr); 2 usage error; 3 no reply from the broker within the timeout.\n"
"\n"
"Example: register a case\n"
"  daibanctl post --type case.registered --case AS-2026-0001 --body '{\"project\":\n"
"    \"鞍山某新材料产业园项目\",\"applicant\":\"鞍山某新材料有限公司\",\"contact\":\n"
"    {\"name\":\"王经理\",\"phone\":\"13800000000\"},\"channel\":\"window\",\"county\":\n"
"    \"海城市\",\"items\":[{\"code\":\"X\",\"level\":\"city\",\"materials\":[\"a\",\"b\"]}]}'\n"
"  daibanctl watch --case AS-2026-0001 --from 1\n"
"  daibanctl case AS-2026-0001\n";

static int
s_help_command (cli_t *cli, int argc, char **argv)
{
    (void) cli, (void) argc, (void) argv;
    fputs (s_help, stdout);
    return cli_flush ();
}

//  True when -h or --help comes before the command: help needs no config.
static bool
s_help_option (int argc, char **argv)
{
    for (int index = 1; index < argc && argv [index][0] == '-'; index++) {
        const char *arg = argv [index];
        if (streq (arg, "-h") || streq (arg, "--help"))
            return true;
        if (streq (arg, "-c") || streq (arg, "--config") || streq (arg, "--ingress")
        ||  streq (arg, "--stream") || streq (arg, "--timeout"))
            index++;
    }
    return false;
}

static const s_command_t *
s_find (const char *name)
{
    for (const s_command_t *command = s_commands; command->name; command++)
        if (streq (command->name, name))
            return command;
    return NULL;
}

static void
s_apply_log_level (config_t *config)
{
    const char *level = config_get (config, "log/level");
    if (!level)
        return;
    log_level = streq (level, "debug")? LOG_LEVEL_DEBUG: streq (level, "info")? LOG_LEVEL_INFO
              : streq (level, "error")? LOG_LEVEL_ERROR: LOG_LEVEL_WARNING;
    //  A client's stderr is for its answers' errors: only -v says more.
    if (log_level == LOG_LEVEL_INFO)
        log_level = LOG_LEVEL_WARNING;
}

int
main (int argc, char **argv)
{
    log_set_ident ("daibanctl");
    if (s_help_option (argc, argv)) {
        fputs (s_help, stdout);
        return CLI_EXIT_OK;
    }
    static const config_flag_t flags [] = {
        { "--ingress", "broker/ingress" }, { "--stream", "broker/stream" },
        { "--timeout", "cli/timeout_ms" }, { "--key", "security/key" },
        { "--server-key", "security/server_key" }, { NULL, NULL }
    };
    int rest = argc;
    daiban_error_t err;
    daiban_error_clear (&err);
    config_t *config = config_from_args (argc, argv, flags, &rest, &err);
    if (!config)
        return cli_usage_error ("%s (see daibanctl help)", err.message);
    s_apply_log_level (config);
    if (rest >= argc) {
        config_destroy (&config);
        return cli_usage_error ("no command given (see daibanctl help)");
    }
    const s_command_t *command = s_find (argv [rest]);
    if (!command) {
        config_destroy (&config);
        return cli_usage_error ("unknown command \"%s\" (see daibanctl help)", argv [rest]);
    }
    cli_t *cli = cli_new (config, &err);
    if (!cli)
        return cli_usage_error ("%s", err.message);
    int code = command->run (cli, argc - rest, argv + rest);
    cli_destroy (&cli);
    return code;
}
