/* 8254 PIT (Intel 8254 data sheet): channel 0 as a 1 kHz rate generator,
 * the interrupt source the user-level IRQ tests use (every PC has one). */
#ifndef ATOLL_USER_I8254_H
#define ATOLL_USER_I8254_H

#define PIT_CHANNEL0      0x40
#define PIT_COMMAND       0x43
#define PIT_PORT_COUNT    4
#define PIT_CH0_LOHI_RATE 0x34 /* channel 0, low then high byte, mode 2 */
#define PIT_DIVISOR_1KHZ  1193
#define PIT_ISA_IRQ       0

#endif
