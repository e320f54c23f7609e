/* Invocation labels and argument layouts, shared by kernel and user space.
 *
 * An invocation is a Call (or Send) on a capability to a kernel object; the
 * label in the message info selects the operation, the message words are
 * its arguments (the first ATOLL_MSG_REGISTERS in registers, the rest in
 * the IPC buffer) and extra capabilities travel by capability pointer. The
 * operations are seL4's (reference manual: "CNode Methods", "Kernel Memory
 * Allocation")
 * with our own numbering; each object has its own block of labels so that
 * a label invoked on the wrong kind of capability is rejected with
 * ATOLL_ERR_ILLEGAL_OPERATION.
 *
 * Capability pointers in the arguments are (index, depth) pairs resolved
 * against a CNode capability: the low `depth` bits of `index` are
 * translated through guards and radixes, most significant first, and the
 * translation must end exactly at the last bit (seL4 manual, "CSpace
 * Addressing").
 *
 * The values are ABI: never renumber, only append. */
#ifndef ATOLL_ABI_INVOCATION_H
#define ATOLL_ABI_INVOCATION_H

#include <stdint.h>

enum atoll_invocation_label {
    ATOLL_INVOCATION_INVALID = 0,

    /* Untyped */
    ATOLL_UNTYPED_RETYPE = 0x01,

    /* CNode: the invoked CNode capability is the root of the destination
     * pointer (and of the slot for Revoke and Delete). */
    ATOLL_CNODE_FIRST = 0x10,
    ATOLL_CNODE_REVOKE = 0x10,
    ATOLL_CNODE_DELETE = 0x11,
    ATOLL_CNODE_COPY = 0x12,
    ATOLL_CNODE_MINT = 0x13,
    ATOLL_CNODE_MOVE = 0x14,
    ATOLL_CNODE_MUTATE = 0x15,
    ATOLL_CNODE_ROTATE = 0x16,
    ATOLL_CNODE_LAST = 0x16,

    /* Blocks reserved for the other objects; their issues define the
     * labels inside them. */
    ATOLL_TCB_FIRST = 0x20,
    ATOLL_ENDPOINT_FIRST = 0x40,
    ATOLL_NOTIFICATION_FIRST = 0x48,
    ATOLL_REPLY_FIRST = 0x50,
    ATOLL_SCHED_CONTEXT_FIRST = 0x58,
    ATOLL_SCHED_CONTROL_FIRST = 0x60,
    ATOLL_IRQ_CONTROL_FIRST = 0x68,
    ATOLL_IRQ_HANDLER_FIRST = 0x70,
    ATOLL_IOPORT_CONTROL_FIRST = 0x78,
    ATOLL_IOPORT_FIRST = 0x80,
    ATOLL_VSPACE_FIRST = 0x90, /* PML4: multi-frame map/unmap */
    ATOLL_PAGE_TABLE_FIRST = 0xa0,
    ATOLL_FRAME_FIRST = 0xb0,
    ATOLL_VCPU_FIRST = 0xc0,
    ATOLL_GUEST_SPACE_FIRST = 0xd0,
    ATOLL_IOSPACE_FIRST = 0xe0,
};

/* Untyped_Retype. Extra capability 0: the CNode capability the destination
 * CNode is looked up from. Creates `count` objects of `type` at slots
 * [offset, offset + count) of the destination CNode, which is the extra
 * capability itself when node_depth is 0 and otherwise the CNode that
 * (node_index, node_depth) names through it. `size_bits` is read only for
 * UNTYPED (size), CNODE (radix) and SCHED_CONTEXT (size). */
enum atoll_retype_argument {
    ATOLL_RETYPE_ARG_TYPE = 0,
    ATOLL_RETYPE_ARG_SIZE_BITS = 1,
    ATOLL_RETYPE_ARG_NODE_INDEX = 2,
    ATOLL_RETYPE_ARG_NODE_DEPTH = 3,
    ATOLL_RETYPE_ARG_NODE_OFFSET = 4,
    ATOLL_RETYPE_ARG_COUNT = 5,
    ATOLL_RETYPE_ARGS = 6,
};
#define ATOLL_RETYPE_EXTRA_CAPS 1

/* CNode Copy, Mint, Move, Mutate: extra capability 0 is the root of the
 * source pointer. RIGHTS (a mask of ATOLL_RIGHT_*, Copy and Mint) can only
 * remove rights. DATA is the badge (Mint of an unbadged endpoint or
 * notification capability) or the CNode guard (ATOLL_CNODE_GUARD_DATA;
 * Mint and Mutate of a CNode capability); other capabilities ignore it. */
enum atoll_cnode_argument {
    ATOLL_CNODE_ARG_DEST_INDEX = 0,
    ATOLL_CNODE_ARG_DEST_DEPTH = 1,
    ATOLL_CNODE_ARG_SRC_INDEX = 2,
    ATOLL_CNODE_ARG_SRC_DEPTH = 3,
    ATOLL_CNODE_ARG_RIGHTS = 4,      /* Copy, Mint */
    ATOLL_CNODE_ARG_MINT_DATA = 5,   /* Mint */
    ATOLL_CNODE_ARG_MUTATE_DATA = 4, /* Mutate */
};
#define ATOLL_CNODE_SLOT_ARGS       2 /* Revoke, Delete */
#define ATOLL_CNODE_MOVE_ARGS       4
#define ATOLL_CNODE_COPY_ARGS       5
#define ATOLL_CNODE_MUTATE_ARGS     5
#define ATOLL_CNODE_MINT_ARGS       6
#define ATOLL_CNODE_COPY_EXTRA_CAPS 1

/* CNode Rotate: the capability in the pivot slot moves to the destination
 * and the one in the source slot moves to the pivot, each with its DATA
 * applied as by Mutate (seL4_CNode_Rotate). Source and destination may be
 * the same slot (a swap). Extra capabilities: 0 the pivot root, 1 the
 * source root. */
enum atoll_cnode_rotate_argument {
    ATOLL_ROTATE_ARG_DEST_INDEX = 0,
    ATOLL_ROTATE_ARG_DEST_DEPTH = 1,
    ATOLL_ROTATE_ARG_DEST_DATA = 2, /* applied to the pivot's capability */
    ATOLL_ROTATE_ARG_PIVOT_INDEX = 3,
    ATOLL_ROTATE_ARG_PIVOT_DEPTH = 4,
    ATOLL_ROTATE_ARG_PIVOT_DATA = 5, /* applied to the source's capability */
    ATOLL_ROTATE_ARG_SRC_INDEX = 6,
    ATOLL_ROTATE_ARG_SRC_DEPTH = 7,
    ATOLL_ROTATE_ARGS = 8,
};
#define ATOLL_ROTATE_EXTRA_CAPS 2

/* DATA word for a CNode capability: the guard size in the low bits and the
 * guard above it (seL4_CNode_CapData). The guard size plus the CNode's
 * radix may not exceed 64. */
#define ATOLL_CNODE_GUARD_SIZE_BITS 6
#define ATOLL_CNODE_GUARD_DATA(guard, guard_size)                                                  \
    (((uint64_t)(guard) << ATOLL_CNODE_GUARD_SIZE_BITS) | (uint64_t)(guard_size))

/* The most bits a capability pointer has. */
#define ATOLL_CPTR_BITS 64

/* ---- Address spaces (block ATOLL_VSPACE_FIRST: the PML4 capability;
 * ATOLL_PAGE_TABLE_FIRST: PDPT, PD and PT capabilities; ATOLL_FRAME_FIRST:
 * frame capabilities). x86_64 four-level paging as in seL4 (manual, "x86
 * page directories", "Page"; PageTable_Map, Page_Map/Unmap/GetAddress).
 *
 * A VSpace is a PML4 object. Page tables are installed one level at a time
 * with PageTable_Map: a PDPT into a PML4 entry (512 GiB), a PD into a PDPT
 * entry (1 GiB), a PT into a PD entry (2 MiB); the address is rounded down
 * to what the table covers. Frames go in at the level of their size: 4 KiB
 * into a PT, 2 MiB into a PD, 1 GiB into a PDPT (1 GiB only where the CPU
 * has 1 GiB pages). Only the lower half, [0, ATOLL_USER_ADDR_END), can be
 * mapped; the upper half is the kernel's.
 *
 * Each frame capability describes at most one mapping, its own: to map a
 * frame at a second place, map a copy of its capability (CNode_Copy gives
 * an unmapped copy). Mapping a capability again at the place it is mapped
 * changes the rights and attributes; anywhere else is an error. Deleting a
 * mapped frame or page-table capability unmaps it; unmapping invalidates
 * the translation on every core before the invocation returns.
 * A page-table capability can be copied only while the table is mapped,
 * and unmapped only through its last capability (REVOKE_FIRST otherwise);
 * unmapping empties the table.
 *
 * The kernel names each VSpace by an address-space id, given at its first
 * map (or by VSpace_Assign) and freed when its last capability goes. A PML4
 * capability can be copied only once its VSpace has an id.
 *
 * Errors common to the map operations, with the word of the address:
 *   INVALID_ARGUMENT   address at or above ATOLL_USER_ADDR_END (kernel half
 *                      or not canonical)
 *   ALIGNMENT_ERROR    frame address not aligned to the frame size
 *                      (value0: its size in bits)
 *   FAILED_LOOKUP      a table on the way is missing (or is a large page):
 *                      value0 ATOLL_LOOKUP_MISSING_CAPABILITY, value1 the
 *                      bits left to translate where it was missing (39: no
 *                      PDPT, 30: no PD, 21: no PT)
 *   DELETE_FIRST       the entry is in use (value0: its virtual address)
 *   NOT_ENOUGH_MEMORY  every address-space id is taken (value0: 0) */
#define ATOLL_USER_ADDR_END UINT64_C(0x0000800000000000)

/* Map attributes (a mask). Without EXECUTABLE the mapping is no-execute;
 * UNCACHED maps the frame strong-uncacheable (PCD|PWT), which device
 * frames always are. */
#define ATOLL_VM_EXECUTABLE     (UINT64_C(1) << 0)
#define ATOLL_VM_UNCACHED       (UINT64_C(1) << 1)
#define ATOLL_VM_ATTRIBUTES_ALL (ATOLL_VM_EXECUTABLE | ATOLL_VM_UNCACHED)

/* Rights of a frame mapping: the frame capability's rights intersected
 * with the RIGHTS word (a mask of ATOLL_RIGHT_*; GRANT bits are ignored).
 * x86 has no write-only pages: READ is required; without WRITE the mapping
 * is read-only. User mappings are never global. */

enum atoll_vspace_label {
    /* Maps `count` frames held in consecutive slots of one CNode to
     * consecutive virtual pages from `vaddr`, all or nothing: every frame
     * and every target entry is checked before any is written. Extra
     * capability 0: the CNode the slots are looked up from (the CNode
     * itself at node_depth 0, else the CNode (node_index, node_depth) names
     * through it, as for Untyped_Retype). All frames must have the size of
     * the first. Errors about one frame of the range carry its slot offset
     * in value2: FAILED_LOOKUP (MISSING_CAPABILITY, argument NODE_OFFSET) for
     * a slot without a frame of that size, INVALID_ARGUMENT NODE_OFFSET for
     * a frame mapped elsewhere, INVALID_ARGUMENT RIGHTS for one without
     * READ, and FAILED_LOOKUP/DELETE_FIRST (argument VADDR) for its entry. */
    ATOLL_VSPACE_MAP_FRAMES = ATOLL_VSPACE_FIRST + 0,
    /* Unmaps the frames of a slot range (same addressing; any sizes) that
     * are mapped in this VSpace, with one TLB invalidation for all; frames
     * that are not mapped are skipped. All or nothing: a slot without a
     * frame (FAILED_LOOKUP) or a frame mapped in another live VSpace
     * (INVALID_ARGUMENT NODE_OFFSET) fails the whole call (value2: slot). */
    ATOLL_VSPACE_UNMAP_FRAMES = ATOLL_VSPACE_FIRST + 1,
    /* Gives the VSpace its address-space id now (maps do it implicitly),
     * so that its capability can be copied. No arguments. */
    ATOLL_VSPACE_ASSIGN = ATOLL_VSPACE_FIRST + 2,
};

enum atoll_vspace_map_frames_argument {
    ATOLL_VSPACE_ARG_VADDR = 0,
    ATOLL_VSPACE_ARG_RIGHTS = 1,
    ATOLL_VSPACE_ARG_ATTRIBUTES = 2,
    ATOLL_VSPACE_ARG_NODE_INDEX = 3,
    ATOLL_VSPACE_ARG_NODE_DEPTH = 4,
    ATOLL_VSPACE_ARG_NODE_OFFSET = 5,
    ATOLL_VSPACE_ARG_COUNT = 6,
    ATOLL_VSPACE_MAP_FRAMES_ARGS = 7,
};

enum atoll_vspace_unmap_frames_argument {
    ATOLL_VSPACE_UNMAP_ARG_NODE_INDEX = 0,
    ATOLL_VSPACE_UNMAP_ARG_NODE_DEPTH = 1,
    ATOLL_VSPACE_UNMAP_ARG_NODE_OFFSET = 2,
    ATOLL_VSPACE_UNMAP_ARG_COUNT = 3,
    ATOLL_VSPACE_UNMAP_FRAMES_ARGS = 4,
};
#define ATOLL_VSPACE_FRAMES_EXTRA_CAPS 1
/* Most frames one MapFrames/UnmapFrames may name: bounds its work. */
#define ATOLL_VSPACE_MAX_FRAMES 512

enum atoll_page_table_label {
    /* words: vaddr. Extra capability 0: the VSpace (PML4). Errors besides
     * the common ones: ILLEGAL_OPERATION when the table is already mapped,
     * INVALID_CAPABILITY 0 when the extra capability is not a PML4. */
    ATOLL_PAGE_TABLE_MAP = ATOLL_PAGE_TABLE_FIRST + 0,
    /* No arguments. REVOKE_FIRST while copies of the capability exist. */
    ATOLL_PAGE_TABLE_UNMAP = ATOLL_PAGE_TABLE_FIRST + 1,
};

enum atoll_page_table_argument {
    ATOLL_PAGE_TABLE_ARG_VADDR = 0,
    ATOLL_PAGE_TABLE_MAP_ARGS = 1,
};
#define ATOLL_PAGE_TABLE_MAP_EXTRA_CAPS 1

enum atoll_frame_label {
    /* words: vaddr, rights, attributes. Extra capability 0: the VSpace
     * (PML4). Errors besides the common ones: INVALID_CAPABILITY 0 when the
     * extra capability is not a PML4 or the frame is mapped in another
     * VSpace; INVALID_ARGUMENT 0 when it is mapped at another address;
     * INVALID_ARGUMENT 1 when the rights allow no READ (value0: the
     * capability's rights) or name unknown bits; INVALID_ARGUMENT 2 for
     * unknown attribute bits; ILLEGAL_OPERATION for a 1 GiB frame on a CPU
     * without 1 GiB pages. */
    ATOLL_FRAME_MAP = ATOLL_FRAME_FIRST + 0,
    /* No arguments; a frame that is not mapped is left alone. */
    ATOLL_FRAME_UNMAP = ATOLL_FRAME_FIRST + 1,
    /* No arguments. Reply word 0: the frame's physical address (for DMA). */
    ATOLL_FRAME_GET_ADDRESS = ATOLL_FRAME_FIRST + 2,
};

enum atoll_frame_argument {
    ATOLL_FRAME_ARG_VADDR = 0,
    ATOLL_FRAME_ARG_RIGHTS = 1,
    ATOLL_FRAME_ARG_ATTRIBUTES = 2,
    ATOLL_FRAME_MAP_ARGS = 3,
};
#define ATOLL_FRAME_MAP_EXTRA_CAPS 1

#endif
