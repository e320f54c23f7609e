/* User-level tests of MCS scheduling (atoll/sched.h): SchedContext and
 * SchedControl invocations and their errors, budget enforcement, round
 * robin, passive servers on donated scheduling contexts, timeout faults
 * and the endpoint budget threshold.
 *
 * Time: init measures with the TSC, whose rate it learns from its own
 * SchedContext's Consumed count. It sleeps by asking an "alarm" thread at
 * the top priority, with a sporadic SC, to Yield a number of times: a
 * Yield gives up the rest of a sporadic SC's refill, so each one waits for
 * the next period. (Its budget is most of its period although it uses
 * microseconds: time the emulator stalls while it runs is charged to it,
 * and an overrun delays an SC by overrun / budget periods.) Shares of the
 * CPU are measured with spinning counters over many periods; the bounds
 * are wide, and such measurements are repeated a few times, because
 * QEMU's software emulation runs at the host's whim. */
#include "tests.h"
#include "test.h"
#include "atoll/sched.h"
#include "atoll/tcb.h"

#define ROOT    ATOLL_SLOT_ROOT_CNODE
#define DEPTH   64
#define STACK   4096
#define THREADS 24
#define UT_BITS 20
#define SC_BITS ATOLL_SCHED_CONTEXT_MIN_BITS

/* Priorities: init runs above the threads it measures, below the servers
 * and the alarm, so that it can block and be woken. */
#define PRIO_ALARM    250
#define PRIO_SERVER   220
#define PRIO_INIT     200
#define PRIO_HIGH     150
#define PRIO_MID      140
#define PRIO_LOW      130
#define PRIO_INIT_OLD 128

#define ALARM_PERIOD_US 5000
#define ALARM_BUDGET_US 4000
#define SPIN_FOREVER    UINT64_C(1000000000000)
/* Measurements of shares and delays are repeated up to this often: QEMU's
 * emulation stalls for tens of milliseconds when the host is busy, and
 * the TSC, which budgets are counted in, keeps running meanwhile. */
#define ATTEMPTS 4

static uint64_t next_slot;
static uint64_t untyped;
static uint64_t root_sc;
static uint64_t cpus;
static _Alignas(16) uint8_t stacks[THREADS][STACK];
static unsigned stack_next;
static uint64_t tsc_per_ms = 1000000; /* until calibrated */

static volatile uint64_t counters[8];
static volatile uint64_t alarm_periods;
static uint64_t alarm_request, alarm_done;

/* What client threads report. */
struct client_report {
    uint64_t error, value, elapsed, first_error;
    uint64_t returned_at;  /* TSC when the Call returned */
    uint64_t spin_elapsed; /* µs the pre-spin took */
};
static volatile struct client_report report;
static uint64_t report_done; /* notification the clients signal */

/* Arguments of the server and client threads. */
static uint64_t server_ep, server_reply;
static volatile uint64_t server_busy; /* work_server is working */
static uint64_t client_ep, client_work_us, client_pre_spin_us;

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

/* Runs for `us` of CPU time: gaps longer than WORK_GAP_US (the thread
 * was not running: preempted, or waiting for a refill) do not count. */
#define WORK_GAP_US 100
static void work_us(uint64_t us)
{
    uint64_t need = us >= SPIN_FOREVER ? UINT64_MAX : us * tsc_per_ms / 1000;
    uint64_t gap = WORK_GAP_US * tsc_per_ms / 1000;
    uint64_t done = 0, last = rdtsc();
    while (done < need) {
        uint64_t now = rdtsc();
        if (now - last < gap)
            done += now - last;
        last = now;
    }
}

/* Runs until `us` of wall time have passed (budget is charged by wall
 * time too, so this uses up `us` of it unless the thread waits). */
static void spin_us(uint64_t us)
{
    uint64_t start = rdtsc();
    uint64_t ticks = us * tsc_per_ms / 1000;
    while (rdtsc() - start < ticks)
        __asm__ volatile("pause");
}

static uint64_t elapsed_us(uint64_t since)
{
    return (rdtsc() - since) * 1000 / tsc_per_ms;
}

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

static void yield(void)
{
    sys(ATOLL_SYS_YIELD, 0, 0, 0, 0, 0);
}

static struct atoll_error_detail configure_on(uint64_t core, uint64_t sc, uint64_t budget,
                                              uint64_t period, uint64_t extra, uint64_t badge)
{
    uint64_t w[ATOLL_SCHED_CONFIGURE_ARGS] = {budget, period, extra, badge, 0};
    return atoll_invoke(ATOLL_SLOT_SCHED_CONTROL + core, ATOLL_SCHED_CONTROL_CONFIGURE_FLAGS, w,
                        ATOLL_SCHED_CONFIGURE_ARGS, &sc, 1);
}

static uint64_t new_sc(uint64_t core, uint64_t budget, uint64_t period, uint64_t badge)
{
    uint64_t sc = make(ATOLL_OBJECT_SCHED_CONTEXT, SC_BITS);
    struct atoll_error_detail e = configure_on(core, sc, budget, period, 0, badge);
    if (e.code)
        printf("init: configure failed: %lu (argument %lu)\n", e.code, e.argument);
    return sc;
}

static struct atoll_error_detail bind(uint64_t sc, uint64_t tcb)
{
    return atoll_invoke(sc, ATOLL_SCHED_CONTEXT_BIND, NULL, 0, &tcb, 1);
}

static struct atoll_error_detail unbind(uint64_t sc)
{
    return atoll_invoke(sc, ATOLL_SCHED_CONTEXT_UNBIND, NULL, 0, NULL, 0);
}

/* µs consumed on `sc` since the last call; reply word 0 comes back in
 * the detail word `argument`. */
static uint64_t consumed(uint64_t sc)
{
    struct atoll_error_detail e = atoll_invoke(sc, ATOLL_SCHED_CONTEXT_CONSUMED, NULL, 0, NULL, 0);
    return e.code ? UINT64_MAX : e.argument;
}

static void set_own_priority(uint64_t prio)
{
    atoll_invoke(ATOLL_SLOT_ROOT_TCB, ATOLL_TCB_SET_PRIORITY, &prio, 1,
                 (uint64_t[]){ATOLL_SLOT_ROOT_TCB}, 1);
}

/* A thread on `sc` (0: passive). */
static uint64_t start(void (*fn)(uint64_t), uint64_t arg, uint8_t prio, uint64_t sc)
{
    uint64_t tcb = make(ATOLL_OBJECT_TCB, 0);
    void *top = stacks[stack_next++ % THREADS] + STACK;
    struct atoll_error_detail e = atoll_thread_start(tcb, sc, ROOT, ATOLL_SLOT_ROOT_VSPACE,
                                                     ATOLL_SLOT_ROOT_TCB, prio, fn, arg, top);
    if (e.code)
        printf("init: thread start failed: %lu (argument %lu)\n", e.code, e.argument);
    return tcb;
}

static void stop(uint64_t tcb)
{
    atoll_invoke(tcb, ATOLL_TCB_SUSPEND, NULL, 0, NULL, 0);
}

static void wait_for(uint64_t ntfn)
{
    sys(ATOLL_SYS_WAIT, ntfn, 0, 0, 0, 0);
}

static void notify(uint64_t ntfn)
{
    sys(ATOLL_SYS_SIGNAL, ntfn, 0, 0, 0, 0);
}

/* A notification capability with a badge: a signal with badge 0 to a
 * notification nobody waits on leaves no trace (kernel/ipc.c keeps only
 * the word of ORed badges), and here the signaller may come first. */
static uint64_t badged_notification(void)
{
    uint64_t n = make(ATOLL_OBJECT_NOTIFICATION, 0);
    uint64_t badged = slot();
    atoll_cnode_copy_op(ATOLL_CNODE_MINT, ROOT, badged, DEPTH, ROOT, n, DEPTH, ATOLL_RIGHTS_ALL, 1);
    return badged;
}

/* Blocks init for about `n` alarm periods. */
static void sleep_periods(uint64_t n)
{
    alarm_periods = n;
    notify(alarm_request);
    wait_for(alarm_done);
}

/* Whether counters[index] moves (by more than a stalled core's last
 * loop iterations) over `periods` alarm periods. */
static int counter_moves(unsigned index, uint64_t periods)
{
    uint64_t before = counters[index];
    sleep_periods(periods);
    return counters[index] - before >= 100;
}

/* The kernel's invariant checker: capabilities, ready and release queues,
 * refills. */
static uint64_t check_invariants(void)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    return atoll_syscall(ATOLL_SYS_DEBUG_CHECK, 0, 0, mr).error;
}

/* ---- threads ---- */

static _Noreturn void thread_exit(void)
{
    atoll_debug_exit(0);
}

static void alarm_thread(uint64_t unused)
{
    (void)unused;
    for (;;) {
        wait_for(alarm_request);
        for (uint64_t i = alarm_periods; i > 0; i--)
            yield(); /* sporadic SC: sleeps until the next refill */
        notify(alarm_done);
    }
}

static void spinner(uint64_t index)
{
    for (;;)
        counters[index]++;
}

/* Works for mr[0] µs on whatever SC it has, answers mr[1] + 1. */
static void work_server(uint64_t unused)
{
    (void)unused;
    uint64_t ep = server_ep, reply = server_reply;
    struct atoll_syscall_result r = sys(ATOLL_SYS_RECV, ep, 0, 0, 0, reply);
    for (;;) {
        server_busy = 1;
        work_us(r.mr[0]);
        server_busy = 0;
        r = sys(ATOLL_SYS_REPLY_RECV, ep, atoll_msginfo(0, 1, 0), r.mr[1] + 1, 0, reply);
    }
}

/* Calls client_ep (work client_work_us, value 7) after spinning
 * client_pre_spin_us itself; with a pre-spin it first tries an NBSend. */
static void client(uint64_t unused)
{
    (void)unused;
    report.first_error = UINT64_MAX;
    if (client_pre_spin_us) {
        uint64_t s0 = rdtsc();
        spin_us(client_pre_spin_us);
        report.spin_elapsed = elapsed_us(s0);
        struct atoll_syscall_result r =
            sys(ATOLL_SYS_NBSEND, client_ep, atoll_msginfo(0, 2, 0), 0, 0, 0);
        report.first_error = r.error;
    }
    uint64_t t0 = rdtsc();
    struct atoll_syscall_result r =
        sys(ATOLL_SYS_CALL, client_ep, atoll_msginfo(0, 2, 0), client_work_us, 7, 0);
    report.returned_at = rdtsc();
    report.elapsed = elapsed_us(t0);
    report.error = r.error;
    report.value = r.error ? r.mr[2] : r.mr[0]; /* error: the caller's budget */
    notify(report_done);
    thread_exit();
}

/* Starts a client on `sc` and waits until it reports. */
static void run_client(uint64_t ep, uint64_t work, uint64_t pre_spin, uint64_t sc)
{
    client_ep = ep;
    client_work_us = work;
    client_pre_spin_us = pre_spin;
    report.error = report.value = report.elapsed = UINT64_MAX;
    start(client, 0, PRIO_HIGH, sc);
    wait_for(report_done);
}

/* ---- tests ---- */

static void test_configure_errors(void)
{
    uint64_t sc = make(ATOLL_OBJECT_SCHED_CONTEXT, SC_BITS);
    struct atoll_error_detail e = configure_on(0, sc, 5000, 5000, 0, 0);
    TEST_EQ("mcs.configure_round_robin_ok", e.code, ATOLL_OK);
    e = configure_on(0, sc, 1000, 10000, 2, 0);
    TEST_EQ("mcs.configure_sporadic_ok", e.code, ATOLL_OK);
    e = configure_on(0, sc, 2000, 1000, 0, 0);
    TEST_EQ("mcs.configure_budget_above_period_is_range_error", e.code, ATOLL_ERR_RANGE_ERROR);
    TEST_EQ("mcs.configure_budget_above_period_names_budget", e.argument,
            ATOLL_SCHED_CONFIGURE_ARG_BUDGET);
    e = configure_on(0, sc, 0, 1000, 0, 0);
    TEST_EQ("mcs.configure_zero_budget_is_range_error", e.code, ATOLL_ERR_RANGE_ERROR);
    e = configure_on(0, sc, ATOLL_SCHED_MIN_BUDGET_US - 1, 1000, 0, 0);
    TEST_EQ("mcs.configure_budget_below_minimum_is_range_error", e.code, ATOLL_ERR_RANGE_ERROR);
    TEST_EQ("mcs.configure_budget_error_gives_minimum", e.value0, ATOLL_SCHED_MIN_BUDGET_US);
    e = configure_on(0, sc, 1000, ATOLL_SCHED_MAX_PERIOD_US + 1, 0, 0);
    TEST_EQ("mcs.configure_period_too_long_is_range_error", e.code, ATOLL_ERR_RANGE_ERROR);
    TEST_EQ("mcs.configure_period_too_long_names_period", e.argument,
            ATOLL_SCHED_CONFIGURE_ARG_PERIOD);
    uint64_t max_extra = ATOLL_SCHED_CONTEXT_MAX_EXTRA_REFILLS(SC_BITS);
    e = configure_on(0, sc, 1000, 10000, max_extra + 1, 0);
    TEST_EQ("mcs.configure_too_many_refills_is_range_error", e.code, ATOLL_ERR_RANGE_ERROR);
    TEST_EQ("mcs.configure_too_many_refills_gives_maximum", e.value1, max_extra);
    e = configure_on(0, sc, 1000, 10000, max_extra, 0);
    TEST_EQ("mcs.configure_most_refills_ok", e.code, ATOLL_OK);
    uint64_t w[ATOLL_SCHED_CONFIGURE_ARGS] = {1000, 10000, 0, 0, 1};
    e = atoll_invoke(ATOLL_SLOT_SCHED_CONTROL, ATOLL_SCHED_CONTROL_CONFIGURE_FLAGS, w,
                     ATOLL_SCHED_CONFIGURE_ARGS, &sc, 1);
    TEST_EQ("mcs.configure_unknown_flag_is_invalid_argument", e.code, ATOLL_ERR_INVALID_ARGUMENT);
    TEST_EQ("mcs.configure_unknown_flag_names_flags", e.argument, ATOLL_SCHED_CONFIGURE_ARG_FLAGS);
    uint64_t ep = make(ATOLL_OBJECT_ENDPOINT, 0);
    e = configure_on(0, ep, 1000, 10000, 0, 0);
    TEST_EQ("mcs.configure_endpoint_is_invalid_capability", e.code, ATOLL_ERR_INVALID_CAPABILITY);
    e = atoll_invoke(ATOLL_SLOT_SCHED_CONTROL, ATOLL_SCHED_CONTROL_CONFIGURE_FLAGS, w,
                     ATOLL_SCHED_CONFIGURE_ARGS, NULL, 0);
    TEST_EQ("mcs.configure_without_context_is_truncated", e.code, ATOLL_ERR_TRUNCATED_MESSAGE);
    e = atoll_invoke(ATOLL_SLOT_SCHED_CONTROL, ATOLL_SCHED_CONTROL_CONFIGURE_FLAGS, w, 3, &sc, 1);
    TEST_EQ("mcs.configure_short_message_is_truncated", e.code, ATOLL_ERR_TRUNCATED_MESSAGE);
    e = atoll_invoke(sc, ATOLL_SCHED_CONTROL_CONFIGURE_FLAGS, w, ATOLL_SCHED_CONFIGURE_ARGS, &sc,
                     1);
    TEST_EQ("mcs.configure_label_on_sched_context_is_illegal", e.code, ATOLL_ERR_ILLEGAL_OPERATION);
    e = atoll_invoke(ATOLL_SLOT_ROOT_TCB, ATOLL_SCHED_CONTROL_CONFIGURE_FLAGS, w,
                     ATOLL_SCHED_CONFIGURE_ARGS, &sc, 1);
    TEST_EQ("mcs.configure_through_tcb_is_illegal", e.code, ATOLL_ERR_ILLEGAL_OPERATION);
    e = atoll_untyped_retype(untyped, ATOLL_OBJECT_SCHED_CONTEXT, SC_BITS - 1, ROOT, 0, 0, slot(),
                             1);
    TEST_EQ("mcs.retype_too_small_sched_context_is_range_error", e.code, ATOLL_ERR_RANGE_ERROR);
}

static void test_bind_errors(void)
{
    uint64_t sc = new_sc(0, 1000, 10000, 0);
    uint64_t ep = make(ATOLL_OBJECT_ENDPOINT, 0);
    TEST_EQ("mcs.consumed_of_unused_context_is_zero", consumed(sc), 0);
    TEST_EQ("mcs.bind_to_endpoint_is_invalid_capability", bind(sc, ep).code,
            ATOLL_ERR_INVALID_CAPABILITY);
    TEST_EQ("mcs.bind_without_thread_is_truncated",
            atoll_invoke(sc, ATOLL_SCHED_CONTEXT_BIND, NULL, 0, NULL, 0).code,
            ATOLL_ERR_TRUNCATED_MESSAGE);
    TEST_EQ("mcs.unbind_unbound_context_is_illegal", unbind(sc).code, ATOLL_ERR_ILLEGAL_OPERATION);
    TEST_EQ("mcs.bind_thread_that_has_a_context_is_illegal", bind(sc, ATOLL_SLOT_ROOT_TCB).code,
            ATOLL_ERR_ILLEGAL_OPERATION);
    uint64_t tcb = make(ATOLL_OBJECT_TCB, 0);
    TEST_EQ("mcs.bind_ok", bind(sc, tcb).code, ATOLL_OK);
    uint64_t tcb2 = make(ATOLL_OBJECT_TCB, 0);
    TEST_EQ("mcs.bind_bound_context_is_illegal", bind(sc, tcb2).code, ATOLL_ERR_ILLEGAL_OPERATION);
    TEST_EQ("mcs.unbind_ok", unbind(sc).code, ATOLL_OK);
    TEST_EQ("mcs.unknown_sched_context_label_is_illegal",
            atoll_invoke(sc, ATOLL_SCHED_CONTEXT_FIRST + 7, NULL, 0, NULL, 0).code,
            ATOLL_ERR_ILLEGAL_OPERATION);
    if (root_sc) {
        TEST_EQ("mcs.unbind_own_context_is_illegal", unbind(root_sc).code,
                ATOLL_ERR_ILLEGAL_OPERATION);
        TEST_EQ("mcs.bind_root_context_elsewhere_is_illegal", bind(root_sc, tcb2).code,
                ATOLL_ERR_ILLEGAL_OPERATION);
    }
    uint64_t n = make(ATOLL_OBJECT_NOTIFICATION, 0);
    TEST_EQ("mcs.set_timeout_endpoint_to_notification_is_invalid_capability",
            atoll_invoke(tcb, ATOLL_TCB_SET_TIMEOUT_ENDPOINT, NULL, 0, &n, 1).code,
            ATOLL_ERR_INVALID_CAPABILITY);
    TEST_EQ("mcs.set_timeout_endpoint_ok",
            atoll_invoke(tcb, ATOLL_TCB_SET_TIMEOUT_ENDPOINT, NULL, 0, &ep, 1).code, ATOLL_OK);
    TEST_EQ("mcs.clear_timeout_endpoint_ok",
            atoll_invoke(tcb, ATOLL_TCB_SET_TIMEOUT_ENDPOINT, NULL, 0, NULL, 0).code, ATOLL_OK);
}

/* The TSC rate, from init's own SC: it runs alone, so what it consumed
 * is what passed. The SC's count covers the spin and a little of the two
 * system calls around it, so an emulator stall can only make a round
 * come out low: the highest of a few rounds is the one to trust. */
static void calibrate(void)
{
    if (!root_sc)
        return;
    uint64_t best = 0, us = 0;
    for (int round = 0; round < 3; round++) {
        consumed(root_sc);
        uint64_t t0 = rdtsc();
        while (rdtsc() - t0 < (UINT64_C(1) << 24))
            __asm__ volatile("pause");
        uint64_t ticks = rdtsc() - t0;
        us = consumed(root_sc);
        if (us == 0 || us == UINT64_MAX)
            break;
        if (ticks * 1000 / us > best)
            best = ticks * 1000 / us;
    }
    test_result("mcs.root_context_consumed_grows", best > 0, "expected a positive count, got %lu",
                us);
    if (best)
        tsc_per_ms = best;
    printf("init: mcs: %lu TSC ticks per ms\n", tsc_per_ms);
}

static void test_passive_threads(void)
{
    counters[2] = 0;
    uint64_t tcb = start(spinner, 2, PRIO_HIGH, 0);
    sleep_periods(2);
    TEST_EQ("mcs.thread_without_context_does_not_run", counters[2], 0);
    uint64_t sc = new_sc(0, 1000, 10000, 0);
    TEST_EQ("mcs.bind_passive_thread_ok", bind(sc, tcb).code, ATOLL_OK);
    sleep_periods(4);
    test_result("mcs.bound_thread_runs", counters[2] > 0, "counter still 0");
    stop(tcb);
}

/* Measures the share of the counting that spinner `first` did against
 * spinner `second`, in per mille, over `periods` alarm periods. */
static uint64_t measure_share(unsigned first, unsigned second, uint64_t periods,
                              uint64_t *counted_first, uint64_t *counted_second)
{
    sleep_periods(2);
    uint64_t f0 = counters[first], s0 = counters[second];
    sleep_periods(periods);
    *counted_first = counters[first] - f0;
    *counted_second = counters[second] - s0;
    uint64_t sum = *counted_first + *counted_second;
    return sum ? *counted_first * 1000 / sum : 0;
}

/* A spinner with budget B in period P above one on round robin: about
 * B/P for the first, the rest for the second. */
static void test_budget_share(void)
{
    uint64_t share = 0, da = 0, db = 0, invariants = 0;
    unsigned attempt;
    for (attempt = 1; attempt <= ATTEMPTS; attempt++) {
        counters[0] = counters[1] = 0;
        uint64_t a = start(spinner, 0, PRIO_HIGH, new_sc(0, 2000, 10000, 0));
        uint64_t b = start(spinner, 1, PRIO_MID, new_sc(0, 5000, 5000, 0));
        share = measure_share(0, 1, 40, &da, &db);
        invariants |= check_invariants();
        stop(a);
        stop(b);
        printf("init: mcs: budget 2 ms in 10 ms: %lu per mille (%lu vs %lu), attempt %u\n", share,
               da, db, attempt);
        if (share >= 100 && share <= 350)
            break;
    }
    test_result("mcs.budget_limits_share_to_budget_over_period", attempt <= ATTEMPTS,
                "expected about 200 per mille for budget 2 ms in 10 ms, got %lu (%lu vs %lu)",
                share, da, db);
    test_result("mcs.lower_priority_spinner_gets_the_rest", db > da && da > 0,
                "expected the lower priority to count more, got %lu vs %lu", db, da);
    TEST_EQ("mcs.invariants_hold_with_threads_ready_and_waiting", invariants, ATOLL_OK);
}

/* Equal priorities with round-robin SCs share the core; a lower priority
 * gets nothing while they are ready. */
static void test_round_robin(void)
{
    uint64_t share = 0, dc = 0, dd = 0, low = 0;
    unsigned attempt;
    for (attempt = 1; attempt <= ATTEMPTS; attempt++) {
        counters[3] = counters[4] = counters[5] = 0;
        uint64_t c = start(spinner, 3, PRIO_MID, new_sc(0, 2000, 2000, 0));
        uint64_t d = start(spinner, 4, PRIO_MID, new_sc(0, 2000, 2000, 0));
        uint64_t e = start(spinner, 5, PRIO_LOW, new_sc(0, 2000, 2000, 0));
        share = measure_share(3, 4, 20, &dc, &dd);
        low += counters[5];
        stop(c);
        stop(d);
        stop(e);
        printf("init: mcs: round robin: %lu per mille (%lu vs %lu), attempt %u\n", share, dc, dd,
               attempt);
        if (share >= 250 && share <= 750)
            break;
    }
    test_result("mcs.round_robin_shares_equally", attempt <= ATTEMPTS,
                "expected about 500 per mille, got %lu (%lu vs %lu)", share, dc, dd);
    TEST_EQ("mcs.lower_priority_waits_behind_round_robin", low, 0);
}

static void test_sleep(void)
{
    uint64_t us = 0;
    unsigned attempt;
    for (attempt = 1; attempt <= ATTEMPTS; attempt++) {
        uint64_t t0 = rdtsc();
        sleep_periods(6);
        us = elapsed_us(t0);
        if (us >= 5 * ALARM_PERIOD_US && us <= 12 * ALARM_PERIOD_US)
            break;
        printf("init: mcs: 6 alarm periods took %lu us, attempt %u\n", us, attempt);
    }
    test_result("mcs.sporadic_yield_waits_for_next_period", attempt <= ATTEMPTS,
                "expected about %u us for 6 periods, got %lu", 6 * ALARM_PERIOD_US, us);
}

/* A passive server (no SC of its own) runs on its caller's. */
static void test_passive_server(void)
{
    server_ep = make(ATOLL_OBJECT_ENDPOINT, 0);
    server_reply = make(ATOLL_OBJECT_REPLY, 0);
    uint64_t own = new_sc(0, 10000, 10000, 0);
    uint64_t server = start(work_server, 0, PRIO_SERVER, own); /* runs into its Recv */
    TEST_EQ("mcs.unbind_blocked_server_ok", unbind(own).code, ATOLL_OK);
    consumed(own);

    uint64_t before = root_sc ? consumed(root_sc) : 0;
    struct atoll_syscall_result r =
        sys(ATOLL_SYS_CALL, server_ep, atoll_msginfo(0, 2, 0), 3000, 41, 0);
    uint64_t used = root_sc ? consumed(root_sc) : 0;
    TEST_EQ("mcs.passive_server_answers_call", r.mr[0], 42);
    if (root_sc)
        test_result("mcs.passive_server_time_is_charged_to_client", used >= 2500,
                    "expected at least 2500 us on the caller's SC, got %lu (before: %lu)", used,
                    before);
    TEST_EQ("mcs.passive_server_former_context_not_charged", consumed(own), 0);
    TEST_EQ("mcs.passive_server_has_no_context_after_reply", bind(own, server).code, ATOLL_OK);
    unbind(own);

    /* A client whose budget is shorter than the work: the server keeps the
     * donated SC across refills (no timeout endpoint) and answers late. */
    uint64_t sc = new_sc(0, 2000, 20000, 0);
    run_client(server_ep, 7000, 0, sc);
    TEST_EQ("mcs.passive_server_keeps_context_across_refills", report.value, 8);
    test_result("mcs.call_beyond_budget_waits_for_refills", report.elapsed >= 30000,
                "expected at least 30000 us for 7 ms of work on 2 ms per 20 ms, got %lu",
                report.elapsed);
    uint64_t client_used = consumed(sc);
    test_result("mcs.client_context_pays_for_server_work", client_used >= 6000,
                "expected at least 6000 us, got %lu", client_used);
}

/* Calls client_ep (work client_work_us, value 7) with the abort bit
 * ABORT_BADGE of its bound notification set; reports the error and the
 * badge word. */
#define ABORT_BADGE 0x100
static void aborting_client(uint64_t unused)
{
    (void)unused;
    struct atoll_syscall_result r =
        sys(ATOLL_SYS_CALL, client_ep, atoll_msginfo(0, 2, 0), client_work_us, 7, 0);
    report.returned_at = rdtsc();
    report.error = r.error;
    report.value = r.badge;
    notify(report_done);
    thread_exit();
}

/* Signal-abort of a Call a passive server is serving on the caller's SC:
 * the server finishes on that SC (taking it away would strand it), then
 * the Call ends with IPC_ABORTED and the abort bits, and the server
 * serves the next client. */
static void test_abort_donated_call(void)
{
    uint64_t n = make(ATOLL_OBJECT_NOTIFICATION, 0);
    uint64_t abort_cap = slot();
    atoll_cnode_copy_op(ATOLL_CNODE_MINT, ROOT, abort_cap, DEPTH, ROOT, n, DEPTH, ATOLL_RIGHTS_ALL,
                        ABORT_BADGE);
    uint64_t tcb = make(ATOLL_OBJECT_TCB, 0);
    uint64_t mask = ABORT_BADGE;
    atoll_invoke(tcb, ATOLL_TCB_BIND_NOTIFICATION, NULL, 0, &n, 1);
    atoll_invoke(tcb, ATOLL_TCB_SET_ABORT_MASK, &mask, 1, NULL, 0);
    client_ep = server_ep;
    client_work_us = 6000; /* three of the client's periods */
    report.error = report.value = UINT64_MAX;
    uint64_t sc = new_sc(0, 2000, 20000, 0);
    atoll_thread_start(tcb, sc, ROOT, ATOLL_SLOT_ROOT_VSPACE, ATOLL_SLOT_ROOT_TCB, PRIO_HIGH,
                       aborting_client, 0, stacks[stack_next++ % THREADS] + STACK);
    /* The client calls; the server works on its SC. */
    for (int i = 0; i < 100 && !server_busy; i++)
        sleep_periods(1);
    TEST_EQ("abort.setup_server_serving_client", server_busy, 1);
    notify(abort_cap);
    sleep_periods(1); /* the server needs three of the client's periods */
    TEST_EQ("abort.donated_call_waits_for_its_context", report.error, UINT64_MAX);
    wait_for(report_done);
    TEST_EQ("abort.donated_call_ends_aborted", report.error, ATOLL_ERR_IPC_ABORTED);
    TEST_EQ("abort.donated_call_reports_bits", report.value, ABORT_BADGE);
    /* Passive again: the next client's work is charged to that client. */
    if (root_sc)
        consumed(root_sc);
    struct atoll_syscall_result r =
        sys(ATOLL_SYS_CALL, server_ep, atoll_msginfo(0, 2, 0), 3000, 9, 0);
    TEST_EQ("abort.server_serves_next_client", r.mr[0], 10);
    if (root_sc) {
        uint64_t used = consumed(root_sc);
        test_result("abort.server_passive_again", used >= 2500,
                    "expected at least 2500 us on the next caller's SC, got %lu", used);
    }
    TEST_EQ("abort.invariants_hold", check_invariants(), ATOLL_OK);

    /* The abort signal comes first: the next Call ends at once. */
    report.error = report.value = UINT64_MAX;
    notify(abort_cap);
    uint64_t t2 = make(ATOLL_OBJECT_TCB, 0);
    atoll_invoke(tcb, ATOLL_TCB_UNBIND_NOTIFICATION, NULL, 0, NULL, 0);
    TEST_EQ("abort.rebind_notification_ok",
            atoll_invoke(t2, ATOLL_TCB_BIND_NOTIFICATION, NULL, 0, &n, 1).code, ATOLL_OK);
    atoll_invoke(t2, ATOLL_TCB_SET_ABORT_MASK, &mask, 1, NULL, 0);
    atoll_thread_start(t2, new_sc(0, 2000, 20000, 0), ROOT, ATOLL_SLOT_ROOT_VSPACE,
                       ATOLL_SLOT_ROOT_TCB, PRIO_HIGH, aborting_client, 0,
                       stacks[stack_next++ % THREADS] + STACK);
    wait_for(report_done);
    TEST_EQ("abort.pending_abort_ends_call_at_once", report.error, ATOLL_ERR_IPC_ABORTED);
    TEST_EQ("abort.pending_abort_reports_bits", report.value, ABORT_BADGE);
    TEST_EQ("abort.pending_abort_consumed", sys(ATOLL_SYS_POLL, n, 0, 0, 0, 0).badge, 0);
}

/* Answers at once with word 0 + 1. */
static void quick_server(uint64_t unused)
{
    (void)unused;
    uint64_t ep = server_ep, reply = server_reply;
    struct atoll_syscall_result r = sys(ATOLL_SYS_RECV, ep, 0, 0, 0, reply);
    for (;;)
        r = sys(ATOLL_SYS_REPLY_RECV, ep, atoll_msginfo(0, 1, 0), r.mr[0] + 1, 0, reply);
}

/* Calls the quick server in a loop, counting the answers in counters[7]. */
static void counting_client(uint64_t ep)
{
    for (;;)
        counters[7] = sys(ATOLL_SYS_CALL, ep, atoll_msginfo(0, 1, 0), counters[7], 0, 0).mr[0];
}

static uint64_t fast_calls(void)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    return atoll_syscall(ATOLL_SYS_DEBUG_FASTPATH_COUNT, 0, 0, mr).mr[0];
}

/* Round trips to a passive server on the IPC fast path, from a client with
 * a small budget: the fast path keeps the time on the client's SC and the
 * budget still stops the client (without it, the client would take all
 * the time init sleeps). */
static void test_fast_path_budget(void)
{
    server_ep = make(ATOLL_OBJECT_ENDPOINT, 0);
    server_reply = make(ATOLL_OBJECT_REPLY, 0);
    uint64_t own = new_sc(0, 10000, 10000, 0);
    start(quick_server, 0, PRIO_SERVER, own);
    unbind(own);
    uint64_t used = 0, calls = 0, fast = 0;
    unsigned attempt;
    for (attempt = 1; attempt <= ATTEMPTS; attempt++) {
        uint64_t sc = new_sc(0, 1000, 10000, 0);
        counters[7] = 0;
        uint64_t fast0 = fast_calls();
        uint64_t client_tcb = start(counting_client, server_ep, PRIO_HIGH, sc);
        consumed(sc);
        sleep_periods(20); /* about 100 ms: 10 refills of 1 ms */
        used = consumed(sc);
        stop(client_tcb);
        calls = counters[7];
        fast = fast_calls() - fast0;
        printf("init: mcs: fast-path client: %lu us in 20 alarm periods, %lu calls (%lu fast), "
               "attempt %u\n",
               used, calls, fast, attempt);
        if (used >= 2000 && used <= 25000)
            break;
    }
    test_result("mcs.fast_path_client_held_to_its_budget", attempt <= ATTEMPTS,
                "expected about 10000 us for 1 ms per 10 ms over 100 ms, got %lu", used);
    test_result("mcs.fast_path_client_made_fast_calls", calls >= 100 && fast >= calls / 2,
                "expected at least 100 calls, most on the fast path, got %lu (%lu fast)", calls,
                fast);
}

/* The budget of a donated SC runs out in a server with a timeout
 * endpoint: a timeout fault. */
static void test_timeout_fault(void)
{
    uint64_t tep = make(ATOLL_OBJECT_ENDPOINT, 0);
    uint64_t treply = make(ATOLL_OBJECT_REPLY, 0);
    server_ep = make(ATOLL_OBJECT_ENDPOINT, 0);
    server_reply = make(ATOLL_OBJECT_REPLY, 0);
    uint64_t own = new_sc(0, 10000, 10000, 0);
    uint64_t server = start(work_server, 0, PRIO_SERVER, own);
    unbind(own);
    atoll_invoke(server, ATOLL_TCB_SET_TIMEOUT_ENDPOINT, NULL, 0, &tep, 1);

    client_ep = server_ep;
    client_work_us = SPIN_FOREVER;
    client_pre_spin_us = 0;
    uint64_t t0 = rdtsc();
    uint64_t client_tcb = start(client, 0, PRIO_HIGH, new_sc(0, 2000, 50000, 0x5c));
    /* The client runs when init waits: its Call donates, the server spins
     * through the budget and faults. */
    struct atoll_syscall_result r = sys(ATOLL_SYS_RECV, tep, 0, 0, 0, treply);
    TEST_EQ("mcs.timeout_fault_label", atoll_msginfo_label(r.info), ATOLL_FAULT_TIMEOUT);
    TEST_EQ("mcs.timeout_fault_carries_context_badge", r.mr[0], 0x5c);
    test_result("mcs.timeout_fault_reports_consumed_time", r.mr[1] >= 1500 && r.mr[1] < 1000000,
                "expected about 2000 us, got %lu", r.mr[1]);
    /* Answering resumes the server, which faults again once the next
     * refill (one period after the client started) is used up. */
    sys(ATOLL_SYS_SEND, treply, atoll_msginfo(0, 0, 0), 0, 0, 0);
    r = sys(ATOLL_SYS_RECV, tep, 0, 0, 0, treply);
    uint64_t us = elapsed_us(t0);
    TEST_EQ("mcs.timeout_fault_again_after_reply", atoll_msginfo_label(r.info),
            ATOLL_FAULT_TIMEOUT);
    test_result("mcs.timeout_fault_again_only_after_refill", us >= 45000,
                "expected about 52000 us after the client started, got %lu", us);
    stop(server);
    stop(client_tcb);
}

static void echo_server(uint64_t ep)
{
    uint64_t reply = server_reply;
    struct atoll_syscall_result r = sys(ATOLL_SYS_RECV, ep, 0, 0, 0, reply);
    for (;;)
        r = sys(ATOLL_SYS_REPLY_RECV, ep, atoll_msginfo(0, 1, 0), r.mr[1] + 1, 0, reply);
}

static void test_threshold(void)
{
    uint64_t ep = make(ATOLL_OBJECT_ENDPOINT, 0);
    server_reply = make(ATOLL_OBJECT_REPLY, 0);
    uint64_t n = make(ATOLL_OBJECT_NOTIFICATION, 0);
    uint64_t write_only = slot();
    atoll_cnode_copy_op(ATOLL_CNODE_COPY, ROOT, write_only, DEPTH, ROOT, ep, DEPTH,
                        ATOLL_RIGHT_WRITE, 0);
    uint64_t threshold = 5000;
    struct atoll_error_detail e = atoll_invoke(
        ATOLL_SLOT_SCHED_CONTROL, ATOLL_SCHED_CONTROL_SET_ENDPOINT_THRESHOLD, &threshold, 1, &n, 1);
    TEST_EQ("mcs.threshold_on_notification_is_invalid_capability", e.code,
            ATOLL_ERR_INVALID_CAPABILITY);
    e = atoll_invoke(ATOLL_SLOT_SCHED_CONTROL, ATOLL_SCHED_CONTROL_SET_ENDPOINT_THRESHOLD,
                     &threshold, 1, &write_only, 1);
    TEST_EQ("mcs.threshold_without_read_right_is_invalid_capability", e.code,
            ATOLL_ERR_INVALID_CAPABILITY);
    uint64_t huge = ATOLL_SCHED_MAX_PERIOD_US + 1;
    e = atoll_invoke(ATOLL_SLOT_SCHED_CONTROL, ATOLL_SCHED_CONTROL_SET_ENDPOINT_THRESHOLD, &huge, 1,
                     &ep, 1);
    TEST_EQ("mcs.threshold_too_long_is_range_error", e.code, ATOLL_ERR_RANGE_ERROR);
    e = atoll_invoke(ATOLL_SLOT_SCHED_CONTROL, ATOLL_SCHED_CONTROL_SET_ENDPOINT_THRESHOLD,
                     &threshold, 1, &ep, 1);
    TEST_EQ("mcs.threshold_set_ok", e.code, ATOLL_OK);
    start(echo_server, ep, PRIO_SERVER, new_sc(0, 10000, 10000, 0));

    /* A whole budget below the threshold is never enough. */
    run_client(write_only, 0, 0, new_sc(0, 1000, 20000, 0));
    TEST_EQ("mcs.threshold_above_whole_budget_is_refused", report.error,
            ATOLL_SCHED_THRESHOLD_ERROR);
    test_result("mcs.threshold_error_reports_budget", report.value >= 990 && report.value <= 1000,
                "expected 1000 us (to the clock's precision), got %lu", report.value);

    /* 2 ms left of 10: NBSend fails, Call waits for the refill (at 98 ms
     * from the client's start). A stall of the emulator during the 8 ms
     * can use up the budget early, and the refill then comes first. */
    uint64_t since = 0;
    for (unsigned attempt = 1; attempt <= ATTEMPTS; attempt++) {
        uint64_t t0 = rdtsc();
        run_client(write_only, 0, 8000, new_sc(0, 10000, 100000, 0));
        since = (report.returned_at - t0) * 1000 / tsc_per_ms;
        if (report.first_error == ATOLL_SCHED_THRESHOLD_ERROR)
            break;
        printf("init: mcs: threshold client was not below the threshold after %lu us, attempt %u\n",
               report.spin_elapsed, attempt);
    }
    TEST_EQ("mcs.threshold_nbsend_below_threshold_fails", report.first_error,
            ATOLL_SCHED_THRESHOLD_ERROR);
    TEST_EQ("mcs.threshold_call_enters_after_refill", report.value, 8);
    test_result("mcs.threshold_call_is_delayed_until_refill", since >= 90000,
                "expected at least 98000 us from the client's start, got %lu", since);

    /* Enough budget: straight in. */
    for (unsigned attempt = 1; attempt <= ATTEMPTS; attempt++) {
        run_client(write_only, 0, 0, new_sc(0, 10000, 100000, 0));
        if (report.elapsed < 30000)
            break;
        printf("init: mcs: threshold client took %lu us, attempt %u\n", report.elapsed, attempt);
    }
    TEST_EQ("mcs.threshold_met_enters", report.value, 8);
    test_result("mcs.threshold_met_enters_at_once", report.elapsed < 30000,
                "expected well under 30000 us, got %lu", report.elapsed);

    /* Round robin below the threshold: a fresh timeslice, then in. */
    run_client(write_only, 0, 0, new_sc(0, 20000, 20000, 0));
    TEST_EQ("mcs.threshold_round_robin_client_enters", report.value, 8);
}

/* Unbinding or deleting the SC of a running thread stops it; on another
 * core if there is one, so that the thread really is running. */
static void test_unbind_and_delete(void)
{
    uint64_t core = cpus > 1 ? 1 : 0;
    counters[6] = 0;
    uint64_t sc = new_sc(core, 2000, 2000, 0);
    uint64_t t = start(spinner, 6, PRIO_HIGH, sc);
    /* Another core's emulator thread may take a while to wake up when
     * the host is busy: wait for a change (or its absence) a few times;
     * a spinner that runs counts millions in a period. */
    int moves = 0;
    for (int i = 0; i < 10 && !moves; i++)
        moves = counter_moves(6, 2);
    test_result("mcs.spinner_runs", moves, "counter stayed at %lu", counters[6]);
    TEST_EQ("mcs.unbind_running_thread_ok", unbind(sc).code, ATOLL_OK);
    for (int i = 0; i < 10 && moves; i++)
        moves = counter_moves(6, 2);
    test_result("mcs.unbound_thread_stops", !moves, "counter still moving: %lu", counters[6]);
    TEST_EQ("mcs.rebind_ok", bind(sc, t).code, ATOLL_OK);
    for (int i = 0; i < 10 && !moves; i++)
        moves = counter_moves(6, 2);
    test_result("mcs.rebound_thread_runs_again", moves, "counter stayed at %lu", counters[6]);
    TEST_EQ("mcs.delete_context_of_running_thread_ok",
            atoll_cnode_slot_op(ATOLL_CNODE_DELETE, ROOT, sc, DEPTH).code, ATOLL_OK);
    for (int i = 0; i < 10 && moves; i++)
        moves = counter_moves(6, 2);
    test_result("mcs.thread_stops_when_its_context_is_deleted", !moves, "counter still moving: %lu",
                counters[6]);
    stop(t);
}

void tests_mcs(const struct atoll_bootinfo *bi)
{
    next_slot = bi->empty_first + 2048;
    cpus = bi->cpus;
    root_sc = cpus < ATOLL_SLOT_SCHED_CONTROL_END - ATOLL_SLOT_SCHED_CONTROL
                  ? ATOLL_SLOT_ROOT_SCHED_CONTEXT(cpus)
                  : 0;
    /* A child untyped of our own, from the first untyped with room left
     * (earlier groups took theirs from the first ones). */
    untyped = slot();
    uint64_t code = atoll_untyped_carve(bi, UT_BITS, untyped);
    TEST_EQ("mcs.setup_untyped", code, ATOLL_OK);
    test_configure_errors();
    test_bind_errors();
    calibrate();

    /* Init above the threads it measures; the alarm above everything. */
    set_own_priority(PRIO_INIT);
    alarm_request = badged_notification();
    alarm_done = badged_notification();
    report_done = badged_notification();
    start(alarm_thread, 0, PRIO_ALARM, new_sc(0, ALARM_BUDGET_US, ALARM_PERIOD_US, 0));

    test_sleep();
    test_passive_threads();
    test_budget_share();
    test_round_robin();
    test_passive_server();
    test_abort_donated_call();
    test_fast_path_budget();
    test_timeout_fault();
    TEST_EQ("mcs.invariants_hold_with_servers_waiting", check_invariants(), ATOLL_OK);
    test_threshold();
    test_unbind_and_delete();

    set_own_priority(PRIO_INIT_OLD);
    /* Revoking the untyped destroys every thread, SC and object made here. */
    TEST_EQ("mcs.revoke_destroys_threads_and_contexts",
            atoll_cnode_slot_op(ATOLL_CNODE_REVOKE, ROOT, untyped, DEPTH).code, ATOLL_OK);
    TEST_EQ("mcs.invariants_hold_after_revoke", check_invariants(), ATOLL_OK);
    yield();
}
