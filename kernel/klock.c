#include "klock.h"
#include "fastpath.h"
#include "thread.h"
#include "spinlock.h"
#include "../arch/x86_64/cpu.h"
#include "../arch/x86_64/tlb.h"
#include "../arch/x86_64/x86.h"
#include "../vtx/vmx.h"

struct spinlock kernel_big_lock = SPINLOCK_INIT;
volatile uint32_t kernel_lock_owner = KERNEL_LOCK_NO_OWNER;
static struct kernel_lock_stats kernel_lock_statistics;
static uint64_t acquired_at;

/* Waits for `ticket`. While waiting, answers TLB shootdowns: the lock
 * holder may be waiting for this core to flush (arch/x86_64/tlb.c explains
 * why the flush happens here and not in the IPI handler); and remote-stall
 * requests (kernel/sched.c). */
static void wait_for_turn(unsigned ticket)
{
    while (atomic_load_explicit(&kernel_big_lock.serving, memory_order_acquire) != ticket) {
        tlb_shootdown_poll();
        vmx_clear_poll();
        sched_detach_poll();
        cpu_relax();
    }
}

static void note_wait(uint64_t wait)
{
    if (wait > kernel_lock_statistics.max_wait_tsc)
        kernel_lock_statistics.max_wait_tsc = wait;
}

void kernel_lock(void)
{
    uint64_t t0 = rdtsc();
    wait_for_turn(atomic_fetch_add_explicit(&kernel_big_lock.next, 1, memory_order_relaxed));
    uint64_t t1 = rdtsc();
    kernel_lock_owner = this_cpu()->index;
    acquired_at = t1;
    kernel_lock_statistics.acquisitions++;
    note_wait(t1 - t0);
}

void kernel_unlock(void)
{
    uint64_t held = rdtsc() - acquired_at;
    kernel_lock_statistics.total_hold_tsc += held;
    if (held > kernel_lock_statistics.max_hold_tsc)
        kernel_lock_statistics.max_hold_tsc = held;
    kernel_lock_owner = KERNEL_LOCK_NO_OWNER;
    spin_unlock(&kernel_big_lock);
}

void kernel_lock_wait_timed(unsigned ticket)
{
    uint64_t t0 = rdtsc();
    wait_for_turn(ticket);
    note_wait(rdtsc() - t0);
}

void kernel_lock_start_timing(void)
{
    acquired_at = rdtsc();
    kernel_lock_statistics.acquisitions++;
}

bool kernel_lock_contended(void)
{
    unsigned next = atomic_load_explicit(&kernel_big_lock.next, memory_order_relaxed);
    unsigned serving = atomic_load_explicit(&kernel_big_lock.serving, memory_order_relaxed);
    return next - serving > 1;
}

bool kernel_lock_held_here(void)
{
    return kernel_lock_owner == this_cpu()->index;
}

void kernel_lock_stats(struct kernel_lock_stats *out)
{
    *out = kernel_lock_statistics;
    struct fastpath_counts fast;
    fastpath_get_counts(&fast);
    out->untimed_holds = fast.calls + fast.reply_recvs;
}
