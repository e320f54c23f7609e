/* Boot sequence of the bootstrap processor. Each step either works or
 * says, on the console, why the system cannot go on. */
#include "console.h"
#include "kstring.h"
#include "klock.h"
#include "boot_root.h"
#include "cap_glue.h"
#include "thread.h"
#include "atoll/irq.h"
#include "../arch/x86_64/acpi.h"
#include "../arch/x86_64/bootmem.h"
#include "../arch/x86_64/boot_dump.h"
#include "../iommu/vtd.h"
#include "../arch/x86_64/cpu.h"
#include "../arch/x86_64/cpu_features.h"
#include "../arch/x86_64/ioapic.h"
#include "../arch/x86_64/lapic.h"
#include "../arch/x86_64/multiboot2.h"
#include "../arch/x86_64/paging.h"
#include "../arch/x86_64/platform.h"
#include "../arch/x86_64/serial.h"
#include "../arch/x86_64/smp.h"
#include "../arch/x86_64/syscall.h"
#include "../arch/x86_64/timer.h"
#include "../arch/x86_64/trap.h"
#include "../arch/x86_64/uart16550.h"
#include "../arch/x86_64/x86.h"
#include "../vtx/vmx.h"

void kernel_main(uint32_t magic, uint32_t info_phys);

struct cmdline boot_cmdline;
static struct mb2_boot boot_info;
static struct acpi_info acpi;
/* 0xfee00000-0xfeefffff: local APICs and MSI writes (SDM vol. 3A 10.11). */
#define MSI_WINDOW_SIZE UINT64_C(0x100000)

extern char __kernel_phys_start[], __kernel_phys_end[];

#define MIB (UINT64_C(1) << 20)
/* Largest Multiboot2 information structure accepted (GRUB's is a few KiB
 * plus the EFI memory map). */
#define MB2_INFO_MAX (UINT64_C(1) << 20)

static const void *acpi_map(void *ctx, uint64_t phys, size_t len)
{
    (void)ctx;
    if (!phys_is_mapped(phys, len))
        return NULL;
    return phys_to_virt(phys);
}

static uint64_t physical_top(const struct mb2_boot *b)
{
    uint64_t top = 0;
    for (uint32_t i = 0; i < b->mmap_count; i++) {
        /* Reserved ranges can sit far above RAM (QEMU's HyperTransport
         * hole at 1012 GiB); only memory the kernel may read counts. */
        uint32_t t = b->mmap[i].type;
        if (t != MB2_MEM_AVAILABLE && t != MB2_MEM_ACPI_RECLAIMABLE && t != MB2_MEM_NVS)
            continue;
        uint64_t end = b->mmap[i].base + b->mmap[i].length;
        if (end > top && end >= b->mmap[i].base)
            top = end;
    }
    return top;
}

static void parse_boot_info(uint32_t magic, uint32_t info_phys)
{
    if (magic != MB2_BOOTLOADER_MAGIC) {
        kprintf("atoll: not started by a Multiboot2 loader (magic 0x%x); stopping\n", magic);
        system_stop(1);
    }
    const void *info = (const void *)(uintptr_t)info_phys; /* boot identity map */
    uint32_t size = mb2_total_size(info);
    if (size > MB2_INFO_MAX || mb2_parse(info, size, &boot_info) != 0) {
        kprintf("atoll: boot information at 0x%x is unusable (size %u); stopping\n", info_phys,
                size);
        system_stop(1);
    }
    cmdline_parse(boot_info.cmdline, &boot_cmdline);
    if (boot_cmdline.console_port && boot_cmdline.console_port != UART_COM1 &&
        !serial_init(boot_cmdline.console_port))
        serial_init(UART_COM1); /* keep a console rather than none */

    kprintf("atoll: loader \"%s\" cmdline \"%s\"\n", boot_info.loader, boot_info.cmdline);
    if (boot_cmdline.unknown || boot_cmdline.invalid)
        kprintf("atoll: cmdline: %u unknown and %u invalid options ignored\n", boot_cmdline.unknown,
                boot_cmdline.invalid);
    kprintf("atoll: memory map: %u entries, %lu MiB usable, %u modules%s\n", boot_info.mmap_count,
            mb2_usable_bytes(&boot_info) / MIB, boot_info.module_count,
            boot_info.efi_system_table ? ", booted by UEFI" : "");
    if (boot_info.efi_system_table)
        kprintf("atoll: efi system table 0x%lx, efi memory map %u descriptors (%lu MiB "
                "conventional)\n",
                boot_info.efi_system_table, boot_info.efi_mmap_entries,
                boot_info.efi_conventional_bytes / MIB);

    bootmem_init(&boot_info);
    bootmem_reserve((uint64_t)(uintptr_t)__kernel_phys_start,
                    (uint64_t)(uintptr_t)(__kernel_phys_end - __kernel_phys_start));
    bootmem_reserve(info_phys, size);
    for (uint32_t i = 0; i < boot_info.module_count; i++)
        bootmem_reserve(boot_info.modules[i].start,
                        boot_info.modules[i].end - boot_info.modules[i].start);
    if (boot_cmdline.dump_mb2)
        boot_dump("mb2", info_phys, info, size);
}

static void parse_acpi(void)
{
    if (!boot_info.rsdp_len) {
        kprintf("atoll: warning: no ACPI RSDP from the boot loader; one CPU, no IOMMU\n");
        return;
    }
    struct boot_dump_recorder rec;
    boot_dump_recorder_init(&rec, acpi_map, NULL);
    int rc = acpi_parse(boot_info.rsdp, boot_info.rsdp_len,
                        boot_cmdline.dump_acpi ? boot_dump_recorder_map : acpi_map,
                        boot_cmdline.dump_acpi ? (void *)&rec : NULL, &acpi);
    if (boot_cmdline.dump_acpi) {
        boot_dump("rsdp", 0, boot_info.rsdp, boot_info.rsdp_len);
        boot_dump_recorded(&rec);
    }
    if (rc != 0)
        kprintf("atoll: warning: ACPI tables unusable; one CPU, no IOMMU\n");
    kprintf("atoll: acpi rev %u oem \"%s\" via %s: %u cpus, %u ioapics, %u overrides, %u mcfg, "
            "dmar %s, %u warnings\n",
            acpi.revision, acpi.oem_id, acpi.used_xsdt ? "xsdt" : "rsdt", acpi.cpu_count,
            acpi.ioapic_count, acpi.override_count, acpi.mcfg_count,
            acpi.dmar_present ? "present" : "absent", acpi.warnings);
    for (uint32_t i = 0; i < acpi.mcfg_count; i++)
        kprintf("atoll: pci ecam segment %u buses %u-%u at 0x%lx\n", acpi.mcfg[i].segment,
                acpi.mcfg[i].bus_start, acpi.mcfg[i].bus_end, acpi.mcfg[i].base);
}

/* atoll.test=...: faults on purpose so the exception path stays tested. */
static void run_test_hook(const char *name)
{
    if (!name[0])
        return;
    kprintf("atoll: test hook %s\n", name);
    if (!memcmp(name, "pagefault", sizeof "pagefault")) {
        volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)0xdead0000ull;
        (void)*p;
    } else if (!memcmp(name, "doublefault", sizeof "doublefault")) {
        /* With the stack unmapped, delivering the #PF faults again and
         * escalates to #DF, which only works because #DF has its own IST
         * stack (SDM Vol. 3A 6.15, interrupt 8). */
        __asm__ volatile("movq $0xdead0000, %%rsp\n\tpushq $0" ::: "memory");
    } else if (!memcmp(name, "gp", sizeof "gp")) {
        /* A non-canonical address faults with #GP(0), not #PF. */
        volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)0x8000000000000000ull;
        (void)*p;
    } else if (!memcmp(name, "ud", sizeof "ud")) {
        __asm__ volatile("ud2");
    } else if (!memcmp(name, "breakpoint", sizeof "breakpoint")) {
        __asm__ volatile("int3");
    } else {
        kprintf("atoll: warning: unknown test hook \"%s\"\n", name);
    }
}

/* The physical ranges of the devices the kernel drives itself, which no
 * device untyped may cover: the local APIC and MSI window (a CPU access
 * there reaches its own local APIC; a DMA write there is an interrupt) and
 * the I/O APICs, the IOMMU units. */
static size_t kernel_mmio(struct phys_range *out, size_t max)
{
    size_t n = 0;
    out[n++] =
        (struct phys_range){ATOLL_MSI_ADDRESS_BASE, ATOLL_MSI_ADDRESS_BASE + MSI_WINDOW_SIZE};
    if (acpi.madt_present)
        out[n++] = (struct phys_range){acpi.lapic_phys, acpi.lapic_phys + PAGE_SIZE};
    for (uint32_t i = 0; i < acpi.ioapic_count && n < max; i++)
        out[n++] = (struct phys_range){acpi.ioapics[i].phys, acpi.ioapics[i].phys + PAGE_SIZE};
    return n + vtd_kernel_mmio(out + n, max - n);
}

void kernel_main(uint32_t magic, uint32_t info_phys)
{
    serial_init(UART_COM1);
    kprintf("\natoll: booting\n");
    idt_init();
    cpu_init(0, 0);

    parse_boot_info(magic, info_phys);
    paging_init(physical_top(&boot_info));
    kprintf("atoll: paging: nx=%d smep=%d smap=%d umip=%d 1g=%d, %lu boot pages\n",
            paging_features.nx, paging_features.smep, paging_features.smap, paging_features.umip,
            paging_features.page1g, bootmem_pages_used());

    cpu_features_init_bsp();
    parse_acpi();
    if (boot_cmdline.dump_acpi || boot_cmdline.dump_mb2)
        boot_dump_end();
    vmx_init_bsp();

    lapic_init_bsp(acpi.madt_present ? acpi.lapic_phys : 0);
    lapic_init_cpu();
    syscall_init_cpu();
    percpu_area[0].apic_id = lapic_id();
    percpu_area[0].online = true;
    ioapic_init(&acpi);
    timer_init();
    irq_enable();
    timer_selftest();
    vtd_init(&acpi);

    if (!boot_cmdline.nosmp)
        smp_start(&acpi);
    vmx_report_cores();

    run_test_hook(boot_cmdline.test);

    kprintf("atoll: ready cpus=%u mem=%lu iommu=%s vmx=%s\n", cpu_online_count(),
            mb2_usable_bytes(&boot_info) / MIB, vtd_unit_count() > 0 ? "yes" : "no",
            vmx_usable() ? "yes" : "no");
    cap_glue_init();
    sched_init();
    static struct phys_range mmio[BOOT_KERNEL_MMIO_MAX];
    size_t mmio_count = kernel_mmio(mmio, BOOT_KERNEL_MMIO_MAX);
    bool have_root = boot_root_task(&boot_info, cpu_online_count(), mmio, mmio_count);
    if (!have_root && boot_cmdline.exit_after_ready) {
        serial_flush();
        platform_leave_emulator(0);
    }
    irq_disable();
    kernel_lock();
    schedule();
}
