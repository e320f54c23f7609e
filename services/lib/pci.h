/* PCI for user-level drivers: configuration space through configuration
 * mechanism #1 (ports 0xcf8 and 0xcfc, reached through an IOPort
 * capability), finding a function by vendor and device id, memory BARs,
 * and the pages of a BAR as device frames (split from the device untyped
 * that covers them). Functions are named by ATOLL_PCI_ADDRESS words
 * (atoll/iommu.h); only segment 0 is reachable this way. */
#ifndef ATOLL_USER_PCI_H
#define ATOLL_USER_PCI_H

#include "atoll.h"

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA    0xcfc
#define PCI_CONFIG_LAST    (PCI_CONFIG_DATA + 3) /* last port of the IOPort capability */
#define PCI_CONFIG_ENABLE  UINT32_C(0x80000000)

/* Configuration-space header (type 0) offsets and bits. */
#define PCI_VENDOR_DEVICE   0x00
#define PCI_COMMAND         0x04
#define PCI_BAR0            0x10
#define PCI_COMMAND_MEMORY  0x2 /* decode memory BARs */
#define PCI_COMMAND_MASTER  0x4 /* may start DMA */
#define PCI_BAR_IO          0x1
#define PCI_BAR_TYPE_MASK   0x6
#define PCI_BAR_TYPE_64     0x4
#define PCI_BAR_MEM_MASK    UINT32_C(0xfffffff0)
#define PCI_STATUS_CAP_LIST (UINT32_C(1) << 20) /* in the dword at PCI_COMMAND */
#define PCI_CAP_POINTER     0x34
#define PCI_DEVICES_PER_BUS 32
#define PCI_VENDOR_NONE     0xffff

/* Capabilities (PCI 3.0 6.7): the list, and the MSI capability (6.8.1),
 * whose control word is the high half of its first dword. */
#define PCI_CAPS_MAX       48 /* more than fit in configuration space */
#define PCI_CAP_ID_MSI     0x05
#define PCI_MSI_ENABLE     (UINT32_C(1) << 16)
#define PCI_MSI_64BIT      (UINT32_C(1) << 23)
#define PCI_MSI_MME_MASK   (UINT32_C(7) << 20) /* Multiple Message Enable */
#define PCI_MSI_ADDRESS_LO 4
#define PCI_MSI_ADDRESS_HI 8
#define PCI_MSI_DATA_64    12
#define PCI_MSI_DATA_32    8

/* printf of a PCI address as bus:device.function (segment 0). */
#define ATOLL_PCI_FORMAT "%02lx:%02lx.%lu"
#define ATOLL_PCI_FORMAT_ARGS(a)                                                                   \
    (unsigned long)(((a) >> 8) & 0xff), (unsigned long)(((a) >> 3) & 0x1f), (unsigned long)((a)&7)

/* An IOPort capability for the configuration ports, into root-CNode slot
 * `dest` (from IOPortControl). */
struct atoll_error_detail atoll_pci_ports_issue(uint64_t dest);
uint32_t atoll_pci_read32(uint64_t ports, uint64_t pci, uint8_t offset);
void atoll_pci_write32(uint64_t ports, uint64_t pci, uint8_t offset, uint32_t value);
/* The first function 0 on bus 0 with this vendor and device id, in *pci. */
bool atoll_pci_find(uint64_t ports, uint16_t vendor, uint16_t device, uint64_t *pci);
/* The configuration-space offset of capability `id`, 0 when the function
 * has none (or its list is broken). */
uint8_t atoll_pci_find_capability(uint64_t ports, uint64_t pci, uint8_t id);
/* Points the function's MSI capability (single message) at (address,
 * data), as IRQControl_GetMSI returned them, and enables it. False when
 * it has no MSI capability. */
bool atoll_pci_msi_enable(uint64_t ports, uint64_t pci, uint64_t address, uint32_t data);
/* Turns its MSI off again. */
void atoll_pci_msi_disable(uint64_t ports, uint64_t pci);
/* The physical address of memory BAR `bar` (0-5; a 64-bit BAR takes two
 * slots), 0 for an I/O BAR or one that is not set up. */
uint64_t atoll_pci_bar(uint64_t ports, uint64_t pci, unsigned bar);

/* The size in bytes of memory BAR `bar` (probed: all ones written, the
 * answer read, the old value put back; decoding must be off), 0 for an
 * I/O BAR or one that is not implemented. */
uint64_t atoll_pci_bar_size(uint64_t ports, uint64_t pci, unsigned bar);

/* `count` 4 KiB device frames for the physical pages from `paddr` (which
 * must be aligned to count rounded up to a power of two pages), in
 * consecutive slots taken from `slot` (which returns 0 when none is left):
 * the device untyped covering them is split in halves down to that
 * region. Returns the first frame's slot, 0 on failure; *parent is the
 * device untyped that was split (revoke it to give everything back). */
uint64_t atoll_device_frames(const struct atoll_bootinfo *bi, uint64_t paddr, uint64_t count,
                             uint64_t (*slot)(void), uint64_t *parent);

#endif
