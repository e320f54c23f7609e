/* User-level tests of IRQ and IO-port capabilities (placeholder). */
#include "tests.h"

void tests_irq(const struct atoll_bootinfo *bi)
{
    (void)bi;
}
