/* Unit tests for kernel/elf.c on synthetic images from elf_builder.
 *
 *   test_elf                     run the tests
 *   test_elf --write-corpus DIR  write the fuzz seeds (tests/fuzz/corpus_elf)
 *
 * Every parse runs on an exactly-sized heap copy at an odd address, so ASan
 * catches any read past the length given and the parser cannot rely on
 * alignment. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/elf.h"
#include "tests/unit/check.h"
#include "tests/unit/elf_builder.h"

/* The kernel's range for the root task (kernel/root_task.c). */
#define K_MIN UINT64_C(0x1000)
#define K_MAX (UINT64_C(0x00007ffffff00000) - 16 * 4096)

#define PF_RX  (ELF_PF_R | ELF_PF_X)
#define PF_R   ELF_PF_R
#define PF_RW  (ELF_PF_R | ELF_PF_W)
#define PF_RWX (ELF_PF_R | ELF_PF_W | ELF_PF_X)

static struct elf_builder b;
static struct elf_image img;

static enum elf_error parse_bytes(const uint8_t *data, size_t len, uint64_t min, uint64_t max)
{
    uint8_t *mem = malloc(len + 1);
    if (mem == NULL)
        abort();
    if (len)
        memcpy(mem + 1, data, len);
    memset(&img, 0xa5, sizeof(img));
    enum elf_error e = elf_parse(mem + 1, len, min, max, &img);
    free(mem);
    return e;
}

/* Builds `b` and parses the first `len` bytes of it (SIZE_MAX: all). */
static enum elf_error parse_prefix(size_t len, uint64_t min, uint64_t max)
{
    size_t full;
    uint8_t *d = eb_build(&b, &full);
    if (len > full)
        len = full;
    enum elf_error e = parse_bytes(d, len, min, max);
    free(d);
    return e;
}

static enum elf_error parse_range(uint64_t min, uint64_t max)
{
    return parse_prefix(SIZE_MAX, min, max);
}

static enum elf_error parse(void)
{
    return parse_range(K_MIN, K_MAX);
}

/* Builds `b`, lets `patch` change the bytes, parses in the kernel range. */
static enum elf_error parse_patched(void (*patch)(uint8_t *d, size_t len, uint64_t arg),
                                    uint64_t arg)
{
    size_t len;
    uint8_t *d = eb_build(&b, &len);
    patch(d, len, arg);
    enum elf_error e = parse_bytes(d, len, K_MIN, K_MAX);
    free(d);
    return e;
}

#define CHECK_ERR(expected, got)                                                                   \
    check_str(__FILE__, __LINE__, "elf_parse", elf_error_name(expected), elf_error_name(got))

static void check_segment(unsigned i, unsigned ph, uint32_t flags)
{
    char what[64];
    const struct elf_segment *s = &img.segments[i];
    snprintf(what, sizeof(what), "segment %u vaddr", i);
    CHECK_U(what, b.ph[ph].vaddr, s->vaddr);
    snprintf(what, sizeof(what), "segment %u memsz", i);
    CHECK_U(what, b.ph[ph].memsz, s->memsz);
    snprintf(what, sizeof(what), "segment %u offset", i);
    CHECK_U(what, b.ph[ph].offset, s->offset);
    snprintf(what, sizeof(what), "segment %u filesz", i);
    CHECK_U(what, b.ph[ph].filesz, s->filesz);
    snprintf(what, sizeof(what), "segment %u flags", i);
    CHECK_U(what, flags, s->flags);
}

/* ---------------------------------------------------------------- valid */

static void valid_single_segment(void)
{
    eb_init(&b);
    eb_add_load(&b, 0x400000, 0x234, 0x234, PF_RX);
    CHECK_ERR(ELF_OK, parse());
    CHECK_U("segment_count", 1, img.segment_count);
    CHECK_U("entry", 0x400000, img.entry);
    CHECK_U("offset congruent (builder)", 0x1000, b.ph[0].offset);
    check_segment(0, 0, PF_RX);
}

static void valid_multi_segment(void)
{
    eb_std(&b);
    size_t len;
    uint8_t *d = eb_build(&b, &len);
    CHECK_ERR(ELF_OK, parse_bytes(d, len, K_MIN, K_MAX));
    CHECK_TRUE("std image < 4 KiB", len < 4096);
    CHECK_U("segment_count (PT_GNU_STACK skipped)", 3, img.segment_count);
    CHECK_U("entry", EB_STD_ENTRY, img.entry);
    check_segment(0, 0, PF_RX);
    check_segment(1, 1, PF_R);
    check_segment(2, 2, PF_RW);
    CHECK_U("bss: memsz", 0x1000, img.segments[2].memsz);
    CHECK_U("bss: filesz", 0x80, img.segments[2].filesz);
    /* The file ranges point at each segment's bytes. */
    for (unsigned i = 0; i < 3; i++) {
        const struct elf_segment *s = &img.segments[i];
        bool same = true;
        for (uint64_t j = 0; j < s->filesz; j++)
            same &= d[s->offset + j] == eb_pattern_byte(i, j);
        CHECK_TRUE("file range holds the segment's bytes", same);
    }
    free(d);
}

/* As ld lays out a small static executable: the first PT_LOAD starts at
 * file offset 0 and maps the headers too; a PT_PHDR and a PT_NOTE inside
 * it; PT_GNU_STACK with zero sizes. */
static void valid_linker_layout(void)
{
    eb_init(&b);
    eb_add_phdr(&b, EB_PT_PHDR, PF_R, 64, 0x400040, 5 * 56, 5 * 56);
    eb_add_phdr(&b, EB_PT_LOAD, PF_R, 0, 0x400000, 0x200, 0x200);
    eb_add_phdr(&b, EB_PT_LOAD, PF_RX, 0x200, 0x401200, 0x100, 0x100);
    eb_add_phdr(&b, EB_PT_NOTE, PF_R, 0x1a0, 0x4001a0, 0x24, 0x24);
    eb_add_phdr(&b, EB_PT_GNU_STACK, PF_RW, 0, 0, 0, 0);
    b.tail = 0x300 - (64 + 5 * 56);
    eb_set_entry(&b, 0x401234);
    CHECK_ERR(ELF_OK, parse());
    CHECK_U("segment_count", 2, img.segment_count);
    CHECK_U("entry", 0x401234, img.entry);
    check_segment(0, 1, PF_R);
    check_segment(1, 2, PF_RX);
}

/* Entry on the first and last byte of the executable segment. */
static void entry_at_segment_edges(void)
{
    eb_init(&b);
    eb_add_load(&b, 0x400000, 0x100, 0x800, PF_RX);
    eb_set_entry(&b, 0x400000);
    CHECK_ERR(ELF_OK, parse());
    eb_set_entry(&b, 0x4007ff); /* in the zero-filled part: still inside */
    CHECK_ERR(ELF_OK, parse());
    eb_set_entry(&b, 0x400800); /* one past the end, same page */
    CHECK_ERR(ELF_ERR_BAD_ADDRESS, parse());
    eb_set_entry(&b, 0x3fffff);
    CHECK_ERR(ELF_ERR_BAD_ADDRESS, parse());
}

static void entry_in_non_exec_segment(void)
{
    eb_init(&b);
    eb_add_load(&b, 0x400000, 0x100, 0x100, PF_RX);
    eb_add_load(&b, 0x401000, 0x100, 0x100, PF_RW);
    eb_set_entry(&b, 0x401010);
    CHECK_ERR(ELF_ERR_BAD_ADDRESS, parse());
    eb_set_entry(&b, 0x400010);
    CHECK_ERR(ELF_OK, parse());
    /* The only segment is not executable. */
    eb_init(&b);
    eb_add_load(&b, 0x400000, 0x100, 0x100, PF_RW);
    eb_set_entry(&b, 0x400000);
    CHECK_ERR(ELF_ERR_BAD_ADDRESS, parse());
    /* X alone (no R) is executable enough. */
    b.ph[0].flags = ELF_PF_X;
    CHECK_ERR(ELF_OK, parse());
}

static void entry_outside_segments(void)
{
    eb_init(&b);
    eb_add_load(&b, 0x400000, 0x100, 0x100, PF_RX);
    eb_set_entry(&b, 0);
    CHECK_ERR(ELF_ERR_BAD_ADDRESS, parse());
    eb_set_entry(&b, 0x500000);
    CHECK_ERR(ELF_ERR_BAD_ADDRESS, parse());
    eb_set_entry(&b, UINT64_MAX);
    CHECK_ERR(ELF_ERR_BAD_ADDRESS, parse());
}

/* ---------------------------------------------------------------- header */

static void truncated_header(void)
{
    eb_std(&b);
    CHECK_ERR(ELF_ERR_TRUNCATED, parse_prefix(0, K_MIN, K_MAX));
    CHECK_ERR(ELF_ERR_TRUNCATED, parse_prefix(1, K_MIN, K_MAX));
    CHECK_ERR(ELF_ERR_TRUNCATED, parse_prefix(4, K_MIN, K_MAX));
    CHECK_ERR(ELF_ERR_TRUNCATED, parse_prefix(63, K_MIN, K_MAX));
    /* A whole header but not the program header table. */
    CHECK_ERR(ELF_ERR_BAD_PHDRS, parse_prefix(64, K_MIN, K_MAX));
    /* Empty input through a NULL pointer. */
    CHECK_ERR(ELF_ERR_TRUNCATED, elf_parse(NULL, 0, K_MIN, K_MAX, &img));
}

static void patch_byte(uint8_t *d, size_t len, uint64_t arg)
{
    (void)len;
    d[arg >> 8] = (uint8_t)arg;
}

#define AT(off, byte) ((uint64_t)(off) << 8 | (uint8_t)(byte))

static void bad_magic(void)
{
    eb_std(&b);
    CHECK_ERR(ELF_ERR_NOT_ELF, parse_patched(patch_byte, AT(0, 0x7e)));
    CHECK_ERR(ELF_ERR_NOT_ELF, parse_patched(patch_byte, AT(1, 'e')));
    CHECK_ERR(ELF_ERR_NOT_ELF, parse_patched(patch_byte, AT(2, 'l')));
    CHECK_ERR(ELF_ERR_NOT_ELF, parse_patched(patch_byte, AT(3, 'X')));
    CHECK_ERR(ELF_ERR_NOT_ELF, parse_patched(patch_byte, AT(0, 0)));
    /* 64 bytes that are not ELF at all. */
    static const uint8_t text[64] = "#!/bin/sh\necho this is not an executable\n";
    CHECK_ERR(ELF_ERR_NOT_ELF, parse_bytes(text, sizeof(text), K_MIN, K_MAX));
}

static void elf32_rejected(void)
{
    eb_std(&b);
    b.ei_class = 1; /* ELFCLASS32 */
    CHECK_ERR(ELF_ERR_UNSUPPORTED, parse());
    b.ei_class = 0;
    CHECK_ERR(ELF_ERR_UNSUPPORTED, parse());
    b.ei_class = 3;
    CHECK_ERR(ELF_ERR_UNSUPPORTED, parse());
}

static void big_endian_rejected(void)
{
    eb_std(&b);
    b.ei_data = 2; /* ELFDATA2MSB */
    CHECK_ERR(ELF_ERR_UNSUPPORTED, parse());
    b.ei_data = 0;
    CHECK_ERR(ELF_ERR_UNSUPPORTED, parse());
}

static void wrong_machine(void)
{
    static const uint16_t machines[] = {0, EB_EM_386, EB_EM_AARCH64, 0x3e00, 243 /* RISC-V */};
    eb_std(&b);
    for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++) {
        b.e_machine = machines[i];
        CHECK_ERR(ELF_ERR_UNSUPPORTED, parse());
    }
}

static void et_dyn_rejected(void)
{
    eb_std(&b);
    b.e_type = EB_ET_DYN; /* PIE or shared object */
    CHECK_ERR(ELF_ERR_UNSUPPORTED, parse());
    b.e_type = EB_ET_REL;
    CHECK_ERR(ELF_ERR_UNSUPPORTED, parse());
    b.e_type = EB_ET_CORE;
    CHECK_ERR(ELF_ERR_UNSUPPORTED, parse());
    b.e_type = 0x0200; /* ET_EXEC byte-swapped */
    CHECK_ERR(ELF_ERR_UNSUPPORTED, parse());
}

static void bad_version(void)
{
    eb_std(&b);
    b.ei_version = 0;
    CHECK_ERR(ELF_ERR_UNSUPPORTED, parse());
    b.ei_version = 2;
    CHECK_ERR(ELF_ERR_UNSUPPORTED, parse());
    b.ei_version = 1;
    b.e_version = 0;
    CHECK_ERR(ELF_ERR_UNSUPPORTED, parse());
    b.e_version = 0x100;
    CHECK_ERR(ELF_ERR_UNSUPPORTED, parse());
}

static void ehsize_too_small(void)
{
    eb_std(&b);
    b.e_ehsize = 63;
    CHECK_ERR(ELF_ERR_UNSUPPORTED, parse());
    b.e_ehsize = 0;
    CHECK_ERR(ELF_ERR_UNSUPPORTED, parse());
    b.e_ehsize = 128; /* bigger is allowed */
    CHECK_ERR(ELF_OK, parse());
}

/* ---------------------------------------------------------------- program header table */

static void phentsize_too_small(void)
{
    static const uint16_t sizes[] = {0, 1, 32, 55};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        eb_std(&b);
        b.e_phentsize = sizes[i];
        CHECK_ERR(ELF_ERR_BAD_PHDRS, parse());
    }
}

static void phentsize_bigger_allowed(void)
{
    eb_std(&b);
    b.e_phentsize = 64;
    CHECK_ERR(ELF_OK, parse());
    CHECK_U("segment_count", 3, img.segment_count);
    CHECK_U("entry", EB_STD_ENTRY, img.entry);
    check_segment(2, 2, PF_RW);
}

static void phnum_zero(void)
{
    eb_std(&b);
    b.e_phnum = 0;
    CHECK_ERR(ELF_ERR_BAD_PHDRS, parse());
}

static void phdrs_past_file(void)
{
    /* The table ends exactly at the end of the file: fine. */
    eb_init(&b);
    eb_add_phdr(&b, EB_PT_LOAD, PF_RX, 0, 0x400000, 64 + 56, 0x1000);
    eb_set_entry(&b, 0x400000);
    CHECK_ERR(ELF_OK, parse_prefix(64 + 56, K_MIN, K_MAX));
    /* One byte short. */
    CHECK_ERR(ELF_ERR_BAD_PHDRS, parse_prefix(64 + 55, K_MIN, K_MAX));
    /* e_phnum claims more headers than the file holds. */
    eb_std(&b);
    b.e_phnum = 5;
    b.tail = 0;
    CHECK_ERR(ELF_OK, parse()); /* the 5th entry is inside the segment bytes... */
    b.e_phnum = 200;            /* ...but 200 entries are not in the file */
    CHECK_ERR(ELF_ERR_BAD_PHDRS, parse());
    b.e_phnum = 0xffff;
    CHECK_ERR(ELF_ERR_BAD_PHDRS, parse());
    /* e_phoff past the end. */
    eb_std(&b);
    size_t len;
    uint8_t *d = eb_build(&b, &len);
    eb_put64(d + EB_E_PHOFF, len);
    CHECK_ERR(ELF_ERR_BAD_PHDRS, parse_bytes(d, len, K_MIN, K_MAX));
    eb_put64(d + EB_E_PHOFF, len - 56);
    CHECK_ERR(ELF_ERR_BAD_PHDRS, parse_bytes(d, len, K_MIN, K_MAX));
    free(d);
}

static void patch_phoff(uint8_t *d, size_t len, uint64_t phoff)
{
    (void)len;
    eb_put64(d + EB_E_PHOFF, phoff);
}

static void patch_phtable(uint8_t *d, size_t len, uint64_t phoff)
{
    (void)len;
    eb_put64(d + EB_E_PHOFF, phoff);
    eb_put16(d + EB_E_PHENTSIZE, 0xffff);
    eb_put16(d + EB_E_PHNUM, 0xffff);
}

/* phoff + phentsize * phnum wraps around 2^64 to a small number. */
static void phdr_table_overflow(void)
{
    eb_std(&b);
    /* 4 entries of 56 bytes = 224: phoff = 2^64 - 200 wraps to 24. */
    CHECK_ERR(ELF_ERR_BAD_PHDRS, parse_patched(patch_phoff, (uint64_t)0 - 200));
    CHECK_ERR(ELF_ERR_BAD_PHDRS, parse_patched(patch_phoff, UINT64_MAX));
    CHECK_ERR(ELF_ERR_BAD_PHDRS, parse_patched(patch_phoff, (uint64_t)1 << 63));
    /* The biggest table there can be (65535 * 65535 bytes, ~4 GiB) wrapped
     * to offset 64. */
    CHECK_ERR(ELF_ERR_BAD_PHDRS,
              parse_patched(patch_phtable, (uint64_t)0 - (uint64_t)0xffff * 0xffff + 64));
    CHECK_ERR(ELF_ERR_BAD_PHDRS, parse_patched(patch_phtable, 64));
}

/* ---------------------------------------------------------------- segments */

static void filesz_greater_than_memsz(void)
{
    eb_init(&b);
    eb_add_load(&b, 0x400000, 0x101, 0x100, PF_RX);
    CHECK_ERR(ELF_ERR_BAD_SEGMENT, parse());
    b.ph[0].memsz = 0x101;
    CHECK_ERR(ELF_OK, parse());
}

static void segment_data_past_file(void)
{
    /* Ends exactly at the end of the file. */
    eb_init(&b);
    eb_add_load(&b, 0x400000, 0x100, 0x100, PF_RX);
    size_t len;
    uint8_t *d = eb_build(&b, &len);
    CHECK_U("segment ends the file", len, b.ph[0].offset + b.ph[0].filesz);
    CHECK_ERR(ELF_OK, parse_bytes(d, len, K_MIN, K_MAX));
    /* Last byte missing. */
    CHECK_ERR(ELF_ERR_BAD_SEGMENT, parse_bytes(d, len - 1, K_MIN, K_MAX));
    free(d);
    /* A bss-only segment (filesz 0) whose offset is past the file is
     * rejected too, although nothing would be read. */
    eb_init(&b);
    eb_add_load(&b, 0x400000, 0x100, 0x100, PF_RX);
    eb_add_phdr(&b, EB_PT_LOAD, PF_RW, 0x10000000, 0x500000, 0, 0x1000);
    CHECK_ERR(ELF_ERR_BAD_SEGMENT, parse());
    b.ph[1].filesz = 1;
    CHECK_ERR(ELF_ERR_BAD_SEGMENT, parse());
    /* At the very end of the file, filesz 0: accepted. */
    size_t len2;
    free(eb_build(&b, &len2));
    b.ph[1].offset = len2;
    b.ph[1].filesz = 0;
    CHECK_ERR(ELF_OK, parse());
}

static void segment_offset_overflow(void)
{
    /* offset + filesz wraps to a small number inside the file. */
    eb_init(&b);
    eb_add_load(&b, 0x400000, 0x100, 0x100, PF_RX);
    eb_add_phdr(&b, EB_PT_LOAD, PF_RW, (uint64_t)0 - 0x800, 0x500800, 0x1000, 0x1000);
    CHECK_ERR(ELF_ERR_BAD_SEGMENT, parse());
    b.ph[1].offset = UINT64_MAX;
    b.ph[1].vaddr = 0x500fff;
    b.ph[1].filesz = 1;
    CHECK_ERR(ELF_ERR_BAD_SEGMENT, parse());
    b.ph[1].filesz = UINT64_MAX;
    b.ph[1].memsz = UINT64_MAX;
    CHECK_ERR(ELF_ERR_BAD_SEGMENT, parse());
}

static void vaddr_memsz_overflow(void)
{
    eb_init(&b);
    eb_add_load(&b, 0x400000, 0x100, 0x100, PF_RX);
    /* Wraps to 0x1000 (inside any range starting at 0). */
    eb_add_phdr(&b, EB_PT_LOAD, PF_RW, 0, (uint64_t)0 - 0x1000, 0, 0x2000);
    CHECK_ERR(ELF_ERR_BAD_SEGMENT, parse_range(0, UINT64_MAX));
    /* Ends exactly at 2^64. */
    b.ph[1].memsz = 0x1000;
    CHECK_ERR(ELF_ERR_BAD_SEGMENT, parse_range(0, UINT64_MAX));
    /* Ends one byte before 2^64: representable, allowed with addr_max = 2^64 - 1. */
    b.ph[1].memsz = 0xfff;
    CHECK_ERR(ELF_OK, parse_range(0, UINT64_MAX));
    CHECK_U("last segment vaddr", (uint64_t)0 - 0x1000, img.segments[1].vaddr);
    b.ph[1].vaddr = 1;
    b.ph[1].memsz = UINT64_MAX;
    CHECK_ERR(ELF_ERR_BAD_SEGMENT, parse_range(0, UINT64_MAX));
}

static void segment_below_addr_min(void)
{
    eb_init(&b);
    eb_add_load(&b, 0x400000, 0x100, 0x100, PF_RX);
    eb_add_load(&b, 0x3ff000, 0x10, 0x1000, PF_RW);
    CHECK_ERR(ELF_ERR_BAD_ADDRESS, parse_range(0x400000, 0x800000));
    CHECK_ERR(ELF_OK, parse_range(0x3ff000, 0x800000));
    CHECK_ERR(ELF_ERR_BAD_ADDRESS, parse_range(0x3ff001, 0x800000));
    /* The null page, with the kernel's bounds. */
    eb_init(&b);
    eb_add_load(&b, 0, 0x100, 0x100, PF_RX);
    CHECK_ERR(ELF_ERR_BAD_ADDRESS, parse());
    CHECK_ERR(ELF_OK, parse_range(0, K_MAX));
}

static void segment_above_addr_max(void)
{
    eb_init(&b);
    eb_add_load(&b, 0x400000, 0x100, 0x100, PF_RX);
    eb_add_load(&b, 0x7ff000, 0x10, 0x1000, PF_RW); /* ends at 0x800000 */
    CHECK_ERR(ELF_OK, parse_range(0x400000, 0x800000));
    CHECK_ERR(ELF_ERR_BAD_ADDRESS, parse_range(0x400000, 0x7fffff));
    /* Starting exactly at addr_max. */
    b.ph[1].vaddr = 0x800000;
    CHECK_ERR(ELF_ERR_BAD_ADDRESS, parse_range(0x400000, 0x800000));
    /* Kernel addresses, and the root task's stack, with the kernel's bounds. */
    b.ph[1].vaddr = UINT64_C(0xffffffff80000000);
    CHECK_ERR(ELF_ERR_BAD_ADDRESS, parse());
    b.ph[1].vaddr = K_MAX;
    CHECK_ERR(ELF_ERR_BAD_ADDRESS, parse());
    b.ph[1].vaddr = K_MAX - 0x1000;
    CHECK_ERR(ELF_OK, parse());
}

static void empty_or_inverted_range(void)
{
    eb_std(&b);
    CHECK_ERR(ELF_ERR_BAD_ADDRESS, parse_range(0x400000, 0x400000));
    CHECK_ERR(ELF_ERR_BAD_ADDRESS, parse_range(0x800000, 0x400000));
    CHECK_ERR(ELF_ERR_BAD_ADDRESS, parse_range(UINT64_MAX, 0));
    CHECK_ERR(ELF_OK, parse_range(0, UINT64_MAX));
}

static void segments_share_page(void)
{
    /* Different bytes of the same page. */
    eb_init(&b);
    eb_add_load(&b, 0x400000, 0x100, 0x100, PF_RX);
    eb_add_load(&b, 0x400800, 0x100, 0x100, PF_RW);
    CHECK_ERR(ELF_ERR_OVERLAP, parse());
    /* The first segment's last page is the second one's first. */
    eb_init(&b);
    eb_add_load(&b, 0x400000, 0x100, 0x1801, PF_RX);
    eb_add_load(&b, 0x401fff, 0x1, 0x1, PF_RW);
    CHECK_ERR(ELF_ERR_OVERLAP, parse());
    /* Listed in the other order. */
    eb_init(&b);
    eb_add_load(&b, 0x401fff, 0x1, 0x1, PF_RW);
    eb_add_load(&b, 0x400000, 0x100, 0x1801, PF_RX);
    CHECK_ERR(ELF_ERR_OVERLAP, parse());
    /* One inside the other, identical, and the third against the first. */
    eb_init(&b);
    eb_add_load(&b, 0x400000, 0x100, 0x10000, PF_RX);
    eb_add_load(&b, 0x408000, 0x100, 0x100, PF_RW);
    CHECK_ERR(ELF_ERR_OVERLAP, parse());
    eb_init(&b);
    eb_add_load(&b, 0x400000, 0x100, 0x100, PF_RX);
    eb_add_load(&b, 0x400000, 0x100, 0x100, PF_RX);
    CHECK_ERR(ELF_ERR_OVERLAP, parse());
    eb_init(&b);
    eb_add_load(&b, 0x400000, 0x100, 0x100, PF_RX);
    eb_add_load(&b, 0x500000, 0x100, 0x100, PF_R);
    eb_add_load(&b, 0x400fff, 0x1, 0x1, PF_RW);
    CHECK_ERR(ELF_ERR_OVERLAP, parse());
}

static void adjacent_pages_allowed(void)
{
    eb_init(&b);
    eb_add_load(&b, 0x400000, 0x100, 0x1000, PF_RX); /* exactly one page */
    eb_add_load(&b, 0x401000, 0x100, 0x1000, PF_R);
    eb_add_load(&b, 0x402fff, 0x1, 0x1, PF_RW); /* last byte of the next page */
    CHECK_ERR(ELF_OK, parse());
    CHECK_U("segment_count", 3, img.segment_count);
}

static void memsz_zero_ignored(void)
{
    eb_init(&b);
    eb_add_load(&b, 0x400000, 0x100, 0x100, PF_RX);
    /* Nonsense everywhere but memsz 0: occupies nothing, not counted. */
    eb_add_phdr(&b, EB_PT_LOAD, PF_RWX, UINT64_MAX, 0, 0, 0);
    eb_add_phdr(&b, EB_PT_LOAD, PF_RWX, 0, 0x400000, 0, 0); /* same page as the first */
    eb_add_phdr(&b, EB_PT_LOAD, PF_RWX, 0, UINT64_MAX, 0, 0);
    CHECK_ERR(ELF_OK, parse());
    CHECK_U("segment_count", 1, img.segment_count);
    check_segment(0, 0, PF_RX);
    /* memsz 0 with filesz > 0 is ignored as well (nothing to load). */
    b.ph[1].filesz = 0x100;
    CHECK_ERR(ELF_OK, parse());
    CHECK_U("segment_count", 1, img.segment_count);
}

static void too_many_segments(void)
{
    eb_init(&b);
    for (unsigned i = 0; i < ELF_MAX_SEGMENTS; i++)
        eb_add_load(&b, 0x400000 + (uint64_t)i * 0x2000 + 0x10, 0x10, 0x10, PF_RX);
    CHECK_ERR(ELF_OK, parse());
    CHECK_U("segment_count", ELF_MAX_SEGMENTS, img.segment_count);
    check_segment(ELF_MAX_SEGMENTS - 1, ELF_MAX_SEGMENTS - 1, PF_RX);
    eb_add_load(&b, 0x400000 + (uint64_t)ELF_MAX_SEGMENTS * 0x2000, 0x10, 0x10, PF_RX);
    CHECK_ERR(ELF_ERR_TOO_MANY, parse());
    /* Non-loadable and empty headers beyond the limit do not count. */
    b.ph[ELF_MAX_SEGMENTS].memsz = 0;
    eb_add_phdr(&b, EB_PT_NOTE, PF_R, 0, 0, 0x10, 0x10);
    eb_add_phdr(&b, EB_PT_GNU_STACK, PF_RW, 0, 0, 0, 0);
    CHECK_ERR(ELF_OK, parse());
    CHECK_U("segment_count", ELF_MAX_SEGMENTS, img.segment_count);
}

static void no_pt_load(void)
{
    eb_init(&b);
    eb_add_phdr(&b, EB_PT_NOTE, PF_R, 64, 0x400040, 0x20, 0x20);
    eb_add_phdr(&b, EB_PT_GNU_STACK, PF_RW, 0, 0, 0, 0);
    eb_set_entry(&b, 0x400040);
    CHECK_ERR(ELF_ERR_NO_SEGMENTS, parse());
    /* Only empty PT_LOADs. */
    eb_init(&b);
    eb_add_phdr(&b, EB_PT_LOAD, PF_RX, 0, 0x400000, 0, 0);
    eb_set_entry(&b, 0x400000);
    CHECK_ERR(ELF_ERR_NO_SEGMENTS, parse());
}

static void other_phdr_types_ignored(void)
{
    static const uint32_t types[] = {EB_PT_NULL,      EB_PT_DYNAMIC, EB_PT_INTERP, EB_PT_NOTE,
                                     EB_PT_PHDR,      EB_PT_TLS,     0x70000000,   0xffffffff,
                                     EB_PT_GNU_STACK, 0x101 /* LOAD | 0x100 */};
    eb_init(&b);
    eb_add_load(&b, 0x400000, 0x100, 0x100, PF_RX);
    /* Every value nonsensical for a PT_LOAD. */
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        eb_add_phdr(&b, types[i], PF_RWX, UINT64_MAX, UINT64_MAX, UINT64_MAX, 1);
    CHECK_ERR(ELF_OK, parse());
    CHECK_U("segment_count", 1, img.segment_count);
}

static void vaddr_offset_not_congruent(void)
{
    eb_init(&b);
    eb_add_load(&b, 0x400000, 0x100, 0x100, PF_RX);
    eb_add_phdr(&b, EB_PT_LOAD, PF_RW, 0x1000, 0x401010, 0x10, 0x10);
    b.tail = 0x1000;
    CHECK_ERR(ELF_ERR_BAD_SEGMENT, parse());
    b.ph[1].vaddr = 0x401000;
    CHECK_ERR(ELF_OK, parse());
    /* Congruent modulo 4096 but not modulo 2 MiB: fine. */
    b.ph[1].vaddr = 0x600000;
    CHECK_ERR(ELF_OK, parse());
    /* Off by the page size itself: congruent. */
    b.ph[1].offset = 0x0;
    b.ph[1].vaddr = 0x402000;
    CHECK_ERR(ELF_OK, parse());
    /* No file bytes (bss only): the offset does not matter. */
    b.ph[1].offset = 0x123;
    b.ph[1].vaddr = 0x402800;
    b.ph[1].filesz = 0;
    b.ph[1].memsz = 0x1000;
    CHECK_ERR(ELF_OK, parse());
    b.ph[1].filesz = 1;
    CHECK_ERR(ELF_ERR_BAD_SEGMENT, parse());
}

/* Every enumerator has its own name; anything else is "unknown error". */
static void error_names(void)
{
    const char *names[ELF_ERR_NO_SEGMENTS + 1];
    for (int e = ELF_OK; e <= ELF_ERR_NO_SEGMENTS; e++) {
        names[e] = elf_error_name((enum elf_error)e);
        char what[48];
        snprintf(what, sizeof(what), "name of error %d", e);
        CHECK_TRUE(what, names[e] != NULL && names[e][0] != '\0' &&
                             strcmp(names[e], "unknown error") != 0);
        for (int o = 0; o < e; o++)
            CHECK_TRUE("names distinct",
                       names[o] == NULL || names[e] == NULL || strcmp(names[o], names[e]) != 0);
    }
    CHECK_STR("ELF_OK", "ok", elf_error_name(ELF_OK));
    CHECK_STR("one past the last", "unknown error",
              elf_error_name((enum elf_error)(ELF_ERR_NO_SEGMENTS + 1)));
    CHECK_STR("negative", "unknown error", elf_error_name((enum elf_error) - 1));
    CHECK_STR("huge", "unknown error", elf_error_name((enum elf_error)0x7fffffff));
}

/* Every prefix of the std image, 0 bytes to all of it: the parser never
 * reads past the length it is given (ASan) and accepts only the full
 * image. */
static void every_prefix_of_std(void)
{
    eb_std(&b);
    size_t len;
    uint8_t *d = eb_build(&b, &len);
    unsigned accepted = 0;
    for (size_t n = 0; n <= len; n++)
        accepted += parse_bytes(d, n, K_MIN, K_MAX) == ELF_OK;
    /* The last segment's bytes end the file. */
    CHECK_U("prefixes accepted", 1, accepted);
    free(d);
}

/* ---------------------------------------------------------------- real linker output */

/* A real executable from GNU as + ld 2.40 (Debian 12), stripped:
 *
 *     _start: mov $60, %eax; xor %edi, %edi; syscall   (.text)
 *     v: .quad 1                                      (.data)
 *     buf: .zero 256                                  (.bss)
 *
 *     as -o tiny.o tiny.s
 *     ld -z max-page-size=4096 -z noexecstack -z noseparate-code -o tiny tiny.o
 *     strip tiny
 *
 * Two PT_LOADs (R+X text with the headers from offset 0; R+W data + bss
 * one page up) and a PT_GNU_STACK. */
static const uint8_t ld_tiny[600] = {
    0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x00, 0x3e, 0x00, 0x01, 0x00, 0x00, 0x00, 0xe8, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x18, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x38, 0x00, 0x03, 0x00, 0x40, 0x00, 0x05, 0x00, 0x04, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xf1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00,
    0xf1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf1, 0x10, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xf1, 0x10, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x0f, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x51, 0xe5, 0x74, 0x64, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xb8, 0x3c, 0x00, 0x00, 0x00, 0x31, 0xff, 0x0f,
    0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2e, 0x73, 0x68, 0x73, 0x74, 0x72,
    0x74, 0x61, 0x62, 0x00, 0x2e, 0x74, 0x65, 0x78, 0x74, 0x00, 0x2e, 0x64, 0x61, 0x74, 0x61, 0x00,
    0x2e, 0x62, 0x73, 0x73, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe8, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xe8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf1, 0x10, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xf1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00,
    0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf9, 0x10, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xf9, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xf9, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static void real_linker_output(void)
{
    CHECK_ERR(ELF_OK, parse_bytes(ld_tiny, sizeof(ld_tiny), K_MIN, K_MAX));
    CHECK_U("segment_count", 2, img.segment_count);
    CHECK_U("entry", 0x4000e8, img.entry);
    const struct elf_segment *t = &img.segments[0], *d = &img.segments[1];
    CHECK_U("text vaddr", 0x400000, t->vaddr);
    CHECK_U("text offset", 0, t->offset);
    CHECK_U("text filesz", 0xf1, t->filesz);
    CHECK_U("text memsz", 0xf1, t->memsz);
    CHECK_U("text flags", PF_RX, t->flags);
    CHECK_U("data vaddr", 0x4010f1, d->vaddr);
    CHECK_U("data offset", 0xf1, d->offset);
    CHECK_U("data filesz", 8, d->filesz);
    CHECK_U("data memsz (with bss)", 0x10f, d->memsz);
    CHECK_U("data flags", PF_RW, d->flags);
    /* The code at the entry point: mov $60, %eax. */
    uint64_t entry_off = img.entry - t->vaddr + t->offset;
    CHECK_U("code at entry", 0xb8, ld_tiny[entry_off]);
    CHECK_U("code at entry + 1", 60, ld_tiny[entry_off + 1]);
    /* The same image as a position-independent executable is refused. */
    uint8_t *pie = malloc(sizeof(ld_tiny));
    if (pie == NULL)
        abort();
    memcpy(pie, ld_tiny, sizeof(ld_tiny));
    eb_put16(pie + EB_E_TYPE, EB_ET_DYN);
    CHECK_ERR(ELF_ERR_UNSUPPORTED, parse_bytes(pie, sizeof(ld_tiny), K_MIN, K_MAX));
    free(pie);
}

/* ---------------------------------------------------------------- seeds */

static int write_file(const char *dir, const char *name, const uint8_t *d, size_t len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(d, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "test_elf: %s: %s\n", path, strerror(errno));
        return 1;
    }
    printf("%s: %zu bytes\n", path, len);
    return 0;
}

static int write_built(const char *dir, const char *name)
{
    size_t len;
    uint8_t *d = eb_build(&b, &len);
    if (len >= 4096) {
        fprintf(stderr, "test_elf: seed %s is %zu bytes\n", name, len);
        abort();
    }
    int rc = write_file(dir, name, d, len);
    free(d);
    return rc;
}

/* The fuzzer picks its address range from the input's last byte
 * (tests/fuzz/fuzz_elf.c); 0 is the kernel's range. The seeds end in
 * segment bytes or padding, so give them a 0 byte tail. */
static int write_corpus(const char *dir)
{
    int rc = 0;
    eb_std(&b);
    b.tail = 1;
    rc |= write_built(dir, "std.bin");

    eb_init(&b);
    eb_add_load(&b, 0x400078, 0x20, 0x20, PF_RX);
    b.tail = 1;
    rc |= write_built(dir, "single.bin");

    eb_init(&b);
    eb_add_phdr(&b, EB_PT_PHDR, PF_R, 64, 0x400040, 4 * 56, 4 * 56);
    eb_add_phdr(&b, EB_PT_LOAD, PF_R, 0, 0x400000, 0x200, 0x200);
    eb_add_phdr(&b, EB_PT_LOAD, PF_RX, 0x200, 0x401200, 0x100, 0x100);
    eb_add_phdr(&b, EB_PT_GNU_STACK, PF_RW, 0, 0, 0, 0);
    b.tail = 0x300 - (64 + 4 * 56);
    eb_set_entry(&b, 0x401200);
    rc |= write_built(dir, "linker_layout.bin");

    /* The limit: ELF_MAX_SEGMENTS small segments, plus an empty one. */
    eb_init(&b);
    for (unsigned i = 0; i < ELF_MAX_SEGMENTS; i++)
        eb_add_load(&b, 0x400000 + (uint64_t)i * 0x2000 + 0x400 + i * 0x8, 0x8, 0x8, PF_RX);
    eb_add_phdr(&b, EB_PT_LOAD, PF_RW, 0, 0x900000, 0, 0);
    b.tail = 1;
    rc |= write_built(dir, "max_segments.bin");

    /* A bss-only segment and bigger program header entries. */
    eb_init(&b);
    b.e_phentsize = 64;
    eb_add_load(&b, 0x400100, 0x40, 0x40, PF_RX);
    eb_add_phdr(&b, EB_PT_LOAD, PF_RW, 0, 0x600000, 0, 0x3000);
    b.tail = 1;
    rc |= write_built(dir, "bss_phentsize64.bin");

    /* Ends in a 0 byte (the section header table). */
    rc |= write_file(dir, "ld_tiny.bin", ld_tiny, sizeof(ld_tiny));
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
        return write_corpus(argv[2]);
    if (argc != 1) {
        fprintf(stderr, "usage: test_elf [--write-corpus DIR]\n");
        return 2;
    }
    check_suite("elf");
    RUN_TEST(valid_single_segment);
    RUN_TEST(valid_multi_segment);
    RUN_TEST(valid_linker_layout);
    RUN_TEST(entry_at_segment_edges);
    RUN_TEST(entry_in_non_exec_segment);
    RUN_TEST(entry_outside_segments);
    RUN_TEST(truncated_header);
    RUN_TEST(bad_magic);
    RUN_TEST(elf32_rejected);
    RUN_TEST(big_endian_rejected);
    RUN_TEST(wrong_machine);
    RUN_TEST(et_dyn_rejected);
    RUN_TEST(bad_version);
    RUN_TEST(ehsize_too_small);
    RUN_TEST(phentsize_too_small);
    RUN_TEST(phentsize_bigger_allowed);
    RUN_TEST(phnum_zero);
    RUN_TEST(phdrs_past_file);
    RUN_TEST(phdr_table_overflow);
    RUN_TEST(filesz_greater_than_memsz);
    RUN_TEST(segment_data_past_file);
    RUN_TEST(segment_offset_overflow);
    RUN_TEST(vaddr_memsz_overflow);
    RUN_TEST(segment_below_addr_min);
    RUN_TEST(segment_above_addr_max);
    RUN_TEST(empty_or_inverted_range);
    RUN_TEST(segments_share_page);
    RUN_TEST(adjacent_pages_allowed);
    RUN_TEST(memsz_zero_ignored);
    RUN_TEST(too_many_segments);
    RUN_TEST(no_pt_load);
    RUN_TEST(other_phdr_types_ignored);
    RUN_TEST(vaddr_offset_not_congruent);
    RUN_TEST(error_names);
    RUN_TEST(every_prefix_of_std);
    RUN_TEST(real_linker_output);
    return check_exit_code();
}
