/*  cli: what every daibanctl command shares: the endpoints and timeout
    from the configuration, one ingress client opened on first use, the
    exit codes, and the way errors are shown (one line on stderr, the
    form scripts can rely on):
      0 success
      1 the broker answered an error   "daibanctl: <code>: <message>"
      2 usage error                    "daibanctl: <message>"
      3 broker not reachable           "daibanctl: no reply from EP within N ms" */
#ifndef DAIBAN_CLI_H
#define DAIBAN_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include "client.h"
#include "client_keys.h"
#include "config.h"
#include "daiban_error.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_BROKER_ERROR 1
#define CLI_EXIT_USAGE 2
#define CLI_EXIT_UNREACHABLE 3

//  The timeout when the configuration sets no cli/timeout_ms.
#define CLI_DEFAULT_TIMEOUT_MS 5000

typedef struct _cli_t cli_t;

//  Reads broker/ingress, broker/stream and cli/timeout_ms from config
//  (which the cli then owns). NULL with DAIBAN_BAD_REQUEST when one is
//  missing or not valid.
cli_t *cli_new (config_t *config, daiban_error_t *err);
void cli_destroy (cli_t **self_p);

config_t *cli_config (cli_t *self);
const char *cli_ingress (cli_t *self);
const char *cli_stream (cli_t *self);
int cli_timeout (cli_t *self);
//  The CURVE keys of --key and --server-key (plaintext without them).
client_keys_t *cli_keys (cli_t *self);

//  Every request from now on carries "as": {name, role} (the security
//  contract: a gateway acting for the holder of a token).
void cli_act_as (cli_t *self, const char *name, const char *role);

//  The principal of cli_act_as ({name, role}, borrowed), or NULL.
json_t *cli_as (cli_t *self);

//  The ingress connection, opened on first use; NULL with *code (the
//  error printed) when it cannot be.
client_t *cli_client (cli_t *self, int *code);

//  Sends request to ingress (adding a "rid") and waits for the reply.
//  Returns CLI_EXIT_OK with *reply (a new reference) when the broker
//  answered "ok": true; otherwise prints the error and returns its exit
//  code (*reply is then NULL).
int cli_call (cli_t *self, json_t *request, json_t **reply);

//  cli_call, then the reply's field, which must have the given JSON type:
//  *value is a new reference; a reply without it is an error, printed.
int cli_call_field (cli_t *self, json_t *request, const char *field, json_type type,
                    json_t **value);

//  Like cli_call, but the request is sent exactly as given and any
//  reply is returned, "ok" or not; the exit code says which. A failure
//  reply is not printed (cli_report does that); a missing reply is.
int cli_call_raw (cli_t *self, json_t *request, json_t **reply);

//  The broker's time ("now" of `stats`: its test clock when it runs one);
//  this machine's clock when the broker does not say (*known false).
int64_t cli_broker_now (cli_t *self, bool *known);

//  Prints the error of a failure reply, "daibanctl: <code>: <message>",
//  and returns CLI_EXIT_BROKER_ERROR.
int cli_report (json_t *reply);

//  Prints "daibanctl: <message>" and returns CLI_EXIT_USAGE.
int cli_usage_error (const char *format, ...) __attribute__ ((format (printf, 1, 2)));

//  Prints err as a usage, broker or reachability error according to its
//  code and returns the matching exit code.
int cli_fail (const daiban_error_t *err);

//  Flushes stdout; CLI_EXIT_OK, or an error when the output is gone.
int cli_flush (void);

#endif
