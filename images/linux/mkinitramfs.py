#!/usr/bin/env python3
"""Builds the Linux baseline guest's initramfs (bench/linux_baseline.py).

    images/linux/mkinitramfs.py -o build/linux/initramfs.cpio [--cc gcc]

Compiles images/linux/pingpong.c with `gcc -static` (glibc's static
libc.a, from libc6-dev) and writes an uncompressed newc cpio archive
holding /init (that binary), /dev/console (so the kernel can give init a
console), /dev, /sys and /proc. The archive is written by this script, so
the cpio tool is not needed. Exit status 0 on success, 1 with
`mkinitramfs: error: ...` on stderr otherwise.
"""

import argparse
import os
import stat
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


class Error(Exception):
    pass


def newc_entry(ino, name, mode, data=b"", rdev=(0, 0), nlink=1):
    """One entry of a `newc` (SVR4, no checksum) cpio archive."""
    namez = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1], len(namez), 0]
    hdr = b"070701" + b"".join(b"%08x" % f for f in fields)
    out = hdr + namez
    out += b"\0" * (-len(out) % 4)
    out += data
    out += b"\0" * (-len(out) % 4)
    return out


def build_cpio(init_binary):
    entries = [
        ("dev", stat.S_IFDIR | 0o755, b"", (0, 0), 2),
        ("dev/console", stat.S_IFCHR | 0o600, b"", (5, 1), 1),
        ("proc", stat.S_IFDIR | 0o755, b"", (0, 0), 2),
        ("sys", stat.S_IFDIR | 0o755, b"", (0, 0), 2),
        ("init", stat.S_IFREG | 0o755, init_binary, (0, 0), 1),
    ]
    out = b"".join(newc_entry(i + 1, name, mode, data, rdev, nlink)
                   for i, (name, mode, data, rdev, nlink) in enumerate(entries))
    out += newc_entry(0, "TRAILER!!!", 0)
    out += b"\0" * (-len(out) % 512)
    return out


def compile_init(cc, out_path):
    src = os.path.join(HERE, "pingpong.c")
    cmd = [cc, "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o", out_path, src]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        msg = r.stdout.decode("utf-8", "replace").strip()
        hint = ""
        if "cannot find -lc" in msg or "No such file" in msg:
            hint = " (static glibc missing: install libc6-dev)"
        raise Error(f"{' '.join(cmd)} failed{hint}:\n{msg}")


def build(output, cc="gcc"):
    """Compiles /init and writes the archive to `output`, atomically."""
    out_dir = os.path.dirname(os.path.abspath(output))
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        init = os.path.join(tmp, "init")
        compile_init(cc, init)
        with open(init, "rb") as f:
            data = build_cpio(f.read())
        part = os.path.join(tmp, "initramfs.cpio")
        with open(part, "wb") as f:
            f.write(data)
        os.replace(part, output)
    return output


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--cc", default="gcc")
    args = ap.parse_args()
    try:
        build(args.output, args.cc)
    except (Error, OSError) as e:
        print(f"mkinitramfs: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
