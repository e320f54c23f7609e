#!/usr/bin/env python3
"""Host tests of tools/atoll-sdc; build/host/test_sdc runs this.

One line per case, `PASS <name>` or `FAIL <name>: <what>` (ci/runtests.py
counts each):

  sdc.bad.<case>       tests/sdc/bad/<case>.toml is rejected: exit status 1,
                       one line on stderr that contains the fragment of its
                       `# expect:` line (FILE:LINE: message), no traceback,
                       no output file
  sdc.valid.<case>     tests/sdc/valid/<case>.toml compiles, twice to the same
                       bytes, and its --dump equals tests/sdc/valid/<case>.dump
  sdc.example.<name>   examples/<name>.toml compiles (--no-images)
  sdc.corpus.<name>    tests/fuzz/corpus_spec/<name>.spec is what atoll-sdc
                       makes now from the description of the same name
  sdc.cli.<what>       missing files, bad spec files, usage errors
  sdc.robust.mutations ROBUST_CASES random edits of the valid descriptions
                       (values of every type, deleted, doubled and renamed
                       lines, stray headers), compiled in-process: each gives
                       exit status 0 or 1 and at most one line, never an
                       exception or an "internal error"
  sdc.robust.dump      the same for --dump of randomly damaged seed specs
  sdc.robust.c_parser_agrees  build/host/spec_check (services/lib/spec.c)
                       accepts every spec that the random edits left valid

A case file may have `# args: ...` on a comment line at its top (default
`--no-images`). Run from anywhere: paths are relative to the repository.

    tests/sdc/run_tests.py [--update-dumps] [--update-corpus]
"""

import contextlib
import glob
import importlib.machinery
import importlib.util
import io
import os
import random
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SDC = os.path.join("tools", "atoll-sdc")
HERE = os.path.join("tests", "sdc")
CORPUS = os.path.join("tests", "fuzz", "corpus_spec")
SPEC_CHECK = os.path.join("build", "host", "spec_check")

failures = 0


def result(name, ok, why=""):
    global failures
    if ok:
        print("PASS %s" % name)
    else:
        failures += 1
        print("FAIL %s: %s" % (name, why.replace("\n", " | ")))
    sys.stdout.flush()


def sdc(*args):
    p = subprocess.run([sys.executable, SDC] + list(args), cwd=ROOT, capture_output=True,
                       timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def header(path, key):
    """The value of `# key: ...` among the leading comment lines."""
    with open(os.path.join(ROOT, path), "rb") as f:
        for raw in f:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if not line.startswith("#"):
                break
            if line.startswith("# %s:" % key):
                return line[len("# %s:" % key):].strip()
    return None


def case_args(path):
    a = header(path, "args")
    return a.split() if a is not None else ["--no-images"]


def check_bad(path, tmp):
    name = "sdc.bad." + os.path.splitext(os.path.basename(path))[0]
    expect = header(path, "expect")
    if not expect or not re.match(r"[\w.-]+\.toml:\d+: \S", expect):
        result(name, False, "%s has no '# expect: FILE:LINE: message' line" % path)
        return
    out = os.path.join(tmp, "bad.spec")
    rc, _, err = sdc(path, "-o", out, *case_args(path))
    lines = err.splitlines()
    if rc != 1:
        result(name, False, "expected exit status 1, got %d; stderr: %s" % (rc, err.strip()))
    elif "Traceback" in err:
        result(name, False, "a traceback: %s" % err.strip())
    elif len(lines) != 1:
        result(name, False, "expected one line on stderr, got %d: %s" % (len(lines), err.strip()))
    elif not lines[0].startswith(os.path.dirname(path) + "/") or expect not in lines[0]:
        result(name, False, "expected a message ending '%s', got '%s'" % (expect, lines[0]))
    elif os.path.exists(out):
        result(name, False, "an output file was written for a bad description")
    else:
        result(name, True)


def compile_to(path, out, extra=()):
    return sdc(path, "-o", out, *(list(extra) or case_args(path)))


def check_valid(path, tmp, update):
    base = os.path.splitext(os.path.basename(path))[0]
    name = "sdc.valid." + base
    a, b = os.path.join(tmp, base + ".1"), os.path.join(tmp, base + ".2")
    rc, _, err = compile_to(path, a)
    if rc != 0:
        result(name, False, "expected success, got exit status %d: %s" % (rc, err.strip()))
        return
    compile_to(path, b)
    with open(a, "rb") as f1, open(b, "rb") as f2:
        if f1.read() != f2.read():
            result(name, False, "two compilations gave different bytes")
            return
    rc, dump, err = sdc(a, "--dump")
    golden = os.path.join(ROOT, os.path.splitext(path)[0] + ".dump")
    if update:
        with open(golden, "w") as f:
            f.write(dump)
    if rc != 0:
        result(name, False, "--dump of the spec failed: %s" % err.strip())
    elif not os.path.exists(golden):
        result(name, False, "no golden dump %s (run with --update-dumps)" % golden)
    else:
        with open(golden) as f:
            want = f.read()
        if want != dump:
            diff = [l for l in zip(want.splitlines(), dump.splitlines()) if l[0] != l[1]]
            result(name, False, "dump differs from %s; first difference: expected '%s', got '%s'"
                   % (os.path.relpath(golden, ROOT), *(diff[0] if diff else ("(length)",) * 2)))
        else:
            result(name, True)


def check_example(path, tmp):
    base = os.path.splitext(os.path.basename(path))[0]
    rc, _, err = compile_to(path, os.path.join(tmp, base + ".spec"), ["--no-images"])
    result("sdc.example." + base, rc == 0,
           "expected success, got exit status %d: %s" % (rc, err.strip()))


def source_of(spec_name):
    for d in ("examples", os.path.join(HERE, "valid")):
        p = os.path.join(d, spec_name + ".toml")
        if os.path.exists(os.path.join(ROOT, p)):
            return p
    return None


def check_corpus(path, tmp, update):
    base = os.path.splitext(os.path.basename(path))[0]
    name = "sdc.corpus." + base
    src = source_of(base)
    if src is None:
        result(name, False, "no examples/%s.toml or tests/sdc/valid/%s.toml" % (base, base))
        return
    out = os.path.join(tmp, base + ".corpus")
    rc, _, err = compile_to(src, out, ["--no-images"])
    if rc != 0:
        result(name, False, "%s does not compile: %s" % (src, err.strip()))
        return
    with open(out, "rb") as f:
        fresh = f.read()
    if update:
        with open(os.path.join(ROOT, path), "wb") as f:
            f.write(fresh)
    with open(os.path.join(ROOT, path), "rb") as f:
        result(name, f.read() == fresh,
               "%s differs from what %s compiles to (run with --update-corpus)" % (path, src))


def check_cli(tmp):
    rc, _, err = sdc("tests/sdc/no_such_file.toml", "-o", os.path.join(tmp, "x"))
    result("sdc.cli.missing_file", rc == 1 and "No such file" in err and "Traceback" not in err,
           "expected exit 1 naming the missing file, got %d: %s" % (rc, err.strip()))

    rc, _, err = sdc(HERE, "-o", os.path.join(tmp, "x"))
    result("sdc.cli.directory", rc == 1 and "Traceback" not in err and err.count("\n") == 1,
           "expected exit 1 and one line for a directory, got %d: %s" % (rc, err.strip()))

    rc, _, err = sdc("examples/pingpong.toml", "--no-images", "-o",
                     os.path.join(tmp, "no", "such", "dir", "x.spec"))
    result("sdc.cli.unwritable_output", rc == 1 and "Traceback" not in err,
           "expected exit 1, got %d: %s" % (rc, err.strip()))

    good = os.path.join(tmp, "good.spec")
    sdc("examples/prodcons.toml", "--no-images", "-o", good)
    with open(good, "rb") as f:
        data = f.read()
    bad_ok = True
    why = ""
    module = load_sdc_module()  # in-process: one run per length
    for cut in range(4, len(data)):  # magic kept, so it is read as a spec
        p = os.path.join(tmp, "cut.spec")
        with open(p, "wb") as f:
            f.write(data[:cut])
        out = io.StringIO()
        with contextlib.redirect_stderr(out), contextlib.redirect_stdout(io.StringIO()):
            rc = module.main([p, "--dump"])
        err = out.getvalue()
        if rc != 1 or "internal error" in err or "not a valid spec" not in err:
            bad_ok, why = False, "cut at %d: exit %d: %s" % (cut, rc, err.strip())
            break
    result("sdc.cli.dump_truncated_spec", bad_ok, why)

    rc, _, err = sdc(good, "-o", os.path.join(tmp, "y"))
    result("sdc.cli.spec_as_input", rc != 0 and "Traceback" not in err,
           "compiling a spec file must fail, got exit %d" % rc)

    rc, _, err = sdc("examples/pingpong.toml")
    result("sdc.cli.no_output", rc != 0 and "Traceback" not in err,
           "without -o or --dump: expected a usage error, got exit %d" % rc)

    rc, _, err = sdc("examples/pingpong.toml", "-o", os.path.join(tmp, "z"))
    result("sdc.cli.images_checked_by_default",
           rc == 1 and "field 'image'" in err and "not found" in err,
           "examples have no images yet, so without --no-images it must fail; got %d: %s"
           % (rc, err.strip()))


ROBUST_CASES = 3000
ROBUST_VALUES = [
    '"x"', '""', '-1', '0', '1', '63', '4096', '0x7fffffffffffffff', '-0x8000000000000000',
    '99999999999999999999', 'true', 'false', '1.5', 'nan', '[]', '{}', '[1, "a"]',
    '{ domain = 1 }', '{ domain = "ping", id = -3 }', '{ device = "nic0", vector = 1e3 }',
    '1979-05-27', '07:32:00', '"../../etc/passwd"', '"a\\u0000b"', '"\\u00e9t\\u00e9"',
    '"4K"', '"2M"', '"3M"', '"rwx"', '"level"', '"0000:00:02.0"', '"zzzz:00:02.0"',
    '[[1]]', '{ a = { b = { c = 1 } } }',
]
ROBUST_LINES = ["[[domain]]", "[[region]]", "[[map]]", "[[channel]]", "[[irq]]", "[[vm]]",
                "[domain]", "[[domain.sub]]", "[zzz]", "x = 1", 'name = "ping"', "= 1",
                "[[", "a.b.c = 1", "'''", '"""']


def load_sdc_module():
    loader = importlib.machinery.SourceFileLoader("atoll_sdc", os.path.join(ROOT, SDC))
    spec = importlib.util.spec_from_loader("atoll_sdc", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def mutate(rng, text):
    lines = text.split("\n")
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(lines))
        op = rng.randrange(5)
        if op == 0 and "=" in lines[i]:
            lines[i] = lines[i].split("=", 1)[0] + "= " + rng.choice(ROBUST_VALUES)
        elif op == 1:
            del lines[i]
        elif op == 2:
            lines.insert(i, lines[i])
        elif op == 3:
            lines.insert(i, rng.choice(ROBUST_LINES))
        else:
            lines[i] = re.sub(r"^(\s*)(\w+)", lambda m: m.group(1) + m.group(2)[::-1], lines[i])
        if not lines:
            lines = [""]
    return "\n".join(lines)


def check_robust(tmp):
    name = "sdc.robust.mutations"
    module = load_sdc_module()
    sources = []
    for pat in (os.path.join(HERE, "valid", "*.toml"), os.path.join("examples", "*.toml")):
        for p in sorted(glob.glob(os.path.join(ROOT, pat))):
            with open(p) as f:
                sources.append(f.read())
    rng = random.Random(20261125)
    path = os.path.join(tmp, "mutant.toml")
    out = os.path.join(tmp, "mutant.spec")
    counts = [0, 0]
    accepted = os.path.join(tmp, "accepted")
    os.mkdir(accepted)
    for k in range(ROBUST_CASES):
        text = mutate(rng, rng.choice(sources))
        with open(path, "w") as f:
            f.write(text)
        err = io.StringIO()
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                rc = module.main([path, "-o", out, "--no-images"])
        except BaseException as e:  # any escape is the failure
            result(name, False, "case %d raised %r on:\n%s" % (k, e, text))
            return
        msg = err.getvalue()
        if rc not in (0, 1) or "internal error" in msg or msg.count("\n") > 1 or \
           (rc == 1 and not msg.startswith(path + ":")):
            result(name, False, "case %d: exit %r, stderr %r, on:\n%s" % (k, rc, msg, text))
            return
        counts[rc] += 1
        if rc == 0:
            os.replace(out, os.path.join(accepted, "%d.spec" % k))
    # Both outcomes must occur, or the edits test nothing.
    result(name, counts[0] > 0 and counts[1] > ROBUST_CASES // 2,
           "%d accepted, %d rejected" % tuple(counts))

    # What the compiler accepts, init's parser must accept too.
    name = "sdc.robust.c_parser_agrees"
    checker = os.path.join(ROOT, SPEC_CHECK)
    if not os.access(checker, os.X_OK):
        result(name, False, "%s is missing: build it with make host-tests" % SPEC_CHECK)
        return
    specs = sorted(glob.glob(os.path.join(accepted, "*.spec")))
    p = subprocess.run([checker] + specs, capture_output=True, timeout=120)
    bad = p.stdout.decode("utf-8", "replace").strip()
    result(name, p.returncode == 0 and specs,
           "the C parser rejects what atoll-sdc accepted: %s" % bad[:1000])


def check_robust_dump(tmp):
    """--dump of damaged specs: exit 0 or 1, never an exception."""
    name = "sdc.robust.dump"
    module = load_sdc_module()
    seeds = []
    for p in sorted(glob.glob(os.path.join(ROOT, CORPUS, "*.spec"))):
        with open(p, "rb") as f:
            seeds.append(f.read())
    if not seeds:
        result(name, False, "no seed specs in %s" % CORPUS)
        return
    rng = random.Random(1125)
    path = os.path.join(tmp, "mutant.spec")
    for k in range(ROBUST_CASES):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(4, len(data))  # keep the magic: read as a spec
            data[i] = rng.choice([0, 1, 0x7f, 0x80, 0xff, rng.randrange(256)])
        with open(path, "wb") as f:
            f.write(data)
        err = io.StringIO()
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                rc = module.main([path, "--dump"])
        except BaseException as e:  # any escape is the failure
            result(name, False, "case %d raised %r" % (k, e))
            return
        if rc not in (0, 1) or "internal error" in err.getvalue():
            result(name, False, "case %d: exit %r, %r" % (k, rc, err.getvalue()))
            return
    result(name, True)


def main():
    update_dumps = "--update-dumps" in sys.argv
    update_corpus = "--update-corpus" in sys.argv
    with tempfile.TemporaryDirectory(prefix="atoll-sdc-") as tmp:
        bad = sorted(glob.glob(os.path.join(ROOT, HERE, "bad", "*.toml")))
        for p in bad:
            check_bad(os.path.relpath(p, ROOT), tmp)
        result("sdc.bad_case_count", len(bad) >= 25, "only %d malformed cases" % len(bad))
        for p in sorted(glob.glob(os.path.join(ROOT, HERE, "valid", "*.toml"))):
            check_valid(os.path.relpath(p, ROOT), tmp, update_dumps)
        for p in sorted(glob.glob(os.path.join(ROOT, "examples", "*.toml"))):
            check_example(os.path.relpath(p, ROOT), tmp)
        for p in sorted(glob.glob(os.path.join(ROOT, CORPUS, "*.spec"))):
            check_corpus(os.path.relpath(p, ROOT), tmp, update_corpus)
        check_cli(tmp)
        check_robust(tmp)
        check_robust_dump(tmp)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
