/* User-level tests of threads, IPC, notifications and faults through the
 * real kernel: threads run in init's address space on stacks from its
 * .bss and report through shared variables. */
#include "tests.h"
#include "test.h"
#include "atoll/sched.h"
#include "atoll/tcb.h"

#define ROOT    ATOLL_SLOT_ROOT_CNODE
#define DEPTH   64
#define STACK   4096
#define THREADS 6
#define UT_BITS 20
/* Threads here share their core round robin, as before scheduling
 * contexts (test_mcs.c tests budgets). */
#define TIMESLICE_US  10000
#define PAGE_HALF_KIB 512

static uint64_t next_slot;
static uint64_t untyped;
static _Alignas(16) uint8_t stacks[THREADS][STACK];
static unsigned stack_next;

static volatile uint64_t shared[8];

static uint64_t slot(void)
{
    return next_slot++;
}

static uint64_t make(uint64_t type, uint64_t size_bits)
{
    uint64_t s = slot();
    struct atoll_error_detail e = atoll_untyped_retype(untyped, type, size_bits, ROOT, 0, 0, s, 1);
    if (e.code)
        printf("init: retype of type %lu failed: %lu\n", type, e.code);
    return s;
}

static struct atoll_syscall_result sys(uint64_t n, uint64_t cap, uint64_t info, uint64_t m0,
                                       uint64_t m1, uint64_t reply)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {m0, m1, 0, 0};
    return atoll_syscall_reply(n, cap, info, mr, reply);
}

/* A round-robin scheduling context on `core`: the thread bound to it
 * runs there. */
static uint64_t timeslice_on(uint64_t core)
{
    uint64_t sc = make(ATOLL_OBJECT_SCHED_CONTEXT, ATOLL_SCHED_CONTEXT_MIN_BITS);
    uint64_t w[ATOLL_SCHED_CONFIGURE_ARGS] = {TIMESLICE_US, TIMESLICE_US, 0, 0, 0};
    struct atoll_error_detail e =
        atoll_invoke(ATOLL_SLOT_SCHED_CONTROL + core, ATOLL_SCHED_CONTROL_CONFIGURE_FLAGS, w,
                     ATOLL_SCHED_CONFIGURE_ARGS, &sc, 1);
    if (e.code)
        printf("init: scheduling context configuration failed: %lu\n", e.code);
    return sc;
}

static uint64_t timeslice(void)
{
    return timeslice_on(0);
}

static uint64_t start(void (*fn)(uint64_t), uint64_t arg, uint8_t prio)
{
    uint64_t tcb = make(ATOLL_OBJECT_TCB, 0);
    void *top = stacks[stack_next++ % THREADS] + STACK;
    struct atoll_error_detail e = atoll_thread_start(tcb, timeslice(), ROOT, ATOLL_SLOT_ROOT_VSPACE,
                                                     ATOLL_SLOT_ROOT_TCB, prio, fn, arg, top);
    if (e.code)
        printf("init: thread start failed: %lu (arg %lu)\n", e.code, e.argument);
    return tcb;
}

static _Noreturn void thread_exit(void)
{
    atoll_debug_exit(0);
}

/* ---- threads ---- */

static void echo_server(uint64_t ep)
{
    uint64_t reply = shared[7];
    struct atoll_syscall_result r = sys(ATOLL_SYS_RECV, ep, 0, 0, 0, reply);
    for (;;) {
        uint64_t label = atoll_msginfo_label(r.info);
        /* Answer with the words swapped and the badge in word 2. */
        uint64_t mr[ATOLL_MSG_REGISTERS] = {r.mr[1], r.mr[0], r.badge, 0};
        r = atoll_syscall_reply(ATOLL_SYS_REPLY_RECV, ep, atoll_msginfo(label + 1, 3, 0), mr,
                                reply);
    }
}

static void sender(uint64_t ep)
{
    sys(ATOLL_SYS_SEND, ep, atoll_msginfo(7, 2, 0), 0x1111, 0x2222, 0);
    shared[0] = 1;
    thread_exit();
}

static void waiter(uint64_t ntfn)
{
    struct atoll_syscall_result r = sys(ATOLL_SYS_WAIT, ntfn, 0, 0, 0, 0);
    shared[1] = r.badge;
    thread_exit();
}

static void counter(uint64_t index)
{
    for (;;)
        shared[index]++;
}

static void bad_syscall_thread(uint64_t unused)
{
    (void)unused;
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    atoll_syscall(0x7fff, 0, 0, mr); /* unknown: a fault */
    shared[2] = 0x600d;
    thread_exit();
}

static void bad_cap_thread(uint64_t unused)
{
    (void)unused;
    sys(ATOLL_SYS_SIGNAL, 4000, 0, 0, 0, 0); /* an empty slot: capability fault */
    shared[3] = 0x600d;
    thread_exit();
}

static void page_fault_thread(uint64_t unused)
{
    (void)unused;
    shared[4] = *(volatile uint64_t *)UINT64_C(0x00007000deadb000);
    thread_exit();
}

/* Where the fault handler sends the page-faulting thread. */
static void thread_exit_entry(void)
{
    shared[4] = 0x0e;
    thread_exit();
}

/* Receives twice on `ep`, reporting the length of each message. */
static void length_reporter(uint64_t ep)
{
    struct atoll_syscall_result r = sys(ATOLL_SYS_RECV, ep, 0, 0, 0, 0);
    shared[0] = atoll_msginfo_length(r.info);
    r = sys(ATOLL_SYS_RECV, ep, 0, 0, 0, 0);
    shared[1] = atoll_msginfo_length(r.info);
    thread_exit();
}

/* Where a suspended faulting thread is sent: an ordinary message. */
static void plain_sender(void)
{
    sys(ATOLL_SYS_SEND, shared[5], atoll_msginfo(7, 1, 0), 0x5e9d, 0, 0);
    thread_exit();
}

/* Receives once on `ep` with the reply object in shared[6]; reports the
 * label in shared[5]. */
static void receive_once(uint64_t ep)
{
    struct atoll_syscall_result r = sys(ATOLL_SYS_RECV, ep, 0, 0, 0, shared[6]);
    shared[5] = atoll_msginfo_label(r.info);
    thread_exit();
}

static void call_once(uint64_t ep)
{
    sys(ATOLL_SYS_CALL, ep, atoll_msginfo(9, 0, 0), 0, 0, 0);
    shared[4] = 0xbad; /* never answered: the server had no reply object */
    thread_exit();
}

/* ---- tests ---- */

static void test_call_reply(void)
{
    uint64_t ep = make(ATOLL_OBJECT_ENDPOINT, 0);
    uint64_t reply = make(ATOLL_OBJECT_REPLY, 0);
    uint64_t badged = slot();
    atoll_cnode_copy_op(ATOLL_CNODE_MINT, ROOT, badged, DEPTH, ROOT, ep, DEPTH, ATOLL_RIGHTS_ALL,
                        0x77);
    shared[7] = reply;
    start(echo_server, ep, 200); /* higher priority: it waits in Recv at once */
    struct atoll_syscall_result r =
        sys(ATOLL_SYS_CALL, badged, atoll_msginfo(5, 2, 0), 0xaaaa, 0xbbbb, 0);
    TEST_EQ("ipc.call_returns_ok", r.error, ATOLL_OK);
    TEST_EQ("ipc.reply_label", atoll_msginfo_label(r.info), 6);
    TEST_EQ("ipc.reply_length", atoll_msginfo_length(r.info), 3);
    TEST_EQ("ipc.reply_word0", r.mr[0], 0xbbbb);
    TEST_EQ("ipc.reply_word1", r.mr[1], 0xaaaa);
    TEST_EQ("ipc.server_saw_badge", r.mr[2], 0x77);
    r = sys(ATOLL_SYS_CALL, ep, atoll_msginfo(9, 2, 0), 1, 2, 0);
    TEST_EQ("ipc.unbadged_call_badge_0", r.mr[2], 0);
    TEST_EQ("ipc.second_call_label", atoll_msginfo_label(r.info), 10);
    uint64_t total = 0;
    for (int i = 0; i < 100; i++) {
        r = sys(ATOLL_SYS_CALL, badged, atoll_msginfo(1, 2, 0), (uint64_t)i, 0, 0);
        total += r.mr[1];
    }
    TEST_EQ("ipc.hundred_round_trips", total, 99 * 100 / 2);

    uint64_t ro = slot();
    atoll_cnode_copy_op(ATOLL_CNODE_COPY, ROOT, ro, DEPTH, ROOT, ep, DEPTH, ATOLL_RIGHT_READ, 0);
    r = sys(ATOLL_SYS_CALL, ro, atoll_msginfo(1, 0, 0), 0, 0, 0);
    TEST_EQ("ipc.call_without_write_right_fails", r.error, ATOLL_ERR_INVALID_CAPABILITY);
}

static void test_send_recv(void)
{
    uint64_t ep = make(ATOLL_OBJECT_ENDPOINT, 0);
    shared[0] = 0;
    start(sender, ep, 100); /* lower priority: runs when init blocks */
    struct atoll_syscall_result r = sys(ATOLL_SYS_RECV, ep, 0, 0, 0, 0);
    TEST_EQ("ipc.recv_gets_label", atoll_msginfo_label(r.info), 7);
    TEST_EQ("ipc.recv_gets_word0", r.mr[0], 0x1111);
    TEST_EQ("ipc.recv_gets_word1", r.mr[1], 0x2222);
    r = sys(ATOLL_SYS_NBRECV, ep, 0, 0, 0, 0);
    TEST_EQ("ipc.nbrecv_empty_returns_ok", r.error, ATOLL_OK);
    TEST_EQ("ipc.nbrecv_empty_no_message", r.info, 0);
    r = sys(ATOLL_SYS_NBSEND, ep, atoll_msginfo(1, 0, 0), 0, 0, 0);
    TEST_EQ("ipc.nbsend_without_receiver_ok", r.error, ATOLL_OK);
}

static void test_notifications(void)
{
    uint64_t n = make(ATOLL_OBJECT_NOTIFICATION, 0);
    uint64_t b1 = slot(), b2 = slot();
    atoll_cnode_copy_op(ATOLL_CNODE_MINT, ROOT, b1, DEPTH, ROOT, n, DEPTH, ATOLL_RIGHTS_ALL, 0x1);
    atoll_cnode_copy_op(ATOLL_CNODE_MINT, ROOT, b2, DEPTH, ROOT, n, DEPTH, ATOLL_RIGHTS_ALL, 0x4);
    struct atoll_syscall_result r = sys(ATOLL_SYS_POLL, n, 0, 0, 0, 0);
    TEST_EQ("ntfn.poll_empty_is_zero", r.badge, 0);
    sys(ATOLL_SYS_SIGNAL, b1, 0, 0, 0, 0);
    sys(ATOLL_SYS_SIGNAL, b2, 0, 0, 0, 0);
    r = sys(ATOLL_SYS_WAIT, n, 0, 0, 0, 0);
    TEST_EQ("ntfn.wait_gets_ored_badges", r.badge, 0x5);
    r = sys(ATOLL_SYS_POLL, n, 0, 0, 0, 0);
    TEST_EQ("ntfn.wait_clears_word", r.badge, 0);

    shared[1] = 0;
    start(waiter, n, 200); /* runs now and blocks in Wait */
    sys(ATOLL_SYS_SIGNAL, b2, 0, 0, 0, 0);
    TEST_EQ("ntfn.signal_wakes_higher_priority_waiter_at_once", shared[1], 0x4);

    /* A notification bound to a thread arrives in its endpoint Recv. */
    uint64_t ep = make(ATOLL_OBJECT_ENDPOINT, 0);
    uint64_t n2 = make(ATOLL_OBJECT_NOTIFICATION, 0);
    uint64_t b3 = slot();
    atoll_cnode_copy_op(ATOLL_CNODE_MINT, ROOT, b3, DEPTH, ROOT, n2, DEPTH, ATOLL_RIGHTS_ALL, 0x8);
    struct atoll_error_detail e =
        atoll_invoke(ATOLL_SLOT_ROOT_TCB, ATOLL_TCB_BIND_NOTIFICATION, NULL, 0, &n2, 1);
    TEST_EQ("ntfn.bind_ok", e.code, ATOLL_OK);
    e = atoll_invoke(ATOLL_SLOT_ROOT_TCB, ATOLL_TCB_BIND_NOTIFICATION, NULL, 0, &n2, 1);
    TEST_EQ("ntfn.bind_twice_is_illegal", e.code, ATOLL_ERR_ILLEGAL_OPERATION);
    sys(ATOLL_SYS_SIGNAL, b3, 0, 0, 0, 0);
    r = sys(ATOLL_SYS_RECV, ep, 0, 0, 0, 0);
    TEST_EQ("ntfn.bound_signal_ends_recv", r.badge, 0x8);
    e = atoll_invoke(ATOLL_SLOT_ROOT_TCB, ATOLL_TCB_UNBIND_NOTIFICATION, NULL, 0, NULL, 0);
    TEST_EQ("ntfn.unbind_ok", e.code, ATOLL_OK);
}

static void test_scheduling(void)
{
    shared[5] = shared[6] = 0;
    uint64_t t1 = start(counter, 5, 100);
    uint64_t t2 = start(counter, 6, 100);
    TEST_EQ("sched.lower_priority_does_not_run_while_init_runs", shared[5] + shared[6], 0);
    /* Lower init to their priority: round robin shares the core. */
    uint64_t prio = 100;
    atoll_invoke(ATOLL_SLOT_ROOT_TCB, ATOLL_TCB_SET_PRIORITY, &prio, 1,
                 (uint64_t[]){ATOLL_SLOT_ROOT_TCB}, 1);
    for (int i = 0; i < 50 && (!shared[5] || !shared[6]); i++)
        atoll_syscall(ATOLL_SYS_YIELD, 0, 0, (uint64_t[ATOLL_MSG_REGISTERS]){0});
    test_result("sched.equal_priorities_share_by_yield_and_timeslice", shared[5] && shared[6],
                "counters %lu %lu", shared[5], shared[6]);
    prio = 128;
    atoll_invoke(ATOLL_SLOT_ROOT_TCB, ATOLL_TCB_SET_PRIORITY, &prio, 1,
                 (uint64_t[]){ATOLL_SLOT_ROOT_TCB}, 1);
    TEST_EQ("tcb.suspend_ok", atoll_invoke(t1, ATOLL_TCB_SUSPEND, NULL, 0, NULL, 0).code, ATOLL_OK);
    atoll_invoke(t2, ATOLL_TCB_SUSPEND, NULL, 0, NULL, 0);
    uint64_t before = shared[5];
    for (int i = 0; i < 5; i++)
        atoll_syscall(ATOLL_SYS_YIELD, 0, 0, (uint64_t[ATOLL_MSG_REGISTERS]){0});
    TEST_EQ("tcb.suspended_thread_does_not_run", shared[5], before);

    uint64_t regs[ATOLL_REG_COUNT];
    uint64_t count = ATOLL_REG_COUNT;
    struct atoll_error_detail e = atoll_invoke(t1, ATOLL_TCB_READ_REGISTERS, &count, 1, NULL, 0);
    TEST_EQ("tcb.read_registers_ok", e.code, ATOLL_OK);
    (void)regs;
    e = atoll_invoke(ATOLL_SLOT_ROOT_TCB, ATOLL_TCB_READ_REGISTERS, &count, 1, NULL, 0);
    TEST_EQ("tcb.read_own_registers_is_illegal", e.code, ATOLL_ERR_ILLEGAL_OPERATION);
    uint64_t bad[2 + 1] = {0, 1, UINT64_C(0xffff800000000000)};
    e = atoll_invoke(t1, ATOLL_TCB_WRITE_REGISTERS, bad, 3, NULL, 0);
    TEST_EQ("tcb.write_kernel_rip_is_range_error", e.code, ATOLL_ERR_RANGE_ERROR);
    prio = 300;
    e = atoll_invoke(t1, ATOLL_TCB_SET_PRIORITY, &prio, 1, (uint64_t[]){ATOLL_SLOT_ROOT_TCB}, 1);
    TEST_EQ("tcb.priority_above_mcp_is_range_error", e.code, ATOLL_ERR_RANGE_ERROR);
    e = atoll_invoke(t1, ATOLL_TCB_SET_PRIORITY, &prio, 1, (uint64_t[]){ROOT}, 1);
    TEST_EQ("tcb.authority_not_a_tcb_is_invalid_capability", e.code, ATOLL_ERR_INVALID_CAPABILITY);
    uint64_t fresh = make(ATOLL_OBJECT_TCB, 0);
    e = atoll_invoke(fresh, ATOLL_TCB_RESUME, NULL, 0, NULL, 0);
    TEST_EQ("tcb.resume_unconfigured_is_illegal", e.code, ATOLL_ERR_ILLEGAL_OPERATION);
    uint64_t core = 1000;
    e = atoll_invoke(t1, ATOLL_TCB_SET_AFFINITY, &core, 1, NULL, 0);
    TEST_EQ("tcb.affinity_past_last_core_is_range_error", e.code, ATOLL_ERR_RANGE_ERROR);
    TEST_EQ("tcb.delete_suspended_thread_ok",
            atoll_cnode_slot_op(ATOLL_CNODE_DELETE, ROOT, t1, DEPTH).code, ATOLL_OK);
    atoll_cnode_slot_op(ATOLL_CNODE_DELETE, ROOT, t2, DEPTH);
}

/* Starts `fn` at priority 200 (above init) with a fault endpoint, lets it
 * fault, receives the fault message; `resume_at`, if non-zero, becomes the
 * thread's RIP in the reply. */
static struct atoll_syscall_result fault_round(void (*fn)(uint64_t), uint64_t fep, uint64_t badged,
                                               uint64_t reply, uint64_t resume_at)
{
    uint64_t t = make(ATOLL_OBJECT_TCB, 0);
    atoll_invoke(t, ATOLL_TCB_SET_FAULT_ENDPOINT, NULL, 0, &badged, 1);
    atoll_thread_start(t, timeslice(), ROOT, ATOLL_SLOT_ROOT_VSPACE, ATOLL_SLOT_ROOT_TCB, 200, fn,
                       0, stacks[stack_next++ % THREADS] + STACK);
    /* The thread ran first (higher priority), faulted and now waits in
     * the fault endpoint's queue. */
    struct atoll_syscall_result r = sys(ATOLL_SYS_RECV, fep, 0, 0, 0, reply);
    /* Send on the reply object answers; the thread preempts init and
     * runs to its exit. */
    sys(ATOLL_SYS_SEND, reply, atoll_msginfo(0, resume_at ? 1 : 0, 0), resume_at, 0, 0);
    return r;
}

static void call_forever(uint64_t ep)
{
    /* Nobody ever receives on this endpoint: only an abort ends it. */
    struct atoll_syscall_result r = sys(ATOLL_SYS_CALL, ep, atoll_msginfo(1, 0, 0), 0, 0, 0);
    shared[0] = r.error;
    shared[1] = r.badge;
    thread_exit();
}

static void test_signal_abort(void)
{
    uint64_t ep = make(ATOLL_OBJECT_ENDPOINT, 0);
    uint64_t n = make(ATOLL_OBJECT_NOTIFICATION, 0);
    uint64_t timeout = slot(), other = slot();
    atoll_cnode_copy_op(ATOLL_CNODE_MINT, ROOT, timeout, DEPTH, ROOT, n, DEPTH, ATOLL_RIGHTS_ALL,
                        0x100);
    atoll_cnode_copy_op(ATOLL_CNODE_MINT, ROOT, other, DEPTH, ROOT, n, DEPTH, ATOLL_RIGHTS_ALL,
                        0x1);
    uint64_t t = make(ATOLL_OBJECT_TCB, 0);
    TEST_EQ("abort.bind_ok", atoll_invoke(t, ATOLL_TCB_BIND_NOTIFICATION, NULL, 0, &n, 1).code,
            ATOLL_OK);
    uint64_t mask = 0x100;
    TEST_EQ("abort.set_mask_ok", atoll_invoke(t, ATOLL_TCB_SET_ABORT_MASK, &mask, 1, NULL, 0).code,
            ATOLL_OK);
    shared[0] = shared[1] = 0xff;
    atoll_thread_start(t, timeslice(), ROOT, ATOLL_SLOT_ROOT_VSPACE, ATOLL_SLOT_ROOT_TCB, 200,
                       call_forever, ep, stacks[stack_next++ % THREADS] + STACK);
    /* It blocks in its Call at once (higher priority). A signal outside
     * the mask leaves it blocked; one inside aborts the Call. */
    sys(ATOLL_SYS_SIGNAL, other, 0, 0, 0, 0);
    TEST_EQ("abort.unmasked_signal_does_not_abort", shared[0], 0xff);
    sys(ATOLL_SYS_SIGNAL, timeout, 0, 0, 0, 0);
    TEST_EQ("abort.masked_signal_aborts_call", shared[0], ATOLL_ERR_IPC_ABORTED);
    TEST_EQ("abort.badge_reports_matching_bits", shared[1], 0x100);
    struct atoll_syscall_result r = sys(ATOLL_SYS_POLL, n, 0, 0, 0, 0);
    TEST_EQ("abort.other_bits_stay_pending", r.badge, 0x1);
}

/* Threads on another core: IPC and notifications must wake them by IPI. */
static void test_cross_core(uint64_t cpus)
{
    if (cpus < 2) {
        printf("init: cross-core tests need 2 cores; this boot has %lu\n", cpus);
        return;
    }
    uint64_t ep = make(ATOLL_OBJECT_ENDPOINT, 0);
    uint64_t reply = make(ATOLL_OBJECT_REPLY, 0);
    shared[7] = reply;
    uint64_t tcb = make(ATOLL_OBJECT_TCB, 0);
    uint64_t core = 1;
    TEST_EQ("smp.set_affinity_ok",
            atoll_invoke(tcb, ATOLL_TCB_SET_AFFINITY, &core, 1, NULL, 0).code, ATOLL_OK);
    atoll_thread_start(tcb, timeslice_on(core), ROOT, ATOLL_SLOT_ROOT_VSPACE, ATOLL_SLOT_ROOT_TCB,
                       200, echo_server, ep, stacks[stack_next++ % THREADS] + STACK);
    uint64_t total = 0;
    struct atoll_syscall_result r = {0};
    for (int i = 0; i < 50; i++) {
        r = sys(ATOLL_SYS_CALL, ep, atoll_msginfo(3, 2, 0), (uint64_t)i, 7, 0);
        total += r.mr[1];
    }
    TEST_EQ("smp.call_to_other_core_label", atoll_msginfo_label(r.info), 4);
    TEST_EQ("smp.fifty_cross_core_round_trips", total, 49 * 50 / 2);

    uint64_t n = make(ATOLL_OBJECT_NOTIFICATION, 0);
    uint64_t w = make(ATOLL_OBJECT_TCB, 0);
    atoll_invoke(w, ATOLL_TCB_SET_AFFINITY, &core, 1, NULL, 0);
    shared[1] = 0;
    atoll_thread_start(w, timeslice_on(core), ROOT, ATOLL_SLOT_ROOT_VSPACE, ATOLL_SLOT_ROOT_TCB,
                       200, waiter, n, stacks[stack_next++ % THREADS] + STACK);
    uint64_t badged = slot();
    atoll_cnode_copy_op(ATOLL_CNODE_MINT, ROOT, badged, DEPTH, ROOT, n, DEPTH, ATOLL_RIGHTS_ALL,
                        0x30);
    /* The waiter may not have reached its Wait yet: signal, then wait for
     * its report with a bounded number of yields. */
    sys(ATOLL_SYS_SIGNAL, badged, 0, 0, 0, 0);
    for (int i = 0; i < 10000 && !shared[1]; i++)
        atoll_syscall(ATOLL_SYS_YIELD, 0, 0, (uint64_t[ATOLL_MSG_REGISTERS]){0});
    TEST_EQ("smp.signal_wakes_thread_on_other_core", shared[1], 0x30);
}

/* The IPC buffer is found through the frame capability in the TCB: its
 * alignment covers the whole buffer, and once that capability is gone the
 * kernel no longer writes to the frame (it may already be something
 * else). */
static void test_ipc_buffer(void)
{
    uint64_t f = make(ATOLL_OBJECT_FRAME_4K, 0);
    uint64_t ep = make(ATOLL_OBJECT_ENDPOINT, 0);
    uint64_t t = make(ATOLL_OBJECT_TCB, 0);
    const uint64_t va = UINT64_C(0x0000300000000000);
    uint64_t caps[3] = {ROOT, ATOLL_SLOT_ROOT_VSPACE, f};
    /* The buffer is sizeof(struct atoll_ipc_buffer) = 1 KiB: at a 512-byte
     * boundary its end would lie in the next page. */
    uint64_t ipc = va + PAGE_HALF_KIB;
    struct atoll_error_detail e = atoll_invoke(t, ATOLL_TCB_CONFIGURE, &ipc, 1, caps, 3);
    test_result("tcb.ipc_buffer_needs_1k_alignment",
                e.code == ATOLL_ERR_ALIGNMENT_ERROR && e.value0 == 10,
                "expected ALIGNMENT_ERROR (10 bits), got %lu (%lu)", e.code, e.value0);
    TEST_EQ("tcb.ipc_buffer_static_size", sizeof(struct atoll_ipc_buffer), ATOLL_IPC_BUFFER_ALIGN);

    shared[0] = shared[1] = 0;
    atoll_thread_start(t, timeslice(), ROOT, ATOLL_SLOT_ROOT_VSPACE, ATOLL_SLOT_ROOT_TCB, 200,
                       length_reporter, ep, stacks[stack_next++ % THREADS] + STACK);
    ipc = va + 3 * ATOLL_IPC_BUFFER_ALIGN;
    TEST_EQ("tcb.ipc_buffer_last_slot_of_page_ok",
            atoll_invoke(t, ATOLL_TCB_CONFIGURE, &ipc, 1, caps, 3).code, ATOLL_OK);
    /* init's own buffer holds the long part of what it sends. */
    sys(ATOLL_SYS_SEND, ep, atoll_msginfo(1, 6, 0), 1, 2, 0);
    TEST_EQ("ipc.long_message_into_buffer", shared[0], 6);
    /* Revoke deletes the TCB's copy of the frame capability. */
    TEST_EQ("ipc.revoke_ipc_buffer_frame_ok",
            atoll_cnode_slot_op(ATOLL_CNODE_REVOKE, ROOT, f, DEPTH).code, ATOLL_OK);
    sys(ATOLL_SYS_SEND, ep, atoll_msginfo(1, 6, 0), 1, 2, 0);
    TEST_EQ("ipc.no_buffer_after_its_frame_cap_is_gone", shared[1], ATOLL_MSG_REGISTERS);
}

/* Suspending a thread cancels the fault it was waiting to have answered:
 * resumed elsewhere, its next message is its own, not the old fault. */
static void test_suspend_cancels_fault(void)
{
    uint64_t fep = make(ATOLL_OBJECT_ENDPOINT, 0);
    uint64_t ep = make(ATOLL_OBJECT_ENDPOINT, 0);
    uint64_t reply = make(ATOLL_OBJECT_REPLY, 0);
    uint64_t t = make(ATOLL_OBJECT_TCB, 0);
    atoll_invoke(t, ATOLL_TCB_SET_FAULT_ENDPOINT, NULL, 0, &fep, 1);
    shared[3] = 0;
    shared[5] = ep;
    atoll_thread_start(t, timeslice(), ROOT, ATOLL_SLOT_ROOT_VSPACE, ATOLL_SLOT_ROOT_TCB, 200,
                       bad_cap_thread, 0, stacks[stack_next++ % THREADS] + STACK);
    struct atoll_syscall_result r = sys(ATOLL_SYS_RECV, fep, 0, 0, 0, reply);
    TEST_EQ("fault.suspend_setup_fault_received", atoll_msginfo_label(r.info),
            ATOLL_FAULT_CAPABILITY);
    TEST_EQ("tcb.suspend_faulted_thread_ok",
            atoll_invoke(t, ATOLL_TCB_SUSPEND, NULL, 0, NULL, 0).code, ATOLL_OK);
    uint64_t regs[2 + ATOLL_REG_RIP + 1] = {1, ATOLL_REG_RIP + 1, (uint64_t)plain_sender};
    TEST_EQ("tcb.resume_at_new_rip_ok",
            atoll_invoke(t, ATOLL_TCB_WRITE_REGISTERS, regs, 3, NULL, 0).code, ATOLL_OK);
    r = sys(ATOLL_SYS_RECV, ep, 0, 0, 0, 0);
    TEST_EQ("fault.suspend_cancels_pending_fault_label", atoll_msginfo_label(r.info), 7);
    TEST_EQ("fault.suspend_cancels_pending_fault_word", r.mr[0], 0x5e9d);
    TEST_EQ("fault.suspended_thread_never_resumed_by_old_reply", shared[3], 0);
}

/* Suspending or deleting a thread that runs on another core stops it
 * before the invocation returns (the kernel waits until that core has let
 * go of it), not at that core's next tick. */
static void test_remote_stop(uint64_t cpus)
{
    if (cpus < 2) {
        printf("init: remote stop tests need 2 cores; this boot has %lu\n", cpus);
        return;
    }
    uint64_t core = 1;
    /* The TCB alone in an untyped, so that its memory is reused at once. */
    uint64_t u = make(ATOLL_OBJECT_UNTYPED, ATOLL_TCB_SIZE_BITS);
    uint64_t t = slot();
    atoll_untyped_retype(u, ATOLL_OBJECT_TCB, 0, ROOT, 0, 0, t, 1);
    atoll_invoke(t, ATOLL_TCB_SET_AFFINITY, &core, 1, NULL, 0);
    shared[6] = 0;
    atoll_thread_start(t, timeslice_on(core), ROOT, ATOLL_SLOT_ROOT_VSPACE, ATOLL_SLOT_ROOT_TCB,
                       100, counter, 6, stacks[stack_next++ % THREADS] + STACK);
    for (int i = 0; i < 100000000 && shared[6] < 1000; i++)
        __asm__ volatile("pause");
    test_result("smp.remote_thread_runs", shared[6] >= 1000, "counter %lu", shared[6]);
    TEST_EQ("smp.suspend_remote_running_thread_ok",
            atoll_invoke(t, ATOLL_TCB_SUSPEND, NULL, 0, NULL, 0).code, ATOLL_OK);
    uint64_t before = shared[6];
    for (int i = 0; i < 2000000; i++)
        __asm__ volatile("pause");
    TEST_EQ("smp.suspended_remote_thread_stopped_at_once", shared[6], before);

    TEST_EQ("smp.resume_remote_thread_ok", atoll_invoke(t, ATOLL_TCB_RESUME, NULL, 0, NULL, 0).code,
            ATOLL_OK);
    for (int i = 0; i < 100000000 && shared[6] < before + 1000; i++)
        __asm__ volatile("pause");
    test_result("smp.resumed_remote_thread_runs", shared[6] >= before + 1000, "counter %lu",
                shared[6]);
    TEST_EQ("smp.delete_remote_running_thread_ok",
            atoll_cnode_slot_op(ATOLL_CNODE_DELETE, ROOT, t, DEPTH).code, ATOLL_OK);
    before = shared[6];
    /* The same memory as a CNode, right away: the other core must not
     * save the old thread's registers into it later. */
    enum { RADIX = ATOLL_TCB_SIZE_BITS - ATOLL_SLOT_SIZE_BITS };
    uint64_t cn = slot(), ep = make(ATOLL_OBJECT_ENDPOINT, 0);
    TEST_EQ("smp.reuse_deleted_tcb_memory_ok",
            atoll_untyped_retype(u, ATOLL_OBJECT_CNODE, RADIX, ROOT, 0, 0, cn, 1).code, ATOLL_OK);
    for (int i = 0; i < 2000000; i++)
        __asm__ volatile("pause");
    TEST_EQ("smp.deleted_remote_thread_stopped_at_once", shared[6], before);
    unsigned taken = 0;
    for (uint64_t i = 0; i < (UINT64_C(1) << RADIX); i++) {
        struct atoll_error_detail e = atoll_cnode_copy_op(ATOLL_CNODE_COPY, cn, i, RADIX, ROOT, ep,
                                                          DEPTH, ATOLL_RIGHTS_ALL, 0);
        taken += e.code != ATOLL_OK;
    }
    TEST_EQ("smp.reused_memory_not_written_by_old_thread", taken, 0);
}

/* A reply object deleted while a thread waits in Recv with it: the
 * thread's pointer to it goes too (seL4's replyTCB), so that a Call
 * arriving later does not write into the memory, here a notification
 * made from it at once. */
static void test_reply_deleted_while_waiting(void)
{
    uint64_t small = make(ATOLL_OBJECT_UNTYPED, ATOLL_REPLY_SIZE_BITS);
    uint64_t reply = slot(), ep = make(ATOLL_OBJECT_ENDPOINT, 0);
    atoll_untyped_retype(small, ATOLL_OBJECT_REPLY, 0, ROOT, 0, 0, reply, 1);
    shared[4] = shared[5] = 0;
    shared[6] = reply;
    start(receive_once, ep, 200); /* blocks in Recv with the reply object */
    TEST_EQ("reply.delete_while_receiver_waits_ok",
            atoll_cnode_slot_op(ATOLL_CNODE_DELETE, ROOT, reply, DEPTH).code, ATOLL_OK);
    uint64_t n = slot();
    TEST_EQ("reply.memory_reused_as_notification",
            atoll_untyped_retype(small, ATOLL_OBJECT_NOTIFICATION, 0, ROOT, 0, 0, n, 1).code,
            ATOLL_OK);
    start(call_once, ep, 200);
    TEST_EQ("reply.receiver_got_call_without_reply_object", shared[5], 9);
    TEST_EQ("reply.caller_never_answered", shared[4], 0);
    TEST_EQ("reply.reused_memory_untouched", sys(ATOLL_SYS_POLL, n, 0, 0, 0, 0).badge, 0);
}

static void test_faults(void)
{
    uint64_t fep = make(ATOLL_OBJECT_ENDPOINT, 0);
    uint64_t reply = make(ATOLL_OBJECT_REPLY, 0);
    uint64_t badged = slot();
    atoll_cnode_copy_op(ATOLL_CNODE_MINT, ROOT, badged, DEPTH, ROOT, fep, DEPTH, ATOLL_RIGHTS_ALL,
                        0xfa);

    shared[2] = 0;
    struct atoll_syscall_result r = fault_round(bad_syscall_thread, fep, badged, reply, 0);
    TEST_EQ("fault.unknown_syscall_label", atoll_msginfo_label(r.info), 2);
    TEST_EQ("fault.unknown_syscall_number", r.mr[0], 0x7fff);
    TEST_EQ("fault.badge_of_fault_endpoint", r.badge, 0xfa);
    TEST_EQ("fault.reply_resumes_after_syscall", shared[2], 0x600d);

    shared[3] = 0;
    r = fault_round(bad_cap_thread, fep, badged, reply, 0);
    TEST_EQ("fault.capability_label", atoll_msginfo_label(r.info), 1);
    TEST_EQ("fault.capability_cptr", r.mr[0], 4000);
    TEST_EQ("fault.capability_reply_resumes", shared[3], 0x600d);

    shared[4] = 0;
    r = fault_round(page_fault_thread, fep, badged, reply, (uint64_t)thread_exit_entry);
    TEST_EQ("fault.vm_label", atoll_msginfo_label(r.info), 4);
    TEST_EQ("fault.vm_address", r.mr[0], UINT64_C(0x00007000deadb000));
    TEST_EQ("fault.vm_error_code_user_read", r.mr[1] & 0x6, 0x4);
    TEST_EQ("fault.vm_reply_moves_rip_past_fault", shared[4], 0x0e);
}

void tests_ipc(const struct atoll_bootinfo *bi)
{
    next_slot = bi->empty_first + 1024;
    for (uint64_t i = 0; i < bi->untyped_count; i++) {
        if (bi->untyped[i].size_bits > UT_BITS && !bi->untyped[i].is_device) {
            untyped = slot();
            struct atoll_error_detail e = atoll_untyped_retype(
                bi->untyped_first + i, ATOLL_OBJECT_UNTYPED, UT_BITS, ROOT, 0, 0, untyped, 1);
            TEST_EQ("ipc.setup_untyped", e.code, ATOLL_OK);
            break;
        }
    }
    test_call_reply();
    test_send_recv();
    test_notifications();
    test_scheduling();
    test_faults();
    test_signal_abort();
    test_cross_core(bi->cpus);
    test_ipc_buffer();
    test_suspend_cancels_fault();
    test_reply_deleted_while_waiting();
    test_remote_stop(bi->cpus);
    /* Revoking the untyped destroys every thread and object made here:
     * blocked threads (the echo server) are stopped by their deletion. */
    TEST_EQ("ipc.revoke_destroys_threads_and_objects",
            atoll_cnode_slot_op(ATOLL_CNODE_REVOKE, ROOT, untyped, DEPTH).code, ATOLL_OK);
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    atoll_syscall(ATOLL_SYS_YIELD, 0, 0, mr);
}
