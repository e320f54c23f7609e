/* VT-d remapping units: boot-time bring-up (kernel only).
 *
 * For every DRHD of the DMAR: map its registers, read VER/CAP/ECAP, install
 * an empty root table (every context absent), enable queued invalidation
 * where the unit has it and prove it works with a wait descriptor, or use
 * the register-based invalidation otherwise. Translation stays off: it is
 * enabled per device once IOSpaces exist. A unit that looks wrong (no
 * registers behind its address, a page-table depth this kernel cannot use,
 * a command that never completes) is reported and skipped, never fatal. */
#ifndef ATOLL_IOMMU_VTD_H
#define ATOLL_IOMMU_VTD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/acpi.h"
#include "kernel/phys_range.h"

/* Parses the DMAR that ACPI located (if any) and brings up its units.
 * Needs paging, the boot allocator and a calibrated timer. */
void vtd_init(const struct acpi_info *acpi);

/* Units that came up (0 without VT-d). */
uint32_t vtd_unit_count(void);

/* The register ranges of every remapping unit the DMAR lists (after
 * vtd_init), for the kernel's list of devices no device untyped covers.
 * Returns how many were written to `out` (at most `max`). */
size_t vtd_kernel_mmio(struct phys_range *out, size_t max);

#endif
