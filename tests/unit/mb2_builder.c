/* See mb2_builder.h. Layouts follow arch/x86_64/multiboot2_tags.h. */
#include "tests/unit/mb2_builder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/multiboot2.h"
#include "arch/x86_64/multiboot2_tags.h"

static void need(struct mb2b *b, size_t n)
{
    if (b->len + n > sizeof(b->u.bytes)) {
        fprintf(stderr, "mb2_builder: structure larger than %d bytes\n", MB2B_MAX);
        abort();
    }
}

void mb2b_put32(struct mb2b *b, size_t off, uint32_t v)
{
    b->u.bytes[off] = (uint8_t)v;
    b->u.bytes[off + 1] = (uint8_t)(v >> 8);
    b->u.bytes[off + 2] = (uint8_t)(v >> 16);
    b->u.bytes[off + 3] = (uint8_t)(v >> 24);
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void mb2b_begin(struct mb2b *b)
{
    memset(b, 0, sizeof(*b));
    b->len = MB2_INFO_HDR_LEN;
}

size_t mb2b_raw_tag(struct mb2b *b, uint32_t type, uint32_t size, const void *payload,
                    size_t payload_len)
{
    size_t off = b->len;
    size_t padded = (MB2_TAG_HDR_LEN + payload_len + 7) & ~(size_t)7;
    need(b, padded);
    mb2b_put32(b, off + MB2_TAG_OFF_TYPE, type);
    mb2b_put32(b, off + MB2_TAG_OFF_SIZE, size);
    if (payload_len)
        memcpy(b->u.bytes + off + MB2_TAG_HDR_LEN, payload, payload_len);
    b->len += padded;
    return off;
}

size_t mb2b_tag(struct mb2b *b, uint32_t type, const void *payload, size_t payload_len)
{
    return mb2b_raw_tag(b, type, (uint32_t)(MB2_TAG_HDR_LEN + payload_len), payload, payload_len);
}

void mb2b_string(struct mb2b *b, uint32_t type, const char *s)
{
    mb2b_tag(b, type, s, strlen(s) + 1);
}

void mb2b_module(struct mb2b *b, uint32_t start, uint32_t end, const char *name)
{
    uint8_t payload[512];
    size_t n = strlen(name) + 1;
    if (n + 8 > sizeof(payload))
        abort();
    put32(payload, start);
    put32(payload + 4, end);
    memcpy(payload + 8, name, n);
    mb2b_tag(b, MB2_TAG_MODULE, payload, 8 + n);
}

void mb2b_mmap(struct mb2b *b, uint32_t entry_size, const uint64_t (*entries)[3], size_t n)
{
    static uint8_t payload[MB2B_MAX];
    size_t len = 8 + n * entry_size;
    if (len > sizeof(payload) || entry_size < 20)
        abort();
    memset(payload, 0, len);
    put32(payload, entry_size);
    put32(payload + 4, 0);
    for (size_t i = 0; i < n; i++) {
        uint8_t *e = payload + 8 + i * entry_size;
        put64(e + MB2_MMAP_ENTRY_OFF_BASE, entries[i][0]);
        put64(e + MB2_MMAP_ENTRY_OFF_LENGTH, entries[i][1]);
        put32(e + MB2_MMAP_ENTRY_OFF_TYPE, (uint32_t)entries[i][2]);
    }
    mb2b_tag(b, MB2_TAG_MMAP, payload, len);
}

void mb2b_efi64(struct mb2b *b, uint64_t system_table)
{
    uint8_t payload[8];
    put64(payload, system_table);
    mb2b_tag(b, MB2_TAG_EFI64, payload, sizeof(payload));
}

void mb2b_rsdp(struct mb2b *b, bool is_new, const uint8_t *rsdp, size_t len)
{
    mb2b_tag(b, is_new ? MB2_TAG_ACPI_NEW : MB2_TAG_ACPI_OLD, rsdp, len);
}

void mb2b_efi_mmap(struct mb2b *b, uint32_t desc_size, uint32_t version,
                   const struct mb2b_efi_desc *descs, size_t n)
{
    static uint8_t payload[MB2B_MAX];
    size_t len = 8 + n * desc_size;
    if (len > sizeof(payload) || desc_size < 32)
        abort();
    memset(payload, 0, len);
    put32(payload, desc_size);
    put32(payload + 4, version);
    for (size_t i = 0; i < n; i++) {
        uint8_t *d = payload + 8 + i * desc_size;
        put32(d + EFI_MEMDESC_OFF_TYPE, descs[i].type);
        put64(d + EFI_MEMDESC_OFF_PHYS_START, descs[i].phys);
        put64(d + EFI_MEMDESC_OFF_NUM_PAGES, descs[i].pages);
    }
    mb2b_tag(b, MB2_TAG_EFI_MMAP, payload, len);
}

void mb2b_set_total(struct mb2b *b, uint32_t total)
{
    mb2b_put32(b, MB2_INFO_OFF_TOTAL_SIZE, total);
}

size_t mb2b_end(struct mb2b *b)
{
    mb2b_tag(b, MB2_TAG_END, NULL, 0);
    mb2b_set_total(b, (uint32_t)b->len);
    return b->len;
}

void mb2b_std(struct mb2b *b, const uint8_t rsdp[36])
{
    static const uint64_t mmap[][3] = {
        {0x0, 639 * 1024, MB2_MEM_AVAILABLE},
        {0x9fc00, 1024, MB2_MEM_RESERVED},
        {0x100000, 511ull * 1024 * 1024, MB2_MEM_AVAILABLE},
        {0x20000000, 0x20000, MB2_MEM_ACPI_RECLAIMABLE},
    };
    static const struct mb2b_efi_desc efi[] = {
        {7, 0x0, 16},       /* EfiConventionalMemory */
        {2, 0x10000, 8},    /* EfiLoaderData */
        {7, 0x100000, 256}, /* EfiConventionalMemory */
    };
    uint8_t zero_rsdp[36] = {0};
    if (rsdp == NULL)
        rsdp = zero_rsdp;

    mb2b_begin(b);
    mb2b_string(b, MB2_TAG_CMDLINE, MB2B_STD_CMDLINE);
    mb2b_string(b, MB2_TAG_BOOTLOADER_NAME, MB2B_STD_LOADER);
    mb2b_module(b, 0x200000, 0x280000, "init");
    mb2b_module(b, 0x300000, 0x300000, "empty");
    mb2b_mmap(b, MB2_MMAP_ENTRY_MIN_SIZE, mmap, sizeof(mmap) / sizeof(mmap[0]));
    mb2b_rsdp(b, false, rsdp, 20);
    mb2b_rsdp(b, true, rsdp, 36);
    mb2b_efi64(b, 0x7f9e5018);
    mb2b_efi_mmap(b, 48, 1, efi, sizeof(efi) / sizeof(efi[0]));
    /* A tag the parser does not use (framebuffer, 3.6.10; body zero). */
    uint8_t fb[24] = {0};
    mb2b_tag(b, MB2_TAG_FRAMEBUFFER, fb, sizeof(fb));
    mb2b_end(b);
}
