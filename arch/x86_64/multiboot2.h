/* Multiboot2 boot-information parser (Multiboot2 spec 1.0, section 3.6).
 *
 * The information structure comes from the boot loader and is treated as
 * untrusted: every tag's size is checked against the structure's total size
 * and against the minimum size of its type; malformed tags are skipped with
 * a warning. The parser is portable C and also builds on the host. */
#ifndef ATOLL_ARCH_MULTIBOOT2_H
#define ATOLL_ARCH_MULTIBOOT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289u

#define MB2_MAX_MMAP    128
#define MB2_MAX_MODULES 16
#define MB2_CMDLINE_MAX 256
#define MB2_MODNAME_MAX 64
#define MB2_RSDP_MAX    36 /* ACPI 2.0+ RSDP is 36 bytes, 1.0 is 20 */

/* Memory-map entry types (Multiboot2 spec 3.6.8). */
enum mb2_mem_type {
    MB2_MEM_AVAILABLE = 1,
    MB2_MEM_RESERVED = 2,
    MB2_MEM_ACPI_RECLAIMABLE = 3,
    MB2_MEM_NVS = 4,
    MB2_MEM_BADRAM = 5,
};

struct mb2_mmap_entry {
    uint64_t base;
    uint64_t length;
    uint32_t type; /* enum mb2_mem_type; unknown values are kept as is */
};

struct mb2_module {
    uint32_t start;             /* physical, inclusive */
    uint32_t end;               /* physical, exclusive */
    char name[MB2_MODNAME_MAX]; /* module command line, NUL-terminated, truncated */
};

struct mb2_boot {
    char cmdline[MB2_CMDLINE_MAX]; /* NUL-terminated, truncated; "" if absent */
    char loader[MB2_MODNAME_MAX];  /* boot loader name */

    uint32_t mmap_count;
    struct mb2_mmap_entry mmap[MB2_MAX_MMAP];

    uint32_t module_count;
    struct mb2_module modules[MB2_MAX_MODULES];

    /* ACPI RSDP copied out of the tag (tag 14 old, tag 15 new). If both
     * tags appear, the new one wins. rsdp_len is 0 when absent. */
    uint8_t rsdp[MB2_RSDP_MAX];
    uint32_t rsdp_len;
    bool rsdp_is_new;

    /* UEFI (tags 12 and 17); zero when booted by BIOS. */
    uint64_t efi_system_table; /* physical address, 64-bit table */
    bool efi_mmap_present;
    uint32_t efi_desc_size;
    uint32_t efi_desc_version;
    uint32_t efi_mmap_entries;       /* number of descriptors in the tag */
    uint64_t efi_conventional_bytes; /* EfiConventionalMemory total, a cross-check */

    uint32_t warnings; /* number of malformed tags skipped */
};

/* Parses the information at `info`, of which `avail` bytes are readable.
 * Returns 0 on success, -1 if the structure as a whole is unusable (too
 * small, total_size larger than `avail`, misaligned); tags that are merely
 * malformed are skipped and counted in out->warnings. `out` is always fully
 * initialised. */
int mb2_parse(const void *info, size_t avail, struct mb2_boot *out);

/* Total size field of the information structure (first 4 bytes), so a
 * caller can map exactly that much before calling mb2_parse(). */
uint32_t mb2_total_size(const void *info);

/* Bytes of usable RAM (type AVAILABLE) in the parsed map. */
uint64_t mb2_usable_bytes(const struct mb2_boot *boot);

#endif
