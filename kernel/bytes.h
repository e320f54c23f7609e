/* Little-endian loads from byte buffers of untrusted firmware data (ACPI,
 * Multiboot2, DMAR): no alignment assumed, no libc. The caller has
 * checked the bounds. Portable: the parsers also build on the host. */
#ifndef ATOLL_KERNEL_BYTES_H
#define ATOLL_KERNEL_BYTES_H

#include <stddef.h>
#include <stdint.h>

static inline uint8_t ld8(const uint8_t *p)
{
    return p[0];
}

static inline uint16_t ld16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] | (uint16_t)((uint16_t)p[1] << 8));
}

static inline uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t ld64(const uint8_t *p)
{
    return (uint64_t)ld32(p) | ((uint64_t)ld32(p + 4) << 32);
}

/* A byte loop rather than memset: these files build without libc. */
static inline void zero_bytes(void *dst, size_t n)
{
    uint8_t *d = dst;
    for (size_t i = 0; i < n; i++)
        d[i] = 0;
}

#endif
