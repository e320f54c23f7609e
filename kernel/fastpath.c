/* The IPC fast path for Call and ReplyRecv (seL4 fastpath_call and
 * fastpath_reply_recv, MCS variant): the client-server round trip between
 * two threads on one core, in as few instructions as the checks allow.
 *
 * The SYSCALL stub (arch/x86_64/syscall_entry.asm) comes here for these
 * two system calls, with the caller's registers already saved in its TCB.
 * The checks come first and change nothing; if any fails, the general
 * path runs the system call from the start, under the lock already taken,
 * with the same result it would have had without a fast path. Past the
 * checks the operation cannot fail.
 *
 * What the fast path handles (anything else is the general path's):
 *   - a message of at most ATOLL_MSG_REGISTERS words and no capabilities,
 *     from a thread with no pending fault;
 *   - capabilities found in a root CNode that resolves the whole pointer
 *     in one level (guard + radix = 64 bits, as init's): an endpoint with
 *     the right to send (Call) or receive (ReplyRecv), and a reply object;
 *   - Call: a passive server (no SC of its own) waiting in Recv with a
 *     reply object that holds no caller and no donation, on an endpoint
 *     with no budget threshold; the caller's SC, charged on this core and
 *     with budget left, is donated to it;
 *   - ReplyRecv: a reply object at the top of its SC's donation chain
 *     whose caller has no SC and no fault: the SC goes back with the
 *     reply; no sender waits on the endpoint and the replier has no bound
 *     notification (either would make the Recv return at once);
 *   - the thread switched to belongs to this core, is in no scheduler
 *     queue, is current nowhere, and no thread ready here has a higher
 *     priority (seL4 isHighestPrio: an equal one does not preempt).
 * Both threads run on the same SC before and after, so the core charges
 * the same SC, and the budget timer, programmed for the end of that SC's
 * head refill (or an earlier release), stays right: the fast path does not
 * reprogram it. It checks, with one TSC read, that the SC may go on
 * running (budget_left()); an SC that is out of budget, or nearly, goes
 * through the general path, which ends its timeslice. */
#include "fastpath.h"
#include "ipc.h"
#include "klock.h"
#include "sched_core.h"
#include "thread.h"
#include "atoll/ipc.h"
#include "atoll/rights.h"
#include "atoll/syscall.h"
#include "../arch/x86_64/cpu.h"
#include "../arch/x86_64/paging.h"
#include "../arch/x86_64/syscall.h"
#include "../arch/x86_64/x86.h"

/* The SYSCALL stub compares the number against these (layout.inc). */
_Static_assert(ATOLL_SYS_CALL == 1, "layout.inc SYS_CALL");
_Static_assert(ATOLL_SYS_REPLY_RECV == 6, "layout.inc SYS_REPLY_RECV");

static struct fastpath_counts counts;

/* Every helper below is inlined (a GCC attribute): GCC's -O2 heuristics
 * would call them, and a call costs more than most of them do. */
#define FAST_INLINE static inline __attribute__((always_inline))

void fastpath_get_counts(struct fastpath_counts *out)
{
    *out = counts;
}

/* Out of line and cold (GCC attributes) so that the checks above each
 * call stay short jumps and the common case falls straight through. */
__attribute__((noinline, cold)) static _Noreturn void slowpath(struct trap_frame *f)
{
    kernel_lock_start_timing();
    syscall_general(f);
}

/* The kernel's view of an object named by a capability. User threads exist
 * only once the physical map is active, so no check for it here. */
FAST_INLINE void *object(const struct cap *c)
{
    return (void *)(uintptr_t)(PHYSMAP_BASE + cap_paddr(c));
}

/* A root CNode that resolves all 64 bits of a pointer at once (guard +
 * radix = 64, as init's); anything else leaves `slots` NULL and the
 * general lookup handles guards and levels. Decoded once per system call,
 * used for every pointer it names. */
struct one_level {
    const struct cap_slot *slots;
    unsigned radix;
    uint64_t guard;
};

FAST_INLINE struct one_level decode_root(const struct cap *root)
{
    struct one_level l = {NULL, cap_cnode_radix(root), cap_cnode_guard(root)};
    if (cap_type(root) == CAP_CNODE && l.radix + cap_cnode_guard_size(root) == ATOLL_CPTR_BITS)
        l.slots = object(root);
    return l;
}

/* The capability `cptr` names; NULL if the guard does not match. */
FAST_INLINE const struct cap *lookup(const struct one_level *l, uint64_t cptr)
{
    if (!l->slots || (cptr >> l->radix) != l->guard)
        return NULL;
    return &l->slots[cptr & cap_bits_mask(l->radix)].cap;
}

FAST_INLINE bool has_right(const struct cap *c, uint64_t right)
{
    /* Endpoint and reply capabilities keep their rights in the small
     * fields (kernel/cap/cap.h); the type is checked by the caller. */
    return cap_field(c, CAP_RIGHTS_POS, CAP_RIGHTS_WIDTH) & right;
}

/* Register-sized, no capabilities (the receiver's info is rebuilt, so
 * the sender's unwrapped bits do not matter). */
FAST_INLINE bool message_fits(uint64_t info)
{
    /* One compare: the capability count sits just above the length. */
    _Static_assert(ATOLL_MSGINFO_CAPS_SHIFT == ATOLL_MSGINFO_LENGTH_BITS, "atoll/ipc.h layout");
    return (info & ((UINT64_C(1) << (ATOLL_MSGINFO_CAPS_SHIFT + ATOLL_MSGINFO_CAPS_BITS)) - 1)) <=
           ATOLL_MSG_REGISTERS;
}

/* The blocked thread `t` may become this core's current thread now. */
FAST_INLINE bool may_switch_to(const struct percpu *c, const struct core_sched *cs,
                               const struct tcb *t)
{
    return t->affinity == c->index && !t->current_on && !t->rq.queued && !t->release.queued &&
           t->fpu_ready && !cs->need_resched && sched_none_ready_above(cs, t->rq.prio);
}

/* The current thread `self` may leave the core to a thread running on
 * the same SC: the SC is the one this core charges and `self` holds it,
 * nothing has ended its timeslice or changed its refills since the budget
 * timer was programmed (charge(), set_charged() and sched_sc_configure()
 * in kernel/sched.c forget the deadline), and that deadline, which is no
 * later than the end of the SC's head refill (program_timer()), is at
 * least MIN_BUDGET away. That implies what thread_return() checks,
 * may_run() after account(), at the cost of one TSC read; the time itself is accounted at the next
 * kernel entry, to the same SC either way. A deadline that is earlier
 * because a release is due sends the call to the general path, which
 * then looks at the release. */
FAST_INLINE bool budget_left(const struct core_sched *cs, const struct tcb *self,
                             struct sched_context *sc)
{
    if (!sc || sc != cs->sc || sc->tcb != self || cs->expired || !cs->timer_deadline)
        return false;
    const struct refill_sc *r = sc_refills(sc);
    return refill_active(r) && rdtsc() + r->min_budget <= cs->timer_deadline;
}

/* The receiver's registers as the general path's transfer() sets them. */
FAST_INLINE void copy_message(const struct tcb *from, struct tcb *to, uint64_t badge)
{
    uint64_t info = from->context.rsi;
    to->context.rax = ATOLL_OK;
    to->context.rdi = badge;
    to->context.rsi = atoll_msginfo(atoll_msginfo_label(info), atoll_msginfo_length(info), 0);
    to->context.rdx = from->context.rdx;
    to->context.r8 = from->context.r8;
    to->context.r9 = from->context.r9;
    to->context.r10 = from->context.r10;
}

/* thread_run() for the case the checks leave: `from` is this core's
 * current thread and now blocked, `to` was blocked and runs on the SC the
 * core already charges, so the charge and the timer stay as they are. */
FAST_INLINE _Noreturn void switch_to(struct percpu *c, struct tcb *from, struct tcb *to)
{
    fpu_save(from->fpu);
    from->current_on = 0;
    fpu_restore(to->fpu);
    c->current = to;
    to->current_on = c->index + 1;
    to->state = THREAD_RUNNABLE;
    to->block_kind = BLOCK_NONE;
    to->blocked_on = NULL;
    /* As vspace_thread_root(): a VSpace that was deleted leaves the thread
     * on the kernel's tables, where it faults. */
    const struct cap *vs = &tcb_slot(to, TCB_SLOT_VSPACE)->cap;
    uint64_t root =
        cap_type(vs) == CAP_PML4 && cap_paddr(vs) == to->cr3 ? to->cr3 : kernel_pml4_phys;
    if (read_cr3() != root)
        write_cr3(root);
    uint64_t top = (uint64_t)(&to->context + 1);
    c->user_context_top = top;
    c->tss.rsp[0] = top;
    kernel_unlock_untimed();
    return_to_user(&to->context);
}

_Noreturn void fastpath_call(struct trap_frame *f)
{
    struct percpu *c = this_cpu();
    kernel_lock_untimed(c->index);
    struct core_sched *cs = &sched_cores[c->index];
    struct tcb *self = c->current;
    /* A thread stopped from another core while it ran makes no more
     * calls: the general path sees to that. */
    if (!self || self->state != THREAD_RUNNABLE || self->fault_kind ||
        !message_fits(self->context.rsi) || ipc_pending_abort(self))
        slowpath(f); /* the last: a pending signal-abort ends the Call at once */
    struct one_level root = decode_root(&tcb_slot(self, TCB_SLOT_CSPACE)->cap);
    const struct cap *ep_cap = lookup(&root, self->context.rdi);
    if (!ep_cap || cap_type(ep_cap) != CAP_ENDPOINT || !has_right(ep_cap, ATOLL_RIGHT_WRITE))
        slowpath(f);
    struct endpoint *ep = object(ep_cap);
    struct tcb *server = ep->queue.head;
    if (!server || server->block_kind != BLOCK_RECV || server->sc || ep->budget_threshold)
        slowpath(f);
    struct reply_object *reply = server->reply;
    struct sched_context *sc = self->sc;
    if (!reply || reply->caller || reply->donated || self->affinity != c->index ||
        !may_switch_to(c, cs, server) || !budget_left(cs, self, sc))
        slowpath(f);

    /* Committed: ipc_send(), link_reply() and sched_donate_on_call(). */
    thread_queue_remove(&ep->queue, server);
    copy_message(self, server, cap_badge(ep_cap));
    server->reply = NULL;
    reply->receiver = NULL;
    reply->caller = self;
    self->state = THREAD_BLOCKED;
    self->block_kind = BLOCK_REPLY;
    self->blocked_on = reply;
    self->sc = NULL;
    sc->tcb = server;
    server->sc = sc;
    reply->donated = sc;
    reply->donation_prev = sc->reply;
    sc->reply = reply;
    counts.calls++;
    switch_to(c, self, server);
}

_Noreturn void fastpath_reply_recv(struct trap_frame *f)
{
    struct percpu *c = this_cpu();
    kernel_lock_untimed(c->index);
    struct core_sched *cs = &sched_cores[c->index];
    struct tcb *self = c->current;
    if (!self || self->state != THREAD_RUNNABLE || self->fault_kind || self->bound_ntfn ||
        !message_fits(self->context.rsi))
        slowpath(f);
    struct one_level root = decode_root(&tcb_slot(self, TCB_SLOT_CSPACE)->cap);
    const struct cap *ep_cap = lookup(&root, self->context.rdi);
    const struct cap *reply_cap = lookup(&root, self->context.r12);
    if (!ep_cap || !reply_cap || cap_type(ep_cap) != CAP_ENDPOINT ||
        !has_right(ep_cap, ATOLL_RIGHT_READ) || cap_type(reply_cap) != CAP_REPLY)
        slowpath(f);
    struct endpoint *ep = object(ep_cap);
    struct reply_object *reply = object(reply_cap);
    struct tcb *caller = reply->caller;
    struct sched_context *sc = reply->donated;
    if (!caller || caller->fault_kind || caller->abort_pending || reply->receiver ||
        caller->block_kind != BLOCK_REPLY || caller->blocked_on != reply || caller->sc || !sc ||
        sc->reply != reply || (ep->queue.head && ep->queue.head->block_kind == BLOCK_SEND) ||
        !may_switch_to(c, cs, caller) || !budget_left(cs, self, sc))
        slowpath(f);

    /* Committed: ipc_reply(), sched_return_donation() and recv_endpoint(). */
    reply->caller = NULL;
    sc->reply = reply->donation_prev;
    reply->donated = NULL;
    reply->donation_prev = NULL;
    self->sc = NULL;
    sc->tcb = caller;
    caller->sc = sc;
    copy_message(self, caller, 0);
    self->reply = reply;
    reply->receiver = self;
    self->state = THREAD_BLOCKED;
    self->block_kind = BLOCK_RECV;
    self->blocked_on = ep;
    thread_queue_append(&ep->queue, self);
    counts.reply_recvs++;
    switch_to(c, self, caller);
}
