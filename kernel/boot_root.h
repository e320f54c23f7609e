#ifndef ATOLL_KERNEL_BOOT_ROOT_H
#define ATOLL_KERNEL_BOOT_ROOT_H

#include <stdbool.h>
#include <stddef.h>

#include "phys_range.h"

struct tcb;

#include "../arch/x86_64/multiboot2.h"

/* Name of the boot module (its GRUB module2 string) holding the root
 * task's ELF image. */
#define ROOT_TASK_MODULE "init"
/* The root CNode has 2^ROOT_CNODE_RADIX slots. */
#define ROOT_CNODE_RADIX 13
/* Kernel-owned MMIO ranges kernel_main passes (local APIC, I/O APICs,
 * IOMMU units). */
#define BOOT_KERNEL_MMIO_MAX 32

/* Builds the root task: its CNode, TCB, address space from the ELF module,
 * IPC buffer and boot-information frames, the control capabilities, and
 * one untyped capability per block of free memory, then device untypeds
 * for the physical address space that is not RAM, except `kernel_mmio`
 * (devices the kernel drives); maps the other boot modules read-only into
 * it; then hands all remaining memory to it and makes it runnable. Returns false (after
 * saying why) if there is no usable module. */
bool boot_root_task(const struct mb2_boot *boot, unsigned cpus,
                    const struct phys_range *kernel_mmio, size_t mmio_count);

/* The root CNode's slots (NULL before boot_root_task): where the kernel's
 * invariant check starts. */
extern struct cap_slot *boot_root_cnode_slots;

/* The root task's thread (NULL before boot_root_task). Release builds let
 * only it use the debug console (kernel/syscall.c). */
extern struct tcb *boot_root_tcb;

#endif
