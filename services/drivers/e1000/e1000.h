/* The e1000 (Intel 82540EM) driver core: reset, MAC address, receive and
 * transmit descriptor rings, polled receive. Portable: it touches the
 * device only through `struct e1000_io` (register access and a wait hook)
 * and memory only through the one DMA area it is given, so the same code
 * runs in init's boot test today, in a driver component later, and on the
 * host against a model of the device (tests/unit/test_e1000.c).
 *
 * The DMA area is E1000_DMA_BYTES of memory that the caller has mapped
 * twice: at `dma` for the CPU and at `dma_iova` for the device (an
 * IOSpace mapping under VT-d; the physical address without one). It holds
 * both rings and every buffer; nothing else is ever given to the device.
 *
 * Interrupts are masked after a reset and receive is polled
 * (e1000_receive); a driver with an interrupt line may unmask the receive
 * cause (e1000_interrupts_on). The 82540EM has no MSI, only INTx. */
#ifndef ATOLL_E1000_H
#define ATOLL_E1000_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "e1000_regs.h"

#define E1000_RX_COUNT 16 /* receive descriptors (RDLEN a multiple of 128 bytes) */
#define E1000_TX_COUNT 8  /* transmit descriptors */
#define E1000_PAGE     4096

/* Layout of the DMA area: both rings in the first page, then the receive
 * buffers, then the transmit buffers (E1000_RX_BUFFER_SIZE each). */
#define E1000_RX_RING_OFFSET 0
#define E1000_TX_RING_OFFSET (E1000_RX_COUNT * sizeof(struct e1000_rx_desc))
#define E1000_RX_BUF_OFFSET  E1000_PAGE
#define E1000_TX_BUF_OFFSET  (E1000_RX_BUF_OFFSET + E1000_RX_COUNT * E1000_RX_BUFFER_SIZE)
#define E1000_DMA_BYTES      (E1000_TX_BUF_OFFSET + E1000_TX_COUNT * E1000_RX_BUFFER_SIZE)
#define E1000_DMA_PAGES      (E1000_DMA_BYTES / E1000_PAGE)
_Static_assert(E1000_TX_RING_OFFSET % E1000_RING_ALIGN == 0, "transmit ring alignment");
_Static_assert(E1000_TX_RING_OFFSET + E1000_TX_COUNT * sizeof(struct e1000_tx_desc) <=
                   E1000_RX_BUF_OFFSET,
               "both rings fit in the first page");

/* Bounded waits: the number of `relax` calls before a reset or an EEPROM
 * read counts as hung. */
#define E1000_WAIT_LIMIT 1000000u

struct e1000_io {
    uint32_t (*read32)(void *ctx, uint32_t reg);
    void (*write32)(void *ctx, uint32_t reg, uint32_t value);
    void (*relax)(void *ctx); /* once per iteration of a bounded wait */
    void *ctx;
};

enum e1000_status {
    E1000_OK = 0,
    E1000_ERR_RESET_TIMEOUT = -1,  /* CTRL.RST never cleared */
    E1000_ERR_EEPROM_TIMEOUT = -2, /* EERD never reported DONE */
    E1000_ERR_TX_FULL = -3,        /* every transmit descriptor is in flight */
    E1000_ERR_LENGTH = -4,         /* a frame longer than E1000_MAX_FRAME (or the buffer) */
    E1000_ERR_DROPPED = -5,        /* a received frame with errors or in pieces, dropped */
    E1000_ERR_ARGUMENT = -6,       /* DMA area or IOVA not page-aligned */
};

struct e1000 {
    struct e1000_io io;
    uint8_t *dma;
    uint64_t dma_iova;
    uint8_t mac[6];
    unsigned rx_next;  /* the next receive descriptor to look at */
    unsigned tx_next;  /* the next free transmit descriptor */
    unsigned tx_clean; /* the oldest transmit descriptor in flight */
    unsigned tx_busy;  /* descriptors in flight */
    uint64_t rx_frames, rx_dropped, tx_frames;
};

/* Takes the device and its DMA area (page-aligned at both addresses) and
 * resets it: E1000_OK, or why not. */
int e1000_init(struct e1000 *nic, const struct e1000_io *io, void *dma, uint64_t dma_iova);
/* Device reset, then everything programmed afresh from the DMA area:
 * MAC address from the EEPROM into receive address 0, empty multicast
 * table, interrupts masked, both rings empty, receive (unicast to us and
 * broadcast) and transmit on, link forced up. Frames in flight are lost. */
int e1000_reset(struct e1000 *nic);
bool e1000_link_up(struct e1000 *nic);
/* Receive and transmit off, interrupts masked: the device starts no more
 * DMA of its own (before its memory or its IOSpace goes away). */
void e1000_stop(struct e1000 *nic);

/* Interrupts. e1000_reset leaves them all masked and receive works by
 * polling; a driver that has an interrupt line unmasks the receive cause,
 * and on each interrupt reads (and so clears) the causes, which makes the
 * device drop its INTx line. e1000_interrupt_raise asks the device for an
 * interrupt now (ICS): how a driver finds which line its INTx reaches. */
void e1000_interrupts_on(struct e1000 *nic);
void e1000_interrupts_off(struct e1000 *nic);
uint32_t e1000_interrupt_causes(struct e1000 *nic);
void e1000_interrupt_raise(struct e1000 *nic, uint32_t causes);

/* Queues one frame (without CRC; padded to E1000_MIN_FRAME), copied into a
 * transmit buffer. E1000_OK or E1000_ERR_TX_FULL / _LENGTH. */
int e1000_transmit(struct e1000 *nic, const void *frame, size_t len);
/* Queues a frame the device reads from `iova` itself (zero copy: the
 * caller owns what lies there). */
int e1000_transmit_iova(struct e1000 *nic, uint64_t iova, size_t len);
/* Retires sent frames; returns how many are still in flight. */
unsigned e1000_tx_reclaim(struct e1000 *nic);

/* The next received frame, copied to `out`: its length, 0 when none has
 * arrived, E1000_ERR_DROPPED for a frame with errors, in several
 * descriptors or longer than `cap` (the descriptor is recycled either
 * way). */
int e1000_receive(struct e1000 *nic, void *out, size_t cap);
/* Polls up to `polls` times (the io's relax hook between empty polls)
 * until a frame that `want` accepts arrives in `out`; other frames are
 * dropped. Its length, or 0 when none came. */
int e1000_receive_matching(struct e1000 *nic, uint8_t *out, size_t cap,
                           bool (*want)(const uint8_t *frame, size_t len), uint32_t polls);
/* Points the descriptor the device fills next at `iova` instead of its
 * buffer, for one frame (e1000_receive restores it). For DMA-isolation
 * tests on QEMU, which reads a descriptor when the frame arrives; real
 * hardware may have fetched it already. */
void e1000_rx_redirect_next(struct e1000 *nic, uint64_t iova);

#endif
