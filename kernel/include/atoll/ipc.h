/* IPC message layout, shared by kernel and user space.
 *
 * Message info word (rsi): which part of the message is valid and the
 * label (for invocations, the operation). Bit layout:
 *   [6:0]   length: number of message words (0..ATOLL_MSG_MAX_WORDS)
 *   [8:7]   extra_caps: capabilities to transfer (0..ATOLL_MSG_MAX_CAPS)
 *   [11:9]  caps_unwrapped: on receive, which transferred caps arrived
 *           as badges only (same endpoint as the one received on)
 *   [63:12] label
 * The first ATOLL_MSG_REGISTERS words travel in registers, the rest in
 * the sender's and receiver's IPC buffers. */
#ifndef ATOLL_ABI_IPC_H
#define ATOLL_ABI_IPC_H

#include <stdint.h>

#define ATOLL_MSG_MAX_WORDS 120
#define ATOLL_MSG_MAX_CAPS  3

#define ATOLL_MSGINFO_LENGTH_BITS  7
#define ATOLL_MSGINFO_CAPS_SHIFT   7
#define ATOLL_MSGINFO_CAPS_BITS    2
#define ATOLL_MSGINFO_UNWRAP_SHIFT 9
#define ATOLL_MSGINFO_UNWRAP_BITS  3
#define ATOLL_MSGINFO_LABEL_SHIFT  12

static inline uint64_t atoll_msginfo(uint64_t label, uint64_t length, uint64_t extra_caps)
{
    return (label << ATOLL_MSGINFO_LABEL_SHIFT) |
           ((extra_caps & ((1u << ATOLL_MSGINFO_CAPS_BITS) - 1)) << ATOLL_MSGINFO_CAPS_SHIFT) |
           (length & ((1u << ATOLL_MSGINFO_LENGTH_BITS) - 1));
}
static inline uint64_t atoll_msginfo_label(uint64_t info)
{
    return info >> ATOLL_MSGINFO_LABEL_SHIFT;
}
static inline uint64_t atoll_msginfo_length(uint64_t info)
{
    return info & ((1u << ATOLL_MSGINFO_LENGTH_BITS) - 1);
}
static inline uint64_t atoll_msginfo_extra_caps(uint64_t info)
{
    return (info >> ATOLL_MSGINFO_CAPS_SHIFT) & ((1u << ATOLL_MSGINFO_CAPS_BITS) - 1);
}
static inline uint64_t atoll_msginfo_unwrapped(uint64_t info)
{
    return (info >> ATOLL_MSGINFO_UNWRAP_SHIFT) & ((1u << ATOLL_MSGINFO_UNWRAP_BITS) - 1);
}

/* The IPC buffer: one 4 KiB frame per thread, registered with the TCB. */
struct atoll_ipc_buffer {
    uint64_t tag;                                /* copy of the message info */
    uint64_t msg[ATOLL_MSG_MAX_WORDS];           /* words 0-3 mirror the registers */
    uint64_t user_data;                          /* free for the thread's runtime */
    uint64_t caps_or_badges[ATOLL_MSG_MAX_CAPS]; /* send: cptrs; receive: badges */
    uint64_t receive_cnode;                      /* where received caps go: */
    uint64_t receive_index;
    uint64_t receive_depth;
};

/* Fault message labels: the label of the message a faulting thread
 * sends to its fault endpoint (3 words; ATOLL_FAULT_TIMEOUT, 5, is in
 * atoll/sched.h). */
enum atoll_fault {
    ATOLL_FAULT_CAPABILITY = 1,      /* words: cptr, 0 invoked / 1 extra */
    ATOLL_FAULT_UNKNOWN_SYSCALL = 2, /* words: number, rip */
    ATOLL_FAULT_USER_EXCEPTION = 3,  /* words: vector, error code, rip */
    ATOLL_FAULT_VM = 4,              /* words: address, error code, rip */
};

#endif
