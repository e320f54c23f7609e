#include "boot_dump.h"
#include "../../kernel/console.h"
#include "../../kernel/format.h"

#define DUMP_BYTES_PER_LINE 64

static unsigned blobs_printed;

void boot_dump(const char *kind, uint64_t phys, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (size_t off = 0; off < len; off += DUMP_BYTES_PER_LINE) {
        char hex[DUMP_BYTES_PER_LINE * 2 + 1];
        size_t n = len - off < DUMP_BYTES_PER_LINE ? len - off : DUMP_BYTES_PER_LINE;
        for (size_t i = 0; i < n; i++)
            format(hex + 2 * i, 3, "%02x", p[off + i]);
        hex[2 * n] = '\0';
        kprintf("atoll-dump %s %lx %zu %zu %s\n", kind, phys, len, off, hex);
    }
    blobs_printed++;
}

void boot_dump_end(void)
{
    kprintf("atoll-dump end %u\n", blobs_printed);
}

void boot_dump_recorder_init(struct boot_dump_recorder *r, acpi_map_fn inner, void *ctx)
{
    r->inner = inner;
    r->inner_ctx = ctx;
    r->count = 0;
}

const void *boot_dump_recorder_map(void *recorder, uint64_t phys, size_t len)
{
    struct boot_dump_recorder *r = recorder;
    const void *p = r->inner(r->inner_ctx, phys, len);
    if (!p)
        return NULL;
    for (uint32_t i = 0; i < r->count; i++) {
        if (r->ranges[i].phys == phys) {
            if (len > r->ranges[i].len)
                r->ranges[i].len = len;
            return p;
        }
    }
    if (r->count < BOOT_DUMP_MAX_RANGES) {
        r->ranges[r->count].phys = phys;
        r->ranges[r->count].len = len;
        r->count++;
    }
    return p;
}

void boot_dump_recorded(const struct boot_dump_recorder *r)
{
    for (uint32_t i = 0; i < r->count; i++) {
        const void *p = r->inner(r->inner_ctx, r->ranges[i].phys, r->ranges[i].len);
        if (p)
            boot_dump("table", r->ranges[i].phys, p, r->ranges[i].len);
    }
}
