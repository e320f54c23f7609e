/* Kernel command line (from GRUB's multiboot2 line). Portable, host-tested.
 *
 *   console=ttyS0..ttyS3 | com1..com4 | 0x<port>   serial console
 *   atoll.test=<name>   trigger an exception on purpose after boot:
 *                       pagefault, gp, ud, de, breakpoint
 *   atoll.exit=1        leave the emulator after the ready line
 *                       (QEMU isa-debug-exit, Bochs shutdown port)
 *   atoll.dump=<list>   hex-dump boot data for test fixtures: acpi, mb2
 *   atoll.nosmp         do not start application processors
 */
#ifndef ATOLL_KERNEL_CMDLINE_H
#define ATOLL_KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CMDLINE_VALUE_MAX 32

struct cmdline {
    uint16_t console_port; /* 0: not given */
    char test[CMDLINE_VALUE_MAX];
    bool exit_after_ready;
    bool dump_acpi;
    bool dump_mb2;
    bool nosmp;
    unsigned unknown; /* words not recognised (reported, not fatal) */
    unsigned invalid; /* recognised keys with a bad value */
};

/* Parses `line` (NUL-terminated, any length); never fails. */
void cmdline_parse(const char *line, struct cmdline *out);

#endif
