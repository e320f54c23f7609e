/* Delete and revoke; see delete.h for the approach.
 *
 * The walk-through of seL4's finaliseSlot/reduceZombie (manual, "Deletion and Revocation", and
 * src/object/cnode.c) in our terms:
 *   - cap_delete(slot) empties one slot. A final CNode or TCB capability
 *     becomes a Zombie(object, n): slots [0, n) of the object may still hold
 *     capabilities. The top slot is emptied with delete_one_level(), n
 *     drops, and when n is 0 the Zombie itself goes.
 *   - delete_one_level(slot) empties a slot inside a dying object without
 *     recursing: a final CNode or TCB found there becomes a Zombie that is
 *     swapped into the first slot of its own object, where it keeps itself
 *     alive (self-referential) until its untyped is revoked; whatever was in
 *     that first slot comes out to be deleted instead.
 * Each step either removes a capability, lowers a count, or turns a live
 * CNode/TCB into a Zombie, so both loops end. */
#include "delete.h"
#include "mdb.h"
#include "platform.h"

static void finalise(const struct cap *cap, bool final)
{
    void (*hook)(const struct cap *, bool) = cap_hooks.finalise[cap_type(cap)];
    if (hook != NULL)
        hook(cap, final);
}

static struct cap zombie_of(const struct cap *container)
{
    if (cap_type(container) == CAP_TCB)
        return cap_zombie_new(cap_paddr(container), true, 0, ATOLL_TCB_SLOT_COUNT);
    unsigned radix = cap_cnode_radix(container);
    return cap_zombie_new(cap_paddr(container), false, radix, UINT64_C(1) << radix);
}

static bool zombie_holds_slot(const struct cap *zombie, const struct cap_slot *slot)
{
    uintptr_t first = (uintptr_t)cap_container_slots(zombie);
    uintptr_t end = first + (uintptr_t)(cap_container_slot_count(zombie) * sizeof(*slot));
    return (uintptr_t)slot >= first && (uintptr_t)slot < end;
}

/* Finalises the capability in `slot`. Returns true when the slot still has
 * work: it now holds a Zombie. */
static bool finalise_slot(struct cap_slot *slot)
{
    struct cap cap = slot->cap;
    bool final = cap_is_final(slot);

    finalise(&cap, final);
    if (!final || !cap_is_container(&cap)) {
        cap_mdb_remove(slot);
        return false;
    }
    /* The Zombie keeps the object's place in the derivation tree, so its
     * memory stays accounted to its untyped until it is empty. */
    slot->cap = zombie_of(&cap);
    return true;
}

/* Empties `slot`, or leaves a self-referential Zombie in it (seL4 cteDelete
 * with exposed = false). */
static void delete_one_level(struct cap_slot *slot)
{
    for (;;) {
        struct cap cap = slot->cap;

        if (cap_is_null(&cap))
            return;
        if (cap_type(&cap) == CAP_ZOMBIE) {
            if (zombie_holds_slot(&cap, slot))
                return;
            struct cap_slot *first = cap_container_slots(&cap);
            cap_swap(cap, slot, first->cap, first);
            continue;
        }
        if (!finalise_slot(slot))
            return;
    }
}

/* cap_delete; with `preemptible`, stops at a preemption point after each
 * slot of a Zombie is emptied and returns false (the slot keeps the
 * Zombie, with its count lowered: nothing is lost or done twice). */
static bool delete_slot(struct cap_slot *slot, bool preemptible)
{
    for (;;) {
        struct cap cap = slot->cap;

        if (cap_is_null(&cap))
            return true;
        if (cap_type(&cap) != CAP_ZOMBIE) {
            if (!finalise_slot(slot))
                return true;
            continue;
        }

        uint64_t remaining = cap_zombie_count(&cap);
        if (remaining == 0) {
            cap_mdb_remove(slot);
            return true;
        }
        struct cap_slot *top = cap_container_slots(&cap) + (remaining - 1);
        /* A Zombie inside its own object is emptied last, by the removal
         * above. */
        if (top != slot) {
            delete_one_level(top);
            /* A cycle (this slot lies in a CNode that `top` held the last
             * capability to) swaps that CNode's Zombie in here: carry on
             * with it. */
            if (!cap_equal(&slot->cap, &cap))
                continue;
            CAP_ASSERT(cap_is_null(&top->cap));
        }
        cap_zombie_set_count(&slot->cap, remaining - 1);
        if (preemptible && remaining > 1 && cap_preemption_point())
            return false;
    }
}

void cap_delete(struct cap_slot *slot)
{
    delete_slot(slot, false);
}

bool cap_delete_preemptible(struct cap_slot *slot)
{
    return delete_slot(slot, true);
}

/* Every deletion removes at least one node of the list, and the slot's
 * children are always the nodes right after it. */
static bool revoke_slot(struct cap_slot *slot, bool preemptible)
{
    for (;;) {
        struct cap_slot *next = cap_mdb_next(slot);
        if (next == NULL || !cap_is_parent_of(slot, next))
            return true;
        if (!delete_slot(next, preemptible))
            return false;
        if (preemptible && cap_preemption_point())
            return false;
    }
}

void cap_revoke(struct cap_slot *slot)
{
    revoke_slot(slot, false);
}

bool cap_revoke_preemptible(struct cap_slot *slot)
{
    return revoke_slot(slot, true);
}
