/* libFuzzer target for the capability core (kernel/cap/).
 *
 * The input is a program: a sequence of operations with arguments drawn
 * from the following bytes, run against a fresh capability space: a root
 * CNode of 64 slots that resolves only its own 6 bits (no guard), so that
 * pointers reach into nested CNodes; a 128 KiB untyped in slot 1 and a
 * 2 GiB device untyped in slot 2. Every operation that changes anything is
 * an invocation through decode + perform, as the system-call layer makes
 * them.
 *
 * After every operation:
 *   - cap_check_invariants() must pass;
 *   - an invocation that failed must have changed no byte of the root
 *     CNode, the untyped memory or the root slot (decode, then perform);
 *   - the object hooks must be consistent (no object finalised twice, none
 *     created over a live one).
 * At the end, everything is deleted (unreachable self-referential Zombies
 * too) and every object ever created must have been finalised exactly
 * once. Any failure aborts with a message.
 *
 * Encoding (a byte past the end reads as 0):
 *   op        := byte % OP_COUNT, then its arguments:
 *   RETYPE    untyped:ref type:byte size:byte [u64 if size >= 0xf0]
 *             node:byte [ref if node % 4 == 3] offset:byte count:byte
 *   CNODE     label:byte invoked:byte dest:ref length:byte [byte] then
 *             Rotate: pivot:ref src:ref data data; others: src:ref
 *             rights-or-data data; then extra:byte
 *   LOOKUP    invoked:byte cptr:u64 depth:byte
 *   NEST      how:byte src:byte cnode:byte index:byte — Move, Copy or Mint
 *             root slot `src` into slot `index` of the cnode-th CNode held
 *             in the root
 *   UNNEST    cnode:byte index:byte dest:byte — Move it back to root slot
 *             `dest`
 *   ref       := mode:byte; mode % 4 in {0, 1}: root slot (byte);
 *                2: nested slot (cnode:byte index:byte); 3: cptr:u64
 *                depth:byte (anything)
 * Building with -DFUZZ_CAP_SEEDS gives instead a program that writes the
 * seed corpus (tests/fuzz/corpus_cap/) from the same definitions. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/test_cap_host.h"

#define ROOT_RADIX           6
#define ROOT_RADIX_FOR_TRACE ROOT_RADIX
#define ROOT_SLOTS           (1u << ROOT_RADIX)
#define UNTYPED_BITS         17
#define RAW_DEPTH_CHOICES    80 /* depths 0..79: some beyond 64 */
#define COUNT_CHOICES        6
#define RAW_SIZE_MARK        0xf0 /* size bytes from here on: a raw 64-bit size */
#define RAW_COUNT_MARK       0xf8 /* count bytes from here on: large counts */

enum op {
    OP_RETYPE,
    OP_CNODE,
    OP_LOOKUP,
    OP_NEST,
    OP_UNNEST,
    OP_COUNT,
};

enum ref_mode {
    REF_ROOT = 0,
    REF_NESTED = 2,
    REF_RAW = 3,
};

enum data_mode {
    DATA_ZERO = 0,
    DATA_BADGE = 1,
    DATA_GUARD = 2,
    DATA_RAW = 3,
};

enum nest_how {
    NEST_MOVE = 0,
    NEST_COPY = 1,
    NEST_MINT = 2,
    NEST_HOW_COUNT = 3,
};

static const uint64_t cnode_labels[] = {
    ATOLL_CNODE_REVOKE, ATOLL_CNODE_DELETE, ATOLL_CNODE_COPY,   ATOLL_CNODE_MINT,
    ATOLL_CNODE_MOVE,   ATOLL_CNODE_MUTATE, ATOLL_CNODE_ROTATE, ATOLL_UNTYPED_RETYPE,
};
#define CNODE_LABEL_CHOICES (sizeof(cnode_labels) / sizeof(cnode_labels[0]))

#ifndef FUZZ_CAP_SEEDS

struct input {
    const uint8_t *data;
    size_t size, pos;
};

static uint8_t next_byte(struct input *in)
{
    return in->pos < in->size ? in->data[in->pos++] : 0;
}

static uint64_t next_u64(struct input *in)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | next_byte(in);
    return v;
}

static struct cap_env env;

/* ATOLL_FUZZ_TRACE=1 prints every invocation and its result, to triage a
 * crash input: build/host/fuzz_cap crash-... */
static bool trace;

static void trace_words(const char *what, uint64_t label, const uint64_t *words, size_t length)
{
    if (!trace)
        return;
    fprintf(stderr, "  %s label 0x%" PRIx64 ":", what, label);
    for (size_t i = 0; i < length; i++)
        fprintf(stderr, " %" PRIx64, words[i]);
    fprintf(stderr, "\n");
}

static void trace_root(void)
{
    if (!trace)
        return;
    fprintf(stderr, "    root:");
    for (unsigned i = 0; i < (1u << ROOT_RADIX_FOR_TRACE); i++)
        if (!cap_is_null(&env.root[i].cap))
            fprintf(stderr, " %u:%d", i, (int)cap_type(&env.root[i].cap));
    fprintf(stderr, "\n");
}

static _Noreturn void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_cap: %s: %s\n", what, detail ? detail : "");
    abort();
}

/* A slot reference as a system call carries it. */
struct ref {
    uint64_t cptr, depth;
};

/* The root slot of the pick-th CNode capability in the root (counting
 * round), or -1 when there is none. */
static int nth_cnode(uint8_t pick)
{
    unsigned found = 0;
    for (unsigned i = 0; i < ROOT_SLOTS; i++)
        found += cap_type(&env.root[i].cap) == CAP_CNODE;
    if (found == 0)
        return -1;
    unsigned want = pick % found;
    for (unsigned i = 0; i < ROOT_SLOTS; i++)
        if (cap_type(&env.root[i].cap) == CAP_CNODE && want-- == 0)
            return (int)i;
    return -1;
}

/* Slot `index` of the CNode in root slot `outer`, through its guard; the
 * root slot itself when that cannot be expressed in 64 bits. */
static struct ref nested_ref(unsigned outer, uint8_t index)
{
    const struct cap *c = &env.root[outer].cap;
    struct ref r = {outer, ROOT_RADIX};
    unsigned radix = cap_cnode_radix(c), guard_size = cap_cnode_guard_size(c);
    unsigned level = radix + guard_size;
    if (ROOT_RADIX + level <= ATOLL_CPTR_BITS) {
        uint64_t low =
            ((cap_cnode_guard(c) << radix) | (index & cap_bits_mask(radix))) & cap_bits_mask(level);
        r.cptr = ((uint64_t)outer << level) | low;
        r.depth = ROOT_RADIX + level;
    }
    return r;
}

static struct ref next_ref(struct input *in)
{
    uint8_t mode = next_byte(in);
    struct ref r;

    switch (mode % 4) {
    case REF_NESTED: {
        int outer = nth_cnode(next_byte(in));
        uint8_t index = next_byte(in);
        if (outer >= 0)
            return nested_ref((unsigned)outer, index);
        r.cptr = index % ROOT_SLOTS;
        r.depth = ROOT_RADIX;
        return r;
    }
    case REF_RAW:
        r.cptr = next_u64(in);
        r.depth = next_byte(in) % RAW_DEPTH_CHOICES;
        return r;
    default:
        r.cptr = next_byte(in) % ROOT_SLOTS;
        r.depth = ROOT_RADIX;
        return r;
    }
}

/* The capability an invocation is made on: usually the root CNode cap,
 * else whatever a root slot holds (decode must cope with any type). */
static const struct cap *next_invoked(struct input *in)
{
    uint8_t b = next_byte(in);
    if (b < 0xc0)
        return env_root_cap(&env);
    return &env.root[b % ROOT_SLOTS].cap;
}

static uint64_t next_data(struct input *in)
{
    uint8_t mode = next_byte(in);
    switch (mode % 4) {
    case DATA_ZERO:
        return 0;
    case DATA_BADGE:
        return next_byte(in);
    case DATA_GUARD: {
        uint8_t guard = next_byte(in);
        return ATOLL_CNODE_GUARD_DATA(guard & 0xf, next_byte(in) % 66);
    }
    default:
        return next_u64(in);
    }
}

static uint64_t next_rights(struct input *in)
{
    uint8_t b = next_byte(in);
    return b < 0xf0 ? (b & ATOLL_RIGHTS_ALL) : next_u64(in);
}

/* Sizes that mostly fit the 128 KiB untyped. */
static uint64_t next_size_bits(struct input *in, uint64_t type)
{
    uint8_t b = next_byte(in);
    if (b >= RAW_SIZE_MARK)
        return next_u64(in);
    switch (type) {
    case ATOLL_OBJECT_CNODE:
        return 1 + b % 8;
    case ATOLL_OBJECT_UNTYPED:
        return ATOLL_UNTYPED_MIN_BITS + b % 16;
    case ATOLL_OBJECT_SCHED_CONTEXT:
        return ATOLL_SCHED_CONTEXT_MIN_BITS + b % 6;
    default:
        return b;
    }
}

/* ---- the state a failed invocation must leave untouched ---- */

static uint8_t *snapshot_root, *snapshot_untyped;
static struct cap_slot snapshot_root_slot;

static size_t root_bytes(void)
{
    return (size_t)1 << ATOLL_CNODE_SIZE_BITS(ROOT_RADIX);
}

static void take_snapshot(void)
{
    memcpy(snapshot_root, env.root_memory, root_bytes());
    memcpy(snapshot_untyped, env.untyped_memory, (size_t)1 << UNTYPED_BITS);
    snapshot_root_slot = env.root_slot;
}

static void check_unchanged(const char *op, const struct atoll_error_detail *e)
{
    if (memcmp(snapshot_root, env.root_memory, root_bytes()) != 0 ||
        memcmp(snapshot_untyped, env.untyped_memory, (size_t)1 << UNTYPED_BITS) != 0 ||
        memcmp(&snapshot_root_slot, &env.root_slot, sizeof(env.root_slot)) != 0) {
        char detail[96];
        snprintf(detail, sizeof(detail), "%s failed with %" PRIu64 " but changed state", op,
                 e->code);
        die("decode changed state", detail);
    }
}

/* ---- operations ---- */

static struct atoll_error_detail invoke_cnode(uint64_t label, const struct cap *invoked,
                                              const uint64_t *words, size_t length,
                                              size_t extra_count)
{
    struct cap_slot *extra[2] = {&env.root_slot, &env.root_slot};
    struct cnode_invocation inv;
    trace_words(invoked == env_root_cap(&env) ? "cnode" : "cnode (other root)", label, words,
                length);
    struct atoll_error_detail e =
        cnode_decode(label, invoked, words, length, extra, extra_count, &inv);
    if (!cap_failed(&e))
        cnode_perform(&inv);
    return e;
}

static struct atoll_error_detail op_retype(struct input *in)
{
    struct ref untyped = next_ref(in);
    uint64_t type = next_byte(in) % (ATOLL_OBJECT_TYPE_COUNT + 2);
    uint64_t size_bits = next_size_bits(in, type);
    struct ref node = {0, 0};
    if (next_byte(in) % 4 == REF_RAW)
        node = next_ref(in);
    uint64_t offset = next_byte(in) % (ROOT_SLOTS + 16);
    uint8_t count_byte = next_byte(in);
    uint64_t count = count_byte < RAW_COUNT_MARK ? 1 + count_byte % COUNT_CHOICES : count_byte * 3u;

    struct cap_slot *slot;
    struct atoll_error_detail e =
        cap_lookup_slot(env_root_cap(&env), untyped.cptr, untyped.depth, &slot);
    if (cap_failed(&e))
        return e;
    if (cap_type(&slot->cap) != CAP_UNTYPED)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);

    uint64_t words[ATOLL_RETYPE_ARGS];
    words[ATOLL_RETYPE_ARG_TYPE] = type;
    words[ATOLL_RETYPE_ARG_SIZE_BITS] = size_bits;
    words[ATOLL_RETYPE_ARG_NODE_INDEX] = node.cptr;
    words[ATOLL_RETYPE_ARG_NODE_DEPTH] = node.depth;
    words[ATOLL_RETYPE_ARG_NODE_OFFSET] = offset;
    words[ATOLL_RETYPE_ARG_COUNT] = count;
    struct cap_slot *extra[1] = {&env.root_slot};
    struct untyped_retype retype;
    if (trace)
        fprintf(stderr, "  untyped (0x%" PRIx64 ", %" PRIu64 ") free 0x%" PRIx64 "\n", untyped.cptr,
                untyped.depth, cap_untyped_free_offset(&slot->cap));
    trace_words("retype", ATOLL_UNTYPED_RETYPE, words, ATOLL_RETYPE_ARGS);
    e = untyped_decode(ATOLL_UNTYPED_RETYPE, slot, words, ATOLL_RETYPE_ARGS, extra, 1, &retype);
    if (!cap_failed(&e))
        untyped_perform_retype(&retype);
    return e;
}

static struct atoll_error_detail op_cnode(struct input *in)
{
    uint64_t label = cnode_labels[next_byte(in) % CNODE_LABEL_CHOICES];
    const struct cap *invoked = next_invoked(in);
    struct ref dest = next_ref(in);
    uint64_t words[ATOLL_ROTATE_ARGS] = {0};
    uint8_t length_byte = next_byte(in);
    size_t length = length_byte % 16 == 0 ? next_byte(in) % ATOLL_ROTATE_ARGS : ATOLL_ROTATE_ARGS;

    words[0] = dest.cptr;
    words[1] = dest.depth;
    if (label == ATOLL_CNODE_ROTATE) {
        struct ref pivot = next_ref(in), src = next_ref(in);
        words[ATOLL_ROTATE_ARG_DEST_DATA] = next_data(in);
        words[ATOLL_ROTATE_ARG_PIVOT_INDEX] = pivot.cptr;
        words[ATOLL_ROTATE_ARG_PIVOT_DEPTH] = pivot.depth;
        words[ATOLL_ROTATE_ARG_PIVOT_DATA] = next_data(in);
        words[ATOLL_ROTATE_ARG_SRC_INDEX] = src.cptr;
        words[ATOLL_ROTATE_ARG_SRC_DEPTH] = src.depth;
    } else {
        struct ref src = next_ref(in);
        words[ATOLL_CNODE_ARG_SRC_INDEX] = src.cptr;
        words[ATOLL_CNODE_ARG_SRC_DEPTH] = src.depth;
        words[ATOLL_CNODE_ARG_RIGHTS] =
            label == ATOLL_CNODE_MUTATE ? next_data(in) : next_rights(in);
        words[ATOLL_CNODE_ARG_MINT_DATA] = next_data(in);
    }
    size_t extra_count = next_byte(in) % 32 == 0 ? 0 : 2;
    return invoke_cnode(label, invoked, words, length, extra_count);
}

static struct atoll_error_detail op_nest(struct input *in)
{
    uint8_t how = next_byte(in) % NEST_HOW_COUNT;
    uint8_t src = next_byte(in) % ROOT_SLOTS;
    int outer = nth_cnode(next_byte(in));
    uint8_t index = next_byte(in);
    if (outer < 0)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    struct ref dest = nested_ref((unsigned)outer, index);
    uint64_t words[] = {dest.cptr, dest.depth, src, ROOT_RADIX, ATOLL_RIGHTS_ALL, index};
    static const uint64_t labels[NEST_HOW_COUNT] = {ATOLL_CNODE_MOVE, ATOLL_CNODE_COPY,
                                                    ATOLL_CNODE_MINT};
    return invoke_cnode(labels[how], env_root_cap(&env), words, 6, 2);
}

static struct atoll_error_detail op_unnest(struct input *in)
{
    int outer = nth_cnode(next_byte(in));
    uint8_t index = next_byte(in);
    uint8_t dest = next_byte(in) % ROOT_SLOTS;
    if (outer < 0)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    struct ref src = nested_ref((unsigned)outer, index);
    uint64_t words[] = {dest, ROOT_RADIX, src.cptr, src.depth};
    return invoke_cnode(ATOLL_CNODE_MOVE, env_root_cap(&env), words, 4, 2);
}

/* Lookups change nothing; their answers must be slots. */
static void op_lookup(struct input *in)
{
    const struct cap *root = next_invoked(in);
    uint64_t cptr = next_u64(in);
    uint64_t depth = next_byte(in) % RAW_DEPTH_CHOICES;
    struct cap_slot *slot = NULL;
    struct cap_lookup found;

    struct atoll_error_detail e = cap_lookup_slot(root, cptr, depth, &slot);
    if (!cap_failed(&e) && ((uintptr_t)slot % sizeof(struct cap_slot)) != 0)
        die("lookup", "misaligned slot");
    if (depth >= 1 && depth <= ATOLL_CPTR_BITS) {
        e = cap_resolve(root, cptr, (unsigned)depth, &found);
        if (!cap_failed(&e) && found.bits_remaining >= depth)
            die("resolve", "resolved no bits");
    }
    e = cap_lookup_cptr(root, cptr, &slot);
    if (!cap_failed(&e) && ((uintptr_t)slot % sizeof(struct cap_slot)) != 0)
        die("lookup_cptr", "misaligned slot");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size, 0};

    if (snapshot_root == NULL) {
        trace = getenv("ATOLL_FUZZ_TRACE") != NULL;
        snapshot_root = malloc(root_bytes());
        snapshot_untyped = malloc((size_t)1 << UNTYPED_BITS);
        if (snapshot_root == NULL || snapshot_untyped == NULL)
            abort();
    }
    env_init(&env, ROOT_RADIX, UNTYPED_BITS);
    /* Three inputs in four stop every Delete and Revoke at some preemption
     * point without restarting it (invoke_cnode performs once), so that
     * later operations meet the Zombies a stopped Delete leaves in user
     * slots. Taken from the size, not the bytes: the seeds keep their
     * meaning. */
    host_preempt_every = (unsigned)(size % 4);
    host_preemptions = 0;
    /* The root resolves only its own 6 bits. Same object and derivation
     * node; only the guard differs from what env_init made. */
    env.root_slot.cap = cap_cnode_new((uint64_t)(uintptr_t)env.root_memory, ROOT_RADIX, 0, 0);

    while (in.pos < in.size) {
        uint8_t op = next_byte(&in);
        struct atoll_error_detail e = cap_ok();
        const char *name = "lookup";

        take_snapshot();
        switch (op % OP_COUNT) {
        case OP_RETYPE:
            name = "retype";
            e = op_retype(&in);
            break;
        case OP_CNODE:
            name = "cnode";
            e = op_cnode(&in);
            break;
        case OP_NEST:
            name = "nest";
            e = op_nest(&in);
            break;
        case OP_UNNEST:
            name = "unnest";
            e = op_unnest(&in);
            break;
        default:
            op_lookup(&in);
            break;
        }
        if (trace) {
            fprintf(stderr, "%s -> %s %" PRIu64 " arg %" PRIu64 "\n", name,
                    cap_failed(&e) ? "error" : "ok", e.code, e.argument);
            trace_root();
        }
        if (cap_failed(&e))
            check_unchanged(name, &e);
        if (e.code >= ATOLL_ERROR_COUNT)
            die("error code out of the table", name);
        const char *why = env_check(&env);
        if (why != NULL)
            die("invariant", why);
        if (hooks_violation() != NULL)
            die("object hooks", hooks_violation());
    }

    env_teardown(&env);
    if (hooks_live_objects() != 0)
        die("teardown", "an object was never finalised");
    if (hooks_violation() != NULL)
        die("object hooks at teardown", hooks_violation());
    return 0;
}

#else /* FUZZ_CAP_SEEDS: write the seed corpus */

#define SEED_MAX 512

struct seed {
    uint8_t bytes[SEED_MAX];
    size_t len;
};

static void put(struct seed *s, uint8_t b)
{
    if (s->len == SEED_MAX) {
        fprintf(stderr, "seed too long\n");
        exit(1);
    }
    s->bytes[s->len++] = b;
}

static void put_u64(struct seed *s, uint64_t v)
{
    for (int i = 7; i >= 0; i--)
        put(s, (uint8_t)(v >> (8 * i)));
}

static void ref_root(struct seed *s, uint8_t slot)
{
    put(s, REF_ROOT);
    put(s, slot);
}

static void ref_raw(struct seed *s, uint64_t cptr, uint8_t depth)
{
    put(s, REF_RAW);
    put_u64(s, cptr);
    put(s, depth);
}

/* Retype `count` objects from the untyped in root slot `ut` into the root
 * at `offset`; `size` is the size byte (see next_size_bits). */
static void retype(struct seed *s, uint8_t ut, uint8_t type, uint8_t size, uint8_t offset,
                   uint8_t count)
{
    put(s, OP_RETYPE);
    ref_root(s, ut);
    put(s, type);
    put(s, size);
    put(s, 0); /* node: the root */
    put(s, offset);
    put(s, (uint8_t)(count - 1));
}

static uint8_t label_index(uint64_t label)
{
    for (uint8_t i = 0; i < CNODE_LABEL_CHOICES; i++)
        if (cnode_labels[i] == label)
            return i;
    return 0;
}

/* A data argument as next_data() reads it: a badge `a`, or a guard `a`
 * of `b` bits. */
static void put_data(struct seed *s, uint8_t mode, uint8_t a, uint8_t b)
{
    put(s, mode);
    if (mode == DATA_BADGE) {
        put(s, a);
    } else if (mode == DATA_GUARD) {
        put(s, a);
        put(s, b);
    }
}

/* A CNode invocation on root slots: dest, src, then the rights (Copy,
 * Mint) or data (Mutate) word and the Mint data word. */
static void cnode_op(struct seed *s, uint64_t label, uint8_t dest, uint8_t src, uint8_t rights,
                     uint8_t data_mode, uint8_t a, uint8_t b)
{
    put(s, OP_CNODE);
    put(s, label_index(label));
    put(s, 0); /* invoked: the root */
    ref_root(s, dest);
    put(s, 1); /* full length */
    ref_root(s, src);
    if (label == ATOLL_CNODE_MUTATE) {
        put_data(s, data_mode, a, b);
        put_data(s, DATA_ZERO, 0, 0);
    } else {
        put(s, rights);
        put_data(s, data_mode, a, b);
    }
    put(s, 1); /* extra caps present */
}

static void slot_op(struct seed *s, uint64_t label, uint8_t slot)
{
    cnode_op(s, label, slot, 0, 0, DATA_ZERO, 0, 0);
}

static void rotate(struct seed *s, uint8_t dest, uint8_t pivot, uint8_t src)
{
    put(s, OP_CNODE);
    put(s, label_index(ATOLL_CNODE_ROTATE));
    put(s, 0);
    ref_root(s, dest);
    put(s, 1);
    ref_root(s, pivot);
    ref_root(s, src);
    put(s, DATA_ZERO);
    put(s, DATA_ZERO);
    put(s, 1);
}

static void nest(struct seed *s, uint8_t how, uint8_t src, uint8_t cnode, uint8_t index)
{
    put(s, OP_NEST);
    put(s, how);
    put(s, src);
    put(s, cnode);
    put(s, index);
}

static void lookup(struct seed *s, uint64_t cptr, uint8_t depth)
{
    put(s, OP_LOOKUP);
    put(s, 0);
    put_u64(s, cptr);
    put(s, depth);
}

enum {
    UT = ENV_UNTYPED_SLOT,
    DEV = ENV_DEVICE_SLOT,
    CNODE_RADIX_2 = 1, /* size byte: radix 1 + b % 8 */
};

static void write_seed(const char *dir, const char *name, const struct seed *s)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(s->bytes, 1, s->len, f) != s->len || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s corpus-directory\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    struct seed s;

    /* Badges: mint, copy, revoke of the badged and of the original. */
    memset(&s, 0, sizeof(s));
    retype(&s, UT, ATOLL_OBJECT_ENDPOINT, 0, 10, 2);
    cnode_op(&s, ATOLL_CNODE_MINT, 12, 10, 0xf, DATA_BADGE, 7, 0);
    cnode_op(&s, ATOLL_CNODE_COPY, 13, 12, 0x3, DATA_ZERO, 0, 0);
    cnode_op(&s, ATOLL_CNODE_COPY, 14, 10, 0xf, DATA_ZERO, 0, 0);
    cnode_op(&s, ATOLL_CNODE_MINT, 15, 10, 0xf, DATA_BADGE, 7, 0);
    slot_op(&s, ATOLL_CNODE_DELETE, 12);
    slot_op(&s, ATOLL_CNODE_REVOKE, 15);
    slot_op(&s, ATOLL_CNODE_REVOKE, 10);
    slot_op(&s, ATOLL_CNODE_REVOKE, UT);
    write_seed(dir, "badges.bin", &s);

    /* Every type, device frames, untyped copies and resets. */
    memset(&s, 0, sizeof(s));
    for (uint8_t t = 0; t <= ATOLL_OBJECT_PT; t++)
        retype(&s, UT, t, t == ATOLL_OBJECT_UNTYPED ? 8 : CNODE_RADIX_2, (uint8_t)(10 + t), 1);
    retype(&s, DEV, ATOLL_OBJECT_FRAME_1G, 0, 30, 1);
    retype(&s, DEV, ATOLL_OBJECT_UNTYPED, 15, 31, 1); /* 2^19 */
    retype(&s, 31, ATOLL_OBJECT_FRAME_4K, 0, 32, 4);
    slot_op(&s, ATOLL_CNODE_REVOKE, UT);
    cnode_op(&s, ATOLL_CNODE_COPY, 40, UT, 0xf, DATA_ZERO, 0, 0);
    retype(&s, 40, ATOLL_OBJECT_TCB, 0, 41, 3);
    slot_op(&s, ATOLL_CNODE_DELETE, 40);
    retype(&s, UT, ATOLL_OBJECT_NOTIFICATION, 0, 45, 2);
    write_seed(dir, "types.bin", &s);

    /* A chain of nested CNodes whose last caps live inside each other. */
    memset(&s, 0, sizeof(s));
    retype(&s, UT, ATOLL_OBJECT_CNODE, CNODE_RADIX_2, 10, 3);
    retype(&s, UT, ATOLL_OBJECT_ENDPOINT, 0, 13, 2);
    nest(&s, NEST_MOVE, 13, 2, 1);
    nest(&s, NEST_COPY, 14, 2, 3);
    nest(&s, NEST_MOVE, 12, 1, 0);
    nest(&s, NEST_MOVE, 11, 0, 3);
    slot_op(&s, ATOLL_CNODE_DELETE, 10);
    slot_op(&s, ATOLL_CNODE_REVOKE, UT);
    write_seed(dir, "nested.bin", &s);

    /* A cycle: A[0] holds B, B[0] holds A, reachable from nothing; revoking
     * the untyped deletes B's cap in A[0], and B's teardown reaches A's cap
     * in B[0], whose Zombie swaps back into A[0]: the slot being deleted. */
    memset(&s, 0, sizeof(s));
    retype(&s, UT, ATOLL_OBJECT_CNODE, CNODE_RADIX_2, 10, 2);
    retype(&s, UT, ATOLL_OBJECT_ENDPOINT, 0, 12, 1);
    nest(&s, NEST_MOVE, 12, 1, 2); /* endpoint into B[2] */
    nest(&s, NEST_MOVE, 10, 1, 0); /* A into B[0]: B is the only CNode left */
    put(&s, OP_CNODE);             /* B into A[0], through B[0] */
    put(&s, label_index(ATOLL_CNODE_MOVE));
    put(&s, 0);
    ref_raw(&s, (11u << 4) | (0u << 2) | 0u, 10);
    put(&s, 1);
    ref_root(&s, 11);
    put(&s, 0); /* rights */
    put_data(&s, DATA_ZERO, 0, 0);
    put(&s, 1);
    slot_op(&s, ATOLL_CNODE_REVOKE, UT);
    write_seed(dir, "cycle.bin", &s);

    /* A CNode holding its own last capability, and a swap by Rotate. */
    memset(&s, 0, sizeof(s));
    retype(&s, UT, ATOLL_OBJECT_CNODE, CNODE_RADIX_2, 10, 1);
    retype(&s, UT, ATOLL_OBJECT_NOTIFICATION, 0, 11, 2);
    rotate(&s, 11, 12, 11);
    nest(&s, NEST_MINT, 11, 0, 2);
    nest(&s, NEST_MOVE, 10, 0, 1);
    lookup(&s, 0xa, 8);
    slot_op(&s, ATOLL_CNODE_REVOKE, UT);
    write_seed(dir, "self.bin", &s);

    /* An unreachable CNode: it holds its own last cap and a device
     * untyped, then the untyped it came from is deleted. */
    memset(&s, 0, sizeof(s));
    retype(&s, UT, ATOLL_OBJECT_CNODE, CNODE_RADIX_2, 11, 1);
    retype(&s, DEV, ATOLL_OBJECT_UNTYPED, 1, 12, 1);
    nest(&s, NEST_MOVE, 12, 0, 0);
    nest(&s, NEST_MOVE, 11, 0, 3);
    retype(&s, DEV, ATOLL_OBJECT_UNTYPED, 4, 13, 1);
    slot_op(&s, ATOLL_CNODE_DELETE, UT);
    slot_op(&s, ATOLL_CNODE_REVOKE, DEV);
    write_seed(dir, "orphan.bin", &s);

    /* Guards: mutate a CNode's guard, reach into it, move caps back out. */
    memset(&s, 0, sizeof(s));
    retype(&s, UT, ATOLL_OBJECT_CNODE, 2, 10, 1);                  /* radix 3 */
    cnode_op(&s, ATOLL_CNODE_MUTATE, 11, 10, 0, DATA_GUARD, 2, 2); /* guard 10b */
    retype(&s, UT, ATOLL_OBJECT_REPLY, 0, 12, 1);
    nest(&s, NEST_MOVE, 12, 0, 5);
    put(&s, OP_UNNEST);
    put(&s, 0);
    put(&s, 5);
    put(&s, 20);
    lookup(&s, (11u << 5) | (2u << 3) | 5u, 11);
    slot_op(&s, ATOLL_CNODE_DELETE, 11);
    write_seed(dir, "guards.bin", &s);
    return 0;
}

#endif
