/* The consumer of examples/prodcons.toml: on each "data ready" signal it
 * checks every word of the region it may only read against the round's
 * pattern, then signals the producer that the region is free again. */
#include "component.h"

#define CH_PRODUCER 1
#define SHARED_VA   UINT64_C(0x30000000) /* examples/prodcons.toml */
#define SHARED_SIZE UINT64_C(0x10000)
#define ROUNDS      8

static unsigned round;
static uint64_t bad;

void init(void)
{
    printf("consumer: started\n");
}

void notified(channel_t ch)
{
    if (ch != CH_PRODUCER)
        return;
    const volatile uint64_t *words = (const volatile uint64_t *)SHARED_VA;
    round++;
    for (uint64_t i = 0; i < SHARED_SIZE / sizeof(uint64_t); i++)
        if (words[i] != ((uint64_t)round << 32 | i))
            bad++;
    if (round == ROUNDS)
        printf("consumer: %u rounds checked, %lu bad words\n", round, bad);
    component_notify(CH_PRODUCER);
}
