/* System-call decoding. Only the debug calls exist until the capability
 * invocations of issue 4; an unknown number is an error, never a crash. */
#include "console.h"
#include "klock.h"
#include "thread.h"
#include "atoll/syscall.h"
#include "../arch/x86_64/lapic.h"
#include "../arch/x86_64/syscall.h"
#include "../arch/x86_64/x86.h"

/* Temporary until errors.h (issue 4) defines the table. */
#define SYSCALL_ERROR_ILLEGAL_OPERATION 3
#define SYSCALL_ERROR_INVALID_ARGUMENT  1

static void debug_puts(struct trap_frame *f)
{
    uint64_t len = f->rsi;
    if (len > ATOLL_DEBUG_PUTS_MAX) {
        f->rax = SYSCALL_ERROR_INVALID_ARGUMENT;
        return;
    }
    uint64_t words[ATOLL_MSG_REGISTERS] = {f->rdx, f->r8, f->r9, f->r10};
    f->rax = 0;
    if (len == 0)
        return;
    char buf[ATOLL_DEBUG_PUTS_MAX + 1];
    for (uint64_t i = 0; i < len; i++)
        buf[i] = (char)(words[i / 8] >> (8 * (i % 8)));
    buf[len] = '\0';
    kprintf("%s", buf);
}

_Noreturn void syscall_dispatch(struct trap_frame *f)
{
    kernel_lock();
    struct tcb *self = thread_current();
    switch (f->rax) {
    case ATOLL_SYS_DEBUG_PUTS:
        debug_puts(f);
        break;
    case ATOLL_SYS_DEBUG_EXIT:
        kprintf("atoll: thread %s exited with status %lu\n", self->name, f->rdi);
        self->state = THREAD_EXITED;
        schedule();
    case ATOLL_SYS_YIELD:
        f->rax = 0;
        schedule();
    default:
        f->rax = SYSCALL_ERROR_ILLEGAL_OPERATION;
        break;
    }
    thread_run(self);
}

static const char *const user_exception_names[VEC_EXCEPTION_COUNT] = {
    [VEC_DE] = "divide error",         [VEC_DB] = "debug",
    [VEC_BP] = "breakpoint",           [VEC_OF] = "overflow",
    [VEC_BR] = "bound range",          [VEC_UD] = "undefined instruction",
    [VEC_NM] = "device not available", [VEC_GP] = "general protection",
    [VEC_SS] = "stack fault",          [VEC_NP] = "segment not present",
    [VEC_PF] = "page fault",           [VEC_MF] = "x87 error",
    [VEC_AC] = "alignment check",      [VEC_XM] = "SIMD error",
};

_Noreturn void trap_dispatch_user(struct trap_frame *f)
{
    kernel_lock();
    if (f->vector >= VEC_EXCEPTION_COUNT) {
        trap_dispatch(f); /* a device or IPI interrupt while in user mode */
        struct tcb *self = thread_current();
        if (self && self->state == THREAD_RUNNABLE)
            thread_run(self);
        schedule();
    }
    if (f->vector == VEC_NMI || f->vector == VEC_MC || f->vector == VEC_DF) {
        trap_dispatch(f); /* not the thread's doing: kernel handling */
        schedule();
    }
    /* A user fault. With no fault endpoint (issue 4) the thread is
     * suspended; the kernel and every other thread carry on. */
    struct tcb *self = thread_current();
    const char *name =
        user_exception_names[f->vector] ? user_exception_names[f->vector] : "exception";
    kprintf("atoll: user fault: thread %s: %s (vector %lu, error 0x%lx) at rip 0x%lx", self->name,
            name, f->vector, f->error, f->rip);
    if (f->vector == VEC_PF)
        kprintf(" address 0x%lx", read_cr2());
    kprintf("; thread suspended\n");
    self->state = THREAD_SUSPENDED;
    schedule();
}
