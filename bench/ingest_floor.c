/*  ingest_floor: the durability floors of this machine, the numbers that
    bench/ingest compares daiban with. Two loops, one operation at a time:
      fdatasync  append a record to a file, fdatasync, repeat (ops/s);
      lmdb       one LMDB write transaction per record, one put of the
                 record, commit with the default (durable) sync flags;
      lmdb-schema  the same, with the writes daiban's store makes for one
                 post: the event, its dedupe key, the case timeline entry
                 and the rewritten case state (four tables), to tell the
                 cost of the schema from the cost of the broker.
    Usage: ingest_floor --mode fdatasync|lmdb|lmdb-schema --dir DIR [--ops N] [--size BYTES]
    Prints one line of key=value pairs on stdout for the script to parse. */
#include "latencies.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    const char *mode;
    const char *dir;
    size_t ops;
    size_t size;
} floor_options_t;

//  Big enough for a million 300-byte records with LMDB's page overhead,
//  so the floor never measures a map resize.
#define FLOOR_LMDB_MAP_SIZE (4ull << 30)

static void
s_fill_record (char *record, size_t size, size_t index)
{
    //  Varying bytes, so no layer below can shortcut identical writes.
    for (size_t byte = 0; byte < size; byte++)
        record [byte] = (char) ('a' + (index + byte) % 26);
}

static int
s_run_fdatasync (floor_options_t *options, latencies_t *latencies)
{
    char path [4096];
    snprintf (path, sizeof path, "%s/fdatasync.log", options->dir);
    //  Appending, as a write-ahead log or Redis's AOF does: each sync
    //  carries the data and the new file size.
    int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    if (fd == -1) {
        log_error ("cannot open %s: %s", path, strerror (errno));
        return -1;
    }
    char *record = malloc (options->size);
    if (!record) {
        close (fd);
        log_error ("out of memory");
        return -1;
    }
    int rc = 0;
    for (size_t index = 0; index < options->ops && rc == 0; index++) {
        s_fill_record (record, options->size, index);
        uint64_t start = latencies_now ();
        if (write (fd, record, options->size) != (ssize_t) options->size) {
            log_error ("write %s: %s", path, strerror (errno));
            rc = -1;
        }
        else
        if (fdatasync (fd)) {
            log_error ("fdatasync %s: %s", path, strerror (errno));
            rc = -1;
        }
        else
        if (latencies_add (latencies, latencies_now () - start)) {
            log_error ("out of memory");
            rc = -1;
        }
    }
    free (record);
    close (fd);
    return rc;
}

//  The tables of the lmdb-schema mode: what daiban's store writes for
//  one post (the event, its dedupe key, the case's timeline, the case).
typedef enum {
    FLOOR_EVENTS, FLOOR_EVENT_IDS, FLOOR_CASE_EVENTS, FLOOR_CASES, FLOOR_TABLES
} floor_table_t;

static const char *s_table_names [FLOOR_TABLES] = {
    "events", "event_ids", "case_events", "cases"
};

//  The size of the case state that daiban rewrites with each worklog.added
//  of the benchmark (about 800 bytes, read from a broker's store).
#define FLOOR_CASE_STATE_SIZE 800
#define FLOOR_CASE_ID "AS-2026-0001"

typedef struct {
    MDB_env *env;
    MDB_dbi tables [FLOOR_TABLES];
    bool schema;
    char case_state [FLOOR_CASE_STATE_SIZE];
} floor_lmdb_t;

static void
s_u64_to_key (uint64_t value, unsigned char *key)
{
    for (int byte = 0; byte < 8; byte++)
        key [byte] = (unsigned char) (value >> (56 - 8 * byte));
}

static int
s_put (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t key_size,
       const void *value, size_t value_size)
{
    MDB_val key_val = { key_size, (void *) key };
    MDB_val value_val = { value_size, (void *) value };
    return mdb_put (txn, dbi, &key_val, &value_val, 0);
}

//  The three index writes of the schema mode, in the transaction.
static int
s_put_indexes (floor_lmdb_t *lmdb, MDB_txn *txn, size_t index, const unsigned char *seq)
{
    char event_id [64];
    int id_size = snprintf (event_id, sizeof event_id, "bench-00%cc1-%08zu", 0, index);
    unsigned char case_seq [sizeof FLOOR_CASE_ID + 8];
    memcpy (case_seq, FLOOR_CASE_ID, sizeof FLOOR_CASE_ID);
    memcpy (case_seq + sizeof FLOOR_CASE_ID, seq, 8);
    lmdb->case_state [index % FLOOR_CASE_STATE_SIZE]++;
    int rc = s_put (txn, lmdb->tables [FLOOR_EVENT_IDS], event_id, (size_t) id_size, seq, 8);
    if (rc == 0)
        rc = s_put (txn, lmdb->tables [FLOOR_CASE_EVENTS], case_seq, sizeof case_seq, "", 0);
    if (rc == 0)
        rc = s_put (txn, lmdb->tables [FLOOR_CASES], FLOOR_CASE_ID, strlen (FLOOR_CASE_ID),
                    lmdb->case_state, sizeof lmdb->case_state);
    return rc;
}

static int
s_lmdb_put_one (floor_lmdb_t *lmdb, size_t index, char *record, size_t size)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin (lmdb->env, NULL, 0, &txn);
    if (rc)
        goto fail;
    //  Keys as daiban's event log has them: the sequence, big-endian.
    unsigned char seq [8];
    s_u64_to_key ((uint64_t) index + 1, seq);
    rc = s_put (txn, lmdb->tables [FLOOR_EVENTS], seq, sizeof seq, record, size);
    if (rc == 0 && lmdb->schema)
        rc = s_put_indexes (lmdb, txn, index, seq);
    if (rc) {
        mdb_txn_abort (txn);
        goto fail;
    }
    rc = mdb_txn_commit (txn);
    if (rc)
        goto fail;
    return 0;
fail:
    log_error ("LMDB put %zu: %s", index, mdb_strerror (rc));
    return -1;
}

//  Opens the tables: the main database alone, or the schema's four.
static int
s_lmdb_open_tables (floor_lmdb_t *lmdb)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin (lmdb->env, NULL, 0, &txn);
    if (rc)
        return rc;
    for (int table = 0; table < FLOOR_TABLES && rc == 0; table++)
        rc = lmdb->schema
           ? mdb_dbi_open (txn, s_table_names [table], MDB_CREATE, &lmdb->tables [table])
           : mdb_dbi_open (txn, NULL, 0, &lmdb->tables [table]);
    if (rc) {
        mdb_txn_abort (txn);
        return rc;
    }
    return mdb_txn_commit (txn);
}

static int
s_lmdb_open (const char *dir, floor_lmdb_t *lmdb)
{
    char path [4096];
    snprintf (path, sizeof path, "%s/%s", dir, lmdb->schema? "lmdb-schema": "lmdb");
    if (mkdir (path, 0755) && errno != EEXIST) {
        log_error ("cannot create %s: %s", path, strerror (errno));
        return -1;
    }
    int rc = mdb_env_create (&lmdb->env);
    if (rc)
        goto fail;
    rc = mdb_env_set_mapsize (lmdb->env, FLOOR_LMDB_MAP_SIZE);
    if (rc == 0)
        rc = mdb_env_set_maxdbs (lmdb->env, FLOOR_TABLES);
    //  Flags 0: the default, durable commit (data pages, sync, meta
    //  page written synchronously), which is what daiban's store uses.
    if (rc == 0)
        rc = mdb_env_open (lmdb->env, path, 0, 0644);
    if (rc == 0)
        rc = s_lmdb_open_tables (lmdb);
    if (rc)
        goto fail;
    return 0;
fail:
    log_error ("LMDB open %s: %s", path, mdb_strerror (rc));
    if (lmdb->env)
        mdb_env_close (lmdb->env);
    lmdb->env = NULL;
    return -1;
}

static int
s_run_lmdb (floor_options_t *options, latencies_t *latencies)
{
    floor_lmdb_t lmdb = { .schema = strcmp (options->mode, "lmdb-schema") == 0 };
    memset (lmdb.case_state, 'c', sizeof lmdb.case_state);
    if (s_lmdb_open (options->dir, &lmdb))
        return -1;
    char *record = malloc (options->size);
    if (!record) {
        mdb_env_close (lmdb.env);
        log_error ("out of memory");
        return -1;
    }
    int rc = 0;
    for (size_t index = 0; index < options->ops && rc == 0; index++) {
        s_fill_record (record, options->size, index);
        uint64_t start = latencies_now ();
        rc = s_lmdb_put_one (&lmdb, index, record, options->size);
        if (rc == 0 && latencies_add (latencies, latencies_now () - start)) {
            log_error ("out of memory");
            rc = -1;
        }
    }
    free (record);
    mdb_env_close (lmdb.env);
    return rc;
}

static int
s_parse_size (const char *text, size_t *value)
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
s_parse_options (int argc, char **argv, floor_options_t *options)
{
    *options = (floor_options_t) { NULL, NULL, 100000, 300 };
    for (int index = 1; index < argc; index++) {
        const char *flag = argv [index];
        const char *value = index + 1 < argc? argv [index + 1]: NULL;
        if (!value) {
            log_error ("%s needs a value", flag);
            return -1;
        }
        index++;
        if (strcmp (flag, "--mode") == 0)
            options->mode = value;
        else
        if (strcmp (flag, "--dir") == 0)
            options->dir = value;
        else
        if (strcmp (flag, "--ops") == 0 && s_parse_size (value, &options->ops) == 0)
            ;
        else
        if (strcmp (flag, "--size") == 0 && s_parse_size (value, &options->size) == 0)
            ;
        else {
            log_error ("bad argument %s %s", flag, value);
            return -1;
        }
    }
    if (!options->mode || !options->dir
    || (strcmp (options->mode, "fdatasync") != 0 && strcmp (options->mode, "lmdb") != 0
    &&  strcmp (options->mode, "lmdb-schema") != 0)) {
        log_error ("usage: ingest_floor --mode fdatasync|lmdb|lmdb-schema --dir DIR"
                   " [--ops N] [--size BYTES]");
        return -1;
    }
    return 0;
}

int
main (int argc, char **argv)
{
    log_set_ident ("ingest_floor");
    floor_options_t options;
    if (s_parse_options (argc, argv, &options))
        return 2;
    latencies_t *latencies = latencies_new (options.ops);
    if (!latencies) {
        log_error ("out of memory");
        return 1;
    }
    uint64_t start = latencies_now ();
    int rc = strcmp (options.mode, "fdatasync") == 0
           ? s_run_fdatasync (&options, latencies)
           : s_run_lmdb (&options, latencies);
    double seconds = (double) (latencies_now () - start) / 1e9;
    if (rc == 0)
        printf ("mode=%s ops=%zu size=%zu seconds=%.3f rate=%.1f p50_us=%.1f p99_us=%.1f\n",
                options.mode, options.ops, options.size, seconds,
                (double) options.ops / seconds,
                (double) latencies_percentile (latencies, 50) / 1e3,
                (double) latencies_percentile (latencies, 99) / 1e3);
    latencies_destroy (&latencies);
    return rc? 1: 0;
}
