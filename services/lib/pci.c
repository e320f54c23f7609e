/* PCI configuration space and BAR frames; see pci.h. */
#include "pci.h"

#include "atoll/iommu.h"
#include "atoll/irq.h"

#define PAGE_BITS 12

struct atoll_error_detail atoll_pci_ports_issue(uint64_t dest)
{
    uint64_t w[ATOLL_IOPORT_ISSUE_ARGS] = {dest, 64, PCI_CONFIG_ADDRESS, PCI_CONFIG_LAST};
    uint64_t root = ATOLL_SLOT_ROOT_CNODE;
    return atoll_invoke(ATOLL_SLOT_IOPORT_CONTROL, ATOLL_IOPORT_CONTROL_ISSUE, w,
                        ATOLL_IOPORT_ISSUE_ARGS, &root, 1);
}

static void select(uint64_t ports, uint64_t pci, uint8_t offset)
{
    /* bus, device and function sit in bits 23:8 of CONFIG_ADDRESS as they
     * do in bits 15:0 of the PCI address word. */
    uint64_t w[ATOLL_IOPORT_OUT_ARGS] = {
        PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE | (uint32_t)(pci & 0xffff) << 8 | (offset & 0xfcu)};
    atoll_invoke(ports, ATOLL_IOPORT_OUT32, w, ATOLL_IOPORT_OUT_ARGS, NULL, 0);
}

uint32_t atoll_pci_read32(uint64_t ports, uint64_t pci, uint8_t offset)
{
    select(ports, pci, offset);
    uint64_t port = PCI_CONFIG_DATA;
    return (uint32_t)atoll_invoke(ports, ATOLL_IOPORT_IN32, &port, ATOLL_IOPORT_IN_ARGS, NULL, 0)
        .argument;
}

void atoll_pci_write32(uint64_t ports, uint64_t pci, uint8_t offset, uint32_t value)
{
    select(ports, pci, offset);
    uint64_t w[ATOLL_IOPORT_OUT_ARGS] = {PCI_CONFIG_DATA, value};
    atoll_invoke(ports, ATOLL_IOPORT_OUT32, w, ATOLL_IOPORT_OUT_ARGS, NULL, 0);
}

bool atoll_pci_find(uint64_t ports, uint16_t vendor, uint16_t device, uint64_t *pci)
{
    for (unsigned dev = 0; dev < PCI_DEVICES_PER_BUS; dev++) {
        uint64_t a = ATOLL_PCI_ADDRESS(0, 0, dev, 0);
        uint32_t id = atoll_pci_read32(ports, a, PCI_VENDOR_DEVICE);
        if ((id & 0xffff) == vendor && (id >> 16) == device) {
            *pci = a;
            return true;
        }
    }
    return false;
}

uint8_t atoll_pci_find_capability(uint64_t ports, uint64_t pci, uint8_t id)
{
    if ((atoll_pci_read32(ports, pci, PCI_COMMAND) & PCI_STATUS_CAP_LIST) == 0)
        return 0;
    uint8_t at = (uint8_t)(atoll_pci_read32(ports, pci, PCI_CAP_POINTER) & 0xfc);
    /* Bounded: a device may link its list into a loop. */
    for (unsigned n = 0; n < PCI_CAPS_MAX && at != 0; n++) {
        uint32_t head = atoll_pci_read32(ports, pci, at);
        if ((head & 0xff) == id)
            return at;
        at = (uint8_t)((head >> 8) & 0xfc);
    }
    return 0;
}

bool atoll_pci_msi_enable(uint64_t ports, uint64_t pci, uint64_t address, uint32_t data)
{
    uint8_t cap = atoll_pci_find_capability(ports, pci, PCI_CAP_ID_MSI);
    if (cap == 0)
        return false;
    /* Off while it changes, so that no message goes to a half-written
     * address; one message (Multiple Message Enable 0). */
    uint32_t head = atoll_pci_read32(ports, pci, cap) & ~(PCI_MSI_ENABLE | PCI_MSI_MME_MASK);
    atoll_pci_write32(ports, pci, cap, head);
    atoll_pci_write32(ports, pci, cap + PCI_MSI_ADDRESS_LO, (uint32_t)address);
    if (head & PCI_MSI_64BIT) {
        atoll_pci_write32(ports, pci, cap + PCI_MSI_ADDRESS_HI, (uint32_t)(address >> 32));
        atoll_pci_write32(ports, pci, cap + PCI_MSI_DATA_64, data);
    } else {
        atoll_pci_write32(ports, pci, cap + PCI_MSI_DATA_32, data);
    }
    atoll_pci_write32(ports, pci, cap, head | PCI_MSI_ENABLE);
    return true;
}

void atoll_pci_msi_disable(uint64_t ports, uint64_t pci)
{
    uint8_t cap = atoll_pci_find_capability(ports, pci, PCI_CAP_ID_MSI);
    if (cap != 0)
        atoll_pci_write32(ports, pci, cap, atoll_pci_read32(ports, pci, cap) & ~PCI_MSI_ENABLE);
}

/* A memory BAR's register offset and first dword; false for an I/O BAR, a
 * BAR number above 5, or a 64-bit BAR in the last slot. */
static bool memory_bar(uint64_t ports, uint64_t pci, unsigned bar, uint8_t *off, uint32_t *lo,
                       bool *wide)
{
    if (bar > 5)
        return false;
    *off = (uint8_t)(PCI_BAR0 + 4 * bar);
    *lo = atoll_pci_read32(ports, pci, *off);
    *wide = (*lo & PCI_BAR_TYPE_MASK) == PCI_BAR_TYPE_64;
    return !(*lo & PCI_BAR_IO) && !(*wide && bar == 5);
}

uint64_t atoll_pci_bar(uint64_t ports, uint64_t pci, unsigned bar)
{
    uint8_t off;
    uint32_t lo;
    bool wide;
    if (!memory_bar(ports, pci, bar, &off, &lo, &wide))
        return 0;
    uint64_t base = lo & PCI_BAR_MEM_MASK;
    if (wide)
        base |= (uint64_t)atoll_pci_read32(ports, pci, (uint8_t)(off + 4)) << 32;
    return base;
}

uint64_t atoll_pci_bar_size(uint64_t ports, uint64_t pci, unsigned bar)
{
    uint8_t off;
    uint32_t lo;
    bool wide;
    if (!memory_bar(ports, pci, bar, &off, &lo, &wide))
        return 0;
    uint32_t hi = wide ? atoll_pci_read32(ports, pci, (uint8_t)(off + 4)) : 0;
    atoll_pci_write32(ports, pci, off, UINT32_MAX);
    uint64_t mask = atoll_pci_read32(ports, pci, off) & PCI_BAR_MEM_MASK;
    atoll_pci_write32(ports, pci, off, lo);
    if (wide) {
        atoll_pci_write32(ports, pci, (uint8_t)(off + 4), UINT32_MAX);
        mask |= (uint64_t)atoll_pci_read32(ports, pci, (uint8_t)(off + 4)) << 32;
        atoll_pci_write32(ports, pci, (uint8_t)(off + 4), hi);
    } else {
        mask |= UINT64_C(0xffffffff00000000);
    }
    /* The size is the lowest address bit the device lets through. */
    return mask == 0 ? 0 : mask & (~mask + 1);
}

uint64_t atoll_device_frames(const struct atoll_bootinfo *bi, uint64_t paddr, uint64_t count,
                             uint64_t (*slot)(void), uint64_t *parent)
{
    unsigned want = PAGE_BITS;
    while ((UINT64_C(1) << (want - PAGE_BITS)) < count)
        want++;
    if (count == 0 || paddr & ((UINT64_C(1) << want) - 1))
        return 0;
    uint64_t cur = 0, base = 0;
    unsigned bits = 0;
    for (uint64_t i = 0; i < bi->untyped_count; i++) {
        const struct atoll_untyped_desc *d = &bi->untyped[i];
        if (d->is_device && paddr >= d->paddr && d->size_bits >= want &&
            paddr - d->paddr < (UINT64_C(1) << d->size_bits)) {
            cur = bi->untyped_first + i;
            base = d->paddr;
            bits = d->size_bits;
            break;
        }
    }
    if (cur == 0)
        return 0;
    *parent = cur;
    while (bits > want) {
        uint64_t halves = slot();
        if (halves == 0 || slot() != halves + 1 ||
            atoll_untyped_retype(cur, ATOLL_OBJECT_UNTYPED, bits - 1, ATOLL_SLOT_ROOT_CNODE, 0, 0,
                                 halves, 2)
                    .code != ATOLL_OK)
            return 0;
        bits--;
        bool upper = paddr >= base + (UINT64_C(1) << bits);
        cur = halves + (upper ? 1 : 0);
        if (upper)
            base += UINT64_C(1) << bits;
    }
    uint64_t first = slot();
    for (uint64_t i = 1; i < count; i++)
        if (first == 0 || slot() != first + i)
            return 0;
    if (first == 0 || atoll_untyped_retype(cur, ATOLL_OBJECT_FRAME_4K, 0, ATOLL_SLOT_ROOT_CNODE, 0,
                                           0, first, count)
                              .code != ATOLL_OK)
        return 0;
    return first;
}
