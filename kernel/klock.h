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

/* For the IPC fast path (kernel/fastpath.c), whose hold is short, bounded
 * and measured by `make bench`: the same lock, inline, without the TSC
 * reads that time an uncontended acquisition and the hold (a contended
 * wait is still timed). kernel_unlock_untimed() releases a hold taken so;
 * if the fast path gives up and the general path goes on under the lock,
 * kernel_lock_start_timing() times the rest of the hold, which
 * kernel_unlock() then ends. `core` is this core's index. */
#define KERNEL_LOCK_NO_OWNER UINT32_MAX
extern struct spinlock kernel_big_lock;
extern volatile uint32_t kernel_lock_owner;
extern struct kernel_lock_stats kernel_lock_statistics;
void kernel_lock_wait_timed(unsigned ticket);
void kernel_lock_start_timing(void);

/* Always inlined (a GCC attribute): GCC would call it otherwise. */
__attribute__((always_inline)) static inline void kernel_lock_untimed(uint32_t core)
{
    unsigned ticket = atomic_fetch_add_explicit(&kernel_big_lock.next, 1, memory_order_relaxed);
    if (atomic_load_explicit(&kernel_big_lock.serving, memory_order_acquire) != ticket)
        kernel_lock_wait_timed(ticket);
    kernel_lock_owner = core;
    kernel_lock_statistics.untimed_holds++;
}

__attribute__((always_inline)) static inline void kernel_unlock_untimed(void)
{
    kernel_lock_owner = KERNEL_LOCK_NO_OWNER;
    spin_unlock(&kernel_big_lock);
}

#endif
