/* ARP and ICMP echo frames; see ether.h. */
#include "ether.h"

static const uint8_t broadcast[ETHER_ADDR_LEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static void put_bytes(uint8_t *dst, const uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = src[i];
}

uint16_t ether_checksum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += get16(p + i);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void ether_header(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
    put_bytes(f, dst, ETHER_ADDR_LEN);
    put_bytes(f + ETHER_ADDR_LEN, src, ETHER_ADDR_LEN);
    put16(f + 2 * ETHER_ADDR_LEN, type);
}

size_t ether_arp_request(uint8_t *frame, size_t cap, const uint8_t mac[ETHER_ADDR_LEN],
                         uint32_t sender_ip, uint32_t target_ip)
{
    if (cap < ARP_FRAME_LEN)
        return 0;
    ether_header(frame, broadcast, mac, ETHERTYPE_ARP);
    uint8_t *a = frame + ETHER_HEADER_LEN;
    put16(a, ARP_HTYPE_ETHERNET);
    put16(a + 2, ETHERTYPE_IPV4);
    a[4] = ETHER_ADDR_LEN;
    a[5] = 4;
    put16(a + 6, ARP_OP_REQUEST);
    put_bytes(a + 8, mac, ETHER_ADDR_LEN);
    put32(a + 14, sender_ip);
    for (unsigned i = 0; i < ETHER_ADDR_LEN; i++)
        a[18 + i] = 0;
    put32(a + 24, target_ip);
    return ARP_FRAME_LEN;
}

bool ether_arp_parse(const uint8_t *frame, size_t len, struct ether_arp *out)
{
    if (len < ARP_FRAME_LEN || get16(frame + 2 * ETHER_ADDR_LEN) != ETHERTYPE_ARP)
        return false;
    const uint8_t *a = frame + ETHER_HEADER_LEN;
    if (get16(a) != ARP_HTYPE_ETHERNET || get16(a + 2) != ETHERTYPE_IPV4 ||
        a[4] != ETHER_ADDR_LEN || a[5] != 4)
        return false;
    out->op = get16(a + 6);
    put_bytes(out->sender_mac, a + 8, ETHER_ADDR_LEN);
    out->sender_ip = get32(a + 14);
    put_bytes(out->target_mac, a + 18, ETHER_ADDR_LEN);
    out->target_ip = get32(a + 24);
    return true;
}

size_t ether_icmp_echo(uint8_t *frame, size_t cap, const uint8_t src_mac[ETHER_ADDR_LEN],
                       const uint8_t dst_mac[ETHER_ADDR_LEN], uint32_t src_ip, uint32_t dst_ip,
                       uint16_t id, uint16_t seq, const uint8_t *payload, size_t payload_len)
{
    size_t ip_len = IPV4_HEADER_LEN + ICMP_HEADER_LEN + payload_len;
    if (ip_len > 0xffff || cap < ETHER_HEADER_LEN + ip_len)
        return 0;
    ether_header(frame, dst_mac, src_mac, ETHERTYPE_IPV4);
    uint8_t *ip = frame + ETHER_HEADER_LEN;
    ip[0] = IPV4_VERSION << 4 | IPV4_HEADER_LEN / 4;
    ip[1] = 0;
    put16(ip + 2, (uint16_t)ip_len);
    put16(ip + 4, seq); /* identification */
    put16(ip + 6, 0);   /* not fragmented */
    ip[8] = IPV4_DEFAULT_TTL;
    ip[9] = IPV4_PROTO_ICMP;
    put16(ip + 10, 0);
    put32(ip + 12, src_ip);
    put32(ip + 16, dst_ip);
    put16(ip + 10, ether_checksum(ip, IPV4_HEADER_LEN));
    uint8_t *icmp = ip + IPV4_HEADER_LEN;
    icmp[0] = ICMP_ECHO_REQUEST;
    icmp[1] = 0;
    put16(icmp + 2, 0);
    put16(icmp + 4, id);
    put16(icmp + 6, seq);
    put_bytes(icmp + ICMP_HEADER_LEN, payload, payload_len);
    put16(icmp + 2, ether_checksum(icmp, ICMP_HEADER_LEN + payload_len));
    return ETHER_HEADER_LEN + ip_len;
}

/* Flags and fragment offset: MF or a non-zero offset is a fragment. */
#define IPV4_MF          0x2000
#define IPV4_OFFSET_MASK 0x1fff

bool ether_icmp_echo_parse(const uint8_t *frame, size_t len, struct ether_echo *out)
{
    if (len < ETHER_HEADER_LEN + IPV4_HEADER_LEN ||
        get16(frame + 2 * ETHER_ADDR_LEN) != ETHERTYPE_IPV4)
        return false;
    const uint8_t *ip = frame + ETHER_HEADER_LEN;
    size_t avail = len - ETHER_HEADER_LEN;
    size_t ihl = (size_t)(ip[0] & 0xf) * 4;
    size_t total = get16(ip + 2);
    if (ip[0] >> 4 != IPV4_VERSION || ihl < IPV4_HEADER_LEN || total < ihl + ICMP_HEADER_LEN ||
        total > avail || (get16(ip + 6) & (IPV4_MF | IPV4_OFFSET_MASK)) ||
        ip[9] != IPV4_PROTO_ICMP || ether_checksum(ip, ihl) != 0)
        return false;
    const uint8_t *icmp = ip + ihl;
    size_t icmp_len = total - ihl;
    if ((icmp[0] != ICMP_ECHO_REPLY && icmp[0] != ICMP_ECHO_REQUEST) || icmp[1] != 0 ||
        ether_checksum(icmp, icmp_len) != 0)
        return false;
    put_bytes(out->src_mac, frame + ETHER_ADDR_LEN, ETHER_ADDR_LEN);
    out->src_ip = get32(ip + 12);
    out->dst_ip = get32(ip + 16);
    out->type = icmp[0];
    out->id = get16(icmp + 4);
    out->seq = get16(icmp + 6);
    out->payload = icmp + ICMP_HEADER_LEN;
    out->payload_len = icmp_len - ICMP_HEADER_LEN;
    return true;
}
