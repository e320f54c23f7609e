/* Capability-pointer lookup through guarded CNodes (seL4 manual, "CSpace Addressing";
 * resolveAddressBits).
 *
 * A CNode capability resolves (guard size + radix) bits of a pointer, most
 * significant first: the guard bits must equal the capability's guard, the
 * radix bits index a slot. If bits remain and the slot holds a CNode
 * capability, the lookup continues there. */
#ifndef ATOLL_KERNEL_CAP_CSPACE_H
#define ATOLL_KERNEL_CAP_CSPACE_H

#include <stdint.h>

#include "cap.h"

struct cap_lookup {
    struct cap_slot *slot;
    unsigned bits_remaining; /* > 0 when the walk stopped at a non-CNode cap */
};

/* Resolves the low `depth` bits (1..64) of `cptr` from the CNode
 * capability `root`, stopping early, with bits remaining, at a slot whose
 * capability is not a CNode capability. Errors: FAILED_LOOKUP with
 * INVALID_ROOT, GUARD_MISMATCH or DEPTH_MISMATCH (atoll/errors.h); the
 * argument field is 0 and the caller sets it. */
struct atoll_error_detail cap_resolve(const struct cap *root, uint64_t cptr, unsigned depth,
                                      struct cap_lookup *out);

/* The slot that exactly `depth` bits of `cptr` name, as for every CNode
 * invocation argument (seL4 lookupSlotForCNodeOp): depth outside 1..64 is
 * RANGE_ERROR, bits left over at a non-CNode capability are
 * DEPTH_MISMATCH. The slot may be empty. */
struct atoll_error_detail cap_lookup_slot(const struct cap *root, uint64_t cptr, uint64_t depth,
                                          struct cap_slot **out);

/* The slot a system call's capability pointer names in a thread's
 * CSpace: all 64 bits, where bits left over at a non-CNode capability are
 * ignored (seL4 lookupSlot). The slot may be empty. */
struct atoll_error_detail cap_lookup_cptr(const struct cap *root, uint64_t cptr,
                                          struct cap_slot **out);

#endif
