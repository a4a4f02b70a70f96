"""Attachments' content (docs/archive.md): blob_put in chunks, verified and
durable before the reply, stored once by SHA-256; blob_get reads it back;
an attachment.added must name a stored blob of its size; a file over the
limit is refused; a SIGKILL mid-upload leaves no blob an event can name,
and a restart keeps every blob that was acknowledged; a hot backup holds
the blobs."""
import hashlib
import os
import subprocess
import time
import unittest

from daiban_harness import (BLOB_CHUNK, Broker, attachment, blob_get, blob_put, error_code,
                            executable, sample_registration)

LIMIT = 24 * 1024 * 1024


def blob_files(data_dir):
    """Every stored blob file (blobs/ab/cdef...), not the uploads."""
    root = os.path.join(data_dir, "blobs")
    found = []
    for prefix in sorted(os.listdir(root)):
        if len(prefix) == 2:
            found += [prefix + name for name in os.listdir(os.path.join(root, prefix))]
    return found


class BlobTest(unittest.TestCase):
    def setUp(self):
        self.broker = Broker(config_text="broker\n    blob_max_bytes = %d\n" % LIMIT)
        with open(self.broker.config_path, "a", encoding="utf-8") as handle:
            handle.write("    backup_dir = %s\n" % os.path.join(self.broker.tmp, "backups"))
        self.broker.start()
        self.client = self.broker.client()

    def tearDown(self):
        self.client.close()
        self.broker.cleanup()

    def test_20_mib_round_trip_stored_once(self):
        data = os.urandom(20 * 1024 * 1024 + 12345)
        reply = blob_put(self.client, data)
        self.assertIs(reply.get("ok"), True, reply)
        self.assertEqual(reply["sha256"], hashlib.sha256(data).hexdigest())
        self.assertEqual(reply["size"], len(data))
        self.assertIs(reply["stored"], True)
        self.assertEqual(blob_get(self.client, reply["sha256"]), data)
        again = blob_put(self.client, data)
        self.assertIs(again["stored"], False, "the same content is stored once")
        self.assertEqual(blob_files(self.broker.data_dir), [reply["sha256"]])
        part = self.client.request({"op": "blob_get", "sha256": reply["sha256"],
                                    "offset": 1000, "length": 10})
        self.assertEqual(part["data"], data[1000:1010])

    def test_over_the_limit_is_refused(self):
        data = b"x" * (LIMIT + 1)
        reply = blob_put(self.client, data)
        self.assertEqual(error_code(reply), "too_large")
        self.assertIn("%d" % LIMIT, reply["error"]["message"])
        self.assertIn("blob_max_bytes", reply["error"]["message"])
        self.assertEqual(blob_files(self.broker.data_dir), [])
        self.assertEqual(os.listdir(os.path.join(self.broker.data_dir, "blobs", "tmp")), [])

    def test_daibanctl_attach(self):
        case = sample_registration()
        self.client.post_ok(case)
        path = os.path.join(self.broker.tmp, "工作联系函.pdf")
        data = os.urandom(2 * BLOB_CHUNK + 99)
        with open(path, "wb") as handle:
            handle.write(data)
        command = [executable("daibanctl"), "--ingress", self.broker.ingress, "attach",
                   case["case"], path, "--kind", "工作联系函", "--item", "S1-05"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        sha = hashlib.sha256(data).hexdigest()
        self.assertTrue(done.stdout.startswith("%s %d bytes stored" % (sha, len(data))),
                        done.stdout)
        [added] = [ev for ev in self.client.all_history(case=case["case"])
                   if ev["type"] == "attachment.added"]
        self.assertEqual(added["body"], {"kind": "工作联系函", "name": "工作联系函.pdf",
                                         "media_type": "application/pdf", "size": len(data),
                                         "sha256": sha, "item": "S1-05"})
        self.assertEqual(blob_get(self.client, sha), data)
        with open(path, "wb") as handle:
            handle.write(b"y" * (LIMIT + 1))
        over = subprocess.run(command, capture_output=True, text=True, timeout=60)
        self.assertEqual(over.returncode, 1)
        self.assertIn("daibanctl: too_large: blob over the limit of %d bytes" % LIMIT,
                      over.stderr)
        with open(path, "wb") as handle:
            handle.write(b"small")
        wrong = subprocess.run(command[:-4] + ["--kind", "照片"], capture_output=True, text=True,
                               timeout=60)
        self.assertEqual(wrong.returncode, 1)
        self.assertIn("invalid_body", wrong.stderr)
        self.assertIn("kind", wrong.stderr)

    def test_bad_chunks_are_refused_clearly(self):
        data = b"abc" * 1000
        sha = hashlib.sha256(data).hexdigest()
        cases = [
            ({"op": "blob_put", "offset": 0, "data": data}, "upload"),
            ({"op": "blob_put", "upload": "../x", "offset": 0, "data": data}, "upload"),
            ({"op": "blob_put", "upload": "u\x00x", "offset": 0, "data": data}, "upload"),
            ({"op": "blob_put", "upload": "u" * 65, "offset": 0, "data": data}, "upload"),
            ({"op": "blob_put", "upload": "u1", "data": data}, "offset"),
            ({"op": "blob_put", "upload": "u1", "offset": 0, "data": "text"}, "data"),
            ({"op": "blob_put", "upload": "u1", "offset": -1, "data": data}, "offset"),
            ({"op": "blob_put", "upload": "u1", "offset": 0, "data": data, "sha256": sha},
             "size"),
            ({"op": "blob_get", "sha256": "ABC"}, "sha256"),
        ]
        for request, word in cases:
            reply = self.client.request(request)
            self.assertEqual(error_code(reply), "bad_request", (request, reply))
            self.assertIn(word, reply["error"]["message"], reply)
        self.assertIs(self.client.request({"op": "blob_put", "upload": "u2", "offset": 0,
                                           "data": data[:100]})["ok"], True)
        gap = self.client.request({"op": "blob_put", "upload": "u2", "offset": 200,
                                   "data": data[200:]})
        self.assertEqual(error_code(gap), "bad_request")
        self.assertIn("offset 100", gap["error"]["message"])
        wrong = self.client.request({"op": "blob_put", "upload": "u2", "offset": 100,
                                     "data": data[100:], "sha256": "0" * 64, "size": len(data)})
        self.assertEqual(error_code(wrong), "bad_request")
        self.assertIn(sha, wrong["error"]["message"], "names the content's real hash")
        short = blob_put(self.client, data)
        self.assertIs(short["ok"], True)
        self.assertEqual(error_code(self.client.request(
            {"op": "blob_get", "sha256": "1" * 64})), "not_found")

    def test_attachment_needs_the_blob(self):
        case = sample_registration()
        self.client.post_ok(case)
        data = "建设项目用地预审申请表".encode("utf-8") * 100
        missing = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        refused = self.client.post(attachment(case["case"], missing))
        self.assertEqual(error_code(refused), "not_found")
        self.assertIn("blob_put", refused["error"]["message"])
        stored = blob_put(self.client, data)
        wrong_size = dict(stored, size=len(data) + 1)
        self.assertEqual(error_code(self.client.post(attachment(case["case"], wrong_size))),
                         "invalid_body")
        bad_hash = dict(stored, sha256="xyz")
        self.assertEqual(error_code(self.client.post(attachment(case["case"], bad_hash))),
                         "invalid_body")
        bad_kind = attachment(case["case"], stored, kind="照片")
        self.assertEqual(error_code(self.client.post(bad_kind)), "invalid_body")
        unknown_item = attachment(case["case"], stored, item="S9-99")
        self.assertEqual(error_code(self.client.post(unknown_item)), "conflict")
        good = attachment(case["case"], stored, item="S1-05")
        seq = self.client.post_ok(good)
        self.assertEqual(self.client.post(good)["duplicate"], True)
        self.assertEqual(self.client.case(case["case"])["case"]["attachments"], 1)
        [committed] = self.client.history(seq, 1)["events"]
        self.assertEqual(committed["body"]["sha256"], stored["sha256"])
        self.assertEqual(error_code(self.client.post(attachment("AS-NO-SUCH", stored))),
                         "not_found")

    def test_sigkill_mid_upload_leaves_no_blob(self):
        kept = os.urandom(3 * BLOB_CHUNK + 7)
        kept_reply = blob_put(self.client, kept)
        self.assertIs(kept_reply["ok"], True)
        half = os.urandom(4 * BLOB_CHUNK)
        sha = hashlib.sha256(half).hexdigest()
        for index in range(3):
            reply = self.client.request({"op": "blob_put", "upload": "killed",
                                         "offset": index * BLOB_CHUNK,
                                         "data": half[index * BLOB_CHUNK:(index + 1) * BLOB_CHUNK]})
            self.assertIs(reply["ok"], True, reply)
        tmp = os.path.join(self.broker.data_dir, "blobs", "tmp")
        self.assertEqual(os.listdir(tmp), ["killed"])
        self.broker.kill()
        self.client.close()
        self.broker.start()
        self.client = self.broker.client()
        self.assertEqual(os.listdir(tmp), [], "uploads are cleaned at start")
        self.assertEqual(blob_files(self.broker.data_dir), [kept_reply["sha256"]])
        self.assertEqual(blob_get(self.client, kept_reply["sha256"]), kept)
        case = sample_registration()
        self.client.post_ok(case)
        self.assertEqual(error_code(self.client.post(
            attachment(case["case"], {"size": len(half), "sha256": sha}))), "not_found")
        cont = self.client.request({"op": "blob_put", "upload": "killed",
                                    "offset": 3 * BLOB_CHUNK, "data": half[3 * BLOB_CHUNK:],
                                    "sha256": sha, "size": len(half)})
        self.assertEqual(error_code(cont), "not_found", "the upload is gone, not resumed")

    def test_backup_holds_the_blobs(self):
        data = os.urandom(100000)
        stored = blob_put(self.client, data)
        reply = self.client.request({"op": "backup", "name": "with-blobs"})
        self.assertIs(reply["ok"], True, reply)
        self.assertEqual(reply["blobs"], 1)
        deadline = time.monotonic() + 30
        while self.client.stats()["backup"]["status"] == "running":
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        copy = Broker(data_dir=reply["path"])
        try:
            copy.start()
            with copy.client() as client:
                self.assertEqual(blob_get(client, stored["sha256"]), data)
        finally:
            copy.cleanup()


if __name__ == "__main__":
    unittest.main()
