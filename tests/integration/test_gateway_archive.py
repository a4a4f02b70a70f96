"""The gateway's archive routes (docs/http.md, Attachments and Dossier),
with a real broker and daiban-gateway: a 3 MiB file uploaded as
multipart/form-data round-trips byte for byte through the download route,
with its media type and its Chinese name in Content-Disposition (RFC 5987);
the same content twice is stored once; a file over the configured blob
limit is 413 naming the limit (declared, and found while streaming); a
missing or bad kind is 400 naming kind; an unknown case is 404; an
operator may upload, a system may download and upload as itself (its name
the event's source and by), no token is 401; the dossier .zip opens with zipfile and holds
档案.pdf (pdftotext finds the project), every attachment byte for byte,
and a manifest whose hashes match (`daibanctl dossier --verify` agrees)."""
import hashlib
import io
import json
import os
import subprocess
import sys
import unittest
import urllib.parse
import uuid
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daiban_harness import Broker, executable, new_case_id, sample_registration  # noqa: E402
from gateway_harness import Gateway, temp_dir, token_file  # noqa: E402
from test_blobs import blob_files  # noqa: E402

LIMIT = 4 * 1024 * 1024
PRINCIPALS = [("portal", "system"), ("operator-wang", "operator")]
PROJECT = "鞍山市铁西区新能源装备产业园一期工程"


def multipart(fields, file=None):
    """A multipart/form-data body (RFC 7578): fields as (name, value);
    file as (filename, content type, bytes). Returns (body, content type)."""
    boundary = "daiban-" + uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields:
        out.write(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                   % (boundary, name, value)).encode("utf-8"))
    if file:
        filename, kind, data = file
        out.write(("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
                   "Content-Type: %s\r\n\r\n" % (boundary, filename, kind)).encode("utf-8"))
        out.write(data)
        out.write(b"\r\n")
    out.write(("--%s--\r\n" % boundary).encode("ascii"))
    return out.getvalue(), "multipart/form-data; boundary=" + boundary


def content(size, seed):
    """size bytes that differ from one seed to the next."""
    block = hashlib.sha256(seed.encode()).digest() * 2048
    return (block * (size // len(block) + 1))[:size]


class GatewayArchiveTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = temp_dir()
        cls.tokens_path, cls.tokens = token_file(cls.dir, PRINCIPALS)
        cls.broker = Broker(config_text="broker\n    blob_max_bytes = %d\n" % LIMIT).start()
        cls.gateway = Gateway(cls.broker, tokens=cls.tokens_path,
                              extra_args=["--blob-max-bytes", str(LIMIT)]).start()

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()
        cls.broker.stop()
        cls.broker.cleanup()

    def register(self):
        ev = sample_registration(new_case_id("GW-ARC"), source="operator-wang")
        status, reply, _ = self.gateway.post("/v1/events", ev,
                                             token=self.tokens["operator-wang"])
        self.assertEqual(status, 201, reply)
        return ev["case"]

    def upload(self, case_id, fields, file, token="operator-wang"):
        body, kind = multipart(fields, file)
        return self.gateway.request("POST", "/v1/cases/%s/attachments" % case_id, body,
                                    token=self.tokens[token], headers={"Content-Type": kind})

    def attach(self, case_id, kind, name, data, media_type="application/pdf", **extra):
        status, reply, _ = self.upload(case_id, [("kind", kind)] + list(extra.items()),
                                       (name, media_type, data))
        self.assertEqual(status, 201, reply)
        return reply

    def download(self, case_id, sha256, token="portal"):
        connection = self.gateway.connection()
        try:
            connection.request("GET", "/v1/cases/%s/attachments/%s" % (case_id, sha256),
                               headers={"Authorization": "Bearer " + self.tokens[token]})
            response = connection.getresponse()
            return response.status, response.read(), dict(response.getheaders())
        finally:
            connection.close()

    def error(self, answer, status, *words):
        got, body, _ = answer
        self.assertEqual(got, status, body)
        for word in words:
            self.assertIn(word, body["error"]["message"])

    def test_upload_then_download_byte_for_byte(self):
        case_id = self.register()
        data = content(3 * 1024 * 1024 + 17, "3mib")
        name = "用地预审与选址申请表.pdf"
        reply = self.attach(case_id, "申请材料", name, data, item="S1-05")
        self.assertEqual(reply["sha256"], hashlib.sha256(data).hexdigest())
        self.assertEqual((reply["size"], reply["stored"]), (len(data), True))
        self.assertGreater(reply["seq"], 0)
        with self.broker.client() as client:
            events = [e for e in client.history(case=case_id)["events"]
                      if e["type"] == "attachment.added"]
        self.assertEqual(len(events), 1)
        self.assertEqual(events[0]["by"], "operator-wang")
        self.assertEqual((events[0]["body"]["name"], events[0]["body"]["item"],
                          events[0]["body"]["media_type"]), (name, "S1-05", "application/pdf"))
        status, got, headers = self.download(case_id, reply["sha256"])
        self.assertEqual(status, 200, got[:200])
        self.assertEqual(hashlib.sha256(got).hexdigest(), reply["sha256"])
        self.assertEqual(got, data)
        self.assertEqual(headers["Content-Type"], "application/pdf")
        self.assertEqual(int(headers["Content-Length"]), len(data))
        disposition = headers["Content-Disposition"]
        self.assertIn("filename*=UTF-8''" + urllib.parse.quote(name, safe=""), disposition)
        # The ASCII fallback: one "_" for each character it cannot hold.
        self.assertTrue(disposition.startswith("attachment; filename=\"__________.pdf\""),
                        disposition)

    def test_same_content_twice_is_stored_once(self):
        case_id = self.register()
        data = content(200 * 1024, "twice")
        first = self.attach(case_id, "会议纪要", "纪要.txt", data, media_type="text/plain")
        second = self.attach(case_id, "会议纪要", "纪要（副本）.txt", data,
                             media_type="application/octet-stream")
        self.assertEqual(first["sha256"], second["sha256"])
        self.assertEqual((first["stored"], second["stored"]), (True, False))
        self.assertNotEqual(first["seq"], second["seq"])
        stored = [f for f in blob_files(self.broker.data_dir) if f == first["sha256"]]
        self.assertEqual(len(stored), 1)
        # The second had no media type of its own: guessed from the name.
        with self.broker.client() as client:
            bodies = [e["body"] for e in client.history(case=case_id)["events"]
                      if e["type"] == "attachment.added"]
        self.assertEqual([b["media_type"] for b in bodies], ["text/plain", "text/plain"])

    def test_over_the_limit_is_413_naming_it(self):
        case_id = self.register()
        # Found while the body streams (the declared length is within the slack).
        status, reply, _ = self.upload(case_id, [("kind", "其他")],
                                       ("大文件.bin", "application/octet-stream",
                                        content(LIMIT + 1, "over")))
        self.assertEqual(status, 413, reply)
        self.assertEqual(reply["error"]["code"], "too_large")
        self.assertIn(str(LIMIT), reply["error"]["message"])
        self.assertIn("blob_max_bytes", reply["error"]["message"])
        # Declared far over the limit: refused at the headers, nothing sent.
        connection = self.gateway.connection()
        try:
            connection.putrequest("POST", "/v1/cases/%s/attachments" % case_id)
            connection.putheader("Authorization", "Bearer " + self.tokens["operator-wang"])
            connection.putheader("Content-Type", "multipart/form-data; boundary=x")
            connection.putheader("Content-Length", str(8 * LIMIT))
            connection.endheaders()
            response = connection.getresponse()
            body = json.loads(response.read())
        finally:
            connection.close()
        self.assertEqual(response.status, 413, body)
        self.assertIn(str(LIMIT), body["error"]["message"])
        with self.broker.client() as client:
            types = [e["type"] for e in client.history(case=case_id)["events"]]
        self.assertNotIn("attachment.added", types)

    def test_kind_missing_or_bad_is_400(self):
        case_id = self.register()
        file = ("函.pdf", "application/pdf", b"%PDF-1.4 contact letter")
        self.error(self.upload(case_id, [("item", "S1-05")], file), 400, "kind")
        self.error(self.upload(case_id, [("kind", "照片")], file), 400, "kind")
        self.error(self.upload(case_id, [("kind", "其他")], None), 400, "file")
        self.error(self.upload(case_id, [("kind", "其他"), ("colour", "红")], file), 400,
                   "colour")
        status, reply, _ = self.gateway.request(
            "POST", "/v1/cases/%s/attachments" % case_id, {"kind": "其他"},
            token=self.tokens["operator-wang"])
        self.error((status, reply, None), 400, "multipart/form-data")

    def test_unknown_case_is_404(self):
        unknown = new_case_id("GW-NONE")
        answer = self.upload(unknown, [("kind", "其他")], ("a.txt", "text/plain", b"x"))
        self.error(answer, 404, unknown)
        status, body, _ = self.download(unknown, hashlib.sha256(b"x").hexdigest())
        self.assertEqual(status, 404, body)
        status, body, _ = self.gateway.get("/v1/cases/%s/dossier" % unknown,
                                           token=self.tokens["portal"])
        self.assertEqual(status, 404, body)
        # A known case, a content it does not hold; a path that is no hash.
        case_id = self.register()
        status, body, _ = self.download(case_id, hashlib.sha256(b"nope").hexdigest())
        self.assertEqual(status, 404, body)
        status, body, _ = self.download(case_id, "not-a-hash")
        self.assertEqual(status, 400, body)

    def test_roles(self):
        case_id = self.register()
        data = b"portal upload " * 100
        # An operator uploads; a system downloads, and uploads as itself.
        reply = self.attach(case_id, "申请材料", "portal.txt", data, media_type="text/plain")
        status, got, _ = self.download(case_id, reply["sha256"], token="portal")
        self.assertEqual((status, got), (200, data))
        status, answer, _ = self.upload(case_id, [("kind", "其他")],
                                        ("p.txt", "text/plain", data), token="portal")
        self.assertEqual(status, 201, answer)
        with self.broker.client() as client:
            events = [e for e in client.history(case=case_id)["events"]
                      if e["type"] == "attachment.added"]
        self.assertEqual([(e["source"], e["by"]) for e in events],
                         [("operator-wang", "operator-wang"), ("portal", "portal")])
        # No token: 401, before the body is read.
        body, kind = multipart([("kind", "其他")], ("x.txt", "text/plain", b"x"))
        status, answer, _ = self.gateway.request("POST", "/v1/cases/%s/attachments" % case_id,
                                                 body, headers={"Content-Type": kind})
        self.assertEqual(status, 401, answer)

    def test_dossier_zip(self):
        case_id = self.register()
        files = {
            ("申请材料", "备案信息表.pdf"): content(300 * 1024, "a"),
            ("会议照片", "联席会议.png"): content(90 * 1024, "b"),
            ("工作联系函", "联系函.txt"): "关于鞍山鑫达项目用地预审的工作联系函".encode("utf-8"),
        }
        for (kind, name), data in files.items():
            self.attach(case_id, kind, name, data)
        # Posted twice, one file in the archive.
        self.attach(case_id, "会议照片", "联席会议.png", files[("会议照片", "联席会议.png")])
        connection = self.gateway.connection(timeout=60)
        try:
            connection.request("GET", "/v1/cases/%s/dossier" % case_id,
                               headers={"Authorization": "Bearer " + self.tokens["portal"]})
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        self.assertEqual(response.status, 200, raw[:300])
        self.assertEqual(response.getheader("Content-Type"), "application/zip")
        self.assertIn(".zip", response.getheader("Content-Disposition"))
        archive = zipfile.ZipFile(io.BytesIO(raw))
        self.assertIsNone(archive.testzip())
        names = set(archive.namelist())
        for (kind, name), data in files.items():
            self.assertEqual(archive.read("附件/%s/%s" % (kind, name)), data)
        self.assertLessEqual({"档案.pdf", "events.json", "manifest.json"}, names)
        self.assertEqual(len(names), 3 + len(files), names)
        manifest = json.loads(archive.read("manifest.json"))
        self.assertEqual(manifest["case"], case_id)
        listed = {f["path"]: f for f in manifest["files"]}
        self.assertEqual(set(listed), names - {"manifest.json"})
        for path, entry in listed.items():
            data = archive.read(path)
            self.assertEqual((hashlib.sha256(data).hexdigest(), len(data)),
                             (entry["sha256"], entry["size"]), path)
        # The unzipped folder is what `daibanctl dossier --verify` checks.
        folder = os.path.join(self.dir, "unzipped-" + case_id)
        archive.extractall(folder)
        verify = subprocess.run([executable("daibanctl"), "dossier", "--verify", folder],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)
        self.assertIn("all %d files of the manifest match" % len(listed), verify.stdout)
        events = json.loads(archive.read("events.json"))
        self.assertEqual(sum(e["type"] == "attachment.added" for e in events["events"]), 4)
        pdf = os.path.join(self.dir, case_id + ".pdf")
        with open(pdf, "wb") as handle:
            handle.write(archive.read("档案.pdf"))
        text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True,
                              timeout=60, check=True).stdout
        self.assertIn(PROJECT, text.replace("\n", ""))
        self.assertIn("联席会议.png", text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
