/* System-call numbers and register ABI, shared by kernel and user space.
 *
 * Entry is by SYSCALL. Registers on entry and exit:
 *   rax   system-call number in; error code out (enum atoll_error, 0 = ok)
 *   rdi   capability pointer (destination/source) in; badge out
 *   rsi   message info in and out (ATOLL_MSGINFO_*)
 *   rdx, r8, r9, r10   message registers 0-3 in and out
 *   r12   reply-object capability pointer (Call, ReplyRecv, Recv)
 *   r13   the receive capability pointer of NBSendRecv
 * rcx and r11 are clobbered by the instruction itself; every other
 * register is preserved. Further message words travel in the IPC buffer. */
#ifndef ATOLL_ABI_SYSCALL_H
#define ATOLL_ABI_SYSCALL_H

#include <stdint.h>

enum atoll_syscall {
    ATOLL_SYS_CALL = 1,
    ATOLL_SYS_SEND = 2,
    ATOLL_SYS_NBSEND = 3,
    ATOLL_SYS_RECV = 4,
    ATOLL_SYS_NBRECV = 5,
    ATOLL_SYS_REPLY_RECV = 6,
    ATOLL_SYS_SIGNAL = 7,
    ATOLL_SYS_WAIT = 8,
    ATOLL_SYS_POLL = 9,
    ATOLL_SYS_YIELD = 10,
    ATOLL_SYS_VMENTER = 11,
    /* NBSend on rdi (an endpoint or a notification, which it signals),
     * then Recv on r13 with the reply object r12, as one system call (seL4
     * MCS NBSendRecv): nothing can run between the two, so the one told
     * "I am waiting" knows the sender waits. A passive server uses it to
     * tell init to take its scheduling context away. */
    ATOLL_SYS_NBSEND_RECV = 12,
    /* Debug-only: write up to 32 bytes held in the four message registers
     * (length in rsi) on the kernel console. */
    ATOLL_SYS_DEBUG_PUTS = 0x40,
    /* Debug-only: stop the calling thread for good (used when a test
     * program ends before thread objects exist). */
    ATOLL_SYS_DEBUG_EXIT = 0x41,
    /* Debug-only: check the kernel's invariants (capability derivation
     * tree, untyped accounting, ready queues) and print the result on the
     * console. rax: ATOLL_OK or ATOLL_ERR_ILLEGAL_OPERATION when a check
     * failed; rdi: capabilities checked. */
    ATOLL_SYS_DEBUG_CHECK = 0x42,
    /* Debug-only: how many Calls (rdx) and ReplyRecvs (r8) the IPC fast
     * path has completed since boot, on all cores, so that tests can tell
     * which path a system call took. */
    ATOLL_SYS_DEBUG_FASTPATH_COUNT = 0x43,
    /* Debug-only: CNode Delete and Revoke stop at a preemption point and
     * restart (the system call runs again from the top) when an interrupt
     * or another core is waiting. rdi = n > 0 makes every nth point stop,
     * so that tests can force restarts; 0 goes back to stopping only for
     * a reason. rdx: stops since boot. */
    ATOLL_SYS_DEBUG_PREEMPTION = 0x44,
};

#define ATOLL_MSG_REGISTERS  4
#define ATOLL_DEBUG_PUTS_MAX (ATOLL_MSG_REGISTERS * 8)

#endif
