/* A checker for the invariants of the capability core, for tests, fuzzers
 * and (after a system-call fuzzing run) the kernel itself. It reads and
 * never writes; it needs one scratch entry per capability in the tree.
 *
 * Checked, after the invariants seL4's proofs rely on (valid_mdb,
 * untyped_inc, mdb_chunked, valid_badges):
 *   - every derivation list is well formed: prev and next agree, no cycle,
 *     no empty slot linked, no slot in two lists;
 *   - every capability is well formed (type, alignment of its object to its
 *     size, sizes and guards in range, rights within its type's);
 *   - all capabilities to one object are contiguous; within one
 *     endpoint's or notification's run a change to a nonzero badge starts
 *     a first_badged run;
 *   - untyped accounting: every descendant of an untyped lies below its
 *     watermark; objects never overlap, unless one is an untyped and the
 *     other its descendant; a device untyped has only device frames and
 *     untypeds below it, a normal one none;
 *   - every linked slot lies in a live CNode, TCB or Zombie, or in memory
 *     no reachable untyped covers (boot memory outside kernel objects, or a
 *     CNode that holds its own last capability after its untyped capability
 *     was deleted: unreachable, as in seL4); empty slots have empty links; a
 *     Zombie's slots past its count are empty.
 * What is checked is everything reachable from the roots: their lists, the
 * slots of every CNode, TCB and Zombie in those lists, the lists those
 * slots are in, and so on. Cost: quadratic in the number of capabilities. */
#ifndef ATOLL_KERNEL_CAP_INVARIANTS_H
#define ATOLL_KERNEL_CAP_INVARIANTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cap.h"

struct cap_check_entry {
    struct cap_slot *slot;
    uint64_t base; /* object memory: [base, base + 2^size_bits) */
    unsigned size_bits;
    bool has_region;
    uint32_t list;          /* which derivation list */
    size_t same_object_end; /* last index of the run of caps to this object */
    size_t descendant_end;  /* untyped: last index of its descendants */
};

struct cap_check_failure {
    const char *what;
    const struct cap_slot *slot;
    const struct cap_slot *other;
};

/* `roots`: where to start (for the kernel: the slots of the boot
 * capabilities; any slot of a list will do). Returns false and fills
 * `failure` at the first violation. */
bool cap_check_invariants(struct cap_slot *const *roots, size_t root_count,
                          struct cap_check_entry *scratch, size_t scratch_count,
                          struct cap_check_failure *failure);

#endif
