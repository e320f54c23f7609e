/* I/O APIC registers (Intel 82093AA data sheet, 3.2 and 3.2.4). */
#ifndef ATOLL_ARCH_IOAPIC_REGS_H
#define ATOLL_ARCH_IOAPIC_REGS_H

#define IOAPIC_REGSEL    0x00 /* byte offset of the index register */
#define IOAPIC_WINDOW    0x10 /* byte offset of the data window */
#define IOAPIC_MMIO_SIZE 0x20

#define IOAPIC_REG_ID      0x00
#define IOAPIC_REG_VERSION 0x01
#define IOAPIC_REG_REDTBL  0x10 /* entry n: low at 0x10 + 2n, high at 0x11 + 2n */

#define IOAPIC_VERSION_MAX_REDIR_SHIFT 16
#define IOAPIC_VERSION_MAX_REDIR_MASK  0xffu

#define IOAPIC_REDIR_FIXED      (0ull << 8)
#define IOAPIC_REDIR_LOGICAL    (1ull << 11)
#define IOAPIC_REDIR_ACTIVE_LOW (1ull << 13)
#define IOAPIC_REDIR_LEVEL      (1ull << 15)
#define IOAPIC_REDIR_MASKED     (1ull << 16)
#define IOAPIC_REDIR_DEST_SHIFT 56
/* Remappable format (VT-d 5.1.5.1): bit 48 set, interrupt index bits 14:0
 * in 63:49 and bit 15 in bit 11 (where the destination mode was); the
 * vector and trigger mode stay and must match the IRTE's. */
#define IOAPIC_REDIR_REMAPPABLE       (1ull << 48)
#define IOAPIC_REDIR_INDEX_LOW_SHIFT  49
#define IOAPIC_REDIR_INDEX_LOW_MASK   0x7fffull
#define IOAPIC_REDIR_INDEX_HIGH_SHIFT 11
#define IOAPIC_REDIR_INDEX_HIGH_BIT   15

/* MPS INTI flags carried by MADT interrupt source overrides (ACPI 6.5
 * table 5.50): polarity bits 0-1, trigger bits 2-3. */
#define MPS_INTI_POLARITY_MASK       0x3u
#define MPS_INTI_POLARITY_ACTIVE_LOW 0x3u
#define MPS_INTI_TRIGGER_MASK        0xcu
#define MPS_INTI_TRIGGER_LEVEL       0xcu

#endif
