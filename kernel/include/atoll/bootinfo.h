/* The boot-information page the kernel gives the root task (its address
 * arrives in rdi at _start). It lists what the root task's CSpace holds:
 * fixed slots for its own objects and the control capabilities, then one
 * slot per untyped, in the order of `untyped[]`. Shared by kernel and user
 * space; the values are ABI. */
#ifndef ATOLL_ABI_BOOTINFO_H
#define ATOLL_ABI_BOOTINFO_H

#include <stdint.h>

/* Fixed slots of the root CNode. */
enum atoll_root_slot {
    ATOLL_SLOT_NULL = 0,        /* always empty */
    ATOLL_SLOT_ROOT_CNODE = 1,  /* the root CNode itself */
    ATOLL_SLOT_ROOT_TCB = 2,    /* the root task's thread */
    ATOLL_SLOT_ROOT_VSPACE = 3, /* its PML4 */
    ATOLL_SLOT_IRQ_CONTROL = 4,
    ATOLL_SLOT_IOPORT_CONTROL = 5,
    ATOLL_SLOT_BOOTINFO_FRAME = 6,
    ATOLL_SLOT_IPC_BUFFER = 7,    /* the root thread's IPC buffer frame */
    ATOLL_SLOT_SCHED_CONTROL = 8, /* first of `cpus` SchedControl caps */
    /* End of the 64 slots of the SchedControl caps and the root SC. */
    ATOLL_SLOT_SCHED_CONTROL_END = 8 + 64,
    /* VT-d (atoll/iommu.h); present even without a remapping unit. */
    ATOLL_SLOT_IOMMU_CONTROL = ATOLL_SLOT_SCHED_CONTROL_END,
    ATOLL_SLOT_FIRST_FREE_FIXED = ATOLL_SLOT_IOMMU_CONTROL + 1,
};

#define ATOLL_BOOTINFO_MAGIC       UINT64_C(0x6f666e69746f6f62) /* "bootinfo" */
#define ATOLL_BOOTINFO_MAX_UNTYPED 160

struct atoll_untyped_desc {
    uint64_t paddr;
    uint8_t size_bits;
    uint8_t is_device;
    uint8_t reserved[6];
};

/* A boot module other than the root task's own image (a GRUB `module2`
 * line: system spec, component images, guest images). The kernel maps it
 * read-only into the root task at `vaddr` (page-aligned; the bytes past
 * `size` up to the page end are zero or whatever the loader left) and
 * keeps its memory out of every untyped. The mapping is permanent and not
 * described by a capability. */
#define ATOLL_BOOTINFO_MAX_MODULES 15
#define ATOLL_MODULE_NAME_MAX      48
struct atoll_module_desc {
    char name[ATOLL_MODULE_NAME_MAX]; /* the module string up to its first space, NUL-terminated */
    uint64_t vaddr;
    uint64_t size; /* bytes */
};

struct atoll_bootinfo {
    uint64_t magic;
    uint64_t root_cnode_radix; /* the root CNode has 2^radix slots and a guard of
                                * 64 - radix zero bits: slot i is cptr i at depth 64 */
    uint64_t cpus;             /* cores online at boot */
    uint64_t ipc_buffer;       /* user address of the root thread's IPC buffer */
    uint64_t untyped_first;    /* slots [untyped_first, untyped_first + untyped_count) */
    uint64_t untyped_count;
    uint64_t empty_first; /* slots [empty_first, empty_last) are empty */
    uint64_t empty_last;
    uint64_t ioport_first, ioport_last; /* range IOPortControl may issue */
    /* Untyped memory: RAM first, then device memory (is_device: every
     * physical address below MAXPHYADDR that is neither RAM nor the first
     * MiB nor a device the kernel drives itself, such as the local APIC,
     * the I/O APICs and the IOMMU units; it can only become frames and
     * smaller device untypeds). */
    struct atoll_untyped_desc untyped[ATOLL_BOOTINFO_MAX_UNTYPED];
    uint64_t phys_bits; /* MAXPHYADDR */
    uint64_t features;  /* ATOLL_BOOTINFO_FEATURE_* */
    uint64_t module_count;
    struct atoll_module_desc modules[ATOLL_BOOTINFO_MAX_MODULES];
    uint64_t iommu_units; /* VT-d remapping units up (0: IOSpaces unusable) */
};

/* Bits of `features`. */
#define ATOLL_BOOTINFO_FEATURE_VMX (UINT64_C(1) << 0) /* VT-x is on: VCPUs can be made */
/* VT-d interrupt remapping is on: IRQControl_GetMSI returns remappable-format
 * address/data pairs, and each accepts only the PCI function it was issued
 * for (atoll/irq.h). */
#define ATOLL_BOOTINFO_FEATURE_IRQ_REMAP (UINT64_C(1) << 1)

#endif
