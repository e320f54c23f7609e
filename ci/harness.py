#!/usr/bin/env python3
"""Boot an Atoll ISO in QEMU or Bochs, capture COM1, decide pass/fail.

The kernel's only test channel is the serial port, so a boot test is: start
the emulator with COM1 going to a file, watch that file for regexes, stop
the emulator as soon as the answer is known. See ci/README.md for the
facts (OVMF path, Bochs quirks) this file depends on.

Library use:
    from harness import Scenario, run_scenario, report
    r = run_scenario(Scenario(name="x", emulator="qemu", expect=[...]),
                     kernel="build/kernel.elf", logs_root="build/logs")
    report(r)

CLI (ad hoc):
    ci/harness.py --iso build/atoll.iso --emulator qemu --smp 4 \
        --expect 'atoll: ready cpus=4 '
    ci/harness.py --kernel build/kernel.elf --cmdline 'console=ttyS0' ...
    ci/harness.py --scenario qemu-pagefault      (from ci/scenarios.py)
"""

import argparse
import atexit
import dataclasses
import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MKISO = os.path.join(ROOT, "images", "mkiso.py")

QEMU = "qemu-system-x86_64"
BOCHS = "bochs"
# Debian 12's ovmf package: OVMF.fd is the combined code+vars image that
# -bios accepts. The split images need two pflash drives (vars writable,
# so each run gets its own copy).
OVMF_COMBINED = "/usr/share/ovmf/OVMF.fd"
OVMF_SPLIT = [
    ("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"),
    ("/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_VARS.fd"),
]
BOCHS_BIOS = "/usr/share/bochs/BIOS-bochs-latest"
BOCHS_VGABIOS = "/usr/share/vgabios/vgabios.bin"

POLL_SECONDS = 0.2
TRAILING_SECONDS = 0.5  # after the last expect: let forbidden output show up
TAIL_LINES = 30

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# Private ranges only: the tap's traffic never leaves its namespace anyway.
_TAP_NET_RE = re.compile(r"^10\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)$")
_MAC_RE = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")


@dataclasses.dataclass
class Scenario:
    """One boot test. Everything a run depends on, as data."""

    name: str
    emulator: str  # "qemu" or "bochs"
    expect: list = dataclasses.field(default_factory=list)  # regexes, in order
    forbid: list = dataclasses.field(default_factory=list)  # regexes
    timeout: float = 60.0  # seconds of wall time
    smp: int = 1
    mem: int = 256  # MiB
    cmdline: str = "console=ttyS0"
    modules: list = dataclasses.field(default_factory=list)  # (path, name)
    # QEMU only
    uefi: bool = False
    iommu: bool = False
    icount: str = None  # e.g. "shift=0"
    qemu_args: list = dataclasses.field(default_factory=list)
    # Bochs only
    bochs_model: str = "corei7_skylake_x"
    bochs_ips: int = 100_000_000
    bochs_lines: list = dataclasses.field(default_factory=list)  # extra bochsrc
    # Command prefix, e.g. ["ip", "netns", "exec", "ns0"] for NIC tests.
    # Must exec the emulator (not fork) so killing the group stops it.
    wrapper: list = dataclasses.field(default_factory=list)
    # NIC tests (QEMU only): "10.A.B" makes a network namespace with a tap
    # at 10.A.B.1/24 for this run (unique names, removed afterwards, also on
    # failure, timeout or Ctrl-C), runs the emulator inside it and gives it
    # the tap as netdev n0, attached to a `nic` (a QEMU -device model, e.g.
    # "e1000") with MAC `nic_mac`.
    tap_net: str = None
    nic: str = "e1000"
    nic_mac: str = "52:54:00:12:34:56"
    description: str = ""
    # Another kernel image than the run's default (e.g. the release kernel).
    kernel: str = None
    # Typing on the serial console (QEMU only): [(trigger_regex, text)].
    # Each text is sent once its trigger has matched the serial output
    # (ANSI escapes removed), in order: the second trigger is looked for
    # only after the first text went out. COM1 is then a Unix-socket
    # chardev the harness reads (QEMU's logfile= still writes serial.log).
    # Triggers must be output of the booted system: GRUB (timeout 0) has
    # stopped reading the serial terminal by then, so it eats nothing.
    serial_input: list = dataclasses.field(default_factory=list)

    def check(self):
        """Reject malformed scenarios before anything is started."""
        if not _NAME_RE.match(self.name):
            raise ValueError("scenario name %r: use letters, digits, . _ -" % self.name)
        if self.emulator not in ("qemu", "bochs"):
            raise ValueError("%s: emulator must be qemu or bochs" % self.name)
        if self.emulator == "bochs" and (self.uefi or self.iommu or self.icount or self.tap_net):
            raise ValueError("%s: Bochs has no UEFI, IOMMU, icount or tap option" % self.name)
        if self.tap_net is not None and not _TAP_NET_RE.match(self.tap_net):
            raise ValueError("%s: tap_net must look like 10.A.B, not %r" % (self.name, self.tap_net))
        if not _MAC_RE.match(self.nic_mac) or not _NAME_RE.match(self.nic):
            raise ValueError("%s: bad nic %r or nic_mac %r" % (self.name, self.nic, self.nic_mac))
        if not self.expect:
            raise ValueError("%s: a scenario needs at least one expect" % self.name)
        for rx in list(self.expect) + list(self.forbid):
            re.compile(rx, re.M)
        if self.serial_input and self.emulator != "qemu":
            raise ValueError("%s: serial_input needs QEMU" % self.name)
        for item in self.serial_input:
            if len(item) != 2 or not isinstance(item[1], str):
                raise ValueError("%s: serial_input entries are (regex, text)" % self.name)
            re.compile(item[0], re.M)


@dataclasses.dataclass
class Result:
    name: str
    ok: bool
    reason: str = ""
    seconds: float = 0.0
    log: str = ""  # serial log path
    skipped: bool = False
    details: str = ""  # extra diagnostics printed on failure


# ---------------------------------------------------------------- processes

_live = set()
_live_lock = threading.Lock()


def _kill_group(p):
    """Stop p and everything in its process group, then reap it."""
    try:
        os.killpg(p.pid, signal.SIGTERM if p.poll() is None else signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        p.wait(timeout=3)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(p.pid, signal.SIGKILL)  # stragglers, or a leader ignoring TERM
    except (ProcessLookupError, PermissionError):
        pass
    p.wait()


def run_bounded(cmd, timeout, **kw):
    """Run a non-emulator helper (unit test, fuzzer) in its own process
    group with a wall-clock limit; kill_all() covers it too.
    Returns (returncode or None on timeout, stdout bytes, stderr bytes)."""
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True, **kw)
    with _live_lock:
        _live.add(p)
    try:
        out, err = p.communicate(timeout=timeout)
        return p.returncode, out, err
    except subprocess.TimeoutExpired:
        _kill_group(p)
        out, err = p.communicate()
        return None, out, err
    finally:
        _kill_group(p)
        with _live_lock:
            _live.discard(p)


def kill_all():
    """Stop every emulator this process started (for signal handlers)."""
    with _live_lock:
        procs = list(_live)
    for p in procs:
        _kill_group(p)
    remove_all_netns()


# ---------------------------------------------------------------- firmware


def find_ovmf():
    """Return (kind, paths) for the OVMF firmware present, or None."""
    if os.path.isfile(OVMF_COMBINED):
        return ("bios", OVMF_COMBINED)
    for code, vars_ in OVMF_SPLIT:
        if os.path.isfile(code) and os.path.isfile(vars_):
            return ("pflash", (code, vars_))
    return None


def missing_requirement(sc):
    """Why this machine cannot run sc at all (-> skip), or None."""
    if sc.emulator == "qemu":
        if shutil.which(QEMU) is None:
            return "%s not installed (qemu-system-x86)" % QEMU
        if sc.uefi and find_ovmf() is None:
            return "no OVMF firmware (%s or OVMF_CODE/VARS; package ovmf)" % OVMF_COMBINED
    else:
        if shutil.which(BOCHS) is None:
            return "bochs not installed"
        for f, pkg in ((BOCHS_BIOS, "bochsbios"), (BOCHS_VGABIOS, "vgabios")):
            if not os.path.isfile(f):
                return "%s missing (package %s)" % (f, pkg)
    return None


# ---------------------------------------------------------------- commands


def qemu_command(sc, iso, rundir, serial_log, tap=None, serial_socket=None):
    machine = "q35,kernel-irqchip=split" if sc.iommu else "q35"
    if serial_socket:
        # QEMU waits for the harness to connect before the guest starts,
        # so no output is lost; logfile= keeps serial.log as usual.
        chardev = "socket,id=s0,path=%s,server=on,wait=on,logfile=%s" % (
            serial_socket, serial_log)
    else:
        chardev = "file,id=s0,path=%s" % serial_log
    cmd = [
        QEMU,
        "-accel", "tcg",  # never KVM: it hangs guests on these machines
        "-machine", machine,
        "-cpu", "max",
        "-smp", str(sc.smp),
        "-m", str(sc.mem),
        "-cdrom", iso,
        "-boot", "d",
        "-display", "none",
        "-no-reboot",  # triple fault / reset ends the run instead of looping
        "-nic", "none",  # no slirp NIC by default; NIC tests add their own
        "-chardev", chardev,
        "-serial", "chardev:s0",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
    ]
    if sc.iommu:
        cmd += ["-device", "intel-iommu,intremap=on,caching-mode=on"]
    if sc.uefi:
        kind, fw = find_ovmf()
        if kind == "bios":
            cmd += ["-bios", fw]
        else:
            code, vars_ = fw
            vcopy = os.path.join(rundir, "OVMF_VARS.fd")
            shutil.copyfile(vars_, vcopy)
            cmd += [
                "-drive", "if=pflash,format=raw,readonly=on,file=%s" % code,
                "-drive", "if=pflash,format=raw,file=%s" % vcopy,
            ]
    if sc.icount:
        cmd += ["-icount", sc.icount]
    if tap:
        # romfile= : no iPXE option ROM, so the firmware leaves the NIC as
        # reset left it and the kernel's driver is its first user.
        cmd += [
            "-netdev", "tap,id=n0,ifname=%s,script=no,downscript=no" % tap,
            "-device", "%s,netdev=n0,mac=%s,romfile=" % (sc.nic, sc.nic_mac),
        ]
    return cmd + list(sc.qemu_args)


def _bochs_quote(path):
    if '"' in path:
        raise ValueError("path with a double quote cannot go in a bochsrc: %r" % path)
    return '"%s"' % path


def bochsrc_text(sc, iso, serial_log, bochs_log):
    """bochsrc for one run. Each line is here for a reason; see README."""
    lines = [
        "megs: %d" % sc.mem,
        # reset_on_triple_fault=0: a triple fault panics (and, with
        # panic=fatal, ends the run) instead of silently rebooting.
        "cpu: model=%s, count=%d, ips=%d, reset_on_triple_fault=0"
        % (sc.bochs_model, sc.smp, sc.bochs_ips),
        "romimage: file=%s" % BOCHS_BIOS,
        "vgaromimage: file=%s" % BOCHS_VGABIOS,
        "ata0-master: type=cdrom, path=%s, status=inserted" % _bochs_quote(iso),
        "boot: cdrom",
        # The only GUI built into Debian's bochs besides wx; it listens on
        # the first free TCP port 5900..5949 (all interfaces). timeout=0:
        # do not wait for a VNC client.
        'display_library: rfb, options="timeout=0"',
        # Without a sound card, the default ALSA driver's mixer thread
        # aborts Bochs 2.7 at start-up ("buffer overflow detected").
        "sound: driver=dummy",
        "speaker: enabled=0",
        "com1: enabled=1, mode=file, dev=%s" % _bochs_quote(serial_log),
        # Guest time follows instruction count, not wall time: results do
        # not depend on host load.
        "clock: sync=none",
        "log: %s" % _bochs_quote(bochs_log),
        "panic: action=fatal",
        "error: action=report",
    ]
    return "\n".join(lines + list(sc.bochs_lines)) + "\n"


def bochs_command(sc, iso, rundir, serial_log):
    bochs_log = os.path.join(rundir, "bochs.log")
    with open(os.path.join(rundir, "bochsrc"), "w") as f:
        f.write(bochsrc_text(sc, iso, serial_log, bochs_log))
    with open(os.path.join(rundir, "dbgcmds"), "w") as f:
        f.write("c\n")  # Debian's bochs has the debugger built in: continue
    cmd = [BOCHS, "-q", "-f", "bochsrc", "-rc", "dbgcmds"]
    # The rfb display binds a TCP port on all interfaces. In a private
    # network namespace nobody else can reach it and runs cannot collide.
    if not sc.wrapper and _private_netns_works():
        cmd = ["unshare", "--net"] + cmd
    return cmd


_netns_ok = None


def _private_netns_works():
    global _netns_ok
    if _netns_ok is None:
        _netns_ok = False
        if shutil.which("unshare"):
            try:
                r = subprocess.run(
                    ["unshare", "--net", "true"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    timeout=10,
                )
                _netns_ok = r.returncode == 0
            except (OSError, subprocess.TimeoutExpired):
                pass
    return _netns_ok


# ---------------------------------------------------------------- NIC taps
#
# A NIC scenario gets its own network namespace holding one tap device with
# the address 10.A.B.1/24; QEMU runs inside the namespace (`ip netns exec`
# execs it, so the emulator stays the leader of its process group), so the
# guest's frames reach only that namespace's Linux stack. Names carry the
# harness's pid and a counter: parallel runs never collide, and namespaces
# left by a harness that was SIGKILLed are recognised (dead pid) and removed
# by the next run.

NETNS_PREFIX = "atoll-"
_NETNS_RE = re.compile(r"^%s(\d+)-\d+$" % NETNS_PREFIX)
_netns_seq = itertools.count()
_live_netns = {}  # namespace -> tap
_netns_lock = threading.Lock()
IP_TIMEOUT = 20


class NetnsUnavailable(Exception):
    """This machine cannot make network namespaces or taps (-> skip)."""


class NetnsError(Exception):
    """Making the namespace or tap failed for another reason (-> fail)."""


def _ip(args, check=True):
    try:
        r = subprocess.run(["ip"] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=IP_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise NetnsError("ip %s: %s" % (" ".join(args), e))
    out = r.stdout.decode(errors="replace").strip()
    if check and r.returncode != 0:
        raise NetnsError("ip %s: %s" % (" ".join(args), out))
    return r.returncode, out


def _remove_netns(ns, tap):
    # The tap goes with its namespace; deleting it first keeps that true
    # even for a tap a future kernel would move back to the initial one.
    _ip(["-n", ns, "link", "del", tap], check=False)
    _ip(["netns", "del", ns], check=False)


def remove_all_netns():
    """Remove every namespace this process made and still holds."""
    with _netns_lock:
        left = list(_live_netns.items())
        _live_netns.clear()
    for ns, tap in left:
        _remove_netns(ns, tap)


atexit.register(remove_all_netns)


def _reap_stale_netns():
    """Namespaces of harness processes that no longer exist."""
    code, out = _ip(["netns", "list"], check=False)
    if code != 0:
        return
    for line in out.splitlines():
        name = line.split()[0] if line.split() else ""
        m = _NETNS_RE.match(name)
        if not m or int(m.group(1)) == os.getpid():
            continue
        try:
            os.kill(int(m.group(1)), 0)
        except ProcessLookupError:
            _ip(["netns", "del", name], check=False)
        except PermissionError:
            pass


class TapNamespace:
    """A network namespace with a tap at <tap_net>.1/24, made now."""

    def __init__(self, tap_net):
        if shutil.which("ip") is None:
            raise NetnsUnavailable("ip (iproute2) not installed: cannot make a tap namespace")
        if not os.path.exists("/dev/net/tun"):
            raise NetnsUnavailable("no /dev/net/tun: cannot make a tap device")
        _reap_stale_netns()
        seq = next(_netns_seq)
        self.name = "%s%d-%d" % (NETNS_PREFIX, os.getpid(), seq)
        # IFNAMSIZ is 16 with the NUL: "atap" and at most 8 hex digits.
        self.tap = "atap%x" % ((os.getpid() << 8 | (seq & 0xff)) & 0xffffffff)
        self.address = tap_net + ".1"
        with _netns_lock:
            _live_netns[self.name] = self.tap
        try:
            code, out = _ip(["netns", "add", self.name], check=False)
            if code != 0:
                if "not permitted" in out or "Permission denied" in out:
                    raise NetnsUnavailable("cannot make a network namespace here: " + out)
                raise NetnsError("ip netns add %s: %s" % (self.name, out))
            _ip(["-n", self.name, "link", "set", "lo", "up"])
            _ip(["-n", self.name, "tuntap", "add", "dev", self.tap, "mode", "tap"])
            _ip(["-n", self.name, "addr", "add", self.address + "/24", "dev", self.tap])
            _ip(["-n", self.name, "link", "set", self.tap, "up"])
        except BaseException:
            self.remove()
            raise

    def wrapper(self):
        return ["ip", "netns", "exec", self.name]

    def remove(self, rundir=None):
        """Record the tap's counters and neighbours in rundir/netns.txt
        (what the Linux side saw), then delete tap and namespace."""
        with _netns_lock:
            mine = _live_netns.pop(self.name, None) is not None
        if not mine:
            return
        if rundir:
            try:
                with open(os.path.join(rundir, "netns.txt"), "w") as f:
                    for args in (["-s", "link", "show", self.tap], ["neigh", "show"]):
                        f.write("$ ip -n %s %s\n%s\n" % (self.name, " ".join(args),
                                                           _ip(["-n", self.name] + args, check=False)[1]))
            except (OSError, NetnsError):
                pass
        _remove_netns(self.name, self.tap)


def netns_exists(name):
    code, out = _ip(["netns", "list"], check=False)
    return code == 0 and any(l.split()[:1] == [name] for l in out.splitlines())


# ---------------------------------------------------------------- matching


def _read_text(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return ""
    return _strip_ansi(data.decode("utf-8", errors="replace"))


def _strip_ansi(text):
    # Firmware and GRUB paint the serial console with ANSI escapes; drop
    # them so ^-anchored regexes and the printed tail stay readable.
    return _ANSI_RE.sub("", text.replace("\r", ""))


_ANSI_RE = re.compile(r"\x1b(\[[0-9;=?]*[A-Za-z]|[()][A-Za-z0-9]|[=>78c])")


def match_expects(text, expects):
    """How many of expects match in order (each after the previous one)."""
    pos = 0
    for i, rx in enumerate(expects):
        m = re.compile(rx, re.M).search(text, pos)
        if not m:
            return i
        pos = m.end()
    return len(expects)


def find_forbidden(text, forbids):
    """First forbidden regex that matches, with the matching line, or None."""
    for rx in forbids:
        m = re.compile(rx, re.M).search(text)
        if m:
            start = text.rfind("\n", 0, m.start()) + 1
            end = text.find("\n", m.end())
            return rx, text[start : end if end >= 0 else len(text)]
    return None


def tail(path, n=TAIL_LINES):
    lines = _read_text(path).splitlines()
    return lines[-n:]


# ---------------------------------------------------------------- running


def build_iso(sc, kernel, out_iso):
    """Build sc's own ISO (own cmdline/modules). Returns an error or None."""
    cmd = [sys.executable, MKISO, "--kernel", kernel, "--cmdline", sc.cmdline, "-o", out_iso]
    for path, name in sc.modules:
        cmd += ["--module", path, name]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        return "ISO build failed: " + r.stdout.decode(errors="replace").strip()
    return None


class SerialTypist(threading.Thread):
    """Connects to QEMU's COM1 socket, reads (and drops: logfile= writes
    serial.log) everything the guest prints, and types each text of
    sc.serial_input once its trigger has appeared."""

    CONNECT_SECONDS = 30  # QEMU makes the socket early, but a loaded host is slow

    def __init__(self, path, inputs):
        super().__init__(daemon=True)
        self.path, self.inputs = path, list(inputs)
        self.sock = None
        self.stop = threading.Event()
        self.sent = []  # texts typed so far
        self.error = ""

    def _connect(self):
        deadline = time.monotonic() + self.CONNECT_SECONDS
        while not self.stop.is_set() and time.monotonic() < deadline:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.path)
                return s
            except OSError:
                s.close()
                time.sleep(0.05)
        return None

    def run(self):
        self.sock = self._connect()
        if self.sock is None:
            self.error = "could not connect to %s" % self.path
            return
        self.sock.settimeout(POLL_SECONDS)
        seen = b""
        while not self.stop.is_set():
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                data = None
            except OSError:
                return
            if data == b"":
                return  # QEMU went away
            if data:
                seen += data
            if self.inputs:
                trigger, text = self.inputs[0]
                if re.search(trigger, _strip_ansi(seen.decode(errors="replace")), re.M):
                    try:
                        self.sock.sendall(text.encode())
                    except OSError:
                        return
                    self.sent.append(text)
                    self.inputs.pop(0)
                    seen = b""  # the next trigger: in output after this text

    def close(self):
        self.stop.set()
        self.join(timeout=3)
        if self.sock is not None:
            self.sock.close()


def run_iso(sc, iso, rundir, stop_event=None):
    """Boot iso per sc with logs in rundir; return a Result. Never leaves
    the emulator running, whatever happens (exception, Ctrl-C)."""
    sc.check()
    os.makedirs(rundir, exist_ok=True)
    serial_log = os.path.join(rundir, "serial.log")
    for f in ("serial.log", "bochs.log", "emulator.out", "emulator.err", "command.txt", "netns.txt"):
        try:
            os.unlink(os.path.join(rundir, f))
        except FileNotFoundError:
            pass
    res = Result(name=sc.name, ok=False, log=serial_log)
    why = missing_requirement(sc)
    if why:
        res.skipped, res.reason = True, why
        return res
    if not os.path.isfile(iso):
        res.reason = "ISO not found: %s" % iso
        return res
    iso = os.path.abspath(iso)
    if not sc.tap_net:
        return _boot(sc, iso, rundir, res, stop_event, None)
    try:
        net = TapNamespace(sc.tap_net)
    except NetnsUnavailable as e:
        res.skipped, res.reason = True, str(e)
        return res
    except NetnsError as e:
        res.reason = "tap namespace: %s" % e
        return res
    try:
        res = _boot(sc, iso, rundir, res, stop_event, net)
    finally:
        net.remove(rundir)
    if not res.ok:
        res.details += "".join("\nnetns: " + l for l in _read_text(os.path.join(rundir, "netns.txt")).splitlines())
    return res


def _boot(sc, iso, rundir, res, stop_event, net):
    serial_log = res.log
    serial_dir = serial_socket = typist = None
    if sc.emulator == "qemu":
        if sc.serial_input:
            # Unix socket paths are short (108 bytes): not in rundir.
            serial_dir = tempfile.mkdtemp(prefix="atoll-serial-")
            serial_socket = os.path.join(serial_dir, "com1")
        cmd = qemu_command(sc, iso, rundir, serial_log, net.tap if net else None, serial_socket)
    else:
        cmd = bochs_command(sc, iso, rundir, serial_log)
    cmd = (net.wrapper() if net else []) + list(sc.wrapper) + cmd
    with open(os.path.join(rundir, "command.txt"), "w") as f:
        f.write("cd %s && %s\n" % (rundir, " ".join(cmd)))

    if stop_event is not None and stop_event.is_set():
        res.reason = "interrupted"
        return res
    t0 = time.monotonic()
    out = open(os.path.join(rundir, "emulator.out"), "wb")
    err = open(os.path.join(rundir, "emulator.err"), "wb")
    p = None
    try:
        p = subprocess.Popen(
            cmd,
            cwd=rundir,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,  # own process group: kill it whole
        )
        with _live_lock:
            _live.add(p)
        if serial_socket:
            typist = SerialTypist(serial_socket, sc.serial_input)
            typist.start()
        res.ok, res.reason = _watch(sc, p, serial_log, t0, stop_event)
        if not res.ok and typist is not None:
            res.reason += "; typed %d of %d inputs%s" % (
                len(typist.sent), len(sc.serial_input),
                " (%s)" % typist.error if typist.error else "")
    except OSError as e:
        res.reason = "could not start %s: %s" % (cmd[0], e)
    finally:
        if p is not None:
            _kill_group(p)
            with _live_lock:
                _live.discard(p)
        if typist is not None:
            typist.close()
        if serial_dir is not None:
            shutil.rmtree(serial_dir, ignore_errors=True)
        out.close()
        err.close()
        res.seconds = time.monotonic() - t0
    if not res.ok:
        res.details = _diagnostics(sc, rundir)
    return res


def _exit_problem(sc, status):
    """Judge the emulator's own exit status once all expects matched."""
    if sc.emulator != "qemu" or status is None:
        return None  # Bochs's status after a guest shutdown means nothing
    if status > 1 and status & 1:
        return "kernel exited with failure code %d (QEMU status %d)" % (status >> 1, status)
    if status not in (0, 1):
        return "QEMU exited with status %d" % status
    return None


def _describe_exit(sc, status):
    if status < 0:
        return "killed by signal %d" % -status
    if sc.emulator == "qemu":
        if status == 0:
            return "status 0: guest reset, triple fault or power-off (-no-reboot)"
        if status & 1:
            return "status %d: kernel wrote %d to the debug-exit port" % (status, status >> 1)
        return "status %d: QEMU error, see emulator.err" % status
    return "status %d" % status


def _watch(sc, p, serial_log, t0, stop_event):
    """Poll the serial log until the outcome is known: (ok, reason)."""
    n = len(sc.expect)
    while True:
        time.sleep(POLL_SECONDS)
        if stop_event is not None and stop_event.is_set():
            return False, "interrupted"
        status = p.poll()
        text = _read_text(serial_log)
        bad = find_forbidden(text, sc.forbid)
        if bad:
            return False, "forbidden output /%s/: %s" % (bad[0], bad[1].strip())
        got = match_expects(text, sc.expect)
        if got == n:
            # Wait for trailing output (e.g. a panic right after "ready")
            # unless the emulator has already gone.
            deadline = time.monotonic() + TRAILING_SECONDS
            while status is None and time.monotonic() < deadline:
                time.sleep(0.05)
                status = p.poll()
            text = _read_text(serial_log)
            bad = find_forbidden(text, sc.forbid)
            if bad:
                return False, "forbidden output /%s/: %s" % (bad[0], bad[1].strip())
            problem = _exit_problem(sc, status)
            if problem:
                return False, problem
            return True, ""
        if status is not None:
            return False, "emulator exited (%s) before expect %d/%d /%s/" % (
                _describe_exit(sc, status), got + 1, n, sc.expect[got])
        if time.monotonic() - t0 > sc.timeout:
            return False, "timeout after %ds waiting for expect %d/%d /%s/" % (
                sc.timeout, got + 1, n, sc.expect[got])


def _diagnostics(sc, rundir):
    """Emulator-side hints (Bochs panics, QEMU errors) for a failure."""
    lines = []
    err = _read_text(os.path.join(rundir, "emulator.err")).splitlines()
    if sc.emulator == "qemu":
        err = [l for l in err if l.strip() and "terminating on signal" not in l]
        lines += ["qemu stderr: " + l for l in err[-5:]]
    else:
        blog = _read_text(os.path.join(rundir, "bochs.log")).splitlines()
        # Bochs log levels: p[ = panic, e[ = error
        hits = [l for l in blog if re.match(r"^\d+[pe]\[", l)
                and "shutdown requested" not in l]  # the guest's own exit
        lines += ["bochs.log: " + l for l in hits[-5:]]
    return "\n".join(lines)


def run_scenario(sc, kernel, logs_root, stop_event=None):
    """Build sc's ISO from kernel into logs_root/<name>/atoll.iso, boot it."""
    sc.check()
    rundir = os.path.join(logs_root, sc.name)
    os.makedirs(rundir, exist_ok=True)
    why = missing_requirement(sc)
    if why:
        return Result(name=sc.name, ok=False, skipped=True, reason=why)
    kernel = sc.kernel or kernel
    if not os.path.isfile(kernel):
        return Result(name=sc.name, ok=False,
                      reason="%s missing: build the kernel first (make)" % kernel)
    iso = os.path.join(rundir, "atoll.iso")
    t0 = time.monotonic()
    err = build_iso(sc, kernel, iso)
    if err:
        return Result(name=sc.name, ok=False, reason=err,
                      seconds=time.monotonic() - t0)
    return run_iso(sc, iso, rundir, stop_event)


print_lock = threading.Lock()


def report(res, out=None):
    """Print a result as one block (safe from several threads)."""
    out = out or sys.stdout
    if res.skipped:
        text = "SKIP %s: %s\n" % (res.name, res.reason)
    elif res.ok:
        text = "PASS %s (%.1fs)\n" % (res.name, res.seconds)
    else:
        text = "FAIL %s: %s\n" % (res.name, res.reason)
        if res.log and os.path.exists(res.log):
            lines = tail(res.log)
            if lines:
                text += "---- last %d lines of serial log ----\n" % len(lines)
                text += "".join("  | %s\n" % l for l in lines)
                text += "----\n"
            else:
                text += "---- serial log is empty ----\n"
        elif res.log:
            text += "---- no serial log was written ----\n"
        if res.details:
            text += res.details + "\n"
        if res.log:
            text += "full log: %s\n" % res.log
    with print_lock:
        out.write(text)
        out.flush()


# ---------------------------------------------------------------- CLI


def _install_signal_handlers():
    """SIGTERM/SIGHUP (e.g. make killed) behave like Ctrl-C, so every
    finally clause runs and no emulator is left behind."""

    def handler(signum, frame):
        raise KeyboardInterrupt()

    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, handler)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Boot an Atoll ISO in an emulator and check its serial output.")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--iso", help="boot this ISO")
    src.add_argument("--kernel", help="build an ISO from this kernel ELF first")
    src.add_argument("--scenario", help="run a named scenario from ci/scenarios.py")
    ap.add_argument("--cmdline", default="console=ttyS0", help="with --kernel")
    ap.add_argument("--module", nargs=2, action="append", default=[], metavar=("PATH", "NAME"))
    ap.add_argument("--name", default="adhoc", help="log directory name under --logs")
    ap.add_argument("--logs", default=os.path.join(ROOT, "build", "logs"))
    ap.add_argument("--emulator", choices=["qemu", "bochs"], default="qemu")
    ap.add_argument("--smp", type=int, default=1)
    ap.add_argument("--mem", type=int, default=256, help="MiB")
    ap.add_argument("--uefi", action="store_true", help="QEMU: boot with OVMF")
    ap.add_argument("--iommu", action="store_true", help="QEMU: add intel-iommu")
    ap.add_argument("--icount", help="QEMU: -icount value, e.g. shift=0")
    ap.add_argument("--qemu-arg", action="append", default=[], help="extra QEMU argument, repeatable; write --qemu-arg=-device --qemu-arg=e1000")
    ap.add_argument("--tap-net", metavar="10.A.B", help="QEMU: run in a new netns with a tap at 10.A.B.1/24 as netdev n0 of a NIC")
    ap.add_argument("--nic", default="e1000", help="with --tap-net: the QEMU NIC model (default e1000)")
    ap.add_argument("--bochs-line", action="append", default=[], help="extra bochsrc line (repeatable)")
    ap.add_argument("--expect", action="append", default=[], help="regex, in order (repeatable)")
    ap.add_argument("--forbid", action="append", default=[], help="regex (repeatable)")
    ap.add_argument("--timeout", type=float, default=60)
    a = ap.parse_args(argv)
    _install_signal_handlers()

    if a.scenario:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import scenarios

        by_name = {s.name: s for s in scenarios.SCENARIOS}
        if a.scenario not in by_name:
            ap.error("unknown scenario %r; known: %s" % (a.scenario, ", ".join(by_name)))
        sc = by_name[a.scenario]
    else:
        if not a.expect:
            ap.error("give at least one --expect")
        sc = Scenario(
            name=a.name, emulator=a.emulator, expect=a.expect, forbid=a.forbid,
            timeout=a.timeout, smp=a.smp, mem=a.mem, cmdline=a.cmdline,
            modules=[tuple(m) for m in a.module], uefi=a.uefi, iommu=a.iommu,
            icount=a.icount, qemu_args=a.qemu_arg, bochs_lines=a.bochs_line,
            tap_net=a.tap_net, nic=a.nic,
        )
    try:
        sc.check()
    except (ValueError, re.error) as e:
        ap.error(str(e))
    try:
        if a.iso:
            res = run_iso(sc, a.iso, os.path.join(a.logs, sc.name))
        else:
            kernel = a.kernel or os.path.join(ROOT, "build", "kernel.elf")
            res = run_scenario(sc, kernel, a.logs)
    except KeyboardInterrupt:
        kill_all()
        print("interrupted", file=sys.stderr)
        return 130
    report(res)
    return 0 if res.ok or res.skipped else 1


if __name__ == "__main__":
    sys.exit(main())
