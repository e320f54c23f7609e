/* CPU identification, feature report, SSE and XSAVE enabling. */
#ifndef ATOLL_ARCH_CPU_FEATURES_H
#define ATOLL_ARCH_CPU_FEATURES_H

#include <stdbool.h>
#include <stdint.h>

/* Bytes reserved for one thread's FPU/XSAVE state (struct tcb). */
#define FPU_AREA_MAX 3072
/* Legacy-area offsets (SDM Vol. 1 10.5.1) of the control words that a
 * fresh thread starts with. */
#define FXSAVE_FCW_OFFSET   0
#define FXSAVE_MXCSR_OFFSET 24
#define FPU_FCW_DEFAULT     0x037f
#define FPU_MXCSR_DEFAULT   0x1f80

struct cpu_features {
    char vendor[13];
    char brand[49];
    uint32_t family, model, stepping;
    bool x2apic, tsc_deadline, xsave, avx, pcid, invpcid, fsgsbase, invariant_tsc, hypervisor;
    uint64_t xcr0;       /* enabled XSAVE components */
    uint32_t xsave_size; /* bytes for the enabled components */
    uint32_t phys_bits;  /* MAXPHYADDR */
};

extern struct cpu_features cpu_features;

/* Identifies the CPU, prints the report, enables SSE and XSAVE with every
 * component the CPU supports. */
void cpu_features_init_bsp(void);
/* Enables the same state on an application processor. */
void cpu_features_init_ap(void);

/* Per-thread FPU state, saved and restored eagerly on thread switch.
 * `area` is FPU_AREA_MAX bytes, 64-byte aligned. */
void fpu_init_area(void *area);
/* Inline: they are on every thread switch, the IPC fast path's too. The
 * 64-bit forms keep the full FPU instruction and data pointers; the mask
 * in EDX:EAX selects every enabled component. */
static inline void fpu_save(void *area)
{
    if (cpu_features.xsave)
        __asm__ volatile("xsave64 (%0)" ::"r"(area), "a"(UINT32_MAX), "d"(UINT32_MAX) : "memory");
    else
        __asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}

static inline void fpu_restore(const void *area)
{
    if (cpu_features.xsave)
        __asm__ volatile("xrstor64 (%0)" ::"r"(area), "a"(UINT32_MAX), "d"(UINT32_MAX) : "memory");
    else
        __asm__ volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}

#endif
