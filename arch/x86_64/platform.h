/* Boot-wide facts gathered by arch code and reported by kernel_main. */
#ifndef ATOLL_ARCH_PLATFORM_H
#define ATOLL_ARCH_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include "../../kernel/cmdline.h"

extern struct cmdline boot_cmdline;

/* Emulator exit hooks, used only when the command line asks for them:
 * QEMU's isa-debug-exit device and Bochs's shutdown port. */
#define QEMU_DEBUG_EXIT_PORT 0xf4
#define BOCHS_SHUTDOWN_PORT  0x8900

void platform_leave_emulator(int failure);

#endif
