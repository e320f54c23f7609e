/* IRQControl and IRQHandler capabilities (ABI and semantics:
 * kernel/include/atoll/irq.h; seL4 manual, "Interrupts", with the implicit
 * acknowledgement its authors list under "if done again").
 *
 * One table entry per device vector; an IRQHandler capability's IRQ number
 * is the index of its entry (vector - ATOLL_IRQ_VECTOR_FIRST). An entry
 * says where its interrupt comes from (an IOAPIC line or an MSI) and holds,
 * in a capability slot of its own, a copy of the notification capability
 * it signals, as seL4 keeps one in its IRQ node. The copy is an ordinary
 * node of the derivation tree: the notification cannot be finalised while
 * it is bound, and a revoke that reaches the copy just leaves the slot
 * empty (deliveries are then dropped and the line stays masked).
 *
 * One rule for every IOAPIC line (line_update): it is unmasked exactly when
 * a notification is bound and no delivery waits for its acknowledgement.
 *
 * Everything here runs under the kernel lock, interrupt delivery included
 * (trap_dispatch takes it). */
#include "irq_objects.h"
#include "cpu.h"
#include "ioapic.h"
#include "ioapic_regs.h"
#include "paging.h"
#include "trap.h"
#include "../../kernel/ipc.h"
#include "../../kernel/objects.h"
#include "../../iommu/irte.h"
#include "../../iommu/vtd.h"
#include "../../iommu/vtd_regs.h"
#include "../../kernel/cap/cspace.h"
#include "../../kernel/cap/delete.h"
#include "../../kernel/cap/mdb.h"
#include "../../kernel/cap/platform.h"
#include "atoll/irq.h"

#define IRQ_COUNT         (ATOLL_IRQ_VECTOR_LAST - ATOLL_IRQ_VECTOR_FIRST + 1)
#define APIC_ID_XAPIC_MAX 0xffu /* IOAPIC and MSI physical destinations (SDM Vol. 3A 11.11.1) */

_Static_assert(ATOLL_IRQ_VECTOR_FIRST >= VEC_IRQ_BASE, "device vectors above the 8259s' range");
_Static_assert(ATOLL_IRQ_VECTOR_LAST < VEC_LAPIC_TIMER, "device vectors below the kernel's");
/* With interrupt remapping, IRQ n uses remapping-table entry n. */
_Static_assert(IRQ_COUNT <= VTD_IRT_ENTRIES, "one remapping entry per device vector");

enum irq_source {
    IRQ_FREE = 0,
    IRQ_IOAPIC,
    IRQ_MSI,
};

struct irq_entry {
    enum irq_source source;
    uint32_t apic_id; /* the core the interrupt is delivered to */
    /* IOAPIC */
    uint32_t gsi;
    uint16_t inti_flags; /* MPS INTI polarity and trigger */
    bool awaiting_ack;   /* delivered; masked until acknowledged */
    bool line_live;      /* the redirection entry is unmasked */
    /* MSI: the function and vector index the caller named, and its tag;
     * what interrupt remapping (issue 6) will check and key on. */
    uint8_t pci_bus, pci_device, pci_function;
    uint16_t msi_vector_index;
    uint64_t msi_handle;
    struct cap_slot notification; /* a copy of the bound notification capability */
};

static struct irq_entry irqs[IRQ_COUNT];
static unsigned irqs_awaiting_ack; /* entries with awaiting_ack set */

static uint8_t vector_of(uint64_t irq)
{
    return (uint8_t)(ATOLL_IRQ_VECTOR_FIRST + irq);
}

static struct notification *bound_notification(const struct irq_entry *e)
{
    if (cap_type(&e->notification.cap) != CAP_NOTIFICATION)
        return NULL;
    return phys_to_virt(cap_paddr(&e->notification.cap));
}

static void set_awaiting_ack(struct irq_entry *e, bool awaiting)
{
    if (e->awaiting_ack == awaiting)
        return;
    e->awaiting_ack = awaiting;
    if (awaiting)
        irqs_awaiting_ack++;
    else
        irqs_awaiting_ack--;
}

/* Brings an IOAPIC line in line with the rule above. Only the mask bit
 * changes: a level-triggered line masked in irq_deliver keeps its vector,
 * so the EOI that follows still clears its Remote IRR. */
static void line_update(struct irq_entry *e)
{
    if (e->source != IRQ_IOAPIC)
        return;
    bool live = bound_notification(e) != NULL && !e->awaiting_ack;
    if (live == e->line_live)
        return;
    ioapic_set_gsi_masked(e->gsi, !live);
    e->line_live = live;
}

/* The kernel's handler for every device vector; trap_dispatch sends the
 * LAPIC EOI after it, so a level-triggered line is masked before its EOI
 * and cannot fire again until acknowledged. */
static void irq_deliver(struct trap_frame *f)
{
    uint64_t irq = f->vector - ATOLL_IRQ_VECTOR_FIRST;
    if (f->vector < ATOLL_IRQ_VECTOR_FIRST || irq >= IRQ_COUNT)
        return;
    struct irq_entry *e = &irqs[irq];
    if (e->source == IRQ_FREE)
        return; /* raised before its line was masked or its handler deleted */
    struct notification *n = bound_notification(e);
    if (n && e->source == IRQ_IOAPIC)
        set_awaiting_ack(e, true);
    line_update(e); /* masks an IOAPIC line: awaiting, or nowhere to go */
    if (n)
        notification_signal(n, cap_badge(&e->notification.cap));
}

void irq_notification_waited(struct notification *n)
{
    if (irqs_awaiting_ack == 0)
        return;
    for (uint64_t irq = 0; irq < IRQ_COUNT; irq++) {
        struct irq_entry *e = &irqs[irq];
        if (!e->awaiting_ack)
            continue;
        struct notification *bound = bound_notification(e);
        if (bound == NULL) {
            /* A revoke took the notification: nothing is left to
             * acknowledge for, and the line stays masked. */
            set_awaiting_ack(e, false);
            continue;
        }
        if (bound != n)
            continue;
        /* All its badge bits still pending: this wait takes the delivery
         * and the next one acknowledges it, after the driver has served
         * the device. (Badges are nonzero: SetNotification checks.) */
        uint64_t badge = cap_badge(&e->notification.cap);
        if ((n->word & badge) == badge)
            continue;
        set_awaiting_ack(e, false);
        line_update(e);
    }
}

void irq_handler_finalise(const struct cap *cap, bool final)
{
    uint64_t irq = cap_irq(cap);
    if (!final || irq >= IRQ_COUNT || irqs[irq].source == IRQ_FREE)
        return;
    struct irq_entry *e = &irqs[irq];
    if (e->source == IRQ_IOAPIC)
        ioapic_mask_gsi(e->gsi);
    /* The entry goes (and is invalidated) before the vector can be
     * issued again: a device that was not told to stop is blocked. */
    vtd_ir_set((uint32_t)irq, 0, 0);
    e->line_live = false;
    set_awaiting_ack(e, false);
    /* seL4 deletingIRQHandler does the same (cteDeleteOne of the IRQ node
     * slot). A notification capability is never a container, so this is
     * one finalise and one unlink in the notification's own list, which
     * the deletion that called this hook never holds a position in. */
    cap_delete(&e->notification);
    e->source = IRQ_FREE;
}

struct atoll_error_detail irq_lookup_empty_destination(struct cap_slot *const *extra,
                                                       const uint64_t *words, unsigned index_arg,
                                                       unsigned depth_arg, struct cap_slot **out)
{
    struct atoll_error_detail e =
        cap_lookup_slot(&extra[0]->cap, words[index_arg], words[depth_arg], out);
    if (e.code == ATOLL_ERR_RANGE_ERROR)
        e.argument = depth_arg;
    else if (cap_failed(&e))
        e.argument = index_arg;
    if (cap_failed(&e))
        return e;
    if (!cap_is_null(&(*out)->cap))
        return cap_error(ATOLL_ERR_DELETE_FIRST, index_arg);
    return cap_ok();
}

/* ---- IRQControl ---- */

struct irq_get {
    struct cap_slot *control, *dest;
    uint64_t irq;
    enum irq_source source;
    uint32_t apic_id;
    uint32_t gsi;
    uint16_t inti_flags;
    uint8_t pci_bus, pci_device, pci_function;
    uint16_t msi_vector_index;
    uint64_t msi_handle;
    /* With interrupt remapping: the entry that will be written. */
    bool remapped;
    uint64_t irte_lo, irte_hi;
};

static bool free_irq(uint64_t *out)
{
    for (uint64_t irq = 0; irq < IRQ_COUNT; irq++) {
        if (irqs[irq].source == IRQ_FREE) {
            *out = irq;
            return true;
        }
    }
    return false;
}

static bool gsi_issued(uint32_t gsi)
{
    for (uint64_t irq = 0; irq < IRQ_COUNT; irq++)
        if (irqs[irq].source == IRQ_IOAPIC && irqs[irq].gsi == gsi)
            return true;
    return false;
}

static bool msi_issued(const struct irq_get *g)
{
    for (uint64_t irq = 0; irq < IRQ_COUNT; irq++) {
        const struct irq_entry *e = &irqs[irq];
        if (e->source == IRQ_MSI && e->pci_bus == g->pci_bus && e->pci_device == g->pci_device &&
            e->pci_function == g->pci_function && e->msi_vector_index == g->msi_vector_index)
            return true;
    }
    return false;
}

/* What GetIOAPIC and GetMSI check in common, after their own arguments:
 * the target core is reachable and a vector is free. */
static struct atoll_error_detail decode_vector(struct irq_get *g)
{
    g->apic_id = percpu_area[0].apic_id;
    bool wide_ids = vtd_ir_enabled() && vtd_ir_x2apic();
    if (g->apic_id > APIC_ID_XAPIC_MAX && !wide_ids)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    if (!free_irq(&g->irq))
        return cap_error(ATOLL_ERR_NOT_ENOUGH_MEMORY, 0);
    g->remapped = vtd_ir_enabled();
    if (!g->remapped)
        return cap_ok();
    /* The only requester the entry accepts: the IOAPIC of the line, or
     * the PCI function the MSI was issued for. */
    struct irte_params p = {
        .vector = vector_of(g->irq),
        .apic_id = g->apic_id,
        .x2apic = wide_ids,
        .level = g->source == IRQ_IOAPIC &&
                 (g->inti_flags & MPS_INTI_TRIGGER_MASK) == MPS_INTI_TRIGGER_LEVEL,
    };
    uint8_t ioapic_id;
    if (g->source == IRQ_MSI)
        p.source_id = (uint16_t)(g->pci_bus << 8 | g->pci_device << 3 | g->pci_function);
    else if (!ioapic_id_of_gsi(g->gsi, &ioapic_id) ||
             !vtd_ir_ioapic_source(ioapic_id, &p.source_id))
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0); /* excluded by vtd.c at boot */
    if (!irte_encode(&p, &g->irte_lo, &g->irte_hi))
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    return cap_ok();
}

/* The message length is checked by decode_irq_control. */
static struct atoll_error_detail decode_get_ioapic(const uint64_t *words, struct irq_get *g)
{
    uint64_t irq = words[ATOLL_IRQ_ARG_IRQ];
    uint64_t isa = words[ATOLL_IRQ_ARG_ISA];
    if (isa > 1)
        return cap_range_error(ATOLL_IRQ_ARG_ISA, 0, 1);
    uint32_t pins = ioapic_pin_count();
    if (pins == 0)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    if (isa) {
        if (irq > ATOLL_IRQ_ISA_IRQ_MAX)
            return cap_range_error(ATOLL_IRQ_ARG_IRQ, 0, ATOLL_IRQ_ISA_IRQ_MAX);
        g->gsi = ioapic_isa_irq_to_gsi((uint8_t)irq, &g->inti_flags);
    } else {
        uint64_t trigger = words[ATOLL_IRQ_ARG_TRIGGER];
        uint64_t polarity = words[ATOLL_IRQ_ARG_POLARITY];
        if (trigger > ATOLL_IRQ_TRIGGER_LEVEL)
            return cap_range_error(ATOLL_IRQ_ARG_TRIGGER, 0, ATOLL_IRQ_TRIGGER_LEVEL);
        if (polarity > ATOLL_IRQ_POLARITY_LOW)
            return cap_range_error(ATOLL_IRQ_ARG_POLARITY, 0, ATOLL_IRQ_POLARITY_LOW);
        if (irq > UINT32_MAX)
            return cap_range_error(ATOLL_IRQ_ARG_IRQ, 0, pins - 1);
        g->gsi = (uint32_t)irq;
        /* MPS INTI flags, as the MADT writes them (ACPI 6.5 table 5.50);
         * 0 ("conforms") is edge and active high for the IOAPIC code. */
        g->inti_flags =
            (uint16_t)((trigger == ATOLL_IRQ_TRIGGER_LEVEL ? MPS_INTI_TRIGGER_LEVEL : 0) |
                       (polarity == ATOLL_IRQ_POLARITY_LOW ? MPS_INTI_POLARITY_ACTIVE_LOW : 0));
    }
    /* The bound is exact when the IOAPICs' GSI ranges are contiguous from
     * 0 (every platform tested); a GSI in a gap is refused all the same. */
    if (!ioapic_has_gsi(g->gsi))
        return cap_range_error(ATOLL_IRQ_ARG_IRQ, 0, pins - 1);
    if (gsi_issued(g->gsi))
        return cap_error(ATOLL_ERR_REVOKE_FIRST, ATOLL_IRQ_ARG_IRQ);
    g->source = IRQ_IOAPIC;
    return decode_vector(g);
}

static struct atoll_error_detail decode_get_msi(const uint64_t *words, struct irq_get *g)
{
    static const struct {
        unsigned argument;
        uint64_t max;
    } limits[] = {
        {ATOLL_IRQ_MSI_ARG_BUS, ATOLL_IRQ_MSI_BUS_MAX},
        {ATOLL_IRQ_MSI_ARG_DEVICE, ATOLL_IRQ_MSI_DEVICE_MAX},
        {ATOLL_IRQ_MSI_ARG_FUNCTION, ATOLL_IRQ_MSI_FUNCTION_MAX},
        {ATOLL_IRQ_MSI_ARG_VECTOR_INDEX, ATOLL_IRQ_MSI_VECTOR_INDEX_MAX},
    };
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++)
        if (words[limits[i].argument] > limits[i].max)
            return cap_range_error(limits[i].argument, 0, limits[i].max);
    g->pci_bus = (uint8_t)words[ATOLL_IRQ_MSI_ARG_BUS];
    g->pci_device = (uint8_t)words[ATOLL_IRQ_MSI_ARG_DEVICE];
    g->pci_function = (uint8_t)words[ATOLL_IRQ_MSI_ARG_FUNCTION];
    g->msi_vector_index = (uint16_t)words[ATOLL_IRQ_MSI_ARG_VECTOR_INDEX];
    g->msi_handle = words[ATOLL_IRQ_MSI_ARG_HANDLE];
    if (msi_issued(g))
        return cap_error(ATOLL_ERR_REVOKE_FIRST, ATOLL_IRQ_MSI_ARG_VECTOR_INDEX);
    g->source = IRQ_MSI;
    return decode_vector(g);
}

static struct atoll_error_detail decode_irq_control(struct cap_slot *slot, uint64_t label,
                                                    const uint64_t *words, size_t length,
                                                    struct cap_slot *const *extra,
                                                    size_t extra_count, struct irq_get *g)
{
    size_t needed;
    switch (label) {
    case ATOLL_IRQ_CONTROL_GET_IOAPIC:
        needed = ATOLL_IRQ_GET_IOAPIC_ARGS;
        break;
    case ATOLL_IRQ_CONTROL_GET_MSI:
        needed = ATOLL_IRQ_GET_MSI_ARGS;
        break;
    default:
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    }
    if (length < needed || extra_count < ATOLL_IRQ_GET_EXTRA_CAPS || extra[0] == NULL)
        return cap_truncated(needed, ATOLL_IRQ_GET_EXTRA_CAPS);
    struct atoll_error_detail e = irq_lookup_empty_destination(
        extra, words, ATOLL_IRQ_ARG_DEST_INDEX, ATOLL_IRQ_ARG_DEST_DEPTH, &g->dest);
    if (cap_failed(&e))
        return e;
    g->control = slot;
    if (label == ATOLL_IRQ_CONTROL_GET_IOAPIC)
        return decode_get_ioapic(words, g);
    return decode_get_msi(words, g);
}

static void perform_irq_get(const struct irq_get *g, uint64_t *reply, size_t *reply_length)
{
    struct irq_entry *e = &irqs[g->irq];
    CAP_ASSERT(cap_is_null(&e->notification.cap));
    e->source = g->source;
    e->apic_id = g->apic_id;
    e->gsi = g->gsi;
    e->inti_flags = g->inti_flags;
    e->awaiting_ack = false;
    e->line_live = false;
    e->pci_bus = g->pci_bus;
    e->pci_device = g->pci_device;
    e->pci_function = g->pci_function;
    e->msi_vector_index = g->msi_vector_index;
    e->msi_handle = g->msi_handle;
    trap_set_handler(vector_of(g->irq), irq_deliver);
    if (g->remapped)
        vtd_ir_set((uint32_t)g->irq, g->irte_lo, g->irte_hi);
    if (g->source == IRQ_IOAPIC) {
        /* Programmed, then masked until a notification is bound; an
         * interrupt raised in between is dropped by irq_deliver. */
        if (g->remapped)
            ioapic_route_gsi_remapped(g->gsi, (uint32_t)g->irq, vector_of(g->irq), g->inti_flags);
        else
            ioapic_route_gsi(g->gsi, vector_of(g->irq), g->apic_id, g->inti_flags);
        ioapic_set_gsi_masked(g->gsi, true);
        reply[0] = g->gsi;
        *reply_length = ATOLL_IRQ_GET_IOAPIC_REPLY;
    } else if (g->remapped) {
        reply[0] = irte_msi_address((uint32_t)g->irq);
        reply[1] = irte_msi_data();
        *reply_length = ATOLL_IRQ_GET_MSI_REPLY;
    } else {
        reply[0] = ATOLL_MSI_ADDRESS_BASE | ((uint64_t)g->apic_id << ATOLL_MSI_ADDRESS_DEST_SHIFT);
        reply[1] = vector_of(g->irq);
        *reply_length = ATOLL_IRQ_GET_MSI_REPLY;
    }
    cap_insert(cap_irq_handler_new(g->irq), g->control, g->dest);
}

/* ---- IRQHandler ---- */

struct irq_handler_invocation {
    uint64_t label;
    uint64_t irq;
    struct cap_slot *notification; /* SetNotification: the source slot */
    struct cap notification_cap;   /* what goes into the entry's slot */
};

static struct atoll_error_detail decode_irq_handler(struct cap_slot *slot, uint64_t label,
                                                    struct cap_slot *const *extra,
                                                    size_t extra_count,
                                                    struct irq_handler_invocation *h)
{
    h->label = label;
    h->irq = cap_irq(&slot->cap);
    if (label < ATOLL_IRQ_HANDLER_ACK || label > ATOLL_IRQ_HANDLER_CLEAR)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    /* A live handler capability always has its entry; refuse anything else
     * rather than trust it. */
    if (h->irq >= IRQ_COUNT || irqs[h->irq].source == IRQ_FREE)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    if (label != ATOLL_IRQ_HANDLER_SET_NOTIFICATION)
        return cap_ok();
    if (extra_count < ATOLL_IRQ_SET_NOTIFICATION_EXTRA_CAPS || extra[0] == NULL)
        return cap_truncated(0, ATOLL_IRQ_SET_NOTIFICATION_EXTRA_CAPS);
    const struct cap *n = &extra[0]->cap;
    if (cap_type(n) != CAP_NOTIFICATION || !(cap_rights(n) & ATOLL_RIGHT_WRITE) ||
        cap_badge(n) == 0)
        return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
    struct atoll_error_detail e =
        cap_derive(extra[0], cap_mask_rights(*n, ATOLL_RIGHT_WRITE), &h->notification_cap);
    if (cap_failed(&e))
        return e;
    h->notification = extra[0];
    return cap_ok();
}

static void perform_irq_handler(const struct irq_handler_invocation *h)
{
    struct irq_entry *e = &irqs[h->irq];
    switch (h->label) {
    case ATOLL_IRQ_HANDLER_ACK:
        set_awaiting_ack(e, false);
        break;
    case ATOLL_IRQ_HANDLER_SET_NOTIFICATION:
        cap_delete(&e->notification);
        cap_insert(h->notification_cap, h->notification, &e->notification);
        break;
    default: /* ATOLL_IRQ_HANDLER_CLEAR */
        cap_delete(&e->notification);
        set_awaiting_ack(e, false);
        break;
    }
    line_update(e);
}

struct atoll_error_detail irq_invoke(OBJECT_INVOKE_ARGS)
{
    (void)caller;
    *reply_length = 0;
    struct atoll_error_detail e;
    if (cap_type(&slot->cap) == CAP_IRQ_CONTROL) {
        struct irq_get g = {0};
        e = decode_irq_control(slot, label, words, length, extra, extra_count, &g);
        if (!cap_failed(&e))
            perform_irq_get(&g, reply, reply_length);
        return e;
    }
    struct irq_handler_invocation h;
    e = decode_irq_handler(slot, label, extra, extra_count, &h);
    if (!cap_failed(&e))
        perform_irq_handler(&h);
    return e;
}
