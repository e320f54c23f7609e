/* Multiboot2 boot-information layout (Multiboot2 Specification 1.0,
 * section 3.6): tag types, fixed-part sizes and byte offsets.
 *
 * All fields are little-endian. Offsets are from the start of the tag
 * (which begins with type u32 and size u32). */
#ifndef ATOLL_ARCH_MULTIBOOT2_TAGS_H
#define ATOLL_ARCH_MULTIBOOT2_TAGS_H

/* 3.6.1: the structure starts with total_size (u32) and reserved (u32);
 * it and every tag are 8-byte aligned. */
#define MB2_INFO_OFF_TOTAL_SIZE 0
#define MB2_INFO_OFF_RESERVED   4
#define MB2_INFO_HDR_LEN        8
#define MB2_INFO_ALIGN          8
#define MB2_TAG_ALIGN           8

/* 3.6.2: basic tag structure. */
#define MB2_TAG_OFF_TYPE 0
#define MB2_TAG_OFF_SIZE 4
#define MB2_TAG_HDR_LEN  8

/* 3.6 tag types. */
enum mb2_tag_type {
    MB2_TAG_END = 0,
    MB2_TAG_CMDLINE = 1,         /* 3.6.3 */
    MB2_TAG_BOOTLOADER_NAME = 2, /* 3.6.4 */
    MB2_TAG_MODULE = 3,          /* 3.6.5 */
    MB2_TAG_BASIC_MEMINFO = 4,   /* 3.6.6 */
    MB2_TAG_BOOTDEV = 5,         /* 3.6.7 */
    MB2_TAG_MMAP = 6,            /* 3.6.8 */
    MB2_TAG_VBE = 7,             /* 3.6.9 */
    MB2_TAG_FRAMEBUFFER = 8,     /* 3.6.10 */
    MB2_TAG_ELF_SECTIONS = 9,    /* 3.6.11 */
    MB2_TAG_APM = 10,            /* 3.6.12 */
    MB2_TAG_EFI32 = 11,          /* 3.6.13 */
    MB2_TAG_EFI64 = 12,          /* 3.6.14 */
    MB2_TAG_SMBIOS = 13,         /* 3.6.15 */
    MB2_TAG_ACPI_OLD = 14,       /* 3.6.16 RSDPv1 copy */
    MB2_TAG_ACPI_NEW = 15,       /* 3.6.17 RSDPv2 copy */
    MB2_TAG_NETWORK = 16,        /* 3.6.18 */
    MB2_TAG_EFI_MMAP = 17,       /* 3.6.19 */
    MB2_TAG_EFI_BS = 18,         /* 3.6.20 boot services not terminated */
    MB2_TAG_EFI32_IH = 19,       /* 3.6.21 */
    MB2_TAG_EFI64_IH = 20,       /* 3.6.22 */
    MB2_TAG_LOAD_BASE_ADDR = 21, /* 3.6.23 */
};

/* The end tag is exactly a header (3.6.2). */
#define MB2_TAG_END_SIZE 8

/* 3.6.3 / 3.6.4: the payload is a zero-terminated UTF-8 string. */
#define MB2_STRING_TAG_OFF_STRING 8

/* 3.6.5 Modules. */
#define MB2_MODULE_OFF_START  8  /* u32 */
#define MB2_MODULE_OFF_END    12 /* u32 */
#define MB2_MODULE_OFF_STRING 16
#define MB2_MODULE_MIN_SIZE   16

/* 3.6.8 Memory map. */
#define MB2_MMAP_OFF_ENTRY_SIZE    8  /* u32 */
#define MB2_MMAP_OFF_ENTRY_VERSION 12 /* u32, 0 */
#define MB2_MMAP_OFF_ENTRIES       16
#define MB2_MMAP_MIN_SIZE          16
#define MB2_MMAP_ENTRY_OFF_BASE    0  /* u64 */
#define MB2_MMAP_ENTRY_OFF_LENGTH  8  /* u64 */
#define MB2_MMAP_ENTRY_OFF_TYPE    16 /* u32, then u32 reserved */
#define MB2_MMAP_ENTRY_MIN_SIZE    24
#define MB2_MMAP_ENTRY_ALIGN       8 /* "guaranteed to be a multiple of 8" */

/* 3.6.14 EFI 64-bit system table pointer. */
#define MB2_EFI64_OFF_POINTER 8 /* u64 */
#define MB2_EFI64_SIZE        16

/* 3.6.16 / 3.6.17: a copy of the RSDP follows the tag header. */
#define MB2_ACPI_OFF_RSDP 8
#define MB2_RSDP_V1_LEN   20 /* ACPI 6.5, 5.2.5.3 */

/* 3.6.19 EFI memory map: descriptor size and version, then the
 * descriptors exactly as UEFI's GetMemoryMap() returned them. */
#define MB2_EFI_MMAP_OFF_DESC_SIZE    8  /* u32 */
#define MB2_EFI_MMAP_OFF_DESC_VERSION 12 /* u32 */
#define MB2_EFI_MMAP_OFF_DESCS        16
#define MB2_EFI_MMAP_MIN_SIZE         16

/* UEFI 2.10, 7.2.3 EFI_MEMORY_DESCRIPTOR: Type u32, padding u32,
 * PhysicalStart u64, VirtualStart u64, NumberOfPages u64, Attribute u64.
 * Firmware may report a larger DescriptorSize; never a smaller one. */
#define EFI_MEMDESC_OFF_TYPE       0
#define EFI_MEMDESC_OFF_PHYS_START 8
#define EFI_MEMDESC_OFF_VIRT_START 16
#define EFI_MEMDESC_OFF_NUM_PAGES  24
#define EFI_MEMDESC_OFF_ATTRIBUTE  32
#define EFI_MEMDESC_MIN_SIZE       40
#define EFI_PAGE_SIZE              4096u
#define EFI_CONVENTIONAL_MEMORY    7 /* UEFI 2.10, Table 7.10 */

#endif
