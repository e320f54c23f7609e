/* Builders for synthetic ACPI tables (unit tests and fuzz seeds).
 *
 * A table is built into a fixed buffer, then acpi_tb_finish() writes its
 * length and checksum. acpi_platform_build() lays out a whole, valid
 * platform (RSDP, RSDT, XSDT, MADT, MCFG, DMAR) at consecutive physical
 * addresses from a base, ready to be handed to fake memory or flattened
 * into a fuzz input. */
#ifndef ATOLL_TESTS_ACPI_BUILDER_H
#define ATOLL_TESTS_ACPI_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/unit/fake_mem.h"

#define ACPI_TB_MAX 4096

struct acpi_tb {
    uint8_t buf[ACPI_TB_MAX];
    size_t len;
};

void acpi_tb_begin(struct acpi_tb *t, const char sig[4]);
void acpi_tb_u8(struct acpi_tb *t, uint8_t v);
void acpi_tb_u16(struct acpi_tb *t, uint16_t v);
void acpi_tb_u32(struct acpi_tb *t, uint32_t v);
void acpi_tb_u64(struct acpi_tb *t, uint64_t v);
void acpi_tb_zeros(struct acpi_tb *t, size_t n);
/* Writes the header length field and the checksum. */
void acpi_tb_finish(struct acpi_tb *t);
/* Recomputes the checksum of a table of `len` bytes (after a mutation). */
void acpi_fix_checksum(uint8_t *table, size_t len);
uint8_t acpi_sum(const uint8_t *p, size_t n);

/* MADT (ACPI 6.5 5.2.12) entries, each with its standard length. */
void acpi_madt_begin(struct acpi_tb *t, uint32_t lapic_phys, uint32_t flags);
void acpi_madt_lapic(struct acpi_tb *t, uint8_t uid, uint8_t apic_id, uint32_t flags);
void acpi_madt_ioapic(struct acpi_tb *t, uint8_t id, uint32_t phys, uint32_t gsi_base);
void acpi_madt_iso(struct acpi_tb *t, uint8_t bus, uint8_t source, uint32_t gsi, uint16_t flags);
void acpi_madt_lapic_nmi(struct acpi_tb *t, uint8_t uid, uint16_t flags, uint8_t lint);
void acpi_madt_lapic_override(struct acpi_tb *t, uint64_t phys);
void acpi_madt_x2apic(struct acpi_tb *t, uint32_t x2apic_id, uint32_t flags, uint32_t uid);
void acpi_madt_x2apic_nmi(struct acpi_tb *t, uint16_t flags, uint32_t uid, uint8_t lint);
/* Any entry: type, claimed length, then `fill` zero bytes of body (so the
 * claimed length may differ from what is actually written). */
void acpi_madt_raw(struct acpi_tb *t, uint8_t type, uint8_t len, size_t fill);

void acpi_mcfg_begin(struct acpi_tb *t);
void acpi_mcfg_entry(struct acpi_tb *t, uint64_t base, uint16_t segment, uint8_t bus_start,
                     uint8_t bus_end);
/* DMAR fixed part (VT-d 8.1) plus one minimal DRHD with INCLUDE_PCI_ALL. */
void acpi_dmar_build(struct acpi_tb *t, uint8_t haw, uint8_t flags);
void acpi_rsdt_build(struct acpi_tb *t, const uint32_t *tables, size_t n);
void acpi_xsdt_build(struct acpi_tb *t, const uint64_t *tables, size_t n);

/* RSDP (5.2.5.3) of 36 bytes; revision 0 fills only the first 20 (the
 * rest zero). Checksums are correct. OEM id "ATOLL ". */
void acpi_rsdp_build(uint8_t out[36], uint8_t revision, uint32_t rsdt, uint64_t xsdt);
void acpi_rsdp_fix_checksums(uint8_t rsdp[36]);

/* The default platform: 4 enabled CPUs (APIC ids 0..3), one disabled
 * (id 4), 1 I/O APIC (id 0, 0xfec00000, GSI 0), ISOs IRQ0->GSI2 (flags 0)
 * and IRQ9->GSI9 (level, active high), a LAPIC NMI on LINT1 for all CPUs,
 * PCAT_COMPAT set, LAPIC at 0xfee00000; MCFG with one segment at
 * 0xb0000000 for buses 0..255; a DMAR. */
#define ACPI_STD_CPUS        4
#define ACPI_STD_LAPIC_PHYS  0xfee00000u
#define ACPI_STD_IOAPIC_PHYS 0xfec00000u
#define ACPI_STD_MCFG_BASE   0xb0000000u
#define ACPI_STD_ISO9_FLAGS  0x000du /* level, active high */

void acpi_std_madt(struct acpi_tb *t);
void acpi_std_mcfg(struct acpi_tb *t);

#define ACPI_PLATFORM_MAX_BLOBS 16

struct acpi_platform_blob {
    char sig[5];
    uint64_t phys;
    struct acpi_tb table;
};

struct acpi_platform {
    uint8_t rsdp[36];
    size_t rsdp_len; /* 20 for revision 0, else 36 */
    struct acpi_platform_blob blobs[ACPI_PLATFORM_MAX_BLOBS];
    size_t count;
    uint64_t rsdt_phys, xsdt_phys;
};

/* Builds the default platform with RSDP `revision` (0 or 2) at
 * consecutive, 16-byte aligned physical addresses from `base`. `madt` (if
 * not NULL) replaces the default MADT; the XSDT exists only for revision
 * >= 2; both roots list every other table. */
void acpi_platform_build(struct acpi_platform *p, uint64_t base, uint8_t revision,
                         const struct acpi_tb *madt);
/* The blob of the table with signature `sig` (first one), or NULL. */
struct acpi_platform_blob *acpi_platform_find(struct acpi_platform *p, const char *sig);
void acpi_platform_to_fake_mem(const struct acpi_platform *p, struct fake_mem *fm);
/* The fuzz_acpi input layout: 36 bytes of RSDP, then a memory image that
 * starts at physical address 0 (so build with a small, non-zero base).
 * Returns the number of bytes written, 0 if they do not fit in `cap`. */
size_t acpi_platform_to_image(const struct acpi_platform *p, uint8_t *out, size_t cap);

#endif
