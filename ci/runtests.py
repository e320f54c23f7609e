#!/usr/bin/env python3
"""The single test entry point: `make test` runs this after building.

Three kinds of tests, each result counted:
  unit/<binary>   every executable build/host/test_*; each stdout line
                  "PASS <name>" or "FAIL <name>: msg" is one test, and a
                  binary that fails without a FAIL line (crash, sanitizer
                  report, hang) is one failure named after the binary.
  fuzz/<binary>   every build/host/fuzz_* (libFuzzer) for a bounded time
                  (ATOLL_FUZZ_SECONDS, default 20) on a temporary copy of
                  tests/fuzz/corpus_<name>/; one test each, pass = exit 0.
  boot/<scenario> the boot scenarios of ci/scenarios.py, -j at a time,
                  longest (Bochs) first.

The last line of output is always "N passed, N failed" (", N skipped" if
any); the exit status is 1 if anything failed. A skip is only for
something this machine lacks (an emulator or firmware file), never for a
missing build product.

    ci/runtests.py [--only REGEX] [--list] [-j N]
"""

import argparse
import os
import queue
import re
import shutil
import signal
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import scenarios  # noqa: E402

ROOT = harness.ROOT
BUILD = os.path.join(ROOT, "build")
HOST = os.path.join(BUILD, "host")
LOGS = os.path.join(BUILD, "logs")
KERNEL = os.path.join(BUILD, "kernel.elf")
FUZZ_CORPORA = os.path.join(ROOT, "tests", "fuzz")

UNIT_TIMEOUT = 300  # seconds per test binary
FUZZ_SLACK = 120  # seconds beyond -max_total_time before a fuzzer counts as hung
FUZZ_INPUT_TIMEOUT = 10  # libFuzzer -timeout: one input taking longer is a bug
STDERR_TAIL = 30

_PASS_LINE = re.compile(r"^PASS\s+(.+?)\s*$")
_FAIL_LINE = re.compile(r"^FAIL\s+([^:]+?)\s*(?::\s*(.*?))?\s*$")


class Tally:
    """Counts and prints results; safe to use from worker threads."""

    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.lock = threading.Lock()

    def out(self, text):
        with harness.print_lock:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
            sys.stdout.flush()

    def ok(self, name, extra=""):
        with self.lock:
            self.passed += 1
        self.out("PASS %s%s" % (name, extra))

    def fail(self, name, msg, details=""):
        with self.lock:
            self.failed += 1
        self.out("FAIL %s: %s\n%s" % (name, msg, details) if details else "FAIL %s: %s" % (name, msg))

    def skip(self, name, why):
        with self.lock:
            self.skipped += 1
        self.out("SKIP %s: %s" % (name, why))

    def result(self, res):
        """Count a harness.Result and print it the harness's way."""
        with self.lock:
            if res.skipped:
                self.skipped += 1
            elif res.ok:
                self.passed += 1
            else:
                self.failed += 1
        harness.report(res)

    def summary(self):
        s = "%d passed, %d failed" % (self.passed, self.failed)
        if self.skipped:
            s += ", %d skipped" % self.skipped
        return s


def _executables(prefix):
    if not os.path.isdir(HOST):
        return []
    found = []
    for f in sorted(os.listdir(HOST)):
        path = os.path.join(HOST, f)
        if f.startswith(prefix) and os.path.isfile(path) and os.access(path, os.X_OK):
            found.append(path)
    return found


def _tail_text(data, n=STDERR_TAIL):
    lines = data.decode("utf-8", errors="replace").splitlines()
    return "\n".join("  | " + l for l in lines[-n:])


# ---------------------------------------------------------------- unit tests


def run_unit(path, tally):
    """Run one host test binary and count each PASS/FAIL line it prints."""
    name = os.path.basename(path)
    rc, out, err = harness.run_bounded([path], UNIT_TIMEOUT, cwd=ROOT)
    fails = 0
    lines = 0
    for line in out.decode("utf-8", errors="replace").splitlines():
        line = line.rstrip("\r")
        m = _PASS_LINE.match(line)
        if m:
            lines += 1
            tally.ok("%s/%s" % (name, m.group(1)))
            continue
        m = _FAIL_LINE.match(line)
        if m:
            lines += 1
            fails += 1
            tally.fail("%s/%s" % (name, m.group(1)), m.group(2) or "(no message)")
    if rc is None:
        tally.fail(name, "timed out after %ds" % UNIT_TIMEOUT, _tail_text(err))
    elif rc != 0 and fails == 0:
        how = "killed by signal %d" % -rc if rc < 0 else "exit status %d" % rc
        tally.fail(name, "%s without a FAIL line (crash or sanitizer report?); stderr tail:" % how,
                   _tail_text(err) or "  | (empty)")
    elif rc == 0 and lines == 0:
        tally.fail(name, "exited 0 but printed no PASS/FAIL lines")


# ---------------------------------------------------------------- fuzzers


def fuzz_seconds():
    v = os.environ.get("ATOLL_FUZZ_SECONDS", "20")
    try:
        s = int(v)
        if s < 1:
            raise ValueError
    except ValueError:
        raise SystemExit("runtests: ATOLL_FUZZ_SECONDS must be a positive integer, not %r" % v)
    return s


def run_fuzzer(path, seconds, tally):
    """Fuzz for a bounded time on a scratch copy of the corpus (the repo's
    corpus is not modified); crash artifacts are kept under build/logs."""
    name = os.path.basename(path)
    short = name[len("fuzz_"):]
    logdir = os.path.join(LOGS, name)
    os.makedirs(logdir, exist_ok=True)
    src = os.path.join(FUZZ_CORPORA, "corpus_" + short)
    with tempfile.TemporaryDirectory(prefix="atoll-%s-" % name) as tmp:
        corpus = os.path.join(tmp, "corpus")
        if os.path.isdir(src):
            shutil.copytree(src, corpus)
        else:
            os.mkdir(corpus)
        cmd = [
            path,
            "-max_total_time=%d" % seconds,
            "-timeout=%d" % FUZZ_INPUT_TIMEOUT,
            "-artifact_prefix=%s/" % logdir,
            corpus,
        ]
        rc, out, err = harness.run_bounded(cmd, seconds + FUZZ_SLACK, cwd=tmp)
    log = os.path.join(logdir, "output.log")
    with open(log, "wb") as f:
        f.write(out + err)
    if rc == 0:
        tally.ok(name, " (%ds)" % seconds)
        return
    if rc is None:
        msg = "did not stop within %ds of -max_total_time=%d" % (FUZZ_SLACK, seconds)
    else:
        how = "killed by signal %d" % -rc if rc < 0 else "exit status %d" % rc
        msg = "%s (crash inputs, if any, in %s/)" % (how, logdir)
    tally.fail(name, msg, _tail_text(out + err) + "\nfull log: %s" % log)


# ---------------------------------------------------------------- parallel


_workers = []


def run_parallel(jobs, n, stop):
    """Run callables on n worker threads, in list order."""
    q = queue.Queue()
    for j in jobs:
        q.put(j)

    def worker():
        while not stop.is_set():
            try:
                job = q.get_nowait()
            except queue.Empty:
                return
            job()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, n))]
    _workers[:] = threads
    for t in threads:
        t.start()
    # join with a timeout so Ctrl-C reaches the main thread promptly
    for t in threads:
        while t.is_alive():
            t.join(0.5)


# ---------------------------------------------------------------- main


def collect():
    """All tests as (id, kind, payload), in run order."""
    tests = []
    for p in _executables("test_"):
        tests.append(("unit/" + os.path.basename(p), "unit", p))
    for p in _executables("fuzz_"):
        tests.append(("fuzz/" + os.path.basename(p), "fuzz", p))
    boots = sorted(scenarios.SCENARIOS, key=lambda s: s.emulator != "bochs")  # stable
    for s in boots:
        tests.append(("boot/" + s.name, "boot", s))
    return tests


def main(argv=None):
    ap = argparse.ArgumentParser(description="Run Atoll's host unit tests, fuzzers and boot scenarios.")
    ap.add_argument("--only", metavar="REGEX", help="run only tests whose id (unit/..., fuzz/..., boot/...) matches")
    ap.add_argument("--list", action="store_true", help="list test ids and exit")
    ap.add_argument("-j", type=int, default=2, metavar="N", help="fuzzers/boot scenarios at once (default 2)")
    a = ap.parse_args(argv)

    tests = collect()
    if a.only:
        try:
            rx = re.compile(a.only)
        except re.error as e:
            ap.error("--only: %s" % e)
        tests = [t for t in tests if rx.search(t[0])]
    if a.list:
        for t in tests:
            print(t[0])
        return 0

    for sig in (signal.SIGTERM, signal.SIGHUP):  # e.g. make killed: clean up like Ctrl-C
        signal.signal(sig, _raise_interrupt)

    tally = Tally()
    stop = threading.Event()
    units = [t for t in tests if t[1] == "unit"]
    fuzzers = [t for t in tests if t[1] == "fuzz"]
    boots = [t for t in tests if t[1] == "boot"]
    if not tests:
        print("runtests: no test id matches --only %r (see --list)" % a.only)
        print(tally.summary())
        return 1
    try:
        if not a.only and not units:
            print("note: no host unit tests in %s" % os.path.relpath(HOST, ROOT))
        if units:
            print("== host unit tests (%d binaries)" % len(units), flush=True)
            for _, _, p in units:
                run_unit(p, tally)
        if fuzzers:
            secs = fuzz_seconds()
            print("== fuzzers (%d, %ds each, -j%d)" % (len(fuzzers), secs, a.j), flush=True)
            run_parallel([lambda p=p: run_fuzzer(p, secs, tally) for _, _, p in fuzzers], a.j, stop)
        if boots:
            print("== boot scenarios (%d, -j%d)" % (len(boots), a.j), flush=True)
            if not os.path.isfile(KERNEL):
                print("note: %s is missing, so every boot scenario fails; run make first"
                      % os.path.relpath(KERNEL, ROOT), flush=True)
            run_parallel(
                [lambda s=s: tally.result(harness.run_scenario(s, KERNEL, LOGS, stop)) for _, _, s in boots],
                a.j, stop)
    except KeyboardInterrupt:
        stop.set()
        harness.kill_all()
        # Workers notice stop within a poll interval; wait for them so none
        # starts an emulator after we are gone, then sweep once more.
        for t in _workers:
            t.join(15)
        harness.kill_all()
        print("runtests: interrupted; all child processes stopped", flush=True)
        print(tally.summary())
        return 130
    finally:
        stop.set()
        harness.kill_all()
    print(tally.summary())
    return 1 if tally.failed else 0


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt()


if __name__ == "__main__":
    sys.exit(main())
