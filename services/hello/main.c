/* A test domain (services/init/test_pd.c loads it from a boot module):
 * proves it runs in its own protection domain by reporting over the one
 * capability it was given, twice, so that init can see it keeps running
 * while another domain faults. */
#include "atoll.h"
#include "pd.h"

int main(uint64_t arg);

#define REPORT_EP   PD_FIRST_GIVEN_SLOT
#define REPORTS     2
#define HELLO_MAGIC 0x600d

int main(uint64_t arg)
{
    printf("hello: running in my own protection domain (argument %lu)\n", arg);
    for (uint64_t i = 0; i < REPORTS; i++) {
        uint64_t mr[ATOLL_MSG_REGISTERS] = {arg * 2, HELLO_MAGIC, i, 0};
        atoll_syscall(ATOLL_SYS_SEND, REPORT_EP, atoll_msginfo(1, 3, 0), mr);
        atoll_syscall(ATOLL_SYS_YIELD, 0, 0, (uint64_t[ATOLL_MSG_REGISTERS]){0});
    }
    return 0;
}
