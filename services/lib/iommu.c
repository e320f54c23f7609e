/* VT-d invocation wrappers and the fault drain loop; see iommu.h. */
#include "iommu.h"
#include "pci.h"

/* GetFault finds at most this many records per drain: more than every
 * unit of a machine holds (CAP.NFR is at most 256 per unit). */
#define DRAIN_LIMIT 1024

struct atoll_error_detail atoll_iospace_map(uint64_t space, uint64_t frame, uint64_t iova,
                                            uint64_t rights)
{
    uint64_t w[ATOLL_IOSPACE_MAP_ARGS] = {iova, rights};
    return atoll_invoke(space, ATOLL_IOSPACE_MAP, w, ATOLL_IOSPACE_MAP_ARGS, &frame, 1);
}

struct atoll_error_detail atoll_iospace_unmap(uint64_t space, uint64_t frame)
{
    return atoll_invoke(space, ATOLL_IOSPACE_UNMAP, NULL, 0, &frame, 1);
}

struct atoll_error_detail atoll_iommu_bind(uint64_t space, uint64_t pci)
{
    return atoll_invoke(ATOLL_SLOT_IOMMU_CONTROL, ATOLL_IOMMU_BIND, &pci, ATOLL_IOMMU_BIND_ARGS,
                        &space, 1);
}

struct atoll_error_detail atoll_iommu_unbind(uint64_t pci)
{
    return atoll_invoke(ATOLL_SLOT_IOMMU_CONTROL, ATOLL_IOMMU_UNBIND, &pci, ATOLL_IOMMU_BIND_ARGS,
                        NULL, 0);
}

struct atoll_error_detail atoll_iommu_get_fault(void)
{
    return atoll_invoke(ATOLL_SLOT_IOMMU_CONTROL, ATOLL_IOMMU_GET_FAULT, NULL, 0, NULL, 0);
}

struct atoll_error_detail atoll_iommu_set_fault_notification(uint64_t ntfn)
{
    return atoll_invoke(ATOLL_SLOT_IOMMU_CONTROL, ATOLL_IOMMU_SET_FAULT_NOTIFICATION, NULL, 0,
                        &ntfn, 1);
}

struct atoll_error_detail atoll_iommu_drain_faults(const char *(*name_of)(uint64_t pci))
{
    struct atoll_error_detail first = {0};
    for (unsigned n = 0; n < DRAIN_LIMIT; n++) {
        struct atoll_error_detail f = atoll_iommu_get_fault();
        if (f.code != ATOLL_OK || !(f.argument & ATOLL_IOMMU_FAULT_VALID))
            break;
        const char *name = name_of ? name_of(f.value0) : NULL;
        printf("init: iommu fault: %s (" ATOLL_PCI_FORMAT ") %s 0x%lx, reason %lu\n",
               name ? name : "unknown device", ATOLL_PCI_FORMAT_ARGS(f.value0),
               (f.argument & ATOLL_IOMMU_FAULT_READ) ? "read from" : "write to", f.value1,
               f.value2);
        if (n == 0)
            first = f;
    }
    return first;
}
