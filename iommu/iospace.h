/* IOSpace objects and the IOMMUControl capability (ABI:
 * kernel/include/atoll/iommu.h). Kernel only.
 *
 * Word 1 of a frame capability mapped in an IOSpace (vspace.h owns that
 * word for VSpace mappings, vtx/ept.h for GuestSpace ones):
 *   bit 63      0 (1 is a GuestSpace mapping)
 *   bit 62      1: an IOSpace mapping
 *   bits 59..48 the IOSpace's domain id
 *   bits 47..0  the IOVA
 * As for VSpace mappings, the record is checked before it is undone: the
 * domain id must still name a live IOSpace and that IOSpace must still map
 * this frame at the IOVA. */
#ifndef ATOLL_IOMMU_IOSPACE_H
#define ATOLL_IOMMU_IOSPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/cap/cap.h"

/* A frame capability's mapping word (arch/x86_64/vspace.c): a VSpace
 * mapping leaves bits 60-63 clear (ASID < 4096 at bit 48), a GuestSpace
 * mapping sets bit 63 (vtx/ept.h), an IOSpace mapping bit 62, with the
 * domain id (< IOSPACE_DOMAINS = 4096) at bit 48 and the IOVA below. */
#define IOSPACE_MAPPING_FLAG (UINT64_C(1) << 62)

static inline bool iospace_mapping_is_io(uint64_t mapping)
{
    return (mapping & IOSPACE_MAPPING_FLAG) != 0;
}

/* Undoes the IOSpace mapping `frame` records, if it is still in place,
 * and waits for the IOTLB invalidation. The caller clears word 1. */
void iospace_frame_unmap(const struct cap *frame);

/* IOSpace and IOMMUControl invocations. */
struct atoll_error_detail iospace_invoke(struct cap_slot *slot, uint64_t label,
                                         const uint64_t *words, size_t length,
                                         struct cap_slot *const *extra, size_t extra_count,
                                         uint64_t *reply, size_t *reply_length);

/* Installs the IOSpace initialise and finalise hooks. */
void iospace_init(void);

#endif
