#!/usr/bin/env python3
"""Boot an Atoll ISO in QEMU with the serial console on this terminal.

`make run` calls this. KVM is used only where a quick probe shows that it
really runs a guest: on some machines /dev/kvm exists but every guest
hangs on it (shared/TESTING.md), so its mere presence proves nothing. The
probe boots a one-sector program that writes to QEMU's isa-debug-exit
port; if QEMU exits with the matching status within a few seconds, KVM
works. Otherwise QEMU emulates the CPU in software.

Quit with Ctrl-A then X (QEMU's serial multiplexer).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

PROBE_EXIT_VALUE = 0x2A
PROBE_TIMEOUT_S = 5
DEBUG_EXIT = ["-device", "isa-debug-exit,iobase=0xf4,iosize=4"]

# A boot sector: write PROBE_EXIT_VALUE to port 0xf4, then halt.
PROBE_ASM = f"""
bits 16
org 0x7c00
    mov al, {PROBE_EXIT_VALUE:#x}
    out 0xf4, al
.halt:
    cli
    hlt
    jmp .halt
times 510 - ($ - $$) db 0
dw 0xaa55
"""


def kvm_works(qemu):
    """True if a KVM guest runs to completion here (see module doc)."""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK) or not shutil.which("nasm"):
        return False
    with tempfile.TemporaryDirectory(prefix="atoll-kvm-probe-") as tmp:
        src = os.path.join(tmp, "probe.asm")
        img = os.path.join(tmp, "probe.img")
        with open(src, "w") as f:
            f.write(PROBE_ASM)
        if subprocess.run(["nasm", "-f", "bin", src, "-o", img]).returncode != 0:
            return False
        cmd = [qemu, "-enable-kvm", "-machine", "pc", "-cpu", "host", "-m", "16",
               "-display", "none", "-no-reboot", "-serial", "none", "-monitor", "none",
               "-drive", f"format=raw,file={img},if=floppy"] + DEBUG_EXIT
        try:
            r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               timeout=PROBE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return False
        return r.returncode == (PROBE_EXIT_VALUE << 1) | 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--iso", default="build/atoll.iso")
    ap.add_argument("--smp", type=int, default=2)
    ap.add_argument("--mem", default="512")
    ap.add_argument("--uefi", action="store_true", help="boot with OVMF instead of SeaBIOS")
    ap.add_argument("--iommu", action="store_true", help="add QEMU's intel-iommu (VT-d)")
    ap.add_argument("--no-kvm", action="store_true", help="skip the KVM probe")
    args = ap.parse_args()

    qemu = shutil.which("qemu-system-x86_64")
    if not qemu:
        sys.exit("qemu-system-x86_64 not found: run `make deps` first")
    if not os.path.exists(args.iso):
        sys.exit(f"{args.iso} not found: run `make` first")

    machine = "q35,kernel-irqchip=split" if args.iommu else "q35"
    cmd = [qemu, "-machine", machine, "-smp", str(args.smp), "-m", args.mem,
           "-cdrom", args.iso, "-display", "none", "-no-reboot",
           "-serial", "mon:stdio"] + DEBUG_EXIT
    if not args.no_kvm and kvm_works(qemu):
        cmd += ["-enable-kvm", "-cpu", "host"]
        print("atoll-run: KVM works here: using it", file=sys.stderr)
    else:
        cmd += ["-cpu", "max"]
        print("atoll-run: software emulation (KVM absent or not working)", file=sys.stderr)
    if args.uefi:
        cmd += ["-bios", "/usr/share/ovmf/OVMF.fd"]
    if args.iommu:
        cmd += ["-device", "intel-iommu,intremap=on,caching-mode=on"]
    print("atoll-run: " + " ".join(cmd), file=sys.stderr)
    print("atoll-run: quit with Ctrl-A then X", file=sys.stderr)
    os.execv(qemu, cmd)


if __name__ == "__main__":
    main()
