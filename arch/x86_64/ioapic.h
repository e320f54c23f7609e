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
/* The same in remappable format (VT-d 5.1.5.1): the entry names
 * interrupt-remapping entry `index`, which says where it goes. */
bool ioapic_route_gsi_remapped(uint32_t gsi, uint32_t index, uint8_t vector, uint16_t inti_flags);
/* The MADT id of the IOAPIC that serves `gsi`. */
bool ioapic_id_of_gsi(uint32_t gsi, uint8_t *id);
void ioapic_mask_gsi(uint32_t gsi);
void ioapic_mask_isa(uint8_t irq);
/* Sets or clears only the mask bit of a routed GSI, keeping its vector, so
 * that the EOI of a level-triggered interrupt masked in its handler still
 * clears the entry's Remote IRR (82093AA 3.2.4). */
void ioapic_set_gsi_masked(uint32_t gsi, bool masked);
/* Whether an IOAPIC serves `gsi`. */
bool ioapic_has_gsi(uint32_t gsi);
/* The GSI of an ISA IRQ after MADT overrides, with its MPS INTI flags. */
uint32_t ioapic_isa_irq_to_gsi(uint8_t irq, uint16_t *inti_flags);
uint32_t ioapic_pin_count(void);

#endif
