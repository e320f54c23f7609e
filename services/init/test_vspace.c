/* User-level tests of address-space objects through the real system-call
 * path: page tables and frames from a private untyped, mapped into the root
 * task's own VSpace at a free address, used through those mappings, and
 * every error path with its exact code and argument. Slots come from
 * [empty_first + 512, empty_first + 1024), clear of the other groups. */
#include "tests.h"
#include "test.h"
#include "vspace.h"
#include "atoll/tcb.h"

#define ROOT   ATOLL_SLOT_ROOT_CNODE
#define DEPTH  64 /* the root CNode's guard makes every index a depth-64 pointer */
#define VSPACE ATOLL_SLOT_ROOT_VSPACE

#define SLOTS_FROM  512
#define SLOTS_COUNT 512

/* A private untyped of 8 MiB: NFRAMES 4 KiB frames first (so they sit at
 * its base, in order), the 2 MiB frame next (at base + 2 MiB), everything
 * else above 4 MiB. */
#define UT_BITS 23
#define NFRAMES 48

#define PAGE UINT64_C(0x1000)
#define MIB  (UINT64_C(1) << 20)
#define GIB  (UINT64_C(1) << 30)
/* Free in the root task's VSpace: PML4 entry 32 (its image is in entry 0,
 * its stack and boot pages in entry 255). */
#define VA  UINT64_C(0x0000100000000000)
#define VA2 UINT64_C(0x0000200000000000)

#define PATTERN UINT64_C(0x5a5aa5a5deadbeef)

static uint64_t next_slot, last_slot;
static uint64_t ut;
static uint64_t frames; /* first of NFRAMES consecutive slots */
static uint64_t big;    /* the 2 MiB frame, in the slot after the frames */
static uint64_t pdpt, pd, pt, pt2, pdpt_b;
static uint64_t base_paddr;
static const struct atoll_bootinfo *bootinfo;
static uint64_t parent; /* index of the bootinfo untyped ut came from */

static uint64_t slot(void)
{
    return next_slot < last_slot ? next_slot++ : 0;
}

static uint64_t frame(unsigned i)
{
    return frames + i;
}

static volatile uint64_t *at(uint64_t va)
{
    return (volatile uint64_t *)va;
}

static struct atoll_error_detail retype(uint64_t type, uint64_t dest, uint64_t count)
{
    return atoll_untyped_retype(ut, type, 0, ROOT, 0, 0, dest, count);
}

static struct atoll_error_detail copy(uint64_t dest, uint64_t src, uint64_t rights)
{
    return atoll_cnode_copy_op(ATOLL_CNODE_COPY, ROOT, dest, DEPTH, ROOT, src, DEPTH, rights, 0);
}

static struct atoll_error_detail del(uint64_t s)
{
    return atoll_cnode_slot_op(ATOLL_CNODE_DELETE, ROOT, s, DEPTH);
}

static struct atoll_error_detail revoke(uint64_t s)
{
    return atoll_cnode_slot_op(ATOLL_CNODE_REVOKE, ROOT, s, DEPTH);
}

static struct atoll_error_detail map(uint64_t f, uint64_t va, uint64_t rights)
{
    return atoll_frame_map(f, VSPACE, va, rights, 0);
}

static void expect_error(const char *name, struct atoll_error_detail e, uint64_t code,
                         uint64_t argument)
{
    test_result(name, e.code == code && e.argument == argument,
                "expected error %lu on argument %lu, got error %lu on argument %lu", code, argument,
                e.code, e.argument);
}

/* A failed lookup of a page table: which argument, and the bits left
 * where the walk stopped (39: no PDPT, 30: no PD, 21: no PT). */
static void expect_missing_table(const char *name, struct atoll_error_detail e, uint64_t argument,
                                 uint64_t bits_left)
{
    test_result(name,
                e.code == ATOLL_ERR_FAILED_LOOKUP && e.argument == argument &&
                    e.value0 == ATOLL_LOOKUP_MISSING_CAPABILITY && e.value1 == bits_left,
                "expected FAILED_LOOKUP on argument %lu, missing capability, %lu bits left; got "
                "error %lu argument %lu kind %lu bits %lu",
                argument, bits_left, e.code, e.argument, e.value0, e.value1);
}

static uint64_t address_of(uint64_t f)
{
    uint64_t paddr;
    struct atoll_error_detail e = atoll_frame_get_address(f, &paddr);
    return e.code == ATOLL_OK ? paddr : ~UINT64_C(0);
}

static int setup(const struct atoll_bootinfo *bi)
{
    bootinfo = bi;
    next_slot = bi->empty_first + SLOTS_FROM;
    last_slot = next_slot + SLOTS_COUNT;
    if (last_slot > bi->empty_last)
        last_slot = bi->empty_last;
    for (uint64_t i = 0; i < bi->untyped_count; i++) {
        if (bi->untyped[i].size_bits >= UT_BITS && !bi->untyped[i].is_device) {
            parent = i;
            ut = slot();
            struct atoll_error_detail e = atoll_untyped_retype(
                bi->untyped_first + i, ATOLL_OBJECT_UNTYPED, UT_BITS, ROOT, 0, 0, ut, 1);
            TEST_EQ("vspace.setup_child_untyped_ok", e.code, ATOLL_OK);
            if (e.code != ATOLL_OK)
                return 0;
            break;
        }
    }
    if (!ut) {
        test_result("vspace.setup_found_untyped", 0, "no untyped of 2^%u bytes", UT_BITS);
        return 0;
    }
    frames = next_slot;
    next_slot += NFRAMES;
    TEST_EQ("vspace.retype_4k_frames_ok", retype(ATOLL_OBJECT_FRAME_4K, frames, NFRAMES).code,
            ATOLL_OK);
    big = slot();
    TEST_EQ("vspace.retype_2m_frame_ok", retype(ATOLL_OBJECT_FRAME_2M, big, 1).code, ATOLL_OK);
    pdpt = slot();
    pd = slot();
    pt = slot();
    pt2 = slot();
    pdpt_b = slot();
    uint64_t bad = retype(ATOLL_OBJECT_PDPT, pdpt, 1).code | retype(ATOLL_OBJECT_PD, pd, 1).code |
                   retype(ATOLL_OBJECT_PT, pt, 1).code | retype(ATOLL_OBJECT_PT, pt2, 1).code |
                   retype(ATOLL_OBJECT_PDPT, pdpt_b, 1).code;
    TEST_EQ("vspace.retype_page_tables_ok", bad, ATOLL_OK);
    return bad == ATOLL_OK;
}

/* Frame_GetAddress equals where Retype carved the frames from. */
static void test_addresses(void)
{
    const struct atoll_untyped_desc *d = &bootinfo->untyped[parent];
    base_paddr = address_of(frame(0));
    test_result("vspace.get_address_is_untyped_base",
                (base_paddr & ((UINT64_C(1) << UT_BITS) - 1)) == 0 && base_paddr >= d->paddr &&
                    base_paddr + (UINT64_C(1) << UT_BITS) <=
                        d->paddr + (UINT64_C(1) << d->size_bits),
                "frame 0 at 0x%lx: not a 2^%u-aligned block of untyped [0x%lx, +2^%u)", base_paddr,
                UT_BITS, d->paddr, d->size_bits);
    int ordered = 1;
    for (unsigned i = 1; i < NFRAMES; i++)
        ordered &= address_of(frame(i)) == base_paddr + i * PAGE;
    test_result("vspace.get_address_follows_retype_order", ordered,
                "frames are not at consecutive pages from 0x%lx", base_paddr);
    TEST_EQ("vspace.get_address_of_2m_frame", address_of(big), base_paddr + 2 * MIB);
    struct atoll_error_detail e = atoll_invoke(pt, ATOLL_FRAME_GET_ADDRESS, NULL, 0, NULL, 0);
    expect_error("vspace.get_address_on_page_table_is_illegal", e, ATOLL_ERR_ILLEGAL_OPERATION, 0);
}

static void test_page_tables(void)
{
    struct atoll_error_detail e;

    expect_missing_table("vspace.frame_map_without_pdpt_is_failed_lookup",
                         map(frame(0), VA, ATOLL_RIGHTS_RW), ATOLL_FRAME_ARG_VADDR, 39);
    expect_missing_table("vspace.pd_map_without_pdpt_is_failed_lookup",
                         atoll_page_table_map(pd, VSPACE, VA), ATOLL_PAGE_TABLE_ARG_VADDR, 39);
    expect_error("vspace.pdpt_map_into_frame_is_invalid_capability",
                 atoll_page_table_map(pdpt, frame(0), VA), ATOLL_ERR_INVALID_CAPABILITY, 0);
    expect_error("vspace.pdpt_map_kernel_half_is_invalid_argument",
                 atoll_page_table_map(pdpt, VSPACE, UINT64_C(0xffff800000000000)),
                 ATOLL_ERR_INVALID_ARGUMENT, ATOLL_PAGE_TABLE_ARG_VADDR);
    expect_error("vspace.pdpt_map_non_canonical_is_invalid_argument",
                 atoll_page_table_map(pdpt, VSPACE, ATOLL_USER_ADDR_END),
                 ATOLL_ERR_INVALID_ARGUMENT, ATOLL_PAGE_TABLE_ARG_VADDR);
    uint64_t w[1] = {VA};
    e = atoll_invoke(pdpt, ATOLL_PAGE_TABLE_MAP, w, 1, NULL, 0);
    test_result("vspace.pdpt_map_without_vspace_is_truncated",
                e.code == ATOLL_ERR_TRUNCATED_MESSAGE && e.value0 == 1 && e.value1 == 1,
                "expected TRUNCATED_MESSAGE (1 word, 1 cap), got %lu (%lu, %lu)", e.code, e.value0,
                e.value1);
    e = atoll_page_table_map(pdpt_b, VSPACE, 0x400000);
    test_result("vspace.pdpt_map_over_boot_tables_is_delete_first",
                e.code == ATOLL_ERR_DELETE_FIRST && e.argument == 0 && e.value0 == 0,
                "expected DELETE_FIRST at 0x0, got %lu at 0x%lx", e.code, e.value0);

    TEST_EQ("vspace.pdpt_map_ok", atoll_page_table_map(pdpt, VSPACE, VA + 0x1234).code, ATOLL_OK);
    expect_error("vspace.pdpt_map_twice_is_illegal_operation",
                 atoll_page_table_map(pdpt, VSPACE, VA2), ATOLL_ERR_ILLEGAL_OPERATION, 0);
    uint64_t c = slot();
    TEST_EQ("vspace.copy_of_mapped_table_ok", copy(c, pdpt, ATOLL_RIGHTS_ALL).code, ATOLL_OK);
    expect_error("vspace.table_unmap_with_copies_is_revoke_first", atoll_page_table_unmap(pdpt),
                 ATOLL_ERR_REVOKE_FIRST, 0);
    del(c);
    expect_error("vspace.copy_of_unmapped_table_is_illegal", copy(c, pd, ATOLL_RIGHTS_ALL),
                 ATOLL_ERR_ILLEGAL_OPERATION, 0);

    expect_missing_table("vspace.pt_map_without_pd_is_failed_lookup",
                         atoll_page_table_map(pt, VSPACE, VA), ATOLL_PAGE_TABLE_ARG_VADDR, 30);
    TEST_EQ("vspace.pd_map_ok", atoll_page_table_map(pd, VSPACE, VA).code, ATOLL_OK);
    expect_missing_table("vspace.frame_map_without_pt_is_failed_lookup",
                         map(frame(0), VA, ATOLL_RIGHTS_RW), ATOLL_FRAME_ARG_VADDR, 21);
    TEST_EQ("vspace.pt_map_ok", atoll_page_table_map(pt, VSPACE, VA).code, ATOLL_OK);
    e = atoll_page_table_map(pt2, VSPACE, VA + PAGE);
    test_result("vspace.pt_map_over_pt_is_delete_first",
                e.code == ATOLL_ERR_DELETE_FIRST && e.argument == 0 && e.value0 == VA,
                "expected DELETE_FIRST at 0x%lx, got %lu at 0x%lx", VA, e.code, e.value0);
    TEST_EQ("vspace.second_pt_map_ok", atoll_page_table_map(pt2, VSPACE, VA + 2 * MIB).code,
            ATOLL_OK);

    uint64_t fw[ATOLL_FRAME_MAP_ARGS] = {VA, ATOLL_RIGHTS_RW, 0};
    uint64_t vs = VSPACE;
    expect_error("vspace.frame_label_on_page_table_is_illegal",
                 atoll_invoke(pt, ATOLL_FRAME_MAP, fw, ATOLL_FRAME_MAP_ARGS, &vs, 1),
                 ATOLL_ERR_ILLEGAL_OPERATION, 0);
    expect_error("vspace.page_table_label_on_frame_is_illegal",
                 atoll_invoke(frame(0), ATOLL_PAGE_TABLE_MAP, fw, 1, &vs, 1),
                 ATOLL_ERR_ILLEGAL_OPERATION, 0);
}

static void test_frames(void)
{
    struct atoll_error_detail e;

    e = map(frame(0), VA + 0x800, ATOLL_RIGHTS_RW);
    test_result("vspace.frame_map_misaligned_is_alignment_error",
                e.code == ATOLL_ERR_ALIGNMENT_ERROR && e.argument == 0 && e.value0 == 12,
                "expected ALIGNMENT_ERROR 0 (12 bits), got %lu %lu (%lu)", e.code, e.argument,
                e.value0);
    expect_error("vspace.frame_map_kernel_half_is_invalid_argument",
                 map(frame(0), UINT64_C(0xffffffff80000000), ATOLL_RIGHTS_RW),
                 ATOLL_ERR_INVALID_ARGUMENT, ATOLL_FRAME_ARG_VADDR);
    expect_error("vspace.frame_map_write_only_is_invalid_argument",
                 map(frame(0), VA, ATOLL_RIGHT_WRITE), ATOLL_ERR_INVALID_ARGUMENT,
                 ATOLL_FRAME_ARG_RIGHTS);
    expect_error("vspace.frame_map_unknown_attribute_is_invalid_argument",
                 atoll_frame_map(frame(0), VSPACE, VA, ATOLL_RIGHTS_RW, 0x80),
                 ATOLL_ERR_INVALID_ARGUMENT, ATOLL_FRAME_ARG_ATTRIBUTES);
    expect_error("vspace.frame_map_into_page_table_is_invalid_capability",
                 atoll_frame_map(frame(0), pt, VA, ATOLL_RIGHTS_RW, 0),
                 ATOLL_ERR_INVALID_CAPABILITY, 0);
    uint64_t w[ATOLL_FRAME_MAP_ARGS] = {VA, ATOLL_RIGHTS_RW, 0};
    e = atoll_invoke(frame(0), ATOLL_FRAME_MAP, w, ATOLL_FRAME_MAP_ARGS, NULL, 0);
    TEST_EQ("vspace.frame_map_without_vspace_is_truncated", e.code, ATOLL_ERR_TRUNCATED_MESSAGE);

    TEST_EQ("vspace.frame_map_rw_ok", map(frame(0), VA, ATOLL_RIGHTS_RW).code, ATOLL_OK);
    *at(VA) = PATTERN;
    *at(VA + PAGE - 8) = ~PATTERN;
    test_result("vspace.frame_write_then_read_back",
                *at(VA) == PATTERN && *at(VA + PAGE - 8) == ~PATTERN, "read 0x%lx / 0x%lx", *at(VA),
                *at(VA + PAGE - 8));
    e = map(frame(1), VA, ATOLL_RIGHTS_RW);
    test_result("vspace.frame_map_over_mapped_page_is_delete_first",
                e.code == ATOLL_ERR_DELETE_FIRST && e.argument == 0 && e.value0 == VA,
                "expected DELETE_FIRST at 0x%lx, got %lu at 0x%lx", VA, e.code, e.value0);
    expect_error("vspace.mapped_frame_elsewhere_is_invalid_argument",
                 map(frame(0), VA + PAGE, ATOLL_RIGHTS_RW), ATOLL_ERR_INVALID_ARGUMENT,
                 ATOLL_FRAME_ARG_VADDR);

    /* Sharing: a copy of the capability maps the same frame elsewhere. */
    uint64_t c = slot();
    copy(c, frame(0), ATOLL_RIGHTS_ALL);
    TEST_EQ("vspace.copy_maps_at_second_address", map(c, VA + 2 * PAGE, ATOLL_RIGHTS_RW).code,
            ATOLL_OK);
    TEST_EQ("vspace.copy_sees_same_data", *at(VA + 2 * PAGE), PATTERN);
    *at(VA + 2 * PAGE + 8) = 77;
    TEST_EQ("vspace.write_through_copy_seen_through_first", *at(VA + 8), 77);
    TEST_EQ("vspace.copy_has_same_address", address_of(c), base_paddr);

    /* A read-only capability gives a read-only mapping of what it allows. */
    uint64_t ro = slot();
    copy(ro, frame(0), ATOLL_RIGHT_READ);
    TEST_EQ("vspace.read_only_cap_maps_with_rw_request",
            map(ro, VA + 3 * PAGE, ATOLL_RIGHTS_RW).code, ATOLL_OK);
    TEST_EQ("vspace.read_only_mapping_reads", *at(VA + 3 * PAGE), PATTERN);
    TEST_EQ("vspace.remap_same_place_read_only_ok", map(frame(0), VA, ATOLL_RIGHT_READ).code,
            ATOLL_OK);
    TEST_EQ("vspace.remapped_page_still_reads", *at(VA), PATTERN);

    /* Unmap, then the entry is free and no stale translation remains. */
    TEST_EQ("vspace.frame_unmap_ok", atoll_frame_unmap(c).code, ATOLL_OK);
    TEST_EQ("vspace.frame_unmap_of_unmapped_ok", atoll_frame_unmap(c).code, ATOLL_OK);
    TEST_EQ("vspace.unmapped_entry_takes_another_frame",
            map(frame(1), VA + 2 * PAGE, ATOLL_RIGHTS_RW).code, ATOLL_OK);
    TEST_EQ("vspace.no_stale_translation_after_unmap", *at(VA + 2 * PAGE), 0);
    TEST_EQ("vspace.unmapped_copy_maps_elsewhere", map(c, VA + 4 * PAGE, ATOLL_RIGHTS_RW).code,
            ATOLL_OK);
    TEST_EQ("vspace.remapped_copy_sees_data", *at(VA + 4 * PAGE), PATTERN);

    /* Attributes: executable code, uncached memory. */
    uint64_t xva = VA + 5 * PAGE;
    TEST_EQ("vspace.executable_map_ok",
            atoll_frame_map(frame(2), VSPACE, xva, ATOLL_RIGHTS_RW, ATOLL_VM_EXECUTABLE).code,
            ATOLL_OK);
    volatile uint8_t *code = (volatile uint8_t *)xva;
    code[0] = 0xb8; /* mov eax, 42 */
    code[1] = 42;
    code[2] = 0;
    code[3] = 0;
    code[4] = 0;
    code[5] = 0xc3; /* ret */
    __asm__ volatile("" ::: "memory");
    int (*fn)(void) = (int (*)(void))xva;
    TEST_EQ("vspace.executable_mapping_runs_code", fn(), 42);
    TEST_EQ(
        "vspace.uncached_map_ok",
        atoll_frame_map(frame(3), VSPACE, VA + 6 * PAGE, ATOLL_RIGHTS_RW, ATOLL_VM_UNCACHED).code,
        ATOLL_OK);
    *at(VA + 6 * PAGE) = PATTERN;
    TEST_EQ("vspace.uncached_mapping_reads_back", *at(VA + 6 * PAGE), PATTERN);
}

static void test_large_frames(void)
{
    struct atoll_error_detail e;
    uint64_t va = VA + 4 * MIB;

    e = map(big, va + PAGE, ATOLL_RIGHTS_RW);
    test_result("vspace.2m_frame_misaligned_is_alignment_error",
                e.code == ATOLL_ERR_ALIGNMENT_ERROR && e.argument == 0 && e.value0 == 21,
                "expected ALIGNMENT_ERROR 0 (21 bits), got %lu %lu (%lu)", e.code, e.argument,
                e.value0);
    e = map(big, VA, ATOLL_RIGHTS_RW);
    TEST_EQ("vspace.2m_frame_over_page_table_is_delete_first", e.code, ATOLL_ERR_DELETE_FIRST);
    TEST_EQ("vspace.2m_frame_map_ok", map(big, va, ATOLL_RIGHTS_RW).code, ATOLL_OK);
    *at(va) = PATTERN;
    *at(va + 2 * MIB - 8) = ~PATTERN;
    test_result("vspace.2m_frame_whole_range_usable",
                *at(va) == PATTERN && *at(va + 2 * MIB - 8) == ~PATTERN, "read 0x%lx / 0x%lx",
                *at(va), *at(va + 2 * MIB - 8));
    expect_missing_table("vspace.4k_frame_inside_2m_page_is_failed_lookup",
                         map(frame(5), va + PAGE, ATOLL_RIGHTS_RW), ATOLL_FRAME_ARG_VADDR, 21);
    TEST_EQ("vspace.2m_frame_unmap_ok", atoll_frame_unmap(big).code, ATOLL_OK);
    TEST_EQ("vspace.2m_frame_maps_again_elsewhere", map(big, VA + 6 * MIB, ATOLL_RIGHTS_RW).code,
            ATOLL_OK);
    TEST_EQ("vspace.2m_frame_keeps_contents", *at(VA + 8 * MIB - 8), ~PATTERN);
}

static void test_multi_frame(void)
{
    struct atoll_error_detail e;
    uint64_t va = VA + 64 * PAGE;
    uint64_t first = frame(16);

    e = atoll_vspace_map_frames(VSPACE, va, ATOLL_RIGHTS_RW, 0, ROOT, 0, 0, first, 16);
    TEST_EQ("vspace.map_frames_16_ok", e.code, ATOLL_OK);
    for (unsigned i = 0; i < 16; i++)
        *at(va + i * PAGE) = 0x1000 + i;
    int distinct = 1;
    for (unsigned i = 0; i < 16; i++)
        distinct &= *at(va + i * PAGE) == 0x1000 + i;
    test_result("vspace.map_frames_pages_are_distinct", distinct, "pages share frames");
    TEST_EQ("vspace.map_frames_maps_in_slot_order", atoll_frame_unmap(frame(20)).code, ATOLL_OK);
    TEST_EQ("vspace.map_frames_slot_4_was_page_4",
            map(frame(20), VA + 7 * PAGE, ATOLL_RIGHTS_RW).code, ATOLL_OK);
    TEST_EQ("vspace.map_frames_page_4_data", *at(VA + 7 * PAGE), 0x1004);
    e = atoll_vspace_unmap_frames(VSPACE, ROOT, 0, 0, first, 16);
    TEST_EQ("vspace.unmap_frames_16_ok", e.code, ATOLL_OK);
    /* frame(20) had moved to VA + 7 pages: unmapped there too. */
    TEST_EQ("vspace.unmap_frames_includes_frame_moved_in_same_vspace",
            map(frame(21), VA + 7 * PAGE, ATOLL_RIGHTS_RW).code, ATOLL_OK);
    atoll_frame_unmap(frame(21));
    e = atoll_vspace_map_frames(VSPACE, va, ATOLL_RIGHT_READ, 0, ROOT, 0, 0, first, 16);
    TEST_EQ("vspace.unmap_frames_freed_every_entry", e.code, ATOLL_OK);
    int kept = 1;
    for (unsigned i = 0; i < 16; i++)
        kept &= *at(va + i * PAGE) == 0x1000 + i;
    test_result("vspace.frames_keep_data_across_unmap", kept, "data lost");
    TEST_EQ("vspace.unmap_frames_again_ok",
            atoll_vspace_unmap_frames(VSPACE, ROOT, 0, 0, first, 16).code, ATOLL_OK);

    /* Range errors. */
    e = atoll_vspace_map_frames(VSPACE, va, ATOLL_RIGHTS_RW, 0, ROOT, 0, 0, first, 0);
    expect_error("vspace.map_frames_count_0_is_range_error", e, ATOLL_ERR_RANGE_ERROR,
                 ATOLL_VSPACE_ARG_COUNT);
    e = atoll_vspace_map_frames(VSPACE, va, ATOLL_RIGHTS_RW, 0, ROOT, 0, 0, first,
                                ATOLL_VSPACE_MAX_FRAMES + 1);
    expect_error("vspace.map_frames_count_over_max_is_range_error", e, ATOLL_ERR_RANGE_ERROR,
                 ATOLL_VSPACE_ARG_COUNT);
    e = atoll_vspace_map_frames(VSPACE, va, ATOLL_RIGHTS_RW, 0, ROOT, 0, 0,
                                UINT64_C(1) << bootinfo->root_cnode_radix, 1);
    expect_error("vspace.map_frames_offset_past_cnode_is_range_error", e, ATOLL_ERR_RANGE_ERROR,
                 ATOLL_VSPACE_ARG_NODE_OFFSET);
    e = atoll_vspace_map_frames(VSPACE, va, ATOLL_RIGHTS_RW, 0, frame(0), 0, 0, first, 1);
    test_result("vspace.map_frames_from_non_cnode_is_failed_lookup",
                e.code == ATOLL_ERR_FAILED_LOOKUP && e.argument == ATOLL_VSPACE_ARG_NODE_INDEX &&
                    e.value0 == ATOLL_LOOKUP_INVALID_ROOT,
                "got error %lu argument %lu kind %lu", e.code, e.argument, e.value0);
    uint64_t w[ATOLL_VSPACE_MAP_FRAMES_ARGS] = {va, ATOLL_RIGHTS_RW, 0, 0, 0, first, 1};
    uint64_t root = ROOT;
    e = atoll_invoke(VSPACE, ATOLL_VSPACE_MAP_FRAMES, w, ATOLL_VSPACE_MAP_FRAMES_ARGS - 1, &root,
                     1);
    TEST_EQ("vspace.map_frames_short_is_truncated", e.code, ATOLL_ERR_TRUNCATED_MESSAGE);
    expect_missing_table(
        "vspace.map_frames_without_pd_is_failed_lookup",
        atoll_vspace_map_frames(VSPACE, VA + GIB, ATOLL_RIGHTS_RW, 0, ROOT, 0, 0, first, 2),
        ATOLL_VSPACE_ARG_VADDR, 30);

    /* All or nothing: the fifth slot holds the 2 MiB frame. */
    va = VA + 96 * PAGE;
    e = atoll_vspace_map_frames(VSPACE, va, ATOLL_RIGHTS_RW, 0, ROOT, 0, 0, frame(NFRAMES - 4), 5);
    test_result("vspace.map_frames_wrong_size_is_failed_lookup",
                e.code == ATOLL_ERR_FAILED_LOOKUP && e.argument == ATOLL_VSPACE_ARG_NODE_OFFSET &&
                    e.value0 == ATOLL_LOOKUP_MISSING_CAPABILITY && e.value2 == big,
                "expected FAILED_LOOKUP on the node offset at slot %lu, got %lu argument %lu slot "
                "%lu",
                big, e.code, e.argument, e.value2);
    int nothing = 1;
    for (unsigned i = 0; i < 4; i++)
        nothing &= map(frame(NFRAMES - 4 + i), va + i * PAGE, ATOLL_RIGHTS_RW).code == ATOLL_OK;
    test_result("vspace.map_frames_failure_mapped_nothing", nothing,
                "a frame of the failed range was mapped");
    TEST_EQ("vspace.unmap_frames_of_individually_mapped_ok",
            atoll_vspace_unmap_frames(VSPACE, ROOT, 0, 0, frame(NFRAMES - 4), 4).code, ATOLL_OK);

    /* All or nothing: the fourth target page is taken. */
    va = VA + 128 * PAGE;
    map(frame(40), va + 3 * PAGE, ATOLL_RIGHTS_RW);
    e = atoll_vspace_map_frames(VSPACE, va, ATOLL_RIGHTS_RW, 0, ROOT, 0, 0, frame(32), 8);
    test_result("vspace.map_frames_occupied_target_is_delete_first",
                e.code == ATOLL_ERR_DELETE_FIRST && e.argument == ATOLL_VSPACE_ARG_VADDR &&
                    e.value0 == va + 3 * PAGE && e.value2 == frame(35),
                "expected DELETE_FIRST at 0x%lx slot %lu, got %lu at 0x%lx slot %lu", va + 3 * PAGE,
                frame(35), e.code, e.value0, e.value2);
    TEST_EQ("vspace.map_frames_occupied_mapped_nothing", map(frame(32), va, ATOLL_RIGHTS_RW).code,
            ATOLL_OK);
    e = atoll_vspace_map_frames(VSPACE, VA + 200 * PAGE, ATOLL_RIGHTS_RW, 0, ROOT, 0, 0, frame(32),
                                2);
    test_result("vspace.map_frames_with_frame_mapped_elsewhere_is_invalid_argument",
                e.code == ATOLL_ERR_INVALID_ARGUMENT &&
                    e.argument == ATOLL_VSPACE_ARG_NODE_OFFSET && e.value2 == frame(32),
                "got %lu argument %lu slot %lu", e.code, e.argument, e.value2);
    e = atoll_vspace_unmap_frames(VSPACE, ROOT, 0, 0, big, 2);
    test_result("vspace.unmap_frames_non_frame_is_failed_lookup",
                e.code == ATOLL_ERR_FAILED_LOOKUP &&
                    e.argument == ATOLL_VSPACE_UNMAP_ARG_NODE_OFFSET && e.value2 == pdpt,
                "got %lu argument %lu slot %lu", e.code, e.argument, e.value2);
    TEST_EQ("vspace.unmap_frames_failure_unmapped_nothing", *at(VA + 8 * MIB - 8), ~PATTERN);
}

static void test_delete(void)
{
    /* A deleted frame capability takes its mapping with it. */
    uint64_t c = slot();
    copy(c, frame(6), ATOLL_RIGHTS_ALL);
    map(c, VA + 300 * PAGE, ATOLL_RIGHTS_RW);
    *at(VA + 300 * PAGE) = PATTERN;
    TEST_EQ("vspace.delete_mapped_frame_ok", del(c).code, ATOLL_OK);
    TEST_EQ("vspace.deleted_frame_was_unmapped",
            map(frame(7), VA + 300 * PAGE, ATOLL_RIGHTS_RW).code, ATOLL_OK);
    TEST_EQ("vspace.deleted_frame_not_in_tlb", *at(VA + 300 * PAGE), 0);

    /* A deleted page table likewise; the frame in it stays usable. */
    map(frame(8), VA + 2 * MIB, ATOLL_RIGHTS_RW);
    *at(VA + 2 * MIB) = PATTERN;
    TEST_EQ("vspace.delete_mapped_page_table_ok", del(pt2).code, ATOLL_OK);
    expect_missing_table("vspace.deleted_page_table_was_unmapped",
                         map(frame(9), VA + 2 * MIB + PAGE, ATOLL_RIGHTS_RW), ATOLL_FRAME_ARG_VADDR,
                         21);
    TEST_EQ("vspace.unmap_after_table_deleted_ok", atoll_frame_unmap(frame(8)).code, ATOLL_OK);
    TEST_EQ("vspace.frame_of_deleted_table_maps_again",
            map(frame(8), VA + 301 * PAGE, ATOLL_RIGHTS_RW).code, ATOLL_OK);
    TEST_EQ("vspace.frame_of_deleted_table_keeps_data", *at(VA + 301 * PAGE), PATTERN);

    /* PageTable_Unmap detaches and empties the table. */
    uint64_t pt3 = slot();
    retype(ATOLL_OBJECT_PT, pt3, 1);
    atoll_page_table_map(pt3, VSPACE, VA + 10 * MIB);
    map(frame(10), VA + 10 * MIB, ATOLL_RIGHTS_RW);
    TEST_EQ("vspace.page_table_unmap_ok", atoll_page_table_unmap(pt3).code, ATOLL_OK);
    expect_missing_table("vspace.unmapped_page_table_is_gone",
                         map(frame(11), VA + 10 * MIB, ATOLL_RIGHTS_RW), ATOLL_FRAME_ARG_VADDR, 21);
    TEST_EQ("vspace.unmapped_page_table_maps_again",
            atoll_page_table_map(pt3, VSPACE, VA + 12 * MIB).code, ATOLL_OK);
    TEST_EQ("vspace.unmapped_page_table_was_emptied",
            map(frame(11), VA + 12 * MIB, ATOLL_RIGHTS_RW).code, ATOLL_OK);
}

static void test_second_vspace(void)
{
    struct atoll_error_detail e;
    uint64_t pml4 = slot(), c = slot();

    TEST_EQ("vspace.retype_pml4_ok", retype(ATOLL_OBJECT_PML4, pml4, 1).code, ATOLL_OK);
    expect_error("vspace.copy_of_unassigned_vspace_is_illegal", copy(c, pml4, ATOLL_RIGHTS_ALL),
                 ATOLL_ERR_ILLEGAL_OPERATION, 0);
    TEST_EQ("vspace.assign_ok", atoll_vspace_assign(pml4).code, ATOLL_OK);
    TEST_EQ("vspace.copy_of_assigned_vspace_ok", copy(c, pml4, ATOLL_RIGHTS_ALL).code, ATOLL_OK);
    TEST_EQ("vspace.map_into_second_vspace_ok", atoll_page_table_map(pdpt_b, c, VA).code, ATOLL_OK);

    /* frame(12) lives in the root VSpace: not movable from the other. */
    map(frame(12), VA + 12 * PAGE, ATOLL_RIGHTS_RW);
    expect_error("vspace.frame_mapped_in_other_vspace_is_invalid_capability",
                 atoll_frame_map(frame(12), pml4, VA, ATOLL_RIGHTS_RW, 0),
                 ATOLL_ERR_INVALID_CAPABILITY, 0);
    e = atoll_vspace_unmap_frames(pml4, ROOT, 0, 0, frame(12), 1);
    test_result("vspace.unmap_frames_of_other_vspace_is_invalid_argument",
                e.code == ATOLL_ERR_INVALID_ARGUMENT &&
                    e.argument == ATOLL_VSPACE_UNMAP_ARG_NODE_OFFSET && e.value2 == frame(12),
                "got %lu argument %lu slot %lu", e.code, e.argument, e.value2);

    /* The VSpace goes while a table is mapped in it. */
    del(c);
    TEST_EQ("vspace.delete_vspace_ok", del(pml4).code, ATOLL_OK);
    expect_error("vspace.table_of_deleted_vspace_still_counts_as_mapped",
                 atoll_page_table_map(pdpt_b, VSPACE, VA2), ATOLL_ERR_ILLEGAL_OPERATION, 0);
    TEST_EQ("vspace.table_of_deleted_vspace_unmaps", atoll_page_table_unmap(pdpt_b).code, ATOLL_OK);
    TEST_EQ("vspace.table_of_deleted_vspace_maps_again",
            atoll_page_table_map(pdpt_b, VSPACE, VA2).code, ATOLL_OK);
}

/* Shootdown: a thread on another core reads a page in a loop; once the
 * page is unmapped, its next read must fault (it is then suspended), so
 * its counter stops. A stale TLB entry on its core would let it go on. */
#define SHOOT_VA (VA + 400 * PAGE)
static volatile uint64_t helper_reads;
static uint8_t helper_stack[4096] __attribute__((aligned(16)));

static void helper(uint64_t arg)
{
    (void)arg;
    for (;;) {
        (void)*at(SHOOT_VA);
        helper_reads++;
    }
}

static void test_shootdown(void)
{
    if (bootinfo->cpus < 2)
        return;
    uint64_t tcb = slot();
    TEST_EQ("vspace.shootdown_setup",
            retype(ATOLL_OBJECT_TCB, tcb, 1).code | map(frame(13), SHOOT_VA, ATOLL_RIGHTS_RW).code,
            ATOLL_OK);
    uint64_t name[2] = {0, 0};
    memcpy(name, "vspace-helper", sizeof "vspace-helper");
    atoll_invoke(tcb, ATOLL_TCB_SET_NAME, name, 2, NULL, 0);
    uint64_t sc = slot();
    struct atoll_error_detail e = atoll_sched_context_new(ut, ROOT, sc, 0, 10000, 10000);
    if (e.code == ATOLL_OK)
        e = atoll_thread_start(tcb, sc, ROOT, VSPACE, ATOLL_SLOT_ROOT_TCB, 100, helper, 0,
                               helper_stack + sizeof helper_stack);
    uint64_t core = 1;
    if (e.code == ATOLL_OK)
        e = atoll_invoke(tcb, ATOLL_TCB_SET_AFFINITY, &core, 1, NULL, 0);
    TEST_EQ("vspace.shootdown_helper_started_on_core_1", e.code, ATOLL_OK);
    for (uint64_t i = 0; i < UINT64_C(200000000) && helper_reads < 1000; i++)
        __asm__ volatile("pause");
    test_result("vspace.shootdown_helper_runs", helper_reads >= 1000, "helper made %lu reads",
                helper_reads);
    TEST_EQ("vspace.shootdown_unmap_ok", atoll_frame_unmap(frame(13)).code, ATOLL_OK);
    uint64_t after_unmap = helper_reads;
    for (unsigned i = 0; i < 2000000; i++)
        __asm__ volatile("pause");
    uint64_t later = helper_reads;
    test_result("vspace.shootdown_stops_reads_on_other_core", later <= after_unmap + 1,
                "helper read %lu more times after the unmap", later - after_unmap);
    del(tcb);
}

void tests_vspace(const struct atoll_bootinfo *bi)
{
    if (!setup(bi))
        return;
    test_addresses();
    test_page_tables();
    test_frames();
    test_large_frames();
    test_multi_frame();
    test_delete();
    test_second_vspace();
    test_shootdown();

    /* Revoking the untyped deletes every table and frame, unmapping them:
     * a new PDPT fits where the old one was. */
    TEST_EQ("vspace.revoke_untyped_ok", revoke(ut).code, ATOLL_OK);
    uint64_t p = slot();
    retype(ATOLL_OBJECT_PDPT, p, 1);
    TEST_EQ("vspace.revoke_unmapped_everything", atoll_page_table_map(p, VSPACE, VA).code,
            ATOLL_OK);
    revoke(ut);
    del(ut);
}
