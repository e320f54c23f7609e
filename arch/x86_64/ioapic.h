#ifndef ATOLL_ARCH_IOAPIC_H
#define ATOLL_ARCH_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "acpi.h"

/* Maps every IOAPIC the MADT lists, masks all their pins, and masks the
 * legacy 8259s. */
void ioapic_init(const struct acpi_info *acpi);
/* Routes an ISA IRQ (after MADT overrides) to `vector` on the core with
 * APIC id `dest`; returns false if no IOAPIC serves its GSI. */
bool ioapic_route_isa(uint8_t irq, uint8_t vector, uint32_t dest);
bool ioapic_route_gsi(uint32_t gsi, uint8_t vector, uint32_t dest, uint16_t inti_flags);
void ioapic_mask_gsi(uint32_t gsi);
void ioapic_mask_isa(uint8_t irq);
uint32_t ioapic_pin_count(void);

#endif
