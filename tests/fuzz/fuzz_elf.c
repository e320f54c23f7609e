/* libFuzzer target for elf_parse().
 *
 * The input is the file itself, copied to an exactly-sized heap buffer at
 * an odd address (ASan flags any read past the end; the parser must not
 * assume alignment). The allowed range [addr_min, addr_max) is derived
 * from the input, chosen by its last byte (seeds end in a 0 byte: the
 * kernel's range):
 *
 *   last % 8   range
 *   0          the kernel's, for the root task
 *   1          everything: [0, 2^64 - 1)
 *   2          [0x400000, 0x800000)
 *   3, 4       around the first PT_LOAD's start / end: the bound sits on,
 *              just before or just after it (last / 8 picks the offset)
 *   5          from a hash of the input (any values, possibly inverted)
 *   6          empty or inverted: nothing can be accepted
 *   7          [hash-derived page-aligned min, 2^64 - 1)
 *
 * After every parse: the result is a defined error; on ELF_OK every
 * documented guarantee is checked against the raw bytes, and an
 * independently written acceptance check (128-bit arithmetic, so no
 * overflow to get wrong) must agree with the parser in both directions.
 * Any violation aborts. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/elf.h"

#define PAGE       UINT64_C(4096)
#define PAGE_MASK  (PAGE - 1)
#define KERNEL_MIN UINT64_C(0x1000)
#define KERNEL_MAX (UINT64_C(0x00007ffffff00000) - 16 * PAGE)
#define EHDR_SIZE  64
#define PHDR_SIZE  56
#define PT_LOAD    1
#define PF_X       1u
#define ERR_LAST   ELF_ERR_NO_SEGMENTS

typedef unsigned __int128 u128;

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_elf: invariant violated: %s\n", what);
    abort();
}

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fail(#cond);                                                                           \
    } while (0)

static uint64_t rd(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static uint64_t hash(const uint8_t *d, size_t len, uint64_t seed)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325) ^ seed;
    for (size_t i = 0; i < len; i++) {
        h ^= d[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h ^ (h >> 29);
}

struct phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, filesz, memsz;
};

/* The program header table as the gABI describes it, or false if the
 * header does not lead to one. */
static bool table(const uint8_t *d, size_t len, uint64_t *phoff, unsigned *phentsize,
                  unsigned *phnum)
{
    if (len < EHDR_SIZE)
        return false;
    *phoff = rd(d + 32, 8);
    *phentsize = (unsigned)rd(d + 54, 2);
    *phnum = (unsigned)rd(d + 56, 2);
    return *phentsize >= PHDR_SIZE && *phnum > 0 && (u128)*phoff + (u128)*phentsize * *phnum <= len;
}

static struct phdr phdr_at(const uint8_t *p)
{
    struct phdr h = {
        .type = (uint32_t)rd(p, 4),
        .flags = (uint32_t)rd(p + 4, 4),
        .offset = rd(p + 8, 8),
        .vaddr = rd(p + 16, 8),
        .filesz = rd(p + 32, 8),
        .memsz = rd(p + 40, 8),
    };
    return h;
}

/* The vaddr (or end) of the first PT_LOAD with memsz > 0, or `fallback`. */
static uint64_t first_load(const uint8_t *d, size_t len, bool end, uint64_t fallback)
{
    uint64_t phoff;
    unsigned phentsize, phnum;
    if (!table(d, len, &phoff, &phentsize, &phnum))
        return fallback;
    for (unsigned i = 0; i < phnum; i++) {
        struct phdr h = phdr_at(d + phoff + (uint64_t)i * phentsize);
        if (h.type == PT_LOAD && h.memsz)
            return end ? h.vaddr + h.memsz : h.vaddr;
    }
    return fallback;
}

static void pick_range(const uint8_t *d, size_t len, uint64_t *min, uint64_t *max)
{
    uint8_t sel = len ? d[len - 1] : 0;
    uint64_t h = hash(d, len, sel);
    int64_t delta = (int64_t)(sel >> 3 & 3) - 1; /* -1, 0, 1, 2 */
    switch (sel & 7) {
    case 0:
        *min = KERNEL_MIN;
        *max = KERNEL_MAX;
        break;
    case 1:
        *min = 0;
        *max = UINT64_MAX;
        break;
    case 2:
        *min = 0x400000;
        *max = 0x800000;
        break;
    case 3:
        *min = first_load(d, len, false, 0x400000) + (uint64_t)delta;
        *max = sel & 0x20 ? UINT64_MAX : KERNEL_MAX;
        break;
    case 4:
        *min = sel & 0x20 ? 0 : KERNEL_MIN;
        *max = first_load(d, len, true, 0x800000) + (uint64_t)delta;
        break;
    case 5:
        *min = h;
        *max = hash(d, len, h);
        break;
    case 6:
        *min = h;
        *max = h >> (sel >> 3 & 7);
        if (*max > *min) {
            uint64_t t = *min;
            *min = *max;
            *max = t;
        }
        break;
    default:
        *min = h & ~PAGE_MASK & UINT64_C(0x0000ffffffffffff);
        *max = UINT64_MAX;
        break;
    }
}

/* Independent statement of when elf.h says an image is acceptable. */
static bool acceptable(const uint8_t *d, size_t len, uint64_t min, uint64_t max)
{
    static const uint8_t ident[7] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    if (len < EHDR_SIZE || memcmp(d, ident, sizeof(ident)) != 0)
        return false;
    if (rd(d + 16, 2) != 2 || rd(d + 18, 2) != 62 || rd(d + 20, 4) != 1 || rd(d + 52, 2) < 64)
        return false;
    uint64_t phoff;
    unsigned phentsize, phnum;
    if (!table(d, len, &phoff, &phentsize, &phnum))
        return false;
    struct phdr segs[ELF_MAX_SEGMENTS + 1];
    unsigned n = 0;
    bool ok = true;
    for (unsigned i = 0; i < phnum; i++) {
        struct phdr h = phdr_at(d + phoff + (uint64_t)i * phentsize);
        if (h.type != PT_LOAD || h.memsz == 0)
            continue;
        u128 mem_end = (u128)h.vaddr + h.memsz;
        ok &= h.filesz <= h.memsz;
        ok &= (u128)h.offset + h.filesz <= len;
        ok &= h.filesz == 0 || (h.vaddr & PAGE_MASK) == (h.offset & PAGE_MASK);
        ok &= h.vaddr >= min && mem_end <= max;
        if (!ok)
            return false;
        for (unsigned j = 0; j < n; j++) {
            /* Page numbers, so nothing wraps. */
            uint64_t a0 = h.vaddr >> 12, a1 = (h.vaddr + h.memsz - 1) >> 12;
            uint64_t b0 = segs[j].vaddr >> 12, b1 = (segs[j].vaddr + segs[j].memsz - 1) >> 12;
            if (a0 <= b1 && b0 <= a1)
                return false;
        }
        if (n == ELF_MAX_SEGMENTS)
            return false;
        segs[n++] = h;
    }
    if (n == 0)
        return false;
    uint64_t entry = rd(d + 24, 8);
    for (unsigned j = 0; j < n; j++)
        if ((segs[j].flags & PF_X) && entry >= segs[j].vaddr &&
            (u128)entry < (u128)segs[j].vaddr + segs[j].memsz)
            return true;
    return false;
}

/* Every guarantee of a successful parse, from the output alone and
 * against the raw program headers. */
static void check_image(const uint8_t *d, size_t len, uint64_t min, uint64_t max,
                        const struct elf_image *img)
{
    REQUIRE(img->segment_count >= 1 && img->segment_count <= ELF_MAX_SEGMENTS);
    REQUIRE(min < max);
    bool entry_ok = false;
    for (uint32_t i = 0; i < img->segment_count; i++) {
        const struct elf_segment *s = &img->segments[i];
        u128 mem_end = (u128)s->vaddr + s->memsz;
        REQUIRE(s->memsz > 0);
        REQUIRE(s->filesz <= s->memsz);
        REQUIRE((u128)s->offset + s->filesz <= len);
        REQUIRE(s->vaddr >= min);
        REQUIRE(mem_end <= max);
        REQUIRE(s->filesz == 0 || (s->vaddr & PAGE_MASK) == (s->offset & PAGE_MASK));
        for (uint32_t j = 0; j < i; j++) {
            const struct elf_segment *o = &img->segments[j];
            uint64_t a0 = s->vaddr >> 12, a1 = (s->vaddr + s->memsz - 1) >> 12;
            uint64_t b0 = o->vaddr >> 12, b1 = (o->vaddr + o->memsz - 1) >> 12;
            REQUIRE(a1 < b0 || b1 < a0); /* no shared page */
        }
        if ((s->flags & ELF_PF_X) && img->entry >= s->vaddr && (u128)img->entry < mem_end)
            entry_ok = true;
    }
    REQUIRE(entry_ok);
    REQUIRE(img->entry >= min && img->entry < max);

    /* The segments are the file's PT_LOAD entries with memsz > 0, in
     * order, with the fields as written; the entry is e_entry. */
    uint64_t phoff;
    unsigned phentsize, phnum;
    REQUIRE(table(d, len, &phoff, &phentsize, &phnum));
    REQUIRE(img->entry == rd(d + 24, 8));
    uint32_t k = 0;
    for (unsigned i = 0; i < phnum; i++) {
        struct phdr h = phdr_at(d + phoff + (uint64_t)i * phentsize);
        if (h.type != PT_LOAD || h.memsz == 0)
            continue;
        REQUIRE(k < img->segment_count);
        const struct elf_segment *s = &img->segments[k++];
        REQUIRE(s->vaddr == h.vaddr && s->memsz == h.memsz && s->offset == h.offset &&
                s->filesz == h.filesz && s->flags == h.flags);
    }
    REQUIRE(k == img->segment_count);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *mem = malloc(size + 1);
    if (mem == NULL)
        abort();
    uint8_t *d = mem + 1;
    if (size)
        memcpy(d, data, size);
    uint64_t min, max;
    pick_range(d, size, &min, &max);

    struct elf_image img;
    memset(&img, 0xa5, sizeof(img));
    enum elf_error e = elf_parse(d, size, min, max, &img);
    REQUIRE((unsigned)e <= (unsigned)ERR_LAST);
    const char *name = elf_error_name(e);
    REQUIRE(name != NULL && strcmp(name, "unknown error") != 0);
    REQUIRE(img.segment_count <= ELF_MAX_SEGMENTS);

    bool expect_ok = acceptable(d, size, min, max);
    if (e == ELF_OK) {
        check_image(d, size, min, max, &img);
        REQUIRE(expect_ok);
    } else {
        REQUIRE(!expect_ok);
    }
    if (min >= max) /* nothing fits in an empty range */
        REQUIRE(e != ELF_OK);
    free(mem);
    return 0;
}
