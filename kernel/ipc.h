/* Endpoints, notifications, reply objects and fault delivery (seL4 manual
 * ch. 4 and 5, MCS variant: explicit reply objects).
 *
 * Object layouts live in their untyped-allocated memory and must fit the
 * sizes of atoll/objects.h; an all-zero object (fresh from Retype) is idle
 * and empty. */
#ifndef ATOLL_KERNEL_IPC_H
#define ATOLL_KERNEL_IPC_H

#include <stdbool.h>
#include <stdint.h>

#include "thread.h"
#include "atoll/ipc.h"
#include "atoll/objects.h"

struct thread_queue {
    struct tcb *head, *tail;
};

/* Endpoint and notification wait queues: FIFO, linked through the
 * threads (inline for the IPC fast path, kernel/fastpath.c). */
static inline void thread_queue_append(struct thread_queue *q, struct tcb *t)
{
    t->queue_next = NULL;
    t->queue_prev = q->tail;
    if (q->tail)
        q->tail->queue_next = t;
    else
        q->head = t;
    q->tail = t;
}

static inline void thread_queue_remove(struct thread_queue *q, struct tcb *t)
{
    if (t->queue_prev)
        t->queue_prev->queue_next = t->queue_next;
    else
        q->head = t->queue_next;
    if (t->queue_next)
        t->queue_next->queue_prev = t->queue_prev;
    else
        q->tail = t->queue_prev;
    t->queue_next = t->queue_prev = NULL;
}

static inline struct tcb *thread_queue_pop(struct thread_queue *q)
{
    struct tcb *t = q->head;
    if (t)
        thread_queue_remove(q, t);
    return t;
}

enum endpoint_state {
    ENDPOINT_IDLE = 0,
    ENDPOINT_SENDING,   /* the queue holds senders */
    ENDPOINT_RECEIVING, /* the queue holds receivers */
};

struct endpoint {
    struct thread_queue queue; /* all senders or all receivers, by state */
    uint64_t budget_threshold; /* ticks; 0: none (kernel/schedcontext.h) */
    uint64_t reserved;
};

struct notification {
    uint64_t word; /* pending badges, ORed (seL4 notification word) */
    struct thread_queue waiters;
    struct tcb *bound; /* thread that also receives this notification in Recv */
};

/* An MCS reply object: the caller a server must answer. */
struct reply_object {
    struct tcb *caller;
    /* The caller's SC, if the Call donated it, and the reply object of the
     * donation before it on the same SC (kernel/schedcontext.h). */
    struct sched_context *donated;
    struct reply_object *donation_prev;
    /* The thread blocked in Recv with this reply object (seL4's replyTCB
     * for a receiver): deleting the object must clear its pointer. */
    struct tcb *receiver;
};

_Static_assert(sizeof(struct endpoint) <= (1u << ATOLL_ENDPOINT_SIZE_BITS), "endpoint size");
_Static_assert(sizeof(struct notification) <= (1u << ATOLL_NOTIFICATION_SIZE_BITS), "ntfn size");
_Static_assert(sizeof(struct reply_object) <= (1u << ATOLL_REPLY_SIZE_BITS), "reply size");

/* Abort bits already pending on the thread's bound notification: a
 * timeout that fired before the Send or Call it was meant to end. */
static inline uint64_t ipc_pending_abort(const struct tcb *t)
{
    return t->bound_ntfn && !t->fault_kind ? t->bound_ntfn->word & t->abort_mask : 0;
}

/* The thread's IPC buffer in the kernel's physical map, found through the
 * frame capability in its TCB slot (not a cached address: once that
 * capability is deleted the frame may be reused); NULL if it has none. */
struct atoll_ipc_buffer *ipc_buffer_of(struct tcb *t);
/* System calls on endpoint, notification and reply capabilities. Each
 * writes the caller's results into its saved registers, or blocks it. */
void ipc_send(struct tcb *t, struct cap_slot *ep_slot, bool blocking, bool is_call);
void ipc_recv(struct tcb *t, struct cap_slot *slot, uint64_t reply_cptr, bool blocking);
void ipc_reply_recv(struct tcb *t, struct cap_slot *ep_slot, uint64_t reply_cptr);
/* Send on a reply capability: answers its caller, if it has one. */
void ipc_reply(struct tcb *t, struct cap_slot *reply_slot);
void notification_signal_cap(const struct cap *c);
void notification_signal(struct notification *n, uint64_t badge);
void notification_wait(struct tcb *t, struct cap_slot *slot, bool blocking);

/* Delivers a fault of `t` to its fault endpoint as a Call; without one,
 * suspends it (the kernel carries on). */
void fault_deliver(struct tcb *t, enum atoll_fault kind, uint64_t w0, uint64_t w1, uint64_t w2);

/* Takes `t` out of whatever IPC it is blocked in (TCB_Suspend, deletion). */
void ipc_cancel(struct tcb *t);
/* Finalisation of the objects (cap_glue.c): wake or drop every waiter. */
void endpoint_cancel_all(struct endpoint *ep);
void notification_cancel_all(struct notification *n);
void reply_clear(struct reply_object *r);

#endif
