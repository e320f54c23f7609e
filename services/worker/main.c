/* Runs beside services/spinner at the same priority (ci/data/spinner.toml)
 * and reports progress: it gets CPU time only if the scheduler takes the
 * processor away from the spinner when its budget is spent. */
#include "component.h"

#define STEPS          5
#define SPINS_PER_STEP 3000000u

void init(void)
{
    for (unsigned step = 1; step <= STEPS; step++) {
        for (volatile unsigned i = 0; i < SPINS_PER_STEP; i++)
            ;
        printf("worker: step %u of %u\n", step, STEPS);
    }
    printf("worker: done\n");
}

void notified(channel_t ch)
{
    (void)ch;
}
