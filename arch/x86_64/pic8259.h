/* Legacy 8259A interrupt controllers: only masked, so that the IOAPIC is
 * the one source of external interrupts (Intel 8259A data sheet). */
#ifndef ATOLL_ARCH_PIC8259_H
#define ATOLL_ARCH_PIC8259_H

#define PIC1_COMMAND 0x20
#define PIC1_DATA    0x21
#define PIC2_COMMAND 0xa0
#define PIC2_DATA    0xa1

#define PIC_ICW1_INIT_ICW4 0x11
#define PIC_ICW4_8086      0x01
#define PIC_CASCADE_IRQ    2
#define PIC_SLAVE_ID       2
#define PIC_MASK_ALL       0xff
/* Vectors the PICs are moved to before masking, so a spurious 8259 IRQ
 * cannot look like an exception. */
#define PIC1_VECTOR_BASE 0x20
#define PIC2_VECTOR_BASE 0x28

#endif
