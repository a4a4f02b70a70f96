/*  cmd_report: `report` makes the periodic report to the 专班 (定期报送,
    docs/archive.md) for a week, a month or any dates, as PDF and JSON: it
    reads the whole log over `history` and folds it (report_figures), so a
    report of any past period can be made again with the same figures.
    The presets take "now" from the broker's clock. */
#include "commands.h"

#include <stdio.h>
#include <string.h>
#include "args.h"
#include "calendar.h"
#include "catalog.h"
#include "history.h"
#include "json_field.h"
#include "log.h"
#include "report_figures.h"
#include "report_pdf.h"

typedef struct {
    report_figures_t *figures;
    int64_t end;
} s_fold_t;

static int
s_add (json_t *event, void *closure)
{
    s_fold_t *fold = (s_fold_t *) closure;
    if (json_field_int (event, "ts") >= fold->end)
        return HISTORY_STOP;        //  commit times grow with seq
    report_figures_add (fold->figures, event);
    return CLI_EXIT_OK;
}

//  The roster's agents (the chief and stand-bys too: intake may give them
//  cases) and capacities (the configuration's catalog; the
//  `catalog` op does not carry them).
static json_t *
s_agents (cli_t *cli)
{
    daiban_error_t err;
    json_t *agents = json_array ();
    catalog_t *catalog = catalog_new (cli_config (cli), &err);
    if (!catalog)
        log_warning ("no catalog, the agents' capacities are not shown: %s", err.message);
    for (size_t index = 0; catalog && index < catalog_agent_count (catalog); index++) {
        const catalog_agent_t *agent = catalog_agent_at (catalog, index);
        json_array_append_new (agents, json_pack ("{s:s, s:s, s:i}", "id", agent->id,
                                                  "name", agent->name, "capacity",
                                                  agent->capacity));
    }
    catalog_destroy (&catalog);
    return agents;
}

//  The period: --from/--to, or the week (Monday to Sunday) or month of now.
static int
s_period (cli_t *cli, const char *from_text, const char *to_text, bool month, date_t *from,
          date_t *to)
{
    daiban_error_t err;
    if (from_text || to_text) {
        if (!from_text || !to_text)
            return cli_usage_error ("give --from DATE and --to DATE together");
        if (date_parse (from_text, from, &err) || date_parse (to_text, to, &err))
            return cli_usage_error ("%s", err.message);
        if (*to < *from)
            return cli_usage_error ("--to %s is before --from %s", to_text, from_text);
        return CLI_EXIT_OK;
    }
    bool known;
    date_t today = date_from_ms (cli_broker_now (cli, &known));
    if (month) {
        int year, month_of_year, day;
        date_to_civil (today, &year, &month_of_year, &day);
        *from = date_from_civil (year, month_of_year, 1);
        *to = month_of_year == 12? date_from_civil (year + 1, 1, 1) - 1
                                 : date_from_civil (year, month_of_year + 1, 1) - 1;
    }
    else {
        *from = today - (date_weekday (today) - 1);
        *to = *from + 6;
    }
    return CLI_EXIT_OK;
}

static int
s_write (json_t *report, int64_t made_at, const char *pdf, const char *json_path)
{
    daiban_error_t err;
    if (json_dump_file (report, json_path, JSON_INDENT (2) | JSON_SORT_KEYS) != 0)
        return cli_usage_error ("cannot write %s", json_path);
    if (report_pdf_write (report, made_at, pdf, &err))
        return cli_usage_error ("%s", err.message);
    printf ("report %s to %s: %s, %s\n", json_field_text (report, "from", ""),
            json_field_text (report, "to", ""), pdf, json_path);
    return cli_flush ();
}

int
cmd_report (cli_t *cli, int argc, char **argv)
{
    const char *from_text = NULL, *to_text = NULL, *pdf = NULL, *json_path = NULL;
    bool week = false, month = false;
    args_option_t options [] = {
        { "--from", ARGS_TEXT, &from_text }, { "--to", ARGS_TEXT, &to_text },
        { "--week", ARGS_FLAG, &week }, { "--month", ARGS_FLAG, &month },
        { "-o", ARGS_TEXT, &pdf }, { "--json", ARGS_TEXT, &json_path }, { NULL, 0, NULL } };
    size_t count = 0;
    daiban_error_t err;
    if (args_parse (argc, argv, 1, options, NULL, 0, &count, &err) != DAIBAN_OK)
        return cli_fail (&err);
    if ((week && month) || ((week || month) && (from_text || to_text)))
        return cli_usage_error ("give one of --week, --month or --from/--to");
    date_t from, to;
    int code = s_period (cli, from_text, to_text, month, &from, &to);
    if (code != CLI_EXIT_OK)
        return code;
    calendar_t *calendar = calendar_new (cli_config (cli), &err);
    if (!calendar)
        return cli_usage_error ("the holiday calendar: %s", err.message);
    json_t *agents = s_agents (cli);
    bool known;
    date_t today = date_from_ms (cli_broker_now (cli, &known));
    s_fold_t fold = { report_figures_new (from, to, today, calendar, agents), date_end_ms (to) };
    history_query_t query = { .from = 1, .limit = -1 };
    int64_t next = 0, last = 0;
    code = fold.figures? history_run (cli, &query, s_add, &fold, &next, &last)
                       : cli_usage_error ("out of memory");
    if (code == CLI_EXIT_OK) {
        int64_t made_at = cli_broker_now (cli, &known);
        json_t *report = report_figures_result (fold.figures);
        char from_name [16], to_name [16], pdf_name [64], json_name [64];
        snprintf (pdf_name, sizeof pdf_name, "report-%s-%s.pdf", date_format (from, from_name),
                  date_format (to, to_name));
        snprintf (json_name, sizeof json_name, "report-%s-%s.json", from_name, to_name);
        code = s_write (report, made_at, pdf? pdf: pdf_name, json_path? json_path: json_name);
        json_decref (report);
    }
    report_figures_destroy (&fold.figures);
    json_decref (agents);
    calendar_destroy (&calendar);
    return code;
}
