/* ACPI table layouts: signatures, byte offsets, lengths and flag bits.
 *
 * Section numbers are ACPI 6.5 unless noted; MCFG is from the PCI Firmware
 * Specification 3.2 (4.1.2), DMAR from the Intel VT-d Specification (8.1).
 * All multi-byte fields are little-endian and, in general, misaligned: read
 * them byte-wise, never through a struct. Offsets are from the start of the
 * structure they belong to. */
#ifndef ATOLL_ARCH_ACPI_TABLES_H
#define ATOLL_ARCH_ACPI_TABLES_H

/* 5.2.5.3 Root System Description Pointer. */
#define ACPI_RSDP_SIGNATURE        "RSD PTR "
#define ACPI_RSDP_SIGNATURE_LEN    8
#define ACPI_RSDP_OFF_SIGNATURE    0
#define ACPI_RSDP_OFF_CHECKSUM     8 /* covers the first 20 bytes */
#define ACPI_RSDP_OFF_OEM_ID       9
#define ACPI_RSDP_OFF_REVISION     15
#define ACPI_RSDP_OFF_RSDT         16 /* u32 */
#define ACPI_RSDP_OFF_LENGTH       20 /* u32, revision >= 2 only */
#define ACPI_RSDP_OFF_XSDT         24 /* u64, revision >= 2 only */
#define ACPI_RSDP_OFF_EXT_CHECKSUM 32 /* covers `length` bytes */
#define ACPI_RSDP_V1_LEN           20
#define ACPI_RSDP_V2_LEN           36
#define ACPI_RSDP_REVISION_XSDT    2 /* first revision with length/XSDT */
#define ACPI_OEM_ID_LEN            6

/* 5.2.6 System Description Table Header (common to every table). */
#define ACPI_SIG_LEN              4
#define ACPI_HDR_OFF_SIGNATURE    0
#define ACPI_HDR_OFF_LENGTH       4 /* u32, whole table including header */
#define ACPI_HDR_OFF_REVISION     8
#define ACPI_HDR_OFF_CHECKSUM     9 /* whole table sums to zero */
#define ACPI_HDR_OFF_OEM_ID       10
#define ACPI_HDR_OFF_OEM_TABLE_ID 16
#define ACPI_HDR_OFF_OEM_REVISION 24
#define ACPI_HDR_OFF_CREATOR_ID   28
#define ACPI_HDR_OFF_CREATOR_REV  32
#define ACPI_HDR_LEN              36

/* Not from the spec: a sanity bound so that a corrupt length cannot make
 * the kernel map (and checksum) gigabytes. Real MADTs, XSDTs and DMARs are
 * a few KiB; the largest tables (DSDT) are never mapped by this parser. */
#define ACPI_TABLE_MAX_LEN (16u * 1024u * 1024u)

/* 5.2.7 / 5.2.8: the root tables are a header followed by an array of
 * 32-bit (RSDT) or 64-bit (XSDT) physical addresses. */
#define ACPI_SIG_RSDT       "RSDT"
#define ACPI_SIG_XSDT       "XSDT"
#define ACPI_RSDT_ENTRY_LEN 4
#define ACPI_XSDT_ENTRY_LEN 8

/* Tables this parser understands (5.2.12; PCI FW 4.1.2; VT-d 8.1). */
#define ACPI_SIG_MADT "APIC"
#define ACPI_SIG_MCFG "MCFG"
#define ACPI_SIG_DMAR "DMAR"

/* 5.2.12 Multiple APIC Description Table. */
#define ACPI_MADT_OFF_LAPIC_ADDR   36 /* u32 */
#define ACPI_MADT_OFF_FLAGS        40 /* u32 */
#define ACPI_MADT_ENTRIES_OFF      44
#define ACPI_MADT_FLAG_PCAT_COMPAT (1u << 0) /* Table 5.20 */

/* 5.2.12, Table 5.21: every interrupt controller structure starts with
 * type (u8) and length (u8). */
#define ACPI_MADT_ENTRY_OFF_TYPE   0
#define ACPI_MADT_ENTRY_OFF_LENGTH 1
#define ACPI_MADT_ENTRY_HDR_LEN    2

enum acpi_madt_type {
    ACPI_MADT_TYPE_LAPIC = 0x0,          /* 5.2.12.2 */
    ACPI_MADT_TYPE_IOAPIC = 0x1,         /* 5.2.12.3 */
    ACPI_MADT_TYPE_ISO = 0x2,            /* 5.2.12.5 interrupt source override */
    ACPI_MADT_TYPE_LAPIC_NMI = 0x4,      /* 5.2.12.7 */
    ACPI_MADT_TYPE_LAPIC_OVERRIDE = 0x5, /* 5.2.12.8 local APIC address override */
    ACPI_MADT_TYPE_X2APIC = 0x9,         /* 5.2.12.12 */
    ACPI_MADT_TYPE_X2APIC_NMI = 0xA,     /* 5.2.12.13 */
};

/* Minimum lengths of the structures above; longer entries are accepted
 * (later revisions may append fields), shorter ones are skipped. */
#define ACPI_MADT_LAPIC_LEN          8
#define ACPI_MADT_IOAPIC_LEN         12
#define ACPI_MADT_ISO_LEN            10
#define ACPI_MADT_LAPIC_NMI_LEN      6
#define ACPI_MADT_LAPIC_OVERRIDE_LEN 12
#define ACPI_MADT_X2APIC_LEN         16
#define ACPI_MADT_X2APIC_NMI_LEN     12

/* 5.2.12.2 Processor Local APIC. */
#define ACPI_MADT_LAPIC_OFF_UID   2 /* u8 */
#define ACPI_MADT_LAPIC_OFF_ID    3 /* u8 */
#define ACPI_MADT_LAPIC_OFF_FLAGS 4 /* u32 */

/* 5.2.12.2, Table 5.23: Local APIC flags (also used by x2APIC entries). */
#define ACPI_LAPIC_FLAG_ENABLED        (1u << 0)
#define ACPI_LAPIC_FLAG_ONLINE_CAPABLE (1u << 1)

/* 5.2.12.3 I/O APIC. */
#define ACPI_MADT_IOAPIC_OFF_ID       2 /* u8 */
#define ACPI_MADT_IOAPIC_OFF_ADDR     4 /* u32 */
#define ACPI_MADT_IOAPIC_OFF_GSI_BASE 8 /* u32 */

/* 5.2.12.5 Interrupt Source Override. */
#define ACPI_MADT_ISO_OFF_BUS    2 /* u8, always 0 = ISA */
#define ACPI_MADT_ISO_OFF_SOURCE 3 /* u8, bus-relative IRQ */
#define ACPI_MADT_ISO_OFF_GSI    4 /* u32 */
#define ACPI_MADT_ISO_OFF_FLAGS  8 /* u16, MPS INTI flags */
#define ACPI_MADT_ISO_BUS_ISA    0

/* 5.2.12.5, Table 5.26: MPS INTI flags (ISO and NMI entries). */
#define ACPI_MPS_INTI_POLARITY_MASK     0x3u
#define ACPI_MPS_INTI_POLARITY_CONFORMS 0x0u
#define ACPI_MPS_INTI_POLARITY_HIGH     0x1u
#define ACPI_MPS_INTI_POLARITY_LOW      0x3u
#define ACPI_MPS_INTI_TRIGGER_SHIFT     2
#define ACPI_MPS_INTI_TRIGGER_MASK      (0x3u << 2)
#define ACPI_MPS_INTI_TRIGGER_CONFORMS  (0x0u << 2)
#define ACPI_MPS_INTI_TRIGGER_EDGE      (0x1u << 2)
#define ACPI_MPS_INTI_TRIGGER_LEVEL     (0x3u << 2)

/* 5.2.12.7 Local APIC NMI. */
#define ACPI_MADT_LAPIC_NMI_OFF_UID   2 /* u8, 0xff = all processors */
#define ACPI_MADT_LAPIC_NMI_OFF_FLAGS 3 /* u16 */
#define ACPI_MADT_LAPIC_NMI_OFF_LINT  5 /* u8 */
#define ACPI_LAPIC_NMI_UID_ALL        0xffu

/* Local APIC LINT# inputs: only LINT0 and LINT1 exist. */
#define ACPI_LINT_MAX 1

/* 5.2.12.8 Local APIC Address Override. */
#define ACPI_MADT_LAPIC_OVERRIDE_OFF_ADDR 4 /* u64 */

/* 5.2.12.12 Processor Local x2APIC. */
#define ACPI_MADT_X2APIC_OFF_ID    4  /* u32 */
#define ACPI_MADT_X2APIC_OFF_FLAGS 8  /* u32, Table 5.23 */
#define ACPI_MADT_X2APIC_OFF_UID   12 /* u32 */

/* 5.2.12.12: processors with an APIC id below 255 are described by Local
 * APIC entries; firmware may list them again as x2APIC entries. */
#define ACPI_XAPIC_ID_LIMIT 0xffu

/* 5.2.12.13 Local x2APIC NMI. */
#define ACPI_MADT_X2APIC_NMI_OFF_FLAGS 2 /* u16 */
#define ACPI_MADT_X2APIC_NMI_OFF_UID   4 /* u32, 0xffffffff = all */
#define ACPI_MADT_X2APIC_NMI_OFF_LINT  8 /* u8 */
#define ACPI_X2APIC_NMI_UID_ALL        0xffffffffu

/* PCI Firmware Specification 3.2, 4.1.2, Tables 4-2 and 4-3: MCFG is the
 * header, 8 reserved bytes, then 16-byte allocation structures. */
#define ACPI_MCFG_ENTRIES_OFF         44
#define ACPI_MCFG_ENTRY_LEN           16
#define ACPI_MCFG_ENTRY_OFF_BASE      0  /* u64 */
#define ACPI_MCFG_ENTRY_OFF_SEGMENT   8  /* u16 */
#define ACPI_MCFG_ENTRY_OFF_BUS_START 10 /* u8 */
#define ACPI_MCFG_ENTRY_OFF_BUS_END   11 /* u8 */

/* VT-d Specification 8.1: the DMAR header is the ACPI header, host address
 * width (u8), flags (u8) and 10 reserved bytes; remapping structures
 * follow. Only the fixed part is checked here; iommu/ parses the rest. */
#define ACPI_DMAR_OFF_HAW     36
#define ACPI_DMAR_OFF_FLAGS   37
#define ACPI_DMAR_STRUCTS_OFF 48
#define ACPI_DMAR_MIN_LEN     48

#endif
