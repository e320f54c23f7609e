/* Scheduling contexts (seL4 MCS): the object, and what the rest of the
 * kernel asks of the scheduler about them.
 *
 * A SchedContext object of 2^size_bits bytes is [struct sched_context,
 * padded to REFILL_SC_KERNEL_BYTES][struct refill_sc][refills]
 * (kernel/sched/refill.h). It is held by at most one thread at a time,
 * `tcb`: the thread it is bound to, or the passive server it was donated
 * to by a Call. A donation is remembered in the reply object of the Call
 * (reply_object.donated), and the reply objects of nested Calls on the
 * same SC form a chain from `reply` down through `donation_prev`, so that
 * each Reply gives the SC back one level (seL4 call stacks, manual 6.1.5).
 *
 * Time: the running thread's SC is charged with the TSC ticks it runs
 * for, including the kernel's time on its behalf (kernel/sched.c); the
 * budget timer fires when its head refill runs out or the next thread in
 * the core's release queue is due.
 *
 * Everything runs under the kernel lock. */
#ifndef ATOLL_KERNEL_SCHEDCONTEXT_H
#define ATOLL_KERNEL_SCHEDCONTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "thread.h"
#include "sched/refill.h"

struct endpoint;
struct reply_object;

struct sched_context {
    struct tcb *tcb;            /* the thread running on it (bound or donated); NULL: none */
    struct reply_object *reply; /* latest reply object it was donated through; NULL: none */
    uint64_t consumed;          /* ticks used since the last Consumed */
    uint64_t badge;             /* from Configure; reported in timeout faults */
    uint32_t core;              /* core of the SchedControl that configured it */
    uint32_t charged_on;        /* index + 1 of the core charging it now; 0: none */
};

_Static_assert(sizeof(struct sched_context) <= REFILL_SC_KERNEL_BYTES,
               "SchedContext kernel fields overlap the refills");

static inline struct refill_sc *sc_refills(struct sched_context *sc)
{
    return refill_sc_of_object(sc);
}

/* ---- Time (kernel/sched.c). */
uint64_t sched_us_to_ticks(uint64_t us);
uint64_t sched_ticks_to_us(uint64_t ticks);
/* MIN_BUDGET in ticks (ATOLL_SCHED_MIN_BUDGET_US). */
uint64_t sched_min_budget_ticks(void);

/* ---- SchedContext operations: the perform halves of the invocations in
 * kernel/schedcontext.c; they cannot fail. */
/* Gives the SC its parameters (ticks, checked by refill_configure_check)
 * and moves it, and the thread holding it, to `core`. */
void sched_sc_configure(struct sched_context *sc, uint64_t budget, uint64_t period,
                        uint64_t extra_refills, uint32_t core, uint64_t badge);
/* Binds a free SC to a thread without one; the thread moves to the SC's
 * core and runs if it is runnable and the SC has budget. */
void sched_sc_bind(struct sched_context *sc, struct tcb *t);
/* Takes the SC from its thread and forgets its donations. */
void sched_sc_unbind(struct sched_context *sc);
/* Ticks consumed since the last call; restarts the count. */
uint64_t sched_sc_take_consumed(struct sched_context *sc);
/* The last capability to the SC is going: no thread, reply object or core
 * may refer to it afterwards. */
void sched_sc_finalise(struct sched_context *sc);
/* A thread is being destroyed: lets go of its SC (which stays where it is
 * in any donation chain). */
void sched_tcb_finalise(struct tcb *t);

/* ---- IPC (kernel/ipc.c). */
/* A Call of `caller` reached `receiver`, which will answer through
 * `reply`: a receiver without an SC (a passive server) gets the caller's,
 * except for timeout-fault messages. Call before the receiver is made
 * runnable. */
void sched_donate_on_call(struct tcb *caller, struct tcb *receiver, struct reply_object *reply);
/* `reply` stops holding `caller` because it is answered, deleted or
 * reused: if the SC donated through it is at the top of its chain, it
 * goes back to the caller. Call before the caller is made runnable or
 * stopped. */
void sched_return_donation(struct reply_object *reply, struct tcb *caller);
/* `reply` lost its caller (the caller was cancelled): the SC donated
 * through it, if any, stays with the thread holding it. */
void sched_forget_donation(struct reply_object *reply);
/* The endpoint budget threshold: may `t` (the current thread) send into
 * `ep` now? False: the system call has been dealt with (an error in t's
 * registers, or t waits for its refill and will restart the call). */
bool sched_send_admitted(struct tcb *t, const struct endpoint *ep, bool blocking);

/* ---- The root thread's SC (kernel/boot_root.c): an SC object in zeroed
 * memory of 2^size_bits bytes, configured round robin on core 0 and
 * bound to `t`. */
void sched_boot_context(struct sched_context *sc, unsigned size_bits, struct tcb *t);

/* ---- Invocations on a TCB with the labels of atoll/sched.h
 * (kernel/tcb.c passes on the labels it does not know). */
struct atoll_error_detail sched_tcb_invoke(struct tcb *caller, struct tcb *t, uint64_t label,
                                           const uint64_t *words, size_t length,
                                           struct cap_slot *const *extra, size_t extra_count,
                                           uint64_t *reply, size_t *reply_length);

/* SchedContext retype and deletion (kernel/cap_glue.c). */
void schedcontext_initialise(const struct cap *c);
void schedcontext_finalise(const struct cap *c, bool final);

#endif
