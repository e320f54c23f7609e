/* Minimal round-robin over boot-created threads, shared by all cores,
 * until the MCS scheduler of issue 4 replaces it. Runs with interrupts off
 * and the kernel lock held, like all kernel code except the idle halt. */
#include "console.h"
#include "klock.h"
#include "thread.h"
#include "../arch/x86_64/cpu.h"
#include "../arch/x86_64/platform.h"
#include "../arch/x86_64/serial.h"
#include "../arch/x86_64/syscall.h"
#include "../arch/x86_64/x86.h"

#define SCHED_MAX_THREADS 8

static struct tcb *threads[SCHED_MAX_THREADS];
static unsigned thread_count;
static unsigned next_pick;

struct tcb *thread_current(void)
{
    return this_cpu()->current;
}

void thread_make_runnable(struct tcb *t)
{
    t->state = THREAD_RUNNABLE;
    for (unsigned i = 0; i < thread_count; i++)
        if (threads[i] == t)
            return;
    if (thread_count == SCHED_MAX_THREADS) {
        kprintf("atoll: warning: thread table full, %s not scheduled\n", t->name);
        return;
    }
    threads[thread_count++] = t;
}

_Noreturn void thread_run(struct tcb *t)
{
    struct percpu *c = this_cpu();
    struct tcb *prev = c->current;
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
        write_cr3(t->cr3);
    }
    cpu_set_user_context(&t->context + 1);
    kernel_unlock();
    return_to_user(&t->context);
}

void thread_suspend(struct tcb *t)
{
    t->state = THREAD_INACTIVE;
    for (unsigned i = 0; i < thread_count; i++) {
        if (threads[i] == t) {
            threads[i] = threads[--thread_count];
            break;
        }
    }
    /* If it is current on another core, that core notices at its next
     * kernel entry (state is no longer runnable); on this core the caller
     * reschedules. Cross-core preemption by IPI comes with issue 4's SMP
     * work. */
}

static struct tcb *pick_next(void)
{
    for (unsigned n = 0; n < thread_count; n++) {
        struct tcb *t = threads[(next_pick + n) % thread_count];
        bool elsewhere = t->current_on != 0 && t->current_on != this_cpu()->index + 1;
        if (t->state == THREAD_RUNNABLE && !elsewhere) {
            next_pick = (next_pick + n + 1) % thread_count;
            return t;
        }
    }
    return NULL;
}

static unsigned live_threads(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < thread_count; i++)
        n += threads[i]->state == THREAD_RUNNABLE || threads[i]->state == THREAD_BLOCKED;
    return n;
}

_Noreturn void schedule(void)
{
    for (;;) {
        struct tcb *t = pick_next();
        if (t)
            thread_run(t);
        if (!live_threads() && thread_count && this_cpu()->index == 0) {
            struct kernel_lock_stats ls;
            kernel_lock_stats(&ls);
            kprintf("atoll: no threads left to run\n");
            kprintf("atoll: kernel lock: %lu acquisitions, hold max %lu avg %lu, wait max %lu "
                    "(tsc ticks)\n",
                    ls.acquisitions, ls.max_hold_tsc,
                    ls.acquisitions ? ls.total_hold_tsc / ls.acquisitions : 0, ls.max_wait_tsc);
            thread_count = 0;
            if (boot_cmdline.exit_after_ready) {
                serial_flush();
                platform_leave_emulator(0);
            }
        }
        struct tcb *prev = this_cpu()->current;
        if (prev) {
            fpu_save(prev->fpu);
            prev->current_on = 0;
        }
        this_cpu()->current = NULL;
        /* Idle: interrupts on only while halted; the kernel stack is
         * reset on every entry, so nothing is kept across the halt. */
        kernel_unlock();
        irq_enable();
        cpu_halt();
        irq_disable();
        kernel_lock();
    }
}
