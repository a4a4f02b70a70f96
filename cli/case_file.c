/*  case_file: a case's state and log over the protocol (see case_file.h). */
#include "case_file.h"

#include "history.h"

static int
s_collect (json_t *event, void *closure)
{
    return json_array_append (closure, event) == 0? CLI_EXIT_OK: CLI_EXIT_BROKER_ERROR;
}

json_t *
case_file_state (cli_t *cli, const char *case_id, int *code)
{
    json_t *request = json_pack ("{s:s, s:s}", "op", "case", "case", case_id);
    if (!request) {
        *code = cli_usage_error ("the case id must be UTF-8 text");
        return NULL;
    }
    json_t *state = NULL;
    *code = cli_call_field (cli, request, "case", JSON_OBJECT, &state);
    json_decref (request);
    return state;
}

int
case_file_fetch (cli_t *cli, const char *case_id, json_t **state, json_t **events)
{
    int code;
    *events = NULL;
    if (!(*state = case_file_state (cli, case_id, &code)))
        return code;
    *events = json_array ();
    history_query_t query = { .from = 1, .limit = -1, .case_id = case_id };
    int64_t next = 0, last = 0;
    code = history_run (cli, &query, s_collect, *events, &next, &last);
    if (code != CLI_EXIT_OK) {
        json_decref (*state);
        json_decref (*events);
        *state = *events = NULL;
    }
    return code;
}
