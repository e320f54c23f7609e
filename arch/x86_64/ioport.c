/* IOPortControl and IOPort capabilities (ABI and semantics:
 * kernel/include/atoll/irq.h; seL4 manual, "IA-32: IO Ports").
 *
 * User threads never get I/O privilege or a TSS I/O bitmap: every port
 * access is an invocation, checked against the capability's range. Issued
 * ranges are kept in a bitmap so that no two overlap (seL4 keeps the same,
 * x86KSAllocatedIOPorts); the last capability to a range clears its bits.
 * All under the kernel lock. */
#include "irq_objects.h"
#include "platform.h"
#include "x86.h"
#include "../../kernel/objects.h"
#include "../../kernel/cap/mdb.h"
#include "atoll/irq.h"
#include "../../vtx/vcpu.h"

#define IOPORT_COUNT 0x10000u
#define IOPORT_MAX   0xffffu /* what IOPortControl covers (bootinfo ioport_last) */
#define NO_PORT      UINT32_MAX

static uint64_t issued[IOPORT_COUNT / 64];

static bool port_issued(uint32_t port)
{
    return (issued[port / 64] >> (port % 64)) & 1;
}

static void set_issued(uint32_t first, uint32_t last, bool value)
{
    for (uint32_t p = first; p <= last; p++) {
        uint64_t bit = UINT64_C(1) << (p % 64);
        issued[p / 64] = value ? issued[p / 64] | bit : issued[p / 64] & ~bit;
    }
}

/* The first issued port in [first, last], or NO_PORT. */
static uint32_t first_issued(uint32_t first, uint32_t last)
{
    for (uint32_t p = first; p <= last; p++) {
        if (p % 64 == 0 && issued[p / 64] == 0) {
            p += 63; /* a free word */
            continue;
        }
        if (port_issued(p))
            return p;
    }
    return NO_PORT;
}

/* The first port in [first, last] that the kernel drives itself, or
 * NO_PORT: the emulator exit ports when the command line asks the kernel
 * to use them (platform.h).
 *
 * The console UART is not among them. After serial_init() the kernel's
 * console only writes THR and reads LSR (serial.c), never reads RBR and
 * never enables the UART's interrupts, so its ports can be issued to one
 * user-level driver that owns input, interrupts and its own output
 * (services/drivers/serial): the two only share the transmitter, each
 * waiting for THRE. */
static uint32_t first_kernel_port(uint32_t first, uint32_t last)
{
    static const uint32_t exit_ports[] = {QEMU_DEBUG_EXIT_PORT, BOCHS_SHUTDOWN_PORT};
    if (!boot_cmdline.exit_after_ready)
        return NO_PORT;
    uint32_t found = NO_PORT;
    for (size_t i = 0; i < sizeof exit_ports / sizeof exit_ports[0]; i++)
        if (exit_ports[i] >= first && exit_ports[i] <= last && exit_ports[i] < found)
            found = exit_ports[i];
    return found;
}

void ioport_finalise(const struct cap *cap, bool final)
{
    /* Issued ranges never overlap, so every capability with these bounds
     * is a copy of the one issued range. */
    if (!final)
        return;
    set_issued(cap_ioport_first(cap), cap_ioport_last(cap), false);
    vcpu_io_ports_revoked(cap_ioport_first(cap), cap_ioport_last(cap));
}

/* ---- IOPortControl ---- */

struct ioport_issue {
    struct cap_slot *control, *dest;
    uint16_t first, last;
};

static struct atoll_error_detail decode_issue(struct cap_slot *slot, uint64_t label,
                                              const uint64_t *words, size_t length,
                                              struct cap_slot *const *extra, size_t extra_count,
                                              struct ioport_issue *out)
{
    if (label != ATOLL_IOPORT_CONTROL_ISSUE)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    if (length < ATOLL_IOPORT_ISSUE_ARGS || extra_count < ATOLL_IOPORT_ISSUE_EXTRA_CAPS ||
        extra[0] == NULL)
        return cap_truncated(ATOLL_IOPORT_ISSUE_ARGS, ATOLL_IOPORT_ISSUE_EXTRA_CAPS);
    struct atoll_error_detail e = irq_lookup_empty_destination(
        extra, words, ATOLL_IOPORT_ARG_DEST_INDEX, ATOLL_IOPORT_ARG_DEST_DEPTH, &out->dest);
    if (cap_failed(&e))
        return e;
    uint64_t first = words[ATOLL_IOPORT_ARG_FIRST], last = words[ATOLL_IOPORT_ARG_LAST];
    if (first > IOPORT_MAX)
        return cap_range_error(ATOLL_IOPORT_ARG_FIRST, 0, IOPORT_MAX);
    if (last < first || last > IOPORT_MAX)
        return cap_range_error(ATOLL_IOPORT_ARG_LAST, first, IOPORT_MAX);
    uint32_t port = first_kernel_port((uint32_t)first, (uint32_t)last);
    if (port != NO_PORT) {
        e = cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
        e.value0 = port;
        return e;
    }
    port = first_issued((uint32_t)first, (uint32_t)last);
    if (port != NO_PORT) {
        e = cap_error(ATOLL_ERR_REVOKE_FIRST, ATOLL_IOPORT_ARG_FIRST);
        e.value0 = port;
        return e;
    }
    out->control = slot;
    out->first = (uint16_t)first;
    out->last = (uint16_t)last;
    return cap_ok();
}

static void perform_issue(const struct ioport_issue *inv)
{
    set_issued(inv->first, inv->last, true);
    cap_insert(cap_ioport_new(inv->first, inv->last), inv->control, inv->dest);
}

/* ---- IOPort ---- */

struct ioport_access {
    bool out;
    unsigned width; /* bytes */
    uint16_t port;
    uint32_t value;
};

static struct atoll_error_detail decode_access(const struct cap *c, uint64_t label,
                                               const uint64_t *words, size_t length,
                                               struct ioport_access *out)
{
    static const unsigned widths[] = {1, 2, 4};
    if (label < ATOLL_IOPORT_IN8 || label > ATOLL_IOPORT_OUT32)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    out->out = label >= ATOLL_IOPORT_OUT8;
    out->width = widths[(label - ATOLL_IOPORT_IN8) % 3];
    size_t needed = out->out ? ATOLL_IOPORT_OUT_ARGS : ATOLL_IOPORT_IN_ARGS;
    if (length < needed)
        return cap_truncated(needed, 0);
    uint64_t first = cap_ioport_first(c), last = cap_ioport_last(c);
    uint64_t port = words[ATOLL_IOPORT_ARG_PORT];
    /* The access covers [port, port + width - 1]; report the ports it may
     * start at (none, if the range is narrower than the access). */
    uint64_t last_start = last + 1 >= first + out->width ? last + 1 - out->width : last;
    if (port < first || port > last || port + out->width - 1 > last)
        return cap_range_error(ATOLL_IOPORT_ARG_PORT, first, last_start);
    uint64_t max = (UINT64_C(1) << (8 * out->width)) - 1;
    uint64_t value = out->out ? words[ATOLL_IOPORT_ARG_VALUE] : 0;
    if (value > max)
        return cap_range_error(ATOLL_IOPORT_ARG_VALUE, 0, max);
    out->port = (uint16_t)port;
    out->value = (uint32_t)value;
    return cap_ok();
}

static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static void perform_access(const struct ioport_access *a, uint64_t *reply, size_t *reply_length)
{
    if (a->out) {
        if (a->width == 1)
            outb(a->port, (uint8_t)a->value);
        else if (a->width == 2)
            outw(a->port, (uint16_t)a->value);
        else
            outl(a->port, a->value);
        return;
    }
    if (a->width == 1)
        reply[0] = inb(a->port);
    else if (a->width == 2)
        reply[0] = inw(a->port);
    else
        reply[0] = inl(a->port);
    *reply_length = 1;
}

struct atoll_error_detail ioport_invoke(OBJECT_INVOKE_ARGS)
{
    (void)caller;
    *reply_length = 0;
    struct atoll_error_detail e;
    if (cap_type(&slot->cap) == CAP_IOPORT_CONTROL) {
        struct ioport_issue inv;
        e = decode_issue(slot, label, words, length, extra, extra_count, &inv);
        if (!cap_failed(&e))
            perform_issue(&inv);
        return e;
    }
    struct ioport_access a;
    e = decode_access(&slot->cap, label, words, length, &a);
    if (!cap_failed(&e))
        perform_access(&a, reply, reply_length);
    return e;
}
