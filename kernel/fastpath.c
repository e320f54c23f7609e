/* The IPC fast path for Call and ReplyRecv (seL4 fastpath_call and
 * fastpath_reply_recv, MCS variant): the client-server round trip between
 * two threads on one core, in as few instructions as the checks allow.
 *
 * The code is arch/x86_64/fastpath.asm, which the SYSCALL stub jumps to
 * for these two system calls with the caller's registers saved in its
 * TCB; this file keeps what it shares with C: the counts, the fall-back
 * into the general path and the static assertions that hold its structure
 * offsets (fastpath_layout.inc) to the C definitions. Assembly because
 * the message then stays in registers from the sender's SYSCALL to the
 * receiver's SYSRET and nothing is paid for a C function's frame
 * (docs/kernel.md, "The IPC fast path", has the numbers).
 *
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
 *     with budget left, is donated to it; no signal-abort is pending;
 *   - ReplyRecv: a reply object at the top of its SC's donation chain
 *     whose caller has no SC, no fault and no pending abort: the SC goes
 *     back with the reply; no sender waits on the endpoint and the replier
 *     has no bound notification (either would make the Recv return at
 *     once);
 *   - the thread switched to belongs to this core, is in no scheduler
 *     queue, is current nowhere, and no thread ready here has a higher
 *     priority (seL4 isHighestPrio: an equal one does not preempt).
 * Both threads run on the same SC before and after, so the core charges
 * the same SC, and the budget timer, programmed for the end of that SC's
 * head refill (or an earlier release), stays right: the fast path does not
 * reprogram it. It checks, with one TSC read, that the SC may go on
 * running: it is the SC this core charges and the current thread holds
 * it, nothing has ended its timeslice or changed its refills since the
 * budget timer was programmed (charge(), set_charged() and
 * sched_sc_configure() in kernel/sched.c forget the deadline), and that
 * deadline, which is no later than the end of the SC's head refill
 * (program_timer()), is at least MIN_BUDGET away. That implies what
 * thread_return() checks, may_run() after account(); the time itself is
 * accounted at the next kernel entry, to the same SC either way. An SC
 * that is out of budget, or nearly, goes through the general path, which
 * ends its timeslice. */
#include <stddef.h>

#include "fastpath.h"
#include "ipc.h"
#include "klock.h"
#include "sched_core.h"
#include "thread.h"
#include "atoll/errors.h"
#include "atoll/invocation.h"
#include "atoll/ipc.h"
#include "atoll/rights.h"
#include "atoll/syscall.h"
#include "../arch/x86_64/cpu.h"
#include "../arch/x86_64/layout.h"
#include "../arch/x86_64/syscall.h"

/* The SYSCALL stub compares the number against these (layout.inc). */
_Static_assert(ATOLL_SYS_CALL == 1, "layout.inc SYS_CALL");
_Static_assert(ATOLL_SYS_REPLY_RECV == 6, "layout.inc SYS_REPLY_RECV");

/* The register frame is the start of the TCB: the frame the stub saved is
 * the current thread. */
_Static_assert(offsetof(struct tcb, context) == 0, "fastpath.asm: frame == TCB");

/* One 64-bit store sets a thread's state and clears current_on. */
_Static_assert(offsetof(struct tcb, current_on) == offsetof(struct tcb, state) + 4 &&
                   sizeof(enum thread_state) == 4,
               "fastpath.asm: state and current_on");

/* Everything fastpath.asm reads from arch/x86_64/fastpath_layout.inc. */
_Static_assert(offsetof(struct trap_frame, r15) == 0, "fastpath_layout.inc FRAME_R15");
_Static_assert(offsetof(struct trap_frame, r14) == 8, "fastpath_layout.inc FRAME_R14");
_Static_assert(offsetof(struct trap_frame, r13) == 16, "fastpath_layout.inc FRAME_R13");
_Static_assert(offsetof(struct trap_frame, r12) == 24, "fastpath_layout.inc FRAME_R12");
_Static_assert(offsetof(struct trap_frame, r10) == 40, "fastpath_layout.inc FRAME_R10");
_Static_assert(offsetof(struct trap_frame, r9) == 48, "fastpath_layout.inc FRAME_R9");
_Static_assert(offsetof(struct trap_frame, r8) == 56, "fastpath_layout.inc FRAME_R8");
_Static_assert(offsetof(struct trap_frame, rbp) == 64, "fastpath_layout.inc FRAME_RBP");
_Static_assert(offsetof(struct trap_frame, rdi) == 72, "fastpath_layout.inc FRAME_RDI");
_Static_assert(offsetof(struct trap_frame, rsi) == 80, "fastpath_layout.inc FRAME_RSI");
_Static_assert(offsetof(struct trap_frame, rdx) == 88, "fastpath_layout.inc FRAME_RDX");
_Static_assert(offsetof(struct trap_frame, rbx) == 104, "fastpath_layout.inc FRAME_RBX");
_Static_assert(offsetof(struct trap_frame, rax) == 112, "fastpath_layout.inc FRAME_RAX");
_Static_assert(offsetof(struct tcb, cr3) == 176, "fastpath_layout.inc TCB_CR3");
_Static_assert(offsetof(struct tcb, state) == 192, "fastpath_layout.inc TCB_STATE");
_Static_assert(offsetof(struct tcb, current_on) == 196, "fastpath_layout.inc TCB_CURRENT_ON");
_Static_assert(offsetof(struct tcb, fpu_ready) == 200, "fastpath_layout.inc TCB_FPU_READY");
_Static_assert(offsetof(struct tcb, rq.prio) == 240, "fastpath_layout.inc TCB_RQ_PRIO");
_Static_assert(offsetof(struct tcb, rq.queued) == 241, "fastpath_layout.inc TCB_RQ_QUEUED");
_Static_assert(offsetof(struct tcb, affinity) == 252, "fastpath_layout.inc TCB_AFFINITY");
_Static_assert(offsetof(struct tcb, sc) == 264, "fastpath_layout.inc TCB_SC");
_Static_assert(offsetof(struct tcb, release.queued) == 296,
               "fastpath_layout.inc TCB_RELEASE_QUEUED");
_Static_assert(offsetof(struct tcb, block_kind) == 308, "fastpath_layout.inc TCB_BLOCK_KIND");
_Static_assert(offsetof(struct tcb, blocked_on) == 312, "fastpath_layout.inc TCB_BLOCKED_ON");
_Static_assert(offsetof(struct tcb, queue_next) == 320, "fastpath_layout.inc TCB_QUEUE_NEXT");
_Static_assert(offsetof(struct tcb, queue_prev) == 328, "fastpath_layout.inc TCB_QUEUE_PREV");
_Static_assert(offsetof(struct tcb, reply) == 352, "fastpath_layout.inc TCB_REPLY");
_Static_assert(offsetof(struct tcb, bound_ntfn) == 360, "fastpath_layout.inc TCB_BOUND_NTFN");
_Static_assert(offsetof(struct tcb, abort_mask) == 368, "fastpath_layout.inc TCB_ABORT_MASK");
_Static_assert(offsetof(struct tcb, abort_pending) == 376, "fastpath_layout.inc TCB_ABORT_PENDING");
_Static_assert(offsetof(struct tcb, fault_kind) == 384, "fastpath_layout.inc TCB_FAULT_KIND");
_Static_assert(offsetof(struct tcb, fpu) == 448, "fastpath_layout.inc TCB_FPU");
_Static_assert(offsetof(struct tcb, context) + sizeof(struct trap_frame) == 176,
               "fastpath_layout.inc TCB_CONTEXT_TOP");
_Static_assert(CAP_TCB_SLOTS_OFFSET + TCB_SLOT_CSPACE * sizeof(struct cap_slot) == 3840,
               "fastpath_layout.inc TCB_CSPACE_CAP");
_Static_assert(CAP_TCB_SLOTS_OFFSET + TCB_SLOT_VSPACE * sizeof(struct cap_slot) == 3872,
               "fastpath_layout.inc TCB_VSPACE_CAP");
_Static_assert(THREAD_RUNNABLE == 1, "fastpath_layout.inc THREAD_RUNNABLE");
_Static_assert(THREAD_BLOCKED == 2, "fastpath_layout.inc THREAD_BLOCKED");
_Static_assert(BLOCK_NONE == 0, "fastpath_layout.inc BLOCK_NONE");
_Static_assert(BLOCK_SEND == 1, "fastpath_layout.inc BLOCK_SEND");
_Static_assert(BLOCK_RECV == 2, "fastpath_layout.inc BLOCK_RECV");
_Static_assert(BLOCK_REPLY == 3, "fastpath_layout.inc BLOCK_REPLY");
_Static_assert(offsetof(struct endpoint, queue.head) == 0, "fastpath_layout.inc EP_HEAD");
_Static_assert(offsetof(struct endpoint, queue.tail) == 8, "fastpath_layout.inc EP_TAIL");
_Static_assert(offsetof(struct endpoint, budget_threshold) == 16,
               "fastpath_layout.inc EP_BUDGET_THRESHOLD");
_Static_assert(offsetof(struct notification, word) == 0, "fastpath_layout.inc NTFN_WORD");
_Static_assert(offsetof(struct reply_object, caller) == 0, "fastpath_layout.inc REPLY_CALLER");
_Static_assert(offsetof(struct reply_object, donated) == 8, "fastpath_layout.inc REPLY_DONATED");
_Static_assert(offsetof(struct reply_object, donation_prev) == 16,
               "fastpath_layout.inc REPLY_DONATION_PREV");
_Static_assert(offsetof(struct reply_object, receiver) == 24, "fastpath_layout.inc REPLY_RECEIVER");
_Static_assert(offsetof(struct sched_context, tcb) == 0, "fastpath_layout.inc SC_TCB");
_Static_assert(offsetof(struct sched_context, reply) == 8, "fastpath_layout.inc SC_REPLY");
_Static_assert(REFILL_SC_KERNEL_BYTES + offsetof(struct refill_sc, min_budget) == 112,
               "fastpath_layout.inc SC_REFILL_MIN_BUDGET");
_Static_assert(REFILL_SC_KERNEL_BYTES + offsetof(struct refill_sc, limit) == 124,
               "fastpath_layout.inc SC_REFILL_LIMIT");
_Static_assert(offsetof(struct core_sched, ready.summary) == 0,
               "fastpath_layout.inc CORE_SCHED_SUMMARY");
_Static_assert(offsetof(struct core_sched, ready.bitmap) == 8,
               "fastpath_layout.inc CORE_SCHED_BITMAP");
_Static_assert(offsetof(struct core_sched, sc) == 4168, "fastpath_layout.inc CORE_SCHED_SC");
_Static_assert(offsetof(struct core_sched, timer_deadline) == 4192,
               "fastpath_layout.inc CORE_SCHED_TIMER_DEADLINE");
_Static_assert(offsetof(struct core_sched, expired) == 4200,
               "fastpath_layout.inc CORE_SCHED_EXPIRED");
_Static_assert(offsetof(struct core_sched, need_resched) == 4209,
               "fastpath_layout.inc CORE_SCHED_NEED_RESCHED");
_Static_assert(offsetof(struct percpu, index) == 32, "fastpath_layout.inc PERCPU_INDEX");
_Static_assert(offsetof(struct percpu, current) == 48, "fastpath_layout.inc PERCPU_CURRENT");
_Static_assert(offsetof(struct percpu, tss) + offsetof(struct tss, rsp) == 116,
               "fastpath_layout.inc PERCPU_TSS_RSP0");
_Static_assert(offsetof(struct percpu, sched_core) == 224, "fastpath_layout.inc PERCPU_SCHED_CORE");
_Static_assert(offsetof(struct spinlock, next) == 0, "fastpath_layout.inc LOCK_NEXT");
_Static_assert(offsetof(struct spinlock, serving) == 4, "fastpath_layout.inc LOCK_SERVING");
_Static_assert(offsetof(struct fastpath_counts, calls) == 0, "fastpath_layout.inc COUNTS_CALLS");
_Static_assert(offsetof(struct fastpath_counts, reply_recvs) == 8,
               "fastpath_layout.inc COUNTS_REPLY_RECVS");
_Static_assert(offsetof(struct cpu_features, xsave) == 78,
               "fastpath_layout.inc CPU_FEATURES_XSAVE");
_Static_assert(CAP_TYPE_SHIFT == 59, "fastpath_layout.inc CAP_TYPE_SHIFT");
_Static_assert(CAP_FIELD_SHIFT == 48, "fastpath_layout.inc CAP_FIELD_SHIFT");
_Static_assert(CAP_CNODE == 2, "fastpath_layout.inc CAP_CNODE");
_Static_assert(CAP_ENDPOINT == 4, "fastpath_layout.inc CAP_ENDPOINT");
_Static_assert(CAP_REPLY == 6, "fastpath_layout.inc CAP_REPLY");
_Static_assert(CAP_PML4 == 11, "fastpath_layout.inc CAP_PML4");
_Static_assert(ATOLL_CNODE_GUARD_SIZE_BITS == 6, "fastpath_layout.inc CAP_CNODE_GUARD_SIZE_BITS");
_Static_assert(CAP_PADDR_BITS == 48, "fastpath_layout.inc CAP_PADDR_BITS");
_Static_assert(CAP_PADDR_SHIFT == 4, "fastpath_layout.inc CAP_PADDR_SHIFT");
_Static_assert(CAP_SIZE_BITS_POS == 0 && CAP_SIZE_BITS_WIDTH == 6,
               "fastpath_layout.inc CAP_SIZE_BITS_MASK");
_Static_assert(ATOLL_CNODE_GUARD_SIZE_BITS == 6, "fastpath_layout.inc CAP_GUARD_SIZE_MASK");
_Static_assert(ATOLL_SLOT_SIZE_BITS == 5, "fastpath_layout.inc CAP_SLOT_SIZE_BITS");
_Static_assert(CAP_TYPE_SHIFT - CAP_FIELD_SHIFT == 11, "fastpath_layout.inc CAP_TYPE_AT_FIELDS");
_Static_assert(CAP_TYPE_BITS == 5, "fastpath_layout.inc CAP_TYPE_MASK_AT_FIELDS");
_Static_assert(CAP_RIGHTS_POS == 0 && ATOLL_RIGHT_READ == 1,
               "fastpath_layout.inc ATOLL_RIGHT_READ");
_Static_assert(CAP_RIGHTS_POS == 0 && ATOLL_RIGHT_WRITE == 2,
               "fastpath_layout.inc ATOLL_RIGHT_WRITE");
_Static_assert(ATOLL_CPTR_BITS == 64, "fastpath_layout.inc CPTR_BITS");
_Static_assert((1u << (ATOLL_MSGINFO_CAPS_SHIFT + ATOLL_MSGINFO_CAPS_BITS)) - 1 == 511,
               "fastpath_layout.inc MSGINFO_LENGTH_CAPS_MASK");
_Static_assert(ATOLL_MSG_REGISTERS == 4, "fastpath_layout.inc MSG_REGISTERS");
_Static_assert((int64_t)(~(((UINT64_C(1) << ATOLL_MSGINFO_LABEL_SHIFT) - 1) ^
                           ((UINT64_C(1) << ATOLL_MSGINFO_LENGTH_BITS) - 1))) == -3969,
               "fastpath_layout.inc MSGINFO_KEEP_MASK");
_Static_assert(ATOLL_OK == 0, "fastpath_layout.inc ATOLL_OK");
_Static_assert(PHYSMAP_BASE == UINT64_C(0xffff800000000000), "fastpath_layout.inc PHYSMAP_BASE");

/* Written by fastpath.asm under the kernel lock. */
struct fastpath_counts fastpath_completed;

void fastpath_get_counts(struct fastpath_counts *out)
{
    *out = fastpath_completed;
}

/* The lock was taken without an owner or a start time (klock.h). */
_Noreturn void fastpath_fallback(struct trap_frame *f)
{
    kernel_lock_owner = this_cpu()->index;
    kernel_lock_start_timing();
    syscall_general(f);
}
