/*  ingest_load: the load generator of bench/ingest. Posts worklog.added
    events to a daiban broker's ingress from C client threads, each with
    its own DEALER socket and up to --inflight requests outstanding
    (matched by rid), and measures throughput and per-request latency:
    from sending a request to reading its reply, which the broker sends
    only after the event is durably committed.
    Usage: ingest_load --endpoint EP [--register] [--clients C] [--inflight P]
             [--events N] [--case ID] [--tag TAG] [--size BYTES] [--timeout-ms MS]
             [--key FILE --server-key FILE]
    --key and --server-key make every client a CURVE client (docs/security.md).
    --register posts the case.registered that opens the case, and exits.
    Prints one line of key=value pairs on stdout for the script to parse;
    exits 1 when any request failed. */
#include "ingest_client.h"
#include "log.h"

#include <czmq.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
s_parse_number (const char *text, size_t *value)
{
    char *end;
    errno = 0;
    unsigned long long number = strtoull (text, &end, 10);
    if (errno || *text == '\0' || *end != '\0' || number == 0)
        return -1;
    *value = (size_t) number;
    return 0;
}

static int
s_parse_flag (ingest_options_t *options, const char *flag, const char *value,
              const char **key, const char **server_key)
{
    size_t number = 0;
    if (streq (flag, "--key"))
        *key = value;
    else
    if (streq (flag, "--server-key"))
        *server_key = value;
    else
    if (streq (flag, "--endpoint"))
        options->endpoint = value;
    else
    if (streq (flag, "--case"))
        options->case_id = value;
    else
    if (streq (flag, "--tag") && strlen (value) <= 6)
        options->tag = value;   //  six at most: the event size assumes it
    else
    if (s_parse_number (value, &number))
        return -1;
    else
    if (streq (flag, "--clients") && number <= 1000)
        options->clients = number;
    else
    if (streq (flag, "--inflight") && number <= 100000)
        options->inflight = number;
    else
    if (streq (flag, "--events") && number < 100000000)
        options->events = number;
    else
    if (streq (flag, "--size"))
        options->event_bytes = number;
    else
    if (streq (flag, "--timeout-ms") && number <= 3600000)
        options->timeout_ms = (int) number;
    else
        return -1;
    return 0;
}

static int
s_parse_options (int argc, char **argv, ingest_options_t *options, bool *register_case)
{
    *options = (ingest_options_t) {
        .endpoint = NULL, .case_id = "AS-2026-0001", .tag = "run",
        .clients = 1, .inflight = 1, .events = 100000,
        .event_bytes = 300, .timeout_ms = 30000
    };
    *register_case = false;
    const char *key = NULL, *server_key = NULL;
    for (int index = 1; index < argc; index++) {
        if (streq (argv [index], "--register")) {
            *register_case = true;
            continue;
        }
        const char *value = index + 1 < argc? argv [index + 1]: "";
        if (s_parse_flag (options, argv [index], value, &key, &server_key)) {
            log_error ("bad argument %s %s", argv [index], value);
            return -1;
        }
        index++;
    }
    if (!options->endpoint) {
        log_error ("usage: ingest_load --endpoint EP [--register] [--clients C]"
                   " [--inflight P] [--events N] [--case ID] [--tag TAG]"
                   " [--size BYTES] [--timeout-ms MS] [--key FILE --server-key FILE]");
        return -1;
    }
    daiban_error_t err;
    if (!(options->keys = client_keys_new_files (key, server_key, &err))) {
        log_error ("%s", err.message);
        return -1;
    }
    return 0;
}

static int
s_register (ingest_options_t *options)
{
    uint64_t seq = 0;
    bool duplicate = false;
    char error [256] = "";
    if (ingest_client_register (options, &seq, &duplicate, error, sizeof error)) {
        log_error ("cannot register %s: %s", options->case_id, error);
        return 1;
    }
    printf ("registered case=%s seq=%" PRIu64 " duplicate=%s\n",
            options->case_id, seq, duplicate? "true": "false");
    return 0;
}

static int
s_run (ingest_options_t *options)
{
    ingest_result_t result;
    int rc = ingest_client_run (options, &result);
    if (rc) {
        log_error ("%s", result.error);
        return 1;
    }
    printf ("mode=daiban clients=%zu inflight=%zu events=%zu event_bytes=%zu"
            " request_bytes=%zu seconds=%.3f rate=%.1f p50_us=%.1f p99_us=%.1f"
            " max_us=%.1f\n",
            options->clients, options->inflight, result.events, result.event_bytes,
            result.request_bytes, result.seconds, (double) result.events / result.seconds,
            result.p50_us, result.p99_us, result.max_us);
    return 0;
}

int
main (int argc, char **argv)
{
    log_set_ident ("ingest_load");
    //  Keep the default signal handling, so that Ctrl-C stops a run,
    //  and start czmq once here rather than racing in the client threads.
    zsys_handler_set (NULL);
    zsys_init ();
    ingest_options_t options;
    bool register_case;
    if (s_parse_options (argc, argv, &options, &register_case))
        return 2;
    int rc = register_case? s_register (&options): s_run (&options);
    client_keys_destroy (&options.keys);
    return rc;
}
