/* The root task: the one user program the kernel starts itself, and the
 * owner of every resource at boot (seL4's initial thread). Its image is a
 * GRUB module; everything else is started by it (issue 5). */
#include "boot_root.h"
#include "console.h"
#include "elf.h"
#include "kstring.h"
#include "phys_range.h"
#include "schedcontext.h"
#include "thread.h"
#include "atoll/bootinfo.h"
#include "atoll/sched.h"
#include "atoll/tcb.h"
#include "cap/mdb.h"
#include "../arch/x86_64/bootmem.h"
#include "../arch/x86_64/cpu.h"
#include "../arch/x86_64/cpu_features.h"
#include "../arch/x86_64/paging.h"
#include "../arch/x86_64/x86.h"
#include "../vtx/vmx.h"
#include "../iommu/vtd.h"

struct tcb *boot_root_tcb;

/* Fixed user addresses of the root task's stack (grows down from the top),
 * boot-information page and IPC buffer. */
#define ROOT_STACK_TOP   UINT64_C(0x00007ffffff00000)
#define ROOT_STACK_PAGES 16
#define ROOT_BOOTINFO    UINT64_C(0x00007ffffff10000)
#define ROOT_IPC_BUFFER  UINT64_C(0x00007ffffff11000)
#define IOPORT_LAST      0xffff
/* Boot modules are mapped read-only from here up, one unmapped page
 * between two. */
#define ROOT_MODULES_BASE UINT64_C(0x00007f0000000000)
#define ROOT_MODULES_END  UINT64_C(0x00007ff000000000)
/* The first MiB (real-mode data, the AP start-up page) is nobody's. */
#define LOW_MEMORY_END UINT64_C(0x100000)
/* Room for the memory map, the first MiB and the kernel's own devices. */
#define DEVICE_HOLES_MAX (MB2_MAX_MMAP + 1 + BOOT_KERNEL_MMIO_MAX)
/* The root task starts in the middle of the priority range so that its
 * tests can create threads above and below it. */
#define ROOT_PRIORITY 128

struct cap_slot *boot_root_cnode_slots;

_Static_assert(sizeof(struct atoll_bootinfo) <= PAGE_SIZE, "boot information fits its frame");

struct untyped_builder {
    struct cap_slot *slots;
    struct atoll_bootinfo *info;
    uint64_t next_slot;
    uint64_t last_slot;
    uint64_t bytes;
    uint64_t dropped;
    bool device;
};

static const struct mb2_module *find_module(const struct mb2_boot *boot, const char *name)
{
    size_t n = strlen(name);
    for (uint32_t i = 0; i < boot->module_count; i++) {
        const char *m = boot->modules[i].name;
        if (!memcmp(m, name, n) && (m[n] == '\0' || m[n] == ' '))
            return &boot->modules[i];
    }
    return NULL;
}

static uint64_t segment_pte_flags(uint32_t elf_flags)
{
    uint64_t flags = 0;
    if (elf_flags & ELF_PF_W)
        flags |= PTE_W;
    if (!(elf_flags & ELF_PF_X))
        flags |= PTE_NX;
    return flags;
}

/* Copies one segment into fresh pages: file bytes, then zeroes up to
 * memsz (the pages come zeroed from the boot allocator). */
static void load_segment(uint64_t pml4, const uint8_t *image, const struct elf_segment *s)
{
    uint64_t start = s->vaddr & ~(PAGE_SIZE - 1);
    uint64_t end = (s->vaddr + s->memsz + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    for (uint64_t va = start; va < end; va += PAGE_SIZE) {
        uint64_t page = bootmem_alloc_page();
        uint8_t *dst = phys_to_virt(page);
        uint64_t lo = va > s->vaddr ? va : s->vaddr;
        uint64_t hi = va + PAGE_SIZE < s->vaddr + s->filesz ? va + PAGE_SIZE : s->vaddr + s->filesz;
        if (lo < hi)
            memcpy(dst + (lo - va), image + s->offset + (lo - s->vaddr), hi - lo);
        paging_map_user_page(pml4, va, page, segment_pte_flags(s->flags));
    }
}

static struct cap boot_object(enum atoll_object_type type, uint64_t size_bits)
{
    uint64_t paddr = bootmem_alloc_aligned(cap_object_size_bits(type, size_bits));
    struct cap c;
    struct atoll_error_detail e = cap_make_object(type, paddr, size_bits, false, &c);
    if (cap_failed(&e)) {
        kprintf("atoll: cannot make boot object of type %u (error %u)\n", (unsigned)type,
                (unsigned)e.code);
        system_stop(1);
    }
    return c;
}

static void add_untyped_block(uint64_t base, unsigned bits, void *ctx)
{
    struct untyped_builder *b = ctx;
    uint64_t size = UINT64_C(1) << bits;
    if (b->next_slot >= b->last_slot || b->info->untyped_count >= ATOLL_BOOTINFO_MAX_UNTYPED) {
        b->dropped += size;
        return;
    }
    cap_boot_insert(&b->slots[b->next_slot++], cap_untyped_new(base, bits, b->device, 0));
    struct atoll_untyped_desc *d = &b->info->untyped[b->info->untyped_count++];
    d->paddr = base;
    d->size_bits = (uint8_t)bits;
    d->is_device = b->device;
    b->bytes += size;
}

/* Gives [base, end) to the root task as untyped capabilities, in the
 * largest naturally aligned power-of-two blocks. */
static void add_untyped_range(uint64_t base, uint64_t end, void *ctx)
{
    phys_range_blocks(base, end, ATOLL_UNTYPED_MIN_BITS, ATOLL_UNTYPED_MAX_BITS, add_untyped_block,
                      ctx);
}

/* Device untypeds: every page below MAXPHYADDR that is not RAM (as the
 * memory map says), not in the first MiB and not one of the kernel's own
 * devices. Reserved and ACPI ranges are included: the kernel has read
 * what it needs of them, and a driver may need them. */
static void add_device_untypeds(struct untyped_builder *b, const struct mb2_boot *boot,
                                const struct phys_range *kernel_mmio, size_t mmio_count)
{
    static struct phys_range holes[DEVICE_HOLES_MAX];
    size_t n = 0;
    holes[n++] = (struct phys_range){0, LOW_MEMORY_END};
    for (uint32_t i = 0; i < boot->mmap_count; i++) {
        const struct mb2_mmap_entry *e = &boot->mmap[i];
        if (e->type == MB2_MEM_AVAILABLE && e->length <= UINT64_MAX - e->base)
            holes[n++] = (struct phys_range){e->base, e->base + e->length};
    }
    for (size_t i = 0; i < mmio_count && n < DEVICE_HOLES_MAX; i++)
        holes[n++] = kernel_mmio[i];
    n = phys_range_normalize(holes, n);
    /* Whole pages only: a RAM range's partial page is not a device. */
    for (size_t i = 0; i < n; i++) {
        holes[i].base &= ~(PAGE_SIZE - 1);
        holes[i].end = (holes[i].end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    }
    n = phys_range_normalize(holes, n);
    b->device = true;
    phys_range_gaps(0, UINT64_C(1) << cpu_features.phys_bits, holes, n, add_untyped_range, b);
    b->device = false;
}

/* Maps every boot module but the root task's image read-only into the
 * root task and lists it in the boot information. */
static void add_modules(const struct mb2_boot *boot, uint64_t pml4, struct atoll_bootinfo *info,
                        const struct mb2_module *root)
{
    uint64_t va = ROOT_MODULES_BASE;
    for (uint32_t i = 0; i < boot->module_count; i++) {
        const struct mb2_module *m = &boot->modules[i];
        if (m == root)
            continue;
        uint64_t size = m->end >= m->start ? (uint64_t)m->end - m->start : 0;
        uint64_t pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
        if (info->module_count == ATOLL_BOOTINFO_MAX_MODULES || (m->start & (PAGE_SIZE - 1)) ||
            !size || !phys_is_mapped(m->start, size) || pages * PAGE_SIZE > ROOT_MODULES_END - va) {
            kprintf("atoll: boot module \"%s\" at 0x%x skipped (table full, not page-aligned "
                    "or not in mapped memory)\n",
                    m->name, m->start);
            continue;
        }
        struct atoll_module_desc *d = &info->modules[info->module_count++];
        size_t len = 0;
        while (len < ATOLL_MODULE_NAME_MAX - 1 && m->name[len] && m->name[len] != ' ')
            len++;
        memcpy(d->name, m->name, len);
        d->name[len] = '\0';
        d->vaddr = va;
        d->size = size;
        for (uint64_t p = 0; p < pages; p++)
            paging_map_user_page(pml4, va + p * PAGE_SIZE, m->start + p * PAGE_SIZE, PTE_NX);
        va += (pages + 1) * PAGE_SIZE;
    }
}

bool boot_root_task(const struct mb2_boot *boot, unsigned cpus,
                    const struct phys_range *kernel_mmio, size_t mmio_count)
{
    const struct mb2_module *m = find_module(boot, ROOT_TASK_MODULE);
    if (!m) {
        kprintf("atoll: no \"%s\" boot module: no root task to start\n", ROOT_TASK_MODULE);
        return false;
    }
    size_t len = m->end - m->start;
    if (!phys_is_mapped(m->start, len)) {
        kprintf("atoll: root task module at 0x%x is not in mapped memory\n", m->start);
        return false;
    }
    const uint8_t *image = phys_to_virt(m->start);
    struct elf_image elf;
    enum elf_error e =
        elf_parse(image, len, USER_ADDR_MIN, ROOT_STACK_TOP - ROOT_STACK_PAGES * PAGE_SIZE, &elf);
    if (e != ELF_OK) {
        kprintf("atoll: root task module \"%s\" rejected: %s\n", m->name, elf_error_name(e));
        return false;
    }

    /* Kernel objects of the root task, as capabilities in its CNode. */
    /* A guard of all the bits the radix leaves makes a slot's index its
     * capability pointer at depth 64 (as seL4's root CNode). */
    struct cap cnode_cap = boot_object(ATOLL_OBJECT_CNODE, ROOT_CNODE_RADIX);
    cnode_cap = cap_cnode_new(cap_paddr(&cnode_cap), ROOT_CNODE_RADIX, 0,
                              ATOLL_CPTR_BITS - ROOT_CNODE_RADIX);
    struct cap_slot *slots = phys_to_virt(cap_paddr(&cnode_cap));
    boot_root_cnode_slots = slots;
    struct cap tcb_cap = boot_object(ATOLL_OBJECT_TCB, 0);
    struct cap bootinfo_cap = boot_object(ATOLL_OBJECT_FRAME_4K, 0);
    struct cap ipc_cap = boot_object(ATOLL_OBJECT_FRAME_4K, 0);
    uint64_t pml4 = paging_new_user_pml4();
    struct cap vspace_cap = cap_object_new(ATOLL_OBJECT_PML4, pml4, 0, false);

    cap_boot_insert(&slots[ATOLL_SLOT_ROOT_CNODE], cnode_cap);
    cap_boot_insert(&slots[ATOLL_SLOT_ROOT_TCB], tcb_cap);
    cap_boot_insert(&slots[ATOLL_SLOT_ROOT_VSPACE], vspace_cap);
    cap_boot_insert(&slots[ATOLL_SLOT_IRQ_CONTROL], cap_irq_control_new());
    cap_boot_insert(&slots[ATOLL_SLOT_IOPORT_CONTROL], cap_ioport_control_new());
    cap_boot_insert(&slots[ATOLL_SLOT_IOMMU_CONTROL], cap_iommu_control_new());
    cap_boot_insert(&slots[ATOLL_SLOT_BOOTINFO_FRAME], bootinfo_cap);
    cap_boot_insert(&slots[ATOLL_SLOT_IPC_BUFFER], ipc_cap);
    for (unsigned i = 0; i < cpus && i < ATOLL_SLOT_SCHED_CONTROL_END - ATOLL_SLOT_SCHED_CONTROL;
         i++)
        cap_boot_insert(&slots[ATOLL_SLOT_SCHED_CONTROL + i], cap_sched_control_new(i));

    /* Address space: the image, a stack, boot information, IPC buffer. */
    for (uint32_t i = 0; i < elf.segment_count; i++)
        load_segment(pml4, image, &elf.segments[i]);
    for (uint64_t i = 1; i <= ROOT_STACK_PAGES; i++)
        paging_map_user_page(pml4, ROOT_STACK_TOP - i * PAGE_SIZE, bootmem_alloc_page(),
                             PTE_W | PTE_NX);
    paging_map_user_page(pml4, ROOT_BOOTINFO, cap_paddr(&bootinfo_cap), PTE_NX);
    paging_map_user_page(pml4, ROOT_IPC_BUFFER, cap_paddr(&ipc_cap), PTE_W | PTE_NX);

    /* The thread, with copies of its CSpace root, VSpace and IPC buffer
     * capabilities in its own slots, derived from the CNode's. */
    struct tcb *t = tcb_from_cap(&tcb_cap);
    boot_root_tcb = t;
    memcpy(t->name, "init", sizeof "init");
    t->mcp = ATOLL_MAX_PRIORITY;
    rq_node_init(&t->rq, ROOT_PRIORITY);
    cap_insert(cnode_cap, &slots[ATOLL_SLOT_ROOT_CNODE], tcb_slot(t, TCB_SLOT_CSPACE));
    cap_insert(vspace_cap, &slots[ATOLL_SLOT_ROOT_VSPACE], tcb_slot(t, TCB_SLOT_VSPACE));
    cap_insert(ipc_cap, &slots[ATOLL_SLOT_IPC_BUFFER], tcb_slot(t, TCB_SLOT_IPC_BUFFER));
    t->cr3 = pml4;
    t->ipc_buffer_user = ROOT_IPC_BUFFER;
    t->context.rip = elf.entry;
    t->context.rsp = ROOT_STACK_TOP;
    t->context.rflags = RFLAGS_IF | RFLAGS_RESERVED1;
    t->context.cs = SEL_USER_CODE;
    t->context.ss = SEL_USER_DATA;
    t->context.rdi = ROOT_BOOTINFO;

    /* Its scheduling context: round robin on core 0, its capability after
     * the SchedControl ones (atoll/sched.h). */
    struct cap sc_cap = boot_object(ATOLL_OBJECT_SCHED_CONTEXT, ATOLL_SCHED_CONTEXT_MIN_BITS);
    sched_boot_context(phys_to_virt(cap_paddr(&sc_cap)), ATOLL_SCHED_CONTEXT_MIN_BITS, t);
    if (ATOLL_SLOT_ROOT_SCHED_CONTEXT(cpus) < ATOLL_SLOT_SCHED_CONTROL_END)
        cap_boot_insert(&slots[ATOLL_SLOT_ROOT_SCHED_CONTEXT(cpus)], sc_cap);

    /* Everything left is the root task's, as untyped memory. */
    struct atoll_bootinfo *info = phys_to_virt(cap_paddr(&bootinfo_cap));
    info->magic = ATOLL_BOOTINFO_MAGIC;
    info->root_cnode_radix = ROOT_CNODE_RADIX;
    info->cpus = cpus;
    info->ipc_buffer = ROOT_IPC_BUFFER;
    info->ioport_first = 0;
    info->ioport_last = IOPORT_LAST;
    /* Before the memory is handed over: mapping may need page tables. */
    add_modules(boot, pml4, info, m);
    info->features = (vmx_usable() ? ATOLL_BOOTINFO_FEATURE_VMX : 0) |
                     (vtd_ir_enabled() ? ATOLL_BOOTINFO_FEATURE_IRQ_REMAP : 0);
    struct untyped_builder b = {
        .slots = slots,
        .info = info,
        .next_slot = ATOLL_SLOT_FIRST_FREE_FIXED,
        .last_slot = UINT64_C(1) << ROOT_CNODE_RADIX,
    };
    info->untyped_first = b.next_slot;
    bootmem_freeze(physmap_limit(), add_untyped_range, &b);
    uint64_t ram_bytes = b.bytes;
    b.bytes = 0;
    add_device_untypeds(&b, boot, kernel_mmio, mmio_count);
    info->phys_bits = cpu_features.phys_bits;
    info->iommu_units = vtd_unit_count();
    info->empty_first = b.next_slot;
    info->empty_last = b.last_slot;
    if (b.dropped)
        kprintf("atoll: warning: %lu KiB of memory not described (untyped list full)\n",
                b.dropped >> 10);

    thread_make_runnable(t);
    kprintf("atoll: root task \"%s\": %u segments, entry 0x%lx, %lu untypeds (%lu MiB RAM, %lu "
            "GiB device), %lu modules\n",
            m->name, elf.segment_count, elf.entry, info->untyped_count, ram_bytes >> 20,
            b.bytes >> 30, info->module_count);
    return true;
}
