/* User-level tests of address-space objects (placeholder). */
#include "tests.h"

void tests_vspace(const struct atoll_bootinfo *bi)
{
    (void)bi;
}
