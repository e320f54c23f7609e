/* TCB invocation labels and argument layouts (block ATOLL_TCB_FIRST of
 * atoll/invocation.h), and the register order of Read/WriteRegisters.
 * Shared by kernel and user space; the values are ABI. */
#ifndef ATOLL_ABI_TCB_H
#define ATOLL_ABI_TCB_H

#include "atoll/invocation.h"

enum atoll_tcb_label {
    /* words: ipc_buffer (user address, 512-byte aligned, 0 = none).
     * extra: 0 CSpace root (CNode), 1 VSpace root (PML4), 2 IPC-buffer
     * frame (4 KiB; ignored when ipc_buffer is 0). */
    ATOLL_TCB_CONFIGURE = ATOLL_TCB_FIRST + 0,
    /* words: priority. extra: 0 the authority TCB, whose MCP bounds it. */
    ATOLL_TCB_SET_PRIORITY = ATOLL_TCB_FIRST + 1,
    /* words: mcp. extra: 0 the authority TCB. */
    ATOLL_TCB_SET_MCP = ATOLL_TCB_FIRST + 2,
    /* words: count (registers to read, from the start of the order below).
     * Reply: those registers as message words. */
    ATOLL_TCB_READ_REGISTERS = ATOLL_TCB_FIRST + 3,
    /* words: resume (0/1), count, then `count` register values. */
    ATOLL_TCB_WRITE_REGISTERS = ATOLL_TCB_FIRST + 4,
    ATOLL_TCB_RESUME = ATOLL_TCB_FIRST + 5,
    ATOLL_TCB_SUSPEND = ATOLL_TCB_FIRST + 6,
    /* extra: 0 a notification (needs READ). */
    ATOLL_TCB_BIND_NOTIFICATION = ATOLL_TCB_FIRST + 7,
    ATOLL_TCB_UNBIND_NOTIFICATION = ATOLL_TCB_FIRST + 8,
    /* words: core index. */
    ATOLL_TCB_SET_AFFINITY = ATOLL_TCB_FIRST + 9,
    /* extra: 0 an endpoint (needs WRITE) copied into the TCB: its fault
     * messages go there. No extra capability: clears it. */
    ATOLL_TCB_SET_FAULT_ENDPOINT = ATOLL_TCB_FIRST + 10,
    /* words: up to 2 words of name (ASCII, NUL-padded) for kernel reports. */
    ATOLL_TCB_SET_NAME = ATOLL_TCB_FIRST + 11,
    /* words: mask. A signal on the thread's bound notification with any of
     * these badge bits aborts a blocking Send/Call of the thread (with
     * ATOLL_ERR_IPC_ABORTED): timeouts without a timer server. 0: never. */
    ATOLL_TCB_SET_ABORT_MASK = ATOLL_TCB_FIRST + 12,
};

/* Register order of Read/WriteRegisters. */
enum atoll_tcb_register {
    ATOLL_REG_RIP = 0,
    ATOLL_REG_RSP,
    ATOLL_REG_RFLAGS,
    ATOLL_REG_RAX,
    ATOLL_REG_RBX,
    ATOLL_REG_RCX,
    ATOLL_REG_RDX,
    ATOLL_REG_RSI,
    ATOLL_REG_RDI,
    ATOLL_REG_RBP,
    ATOLL_REG_R8,
    ATOLL_REG_R9,
    ATOLL_REG_R10,
    ATOLL_REG_R11,
    ATOLL_REG_R12,
    ATOLL_REG_R13,
    ATOLL_REG_R14,
    ATOLL_REG_R15,
    ATOLL_REG_COUNT,
};

#define ATOLL_MAX_PRIORITY     255
#define ATOLL_IPC_BUFFER_ALIGN 1024 /* sizeof(struct atoll_ipc_buffer) */

#endif
