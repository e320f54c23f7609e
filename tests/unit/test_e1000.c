/* Host tests of the e1000 driver core (services/drivers/e1000/e1000.c)
 * against a model of the 82540's registers and DMA, and of the ARP/ICMP
 * frames (services/lib/ether.c).
 *
 * The model sees memory only through one window, the driver's DMA area at
 * its IOVA, as the device sees it through an IOSpace; any other address is
 * a recorded fault and no access. It sends what TDT hands it (setting DD),
 * delivers frames the test injects at RDH while RDH != RDT, reads the
 * EEPROM through EERD and clears CTRL.RST after a few reads (or never, to
 * test the timeouts). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/drivers/e1000/e1000.h"
#include "services/lib/ether.h"
#include "tests/unit/check.h"

#define IOVA        UINT64_C(0x40000000)
#define MAX_SENT    64
#define RESET_READS 3

struct model {
    uint32_t regs[E1000_BAR0_BYTES / 4];
    uint16_t eeprom[64];
    uint8_t *mem; /* the DMA area, at IOVA */
    bool reset_pending, hang_reset, hang_eeprom, paused;
    unsigned reset_reads;
    unsigned faults;
    uint64_t fault_address;
    unsigned sent;
    size_t sent_len[MAX_SENT];
    uint8_t sent_data[MAX_SENT][E1000_RX_BUFFER_SIZE];
    unsigned relaxes;
};

static struct model M;

static uint8_t *dma(uint64_t iova, size_t len)
{
    if (iova >= IOVA && len <= E1000_DMA_BYTES && iova - IOVA <= E1000_DMA_BYTES - len)
        return M.mem + (iova - IOVA);
    M.faults++;
    M.fault_address = iova;
    return NULL;
}

static uint64_t ring_base(uint32_t lo, uint32_t hi)
{
    return (uint64_t)M.regs[hi / 4] << 32 | M.regs[lo / 4];
}

static void model_transmit(void)
{
    if (M.paused || !(M.regs[E1000_TCTL / 4] & E1000_TCTL_EN))
        return;
    unsigned count = M.regs[E1000_TDLEN / 4] / sizeof(struct e1000_tx_desc);
    while (count && M.regs[E1000_TDH / 4] != M.regs[E1000_TDT / 4]) {
        uint32_t h = M.regs[E1000_TDH / 4];
        struct e1000_tx_desc *d = (struct e1000_tx_desc *)dma(
            ring_base(E1000_TDBAL, E1000_TDBAH) + h * sizeof(*d), sizeof(*d));
        if (!d)
            return;
        const uint8_t *data = dma(d->addr, d->length);
        if (M.sent < MAX_SENT) {
            M.sent_len[M.sent] = data ? d->length : 0;
            if (data)
                memcpy(M.sent_data[M.sent], data, d->length);
            M.sent++;
        }
        if (d->cmd & E1000_TXD_CMD_RS)
            d->status |= E1000_TXD_STAT_DD;
        M.regs[E1000_TDH / 4] = (h + 1) % count;
    }
}

/* Delivers a frame as the device would: false when no descriptor is free. */
static bool model_receive(const uint8_t *frame, size_t len, uint8_t errors)
{
    if (!(M.regs[E1000_RCTL / 4] & E1000_RCTL_EN))
        return false;
    unsigned count = M.regs[E1000_RDLEN / 4] / sizeof(struct e1000_rx_desc);
    uint32_t h = M.regs[E1000_RDH / 4];
    if (count == 0 || h == M.regs[E1000_RDT / 4])
        return false;
    struct e1000_rx_desc *d = (struct e1000_rx_desc *)dma(
        ring_base(E1000_RDBAL, E1000_RDBAH) + h * sizeof(*d), sizeof(*d));
    if (!d)
        return false;
    uint8_t *buf = dma(d->addr, len); /* QEMU goes on after a failed DMA too */
    if (buf)
        memcpy(buf, frame, len);
    d->length = (uint16_t)len;
    d->errors = errors;
    d->status = E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP;
    M.regs[E1000_RDH / 4] = (h + 1) % count;
    return true;
}

static uint32_t model_read(void *ctx, uint32_t reg)
{
    (void)ctx;
    if (reg == E1000_CTRL && M.reset_pending && !M.hang_reset && ++M.reset_reads >= RESET_READS) {
        M.reset_pending = false;
        M.regs[E1000_CTRL / 4] &= ~E1000_CTRL_RST;
    }
    uint32_t v = M.regs[reg / 4];
    if (reg == E1000_ICR)
        M.regs[reg / 4] = 0;
    return v;
}

static void model_write(void *ctx, uint32_t reg, uint32_t value)
{
    (void)ctx;
    if (reg == E1000_CTRL && (value & E1000_CTRL_RST)) {
        /* A reset clears the device's state, as on hardware. */
        memset(M.regs, 0, sizeof(M.regs));
        M.regs[E1000_CTRL / 4] = value;
        M.regs[E1000_IMS / 4] = 0x9d; /* pretend some causes are enabled */
        M.reset_pending = true;
        M.reset_reads = 0;
        return;
    }
    if (reg == E1000_EERD) {
        if ((value & E1000_EERD_START) && !M.hang_eeprom) {
            unsigned w = (value >> E1000_EERD_ADDR_SHIFT) & 0x3f;
            value = E1000_EERD_DONE | (uint32_t)M.eeprom[w] << E1000_EERD_DATA_SHIFT;
        } else {
            value = 0;
        }
    }
    if (reg == E1000_IMC) {
        M.regs[E1000_IMS / 4] &= ~value;
        return;
    }
    if (reg == E1000_IMS) {
        M.regs[E1000_IMS / 4] |= value;
        return;
    }
    if (reg == E1000_ICS) {
        M.regs[E1000_ICR / 4] |= value;
        return;
    }
    M.regs[reg / 4] = value;
    if (reg == E1000_TDT)
        model_transmit();
}

static void model_relax(void *ctx)
{
    (void)ctx;
    M.relaxes++;
}

static const struct e1000_io IO = {model_read, model_write, model_relax, NULL};
static const uint8_t MAC[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

static void model_reset(void)
{
    uint8_t *mem = M.mem;
    memset(&M, 0, sizeof(M));
    M.mem = mem ? mem : aligned_alloc(E1000_PAGE, E1000_DMA_BYTES);
    if (!M.mem)
        abort();
    memset(M.mem, 0xee, E1000_DMA_BYTES);
    for (unsigned w = 0; w < 3; w++)
        M.eeprom[w] = (uint16_t)(MAC[2 * w] | MAC[2 * w + 1] << 8);
}

static struct e1000 nic;

static void up(void)
{
    model_reset();
    CHECK_I("init", E1000_OK, e1000_init(&nic, &IO, M.mem, IOVA));
}

static void init_programs_the_device(void)
{
    up();
    CHECK_TRUE("mac from eeprom", memcmp(nic.mac, MAC, 6) == 0);
    CHECK_U("ral0", 0x12005452, M.regs[E1000_RAL0 / 4]);
    CHECK_U("rah0", 0x5634 | E1000_RAH_AV, M.regs[E1000_RAH0 / 4]);
    CHECK_U("interrupts masked", 0, M.regs[E1000_IMS / 4]);
    CHECK_U("rx ring", IOVA + E1000_RX_RING_OFFSET, ring_base(E1000_RDBAL, E1000_RDBAH));
    CHECK_U("tx ring", IOVA + E1000_TX_RING_OFFSET, ring_base(E1000_TDBAL, E1000_TDBAH));
    CHECK_U("rdlen multiple of 128", 0, M.regs[E1000_RDLEN / 4] % E1000_RING_ALIGN);
    CHECK_U("tdlen multiple of 128", 0, M.regs[E1000_TDLEN / 4] % E1000_RING_ALIGN);
    CHECK_U("rdt: all but one descriptor given", E1000_RX_COUNT - 1, M.regs[E1000_RDT / 4]);
    CHECK_TRUE("rx on", M.regs[E1000_RCTL / 4] & E1000_RCTL_EN);
    CHECK_TRUE("broadcast on", M.regs[E1000_RCTL / 4] & E1000_RCTL_BAM);
    CHECK_TRUE("not promiscuous", !(M.regs[E1000_RCTL / 4] & E1000_RCTL_UPE));
    CHECK_TRUE("tx on", M.regs[E1000_TCTL / 4] & E1000_TCTL_EN);
    CHECK_TRUE("link forced up", M.regs[E1000_CTRL / 4] & E1000_CTRL_SLU);
    for (unsigned i = 0; i < E1000_RX_COUNT; i++) {
        const struct e1000_rx_desc *d =
            (const struct e1000_rx_desc *)(M.mem + E1000_RX_RING_OFFSET) + i;
        CHECK_U("rx buffer inside the area",
                IOVA + E1000_RX_BUF_OFFSET + (uint64_t)i * E1000_RX_BUFFER_SIZE, d->addr);
        CHECK_U("rx descriptor clean", 0, d->status);
    }
    CHECK_U("no faults", 0, M.faults);
    e1000_stop(&nic);
    CHECK_TRUE("stopped", !(M.regs[E1000_RCTL / 4] & E1000_RCTL_EN) &&
                              !(M.regs[E1000_TCTL / 4] & E1000_TCTL_EN));
    uint8_t f[64] = {0};
    CHECK_TRUE("stopped device takes no frame", !model_receive(f, sizeof(f), 0));
}

/* INTx is asserted while a cause is set and unmasked. */
static bool model_intx(void)
{
    return (M.regs[E1000_ICR / 4] & M.regs[E1000_IMS / 4]) != 0;
}

static void interrupts_masked_until_asked(void)
{
    up();
    e1000_interrupt_raise(&nic, E1000_INT_RXT0);
    CHECK_TRUE("masked after reset", !model_intx());
    e1000_interrupts_on(&nic);
    CHECK_TRUE("receive cause on", model_intx());
    CHECK_U("causes read", E1000_INT_RXT0, e1000_interrupt_causes(&nic) & E1000_INT_RXT0);
    CHECK_TRUE("reading the causes drops the line", !model_intx());
    e1000_interrupt_raise(&nic, E1000_INT_LSC);
    CHECK_TRUE("other causes stay masked", !model_intx());
    e1000_interrupts_off(&nic);
    e1000_interrupt_raise(&nic, E1000_INT_RXT0);
    CHECK_TRUE("off again", !model_intx());
    e1000_interrupts_on(&nic);
    CHECK_I("reset", E1000_OK, e1000_reset(&nic));
    CHECK_TRUE("a reset masks them", !model_intx());
}

static void init_refuses_unaligned(void)
{
    model_reset();
    CHECK_I("unaligned area", E1000_ERR_ARGUMENT, e1000_init(&nic, &IO, M.mem + 8, IOVA));
    CHECK_I("unaligned iova", E1000_ERR_ARGUMENT, e1000_init(&nic, &IO, M.mem, IOVA + 8));
}

static void reset_and_eeprom_timeouts(void)
{
    model_reset();
    M.hang_reset = true;
    CHECK_I("reset hangs", E1000_ERR_RESET_TIMEOUT, e1000_init(&nic, &IO, M.mem, IOVA));
    CHECK_U("waited the limit", E1000_WAIT_LIMIT, M.relaxes);
    model_reset();
    M.hang_eeprom = true;
    CHECK_I("eeprom hangs", E1000_ERR_EEPROM_TIMEOUT, e1000_init(&nic, &IO, M.mem, IOVA));
}

static void transmit_pads_and_completes(void)
{
    up();
    uint8_t f[ARP_FRAME_LEN];
    size_t n =
        ether_arp_request(f, sizeof(f), MAC, ETHER_IPV4(10, 0, 0, 2), ETHER_IPV4(10, 0, 0, 1));
    CHECK_U("arp length", ARP_FRAME_LEN, n);
    CHECK_I("transmit", E1000_OK, e1000_transmit(&nic, f, n));
    CHECK_U("sent", 1, M.sent);
    CHECK_U("padded", E1000_MIN_FRAME, M.sent_len[0]);
    CHECK_TRUE("bytes", memcmp(M.sent_data[0], f, n) == 0);
    CHECK_U("padding zero", 0, M.sent_data[0][n] | M.sent_data[0][E1000_MIN_FRAME - 1]);
    CHECK_U("reclaimed", 0, e1000_tx_reclaim(&nic));
    CHECK_U("counted", 1, nic.tx_frames);
    uint8_t big[E1000_MAX_FRAME + 1] = {0};
    CHECK_I("too long", E1000_ERR_LENGTH, e1000_transmit(&nic, big, sizeof(big)));
    CHECK_I("max length", E1000_OK, e1000_transmit(&nic, big, E1000_MAX_FRAME));
    CHECK_U("no faults", 0, M.faults);
}

static void transmit_ring_full_and_wraps(void)
{
    up();
    uint8_t f[E1000_MIN_FRAME];
    M.paused = true;
    unsigned queued = 0;
    int r;
    while ((r = e1000_transmit(&nic, f, sizeof(f))) == E1000_OK)
        queued++;
    CHECK_U("one descriptor stays empty", E1000_TX_COUNT - 1, queued);
    CHECK_I("full", E1000_ERR_TX_FULL, r);
    CHECK_U("tail never reaches head", E1000_TX_COUNT - 1, M.regs[E1000_TDT / 4]);
    M.paused = false;
    model_transmit();
    CHECK_U("all sent", queued, M.sent);
    for (unsigned i = 0; i < 3 * E1000_TX_COUNT; i++) {
        f[0] = (uint8_t)i;
        CHECK_I("after wrap", E1000_OK, e1000_transmit(&nic, f, sizeof(f)));
    }
    CHECK_U("in order", (uint8_t)(3 * E1000_TX_COUNT - 1), M.sent_data[M.sent - 1][0]);
    CHECK_U("none in flight", 0, e1000_tx_reclaim(&nic));
}

static void receive_in_order_across_wraps(void)
{
    up();
    uint8_t f[100], out[E1000_RX_BUFFER_SIZE];
    CHECK_I("nothing yet", 0, e1000_receive(&nic, out, sizeof(out)));
    unsigned got = 0;
    for (unsigned i = 0; i < 5 * E1000_RX_COUNT; i++) {
        memset(f, (int)i, sizeof(f));
        CHECK_TRUE("delivered", model_receive(f, sizeof(f) - i % 7, 0));
        if (i % 3 == 2) { /* let a few pile up, but never more than the ring */
            int n;
            while ((n = e1000_receive(&nic, out, sizeof(out))) > 0) {
                CHECK_U("length", sizeof(f) - got % 7, n);
                CHECK_U("order", (uint8_t)got, out[0]);
                got++;
            }
        }
    }
    while (e1000_receive(&nic, out, sizeof(out)) > 0)
        got++;
    CHECK_U("all received", 5 * E1000_RX_COUNT, got);
    CHECK_U("no faults", 0, M.faults);
}

static bool first_byte_is_7(const uint8_t *frame, size_t len)
{
    return len > 0 && frame[0] == 7;
}

/* Frames the caller does not want are dropped on the way; with nothing
 * (left) to receive it relaxes once per empty poll and gives up. */
static void receive_matching_skips_and_gives_up(void)
{
    up();
    uint8_t f[64], out[E1000_RX_BUFFER_SIZE];
    for (unsigned i = 5; i < 9; i++) {
        memset(f, (int)i, sizeof(f));
        CHECK_TRUE("delivered", model_receive(f, sizeof(f), 0));
    }
    unsigned relaxes = M.relaxes;
    CHECK_I("the wanted one", sizeof(f),
            e1000_receive_matching(&nic, out, sizeof(out), first_byte_is_7, 10));
    CHECK_U("its bytes", 7, out[0]);
    CHECK_U("no waiting while frames came", relaxes, M.relaxes);
    CHECK_I("none wanted left", 0,
            e1000_receive_matching(&nic, out, sizeof(out), first_byte_is_7, 10));
    CHECK_U("relaxed once per empty poll", relaxes + 9, M.relaxes);
}

static void receive_ring_full_and_drops(void)
{
    up();
    uint8_t f[64] = {1}, out[E1000_RX_BUFFER_SIZE];
    unsigned delivered = 0;
    while (model_receive(f, sizeof(f), 0))
        delivered++;
    CHECK_U("device stops one short of the tail", E1000_RX_COUNT - 1, delivered);
    CHECK_I("first", 64, e1000_receive(&nic, out, sizeof(out)));
    CHECK_TRUE("room again", model_receive(f, sizeof(f), 0));
    up();
    CHECK_TRUE("bad frame", model_receive(f, sizeof(f), 1u << 0 /* CRC error */));
    CHECK_I("error dropped", E1000_ERR_DROPPED, e1000_receive(&nic, out, sizeof(out)));
    CHECK_TRUE("long frame", model_receive(f, sizeof(f), 0));
    CHECK_I("longer than cap dropped", E1000_ERR_DROPPED, e1000_receive(&nic, out, 10));
    CHECK_TRUE("good frame", model_receive(f, sizeof(f), 0));
    CHECK_I("next fine", 64, e1000_receive(&nic, out, sizeof(out)));
    CHECK_U("dropped count", 2, nic.rx_dropped);
}

static void redirected_receive_faults_once(void)
{
    up();
    uint8_t f[64], out[E1000_RX_BUFFER_SIZE];
    memset(f, 0xab, sizeof(f));
    uint64_t outside = UINT64_C(0x1234000);
    e1000_rx_redirect_next(&nic, outside);
    CHECK_TRUE("delivered", model_receive(f, sizeof(f), 0));
    CHECK_U("fault", 1, M.faults);
    CHECK_U("at the address", outside, M.fault_address);
    int n = e1000_receive(&nic, out, sizeof(out));
    CHECK_I("descriptor completed", 64, n);
    CHECK_TRUE("own buffer untouched", out[0] == 0xee);
    const struct e1000_rx_desc *d = (const struct e1000_rx_desc *)(M.mem + E1000_RX_RING_OFFSET);
    CHECK_U("buffer restored", IOVA + E1000_RX_BUF_OFFSET, d[0].addr);
    CHECK_TRUE("next frame", model_receive(f, sizeof(f), 0));
    CHECK_I("lands in its buffer", 64, e1000_receive(&nic, out, sizeof(out)));
    CHECK_TRUE("data", out[0] == 0xab);
    CHECK_U("one fault only", 1, M.faults);
    CHECK_I("zero-copy transmit", E1000_OK, e1000_transmit_iova(&nic, outside, 60));
    CHECK_U("read faults", 2, M.faults);
}

static void checksum_rfc1071(void)
{
    /* RFC 1071's example bytes sum to 0xddf2, so the checksum is ~0xddf2. */
    const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    CHECK_U("example", (uint16_t)~0xddf2, ether_checksum(b, sizeof(b)));
    const uint8_t odd[] = {0x01};
    CHECK_U("odd length", (uint16_t)~0x0100, ether_checksum(odd, 1));
}

static void arp_request_and_reply(void)
{
    uint8_t f[64];
    size_t n =
        ether_arp_request(f, sizeof(f), MAC, ETHER_IPV4(10, 69, 0, 2), ETHER_IPV4(10, 69, 0, 1));
    const uint8_t want[ARP_FRAME_LEN] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x06,
        0x00, 0x01, 0x08, 0x00, 6,    4,    0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
        10,   69,   0,    2,    0,    0,    0,    0,    0,    0,    10,   69,   0,    1};
    CHECK_U("length", ARP_FRAME_LEN, n);
    CHECK_TRUE("bytes", memcmp(f, want, sizeof(want)) == 0);
    CHECK_U("no room", 0, ether_arp_request(f, ARP_FRAME_LEN - 1, MAC, 1, 2));
    struct ether_arp a;
    CHECK_TRUE("parses", ether_arp_parse(f, n, &a));
    CHECK_U("op", ARP_OP_REQUEST, a.op);
    CHECK_U("sender", ETHER_IPV4(10, 69, 0, 2), a.sender_ip);
    CHECK_U("target", ETHER_IPV4(10, 69, 0, 1), a.target_ip);
    for (size_t len = 0; len < n; len++)
        CHECK_TRUE("truncated refused", !ether_arp_parse(f, len, &a));
    f[12 + 2 + 5] = 16; /* protocol length */
    CHECK_TRUE("other protocol refused", !ether_arp_parse(f, n, &a));
}

static void icmp_echo_round_trip(void)
{
    uint8_t f[128], payload[32];
    for (unsigned i = 0; i < sizeof(payload); i++)
        payload[i] = (uint8_t)(i * 3);
    const uint8_t peer[6] = {2, 0, 0, 0, 0, 1};
    size_t n = ether_icmp_echo(f, sizeof(f), MAC, peer, ETHER_IPV4(10, 69, 0, 2),
                               ETHER_IPV4(10, 69, 0, 1), 0x77, 5, payload, sizeof(payload));
    CHECK_U("length", ETHER_HEADER_LEN + IPV4_HEADER_LEN + ICMP_HEADER_LEN + sizeof(payload), n);
    struct ether_echo e;
    CHECK_TRUE("parses", ether_icmp_echo_parse(f, n, &e));
    CHECK_U("type", ICMP_ECHO_REQUEST, e.type);
    CHECK_U("id", 0x77, e.id);
    CHECK_U("seq", 5, e.seq);
    CHECK_U("src", ETHER_IPV4(10, 69, 0, 2), e.src_ip);
    CHECK_U("payload length", sizeof(payload), e.payload_len);
    CHECK_TRUE("payload", memcmp(e.payload, payload, sizeof(payload)) == 0);
    for (size_t len = 0; len < n; len++)
        CHECK_TRUE("truncated refused", !ether_icmp_echo_parse(f, len, &e));
    for (size_t i = ETHER_HEADER_LEN; i < n; i++) {
        f[i] ^= 0x10;
        CHECK_TRUE("any flipped bit refused", !ether_icmp_echo_parse(f, n, &e));
        f[i] ^= 0x10;
    }
    CHECK_U("no room", 0,
            ether_icmp_echo(f, n - 1, MAC, peer, 1, 2, 0, 0, payload, sizeof(payload)));
}

int main(void)
{
    check_suite("e1000");
    RUN_TEST(init_programs_the_device);
    RUN_TEST(init_refuses_unaligned);
    RUN_TEST(interrupts_masked_until_asked);
    RUN_TEST(reset_and_eeprom_timeouts);
    RUN_TEST(transmit_pads_and_completes);
    RUN_TEST(transmit_ring_full_and_wraps);
    RUN_TEST(receive_in_order_across_wraps);
    RUN_TEST(receive_matching_skips_and_gives_up);
    RUN_TEST(receive_ring_full_and_drops);
    RUN_TEST(redirected_receive_faults_once);
    RUN_TEST(checksum_rfc1071);
    RUN_TEST(arp_request_and_reply);
    RUN_TEST(icmp_echo_round_trip);
    free(M.mem);
    return check_exit_code();
}
