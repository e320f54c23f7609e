/* Interrupt remapping table entries and the remappable-format requests
 * that name them (VT-d 5.1 and 9.10). Portable: no hardware access, also
 * built on the host (tests/unit/test_irte.c).
 *
 * The kernel gives each device vector its own entry (kernel index = IRQ
 * number), and every entry checks the requester: an MSI entry accepts
 * only the PCI function it was issued for, an IOAPIC entry only that
 * IOAPIC's source id, so a device cannot raise another device's
 * interrupt even if it learns its handle. */
#ifndef ATOLL_IOMMU_IRTE_H
#define ATOLL_IOMMU_IRTE_H

#include <stdbool.h>
#include <stdint.h>

struct irte_params {
    uint8_t vector;
    uint32_t apic_id;   /* physical destination */
    bool x2apic;        /* the table is in x2APIC mode (IRTA.EIME): 32-bit ids */
    bool level;         /* level-triggered (IOAPIC lines only) */
    uint16_t source_id; /* bus << 8 | device << 3 | function of the only requester */
};

/* The two quadwords of a present remapped-format entry. False (and
 * nothing written) when the destination does not fit: an APIC id above
 * 255 without x2APIC mode. */
bool irte_encode(const struct irte_params *p, uint64_t *lo, uint64_t *hi);

/* The MSI address and data a device must send to use entry `index`
 * (remappable format, no subhandle). */
uint64_t irte_msi_address(uint32_t index);
uint32_t irte_msi_data(void);

/* An IOAPIC redirection entry (unmasked) that names entry `index`; vector
 * and trigger mode repeat the entry's (5.1.5.1: the EOI matches on them). */
uint64_t irte_ioapic_redirection(uint32_t index, uint8_t vector, bool level, bool active_low);

#endif
