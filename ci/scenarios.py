"""The boot scenarios of `make test`, as data.

Each scenario gets its own ISO (built from build/kernel.elf with the
scenario's command line into build/logs/<name>/atoll.iso) and its own log
directory, so scenarios can differ in command line and run in parallel.

The kernel ends a normal boot with exactly one line
    atoll: ready cpus=<n> mem=<MiB> iommu=<yes|no> vmx=<yes|no>
and, with atoll.exit=1, then leaves the emulator itself (QEMU: isa-debug-exit
code 0; Bochs: the Shutdown port), which ends a passing run without waiting.

Why these machines: QEMU (software emulation) gives xAPIC, VT-d with
interrupt remapping, BIOS and UEFI boots; Bochs gives VT-x (EPT, VPID,
unrestricted guest) and x2APIC, which QEMU without KVM lacks.
"""

import os

from harness import ROOT, Scenario

# Output that must never appear unless a scenario is about it.
FORBID_EXCEPTION = r"atoll: exception"
FORBID_PANIC = r"PANIC"
# GRUB reports a missing/invalid kernel or module as "error: ..." at the start
# of a line, then loops through its menu until the timeout: fail fast
# instead. Under UEFI, GRUB's multiboot2 loader always prints the harmless
# "error: no suitable video mode found." (no text mode on EFI), so that one
# is allowed.
FORBID_GRUB = r"^error: (?!no suitable video mode found)"
# A failed user-level test (services/lib/test.c prints "FAIL <name>: ...").
FORBID_USER_FAIL = r"^FAIL "
# A test domain (services/crasher) whose forbidden write went through.
FORBID_DOMAIN_FAIL = r"^crasher: FAIL"
FORBID = [FORBID_EXCEPTION, FORBID_PANIC, FORBID_GRUB, FORBID_USER_FAIL, FORBID_DOMAIN_FAIL]
# A remapping unit that was skipped or whose invalidation hung, or a DMAR
# the parser had to warn about.
FORBID_IOMMU_TROUBLE = (
    r"^iommu: unit .*(skipped|stuck|failed|did not latch)|^atoll: warning: dmar: "
    r"|^iommu: interrupt remapping off"
)

BOOT_CMDLINE = "console=ttyS0 atoll.exit=1"

# The root task: today a user-level kernel test runner. It ends by touching
# kernel memory on purpose, which must suspend it and leave the kernel up.
# The root task, and a second module it checks it can read (bootinfo
# module list, read-only mapping).
INIT = [
    (os.path.join(ROOT, "build", "services", "init.elf"), "init"),
    (os.path.join(ROOT, "ci", "data", "testmodule.txt"), "testmodule extra words"),
    (os.path.join(ROOT, "build", "services", "hello.elf"), "hello"),
    (os.path.join(ROOT, "build", "services", "crasher.elf"), "crasher"),
    (os.path.join(ROOT, "build", "services", "ping.elf"), "ping"),
    (os.path.join(ROOT, "build", "services", "pong.elf"), "pong"),
]
INIT_EXPECT = [
    r"^init: (\d+) passed, 0 failed",
    r"atoll: user fault: thread init: page fault .* address 0xffffffff80200000; thread suspended",
    r"atoll: no threads left to run",
]

QEMU_BIOS_TIMEOUT = 60
QEMU_UEFI_TIMEOUT = 90
BOCHS_TIMEOUT = 300  # Bochs runs about 100M instructions per second

# Debian's Bochs 2.7 is built with SMP support (count=2 boots); two CPUs
# also exercise the x2APIC start-up path, which QEMU cannot.
BOCHS_CPUS = 2

SCENARIOS = [
    Scenario(
        name="bochs-vmx",
        emulator="bochs",
        description="VT-x feature detection on Bochs corei7_skylake_x (listed first: longest)",
        smp=BOCHS_CPUS,
        cmdline=BOOT_CMDLINE,
        modules=INIT,
        expect=[
            r"ept=yes vpid=yes unrestricted=yes",
            r"atoll: lapic x2apic",
            r"atoll: timer tsc-deadline",
            r"^vtx: VMXON on %d cores" % BOCHS_CPUS,
            r"atoll: ready cpus=%d .* vmx=yes" % BOCHS_CPUS,
        ]
        + INIT_EXPECT,
        forbid=FORBID,
        timeout=BOCHS_TIMEOUT,
    ),
    Scenario(
        name="qemu-bios-1cpu",
        emulator="qemu",
        description="SeaBIOS boot, uniprocessor, no IOMMU present",
        smp=1,
        cmdline=BOOT_CMDLINE,
        modules=INIT,
        expect=[r"^iommu: no DMAR table", r"atoll: ready cpus=1 .*iommu=no"] + INIT_EXPECT,
        forbid=FORBID,
        timeout=QEMU_BIOS_TIMEOUT,
    ),
    Scenario(
        name="qemu-bios-4cpu",
        emulator="qemu",
        description="SeaBIOS boot, 4 CPUs brought up",
        smp=4,
        cmdline=BOOT_CMDLINE,
        modules=INIT,
        expect=[r"atoll: ready cpus=4 "] + INIT_EXPECT,
        forbid=FORBID,
        timeout=QEMU_BIOS_TIMEOUT,
    ),
    Scenario(
        name="qemu-uefi-2cpu",
        emulator="qemu",
        description="OVMF (UEFI) boot through GRUB's EFI image, 2 CPUs",
        smp=2,
        uefi=True,
        cmdline=BOOT_CMDLINE,
        modules=INIT,
        expect=[r"atoll: ready cpus=2 "] + INIT_EXPECT,
        forbid=FORBID,
        timeout=QEMU_UEFI_TIMEOUT,
    ),
    Scenario(
        name="qemu-iommu",
        emulator="qemu",
        description="intel-iommu (VT-d, interrupt remapping) is found and brought up: "
        "root table, queued invalidation proven by a wait descriptor, interrupt remapping "
        "(the PIT through a remapped IOAPIC entry, edu's MSI through its own entry and "
        "blocked through another function's); init's DMA tests with QEMU's edu device in "
        "an IOSpace",
        smp=2,
        iommu=True,
        qemu_args=["-device", "edu"],
        cmdline=BOOT_CMDLINE,
        modules=INIT,
        expect=[
            r"^iommu: dmar haw 39 flags 0x1: 1 units, 7 device scopes, 0 rmrrs, 0 warnings",
            r"^iommu: unit 0 at 0xfed90000 ver 1\.0 sagaw 0x[0-9a-f]+ mgaw \d+ qi=yes ir=yes cm=yes",
            r"^iommu: unit 0: root table at 0x[0-9a-f]+, queued invalidation on, wait descriptor "
            r"completed",
            r"^iommu: 1 of 1 units up",
            r"^iommu: interrupt remapping on: 256 entries, xapic destinations, source ids "
            r"verified, compatibility format blocked",
            r"atoll: ready cpus=2 .*iommu=yes",
            r"^iommu: unit 0: translation on",
            r"^init: iommu fault: edu \(00:[0-9a-f]{2}\.0\) write to 0x[0-9a-f]+, reason \d+",
            r"^init: iommu: MSI from edu through 00:1f\.0's remapping entry blocked",
        ]
        + INIT_EXPECT,
        forbid=FORBID + [FORBID_IOMMU_TROUBLE],
        timeout=QEMU_BIOS_TIMEOUT,
    ),
    Scenario(
        name="qemu-doublefault",
        emulator="qemu",
        description="a #PF on an unmapped stack escalates to #DF, handled on its IST stack",
        smp=2,
        cmdline="console=ttyS0 atoll.test=doublefault",
        expect=[r"exception #DF vector=8", r"rsp=0x00000000dead0000", r"atoll: halted"],
        forbid=[r"atoll: ready", FORBID_PANIC, FORBID_GRUB],
        timeout=QEMU_BIOS_TIMEOUT,
    ),
    Scenario(
        name="qemu-pagefault",
        emulator="qemu",
        description="a deliberate #PF at 0xdead0000 is reported and halts",
        smp=1,
        cmdline="console=ttyS0 atoll.test=pagefault",
        expect=[
            r"exception #PF vector=14",
            r"cr2=0x00000000dead0000",
            r"atoll: halted",
        ],
        forbid=[r"atoll: ready", FORBID_PANIC, FORBID_GRUB],
        timeout=QEMU_BIOS_TIMEOUT,
    ),
]

# The system-call fuzzer (services/fuzz) as the root task: two workers (one
# per core) make at least a million random system calls on a sandbox CNode
# holding a capability to every object type; the kernel must stay up and
# its invariant checker pass during (once per epoch) and after the run. The
# program counts the calls itself and prints "fuzz: FAIL" if anything of
# its own went wrong. About 15 s on an idle 2-core host; other emulators
# running at the same time slow it down a lot (a vCPU holding the big kernel
# lock gets descheduled by the host while the other spins): 40-250 s seen
# with a host load average of 4-8, hence the timeout.
FUZZ_TIMEOUT = 480
SCENARIOS.append(
    Scenario(
        name="qemu-syscall-fuzz",
        emulator="qemu",
        description="a million random system calls on every object type, 2 cores",
        smp=2,
        cmdline=BOOT_CMDLINE,
        modules=[(os.path.join(ROOT, "build", "services", "fuzz.elf"), "init")],
        expect=[
            r"atoll: ready cpus=2 ",
            r"^fuzz: (\d{7,}) invocations",
            r"atoll: invariants ok",
            r"^fuzz: done",
            r"atoll: no threads left to run",
        ],
        forbid=[
            r"INVARIANT VIOLATED",
            FORBID_EXCEPTION,
            FORBID_PANIC,
            FORBID_GRUB,
            r"atoll: kernel bug",
            r"^fuzz: FAIL",
            # The supervisor itself faulted: nothing would end the run.
            r"thread init: .*thread suspended|fault \d+ in thread init \(",
        ],
        timeout=FUZZ_TIMEOUT,
    )
)

SYSTEM_PING = r"^ping: 10 round trips, server answered 42 \(label 2\)"
SYSTEM_CRASH = r"^init: domain crasher: fault 4 at address 0x10000000 "

# init as the system loader: a system spec among the boot modules makes it
# build that system (ci/data/components.toml) instead of running the tests,
# then report faults by domain name.
SCENARIOS.append(
    Scenario(
        name="qemu-system",
        emulator="qemu",
        description="init loads a system from its spec: domains, shared memory, channels",
        smp=1,
        cmdline=BOOT_CMDLINE,
        modules=[
            (os.path.join(ROOT, "build", "services", "init.elf"), "init"),
            (os.path.join(ROOT, "build", "ci", "components.spec"), "system.spec"),
            (os.path.join(ROOT, "build", "services", "ping.elf"), "ping.elf"),
            (os.path.join(ROOT, "build", "services", "pong.elf"), "pong.elf"),
            (os.path.join(ROOT, "build", "services", "crasher.elf"), "crasher.elf"),
        ],
        expect=[
            r"^init: system: 3 domains, 1 regions, 2 channels started",
            # Both, in either order: ping and crasher share a priority.
            r"(?s)(%s.*%s|%s.*%s)" % (SYSTEM_PING, SYSTEM_CRASH, SYSTEM_CRASH, SYSTEM_PING),
        ],
        forbid=FORBID + [r"^init: system not started", r"^init: domain (ping|pong):"],
        timeout=QEMU_BIOS_TIMEOUT,
    )
)

# The e1000 driver confined by VT-d (services/init/test_e1000.c): QEMU's
# 82540EM on a tap in a network namespace the harness makes for the run
# (tap at 10.69.0.1, the driver is 10.69.0.2). ARP and ping to the tap's
# Linux stack through rings in an IOSpace, then three DMAs outside it
# (into a frame of init's, into and out of a kernel page) blocked and
# reported, then a NIC reset and ARP again, then Unbind while it runs (its
# ring fetch blocked). QEMU's e1000 takes no frame
# for a second after receive is enabled, twice here.
E1000_FAULT = r"^init: iommu fault: e1000 \(00:[0-9a-f]{2}\.0\) "
SCENARIOS.append(
    Scenario(
        name="qemu-e1000",
        emulator="qemu",
        description="e1000 driver in an IOSpace: ARP/ping to a tap in a netns, hostile DMA "
        "blocked and reported, NIC reset",
        smp=2,
        iommu=True,
        tap_net="10.69.0",
        nic="e1000",
        cmdline=BOOT_CMDLINE,
        modules=INIT,
        expect=[
            r"atoll: ready cpus=2 .*iommu=yes",
            r"^init: e1000: 00:[0-9a-f]{2}\.0 in an IOSpace, rings and buffers at iova 0x40000000, "
            r"mac 52:54:00:12:34:56, receive polled",
            r"^init: e1000: arp reply: 10\.69\.0\.1 is at ([0-9a-f]{2}:){5}[0-9a-f]{2}$",
            r"^init: e1000: echo reply from 10\.69\.0\.1: seq 1, 32 bytes",
            r"^init: e1000: 50 of 50 echo replies in a row \(rings wrapped\)",
            r"^init: e1000: receive interrupt on GSI \d+ \(INTx, level\): Wait woke with the ARP "
            r"reply in the ring",
            E1000_FAULT + r"write to 0x[0-9a-f]+, reason \d+",
            E1000_FAULT + r"write to 0x210000, reason \d+",
            E1000_FAULT + r"read from 0x210000, reason \d+",
            r"^init: e1000: arp reply: 10\.69\.0\.1 is at ",
            r"^init: e1000: after 3 blocked DMAs and a reset the NIC sends and receives",
            # Unbound while running: not even its transmit ring (no context entry).
            E1000_FAULT + r"read from 0x40000000, reason 2$",
        ]
        + INIT_EXPECT,
        forbid=FORBID + [FORBID_IOMMU_TROUBLE],
        timeout=180,
    )
)

# The same NIC and tap without intel-iommu: the driver is not started (it
# runs only with its device in an IOSpace), and nothing else breaks.
SCENARIOS.append(
    Scenario(
        name="qemu-e1000-no-iommu",
        emulator="qemu",
        description="e1000 on a tap but no IOMMU: the driver refuses to run unconfined",
        smp=1,
        tap_net="10.69.0",
        nic="e1000",
        cmdline=BOOT_CMDLINE,
        modules=INIT,
        expect=[
            r"^iommu: no DMAR table",
            r"atoll: ready cpus=1 .*iommu=no",
            r"^init: e1000: 00:[0-9a-f]{2}\.0 not started: no remapping unit is up, and the "
            r"driver runs only with its device in an IOSpace",
        ]
        + INIT_EXPECT,
        forbid=FORBID + [r"^init: e1000: arp reply"],
        timeout=QEMU_BIOS_TIMEOUT,
    )
)

# ---- systems from descriptions (docs/system-description.md) ----
#
# Each boots init with a spec the Makefile compiled with tools/atoll-sdc
# (build/examples/NAME.spec from examples/NAME.toml, build/ci/NAME.spec
# from ci/data/NAME.toml, images checked) and every image the description
# names, as boot modules named by file name.

SYSTEM_FORBID = FORBID + [
    r"^init: system not started",
    # Any other loader line than the start: a refusal or a warning (but
    # the warning that qemu-system-device-unsafe is about).
    r"^init: system: (?!\d+ domains, .* started|device \S+ \(.*\): .* passed through WITHOUT DMA "
    r"isolation \(unsafe_no_iommu\)$)",
    r"^init: domain \S+: fault",
]


def system_modules(toml_path, spec_path):
    import tomllib

    with open(toml_path, "rb") as f:
        desc = tomllib.load(f)
    modules = [
        (os.path.join(ROOT, "build", "services", "init.elf"), "init"),
        (spec_path, "system.spec"),
    ]
    images = sorted({d["image"] for d in desc.get("domain", [])})
    for image in images:
        candidates = [os.path.join(ROOT, "build", "services", image),
                      os.path.join(ROOT, "build", "services", "drivers", image)]
        found = [c for c in candidates if os.path.exists(c)]
        modules.append((found[0] if found else candidates[0], image))
    return modules


def system_scenario(name, toml, description, expect, smp=1, forbid=(), **kw):
    base = os.path.splitext(os.path.basename(toml))[0]
    kind = "examples" if toml.startswith("examples/") else "ci"
    spec = os.path.join(ROOT, "build", kind, base + ".spec")
    return Scenario(
        name=name,
        emulator="qemu",
        description=description,
        smp=smp,
        cmdline=BOOT_CMDLINE,
        modules=system_modules(os.path.join(ROOT, toml), spec),
        expect=list(expect),
        forbid=SYSTEM_FORBID + list(forbid),
        timeout=QEMU_BIOS_TIMEOUT,
        **kw,
    )


SCENARIOS += [
    system_scenario(
        "qemu-example-pingpong", "examples/pingpong.toml",
        "examples/pingpong.toml: notifications both ways, then a call",
        [r"^init: system: 2 domains, 0 regions, 2 channels started", SYSTEM_PING],
    ),
    system_scenario(
        "qemu-example-ppc", "examples/ppc.toml",
        "examples/ppc.toml: a passive server called by two clients, one per core",
        [r"^counter: ready \(passive\)",
         r"^init: system: 3 domains, 0 regions, 2 channels started",
         # Both clients report, and the counter saw all ten calls (its
         # line may come before the first client's report or after).
         r"(?s)(?=.*^counter: call 10, total 100$)(.*?^client: 5 calls, 0 bad$){2}"],
        smp=2,
        forbid=[r"runs on core 0"],
    ),
    system_scenario(
        "qemu-example-prodcons", "examples/prodcons.toml",
        "examples/prodcons.toml: 8 rounds of 64 KiB through a shared region",
        [r"^init: system: 2 domains, 1 regions, 1 channels started",
         r"^consumer: 8 rounds checked, 0 bad words",
         r"^producer: 8 rounds of 64 KiB handed over"],
    ),
    # The serial driver owns COM1 (ports and IRQ 4): a line typed on the
    # console is echoed by the driver and read by its client, which answers
    # through the driver.
    system_scenario(
        "qemu-example-serial", "examples/serial.toml",
        "examples/serial.toml: the serial driver echoes a typed line to its client",
        [r"^serial: COM1 driver ready",
         r"^init: system: 2 domains, 2 regions, 1 channels started",
         r"^readline: type a line",
         r"^hello atoll$",
         # Its printf goes through the driver (item 6 of issue 5).
         r"^readline: line 1: 'hello atoll' \(11 bytes\); [1-9]\d* bytes printed through "
         r"the console"],
        serial_input=[(r"readline: type a line\n", "hello atoll\r")],
    ),
    # A domain that never yields cannot keep one of the same priority
    # from its budget.
    system_scenario(
        "qemu-system-spinner", "ci/data/spinner.toml",
        "a spinning domain does not starve another of the same priority",
        [r"^init: system: 2 domains, 0 regions, 0 channels started",
         r"^spinner: spinning forever", r"^worker: step 1 of 5", r"^worker: done"],
    ),
]

SCENARIOS += [
    # The loader's [[ioport]] and [[irq]]: exact ranges in the described
    # slots, an interrupt as a channel acknowledged by waiting again.
    system_scenario(
        "qemu-system-ports", "ci/data/ports.toml",
        "init gives a domain exact I/O port ranges and an interrupt as a channel",
        [r"^init: system: 1 domains, 0 regions, 0 channels started",
         r"^porttest: I/O port ranges exact, 0 failures",
         r"^porttest: 5 PIT interrupts on channel 3"],
        forbid=[r"^porttest: FAIL"],
    ),
    # init checks again at boot what the compiler cannot know: ISA IRQ 0 is
    # GSI 2 on a PC, so the second entry names an interrupt already given.
    Scenario(
        name="qemu-system-irq-conflict",
        emulator="qemu",
        description="init refuses an interrupt given twice under two names",
        cmdline=BOOT_CMDLINE,
        modules=system_modules(os.path.join(ROOT, "ci", "data", "irq_conflict.toml"),
                               os.path.join(ROOT, "build", "ci", "irq_conflict.spec")),
        expect=[r"^init: system: domain second: ISA IRQ 0 on channel 1 failed \(error \d+\)",
                r"^init: system not started"],
        forbid=FORBID + [r"^init: system: \d+ domains", r"^worker: "],
        timeout=QEMU_BIOS_TIMEOUT,
    ),
]

SCENARIOS.append(
    # A client that corrupts its console ring hurts only itself: the driver
    # drops it and still echoes and delivers a typed line to readline.
    system_scenario(
        "qemu-system-console-abuse", "ci/data/console_abuse.toml",
        "the serial driver drops a client with a corrupt ring and serves the others",
        [r"^scribbler: one honest line first",
         r"^serial: client 1: console ring corrupt, client dropped",
         r"^hello again$",
         r"^readline: line 1: 'hello again' \(11 bytes\)"],
        serial_input=[(r"client dropped\n", "hello again\r")],
    )
)

# ---- PCI devices passed through by the loader (issue 6) ----
#
# QEMU's edu device at 00:05.0 given to `eduprobe` (ci/data/edu.toml): with
# intel-iommu it is bound to an IOSpace that the domain receives, its BAR0
# is mapped, and its MSI arrives on channel 5 through a remapping entry.
# Without intel-iommu the same description is refused with the documented
# message (docs/vtd.md) and nothing starts; with unsafe_no_iommu = true it
# is passed through unconfined, with a warning.
EDU_ARGS = ["-device", "edu,addr=0x5"]
EDU_BAR = r"^eduprobe: BAR0: id 0x10000ed, liveness ok, 5! = 120"
SCENARIOS += [
    system_scenario(
        "qemu-system-device", "ci/data/edu.toml",
        "the loader binds a PCI device to an IOSpace, maps its BAR, routes its MSI",
        [r"^iommu: interrupt remapping on",
         r"^init: system: 1 domains, 1 regions, 0 channels started",
         EDU_BAR, r"^eduprobe: MSI on channel 5", r"^eduprobe: IOSpace capability present"],
        iommu=True,
        qemu_args=EDU_ARGS,
        forbid=[r"^eduprobe: FAIL", r"WRONG"],
    ),
    system_scenario(
        "qemu-system-device-unsafe", "ci/data/edu_unsafe.toml",
        "without an IOMMU, unsafe_no_iommu passes the device through with a warning",
        [r"^init: system: device edu \(00:05\.0\): no IOMMU is up \(no DMAR table, or no "
         r"remapping unit came up\); passed through WITHOUT DMA isolation \(unsafe_no_iommu\)",
         EDU_BAR],
        qemu_args=EDU_ARGS,
        forbid=[r"^eduprobe: FAIL", r"WRONG"],
    ),
]
# The refusal: the same system as qemu-system-device on a machine without
# an IOMMU.
SCENARIOS.append(
    Scenario(
        name="qemu-system-device-no-iommu",
        emulator="qemu",
        description="without an IOMMU the loader refuses to pass a device through",
        cmdline=BOOT_CMDLINE,
        qemu_args=EDU_ARGS,
        modules=system_modules(os.path.join(ROOT, "ci", "data", "edu.toml"),
                               os.path.join(ROOT, "build", "ci", "edu.spec")),
        expect=[r"^init: system: device edu \(00:05\.0\): no IOMMU is up \(no DMAR table, or no "
                r"remapping unit came up\); passthrough refused: its DMA could reach all of "
                r"memory \(unsafe_no_iommu = true would allow it\)",
                r"^init: system not started"],
        forbid=FORBID + [r"^init: system: \d+ domains", r"^eduprobe: "],
        timeout=QEMU_BIOS_TIMEOUT,
    )
)

# The e1000 driver as a component of a described system
# (ci/data/e1000.toml): the loader binds the NIC to its IOSpace, maps its
# registers and its DMA area (into the driver and, at IOVA 0x40000000,
# into the IOSpace); the driver asks the tap's address by ARP and pings it.
SCENARIOS.append(
    system_scenario(
        "qemu-e1000-component", "ci/data/e1000.toml",
        "the e1000 driver component in its IOSpace: ARP and ping to a tap in a netns",
        [r"^iommu: interrupt remapping on",
         r"^init: system: 1 domains, 2 regions, 0 channels started",
         r"^e1000: component up, mac 52:54:00:12:34:56, rings at iova 0x40000000",
         r"^e1000: arp reply: 10\.70\.0\.1 is at ([0-9a-f]{2}:){5}[0-9a-f]{2}$",
         r"^e1000: echo reply from 10\.70\.0\.1"],
        iommu=True,
        tap_net="10.70.0",
        nic="e1000",
        forbid=[r"^e1000: FAIL", r"^init: iommu fault"],
    )
)

# The same with the DMA area misplaced in the IOSpace
# (ci/data/e1000_misplaced.toml): the NIC's first descriptor fetch is
# blocked and init, which watches the IOMMU's fault records for the
# system, names the device.
SCENARIOS.append(
    system_scenario(
        "qemu-e1000-component-misplaced", "ci/data/e1000_misplaced.toml",
        "a driver whose rings are not in its IOSpace: the NIC's DMA is blocked and reported",
        [r"^init: system: 1 domains, 2 regions, 0 channels started",
         r"^e1000: component up",
         r"^init: iommu fault: nic \(00:02\.0\) read from 0x40000000, reason \d+"],
        iommu=True,
        tap_net="10.70.0",
        nic="e1000",
        forbid=[r"^e1000: arp reply"],
    )
)

# The release kernel (build/release/kernel.elf: only the root task may use
# the kernel's debug console) with the serial console system: readline's
# output, and the line typed, come through the serial driver's rings; the
# driver's own status line, which would need the kernel's debug console,
# is refused (and so must not appear).
SCENARIOS.append(
    system_scenario(
        "qemu-release-serial", "examples/serial.toml",
        "release kernel: components print only through the serial driver",
        [r"^init: system: 2 domains, 2 regions, 1 channels started",
         r"^readline: type a line",
         r"^hello atoll$",
         r"^readline: line 1: 'hello atoll' \(11 bytes\); [1-9]\d* bytes printed through "
         r"the console"],
        serial_input=[(r"readline: type a line\n", "hello atoll\r")],
        forbid=[r"^serial: COM1 driver ready"],
        kernel=os.path.join(ROOT, "build", "release", "kernel.elf"),
    )
)
