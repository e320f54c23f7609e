/* Per-core scheduler queues: the ready queue by priority and the release
 * queue by time.
 *
 * Ready queue (seL4 ksReadyQueues and its two-level bitmap,
 * src/kernel/thread.c): 256 priorities, 255 highest, each a FIFO list of
 * intrusive nodes embedded in the threads. A bit per priority says whether
 * its list is non-empty, in four 64-bit words, and a summary word says
 * which of those are non-zero, so the highest ready priority takes two
 * count-leading-zeros instructions. Enqueue at either end, dequeue and
 * pick are O(1).
 *
 * Release queue (seL4 ksReleaseQueue): threads whose scheduling context
 * waits for a refill, ordered by release time (refill_head_release()),
 * FIFO among equal times. Insertion is a linear walk, O(n) in the threads
 * waiting on that core, as in seL4's tcbReleaseEnqueue; it starts at the
 * tail because a thread that just used its budget usually has the latest
 * release. Removal and taking the earliest are O(1).
 *
 * A thread is in at most one of the two at a time. Each core has one of
 * each; the kernel lock protects them, and a thread's node must be
 * dequeued from the queue of the core it was queued on. */
#ifndef ATOLL_KERNEL_SCHED_RUNQUEUE_H
#define ATOLL_KERNEL_SCHED_RUNQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RQ_PRIORITIES   256
#define RQ_WORD_BITS    64
#define RQ_BITMAP_WORDS (RQ_PRIORITIES / RQ_WORD_BITS)

/* Embedded in a thread. `prio` may only change while not queued (or use
 * rq_set_prio()). */
struct rq_node {
    struct rq_node *prev, *next;
    uint8_t prio;
    bool queued;
};

struct rq_list {
    struct rq_node *head, *tail;
};

struct runqueue {
    /* Bit w set iff bitmap[w] != 0. */
    uint64_t summary;
    /* Bit p % 64 of word p / 64 set iff lists[p] is non-empty. */
    uint64_t bitmap[RQ_BITMAP_WORDS];
    struct rq_list lists[RQ_PRIORITIES];
    uint32_t count; /* nodes queued */
};

struct release_node {
    struct release_node *prev, *next;
    uint64_t release; /* key: tick of the SC's next refill */
    bool queued;
};

struct release_queue {
    struct release_node *head, *tail; /* head: earliest release */
    uint32_t count;
};

/* Index of the highest set bit of a non-zero word, without compiler
 * builtins: for compilers without __builtin_clzll, and to test the fast
 * one against. */
unsigned rq_highest_set_bit_portable(uint64_t word);

/* Index of the highest set bit of a non-zero word (63 - clz). */
static inline unsigned rq_highest_set_bit(uint64_t word)
{
#if defined(__GNUC__)
    /* __builtin_clzll is one BSR (or LZCNT) instruction on x86_64, not a
     * library call, so it is there under -ffreestanding -fno-builtin (that
     * flag only stops the compiler treating libc names such as memcpy as
     * builtins). Undefined for 0: callers never pass 0. */
    _Static_assert(sizeof(unsigned long long) == sizeof(uint64_t), "clzll is 64-bit");
    return (unsigned)(RQ_WORD_BITS - 1) - (unsigned)__builtin_clzll(word);
#else
    return rq_highest_set_bit_portable(word);
#endif
}

/* ---- Ready queue. */

void rq_init(struct runqueue *rq);
void rq_node_init(struct rq_node *node, uint8_t prio);

/* Appends `node` behind the threads of its priority: a thread that becomes
 * runnable or whose timeslice ended. False (no change) if already queued. */
bool rq_enqueue_tail(struct runqueue *rq, struct rq_node *node);
/* Puts `node` before the threads of its priority: a thread preempted with
 * budget left runs again first (seL4 SCHED_APPEND vs. SCHED_ENQUEUE). False
 * (no change) if already queued. */
bool rq_enqueue_head(struct runqueue *rq, struct rq_node *node);
/* Removes `node`; false (no change) if it is not queued. */
bool rq_dequeue(struct runqueue *rq, struct rq_node *node);

static inline bool rq_empty(const struct runqueue *rq)
{
    return rq->summary == 0;
}

/* The first node of the highest non-empty priority, left queued; NULL if
 * the queue is empty. */
struct rq_node *rq_pick_highest(const struct runqueue *rq);
/* rq_pick_highest() and dequeue it. */
struct rq_node *rq_pop_highest(struct runqueue *rq);

/* Changes a node's priority; a queued node moves to the tail of its new
 * priority (seL4 tcbSchedDequeue, set, tcbSchedEnqueue). */
void rq_set_prio(struct runqueue *rq, struct rq_node *node, uint8_t prio);

/* NULL if the lists, flags, priorities, bitmap, summary and count agree,
 * else what is broken. O(queued nodes + priorities). */
const char *rq_check_invariants(const struct runqueue *rq);

/* ---- Release queue. */

void release_queue_init(struct release_queue *q);
void release_node_init(struct release_node *node);

/* Inserts `node` with key `release` after every node with an earlier or
 * equal release (a queued node is moved). Returns true if it is now the
 * head: the core's timer must be reprogrammed. */
bool release_queue_insert(struct release_queue *q, struct release_node *node, uint64_t release);
/* Removes `node`; false (no change) if it is not queued. */
bool release_queue_remove(struct release_queue *q, struct release_node *node);

/* Earliest node, left queued; NULL if empty. */
static inline struct release_node *release_queue_head(const struct release_queue *q)
{
    return q->head;
}

/* Removes and returns the head if its release is at or before `now`, else
 * NULL: call until NULL on the timer interrupt, then program the timer for
 * the new head. */
struct release_node *release_queue_pop_due(struct release_queue *q, uint64_t now);

/* NULL if the list is well linked, sorted by release, every node flagged
 * queued and the count right; else what is broken. O(n). */
const char *release_queue_check_invariants(const struct release_queue *q);

#endif
