/* The e1000 driver (services/drivers/e1000/) confined by VT-d, on QEMU's
 * 82540EM attached to a tap in a network namespace the test harness made
 * (ci/scenarios.py: qemu-e1000, the tap at NET.1, we are NET.2).
 *
 * The NIC is bound to an IOSpace of its own; its rings and buffers are 13
 * frames mapped into init at DMA_VA and into the IOSpace at DMA_IOVA, the
 * only memory it can reach; its registers are BAR0's first pages, device
 * frames from the device untyped that covers them. Receive is polled,
 * except in one exchange that shows the NIC's INTx reaching the driver
 * (an IOAPIC line found by asking the NIC for an interrupt).
 *
 *   1. ARP: who has NET.1? The namespace's Linux answers; we print it.
 *      Then an ICMP echo to NET.1 and its reply, and 50 more in a row
 *      (several times round both rings). Then one ARP exchange driven by
 *      the NIC's receive interrupt: the driver blocks in Wait.
 *   2. Hostile DMA with the same NIC: a receive descriptor pointed at an
 *      IOVA that is not mapped but equals the physical address of a frame
 *      init filled with a pattern, one pointed at a page of the kernel
 *      image, and a transmit descriptor that reads that kernel page. Each
 *      must be blocked (the pattern is unchanged; the kernel runs on and
 *      its invariants hold), and each must reach the fault handler (the
 *      notification, then GetFault with the address and the NIC's source
 *      id).
 *   3. The driver resets the NIC and ARP works again.
 *   4. Unbound while running, the NIC cannot even fetch its transmit
 *      ring: blocked and reported too.
 *
 * Without an 82540EM (every other scenario but qemu-e1000-no-iommu) the
 * group says so and skips. With one but no remapping unit
 * (qemu-e1000-no-iommu) it refuses to start the driver: it only runs
 * with its device confined.
 *
 * Slots come from [empty_first + 6912, empty_first + 7168). */
#include "../drivers/e1000/e1000.h"
#include "atoll/irq.h"
#include "ether.h"
#include "iommu.h"
#include "pci.h"
#include "test.h"
#include "tests.h"
#include "vspace.h"

#define ROOT   ATOLL_SLOT_ROOT_CNODE
#define DEPTH  64
#define VSPACE ATOLL_SLOT_ROOT_VSPACE

#define SLOTS_FROM  6912
#define SLOTS_COUNT 256

#define PAGE UINT64_C(0x1000)
/* Free in init's VSpace: PML4 entry 97 (test_iommu.c uses 96). One page
 * table covers registers, DMA area and the pattern page. */
#define VA         UINT64_C(0x0000308000000000)
#define BAR_PAGES  8 /* every register the driver touches is below 0x6000 */
#define DMA_VA     (VA + 0x10000)
#define PATTERN_VA (VA + 0x30000)
_Static_assert(BAR_PAGES * 0x1000 <= 0x10000 && DMA_VA + E1000_DMA_BYTES <= PATTERN_VA,
               "the windows do not overlap");

/* Where the device sees its DMA area: not its physical address, so a
 * device that ignored the IOSpace would miss its own rings. */
#define DMA_IOVA     UINT64_C(0x40000000)
#define IOSPACE_BITS 16
/* A page of the kernel image: it is loaded at 2 MiB (arch/x86_64/
 * linker.ld, KERNEL_PHYS) and its text alone is longer than 64 KiB. */
#define KERNEL_PAGE UINT64_C(0x210000)

/* The harness's tap (ci/scenarios.py, tap_net "10.69.0"). */
#define TAP_IP ETHER_IPV4(10, 69, 0, 1)
#define OUR_IP ETHER_IPV4(10, 69, 0, 2)

#define FAULT_BADGE UINT64_C(0x200)
/* q35 routes PCI INTx to the IOAPIC's GSIs 16-23 (PIRQA-H), level
 * triggered, active high (QEMU's DSDT). Which one the NIC's INTA reaches
 * depends on its slot: the test asks the NIC for an interrupt and looks. */
#define PCI_GSI_FIRST 16
#define PCI_GSI_COUNT 8
#define PATTERN_BYTE  0x5a
#define ECHO_ID       0x7011
#define ECHO_BYTES    32
/* Several times round both rings (E1000_RX_COUNT, E1000_TX_COUNT). */
#define PING_BURST 50u
/* Waits, in yields (about a microsecond each, more under load): QEMU's
 * e1000 takes no frame for a second after receive is switched on. */
#define RX_WAIT_YIELDS    30000000u
#define LINK_WAIT_YIELDS  1000000u
#define FAULT_EVENT_POLLS 200000u

static uint64_t next_slot, last_slot;
static uint64_t ut, ports, device_parent;
static uint64_t nic_pci;
static volatile uint8_t *regs;
static struct e1000 nic;
static uint8_t frame[E1000_RX_BUFFER_SIZE];
static uint8_t tap_mac[ETHER_ADDR_LEN];
static uint16_t echo_seq;

static uint64_t slot(void)
{
    return next_slot < last_slot ? next_slot++ : 0;
}

static uint64_t slots(uint64_t n)
{
    uint64_t first = slot();
    for (uint64_t i = 1; i < n; i++)
        if (slot() == 0)
            return 0;
    return first;
}

static uint32_t mmio_read(void *ctx, uint32_t reg)
{
    (void)ctx;
    return reg < BAR_PAGES * PAGE ? *(volatile uint32_t *)(regs + reg) : UINT32_MAX;
}

static void mmio_write(void *ctx, uint32_t reg, uint32_t value)
{
    (void)ctx;
    if (reg < BAR_PAGES * PAGE)
        *(volatile uint32_t *)(regs + reg) = value;
}

static void relax(void *ctx)
{
    (void)ctx;
    atoll_yield();
}

static const struct e1000_io mmio = {mmio_read, mmio_write, relax, NULL};

static const char *device_name(uint64_t pci)
{
    return pci == nic_pci ? "e1000" : NULL;
}

static void print_mac(const char *prefix, const uint8_t *m, const char *suffix)
{
    printf("%s%02x:%02x:%02x:%02x:%02x:%02x%s", prefix, m[0], m[1], m[2], m[3], m[4], m[5], suffix);
}

static bool same_mac(const uint8_t *a, const uint8_t *b)
{
    for (unsigned i = 0; i < ETHER_ADDR_LEN; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

static bool is_arp_reply(const uint8_t *f, size_t n)
{
    struct ether_arp a;
    if (!ether_arp_parse(f, n, &a) || a.op != ARP_OP_REPLY || a.sender_ip != TAP_IP ||
        a.target_ip != OUR_IP || !same_mac(a.target_mac, nic.mac))
        return false;
    for (unsigned i = 0; i < ETHER_ADDR_LEN; i++)
        tap_mac[i] = a.sender_mac[i];
    return true;
}

static bool is_echo_reply(const uint8_t *f, size_t n)
{
    struct ether_echo e;
    if (!ether_icmp_echo_parse(f, n, &e) || e.type != ICMP_ECHO_REPLY || e.src_ip != TAP_IP ||
        e.dst_ip != OUR_IP || e.id != (uint16_t)ECHO_ID || e.seq != echo_seq ||
        e.payload_len != ECHO_BYTES)
        return false;
    for (unsigned i = 0; i < ECHO_BYTES; i++)
        if (e.payload[i] != (uint8_t)(i + echo_seq))
            return false;
    return true;
}

/* Polls until a frame `want` accepts arrives (others are dropped): its
 * length, or 0 when none came in time. */
static int wait_frame(bool (*want)(const uint8_t *, size_t))
{
    return e1000_receive_matching(&nic, frame, sizeof(frame), want, RX_WAIT_YIELDS);
}

/* The next descriptor the NIC completes, whatever it holds. */
static int wait_any_frame(void)
{
    for (uint32_t i = 0; i < RX_WAIT_YIELDS; i++) {
        int n = e1000_receive(&nic, frame, sizeof(frame));
        if (n != 0)
            return n;
        atoll_yield();
    }
    return 0;
}

static int send_arp_request(void)
{
    uint8_t f[ARP_FRAME_LEN];
    size_t n = ether_arp_request(f, sizeof(f), nic.mac, OUR_IP, TAP_IP);
    return e1000_transmit(&nic, f, n);
}

static bool arp_round_trip(const char *test_name)
{
    TEST_EQ("e1000.arp_request_queued", send_arp_request(), E1000_OK);
    bool got = wait_frame(is_arp_reply) > 0;
    test_result(test_name, got, "no ARP reply from the tap in %u polls", RX_WAIT_YIELDS);
    if (got)
        print_mac("init: e1000: arp reply: 10.69.0.1 is at ", tap_mac, "\n");
    return got;
}

/* One ping to the tap: true when its reply came. */
static bool ping(void)
{
    uint8_t payload[ECHO_BYTES],
        f[ETHER_HEADER_LEN + IPV4_HEADER_LEN + ICMP_HEADER_LEN + ECHO_BYTES];
    echo_seq++;
    for (unsigned i = 0; i < ECHO_BYTES; i++)
        payload[i] = (uint8_t)(i + echo_seq);
    size_t n = ether_icmp_echo(f, sizeof(f), nic.mac, tap_mac, OUR_IP, TAP_IP, (uint16_t)ECHO_ID,
                               echo_seq, payload, sizeof(payload));
    return e1000_transmit(&nic, f, n) == E1000_OK && wait_frame(is_echo_reply) > 0;
}

static void echo_round_trip(void)
{
    bool got = ping();
    test_result("e1000.echo_reply_received", got, "no echo reply to seq %u", echo_seq);
    if (got)
        printf("init: e1000: echo reply from 10.69.0.1: seq %u, %u bytes\n", echo_seq, ECHO_BYTES);
}

/* Pings in a row, around both rings several times. */
static void ping_burst(void)
{
    unsigned replies = 0;
    uint64_t t0 = atoll_rdtsc();
    for (unsigned i = 0; i < PING_BURST; i++)
        replies += ping();
    uint64_t ticks = (atoll_rdtsc() - t0) / PING_BURST;
    TEST_EQ("e1000.every_ping_of_a_burst_answered", replies, PING_BURST);
    printf("init: e1000: %u of %u echo replies in a row (rings wrapped), %lu TSC ticks per "
           "round trip\n",
           replies, PING_BURST, ticks);
}

static struct atoll_error_detail irq_get(uint64_t dest, uint64_t gsi)
{
    uint64_t w[ATOLL_IRQ_GET_IOAPIC_ARGS] = {
        dest, DEPTH, gsi, ATOLL_IRQ_TRIGGER_LEVEL, ATOLL_IRQ_POLARITY_HIGH, 0};
    uint64_t root = ROOT;
    return atoll_invoke(ATOLL_SLOT_IRQ_CONTROL, ATOLL_IRQ_CONTROL_GET_IOAPIC, w,
                        ATOLL_IRQ_GET_IOAPIC_ARGS, &root, 1);
}

static uint64_t wait_for(uint64_t ntfn)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    return atoll_syscall(ATOLL_SYS_WAIT, ntfn, 0, mr).badge;
}

/* Interrupt-driven receive over INTx: a handler for each of q35's PCI
 * lines, one notification with a badge bit per line; the NIC raises its
 * receive cause (ICS) and the bit that arrives names its line. Then the
 * driver sends an ARP request and blocks in Wait until the NIC's
 * interrupt wakes it, with the reply in the ring. The handlers go again
 * at the end (deleting a handler releases its line). */
static void interrupt_receive(void)
{
    uint64_t ntfn = slot(), handlers = slots(PCI_GSI_COUNT), badged = slots(PCI_GSI_COUNT);
    bool ok = handlers != 0 && badged != 0 &&
              atoll_untyped_retype(ut, ATOLL_OBJECT_NOTIFICATION, 0, ROOT, 0, 0, ntfn, 1).code ==
                  ATOLL_OK;
    for (unsigned i = 0; ok && i < PCI_GSI_COUNT; i++) {
        uint64_t b = badged + i;
        ok = irq_get(handlers + i, PCI_GSI_FIRST + i).code == ATOLL_OK &&
             atoll_cnode_copy_op(ATOLL_CNODE_MINT, ROOT, b, DEPTH, ROOT, ntfn, DEPTH,
                                 ATOLL_RIGHTS_ALL, UINT64_C(1) << i)
                     .code == ATOLL_OK &&
             atoll_invoke(handlers + i, ATOLL_IRQ_HANDLER_SET_NOTIFICATION, NULL, 0, &b,
                          ATOLL_IRQ_SET_NOTIFICATION_EXTRA_CAPS)
                     .code == ATOLL_OK;
    }
    TEST_EQ("e1000.setup_pci_interrupt_lines", ok, true);
    if (ok) {
        atoll_poll(ntfn);
        e1000_interrupts_on(&nic);
        e1000_interrupt_raise(&nic, E1000_INT_RXT0);
        uint64_t line = atoll_poll_for(ntfn, FAULT_EVENT_POLLS);
        e1000_interrupt_causes(&nic); /* the NIC drops INTx */
        unsigned gsi = PCI_GSI_FIRST + (unsigned)__builtin_ctzll(line | UINT64_C(1) << 63);
        test_result("e1000.intx_reaches_one_line", line != 0 && (line & (line - 1)) == 0,
                    "badge bits 0x%lx", line);
        if (line != 0 && (line & (line - 1)) == 0) {
            /* The line is found: now sleep until the NIC has a frame. */
            while (e1000_receive(&nic, frame, sizeof(frame)) != 0)
                ;
            atoll_poll(ntfn);
            send_arp_request();
            uint64_t woke = wait_for(ntfn);
            uint32_t causes = e1000_interrupt_causes(&nic);
            int n = wait_frame(is_arp_reply);
            bool worked = woke == line && (causes & E1000_INT_RXT0) && n > 0;
            test_result("e1000.receive_interrupt_wakes_the_driver", worked,
                        "woke with 0x%lx (line 0x%lx), causes 0x%x, frame %d", woke, line, causes,
                        n);
            if (worked)
                printf("init: e1000: receive interrupt on GSI %u (INTx, level): Wait woke with the "
                       "ARP reply in the ring\n",
                       gsi);
        }
    }
    e1000_interrupts_off(&nic);
    for (unsigned i = 0; handlers && i < PCI_GSI_COUNT; i++)
        atoll_cnode_slot_op(ATOLL_CNODE_DELETE, ROOT, handlers + i, DEPTH);
}

/* Nothing pending, events unmasked, notification clear. */
static void quiet_faults(uint64_t ntfn)
{
    atoll_iommu_drain_faults(device_name);
    atoll_poll(ntfn);
}

/* The handler's view of one blocked DMA: the event, then a record with
 * the page, the NIC's source id and the direction. */
static void expect_fault(const char *name, uint64_t ntfn, uint64_t address, bool read)
{
    uint64_t badge = atoll_poll_for(ntfn, FAULT_EVENT_POLLS);
    struct atoll_error_detail f = atoll_iommu_drain_faults(device_name);
    bool is_read = (f.argument & ATOLL_IOMMU_FAULT_READ) != 0;
    test_result(name,
                badge == FAULT_BADGE && (f.argument & ATOLL_IOMMU_FAULT_VALID) &&
                    f.value0 == nic_pci && f.value1 == (address & ~(PAGE - 1)) && is_read == read,
                "badge 0x%lx flags 0x%lx source 0x%lx address 0x%lx (want 0x%lx from 0x%lx, %s)",
                badge, f.argument, f.value0, f.value1, address, nic_pci, read ? "read" : "write");
}

/* A receive descriptor aimed at `target`, outside the IOSpace; the frame
 * that fills it is the tap's ARP reply. */
static void hostile_receive(const char *completed, const char *faulted, uint64_t ntfn,
                            uint64_t target)
{
    quiet_faults(ntfn);
    /* Frames that came meanwhile go first: the redirect must hit the
     * descriptor the NIC fills next. */
    while (e1000_receive(&nic, frame, sizeof(frame)) != 0)
        ;
    e1000_rx_redirect_next(&nic, target);
    send_arp_request();
    int n = wait_any_frame();
    test_result(completed, n != 0, "the NIC never completed the redirected descriptor");
    expect_fault(faulted, ntfn, target, false);
}

static bool map_windows(const struct atoll_bootinfo *bi, uint64_t space, uint64_t *pattern)
{
    uint64_t bar0 = atoll_pci_bar(ports, nic_pci, 0);
    uint64_t bar = atoll_device_frames(bi, bar0, BAR_PAGES, slot, &device_parent);
    uint64_t tables = slots(3), dma = slots(E1000_DMA_PAGES), io = slots(E1000_DMA_PAGES);
    *pattern = slot();
    bool ok =
        bar != 0 && *pattern != 0 &&
        atoll_untyped_retype(ut, ATOLL_OBJECT_PDPT, 0, ROOT, 0, 0, tables, 1).code == ATOLL_OK &&
        atoll_untyped_retype(ut, ATOLL_OBJECT_PD, 0, ROOT, 0, 0, tables + 1, 1).code == ATOLL_OK &&
        atoll_untyped_retype(ut, ATOLL_OBJECT_PT, 0, ROOT, 0, 0, tables + 2, 1).code == ATOLL_OK &&
        atoll_untyped_retype(ut, ATOLL_OBJECT_FRAME_4K, 0, ROOT, 0, 0, dma, E1000_DMA_PAGES).code ==
            ATOLL_OK &&
        atoll_untyped_retype(ut, ATOLL_OBJECT_FRAME_4K, 0, ROOT, 0, 0, *pattern, 1).code ==
            ATOLL_OK;
    for (unsigned i = 0; ok && i < 3; i++)
        ok = atoll_page_table_map(tables + i, VSPACE, VA).code == ATOLL_OK;
    ok = ok &&
         atoll_vspace_map_frames(VSPACE, VA, ATOLL_RIGHTS_RW, ATOLL_VM_UNCACHED, ROOT, 0, 0, bar,
                                 BAR_PAGES)
                 .code == ATOLL_OK &&
         atoll_vspace_map_frames(VSPACE, DMA_VA, ATOLL_RIGHTS_RW, 0, ROOT, 0, 0, dma,
                                 E1000_DMA_PAGES)
                 .code == ATOLL_OK &&
         atoll_frame_map(*pattern, VSPACE, PATTERN_VA, ATOLL_RIGHTS_RW, 0).code == ATOLL_OK;
    /* The device's view: copies of the same frames in the IOSpace. */
    for (unsigned i = 0; ok && i < E1000_DMA_PAGES; i++)
        ok = atoll_cnode_copy_op(ATOLL_CNODE_COPY, ROOT, io + i, DEPTH, ROOT, dma + i, DEPTH,
                                 ATOLL_RIGHTS_ALL, 0)
                     .code == ATOLL_OK &&
             atoll_iospace_map(space, io + i, DMA_IOVA + i * PAGE, ATOLL_IO_READ | ATOLL_IO_WRITE)
                     .code == ATOLL_OK;
    test_result("e1000.setup_windows", ok, "bar0 0x%lx frames at slot %lu", bar0, bar);
    regs = (volatile uint8_t *)VA;
    return ok;
}

static void run(const struct atoll_bootinfo *bi)
{
    uint64_t space = slot(), ntfn = slot(), badged = slot(), pattern = 0;
    bool ok =
        atoll_untyped_retype(ut, ATOLL_OBJECT_IOSPACE, IOSPACE_BITS, ROOT, 0, 0, space, 1).code ==
            ATOLL_OK &&
        atoll_untyped_retype(ut, ATOLL_OBJECT_NOTIFICATION, 0, ROOT, 0, 0, ntfn, 1).code ==
            ATOLL_OK &&
        atoll_cnode_copy_op(ATOLL_CNODE_MINT, ROOT, badged, DEPTH, ROOT, ntfn, DEPTH,
                            ATOLL_RIGHTS_ALL, FAULT_BADGE)
                .code == ATOLL_OK;
    TEST_EQ("e1000.setup_iospace", ok, true);
    if (!ok || !map_windows(bi, space, &pattern))
        return;
    bool bound = atoll_iommu_bind(space, nic_pci).code == ATOLL_OK;
    TEST_EQ("e1000.bind_ok", bound, true);
    TEST_EQ("e1000.fault_notification_ok", atoll_iommu_set_fault_notification(badged).code,
            ATOLL_OK);
    quiet_faults(ntfn);
    uint32_t cmd = atoll_pci_read32(ports, nic_pci, PCI_COMMAND) & 0xffff;
    atoll_pci_write32(ports, nic_pci, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);

    int r = e1000_init(&nic, &mmio, (void *)DMA_VA, DMA_IOVA);
    TEST_EQ("e1000.init_ok", (uint64_t)(int64_t)r, E1000_OK);
    if (r != E1000_OK)
        goto out;
    printf("init: e1000: " ATOLL_PCI_FORMAT " in an IOSpace, rings and buffers at iova 0x%lx, ",
           ATOLL_PCI_FORMAT_ARGS(nic_pci), DMA_IOVA);
    print_mac("mac ", nic.mac, ", receive polled\n");
    TEST_EQ("e1000.mac_is_unicast", nic.mac[0] & 1, 0);
    unsigned waits = 0;
    while (!e1000_link_up(&nic) && waits++ < LINK_WAIT_YIELDS)
        atoll_yield();
    TEST_EQ("e1000.link_up", e1000_link_up(&nic), true);

    if (!arp_round_trip("e1000.arp_reply_received"))
        goto out;
    echo_round_trip();
    ping_burst();
    interrupt_receive();
    TEST_EQ("e1000.no_fault_for_own_buffers",
            atoll_iommu_drain_faults(device_name).argument & ATOLL_IOMMU_FAULT_VALID, 0);

    /* Hostile DMA. The pattern frame's physical address is an IOVA that
     * nothing maps: an untranslated write would land in the frame. */
    volatile uint8_t *pat = (volatile uint8_t *)PATTERN_VA;
    for (unsigned i = 0; i < PAGE; i++)
        pat[i] = PATTERN_BYTE;
    uint64_t pattern_paddr = 0;
    atoll_frame_get_address(pattern, &pattern_paddr);
    test_result("e1000.pattern_address_is_not_in_the_iospace",
                pattern_paddr != 0 && (pattern_paddr + PAGE <= DMA_IOVA ||
                                       pattern_paddr >= DMA_IOVA + E1000_DMA_BYTES),
                "pattern frame at 0x%lx", pattern_paddr);
    hostile_receive("e1000.rx_to_init_frame_completed", "e1000.rx_to_init_frame_faults", ntfn,
                    pattern_paddr);
    unsigned changed = 0;
    for (unsigned i = 0; i < PAGE; i++)
        changed += pat[i] != PATTERN_BYTE;
    TEST_EQ("e1000.rx_to_init_frame_left_it_unchanged", changed, 0);
    hostile_receive("e1000.rx_to_kernel_page_completed", "e1000.rx_to_kernel_page_faults", ntfn,
                    KERNEL_PAGE);
    quiet_faults(ntfn);
    TEST_EQ("e1000.tx_from_kernel_page_queued", e1000_transmit_iova(&nic, KERNEL_PAGE, 64),
            E1000_OK);
    for (waits = 0; e1000_tx_reclaim(&nic) && waits < RX_WAIT_YIELDS; waits++)
        atoll_yield();
    expect_fault("e1000.tx_from_kernel_page_faults", ntfn, KERNEL_PAGE, true);
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    TEST_EQ("e1000.kernel_invariants_hold_after_hostile_dma",
            atoll_syscall(ATOLL_SYS_DEBUG_CHECK, 0, 0, mr).error, ATOLL_OK);

    /* The system and the NIC carry on. */
    TEST_EQ("e1000.reset_ok", (uint64_t)(int64_t)e1000_reset(&nic), E1000_OK);
    if (arp_round_trip("e1000.arp_after_reset")) {
        echo_round_trip();
        printf("init: e1000: after 3 blocked DMAs and a reset the NIC sends and receives "
               "(%lu frames in, %lu out)\n",
               nic.rx_frames, nic.tx_frames);
    }
    /* Unbound while it runs, the NIC reaches nothing, not even its rings:
     * the fetch of the next transmit descriptor is blocked. */
    quiet_faults(ntfn);
    TEST_EQ("e1000.unbind_ok", atoll_iommu_unbind(nic_pci).code, ATOLL_OK);
    bound = false;
    send_arp_request();
    expect_fault("e1000.unbound_nic_cannot_read_its_ring", ntfn, DMA_IOVA + E1000_TX_RING_OFFSET,
                 true);
out:
    e1000_stop(&nic);
    atoll_pci_write32(ports, nic_pci, PCI_COMMAND, cmd);
    if (bound)
        TEST_EQ("e1000.unbind_ok", atoll_iommu_unbind(nic_pci).code, ATOLL_OK);
    quiet_faults(ntfn);
}

void tests_e1000(const struct atoll_bootinfo *bi)
{
    next_slot = bi->empty_first + SLOTS_FROM;
    last_slot = next_slot + SLOTS_COUNT;
    if (last_slot > bi->empty_last)
        last_slot = bi->empty_last;
    ports = slot();
    TEST_EQ("e1000.setup_pci_ports", atoll_pci_ports_issue(ports).code, ATOLL_OK);
    if (!atoll_pci_find(ports, E1000_VENDOR_INTEL, E1000_DEVICE_82540EM, &nic_pci)) {
        printf("init: e1000: no 82540EM on PCI bus 0, NIC tests skipped\n");
    } else if (bi->iommu_units == 0) {
        printf("init: e1000: " ATOLL_PCI_FORMAT " not started: no remapping unit is up, and the "
               "driver runs only with its device in an IOSpace\n",
               ATOLL_PCI_FORMAT_ARGS(nic_pci));
    } else {
        ut = slot();
        uint64_t code = atoll_untyped_carve(bi, 20, ut);
        TEST_EQ("e1000.setup_untyped", code, ATOLL_OK);
        if (code == ATOLL_OK)
            run(bi);
        /* Everything goes: frames, tables, IOSpace, notification. */
        if (ut)
            atoll_cnode_slot_op(ATOLL_CNODE_REVOKE, ROOT, ut, DEPTH);
        if (device_parent)
            atoll_cnode_slot_op(ATOLL_CNODE_REVOKE, ROOT, device_parent, DEPTH);
    }
    atoll_cnode_slot_op(ATOLL_CNODE_DELETE, ROOT, ports, DEPTH);
}
