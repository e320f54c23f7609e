/* libFuzzer target for the portable scheduling core (kernel/sched/).
 *
 * Input format: byte 0 picks the SchedContext size (2^(8 + b % 5) bytes,
 * an exactly-sized heap object so ASan sees any access past it) and the
 * mode (bit 7). The rest is a stream of operations, each an opcode byte and
 * its arguments; reads past the end give zeros.
 *
 * Mode 0, random operations: configure, update, charge, unblock, advance
 * time, queries, threshold checks and postponing on one SC, mixed with
 * ready-queue and release-queue operations that are mirrored on a simple
 * model (an array per priority, a sorted array). After every step the
 * refill invariants hold (and the strict window, while no refill_update()
 * has happened since the last configure), the queue invariants hold, and
 * the queues pick what the model picks.
 *
 * Mode 1, a greedy thread: it runs slices of at most its head refill,
 * blocks and wakes, and waits for its releases, as the kernel would run it
 * with no higher-priority interference; afterwards no window of one period
 * holds more than one budget of its running time. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/sched/refill.h"
#include "kernel/sched/runqueue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuzz_refill: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}

/* ---- Input ------------------------------------------------------------ */

struct input {
    const uint8_t *data;
    size_t size, pos;
};

static uint64_t take(struct input *in, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        if (in->pos < in->size)
            v |= (uint64_t)in->data[in->pos++] << (8 * i);
    return v;
}

/* A tick count of a random magnitude: small values matter most, but the
 * code must survive every 64-bit value. */
static uint64_t take_ticks(struct input *in)
{
    switch (take(in, 1) % 5) {
    case 0:
        return take(in, 1);
    case 1:
        return take(in, 2);
    case 2:
        return take(in, 3);
    case 3:
        return take(in, 5);
    default:
        return take(in, 8);
    }
}

static bool more(const struct input *in)
{
    return in->pos < in->size;
}

static uint64_t add_saturating(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* ---- Refill checks ---------------------------------------------------- */

struct sc_state {
    struct refill_sc *sc;
    unsigned size_bits;
    uint64_t now;
    bool strict; /* no refill_update() since the last configure */
};

static void check_sc(const struct sc_state *s, const char *after)
{
    const char *broken = refill_check_invariants(s->sc);
    if (broken)
        fail("after %s: %s", after, broken);
    if (s->strict && (broken = refill_check_window_strict(s->sc)))
        fail("after %s: %s", after, broken);
    if (s->sc->capacity != refill_max_for_size_bits(s->size_bits))
        fail("after %s: capacity changed", after);
}

/* Arguments for configure/update, valid or not. */
static bool take_config(struct input *in, unsigned size_bits, uint64_t *budget, uint64_t *period,
                        uint64_t *extra, uint64_t *min_budget)
{
    *min_budget = 1 + take(in, 1) % 64;
    *budget = take_ticks(in);
    uint8_t shape = (uint8_t)take(in, 1);
    if (shape % 4 == 0)
        *period = *budget; /* round robin */
    else if (shape % 4 == 3)
        *period = take_ticks(in); /* anything */
    else
        *period = add_saturating(*budget, take_ticks(in));
    *extra = shape & 0x80 ? take_ticks(in) : take(in, 1) % 8;
    enum refill_config_error e =
        refill_configure_check(size_bits, *budget, *period, *extra, *min_budget);
    bool ok = *budget > 0 && *budget >= *min_budget && *budget <= *period &&
              *period <= REFILL_MAX_PERIOD &&
              *extra <= refill_max_for_size_bits(size_bits) - REFILL_MIN_REFILLS;
    if ((e == REFILL_CONFIG_OK) != ok)
        fail("configure_check %d disagrees: budget %llu period %llu extra %llu min %llu", e,
             (unsigned long long)*budget, (unsigned long long)*period, (unsigned long long)*extra,
             (unsigned long long)*min_budget);
    return ok;
}

static void op_charge(struct sc_state *s, struct input *in)
{
    struct refill_sc *sc = s->sc;
    uint64_t usage;
    switch (take(in, 1) % 4) {
    case 0: /* within the head: what a timer-driven kernel charges */
        usage = refill_capacity(sc, 0) ? take_ticks(in) % (refill_capacity(sc, 0) + 1) : 0;
        break;
    case 1: /* the whole head: budget expiry or yield */
        usage = refill_capacity(sc, 0);
        break;
    default: /* an overrun of any size */
        usage = take_ticks(in);
        break;
    }
    bool was_ready = refill_ready(sc, s->now);
    bool sufficient = refill_sufficient(sc, usage);
    uint64_t head_release = refill_head_release(sc);
    s->now = add_saturating(s->now, usage); /* the time passed while it ran */
    bool exhausted = refill_budget_check(sc, usage);
    if (refill_active(sc) && exhausted == sufficient)
        fail("budget_check returned %d with sufficient %d", exhausted, sufficient);
    /* A charge that leaves MIN_BUDGET never takes the CPU away: the head's
     * release moves by at most the usage. */
    if (refill_active(sc) && was_ready && !exhausted && s->now < REFILL_TIME_LIMIT &&
        head_release < REFILL_TIME_LIMIT - usage && !refill_ready(sc, s->now))
        fail("sufficient charge of %llu made the SC not ready", (unsigned long long)usage);
}

static void op_unblock(struct sc_state *s)
{
    struct refill_sc *sc = s->sc;
    bool ready = refill_unblock_check(sc, s->now);
    if (ready != refill_ready(sc, s->now))
        fail("unblock_check result disagrees with refill_ready");
    if (ready && !refill_is_round_robin(sc)) {
        uint64_t now = s->now > REFILL_TIME_LIMIT ? REFILL_TIME_LIMIT : s->now;
        const struct refill *head = refill_head(sc);
        if (head->release != now)
            fail("unblocked head not moved to now");
        if (sc->count > 1) {
            const struct refill *next = &sc->refills[(sc->head + 1) % sc->limit];
            if (next->release <= head->release + head->amount)
                fail("unblock left an overlapping refill");
        }
    }
}

static void op_queries(const struct sc_state *s, struct input *in)
{
    const struct refill_sc *sc = s->sc;
    uint64_t now = s->now;
    uint64_t available = refill_available_now(sc, now);
    bool ready = refill_ready(sc, now);
    if (!refill_active(sc)) {
        if (ready || available)
            fail("unconfigured SC ready or with budget");
        return;
    }
    if (available != (ready ? refill_head(sc)->amount : 0))
        fail("available %llu, ready %d, head %llu", (unsigned long long)available, ready,
             (unsigned long long)refill_head(sc)->amount);
    uint64_t threshold = take_ticks(in);
    enum refill_threshold_result r = refill_threshold_check(sc, now, threshold);
    enum refill_threshold_result expected = threshold > sc->budget ? REFILL_THRESHOLD_NEVER
                                            : ready && available >= threshold
                                                ? REFILL_THRESHOLD_MET
                                                : REFILL_THRESHOLD_WAIT;
    if (r != expected)
        fail("threshold %llu: got %d, expected %d", (unsigned long long)threshold, r, expected);
    uint64_t usage = take_ticks(in);
    if (refill_capacity(sc, usage) + usage != refill_head(sc)->amount &&
        refill_capacity(sc, usage) != 0)
        fail("capacity inconsistent");
}

static void op_postpone(struct sc_state *s, struct input *in, size_t object_size)
{
    struct refill_sc *sc = s->sc;
    uint64_t amount = take(in, 1) & 1 ? take_ticks(in) : take_ticks(in) % (sc->budget + 1);
    enum refill_threshold_result r = refill_threshold_check(sc, s->now, amount);
    static uint8_t before[1u << REFILL_SC_MAX_SIZE_BITS];
    size_t bytes = object_size - REFILL_SC_KERNEL_BYTES;
    memcpy(before, sc, bytes);
    bool ok = refill_postpone_for(sc, amount);
    if (r == REFILL_THRESHOLD_NEVER) {
        if (ok || memcmp(before, sc, bytes) != 0)
            fail("postpone beyond the budget changed the SC");
        return;
    }
    if (!ok)
        fail("postpone refused an amount within the budget");
    if (refill_head(sc)->amount < amount)
        fail("postponed head holds %llu < %llu", (unsigned long long)refill_head(sc)->amount,
             (unsigned long long)amount);
    /* Once its head is released the threshold is met. */
    if (refill_ready(sc, s->now) &&
        refill_threshold_check(sc, s->now, amount) != REFILL_THRESHOLD_MET)
        fail("postponed SC ready but threshold not met");
    uint64_t release = refill_head_release(sc);
    if (release <= REFILL_TIME_LIMIT &&
        refill_threshold_check(sc, release > s->now ? release : s->now, amount) !=
            REFILL_THRESHOLD_MET)
        fail("threshold not met at the postponed release");
}

/* ---- Queue models ----------------------------------------------------- */

#define NODES 16

struct model {
    uint8_t list[RQ_PRIORITIES][NODES]; /* node indices, FIFO */
    uint8_t len[RQ_PRIORITIES];
    uint8_t rel[NODES]; /* release queue: node indices by key, stable */
    uint64_t key[NODES];
    uint8_t rel_len;
};

static struct runqueue rq;
static struct rq_node nodes[NODES];
static struct release_queue relq;
static struct release_node rnodes[NODES];
static struct model m;

static void model_remove_ready(unsigned node)
{
    unsigned p = nodes[node].prio;
    for (unsigned i = 0; i < m.len[p]; i++) {
        if (m.list[p][i] == node) {
            memmove(&m.list[p][i], &m.list[p][i + 1], m.len[p] - i - 1);
            m.len[p]--;
            return;
        }
    }
    fail("model lost node %u", node);
}

static int model_highest(void)
{
    for (int p = RQ_PRIORITIES - 1; p >= 0; p--)
        if (m.len[p])
            return m.list[p][0];
    return -1;
}

static void model_remove_release(unsigned node)
{
    for (unsigned i = 0; i < m.rel_len; i++) {
        if (m.rel[i] == node) {
            memmove(&m.rel[i], &m.rel[i + 1], m.rel_len - i - 1);
            m.rel_len--;
            return;
        }
    }
}

static void op_queue(struct input *in, uint8_t op, uint64_t now)
{
    unsigned n = take(in, 1) % NODES;
    struct rq_node *node = &nodes[n];
    switch (op % 8) {
    case 0: /* enqueue at the tail */
    case 1: /* enqueue at the head */
        if (!node->queued)
            node->prio = (uint8_t)take(in, 1);
        {
            bool was = node->queued;
            bool done = op % 8 == 0 ? rq_enqueue_tail(&rq, node) : rq_enqueue_head(&rq, node);
            if (done == was)
                fail("enqueue of %s node returned %d", was ? "a queued" : "an unqueued", done);
            if (done) {
                unsigned p = node->prio;
                if (op % 8 == 0) {
                    m.list[p][m.len[p]] = (uint8_t)n;
                } else {
                    memmove(&m.list[p][1], &m.list[p][0], m.len[p]);
                    m.list[p][0] = (uint8_t)n;
                }
                m.len[p]++;
            }
        }
        break;
    case 2: { /* dequeue */
        bool was = node->queued;
        if (rq_dequeue(&rq, node) != was)
            fail("dequeue result");
        if (was) {
            /* rq_dequeue keeps prio: the model finds the node by it. */
            model_remove_ready(n);
        }
        break;
    }
    case 3: { /* pop the highest */
        int expected = model_highest();
        struct rq_node *got = rq_pop_highest(&rq);
        int index = got ? (int)(got - nodes) : -1;
        if (index != expected)
            fail("popped node %d, model says %d", index, expected);
        if (got)
            model_remove_ready((unsigned)index);
        break;
    }
    case 4: { /* change priority */
        uint8_t prio = (uint8_t)take(in, 1);
        if (node->queued) {
            model_remove_ready(n);
            m.list[prio][m.len[prio]++] = (uint8_t)n;
        }
        rq_set_prio(&rq, node, prio);
        break;
    }
    case 5: { /* release queue insert (or move) */
        uint64_t key = take(in, 1) & 1 ? take_ticks(in) : add_saturating(now, take(in, 1));
        model_remove_release(n);
        unsigned at = m.rel_len;
        while (at > 0 && m.key[m.rel[at - 1]] > key)
            at--;
        memmove(&m.rel[at + 1], &m.rel[at], m.rel_len - at);
        m.rel[at] = (uint8_t)n;
        m.key[n] = key;
        m.rel_len++;
        bool head = release_queue_insert(&relq, &rnodes[n], key);
        if (head != (at == 0))
            fail("release insert head %d, model at %u", head, at);
        break;
    }
    case 6: { /* release queue remove */
        bool was = rnodes[n].queued;
        if (release_queue_remove(&relq, &rnodes[n]) != was)
            fail("release remove result");
        model_remove_release(n);
        break;
    }
    default: { /* release queue pop due */
        struct release_node *got = release_queue_pop_due(&relq, now);
        int expected = m.rel_len && m.key[m.rel[0]] <= now ? m.rel[0] : -1;
        int index = got ? (int)(got - rnodes) : -1;
        if (index != expected)
            fail("release pop %d, model %d", index, expected);
        if (got)
            model_remove_release((unsigned)index);
        break;
    }
    }

    const char *broken = rq_check_invariants(&rq);
    if (broken)
        fail("run queue: %s", broken);
    if ((broken = release_queue_check_invariants(&relq)))
        fail("release queue: %s", broken);
    struct rq_node *pick = rq_pick_highest(&rq);
    int index = pick ? (int)(pick - nodes) : -1;
    if (index != model_highest())
        fail("pick %d, model %d", index, model_highest());
    struct release_node *first = release_queue_head(&relq);
    if ((first ? (int)(first - rnodes) : -1) != (m.rel_len ? m.rel[0] : -1))
        fail("release head differs from the model");
}

/* ---- Mode 1: window property ------------------------------------------ */

#define SLICES 4096

static uint64_t slice_start[SLICES], slice_length[SLICES];

static void greedy_thread(struct sc_state *s, struct input *in)
{
    struct refill_sc *sc = s->sc;
    uint64_t budget, period, extra, min_budget;
    /* Keep numbers small so that windows are crowded. */
    min_budget = 1 + take(in, 1) % 8;
    budget = min_budget + take(in, 1);
    period = budget + 1 + take(in, 2) % 2000;
    extra = take(in, 1) % (refill_max_for_size_bits(s->size_bits) - 1);
    if (refill_configure_check(s->size_bits, budget, period, extra, min_budget) != REFILL_CONFIG_OK)
        return;
    s->now = take(in, 2);
    refill_configure(sc, budget, period, extra, min_budget, s->now);
    s->strict = true;
    unsigned n = 0;
    while (more(in) && n < SLICES) {
        if (!refill_ready(sc, s->now)) {
            s->now = refill_head_release(sc); /* woken from the release queue */
            check_sc(s, "release");
            continue;
        }
        uint8_t op = (uint8_t)take(in, 1);
        if (op % 3 == 0) { /* block, then wake */
            s->now += take(in, 2) % (2 * period);
            refill_unblock_check(sc, s->now);
            check_sc(s, "greedy unblock");
            continue;
        }
        uint64_t slice = 1 + take(in, 2) % refill_capacity(sc, 0);
        slice_start[n] = s->now;
        slice_length[n++] = slice;
        s->now += slice;
        refill_budget_check(sc, slice);
        check_sc(s, "greedy charge");
    }
    for (unsigned i = 0; i < n; i++) {
        uint64_t end = slice_start[i] + period, used = 0;
        for (unsigned j = i; j < n && slice_start[j] < end; j++)
            used +=
                slice_start[j] + slice_length[j] <= end ? slice_length[j] : end - slice_start[j];
        if (used > budget)
            fail("%llu ticks used in the period window from %llu; budget %llu period %llu",
                 (unsigned long long)used, (unsigned long long)slice_start[i],
                 (unsigned long long)budget, (unsigned long long)period);
    }
}

/* ---- Entry ------------------------------------------------------------ */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size, 0};
    uint8_t header = (uint8_t)take(&in, 1);
    struct sc_state s = {.size_bits = REFILL_SC_MIN_SIZE_BITS + header % 5};
    size_t object_size = (size_t)1 << s.size_bits;
    void *object = aligned_alloc(64, object_size);
    if (!object)
        abort();
    memset(object, 0xa5, object_size);
    s.sc = refill_sc_of_object(object);
    refill_sc_init(s.sc, s.size_bits);
    check_sc(&s, "init");

    if (header & 0x80) {
        greedy_thread(&s, &in);
        free(object);
        return 0;
    }

    rq_init(&rq);
    release_queue_init(&relq);
    memset(&m, 0, sizeof(m));
    for (unsigned i = 0; i < NODES; i++) {
        rq_node_init(&nodes[i], 0);
        release_node_init(&rnodes[i]);
    }

    while (more(&in)) {
        uint8_t op = (uint8_t)take(&in, 1);
        uint64_t budget, period, extra, min_budget;
        const char *what = "?";
        switch (op % 16) {
        case 0:
            what = "configure";
            if (take_config(&in, s.size_bits, &budget, &period, &extra, &min_budget)) {
                refill_configure(s.sc, budget, period, extra, min_budget, s.now);
                s.strict = true;
            }
            break;
        case 1:
            what = "update";
            if (take_config(&in, s.size_bits, &budget, &period, &extra, &min_budget)) {
                refill_update(s.sc, budget, period, extra, min_budget, s.now);
                s.strict = false;
            }
            break;
        case 2:
        case 3:
        case 4:
            what = "charge";
            op_charge(&s, &in);
            break;
        case 5:
            what = "unblock";
            op_unblock(&s);
            break;
        case 6:
            what = "advance";
            s.now = add_saturating(s.now, take_ticks(&in));
            break;
        case 7:
            what = "wait for release";
            if (refill_active(s.sc) && refill_head_release(s.sc) > s.now)
                s.now = refill_head_release(s.sc);
            break;
        case 8:
            what = "queries";
            op_queries(&s, &in);
            break;
        case 9:
            what = "postpone";
            op_postpone(&s, &in, object_size);
            break;
        case 10:
            what = "end of time";
            s.now = UINT64_MAX - take(&in, 2);
            break;
        default:
            what = "queue";
            op_queue(&in, (uint8_t)take(&in, 1), s.now);
            break;
        }
        check_sc(&s, what);
    }
    free(object);
    return 0;
}
