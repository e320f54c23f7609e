/* Address-space objects (see vspace.h and the ABI in atoll/invocation.h):
 * seL4's x86_64 VSpace (manual, "x86 page directories", "Page"; its
 * decodeX86FrameInvocation and decodeX86PageTableInvocation) in our terms.
 *
 * Decode, then perform (shared/STYLE.md): each decode_* function walks the
 * page tables and checks every capability, argument and target entry
 * without changing anything, and fills a struct vspace_op; perform() then
 * cannot fail (it walks again and finds what decode found: nothing changes
 * in between, under the kernel lock).
 *
 * Safety rests on one invariant: every table reachable from a live PML4 is
 * a live page-table object (or a boot table of the root task, which is
 * never freed), and every frame a reachable entry points at has a
 * capability whose word 1 leads to that entry. It holds because
 *   - a table or frame enters an entry only by its own map, which records
 *     (id, vaddr) in its capability, and a mapped table capability cannot
 *     be mapped again;
 *   - deleting the last capability of a table, or any frame capability,
 *     clears the entry it recorded if that entry still points at it;
 *   - unmapping a table clears its entry and then empties the table, so a
 *     table that is not mapped is empty (seL4 does the same), and a table
 *     cut off from its VSpace (its parent went first) is unreachable until
 *     its own unmap empties it;
 *   - a PML4 whose last capability goes loses its id (so recorded mappings
 *     into it are void), its user half is cleared and no core keeps it in
 *     CR3 (tlb_retire_space).
 * The kernel allocates nothing: tables come from Retype (zeroed), the id
 * table is static. */
#include "vspace.h"
#include "paging.h"
#include "tlb.h"
#include "x86.h"
#include "../../kernel/kstring.h"
#include "../../kernel/cap/cspace.h"
#include "../../kernel/cap/mdb.h"
#include "../../kernel/cap/platform.h"
#include "../../vtx/ept.h"
#include "../../iommu/iospace.h"
#include "../../kernel/root_ids.h"

/* Paging levels, named by the table an entry lives in (SDM Vol. 3A 4.5). */
enum level {
    LEVEL_PML4 = 0,
    LEVEL_PDPT = 1,
    LEVEL_PD = 2,
    LEVEL_PT = 3,
};

/* Bits of a virtual address below the index into each level's table: what
 * one entry of that level covers. */
static const unsigned level_shift[] = {39, 30, 21, 12};

/* Entries that point at a page table: the leaf decides rights and caching
 * (SDM Vol. 3A 4.6: the most restrictive level wins, so tables allow all). */
#define TABLE_ENTRY_FLAGS (PTE_P | PTE_W | PTE_U)

#define MAPPING_ASID_SHIFT 48
#define MAPPING_VADDR_MASK ((UINT64_C(1) << MAPPING_ASID_SHIFT) - 1)

/* The address-space id table: PML4 physical address per id, 0 when free.
 * Id 0 is never used, so that a mapping word is never 0. */
static uint64_t asid_roots[VSPACE_ASID_COUNT];
static struct root_ids asids = {asid_roots, VSPACE_ASID_COUNT, 1};

enum vspace_op_kind {
    OP_TABLE_MAP,
    OP_TABLE_UNMAP,
    OP_FRAME_MAP,
    OP_FRAME_UNMAP,
    OP_FRAME_GET_ADDRESS,
    OP_MAP_FRAMES,
    OP_UNMAP_FRAMES,
    OP_ASSIGN,
};

/* A decoded invocation. */
struct vspace_op {
    enum vspace_op_kind kind;
    struct cap_slot *target; /* the invoked capability */
    struct cap_slot *vspace; /* the PML4 capability involved, or NULL */
    unsigned asid;           /* the VSpace's id (maps, UnmapFrames) */
    bool new_asid;           /* `asid` is free and becomes the VSpace's */
    uint64_t vaddr;          /* maps: the (first) address */
    uint64_t rights;         /* frame maps: the requested rights */
    uint64_t attributes;     /* frame maps: the requested attributes */
    struct cap_slot *frames; /* MapFrames, UnmapFrames: the first slot */
    uint64_t count;          /* and how many */
};

/* Message-word indices of a slot range (MapFrames, UnmapFrames). */
struct range_arguments {
    uint64_t node_index, node_depth, node_offset, count;
};

/* ---- Small helpers ---- */

static unsigned entry_index(uint64_t vaddr, enum level level)
{
    return (unsigned)((vaddr >> level_shift[level]) & (PT_ENTRIES - 1));
}

static uint64_t mapping_word(unsigned asid, uint64_t vaddr)
{
    return ((uint64_t)asid << MAPPING_ASID_SHIFT) | (vaddr & MAPPING_VADDR_MASK);
}

static unsigned mapping_asid(uint64_t mapping)
{
    return (unsigned)(mapping >> MAPPING_ASID_SHIFT);
}

static uint64_t mapping_vaddr(uint64_t mapping)
{
    return mapping & MAPPING_VADDR_MASK;
}

/* The PML4 an id names, 0 if the id is free (or out of range). */
static uint64_t asid_root(unsigned asid)
{
    return root_ids_root(&asids, asid);
}

static unsigned frame_size_bits(enum cap_type t)
{
    switch (t) {
    case CAP_FRAME_2M:
        return ATOLL_FRAME_2M_SIZE_BITS;
    case CAP_FRAME_1G:
        return ATOLL_FRAME_1G_SIZE_BITS;
    default:
        return ATOLL_FRAME_4K_SIZE_BITS;
    }
}

/* The level whose entry maps a frame of this type. */
static enum level frame_level(enum cap_type t)
{
    switch (t) {
    case CAP_FRAME_2M:
        return LEVEL_PD;
    case CAP_FRAME_1G:
        return LEVEL_PDPT;
    default:
        return LEVEL_PT;
    }
}

/* The level whose entry points at a page table of this type. */
static enum level table_parent_level(enum cap_type t)
{
    switch (t) {
    case CAP_PDPT:
        return LEVEL_PML4;
    case CAP_PD:
        return LEVEL_PDPT;
    default: /* CAP_PT */
        return LEVEL_PD;
    }
}

/* The entry at `level` that translates `vaddr` in the VSpace rooted at
 * `root`. NULL when a table on the way is missing or is a large page;
 * `missing_bits` then says how many bits were left to translate there. */
static uint64_t *walk(uint64_t root, uint64_t vaddr, enum level level, unsigned *missing_bits)
{
    uint64_t *table = phys_to_virt(root);
    for (unsigned l = LEVEL_PML4; l < (unsigned)level; l++) {
        uint64_t entry = table[entry_index(vaddr, (enum level)l)];
        if (!(entry & PTE_P) || (entry & PTE_PS)) {
            *missing_bits = level_shift[l];
            return NULL;
        }
        table = phys_to_virt(entry & PTE_ADDR);
    }
    return &table[entry_index(vaddr, level)];
}

static bool entry_maps_frame(uint64_t entry, uint64_t paddr, enum level level)
{
    if (!(entry & PTE_P))
        return false;
    if (level == LEVEL_PT) /* bit 7 of a 4 KiB entry is PAT, not PS */
        return (entry & PTE_ADDR) == paddr;
    uint64_t size_mask = cap_bits_mask(level_shift[level]);
    return (entry & PTE_PS) && (entry & PTE_ADDR & ~size_mask) == paddr;
}

static bool entry_points_at_table(uint64_t entry, uint64_t table)
{
    return (entry & PTE_P) && !(entry & PTE_PS) && (entry & PTE_ADDR) == table;
}

/* ---- Address-space ids ---- */

/* The id of the VSpace whose PML4 capability is `vspace`, 0 if it has
 * none yet. */
static unsigned vspace_asid(const struct cap *vspace)
{
    return root_ids_of(&asids, vspace);
}

/* Decode: the id the VSpace in `slot` has, or the free one it will get. */
static struct atoll_error_detail decode_asid(struct cap_slot *slot, struct vspace_op *op)
{
    op->vspace = slot;
    op->asid = vspace_asid(&slot->cap);
    op->new_asid = false;
    if (op->asid != 0)
        return cap_ok();
    op->asid = root_ids_find_free(&asids);
    if (op->asid == 0) {
        struct atoll_error_detail e = cap_error(ATOLL_ERR_NOT_ENOUGH_MEMORY, 0);
        e.value0 = 0;
        return e;
    }
    op->new_asid = true;
    return cap_ok();
}

/* Perform: claims the id if it is new and records it in the capability
 * used, so that the next lookup needs no search. */
static void perform_asid(const struct vspace_op *op)
{
    if (op->new_asid)
        root_ids_claim(&asids, op->asid, &op->vspace->cap);
    else
        op->vspace->cap.words[1] = op->asid;
}

/* ---- Checks shared by the decoders ---- */

static struct atoll_error_detail missing_table(uint64_t argument, unsigned bits_left)
{
    struct atoll_error_detail e = cap_lookup_error(ATOLL_LOOKUP_MISSING_CAPABILITY, bits_left, 0);
    e.argument = argument;
    return e;
}

static struct atoll_error_detail invalid_argument(uint64_t argument, uint64_t slot)
{
    struct atoll_error_detail e = cap_error(ATOLL_ERR_INVALID_ARGUMENT, argument);
    e.value2 = slot;
    return e;
}

/* A range slot without a frame of the wanted kind. */
static struct atoll_error_detail not_a_frame(uint64_t argument, uint64_t slot)
{
    struct atoll_error_detail e = missing_table(argument, 0);
    e.value2 = slot;
    return e;
}

/* Unknown bits in the rights or attributes words. */
static struct atoll_error_detail check_map_words(uint64_t rights, uint64_t attributes,
                                                 uint64_t rights_arg, uint64_t attributes_arg)
{
    if (rights & ~ATOLL_RIGHTS_ALL)
        return cap_error(ATOLL_ERR_INVALID_ARGUMENT, rights_arg);
    if (attributes & ~ATOLL_VM_ATTRIBUTES_ALL)
        return cap_error(ATOLL_ERR_INVALID_ARGUMENT, attributes_arg);
    return cap_ok();
}

/* The rights of a mapping: READ is needed (x86 has no write-only pages). */
static struct atoll_error_detail check_frame_rights(const struct cap *frame, uint64_t rights,
                                                    uint64_t rights_arg)
{
    if (!(cap_rights(frame) & rights & ATOLL_RIGHT_READ)) {
        struct atoll_error_detail e = cap_error(ATOLL_ERR_INVALID_ARGUMENT, rights_arg);
        e.value0 = cap_rights(frame);
        return e;
    }
    return cap_ok();
}

/* A frame's leaf entry; the rights and attributes have been checked. */
static uint64_t frame_entry(const struct cap *frame, uint64_t rights, uint64_t attributes)
{
    uint64_t entry = cap_paddr(frame) | PTE_P | PTE_U;
    rights &= cap_rights(frame);
    if (rights & ATOLL_RIGHT_WRITE)
        entry |= PTE_W;
    if (!(attributes & ATOLL_VM_EXECUTABLE) && paging_features.nx)
        entry |= PTE_NX;
    if ((attributes & ATOLL_VM_UNCACHED) || cap_frame_is_device(frame))
        entry |= PTE_PCD | PTE_PWT; /* strong uncacheable with the default PAT */
    if (cap_type(frame) != CAP_FRAME_4K)
        entry |= PTE_PS;
    return entry;
}

/* A frame address in the user half, aligned to the frame. */
static struct atoll_error_detail check_frame_vaddr(uint64_t vaddr, unsigned bits, uint64_t argument)
{
    if (vaddr >= ATOLL_USER_ADDR_END)
        return cap_error(ATOLL_ERR_INVALID_ARGUMENT, argument);
    if (vaddr & cap_bits_mask(bits)) {
        struct atoll_error_detail e = cap_error(ATOLL_ERR_ALIGNMENT_ERROR, argument);
        e.value0 = bits;
        return e;
    }
    return cap_ok();
}

/* The entry a frame goes into exists and is free, or (remap) already maps
 * this frame. */
static struct atoll_error_detail check_frame_entry(uint64_t root, uint64_t vaddr,
                                                   const struct cap *frame, bool remap,
                                                   uint64_t argument)
{
    enum level level = frame_level(cap_type(frame));
    unsigned bits_left;
    uint64_t *entry = walk(root, vaddr, level, &bits_left);
    if (entry == NULL)
        return missing_table(argument, bits_left);
    if ((*entry & PTE_P) && !(remap && entry_maps_frame(*entry, cap_paddr(frame), level))) {
        struct atoll_error_detail e = cap_error(ATOLL_ERR_DELETE_FIRST, argument);
        e.value0 = vaddr;
        return e;
    }
    return cap_ok();
}

/* The CNode slots [offset, offset + count) that a range names (the same
 * addressing and errors as Untyped_Retype's destination). */
static struct atoll_error_detail decode_range(const struct cap *root, const uint64_t *words,
                                              const struct range_arguments *a,
                                              struct cap_slot **first)
{
    uint64_t depth = words[a->node_depth];
    const struct cap *node = root;
    struct atoll_error_detail e;

    if (depth != 0) {
        struct cap_slot *slot;
        e = cap_lookup_slot(root, words[a->node_index], depth, &slot);
        if (cap_failed(&e)) {
            e.argument = e.code == ATOLL_ERR_RANGE_ERROR ? a->node_depth : a->node_index;
            return e;
        }
        node = &slot->cap;
    }
    if (cap_type(node) != CAP_CNODE) {
        e = cap_lookup_error(
            depth == 0 ? ATOLL_LOOKUP_INVALID_ROOT : ATOLL_LOOKUP_MISSING_CAPABILITY, 0, 0);
        e.argument = a->node_index;
        return e;
    }
    uint64_t slots = cap_container_slot_count(node);
    uint64_t offset = words[a->node_offset];
    uint64_t count = words[a->count];
    if (offset > slots - 1)
        return cap_range_error(a->node_offset, 0, slots - 1);
    if (count < 1 || count > ATOLL_VSPACE_MAX_FRAMES)
        return cap_range_error(a->count, 1, ATOLL_VSPACE_MAX_FRAMES);
    if (count > slots - offset)
        return cap_range_error(a->count, 1, slots - offset);
    *first = cap_container_slots(node) + offset;
    return cap_ok();
}

/* ---- Undoing recorded mappings (unmap, delete) ---- */

/* Clears the entry the frame capability records, if it still maps this
 * frame. Returns whether it did; the caller flushes. */
static bool clear_frame_entry(const struct cap *frame, uint64_t *root_out)
{
    uint64_t mapping = frame->words[1];
    uint64_t root = asid_root(mapping_asid(mapping));
    if (mapping == 0 || root == 0)
        return false;
    enum level level = frame_level(cap_type(frame));
    unsigned bits_left;
    uint64_t *entry = walk(root, mapping_vaddr(mapping), level, &bits_left);
    if (entry == NULL || !entry_maps_frame(*entry, cap_paddr(frame), level))
        return false;
    *entry = 0;
    *root_out = root;
    return true;
}

static void unmap_frame(const struct cap *frame)
{
    /* A frame capability records one mapping, in a VSpace, a GuestSpace
     * (vtx/ept.h) or an IOSpace (iommu/iospace.h): undo whichever it is. */
    if (ept_is_guest_mapping(frame->words[1])) {
        ept_unmap_frame(frame);
        return;
    }
    if (iospace_mapping_is_io(frame->words[1])) {
        iospace_frame_unmap(frame);
        return;
    }
    uint64_t root;
    if (clear_frame_entry(frame, &root))
        tlb_flush_page(root, mapping_vaddr(frame->words[1]));
}

/* Detaches a page table from the entry its capability records, if that
 * entry still points at it, and flushes. */
static void unmap_table(const struct cap *table)
{
    uint64_t mapping = table->words[1];
    uint64_t root = asid_root(mapping_asid(mapping));
    if (mapping == 0 || root == 0)
        return;
    unsigned bits_left;
    uint64_t *entry =
        walk(root, mapping_vaddr(mapping), table_parent_level(cap_type(table)), &bits_left);
    if (entry == NULL || !entry_points_at_table(*entry, cap_paddr(table)))
        return;
    *entry = 0;
    tlb_flush_space(root);
}

/* ---- Decoders ---- */

static struct atoll_error_detail decode_table_map(struct cap_slot *slot, const uint64_t *words,
                                                  size_t length, struct cap_slot *const *extra,
                                                  size_t extra_count, struct vspace_op *op)
{
    if (length < ATOLL_PAGE_TABLE_MAP_ARGS || extra_count < ATOLL_PAGE_TABLE_MAP_EXTRA_CAPS)
        return cap_truncated(ATOLL_PAGE_TABLE_MAP_ARGS, ATOLL_PAGE_TABLE_MAP_EXTRA_CAPS);
    if (cap_mapping(&slot->cap) != 0)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    struct cap_slot *vspace = extra[0];
    if (cap_type(&vspace->cap) != CAP_PML4)
        return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
    uint64_t vaddr = words[ATOLL_PAGE_TABLE_ARG_VADDR];
    if (vaddr >= ATOLL_USER_ADDR_END)
        return cap_error(ATOLL_ERR_INVALID_ARGUMENT, ATOLL_PAGE_TABLE_ARG_VADDR);
    enum level parent = table_parent_level(cap_type(&slot->cap));
    vaddr &= ~cap_bits_mask(level_shift[parent]);

    unsigned bits_left;
    uint64_t *entry = walk(cap_paddr(&vspace->cap), vaddr, parent, &bits_left);
    if (entry == NULL)
        return missing_table(ATOLL_PAGE_TABLE_ARG_VADDR, bits_left);
    if (*entry & PTE_P) {
        struct atoll_error_detail e = cap_error(ATOLL_ERR_DELETE_FIRST, ATOLL_PAGE_TABLE_ARG_VADDR);
        e.value0 = vaddr;
        return e;
    }
    op->vaddr = vaddr;
    return decode_asid(vspace, op);
}

static struct atoll_error_detail decode_frame_map(struct cap_slot *slot, const uint64_t *words,
                                                  size_t length, struct cap_slot *const *extra,
                                                  size_t extra_count, struct vspace_op *op)
{
    const struct cap *frame = &slot->cap;
    struct atoll_error_detail e;

    if (length < ATOLL_FRAME_MAP_ARGS || extra_count < ATOLL_FRAME_MAP_EXTRA_CAPS)
        return cap_truncated(ATOLL_FRAME_MAP_ARGS, ATOLL_FRAME_MAP_EXTRA_CAPS);
    struct cap_slot *vspace = extra[0];
    if (cap_type(&vspace->cap) != CAP_PML4)
        return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
    if (cap_type(frame) == CAP_FRAME_1G && !paging_features.page1g)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    uint64_t vaddr = words[ATOLL_FRAME_ARG_VADDR];
    uint64_t rights = words[ATOLL_FRAME_ARG_RIGHTS];
    uint64_t attributes = words[ATOLL_FRAME_ARG_ATTRIBUTES];
    e = check_frame_vaddr(vaddr, frame_size_bits(cap_type(frame)), ATOLL_FRAME_ARG_VADDR);
    if (cap_failed(&e))
        return e;
    e = check_map_words(rights, attributes, ATOLL_FRAME_ARG_RIGHTS, ATOLL_FRAME_ARG_ATTRIBUTES);
    if (cap_failed(&e))
        return e;
    e = check_frame_rights(frame, rights, ATOLL_FRAME_ARG_RIGHTS);
    if (cap_failed(&e))
        return e;

    /* Mapped already: only a new mapping of the same place (new rights). */
    uint64_t mapping = cap_mapping(frame);
    if (mapping != 0) {
        if (mapping_asid(mapping) != vspace_asid(&vspace->cap))
            return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
        if (mapping_vaddr(mapping) != vaddr)
            return cap_error(ATOLL_ERR_INVALID_ARGUMENT, ATOLL_FRAME_ARG_VADDR);
    }
    e = check_frame_entry(cap_paddr(&vspace->cap), vaddr, frame, mapping != 0,
                          ATOLL_FRAME_ARG_VADDR);
    if (cap_failed(&e))
        return e;
    op->vaddr = vaddr;
    op->rights = rights;
    op->attributes = attributes;
    return decode_asid(vspace, op);
}

static const struct range_arguments map_frames_range = {
    ATOLL_VSPACE_ARG_NODE_INDEX,
    ATOLL_VSPACE_ARG_NODE_DEPTH,
    ATOLL_VSPACE_ARG_NODE_OFFSET,
    ATOLL_VSPACE_ARG_COUNT,
};

static const struct range_arguments unmap_frames_range = {
    ATOLL_VSPACE_UNMAP_ARG_NODE_INDEX,
    ATOLL_VSPACE_UNMAP_ARG_NODE_DEPTH,
    ATOLL_VSPACE_UNMAP_ARG_NODE_OFFSET,
    ATOLL_VSPACE_UNMAP_ARG_COUNT,
};

static struct atoll_error_detail decode_map_frames(struct cap_slot *slot, const uint64_t *words,
                                                   size_t length, struct cap_slot *const *extra,
                                                   size_t extra_count, struct vspace_op *op)
{
    struct atoll_error_detail e;
    struct cap_slot *first;

    if (length < ATOLL_VSPACE_MAP_FRAMES_ARGS || extra_count < ATOLL_VSPACE_FRAMES_EXTRA_CAPS)
        return cap_truncated(ATOLL_VSPACE_MAP_FRAMES_ARGS, ATOLL_VSPACE_FRAMES_EXTRA_CAPS);
    uint64_t vaddr = words[ATOLL_VSPACE_ARG_VADDR];
    uint64_t rights = words[ATOLL_VSPACE_ARG_RIGHTS];
    uint64_t attributes = words[ATOLL_VSPACE_ARG_ATTRIBUTES];
    uint64_t offset = words[ATOLL_VSPACE_ARG_NODE_OFFSET];
    uint64_t count = words[ATOLL_VSPACE_ARG_COUNT];
    e = check_map_words(rights, attributes, ATOLL_VSPACE_ARG_RIGHTS, ATOLL_VSPACE_ARG_ATTRIBUTES);
    if (cap_failed(&e))
        return e;
    e = decode_range(&extra[0]->cap, words, &map_frames_range, &first);
    if (cap_failed(&e))
        return e;
    if (vaddr >= ATOLL_USER_ADDR_END)
        return cap_error(ATOLL_ERR_INVALID_ARGUMENT, ATOLL_VSPACE_ARG_VADDR);

    /* Every frame has the size of the first and goes one frame further. */
    enum cap_type type = cap_type(&first->cap);
    if (!cap_type_is_frame(type))
        return not_a_frame(ATOLL_VSPACE_ARG_NODE_OFFSET, offset);
    if (type == CAP_FRAME_1G && !paging_features.page1g)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    unsigned bits = frame_size_bits(type);
    e = check_frame_vaddr(vaddr, bits, ATOLL_VSPACE_ARG_VADDR);
    if (cap_failed(&e))
        return e;
    uint64_t room = (ATOLL_USER_ADDR_END - vaddr) >> bits;
    if (count > room)
        return cap_range_error(ATOLL_VSPACE_ARG_COUNT, 1, room);

    unsigned asid = vspace_asid(&slot->cap);
    uint64_t root = cap_paddr(&slot->cap);
    for (uint64_t i = 0; i < count; i++) {
        const struct cap *frame = &first[i].cap;
        uint64_t va = vaddr + (i << bits);
        if (cap_type(frame) != type)
            return not_a_frame(ATOLL_VSPACE_ARG_NODE_OFFSET, offset + i);
        e = check_frame_rights(frame, rights, ATOLL_VSPACE_ARG_RIGHTS);
        if (!cap_failed(&e)) {
            uint64_t mapping = cap_mapping(frame);
            if (mapping != 0 && (mapping_asid(mapping) != asid || mapping_vaddr(mapping) != va))
                return invalid_argument(ATOLL_VSPACE_ARG_NODE_OFFSET, offset + i);
            e = check_frame_entry(root, va, frame, mapping != 0, ATOLL_VSPACE_ARG_VADDR);
        }
        if (cap_failed(&e)) {
            e.value2 = offset + i;
            return e;
        }
    }
    op->vaddr = vaddr;
    op->rights = rights;
    op->attributes = attributes;
    op->frames = first;
    op->count = count;
    return decode_asid(slot, op);
}

static struct atoll_error_detail decode_unmap_frames(struct cap_slot *slot, const uint64_t *words,
                                                     size_t length, struct cap_slot *const *extra,
                                                     size_t extra_count, struct vspace_op *op)
{
    struct atoll_error_detail e;
    struct cap_slot *first;

    if (length < ATOLL_VSPACE_UNMAP_FRAMES_ARGS || extra_count < ATOLL_VSPACE_FRAMES_EXTRA_CAPS)
        return cap_truncated(ATOLL_VSPACE_UNMAP_FRAMES_ARGS, ATOLL_VSPACE_FRAMES_EXTRA_CAPS);
    e = decode_range(&extra[0]->cap, words, &unmap_frames_range, &first);
    if (cap_failed(&e))
        return e;
    uint64_t offset = words[ATOLL_VSPACE_UNMAP_ARG_NODE_OFFSET];
    uint64_t count = words[ATOLL_VSPACE_UNMAP_ARG_COUNT];
    unsigned asid = vspace_asid(&slot->cap);
    for (uint64_t i = 0; i < count; i++) {
        const struct cap *frame = &first[i].cap;
        if (!cap_type_is_frame(cap_type(frame)))
            return not_a_frame(ATOLL_VSPACE_UNMAP_ARG_NODE_OFFSET, offset + i);
        /* Mapped in an IOSpace: IOSpace_Unmap or Frame_Unmap undo that. */
        if (iospace_mapping_is_io(cap_mapping(frame)))
            return invalid_argument(ATOLL_VSPACE_UNMAP_ARG_NODE_OFFSET, offset + i);
        /* Mapped in another VSpace or a GuestSpace that still exists: not
         * ours to undo. */
        unsigned other = mapping_asid(cap_mapping(frame));
        if ((other != 0 && other != asid && asid_root(other) != 0) ||
            ept_guest_mapping_live(cap_mapping(frame)))
            return invalid_argument(ATOLL_VSPACE_UNMAP_ARG_NODE_OFFSET, offset + i);
    }
    op->vspace = slot;
    op->asid = asid;
    op->frames = first;
    op->count = count;
    return cap_ok();
}

/* ---- Perform ---- */

static void perform(const struct vspace_op *op, uint64_t *reply, size_t *reply_length)
{
    struct cap *target = &op->target->cap;
    unsigned bits_left;

    switch (op->kind) {
    case OP_TABLE_MAP: {
        perform_asid(op);
        uint64_t *entry = walk(cap_paddr(&op->vspace->cap), op->vaddr,
                               table_parent_level(cap_type(target)), &bits_left);
        CAP_ASSERT(entry != NULL && !(*entry & PTE_P));
        *entry = cap_paddr(target) | TABLE_ENTRY_FLAGS;
        target->words[1] = mapping_word(op->asid, op->vaddr);
        return; /* an entry that was not present is in no TLB */
    }
    case OP_TABLE_UNMAP:
        if (cap_mapping(target) != 0) {
            unmap_table(target);
            /* Unreachable now: empty it, so that what it mapped cannot
             * reappear wherever it is mapped next. */
            memset(phys_to_virt(cap_paddr(target)), 0, UINT64_C(1) << ATOLL_PAGE_TABLE_SIZE_BITS);
            target->words[1] = 0;
        }
        return;
    case OP_FRAME_MAP: {
        perform_asid(op);
        uint64_t root = cap_paddr(&op->vspace->cap);
        uint64_t *entry = walk(root, op->vaddr, frame_level(cap_type(target)), &bits_left);
        CAP_ASSERT(entry != NULL);
        uint64_t old = *entry;
        *entry = frame_entry(target, op->rights, op->attributes);
        target->words[1] = mapping_word(op->asid, op->vaddr);
        if (old & PTE_P)
            tlb_flush_page(root, op->vaddr); /* a remap may have taken rights away */
        return;
    }
    case OP_FRAME_UNMAP:
        unmap_frame(target);
        target->words[1] = 0;
        return;
    case OP_FRAME_GET_ADDRESS:
        reply[0] = cap_paddr(target);
        *reply_length = 1;
        return;
    case OP_MAP_FRAMES: {
        perform_asid(op);
        uint64_t root = cap_paddr(&op->vspace->cap);
        bool flush = false;
        for (uint64_t i = 0; i < op->count; i++) {
            struct cap *frame = &op->frames[i].cap;
            uint64_t va = op->vaddr + (i << frame_size_bits(cap_type(frame)));
            uint64_t *entry = walk(root, va, frame_level(cap_type(frame)), &bits_left);
            CAP_ASSERT(entry != NULL);
            flush |= (*entry & PTE_P) != 0;
            *entry = frame_entry(frame, op->rights, op->attributes);
            frame->words[1] = mapping_word(op->asid, va);
        }
        if (flush)
            tlb_flush_space(root);
        return;
    }
    case OP_UNMAP_FRAMES: {
        uint64_t root = 0;
        bool flush = false;
        for (uint64_t i = 0; i < op->count; i++) {
            struct cap *frame = &op->frames[i].cap;
            if (mapping_asid(cap_mapping(frame)) == op->asid && clear_frame_entry(frame, &root))
                flush = true;
            frame->words[1] = 0;
        }
        if (flush)
            tlb_flush_space(root);
        return;
    }
    case OP_ASSIGN:
        perform_asid(op);
        return;
    }
}

struct atoll_error_detail vspace_invoke_reply(struct cap_slot *slot, uint64_t label,
                                              const uint64_t *words, size_t length,
                                              struct cap_slot *const *extra, size_t extra_count,
                                              uint64_t *reply, size_t *reply_length)
{
    struct vspace_op op = {.target = slot};
    struct atoll_error_detail e = cap_ok();
    enum cap_type type = cap_type(&slot->cap);

    *reply_length = 0;
    if (cap_type_is_frame(type)) {
        switch (label) {
        case ATOLL_FRAME_MAP:
            op.kind = OP_FRAME_MAP;
            e = decode_frame_map(slot, words, length, extra, extra_count, &op);
            break;
        case ATOLL_FRAME_UNMAP:
            op.kind = OP_FRAME_UNMAP;
            break;
        case ATOLL_FRAME_GET_ADDRESS:
            op.kind = OP_FRAME_GET_ADDRESS;
            break;
        default:
            return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
        }
    } else if (type == CAP_PDPT || type == CAP_PD || type == CAP_PT) {
        switch (label) {
        case ATOLL_PAGE_TABLE_MAP:
            op.kind = OP_TABLE_MAP;
            e = decode_table_map(slot, words, length, extra, extra_count, &op);
            break;
        case ATOLL_PAGE_TABLE_UNMAP:
            /* Copies would keep describing the old mapping (seL4: the
             * same rule). */
            op.kind = OP_TABLE_UNMAP;
            if (!cap_is_final(slot))
                return cap_error(ATOLL_ERR_REVOKE_FIRST, 0);
            break;
        default:
            return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
        }
    } else if (type == CAP_PML4) {
        switch (label) {
        case ATOLL_VSPACE_MAP_FRAMES:
            op.kind = OP_MAP_FRAMES;
            e = decode_map_frames(slot, words, length, extra, extra_count, &op);
            break;
        case ATOLL_VSPACE_UNMAP_FRAMES:
            op.kind = OP_UNMAP_FRAMES;
            e = decode_unmap_frames(slot, words, length, extra, extra_count, &op);
            break;
        case ATOLL_VSPACE_ASSIGN:
            op.kind = OP_ASSIGN;
            e = decode_asid(slot, &op);
            break;
        default:
            return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
        }
    } else {
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    }
    if (cap_failed(&e))
        return e;
    perform(&op, reply, reply_length);
    return cap_ok();
}

struct atoll_error_detail vspace_invoke(struct cap_slot *slot, uint64_t label,
                                        const uint64_t *words, size_t length,
                                        struct cap_slot *const *extra, size_t extra_count)
{
    uint64_t reply[1];
    size_t reply_length;
    return vspace_invoke_reply(slot, label, words, length, extra, extra_count, reply,
                               &reply_length);
}

/* ---- Deletion ---- */

/* Every frame capability describes its own mapping: undone whenever one
 * goes, last or not. */
static void frame_finalise(const struct cap *c, bool final)
{
    (void) final;
    unmap_frame(c);
}

/* All capabilities to a table describe its one mapping (copies exist only
 * of a mapped table): undone with the last. */
static void table_finalise(const struct cap *c, bool final)
{
    if (final)
        unmap_table(c);
}

/* The VSpace goes: its id is freed, which voids every mapping recorded
 * into it; its user half is cleared, so nothing stays reachable through
 * it; and no core keeps it in CR3. Threads whose VSpace slot held it find
 * the slot empty (vspace_thread_root). */
static void pml4_finalise(const struct cap *c, bool final)
{
    if (!final)
        return;
    uint64_t root = cap_paddr(c);
    root_ids_release(&asids, vspace_asid(c));
    memset(phys_to_virt(root), 0, PML4_INDEX(USER_ADDR_MAX) * sizeof(uint64_t));
    tlb_retire_space(root);
}

void vspace_init(void)
{
    cap_hooks.finalise[CAP_FRAME_4K] = frame_finalise;
    cap_hooks.finalise[CAP_FRAME_2M] = frame_finalise;
    cap_hooks.finalise[CAP_FRAME_1G] = frame_finalise;
    cap_hooks.finalise[CAP_PDPT] = table_finalise;
    cap_hooks.finalise[CAP_PD] = table_finalise;
    cap_hooks.finalise[CAP_PT] = table_finalise;
    cap_hooks.finalise[CAP_PML4] = pml4_finalise;
    tlb_init();
}

uint64_t vspace_thread_root(const struct cap *vspace_cap, uint64_t cr3)
{
    if (cap_type(vspace_cap) == CAP_PML4 && cap_paddr(vspace_cap) == cr3)
        return cr3;
    return kernel_pml4_phys;
}
