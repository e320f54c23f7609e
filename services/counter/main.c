/* The PPC server of examples/ppc.toml: passive, it runs only on the
 * budget of the client that calls it. Each call adds the word it is given
 * to a total shared by all clients and answers with the number of calls
 * so far and the total. */
#include "component.h"

#define LABEL_ADD   1
#define LABEL_TOTAL 2

static uint64_t calls, total;

void init(void)
{
    printf("counter: ready (passive)\n");
}

void notified(channel_t ch)
{
    (void)ch;
}

struct ppc_msg protected(channel_t ch, struct ppc_msg m)
{
    (void)ch; /* every client is served alike */
    if (m.label != LABEL_ADD || m.count != 1)
        return (struct ppc_msg){.label = PPC_LABEL_NO_SERVER, .count = 0};
    calls++;
    total += m.words[0];
    /* Short lines: one kernel debug write each (ATOLL_DEBUG_PUTS_MAX), so
     * the clients' cores cannot interleave them. */
    printf("counter: call %lu, total %lu\n", calls, total);
    return (struct ppc_msg){.label = LABEL_TOTAL, .count = 2, .words = {calls, total}};
}
