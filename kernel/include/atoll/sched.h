/* MCS scheduling ABI: SchedContext and SchedControl invocations, the
 * TCB's timeout endpoint, the endpoint budget threshold and the timeout
 * fault. Shared by kernel and user space; the values are ABI (never
 * renumber, only append).
 *
 * The model is seL4's MCS kernel (manual ch. 6.1.5 "Scheduling contexts"
 * and 6.2 "Timeout faults"): a thread runs only while it holds a
 * configured SchedContext (SC) with budget left. An SC has a budget and a
 * period (microseconds here; the kernel counts TSC ticks) and a number of
 * extra refills; budget == period is round robin (a plain timeslice that
 * is always available), budget < period a sporadic server that gets at
 * most `budget` in any window of `period`. A thread without an SC does not
 * run: it is passive, and runs only on an SC donated to it by a Call (the
 * caller's SC travels with the Call through the server's reply object and
 * comes back with the Reply).
 *
 * Priorities stay with the thread (atoll/tcb.h); the SC gives time.
 * A thread runs on the core of the SchedControl its SC was configured
 * with (Bind and Configure move it there; TCB_SetAffinity can still move
 * the thread, and its SC is then charged on the new core). A passive
 * server runs on its caller's core for the Call.
 *
 * Donation: a Call that reaches a thread without an SC waiting in Recv
 * with a reply object lends it the caller's SC; the Reply (or ReplyRecv)
 * through that reply object gives it back, one level at a time for nested
 * Calls. If the caller stops waiting first (TCB_Suspend, deletion), the
 * SC stays with the server, which is then no longer passive; if the reply
 * object is deleted or reused by another Recv, the SC goes back to the
 * (stopped) caller. A signal-abort (TCB_SetAbortMask) of such a Call takes
 * effect when the server replies: the Call then ends with
 * ATOLL_ERR_IPC_ABORTED and the SC is back with its caller.
 *
 * Yield: round robin, the thread goes behind the others of its priority
 * with a fresh timeslice; sporadic, it gives up the rest of its current
 * refill and waits for the next one (a periodic thread's "wait for the
 * next period").
 *
 * Units: every time in this ABI is in microseconds. */
#ifndef ATOLL_ABI_SCHED_H
#define ATOLL_ABI_SCHED_H

#include <stdint.h>

#include "atoll/bootinfo.h"
#include "atoll/errors.h"
#include "atoll/invocation.h"

/* ---- SchedControl (one capability per core, ATOLL_SLOT_SCHED_CONTROL +
 * core in the root CNode). */
enum atoll_sched_control_label {
    /* words: ATOLL_SCHED_CONFIGURE_ARG_*. extra: 0 the SchedContext.
     * Gives the SC its parameters; the SC (and the thread bound to it)
     * then runs on this capability's core. An SC that is in use keeps the
     * refill it is running on, cut to the new budget (seL4
     * refill_update). Errors:
     *   TRUNCATED_MESSAGE   fewer than 5 words or no extra capability
     *   INVALID_CAPABILITY  0: extra 0 is not a SchedContext
     *   RANGE_ERROR 0       budget outside [ATOLL_SCHED_MIN_BUDGET_US, period]
     *                       (value0, value1: the range)
     *   RANGE_ERROR 1       period outside [budget, ATOLL_SCHED_MAX_PERIOD_US]
     *   RANGE_ERROR 2       extra refills outside
     *                       [0, ATOLL_SCHED_CONTEXT_MAX_EXTRA_REFILLS(size bits)]
     *   INVALID_ARGUMENT 4  a flag outside ATOLL_SCHED_FLAGS_VALID */
    ATOLL_SCHED_CONTROL_CONFIGURE_FLAGS = ATOLL_SCHED_CONTROL_FIRST + 0,
    /* words: threshold (µs, 0 = none). extra: 0 an endpoint capability
     * with the READ right (the server's side). Sets the endpoint's budget
     * threshold: a Send or Call into it from a thread whose SC has less
     * than `threshold` available at once waits for its refill first (the
     * system call is restarted when the refill arrives; round robin: after
     * the others of its priority, with a fresh timeslice); NBSend fails; a
     * thread whose whole budget is below the threshold always fails.
     * Both failures are RANGE_ERROR (see ATOLL_SCHED_THRESHOLD_ERROR).
     * Fault messages are never held back. Errors: TRUNCATED_MESSAGE,
     * INVALID_CAPABILITY 0 (not an endpoint, or no READ right),
     * RANGE_ERROR 0 (threshold above ATOLL_SCHED_MAX_PERIOD_US). */
    ATOLL_SCHED_CONTROL_SET_ENDPOINT_THRESHOLD = ATOLL_SCHED_CONTROL_FIRST + 1,
};

enum atoll_sched_configure_argument {
    ATOLL_SCHED_CONFIGURE_ARG_BUDGET = 0,        /* µs */
    ATOLL_SCHED_CONFIGURE_ARG_PERIOD = 1,        /* µs; == budget: round robin */
    ATOLL_SCHED_CONFIGURE_ARG_EXTRA_REFILLS = 2, /* beyond the 2 every SC has */
    ATOLL_SCHED_CONFIGURE_ARG_BADGE = 3,         /* reported in timeout faults */
    ATOLL_SCHED_CONFIGURE_ARG_FLAGS = 4,         /* ATOLL_SCHED_FLAG_*; none defined yet */
    ATOLL_SCHED_CONFIGURE_ARGS = 5,
};
#define ATOLL_SCHED_CONFIGURE_EXTRA_CAPS 1
#define ATOLL_SCHED_FLAGS_VALID          UINT64_C(0)

/* The least budget (the kernel's MIN_BUDGET: enough to enter and leave the
 * kernel a few times, seL4's 2 * WCET) and the longest period. */
#define ATOLL_SCHED_MIN_BUDGET_US UINT64_C(50)
#define ATOLL_SCHED_MAX_PERIOD_US UINT64_C(3600000000) /* one hour */

/* Refills a SchedContext of 2^size_bits bytes holds (136 bytes of kernel
 * fields, then 16 bytes per refill), and so the most extra refills it can
 * be configured with: 5 at ATOLL_SCHED_CONTEXT_MIN_BITS, 245 at _MAX_BITS. */
#define ATOLL_SCHED_CONTEXT_REFILLS(size_bits) (((UINT64_C(1) << (size_bits)) - 136) / 16)
#define ATOLL_SCHED_CONTEXT_MAX_EXTRA_REFILLS(size_bits)                                           \
    (ATOLL_SCHED_CONTEXT_REFILLS(size_bits) - 2)

/* ---- SchedContext. */
enum atoll_sched_context_label {
    /* extra: 0 a TCB. Binds the SC to the thread, which then runs on the
     * SC's core whenever it is runnable and the SC has budget. Errors:
     * TRUNCATED_MESSAGE, INVALID_CAPABILITY 0 (not a TCB; notifications
     * cannot hold an SC yet), ILLEGAL_OPERATION (the SC already has a
     * thread, or the thread already has an SC). */
    ATOLL_SCHED_CONTEXT_BIND = ATOLL_SCHED_CONTEXT_FIRST + 0,
    /* Takes the SC from the thread that holds it (bound, or donated to a
     * server): that thread stops running until it gets another SC. A
     * donation in progress is forgotten (the caller does not get the SC
     * back). Errors: ILLEGAL_OPERATION if no thread holds it, or if the
     * caller itself runs on it. */
    ATOLL_SCHED_CONTEXT_UNBIND = ATOLL_SCHED_CONTEXT_FIRST + 1,
    /* Reply: word 0 the time consumed on this SC since the last Consumed
     * (or its creation), µs; the count restarts from zero. */
    ATOLL_SCHED_CONTEXT_CONSUMED = ATOLL_SCHED_CONTEXT_FIRST + 2,
};

/* ---- TCB (block ATOLL_TCB_FIRST; atoll/tcb.h owns the labels below
 * ATOLL_TCB_FIRST + 0x18). */
enum atoll_tcb_sched_label {
    /* extra: 0 an endpoint (needs WRITE), copied into the TCB: timeout
     * faults go there. No extra capability: clears it. Without a timeout
     * endpoint a thread whose budget runs out just waits for its next
     * refill (a passive server keeps the donated SC until it replies).
     * Errors: INVALID_CAPABILITY 0. */
    ATOLL_TCB_SET_TIMEOUT_ENDPOINT = ATOLL_TCB_FIRST + 0x18,
};

/* ---- Timeout fault. When the SC a thread runs on (its own or one
 * donated to it) runs out of budget, and the SC is not round robin, and
 * the thread has a timeout endpoint, the thread sends a fault message
 * there as by Call (seL4_Fault_Timeout), with its own registers intact:
 *   label ATOLL_FAULT_TIMEOUT, 3 words:
 *   0  the SC's badge (ATOLL_SCHED_CONFIGURE_ARG_BADGE)
 *   1  time consumed on the SC since its last Consumed, µs (not reset)
 *   2  the thread's RIP
 * The SC is not donated to the handler. A reply resumes the thread (at
 * message word 0 if the reply has one word, as for other faults); it runs
 * again when the SC's next refill arrives. Yield never raises it. */
#define ATOLL_FAULT_TIMEOUT 5

/* ---- Budget threshold error. A Send, NBSend or Call refused by an
 * endpoint's budget threshold returns ATOLL_SCHED_THRESHOLD_ERROR in rax
 * with these detail words in message registers 0-3:
 *   0  argument: 0
 *   1  value0: the endpoint's threshold, µs
 *   2  value1: the caller's whole budget, µs (below value0: never admitted)
 *   3  value2: the budget the caller had available at once, µs */
#define ATOLL_SCHED_THRESHOLD_ERROR ATOLL_ERR_RANGE_ERROR

/* ---- The root thread. It starts with a round-robin SC on core 0 of
 * ATOLL_ROOT_TIMESLICE_US; its capability is in the root CNode right
 * after the SchedControl capabilities, when there is room (bootinfo cpus
 * below 64). */
#define ATOLL_ROOT_TIMESLICE_US          UINT64_C(10000)
#define ATOLL_SLOT_ROOT_SCHED_CONTEXT(n) (ATOLL_SLOT_SCHED_CONTROL + (n)) /* n: bootinfo cpus */

#endif
