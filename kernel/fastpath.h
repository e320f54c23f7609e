/* The IPC fast path for Call and ReplyRecv (kernel/fastpath.c,
 * arch/x86_64/fastpath.asm). Its entry points, fastpath_call and
 * fastpath_reply_recv, are jumped to by the SYSCALL stub. */
#ifndef ATOLL_KERNEL_FASTPATH_H
#define ATOLL_KERNEL_FASTPATH_H

#include <stdint.h>

#include "../arch/x86_64/trap.h"

/* System calls the fast path completed since boot, on all cores (the
 * debug system call ATOLL_SYS_DEBUG_FASTPATH_COUNT reports them, so that
 * tests can tell which path a call took). */
struct fastpath_counts {
    uint64_t calls;
    uint64_t reply_recvs;
};
void fastpath_get_counts(struct fastpath_counts *out);

/* fastpath.asm gives up, holding the kernel lock: the general path runs
 * the system call of frame `f` from the start. */
_Noreturn void fastpath_fallback(struct trap_frame *f);

#endif
