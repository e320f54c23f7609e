/* Endpoints, notifications, reply objects, fault delivery.
 *
 * A message is the sender's message info (rsi), its four message registers
 * (rdx, r8, r9, r10) and, past those, words of its IPC buffer; the
 * receiver gets them in the same places, plus the badge of the sender's
 * capability in rdi. A blocked thread's outgoing message stays in its saved
 * registers until a partner arrives. A faulting thread sends its fault
 * message instead (fault_kind). At most one capability moves per message:
 * unwrapped to its badge when it names the endpoint the message travels
 * on, otherwise copied into the receiver's receive slot if the sender's
 * capability may grant (seL4 manual 4.2.2, simplified to one capability). */
#include "ipc.h"
#include "console.h"
#include "kstring.h"
#include "schedcontext.h"
#include "atoll/ipc.h"
#include "atoll/syscall.h"
#include "cap/cspace.h"
#include "cap/mdb.h"
#include "../arch/x86_64/irq_objects.h"
#include "../arch/x86_64/paging.h"
#include "../vtx/vcpu.h"

static void *object_of(const struct cap *c)
{
    return phys_to_virt(cap_paddr(c));
}

struct atoll_ipc_buffer *ipc_buffer_of(struct tcb *t)
{
    /* From the frame capability in the TCB's slot, as seL4's
     * lookupIPCBuffer: once that capability is gone, so is the buffer. */
    const struct cap *c = &tcb_slot(t, TCB_SLOT_IPC_BUFFER)->cap;
    if (!t->ipc_buffer_user || cap_type(c) != CAP_FRAME_4K)
        return NULL;
    return phys_to_virt(cap_paddr(c) + (t->ipc_buffer_user & (PAGE_SIZE - 1)));
}

static void set_message_registers(struct tcb *t, const uint64_t mr[ATOLL_MSG_REGISTERS])
{
    t->context.rdx = mr[0];
    t->context.r8 = mr[1];
    t->context.r9 = mr[2];
    t->context.r10 = mr[3];
}

/* Moves at most one capability from `from` (named in its IPC buffer) to
 * `to`; returns the extra_caps/unwrapped bits for the receiver's info. */
static uint64_t transfer_cap(struct tcb *from, struct tcb *to, struct endpoint *ep, bool can_grant)
{
    struct atoll_ipc_buffer *fb = ipc_buffer_of(from), *tb = ipc_buffer_of(to);
    if (!fb || !tb || from->fault_kind || !atoll_msginfo_extra_caps(from->context.rsi))
        return 0;
    struct cap_slot *src;
    const struct cap *root = &tcb_slot(from, TCB_SLOT_CSPACE)->cap;
    struct atoll_error_detail e = cap_lookup_cptr(root, fb->caps_or_badges[0], &src);
    if (cap_failed(&e) || cap_is_null(&src->cap))
        return 0;
    if (ep && cap_type(&src->cap) == CAP_ENDPOINT && object_of(&src->cap) == (void *)ep &&
        cap_badge(&src->cap)) {
        tb->caps_or_badges[0] = cap_badge(&src->cap);
        return (UINT64_C(1) << ATOLL_MSGINFO_CAPS_SHIFT) |
               (UINT64_C(1) << ATOLL_MSGINFO_UNWRAP_SHIFT);
    }
    if (!can_grant)
        return 0;
    struct cap_slot *dest;
    e = cap_lookup_slot(&tcb_slot(to, TCB_SLOT_CSPACE)->cap, tb->receive_index, tb->receive_depth,
                        &dest);
    if (cap_failed(&e) || !cap_is_null(&dest->cap))
        return 0;
    /* Derive as a CNode copy would: an untyped with children, an unmapped
     * page table or a control capability does not move; a frame arrives
     * unmapped. */
    struct cap derived;
    e = cap_derive(src, src->cap, &derived);
    if (cap_failed(&e) || cap_is_null(&derived))
        return 0;
    cap_insert(derived, src, dest);
    return UINT64_C(1) << ATOLL_MSGINFO_CAPS_SHIFT;
}

/* Copies the message of `from` into `to` and sets `to`'s return values. */
static void transfer(struct tcb *from, struct tcb *to, uint64_t badge, struct endpoint *ep,
                     bool can_grant)
{
    uint64_t info, mr[ATOLL_MSG_REGISTERS];
    if (from->fault_kind) {
        info = atoll_msginfo(from->fault_kind, 3, 0);
        mr[0] = from->fault_words[0];
        mr[1] = from->fault_words[1];
        mr[2] = from->fault_words[2];
        mr[3] = 0;
    } else {
        info = from->context.rsi;
        mr[0] = from->context.rdx;
        mr[1] = from->context.r8;
        mr[2] = from->context.r9;
        mr[3] = from->context.r10;
        uint64_t length = atoll_msginfo_length(info);
        if (length > ATOLL_MSG_MAX_WORDS)
            length = ATOLL_MSG_MAX_WORDS;
        struct atoll_ipc_buffer *fb = ipc_buffer_of(from), *tb = ipc_buffer_of(to);
        if (length > ATOLL_MSG_REGISTERS && fb && tb)
            memcpy(&tb->msg[ATOLL_MSG_REGISTERS], &fb->msg[ATOLL_MSG_REGISTERS],
                   (length - ATOLL_MSG_REGISTERS) * sizeof(uint64_t));
        else if (length > ATOLL_MSG_REGISTERS)
            length = ATOLL_MSG_REGISTERS;
        info = atoll_msginfo(atoll_msginfo_label(info), length, 0);
    }
    info |= transfer_cap(from, to, ep, can_grant);
    to->context.rax = ATOLL_OK;
    to->context.rdi = badge;
    to->context.rsi = info;
    set_message_registers(to, mr);
}

static void succeed(struct tcb *t)
{
    t->context.rax = ATOLL_OK;
}

/* After a Call reached `receiver`: the caller waits on the receiver's
 * reply object, or, with none, can never be answered and stops (seL4 MCS
 * sendIPC). */
static void link_reply(struct tcb *caller, struct tcb *receiver)
{
    struct reply_object *r = receiver->reply;
    receiver->reply = NULL;
    if (r)
        r->receiver = NULL;
    if (!r) {
        thread_stop(caller, THREAD_INACTIVE);
        return;
    }
    r->caller = caller;
    thread_block(caller, BLOCK_REPLY, r);
    sched_donate_on_call(caller, receiver, r);
}

void ipc_send(struct tcb *t, struct cap_slot *slot, bool blocking, bool is_call)
{
    const struct cap *c = &slot->cap;
    if (!(cap_rights(c) & ATOLL_RIGHT_WRITE)) {
        t->context.rax = ATOLL_ERR_INVALID_CAPABILITY;
        return;
    }
    uint64_t abort_bits = blocking ? ipc_pending_abort(t) : 0;
    if (abort_bits) {
        t->bound_ntfn->word &= ~abort_bits;
        t->context.rax = ATOLL_ERR_IPC_ABORTED;
        t->context.rdi = abort_bits;
        t->context.rsi = 0;
        return;
    }
    struct endpoint *ep = object_of(c);
    if (!sched_send_admitted(t, ep, blocking))
        return;
    bool can_grant = cap_rights(c) & ATOLL_RIGHT_GRANT;
    struct tcb *head = ep->queue.head;
    if (head && head->block_kind == BLOCK_RECV) {
        struct tcb *r = thread_queue_pop(&ep->queue);
        transfer(t, r, cap_badge(c), ep, can_grant);
        if (is_call)
            link_reply(t, r);
        else
            succeed(t);
        thread_make_runnable(r);
        return;
    }
    if (!blocking) {
        succeed(t); /* NBSend with no receiver: dropped, as in seL4 */
        return;
    }
    t->ipc_badge = cap_badge(c);
    t->ipc_is_call = is_call;
    t->ipc_can_grant = can_grant;
    thread_block(t, BLOCK_SEND, ep);
    thread_queue_append(&ep->queue, t);
}

/* Looks up the reply object a Recv names (r12); 0 means none. */
static bool lookup_reply(struct tcb *t, uint64_t cptr, struct reply_object **out)
{
    *out = NULL;
    if (!cptr)
        return true;
    struct cap_slot *s;
    struct atoll_error_detail e = cap_lookup_cptr(&tcb_slot(t, TCB_SLOT_CSPACE)->cap, cptr, &s);
    if (cap_failed(&e) || cap_type(&s->cap) != CAP_REPLY)
        return false;
    struct reply_object *r = object_of(&s->cap);
    if (r->caller) {
        /* A reply object holds one caller: the one it held can no longer
         * be answered (seL4 MCS reply_remove). */
        struct tcb *old = r->caller;
        r->caller = NULL;
        sched_return_donation(r, old);
        thread_stop(old, THREAD_INACTIVE);
    }
    *out = r;
    return true;
}

static bool take_bound_signal(struct tcb *t)
{
    struct notification *n = t->bound_ntfn;
    if (n)
        irq_notification_waited(n); /* implicit IRQ acknowledgement */
    if (!n || !n->word)
        return false;
    t->context.rax = ATOLL_OK;
    t->context.rdi = n->word;
    t->context.rsi = 0;
    n->word = 0;
    return true;
}

static void recv_endpoint(struct tcb *t, struct cap_slot *slot, uint64_t reply_cptr, bool blocking)
{
    const struct cap *c = &slot->cap;
    if (!(cap_rights(c) & ATOLL_RIGHT_READ)) {
        t->context.rax = ATOLL_ERR_INVALID_CAPABILITY;
        return;
    }
    struct reply_object *reply;
    if (!lookup_reply(t, reply_cptr, &reply)) {
        t->context.rax = ATOLL_ERR_INVALID_CAPABILITY;
        return;
    }
    if (take_bound_signal(t))
        return;
    struct endpoint *ep = object_of(c);
    struct tcb *head = ep->queue.head;
    if (head && head->block_kind == BLOCK_SEND) {
        struct tcb *s = thread_queue_pop(&ep->queue);
        transfer(s, t, s->ipc_badge, ep, s->ipc_can_grant);
        if (s->ipc_is_call) {
            t->reply = reply;
            link_reply(s, t);
        } else {
            succeed(s);
            thread_make_runnable(s);
        }
        return;
    }
    if (!blocking) {
        t->context.rax = ATOLL_OK;
        t->context.rdi = 0;
        t->context.rsi = 0;
        return;
    }
    t->reply = reply;
    if (reply) {
        /* One receiver per reply object: an earlier one waits on without. */
        if (reply->receiver && reply->receiver != t)
            reply->receiver->reply = NULL;
        reply->receiver = t;
    }
    thread_block(t, BLOCK_RECV, ep);
    thread_queue_append(&ep->queue, t);
}

void ipc_recv(struct tcb *t, struct cap_slot *slot, uint64_t reply_cptr, bool blocking)
{
    if (cap_type(&slot->cap) == CAP_NOTIFICATION)
        notification_wait(t, slot, blocking);
    else
        recv_endpoint(t, slot, reply_cptr, blocking);
}

/* Answers the caller held by the reply object `reply_cptr` names with the
 * current message of `t`. A faulted caller resumes (at the address in
 * message word 0, if the reply has one) without its registers changed. */
void ipc_reply(struct tcb *t, struct cap_slot *s)
{
    struct reply_object *r = object_of(&s->cap);
    struct tcb *caller = r->caller;
    if (!caller)
        return;
    r->caller = NULL;
    if (caller->abort_pending) {
        /* Aborted while the server ran on its SC: the reply is dropped. */
        caller->context.rax = ATOLL_ERR_IPC_ABORTED;
        caller->context.rdi = caller->abort_pending;
        caller->context.rsi = 0;
        caller->abort_pending = 0;
    } else if (caller->fault_kind) {
        caller->fault_kind = 0;
        if (atoll_msginfo_length(t->context.rsi) >= 1 && t->context.rdx < USER_ADDR_MAX)
            caller->context.rip = t->context.rdx;
    } else {
        transfer(t, caller, 0, NULL, false);
    }
    sched_return_donation(r, caller);
    thread_make_runnable(caller);
}

static void do_reply(struct tcb *t, uint64_t reply_cptr)
{
    struct cap_slot *s;
    struct atoll_error_detail e =
        cap_lookup_cptr(&tcb_slot(t, TCB_SLOT_CSPACE)->cap, reply_cptr, &s);
    if (!cap_failed(&e) && cap_type(&s->cap) == CAP_REPLY)
        ipc_reply(t, s);
}

void ipc_reply_recv(struct tcb *t, struct cap_slot *slot, uint64_t reply_cptr)
{
    do_reply(t, reply_cptr);
    recv_endpoint(t, slot, reply_cptr, true);
}

void notification_signal(struct notification *n, uint64_t badge)
{
    struct tcb *w = thread_queue_pop(&n->waiters);
    if (w) {
        w->context.rax = ATOLL_OK;
        w->context.rdi = badge | n->word;
        w->context.rsi = 0;
        n->word = 0;
        thread_make_runnable(w);
        return;
    }
    struct tcb *b = n->bound;
    uint64_t abort_bits = b ? (badge | n->word) & b->abort_mask : 0;
    /* Signal-abort (seL4 summit 2022, "Can we abort IPC by Signal?"): the
     * thread gives up its Send or Call; the other bits stay pending. Not
     * a fault message: the thread is not in a system call that could
     * return an error. */
    if (b && abort_bits && b->state == THREAD_BLOCKED && !b->fault_kind &&
        (b->block_kind == BLOCK_SEND || b->block_kind == BLOCK_REPLY)) {
        if (b->block_kind == BLOCK_REPLY && ((struct reply_object *)b->blocked_on)->donated) {
            /* A passive server runs on the caller's SC. Taking it back now
             * would strand the server mid-request, and every later client
             * with it; the Call ends when the server replies, on time the
             * caller's own budget bounds. */
            b->abort_pending |= abort_bits;
            n->word = (n->word | badge) & ~abort_bits;
            return;
        }
        ipc_cancel(b);
        b->context.rax = ATOLL_ERR_IPC_ABORTED;
        b->context.rdi = abort_bits;
        n->word = (n->word | badge) & ~abort_bits;
        thread_make_runnable(b);
        return;
    }
    if (b && b->state == THREAD_BLOCKED && b->block_kind == BLOCK_RECV) {
        ipc_cancel(b);
        b->context.rax = ATOLL_OK;
        b->context.rdi = badge | n->word;
        b->context.rsi = 0;
        n->word = 0;
        thread_make_runnable(b);
        return;
    }
    n->word |= badge;
    /* A VMM whose guest runs on another core: out of it at once. */
    if (b && abort_bits && b->state == THREAD_RUNNABLE)
        vcpu_signal_arrived(b);
}

void notification_signal_cap(const struct cap *c)
{
    if (cap_rights(c) & ATOLL_RIGHT_WRITE)
        notification_signal(object_of(c), cap_badge(c));
}

void notification_wait(struct tcb *t, struct cap_slot *slot, bool blocking)
{
    const struct cap *c = &slot->cap;
    if (!(cap_rights(c) & ATOLL_RIGHT_READ)) {
        t->context.rax = ATOLL_ERR_INVALID_CAPABILITY;
        return;
    }
    struct notification *n = object_of(c);
    irq_notification_waited(n); /* implicit IRQ acknowledgement */
    if (n->word || !blocking) {
        t->context.rax = ATOLL_OK;
        t->context.rdi = n->word;
        t->context.rsi = 0;
        n->word = 0;
        return;
    }
    thread_block(t, BLOCK_NOTIFICATION, n);
    thread_queue_append(&n->waiters, t);
}

void fault_deliver(struct tcb *t, enum atoll_fault kind, uint64_t w0, uint64_t w1, uint64_t w2)
{
    struct cap_slot *fs = tcb_slot(t, TCB_SLOT_FAULT_EP);
    if (cap_type(&fs->cap) != CAP_ENDPOINT || !(cap_rights(&fs->cap) & ATOLL_RIGHT_WRITE) ||
        t->fault_kind) {
        kprintf("atoll: unhandled fault %u in thread %s (0x%lx 0x%lx 0x%lx); thread suspended\n",
                (unsigned)kind, t->name, w0, w1, w2);
        thread_stop(t, THREAD_SUSPENDED);
        return;
    }
    t->fault_kind = kind;
    t->fault_words[0] = w0;
    t->fault_words[1] = w1;
    t->fault_words[2] = w2;
    ipc_send(t, fs, true, true);
}

void ipc_cancel(struct tcb *t)
{
    t->fault_kind = 0; /* as seL4 MCS cancelIPC: cancelling IPC cancels the fault */
    if (t->state != THREAD_BLOCKED)
        return;
    switch (t->block_kind) {
    case BLOCK_SEND:
    case BLOCK_RECV:
        thread_queue_remove(&((struct endpoint *)t->blocked_on)->queue, t);
        if (t->reply && t->reply->receiver == t)
            t->reply->receiver = NULL;
        t->reply = NULL;
        break;
    case BLOCK_NOTIFICATION:
        thread_queue_remove(&((struct notification *)t->blocked_on)->waiters, t);
        break;
    case BLOCK_REPLY:
        if (t->abort_pending && t->bound_ntfn) /* never reported: pending again */
            t->bound_ntfn->word |= t->abort_pending;
        t->abort_pending = 0;
        ((struct reply_object *)t->blocked_on)->caller = NULL;
        sched_forget_donation(t->blocked_on);
        break;
    case BLOCK_NONE:
        break;
    }
    t->block_kind = BLOCK_NONE;
    t->blocked_on = NULL;
}

void endpoint_cancel_all(struct endpoint *ep)
{
    struct tcb *t;
    while ((t = ep->queue.head)) {
        ipc_cancel(t);
        t->context.rax = ATOLL_ERR_INVALID_CAPABILITY; /* the endpoint went away */
        thread_make_runnable(t);
    }
}

void notification_cancel_all(struct notification *n)
{
    struct tcb *t;
    while ((t = n->waiters.head)) {
        ipc_cancel(t);
        t->context.rax = ATOLL_ERR_INVALID_CAPABILITY;
        thread_make_runnable(t);
    }
    if (n->bound)
        n->bound->bound_ntfn = NULL;
    n->bound = NULL;
}

void reply_clear(struct reply_object *r)
{
    if (r->receiver) {
        r->receiver->reply = NULL;
        r->receiver = NULL;
    }
    if (r->caller) {
        struct tcb *c = r->caller;
        r->caller = NULL;
        sched_return_donation(r, c);
        thread_stop(c, THREAD_INACTIVE);
    }
}
