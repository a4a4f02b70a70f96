/*  cli: shared context, exit codes and error reporting (see cli.h). */
#include "cli.h"

#include <czmq.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"

struct _cli_t {
    config_t *config;
    const char *ingress;
    const char *stream;
    int timeout_ms;
    client_keys_t *keys;        //  CURVE keys (plaintext when none are configured)
    client_t *client;           //  opened by the first call
    json_t *as;                 //  the principal every request acts for, or NULL
};

static daiban_code_t
s_read_timeout (config_t *config, int *timeout_ms, daiban_error_t *err)
{
    *timeout_ms = CLI_DEFAULT_TIMEOUT_MS;
    if (!config_get (config, "cli/timeout_ms"))
        return DAIBAN_OK;
    int64_t value = 0;
    daiban_code_t code = config_get_int (config, "cli/timeout_ms", &value, err);
    if (code != DAIBAN_OK)
        return code;
    if (value < 1 || value > 3600000)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST,
                                 "timeout %lld ms: must be 1..3600000", (long long) value);
    *timeout_ms = (int) value;
    return DAIBAN_OK;
}

cli_t *
cli_new (config_t *config, daiban_error_t *err)
{
    assert (config);
    cli_t *self = (cli_t *) calloc (1, sizeof (cli_t));
    if (!self) {
        daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
        config_destroy (&config);
        return NULL;
    }
    self->config = config;
    self->ingress = config_get (config, "broker/ingress");
    self->stream = config_get (config, "broker/stream");
    if (!self->ingress || !*self->ingress || !self->stream || !*self->stream) {
        daiban_error_set (err, DAIBAN_BAD_REQUEST,
                          "no broker/ingress or broker/stream endpoint configured");
        cli_destroy (&self);
        return NULL;
    }
    if (s_read_timeout (config, &self->timeout_ms, err) != DAIBAN_OK
    ||  !(self->keys = client_keys_new (config, err)))
        cli_destroy (&self);
    return self;
}

void
cli_destroy (cli_t **self_p)
{
    assert (self_p);
    if (!*self_p)
        return;
    cli_t *self = *self_p;
    client_destroy (&self->client);
    client_keys_destroy (&self->keys);
    json_decref (self->as);
    config_destroy (&self->config);
    free (self);
    *self_p = NULL;
}

config_t *
cli_config (cli_t *self)
{
    return self->config;
}

const char *
cli_ingress (cli_t *self)
{
    return self->ingress;
}

const char *
cli_stream (cli_t *self)
{
    return self->stream;
}

void
cli_act_as (cli_t *self, const char *name, const char *role)
{
    json_decref (self->as);
    self->as = json_pack ("{s:s, s:s}", "name", name, "role", role);
}

client_keys_t *
cli_keys (cli_t *self)
{
    return self->keys;
}

int
cli_timeout (cli_t *self)
{
    return self->timeout_ms;
}

int
cli_usage_error (const char *format, ...)
{
    char message [512];
    va_list args;
    va_start (args, format);
    vsnprintf (message, sizeof message, format, args);
    va_end (args);
    fprintf (stderr, "daibanctl: %s\n", message);
    return CLI_EXIT_USAGE;
}

int
cli_fail (const daiban_error_t *err)
{
    fprintf (stderr, "daibanctl: %s\n", err->message);
    if (err->code == DAIBAN_BAD_REQUEST)
        return CLI_EXIT_USAGE;
    if (err->code == DAIBAN_UNAVAILABLE)
        return CLI_EXIT_UNREACHABLE;
    return CLI_EXIT_BROKER_ERROR;
}

//  Prints the error of a failure reply: "daibanctl: <code>: <message>".
int
cli_report (json_t *reply)
{
    json_t *error = json_object_get (reply, "error");
    const char *code = json_string_value (json_object_get (error, "code"));
    const char *message = json_string_value (json_object_get (error, "message"));
    if (!code) {
        char *text = json_dumps (reply, JSON_COMPACT | JSON_ENCODE_ANY);
        fprintf (stderr, "daibanctl: unexpected reply: %s\n", text? text: "?");
        free (text);
    }
    else
        fprintf (stderr, "daibanctl: %s: %s\n", code, message? message: "");
    return CLI_EXIT_BROKER_ERROR;
}

//  Opens the ingress client on first use.
static int
s_connect (cli_t *self)
{
    daiban_error_t err;
    daiban_error_clear (&err);
    if (!self->client) {
        self->client = client_new (self->ingress, self->keys, self->timeout_ms, &err);
        if (!self->client)
            return cli_fail (&err);
    }
    return CLI_EXIT_OK;
}

json_t *
cli_as (cli_t *self)
{
    return self->as;
}

client_t *
cli_client (cli_t *self, int *code)
{
    *code = s_connect (self);
    return self->client;
}

static int
s_call (cli_t *self, json_t *request, bool add_rid, json_t **reply)
{
    *reply = NULL;
    daiban_error_t err;
    daiban_error_clear (&err);
    int connected = s_connect (self);
    if (connected != CLI_EXIT_OK)
        return connected;
    if (self->as && json_is_object (request))
        json_object_set (request, "as", self->as);
    if (log_level >= LOG_LEVEL_DEBUG) {
        char *text = json_dumps (request, JSON_COMPACT | JSON_ENCODE_ANY);
        log_debug ("request to %s: %s", self->ingress, text? text: "?");
        free (text);
    }
    if (client_call (self->client, request, add_rid, reply, &err) != DAIBAN_OK) {
        //  A request that does not encode is the user's; no reply is the
        //  broker's absence; an unreadable reply is the broker's fault.
        if (err.code != DAIBAN_BAD_REQUEST && err.code != DAIBAN_UNAVAILABLE)
            err.code = DAIBAN_INTERNAL;
        return cli_fail (&err);
    }
    return json_is_true (json_object_get (*reply, "ok"))? CLI_EXIT_OK: CLI_EXIT_BROKER_ERROR;
}

int
cli_call (cli_t *self, json_t *request, json_t **reply)
{
    int code = s_call (self, request, true, reply);
    if (code == CLI_EXIT_BROKER_ERROR && *reply) {
        cli_report (*reply);
        json_decref (*reply);
        *reply = NULL;
    }
    return code;
}

int
cli_call_field (cli_t *self, json_t *request, const char *field, json_type type,
                json_t **value)
{
    json_t *reply = NULL;
    *value = NULL;
    int code = cli_call (self, request, &reply);
    if (code != CLI_EXIT_OK)
        return code;
    json_t *found = json_object_get (reply, field);
    if (found && json_typeof (found) == type)
        *value = json_incref (found);
    json_decref (reply);
    if (*value)
        return CLI_EXIT_OK;
    fprintf (stderr, "daibanctl: the broker's reply holds no %s\n", field);
    return CLI_EXIT_BROKER_ERROR;
}

int
cli_call_raw (cli_t *self, json_t *request, json_t **reply)
{
    return s_call (self, request, false, reply);
}

int64_t
cli_broker_now (cli_t *self, bool *known)
{
    int64_t now = zclock_time ();
    json_t *request = json_pack ("{s:s}", "op", "stats");
    json_t *reply = NULL;
    *known = request && cli_call_raw (self, request, &reply) == CLI_EXIT_OK
          && json_is_integer (json_object_get (reply, "now"));
    if (*known)
        now = json_integer_value (json_object_get (reply, "now"));
    json_decref (request);
    json_decref (reply);
    return now;
}

int
cli_flush (void)
{
    if (fflush (stdout) != 0 || ferror (stdout)) {
        fprintf (stderr, "daibanctl: cannot write the output: %s\n", strerror (errno));
        return CLI_EXIT_BROKER_ERROR;
    }
    return CLI_EXIT_OK;
}
