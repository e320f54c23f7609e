/* The per-core scheduler state of kernel/sched.c, shared with the IPC fast
 * path (kernel/fastpath.c), which must account time and check budgets
 * exactly as the scheduler does but cannot afford a call for each step.
 * Nothing else may include this header; everything in it runs under the
 * kernel lock. */
#ifndef ATOLL_KERNEL_SCHED_CORE_H
#define ATOLL_KERNEL_SCHED_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "schedcontext.h"
#include "sched/refill.h"
#include "sched/runqueue.h"
#include "../arch/x86_64/cpu.h"
#include "../arch/x86_64/x86.h"

struct core_sched {
    struct runqueue ready;
    struct release_queue release;
    struct sched_context *sc;      /* what the time runs on; NULL: nothing (idle) */
    uint64_t last;                 /* TSC up to which time is accounted */
    uint64_t pending;              /* ticks accounted to `sc`, not yet charged to its refills */
    uint64_t timer_deadline;       /* what the timer was last asked for; 0: unknown */
    struct sched_context *expired; /* ran out at a charge; its holder's timeslice must end */
    bool expired_may_fault;        /* false after Yield: no timeout fault */
    bool need_resched;
};

extern struct core_sched sched_cores[MAX_CPUS];

/* The helpers below are always inlined (a GCC attribute): they are on the
 * fast path, where GCC's heuristics would otherwise make them calls. */

/* Accounts the time since `last` to the core's SC (seL4
 * updateTimestamp): cheap, on every way out of the kernel. The TSCs of
 * all cores are taken to agree, so this may account another core's time. */
__attribute__((always_inline)) static inline void sched_account(struct core_sched *cs)
{
    uint64_t now = rdtsc();
    if (now <= cs->last)
        return;
    if (cs->sc)
        cs->pending += now - cs->last;
    cs->last = now;
}

/* The SC may go on running on core `cs` now: its head refill is released
 * and holds MIN_BUDGET beyond what is accounted and not yet charged
 * (refill_ready and refill_sufficient, without a charge). */
__attribute__((always_inline)) static inline bool sched_may_run(const struct core_sched *cs,
                                                                struct sched_context *sc)
{
    const struct refill_sc *r = sc_refills(sc);
    if (!refill_active(r))
        return false;
    uint64_t pending = cs->sc == sc ? cs->pending : 0;
    const struct refill *head = refill_head(r);
    return head->release <= cs->last && head->amount >= pending + r->min_budget;
}

/* No thread ready on core `cs` has a priority above `prio` (the current
 * thread is in no queue). Two bit scans at most (sched/runqueue.h). */
__attribute__((always_inline)) static inline bool
sched_none_ready_above(const struct core_sched *cs, uint8_t prio)
{
    const struct runqueue *rq = &cs->ready;
    if (!rq->summary)
        return true;
    unsigned word = rq_highest_set_bit(rq->summary);
    return word * RQ_WORD_BITS + rq_highest_set_bit(rq->bitmap[word]) <= prio;
}

#endif
