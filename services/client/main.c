/* A client of examples/ppc.toml: calls the counter over its channel 0
 * CALLS times (a protected procedure call on its own budget) and checks
 * that every answer moved the total on by at least what it added. */
#include "component.h"

#define CH_COUNTER  0
#define CALLS       5
#define ADD         10
#define LABEL_ADD   1
#define LABEL_TOTAL 2

void init(void)
{
    uint64_t last_total = 0, bad = 0;
    struct ppc_msg a = {0};
    for (unsigned i = 0; i < CALLS; i++) {
        a = component_ppcall(CH_COUNTER,
                             (struct ppc_msg){.label = LABEL_ADD, .count = 1, .words = {ADD}});
        if (a.label != LABEL_TOTAL || a.count != 2 || a.words[1] < last_total + ADD)
            bad++;
        last_total = a.words[1];
    }
    /* At most 32 bytes: one kernel debug write, whole even when the
     * other client prints at the same time on the other core. */
    printf("client: %u calls, %lu bad\n", CALLS, bad);
}

void notified(channel_t ch)
{
    (void)ch;
}
