#ifndef ATOLL_INIT_TESTS_H
#define ATOLL_INIT_TESTS_H

#include "atoll.h"

/* Each group runs its cases and records PASS/FAIL through test.h. */
void tests_syscall(void);
void tests_cap(const struct atoll_bootinfo *bi);
void tests_vspace(const struct atoll_bootinfo *bi);
void tests_ipc(const struct atoll_bootinfo *bi);
void tests_mcs(const struct atoll_bootinfo *bi);
void tests_irq(const struct atoll_bootinfo *bi);
void tests_iommu(const struct atoll_bootinfo *bi);

#endif
