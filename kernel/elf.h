/* ELF64 executable parser for boot modules (System V gABI ch. 4-5, x86_64
 * psABI). The image is untrusted: every offset, size and address is checked
 * before use. Portable: also built on the host for unit tests and fuzzing. */
#ifndef ATOLL_KERNEL_ELF_H
#define ATOLL_KERNEL_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 16

/* Segment permission bits (p_flags). */
#define ELF_PF_X 0x1u
#define ELF_PF_W 0x2u
#define ELF_PF_R 0x4u

struct elf_segment {
    uint64_t vaddr; /* page-aligned start is vaddr & ~0xfff */
    uint64_t memsz;
    uint64_t offset; /* in the file */
    uint64_t filesz; /* <= memsz; the rest is zero-filled */
    uint32_t flags;  /* ELF_PF_* */
};

struct elf_image {
    uint64_t entry;
    uint32_t segment_count;
    struct elf_segment segments[ELF_MAX_SEGMENTS];
};

enum elf_error {
    ELF_OK = 0,
    ELF_ERR_TRUNCATED,   /* file shorter than a header or table says */
    ELF_ERR_NOT_ELF,     /* bad magic */
    ELF_ERR_UNSUPPORTED, /* not ELF64, little-endian, x86_64, executable */
    ELF_ERR_BAD_PHDRS,   /* program header table size or entry size wrong */
    ELF_ERR_BAD_SEGMENT, /* filesz > memsz, data past the file, overflow */
    ELF_ERR_BAD_ADDRESS, /* segment or entry outside [addr_min, addr_max) */
    ELF_ERR_OVERLAP,     /* two loadable segments share a page */
    ELF_ERR_TOO_MANY,    /* more than ELF_MAX_SEGMENTS loadable segments */
    ELF_ERR_NO_SEGMENTS,
};

/* Parses `len` bytes at `data`. Loadable segments and the entry point must
 * lie in [addr_min, addr_max); the entry point must be inside an
 * executable segment. Returns ELF_OK and fills `out`, or an error. */
enum elf_error elf_parse(const void *data, size_t len, uint64_t addr_min, uint64_t addr_max,
                         struct elf_image *out);
const char *elf_error_name(enum elf_error e);

#endif
