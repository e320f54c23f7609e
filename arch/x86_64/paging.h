/* 4-level paging (SDM Vol. 3A 4.5). */
#ifndef ATOLL_ARCH_PAGING_H
#define ATOLL_ARCH_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#include "layout.h"

#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_U    (1ull << 2)
#define PTE_PWT  (1ull << 3)
#define PTE_PCD  (1ull << 4)
#define PTE_A    (1ull << 5)
#define PTE_D    (1ull << 6)
#define PTE_PS   (1ull << 7)
#define PTE_G    (1ull << 8)
#define PTE_NX   (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

#define PT_ENTRIES     512
#define PML4_INDEX(va) (((va) >> 39) & 0x1ff)
#define PDPT_INDEX(va) (((va) >> 30) & 0x1ff)
#define PD_INDEX(va)   (((va) >> 21) & 0x1ff)
#define PT_INDEX(va)   (((va) >> 12) & 0x1ff)

/* Physical memory is reached through the boot identity map until
 * paging_init() switches to the kernel's own tables, then through the
 * direct map. */
void *phys_to_virt(uint64_t phys);
bool phys_is_mapped(uint64_t phys, uint64_t len);
/* End of the direct map: physical memory beyond it is not usable. */
uint64_t physmap_limit(void);

/* Builds the kernel's page tables: kernel image with per-section rights,
 * a write-back non-executable direct map of [0, phys_top), and switches to
 * them. Enables NX, global pages, SMEP/SMAP/UMIP where present. */
void paging_init(uint64_t phys_top);

/* Maps device registers uncached in the MMIO window; returns NULL when the
 * window is full or the range is invalid. */
volatile void *mmio_map(uint64_t phys, uint64_t size);

/* Sets NX, WP, global pages, SMEP, SMAP, UMIP on the calling core. */
void paging_enable_protections(void);

extern uint64_t kernel_pml4_phys;

/* User address spaces (until VSpace objects replace this boot-time path):
 * a new top-level table sharing the kernel half, and 4 KiB user mappings
 * in it. Intermediate tables come from the boot allocator. */
uint64_t paging_new_user_pml4(void);
/* Fills the kernel half of a zeroed top-level table (a PML4 object fresh
 * from Retype). */
void paging_copy_kernel_half(uint64_t pml4_phys);
void paging_map_user_page(uint64_t pml4_phys, uint64_t va, uint64_t pa, uint64_t flags);

/* Lowest and highest+1 user virtual address (canonical lower half). */
#define USER_ADDR_MIN UINT64_C(0x1000)
#define USER_ADDR_MAX UINT64_C(0x0000800000000000)

struct paging_features {
    bool nx, smep, smap, umip, global, page1g;
};
extern struct paging_features paging_features;

#endif
