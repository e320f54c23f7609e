/* GuestSpace objects: four-level EPT (SDM Vol. 3C 28.2) built from
 * GuestSpace (the root), EPT_PDPT, EPT_PD and EPT_PT objects, with the
 * VMM's frames mapped at guest-physical addresses (ABI: atoll/vcpu.h).
 *
 * Capability word 1, kept by this code as vspace.c keeps it for page
 * tables (arch/x86_64/vspace.h):
 *   frame, EPT table  0 when not mapped; else EPT_MAPPING_FLAG, the
 *                     GuestSpace id in bits 62..48 and the guest-physical
 *                     address below. The flag keeps the VSpace code from
 *                     taking it for one of its mappings (its ids are
 *                     below 2^12).
 *   GuestSpace        its id, 0 until it has one (copies made before
 *                     that find it by a search of the id table).
 * A recorded mapping is undone only if the id still names a live
 * GuestSpace and the entry still points at the frame or table. */
#ifndef ATOLL_VTX_EPT_H
#define ATOLL_VTX_EPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../kernel/cap/cap.h"

#define EPT_MAPPING_FLAG (UINT64_C(1) << 63)

/* Decodes and performs a GuestSpace invocation (its capability in
 * `slot`); EPT table capabilities have no invocations of their own. */
struct atoll_error_detail ept_invoke(struct cap_slot *slot, uint64_t label, const uint64_t *words,
                                     size_t length, struct cap_slot *const *extra,
                                     size_t extra_count);

/* A frame capability's word 1 records a GuestSpace mapping. */
static inline bool ept_is_guest_mapping(uint64_t mapping)
{
    return (mapping & EPT_MAPPING_FLAG) != 0;
}
/* ... into a GuestSpace that still exists. */
bool ept_guest_mapping_live(uint64_t mapping);
/* Undoes the GuestSpace mapping a frame capability records, if it still
 * holds, and invalidates the translations (the VSpace code calls this
 * for Frame_Unmap and frame deletion). */
void ept_unmap_frame(const struct cap *frame);

/* The id of the GuestSpace a capability names, 0 while it has none. */
unsigned ept_guest_space_id(const struct cap *guest_space);

/* The EPT pointer of a GuestSpace (SDM Vol. 3C 24.6.11). */
uint64_t ept_pointer(uint64_t guest_space_paddr);

/* Installs the finalise hooks of GuestSpaces and EPT tables. */
void ept_init(void);

/* The seam to the rest of the kernel (vtx/vcpu.c; the host tests provide
 * their own): invalidate EPT/VPID translations on this core now and on
 * every other core before its next VM entry; and a GuestSpace at `root`
 * is gone, so VCPUs must forget it. */
void ept_invalidate(void);
void ept_guest_space_gone(uint64_t root);

#endif
