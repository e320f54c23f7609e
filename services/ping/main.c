/* Test component (services/lib/component.h): bounces a notification off
 * `pong` ROUNDS times, then calls pong's protected procedure and reports
 * both results to init over the endpoint init gave it. */
#include "component.h"

#define CH_PONG   0
#define CH_SERVER 1
#define ROUNDS    10
#define ASK       41
#define REPORT_EP PD_FIRST_GIVEN_SLOT

static unsigned rounds;

/* Argument bits: PING_PPC_ONLY, only the call (pong is passive then and
 * must not be notified); PING_REPORT, report to init over the endpoint it
 * gave (the test in services/init/test_pd.c). */
#define PING_PPC_ONLY 1
#define PING_REPORT   2

static void call_and_report(void)
{
    struct ppc_msg a =
        component_ppcall(CH_SERVER, (struct ppc_msg){.label = 1, .count = 1, .words = {ASK}});
    printf("ping: %u round trips, server answered %lu (label %lu)\n", rounds, a.words[0], a.label);
    if (!(component_argument() & PING_REPORT))
        return;
    uint64_t mr[ATOLL_MSG_REGISTERS] = {rounds, a.words[0], a.label, component_events()};
    atoll_syscall(ATOLL_SYS_SEND, REPORT_EP, atoll_msginfo(1, 4, 0), mr);
}

void init(void)
{
    printf("ping: started\n");
    if (component_argument() & PING_PPC_ONLY)
        call_and_report();
    else
        component_notify(CH_PONG);
}

void notified(channel_t ch)
{
    if (ch != CH_PONG)
        return;
    if (++rounds < ROUNDS) {
        component_notify(CH_PONG);
        return;
    }
    call_and_report();
}
