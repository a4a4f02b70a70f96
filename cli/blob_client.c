/*  blob_client: blob_put and blob_get from daibanctl (see blob_client.h).
    The requests are packed with msgpack-c directly: JSON has no bytes. */
#include "blob_client.h"

#include <czmq.h>
#include <errno.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "json_msgpack.h"
#include "wire.h"

//  Sends the packed request; *root is the reply when it says ok (in zone),
//  otherwise the broker's error is printed.
static int
s_call (cli_t *cli, msgpack_sbuffer *request, msgpack_zone *zone, char **raw,
        msgpack_object *root)
{
    size_t size = 0;
    int code = cli_call_bytes (cli, request->data, request->size, raw, &size);
    if (code != CLI_EXIT_OK)
        return code;
    daiban_error_t err;
    if (wire_unpack (*raw, size, zone, root, &err) || root->type != MSGPACK_OBJECT_MAP) {
        fprintf (stderr, "daibanctl: the broker's reply is not a msgpack map\n");
        return CLI_EXIT_BROKER_ERROR;
    }
    const msgpack_object *ok = wire_map_get (root, "ok");
    if (ok && ok->type == MSGPACK_OBJECT_BOOLEAN && ok->via.boolean)
        return CLI_EXIT_OK;
    json_t *reply = json_msgpack_decode (*raw, size, JSON_MSGPACK_BIN_HEX, &err);
    code = reply? cli_report (reply): CLI_EXIT_BROKER_ERROR;
    json_decref (reply);
    return code;
}

static void
s_pack_put (msgpack_packer *packer, const char *upload, int64_t offset, const char *data,
            size_t size, const char *sha256, int64_t total)
{
    msgpack_pack_map (packer, sha256? 6: 4);
    wire_pack_key (packer, "op");
    wire_pack_str (packer, "blob_put");
    wire_pack_key (packer, "upload");
    wire_pack_str (packer, upload);
    wire_pack_key (packer, "offset");
    msgpack_pack_int64 (packer, offset);
    wire_pack_key (packer, "data");
    msgpack_pack_bin (packer, size);
    msgpack_pack_bin_body (packer, data, size);
    if (sha256) {
        wire_pack_key (packer, "sha256");
        wire_pack_str (packer, sha256);
        wire_pack_key (packer, "size");
        msgpack_pack_int64 (packer, total);
    }
}

//  One chunk; on the last one (sha256 given) *stored is the broker's word.
static int
s_put_chunk (cli_t *cli, const char *upload, int64_t offset, const char *data, size_t size,
             const char *sha256, int64_t total, bool *stored)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    s_pack_put (&packer, upload, offset, data, size, sha256, total);
    msgpack_zone zone;
    msgpack_zone_init (&zone, 1024);
    msgpack_object root;
    char *raw = NULL;
    int code = buffer.data? s_call (cli, &buffer, &zone, &raw, &root): CLI_EXIT_BROKER_ERROR;
    if (code == CLI_EXIT_OK && sha256) {
        const msgpack_object *flag = wire_map_get (&root, "stored");
        *stored = flag && flag->type == MSGPACK_OBJECT_BOOLEAN && flag->via.boolean;
    }
    free (raw);
    msgpack_zone_destroy (&zone);
    msgpack_sbuffer_destroy (&buffer);
    return code;
}

int
blob_client_put_file (cli_t *cli, const char *path, char *sha256, int64_t *size, bool *stored)
{
    daiban_error_t err;
    if (digest_file (path, sha256, size, &err))
        return cli_usage_error ("%s", err.message);
    FILE *file = fopen (path, "rb");
    char *chunk = (char *) malloc (BLOB_CLIENT_CHUNK);
    if (!file || !chunk) {
        if (file)
            fclose (file);
        free (chunk);
        return cli_usage_error ("%s: %s", path, strerror (errno));
    }
    static unsigned counter = 0;
    char upload [64];
    snprintf (upload, sizeof upload, "ctl-%d-%lld-%u", (int) getpid (),
              (long long) zclock_time (), ++counter);
    int64_t offset = 0;
    int code = CLI_EXIT_OK;
    while (code == CLI_EXIT_OK) {
        size_t got = fread (chunk, 1, BLOB_CLIENT_CHUNK, file);
        if (ferror (file)) {
            code = cli_usage_error ("%s: read error", path);
            break;
        }
        bool last = offset + (int64_t) got >= *size;
        code = s_put_chunk (cli, upload, offset, chunk, got, last? sha256: NULL, *size,
                            stored);
        offset += (int64_t) got;
        if (last)
            break;
    }
    fclose (file);
    free (chunk);
    return code;
}

//  Appends the data of one blob_get reply to file; *done at the end.
static int
s_get_chunk (cli_t *cli, const char *sha256, int64_t offset, FILE *file, int64_t *got,
             bool *done)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&packer, 3);
    wire_pack_key (&packer, "op");
    wire_pack_str (&packer, "blob_get");
    wire_pack_key (&packer, "sha256");
    wire_pack_str (&packer, sha256);
    wire_pack_key (&packer, "offset");
    msgpack_pack_int64 (&packer, offset);
    msgpack_zone zone;
    msgpack_zone_init (&zone, 1024);
    msgpack_object root;
    char *raw = NULL;
    int code = s_call (cli, &buffer, &zone, &raw, &root);
    if (code == CLI_EXIT_OK) {
        const msgpack_object *data = wire_map_get (&root, "data");
        int64_t size = 0;
        if (!data || data->type != MSGPACK_OBJECT_BIN
        ||  !wire_get_int (wire_map_get (&root, "size"), &size)) {
            fprintf (stderr, "daibanctl: blob_get reply without data and size\n");
            code = CLI_EXIT_BROKER_ERROR;
        }
        else
        if (fwrite (data->via.bin.ptr, 1, data->via.bin.size, file) != data->via.bin.size) {
            fprintf (stderr, "daibanctl: cannot write: %s\n", strerror (errno));
            code = CLI_EXIT_BROKER_ERROR;
        }
        else {
            *got = (int64_t) data->via.bin.size;
            *done = offset + *got >= size || data->via.bin.size == 0;
        }
    }
    free (raw);
    msgpack_zone_destroy (&zone);
    msgpack_sbuffer_destroy (&buffer);
    return code;
}

int
blob_client_get_file (cli_t *cli, const char *sha256, const char *path)
{
    FILE *file = fopen (path, "wb");
    if (!file)
        return cli_usage_error ("%s: %s", path, strerror (errno));
    int64_t offset = 0, got = 0;
    bool done = false;
    int code = CLI_EXIT_OK;
    while (code == CLI_EXIT_OK && !done) {
        code = s_get_chunk (cli, sha256, offset, file, &got, &done);
        offset += got;
    }
    if (fclose (file) && code == CLI_EXIT_OK)
        code = cli_usage_error ("%s: %s", path, strerror (errno));
    char hex [DIGEST_HEX_SIZE + 1];
    daiban_error_t err;
    if (code == CLI_EXIT_OK && (digest_file (path, hex, NULL, &err) || strcmp (hex, sha256))) {
        fprintf (stderr, "daibanctl: %s: the content read back does not hash to %s\n", path,
                 sha256);
        code = CLI_EXIT_BROKER_ERROR;
    }
    return code;
}
