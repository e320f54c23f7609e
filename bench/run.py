#!/usr/bin/env python3
"""`make bench`: boots the benchmark root task in QEMU with -icount shift=0
and writes bench/report.md and bench/report.json.

Under -icount shift=0 the guest TSC advances once per guest instruction,
so the numbers are instruction counts, repeatable from run to run and
independent of host load. The first measurement is a loop of 1000 nops:
its count checks that assumption in the same run (it must be 1000 plus a
small constant), and is reported beside the results.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import time

import linux_baseline

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "ci"))
import harness  # noqa: E402  (ci/ is not a package)
import scenarios  # noqa: E402
TIMEOUT_S = 120
LINE = re.compile(r"^bench: (\w+) (\d+)\s*$", re.M)


def run_qemu(iso, log, smp):
    cmd = ["qemu-system-x86_64", "-machine", "q35", "-cpu", "max", "-smp", str(smp), "-m", "256",
           "-icount", "shift=0", "-cdrom", iso, "-display", "none", "-no-reboot",
           "-chardev", f"file,id=s0,path={log}", "-serial", "chardev:s0",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=4"]
    if os.path.exists(log):
        os.remove(log)  # a stale log would satisfy the wait below at once
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + TIMEOUT_S
    try:
        while time.time() < deadline:
            if proc.poll() is not None:
                break
            try:
                with open(log, "rb") as f:
                    if b"bench: done" in f.read():
                        break
            except FileNotFoundError:
                pass
            time.sleep(0.2)
    finally:
        proc.kill()
        proc.wait()
    with open(log, "rb") as f:
        return f.read().decode("utf-8", "replace").replace("\r", "")


def run_bochs_vmx(build):
    """VM-exit costs: boots the bochs-vmx scenario (Bochs, `clock: sync=none`,
    where the TSC counts instructions) and takes the `bench: vmx_*` lines the
    VT-x test group prints (services/init/test_vmx.c). Returns (results,
    reason, skipped): reason is None when the run passed, skipped is true
    when Bochs is not there."""
    sc = next(s for s in scenarios.SCENARIOS if s.name == "bochs-vmx")
    res = harness.run_scenario(sc, os.path.join(build, "kernel.elf"),
                               os.path.join(build, "logs", "bench"))
    text = ""
    if res.log and os.path.exists(res.log):
        with open(res.log, "rb") as f:
            text = f.read().decode("utf-8", "replace").replace("\r", "")
    results = {name: int(value) for name, value in LINE.findall(text)
               if name.startswith("vmx_")}
    if res.skipped:
        return results, f"Bochs run skipped: {res.reason}", True
    if not res.ok:
        return results, f"Bochs run failed: {res.reason} (log {res.log})", False
    return results, None, False


def main():
    build = os.path.join(ROOT, "build")
    os.makedirs(os.path.join(build, "logs", "bench"), exist_ok=True)
    iso = os.path.join(build, "logs", "bench", "bench.iso")
    log = os.path.join(build, "logs", "bench", "serial.log")
    subprocess.run([sys.executable, os.path.join(ROOT, "images", "mkiso.py"),
                    "--kernel", os.path.join(build, "kernel.elf"),
                    "--cmdline", "console=ttyS0 atoll.exit=1",
                    "--module", os.path.join(build, "services", "bench.elf"), "init",
                    "-o", iso], check=True)
    text = run_qemu(iso, log, 1)
    results = {name: int(value) for name, value in LINE.findall(text)}
    text2 = run_qemu(iso, log.replace(".log", "-smp2.log"), 2)
    results.update({name: int(value) for name, value in LINE.findall(text2)
                    if name == "ipc_cross_core_round_trip"})
    if "null_syscall_round_trip" not in results:
        print(f"bench: no results; serial log: {log}", file=sys.stderr)
        print("\n".join(text.splitlines()[-20:]), file=sys.stderr)
        return 1
    cal = results.get("calibration_1000_nops", 0)
    # QEMU counts at translation-block granularity: allow 1%.
    ok = 990 <= cal <= 1010
    rows = [
        ("calibration: 1000 nops", cal, "must be 990-1010 (instruction counting works)"),
        ("null system call round trip (user→kernel→user)", results["null_syscall_round_trip"], ""),
        ("yield round trip", results.get("yield_round_trip", 0), "includes the scheduler"),
        ("Call + ReplyRecv round trip, same core, same address space",
         results.get("ipc_call_reply_round_trip", 0), "fast path"),
        ("Call + ReplyRecv round trip, two address spaces, fast path",
         results.get("ipc_two_address_spaces_fast", 0),
         "client and server in C loops over the library stubs"),
        ("Call + ReplyRecv round trip, two address spaces, fast path, minimal loops",
         results.get("ipc_two_address_spaces_fast_minimal_loop", 0),
         "target <= 300; user code 11 of these (SYSCALL loops in inline assembly)"),
        ("Call + ReplyRecv round trip, two address spaces, general path",
         results.get("ipc_two_address_spaces_slow", 0), "5-word messages force the slow path"),
        ("Signal to a waiting higher-priority thread", results.get("signal_to_waiting_thread", 0),
         "signal, switch, the waiter's Wait, switch back"),
        ("Call + ReplyRecv round trip, across cores", results.get("ipc_cross_core_round_trip", 0),
         "-smp 2; under icount the sum of both cores' work, not latency"),
    ]
    # VM exits: Bochs, whose TSC counts instructions under clock: sync=none.
    vmx, vmx_reason, vmx_skipped = run_bochs_vmx(build)
    vmx_cal = vmx.get("vmx_calibration_1000_nops", 0)
    vmx_ok = vmx_reason is None and 990 <= vmx_cal <= 1010 and "vmx_cpuid_exit_round_trip" in vmx
    rows += [
        ("VT-x (Bochs): calibration 1000 nops", vmx_cal or "MISSING",
         "must be 990-1010 (the TSC counts instructions)"),
        ("VT-x (Bochs): null system call round trip", vmx.get("vmx_null_syscall_round_trip", "MISSING"),
         "the same kernel path on Bochs, for comparison"),
        ("VT-x (Bochs): CPUID exit round trip (guest → VMM → guest)",
         vmx.get("vmx_cpuid_exit_round_trip", "MISSING"), "target <= 1500; includes the guest's loop and the VMM's"),
        ("VT-x (Bochs): I/O port exit round trip (OUT → VMM → guest)",
         vmx.get("vmx_io_exit_round_trip", "MISSING"), "target <= 1500"),
    ]
    results.update(vmx)
    if vmx_reason:
        print(f"bench: WARNING: VT-x figures missing: {vmx_reason}", file=sys.stderr)
    # The Linux baseline: same emulated CPU, after the Atoll measurements.
    try:
        linux = linux_baseline.run(build)
    except Exception as e:  # the Atoll report is written whatever happens here
        linux = {"available": False, "reason": f"bench/linux_baseline.py failed: {e!r}",
                 "results": {}, "info": [], "kernel": None, "wall_seconds": None}
    # Processes in Linux have their own address spaces: compare with the
    # two-address-space round trip when it was measured.
    atoll_rt = results.get("ipc_two_address_spaces_fast") or results.get("ipc_call_reply_round_trip", 0)
    linux_rt = linux["results"].get("linux_pipe_round_trip") if linux["available"] else None
    linux_cal = linux["results"].get("calibration_1000_nops", 0)
    linux_ok = linux_rt is not None and 990 <= linux_cal <= 1010
    ratio = round(linux_rt / atoll_rt, 1) if linux_rt and atoll_rt else None
    if linux_rt is not None:
        rows.append(("Linux pipe ping-pong round trip (baseline)", linux_rt,
                     f"{linux['kernel']}; 1-byte pipe write+read between two processes "
                     f"pinned to CPU 0, mean of {linux['results'].get('iterations', '?')}; "
                     f"guest calibration {linux_cal}"))
        rows.append(("ratio Linux / Atoll Call+ReplyRecv", f"{ratio}" if ratio else "n/a",
                     f"{linux_rt} / {atoll_rt}" if ratio else "no Atoll Call + ReplyRecv count"))
        results["linux_pipe_round_trip"] = linux_rt
        results["linux_calibration_1000_nops"] = linux_cal
        if ratio:
            results["ratio_linux_over_atoll_call_reply"] = ratio
    else:
        rows.append(("Linux pipe ping-pong round trip (baseline)", "MISSING",
                     "see below"))
        rows.append(("ratio Linux / Atoll Call+ReplyRecv", "MISSING", "no baseline"))
        print(f"bench: WARNING: Linux baseline missing: {linux['reason']}", file=sys.stderr)
    results["linux_baseline"] = {k: linux[k] for k in
                                 ("available", "reason", "kernel", "info", "wall_seconds")}
    report = ["# Atoll benchmarks", "",
              "Instructions per operation, QEMU `-icount shift=0`, 1 CPU, measured by "
              "`make bench` (bench/run.py). Each system-call figure includes the loop "
              "and the user-level stub. The VT-x rows come from Bochs (`corei7_skylake_x`, "
              "2 CPUs, `clock: sync=none`), the only emulator here with VMX; they are "
              "instruction counts too, checked by their own calibration.", "",
              "| what | instructions | note |", "|---|---|---|"]
    report += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    report += ["", f"Calibration {'OK' if ok else 'FAILED'}: the counts above are "
               f"{'' if ok else 'NOT '}instruction counts."]
    report += [f"VT-x calibration {'OK' if vmx_ok else 'FAILED'}"
               + (f": {vmx_reason}" if vmx_reason else ": the VT-x counts are instruction counts.")]
    # No Bochs here: the rows say MISSING. A run that failed or counts
    # that are not instruction counts: the report is not to be trusted.
    ok = ok and (vmx_ok or vmx_skipped)
    report += [""]
    if linux_rt is None:
        report += [f"**Linux baseline MISSING**: {linux['reason']}"]
    else:
        report += [f"Linux baseline: guest `{linux['kernel']}` (`-kernel` bzImage, initramfs "
                   f"with images/linux/pingpong.c as /init), same QEMU CPU and "
                   f"`-icount shift=0`, booted and measured in {linux['wall_seconds']} s wall. "
                   f"Guest calibration {'OK' if linux_ok else 'FAILED'}."]
        report += [f"- {line}" for line in linux["info"]]
        ok = ok and linux_ok
    with open(os.path.join(ROOT, "bench", "report.md"), "w") as f:
        f.write("\n".join(report) + "\n")
    with open(os.path.join(ROOT, "bench", "report.json"), "w") as f:
        json.dump(results, f, indent=2, sort_keys=True)
        f.write("\n")
    print("\n".join(report))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
