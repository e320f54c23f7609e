/* The fuzzer's worker threads: an endless loop of random system calls on
 * the sandbox CNode (their CSpace root). Most calls are shaped after the
 * capability the slot was seeded with (the right label block, arguments
 * in or near their valid ranges, extra capabilities of the types the
 * operation wants); some are garbage. Workers share nothing with the
 * supervisor but their counters; they use their own IPC buffer (if the
 * supervisor gave them one) through raw system calls, never the
 * library's invocation wrappers, whose IPC buffer is the root thread's. */
#include "fuzz.h"

#include <stddef.h>

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* ---- random numbers (xorshift64*) ---- */

static inline uint64_t next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * UINT64_C(0x2545f4914f6cdd1d);
}

static inline uint64_t below(uint64_t *s, uint64_t n)
{
    return n ? next(s) % n : 0;
}

static inline int pct(uint64_t *s, unsigned p)
{
    return below(s, 100) < p;
}

static uint64_t clean(uint64_t v)
{
    if (v >= IMAGE_FIRST && v < IMAGE_END)
        v |= UINT64_C(1) << 40;
    return v;
}

static const uint64_t special[] = {
    0,
    1,
    2,
    3,
    4,
    5,
    7,
    8,
    12,
    13,
    16,
    20,
    21,
    22,
    26,
    30,
    31,
    32,
    47,
    48,
    52,
    55,
    56,
    57,
    63,
    64,
    65,
    119,
    120,
    121,
    127,
    128,
    255,
    256,
    511,
    512,
    1023,
    1024,
    4095,
    4096,
    0x10000,
    0x200000,
    0x40000000,
    UINT64_C(0x7fffffffffff),
    UINT64_C(0x7ffffffff000),
    UINT64_C(0x7fffffffffe00),
    UINT64_C(0x800000000000),
    UINT64_C(0x7ffffff00000),
    UINT64_C(0x7ffffff10000),
    UINT64_C(0x7ffffff11000),
    UINT64_C(0x7ffffff11e00),
    UINT64_C(0xffff800000000000),
    UINT64_C(0xffffffff80000000),
    UINT64_C(0xffffffff80200000),
    UINT64_C(0x8000000000000000),
    UINT64_C(0xfffffffffffff000),
    UINT64_C(0xfffffffffffffffe),
    UINT64_C(0xffffffffffffffff),
};

/* A word biased to values that sit on the edges of argument checks. */
static uint64_t word(uint64_t *s)
{
    uint64_t v;
    switch (below(s, 9)) {
    case 0:
        v = below(s, 17);
        break;
    case 1:
        v = below(s, 256);
        break;
    case 2:
        v = (UINT64_C(1) << below(s, 64)) - below(s, 2);
        break;
    case 3:
    case 4:
        v = special[below(s, sizeof special / sizeof special[0])];
        break;
    case 5:
        v = below(s, ATOLL_OBJECT_TYPE_COUNT + 2);
        break;
    case 6:
        v = (below(s, SANDBOX_SLOTS) << SUB_BITS) | below(s, 1u << SUB_BITS);
        break;
    case 7:
        v = UINT64_C(0x7ffffff00000) + (below(s, 256) << 9);
        break;
    default:
        v = next(s);
        break;
    }
    return clean(v);
}

/* ---- capability choices ---- */

static unsigned any_slot(uint64_t *s)
{
    return pct(s, 70) ? (unsigned)below(s, SANDBOX_SEED_END + 16)
                      : (unsigned)below(s, SANDBOX_SLOTS);
}

/* Slots past the seeds: mostly a window of FREE_WINDOW slots, so that
 * what the workers create there is found again. */
#define FREE_WINDOW 64

static unsigned free_slot(uint64_t *s)
{
    if (pct(s, 90))
        return SANDBOX_SEED_END + (unsigned)below(s, FREE_WINDOW);
    return SANDBOX_SEED_END + (unsigned)below(s, SANDBOX_SLOTS - SANDBOX_SEED_END);
}

/* A slot seeded with a capability of kind `k` (mostly), or any slot. */
static unsigned slot_of(uint64_t *s, enum seed_kind k)
{
    unsigned n = fuzz.by_kind_count[k];
    unsigned r = (unsigned)below(s, 100);
    if (n && r < 88)
        return fuzz.by_kind[k][below(s, n)];
    if (r < 96) /* where new objects often are */
        return SANDBOX_SEED_END + (unsigned)below(s, FREE_WINDOW);
    return any_slot(s);
}

/* The worker whose random state `s` is (every generator function gets
 * &worker->rng): how its CSpace root resolves pointers. */
static unsigned sub_bits(uint64_t *s)
{
    return ((struct worker *)(void *)((uint8_t *)s - offsetof(struct worker, rng)))->sub_bits;
}

/* The system-call pointer of a slot (its low bits go on into a CNode held
 * there); now and then a garbage pointer. */
static uint64_t cptr_of(uint64_t *s, unsigned slot)
{
    if (pct(s, 2))
        return word(s);
    unsigned sub = sub_bits(s);
    if (sub && fuzz.seed[slot].kind == K_CNODE && pct(s, 90))
        return ((uint64_t)fuzz.flat << sub) | slot;
    return ((uint64_t)slot << sub) | below(s, UINT64_C(1) << sub);
}

/* An (index, depth) argument naming slot `target` of the sandbox through
 * the CNode capability seeded in `root` (when that is one), sometimes
 * through a second CNode level, sometimes anything. */
static void slot_arg(uint64_t *s, unsigned root, unsigned target, uint64_t *index, uint64_t *depth)
{
    const struct seed_slot *c = &fuzz.seed[root % SANDBOX_SLOTS];
    unsigned r = (unsigned)below(s, 100);
    if (c->kind == K_CNODE && r < 85) {
        unsigned bits = c->cnode_bits;
        if (!c->is_sandbox) {
            *index = below(s, bits >= 64 ? ~UINT64_C(0) : UINT64_C(1) << bits);
            *depth = bits;
            return;
        }
        *index = target;
        *depth = bits;
        if (r < 15) {
            unsigned sub = slot_of(s, K_CNODE);
            unsigned b = fuzz.seed[sub].cnode_bits;
            if (fuzz.seed[sub].kind == K_CNODE && b && bits + b <= ATOLL_CPTR_BITS) {
                *index = ((uint64_t)sub << b) | below(s, UINT64_C(1) << b);
                *depth = bits + b;
            }
        }
        return;
    }
    *index = pct(s, 50) ? below(s, SANDBOX_SLOTS) : word(s);
    *depth = pct(s, 60) ? below(s, 70) : word(s);
}

/* ---- one system call ---- */

struct call {
    uint64_t number, cptr, label, reply, kind, slot;
    uint64_t w[ATOLL_MSG_MAX_WORDS];
    size_t n;      /* words filled */
    size_t length; /* length in the message info (may differ) */
    uint64_t caps[ATOLL_MSG_MAX_CAPS];
    size_t k;
};

static void put(struct call *c, uint64_t v)
{
    if (c->n < ATOLL_MSG_MAX_WORDS)
        c->w[c->n++] = v;
}

static void cap(struct call *c, uint64_t *s, enum seed_kind k)
{
    if (c->k < ATOLL_MSG_MAX_CAPS)
        c->caps[c->k++] = cptr_of(s, slot_of(s, k));
}

static void random_message(struct call *c, uint64_t *s)
{
    size_t n = pct(s, 50) ? below(s, ATOLL_MSG_REGISTERS + 1) : below(s, ATOLL_MSG_MAX_WORDS + 1);
    for (size_t i = 0; i < n; i++)
        put(c, word(s));
    size_t k = pct(s, 70) ? 0 : below(s, ATOLL_MSG_MAX_CAPS + 1);
    for (size_t i = 0; i < k; i++)
        cap(c, s, (enum seed_kind)below(s, K_KINDS));
}

static void untyped_call(struct call *c, uint64_t *s)
{
    c->label = pct(s, 92) ? ATOLL_UNTYPED_RETYPE : below(s, 0x100);
    uint64_t type = pct(s, 90) ? below(s, ATOLL_OBJECT_PT + 1) : word(s);
    uint64_t size;
    switch (type) {
    case ATOLL_OBJECT_UNTYPED:
        size = ATOLL_UNTYPED_MIN_BITS + below(s, 20);
        break;
    case ATOLL_OBJECT_CNODE:
        size = ATOLL_CNODE_MIN_RADIX + below(s, 9);
        break;
    case ATOLL_OBJECT_SCHED_CONTEXT:
        size = ATOLL_SCHED_CONTEXT_MIN_BITS - 1 + below(s, 7);
        break;
    default:
        size = below(s, 4);
        break;
    }
    if (pct(s, 8))
        size = word(s);
    unsigned root = slot_of(s, K_CNODE);
    uint64_t index = 0, depth = 0;
    if (pct(s, 40))
        slot_arg(s, root, slot_of(s, K_CNODE), &index, &depth);
    uint64_t offset = pct(s, 70) ? free_slot(s) : pct(s, 50) ? below(s, 16) : word(s);
    uint64_t count = pct(s, 75) ? 1 : pct(s, 70) ? 1 + below(s, 4) : word(s);
    put(c, type);
    put(c, size);
    put(c, index);
    put(c, depth);
    put(c, offset);
    put(c, count);
    c->caps[c->k++] = cptr_of(s, root);
}

static uint64_t cnode_data(uint64_t *s)
{
    switch (below(s, 5)) {
    case 0:
        return 0;
    case 1:
        return 1 + below(s, 255);
    case 2:
        return ATOLL_CNODE_GUARD_DATA(0, below(s, 64));
    case 3:
        return ATOLL_CNODE_GUARD_DATA(below(s, 4), below(s, 8));
    default:
        return word(s);
    }
}

static void cnode_call(struct call *c, uint64_t *s, unsigned self)
{
    c->label = pct(s, 92) ? ATOLL_CNODE_FIRST + below(s, ATOLL_CNODE_LAST - ATOLL_CNODE_FIRST + 1)
                          : below(s, 0x100);
    uint64_t index, depth;
    unsigned src_root, pivot_root;
    switch (c->label) {
    case ATOLL_CNODE_REVOKE:
    case ATOLL_CNODE_DELETE:
        /* Revoking an untyped makes its memory reusable at once. */
        slot_arg(s, self,
                 c->label == ATOLL_CNODE_REVOKE && pct(s, 25) ? slot_of(s, K_UNTYPED)
                 : pct(s, 85)                                 ? free_slot(s)
                                                              : any_slot(s),
                 &index, &depth);
        put(c, index);
        put(c, depth);
        break;
    case ATOLL_CNODE_COPY:
    case ATOLL_CNODE_MINT:
    case ATOLL_CNODE_MOVE:
    case ATOLL_CNODE_MUTATE:
        slot_arg(s, self, pct(s, 85) ? free_slot(s) : any_slot(s), &index, &depth);
        put(c, index);
        put(c, depth);
        src_root = slot_of(s, K_CNODE);
        /* Move and Mutate empty their source: mostly not a seed. */
        slot_arg(s, src_root,
                 (c->label == ATOLL_CNODE_MOVE || c->label == ATOLL_CNODE_MUTATE) && pct(s, 60)
                     ? free_slot(s)
                     : any_slot(s),
                 &index, &depth);
        put(c, index);
        put(c, depth);
        if (c->label == ATOLL_CNODE_COPY || c->label == ATOLL_CNODE_MINT)
            put(c, pct(s, 80) ? below(s, 16) : word(s));
        if (c->label == ATOLL_CNODE_MUTATE || c->label == ATOLL_CNODE_MINT)
            put(c, cnode_data(s));
        c->caps[c->k++] = cptr_of(s, src_root);
        break;
    case ATOLL_CNODE_ROTATE:
        pivot_root = slot_of(s, K_CNODE);
        src_root = slot_of(s, K_CNODE);
        slot_arg(s, self, pct(s, 60) ? free_slot(s) : any_slot(s), &index, &depth);
        put(c, index);
        put(c, depth);
        put(c, pct(s, 60) ? 0 : cnode_data(s));
        slot_arg(s, pivot_root, any_slot(s), &index, &depth);
        put(c, index);
        put(c, depth);
        put(c, pct(s, 60) ? 0 : cnode_data(s));
        slot_arg(s, src_root, pct(s, 60) ? free_slot(s) : any_slot(s), &index, &depth);
        put(c, index);
        put(c, depth);
        c->caps[c->k++] = cptr_of(s, pivot_root);
        c->caps[c->k++] = cptr_of(s, src_root);
        break;
    default:
        random_message(c, s);
        break;
    }
}

static uint64_t ipc_buffer_address(uint64_t *s)
{
    static const uint64_t bases[] = {
        UINT64_C(0x7ffffff11000),
        UINT64_C(0x10000000),
        UINT64_C(0x7ffffffff000),
        UINT64_C(0x1000),
    };
    if (pct(s, 35))
        return 0;
    if (pct(s, 75)) {
        /* Every aligned place in a page, the last one (where a whole
         * buffer no longer fits) often. */
        uint64_t places = 4096 / ATOLL_IPC_BUFFER_ALIGN;
        uint64_t place = pct(s, 40) ? places - 1 : below(s, places);
        return bases[below(s, 4)] + place * ATOLL_IPC_BUFFER_ALIGN;
    }
    return word(s);
}

static void tcb_call(struct call *c, uint64_t *s)
{
    unsigned r = (unsigned)below(s, 100);
    c->label = r < 84   ? ATOLL_TCB_FIRST + below(s, ATOLL_TCB_SET_ABORT_MASK - ATOLL_TCB_FIRST + 1)
               : r < 92 ? ATOLL_TCB_SET_TIMEOUT_ENDPOINT
                        : below(s, 0x100);
    switch (c->label) {
    case ATOLL_TCB_CONFIGURE:
        put(c, ipc_buffer_address(s));
        cap(c, s, K_CNODE);
        cap(c, s, K_PML4);
        cap(c, s, K_FRAME_4K);
        if (pct(s, 10))
            c->k = below(s, 4);
        break;
    case ATOLL_TCB_SET_PRIORITY:
    case ATOLL_TCB_SET_MCP:
        put(c, pct(s, 70) ? below(s, 130) : pct(s, 50) ? 126 + below(s, 4) : word(s));
        cap(c, s, K_TCB);
        break;
    case ATOLL_TCB_READ_REGISTERS:
        put(c, pct(s, 85) ? below(s, ATOLL_REG_COUNT + 2) : word(s));
        break;
    case ATOLL_TCB_WRITE_REGISTERS: {
        put(c, pct(s, 60) ? 1 : pct(s, 75) ? 0 : word(s));
        uint64_t count = pct(s, 85) ? below(s, ATOLL_REG_COUNT + 2) : word(s);
        put(c, count);
        size_t have = count < ATOLL_REG_COUNT ? count : ATOLL_REG_COUNT;
        if (pct(s, 5))
            have = below(s, have + 1);
        for (size_t i = 0; i < have; i++)
            put(c, word(s));
        break;
    }
    case ATOLL_TCB_BIND_NOTIFICATION:
        cap(c, s, K_NOTIFICATION);
        break;
    case ATOLL_TCB_SET_AFFINITY:
        put(c, pct(s, 75) ? below(s, 2) : word(s));
        break;
    case ATOLL_TCB_SET_TIMEOUT_ENDPOINT:
    case ATOLL_TCB_SET_FAULT_ENDPOINT:
        if (pct(s, 75))
            cap(c, s, K_ENDPOINT);
        else if (pct(s, 30))
            cap(c, s, (enum seed_kind)below(s, K_KINDS));
        break;
    case ATOLL_TCB_SET_NAME:
        put(c, word(s));
        put(c, word(s));
        break;
    case ATOLL_TCB_SET_ABORT_MASK:
        put(c, pct(s, 60) ? UINT64_C(1) << below(s, 8) : word(s));
        break;
    case ATOLL_TCB_RESUME:
    case ATOLL_TCB_SUSPEND:
    case ATOLL_TCB_UNBIND_NOTIFICATION:
        if (pct(s, 10))
            random_message(c, s);
        break;
    default:
        random_message(c, s);
        break;
    }
}

/* A virtual address for a map: mostly where the seeded tables are (the
 * seeded VSpace has a PDPT at 0, a PD at 0, a PT at 2 MiB). */
static uint64_t map_address(uint64_t *s)
{
    switch (below(s, 7)) {
    case 0:
    case 1:
        return UINT64_C(0x200000) + below(s, 512) * 0x1000;
    case 2:
        return below(s, 512) * UINT64_C(0x200000);
    case 3:
        return below(s, 512) * UINT64_C(0x40000000);
    case 4:
        return below(s, 256) * UINT64_C(0x8000000000);
    case 5:
        return UINT64_C(0x201000) + below(s, 8) * 0x1000 + (pct(s, 20) ? below(s, 4096) : 0);
    default:
        return word(s);
    }
}

static uint64_t map_rights(uint64_t *s)
{
    return pct(s, 85) ? below(s, 16) : word(s);
}

static uint64_t map_attributes(uint64_t *s)
{
    return pct(s, 85) ? below(s, 4) : word(s);
}

static void frame_call(struct call *c, uint64_t *s)
{
    c->label = pct(s, 90) ? ATOLL_FRAME_FIRST + below(s, 4) : below(s, 0x100);
    switch (c->label) {
    case ATOLL_FRAME_MAP:
        put(c, map_address(s));
        put(c, map_rights(s));
        put(c, map_attributes(s));
        cap(c, s, K_PML4);
        break;
    case ATOLL_FRAME_UNMAP:
    case ATOLL_FRAME_GET_ADDRESS:
        break;
    default:
        random_message(c, s);
        break;
    }
}

static void page_table_call(struct call *c, uint64_t *s)
{
    c->label = pct(s, 90) ? ATOLL_PAGE_TABLE_FIRST + below(s, 3) : below(s, 0x100);
    switch (c->label) {
    case ATOLL_PAGE_TABLE_MAP:
        put(c, map_address(s));
        cap(c, s, K_PML4);
        break;
    case ATOLL_PAGE_TABLE_UNMAP:
        break;
    default:
        random_message(c, s);
        break;
    }
}

/* The frame range of a MapFrames/UnmapFrames: a CNode and slots in it. */
static void frame_range(struct call *c, uint64_t *s)
{
    unsigned root = slot_of(s, K_CNODE);
    uint64_t index = 0, depth = 0;
    if (pct(s, 30))
        slot_arg(s, root, slot_of(s, K_CNODE), &index, &depth);
    put(c, index);
    put(c, depth);
    unsigned frames = fuzz.by_kind_count[K_FRAME_4K];
    put(c, pct(s, 75) && frames ? fuzz.by_kind[K_FRAME_4K][below(s, frames)] : word(s));
    put(c, pct(s, 85) ? 1 + below(s, 5) : word(s));
    c->caps[c->k++] = cptr_of(s, root);
}

static void vspace_call(struct call *c, uint64_t *s)
{
    c->label = pct(s, 90) ? ATOLL_VSPACE_FIRST + below(s, 4) : below(s, 0x100);
    switch (c->label) {
    case ATOLL_VSPACE_MAP_FRAMES:
        put(c, map_address(s));
        put(c, map_rights(s));
        put(c, map_attributes(s));
        frame_range(c, s);
        break;
    case ATOLL_VSPACE_UNMAP_FRAMES:
        frame_range(c, s);
        break;
    case ATOLL_VSPACE_ASSIGN:
        break;
    default:
        random_message(c, s);
        break;
    }
}

static void irq_handler_call(struct call *c, uint64_t *s)
{
    c->label = pct(s, 90) ? ATOLL_IRQ_HANDLER_FIRST + below(s, 4) : below(s, 0x100);
    if (c->label == ATOLL_IRQ_HANDLER_SET_NOTIFICATION)
        cap(c, s, K_NOTIFICATION);
    else if (pct(s, 20))
        random_message(c, s);
}

static void ioport_call(struct call *c, uint64_t *s)
{
    c->label = pct(s, 90) ? ATOLL_IOPORT_FIRST + below(s, 7) : below(s, 0x100);
    static const uint64_t ports[] = {0x6f, 0x70, 0x71, 0x72, 0x7f, 0x80, 0x81};
    put(c, pct(s, 80) ? ports[below(s, sizeof ports / sizeof ports[0])] : word(s));
    if (c->label >= ATOLL_IOPORT_OUT8)
        put(c, pct(s, 80) ? below(s, 256) : word(s));
    if (pct(s, 5))
        random_message(c, s);
}

/* IOSpace Map/Unmap with frames (without a remapping unit both are
 * ILLEGAL_OPERATION; with one, IOVAs near the table boundaries). */
static void iospace_call(struct call *c, uint64_t *s)
{
    c->label = pct(s, 90) ? ATOLL_IOSPACE_FIRST + below(s, 2) : below(s, 0x100);
    if (c->label == ATOLL_IOSPACE_MAP) {
        static const uint64_t iovas[] = {
            0, 0x1000, 0x200000, 0x40000000, UINT64_C(1) << 39, (UINT64_C(1) << 48) - 0x1000};
        put(c, pct(s, 80) ? iovas[below(s, sizeof iovas / sizeof iovas[0])] : word(s));
        put(c, pct(s, 80) ? below(s, 4) : word(s));
    }
    cap(c, s, pct(s, 70) ? K_FRAME_4K : K_FRAME_2M);
    if (pct(s, 5))
        random_message(c, s);
}

/* A time in µs: around the kernel's limits (minimum budget, an hour). */
static uint64_t micros(uint64_t *s)
{
    switch (below(s, 6)) {
    case 0:
        return ATOLL_SCHED_MIN_BUDGET_US - 1 + below(s, 3);
    case 1:
    case 2:
        return ATOLL_SCHED_MIN_BUDGET_US + below(s, 20000);
    case 3:
        return ATOLL_SCHED_MAX_PERIOD_US - 1 + below(s, 3);
    case 4:
        return below(s, 1000000);
    default:
        return word(s);
    }
}

static void sched_context_call(struct call *c, uint64_t *s)
{
    c->label = pct(s, 90) ? ATOLL_SCHED_CONTEXT_FIRST + below(s, 4) : below(s, 0x100);
    if (c->label == ATOLL_SCHED_CONTEXT_BIND)
        cap(c, s, pct(s, 90) ? K_TCB : (enum seed_kind)below(s, K_KINDS));
    else if (pct(s, 10))
        random_message(c, s);
}

static void sched_control_call(struct call *c, uint64_t *s)
{
    c->label = pct(s, 90) ? ATOLL_SCHED_CONTROL_FIRST + below(s, 3) : below(s, 0x100);
    switch (c->label) {
    case ATOLL_SCHED_CONTROL_CONFIGURE_FLAGS: {
        uint64_t budget = micros(s);
        put(c, budget);
        put(c, pct(s, 40) ? budget : pct(s, 60) ? budget * (1 + below(s, 10)) : micros(s));
        put(c, pct(s, 80) ? below(s, 8) : word(s));
        put(c, word(s));
        put(c, pct(s, 90) ? 0 : word(s));
        cap(c, s, K_SCHED_CONTEXT);
        if (pct(s, 5))
            c->n = below(s, c->n + 1);
        break;
    }
    case ATOLL_SCHED_CONTROL_SET_ENDPOINT_THRESHOLD:
        put(c, pct(s, 30) ? 0 : micros(s));
        cap(c, s, K_ENDPOINT);
        break;
    default:
        random_message(c, s);
        break;
    }
}

static uint64_t reply_cptr(uint64_t *s)
{
    if (pct(s, 8))
        return pct(s, 50) ? 0 : word(s);
    return cptr_of(s, slot_of(s, K_REPLY));
}

/* Endpoint, notification and reply targets: IPC system calls. Calls that
 * can block for good are rare (the supervisor restarts a stuck worker). */
static void ipc_call(struct call *c, uint64_t *s, enum seed_kind kind)
{
    unsigned r = (unsigned)below(s, 1000);
    c->label = pct(s, 50) ? below(s, 0x100) : word(s) & ((UINT64_C(1) << 52) - 1);
    random_message(c, s);
    switch (kind) {
    case K_ENDPOINT:
        if (r < 480)
            c->number = ATOLL_SYS_NBSEND;
        else if (r < 860)
            c->number = ATOLL_SYS_NBRECV;
        else if (r < 940)
            /* The victims serve E0 (and its copies): a Call there comes
             * back; anywhere else it waits for the supervisor. */
            c->number = fuzz.seed[c->slot].served || r < 865 ? ATOLL_SYS_CALL : ATOLL_SYS_NBSEND;
        else if (r < 985)
            c->number = ATOLL_SYS_POLL + below(s, 2) * (ATOLL_SYS_SIGNAL - ATOLL_SYS_POLL);
        else if (r < 992)
            c->number = ATOLL_SYS_SEND;
        else if (r < 996)
            c->number = ATOLL_SYS_RECV;
        else
            c->number = ATOLL_SYS_REPLY_RECV;
        break;
    case K_NOTIFICATION:
        if (r < 350)
            c->number = ATOLL_SYS_SIGNAL;
        else if (r < 700)
            c->number = ATOLL_SYS_POLL;
        else if (r < 800)
            c->number = ATOLL_SYS_NBSEND;
        else if (r < 880)
            c->number = ATOLL_SYS_CALL;
        else if (r < 990)
            c->number = ATOLL_SYS_NBRECV;
        else if (r < 995)
            c->number = ATOLL_SYS_WAIT;
        else
            c->number = ATOLL_SYS_RECV;
        break;
    default: /* reply */
        if (r < 400)
            c->number = ATOLL_SYS_SEND;
        else if (r < 700)
            c->number = ATOLL_SYS_NBSEND;
        else if (r < 900)
            c->number = ATOLL_SYS_CALL;
        else
            c->number = ATOLL_SYS_NBRECV;
        break;
    }
    c->reply = reply_cptr(s);
}

/* The kinds of targets, weighted; K_EMPTY stands for any slot. */
static const uint8_t target_kinds[] = {
    K_UNTYPED,       K_UNTYPED,      K_UNTYPED,  K_CNODE,
    K_CNODE,         K_CNODE,        K_CNODE,    K_CNODE,
    K_TCB,           K_TCB,          K_TCB,      K_TCB,
    K_ENDPOINT,      K_ENDPOINT,     K_ENDPOINT, K_ENDPOINT,
    K_NOTIFICATION,  K_NOTIFICATION, K_REPLY,    K_SCHED_CONTEXT,
    K_SCHED_CONTROL, K_FRAME_4K,     K_FRAME_2M, K_PML4,
    K_PDPT,          K_PD,           K_PT,       K_EMPTY,
    K_TCB,           K_TCB,          K_PML4,     K_FRAME_4K,
    K_IRQ_HANDLER,   K_IOPORT,       K_PT,       K_IOSPACE,
};

static void generate(struct call *c, uint64_t *s)
{
    c->n = c->k = 0;
    c->label = c->reply = 0;
    c->kind = K_KINDS;
    c->number = ATOLL_SYS_CALL;
    unsigned r = (unsigned)below(s, 10000);
    if (r < 150) {
        c->number = ATOLL_SYS_YIELD; /* lets the supervisor in on core 0 */
        c->cptr = word(s);
        return;
    }
    if (r < 230) {
        /* Any system-call number (never the console write: random bytes
         * on the console could look like anything), any target. */
        do
            c->number = pct(s, 80) ? below(s, 0x48) : word(s);
        while (c->number == ATOLL_SYS_DEBUG_PUTS ||
               (c->number == ATOLL_SYS_DEBUG_CHECK && r != 150) ||
               (c->number == ATOLL_SYS_DEBUG_EXIT && r > 152));
        c->cptr = cptr_of(s, any_slot(s));
        c->label = word(s);
        c->reply = reply_cptr(s);
        random_message(c, s);
        return;
    }
    enum seed_kind kind = (enum seed_kind)target_kinds[below(s, sizeof target_kinds)];
    unsigned slot = kind == K_EMPTY ? any_slot(s) : slot_of(s, kind);
    c->cptr = cptr_of(s, slot);
    c->slot = slot;
    kind = (enum seed_kind)fuzz.seed[slot].kind;
    c->kind = kind;
    switch (kind) {
    case K_UNTYPED:
        untyped_call(c, s);
        break;
    case K_CNODE:
        cnode_call(c, s, slot);
        break;
    case K_TCB:
        tcb_call(c, s);
        break;
    case K_ENDPOINT:
    case K_NOTIFICATION:
    case K_REPLY:
        ipc_call(c, s, kind);
        return;
    case K_SCHED_CONTEXT:
        sched_context_call(c, s);
        break;
    case K_SCHED_CONTROL:
        sched_control_call(c, s);
        break;
    case K_FRAME_4K:
    case K_FRAME_2M:
        frame_call(c, s);
        break;
    case K_PML4:
        vspace_call(c, s);
        break;
    case K_PDPT:
    case K_PD:
    case K_PT:
        page_table_call(c, s);
        break;
    case K_IRQ_HANDLER:
        irq_handler_call(c, s);
        break;
    case K_IOPORT:
        ioport_call(c, s);
        break;
    case K_IOSPACE:
        iospace_call(c, s);
        break;
    default:
        c->label = below(s, 0x100);
        random_message(c, s);
        break;
    }
    /* Invocations: mostly Call; Send and NBSend drop the reply. */
    unsigned how = (unsigned)below(s, 100);
    c->number = how < 88 ? ATOLL_SYS_CALL : how < 94 ? ATOLL_SYS_NBSEND : ATOLL_SYS_SEND;
    if (pct(s, 5)) {
        size_t had = c->k;
        c->k = below(s, ATOLL_MSG_MAX_CAPS + 1); /* fewer or more caps than it needs */
        for (size_t i = had; i < c->k; i++)
            c->caps[i] = cptr_of(s, any_slot(s));
    }
}

static void issue(struct worker *w, struct call *c)
{
    uint64_t *s = &w->rng;
    struct atoll_ipc_buffer *b = w->buffer;
    uint64_t mr[ATOLL_MSG_REGISTERS];
    c->length = c->n;
    if (pct(s, 2))
        c->length = below(s, 128); /* claims more (or fewer) words than set */
    for (size_t i = 0; i < ATOLL_MSG_REGISTERS; i++)
        mr[i] = i < c->n ? c->w[i] : word(s);
    if (b) {
        for (size_t i = ATOLL_MSG_REGISTERS; i < c->n; i++)
            b->msg[i] = c->w[i];
        for (size_t i = 0; i < c->k && i < ATOLL_MSG_MAX_CAPS; i++)
            b->caps_or_badges[i] = c->caps[i];
        if (pct(s, 10)) {
            /* Where a granted capability lands. */
            unsigned r = (unsigned)below(s, 10);
            b->receive_cnode = word(s);
            unsigned sub = sub_bits(s);
            if (r < 7) {
                b->receive_index = free_slot(s);
                b->receive_depth = ATOLL_CPTR_BITS - sub;
            } else if (r < 8) {
                b->receive_index = ((uint64_t)slot_of(s, K_CNODE) << sub) | below(s, 256);
                b->receive_depth = ATOLL_CPTR_BITS;
            } else {
                b->receive_index = word(s);
                b->receive_depth = word(s);
            }
        }
    }
    uint64_t info = atoll_msginfo(c->label & ((UINT64_C(1) << 52) - 1), c->length, c->k);
    if (pct(s, 1))
        info = word(s);
    w->by_syscall[c->number < 16 ? c->number : 0]++;
    struct trace_entry *t = &w->trace[w->started % TRACE_LENGTH];
    t->magic = TRACE_MAGIC | (uint64_t)(w - workers);
    t->seq = w->started + 1;
    t->number = c->number;
    t->cptr = c->cptr;
    t->info = info;
    t->reply = c->reply;
    for (size_t i = 0; i < ATOLL_MSG_REGISTERS; i++) {
        t->mr[i] = mr[i];
        t->words[i] = ATOLL_MSG_REGISTERS + i < c->n ? c->w[ATOLL_MSG_REGISTERS + i] : 0;
    }
    for (size_t i = 0; i < ATOLL_MSG_MAX_CAPS; i++)
        t->caps[i] = i < c->k ? c->caps[i] : 0;
    t->receive_index = b ? b->receive_index : 0;
    t->receive_depth = b ? b->receive_depth : 0;
    t->result = ~UINT64_C(0);
    w->started++;
    uint64_t t0 = rdtsc();
    struct atoll_syscall_result r = atoll_syscall_reply(c->number, c->cptr, info, mr, c->reply);
    t->result = r.error;
    uint64_t took = rdtsc() - t0;
    w->cycles_by_kind[c->kind < K_KINDS ? c->kind : K_KINDS] += took;
    if (took > w->slowest) {
        w->slowest = took;
        w->slowest_number = c->number;
        w->slowest_label = c->label;
        w->slowest_kind = c->kind;
    }
    w->results[r.error < ATOLL_ERROR_COUNT ? r.error : ATOLL_ERROR_COUNT]++;
    if (r.error == ATOLL_OK && c->number == ATOLL_SYS_CALL && c->label < 256)
        w->ok_by_label[c->label]++;
    w->count++;
}

_Noreturn void worker_main(uint64_t id)
{
    struct worker *w = &workers[id % FUZZ_WORKERS];
    static struct call calls[FUZZ_WORKERS];
    struct call *c = &calls[id % FUZZ_WORKERS];
    uint64_t none[ATOLL_MSG_REGISTERS] = {0};
    w->restarts++;
    for (;;) {
        while (!w->go)
            atoll_syscall(ATOLL_SYS_YIELD, 0, 0, none);
        generate(c, &w->rng);
        issue(w, c);
    }
}
