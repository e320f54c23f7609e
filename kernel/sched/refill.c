/* The sporadic-server refill algorithm; see refill.h for the model.
 *
 * The structure follows seL4's sporadic.c (2020 rewrite): a ring of refills
 * addressed by head and count, refills leave at the head and join at the
 * tail, and every change keeps them ordered, disjoint and summing to the
 * budget. No division or modulo on the hot paths: ring indices wrap by
 * comparison, as in seL4 ("we cannot use the mod operator on all
 * architectures"). The one division is in the rare long-overrun path. */
#include "refill.h"

#include "atoll/objects.h"

_Static_assert(REFILL_SC_MIN_SIZE_BITS == ATOLL_SCHED_CONTEXT_MIN_BITS, "SC size range");
_Static_assert(REFILL_SC_MAX_SIZE_BITS == ATOLL_SCHED_CONTEXT_MAX_BITS, "SC size range");
_Static_assert(sizeof(struct refill) == 16, "refill layout");
_Static_assert(sizeof(struct refill_sc) % sizeof(uint64_t) == 0, "refill array alignment");
_Static_assert(REFILL_SC_KERNEL_BYTES % sizeof(uint64_t) == 0, "refill_sc alignment");
/* The smallest SC must hold a round-robin SC's two refills. */
_Static_assert(((UINT64_C(1) << REFILL_SC_MIN_SIZE_BITS) - REFILL_SC_KERNEL_BYTES -
                sizeof(struct refill_sc)) /
                       sizeof(struct refill) >=
                   REFILL_MIN_REFILLS,
               "smallest SchedContext too small");
/* Arithmetic headroom: releases stay below REFILL_TIME_LIMIT +
 * 2 * REFILL_MAX_PERIOD and an amount (<= REFILL_MAX_PERIOD) fits above. */
_Static_assert(REFILL_TIME_LIMIT > 4 * REFILL_MAX_PERIOD, "time limit headroom");

/* Highest release any refill may have (see refill_check_invariants). */
#define REFILL_RELEASE_BOUND (REFILL_TIME_LIMIT + 2 * REFILL_MAX_PERIOD)

/* ---- Ring helpers. */

static uint32_t ring_next(const struct refill_sc *sc, uint32_t index)
{
    return index + 1 == sc->limit ? 0 : index + 1;
}

/* Index of the refill `n` places after the head, n < count. */
static uint32_t ring_index(const struct refill_sc *sc, uint32_t n)
{
    uint32_t index = sc->head + n;
    return index >= sc->limit ? index - sc->limit : index;
}

static struct refill *head_refill(struct refill_sc *sc)
{
    return &sc->refills[sc->head];
}

static struct refill *tail_refill(struct refill_sc *sc)
{
    return &sc->refills[ring_index(sc, sc->count - 1)];
}

static bool ring_single(const struct refill_sc *sc)
{
    return sc->count == 1;
}

static bool ring_full(const struct refill_sc *sc)
{
    return sc->count == sc->limit;
}

static struct refill pop_head(struct refill_sc *sc)
{
    struct refill r = sc->refills[sc->head];
    sc->head = ring_next(sc, sc->head);
    sc->count--;
    return r;
}

static void add_tail(struct refill_sc *sc, struct refill r)
{
    sc->count++;
    *tail_refill(sc) = r;
}

static uint64_t clamp_time(uint64_t t)
{
    return t > REFILL_TIME_LIMIT ? REFILL_TIME_LIMIT : t;
}

/* ---- Layout. */

uint32_t refill_max_for_size_bits(unsigned size_bits)
{
    if (size_bits < REFILL_SC_MIN_SIZE_BITS || size_bits > REFILL_SC_MAX_SIZE_BITS)
        return 0;
    uint64_t bytes = UINT64_C(1) << size_bits;
    return (uint32_t)((bytes - REFILL_SC_KERNEL_BYTES - sizeof(struct refill_sc)) /
                      sizeof(struct refill));
}

void refill_sc_init(struct refill_sc *sc, unsigned size_bits)
{
    sc->budget = 0;
    sc->period = 0;
    sc->min_budget = 0;
    sc->capacity = refill_max_for_size_bits(size_bits);
    sc->limit = 0;
    sc->head = 0;
    sc->count = 0;
    for (uint32_t i = 0; i < sc->capacity; i++)
        sc->refills[i] = (struct refill){0, 0};
}

/* ---- Configure. */

enum refill_config_error refill_configure_check(unsigned size_bits, uint64_t budget,
                                                uint64_t period, uint64_t extra_refills,
                                                uint64_t min_budget)
{
    uint32_t max = refill_max_for_size_bits(size_bits);
    if (max == 0)
        return REFILL_CONFIG_BAD_SIZE_BITS;
    /* A zero MIN_BUDGET would let a refill of zero ticks count as runnable. */
    if (min_budget == 0)
        return REFILL_CONFIG_BAD_MIN_BUDGET;
    if (budget == 0)
        return REFILL_CONFIG_BUDGET_ZERO;
    /* seL4 decodeSchedControl_Configure: budget in [MIN_BUDGET, MAX_PERIOD],
     * period in [budget, MAX_PERIOD]. */
    if (budget < min_budget)
        return REFILL_CONFIG_BUDGET_BELOW_MIN;
    if (period > REFILL_MAX_PERIOD)
        return REFILL_CONFIG_PERIOD_TOO_LONG;
    if (budget > period)
        return REFILL_CONFIG_BUDGET_ABOVE_PERIOD;
    /* The minimum plus the extras must fit in the object. */
    if (extra_refills > (uint64_t)max - REFILL_MIN_REFILLS)
        return REFILL_CONFIG_TOO_MANY_REFILLS;
    return REFILL_CONFIG_OK;
}

static void set_parameters(struct refill_sc *sc, uint64_t budget, uint64_t period,
                           uint64_t extra_refills, uint64_t min_budget)
{
    sc->budget = budget;
    sc->period = period;
    sc->min_budget = min_budget;
    /* Round robin uses two of the slots whatever the extras. */
    sc->limit = REFILL_MIN_REFILLS + (uint32_t)extra_refills;
    /* refill_configure_check() ensured this for the object's size; should
     * the kernel have checked another size, stay inside the object. */
    if (sc->limit > sc->capacity)
        sc->limit = sc->capacity;
}

void refill_configure(struct refill_sc *sc, uint64_t budget, uint64_t period,
                      uint64_t extra_refills, uint64_t min_budget, uint64_t now)
{
    now = clamp_time(now);
    set_parameters(sc, budget, period, extra_refills, min_budget);
    sc->head = 0;
    sc->count = 1;
    sc->refills[0] = (struct refill){.release = now, .amount = budget};
    if (refill_is_round_robin(sc))
        add_tail(sc, (struct refill){.release = now, .amount = 0});
}

/* Queues a used amount at the tail (seL4 schedule_used). `used.release` is
 * never before the tail's release (window invariant). If it touches or
 * overlaps the tail, the two merge in place; if the ring is full, the tail
 * is delayed to end where `used` would have ended, so no budget becomes
 * available earlier than it would with an unlimited ring. */
static void schedule_used(struct refill_sc *sc, struct refill used)
{
    struct refill *tail = tail_refill(sc);
    if (tail->release + tail->amount >= used.release) {
        tail->amount += used.amount;
    } else if (!ring_full(sc)) {
        add_tail(sc, used);
    } else {
        tail->release = used.release - tail->amount;
        tail->amount += used.amount;
    }
}

void refill_update(struct refill_sc *sc, uint64_t budget, uint64_t period, uint64_t extra_refills,
                   uint64_t min_budget, uint64_t now)
{
    if (!refill_active(sc)) {
        refill_configure(sc, budget, period, extra_refills, min_budget, now);
        return;
    }
    now = clamp_time(now);
    /* Keep only the head, moved to slot 0 so that it lies inside the new
     * ring whatever its size (seL4 refill_update). The used refills are
     * dropped: the new budget's first period starts at the head. */
    struct refill head = *head_refill(sc);
    set_parameters(sc, budget, period, extra_refills, min_budget);
    sc->head = 0;
    sc->count = 1;
    if (head.release <= now)
        head.release = now;
    /* Past the time limit nothing is charged any more; clamping here keeps
     * repeated updates from pushing releases towards 2^64. */
    if (head.release > REFILL_TIME_LIMIT)
        head.release = REFILL_TIME_LIMIT;
    if (head.amount >= budget)
        head.amount = budget;
    sc->refills[0] = head;
    uint64_t rest = budget - head.amount;

    if (refill_is_round_robin(sc)) {
        /* The rest counts as used of the current timeslice. */
        add_tail(sc, (struct refill){.release = head.release, .amount = rest});
    } else if (rest > 0) {
        schedule_used(sc, (struct refill){.release = head.release + period, .amount = rest});
    }
    /* The kept head held MIN_BUDGET under the old configuration; should
     * the new MIN_BUDGET be larger, merge forward (sporadic) or start a
     * fresh timeslice (round robin) so that the head pays for an entry. */
    if (!refill_is_round_robin(sc)) {
        while (head_refill(sc)->amount < sc->min_budget && !ring_single(sc)) {
            struct refill old = pop_head(sc);
            head_refill(sc)->amount += old.amount;
            head_refill(sc)->release -= old.amount;
        }
    } else if (head_refill(sc)->amount < sc->min_budget) {
        head_refill(sc)->amount = budget;
        tail_refill(sc)->amount = 0;
    }
}

/* ---- Queries. */

uint64_t refill_capacity(const struct refill_sc *sc, uint64_t usage)
{
    uint64_t amount = refill_head(sc)->amount;
    return usage > amount ? 0 : amount - usage;
}

bool refill_sufficient(const struct refill_sc *sc, uint64_t usage)
{
    return refill_capacity(sc, usage) >= sc->min_budget;
}

bool refill_ready(const struct refill_sc *sc, uint64_t now)
{
    if (!refill_active(sc))
        return false;
    return refill_head(sc)->release <= clamp_time(now) && refill_sufficient(sc, 0);
}

uint64_t refill_available_now(const struct refill_sc *sc, uint64_t now)
{
    /* Only the head is certain: a later refill may still be pushed back
     * when the ring is full and a used part merges into the tail
     * (schedule_used), but the head keeps its rest however it is charged. */
    return refill_ready(sc, now) ? refill_head(sc)->amount : 0;
}

enum refill_threshold_result refill_threshold_check(const struct refill_sc *sc, uint64_t now,
                                                    uint64_t threshold)
{
    if (!refill_active(sc) || threshold > sc->budget)
        return REFILL_THRESHOLD_NEVER;
    if (!refill_ready(sc, now))
        return REFILL_THRESHOLD_WAIT;
    return refill_available_now(sc, now) >= threshold ? REFILL_THRESHOLD_MET
                                                      : REFILL_THRESHOLD_WAIT;
}

/* ---- Charging. */

/* Round robin (seL4 commitTime / chargeBudget): the head is what is left
 * of the timeslice, the tail what is used of it. */
static bool charge_round_robin(struct refill_sc *sc, uint64_t usage)
{
    struct refill *head = head_refill(sc);
    struct refill *tail = tail_refill(sc);
    if (!refill_sufficient(sc, usage)) {
        head->amount = sc->budget;
        tail->amount = 0;
        return true;
    }
    head->amount -= usage;
    tail->amount += usage;
    return false;
}

/* Merges the head into the next refill, which keeps its end: the merged
 * refill starts the head's amount earlier than the next one did, which is
 * no earlier than the head started (the two were disjoint), so no budget
 * becomes available sooner (seL4 merge_nonoverlapping_head_refill). */
static void merge_head_into_next(struct refill_sc *sc)
{
    struct refill old = pop_head(sc);
    struct refill *head = head_refill(sc);
    head->amount += old.amount;
    head->release -= old.amount;
}

/* Usage of `rounds` whole budgets moves every refill `rounds` periods
 * later: it is what charging the head in full `count * rounds` times does,
 * without the loop. Bounded so the head stays at or below the limit. */
static uint64_t charge_whole_budgets(struct refill_sc *sc, uint64_t usage)
{
    uint64_t head_release = head_refill(sc)->release;
    if (usage < sc->budget || head_release >= REFILL_TIME_LIMIT)
        return usage;
    uint64_t rounds = usage / sc->budget;
    uint64_t room = (REFILL_TIME_LIMIT - head_release) / sc->period;
    if (rounds > room)
        rounds = room;
    if (rounds == 0)
        return usage;
    uint64_t delay = rounds * sc->period;
    for (uint32_t n = 0; n < sc->count; n++)
        sc->refills[ring_index(sc, n)].release += delay;
    return usage - rounds * sc->budget;
}

/* seL4 refill_budget_check. */
static void charge_sporadic(struct refill_sc *sc, uint64_t usage)
{
    usage = charge_whole_budgets(sc, usage);

    /* Overrun: use up whole head refills, each queued a period later
     * (seL4 handle_overrun). Stops at the time limit; anything left there
     * is dropped. At most `count` rounds: usage < budget now, unless the
     * limit cut the step above short, and then each round moves a refill
     * past the limit. */
    while (head_refill(sc)->amount <= usage && head_refill(sc)->release < REFILL_TIME_LIMIT) {
        struct refill head = *head_refill(sc);
        usage -= head.amount;
        if (ring_single(sc)) {
            head_refill(sc)->release = head.release + sc->period;
        } else {
            pop_head(sc);
            schedule_used(sc, (struct refill){head.release + sc->period, head.amount});
        }
    }

    /* Part of the head used: split it. The used part comes back one period
     * after the head's release; the rest starts `usage` later, which keeps
     * the head within a period of the tail so the next used part also
     * lands after the tail (seL4's comment on this step). */
    struct refill *head = head_refill(sc);
    if (usage > 0 && head->release < REFILL_TIME_LIMIT) {
        struct refill used = {.release = head->release + sc->period, .amount = usage};
        head->amount -= usage;
        head->release += usage;
        schedule_used(sc, used);
    }

    /* The head must pay for a kernel entry: merge short ones forward. The
     * sum is the budget >= MIN_BUDGET, so this ends. */
    while (head_refill(sc)->amount < sc->min_budget && !ring_single(sc))
        merge_head_into_next(sc);
}

bool refill_budget_check(struct refill_sc *sc, uint64_t usage)
{
    if (!refill_active(sc))
        return true;
    if (refill_is_round_robin(sc))
        return charge_round_robin(sc, usage);
    bool exhausted = !refill_sufficient(sc, usage);
    if (usage > 0)
        charge_sporadic(sc, usage);
    return exhausted;
}

bool refill_unblock_check(struct refill_sc *sc, uint64_t now)
{
    if (!refill_active(sc))
        return false;
    now = clamp_time(now);
    if (!refill_is_round_robin(sc) && head_refill(sc)->release <= now) {
        /* A sporadic server's budget counts from when it is next used, not
         * from when it was released: move the head up to now, then take in
         * every refill that would be released before the head runs out
         * (seL4 merge_overlapping_head_refill). Each merge keeps the head's
         * release, so the merged refill ends where both together would. */
        head_refill(sc)->release = now;
        while (!ring_single(sc)) {
            struct refill *head = head_refill(sc);
            struct refill *next = &sc->refills[ring_next(sc, sc->head)];
            if (next->release > head->release + head->amount)
                break;
            struct refill old = pop_head(sc);
            head = head_refill(sc);
            head->release = old.release;
            head->amount += old.amount;
        }
    }
    return refill_ready(sc, now);
}

bool refill_postpone_for(struct refill_sc *sc, uint64_t amount)
{
    if (!refill_active(sc) || amount > sc->budget)
        return false;
    if (refill_is_round_robin(sc)) {
        head_refill(sc)->amount = sc->budget;
        tail_refill(sc)->amount = 0;
        return true;
    }
    /* seL4 refill_merge_until_budget. The budget is the sum, so the ring
     * never runs out before the head holds `amount`. */
    while (head_refill(sc)->amount < amount && !ring_single(sc))
        merge_head_into_next(sc);
    return true;
}

/* ---- Checking. */

const char *refill_check_invariants(const struct refill_sc *sc)
{
    if (sc->limit == 0)
        return NULL;
    if (sc->capacity > refill_max_for_size_bits(REFILL_SC_MAX_SIZE_BITS))
        return "capacity larger than the largest SchedContext holds";
    if (sc->limit > sc->capacity)
        return "ring limit exceeds the object's capacity";
    if (sc->limit < REFILL_MIN_REFILLS)
        return "ring limit below REFILL_MIN_REFILLS";
    if (sc->count == 0 || sc->count > sc->limit)
        return "refill count outside 1..limit";
    if (sc->head >= sc->limit)
        return "head index outside the ring";
    if (sc->min_budget == 0)
        return "MIN_BUDGET is zero";
    if (sc->budget < sc->min_budget)
        return "budget below MIN_BUDGET";
    if (sc->budget > sc->period)
        return "budget above period";
    if (sc->period > REFILL_MAX_PERIOD)
        return "period above REFILL_MAX_PERIOD";
    if (refill_head(sc)->amount < sc->min_budget)
        return "head refill below MIN_BUDGET";

    bool round_robin = refill_is_round_robin(sc);
    if (round_robin && sc->count != REFILL_MIN_REFILLS)
        return "round-robin SC without exactly two refills";

    uint64_t sum = 0;
    for (uint32_t n = 0; n < sc->count; n++) {
        const struct refill *r = &sc->refills[ring_index(sc, n)];
        if (r->release > REFILL_RELEASE_BOUND)
            return "release beyond the time limit";
        if (r->amount > sc->budget)
            return "refill larger than the budget";
        sum += r->amount; /* no overflow: count <= 245 amounts of <= 2^48 */
        if (round_robin)
            continue;
        if (r->amount == 0)
            return "empty refill";
        if (n + 1 < sc->count) {
            const struct refill *next = &sc->refills[ring_index(sc, n + 1)];
            if (r->release + r->amount > next->release)
                return "refills overlap or are out of order";
        }
    }
    if (sum != sc->budget)
        return "refill amounts do not add up to the budget";

    if (!round_robin) {
        const struct refill *head = refill_head(sc);
        const struct refill *tail = &sc->refills[ring_index(sc, sc->count - 1)];
        if (tail->release > head->release + sc->period)
            return "tail released more than a period after the head";
    }
    return NULL;
}

const char *refill_check_window_strict(const struct refill_sc *sc)
{
    if (sc->limit == 0 || refill_is_round_robin(sc))
        return NULL;
    const struct refill *head = refill_head(sc);
    const struct refill *tail = &sc->refills[ring_index(sc, sc->count - 1)];
    if (tail->release + tail->amount > head->release + sc->period)
        return "tail ends more than a period after the head's release";
    return NULL;
}
