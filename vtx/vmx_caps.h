/* What the CPU offers for VT-x, read from the VMX capability MSRs. The
 * hypervisor needs EPT, VPID and unrestricted guest (shared/DESIGN.md);
 * without them `usable` is false and no VCPU can be created. */
#ifndef ATOLL_VTX_VMX_CAPS_H
#define ATOLL_VTX_VMX_CAPS_H

#include <stdbool.h>
#include <stdint.h>

struct vmx_caps {
    bool present;             /* CPUID.1:ECX.VMX */
    bool firmware_locked_off; /* IA32_FEATURE_CONTROL locked with VMX disabled */
    uint32_t revision;
    bool secondary, ept, vpid, unrestricted, preemption_timer, apic_virt;
    bool ept_2m, ept_1g, ept_wb, ept_walk4;
    uint64_t basic, ept_vpid_cap;
    bool usable;
    const char *reason; /* why not usable */
};

void vmx_caps_read(struct vmx_caps *caps);
void vmx_caps_report(const struct vmx_caps *caps);

#endif
