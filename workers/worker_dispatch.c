/*  worker_dispatch: decoding a dispatch and answering it (see
    worker_dispatch.h). */
#include "worker_dispatch.h"

#include <string.h>
#include "log.h"

//  The case state arrives as part of the dispatch map; case_state_decode
//  reads bytes, so the state is packed again on its own. It is a few
//  kilobytes at most, decoded once per dispatch.
static daiban_code_t
s_decode_state (const msgpack_object *object, case_state_t **state, daiban_error_t *err)
{
    *state = NULL;
    if (!object || object->type == MSGPACK_OBJECT_NIL)
        return DAIBAN_OK;
    if (object->type != MSGPACK_OBJECT_MAP)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "dispatch: case is not a map");
    wire_buffer_t buffer;
    wire_buffer_init (&buffer);
    msgpack_pack_object (&buffer.packer, *object);
    if (buffer.failed)
        daiban_error_set (err, DAIBAN_INTERNAL, "out of memory");
    else
        *state = case_state_decode (buffer.buffer.data, buffer.buffer.size, err);
    wire_buffer_release (&buffer);
    return *state? DAIBAN_OK: err->code? err->code: DAIBAN_INTERNAL;
}

//  An optional integer field: absent is 0, present must be an integer.
static bool
s_optional_int (const msgpack_object *map, const char *key, int64_t *value)
{
    const msgpack_object *object = wire_map_get (map, key);
    *value = 0;
    return !object || wire_get_int (object, value);
}

daiban_code_t
worker_dispatch_decode (const msgpack_object *message, worker_dispatch_t *dispatch,
                        daiban_error_t *err)
{
    memset (dispatch, 0, sizeof (worker_dispatch_t));
    const msgpack_object *lease = wire_map_get (message, "lease");
    if (!lease || lease->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "dispatch: no lease");
    dispatch->lease = lease->via.u64;

    const msgpack_object *event = wire_map_get (message, "event");
    if (!event || event->type != MSGPACK_OBJECT_MAP)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "dispatch: event is not a map");
    dispatch->event = event;
    if (!wire_str_copy (wire_map_get (event, "type"), dispatch->type, sizeof dispatch->type))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "dispatch: event.type");
    if (!wire_str_copy (wire_map_get (event, "case"), dispatch->case_id, sizeof dispatch->case_id))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "dispatch: event.case");
    dispatch->body = wire_map_get (event, "body");
    if (!dispatch->body || dispatch->body->type != MSGPACK_OBJECT_MAP)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "dispatch: event.body is not a map");
    if (!s_optional_int (event, "seq", &dispatch->seq) || !s_optional_int (event, "ts", &dispatch->ts))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "dispatch: event.seq or event.ts");
    if (!wire_get_int (wire_map_get (message, "now"), &dispatch->now))
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "dispatch: no now");

    const msgpack_object *agents = wire_map_get (message, "agents");
    if (agents && agents->type == MSGPACK_OBJECT_MAP)
        dispatch->agents = agents;
    else
    if (agents && agents->type != MSGPACK_OBJECT_NIL)
        return daiban_error_set (err, DAIBAN_BAD_REQUEST, "dispatch: agents is not a map");
    return s_decode_state (wire_map_get (message, "case"), &dispatch->state, err);
}

void
worker_dispatch_release (worker_dispatch_t *dispatch)
{
    case_state_destroy (&dispatch->state);
}

int64_t
worker_dispatch_agent_load (const worker_dispatch_t *dispatch, const char *agent)
{
    int64_t load = 0;
    if (dispatch->agents && wire_get_int (wire_map_get (dispatch->agents, agent), &load) && load > 0)
        return load;
    return 0;
}

daiban_code_t
worker_dispatch_answer (const worker_role_t *role, const worker_context_t *context,
                        const msgpack_object *message, worker_output_t *output,
                        wire_buffer_t *reply, daiban_error_t *err)
{
    worker_dispatch_t dispatch;
    daiban_error_t failure = { DAIBAN_OK, "" };
    worker_output_reset (output);
    daiban_code_t code = worker_dispatch_decode (message, &dispatch, &failure);
    const msgpack_object *lease = wire_map_get (message, "lease");
    if (code && !(lease && lease->type == MSGPACK_OBJECT_POSITIVE_INTEGER)) {
        worker_dispatch_release (&dispatch);
        return daiban_error_set (err, code, "%s", failure.message);
    }
    if (!code)
        code = role->decide (&dispatch, context, output, &failure);
    if (code) {
        //  A decision error is the event's problem, not the worker's: the
        //  broker retries it and, after its attempts, parks it for an operator.
        log_warning ("%s: %s of case %s (seq %lld): %s", role->name,
                     dispatch.type, dispatch.case_id, (long long) dispatch.seq, failure.message);
        code = worker_output_pack_fail (dispatch.lease, failure.message, reply, err);
    }
    else {
        log_debug ("%s: %s of case %s (seq %lld): %zu emitted, %zu timer changes", role->name,
                   dispatch.type, dispatch.case_id, (long long) dispatch.seq,
                   worker_output_emit_count (output), worker_output_timer_count (output));
        code = worker_output_pack_done (output, dispatch.lease, reply, err);
    }
    worker_dispatch_release (&dispatch);
    return code;
}
