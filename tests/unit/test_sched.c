/* Unit tests for the portable scheduling core: kernel/sched/refill.c (MCS
 * sporadic-server budgets) and kernel/sched/runqueue.c (ready and release
 * queues). Every SchedContext lives in an exactly-sized heap object, so
 * AddressSanitizer reports any refill access past its end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/sched/refill.h"
#include "kernel/sched/runqueue.h"
#include "tests/unit/check.h"

/* Test parameters, in ticks. */
#define MIN_BUDGET 10
#define BUDGET     100
#define PERIOD     1000

/* ---- SchedContext objects ------------------------------------------- */

#define MAX_OBJECTS 8
static void *objects[MAX_OBJECTS];
static unsigned object_count;

/* A fresh, unconfigured SC in a 2^bits-byte object filled with garbage. */
static struct refill_sc *sc_new(unsigned bits)
{
    if (object_count == MAX_OBJECTS)
        abort();
    size_t size = (size_t)1 << bits;
    void *mem = aligned_alloc(64, size);
    if (mem == NULL)
        abort();
    memset(mem, 0xa5, size);
    objects[object_count++] = mem;
    struct refill_sc *sc = refill_sc_of_object(mem);
    refill_sc_init(sc, bits);
    return sc;
}

static void objects_free(void)
{
    for (unsigned i = 0; i < object_count; i++)
        free(objects[i]);
    object_count = 0;
}

static struct refill_sc *sc_configured(uint64_t budget, uint64_t period, uint64_t extra,
                                       uint64_t now)
{
    struct refill_sc *sc = sc_new(8);
    if (refill_configure_check(8, budget, period, extra, MIN_BUDGET) != REFILL_CONFIG_OK)
        abort();
    refill_configure(sc, budget, period, extra, MIN_BUDGET, now);
    return sc;
}

/* The n-th refill from the head. */
static struct refill nth(const struct refill_sc *sc, uint32_t n)
{
    return sc->refills[(sc->head + n) % sc->limit];
}

#define CHECK_INVARIANTS(sc)                                                                       \
    do {                                                                                           \
        const char *broken_ = refill_check_invariants(sc);                                         \
        CHECK_STR("refill invariants", "hold", broken_ ? broken_ : "hold");                        \
    } while (0)

#define CHECK_REFILL(sc, n, expected_release, expected_amount)                                     \
    do {                                                                                           \
        CHECK_U("refill " #n " release", (expected_release), nth((sc), (n)).release);              \
        CHECK_U("refill " #n " amount", (expected_amount), nth((sc), (n)).amount);                 \
    } while (0)

/* ---- Layout and configuration -------------------------------------- */

static void max_refills_fill_the_object(void)
{
    CHECK_U("size bits 7", 0, refill_max_for_size_bits(7));
    CHECK_U("size bits 13", 0, refill_max_for_size_bits(13));
    uint32_t previous = 0;
    for (unsigned bits = REFILL_SC_MIN_SIZE_BITS; bits <= REFILL_SC_MAX_SIZE_BITS; bits++) {
        uint64_t max = refill_max_for_size_bits(bits);
        uint64_t used =
            REFILL_SC_KERNEL_BYTES + sizeof(struct refill_sc) + max * sizeof(struct refill);
        CHECK_TRUE("refills fit in the object", used <= (UINT64_C(1) << bits));
        CHECK_TRUE("no room for one more refill",
                   used + sizeof(struct refill) > (UINT64_C(1) << bits));
        CHECK_TRUE("more refills in a bigger object", max > previous);
        CHECK_TRUE("room for the minimum refills", max >= REFILL_MIN_REFILLS);
        previous = (uint32_t)max;
    }
    /* 256 - 96 - 40 bytes = 7 refills; 4096 - 136 = 247. */
    CHECK_U("refills in 2^8 bytes", 7, refill_max_for_size_bits(8));
    CHECK_U("refills in 2^12 bytes", 247, refill_max_for_size_bits(12));
}

static void config_rejects_zero_budget(void)
{
    CHECK_I("budget 0", REFILL_CONFIG_BUDGET_ZERO,
            refill_configure_check(8, 0, PERIOD, 0, MIN_BUDGET));
}

static void config_rejects_budget_above_period(void)
{
    CHECK_I("budget > period", REFILL_CONFIG_BUDGET_ABOVE_PERIOD,
            refill_configure_check(8, PERIOD + 1, PERIOD, 0, MIN_BUDGET));
}

static void config_rejects_budget_below_minimum(void)
{
    CHECK_I("budget < MIN_BUDGET", REFILL_CONFIG_BUDGET_BELOW_MIN,
            refill_configure_check(8, MIN_BUDGET - 1, PERIOD, 0, MIN_BUDGET));
    CHECK_I("budget == MIN_BUDGET", REFILL_CONFIG_OK,
            refill_configure_check(8, MIN_BUDGET, PERIOD, 0, MIN_BUDGET));
}

static void config_rejects_too_many_refills(void)
{
    for (unsigned bits = REFILL_SC_MIN_SIZE_BITS; bits <= REFILL_SC_MAX_SIZE_BITS; bits++) {
        uint64_t most = refill_max_for_size_bits(bits) - REFILL_MIN_REFILLS;
        CHECK_I("largest extra", REFILL_CONFIG_OK,
                refill_configure_check(bits, BUDGET, PERIOD, most, MIN_BUDGET));
        CHECK_I("one extra too many", REFILL_CONFIG_TOO_MANY_REFILLS,
                refill_configure_check(bits, BUDGET, PERIOD, most + 1, MIN_BUDGET));
    }
    CHECK_I("extra 2^64-1", REFILL_CONFIG_TOO_MANY_REFILLS,
            refill_configure_check(12, BUDGET, PERIOD, UINT64_MAX, MIN_BUDGET));
}

static void config_rejects_period_too_long(void)
{
    CHECK_I("period == max", REFILL_CONFIG_OK,
            refill_configure_check(8, BUDGET, REFILL_MAX_PERIOD, 0, MIN_BUDGET));
    CHECK_I("period > max", REFILL_CONFIG_PERIOD_TOO_LONG,
            refill_configure_check(8, BUDGET, REFILL_MAX_PERIOD + 1, 0, MIN_BUDGET));
    CHECK_I("budget and period 2^64-1", REFILL_CONFIG_PERIOD_TOO_LONG,
            refill_configure_check(8, UINT64_MAX, UINT64_MAX, 0, MIN_BUDGET));
}

static void config_rejects_bad_size_and_min_budget(void)
{
    CHECK_I("size bits 7", REFILL_CONFIG_BAD_SIZE_BITS,
            refill_configure_check(7, BUDGET, PERIOD, 0, MIN_BUDGET));
    CHECK_I("size bits 13", REFILL_CONFIG_BAD_SIZE_BITS,
            refill_configure_check(13, BUDGET, PERIOD, 0, MIN_BUDGET));
    CHECK_I("MIN_BUDGET 0", REFILL_CONFIG_BAD_MIN_BUDGET,
            refill_configure_check(8, BUDGET, PERIOD, 0, 0));
}

static void configure_gives_full_budget_from_now(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 3, 5000);
    CHECK_INVARIANTS(sc);
    CHECK_U("count", 1, sc->count);
    CHECK_U("limit = 2 + extra", 5, sc->limit);
    CHECK_REFILL(sc, 0, 5000, BUDGET);
    CHECK_TRUE("not ready before now", !refill_ready(sc, 4999));
    CHECK_TRUE("ready at now", refill_ready(sc, 5000));
    CHECK_U("capacity", BUDGET, refill_capacity(sc, 0));
    CHECK_U("capacity after 40", BUDGET - 40, refill_capacity(sc, 40));
    CHECK_U("capacity after too much", 0, refill_capacity(sc, BUDGET + 1));
    CHECK_TRUE("sufficient with MIN_BUDGET left", refill_sufficient(sc, BUDGET - MIN_BUDGET));
    CHECK_TRUE("insufficient below MIN_BUDGET", !refill_sufficient(sc, BUDGET - MIN_BUDGET + 1));
}

static void unconfigured_sc_never_runs(void)
{
    struct refill_sc *sc = sc_new(8);
    CHECK_INVARIANTS(sc);
    CHECK_TRUE("not active", !refill_active(sc));
    CHECK_TRUE("not ready", !refill_ready(sc, UINT64_MAX));
    CHECK_U("nothing available", 0, refill_available_now(sc, 0));
    CHECK_I("threshold never met", REFILL_THRESHOLD_NEVER, refill_threshold_check(sc, 0, 1));
    CHECK_TRUE("charging reports exhaustion", refill_budget_check(sc, 5));
    CHECK_TRUE("unblock: not ready", !refill_unblock_check(sc, 100));
    CHECK_TRUE("cannot postpone", !refill_postpone_for(sc, 1));
    CHECK_INVARIANTS(sc);
}

/* ---- Round robin ----------------------------------------------------- */

static void round_robin_has_two_refills_and_is_ready(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, BUDGET, 0, 10);
    CHECK_INVARIANTS(sc);
    CHECK_TRUE("round robin", refill_is_round_robin(sc));
    CHECK_U("count", REFILL_MIN_REFILLS, sc->count);
    CHECK_REFILL(sc, 0, 10, BUDGET);
    CHECK_REFILL(sc, 1, 10, 0);
    CHECK_TRUE("ready", refill_ready(sc, 10));
}

static void round_robin_partial_charge_keeps_timeslice(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, BUDGET, 0, 0);
    CHECK_TRUE("30 ticks: not exhausted", !refill_budget_check(sc, 30));
    CHECK_INVARIANTS(sc);
    CHECK_REFILL(sc, 0, 0, 70);
    CHECK_REFILL(sc, 1, 0, 30);
    CHECK_TRUE("60 more: not exhausted", !refill_budget_check(sc, 60));
    CHECK_REFILL(sc, 0, 0, 10);
    CHECK_TRUE("still ready", refill_ready(sc, 1000));
}

static void round_robin_exhaustion_gives_budget_back(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, BUDGET, 0, 0);
    refill_budget_check(sc, 85);
    /* 15 left; charging 6 would leave 9 < MIN_BUDGET: timeslice over. */
    CHECK_TRUE("exhausted", refill_budget_check(sc, 6));
    CHECK_INVARIANTS(sc);
    CHECK_REFILL(sc, 0, 0, BUDGET);
    CHECK_REFILL(sc, 1, 0, 0);
    CHECK_TRUE("ready at once", refill_ready(sc, 0));
    CHECK_TRUE("overrun is exhaustion too", refill_budget_check(sc, 5 * BUDGET));
    CHECK_REFILL(sc, 0, 0, BUDGET);
}

static void round_robin_ignores_unblock(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, BUDGET, 0, 0);
    refill_budget_check(sc, 40);
    CHECK_TRUE("ready after unblock", refill_unblock_check(sc, 123456));
    CHECK_REFILL(sc, 0, 0, 60);
    CHECK_REFILL(sc, 1, 0, 40);
}

static void round_robin_yield_ends_timeslice(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, BUDGET, 2, 0);
    refill_budget_check(sc, 25);
    CHECK_TRUE("yield: charging the capacity exhausts",
               refill_budget_check(sc, refill_capacity(sc, 0)));
    CHECK_REFILL(sc, 0, 0, BUDGET);
    CHECK_INVARIANTS(sc);
}

/* ---- Sporadic budgets ------------------------------------------------ */

static void exhausted_budget_comes_back_one_period_later(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 3, 0);
    CHECK_TRUE("exhausted", refill_budget_check(sc, BUDGET));
    CHECK_INVARIANTS(sc);
    CHECK_U("count", 1, sc->count);
    CHECK_REFILL(sc, 0, PERIOD, BUDGET);
    CHECK_TRUE("not ready a tick early", !refill_ready(sc, PERIOD - 1));
    CHECK_TRUE("ready one period later", refill_ready(sc, PERIOD));
    CHECK_U("head release for the release queue", PERIOD, refill_head_release(sc));
}

static void partial_charge_splits_the_head(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 3, 0);
    CHECK_TRUE("not exhausted", !refill_budget_check(sc, 30));
    CHECK_INVARIANTS(sc);
    CHECK_U("count", 2, sc->count);
    CHECK_REFILL(sc, 0, 30, 70);
    CHECK_REFILL(sc, 1, PERIOD, 30);
    CHECK_TRUE("still ready", refill_ready(sc, 30));
}

static void consecutive_charges_merge_into_one_refill(void)
{
    /* Two kernel entries in one run: the second used part starts where the
     * first ended a period later, so they merge (seL4 schedule_used). */
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 3, 0);
    refill_budget_check(sc, 30);
    refill_budget_check(sc, 20);
    CHECK_INVARIANTS(sc);
    CHECK_U("count", 2, sc->count);
    CHECK_REFILL(sc, 0, 50, 50);
    CHECK_REFILL(sc, 1, PERIOD, 50);
}

static void full_ring_delays_the_tail(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 0, 0); /* two slots */
    refill_budget_check(sc, 30);                                /* [(30,70) (1000,30)] */
    refill_unblock_check(sc, 100);                              /* head to 100 */
    CHECK_REFILL(sc, 0, 100, 70);
    refill_budget_check(sc, 20); /* used (1100,20): no slot, the tail moves */
    CHECK_INVARIANTS(sc);
    CHECK_U("count", 2, sc->count);
    CHECK_REFILL(sc, 0, 120, 50);
    /* The merged tail ends where the new used part would have: 1120. */
    CHECK_REFILL(sc, 1, 1070, 50);
    CHECK_TRUE("strict window", refill_check_window_strict(sc) == NULL);
}

static void ring_wraps_around(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 1, 0); /* three slots */
    uint64_t now = 0;
    /* Run 20, sleep 100, many times: the ring fills, wraps and merges. */
    for (int i = 0; i < 50; i++) {
        if (!refill_unblock_check(sc, now))
            now = refill_head_release(sc);
        refill_unblock_check(sc, now);
        refill_budget_check(sc, 20);
        now += 120;
        CHECK_INVARIANTS(sc);
        CHECK_TRUE("strict window", refill_check_window_strict(sc) == NULL);
    }
    CHECK_TRUE("ring used all slots", sc->count <= 3);
}

static void short_remnant_merges_into_next_refill(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 3, 0);
    /* 95 used leaves 5 < MIN_BUDGET: exhausted, and the 5 join the used
     * 95, ending where that would: one refill (995, 100). */
    CHECK_TRUE("exhausted", refill_budget_check(sc, 95));
    CHECK_INVARIANTS(sc);
    CHECK_U("count", 1, sc->count);
    CHECK_REFILL(sc, 0, PERIOD - 5, BUDGET);
    CHECK_TRUE("not ready now", !refill_ready(sc, 95));
}

static void overrun_is_charged_to_later_refills(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 3, 0);
    refill_budget_check(sc, 30); /* [(30,70) (1000,30)] */
    /* 80 more: the 70 head refill goes to (1030,70) and merges with
     * (1000,30); the remaining 10 split that: (1010,90) (2000,10). */
    CHECK_TRUE("exhausted", refill_budget_check(sc, 80));
    CHECK_INVARIANTS(sc);
    CHECK_U("count", 2, sc->count);
    CHECK_REFILL(sc, 0, 1010, 90);
    CHECK_REFILL(sc, 1, 2000, 10);
}

static void huge_usage_is_charged_in_one_step(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 5, 0);
    refill_budget_check(sc, 30);
    refill_budget_check(sc, 20);
    /* 2^40 ticks of usage would take 2^33 rounds of the seL4 loop. */
    uint64_t usage = UINT64_C(1) << 40;
    CHECK_TRUE("exhausted", refill_budget_check(sc, usage));
    CHECK_INVARIANTS(sc);
    /* [(50,50) (1000,50)]; usage = 10995116277 budgets + 76: everything
     * moves 10995116277 periods on, then the 50 of the head are charged
     * (and merge with the next refill, which they now touch) and 26 of the
     * merged 100. */
    uint64_t rounds = usage / BUDGET;
    CHECK_U("head moved by whole periods", rounds * PERIOD + PERIOD + 26, nth(sc, 0).release);
    CHECK_U("head amount", 74, nth(sc, 0).amount);
    CHECK_U("used 26 a period later", rounds * PERIOD + 2 * PERIOD, nth(sc, 1).release);
}

static void unblock_moves_released_head_to_now(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 3, 0);
    CHECK_TRUE("ready", refill_unblock_check(sc, 500));
    CHECK_INVARIANTS(sc);
    CHECK_REFILL(sc, 0, 500, BUDGET);
}

static void unblock_merges_overlapping_refills(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 3, 0);
    refill_budget_check(sc, 30); /* [(30,70) (1000,30)] */
    /* At 950 the head would run until 1020, past the next release. */
    CHECK_TRUE("ready", refill_unblock_check(sc, 950));
    CHECK_INVARIANTS(sc);
    CHECK_U("count", 1, sc->count);
    CHECK_REFILL(sc, 0, 950, BUDGET);
}

static void unblock_keeps_disjoint_refills(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 3, 0);
    refill_budget_check(sc, 30);
    CHECK_TRUE("ready", refill_unblock_check(sc, 100));
    CHECK_INVARIANTS(sc);
    CHECK_U("count", 2, sc->count);
    CHECK_REFILL(sc, 0, 100, 70);
    CHECK_REFILL(sc, 1, PERIOD, 30);
}

static void unblock_before_release_changes_nothing(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 3, 0);
    refill_budget_check(sc, BUDGET); /* (1000,100) */
    CHECK_TRUE("not ready", !refill_unblock_check(sc, 500));
    CHECK_REFILL(sc, 0, PERIOD, BUDGET);
    CHECK_TRUE("ready at release", refill_unblock_check(sc, PERIOD));
}

static void long_idle_merges_every_refill(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 5, 0);
    uint64_t now = 0;
    for (int i = 0; i < 6; i++) { /* six 10-tick bursts 50 apart */
        refill_unblock_check(sc, now);
        refill_budget_check(sc, 10);
        now += 50;
    }
    CHECK_TRUE("several refills", sc->count > 3);
    CHECK_TRUE("ready after a long idle", refill_unblock_check(sc, UINT64_C(1) << 40));
    CHECK_INVARIANTS(sc);
    CHECK_U("count", 1, sc->count);
    CHECK_REFILL(sc, 0, UINT64_C(1) << 40, BUDGET);
}

/* A greedy thread that runs in random slices and sometimes blocks: the
 * time it consumes in any window of one period stays within its budget
 * (Stanovich et al.; the purpose of the whole algorithm). */
static void consumption_in_any_period_window_within_budget(void)
{
    enum { SLICES = 4000 };
    static uint64_t start[SLICES], length[SLICES];
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 4, 0);
    uint64_t now = 0, seed = 12345;
    unsigned n = 0;
    while (n < SLICES) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        unsigned r = (unsigned)(seed >> 33);
        if (!refill_ready(sc, now)) {
            now = refill_head_release(sc); /* from the release queue */
            continue;
        }
        if (r % 4 == 0) { /* block, then wake */
            now += r % 700;
            refill_unblock_check(sc, now);
            continue;
        }
        uint64_t slice = 1 + r % refill_capacity(sc, 0);
        start[n] = now;
        length[n++] = slice;
        now += slice;
        refill_budget_check(sc, slice);
        if (refill_check_invariants(sc))
            break;
    }
    CHECK_INVARIANTS(sc);
    uint64_t worst = 0;
    for (unsigned i = 0, j = 0; i < n; i++) {
        uint64_t used = 0;
        for (j = i; j < n && start[j] < start[i] + PERIOD; j++)
            used += start[j] + length[j] <= start[i] + PERIOD ? length[j]
                                                              : start[i] + PERIOD - start[j];
        if (used > worst)
            worst = used;
    }
    CHECK_TRUE("the thread used its budget in some window", worst > BUDGET / 2);
    if (worst > BUDGET)
        CHECK_U("most used in a window of one period", BUDGET, worst);
}

/* ---- Reconfiguration ------------------------------------------------- */

static void update_trims_head_to_new_budget(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 3, 0);
    refill_update(sc, 40, 500, 1, MIN_BUDGET, 200);
    CHECK_INVARIANTS(sc);
    CHECK_U("count", 1, sc->count);
    CHECK_U("limit", 3, sc->limit);
    CHECK_REFILL(sc, 0, 200, 40);
}

static void update_gives_the_rest_one_new_period_later(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 3, 0);
    refill_budget_check(sc, 60); /* [(60,40) (1000,60)] */
    refill_update(sc, 200, 2000, 3, MIN_BUDGET, 100);
    CHECK_INVARIANTS(sc);
    CHECK_U("count", 2, sc->count);
    CHECK_REFILL(sc, 0, 100, 40);
    CHECK_REFILL(sc, 1, 2100, 160);
}

static void update_switches_between_round_robin_and_sporadic(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 3, 0);
    refill_budget_check(sc, 30);
    refill_update(sc, 50, 50, 0, MIN_BUDGET, 40);
    CHECK_INVARIANTS(sc);
    CHECK_TRUE("round robin", refill_is_round_robin(sc));
    CHECK_REFILL(sc, 0, 40, 50);
    CHECK_REFILL(sc, 1, 40, 0);
    refill_budget_check(sc, 20);
    refill_update(sc, 100, 1000, 0, MIN_BUDGET, 60);
    CHECK_INVARIANTS(sc);
    CHECK_TRUE("sporadic", !refill_is_round_robin(sc));
    CHECK_REFILL(sc, 0, 60, 30);
    CHECK_REFILL(sc, 1, 1060, 70);
}

static void update_of_unconfigured_configures(void)
{
    struct refill_sc *sc = sc_new(9);
    refill_update(sc, BUDGET, PERIOD, 2, MIN_BUDGET, 77);
    CHECK_INVARIANTS(sc);
    CHECK_TRUE("active", refill_active(sc));
    CHECK_REFILL(sc, 0, 77, BUDGET);
}

/* ---- Budget threshold ------------------------------------------------ */

static void threshold_met_with_enough_budget(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 3, 0);
    refill_budget_check(sc, 30);
    CHECK_U("available", 70, refill_available_now(sc, 30));
    CHECK_I("threshold 70", REFILL_THRESHOLD_MET, refill_threshold_check(sc, 30, 70));
    CHECK_I("threshold 0", REFILL_THRESHOLD_MET, refill_threshold_check(sc, 30, 0));
}

static void threshold_wait_postpones_until_enough(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 3, 0);
    refill_budget_check(sc, 30); /* [(30,70) (1000,30)] */
    CHECK_I("threshold 80", REFILL_THRESHOLD_WAIT, refill_threshold_check(sc, 30, 80));
    CHECK_TRUE("postponed", refill_postpone_for(sc, 80));
    CHECK_INVARIANTS(sc);
    /* The merged refill ends where the later one did: (930, 100). */
    CHECK_U("count", 1, sc->count);
    CHECK_REFILL(sc, 0, 930, BUDGET);
    CHECK_TRUE("waits", !refill_ready(sc, 929));
    CHECK_I("met at release", REFILL_THRESHOLD_MET, refill_threshold_check(sc, 930, 80));
}

static void threshold_never_above_budget(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 3, 0);
    CHECK_I("threshold > budget", REFILL_THRESHOLD_NEVER,
            refill_threshold_check(sc, 0, BUDGET + 1));
    CHECK_TRUE("postpone refused", !refill_postpone_for(sc, BUDGET + 1));
    CHECK_REFILL(sc, 0, 0, BUDGET);
}

static void available_counts_only_the_head(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 3, 0);
    refill_budget_check(sc, 30); /* [(30,70) (1000,30)] */
    /* Even once the 30 at 1000 are released, only the head is certain. */
    CHECK_U("available at 30", 70, refill_available_now(sc, 30));
    CHECK_U("available at 2000", 70, refill_available_now(sc, 2000));
    CHECK_I("threshold 80 at 2000", REFILL_THRESHOLD_WAIT, refill_threshold_check(sc, 2000, 80));
    /* Postponing a thread preempted that long: the merged (930,100) is
     * already released, so it may enter at once. */
    CHECK_TRUE("postponed", refill_postpone_for(sc, 80));
    CHECK_I("threshold 80 met", REFILL_THRESHOLD_MET, refill_threshold_check(sc, 2000, 80));
    CHECK_INVARIANTS(sc);
}

static void available_is_zero_before_release(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 3, 0);
    refill_budget_check(sc, BUDGET);
    CHECK_U("available", 0, refill_available_now(sc, PERIOD - 1));
    CHECK_I("wait", REFILL_THRESHOLD_WAIT, refill_threshold_check(sc, PERIOD - 1, 1));
    CHECK_U("available at release", BUDGET, refill_available_now(sc, PERIOD));
}

static void threshold_round_robin_waits_for_next_timeslice(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, BUDGET, 0, 0);
    refill_budget_check(sc, 70);
    CHECK_U("available", 30, refill_available_now(sc, 0));
    CHECK_I("threshold 50", REFILL_THRESHOLD_WAIT, refill_threshold_check(sc, 0, 50));
    CHECK_TRUE("postponed", refill_postpone_for(sc, 50));
    CHECK_INVARIANTS(sc);
    CHECK_U("fresh timeslice", BUDGET, refill_available_now(sc, 0));
}

/* ---- Time near 2^64 -------------------------------------------------- */

static void configure_at_end_of_time_is_clamped(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 3, UINT64_MAX);
    CHECK_INVARIANTS(sc);
    CHECK_REFILL(sc, 0, REFILL_TIME_LIMIT, BUDGET);
    CHECK_TRUE("ready at 2^64-1", refill_ready(sc, UINT64_MAX));
    CHECK_U("available", BUDGET, refill_available_now(sc, UINT64_MAX));
}

static void charging_stops_at_the_time_limit(void)
{
    uint64_t near = REFILL_TIME_LIMIT - 2 * PERIOD;
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 3, near);
    refill_budget_check(sc, 30);
    CHECK_INVARIANTS(sc);
    refill_budget_check(sc, UINT64_MAX);
    CHECK_INVARIANTS(sc);
    CHECK_TRUE("head at or past the limit", refill_head_release(sc) >= REFILL_TIME_LIMIT);
    /* From here on usage is dropped, never wrapped. */
    struct refill before = nth(sc, 0);
    refill_budget_check(sc, UINT64_MAX);
    CHECK_INVARIANTS(sc);
    CHECK_U("head unchanged", before.release, nth(sc, 0).release);
    CHECK_TRUE("unblock at 2^64-1",
               refill_unblock_check(sc, UINT64_MAX) || refill_head_release(sc) > REFILL_TIME_LIMIT);
    CHECK_INVARIANTS(sc);
}

static void unblock_and_update_at_end_of_time(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 3, 0);
    refill_budget_check(sc, 30);
    CHECK_TRUE("ready", refill_unblock_check(sc, UINT64_MAX));
    CHECK_INVARIANTS(sc);
    CHECK_REFILL(sc, 0, REFILL_TIME_LIMIT, BUDGET);
    for (int i = 0; i < 10; i++) {
        refill_update(sc, BUDGET * 2, REFILL_MAX_PERIOD, 3, MIN_BUDGET, UINT64_MAX);
        refill_budget_check(sc, REFILL_MAX_PERIOD);
        refill_postpone_for(sc, BUDGET * 2);
        CHECK_INVARIANTS(sc);
    }
}

/* ---- Invariant checker ------------------------------------------------ */

static void refill_invariants_detect_corruption(void)
{
    struct refill_sc *sc = sc_configured(BUDGET, PERIOD, 3, 0);
    refill_budget_check(sc, 30); /* [(30,70) (1000,30)] */
    sc->refills[(sc->head + 1) % sc->limit].amount = 31;
    CHECK_CONTAINS("sum", refill_check_invariants(sc), "add up");
    sc->refills[(sc->head + 1) % sc->limit].amount = 30;
    sc->refills[(sc->head + 1) % sc->limit].release = 99;
    CHECK_CONTAINS("overlap", refill_check_invariants(sc), "overlap");
    sc->refills[(sc->head + 1) % sc->limit].release = 1031;
    CHECK_CONTAINS("window", refill_check_invariants(sc), "period");
    sc->refills[(sc->head + 1) % sc->limit].release = 1000;
    CHECK_INVARIANTS(sc);
    sc->count = 0;
    CHECK_CONTAINS("count", refill_check_invariants(sc), "count");
}

/* ---- Ready queue ------------------------------------------------------ */

static struct runqueue rq;
static struct rq_node nodes[8];

static void rq_setup(void)
{
    rq_init(&rq);
    for (unsigned i = 0; i < 8; i++)
        rq_node_init(&nodes[i], 0);
}

#define CHECK_RQ()                                                                                 \
    do {                                                                                           \
        const char *broken_ = rq_check_invariants(&rq);                                            \
        CHECK_STR("run-queue invariants", "hold", broken_ ? broken_ : "hold");                     \
    } while (0)

#define CHECK_POP(expected) CHECK_I("popped node", (expected), rq_index(rq_pop_highest(&rq)))

static int rq_index(const struct rq_node *n)
{
    return n ? (int)(n - nodes) : -1;
}

static void rq_empty_queue_picks_nothing(void)
{
    rq_setup();
    CHECK_TRUE("empty", rq_empty(&rq));
    CHECK_TRUE("pick NULL", rq_pick_highest(&rq) == NULL);
    CHECK_TRUE("pop NULL", rq_pop_highest(&rq) == NULL);
    CHECK_TRUE("dequeue of unqueued is refused", !rq_dequeue(&rq, &nodes[0]));
    CHECK_RQ();
}

static void rq_fifo_within_a_priority(void)
{
    rq_setup();
    for (unsigned i = 0; i < 4; i++) {
        nodes[i].prio = 7;
        rq_enqueue_tail(&rq, &nodes[i]);
    }
    CHECK_RQ();
    CHECK_I("pick leaves it queued", 0, rq_index(rq_pick_highest(&rq)));
    for (int i = 0; i < 4; i++)
        CHECK_POP(i);
    CHECK_TRUE("empty", rq_empty(&rq));
    CHECK_RQ();
}

static void rq_highest_priority_first(void)
{
    rq_setup();
    uint8_t prios[6] = {3, 200, 17, 200, 0, 99};
    for (unsigned i = 0; i < 6; i++) {
        nodes[i].prio = prios[i];
        rq_enqueue_tail(&rq, &nodes[i]);
    }
    CHECK_RQ();
    int order[6] = {1, 3, 5, 2, 0, 4};
    for (int i = 0; i < 6; i++)
        CHECK_POP(order[i]);
    CHECK_RQ();
}

static void rq_preempted_thread_goes_first(void)
{
    rq_setup();
    for (unsigned i = 0; i < 3; i++) {
        nodes[i].prio = 50;
        rq_enqueue_tail(&rq, &nodes[i]);
    }
    nodes[3].prio = 50;
    CHECK_TRUE("head insert", rq_enqueue_head(&rq, &nodes[3]));
    CHECK_RQ();
    int order[4] = {3, 0, 1, 2};
    for (int i = 0; i < 4; i++)
        CHECK_POP(order[i]);
}

static void rq_bitmap_across_word_boundaries(void)
{
    rq_setup();
    uint8_t prios[4] = {0, 63, 64, 255};
    for (unsigned i = 0; i < 4; i++) {
        nodes[i].prio = prios[i];
        rq_enqueue_tail(&rq, &nodes[i]);
    }
    CHECK_RQ();
    CHECK_U("word 0", (UINT64_C(1) << 63) | 1, rq.bitmap[0]);
    CHECK_U("word 1", 1, rq.bitmap[1]);
    CHECK_U("word 2", 0, rq.bitmap[2]);
    CHECK_U("word 3", UINT64_C(1) << 63, rq.bitmap[3]);
    CHECK_U("summary", 0xb, rq.summary);
    CHECK_POP(3);
    CHECK_U("summary without 255", 0x3, rq.summary);
    CHECK_POP(2);
    CHECK_U("summary without 64", 0x1, rq.summary);
    CHECK_POP(1);
    CHECK_U("word 0 without 63", 1, rq.bitmap[0]);
    CHECK_POP(0);
    CHECK_U("summary empty", 0, rq.summary);
    CHECK_RQ();
}

static void rq_dequeue_from_the_middle(void)
{
    rq_setup();
    for (unsigned i = 0; i < 3; i++) {
        nodes[i].prio = 9;
        rq_enqueue_tail(&rq, &nodes[i]);
    }
    CHECK_TRUE("dequeued", rq_dequeue(&rq, &nodes[1]));
    CHECK_TRUE("flag cleared", !nodes[1].queued);
    CHECK_RQ();
    CHECK_POP(0);
    CHECK_POP(2);
    CHECK_U("count", 0, rq.count);
}

static void rq_double_enqueue_is_refused(void)
{
    rq_setup();
    nodes[0].prio = 1;
    CHECK_TRUE("first", rq_enqueue_tail(&rq, &nodes[0]));
    CHECK_TRUE("second tail refused", !rq_enqueue_tail(&rq, &nodes[0]));
    CHECK_TRUE("second head refused", !rq_enqueue_head(&rq, &nodes[0]));
    CHECK_U("count", 1, rq.count);
    CHECK_RQ();
}

static void rq_set_prio_moves_a_queued_node(void)
{
    rq_setup();
    nodes[0].prio = 10;
    nodes[1].prio = 20;
    nodes[2].prio = 20;
    for (unsigned i = 0; i < 3; i++)
        rq_enqueue_tail(&rq, &nodes[i]);
    rq_set_prio(&rq, &nodes[0], 20); /* joins the tail of 20 */
    rq_set_prio(&rq, &nodes[3], 30); /* not queued: just the field */
    CHECK_RQ();
    CHECK_TRUE("unqueued stays unqueued", !nodes[3].queued);
    CHECK_U("unqueued prio", 30, nodes[3].prio);
    CHECK_POP(1);
    CHECK_POP(2);
    CHECK_POP(0);
    CHECK_TRUE("bit of 10 cleared", (rq.bitmap[0] & (UINT64_C(1) << 10)) == 0);
}

static void rq_highest_set_bit_matches_portable(void)
{
    for (unsigned b = 0; b < 64; b++) {
        uint64_t w = UINT64_C(1) << b;
        CHECK_U("single bit", b, rq_highest_set_bit(w));
        CHECK_U("portable single bit", b, rq_highest_set_bit_portable(w));
        CHECK_U("bit and all below", b, rq_highest_set_bit_portable(w | (w - 1)));
    }
    CHECK_U("all ones", 63, rq_highest_set_bit_portable(UINT64_MAX));
}

static void rq_invariants_detect_corruption(void)
{
    rq_setup();
    for (unsigned i = 0; i < 3; i++) {
        nodes[i].prio = 64;
        rq_enqueue_tail(&rq, &nodes[i]);
    }
    nodes[2].prev = &nodes[0];
    CHECK_CONTAINS("prev", rq_check_invariants(&rq), "prev");
    nodes[2].prev = &nodes[1];
    rq.bitmap[1] = 0;
    CHECK_CONTAINS("bitmap", rq_check_invariants(&rq), "bitmap");
    rq.bitmap[1] = 1;
    nodes[2].next = &nodes[0]; /* cycle */
    CHECK_CONTAINS("cycle", rq_check_invariants(&rq), "cycle");
    nodes[2].next = NULL;
    rq.summary = 1;
    CHECK_CONTAINS("summary", rq_check_invariants(&rq), "summary");
}

/* ---- Release queue ---------------------------------------------------- */

static struct release_queue relq;
static struct release_node rnodes[8];

static void relq_setup(void)
{
    release_queue_init(&relq);
    for (unsigned i = 0; i < 8; i++)
        release_node_init(&rnodes[i]);
}

#define CHECK_RELQ()                                                                               \
    do {                                                                                           \
        const char *broken_ = release_queue_check_invariants(&relq);                               \
        CHECK_STR("release-queue invariants", "hold", broken_ ? broken_ : "hold");                 \
    } while (0)

static int relq_index(const struct release_node *n)
{
    return n ? (int)(n - rnodes) : -1;
}

static void release_queue_orders_by_time(void)
{
    relq_setup();
    uint64_t times[5] = {500, 100, 900, 300, 700};
    for (unsigned i = 0; i < 5; i++)
        release_queue_insert(&relq, &rnodes[i], times[i]);
    CHECK_RELQ();
    int order[5] = {1, 3, 0, 4, 2};
    for (int i = 0; i < 5; i++)
        CHECK_I("popped", order[i], relq_index(release_queue_pop_due(&relq, UINT64_MAX)));
    CHECK_TRUE("empty", release_queue_head(&relq) == NULL);
    CHECK_RELQ();
}

static void release_queue_fifo_for_equal_times(void)
{
    relq_setup();
    for (unsigned i = 0; i < 4; i++)
        release_queue_insert(&relq, &rnodes[i], 42);
    release_queue_insert(&relq, &rnodes[4], 41);
    CHECK_RELQ();
    int order[5] = {4, 0, 1, 2, 3};
    for (int i = 0; i < 5; i++)
        CHECK_I("popped", order[i], relq_index(release_queue_pop_due(&relq, 42)));
}

static void release_queue_reports_new_head(void)
{
    relq_setup();
    CHECK_TRUE("first is head", release_queue_insert(&relq, &rnodes[0], 1000));
    CHECK_TRUE("later is not head", !release_queue_insert(&relq, &rnodes[1], 2000));
    CHECK_TRUE("equal is not head", !release_queue_insert(&relq, &rnodes[2], 1000));
    CHECK_TRUE("earlier is head", release_queue_insert(&relq, &rnodes[3], 10));
    CHECK_RELQ();
}

static void release_queue_pops_only_due_nodes(void)
{
    relq_setup();
    release_queue_insert(&relq, &rnodes[0], 100);
    release_queue_insert(&relq, &rnodes[1], 200);
    CHECK_TRUE("nothing due at 99", release_queue_pop_due(&relq, 99) == NULL);
    CHECK_I("due at 100", 0, relq_index(release_queue_pop_due(&relq, 100)));
    CHECK_TRUE("popped node unqueued", !rnodes[0].queued);
    CHECK_TRUE("second not due", release_queue_pop_due(&relq, 199) == NULL);
    CHECK_U("count", 1, relq.count);
    CHECK_RELQ();
}

static void release_queue_reinsert_and_remove(void)
{
    relq_setup();
    for (unsigned i = 0; i < 4; i++)
        release_queue_insert(&relq, &rnodes[i], 100 * (i + 1));
    release_queue_insert(&relq, &rnodes[0], 350); /* moves behind 2 */
    CHECK_RELQ();
    CHECK_U("count unchanged", 4, relq.count);
    CHECK_TRUE("remove", release_queue_remove(&relq, &rnodes[2]));
    CHECK_TRUE("remove again refused", !release_queue_remove(&relq, &rnodes[2]));
    CHECK_RELQ();
    int order[3] = {1, 0, 3};
    for (int i = 0; i < 3; i++)
        CHECK_I("popped", order[i], relq_index(release_queue_pop_due(&relq, UINT64_MAX)));
}

static void release_queue_invariants_detect_disorder(void)
{
    relq_setup();
    release_queue_insert(&relq, &rnodes[0], 100);
    release_queue_insert(&relq, &rnodes[1], 200);
    rnodes[1].release = 50;
    CHECK_CONTAINS("order", release_queue_check_invariants(&relq), "order");
    rnodes[1].release = 200;
    relq.count = 3;
    CHECK_CONTAINS("count", release_queue_check_invariants(&relq), "counted");
}

#define RUN(fn)                                                                                    \
    do {                                                                                           \
        RUN_TEST(fn);                                                                              \
        objects_free();                                                                            \
    } while (0)

int main(void)
{
    check_suite("sched");

    RUN(max_refills_fill_the_object);
    RUN(config_rejects_zero_budget);
    RUN(config_rejects_budget_above_period);
    RUN(config_rejects_budget_below_minimum);
    RUN(config_rejects_too_many_refills);
    RUN(config_rejects_period_too_long);
    RUN(config_rejects_bad_size_and_min_budget);
    RUN(configure_gives_full_budget_from_now);
    RUN(unconfigured_sc_never_runs);

    RUN(round_robin_has_two_refills_and_is_ready);
    RUN(round_robin_partial_charge_keeps_timeslice);
    RUN(round_robin_exhaustion_gives_budget_back);
    RUN(round_robin_ignores_unblock);
    RUN(round_robin_yield_ends_timeslice);

    RUN(exhausted_budget_comes_back_one_period_later);
    RUN(partial_charge_splits_the_head);
    RUN(consecutive_charges_merge_into_one_refill);
    RUN(full_ring_delays_the_tail);
    RUN(ring_wraps_around);
    RUN(short_remnant_merges_into_next_refill);
    RUN(overrun_is_charged_to_later_refills);
    RUN(huge_usage_is_charged_in_one_step);
    RUN(unblock_moves_released_head_to_now);
    RUN(unblock_merges_overlapping_refills);
    RUN(unblock_keeps_disjoint_refills);
    RUN(unblock_before_release_changes_nothing);
    RUN(long_idle_merges_every_refill);
    RUN(consumption_in_any_period_window_within_budget);

    RUN(update_trims_head_to_new_budget);
    RUN(update_gives_the_rest_one_new_period_later);
    RUN(update_switches_between_round_robin_and_sporadic);
    RUN(update_of_unconfigured_configures);

    RUN(threshold_met_with_enough_budget);
    RUN(threshold_wait_postpones_until_enough);
    RUN(threshold_never_above_budget);
    RUN(available_counts_only_the_head);
    RUN(available_is_zero_before_release);
    RUN(threshold_round_robin_waits_for_next_timeslice);

    RUN(configure_at_end_of_time_is_clamped);
    RUN(charging_stops_at_the_time_limit);
    RUN(unblock_and_update_at_end_of_time);
    RUN(refill_invariants_detect_corruption);

    RUN(rq_empty_queue_picks_nothing);
    RUN(rq_fifo_within_a_priority);
    RUN(rq_highest_priority_first);
    RUN(rq_preempted_thread_goes_first);
    RUN(rq_bitmap_across_word_boundaries);
    RUN(rq_dequeue_from_the_middle);
    RUN(rq_double_enqueue_is_refused);
    RUN(rq_set_prio_moves_a_queued_node);
    RUN(rq_highest_set_bit_matches_portable);
    RUN(rq_invariants_detect_corruption);

    RUN(release_queue_orders_by_time);
    RUN(release_queue_fifo_for_equal_times);
    RUN(release_queue_reports_new_head);
    RUN(release_queue_pops_only_due_nodes);
    RUN(release_queue_reinsert_and_remove);
    RUN(release_queue_invariants_detect_disorder);

    return check_exit_code();
}
