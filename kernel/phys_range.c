#include "phys_range.h"

size_t phys_range_normalize(struct phys_range *r, size_t n)
{
    /* Insertion sort: a memory map has tens of entries. */
    for (size_t i = 1; i < n; i++) {
        struct phys_range x = r[i];
        size_t j = i;
        while (j > 0 && r[j - 1].base > x.base) {
            r[j] = r[j - 1];
            j--;
        }
        r[j] = x;
    }
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        if (r[i].end <= r[i].base)
            continue;
        if (out && r[i].base <= r[out - 1].end) {
            if (r[i].end > r[out - 1].end)
                r[out - 1].end = r[i].end;
        } else {
            r[out++] = r[i];
        }
    }
    return out;
}

void phys_range_gaps(uint64_t lo, uint64_t hi, const struct phys_range *taken, size_t n,
                     void (*emit)(uint64_t base, uint64_t end, void *ctx), void *ctx)
{
    uint64_t at = lo;
    for (size_t i = 0; i < n && at < hi; i++) {
        if (taken[i].end <= at)
            continue;
        if (taken[i].base >= hi)
            break;
        if (taken[i].base > at)
            emit(at, taken[i].base, ctx);
        at = taken[i].end;
    }
    if (at < hi)
        emit(at, hi, ctx);
}

void phys_range_blocks(uint64_t base, uint64_t end, unsigned min_bits, unsigned max_bits,
                       void (*emit)(uint64_t base, unsigned bits, void *ctx), void *ctx)
{
    uint64_t min_mask = (UINT64_C(1) << min_bits) - 1;
    if (base & min_mask) {
        if (base > UINT64_MAX - min_mask)
            return;
        base = (base + min_mask) & ~min_mask;
    }
    end &= ~min_mask;
    while (base < end) {
        unsigned bits = max_bits;
        while (bits > min_bits &&
               ((base & ((UINT64_C(1) << bits) - 1)) || end - base < (UINT64_C(1) << bits)))
            bits--;
        emit(base, bits, ctx);
        base += UINT64_C(1) << bits;
    }
}
