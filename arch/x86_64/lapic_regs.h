/* Local APIC registers (SDM Vol. 3A ch. 11, table 11-1). Offsets are the
 * xAPIC MMIO offsets; x2APIC MSR = MSR_X2APIC_BASE + (offset >> 4). */
#ifndef ATOLL_ARCH_LAPIC_REGS_H
#define ATOLL_ARCH_LAPIC_REGS_H

#define LAPIC_ID            0x020
#define LAPIC_VERSION       0x030
#define LAPIC_TPR           0x080
#define LAPIC_EOI           0x0b0
#define LAPIC_LDR           0x0d0
#define LAPIC_DFR           0x0e0
#define LAPIC_SVR           0x0f0
#define LAPIC_IRR           0x200 /* 8 registers of 32 vectors each, 0x10 apart */
#define LAPIC_IRR_STRIDE    0x010
#define LAPIC_IRR_REGS      8
#define LAPIC_ESR           0x280
#define LAPIC_ICR_LOW       0x300
#define LAPIC_ICR_HIGH      0x310
#define LAPIC_LVT_TIMER     0x320
#define LAPIC_LVT_LINT0     0x350
#define LAPIC_LVT_LINT1     0x360
#define LAPIC_LVT_ERROR     0x370
#define LAPIC_TIMER_INIT    0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE  0x3e0

#define LAPIC_MMIO_SIZE 0x1000

#define LAPIC_SVR_ENABLE         (1u << 8)
#define LAPIC_LVT_MASKED         (1u << 16)
#define LAPIC_LVT_NMI            (4u << 8)
#define LAPIC_LVT_LEVEL          (1u << 15)
#define LAPIC_LVT_ACTIVE_LOW     (1u << 13)
#define LAPIC_TIMER_PERIODIC     (1u << 17)
#define LAPIC_TIMER_TSC_DEADLINE (2u << 17)
#define LAPIC_TIMER_DIVIDE_BY_16 0x3u

/* ICR (SDM Vol. 3A 11.6.1) */
#define ICR_FIXED             (0u << 8)
#define ICR_NMI               (4u << 8)
#define ICR_INIT              (5u << 8)
#define ICR_STARTUP           (6u << 8)
#define ICR_DELIVERY_PENDING  (1u << 12)
#define ICR_ASSERT            (1u << 14)
#define ICR_LEVEL_TRIGGER     (1u << 15)
#define ICR_DEST_SELF         (1u << 18)
#define ICR_DEST_ALL_BUT_SELF (3u << 18)
#define ICR_XAPIC_DEST_SHIFT  24

#define LAPIC_XAPIC_ID_SHIFT 24

#endif
