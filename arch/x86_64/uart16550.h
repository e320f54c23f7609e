/* 16550 UART registers (PC16550D data sheet, table II). */
#ifndef ATOLL_ARCH_UART16550_H
#define ATOLL_ARCH_UART16550_H

#define UART_COM1 0x3f8
#define UART_COM2 0x2f8
#define UART_COM3 0x3e8
#define UART_COM4 0x2e8

#define UART_RBR 0 /* receive buffer (read, DLAB=0) */
#define UART_THR 0 /* transmit holding (write, DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1 /* interrupt enable (DLAB=0) */
#define UART_DLM 1 /* divisor latch high (DLAB=1) */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */
#define UART_SCR 7 /* scratch */

#define UART_LCR_8N1          0x03
#define UART_LCR_DLAB         0x80
#define UART_FCR_ENABLE_CLEAR 0x07 /* enable FIFOs, clear rx and tx */
#define UART_MCR_DTR_RTS_OUT2 0x0b
#define UART_LSR_DR           0x01 /* data ready */
#define UART_LSR_THRE         0x20 /* transmit holding register empty */
#define UART_LSR_TEMT         0x40 /* transmitter empty (shift register too) */

#define UART_CLOCK_HZ 115200
#define UART_BAUD     115200

#endif
