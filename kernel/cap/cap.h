/* Capabilities and capability slots: representation and the rules that do
 * not depend on the derivation tree.
 *
 * A capability is two 64-bit words; a slot is the capability plus the two
 * words of its derivation-tree node (mdb.h), 32 bytes in all, so a CNode of
 * radix r is exactly 2^(r + 5) bytes (seL4's cte_t on 64-bit machines).
 *
 * Word 0:  bits 63..59  enum cap_type
 *          bits 58..48  small per-type fields (size bits, rights, flags)
 *          bits 47..0   physical address of the object >> 4 (every object
 *                       is at least 16 bytes and aligned to its size, so
 *                       this reaches 52-bit physical addresses)
 * Word 1:  one per-type field (free offset, badge, guard, IRQ number, ...)
 *
 * Capabilities name objects by physical address; the core reaches object
 * memory through cap_phys_to_virt() (platform.h). */
#ifndef ATOLL_KERNEL_CAP_CAP_H
#define ATOLL_KERNEL_CAP_CAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atoll/errors.h"
#include "atoll/invocation.h"
#include "atoll/iommu.h"
#include "atoll/objects.h"
#include "atoll/rights.h"

/* Capability types: one per object type of the ABI (value + 1, so that an
 * all-zero slot holds the null capability), and the kernel-internal Zombie:
 * what remains of a CNode or TCB whose last capability is being deleted
 * while its own slots are emptied (seL4 manual, "Deletion and Revocation"; delete.c). */
enum cap_type {
    CAP_NULL = 0,
    CAP_UNTYPED = ATOLL_OBJECT_UNTYPED + 1,
    CAP_CNODE = ATOLL_OBJECT_CNODE + 1,
    CAP_TCB = ATOLL_OBJECT_TCB + 1,
    CAP_ENDPOINT = ATOLL_OBJECT_ENDPOINT + 1,
    CAP_NOTIFICATION = ATOLL_OBJECT_NOTIFICATION + 1,
    CAP_REPLY = ATOLL_OBJECT_REPLY + 1,
    CAP_SCHED_CONTEXT = ATOLL_OBJECT_SCHED_CONTEXT + 1,
    CAP_FRAME_4K = ATOLL_OBJECT_FRAME_4K + 1,
    CAP_FRAME_2M = ATOLL_OBJECT_FRAME_2M + 1,
    CAP_FRAME_1G = ATOLL_OBJECT_FRAME_1G + 1,
    CAP_PML4 = ATOLL_OBJECT_PML4 + 1,
    CAP_PDPT = ATOLL_OBJECT_PDPT + 1,
    CAP_PD = ATOLL_OBJECT_PD + 1,
    CAP_PT = ATOLL_OBJECT_PT + 1,
    CAP_VCPU = ATOLL_OBJECT_VCPU + 1,
    CAP_GUEST_SPACE = ATOLL_OBJECT_GUEST_SPACE + 1,
    CAP_EPT_PDPT = ATOLL_OBJECT_EPT_PDPT + 1,
    CAP_EPT_PD = ATOLL_OBJECT_EPT_PD + 1,
    CAP_EPT_PT = ATOLL_OBJECT_EPT_PT + 1,
    CAP_IOSPACE = ATOLL_OBJECT_IOSPACE + 1,
    CAP_IO_PAGE_TABLE = ATOLL_OBJECT_IO_PAGE_TABLE + 1,
    CAP_IRQ_CONTROL = ATOLL_OBJECT_IRQ_CONTROL + 1,
    CAP_IRQ_HANDLER = ATOLL_OBJECT_IRQ_HANDLER + 1,
    CAP_IOPORT_CONTROL = ATOLL_OBJECT_IOPORT_CONTROL + 1,
    CAP_IOPORT = ATOLL_OBJECT_IOPORT + 1,
    CAP_SCHED_CONTROL = ATOLL_OBJECT_SCHED_CONTROL + 1,
    CAP_IOMMU_CONTROL = ATOLL_OBJECT_IOMMU_CONTROL + 1,
    CAP_ZOMBIE = ATOLL_OBJECT_TYPE_COUNT + 1,
    CAP_TYPE_COUNT,
};

struct cap {
    uint64_t words[2];
};

/* Derivation-tree node (seL4's mdb_node): slots are at least 8-byte
 * aligned, so the two flags live in the low bits of `next`. */
struct cap_mdb {
    uintptr_t prev; /* struct cap_slot *, or 0 */
    uintptr_t next; /* struct cap_slot * | CAP_MDB_REVOCABLE | CAP_MDB_FIRST_BADGED */
};

struct cap_slot {
    struct cap cap;
    struct cap_mdb mdb;
};

_Static_assert(sizeof(struct cap) == 16, "a capability is two words");
_Static_assert(sizeof(struct cap_slot) == (1u << ATOLL_SLOT_SIZE_BITS), "slots are 32 bytes");

/* A TCB's own capability slots are its last ATOLL_TCB_SLOT_COUNT slots, so
 * that the register frame can stay at the start of the object
 * (kernel/thread.h). The TCB code must keep its data below this offset. */
#define CAP_TCB_SLOTS_OFFSET                                                                       \
    ((UINT64_C(1) << ATOLL_TCB_SIZE_BITS) - (ATOLL_TCB_SLOT_COUNT << ATOLL_SLOT_SIZE_BITS))

/* ---- word 0 layout ---- */
#define CAP_TYPE_SHIFT  59
#define CAP_TYPE_BITS   5
#define CAP_PADDR_BITS  48
#define CAP_PADDR_SHIFT 4 /* stored address = paddr >> 4 */
#define CAP_PADDR_MAX   ((UINT64_C(1) << (CAP_PADDR_BITS + CAP_PADDR_SHIFT)) - 1)
#define CAP_FIELD_SHIFT 48 /* small fields: bits 58..48 */

/* Small fields, relative to CAP_FIELD_SHIFT. */
#define CAP_SIZE_BITS_POS      0 /* Untyped, SchedContext, IOSpace: size; CNode, Zombie: radix */
#define CAP_SIZE_BITS_WIDTH    6
#define CAP_UNTYPED_DEVICE_POS 6
#define CAP_RIGHTS_POS         0 /* Endpoint, Notification, Reply, Frames */
#define CAP_RIGHTS_WIDTH       4
#define CAP_FRAME_DEVICE_POS   4
#define CAP_ZOMBIE_TCB_POS     6 /* 1: the zombie was a TCB, 0: a CNode */

/* Word 1 of an IOPort capability: first and last port, inclusive. */
#define CAP_IOPORT_LAST_SHIFT 16
#define CAP_IOPORT_MASK       UINT64_C(0xffff)

/* Derivation-tree flags in cap_mdb.next. */
#define CAP_MDB_REVOCABLE    ((uintptr_t)1)
#define CAP_MDB_FIRST_BADGED ((uintptr_t)2)
#define CAP_MDB_FLAGS        (CAP_MDB_REVOCABLE | CAP_MDB_FIRST_BADGED)

static inline uint64_t cap_bits_mask(unsigned bits)
{
    return bits >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << bits) - 1;
}

static inline enum cap_type cap_type(const struct cap *c)
{
    return (enum cap_type)(c->words[0] >> CAP_TYPE_SHIFT);
}

static inline bool cap_is_null(const struct cap *c)
{
    return cap_type(c) == CAP_NULL;
}

static inline struct cap cap_null(void)
{
    struct cap c = {{0, 0}};
    return c;
}

static inline bool cap_equal(const struct cap *a, const struct cap *b)
{
    return a->words[0] == b->words[0] && a->words[1] == b->words[1];
}

static inline uint64_t cap_field(const struct cap *c, unsigned pos, unsigned width)
{
    return (c->words[0] >> (CAP_FIELD_SHIFT + pos)) & cap_bits_mask(width);
}

static inline void cap_set_field(struct cap *c, unsigned pos, unsigned width, uint64_t value)
{
    uint64_t mask = cap_bits_mask(width) << (CAP_FIELD_SHIFT + pos);
    c->words[0] = (c->words[0] & ~mask) | ((value << (CAP_FIELD_SHIFT + pos)) & mask);
}

/* Builds word 0; the caller has checked that paddr is 16-byte aligned and
 * below CAP_PADDR_MAX. */
static inline struct cap cap_make(enum cap_type type, uint64_t paddr, uint64_t word1)
{
    struct cap c;
    c.words[0] = ((uint64_t)type << CAP_TYPE_SHIFT) |
                 ((paddr >> CAP_PADDR_SHIFT) & cap_bits_mask(CAP_PADDR_BITS));
    c.words[1] = word1;
    return c;
}

/* Physical address of the object (memory objects and zombies). */
static inline uint64_t cap_paddr(const struct cap *c)
{
    return (c->words[0] & cap_bits_mask(CAP_PADDR_BITS)) << CAP_PADDR_SHIFT;
}

static inline enum cap_type cap_type_of_object(enum atoll_object_type type)
{
    return (enum cap_type)(type + 1);
}

static inline enum atoll_object_type cap_object_type(enum cap_type type)
{
    return (enum atoll_object_type)(type - 1);
}

static inline bool cap_type_is_frame(enum cap_type t)
{
    return t == CAP_FRAME_4K || t == CAP_FRAME_2M || t == CAP_FRAME_1G;
}

static inline bool cap_type_is_page_table(enum cap_type t)
{
    return t == CAP_PML4 || t == CAP_PDPT || t == CAP_PD || t == CAP_PT;
}

/* ---- Untyped: size, device flag; word 1: free offset in bytes (the
 * watermark below which objects have been allocated, seL4's FreeIndex). */
static inline struct cap cap_untyped_new(uint64_t paddr, unsigned size_bits, bool device,
                                         uint64_t free_offset)
{
    struct cap c = cap_make(CAP_UNTYPED, paddr, free_offset);
    cap_set_field(&c, CAP_SIZE_BITS_POS, CAP_SIZE_BITS_WIDTH, size_bits);
    cap_set_field(&c, CAP_UNTYPED_DEVICE_POS, 1, device);
    return c;
}

static inline unsigned cap_untyped_size_bits(const struct cap *c)
{
    return (unsigned)cap_field(c, CAP_SIZE_BITS_POS, CAP_SIZE_BITS_WIDTH);
}

static inline bool cap_untyped_is_device(const struct cap *c)
{
    return cap_field(c, CAP_UNTYPED_DEVICE_POS, 1) != 0;
}

static inline uint64_t cap_untyped_free_offset(const struct cap *c)
{
    return c->words[1];
}

static inline void cap_untyped_set_free_offset(struct cap *c, uint64_t offset)
{
    c->words[1] = offset;
}

/* ---- CNode: radix; word 1: guard data as in ATOLL_CNODE_GUARD_DATA. */
static inline struct cap cap_cnode_new(uint64_t paddr, unsigned radix, uint64_t guard,
                                       unsigned guard_size)
{
    struct cap c =
        cap_make(CAP_CNODE, paddr, (guard << ATOLL_CNODE_GUARD_SIZE_BITS) | (uint64_t)guard_size);
    cap_set_field(&c, CAP_SIZE_BITS_POS, CAP_SIZE_BITS_WIDTH, radix);
    return c;
}

static inline unsigned cap_cnode_radix(const struct cap *c)
{
    return (unsigned)cap_field(c, CAP_SIZE_BITS_POS, CAP_SIZE_BITS_WIDTH);
}

static inline unsigned cap_cnode_guard_size(const struct cap *c)
{
    return (unsigned)(c->words[1] & cap_bits_mask(ATOLL_CNODE_GUARD_SIZE_BITS));
}

static inline uint64_t cap_cnode_guard(const struct cap *c)
{
    return c->words[1] >> ATOLL_CNODE_GUARD_SIZE_BITS;
}

/* ---- Rights (Endpoint, Notification, Reply, Frames). */
static inline bool cap_type_has_rights(enum cap_type t)
{
    return t == CAP_ENDPOINT || t == CAP_NOTIFICATION || t == CAP_REPLY || cap_type_is_frame(t);
}

/* The rights that mean something for a type (atoll/rights.h); a new
 * object's capability has all of them. */
uint64_t cap_type_rights(enum cap_type t);

static inline uint64_t cap_rights(const struct cap *c)
{
    return cap_type_has_rights(cap_type(c)) ? cap_field(c, CAP_RIGHTS_POS, CAP_RIGHTS_WIDTH) : 0;
}

/* ---- Endpoint, Notification: word 1 is the badge; 0 means unbadged. */
static inline uint64_t cap_badge(const struct cap *c)
{
    enum cap_type t = cap_type(c);
    return t == CAP_ENDPOINT || t == CAP_NOTIFICATION ? c->words[1] : 0;
}

/* ---- Frames: device flag; word 1 is the mapping, owned by the VSpace code
 * (0: not mapped). Page tables: word 1 likewise (0: not mapped, or for a
 * PML4 not yet assigned an address-space id). */
static inline bool cap_frame_is_device(const struct cap *c)
{
    return cap_field(c, CAP_FRAME_DEVICE_POS, 1) != 0;
}

static inline uint64_t cap_mapping(const struct cap *c)
{
    enum cap_type t = cap_type(c);
    return cap_type_is_frame(t) || cap_type_is_page_table(t) ? c->words[1] : 0;
}

/* ---- SchedContext: size. */
static inline unsigned cap_sched_context_size_bits(const struct cap *c)
{
    return (unsigned)cap_field(c, CAP_SIZE_BITS_POS, CAP_SIZE_BITS_WIDTH);
}

/* ---- IOSpace: size; word 1 unused (0). */
static inline unsigned cap_iospace_size_bits(const struct cap *c)
{
    return (unsigned)cap_field(c, CAP_SIZE_BITS_POS, CAP_SIZE_BITS_WIDTH);
}

static inline struct cap cap_iommu_control_new(void)
{
    return cap_make(CAP_IOMMU_CONTROL, 0, 0);
}

/* ---- Capabilities without memory. */
static inline struct cap cap_irq_control_new(void)
{
    return cap_make(CAP_IRQ_CONTROL, 0, 0);
}

static inline struct cap cap_irq_handler_new(uint64_t irq)
{
    return cap_make(CAP_IRQ_HANDLER, 0, irq);
}

static inline uint64_t cap_irq(const struct cap *c)
{
    return c->words[1];
}

static inline struct cap cap_ioport_control_new(void)
{
    return cap_make(CAP_IOPORT_CONTROL, 0, 0);
}

static inline struct cap cap_ioport_new(uint16_t first, uint16_t last)
{
    return cap_make(CAP_IOPORT, 0, (uint64_t)first | ((uint64_t)last << CAP_IOPORT_LAST_SHIFT));
}

static inline uint16_t cap_ioport_first(const struct cap *c)
{
    return (uint16_t)(c->words[1] & CAP_IOPORT_MASK);
}

static inline uint16_t cap_ioport_last(const struct cap *c)
{
    return (uint16_t)((c->words[1] >> CAP_IOPORT_LAST_SHIFT) & CAP_IOPORT_MASK);
}

static inline struct cap cap_sched_control_new(uint64_t core)
{
    return cap_make(CAP_SCHED_CONTROL, 0, core);
}

static inline uint64_t cap_sched_control_core(const struct cap *c)
{
    return c->words[1];
}

/* ---- Zombie: a CNode or TCB being torn down. word 0 keeps the object's
 * address and, for a CNode, its radix; word 1 counts the slots at the start
 * of its slot array that may still hold capabilities (seL4's
 * capZombieNumber). */
static inline struct cap cap_zombie_new(uint64_t paddr, bool tcb, unsigned radix, uint64_t count)
{
    struct cap c = cap_make(CAP_ZOMBIE, paddr, count);
    cap_set_field(&c, CAP_SIZE_BITS_POS, CAP_SIZE_BITS_WIDTH, radix);
    cap_set_field(&c, CAP_ZOMBIE_TCB_POS, 1, tcb);
    return c;
}

static inline bool cap_zombie_is_tcb(const struct cap *c)
{
    return cap_field(c, CAP_ZOMBIE_TCB_POS, 1) != 0;
}

static inline unsigned cap_zombie_radix(const struct cap *c)
{
    return (unsigned)cap_field(c, CAP_SIZE_BITS_POS, CAP_SIZE_BITS_WIDTH);
}

static inline uint64_t cap_zombie_count(const struct cap *c)
{
    return c->words[1];
}

static inline void cap_zombie_set_count(struct cap *c, uint64_t count)
{
    c->words[1] = count;
}

/* ---- Errors: every fallible function returns a struct atoll_error_detail
 * (atoll/errors.h) that travels to user space unchanged. */
static inline struct atoll_error_detail cap_ok(void)
{
    struct atoll_error_detail e = {ATOLL_OK, 0, 0, 0, 0};
    return e;
}

static inline struct atoll_error_detail cap_error(enum atoll_error code, uint64_t argument)
{
    struct atoll_error_detail e = {code, argument, 0, 0, 0};
    return e;
}

static inline struct atoll_error_detail cap_range_error(uint64_t argument, uint64_t min,
                                                        uint64_t max)
{
    struct atoll_error_detail e = {ATOLL_ERR_RANGE_ERROR, argument, min, max, 0};
    return e;
}

static inline struct atoll_error_detail cap_lookup_error(enum atoll_lookup_failure kind,
                                                         uint64_t bits_left, uint64_t extra)
{
    struct atoll_error_detail e = {ATOLL_ERR_FAILED_LOOKUP, 0, kind, bits_left, extra};
    return e;
}

static inline struct atoll_error_detail cap_truncated(uint64_t words_needed, uint64_t caps_needed)
{
    struct atoll_error_detail e = {ATOLL_ERR_TRUNCATED_MESSAGE, 0, words_needed, caps_needed, 0};
    return e;
}

static inline bool cap_failed(const struct atoll_error_detail *e)
{
    return e->code != ATOLL_OK;
}

/* ---- Objects ---- */

/* The range of the Retype size argument for the variable-size types
 * (UNTYPED: size, CNODE: radix, SCHED_CONTEXT: size); false for the others,
 * which ignore it. */
bool cap_object_size_range(enum atoll_object_type type, uint64_t *min, uint64_t *max);

/* Size in bits of an object of `type`; `size_bits` is the Retype argument
 * (read for UNTYPED, CNODE (the radix) and SCHED_CONTEXT only). The caller
 * has checked that the type is a memory type. */
unsigned cap_object_size_bits(enum atoll_object_type type, uint64_t size_bits);

/* Whether Untyped_Retype can create `type` today (memory types that are not
 * reserved for later issues). */
bool cap_type_is_retypable(enum atoll_object_type type);

/* The capability to a new object of `type` at `paddr`, with every right
 * its type has. Checks what the boot code might get wrong: the type is
 * retypable (INVALID_ARGUMENT 0), size_bits in range for variable-size
 * types (RANGE_ERROR 1), paddr aligned to the object size
 * (ALIGNMENT_ERROR 2) and addressable (RANGE_ERROR 2), and device memory
 * only for frames and untypeds (INVALID_ARGUMENT 3). */
struct atoll_error_detail cap_make_object(enum atoll_object_type type, uint64_t paddr,
                                          uint64_t size_bits, bool device, struct cap *out);

/* The original capability to the object of `type` at `paddr`, unchecked
 * (Untyped_Retype has checked everything). */
struct cap cap_object_new(enum atoll_object_type type, uint64_t paddr, uint64_t size_bits,
                          bool device);

/* Memory a capability covers: false for capabilities without memory. For a
 * zombie, the CNode or TCB it was. */
bool cap_region(const struct cap *c, uint64_t *base, unsigned *size_bits);

/* Capabilities whose object holds capability slots: CNode, TCB, Zombie. */
bool cap_is_container(const struct cap *c);
/* The slot array of a container and its length. */
struct cap_slot *cap_container_slots(const struct cap *c);
uint64_t cap_container_slot_count(const struct cap *c);

/* seL4's sameRegionAs: `b` names the same object as `a`, or something
 * inside what `a` covers (an untyped covers every object in its memory; an
 * IRQ or IOPort control cap covers every handler or port range). Decides
 * which capabilities can be children of `a` in the derivation tree. */
bool cap_same_region_as(const struct cap *a, const struct cap *b);

/* seL4's sameObjectAs: `a` and `b` name the same object; decides whether a
 * capability is the last one to its object. Untyped capabilities never do
 * (each is its own allocator). */
bool cap_same_object_as(const struct cap *a, const struct cap *b);

/* Removes from `c` every right not in `rights` (seL4 maskCapRights): rights
 * are never added. */
struct cap cap_mask_rights(struct cap c, uint64_t rights);

/* seL4 updateCapData: the capability with Mint/Mutate `data` applied, or
 * the null capability when that would make it invalid.
 *   Endpoint/Notification, preserve = false (Mint): an unbadged cap takes
 *     the badge; a badged one cannot be rebadged.
 *   Endpoint/Notification, preserve = true (Mutate, Rotate): the badge
 *     cannot change, so only data 0 (leave it) is valid.
 *   CNode: data is guard and guard size; invalid when guard size + radix
 *     exceed 64.
 *   Others: data is ignored. */
struct cap cap_update_data(struct cap c, uint64_t data, bool preserve);

/* ---- Object hooks: the kernel fills these in for the objects it
 * implements; NULL entries do nothing. Hooks run in the middle of a
 * capability operation and must not change any capability. */
struct cap_object_hooks {
    /* A new object's memory has been zeroed (Untyped_Retype); called before
     * its first capability exists. */
    void (*initialise[CAP_TYPE_COUNT])(const struct cap *cap);
    /* A capability is being deleted. `final` is true when it is the last
     * capability to its object (seL4's finaliseCap): the object must let go
     * of everything (a TCB is suspended, an endpoint's queue cancelled, an
     * IRQ handler's line released). Also called when `final` is false for
     * types whose capabilities carry state of their own (a frame cap's
     * mapping). For a CNode or TCB the final call comes before its slots
     * are emptied. Called exactly once with `final` true per object. */
    void (*finalise[CAP_TYPE_COUNT])(const struct cap *cap, bool final);
};

extern struct cap_object_hooks cap_hooks;

#endif
