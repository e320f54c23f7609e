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

#endif
