/* See test_cap_host.h. */
#include "tests/unit/test_cap_host.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/cap/platform.h"

/* ---- Platform seam (kernel/cap/platform.h) ---- */

void *cap_phys_to_virt(uint64_t paddr)
{
    return (void *)(uintptr_t)paddr;
}

_Noreturn void cap_assert_failed(const char *file, int line, const char *expression)
{
    fprintf(stderr, "capability core assertion failed: %s (%s:%d)\n", expression, file, line);
    abort();
}

/* With host_preempt_every = n > 0, every nth preemption point stops the
 * operation (env_cnode then restarts it, as the kernel restarts the system
 * call); 0 never preempts. */
unsigned host_preempt_every;
uint64_t host_preemptions;
static unsigned points_since_preemption;

bool cap_preemption_point(void)
{
    if (host_preempt_every == 0 || ++points_since_preemption < host_preempt_every)
        return false;
    points_since_preemption = 0;
    host_preemptions++;
    return true;
}

/* ---- Hook recorder ---- */

struct object_record {
    enum cap_type type;
    uint64_t paddr;
    unsigned size_bits;
    bool live;
    unsigned finals, nonfinals;
};

static struct object_record *records;
static size_t record_count, record_capacity;
static unsigned final_total, init_total;
static char violation[256];
static bool has_violation;

static void note_violation(const char *what, const struct cap *cap)
{
    if (has_violation)
        return;
    has_violation = true;
    snprintf(violation, sizeof(violation), "%s (type %d at 0x%" PRIx64 ")", what,
             (int)cap_type(cap), cap_paddr(cap));
}

static struct object_record *find_record(enum cap_type type, uint64_t paddr)
{
    for (size_t i = record_count; i-- > 0;)
        if (records[i].type == type && records[i].paddr == paddr)
            return &records[i];
    return NULL;
}

static void add_record(const struct cap *cap)
{
    uint64_t base;
    unsigned bits;
    if (!cap_region(cap, &base, &bits))
        return;
    uint64_t last = base + cap_bits_mask(bits);
    /* Memory reused by the new object: earlier objects there must be dead,
     * and their records go (teardown must not read their slots). */
    size_t kept = 0;
    for (size_t i = 0; i < record_count; i++) {
        struct object_record *r = &records[i];
        uint64_t r_last = r->paddr + cap_bits_mask(r->size_bits);
        if (r->paddr <= last && base <= r_last) {
            if (r->live)
                note_violation("initialise over a live object", cap);
            continue;
        }
        records[kept++] = *r;
    }
    record_count = kept;
    if (record_count == record_capacity) {
        record_capacity = record_capacity ? 2 * record_capacity : 256;
        records = realloc(records, record_capacity * sizeof(*records));
        if (records == NULL)
            abort();
    }
    records[record_count++] = (struct object_record){cap_type(cap), base, bits, true, 0, 0};
}

static void hook_initialise(const struct cap *cap)
{
    init_total++;
    if (cap_type(cap) != CAP_UNTYPED)
        add_record(cap);
}

static void hook_finalise(const struct cap *cap, bool final)
{
    uint64_t base;
    unsigned bits;
    if (final)
        final_total++;
    /* Untyped caps are each their own allocator; IRQ, IOPort and control
     * caps have no memory. */
    if (cap_type(cap) == CAP_UNTYPED || !cap_region(cap, &base, &bits))
        return;
    struct object_record *r = find_record(cap_type(cap), cap_paddr(cap));
    if (r == NULL) {
        note_violation("finalise of an object never created", cap);
        return;
    }
    if (!final) {
        r->nonfinals++;
        return;
    }
    if (!r->live)
        note_violation("final finalise of a dead object", cap);
    r->live = false;
    r->finals++;
}

void hooks_reset(void)
{
    record_count = 0;
    final_total = init_total = 0;
    has_violation = false;
    violation[0] = '\0';
    for (int t = 0; t < CAP_TYPE_COUNT; t++) {
        cap_hooks.initialise[t] = hook_initialise;
        cap_hooks.finalise[t] = hook_finalise;
    }
}

unsigned hooks_final_count(enum cap_type type, uint64_t paddr)
{
    struct object_record *r = find_record(type, paddr);
    return r ? r->finals : 0;
}

unsigned hooks_nonfinal_count(enum cap_type type, uint64_t paddr)
{
    struct object_record *r = find_record(type, paddr);
    return r ? r->nonfinals : 0;
}

unsigned hooks_final_total(void)
{
    return final_total;
}

unsigned hooks_init_total(void)
{
    return init_total;
}

size_t hooks_live_objects(void)
{
    size_t live = 0;
    for (size_t i = 0; i < record_count; i++)
        live += records[i].live;
    return live;
}

const char *hooks_violation(void)
{
    return has_violation ? violation : NULL;
}

/* ---- Environment ---- */

static void *aligned_block(unsigned bits)
{
    size_t size = (size_t)1 << bits;
    void *p = aligned_alloc(size, size);
    if (p == NULL)
        abort();
    return p;
}

static void boot_object(struct cap_slot *slot, enum atoll_object_type type, uint64_t paddr,
                        uint64_t size_bits, bool device)
{
    struct cap cap;
    struct atoll_error_detail e = cap_make_object(type, paddr, size_bits, device, &cap);
    if (cap_failed(&e)) {
        fprintf(stderr, "env: boot object type %d rejected: error %" PRIu64 "\n", (int)type,
                e.code);
        abort();
    }
    cap_boot_insert(slot, cap);
}

void env_init(struct cap_env *env, unsigned root_radix, unsigned untyped_bits)
{
    memset(env, 0, sizeof(*env));
    hooks_reset();
    env->root_radix = root_radix;
    env->untyped_bits = untyped_bits;
    env->root_memory = aligned_block(ATOLL_CNODE_SIZE_BITS(root_radix));
    memset(env->root_memory, 0, (size_t)1 << ATOLL_CNODE_SIZE_BITS(root_radix));
    env->root = env->root_memory;
    env->untyped_memory = aligned_block(untyped_bits);

    uint64_t root_paddr = (uint64_t)(uintptr_t)env->root_memory;
    struct cap root = cap_cnode_new(root_paddr, root_radix, 0, ENV_DEPTH - root_radix);
    cap_boot_insert(&env->root_slot, root);
    add_record(&root); /* a boot object: finalised when the last cap goes */

    boot_object(env_slot(env, ENV_UNTYPED_SLOT), ATOLL_OBJECT_UNTYPED,
                (uint64_t)(uintptr_t)env->untyped_memory, untyped_bits, false);
    boot_object(env_slot(env, ENV_DEVICE_SLOT), ATOLL_OBJECT_UNTYPED, ENV_DEVICE_PADDR,
                ENV_DEVICE_BITS, true);
}

/* The slot array of a recorded CNode or TCB. */
static bool record_slots(const struct object_record *r, struct cap_slot **slots, uint64_t *count)
{
    if (r->type == CAP_CNODE) {
        *slots = cap_phys_to_virt(r->paddr);
        *count = UINT64_C(1) << (r->size_bits - ATOLL_SLOT_SIZE_BITS);
        return true;
    }
    if (r->type == CAP_TCB) {
        *slots = cap_phys_to_virt(r->paddr + CAP_TCB_SLOTS_OFFSET);
        *count = ATOLL_TCB_SLOT_COUNT;
        return true;
    }
    return false;
}

static bool delete_all_in(struct cap_slot *slots, uint64_t count)
{
    bool changed = false;
    for (uint64_t k = 0; k < count; k++) {
        if (!cap_is_null(&slots[k].cap)) {
            cap_delete(&slots[k]);
            changed = true;
        }
    }
    return changed;
}

void env_teardown(struct cap_env *env)
{
    /* Every container whose memory is intact, live or not: this reaches the
     * self-referential Zombies nothing else can. */
    bool changed;
    do {
        changed = false;
        for (size_t i = 0; i < record_count; i++) {
            struct cap_slot *slots;
            uint64_t count;
            if (record_slots(&records[i], &slots, &count))
                changed |= delete_all_in(slots, count);
        }
    } while (changed);
    cap_delete(&env->root_slot);
    env_free(env);
}

void env_free(struct cap_env *env)
{
    free(env->root_memory);
    free(env->untyped_memory);
    env->root_memory = env->untyped_memory = NULL;
    env->root = NULL;
}

/* ---- Invocations ---- */

struct atoll_error_detail env_retype(struct cap_env *env, uint64_t untyped_cptr, uint64_t type,
                                     uint64_t size_bits, uint64_t node_index, uint64_t node_depth,
                                     uint64_t offset, uint64_t count)
{
    struct cap_slot *slot;
    struct atoll_error_detail e = cap_lookup_cptr(env_root_cap(env), untyped_cptr, &slot);
    if (cap_failed(&e))
        return e;
    if (cap_type(&slot->cap) != CAP_UNTYPED)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);

    uint64_t words[ATOLL_RETYPE_ARGS];
    words[ATOLL_RETYPE_ARG_TYPE] = type;
    words[ATOLL_RETYPE_ARG_SIZE_BITS] = size_bits;
    words[ATOLL_RETYPE_ARG_NODE_INDEX] = node_index;
    words[ATOLL_RETYPE_ARG_NODE_DEPTH] = node_depth;
    words[ATOLL_RETYPE_ARG_NODE_OFFSET] = offset;
    words[ATOLL_RETYPE_ARG_COUNT] = count;
    struct cap_slot *extra[1] = {&env->root_slot};
    struct untyped_retype retype;
    e = untyped_decode(ATOLL_UNTYPED_RETYPE, slot, words, ATOLL_RETYPE_ARGS, extra, 1, &retype);
    if (!cap_failed(&e))
        untyped_perform_retype(&retype);
    return e;
}

struct atoll_error_detail env_retype_root(struct cap_env *env, uint64_t untyped_cptr, uint64_t type,
                                          uint64_t size_bits, uint64_t offset, uint64_t count)
{
    return env_retype(env, untyped_cptr, type, size_bits, 0, 0, offset, count);
}

struct atoll_error_detail env_cnode(struct cap_env *env, const struct cap *cnode, uint64_t label,
                                    const uint64_t *words, size_t length)
{
    /* Restarted from decode until done, as the kernel restarts the call;
     * each run makes progress, so a bound this high means a bug. */
    for (unsigned runs = 0; runs < (1u << 24); runs++) {
        bool done;
        struct atoll_error_detail e = env_cnode_once(env, cnode, label, words, length, &done);
        if (cap_failed(&e) || done)
            return e;
    }
    fprintf(stderr, "a preempted CNode invocation never finished\n");
    abort();
}

struct atoll_error_detail env_cnode_once(struct cap_env *env, const struct cap *cnode,
                                         uint64_t label, const uint64_t *words, size_t length,
                                         bool *done)
{
    struct cap_slot *extra[2] = {&env->root_slot, &env->root_slot};
    struct cnode_invocation inv;
    struct atoll_error_detail e =
        cnode_decode(label, cnode ? cnode : env_root_cap(env), words, length, extra, 2, &inv);
    *done = cap_failed(&e) || cnode_perform(&inv);
    return e;
}

struct atoll_error_detail env_copy(struct cap_env *env, uint64_t dest, uint64_t src,
                                   uint64_t rights)
{
    uint64_t w[] = {dest, ENV_DEPTH, src, ENV_DEPTH, rights};
    return env_cnode(env, NULL, ATOLL_CNODE_COPY, w, 5);
}

struct atoll_error_detail env_mint(struct cap_env *env, uint64_t dest, uint64_t src,
                                   uint64_t rights, uint64_t data)
{
    uint64_t w[] = {dest, ENV_DEPTH, src, ENV_DEPTH, rights, data};
    return env_cnode(env, NULL, ATOLL_CNODE_MINT, w, 6);
}

struct atoll_error_detail env_move(struct cap_env *env, uint64_t dest, uint64_t src)
{
    uint64_t w[] = {dest, ENV_DEPTH, src, ENV_DEPTH};
    return env_cnode(env, NULL, ATOLL_CNODE_MOVE, w, 4);
}

struct atoll_error_detail env_mutate(struct cap_env *env, uint64_t dest, uint64_t src,
                                     uint64_t data)
{
    uint64_t w[] = {dest, ENV_DEPTH, src, ENV_DEPTH, data};
    return env_cnode(env, NULL, ATOLL_CNODE_MUTATE, w, 5);
}

struct atoll_error_detail env_delete(struct cap_env *env, uint64_t slot)
{
    uint64_t w[] = {slot, ENV_DEPTH};
    return env_cnode(env, NULL, ATOLL_CNODE_DELETE, w, 2);
}

struct atoll_error_detail env_revoke(struct cap_env *env, uint64_t slot)
{
    uint64_t w[] = {slot, ENV_DEPTH};
    return env_cnode(env, NULL, ATOLL_CNODE_REVOKE, w, 2);
}

struct atoll_error_detail env_rotate(struct cap_env *env, uint64_t dest, uint64_t dest_data,
                                     uint64_t pivot, uint64_t pivot_data, uint64_t src)
{
    uint64_t w[] = {dest, ENV_DEPTH, dest_data, pivot, ENV_DEPTH, pivot_data, src, ENV_DEPTH};
    return env_cnode(env, NULL, ATOLL_CNODE_ROTATE, w, 8);
}

/* ---- Invariants ---- */

#define CHECK_SCRATCH_ENTRIES 65536

const char *env_check(struct cap_env *env)
{
    static struct cap_check_entry *scratch;
    static char message[512];
    struct cap_check_failure failure;

    if (scratch == NULL) {
        scratch = calloc(CHECK_SCRATCH_ENTRIES, sizeof(*scratch));
        if (scratch == NULL)
            abort();
    }
    /* Besides the root slot, every occupied slot of every container whose
     * memory is intact: so that CNodes nothing can reach (their untyped cap
     * deleted) are checked too. */
    static struct cap_slot **roots;
    static size_t roots_capacity;
    size_t needed = 1;
    for (size_t i = 0; i < record_count; i++) {
        struct cap_slot *slots;
        uint64_t count;
        if (record_slots(&records[i], &slots, &count))
            needed += (size_t)count;
    }
    if (needed > roots_capacity) {
        roots_capacity = 2 * needed;
        roots = realloc(roots, roots_capacity * sizeof(*roots));
        if (roots == NULL)
            abort();
    }
    size_t root_count = 0;
    roots[root_count++] = &env->root_slot;
    for (size_t i = 0; i < record_count; i++) {
        struct cap_slot *slots;
        uint64_t count;
        if (!record_slots(&records[i], &slots, &count))
            continue;
        for (uint64_t k = 0; k < count; k++)
            if (!cap_is_null(&slots[k].cap))
                roots[root_count++] = &slots[k];
    }
    if (cap_check_invariants(roots, root_count, scratch, CHECK_SCRATCH_ENTRIES, &failure))
        return NULL;

    char where[2][96];
    const struct cap_slot *slots[2] = {failure.slot, failure.other};
    for (int i = 0; i < 2; i++) {
        const struct cap_slot *s = slots[i];
        uintptr_t root = (uintptr_t)env->root;
        uintptr_t end = root + ((uintptr_t)1 << ATOLL_CNODE_SIZE_BITS(env->root_radix));
        if (s == NULL)
            snprintf(where[i], sizeof(where[i]), "-");
        else if ((uintptr_t)s >= root && (uintptr_t)s < end)
            snprintf(where[i], sizeof(where[i]), "root[%zu] type %d",
                     (size_t)((uintptr_t)s - root) / sizeof(*s), (int)cap_type(&s->cap));
        else
            snprintf(where[i], sizeof(where[i]), "%p type %d", (const void *)s,
                     (int)cap_type(&s->cap));
    }
    snprintf(message, sizeof(message), "%s: slot %s, other %s", failure.what, where[0], where[1]);
    return message;
}
