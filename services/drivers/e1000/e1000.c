/* The e1000 driver core; see e1000.h. */
#include "e1000.h"

/* Descriptor stores must reach memory before the tail write that hands
 * them to the device, and a status load must come before the loads of
 * what it guards. x86 keeps stores (and loads) in order and DMA is cache
 * coherent, so only the compiler has to be stopped from reordering. */
static inline void barrier(void)
{
    __asm__ volatile("" ::: "memory");
}

static uint32_t rd(struct e1000 *nic, uint32_t reg)
{
    return nic->io.read32(nic->io.ctx, reg);
}

static void wr(struct e1000 *nic, uint32_t reg, uint32_t value)
{
    nic->io.write32(nic->io.ctx, reg, value);
}

static volatile struct e1000_rx_desc *rx_ring(struct e1000 *nic)
{
    return (volatile struct e1000_rx_desc *)(nic->dma + E1000_RX_RING_OFFSET);
}

static volatile struct e1000_tx_desc *tx_ring(struct e1000 *nic)
{
    return (volatile struct e1000_tx_desc *)(nic->dma + E1000_TX_RING_OFFSET);
}

static uint64_t rx_buffer_iova(struct e1000 *nic, unsigned i)
{
    return nic->dma_iova + E1000_RX_BUF_OFFSET + (uint64_t)i * E1000_RX_BUFFER_SIZE;
}

static uint64_t tx_buffer_iova(struct e1000 *nic, unsigned i)
{
    return nic->dma_iova + E1000_TX_BUF_OFFSET + (uint64_t)i * E1000_RX_BUFFER_SIZE;
}

/* No libc here: the file also builds freestanding. */
static void copy(volatile uint8_t *dst, const volatile uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = src[i];
}

static void zero(volatile uint8_t *dst, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = 0;
}

static int eeprom_read(struct e1000 *nic, uint32_t word, uint16_t *value)
{
    wr(nic, E1000_EERD, E1000_EERD_START | word << E1000_EERD_ADDR_SHIFT);
    for (unsigned i = 0; i < E1000_WAIT_LIMIT; i++) {
        uint32_t v = rd(nic, E1000_EERD);
        if (v & E1000_EERD_DONE) {
            *value = (uint16_t)(v >> E1000_EERD_DATA_SHIFT);
            return E1000_OK;
        }
        nic->io.relax(nic->io.ctx);
    }
    return E1000_ERR_EEPROM_TIMEOUT;
}

int e1000_init(struct e1000 *nic, const struct e1000_io *io, void *dma, uint64_t dma_iova)
{
    if ((uintptr_t)dma % E1000_PAGE || dma_iova % E1000_PAGE)
        return E1000_ERR_ARGUMENT;
    *nic = (struct e1000){.io = *io, .dma = dma, .dma_iova = dma_iova};
    return e1000_reset(nic);
}

static void setup_rings(struct e1000 *nic)
{
    zero(nic->dma, E1000_RX_BUF_OFFSET);
    volatile struct e1000_rx_desc *rx = rx_ring(nic);
    for (unsigned i = 0; i < E1000_RX_COUNT; i++)
        rx[i].addr = rx_buffer_iova(nic, i);
    nic->rx_next = nic->tx_next = nic->tx_clean = nic->tx_busy = 0;
    barrier();
    uint64_t rx_base = nic->dma_iova + E1000_RX_RING_OFFSET;
    uint64_t tx_base = nic->dma_iova + E1000_TX_RING_OFFSET;
    wr(nic, E1000_RDBAL, (uint32_t)rx_base);
    wr(nic, E1000_RDBAH, (uint32_t)(rx_base >> 32));
    wr(nic, E1000_RDLEN, E1000_RX_COUNT * sizeof(struct e1000_rx_desc));
    wr(nic, E1000_RDH, 0);
    /* Every descriptor but one is the device's: head == tail means empty. */
    wr(nic, E1000_RDT, E1000_RX_COUNT - 1);
    wr(nic, E1000_RDTR, 0);
    wr(nic, E1000_TDBAL, (uint32_t)tx_base);
    wr(nic, E1000_TDBAH, (uint32_t)(tx_base >> 32));
    wr(nic, E1000_TDLEN, E1000_TX_COUNT * sizeof(struct e1000_tx_desc));
    wr(nic, E1000_TDH, 0);
    wr(nic, E1000_TDT, 0);
    wr(nic, E1000_TIDV, 0);
}

void e1000_stop(struct e1000 *nic)
{
    e1000_interrupts_off(nic);
    wr(nic, E1000_RCTL, 0);
    wr(nic, E1000_TCTL, 0);
}

int e1000_reset(struct e1000 *nic)
{
    /* Quiesce DMA before the reset, as the SDM (14.9) asks. */
    e1000_stop(nic);
    wr(nic, E1000_CTRL, rd(nic, E1000_CTRL) | E1000_CTRL_RST);
    unsigned i = 0;
    for (; i < E1000_WAIT_LIMIT && (rd(nic, E1000_CTRL) & E1000_CTRL_RST); i++)
        nic->io.relax(nic->io.ctx);
    if (i == E1000_WAIT_LIMIT)
        return E1000_ERR_RESET_TIMEOUT;
    wr(nic, E1000_IMC, E1000_INT_ALL); /* the reset may have unmasked some */
    rd(nic, E1000_ICR);

    for (unsigned w = 0; w < 3; w++) {
        uint16_t v;
        int r = eeprom_read(nic, E1000_EEPROM_MAC_WORD0 + w, &v);
        if (r != E1000_OK)
            return r;
        nic->mac[2 * w] = (uint8_t)v;
        nic->mac[2 * w + 1] = (uint8_t)(v >> 8);
    }
    const uint8_t *m = nic->mac;
    wr(nic, E1000_RAL0,
       (uint32_t)m[0] | (uint32_t)m[1] << 8 | (uint32_t)m[2] << 16 | (uint32_t)m[3] << 24);
    wr(nic, E1000_RAH0, (uint32_t)m[4] | (uint32_t)m[5] << 8 | E1000_RAH_AV);
    for (unsigned k = 0; k < E1000_MTA_ENTRIES; k++)
        wr(nic, E1000_MTA + 4 * k, 0);

    setup_rings(nic);
    wr(nic, E1000_TIPG,
       E1000_TIPG_IPGT | E1000_TIPG_IPGR1 << E1000_TIPG_IPGR1_SHIFT |
           E1000_TIPG_IPGR2 << E1000_TIPG_IPGR2_SHIFT);
    wr(nic, E1000_TCTL,
       E1000_TCTL_EN | E1000_TCTL_PSP | E1000_TCTL_CT << E1000_TCTL_CT_SHIFT |
           E1000_TCTL_COLD << E1000_TCTL_COLD_SHIFT);
    wr(nic, E1000_RCTL, E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_BSIZE_2048 | E1000_RCTL_SECRC);
    wr(nic, E1000_CTRL, rd(nic, E1000_CTRL) | E1000_CTRL_SLU | E1000_CTRL_ASDE);
    return E1000_OK;
}

void e1000_interrupts_on(struct e1000 *nic)
{
    wr(nic, E1000_IMS, E1000_INT_RXT0);
}

void e1000_interrupts_off(struct e1000 *nic)
{
    wr(nic, E1000_IMC, E1000_INT_ALL);
}

uint32_t e1000_interrupt_causes(struct e1000 *nic)
{
    return rd(nic, E1000_ICR);
}

void e1000_interrupt_raise(struct e1000 *nic, uint32_t causes)
{
    wr(nic, E1000_ICS, causes);
}

bool e1000_link_up(struct e1000 *nic)
{
    return (rd(nic, E1000_STATUS) & E1000_STATUS_LU) != 0;
}

unsigned e1000_tx_reclaim(struct e1000 *nic)
{
    volatile struct e1000_tx_desc *tx = tx_ring(nic);
    while (nic->tx_busy > 0 && (tx[nic->tx_clean].status & E1000_TXD_STAT_DD)) {
        tx[nic->tx_clean].status = 0;
        nic->tx_clean = (nic->tx_clean + 1) % E1000_TX_COUNT;
        nic->tx_busy--;
        nic->tx_frames++;
    }
    return nic->tx_busy;
}

/* Fills the next free descriptor and hands it over. */
static int queue_tx(struct e1000 *nic, uint64_t iova, size_t len)
{
    volatile struct e1000_tx_desc *d = &tx_ring(nic)[nic->tx_next];
    d->addr = iova;
    d->length = (uint16_t)len;
    d->cso = d->css = 0;
    d->special = 0;
    d->status = 0;
    d->cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS;
    nic->tx_next = (nic->tx_next + 1) % E1000_TX_COUNT;
    nic->tx_busy++;
    barrier();
    wr(nic, E1000_TDT, nic->tx_next);
    return E1000_OK;
}

/* A free descriptor exists (the ring keeps one empty: head == tail is
 * the device's "nothing to send"). */
static bool tx_room(struct e1000 *nic)
{
    return e1000_tx_reclaim(nic) < E1000_TX_COUNT - 1;
}

int e1000_transmit(struct e1000 *nic, const void *frame, size_t len)
{
    if (len > E1000_MAX_FRAME)
        return E1000_ERR_LENGTH;
    if (!tx_room(nic))
        return E1000_ERR_TX_FULL;
    volatile uint8_t *buf = nic->dma + E1000_TX_BUF_OFFSET + nic->tx_next * E1000_RX_BUFFER_SIZE;
    copy(buf, frame, len);
    size_t padded = len < E1000_MIN_FRAME ? E1000_MIN_FRAME : len;
    zero(buf + len, padded - len);
    return queue_tx(nic, tx_buffer_iova(nic, nic->tx_next), padded);
}

int e1000_transmit_iova(struct e1000 *nic, uint64_t iova, size_t len)
{
    if (len > E1000_MAX_FRAME)
        return E1000_ERR_LENGTH;
    if (!tx_room(nic))
        return E1000_ERR_TX_FULL;
    return queue_tx(nic, iova, len);
}

int e1000_receive(struct e1000 *nic, void *out, size_t cap)
{
    unsigned i = nic->rx_next;
    volatile struct e1000_rx_desc *d = &rx_ring(nic)[i];
    uint8_t status = d->status;
    if (!(status & E1000_RXD_STAT_DD))
        return 0;
    barrier();
    size_t len = d->length;
    int r;
    if (!(status & E1000_RXD_STAT_EOP) || (d->errors & E1000_RXD_ERR_FRAME) || len > cap ||
        len > E1000_RX_BUFFER_SIZE) {
        nic->rx_dropped++;
        r = E1000_ERR_DROPPED;
    } else {
        copy(out, nic->dma + E1000_RX_BUF_OFFSET + i * E1000_RX_BUFFER_SIZE, len);
        nic->rx_frames++;
        r = (int)len;
    }
    /* Back to the device, with its own buffer again. */
    d->addr = rx_buffer_iova(nic, i);
    d->status = 0;
    d->errors = 0;
    d->length = 0;
    barrier();
    wr(nic, E1000_RDT, i);
    nic->rx_next = (i + 1) % E1000_RX_COUNT;
    return r;
}

void e1000_rx_redirect_next(struct e1000 *nic, uint64_t iova)
{
    rx_ring(nic)[nic->rx_next].addr = iova;
    barrier();
}

int e1000_receive_matching(struct e1000 *nic, uint8_t *out, size_t cap,
                           bool (*want)(const uint8_t *frame, size_t len), uint32_t polls)
{
    for (uint32_t i = 0; i < polls; i++) {
        int n = e1000_receive(nic, out, cap);
        if (n > 0 && want(out, (size_t)n))
            return n;
        if (n == 0)
            nic->io.relax(nic->io.ctx);
    }
    return 0;
}
