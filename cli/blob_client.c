/*  blob_client: blob_put and blob_get over an ingress connection (see
    blob_client.h). The requests are packed with msgpack-c directly: JSON
    has no bytes. The hash is libsodium's, fed as the content passes. */
#include "blob_client.h"

#include <czmq.h>
#include <errno.h>
#include <msgpack.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "wire.h"

struct _blob_upload_t {
    blob_link_t *link;
    char id [96];
    char *chunk;                //  BLOB_CLIENT_CHUNK bytes, held until more follows
    size_t held;
    int64_t sent;               //  bytes the broker has
    crypto_hash_sha256_state hash;
};

//  The code whose wire name is name; internal for a name not known.
static daiban_code_t
s_code (const char *name, size_t size)
{
    for (int code = DAIBAN_BAD_REQUEST; code < DAIBAN_RETRY; code++) {
        const char *known = daiban_error_code_name ((daiban_code_t) code);
        if (strlen (known) == size && memcmp (known, name, size) == 0)
            return (daiban_code_t) code;
    }
    return DAIBAN_INTERNAL;
}

//  Sends the packed request; *root is the reply when it says ok (in
//  zone, *raw to be freed), otherwise err holds the broker's error.
static daiban_code_t
s_call (blob_link_t *link, msgpack_sbuffer *request, msgpack_zone *zone, char **raw,
        msgpack_object *root, daiban_error_t *err)
{
    size_t size = 0;
    *raw = NULL;
    link->refused = false;
    if (!request->data)
        return daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    if (client_call_raw (link->client, request->data, request->size, raw, &size, err))
        return err->code;
    if (wire_unpack (*raw, size, zone, root, err) || root->type != MSGPACK_OBJECT_MAP)
        return daiban_error_set (err, DAIBAN_INTERNAL, "the broker's reply is not a msgpack map");
    const msgpack_object *ok = wire_map_get (root, "ok");
    if (ok && ok->type == MSGPACK_OBJECT_BOOLEAN && ok->via.boolean)
        return DAIBAN_OK;
    const msgpack_object *error = wire_map_get (root, "error");
    const msgpack_object *code = error? wire_map_get (error, "code"): NULL;
    const msgpack_object *message = error? wire_map_get (error, "message"): NULL;
    if (!code || !wire_is_str (code))
        return daiban_error_set (err, DAIBAN_INTERNAL, "the broker's reply holds no error code");
    link->refused = true;
    return daiban_error_set (err, s_code (code->via.str.ptr, code->via.str.size), "%.*s",
                             message && wire_is_str (message)? (int) message->via.str.size: 0,
                             message && wire_is_str (message)? message->via.str.ptr: "");
}

//  The map header of a request with keys entries, and its `as`.
static void
s_pack_head (msgpack_packer *packer, blob_link_t *link, uint32_t keys, const char *op)
{
    msgpack_pack_map (packer, keys + (link->as_name? 2: 1));
    wire_pack_key (packer, "op");
    wire_pack_str (packer, op);
    if (link->as_name) {
        wire_pack_key (packer, "as");
        msgpack_pack_map (packer, 2);
        wire_pack_key (packer, "name");
        wire_pack_str (packer, link->as_name);
        wire_pack_key (packer, "role");
        wire_pack_str (packer, link->as_role);
    }
}

//  One chunk of held bytes; the last one (sha256 given) says *stored.
static daiban_code_t
s_put_chunk (blob_upload_t *self, const char *sha256, bool *stored, daiban_error_t *err)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    s_pack_head (&packer, self->link, sha256? 5: 3, "blob_put");
    wire_pack_key (&packer, "upload");
    wire_pack_str (&packer, self->id);
    wire_pack_key (&packer, "offset");
    msgpack_pack_int64 (&packer, self->sent);
    wire_pack_key (&packer, "data");
    msgpack_pack_bin (&packer, self->held);
    msgpack_pack_bin_body (&packer, self->chunk, self->held);
    if (sha256) {
        wire_pack_key (&packer, "sha256");
        wire_pack_str (&packer, sha256);
        wire_pack_key (&packer, "size");
        msgpack_pack_int64 (&packer, self->sent + (int64_t) self->held);
    }
    msgpack_zone zone;
    msgpack_zone_init (&zone, 1024);
    msgpack_object root;
    char *raw = NULL;
    daiban_code_t code = s_call (self->link, &buffer, &zone, &raw, &root, err);
    if (code == DAIBAN_OK && sha256) {
        const msgpack_object *flag = wire_map_get (&root, "stored");
        *stored = flag && flag->type == MSGPACK_OBJECT_BOOLEAN && flag->via.boolean;
    }
    if (code == DAIBAN_OK) {
        self->sent += (int64_t) self->held;
        self->held = 0;
    }
    free (raw);
    msgpack_zone_destroy (&zone);
    msgpack_sbuffer_destroy (&buffer);
    return code;
}

blob_upload_t *
blob_upload_new (blob_link_t *link, const char *prefix)
{
    blob_upload_t *self = (blob_upload_t *) calloc (1, sizeof (blob_upload_t));
    if (self)
        self->chunk = (char *) malloc (BLOB_CLIENT_CHUNK);
    if (!self || !self->chunk) {
        blob_upload_destroy (&self);
        return NULL;
    }
    self->link = link;
    static atomic_uint counter = 0;
    snprintf (self->id, sizeof self->id, "%.40s-%d-%lld-%u", prefix, (int) getpid (),
              (long long) zclock_time (), ++counter);
    crypto_hash_sha256_init (&self->hash);
    return self;
}

void
blob_upload_destroy (blob_upload_t **self_p)
{
    if (!*self_p)
        return;
    free ((*self_p)->chunk);
    free (*self_p);
    *self_p = NULL;
}

daiban_code_t
blob_upload_write (blob_upload_t *self, const void *data, size_t size, daiban_error_t *err)
{
    const char *bytes = (const char *) data;
    crypto_hash_sha256_update (&self->hash, (const unsigned char *) data, size);
    while (size) {
        //  A full chunk waits for the next byte: the last one carries the hash.
        if (self->held == BLOB_CLIENT_CHUNK && s_put_chunk (self, NULL, NULL, err))
            return err->code;
        size_t room = BLOB_CLIENT_CHUNK - self->held;
        size_t take = size < room? size: room;
        memcpy (self->chunk + self->held, bytes, take);
        self->held += take;
        bytes += take;
        size -= take;
    }
    return DAIBAN_OK;
}

int64_t
blob_upload_size (blob_upload_t *self)
{
    return self->sent + (int64_t) self->held;
}

daiban_code_t
blob_upload_finish (blob_upload_t *self, char *sha256, bool *stored, daiban_error_t *err)
{
    unsigned char binary [crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final (&self->hash, binary);
    sodium_bin2hex (sha256, DIGEST_HEX_SIZE + 1, binary, sizeof binary);
    *stored = false;
    return s_put_chunk (self, sha256, stored, err);
}

daiban_code_t
blob_client_read (blob_link_t *link, const char *sha256, int64_t offset, char *buffer,
                  size_t capacity, size_t *got, int64_t *total, daiban_error_t *err)
{
    msgpack_sbuffer request;
    msgpack_sbuffer_init (&request);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &request, msgpack_sbuffer_write);
    s_pack_head (&packer, link, 2, "blob_get");
    wire_pack_key (&packer, "sha256");
    wire_pack_str (&packer, sha256);
    wire_pack_key (&packer, "offset");
    msgpack_pack_int64 (&packer, offset);
    msgpack_zone zone;
    msgpack_zone_init (&zone, 1024);
    msgpack_object root;
    char *raw = NULL;
    daiban_code_t code = s_call (link, &request, &zone, &raw, &root, err);
    if (code == DAIBAN_OK) {
        const msgpack_object *data = wire_map_get (&root, "data");
        if (!data || data->type != MSGPACK_OBJECT_BIN
        ||  !wire_get_int (wire_map_get (&root, "size"), total))
            code = daiban_error_set (err, DAIBAN_INTERNAL, "blob_get reply without data and size");
        else
        if (data->via.bin.size > capacity)
            code = daiban_error_set (err, DAIBAN_INTERNAL, "blob_get answered %u bytes, over "
                                     "%zu", data->via.bin.size, capacity);
        else {
            memcpy (buffer, data->via.bin.ptr, data->via.bin.size);
            *got = data->via.bin.size;
        }
    }
    free (raw);
    msgpack_zone_destroy (&zone);
    msgpack_sbuffer_destroy (&request);
    return code;
}

typedef struct {
    const char *suffix;
    const char *media_type;
} s_media_t;

//  The media types of what a case file usually holds; the rest is bytes.
static const s_media_t s_media [] = {
    { ".pdf", "application/pdf" }, { ".jpg", "image/jpeg" }, { ".jpeg", "image/jpeg" },
    { ".png", "image/png" }, { ".txt", "text/plain" }, { ".md", "text/markdown" },
    { ".doc", "application/msword" },
    { ".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
    { ".xls", "application/vnd.ms-excel" },
    { ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
    { ".ofd", "application/ofd" }, { ".zip", "application/zip" }, { NULL, NULL }
};

const char *
blob_client_media_type (const char *name)
{
    const char *dot = strrchr (name, '.');
    for (const s_media_t *media = s_media; dot && media->suffix; media++)
        if (strcasecmp (dot, media->suffix) == 0)
            return media->media_type;
    return "application/octet-stream";
}

//  daibanctl's link: its connection and the principal of cli_act_as.
int
blob_client_link (cli_t *cli, blob_link_t *link)
{
    int code = CLI_EXIT_OK;
    link->client = cli_client (cli, &code);
    json_t *as = cli_as (cli);
    link->as_name = json_string_value (json_object_get (as, "name"));
    link->as_role = json_string_value (json_object_get (as, "role"));
    return code;
}

//  A failure of the broker or the link, as daibanctl shows it.
int
blob_client_fail (const daiban_error_t *err)
{
    if (err->code == DAIBAN_UNAVAILABLE)
        return cli_fail (err);
    fprintf (stderr, "daibanctl: %s: %s\n", daiban_error_code_name (err->code), err->message);
    return CLI_EXIT_BROKER_ERROR;
}

int
blob_client_put_file (cli_t *cli, const char *path, char *sha256, int64_t *size, bool *stored)
{
    blob_link_t link;
    int code = blob_client_link (cli, &link);
    if (code != CLI_EXIT_OK)
        return code;
    FILE *file = fopen (path, "rb");
    if (!file)
        return cli_usage_error ("%s: %s", path, strerror (errno));
    blob_upload_t *upload = blob_upload_new (&link, "ctl");
    char *piece = (char *) malloc (BLOB_CLIENT_CHUNK);
    daiban_error_t err;
    daiban_error_clear (&err);
    if (!upload || !piece)
        code = cli_usage_error ("out of memory");
    while (code == CLI_EXIT_OK) {
        size_t got = fread (piece, 1, BLOB_CLIENT_CHUNK, file);
        if (ferror (file))
            code = cli_usage_error ("%s: read error", path);
        else
        if (got && blob_upload_write (upload, piece, got, &err))
            code = blob_client_fail (&err);
        else
        if (got == 0)
            break;
    }
    if (code == CLI_EXIT_OK) {
        *size = blob_upload_size (upload);
        if (blob_upload_finish (upload, sha256, stored, &err))
            code = blob_client_fail (&err);
    }
    fclose (file);
    free (piece);
    blob_upload_destroy (&upload);
    return code;
}

daiban_code_t
blob_client_save (blob_link_t *link, const char *sha256, const char *path,
                  daiban_error_t *err)
{
    FILE *file = fopen (path, "wb");
    char *piece = (char *) malloc (BLOB_CLIENT_CHUNK);
    if (!file || !piece) {
        if (file)
            fclose (file);
        free (piece);
        return daiban_error_set (err, DAIBAN_INTERNAL, "%s: %s", path, strerror (errno));
    }
    int64_t offset = 0, total = 1;
    daiban_code_t code = DAIBAN_OK;
    while (!code && offset < total) {
        size_t got = 0;
        if (blob_client_read (link, sha256, offset, piece, BLOB_CLIENT_CHUNK, &got, &total, err))
            code = err->code;
        else
        if (fwrite (piece, 1, got, file) != got)
            code = daiban_error_set (err, DAIBAN_INTERNAL, "%s: cannot write: %s", path,
                                     strerror (errno));
        else
        if (got == 0)
            break;
        offset += (int64_t) got;
    }
    free (piece);
    if (fclose (file) && !code)
        code = daiban_error_set (err, DAIBAN_INTERNAL, "%s: %s", path, strerror (errno));
    char hex [DIGEST_HEX_SIZE + 1];
    if (!code && (digest_file (path, hex, NULL, err) || strcmp (hex, sha256)))
        code = daiban_error_set (err, DAIBAN_INTERNAL, "%s: the content read back does not "
                                 "hash to %s", path, sha256);
    return code;
}

int
blob_client_get_file (cli_t *cli, const char *sha256, const char *path)
{
    blob_link_t link;
    int code = blob_client_link (cli, &link);
    daiban_error_t err;
    if (code == CLI_EXIT_OK && blob_client_save (&link, sha256, path, &err))
        code = blob_client_fail (&err);
    return code;
}
