/* CNode invocations: Revoke, Delete, Copy, Mint, Move, Mutate, Rotate (seL4
 * manual, "CNode Methods"; argument layout in atoll/invocation.h).
 *
 * Decode, then perform (shared/STYLE.md): cnode_decode() looks up every
 * slot and checks every argument without changing anything, and returns an
 * error or a complete cnode_invocation; cnode_perform() carries it out and
 * cannot fail. Nothing may change the capability space between the two.
 * Delete and Revoke may stop at a preemption point (delete.h): the caller
 * then restarts the invocation, decode included. */
#ifndef ATOLL_KERNEL_CAP_CNODE_H
#define ATOLL_KERNEL_CAP_CNODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cap.h"

struct cnode_invocation {
    enum atoll_invocation_label label;
    struct cap_slot *dest;
    struct cap_slot *src;   /* Copy, Mint, Move, Mutate, Rotate */
    struct cap_slot *pivot; /* Rotate */
    struct cap src_cap;     /* what goes into dest (Rotate: into pivot) */
    struct cap pivot_cap;   /* Rotate: what goes into dest */
};

/* `cnode` is the invoked CNode capability; `words` the `length` message
 * words; `extra_caps` the slots of the extra capabilities, already looked
 * up by the system-call layer. */
struct atoll_error_detail cnode_decode(uint64_t label, const struct cap *cnode,
                                       const uint64_t *words, size_t length,
                                       struct cap_slot *const *extra_caps, size_t extra_count,
                                       struct cnode_invocation *out);

/* False when a Delete or Revoke was preempted and must be restarted. */
bool cnode_perform(const struct cnode_invocation *inv);

#endif
