/* See elf_builder.h. */
#include "tests/unit/elf_builder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PF_X 0x1u
#define PF_W 0x2u
#define PF_R 0x4u

void eb_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void eb_put32(uint8_t *p, uint32_t v)
{
    eb_put16(p, (uint16_t)v);
    eb_put16(p + 2, (uint16_t)(v >> 16));
}

void eb_put64(uint8_t *p, uint64_t v)
{
    eb_put32(p, (uint32_t)v);
    eb_put32(p + 4, (uint32_t)(v >> 32));
}

uint8_t eb_pattern_byte(unsigned index, uint64_t off)
{
    return (uint8_t)(index * 37u + (unsigned)(off * 7u) + 1u);
}

void eb_init(struct elf_builder *b)
{
    memset(b, 0, sizeof(*b));
    b->ei_class = 2;
    b->ei_data = 1;
    b->ei_version = 1;
    b->e_type = EB_ET_EXEC;
    b->e_machine = EB_EM_X86_64;
    b->e_version = 1;
    b->entry_auto = true;
    b->e_phoff = EB_EHDR_SIZE;
    b->e_ehsize = EB_EHDR_SIZE;
    b->e_phentsize = EB_PHDR_SIZE;
    b->e_phnum = -1;
}

void eb_set_entry(struct elf_builder *b, uint64_t entry)
{
    b->entry_auto = false;
    b->e_entry = entry;
}

static unsigned add(struct elf_builder *b, const struct eb_phdr *ph)
{
    if (b->phdr_count == EB_MAX_PHDRS) {
        fprintf(stderr, "elf_builder: more than %d program headers\n", EB_MAX_PHDRS);
        abort();
    }
    b->ph[b->phdr_count] = *ph;
    return b->phdr_count++;
}

unsigned eb_add_load(struct elf_builder *b, uint64_t vaddr, uint64_t filesz, uint64_t memsz,
                     uint32_t flags)
{
    struct eb_phdr ph = {
        .type = EB_PT_LOAD,
        .flags = flags,
        .vaddr = vaddr,
        .filesz = filesz,
        .memsz = memsz,
        .align = EB_PAGE,
        .auto_offset = true,
    };
    return add(b, &ph);
}

unsigned eb_add_phdr(struct elf_builder *b, uint32_t type, uint32_t flags, uint64_t offset,
                     uint64_t vaddr, uint64_t filesz, uint64_t memsz)
{
    struct eb_phdr ph = {
        .type = type,
        .flags = flags,
        .offset = offset,
        .vaddr = vaddr,
        .filesz = filesz,
        .memsz = memsz,
        .align = type == EB_PT_LOAD ? EB_PAGE : 8,
    };
    return add(b, &ph);
}

uint8_t *eb_build(struct elf_builder *b, size_t *len)
{
    unsigned phnum = b->e_phnum >= 0 ? (unsigned)b->e_phnum : b->phdr_count;
    /* The table is written for the headers that exist, whatever e_phnum
     * claims, so a lying e_phnum can point past the file. */
    uint64_t end = b->e_phoff + (uint64_t)b->phdr_count * b->e_phentsize;
    if (end < EB_EHDR_SIZE)
        end = EB_EHDR_SIZE;
    if (end > (1u << 24)) {
        fprintf(stderr, "elf_builder: image would be %llu bytes\n", (unsigned long long)end);
        abort();
    }
    for (unsigned i = 0; i < b->phdr_count; i++) {
        struct eb_phdr *ph = &b->ph[i];
        if (!ph->auto_offset)
            continue;
        uint64_t off = (end & ~(uint64_t)(EB_PAGE - 1)) | (ph->vaddr & (EB_PAGE - 1));
        if (off < end)
            off += EB_PAGE;
        ph->offset = off;
        end = off + ph->filesz;
        if (ph->filesz > (1u << 24) || end > (1u << 24)) {
            fprintf(stderr, "elf_builder: segment %u too big\n", i);
            abort();
        }
    }
    end += b->tail;

    uint8_t *d = calloc(1, end);
    if (d == NULL)
        abort();
    memcpy(d,
           "\x7f"
           "ELF",
           4);
    d[EB_EI_CLASS] = b->ei_class;
    d[EB_EI_DATA] = b->ei_data;
    d[EB_EI_VERSION] = b->ei_version;
    eb_put16(d + EB_E_TYPE, b->e_type);
    eb_put16(d + EB_E_MACHINE, b->e_machine);
    eb_put32(d + EB_E_VERSION, b->e_version);
    uint64_t entry = b->e_entry;
    if (b->entry_auto) {
        entry = 0;
        for (unsigned i = 0; i < b->phdr_count; i++) {
            if (b->ph[i].auto_offset && (b->ph[i].flags & PF_X)) {
                entry = b->ph[i].vaddr;
                break;
            }
        }
    }
    eb_put64(d + EB_E_ENTRY, entry);
    eb_put64(d + EB_E_PHOFF, b->e_phoff);
    eb_put16(d + EB_E_EHSIZE, b->e_ehsize);
    eb_put16(d + EB_E_PHENTSIZE, b->e_phentsize);
    eb_put16(d + EB_E_PHNUM, (uint16_t)phnum);
    for (unsigned i = 0; i < b->phdr_count; i++) {
        const struct eb_phdr *ph = &b->ph[i];
        uint8_t *p = d + b->e_phoff + (uint64_t)i * b->e_phentsize;
        uint8_t tmp[EB_PHDR_SIZE] = {0};
        eb_put32(tmp + EB_P_TYPE, ph->type);
        eb_put32(tmp + EB_P_FLAGS, ph->flags);
        eb_put64(tmp + EB_P_OFFSET, ph->offset);
        eb_put64(tmp + EB_P_VADDR, ph->vaddr);
        eb_put64(tmp + EB_P_PADDR, ph->vaddr);
        eb_put64(tmp + EB_P_FILESZ, ph->filesz);
        eb_put64(tmp + EB_P_MEMSZ, ph->memsz);
        eb_put64(tmp + EB_P_ALIGN, ph->align);
        /* A short e_phentsize truncates the entry (the parser must reject
         * it before reading). */
        memcpy(p, tmp, b->e_phentsize < EB_PHDR_SIZE ? b->e_phentsize : EB_PHDR_SIZE);
        if (ph->auto_offset)
            for (uint64_t j = 0; j < ph->filesz; j++)
                d[ph->offset + j] = eb_pattern_byte(i, j);
    }
    *len = (size_t)end;
    return d;
}

void eb_std(struct elf_builder *b)
{
    eb_init(b);
    /* Header + 4 program headers = 0x120 bytes; each segment's vaddr is
     * congruent to the next free file offset, as ld lays out a small
     * -z max-page-size=4096 executable. */
    eb_add_load(b, EB_STD_ENTRY, 0x200, 0x200, PF_R | PF_X);         /* text, file 0x120 */
    eb_add_load(b, EB_STD_BASE + 0x1320, 0x100, 0x100, PF_R);        /* rodata, file 0x320 */
    eb_add_load(b, EB_STD_BASE + 0x2420, 0x80, 0x1000, PF_R | PF_W); /* data + bss */
    eb_add_phdr(b, EB_PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
}
