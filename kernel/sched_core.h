/* The per-core scheduler state of kernel/sched.c, shared with the IPC fast
 * path (kernel/fastpath.c), which reads it to decide whether it may switch
 * threads without the scheduler and cannot afford a call for each check.
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

/* No thread ready on core `cs` has a priority above `prio` (the current
 * thread is in no queue). Two bit scans at most (sched/runqueue.h).
 * Always inlined (a GCC attribute): it is on the fast path, where GCC's
 * heuristics would otherwise make it a call. */
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
