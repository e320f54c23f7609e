/* Local APIC: x2APIC where the CPU has it, xAPIC (MMIO) otherwise. */
#ifndef ATOLL_ARCH_LAPIC_H
#define ATOLL_ARCH_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* On the bootstrap processor: chooses the mode and maps the registers. */
void lapic_init_bsp(uint64_t mmio_phys);
/* On every core: enables the APIC in the chosen mode, masks LINT and
 * the timer, sets the spurious vector. */
void lapic_init_cpu(void);
bool lapic_is_x2apic(void);
uint32_t lapic_id(void);
void lapic_eoi(void);
/* Sends an IPI with the given ICR low bits (vector, delivery mode,
 * shorthand) to `dest` (an APIC id; ignored with a shorthand). Returns
 * false if the previous IPI never left (xAPIC delivery-status bit stuck). */
bool lapic_send_ipi(uint32_t dest, uint32_t icr_low);
void lapic_send_nmi_all_but_self(void);
/* Some interrupt is waiting in this core's IRR (IF is clear in the
 * kernel): a long operation should make way. */
bool lapic_interrupt_pending(void);
/* Raw register access for the timer code. */
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t value);

#endif
