/* Fixed-priority scheduling on per-core ready queues (kernel/sched/),
 * round robin within a priority on a timeslice of timer ticks. The MCS
 * budgets of scheduling contexts build on this (issue 4). Runs with
 * interrupts off and the kernel lock held, like all kernel code except the
 * idle halt. */
#include "console.h"
#include "ipc.h"
#include "klock.h"
#include "thread.h"
#include "../arch/x86_64/cpu.h"
#include "../arch/x86_64/lapic.h"
#include "../arch/x86_64/lapic_regs.h"
#include "../arch/x86_64/platform.h"
#include "../arch/x86_64/serial.h"
#include "../arch/x86_64/syscall.h"
#include "../arch/x86_64/vspace.h"
#include "../arch/x86_64/x86.h"

#include <stddef.h>

static struct runqueue ready[MAX_CPUS];
static bool need_resched[MAX_CPUS];
static unsigned live_threads; /* runnable or blocked, for the exit hook */

static struct tcb *tcb_of_node(struct rq_node *n)
{
    return (struct tcb *)((uint8_t *)n - offsetof(struct tcb, rq));
}

static void resched_ipi(struct trap_frame *f)
{
    (void)f;
    need_resched[this_cpu()->index] = true;
}

void sched_init(void)
{
    for (unsigned i = 0; i < MAX_CPUS; i++)
        rq_init(&ready[i]);
    trap_set_handler(VEC_IPI_RESCHED, resched_ipi);
}

struct tcb *thread_current(void)
{
    return this_cpu()->current;
}

static uint32_t core_of(const struct tcb *t)
{
    return t->affinity < MAX_CPUS && percpu_area[t->affinity].online ? t->affinity : 0;
}

void thread_make_runnable(struct tcb *t)
{
    if (t->state != THREAD_RUNNABLE && t->state != THREAD_BLOCKED)
        live_threads++;
    t->state = THREAD_RUNNABLE;
    t->block_kind = BLOCK_NONE;
    t->blocked_on = NULL;
    if (t->current_on)
        return; /* it is the running thread of a core: not queued */
    uint32_t core = core_of(t);
    rq_enqueue_tail(&ready[core], &t->rq);
    struct percpu *c = this_cpu();
    if (core != c->index) {
        lapic_send_ipi(percpu_area[core].apic_id, ICR_FIXED | VEC_IPI_RESCHED);
    } else {
        struct tcb *cur = c->current;
        if (!cur || t->rq.prio > cur->rq.prio)
            need_resched[c->index] = true;
    }
}

void thread_block(struct tcb *t, enum block_kind kind, void *on)
{
    if (t->rq.queued)
        rq_dequeue(&ready[core_of(t)], &t->rq);
    t->state = THREAD_BLOCKED;
    t->block_kind = kind;
    t->blocked_on = on;
}

void thread_stop(struct tcb *t, enum thread_state why)
{
    ipc_cancel(t);
    if (t->rq.queued)
        rq_dequeue(&ready[core_of(t)], &t->rq);
    if (t->state == THREAD_RUNNABLE || t->state == THREAD_BLOCKED)
        live_threads--;
    t->state = why;
    t->block_kind = BLOCK_NONE;
    t->blocked_on = NULL;
    /* If it runs on another core right now, that core finds it no longer
     * runnable at its next kernel entry (at the latest the next tick). */
}

void thread_suspend(struct tcb *t)
{
    thread_stop(t, THREAD_INACTIVE);
}

void thread_set_priority(struct tcb *t, uint8_t prio)
{
    if (t->rq.queued)
        rq_set_prio(&ready[core_of(t)], &t->rq, prio);
    else
        t->rq.prio = prio;
}

_Noreturn void thread_run(struct tcb *t)
{
    struct percpu *c = this_cpu();
    struct tcb *prev = c->current;
    if (t->rq.queued)
        rq_dequeue(&ready[c->index], &t->rq);
    if (prev != t) {
        if (prev) {
            fpu_save(prev->fpu);
            prev->current_on = 0;
        }
        if (!t->fpu_ready) {
            fpu_init_area(t->fpu);
            t->fpu_ready = true;
        }
        fpu_restore(t->fpu);
        c->current = t;
        t->current_on = c->index + 1;
        t->timeslice_left = THREAD_DEFAULT_TIMESLICE_TICKS;
    }
    /* The thread's VSpace may have been deleted (its slot no longer holds
     * that PML4): it then runs on the kernel's tables and faults, rather
     * than on freed memory. */
    uint64_t root = vspace_thread_root(&tcb_slot(t, TCB_SLOT_VSPACE)->cap, t->cr3);
    if (read_cr3() != root)
        write_cr3(root);
    need_resched[c->index] = false;
    cpu_set_user_context(&t->context + 1);
    kernel_unlock();
    return_to_user(&t->context);
}

_Noreturn void thread_return(struct tcb *t)
{
    struct percpu *c = this_cpu();
    if (t && t->state == THREAD_RUNNABLE && t->current_on == c->index + 1 &&
        core_of(t) != c->index) {
        /* Its affinity moved it: hand it to its core. */
        fpu_save(t->fpu);
        t->current_on = 0;
        c->current = NULL;
        t->state = THREAD_BLOCKED; /* so that make_runnable queues it */
        thread_make_runnable(t);
        schedule();
    }
    if (t && t->state == THREAD_RUNNABLE && t->current_on == c->index + 1) {
        struct rq_node *best = rq_pick_highest(&ready[c->index]);
        bool preempt = best && best->prio > t->rq.prio;
        bool slice_over = best && best->prio == t->rq.prio && t->timeslice_left == 0;
        if (!need_resched[c->index] || (!preempt && !slice_over))
            thread_run(t);
        /* A preempted thread keeps its place; one whose slice ended goes
         * behind its peers. */
        if (preempt)
            rq_enqueue_head(&ready[c->index], &t->rq);
        else
            rq_enqueue_tail(&ready[c->index], &t->rq);
    }
    schedule();
}

void sched_tick(void)
{
    struct percpu *c = this_cpu();
    struct tcb *t = c->current;
    if (t && t->timeslice_left)
        t->timeslice_left--;
    if (t && t->timeslice_left == 0)
        need_resched[c->index] = true;
}

_Noreturn void schedule(void)
{
    struct percpu *c = this_cpu();
    for (;;) {
        struct rq_node *n = rq_pop_highest(&ready[c->index]);
        if (n) {
            struct tcb *t = tcb_of_node(n);
            if (t->state == THREAD_RUNNABLE && (!t->current_on || t->current_on == c->index + 1))
                thread_run(t);
            continue; /* stale entry */
        }
        struct tcb *prev = c->current;
        if (prev) {
            fpu_save(prev->fpu);
            prev->current_on = 0;
            c->current = NULL;
            if (prev->state == THREAD_RUNNABLE) {
                /* Still runnable but nothing picked it: queue it. */
                rq_enqueue_tail(&ready[core_of(prev)], &prev->rq);
                continue;
            }
        }
        if (!live_threads && c->index == 0) {
            struct kernel_lock_stats ls;
            kernel_lock_stats(&ls);
            kprintf("atoll: no threads left to run\n");
            kprintf("atoll: kernel lock: %lu acquisitions, hold max %lu avg %lu, wait max %lu "
                    "(tsc ticks)\n",
                    ls.acquisitions, ls.max_hold_tsc,
                    ls.acquisitions ? ls.total_hold_tsc / ls.acquisitions : 0, ls.max_wait_tsc);
            live_threads = ~0u; /* report once */
            if (boot_cmdline.exit_after_ready) {
                serial_flush();
                platform_leave_emulator(0);
            }
        }
        /* Idle: interrupts on only while halted; the kernel stack is
         * reset on every entry, so nothing is kept across the halt. */
        kernel_unlock();
        irq_enable();
        cpu_halt();
        irq_disable();
        kernel_lock();
    }
}

bool sched_may_switch_to(const struct tcb *t)
{
    const struct percpu *c = this_cpu();
    if (core_of(t) != c->index)
        return false;
    struct rq_node *best = rq_pick_highest(&ready[c->index]);
    return !best || best->prio <= t->rq.prio;
}
