/* The derivation tree as a doubly linked list; see mdb.h. */
#include "mdb.h"
#include "platform.h"

static void set_next(struct cap_slot *s, const struct cap_slot *next)
{
    s->mdb.next = (uintptr_t)next | (s->mdb.next & CAP_MDB_FLAGS);
}

static void set_prev(struct cap_slot *s, const struct cap_slot *prev)
{
    s->mdb.prev = (uintptr_t)prev;
}

static bool slot_is_clear(const struct cap_slot *s)
{
    return cap_is_null(&s->cap) && s->mdb.prev == 0 && s->mdb.next == 0;
}

void cap_boot_insert(struct cap_slot *slot, struct cap cap)
{
    CAP_ASSERT(slot_is_clear(slot));
    slot->cap = cap;
    slot->mdb.prev = 0;
    slot->mdb.next = CAP_MDB_REVOCABLE | CAP_MDB_FIRST_BADGED;
}

/* seL4 isCapRevocable: whether a capability derived from `src` can have
 * children of its own. */
static bool derived_cap_is_revocable(const struct cap *derived, const struct cap *src)
{
    switch (cap_type(derived)) {
    case CAP_ENDPOINT:
    case CAP_NOTIFICATION:
        /* A newly badged capability is the parent of its copies, so that
         * revoking it withdraws exactly that badge. */
        return cap_badge(derived) != cap_badge(src);
    case CAP_IRQ_HANDLER:
        return cap_type(src) == CAP_IRQ_CONTROL;
    case CAP_IOPORT:
        return cap_type(src) == CAP_IOPORT_CONTROL;
    case CAP_UNTYPED:
        return true;
    default:
        return false;
    }
}

/* seL4 setUntypedCapAsFull: after an untyped is copied, two capabilities
 * cover the same memory; only the copy may allocate from it, until it is
 * deleted and the original (then childless) resets. */
static void set_untyped_full(struct cap_slot *src, const struct cap *derived)
{
    struct cap *s = &src->cap;
    if (cap_type(s) == CAP_UNTYPED && cap_type(derived) == CAP_UNTYPED &&
        cap_paddr(s) == cap_paddr(derived) &&
        cap_untyped_size_bits(s) == cap_untyped_size_bits(derived))
        cap_untyped_set_free_offset(s, UINT64_C(1) << cap_untyped_size_bits(s));
}

static void link_after(struct cap_slot *prev, struct cap_slot *slot, struct cap cap, bool revocable)
{
    struct cap_slot *next = cap_mdb_next(prev);

    slot->cap = cap;
    slot->mdb.prev = (uintptr_t)prev;
    slot->mdb.next = (uintptr_t)next | (revocable ? CAP_MDB_FLAGS : 0);
    set_next(prev, slot);
    if (next != NULL)
        set_prev(next, slot);
}

void cap_insert(struct cap cap, struct cap_slot *src, struct cap_slot *dest)
{
    CAP_ASSERT(slot_is_clear(dest));
    CAP_ASSERT(!cap_is_null(&src->cap));
    bool revocable = derived_cap_is_revocable(&cap, &src->cap);
    set_untyped_full(src, &cap);
    link_after(src, dest, cap, revocable);
}

void cap_insert_child(struct cap_slot *parent, struct cap_slot *slot, struct cap cap)
{
    CAP_ASSERT(slot_is_clear(slot));
    link_after(parent, slot, cap, true);
}

void cap_move(struct cap cap, struct cap_slot *src, struct cap_slot *dest)
{
    CAP_ASSERT(slot_is_clear(dest));
    CAP_ASSERT(src != dest);
    struct cap_mdb mdb = src->mdb;

    dest->cap = cap;
    dest->mdb = mdb;
    src->cap = cap_null();
    src->mdb.prev = 0;
    src->mdb.next = 0;

    struct cap_slot *prev = (struct cap_slot *)mdb.prev;
    struct cap_slot *next = (struct cap_slot *)(mdb.next & ~CAP_MDB_FLAGS);
    if (prev != NULL)
        set_next(prev, dest);
    if (next != NULL)
        set_prev(next, dest);
}

void cap_swap(struct cap cap1, struct cap_slot *slot1, struct cap cap2, struct cap_slot *slot2)
{
    CAP_ASSERT(slot1 != slot2);
    struct cap_mdb m1 = slot1->mdb, m2 = slot2->mdb;
    struct cap_slot *prev1 = (struct cap_slot *)m1.prev;
    struct cap_slot *next1 = (struct cap_slot *)(m1.next & ~CAP_MDB_FLAGS);
    struct cap_slot *prev2 = (struct cap_slot *)m2.prev;
    struct cap_slot *next2 = (struct cap_slot *)(m2.next & ~CAP_MDB_FLAGS);

    /* Each slot takes the other's node. When the two are neighbours, a
     * link to the other slot becomes a link to itself's new place, which
     * is the other slot again. */
#define SWAPPED(s) ((s) == slot1 ? slot2 : (s) == slot2 ? slot1 : (s))
    slot1->cap = cap2;
    slot1->mdb.prev = (uintptr_t)SWAPPED(prev2);
    slot1->mdb.next = (uintptr_t)SWAPPED(next2) | (m2.next & CAP_MDB_FLAGS);
    slot2->cap = cap1;
    slot2->mdb.prev = (uintptr_t)SWAPPED(prev1);
    slot2->mdb.next = (uintptr_t)SWAPPED(next1) | (m1.next & CAP_MDB_FLAGS);
#undef SWAPPED

    if (prev1 != NULL && prev1 != slot2)
        set_next(prev1, slot2);
    if (next1 != NULL && next1 != slot2)
        set_prev(next1, slot2);
    if (prev2 != NULL && prev2 != slot1)
        set_next(prev2, slot1);
    if (next2 != NULL && next2 != slot1)
        set_prev(next2, slot1);
}

void cap_mdb_remove(struct cap_slot *slot)
{
    if (cap_is_null(&slot->cap))
        return;
    struct cap_slot *prev = cap_mdb_prev(slot);
    struct cap_slot *next = cap_mdb_next(slot);

    if (prev != NULL)
        set_next(prev, next);
    if (next != NULL) {
        set_prev(next, prev);
        /* The run of copies that followed a deleted badged parent must not
         * be adopted by a later mint of the same badge (seL4 emptySlot). */
        if (cap_mdb_first_badged(slot))
            next->mdb.next |= CAP_MDB_FIRST_BADGED;
    }
    slot->cap = cap_null();
    slot->mdb.prev = 0;
    slot->mdb.next = 0;
}

bool cap_is_parent_of(const struct cap_slot *a, const struct cap_slot *b)
{
    if (!cap_mdb_revocable(a))
        return false;
    if (!cap_same_region_as(&a->cap, &b->cap))
        return false;
    switch (cap_type(&a->cap)) {
    case CAP_ENDPOINT:
    case CAP_NOTIFICATION: {
        /* The unbadged original is the parent of everything to its object;
         * a badged capability only of the copies made with its badge. */
        uint64_t badge = cap_badge(&a->cap);
        if (badge == 0)
            return true;
        return badge == cap_badge(&b->cap) && !cap_mdb_first_badged(b);
    }
    default:
        return true;
    }
}

bool cap_has_children(const struct cap_slot *slot)
{
    const struct cap_slot *next = cap_mdb_next(slot);
    return next != NULL && cap_is_parent_of(slot, next);
}

bool cap_is_final(const struct cap_slot *slot)
{
    /* All capabilities to one object are contiguous in the list. */
    const struct cap_slot *prev = cap_mdb_prev(slot);
    const struct cap_slot *next = cap_mdb_next(slot);

    if (prev != NULL && cap_same_object_as(&prev->cap, &slot->cap))
        return false;
    if (next != NULL && cap_same_object_as(&slot->cap, &next->cap))
        return false;
    return true;
}

struct atoll_error_detail cap_derive(const struct cap_slot *src, struct cap cap, struct cap *out)
{
    enum cap_type t = cap_type(&cap);

    switch (t) {
    case CAP_ZOMBIE:
    case CAP_IRQ_CONTROL:
    case CAP_IOPORT_CONTROL:
    case CAP_IOMMU_CONTROL:
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    case CAP_UNTYPED:
        /* A copy with no children would reset the watermark and hand out
         * memory the original's objects still use. */
        if (cap_has_children(src))
            return cap_error(ATOLL_ERR_REVOKE_FIRST, 0);
        break;
    case CAP_FRAME_4K:
    case CAP_FRAME_2M:
    case CAP_FRAME_1G:
        /* Each frame capability describes at most one mapping: its own. */
        cap.words[1] = 0;
        break;
    case CAP_PML4:
    case CAP_PDPT:
    case CAP_PD:
    case CAP_PT:
    case CAP_EPT_PDPT:
    case CAP_EPT_PD:
    case CAP_EPT_PT:
        /* Word 1 is the table's one mapping (vtx/ept.c keeps it for the
         * EPT tables): copies of an unmapped table could map it twice. */
        if (cap.words[1] == 0)
            return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
        break;
    default:
        break;
    }
    *out = cap;
    return cap_ok();
}
