/*  ingest_request: builds the benchmark's requests and reads the replies
    (see ingest_request.h). */
#include "ingest_request.h"

#include <assert.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  An agent's work-log entry, as an agent would write it; repeated and
//  cut at a character boundary to reach the wanted event size.
static const char s_note_text [] =
    "代办员今日赴市自然资源局对接建设工程规划许可证办理进度，已补齐设计方案"
    "审查意见，窗口承诺三个工作日内出具结果，下一步跟进施工图联合审图。";

struct _ingest_request_t {
    char *case_id;
    char *source;
    char *note;
    size_t event_bytes;
    msgpack_sbuffer buffer;
    msgpack_packer packer;
};

static int
s_pack_string (msgpack_packer *packer, const char *text)
{
    size_t length = strlen (text);
    if (msgpack_pack_str (packer, length))
        return -1;
    return msgpack_pack_str_body (packer, text, length);
}

static int
s_pack_pair (msgpack_packer *packer, const char *key, const char *value)
{
    return s_pack_string (packer, key) || s_pack_string (packer, value)? -1: 0;
}

//  The envelope of an event without its body: id, type, case, source.
static int
s_pack_envelope (ingest_request_t *self, const char *id, const char *type)
{
    msgpack_packer *packer = &self->packer;
    if (msgpack_pack_map (packer, 5)
    ||  s_pack_pair (packer, "id", id)
    ||  s_pack_pair (packer, "type", type)
    ||  s_pack_pair (packer, "case", self->case_id)
    ||  s_pack_pair (packer, "source", self->source))
        return -1;
    return s_pack_string (packer, "body");
}

static int
s_pack_worklog_event (ingest_request_t *self, const char *id)
{
    msgpack_packer *packer = &self->packer;
    if (s_pack_envelope (self, id, "worklog.added")
    ||  msgpack_pack_map (packer, 2)
    ||  s_pack_pair (packer, "agent", "A01"))
        return -1;
    return s_pack_pair (packer, "note", self->note);
}

//  Fills the note so that the packed event is self->event_bytes long:
//  measures the event with an empty note, then adds whole characters of
//  the note text and ASCII dots for the last one or two bytes.
static int
s_size_note (ingest_request_t *self, const char *sample_id)
{
    msgpack_sbuffer_clear (&self->buffer);
    if (s_pack_worklog_event (self, sample_id))
        return -1;
    size_t empty = self->buffer.size - 1;           //  minus the fixstr header
    if (empty + 2 > self->event_bytes)
        return -1;
    size_t length = self->event_bytes - empty - 2;  //  str8 header
    if (length > 255)
        length = self->event_bytes - empty - 3;     //  str16 header
    if (length < 32)
        length = self->event_bytes - empty - 1;     //  fixstr header
    char *note = malloc (length + 1);
    if (!note)
        return -1;
    size_t text_bytes = strlen (s_note_text);
    size_t filled = 0;
    while (length - filled >= 3) {
        //  Every character of the text is three bytes in UTF-8.
        size_t at = filled % text_bytes;
        memcpy (note + filled, s_note_text + at, 3);
        filled += 3;
    }
    while (filled < length)
        note [filled++] = '.';
    note [length] = '\0';
    free (self->note);
    self->note = note;
    msgpack_sbuffer_clear (&self->buffer);
    if (s_pack_worklog_event (self, sample_id))
        return -1;
    self->event_bytes = self->buffer.size;
    return 0;
}

ingest_request_t *
ingest_request_new (const char *case_id, const char *source, size_t event_bytes)
{
    assert (case_id);
    assert (source);
    ingest_request_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    msgpack_sbuffer_init (&self->buffer);
    msgpack_packer_init (&self->packer, &self->buffer, msgpack_sbuffer_write);
    self->case_id = strdup (case_id);
    self->source = strdup (source);
    self->note = strdup ("");
    self->event_bytes = event_bytes;
    //  Sized with an id as long as the benchmark's ("TAG-00000000").
    if (!self->case_id || !self->source || !self->note
    ||  s_size_note (self, "xxxxxx-00000000"))
        ingest_request_destroy (&self);
    return self;
}

void
ingest_request_destroy (ingest_request_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        ingest_request_t *self = *self_p;
        msgpack_sbuffer_destroy (&self->buffer);
        free (self->case_id);
        free (self->source);
        free (self->note);
        free (self);
        *self_p = NULL;
    }
}

size_t
ingest_request_event_bytes (ingest_request_t *self)
{
    assert (self);
    return self->event_bytes;
}

int
ingest_request_worklog (ingest_request_t *self, const char *id, uint64_t rid,
                        const char **data, size_t *size)
{
    assert (self);
    msgpack_sbuffer_clear (&self->buffer);
    msgpack_packer *packer = &self->packer;
    if (msgpack_pack_map (packer, 3)
    ||  s_pack_pair (packer, "op", "post")
    ||  s_pack_string (packer, "rid")
    ||  msgpack_pack_uint64 (packer, rid)
    ||  s_pack_string (packer, "event")
    ||  s_pack_worklog_event (self, id))
        return -1;
    *data = self->buffer.data;
    *size = self->buffer.size;
    return 0;
}

int
ingest_request_registration (ingest_request_t *self, const char *id,
                             const char **data, size_t *size)
{
    assert (self);
    msgpack_sbuffer_clear (&self->buffer);
    msgpack_packer *packer = &self->packer;
    if (msgpack_pack_map (packer, 2)
    ||  s_pack_pair (packer, "op", "post")
    ||  s_pack_string (packer, "event")
    ||  s_pack_envelope (self, id, "case.registered")
    ||  msgpack_pack_map (packer, 5)
    ||  s_pack_pair (packer, "project", "鞍山市高新区智能装备产业园标准厂房项目")
    ||  s_pack_pair (packer, "applicant", "鞍山市某智能装备有限公司")
    ||  s_pack_string (packer, "contact")
    ||  msgpack_pack_map (packer, 2)
    ||  s_pack_pair (packer, "name", "张工")
    ||  s_pack_pair (packer, "phone", "13800000000")
    ||  s_pack_pair (packer, "channel", "window")
    ||  s_pack_string (packer, "items")
    ||  msgpack_pack_array (packer, 1)
    ||  msgpack_pack_map (packer, 3)
    ||  s_pack_pair (packer, "code", "XMBA")
    ||  s_pack_pair (packer, "level", "city")
    ||  s_pack_string (packer, "materials")
    ||  msgpack_pack_array (packer, 1)
    ||  s_pack_string (packer, "x"))
        return -1;
    *data = self->buffer.data;
    *size = self->buffer.size;
    return 0;
}

static bool
s_key_is (msgpack_object *key, const char *name)
{
    size_t length = strlen (name);
    return key->type == MSGPACK_OBJECT_STR && key->via.str.size == length
        && memcmp (key->via.str.ptr, name, length) == 0;
}

static void
s_copy_string (msgpack_object *value, char *into, size_t into_size)
{
    if (value->type != MSGPACK_OBJECT_STR)
        snprintf (into, into_size, "?");
    else
        snprintf (into, into_size, "%.*s", (int) value->via.str.size, value->via.str.ptr);
}

static void
s_read_error (msgpack_object *error, ingest_reply_t *reply)
{
    char code [64] = "?";
    char message [180] = "";
    if (error->type != MSGPACK_OBJECT_MAP)
        return;
    for (uint32_t index = 0; index < error->via.map.size; index++) {
        msgpack_object_kv *pair = &error->via.map.ptr [index];
        if (s_key_is (&pair->key, "code"))
            s_copy_string (&pair->val, code, sizeof code);
        else
        if (s_key_is (&pair->key, "message"))
            s_copy_string (&pair->val, message, sizeof message);
    }
    snprintf (reply->error, sizeof reply->error, "%s: %s", code, message);
}

static void
s_read_pair (msgpack_object_kv *pair, ingest_reply_t *reply)
{
    msgpack_object *value = &pair->val;
    if (s_key_is (&pair->key, "ok"))
        reply->ok = value->type == MSGPACK_OBJECT_BOOLEAN && value->via.boolean;
    else
    if (s_key_is (&pair->key, "duplicate"))
        reply->duplicate = value->type == MSGPACK_OBJECT_BOOLEAN && value->via.boolean;
    else
    if (s_key_is (&pair->key, "rid") && value->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        reply->has_rid = true;
        reply->rid = value->via.u64;
    }
    else
    if (s_key_is (&pair->key, "seq") && value->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        reply->seq = value->via.u64;
    else
    if (s_key_is (&pair->key, "error"))
        s_read_error (value, reply);
}

int
ingest_request_read_reply (const char *data, size_t size, ingest_reply_t *reply)
{
    memset (reply, 0, sizeof *reply);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    int rc = -1;
    if (msgpack_unpack_next (&unpacked, data, size, &offset) == MSGPACK_UNPACK_SUCCESS
    &&  offset == size && unpacked.data.type == MSGPACK_OBJECT_MAP) {
        msgpack_object_map *map = &unpacked.data.via.map;
        for (uint32_t index = 0; index < map->size; index++)
            s_read_pair (&map->ptr [index], reply);
        rc = 0;
    }
    msgpack_unpacked_destroy (&unpacked);
    return rc;
}
