/* Builder for synthetic Multiboot2 information structures (unit tests and
 * fuzz seeds). The buffer is 8-byte aligned; tags are padded to 8 bytes as
 * Multiboot2 1.0, 3.6.2 requires. */
#ifndef ATOLL_TESTS_MB2_BUILDER_H
#define ATOLL_TESTS_MB2_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MB2B_MAX 16384

struct mb2b {
    union {
        uint64_t align; /* the info structure must be 8-byte aligned */
        uint8_t bytes[MB2B_MAX];
    } u;
    size_t len;
};

struct mb2b_efi_desc {
    uint32_t type;
    uint64_t phys;
    uint64_t pages;
};

/* Starts a structure: 8-byte header, total_size filled by mb2b_end(). */
void mb2b_begin(struct mb2b *b);
/* A tag of `type` whose size is 8 + payload_len; returns its offset. */
size_t mb2b_tag(struct mb2b *b, uint32_t type, const void *payload, size_t payload_len);
/* A tag with an explicit (possibly lying) size field and `payload_len`
 * bytes actually written. */
size_t mb2b_raw_tag(struct mb2b *b, uint32_t type, uint32_t size, const void *payload,
                    size_t payload_len);
/* String tag (1, 2): the string and its NUL. */
void mb2b_string(struct mb2b *b, uint32_t type, const char *s);
void mb2b_module(struct mb2b *b, uint32_t start, uint32_t end, const char *name);
/* Memory map with entries of `entry_size` bytes (>= 24 to hold fields). */
void mb2b_mmap(struct mb2b *b, uint32_t entry_size, const uint64_t (*entries)[3], size_t n);
void mb2b_efi64(struct mb2b *b, uint64_t system_table);
void mb2b_rsdp(struct mb2b *b, bool is_new, const uint8_t *rsdp, size_t len);
void mb2b_efi_mmap(struct mb2b *b, uint32_t desc_size, uint32_t version,
                   const struct mb2b_efi_desc *descs, size_t n);
/* Adds the end tag and sets total_size; returns total_size. */
size_t mb2b_end(struct mb2b *b);
/* Sets total_size without adding an end tag. */
void mb2b_set_total(struct mb2b *b, uint32_t total);
void mb2b_put32(struct mb2b *b, size_t off, uint32_t v);

/* A typical BIOS boot through GRUB: cmdline, loader name, two modules,
 * a 4-entry memory map (usable: 639 KiB + 511 MiB), an ACPI old and new
 * RSDP (bytes from `rsdp`, may be NULL), an EFI64 pointer and an EFI map
 * of three descriptors (two conventional: 16 + 256 pages). */
#define MB2B_STD_CMDLINE        "atoll.log=debug console=ttyS0"
#define MB2B_STD_LOADER         "GRUB 2.06-13+deb12u1"
#define MB2B_STD_USABLE         ((uint64_t)639 * 1024 + (uint64_t)511 * 1024 * 1024)
#define MB2B_STD_EFI_CONV_BYTES ((uint64_t)(16 + 256) * 4096)
void mb2b_std(struct mb2b *b, const uint8_t rsdp[36]);

#endif
