/* The invariant checker; see invariants.h for what it checks. */
#include "invariants.h"
#include "mdb.h"
#include "platform.h"

/* Free offsets move in steps of the smallest object. */
#define MIN_OBJECT_BITS ATOLL_UNTYPED_MIN_BITS

static bool fail(struct cap_check_failure *failure, const char *what, const struct cap_slot *slot,
                 const struct cap_slot *other)
{
    failure->what = what;
    failure->slot = slot;
    failure->other = other;
    return false;
}

static bool aligned(uint64_t value, unsigned bits)
{
    return (value & cap_bits_mask(bits)) == 0;
}

/* NULL when `c` is well formed, else what is wrong with it. */
static const char *malformed(const struct cap *c)
{
    enum cap_type t = cap_type(c);
    uint64_t base;
    unsigned bits;

    if (t == CAP_NULL)
        return "an empty slot is linked";
    if (t >= CAP_TYPE_COUNT)
        return "unknown capability type";
    if (t == CAP_IO_PAGE_TABLE)
        return "capability of a reserved type";
    if (cap_type_has_rights(t) && (cap_rights(c) & ~cap_type_rights(t)) != 0)
        return "rights its type does not have";
    switch (t) {
    case CAP_UNTYPED:
        if (cap_untyped_size_bits(c) < ATOLL_UNTYPED_MIN_BITS ||
            cap_untyped_size_bits(c) > ATOLL_UNTYPED_MAX_BITS)
            return "untyped size out of range";
        if (cap_untyped_free_offset(c) > (UINT64_C(1) << cap_untyped_size_bits(c)) ||
            !aligned(cap_untyped_free_offset(c), MIN_OBJECT_BITS))
            return "untyped free offset beyond its size or misaligned";
        break;
    case CAP_CNODE:
        if (cap_cnode_radix(c) < ATOLL_CNODE_MIN_RADIX ||
            cap_cnode_radix(c) > ATOLL_CNODE_MAX_RADIX)
            return "CNode radix out of range";
        if (cap_cnode_radix(c) + cap_cnode_guard_size(c) > ATOLL_CPTR_BITS)
            return "CNode guard size + radix above 64";
        if ((cap_cnode_guard(c) & ~cap_bits_mask(cap_cnode_guard_size(c))) != 0)
            return "CNode guard wider than its guard size";
        break;
    case CAP_SCHED_CONTEXT:
        if (cap_sched_context_size_bits(c) < ATOLL_SCHED_CONTEXT_MIN_BITS ||
            cap_sched_context_size_bits(c) > ATOLL_SCHED_CONTEXT_MAX_BITS)
            return "SchedContext size out of range";
        break;
    case CAP_IOSPACE:
        if (cap_iospace_size_bits(c) < ATOLL_IOSPACE_MIN_BITS ||
            cap_iospace_size_bits(c) > ATOLL_IOSPACE_MAX_BITS)
            return "IOSpace size out of range";
        break;
    case CAP_ZOMBIE:
        if (!cap_zombie_is_tcb(c) && (cap_zombie_radix(c) < ATOLL_CNODE_MIN_RADIX ||
                                      cap_zombie_radix(c) > ATOLL_CNODE_MAX_RADIX))
            return "Zombie radix out of range";
        if (cap_zombie_count(c) > cap_container_slot_count(c))
            return "Zombie count above its slots";
        break;
    case CAP_IOPORT:
        if (cap_ioport_first(c) > cap_ioport_last(c))
            return "IOPort range reversed";
        break;
    default:
        break;
    }
    if (cap_region(c, &base, &bits) && !aligned(base, bits))
        return "object not aligned to its size";
    return NULL;
}

static bool overlap(const struct cap_check_entry *a, const struct cap_check_entry *b)
{
    uint64_t a_last = a->base + cap_bits_mask(a->size_bits);
    uint64_t b_last = b->base + cap_bits_mask(b->size_bits);
    return a->base <= b_last && b->base <= a_last;
}

static bool within(const struct cap_check_entry *inner, const struct cap_check_entry *outer)
{
    return outer->base <= inner->base && inner->base + cap_bits_mask(inner->size_bits) <=
                                             outer->base + cap_bits_mask(outer->size_bits);
}

static bool same_object(const struct cap_check_entry *a, const struct cap_check_entry *b)
{
    return cap_same_object_as(&a->slot->cap, &b->slot->cap) ||
           cap_same_object_as(&b->slot->cap, &a->slot->cap);
}

static bool collected(const struct cap_check_entry *e, size_t n, const struct cap_slot *slot)
{
    for (size_t i = 0; i < n; i++)
        if (e[i].slot == slot)
            return true;
    return false;
}

/* Whether entry `c` is the first capability to a container object. */
static bool first_container(const struct cap_check_entry *e, size_t c)
{
    if (!cap_is_container(&e[c].slot->cap))
        return false;
    return c == 0 || e[c - 1].list != e[c].list || !same_object(&e[c - 1], &e[c]);
}

struct collector {
    struct cap_check_entry *e;
    size_t n, capacity;
    uint32_t lists;
    struct cap_check_failure *failure;
};

/* Adds the list `start` belongs to, checking its links and each capability
 * on the way (so that a container is well formed before it is scanned). */
static bool add_list(struct collector *k, struct cap_slot *start)
{
    if (cap_is_null(&start->cap)) {
        if (start->mdb.prev != 0 || start->mdb.next != 0)
            return fail(k->failure, "empty slot has links", start, NULL);
        return true;
    }
    if (collected(k->e, k->n, start))
        return true;

    struct cap_slot *head = start;
    for (size_t steps = 0; cap_mdb_prev(head) != NULL; steps++) {
        if (steps > k->capacity)
            return fail(k->failure, "prev links loop or exceed the scratch", start, NULL);
        head = cap_mdb_prev(head);
    }
    struct cap_slot *prev = NULL;
    bool found_start = false;
    for (struct cap_slot *s = head; s != NULL; s = cap_mdb_next(s)) {
        if (k->n == k->capacity)
            return fail(k->failure, "more capabilities than scratch entries", s, NULL);
        if (cap_mdb_prev(s) != prev)
            return fail(k->failure, "prev link disagrees with next link", s, prev);
        if (collected(k->e, k->n, s))
            return fail(k->failure, "slot linked twice", s, NULL);
        if ((uintptr_t)cap_mdb_next(s) % sizeof(uint64_t) != 0)
            return fail(k->failure, "misaligned next link", s, NULL);
        const char *why = malformed(&s->cap);
        if (why != NULL)
            return fail(k->failure, why, s, NULL);
        if (cap_type(&s->cap) == CAP_UNTYPED && !cap_mdb_revocable(s))
            return fail(k->failure, "untyped capability not revocable", s, NULL);
        struct cap_check_entry *entry = &k->e[k->n];
        entry->slot = s;
        entry->list = k->lists;
        entry->has_region = cap_region(&s->cap, &entry->base, &entry->size_bits);
        entry->same_object_end = entry->descendant_end = k->n;
        k->n++;
        found_start |= s == start;
        prev = s;
    }
    k->lists++;
    if (!found_start)
        return fail(k->failure, "slot's prev links lead to a list without it", start, NULL);
    return true;
}

/* Collects every list a root belongs to, then every list that a slot of a
 * collected container belongs to, until nothing new turns up. Returns the
 * count, or SIZE_MAX after a failure. */
static size_t collect(struct cap_slot *const *roots, size_t root_count, struct cap_check_entry *e,
                      size_t capacity, struct cap_check_failure *failure)
{
    struct collector k = {e, 0, capacity, 0, failure};

    for (size_t r = 0; r < root_count; r++)
        if (!add_list(&k, roots[r]))
            return SIZE_MAX;
    for (size_t c = 0; c < k.n; c++) {
        if (!first_container(e, c))
            continue;
        struct cap_slot *slots = cap_container_slots(&e[c].slot->cap);
        uint64_t count = cap_container_slot_count(&e[c].slot->cap);
        for (uint64_t i = 0; i < count; i++)
            if (!add_list(&k, &slots[i]))
                return SIZE_MAX;
    }
    return k.n;
}

/* All capabilities to one object are contiguous, and badges change only at
 * the start of a first_badged run (seL4 mdb_chunked, valid_badges). */
static bool check_runs(struct cap_check_entry *e, size_t n, struct cap_check_failure *failure)
{
    for (size_t i = n; i-- > 0;) {
        bool joined = i + 1 < n && e[i + 1].list == e[i].list && same_object(&e[i], &e[i + 1]);
        e[i].same_object_end = joined ? e[i + 1].same_object_end : i;
        if (!joined)
            continue;
        const struct cap_slot *a = e[i].slot, *b = e[i + 1].slot;
        enum cap_type t = cap_type(&a->cap);
        /* Unbadged copies of the original may follow a badged cap (a mint
         * goes right after its source); a new nonzero badge must start a
         * first_badged run, or revoking the cap before it would take it. */
        if ((t == CAP_ENDPOINT || t == CAP_NOTIFICATION) && cap_badge(&b->cap) != 0 &&
            cap_badge(&a->cap) != cap_badge(&b->cap) && !cap_mdb_first_badged(b))
            return fail(failure, "badge changes without a first_badged run", b, a);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = e[i].same_object_end + 1; j < n; j++)
            if (same_object(&e[i], &e[j]))
                return fail(failure, "capabilities to one object are not contiguous", e[j].slot,
                            e[i].slot);
    return true;
}

static bool device_fits(const struct cap *untyped, const struct cap *c)
{
    bool device = cap_untyped_is_device(untyped);
    enum cap_type t = cap_type(c);
    if (t == CAP_UNTYPED)
        return cap_untyped_is_device(c) == device;
    if (cap_type_is_frame(t))
        return cap_frame_is_device(c) == device;
    return !device;
}

/* Untyped accounting (seL4 untyped_inc, untyped_mdb): descendants lie below
 * the watermark; nothing else overlaps. */
static bool check_untyped(struct cap_check_entry *e, size_t n, struct cap_check_failure *failure)
{
    for (size_t i = 0; i < n; i++) {
        const struct cap *u = &e[i].slot->cap;
        e[i].descendant_end = i;
        if (cap_type(u) != CAP_UNTYPED)
            continue;
        size_t j;
        for (j = i + 1; j < n && e[j].list == e[i].list && e[j].has_region && within(&e[j], &e[i]);
             j++) {
            uint64_t last = e[j].base + cap_bits_mask(e[j].size_bits);
            if (last - e[i].base >= cap_untyped_free_offset(u))
                return fail(failure, "descendant above its untyped's watermark", e[j].slot,
                            e[i].slot);
            if (!device_fits(u, &e[j].slot->cap))
                return fail(failure, "device and kernel memory mixed under an untyped", e[j].slot,
                            e[i].slot);
        }
        e[i].descendant_end = j - 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!e[i].has_region)
            continue;
        for (size_t j = i + 1; j < n; j++) {
            if (!e[j].has_region || !overlap(&e[i], &e[j]) || same_object(&e[i], &e[j]))
                continue;
            if (cap_type(&e[i].slot->cap) == CAP_UNTYPED && e[j].list == e[i].list &&
                j <= e[i].descendant_end)
                continue;
            return fail(failure, "objects overlap outside an untyped's descendants", e[j].slot,
                        e[i].slot);
        }
    }
    return true;
}

/* Whether memory at kernel address `addr` belongs to a collected,
 * non-device untyped. Device memory never holds slots (and is never
 * translated). */
static bool covered_by_untyped(const struct cap_check_entry *e, size_t n, uintptr_t addr)
{
    for (size_t i = 0; i < n; i++) {
        const struct cap *c = &e[i].slot->cap;
        if (cap_type(c) != CAP_UNTYPED || cap_untyped_is_device(c))
            continue;
        uintptr_t first = (uintptr_t)cap_phys_to_virt(e[i].base);
        if (addr >= first && addr - first <= cap_bits_mask(e[i].size_bits))
            return true;
    }
    return false;
}

/* Every linked slot is in a live container or outside kernel objects, and
 * every non-empty slot of a live container is linked.
 *
 * A slot outside every container found must lie in memory no reachable
 * untyped covers: a root outside kernel objects, or a slot of a container
 * that is live and yet undiscoverable (a CNode holding its own last
 * capability after the untyped it came from was deleted: nothing can reach
 * or reclaim it, as in seL4). A container in memory that a reachable
 * untyped covers is always found, through that untyped's list, so a slot
 * there outside any found container lies in a dead object. */
static bool check_slots(const struct cap_check_entry *e, size_t n,
                        struct cap_check_failure *failure)
{
    uint64_t occupied = 0, linked_inside = 0;

    for (size_t c = 0; c < n; c++) {
        if (!first_container(e, c))
            continue;
        const struct cap *container = &e[c].slot->cap;
        struct cap_slot *slots = cap_container_slots(container);
        uint64_t count = cap_container_slot_count(container);
        bool zombie = cap_type(container) == CAP_ZOMBIE;
        for (uint64_t k = 0; k < count; k++) {
            const struct cap_slot *s = &slots[k];
            if (cap_is_null(&s->cap)) {
                if (s->mdb.prev != 0 || s->mdb.next != 0)
                    return fail(failure, "empty slot has links", s, e[c].slot);
                continue;
            }
            if (zombie && k >= cap_zombie_count(container) && s != e[c].slot)
                return fail(failure, "slot past a Zombie's count not empty", s, e[c].slot);
            occupied++;
        }
    }
    for (size_t i = 0; i < n; i++) {
        uintptr_t addr = (uintptr_t)e[i].slot;
        bool inside = false;
        for (size_t c = 0; c < n && !inside; c++) {
            if (!first_container(e, c))
                continue;
            uintptr_t first = (uintptr_t)cap_container_slots(&e[c].slot->cap);
            uintptr_t end = first + (uintptr_t)(cap_container_slot_count(&e[c].slot->cap) *
                                                sizeof(struct cap_slot));
            if (addr >= first && addr < end) {
                if ((addr - first) % sizeof(struct cap_slot) != 0)
                    return fail(failure, "linked slot misaligned in its container", e[i].slot,
                                e[c].slot);
                inside = true;
            }
        }
        if (inside)
            linked_inside++;
        else if (covered_by_untyped(e, n, addr))
            return fail(failure, "linked slot in no live CNode or TCB", e[i].slot, NULL);
    }
    if (occupied != linked_inside) {
        /* Find the culprit for the report. */
        for (size_t c = 0; c < n; c++) {
            if (!first_container(e, c))
                continue;
            struct cap_slot *slots = cap_container_slots(&e[c].slot->cap);
            uint64_t count = cap_container_slot_count(&e[c].slot->cap);
            for (uint64_t k = 0; k < count; k++)
                if (!cap_is_null(&slots[k].cap) && !collected(e, n, &slots[k]))
                    return fail(failure, "non-empty slot not in the derivation tree", &slots[k],
                                e[c].slot);
        }
        return fail(failure, "non-empty slot not in the derivation tree", NULL, NULL);
    }
    return true;
}

bool cap_check_invariants(struct cap_slot *const *roots, size_t root_count,
                          struct cap_check_entry *scratch, size_t scratch_count,
                          struct cap_check_failure *failure)
{
    failure->what = NULL;
    failure->slot = failure->other = NULL;

    size_t n = collect(roots, root_count, scratch, scratch_count, failure);
    if (n == SIZE_MAX)
        return false;
    return check_runs(scratch, n, failure) && check_untyped(scratch, n, failure) &&
           check_slots(scratch, n, failure);
}
