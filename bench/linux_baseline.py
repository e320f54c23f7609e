#!/usr/bin/env python3
"""The Linux baseline of `make bench`: a 1-byte pipe ping-pong between two
Linux processes on one CPU, counted in instructions on the same emulated
CPU as the Atoll benchmark (QEMU q35, `-cpu max`, `-icount shift=0`).

The guest is the stock Debian kernel (the bzImage of the linux-image
package that `linux-image-amd64` points to, fetched with
`apt-get download` into build/linux/ the first time and kept there) and
an initramfs whose only program, /init, is images/linux/pingpong.c built
with `gcc -static` (images/linux/mkinitramfs.py). /init prints
`baseline: <name> <value>` lines on the serial console and powers off.

`run(build_dir)` never raises for a missing guest: it returns a dict whose
`available` is False and whose `reason` says why (no network to the
Debian archive, stale apt lists, no static libc, a guest that printed
nothing, ...), so bench/run.py can still write the Atoll report and say
there that the baseline is missing. Run alone, it prints that dict as
JSON (exit status 0 when the baseline was measured, 1 otherwise).
"""

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "images", "linux"))
import mkinitramfs  # noqa: E402

# A boot takes about 20 s of wall time here (about 11 CPU seconds); leave
# room for a loaded machine.
TIMEOUT_S = 300
# The metapackage whose dependency names the current kernel package.
META_PACKAGE = "linux-image-amd64"
# Same CPU and machine as bench/run.py; the kernel fits in 256 MiB.
QEMU_MACHINE = ["-machine", "q35", "-cpu", "max", "-smp", "1", "-m", "256", "-icount", "shift=0"]
APPEND = "console=ttyS0 quiet"
LINE = re.compile(r"^baseline: (\w+) (\d+)\s*$", re.M)
INFO = re.compile(r"^baseline: info (.*?)\s*$", re.M)
ERROR = re.compile(r"^baseline: error (.*?)\s*$", re.M)


class Unavailable(Exception):
    """The baseline cannot be measured; the message says why."""


def _run(cmd, cwd=None, timeout=600):
    try:
        r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
    except FileNotFoundError:
        raise Unavailable(f"`{cmd[0]}` is not installed")
    except subprocess.TimeoutExpired:
        raise Unavailable(f"`{' '.join(cmd)}` did not finish in {timeout} s")
    return r.returncode, r.stdout.decode("utf-8", "replace").strip()


def _tail(text, n=8):
    return " / ".join(line for line in text.splitlines()[-n:] if line.strip())


def _because(text, n=3):
    tail = _tail(text, n)
    return f": {tail}" if tail else ""


def kernel_package():
    """The kernel package `linux-image-amd64` depends on in the apt lists,
    e.g. linux-image-6.1.0-56-amd64."""
    rc, out = _run(["apt-cache", "depends", META_PACKAGE])
    m = re.search(r"Depends:\s*(linux-image-[0-9][\w.+-]*-amd64)\b", out)
    if rc != 0 or not m:
        raise Unavailable(f"`apt-cache depends {META_PACKAGE}` names no kernel package "
                          f"(apt lists missing? run `apt-get update`){_because(out)}")
    return m.group(1)


def cached_kernel(linux_dir):
    found = sorted(glob.glob(os.path.join(linux_dir, "vmlinuz-*")))
    return found[-1] if found else None


def fetch_kernel(linux_dir, package=None):
    """build/linux/vmlinuz-VERSION, downloading and unpacking the Debian
    package the first time. Raises Unavailable."""
    os.makedirs(linux_dir, exist_ok=True)
    have = cached_kernel(linux_dir)
    if have:
        return have
    package = package or kernel_package()
    for old in glob.glob(os.path.join(linux_dir, "*.deb")):
        os.remove(old)
    rc, out = _run(["apt-get", "download", package], cwd=linux_dir)
    debs = glob.glob(os.path.join(linux_dir, f"{package}_*.deb"))
    if rc != 0 or not debs:
        raise Unavailable(f"`apt-get download {package}` failed (no network to the Debian "
                          f"archive, or stale apt lists: run `apt-get update`){_because(out)}")
    deb = debs[0]
    # Only the bzImage is needed: stream the package's data tar instead of
    # unpacking all its modules (what `dpkg-deb -x` would do).
    proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    target = None
    try:
        with tarfile.open(fileobj=proc.stdout, mode="r|*") as tar:
            for member in tar:
                name = member.name.lstrip("./")
                if re.fullmatch(r"boot/vmlinuz-[\w.+-]+", name) and member.isfile():
                    target = os.path.join(linux_dir, os.path.basename(name))
                    src = tar.extractfile(member)
                    with open(target + ".part", "wb") as f:
                        shutil.copyfileobj(src, f)
                    os.replace(target + ".part", target)
                    break
    except tarfile.TarError as e:
        raise Unavailable(f"cannot read {os.path.basename(deb)}: {e}")
    finally:
        proc.stdout.close()
        proc.kill()
        proc.wait()
    if not target:
        raise Unavailable(f"{os.path.basename(deb)} holds no boot/vmlinuz-*")
    name, version = os.path.basename(deb).split("_")[:2]
    with open(os.path.join(linux_dir, "package.txt"), "w") as f:
        f.write(f"{name} {version.replace('%3a', ':')}\n")
    os.remove(deb)
    return target


def boot(kernel, initrd, log):
    """Boots the guest; returns (serial output, wall seconds, command)."""
    cmd = ["qemu-system-x86_64", *QEMU_MACHINE, "-kernel", kernel, "-initrd", initrd,
           "-append", APPEND, "-display", "none", "-no-reboot",
           "-chardev", f"file,id=s0,path={log}", "-serial", "chardev:s0"]
    if os.path.exists(log):
        os.remove(log)  # a stale log would satisfy the wait below at once
    start = time.time()
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except FileNotFoundError:
        raise Unavailable("qemu-system-x86_64 is not installed")
    deadline = start + TIMEOUT_S
    done_at = None
    try:
        while time.time() < deadline:
            if proc.poll() is not None:
                break
            try:
                with open(log, "rb") as f:
                    if b"baseline: done" in f.read() and done_at is None:
                        done_at = time.time()
            except FileNotFoundError:
                pass
            # Give the guest's power-off a few seconds once it is done.
            if done_at is not None and time.time() - done_at > 5:
                break
            time.sleep(0.2)
    finally:
        timed_out = proc.poll() is None and done_at is None
        proc.kill()
        _, err = proc.communicate()
    wall = time.time() - start
    try:
        with open(log, "rb") as f:
            text = f.read().decode("utf-8", "replace").replace("\r", "")
    except FileNotFoundError:
        text = ""
    if timed_out:
        raise Unavailable(f"the Linux guest did not finish in {TIMEOUT_S} s; serial log {log}: "
                          f"{_tail(text) or 'empty'}")
    if proc.returncode not in (0, -9) and not text:
        raise Unavailable(f"QEMU failed ({proc.returncode})"
                          f"{_because(err.decode('utf-8', 'replace'))}")
    return text, wall, " ".join(cmd)


def run(build_dir, package=None):
    """Measures the baseline. Returns a dict: available, reason, results
    (name -> int, as the guest printed them), info (lines), kernel, wall_seconds,
    serial_log, command."""
    linux_dir = os.path.join(build_dir, "linux")
    log_dir = os.path.join(build_dir, "logs", "bench")
    os.makedirs(log_dir, exist_ok=True)
    log = os.path.join(log_dir, "linux-serial.log")
    out = {"available": False, "reason": None, "results": {}, "info": [], "kernel": None,
           "wall_seconds": None, "serial_log": log, "command": None}
    try:
        kernel = fetch_kernel(linux_dir, package)
        out["kernel"] = os.path.basename(kernel)
        pkg_txt = os.path.join(linux_dir, "package.txt")
        if os.path.exists(pkg_txt):
            with open(pkg_txt) as f:
                out["kernel"] = f.read().strip()
        initrd = os.path.join(linux_dir, "initramfs.cpio")
        try:
            mkinitramfs.build(initrd)
        except (mkinitramfs.Error, OSError) as e:
            raise Unavailable(f"cannot build the guest's /init: {e}")
        text, wall, cmd = boot(kernel, initrd, log)
        out["wall_seconds"] = round(wall, 1)
        out["command"] = cmd
        out["results"] = {name: int(value) for name, value in LINE.findall(text)}
        out["info"] = INFO.findall(text)
        errors = ERROR.findall(text)
        if "linux_pipe_round_trip" not in out["results"]:
            why = f"guest errors: {'; '.join(errors)}" if errors else \
                f"last lines: {_tail(text) or 'empty'}"
            raise Unavailable(f"the Linux guest printed no round-trip count ({why}); "
                              f"serial log {log}")
        out["available"] = True
    except Unavailable as e:
        out["reason"] = str(e)
    return out


def main():
    result = run(os.path.join(ROOT, "build"))
    print(json.dumps(result, indent=2))
    return 0 if result["available"] else 1


if __name__ == "__main__":
    sys.exit(main())
