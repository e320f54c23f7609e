/* IOSpace objects and IOMMUControl invocations. See iospace.h and the ABI
 * in kernel/include/atoll/iommu.h.
 *
 * An IOSpace object of 2^n bytes: page 0 holds struct iospace (never seen
 * by users), pages 1.. are the pool iopt.c takes its tables from. Decode
 * checks everything first; the one fallible step left (iopt_map needing a
 * table page) changes nothing when it fails, so nothing is committed
 * before it has succeeded.
 *
 * Safety rests on: a device reaches memory only through a context entry,
 * which points at the table of a live IOSpace (deleting the IOSpace clears
 * every entry naming it, and invalidates, before its memory can be
 * retyped); and a frame is reachable through an IOSpace only while a frame
 * capability records that mapping (deleting the capability undoes it and
 * invalidates before returning). */
#include "iommu/iospace.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/trap.h"
#include "iommu/iopt.h"
#include "iommu/vtd.h"
#include "iommu/vtd_regs.h"
#include "kernel/console.h"
#include "kernel/ipc.h"
#include "kernel/kstring.h"
#include "kernel/cap/cap.h"
#include "kernel/cap/delete.h"
#include "kernel/cap/mdb.h"
#include "kernel/cap/platform.h"

#define PAGE_SIZE     UINT64_C(4096)
#define POOL_MAX      ((UINT64_C(1) << ATOLL_IOSPACE_MAX_BITS) / PAGE_SIZE - 1)
#define POOL_WORDS    ((POOL_MAX + 63) / 64)
#define MAPPING_SHIFT 48
#define MAPPING_IOVA  ((UINT64_C(1) << MAPPING_SHIFT) - 1)
#define MAPPING_DID   UINT64_C(0xfff) /* IOSPACE_DOMAINS - 1 */
/* Live IOSpaces at once (domain ids 1 to IOSPACE_DOMAINS - 1; the units
 * may allow fewer). Id 0 is reserved in caching mode and means "none". */
#define IOSPACE_DOMAINS 4096u

struct iospace_device {
    uint32_t unit;
    uint16_t segment;
    uint16_t source;
};

struct iospace {
    struct iopt pt;
    bool ready; /* pt is initialised (a unit was up at Retype) */
    uint16_t did;
    uint32_t pool_pages;
    uint64_t pool_base;
    uint64_t pool_used[POOL_WORDS];
    uint32_t device_count;
    struct iospace_device devices[ATOLL_IOSPACE_MAX_DEVICES];
};

_Static_assert(sizeof(struct iospace) <= PAGE_SIZE, "the bookkeeping fits its page");

/* Physical address of the IOSpace each domain id belongs to, 0 if free. */
static uint64_t did_owner[IOSPACE_DOMAINS];
static uint32_t did_next = 1;
/* A copy of the fault notification capability (IOMMU_SetFaultNotification),
 * an ordinary node of the derivation tree as an IRQ handler's is: a revoke
 * that reaches it leaves the slot empty and faults are then only kept. */
static struct cap_slot fault_notification;

static struct iospace *iospace_of(const struct cap *c)
{
    return phys_to_virt(cap_paddr(c));
}

/* ---- The table pool (iopt_mem) ---- */

static uint64_t pool_alloc(void *ctx)
{
    struct iospace *s = ctx;
    for (uint32_t i = 0; i < s->pool_pages; i++) {
        if ((s->pool_used[i / 64] & (UINT64_C(1) << (i % 64))) != 0)
            continue;
        s->pool_used[i / 64] |= UINT64_C(1) << (i % 64);
        uint64_t phys = s->pool_base + i * PAGE_SIZE;
        memset(phys_to_virt(phys), 0, PAGE_SIZE);
        return phys;
    }
    return 0;
}

static void pool_free(void *ctx, uint64_t phys)
{
    struct iospace *s = ctx;
    if (phys < s->pool_base)
        return;
    uint64_t i = (phys - s->pool_base) / PAGE_SIZE;
    if (i < s->pool_pages)
        s->pool_used[i / 64] &= ~(UINT64_C(1) << (i % 64));
}

static uint64_t *pool_table(void *ctx, uint64_t phys)
{
    (void)ctx;
    return phys_to_virt(phys);
}

/* Units that do not snoop read the tables from memory: write back every
 * table page in use (rare hardware; QEMU and current Intel parts snoop). */
static void flush_pool(const struct iospace *s)
{
    for (uint32_t i = 0; i < s->pool_pages; i++) {
        if ((s->pool_used[i / 64] & (UINT64_C(1) << (i % 64))) != 0)
            vtd_flush_tables(phys_to_virt(s->pool_base + i * PAGE_SIZE), PAGE_SIZE);
    }
}

/* ---- Domain ids ---- */

static uint32_t did_limit(void)
{
    struct vtd_format f;
    if (!vtd_common_format(&f))
        return 0;
    return f.domains < IOSPACE_DOMAINS ? f.domains : IOSPACE_DOMAINS;
}

/* The id this IOSpace has, or a free one it can take (0: none left). */
static uint16_t did_choose(const struct iospace *s)
{
    if (s->did != 0)
        return s->did;
    uint32_t limit = did_limit();
    for (uint32_t i = 0; limit > 1 && i < limit - 1; i++) {
        uint32_t d = 1 + (did_next - 1 + i) % (limit - 1);
        if (did_owner[d] == 0)
            return (uint16_t)d;
    }
    return 0;
}

static void did_commit(struct iospace *s, uint64_t paddr, uint16_t did)
{
    if (s->did != 0)
        return;
    s->did = did;
    did_owner[did] = paddr;
    did_next = did + 1u;
}

static struct iospace *iospace_by_did(uint64_t did)
{
    if (did == 0 || did >= IOSPACE_DOMAINS || did_owner[did] == 0)
        return NULL;
    return phys_to_virt(did_owner[did]);
}

/* ---- Frames ---- */

static uint64_t frame_bytes(enum cap_type t)
{
    return t == CAP_FRAME_2M ? IOPT_PAGE_2M : IOPT_PAGE_4K;
}

static void unmap_recorded(struct iospace *s, const struct cap *frame, uint64_t iova)
{
    uint64_t phys, size;
    unsigned rights;
    uint64_t bytes = frame_bytes(cap_type(frame));
    if (!iopt_translate(&s->pt, iova, &phys, &rights, &size) || phys != cap_paddr(frame) ||
        size != bytes)
        return;
    struct iopt_inval inv;
    if (iopt_unmap(&s->pt, iova, bytes, &inv) != IOPT_OK)
        return;
    flush_pool(s);
    vtd_invalidate_iotlb(s->did, inv.start, inv.end, inv.leaf_only);
}

void iospace_frame_unmap(const struct cap *frame)
{
    uint64_t mapping = frame->words[1];
    if (!iospace_mapping_is_io(mapping))
        return;
    struct iospace *s = iospace_by_did((mapping >> MAPPING_SHIFT) & MAPPING_DID);
    if (s != NULL && s->ready)
        unmap_recorded(s, frame, mapping & MAPPING_IOVA);
}

static unsigned io_rights(uint64_t r)
{
    return ((r & ATOLL_IO_READ) ? IOPT_READ : 0) | ((r & ATOLL_IO_WRITE) ? IOPT_WRITE : 0);
}

static uint64_t cap_rights_as_io(const struct cap *frame)
{
    uint64_t r = cap_rights(frame);
    return ((r & ATOLL_RIGHT_READ) ? ATOLL_IO_READ : 0) |
           ((r & ATOLL_RIGHT_WRITE) ? ATOLL_IO_WRITE : 0);
}

static struct atoll_error_detail iospace_map(struct cap_slot *slot, const uint64_t *words,
                                             size_t length, struct cap_slot *const *extra,
                                             size_t extra_count)
{
    struct iospace *s = iospace_of(&slot->cap);
    if (length < ATOLL_IOSPACE_MAP_ARGS || extra_count < ATOLL_IOSPACE_EXTRA_CAPS)
        return cap_truncated(ATOLL_IOSPACE_MAP_ARGS, ATOLL_IOSPACE_EXTRA_CAPS);
    if (!s->ready)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    struct cap *frame = &extra[0]->cap;
    enum cap_type t = cap_type(frame);
    if ((t != CAP_FRAME_4K && t != CAP_FRAME_2M) || (t == CAP_FRAME_2M && !s->pt.large_2m) ||
        cap_mapping(frame) != 0)
        return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
    uint64_t iova = words[ATOLL_IOSPACE_ARG_IOVA];
    uint64_t rights = words[ATOLL_IOSPACE_ARG_RIGHTS];
    uint64_t allowed = cap_rights_as_io(frame);
    if (rights == 0 || (rights & ~(ATOLL_IO_READ | ATOLL_IO_WRITE)) != 0 ||
        (rights & ~allowed) != 0) {
        struct atoll_error_detail e =
            cap_error(ATOLL_ERR_INVALID_ARGUMENT, ATOLL_IOSPACE_ARG_RIGHTS);
        e.value0 = allowed;
        return e;
    }
    uint64_t bytes = frame_bytes(t);
    if ((iova & (bytes - 1)) != 0) {
        struct atoll_error_detail e = cap_error(ATOLL_ERR_ALIGNMENT_ERROR, ATOLL_IOSPACE_ARG_IOVA);
        e.value0 = t == CAP_FRAME_2M ? ATOLL_FRAME_2M_SIZE_BITS : ATOLL_FRAME_4K_SIZE_BITS;
        return e;
    }
    unsigned bits = s->pt.addr_bits < MAPPING_SHIFT ? s->pt.addr_bits : MAPPING_SHIFT;
    uint64_t limit = UINT64_C(1) << bits;
    if (iova >= limit || limit - iova < bytes)
        return cap_range_error(ATOLL_IOSPACE_ARG_IOVA, 0, limit - 1);
    uint16_t did = did_choose(s);
    if (did == 0) {
        struct atoll_error_detail e = cap_error(ATOLL_ERR_NOT_ENOUGH_MEMORY, 0);
        e.value0 = 1;
        return e;
    }

    struct iopt_inval inv;
    int r = iopt_map(&s->pt, iova, cap_paddr(frame), bytes, io_rights(rights), &inv);
    switch (r) {
    case IOPT_OK:
        break;
    case IOPT_ERR_EXISTS: {
        struct atoll_error_detail e = cap_error(ATOLL_ERR_DELETE_FIRST, ATOLL_IOSPACE_ARG_IOVA);
        e.value0 = iova;
        return e;
    }
    case IOPT_ERR_NO_MEMORY:
        return cap_error(ATOLL_ERR_NOT_ENOUGH_MEMORY, 0);
    default:
        /* The frame lies beyond what the units can address. */
        return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
    }
    did_commit(s, cap_paddr(&slot->cap), did);
    frame->words[1] = IOSPACE_MAPPING_FLAG | ((uint64_t)did << MAPPING_SHIFT) | iova;
    flush_pool(s);
    /* Caching mode: the unit may hold the not-present entry. A replaced
     * table must be out of every walk before its page is reused. */
    if (vtd_caching_mode() || inv.free_after != 0)
        vtd_invalidate_iotlb(s->did, inv.start, inv.end, inv.leaf_only);
    if (inv.free_after != 0)
        pool_free(s, inv.free_after);
    return cap_ok();
}

static struct atoll_error_detail iospace_unmap(struct cap_slot *slot, struct cap_slot *const *extra,
                                               size_t extra_count)
{
    struct iospace *s = iospace_of(&slot->cap);
    if (extra_count < ATOLL_IOSPACE_EXTRA_CAPS)
        return cap_truncated(0, ATOLL_IOSPACE_EXTRA_CAPS);
    if (!s->ready)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    struct cap *frame = &extra[0]->cap;
    if (!cap_type_is_frame(cap_type(frame)))
        return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
    uint64_t mapping = frame->words[1];
    if (mapping == 0)
        return cap_ok();
    if (!iospace_mapping_is_io(mapping) || s->did == 0 ||
        ((mapping >> MAPPING_SHIFT) & MAPPING_DID) != s->did)
        return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
    unmap_recorded(s, frame, mapping & MAPPING_IOVA);
    frame->words[1] = 0;
    return cap_ok();
}

/* ---- IOMMUControl ---- */

static struct atoll_error_detail device_error(enum vtd_device_result r)
{
    struct atoll_error_detail e =
        cap_error(ATOLL_ERR_INVALID_ARGUMENT, ATOLL_IOMMU_ARG_PCI_ADDRESS);
    switch (r) {
    case VTD_DEVICE_NOT_COVERED:
        e.value0 = ATOLL_IOMMU_NOT_COVERED;
        break;
    case VTD_DEVICE_AMBIGUOUS:
        e.value0 = ATOLL_IOMMU_AMBIGUOUS;
        break;
    case VTD_DEVICE_UNIT_DOWN:
        e.value0 = ATOLL_IOMMU_UNIT_DOWN;
        break;
    default:
        e.value0 = ATOLL_IOMMU_UNCERTAIN;
        break;
    }
    return e;
}

/* The unit of the PCI function a Bind/Unbind names. */
static struct atoll_error_detail decode_device(const uint64_t *words, size_t length, uint32_t *unit,
                                               uint16_t *segment, uint16_t *source)
{
    if (length < ATOLL_IOMMU_BIND_ARGS)
        return cap_truncated(ATOLL_IOMMU_BIND_ARGS, 0);
    uint64_t a = words[ATOLL_IOMMU_ARG_PCI_ADDRESS];
    if (a > UINT32_MAX)
        return cap_range_error(ATOLL_IOMMU_ARG_PCI_ADDRESS, 0, UINT32_MAX);
    *segment = ATOLL_PCI_SEGMENT(a);
    *source = ATOLL_PCI_SOURCE_ID(a);
    enum vtd_device_result r =
        vtd_device_unit(*segment, (uint8_t)(*source >> 8), (uint8_t)((*source >> 3) & 0x1f),
                        (uint8_t)(*source & 7), unit);
    return r == VTD_DEVICE_OK ? cap_ok() : device_error(r);
}

static struct atoll_error_detail iommu_bind(const uint64_t *words, size_t length,
                                            struct cap_slot *const *extra, size_t extra_count)
{
    if (length < ATOLL_IOMMU_BIND_ARGS || extra_count < 1)
        return cap_truncated(ATOLL_IOMMU_BIND_ARGS, 1);
    if (cap_type(&extra[0]->cap) != CAP_IOSPACE)
        return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
    struct iospace *s = iospace_of(&extra[0]->cap);
    if (!s->ready)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    uint32_t unit;
    uint16_t segment, source, old;
    struct atoll_error_detail e = decode_device(words, length, &unit, &segment, &source);
    if (cap_failed(&e))
        return e;
    if (vtd_context_lookup(unit, source, &old))
        return cap_error(ATOLL_ERR_DELETE_FIRST, ATOLL_IOMMU_ARG_PCI_ADDRESS);
    e = cap_error(ATOLL_ERR_NOT_ENOUGH_MEMORY, 0);
    if (s->device_count == ATOLL_IOSPACE_MAX_DEVICES) {
        e.value0 = 3;
        return e;
    }
    uint16_t did = did_choose(s);
    if (did == 0) {
        e.value0 = 1;
        return e;
    }
    if (vtd_context_bind(unit, source, did, s->pt.root, iopt_context_aw(&s->pt)) != VTD_BIND_OK) {
        e.value0 = 2;
        return e;
    }
    did_commit(s, cap_paddr(&extra[0]->cap), did);
    s->devices[s->device_count++] = (struct iospace_device){unit, segment, source};
    return cap_ok();
}

static void forget_device(struct iospace *s, uint32_t unit, uint16_t source)
{
    for (uint32_t i = 0; i < s->device_count; i++) {
        if (s->devices[i].unit == unit && s->devices[i].source == source) {
            s->devices[i] = s->devices[--s->device_count];
            return;
        }
    }
}

static struct atoll_error_detail iommu_unbind(const uint64_t *words, size_t length)
{
    uint32_t unit;
    uint16_t segment, source, did;
    struct atoll_error_detail e = decode_device(words, length, &unit, &segment, &source);
    if (cap_failed(&e))
        return e;
    if (!vtd_context_lookup(unit, source, &did)) {
        e = cap_error(ATOLL_ERR_INVALID_ARGUMENT, ATOLL_IOMMU_ARG_PCI_ADDRESS);
        e.value0 = ATOLL_IOMMU_NOT_BOUND;
        return e;
    }
    struct iospace *s = iospace_by_did(did);
    if (s != NULL)
        forget_device(s, unit, source);
    vtd_context_unbind(unit, source);
    return cap_ok();
}

static bool fault_notification_bound(void)
{
    return cap_type(&fault_notification.cap) == CAP_NOTIFICATION;
}

/* Fault events go to the bootstrap core, as device interrupts do. */
static void fault_events(bool enable)
{
    vtd_fault_events(enable, VEC_IOMMU_FAULT, percpu_area[0].apic_id);
}

/* A unit recorded a fault: mask every unit's event until the handler has
 * read the records (GetFault finds none), then signal it. */
static void fault_interrupt(struct trap_frame *frame)
{
    (void)frame;
    fault_events(false);
    if (fault_notification_bound())
        notification_signal(phys_to_virt(cap_paddr(&fault_notification.cap)),
                            cap_badge(&fault_notification.cap));
}

static struct atoll_error_detail iommu_set_fault_notification(struct cap_slot *const *extra,
                                                              size_t extra_count)
{
    if (extra_count < 1)
        return cap_truncated(0, 1);
    const struct cap *n = &extra[0]->cap;
    if (cap_type(n) != CAP_NOTIFICATION || !(cap_rights(n) & ATOLL_RIGHT_WRITE) ||
        cap_badge(n) == 0)
        return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
    struct cap copy;
    struct atoll_error_detail e =
        cap_derive(extra[0], cap_mask_rights(*n, ATOLL_RIGHT_WRITE), &copy);
    if (cap_failed(&e))
        return e;
    cap_delete(&fault_notification);
    cap_insert(copy, extra[0], &fault_notification);
    /* Records already pending raise the event at once (FECTL.IP). */
    fault_events(true);
    return cap_ok();
}

static struct atoll_error_detail iommu_get_fault(uint64_t *reply, size_t *reply_length)
{
    struct vtd_fault f;
    for (size_t i = 0; i < ATOLL_IOMMU_FAULT_WORDS; i++)
        reply[i] = 0;
    *reply_length = ATOLL_IOMMU_FAULT_WORDS;
    if (!vtd_next_fault(&f)) {
        /* Drained: the next fault may interrupt again. */
        if (fault_notification_bound())
            fault_events(true);
        return cap_ok();
    }
    reply[0] = ATOLL_IOMMU_FAULT_VALID | (f.read ? ATOLL_IOMMU_FAULT_READ : 0) |
               (f.overflow ? ATOLL_IOMMU_FAULT_OVERFLOW : 0) |
               ((uint64_t)(f.unit & 0xff) << ATOLL_IOMMU_FAULT_UNIT_SHIFT);
    reply[1] = ((uint64_t)f.segment << 16) | f.source;
    reply[2] = f.address;
    reply[3] = f.reason;
    return cap_ok();
}

struct atoll_error_detail iospace_invoke(struct cap_slot *slot, uint64_t label,
                                         const uint64_t *words, size_t length,
                                         struct cap_slot *const *extra, size_t extra_count,
                                         uint64_t *reply, size_t *reply_length)
{
    *reply_length = 0;
    if (cap_type(&slot->cap) == CAP_IOSPACE) {
        switch (label) {
        case ATOLL_IOSPACE_MAP:
            return iospace_map(slot, words, length, extra, extra_count);
        case ATOLL_IOSPACE_UNMAP:
            return iospace_unmap(slot, extra, extra_count);
        default:
            return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
        }
    }
    if (cap_type(&slot->cap) != CAP_IOMMU_CONTROL || vtd_unit_count() == 0)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    switch (label) {
    case ATOLL_IOMMU_BIND:
        return iommu_bind(words, length, extra, extra_count);
    case ATOLL_IOMMU_UNBIND:
        return iommu_unbind(words, length);
    case ATOLL_IOMMU_GET_FAULT:
        return iommu_get_fault(reply, reply_length);
    case ATOLL_IOMMU_SET_FAULT_NOTIFICATION:
        return iommu_set_fault_notification(extra, extra_count);
    default:
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    }
}

/* ---- Lifetime ---- */

static void iospace_initialise(const struct cap *c)
{
    struct iospace *s = iospace_of(c);
    s->pool_base = cap_paddr(c) + PAGE_SIZE;
    s->pool_pages = (uint32_t)((UINT64_C(1) << cap_iospace_size_bits(c)) / PAGE_SIZE - 1);
    struct vtd_format f;
    if (!vtd_common_format(&f))
        return; /* no unit: every invocation is ILLEGAL_OPERATION */
    struct iopt_mem mem = {pool_alloc, pool_free, pool_table, s};
    s->ready = iopt_init(&s->pt, &mem, f.sagaw, f.mgaw, f.sllps, f.haw) == IOPT_OK;
    flush_pool(s);
}

/* The last capability goes: no device may walk this memory any more. */
static void iospace_finalise(const struct cap *c, bool final)
{
    if (!final)
        return;
    struct iospace *s = iospace_of(c);
    for (uint32_t i = 0; i < s->device_count; i++)
        vtd_context_unbind(s->devices[i].unit, s->devices[i].source);
    s->device_count = 0;
    if (s->did != 0) {
        vtd_invalidate_iotlb(s->did, 0, 0, false);
        if (did_owner[s->did] == cap_paddr(c))
            did_owner[s->did] = 0;
        s->did = 0;
    }
    s->ready = false;
}

void iospace_init(void)
{
    cap_hooks.initialise[CAP_IOSPACE] = iospace_initialise;
    cap_hooks.finalise[CAP_IOSPACE] = iospace_finalise;
    trap_set_handler(VEC_IOMMU_FAULT, fault_interrupt);
}
