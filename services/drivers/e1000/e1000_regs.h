/* Intel 8254x (82540EM: QEMU's `e1000`) registers, bits and descriptor
 * layouts the driver uses, from the "PCI/PCI-X Family of Gigabit Ethernet
 * Controllers Software Developer's Manual" (8254x SDM, 317453): register
 * offsets in BAR0 (section 13), legacy descriptors (3.2.3, 3.3.3). */
#ifndef ATOLL_E1000_REGS_H
#define ATOLL_E1000_REGS_H

#include <stdint.h>

/* PCI identity (SDM 5.1). */
#define E1000_VENDOR_INTEL   0x8086
#define E1000_DEVICE_82540EM 0x100e
#define E1000_BAR0_BYTES     0x20000 /* 128 KiB of memory-mapped registers */

/* ---- Register offsets in BAR0 (SDM table 13-2) ---- */
#define E1000_CTRL        0x0000 /* device control */
#define E1000_STATUS      0x0008 /* device status */
#define E1000_EERD        0x0014 /* EEPROM read */
#define E1000_ICR         0x00c0 /* interrupt cause read (clears on read) */
#define E1000_ICS         0x00c8 /* interrupt cause set (raises the causes written) */
#define E1000_IMS         0x00d0 /* interrupt mask set */
#define E1000_IMC         0x00d8 /* interrupt mask clear */
#define E1000_RCTL        0x0100 /* receive control */
#define E1000_TCTL        0x0400 /* transmit control */
#define E1000_TIPG        0x0410 /* transmit inter-packet gap */
#define E1000_RDBAL       0x2800 /* receive ring base, low 32 bits */
#define E1000_RDBAH       0x2804 /* receive ring base, high 32 bits */
#define E1000_RDLEN       0x2808 /* receive ring length in bytes */
#define E1000_RDH         0x2810 /* receive head (the device's next descriptor) */
#define E1000_RDT         0x2818 /* receive tail (one past the last the device may fill) */
#define E1000_RDTR        0x2820 /* receive interrupt delay */
#define E1000_TDBAL       0x3800 /* transmit ring base, low 32 bits */
#define E1000_TDBAH       0x3804
#define E1000_TDLEN       0x3808
#define E1000_TDH         0x3810 /* transmit head (the device's next descriptor) */
#define E1000_TDT         0x3818 /* transmit tail (one past the last to send) */
#define E1000_TIDV        0x3820 /* transmit interrupt delay */
#define E1000_MTA         0x5200 /* multicast table array, E1000_MTA_ENTRIES words */
#define E1000_RAL0        0x5400 /* receive address 0, low 32 bits of the MAC */
#define E1000_RAH0        0x5404 /* receive address 0, high 16 bits and AV */
#define E1000_GPRC        0x4074 /* good packets received (statistics, clear on read) */
#define E1000_GPTC        0x4080 /* good packets transmitted */
#define E1000_MTA_ENTRIES 128

/* CTRL (SDM 13.4.1). */
#define E1000_CTRL_FD      (UINT32_C(1) << 0)  /* full duplex */
#define E1000_CTRL_ASDE    (UINT32_C(1) << 5)  /* auto-speed detection */
#define E1000_CTRL_SLU     (UINT32_C(1) << 6)  /* set link up */
#define E1000_CTRL_RST     (UINT32_C(1) << 26) /* device reset, self-clearing */
#define E1000_CTRL_PHY_RST (UINT32_C(1) << 31)

/* STATUS (SDM 13.4.2). */
#define E1000_STATUS_FD (UINT32_C(1) << 0)
#define E1000_STATUS_LU (UINT32_C(1) << 1) /* link up */

/* EERD (SDM 13.4.4; the 82540's layout: address at bit 8, DONE at bit 4). */
#define E1000_EERD_START      (UINT32_C(1) << 0)
#define E1000_EERD_DONE       (UINT32_C(1) << 4)
#define E1000_EERD_ADDR_SHIFT 8
#define E1000_EERD_DATA_SHIFT 16
/* EEPROM words 0-2: the MAC address, low byte first (SDM table 5-2). */
#define E1000_EEPROM_MAC_WORD0 0

/* Interrupt causes (ICR/ICS/IMS/IMC, SDM 13.4.17-20). */
#define E1000_INT_TXDW (UINT32_C(1) << 0) /* transmit descriptor written back */
#define E1000_INT_LSC  (UINT32_C(1) << 2) /* link status change */
#define E1000_INT_RXT0 (UINT32_C(1) << 7) /* receive timer: a frame is in the ring */
#define E1000_INT_ALL  UINT32_C(0xffffffff)

/* RCTL (SDM 13.4.22). Buffer size 2048: BSIZE 00 with BSEX clear. */
#define E1000_RCTL_EN         (UINT32_C(1) << 1)
#define E1000_RCTL_SBP        (UINT32_C(1) << 2)  /* store bad packets */
#define E1000_RCTL_UPE        (UINT32_C(1) << 3)  /* unicast promiscuous */
#define E1000_RCTL_MPE        (UINT32_C(1) << 4)  /* multicast promiscuous */
#define E1000_RCTL_LPE        (UINT32_C(1) << 5)  /* long packets */
#define E1000_RCTL_BAM        (UINT32_C(1) << 15) /* accept broadcast */
#define E1000_RCTL_BSIZE_2048 (UINT32_C(0) << 16)
#define E1000_RCTL_BSEX       (UINT32_C(1) << 25)
#define E1000_RCTL_SECRC      (UINT32_C(1) << 26) /* strip the Ethernet CRC */

/* TCTL (SDM 13.4.33): CT and COLD are the values the SDM recommends for
 * full duplex. */
#define E1000_TCTL_EN         (UINT32_C(1) << 1)
#define E1000_TCTL_PSP        (UINT32_C(1) << 3) /* pad short packets to 64 bytes */
#define E1000_TCTL_CT_SHIFT   4
#define E1000_TCTL_CT         UINT32_C(0x0f) /* collision threshold */
#define E1000_TCTL_COLD_SHIFT 12
#define E1000_TCTL_COLD       UINT32_C(0x40) /* collision distance, full duplex */

/* TIPG for the 82540 on copper (SDM 13.4.34). */
#define E1000_TIPG_IPGT        UINT32_C(10)
#define E1000_TIPG_IPGR1_SHIFT 10
#define E1000_TIPG_IPGR1       UINT32_C(8)
#define E1000_TIPG_IPGR2_SHIFT 20
#define E1000_TIPG_IPGR2       UINT32_C(6)

/* RAH0 (SDM 13.4.31). */
#define E1000_RAH_AV (UINT32_C(1) << 31) /* address valid */

/* ---- Descriptors ---- */
/* Ring lengths (RDLEN, TDLEN) are multiples of 128 bytes, bases aligned
 * to 16 bytes (SDM 3.2.6, 3.4). */
#define E1000_RING_ALIGN     128
#define E1000_RX_BUFFER_SIZE 2048 /* RCTL_BSIZE_2048 */
#define E1000_MIN_FRAME      60   /* without CRC; shorter frames are padded */
#define E1000_MAX_FRAME      1514 /* without CRC, no jumbo frames (LPE clear) */

/* Legacy receive descriptor (SDM 3.2.3). */
struct e1000_rx_desc {
    uint64_t addr;
    uint16_t length;
    uint16_t checksum;
    uint8_t status;
    uint8_t errors;
    uint16_t special;
};
_Static_assert(sizeof(struct e1000_rx_desc) == 16, "legacy receive descriptor is 16 bytes");
#define E1000_RXD_STAT_DD  (1u << 0) /* descriptor done */
#define E1000_RXD_STAT_EOP (1u << 1) /* end of packet */
/* Errors: CE, SE, SEQ, CXE, RXE (SDM 3.2.3.2); TCPE/IPE are checksum
 * results the driver does not ask for. */
#define E1000_RXD_ERR_FRAME (1u << 0 | 1u << 1 | 1u << 2 | 1u << 4 | 1u << 7)

/* Legacy transmit descriptor (SDM 3.3.3). */
struct e1000_tx_desc {
    uint64_t addr;
    uint16_t length;
    uint8_t cso;
    uint8_t cmd;
    uint8_t status;
    uint8_t css;
    uint16_t special;
};
_Static_assert(sizeof(struct e1000_tx_desc) == 16, "legacy transmit descriptor is 16 bytes");
#define E1000_TXD_CMD_EOP  (1u << 0) /* end of packet */
#define E1000_TXD_CMD_IFCS (1u << 1) /* insert the Ethernet CRC */
#define E1000_TXD_CMD_RS   (1u << 3) /* report status (sets DD when sent) */
#define E1000_TXD_STAT_DD  (1u << 0)

#endif
