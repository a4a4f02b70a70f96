/*  dossier_pdf: 档案.pdf of a case file (see dossier.h): the cover, the
    登记表, the items, the 工作日志 (every event, dated, with who did it),
    the meetings, problems with reminders and escalations, and the list of
    attachments. The layout is pdf_doc's; this file says what goes where. */
#include "dossier.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json_field.h"
#include "date.h"
#include "dossier_text.h"
#include "format.h"
#include "pdf_doc.h"

#ifndef streq
#define streq(a, b) (strcmp ((a), (b)) == 0)
#endif

static const char *
s_text (json_t *object, const char *key)
{
    return json_field_text (object, key, "");
}

//  The case.registered event's body: the registration form's fields.
static json_t *
s_registration (const dossier_t *dossier)
{
    size_t index;
    json_t *event;
    json_array_foreach (dossier->events, index, event)
        if (streq (s_text (event, "type"), "case.registered"))
            return json_object_get (event, "body");
    return NULL;
}

//  "王芳（DB01）": the name case.accepted gave, and the agent's id.
static const char *
s_agent (const dossier_t *dossier, char *buffer, size_t size)
{
    const char *agent = json_field_text (dossier->state, "agent", "—"), *name = NULL;
    size_t index;
    json_t *event;
    json_array_foreach (dossier->events, index, event)
        if (streq (s_text (event, "type"), "case.accepted"))
            name = json_field_text (json_object_get (event, "body"), "agent_name", NULL);
    if (name)
        snprintf (buffer, size, "%s（%s）", name, agent);
    else
        snprintf (buffer, size, "%s", agent);
    return buffer;
}

static const char *
s_channel (const char *channel)
{
    static const char *const names [][2] = { { "window", "综合窗口" }, { "online", "网上申报" },
        { "hotline", "热线" }, { "appointment", "预约上门" } };
    for (size_t index = 0; index < sizeof names / sizeof names [0]; index++)
        if (streq (names [index][0], channel))
            return names [index][1];
    return channel;
}

static void
s_date (int64_t ms, char *buffer, size_t size)
{
    if (ms <= 0)
        snprintf (buffer, size, "—");
    else {
        char stamp [32];
        format_time_cst (ms, stamp, sizeof stamp);
        snprintf (buffer, size, "%.10s", stamp);
    }
}

static void
s_cover (pdf_doc_t *doc, void *closure)
{
    const dossier_t *dossier = (const dossier_t *) closure;
    json_t *state = dossier->state;
    char registered [16], closed [16], made [16], line [1024], agent [300];
    s_date (json_field_int (state, "registered_at"), registered, sizeof registered);
    s_date (json_field_int (state, "closed_at"), closed, sizeof closed);
    s_date (dossier->made_at, made, sizeof made);
    pdf_doc_space (doc, 120);
    pdf_doc_text (doc, "项目建设手续帮办代办", 20, true, true);
    pdf_doc_space (doc, 10);
    pdf_doc_text (doc, "一事一档", 30, true, true);
    pdf_doc_space (doc, 60);
    const char *rows [][2] = {
        { "项目名称", s_text (state, "project") }, { "项目单位", s_text (state, "applicant") },
        { "所在县区", json_field_text (state, "county", "—") },
        { "代办员", s_agent (dossier, agent, sizeof agent) },
        { "登记日期", registered }, { "办结日期", closed },
        { "档案编号", dossier->case_id }, { "建档日期", made },
    };
    for (size_t index = 0; index < sizeof rows / sizeof rows [0]; index++) {
        snprintf (line, sizeof line, "%s：%s", rows [index][0], rows [index][1]);
        pdf_doc_text (doc, line, 13, false, true);
        pdf_doc_space (doc, 8);
    }
}

static void
s_form (pdf_doc_t *doc, const dossier_t *dossier)
{
    json_t *state = dossier->state, *body = s_registration (dossier);
    json_t *contact = json_object_get (state, "contact");
    char contact_line [512], items [4096] = "", registered [32], agent [300];
    snprintf (contact_line, sizeof contact_line, "%s %s", s_text (contact, "name"),
              s_text (contact, "phone"));
    size_t index, used = 0;
    json_t *item;
    json_array_foreach (json_object_get (state, "items"), index, item)
        used += (size_t) snprintf (items + used, used < sizeof items? sizeof items - used: 0,
                                   "%s%s %s", index? "；": "", s_text (item, "code"),
                                   s_text (item, "name"));
    format_time_cst (json_field_int (state, "registered_at"), registered, sizeof registered);
    const char *address = json_field_text (body, "address", "");
    char place [600];
    snprintf (place, sizeof place, "%s%s%s", address, *address? " / ": "",
              json_field_text (state, "county", "—"));
    const char *rows [][2] = {
        { "项目名称", s_text (state, "project") }, { "项目单位", s_text (state, "applicant") },
        { "联系人及电话", contact_line }, { "项目地址/县区", place },
        { "投资额", json_field_text (body, "investment", "—") },
        { "建设内容", json_field_text (body, "content", "—") },
        { "所需办理事项", items }, { "办理时限（预计办结）", json_field_text (state, "expected_done", "—") },
        { "代办员", s_agent (dossier, agent, sizeof agent) },
        { "受理渠道", s_channel (s_text (state, "channel")) }, { "登记时间", registered },
    };
    static const double widths [] = { 1, 3 };
    pdf_doc_heading (doc, 1, "一、项目登记表");
    pdf_doc_table_begin (doc, 2, widths, NULL);
    for (size_t row = 0; row < sizeof rows / sizeof rows [0]; row++) {
        const char *cells [] = { rows [row][0], rows [row][1] };
        pdf_doc_table_row (doc, cells);
    }
    pdf_doc_table_end (doc);
}

//  How the result of item was delivered, from the log.
static const char *
s_delivery (const dossier_t *dossier, const char *code)
{
    size_t index;
    json_t *event;
    json_array_foreach (dossier->events, index, event)
        if (streq (s_text (event, "type"), "result.delivered")
        &&  streq (s_text (json_object_get (event, "body"), "item"), code))
            return dossier_word (s_text (json_object_get (event, "body"), "method"));
    return "—";
}

static void
s_item_row (pdf_doc_t *doc, const dossier_t *dossier, json_t *item)
{
    char name [512], level [256], released [16], decided [16], used [64], paused [16];
    snprintf (name, sizeof name, "%s %s", s_text (item, "code"), s_text (item, "name"));
    snprintf (level, sizeof level, "%s", streq (s_text (item, "level"), "county")
              ? json_field_text (item, "county", "县区"): "市级");
    int64_t released_ms = json_field_int (item, "released_at"), decided_ms = json_field_int (item, "decided_at");
    s_date (released_ms, released, sizeof released);
    s_date (decided_ms, decided, sizeof decided);
    int64_t paused_days = json_field_int (item, "paused_days");
    snprintf (paused, sizeof paused, "%lld", (long long) paused_days);
    snprintf (used, sizeof used, "—/%lld", (long long) json_field_int (item, "limit_days"));
    if (released_ms > 0 && dossier->calendar) {
        int64_t end = decided_ms > 0? decided_ms: dossier->made_at;
        int days = calendar_working_days_between (dossier->calendar, date_from_ms (released_ms),
                                                  date_from_ms (end), NULL);
        snprintf (used, sizeof used, "%lld/%lld", (long long) (days - paused_days),
                  (long long) json_field_int (item, "limit_days"));
    }
    const char *cells [] = {
        name, s_text (item, "department"), level, released, json_field_text (item, "due", "—"),
        decided, used, paused, json_field_text (item, "result_number", "—"),
        s_delivery (dossier, s_text (item, "code")), dossier_word (s_text (item, "status")) };
    pdf_doc_table_row (doc, cells);
}

static void
s_items (pdf_doc_t *doc, const dossier_t *dossier)
{
    static const double widths [] = { 2.2, 1.5, 0.9, 1.5, 1.5, 1.5, 0.9, 0.7, 1.7, 1, 1 };
    static const char *const header [] = { "事项", "部门", "市/县", "发起", "到期", "办结",
        "用时/时限(工作日)", "暂停天数", "文号", "送达", "状态" };
    pdf_doc_heading (doc, 1, "二、审批事项");
    pdf_doc_table_begin (doc, 11, widths, header);
    size_t index;
    json_t *item;
    json_array_foreach (json_object_get (dossier->state, "items"), index, item)
        s_item_row (doc, dossier, item);
    pdf_doc_table_end (doc);
}

//  Every event as two lines: when, what, who; then the account.
static void
s_worklog (pdf_doc_t *doc, const dossier_t *dossier)
{
    pdf_doc_heading (doc, 1, "三、工作日志");
    size_t index;
    json_t *event;
    json_array_foreach (dossier->events, index, event) {
        char stamp [32], head [1400], who [1100];
        format_time_cst (json_field_int (event, "ts"), stamp, sizeof stamp);
        snprintf (head, sizeof head, "%.16s  %s  %s  （#%lld）", stamp,
                  dossier_type_name (s_text (event, "type")), dossier_who (event, who, sizeof who),
                  (long long) json_field_int (event, "seq"));
        pdf_doc_text (doc, head, 9, true, false);
        char *line = dossier_event_line (event);
        pdf_doc_paragraph (doc, line? line: "");
        free (line);
    }
}

//  Paragraphs of the events of these types, or none_text.
static void
s_events_of (pdf_doc_t *doc, const dossier_t *dossier, const char *const *types,
             const char *meeting, const char *none_text)
{
    size_t index, shown = 0;
    json_t *event;
    json_array_foreach (dossier->events, index, event) {
        bool wanted = false;
        for (const char *const *type = types; *type && !wanted; type++)
            wanted = streq (*type, s_text (event, "type"));
        json_t *body = json_object_get (event, "body");
        if (!wanted || (meeting && !streq (s_text (body, "meeting"), meeting)))
            continue;
        char stamp [32], head [256];
        format_time_cst (json_field_int (event, "ts"), stamp, sizeof stamp);
        snprintf (head, sizeof head, "%.16s  %s", stamp, dossier_type_name (s_text (event, "type")));
        pdf_doc_text (doc, head, 9, true, false);
        char *line = dossier_event_line (event);
        pdf_doc_paragraph (doc, line? line: "");
        free (line);
        shown++;
    }
    if (!shown && none_text)
        pdf_doc_paragraph (doc, none_text);
}

static void
s_meetings (pdf_doc_t *doc, const dossier_t *dossier)
{
    pdf_doc_heading (doc, 1, "四、会议");
    json_t *seen = json_object ();
    size_t index;
    json_t *event;
    json_array_foreach (dossier->events, index, event) {
        const char *type = s_text (event, "type");
        const char *meeting = s_text (json_object_get (event, "body"), "meeting");
        if (!*meeting || json_object_get (seen, meeting)
        ||  !(streq (type, "meeting.convened") || streq (type, "meeting.minutes")
           || streq (type, "attachment.added")))
            continue;
        json_object_set_new (seen, meeting, json_true ());
        char title [300];
        snprintf (title, sizeof title, "会议 %s", meeting);
        pdf_doc_heading (doc, 2, title);
        static const char *const types [] = { "meeting.convened", "meeting.minutes",
                                              "attachment.added", NULL };
        s_events_of (doc, dossier, types, meeting, NULL);
    }
    if (!json_object_size (seen))
        pdf_doc_paragraph (doc, "本案未召开协调会议。");
    json_decref (seen);
}

static void
s_problems (pdf_doc_t *doc, const dossier_t *dossier)
{
    static const char *const types [] = { "problem.reported", "deadline.warning",
        "deadline.overdue", "reminder.sent", "escalation.raised", "alert.raised",
        "alert.acknowledged", NULL };
    pdf_doc_heading (doc, 1, "五、问题、催办与督办");
    s_events_of (doc, dossier, types, NULL, "本案无问题上报、催办或督办。");
    static const double widths [] = { 2, 1, 1.6, 1.6, 1.6 };
    static const char *const header [] = { "提醒", "级别", "致", "提出", "确认" };
    json_t *alerts = json_object_get (dossier->state, "alerts");
    if (!json_array_size (alerts))
        return;
    pdf_doc_heading (doc, 2, "督办提醒及确认");
    pdf_doc_table_begin (doc, 5, widths, header);
    size_t index;
    json_t *alert;
    json_array_foreach (alerts, index, alert) {
        char level [16], raised [32];
        snprintf (level, sizeof level, "%lld", (long long) json_field_int (alert, "level"));
        format_time_cst (json_field_int (alert, "raised_at"), raised, sizeof raised);
        const char *cells [] = { s_text (alert, "alert"), level, s_text (alert, "to"), raised,
            json_is_true (json_object_get (alert, "acknowledged"))
                ? json_field_text (alert, "acknowledged_by", "已确认"): "未确认" };
        pdf_doc_table_row (doc, cells);
    }
    pdf_doc_table_end (doc);
}

static void
s_attachments (pdf_doc_t *doc, const dossier_t *dossier)
{
    static const double widths [] = { 1, 2.4, 0.9, 3.4 };
    static const char *const header [] = { "类别", "名称", "大小(字节)", "SHA-256 / 文件" };
    pdf_doc_heading (doc, 1, "六、附件清单");
    if (!json_array_size (dossier->attachments)) {
        pdf_doc_paragraph (doc, "本案无附件。");
        return;
    }
    pdf_doc_table_begin (doc, 4, widths, header);
    size_t index;
    json_t *attachment;
    json_array_foreach (dossier->attachments, index, attachment) {
        char size [32], where [4400];
        snprintf (size, sizeof size, "%lld", (long long) json_field_int (attachment, "size"));
        snprintf (where, sizeof where, "%s\n%s", s_text (attachment, "sha256"),
                  s_text (attachment, "path"));
        const char *cells [] = { s_text (attachment, "kind"), s_text (attachment, "name"),
                                 size, where };
        pdf_doc_table_row (doc, cells);
    }
    pdf_doc_table_end (doc);
}

static void
s_body (pdf_doc_t *doc, void *closure)
{
    const dossier_t *dossier = (const dossier_t *) closure;
    s_form (doc, dossier);
    s_items (doc, dossier);
    pdf_doc_new_page (doc);
    s_worklog (doc, dossier);
    s_meetings (doc, dossier);
    s_problems (doc, dossier);
    s_attachments (doc, dossier);
}

daiban_code_t
dossier_pdf_write (const dossier_t *dossier, const char *path, daiban_error_t *err)
{
    char title [400];
    snprintf (title, sizeof title, "一事一档 %s %s", dossier->case_id,
              s_text (dossier->state, "project"));
    return pdf_doc_render (path, title, s_cover, s_body, (void *) dossier, err);
}
