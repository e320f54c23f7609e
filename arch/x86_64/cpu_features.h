/* CPU identification, feature report, SSE and XSAVE enabling. */
#ifndef ATOLL_ARCH_CPU_FEATURES_H
#define ATOLL_ARCH_CPU_FEATURES_H

#include <stdbool.h>
#include <stdint.h>

struct cpu_features {
    char vendor[13];
    char brand[49];
    uint32_t family, model, stepping;
    bool x2apic, tsc_deadline, xsave, avx, pcid, invpcid, fsgsbase, invariant_tsc, hypervisor;
    uint64_t xcr0;      /* enabled XSAVE components */
    uint32_t xsave_size; /* bytes for the enabled components */
};

extern struct cpu_features cpu_features;

/* Identifies the CPU, prints the report, enables SSE and XSAVE with every
 * component the CPU supports. */
void cpu_features_init_bsp(void);
/* Enables the same state on an application processor. */
void cpu_features_init_ap(void);

#endif
