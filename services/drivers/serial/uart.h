/* 16550 UART registers and bits the serial driver uses (PC16550D data
 * sheet, tables II-IV), as offsets from the port base. */
#ifndef ATOLL_DRIVERS_SERIAL_UART_H
#define ATOLL_DRIVERS_SERIAL_UART_H

#define UART_COM1_BASE  0x3f8
#define UART_COM1_IRQ   4 /* ISA IRQ */
#define UART_PORT_COUNT 8

#define UART_RBR 0 /* receive buffer (read, DLAB=0) */
#define UART_THR 0 /* transmit holding (write, DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1 /* interrupt enable (DLAB=0) */
#define UART_DLM 1 /* divisor latch high (DLAB=1) */
#define UART_IIR 2 /* interrupt identification (read) */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */
#define UART_MSR 6 /* modem status */

#define UART_IER_RX_DATA   0x01 /* received data available */
#define UART_IER_TX_EMPTY  0x02 /* transmit holding register empty */
#define UART_IER_RX_STATUS 0x04 /* receiver line status */

#define UART_IIR_NONE    0x01 /* no interrupt pending */
#define UART_IIR_ID_MASK 0x0e

#define UART_FCR_ENABLE_CLEAR 0x07 /* enable FIFOs, clear both, rx trigger at 1 byte */
#define UART_LCR_8N1          0x03
#define UART_LCR_DLAB         0x80
#define UART_MCR_DTR_RTS_OUT2 0x0b /* OUT2 gates the interrupt line on PCs */

#define UART_LSR_DATA_READY 0x01
#define UART_LSR_THR_EMPTY  0x20

#define UART_TX_FIFO  16
#define UART_CLOCK_HZ 115200
#define UART_BAUD     115200

#endif
