/* The big kernel lock. Every entry from user mode, and every interrupt
 * taken while a core idles, runs under it; it is held with interrupts off
 * and never across a return to user mode or a halt. One lock keeps the
 * first SMP kernel simple (shared/DESIGN.md); its hold times are measured
 * so that finer locking can be justified by numbers later. */
#ifndef ATOLL_KERNEL_KLOCK_H
#define ATOLL_KERNEL_KLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "spinlock.h"

void kernel_lock(void);
void kernel_unlock(void);
bool kernel_lock_held_here(void);

struct kernel_lock_stats {
    uint64_t acquisitions; /* timed ones */
    uint64_t max_hold_tsc; /* longest single hold, TSC ticks */
    uint64_t total_hold_tsc;
    uint64_t max_wait_tsc;  /* longest wait to acquire */
    uint64_t untimed_holds; /* further acquisitions, by the fast path: not timed */
};
void kernel_lock_stats(struct kernel_lock_stats *out);
/* Another core waits for the lock (its ticket is taken). */
bool kernel_lock_contended(void);

/* For the IPC fast path (arch/x86_64/fastpath.asm), whose hold is short,
 * bounded and measured by `make bench`: it takes the same lock inline,
 * without the TSC reads that time an uncontended acquisition and the hold
 * and without setting the owner (a contended wait is still timed, by
 * kernel_lock_wait_timed()). If it gives up and the general path goes on
 * under the lock, fastpath_fallback() sets the owner and
 * kernel_lock_start_timing() times the rest of the hold, which
 * kernel_unlock() then ends. The fast path's holds are counted as its
 * completions (kernel_lock_stats.untimed_holds). */
#define KERNEL_LOCK_NO_OWNER UINT32_MAX
extern struct spinlock kernel_big_lock;
extern volatile uint32_t kernel_lock_owner;
void kernel_lock_wait_timed(unsigned ticket);
void kernel_lock_start_timing(void);

#endif
