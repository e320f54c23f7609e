/* Per-core ready and release queues; see runqueue.h. */
#include "runqueue.h"

_Static_assert(RQ_PRIORITIES % RQ_WORD_BITS == 0, "bitmap words");
_Static_assert(RQ_BITMAP_WORDS <= RQ_WORD_BITS, "summary word covers every bitmap word");
_Static_assert(RQ_PRIORITIES - 1 <= UINT8_MAX, "priorities fit rq_node.prio");

/* ---- Bit search. */

unsigned rq_highest_set_bit_portable(uint64_t word)
{
    /* Binary search: halve the window towards the highest set bit. */
    unsigned bit = 0;
    for (unsigned shift = RQ_WORD_BITS / 2; shift > 0; shift /= 2) {
        if (word >> shift) {
            word >>= shift;
            bit += shift;
        }
    }
    return bit;
}

/* ---- Ready queue. */

void rq_init(struct runqueue *rq)
{
    rq->summary = 0;
    for (unsigned w = 0; w < RQ_BITMAP_WORDS; w++)
        rq->bitmap[w] = 0;
    for (unsigned p = 0; p < RQ_PRIORITIES; p++)
        rq->lists[p] = (struct rq_list){NULL, NULL};
    rq->count = 0;
}

void rq_node_init(struct rq_node *node, uint8_t prio)
{
    node->prev = NULL;
    node->next = NULL;
    node->prio = prio;
    node->queued = false;
}

static void bitmap_set(struct runqueue *rq, unsigned prio)
{
    unsigned word = prio / RQ_WORD_BITS;
    rq->bitmap[word] |= UINT64_C(1) << (prio % RQ_WORD_BITS);
    rq->summary |= UINT64_C(1) << word;
}

static void bitmap_clear(struct runqueue *rq, unsigned prio)
{
    unsigned word = prio / RQ_WORD_BITS;
    rq->bitmap[word] &= ~(UINT64_C(1) << (prio % RQ_WORD_BITS));
    if (rq->bitmap[word] == 0)
        rq->summary &= ~(UINT64_C(1) << word);
}

bool rq_enqueue_tail(struct runqueue *rq, struct rq_node *node)
{
    if (node->queued)
        return false;
    struct rq_list *list = &rq->lists[node->prio];
    node->next = NULL;
    node->prev = list->tail;
    if (list->tail)
        list->tail->next = node;
    else
        list->head = node;
    list->tail = node;
    node->queued = true;
    rq->count++;
    bitmap_set(rq, node->prio);
    return true;
}

bool rq_enqueue_head(struct runqueue *rq, struct rq_node *node)
{
    if (node->queued)
        return false;
    struct rq_list *list = &rq->lists[node->prio];
    node->prev = NULL;
    node->next = list->head;
    if (list->head)
        list->head->prev = node;
    else
        list->tail = node;
    list->head = node;
    node->queued = true;
    rq->count++;
    bitmap_set(rq, node->prio);
    return true;
}

bool rq_dequeue(struct runqueue *rq, struct rq_node *node)
{
    if (!node->queued)
        return false;
    struct rq_list *list = &rq->lists[node->prio];
    if (node->prev)
        node->prev->next = node->next;
    else
        list->head = node->next;
    if (node->next)
        node->next->prev = node->prev;
    else
        list->tail = node->prev;
    node->prev = NULL;
    node->next = NULL;
    node->queued = false;
    rq->count--;
    if (!list->head)
        bitmap_clear(rq, node->prio);
    return true;
}

struct rq_node *rq_pick_highest(const struct runqueue *rq)
{
    if (rq->summary == 0)
        return NULL;
    unsigned word = rq_highest_set_bit(rq->summary);
    unsigned prio = word * RQ_WORD_BITS + rq_highest_set_bit(rq->bitmap[word]);
    return rq->lists[prio].head;
}

struct rq_node *rq_pop_highest(struct runqueue *rq)
{
    struct rq_node *node = rq_pick_highest(rq);
    if (node)
        rq_dequeue(rq, node);
    return node;
}

void rq_set_prio(struct runqueue *rq, struct rq_node *node, uint8_t prio)
{
    if (!node->queued) {
        node->prio = prio;
        return;
    }
    rq_dequeue(rq, node);
    node->prio = prio;
    rq_enqueue_tail(rq, node);
}

const char *rq_check_invariants(const struct runqueue *rq)
{
    uint64_t seen = 0;
    uint64_t summary = 0;
    for (unsigned p = 0; p < RQ_PRIORITIES; p++) {
        const struct rq_list *list = &rq->lists[p];
        unsigned word = p / RQ_WORD_BITS;
        bool bit = (rq->bitmap[word] >> (p % RQ_WORD_BITS)) & 1;
        if ((list->head == NULL) != (list->tail == NULL))
            return "list with only one of head and tail";
        if (bit != (list->head != NULL))
            return "bitmap bit disagrees with its list";
        if (!list->head)
            continue;
        summary |= UINT64_C(1) << word;
        if (list->head->prev)
            return "list head has a predecessor";
        const struct rq_node *prev = NULL;
        for (const struct rq_node *n = list->head; n; n = n->next) {
            /* More nodes than counted means a cycle or a stray link. */
            if (++seen > rq->count)
                return "more nodes linked than counted (cycle?)";
            if (!n->queued)
                return "linked node not flagged queued";
            if (n->prio != p)
                return "node in the list of another priority";
            if (n->prev != prev)
                return "prev link does not match";
            prev = n;
        }
        if (prev != list->tail)
            return "list tail is not its last node";
    }
    if (seen != rq->count)
        return "fewer nodes linked than counted";
    if (summary != rq->summary)
        return "summary word disagrees with the bitmap";
    return NULL;
}

/* ---- Release queue. */

void release_queue_init(struct release_queue *q)
{
    q->head = NULL;
    q->tail = NULL;
    q->count = 0;
}

void release_node_init(struct release_node *node)
{
    node->prev = NULL;
    node->next = NULL;
    node->release = 0;
    node->queued = false;
}

bool release_queue_insert(struct release_queue *q, struct release_node *node, uint64_t release)
{
    if (node->queued)
        release_queue_remove(q, node);
    node->release = release;

    /* Walk back from the tail to the last node released no later. */
    struct release_node *after = q->tail;
    while (after && after->release > release)
        after = after->prev;

    node->prev = after;
    node->next = after ? after->next : q->head;
    if (node->next)
        node->next->prev = node;
    else
        q->tail = node;
    if (after)
        after->next = node;
    else
        q->head = node;
    node->queued = true;
    q->count++;
    return q->head == node;
}

bool release_queue_remove(struct release_queue *q, struct release_node *node)
{
    if (!node->queued)
        return false;
    if (node->prev)
        node->prev->next = node->next;
    else
        q->head = node->next;
    if (node->next)
        node->next->prev = node->prev;
    else
        q->tail = node->prev;
    node->prev = NULL;
    node->next = NULL;
    node->queued = false;
    q->count--;
    return true;
}

struct release_node *release_queue_pop_due(struct release_queue *q, uint64_t now)
{
    struct release_node *node = q->head;
    if (!node || node->release > now)
        return NULL;
    release_queue_remove(q, node);
    return node;
}

const char *release_queue_check_invariants(const struct release_queue *q)
{
    if ((q->head == NULL) != (q->tail == NULL))
        return "release queue with only one of head and tail";
    if (q->head && q->head->prev)
        return "release queue head has a predecessor";
    uint32_t seen = 0;
    const struct release_node *prev = NULL;
    for (const struct release_node *n = q->head; n; n = n->next) {
        if (++seen > q->count)
            return "more release nodes linked than counted (cycle?)";
        if (!n->queued)
            return "linked release node not flagged queued";
        if (n->prev != prev)
            return "release prev link does not match";
        if (prev && prev->release > n->release)
            return "release queue out of order";
        prev = n;
    }
    if (prev != q->tail)
        return "release queue tail is not its last node";
    if (seen != q->count)
        return "fewer release nodes linked than counted";
    return NULL;
}
