/* Ethernet frames a driver test or a small network service needs: ARP
 * (RFC 826) for IPv4 over Ethernet and ICMP echo (RFC 792) in IPv4 (RFC
 * 791). Builders write into a caller's buffer and return the length (0
 * when it does not fit); parsers check every length and checksum before
 * they believe a field. IPv4 addresses are host-order numbers
 * (ETHER_IPV4(10, 0, 0, 1)). No libc: also built on the host
 * (tests/unit/test_e1000.c). */
#ifndef ATOLL_USER_ETHER_H
#define ATOLL_USER_ETHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETHER_ADDR_LEN   6
#define ETHER_HEADER_LEN 14
#define ETHERTYPE_IPV4   0x0800
#define ETHERTYPE_ARP    0x0806

#define ARP_HTYPE_ETHERNET 1
#define ARP_OP_REQUEST     1
#define ARP_OP_REPLY       2
#define ARP_PACKET_LEN     28
#define ARP_FRAME_LEN      (ETHER_HEADER_LEN + ARP_PACKET_LEN)

#define IPV4_VERSION      4
#define IPV4_HEADER_LEN   20 /* without options: what the builders write */
#define IPV4_DEFAULT_TTL  64
#define IPV4_PROTO_ICMP   1
#define ICMP_ECHO_REPLY   0
#define ICMP_ECHO_REQUEST 8
#define ICMP_HEADER_LEN   8

#define ETHER_IPV4(a, b, c, d)                                                                     \
    ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

struct ether_arp {
    uint16_t op;
    uint8_t sender_mac[ETHER_ADDR_LEN];
    uint32_t sender_ip;
    uint8_t target_mac[ETHER_ADDR_LEN];
    uint32_t target_ip;
};

struct ether_echo {
    uint8_t src_mac[ETHER_ADDR_LEN];
    uint32_t src_ip, dst_ip;
    uint8_t type; /* ICMP_ECHO_REQUEST or ICMP_ECHO_REPLY */
    uint16_t id, seq;
    const uint8_t *payload; /* inside the parsed frame */
    size_t payload_len;
};

/* The Internet checksum (RFC 1071) of n bytes. */
uint16_t ether_checksum(const uint8_t *p, size_t n);

/* A broadcast "who has target_ip? tell sender_ip" from `mac`. */
size_t ether_arp_request(uint8_t *frame, size_t cap, const uint8_t mac[ETHER_ADDR_LEN],
                         uint32_t sender_ip, uint32_t target_ip);
/* An ARP packet for IPv4 over Ethernet (false for anything else). */
bool ether_arp_parse(const uint8_t *frame, size_t len, struct ether_arp *out);

/* An ICMP echo request with `payload`. */
size_t ether_icmp_echo(uint8_t *frame, size_t cap, const uint8_t src_mac[ETHER_ADDR_LEN],
                       const uint8_t dst_mac[ETHER_ADDR_LEN], uint32_t src_ip, uint32_t dst_ip,
                       uint16_t id, uint16_t seq, const uint8_t *payload, size_t payload_len);
/* An ICMP echo request or reply in an unfragmented IPv4 packet with valid
 * checksums (false for anything else). */
bool ether_icmp_echo_parse(const uint8_t *frame, size_t len, struct ether_echo *out);

#endif
