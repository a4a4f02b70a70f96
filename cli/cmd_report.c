/*  cmd_report: placeholder until the report lands (see cmd_report below). */
#include "commands.h"

int
cmd_report (cli_t *cli, int argc, char **argv)
{
    (void) cli;
    (void) argc;
    (void) argv;
    return cli_usage_error ("report: not built yet");
}
