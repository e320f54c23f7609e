/* Second-level IO page tables. See iopt.h.
 *
 * Level numbering: 1 holds 4 KiB leaves (PT), 2 may hold 2 MiB leaves
 * (PD), 3 and 4 point to tables. A second-level entry is present when it
 * grants read or write (VT-d 9.8: there is no present bit); a non-leaf
 * entry grants both, so that a leaf's rights are what the device gets
 * (rights are combined across levels). */
#include <stdbool.h>
#include <stdint.h>

#include "iommu/iopt.h"
#include "iommu/vtd_regs.h"

#define IOPT_MAX_LEVELS  4
#define IOPT_RIGHTS_MASK (VTD_SL_R | VTD_SL_W)

static unsigned level_shift(unsigned level)
{
    return VTD_PAGE_SHIFT + VTD_SL_LEVEL_BITS * (level - 1);
}

static unsigned level_index(uint64_t iova, unsigned level)
{
    return (unsigned)((iova >> level_shift(level)) & (VTD_SL_ENTRIES - 1));
}

static bool entry_present(uint64_t e)
{
    return (e & IOPT_RIGHTS_MASK) != 0;
}

static bool entry_is_leaf(uint64_t e, unsigned level)
{
    return level == 1 || (e & VTD_SL_PS) != 0;
}

static uint64_t entry_addr(uint64_t e)
{
    return e & VTD_SL_ADDR;
}

static uint64_t *table_of(const struct iopt *pt, uint64_t phys)
{
    return pt->mem.table(pt->mem.ctx, phys);
}

/* A fresh table page, checked: the allocator is trusted to hand out
 * zeroed pages, but not to respect alignment and the unit's reach. */
static uint64_t alloc_table(struct iopt *pt)
{
    uint64_t p = pt->mem.alloc_page(pt->mem.ctx);
    if (p == 0)
        return 0;
    if ((p & (VTD_PAGE_SIZE - 1)) != 0 || p >= pt->phys_limit ||
        pt->phys_limit - p < VTD_PAGE_SIZE) {
        pt->mem.free_page(pt->mem.ctx, p);
        return 0;
    }
    pt->table_pages++;
    return p;
}

static void free_table(struct iopt *pt, uint64_t phys)
{
    pt->mem.free_page(pt->mem.ctx, phys);
    pt->table_pages--;
}

static void inval_none(struct iopt_inval *inv)
{
    inv->start = inv->end = 0;
    inv->leaf_only = true;
    inv->free_after = 0;
    inv->unmapped = 0;
}

int iopt_init(struct iopt *pt, const struct iopt_mem *mem, unsigned sagaw, unsigned mgaw,
              unsigned sllps, unsigned host_addr_width)
{
    pt->mem = *mem;
    pt->root = 0;
    pt->table_pages = 0;
    if ((sagaw & VTD_SAGAW_48) != 0)
        pt->levels = 4;
    else if ((sagaw & VTD_SAGAW_39) != 0)
        pt->levels = 3;
    else
        return IOPT_ERR_INVALID;
    unsigned reach = level_shift(pt->levels) + VTD_SL_LEVEL_BITS;
    /* Below 2 MiB nothing useful fits; above 64 bits nothing is real. */
    if (mgaw < 21 || host_addr_width < 21 || host_addr_width > 64)
        return IOPT_ERR_INVALID;
    pt->addr_bits = mgaw < reach ? mgaw : reach;
    /* Entries hold addresses up to bit 51 (VTD_SL_ADDR). */
    unsigned haw = host_addr_width < 52 ? host_addr_width : 52;
    pt->phys_limit = UINT64_C(1) << haw;
    pt->large_2m = (sllps & VTD_SLLPS_2M) != 0;
    pt->root = alloc_table(pt);
    return pt->root != 0 ? IOPT_OK : IOPT_ERR_NO_MEMORY;
}

unsigned iopt_context_aw(const struct iopt *pt)
{
    return pt->levels == 4 ? VTD_AW_48 : VTD_AW_39;
}

static bool rights_valid(unsigned rights)
{
    return rights != 0 && (rights & ~(IOPT_READ | IOPT_WRITE)) == 0;
}

static uint64_t rights_bits(unsigned rights)
{
    return ((rights & IOPT_READ) ? VTD_SL_R : 0) | ((rights & IOPT_WRITE) ? VTD_SL_W : 0);
}

/* True if the table at `phys` (at `level`) holds no leaf anywhere below. */
static bool subtree_empty(const struct iopt *pt, uint64_t phys, unsigned level)
{
    const uint64_t *t = table_of(pt, phys);
    for (unsigned i = 0; i < VTD_SL_ENTRIES; i++) {
        uint64_t e = t[i];
        if (!entry_present(e))
            continue;
        if (entry_is_leaf(e, level) || !subtree_empty(pt, entry_addr(e), level - 1))
            return false;
    }
    return true;
}

static void free_subtree(struct iopt *pt, uint64_t phys, unsigned level)
{
    if (level > 1) {
        const uint64_t *t = table_of(pt, phys);
        for (unsigned i = 0; i < VTD_SL_ENTRIES; i++) {
            if (entry_present(t[i]) && !entry_is_leaf(t[i], level))
                free_subtree(pt, entry_addr(t[i]), level - 1);
        }
    }
    free_table(pt, phys);
}

int iopt_map(struct iopt *pt, uint64_t iova, uint64_t phys, uint64_t page_size, unsigned rights,
             struct iopt_inval *inv)
{
    inval_none(inv);
    unsigned leaf_level;
    if (page_size == IOPT_PAGE_4K)
        leaf_level = 1;
    else if (page_size == IOPT_PAGE_2M && pt->large_2m)
        leaf_level = 2;
    else
        return IOPT_ERR_INVALID;
    if (!rights_valid(rights))
        return IOPT_ERR_INVALID;
    if ((iova & (page_size - 1)) != 0 || (phys & (page_size - 1)) != 0)
        return IOPT_ERR_ALIGN;
    uint64_t iova_limit = UINT64_C(1) << pt->addr_bits;
    if (iova >= iova_limit || iova_limit - iova < page_size || phys >= pt->phys_limit ||
        pt->phys_limit - phys < page_size)
        return IOPT_ERR_RANGE;

    /* Decode: walk as far as tables exist; find what is missing and
     * whether the slot is free. Nothing changes until this has passed. */
    uint64_t table = pt->root;
    unsigned level = pt->levels;
    for (; level > leaf_level; level--) {
        uint64_t e = table_of(pt, table)[level_index(iova, level)];
        if (!entry_present(e))
            break;
        if (entry_is_leaf(e, level))
            return IOPT_ERR_EXISTS; /* inside a 2 MiB page */
        table = entry_addr(e);
    }
    uint64_t replaced = 0;
    if (level == leaf_level) {
        uint64_t e = table_of(pt, table)[level_index(iova, level)];
        if (entry_present(e)) {
            /* A 2 MiB page over a table of 4 KiB pages that are all gone. */
            if (entry_is_leaf(e, level) || !subtree_empty(pt, entry_addr(e), level - 1))
                return IOPT_ERR_EXISTS;
            replaced = entry_addr(e);
        }
    }
    unsigned missing = level - leaf_level;
    uint64_t fresh[IOPT_MAX_LEVELS];
    for (unsigned i = 0; i < missing; i++) {
        fresh[i] = alloc_table(pt);
        if (fresh[i] == 0) {
            while (i-- > 0)
                free_table(pt, fresh[i]);
            return IOPT_ERR_NO_MEMORY;
        }
    }

    /* Perform: link the new tables top-down, then write the leaf. The
     * leaf goes last, so a walk by the unit never sees half a path. */
    for (unsigned i = 0; i < missing; i++, level--) {
        table_of(pt, table)[level_index(iova, level)] = fresh[i] | VTD_SL_R | VTD_SL_W;
        table = fresh[i];
    }
    uint64_t leaf = (phys & VTD_SL_ADDR) | rights_bits(rights);
    if (leaf_level == 2)
        leaf |= VTD_SL_PS;
    table_of(pt, table)[level_index(iova, leaf_level)] = leaf;

    inv->start = iova;
    inv->end = iova + page_size;
    inv->leaf_only = missing == 0 && replaced == 0;
    if (replaced != 0) {
        /* The table stays allocated (and counted) until the caller has
         * invalidated and hands it back through free_page(). */
        inv->free_after = replaced;
        pt->table_pages--;
    }
    return IOPT_OK;
}

/* The 2 MiB leaf covering `iova`, if any: 0 if none. */
static uint64_t large_leaf_at(const struct iopt *pt, uint64_t iova)
{
    uint64_t table = pt->root;
    for (unsigned level = pt->levels; level >= 2; level--) {
        uint64_t e = table_of(pt, table)[level_index(iova, level)];
        if (!entry_present(e))
            return 0;
        if (entry_is_leaf(e, level))
            return level == 2 ? e : 0;
        table = entry_addr(e);
    }
    return 0;
}

/* Clears every leaf of the table at `phys` (at `level`, covering IOVAs
 * from `base`) inside [start, end); pass 1 of iopt_unmap() has made sure
 * no leaf is only partly inside. */
static void unmap_range(struct iopt *pt, uint64_t phys, unsigned level, uint64_t base,
                        uint64_t start, uint64_t end, struct iopt_inval *inv)
{
    uint64_t *t = table_of(pt, phys);
    uint64_t span = UINT64_C(1) << level_shift(level);
    unsigned first = (unsigned)((start - base) >> level_shift(level));
    unsigned last = (unsigned)((end - 1 - base) >> level_shift(level));
    for (unsigned i = first; i <= last; i++) {
        uint64_t e = t[i];
        if (!entry_present(e))
            continue;
        uint64_t lo = base + (uint64_t)i * span;
        if (!entry_is_leaf(e, level)) {
            uint64_t s = start > lo ? start : lo;
            uint64_t x = end < lo + span ? end : lo + span;
            unmap_range(pt, entry_addr(e), level - 1, lo, s, x, inv);
            continue;
        }
        t[i] = 0;
        if (inv->start == inv->end) {
            inv->start = lo;
            inv->end = lo + span;
        } else {
            inv->start = lo < inv->start ? lo : inv->start;
            inv->end = lo + span > inv->end ? lo + span : inv->end;
        }
        inv->unmapped += span;
    }
}

int iopt_unmap(struct iopt *pt, uint64_t iova, uint64_t len, struct iopt_inval *inv)
{
    inval_none(inv);
    if ((iova & (IOPT_PAGE_4K - 1)) != 0 || (len & (IOPT_PAGE_4K - 1)) != 0)
        return IOPT_ERR_ALIGN;
    if (len == 0)
        return IOPT_ERR_INVALID;
    uint64_t iova_limit = UINT64_C(1) << pt->addr_bits;
    if (iova >= iova_limit || iova_limit - iova < len)
        return IOPT_ERR_RANGE;
    uint64_t end = iova + len;
    /* Only the 2 MiB pages at the two ends can be cut by the range. */
    if ((iova & (IOPT_PAGE_2M - 1)) != 0 && large_leaf_at(pt, iova) != 0)
        return IOPT_ERR_PARTIAL;
    if ((end & (IOPT_PAGE_2M - 1)) != 0 && large_leaf_at(pt, end - 1) != 0)
        return IOPT_ERR_PARTIAL;

    unmap_range(pt, pt->root, pt->levels, 0, iova, end, inv);
    return IOPT_OK;
}

bool iopt_translate(const struct iopt *pt, uint64_t iova, uint64_t *phys, unsigned *rights,
                    uint64_t *page_size)
{
    if (pt->root == 0 || pt->addr_bits >= 64 || iova >= (UINT64_C(1) << pt->addr_bits))
        return false;
    uint64_t table = pt->root;
    for (unsigned level = pt->levels; level >= 1; level--) {
        uint64_t e = table_of(pt, table)[level_index(iova, level)];
        if (!entry_present(e))
            return false;
        if (entry_is_leaf(e, level)) {
            uint64_t size = UINT64_C(1) << level_shift(level);
            *phys = entry_addr(e) + (iova & (size - 1));
            *rights = ((e & VTD_SL_R) ? IOPT_READ : 0) | ((e & VTD_SL_W) ? IOPT_WRITE : 0);
            *page_size = size;
            return true;
        }
        table = entry_addr(e);
    }
    return false;
}

void iopt_destroy(struct iopt *pt)
{
    if (pt->root != 0)
        free_subtree(pt, pt->root, pt->levels);
    pt->root = 0;
}

unsigned iopt_inval_mask(uint64_t start, uint64_t end, uint64_t *base)
{
    uint64_t first = start >> VTD_PAGE_SHIFT;
    uint64_t last = end > start ? (end - 1) >> VTD_PAGE_SHIFT : first;
    unsigned am = 0;
    while (am < 52 && (first >> am) != (last >> am))
        am++;
    *base = (first >> am) << (am + VTD_PAGE_SHIFT);
    return am;
}
