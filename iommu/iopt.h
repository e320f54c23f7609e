/* Second-level IO page tables of one VT-d domain (IOSpace): 3 or 4 levels,
 * 4 KiB and 2 MiB pages, read/write rights (VT-d Specification 3.6, 9.8).
 *
 * Portable C11 over an abstract page allocator, so the same code runs in
 * the kernel (pages from the IOSpace's untyped memory, reached through the
 * direct map) and on the host against a model. Every operation checks all
 * its arguments first and changes nothing when it fails; the caller gets
 * back what it must invalidate in the IOTLB before the change is relied
 * upon (an unmapped page is only unreachable for the device once the
 * invalidation has completed). */
#ifndef ATOLL_IOMMU_IOPT_H
#define ATOLL_IOMMU_IOPT_H

#include <stdbool.h>
#include <stdint.h>

#define IOPT_PAGE_4K (UINT64_C(1) << 12)
#define IOPT_PAGE_2M (UINT64_C(1) << 21)

/* Access rights of a mapping. */
#define IOPT_READ  1u
#define IOPT_WRITE 2u

enum iopt_error {
    IOPT_OK = 0,
    IOPT_ERR_INVALID = -1,   /* page size not supported by the unit, no or unknown rights */
    IOPT_ERR_ALIGN = -2,     /* address or length not aligned to the page size */
    IOPT_ERR_RANGE = -3,     /* beyond the input address width or the host address width */
    IOPT_ERR_EXISTS = -4,    /* overlaps an existing mapping */
    IOPT_ERR_NO_MEMORY = -5, /* the allocator has no page left for a table */
    IOPT_ERR_PARTIAL = -6,   /* unmap would cut a 2 MiB page */
};

struct iopt_mem {
    /* Physical address of a zeroed, 4 KiB aligned page, or 0 if none. */
    uint64_t (*alloc_page)(void *ctx);
    void (*free_page)(void *ctx, uint64_t phys);
    /* The 512 entries of the table page at `phys`. */
    uint64_t *(*table)(void *ctx, uint64_t phys);
    void *ctx;
};

struct iopt {
    struct iopt_mem mem;
    uint64_t root;        /* physical address of the top-level table */
    unsigned levels;      /* 3 (39-bit) or 4 (48-bit) */
    unsigned addr_bits;   /* IOVA width: the levels' reach, capped at MGAW */
    uint64_t phys_limit;  /* output addresses (and tables) lie below this */
    bool large_2m;        /* the unit walks 2 MiB leaves */
    uint32_t table_pages; /* table pages held, the root included */
};

/* What a change requires. [start, end) is the IOVA range whose IOTLB
 * entries must be invalidated (empty if start == end). leaf_only: only
 * leaf entries changed, so the invalidation hint (IH) may be set.
 * free_after: a table page that was unlinked; the caller frees it through
 * the allocator once the invalidation has completed (0: none).
 * A map needs the invalidation only on a unit with caching mode (CAP.CM)
 * or when free_after is set; an unmap always needs it. */
struct iopt_inval {
    uint64_t start, end;
    bool leaf_only;
    uint64_t free_after;
    uint64_t unmapped; /* bytes of mappings removed (unmap only) */
};

/* Chooses the depth from the unit's CAP.SAGAW (4 levels if offered, else
 * 3), caps the IOVA width at CAP.MGAW, takes 2 MiB pages from CAP.SLLPS
 * and the host address width from the DMAR, and allocates the root.
 * IOPT_ERR_INVALID if the unit offers neither depth or the widths are
 * absurd, IOPT_ERR_NO_MEMORY if the root cannot be allocated. */
int iopt_init(struct iopt *pt, const struct iopt_mem *mem, unsigned sagaw, unsigned mgaw,
              unsigned sllps, unsigned host_addr_width);

/* The context-entry AW field for this table (VTD_AW_39 or VTD_AW_48). */
unsigned iopt_context_aw(const struct iopt *pt);

/* Maps one page of `page_size` (IOPT_PAGE_4K or IOPT_PAGE_2M) at `iova`
 * to `phys` with `rights`. A 2 MiB page may replace a table that holds no
 * mapping any more (returned in inv->free_after). */
int iopt_map(struct iopt *pt, uint64_t iova, uint64_t phys, uint64_t page_size, unsigned rights,
             struct iopt_inval *inv);

/* Removes every mapping inside [iova, iova + len), both 4 KiB aligned.
 * Holes are allowed; a 2 MiB page that is only partly inside fails the
 * whole call with IOPT_ERR_PARTIAL. Tables are kept (iopt_destroy frees
 * them). */
int iopt_unmap(struct iopt *pt, uint64_t iova, uint64_t len, struct iopt_inval *inv);

/* The device's view of `iova`: false if not mapped. */
bool iopt_translate(const struct iopt *pt, uint64_t iova, uint64_t *phys, unsigned *rights,
                    uint64_t *page_size);

/* Frees every table page, the root included. The IOSpace must no longer
 * be referenced by any context entry (and that change invalidated). */
void iopt_destroy(struct iopt *pt);

/* Page-selective invalidation of [start, end): the aligned base and the
 * address mask AM (2^AM pages) of the smallest naturally aligned block
 * covering the range. */
unsigned iopt_inval_mask(uint64_t start, uint64_t end, uint64_t *base);

#endif
