/* A console client that breaks its own output ring (ci/data/
 * console_abuse.toml): after one honest line it writes an impossible
 * head counter and signals the driver. The serial driver must drop this
 * client and keep serving the others. */
#include "component.h"
#include "char_ring.h"
#include "console.h"

/* More bytes than any ring holds. */
#define BOGUS_HEAD UINT32_C(0x7fffffff)

void init(void)
{
    printf("scribbler: one honest line first\n");
    struct char_ring_shared *tx = (struct char_ring_shared *)CONSOLE_TX_VA;
    __atomic_store_n(&tx->head, BOGUS_HEAD, __ATOMIC_RELEASE);
    component_notify(CONSOLE_CHANNEL);
}

void notified(channel_t ch)
{
    (void)ch;
}
