/* The serial console as a client component sees it (services/drivers/serial
 * is the server): two byte rings in shared memory (char_ring.h) and one
 * notification channel. The client writes output into its tx ring and
 * signals the channel; the driver signals the channel when it has put
 * input into the client's rx ring.
 *
 * Conventions the system description follows (examples/serial.toml):
 * a client's console is its channel CONSOLE_CHANNEL, its tx ring is
 * mapped read-write at CONSOLE_TX_VA and its rx ring read-write at
 * CONSOLE_RX_VA, CONSOLE_RING_SIZE bytes each. In the driver, client k
 * (0 .. SERIAL_MAX_CLIENTS - 1) is channel SERIAL_CLIENT_CHANNEL(k) with
 * its rings at SERIAL_CLIENT_TX_VA(k) and SERIAL_CLIENT_RX_VA(k); input
 * goes to client 0 only. */
#ifndef ATOLL_USER_CONSOLE_H
#define ATOLL_USER_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_CHANNEL   62
#define CONSOLE_TX_VA     UINT64_C(0x7e0000000000)
#define CONSOLE_RX_VA     UINT64_C(0x7e0000001000)
#define CONSOLE_RING_SIZE 0x1000u

#define SERIAL_IRQ_CHANNEL       0
#define SERIAL_MAX_CLIENTS       8
#define SERIAL_CLIENT_CHANNEL(k) (1u + (k))
#define SERIAL_RINGS_VA          UINT64_C(0x20000000)
#define SERIAL_CLIENT_TX_VA(k)   (SERIAL_RINGS_VA + (uint64_t)(k)*2 * CONSOLE_RING_SIZE)
#define SERIAL_CLIENT_RX_VA(k)   (SERIAL_CLIENT_TX_VA(k) + CONSOLE_RING_SIZE)

/* Attaches to the console and announces the client to the driver (one
 * signal). Only for a domain that has channel CONSOLE_CHANNEL: a signal
 * to a missing capability is a fault. The component library attaches
 * before init() when the domain has that channel, so a component's
 * printf goes through the driver whenever the description gives it a
 * console. False if the signal failed. */
bool console_attach(void);
bool console_attached(void);
/* Queues up to `len` bytes of output and signals the driver; when the
 * ring is full, yields to let the driver drain it, a bounded number of
 * times. Returns the bytes queued. */
size_t console_write(const void *bytes, size_t len);
/* Output queued so far (for tests: printf goes this way once attached). */
uint64_t console_bytes_written(void);
/* Takes up to `len` bytes of input (call when notified on
 * CONSOLE_CHANNEL). */
size_t console_read(void *bytes, size_t len);

#endif
