"""Processes that cannot start say why in one line and exit non-zero
(PROTOCOL.md, Command line): a bad catalog names the item, a bad policy
value names the key, a bad flag is a usage error (2). Nothing is needed
for this but the executables: no broker runs."""
import os
import subprocess
import tempfile
import unittest

from daiban_harness import executable, free_endpoint

BAD_CATALOG = """\
items
    ZZ-01
        name = 无前置的测试事项
        department = 市发改委
        stage = S1
        levels = city
        limit_days = 5
        limit_unit = working_days
        limit_kind = promised
        after = ZZ-99
        materials
            material = 申请表
"""

BAD_POLICY = """\
policy
    warn_days = -3
"""


def run(name, *args, config_text=None):
    with tempfile.TemporaryDirectory(prefix="daiban-start-") as tmp:
        command = [executable(name)] + list(args)
        if config_text is not None:
            path = os.path.join(tmp, "bad.cfg")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(config_text)
            command += ["-c", path]
        if name == "daiban-broker":
            command += ["--data", os.path.join(tmp, "data"), "--ingress", free_endpoint(),
                        "--workers", free_endpoint(), "--stream", free_endpoint()]
        else:
            command += ["--broker", free_endpoint()]
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=30)
        return done.returncode, done.stderr.decode("utf-8", errors="replace")


class StartTest(unittest.TestCase):
    def test_bad_catalog_names_the_item(self):
        for name in ("daiban-broker", "daiban-intake", "daiban-transfer"):
            code, err = run(name, config_text=BAD_CATALOG)
            self.assertEqual(code, 1, "%s: %s" % (name, err))
            self.assertIn("ZZ-01", err, name)
            self.assertIn("ZZ-99", err, name)

    def test_bad_policy_names_the_key(self):
        for name in ("daiban-deadline", "daiban-reminder", "daiban-escalation"):
            code, err = run(name, config_text=BAD_POLICY)
            self.assertEqual(code, 1, "%s: %s" % (name, err))
            self.assertIn("policy/warn_days", err, name)

    def test_unknown_flag_is_a_usage_error(self):
        for name in ("daiban-broker", "daiban-intake", "daiban-escalation"):
            code, err = run(name, "--no-such-flag", "x")
            self.assertEqual(code, 2, "%s: %s" % (name, err))
            self.assertIn("unknown option --no-such-flag", err, name)


if __name__ == "__main__":
    unittest.main()
