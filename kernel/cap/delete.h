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
 * Neither operation can fail. Neither is preemptible yet: revoking a large
 * tree runs to completion under the kernel lock. The Zombie state is what a
 * later preemption point would resume from. */
#ifndef ATOLL_KERNEL_CAP_DELETE_H
#define ATOLL_KERNEL_CAP_DELETE_H

#include "cap.h"

/* Empties `slot` (seL4 cteDelete with exposed = true). An empty slot is
 * left alone. */
void cap_delete(struct cap_slot *slot);

/* Deletes every descendant of the capability in `slot`, leaving it in
 * place (seL4 cteRevoke). */
void cap_revoke(struct cap_slot *slot);

#endif
