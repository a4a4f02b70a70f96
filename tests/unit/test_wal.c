/*  test_wal: the write-ahead log alone, in a temporary directory. Batches
    of puts and deletes (binary keys, an empty value, a value past 64 KiB)
    replay in order through a second opener and only under their own
    generation; a torn or corrupted last record is not read and the tail
    stays at the end of the good ones; a restarted log does not read the
    stale records behind the new ones; a second opener is refused while the
    first holds the file; a write the disk refuses leaves the tail where it
    was; a callback's error stops the replay. */
#define _XOPEN_SOURCE 700           //  nftw, mkdtemp, pread, setrlimit
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>
#include "wal.h"
#include "unit_files.h"

#define HEADER 20                   //  magic, size, generation, crc (wal.h)
#define GENERATION 0x0102030405060708ULL

//  A string literal with the size it has, NULs included.
#define BYTES(literal) literal, sizeof literal - 1

//  --- Writes and the records they make -----------------------------------

typedef struct {
    unsigned database;
    bool put;
    const char *key;
    size_t key_size;
    const char *value;
    size_t value_size;
} test_write_t;

//  Past 64 KiB so that a 16-bit size would show; filled in main.
static char s_big_value [70000];

//  Four batches: binary keys with NULs and high bytes, an empty value, a
//  delete, a value past 64 KiB, the highest database number.
static const test_write_t s_writes [] = {
    { 0, true,  BYTES ("\x00\x00\x00\x00\x00\x00\x00\x01"), BYTES ("event one") },
    { 1, true,  BYTES ("ab\0c"), BYTES ("\x00\x00\x00\x00\x00\x00\x00\x01") },
    { 3, true,  BYTES ("A\0\0\0\0\0\0\0\0\x01"), BYTES ("") },
    { 2, false, BYTES ("\xff\xfe"), NULL, 0 },
    { 9, true,  BYTES ("k"), s_big_value, sizeof s_big_value },
    { 7, true,  BYTES ("\0"), BYTES ("\0\0") },
    { 5, false, BYTES ("timer-1"), NULL, 0 },
    { 255, true, BYTES ("\xff"), BYTES ("last\xff") },
    { 0, false, BYTES ("\x00\x00\x00\x00\x00\x00\x00\x01"), NULL, 0 },
};
#define WRITE_COUNT (sizeof s_writes / sizeof s_writes [0])

//  Batch b holds s_writes [s_batch_first [b] .. s_batch_first [b + 1]).
static const size_t s_batch_first [] = { 0, 3, 6, 7, WRITE_COUNT };
#define BATCH_COUNT (sizeof s_batch_first / sizeof s_batch_first [0] - 1)

//  The record size wal.h's format gives a run of writes.
static size_t
s_record_size (const test_write_t *writes, size_t count)
{
    size_t size = HEADER;
    for (size_t index = 0; index < count; index++) {
        const test_write_t *write = &writes [index];
        size += 6 + write->key_size + (write->put? 4 + write->value_size: 0);
    }
    return size;
}

static void
s_add_writes (wal_t *wal, const test_write_t *writes, size_t count)
{
    for (size_t index = 0; index < count; index++) {
        const test_write_t *write = &writes [index];
        bool added = write->put
                   ? wal_batch_put (wal, write->database, write->key, write->key_size,
                                    write->value, write->value_size)
                   : wal_batch_delete (wal, write->database, write->key, write->key_size);
        assert_true (added);
    }
}

//  One batch of writes appended as one record; the tail moves by its size.
static void
s_append (wal_t *wal, uint64_t generation, const test_write_t *writes, size_t count)
{
    size_t before = wal_tail (wal);
    wal_batch_clear (wal);
    s_add_writes (wal, writes, count);
    assert_int_equal (wal_batch_writes (wal), count);
    daiban_error_t err = { 0 };
    if (wal_append (wal, generation, &err))
        fail_msg ("wal_append: %s", err.message);
    assert_int_equal (wal_tail (wal), before + s_record_size (writes, count));
}

//  Appends batch of s_writes; returns the tail.
static size_t
s_append_batch (wal_t *wal, uint64_t generation, size_t batch)
{
    s_append (wal, generation, s_writes + s_batch_first [batch],
              s_batch_first [batch + 1] - s_batch_first [batch]);
    return wal_tail (wal);
}

//  Appends the batches [0, batches) of s_writes; returns the tail.
static size_t
s_append_batches (wal_t *wal, uint64_t generation, size_t batches)
{
    for (size_t batch = 0; batch < batches; batch++)
        s_append_batch (wal, generation, batch);
    return wal_tail (wal);
}

//  --- What a replay hands its callback ------------------------------------

#define COLLECT_MAX 32

typedef struct {
    unsigned database;
    bool put;
    char *key;
    size_t key_size;
    char *value;            //  NULL for a delete
    size_t value_size;
} collected_write_t;

typedef struct {
    collected_write_t writes [COLLECT_MAX];
    size_t count;
    size_t fail_at;         //  > 0: the fail_at'th call returns fail_code
    daiban_code_t fail_code;
} collected_t;

static char *
s_copy (const void *data, size_t size)
{
    char *copy = (char *) malloc (size + 1);
    assert_non_null (copy);
    if (size)
        memcpy (copy, data, size);
    return copy;
}

static daiban_code_t
s_collect (void *argument, unsigned database, bool put, const void *key, size_t key_size,
           const void *value, size_t value_size, daiban_error_t *err)
{
    collected_t *collected = (collected_t *) argument;
    assert_true (collected->count < COLLECT_MAX);
    collected_write_t *write = &collected->writes [collected->count++];
    write->database = database;
    write->put = put;
    write->key = s_copy (key, key_size);
    write->key_size = key_size;
    write->value = put? s_copy (value, value_size): NULL;
    write->value_size = value_size;
    if (collected->fail_at && collected->count == collected->fail_at)
        return daiban_error_set (err, collected->fail_code, "callback refused write %zu",
                                 collected->count);
    return DAIBAN_OK;
}

static void
s_collected_free (collected_t *collected)
{
    for (size_t index = 0; index < collected->count; index++) {
        free (collected->writes [index].key);
        free (collected->writes [index].value);
    }
    collected->count = 0;
}

//  Replays generation into a fresh collection; returns the record count.
static size_t
s_replay (wal_t *wal, uint64_t generation, collected_t *collected)
{
    s_collected_free (collected);
    size_t records = 999;
    daiban_error_t err = { 0 };
    if (wal_replay (wal, generation, 0, s_collect, collected, &records, &err))
        fail_msg ("wal_replay: %s", err.message);
    return records;
}

//  The collection from its write from on is writes, in order.
static void
s_assert_collected_from (const collected_t *collected, size_t from, const test_write_t *writes,
                         size_t count)
{
    assert_true (from + count <= collected->count);
    for (size_t index = 0; index < count; index++) {
        const collected_write_t *got = &collected->writes [from + index];
        const test_write_t *expected = &writes [index];
        assert_int_equal (got->database, expected->database);
        assert_int_equal (got->put, expected->put);
        assert_int_equal (got->key_size, expected->key_size);
        assert_memory_equal (got->key, expected->key, expected->key_size);
        assert_int_equal (got->value_size, expected->put? expected->value_size: 0);
        if (expected->put)
            assert_memory_equal (got->value, expected->value, expected->value_size);
    }
}

//  The collection is exactly writes, in order.
static void
s_assert_collected (const collected_t *collected, const test_write_t *writes, size_t count)
{
    if (collected->count != count)
        fail_msg ("replay gave %zu writes, expected %zu", collected->count, count);
    s_assert_collected_from (collected, 0, writes, count);
}

//  --- Files ----------------------------------------------------------------

//  The test's directory, its log's path, and what a test has open there,
//  made and removed around each test so that a failure leaves nothing.
static char *s_dir;
static char s_path [256];
static wal_t *s_wal;
static collected_t s_collected;

static int
s_setup (void **state)
{
    (void) state;
    s_dir = unit_temp_dir ("test_wal");
    snprintf (s_path, sizeof s_path, "%s/wal.log", s_dir);
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    wal_destroy (&s_wal);
    s_collected_free (&s_collected);
    memset (&s_collected, 0, sizeof s_collected);
    unit_remove_dir (&s_dir);
    return 0;
}

static wal_t *
s_open (const char *path, size_t prealloc)
{
    daiban_error_t err = { 0 };
    wal_t *wal = wal_new (path, prealloc, &err);
    if (!wal)
        fail_msg ("wal_new %s: %s", path, err.message);
    return wal;
}

static size_t
s_file_size (const char *path)
{
    struct stat info;
    assert_int_equal (stat (path, &info), 0);
    return (size_t) info.st_size;
}

//  XORs the byte at offset with mask (twice restores it).
static void
s_flip_byte (const char *path, size_t offset, unsigned char mask)
{
    int fd = open (path, O_RDWR);
    assert_true (fd >= 0);
    unsigned char byte;
    assert_int_equal (pread (fd, &byte, 1, (off_t) offset), 1);
    byte ^= mask;
    assert_int_equal (pwrite (fd, &byte, 1, (off_t) offset), 1);
    close (fd);
}

//  --- Tests ------------------------------------------------------------------

static void
test_replay_in_order (void **state)
{
    (void) state;
    //  Preallocated smaller than the records: the file grows as they come.
    s_wal = s_open (s_path, 4096);
    assert_int_equal (s_file_size (s_path), 4096);
    assert_int_equal (wal_tail (s_wal), 0);
    //  A cleared batch leaves nothing of what it had.
    assert_true (wal_batch_put (s_wal, 4, "dropped", 7, "x", 1));
    assert_int_equal (wal_batch_writes (s_wal), 1);
    wal_batch_clear (s_wal);
    assert_int_equal (wal_batch_writes (s_wal), 0);
    size_t tail = s_append_batches (s_wal, GENERATION, BATCH_COUNT);
    assert_int_equal (tail, s_record_size (s_writes, 3) + s_record_size (s_writes + 3, 3)
                            + s_record_size (s_writes + 6, 1) + s_record_size (s_writes + 7, 2));
    assert_true (s_file_size (s_path) >= tail);
    daiban_error_t err = { 0 };
    assert_int_equal (wal_sync (s_wal, &err), DAIBAN_OK);
    wal_destroy (&s_wal);
    wal_destroy (&s_wal);
    assert_null (s_wal);

    //  A second opener starts at 0 and replays every write, in order.
    s_wal = s_open (s_path, 4096);
    assert_int_equal (wal_tail (s_wal), 0);
    assert_int_equal (s_replay (s_wal, GENERATION, &s_collected), BATCH_COUNT);
    s_assert_collected (&s_collected, s_writes, WRITE_COUNT);
    assert_int_equal (wal_tail (s_wal), tail);
    //  Replayed twice, the same.
    assert_int_equal (s_replay (s_wal, GENERATION, &s_collected), BATCH_COUNT);
    s_assert_collected (&s_collected, s_writes, WRITE_COUNT);

    //  The next record goes after the replayed ones.
    s_append (s_wal, GENERATION, s_writes + 1, 2);
    wal_destroy (&s_wal);
    s_wal = s_open (s_path, 0);
    assert_int_equal (s_replay (s_wal, GENERATION, &s_collected), BATCH_COUNT + 1);
    assert_int_equal (s_collected.count, WRITE_COUNT + 2);
    s_assert_collected_from (&s_collected, 0, s_writes, WRITE_COUNT);
    s_assert_collected_from (&s_collected, WRITE_COUNT, s_writes + 1, 2);
}

//  The checksum is zlib's CRC-32 over header bytes 4..15 and the payload,
//  big-endian at byte 16: logs written before ISA-L computed it still read.
static void
test_checksum_is_zlib_crc32 (void **state)
{
    (void) state;
    s_wal = s_open (s_path, 0);
    s_append (s_wal, 7, s_writes, WRITE_COUNT);
    size_t size = s_record_size (s_writes, WRITE_COUNT);
    unsigned char *record = (unsigned char *) malloc (size);
    assert_non_null (record);
    int fd = open (s_path, O_RDONLY);
    assert_true (fd >= 0);
    assert_int_equal (pread (fd, record, size, 0), (ssize_t) size);
    close (fd);
    assert_memory_equal (record, "DBW1", 4);
    uLong crc = crc32 (crc32 (0L, record + 4, 12), record + 20, (uInt) (size - 20));
    uint32_t stored = (uint32_t) record [16] << 24 | (uint32_t) record [17] << 16
                    | (uint32_t) record [18] << 8 | record [19];
    assert_int_equal (stored, (uint32_t) crc);
    free (record);
}

static void
test_other_generation (void **state)
{
    (void) state;
    //  An empty log and a preallocated one (all zeros) hold no record.
    s_wal = s_open (s_path, 0);
    assert_int_equal (s_replay (s_wal, GENERATION, &s_collected), 0);
    assert_int_equal (s_collected.count, 0);
    wal_destroy (&s_wal);
    s_wal = s_open (s_path, 65536);
    assert_int_equal (s_file_size (s_path), 65536);
    assert_int_equal (s_replay (s_wal, 0, &s_collected), 0);
    assert_int_equal (s_replay (s_wal, GENERATION, &s_collected), 0);
    assert_int_equal (wal_tail (s_wal), 0);

    s_append_batches (s_wal, GENERATION, BATCH_COUNT);
    wal_destroy (&s_wal);
    s_wal = s_open (s_path, 0);
    //  Off by one, in the high half only, or zero: nothing is read.
    const uint64_t others [] = { GENERATION + 1, GENERATION - 1, GENERATION ^ (1ULL << 60),
                                 GENERATION & 0xffffffffULL, 0, UINT64_MAX };
    for (size_t index = 0; index < sizeof others / sizeof others [0]; index++) {
        if (s_replay (s_wal, others [index], &s_collected) != 0)
            fail_msg ("generation %llx read records of %llx", (unsigned long long) others [index],
                      (unsigned long long) GENERATION);
        assert_int_equal (s_collected.count, 0);
        assert_int_equal (wal_tail (s_wal), 0);
    }
    assert_int_equal (s_replay (s_wal, GENERATION, &s_collected), BATCH_COUNT);
    s_assert_collected (&s_collected, s_writes, WRITE_COUNT);
}

//  The log cut inside its last record, as a crash during a write leaves it.
static void
test_torn_tail_truncated (void **state)
{
    (void) state;
    s_wal = s_open (s_path, 0);
    size_t good = s_append_batches (s_wal, GENERATION, 2);
    size_t last = s_record_size (s_writes + 6, 1);
    assert_int_equal (s_append_batch (s_wal, GENERATION, 2), good + last);
    wal_destroy (&s_wal);
    //  Cut in the header, just after it, in the payload, one byte short.
    const size_t cuts [] = { good + 1, good + 4, good + 10, good + HEADER, good + HEADER + 3,
                             good + last - 1 };
    for (size_t index = 0; index < sizeof cuts / sizeof cuts [0]; index++) {
        //  Each cut starts from the whole log, written again.
        s_wal = s_open (s_path, 0);
        wal_restart (s_wal);
        s_append_batches (s_wal, GENERATION, 3);
        wal_destroy (&s_wal);
        assert_int_equal (truncate (s_path, (off_t) cuts [index]), 0);
        //  Reopened as is, and preallocated past the cut (zeros after it).
        for (size_t prealloc = 0; prealloc <= 65536; prealloc += 65536) {
            s_wal = s_open (s_path, prealloc);
            size_t records = s_replay (s_wal, GENERATION, &s_collected);
            if (records != 2 || wal_tail (s_wal) != good)
                fail_msg ("cut at %zu (prealloc %zu): %zu records, tail %zu, expected 2 and %zu",
                          cuts [index], prealloc, records, wal_tail (s_wal), good);
            s_assert_collected (&s_collected, s_writes, s_batch_first [2]);
            wal_destroy (&s_wal);
        }
    }
    //  The log goes on from the good records: a new last record is read.
    s_wal = s_open (s_path, 0);
    assert_int_equal (s_replay (s_wal, GENERATION, &s_collected), 2);
    s_append (s_wal, GENERATION, s_writes + 7, 2);
    wal_destroy (&s_wal);
    s_wal = s_open (s_path, 0);
    assert_int_equal (s_replay (s_wal, GENERATION, &s_collected), 3);
    assert_int_equal (s_collected.count, s_batch_first [2] + 2);
    s_assert_collected_from (&s_collected, 0, s_writes, s_batch_first [2]);
    s_assert_collected_from (&s_collected, s_batch_first [2], s_writes + 7, 2);
    assert_int_equal (wal_tail (s_wal), good + s_record_size (s_writes + 7, 2));
}

//  One byte of the last record changed: in its payload, its checksum, its
//  size, its generation or its magic. The records before it still count.
//  Records this process wrote that replay cannot find (here: the file
//  cut under it) are an error, not the end of the log: the tail stays, so
//  nothing acknowledged is overwritten.
static void
test_replay_short_of_the_tail (void **state)
{
    (void) state;
    s_wal = s_open (s_path, 0);
    size_t written = s_append_batches (s_wal, GENERATION, 3);
    assert_int_equal (wal_tail (s_wal), written);
    assert_int_equal (truncate (s_path, (off_t) (written - 1)), 0);
    size_t records = 0;
    daiban_error_t err = { 0 };
    assert_int_equal (wal_replay (s_wal, GENERATION, written, s_collect, &s_collected, &records,
                                  &err), DAIBAN_UNAVAILABLE);
    assert_non_null (strstr (err.message, "were written"));
    assert_int_equal (wal_tail (s_wal), written);
    //  Asking for no more than what is there reads the two whole records.
    s_collected_free (&s_collected);
    daiban_error_clear (&err);
    assert_int_equal (wal_replay (s_wal, GENERATION, 0, s_collect, &s_collected, &records, &err),
                      DAIBAN_OK);
    assert_int_equal (records, 2);
}

static void
test_torn_tail_corrupted (void **state)
{
    (void) state;
    s_wal = s_open (s_path, 0);
    size_t good = s_append_batches (s_wal, GENERATION, 2);
    size_t end = s_append_batch (s_wal, GENERATION, 2);
    assert_int_equal (end, good + s_record_size (s_writes + 6, 1));
    wal_destroy (&s_wal);
    struct { size_t offset; unsigned char mask; } flips [] = {
        { good + HEADER, 0x01 },                //  payload: the database byte
        { good + HEADER + 8, 0x20 },            //  payload: inside the key
        { end - 1, 0x80 },                      //  payload: its last byte
        { good + 16, 0x01 },                    //  checksum
        { good + 19, 0xff },                    //  checksum
        { good + 7, 0x01 },                     //  size: one byte less (13 -> 12)
        { good + 7, 0x02 },                     //  size: two bytes more (13 -> 15)
        { good + 4, 0x80 },                     //  size: far past the file
        { good + 15, 0x01 },                    //  generation
        { good + 0, 0x01 },                     //  magic
    };
    for (size_t index = 0; index < sizeof flips / sizeof flips [0]; index++) {
        s_flip_byte (s_path, flips [index].offset, flips [index].mask);
        s_wal = s_open (s_path, 0);
        size_t records = s_replay (s_wal, GENERATION, &s_collected);
        if (records != 2 || wal_tail (s_wal) != good)
            fail_msg ("byte %zu ^ %02x: %zu records, tail %zu, expected 2 and %zu",
                      flips [index].offset, flips [index].mask, records, wal_tail (s_wal), good);
        s_assert_collected (&s_collected, s_writes, s_batch_first [2]);
        wal_destroy (&s_wal);
        //  Put back, the record is read again: the flip was what stopped it.
        s_flip_byte (s_path, flips [index].offset, flips [index].mask);
        s_wal = s_open (s_path, 0);
        assert_int_equal (s_replay (s_wal, GENERATION, &s_collected), 3);
        s_assert_collected (&s_collected, s_writes, s_batch_first [3]);
        assert_int_equal (wal_tail (s_wal), end);
        wal_destroy (&s_wal);
    }
}

//  As the store uses it: generation 1, restart at a checkpoint, generation
//  2 overwriting the start. The stale records behind the new ones are not
//  read, whether the new record ends inside an old one or on its boundary.
static void
test_restart (void **state)
{
    (void) state;
    const test_write_t old [] = {
        { 2, true, BYTES ("case-1"), BYTES ("state one of generation one") },
        { 3, true, BYTES ("case-1\0\0\0\0\0\0\0\0\x01"), BYTES ("") },
        { 2, true, BYTES ("case-2"), BYTES ("state two of generation one") },
        { 2, false, BYTES ("case-1"), NULL, 0 },
        { 2, true, BYTES ("case-3"), BYTES ("state three of generation one") },
        { 6, true, BYTES ("timer"), BYTES ("\x00\x00\x01\x90") },
    };
    const test_write_t shorter [] = {
        { 2, true, BYTES ("case-9"), BYTES ("new") },
    };
    //  The same size as the first old record: it ends where the second begins.
    const test_write_t same_size [] = {
        { 2, true, BYTES ("case-8"), BYTES ("state one of generation TWO") },
        { 3, true, BYTES ("case-8\0\0\0\0\0\0\0\0\x02"), BYTES ("") },
    };
    assert_int_equal (s_record_size (same_size, 2), s_record_size (old, 2));
    assert_true (s_record_size (shorter, 1) < s_record_size (old, 2));
    struct { const test_write_t *writes; size_t count; } news [] = {
        { shorter, 1 }, { same_size, 2 },
    };
    for (size_t index = 0; index < 2; index++) {
        if (index)
            assert_int_equal (unlink (s_path), 0);
        s_wal = s_open (s_path, 0);
        for (size_t record = 0; record < 3; record++)
            s_append (s_wal, 1, old + 2 * record, 2);
        daiban_error_t err = { 0 };
        assert_int_equal (wal_sync (s_wal, &err), DAIBAN_OK);
        size_t old_tail = wal_tail (s_wal);
        wal_restart (s_wal);
        assert_int_equal (wal_tail (s_wal), 0);
        s_append (s_wal, 2, news [index].writes, news [index].count);
        size_t new_tail = wal_tail (s_wal);
        assert_true (new_tail < old_tail);
        assert_true (s_file_size (s_path) >= old_tail);
        wal_destroy (&s_wal);

        s_wal = s_open (s_path, 0);
        assert_int_equal (s_replay (s_wal, 2, &s_collected), 1);
        s_assert_collected (&s_collected, news [index].writes, news [index].count);
        assert_int_equal (wal_tail (s_wal), new_tail);
        //  Generation 1 is over: its records are behind a record of 2.
        assert_int_equal (s_replay (s_wal, 1, &s_collected), 0);
        assert_int_equal (wal_tail (s_wal), 0);
        wal_destroy (&s_wal);
    }
}

static void
test_lock (void **state)
{
    (void) state;
    s_wal = s_open (s_path, 0);
    s_append (s_wal, GENERATION, s_writes, 3);
    size_t size = s_file_size (s_path);
    for (int attempt = 0; attempt < 2; attempt++) {
        daiban_error_t err = { 0 };
        wal_t *second = wal_new (s_path, 1 << 20, &err);
        if (second) {
            wal_destroy (&second);
            fail_msg ("a second wal_new on %s opened while the first holds it", s_path);
        }
        assert_int_equal (err.code, DAIBAN_UNAVAILABLE);
        if (!strstr (err.message, "in use") || !strstr (err.message, s_path))
            fail_msg ("refused second opener: \"%s\"", err.message);
    }
    //  The refused opener neither preallocated nor read the file.
    assert_int_equal (s_file_size (s_path), size);
    assert_int_equal (wal_tail (s_wal), s_record_size (s_writes, 3));
    //  The first still writes; once it is gone the file opens.
    s_append (s_wal, GENERATION, s_writes + 3, 3);
    wal_destroy (&s_wal);
    s_wal = s_open (s_path, 0);
    assert_int_equal (s_replay (s_wal, GENERATION, &s_collected), 2);
    s_assert_collected (&s_collected, s_writes, 6);
}

//  /dev/full takes every open and refuses every write (ENOSPC). Another
//  test run may hold its lock for an instant: try a few times.
static wal_t *
s_open_dev_full (void)
{
    for (int attempt = 0; attempt < 50; attempt++) {
        daiban_error_t err = { 0 };
        wal_t *wal = wal_new ("/dev/full", 0, &err);
        if (wal)
            return wal;
        if (!strstr (err.message, "in use"))
            fail_msg ("wal_new /dev/full: %s", err.message);
        nanosleep (&(struct timespec) { 0, 20 * 1000 * 1000 }, NULL);
    }
    fail_msg ("/dev/full stayed locked");
    return NULL;
}

static void
test_failed_write (void **state)
{
    (void) state;
    s_wal = s_open_dev_full ();
    wal_batch_clear (s_wal);
    s_add_writes (s_wal, s_writes, 3);
    for (int attempt = 0; attempt < 2; attempt++) {
        daiban_error_t err = { 0 };
        assert_int_equal (wal_append (s_wal, GENERATION, &err), DAIBAN_UNAVAILABLE);
        if (!strstr (err.message, "write-ahead log") || !strstr (err.message, "/dev/full"))
            fail_msg ("failed append: \"%s\"", err.message);
        assert_int_equal (wal_tail (s_wal), 0);
        //  The batch is kept for the caller.
        assert_int_equal (wal_batch_writes (s_wal), 3);
    }
    wal_destroy (&s_wal);
}

//  What the child of test_file_size_limit checks, by step: 0 when all held.
static void
s_child_check (bool holds, int step, const char *what)
{
    if (!holds) {
        fprintf (stderr, "child step %d: %s\n", step, what);
        _exit (step);
    }
}

//  In a child limited to LIMIT bytes of file: two records fit, a third
//  crosses the limit (a part of it is written, then EFBIG). It fails, the
//  tail stays, and the log takes a small record after the two.
#define LIMIT 8192

static int
s_child_file_size_limit (void)
{
    signal (SIGXFSZ, SIG_IGN);
    struct rlimit limit = { LIMIT, LIMIT };
    s_child_check (setrlimit (RLIMIT_FSIZE, &limit) == 0, 1, "setrlimit");
    daiban_error_t err = { 0 };
    wal_t *wal = wal_new (s_path, 0, &err);
    s_child_check (wal != NULL, 2, err.message);
    for (size_t batch = 0; batch < 2; batch++) {
        wal_batch_clear (wal);
        wal_batch_put (wal, 1, "key", 3, s_big_value, 1000);
        s_child_check (wal_append (wal, 5, &err) == DAIBAN_OK, 3, err.message);
    }
    size_t tail = wal_tail (wal);
    s_child_check (tail == 2 * (HEADER + 6 + 3 + 4 + 1000), 4, "tail of two records");
    wal_batch_clear (wal);
    wal_batch_put (wal, 2, "big", 3, s_big_value, LIMIT);
    daiban_code_t code = wal_append (wal, 5, &err);
    s_child_check (code == DAIBAN_UNAVAILABLE, 5, "the append past the limit did not fail");
    s_child_check (strstr (err.message, s_path) != NULL, 6, err.message);
    s_child_check (wal_tail (wal) == tail, 7, "the tail moved");
    s_child_check (wal_batch_writes (wal) == 1, 8, "the batch was not kept");
    wal_batch_clear (wal);
    wal_batch_delete (wal, 3, "gone", 4);
    s_child_check (wal_append (wal, 5, &err) == DAIBAN_OK, 9, err.message);
    s_child_check (wal_tail (wal) == tail + HEADER + 6 + 4, 10, "tail after the small record");
    return 0;
}

static void
test_file_size_limit (void **state)
{
    (void) state;
    unit_run_child (s_child_file_size_limit);
    //  The torn third record is not read; the small one after the two is.
    assert_true (s_file_size (s_path) <= LIMIT);
    s_wal = s_open (s_path, 0);
    assert_int_equal (s_replay (s_wal, 5, &s_collected), 3);
    const test_write_t expected [] = {
        { 1, true, BYTES ("key"), s_big_value, 1000 },
        { 1, true, BYTES ("key"), s_big_value, 1000 },
        { 3, false, BYTES ("gone"), NULL, 0 },
    };
    s_assert_collected (&s_collected, expected, 3);
    assert_int_equal (wal_tail (s_wal), 2 * (HEADER + 6 + 3 + 4 + 1000) + HEADER + 6 + 4);
}

//  A callback's error stops the replay at once and is returned as it is.
static void
test_callback_error (void **state)
{
    (void) state;
    s_wal = s_open (s_path, 0);
    s_append_batches (s_wal, GENERATION, BATCH_COUNT);
    const struct { size_t fail_at; daiban_code_t code; } cases [] = {
        { 1, DAIBAN_CONFLICT }, { 4, DAIBAN_RETRY }, { 5, DAIBAN_UNAVAILABLE },
        { WRITE_COUNT, DAIBAN_INTERNAL },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++) {
        s_collected_free (&s_collected);
        s_collected.fail_at = cases [index].fail_at;
        s_collected.fail_code = cases [index].code;
        size_t records;
        daiban_error_t err = { 0 };
        daiban_code_t code = wal_replay (s_wal, GENERATION, 0, s_collect, &s_collected, &records,
                                         &err);
        assert_int_equal (code, cases [index].code);
        assert_int_equal (err.code, cases [index].code);
        char expected [64];
        snprintf (expected, sizeof expected, "callback refused write %zu", cases [index].fail_at);
        assert_string_equal (err.message, expected);
        //  No write after the refused one reached the callback.
        assert_int_equal (s_collected.count, cases [index].fail_at);
        s_assert_collected (&s_collected, s_writes, cases [index].fail_at);
    }
    //  The same log replays whole with a callback that takes everything.
    s_collected.fail_at = 0;
    assert_int_equal (s_replay (s_wal, GENERATION, &s_collected), BATCH_COUNT);
    s_assert_collected (&s_collected, s_writes, WRITE_COUNT);
}

int
main (void)
{
    for (size_t index = 0; index < sizeof s_big_value; index++)
        s_big_value [index] = (char) (index * 7 + index / 251);
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_replay_in_order, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_checksum_is_zlib_crc32, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_other_generation, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_torn_tail_truncated, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_replay_short_of_the_tail, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_torn_tail_corrupted, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_restart, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_lock, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_failed_write, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_file_size_limit, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_callback_error, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
