/* Capability-pointer lookup; see cspace.h. */
#include "cspace.h"

struct atoll_error_detail cap_resolve(const struct cap *root, uint64_t cptr, unsigned depth,
                                      struct cap_lookup *out)
{
    const struct cap *node = root;
    unsigned bits = depth;

    if (cap_type(node) != CAP_CNODE)
        return cap_lookup_error(ATOLL_LOOKUP_INVALID_ROOT, bits, 0);
    for (;;) {
        unsigned radix = cap_cnode_radix(node);
        unsigned guard_size = cap_cnode_guard_size(node);
        unsigned level = radix + guard_size; /* >= 1: every CNode resolves bits */

        if (guard_size > bits)
            return cap_lookup_error(ATOLL_LOOKUP_GUARD_MISMATCH, bits, guard_size);
        if (guard_size != 0) {
            uint64_t found = (cptr >> (bits - guard_size)) & cap_bits_mask(guard_size);
            if (found != cap_cnode_guard(node))
                return cap_lookup_error(ATOLL_LOOKUP_GUARD_MISMATCH, bits, guard_size);
        }
        if (level > bits)
            return cap_lookup_error(ATOLL_LOOKUP_DEPTH_MISMATCH, bits, level);

        uint64_t index = (cptr >> (bits - level)) & cap_bits_mask(radix);
        struct cap_slot *slot = cap_container_slots(node) + index;
        bits -= level;
        if (bits == 0 || cap_type(&slot->cap) != CAP_CNODE) {
            out->slot = slot;
            out->bits_remaining = bits;
            return cap_ok();
        }
        node = &slot->cap;
    }
}

struct atoll_error_detail cap_lookup_slot(const struct cap *root, uint64_t cptr, uint64_t depth,
                                          struct cap_slot **out)
{
    struct cap_lookup found;

    if (depth < 1 || depth > ATOLL_CPTR_BITS)
        return cap_range_error(0, 1, ATOLL_CPTR_BITS);
    struct atoll_error_detail e = cap_resolve(root, cptr, (unsigned)depth, &found);
    if (cap_failed(&e))
        return e;
    /* A CNode operation names a slot exactly; bits left over at a
     * non-CNode capability are a mistake in the pointer, not a shortcut. */
    if (found.bits_remaining != 0)
        return cap_lookup_error(ATOLL_LOOKUP_DEPTH_MISMATCH, found.bits_remaining, 0);
    *out = found.slot;
    return cap_ok();
}

struct atoll_error_detail cap_lookup_cptr(const struct cap *root, uint64_t cptr,
                                          struct cap_slot **out)
{
    struct cap_lookup found;
    struct atoll_error_detail e = cap_resolve(root, cptr, ATOLL_CPTR_BITS, &found);
    if (cap_failed(&e))
        return e;
    *out = found.slot;
    return cap_ok();
}
