/*  dossier_text: the case file's words (see dossier_text.h). */
#include "dossier_text.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json_field.h"

#ifndef streq
#define streq(a, b) (strcmp ((a), (b)) == 0)
#endif

typedef struct {
    const char *key;
    const char *word;
} s_word_t;

static const s_word_t s_types [] = {
    { "case.registered", "登记" }, { "case.returned", "一次性告知" },
    { "case.materials_supplied", "补齐材料" }, { "case.accepted", "受理" },
    { "item.submitted", "综合窗口提交" }, { "item.transferred", "转县区办理" },
    { "item.transfer_accepted", "县区确认接收" }, { "item.deadline_set", "设定时限" },
    { "deadline.warning", "临期预警" }, { "deadline.overdue", "超期" },
    { "item.suspended", "暂停计时" }, { "item.resumed", "恢复计时" },
    { "item.progress", "办理进展" }, { "item.approved", "批复" },
    { "item.rejected", "不予批准" }, { "item.withdrawn", "撤回" },
    { "result.delivered", "结果送达" }, { "worklog.added", "工作日志" },
    { "problem.reported", "问题上报" }, { "reminder.sent", "催办" },
    { "escalation.raised", "督办升级" }, { "meeting.convened", "召开协调会" },
    { "meeting.minutes", "会议纪要" }, { "alert.raised", "督办提醒" },
    { "alert.acknowledged", "提醒确认" }, { "attachment.added", "归档材料" },
    { "case.closed", "办结销号" }, { "timer.fired", "定时" },
    { "dispatch.dead_lettered", "处理失败" }, { NULL, NULL }
};

static const s_word_t s_words [] = {
    { "correction", "补正" }, { "expert_review", "专家评审" }, { "hearing", "听证" },
    { "inspection", "现场勘验" }, { "appraisal", "评估" }, { "tendering", "招标" },
    { "other", "其他" }, { "e_license", "电子证照" }, { "mail", "邮寄" },
    { "window", "窗口领取" }, { "city", "市级" }, { "county", "县区" },
    { "license", "许可" }, { "reply", "批复" }, { "certificate", "证书" },
    { "waiting", "待发起" }, { "submitted", "已提交" }, { "transferred", "已转县区" },
    { "in_review", "审查中" }, { "suspended", "暂停" }, { "approved", "已批复" },
    { "rejected", "不予批准" }, { "withdrawn", "已撤回" },
    { "general", "一般问题" }, { "complex", "复杂问题" },
    { "reminders", "多次催办仍无进展" }, { "overdue", "超期未办结" },
    { "no_result", "约谈后仍未办结" }, { "complex_problem", "复杂问题" }, { NULL, NULL }
};

static const char *
s_lookup (const s_word_t *table, const char *key)
{
    for (; key && table->key; table++)
        if (streq (table->key, key))
            return table->word;
    return key? key: "";
}

const char *
dossier_type_name (const char *type)
{
    return s_lookup (s_types, type);
}

const char *
dossier_word (const char *value)
{
    return s_lookup (s_words, value);
}

const char *
dossier_who (json_t *event, char *buffer, size_t size)
{
    const char *source = json_field_text (event, "source", "");
    const char *by = json_field_text (event, "by", source);
    const char *agent = streq (json_field_text (event, "type", ""), "worklog.added")
                      ? json_field_text (json_object_get (event, "body"), "agent", NULL): NULL;
    char principal [512];
    if (streq (by, source))
        snprintf (principal, sizeof principal, "%s", by);
    else
        snprintf (principal, sizeof principal, "%s（%s）", by, source);
    if (agent)
        snprintf (buffer, size, "%s · %s", agent, principal);
    else
        snprintf (buffer, size, "%s", principal);
    return buffer;
}

static const char *
s_text (json_t *body, const char *key)
{
    return json_field_text (body, key, "");
}

static long long
s_int (json_t *body, const char *key)
{
    return (long long) json_integer_value (json_object_get (body, key));
}

//  "a、b、c" of a list of strings.
static void
s_list (FILE *out, json_t *list)
{
    size_t index;
    json_t *value;
    json_array_foreach (list, index, value)
        fprintf (out, "%s%s", index? "、": "", json_is_string (value)? json_string_value (value): "");
}

static void
s_materials (FILE *out, json_t *groups, const char *list_key)
{
    size_t index;
    json_t *group;
    json_array_foreach (groups, index, group) {
        fprintf (out, "%s%s：", index? "；": "", s_text (group, "item"));
        s_list (out, json_object_get (group, list_key));
    }
}

static void
s_registration (FILE *out, json_t *body)
{
    json_t *items = json_object_get (body, "items");
    fprintf (out, "%s，%s，%zu 个事项（", s_text (body, "project"), s_text (body, "applicant"),
             json_array_size (items));
    size_t index;
    json_t *item;
    json_array_foreach (items, index, item)
        fprintf (out, "%s%s", index? "、": "", s_text (item, "code"));
    fprintf (out, "），%s受理", dossier_word (s_text (body, "channel")));
}

static void
s_supplied (FILE *out, json_t *body)
{
    size_t index;
    json_t *material;
    json_array_foreach (json_object_get (body, "materials"), index, material)
        fprintf (out, "%s%s：%s", index? "；": "", s_text (material, "item"),
                 s_text (material, "name"));
}

//  The account of the item events, the most frequent ones.
static bool
s_item_line (FILE *out, const char *type, json_t *body)
{
    const char *item = s_text (body, "item");
    if (streq (type, "item.submitted"))
        fprintf (out, "%s 提交%s（%s）", item, s_text (body, "department"), s_text (body, "window"));
    else if (streq (type, "item.transferred"))
        fprintf (out, "%s 转%s%s", item, s_text (body, "county"), s_text (body, "office"));
    else if (streq (type, "item.transfer_accepted"))
        fprintf (out, "%s 由%s确认接收", item, s_text (body, "office"));
    else if (streq (type, "item.deadline_set"))
        fprintf (out, "%s 时限 %lld 个工作日，%s 到期（暂停 %lld 天）", item,
                 s_int (body, "limit_days"), s_text (body, "due"), s_int (body, "paused_days"));
    else if (streq (type, "deadline.warning"))
        fprintf (out, "%s 剩 %lld 个工作日，%s 到期", item, s_int (body, "days_left"),
                 s_text (body, "due"));
    else if (streq (type, "deadline.overdue"))
        fprintf (out, "%s 已超期 %lld 个工作日（%s 到期）", item, s_int (body, "days_over"),
                 s_text (body, "due"));
    else if (streq (type, "item.suspended"))
        fprintf (out, "%s 暂停计时：%s", item, dossier_word (s_text (body, "reason")));
    else if (streq (type, "item.resumed"))
        fprintf (out, "%s 恢复计时", item);
    else if (streq (type, "item.progress"))
        fprintf (out, "%s：%s", item, s_text (body, "note"));
    else if (streq (type, "item.approved"))
        fprintf (out, "%s 批复，文号 %s", item,
                 s_text (json_object_get (body, "result"), "number"));
    else if (streq (type, "item.rejected") || streq (type, "item.withdrawn"))
        fprintf (out, "%s：%s", item, s_text (body, "reason"));
    else if (streq (type, "result.delivered"))
        fprintf (out, "%s 结果%s%s%s", item, dossier_word (s_text (body, "method")),
                 *s_text (body, "tracking")? "，单号 ": "", s_text (body, "tracking"));
    else if (streq (type, "reminder.sent"))
        fprintf (out, "%s 催办%s（%s），第 %lld 次", item, s_text (body, "to"),
                 s_text (body, "contact"), s_int (body, "count"));
    else
        return false;
    return true;
}

static void
s_case_line (FILE *out, const char *type, json_t *body)
{
    if (streq (type, "case.registered"))
        s_registration (out, body);
    else if (streq (type, "case.returned"))
        s_materials (out, json_object_get (body, "missing"), "materials");
    else if (streq (type, "case.materials_supplied"))
        s_supplied (out, body);
    else if (streq (type, "case.accepted"))
        fprintf (out, "代办员 %s，预计 %s 办结", json_field_text (body, "agent_name",
                 s_text (body, "agent")), s_text (body, "expected_done"));
    else if (streq (type, "worklog.added"))
        fprintf (out, "%s", s_text (body, "note"));
    else if (streq (type, "problem.reported"))
        fprintf (out, "%s：%s", dossier_word (s_text (body, "kind")), s_text (body, "description"));
    else if (streq (type, "escalation.raised"))
        fprintf (out, "%s%s升级至%s：%s", s_text (body, "item"), *s_text (body, "item")? " ": "",
                 s_int (body, "level") >= 2? "市政府": "专班组长约谈",
                 dossier_word (s_text (body, "reason")));
    else if (streq (type, "meeting.convened")) {
        fprintf (out, "%s：%s（", s_text (body, "meeting"), s_text (body, "topic"));
        s_list (out, json_object_get (body, "departments"));
        fprintf (out, "）");
    }
    else if (streq (type, "meeting.minutes")) {
        fprintf (out, "%s：%s；议定：", s_text (body, "meeting"), s_text (body, "summary"));
        s_list (out, json_object_get (body, "decisions"));
    }
    else if (streq (type, "alert.raised"))
        fprintf (out, "%s 致%s：%s%s", s_text (body, "alert"), s_text (body, "to"),
                 s_text (body, "summary"), s_int (body, "repeat") > 0? "（再次提醒）": "");
    else if (streq (type, "alert.acknowledged"))
        fprintf (out, "%s 已由%s确认", s_text (body, "alert"), s_text (body, "by"));
    else if (streq (type, "attachment.added"))
        fprintf (out, "%s《%s》%lld 字节", s_text (body, "kind"), s_text (body, "name"),
                 s_int (body, "size"));
    else if (streq (type, "case.closed"))
        fprintf (out, "全部事项办结，结果已送达");
    else if (streq (type, "timer.fired"))
        fprintf (out, "%s", s_text (body, "kind"));
    else if (streq (type, "dispatch.dead_lettered"))
        fprintf (out, "%s：%s", s_text (body, "role"), s_text (body, "message"));
}

char *
dossier_event_line (json_t *event)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    if (!out)
        return NULL;
    const char *type = json_field_text (event, "type", "");
    json_t *body = json_object_get (event, "body");
    if (!s_item_line (out, type, body))
        s_case_line (out, type, body);
    fclose (out);
    return text;
}
