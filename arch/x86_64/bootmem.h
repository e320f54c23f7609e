/* Boot-time page allocator: hands out zeroed 4 KiB pages from the
 * Multiboot2 memory map, below 4 GiB (so the boot identity map reaches
 * them), avoiding the kernel image, the boot information and the modules.
 * Used only before the kernel hands memory to user space as untyped. */
#ifndef ATOLL_ARCH_BOOTMEM_H
#define ATOLL_ARCH_BOOTMEM_H

#include <stdint.h>

#include "multiboot2.h"

void bootmem_init(const struct mb2_boot *boot);
/* Excludes [base, base+len) from allocation (before the first alloc). */
void bootmem_reserve(uint64_t base, uint64_t len);
/* Returns a zeroed page's physical address; stops the system if memory
 * runs out (boot cannot continue without its own tables). */
uint64_t bootmem_alloc_page(void);
/* Allocates a page below 1 MiB (for the AP start-up trampoline); returns 0
 * if the memory map has none free. */
uint64_t bootmem_alloc_low_page(void);
uint64_t bootmem_pages_used(void);

/* Allocates 2^size_bits zeroed bytes aligned to their size (boot-time
 * kernel objects: the root CNode, TCB, frames). */
uint64_t bootmem_alloc_aligned(unsigned size_bits);

/* Ends boot allocation: from now on all memory belongs to user space as
 * untyped, and a further bootmem_alloc_* stops the system (a kernel bug).
 * Calls `fn` for every free range left: available in the memory map, in
 * [1 MiB, limit), not reserved, not handed out. */
typedef void (*bootmem_range_fn)(uint64_t base, uint64_t end, void *ctx);
void bootmem_freeze(uint64_t limit, bootmem_range_fn fn, void *ctx);

#endif
