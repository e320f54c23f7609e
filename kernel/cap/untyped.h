/* Untyped memory and Untyped_Retype (seL4 manual, "Kernel Memory
 * Allocation"; argument layout in
 * atoll/invocation.h).
 *
 * An untyped capability owns a power-of-two, size-aligned block of
 * physical memory and a watermark (its free offset). Retype carves objects
 * upward from the watermark, each aligned to its own size, and makes their
 * capabilities children of the untyped. When the untyped has no children
 * left, the next Retype starts again from offset 0 (seL4's reset). Object
 * memory is zeroed when the object is created, so a reset needs no
 * clearing. A device untyped covers memory the kernel must not touch
 * (MMIO): it can only become frames and smaller device untypeds, which are
 * not zeroed. */
#ifndef ATOLL_KERNEL_CAP_UNTYPED_H
#define ATOLL_KERNEL_CAP_UNTYPED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cap.h"

struct untyped_retype {
    struct cap_slot *untyped;
    enum atoll_object_type type;
    uint64_t size_bits;    /* the Retype argument */
    unsigned object_bits;  /* size of each object */
    struct cap_slot *dest; /* first destination slot; `count` follow it */
    uint64_t count;
    uint64_t offset; /* of the first object in the untyped, aligned */
    bool reset;      /* the untyped had no children: watermark back to 0 */
};

/* `untyped_slot` holds the invoked untyped capability. */
struct atoll_error_detail untyped_decode(uint64_t label, struct cap_slot *untyped_slot,
                                         const uint64_t *words, size_t length,
                                         struct cap_slot *const *extra_caps, size_t extra_count,
                                         struct untyped_retype *out);

void untyped_perform_retype(const struct untyped_retype *retype);

#endif
