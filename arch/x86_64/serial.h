#ifndef ATOLL_ARCH_SERIAL_H
#define ATOLL_ARCH_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

/* Initialises the UART at `port`; returns false if no UART answers there
 * (the scratch register does not hold a value). */
bool serial_init(uint16_t port);
void serial_putc(char c);
/* Waits until every byte has left the shift register: emulators and real
 * UARTs drop what is still queued when the machine stops. */
void serial_flush(void);

#endif
