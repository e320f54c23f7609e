#ifndef ATOLL_ARCH_SMP_H
#define ATOLL_ARCH_SMP_H

#include "acpi.h"

/* Starts every processor the MADT lists (INIT-SIPI-SIPI), one at a time,
 * and waits for each to report online. */
void smp_start(const struct acpi_info *acpi);

#endif
