/* Polled 16550 console. Polling the LSR before each byte is slow but never
 * loses output, which matters more for a kernel console than speed. */
#include "serial.h"
#include "uart16550.h"
#include "x86.h"

static uint16_t serial_port;

/* Bound on LSR polls so a missing or wedged UART cannot hang the kernel. */
#define SERIAL_POLL_LIMIT 1000000u

bool serial_init(uint16_t port)
{
    outb(port + UART_SCR, 0x5a);
    if (inb(port + UART_SCR) != 0x5a)
        return false;
    outb(port + UART_IER, 0);
    outb(port + UART_LCR, UART_LCR_DLAB);
    uint16_t divisor = UART_CLOCK_HZ / UART_BAUD;
    outb(port + UART_DLL, divisor & 0xff);
    outb(port + UART_DLM, divisor >> 8);
    outb(port + UART_LCR, UART_LCR_8N1);
    outb(port + UART_FCR, UART_FCR_ENABLE_CLEAR);
    outb(port + UART_MCR, UART_MCR_DTR_RTS_OUT2);
    serial_port = port;
    return true;
}

static void serial_wait(uint8_t bit)
{
    for (uint32_t i = 0; i < SERIAL_POLL_LIMIT; i++) {
        if (inb(serial_port + UART_LSR) & bit)
            return;
        cpu_pause();
    }
}

void serial_putc(char c)
{
    if (!serial_port)
        return;
    if (c == '\n')
        serial_putc('\r');
    serial_wait(UART_LSR_THRE);
    outb(serial_port + UART_THR, (uint8_t)c);
}

void serial_flush(void)
{
    if (serial_port)
        serial_wait(UART_LSR_TEMT);
}
