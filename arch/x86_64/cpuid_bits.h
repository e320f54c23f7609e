/* CPUID leaves and feature bits used by the kernel (SDM Vol. 2A, CPUID). */
#ifndef ATOLL_ARCH_CPUID_BITS_H
#define ATOLL_ARCH_CPUID_BITS_H

#define CPUID_LEAF_VENDOR       0x0
#define CPUID_LEAF_FEATURES     0x1
#define CPUID_LEAF_EXT_FEATURES 0x7
#define CPUID_LEAF_XSAVE        0xd
#define CPUID_LEAF_TSC          0x15
#define CPUID_LEAF_EXT_MAX      0x80000000u
#define CPUID_LEAF_EXT_INFO     0x80000001u
#define CPUID_LEAF_BRAND0       0x80000002u
#define CPUID_LEAF_INVARIANT    0x80000007u
#define CPUID_LEAF_ADDR_SIZES   0x80000008u

/* Leaf 1 ECX */
#define CPUID_1_ECX_SSE3         (1u << 0)
#define CPUID_1_ECX_VMX          (1u << 5)
#define CPUID_1_ECX_PCID         (1u << 17)
#define CPUID_1_ECX_X2APIC       (1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_1_ECX_XSAVE        (1u << 26)
#define CPUID_1_ECX_AVX          (1u << 28)
#define CPUID_1_ECX_HYPERVISOR   (1u << 31)
/* Leaf 1 EDX */
#define CPUID_1_EDX_TSC  (1u << 4)
#define CPUID_1_EDX_MSR  (1u << 5)
#define CPUID_1_EDX_APIC (1u << 9)
#define CPUID_1_EDX_PGE  (1u << 13)
#define CPUID_1_EDX_PAT  (1u << 16)
#define CPUID_1_EDX_FXSR (1u << 24)
#define CPUID_1_EDX_SSE2 (1u << 26)
/* Leaf 1 EBX */
#define CPUID_1_EBX_APIC_ID_SHIFT 24

/* Leaf 7 subleaf 0 */
#define CPUID_7_EBX_FSGSBASE (1u << 0)
#define CPUID_7_EBX_SMEP     (1u << 7)
#define CPUID_7_EBX_INVPCID  (1u << 10)
#define CPUID_7_EBX_SMAP     (1u << 20)
#define CPUID_7_ECX_UMIP     (1u << 2)

/* Leaf 0x80000001 EDX */
#define CPUID_EXT_EDX_NX     (1u << 20)
#define CPUID_EXT_EDX_PAGE1G (1u << 26)
#define CPUID_EXT_EDX_LM     (1u << 29)

/* Leaf 0x80000007 EDX */
#define CPUID_INV_EDX_INVARIANT_TSC (1u << 8)

/* Leaf 0x80000008 EAX: physical address bits [7:0]; without the leaf,
 * 36 (SDM vol. 3A 4.1.4: MAXPHYADDR). */
#define CPUID_ADDR_EAX_PHYS_BITS_MASK 0xffu
#define CPUID_DEFAULT_PHYS_BITS       36

#endif
