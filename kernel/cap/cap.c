/* Capability rules that need no derivation tree: object sizes, regions,
 * rights, badges and guards. See cap.h. */
#include "cap.h"
#include "platform.h"

struct cap_object_hooks cap_hooks;

uint64_t cap_type_rights(enum cap_type t)
{
    switch (t) {
    case CAP_ENDPOINT:
        return ATOLL_RIGHTS_ALL;
    case CAP_NOTIFICATION:
        return ATOLL_RIGHTS_RW;
    case CAP_REPLY:
        return ATOLL_RIGHT_GRANT;
    case CAP_FRAME_4K:
    case CAP_FRAME_2M:
    case CAP_FRAME_1G:
        return ATOLL_RIGHTS_RW;
    default:
        return ATOLL_RIGHTS_NONE;
    }
}

bool cap_type_is_retypable(enum atoll_object_type type)
{
    /* Everything up to the EPT tables, and IOSpaces; IO_PAGE_TABLE stays
     * reserved (an IOSpace holds its own tables). (The kernel also refuses
     * the VT-x types on a CPU without VT-x: kernel/syscall.c.) */
    if (type == ATOLL_OBJECT_IOSPACE)
        return true;
    return (uint64_t)type <= ATOLL_OBJECT_EPT_PT;
}

bool cap_object_size_range(enum atoll_object_type type, uint64_t *min, uint64_t *max)
{
    switch (type) {
    case ATOLL_OBJECT_UNTYPED:
        *min = ATOLL_UNTYPED_MIN_BITS;
        *max = ATOLL_UNTYPED_MAX_BITS;
        return true;
    case ATOLL_OBJECT_CNODE:
        *min = ATOLL_CNODE_MIN_RADIX;
        *max = ATOLL_CNODE_MAX_RADIX;
        return true;
    case ATOLL_OBJECT_SCHED_CONTEXT:
        *min = ATOLL_SCHED_CONTEXT_MIN_BITS;
        *max = ATOLL_SCHED_CONTEXT_MAX_BITS;
        return true;
    case ATOLL_OBJECT_IOSPACE:
        *min = ATOLL_IOSPACE_MIN_BITS;
        *max = ATOLL_IOSPACE_MAX_BITS;
        return true;
    default:
        return false;
    }
}

unsigned cap_object_size_bits(enum atoll_object_type type, uint64_t size_bits)
{
    switch (type) {
    case ATOLL_OBJECT_UNTYPED:
    case ATOLL_OBJECT_SCHED_CONTEXT:
    case ATOLL_OBJECT_IOSPACE:
        return (unsigned)size_bits;
    case ATOLL_OBJECT_CNODE:
        return (unsigned)ATOLL_CNODE_SIZE_BITS(size_bits);
    case ATOLL_OBJECT_TCB:
        return ATOLL_TCB_SIZE_BITS;
    case ATOLL_OBJECT_ENDPOINT:
        return ATOLL_ENDPOINT_SIZE_BITS;
    case ATOLL_OBJECT_NOTIFICATION:
        return ATOLL_NOTIFICATION_SIZE_BITS;
    case ATOLL_OBJECT_REPLY:
        return ATOLL_REPLY_SIZE_BITS;
    case ATOLL_OBJECT_FRAME_4K:
        return ATOLL_FRAME_4K_SIZE_BITS;
    case ATOLL_OBJECT_FRAME_2M:
        return ATOLL_FRAME_2M_SIZE_BITS;
    case ATOLL_OBJECT_FRAME_1G:
        return ATOLL_FRAME_1G_SIZE_BITS;
    case ATOLL_OBJECT_PML4:
    case ATOLL_OBJECT_PDPT:
    case ATOLL_OBJECT_PD:
    case ATOLL_OBJECT_PT:
        return ATOLL_PAGE_TABLE_SIZE_BITS;
    case ATOLL_OBJECT_VCPU:
        return ATOLL_VCPU_SIZE_BITS;
    case ATOLL_OBJECT_GUEST_SPACE:
    case ATOLL_OBJECT_EPT_PDPT:
    case ATOLL_OBJECT_EPT_PD:
    case ATOLL_OBJECT_EPT_PT:
        return ATOLL_EPT_TABLE_SIZE_BITS;
    case ATOLL_OBJECT_IO_PAGE_TABLE:
        return ATOLL_IO_PAGE_TABLE_SIZE_BITS;
    default:
        return 0;
    }
}

struct cap cap_object_new(enum atoll_object_type type, uint64_t paddr, uint64_t size_bits,
                          bool device)
{
    enum cap_type ct = cap_type_of_object(type);
    struct cap c;

    switch (type) {
    case ATOLL_OBJECT_UNTYPED:
        return cap_untyped_new(paddr, (unsigned)size_bits, device, 0);
    case ATOLL_OBJECT_CNODE:
        /* No guard: the creator sets one with Mint or Mutate. */
        return cap_cnode_new(paddr, (unsigned)size_bits, 0, 0);
    case ATOLL_OBJECT_SCHED_CONTEXT:
    case ATOLL_OBJECT_IOSPACE:
        c = cap_make(ct, paddr, 0);
        cap_set_field(&c, CAP_SIZE_BITS_POS, CAP_SIZE_BITS_WIDTH, size_bits);
        return c;
    default:
        c = cap_make(ct, paddr, 0);
        if (cap_type_has_rights(ct))
            cap_set_field(&c, CAP_RIGHTS_POS, CAP_RIGHTS_WIDTH, cap_type_rights(ct));
        if (cap_type_is_frame(ct))
            cap_set_field(&c, CAP_FRAME_DEVICE_POS, 1, device);
        return c;
    }
}

struct atoll_error_detail cap_make_object(enum atoll_object_type type, uint64_t paddr,
                                          uint64_t size_bits, bool device, struct cap *out)
{
    enum {
        ARG_TYPE = 0,
        ARG_SIZE_BITS = 1,
        ARG_PADDR = 2,
        ARG_DEVICE = 3,
    };
    uint64_t min, max;

    if (!cap_type_is_retypable(type))
        return cap_error(ATOLL_ERR_INVALID_ARGUMENT, ARG_TYPE);
    if (cap_object_size_range(type, &min, &max) && (size_bits < min || size_bits > max))
        return cap_range_error(ARG_SIZE_BITS, min, max);
    if (device && type != ATOLL_OBJECT_UNTYPED && !cap_type_is_frame(cap_type_of_object(type)))
        return cap_error(ATOLL_ERR_INVALID_ARGUMENT, ARG_DEVICE);

    unsigned bits = cap_object_size_bits(type, size_bits);
    if ((paddr & cap_bits_mask(bits)) != 0) {
        struct atoll_error_detail e = cap_error(ATOLL_ERR_ALIGNMENT_ERROR, ARG_PADDR);
        e.value0 = bits;
        return e;
    }
    /* The object's last byte must be addressable by the capability. */
    if (paddr > CAP_PADDR_MAX || cap_bits_mask(bits) > CAP_PADDR_MAX - paddr)
        return cap_range_error(ARG_PADDR, 0, CAP_PADDR_MAX);

    *out = cap_object_new(type, paddr, size_bits, device);
    return cap_ok();
}

bool cap_region(const struct cap *c, uint64_t *base, unsigned *size_bits)
{
    enum cap_type t = cap_type(c);

    switch (t) {
    case CAP_NULL:
    case CAP_IRQ_CONTROL:
    case CAP_IRQ_HANDLER:
    case CAP_IOPORT_CONTROL:
    case CAP_IOPORT:
    case CAP_SCHED_CONTROL:
    case CAP_IOMMU_CONTROL:
        return false;
    case CAP_UNTYPED:
        *size_bits = cap_untyped_size_bits(c);
        break;
    case CAP_CNODE:
        *size_bits = ATOLL_CNODE_SIZE_BITS(cap_cnode_radix(c));
        break;
    case CAP_SCHED_CONTEXT:
        *size_bits = cap_sched_context_size_bits(c);
        break;
    case CAP_IOSPACE:
        *size_bits = cap_iospace_size_bits(c);
        break;
    case CAP_ZOMBIE:
        *size_bits =
            cap_zombie_is_tcb(c) ? ATOLL_TCB_SIZE_BITS : ATOLL_CNODE_SIZE_BITS(cap_zombie_radix(c));
        break;
    default:
        if (t >= CAP_TYPE_COUNT)
            return false;
        *size_bits = cap_object_size_bits(cap_object_type(t), 0);
        break;
    }
    *base = cap_paddr(c);
    return true;
}

bool cap_is_container(const struct cap *c)
{
    enum cap_type t = cap_type(c);
    return t == CAP_CNODE || t == CAP_TCB || t == CAP_ZOMBIE;
}

static bool container_is_tcb(const struct cap *c)
{
    return cap_type(c) == CAP_TCB || (cap_type(c) == CAP_ZOMBIE && cap_zombie_is_tcb(c));
}

struct cap_slot *cap_container_slots(const struct cap *c)
{
    CAP_ASSERT(cap_is_container(c));
    uint64_t paddr = cap_paddr(c);
    if (container_is_tcb(c))
        paddr += CAP_TCB_SLOTS_OFFSET;
    return cap_phys_to_virt(paddr);
}

uint64_t cap_container_slot_count(const struct cap *c)
{
    CAP_ASSERT(cap_is_container(c));
    if (container_is_tcb(c))
        return ATOLL_TCB_SLOT_COUNT;
    unsigned radix = cap_type(c) == CAP_CNODE ? cap_cnode_radix(c) : cap_zombie_radix(c);
    return UINT64_C(1) << radix;
}

bool cap_same_region_as(const struct cap *a, const struct cap *b)
{
    enum cap_type ta = cap_type(a), tb = cap_type(b);

    switch (ta) {
    case CAP_NULL:
    case CAP_ZOMBIE:
        return false;
    case CAP_UNTYPED: {
        uint64_t a_base, b_base;
        unsigned a_bits, b_bits;
        if (!cap_region(b, &b_base, &b_bits))
            return false;
        cap_region(a, &a_base, &a_bits);
        /* Compare last bytes: no overflow for sizes below 2^48. */
        return a_base <= b_base && b_base + cap_bits_mask(b_bits) <= a_base + cap_bits_mask(a_bits);
    }
    case CAP_CNODE:
        return tb == CAP_CNODE && cap_paddr(a) == cap_paddr(b) &&
               cap_cnode_radix(a) == cap_cnode_radix(b);
    case CAP_SCHED_CONTEXT:
        return tb == CAP_SCHED_CONTEXT && cap_paddr(a) == cap_paddr(b) &&
               cap_sched_context_size_bits(a) == cap_sched_context_size_bits(b);
    case CAP_IRQ_CONTROL:
        return tb == CAP_IRQ_CONTROL || tb == CAP_IRQ_HANDLER;
    case CAP_IRQ_HANDLER:
        return tb == CAP_IRQ_HANDLER && cap_irq(a) == cap_irq(b);
    case CAP_IOPORT_CONTROL:
        return tb == CAP_IOPORT_CONTROL || tb == CAP_IOPORT;
    case CAP_IOPORT:
        return tb == CAP_IOPORT && cap_ioport_first(a) == cap_ioport_first(b) &&
               cap_ioport_last(a) == cap_ioport_last(b);
    case CAP_SCHED_CONTROL:
        return tb == CAP_SCHED_CONTROL && cap_sched_control_core(a) == cap_sched_control_core(b);
    case CAP_IOMMU_CONTROL:
        return tb == CAP_IOMMU_CONTROL;
    case CAP_IOSPACE:
        return tb == CAP_IOSPACE && cap_paddr(a) == cap_paddr(b) &&
               cap_iospace_size_bits(a) == cap_iospace_size_bits(b);
    default:
        /* Fixed-size objects: the same object is the same type at the same
         * address. */
        return ta < CAP_TYPE_COUNT && tb == ta && cap_paddr(a) == cap_paddr(b);
    }
}

bool cap_same_object_as(const struct cap *a, const struct cap *b)
{
    enum cap_type ta = cap_type(a), tb = cap_type(b);

    if (ta == CAP_UNTYPED)
        return false;
    if (ta == CAP_IRQ_CONTROL && tb == CAP_IRQ_HANDLER)
        return false;
    if (ta == CAP_IOPORT_CONTROL && tb == CAP_IOPORT)
        return false;
    return cap_same_region_as(a, b);
}

struct cap cap_mask_rights(struct cap c, uint64_t rights)
{
    if (cap_type_has_rights(cap_type(&c)))
        cap_set_field(&c, CAP_RIGHTS_POS, CAP_RIGHTS_WIDTH, cap_rights(&c) & rights);
    return c;
}

struct cap cap_update_data(struct cap c, uint64_t data, bool preserve)
{
    switch (cap_type(&c)) {
    case CAP_ENDPOINT:
    case CAP_NOTIFICATION:
        /* A badge is set once, by Mint of an unbadged capability; after
         * that the derivation tree relies on it never changing. */
        if (preserve)
            return data == 0 ? c : cap_null();
        if (cap_badge(&c) != 0)
            return cap_null();
        c.words[1] = data;
        return c;
    case CAP_CNODE: {
        unsigned guard_size = (unsigned)(data & cap_bits_mask(ATOLL_CNODE_GUARD_SIZE_BITS));
        uint64_t guard = data >> ATOLL_CNODE_GUARD_SIZE_BITS;
        /* One level may resolve at most a whole pointer. */
        if (guard_size + cap_cnode_radix(&c) > ATOLL_CPTR_BITS)
            return cap_null();
        guard &= cap_bits_mask(guard_size);
        c.words[1] = (guard << ATOLL_CNODE_GUARD_SIZE_BITS) | guard_size;
        return c;
    }
    case CAP_ZOMBIE:
        return cap_null();
    default:
        return c;
    }
}
