/* The system loader; see system.h. */
#include "system.h"

#include "atoll/irq.h"
#include "spec.h"

#define ROOT      ATOLL_SLOT_ROOT_CNODE
#define DEPTH     64
#define PAGE_SIZE UINT64_C(0x1000)
/* Frames of all shared regions together, one slot each (4 KiB pages). */
#define SYSTEM_MAX_REGION_PAGES 1024

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

/* Ordinary memory regions become 4 KiB frames; every mapping maps a copy
 * of each frame's capability. Device (PHYS, BAR) regions and large pages
 * come with the driver work. */
static bool build_memory(struct pd_env *env, const struct spec *spec, struct system *sys)
{
    static uint64_t first_frame[ATOLL_SPEC_MAX_RECORDS];
    uint64_t pages_total = 0;
    uint32_t regions = spec_count(spec, ATOLL_SPEC_REGIONS);
    for (uint32_t i = 0; i < regions; i++) {
        struct atoll_spec_region r;
        spec_region(spec, i, &r);
        const char *name = spec_string(spec, r.name);
        if (r.flags || r.page_bits != ATOLL_SPEC_PAGE_4K) {
            printf("init: system: region %s: device memory and large pages are not loaded yet\n",
                   name);
            return false;
        }
        uint64_t pages = r.size / PAGE_SIZE;
        pages_total += pages;
        if (pages_total > SYSTEM_MAX_REGION_PAGES || env->last_slot - env->next_slot < pages) {
            printf("init: system: region %s: too large for this loader\n", name);
            return false;
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
        struct pd *d = &sys->domains[m.domain];
        uint64_t rights =
            ATOLL_RIGHT_READ | (m.perms & ATOLL_SPEC_MAP_WRITE ? ATOLL_RIGHT_WRITE : 0);
        uint64_t attributes = (m.perms & ATOLL_SPEC_MAP_EXECUTE ? ATOLL_VM_EXECUTABLE : 0) |
                              (m.flags & ATOLL_SPEC_MAP_CACHED ? 0 : ATOLL_VM_UNCACHED);
        for (uint64_t off = 0; off < m.size; off += PAGE_SIZE) {
            uint64_t copy, detail;
            uint64_t frame = first_frame[m.region] + (m.offset + off) / PAGE_SIZE;
            if (!pd_env_slot(env, &copy) ||
                atoll_cnode_copy_op(ATOLL_CNODE_COPY, env->cnode, copy, DEPTH, env->cnode, frame,
                                    DEPTH, ATOLL_RIGHTS_ALL, 0)
                        .code != ATOLL_OK ||
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
 * the domain. MSIs need their device, which this loader does not pass
 * through yet. */
static bool build_irqs(struct pd_env *env, const struct spec *spec, struct system *sys)
{
    uint32_t n = spec_count(spec, ATOLL_SPEC_IRQS);
    for (uint32_t i = 0; i < n; i++) {
        struct atoll_spec_irq q;
        spec_irq(spec, i, &q);
        struct pd *d = &sys->domains[q.domain];
        if (q.kind == ATOLL_SPEC_IRQ_MSI) {
            printf("init: system: domain %s: MSI on channel %u: devices are not loaded yet\n",
                   d->name, q.id);
            return false;
        }
        bool isa = q.kind == ATOLL_SPEC_IRQ_ISA;
        uint64_t handler;
        if (!pd_env_slot(env, &handler))
            return false;
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
    for (uint32_t t = ATOLL_SPEC_DEVICES; t < ATOLL_SPEC_STRINGS; t++) {
        if (spec_count(&spec, t)) {
            printf("init: system: %s are not loaded yet\n", spec_table_name(t));
            return false;
        }
    }
    if (!pd_env_slot(env, &sys->fault_ep) || !pd_env_slot(env, &sys->reply) ||
        atoll_untyped_retype(env->untyped, ATOLL_OBJECT_ENDPOINT, 0, env->cnode, 0, 0,
                             sys->fault_ep, 1)
            .code ||
        atoll_untyped_retype(env->untyped, ATOLL_OBJECT_REPLY, 0, env->cnode, 0, 0, sys->reply, 1)
            .code)
        return false;
    if (!build_domains(env, bi, &spec, sys) || !build_memory(env, &spec, sys) ||
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
        if (r.error || r.badge >= sys->domain_count)
            continue;
        /* No reply: the domain stays stopped; the others carry on. */
        printf("init: domain %s: fault %lu at address 0x%lx (rip 0x%lx); domain stopped\n",
               sys->domains[r.badge].name, atoll_msginfo_label(r.info), r.mr[0], r.mr[2]);
        faults++;
    }
}
