/* Physical address ranges at boot: which memory becomes untyped (RAM) or
 * device untyped (everything else the kernel does not own), cut into the
 * naturally aligned power-of-two blocks untyped capabilities describe.
 * Portable: built in the kernel and on the host (tests/unit/test_range.c). */
#ifndef ATOLL_KERNEL_PHYS_RANGE_H
#define ATOLL_KERNEL_PHYS_RANGE_H

#include <stddef.h>
#include <stdint.h>

/* [base, end); end == base is empty. */
struct phys_range {
    uint64_t base;
    uint64_t end;
};

/* Sorts `r` by base and merges overlapping or touching ranges; drops
 * empty and inverted ones. Returns the new count (<= n). */
size_t phys_range_normalize(struct phys_range *r, size_t n);

/* Calls `emit` for each maximal part of [lo, hi) that no range of the
 * normalized `taken` covers, in ascending order. */
void phys_range_gaps(uint64_t lo, uint64_t hi, const struct phys_range *taken, size_t n,
                     void (*emit)(uint64_t base, uint64_t end, void *ctx), void *ctx);

/* Cuts [base, end) into the largest naturally aligned blocks of 2^bits
 * bytes, min_bits <= bits <= max_bits, in ascending order; a tail or head
 * smaller than 2^min_bits (or misaligned to it) is left out. */
void phys_range_blocks(uint64_t base, uint64_t end, unsigned min_bits, unsigned max_bits,
                       void (*emit)(uint64_t base, unsigned bits, void *ctx), void *ctx);

#endif
