/*  attachments: POST /v1/cases/{id}/attachments (docs/http.md,
    Attachments). The multipart/form-data body is parsed by
    libmicrohttpd's post processor as it arrives; the part `file` goes to
    the broker in blob_put chunks (blob_client), at most one chunk held,
    then attachment.added is posted as the caller. The case and the
    caller's right to post are checked at the headers, before a byte is
    stored; the blob limit is the broker's. */
#include "handlers.h"

#include <czmq.h>
#include <string.h>
#include <strings.h>
#include "link.h"
#include "wire.h"

#define FIELD_MAX 256

//  The form's fields besides the file; every one optional but kind.
static const char *s_fields [] = { "kind", "item", "meeting", "id", "name", NULL };
enum { KIND, ITEM, MEETING, ID, NAME, FIELD_COUNT };

typedef struct {
    request_t *request;
    struct MHD_PostProcessor *parser;
    blob_link_t link;
    blob_upload_t *upload;
    char case_id [256];
    char filename [1024];
    char media_type [256];
    char values [FIELD_COUNT][FIELD_MAX];
    bool given [FIELD_COUNT];
    bool file;                  //  the file part has begun
    int status;                 //  a refusal found while the body came; 0: none
    const char *code;
    char message [400];
    bool failed;                //  a blob_put failed: err
    daiban_error_t err;
} s_upload_t;

static void
s_release (void *stream)
{
    s_upload_t *self = (s_upload_t *) stream;
    if (!self)
        return;
    if (self->parser)
        MHD_destroy_post_processor (self->parser);
    blob_upload_destroy (&self->upload);
    free (self);
}

static enum MHD_Result
s_refuse (s_upload_t *self, int status, const char *code, const char *format, const char *what)
{
    if (!self->status) {
        self->status = status;
        self->code = code;
        snprintf (self->message, sizeof self->message, format, what);
    }
    return MHD_NO;
}

static enum MHD_Result
s_file_data (s_upload_t *self, const char *filename, const char *content_type, uint64_t off,
             const char *data, size_t size)
{
    if (off == 0 && self->file && blob_upload_size (self->upload) > 0)
        return s_refuse (self, 400, "bad_request", "only one part %s per request", "file");
    if (!self->file) {
        self->file = true;
        snprintf (self->filename, sizeof self->filename, "%s", filename? filename: "");
        snprintf (self->media_type, sizeof self->media_type, "%s",
                  content_type? content_type: "");
    }
    if (blob_upload_size (self->upload) + (int64_t) size > self->request->gateway->blob_max_bytes) {
        char limit [32];
        snprintf (limit, sizeof limit, "%lld",
                  (long long) self->request->gateway->blob_max_bytes);
        return s_refuse (self, 413, "too_large", "the file is over the limit of %s bytes "
                         "(broker/blob_max_bytes)", limit);
    }
    if (size && blob_upload_write (self->upload, data, size, &self->err)) {
        self->failed = true;
        return MHD_NO;
    }
    return MHD_YES;
}

//  One piece of one part, as the post processor finds it.
static enum MHD_Result
s_part (void *closure, enum MHD_ValueKind kind, const char *key, const char *filename,
        const char *content_type, const char *transfer_encoding, const char *data,
        uint64_t off, size_t size)
{
    (void) kind, (void) transfer_encoding;
    s_upload_t *self = (s_upload_t *) closure;
    if (self->status || self->failed)
        return MHD_NO;
    if (streq (key, "file"))
        return s_file_data (self, filename, content_type, off, data, size);
    int field = 0;
    while (s_fields [field] && !streq (s_fields [field], key))
        field++;
    if (!s_fields [field])
        return s_refuse (self, 400, "bad_request", "unknown field %s (the form has file, kind, "
                         "item, meeting, id, name)", key);
    size_t held = strlen (self->values [field]);
    if (held + size >= FIELD_MAX || memchr (data, 0, size))
        return s_refuse (self, 400, "bad_request", "field %s: over 255 bytes, or a NUL in it",
                         key);
    memcpy (self->values [field] + held, data, size);
    self->values [field][held + size] = 0;
    self->given [field] = true;
    return MHD_YES;
}

static void
s_feed (request_t *request, const char *data, size_t size)
{
    s_upload_t *self = (s_upload_t *) request->stream;
    if (self->status || self->failed)
        return;                 //  the rest of the body is read and dropped
    if (MHD_post_process (self->parser, data, size) != MHD_YES)
        s_refuse (self, 400, "bad_request", "the body is not valid %s", "multipart/form-data");
}

//  The fields once the whole body is in: what is missing or not text.
static bool
s_check_fields (s_upload_t *self)
{
    if (!self->file)
        s_refuse (self, 400, "bad_request", "missing field: %s (the part with the content)",
                  "file");
    else
    if (!self->given [KIND] || !*self->values [KIND])
        s_refuse (self, 400, "bad_request", "missing field: %s", "kind");
    else
    if (!*self->values [NAME] && !*self->filename)
        s_refuse (self, 400, "bad_request", "the part file has no filename: send it as a file "
                  "or give the field %s", "name");
    for (int field = 0; !self->status && field < FIELD_COUNT; field++)
        if (!wire_utf8_valid (self->values [field], strlen (self->values [field])))
            s_refuse (self, 400, "bad_request", "field %s: not UTF-8", s_fields [field]);
    if (!self->status && !wire_utf8_valid (self->filename, strlen (self->filename)))
        s_refuse (self, 400, "bad_request", "the %s of the part file is not UTF-8", "filename");
    return self->status == 0;
}

//  The event for the stored blob: {type, case, id, body}.
static json_t *
s_event (s_upload_t *self, const char *sha256)
{
    const char *name = *self->values [NAME]? self->values [NAME]: self->filename;
    const char *media_type = *self->media_type
                          && strcasecmp (self->media_type, "application/octet-stream")
                           ? self->media_type: blob_client_media_type (name);
    json_t *body = json_pack ("{s:s, s:s, s:s, s:I, s:s}", "kind", self->values [KIND],
                              "name", name, "media_type", media_type,
                              "size", (json_int_t) blob_upload_size (self->upload),
                              "sha256", sha256);
    if (body && *self->values [ITEM])
        json_object_set_new (body, "item", json_string (self->values [ITEM]));
    if (body && *self->values [MEETING])
        json_object_set_new (body, "meeting", json_string (self->values [MEETING]));
    //  An id of the caller's makes a retry a duplicate; else a fresh one.
    char id [FIELD_MAX];
    snprintf (id, sizeof id, "%s", self->values [ID]);
    if (!*id) {
        zuuid_t *uuid = zuuid_new ();
        snprintf (id, sizeof id, "http-%s", uuid? zuuid_str (uuid): "0");
        zuuid_destroy (&uuid);
    }
    return body? json_pack ("{s:s, s:s, s:s, s:o}", "type", "attachment.added",
                            "case", self->case_id, "id", id, "body", body): NULL;
}

static enum MHD_Result
s_end (request_t *request)
{
    s_upload_t *self = (s_upload_t *) request->stream;
    if (self->parser && MHD_destroy_post_processor (self->parser) != MHD_YES)
        s_refuse (self, 400, "bad_request", "the body is not complete %s",
                  "multipart/form-data");
    self->parser = NULL;
    if (self->failed)
        return reply_blob_error (request, &self->link, &self->err);
    if (!s_check_fields (self))
        return reply_error (request, self->status, self->code, "%s", self->message);
    char sha256 [DIGEST_HEX_SIZE + 1];
    bool stored = false;
    if (blob_upload_finish (self->upload, sha256, &stored, &self->err))
        return reply_blob_error (request, &self->link, &self->err);
    json_t *event = s_event (self, sha256);
    if (!event)
        return reply_error (request, 500, "internal", "out of memory");
    return handlers_post (request, event, json_pack ("{s:s, s:I, s:b}", "sha256", sha256,
                                                     "size", (json_int_t)
                                                     blob_upload_size (self->upload),
                                                     "stored", stored));
}

//  What can be refused before the body: its size, its form, the
//  caller's right and the case.
static bool
s_admit (request_t *request, const char *case_id)
{
    gateway_t *gateway = request->gateway;
    const char *length = request_header (request, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *form = request_header (request, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (length && strtoll (length, NULL, 10) > gateway->blob_max_bytes + GATEWAY_MULTIPART_SLACK)
        request->result = reply_error (request, 413, "too_large", "the file is over the limit "
                                       "of %lld bytes (broker/blob_max_bytes)",
                                       (long long) gateway->blob_max_bytes);
    else
    if (!form || strncasecmp (form, "multipart/form-data", 19))
        request->result = reply_error (request, 400, "bad_request", "the body must be "
                                       "multipart/form-data: a part file and the fields kind, "
                                       "item, meeting");
    if (request->answered)
        return false;
    json_t *event = json_pack ("{s:s, s:s, s:s, s:{}}", "type", "attachment.added",
                               "case", case_id, "source", request->principal.name, "body");
    bool may = event && handlers_may_post (request, event);
    json_decref (event);
    json_t *reply = NULL;
    if (may && reply_call (request, json_pack ("{s:s, s:s}", "op", "case", "case", case_id),
                           &reply)) {
        json_decref (reply);
        return true;
    }
    return false;
}

enum MHD_Result
handle_attachment_post (request_t *request)
{
    s_upload_t *self = (s_upload_t *) calloc (1, sizeof (s_upload_t));
    if (!self)
        return reply_error (request, 500, "internal", "out of memory");
    request->stream = self;
    request->stream_release = s_release;
    self->request = request;
    if (!request_segment (request, 2, self->case_id, sizeof self->case_id))
        return reply_error (request, 404, "not_found", "no case in the path");
    if (!s_admit (request, self->case_id))
        return request->result;
    daiban_error_t err;
    if (!link_blob (request->gateway, &request->principal, &self->link, &err))
        return reply_error (request, 503, "unavailable", "%s", err.message);
    self->upload = blob_upload_new (&self->link, "http");
    self->parser = MHD_create_post_processor (request->connection, 64 * 1024, s_part, self);
    if (!self->upload || !self->parser)
        return reply_error (request, 400, "bad_request", "the body must be multipart/form-data "
                            "with a boundary");
    request->stream_feed = s_feed;
    request->stream_end = s_end;
    return MHD_YES;
}
