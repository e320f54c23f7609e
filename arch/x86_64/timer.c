/* The per-core LAPIC timer in one-shot mode (TSC-deadline where the CPU
 * has it, else the LAPIC counter calibrated against the PIT): the
 * scheduler programs it for the next budget expiry or release
 * (kernel/sched.c), and every interrupt re-arms it for the next periodic
 * tick at the latest, so that each core still enters the kernel at least
 * TIMER_TICK_HZ times a second. */
#include "timer.h"
#include "cpu.h"
#include "cpuid_bits.h"
#include "ioapic.h"
#include "lapic.h"
#include "lapic_regs.h"
#include "msr.h"
#include "pit.h"
#include "trap.h"
#include "x86.h"
#include "../../kernel/console.h"
#include "../../kernel/thread.h"

#include <stdatomic.h>

#define CALIBRATION_MS      10u
#define CALIBRATION_RUNS    5u
#define PIT_POLL_LIMIT      100000000u
#define SELFTEST_TICKS      3u
#define SELFTEST_PIT_IRQS   3u
#define SELFTEST_TIMEOUT_US 2000000u
/* Vector for the PIT while its IOAPIC routing is tested. */
#define VEC_PIT_TEST (VEC_IRQ_BASE + PIT_ISA_IRQ)
/* LVT timer mode 00: one-shot (SDM Vol. 3A 10.5.4). */
#define LAPIC_TIMER_ONE_SHOT (0u << 17)

static uint64_t tsc_hz;
static uint64_t lapic_timer_hz; /* after divide-by-16 */
static bool tsc_deadline;
static uint64_t tick_tsc; /* TSC ticks per timer tick */
/* Per core: the TSC at which its timer is due to fire; 0 when it has fired. */
static uint64_t armed[MAX_CPUS];
static atomic_uint pit_irqs;

uint64_t timer_tsc_hz(void)
{
    return tsc_hz;
}

bool timer_uses_tsc_deadline(void)
{
    return tsc_deadline;
}

void timer_udelay(uint64_t us)
{
    uint64_t start = rdtsc();
    uint64_t wait = tsc_hz / 1000000u * us;
    while (rdtsc() - start < wait)
        cpu_pause();
}

/* Runs PIT channel 2 for CALIBRATION_MS once and measures how far the TSC
 * and the LAPIC counter moved meanwhile. Returns false if the PIT never
 * reached terminal count (no PIT: some servers lack one). */
static bool calibrate(uint64_t *tsc_delta, uint32_t *lapic_delta)
{
    uint16_t count = (uint16_t)(PIT_FREQUENCY_HZ / 1000u * CALIBRATION_MS);
    uint8_t portb = inb(PIT_PORT_B);
    outb(PIT_PORT_B, (uint8_t)((portb & ~PIT_PORT_B_SPEAKER) & ~PIT_PORT_B_GATE2));
    outb(PIT_COMMAND, PIT_SELECT_CHANNEL2 | PIT_ACCESS_LOHI | PIT_MODE_TERMINAL);
    outb(PIT_CHANNEL2, count & 0xff);
    outb(PIT_CHANNEL2, count >> 8);

    lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_TIMER_DIVIDE_BY_16);
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
    outb(PIT_PORT_B, (uint8_t)((portb & ~PIT_PORT_B_SPEAKER) | PIT_PORT_B_GATE2));
    uint64_t t0 = rdtsc();
    uint32_t l0 = lapic_read(LAPIC_TIMER_CURRENT);
    uint32_t polls = 0;
    while (!(inb(PIT_PORT_B) & PIT_PORT_B_OUT2)) {
        if (++polls == PIT_POLL_LIMIT)
            break;
    }
    uint64_t t1 = rdtsc();
    uint32_t l1 = lapic_read(LAPIC_TIMER_CURRENT);
    lapic_write(LAPIC_TIMER_INIT, 0);
    outb(PIT_PORT_B, portb);
    *tsc_delta = t1 - t0;
    *lapic_delta = l0 - l1;
    return polls < PIT_POLL_LIMIT;
}

void timer_set_deadline(uint64_t deadline)
{
    uint32_t cpu = this_cpu()->index;
    uint64_t now = rdtsc();
    if (deadline > now + tick_tsc)
        deadline = now + tick_tsc;
    /* An interrupt already due no later does the job: the kernel looks
     * at its deadlines again on the way out of every entry. Skipping the
     * write keeps it off the system-call path. */
    uint64_t pending = armed[cpu];
    if (pending > now && pending <= deadline)
        return;
    armed[cpu] = deadline;
    if (tsc_deadline) {
        /* A deadline already passed fires at once (SDM Vol. 3A 10.5.4.1). */
        wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
        return;
    }
    /* One-shot: the count runs down at lapic_timer_hz; the delta is at
     * most tick_tsc, so the product fits in 64 bits and the count in 32. */
    uint64_t delta = deadline > now ? deadline - now : 0;
    uint64_t count = tsc_hz ? delta * lapic_timer_hz / tsc_hz : 0;
    if (count == 0)
        count = 1;
    if (count > UINT32_MAX)
        count = UINT32_MAX;
    lapic_write(LAPIC_TIMER_INIT, (uint32_t)count);
}

void timer_stop(void)
{
    armed[this_cpu()->index] = 0;
    if (tsc_deadline)
        wrmsr(MSR_IA32_TSC_DEADLINE, 0); /* disarms (SDM Vol. 3A 10.5.4.1) */
    else
        lapic_write(LAPIC_TIMER_INIT, 0); /* stops the count */
}

static void tick_handler(struct trap_frame *f)
{
    (void)f;
    this_cpu()->ticks++;
    /* Fired: keep the periodic tick going; the way out of the kernel
     * moves it earlier for a budget or a release. */
    armed[this_cpu()->index] = 0;
    timer_set_deadline(UINT64_MAX);
    sched_timer_interrupt();
}

void timer_start_tick(void)
{
    armed[this_cpu()->index] = 0;
    if (tsc_deadline) {
        lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_TSC_DEADLINE | VEC_LAPIC_TIMER);
    } else {
        lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_TIMER_DIVIDE_BY_16);
        lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_ONE_SHOT | VEC_LAPIC_TIMER);
    }
    timer_set_deadline(UINT64_MAX);
}

void timer_init(void)
{
    struct cpuid_regs f = cpuid(CPUID_LEAF_FEATURES, 0);
    uint64_t tsc_delta = 0;
    uint32_t lapic_delta = 0;
    /* Under emulation on a busy host a run can be far off either way
     * (the emulator's PIT and TSC follow the host clock, but the poll
     * sees the PIT only when the virtual CPU runs): the median of a few
     * runs, sorted by TSC delta, is the one to trust. */
    uint64_t tsc_runs[CALIBRATION_RUNS];
    uint32_t lapic_runs[CALIBRATION_RUNS];
    unsigned runs = 0;
    while (runs < CALIBRATION_RUNS && calibrate(&tsc_runs[runs], &lapic_runs[runs])) {
        for (unsigned i = runs; i > 0 && tsc_runs[i - 1] > tsc_runs[i]; i--) {
            uint64_t t = tsc_runs[i];
            uint32_t l = lapic_runs[i];
            tsc_runs[i] = tsc_runs[i - 1];
            lapic_runs[i] = lapic_runs[i - 1];
            tsc_runs[i - 1] = t;
            lapic_runs[i - 1] = l;
        }
        runs++;
    }
    if (runs) {
        tsc_delta = tsc_runs[runs / 2];
        lapic_delta = lapic_runs[runs / 2];
    } else {
        /* Without a PIT, fall back to CPUID leaf 0x15 where the CPU gives
         * the crystal ratio (SDM Vol. 3B 18.7.3). */
        struct cpuid_regs t = {0};
        if (cpuid(CPUID_LEAF_VENDOR, 0).eax >= CPUID_LEAF_TSC)
            t = cpuid(CPUID_LEAF_TSC, 0);
        if (!t.eax || !t.ebx || !t.ecx) {
            kprintf("atoll: no PIT and no CPUID TSC frequency: cannot calibrate time\n");
            system_stop(1);
        }
        tsc_delta = (uint64_t)t.ecx * t.ebx / t.eax / 1000u * CALIBRATION_MS;
        lapic_delta = 0;
    }
    tsc_hz = tsc_delta * (1000u / CALIBRATION_MS);
    lapic_timer_hz = (uint64_t)lapic_delta * (1000u / CALIBRATION_MS);
    tsc_deadline = f.ecx & CPUID_1_ECX_TSC_DEADLINE;
    if (!tsc_deadline && !lapic_timer_hz) {
        kprintf("atoll: LAPIC timer did not count during calibration\n");
        system_stop(1);
    }
    tick_tsc = tsc_hz / TIMER_TICK_HZ;
    trap_set_handler(VEC_LAPIC_TIMER, tick_handler);
    kprintf("atoll: timer %s, tsc %lu kHz, lapic timer %lu kHz, tick %u Hz\n",
            tsc_deadline ? "tsc-deadline" : "lapic-oneshot", tsc_hz / 1000u, lapic_timer_hz / 1000u,
            TIMER_TICK_HZ);
    timer_start_tick();
}

static void pit_test_handler(struct trap_frame *f)
{
    (void)f;
    atomic_fetch_add(&pit_irqs, 1);
}

/* Checks that the PIT's ISA IRQ 0, through the MADT override (GSI 2 on
 * most machines) and the IOAPIC, reaches this core. */
static void ioapic_selftest(void)
{
    if (!ioapic_pin_count()) {
        kprintf("atoll: ioapic: none present, routing not tested\n");
        return;
    }
    trap_set_handler(VEC_PIT_TEST, pit_test_handler);
    uint16_t divisor = (uint16_t)(PIT_FREQUENCY_HZ / 1000u); /* 1 kHz */
    outb(PIT_COMMAND, PIT_SELECT_CHANNEL0 | PIT_ACCESS_LOHI | PIT_MODE_RATE);
    outb(PIT_CHANNEL0, divisor & 0xff);
    outb(PIT_CHANNEL0, divisor >> 8);
    if (!ioapic_route_isa(PIT_ISA_IRQ, VEC_PIT_TEST, this_cpu()->apic_id)) {
        kprintf("atoll: warning: ioapic: no pin for ISA IRQ 0\n");
        return;
    }
    uint64_t start = rdtsc();
    uint64_t limit = tsc_hz / 1000000u * SELFTEST_TIMEOUT_US;
    while (atomic_load(&pit_irqs) < SELFTEST_PIT_IRQS && rdtsc() - start < limit)
        cpu_halt();
    ioapic_mask_isa(PIT_ISA_IRQ);
    kprintf("atoll: ioapic: isa irq 0 %s (%u interrupts)\n",
            atomic_load(&pit_irqs) >= SELFTEST_PIT_IRQS ? "delivered" : "NOT delivered",
            atomic_load(&pit_irqs));
}

void timer_selftest(void)
{
    uint64_t start = rdtsc();
    uint64_t limit = tsc_hz / 1000000u * SELFTEST_TIMEOUT_US;
    while (this_cpu()->ticks < SELFTEST_TICKS && rdtsc() - start < limit)
        cpu_halt();
    kprintf("atoll: timer: %lu ticks %s\n", this_cpu()->ticks,
            this_cpu()->ticks >= SELFTEST_TICKS ? "ok" : "MISSING");
    ioapic_selftest();
}
