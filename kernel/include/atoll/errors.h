/* The one error table of every invocation, shared by kernel and user space.
 *
 * An invocation returns its code in rax (atoll/syscall.h) and, when it is
 * not ATOLL_OK, the four detail words of struct atoll_error_detail (all but
 * `code`) in message registers 0-3. The codes are seL4's (seL4_Error);
 * what the detail words mean depends on the code, as listed
 * below. Unused detail words are zero.
 *
 * The values are ABI: never renumber, only append. */
#ifndef ATOLL_ABI_ERRORS_H
#define ATOLL_ABI_ERRORS_H

#include <stdint.h>

enum atoll_error {
    ATOLL_OK = 0,
    /* An argument has a value the operation cannot take (a reserved object
     * type, a size below the minimum, a device untyped asked for a kernel
     * object). argument: its message-word index. */
    ATOLL_ERR_INVALID_ARGUMENT = 1,
    /* An extra capability has the wrong type or lacks a right.
     * argument: its index among the extra capabilities. */
    ATOLL_ERR_INVALID_CAPABILITY = 2,
    /* The operation is not defined for this capability, or would produce an
     * invalid capability (e.g. minting a badge onto a badged endpoint cap). */
    ATOLL_ERR_ILLEGAL_OPERATION = 3,
    /* A number is outside [value0, value1] (inclusive).
     * argument: its message-word index. */
    ATOLL_ERR_RANGE_ERROR = 4,
    /* An address or size is not aligned as it must be. argument: its
     * message-word index; value0: the alignment required, in bits. */
    ATOLL_ERR_ALIGNMENT_ERROR = 5,
    /* A capability pointer did not resolve. argument: the message-word index
     * of the pointer; value0: enum atoll_lookup_failure; value1: bits of
     * the pointer left unresolved where it failed; value2: for
     * GUARD_MISMATCH the guard size of the CNode that rejected it, for
     * DEPTH_MISMATCH the bits that CNode needed (radix + guard size), or 0
     * when the depth ran past the last CNode. */
    ATOLL_ERR_FAILED_LOOKUP = 6,
    /* Fewer message words or extra capabilities than the operation needs.
     * value0: message words needed; value1: extra capabilities needed. */
    ATOLL_ERR_TRUNCATED_MESSAGE = 7,
    /* A destination slot is occupied. argument: the message-word index of
     * the destination; value0: for Retype, the offset of the first occupied
     * slot. */
    ATOLL_ERR_DELETE_FIRST = 8,
    /* The capability has children in the derivation tree and the operation
     * needs it to have none (copying an untyped cap that has objects).
     * argument: the message-word index of the pointer to it. */
    ATOLL_ERR_REVOKE_FIRST = 9,
    /* The untyped has too little room left. value0: bytes left above its
     * watermark. */
    ATOLL_ERR_NOT_ENOUGH_MEMORY = 10,
    /* A blocking Send, Call or wait for a reply was ended by a signal on
     * the thread's bound notification whose badge matched the thread's
     * abort mask (TCB_SetAbortMask). The system call's badge register
     * holds the matching bits, consumed from the notification. */
    ATOLL_ERR_IPC_ABORTED = 11,
    ATOLL_ERROR_COUNT = 12,
};

/* Why a capability-pointer lookup failed (seL4 reference manual,
 * "Lookup Failure Description"). */
enum atoll_lookup_failure {
    ATOLL_LOOKUP_OK = 0,
    /* The capability the lookup starts from is not a CNode capability. */
    ATOLL_LOOKUP_INVALID_ROOT = 1,
    /* The pointer resolved to an empty slot, or to a capability of the
     * wrong type where the operation needed a particular one. */
    ATOLL_LOOKUP_MISSING_CAPABILITY = 2,
    /* The depth ended inside a CNode level (too few bits), or after the
     * last CNode with bits left over (too many). */
    ATOLL_LOOKUP_DEPTH_MISMATCH = 3,
    /* The pointer's bits did not match a CNode's guard. */
    ATOLL_LOOKUP_GUARD_MISMATCH = 4,
};

/* Detail of a failed invocation; see enum atoll_error for what each field
 * holds per code. */
struct atoll_error_detail {
    uint64_t code; /* enum atoll_error */
    uint64_t argument;
    uint64_t value0;
    uint64_t value1;
    uint64_t value2;
};

#endif
