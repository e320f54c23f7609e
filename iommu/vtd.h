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

/* ---- For IOSpaces (kernel/iospace.c). All under the kernel lock; every
 * invalidation has completed when the function returns. ---- */

/* What one IO page-table format must suit: the intersection of every up
 * unit's SAGAW and SLLPS, the smallest MGAW and domain-id count, the
 * DMAR's host address width. False without a unit (or without a common
 * depth). */
struct vtd_format {
    unsigned sagaw, mgaw, sllps, haw;
    uint32_t domains; /* ids [1, domains) may be used (0 is reserved in caching mode) */
};
bool vtd_common_format(struct vtd_format *f);

enum vtd_device_result {
    VTD_DEVICE_OK = 0,
    VTD_DEVICE_NOT_COVERED,
    VTD_DEVICE_UNCERTAIN,
    VTD_DEVICE_AMBIGUOUS,
    VTD_DEVICE_UNIT_DOWN,
};
/* The up unit that remaps PCI function seg:bus:dev.fn (DMAR lookup, fails
 * closed). */
enum vtd_device_result vtd_device_unit(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
                                       uint32_t *unit);

enum vtd_bind_result {
    VTD_BIND_OK = 0,
    VTD_BIND_EXISTS,   /* the function has a context entry */
    VTD_BIND_NO_TABLE, /* its bus needs a context table and none is left */
};
/* Makes the context entry of source id `sid` point at the second-level
 * table `root` of domain `did` (context AW `aw`), invalidates, and turns
 * the unit's translation on if it was off. */
enum vtd_bind_result vtd_context_bind(uint32_t unit, uint16_t sid, uint16_t did, uint64_t root,
                                      unsigned aw);
/* The domain of `sid`'s context entry; false when it has none. */
bool vtd_context_lookup(uint32_t unit, uint16_t sid, uint16_t *did);
/* Clears `sid`'s context entry and invalidates the context cache and the
 * domain's IOTLB entries (nothing if it has none). */
void vtd_context_unbind(uint32_t unit, uint16_t sid);

/* Writes back IO page-table memory for units that do not snoop. */
void vtd_flush_tables(const void *p, size_t len);
/* Invalidates domain `did`'s IOTLB entries for [start, end) on every up
 * unit (page-selective where possible, else the whole domain; start ==
 * end: the whole domain). */
void vtd_invalidate_iotlb(uint16_t did, uint64_t start, uint64_t end, bool leaf_only);
/* Some unit caches not-present entries (CAP.CM): maps need an
 * invalidation too. */
bool vtd_caching_mode(void);

struct vtd_fault {
    uint32_t unit;
    uint16_t segment, source; /* source: bus << 8 | dev << 3 | fn */
    uint64_t address;
    unsigned reason;
    bool read;
    bool overflow; /* the unit lost records (FSTS.PFO), now cleared */
};
/* Takes the next recorded fault of any unit and clears its record. */
bool vtd_next_fault(struct vtd_fault *f);

/* Every up unit's fault event: `vector` at local APIC `apic_id`
 * (compatibility-format MSI), masked or not. A unit that records a fault
 * while masked keeps the event pending (FECTL.IP) and sends it when
 * unmasked, so masking loses nothing. */
void vtd_fault_events(bool enable, uint8_t vector, uint32_t apic_id);

/* ---- Interrupt remapping (arch/x86_64/irq_objects.c) ---- */

/* On when every unit has it, with queued invalidation, and every IOAPIC
 * is in a unit's device scope; turned on at boot for all units at once. */
bool vtd_ir_enabled(void);
/* Entries use 32-bit x2APIC destinations (IRTA.EIME). */
bool vtd_ir_x2apic(void);
/* Entries in the table (0 when remapping is off). */
uint32_t vtd_ir_entries(void);
/* The source id IOAPIC `ioapic_id` sends with (DMAR device scope). */
bool vtd_ir_ioapic_source(uint8_t ioapic_id, uint16_t *sid);
/* Writes entry `index` (lo without VTD_IRTE_LO_P: clears it) and
 * invalidates the interrupt entry cache for it on every unit before it
 * returns. */
void vtd_ir_set(uint32_t index, uint64_t lo, uint64_t hi);

#endif
