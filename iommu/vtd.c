/* VT-d unit bring-up at boot. See vtd.h.
 *
 * Register access: 32-bit registers by 32-bit accesses, 64-bit ones by one
 * 64-bit access (VT-d 11.2 allows it; the unit's registers are mapped
 * uncached). Every wait for the hardware is bounded by VTD_TIMEOUT_US and
 * a timeout only costs the unit, never the boot. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/bootmem.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/timer.h"
#include "arch/x86_64/x86.h"
#include "iommu/dmar.h"
#include "iommu/dmar_tables.h"
#include "iommu/iopt.h"
#include "iommu/vtd.h"
#include "iommu/vtd_regs.h"
#include "kernel/console.h"

/* VT-d 6.5.2 gives no bound; real units answer in microseconds and QEMU
 * immediately. 100 ms is far beyond any of them. */
#define VTD_TIMEOUT_US 100000u
/* Registers beyond this many pages mean a corrupt CAP/ECAP. */
#define VTD_MAX_REG_PAGES 16u
/* The invalidation queue: one page of 256 descriptors (IQA.QS = 0). */
#define VTD_IQ_QS    0u
#define VTD_IQ_DESCS VTD_IQ_DESCS_PER_PAGE
/* What the wait descriptor makes the unit write. */
#define VTD_WAIT_TOKEN 0x600dd00du
#define CACHE_LINE     64u
/* Context tables each unit gets at boot, one per bus that has a bound
 * function: the kernel allocates nothing later, and few buses hold
 * devices that are given to drivers. */
#define VTD_CONTEXT_TABLES 8u
/* Domain ids this kernel hands out: below 2^15 (frame capabilities record
 * an IOSpace mapping with a 15-bit id, kernel/iospace.c). */
#define VTD_MAX_DOMAINS (1u << 15)

struct vtd_unit {
    uint32_t index; /* in the DMAR's unit table */
    volatile uint8_t *regs;
    uint64_t reg_phys;
    uint64_t reg_pages; /* mapped: the DRHD's size, or more if CAP/ECAP say so */
    uint64_t cap, ecap;
    uint64_t root_phys;
    uint64_t iq_phys;
    uint32_t iq_tail; /* next free descriptor */
    volatile uint32_t *wait_status;
    uint64_t wait_status_phys;
    bool up;
    bool translating; /* GSTS.TES set by this kernel */
    uint64_t context_tables[VTD_CONTEXT_TABLES];
    uint32_t context_tables_used;
};

static struct dmar_info dmar;
static struct vtd_unit units[DMAR_MAX_UNITS];
static uint32_t units_up;
/* One page of 4-byte status words, one per unit, for wait descriptors. */
static uint64_t status_page_phys;
/* Interrupt remapping: one table for every unit (an entry means the same
 * interrupt whichever unit the request passes through). */
static uint64_t irt_phys;
static bool ir_on, ir_x2apic;

static uint32_t rd32(const struct vtd_unit *u, uint32_t off)
{
    return *(volatile uint32_t *)(u->regs + off);
}

static uint64_t rd64(const struct vtd_unit *u, uint32_t off)
{
    return *(volatile uint64_t *)(u->regs + off);
}

static void wr32(const struct vtd_unit *u, uint32_t off, uint32_t v)
{
    *(volatile uint32_t *)(u->regs + off) = v;
}

static void wr64(const struct vtd_unit *u, uint32_t off, uint64_t v)
{
    *(volatile uint64_t *)(u->regs + off) = v;
}

/* Without ECAP.C the unit does not snoop the CPU caches when it reads
 * tables and descriptors (VT-d 6.1): write them back first. */
static void flush_for_unit(const struct vtd_unit *u, const volatile void *p, size_t len)
{
    if ((u->ecap & VTD_ECAP_C) != 0)
        return;
    uintptr_t a = (uintptr_t)p & ~(uintptr_t)(CACHE_LINE - 1);
    for (; a < (uintptr_t)p + len; a += CACHE_LINE)
        __asm__ volatile("clflush (%0)" ::"r"(a) : "memory");
    __asm__ volatile("mfence" ::: "memory");
}

/* Polls until (reg & mask) == want; false after VTD_TIMEOUT_US. */
static bool poll32(const struct vtd_unit *u, uint32_t off, uint32_t mask, uint32_t want)
{
    for (uint32_t i = 0; i < VTD_TIMEOUT_US; i++) {
        if ((rd32(u, off) & mask) == want)
            return true;
        timer_udelay(1);
    }
    return (rd32(u, off) & mask) == want;
}

static bool poll64(const struct vtd_unit *u, uint32_t off, uint64_t mask, uint64_t want)
{
    for (uint32_t i = 0; i < VTD_TIMEOUT_US; i++) {
        if ((rd64(u, off) & mask) == want)
            return true;
        timer_udelay(1);
    }
    return (rd64(u, off) & mask) == want;
}

/* 11.4.4: GCMD takes the persistent enables of GSTS plus one change. */
static bool global_command(const struct vtd_unit *u, uint32_t set, uint32_t clear,
                           uint32_t status_bit, bool status_set)
{
    uint32_t persistent = rd32(u, VTD_REG_GSTS) & ~VTD_GSTS_ONESHOT;
    wr32(u, VTD_REG_GCMD, (persistent | set) & ~clear);
    return poll32(u, VTD_REG_GSTS, status_bit, status_set ? status_bit : 0);
}

/* Maps the registers: the DRHD's register set, grown to cover the fault
 * recording and IOTLB registers CAP/ECAP place after it. */
static bool map_registers(struct vtd_unit *u, const struct dmar_unit *du)
{
    uint64_t pages = du->reg_pages < VTD_MAX_REG_PAGES ? du->reg_pages : VTD_MAX_REG_PAGES;
    u->reg_pages = pages;
    u->regs = (volatile uint8_t *)mmio_map(du->reg_base, pages * VTD_PAGE_SIZE);
    if (u->regs == NULL) {
        kprintf("iommu: unit %u at 0x%lx: no room in the MMIO window, skipped\n", u->index,
                du->reg_base);
        return false;
    }
    uint32_t ver = rd32(u, VTD_REG_VER);
    if (ver == 0xffffffffu || VTD_VER_MAJOR(ver) == 0) {
        kprintf("iommu: unit %u at 0x%lx: version register reads 0x%x, no unit there, skipped\n",
                u->index, du->reg_base, ver);
        return false;
    }
    u->cap = rd64(u, VTD_REG_CAP);
    u->ecap = rd64(u, VTD_REG_ECAP);
    uint64_t end_fault =
        (uint64_t)VTD_CAP_FRO(u->cap) * 16 + (uint64_t)VTD_CAP_NFR(u->cap) * VTD_FRCD_LEN;
    uint64_t end_iotlb = (uint64_t)VTD_ECAP_IRO(u->ecap) * 16 + VTD_IOTLB_REGS_LEN;
    uint64_t end = end_fault > end_iotlb ? end_fault : end_iotlb;
    uint64_t need = (end + VTD_PAGE_SIZE - 1) / VTD_PAGE_SIZE;
    if (need > VTD_MAX_REG_PAGES) {
        kprintf("iommu: unit %u at 0x%lx: registers reach 0x%lx bytes, skipped\n", u->index,
                du->reg_base, end);
        return false;
    }
    if (need > pages) {
        u->reg_pages = need;
        u->regs = (volatile uint8_t *)mmio_map(du->reg_base, need * VTD_PAGE_SIZE);
        if (u->regs == NULL) {
            kprintf("iommu: unit %u at 0x%lx: no room in the MMIO window, skipped\n", u->index,
                    du->reg_base);
            return false;
        }
    }
    return true;
}

/* The unit must be usable by this kernel's page tables (iommu/iopt.c). */
static bool check_capabilities(const struct vtd_unit *u)
{
    unsigned sagaw = VTD_CAP_SAGAW(u->cap);
    if ((sagaw & (VTD_SAGAW_39 | VTD_SAGAW_48)) == 0) {
        kprintf("iommu: unit %u: sagaw 0x%x offers neither 3- nor 4-level tables, skipped\n",
                u->index, sagaw);
        return false;
    }
    if (VTD_CAP_MGAW(u->cap) < 32) {
        kprintf("iommu: unit %u: mgaw %u is too small, skipped\n", u->index, VTD_CAP_MGAW(u->cap));
        return false;
    }
    return true;
}

static bool write_buffer_flush(const struct vtd_unit *u)
{
    if ((u->cap & VTD_CAP_RWBF) == 0)
        return true;
    return global_command(u, VTD_GCMD_WBF, 0, VTD_GSTS_WBFS, false);
}

static bool set_root_table(struct vtd_unit *u)
{
    u->root_phys = bootmem_alloc_page();
    flush_for_unit(u, phys_to_virt(u->root_phys), VTD_PAGE_SIZE);
    wr64(u, VTD_REG_RTADDR, u->root_phys | VTD_RTADDR_TTM_LEGACY);
    if (!global_command(u, VTD_GCMD_SRTP, 0, VTD_GSTS_RTPS, true)) {
        kprintf("iommu: unit %u: root table pointer not latched, skipped\n", u->index);
        return false;
    }
    return true;
}

/* Register-based invalidation (11.4.7, 11.4.8): the only way before QI is
 * on, and the way on units without QI. */
static bool register_invalidate_all(const struct vtd_unit *u)
{
    wr64(u, VTD_REG_CCMD, VTD_CCMD_ICC | VTD_CCMD_CIRG_GLOBAL);
    if (!poll64(u, VTD_REG_CCMD, VTD_CCMD_ICC, 0) || VTD_CCMD_CAIG(rd64(u, VTD_REG_CCMD)) == 0)
        return false;
    uint32_t iotlb = VTD_ECAP_IRO(u->ecap) * 16 + VTD_IOTLB_OFF_IOTLB;
    uint64_t drain =
        ((u->cap & VTD_CAP_DRD) ? VTD_IOTLB_DR : 0) | ((u->cap & VTD_CAP_DWD) ? VTD_IOTLB_DW : 0);
    wr64(u, iotlb, VTD_IOTLB_IVT | VTD_IOTLB_IIRG_GLOBAL | drain);
    return poll64(u, iotlb, VTD_IOTLB_IVT, 0) && VTD_IOTLB_IAIG(rd64(u, iotlb)) != 0;
}

/* Queues one descriptor; false if the queue is full (the unit has not
 * fetched far enough: one slot always stays empty so that head == tail
 * means empty, 6.5.2). */
static bool queue_descriptor(struct vtd_unit *u, uint64_t lo, uint64_t hi)
{
    uint32_t head = (uint32_t)((rd64(u, VTD_REG_IQH) & VTD_IQ_OFFSET_MASK) >> VTD_IQ_INDEX_SHIFT);
    if ((u->iq_tail + 1) % VTD_IQ_DESCS == head)
        return false;
    volatile uint64_t *q = phys_to_virt(u->iq_phys);
    q[u->iq_tail * 2] = lo;
    q[u->iq_tail * 2 + 1] = hi;
    flush_for_unit(u, &q[u->iq_tail * 2], VTD_IQ_DESC_LEN);
    u->iq_tail = (u->iq_tail + 1) % VTD_IQ_DESCS;
    return true;
}

/* Hands the queued descriptors to the unit and waits, through a wait
 * descriptor with status write, until all have completed. */
static bool queue_submit_and_wait(struct vtd_unit *u)
{
    *u->wait_status = 0;
    flush_for_unit(u, u->wait_status, sizeof(*u->wait_status));
    if (!queue_descriptor(u,
                          VTD_INV_TYPE_WAIT | VTD_INV_WAIT_SW | VTD_INV_WAIT_FN |
                              VTD_INV_WAIT_SDATA(VTD_WAIT_TOKEN),
                          u->wait_status_phys & VTD_INV_WAIT_ADDR_MASK)) {
        kprintf("iommu: unit %u: invalidation queue full\n", u->index);
        return false;
    }
    __asm__ volatile("" ::: "memory");
    wr64(u, VTD_REG_IQT, (uint64_t)u->iq_tail << VTD_IQ_INDEX_SHIFT);
    for (uint32_t i = 0; i < VTD_TIMEOUT_US; i++) {
        if (*u->wait_status == VTD_WAIT_TOKEN)
            return true;
        if ((rd32(u, VTD_REG_FSTS) & (VTD_FSTS_IQE | VTD_FSTS_ITE | VTD_FSTS_ICE)) != 0)
            break;
        timer_udelay(1);
    }
    uint32_t fsts = rd32(u, VTD_REG_FSTS);
    kprintf("iommu: unit %u: invalidation queue stuck (head %lu tail %u, fault status 0x%x)\n",
            u->index, (rd64(u, VTD_REG_IQH) & VTD_IQ_OFFSET_MASK) >> VTD_IQ_INDEX_SHIFT, u->iq_tail,
            fsts);
    return false;
}

static bool enable_queued_invalidation(struct vtd_unit *u)
{
    /* Firmware may have left QI on with its own queue: turn it off first
     * (11.4.4: the queue must be idle, which it is once IQH == IQT). */
    if ((rd32(u, VTD_REG_GSTS) & VTD_GSTS_QIES) != 0) {
        poll64(u, VTD_REG_IQH, VTD_IQ_OFFSET_MASK, rd64(u, VTD_REG_IQT) & VTD_IQ_OFFSET_MASK);
        if (!global_command(u, 0, VTD_GCMD_QIE, VTD_GSTS_QIES, false))
            return false;
    }
    u->iq_phys = bootmem_alloc_page();
    u->iq_tail = 0;
    flush_for_unit(u, phys_to_virt(u->iq_phys), VTD_PAGE_SIZE);
    wr64(u, VTD_REG_IQT, 0);
    wr64(u, VTD_REG_IQA, u->iq_phys | VTD_IQA_QS(VTD_IQ_QS));
    if (!global_command(u, VTD_GCMD_QIE, 0, VTD_GSTS_QIES, true))
        return false;

    /* Global context-cache, IOTLB and (with IR) interrupt-entry-cache
     * invalidations: whatever firmware cached is gone. */
    uint64_t drain = ((u->cap & VTD_CAP_DRD) ? VTD_INV_IOTLB_DR : 0) |
                     ((u->cap & VTD_CAP_DWD) ? VTD_INV_IOTLB_DW : 0);
    bool queued = queue_descriptor(u, VTD_INV_TYPE_CONTEXT | VTD_INV_CC_G_GLOBAL, 0) &&
                  queue_descriptor(u, VTD_INV_TYPE_IOTLB | VTD_INV_IOTLB_G_GLOBAL | drain, 0);
    if (queued && (u->ecap & VTD_ECAP_IR) != 0)
        queued = queue_descriptor(u, VTD_INV_TYPE_IEC | VTD_INV_IEC_GLOBAL, 0);
    if (!queued) {
        kprintf("iommu: unit %u: invalidation queue full\n", u->index);
        return false;
    }
    return queue_submit_and_wait(u);
}

/* Fault reporting stays masked until a handler exists; records left by
 * firmware are reported and cleared so that new ones can be recorded. */
static void clear_faults(const struct vtd_unit *u)
{
    wr32(u, VTD_REG_FECTL, VTD_FECTL_IM);
    uint32_t fro = VTD_CAP_FRO(u->cap) * 16;
    unsigned stale = 0;
    for (unsigned i = 0; i < VTD_CAP_NFR(u->cap); i++) {
        uint32_t off = fro + i * VTD_FRCD_LEN + VTD_FRCD_OFF_HI;
        uint64_t hi = rd64(u, off);
        if ((hi & VTD_FRCD_HI_F) != 0) {
            stale++;
            wr64(u, off, VTD_FRCD_HI_F);
        }
    }
    uint32_t fsts = rd32(u, VTD_REG_FSTS);
    if (stale != 0 || (fsts & VTD_FSTS_ERRORS) != 0)
        kprintf("iommu: unit %u: %u fault records and status 0x%x left by firmware, cleared\n",
                u->index, stale, fsts);
    wr32(u, VTD_REG_FSTS, fsts & VTD_FSTS_ERRORS);
}

static bool bring_up(struct vtd_unit *u, const struct dmar_unit *du)
{
    if (!map_registers(u, du))
        return false;
    uint32_t ver = rd32(u, VTD_REG_VER);
    kprintf("iommu: unit %u at 0x%lx ver %u.%u sagaw 0x%x mgaw %u qi=%s ir=%s cm=%s\n", u->index,
            du->reg_base, VTD_VER_MAJOR(ver), VTD_VER_MINOR(ver), VTD_CAP_SAGAW(u->cap),
            VTD_CAP_MGAW(u->cap), (u->ecap & VTD_ECAP_QI) ? "yes" : "no",
            (u->ecap & VTD_ECAP_IR) ? "yes" : "no", (u->cap & VTD_CAP_CM) ? "yes" : "no");
    if (!check_capabilities(u))
        return false;
    uint32_t gsts = rd32(u, VTD_REG_GSTS);
    if ((gsts & (VTD_GSTS_TES | VTD_GSTS_IRES)) != 0) {
        /* Firmware (or a previous kernel) left remapping on; taking that
         * over safely needs the tables it uses. Leave the unit alone. */
        kprintf("iommu: unit %u: translation or interrupt remapping already on (gsts 0x%x), "
                "skipped\n",
                u->index, gsts);
        return false;
    }
    clear_faults(u);
    if (!set_root_table(u))
        return false;
    if (!write_buffer_flush(u)) {
        kprintf("iommu: unit %u: write-buffer flush did not complete, skipped\n", u->index);
        return false;
    }
    if ((u->ecap & VTD_ECAP_QI) != 0) {
        u->wait_status_phys = status_page_phys + u->index * sizeof(uint32_t);
        u->wait_status = (volatile uint32_t *)phys_to_virt(u->wait_status_phys);
        if (!enable_queued_invalidation(u)) {
            kprintf("iommu: unit %u: queued invalidation failed, skipped\n", u->index);
            return false;
        }
        kprintf("iommu: unit %u: root table at 0x%lx, queued invalidation on, wait descriptor "
                "completed\n",
                u->index, u->root_phys);
    } else {
        if (!register_invalidate_all(u)) {
            kprintf("iommu: unit %u: register-based invalidation failed, skipped\n", u->index);
            return false;
        }
        kprintf("iommu: unit %u: root table at 0x%lx, register-based invalidation completed\n",
                u->index, u->root_phys);
    }
    return true;
}

/* ---- Interrupt remapping (VT-d 5.1) ---- */

/* Why interrupt remapping cannot be on for the whole machine, or NULL.
 * All or nothing: a device behind a unit without it would send
 * remappable-format requests that nothing translates, and an IOAPIC whose
 * source id the DMAR does not give could not be checked. */
static const char *ir_unusable(const struct acpi_info *acpi)
{
    if (units_up != dmar.unit_count)
        return "not every unit is up";
    for (uint32_t i = 0; i < dmar.unit_count; i++) {
        if ((units[i].ecap & VTD_ECAP_IR) == 0)
            return "a unit lacks it (ECAP.IR)";
        if ((units[i].ecap & VTD_ECAP_QI) == 0)
            return "a unit lacks queued invalidation, needed for its cache";
    }
    for (uint32_t i = 0; i < acpi->ioapic_count && i < ACPI_MAX_IOAPICS; i++) {
        uint32_t unit;
        uint16_t sid;
        if (dmar_find_ioapic(&dmar, NULL, acpi->ioapics[i].id, &unit, &sid) != DMAR_FOUND)
            return "an IOAPIC is in no unit's device scope";
    }
    return NULL;
}

static bool ir_unit_enable(struct vtd_unit *u)
{
    wr64(u, VTD_REG_IRTA,
         irt_phys | (ir_x2apic ? VTD_IRTA_EIME : 0) | VTD_IRTA_S(VTD_IRTA_S_ONE_PAGE));
    if (!global_command(u, VTD_GCMD_SIRTP, 0, VTD_GSTS_IRTPS, true))
        return false;
    if (!queue_descriptor(u, VTD_INV_TYPE_IEC | VTD_INV_IEC_GLOBAL, 0) || !queue_submit_and_wait(u))
        return false;
    /* GCMD.CFI stays clear: compatibility-format requests are blocked
     * (fault 0x25), so no device can go around the table. */
    return global_command(u, VTD_GCMD_IRE, 0, VTD_GSTS_IRES, true);
}

static void ir_init(const struct acpi_info *acpi)
{
    const char *why = ir_unusable(acpi);
    if (why != NULL) {
        kprintf("iommu: interrupt remapping off: %s\n", why);
        return;
    }
    /* x2APIC destinations (32-bit ids) where the CPU runs in x2APIC mode
     * and every unit can; otherwise 8-bit ids, as without remapping. */
    ir_x2apic = lapic_is_x2apic();
    for (uint32_t i = 0; i < dmar.unit_count; i++)
        ir_x2apic = ir_x2apic && (units[i].ecap & VTD_ECAP_EIM) != 0;
    irt_phys = bootmem_alloc_page();
    for (uint32_t i = 0; i < dmar.unit_count; i++) {
        flush_for_unit(&units[i], phys_to_virt(irt_phys), VTD_PAGE_SIZE);
        if (!ir_unit_enable(&units[i])) {
            /* Units already switched stay on with an empty table: every
             * interrupt through them is blocked, which is safe, and the
             * kernel hands out no remappable handle. */
            kprintf("iommu: unit %u: interrupt remapping did not latch; remapping off\n", i);
            return;
        }
    }
    ir_on = true;
    kprintf("iommu: interrupt remapping on: %u entries, %s destinations, source ids verified, "
            "compatibility format blocked\n",
            VTD_IRT_ENTRIES, ir_x2apic ? "x2apic" : "xapic");
}

bool vtd_ir_enabled(void)
{
    return ir_on;
}

bool vtd_ir_x2apic(void)
{
    return ir_x2apic;
}

uint32_t vtd_ir_entries(void)
{
    return ir_on ? VTD_IRT_ENTRIES : 0;
}

bool vtd_ir_ioapic_source(uint8_t ioapic_id, uint16_t *sid)
{
    uint32_t unit;
    return ir_on && dmar_find_ioapic(&dmar, NULL, ioapic_id, &unit, sid) == DMAR_FOUND;
}

void vtd_ir_set(uint32_t index, uint64_t lo, uint64_t hi)
{
    if (!ir_on || index >= VTD_IRT_ENTRIES)
        return;
    volatile uint64_t *e = (volatile uint64_t *)phys_to_virt(irt_phys) + 2 * index;
    /* The present bit lives in the low quadword: it is written last when
     * an entry appears and first when it goes, so the unit never sees a
     * present entry with a stale source id. */
    if ((lo & VTD_IRTE_LO_P) != 0) {
        e[1] = hi;
        __asm__ volatile("" ::: "memory");
        e[0] = lo;
    } else {
        e[0] = 0;
        __asm__ volatile("" ::: "memory");
        e[1] = 0;
    }
    for (uint32_t i = 0; i < dmar.unit_count; i++) {
        struct vtd_unit *u = &units[i];
        flush_for_unit(u, e, VTD_IRTE_LEN);
        if (!queue_descriptor(u, VTD_INV_TYPE_IEC | VTD_INV_IEC_INDEX | VTD_INV_IEC_IIDX(index),
                              0) ||
            !queue_submit_and_wait(u))
            kprintf("iommu: unit %u: interrupt entry %u invalidation failed\n", i, index);
    }
}

void vtd_init(const struct acpi_info *acpi)
{
    if (!acpi->dmar_present) {
        kprintf("iommu: no DMAR table, no remapping units\n");
        return;
    }
    if (!phys_is_mapped(acpi->dmar_phys, acpi->dmar_length)) {
        kprintf("iommu: DMAR at 0x%lx is outside the direct map, ignored\n", acpi->dmar_phys);
        return;
    }
    if (dmar_parse(phys_to_virt(acpi->dmar_phys), acpi->dmar_length, &dmar) != 0) {
        kprintf("iommu: DMAR unusable, no remapping units\n");
        return;
    }
    kprintf("iommu: dmar haw %u flags 0x%x: %u units, %u device scopes, %u rmrrs, %u warnings\n",
            dmar.host_addr_width, dmar.flags, dmar.unit_count, dmar.scope_count, dmar.rmrr_count,
            dmar.warnings);
    if (dmar.unit_count == 0)
        return;
    status_page_phys = bootmem_alloc_page();
    for (uint32_t i = 0; i < dmar.unit_count; i++) {
        struct vtd_unit *u = &units[i];
        u->index = i;
        u->reg_phys = dmar.units[i].reg_base;
        if (bring_up(u, &dmar.units[i])) {
            for (uint32_t t = 0; t < VTD_CONTEXT_TABLES; t++) {
                u->context_tables[t] = bootmem_alloc_page();
                flush_for_unit(u, phys_to_virt(u->context_tables[t]), VTD_PAGE_SIZE);
            }
            u->up = true;
            units_up++;
        }
    }
    kprintf("iommu: %u of %u units up (translation off until IOSpaces exist)\n", units_up,
            dmar.unit_count);
    if (units_up != 0)
        ir_init(acpi);
}

uint32_t vtd_unit_count(void)
{
    return units_up;
}

size_t vtd_kernel_mmio(struct phys_range *out, size_t max)
{
    size_t n = 0;
    for (uint32_t i = 0; i < dmar.unit_count && n < max; i++) {
        /* Every unit, up or not: no user may program a remapping unit. At
         * least the DRHD's size, more where the kernel mapped more. */
        uint64_t pages = dmar.units[i].reg_pages;
        if (units[i].reg_phys == dmar.units[i].reg_base && units[i].reg_pages > pages)
            pages = units[i].reg_pages;
        out[n++] = (struct phys_range){dmar.units[i].reg_base,
                                       dmar.units[i].reg_base + pages * VTD_PAGE_SIZE};
    }
    return n;
}

/* ---- IOSpaces (kernel/iospace.c) ---- */

bool vtd_common_format(struct vtd_format *f)
{
    bool any = false;
    for (uint32_t i = 0; i < dmar.unit_count; i++) {
        const struct vtd_unit *u = &units[i];
        if (!u->up)
            continue;
        unsigned domains_bits = VTD_ND_DOMAIN_BITS(VTD_CAP_ND(u->cap));
        uint32_t domains = domains_bits >= 15 ? VTD_MAX_DOMAINS : 1u << domains_bits;
        if (!any) {
            f->sagaw = VTD_CAP_SAGAW(u->cap);
            f->mgaw = VTD_CAP_MGAW(u->cap);
            f->sllps = VTD_CAP_SLLPS(u->cap);
            f->domains = domains;
            any = true;
            continue;
        }
        f->sagaw &= VTD_CAP_SAGAW(u->cap);
        f->sllps &= VTD_CAP_SLLPS(u->cap);
        if (VTD_CAP_MGAW(u->cap) < f->mgaw)
            f->mgaw = VTD_CAP_MGAW(u->cap);
        if (domains < f->domains)
            f->domains = domains;
    }
    f->haw = dmar.host_addr_width;
    /* One table format must suit every unit: the deepest all of them
     * walk (iopt_init prefers 4 levels). */
    return any && (f->sagaw & (VTD_SAGAW_39 | VTD_SAGAW_48)) != 0;
}

enum vtd_device_result vtd_device_unit(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
                                       uint32_t *unit)
{
    /* Bridges are not read (no PCI access here): a scope whose path goes
     * through one makes the lookup UNCERTAIN, which fails closed. */
    switch (dmar_find_unit(&dmar, NULL, seg, bus, dev, fn, unit)) {
    case DMAR_FOUND:
        return units[*unit].up ? VTD_DEVICE_OK : VTD_DEVICE_UNIT_DOWN;
    case DMAR_NOT_COVERED:
        return VTD_DEVICE_NOT_COVERED;
    case DMAR_AMBIGUOUS:
        return VTD_DEVICE_AMBIGUOUS;
    default:
        return VTD_DEVICE_UNCERTAIN;
    }
}

/* Whatever the unit cached of contexts and translations of `did` is gone
 * once this returns. Global context-cache invalidation: in caching mode
 * the unit may have cached a not-present context entry under domain 0,
 * and a context change is rare. */
static bool invalidate_context_and_domain(struct vtd_unit *u, uint16_t did)
{
    if ((u->ecap & VTD_ECAP_QI) == 0)
        return register_invalidate_all(u);
    uint64_t drain = ((u->cap & VTD_CAP_DRD) ? VTD_INV_IOTLB_DR : 0) |
                     ((u->cap & VTD_CAP_DWD) ? VTD_INV_IOTLB_DW : 0);
    if (!queue_descriptor(u, VTD_INV_TYPE_CONTEXT | VTD_INV_CC_G_GLOBAL, 0) ||
        !queue_descriptor(
            u, VTD_INV_TYPE_IOTLB | VTD_INV_IOTLB_G_DOMAIN | VTD_INV_IOTLB_DID(did) | drain, 0))
        return false;
    return queue_submit_and_wait(u);
}

static volatile uint64_t *context_entry(const struct vtd_unit *u, uint8_t bus, uint8_t devfn)
{
    volatile uint64_t *root = phys_to_virt(u->root_phys);
    uint64_t lo = root[bus * 2];
    if ((lo & VTD_ROOT_LO_P) == 0)
        return NULL;
    volatile uint64_t *ctx = phys_to_virt(lo & VTD_ADDR_MASK);
    return &ctx[devfn * 2];
}

enum vtd_bind_result vtd_context_bind(uint32_t unit, uint16_t sid, uint16_t did, uint64_t root,
                                      unsigned aw)
{
    struct vtd_unit *u = &units[unit];
    uint8_t bus = (uint8_t)(sid >> 8), devfn = (uint8_t)sid;
    volatile uint64_t *ce = context_entry(u, bus, devfn);
    if (ce != NULL && (ce[0] & VTD_CTX_LO_P) != 0)
        return VTD_BIND_EXISTS;
    if (ce == NULL) {
        if (u->context_tables_used == VTD_CONTEXT_TABLES)
            return VTD_BIND_NO_TABLE;
        uint64_t table = u->context_tables[u->context_tables_used++];
        volatile uint64_t *rt = phys_to_virt(u->root_phys);
        rt[bus * 2 + 1] = 0;
        rt[bus * 2] = table | VTD_ROOT_LO_P;
        flush_for_unit(u, &rt[bus * 2], VTD_ENTRY_LEN);
        ce = context_entry(u, bus, devfn);
    }
    /* The high half first: the entry becomes present with its final
     * domain and width (9.3). */
    ce[1] = VTD_CTX_HI_AW(aw) | VTD_CTX_HI_DID(did);
    __asm__ volatile("" ::: "memory");
    ce[0] = (root & VTD_ADDR_MASK) | VTD_CTX_LO_TT_SL | VTD_CTX_LO_P;
    flush_for_unit(u, ce, VTD_ENTRY_LEN);
    if (!write_buffer_flush(u) || !invalidate_context_and_domain(u, did))
        kprintf("iommu: unit %u: invalidation after binding %02x:%02x.%u failed\n", unit, bus,
                devfn >> 3, devfn & 7);
    if (!u->translating) {
        /* Fail closed from here on: every function of this unit without
         * a context entry has its DMA blocked. */
        if (global_command(u, VTD_GCMD_TE, 0, VTD_GSTS_TES, true)) {
            u->translating = true;
            kprintf("iommu: unit %u: translation on\n", unit);
        } else {
            kprintf("iommu: unit %u: translation enable did not latch\n", unit);
        }
    }
    return VTD_BIND_OK;
}

bool vtd_context_lookup(uint32_t unit, uint16_t sid, uint16_t *did)
{
    const volatile uint64_t *ce = context_entry(&units[unit], (uint8_t)(sid >> 8), (uint8_t)sid);
    if (ce == NULL || (ce[0] & VTD_CTX_LO_P) == 0)
        return false;
    *did = (uint16_t)(ce[1] >> 8);
    return true;
}

void vtd_context_unbind(uint32_t unit, uint16_t sid)
{
    struct vtd_unit *u = &units[unit];
    volatile uint64_t *ce = context_entry(u, (uint8_t)(sid >> 8), (uint8_t)sid);
    if (ce == NULL || (ce[0] & VTD_CTX_LO_P) == 0)
        return;
    uint16_t did = (uint16_t)(ce[1] >> 8);
    ce[0] = 0;
    __asm__ volatile("" ::: "memory");
    ce[1] = 0;
    flush_for_unit(u, ce, VTD_ENTRY_LEN);
    if (!write_buffer_flush(u) || !invalidate_context_and_domain(u, did))
        kprintf("iommu: unit %u: invalidation after unbinding source 0x%x failed\n", unit, sid);
}

void vtd_flush_tables(const void *p, size_t len)
{
    for (uint32_t i = 0; i < dmar.unit_count; i++) {
        if (units[i].up && (units[i].ecap & VTD_ECAP_C) == 0) {
            flush_for_unit(&units[i], p, len);
            return;
        }
    }
}

void vtd_invalidate_iotlb(uint16_t did, uint64_t start, uint64_t end, bool leaf_only)
{
    for (uint32_t i = 0; i < dmar.unit_count; i++) {
        struct vtd_unit *u = &units[i];
        if (!u->up)
            continue;
        if (!write_buffer_flush(u))
            kprintf("iommu: unit %u: write-buffer flush did not complete\n", i);
        if ((u->ecap & VTD_ECAP_QI) == 0) {
            if (!register_invalidate_all(u))
                kprintf("iommu: unit %u: IOTLB invalidation failed\n", i);
            continue;
        }
        uint64_t drain = ((u->cap & VTD_CAP_DRD) ? VTD_INV_IOTLB_DR : 0) |
                         ((u->cap & VTD_CAP_DWD) ? VTD_INV_IOTLB_DW : 0);
        uint64_t lo = VTD_INV_TYPE_IOTLB | VTD_INV_IOTLB_DID(did) | drain;
        uint64_t hi = 0;
        uint64_t base;
        unsigned am = iopt_inval_mask(start, end, &base);
        if (start != end && (u->cap & VTD_CAP_PSI) != 0 && am <= VTD_CAP_MAMV(u->cap)) {
            lo |= VTD_INV_IOTLB_G_PAGE;
            hi = base | VTD_IVA_AM(am) | (leaf_only ? VTD_IVA_IH : 0);
        } else {
            lo |= VTD_INV_IOTLB_G_DOMAIN;
        }
        if (!queue_descriptor(u, lo, hi) || !queue_submit_and_wait(u))
            kprintf("iommu: unit %u: IOTLB invalidation failed\n", i);
    }
}

bool vtd_caching_mode(void)
{
    for (uint32_t i = 0; i < dmar.unit_count; i++) {
        if (units[i].up && (units[i].cap & VTD_CAP_CM) != 0)
            return true;
    }
    return false;
}

bool vtd_next_fault(struct vtd_fault *f)
{
    for (uint32_t i = 0; i < dmar.unit_count; i++) {
        struct vtd_unit *u = &units[i];
        if (!u->up)
            continue;
        uint32_t fsts = rd32(u, VTD_REG_FSTS);
        bool overflow = (fsts & VTD_FSTS_PFO) != 0;
        if (overflow)
            wr32(u, VTD_REG_FSTS, VTD_FSTS_PFO);
        unsigned nfr = VTD_CAP_NFR(u->cap);
        unsigned first = VTD_FSTS_FRI(fsts) < nfr ? VTD_FSTS_FRI(fsts) : 0;
        uint32_t fro = VTD_CAP_FRO(u->cap) * 16;
        for (unsigned k = 0; k < nfr; k++) {
            unsigned r = (first + k) % nfr;
            uint32_t off = fro + r * VTD_FRCD_LEN;
            uint64_t hi = rd64(u, off + VTD_FRCD_OFF_HI);
            if ((hi & VTD_FRCD_HI_F) == 0)
                continue;
            f->unit = i;
            uint64_t lo = rd64(u, off + VTD_FRCD_OFF_LO);
            f->source = VTD_FRCD_HI_SID(hi);
            f->segment = dmar.units[i].segment;
            f->reason = VTD_FRCD_HI_FR(hi);
            /* An interrupt-remapping fault names the table entry, not a
             * page: report its index (the IRQ number). */
            bool ir = f->reason >= VTD_FR_IR_FIRST && f->reason <= VTD_FR_IR_LAST;
            f->address = ir ? VTD_FRCD_LO_IR_INDEX(lo) : lo & VTD_ADDR_MASK;
            f->read = (hi & VTD_FRCD_HI_TYPE_READ) != 0;
            f->overflow = overflow;
            wr64(u, off + VTD_FRCD_OFF_HI, VTD_FRCD_HI_F); /* RW1C: the slot is free again */
            return true;
        }
    }
    return false;
}

void vtd_fault_events(bool enable, uint8_t vector, uint32_t apic_id)
{
    for (uint32_t i = 0; i < dmar.unit_count; i++) {
        const struct vtd_unit *u = &units[i];
        if (!u->up)
            continue;
        wr32(u, VTD_REG_FEDATA, vector);
        wr32(u, VTD_REG_FEADDR, VTD_FEADDR_BASE | (apic_id << VTD_FEADDR_DEST_SHIFT));
        wr32(u, VTD_REG_FEUADDR, 0);
        wr32(u, VTD_REG_FECTL, enable ? 0 : VTD_FECTL_IM);
    }
}
