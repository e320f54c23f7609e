/* The system-call fuzzer's root task: the supervisor.
 *
 * Threads (all in this program's address space):
 *   supervisor  the root thread, core 0, priority P_WORK: builds the
 *               sandbox, restarts stuck workers, rebuilds the sandbox
 *               every epoch (EPOCH_CALLS calls or EPOCH_CYCLES), checks the
 *               kernel's invariants after each, reports, and tears
 *               everything down at the end.
 *   workers     one per core, priority P_WORK, CSpace root = the sandbox
 *               CNode, each with its own IPC buffer: random system calls
 *               (worker.c).
 *   fault servers  one per core, priority P_FAULT, CSpace = the root
 *               CNode: receive the workers' fault messages and resume them
 *               (capability faults, unknown system calls) or send them back
 *               to their entry (anything else).
 *   victims     two TCBs inside the sandbox (one per core) running an echo
 *               server on endpoint E0: partners for the workers' IPC and
 *               targets for their TCB invocations.
 *
 * Memory: U_SUP (supervisor objects: the sandbox CNode, the worker and
 * fault-server threads) and U_SEED (every object in the sandbox) come from
 * one boot untyped. The workers never see U_SUP, U_SEED, the root CNode,
 * the root TCB, IRQControl or IOPortControl. A new epoch revokes U_SEED
 * and seeds the sandbox again. */
#include "fuzz.h"

int main(uint64_t bootinfo);

#define TARGET_CALLS UINT64_C(1000000)
#define EPOCH_CALLS  UINT64_C(20000)
#define SEED         UINT64_C(0x243f6a8885a308d3)

/* Priorities. The supervisor and worker 0 share core 0 round robin at
 * P_WORK (the workers yield now and then); the
 * fault servers preempt them. Sandbox threads are bounded by P_SANDBOX
 * (their MCP, and every TCB in the sandbox has at most that MCP), so that
 * livelocks among them (a thread whose fault endpoint is served by an
 * echoing victim faults forever) only use idle time -- except victim 1,
 * which starts at P_WORK on worker 1's core as the partner of the IPC fast
 * path (until the fuzzer lowers it). */
#define P_WORK    128 /* the root task's own priority */
#define P_FAULT   129
#define P_SANDBOX 100

#define ROOT  ATOLL_SLOT_ROOT_CNODE
#define DEPTH ATOLL_CPTR_BITS

#define U_SUP_BITS  20
#define U_SEED_BITS 23

/* A worker that has been inside one system call for this many TSC cycles
 * is blocked (every call that returns takes far less) and is restarted;
 * one that made no call at all for STUCK_CYCLES too. A quiet period of
 * QUIET_CYCLES lets every core take a timer tick (100 Hz). */
#define STALL_CYCLES           UINT64_C(1500000)
#define STUCK_CYCLES           UINT64_C(2000000000)
#define QUIET_CYCLES           UINT64_C(45000000)
#define PROGRESS_CYCLES        UINT64_C(20000000000)
#define SUPERVISOR_SPIN_CYCLES UINT64_C(20000)
/* Forced preemption periods the epochs cycle through (0: natural). */
#define PREEMPT_PERIODS 4

/* An epoch ends after EPOCH_CALLS calls or this many cycles. */
#define EPOCH_CYCLES UINT64_C(30000000000)

#define STACK_SIZE 16384

/* ---- sandbox seed layout (slot numbers of the sandbox CNode) ---- */
enum {
    S_SELF = 1,      /* the sandbox CNode, guard 48 (as worker 0's root) */
    S_SELF_FLAT = 2, /* the same, no guard: 8 bits */
    S_SELF_FULL = 3, /* the same, guard 56: 64 bits */
    S_UNTYPED = 4,   /* 4 MiB: the workers' own memory */
    S_UNTYPED_SMALL = 5,
    S_UNTYPED_TINY = 6,
    S_CNODE_SUB = 7,  /* radix 4, guard size 4: 8 bits (a second level) */
    S_CNODE_TINY = 8, /* radix 1 */
    S_VICTIM0 = 9,
    S_VICTIM1 = 10,
    S_TCB_FRESH = 11,
    S_TCB_CONFIGURED = 12,
    S_E0 = 13, /* served by the victims */
    S_E0_BADGED = 14,
    S_E0_READ = 15,
    S_E0_NO_GRANT = 16,
    S_E1 = 17, /* the victims' fault endpoint */
    S_E1_BADGED = 18,
    S_N0 = 19,
    S_N0_B1 = 20,
    S_N0_B2_WRITE = 21,
    S_N1 = 22, /* bound to victim 1 */
    S_N0_READ = 23,
    S_R0 = 24,
    S_R1 = 25,
    S_R2 = 26, /* victim 0's reply object */
    S_R3 = 27, /* victim 1's */
    S_SC_SMALL = 28,
    S_SC_BIG = 29,
    S_SCHED_CONTROL0 = 30,
    S_SCHED_CONTROL1 = 31,
    S_FRAME = 32, /* mapped at MAPPED_FRAME in S_PML4 */
    S_PML4 = 33,  /* a VSpace with an address-space id */
    S_PDPT = 34,  /* mapped at 0 in S_PML4 */
    S_PD = 35,    /* mapped at 0 in S_PDPT */
    S_PT = 36,    /* mapped at MAPPED_PT in S_PD */
    S_FRAME_READ = 37,
    S_FRAME_2M = 38,
    S_E2 = 39, /* worker to worker */
    S_N2 = 40,
    S_E0_BADGED2 = 41,
    S_E2_BADGED = 42,
    S_E2_COPY = 43,
    S_N1_B4 = 44,
    S_PDPT_COPY = 45,
    S_PT2 = 46,    /* not mapped */
    S_TMP = 47,    /* used while seeding; empty afterwards */
    S_FRAMES = 48, /* S_FRAMES_COUNT unmapped frames, for MapFrames */
    S_FRAMES_COUNT = 4,
    S_IRQ_ISA = 52,
    S_IRQ_MSI = 53,
    S_IRQ_COPY = 54,
    S_IOPORT_CMOS = 55,
    S_IOPORT_POST = 56,
    S_PML4_COPY = 57,
    S_PD2 = 58,          /* not mapped */
    S_PML4_BARE = 59,    /* no address-space id */
    S_GUARD_CNODES = 60, /* S_FRAMES_COUNT CNodes, each right behind a frame */
    S_SC_VICTIM0 = 64,   /* bound to victim 0 */
    S_SC_VICTIM1 = 65,
    S_SC_ROUND = 66,    /* configured round robin, not bound */
    S_SC_SPORADIC = 67, /* configured budget < period, not bound */
    S_IOSPACE = 68,     /* VT-d domain, never bound (IOMMUControl stays with init) */
};
/* Scheduling contexts (µs): round robin for the supervisor's threads and
 * the victims; a sporadic one in the sandbox. */
#define WORKER_TIMESLICE_US UINT64_C(5000)
#define VICTIM_TIMESLICE_US UINT64_C(2000)
#define SPORADIC_BUDGET_US  UINT64_C(500)
#define SPORADIC_PERIOD_US  UINT64_C(5000)
#define MAPPED_PT           UINT64_C(0x200000)
#define MAPPED_FRAME        UINT64_C(0x201000)
/* Harmless for the fuzzer to own: no device uses ISA IRQ 5 here, no device
 * exists at PCI 00:1f.7 (the kernel does not check), the CMOS index/data
 * ports, the POST diagnostic port. */
#define FUZZ_ISA_IRQ      5
#define FUZZ_MSI_DEVICE   31
#define FUZZ_MSI_FUNCTION 7
_Static_assert(S_IOSPACE < SANDBOX_SEED_END, "seed slots");

struct fuzz_shared fuzz;
struct worker workers[FUZZ_WORKERS];
uint64_t fuzz_stack_tops[FUZZ_WORKERS];

static _Alignas(16) uint8_t worker_stacks[FUZZ_WORKERS][STACK_SIZE];
static _Alignas(16) uint8_t fault_stacks[FUZZ_WORKERS][STACK_SIZE];
static _Alignas(16) uint8_t victim_stacks[FUZZ_WORKERS][STACK_SIZE];

/* Where a restarted worker begins: its own stack, its id in rdi. */
void fuzz_entry0(void);
void fuzz_entry1(void);
__asm__(".pushsection .text\n"
        ".globl fuzz_entry0\n"
        "fuzz_entry0:\n"
        "    movq fuzz_stack_tops(%rip), %rsp\n"
        "    xorl %edi, %edi\n"
        "    call worker_main\n"
        "    ud2\n"
        ".globl fuzz_entry1\n"
        "fuzz_entry1:\n"
        "    movq fuzz_stack_tops+8(%rip), %rsp\n"
        "    movl $1, %edi\n"
        "    call worker_main\n"
        "    ud2\n"
        ".popsection\n");
static void (*const worker_entries[FUZZ_WORKERS])(void) = {fuzz_entry0, fuzz_entry1};

/* Root CNode slots of the supervisor's objects. */
static struct {
    uint64_t u_sup, u_seed;
    uint64_t sandbox;      /* the original sandbox CNode capability (8 bits) */
    uint64_t sandbox_root; /* guard 48: worker 0's and victim 0's CSpace root */
    uint64_t sandbox_flat; /* guard 56: worker 1's and victim 1's */
    uint64_t worker[FUZZ_WORKERS];
    uint64_t worker_sc[FUZZ_WORKERS];
    uint64_t fault_tcb[FUZZ_WORKERS];
    uint64_t fault_sc[FUZZ_WORKERS];
    uint64_t fault_ep[FUZZ_WORKERS];
    uint64_t fault_ep_badged[FUZZ_WORKERS];
    uint64_t fault_reply[FUZZ_WORKERS];
    uint64_t scratch[4];
} r;

static const struct atoll_bootinfo *bi;
static uint64_t next_root_slot;

/* Fault servers' counts, by fault label. */
static volatile uint64_t faults[FUZZ_WORKERS][8];
static volatile uint64_t fault_restarts[FUZZ_WORKERS];
static volatile uint64_t cap_faults[2][K_KINDS + 1];

static uint64_t preemption(uint64_t force_every)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    return atoll_syscall(ATOLL_SYS_DEBUG_PREEMPTION, force_every, 0, mr).mr[0];
}

static uint64_t stall_restarts, setup_errors, epochs;

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static void yield(void)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    atoll_syscall(ATOLL_SYS_YIELD, 0, 0, mr);
}

/* Spins for `cycles` TSC cycles, yielding to threads on this core. */
static void quiet(uint64_t cycles)
{
    uint64_t start = rdtsc();
    while (rdtsc() - start < cycles)
        yield();
}

static uint64_t root_slot(void)
{
    return next_root_slot++;
}

/* Setup steps must all succeed; a failure is reported (and counted) but
 * the run goes on, as the fuzzer can live with a missing seed. */
static void check(const char *what, struct atoll_error_detail e)
{
    if (e.code) {
        setup_errors++;
        printf("fuzz: setup: %s failed: error %lu (argument %lu, %lu %lu %lu)\n", what, e.code,
               e.argument, e.value0, e.value1, e.value2);
    }
}

static struct atoll_error_detail invoke0(uint64_t cap, uint64_t label)
{
    return atoll_invoke(cap, label, NULL, 0, NULL, 0);
}

static struct atoll_error_detail invoke1(uint64_t cap, uint64_t label, uint64_t word,
                                         uint64_t extra)
{
    return atoll_invoke(cap, label, &word, 1, &extra, extra ? 1 : 0);
}

static void set_name(uint64_t tcb, const char *name)
{
    uint64_t w[2] = {0, 0};
    memcpy(w, name, strlen(name) < 15 ? strlen(name) : 15);
    atoll_invoke(tcb, ATOLL_TCB_SET_NAME, w, 2, NULL, 0);
}

/* The one place threads are started: `tcb` bound to the configured
 * scheduling context `sc` (root CNode slots). */
static void thread_launch(uint64_t tcb, uint64_t sc, uint64_t cspace, uint8_t priority,
                          void (*entry)(uint64_t), uint64_t arg, void *stack_top)
{
    check("thread start", atoll_thread_start(tcb, sc, cspace, ATOLL_SLOT_ROOT_VSPACE,
                                             ATOLL_SLOT_ROOT_TCB, priority, entry, arg, stack_top));
}

/* Gives the scheduling context `sc` (a root CNode slot) its parameters on
 * core `core`. */
static void sc_configure(uint64_t sc, uint64_t core, uint64_t budget_us, uint64_t period_us,
                         uint64_t badge)
{
    uint64_t w[ATOLL_SCHED_CONFIGURE_ARGS] = {0};
    w[ATOLL_SCHED_CONFIGURE_ARG_BUDGET] = budget_us;
    w[ATOLL_SCHED_CONFIGURE_ARG_PERIOD] = period_us;
    w[ATOLL_SCHED_CONFIGURE_ARG_BADGE] = badge;
    check("configure sched context",
          atoll_invoke(ATOLL_SLOT_SCHED_CONTROL + core, ATOLL_SCHED_CONTROL_CONFIGURE_FLAGS, w,
                       ATOLL_SCHED_CONFIGURE_ARGS, &sc, 1));
}

/* Gives a thread its IPC buffer: `offset` bytes into `frame` (a root
 * CNode slot) mapped at `base`. */
static void set_ipc_buffer(uint64_t tcb, uint64_t cspace, uint64_t frame, uint64_t base,
                           uint64_t offset)
{
    uint64_t ipc = base + offset;
    uint64_t caps[3] = {cspace, ATOLL_SLOT_ROOT_VSPACE, frame};
    check("configure with IPC buffer", atoll_invoke(tcb, ATOLL_TCB_CONFIGURE, &ipc, 1, caps, 3));
}

/* ---- sandbox ---- */

static struct atoll_error_detail seed_retype(uint64_t type, uint64_t size_bits, unsigned slot)
{
    return atoll_untyped_retype(r.u_seed, type, size_bits, r.sandbox, 0, 0, slot, 1);
}

static void seed_object(const char *what, uint64_t type, uint64_t size_bits, unsigned slot)
{
    check(what, seed_retype(type, size_bits, slot));
}

/* A copy or mint of sandbox slot `src` into sandbox slot `dest`. */
static void seed_derive(uint64_t label, unsigned dest, unsigned src, uint64_t rights, uint64_t data)
{
    check("seed copy",
          atoll_cnode_copy_op(label, r.sandbox, dest, 8, r.sandbox, src, 8, rights, data));
}

/* A copy of sandbox slot `slot` in root scratch slot `i`, for invoking it. */
static uint64_t borrow(unsigned slot, unsigned i)
{
    check("borrow", atoll_cnode_copy_op(ATOLL_CNODE_COPY, ROOT, r.scratch[i], DEPTH, r.sandbox,
                                        slot, 8, ATOLL_RIGHTS_ALL, 0));
    return r.scratch[i];
}

static void give_back(unsigned i)
{
    atoll_cnode_slot_op(ATOLL_CNODE_DELETE, ROOT, r.scratch[i], DEPTH);
}

/* The same for capabilities that cannot be copied (an unmapped page
 * table): moved out and back. */
static uint64_t take(unsigned slot, unsigned i)
{
    check("take", atoll_cnode_copy_op(ATOLL_CNODE_MOVE, ROOT, r.scratch[i], DEPTH, r.sandbox, slot,
                                      8, 0, 0));
    return r.scratch[i];
}

static void put_back(unsigned slot, unsigned i)
{
    check("put back", atoll_cnode_copy_op(ATOLL_CNODE_MOVE, r.sandbox, slot, 8, ROOT, r.scratch[i],
                                          DEPTH, 0, 0));
}

static void note(unsigned slot, enum seed_kind kind, unsigned cnode_bits, unsigned is_sandbox)
{
    fuzz.seed[slot].kind = (uint8_t)kind;
    fuzz.seed[slot].cnode_bits = (uint8_t)cnode_bits;
    fuzz.seed[slot].is_sandbox = (uint8_t)is_sandbox;
}

/* Which interrupt and port capabilities the current epoch has (bits:
 * 1 ISA IRQ handler, 2 MSI handler, 4 CMOS ports, 8 POST port). */
static unsigned irq_seeded;

static void seed_table(void)
{
    memset(&fuzz, 0, sizeof fuzz);
    note(S_SELF, K_CNODE, SANDBOX_GUARD_BITS + SANDBOX_RADIX, 1);
    note(S_SELF_FLAT, K_CNODE, SANDBOX_RADIX, 1);
    fuzz.flat = S_SELF_FLAT;
    note(S_SELF_FULL, K_CNODE, ATOLL_CPTR_BITS, 1);
    note(S_UNTYPED, K_UNTYPED, 0, 0);
    note(S_UNTYPED_SMALL, K_UNTYPED, 0, 0);
    note(S_UNTYPED_TINY, K_UNTYPED, 0, 0);
    note(S_CNODE_SUB, K_CNODE, 8, 0);
    note(S_CNODE_TINY, K_CNODE, 1, 0);
    for (unsigned i = 0; i < S_FRAMES_COUNT; i++)
        note(S_GUARD_CNODES + i, K_CNODE, 4, 0);
    note(S_VICTIM0, K_TCB, 0, 0);
    note(S_VICTIM1, K_TCB, 0, 0);
    note(S_TCB_FRESH, K_TCB, 0, 0);
    note(S_TCB_CONFIGURED, K_TCB, 0, 0);
    static const uint8_t eps[] = {S_E0,        S_E0_BADGED, S_E0_READ,    S_E0_NO_GRANT, S_E1,
                                  S_E1_BADGED, S_E2,        S_E0_BADGED2, S_E2_BADGED,   S_E2_COPY};
    for (size_t i = 0; i < sizeof eps; i++)
        note(eps[i], K_ENDPOINT, 0, 0);
    fuzz.seed[S_E0].served = fuzz.seed[S_E0_BADGED].served = 1;
    fuzz.seed[S_E0_NO_GRANT].served = fuzz.seed[S_E0_BADGED2].served = 1;
    static const uint8_t ntfns[] = {S_N0, S_N0_B1, S_N0_B2_WRITE, S_N1, S_N0_READ, S_N2, S_N1_B4};
    for (size_t i = 0; i < sizeof ntfns; i++)
        note(ntfns[i], K_NOTIFICATION, 0, 0);
    for (unsigned s = S_R0; s <= S_R3; s++)
        note(s, K_REPLY, 0, 0);
    note(S_SC_SMALL, K_SCHED_CONTEXT, 0, 0);
    note(S_SC_BIG, K_SCHED_CONTEXT, 0, 0);
    for (unsigned s = S_SC_VICTIM0; s <= S_SC_SPORADIC; s++)
        note(s, K_SCHED_CONTEXT, 0, 0);
    if (bi->cpus > 0)
        note(S_SCHED_CONTROL0, K_SCHED_CONTROL, 0, 0);
    if (bi->cpus > 1)
        note(S_SCHED_CONTROL1, K_SCHED_CONTROL, 0, 0);
    note(S_FRAME, K_FRAME_4K, 0, 0);
    note(S_FRAME_READ, K_FRAME_4K, 0, 0);
    for (unsigned i = 0; i < S_FRAMES_COUNT; i++)
        note(S_FRAMES + i, K_FRAME_4K, 0, 0);
    note(S_FRAME_2M, K_FRAME_2M, 0, 0);
    note(S_PML4, K_PML4, 0, 0);
    note(S_PML4_COPY, K_PML4, 0, 0);
    note(S_PML4_BARE, K_PML4, 0, 0);
    note(S_PDPT, K_PDPT, 0, 0);
    note(S_PDPT_COPY, K_PDPT, 0, 0);
    note(S_PD, K_PD, 0, 0);
    note(S_PD2, K_PD, 0, 0);
    note(S_PT, K_PT, 0, 0);
    note(S_PT2, K_PT, 0, 0);
    note(S_IOSPACE, K_IOSPACE, 0, 0);
    /* Interrupt and port capabilities: only where issuing them worked. */
    if (irq_seeded & 1)
        note(S_IRQ_ISA, K_IRQ_HANDLER, 0, 0);
    if (irq_seeded & 2)
        note(S_IRQ_MSI, K_IRQ_HANDLER, 0, 0);
    if (irq_seeded & 1)
        note(S_IRQ_COPY, K_IRQ_HANDLER, 0, 0);
    if (irq_seeded & 4)
        note(S_IOPORT_CMOS, K_IOPORT, 0, 0);
    if (irq_seeded & 8)
        note(S_IOPORT_POST, K_IOPORT, 0, 0);
    for (unsigned s = 0; s < SANDBOX_SEED_END; s++) {
        unsigned k = fuzz.seed[s].kind;
        if (k != K_EMPTY)
            fuzz.by_kind[k][fuzz.by_kind_count[k]++] = (uint8_t)s;
    }
}

static void victim_main(uint64_t which);

/* Starts a victim thread (a TCB in sandbox slot `slot`) on core `core`. */
static void start_victim(unsigned slot, unsigned sc_slot, uint64_t core)
{
    uint64_t tcb = borrow(slot, 0);
    uint64_t sc = borrow(sc_slot, 2);
    sc_configure(sc, core, VICTIM_TIMESLICE_US, VICTIM_TIMESLICE_US, sc_slot);
    uint64_t fault_ep = borrow(S_E1_BADGED, 1);
    check("victim fault endpoint", invoke1(tcb, ATOLL_TCB_SET_FAULT_ENDPOINT, 0, fault_ep));
    check("victim mcp", invoke1(tcb, ATOLL_TCB_SET_MCP, P_SANDBOX, ATOLL_SLOT_ROOT_TCB));
    check("victim affinity", invoke1(tcb, ATOLL_TCB_SET_AFFINITY, core, 0));
    set_name(tcb, core ? "fuzz-victim1" : "fuzz-victim0");
    give_back(1);
    uint64_t cspace = core ? r.sandbox_flat : r.sandbox_root;
    thread_launch(tcb, sc, cspace, core ? P_WORK : P_SANDBOX, victim_main, core,
                  victim_stacks[core] + STACK_SIZE);
    give_back(2);
    if (core == 0) {
        /* The last quarter of this thread's own IPC-buffer page. */
        set_ipc_buffer(tcb, cspace, ATOLL_SLOT_IPC_BUFFER, bi->ipc_buffer, 3072);
    } else {
        /* The last quarter of the boot-information page, which user space
         * can only read: the kernel may still write messages there. */
        set_ipc_buffer(tcb, cspace, ATOLL_SLOT_BOOTINFO_FRAME, (uint64_t)bi, 3072);
        uint64_t ntfn = borrow(S_N1, 1);
        check("victim bind", invoke1(tcb, ATOLL_TCB_BIND_NOTIFICATION, 0, ntfn));
        give_back(1);
    }
    give_back(0);
}

/* Fills the sandbox: at least one capability to an object of every type
 * Untyped_Retype can make, plus copies, mints and two running threads. */
static void seed(void)
{
    /* Largest first: each object is aligned to its size. */
    seed_object("untyped", ATOLL_OBJECT_UNTYPED, 22, S_UNTYPED);
    seed_object("2M frame", ATOLL_OBJECT_FRAME_2M, 0, S_FRAME_2M);
    seed_object("iospace", ATOLL_OBJECT_IOSPACE, ATOLL_IOSPACE_MIN_BITS, S_IOSPACE);
    seed_object("small untyped", ATOLL_OBJECT_UNTYPED, 12, S_UNTYPED_SMALL);
    seed_object("tiny untyped", ATOLL_OBJECT_UNTYPED, ATOLL_UNTYPED_MIN_BITS, S_UNTYPED_TINY);
    seed_object("victim 0", ATOLL_OBJECT_TCB, 0, S_VICTIM0);
    seed_object("victim 1", ATOLL_OBJECT_TCB, 0, S_VICTIM1);
    seed_object("fresh tcb", ATOLL_OBJECT_TCB, 0, S_TCB_FRESH);
    seed_object("tcb", ATOLL_OBJECT_TCB, 0, S_TCB_CONFIGURED);
    /* A CNode right behind a frame: whatever the kernel might write past
     * the end of that frame lands in capability slots, where the
     * invariant checker sees it. */
    seed_object("frame", ATOLL_OBJECT_FRAME_4K, 0, S_FRAME);
    seed_object("cnode radix 4", ATOLL_OBJECT_CNODE, 4, S_TMP);
    seed_object("pml4", ATOLL_OBJECT_PML4, 0, S_PML4);
    seed_object("pml4 bare", ATOLL_OBJECT_PML4, 0, S_PML4_BARE);
    seed_object("pdpt", ATOLL_OBJECT_PDPT, 0, S_PDPT);
    seed_object("pd", ATOLL_OBJECT_PD, 0, S_PD);
    seed_object("pt", ATOLL_OBJECT_PT, 0, S_PT);
    seed_object("pd 2", ATOLL_OBJECT_PD, 0, S_PD2);
    seed_object("pt 2", ATOLL_OBJECT_PT, 0, S_PT2);
    for (unsigned i = 0; i < S_FRAMES_COUNT; i++) {
        seed_object("frames", ATOLL_OBJECT_FRAME_4K, 0, S_FRAMES + i);
        seed_object("guard cnode", ATOLL_OBJECT_CNODE, 4, S_GUARD_CNODES + i);
    }
    seed_object("sched context 12", ATOLL_OBJECT_SCHED_CONTEXT, 12, S_SC_BIG);
    seed_object("sched context 8", ATOLL_OBJECT_SCHED_CONTEXT, 8, S_SC_SMALL);
    seed_object("victim sched context", ATOLL_OBJECT_SCHED_CONTEXT, 8, S_SC_VICTIM0);
    seed_object("victim sched context", ATOLL_OBJECT_SCHED_CONTEXT, 8, S_SC_VICTIM1);
    seed_object("round robin sched context", ATOLL_OBJECT_SCHED_CONTEXT, 8, S_SC_ROUND);
    seed_object("sporadic sched context", ATOLL_OBJECT_SCHED_CONTEXT, 9, S_SC_SPORADIC);
    seed_object("cnode radix 1", ATOLL_OBJECT_CNODE, 1, S_CNODE_TINY);
    seed_object("endpoint 0", ATOLL_OBJECT_ENDPOINT, 0, S_E0);
    seed_object("endpoint 1", ATOLL_OBJECT_ENDPOINT, 0, S_E1);
    seed_object("endpoint 2", ATOLL_OBJECT_ENDPOINT, 0, S_E2);
    seed_object("notification 0", ATOLL_OBJECT_NOTIFICATION, 0, S_N0);
    seed_object("notification 1", ATOLL_OBJECT_NOTIFICATION, 0, S_N1);
    seed_object("notification 2", ATOLL_OBJECT_NOTIFICATION, 0, S_N2);
    for (unsigned s = S_R0; s <= S_R3; s++)
        seed_object("reply", ATOLL_OBJECT_REPLY, 0, s);

    /* The sandbox itself, three ways, from the supervisor's capability. */
    check("sandbox self", atoll_cnode_copy_op(ATOLL_CNODE_COPY, r.sandbox, S_SELF, 8, ROOT,
                                              r.sandbox_root, DEPTH, ATOLL_RIGHTS_ALL, 0));
    check("sandbox flat", atoll_cnode_copy_op(ATOLL_CNODE_COPY, r.sandbox, S_SELF_FLAT, 8, ROOT,
                                              r.sandbox, DEPTH, ATOLL_RIGHTS_ALL, 0));
    check("sandbox full",
          atoll_cnode_copy_op(ATOLL_CNODE_MINT, r.sandbox, S_SELF_FULL, 8, ROOT, r.sandbox, DEPTH,
                              ATOLL_RIGHTS_ALL, ATOLL_CNODE_GUARD_DATA(0, 56)));
    /* The radix-4 CNode with a 4-bit guard: a second level of 8 bits. */
    check("sub cnode", atoll_cnode_copy_op(ATOLL_CNODE_MUTATE, r.sandbox, S_CNODE_SUB, 8, r.sandbox,
                                           S_TMP, 8, 0, ATOLL_CNODE_GUARD_DATA(0, 4)));

    seed_derive(ATOLL_CNODE_MINT, S_E0_BADGED, S_E0, ATOLL_RIGHTS_ALL, 0x11);
    seed_derive(ATOLL_CNODE_COPY, S_E0_READ, S_E0, ATOLL_RIGHT_READ, 0);
    seed_derive(ATOLL_CNODE_COPY, S_E0_NO_GRANT, S_E0, ATOLL_RIGHT_WRITE | ATOLL_RIGHT_READ, 0);
    seed_derive(ATOLL_CNODE_MINT, S_E0_BADGED2, S_E0, ATOLL_RIGHTS_ALL, 0x12);
    seed_derive(ATOLL_CNODE_MINT, S_E1_BADGED, S_E1, ATOLL_RIGHTS_ALL, 0xfa);
    seed_derive(ATOLL_CNODE_MINT, S_E2_BADGED, S_E2, ATOLL_RIGHTS_ALL, 0x22);
    seed_derive(ATOLL_CNODE_COPY, S_E2_COPY, S_E2, ATOLL_RIGHTS_ALL, 0);
    seed_derive(ATOLL_CNODE_MINT, S_N0_B1, S_N0, ATOLL_RIGHTS_ALL, 0x1);
    seed_derive(ATOLL_CNODE_MINT, S_N0_B2_WRITE, S_N0, ATOLL_RIGHT_WRITE, 0x2);
    seed_derive(ATOLL_CNODE_COPY, S_N0_READ, S_N0, ATOLL_RIGHT_READ, 0);
    seed_derive(ATOLL_CNODE_MINT, S_N1_B4, S_N1, ATOLL_RIGHTS_ALL, 0x4);
    seed_derive(ATOLL_CNODE_COPY, S_FRAME_READ, S_FRAME, ATOLL_RIGHT_READ, 0);
    /* SchedControl: copies of the boot capabilities (never IRQControl or
     * IOPortControl, which cannot be copied anyway). */
    for (unsigned c = 0; c < 2 && c < bi->cpus; c++)
        check("sched control",
              atoll_cnode_copy_op(ATOLL_CNODE_COPY, r.sandbox, S_SCHED_CONTROL0 + c, 8, ROOT,
                                  ATOLL_SLOT_SCHED_CONTROL + c, DEPTH, ATOLL_RIGHTS_ALL, 0));

    /* An address space: S_PML4 with a PDPT, PD and PT and one frame
     * mapped. Capabilities that cannot be copied (an unmapped table, a
     * frame whose mapping must stay its own) are moved out to be invoked
     * and moved back. */
    uint64_t pml4 = take(S_PML4, 0);
    check("assign vspace", invoke0(pml4, ATOLL_VSPACE_ASSIGN));
    put_back(S_PML4, 0);
    pml4 = borrow(S_PML4, 0);
    static const struct {
        unsigned slot;
        uint64_t vaddr;
    } tables[] = {{S_PDPT, 0}, {S_PD, 0}, {S_PT, MAPPED_PT}};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        uint64_t t = take(tables[i].slot, 1);
        check("map table", invoke1(t, ATOLL_PAGE_TABLE_MAP, tables[i].vaddr, pml4));
        put_back(tables[i].slot, 1);
    }
    uint64_t frame = take(S_FRAME, 1);
    uint64_t map[3] = {MAPPED_FRAME, ATOLL_RIGHTS_RW, 0};
    check("map frame", atoll_invoke(frame, ATOLL_FRAME_MAP, map, 3, &pml4, 1));
    put_back(S_FRAME, 1);
    give_back(0);
    seed_derive(ATOLL_CNODE_COPY, S_PDPT_COPY, S_PDPT, ATOLL_RIGHTS_ALL, 0);
    seed_derive(ATOLL_CNODE_COPY, S_PML4_COPY, S_PML4, ATOLL_RIGHTS_ALL, 0);

    /* Interrupt handlers and port ranges, issued straight into the sandbox. */
    irq_seeded = 0;
    uint64_t isa[ATOLL_IRQ_GET_IOAPIC_ARGS] = {S_IRQ_ISA, 8, FUZZ_ISA_IRQ, 0, 0, 1};
    if (!atoll_invoke(ATOLL_SLOT_IRQ_CONTROL, ATOLL_IRQ_CONTROL_GET_IOAPIC, isa,
                      ATOLL_IRQ_GET_IOAPIC_ARGS, &r.sandbox, 1)
             .code) {
        irq_seeded |= 1;
        seed_derive(ATOLL_CNODE_COPY, S_IRQ_COPY, S_IRQ_ISA, ATOLL_RIGHTS_ALL, 0);
    }
    uint64_t msi[ATOLL_IRQ_GET_MSI_ARGS] = {S_IRQ_MSI,         8,      0, FUZZ_MSI_DEVICE,
                                            FUZZ_MSI_FUNCTION, 0x1234, 0};
    if (!atoll_invoke(ATOLL_SLOT_IRQ_CONTROL, ATOLL_IRQ_CONTROL_GET_MSI, msi,
                      ATOLL_IRQ_GET_MSI_ARGS, &r.sandbox, 1)
             .code)
        irq_seeded |= 2;
    uint64_t cmos[ATOLL_IOPORT_ISSUE_ARGS] = {S_IOPORT_CMOS, 8, 0x70, 0x71};
    if (!atoll_invoke(ATOLL_SLOT_IOPORT_CONTROL, ATOLL_IOPORT_CONTROL_ISSUE, cmos,
                      ATOLL_IOPORT_ISSUE_ARGS, &r.sandbox, 1)
             .code)
        irq_seeded |= 4;
    uint64_t post[ATOLL_IOPORT_ISSUE_ARGS] = {S_IOPORT_POST, 8, 0x80, 0x80};
    if (!atoll_invoke(ATOLL_SLOT_IOPORT_CONTROL, ATOLL_IOPORT_CONTROL_ISSUE, post,
                      ATOLL_IOPORT_ISSUE_ARGS, &r.sandbox, 1)
             .code)
        irq_seeded |= 8;

    /* A TCB configured with the sandbox and the seeded address space. */
    uint64_t tcb = borrow(S_TCB_CONFIGURED, 0);
    uint64_t caps[2] = {r.sandbox_root, borrow(S_PML4, 1)};
    uint64_t none = 0;
    check("configure tcb", atoll_invoke(tcb, ATOLL_TCB_CONFIGURE, &none, 1, caps, 2));
    check("tcb mcp", invoke1(tcb, ATOLL_TCB_SET_MCP, P_SANDBOX, ATOLL_SLOT_ROOT_TCB));
    give_back(1);
    give_back(0);

    /* Scheduling contexts: one round robin and one sporadic, unbound. */
    uint64_t sc = borrow(S_SC_ROUND, 0);
    sc_configure(sc, 0, VICTIM_TIMESLICE_US, VICTIM_TIMESLICE_US, S_SC_ROUND);
    give_back(0);
    sc = borrow(S_SC_SPORADIC, 0);
    sc_configure(sc, bi->cpus > 1 ? 1 : 0, SPORADIC_BUDGET_US, SPORADIC_PERIOD_US, S_SC_SPORADIC);
    give_back(0);

    start_victim(S_VICTIM0, S_SC_VICTIM0, 0);
    start_victim(S_VICTIM1, S_SC_VICTIM1, bi->cpus > 1 ? 1 : 0);
    /* Last: the workers read the table (what each slot holds). */
    seed_table();
}

/* Empties the sandbox: every object in it came from U_SEED; what is left
 * are copies of the sandbox CNode capability. */
static void clear_sandbox(void)
{
    check("revoke seed untyped", atoll_cnode_slot_op(ATOLL_CNODE_REVOKE, ROOT, r.u_seed, DEPTH));
    for (unsigned s = 0; s < SANDBOX_SLOTS; s++)
        check("clear sandbox slot", atoll_cnode_slot_op(ATOLL_CNODE_DELETE, r.sandbox, s, 8));
    /* A thread deleted while it ran on another core leaves that core only
     * at its next kernel entry: let every core take a tick before the
     * memory is used again. */
    quiet(QUIET_CYCLES);
}

/* ---- victims: echo servers on E0 ---- */

static void victim_main(uint64_t which)
{
    unsigned sub = which ? 0 : SUB_BITS;
    uint64_t ep = (uint64_t)S_E0 << sub;
    uint64_t reply = (uint64_t)(which ? S_R3 : S_R2) << sub;
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    struct atoll_syscall_result res = atoll_syscall_reply(ATOLL_SYS_RECV, ep, 0, mr, reply);
    for (;;) {
        uint64_t length = atoll_msginfo_length(res.info);
        uint64_t info =
            atoll_msginfo(atoll_msginfo_label(res.info) + 1,
                          length < ATOLL_MSG_REGISTERS ? length : ATOLL_MSG_REGISTERS, 0);
        res = atoll_syscall_reply(ATOLL_SYS_REPLY_RECV, ep, info, res.mr, reply);
    }
}

/* ---- fault servers ---- */

enum { FAULT_CAPABILITY = 1, FAULT_UNKNOWN_SYSCALL = 2 }; /* kernel/ipc.h */

static void fault_server(uint64_t id)
{
    uint64_t ep = r.fault_ep[id], reply = r.fault_reply[id];
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    struct atoll_syscall_result res = atoll_syscall_reply(ATOLL_SYS_RECV, ep, 0, mr, reply);
    for (;;) {
        uint64_t kind = atoll_msginfo_label(res.info);
        faults[id][kind < 8 ? kind : 0]++;
        if (kind == FAULT_CAPABILITY) {
            /* Which pointer (invoked or extra), and what its slot was seeded with. */
            unsigned sub = workers[id].sub_bits;
            uint64_t slot = res.mr[0] >> sub;
            unsigned k = slot < SANDBOX_SLOTS ? fuzz.seed[slot].kind : K_KINDS;
            cap_faults[res.mr[1] ? 1 : 0][k]++;
        }
        uint64_t out[ATOLL_MSG_REGISTERS] = {0};
        uint64_t info = atoll_msginfo(0, 0, 0);
        if (kind != FAULT_CAPABILITY && kind != FAULT_UNKNOWN_SYSCALL) {
            /* Back to its entry (the reply's word 0 is the new RIP). */
            out[0] = (uint64_t)worker_entries[id];
            info = atoll_msginfo(0, 1, 0);
            fault_restarts[id]++;
        }
        res = atoll_syscall_reply(ATOLL_SYS_REPLY_RECV, ep, info, out, reply);
    }
}

/* ---- workers ---- */

/* Back to its entry. Its scheduling context may have gone with a Call to
 * a passive victim that kept it (the worker stopped waiting): it is taken
 * back from whoever holds it. */
static void restart_worker(unsigned i)
{
    uint64_t regs[3] = {0, 1, (uint64_t)worker_entries[i]};
    invoke0(r.worker[i], ATOLL_TCB_SUSPEND);
    check("restart registers",
          atoll_invoke(r.worker[i], ATOLL_TCB_WRITE_REGISTERS, regs, 3, NULL, 0));
    invoke0(r.worker_sc[i], ATOLL_SCHED_CONTEXT_UNBIND);
    check("restart bind", invoke1(r.worker_sc[i], ATOLL_SCHED_CONTEXT_BIND, 0, r.worker[i]));
    check("restart resume", invoke0(r.worker[i], ATOLL_TCB_RESUME));
}

/* Stops every thread that touches the sandbox: the workers wait at their
 * entry, then are suspended; after a quiet period no sandbox thread is
 * current on any core (a suspended thread running on another core only
 * stops at its next kernel entry), and they are suspended again in case
 * their last system call woke them. */
static void stop_workers(void)
{
    for (unsigned i = 0; i < FUZZ_WORKERS; i++)
        workers[i].go = 0;
    quiet(QUIET_CYCLES / 4);
    for (unsigned pass = 0; pass < 2; pass++) {
        for (unsigned i = 0; i < FUZZ_WORKERS; i++)
            invoke0(r.worker[i], ATOLL_TCB_SUSPEND);
        quiet(QUIET_CYCLES);
    }
}

static void start_workers(void)
{
    for (unsigned i = 0; i < FUZZ_WORKERS; i++) {
        restart_worker(i);
        workers[i].go = 1;
    }
}

static uint64_t total_calls(void)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < FUZZ_WORKERS; i++)
        n += workers[i].count;
    return n;
}

static uint64_t debug_check(void)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    return atoll_syscall(ATOLL_SYS_DEBUG_CHECK, 0, 0, mr).error;
}

/* ---- setup ---- */

static uint64_t find_untyped(unsigned bits, uint64_t skip)
{
    for (uint64_t i = 0; i < bi->untyped_count; i++)
        if (!bi->untyped[i].is_device && bi->untyped[i].size_bits >= bits &&
            bi->untyped_first + i != skip)
            return bi->untyped_first + i;
    return 0;
}

static bool make_untypeds(void)
{
    uint64_t big = find_untyped(U_SEED_BITS + 1, 0);
    uint64_t a = big ? big : find_untyped(U_SEED_BITS, 0);
    uint64_t b = big ? big : find_untyped(U_SUP_BITS, a);
    if (!a || !b) {
        printf("fuzz: FAIL: no untyped of %u bits\n", U_SEED_BITS);
        return false;
    }
    r.u_seed = root_slot();
    r.u_sup = root_slot();
    check("seed untyped",
          atoll_untyped_retype(a, ATOLL_OBJECT_UNTYPED, U_SEED_BITS, ROOT, 0, 0, r.u_seed, 1));
    check("supervisor untyped",
          atoll_untyped_retype(b, ATOLL_OBJECT_UNTYPED, U_SUP_BITS, ROOT, 0, 0, r.u_sup, 1));
    return true;
}

static uint64_t sup_object(uint64_t type, uint64_t size_bits)
{
    uint64_t s = root_slot();
    check("supervisor object", atoll_untyped_retype(r.u_sup, type, size_bits, ROOT, 0, 0, s, 1));
    return s;
}

static void setup_threads(void)
{
    r.sandbox = sup_object(ATOLL_OBJECT_CNODE, SANDBOX_RADIX);
    r.sandbox_root = root_slot();
    check("sandbox root",
          atoll_cnode_copy_op(ATOLL_CNODE_MINT, ROOT, r.sandbox_root, DEPTH, ROOT, r.sandbox, DEPTH,
                              ATOLL_RIGHTS_ALL, ATOLL_CNODE_GUARD_DATA(0, SANDBOX_GUARD_BITS)));
    r.sandbox_flat = root_slot();
    check("sandbox flat root",
          atoll_cnode_copy_op(ATOLL_CNODE_MINT, ROOT, r.sandbox_flat, DEPTH, ROOT, r.sandbox, DEPTH,
                              ATOLL_RIGHTS_ALL, ATOLL_CNODE_GUARD_DATA(0, FLAT_GUARD_BITS)));
    for (unsigned i = 0; i < 4; i++)
        r.scratch[i] = root_slot();
    unsigned cores = bi->cpus > 1 ? 2 : 1;
    for (unsigned i = 0; i < FUZZ_WORKERS; i++) {
        uint64_t core = i % cores;
        r.worker[i] = sup_object(ATOLL_OBJECT_TCB, 0);
        r.worker_sc[i] = sup_object(ATOLL_OBJECT_SCHED_CONTEXT, ATOLL_SCHED_CONTEXT_MIN_BITS);
        sc_configure(r.worker_sc[i], core, WORKER_TIMESLICE_US, WORKER_TIMESLICE_US, 0);
        r.fault_tcb[i] = sup_object(ATOLL_OBJECT_TCB, 0);
        r.fault_sc[i] = sup_object(ATOLL_OBJECT_SCHED_CONTEXT, ATOLL_SCHED_CONTEXT_MIN_BITS);
        sc_configure(r.fault_sc[i], core, WORKER_TIMESLICE_US, WORKER_TIMESLICE_US, 0);
        r.fault_ep[i] = sup_object(ATOLL_OBJECT_ENDPOINT, 0);
        r.fault_reply[i] = sup_object(ATOLL_OBJECT_REPLY, 0);
        r.fault_ep_badged[i] = root_slot();
        check("fault endpoint badge",
              atoll_cnode_copy_op(ATOLL_CNODE_MINT, ROOT, r.fault_ep_badged[i], DEPTH, ROOT,
                                  r.fault_ep[i], DEPTH, ATOLL_RIGHTS_ALL, i + 1));
    }
    for (unsigned i = 0; i < FUZZ_WORKERS; i++) {
        uint64_t core = i % cores;
        check("fault server affinity", invoke1(r.fault_tcb[i], ATOLL_TCB_SET_AFFINITY, core, 0));
        set_name(r.fault_tcb[i], i ? "fuzz-fault1" : "fuzz-fault0");
        thread_launch(r.fault_tcb[i], r.fault_sc[i], ROOT, P_FAULT, fault_server, i,
                      fault_stacks[i] + STACK_SIZE);

        struct worker *w = &workers[i];
        w->rng = SEED ^ (UINT64_C(0x9e3779b97f4a7c15) * (i + 1));
        fuzz_stack_tops[i] = (uint64_t)(worker_stacks[i] + STACK_SIZE);
        w->stack_top = fuzz_stack_tops[i];
        check("worker fault endpoint",
              invoke1(r.worker[i], ATOLL_TCB_SET_FAULT_ENDPOINT, 0, r.fault_ep_badged[i]));
        check("worker affinity", invoke1(r.worker[i], ATOLL_TCB_SET_AFFINITY, core, 0));
        set_name(r.worker[i], i ? "fuzz-worker1" : "fuzz-worker0");
        uint64_t cspace = i ? r.sandbox_flat : r.sandbox_root;
        w->sub_bits = i ? 0 : SUB_BITS;
        thread_launch(r.worker[i], r.worker_sc[i], cspace, P_WORK, worker_main, i,
                      (void *)fuzz_stack_tops[i]);
        /* Quarters 1 and 2 of the root thread's IPC-buffer page (the
         * supervisor's is quarter 0, victim 0's quarter 3). */
        set_ipc_buffer(r.worker[i], cspace, ATOLL_SLOT_IPC_BUFFER, bi->ipc_buffer, 1024 * (i + 1));
        w->buffer = (struct atoll_ipc_buffer *)(bi->ipc_buffer + 1024 * (i + 1));
    }
}

static void report(void)
{
    uint64_t results[ATOLL_ERROR_COUNT + 1] = {0}, by_syscall[16] = {0}, entries = 0;
    for (unsigned i = 0; i < FUZZ_WORKERS; i++) {
        for (unsigned e = 0; e <= ATOLL_ERROR_COUNT; e++)
            results[e] += workers[i].results[e];
        for (unsigned n = 0; n < 16; n++)
            by_syscall[n] += workers[i].by_syscall[n];
        entries += workers[i].restarts;
    }
    uint64_t fault_total = 0, fault_kind[8] = {0}, fault_back = 0;
    for (unsigned i = 0; i < FUZZ_WORKERS; i++) {
        for (unsigned k = 0; k < 8; k++) {
            fault_kind[k] += faults[i][k];
            fault_total += faults[i][k];
        }
        fault_back += fault_restarts[i];
    }
    printf("fuzz: per worker:");
    for (unsigned i = 0; i < FUZZ_WORKERS; i++)
        printf(" %lu", workers[i].count);
    printf("; epochs %lu; worker entries %lu\n", epochs, entries);
    printf("fuzz: results by error code:");
    for (unsigned e = 0; e <= ATOLL_ERROR_COUNT; e++)
        printf(" %lu", results[e]);
    printf("\nfuzz: calls by system call (0 = other):");
    for (unsigned n = 0; n < 12; n++)
        printf(" %lu", by_syscall[n]);
    printf("\nfuzz: faults by kind (capability, syscall, exception, vm): %lu %lu %lu %lu; sent "
           "back to entry %lu\n",
           fault_kind[1], fault_kind[2], fault_kind[3], fault_kind[4], fault_back);
    for (unsigned x = 0; x < 2; x++) {
        printf("fuzz: capability faults on %s pointers by seeded kind:", x ? "extra" : "invoked");
        for (unsigned k = 0; k <= K_KINDS; k++)
            printf(" %lu", cap_faults[x][k]);
        printf("\n");
    }
    printf("fuzz: successful invocations by label:");
    for (unsigned l = 0; l < 256; l++) {
        uint64_t n = 0;
        for (unsigned i = 0; i < FUZZ_WORKERS; i++)
            n += workers[i].ok_by_label[l];
        if (n)
            printf(" %x:%lu", l, n);
    }
    printf("\nfuzz: %lu invocations, %lu faults, %lu restarts\n", total_calls(), fault_total,
           stall_restarts + fault_back);
}

int main(uint64_t bootinfo)
{
    bi = (const struct atoll_bootinfo *)bootinfo;
    atoll_set_ipc_buffer((struct atoll_ipc_buffer *)bi->ipc_buffer);
    next_root_slot = bi->empty_first;
    printf("fuzz: seed 0x%lx, %lu cpus, target %lu invocations\n", SEED, bi->cpus, TARGET_CALLS);
    /* Threads of this address space need its capability copied into their
     * TCBs, which needs an address-space id. */
    check("assign root vspace", invoke0(ATOLL_SLOT_ROOT_VSPACE, ATOLL_VSPACE_ASSIGN));
    if (!make_untypeds())
        return 1;
    setup_threads();
    seed();
    if (setup_errors) {
        printf("fuzz: FAIL: %lu setup errors\n", setup_errors);
        return 1;
    }
    uint64_t t0 = rdtsc();
    start_workers();

    uint64_t last[FUZZ_WORKERS] = {0}, last_tsc[FUZZ_WORKERS];
    for (unsigned i = 0; i < FUZZ_WORKERS; i++)
        last_tsc[i] = rdtsc();
    uint64_t epoch_end = EPOCH_CALLS, last_progress = rdtsc(), epoch_start = rdtsc();
    for (;;) {
        uint64_t total = total_calls();
        if (total >= TARGET_CALLS)
            break;
        uint64_t now = rdtsc();
        for (unsigned i = 0; i < FUZZ_WORKERS; i++) {
            uint64_t c = workers[i].count;
            bool inside = workers[i].started != c;
            if (c != last[i]) {
                last[i] = c;
                last_tsc[i] = now;
            } else if (now - last_tsc[i] > (inside ? STALL_CYCLES : STUCK_CYCLES)) {
                restart_worker(i);
                stall_restarts++;
                last_tsc[i] = rdtsc();
            }
        }
        if (now - last_progress > PROGRESS_CYCLES) {
            last_progress = now;
            printf("fuzz: progress: %lu calls (", total);
            for (unsigned i = 0; i < FUZZ_WORKERS; i++)
                printf("%s%lu/%lu", i ? " " : "", workers[i].count, workers[i].started);
            printf("), %lu stall restarts, faults %lu %lu\n", stall_restarts,
                   faults[0][1] + faults[0][2] + faults[0][3] + faults[0][4],
                   faults[1][1] + faults[1][2] + faults[1][3] + faults[1][4]);
            printf("fuzz: Mcycles in calls by kind:");
            for (unsigned k = 0; k <= K_KINDS; k++)
                printf(" %lu",
                       (workers[0].cycles_by_kind[k] + workers[1].cycles_by_kind[k]) / 1000000);
            for (unsigned i = 0; i < FUZZ_WORKERS; i++)
                printf("; slowest %lu Mcycles: syscall %lu label 0x%lx kind %lu",
                       workers[i].slowest / 1000000, workers[i].slowest_number,
                       workers[i].slowest_label, workers[i].slowest_kind);
            printf("\n");
        }
        if (total >= epoch_end || now - epoch_start > EPOCH_CYCLES) {
            stop_workers();
            epochs++;
            uint64_t mcycles = (rdtsc() - t0) / 1000000;
            printf("fuzz: epoch %lu: %lu calls, %lu Mcycles, %lu stall restarts\n", epochs, total,
                   mcycles, stall_restarts);
            if (debug_check() != ATOLL_OK)
                printf("fuzz: FAIL: invariant check after epoch %lu\n", epochs);
            clear_sandbox();
            seed();
            /* Epochs take turns at stopping CNode Delete and Revoke at
             * every first, second or third preemption point, or only for
             * a reason (the other worker waiting for the kernel lock):
             * the Zombies stopped deletes leave meet the other calls. */
            uint64_t stops = preemption(epochs % PREEMPT_PERIODS);
            printf("fuzz: epoch %lu: delete/revoke stopped %lu times so far\n", epochs, stops);
            start_workers();
            epoch_end = total_calls() + EPOCH_CALLS;
            epoch_start = rdtsc();
            for (unsigned i = 0; i < FUZZ_WORKERS; i++)
                last_tsc[i] = rdtsc();
        }
        /* A moment in user mode before yielding: while worker 0 is blocked
         * this loop would otherwise keep the kernel lock busy. */
        for (uint64_t t = rdtsc(); rdtsc() - t < SUPERVISOR_SPIN_CYCLES;)
            __asm__ volatile("pause");
        yield();
    }

    stop_workers();
    uint64_t mcycles = (rdtsc() - t0) / 1000000;
    report();
    printf("fuzz: %lu Mcycles of fuzzing\n", mcycles);
    if (total_calls() < TARGET_CALLS)
        printf("fuzz: FAIL: only %lu invocations\n", total_calls());
    uint64_t ok = debug_check();
    /* Tear down: the sandbox, then the supervisor's threads and objects. */
    clear_sandbox();
    check("revoke supervisor untyped",
          atoll_cnode_slot_op(ATOLL_CNODE_REVOKE, ROOT, r.u_sup, DEPTH));
    ok |= debug_check();
    if (ok != ATOLL_OK || setup_errors)
        printf("fuzz: FAIL: invariant check %lu, setup errors %lu\n", ok, setup_errors);
    printf("fuzz: done\n");
    return 0;
}
