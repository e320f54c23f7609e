/* Builder for synthetic ELF64 images (unit tests of kernel/elf.c and fuzz
 * seeds). Fields default to a valid x86_64 little-endian executable; a test
 * changes what it wants to break, then eb_build() lays the image out:
 *
 *   offset 0        ELF header (64 bytes)
 *   e_phoff         program header table, e_phentsize bytes per entry
 *   then            the file bytes of every segment added with
 *                   eb_add_load(), each at the first free offset congruent
 *                   to its vaddr modulo 4096, in the order added
 *
 * Segment bytes are a recognisable pattern (eb_pattern_byte). Program
 * headers added with eb_add_phdr() are written as given (their file ranges
 * are not allocated). */
#ifndef ATOLL_TESTS_ELF_BUILDER_H
#define ATOLL_TESTS_ELF_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EB_MAX_PHDRS 64
#define EB_EHDR_SIZE 64
#define EB_PHDR_SIZE 56
#define EB_PAGE      4096u

/* ELF header field offsets (gABI 4-3), for patching a built image. */
#define EB_EI_CLASS    4
#define EB_EI_DATA     5
#define EB_EI_VERSION  6
#define EB_E_TYPE      16
#define EB_E_MACHINE   18
#define EB_E_VERSION   20
#define EB_E_ENTRY     24
#define EB_E_PHOFF     32
#define EB_E_EHSIZE    52
#define EB_E_PHENTSIZE 54
#define EB_E_PHNUM     56
/* Program header field offsets (gABI 5-1). */
#define EB_P_TYPE   0
#define EB_P_FLAGS  4
#define EB_P_OFFSET 8
#define EB_P_VADDR  16
#define EB_P_PADDR  24
#define EB_P_FILESZ 32
#define EB_P_MEMSZ  40
#define EB_P_ALIGN  48

#define EB_ET_REL       1
#define EB_ET_EXEC      2
#define EB_ET_DYN       3
#define EB_ET_CORE      4
#define EB_EM_386       3
#define EB_EM_X86_64    62
#define EB_EM_AARCH64   183
#define EB_PT_NULL      0
#define EB_PT_LOAD      1
#define EB_PT_DYNAMIC   2
#define EB_PT_INTERP    3
#define EB_PT_NOTE      4
#define EB_PT_PHDR      6
#define EB_PT_TLS       7
#define EB_PT_GNU_STACK 0x6474e551u

struct eb_phdr {
    uint32_t type;
    uint32_t flags; /* ELF_PF_* */
    uint64_t offset;
    uint64_t vaddr;
    uint64_t filesz;
    uint64_t memsz;
    uint64_t align;
    bool auto_offset; /* eb_add_load(): offset chosen by eb_build() */
};

struct elf_builder {
    /* e_ident */
    uint8_t ei_class;     /* 2: ELFCLASS64 */
    uint8_t ei_data;      /* 1: ELFDATA2LSB */
    uint8_t ei_version;   /* 1 */
    uint16_t e_type;      /* ET_EXEC */
    uint16_t e_machine;   /* EM_X86_64 */
    uint32_t e_version;   /* 1 */
    uint64_t e_entry;     /* used when !entry_auto (eb_set_entry()) */
    bool entry_auto;      /* entry = vaddr of the first executable eb_add_load() segment */
    uint64_t e_phoff;     /* 64 */
    uint16_t e_ehsize;    /* 64 */
    uint16_t e_phentsize; /* 56; a bigger value pads every entry with zeroes */
    int e_phnum;          /* -1: the number of program headers added */
    size_t tail;          /* extra zero bytes at the end of the file */
    unsigned phdr_count;
    struct eb_phdr ph[EB_MAX_PHDRS];
};

/* A valid empty executable (no program headers yet). */
void eb_init(struct elf_builder *b);
/* PT_LOAD with file bytes allocated by eb_build(); returns its index. */
unsigned eb_add_load(struct elf_builder *b, uint64_t vaddr, uint64_t filesz, uint64_t memsz,
                     uint32_t flags);
/* Any program header, written exactly as given; returns its index. */
unsigned eb_add_phdr(struct elf_builder *b, uint32_t type, uint32_t flags, uint64_t offset,
                     uint64_t vaddr, uint64_t filesz, uint64_t memsz);
void eb_set_entry(struct elf_builder *b, uint64_t entry);
/* Lays the image out (see above) into a fresh malloc'd buffer of exactly
 * the file length, stored in *len; resolves automatic offsets into b->ph.
 * The caller frees the buffer. */
uint8_t *eb_build(struct elf_builder *b, size_t *len);

/* A typical small static executable as a linker lays it out: text (R+X,
 * with the entry point), rodata (R), data + bss (R+W), and a PT_GNU_STACK,
 * at 0x400000 and above; well under 4 KiB of file. */
#define EB_STD_BASE  UINT64_C(0x400000)
#define EB_STD_ENTRY UINT64_C(0x400120)
void eb_std(struct elf_builder *b);

/* The byte at file offset `off` inside segment `index`'s file range. */
uint8_t eb_pattern_byte(unsigned index, uint64_t off);

void eb_put16(uint8_t *p, uint16_t v);
void eb_put32(uint8_t *p, uint32_t v);
void eb_put64(uint8_t *p, uint64_t v);

#endif
