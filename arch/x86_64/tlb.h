/* TLB maintenance for user address spaces: invalidation on this core and
 * shootdown on the others (issue 4: "TLB shootdown on unmap"). See tlb.c for
 * the protocol and why it cannot deadlock against the kernel lock.
 *
 * Every function but tlb_shootdown_poll() is called with the kernel lock
 * held (from an invocation or a capability's finalise hook) and returns only
 * once no core can use a translation that was removed. */
#ifndef ATOLL_ARCH_TLB_H
#define ATOLL_ARCH_TLB_H

#include <stdint.h>

/* Installs the shootdown IPI handler (once, on the bootstrap processor). */
void tlb_init(void);

/* One user page (of any size) of the address space rooted at the PML4 at
 * physical address `root` lost or changed its entry. */
void tlb_flush_page(uint64_t root, uint64_t vaddr);

/* Several entries of that address space changed: a page table was
 * detached, or a batch of pages unmapped. */
void tlb_flush_space(uint64_t root);

/* The PML4 at `root` is being destroyed: afterwards no core has it in CR3
 * (a core that had switches to the kernel's own PML4), so its page may be
 * reused as soon as the current invocation ends. */
void tlb_retire_space(uint64_t root);

/* Answers a pending shootdown request for this core, if there is one.
 * Must be called in every loop that waits for the kernel lock with
 * interrupts off (kernel/klock.c): the lock holder may be waiting for this
 * core's answer. Cheap when nothing is pending (one load). */
void tlb_shootdown_poll(void);

struct tlb_stats {
    uint64_t shootdowns;   /* requests sent to other cores */
    uint64_t max_wait_tsc; /* longest wait for every answer, TSC ticks */
};
void tlb_stats(struct tlb_stats *out);

#endif
