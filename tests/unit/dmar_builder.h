/* Builders for synthetic DMAR tables (VT-d Specification chapter 8), on
 * top of the ACPI table builder (acpi_builder.h): a remapping structure is
 * opened with one of the *_begin() calls, filled with device scopes and
 * closed with dmar_tb_end_struct(), which writes its length. The table is
 * finished (length and checksum) with acpi_tb_finish(). */
#ifndef ATOLL_TESTS_DMAR_BUILDER_H
#define ATOLL_TESTS_DMAR_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include "tests/unit/acpi_builder.h"

/* Header and fixed part; `haw` is the field value (address width - 1). */
void dmar_tb_begin(struct acpi_tb *t, uint8_t haw, uint8_t flags);
/* Each returns the offset of the structure, for dmar_tb_end_struct(). */
size_t dmar_tb_drhd(struct acpi_tb *t, uint8_t flags, uint16_t segment, uint64_t base);
size_t dmar_tb_rmrr(struct acpi_tb *t, uint16_t segment, uint64_t base, uint64_t limit);
size_t dmar_tb_atsr(struct acpi_tb *t, uint8_t flags, uint16_t segment);
/* Any structure: type and body of `fill` zero bytes. */
size_t dmar_tb_raw_struct(struct acpi_tb *t, uint16_t type, size_t fill);
/* Writes the length of the structure at `at` (everything since then). */
void dmar_tb_end_struct(struct acpi_tb *t, size_t at);
/* Overwrites the length field of the structure at `at`. */
void dmar_tb_set_struct_len(struct acpi_tb *t, size_t at, uint16_t len);

/* Device scope with `n` (device, function) pairs from `path`. */
void dmar_tb_scope(struct acpi_tb *t, uint8_t type, uint8_t enum_id, uint8_t start_bus,
                   const uint8_t (*path)[2], size_t n);
/* One-entry PCI endpoint scope for bus:dev.fn. */
void dmar_tb_endpoint(struct acpi_tb *t, uint8_t bus, uint8_t dev, uint8_t fn);
/* A scope header claiming `len` bytes followed by `fill` zero bytes. */
void dmar_tb_scope_raw(struct acpi_tb *t, uint8_t type, uint8_t len, size_t fill);

/* The standard synthetic platform used by the tests:
 *  unit 0  0xfed90000, segment 0: endpoint 00:02.0, bridge 00:1c.0
 *          (sub-hierarchy), endpoint 00:1f.3
 *  unit 1  0xfed91000, segment 0, INCLUDE_PCI_ALL: I/O APIC id 2 at f0:1f.0,
 *          HPET 0 at 00:1f.7
 *  unit 2  0xfed92000, segment 1: an endpoint behind the bridge 1:03:01.0,
 *          function 0 of device 0 on that bridge's secondary bus (a
 *          two-entry path starting at bus 3)
 *  RMRR    0x7f000000..0x7f0fffff for 00:1d.0 and 00:1a.0
 *  ATSR    segment 0, ALL_PORTS
 *  RHSA    for unit 0
 * HAW field 45 (46 bits), flags INTR_REMAP. */
#define DMAR_STD_UNIT0_BASE 0xfed90000u
#define DMAR_STD_UNIT1_BASE 0xfed91000u
#define DMAR_STD_UNIT2_BASE 0xfed92000u
#define DMAR_STD_RMRR_BASE  0x7f000000u
#define DMAR_STD_RMRR_LIMIT 0x7f0fffffu
#define DMAR_STD_IOAPIC_ID  2
#define DMAR_STD_HAW_FIELD  45
void dmar_std_build(struct acpi_tb *t);

#endif
