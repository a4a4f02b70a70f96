/*  cmd_token: `token NAME --role ROLE [--file FILE]` creates a bearer
    token of the HTTP gateway (docs/http.md): its hash goes into the
    token file, the token itself is printed once, on stdout, and is
    kept nowhere else. It works offline: no broker is needed. */
#include "commands.h"

#include <stdio.h>
#include "args.h"
#include "tokens.h"

//  The token file when --file is not given: the gateway's --tokens default.
#define TOKEN_DEFAULT_FILE "daiban-tokens.json"

int
cmd_token (cli_t *cli, int argc, char **argv)
{
    (void) cli;
    const char *role = NULL, *file = TOKEN_DEFAULT_FILE;
    args_option_t options [] = {
        { "--role", ARGS_TEXT, &role }, { "--file", ARGS_TEXT, &file }, { NULL, 0, NULL }
    };
    const char *name [1];
    size_t count = 0;
    daiban_error_t err;
    if (args_parse (argc, argv, 1, options, name, 1, &count, &err) != DAIBAN_OK)
        return cli_fail (&err);
    if (count != 1 || !role)
        return cli_usage_error ("usage: token NAME --role ROLE [--file FILE]");
    char token [TOKENS_TOKEN_SIZE];
    bool replaced = false;
    if (tokens_create (file, name [0], role, token, &replaced, &err) != DAIBAN_OK)
        return cli_fail (&err);
    printf ("%s\n", token);
    fprintf (stderr, "daibanctl: token of %s (role %s) %s in %s; it is shown only now\n",
             name [0], role, replaced? "replaced": "stored", file);
    return cli_flush ();
}
