/* User-level tests of IRQControl/IRQHandler and IOPortControl/IOPort
 * capabilities (atoll/irq.h) on the devices every PC platform we boot on
 * has: the CMOS real-time clock (ports 0x70-0x71) and the 8254 PIT
 * (ports 0x40-0x43, ISA IRQ 0).
 *
 * Interrupt waits never block: they Poll (with a Yield) a bounded number
 * of times and fail the test rather than hang. */
#include <stdbool.h>

#include "tests.h"
#include "test.h"
#include "atoll/irq.h"
#include "atoll/tcb.h"
#include "i8254.h"

#define ROOT    ATOLL_SLOT_ROOT_CNODE
#define DEPTH   64
#define UT_BITS 16

/* CMOS RTC (MC146818 data sheet): index port, data port, registers. */
#define CMOS_INDEX       0x70
#define CMOS_DATA        0x71
#define RTC_SECONDS      0x00
#define RTC_STATUS_A     0x0a
#define RTC_STATUS_B     0x0b
#define RTC_A_UPDATING   0x80
#define RTC_B_BINARY     0x04
#define RTC_UIP_POLLS    10000
#define RTC_SECONDS_SKEW 2

/* The PC's first serial port, which the kernel's console also writes. */
#define COM1_FIRST 0x3f8
#define COM1_LAST  0x3ff

/* Poll bound for one interrupt: at 1 kHz far beyond one period on QEMU
 * (microseconds per iteration) and on Bochs (100 M instructions per
 * emulated second). */
#define POLL_LIMIT      200000u
#define QUIET_MIN_POLLS 5000u
#define PIT_DELIVERIES  5

#define DRIVER_PRIORITY 200 /* above init's: runs as soon as it is woken */

#define IRQ_BADGE 0x20
#define MSI_BUS   0
#define MSI_DEV   3
#define MSI_FN    0
/* VT-d 5.1.2.2: remappable-format MSI address bits. */
#define MSI_ADDRESS_REMAPPABLE (UINT64_C(1) << 4)
#define MSI_ADDRESS_SHV        (UINT64_C(1) << 3)

/* The kernel hands out remappable MSI pairs (bootinfo feature). */
static bool irq_remapping;

static uint64_t next_slot;
static uint64_t untyped;

static uint64_t slot(void)
{
    return next_slot++;
}

static uint64_t make(uint64_t type)
{
    uint64_t s = slot();
    struct atoll_error_detail e = atoll_untyped_retype(untyped, type, 0, ROOT, 0, 0, s, 1);
    if (e.code)
        printf("init: irq: retype of type %lu failed: %lu\n", type, e.code);
    return s;
}

static uint64_t mint(uint64_t src, uint64_t rights, uint64_t badge)
{
    uint64_t s = slot();
    atoll_cnode_copy_op(ATOLL_CNODE_MINT, ROOT, s, DEPTH, ROOT, src, DEPTH, rights, badge);
    return s;
}

static struct atoll_error_detail copy_cap(uint64_t dest, uint64_t src)
{
    return atoll_cnode_copy_op(ATOLL_CNODE_COPY, ROOT, dest, DEPTH, ROOT, src, DEPTH,
                               ATOLL_RIGHTS_ALL, 0);
}

static struct atoll_error_detail delete_cap(uint64_t s)
{
    return atoll_cnode_slot_op(ATOLL_CNODE_DELETE, ROOT, s, DEPTH);
}

static void yield(void)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    atoll_syscall(ATOLL_SYS_YIELD, 0, 0, mr);
}

static uint64_t poll(uint64_t ntfn)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    return atoll_syscall(ATOLL_SYS_POLL, ntfn, 0, mr).badge;
}

/* ---- I/O ports ---- */

static struct atoll_error_detail ioport_issue(uint64_t dest, uint64_t first, uint64_t last)
{
    uint64_t w[ATOLL_IOPORT_ISSUE_ARGS] = {dest, DEPTH, first, last};
    uint64_t root = ROOT;
    return atoll_invoke(ATOLL_SLOT_IOPORT_CONTROL, ATOLL_IOPORT_CONTROL_ISSUE, w,
                        ATOLL_IOPORT_ISSUE_ARGS, &root, 1);
}

/* In: the value read is reply word 0, which atoll_invoke returns in
 * `argument`. */
static struct atoll_error_detail port_in(uint64_t cap, uint64_t label, uint64_t port)
{
    return atoll_invoke(cap, label, &port, ATOLL_IOPORT_IN_ARGS, NULL, 0);
}

static struct atoll_error_detail port_out(uint64_t cap, uint64_t label, uint64_t port,
                                          uint64_t value)
{
    uint64_t w[ATOLL_IOPORT_OUT_ARGS] = {port, value};
    return atoll_invoke(cap, label, w, ATOLL_IOPORT_OUT_ARGS, NULL, 0);
}

static uint64_t cmos_read(uint64_t rtc, uint64_t reg)
{
    port_out(rtc, ATOLL_IOPORT_OUT8, CMOS_INDEX, reg);
    return port_in(rtc, ATOLL_IOPORT_IN8, CMOS_DATA).argument;
}

/* Seconds as a number, or 60+ when the register holds no valid value. */
static uint64_t rtc_seconds(uint64_t rtc, bool binary)
{
    for (unsigned i = 0; i < RTC_UIP_POLLS; i++)
        if (!(cmos_read(rtc, RTC_STATUS_A) & RTC_A_UPDATING))
            break;
    uint64_t s = cmos_read(rtc, RTC_SECONDS);
    if (binary)
        return s;
    if ((s & 0xf) > 9 || (s >> 4) > 5)
        return 0x100 | s;
    return (s >> 4) * 10 + (s & 0xf);
}

static void test_rtc(uint64_t rtc)
{
    bool binary = (cmos_read(rtc, RTC_STATUS_B) & RTC_B_BINARY) != 0;
    uint64_t s1 = rtc_seconds(rtc, binary);
    test_result("ioport.rtc_seconds_sane", s1 < 60, "expected seconds 0-59 (%s), got 0x%lx",
                binary ? "binary" : "BCD", s1);
    uint64_t s2 = rtc_seconds(rtc, binary);
    test_result("ioport.rtc_seconds_read_again_consistent",
                s2 < 60 && (s2 + 60 - s1) % 60 <= RTC_SECONDS_SKEW,
                "expected %lu to %lu, got 0x%lx", s1, (s1 + RTC_SECONDS_SKEW) % 60, s2);
}

static void test_ioports(void)
{
    uint64_t rtc = slot();
    TEST_EQ("ioport.issue_rtc_ok", ioport_issue(rtc, CMOS_INDEX, CMOS_DATA).code, ATOLL_OK);
    test_rtc(rtc);

    struct atoll_error_detail e = port_in(rtc, ATOLL_IOPORT_IN8, CMOS_DATA + 1);
    TEST_EQ("ioport.in_outside_range_is_range_error", e.code, ATOLL_ERR_RANGE_ERROR);
    test_result("ioport.range_error_names_the_bounds",
                e.argument == ATOLL_IOPORT_ARG_PORT && e.value0 == CMOS_INDEX &&
                    e.value1 == CMOS_DATA,
                "expected argument 0, bounds 0x70-0x71, got %lu, 0x%lx-0x%lx", e.argument, e.value0,
                e.value1);
    e = port_in(rtc, ATOLL_IOPORT_IN16, CMOS_DATA);
    test_result("ioport.in16_past_last_port_is_range_error",
                e.code == ATOLL_ERR_RANGE_ERROR && e.value1 == CMOS_INDEX,
                "expected RANGE_ERROR with last start 0x70, got %lu, 0x%lx", e.code, e.value1);
    e = port_out(rtc, ATOLL_IOPORT_OUT8, CMOS_INDEX, 0x100);
    test_result("ioport.out8_value_above_0xff_is_range_error",
                e.code == ATOLL_ERR_RANGE_ERROR && e.argument == ATOLL_IOPORT_ARG_VALUE,
                "expected RANGE_ERROR on word 1, got %lu on word %lu", e.code, e.argument);
    TEST_EQ("ioport.missing_port_word_is_truncated",
            atoll_invoke(rtc, ATOLL_IOPORT_IN8, NULL, 0, NULL, 0).code,
            ATOLL_ERR_TRUNCATED_MESSAGE);
    TEST_EQ("ioport.irq_label_on_ioport_is_illegal",
            atoll_invoke(rtc, ATOLL_IRQ_HANDLER_ACK, NULL, 0, NULL, 0).code,
            ATOLL_ERR_ILLEGAL_OPERATION);

    uint64_t other = slot();
    e = ioport_issue(other, CMOS_DATA, CMOS_DATA + 1);
    test_result("ioport.issue_overlapping_range_is_revoke_first",
                e.code == ATOLL_ERR_REVOKE_FIRST && e.value0 == CMOS_DATA,
                "expected REVOKE_FIRST at 0x71, got %lu at 0x%lx", e.code, e.value0);
    TEST_EQ("ioport.issue_reversed_range_is_range_error", ioport_issue(other, 0x81, 0x80).code,
            ATOLL_ERR_RANGE_ERROR);
    e = ioport_issue(other, 0x10000, 0x10000);
    test_result("ioport.issue_past_port_0xffff_is_range_error",
                e.code == ATOLL_ERR_RANGE_ERROR && e.value1 == 0xffff,
                "expected RANGE_ERROR up to 0xffff, got %lu up to 0x%lx", e.code, e.value1);
    /* The kernel's console only writes COM1: a driver may own it. */
    TEST_EQ("ioport.issue_console_uart_ok", ioport_issue(other, COM1_FIRST, COM1_LAST).code,
            ATOLL_OK);
    delete_cap(other);
    TEST_EQ("ioport.issue_into_occupied_slot_is_delete_first", ioport_issue(rtc, 0x80, 0x80).code,
            ATOLL_ERR_DELETE_FIRST);
    uint64_t w[3] = {other, DEPTH, 0x80};
    uint64_t root = ROOT;
    TEST_EQ(
        "ioport.issue_with_three_words_is_truncated",
        atoll_invoke(ATOLL_SLOT_IOPORT_CONTROL, ATOLL_IOPORT_CONTROL_ISSUE, w, 3, &root, 1).code,
        ATOLL_ERR_TRUNCATED_MESSAGE);
    TEST_EQ("ioport.control_cannot_be_copied", copy_cap(other, ATOLL_SLOT_IOPORT_CONTROL).code,
            ATOLL_ERR_ILLEGAL_OPERATION);

    /* Copies share the range; it is free again only when the last goes. */
    uint64_t copy = slot();
    TEST_EQ("ioport.copy_ok", copy_cap(copy, rtc).code, ATOLL_OK);
    delete_cap(rtc);
    e = port_in(copy, ATOLL_IOPORT_IN8, CMOS_DATA);
    TEST_EQ("ioport.copy_works_after_original_deleted", e.code, ATOLL_OK);
    TEST_EQ("ioport.range_stays_issued_while_a_copy_lives",
            ioport_issue(rtc, CMOS_INDEX, CMOS_DATA).code, ATOLL_ERR_REVOKE_FIRST);
    delete_cap(copy);
    TEST_EQ("ioport.deleting_last_copy_frees_the_range",
            ioport_issue(rtc, CMOS_INDEX, CMOS_DATA).code, ATOLL_OK);
    delete_cap(rtc);
}

/* ---- interrupts ---- */

static struct atoll_error_detail irq_get_ioapic(uint64_t dest, uint64_t irq, uint64_t trigger,
                                                uint64_t polarity, uint64_t isa)
{
    uint64_t w[ATOLL_IRQ_GET_IOAPIC_ARGS] = {dest, DEPTH, irq, trigger, polarity, isa};
    uint64_t root = ROOT;
    return atoll_invoke(ATOLL_SLOT_IRQ_CONTROL, ATOLL_IRQ_CONTROL_GET_IOAPIC, w,
                        ATOLL_IRQ_GET_IOAPIC_ARGS, &root, 1);
}

static struct atoll_error_detail irq_get_pit(uint64_t dest)
{
    return irq_get_ioapic(dest, PIT_ISA_IRQ, 0, 0, 1);
}

static struct atoll_error_detail irq_get_msi(uint64_t dest, uint64_t device, uint64_t index)
{
    uint64_t w[ATOLL_IRQ_GET_MSI_ARGS] = {dest, DEPTH, MSI_BUS, device, MSI_FN, 0x1234, index};
    uint64_t root = ROOT;
    return atoll_invoke(ATOLL_SLOT_IRQ_CONTROL, ATOLL_IRQ_CONTROL_GET_MSI, w,
                        ATOLL_IRQ_GET_MSI_ARGS, &root, 1);
}

static struct atoll_error_detail set_notification(uint64_t handler, uint64_t ntfn)
{
    return atoll_invoke(handler, ATOLL_IRQ_HANDLER_SET_NOTIFICATION, NULL, 0, &ntfn, 1);
}

static struct atoll_error_detail handler_op(uint64_t handler, uint64_t label)
{
    return atoll_invoke(handler, label, NULL, 0, NULL, 0);
}

/* Polls until `badge` arrives; returns the polls it took, or POLL_LIMIT
 * when it never did. Never calls IRQHandler_Ack. */
static unsigned wait_badge(uint64_t ntfn, uint64_t badge)
{
    for (unsigned i = 0; i < POLL_LIMIT; i++) {
        if (poll(ntfn) & badge)
            return i;
        yield();
    }
    return POLL_LIMIT;
}

/* The same through an endpoint NBRecv of a thread the notification is
 * bound to. */
static unsigned wait_badge_bound(uint64_t ep, uint64_t badge)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    for (unsigned i = 0; i < POLL_LIMIT; i++) {
        if (atoll_syscall_reply(ATOLL_SYS_NBRECV, ep, 0, mr, 0).badge & badge)
            return i;
        yield();
    }
    return POLL_LIMIT;
}

/* A driver thread in the usual shape: Wait, serve the device, Wait. It
 * never acknowledges: each Wait does. */
static volatile uint64_t driver_waits;
static _Alignas(16) uint8_t driver_stack[4096];

static void irq_driver(uint64_t ntfn)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    for (int i = 0; i < PIT_DELIVERIES; i++) {
        struct atoll_syscall_result r = atoll_syscall(ATOLL_SYS_WAIT, ntfn, 0, mr);
        if (r.error != ATOLL_OK || !(r.badge & IRQ_BADGE))
            break;
        driver_waits++;
    }
    atoll_debug_exit(0);
}

static void pit_start(uint64_t pit)
{
    port_out(pit, ATOLL_IOPORT_OUT8, PIT_COMMAND, PIT_CH0_LOHI_RATE);
    port_out(pit, ATOLL_IOPORT_OUT8, PIT_CHANNEL0, PIT_DIVISOR_1KHZ & 0xff);
    port_out(pit, ATOLL_IOPORT_OUT8, PIT_CHANNEL0, PIT_DIVISOR_1KHZ >> 8);
}

static void test_irq_errors(uint64_t handler, uint64_t gsi)
{
    uint64_t s = slot();
    struct atoll_error_detail e = irq_get_pit(s);
    test_result("irq.get_isa_irq0_twice_is_revoke_first",
                e.code == ATOLL_ERR_REVOKE_FIRST && e.argument == ATOLL_IRQ_ARG_IRQ,
                "expected REVOKE_FIRST on word 2, got %lu on word %lu", e.code, e.argument);
    TEST_EQ("irq.get_its_gsi_directly_is_revoke_first", irq_get_ioapic(s, gsi, 0, 0, 0).code,
            ATOLL_ERR_REVOKE_FIRST);
    e = irq_get_ioapic(s, 100000, 0, 0, 0);
    test_result("irq.get_gsi_no_ioapic_serves_is_range_error",
                e.code == ATOLL_ERR_RANGE_ERROR && e.argument == ATOLL_IRQ_ARG_IRQ && e.value1 > 0,
                "expected RANGE_ERROR on word 2, got %lu on word %lu", e.code, e.argument);
    TEST_EQ("irq.get_isa_irq_16_is_range_error", irq_get_ioapic(s, 16, 0, 0, 1).code,
            ATOLL_ERR_RANGE_ERROR);
    e = irq_get_ioapic(s, 10, 2, 0, 0);
    test_result("irq.get_trigger_2_is_range_error",
                e.code == ATOLL_ERR_RANGE_ERROR && e.argument == ATOLL_IRQ_ARG_TRIGGER,
                "expected RANGE_ERROR on word 3, got %lu on word %lu", e.code, e.argument);
    TEST_EQ("irq.get_into_occupied_slot_is_delete_first", irq_get_pit(handler).code,
            ATOLL_ERR_DELETE_FIRST);
    TEST_EQ("irq.get_without_root_cnode_is_truncated",
            atoll_invoke(ATOLL_SLOT_IRQ_CONTROL, ATOLL_IRQ_CONTROL_GET_IOAPIC,
                         (uint64_t[ATOLL_IRQ_GET_IOAPIC_ARGS]){s, DEPTH, 0, 0, 0, 1},
                         ATOLL_IRQ_GET_IOAPIC_ARGS, NULL, 0)
                .code,
            ATOLL_ERR_TRUNCATED_MESSAGE);
    TEST_EQ("irq.control_cannot_be_copied", copy_cap(s, ATOLL_SLOT_IRQ_CONTROL).code,
            ATOLL_ERR_ILLEGAL_OPERATION);
    TEST_EQ("irq.handler_label_on_control_is_illegal",
            handler_op(ATOLL_SLOT_IRQ_CONTROL, ATOLL_IRQ_HANDLER_ACK).code,
            ATOLL_ERR_ILLEGAL_OPERATION);
    TEST_EQ("irq.control_label_on_handler_is_illegal",
            handler_op(handler, ATOLL_IRQ_CONTROL_GET_IOAPIC).code, ATOLL_ERR_ILLEGAL_OPERATION);

    uint64_t ntfn = make(ATOLL_OBJECT_NOTIFICATION);
    uint64_t read_only = mint(ntfn, ATOLL_RIGHT_READ, IRQ_BADGE);
    uint64_t ep = make(ATOLL_OBJECT_ENDPOINT);
    TEST_EQ("irq.set_notification_unbadged_is_invalid_capability",
            set_notification(handler, ntfn).code, ATOLL_ERR_INVALID_CAPABILITY);
    TEST_EQ("irq.set_notification_without_write_is_invalid_capability",
            set_notification(handler, read_only).code, ATOLL_ERR_INVALID_CAPABILITY);
    TEST_EQ("irq.set_notification_with_endpoint_is_invalid_capability",
            set_notification(handler, ep).code, ATOLL_ERR_INVALID_CAPABILITY);
    TEST_EQ("irq.set_notification_without_capability_is_truncated",
            handler_op(handler, ATOLL_IRQ_HANDLER_SET_NOTIFICATION).code,
            ATOLL_ERR_TRUNCATED_MESSAGE);
}

static void test_pit_delivery(uint64_t handler, uint64_t pit)
{
    uint64_t ntfn = make(ATOLL_OBJECT_NOTIFICATION);
    uint64_t badged = mint(ntfn, ATOLL_RIGHTS_ALL, IRQ_BADGE);
    TEST_EQ("irq.set_notification_ok", set_notification(handler, badged).code, ATOLL_OK);
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    TEST_EQ("irq.invariants_hold_with_a_bound_notification",
            atoll_syscall(ATOLL_SYS_DEBUG_CHECK, 0, 0, mr).error, ATOLL_OK);
    pit_start(pit);

    unsigned polls = wait_badge(ntfn, IRQ_BADGE), slowest = polls;
    test_result("irq.pit_interrupt_signals_the_notification", polls < POLL_LIMIT,
                "expected badge 0x%x within %u polls, got none", IRQ_BADGE, POLL_LIMIT);
    /* No Ack anywhere: each Poll after the one that took the signal
     * acknowledges the line; without that the line would stay masked. */
    unsigned got = 0;
    for (int i = 0; i < PIT_DELIVERIES; i++) {
        polls = wait_badge(ntfn, IRQ_BADGE);
        if (polls == POLL_LIMIT)
            break;
        got++;
        if (polls > slowest)
            slowest = polls;
    }
    test_result("irq.implicit_ack_by_polling_again_lets_it_fire_again", got == PIT_DELIVERIES,
                "expected %u more interrupts, got %u", PIT_DELIVERIES, got);

    TEST_EQ("irq.explicit_ack_ok", handler_op(handler, ATOLL_IRQ_HANDLER_ACK).code, ATOLL_OK);
    test_result("irq.delivery_continues_after_explicit_ack",
                wait_badge(ntfn, IRQ_BADGE) < POLL_LIMIT, "expected badge 0x%x, got none",
                IRQ_BADGE);

    TEST_EQ("irq.clear_ok", handler_op(handler, ATOLL_IRQ_HANDLER_CLEAR).code, ATOLL_OK);
    poll(ntfn); /* a signal from before the Clear */
    unsigned quiet = slowest * 10 > QUIET_MIN_POLLS ? slowest * 10 : QUIET_MIN_POLLS;
    if (quiet > POLL_LIMIT)
        quiet = POLL_LIMIT;
    uint64_t seen = 0;
    for (unsigned i = 0; i < quiet && !seen; i++) {
        seen = poll(ntfn);
        yield();
    }
    test_result("irq.clear_stops_delivery", seen == 0,
                "expected no signal in %u polls (10x the slowest interrupt), got 0x%lx", quiet,
                seen);
    TEST_EQ("irq.set_notification_again_ok", set_notification(handler, badged).code, ATOLL_OK);
    test_result("irq.set_notification_again_resumes_delivery",
                wait_badge(ntfn, IRQ_BADGE) < POLL_LIMIT, "expected badge 0x%x, got none",
                IRQ_BADGE);

    /* A driver that serves an endpoint too: its bound notification's
     * interrupts end its Recv, and each Recv acknowledges the last. */
    uint64_t ep = make(ATOLL_OBJECT_ENDPOINT);
    TEST_EQ("irq.bind_notification_to_init_ok",
            atoll_invoke(ATOLL_SLOT_ROOT_TCB, ATOLL_TCB_BIND_NOTIFICATION, NULL, 0, &ntfn, 1).code,
            ATOLL_OK);
    got = 0;
    for (int i = 0; i < PIT_DELIVERIES && wait_badge_bound(ep, IRQ_BADGE) < POLL_LIMIT; i++)
        got++;
    test_result("irq.implicit_ack_by_bound_endpoint_recv", got == PIT_DELIVERIES,
                "expected %u interrupts through NBRecv, got %u", PIT_DELIVERIES, got);
    atoll_invoke(ATOLL_SLOT_ROOT_TCB, ATOLL_TCB_UNBIND_NOTIFICATION, NULL, 0, NULL, 0);

    /* A blocked Wait is woken by the interrupt itself; init only yields
     * (a bounded number of times) until the driver has seen them all. A
     * driver that hangs is deleted with the untyped at the end. */
    driver_waits = 0;
    uint64_t tcb = make(ATOLL_OBJECT_TCB);
    uint64_t sc = slot();
    struct atoll_error_detail e = atoll_sched_context_new(untyped, ROOT, sc, 0, 10000, 10000);
    if (e.code == ATOLL_OK)
        e = atoll_thread_start(tcb, sc, ROOT, ATOLL_SLOT_ROOT_VSPACE, ATOLL_SLOT_ROOT_TCB,
                               DRIVER_PRIORITY, irq_driver, ntfn,
                               driver_stack + sizeof driver_stack);
    TEST_EQ("irq.driver_thread_start_ok", e.code, ATOLL_OK);
    for (unsigned i = 0; i < POLL_LIMIT && driver_waits < PIT_DELIVERIES; i++)
        yield();
    test_result("irq.blocked_wait_woken_by_each_interrupt_implicit_ack",
                driver_waits == PIT_DELIVERIES, "expected %u interrupts in Wait, got %lu",
                PIT_DELIVERIES, driver_waits);
}

static void test_handler_lifetime(uint64_t handler)
{
    uint64_t copy = slot();
    TEST_EQ("irq.handler_copy_ok", copy_cap(copy, handler).code, ATOLL_OK);
    TEST_EQ("irq.delete_original_handler_ok", delete_cap(handler).code, ATOLL_OK);
    TEST_EQ("irq.irq_stays_issued_while_a_copy_lives", irq_get_pit(handler).code,
            ATOLL_ERR_REVOKE_FIRST);
    TEST_EQ("irq.delete_last_handler_ok", delete_cap(copy).code, ATOLL_OK);
    TEST_EQ("irq.deleting_last_handler_frees_the_irq", irq_get_pit(handler).code, ATOLL_OK);
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    TEST_EQ("irq.invariants_hold_after_handler_deletion",
            atoll_syscall(ATOLL_SYS_DEBUG_CHECK, 0, 0, mr).error, ATOLL_OK);
}

static void test_msi(void)
{
    uint64_t a = slot(), b = slot(), s = slot();
    struct atoll_error_detail e = irq_get_msi(a, MSI_DEV, 0);
    TEST_EQ("irq.get_msi_ok", e.code, ATOLL_OK);
    uint64_t address = e.argument, data = e.value0;
    if (irq_remapping) {
        /* VT-d remappable format: 0xfee, the entry's handle, bit 4 set,
         * no subhandle; the data is not used. */
        test_result("irq.msi_address_is_remappable_format",
                    (address & UINT64_C(0xfff00000)) == ATOLL_MSI_ADDRESS_BASE &&
                        (address & MSI_ADDRESS_REMAPPABLE) != 0 && (address & MSI_ADDRESS_SHV) == 0,
                    "expected 0xfee00000 | handle << 5 | 0x10, got 0x%lx", address);
        TEST_EQ("irq.msi_data_is_zero_when_remapped", data, 0);
        e = irq_get_msi(b, MSI_DEV, 1);
        test_result("irq.second_msi_gets_another_handle",
                    e.code == ATOLL_OK && e.argument != address,
                    "expected OK and an address other than 0x%lx, got %lu, 0x%lx", address, e.code,
                    e.argument);
    } else {
        test_result("irq.msi_address_is_fee_with_destination",
                    (address & ~UINT64_C(0xff000)) == ATOLL_MSI_ADDRESS_BASE,
                    "expected 0xfee00000 | apic id << 12, got 0x%lx", address);
        test_result("irq.msi_data_is_a_device_vector_fixed_edge",
                    data >= ATOLL_IRQ_VECTOR_FIRST && data <= ATOLL_IRQ_VECTOR_LAST,
                    "expected a vector in 0x%x-0x%x, got 0x%lx", ATOLL_IRQ_VECTOR_FIRST,
                    ATOLL_IRQ_VECTOR_LAST, data);
        e = irq_get_msi(b, MSI_DEV, 1);
        test_result("irq.second_msi_gets_another_vector", e.code == ATOLL_OK && e.value0 != data,
                    "expected OK and a vector other than 0x%lx, got %lu, 0x%lx", data, e.code,
                    e.value0);
    }
    e = irq_get_msi(s, MSI_DEV, 0);
    test_result("irq.same_msi_twice_is_revoke_first",
                e.code == ATOLL_ERR_REVOKE_FIRST && e.argument == ATOLL_IRQ_MSI_ARG_VECTOR_INDEX,
                "expected REVOKE_FIRST on word 6, got %lu on word %lu", e.code, e.argument);
    e = irq_get_msi(s, 32, 0);
    test_result("irq.msi_device_32_is_range_error",
                e.code == ATOLL_ERR_RANGE_ERROR && e.argument == ATOLL_IRQ_MSI_ARG_DEVICE &&
                    e.value1 == 31,
                "expected RANGE_ERROR on word 3 up to 31, got %lu on word %lu up to %lu", e.code,
                e.argument, e.value1);
    TEST_EQ("irq.msi_ack_ok", handler_op(a, ATOLL_IRQ_HANDLER_ACK).code, ATOLL_OK);

    /* Every device vector: the kernel refuses, and a revoke of the control
     * capability gives them all back. */
    unsigned issued = 0;
    e.code = ATOLL_OK;
    for (unsigned i = 0; i <= ATOLL_IRQ_VECTOR_LAST - ATOLL_IRQ_VECTOR_FIRST + 1; i++) {
        e = irq_get_msi(slot(), MSI_DEV + 1, i);
        if (e.code != ATOLL_OK)
            break;
        issued++;
    }
    test_result("irq.vectors_exhausted_is_not_enough_memory",
                e.code == ATOLL_ERR_NOT_ENOUGH_MEMORY && issued > 0,
                "expected NOT_ENOUGH_MEMORY after some vectors, got %lu after %u", e.code, issued);
    TEST_EQ("irq.revoke_control_ok",
            atoll_cnode_slot_op(ATOLL_CNODE_REVOKE, ROOT, ATOLL_SLOT_IRQ_CONTROL, DEPTH).code,
            ATOLL_OK);
    e = irq_get_msi(s, MSI_DEV, 0);
    TEST_EQ("irq.revoke_control_frees_every_irq", e.code, ATOLL_OK);
    delete_cap(s);
}

void tests_irq(const struct atoll_bootinfo *bi)
{
    irq_remapping = (bi->features & ATOLL_BOOTINFO_FEATURE_IRQ_REMAP) != 0;
    next_slot = bi->empty_first + 3072;
    for (uint64_t i = 0; i < bi->untyped_count; i++) {
        if (bi->untyped[i].size_bits > UT_BITS && !bi->untyped[i].is_device) {
            untyped = slot();
            struct atoll_error_detail e = atoll_untyped_retype(
                bi->untyped_first + i, ATOLL_OBJECT_UNTYPED, UT_BITS, ROOT, 0, 0, untyped, 1);
            TEST_EQ("irq.setup_untyped", e.code, ATOLL_OK);
            break;
        }
    }
    test_ioports();

    uint64_t pit = slot();
    TEST_EQ("ioport.issue_pit_ok", ioport_issue(pit, PIT_CHANNEL0, PIT_COMMAND).code, ATOLL_OK);
    uint64_t handler = slot();
    struct atoll_error_detail e = irq_get_pit(handler);
    TEST_EQ("irq.get_isa_irq0_ok", e.code, ATOLL_OK);
    test_irq_errors(handler, e.argument);
    test_pit_delivery(handler, pit);
    test_handler_lifetime(handler);
    test_msi();

    /* Revoking the untyped deletes the notifications; the handler issued
     * last went with the IRQControl revoke. */
    delete_cap(pit);
    TEST_EQ("irq.revoke_untyped_ok",
            atoll_cnode_slot_op(ATOLL_CNODE_REVOKE, ROOT, untyped, DEPTH).code, ATOLL_OK);
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    TEST_EQ("irq.invariants_hold_at_the_end", atoll_syscall(ATOLL_SYS_DEBUG_CHECK, 0, 0, mr).error,
            ATOLL_OK);
}
