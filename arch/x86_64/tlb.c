/* TLB invalidation and cross-core shootdown; see tlb.h.
 *
 * What a core caches. PCIDs are not used (CR4.PCIDE = 0), so a core holds
 * translations of its current CR3 and of global pages only: MOV to CR3
 * drops every non-global TLB entry and every paging-structure cache entry
 * (SDM Vol. 3A 4.10.4.1). User mappings are never global; the kernel's are
 * (where the CPU has PGE), so a CR3 reload costs user translations only.
 *   - This core: if the changed space is its current one, INVLPG the page
 *     (which also empties the paging-structure caches, SDM Vol. 3A
 *     4.10.4.1) or reload CR3 for bigger changes; otherwise it holds
 *     nothing of that space.
 *   - Other cores: their CR3 cannot be read from here, and an idle core
 *     keeps the CR3 of the last thread it ran, so every other online core
 *     reloads CR3 and answers. Simple and always correct; a per-space
 *     record of the cores that loaded it would save IPIs later.
 *
 * Why this cannot deadlock against the big kernel lock (kernel/klock.h).
 * The sender holds the lock, with interrupts off, and waits for answers.
 * Every way into the kernel (SYSCALL, an interrupt or exception from user
 * mode, an interrupt that wakes an idle core) first spins for that lock
 * with interrupts off; so would an IPI handler, which therefore runs only
 * after the sender has let go. Waiting for a handler would deadlock. So the
 * answer does not come from the handler and needs no lock: each core has a
 * pending flag, and tlb_shootdown_poll() (reload CR3, clear the flag) runs
 * inside the kernel_lock() spin loop. The IPI only makes a core that runs
 * user code, or is halted in the idle loop, enter the kernel, where it
 * reaches that spin; a core already spinning sees the flag without taking
 * the interrupt. No core can wait for the lock without polling, so the
 * sender's wait ends. The handler itself, which runs later under the lock,
 * finds nothing left to do.
 *   Only the lock holder sends, so there is one request at a time, and it
 * is complete before the lock is released: memory that was unmapped can
 * only be reused by a later invocation (Retype), when no core can reach it
 * through a stale translation any more. A core that does not answer within
 * TLB_SHOOTDOWN_TIMEOUT_S is a kernel bug or dead hardware: going on would
 * be unsafe, so the system stops with a report.
 *
 * Retiring a PML4: a core whose CR3 is the dying PML4 switches to the
 * kernel's PML4 instead of reloading, because the page may be reused (and
 * zeroed by Retype) as soon as the invocation ends, and a core in the
 * kernel still translates kernel addresses through its CR3's upper half. */
#include "tlb.h"
#include "cpu.h"
#include "lapic.h"
#include "lapic_regs.h"
#include "paging.h"
#include "timer.h"
#include "trap.h"
#include "x86.h"
#include "../../kernel/console.h"

#include <stdatomic.h>
#include <stdbool.h>

/* Re-send the IPI to cores that have not answered this often (an xAPIC
 * IPI can fail to leave, lapic_send_ipi), and give up after this long. */
#define TLB_RESEND_PER_SECOND   100
#define TLB_SHOOTDOWN_TIMEOUT_S 10
#define TLB_FALLBACK_TSC_HZ     UINT64_C(1000000000)

static atomic_bool flush_pending[MAX_CPUS];
/* The PML4 being retired by the current request, 0 if none. */
static _Atomic uint64_t retiring_root;
static struct tlb_stats stats;

static bool cr3_is(uint64_t root)
{
    return (read_cr3() & PTE_ADDR) == root;
}

void tlb_shootdown_poll(void)
{
    struct percpu *c = this_cpu();
    if (!atomic_load_explicit(&flush_pending[c->index], memory_order_acquire))
        return;
    uint64_t retiring = atomic_load_explicit(&retiring_root, memory_order_relaxed);
    if (retiring && cr3_is(retiring))
        write_cr3(kernel_pml4_phys);
    else
        write_cr3(read_cr3());
    atomic_store_explicit(&flush_pending[c->index], false, memory_order_release);
}

static void shootdown_ipi(struct trap_frame *f)
{
    (void)f;
    tlb_shootdown_poll();
}

void tlb_init(void)
{
    trap_set_handler(VEC_IPI_TLB_SHOOTDOWN, shootdown_ipi);
}

static void send_to_pending(uint32_t self)
{
    for (uint32_t i = 0; i < MAX_CPUS; i++) {
        if (i != self && atomic_load_explicit(&flush_pending[i], memory_order_acquire))
            lapic_send_ipi(percpu_area[i].apic_id, ICR_FIXED | VEC_IPI_TLB_SHOOTDOWN);
    }
}

static bool any_pending(uint32_t self, uint32_t *which)
{
    for (uint32_t i = 0; i < MAX_CPUS; i++) {
        if (i != self && atomic_load_explicit(&flush_pending[i], memory_order_acquire)) {
            *which = i;
            return true;
        }
    }
    return false;
}

/* Every other online core reloads CR3 (or leaves `retiring`) and answers. */
static void shootdown(uint64_t retiring)
{
    uint32_t self = this_cpu()->index;
    bool any = false;

    /* Page-table writes are done; the release stores publish them and
     * `retiring_root` with the flags. */
    atomic_store_explicit(&retiring_root, retiring, memory_order_relaxed);
    for (uint32_t i = 0; i < MAX_CPUS; i++) {
        if (i == self || !percpu_area[i].online)
            continue;
        atomic_store_explicit(&flush_pending[i], true, memory_order_release);
        any = true;
    }
    if (!any)
        return;
    stats.shootdowns++;
    send_to_pending(self);

    uint64_t hz = timer_tsc_hz() ? timer_tsc_hz() : TLB_FALLBACK_TSC_HZ;
    uint64_t start = rdtsc(), last_send = start;
    uint32_t late;
    while (any_pending(self, &late)) {
        cpu_pause();
        uint64_t now = rdtsc();
        if (now - last_send > hz / TLB_RESEND_PER_SECOND) {
            send_to_pending(self);
            last_send = now;
        }
        if (now - start > hz * TLB_SHOOTDOWN_TIMEOUT_S) {
            kprintf_emergency("atoll: TLB shootdown: cpu %u did not answer in %u s\n", late,
                              TLB_SHOOTDOWN_TIMEOUT_S);
            system_stop(1);
        }
    }
    uint64_t waited = rdtsc() - start;
    if (waited > stats.max_wait_tsc)
        stats.max_wait_tsc = waited;
    atomic_store_explicit(&retiring_root, 0, memory_order_relaxed);
}

void tlb_flush_page(uint64_t root, uint64_t vaddr)
{
    if (cr3_is(root))
        invlpg(vaddr);
    shootdown(0);
}

void tlb_flush_space(uint64_t root)
{
    if (cr3_is(root))
        write_cr3(read_cr3());
    shootdown(0);
}

void tlb_retire_space(uint64_t root)
{
    if (cr3_is(root))
        write_cr3(kernel_pml4_phys);
    shootdown(root);
}

void tlb_stats(struct tlb_stats *out)
{
    *out = stats;
}
