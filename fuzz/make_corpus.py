"""make_corpus: writes fuzz/corpus/, the seed inputs of fuzz_request: one
valid request of each op, one valid post of each type that clients may
post (PROTOCOL.md, "Posted by other systems and people"), and one post of
each type that daiban emits (ingress refuses it; fuzz_request then takes
it the way the broker takes a worker's emit). Events name the items and
alerts of fuzz_request.c's live cases, so that each one is accepted by the
registered case or the case in progress.

Run with Debian's python3 (python3-msgpack):
    /usr/bin/python3 fuzz/make_corpus.py [DIRECTORY]
The default directory is fuzz/corpus beside this script; files not made
by this script are removed from it. The output is deterministic."""

import os
import sys

import msgpack

CASE = "AS-2026-0001"
AT = 1795000000000

OPS = {
    "case": {"op": "case", "case": CASE},
    "cases": {"op": "cases", "status": "in_progress", "overdue": True, "limit": 50},
    "history": {"op": "history", "from": 1, "limit": 100, "case": CASE, "prefix": "item."},
    "catalog": {"op": "catalog"},
    "stats": {"op": "stats"},
    "clock": {"op": "clock", "advance_ms": 86400000},
    "clock-set": {"op": "clock", "set": AT},
    "deadletters": {"op": "deadletters", "role": "reminder"},
    "retry": {"op": "retry", "role": "reminder", "seq": 17},
    "backup": {"op": "backup", "name": "nightly-2026-11-26"},
    "whoami": {"op": "whoami"},
    "reload": {"op": "reload"},
    "as-operator": {"op": "case", "case": CASE, "as": {"name": "代办员-李娜", "role": "operator"}},
}

POSTED = {
    "case.registered": {
        "project": "鞍山市铁西区新能源装备产业园一期工程",
        "applicant": "鞍山鑫达新能源装备有限公司",
        "contact": {"name": "王丽", "phone": "13904120000"},
        "channel": "window",
        "county": "铁西区",
        "items": [
            {"code": "S1-05", "level": "city",
             "materials": ["用地预审与选址申请表", "项目代码或项目建议书批复", "拟选址位置图"]},
            {"code": "S2-13", "level": "county", "county": "立山区",
             "materials": ["建设工程设计方案"]},
        ],
    },
    "case.materials_supplied": {"materials": [{"item": "S1-01", "name": "企业营业执照"}]},
    "item.transfer_accepted": {"item": "S1-03", "office": "铁西区政务服务中心"},
    "item.suspended": {"item": "S1-02", "reason": "expert_review"},
    "item.resumed": {"item": "S1-05"},
    "item.progress": {"item": "S1-04", "note": "材料已受理，正在审查"},
    "item.approved": {"item": "S1-04",
                      "result": {"number": "鞍发改备〔2026〕12号", "kind": "license",
                                 "electronic": True}},
    "item.rejected": {"item": "S1-02", "reason": "不符合产业政策"},
    "item.withdrawn": {"item": "S1-01", "reason": "企业调整建设方案"},
    "result.delivered": {"item": "S1-06", "method": "mail", "tracking": "EMS1234567890"},
    "worklog.added": {"agent": "李明", "note": "与市自然资源局首席代表沟通用地预审材料"},
    "problem.reported": {"kind": "complex", "description": "用地指标不足", "items": ["S1-05"]},
    "meeting.minutes": {"meeting": "MT-0001", "summary": "联席会议协调用地指标",
                        "decisions": ["市自然资源局十日内答复"]},
    "alert.acknowledged": {"alert": "AL-0001", "by": "张主任"},
}

EMITTED = {
    "case.returned": {"missing": [{"item": "S1-05", "materials": ["拟选址位置图"]}],
                      "unknown_items": ["X9-99"]},
    "case.accepted": {"agent": "李明", "expected_done": "2026-12-31",
                      "items": [{"code": "S1-01", "name": "企业投资项目备案",
                                 "department": "市发改委", "level": "city", "limit_days": 1,
                                 "after": []},
                                {"code": "S3-01", "name": "施工许可", "department": "市住建局",
                                 "level": "county", "county": "铁西区", "limit_days": 7,
                                 "after": ["S1-01"]}]},
    "item.submitted": {"item": "S1-01", "department": "市发改委", "window": "综合窗口3"},
    "item.transferred": {"item": "S1-01", "county": "铁西区", "office": "铁西区政务服务中心"},
    "item.deadline_set": {"item": "S1-02", "due": "2026-06-30", "warn": "2026-06-26",
                          "limit_days": 20, "paused_days": 0, "provisional": False},
    "deadline.warning": {"item": "S1-02", "due": "2026-06-30", "days_left": 2},
    "deadline.overdue": {"item": "S1-02", "due": "2026-06-30", "days_over": 1},
    "reminder.sent": {"item": "S1-02", "to": "市发改委", "contact": "chief", "count": 1},
    "escalation.raised": {"item": "S1-02", "level": 1, "reason": "overdue"},
    "meeting.convened": {"meeting": "MT-0002", "departments": ["市发改委", "市自然资源局"],
                         "topic": "用地指标"},
    "alert.raised": {"alert": "AL-0003", "to": "supervisor", "level": 1,
                     "summary": "S1-02 逾期未办结", "item": "S1-02"},
    "case.closed": {},
    "timer.fired": {"id": "deadline:S1-02", "kind": "overdue", "data": {"item": "S1-02"}},
    "dispatch.dead_lettered": {"role": "reminder", "event": 17, "attempts": 5,
                               "message": "worker failed"},
}


def post(event_type, body, number):
    return {"op": "post", "rid": number,
            "event": {"id": "fuzz-%04d" % number, "type": event_type, "case": CASE,
                      "source": "window-3", "at": AT, "body": body}}


def seeds():
    """(file name, request) for every seed, in a fixed order."""
    result = [("op-" + name, request) for name, request in OPS.items()]
    number = 1
    for prefix, table in (("post-", POSTED), ("emitted-", EMITTED)):
        for event_type, body in table.items():
            result.append((prefix + event_type, post(event_type, body, number)))
            number += 1
    return result


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    directory = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")
    os.makedirs(directory, exist_ok=True)
    made = set()
    for name, request in seeds():
        with open(os.path.join(directory, name), "wb") as output:
            output.write(msgpack.packb(request, use_bin_type=True))
        made.add(name)
    for name in os.listdir(directory):
        if name not in made:
            os.remove(os.path.join(directory, name))
    print("%d seeds in %s" % (len(made), directory))


if __name__ == "__main__":
    main()
