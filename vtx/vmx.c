/* VMXON on every core; see vmx.h. */
#include "vmx.h"
#include "vmcs_fields.h"
#include "vmcs_policy.h"
#include "vmx_insn.h"
#include "vmx_msr.h"
#include "../arch/x86_64/bootmem.h"
#include "../arch/x86_64/cpu.h"
#include "../arch/x86_64/lapic.h"
#include "../arch/x86_64/lapic_regs.h"
#include "../arch/x86_64/timer.h"
#include "../arch/x86_64/trap.h"
#include "../arch/x86_64/msr.h"
#include "../arch/x86_64/paging.h"
#include "../arch/x86_64/x86.h"
#include "../kernel/console.h"

#include <stdatomic.h>

static struct vmx_caps caps;
static struct vmx_controls controls;
/* Bumped by every invalidation; each core's last flush (vmx.h). */
static uint64_t flush_generation = 1;
static uint64_t flushed_generation[MAX_CPUS];
/* Per core: the VMCS it is asked to VMCLEAR, 0 when none. */
static _Atomic uint64_t clear_request[MAX_CPUS];
/* Per core: it runs a guest, without the kernel lock (vcpu_vmenter). */
static _Atomic bool in_guest[MAX_CPUS];
static void clear_ipi(struct trap_frame *f);

/* Re-send the IPI this often to a core that has not answered, and give up
 * after this long (as tlb.c does). */
#define CLEAR_RESEND_PER_SECOND 100
#define CLEAR_TIMEOUT_S         10
#define CLEAR_FALLBACK_TSC_HZ   UINT64_C(1000000000)
/* Cores in VMX root operation, and whether one of them failed. */
static atomic_uint cores_on;
static atomic_bool core_failed;
static const char *failure_reason;

/* SDM Vol. 3C 23.7: VMXON needs IA32_FEATURE_CONTROL locked with VMX
 * allowed outside SMX. Firmware that left it unlocked lets the kernel set
 * and lock it; locked without the bit, VMX cannot be used until reset. */
static bool feature_control_allow_vmx(void)
{
    uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
    if (fc & FEATURE_CONTROL_LOCKED)
        return (fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX) != 0;
    wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_VMX_OUTSIDE_SMX | FEATURE_CONTROL_LOCKED);
    return true;
}

static void fail(uint32_t cpu, const char *why)
{
    kprintf("vtx: cpu %u: %s\n", cpu, why);
    if (!atomic_exchange(&core_failed, true))
        failure_reason = why;
}

/* SDM Vol. 3C 23.8: CR0 and CR4 must hold the fixed bits of
 * IA32_VMX_CR0/CR4_FIXED0/1 in VMX operation (CR4.VMXE among them). */
static void cpu_enable(void)
{
    uint32_t cpu = this_cpu()->index;
    if (!feature_control_allow_vmx()) {
        fail(cpu, "VMX disabled by firmware (IA32_FEATURE_CONTROL locked)");
        return;
    }
    uint64_t cr0 = (read_cr0() | rdmsr(MSR_IA32_VMX_CR0_FIXED0)) & rdmsr(MSR_IA32_VMX_CR0_FIXED1);
    write_cr0(cr0);
    uint64_t cr4 =
        (read_cr4() | CR4_VMXE | rdmsr(MSR_IA32_VMX_CR4_FIXED0)) & rdmsr(MSR_IA32_VMX_CR4_FIXED1);
    if (!(cr4 & CR4_VMXE)) {
        fail(cpu, "CR4.VMXE cannot be set");
        return;
    }
    write_cr4(cr4);

    uint64_t region = bootmem_alloc_page();
    *(volatile uint32_t *)phys_to_virt(region) = caps.revision & VMCS_REVISION_MASK;
    switch (vmxon(region)) {
    case VMX_OK:
        atomic_fetch_add(&cores_on, 1);
        return;
    case VMX_FAIL_INVALID:
        fail(cpu, "VMXON failed (VMfailInvalid)");
        return;
    case VMX_FAIL_VALID:
        fail(cpu, "VMXON failed (VMfailValid)");
        return;
    }
}

static bool control_setting(uint32_t msr, uint32_t want, uint32_t *out)
{
    return vmx_control_setting(rdmsr(msr), want, out);
}

/* What every guest gets (docs/kernel.md, "VT-x"): host interrupts and
 * NMIs leave the guest; HLT, MWAIT, MONITOR and RDPMC exit; so does MOV to
 * or from CR8, which without a TPR shadow would reach the host's task
 * priority (SDM Vol. 3C 25.3); I/O ports and MSRs go through the VCPU's
 * bitmaps, which start all set (everything exits); RDTSC and RDMSR of
 * the TSC see the VMM's TSC offset (0 until it writes one); EPT, VPID and
 * unrestricted guest; EFER switched on entry and exit. Interrupt-window
 * exiting must be available (the VMM asks for it per VMEnter, vcpu.c);
 * NMI-window exiting, which needs virtual NMIs, where the CPU has it. */
static const char *compute_controls(void)
{
    bool true_ctls = caps.basic & VMX_BASIC_TRUE_CTLS;
    if (!control_setting(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS,
                         PIN_EXTERNAL_INTERRUPT_EXITING | PIN_NMI_EXITING, &controls.pin))
        return "pin-based controls";
    uint32_t with_virtual_nmis;
    if (control_setting(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS,
                        controls.pin | PIN_VIRTUAL_NMIS, &with_virtual_nmis))
        controls.pin = with_virtual_nmis;
    /* The VMX preemption timer bounds every guest run (vcpu.c), also
     * where a host interrupt would not end it (Bochs 2.7 does not exit on
     * one while the guest's RFLAGS.IF is clear). */
    uint32_t with_timer;
    if (caps.preemption_timer &&
        control_setting(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS,
                        controls.pin | PIN_PREEMPTION_TIMER, &with_timer)) {
        controls.pin = with_timer;
        controls.preemption_timer_shift =
            (unsigned)(rdmsr(MSR_IA32_VMX_MISC) & VMX_MISC_PREEMPTION_RATE_MASK);
    }
    if (!control_setting(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS,
                         PROC_HLT_EXITING | PROC_MWAIT_EXITING | PROC_RDPMC_EXITING |
                             PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING | PROC_USE_IO_BITMAPS |
                             PROC_USE_MSR_BITMAPS | PROC_MONITOR_EXITING | PROC_USE_TSC_OFFSETTING |
                             PROC_SECONDARY_CONTROLS,
                         &controls.proc))
        return "processor-based controls";
    uint32_t window;
    uint32_t proc_msr = true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS;
    if (!control_setting(proc_msr, controls.proc | PROC_INTERRUPT_WINDOW_EXITING, &window) ||
        (controls.proc & (PROC_INTERRUPT_WINDOW_EXITING | PROC_NMI_WINDOW_EXITING)))
        return "interrupt-window exiting";
    controls.nmi_window =
        (controls.pin & PIN_VIRTUAL_NMIS) &&
        control_setting(proc_msr, controls.proc | PROC_NMI_WINDOW_EXITING, &window);
    if (!control_setting(MSR_IA32_VMX_PROCBASED_CTLS2,
                         PROC2_ENABLE_EPT | PROC2_ENABLE_VPID | PROC2_UNRESTRICTED,
                         &controls.proc2))
        return "secondary controls";
    /* WBINVD flushes the host's caches too: exit where the CPU can. */
    uint32_t with_wbinvd;
    if (control_setting(MSR_IA32_VMX_PROCBASED_CTLS2, controls.proc2 | PROC2_WBINVD_EXITING,
                        &with_wbinvd))
        controls.proc2 = with_wbinvd;
    if (!control_setting(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS,
                         EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_EFER | EXIT_LOAD_EFER,
                         &controls.exit))
        return "VM-exit controls";
    if (!control_setting(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS,
                         ENTRY_LOAD_EFER, &controls.entry))
        return "VM-entry controls";
    /* Guests start in real mode and may enter long mode: the VMM's EFER
     * decides this bit at each entry (vcpu.c), so it must be free. */
    if (controls.entry & ENTRY_IA32E_MODE_GUEST)
        return "IA-32e mode guest forced on";
    controls.cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
    controls.cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
    controls.cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
    controls.cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
    if (!(caps.ept_vpid_cap & EPT_CAP_INVEPT) || !(caps.ept_vpid_cap & EPT_CAP_INVEPT_ALL) ||
        !(caps.ept_vpid_cap & EPT_CAP_INVVPID) || !(caps.ept_vpid_cap & EPT_CAP_INVVPID_ALL))
        return "INVEPT/INVVPID all-context";
    return NULL;
}

void vmx_init_bsp(void)
{
    vmx_caps_read(&caps);
    vmx_caps_report(&caps);
    if (caps.usable) {
        const char *missing = compute_controls();
        if (missing) {
            caps.usable = false;
            caps.reason = "a needed VMX control is not available";
            kprintf("atoll: vmx=no (%s: %s)\n", caps.reason, missing);
        }
    }
    /* A VMXON region must hold what IA32_VMX_BASIC asks for (A.1). */
    uint64_t region_bytes = (caps.basic >> VMX_BASIC_SIZE_SHIFT) & VMX_BASIC_SIZE_MASK;
    if (caps.usable && region_bytes > PAGE_SIZE) {
        caps.usable = false;
        caps.reason = "VMXON region larger than a page";
        kprintf("atoll: vmx=no (%s)\n", caps.reason);
    }
    if (caps.usable) {
        trap_set_handler(VEC_IPI_VMCLEAR, clear_ipi);
        cpu_enable();
    }
}

void vmx_init_ap(void)
{
    if (caps.usable)
        cpu_enable();
}

void vmx_report_cores(void)
{
    if (!caps.usable)
        return; /* vmx_caps_report has said why */
    if (atomic_load(&core_failed)) {
        caps.usable = false;
        caps.reason = failure_reason;
        kprintf("atoll: vmx=no (%s)\n", caps.reason);
        return;
    }
    if (atomic_load(&cores_on) != cpu_online_count()) {
        caps.usable = false;
        caps.reason = "VMXON did not run on every core";
        kprintf("atoll: vmx=no (%s)\n", caps.reason);
        return;
    }
    kprintf("vtx: VMXON on %u cores\n", atomic_load(&cores_on));
}

bool vmx_usable(void)
{
    return caps.usable;
}

const struct vmx_caps *vmx_capabilities(void)
{
    return &caps;
}

const struct vmx_controls *vmx_controls(void)
{
    return &controls;
}

static void flush_this_core(void)
{
    invept(INVEPT_ALL_CONTEXT, 0);
    invvpid(INVVPID_ALL_CONTEXT, 0);
    flushed_generation[this_cpu()->index] = flush_generation;
}

void vmx_invalidate_guest_translations(void)
{
    if (!caps.usable)
        return;
    flush_generation++;
    flush_this_core();
    vmx_kick_guests();
}

void vmx_guest_running(bool running)
{
    atomic_store(&in_guest[this_cpu()->index], running);
}

void vmx_kick_core(uint32_t core)
{
    if (core < MAX_CPUS && core != this_cpu()->index && atomic_load(&in_guest[core]))
        lapic_send_ipi(percpu_area[core].apic_id, ICR_FIXED | VEC_IPI_VMCLEAR);
}

void vmx_kick_guests(void)
{
    uint32_t self = this_cpu()->index;
    uint64_t hz = timer_tsc_hz() ? timer_tsc_hz() : CLEAR_FALLBACK_TSC_HZ;
    for (uint32_t core = 0; core < MAX_CPUS; core++) {
        if (core == self || !atomic_load(&in_guest[core]))
            continue;
        /* Any vector makes the guest exit (external-interrupt exiting is
         * always on); the VMCLEAR one finds no request and does nothing. */
        uint64_t start = rdtsc(), last_send = 0;
        while (atomic_load(&in_guest[core])) {
            uint64_t now = rdtsc();
            if (!last_send || now - last_send > hz / CLEAR_RESEND_PER_SECOND) {
                lapic_send_ipi(percpu_area[core].apic_id, ICR_FIXED | VEC_IPI_VMCLEAR);
                last_send = now;
            }
            if (now - start > hz * CLEAR_TIMEOUT_S) {
                kprintf_emergency("vtx: cpu %u did not leave its guest in %u s\n", core,
                                  CLEAR_TIMEOUT_S);
                system_stop(1);
            }
            cpu_pause();
        }
    }
}

void vmx_clear_poll(void)
{
    uint32_t self = this_cpu()->index;
    uint64_t vmcs = atomic_load_explicit(&clear_request[self], memory_order_acquire);
    if (!vmcs)
        return;
    vmclear(vmcs);
    atomic_store_explicit(&clear_request[self], 0, memory_order_release);
}

/* Only brings the core into the kernel, where vmx_clear_poll() answers;
 * under the lock later it finds nothing left to do. */
static void clear_ipi(struct trap_frame *f)
{
    (void)f;
    vmx_clear_poll();
}

void vmx_clear_on_core(uint32_t core, uint64_t vmcs)
{
    atomic_store_explicit(&clear_request[core], vmcs, memory_order_release);
    uint64_t hz = timer_tsc_hz() ? timer_tsc_hz() : CLEAR_FALLBACK_TSC_HZ;
    uint64_t start = rdtsc(), last_send = 0;
    while (atomic_load_explicit(&clear_request[core], memory_order_acquire)) {
        uint64_t now = rdtsc();
        if (!last_send || now - last_send > hz / CLEAR_RESEND_PER_SECOND) {
            lapic_send_ipi(percpu_area[core].apic_id, ICR_FIXED | VEC_IPI_VMCLEAR);
            last_send = now;
        }
        if (now - start > hz * CLEAR_TIMEOUT_S) {
            kprintf_emergency("vtx: cpu %u did not VMCLEAR in %u s\n", core, CLEAR_TIMEOUT_S);
            system_stop(1);
        }
        cpu_pause();
    }
}

void vmx_flush_if_stale(void)
{
    if (flushed_generation[this_cpu()->index] != flush_generation)
        flush_this_core();
}
