#include "bootmem.h"
#include "layout.h"
#include "paging.h"
#include "trap.h"
#include "../../kernel/console.h"
#include "../../kernel/kstring.h"

#define BOOTMEM_MAX_RESERVED 24
#define LOW_MEMORY_END       0x100000ull
#define BOOTMEM_LIMIT        (4ull << 30)
/* Real-mode IVT and BIOS data area live in the first page. */
#define LOW_PAGE_MIN 0x1000ull

struct range {
    uint64_t base, end;
};

static const struct mb2_boot *boot_info;
static struct range reserved[BOOTMEM_MAX_RESERVED];
static unsigned reserved_count;
static uint64_t next_free = LOW_MEMORY_END;
static uint64_t pages_used;
static bool frozen;

static void check_not_frozen(void)
{
    if (frozen) {
        kprintf("atoll: boot allocation after memory was handed to user space\n");
        system_stop(1);
    }
}

void bootmem_init(const struct mb2_boot *boot)
{
    boot_info = boot;
}

void bootmem_reserve(uint64_t base, uint64_t len)
{
    if (reserved_count == BOOTMEM_MAX_RESERVED) {
        kprintf("atoll: too many boot memory reservations\n");
        system_stop(1);
    }
    reserved[reserved_count++] = (struct range){base, base + len};
}

static uint64_t overlapping_reservation_end(uint64_t page)
{
    for (unsigned i = 0; i < reserved_count; i++)
        if (page < reserved[i].end && page + PAGE_SIZE > reserved[i].base)
            return reserved[i].end;
    return 0;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/* First free page in [lo, hi) at or after *cursor, or 0. */
static uint64_t find_page(uint64_t *cursor, uint64_t lo, uint64_t hi)
{
    for (uint32_t i = 0; i < boot_info->mmap_count; i++) {
        const struct mb2_mmap_entry *e = &boot_info->mmap[i];
        if (e->type != MB2_MEM_AVAILABLE)
            continue;
        uint64_t start = e->base < lo ? lo : e->base;
        uint64_t end = e->base + e->length > hi ? hi : e->base + e->length;
        if (start < *cursor)
            start = *cursor;
        uint64_t page = align_up(start, PAGE_SIZE);
        while (page + PAGE_SIZE <= end) {
            uint64_t skip = overlapping_reservation_end(page);
            if (!skip) {
                *cursor = page + PAGE_SIZE;
                return page;
            }
            page = align_up(skip, PAGE_SIZE);
        }
    }
    return 0;
}

uint64_t bootmem_alloc_page(void)
{
    check_not_frozen();
    /* The cursor only moves up, so no page is handed out twice even if the
     * firmware's map is unsorted (a lower region listed late is just not
     * used). */
    uint64_t page = find_page(&next_free, LOW_MEMORY_END, BOOTMEM_LIMIT);
    if (!page) {
        kprintf("atoll: out of boot memory after %lu pages\n", pages_used);
        system_stop(1);
    }
    memset(phys_to_virt(page), 0, PAGE_SIZE);
    pages_used++;
    return page;
}

uint64_t bootmem_alloc_low_page(void)
{
    check_not_frozen();
    uint64_t cursor = LOW_PAGE_MIN;
    uint64_t page = find_page(&cursor, LOW_PAGE_MIN, LOW_MEMORY_END);
    if (page) {
        bootmem_reserve(page, PAGE_SIZE);
        memset(phys_to_virt(page), 0, PAGE_SIZE);
    }
    return page;
}

uint64_t bootmem_pages_used(void)
{
    return pages_used;
}

uint64_t bootmem_alloc_aligned(unsigned size_bits)
{
    check_not_frozen();
    uint64_t size = UINT64_C(1) << size_bits;
    /* An aligned block becomes a reservation of its own rather than
     * moving the page cursor, so the alignment gap stays usable. */
    for (uint32_t i = 0; i < boot_info->mmap_count; i++) {
        const struct mb2_mmap_entry *e = &boot_info->mmap[i];
        if (e->type != MB2_MEM_AVAILABLE)
            continue;
        uint64_t end = e->base + e->length > BOOTMEM_LIMIT ? BOOTMEM_LIMIT : e->base + e->length;
        uint64_t start = e->base < LOW_MEMORY_END ? LOW_MEMORY_END : e->base;
        uint64_t block = align_up(start, size);
        while (block + size <= end) {
            uint64_t skip = 0;
            for (uint64_t p = block; p < block + size && !skip; p += PAGE_SIZE) {
                skip = overlapping_reservation_end(p);
                if (!skip && p < next_free)
                    skip = next_free;
            }
            if (!skip) {
                bootmem_reserve(block, size);
                memset(phys_to_virt(block), 0, size);
                pages_used += size / PAGE_SIZE;
                return block;
            }
            block = align_up(skip, size);
        }
    }
    kprintf("atoll: out of boot memory for a 2^%u-byte object\n", size_bits);
    system_stop(1);
}

void bootmem_freeze(uint64_t limit, bootmem_range_fn fn, void *ctx)
{
    frozen = true;
    /* Everything handed out: the page cursor's range and the reservations,
     * sorted by base so each region is cut in one pass. */
    struct range used[BOOTMEM_MAX_RESERVED + 1];
    unsigned n = 0;
    used[n++] = (struct range){LOW_MEMORY_END, next_free};
    for (unsigned i = 0; i < reserved_count; i++)
        used[n++] = reserved[i];
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && used[j].base < used[j - 1].base; j--) {
            struct range t = used[j];
            used[j] = used[j - 1];
            used[j - 1] = t;
        }
    for (uint32_t i = 0; i < boot_info->mmap_count; i++) {
        const struct mb2_mmap_entry *e = &boot_info->mmap[i];
        if (e->type != MB2_MEM_AVAILABLE || e->base + e->length < e->base)
            continue;
        uint64_t start = align_up(e->base < LOW_MEMORY_END ? LOW_MEMORY_END : e->base, PAGE_SIZE);
        uint64_t end =
            (e->base + e->length > limit ? limit : e->base + e->length) & ~(PAGE_SIZE - 1);
        for (unsigned k = 0; k < n && start < end; k++) {
            uint64_t ub = used[k].base & ~(PAGE_SIZE - 1);
            uint64_t ue = align_up(used[k].end, PAGE_SIZE);
            if (ue <= start || ub >= end)
                continue;
            if (ub > start)
                fn(start, ub, ctx);
            start = ue > start ? ue : start;
        }
        if (start < end)
            fn(start, end, ctx);
    }
}
