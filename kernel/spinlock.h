/* Ticket spinlock: FIFO so no core starves, `pause` in the spin because
 * QEMU's icount mode runs vCPUs in turn and a tight spin can starve the
 * holder (shared/TESTING.md). C11 atomics, usable on the host too. */
#ifndef ATOLL_KERNEL_SPINLOCK_H
#define ATOLL_KERNEL_SPINLOCK_H

#include <stdatomic.h>

struct spinlock {
    atomic_uint next;
    atomic_uint serving;
};

#define SPINLOCK_INIT                                                                              \
    {                                                                                              \
        0, 0                                                                                       \
    }

void cpu_relax(void);

static inline void spin_lock(struct spinlock *l)
{
    unsigned ticket = atomic_fetch_add_explicit(&l->next, 1, memory_order_relaxed);
    while (atomic_load_explicit(&l->serving, memory_order_acquire) != ticket)
        cpu_relax();
}

static inline void spin_unlock(struct spinlock *l)
{
    atomic_fetch_add_explicit(&l->serving, 1, memory_order_release);
}

#endif
