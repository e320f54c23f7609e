#include "elf.h"

/* ELF header and program header field offsets (gABI 4-3, 5-1). Read byte
 * by byte: the image may be at any alignment. */
#define EI_MAG0         0
#define EI_CLASS        4
#define EI_DATA         5
#define EI_VERSION      6
#define ELFCLASS64      2
#define ELFDATA2LSB     1
#define EV_CURRENT      1
#define ET_EXEC         2
#define EM_X86_64       62
#define E_TYPE          16
#define E_MACHINE       18
#define E_VERSION       20
#define E_ENTRY         24
#define E_PHOFF         32
#define E_EHSIZE        52
#define E_PHENTSIZE     54
#define E_PHNUM         56
#define ELF64_EHDR_SIZE 64
#define ELF64_PHDR_SIZE 56
#define P_TYPE          0
#define P_FLAGS         4
#define P_OFFSET        8
#define P_VADDR         16
#define P_FILESZ        32
#define P_MEMSZ         40
#define PT_LOAD         1
#define ELF_PAGE_MASK   0xfffull

static uint16_t ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t ld64(const uint8_t *p)
{
    return (uint64_t)ld32(p) | (uint64_t)ld32(p + 4) << 32;
}

static bool add_overflows(uint64_t a, uint64_t b, uint64_t *sum)
{
    *sum = a + b;
    return *sum < a;
}

static enum elf_error check_header(const uint8_t *d, size_t len)
{
    static const uint8_t magic[4] = {0x7f, 'E', 'L', 'F'};
    if (len < ELF64_EHDR_SIZE)
        return ELF_ERR_TRUNCATED;
    for (int i = 0; i < 4; i++)
        if (d[EI_MAG0 + i] != magic[i])
            return ELF_ERR_NOT_ELF;
    if (d[EI_CLASS] != ELFCLASS64 || d[EI_DATA] != ELFDATA2LSB || d[EI_VERSION] != EV_CURRENT ||
        ld16(d + E_TYPE) != ET_EXEC || ld16(d + E_MACHINE) != EM_X86_64 ||
        ld32(d + E_VERSION) != EV_CURRENT || ld16(d + E_EHSIZE) < ELF64_EHDR_SIZE)
        return ELF_ERR_UNSUPPORTED;
    return ELF_OK;
}

static enum elf_error add_segment(const uint8_t *ph, size_t len, uint64_t addr_min,
                                  uint64_t addr_max, struct elf_image *out)
{
    struct elf_segment s = {
        .vaddr = ld64(ph + P_VADDR),
        .memsz = ld64(ph + P_MEMSZ),
        .offset = ld64(ph + P_OFFSET),
        .filesz = ld64(ph + P_FILESZ),
        .flags = ld32(ph + P_FLAGS),
    };
    uint64_t file_end, mem_end;
    if (s.memsz == 0)
        return ELF_OK; /* occupies nothing */
    if (s.filesz > s.memsz || add_overflows(s.offset, s.filesz, &file_end) || file_end > len ||
        add_overflows(s.vaddr, s.memsz, &mem_end))
        return ELF_ERR_BAD_SEGMENT;
    /* Segments are mapped page by page: file offset and address must be
     * congruent modulo the page size, so the file bytes land in place. */
    if ((s.vaddr & ELF_PAGE_MASK) != (s.offset & ELF_PAGE_MASK) && s.filesz)
        return ELF_ERR_BAD_SEGMENT;
    if (s.vaddr < addr_min || mem_end > addr_max)
        return ELF_ERR_BAD_ADDRESS;
    uint64_t first = s.vaddr & ~ELF_PAGE_MASK;
    uint64_t last = (mem_end - 1) & ~ELF_PAGE_MASK;
    for (uint32_t i = 0; i < out->segment_count; i++) {
        const struct elf_segment *o = &out->segments[i];
        uint64_t ofirst = o->vaddr & ~ELF_PAGE_MASK;
        uint64_t olast = (o->vaddr + o->memsz - 1) & ~ELF_PAGE_MASK;
        if (first <= olast && ofirst <= last)
            return ELF_ERR_OVERLAP;
    }
    if (out->segment_count == ELF_MAX_SEGMENTS)
        return ELF_ERR_TOO_MANY;
    out->segments[out->segment_count++] = s;
    return ELF_OK;
}

enum elf_error elf_parse(const void *data, size_t len, uint64_t addr_min, uint64_t addr_max,
                         struct elf_image *out)
{
    const uint8_t *d = data;
    *out = (struct elf_image){0};
    enum elf_error e = check_header(d, len);
    if (e != ELF_OK)
        return e;
    uint64_t phoff = ld64(d + E_PHOFF);
    uint16_t phentsize = ld16(d + E_PHENTSIZE);
    uint16_t phnum = ld16(d + E_PHNUM);
    uint64_t table_end;
    if (phentsize < ELF64_PHDR_SIZE || phnum == 0 ||
        add_overflows(phoff, (uint64_t)phentsize * phnum, &table_end) || table_end > len)
        return ELF_ERR_BAD_PHDRS;
    for (uint16_t i = 0; i < phnum; i++) {
        const uint8_t *ph = d + phoff + (uint64_t)i * phentsize;
        if (ld32(ph + P_TYPE) != PT_LOAD)
            continue;
        e = add_segment(ph, len, addr_min, addr_max, out);
        if (e != ELF_OK)
            return e;
    }
    if (!out->segment_count)
        return ELF_ERR_NO_SEGMENTS;
    out->entry = ld64(d + E_ENTRY);
    for (uint32_t i = 0; i < out->segment_count; i++) {
        const struct elf_segment *s = &out->segments[i];
        if ((s->flags & ELF_PF_X) && out->entry >= s->vaddr && out->entry - s->vaddr < s->memsz)
            return ELF_OK;
    }
    return ELF_ERR_BAD_ADDRESS;
}

const char *elf_error_name(enum elf_error e)
{
    static const char *const names[] = {
        [ELF_OK] = "ok",
        [ELF_ERR_TRUNCATED] = "truncated",
        [ELF_ERR_NOT_ELF] = "not an ELF file",
        [ELF_ERR_UNSUPPORTED] = "not an x86_64 ELF64 executable",
        [ELF_ERR_BAD_PHDRS] = "bad program header table",
        [ELF_ERR_BAD_SEGMENT] = "bad segment",
        [ELF_ERR_BAD_ADDRESS] = "address outside the allowed range",
        [ELF_ERR_OVERLAP] = "segments overlap",
        [ELF_ERR_TOO_MANY] = "too many segments",
        [ELF_ERR_NO_SEGMENTS] = "no loadable segments",
    };
    if ((unsigned)e < sizeof names / sizeof names[0])
        return names[e];
    return "unknown error";
}
