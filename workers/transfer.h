/*  transfer: the role that moves a case's items to the deciding
    authorities and closes the case (代办服务 and 结果反馈, DOMAIN.md §3
    stages 4 and 7). It releases every waiting item whose prerequisites are
    approved, all at once (并联审批): a city item is submitted at the
    comprehensive window (item.submitted), a county item is transferred to
    its county's office (item.transferred, 转办) with a handover timer that
    item.transfer_accepted cancels. It closes the case (case.closed, 销号
    清零) when every item is approved or withdrawn and every result is
    delivered. docs/workers.md has the rules and the config keys. */
#ifndef DAIBAN_TRANSFER_H
#define DAIBAN_TRANSFER_H

#include <stdbool.h>
#include <stddef.h>
#include "worker_dispatch.h"

//  The kind of the handover timer, and the window items are submitted at
//  unless the config sets transfer/window.
#define TRANSFER_HANDOVER_KIND "transfer.handover"
#define TRANSFER_WINDOW_DEFAULT "综合服务窗口"

extern const worker_role_t transfer_role;

daiban_code_t transfer_decide (const worker_dispatch_t *dispatch, const worker_context_t *context,
                               worker_output_t *output, daiban_error_t *err);

//  The handover timer's id: "transfer/handover/<case>/<item>" into buffer.
//  False when it does not fit.
bool transfer_handover_id (const char *case_id, const char *item, char *buffer, size_t size);

#endif
