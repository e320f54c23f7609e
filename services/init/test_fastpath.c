/* User-level tests of the IPC fast path (kernel/fastpath.c): which Calls
 * and ReplyRecvs it takes, which it must leave to the general path, and
 * that the result is the same either way. The kernel counts the system
 * calls its fast path completed (ATOLL_SYS_DEBUG_FASTPATH_COUNT); each
 * test checks that count as well as what the threads saw, so a fast path
 * that took a case it must not take, or gave up one it should take, fails
 * here. Runs after the MCS tests, with init at priority PRIO_INIT. */
#include "tests.h"
#include "test.h"
#include "atoll/sched.h"
#include "atoll/tcb.h"

#define ROOT    ATOLL_SLOT_ROOT_CNODE
#define DEPTH   64
#define STACK   4096
#define THREADS 10
#define UT_BITS 20
#define SLICE   10000 /* µs: round robin */

/* Init runs at PRIO_INIT; the servers wait in Recv above it, so a Call
 * may switch straight to them. */
#define PRIO_WAKER  200 /* woken by a server, above it */
#define PRIO_SERVER 150
#define PRIO_INIT   128
#define PRIO_READY  120 /* a thread left ready while init runs */
#define PRIO_LOW    110

/* Labels the echo server treats specially. */
#define LABEL_LONG_REPLY 0x10
#define LONG_REPLY_MARK  UINT64_C(0xfeed0004)
#define BADGE            0x5a
#define NESTED_ROUNDS    3

static uint64_t next_slot;
static uint64_t untyped;
static _Alignas(16) uint8_t stacks[THREADS][STACK];
static unsigned stack_next;
static volatile uint64_t flag;
/* Reply objects of the servers, set before they start. */
static uint64_t echo_reply, inner_reply, outer_reply, outer_ep, low_reply, wake_reply, wake_ntfn;
/* What waking_server saw of its ReplyRecv with a sender waiting. */
static volatile uint64_t waking_reply_recvs_fast, waking_received_label;

static uint64_t slot(void)
{
    return next_slot++;
}

static uint64_t make(uint64_t type)
{
    uint64_t s = slot();
    struct atoll_error_detail e = atoll_untyped_retype(untyped, type, 0, ROOT, 0, 0, s, 1);
    if (e.code)
        printf("init: fastpath: retype of type %lu failed: %lu\n", type, e.code);
    return s;
}

static struct atoll_syscall_result sys(uint64_t n, uint64_t cap, uint64_t info, uint64_t m0,
                                       uint64_t m1, uint64_t reply)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {m0, m1, 0, 0};
    return atoll_syscall_reply(n, cap, info, mr, reply);
}

struct counts {
    uint64_t calls, reply_recvs;
};

static struct counts fast_counts(void)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    struct atoll_syscall_result r = atoll_syscall(ATOLL_SYS_DEBUG_FASTPATH_COUNT, 0, 0, mr);
    return (struct counts){r.mr[0], r.mr[1]};
}

static uint64_t check_invariants(void)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    return atoll_syscall(ATOLL_SYS_DEBUG_CHECK, 0, 0, mr).error;
}

static _Noreturn void thread_exit(void)
{
    atoll_debug_exit(0);
}

/* A thread at `prio` on a fresh round-robin SC; with `shared_buffer`,
 * init's IPC buffer is its IPC buffer too (same address, same frame), so
 * that long messages and capability transfers have somewhere to go. */
static uint64_t start(void (*fn)(uint64_t), uint64_t arg, uint8_t prio, bool shared_buffer,
                      uint64_t *sc_out)
{
    uint64_t tcb = make(ATOLL_OBJECT_TCB);
    uint64_t sc = slot();
    struct atoll_error_detail e = atoll_sched_context_new(untyped, ROOT, sc, 0, SLICE, SLICE);
    if (!e.code && shared_buffer) {
        uint64_t caps[3] = {ROOT, ATOLL_SLOT_ROOT_VSPACE, ATOLL_SLOT_IPC_BUFFER};
        uint64_t ipc = (uint64_t)atoll_get_ipc_buffer();
        e = atoll_invoke(tcb, ATOLL_TCB_CONFIGURE, &ipc, 1, caps, 3);
        uint64_t p = prio;
        if (!e.code)
            e = atoll_invoke(tcb, ATOLL_TCB_SET_PRIORITY, &p, 1, (uint64_t[]){ATOLL_SLOT_ROOT_TCB},
                             1);
        if (!e.code)
            e = atoll_invoke(sc, ATOLL_SCHED_CONTEXT_BIND, NULL, 0, &tcb, 1);
        uint64_t regs[2 + ATOLL_REG_RDI + 1] = {0};
        regs[0] = 1;
        regs[1] = ATOLL_REG_RDI + 1;
        regs[2 + ATOLL_REG_RIP] = (uint64_t)fn;
        regs[2 + ATOLL_REG_RSP] = (uint64_t)(stacks[stack_next++ % THREADS] + STACK) - 8;
        regs[2 + ATOLL_REG_RDI] = arg;
        if (!e.code)
            e = atoll_invoke(tcb, ATOLL_TCB_WRITE_REGISTERS, regs, 2 + ATOLL_REG_RDI + 1, NULL, 0);
    } else if (!e.code) {
        e = atoll_thread_start(tcb, sc, ROOT, ATOLL_SLOT_ROOT_VSPACE, ATOLL_SLOT_ROOT_TCB, prio, fn,
                               arg, stacks[stack_next++ % THREADS] + STACK);
    }
    if (e.code)
        printf("init: fastpath: thread start failed: %lu (argument %lu)\n", e.code, e.argument);
    if (sc_out)
        *sc_out = sc;
    return tcb;
}

/* A server started above init runs into its Recv at once; unbinding its
 * SC then makes it passive (it runs on its callers' SCs). */
static uint64_t start_passive(void (*fn)(uint64_t), uint64_t arg, bool shared_buffer)
{
    uint64_t sc;
    uint64_t tcb = start(fn, arg, PRIO_SERVER, shared_buffer, &sc);
    atoll_invoke(sc, ATOLL_SCHED_CONTEXT_UNBIND, NULL, 0, NULL, 0);
    return tcb;
}

/* ---- threads ---- */

/* Answers with label + 1 and the words {word 1, word 0, badge, the
 * received info's length/caps/unwrapped bits}; LABEL_LONG_REPLY gets a
 * five-word answer whose last word is in the IPC buffer. */
static void echo_server(uint64_t ep)
{
    uint64_t reply = echo_reply;
    struct atoll_syscall_result r = sys(ATOLL_SYS_RECV, ep, 0, 0, 0, reply);
    for (;;) {
        uint64_t label = atoll_msginfo_label(r.info), length = ATOLL_MSG_REGISTERS;
        uint64_t mr[ATOLL_MSG_REGISTERS] = {r.mr[1], r.mr[0], r.badge,
                                            r.info & ((1u << ATOLL_MSGINFO_LABEL_SHIFT) - 1)};
        if (label == LABEL_LONG_REPLY) {
            atoll_get_ipc_buffer()->msg[ATOLL_MSG_REGISTERS] = LONG_REPLY_MARK;
            length = ATOLL_MSG_REGISTERS + 1;
        }
        r = atoll_syscall_reply(ATOLL_SYS_REPLY_RECV, ep, atoll_msginfo(label + 1, length, 0), mr,
                                reply);
    }
}

/* Doubles word 0. */
static void inner_server(uint64_t ep)
{
    struct atoll_syscall_result r = sys(ATOLL_SYS_RECV, ep, 0, 0, 0, inner_reply);
    for (;;)
        r = sys(ATOLL_SYS_REPLY_RECV, ep, atoll_msginfo(0, 1, 0), r.mr[0] * 2, 0, inner_reply);
}

/* Asks the inner server (on `inner_ep`) and adds one: a Call from a
 * passive server on a donated SC, which donates it further. */
static void outer_server(uint64_t inner_ep)
{
    struct atoll_syscall_result r = sys(ATOLL_SYS_RECV, outer_ep, 0, 0, 0, outer_reply);
    for (;;) {
        struct atoll_syscall_result in =
            sys(ATOLL_SYS_CALL, inner_ep, atoll_msginfo(0, 1, 0), r.mr[0], 0, 0);
        r = sys(ATOLL_SYS_REPLY_RECV, outer_ep, atoll_msginfo(0, 1, 0), in.mr[0] + 1, 0,
                outer_reply);
    }
}

/* Answers with the value `flag` had when it ran. */
static void flag_server(uint64_t ep)
{
    sys(ATOLL_SYS_RECV, ep, 0, 0, 0, low_reply);
    for (;;)
        sys(ATOLL_SYS_REPLY_RECV, ep, atoll_msginfo(0, 1, 0), flag, 0, low_reply);
}

static void flag_setter(uint64_t unused)
{
    (void)unused;
    flag = 1;
    thread_exit();
}

/* Serves one Call, waking meanwhile a thread above it that Calls the same
 * endpoint, so that a sender waits there when its ReplyRecv comes; notes
 * which path that ReplyRecv took and what it received, then serves on. */
static void waking_server(uint64_t ep)
{
    struct atoll_syscall_result r = sys(ATOLL_SYS_RECV, ep, 0, 0, 0, wake_reply);
    sys(ATOLL_SYS_SIGNAL, wake_ntfn, 0, 0, 0, 0);
    struct counts c0 = fast_counts();
    r = sys(ATOLL_SYS_REPLY_RECV, ep, atoll_msginfo(0, 1, 0), 0x33, 0, wake_reply);
    struct counts c1 = fast_counts();
    waking_reply_recvs_fast = c1.reply_recvs - c0.reply_recvs;
    waking_received_label = atoll_msginfo_label(r.info);
    for (;;)
        r = sys(ATOLL_SYS_REPLY_RECV, ep, atoll_msginfo(0, 1, 0), 0x44, 0, wake_reply);
}

static void woken_caller(uint64_t ep)
{
    sys(ATOLL_SYS_WAIT, wake_ntfn, 0, 0, 0, 0);
    sys(ATOLL_SYS_CALL, ep, atoll_msginfo(9, 1, 0), 0x77, 0, 0);
    thread_exit();
}

static void sender(uint64_t ep)
{
    sys(ATOLL_SYS_SEND, ep, atoll_msginfo(9, 1, 0), 0x77, 0, 0);
    thread_exit();
}

/* ---- tests ---- */

static void test_fast_round_trips(uint64_t ep, uint64_t badged)
{
    struct counts c0 = fast_counts();
    struct atoll_syscall_result r =
        sys(ATOLL_SYS_CALL, badged, atoll_msginfo(3, 2, 0), 0xaaaa, 0xbbbb, 0);
    struct counts c1 = fast_counts();
    TEST_EQ("fastpath.call_ok", r.error, ATOLL_OK);
    TEST_EQ("fastpath.reply_label", atoll_msginfo_label(r.info), 4);
    TEST_EQ("fastpath.reply_length", atoll_msginfo_length(r.info), ATOLL_MSG_REGISTERS);
    TEST_EQ("fastpath.reply_words_swapped_0", r.mr[0], 0xbbbb);
    TEST_EQ("fastpath.reply_words_swapped_1", r.mr[1], 0xaaaa);
    TEST_EQ("fastpath.server_saw_badge", r.mr[2], BADGE);
    TEST_EQ("fastpath.server_saw_length_2_no_caps", r.mr[3], 2);
    TEST_EQ("fastpath.call_took_fast_path", c1.calls - c0.calls, 1);
    TEST_EQ("fastpath.reply_recv_took_fast_path", c1.reply_recvs - c0.reply_recvs, 1);

    uint64_t sum = 0;
    c0 = fast_counts();
    for (uint64_t i = 0; i < 100; i++)
        sum += sys(ATOLL_SYS_CALL, ep, atoll_msginfo(1, 2, 0), 0, i, 0).mr[0];
    c1 = fast_counts();
    TEST_EQ("fastpath.hundred_round_trips_right", sum, 99 * 100 / 2);
    TEST_EQ("fastpath.hundred_round_trips_fast", c1.calls - c0.calls, 100);
    TEST_EQ("fastpath.hundred_replies_fast", c1.reply_recvs - c0.reply_recvs, 100);
    TEST_EQ("fastpath.invariants_hold_after_fast_round_trips", check_invariants(), ATOLL_OK);
}

/* Words past the registers travel in the IPC buffers: the general path. */
static void test_long_messages(uint64_t ep)
{
    struct atoll_ipc_buffer *buf = atoll_get_ipc_buffer();
    buf->msg[ATOLL_MSG_REGISTERS] = 0x1234;
    struct counts c0 = fast_counts();
    struct atoll_syscall_result r = sys(ATOLL_SYS_CALL, ep, atoll_msginfo(5, 5, 0), 1, 2, 0);
    struct counts c1 = fast_counts();
    TEST_EQ("fastpath.long_call_ok", r.error, ATOLL_OK);
    TEST_EQ("fastpath.long_call_arrives_whole", r.mr[3] & 0x7f, 5);
    TEST_EQ("fastpath.long_call_takes_general_path", c1.calls - c0.calls, 0);
    /* The short answer to a call made by the general path: fast. */
    TEST_EQ("fastpath.reply_to_general_call_is_fast", c1.reply_recvs - c0.reply_recvs, 1);

    buf->msg[ATOLL_MSG_REGISTERS] = 0;
    c0 = fast_counts();
    r = sys(ATOLL_SYS_CALL, ep, atoll_msginfo(LABEL_LONG_REPLY, 1, 0), 1, 2, 0);
    c1 = fast_counts();
    TEST_EQ("fastpath.long_reply_length", atoll_msginfo_length(r.info), ATOLL_MSG_REGISTERS + 1);
    TEST_EQ("fastpath.long_reply_last_word", buf->msg[ATOLL_MSG_REGISTERS], LONG_REPLY_MARK);
    TEST_EQ("fastpath.short_call_with_long_reply_is_fast", c1.calls - c0.calls, 1);
    TEST_EQ("fastpath.long_reply_takes_general_path", c1.reply_recvs - c0.reply_recvs, 0);
}

/* A Call that transfers a capability: the general path moves it. */
static void test_cap_transfer(uint64_t ep)
{
    struct atoll_ipc_buffer *buf = atoll_get_ipc_buffer();
    uint64_t ntfn = make(ATOLL_OBJECT_NOTIFICATION), dest = slot(), check = slot();
    buf->caps_or_badges[0] = ntfn;
    buf->receive_cnode = ROOT;
    buf->receive_index = dest;
    buf->receive_depth = DEPTH;
    struct counts c0 = fast_counts();
    struct atoll_syscall_result r = sys(ATOLL_SYS_CALL, ep, atoll_msginfo(7, 1, 1), 0, 0, 0);
    struct counts c1 = fast_counts();
    buf->receive_depth = 0;
    TEST_EQ("fastpath.cap_call_ok", r.error, ATOLL_OK);
    TEST_EQ("fastpath.cap_call_server_got_one_cap",
            (r.mr[3] >> ATOLL_MSGINFO_CAPS_SHIFT) & ((1u << ATOLL_MSGINFO_CAPS_BITS) - 1), 1);
    TEST_EQ("fastpath.cap_call_cap_arrived",
            atoll_cnode_copy_op(ATOLL_CNODE_COPY, ROOT, check, DEPTH, ROOT, dest, DEPTH,
                                ATOLL_RIGHTS_ALL, 0)
                .code,
            ATOLL_OK);
    TEST_EQ("fastpath.cap_call_takes_general_path", c1.calls - c0.calls, 0);
}

/* A ReplyRecv through a reply object with no caller (nobody to answer):
 * the general path, which answers nobody and receives. The sender is
 * below init, so it sends only once init waits. */
static void test_stale_reply(void)
{
    uint64_t ep = make(ATOLL_OBJECT_ENDPOINT), stale = make(ATOLL_OBJECT_REPLY);
    start(sender, ep, PRIO_LOW, false, NULL);
    struct counts c0 = fast_counts();
    struct atoll_syscall_result r =
        sys(ATOLL_SYS_REPLY_RECV, ep, atoll_msginfo(1, 1, 0), 5, 0, stale);
    struct counts c1 = fast_counts();
    TEST_EQ("fastpath.stale_reply_recv_ok", r.error, ATOLL_OK);
    TEST_EQ("fastpath.stale_reply_recv_receives_label", atoll_msginfo_label(r.info), 9);
    TEST_EQ("fastpath.stale_reply_recv_receives_word", r.mr[0], 0x77);
    TEST_EQ("fastpath.stale_reply_takes_general_path", c1.reply_recvs - c0.reply_recvs, 0);
}

/* A ReplyRecv while a sender waits on the endpoint: the Recv half must
 * take it at once, which is the general path's. */
static void test_sender_waiting_at_reply_recv(void)
{
    uint64_t ep = make(ATOLL_OBJECT_ENDPOINT);
    wake_ntfn = make(ATOLL_OBJECT_NOTIFICATION);
    wake_reply = make(ATOLL_OBJECT_REPLY);
    waking_reply_recvs_fast = waking_received_label = 0xff;
    start(woken_caller, ep, PRIO_WAKER, false, NULL); /* waits for the signal */
    start_passive(waking_server, ep, false);
    struct atoll_syscall_result r = sys(ATOLL_SYS_CALL, ep, atoll_msginfo(0, 1, 0), 0, 0, 0);
    TEST_EQ("fastpath.reply_with_sender_waiting_arrives", r.mr[0], 0x33);
    TEST_EQ("fastpath.reply_recv_with_sender_waiting_takes_general_path", waking_reply_recvs_fast,
            0);
    TEST_EQ("fastpath.reply_recv_with_sender_waiting_receives_it", waking_received_label, 9);
    TEST_EQ("fastpath.invariants_hold_after_sender_waiting", check_invariants(), ATOLL_OK);
}

/* A Call with a signal-abort already pending on the caller's bound
 * notification ends at once, on the general path; once the abort mask
 * is cleared the same Call is fast again. */
static void test_pending_abort(uint64_t ep)
{
    uint64_t n = make(ATOLL_OBJECT_NOTIFICATION), timeout = slot();
    atoll_cnode_copy_op(ATOLL_CNODE_MINT, ROOT, timeout, DEPTH, ROOT, n, DEPTH, ATOLL_RIGHTS_ALL,
                        0x100);
    uint64_t mask = 0x100;
    TEST_EQ("fastpath.abort_bind_ok",
            atoll_invoke(ATOLL_SLOT_ROOT_TCB, ATOLL_TCB_BIND_NOTIFICATION, NULL, 0, &n, 1).code,
            ATOLL_OK);
    atoll_invoke(ATOLL_SLOT_ROOT_TCB, ATOLL_TCB_SET_ABORT_MASK, &mask, 1, NULL, 0);
    sys(ATOLL_SYS_SIGNAL, timeout, 0, 0, 0, 0);
    struct counts c0 = fast_counts();
    struct atoll_syscall_result r = sys(ATOLL_SYS_CALL, ep, atoll_msginfo(0, 1, 0), 0, 0, 0);
    struct counts c1 = fast_counts();
    TEST_EQ("fastpath.call_with_abort_pending_is_aborted", r.error, ATOLL_ERR_IPC_ABORTED);
    TEST_EQ("fastpath.call_with_abort_pending_reports_bits", r.badge, 0x100);
    TEST_EQ("fastpath.call_with_abort_pending_takes_general_path", c1.calls - c0.calls, 0);
    mask = 0;
    atoll_invoke(ATOLL_SLOT_ROOT_TCB, ATOLL_TCB_SET_ABORT_MASK, &mask, 1, NULL, 0);
    atoll_invoke(ATOLL_SLOT_ROOT_TCB, ATOLL_TCB_UNBIND_NOTIFICATION, NULL, 0, NULL, 0);
    c0 = fast_counts();
    r = sys(ATOLL_SYS_CALL, ep, atoll_msginfo(0, 1, 0), 0, 0, 0);
    c1 = fast_counts();
    TEST_EQ("fastpath.call_after_abort_cleared_ok", r.error, ATOLL_OK);
    TEST_EQ("fastpath.call_after_abort_cleared_is_fast", c1.calls - c0.calls, 1);
}

/* A server below a thread that is ready here: the Call must let the
 * ready thread run first (the general path's scheduler decides). */
static void test_ready_thread_outranks_server(void)
{
    uint64_t ep = make(ATOLL_OBJECT_ENDPOINT);
    low_reply = make(ATOLL_OBJECT_REPLY);
    uint64_t server = start_passive(flag_server, ep, false);
    uint64_t prio = PRIO_LOW;
    atoll_invoke(server, ATOLL_TCB_SET_PRIORITY, &prio, 1, (uint64_t[]){ATOLL_SLOT_ROOT_TCB}, 1);
    flag = 0;
    start(flag_setter, 0, PRIO_READY, false, NULL); /* ready, below init */
    struct counts c0 = fast_counts();
    struct atoll_syscall_result r = sys(ATOLL_SYS_CALL, ep, atoll_msginfo(0, 1, 0), 0, 0, 0);
    struct counts c1 = fast_counts();
    TEST_EQ("fastpath.ready_thread_runs_before_lower_server", r.mr[0], 1);
    TEST_EQ("fastpath.call_to_outranked_server_takes_general_path", c1.calls - c0.calls, 0);
    /* Nothing ready now: the same Call is fast. */
    c0 = fast_counts();
    r = sys(ATOLL_SYS_CALL, ep, atoll_msginfo(0, 1, 0), 0, 0, 0);
    c1 = fast_counts();
    TEST_EQ("fastpath.lower_server_answers", r.mr[0], 1);
    TEST_EQ("fastpath.call_to_lower_server_with_nothing_ready_is_fast", c1.calls - c0.calls, 1);
}

/* Passive servers calling passive servers: the SC goes down the chain
 * and back up one reply object at a time, all on the fast path. */
static void test_nested_donation(void)
{
    uint64_t inner_ep = make(ATOLL_OBJECT_ENDPOINT);
    outer_ep = make(ATOLL_OBJECT_ENDPOINT);
    inner_reply = make(ATOLL_OBJECT_REPLY);
    outer_reply = make(ATOLL_OBJECT_REPLY);
    start_passive(inner_server, inner_ep, false);
    start_passive(outer_server, inner_ep, false);
    /* A call made with less than MIN_BUDGET left of init's timeslice
     * takes the general path on purpose (docs/kernel.md): that can hit
     * any one round, so the counts are taken from the best of a few. */
    uint64_t calls = 0, replies = 0, result = 0;
    for (unsigned round = 0; round < NESTED_ROUNDS && (calls != 2 || replies != 2); round++) {
        struct counts c0 = fast_counts();
        struct atoll_syscall_result r =
            sys(ATOLL_SYS_CALL, outer_ep, atoll_msginfo(0, 1, 0), 5, 0, 0);
        struct counts c1 = fast_counts();
        result = r.mr[0];
        calls = c1.calls - c0.calls;
        replies = c1.reply_recvs - c0.reply_recvs;
    }
    TEST_EQ("fastpath.nested_call_result", result, 11);
    TEST_EQ("fastpath.nested_calls_fast", calls, 2);
    TEST_EQ("fastpath.nested_replies_fast", replies, 2);
    TEST_EQ("fastpath.invariants_hold_after_nested_donation", check_invariants(), ATOLL_OK);
}

void tests_fastpath(const struct atoll_bootinfo *bi)
{
    next_slot = bi->empty_first + 3584;
    untyped = slot();
    uint64_t code = atoll_untyped_carve(bi, UT_BITS, untyped);
    TEST_EQ("fastpath.setup_untyped", code, ATOLL_OK);
    uint64_t prio = PRIO_INIT;
    atoll_invoke(ATOLL_SLOT_ROOT_TCB, ATOLL_TCB_SET_PRIORITY, &prio, 1,
                 (uint64_t[]){ATOLL_SLOT_ROOT_TCB}, 1);

    uint64_t ep = make(ATOLL_OBJECT_ENDPOINT), badged = slot();
    atoll_cnode_copy_op(ATOLL_CNODE_MINT, ROOT, badged, DEPTH, ROOT, ep, DEPTH, ATOLL_RIGHTS_ALL,
                        BADGE);
    echo_reply = make(ATOLL_OBJECT_REPLY);
    start_passive(echo_server, ep, true);

    test_fast_round_trips(ep, badged);
    test_long_messages(ep);
    test_cap_transfer(ep);
    test_stale_reply();
    test_pending_abort(ep);
    test_sender_waiting_at_reply_recv();
    test_ready_thread_outranks_server();
    test_nested_donation();

    /* Revoking the untyped destroys every thread and object made here. */
    TEST_EQ("fastpath.revoke_destroys_threads_and_objects",
            atoll_cnode_slot_op(ATOLL_CNODE_REVOKE, ROOT, untyped, DEPTH).code, ATOLL_OK);
    TEST_EQ("fastpath.invariants_hold_after_revoke", check_invariants(), ATOLL_OK);
}
