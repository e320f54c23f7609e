/* Virtual memory layout of the kernel; keep in step with layout.inc and
 * linker.ld. */
#ifndef ATOLL_ARCH_LAYOUT_H
#define ATOLL_ARCH_LAYOUT_H

#include <stdint.h>

/* Kernel image: the top 2 GiB, so -mcmodel=kernel addressing works. */
#define KERNEL_VMA UINT64_C(0xffffffff80000000)
/* Direct map of physical memory (RAM and firmware tables), write-back. */
#define PHYSMAP_BASE UINT64_C(0xffff800000000000)
/* Largest physical address the direct map covers (512 GiB: one PML4 slot). */
#define PHYSMAP_MAX (UINT64_C(512) << 30)
/* Uncached device windows (LAPIC, IOAPIC, ECAM), 4 KiB pages. */
#define MMIO_BASE UINT64_C(0xffffc00000000000)
#define MMIO_SIZE (UINT64_C(1) << 30)

#define PAGE_SIZE         UINT64_C(4096)
#define LARGE_PAGE        (UINT64_C(2) << 20)
#define HUGE_PAGE         (UINT64_C(1) << 30)
#define KERNEL_STACK_SIZE 16384
#define IST_STACK_SIZE    8192

#endif
