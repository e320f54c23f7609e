/* Kernel object types and their sizes, shared by kernel and user space.
 *
 * The model is seL4's (manual chapters 2-3 and 8): all kernel memory comes
 * from Untyped objects by Retype, and every object has a fixed size that is
 * a power of two and is aligned to that size. Sizes are in bits: an object
 * of N bits occupies 2^N bytes. Four types have a size chosen at Retype:
 * Untyped (its size), CNode (its radix: 2^radix slots), SchedContext
 * (its size, which bounds the number of refills it holds) and IOSpace (its
 * size, which bounds its IO page tables).
 *
 * The values are ABI: never renumber, only append. */
#ifndef ATOLL_ABI_OBJECTS_H
#define ATOLL_ABI_OBJECTS_H

#include <stdint.h>

enum atoll_object_type {
    /* Memory objects: Untyped_Retype can create these. */
    ATOLL_OBJECT_UNTYPED = 0,
    ATOLL_OBJECT_CNODE = 1,
    ATOLL_OBJECT_TCB = 2,
    ATOLL_OBJECT_ENDPOINT = 3,
    ATOLL_OBJECT_NOTIFICATION = 4,
    ATOLL_OBJECT_REPLY = 5,
    ATOLL_OBJECT_SCHED_CONTEXT = 6,
    ATOLL_OBJECT_FRAME_4K = 7,
    ATOLL_OBJECT_FRAME_2M = 8,
    ATOLL_OBJECT_FRAME_1G = 9,
    ATOLL_OBJECT_PML4 = 10,
    ATOLL_OBJECT_PDPT = 11,
    ATOLL_OBJECT_PD = 12,
    ATOLL_OBJECT_PT = 13,
    /* VT-x (atoll/vcpu.h): Retype rejects them with ATOLL_ERR_INVALID_ARGUMENT
     * when the kernel runs without VT-x. IOSPACE: variable size,
     * atoll/iommu.h; IO_PAGE_TABLE stays reserved (an IOSpace holds its own
     * tables). */
    ATOLL_OBJECT_VCPU = 14,
    ATOLL_OBJECT_GUEST_SPACE = 15, /* EPT PML4: the root of a guest's physical space */
    ATOLL_OBJECT_EPT_PDPT = 16,
    ATOLL_OBJECT_EPT_PD = 17,
    ATOLL_OBJECT_EPT_PT = 18,
    /* Reserved for a later issue (VT-d). Retype rejects them with
     * ATOLL_ERR_INVALID_ARGUMENT until their objects exist. */
    ATOLL_OBJECT_IOSPACE = 19, /* a VT-d domain */
    ATOLL_OBJECT_IO_PAGE_TABLE = 20,
    ATOLL_OBJECT_MEMORY_TYPE_COUNT = 21,

    /* Capabilities to things that are not memory objects. The kernel creates
     * the control capabilities at boot; the others are issued by invoking a
     * control capability. Retype rejects all of them. */
    ATOLL_OBJECT_IRQ_CONTROL = 21,
    ATOLL_OBJECT_IRQ_HANDLER = 22,
    ATOLL_OBJECT_IOPORT_CONTROL = 23,
    ATOLL_OBJECT_IOPORT = 24,
    ATOLL_OBJECT_SCHED_CONTROL = 25, /* one per core: configures SchedContexts */
    /* VT-d: binds PCI functions to IOSpaces, reads fault records (iommu.h). */
    ATOLL_OBJECT_IOMMU_CONTROL = 26,
    ATOLL_OBJECT_TYPE_COUNT = 27,
};

/* Untyped: any size between these, inclusive (seL4_MinUntypedBits and
 * seL4_MaxUntypedBits on x86_64). The minimum is the smallest object. */
#define ATOLL_UNTYPED_MIN_BITS 4
#define ATOLL_UNTYPED_MAX_BITS 47

/* CNode: an array of 2^radix slots of 2^ATOLL_SLOT_SIZE_BITS bytes each.
 * A radix of 0 would be a CNode that resolves no bits of a capability
 * pointer, so the minimum is 1 (as in seL4); the maximum keeps the object
 * within the largest untyped. */
#define ATOLL_SLOT_SIZE_BITS     5
#define ATOLL_CNODE_MIN_RADIX    1
#define ATOLL_CNODE_MAX_RADIX    (ATOLL_UNTYPED_MAX_BITS - ATOLL_SLOT_SIZE_BITS)
#define ATOLL_CNODE_SIZE_BITS(r) ((r) + ATOLL_SLOT_SIZE_BITS)

/* Fixed-size objects. The TCB holds the saved registers, the XSAVE area and
 * the thread's own capability slots (CSpace root, VSpace root, IPC buffer,
 * fault and timeout endpoints, ...). */
#define ATOLL_TCB_SIZE_BITS           12
#define ATOLL_ENDPOINT_SIZE_BITS      5
#define ATOLL_NOTIFICATION_SIZE_BITS  5
#define ATOLL_REPLY_SIZE_BITS         5
#define ATOLL_FRAME_4K_SIZE_BITS      12
#define ATOLL_FRAME_2M_SIZE_BITS      21
#define ATOLL_FRAME_1G_SIZE_BITS      30
#define ATOLL_PAGE_TABLE_SIZE_BITS    12 /* PML4, PDPT, PD, PT: 512 entries of 8 bytes */
#define ATOLL_VCPU_SIZE_BITS          15 /* VMCS, bookkeeping + guest FPU, MSR and I/O bitmaps */
#define ATOLL_EPT_TABLE_SIZE_BITS     12
#define ATOLL_IO_PAGE_TABLE_SIZE_BITS 12

/* SchedContext: the size chosen at Retype bounds its refill list. */
#define ATOLL_SCHED_CONTEXT_MIN_BITS 8
#define ATOLL_SCHED_CONTEXT_MAX_BITS 12

/* Most objects one Untyped_Retype may create (seL4's
 * CONFIG_RETYPE_FAN_OUT_LIMIT): bounds the work of one invocation. */
#define ATOLL_RETYPE_MAX_OBJECTS 256

/* Slots in a TCB's own capability table: the first ones are named by the
 * TCB invocations; the rest are reserved. */
#define ATOLL_TCB_SLOT_COUNT 8

#endif
