#include "paging.h"
#include "bootmem.h"
#include "cpuid_bits.h"
#include "msr.h"
#include "x86.h"
#include "../../kernel/console.h"

uint64_t kernel_pml4_phys;
struct paging_features paging_features;

static bool physmap_active;
static uint64_t physmap_top;
static uint64_t mmio_next = MMIO_BASE;

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[];

void *phys_to_virt(uint64_t phys)
{
    return (void *)(uintptr_t)(physmap_active ? PHYSMAP_BASE + phys : phys);
}

bool phys_is_mapped(uint64_t phys, uint64_t len)
{
    uint64_t top = physmap_active ? physmap_top : (4ull << 30);
    return phys <= top && len <= top - phys;
}

/* Returns the table that `entry` points at, allocating it if absent.
 * `table_flags` go on the new entry (PTE_U for user tables). */
static uint64_t *next_level_flags(uint64_t *entry, uint64_t table_flags)
{
    if (!(*entry & PTE_P))
        *entry = bootmem_alloc_page() | PTE_P | PTE_W | table_flags;
    return phys_to_virt(*entry & PTE_ADDR);
}

static uint64_t *next_level(uint64_t *entry)
{
    return next_level_flags(entry, 0);
}

static void map_page_flags(uint64_t *pml4, uint64_t va, uint64_t pa, uint64_t flags,
                           uint64_t table_flags)
{
    uint64_t *pdpt = next_level_flags(&pml4[PML4_INDEX(va)], table_flags);
    uint64_t *pd = next_level_flags(&pdpt[PDPT_INDEX(va)], table_flags);
    uint64_t *pt = next_level_flags(&pd[PD_INDEX(va)], table_flags);
    pt[PT_INDEX(va)] = pa | flags | PTE_P;
}

static void map_page(uint64_t *pml4, uint64_t va, uint64_t pa, uint64_t flags)
{
    map_page_flags(pml4, va, pa, flags, 0);
}

static void map_range_4k(uint64_t *pml4, uint64_t va, uint64_t va_end, uint64_t flags)
{
    for (; va < va_end; va += PAGE_SIZE)
        map_page(pml4, va, va - KERNEL_VMA, flags);
}

static void map_physmap(uint64_t *pml4, uint64_t top)
{
    uint64_t flags = PTE_P | PTE_W | PTE_G | (paging_features.nx ? PTE_NX : 0);
    for (uint64_t pa = 0; pa < top;) {
        uint64_t va = PHYSMAP_BASE + pa;
        uint64_t *pdpt = next_level(&pml4[PML4_INDEX(va)]);
        if (paging_features.page1g) {
            pdpt[PDPT_INDEX(va)] = pa | flags | PTE_PS;
            pa += HUGE_PAGE;
        } else {
            uint64_t *pd = next_level(&pdpt[PDPT_INDEX(va)]);
            pd[PD_INDEX(va)] = pa | flags | PTE_PS;
            pa += LARGE_PAGE;
        }
    }
}

static void detect_features(void)
{
    struct cpuid_regs ext = cpuid(CPUID_LEAF_EXT_INFO, 0);
    struct cpuid_regs basic = cpuid(CPUID_LEAF_FEATURES, 0);
    struct cpuid_regs leaf7 = {0};
    if (cpuid(CPUID_LEAF_VENDOR, 0).eax >= CPUID_LEAF_EXT_FEATURES)
        leaf7 = cpuid(CPUID_LEAF_EXT_FEATURES, 0);
    paging_features.nx = ext.edx & CPUID_EXT_EDX_NX;
    paging_features.page1g = ext.edx & CPUID_EXT_EDX_PAGE1G;
    paging_features.global = basic.edx & CPUID_1_EDX_PGE;
    paging_features.smep = leaf7.ebx & CPUID_7_EBX_SMEP;
    paging_features.smap = leaf7.ebx & CPUID_7_EBX_SMAP;
    paging_features.umip = leaf7.ecx & CPUID_7_ECX_UMIP;
}

/* Per-core protection bits; also called on each application processor. */
void paging_enable_protections(void)
{
    if (paging_features.nx)
        wrmsr(MSR_IA32_EFER, rdmsr(MSR_IA32_EFER) | EFER_NXE);
    write_cr0(read_cr0() | CR0_WP);
    uint64_t cr4 = read_cr4();
    if (paging_features.global)
        cr4 |= CR4_PGE;
    if (paging_features.smep)
        cr4 |= CR4_SMEP;
    if (paging_features.smap)
        cr4 |= CR4_SMAP;
    if (paging_features.umip)
        cr4 |= CR4_UMIP;
    write_cr4(cr4);
}

void paging_init(uint64_t phys_top)
{
    detect_features();
    paging_enable_protections();

    if (phys_top < (4ull << 30))
        phys_top = 4ull << 30; /* firmware tables and MMIO live below 4 GiB */
    if (phys_top > PHYSMAP_MAX) {
        kprintf("atoll: warning: memory above %lu GiB is not mapped\n", PHYSMAP_MAX >> 30);
        phys_top = PHYSMAP_MAX;
    }
    phys_top = (phys_top + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);

    kernel_pml4_phys = bootmem_alloc_page();
    uint64_t *pml4 = phys_to_virt(kernel_pml4_phys);
    uint64_t nx = paging_features.nx ? PTE_NX : 0;
    uint64_t g = paging_features.global ? PTE_G : 0;

    map_range_4k(pml4, (uint64_t)__text_start, (uint64_t)__text_end, g);
    map_range_4k(pml4, (uint64_t)__rodata_start, (uint64_t)__rodata_end, g | nx);
    map_range_4k(pml4, (uint64_t)__data_start, (uint64_t)__data_end, g | nx | PTE_W);
    map_physmap(pml4, phys_top);
    /* Every kernel-half top-level entry exists before the first user
     * address space copies them, so later kernel mappings reach all. */
    next_level(&pml4[PML4_INDEX(MMIO_BASE)]);

    write_cr3(kernel_pml4_phys);
    physmap_active = true;
    physmap_top = phys_top;
}

uint64_t physmap_limit(void)
{
    return physmap_top;
}

volatile void *mmio_map(uint64_t phys, uint64_t size)
{
    uint64_t offset = phys & (PAGE_SIZE - 1);
    uint64_t base = phys - offset;
    if (size == 0 || size > MMIO_SIZE)
        return NULL;
    uint64_t pages = (offset + size + PAGE_SIZE - 1) / PAGE_SIZE;
    if (pages * PAGE_SIZE > MMIO_BASE + MMIO_SIZE - mmio_next)
        return NULL;
    uint64_t va = mmio_next;
    uint64_t *pml4 = phys_to_virt(kernel_pml4_phys);
    uint64_t flags = PTE_W | PTE_PCD | PTE_PWT | PTE_G | (paging_features.nx ? PTE_NX : 0);
    for (uint64_t i = 0; i < pages; i++)
        map_page(pml4, va + i * PAGE_SIZE, base + i * PAGE_SIZE, flags);
    mmio_next += pages * PAGE_SIZE;
    return (volatile void *)(uintptr_t)(va + offset);
}

#define PML4_KERNEL_HALF (PT_ENTRIES / 2)

void paging_copy_kernel_half(uint64_t pml4_phys)
{
    uint64_t *pml4 = phys_to_virt(pml4_phys);
    const uint64_t *kernel = phys_to_virt(kernel_pml4_phys);
    for (unsigned i = PML4_KERNEL_HALF; i < PT_ENTRIES; i++)
        pml4[i] = kernel[i];
}

uint64_t paging_new_user_pml4(void)
{
    uint64_t phys = bootmem_alloc_page();
    paging_copy_kernel_half(phys);
    return phys;
}

void paging_map_user_page(uint64_t pml4_phys, uint64_t va, uint64_t pa, uint64_t flags)
{
    if (!paging_features.nx)
        flags &= ~PTE_NX;
    map_page_flags(phys_to_virt(pml4_phys), va, pa, flags | PTE_U, PTE_U);
}
