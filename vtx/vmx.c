/* VMXON on every core; see vmx.h. */
#include "vmx.h"
#include "vmcs_fields.h"
#include "vmx_insn.h"
#include "vmx_msr.h"
#include "../arch/x86_64/bootmem.h"
#include "../arch/x86_64/cpu.h"
#include "../arch/x86_64/msr.h"
#include "../arch/x86_64/paging.h"
#include "../arch/x86_64/x86.h"
#include "../kernel/console.h"

#include <stdatomic.h>

static struct vmx_caps caps;
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

void vmx_init_bsp(void)
{
    vmx_caps_read(&caps);
    vmx_caps_report(&caps);
    /* A VMXON region must hold what IA32_VMX_BASIC asks for (A.1). */
    uint64_t region_bytes = (caps.basic >> VMX_BASIC_SIZE_SHIFT) & VMX_BASIC_SIZE_MASK;
    if (caps.usable && region_bytes > PAGE_SIZE) {
        caps.usable = false;
        caps.reason = "VMXON region larger than a page";
        kprintf("atoll: vmx=no (%s)\n", caps.reason);
    }
    if (caps.usable)
        cpu_enable();
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
