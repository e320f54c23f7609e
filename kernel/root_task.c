/* The root task: the one user program the kernel starts itself. Its image
 * is a GRUB module; everything else is started by it (issue 5). */
#include "root_task.h"
#include "console.h"
#include "elf.h"
#include "kstring.h"
#include "thread.h"
#include "../arch/x86_64/bootmem.h"
#include "../arch/x86_64/cpu.h"
#include "../arch/x86_64/paging.h"
#include "../arch/x86_64/x86.h"

/* Fixed user addresses of the root task's stack (grows down from the top)
 * and of its boot-information page. */
#define ROOT_STACK_TOP   UINT64_C(0x00007ffffff00000)
#define ROOT_STACK_PAGES 16
#define ROOT_BOOTINFO    UINT64_C(0x00007ffffff10000)

static struct tcb root_tcb;

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
        /* Intersect this page with the segment's file bytes. */
        uint64_t lo = va > s->vaddr ? va : s->vaddr;
        uint64_t hi = va + PAGE_SIZE < s->vaddr + s->filesz ? va + PAGE_SIZE : s->vaddr + s->filesz;
        if (lo < hi)
            memcpy(dst + (lo - va), image + s->offset + (lo - s->vaddr), hi - lo);
        paging_map_user_page(pml4, va, page, segment_pte_flags(s->flags));
    }
}

bool root_task_create(const struct mb2_boot *boot)
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

    uint64_t pml4 = paging_new_user_pml4();
    for (uint32_t i = 0; i < elf.segment_count; i++)
        load_segment(pml4, image, &elf.segments[i]);
    for (uint64_t i = 1; i <= ROOT_STACK_PAGES; i++)
        paging_map_user_page(pml4, ROOT_STACK_TOP - i * PAGE_SIZE, bootmem_alloc_page(),
                             PTE_W | PTE_NX);
    uint64_t bootinfo = bootmem_alloc_page();
    paging_map_user_page(pml4, ROOT_BOOTINFO, bootinfo, PTE_NX);

    struct tcb *t = &root_tcb;
    memset(t, 0, sizeof *t);
    memcpy(t->name, "init", sizeof "init");
    fpu_init_area(t->fpu);
    t->current_on = THREAD_NOT_CURRENT;
    t->cr3 = pml4;
    t->context.rip = elf.entry;
    t->context.rsp = ROOT_STACK_TOP;
    t->context.rflags = RFLAGS_IF | RFLAGS_RESERVED1;
    t->context.cs = SEL_USER_CODE;
    t->context.ss = SEL_USER_DATA;
    t->context.rdi = ROOT_BOOTINFO;
    thread_make_runnable(t);
    kprintf("atoll: root task \"%s\": %u segments, entry 0x%lx\n", m->name, elf.segment_count,
            elf.entry);
    return true;
}
