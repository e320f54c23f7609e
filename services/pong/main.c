/* Test component: answers ping's notifications (its channel 3) and serves
 * a protected procedure on its channel 5 that adds one. Its channel ids
 * differ from ping's on purpose: each end has its own. */
#include "component.h"

#define CH_PING      3
#define CH_CLIENT    5
#define LABEL_ANSWER 2

void init(void)
{
    printf("pong: started\n");
}

void notified(channel_t ch)
{
    if (ch == CH_PING)
        component_notify(CH_PING);
}

struct ppc_msg protected(channel_t ch, struct ppc_msg m)
{
    if (ch != CH_CLIENT || m.count < 1)
        return (struct ppc_msg){.label = PPC_LABEL_NO_SERVER, .count = 0};
    return (struct ppc_msg){.label = LABEL_ANSWER, .count = 1, .words = {m.words[0] + 1}};
}
