/*  case_file: what daibanctl knows of one case, read over the protocol:
    its state (`case`) and every event of its log (`history` by case).
    `export`, `dossier` share it. */
#ifndef DAIBAN_CASE_FILE_H
#define DAIBAN_CASE_FILE_H

#include <jansson.h>
#include "cli.h"

//  The case's state (a new reference), or NULL with *code set.
json_t *case_file_state (cli_t *cli, const char *case_id, int *code);

//  *state and *events (new references) of case_id; an exit code (cli.h).
int case_file_fetch (cli_t *cli, const char *case_id, json_t **state, json_t **events);

#endif
