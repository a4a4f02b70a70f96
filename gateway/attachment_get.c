/*  attachment_get: GET /v1/cases/{id}/attachments/{sha256} (docs/http.md,
    Attachments): the content of one attachment of the case, streamed
    from blob_get one chunk at a time, with the media type and the
    original name of its attachment.added. Reading the case's log as the
    caller is the right to read its attachments (docs/security.md). */
#include "handlers.h"

#include <czmq.h>
#include <string.h>
#include "link.h"

typedef struct {
    blob_link_t link;
    char sha256 [DIGEST_HEX_SIZE + 1];
    char *chunk;                //  BLOB_CLIENT_CHUNK bytes
    int64_t offset;             //  of chunk's first byte in the blob
    size_t held;
    int64_t total;
} s_download_t;

typedef struct {
    const char *sha256;
    json_t *body;               //  the last attachment.added of that content
} s_find_t;

static bool
s_match (json_t *event, void *closure)
{
    s_find_t *find = (s_find_t *) closure;
    json_t *body = json_object_get (event, "body");
    if (streq (json_string_value (json_object_get (event, "type"))? : "", "attachment.added")
    &&  streq (json_string_value (json_object_get (body, "sha256"))? : "", find->sha256)) {
        json_decref (find->body);
        find->body = json_incref (body);
    }
    return true;
}

static void
s_free (void *closure)
{
    s_download_t *self = (s_download_t *) closure;
    free (self->chunk);
    free (self);
}

//  libmicrohttpd asks for the bytes at pos: from the chunk held, the
//  next chunk read when it is used up (one connection, one thread: its
//  own DEALER).
static ssize_t
s_read (void *closure, uint64_t pos, char *buffer, size_t max)
{
    s_download_t *self = (s_download_t *) closure;
    if ((int64_t) pos >= self->offset + (int64_t) self->held) {
        daiban_error_t err;
        int64_t total = 0;
        self->offset = (int64_t) pos;
        self->held = 0;
        if (blob_client_read (&self->link, self->sha256, self->offset, self->chunk,
                              BLOB_CLIENT_CHUNK, &self->held, &total, &err)
        ||  self->held == 0 || total != self->total)
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    size_t start = (size_t) ((int64_t) pos - self->offset);
    size_t take = self->held - start < max? self->held - start: max;
    memcpy (buffer, self->chunk + start, take);
    return (ssize_t) take;
}

//  Content-Disposition with the original name (RFC 6266): an ASCII
//  fallback, and filename* as UTF-8 percent-encoded (RFC 5987).
static void
s_disposition (const char *name, char *out, size_t size)
{
    static const char *keep = "!#$&+-.^_`|~";
    char ascii [256], encoded [3 * 1024 + 1];
    size_t at = 0, used = 0;
    //  One '_' for each character the fallback cannot hold.
    for (const unsigned char *in = (const unsigned char *) name; *in && at + 1 < sizeof ascii; in++)
        if ((*in & 0xC0) != 0x80)
            ascii [at++] = *in >= 0x20 && *in < 0x7f && *in != '"' && *in != '\\'? (char) *in: '_';
    ascii [at] = 0;
    for (const unsigned char *in = (const unsigned char *) name; *in && used + 4 < sizeof encoded;
         in++)
        if ((*in >= 'a' && *in <= 'z') || (*in >= 'A' && *in <= 'Z') || (*in >= '0' && *in <= '9')
        ||  strchr (keep, *in))
            encoded [used++] = (char) *in;
        else
            used += (size_t) snprintf (encoded + used, 4, "%%%02X", *in);
    encoded [used] = 0;
    snprintf (out, size, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, encoded);
}

//  Shared with the dossier route: the name of a download, as a header.
enum MHD_Result
handlers_send (request_t *request, struct MHD_Response *response, const char *media_type,
               const char *name)
{
    if (!response)
        return reply_error (request, 500, "internal", "out of memory");
    char disposition [4096];
    s_disposition (name, disposition, sizeof disposition);
    MHD_add_response_header (response, "Content-Type", media_type);
    MHD_add_response_header (response, "Content-Disposition", disposition);
    MHD_add_response_header (response, "X-Content-Type-Options", "nosniff");
    return reply_response (request, 200, response);
}

enum MHD_Result
handle_attachment_get (request_t *request)
{
    char case_id [256], sha256 [DIGEST_HEX_SIZE + 2];
    if (!request_segment (request, 2, case_id, sizeof case_id)
    ||  !request_segment (request, 4, sha256, sizeof sha256)
    ||  !digest_hex_valid (sha256, strlen (sha256)))
        return reply_error (request, 400, "bad_request", "the path's sha256 must be 64 "
                            "lowercase hex digits");
    if (!handlers_may (request, "history"))
        return request->result;
    s_find_t find = { sha256, NULL };
    if (!handlers_scan (request, case_id, "attachment.", SIZE_MAX, s_match, &find))
        return request->result;
    if (!find.body)
        return reply_error (request, 404, "not_found", "case %s has no attachment %s", case_id,
                            sha256);
    s_download_t *self = (s_download_t *) calloc (1, sizeof (s_download_t));
    if (self)
        self->chunk = (char *) malloc (BLOB_CLIENT_CHUNK);
    daiban_error_t err;
    daiban_error_clear (&err);
    enum MHD_Result result;
    if (!self || !self->chunk)
        result = reply_error (request, 500, "internal", "out of memory");
    else
    if (!link_blob (request->gateway, &request->principal, &self->link, &err))
        result = reply_error (request, 503, "unavailable", "%s", err.message);
    else {
        //  The first chunk before the answer: a blob the broker does not
        //  hold is a 404, not a broken download.
        memcpy (self->sha256, sha256, sizeof self->sha256);
        if (blob_client_read (&self->link, sha256, 0, self->chunk, BLOB_CLIENT_CHUNK,
                              &self->held, &self->total, &err))
            result = reply_blob_error (request, &self->link, &err);
        else {
            struct MHD_Response *response = MHD_create_response_from_callback (
                (uint64_t) self->total, 64 * 1024, s_read, self, s_free);
            const char *type = json_string_value (json_object_get (find.body, "media_type"));
            const char *name = json_string_value (json_object_get (find.body, "name"));
            if (!response)
                s_free (self);
            result = handlers_send (request, response, type? type: "application/octet-stream",
                                    name && *name? name: sha256);
            json_decref (find.body);
            return result;
        }
    }
    if (self)
        s_free (self);
    json_decref (find.body);
    return result;
}
