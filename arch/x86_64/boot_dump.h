/* Hex dumps of boot data (atoll.dump=acpi,mb2) in the line format that
 * tools/capture_testdata.py turns back into test fixtures:
 *   atoll-dump <kind> <phys-hex> <len-dec> <offset-dec> <hex bytes>
 * The ACPI dump records every range the parser maps, so the fixtures hold
 * exactly what the parser read. */
#ifndef ATOLL_ARCH_BOOT_DUMP_H
#define ATOLL_ARCH_BOOT_DUMP_H

#include <stddef.h>
#include <stdint.h>

#include "acpi.h"

#define BOOT_DUMP_MAX_RANGES 64

struct boot_dump_recorder {
    acpi_map_fn inner;
    void *inner_ctx;
    uint32_t count;
    struct {
        uint64_t phys;
        size_t len;
    } ranges[BOOT_DUMP_MAX_RANGES];
};

void boot_dump(const char *kind, uint64_t phys, const void *data, size_t len);
void boot_dump_recorder_init(struct boot_dump_recorder *r, acpi_map_fn inner, void *ctx);
const void *boot_dump_recorder_map(void *recorder, uint64_t phys, size_t len);
void boot_dump_recorded(const struct boot_dump_recorder *r);
/* Marks the end of all dumps (`atoll-dump end <blobs>`), so a truncated
 * log is detected. */
void boot_dump_end(void);

#endif
