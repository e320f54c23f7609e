/* The client side of the serial console; see console.h. */
#include "console.h"

#include "atoll.h"
#include "char_ring.h"
#include "pd.h"

/* Yields a full ring gets before output is dropped: the driver runs at a
 * higher priority and drains a ring within one yield when it runs at
 * all. */
#define CONSOLE_FULL_YIELDS 64

static struct char_ring tx, rx;
static bool attached;
static uint64_t bytes_written;

static bool signal_driver(void)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    return atoll_syscall(ATOLL_SYS_SIGNAL, PD_SLOT_NOTIFY(CONSOLE_CHANNEL), 0, mr).error == 0;
}

bool console_attach(void)
{
    if (attached)
        return true;
    if (!signal_driver())
        return false;
    attached = char_ring_attach(&tx, (void *)CONSOLE_TX_VA, CONSOLE_RING_SIZE, true) &&
               char_ring_attach(&rx, (void *)CONSOLE_RX_VA, CONSOLE_RING_SIZE, false);
    return attached;
}

bool console_attached(void)
{
    return attached;
}

size_t console_write(const void *bytes, size_t len)
{
    if (!attached)
        return 0;
    const uint8_t *p = bytes;
    size_t done = 0;
    for (unsigned yields = 0; done < len && yields <= CONSOLE_FULL_YIELDS; yields++) {
        size_t n = char_ring_write(&tx, p + done, len - done);
        done += n;
        bytes_written += n;
        signal_driver();
        if (done < len) {
            uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
            atoll_syscall(ATOLL_SYS_YIELD, 0, 0, mr);
        }
    }
    return done;
}

size_t console_read(void *bytes, size_t len)
{
    return attached ? char_ring_read(&rx, bytes, len) : 0;
}

uint64_t console_bytes_written(void)
{
    return bytes_written;
}
