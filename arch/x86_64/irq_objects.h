/* IRQControl/IRQHandler and IOPortControl/IOPort: the kernel-side hooks
 * (the invocations are irq_invoke and ioport_invoke in kernel/objects.h;
 * the ABI is kernel/include/atoll/irq.h). */
#ifndef ATOLL_ARCH_IRQ_OBJECTS_H
#define ATOLL_ARCH_IRQ_OBJECTS_H

#include <stdbool.h>
#include <stdint.h>

#include "../../kernel/cap/cap.h"

struct notification;

/* Called by notification_wait (Wait, Poll, Recv on a notification) and by
 * an endpoint Recv of a thread bound to `n`, before the notification word
 * is read: acknowledges (unmasks) every IOAPIC line bound to `n` whose
 * delivery has been taken from the word. Costs one load when no line
 * waits for an acknowledgement. Under the kernel lock. */
void irq_notification_waited(struct notification *n);

/* Finalise hooks (kernel/cap_glue.c): the last capability to an IRQ
 * handler masks its line and frees its vector and IRQ; the last
 * capability to an I/O-port range frees the range. */
void irq_handler_finalise(const struct cap *cap, bool final);
void ioport_finalise(const struct cap *cap, bool final);

/* The empty slot that the (index, depth) words name through the CNode
 * capability in extra[0], as for CNode invocations: FAILED_LOOKUP with the
 * index word, RANGE_ERROR with the depth word, DELETE_FIRST with the index
 * word when the slot is occupied. For the control capabilities' issue
 * operations. */
struct atoll_error_detail irq_lookup_empty_destination(struct cap_slot *const *extra,
                                                       const uint64_t *words, unsigned index_arg,
                                                       unsigned depth_arg, struct cap_slot **out);

#endif
