/* The IPC fast path for Call and ReplyRecv (kernel/fastpath.c). Its entry
 * points, fastpath_call() and fastpath_reply_recv(), are called by the
 * SYSCALL stub (arch/x86_64/syscall.h). */
#ifndef ATOLL_KERNEL_FASTPATH_H
#define ATOLL_KERNEL_FASTPATH_H

#include <stdint.h>

/* System calls the fast path completed since boot, on all cores (the
 * debug system call ATOLL_SYS_DEBUG_FASTPATH_COUNT reports them, so that
 * tests can tell which path a call took). */
struct fastpath_counts {
    uint64_t calls;
    uint64_t reply_recvs;
};
void fastpath_get_counts(struct fastpath_counts *out);

#endif
