/* Threads: the TCB object (ATOLL_TCB_SIZE_BITS bytes from untyped memory).
 *
 * Layout: the saved user registers come first and end 16-byte aligned, as
 * TSS.RSP0 points at their end and the CPU aligns RSP down to 16 bytes
 * before pushing an interrupt frame (SDM Vol. 3A 6.14.2); the FPU/XSAVE
 * area follows; the TCB's own capability slots are the last
 * ATOLL_TCB_SLOT_COUNT slots of the object (kernel/cap/cap.h). A TCB fresh
 * from Retype is all zeroes, which must be a valid inactive thread. */
#ifndef ATOLL_KERNEL_THREAD_H
#define ATOLL_KERNEL_THREAD_H

#include <stdbool.h>
#include <stdint.h>

#include "cap/cap.h"
#include "sched/runqueue.h"
#include "../arch/x86_64/cpu_features.h"
#include "../arch/x86_64/trap.h"

#define THREAD_NAME_MAX 16

struct sched_context;
struct vcpu;

enum thread_state {
    THREAD_INACTIVE = 0, /* never started, or suspended by TCB_Suspend */
    THREAD_RUNNABLE,
    THREAD_BLOCKED,   /* see block_kind */
    THREAD_SUSPENDED, /* faulted with no fault handler */
    THREAD_EXITED,
};

/* What a blocked thread waits for. */
enum block_kind {
    BLOCK_NONE = 0,
    BLOCK_SEND,         /* queued on an endpoint to send (or Call) */
    BLOCK_RECV,         /* queued on an endpoint to receive */
    BLOCK_REPLY,        /* made a Call; waits on a reply object */
    BLOCK_NOTIFICATION, /* waits on a notification */
};

#define THREAD_DEFAULT_TIMESLICE_TICKS 2

/* The TCB's own capability slots. */
enum tcb_slot {
    TCB_SLOT_CSPACE = 0,     /* CNode: root of the thread's capability space */
    TCB_SLOT_VSPACE = 1,     /* PML4 of its address space */
    TCB_SLOT_IPC_BUFFER = 2, /* the frame holding its IPC buffer */
    TCB_SLOT_FAULT_EP = 3,
    TCB_SLOT_TIMEOUT_EP = 4,
};

struct tcb {
    struct trap_frame context;
    uint64_t cr3;             /* address space root, physical; 0: none */
    uint64_t ipc_buffer_user; /* user address of the IPC buffer; 0: none */
    enum thread_state state;
    /* Core index + 1 of the core whose `current` this thread is, 0 if
     * none: a thread's registers live in one place, so it runs on one
     * core at a time. Zero in a fresh TCB means "not current". */
    uint32_t current_on;
    bool fpu_ready; /* fpu area initialised */
    char name[THREAD_NAME_MAX];

    /* Scheduling: priority, maximum controlled priority, the core it runs
     * on, its place in that core's ready queue. */
    struct rq_node rq;
    uint8_t mcp;
    uint32_t affinity;
    uint32_t timeslice_left; /* unused since MCS budgets (kernel/schedcontext.h) */
    /* MCS: the scheduling context it runs on (its own, or one donated by a
     * Call; NULL: it cannot run), its place in a core's release queue while
     * that SC waits for a refill, and the core whose ready or release queue
     * holds it. */
    struct sched_context *sc;
    struct release_node release;
    uint32_t queue_core;

    /* IPC: the object a blocked thread waits on and its link in that
     * object's queue; what it sends with. */
    enum block_kind block_kind;
    void *blocked_on;
    struct tcb *queue_next, *queue_prev;
    uint64_t ipc_badge;
    bool ipc_is_call, ipc_can_grant;
    struct reply_object *reply; /* Recv: the reply object given */
    struct notification *bound_ntfn;
    uint64_t abort_mask; /* bound-notification badges that abort IPC */
    /* Abort bits of a Call whose scheduling context a server is running
     * on: the Call ends with ATOLL_ERR_IPC_ABORTED when the server gives
     * the SC back (its reply), not before (kernel/ipc.c). */
    uint64_t abort_pending;
    /* A fault waiting to be delivered or answered (enum atoll_fault, 0:
     * none) and its message words. */
    uint32_t fault_kind;
    uint64_t fault_words[3];
    /* The VCPU this thread runs with VMEnter (vtx/vcpu.h), or NULL. */
    struct vcpu *vcpu;
    /* Bumped whenever `vcpu` changes: a VMEnter that let go of the kernel
     * lock while its guest ran sees whether its VCPU is still the one. */
    uint64_t vcpu_changes;
    /* FPU/SSE/AVX state, switched eagerly: saved when the thread stops
     * being current on its core, restored when it becomes current. */
    _Alignas(64) uint8_t fpu[FPU_AREA_MAX];
};

_Static_assert(sizeof(struct trap_frame) % 16 == 0, "context end must stay 16-byte aligned");
_Static_assert(sizeof(struct tcb) <= CAP_TCB_SLOTS_OFFSET, "TCB data overlaps its cap slots");

static inline struct cap_slot *tcb_slot(struct tcb *t, enum tcb_slot s)
{
    return (struct cap_slot *)((uint8_t *)t + CAP_TCB_SLOTS_OFFSET) + s;
}

struct tcb *tcb_from_cap(const struct cap *c);

/* Switches to `t` and returns to it in user mode. */
_Noreturn void thread_run(struct tcb *t);
/* Runs the highest-priority ready thread of this core, or idles until one
 * appears. The current thread, if still runnable, must have been queued
 * by the caller. */
_Noreturn void schedule(void);
/* Leaves the kernel: back to `t` if it is still runnable and nothing of
 * higher priority is ready on this core (or its timeslice is not over),
 * else to the scheduler. */
_Noreturn void thread_return(struct tcb *t);
/* Makes `t` ready on its core (an IPI wakes that core if it is another). */
void thread_make_runnable(struct tcb *t);
/* Blocks the thread: not runnable, out of the ready queue. */
void thread_block(struct tcb *t, enum block_kind kind, void *on);
/* Takes `t` off every queue and stops it (TCB_Suspend, deletion). */
void thread_suspend(struct tcb *t);
/* The same, ending in `why` (THREAD_SUSPENDED after an unhandled fault,
 * THREAD_EXITED). */
void thread_stop(struct tcb *t, enum thread_state why);
void sched_detach_poll(void);
struct tcb *thread_current(void);
/* Yield (seL4 MCS): the current thread gives up the rest of its head
 * refill: round robin, it goes behind the threads of its priority with a
 * fresh timeslice; sporadic, it waits for its next refill. Takes effect
 * in thread_return(). */
void sched_yield(struct tcb *t);
/* Yield of the current thread (the old name, kept for kernel/syscall.c). */
void sched_tick(void);
/* The budget timer fired on this core (arch/x86_64/timer.c): releases the
 * threads whose refills are due. */
void sched_timer_interrupt(void);
void sched_init(void);
/* NULL if every core's ready and release queues are well formed and hold
 * only runnable threads with SCs that may run (ready) or wait for their
 * next refill (release), and every SC involved passes
 * refill_check_invariants(); else what is broken. */
const char *sched_check_invariants(void);
/* Sets a thread's priority, requeueing it if it is ready. */
void thread_set_priority(struct tcb *t, uint8_t prio);

#endif
