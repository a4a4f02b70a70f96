"""The case file (一事一档, docs/archive.md) from `daibanctl dossier`, with the
real broker on its test clock and all five workers: a case returned for a
gap, suspended for 补正, reminded and escalated (with the alert acknowledged),
met on in a joint meeting with minutes, given attachments of three kinds (one
posted twice, stored once) and closed. The dossier's 档案.pdf, read back with
pdftotext, holds the project, every item code and department, every event of
the log with its worklog lines, and the minutes; it renders (pdftoppm) into
non-blank pages with only embedded Noto CJK fonts; every attachment is in the
folder byte for byte; `dossier --verify` passes, and fails after one byte of
one file changed."""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import unittest
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daiban_harness import event, executable, new_case_id  # noqa: E402
from worker_harness import (DEPARTMENTS, MATERIALS, approved, case_events,  # noqa: E402
                            case_state, delivered, materials_supplied, registration,
                            start_time_fleet, wait_quiet)

RUN_TIMEOUT = 60
START = "2026-03-02 09:00"          # a Monday
WORKLOG_NOTES = ["与市发改委首席代表沟通备案材料，约定次日补齐",
                 "陪同企业到综合窗口补交环评公众参与说明"]
MINUTES = {"summary": "协调备案与环评并联审批，明确各部门办结时间",
           "decisions": ["市发改委三个工作日内出具备案证明", "市生态环境局同步开展环评技术审查"]}


def png_bytes():
    """A real 2x2 PNG (a meeting photo), made with zlib."""
    def chunk(kind, data):
        return (len(data).to_bytes(4, "big") + kind + data
                + zlib.crc32(kind + data).to_bytes(4, "big"))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", (2).to_bytes(4, "big") * 2 + b"\x08\x02\x00\x00\x00")
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


class DossierTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="daiban-dossier-")

    def settle(self):
        return wait_quiet(self.client, diagnostics=self.fleet.diagnostics)

    def ctl(self, *args, expect=0):
        command = [executable("daibanctl"), "--ingress", self.broker.ingress, "--timeout",
                   "10000"] + list(args)
        result = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT,
                                cwd=self.tmp)
        if expect is not None:
            self.assertEqual(result.returncode, expect, "%s\n%s%s" % (args, result.stdout,
                                                                    result.stderr))
        return result

    def post(self, type_, body, source="agent-li"):
        seq = self.client.post_ok(event(type_, self.case, body, source=source))
        self.settle()
        return seq

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as handle:
            handle.write(data)
        return path

    def drive_case(self):
        """The case's whole life; returns {(kind, name): bytes} attached."""
        self.case = new_case_id()
        missing = MATERIALS["S1-07"][:-1]           # 公众参与说明 not handed in
        self.client.post_ok(registration(self.case, [("S1-01", "city", MATERIALS["S1-01"]),
                                                     ("S1-07", "city", missing)]))
        self.settle()
        self.assertEqual(case_state(self.client, self.case)["status"], "returned")
        self.client.post_ok(materials_supplied(self.case, [("S1-07", "公众参与说明")]))
        self.settle()
        for note in WORKLOG_NOTES:
            self.post("worklog.added", {"agent": "李明", "note": note})
        self.post("item.suspended", {"item": "S1-07", "reason": "correction"}, source="dept")
        self.clock.walk("2026-03-03 10:00")
        self.post("item.resumed", {"item": "S1-07"}, source="dept")
        self.clock.walk("2026-03-09 13:00")         # S1-01 (1 day) overdue, reminded, raised
        state = case_state(self.client, self.case)
        alerts = [alert for alert in state["alerts"] if not alert["acknowledged"]]
        self.assertTrue(alerts, state)
        self.ctl("ack", alerts[0]["alert"], "--case", self.case, "--by", "supervisor-zhang")
        self.settle()
        self.post("problem.reported", {"kind": "general", "description": "备案与环评互为前置，需联席会议协调",
                                       "items": ["S1-01", "S1-07"]})
        meetings = [ev for ev in case_events(self.client, self.case)
                    if ev["type"] == "meeting.convened"]
        self.assertEqual(len(meetings), 1)
        meeting = meetings[0]["body"]["meeting"]
        self.post("meeting.minutes", dict(MINUTES, meeting=meeting))
        files = {("申请材料", "备案申请表.pdf"): b"%PDF-1.4 application " + os.urandom(3000),
                 ("会议纪要", "联席会议纪要.txt"): ("会议纪要：" + MINUTES["summary"]).encode(),
                 ("会议照片", "会场照片.png"): png_bytes()}
        for (kind, name), data in files.items():
            args = ["attach", self.case, self.write(name, data), "--kind", kind]
            if kind != "申请材料":
                args += ["--meeting", meeting]
            else:
                args += ["--item", "S1-01"]
            self.ctl(*args)
        again = self.ctl("attach", self.case, os.path.join(self.tmp, "备案申请表.pdf"),
                         "--kind", "申请材料", "--item", "S1-01")
        self.assertIn("already stored", again.stdout)
        for item in ("S1-01", "S1-07"):
            self.client.post_ok(approved(self.case, item))
            self.settle()
            self.client.post_ok(delivered(self.case, item))
            self.settle()
        self.assertEqual(case_state(self.client, self.case)["status"], "closed")
        return files

    def test_dossier_of_a_whole_case(self):
        start_time_fleet(self, __import__("worker_harness").cst_ms(START), self.settle)
        self.settle()
        files = self.drive_case()
        blobs = os.path.join(self.broker.data_dir, "blobs")
        stored = [name for prefix in os.listdir(blobs) if len(prefix) == 2
                  for name in os.listdir(os.path.join(blobs, prefix))]
        self.assertEqual(len(stored), 3, "the attachment posted twice is stored once")
        out = os.path.join(self.tmp, "dossier")
        result = self.ctl("dossier", self.case, "-o", out)
        self.assertIn(out, result.stdout)
        events = case_events(self.client, self.case)
        self.check_folder(out, files, events)
        self.check_pdf(os.path.join(out, "档案.pdf"), events)
        self.check_verify(out)

    def check_folder(self, out, files, events):
        for (kind, name), data in files.items():
            with open(os.path.join(out, "附件", kind, name), "rb") as handle:
                self.assertEqual(handle.read(), data, "%s/%s byte for byte" % (kind, name))
        self.assertEqual(sorted(os.listdir(os.path.join(out, "附件", "申请材料"))),
                         ["备案申请表.pdf"], "posted twice, filed once")
        with open(os.path.join(out, "events.json"), encoding="utf-8") as handle:
            self.assertEqual(json.load(handle)["events"], events)
        with open(os.path.join(out, "manifest.json"), encoding="utf-8") as handle:
            manifest = json.load(handle)
        listed = {entry["path"]: entry for entry in manifest["files"]}
        self.assertIn("档案.pdf", listed)
        self.assertIn("events.json", listed)
        for path, entry in listed.items():
            with open(os.path.join(out, path), "rb") as handle:
                data = handle.read()
            self.assertEqual(entry["sha256"], hashlib.sha256(data).hexdigest(), path)
            self.assertEqual(entry["size"], len(data), path)
        self.assertEqual(len(listed), 2 + len(files))

    def check_pdf(self, pdf, events):
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", pdf, "-"], capture_output=True,
                              text=True, check=True).stdout
        flat = "".join(text.split())
        state = case_state(self.client, self.case)
        for needle in [state["project"], state["applicant"], "项目登记表", "工作日志", "目录",
                       "第2页/共", MINUTES["summary"]] + MINUTES["decisions"] + WORKLOG_NOTES:
            self.assertIn("".join(needle.split()), flat, needle)
        for item in state["items"]:
            self.assertIn(item["code"], flat)
            self.assertIn(DEPARTMENTS[item["code"]], flat)
        for ev in events:
            self.assertIn("（#%d）" % ev["seq"], flat, "event %d in the 工作日志" % ev["seq"])
        self.assertIn("supervisor-zhang", flat, "who acknowledged")
        for ev in events:
            self.assertIn(ev.get("by", ev["source"]), flat, "who posted event %d" % ev["seq"])
        for ev in events:
            if ev["type"] == "attachment.added":
                self.assertIn(ev["body"]["sha256"], flat)
        fonts = subprocess.run(["pdffonts", pdf], capture_output=True, text=True,
                               check=True).stdout.splitlines()[2:]
        self.assertTrue(fonts)
        for line in fonts:
            self.assertIn("NotoSansCJK", line, "only the CJK font: %s" % line)
            self.assertEqual(line.split()[-5], "yes", "embedded: %s" % line)
        pages = int([line for line in subprocess.run(["pdfinfo", pdf], capture_output=True,
                                                    text=True, check=True).stdout.splitlines()
                     if line.startswith("Pages:")][0].split()[1])
        self.assertGreaterEqual(pages, 4)
        prefix = os.path.join(self.tmp, "page")
        subprocess.run(["pdftoppm", "-r", "30", "-gray", pdf, prefix], check=True)
        rendered = sorted(name for name in os.listdir(self.tmp) if name.startswith("page"))
        self.assertEqual(len(rendered), pages)
        for name in rendered:
            with open(os.path.join(self.tmp, name), "rb") as handle:
                pixels = handle.read().split(b"\n", 3)[3]
            dark = sum(1 for value in pixels if value < 128)
            self.assertGreater(dark, 50, "page %s has ink" % name)

    def check_verify(self, out):
        self.assertIn("all 5 files of the manifest match", self.ctl("dossier", "--verify", out).stdout)
        target = os.path.join(out, "附件", "会议照片", "会场照片.png")
        with open(target, "r+b") as handle:
            first = handle.read(1)
            handle.seek(0)
            handle.write(bytes([first[0] ^ 1]))
        failed = self.ctl("dossier", "--verify", out, expect=1)
        self.assertIn("changed: 附件/会议照片/会场照片.png", failed.stdout)


if __name__ == "__main__":
    unittest.main()
