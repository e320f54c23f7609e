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
