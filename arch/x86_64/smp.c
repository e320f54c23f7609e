#include "smp.h"
#include "bootmem.h"
#include "cpu.h"
#include "cpu_features.h"
#include "lapic.h"
#include "lapic_regs.h"
#include "msr.h"
#include "paging.h"
#include "syscall.h"
#include "timer.h"
#include "trap.h"
#include "x86.h"
#include "../../kernel/console.h"
#include "../../kernel/klock.h"
#include "../../kernel/kstring.h"
#include "../../kernel/thread.h"
#include "../../vtx/vmx.h"

#include <stdatomic.h>

/* Parameter block at offset 8 of the trampoline (ap_boot.asm). */
struct ap_params {
    uint64_t cr3;
    uint64_t stack;
    uint64_t entry;
    uint64_t cpu_index;
    uint64_t efer;
    uint16_t gdt_limit;
    uint16_t gdt_base_lo, gdt_base_hi; /* split: the field is 2-byte aligned */
    uint16_t pad0;
    uint32_t far64_offset;
    uint16_t far64_selector;
    uint16_t pad1;
};
#define AP_PARAMS_OFFSET 8
#define AP_GDT_OFFSET    64 /* `align 16` after the block */

/* SDM Vol. 3A 9.4.4.1: 10 ms after INIT, 200 us between SIPIs. */
#define INIT_DELAY_US     10000u
#define SIPI_DELAY_US     200u
#define ONLINE_TIMEOUT_US 2000000u

extern const char ap_trampoline_start[], ap_trampoline_end[], ap_trampoline_long[];
void ap_main(uint64_t cpu_index);

static atomic_uint ap_started_index;

void ap_main(uint64_t cpu_index)
{
    write_cr3(kernel_pml4_phys);
    paging_enable_protections();
    cpu_init((uint32_t)cpu_index, 0);
    cpu_features_init_ap();
    lapic_init_cpu();
    syscall_init_cpu();
    vmx_init_ap();
    struct percpu *c = this_cpu();
    c->apic_id = lapic_id();
    timer_start_tick();
    c->online = true;
    atomic_store(&ap_started_index, (unsigned)cpu_index);
    kernel_lock();
    schedule();
}

static bool wait_online(uint32_t index, uint64_t timeout_us)
{
    uint64_t start = rdtsc();
    uint64_t limit = timer_tsc_hz() / 1000000u * timeout_us;
    while (rdtsc() - start < limit) {
        if (percpu_area[index].online)
            return true;
        cpu_pause();
    }
    return percpu_area[index].online;
}

/* A PML4 sharing the kernel half, plus a 1:1 map of the first 2 MiB so the
 * trampoline keeps running when paging comes on. */
static uint64_t make_trampoline_pml4(void)
{
    uint64_t pml4_phys = bootmem_alloc_page();
    uint64_t pdpt_phys = bootmem_alloc_page();
    uint64_t pd_phys = bootmem_alloc_page();
    uint64_t *pml4 = phys_to_virt(pml4_phys);
    uint64_t *pdpt = phys_to_virt(pdpt_phys);
    uint64_t *pd = phys_to_virt(pd_phys);
    memcpy(pml4, phys_to_virt(kernel_pml4_phys), PAGE_SIZE);
    pd[0] = 0 | PTE_P | PTE_W | PTE_PS;
    pdpt[0] = pd_phys | PTE_P | PTE_W;
    pml4[0] = pdpt_phys | PTE_P | PTE_W;
    return pml4_phys;
}

void smp_start(const struct acpi_info *acpi)
{
    uint32_t self = lapic_id();
    uint32_t others = 0;
    for (uint32_t i = 0; i < acpi->cpu_count; i++)
        others += acpi->cpus[i].apic_id != self;
    if (!others)
        return;

    uint64_t page = bootmem_alloc_low_page();
    if (!page) {
        kprintf("atoll: warning: no free page below 1 MiB for AP start-up; one CPU\n");
        return;
    }
    size_t size = (size_t)(ap_trampoline_end - ap_trampoline_start);
    uint8_t *tramp = phys_to_virt(page);
    memcpy(tramp, ap_trampoline_start, size);
    struct ap_params *p = (struct ap_params *)(tramp + AP_PARAMS_OFFSET);
    uint32_t gdt_base = (uint32_t)page + AP_GDT_OFFSET;
    p->gdt_base_lo = (uint16_t)gdt_base;
    p->gdt_base_hi = (uint16_t)(gdt_base >> 16);
    p->far64_offset = (uint32_t)page + (uint32_t)(ap_trampoline_long - ap_trampoline_start);
    p->cr3 = make_trampoline_pml4();
    p->entry = (uint64_t)ap_main;
    p->efer = EFER_LME | (paging_features.nx ? EFER_NXE : 0);

    uint32_t next_index = 1;
    for (uint32_t i = 0; i < acpi->cpu_count; i++) {
        uint32_t apic = acpi->cpus[i].apic_id;
        if (apic == self)
            continue;
        if (next_index >= MAX_CPUS) {
            kprintf("atoll: warning: more than %u cpus; the rest stay off\n", MAX_CPUS);
            break;
        }
        if (!lapic_is_x2apic() && apic > 0xfe) {
            kprintf("atoll: warning: cpu apic id %u needs x2apic; skipped\n", apic);
            continue;
        }
        uint32_t index = next_index;
        p->cpu_index = index;
        p->stack = (uint64_t)&cpu_stacks[index][KERNEL_STACK_SIZE];
        atomic_thread_fence(memory_order_seq_cst);

        lapic_send_ipi(apic, ICR_INIT | ICR_ASSERT);
        timer_udelay(INIT_DELAY_US);
        uint32_t vector = (uint32_t)(page >> 12);
        lapic_send_ipi(apic, ICR_STARTUP | vector);
        timer_udelay(SIPI_DELAY_US);
        if (!percpu_area[index].online) {
            lapic_send_ipi(apic, ICR_STARTUP | vector);
            timer_udelay(SIPI_DELAY_US);
        }
        if (!wait_online(index, ONLINE_TIMEOUT_US)) {
            /* Its slot and stack are burned: it may still wake up late. */
            kprintf("atoll: warning: cpu with apic id %u did not start\n", apic);
        }
        next_index++;
    }
    kprintf("atoll: smp: %u of %u cpus online\n", cpu_online_count(), acpi->cpu_count);
}
