/*  intake: the role that receives a registration (受理代办, DOMAIN.md §3
    stage 3). On case.registered and case.materials_supplied it checks the
    case against the catalog and either returns it with every gap at once
    (一次性告知: one case.returned) or accepts it: agent, item plan and
    expected completion date (case.accepted). A case already accepted,
    in progress or closed is left alone. docs/workers.md has the rules. */
#ifndef DAIBAN_INTAKE_H
#define DAIBAN_INTAKE_H

#include "worker_dispatch.h"

extern const worker_role_t intake_role;

daiban_code_t intake_decide (const worker_dispatch_t *dispatch, const worker_context_t *context,
                             worker_output_t *output, daiban_error_t *err);

#endif
