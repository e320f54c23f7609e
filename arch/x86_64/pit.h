/* 8254 programmable interval timer, used only to calibrate the TSC and the
 * LAPIC timer, and to test IOAPIC routing (Intel 8254 data sheet). */
#ifndef ATOLL_ARCH_PIT_H
#define ATOLL_ARCH_PIT_H

#define PIT_CHANNEL0 0x40
#define PIT_CHANNEL2 0x42
#define PIT_COMMAND  0x43
#define PIT_PORT_B   0x61 /* NMI status and control: channel 2 gate and output */

#define PIT_FREQUENCY_HZ 1193182u

#define PIT_SELECT_CHANNEL0 (0u << 6)
#define PIT_SELECT_CHANNEL2 (2u << 6)
#define PIT_ACCESS_LOHI     (3u << 4)
#define PIT_MODE_TERMINAL   (0u << 1) /* mode 0: output high at terminal count */
#define PIT_MODE_RATE       (2u << 1) /* mode 2: rate generator */

#define PIT_PORT_B_GATE2   0x01
#define PIT_PORT_B_SPEAKER 0x02
#define PIT_PORT_B_OUT2    0x20

#define PIT_ISA_IRQ 0

#endif
