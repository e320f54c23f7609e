/* User-level tests of scheduling contexts (placeholder). */
#include "tests.h"

void tests_mcs(const struct atoll_bootinfo *bi)
{
    (void)bi;
}
