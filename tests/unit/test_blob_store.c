/*  test_blob_store: the attachments' content store (docs/archive.md) on a
    real directory: chunks appended in order, the size and SHA-256 checked
    at the end, the same content stored once, read back in parts, the limit,
    uploads left by a crash removed at start, and the backup's links. The
    expected hashes are those of known test vectors (FIPS 180-2 "abc"). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob_store.h"
#include "digest.h"

#define ABC_SHA256 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static char s_dir [64];

static int
s_setup (void **state)
{
    (void) state;
    snprintf (s_dir, sizeof s_dir, "/tmp/daiban-blob-test-XXXXXX");
    assert_non_null (mkdtemp (s_dir));
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    char command [128];
    snprintf (command, sizeof command, "rm -rf %s", s_dir);
    assert_int_equal (system (command), 0);
    return 0;
}

static blob_store_t *
s_store (int64_t max)
{
    daiban_error_t err = { 0 };
    blob_store_t *store = blob_store_new (s_dir, max, 1000, &err);
    if (!store)
        fail_msg ("%s", err.message);
    return store;
}

static void
test_digest_vectors (void **state)
{
    (void) state;
    char hex [DIGEST_HEX_SIZE + 1];
    digest_sha256_hex ("abc", 3, hex);
    assert_string_equal (hex, ABC_SHA256);
    digest_sha256_hex ("", 0, hex);
    assert_string_equal (hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_true (digest_hex_valid (ABC_SHA256, 64));
    assert_false (digest_hex_valid ("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", 64));
    assert_false (digest_hex_valid (ABC_SHA256, 63));
}

static void
test_chunks_checked_and_stored_once (void **state)
{
    (void) state;
    blob_store_t *store = s_store (1024);
    daiban_error_t err = { 0 };
    int64_t received, size;
    bool stored;
    assert_int_equal (blob_store_write (store, "u1", 0, "a", 1, 0, &received, &err), DAIBAN_OK);
    assert_int_equal (blob_store_write (store, "u1", 2, "c", 1, 0, &received, &err),
                      DAIBAN_BAD_REQUEST);
    assert_non_null (strstr (err.message, "offset 1"));
    assert_int_equal (blob_store_write (store, "u1", 1, "bc", 2, 0, &received, &err), DAIBAN_OK);
    assert_int_equal (received, 3);
    assert_int_equal (blob_store_stat (store, ABC_SHA256, &size, &err), DAIBAN_NOT_FOUND);
    assert_int_equal (blob_store_finish (store, "u1", ABC_SHA256, 3, &stored, &err), DAIBAN_OK);
    assert_true (stored);
    assert_int_equal (blob_store_stat (store, ABC_SHA256, &size, &err), DAIBAN_OK);
    assert_int_equal (size, 3);
    char path [200];
    snprintf (path, sizeof path, "%s/blobs/ba/%s", s_dir, ABC_SHA256 + 2);
    assert_int_equal (access (path, R_OK), 0);
    //  Again: not stored a second time.
    assert_int_equal (blob_store_write (store, "u2", 0, "abc", 3, 0, &received, &err), DAIBAN_OK);
    assert_int_equal (blob_store_finish (store, "u2", ABC_SHA256, 3, &stored, &err), DAIBAN_OK);
    assert_false (stored);
    char buffer [8] = "";
    size_t got;
    assert_int_equal (blob_store_read (store, ABC_SHA256, 1, buffer, 1, &got, &size, &err),
                      DAIBAN_OK);
    assert_int_equal (got, 1);
    assert_int_equal (buffer [0], 'b');
    assert_int_equal (blob_store_read (store, ABC_SHA256, 4, buffer, 8, &got, &size, &err),
                      DAIBAN_BAD_REQUEST);
    blob_store_destroy (&store);
    assert_null (store);
}

static void
test_wrong_hash_size_and_limit (void **state)
{
    (void) state;
    blob_store_t *store = s_store (4);
    daiban_error_t err = { 0 };
    int64_t received, size;
    bool stored;
    assert_int_equal (blob_store_write (store, "w", 0, "abd", 3, 0, &received, &err), DAIBAN_OK);
    assert_int_equal (blob_store_finish (store, "w", ABC_SHA256, 3, &stored, &err),
                      DAIBAN_BAD_REQUEST);
    assert_non_null (strstr (err.message, "sha256"));
    assert_int_equal (blob_store_finish (store, "w", ABC_SHA256, 3, &stored, &err),
                      DAIBAN_NOT_FOUND);     //  dropped with the error
    assert_int_equal (blob_store_write (store, "s", 0, "abc", 3, 0, &received, &err), DAIBAN_OK);
    assert_int_equal (blob_store_finish (store, "s", ABC_SHA256, 4, &stored, &err),
                      DAIBAN_BAD_REQUEST);
    assert_int_equal (blob_store_write (store, "big", 0, "abcde", 5, 0, &received, &err),
                      DAIBAN_TOO_LARGE);
    assert_non_null (strstr (err.message, "4 bytes"));
    assert_int_equal (blob_store_write (store, "../x", 0, "a", 1, 0, &received, &err),
                      DAIBAN_BAD_REQUEST);
    assert_int_equal (blob_store_write (store, "gone", 3, "a", 1, 0, &received, &err),
                      DAIBAN_NOT_FOUND);
    assert_int_equal (blob_store_stat (store, ABC_SHA256, &size, &err), DAIBAN_NOT_FOUND);
    blob_store_destroy (&store);
}

static size_t
s_count (const char *path)
{
    DIR *dir = opendir (path);
    assert_non_null (dir);
    size_t count = 0;
    struct dirent *entry;
    while ((entry = readdir (dir)))
        count += entry->d_name [0] != '.';
    closedir (dir);
    return count;
}

static void
test_crash_leftovers_and_backup (void **state)
{
    (void) state;
    blob_store_t *store = s_store (1024);
    daiban_error_t err = { 0 };
    int64_t received, count;
    bool stored;
    assert_int_equal (blob_store_write (store, "k", 0, "abc", 3, 0, &received, &err), DAIBAN_OK);
    assert_int_equal (blob_store_finish (store, "k", ABC_SHA256, 3, &stored, &err), DAIBAN_OK);
    assert_int_equal (blob_store_write (store, "half", 0, "xyz", 3, 0, &received, &err),
                      DAIBAN_OK);
    char tmp [200];
    snprintf (tmp, sizeof tmp, "%s/blobs/tmp", s_dir);
    assert_int_equal (s_count (tmp), 1);
    //  What a SIGKILL leaves: the file of the upload in progress.
    char leftover [260];
    snprintf (leftover, sizeof leftover, "%s/half-copy", tmp);
    FILE *file = fopen (leftover, "w");
    assert_non_null (file);
    fclose (file);
    blob_store_destroy (&store);
    store = s_store (1024);
    assert_int_equal (s_count (tmp), 0);
    char backup [200];
    snprintf (backup, sizeof backup, "%s/backup", s_dir);
    assert_int_equal (mkdir (backup, 0700), 0);
    assert_int_equal (blob_store_backup (store, backup, &count, &err), DAIBAN_OK);
    assert_int_equal (count, 1);
    char copy [300];
    snprintf (copy, sizeof copy, "%s/blobs/ba/%s", backup, ABC_SHA256 + 2);
    char hex [DIGEST_HEX_SIZE + 1];
    int64_t size;
    assert_int_equal (digest_file (copy, hex, &size, &err), DAIBAN_OK);
    assert_string_equal (hex, ABC_SHA256);
    blob_store_destroy (&store);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_digest_vectors),
        cmocka_unit_test_setup_teardown (test_chunks_checked_and_stored_once, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_wrong_hash_size_and_limit, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_crash_leftovers_and_backup, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
