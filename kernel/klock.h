/* The big kernel lock. Every entry from user mode, and every interrupt
 * taken while a core idles, runs under it; it is held with interrupts off
 * and never across a return to user mode or a halt. One lock keeps the
 * first SMP kernel simple (shared/DESIGN.md); its hold times are measured
 * so that finer locking can be justified by numbers later. */
#ifndef ATOLL_KERNEL_KLOCK_H
#define ATOLL_KERNEL_KLOCK_H

#include <stdbool.h>
#include <stdint.h>

void kernel_lock(void);
void kernel_unlock(void);
bool kernel_lock_held_here(void);

struct kernel_lock_stats {
    uint64_t acquisitions;
    uint64_t max_hold_tsc; /* longest single hold, TSC ticks */
    uint64_t total_hold_tsc;
    uint64_t max_wait_tsc; /* longest wait to acquire */
};
void kernel_lock_stats(struct kernel_lock_stats *out);

#endif
