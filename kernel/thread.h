/* Threads as the kernel runs them. The saved user registers come first and
 * end 16-byte aligned: TSS.RSP0 points at their end, and the CPU aligns
 * RSP down to 16 bytes before pushing an interrupt frame (SDM Vol. 3A
 * 6.14.2). The full TCB object (capabilities, scheduling context, IPC
 * state) grows from this in issue 4. */
#ifndef ATOLL_KERNEL_THREAD_H
#define ATOLL_KERNEL_THREAD_H

#include <stdint.h>

#include "../arch/x86_64/cpu_features.h"
#include "../arch/x86_64/trap.h"

#define THREAD_NAME_MAX    16
#define THREAD_NOT_CURRENT UINT32_MAX

enum thread_state {
    THREAD_INACTIVE = 0,
    THREAD_RUNNABLE,
    THREAD_BLOCKED,
    THREAD_SUSPENDED, /* faulted with no fault handler, or stopped */
    THREAD_EXITED,
};

struct tcb {
    struct trap_frame context;
    uint64_t cr3;
    enum thread_state state;
    /* Core whose `current` this thread is, or THREAD_NOT_CURRENT: a
     * thread's registers live in one place, so it runs on one core. */
    uint32_t current_on;
    char name[THREAD_NAME_MAX];
    /* FPU/SSE/AVX state, switched eagerly: saved when the thread stops
     * being current on its core, restored when it becomes current. */
    _Alignas(64) uint8_t fpu[FPU_AREA_MAX];
};

_Static_assert(sizeof(struct trap_frame) % 16 == 0, "context end must stay 16-byte aligned");

/* Switches to `t` and returns to it in user mode. */
_Noreturn void thread_run(struct tcb *t);
/* Runs the next runnable thread, or idles until one appears. */
_Noreturn void schedule(void);
void thread_make_runnable(struct tcb *t);
struct tcb *thread_current(void);

#endif
