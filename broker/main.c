/*  daiban-broker: command line and start (PROTOCOL.md, Command line). */
#include <czmq.h>
#include "broker.h"
#include "config.h"
#include "log.h"

static const config_flag_t s_flags [] = {
    { "--ingress", "broker/ingress" },
    { "--workers", "broker/workers" },
    { "--stream", "broker/stream" },
    { "--data", "broker/data" },
    { "--test-clock", "broker/test_clock" },
    { NULL, NULL }
};

static void
s_set_log_level (config_t *config)
{
    const char *level = config_get (config, "log/level");
    if (!level)
        return;
    if (streq (level, "error")) log_level = LOG_LEVEL_ERROR;
    else if (streq (level, "warning")) log_level = LOG_LEVEL_WARNING;
    else if (streq (level, "debug")) log_level = LOG_LEVEL_DEBUG;
    else log_level = LOG_LEVEL_INFO;
}

int
main (int argc, char **argv)
{
    log_set_ident ("daiban-broker");
    daiban_error_t err = { DAIBAN_OK, "" };
    int rest;
    config_t *config = config_from_args (argc, argv, s_flags, &rest, &err);
    if (config && rest < argc)
        daiban_error_set (&err, DAIBAN_BAD_REQUEST, "unexpected argument %s", argv [rest]);
    if (!config || err.code) {
        fprintf (stderr, "daiban-broker: %s\n"
                 "usage: daiban-broker [-c FILE] [--ingress EP] [--workers EP] [--stream EP] "
                 "[--data DIR] [--test-clock MS] [-v]\n", err.message);
        config_destroy (&config);
        return 2;
    }
    s_set_log_level (config);
    //  czmq turns SIGINT and SIGTERM into zsys_interrupted; the loop then
    //  finishes the turn in hand (its commit included) and returns.
    zsys_init ();
    broker_t *broker = broker_new (config, &err);
    if (!broker) {
        fprintf (stderr, "daiban-broker: %s\n", err.message);
        config_destroy (&config);
        return 1;
    }
    int rc = broker_run (broker);
    broker_destroy (&broker);
    config_destroy (&config);
    return rc? 1: 0;
}
