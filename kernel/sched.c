/* The MCS scheduler (seL4 MCS: kernel/src/kernel/thread.c, sched_context.c
 * and the budget parts of sporadic.c's callers): fixed priorities on
 * per-core ready queues, and a thread runs only on a scheduling context
 * (SC) that has budget. Runs with interrupts off and the kernel lock held,
 * like all kernel code except the idle halt.
 *
 * Where a thread is: a RUNNABLE thread whose SC is configured is in its
 * core's ready queue (the SC's head refill is released and holds at least
 * MIN_BUDGET), in its core's release queue (waiting for that refill), or
 * is the current thread of a core (then in neither, unless it is about to
 * be switched out). A thread without an SC is in no queue: it does not
 * run (a passive server waiting for a donated SC).
 *
 * Time: each core accounts the TSC ticks that pass to the SC of the
 * thread it runs (`core_sched.sc`) on every way out of the kernel (seL4
 * updateTimestamp), and charges them to the SC's refills (seL4
 * commitTime) when they would leave its head refill below MIN_BUDGET,
 * when the core switches to another SC, and before anything reads or
 * changes the SC. A charge that finds the head refill spent ends the
 * holder's timeslice (seL4 endTimeslice): a timeout fault if it has a
 * timeout endpoint and the SC is sporadic, else the tail of its priority
 * if the SC still has budget released (round robin always does), else the
 * release queue. The core's LAPIC timer is programmed for the earlier of
 * the end of the running SC's head refill and the first release in the
 * core's release queue, and at the latest for the next periodic tick
 * (arch/x86_64/timer.c); a core other than the first that has nothing to
 * run or release sleeps without a tick until an IPI. */
#include "console.h"
#include "ipc.h"
#include "klock.h"
#include "schedcontext.h"
#include "sched_core.h"
#include "thread.h"
#include "atoll/ipc.h"
#include "atoll/sched.h"
#include "atoll/syscall.h"
#include "../arch/x86_64/cpu.h"
#include "../arch/x86_64/lapic.h"
#include "../arch/x86_64/lapic_regs.h"
#include "../arch/x86_64/platform.h"
#include "../arch/x86_64/serial.h"
#include "../arch/x86_64/syscall.h"
#include "../arch/x86_64/timer.h"
#include "../arch/x86_64/vspace.h"
#include "../arch/x86_64/x86.h"

#include <stdatomic.h>
#include <stddef.h>

struct core_sched sched_cores[MAX_CPUS]; /* sched_core.h */
static struct core_sched *const cores = sched_cores;
/* Remote stall (seL4 remoteTCBStall): a core asked to let go of its
 * current thread, which another core has stopped. */
static atomic_bool detach_request[MAX_CPUS];
/* TSC ticks a remote stall waits before it asks again (a few ms). */
#define REMOTE_STALL_RESEND_TSC UINT64_C(10000000)
static unsigned live_threads; /* runnable or blocked, for the exit hook */
static uint64_t min_budget;   /* MIN_BUDGET, ticks */

static struct tcb *tcb_of_node(struct rq_node *n)
{
    return (struct tcb *)((uint8_t *)n - offsetof(struct tcb, rq));
}

static struct tcb *tcb_of_release(struct release_node *n)
{
    return (struct tcb *)((uint8_t *)n - offsetof(struct tcb, release));
}

static struct core_sched *this_core(void)
{
    return &cores[this_cpu()->index];
}

static uint32_t core_index(const struct core_sched *cs)
{
    return (uint32_t)(cs - cores);
}

static void resched_ipi(struct trap_frame *f)
{
    (void)f;
    this_core()->need_resched = true;
}

static void kick_core(uint32_t core)
{
    lapic_send_ipi(percpu_area[core].apic_id, ICR_FIXED | VEC_IPI_RESCHED);
}

void sched_init(void)
{
    for (unsigned i = 0; i < MAX_CPUS; i++) {
        rq_init(&cores[i].ready);
        release_queue_init(&cores[i].release);
        cores[i].last = rdtsc();
        percpu_area[i].sched_core = &cores[i];
    }
    min_budget = sched_us_to_ticks(ATOLL_SCHED_MIN_BUDGET_US);
    if (!min_budget)
        min_budget = 1;
    trap_set_handler(VEC_IPI_RESCHED, resched_ipi);
}

/* ---- Time. */

uint64_t sched_us_to_ticks(uint64_t us)
{
    uint64_t hz = timer_tsc_hz();
    return us / 1000000u * hz + us % 1000000u * hz / 1000000u;
}

uint64_t sched_ticks_to_us(uint64_t ticks)
{
    uint64_t hz = timer_tsc_hz();
    if (!hz)
        return 0;
    return ticks / hz * 1000000u + ticks % hz * 1000000u / hz;
}

uint64_t sched_min_budget_ticks(void)
{
    return min_budget;
}

/* Accounts the time since `last` to the core's SC (seL4
 * updateTimestamp): cheap, on every way out of the kernel. The TSCs of
 * all cores are taken to agree, so this may account another core's time. */
static void account(struct core_sched *cs)
{
    uint64_t now = rdtsc();
    if (now <= cs->last)
        return;
    if (cs->sc)
        cs->pending += now - cs->last;
    cs->last = now;
}

/* Charges the accounted time to the SC's refills (seL4 commitTime); an
 * SC that ran out ends its holder's timeslice at end_timeslice(). */
static void charge(struct core_sched *cs)
{
    account(cs);
    struct sched_context *sc = cs->sc;
    uint64_t usage = cs->pending;
    cs->pending = 0;
    if (!sc || !usage)
        return;
    sc->consumed += usage;
    if (refill_budget_check(sc_refills(sc), usage) && !cs->expired) {
        cs->expired = sc;
        cs->expired_may_fault = true;
    }
    cs->timer_deadline = 0; /* the head refill changed */
}

/* The SC may go on running on core `cs` now: its head refill is released
 * and holds MIN_BUDGET beyond what is accounted and not yet charged
 * (refill_ready and refill_sufficient, without a charge). */
static bool may_run(const struct core_sched *cs, struct sched_context *sc)
{
    const struct refill_sc *r = sc_refills(sc);
    if (!refill_active(r))
        return false;
    uint64_t pending = cs->sc == sc ? cs->pending : 0;
    const struct refill *head = refill_head(r);
    return head->release <= cs->last && head->amount >= pending + r->min_budget;
}

/* Makes `sc` the SC core `cs` charges (NULL: none), charging the old one
 * first. */
static void set_charged(struct core_sched *cs, struct sched_context *sc)
{
    if (cs->sc == sc)
        return;
    charge(cs);
    if (cs->sc && cs->sc->charged_on == core_index(cs) + 1)
        cs->sc->charged_on = 0;
    cs->sc = sc;
    cs->timer_deadline = 0;
    if (sc)
        sc->charged_on = core_index(cs) + 1;
}

/* Charges the SC's pending time, wherever it runs. */
static void sync_sc(struct sched_context *sc)
{
    if (sc->charged_on)
        charge(&cores[sc->charged_on - 1]);
}

/* No core charges the SC or owes it an end of timeslice any more. */
static void stop_charging(struct sched_context *sc)
{
    sync_sc(sc);
    for (unsigned i = 0; i < MAX_CPUS; i++) {
        if (cores[i].sc == sc)
            set_charged(&cores[i], NULL);
        if (cores[i].expired == sc)
            cores[i].expired = NULL;
    }
    sc->charged_on = 0;
}

/* The next interrupt of this core's timer: the end of the running SC's
 * head refill, or the first release, whichever is earlier. Usually what
 * it was: then the timer is left alone. */
static void program_timer(struct core_sched *cs, struct sched_context *running)
{
    uint64_t deadline = UINT64_MAX;
    if (running && refill_active(sc_refills(running)))
        deadline = cs->last - cs->pending + refill_head(sc_refills(running))->amount;
    struct release_node *n = release_queue_head(&cs->release);
    if (n && n->release < deadline)
        deadline = n->release;
    if (deadline == cs->timer_deadline)
        return;
    cs->timer_deadline = deadline;
    timer_set_deadline(deadline);
}

/* ---- Queues. */

struct tcb *thread_current(void)
{
    return this_cpu()->current;
}

static uint32_t core_of(const struct tcb *t)
{
    return t->affinity < MAX_CPUS && percpu_area[t->affinity].online ? t->affinity : 0;
}

static bool queued(const struct tcb *t)
{
    return t->rq.queued || t->release.queued;
}

static void unqueue(struct tcb *t)
{
    if (t->rq.queued)
        rq_dequeue(&cores[t->queue_core].ready, &t->rq);
    if (t->release.queued)
        release_queue_remove(&cores[t->queue_core].release, &t->release);
}

static void ready_enqueue(struct tcb *t, uint32_t core, bool at_head)
{
    t->queue_core = core;
    if (at_head)
        rq_enqueue_head(&cores[core].ready, &t->rq);
    else
        rq_enqueue_tail(&cores[core].ready, &t->rq);
    struct percpu *c = this_cpu();
    if (core != c->index) {
        kick_core(core);
        return;
    }
    struct tcb *cur = c->current;
    if (!cur || cur == t || t->rq.prio > cur->rq.prio)
        cores[core].need_resched = true;
}

static void release_enqueue(struct tcb *t, uint32_t core)
{
    /* Nothing is charged to the SC while it waits (the kernel's time until
     * the core switches is nobody's), so its next refill, the key here,
     * stays where it is. */
    struct sched_context *sc = t->sc;
    if (sc->charged_on)
        set_charged(&cores[sc->charged_on - 1], NULL);
    t->queue_core = core;
    bool first = release_queue_insert(&cores[core].release, &t->release,
                                      refill_head_release(sc_refills(sc)));
    /* A new earliest release: that core's timer must be moved (this
     * core's is programmed on the way out of the kernel). */
    if (first && core != this_cpu()->index)
        kick_core(core);
}

/* The SC may run at `now`, counting the time a core has accounted to it
 * and not charged yet. */
static bool ready_now(struct sched_context *sc, uint64_t now)
{
    const struct refill_sc *r = sc_refills(sc);
    if (!refill_ready(r, now))
        return false;
    return !sc->charged_on || refill_sufficient(r, cores[sc->charged_on - 1].pending);
}

/* Puts a runnable thread with a configured SC where it belongs: its
 * core's ready queue if the SC may run now, else the release queue. No
 * effect on other threads or one already queued. */
static void place(struct tcb *t, bool at_head)
{
    struct sched_context *sc = t->sc;
    if (t->state != THREAD_RUNNABLE || !sc || !refill_active(sc_refills(sc)) || queued(t))
        return;
    uint32_t core = core_of(t);
    if (ready_now(sc, rdtsc()))
        ready_enqueue(t, core, at_head);
    else
        release_enqueue(t, core);
}

/* `t` stops being this core's current thread (its state is saved). */
static void detach_current(struct percpu *c)
{
    struct tcb *t = c->current;
    if (!t)
        return;
    fpu_save(t->fpu);
    t->current_on = 0;
    c->current = NULL;
}

/* The current thread `t` of this core is still runnable but must give
 * way (or move to another core): queue it. */
static void queue_current(struct percpu *c, struct tcb *t, bool at_head)
{
    if (core_of(t) != c->index)
        detach_current(c); /* another core will run it */
    place(t, at_head);
}

/* Tells a thread's core to look at it again (it lost or changed its SC). */
static void reconsider(struct tcb *t)
{
    if (!t->current_on)
        return;
    if (t->current_on - 1 != this_cpu()->index)
        kick_core(t->current_on - 1);
    else
        this_core()->need_resched = true;
}

/* Moves the threads whose refills are due to the ready queues. */
static void release_due(struct core_sched *cs, uint64_t now)
{
    struct release_node *n;
    while ((n = release_queue_pop_due(&cs->release, now))) {
        struct tcb *t = tcb_of_release(n);
        struct sched_context *sc = t->sc;
        if (t->state != THREAD_RUNNABLE || !sc || !refill_active(sc_refills(sc)))
            continue;
        if (refill_ready(sc_refills(sc), now))
            ready_enqueue(t, core_of(t), false);
        else if (refill_head_release(sc_refills(sc)) > now)
            release_enqueue(t, core_of(t));
        /* else: a released head below MIN_BUDGET, which refill.c never
         * leaves; the thread stays out rather than loop here. */
    }
}

/* ---- Budget expiry and timeout faults. */

static bool has_timeout_handler(struct tcb *t)
{
    const struct cap *c = &tcb_slot(t, TCB_SLOT_TIMEOUT_EP)->cap;
    return cap_type(c) == CAP_ENDPOINT && (cap_rights(c) & ATOLL_RIGHT_WRITE);
}

/* seL4 handleTimeout: the thread Calls its timeout endpoint with a fault
 * message; the SC stays with it (it is out of budget: nothing to donate). */
static void raise_timeout_fault(struct tcb *t, struct sched_context *sc)
{
    t->fault_kind = ATOLL_FAULT_TIMEOUT;
    t->fault_words[0] = sc->badge;
    t->fault_words[1] = sched_ticks_to_us(sc->consumed);
    t->fault_words[2] = t->context.rip;
    ipc_send(t, tcb_slot(t, TCB_SLOT_TIMEOUT_EP), true, true);
}

/* seL4 endTimeslice for the SC that ran out at this core's last charge. */
static void end_timeslice(struct core_sched *cs)
{
    struct sched_context *sc = cs->expired;
    if (!sc)
        return;
    bool may_fault = cs->expired_may_fault;
    cs->expired = NULL;
    struct tcb *t = sc->tcb;
    if (!t || t->state != THREAD_RUNNABLE)
        return; /* a blocked holder is checked when it wakes */
    unqueue(t);
    if (may_fault && !refill_is_round_robin(sc_refills(sc)) && !t->fault_kind &&
        has_timeout_handler(t)) {
        raise_timeout_fault(t, sc);
        return;
    }
    /* Round robin, or sporadic with budget released: behind its peers;
     * otherwise the release queue. A current thread is queued too: the
     * way out of the kernel sees that and reschedules; unless it has no
     * peers here and may run on, when it would only be picked again. */
    uint32_t here = this_cpu()->index;
    if (t->current_on == here + 1 && core_of(t) == here && ready_now(sc, cs->last)) {
        struct rq_node *best = rq_pick_highest(&cs->ready);
        if (!best || best->prio < t->rq.prio)
            return;
    }
    if (t->current_on && t->current_on - 1 != here)
        reconsider(t);
    place(t, false);
}

void sched_yield(struct tcb *t)
{
    struct core_sched *cs = this_core();
    struct sched_context *sc = t->sc;
    if (!sc || cs->sc != sc)
        return;
    /* Charge what was used and the rest of the head in one step. */
    account(cs);
    uint64_t used = cs->pending;
    cs->pending = 0;
    sc->consumed += used;
    struct refill_sc *r = sc_refills(sc);
    refill_budget_check(r, used + refill_capacity(r, used));
    cs->timer_deadline = 0;
    cs->expired = sc;
    cs->expired_may_fault = false;
}

void sched_tick(void)
{
    struct tcb *t = thread_current();
    if (t)
        sched_yield(t);
}

void sched_timer_interrupt(void)
{
    struct core_sched *cs = this_core();
    cs->timer_deadline = 0; /* the handler re-armed the timer for a tick */
    release_due(cs, rdtsc());
}

/* ---- Thread states. */

void thread_make_runnable(struct tcb *t)
{
    if (t->state != THREAD_RUNNABLE && t->state != THREAD_BLOCKED)
        live_threads++;
    bool waking = t->state != THREAD_RUNNABLE;
    t->state = THREAD_RUNNABLE;
    t->block_kind = BLOCK_NONE;
    t->blocked_on = NULL;
    struct sched_context *sc = t->sc;
    /* A sporadic SC that sat unused counts its budget from now (seL4
     * refill_unblock_check); not one that is being charged. */
    if (waking && sc && !sc->charged_on)
        refill_unblock_check(sc_refills(sc), rdtsc());
    if (t->current_on)
        return; /* it is the running thread of a core: not queued */
    place(t, false);
}

void thread_block(struct tcb *t, enum block_kind kind, void *on)
{
    unqueue(t);
    t->state = THREAD_BLOCKED;
    t->block_kind = kind;
    t->blocked_on = on;
}

/* In the kernel-lock spin loop (lock not held): if asked, stop being the
 * core of a current thread that another core has stopped. Its registers
 * were saved on the way in; its FPU state is saved here. */
void sched_detach_poll(void)
{
    struct percpu *c = this_cpu();
    if (!atomic_load_explicit(&detach_request[c->index], memory_order_acquire))
        return;
    struct tcb *cur = c->current;
    if (cur && cur->state != THREAD_RUNNABLE) {
        fpu_save(cur->fpu);
        c->current = NULL;
        __atomic_store_n(&cur->current_on, 0, __ATOMIC_RELEASE);
    }
    atomic_store_explicit(&detach_request[c->index], false, memory_order_release);
}

/* Waits until the thread `t`, stopped here, is no longer current on the
 * other core that ran it, so that its TCB may be changed or freed. */
static void remote_stall(struct tcb *t)
{
    uint32_t on = __atomic_load_n(&t->current_on, __ATOMIC_ACQUIRE);
    if (!on || on == this_cpu()->index + 1)
        return;
    uint32_t core = on - 1;
    /* Asked again now and then: an xAPIC IPI may not leave the first time. */
    for (;;) {
        atomic_store_explicit(&detach_request[core], true, memory_order_release);
        kick_core(core);
        for (uint64_t t0 = rdtsc(); rdtsc() - t0 < REMOTE_STALL_RESEND_TSC;) {
            if (__atomic_load_n(&t->current_on, __ATOMIC_ACQUIRE) != on)
                return;
            cpu_pause();
        }
    }
}

void thread_stop(struct tcb *t, enum thread_state why)
{
    ipc_cancel(t);
    unqueue(t);
    if (t->state == THREAD_RUNNABLE || t->state == THREAD_BLOCKED)
        live_threads--;
    t->state = why;
    t->block_kind = BLOCK_NONE;
    t->blocked_on = NULL;
    remote_stall(t);
}

void thread_suspend(struct tcb *t)
{
    thread_stop(t, THREAD_INACTIVE);
}

void thread_set_priority(struct tcb *t, uint8_t prio)
{
    if (t->rq.queued)
        rq_set_prio(&cores[t->queue_core].ready, &t->rq, prio);
    else
        t->rq.prio = prio;
    /* A lower priority for the current thread, or a higher one for a
     * ready thread, may change who runs. */
    if (t->rq.queued && t->queue_core != this_cpu()->index)
        kick_core(t->queue_core);
    else
        this_core()->need_resched = true;
}

/* ---- Switching. */

_Noreturn void thread_run(struct tcb *t)
{
    struct percpu *c = this_cpu();
    struct core_sched *cs = &cores[c->index];
    struct tcb *prev = c->current;
    unqueue(t);
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
    }
    /* The thread's VSpace may have been deleted (its slot no longer holds
     * that PML4): it then runs on the kernel's tables and faults, rather
     * than on freed memory. */
    uint64_t root = vspace_thread_root(&tcb_slot(t, TCB_SLOT_VSPACE)->cap, t->cr3);
    if (read_cr3() != root)
        write_cr3(root);
    set_charged(cs, t->sc);
    cs->need_resched = false;
    program_timer(cs, t->sc);
    cpu_set_user_context(&t->context + 1);
    kernel_unlock();
    return_to_user(&t->context);
}

static void settle_expired(struct core_sched *cs)
{
    charge(cs);
    end_timeslice(cs);
}

/* Accounts the core's time; if its SC ran out, charges it and ends the
 * timeslice (seL4 checkBudget). The common case costs a TSC read and a
 * comparison. */
static inline void settle(struct core_sched *cs)
{
    account(cs);
    if (cs->expired || (cs->sc && !may_run(cs, cs->sc)))
        settle_expired(cs);
}

_Noreturn void thread_return(struct tcb *t)
{
    struct percpu *c = this_cpu();
    struct core_sched *cs = &cores[c->index];
    settle(cs);
    if (t && t->state == THREAD_RUNNABLE && t->current_on == c->index + 1 && !queued(t)) {
        struct sched_context *sc = t->sc;
        bool at_head = false;
        if (core_of(t) == c->index && sc && may_run(cs, sc)) {
            if (!cs->need_resched)
                thread_run(t);
            struct rq_node *best = rq_pick_highest(&cs->ready);
            if (!best || best->prio <= t->rq.prio)
                thread_run(t);
            at_head = true; /* preempted: keeps its place */
        }
        /* Else it moved to another core, lost its SC or its budget. */
        if (!queued(t))
            queue_current(c, t, at_head);
    }
    schedule();
}

_Noreturn void schedule(void)
{
    struct percpu *c = this_cpu();
    struct core_sched *cs = &cores[c->index];
    settle(cs);
    struct tcb *prev = c->current;
    if (prev && prev->state == THREAD_RUNNABLE && prev->current_on == c->index + 1 && !queued(prev))
        queue_current(c, prev, true);
    /* The scheduler's time is charged to the SC that ran last (seL4). */
    for (;;) {
        release_due(cs, rdtsc());
        struct rq_node *n = rq_pop_highest(&cs->ready);
        if (n) {
            struct tcb *t = tcb_of_node(n);
            if (t->state == THREAD_RUNNABLE && t->sc &&
                (!t->current_on || t->current_on == c->index + 1))
                thread_run(t);
            continue; /* stale entry */
        }
        /* Nothing to run: the previous thread is queued elsewhere,
         * blocked, or has no SC; idle time is nobody's. */
        detach_current(c);
        set_charged(cs, NULL);
        if (!live_threads && c->index == 0) {
            struct kernel_lock_stats ls;
            kernel_lock_stats(&ls);
            kprintf("atoll: no threads left to run\n");
            kprintf("atoll: kernel lock: %lu acquisitions (and %lu by the IPC fast path, "
                    "untimed), hold max %lu avg %lu, wait max %lu (tsc ticks)\n",
                    ls.acquisitions, ls.untimed_holds, ls.max_hold_tsc,
                    ls.acquisitions ? ls.total_hold_tsc / ls.acquisitions : 0, ls.max_wait_tsc);
            live_threads = ~0u; /* report once */
            if (boot_cmdline.exit_after_ready) {
                serial_flush();
                platform_leave_emulator(0);
            }
        }
        /* Idle: interrupts on only while halted; the kernel stack is
         * reset on every entry, so nothing is kept across the halt. A
         * core with no release to wait for sleeps until an IPI brings it
         * work; the bootstrap core keeps its tick for the report above. */
        if (c->index != 0 && !release_queue_head(&cs->release)) {
            timer_stop();
            cs->timer_deadline = 0;
        } else {
            program_timer(cs, NULL);
        }
        kernel_unlock();
        irq_enable();
        cpu_halt();
        irq_disable();
        kernel_lock();
        settle(cs); /* nothing runs: moves `last` past the idle time */
    }
}

/* ---- Scheduling contexts. */

static void chain_remove(struct sched_context *sc, struct reply_object *r)
{
    if (sc->reply == r) {
        sc->reply = r->donation_prev;
    } else {
        for (struct reply_object *x = sc->reply; x; x = x->donation_prev) {
            if (x->donation_prev == r) {
                x->donation_prev = r->donation_prev;
                break;
            }
        }
    }
    r->donated = NULL;
    r->donation_prev = NULL;
}

static void chain_clear(struct sched_context *sc)
{
    struct reply_object *r = sc->reply;
    while (r) {
        struct reply_object *next = r->donation_prev;
        r->donated = NULL;
        r->donation_prev = NULL;
        r = next;
    }
    sc->reply = NULL;
}

/* Takes the SC from the thread holding it. */
static void release_holder(struct sched_context *sc)
{
    struct tcb *t = sc->tcb;
    if (!t)
        return;
    sc->tcb = NULL;
    t->sc = NULL;
    unqueue(t);
    reconsider(t);
}

void sched_sc_configure(struct sched_context *sc, uint64_t budget, uint64_t period,
                        uint64_t extra_refills, uint32_t core, uint64_t badge)
{
    sync_sc(sc);
    struct refill_sc *r = sc_refills(sc);
    struct tcb *t = sc->tcb;
    uint64_t now = rdtsc();
    if (t)
        unqueue(t);
    /* An SC in use keeps what is left of its current refill (seL4
     * invokeSchedControl_ConfigureFlags); an idle one starts afresh. */
    if (refill_active(r) && (sc->charged_on || (t && t->state == THREAD_RUNNABLE)))
        refill_update(r, budget, period, extra_refills, min_budget, now);
    else
        refill_configure(r, budget, period, extra_refills, min_budget, now);
    for (unsigned i = 0; i < MAX_CPUS; i++) {
        if (cores[i].expired == sc)
            cores[i].expired = NULL; /* new refills: readiness is looked at afresh */
        if (cores[i].sc == sc)
            cores[i].timer_deadline = 0; /* nor may the IPC fast path trust the old one */
    }
    sc->core = core;
    sc->badge = badge;
    if (!t)
        return;
    t->affinity = core;
    if (t->current_on)
        reconsider(t);
    else
        place(t, false);
}

void sched_sc_bind(struct sched_context *sc, struct tcb *t)
{
    sc->tcb = t;
    t->sc = sc;
    unqueue(t);
    t->affinity = sc->core;
    if (t->state != THREAD_RUNNABLE)
        return;
    if (!sc->charged_on)
        refill_unblock_check(sc_refills(sc), rdtsc());
    if (t->current_on)
        reconsider(t);
    else
        place(t, false);
}

void sched_sc_unbind(struct sched_context *sc)
{
    stop_charging(sc);
    chain_clear(sc);
    release_holder(sc);
}

uint64_t sched_sc_take_consumed(struct sched_context *sc)
{
    sync_sc(sc);
    uint64_t consumed = sc->consumed;
    sc->consumed = 0;
    return consumed;
}

void sched_sc_finalise(struct sched_context *sc)
{
    sched_sc_unbind(sc);
}

void sched_tcb_finalise(struct tcb *t)
{
    struct sched_context *sc = t->sc;
    if (!sc)
        return;
    stop_charging(sc);
    sc->tcb = NULL;
    t->sc = NULL;
}

/* ---- Donation over IPC (seL4 reply_push / reply_pop). */

void sched_donate_on_call(struct tcb *caller, struct tcb *receiver, struct reply_object *reply)
{
    struct sched_context *sc = caller->sc;
    if (!sc || receiver->sc || !reply || caller->fault_kind == ATOLL_FAULT_TIMEOUT)
        return;
    caller->sc = NULL;
    unqueue(caller);
    sc->tcb = receiver;
    receiver->sc = sc;
    reply->donated = sc;
    reply->donation_prev = sc->reply;
    sc->reply = reply;
    /* The server runs where its client's time is. */
    receiver->affinity = core_of(caller);
    if (!sc->charged_on)
        refill_unblock_check(sc_refills(sc), rdtsc());
    if (receiver->state == THREAD_RUNNABLE) {
        unqueue(receiver);
        if (receiver->current_on)
            reconsider(receiver);
        else
            place(receiver, false);
    }
}

void sched_return_donation(struct reply_object *reply, struct tcb *caller)
{
    struct sched_context *sc = reply->donated;
    if (!sc)
        return;
    bool top = sc->reply == reply;
    chain_remove(sc, reply);
    /* Only the latest donation can go back: an earlier one's SC is still
     * in use further up the chain. */
    if (!top || caller->sc)
        return;
    release_holder(sc);
    sc->tcb = caller;
    caller->sc = sc;
    if (caller->state == THREAD_RUNNABLE)
        place(caller, false);
}

void sched_forget_donation(struct reply_object *reply)
{
    if (reply->donated)
        chain_remove(reply->donated, reply);
}

/* ---- Endpoint budget threshold. */

static void threshold_error(struct tcb *t, struct refill_sc *r, uint64_t threshold, uint64_t now)
{
    t->context.rax = ATOLL_SCHED_THRESHOLD_ERROR;
    t->context.rsi = atoll_msginfo(0, ATOLL_MSG_REGISTERS, 0);
    t->context.rdx = 0;
    t->context.r8 = sched_ticks_to_us(threshold);
    t->context.r9 = sched_ticks_to_us(r->budget);
    t->context.r10 = sched_ticks_to_us(refill_available_now(r, now));
}

bool sched_send_admitted(struct tcb *t, const struct endpoint *ep, bool blocking)
{
    uint64_t threshold = ep->budget_threshold;
    struct sched_context *sc = t->sc;
    if (!threshold || t->fault_kind || !sc)
        return true;
    sync_sc(sc);
    struct refill_sc *r = sc_refills(sc);
    uint64_t now = rdtsc();
    enum refill_threshold_result result = refill_threshold_check(r, now, threshold);
    if (result == REFILL_THRESHOLD_MET)
        return true;
    if (result == REFILL_THRESHOLD_NEVER || !blocking) {
        threshold_error(t, r, threshold, now);
        return false;
    }
    /* Wait for enough budget in one refill (seL4 refill_merge_until_budget
     * before the call), then make the call again. */
    refill_postpone_for(r, threshold);
    if (refill_is_round_robin(r)) {
        /* A fresh timeslice, after the threads of its priority. */
        struct core_sched *cs = this_core();
        if (cs->sc == sc) {
            cs->expired = sc;
            cs->expired_may_fault = false;
        }
    } else if (refill_ready(r, now)) {
        return true;
    }
    t->context.rip -= SYSCALL_INSTRUCTION_BYTES;
    return false;
}

/* ---- Checking. */

static const char *check_ready_thread(const struct tcb *t, uint32_t core)
{
    if (t->state != THREAD_RUNNABLE)
        return "a thread in a ready queue is not runnable";
    if (t->queue_core != core || t->release.queued)
        return "a ready thread's queue bookkeeping is wrong";
    if (!t->sc || t->sc->tcb != t)
        return "a ready thread does not hold its SC";
    return refill_check_invariants(sc_refills(t->sc));
}

static const char *check_released_thread(const struct tcb *t, uint32_t core)
{
    if (t->state != THREAD_RUNNABLE)
        return "a thread in a release queue is not runnable";
    if (t->queue_core != core || t->rq.queued)
        return "a waiting thread's queue bookkeeping is wrong";
    if (!t->sc || t->sc->tcb != t || !refill_active(sc_refills(t->sc)))
        return "a waiting thread does not hold a configured SC";
    if (t->release.release != refill_head_release(sc_refills(t->sc)))
        return "a waiting thread's release time is not its SC's next refill";
    return refill_check_invariants(sc_refills(t->sc));
}

const char *sched_check_invariants(void)
{
    for (uint32_t i = 0; i < MAX_CPUS; i++) {
        const struct core_sched *cs = &cores[i];
        const char *e = rq_check_invariants(&cs->ready);
        if (!e)
            e = release_queue_check_invariants(&cs->release);
        for (unsigned p = 0; !e && p < RQ_PRIORITIES; p++)
            for (struct rq_node *n = cs->ready.lists[p].head; !e && n; n = n->next)
                e = check_ready_thread(tcb_of_node(n), i);
        for (struct release_node *n = cs->release.head; !e && n; n = n->next)
            e = check_released_thread(tcb_of_release(n), i);
        if (!e && cs->sc)
            e = refill_check_invariants(sc_refills(cs->sc));
        if (e)
            return e;
    }
    return NULL;
}
