/*  cmd_keys: CURVE keys and principals (docs/security.md): `keygen` writes
    a certificate pair with czmq's zcert, `whoami` asks the broker which
    principal it sees, `reload` makes it read its key directory again. */
#include "commands.h"

#include <czmq.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "access.h"
#include "args.h"
#include "client_keys.h"

//  A file name from a principal's name: the name itself when it holds
//  nothing a path cannot (Chinese is fine), nor what czmq's ZPL writer
//  does not escape (a quote, a backslash), else a usage error.
static bool
s_file_name_ok (const char *name)
{
    return access_name_valid (name, strlen (name)) && !strpbrk (name, "/\"\\")
        && name [0] != '.';
}

//  What keygen wrote reads back as this name and role.
static bool
s_reads_back (const char *path, const char *name, const char *role)
{
    zcert_t *cert = zcert_load (path);
    bool same = cert && zcert_meta (cert, "name") && zcert_meta (cert, "role")
             && streq (zcert_meta (cert, "name"), name) && streq (zcert_meta (cert, "role"), role);
    zcert_destroy (&cert);
    return same;
}

static int
s_save (zcert_t *cert, const char *directory, const char *name)
{
    char path [4200], secret [4300];
    snprintf (path, sizeof path, "%s/%s.key", directory, name);
    snprintf (secret, sizeof secret, "%s_secret", path);
    if (!client_keys_path_fits (path)) {
        fprintf (stderr, "daibanctl: %s: the path is over %d bytes (czmq's limit): use a "
                 "shorter --out or name\n", path, CLIENT_KEYS_PATH_MAX);
        return CLI_EXIT_USAGE;
    }
    struct stat info;
    if (stat (path, &info) == 0 || stat (secret, &info) == 0) {
        fprintf (stderr, "daibanctl: %s exists: keys are never overwritten (remove it first)\n",
                 path);
        return CLI_EXIT_USAGE;
    }
    //  The secret file is made 0600 before anything is written to it.
    mode_t mask = umask (077);
    int rc = zcert_save (cert, path);
    umask (mask);
    if (rc != 0 || chmod (secret, 0600) != 0 || chmod (path, 0644) != 0) {
        fprintf (stderr, "daibanctl: cannot write %s: %s\n", path, strerror (errno));
        return CLI_EXIT_UNREACHABLE;
    }
    if (!s_reads_back (path, zcert_meta (cert, "name"), zcert_meta (cert, "role"))) {
        fprintf (stderr, "daibanctl: %s does not read back as written: keys not made\n", path);
        unlink (path);
        unlink (secret);
        return CLI_EXIT_UNREACHABLE;
    }
    printf ("public key  %s\n"
            "secret key  %s (mode 0600: keep it on the machine of %s only)\n"
            "next: copy %s.key into the broker's security/public_keys directory and run\n"
            "      daibanctl reload (or send the broker SIGHUP); give %s the _secret file\n"
            "      (--key FILE) and the broker's public key (--server-key FILE)\n",
            path, secret, name, name, name);
    return cli_flush ();
}

int
cmd_keygen (cli_t *cli, int argc, char **argv)
{
    (void) cli;
    const char *role = NULL, *directory = ".";
    args_option_t options [] = { { "--role", ARGS_TEXT, &role }, { "--out", ARGS_TEXT, &directory },
                                 { NULL, 0, NULL } };
    const char *name [1];
    size_t count = 0;
    daiban_error_t err;
    if (args_parse (argc, argv, 1, options, name, 1, &count, &err) != DAIBAN_OK)
        return cli_fail (&err);
    access_role_t parsed;
    if (count != 1 || !role)
        return cli_usage_error ("usage: keygen NAME --role ROLE [--out DIR]");
    if (!access_role_find (role, strlen (role), &parsed))
        return cli_usage_error ("--role %s: one of system, department, operator, supervisor, "
                                "worker, gateway, admin", role);
    if (!s_file_name_ok (name [0]))
        return cli_usage_error ("NAME %s: 1..200 bytes of UTF-8, no control characters, no / "
                                "\" or \\, and no leading dot", name [0]);
    if (zsys_dir_create ("%s", directory) != 0)
        return cli_usage_error ("--out %s: cannot create the directory", directory);
    zcert_t *cert = zcert_new ();
    if (!cert)
        return cli_usage_error ("cannot make a key pair (libsodium)");
    zcert_set_meta (cert, "name", "%s", name [0]);
    zcert_set_meta (cert, "role", "%s", role);
    int code = s_save (cert, directory, name [0]);
    zcert_destroy (&cert);
    return code;
}

//  Sends {op} (a command without arguments) and returns its reply.
static int
s_call_op (cli_t *cli, int argc, const char *op, json_t **reply)
{
    if (argc > 1)
        return cli_usage_error ("usage: %s", op);
    json_t *request = json_pack ("{s:s}", "op", op);
    int code = cli_call (cli, request, reply);
    json_decref (request);
    return code;
}

int
cmd_whoami (cli_t *cli, int argc, char **argv)
{
    (void) argv;
    json_t *reply = NULL;
    int code = s_call_op (cli, argc, "whoami", &reply);
    if (code != CLI_EXIT_OK)
        return code;
    printf ("%s (role %s, %s)\n", json_string_value (json_object_get (reply, "name")),
            json_string_value (json_object_get (reply, "role")),
            json_is_true (json_object_get (reply, "curve"))? "CURVE": "plaintext, loopback");
    json_decref (reply);
    return cli_flush ();
}

int
cmd_reload (cli_t *cli, int argc, char **argv)
{
    (void) argv;
    json_t *reply = NULL;
    int code = s_call_op (cli, argc, "reload", &reply);
    if (code != CLI_EXIT_OK)
        return code;
    printf ("keys reloaded: %lld admitted\n",
            (long long) json_integer_value (json_object_get (reply, "keys")));
    json_decref (reply);
    return cli_flush ();
}
