/* The producer of examples/prodcons.toml: fills the 64 KiB region it
 * shares with the consumer (read-write here, read-only there) with one
 * round's pattern, signals "data ready" on channel 1 and waits for the
 * consumer's "done" on the same channel before the next round. */
#include "component.h"

#define CH_CONSUMER 1
#define SHARED_VA   UINT64_C(0x20000000) /* examples/prodcons.toml */
#define SHARED_SIZE UINT64_C(0x10000)
#define ROUNDS      8

static unsigned round;

/* Word i of round r: both ends compute it. */
static uint64_t pattern(unsigned r, uint64_t i)
{
    return (uint64_t)r << 32 | i;
}

static void produce(void)
{
    volatile uint64_t *words = (volatile uint64_t *)SHARED_VA;
    round++;
    for (uint64_t i = 0; i < SHARED_SIZE / sizeof(uint64_t); i++)
        words[i] = pattern(round, i);
    component_notify(CH_CONSUMER);
}

void init(void)
{
    printf("producer: started\n");
    produce();
}

void notified(channel_t ch)
{
    if (ch != CH_CONSUMER)
        return;
    if (round < ROUNDS)
        produce();
    else
        printf("producer: %u rounds of %lu KiB handed over\n", round, SHARED_SIZE / 1024);
}
