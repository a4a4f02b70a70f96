"""Smoke test of the request fuzzer (docs/fuzzing.md): fuzz/run builds
fuzz_request with clang, ASan, UBSan and libFuzzer in a build directory of
its own under the ctest build tree, and fuzzes the request decoder, the body
checker and the reducer for a short, fixed budget (fixed seed and number of
runs, fresh corpus) with no crash, leak or UB report. It also checks that the seed
corpus is what fuzz/make_corpus.py writes, that it has a seed for every op
and every event type of the code, and that every seed gets through to the
reducer, so that the fuzzer starts from deep inputs rather than noise."""

import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

SOURCE_DIR = os.environ.get(
    "DAIBAN_SOURCE_DIR",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BIN_DIR = os.environ.get("DAIBAN_BIN", os.path.join(SOURCE_DIR, "build", "bin"))
BUILD_DIR = os.path.join(os.path.dirname(os.path.abspath(BIN_DIR)), "fuzz-smoke")
CORPUS_DIR = os.path.join(SOURCE_DIR, "fuzz", "corpus")
FUZZ_RUN = os.path.join(SOURCE_DIR, "fuzz", "run")

RUNS = 400000           # about 10 s alone on one core; the seconds cap is for a loaded machine
SECONDS_CAP = 75
MIN_RUNS = 5000         # "some thousands": fewer means the fuzzer hardly ran
RUN_TIMEOUT = 170       # seconds for the clang build and the fuzzing together


def read_source(relative):
    with open(os.path.join(SOURCE_DIR, relative), encoding="utf-8") as source:
        return source.read()


def event_types():
    """{type: emitted} from the table in common/event_type.c."""
    table = re.findall(r'\{\s*"([a-z_]+\.[a-z_]+)",\s*(true|false),\s*s_\w+\s*\}',
                       read_source("common/event_type.c"))
    if len(table) < 20:
        raise AssertionError("could not read the event types of common/event_type.c")
    return {name: emitted == "true" for name, emitted in table}


def request_ops():
    """The op names of common/request.c."""
    match = re.search(r"s_op_names\s*\[[^\]]*\]\s*=\s*\{([^}]*)\}", read_source("common/request.c"))
    if not match:
        raise AssertionError("could not read the op names of common/request.c")
    return set(re.findall(r'"(\w+)"', match.group(1)))


class FuzzSmokeTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        # A fresh corpus each time: with the fixed seed, each run starts alike.
        for name in ("corpus", "artifacts"):
            shutil.rmtree(os.path.join(BUILD_DIR, name), ignore_errors=True)
        command = [FUZZ_RUN, BUILD_DIR, "--runs", str(RUNS), "--seconds", str(SECONDS_CAP),
                   "--seed", "1"]
        cls.fuzzing = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 timeout=RUN_TIMEOUT, check=False)
        cls.output = cls.fuzzing.stdout.decode("utf-8", "replace")
        sys.stderr.write("\n[fuzz] " + "\n[fuzz] ".join(
            line for line in cls.output.splitlines()
            if re.match(r"(fuzz/run|INFO: seed|#\d+\s+(INITED|DONE)|Done|stat::)", line)) + "\n")

    def test_fuzzing_runs_clean(self):
        self.assertEqual(self.fuzzing.returncode, 0, "fuzz/run failed:\n" + self.output[-6000:])
        for alarm in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                      "ERROR: libFuzzer", "fuzz_request: "):
            self.assertNotIn(alarm, self.output)

    def test_fuzzer_executed_thousands_of_inputs(self):
        done = re.search(r"^Done (\d+) runs in (\d+) second", self.output, re.MULTILINE)
        self.assertIsNotNone(done, "no 'Done N runs' line:\n" + self.output[-3000:])
        runs = int(done.group(1))
        self.assertGreaterEqual(runs, MIN_RUNS)
        self.assertLessEqual(runs, RUNS)
        final = re.search(r"^#(\d+)\s+DONE\s+cov: (\d+) ft: (\d+)", self.output, re.MULTILINE)
        self.assertIsNotNone(final, "no '#N DONE' stat line")
        self.assertEqual(int(final.group(1)), runs)
        initial = re.search(r"^#\d+\s+INITED\s+cov: (\d+) ft: (\d+)", self.output, re.MULTILINE)
        self.assertIsNotNone(initial, "no '#N INITED' stat line")
        # Mutation found features that the seeds alone do not reach.
        self.assertGreater(int(final.group(3)), int(initial.group(2)))

    def test_fuzzer_started_from_the_whole_corpus(self):
        seeds = re.search(r"INFO: seed corpus: files: (\d+)", self.output)
        self.assertIsNotNone(seeds, "no seed corpus line:\n" + self.output[-3000:])
        self.assertEqual(int(seeds.group(1)), len(os.listdir(CORPUS_DIR)))

    def test_corpus_is_what_make_corpus_writes(self):
        with tempfile.TemporaryDirectory() as directory:
            subprocess.run([sys.executable, os.path.join(SOURCE_DIR, "fuzz", "make_corpus.py"),
                            directory], check=True, stdout=subprocess.DEVNULL)
            made = sorted(os.listdir(directory))
            self.assertEqual(made, sorted(os.listdir(CORPUS_DIR)),
                             "fuzz/corpus is stale: run fuzz/make_corpus.py")
            match, mismatch, errors = filecmp.cmpfiles(directory, CORPUS_DIR, made, shallow=False)
            self.assertEqual((mismatch, errors), ([], []),
                             "fuzz/corpus is stale: run fuzz/make_corpus.py")

    def test_corpus_has_every_op_and_type(self):
        names = set(os.listdir(CORPUS_DIR))
        for op in request_ops() - {"post"}:
            self.assertIn("op-" + op, names)
        for name, emitted in event_types().items():
            self.assertIn(("emitted-" if emitted else "post-") + name, names)

    def test_every_seed_reaches_the_reducer(self):
        executable = os.path.join(BUILD_DIR, "bin", "fuzz_request")
        self.assertEqual(self.fuzzing.returncode, 0, "fuzz_request was not built")
        seeds = sorted(os.listdir(CORPUS_DIR))
        paths = [os.path.join(CORPUS_DIR, name) for name in seeds]
        result = subprocess.run([executable] + paths, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, timeout=60, check=False,
                                env=dict(os.environ, DAIBAN_FUZZ_TRACE="1"))
        output = result.stdout.decode("utf-8", "replace")
        self.assertEqual(result.returncode, 0, output[-3000:])
        # libFuzzer says "Running: FILE", then the target traces its outcome.
        traced = dict(re.findall(r"^Running: .*/([^/\n]+)\n(fuzz_request:.*)$", output,
                                 re.MULTILINE))
        self.assertEqual(sorted(traced), seeds)
        for name in seeds:
            words = traced[name].split()[1:]
            emitted = words[0] == "emitted"
            fields = dict(word.split("=", 1) for word in words[emitted:])
            cases = (fields["registered_case"], fields["active_case"])
            if name.startswith("op-"):
                self.assertEqual(fields, dict(request="ok", body="-", new_case="-",
                                              registered_case="-", active_case="-"), name)
                continue
            # Ingress refuses a post of an emitted type; as a worker's emit
            # it goes on to the body and the cases.
            self.assertEqual(emitted, name.startswith("emitted-"), name)
            self.assertEqual(fields["request"], "unauthorized" if emitted else "ok", name)
            self.assertEqual(fields["body"], "ok", name)
            if name == "post-case.registered":
                # It creates the case; the live cases exist already.
                self.assertEqual(fields["new_case"], "ok", name)
                self.assertEqual(cases, ("conflict", "conflict"), name)
            else:
                self.assertEqual(fields["new_case"], "not_found", name)
                self.assertIn("ok", cases, "%s is accepted by neither live case" % name)
                self.assertLessEqual(set(cases), {"ok", "conflict"}, name)

if __name__ == "__main__":
    unittest.main(verbosity=2)
