/* Multiboot2 boot-information parser (Multiboot2 Specification 1.0, 3.6).
 *
 * The structure comes from the boot loader and is treated as untrusted:
 * every tag's size is checked against what is left of total_size and
 * against the fixed part of its type before any field is read; all fields
 * are read byte-wise (no struct overlays, so UBSan stays quiet even for a
 * misaligned copy). Strings are copied with truncation and always
 * NUL-terminated. Portable C11 without libc: kernel, host tests, fuzzer. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/multiboot2.h"
#include "arch/x86_64/multiboot2_tags.h"
#include "kernel/bytes.h"
#include "kernel/log.h"

struct mb2_walk {
    struct mb2_boot *boot;
    bool cmdline_seen;
    bool loader_seen;
    bool mmap_seen;
    bool efi64_seen;
    bool modules_full_reported;
};

#define MB2_WARN(walk, ...)                                                                        \
    do {                                                                                           \
        (walk)->boot->warnings++;                                                                  \
        KLOG_WARN("mb2: " __VA_ARGS__);                                                            \
    } while (0)

static void copy_bytes(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    for (size_t i = 0; i < n; i++)
        d[i] = s[i];
}

static uint64_t add_saturating(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Copies the string of at most `src_len` bytes at `src` into `dst` of
 * `dst_size` bytes (> 0). Stops at the first NUL or at the end of the tag,
 * whichever comes first; `dst` is always NUL-terminated. */
static void copy_string(struct mb2_walk *w, const char *what, char *dst, size_t dst_size,
                        const uint8_t *src, size_t src_len)
{
    size_t n = 0;
    while (n < src_len && src[n] != 0)
        n++;
    if (n == src_len)
        MB2_WARN(w, "%s is not NUL-terminated inside its tag", what);
    if (n >= dst_size) {
        MB2_WARN(w, "%s truncated from %u to %u bytes", what, (unsigned)n,
                 (unsigned)(dst_size - 1));
        n = dst_size - 1;
    }
    copy_bytes(dst, src, n);
    dst[n] = '\0';
}

static void parse_module(struct mb2_walk *w, const uint8_t *tag, uint32_t size)
{
    struct mb2_boot *boot = w->boot;

    if (size < MB2_MODULE_MIN_SIZE) {
        MB2_WARN(w, "module tag of size %u is too short, skipped", size);
        return;
    }
    uint32_t start = ld32(tag + MB2_MODULE_OFF_START);
    uint32_t end = ld32(tag + MB2_MODULE_OFF_END);
    if (end < start) {
        MB2_WARN(w, "module 0x%x..0x%x ends before it starts, skipped", start, end);
        return;
    }
    if (boot->module_count >= MB2_MAX_MODULES) {
        if (!w->modules_full_reported) {
            w->modules_full_reported = true;
            MB2_WARN(w, "more than %u modules, the rest ignored", (unsigned)MB2_MAX_MODULES);
        }
        return;
    }
    struct mb2_module *m = &boot->modules[boot->module_count++];
    m->start = start;
    m->end = end;
    copy_string(w, "module string", m->name, sizeof(m->name), tag + MB2_MODULE_OFF_STRING,
                size - MB2_MODULE_OFF_STRING);
}

static void parse_mmap(struct mb2_walk *w, const uint8_t *tag, uint32_t size)
{
    struct mb2_boot *boot = w->boot;

    if (size < MB2_MMAP_MIN_SIZE) {
        MB2_WARN(w, "memory map tag of size %u is too short, skipped", size);
        return;
    }
    if (w->mmap_seen) {
        MB2_WARN(w, "second memory map tag ignored");
        return;
    }
    uint32_t entry_size = ld32(tag + MB2_MMAP_OFF_ENTRY_SIZE);
    /* 3.6.8: entry_size is a multiple of 8 and covers base, length, type
     * and reserved; larger entries are future extensions. */
    if (entry_size < MB2_MMAP_ENTRY_MIN_SIZE || entry_size % MB2_MMAP_ENTRY_ALIGN != 0) {
        MB2_WARN(w, "memory map entry_size %u is invalid, map skipped", entry_size);
        return;
    }
    w->mmap_seen = true;

    uint32_t body = size - MB2_MMAP_OFF_ENTRIES;
    if (body % entry_size != 0)
        MB2_WARN(w, "memory map has %u trailing bytes, ignored", body % entry_size);
    uint32_t count = body / entry_size;
    for (uint32_t i = 0; i < count; i++) {
        if (boot->mmap_count >= MB2_MAX_MMAP) {
            MB2_WARN(w, "memory map has %u entries, only the first %u are used", count,
                     (unsigned)MB2_MAX_MMAP);
            break;
        }
        const uint8_t *e = tag + MB2_MMAP_OFF_ENTRIES + (size_t)i * entry_size;
        struct mb2_mmap_entry *m = &boot->mmap[boot->mmap_count++];
        m->base = ld64(e + MB2_MMAP_ENTRY_OFF_BASE);
        m->length = ld64(e + MB2_MMAP_ENTRY_OFF_LENGTH);
        m->type = ld32(e + MB2_MMAP_ENTRY_OFF_TYPE);
    }
}

/* Tags 14 and 15 (3.6.16, 3.6.17). The ACPI 2.0+ copy wins over the 1.0
 * copy whatever their order, because only it carries the XSDT address. */
static void parse_acpi_rsdp(struct mb2_walk *w, const uint8_t *tag, uint32_t size, bool is_new)
{
    struct mb2_boot *boot = w->boot;
    uint32_t payload = size - MB2_ACPI_OFF_RSDP;

    if (payload < MB2_RSDP_V1_LEN) {
        MB2_WARN(w, "ACPI %s RSDP tag holds only %u bytes, skipped", is_new ? "new" : "old",
                 payload);
        return;
    }
    if (boot->rsdp_len != 0 && boot->rsdp_is_new == is_new) {
        MB2_WARN(w, "second ACPI %s RSDP tag ignored", is_new ? "new" : "old");
        return;
    }
    if (boot->rsdp_is_new && !is_new)
        return; /* an old copy after the new one: keep the new one */

    uint32_t n = is_new ? payload : MB2_RSDP_V1_LEN;
    if (n > MB2_RSDP_MAX)
        n = MB2_RSDP_MAX;
    zero_bytes(boot->rsdp, sizeof(boot->rsdp));
    copy_bytes(boot->rsdp, tag + MB2_ACPI_OFF_RSDP, n);
    boot->rsdp_len = n;
    boot->rsdp_is_new = is_new;
}

static void parse_efi_mmap(struct mb2_walk *w, const uint8_t *tag, uint32_t size)
{
    struct mb2_boot *boot = w->boot;

    if (size < MB2_EFI_MMAP_MIN_SIZE) {
        MB2_WARN(w, "EFI memory map tag of size %u is too short, skipped", size);
        return;
    }
    if (boot->efi_mmap_present) {
        MB2_WARN(w, "second EFI memory map tag ignored");
        return;
    }
    uint32_t desc_size = ld32(tag + MB2_EFI_MMAP_OFF_DESC_SIZE);
    if (desc_size < EFI_MEMDESC_MIN_SIZE) {
        MB2_WARN(w, "EFI descriptor size %u is below %u, map skipped", desc_size,
                 (unsigned)EFI_MEMDESC_MIN_SIZE);
        return;
    }
    boot->efi_mmap_present = true;
    boot->efi_desc_size = desc_size;
    boot->efi_desc_version = ld32(tag + MB2_EFI_MMAP_OFF_DESC_VERSION);

    uint32_t count = (size - MB2_EFI_MMAP_OFF_DESCS) / desc_size;
    boot->efi_mmap_entries = count;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *d = tag + MB2_EFI_MMAP_OFF_DESCS + (size_t)i * desc_size;
        if (ld32(d + EFI_MEMDESC_OFF_TYPE) != EFI_CONVENTIONAL_MEMORY)
            continue;
        uint64_t pages = ld64(d + EFI_MEMDESC_OFF_NUM_PAGES);
        if (pages > UINT64_MAX / EFI_PAGE_SIZE) {
            MB2_WARN(w, "EFI descriptor %u has an absurd page count, total saturated", i);
            boot->efi_conventional_bytes = UINT64_MAX;
            continue;
        }
        boot->efi_conventional_bytes =
            add_saturating(boot->efi_conventional_bytes, pages * EFI_PAGE_SIZE);
    }
}

/* One tag whose size is >= MB2_TAG_HDR_LEN and fits in the structure. */
static void parse_tag(struct mb2_walk *w, uint32_t type, const uint8_t *tag, uint32_t size)
{
    struct mb2_boot *boot = w->boot;

    switch (type) {
    case MB2_TAG_CMDLINE:
        if (w->cmdline_seen) {
            MB2_WARN(w, "second command line tag ignored");
            break;
        }
        w->cmdline_seen = true;
        copy_string(w, "command line", boot->cmdline, sizeof(boot->cmdline),
                    tag + MB2_STRING_TAG_OFF_STRING, size - MB2_STRING_TAG_OFF_STRING);
        break;
    case MB2_TAG_BOOTLOADER_NAME:
        if (w->loader_seen) {
            MB2_WARN(w, "second boot loader name tag ignored");
            break;
        }
        w->loader_seen = true;
        copy_string(w, "boot loader name", boot->loader, sizeof(boot->loader),
                    tag + MB2_STRING_TAG_OFF_STRING, size - MB2_STRING_TAG_OFF_STRING);
        break;
    case MB2_TAG_MODULE:
        parse_module(w, tag, size);
        break;
    case MB2_TAG_MMAP:
        parse_mmap(w, tag, size);
        break;
    case MB2_TAG_EFI64:
        if (size < MB2_EFI64_SIZE) {
            MB2_WARN(w, "EFI64 system table tag of size %u is too short, skipped", size);
            break;
        }
        if (w->efi64_seen) {
            MB2_WARN(w, "second EFI64 system table tag ignored");
            break;
        }
        w->efi64_seen = true;
        boot->efi_system_table = ld64(tag + MB2_EFI64_OFF_POINTER);
        break;
    case MB2_TAG_ACPI_OLD:
        parse_acpi_rsdp(w, tag, size, false);
        break;
    case MB2_TAG_ACPI_NEW:
        parse_acpi_rsdp(w, tag, size, true);
        break;
    case MB2_TAG_EFI_MMAP:
        parse_efi_mmap(w, tag, size);
        break;
    default:
        /* Framebuffer, ELF sections, SMBIOS, ...: not used by the kernel. */
        break;
    }
}

int mb2_parse(const void *info, size_t avail, struct mb2_boot *out)
{
    if (out == NULL)
        return -1;
    zero_bytes(out, sizeof(*out));
    struct mb2_walk w = {.boot = out};

    /* 3.6.1: the structure is 8-byte aligned and starts with its size. */
    if (info == NULL || (uintptr_t)info % MB2_INFO_ALIGN != 0) {
        MB2_WARN(&w, "information structure is missing or not 8-byte aligned");
        return -1;
    }
    if (avail < MB2_INFO_HDR_LEN) {
        MB2_WARN(&w, "only %u bytes of information available", (unsigned)avail);
        return -1;
    }
    const uint8_t *p = info;
    uint32_t total = ld32(p + MB2_INFO_OFF_TOTAL_SIZE);
    if (total < MB2_INFO_HDR_LEN || total > avail) {
        MB2_WARN(&w, "total_size %u is outside %u..%u", total, (unsigned)MB2_INFO_HDR_LEN,
                 avail > UINT32_MAX ? UINT32_MAX : (unsigned)avail);
        return -1;
    }

    /* Each iteration advances by at least MB2_TAG_HDR_LEN, and only while a
     * whole tag header fits: the walk ends. */
    size_t off = MB2_INFO_HDR_LEN;
    bool ended = false;
    bool stopped = false;
    while (total - off >= MB2_TAG_HDR_LEN) {
        uint32_t type = ld32(p + off + MB2_TAG_OFF_TYPE);
        uint32_t size = ld32(p + off + MB2_TAG_OFF_SIZE);
        if (type == MB2_TAG_END) {
            ended = true;
            break;
        }
        if (size < MB2_TAG_HDR_LEN) {
            MB2_WARN(&w, "tag type %u at offset %u has size %u, stop", type, (unsigned)off, size);
            stopped = true;
            break;
        }
        if (size > total - off) {
            MB2_WARN(&w, "tag type %u at offset %u (size %u) runs past total_size %u, stop", type,
                     (unsigned)off, size, total);
            stopped = true;
            break;
        }
        parse_tag(&w, type, p + off, size);
        /* 3.6.2: tags are padded to 8 bytes; the padding may be cut off by
         * total_size only for the last tag, which the loop test catches. */
        size_t step = ((size_t)size + MB2_TAG_ALIGN - 1) & ~(size_t)(MB2_TAG_ALIGN - 1);
        if (step > total - off)
            break;
        off += step;
    }
    if (!ended && !stopped)
        MB2_WARN(&w, "no end tag before total_size %u", total);
    return 0;
}

uint32_t mb2_total_size(const void *info)
{
    if (info == NULL)
        return 0;
    return ld32((const uint8_t *)info + MB2_INFO_OFF_TOTAL_SIZE);
}

uint64_t mb2_usable_bytes(const struct mb2_boot *boot)
{
    uint64_t total = 0;
    if (boot == NULL)
        return 0;
    for (uint32_t i = 0; i < boot->mmap_count && i < MB2_MAX_MMAP; i++) {
        if (boot->mmap[i].type == MB2_MEM_AVAILABLE)
            total = add_saturating(total, boot->mmap[i].length);
    }
    return total;
}
