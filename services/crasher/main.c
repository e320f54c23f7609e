/* A test domain that touches memory it was not given: init must report
 * the fault with this domain's name and address, and every other domain
 * keeps running (services/init/test_pd.c). */
#include "atoll.h"

int main(uint64_t arg);

#define FORBIDDEN_ADDRESS UINT64_C(0x0000000010000000)

int main(uint64_t arg)
{
    (void)arg;
    printf("crasher: touching memory I was not given\n");
    *(volatile uint64_t *)FORBIDDEN_ADDRESS = 1;
    printf("crasher: FAIL: the write went through\n");
    return 1;
}
