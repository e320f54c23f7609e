/* The capability derivation tree (seL4's mapping database, manual,
 * "Capability Derivation Tree" and "Reusing Memory").
 *
 * The tree is kept as seL4 keeps it: a doubly linked list of slots in
 * depth-first order, so a capability's descendants are the run of slots
 * that follows it and for which it is a parent (cap_is_parent_of). Two
 * flags per node say who can be a parent:
 *   revocable     the capability can have children: the original capability
 *                 of an object (made by Retype or at boot), every untyped
 *                 capability, a newly badged endpoint or notification
 *                 capability, a capability issued from a control cap.
 *                 Plain copies are not revocable, so revoking a copy
 *                 removes nothing.
 *   first_badged  the start of a run of capabilities with the same badge,
 *                 so that a later mint of the same badge value does not
 *                 adopt copies that an earlier one made.
 * All capabilities to one object are contiguous in the list; that is what
 * lets cap_is_final look only at the neighbours.
 *
 * Every function here is a "perform" step: it cannot fail, and its caller
 * has checked everything (cnode.c, untyped.c). */
#ifndef ATOLL_KERNEL_CAP_MDB_H
#define ATOLL_KERNEL_CAP_MDB_H

#include <stdbool.h>

#include "cap.h"

static inline struct cap_slot *cap_mdb_prev(const struct cap_slot *s)
{
    return (struct cap_slot *)s->mdb.prev;
}

static inline struct cap_slot *cap_mdb_next(const struct cap_slot *s)
{
    return (struct cap_slot *)(s->mdb.next & ~CAP_MDB_FLAGS);
}

static inline bool cap_mdb_revocable(const struct cap_slot *s)
{
    return (s->mdb.next & CAP_MDB_REVOCABLE) != 0;
}

static inline bool cap_mdb_first_badged(const struct cap_slot *s)
{
    return (s->mdb.next & CAP_MDB_FIRST_BADGED) != 0;
}

/* Puts `cap` into the empty `slot` as an original capability with no
 * parent: a root of the tree, as the boot code creates the initial
 * untypeds, the control capabilities and the root task's objects. */
void cap_boot_insert(struct cap_slot *slot, struct cap cap);

/* seL4 cteInsert: `cap` (derived from the capability in `src`, see
 * cap_derive) goes into the empty `dest` as the next node after `src`. It
 * is revocable when it is a new badge, an untyped or an issued handler. A
 * full-size untyped copy marks the source full, so that only one of the
 * two can allocate (seL4 setUntypedCapAsFull). */
void cap_insert(struct cap cap, struct cap_slot *src, struct cap_slot *dest);

/* seL4 insertNewCap: the capability to a new object goes into the empty
 * `slot` as a revocable child of `parent` (the untyped it came from). */
void cap_insert_child(struct cap_slot *parent, struct cap_slot *slot, struct cap cap);

/* seL4 cteMove: `cap` (the capability in `src`, possibly mutated) goes into
 * the empty `dest`, keeping the tree position and flags; `src` is emptied. */
void cap_move(struct cap cap, struct cap_slot *src, struct cap_slot *dest);

/* seL4 cteSwap: `slot1` gets `cap2` and `slot2` gets `cap1`, each with the
 * other's tree position. */
void cap_swap(struct cap cap1, struct cap_slot *slot1, struct cap cap2, struct cap_slot *slot2);

/* Unlinks the capability in `slot` and empties it, passing its
 * first_badged flag to the next node (seL4 emptySlot). No hooks: delete.c
 * decides when an object is finalised. */
void cap_mdb_remove(struct cap_slot *slot);

/* seL4 isMDBParentOf: `b`, which follows `a`, is a child of `a`. */
bool cap_is_parent_of(const struct cap_slot *a, const struct cap_slot *b);

/* `slot` has at least one child (seL4 ensureNoChildren fails). */
bool cap_has_children(const struct cap_slot *slot);

/* seL4 isFinalCapability: no other capability names the same object. */
bool cap_is_final(const struct cap_slot *slot);

/* seL4 deriveCap: the capability that a copy of `cap` (the capability in
 * `src`, rights already masked) may be, or an error:
 *   untyped with children        REVOKE_FIRST (a copy could reset it)
 *   zombie, IRQ/IOPort control   ILLEGAL_OPERATION (never copied)
 *   page table not mapped        ILLEGAL_OPERATION (only the capability
 *                                 that maps it may exist, as in seL4 x86)
 *   frame                        the copy is unmapped
 * The null capability derives to itself (the caller rejects it). */
struct atoll_error_detail cap_derive(const struct cap_slot *src, struct cap cap, struct cap *out);

#endif
