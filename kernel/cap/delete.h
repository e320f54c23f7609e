/* Deleting and revoking capabilities (seL4 manual, "Deletion
 * and Revocation").
 *
 * Deleting the last capability to an object finalises the object (the
 * finalise hook of cap.h). For a CNode or TCB that also means emptying its
 * own slots, which may hold the last capabilities to further CNodes: a
 * recursion as deep as the user cares to nest. Like seL4 (the footnote in
 * its manual's "Deletion and Revocation"), the core never recurses more than
 * one level: the dying object's capability becomes a
 * Zombie that remembers how many slots are left, nested CNodes are moved
 * aside into their own first slot as self-referential Zombies, and those
 * are reclaimed when something revokes the untyped they came from (which
 * reaches them through the derivation tree). Nothing is lost: a
 * self-referential Zombie is unreachable by any capability pointer, still
 * counts as a child of its untyped, and its objects' final hooks have
 * already run.
 *
 * Neither operation can fail. The CNode invocations Delete and Revoke use
 * the preemptible forms: after each unit of work (a slot of a dying object
 * emptied, a child deleted) they ask cap_preemption_point() whether to
 * stop, and the system call is restarted from the top later, as seL4
 * does. What they leave is consistent: a revoke has deleted some children
 * (the rest are still the slot's children), a delete leaves the slot's
 * Zombie with fewer slots to go. A Zombie in a user-visible slot can only
 * be deleted or revoked (cnode.c refuses every other use). The kernel's
 * own calls (a TCB's or SC's bookkeeping slots, IRQ handler slots) use the
 * forms that run to completion. */
#ifndef ATOLL_KERNEL_CAP_DELETE_H
#define ATOLL_KERNEL_CAP_DELETE_H

#include "cap.h"

/* Empties `slot` (seL4 cteDelete with exposed = true). An empty slot is
 * left alone. */
void cap_delete(struct cap_slot *slot);

/* Deletes every descendant of the capability in `slot`, leaving it in
 * place (seL4 cteRevoke). */
void cap_revoke(struct cap_slot *slot);

/* The same, but stopping at a preemption point: true when done, false
 * when preempted (call again to go on). */
bool cap_delete_preemptible(struct cap_slot *slot);
bool cap_revoke_preemptible(struct cap_slot *slot);

#endif
