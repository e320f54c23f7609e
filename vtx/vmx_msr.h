/* VMX capability MSRs and their bits (SDM Vol. 3D appendix A). */
#ifndef ATOLL_VTX_VMX_MSR_H
#define ATOLL_VTX_VMX_MSR_H

#define MSR_IA32_VMX_BASIC               0x480
#define MSR_IA32_VMX_PINBASED_CTLS       0x481
#define MSR_IA32_VMX_PROCBASED_CTLS      0x482
#define MSR_IA32_VMX_EXIT_CTLS           0x483
#define MSR_IA32_VMX_ENTRY_CTLS          0x484
#define MSR_IA32_VMX_MISC                0x485
#define MSR_IA32_VMX_CR0_FIXED0          0x486
#define MSR_IA32_VMX_CR0_FIXED1          0x487
#define MSR_IA32_VMX_CR4_FIXED0          0x488
#define MSR_IA32_VMX_CR4_FIXED1          0x489
#define MSR_IA32_VMX_PROCBASED_CTLS2     0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP        0x48c
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS  0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS      0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS     0x490

/* MSRs a VMM may let its guest reach without an exit (vmcs_policy.c);
 * the others it names are in arch/x86_64/msr.h. */
#define MSR_IA32_TSC          0x10
#define MSR_IA32_SYSENTER_CS  0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176

/* IA32_FEATURE_CONTROL (SDM Vol. 3C 24.7) */
#define FEATURE_CONTROL_LOCKED          (1ull << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ull << 2)

/* IA32_VMX_BASIC */
#define VMX_BASIC_REVISION_MASK 0x7fffffffull
#define VMX_BASIC_TRUE_CTLS     (1ull << 55)
#define VMX_BASIC_SIZE_SHIFT    32 /* bits 44:32: bytes of the VMXON/VMCS region */
#define VMX_BASIC_SIZE_MASK     0x1fffull

/* Allowed-1 settings are the high 32 bits of a capability MSR (A.3). */
#define VMX_ALLOWED1_SHIFT 32

/* IA32_VMX_MISC: the preemption timer counts down every 2^rate TSC ticks. */
#define VMX_MISC_PREEMPTION_RATE_MASK 0x1full

/* Pin-based controls */
#define PIN_PREEMPTION_TIMER (1u << 6)
/* Primary processor-based controls */
#define PROC_SECONDARY_CONTROLS (1u << 31)
/* Secondary processor-based controls */
#define PROC2_VIRTUALIZE_APIC       (1u << 0)
#define PROC2_ENABLE_EPT            (1u << 1)
#define PROC2_ENABLE_VPID           (1u << 5)
#define PROC2_UNRESTRICTED          (1u << 7)
#define PROC2_APIC_REGISTER_VIRT    (1u << 8)
#define PROC2_VIRTUAL_INTR_DELIVERY (1u << 9)

/* IA32_VMX_EPT_VPID_CAP */
#define EPT_CAP_WALK_4        (1ull << 6)
#define EPT_CAP_WB            (1ull << 14)
#define EPT_CAP_2M_PAGES      (1ull << 16)
#define EPT_CAP_1G_PAGES      (1ull << 17)
#define EPT_CAP_INVEPT        (1ull << 20)
#define EPT_CAP_INVEPT_SINGLE (1ull << 25)
#define EPT_CAP_INVEPT_ALL    (1ull << 26)
#define EPT_CAP_INVVPID       (1ull << 32)
#define EPT_CAP_INVVPID_ALL   (1ull << 42)

#endif
