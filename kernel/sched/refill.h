/* MCS scheduling-context budgets: the sporadic-server refill algorithm.
 *
 * This is seL4's MCS budget model (kernel/src/kernel/sporadic.c, the 2020
 * rewrite that l4v verifies; Lyons et al., "Scheduling-context
 * capabilities", EuroSys 2018, section 4), after Stanovich et al.,
 * "Defects of the POSIX sporadic server and how to correct them"
 * (RTAS 2010), without the priority changes.
 *
 * A scheduling context (SC) has a budget, a period and a queue of refills
 * {release, amount}: `amount` ticks become usable at time `release`. The
 * amounts always add up to the budget. Time a thread consumes is taken from
 * the head refill, and exactly that amount is queued again as a new refill
 * one period after the head's release, so over any window of one period
 * the thread never gets more than its budget. The number of refills is
 * bounded by the configured limit, 2 + extra refills as in seL4
 * (MIN_REFILLS + extra_refills); when the queue is full, refills are
 * merged, always by making budget available later, never earlier. Two is
 * the least that works: with one slot, the used part and the rest of a
 * partly used refill cannot both be kept, so a thread preempted with
 * budget left would lose it until the next period.
 *
 * Round robin: an SC whose budget equals its period is a plain timeslice
 * (seL4: "period == budget means round robin"). It is always released and
 * keeps exactly two refills: the head is what is left of the current
 * timeslice, the tail what has been used of it; when the head runs out the
 * thread gets the whole budget back at once.
 *
 * Units: every time, budget, period and usage is a count of ticks of one
 * monotonic clock (the kernel passes TSC ticks). MIN_BUDGET is the
 * kernel's `min_budget` argument of refill_configure(): the least budget a
 * thread needs to enter and leave the kernel once (seL4: twice the kernel's
 * worst-case execution time). A head refill with less is never run.
 *
 * Time near 2^64: the TSC does not wrap in practice (2^64 ticks at 5 GHz
 * is 117 years), so wrap-around is not handled; but no input can overflow
 * an addition here or break an invariant. Times above REFILL_TIME_LIMIT are
 * treated as REFILL_TIME_LIMIT, and like seL4 (MAX_RELEASE_TIME) a refill
 * whose release has reached the limit is no longer charged: usage beyond
 * that point is dropped.
 *
 * Concurrency: none here. The kernel calls these with its lock held, on
 * the core that owns the SC.
 *
 * Portable: builds freestanding in the kernel and on the host for tests;
 * includes only <stdint.h>, <stddef.h> and <stdbool.h>. */
#ifndef ATOLL_KERNEL_SCHED_REFILL_H
#define ATOLL_KERNEL_SCHED_REFILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* SchedContext object sizes (atoll/objects.h: ATOLL_SCHED_CONTEXT_MIN_BITS
 * and _MAX_BITS; refill.c checks that they agree). */
#define REFILL_SC_MIN_SIZE_BITS 8
#define REFILL_SC_MAX_SIZE_BITS 12

/* Bytes at the start of every SchedContext object that belong to the
 * kernel's own fields (bound TCB, core, consumed time, reply, notification,
 * ...); the kernel must _Static_assert that its struct fits. struct
 * refill_sc follows and runs to the end of the object, like seL4's
 * sched_context_t followed by its refill array. */
#define REFILL_SC_KERNEL_BYTES 96

/* Longest period, in ticks: 2^48 is 26 hours at 3 GHz. Bounding it is what
 * keeps `release + period` and `release + amount` from overflowing. */
#define REFILL_MAX_PERIOD (UINT64_C(1) << 48)

/* Latest time the algorithm works with. Releases never exceed
 * REFILL_TIME_LIMIT + 2 * REFILL_MAX_PERIOD, and one more amount fits
 * below 2^64 after that (seL4 uses UINT64_MAX - 5 * MAX_PERIOD). */
#define REFILL_TIME_LIMIT (UINT64_MAX - 4 * REFILL_MAX_PERIOD)

/* Refills every SC has room for besides its extra refills (seL4's
 * MIN_REFILLS). A round-robin SC always holds exactly this many: what is
 * left of the timeslice and what has been used of it. */
#define REFILL_MIN_REFILLS 2

struct refill {
    uint64_t release; /* tick from which `amount` may be used */
    uint64_t amount;  /* ticks */
};

/* The refill state of one scheduling context. Its refill array is a ring
 * of `limit` slots (seL4's scRefillMax) holding `count` refills from index
 * `head` on; `capacity` is how many slots the object's memory holds. */
struct refill_sc {
    uint64_t budget;     /* sum of all amounts */
    uint64_t period;     /* == budget: round robin */
    uint64_t min_budget; /* MIN_BUDGET, ticks, >= 1 */
    uint32_t capacity;   /* refill_max_for_size_bits(size bits) */
    uint32_t limit;      /* ring size: REFILL_MIN_REFILLS + extra refills; 0: unconfigured */
    uint32_t head;       /* index of the head refill, < limit */
    uint32_t count;      /* refills in the ring, 1..limit */
    struct refill refills[];
};

/* Why a configuration is refused. The kernel's decoder reports them as
 * ATOLL_ERR_RANGE_ERROR on the argument named here, with the range:
 *   BUDGET_ZERO, BUDGET_BELOW_MIN, BUDGET_ABOVE_PERIOD:
 *       budget in [min_budget, period]
 *   PERIOD_TOO_LONG: period in [budget, REFILL_MAX_PERIOD]
 *   TOO_MANY_REFILLS: extra refills in
 *       [0, refill_max_for_size_bits() - REFILL_MIN_REFILLS]
 *   BAD_SIZE_BITS, BAD_MIN_BUDGET: kernel bugs (the capability and the
 *       kernel's constant are checked elsewhere). */
enum refill_config_error {
    REFILL_CONFIG_OK = 0,
    REFILL_CONFIG_BUDGET_ZERO,
    REFILL_CONFIG_BUDGET_BELOW_MIN,
    REFILL_CONFIG_BUDGET_ABOVE_PERIOD,
    REFILL_CONFIG_PERIOD_TOO_LONG,
    REFILL_CONFIG_TOO_MANY_REFILLS,
    REFILL_CONFIG_BAD_SIZE_BITS,
    REFILL_CONFIG_BAD_MIN_BUDGET,
};

/* What refill_threshold_check() decided for an IPC into an endpoint with a
 * budget threshold. */
enum refill_threshold_result {
    REFILL_THRESHOLD_MET,   /* enough budget available now: enter the server */
    REFILL_THRESHOLD_WAIT,  /* not now: refill_postpone_for(), then wait */
    REFILL_THRESHOLD_NEVER, /* the whole budget is below the threshold */
};

/* ---- Layout. */

/* Refills that fit in a SchedContext object of 2^size_bits bytes; 0 for a
 * size outside [REFILL_SC_MIN_SIZE_BITS, REFILL_SC_MAX_SIZE_BITS]. */
uint32_t refill_max_for_size_bits(unsigned size_bits);

/* The refill state inside a SchedContext object (at REFILL_SC_KERNEL_BYTES). */
static inline struct refill_sc *refill_sc_of_object(void *object)
{
    return (struct refill_sc *)((uint8_t *)object + REFILL_SC_KERNEL_BYTES);
}

/* Retype: an unconfigured SC (never ready, limit 0) in zeroed memory. */
void refill_sc_init(struct refill_sc *sc, unsigned size_bits);

/* ---- Configure: decode, then perform. */

/* Checks a configuration for an SC of 2^size_bits bytes; min_budget is the
 * kernel's MIN_BUDGET in ticks. Changes nothing. */
enum refill_config_error refill_configure_check(unsigned size_bits, uint64_t budget,
                                                uint64_t period, uint64_t extra_refills,
                                                uint64_t min_budget);

/* Gives the SC a full budget from `now` on (seL4 refill_new). The
 * arguments must have passed refill_configure_check(); cannot fail. */
void refill_configure(struct refill_sc *sc, uint64_t budget, uint64_t period,
                      uint64_t extra_refills, uint64_t min_budget, uint64_t now);

/* Reconfigures an SC that is in use without letting it exceed the new
 * budget in a new period (seL4 refill_update): the head refill keeps its
 * release (or moves to `now` if released) and at most the new budget; the
 * rest of the new budget comes one new period later. An unconfigured SC
 * is configured as by refill_configure(). Arguments as refill_configure(). */
void refill_update(struct refill_sc *sc, uint64_t budget, uint64_t period, uint64_t extra_refills,
                   uint64_t min_budget, uint64_t now);

/* ---- Queries. */

static inline bool refill_active(const struct refill_sc *sc)
{
    return sc->limit != 0;
}

static inline bool refill_is_round_robin(const struct refill_sc *sc)
{
    return sc->budget == sc->period;
}

static inline const struct refill *refill_head(const struct refill_sc *sc)
{
    return &sc->refills[sc->head];
}

/* Release time of the head refill: the key of the release queue, and the
 * time to program the timer for while the SC waits. */
static inline uint64_t refill_head_release(const struct refill_sc *sc)
{
    return refill_head(sc)->release;
}

/* Head budget left after `usage` more ticks are charged, 0 if none. The
 * kernel programs the budget timer this far ahead. */
uint64_t refill_capacity(const struct refill_sc *sc, uint64_t usage);

/* The head can still pay for one kernel entry and exit after `usage`:
 * capacity >= MIN_BUDGET. */
bool refill_sufficient(const struct refill_sc *sc, uint64_t usage);

/* The SC may run at `now`: configured, head released and at least
 * MIN_BUDGET in it. Otherwise its thread belongs in the release queue. */
bool refill_ready(const struct refill_sc *sc, uint64_t now);

/* Budget the SC is sure to have from `now` on without waiting for a
 * refill: the head refill if it is released, else 0 (and 0 for an
 * unconfigured SC). Later refills, even released ones, are not counted:
 * while the ring is full a used part merges into the tail and can push it
 * back, so only the head is guaranteed. For round robin: what is left of
 * the current timeslice. Charge the time used so far
 * (refill_budget_check) first. */
uint64_t refill_available_now(const struct refill_sc *sc, uint64_t now);

/* The endpoint budget threshold (DESIGN.md "Kernel model"): may a caller
 * holding this SC enter a server whose endpoint asks for `threshold`
 * ticks? NEVER if the budget itself is smaller (or the SC is
 * unconfigured): the caller gets an error instead of waiting forever. MET
 * if refill_available_now() >= threshold: the server can run that long on
 * it without a budget stall. Else WAIT: NBSend fails, Call postpones with
 * refill_postpone_for(). */
enum refill_threshold_result refill_threshold_check(const struct refill_sc *sc, uint64_t now,
                                                    uint64_t threshold);

/* ---- Charging and waking. */

/* Charges `usage` ticks consumed from the head refill since the last charge
 * (seL4 commitTime / chargeBudget). Returns true if the budget ran out:
 * `usage` left the head with less than MIN_BUDGET (!refill_sufficient(sc,
 * usage) before the charge), and the caller must end the thread's
 * timeslice: a round-robin SC has its whole budget back and the thread
 * goes to the tail of its priority; a sporadic SC's thread goes to the
 * release queue at refill_head_release() unless refill_ready() still holds.
 *
 * Sporadic: the used amount is queued one period after the head's release
 * (merged into the tail if they touch or the ring is full); if the rest of
 * the head is below MIN_BUDGET it is merged into the next refill, which
 * becomes the head a little later. Usage of more than the head is charged
 * to following refills in turn, as an overrun; usage of whole budgets is
 * charged in one step, so the cost is O(limit) whatever `usage` is.
 * Yield: charge refill_capacity(sc, 0) to give up the rest of the head.
 * After the call the head holds at least MIN_BUDGET. */
bool refill_budget_check(struct refill_sc *sc, uint64_t usage);

/* A thread with this SC became runnable at `now` (seL4 refill_unblock_check):
 * a released head moves up to `now`, and every refill that starts before
 * the head would be used up merges into it. Returns refill_ready(sc, now):
 * true, run queue; false, release queue at refill_head_release(). No
 * effect on a round-robin SC. */
bool refill_unblock_check(struct refill_sc *sc, uint64_t now);

/* After REFILL_THRESHOLD_WAIT: merges refills into the head until it holds
 * at least `amount` (seL4's merge of a non-overlapping head: the merged
 * refill ends where the later one ended, so nothing becomes available
 * earlier). Then, if refill_ready(sc, now), the threshold is met (a thread
 * preempted long enough may already have the later refills); else the
 * caller waits in the release queue until refill_head_release(). Round
 * robin: ends the timeslice (whole budget back; the caller requeues the
 * thread at the tail of its priority). Returns false, changing nothing, if
 * `amount` exceeds the budget. */
bool refill_postpone_for(struct refill_sc *sc, uint64_t amount);

/* ---- Checking. */

/* NULL if the SC satisfies every invariant, else what is broken. Checked:
 *   - unconfigured: limit 0 and nothing else to check;
 *   - 1 <= count <= limit <= capacity, REFILL_MIN_REFILLS <= limit,
 *     head < limit; round robin: count == REFILL_MIN_REFILLS;
 *   - the amounts add up to the budget, MIN_BUDGET <= budget <= period
 *     <= REFILL_MAX_PERIOD, and the head holds at least MIN_BUDGET;
 *   - sporadic: every amount > 0 (only the head must reach MIN_BUDGET:
 *     seL4 queues a short used amount as is and merges it when it becomes
 *     the head); refills are ordered and disjoint, release[i] + amount[i]
 *     <= release[i+1];
 *   - sporadic window: tail.release <= head.release + period. This is the
 *     property seL4's budget check preserves ("keep the head refill no
 *     more than a period before the start of the tail refill") so that a
 *     used amount, queued at head.release + period, never lands before the
 *     tail. Without refill_update() the stronger tail.release +
 *     tail.amount <= head.release + period holds too (all of the budget
 *     lies in one period from the head: no window of one period can see
 *     more than the budget); refill_check_window_strict() checks it;
 *   - no overflow: every release <= REFILL_TIME_LIMIT + 2 * REFILL_MAX_PERIOD.
 * Cost O(count). */
const char *refill_check_invariants(const struct refill_sc *sc);

/* NULL if tail.release + tail.amount <= head.release + period (sporadic
 * SCs only; see above). */
const char *refill_check_window_strict(const struct refill_sc *sc);

#endif
