/* libFuzzer target for the e1000 driver core against a hostile device,
 * and for the frame parsers on what it receives.
 *
 * A driver must not trust its device any more than the kernel trusts the
 * driver: the device writes descriptor lengths, status and error bits,
 * and anything else in the DMA area (the rings included), in any order.
 * The input is a list of operations: the device completes or scribbles on
 * descriptors, the driver receives (and the frame goes through the ARP and
 * ICMP parsers), transmits, reclaims, resets. The DMA area and every
 * buffer are exactly sized heap blocks, so ASan flags any access outside
 * them; the driver's ring indexes and the tails it writes are checked
 * after every operation. The whole input is also parsed as one frame. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "services/drivers/e1000/e1000.h"
#include "services/lib/ether.h"

#define IOVA UINT64_C(0x40000000)

static uint32_t regs[E1000_BAR0_BYTES / 4];
static uint8_t *area;

static uint32_t dev_read(void *ctx, uint32_t reg)
{
    (void)ctx;
    if (reg >= sizeof(regs))
        abort();
    uint32_t v = regs[reg / 4];
    if (reg == E1000_CTRL)
        regs[reg / 4] &= ~E1000_CTRL_RST; /* resets complete at once */
    return v;
}

static void dev_write(void *ctx, uint32_t reg, uint32_t value)
{
    (void)ctx;
    if (reg >= sizeof(regs) || reg % 4)
        abort();
    if (reg == E1000_EERD && (value & E1000_EERD_START))
        value |= E1000_EERD_DONE | (value * 2654435761u) << E1000_EERD_DATA_SHIFT;
    if (reg == E1000_RDT && value >= E1000_RX_COUNT)
        abort();
    if (reg == E1000_TDT && value >= E1000_TX_COUNT)
        abort();
    regs[reg / 4] = value;
}

static void dev_relax(void *ctx)
{
    (void)ctx;
}

static const struct e1000_io IO = {dev_read, dev_write, dev_relax, NULL};

struct input {
    const uint8_t *p;
    size_t n;
};

static uint32_t take(struct input *in, unsigned bytes)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < bytes && in->n; i++, in->p++, in->n--)
        v = v << 8 | *in->p;
    return v;
}

static void parse(const uint8_t *frame, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        abort();
    memcpy(copy, frame, len);
    struct ether_arp a;
    struct ether_echo e;
    ether_arp_parse(copy, len, &a);
    if (ether_icmp_echo_parse(copy, len, &e)) {
        if (e.payload < copy || e.payload + e.payload_len > copy + len)
            abort();
        volatile uint8_t sink = 0;
        for (size_t i = 0; i < e.payload_len; i++)
            sink ^= e.payload[i];
        (void)sink;
    }
    free(copy);
}

static void check(const struct e1000 *nic)
{
    if (nic->rx_next >= E1000_RX_COUNT || nic->tx_next >= E1000_TX_COUNT ||
        nic->tx_clean >= E1000_TX_COUNT || nic->tx_busy >= E1000_TX_COUNT ||
        (nic->tx_clean + nic->tx_busy) % E1000_TX_COUNT != nic->tx_next)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse(data, size);
    if (!area) {
        area = aligned_alloc(E1000_PAGE, E1000_DMA_BYTES);
        if (!area)
            abort();
    }
    memset(regs, 0, sizeof(regs));
    memset(area, 0, E1000_DMA_BYTES);
    struct e1000 nic;
    if (e1000_init(&nic, &IO, area, IOVA) != E1000_OK)
        abort();
    struct input in = {data, size};
    while (in.n) {
        uint32_t op = take(&in, 1);
        switch (op % 8) {
        case 0: { /* the device completes a receive descriptor as it likes */
            unsigned i = take(&in, 1) % E1000_RX_COUNT;
            struct e1000_rx_desc *d = (struct e1000_rx_desc *)(area + E1000_RX_RING_OFFSET) + i;
            d->length = (uint16_t)take(&in, 2);
            d->status = (uint8_t)take(&in, 1);
            d->errors = (uint8_t)take(&in, 1);
            uint8_t *buf = area + E1000_RX_BUF_OFFSET + i * E1000_RX_BUFFER_SIZE;
            size_t n = take(&in, 1) % 64; /* bytes of frame from the input */
            n = n < in.n ? n : in.n;
            memcpy(buf, in.p, n);
            in.p += n;
            in.n -= n;
            break;
        }
        case 1: { /* the driver takes a frame into a buffer of its size */
            size_t cap = take(&in, 2) % (E1000_RX_BUFFER_SIZE + 1);
            uint8_t *out = malloc(cap ? cap : 1);
            if (!out)
                abort();
            int n = e1000_receive(&nic, out, cap);
            if (n > (int)cap)
                abort();
            if (n > 0)
                parse(out, (size_t)n);
            free(out);
            break;
        }
        case 2: { /* transmit a frame of the given length */
            size_t len = take(&in, 2) % (E1000_MAX_FRAME + 64);
            uint8_t *f = malloc(len ? len : 1);
            if (!f)
                abort();
            memset(f, 0x11, len);
            e1000_transmit(&nic, f, len);
            free(f);
            break;
        }
        case 3: { /* the device sets status bits on any transmit descriptor */
            unsigned i = take(&in, 1) % E1000_TX_COUNT;
            ((struct e1000_tx_desc *)(area + E1000_TX_RING_OFFSET))[i].status =
                (uint8_t)take(&in, 1);
            e1000_tx_reclaim(&nic);
            break;
        }
        case 4: { /* the device scribbles anywhere in the ring page */
            unsigned off = take(&in, 2) % E1000_RX_BUF_OFFSET;
            area[off] = (uint8_t)take(&in, 1);
            break;
        }
        case 5:
            if (e1000_reset(&nic) != E1000_OK)
                abort();
            break;
        case 6:
            e1000_rx_redirect_next(&nic, take(&in, 4));
            break;
        default:
            e1000_transmit_iova(&nic, take(&in, 4), take(&in, 2));
            break;
        }
        check(&nic);
    }
    return 0;
}
