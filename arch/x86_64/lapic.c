#include "lapic.h"
#include "cpuid_bits.h"
#include "lapic_regs.h"
#include "msr.h"
#include "paging.h"
#include "trap.h"
#include "x86.h"
#include "../../kernel/console.h"

static bool x2apic;
static volatile uint32_t *xapic_regs;
static bool lapic_ready;

/* Bound on ICR delivery-status polls: a stuck IPI must not hang a core. */
#define ICR_POLL_LIMIT 1000000u

uint32_t lapic_read(uint32_t reg)
{
    if (x2apic)
        return (uint32_t)rdmsr(MSR_X2APIC_BASE + (reg >> 4));
    return xapic_regs[reg / 4];
}

void lapic_write(uint32_t reg, uint32_t value)
{
    if (x2apic)
        wrmsr(MSR_X2APIC_BASE + (reg >> 4), value);
    else
        xapic_regs[reg / 4] = value;
}

bool lapic_interrupt_pending(void)
{
    for (uint32_t i = 0; i < LAPIC_IRR_REGS; i++)
        if (lapic_read(LAPIC_IRR + i * LAPIC_IRR_STRIDE) != 0)
            return true;
    return false;
}

bool lapic_is_x2apic(void)
{
    return x2apic;
}

void lapic_init_bsp(uint64_t mmio_phys)
{
    x2apic = cpuid(CPUID_LEAF_FEATURES, 0).ecx & CPUID_1_ECX_X2APIC;
    if (!x2apic) {
        if (!mmio_phys)
            mmio_phys = rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_ADDR_MASK;
        xapic_regs = mmio_map(mmio_phys, LAPIC_MMIO_SIZE);
        if (!xapic_regs) {
            kprintf("atoll: cannot map the local APIC at 0x%lx\n", mmio_phys);
            system_stop(1);
        }
    }
    kprintf("atoll: lapic %s\n", x2apic ? "x2apic" : "xapic");
}

void lapic_init_cpu(void)
{
    uint64_t base = rdmsr(MSR_IA32_APIC_BASE) | APIC_BASE_ENABLE;
    if (x2apic)
        base |= APIC_BASE_X2APIC;
    wrmsr(MSR_IA32_APIC_BASE, base);
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT1, LAPIC_LVT_NMI);
    lapic_write(LAPIC_LVT_ERROR, VEC_LAPIC_ERROR);
    lapic_write(LAPIC_ESR, 0);
    lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | VEC_SPURIOUS);
    lapic_write(LAPIC_EOI, 0);
    lapic_ready = true;
}

uint32_t lapic_id(void)
{
    uint32_t id = lapic_read(LAPIC_ID);
    return x2apic ? id : id >> LAPIC_XAPIC_ID_SHIFT;
}

void lapic_eoi(void)
{
    if (lapic_ready)
        lapic_write(LAPIC_EOI, 0);
}

bool lapic_send_ipi(uint32_t dest, uint32_t icr_low)
{
    if (x2apic) {
        /* One 64-bit write; x2APIC has no delivery-status bit
         * (SDM Vol. 3A 11.12.9). */
        wrmsr(MSR_X2APIC_BASE + (LAPIC_ICR_LOW >> 4), ((uint64_t)dest << 32) | icr_low);
        return true;
    }
    xapic_regs[LAPIC_ICR_HIGH / 4] = dest << ICR_XAPIC_DEST_SHIFT;
    xapic_regs[LAPIC_ICR_LOW / 4] = icr_low;
    for (uint32_t i = 0; i < ICR_POLL_LIMIT; i++) {
        if (!(xapic_regs[LAPIC_ICR_LOW / 4] & ICR_DELIVERY_PENDING))
            return true;
        cpu_pause();
    }
    return false;
}

void lapic_send_nmi_all_but_self(void)
{
    if (lapic_ready)
        lapic_send_ipi(0, ICR_NMI | ICR_ASSERT | ICR_DEST_ALL_BUT_SELF);
}
