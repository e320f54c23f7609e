/* GuestSpace objects; see ept.h. Portable: built into the kernel and
 * into the host tests (tests/vtx.mk), which provide the two functions of
 * the seam in ept.h. The structure follows the VSpace code
 * (arch/x86_64/vspace.c), whose invariant carries over: every table
 * reachable from a live GuestSpace is a live EPT table object, and every
 * frame a reachable leaf points at has a capability whose word 1 leads to
 * that leaf. Decode checks everything, perform cannot fail. */
#include "ept.h"
#include "vmcs_fields.h"
#include "atoll/vcpu.h"
#include "kstring.h"
#include "../kernel/cap/platform.h"
#include "../kernel/root_ids.h"

enum level {
    LEVEL_PML4 = 0,
    LEVEL_PDPT = 1,
    LEVEL_PD = 2,
    LEVEL_PT = 3,
};

static const unsigned level_shift[] = {39, 30, 21, 12};
#define EPT_ENTRIES 512u

#define MAPPING_ID_SHIFT 48
#define MAPPING_ID_MASK  UINT64_C(0xfff) /* GUEST_SPACE_ID_COUNT - 1; bit 62 is an IOSpace's */
#define MAPPING_GPA_MASK ((UINT64_C(1) << MAPPING_ID_SHIFT) - 1)

/* GuestSpace ids: the root's physical address per id, 0 when free; id 0
 * is never used. */
#define GUEST_SPACE_ID_COUNT 4096u
static uint64_t id_roots[GUEST_SPACE_ID_COUNT];
static struct root_ids ids = {id_roots, GUEST_SPACE_ID_COUNT, 1};

/* Entries that point at a table allow everything: the leaf decides (SDM
 * Vol. 3C 28.2.2, the access rights of every level combine). */
#define TABLE_ENTRY_FLAGS EPT_RWX

struct ept_op {
    uint64_t label;
    struct cap_slot *guest_space;
    struct cap_slot *object; /* the frame or table */
    unsigned id;
    bool new_id;
    uint64_t gpa;
    uint64_t entry; /* the leaf or table entry to write */
};

static unsigned entry_index(uint64_t gpa, enum level level)
{
    return (unsigned)((gpa >> level_shift[level]) & (EPT_ENTRIES - 1));
}

static bool entry_present(uint64_t e)
{
    return (e & EPT_RWX) != 0; /* SDM Vol. 3C 28.2.2: bits 2:0 all clear is not present */
}

static uint64_t mapping_word(unsigned id, uint64_t gpa)
{
    return EPT_MAPPING_FLAG | ((uint64_t)id << MAPPING_ID_SHIFT) | (gpa & MAPPING_GPA_MASK);
}

static unsigned mapping_id(uint64_t mapping)
{
    return (unsigned)((mapping >> MAPPING_ID_SHIFT) & MAPPING_ID_MASK);
}

static uint64_t mapping_gpa(uint64_t mapping)
{
    return mapping & MAPPING_GPA_MASK;
}

static uint64_t id_root(unsigned id)
{
    return root_ids_root(&ids, id);
}

bool ept_guest_mapping_live(uint64_t mapping)
{
    return ept_is_guest_mapping(mapping) && id_root(mapping_id(mapping)) != 0;
}

uint64_t ept_pointer(uint64_t root)
{
    return root | EPTP_MEMTYPE_WB | EPTP_WALK_4;
}

static unsigned frame_bits(enum cap_type t)
{
    return t == CAP_FRAME_2M ? ATOLL_FRAME_2M_SIZE_BITS : ATOLL_FRAME_4K_SIZE_BITS;
}

static enum level frame_level(enum cap_type t)
{
    return t == CAP_FRAME_2M ? LEVEL_PD : LEVEL_PT;
}

static enum level table_parent_level(enum cap_type t)
{
    switch (t) {
    case CAP_EPT_PDPT:
        return LEVEL_PML4;
    case CAP_EPT_PD:
        return LEVEL_PDPT;
    default: /* CAP_EPT_PT */
        return LEVEL_PD;
    }
}

static bool is_ept_table(enum cap_type t)
{
    return t == CAP_EPT_PDPT || t == CAP_EPT_PD || t == CAP_EPT_PT;
}

/* The entry at `level` for `gpa`; NULL (with the bits left to translate)
 * when a table on the way is missing or is a large page. */
static uint64_t *walk(uint64_t root, uint64_t gpa, enum level level, unsigned *missing_bits)
{
    uint64_t *table = cap_phys_to_virt(root);
    for (unsigned l = LEVEL_PML4; l < (unsigned)level; l++) {
        uint64_t e = table[entry_index(gpa, (enum level)l)];
        if (!entry_present(e) || (e & EPT_LARGE_PAGE)) {
            *missing_bits = level_shift[l];
            return NULL;
        }
        table = cap_phys_to_virt(e & EPT_ADDR_MASK);
    }
    return &table[entry_index(gpa, level)];
}

static bool entry_maps(uint64_t e, uint64_t paddr)
{
    return entry_present(e) && (e & EPT_ADDR_MASK) == paddr;
}

/* ---- Ids */

unsigned ept_guest_space_id(const struct cap *gs)
{
    return root_ids_of(&ids, gs);
}

static struct atoll_error_detail decode_id(struct ept_op *op)
{
    op->id = ept_guest_space_id(&op->guest_space->cap);
    op->new_id = false;
    if (op->id != 0)
        return cap_ok();
    op->id = root_ids_find_free(&ids);
    op->new_id = op->id != 0;
    return op->new_id ? cap_ok() : cap_error(ATOLL_ERR_NOT_ENOUGH_MEMORY, 0);
}

static void perform_id(const struct ept_op *op)
{
    if (op->new_id)
        root_ids_claim(&ids, op->id, &op->guest_space->cap);
    else
        op->guest_space->cap.words[1] = op->id;
}

/* ---- Decode */

static struct atoll_error_detail missing_table(uint64_t argument, unsigned bits_left)
{
    struct atoll_error_detail e = cap_lookup_error(ATOLL_LOOKUP_MISSING_CAPABILITY, bits_left, 0);
    e.argument = argument;
    return e;
}

static struct atoll_error_detail entry_in_use(uint64_t gpa)
{
    struct atoll_error_detail e = cap_error(ATOLL_ERR_DELETE_FIRST, ATOLL_GUEST_SPACE_ARG_GPA);
    e.value0 = gpa;
    return e;
}

static struct atoll_error_detail decode_map_frame(const uint64_t *words, size_t length,
                                                  size_t extra_count, struct ept_op *op)
{
    if (length < ATOLL_GUEST_SPACE_MAP_FRAME_ARGS || extra_count < ATOLL_GUEST_SPACE_EXTRA_CAPS)
        return cap_truncated(ATOLL_GUEST_SPACE_MAP_FRAME_ARGS, ATOLL_GUEST_SPACE_EXTRA_CAPS);
    const struct cap *frame = &op->object->cap;
    enum cap_type type = cap_type(frame);
    if (type == CAP_FRAME_1G)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    if (type != CAP_FRAME_4K && type != CAP_FRAME_2M)
        return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
    /* One mapping per frame capability: the VMM maps a copy elsewhere. */
    if (frame->words[1] != 0)
        return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
    uint64_t gpa = words[ATOLL_GUEST_SPACE_ARG_GPA];
    uint64_t rights = words[ATOLL_GUEST_SPACE_ARG_RIGHTS];
    uint64_t attributes = words[ATOLL_GUEST_SPACE_ARG_ATTRIBUTES];
    if (gpa >= ATOLL_GUEST_ADDR_END)
        return cap_error(ATOLL_ERR_INVALID_ARGUMENT, ATOLL_GUEST_SPACE_ARG_GPA);
    unsigned bits = frame_bits(type);
    if (gpa & cap_bits_mask(bits)) {
        struct atoll_error_detail e =
            cap_error(ATOLL_ERR_ALIGNMENT_ERROR, ATOLL_GUEST_SPACE_ARG_GPA);
        e.value0 = bits;
        return e;
    }
    if (rights & ~ATOLL_RIGHTS_ALL)
        return cap_error(ATOLL_ERR_INVALID_ARGUMENT, ATOLL_GUEST_SPACE_ARG_RIGHTS);
    if (attributes & ~ATOLL_VM_ATTRIBUTES_ALL)
        return cap_error(ATOLL_ERR_INVALID_ARGUMENT, ATOLL_GUEST_SPACE_ARG_ATTRIBUTES);
    /* Write without read is an EPT misconfiguration (SDM Vol. 3C
     * 28.2.3.1): READ is required, as for VSpace mappings. */
    rights &= cap_rights(frame);
    if (!(rights & ATOLL_RIGHT_READ)) {
        struct atoll_error_detail e =
            cap_error(ATOLL_ERR_INVALID_ARGUMENT, ATOLL_GUEST_SPACE_ARG_RIGHTS);
        e.value0 = cap_rights(frame);
        return e;
    }
    unsigned bits_left;
    uint64_t *entry = walk(cap_paddr(&op->guest_space->cap), gpa, frame_level(type), &bits_left);
    if (entry == NULL)
        return missing_table(ATOLL_GUEST_SPACE_ARG_GPA, bits_left);
    if (entry_present(*entry))
        return entry_in_use(gpa);

    uint64_t memtype = (attributes & ATOLL_VM_UNCACHED) || cap_frame_is_device(frame)
                           ? EPT_MEMTYPE_UC
                           : EPT_MEMTYPE_WB;
    op->entry = cap_paddr(frame) | EPT_READ | (memtype << EPT_MEMTYPE_SHIFT);
    if (rights & ATOLL_RIGHT_WRITE)
        op->entry |= EPT_WRITE;
    if (attributes & ATOLL_VM_EXECUTABLE)
        op->entry |= EPT_EXECUTE;
    if (type == CAP_FRAME_2M)
        op->entry |= EPT_LARGE_PAGE;
    op->gpa = gpa;
    return decode_id(op);
}

static struct atoll_error_detail decode_unmap_frame(size_t extra_count, struct ept_op *op)
{
    if (extra_count < ATOLL_GUEST_SPACE_EXTRA_CAPS)
        return cap_truncated(0, ATOLL_GUEST_SPACE_EXTRA_CAPS);
    const struct cap *frame = &op->object->cap;
    if (!cap_type_is_frame(cap_type(frame)))
        return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
    uint64_t mapping = frame->words[1];
    if (mapping == 0)
        return cap_ok();
    /* Mapped in something else that still exists: not ours to undo. */
    if (!ept_is_guest_mapping(mapping) ||
        (ept_guest_mapping_live(mapping) &&
         mapping_id(mapping) != ept_guest_space_id(&op->guest_space->cap)))
        return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
    return cap_ok();
}

static struct atoll_error_detail decode_map_table(const uint64_t *words, size_t length,
                                                  size_t extra_count, struct ept_op *op)
{
    if (length < ATOLL_GUEST_SPACE_MAP_TABLE_ARGS || extra_count < ATOLL_GUEST_SPACE_EXTRA_CAPS)
        return cap_truncated(ATOLL_GUEST_SPACE_MAP_TABLE_ARGS, ATOLL_GUEST_SPACE_EXTRA_CAPS);
    const struct cap *table = &op->object->cap;
    if (!is_ept_table(cap_type(table)))
        return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
    if (table->words[1] != 0)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    uint64_t gpa = words[ATOLL_GUEST_SPACE_ARG_GPA];
    if (gpa >= ATOLL_GUEST_ADDR_END)
        return cap_error(ATOLL_ERR_INVALID_ARGUMENT, ATOLL_GUEST_SPACE_ARG_GPA);
    enum level parent = table_parent_level(cap_type(table));
    gpa &= ~cap_bits_mask(level_shift[parent]);
    unsigned bits_left;
    uint64_t *entry = walk(cap_paddr(&op->guest_space->cap), gpa, parent, &bits_left);
    if (entry == NULL)
        return missing_table(ATOLL_GUEST_SPACE_ARG_GPA, bits_left);
    if (entry_present(*entry))
        return entry_in_use(gpa);
    op->entry = cap_paddr(table) | TABLE_ENTRY_FLAGS;
    op->gpa = gpa;
    return decode_id(op);
}

/* ---- Undoing recorded mappings */

/* Clears the leaf or table entry that `c` records at `level`, if it still
 * points at c's object. Returns whether it did; the caller invalidates. */
static bool clear_recorded_entry(const struct cap *c, enum level level)
{
    uint64_t mapping = c->words[1];
    uint64_t root = ept_is_guest_mapping(mapping) ? id_root(mapping_id(mapping)) : 0;
    if (root == 0)
        return false;
    unsigned bits_left;
    uint64_t *entry = walk(root, mapping_gpa(mapping), level, &bits_left);
    if (entry == NULL || !entry_maps(*entry, cap_paddr(c)))
        return false;
    *entry = 0;
    return true;
}

void ept_unmap_frame(const struct cap *frame)
{
    if (clear_recorded_entry(frame, frame_level(cap_type(frame))))
        ept_invalidate();
}

/* ---- Perform */

static void perform(const struct ept_op *op)
{
    struct cap *object = &op->object->cap;
    unsigned bits_left;
    switch (op->label) {
    case ATOLL_GUEST_SPACE_MAP_FRAME:
    case ATOLL_GUEST_SPACE_MAP_TABLE: {
        perform_id(op);
        enum level level = op->label == ATOLL_GUEST_SPACE_MAP_FRAME
                               ? frame_level(cap_type(object))
                               : table_parent_level(cap_type(object));
        uint64_t *entry = walk(cap_paddr(&op->guest_space->cap), op->gpa, level, &bits_left);
        CAP_ASSERT(entry != NULL && !entry_present(*entry));
        *entry = op->entry;
        object->words[1] = mapping_word(op->id, op->gpa);
        /* A not-present entry is in no TLB (SDM Vol. 3C 28.3.2): no flush. */
        return;
    }
    case ATOLL_GUEST_SPACE_UNMAP_FRAME:
        if (object->words[1] != 0) {
            ept_unmap_frame(object);
            object->words[1] = 0;
        }
        return;
    }
}

struct atoll_error_detail ept_invoke(struct cap_slot *slot, uint64_t label, const uint64_t *words,
                                     size_t length, struct cap_slot *const *extra,
                                     size_t extra_count)
{
    if (cap_type(&slot->cap) != CAP_GUEST_SPACE)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0); /* EPT tables: no invocations */
    struct ept_op op = {.label = label, .guest_space = slot};
    if (extra_count >= 1)
        op.object = extra[0];
    struct atoll_error_detail e;
    switch (label) {
    case ATOLL_GUEST_SPACE_MAP_FRAME:
        e = decode_map_frame(words, length, extra_count, &op);
        break;
    case ATOLL_GUEST_SPACE_UNMAP_FRAME:
        e = decode_unmap_frame(extra_count, &op);
        break;
    case ATOLL_GUEST_SPACE_MAP_TABLE:
        e = decode_map_table(words, length, extra_count, &op);
        break;
    default:
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    }
    if (cap_failed(&e))
        return e;
    perform(&op);
    return cap_ok();
}

/* ---- Deletion */

/* All capabilities to a table describe its one mapping (copies exist only
 * of a mapped table): undone with the last. */
static void table_finalise(const struct cap *c, bool final)
{
    if (final && clear_recorded_entry(c, table_parent_level(cap_type(c))))
        ept_invalidate();
}

/* The GuestSpace goes: its id is freed, which voids every mapping
 * recorded into it; it is emptied, so nothing stays reachable through it;
 * VCPUs that ran in it lose it; every core forgets its translations. */
static void guest_space_finalise(const struct cap *c, bool final)
{
    if (!final)
        return;
    uint64_t root = cap_paddr(c);
    root_ids_release(&ids, ept_guest_space_id(c));
    memset(cap_phys_to_virt(root), 0, UINT64_C(1) << ATOLL_EPT_TABLE_SIZE_BITS);
    ept_guest_space_gone(root);
    ept_invalidate();
}

void ept_init(void)
{
    cap_hooks.finalise[CAP_GUEST_SPACE] = guest_space_finalise;
    cap_hooks.finalise[CAP_EPT_PDPT] = table_finalise;
    cap_hooks.finalise[CAP_EPT_PD] = table_finalise;
    cap_hooks.finalise[CAP_EPT_PT] = table_finalise;
}
