/* User wrappers of the VT-d invocations (ABI and errors in atoll/iommu.h):
 * IOSpace map/unmap, IOMMUControl bind/unbind/fault records, and the
 * fault handler's drain loop. Capability arguments are capability
 * pointers in the caller's CSpace. */
#ifndef ATOLL_USER_IOMMU_H
#define ATOLL_USER_IOMMU_H

#include "atoll.h"
#include "atoll/iommu.h"

struct atoll_error_detail atoll_iospace_map(uint64_t space, uint64_t frame, uint64_t iova,
                                            uint64_t rights);
struct atoll_error_detail atoll_iospace_unmap(uint64_t space, uint64_t frame);
/* Through the root task's IOMMUControl (ATOLL_SLOT_IOMMU_CONTROL). */
struct atoll_error_detail atoll_iommu_bind(uint64_t space, uint64_t pci);
struct atoll_error_detail atoll_iommu_unbind(uint64_t pci);
/* The next fault record: flags, source, address, reason in the error
 * detail's argument, value0, value1, value2 (flags 0: none pending). */
struct atoll_error_detail atoll_iommu_get_fault(void);
struct atoll_error_detail atoll_iommu_set_fault_notification(uint64_t ntfn);
/* Reads and logs every pending fault record ("init: iommu fault: NAME
 * (bb:dd.f) write to 0xADDR, reason R", the name from `name_of`, which
 * may be NULL); returns the first (argument 0: none). Fault events stay
 * masked until a call finds no record left. */
struct atoll_error_detail atoll_iommu_drain_faults(const char *(*name_of)(uint64_t pci));

#endif
