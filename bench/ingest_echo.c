/*  ingest_echo: the transport floors of bench/ingest. A ZeroMQ ROUTER that
    answers every request with {ok, rid, seq, duplicate: false}, reading
    only the rid. Without --sync it answers at once and touches no disk.
    With --sync FILE it does what a durable server must and nothing more:
    each turn's requests (all that are waiting) are written to FILE
    (preallocated, written over in place, O_DIRECT in whole pages as
    daiban's log) and fdatasync'ed once, then answered. ingest_load run
    against it measures what the client, ZeroMQ, loopback TCP and the
    flush cost on this machine before any broker work, so that a ratio to
    Redis can be read against what the transport allows.
    Usage: ingest_echo --endpoint EP [--sync FILE]
    Prints "ingest_echo ready" on stderr once bound; exits 0 on SIGTERM or
    SIGINT, 1 when it cannot start, 3 when a write, a sync or memory fails. */

#define _GNU_SOURCE                 //  O_DIRECT
#include "replies.h"

#include <errno.h>
#include <fcntl.h>
#include <msgpack.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

static volatile sig_atomic_t s_stopping = 0;

static void
s_on_signal (int signal_number)
{
    (void) signal_number;
    s_stopping = 1;
}

//  One turn: the requests' bytes (for the file) and the replies held
//  until the turn is flushed (the broker's own replies module, where a
//  reply is held until its commit `after` is durable: here the turn).
typedef struct {
    msgpack_sbuffer requests;
    replies_t *replies;
    msgpack_sbuffer reply;      //  one reply being packed
    uint64_t number;            //  of the turn
} s_turn_t;

//  The request's rid (0 when it has none or is not a map).
static uint64_t
s_rid (const void *data, size_t size)
{
    uint64_t rid = 0;
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    if (msgpack_unpack_next (&unpacked, data, size, NULL) == MSGPACK_UNPACK_SUCCESS
    &&  unpacked.data.type == MSGPACK_OBJECT_MAP) {
        msgpack_object_map *map = &unpacked.data.via.map;
        for (uint32_t index = 0; index < map->size; index++) {
            msgpack_object *key = &map->ptr [index].key, *value = &map->ptr [index].val;
            if (key->type == MSGPACK_OBJECT_STR && key->via.str.size == 3
            &&  memcmp (key->via.str.ptr, "rid", 3) == 0
            &&  value->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
                rid = value->via.u64;
        }
    }
    msgpack_unpacked_destroy (&unpacked);
    return rid;
}

static int
s_pack_key (msgpack_packer *packer, const char *key)
{
    return msgpack_pack_str (packer, strlen (key))
        || msgpack_pack_str_body (packer, key, strlen (key))? -1: 0;
}

//  Queues the answer to one [identity, empty, request]; -1 when out of
//  memory.
static int
s_queue (s_turn_t *turn, zmq_msg_t *frames, uint64_t seq)
{
    const void *request = zmq_msg_data (&frames [2]);
    size_t request_size = zmq_msg_size (&frames [2]);
    msgpack_sbuffer_clear (&turn->reply);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &turn->reply, msgpack_sbuffer_write);
    if (msgpack_sbuffer_write (&turn->requests, (const char *) request, request_size)
    ||  msgpack_pack_map (&packer, 4)
    ||  s_pack_key (&packer, "ok") || msgpack_pack_true (&packer)
    ||  s_pack_key (&packer, "rid") || msgpack_pack_uint64 (&packer, s_rid (request, request_size))
    ||  s_pack_key (&packer, "seq") || msgpack_pack_uint64 (&packer, seq)
    ||  s_pack_key (&packer, "duplicate") || msgpack_pack_false (&packer))
        return -1;
    return replies_hold (turn->replies, zmq_msg_data (&frames [0]), zmq_msg_size (&frames [0]),
                         turn->reply.data, turn->reply.size, turn->number)? 0: -1;
}

//  Reads one whole message and queues its answer when it has the three
//  frames of a request; -1 when the socket failed, -2 out of memory.
static int
s_read (void *router, s_turn_t *turn, uint64_t seq)
{
    zmq_msg_t frames [3], extra;
    size_t count = 0;
    int more = 1;
    while (more) {
        zmq_msg_t *frame = count < 3? &frames [count]: &extra;
        zmq_msg_init (frame);
        if (zmq_msg_recv (frame, router, 0) == -1) {
            zmq_msg_close (frame);
            break;
        }
        more = zmq_msg_more (frame);
        if (frame == &extra)
            zmq_msg_close (frame);
        count++;
    }
    int rc = more? -1: 0;
    if (count == 3 && !more && s_queue (turn, frames, seq))
        rc = -2;
    for (size_t index = 0; index < count && index < 3; index++)
        zmq_msg_close (&frames [index]);
    return rc;
}

//  The file is written over in place, never grown, so that fdatasync has
//  no metadata to write; with O_DIRECT, as daiban's log does, in whole
//  pages from an aligned buffer: the cheapest durable write a log can make.
#define S_FILE_BYTES (64u << 20)
#define S_PAGE 4096u

static int
s_preallocate (int fd)
{
    static char zeros [1 << 16];
    for (size_t offset = 0; offset < S_FILE_BYTES; offset += sizeof zeros)
        if (pwrite (fd, zeros, sizeof zeros, (off_t) offset) != (ssize_t) sizeof zeros)
            return -1;
    return fsync (fd);
}

typedef struct {
    int fd;                     //  O_DIRECT when the file system takes it
    size_t offset;              //  where the next turn goes
    unsigned char *pages;       //  aligned copy of a turn, whole pages
    size_t capacity;
} s_file_t;

//  Writes the turn's requests at the next pages of the file and flushes it.
static int
s_sync (s_file_t *file, s_turn_t *turn)
{
    size_t size = turn->requests.size < S_FILE_BYTES? turn->requests.size: S_FILE_BYTES;
    size_t padded = (size + S_PAGE - 1) / S_PAGE * S_PAGE;
    if (padded > file->capacity) {
        free (file->pages);
        file->pages = NULL;
        file->capacity = 0;
        if (posix_memalign ((void **) &file->pages, S_PAGE, padded))
            return -1;
        file->capacity = padded;
    }
    memcpy (file->pages, turn->requests.data, size);
    memset (file->pages + size, 0, padded - size);
    if (file->offset + padded > S_FILE_BYTES)
        file->offset = 0;
    size_t written = 0;
    while (written < padded) {
        ssize_t rc = pwrite (file->fd, file->pages + written, padded - written,
                             (off_t) (file->offset + written));
        if (rc < 0 && errno != EINTR)
            return -1;
        if (rc > 0)
            written += (size_t) rc;
    }
    file->offset += padded;
    return fdatasync (file->fd);
}

//  Prepares FILE: zeros written and synced once, then opened O_DIRECT
//  (through the page cache where the file system refuses it).
static int
s_file_open (s_file_t *file, const char *path)
{
    memset (file, 0, sizeof *file);
    int fd = open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || s_preallocate (fd)) {
        if (fd >= 0)
            close (fd);
        return -1;
    }
    file->fd = open (path, O_WRONLY | O_DIRECT | O_CLOEXEC);
    if (file->fd < 0)
        file->fd = dup (fd);
    close (fd);
    return file->fd < 0? -1: 0;
}

static void *
s_bind (void *context, const char *endpoint)
{
    void *router = zmq_socket (context, ZMQ_ROUTER);
    int unlimited = 0, linger = 0;
    if (router
    &&  (zmq_setsockopt (router, ZMQ_SNDHWM, &unlimited, sizeof unlimited)
    ||   zmq_setsockopt (router, ZMQ_RCVHWM, &unlimited, sizeof unlimited)
    ||   zmq_setsockopt (router, ZMQ_LINGER, &linger, sizeof linger)
    ||   zmq_bind (router, endpoint))) {
        zmq_close (router);
        router = NULL;
    }
    return router;
}

//  One turn: everything waiting, (the flush,) the replies; 3 when the
//  turn could not be made good.
static int
s_turn (void *router, s_file_t *file, s_turn_t *turn, uint64_t *seq)
{
    msgpack_sbuffer_clear (&turn->requests);
    turn->number++;
    int events = ZMQ_POLLIN, rc = 0;
    size_t size = sizeof events;
    while ((events & ZMQ_POLLIN) && rc == 0) {
        rc = s_read (router, turn, ++*seq);
        if (rc == 0 && zmq_getsockopt (router, ZMQ_EVENTS, &events, &size))
            break;
    }
    if (rc == -2) {
        fprintf (stderr, "ingest_echo: out of memory\n");
        return 3;
    }
    if (file && turn->requests.size && s_sync (file, turn)) {
        fprintf (stderr, "ingest_echo: write or sync failed: %s\n", strerror (errno));
        return 3;
    }
    replies_release (turn->replies, router, turn->number);
    return 0;
}

static int
s_serve (void *router, s_file_t *file)
{
    s_turn_t turn = { .replies = replies_new (), .number = 0 };
    if (!turn.replies) {
        fprintf (stderr, "ingest_echo: out of memory\n");
        return 3;
    }
    msgpack_sbuffer_init (&turn.requests);
    msgpack_sbuffer_init (&turn.reply);
    uint64_t seq = 0;
    int rc = 0;
    zmq_pollitem_t item = { router, 0, ZMQ_POLLIN, 0 };
    while (!s_stopping && rc == 0)
        if (zmq_poll (&item, 1, 200) > 0)
            rc = s_turn (router, file, &turn, &seq);
    msgpack_sbuffer_destroy (&turn.requests);
    msgpack_sbuffer_destroy (&turn.reply);
    replies_destroy (&turn.replies);
    return rc;
}

//  --endpoint EP [--sync FILE]; -1 when they are not that.
static int
s_parse (int argc, char *argv [], const char **endpoint, const char **sync_path)
{
    *endpoint = *sync_path = NULL;
    if (argc % 2 == 0)
        return -1;
    for (int index = 1; index + 1 < argc; index += 2) {
        if (strcmp (argv [index], "--endpoint") == 0)
            *endpoint = argv [index + 1];
        else
        if (strcmp (argv [index], "--sync") == 0)
            *sync_path = argv [index + 1];
        else
            return -1;
    }
    return *endpoint? 0: -1;
}

int
main (int argc, char *argv [])
{
    const char *endpoint, *sync_path;
    if (s_parse (argc, argv, &endpoint, &sync_path)) {
        fprintf (stderr, "usage: ingest_echo --endpoint EP [--sync FILE]\n");
        return 2;
    }
    signal (SIGTERM, s_on_signal);
    signal (SIGINT, s_on_signal);
    s_file_t file;
    if (sync_path && s_file_open (&file, sync_path)) {
        fprintf (stderr, "ingest_echo: cannot prepare %s: %s\n", sync_path, strerror (errno));
        return 1;
    }
    void *context = zmq_ctx_new ();
    void *router = context? s_bind (context, endpoint): NULL;
    if (!router) {
        fprintf (stderr, "ingest_echo: cannot bind %s: %s\n", endpoint, zmq_strerror (zmq_errno ()));
        return 1;
    }
    fprintf (stderr, "ingest_echo ready\n");
    int rc = s_serve (router, sync_path? &file: NULL);
    zmq_close (router);
    zmq_ctx_term (context);
    if (sync_path) {
        close (file.fd);
        free (file.pages);
    }
    return rc;
}
