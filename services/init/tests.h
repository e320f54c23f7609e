#ifndef ATOLL_INIT_TESTS_H
#define ATOLL_INIT_TESTS_H

#include "atoll.h"

/* Each group runs its cases and records PASS/FAIL through test.h. Each
 * takes root-CNode slots from its own range above bi->empty_first: cap
 * [0, 512), vspace [512, 1024), ipc [1024, 2048), mcs [2048, 3072), irq
 * [3072, 3584), fastpath [3584, 3840), vmx [3840, 4096), pd [4096, 6144),
 * iommu [6144, 6400), vmx2 [6400, 6912), e1000 [6912, 7168). */
void tests_syscall(void);
void tests_cap(const struct atoll_bootinfo *bi);
void tests_vspace(const struct atoll_bootinfo *bi);
void tests_ipc(const struct atoll_bootinfo *bi);
void tests_mcs(const struct atoll_bootinfo *bi);
void tests_irq(const struct atoll_bootinfo *bi);
void tests_pd(const struct atoll_bootinfo *bi);
void tests_fastpath(const struct atoll_bootinfo *bi);
void tests_vmx(const struct atoll_bootinfo *bi);
void tests_iommu(const struct atoll_bootinfo *bi);
void tests_e1000(const struct atoll_bootinfo *bi);
/* vmx2: slots [6400, 6912) */
void tests_vmx2(const struct atoll_bootinfo *bi);

#endif
