#include "klock.h"
#include "thread.h"
#include "spinlock.h"
#include "../arch/x86_64/cpu.h"
#include "../arch/x86_64/tlb.h"
#include "../arch/x86_64/x86.h"
#include "../vtx/vmx.h"

#define NO_OWNER UINT32_MAX

static struct spinlock big_lock = SPINLOCK_INIT;
static volatile uint32_t owner = NO_OWNER;
static uint64_t acquired_at;
static struct kernel_lock_stats stats;

void kernel_lock(void)
{
    uint64_t t0 = rdtsc();
    /* While waiting, answer TLB shootdowns: the lock holder may be waiting
     * for this core to flush (arch/x86_64/tlb.c explains why the flush
     * happens here and not in the IPI handler). */
    unsigned ticket = atomic_fetch_add_explicit(&big_lock.next, 1, memory_order_relaxed);
    while (atomic_load_explicit(&big_lock.serving, memory_order_acquire) != ticket) {
        tlb_shootdown_poll();
        vmx_clear_poll();
        sched_detach_poll();
        cpu_relax();
    }
    uint64_t t1 = rdtsc();
    owner = this_cpu()->index;
    acquired_at = t1;
    stats.acquisitions++;
    if (t1 - t0 > stats.max_wait_tsc)
        stats.max_wait_tsc = t1 - t0;
}

void kernel_unlock(void)
{
    uint64_t held = rdtsc() - acquired_at;
    stats.total_hold_tsc += held;
    if (held > stats.max_hold_tsc)
        stats.max_hold_tsc = held;
    owner = NO_OWNER;
    spin_unlock(&big_lock);
}

bool kernel_lock_held_here(void)
{
    return owner == this_cpu()->index;
}

void kernel_lock_stats(struct kernel_lock_stats *out)
{
    *out = stats;
}
