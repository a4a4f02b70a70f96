/*  digest: SHA-256 with libsodium (see digest.h). */
#include "digest.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#define DIGEST_READ_CHUNK (256 * 1024)

void
digest_sha256_hex (const void *data, size_t size, char *hex)
{
    unsigned char hash [crypto_hash_sha256_BYTES];
    crypto_hash_sha256 (hash, (const unsigned char *) data, size);
    sodium_bin2hex (hex, DIGEST_HEX_SIZE + 1, hash, sizeof hash);
}

daiban_code_t
digest_file (const char *path, char *hex, int64_t *size, daiban_error_t *err)
{
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd == -1)
        return daiban_error_set (err, DAIBAN_NOT_FOUND, "%s: %s", path, strerror (errno));
    static __thread unsigned char chunk [DIGEST_READ_CHUNK];
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init (&state);
    int64_t total = 0;
    ssize_t got;
    while ((got = read (fd, chunk, sizeof chunk)) > 0) {
        crypto_hash_sha256_update (&state, chunk, (unsigned long long) got);
        total += got;
    }
    int read_errno = errno;
    close (fd);
    if (got < 0)
        return daiban_error_set (err, DAIBAN_UNAVAILABLE, "%s: %s", path, strerror (read_errno));
    unsigned char hash [crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final (&state, hash);
    sodium_bin2hex (hex, DIGEST_HEX_SIZE + 1, hash, sizeof hash);
    if (size)
        *size = total;
    return DAIBAN_OK;
}

bool
digest_hex_valid (const char *text, size_t size)
{
    if (size != DIGEST_HEX_SIZE)
        return false;
    for (size_t index = 0; index < size; index++)
        if (!((text [index] >= '0' && text [index] <= '9')
           || (text [index] >= 'a' && text [index] <= 'f')))
            return false;
    return true;
}
