/* The system loader; see system.h. */
#include "system.h"

#include "atoll/iommu.h"
#include "atoll/irq.h"
#include "atoll/tcb.h"
#include "iommu.h"
#include "pci.h"
#include "spec.h"

#define ROOT      ATOLL_SLOT_ROOT_CNODE
#define DEPTH     64
#define PAGE_SIZE UINT64_C(0x1000)
/* Frames of all shared regions together, one slot each (4 KiB pages). */
#define SYSTEM_MAX_REGION_PAGES 1024
/* The badge of the IOMMU fault notification bound to init's TCB: far above
 * the domains' fault badges (their indices). */
#define SYSTEM_IOMMU_FAULT_BADGE (UINT64_C(1) << 62)

/* An IOSpace of 64 KiB: its bookkeeping page and 15 IO page tables, enough
 * for a driver's rings and buffers in a few 2 MiB windows. */
#define SYSTEM_IOSPACE_BITS 16

/* atoll_device_frames takes its slots from a callback. */
static struct pd_env *slot_env;

static uint64_t next_env_slot(void)
{
    uint64_t s;
    return pd_env_slot(slot_env, &s) ? s : 0;
}

static uint64_t device_address(const struct atoll_spec_device *dv)
{
    return ATOLL_PCI_ADDRESS(dv->segment, dv->bus, dv->devfn >> 3, dv->devfn & 7);
}

/* The channels domain `d` can signal: one bit per channel end. */
static uint64_t channel_mask(const struct spec *spec, uint32_t d)
{
    uint64_t mask = 0;
    struct atoll_spec_channel c;
    for (uint32_t i = 0; spec_channel(spec, i, &c); i++) {
        if (c.domain_a == d)
            mask |= UINT64_C(1) << c.id_a;
        if (c.domain_b == d)
            mask |= UINT64_C(1) << c.id_b;
    }
    return mask;
}

static bool build_domains(struct pd_env *env, const struct atoll_bootinfo *bi,
                          const struct spec *spec, struct system *sys)
{
    uint32_t n = spec_count(spec, ATOLL_SPEC_DOMAINS);
    if (n > SYSTEM_MAX_DOMAINS) {
        printf("init: system: %u domains, at most %u supported\n", n, SYSTEM_MAX_DOMAINS);
        return false;
    }
    for (uint32_t i = 0; i < n; i++) {
        struct atoll_spec_domain d;
        spec_domain(spec, i, &d);
        const char *name = spec_string(spec, d.name), *image = spec_string(spec, d.image);
        const struct atoll_module_desc *m = atoll_bootinfo_module(bi, image);
        if (!m) {
            printf("init: system: domain %s: no boot module \"%s\"\n", name, image);
            return false;
        }
        struct pd_params p = {
            .name = name,
            .image = (const void *)m->vaddr,
            .image_size = m->size,
            .priority = d.priority,
            .budget_us = d.budget_us,
            .period_us = d.period_us,
            .core = d.core < bi->cpus ? d.core : 0,
            .fault_ep = sys->fault_ep,
            .fault_badge = i,
            .start_suspended = true,
            .passive = (d.flags & ATOLL_SPEC_DOMAIN_PASSIVE) != 0,
            .channels = channel_mask(spec, i),
        };
        if (d.core >= bi->cpus)
            printf("init: system: domain %s: core %u not online, runs on core 0\n", name, d.core);
        uint64_t detail;
        const char *what;
        enum pd_error e = pd_create(env, &p, &sys->domains[i], &detail, &what);
        if (e != PD_OK) {
            printf("init: system: domain %s: %s failed (error %lu)\n", name, what ? what : "?",
                   detail);
            return false;
        }
        sys->domain_count++;
    }
    return true;
}

/* The device frames of a BAR or PHYS region, 0 (after saying why) when
 * it cannot have them. A BAR's address and size come from the device,
 * probed with memory decoding off. */
static uint64_t device_region_frames(struct pd_env *env, const struct atoll_bootinfo *bi,
                                     const struct spec *spec, const struct system *sys,
                                     const struct atoll_spec_region *r)
{
    const char *name = spec_string(spec, r->name);
    uint64_t base = r->phys;
    if (r->flags & ATOLL_SPEC_REGION_BAR) {
        uint64_t pci = sys->device_pci[r->device];
        uint32_t cmd = atoll_pci_read32(sys->pci_ports, pci, PCI_COMMAND) & 0xffff;
        atoll_pci_write32(sys->pci_ports, pci, PCI_COMMAND, cmd & ~(uint32_t)PCI_COMMAND_MEMORY);
        uint64_t size = atoll_pci_bar_size(sys->pci_ports, pci, r->bar);
        atoll_pci_write32(sys->pci_ports, pci, PCI_COMMAND, cmd);
        base = atoll_pci_bar(sys->pci_ports, pci, r->bar);
        if (base == 0 || size < r->size) {
            printf("init: system: region %s: BAR %u of " ATOLL_PCI_FORMAT " is %lu bytes at 0x%lx, "
                   "not a memory BAR of at least %lu\n",
                   name, r->bar, ATOLL_PCI_FORMAT_ARGS(pci), size, base, r->size);
            return 0;
        }
    }
    uint64_t parent;
    slot_env = env;
    uint64_t first = atoll_device_frames(bi, base, r->size / PAGE_SIZE, next_env_slot, &parent);
    if (first == 0)
        printf("init: system: region %s: no device untyped holds 0x%lx-0x%lx (RAM, the kernel's, "
               "or already given)\n",
               name, base, base + r->size - 1);
    return first;
}

/* A copy of frame capability `frame` in a fresh slot of env's (each
 * mapping, CPU or IO, is described by its own copy); false if none. */
static bool copy_frame(struct pd_env *env, uint64_t frame, uint64_t *copy)
{
    return pd_env_slot(env, copy) &&
           atoll_cnode_copy_op(ATOLL_CNODE_COPY, env->cnode, *copy, DEPTH, env->cnode, frame, DEPTH,
                               ATOLL_RIGHTS_ALL, 0)
                   .code == ATOLL_OK;
}

/* An [[iomap]]: a copy of each frame's capability mapped into the
 * IOSpace at the IOVA, for the device to read and/or write. */
static bool build_iomap(struct pd_env *env, const struct spec *spec, const struct system *sys,
                        const struct atoll_spec_map *m, uint64_t first)
{
    struct atoll_spec_iospace s;
    spec_iospace(spec, m->domain, &s);
    uint64_t rights = (m->perms & ATOLL_SPEC_MAP_READ ? ATOLL_IO_READ : 0) |
                      (m->perms & ATOLL_SPEC_MAP_WRITE ? ATOLL_IO_WRITE : 0);
    for (uint64_t off = 0; off < m->size; off += PAGE_SIZE) {
        uint64_t copy;
        uint64_t frame = first + (m->offset + off) / PAGE_SIZE;
        struct atoll_error_detail e = {.code = ATOLL_ERR_NOT_ENOUGH_MEMORY};
        if (copy_frame(env, frame, &copy))
            e = atoll_iospace_map(sys->iospace_slot[m->domain], copy, m->vaddr + off, rights);
        if (e.code != ATOLL_OK) {
            printf("init: system: iospace %s: mapping at iova 0x%lx failed (error %lu)\n",
                   spec_string(spec, s.name), m->vaddr + off, e.code);
            return false;
        }
    }
    return true;
}

/* Ordinary memory regions become 4 KiB frames; device regions (PHYS, BAR)
 * device frames; every mapping maps a copy of each frame's capability.
 * Large pages come later. */
static bool build_memory(struct pd_env *env, const struct atoll_bootinfo *bi,
                         const struct spec *spec, struct system *sys)
{
    static uint64_t first_frame[ATOLL_SPEC_MAX_RECORDS];
    uint64_t pages_total = 0;
    uint32_t regions = spec_count(spec, ATOLL_SPEC_REGIONS);
    for (uint32_t i = 0; i < regions; i++) {
        struct atoll_spec_region r;
        spec_region(spec, i, &r);
        const char *name = spec_string(spec, r.name);
        if (r.page_bits != ATOLL_SPEC_PAGE_4K) {
            printf("init: system: region %s: large pages are not loaded yet\n", name);
            return false;
        }
        uint64_t pages = r.size / PAGE_SIZE;
        pages_total += pages;
        if (pages_total > SYSTEM_MAX_REGION_PAGES || env->last_slot - env->next_slot < 2 * pages) {
            printf("init: system: region %s: too large for this loader\n", name);
            return false;
        }
        if (r.flags & ATOLL_SPEC_REGION_FLAGS) {
            first_frame[i] = device_region_frames(env, bi, spec, sys, &r);
            if (first_frame[i] == 0)
                return false;
            continue;
        }
        first_frame[i] = env->next_slot;
        struct atoll_error_detail e = atoll_untyped_retype(env->untyped, ATOLL_OBJECT_FRAME_4K, 0,
                                                           env->cnode, 0, 0, env->next_slot, pages);
        if (e.code) {
            printf("init: system: region %s: %lu frames: error %lu\n", name, pages, e.code);
            return false;
        }
        env->next_slot += pages;
    }
    uint32_t maps = spec_count(spec, ATOLL_SPEC_MAPS);
    for (uint32_t i = 0; i < maps; i++) {
        struct atoll_spec_map m;
        spec_map(spec, i, &m);
        if (m.flags & ATOLL_SPEC_MAP_IOSPACE) {
            if (!build_iomap(env, spec, sys, &m, first_frame[m.region]))
                return false;
            continue;
        }
        struct pd *d = &sys->domains[m.domain];
        uint64_t rights =
            ATOLL_RIGHT_READ | (m.perms & ATOLL_SPEC_MAP_WRITE ? ATOLL_RIGHT_WRITE : 0);
        uint64_t attributes = (m.perms & ATOLL_SPEC_MAP_EXECUTE ? ATOLL_VM_EXECUTABLE : 0) |
                              (m.flags & ATOLL_SPEC_MAP_CACHED ? 0 : ATOLL_VM_UNCACHED);
        for (uint64_t off = 0; off < m.size; off += PAGE_SIZE) {
            uint64_t copy, detail;
            uint64_t frame = first_frame[m.region] + (m.offset + off) / PAGE_SIZE;
            if (!copy_frame(env, frame, &copy) ||
                !pd_map_frame(env, d, copy, m.vaddr + off, rights, attributes, &detail)) {
                printf("init: system: domain %s: mapping at 0x%lx failed\n", d->name,
                       m.vaddr + off);
                return false;
            }
        }
    }
    return true;
}

static bool build_channels(struct pd_env *env, const struct spec *spec, struct system *sys)
{
    uint32_t n = spec_count(spec, ATOLL_SPEC_CHANNELS);
    for (uint32_t i = 0; i < n; i++) {
        struct atoll_spec_channel c;
        spec_channel(spec, i, &c);
        struct pd *a = &sys->domains[c.domain_a], *b = &sys->domains[c.domain_b];
        if (!pd_connect_notification(env, a, c.id_a, b, c.id_b) ||
            ((c.flags & ATOLL_SPEC_CHANNEL_PPC) && !pd_connect_ppc(env, a, c.id_a, b, c.id_b))) {
            printf("init: system: channel %s %u - %s %u failed\n", a->name, c.id_a, b->name,
                   c.id_b);
            return false;
        }
    }
    return true;
}

/* Interrupts become channels: an IRQHandler from init's IRQControl, bound
 * to the domain's notification with the channel's bit, then moved into
 * the domain. For an MSI, init also programs the device's MSI capability
 * with the address and data the kernel gave (remappable format where
 * interrupt remapping is on); MSI-X and multiple messages are not loaded
 * yet. */
static bool build_msi(struct pd_env *env, struct system *sys, struct pd *d,
                      const struct atoll_spec_irq *q, uint64_t handler)
{
    uint64_t pci = sys->device_pci[q->device];
    if (q->number != 0) {
        printf("init: system: domain %s: MSI vector %u on channel %u: only vector 0 (one "
               "message) is loaded yet\n",
               d->name, q->number, q->id);
        return false;
    }
    uint64_t w[ATOLL_IRQ_GET_MSI_ARGS] = {
        [ATOLL_IRQ_ARG_DEST_INDEX] = handler,
        [ATOLL_IRQ_ARG_DEST_DEPTH] = DEPTH,
        [ATOLL_IRQ_MSI_ARG_BUS] = (pci >> 8) & 0xff,
        [ATOLL_IRQ_MSI_ARG_DEVICE] = (pci >> 3) & 0x1f,
        [ATOLL_IRQ_MSI_ARG_FUNCTION] = pci & 7,
        [ATOLL_IRQ_MSI_ARG_HANDLE] = q->id,
        [ATOLL_IRQ_MSI_ARG_VECTOR_INDEX] = q->number,
    };
    uint64_t root = env->cnode;
    struct atoll_error_detail e =
        atoll_invoke(ATOLL_SLOT_IRQ_CONTROL, ATOLL_IRQ_CONTROL_GET_MSI, w, ATOLL_IRQ_GET_MSI_ARGS,
                     &root, ATOLL_IRQ_GET_EXTRA_CAPS);
    if (e.code || !pd_connect_irq(env, d, q->id, handler)) {
        printf("init: system: domain %s: MSI of " ATOLL_PCI_FORMAT " on channel %u failed (error "
               "%lu)\n",
               d->name, ATOLL_PCI_FORMAT_ARGS(pci), q->id, e.code);
        return false;
    }
    if (!atoll_pci_msi_enable(sys->pci_ports, pci, e.argument, (uint32_t)e.value0)) {
        printf("init: system: domain %s: " ATOLL_PCI_FORMAT " has no MSI capability\n", d->name,
               ATOLL_PCI_FORMAT_ARGS(pci));
        return false;
    }
    return true;
}

static bool build_irqs(struct pd_env *env, const struct spec *spec, struct system *sys)
{
    uint32_t n = spec_count(spec, ATOLL_SPEC_IRQS);
    for (uint32_t i = 0; i < n; i++) {
        struct atoll_spec_irq q;
        spec_irq(spec, i, &q);
        struct pd *d = &sys->domains[q.domain];
        uint64_t handler;
        if (!pd_env_slot(env, &handler))
            return false;
        if (q.kind == ATOLL_SPEC_IRQ_MSI) {
            if (!build_msi(env, sys, d, &q, handler))
                return false;
            continue;
        }
        bool isa = q.kind == ATOLL_SPEC_IRQ_ISA;
        uint64_t w[ATOLL_IRQ_GET_IOAPIC_ARGS] = {
            [ATOLL_IRQ_ARG_DEST_INDEX] = handler,  [ATOLL_IRQ_ARG_DEST_DEPTH] = DEPTH,
            [ATOLL_IRQ_ARG_IRQ] = q.number,        [ATOLL_IRQ_ARG_TRIGGER] = q.trigger,
            [ATOLL_IRQ_ARG_POLARITY] = q.polarity, [ATOLL_IRQ_ARG_ISA] = isa,
        };
        uint64_t root = env->cnode;
        struct atoll_error_detail e =
            atoll_invoke(ATOLL_SLOT_IRQ_CONTROL, ATOLL_IRQ_CONTROL_GET_IOAPIC, w,
                         ATOLL_IRQ_GET_IOAPIC_ARGS, &root, ATOLL_IRQ_GET_EXTRA_CAPS);
        if (e.code || !pd_connect_irq(env, d, q.id, handler)) {
            printf("init: system: domain %s: %s IRQ %u on channel %u failed (error %lu)\n", d->name,
                   isa ? "ISA" : "IOAPIC", q.number, q.id, e.code);
            return false;
        }
    }
    return true;
}

/* Moves IOSpace `space` (init's slot) into domain `d`'s next IOSpace slot. */
static bool give_iospace(struct system *sys, uint32_t d, uint64_t space)
{
    struct pd *pd = &sys->domains[d];
    if (sys->iospaces_given[d] >= PD_IOSPACES) {
        printf("init: system: domain %s: more than %u IOSpaces\n", pd->name, PD_IOSPACES);
        return false;
    }
    uint64_t dest = PD_SLOT_IOSPACE(sys->iospaces_given[d]++);
    return atoll_cnode_copy_op(ATOLL_CNODE_MOVE, pd->cnode, dest, DEPTH, ATOLL_SLOT_ROOT_CNODE,
                               space, DEPTH, ATOLL_RIGHTS_ALL, 0)
               .code == ATOLL_OK;
}

static const char *bind_refusal(const struct atoll_error_detail *e)
{
    if (e->code != ATOLL_ERR_INVALID_ARGUMENT)
        return "the kernel refused to bind it";
    switch (e->value0) {
    case ATOLL_IOMMU_NOT_COVERED:
        return "no remapping unit covers it";
    case ATOLL_IOMMU_UNCERTAIN:
        return "the DMAR does not say for certain which unit covers it";
    case ATOLL_IOMMU_AMBIGUOUS:
        return "two remapping units claim it";
    case ATOLL_IOMMU_UNIT_DOWN:
        return "the remapping unit that covers it is not up";
    default:
        return "the kernel refused to bind it";
    }
}

static bool new_iospace(struct pd_env *env, uint64_t *slot)
{
    return pd_env_slot(env, slot) &&
           atoll_untyped_retype(env->untyped, ATOLL_OBJECT_IOSPACE, SYSTEM_IOSPACE_BITS, env->cnode,
                                0, 0, *slot, 1)
                   .code == ATOLL_OK;
}

/* A device DMA cannot be confined for: refused (fail closed), or passed
 * through with a warning when its description says unsafe_no_iommu. */
static bool unconfined(const char *name, uint64_t pci, const char *why, bool unsafe)
{
    if (!unsafe) {
        printf("init: system: device %s (" ATOLL_PCI_FORMAT "): %s; passthrough refused: its DMA "
               "could reach all of memory (unsafe_no_iommu = true would allow it)\n",
               name, ATOLL_PCI_FORMAT_ARGS(pci), why);
        return false;
    }
    printf("init: system: device %s (" ATOLL_PCI_FORMAT "): %s; passed through WITHOUT DMA "
           "isolation (unsafe_no_iommu)\n",
           name, ATOLL_PCI_FORMAT_ARGS(pci), why);
    return true;
}

/* IOMMU fault records reach init as a signal on a notification bound to
 * its TCB, so the Recv of system_supervise sees them as well as faults. */
static bool watch_iommu_faults(struct pd_env *env)
{
    uint64_t ntfn, badged;
    return pd_env_slot(env, &ntfn) && pd_env_slot(env, &badged) &&
           atoll_untyped_retype(env->untyped, ATOLL_OBJECT_NOTIFICATION, 0, env->cnode, 0, 0, ntfn,
                                1)
                   .code == ATOLL_OK &&
           atoll_cnode_copy_op(ATOLL_CNODE_MINT, env->cnode, badged, DEPTH, env->cnode, ntfn, DEPTH,
                               ATOLL_RIGHTS_ALL, SYSTEM_IOMMU_FAULT_BADGE)
                   .code == ATOLL_OK &&
           atoll_invoke(ATOLL_SLOT_ROOT_TCB, ATOLL_TCB_BIND_NOTIFICATION, NULL, 0, &ntfn, 1).code ==
               ATOLL_OK &&
           atoll_iommu_set_fault_notification(badged).code == ATOLL_OK;
}

static const struct system *reporting;

static const char *device_name_of(uint64_t pci)
{
    for (uint32_t i = 0; reporting && i < reporting->device_count; i++)
        if (reporting->device_pci[i] == pci)
            return reporting->device_name[i];
    return NULL;
}

/* [[iospace]] entries become IOSpaces; each [[device]] must answer in
 * configuration space and, unless the description says iommu = false, is
 * bound to an IOSpace (its own or the one it names); then its memory
 * decoding and bus mastering are turned on. The driver's domain gets the
 * IOSpaces of its devices, then those of [[iospace]] entries naming it
 * (PD_SLOT_IOSPACE(0), (1), ...), to map its DMA buffers into. */
static bool build_devices(struct pd_env *env, const struct atoll_bootinfo *bi,
                          const struct spec *spec, struct system *sys)
{
    uint32_t devices = spec_count(spec, ATOLL_SPEC_DEVICES);
    uint32_t spaces = spec_count(spec, ATOLL_SPEC_IOSPACES);
    if (devices == 0 && spaces == 0)
        return true;
    if (devices > SYSTEM_MAX_DEVICES || spaces > SYSTEM_MAX_DEVICES) {
        printf("init: system: at most %u devices and %u IOSpaces\n", SYSTEM_MAX_DEVICES,
               SYSTEM_MAX_DEVICES);
        return false;
    }
    if (!pd_env_slot(env, &sys->pci_ports) || atoll_pci_ports_issue(sys->pci_ports).code) {
        printf("init: system: no access to PCI configuration space\n");
        return false;
    }
    bool iommu = bi->iommu_units > 0;
    if (iommu && !watch_iommu_faults(env)) {
        printf("init: system: cannot watch IOMMU faults\n");
        return false;
    }
    uint64_t *space_slot = sys->iospace_slot;
    for (uint32_t i = 0; i < spaces; i++) {
        struct atoll_spec_iospace s;
        spec_iospace(spec, i, &s);
        if (!iommu) {
            printf("init: system: iospace %s: no IOMMU is up\n", spec_string(spec, s.name));
            return false;
        }
        if (!new_iospace(env, &space_slot[i]))
            return false;
    }
    for (uint32_t i = 0; i < devices; i++) {
        struct atoll_spec_device dv;
        spec_device(spec, i, &dv);
        const char *name = spec_string(spec, dv.name);
        uint64_t pci = device_address(&dv);
        sys->device_pci[i] = pci;
        sys->device_name[i] = name;
        sys->device_count = i + 1;
        if (dv.segment != 0) {
            printf("init: system: device %s: PCI segment %u is not reachable yet\n", name,
                   dv.segment);
            return false;
        }
        uint32_t id = atoll_pci_read32(sys->pci_ports, pci, PCI_VENDOR_DEVICE);
        if ((id & 0xffff) == PCI_VENDOR_NONE) {
            printf("init: system: device %s (" ATOLL_PCI_FORMAT "): no such PCI function\n", name,
                   ATOLL_PCI_FORMAT_ARGS(pci));
            return false;
        }
        bool unsafe = (dv.flags & ATOLL_SPEC_DEVICE_UNSAFE_NO_IOMMU) != 0;
        if (!(dv.flags & ATOLL_SPEC_DEVICE_IOMMU)) {
            if (!unconfined(name, pci, "the description says iommu = false", unsafe))
                return false;
        } else if (!iommu) {
            if (!unconfined(name, pci,
                            "no IOMMU is up (no DMAR table, or no remapping unit came up)", unsafe))
                return false;
        } else {
            bool own = dv.iospace == ATOLL_SPEC_NONE;
            uint64_t space = own ? 0 : space_slot[dv.iospace];
            if (own && !new_iospace(env, &space))
                return false;
            struct atoll_error_detail e = atoll_iommu_bind(space, pci);
            if (e.code != ATOLL_OK) {
                if (!unconfined(name, pci, bind_refusal(&e), unsafe))
                    return false;
            } else if (own && !give_iospace(sys, dv.domain, space)) {
                return false;
            }
        }
        uint32_t cmd = atoll_pci_read32(sys->pci_ports, pci, PCI_COMMAND) & 0xffff;
        atoll_pci_write32(sys->pci_ports, pci, PCI_COMMAND,
                          cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    }
    return true;
}

/* After the [[iomap]]s: each [[iospace]] that names a domain goes to it. */
static bool give_named_iospaces(const struct spec *spec, struct system *sys)
{
    for (uint32_t i = 0; i < spec_count(spec, ATOLL_SPEC_IOSPACES); i++) {
        struct atoll_spec_iospace s;
        spec_iospace(spec, i, &s);
        if (s.domain != ATOLL_SPEC_NONE && !give_iospace(sys, s.domain, sys->iospace_slot[i]))
            return false;
    }
    return true;
}

/* Each I/O port range is issued straight into its domain's CNode, in the
 * description's order per domain (PD_SLOT_IOPORT(0), (1), ...). */
static bool build_ioports(const struct spec *spec, struct system *sys)
{
    uint32_t given[SYSTEM_MAX_DOMAINS] = {0};
    uint32_t n = spec_count(spec, ATOLL_SPEC_IOPORTS);
    for (uint32_t i = 0; i < n; i++) {
        struct atoll_spec_ioport p;
        spec_ioport(spec, i, &p);
        struct pd *d = &sys->domains[p.domain];
        if (given[p.domain] >= PD_IOPORTS) {
            printf("init: system: domain %s: more than %u I/O port ranges\n", d->name, PD_IOPORTS);
            return false;
        }
        uint64_t w[ATOLL_IOPORT_ISSUE_ARGS] = {
            [ATOLL_IOPORT_ARG_DEST_INDEX] = PD_SLOT_IOPORT(given[p.domain]),
            [ATOLL_IOPORT_ARG_DEST_DEPTH] = DEPTH,
            [ATOLL_IOPORT_ARG_FIRST] = p.first,
            [ATOLL_IOPORT_ARG_LAST] = p.last,
        };
        struct atoll_error_detail e =
            atoll_invoke(ATOLL_SLOT_IOPORT_CONTROL, ATOLL_IOPORT_CONTROL_ISSUE, w,
                         ATOLL_IOPORT_ISSUE_ARGS, &d->cnode, ATOLL_IOPORT_ISSUE_EXTRA_CAPS);
        if (e.code) {
            printf("init: system: domain %s: I/O ports 0x%x-0x%x: error %lu (port 0x%lx)\n",
                   d->name, p.first, p.last, e.code, e.value0);
            return false;
        }
        given[p.domain]++;
    }
    return true;
}

bool system_load(struct pd_env *env, const struct atoll_bootinfo *bi, const void *bytes,
                 size_t size, struct system *sys)
{
    memset(sys, 0, sizeof *sys);
    struct spec spec;
    struct spec_error err;
    enum spec_status st = spec_parse(&spec, bytes, size, &err);
    if (st != SPEC_OK) {
        printf("init: system spec rejected: %s in %s record %u field %s\n", spec_status_name(st),
               spec_table_name(err.table), err.index, err.field ? err.field : "-");
        return false;
    }
    if (spec_count(&spec, ATOLL_SPEC_VMS)) {
        printf("init: system: %s are not loaded yet\n", spec_table_name(ATOLL_SPEC_VMS));
        return false;
    }
    if (!pd_env_slot(env, &sys->fault_ep) || !pd_env_slot(env, &sys->reply) ||
        atoll_untyped_retype(env->untyped, ATOLL_OBJECT_ENDPOINT, 0, env->cnode, 0, 0,
                             sys->fault_ep, 1)
            .code ||
        atoll_untyped_retype(env->untyped, ATOLL_OBJECT_REPLY, 0, env->cnode, 0, 0, sys->reply, 1)
            .code)
        return false;
    if (!build_domains(env, bi, &spec, sys) || !build_devices(env, bi, &spec, sys) ||
        !build_memory(env, bi, &spec, sys) || !give_named_iospaces(&spec, sys) ||
        !build_channels(env, &spec, sys) || !build_irqs(env, &spec, sys) ||
        !build_ioports(&spec, sys))
        return false;
    /* Passive servers first: each waits before any client can call it. */
    for (uint32_t i = 0; i < sys->domain_count; i++) {
        struct pd *d = &sys->domains[i];
        if (d->ready && !(pd_start(d) && pd_make_passive(d))) {
            printf("init: system: domain %s: could not make it passive\n", d->name);
            return false;
        }
    }
    for (uint32_t i = 0; i < sys->domain_count; i++)
        if (!sys->domains[i].ready && !pd_start(&sys->domains[i]))
            return false;
    printf("init: system: %u domains, %u regions, %u channels started\n", sys->domain_count,
           spec_count(&spec, ATOLL_SPEC_REGIONS), spec_count(&spec, ATOLL_SPEC_CHANNELS));
    return true;
}

void system_supervise(struct system *sys, unsigned max_faults)
{
    for (unsigned faults = 0; max_faults == 0 || faults < max_faults;) {
        uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
        struct atoll_syscall_result r =
            atoll_syscall_reply(ATOLL_SYS_RECV, sys->fault_ep, 0, mr, sys->reply);
        if (!r.error && (r.badge & SYSTEM_IOMMU_FAULT_BADGE)) {
            reporting = sys;
            atoll_iommu_drain_faults(device_name_of);
            continue;
        }
        if (r.error || r.badge >= sys->domain_count)
            continue;
        /* No reply: the domain stays stopped; the others carry on. */
        printf("init: domain %s: fault %lu at address 0x%lx (rip 0x%lx); domain stopped\n",
               sys->domains[r.badge].name, atoll_msginfo_label(r.info), r.mr[0], r.mr[2]);
        faults++;
    }
}
