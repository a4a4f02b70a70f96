/*  link: one DEALER per thread to the broker's ingress (see link.h). */
#include "link.h"

#include <pthread.h>
#include "client.h"

static pthread_key_t s_key;

static void
s_destroy (void *client)
{
    client_destroy ((client_t **) &client);
}

daiban_code_t
link_init (daiban_error_t *err)
{
    if (pthread_key_create (&s_key, s_destroy) != 0)
        return daiban_error_set (err, DAIBAN_INTERNAL, "cannot create a thread key");
    return DAIBAN_OK;
}

static client_t *
s_client (gateway_t *gateway, daiban_error_t *err)
{
    client_t *client = (client_t *) pthread_getspecific (s_key);
    if (client)
        return client;
    client = client_new_immediate (gateway->ingress, gateway->keys,
                                   gateway->broker_timeout_ms, gateway->connect_ms, err);
    if (client && pthread_setspecific (s_key, client) != 0)
        client_destroy (&client);
    return client;
}

link_result_t
link_call (gateway_t *gateway, json_t *request, const tokens_principal_t *as, json_t **reply,
           daiban_error_t *err)
{
    *reply = NULL;
    client_t *client = s_client (gateway, err);
    if (!client)
        return LINK_FAILED;
    //  The gateway's own requests (health, metrics) are an operator's:
    //  a gateway key may read nothing without `as`.
    if (gateway->tokens)
        json_object_set_new (request, "as", json_pack ("{s:s, s:s}", "name",
                                                       as? as->name: "daiban-gateway",
                                                       "role", as? as->role: "operator"));
    if (client_call (client, request, true, reply, err) == DAIBAN_OK)
        return LINK_REPLIED;
    if (err->code == DAIBAN_UNAVAILABLE)
        return client_unsent (client)? LINK_DOWN: LINK_TIMEOUT;
    return LINK_FAILED;
}

bool
link_blob (gateway_t *gateway, const tokens_principal_t *as, blob_link_t *link,
           daiban_error_t *err)
{
    link->client = s_client (gateway, err);
    link->as_name = gateway->tokens? as->name: NULL;
    link->as_role = gateway->tokens? as->role: NULL;
    return link->client != NULL;
}

link_result_t
link_blob_result (const blob_link_t *link, const daiban_error_t *err)
{
    if (link->refused)
        return LINK_REPLIED;
    if (err->code != DAIBAN_UNAVAILABLE || !link->client)
        return LINK_FAILED;
    return client_unsent (link->client)? LINK_DOWN: LINK_TIMEOUT;
}
