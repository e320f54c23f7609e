/* DMA isolation with VT-d: IOSpace objects and the IOMMUControl
 * capability (issue 6), shared by kernel and user space. The values are
 * ABI: never renumber, only append.
 *
 * ---- IOSpace ----
 *
 * An IOSpace is one VT-d domain: the IO virtual addresses (IOVAs) a set of
 * PCI functions may reach by DMA. It is retyped from (non-device) untyped
 * memory with a size of 2^size_bits bytes, ATOLL_IOSPACE_MIN_BITS to
 * ATOLL_IOSPACE_MAX_BITS (the Retype size argument). The kernel allocates
 * nothing after boot, so the object holds its own page tables: its first
 * page is kernel bookkeeping, every other page is a pool from which the
 * top-level table and the lower tables are taken as mappings need them.
 * A map that needs a table when the pool is empty fails with
 * NOT_ENOUGH_MEMORY (value0 0); tables are only returned when the IOSpace
 * is deleted. The table format (3 or 4 levels) is the deepest every
 * remapping unit walks, the IOVA width the narrowest MGAW.
 *
 * The kernel gives each IOSpace a domain id at its first Map or Bind
 * (NOT_ENOUGH_MEMORY value0 1 when all are taken); it is freed when the
 * last capability goes. Without a remapping unit every IOSpace invocation
 * is ILLEGAL_OPERATION.
 *
 * IOSpace_Map puts a Frame (4 KiB, or 2 MiB where every unit walks 2 MiB
 * pages) at an IOVA with read and/or write rights. As for VSpaces, a frame
 * capability describes at most one mapping, its own: map a copy (CNode_Copy
 * gives an unmapped copy) to map the frame elsewhere. Deleting or revoking
 * a mapped frame capability unmaps it, and so do IOSpace_Unmap and
 * Frame_Unmap. Every unmap has invalidated the units' IOTLBs (and waited
 * for that) before the invocation returns, so the device can no longer
 * reach the frame; a map is visible to the device on return (units in
 * caching mode are invalidated after a map too).
 *
 * Known limit (as for VSpace ids): a domain id is reused round robin once
 * freed; a stale frame capability whose IOSpace is gone may then unmap the
 * same frame at the same IOVA in the IOSpace that got the id, which only
 * ever removes access.
 *
 * Deleting the last IOSpace capability first detaches every bound device
 * (its context entry is cleared and the context cache and IOTLB for the
 * domain invalidated), so that no device walks the object's memory once it
 * can be reused. Its devices then fault on every DMA until bound again.
 *
 * ---- IOMMUControl ----
 *
 * The root task holds the one IOMMUControl capability
 * (ATOLL_SLOT_IOMMU_CONTROL; it cannot be copied). It binds PCI functions
 * to IOSpaces and reads fault records. Binding the first function of a
 * unit turns the unit's translation on: from then on every function behind
 * that unit without a context entry is blocked (its DMA faults), which is
 * the fail-closed default.
 *
 * A PCI function is named by one word, ATOLL_PCI_ADDRESS(segment, bus,
 * device, function). */
#ifndef ATOLL_ABI_IOMMU_H
#define ATOLL_ABI_IOMMU_H

#include <stdint.h>

#include "invocation.h"

#define ATOLL_IOSPACE_MIN_BITS 15 /* the bookkeeping page and 7 table pages */
#define ATOLL_IOSPACE_MAX_BITS 21 /* the bookkeeping page and 511 table pages */

#define ATOLL_PCI_ADDRESS(seg, bus, dev, fn)                                                       \
    (((uint64_t)(seg)&0xffff) << 16 | ((uint64_t)(bus)&0xff) << 8 | ((uint64_t)(dev)&0x1f) << 3 |  \
     ((uint64_t)(fn)&0x7))
#define ATOLL_PCI_SEGMENT(a) ((uint16_t)((a) >> 16))
/* The 16-bit requester (source) id: bus << 8 | dev << 3 | fn. */
#define ATOLL_PCI_SOURCE_ID(a) ((uint16_t)(a))

/* IOSpace rights of a mapping (a mask), further limited by the frame
 * capability's READ and WRITE rights. */
#define ATOLL_IO_READ  (UINT64_C(1) << 0) /* the device may read the frame */
#define ATOLL_IO_WRITE (UINT64_C(1) << 1) /* the device may write the frame */

enum atoll_iospace_label {
    /* words: iova, rights. Extra capability 0: the frame. Errors:
     *   TRUNCATED_MESSAGE   fewer words or no extra capability
     *   ILLEGAL_OPERATION   no remapping unit is up
     *   INVALID_CAPABILITY 0  not a frame, a 1 GiB frame, a 2 MiB frame
     *                       where a unit cannot map one, a frame capability
     *                       mapped already (in a VSpace or an IOSpace), or a
     *                       frame beyond the units' host address width
     *   INVALID_ARGUMENT 1  rights empty, unknown bits, or more than the
     *                       frame capability allows (value0: its rights)
     *   ALIGNMENT_ERROR 0   iova not aligned to the frame (value0: bits)
     *   RANGE_ERROR 0       iova beyond the IOVA width (value1: last IOVA)
     *   DELETE_FIRST 0      something is mapped there (value0: iova)
     *   NOT_ENOUGH_MEMORY   value0 0: the table pool is empty; 1: no
     *                       domain id left */
    ATOLL_IOSPACE_MAP = ATOLL_IOSPACE_FIRST + 0,
    /* Extra capability 0: a frame mapped in this IOSpace (or not mapped:
     * nothing happens). INVALID_CAPABILITY 0 for anything else. */
    ATOLL_IOSPACE_UNMAP = ATOLL_IOSPACE_FIRST + 1,
};

enum atoll_iospace_map_argument {
    ATOLL_IOSPACE_ARG_IOVA = 0,
    ATOLL_IOSPACE_ARG_RIGHTS = 1,
    ATOLL_IOSPACE_MAP_ARGS = 2,
};
#define ATOLL_IOSPACE_EXTRA_CAPS 1

/* The IOMMUControl block, after the IOSpace block. */
#define ATOLL_IOMMU_CONTROL_FIRST (ATOLL_IOSPACE_FIRST + 8)

enum atoll_iommu_control_label {
    /* words: PCI address. Extra capability 0: the IOSpace. Writes the
     * function's context entry in the unit that remaps it. Errors:
     *   ILLEGAL_OPERATION   no remapping unit is up
     *   INVALID_CAPABILITY 0  not an IOSpace
     *   INVALID_ARGUMENT 0  the DMAR names no unit for the function (value0:
     *                       ATOLL_IOMMU_NOT_COVERED, _UNCERTAIN (part of the
     *                       table could not be resolved) or _AMBIGUOUS), or
     *                       the unit is not up (value0 _UNIT_DOWN)
     *   DELETE_FIRST 0      the function is bound already (Unbind first)
     *   NOT_ENOUGH_MEMORY   value0 1: no domain id left; 2: the unit has no
     *                       context table left for another bus; 3: the
     *                       IOSpace has ATOLL_IOSPACE_MAX_DEVICES already */
    ATOLL_IOMMU_BIND = ATOLL_IOMMU_CONTROL_FIRST + 0,
    /* words: PCI address. Clears its context entry (the function's DMA is
     * blocked again). INVALID_ARGUMENT 0 as for Bind, or value0
     * _NOT_BOUND. */
    ATOLL_IOMMU_UNBIND = ATOLL_IOMMU_CONTROL_FIRST + 1,
    /* No arguments. Takes the oldest pending fault record of any unit and
     * clears it in the hardware. Reply: ATOLL_IOMMU_FAULT_WORDS words
     * (struct atoll_iommu_fault); flags 0 when no record is pending. */
    ATOLL_IOMMU_GET_FAULT = ATOLL_IOMMU_CONTROL_FIRST + 2,
    /* Extra capability 0: a badged notification capability with WRITE
     * (INVALID_CAPABILITY 0 otherwise). The fault events of every unit
     * signal it with that badge. Rate limit: the kernel masks the units'
     * fault events when it signals and unmasks them only when GetFault
     * finds no record left, so a device that faults without end costs one
     * interrupt per drain of the records, never a core (faults recorded
     * meanwhile are kept, or counted as OVERFLOW when the records are
     * full). A handler loop: Wait; GetFault until flags is 0; repeat. */
    ATOLL_IOMMU_SET_FAULT_NOTIFICATION = ATOLL_IOMMU_CONTROL_FIRST + 3,
};

enum atoll_iommu_bind_argument {
    ATOLL_IOMMU_ARG_PCI_ADDRESS = 0,
    ATOLL_IOMMU_BIND_ARGS = 1,
};

/* value0 of INVALID_ARGUMENT for Bind and Unbind. */
enum atoll_iommu_device_error {
    ATOLL_IOMMU_NOT_COVERED = 1,
    ATOLL_IOMMU_UNCERTAIN = 2,
    ATOLL_IOMMU_AMBIGUOUS = 3,
    ATOLL_IOMMU_UNIT_DOWN = 4,
    ATOLL_IOMMU_NOT_BOUND = 5,
};

/* Functions one IOSpace may be bound to at once. */
#define ATOLL_IOSPACE_MAX_DEVICES 8

/* A fault record: the reply words of IOMMU_GetFault, in this order (all
 * four travel in message registers). */
#define ATOLL_IOMMU_FAULT_VALID      (UINT64_C(1) << 0)
#define ATOLL_IOMMU_FAULT_READ       (UINT64_C(1) << 1) /* clear: a write */
#define ATOLL_IOMMU_FAULT_OVERFLOW   (UINT64_C(1) << 2) /* the unit lost records before this one */
#define ATOLL_IOMMU_FAULT_UNIT_SHIFT 8                  /* bits 15:8: the unit (DMAR order) */
#define ATOLL_IOMMU_FAULT_UNIT(f)    (((f) >> ATOLL_IOMMU_FAULT_UNIT_SHIFT) & 0xff)
struct atoll_iommu_fault {
    uint64_t flags;   /* ATOLL_IOMMU_FAULT_* and the unit */
    uint64_t source;  /* ATOLL_PCI_ADDRESS of the requester */
    uint64_t address; /* the page the request went to (bits 11:0 zero) */
    uint64_t reason;  /* the VT-d fault reason (spec 7.1.3), e.g. 5: write denied */
};
#define ATOLL_IOMMU_FAULT_WORDS 4

#endif
