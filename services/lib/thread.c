/* Threads in the caller's own address space: a TCB configured with the
 * caller's CSpace and VSpace, bound to a scheduling context, started at a
 * function on a given stack; and the scheduling contexts for them. */
#include "atoll.h"
#include "atoll/sched.h"
#include "atoll/tcb.h"

struct atoll_error_detail atoll_thread_start(uint64_t tcb, uint64_t sched_context, uint64_t cspace,
                                             uint64_t vspace, uint64_t self_tcb, uint8_t priority,
                                             void (*entry)(uint64_t), uint64_t arg, void *stack_top)
{
    uint64_t caps[2] = {cspace, vspace};
    uint64_t ipc = 0;
    struct atoll_error_detail e = atoll_invoke(tcb, ATOLL_TCB_CONFIGURE, &ipc, 1, caps, 2);
    if (e.code)
        return e;
    uint64_t prio = priority;
    e = atoll_invoke(tcb, ATOLL_TCB_SET_PRIORITY, &prio, 1, &self_tcb, 1);
    if (e.code)
        return e;
    if (sched_context) {
        e = atoll_invoke(sched_context, ATOLL_SCHED_CONTEXT_BIND, NULL, 0, &tcb, 1);
        if (e.code)
            return e;
    }
    /* The System V ABI wants RSP + 8 aligned to 16 at function entry. */
    uint64_t sp = ((uint64_t)stack_top & ~UINT64_C(15)) - 8;
    uint64_t regs[2 + ATOLL_REG_RDI + 1] = {0};
    regs[0] = 1; /* resume */
    regs[1] = ATOLL_REG_RDI + 1;
    regs[2 + ATOLL_REG_RIP] = (uint64_t)entry;
    regs[2 + ATOLL_REG_RSP] = sp;
    regs[2 + ATOLL_REG_RFLAGS] = 0;
    regs[2 + ATOLL_REG_RDI] = arg;
    return atoll_invoke(tcb, ATOLL_TCB_WRITE_REGISTERS, regs, 2 + ATOLL_REG_RDI + 1, NULL, 0);
}

struct atoll_error_detail atoll_sched_context_new(uint64_t untyped, uint64_t cnode, uint64_t dest,
                                                  uint64_t core, uint64_t budget_us,
                                                  uint64_t period_us)
{
    struct atoll_error_detail e = atoll_untyped_retype(
        untyped, ATOLL_OBJECT_SCHED_CONTEXT, ATOLL_SCHED_CONTEXT_MIN_BITS, cnode, 0, 0, dest, 1);
    if (e.code)
        return e;
    uint64_t w[ATOLL_SCHED_CONFIGURE_ARGS] = {0};
    w[ATOLL_SCHED_CONFIGURE_ARG_BUDGET] = budget_us;
    w[ATOLL_SCHED_CONFIGURE_ARG_PERIOD] = period_us;
    return atoll_invoke(ATOLL_SLOT_SCHED_CONTROL + core, ATOLL_SCHED_CONTROL_CONFIGURE_FLAGS, w,
                        ATOLL_SCHED_CONFIGURE_ARGS, &dest, 1);
}
