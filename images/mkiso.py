#!/usr/bin/env python3
"""Build a GRUB rescue ISO that boots the Atoll kernel by BIOS and by UEFI.

Usage:
    images/mkiso.py --kernel build/kernel.elf --cmdline "console=ttyS0" \
        [--module PATH NAME]... -o OUT.iso

One image serves QEMU (SeaBIOS and OVMF) and Bochs: grub-mkrescue puts
both the i386-pc El Torito image and an EFI system partition on it when
grub-pc-bin and grub-efi-amd64-bin are installed, and this script refuses
to build if either is missing, so a "UEFI" test can never silently boot
BIOS-only media.

GRUB talks on COM1 only (the emulators have no display), with timeout 0,
so the serial log starts with GRUB's own output followed by the kernel's.

Everything happens in a private temporary directory and the result is
renamed into place, so several builds may run at once, even into the same
output path, without seeing each other's half-written files.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

GRUB_PLATFORM_DIRS = {
    "BIOS (grub-pc-bin)": "/usr/lib/grub/i386-pc",
    "UEFI (grub-efi-amd64-bin)": "/usr/lib/grub/x86_64-efi",
}
REQUIRED_TOOLS = {
    "grub-mkrescue": "grub-common",
    "xorriso": "xorriso",
    "mformat": "mtools",  # grub-mkrescue needs it for the EFI partition
}


class MkisoError(Exception):
    """A failure with a message meant for the user, not a traceback."""


def grub_quote(word):
    """Quote one word for grub.cfg.

    GRUB's script language treats $, ;, quotes, braces etc. specially; a
    word with only safe characters goes in bare (so grub.cfg stays readable),
    anything else in single quotes, where GRUB takes everything literally.
    """
    if re.fullmatch(r"[A-Za-z0-9_.,:=/+@%-]+", word):
        return word
    return "'" + word.replace("'", "'\\''") + "'"


def grub_cfg(cmdline, modules):
    """Return grub.cfg text. modules: list of (file name in /boot, name)."""
    words = cmdline.split()
    lines = [
        "set timeout=0",
        "serial --unit=0 --speed=115200",
        "terminal_input serial",
        "terminal_output serial",
        "menuentry atoll {",
        "    multiboot2 /boot/kernel.elf"
        + "".join(" " + grub_quote(w) for w in words),
    ]
    for fname, name in modules:
        lines.append(
            "    module2 /boot/%s" % fname
            + "".join(" " + grub_quote(w) for w in name.split())
        )
    lines += ["    boot", "}", ""]
    return "\n".join(lines)


def check_environment():
    """Fail early with the package to install rather than a xorriso error."""
    for tool, pkg in REQUIRED_TOOLS.items():
        if shutil.which(tool) is None:
            raise MkisoError("%s not found (install the %s package)" % (tool, pkg))
    for what, path in GRUB_PLATFORM_DIRS.items():
        if not os.path.isdir(path):
            raise MkisoError("GRUB %s platform files missing: %s" % (what, path))


def check_kernel(kernel):
    if not os.path.isfile(kernel):
        raise MkisoError("kernel not found: %s" % kernel)
    if shutil.which("grub-file"):
        r = subprocess.run(["grub-file", "--is-x86-multiboot2", kernel])
        if r.returncode != 0:
            raise MkisoError(
                "%s has no valid Multiboot2 header (grub-file "
                "--is-x86-multiboot2 says no); GRUB would refuse to boot it"
                % kernel
            )


def build(kernel, cmdline, modules, output):
    """Build the ISO at output. modules: list of (path, name)."""
    check_environment()
    check_kernel(kernel)
    if "\n" in cmdline:
        raise MkisoError("kernel command line must be one line")
    out_dir = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(out_dir):
        raise MkisoError("output directory does not exist: %s" % out_dir)

    with tempfile.TemporaryDirectory(prefix="atoll-mkiso-") as tmp:
        boot = os.path.join(tmp, "iso", "boot")
        os.makedirs(os.path.join(boot, "grub"))
        shutil.copyfile(kernel, os.path.join(boot, "kernel.elf"))

        placed = []
        used = {"kernel.elf", "grub"}
        for path, name in modules:
            if not os.path.isfile(path):
                raise MkisoError("module not found: %s" % path)
            if "\n" in name:
                raise MkisoError("module name must be one line: %r" % name)
            base = re.sub(r"[^A-Za-z0-9_.-]", "_", os.path.basename(path)) or "module"
            fname, n = base, 1
            while fname in used:  # two modules from different dirs, same name
                n += 1
                fname = "%d-%s" % (n, base)
            used.add(fname)
            shutil.copyfile(path, os.path.join(boot, fname))
            placed.append((fname, name))

        with open(os.path.join(boot, "grub", "grub.cfg"), "w") as f:
            f.write(grub_cfg(cmdline, placed))

        # Written inside out_dir so the final rename is atomic (same fs).
        fd, part = tempfile.mkstemp(prefix=".mkiso-", suffix=".iso.part", dir=out_dir)
        os.close(fd)
        try:
            r = subprocess.run(
                ["grub-mkrescue", "-o", part, os.path.join(tmp, "iso")],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=dict(os.environ, TMPDIR=tmp),  # its scratch files too
            )
            if r.returncode != 0 or os.path.getsize(part) == 0:
                tail = r.stdout.decode(errors="replace").strip().splitlines()[-20:]
                raise MkisoError(
                    "grub-mkrescue failed (exit %d):\n  %s"
                    % (r.returncode, "\n  ".join(tail))
                )
            os.chmod(part, 0o644)  # mkstemp made it 0600
            os.replace(part, output)
        finally:
            if os.path.exists(part):
                os.unlink(part)


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Build a BIOS+UEFI bootable GRUB ISO for the Atoll kernel."
    )
    p.add_argument("--kernel", required=True, help="Multiboot2 kernel ELF")
    p.add_argument("--cmdline", default="console=ttyS0", help="kernel command line")
    p.add_argument(
        "--module",
        nargs=2,
        action="append",
        default=[],
        metavar=("PATH", "NAME"),
        help="boot module file and its name (module2 string); repeatable",
    )
    p.add_argument("-o", "--output", required=True, help="output ISO path")
    a = p.parse_args(argv)
    try:
        build(a.kernel, a.cmdline, [tuple(m) for m in a.module], a.output)
    except MkisoError as e:
        print("mkiso: error: %s" % e, file=sys.stderr)
        return 1
    except OSError as e:
        print("mkiso: error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
