/*  daiban-broker: command line and start (PROTOCOL.md, Command line). */
#define _GNU_SOURCE                     //  pipe2
#include <czmq.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include "broker.h"
#include "config.h"
#include "log.h"

static const config_flag_t s_flags [] = {
    { "--ingress", "broker/ingress" },
    { "--workers", "broker/workers" },
    { "--stream", "broker/stream" },
    { "--data", "broker/data" },
    { "--test-clock", "broker/test_clock" },
    { "--secret-key", "security/secret_key" },
    { "--public-keys", "security/public_keys" },
    { NULL, NULL }
};

static int s_stop_pipe [2] = { -1, -1 };
static int s_reload_pipe [2] = { -1, -1 };

static void
s_on_signal (int signal)
{
    int saved = errno;
    //  A full pipe means the same request is already pending: nothing to do.
    ssize_t written = write (signal == SIGHUP? s_reload_pipe [1]: s_stop_pipe [1], "x", 1);
    (void) written;
    errno = saved;
}

//  SIGINT and SIGTERM write to the stop pipe, SIGHUP to the reload pipe;
//  the broker's poll watches both.
static int
s_catch_signals (void)
{
    if (pipe2 (s_stop_pipe, O_NONBLOCK | O_CLOEXEC) || pipe2 (s_reload_pipe, O_NONBLOCK | O_CLOEXEC))
        return -1;
    zsys_handler_set (NULL);            //  not czmq's flag: our pipe
    struct sigaction action;
    memset (&action, 0, sizeof action);
    action.sa_handler = s_on_signal;
    sigemptyset (&action.sa_mask);
    if (sigaction (SIGINT, &action, NULL) || sigaction (SIGTERM, &action, NULL)
    ||  sigaction (SIGHUP, &action, NULL))
        return -1;
    return s_stop_pipe [0];
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
                 "[--data DIR] [--test-clock MS] [--secret-key FILE --public-keys DIR] [-v]\n", err.message);
        config_destroy (&config);
        return 2;
    }
    log_set_level_name (config_get (config, "log/level"));
    //  On SIGINT or SIGTERM the loop finishes the turn in hand (its commit
    //  included) and returns.
    zsys_init ();
    int stop_fd = s_catch_signals ();
    if (stop_fd < 0) {
        fprintf (stderr, "daiban-broker: cannot catch signals: %s\n", strerror (errno));
        config_destroy (&config);
        return 1;
    }
    broker_t *broker = broker_new (config, &err);
    if (!broker) {
        fprintf (stderr, "daiban-broker: %s\n", err.message);
        config_destroy (&config);
        return 1;
    }
    int rc = broker_run (broker, stop_fd, s_reload_pipe [0]);
    broker_destroy (&broker);
    config_destroy (&config);
    return rc? 1: 0;
}
