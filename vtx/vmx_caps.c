#include "vmx_caps.h"
#include "vmx_msr.h"
#include "../arch/x86_64/cpuid_bits.h"
#include "../arch/x86_64/msr.h"
#include "../arch/x86_64/x86.h"
#include "../kernel/console.h"

static uint32_t allowed1(uint64_t msr_value)
{
    return (uint32_t)(msr_value >> VMX_ALLOWED1_SHIFT);
}

void vmx_caps_read(struct vmx_caps *c)
{
    *c = (struct vmx_caps){0};
    c->present = cpuid(CPUID_LEAF_FEATURES, 0).ecx & CPUID_1_ECX_VMX;
    if (!c->present) {
        c->reason = "the CPU has no VMX";
        return;
    }
    uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
    c->firmware_locked_off =
        (fc & FEATURE_CONTROL_LOCKED) && !(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX);

    c->basic = rdmsr(MSR_IA32_VMX_BASIC);
    c->revision = (uint32_t)(c->basic & VMX_BASIC_REVISION_MASK);
    bool true_ctls = c->basic & VMX_BASIC_TRUE_CTLS;
    uint64_t pin = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS);
    uint64_t proc =
        rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS);
    c->preemption_timer = allowed1(pin) & PIN_PREEMPTION_TIMER;
    c->secondary = allowed1(proc) & PROC_SECONDARY_CONTROLS;
    if (c->secondary) {
        uint32_t p2 = allowed1(rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2));
        c->ept = p2 & PROC2_ENABLE_EPT;
        c->vpid = p2 & PROC2_ENABLE_VPID;
        c->unrestricted = p2 & PROC2_UNRESTRICTED;
        c->apic_virt = p2 & PROC2_VIRTUALIZE_APIC;
        /* The EPT/VPID capability MSR exists only if EPT or VPID may be
         * enabled (SDM Vol. 3D A.10). */
        if (c->ept || c->vpid) {
            c->ept_vpid_cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
            c->ept_2m = c->ept_vpid_cap & EPT_CAP_2M_PAGES;
            c->ept_1g = c->ept_vpid_cap & EPT_CAP_1G_PAGES;
            c->ept_wb = c->ept_vpid_cap & EPT_CAP_WB;
            c->ept_walk4 = c->ept_vpid_cap & EPT_CAP_WALK_4;
        }
    }
    if (c->firmware_locked_off)
        c->reason = "VMX disabled by firmware (IA32_FEATURE_CONTROL locked)";
    else if (!c->ept || !c->ept_walk4 || !c->ept_wb)
        c->reason = "no usable EPT";
    else if (!c->vpid)
        c->reason = "no VPID";
    else if (!c->unrestricted)
        c->reason = "no unrestricted guest";
    else
        c->usable = true;
}

static const char *yn(bool b)
{
    return b ? "yes" : "no";
}

void vmx_caps_report(const struct vmx_caps *c)
{
    if (!c->present) {
        kprintf("atoll: vmx=no (%s)\n", c->reason);
        return;
    }
    kprintf("atoll: vmx revision 0x%x ept=%s vpid=%s unrestricted=%s preemption-timer=%s "
            "apic-virt=%s ept-2m=%s ept-1g=%s\n",
            c->revision, yn(c->ept), yn(c->vpid), yn(c->unrestricted), yn(c->preemption_timer),
            yn(c->apic_virt), yn(c->ept_2m), yn(c->ept_1g));
    if (!c->usable)
        kprintf("atoll: vmx=no (%s)\n", c->reason);
}
