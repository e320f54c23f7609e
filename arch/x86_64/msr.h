/* Model-specific registers (SDM Vol. 4, ch. 2). VMX capability MSRs are in
 * vtx/vmx_msr.h. */
#ifndef ATOLL_ARCH_MSR_H
#define ATOLL_ARCH_MSR_H

#define MSR_IA32_APIC_BASE       0x1b
#define MSR_IA32_FEATURE_CONTROL 0x3a
#define MSR_IA32_TSC_DEADLINE    0x6e0
#define MSR_IA32_PAT             0x277
#define MSR_IA32_EFER            0xc0000080
#define MSR_IA32_STAR            0xc0000081
#define MSR_IA32_LSTAR           0xc0000082
#define MSR_IA32_FMASK           0xc0000084
#define MSR_IA32_FS_BASE         0xc0000100
#define MSR_IA32_GS_BASE         0xc0000101
#define MSR_IA32_KERNEL_GS_BASE  0xc0000102

/* IA32_APIC_BASE bits (SDM Vol. 3A 11.4.4) */
#define APIC_BASE_BSP       (1ull << 8)
#define APIC_BASE_X2APIC    (1ull << 10)
#define APIC_BASE_ENABLE    (1ull << 11)
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000ull

/* IA32_EFER */
#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

/* x2APIC MSR window: register offset >> 4 added to this (SDM 11.12.1.2) */
#define MSR_X2APIC_BASE 0x800

#endif
