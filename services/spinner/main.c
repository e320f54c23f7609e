/* A domain that never gives the processor back (ci/data/spinner.toml):
 * its scheduling context must still limit it to its budget, so a domain
 * of the same priority makes progress. */
#include "component.h"

void init(void)
{
    printf("spinner: spinning forever\n");
    for (;;)
        __asm__ volatile("pause");
}

void notified(channel_t ch)
{
    (void)ch;
}
