/* Unit tests for kernel/phys_range.c against a model: random range sets in
 * a small address space (one bit per 16-byte unit), then the normalized
 * set, its gaps and their power-of-two blocks are compared unit by unit
 * with the model. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/phys_range.h"
#include "tests/unit/check.h"

#define UNIT       16u
#define SPACE      4096u /* bytes of address space the model covers */
#define UNITS      (SPACE / UNIT)
#define MAX_RANGES 24
#define ROUNDS     3000
#define MIN_BITS   6 /* 64-byte blocks at least */
#define MAX_BITS   10

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

struct gap_log {
    struct phys_range gaps[MAX_RANGES + 2];
    size_t count;
    bool overflow;
};

static void log_gap(uint64_t base, uint64_t end, void *ctx)
{
    struct gap_log *g = ctx;
    if (g->count == MAX_RANGES + 2) {
        g->overflow = true;
        return;
    }
    g->gaps[g->count++] = (struct phys_range){base, end};
}

struct block_log {
    uint64_t next; /* where the next block must start, or UINT64_MAX: any */
    bool covered[UNITS];
    bool bad;
    char why[128];
};

static void log_block(uint64_t base, unsigned bits, void *ctx)
{
    struct block_log *b = ctx;
    uint64_t size = UINT64_C(1) << bits;
    if (bits < MIN_BITS || bits > MAX_BITS || (base & (size - 1)) || base + size > SPACE) {
        b->bad = true;
        snprintf(b->why, sizeof b->why, "block 0x%llx/%u misaligned or out of range",
                 (unsigned long long)base, bits);
        return;
    }
    if (b->next != UINT64_MAX && base != b->next) {
        b->bad = true;
        snprintf(b->why, sizeof b->why, "block at 0x%llx, expected 0x%llx",
                 (unsigned long long)base, (unsigned long long)b->next);
    }
    b->next = base + size;
    for (uint64_t a = base; a < base + size; a += UNIT)
        b->covered[a / UNIT] = true;
}

static void model_vs_code(void)
{
    for (unsigned round = 0; round < ROUNDS; round++) {
        struct phys_range r[MAX_RANGES];
        bool taken[UNITS] = {false};
        size_t n = next_random() % MAX_RANGES;
        for (size_t i = 0; i < n; i++) {
            uint64_t a = (next_random() % (UNITS + 1)) * UNIT;
            uint64_t len = (next_random() % 8 == 0) ? 0 : (next_random() % 40) * UNIT;
            if (next_random() % 10 == 0) /* inverted: must be ignored */
                r[i] = (struct phys_range){a + len, a};
            else
                r[i] = (struct phys_range){a, a + len > SPACE ? SPACE : a + len};
            for (uint64_t x = r[i].base; x < r[i].end; x += UNIT)
                taken[x / UNIT] = true;
        }
        size_t m = phys_range_normalize(r, n);
        /* Sorted, disjoint, not touching, non-empty, same coverage. */
        bool norm_cover[UNITS] = {false};
        for (size_t i = 0; i < m; i++) {
            if (r[i].end <= r[i].base || (i && r[i].base <= r[i - 1].end)) {
                CHECK_FAIL("round %u: normalized range %zu not sorted/disjoint/non-empty", round,
                           i);
                return;
            }
            for (uint64_t x = r[i].base; x < r[i].end; x += UNIT)
                norm_cover[x / UNIT] = true;
        }
        if (memcmp(norm_cover, taken, sizeof taken)) {
            CHECK_FAIL("round %u: normalized ranges cover something else", round);
            return;
        }

        uint64_t lo = (next_random() % (UNITS / 2)) * UNIT;
        uint64_t hi = lo + (next_random() % (UNITS - lo / UNIT + 1)) * UNIT;
        struct gap_log g = {.count = 0};
        phys_range_gaps(lo, hi, r, m, log_gap, &g);
        bool gap_cover[UNITS] = {false};
        for (size_t i = 0; i < g.count; i++) {
            if (g.gaps[i].end <= g.gaps[i].base || (i && g.gaps[i].base <= g.gaps[i - 1].end)) {
                CHECK_FAIL("round %u: gap %zu empty, unsorted or not maximal", round, i);
                return;
            }
            for (uint64_t x = g.gaps[i].base; x < g.gaps[i].end; x += UNIT)
                gap_cover[x / UNIT] = true;
        }
        for (unsigned u = 0; u < UNITS; u++) {
            bool want = u * UNIT >= lo && u * UNIT < hi && !taken[u];
            if (gap_cover[u] != want) {
                CHECK_FAIL("round %u: address 0x%x: gap %d, model %d", round, u * UNIT,
                           gap_cover[u], want);
                return;
            }
        }

        /* Every gap as blocks: exactly its 64-byte-aligned interior. */
        for (size_t i = 0; i < g.count; i++) {
            struct block_log b = {.next = UINT64_MAX};
            phys_range_blocks(g.gaps[i].base, g.gaps[i].end, MIN_BITS, MAX_BITS, log_block, &b);
            if (b.bad) {
                CHECK_FAIL("round %u: %s", round, b.why);
                return;
            }
            uint64_t mask = (UINT64_C(1) << MIN_BITS) - 1;
            uint64_t ib = (g.gaps[i].base + mask) & ~mask, ie = g.gaps[i].end & ~mask;
            for (unsigned u = 0; u < UNITS; u++) {
                bool want = u * UNIT >= ib && u * UNIT < ie;
                if (b.covered[u] != want) {
                    CHECK_FAIL("round %u: block coverage at 0x%x: %d, expected %d", round, u * UNIT,
                               b.covered[u], want);
                    return;
                }
            }
        }
    }
}

struct count_log {
    unsigned blocks;
    unsigned max_bits;
};

static void count_block(uint64_t base, unsigned bits, void *ctx)
{
    (void)base;
    struct count_log *c = ctx;
    c->blocks++;
    if (bits > c->max_bits)
        c->max_bits = bits;
}

/* The shapes a real machine has: a 40-bit space above 4 GiB of RAM needs
 * few blocks, none above the largest untyped. */
static void large_space(void)
{
    struct count_log c = {0, 0};
    phys_range_blocks(UINT64_C(0x100000000), UINT64_C(1) << 40, 12, 47, count_block, &c);
    CHECK_U("blocks for [4 GiB, 1 TiB)", 8, c.blocks);
    CHECK_U("largest block bits", 39, c.max_bits);
    c = (struct count_log){0, 0};
    phys_range_blocks(UINT64_C(0x1000), UINT64_C(1) << 52, 12, 47, count_block, &c);
    CHECK_TRUE("max bits respected", c.max_bits == 47);
    c = (struct count_log){0, 0};
    phys_range_blocks(UINT64_MAX - 100, UINT64_MAX, 12, 47, count_block, &c);
    CHECK_U("no block at the top of the space", 0, c.blocks);
    c = (struct count_log){0, 0};
    phys_range_blocks(0x1001, 0x1fff, 12, 47, count_block, &c);
    CHECK_U("no block in an unaligned page", 0, c.blocks);
}

static void gaps_edges(void)
{
    struct phys_range r[3] = {{0x2000, 0x3000}, {0x0, 0x1000}, {0x1000, 0x1800}};
    size_t m = phys_range_normalize(r, 3);
    CHECK_U("touching ranges merge", 2, m);
    CHECK_U("merged end", 0x1800, r[0].end);
    struct gap_log g = {.count = 0};
    phys_range_gaps(0, 0x4000, r, m, log_gap, &g);
    CHECK_U("gaps", 2, g.count);
    CHECK_U("first gap", 0x1800, g.gaps[0].base);
    CHECK_U("last gap end", 0x4000, g.gaps[1].end);
    g.count = 0;
    phys_range_gaps(0x2000, 0x3000, r, m, log_gap, &g);
    CHECK_U("fully covered window has no gaps", 0, g.count);
    g.count = 0;
    phys_range_gaps(0, 0x4000, r, 0, log_gap, &g);
    CHECK_U("no ranges: one gap", 1, g.count);
}

int main(void)
{
    check_suite("range");
    RUN_TEST(model_vs_code);
    RUN_TEST(large_space);
    RUN_TEST(gaps_edges);
    return check_exit_code();
}
