/* Per-core state: GDT, TSS with IST stacks, kernel stack, identity.
 * Reached through GS (IA32_GS_BASE points at the core's struct percpu). */
#ifndef ATOLL_ARCH_CPU_H
#define ATOLL_ARCH_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "layout.h"

#define MAX_CPUS 64

/* GDT layout. The order of user data before user code is what SYSRET
 * requires (SDM Vol. 2B SYSRET: CS = STAR[63:48]+16, SS = STAR[63:48]+8). */
enum {
    GDT_NULL = 0,
    GDT_KERNEL_CODE = 1,
    GDT_KERNEL_DATA = 2,
    GDT_USER_DATA = 3,
    GDT_USER_CODE = 4,
    GDT_TSS = 5, /* 16 bytes: two slots */
    GDT_ENTRIES = 7,
};
#define SEL_KERNEL_CODE (GDT_KERNEL_CODE * 8)
#define SEL_KERNEL_DATA (GDT_KERNEL_DATA * 8)
#define SEL_TSS         (GDT_TSS * 8)
#define SEL_USER_DATA   (GDT_USER_DATA * 8 + 3)
#define SEL_USER_CODE   (GDT_USER_CODE * 8 + 3)

/* IST slots (1-based, as the IDT gate encodes them). */
enum {
    IST_DOUBLE_FAULT = 1,
    IST_NMI = 2,
    IST_MACHINE_CHECK = 3,
    IST_COUNT = 3,
};

/* 64-bit TSS (SDM Vol. 3A 7.7). The hardware layout puts 64-bit fields at
 * 4-byte offsets, so it is declared packed (a GCC extension) rather than
 * hand-split into 32-bit halves. */
struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));

/* The first fields are used by the entry stubs: keep in step with the
 * PERCPU_* offsets in layout.inc (checked by static asserts in cpu.c). */
struct percpu {
    struct percpu *self;       /* at %gs:0 */
    uint64_t kernel_stack_top; /* stack the kernel runs on after an entry */
    uint64_t user_rsp;         /* scratch: user RSP during SYSCALL entry */
    uint64_t user_context_top; /* end of the running thread's saved context */
    uint32_t index;            /* 0 = bootstrap processor */
    uint32_t apic_id;
    volatile bool online;
    void *current; /* running thread (struct tcb), NULL when idle */
    uint64_t gdt[GDT_ENTRIES];
    struct tss tss;
    uint64_t ticks; /* LAPIC timer interrupts taken */
    /* This core's struct core_sched (kernel/sched_core.h), for the IPC
     * fast path (arch/x86_64/fastpath.asm); set by sched_init(). */
    void *sched_core;
};

extern struct percpu percpu_area[MAX_CPUS];
extern uint8_t cpu_stacks[MAX_CPUS][KERNEL_STACK_SIZE];

/* Loads GDT, TSS, IDT and GS for core `index`, running on `stack_top`. */
void cpu_init(uint32_t index, uint32_t apic_id);
void idt_init(void);
/* Inline: it is on every kernel path, and a call costs more than the one
 * GS-relative load it does. */
static inline struct percpu *this_cpu(void)
{
    struct percpu *c;
    __asm__ volatile("movq %%gs:0, %0" : "=r"(c));
    return c;
}
uint32_t cpu_online_count(void);
/* Points the TSS's RSP0 and the SYSCALL stub at the end of the saved
 * context of the thread about to run in user mode. */
void cpu_set_user_context(void *context_top);

#endif
