/* Interrupts and I/O ports: IRQControl, IRQHandler, IOPortControl and
 * IOPort invocations (seL4 manual, "Interrupts" and "IA-32: IO Ports"),
 * shared by kernel and user space. The values are ABI: never renumber,
 * only append.
 *
 * ---- Interrupts ----
 *
 * The root task holds the one IRQControl capability (it cannot be copied).
 * IRQControl_GetIOAPIC and IRQControl_GetMSI place a new IRQHandler
 * capability in an empty slot, named like a CNode-invocation destination:
 * extra capability 0 is the CNode the (index, depth) pair is resolved
 * from. Each IOAPIC line (GSI) and each MSI (PCI function, vector index) is
 * issued at most once at a time: a second Get is REVOKE_FIRST until every
 * capability to the first handler is gone. The kernel picks the CPU vector
 * (ATOLL_IRQ_VECTOR_FIRST..LAST); when all are taken, Get is
 * NOT_ENOUGH_MEMORY with value0 0. Every device interrupt is delivered to
 * the bootstrap core.
 *
 * An IRQHandler capability can be copied; the line is released (masked,
 * its vector freed) when the last copy is deleted, or when the IRQControl
 * capability is revoked.
 *
 * Delivery: IRQHandler_SetNotification binds the handler to a notification
 * capability. When the interrupt arrives the kernel masks its IOAPIC line
 * (so a level-triggered device cannot storm the core) and signals the
 * notification with the badge of that notification capability. The line is
 * unmasked again (acknowledged) by IRQHandler_Ack, or implicitly: by the
 * next Wait, Poll or notification Recv on that notification (or endpoint
 * Recv of a thread it is bound to) once the interrupt's badge bits have
 * been taken from the notification word. So a driver loop of "Wait, serve
 * the device, Wait" never calls Ack. MSIs are edge-triggered messages that
 * the kernel does not mask; Ack on an MSI handler does nothing.
 *
 * Because the notification word has no "active" state of its own, a badge
 * of 0 would make a pending interrupt invisible to Poll: SetNotification
 * therefore requires a badged capability (mint one per IRQ).
 *
 * With VT-d interrupt remapping (bootinfo feature
 * ATOLL_BOOTINFO_FEATURE_IRQ_REMAP: every remapping unit has it and every
 * IOAPIC is in a unit's device scope) each handler has its own
 * remapping-table entry that names its vector and core and accepts only
 * one requester: the PCI function named at GetMSI, or the IOAPIC of the
 * line. GetMSI then returns a remappable-format pair (address 0xfee00000 |
 * handle << 5 | 0x10, data 0); a device that sends another function's
 * pair is blocked by the unit (fault reason 0x26 where the unit records
 * it), and compatibility-format MSIs are blocked altogether. Deleting the
 * last handler capability clears and invalidates the entry, so a device
 * that was not told to stop cannot raise the vector's next owner.
 *
 * Without interrupt remapping the pair is the plain xAPIC format, and the
 * kernel cannot check which device writes it: any bus master can raise
 * any vector, and a released MSI vector may still be raised by a device
 * that was not told to stop. Disable MSI in the device before deleting
 * its handler. */
#ifndef ATOLL_ABI_IRQ_H
#define ATOLL_ABI_IRQ_H

#include <stdint.h>

#include "invocation.h"

/* The CPU vectors device interrupts get; 0xd0-0xff stay the kernel's. */
#define ATOLL_IRQ_VECTOR_FIRST 0x30
#define ATOLL_IRQ_VECTOR_LAST  0xcf

enum atoll_irq_control_label {
    /* Issues the handler for an IOAPIC line. Reply word 0: the GSI that
     * was issued (useful with ATOLL_IRQ_ISA: the GSI after MADT
     * overrides). Errors:
     *   TRUNCATED_MESSAGE  fewer than ATOLL_IRQ_GET_IOAPIC_ARGS words or no
     *                      extra capability
     *   FAILED_LOOKUP, RANGE_ERROR (DEPTH)   destination as for CNode ops
     *   DELETE_FIRST 0     the destination slot is occupied
     *   RANGE_ERROR IRQ    a GSI no IOAPIC serves (value1: the IOAPICs'
     *                      pin count - 1, the last GSI when their ranges
     *                      are contiguous from 0); an ISA IRQ above 15
     *   RANGE_ERROR TRIGGER, POLARITY, ISA   a value other than 0 or 1
     *   ILLEGAL_OPERATION  no IOAPIC at all, or the bootstrap core's APIC
     *                      id is above 255 (unreachable without interrupt
     *                      remapping in x2APIC mode)
     *   REVOKE_FIRST IRQ   the GSI is already issued
     *   NOT_ENOUGH_MEMORY  no free vector (value0 0) */
    ATOLL_IRQ_CONTROL_GET_IOAPIC = ATOLL_IRQ_CONTROL_FIRST + 0,
    /* Issues the handler for one MSI or MSI-X vector of a PCI function
     * (segment 0; a PCI segment word may be appended later). The kernel
     * allocates the CPU vector. Reply: word 0 the MSI address,
     * word 1 the MSI data to program into the device (MSI capability or
     * MSI-X table entry VECTOR_INDEX), exactly as given: without
     * interrupt remapping address 0xfee00000 | apic_id << 12 (fixed
     * delivery, physical destination), data = the vector (edge, fixed);
     * with it, a remappable-format pair (see above). HANDLE is the
     * caller's own tag, kept with the handler. Errors: TRUNCATED_MESSAGE,
     * FAILED_LOOKUP, DELETE_FIRST and NOT_ENOUGH_MEMORY as for GET_IOAPIC,
     * and:
     *   RANGE_ERROR BUS/DEVICE/FUNCTION/VECTOR_INDEX   bus > 255,
     *                      device > 31, function > 7, index > 2047
     *   REVOKE_FIRST VECTOR_INDEX  that vector of that function is issued
     *   ILLEGAL_OPERATION  as for GET_IOAPIC (APIC id) */
    ATOLL_IRQ_CONTROL_GET_MSI = ATOLL_IRQ_CONTROL_FIRST + 1,
};

enum atoll_irq_get_ioapic_argument {
    ATOLL_IRQ_ARG_DEST_INDEX = 0,
    ATOLL_IRQ_ARG_DEST_DEPTH = 1,
    ATOLL_IRQ_ARG_IRQ = 2,      /* a GSI, or an ISA IRQ 0-15 with ISA = 1 */
    ATOLL_IRQ_ARG_TRIGGER = 3,  /* ATOLL_IRQ_TRIGGER_*; ignored with ISA = 1 */
    ATOLL_IRQ_ARG_POLARITY = 4, /* ATOLL_IRQ_POLARITY_*; ignored with ISA = 1 */
    /* 1: IRQ is an ISA IRQ; the MADT interrupt-source overrides give its GSI,
     * trigger and polarity (ISA defaults, edge and active high, where the
     * MADT says "conforms to the bus"). */
    ATOLL_IRQ_ARG_ISA = 5,
    ATOLL_IRQ_GET_IOAPIC_ARGS = 6,
};

#define ATOLL_IRQ_TRIGGER_EDGE     0
#define ATOLL_IRQ_TRIGGER_LEVEL    1
#define ATOLL_IRQ_POLARITY_HIGH    0
#define ATOLL_IRQ_POLARITY_LOW     1
#define ATOLL_IRQ_ISA_IRQ_MAX      15
#define ATOLL_IRQ_GET_IOAPIC_REPLY 1
#define ATOLL_IRQ_GET_EXTRA_CAPS   1

enum atoll_irq_get_msi_argument {
    /* DEST_INDEX 0 and DEST_DEPTH 1 as for GET_IOAPIC. */
    ATOLL_IRQ_MSI_ARG_BUS = 2,
    ATOLL_IRQ_MSI_ARG_DEVICE = 3,
    ATOLL_IRQ_MSI_ARG_FUNCTION = 4,
    ATOLL_IRQ_MSI_ARG_HANDLE = 5,
    ATOLL_IRQ_MSI_ARG_VECTOR_INDEX = 6,
    ATOLL_IRQ_GET_MSI_ARGS = 7,
};

#define ATOLL_IRQ_MSI_BUS_MAX          255
#define ATOLL_IRQ_MSI_DEVICE_MAX       31
#define ATOLL_IRQ_MSI_FUNCTION_MAX     7
#define ATOLL_IRQ_MSI_VECTOR_INDEX_MAX 2047 /* MSI-X tables have at most 2048 entries */
#define ATOLL_IRQ_GET_MSI_REPLY        2

/* MSI address and data (Intel SDM Vol. 3A 11.11.1, 11.11.2). */
#define ATOLL_MSI_ADDRESS_BASE       UINT64_C(0xfee00000)
#define ATOLL_MSI_ADDRESS_DEST_SHIFT 12
#define ATOLL_MSI_DATA_VECTOR_MASK   UINT64_C(0xff)

enum atoll_irq_handler_label {
    /* Unmasks the line after a delivery (see above). No arguments; always
     * succeeds. */
    ATOLL_IRQ_HANDLER_ACK = ATOLL_IRQ_HANDLER_FIRST + 0,
    /* Extra capability 0: a notification capability with WRITE and a
     * nonzero badge (INVALID_CAPABILITY 0 otherwise; TRUNCATED_MESSAGE
     * without it). Replaces any earlier binding and unmasks the line unless
     * a delivery waits for its acknowledgement. */
    ATOLL_IRQ_HANDLER_SET_NOTIFICATION = ATOLL_IRQ_HANDLER_FIRST + 1,
    /* Removes the binding and masks the line; interrupts that arrive until
     * the next SetNotification are dropped. No arguments. */
    ATOLL_IRQ_HANDLER_CLEAR = ATOLL_IRQ_HANDLER_FIRST + 2,
};
#define ATOLL_IRQ_SET_NOTIFICATION_EXTRA_CAPS 1

/* ---- I/O ports ----
 *
 * IOPortControl (the root task's, not copyable) issues IOPort capabilities
 * for ranges [first, last] inside the range the boot information gives
 * (ioport_first, ioport_last). Issued ranges never overlap: a range that
 * overlaps one still issued is REVOKE_FIRST (value0: the first port in
 * conflict) until every capability to that range is deleted. Ports the
 * kernel itself drives (the emulator exit ports when the command line
 * enables them) are never issued: ILLEGAL_OPERATION (value0: the first
 * such port). The kernel's console UART can be issued: after boot the
 * kernel only writes its transmit register (waiting for THRE) and never
 * reads input or enables its interrupts, so one user-level driver may own
 * the UART's input, interrupts and line settings and share the
 * transmitter.
 *
 * An IOPort capability can be copied; its invocations read or write one
 * port of 8, 16 or 32 bits. The whole access, port to port + width - 1,
 * must lie in the capability's range: RANGE_ERROR PORT with value0, value1
 * the lowest and highest port the access may start at. x86 needs no
 * alignment for port I/O, so none is required. A value wider than the
 * access is RANGE_ERROR VALUE. */
enum atoll_ioport_control_label {
    /* words: dest index, dest depth, first, last; extra capability 0: the
     * CNode of the destination. Errors: TRUNCATED_MESSAGE, FAILED_LOOKUP /
     * RANGE_ERROR (DEPTH), DELETE_FIRST 0 as for IRQControl;
     * RANGE_ERROR FIRST outside the control range; RANGE_ERROR LAST below
     * FIRST or outside the control range; REVOKE_FIRST FIRST and
     * ILLEGAL_OPERATION as above. */
    ATOLL_IOPORT_CONTROL_ISSUE = ATOLL_IOPORT_CONTROL_FIRST + 0,
};

enum atoll_ioport_issue_argument {
    ATOLL_IOPORT_ARG_DEST_INDEX = 0,
    ATOLL_IOPORT_ARG_DEST_DEPTH = 1,
    ATOLL_IOPORT_ARG_FIRST = 2,
    ATOLL_IOPORT_ARG_LAST = 3,
    ATOLL_IOPORT_ISSUE_ARGS = 4,
};
#define ATOLL_IOPORT_ISSUE_EXTRA_CAPS 1

enum atoll_ioport_label {
    /* words: port. Reply word 0: the value read. */
    ATOLL_IOPORT_IN8 = ATOLL_IOPORT_FIRST + 0,
    ATOLL_IOPORT_IN16 = ATOLL_IOPORT_FIRST + 1,
    ATOLL_IOPORT_IN32 = ATOLL_IOPORT_FIRST + 2,
    /* words: port, value. No reply words. */
    ATOLL_IOPORT_OUT8 = ATOLL_IOPORT_FIRST + 3,
    ATOLL_IOPORT_OUT16 = ATOLL_IOPORT_FIRST + 4,
    ATOLL_IOPORT_OUT32 = ATOLL_IOPORT_FIRST + 5,
};

enum atoll_ioport_argument {
    ATOLL_IOPORT_ARG_PORT = 0,
    ATOLL_IOPORT_ARG_VALUE = 1,
    ATOLL_IOPORT_IN_ARGS = 1,
    ATOLL_IOPORT_OUT_ARGS = 2,
};

#endif
