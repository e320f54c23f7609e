/* Untyped_Retype; see untyped.h. The checks and their order follow seL4's
 * decodeUntypedInvocation (manual, "Kernel Memory Allocation"), with argument indices in every
 * error. */
#include "untyped.h"
#include "cspace.h"
#include "kstring.h"
#include "mdb.h"
#include "platform.h"

static uint64_t align_up(uint64_t value, unsigned bits)
{
    return (value + cap_bits_mask(bits)) & ~cap_bits_mask(bits);
}

/* The CNode that receives the new capabilities: the extra capability itself
 * at depth 0, else the capability (node_index, node_depth) names through
 * it. */
static struct atoll_error_detail lookup_destination(const struct cap *root, const uint64_t *words,
                                                    const struct cap **out)
{
    uint64_t depth = words[ATOLL_RETYPE_ARG_NODE_DEPTH];
    const struct cap *node = root;
    struct atoll_error_detail e;

    if (depth != 0) {
        struct cap_slot *slot;
        e = cap_lookup_slot(root, words[ATOLL_RETYPE_ARG_NODE_INDEX], depth, &slot);
        if (cap_failed(&e)) {
            e.argument = e.code == ATOLL_ERR_RANGE_ERROR ? ATOLL_RETYPE_ARG_NODE_DEPTH
                                                         : ATOLL_RETYPE_ARG_NODE_INDEX;
            return e;
        }
        node = &slot->cap;
    }
    if (cap_type(node) != CAP_CNODE) {
        e = cap_lookup_error(
            depth == 0 ? ATOLL_LOOKUP_INVALID_ROOT : ATOLL_LOOKUP_MISSING_CAPABILITY, 0, 0);
        e.argument = ATOLL_RETYPE_ARG_NODE_INDEX;
        return e;
    }
    *out = node;
    return cap_ok();
}

struct atoll_error_detail untyped_decode(uint64_t label, struct cap_slot *untyped_slot,
                                         const uint64_t *words, size_t length,
                                         struct cap_slot *const *extra_caps, size_t extra_count,
                                         struct untyped_retype *out)
{
    const struct cap *untyped = &untyped_slot->cap;
    struct atoll_error_detail e;
    uint64_t min, max;

    CAP_ASSERT(cap_type(untyped) == CAP_UNTYPED);
    if (label != ATOLL_UNTYPED_RETYPE)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    if (length < ATOLL_RETYPE_ARGS || extra_count < ATOLL_RETYPE_EXTRA_CAPS ||
        extra_caps[0] == NULL)
        return cap_truncated(ATOLL_RETYPE_ARGS, ATOLL_RETYPE_EXTRA_CAPS);

    uint64_t type_arg = words[ATOLL_RETYPE_ARG_TYPE];
    uint64_t size_bits = words[ATOLL_RETYPE_ARG_SIZE_BITS];
    uint64_t offset = words[ATOLL_RETYPE_ARG_NODE_OFFSET];
    uint64_t count = words[ATOLL_RETYPE_ARG_COUNT];

    /* The object: a type Retype can make, of a size in range. */
    if (type_arg >= ATOLL_OBJECT_TYPE_COUNT ||
        !cap_type_is_retypable((enum atoll_object_type)type_arg))
        return cap_error(ATOLL_ERR_INVALID_ARGUMENT, ATOLL_RETYPE_ARG_TYPE);
    enum atoll_object_type type = (enum atoll_object_type)type_arg;
    if (cap_object_size_range(type, &min, &max) && (size_bits < min || size_bits > max))
        return cap_range_error(ATOLL_RETYPE_ARG_SIZE_BITS, min, max);
    unsigned object_bits = cap_object_size_bits(type, size_bits);

    /* The kernel never writes device memory, so it can hold no kernel
     * object; frames of it are for drivers (seL4 manual, "Kernel
     * Memory Allocation"). */
    if (cap_untyped_is_device(untyped) && type != ATOLL_OBJECT_UNTYPED &&
        !cap_type_is_frame(cap_type_of_object(type)))
        return cap_error(ATOLL_ERR_INVALID_ARGUMENT, ATOLL_RETYPE_ARG_TYPE);

    /* The destination: a window of empty slots in one CNode. */
    const struct cap *node;
    e = lookup_destination(&extra_caps[0]->cap, words, &node);
    if (cap_failed(&e))
        return e;
    uint64_t slots = cap_container_slot_count(node);
    if (offset > slots - 1)
        return cap_range_error(ATOLL_RETYPE_ARG_NODE_OFFSET, 0, slots - 1);
    if (count < 1 || count > ATOLL_RETYPE_MAX_OBJECTS)
        return cap_range_error(ATOLL_RETYPE_ARG_COUNT, 1, ATOLL_RETYPE_MAX_OBJECTS);
    if (count > slots - offset)
        return cap_range_error(ATOLL_RETYPE_ARG_COUNT, 1, slots - offset);
    struct cap_slot *dest = cap_container_slots(node) + offset;
    for (uint64_t i = 0; i < count; i++) {
        if (!cap_is_null(&dest[i].cap)) {
            e = cap_error(ATOLL_ERR_DELETE_FIRST, ATOLL_RETYPE_ARG_NODE_OFFSET);
            e.value0 = offset + i;
            return e;
        }
    }

    /* The memory. An untyped with no children left starts again at 0 (seL4
     * resets it); one with children allocates above its watermark, each
     * object aligned to its size. */
    bool reset = !cap_has_children(untyped_slot);
    uint64_t free_offset = reset ? 0 : cap_untyped_free_offset(untyped);
    unsigned untyped_bits = cap_untyped_size_bits(untyped);
    uint64_t untyped_size = UINT64_C(1) << untyped_bits;
    uint64_t first = align_up(free_offset, object_bits);
    if (object_bits > untyped_bits || first > untyped_size ||
        ((untyped_size - first) >> object_bits) < count) {
        e = cap_error(ATOLL_ERR_NOT_ENOUGH_MEMORY, 0);
        e.value0 = untyped_size - free_offset;
        return e;
    }

    out->untyped = untyped_slot;
    out->type = type;
    out->size_bits = size_bits;
    out->object_bits = object_bits;
    out->dest = dest;
    out->count = count;
    out->offset = first;
    out->reset = reset;
    return cap_ok();
}

void untyped_perform_retype(const struct untyped_retype *retype)
{
    struct cap *untyped = &retype->untyped->cap;
    uint64_t base = cap_paddr(untyped);
    bool device = cap_untyped_is_device(untyped);
    uint64_t object_size = UINT64_C(1) << retype->object_bits;
    void (*initialise)(const struct cap *) = cap_hooks.initialise[cap_type_of_object(retype->type)];

    cap_untyped_set_free_offset(untyped, retype->offset + retype->count * object_size);
    for (uint64_t i = 0; i < retype->count; i++) {
        uint64_t paddr = base + retype->offset + i * object_size;
        struct cap cap = cap_object_new(retype->type, paddr, retype->size_bits, device);
        /* Fresh objects start zeroed: an empty CNode is all null caps, and
         * nothing of the memory's previous use leaks. A child untyped is
         * zeroed piecewise as objects are made from it; device memory is
         * never touched. */
        if (!device && retype->type != ATOLL_OBJECT_UNTYPED)
            memset(cap_phys_to_virt(paddr), 0, object_size);
        if (initialise != NULL)
            initialise(&cap);
        cap_insert_child(retype->untyped, retype->dest + i, cap);
    }
}
