/* ACPI table discovery and parsing (ACPI 6.5: 5.2.5 RSDP, 5.2.7 RSDT,
 * 5.2.8 XSDT, 5.2.12 MADT; PCI Firmware spec for MCFG; VT-d spec 8.1 for
 * the DMAR header).
 *
 * Firmware tables are untrusted input. A table whose checksum is wrong,
 * whose length runs past what the mapper can give, or an entry shorter than
 * its type requires, is skipped with a warning and never followed. Portable
 * C: builds in the kernel and on the host (unit tests, libFuzzer). */
#ifndef ATOLL_ARCH_ACPI_H
#define ATOLL_ARCH_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_MAX_CPUS      64
#define ACPI_MAX_IOAPICS   8
#define ACPI_MAX_OVERRIDES 16
#define ACPI_MAX_MCFG      8
#define ACPI_MAX_LAPIC_NMI 8

/* Returns a pointer through which `len` bytes at physical address `phys`
 * can be read, or NULL if that range is not mappable (out of memory, not
 * backed by the test image, ...). The parser never reads outside a range
 * it obtained this way. */
typedef const void *(*acpi_map_fn)(void *ctx, uint64_t phys, size_t len);

struct acpi_cpu {
    uint32_t apic_id;  /* xAPIC id or x2APIC id */
    uint32_t acpi_uid; /* processor UID */
    bool x2apic;       /* came from a Local x2APIC entry */
};

struct acpi_ioapic {
    uint32_t id;
    uint64_t phys; /* register window */
    uint32_t gsi_base;
};

/* ISA IRQ to GSI (MADT type 2); flags are the MPS INTI flags. */
struct acpi_override {
    uint8_t bus_irq;
    uint32_t gsi;
    uint16_t flags;
};

struct acpi_lapic_nmi {
    uint32_t acpi_uid; /* 0xff / 0xffffffff: all processors */
    uint8_t lint;      /* 0 or 1 */
    uint16_t flags;
};

struct acpi_mcfg {
    uint64_t base; /* ECAM base for bus 0 of this segment */
    uint16_t segment;
    uint8_t bus_start;
    uint8_t bus_end;
};

struct acpi_info {
    uint8_t revision; /* RSDP revision: 0 = ACPI 1.0 */
    bool used_xsdt;   /* false: fell back to the RSDT */
    char oem_id[7];

    bool madt_present;
    uint64_t lapic_phys; /* MADT local APIC address, override applied */
    bool pcat_compat;    /* legacy 8259 PICs present (must be masked) */

    uint32_t cpu_count; /* enabled or online-capable processors */
    struct acpi_cpu cpus[ACPI_MAX_CPUS];
    uint32_t cpus_ignored; /* disabled, or beyond ACPI_MAX_CPUS */

    uint32_t ioapic_count;
    struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];

    uint32_t override_count;
    struct acpi_override overrides[ACPI_MAX_OVERRIDES];

    uint32_t lapic_nmi_count;
    struct acpi_lapic_nmi lapic_nmis[ACPI_MAX_LAPIC_NMI];

    uint32_t mcfg_count;
    struct acpi_mcfg mcfg[ACPI_MAX_MCFG];

    /* DMAR: located and checksum-checked here; parsed by iommu/. */
    bool dmar_present;
    uint64_t dmar_phys;
    uint32_t dmar_length;

    uint32_t warnings; /* tables or entries skipped */
};

/* Parses from an RSDP already copied into memory (from Multiboot2) of
 * `rsdp_len` bytes. Returns 0 if an RSDT or XSDT was usable, -1 if not
 * (then `out` holds only what could be learned). `out` is always fully
 * initialised. */
int acpi_parse(const void *rsdp, size_t rsdp_len, acpi_map_fn map, void *ctx,
               struct acpi_info *out);

/* GSI for an ISA IRQ after interrupt-source overrides (identity if none). */
uint32_t acpi_isa_irq_to_gsi(const struct acpi_info *info, uint8_t irq, uint16_t *flags);

#endif
