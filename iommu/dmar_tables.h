/* DMAR remapping-structure layouts: types, byte offsets, lengths, flags.
 *
 * Intel VT-d Specification chapter 8 ("BIOS Considerations"). The fixed
 * DMAR header (ACPI header, host address width, flags) is described in
 * arch/x86_64/acpi_tables.h (ACPI_DMAR_*). Everything is little-endian and
 * misaligned: read byte-wise. Offsets are from the start of the structure
 * they belong to. */
#ifndef ATOLL_IOMMU_DMAR_TABLES_H
#define ATOLL_IOMMU_DMAR_TABLES_H

/* 8.1: DMAR flags (byte at ACPI_DMAR_OFF_FLAGS). */
#define DMAR_FLAG_INTR_REMAP               (1u << 0)
#define DMAR_FLAG_X2APIC_OPT_OUT           (1u << 1)
#define DMAR_FLAG_DMA_CTRL_PLATFORM_OPT_IN (1u << 2)

/* 8.2: every remapping structure starts with type (u16) and length (u16),
 * the length covering the whole structure including its device scopes. */
#define DMAR_STRUCT_OFF_TYPE   0
#define DMAR_STRUCT_OFF_LENGTH 2
#define DMAR_STRUCT_HDR_LEN    4

enum dmar_struct_type {
    DMAR_TYPE_DRHD = 0, /* 8.3 DMA remapping hardware unit */
    DMAR_TYPE_RMRR = 1, /* 8.4 reserved memory region */
    DMAR_TYPE_ATSR = 2, /* 8.5 root-port ATS capability */
    DMAR_TYPE_RHSA = 3, /* 8.6 remapping hardware static affinity */
    DMAR_TYPE_ANDD = 4, /* 8.7 ACPI namespace device declaration */
    DMAR_TYPE_SATC = 5, /* 8.8 SoC integrated address translation cache */
};

/* 8.3 DRHD. */
#define DMAR_DRHD_OFF_FLAGS            4 /* u8 */
#define DMAR_DRHD_OFF_SIZE             5 /* u8: bits 3:0 = N, register set is 2^N pages */
#define DMAR_DRHD_OFF_SEGMENT          6 /* u16 */
#define DMAR_DRHD_OFF_BASE             8 /* u64 register base address */
#define DMAR_DRHD_SCOPES_OFF           16
#define DMAR_DRHD_FLAG_INCLUDE_PCI_ALL (1u << 0)
#define DMAR_DRHD_SIZE_MASK            0xfu

/* 8.4 RMRR. */
#define DMAR_RMRR_OFF_SEGMENT 6  /* u16 */
#define DMAR_RMRR_OFF_BASE    8  /* u64, 4 KiB aligned */
#define DMAR_RMRR_OFF_LIMIT   16 /* u64, last byte: limit + 1 is 4 KiB aligned */
#define DMAR_RMRR_SCOPES_OFF  24

/* 8.5 ATSR. */
#define DMAR_ATSR_OFF_FLAGS      4 /* u8 */
#define DMAR_ATSR_OFF_SEGMENT    6 /* u16 */
#define DMAR_ATSR_SCOPES_OFF     8
#define DMAR_ATSR_FLAG_ALL_PORTS (1u << 0)

/* 8.6 RHSA and 8.7 ANDD: only their minimum lengths matter here. */
#define DMAR_RHSA_LEN     20
#define DMAR_ANDD_MIN_LEN 8
/* 8.8 SATC: flags, reserved, segment, then scopes, like the ATSR. */
#define DMAR_SATC_SCOPES_OFF 8

/* 8.3.1 Device scope: type, length (6 + 2 * path entries), flags,
 * reserved, enumeration id, start bus, then (device, function) pairs. */
#define DMAR_SCOPE_OFF_TYPE       0
#define DMAR_SCOPE_OFF_LENGTH     1
#define DMAR_SCOPE_OFF_FLAGS      2
#define DMAR_SCOPE_OFF_ENUM_ID    4
#define DMAR_SCOPE_OFF_START_BUS  5
#define DMAR_SCOPE_PATH_OFF       6
#define DMAR_SCOPE_PATH_ENTRY_LEN 2

enum dmar_scope_type {
    DMAR_SCOPE_PCI_ENDPOINT = 1,
    DMAR_SCOPE_PCI_SUBHIERARCHY = 2, /* a bridge and everything below it */
    DMAR_SCOPE_IOAPIC = 3,
    DMAR_SCOPE_HPET = 4,
    DMAR_SCOPE_ACPI_NAMESPACE = 5,
};

/* PCI limits a path cannot exceed. */
#define DMAR_PCI_DEV_MAX 31
#define DMAR_PCI_FN_MAX  7

#endif
