/* The serial driver component: owns COM1 (its I/O ports and ISA IRQ 4,
 * given by the system description, examples/serial.toml) and offers
 * console output and input to client components over byte rings in
 * shared memory (services/lib/console.h).
 *
 * Input is interrupt-driven: each byte received is echoed (carriage
 * return as a newline, like a terminal's line discipline) and queued for
 * client 0, which is signalled once per interrupt. Output from every
 * client that signalled, and the echo, goes out in bursts while the
 * transmitter is empty; when it is not, the driver asks for the
 * transmit-empty interrupt instead of spinning.
 *
 * The kernel's debug console writes the same transmitter (it waits for
 * THR empty before each byte and never reads input, atoll/irq.h), so a
 * burst leaves room for one byte of the kernel's in the FIFO. */
#include "component.h"
#include "console.h"
#include "char_ring.h"
#include "atoll/irq.h"
#include "uart.h"

#define PORTS      PD_SLOT_IOPORT(0)
#define ECHO_BYTES 256
#define TX_BURST   (UART_TX_FIFO - 1)
/* Interrupt causes served per IRQ: bounds the work of a stuck UART (the
 * next wait acknowledges the line then). */
#define IIR_ROUNDS 32

static struct char_ring client_tx[SERIAL_MAX_CLIENTS], client_rx[SERIAL_MAX_CLIENTS];
static bool client_present[SERIAL_MAX_CLIENTS];
static bool client_dropped[SERIAL_MAX_CLIENTS];
static _Alignas(64) uint8_t echo_memory[CHAR_RING_HEADER_SIZE + ECHO_BYTES];
static struct char_ring echo_in, echo_out;
static uint8_t ier;
static bool port_error;
static bool lf_pending; /* a CR went out; its LF is next */

static uint8_t port_in(unsigned reg)
{
    uint64_t port = UART_COM1_BASE + reg;
    struct atoll_error_detail e = atoll_invoke(PORTS, ATOLL_IOPORT_IN8, &port, 1, NULL, 0);
    if (e.code && !port_error) {
        port_error = true;
        printf("serial: no access to port 0x%lx (error %lu)\n", port, e.code);
    }
    return (uint8_t)e.argument;
}

static void port_out(unsigned reg, uint8_t value)
{
    uint64_t w[ATOLL_IOPORT_OUT_ARGS] = {UART_COM1_BASE + reg, value};
    atoll_invoke(PORTS, ATOLL_IOPORT_OUT8, w, ATOLL_IOPORT_OUT_ARGS, NULL, 0);
}

static void set_ier(uint8_t value)
{
    if (value != ier)
        port_out(UART_IER, value);
    ier = value;
}

/* The next byte from the echo (first: it is what the typist waits for),
 * then the clients in order. */
static bool next_byte(uint8_t *c)
{
    if (char_ring_read(&echo_out, c, 1))
        return true;
    for (unsigned k = 0; k < SERIAL_MAX_CLIENTS; k++)
        if (client_present[k] && char_ring_read(&client_tx[k], c, 1))
            return true;
    return false;
}

/* The next byte to send, with each newline sent as CR LF (terminals
 * need both; components print only LF, as with the kernel's console). */
static bool next_output(uint8_t *c)
{
    if (lf_pending) {
        lf_pending = false;
        *c = '\n';
        return true;
    }
    if (!next_byte(c))
        return false;
    if (*c == '\n') {
        lf_pending = true;
        *c = '\r';
    }
    return true;
}

/* A client whose rings hold impossible counters has broken its own
 * console: say so once and serve it no more; the others carry on. */
static void drop_if_corrupt(unsigned k)
{
    if (client_present[k] && (client_tx[k].corrupt || client_rx[k].corrupt)) {
        client_present[k] = false;
        client_dropped[k] = true;
        printf("serial: client %u: console ring corrupt, client dropped\n", k);
    }
}

static bool output_pending(void)
{
    if (lf_pending || char_ring_available(&echo_out))
        return true;
    for (unsigned k = 0; k < SERIAL_MAX_CLIENTS; k++) {
        if (client_present[k] && char_ring_available(&client_tx[k]))
            return true;
        drop_if_corrupt(k);
    }
    return false;
}

static void transmit(void)
{
    while (output_pending()) {
        if (!(port_in(UART_LSR) & UART_LSR_THR_EMPTY)) {
            set_ier(ier | UART_IER_TX_EMPTY); /* call back when it drains */
            return;
        }
        uint8_t c;
        for (unsigned i = 0; i < TX_BURST && next_output(&c); i++)
            port_out(UART_THR, c);
    }
    set_ier(ier & (uint8_t)~UART_IER_TX_EMPTY);
}

static void receive(void)
{
    bool delivered = false;
    for (unsigned i = 0; i < ECHO_BYTES && (port_in(UART_LSR) & UART_LSR_DATA_READY); i++) {
        uint8_t c = port_in(UART_RBR);
        if (c == '\r')
            c = '\n';
        char_ring_write(&echo_in, &c, 1);
        if (client_present[0] && char_ring_write(&client_rx[0], &c, 1))
            delivered = true;
        drop_if_corrupt(0);
    }
    if (delivered)
        component_notify(SERIAL_CLIENT_CHANNEL(0));
}

/* ISA IRQ 4 is edge-triggered, and the kernel masks the line from
 * delivery to acknowledgement: an edge in between is lost, and with a
 * cause still pending the UART's line would then stay high for good. So
 * serve every cause, acknowledge, and look once more: whatever arrives
 * after the acknowledgement raises a fresh edge on an unmasked line. */
static void serve_interrupt(void)
{
    for (unsigned round = 0; round < IIR_ROUNDS; round++) {
        if (port_in(UART_IIR) & UART_IIR_NONE) {
            component_irq_ack(SERIAL_IRQ_CHANNEL);
            if (port_in(UART_IIR) & UART_IIR_NONE)
                return;
        }
        /* Whatever the cause, these clear it: line status by reading the
         * LSR (receive() does), data by reading it, transmit-empty by
         * reading the IIR or writing, modem status by reading the MSR. */
        receive();
        port_in(UART_MSR);
        transmit();
    }
}

void init(void)
{
    port_out(UART_IER, 0);
    port_out(UART_LCR, UART_LCR_DLAB);
    port_out(UART_DLL, (UART_CLOCK_HZ / UART_BAUD) & 0xff);
    port_out(UART_DLM, (UART_CLOCK_HZ / UART_BAUD) >> 8);
    port_out(UART_LCR, UART_LCR_8N1);
    port_out(UART_FCR, UART_FCR_ENABLE_CLEAR);
    port_out(UART_MCR, UART_MCR_DTR_RTS_OUT2);
    char_ring_attach(&echo_in, echo_memory, sizeof echo_memory, true);
    char_ring_attach(&echo_out, echo_memory, sizeof echo_memory, false);
    /* Stale input and causes from before: gone. */
    while (port_in(UART_LSR) & UART_LSR_DATA_READY)
        port_in(UART_RBR);
    port_in(UART_IIR);
    port_in(UART_MSR);
    set_ier(UART_IER_RX_DATA | UART_IER_RX_STATUS);
    if (!port_error)
        printf("serial: COM1 driver ready\n");
}

void notified(channel_t ch)
{
    if (ch == SERIAL_IRQ_CHANNEL) {
        serve_interrupt();
        return;
    }
    unsigned k = ch - SERIAL_CLIENT_CHANNEL(0);
    if (ch < SERIAL_CLIENT_CHANNEL(0) || k >= SERIAL_MAX_CLIENTS)
        return;
    /* A client's first signal announces it: only then are its rings
     * touched (a client the description does not map has none). */
    if (!client_present[k] && !client_dropped[k])
        client_present[k] = char_ring_attach(&client_tx[k], (void *)SERIAL_CLIENT_TX_VA(k),
                                             CONSOLE_RING_SIZE, false) &&
                            char_ring_attach(&client_rx[k], (void *)SERIAL_CLIENT_RX_VA(k),
                                             CONSOLE_RING_SIZE, true);
    transmit();
}
