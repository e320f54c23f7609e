/* The system-call fuzzer (issue 4): a root task that builds a sandbox
 * CNode holding a capability to an object of every type, then lets two
 * worker threads (one per core) make random system calls on it while a
 * supervisor (the root thread) and two fault servers keep them going.
 * main.c: supervisor, sandbox seeding, fault servers; worker.c: the
 * generator of random invocations. */
#ifndef ATOLL_FUZZ_H
#define ATOLL_FUZZ_H

#include "atoll.h"
#include "atoll/iommu.h"
#include "atoll/irq.h"
#include "atoll/sched.h"
#include "atoll/tcb.h"

#include <stdbool.h>

#define FUZZ_WORKERS 2

/* The sandbox CNode: 2^SANDBOX_RADIX slots. Worker 0's CSpace root is a
 * capability to it with a guard of SANDBOX_GUARD_BITS zero bits, so that a
 * system-call pointer (64 bits) resolves 56 bits there and the low
 * SUB_BITS bits name a slot of a CNode held in that slot (if any): slot s
 * is the pointer s << SUB_BITS. Worker 1's root has a guard of 56 bits:
 * slot s is the pointer s, and only one level is reachable, which is what
 * the kernel's IPC fast path needs. */
#define SANDBOX_RADIX      8
#define SANDBOX_SLOTS      (1u << SANDBOX_RADIX)
#define SANDBOX_GUARD_BITS 48
#define SUB_BITS           (ATOLL_CPTR_BITS - SANDBOX_GUARD_BITS - SANDBOX_RADIX)
#define FLAT_GUARD_BITS    (ATOLL_CPTR_BITS - SANDBOX_RADIX)
/* Slots below this hold the seed capabilities; the rest start empty. */
#define SANDBOX_SEED_END 72

/* What a sandbox slot held when the supervisor seeded it. Workers choose
 * labels and arguments by it; they cannot know what the slot holds now. */
enum seed_kind {
    K_EMPTY = 0,
    K_UNTYPED,
    K_CNODE,
    K_TCB,
    K_ENDPOINT,
    K_NOTIFICATION,
    K_REPLY,
    K_SCHED_CONTEXT,
    K_SCHED_CONTROL,
    K_FRAME_4K,
    K_FRAME_2M,
    K_PML4,
    K_PDPT,
    K_PD,
    K_PT,
    K_IRQ_HANDLER,
    K_IOPORT,
    K_IOSPACE,
    K_KINDS,
};

struct seed_slot {
    uint8_t kind;
    /* CNode: bits a lookup through this capability resolves (guard size +
     * radix); the capability's guard is always 0. */
    uint8_t cnode_bits;
    /* CNode: 1 when it is a capability to the sandbox CNode itself (its
     * slot s is index s at depth cnode_bits). */
    uint8_t is_sandbox;
    /* Endpoint: a victim thread waits to receive on it. */
    uint8_t served;
};

/* Shared between the supervisor and the workers. */
struct fuzz_shared {
    struct seed_slot seed[SANDBOX_SLOTS];
    /* Seed slots of each kind (for "mostly valid" capability choices). */
    uint8_t by_kind[K_KINDS][SANDBOX_SEED_END];
    uint8_t by_kind_count[K_KINDS];
    /* A slot holding a capability to the sandbox that resolves 8 bits:
     * worker 0 names a CNode capability in slot s as (flat << 8) | s (a
     * pointer s << 8 would descend into that CNode). */
    uint8_t flat;
};

/* The last calls of each worker, for a post-mortem when the kernel dies:
 * boot without atoll.exit=1 and with a QEMU monitor, `pmemsave 0 <RAM
 * size> "mem.bin"` after "atoll: halted", then look for 8-byte-aligned
 * words TRACE_MAGIC | worker id in the dump: each starts an entry (the
 * user pages are not contiguous in physical memory, the entries are found
 * one by one). The entry with result ~0 is the call the kernel died in. */
#define TRACE_LENGTH 64
#define TRACE_MAGIC  UINT64_C(0x46555a5a54524300) /* "FUZZTRC" and the worker id */
struct trace_entry {
    uint64_t magic; /* TRACE_MAGIC | worker id, found by scanning memory */
    uint64_t seq;   /* call number + 1; 0: unused */
    uint64_t number, cptr, info, reply;
    uint64_t mr[ATOLL_MSG_REGISTERS];
    uint64_t words[4]; /* message words 4-7 */
    uint64_t caps[ATOLL_MSG_MAX_CAPS];
    uint64_t receive_index, receive_depth;
    uint64_t result; /* rax when it returned; ~0: not (yet) */
};

/* Per worker; each on its own cache lines. */
struct worker {
    volatile uint64_t count;                  /* system calls made (returned) */
    volatile uint64_t started;                /* system calls started */
    volatile uint64_t restarts;               /* times started at its entry */
    volatile uint64_t go;                     /* 0: wait at the entry (sandbox being rebuilt) */
    struct atoll_ipc_buffer *volatile buffer; /* NULL: registers only */
    uint64_t rng;
    uint64_t stack_top;
    unsigned sub_bits; /* SUB_BITS, or 0 with a single-level CSpace */
    /* Outcomes of calls that returned: by rax value (0..ATOLL_ERROR_COUNT,
     * the last counts anything else). */
    uint64_t results[ATOLL_ERROR_COUNT + 1];
    uint64_t by_syscall[16];
    /* Invocations (Call on a kernel object) that succeeded, by label. */
    uint32_t ok_by_label[256];
    /* TSC cycles spent in system calls, by the seeded kind of the target
     * (K_KINDS: other system calls); the slowest call. */
    uint64_t cycles_by_kind[K_KINDS + 1];
    uint64_t slowest, slowest_number, slowest_label, slowest_kind;
    struct trace_entry trace[TRACE_LENGTH];
    _Alignas(64) uint8_t pad[64];
};

extern struct fuzz_shared fuzz;
extern struct worker workers[FUZZ_WORKERS];

/* worker.c: the worker thread's body (never returns). */
_Noreturn void worker_main(uint64_t id);

/* Words the generator must never produce: addresses inside the fuzzer's
 * own image, where a sandbox thread given such a RIP could run the
 * supervisor's code. */
#define IMAGE_FIRST UINT64_C(0x3ff000)
#define IMAGE_END   UINT64_C(0x1000000)

#endif
