#include "platform.h"
#include "serial.h"
#include "x86.h"

static const char bochs_shutdown[] = "Shutdown";

void platform_leave_emulator(int failure)
{
    serial_flush();
    /* QEMU exits with status (value << 1) | 1. */
    outb(QEMU_DEBUG_EXIT_PORT, failure ? 1 : 0);
    for (const char *p = bochs_shutdown; *p; p++)
        outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*p);
}
