#ifndef ATOLL_ARCH_TRAP_H
#define ATOLL_ARCH_TRAP_H

#include <stdint.h>

/* Layout pushed by entry.asm; keep in step with trap_common. */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};

/* Exception vectors (SDM Vol. 3A table 6-1). */
enum {
    VEC_DE = 0,
    VEC_DB = 1,
    VEC_NMI = 2,
    VEC_BP = 3,
    VEC_OF = 4,
    VEC_BR = 5,
    VEC_UD = 6,
    VEC_NM = 7,
    VEC_DF = 8,
    VEC_TS = 10,
    VEC_NP = 11,
    VEC_SS = 12,
    VEC_GP = 13,
    VEC_PF = 14,
    VEC_MF = 16,
    VEC_AC = 17,
    VEC_MC = 18,
    VEC_XM = 19,
    VEC_VE = 20,
    VEC_CP = 21,
    VEC_EXCEPTION_COUNT = 32,
};

/* Kernel-defined interrupt vectors. */
enum {
    VEC_IRQ_BASE = 0x30, /* IOAPIC pins from here up; 0x20-0x2f stay for masked 8259s */
    VEC_LAPIC_TIMER = 0xe0,
    VEC_IOMMU_FAULT = 0xe8,       /* VT-d fault events of every unit (iommu/iospace.c) */
    VEC_IPI_PING = 0xf0,          /* cross-core test IPI */
    VEC_IPI_RESCHED = 0xf1,       /* another core made a thread of this core ready */
    VEC_IPI_TLB_SHOOTDOWN = 0xf2, /* flush user translations (arch/x86_64/tlb.c) */
    VEC_IPI_VMCLEAR = 0xf3,       /* let go of a VMCS (vtx/vmx.c) */
    VEC_LAPIC_ERROR = 0xfe,
    VEC_SPURIOUS = 0xff,
};

/* Called from entry.asm for every vector. */
void trap_dispatch(struct trap_frame *frame);

typedef void (*irq_handler_fn)(struct trap_frame *frame);
void trap_set_handler(uint8_t vector, irq_handler_fn fn);

/* Stops every core: prints nothing itself, halts the others with an NMI,
 * flushes the console and leaves the emulator if asked on the command line. */
_Noreturn void system_stop(int failure);

#endif
