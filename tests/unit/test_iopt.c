/* Host tests of the IO page tables (iommu/iopt.c) against a model.
 *
 * The tables live in a pool of page-aligned host memory posing as
 * physical pages; the pool catches double frees, use of freed tables and
 * leaks. Random map/unmap sequences (seeded: the seed is in every failure
 * message) are replayed on a list of mappings, and after each phase every
 * 4 KiB page of every mapping, plus a sample of other addresses, is
 * translated and compared with the model. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iommu/iopt.h"
#include "iommu/vtd_regs.h"
#include "tests/unit/check.h"

/* ---- Page pool ------------------------------------------------------------- */

#define POOL_PAGES 16384
#define POOL_BASE  UINT64_C(0x40000000) /* physical address of page 0 */

struct pool {
    uint8_t *mem;
    bool used[POOL_PAGES];
    unsigned in_use, limit;
    unsigned errors;    /* bad free, double free, table() on a free page */
    uint64_t bogus;     /* if set, the next alloc returns this address */
    uint64_t bogus_out; /* a bogus address handed out and not yet returned */
};

static struct pool pool;

static void pool_init(unsigned limit)
{
    if (pool.mem == NULL) {
        pool.mem = aligned_alloc(4096, (size_t)POOL_PAGES * 4096);
        if (pool.mem == NULL)
            abort();
    }
    memset(pool.used, 0, sizeof(pool.used));
    pool.in_use = 0;
    pool.limit = limit;
    pool.errors = 0;
    pool.bogus = 0;
    pool.bogus_out = 0;
}

static long pool_index(uint64_t phys)
{
    if (phys < POOL_BASE || (phys & 0xfff) != 0 || phys - POOL_BASE >= (uint64_t)POOL_PAGES * 4096)
        return -1;
    return (long)((phys - POOL_BASE) / 4096);
}

static uint64_t pool_alloc(void *ctx)
{
    (void)ctx;
    if (pool.bogus != 0) {
        uint64_t b = pool.bogus;
        pool.bogus = 0;
        pool.bogus_out = b;
        return b;
    }
    if (pool.in_use >= pool.limit)
        return 0;
    for (unsigned i = 0; i < POOL_PAGES; i++) {
        if (!pool.used[i]) {
            pool.used[i] = true;
            pool.in_use++;
            memset(pool.mem + (size_t)i * 4096, 0, 4096);
            return POOL_BASE + (uint64_t)i * 4096;
        }
    }
    return 0;
}

static void pool_free(void *ctx, uint64_t phys)
{
    (void)ctx;
    long i = pool_index(phys);
    if (i < 0 || !pool.used[i]) {
        if (phys != 0 && phys == pool.bogus_out) {
            pool.bogus_out = 0;
            return;
        }
        pool.errors++;
        return;
    }
    pool.used[i] = false;
    pool.in_use--;
    /* Poison: a table read after its free shows up as garbage entries. */
    memset(pool.mem + (size_t)i * 4096, 0xa5, 4096);
}

static uint64_t *pool_table(void *ctx, uint64_t phys)
{
    (void)ctx;
    long i = pool_index(phys);
    if (i < 0 || !pool.used[i]) {
        pool.errors++;
        fprintf(stderr, "table() on page 0x%" PRIx64 " which is not allocated\n", phys);
        abort();
    }
    return (uint64_t *)(void *)(pool.mem + (size_t)i * 4096);
}

static const struct iopt_mem pool_mem = {
    .alloc_page = pool_alloc, .free_page = pool_free, .table = pool_table};

/* ---- Model ---------------------------------------------------------------- */

#define MODEL_MAX 8192

struct mapping {
    uint64_t iova, phys, size;
    unsigned rights;
};

static struct mapping model[MODEL_MAX];
static unsigned model_count;

static const struct mapping *model_lookup(uint64_t iova)
{
    for (unsigned i = 0; i < model_count; i++) {
        if (iova >= model[i].iova && iova - model[i].iova < model[i].size)
            return &model[i];
    }
    return NULL;
}

static bool model_overlaps(uint64_t iova, uint64_t size)
{
    for (unsigned i = 0; i < model_count; i++) {
        if (iova < model[i].iova + model[i].size && model[i].iova < iova + size)
            return true;
    }
    return false;
}

struct config {
    const char *name;
    unsigned sagaw, mgaw, sllps, haw;
    unsigned expect_levels, expect_bits;
};

static const struct config configs[] = {
    {"4level_48", VTD_SAGAW_48 | VTD_SAGAW_39, 48, VTD_SLLPS_2M, 46, 4, 48},
    {"3level_39", VTD_SAGAW_39, 39, VTD_SLLPS_2M | VTD_SLLPS_1G, 39, 3, 39},
    {"3level_no_large", VTD_SAGAW_39, 39, 0, 39, 3, 39},
    {"4level_mgaw_40", VTD_SAGAW_48, 40, VTD_SLLPS_2M, 40, 4, 40},
};

static struct iopt pt;

/* What the random sequences exercised: each must have happened, or the
 * comparison with the model proved little. */
static struct {
    unsigned map_4k, map_2m, exists, partial, unmapped, replaced, out_of_range;
} seen;

static uint64_t rng_state;

static uint64_t rnd(void)
{
    /* xorshift64*: reproducible from the seed on every host. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * UINT64_C(2685821657736338717);
}

static uint64_t rnd_below(uint64_t n)
{
    return n == 0 ? 0 : rnd() % n;
}

/* Expected result of a map, by the documented order of checks. */
static int model_map_result(uint64_t iova, uint64_t phys, uint64_t size, unsigned rights)
{
    if (size != IOPT_PAGE_4K && !(size == IOPT_PAGE_2M && pt.large_2m))
        return IOPT_ERR_INVALID;
    if (rights == 0 || (rights & ~3u) != 0)
        return IOPT_ERR_INVALID;
    if ((iova & (size - 1)) != 0 || (phys & (size - 1)) != 0)
        return IOPT_ERR_ALIGN;
    uint64_t lim = UINT64_C(1) << pt.addr_bits;
    if (iova >= lim || lim - iova < size || phys >= pt.phys_limit || pt.phys_limit - phys < size)
        return IOPT_ERR_RANGE;
    if (model_overlaps(iova, size))
        return IOPT_ERR_EXISTS;
    return IOPT_OK;
}

/* Compares the table with the model at one address. */
static bool check_address(uint64_t iova, const char *ctx)
{
    const struct mapping *m = model_lookup(iova);
    uint64_t phys = 0, size = 0;
    unsigned rights = 0;
    bool mapped = iopt_translate(&pt, iova, &phys, &rights, &size);
    if (mapped != (m != NULL)) {
        CHECK_FAIL("%s: 0x%" PRIx64 " is %s in the table, %s in the model", ctx, iova,
                   mapped ? "mapped" : "unmapped", m ? "mapped" : "unmapped");
        return false;
    }
    if (m != NULL &&
        (phys != m->phys + (iova - m->iova) || rights != m->rights || size != m->size)) {
        CHECK_FAIL("%s: 0x%" PRIx64 " -> 0x%" PRIx64 " rights %u size 0x%" PRIx64
                   ", model 0x%" PRIx64 " rights %u size 0x%" PRIx64,
                   ctx, iova, phys, rights, size, m->phys + (iova - m->iova), m->rights, m->size);
        return false;
    }
    return true;
}

/* Every 4 KiB page of every mapping, the pages around each, and random
 * addresses in the window and the whole space. */
static bool check_everything(uint64_t window, const char *ctx)
{
    for (unsigned i = 0; i < model_count; i++) {
        const struct mapping *m = &model[i];
        for (uint64_t off = 0; off < m->size; off += IOPT_PAGE_4K) {
            if (!check_address(m->iova + off + rnd_below(IOPT_PAGE_4K), ctx))
                return false;
        }
        if (m->iova >= IOPT_PAGE_4K && !check_address(m->iova - 1, ctx))
            return false;
        if (m->iova + m->size < (UINT64_C(1) << pt.addr_bits) &&
            !check_address(m->iova + m->size, ctx))
            return false;
    }
    for (unsigned i = 0; i < 2000; i++) {
        if (!check_address(rnd_below(window), ctx))
            return false;
        if (!check_address(rnd_below(UINT64_C(1) << pt.addr_bits), ctx))
            return false;
    }
    /* Beyond the width nothing translates. */
    uint64_t phys, size;
    unsigned rights;
    if (pt.addr_bits < 64 &&
        iopt_translate(&pt, UINT64_C(1) << pt.addr_bits, &phys, &rights, &size)) {
        CHECK_FAIL("%s: an address beyond the width translates", ctx);
        return false;
    }
    return true;
}

static uint64_t random_iova(uint64_t window, uint64_t size)
{
    uint64_t lim = UINT64_C(1) << pt.addr_bits;
    uint64_t r = rnd_below(100);
    uint64_t a;
    if (r < 85)
        a = rnd_below(window);
    else if (r < 93)
        a = lim - 1 - rnd_below(8 * IOPT_PAGE_2M); /* near the top */
    else
        a = rnd_below(lim);
    a &= ~(size - 1);
    if (rnd_below(50) == 0)
        a += IOPT_PAGE_4K / 2; /* unaligned */
    if (rnd_below(200) == 0)
        a = lim + rnd_below(lim) * size; /* beyond the width */
    return a;
}

static bool random_step(uint64_t window, unsigned step, uint64_t seed)
{
    char ctx[96];
    snprintf(ctx, sizeof(ctx), "seed %" PRIu64 " step %u", seed, step);
    struct iopt_inval inv;
    uint64_t r = rnd_below(100);
    if (r < 72) {
        uint64_t size = rnd_below(8) == 0 ? IOPT_PAGE_2M : IOPT_PAGE_4K;
        uint64_t iova = random_iova(window, size);
        uint64_t phys = rnd_below(pt.phys_limit + (pt.phys_limit >> 6)) & ~(size - 1);
        if (rnd_below(100) == 0)
            phys |= IOPT_PAGE_4K;
        unsigned rights =
            (unsigned)rnd_below(100) == 0 ? (unsigned)rnd_below(8) : 1u + (unsigned)rnd_below(3);
        int want = model_map_result(iova, phys, size, rights);
        unsigned before = pool.in_use;
        int got = iopt_map(&pt, iova, phys, size, rights, &inv);
        if (got != want) {
            CHECK_FAIL("%s: map 0x%" PRIx64 " -> 0x%" PRIx64 " size 0x%" PRIx64
                       " rights %u: expected %d, got %d",
                       ctx, iova, phys, size, rights, want, got);
            return false;
        }
        seen.exists += got == IOPT_ERR_EXISTS;
        seen.out_of_range += got == IOPT_ERR_RANGE;
        if (got != IOPT_OK) {
            if (pool.in_use != before || inv.start != inv.end) {
                CHECK_FAIL("%s: a failed map changed something", ctx);
                return false;
            }
            return true;
        }
        if (inv.start != iova || inv.end != iova + size) {
            CHECK_FAIL("%s: map invalidation 0x%" PRIx64 "..0x%" PRIx64 " is not the page", ctx,
                       inv.start, inv.end);
            return false;
        }
        if (inv.free_after != 0) {
            seen.replaced++;
            pool_free(NULL, inv.free_after);
        }
        seen.map_4k += size == IOPT_PAGE_4K;
        seen.map_2m += size == IOPT_PAGE_2M;
        if (model_count >= MODEL_MAX)
            abort();
        model[model_count++] = (struct mapping){iova, phys, size, rights};
        return check_address(iova, ctx) && check_address(iova + size - 1, ctx);
    }
    /* Unmap a range. */
    uint64_t iova = random_iova(window, IOPT_PAGE_4K);
    uint64_t len = rnd_below(4) == 0 ? IOPT_PAGE_2M : (1 + rnd_below(1024)) * IOPT_PAGE_4K;
    if (rnd_below(4) == 0)
        iova &= ~(IOPT_PAGE_2M - 1);
    if (rnd_below(100) == 0)
        len = 0;
    uint64_t lim = UINT64_C(1) << pt.addr_bits;
    int want = IOPT_OK;
    if ((iova & 0xfff) != 0 || (len & 0xfff) != 0)
        want = IOPT_ERR_ALIGN;
    else if (len == 0)
        want = IOPT_ERR_INVALID;
    else if (iova >= lim || lim - iova < len)
        want = IOPT_ERR_RANGE;
    uint64_t removed = 0, lo = UINT64_MAX, hi = 0;
    if (want == IOPT_OK) {
        for (unsigned i = 0; i < model_count; i++) {
            const struct mapping *m = &model[i];
            bool overlap = m->iova < iova + len && iova < m->iova + m->size;
            bool inside = m->iova >= iova && m->iova + m->size <= iova + len;
            if (overlap && !inside)
                want = IOPT_ERR_PARTIAL;
        }
    }
    int got = iopt_unmap(&pt, iova, len, &inv);
    if (got != want) {
        CHECK_FAIL("%s: unmap 0x%" PRIx64 " len 0x%" PRIx64 ": expected %d, got %d", ctx, iova, len,
                   want, got);
        return false;
    }
    seen.partial += got == IOPT_ERR_PARTIAL;
    if (got != IOPT_OK)
        return true;
    for (unsigned i = 0; i < model_count;) {
        const struct mapping *m = &model[i];
        if (m->iova >= iova && m->iova + m->size <= iova + len) {
            removed += m->size;
            lo = m->iova < lo ? m->iova : lo;
            hi = m->iova + m->size > hi ? m->iova + m->size : hi;
            model[i] = model[--model_count];
        } else {
            i++;
        }
    }
    seen.unmapped += removed != 0;
    if (inv.unmapped != removed || (removed != 0 && (inv.start != lo || inv.end != hi)) ||
        (removed == 0 && inv.start != inv.end) || !inv.leaf_only) {
        CHECK_FAIL("%s: unmap 0x%" PRIx64 " len 0x%" PRIx64 ": invalidation 0x%" PRIx64
                   "..0x%" PRIx64 " (%" PRIu64 " bytes), model 0x%" PRIx64 "..0x%" PRIx64
                   " (%" PRIu64 " bytes)",
                   ctx, iova, len, inv.start, inv.end, inv.unmapped, lo, hi, removed);
        return false;
    }
    return check_address(iova, ctx) && check_address(iova + len - 1, ctx);
}

static void random_sequences_for(const struct config *c, uint64_t seed)
{
    pool_init(POOL_PAGES);
    model_count = 0;
    rng_state = seed;
    CHECK_I("iopt_init", IOPT_OK, iopt_init(&pt, &pool_mem, c->sagaw, c->mgaw, c->sllps, c->haw));
    CHECK_U("levels", c->expect_levels, pt.levels);
    CHECK_U("address bits", c->expect_bits, pt.addr_bits);
    const uint64_t window = 64 * IOPT_PAGE_2M;
    char ctx[64];
    for (unsigned phase = 0; phase < 8; phase++) {
        for (unsigned step = 0; step < 1000; step++) {
            if (!random_step(window, phase * 1000 + step, seed))
                goto out;
        }
        snprintf(ctx, sizeof(ctx), "%s seed %" PRIu64 " phase %u", c->name, seed, phase);
        if (!check_everything(window, ctx))
            goto out;
    }
    CHECK_TRUE("some mappings survived", model_count > 10);
    CHECK_U("table pages counted", pool.in_use, pt.table_pages);
out:
    iopt_destroy(&pt);
    CHECK_U("every table freed", 0, pool.in_use);
    CHECK_U("pool errors", 0, pool.errors);
}

static void random_sequences(void)
{
    memset(&seen, 0, sizeof(seen));
    for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
        for (uint64_t seed = 1; seed <= 3; seed++)
            random_sequences_for(&configs[i], seed * 0x9e3779b97f4a7c15ull + i);
    }
    fprintf(stderr,
            "iopt random: %u 4K maps, %u 2M maps, %u overlaps, %u partial unmaps, %u unmaps, "
            "%u tables replaced, %u out of range\n",
            seen.map_4k, seen.map_2m, seen.exists, seen.partial, seen.unmapped, seen.replaced,
            seen.out_of_range);
    CHECK_TRUE("4K maps", seen.map_4k > 1000);
    CHECK_TRUE("2M maps", seen.map_2m > 100);
    CHECK_TRUE("overlaps refused", seen.exists > 100);
    CHECK_TRUE("partial unmaps refused", seen.partial > 10);
    CHECK_TRUE("unmaps that removed something", seen.unmapped > 100);
    CHECK_TRUE("2M pages over emptied tables", seen.replaced > 0);
    CHECK_TRUE("out of range", seen.out_of_range > 10);
}

/* ---- Specific cases -------------------------------------------------------- */

static void setup(unsigned limit)
{
    pool_init(limit);
    model_count = 0;
    if (iopt_init(&pt, &pool_mem, VTD_SAGAW_48, 48, VTD_SLLPS_2M, 39) != IOPT_OK)
        CHECK_FAIL("iopt_init failed");
}

static void teardown(void)
{
    iopt_destroy(&pt);
    CHECK_U("every table freed", 0, pool.in_use);
    CHECK_U("pool errors", 0, pool.errors);
}

static void init_choices(void)
{
    pool_init(8);
    CHECK_I("no usable depth", IOPT_ERR_INVALID, iopt_init(&pt, &pool_mem, 0, 48, 0, 39));
    CHECK_I("5-level only", IOPT_ERR_INVALID, iopt_init(&pt, &pool_mem, VTD_SAGAW_57, 57, 0, 39));
    CHECK_I("absurd host width", IOPT_ERR_INVALID,
            iopt_init(&pt, &pool_mem, VTD_SAGAW_48, 48, 0, 65));
    CHECK_U("nothing allocated", 0, pool.in_use);
    CHECK_I("both depths: 4 levels", IOPT_OK,
            iopt_init(&pt, &pool_mem, VTD_SAGAW_39 | VTD_SAGAW_48, 48, 0, 39));
    CHECK_U("levels", 4, pt.levels);
    CHECK_U("context AW", VTD_AW_48, iopt_context_aw(&pt));
    CHECK_TRUE("no 2 MiB pages", !pt.large_2m);
    iopt_destroy(&pt);
    CHECK_I("39-bit unit", IOPT_OK, iopt_init(&pt, &pool_mem, VTD_SAGAW_39, 48, 0, 39));
    CHECK_U("levels", 3, pt.levels);
    CHECK_U("width capped by the depth", 39, pt.addr_bits);
    CHECK_U("context AW", VTD_AW_39, iopt_context_aw(&pt));
    iopt_destroy(&pt);
    pool_init(0);
    CHECK_I("no page for the root", IOPT_ERR_NO_MEMORY,
            iopt_init(&pt, &pool_mem, VTD_SAGAW_48, 48, 0, 39));
}

static void entry_format(void)
{
    setup(16);
    struct iopt_inval inv;
    CHECK_I("map 4K read-only", IOPT_OK,
            iopt_map(&pt, 0x12345000, 0x7654000, IOPT_PAGE_4K, IOPT_READ, &inv));
    CHECK_TRUE("new tables: not leaf-only", !inv.leaf_only);
    /* Walk by hand, as the unit does (VT-d 3.6). */
    uint64_t *t = pool_table(NULL, pt.root);
    uint64_t e4 = t[(0x12345000ull >> 39) & 511];
    CHECK_U("PML4E grants R+W", VTD_SL_R | VTD_SL_W, e4 & 0xfff);
    uint64_t e3 = pool_table(NULL, e4 & VTD_SL_ADDR)[(0x12345000ull >> 30) & 511];
    uint64_t e2 = pool_table(NULL, e3 & VTD_SL_ADDR)[(0x12345000ull >> 21) & 511];
    CHECK_U("PDE is a table pointer", VTD_SL_R | VTD_SL_W, e2 & 0xfff);
    uint64_t e1 = pool_table(NULL, e2 & VTD_SL_ADDR)[(0x12345000ull >> 12) & 511];
    CHECK_U("PTE", 0x7654000ull | VTD_SL_R, e1);
    CHECK_U("4 tables", 4, pt.table_pages);

    /* Same 1 GiB region: the page directory exists already. */
    CHECK_I("map 2M write-only", IOPT_OK,
            iopt_map(&pt, 0x12400000, 0x80000000, IOPT_PAGE_2M, IOPT_WRITE, &inv));
    CHECK_TRUE("no new table: leaf-only", inv.leaf_only);
    e2 = pool_table(NULL, e3 & VTD_SL_ADDR)[(0x12400000ull >> 21) & 511];
    CHECK_U("PDE is a 2 MiB leaf", 0x80000000ull | VTD_SL_W | VTD_SL_PS, e2);
    CHECK_U("still 4 tables", 4, pt.table_pages);
    CHECK_I("map 2M in another 1 GiB region", IOPT_OK,
            iopt_map(&pt, 0x40000000, 0x80000000, IOPT_PAGE_2M, IOPT_READ, &inv));
    CHECK_TRUE("a new directory: not leaf-only", !inv.leaf_only);
    CHECK_U("5 tables", 5, pt.table_pages);
    teardown();
}

static void map_errors(void)
{
    setup(64);
    struct iopt_inval inv;
    uint64_t top = UINT64_C(1) << 48;
    CHECK_I("4K", IOPT_OK, iopt_map(&pt, 0x200000, 0x1000, IOPT_PAGE_4K, 3, &inv));
    CHECK_I("same page again", IOPT_ERR_EXISTS,
            iopt_map(&pt, 0x200000, 0x2000, IOPT_PAGE_4K, 3, &inv));
    CHECK_I("2M over a 4K page", IOPT_ERR_EXISTS,
            iopt_map(&pt, 0x200000, 0x400000, IOPT_PAGE_2M, 3, &inv));
    CHECK_I("2M", IOPT_OK, iopt_map(&pt, 0x600000, 0x400000, IOPT_PAGE_2M, 1, &inv));
    CHECK_I("4K inside the 2M page", IOPT_ERR_EXISTS,
            iopt_map(&pt, 0x7ff000, 0x1000, IOPT_PAGE_4K, 1, &inv));
    CHECK_I("2M twice", IOPT_ERR_EXISTS, iopt_map(&pt, 0x600000, 0x400000, IOPT_PAGE_2M, 1, &inv));
    CHECK_I("unaligned iova", IOPT_ERR_ALIGN, iopt_map(&pt, 0x1800, 0x1000, IOPT_PAGE_4K, 1, &inv));
    CHECK_I("unaligned phys", IOPT_ERR_ALIGN, iopt_map(&pt, 0x1000, 0x1010, IOPT_PAGE_4K, 1, &inv));
    CHECK_I("2M at a 4K boundary", IOPT_ERR_ALIGN,
            iopt_map(&pt, 0xa01000, 0x400000, IOPT_PAGE_2M, 1, &inv));
    CHECK_I("2M phys at a 4K boundary", IOPT_ERR_ALIGN,
            iopt_map(&pt, 0xa00000, 0x401000, IOPT_PAGE_2M, 1, &inv));
    CHECK_I("last 4K page of the width", IOPT_OK,
            iopt_map(&pt, top - 0x1000, 0x1000, IOPT_PAGE_4K, 1, &inv));
    CHECK_I("last 2M page of the width", IOPT_OK,
            iopt_map(&pt, top - 0x400000, 0x1000000, IOPT_PAGE_2M, 1, &inv));
    CHECK_I("at the width", IOPT_ERR_RANGE, iopt_map(&pt, top, 0x1000, IOPT_PAGE_4K, 1, &inv));
    CHECK_I("far beyond", IOPT_ERR_RANGE,
            iopt_map(&pt, UINT64_C(0xfffffffffffff000), 0x1000, IOPT_PAGE_4K, 1, &inv));
    CHECK_I("phys at the host width", IOPT_ERR_RANGE,
            iopt_map(&pt, 0x3000, UINT64_C(1) << 39, IOPT_PAGE_4K, 1, &inv));
    CHECK_I("last phys page", IOPT_OK,
            iopt_map(&pt, 0x3000, (UINT64_C(1) << 39) - 0x1000, IOPT_PAGE_4K, 1, &inv));
    CHECK_I("no rights", IOPT_ERR_INVALID, iopt_map(&pt, 0x4000, 0, IOPT_PAGE_4K, 0, &inv));
    CHECK_I("unknown right", IOPT_ERR_INVALID, iopt_map(&pt, 0x4000, 0, IOPT_PAGE_4K, 5, &inv));
    CHECK_I("1 GiB pages", IOPT_ERR_INVALID,
            iopt_map(&pt, 0x40000000, 0, UINT64_C(1) << 30, 1, &inv));
    CHECK_I("odd page size", IOPT_ERR_INVALID, iopt_map(&pt, 0x4000, 0, 0x2000, 1, &inv));
    CHECK_U("failed maps leave no invalidation", 0, inv.end - inv.start);
    teardown();

    pool_init(8);
    CHECK_I("no 2 MiB pages", IOPT_OK, iopt_init(&pt, &pool_mem, VTD_SAGAW_39, 39, 0, 39));
    CHECK_I("2M refused", IOPT_ERR_INVALID, iopt_map(&pt, 0, 0, IOPT_PAGE_2M, 1, &inv));
    teardown();
}

static void out_of_table_memory(void)
{
    struct iopt_inval inv;
    uint64_t phys;
    unsigned rights;
    uint64_t size;
    for (unsigned limit = 1; limit <= 4; limit++) {
        setup(limit);
        int rc = iopt_map(&pt, 0x5000, 0x9000, IOPT_PAGE_4K, 1, &inv);
        if (limit < 4) {
            CHECK_I("not enough pages", IOPT_ERR_NO_MEMORY, rc);
            CHECK_U("allocations rolled back", 1, pool.in_use);
            CHECK_TRUE("nothing mapped", !iopt_translate(&pt, 0x5000, &phys, &rights, &size));
        } else {
            CHECK_I("root + 3 tables", IOPT_OK, rc);
        }
        teardown();
    }
    /* An allocator that hands out a page the unit cannot reach. */
    setup(8);
    pool.bogus = UINT64_C(1) << 40;
    CHECK_I("page beyond the host width refused", IOPT_ERR_NO_MEMORY,
            iopt_map(&pt, 0x5000, 0x9000, IOPT_PAGE_4K, 1, &inv));
    CHECK_U("and handed back", 0, pool.bogus_out);
    pool.bogus = POOL_BASE + 0x800;
    CHECK_I("unaligned page refused", IOPT_ERR_NO_MEMORY,
            iopt_map(&pt, 0x5000, 0x9000, IOPT_PAGE_4K, 1, &inv));
    CHECK_I("then it works", IOPT_OK, iopt_map(&pt, 0x5000, 0x9000, IOPT_PAGE_4K, 1, &inv));
    teardown();
}

static void large_page_replaces_empty_table(void)
{
    setup(16);
    struct iopt_inval inv;
    CHECK_I("4K", IOPT_OK, iopt_map(&pt, 0x201000, 0x1000, IOPT_PAGE_4K, 3, &inv));
    unsigned tables = pool.in_use;
    CHECK_I("unmap it", IOPT_OK, iopt_unmap(&pt, 0x201000, 0x1000, &inv));
    CHECK_U("table kept", tables, pool.in_use);
    CHECK_I("2M over the empty table", IOPT_OK,
            iopt_map(&pt, 0x200000, 0x600000, IOPT_PAGE_2M, 3, &inv));
    CHECK_TRUE("a table to free after invalidation", inv.free_after != 0);
    CHECK_TRUE("not leaf-only", !inv.leaf_only);
    CHECK_U("still allocated until the caller frees it", tables, pool.in_use);
    CHECK_U("no longer counted", tables - 1, pt.table_pages);
    pool_free(NULL, inv.free_after);
    uint64_t phys, size;
    unsigned rights;
    CHECK_TRUE("2M mapped", iopt_translate(&pt, 0x3fffff, &phys, &rights, &size));
    CHECK_U("phys", 0x7fffff, phys);
    CHECK_U("size", IOPT_PAGE_2M, size);
    teardown();
}

static void unmap_cases(void)
{
    setup(64);
    struct iopt_inval inv;
    uint64_t phys, size;
    unsigned rights;
    CHECK_I("a", IOPT_OK, iopt_map(&pt, 0x1000, 0x10000, IOPT_PAGE_4K, 1, &inv));
    CHECK_I("b", IOPT_OK, iopt_map(&pt, 0x5000, 0x20000, IOPT_PAGE_4K, 2, &inv));
    CHECK_I("c (2M)", IOPT_OK, iopt_map(&pt, 0x400000, 0x800000, IOPT_PAGE_2M, 3, &inv));
    CHECK_I("d", IOPT_OK, iopt_map(&pt, 0x7000000, 0x30000, IOPT_PAGE_4K, 1, &inv));
    CHECK_I("unmap [0, 64K)", IOPT_OK, iopt_unmap(&pt, 0, 0x10000, &inv));
    CHECK_U("inval start", 0x1000, inv.start);
    CHECK_U("inval end", 0x6000, inv.end);
    CHECK_U("unmapped bytes", 0x2000, inv.unmapped);
    CHECK_TRUE("leaf only", inv.leaf_only);
    CHECK_TRUE("a gone", !iopt_translate(&pt, 0x1000, &phys, &rights, &size));
    CHECK_I("nothing there", IOPT_OK, iopt_unmap(&pt, 0, 0x10000, &inv));
    CHECK_U("empty invalidation", 0, inv.end - inv.start);
    CHECK_I("cuts the 2M page", IOPT_ERR_PARTIAL, iopt_unmap(&pt, 0x401000, 0x1000, &inv));
    CHECK_I("ends inside it", IOPT_ERR_PARTIAL, iopt_unmap(&pt, 0x200000, 0x201000, &inv));
    CHECK_I("starts inside it", IOPT_ERR_PARTIAL, iopt_unmap(&pt, 0x5ff000, 0x2000, &inv));
    CHECK_TRUE("c intact", iopt_translate(&pt, 0x5ff000, &phys, &rights, &size));
    CHECK_I("unaligned", IOPT_ERR_ALIGN, iopt_unmap(&pt, 0x400800, 0x1000, &inv));
    CHECK_I("unaligned length", IOPT_ERR_ALIGN, iopt_unmap(&pt, 0x400000, 0x800, &inv));
    CHECK_I("empty", IOPT_ERR_INVALID, iopt_unmap(&pt, 0x400000, 0, &inv));
    CHECK_I("beyond the width", IOPT_ERR_RANGE,
            iopt_unmap(&pt, (UINT64_C(1) << 48) - 0x1000, 0x2000, &inv));
    CHECK_I("whole 2M", IOPT_OK, iopt_unmap(&pt, 0x400000, 0x200000, &inv));
    CHECK_U("inval covers it", 0x400000, inv.start);
    CHECK_U("inval end", 0x600000, inv.end);
    CHECK_TRUE("c gone", !iopt_translate(&pt, 0x400000, &phys, &rights, &size));
    CHECK_I("the whole space", IOPT_OK, iopt_unmap(&pt, 0, UINT64_C(1) << 48, &inv));
    CHECK_U("d was the last", 0x1000, inv.unmapped);
    CHECK_U("its page", 0x7000000, inv.start);
    teardown();
}

static void inval_mask(void)
{
    uint64_t base;
    CHECK_U("one page", 0, iopt_inval_mask(0x1000, 0x2000, &base));
    CHECK_U("base", 0x1000, base);
    CHECK_U("pages 1..2", 2, iopt_inval_mask(0x1000, 0x3000, &base));
    CHECK_U("base", 0, base);
    CHECK_U("2M page", 9, iopt_inval_mask(0x200000, 0x400000, &base));
    CHECK_U("base", 0x200000, base);
    CHECK_U("across 2M", 11, iopt_inval_mask(0x3ff000, 0x401000, &base));
    CHECK_U("base", 0, base);
    CHECK_U("empty: one page", 0, iopt_inval_mask(0x5000, 0x5000, &base));
}

int main(void)
{
    check_suite("iopt");
    RUN_TEST(init_choices);
    RUN_TEST(entry_format);
    RUN_TEST(map_errors);
    RUN_TEST(out_of_table_memory);
    RUN_TEST(large_page_replaces_empty_table);
    RUN_TEST(unmap_cases);
    RUN_TEST(inval_mask);
    RUN_TEST(random_sequences);
    free(pool.mem);
    return check_exit_code();
}
