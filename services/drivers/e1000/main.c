/* The e1000 (82540EM) driver as a component, as the system loader sets it
 * up from ci/data/e1000.toml: the NIC bound to the IOSpace `nic_dma`, its
 * BAR0 mapped uncached at REGS_VA, and its DMA area (rings and buffers,
 * E1000_DMA_BYTES of RAM) mapped at DMA_VA for the CPU and at DMA_IOVA in
 * the IOSpace ([[iomap]]), so the NIC reaches nothing else. It resets the
 * NIC, asks the tap's address by ARP and pings it, polling receive; the
 * scenario qemu-e1000-component checks the answers. */
#include "component.h"
#include "e1000.h"
#include "ether.h"
#include "iommu.h"

#define REGS_VA   UINT64_C(0x20000000) /* ci/data/e1000.toml */
#define REGS_SIZE 0x20000u             /* BAR0: 128 KiB */
#define DMA_VA    UINT64_C(0x30000000)
#define DMA_IOVA  UINT64_C(0x40000000)
#define OUR_IP    ETHER_IPV4(10, 70, 0, 2) /* the harness's tap is 10.70.0.1 */
#define TAP_IP    ETHER_IPV4(10, 70, 0, 1)
/* QEMU's e1000 takes no frame for about a second after receive is on;
 * each poll that finds nothing yields. */
#define RX_POLLS   30000000u
#define LINK_POLLS 1000000u
#define ECHO_ID    0x4174
#define ECHO_BYTES 32

_Static_assert(E1000_DMA_BYTES <= 0xd000, "the DMA region of ci/data/e1000.toml holds it");

static struct e1000 nic;
static uint8_t frame[E1000_MAX_FRAME];

static uint32_t mmio_read(void *ctx, uint32_t reg)
{
    (void)ctx;
    return reg < REGS_SIZE ? *(volatile uint32_t *)(REGS_VA + reg) : UINT32_MAX;
}

static void mmio_write(void *ctx, uint32_t reg, uint32_t value)
{
    (void)ctx;
    if (reg < REGS_SIZE)
        *(volatile uint32_t *)(REGS_VA + reg) = value;
}

static void relax(void *ctx)
{
    (void)ctx;
    atoll_yield();
}

static const struct e1000_io mmio = {mmio_read, mmio_write, relax, NULL};

/* Polls until a frame `want` accepts arrives: its length, 0 if none did. */
static int wait_frame(bool (*want)(const uint8_t *, size_t))
{
    return e1000_receive_matching(&nic, frame, sizeof(frame), want, RX_POLLS);
}

static struct ether_arp arp;

static bool is_arp_reply(const uint8_t *f, size_t n)
{
    return ether_arp_parse(f, n, &arp) && arp.op == ARP_OP_REPLY && arp.sender_ip == TAP_IP &&
           arp.target_ip == OUR_IP;
}

static bool is_echo_reply(const uint8_t *f, size_t n)
{
    struct ether_echo e;
    return ether_icmp_echo_parse(f, n, &e) && e.type == ICMP_ECHO_REPLY && e.src_ip == TAP_IP &&
           e.id == ECHO_ID && e.payload_len == ECHO_BYTES;
}

void init(void)
{
    int r = e1000_init(&nic, &mmio, (void *)DMA_VA, DMA_IOVA);
    if (r != E1000_OK) {
        printf("e1000: FAIL reset: error %d\n", r);
        return;
    }
    for (uint32_t i = 0; i < LINK_POLLS && !e1000_link_up(&nic); i++)
        atoll_yield();
    const uint8_t *m = nic.mac;
    printf("e1000: component up, mac %02x:%02x:%02x:%02x:%02x:%02x, rings at iova 0x%lx\n", m[0],
           m[1], m[2], m[3], m[4], m[5], DMA_IOVA);
    uint8_t f[ETHER_HEADER_LEN + IPV4_HEADER_LEN + ICMP_HEADER_LEN + ECHO_BYTES];
    size_t n = ether_arp_request(f, sizeof(f), nic.mac, OUR_IP, TAP_IP);
    if (e1000_transmit(&nic, f, n) != E1000_OK || wait_frame(is_arp_reply) == 0) {
        printf("e1000: FAIL no ARP reply from 10.70.0.1\n");
        return;
    }
    const uint8_t *t = arp.sender_mac;
    printf("e1000: arp reply: 10.70.0.1 is at %02x:%02x:%02x:%02x:%02x:%02x\n", t[0], t[1], t[2],
           t[3], t[4], t[5]);
    uint8_t payload[ECHO_BYTES] = {0};
    n = ether_icmp_echo(f, sizeof(f), nic.mac, arp.sender_mac, OUR_IP, TAP_IP, ECHO_ID, 1, payload,
                        sizeof(payload));
    if (e1000_transmit(&nic, f, n) != E1000_OK || wait_frame(is_echo_reply) == 0) {
        printf("e1000: FAIL no echo reply from 10.70.0.1\n");
        return;
    }
    printf("e1000: echo reply from 10.70.0.1; %lu frames sent, %lu received\n", nic.tx_frames,
           nic.rx_frames);
}

void notified(channel_t ch)
{
    (void)ch;
}
