/* The component framework (like the seL4 Microkit's libmicrokit): a
 * component is an event-driven protection domain built by init
 * (services/lib/pd.c) from the system description. It implements
 *
 *   void init(void);                      once, before any event
 *   void notified(channel_t ch);          a peer signalled channel `ch`
 *   struct ppc_msg protected(channel_t ch, struct ppc_msg m);
 *                                         a PPC client called (servers only)
 *
 * and the library's main() runs the loop: one Recv on the domain's input
 * endpoint delivers both its bound notification's signals (one bit per
 * channel) and PPC calls (badge PD_PPC_BADGE_FLAG | channel), so a
 * component never blocks anywhere else. Messages of a PPC travel in the
 * four message registers. */
#ifndef ATOLL_USER_COMPONENT_H
#define ATOLL_USER_COMPONENT_H

#include "atoll.h"
#include "pd.h"

typedef unsigned channel_t;

struct ppc_msg {
    uint64_t label;
    unsigned count; /* words used, 0..ATOLL_MSG_REGISTERS */
    uint64_t words[ATOLL_MSG_REGISTERS];
};

/* Implemented by the component. `protected` has a default that answers
 * every call with label PPC_LABEL_NO_SERVER. */
void init(void);
void notified(channel_t ch);
struct ppc_msg protected(channel_t ch, struct ppc_msg m);

#define PPC_LABEL_NO_SERVER UINT64_C(0xffff)

/* Signals the peer on channel `ch`. */
void component_notify(channel_t ch);
/* Calls the server on channel `ch`; its answer, or label
 * PPC_LABEL_NO_SERVER with `count` 0 if the channel has no server (the
 * kernel's error code in words[0]). */
struct ppc_msg component_ppcall(channel_t ch, struct ppc_msg m);
/* Acknowledges the interrupt delivered on channel `ch` now (unmasks its
 * line), rather than at the next wait. For devices on edge-triggered
 * lines: an edge while the line is masked is lost, so such a driver acks,
 * then checks its device once more. */
void component_irq_ack(channel_t ch);
/* Whether the domain has a channel `ch` it can signal (init passes the
 * set at start, pd_params.channels). */
bool component_has_channel(channel_t ch);
/* The word init passed at start (pd_params.arg). */
uint64_t component_argument(void);
/* The loop's counts, for tests: notifications and calls handled. */
uint64_t component_events(void);

#endif
