/* User-level tests of capabilities, CNodes and untyped memory through the
 * real system-call path: each checks one behaviour and, for error paths,
 * the exact error code and the argument it names. */
#include "tests.h"
#include "test.h"
#include "atoll/irq.h"

#define ROOT  ATOLL_SLOT_ROOT_CNODE
#define DEPTH 64 /* the root CNode's guard makes every index a depth-64 pointer */

static uint64_t next_free;
static uint64_t last_free;
static uint64_t untyped_slot; /* an untyped of at least UNTYPED_MIN_BITS */

#define UNTYPED_MIN_BITS 20
#define DEVICE_TEST_BITS 20 /* room for a frame and a 64 KiB child */
#define TEST_MODULE_SIZE 79 /* bytes in ci/data/testmodule.txt */
#define LOW_MIB          UINT64_C(0x100000)
#define MSI_WINDOW       UINT64_C(0x100000) /* local APIC / MSI: 0xfee00000-0xfeefffff */

static uint64_t alloc_slot(void)
{
    return next_free < last_free ? next_free++ : 0;
}

static struct atoll_error_detail retype(uint64_t ut, uint64_t type, uint64_t size_bits,
                                        uint64_t slot, uint64_t count)
{
    return atoll_untyped_retype(ut, type, size_bits, ROOT, 0, 0, slot, count);
}

static struct atoll_error_detail copy(uint64_t dest, uint64_t src, uint64_t rights)
{
    return atoll_cnode_copy_op(ATOLL_CNODE_COPY, ROOT, dest, DEPTH, ROOT, src, DEPTH, rights, 0);
}

static struct atoll_error_detail mint(uint64_t dest, uint64_t src, uint64_t rights, uint64_t data)
{
    return atoll_cnode_copy_op(ATOLL_CNODE_MINT, ROOT, dest, DEPTH, ROOT, src, DEPTH, rights, data);
}

static struct atoll_error_detail del(uint64_t slot)
{
    return atoll_cnode_slot_op(ATOLL_CNODE_DELETE, ROOT, slot, DEPTH);
}

static struct atoll_error_detail revoke(uint64_t slot)
{
    return atoll_cnode_slot_op(ATOLL_CNODE_REVOKE, ROOT, slot, DEPTH);
}

/* An occupied slot refuses a copy into it; an empty one accepts. */
static int slot_is_empty(uint64_t slot)
{
    struct atoll_error_detail e = copy(slot, ATOLL_SLOT_ROOT_TCB, ATOLL_RIGHTS_ALL);
    if (e.code == ATOLL_OK) {
        del(slot);
        return 1;
    }
    return 0;
}

static void test_bootinfo(const struct atoll_bootinfo *bi)
{
    TEST_EQ("bootinfo.magic", bi->magic, ATOLL_BOOTINFO_MAGIC);
    test_result("bootinfo.has_untyped", bi->untyped_count > 0, "untyped_count is 0");
    test_result("bootinfo.empty_range_after_untyped",
                bi->empty_first == bi->untyped_first + bi->untyped_count &&
                    bi->empty_last > bi->empty_first,
                "untyped [%lu,+%lu) empty [%lu,%lu)", bi->untyped_first, bi->untyped_count,
                bi->empty_first, bi->empty_last);
    uint64_t bytes = 0;
    for (uint64_t i = 0; i < bi->untyped_count; i++)
        if (!bi->untyped[i].is_device)
            bytes += UINT64_C(1) << bi->untyped[i].size_bits;
    test_result("bootinfo.untyped_covers_most_memory", bytes >= (UINT64_C(64) << 20),
                "only %lu KiB of untyped memory", bytes >> 10);
}

/* Device untypeds: the physical address space that is not RAM, without
 * the first MiB and the kernel's own devices; they become frames, never
 * kernel objects. */
static void test_device_untyped(const struct atoll_bootinfo *bi)
{
    uint64_t device = 0, device_bytes = 0;
    bool ram_after_device = false, overlap_kernel = false, low = false, beyond = false;
    const uint64_t msi_base = ATOLL_MSI_ADDRESS_BASE, msi_end = msi_base + MSI_WINDOW;
    for (uint64_t i = 0; i < bi->untyped_count; i++) {
        const struct atoll_untyped_desc *d = &bi->untyped[i];
        uint64_t end = d->paddr + (UINT64_C(1) << d->size_bits);
        if (!d->is_device) {
            ram_after_device |= device != 0;
            continue;
        }
        if (!device && d->size_bits >= DEVICE_TEST_BITS)
            device = bi->untyped_first + i;
        device_bytes += UINT64_C(1) << d->size_bits;
        overlap_kernel |= d->paddr < msi_end && end > msi_base;
        low |= d->paddr < LOW_MIB;
        beyond |= end > (UINT64_C(1) << bi->phys_bits);
        for (uint64_t j = 0; j < bi->untyped_count; j++) {
            const struct atoll_untyped_desc *r = &bi->untyped[j];
            if (!r->is_device && r->paddr < end &&
                r->paddr + (UINT64_C(1) << r->size_bits) > d->paddr)
                overlap_kernel = true; /* RAM given twice */
        }
    }
    test_result("bootinfo.device_untyped_present",
                device != 0 && device_bytes >= (UINT64_C(1) << 30),
                "device untyped: first slot %lu, %lu MiB", device, device_bytes >> 20);
    test_result("bootinfo.phys_bits_sane", bi->phys_bits >= 32 && bi->phys_bits <= 52,
                "phys_bits %lu", bi->phys_bits);
    TEST_EQ("bootinfo.device_untyped_listed_after_ram", ram_after_device, false);
    TEST_EQ("bootinfo.device_untyped_not_kernel_or_ram", overlap_kernel, false);
    TEST_EQ("bootinfo.device_untyped_not_first_mib", low, false);
    TEST_EQ("bootinfo.device_untyped_below_maxphyaddr", beyond, false);
    if (!device)
        return;
    uint64_t s = alloc_slot();
    TEST_EQ("untyped.device_into_tcb_refused", retype(device, ATOLL_OBJECT_TCB, 0, s, 1).code,
            ATOLL_ERR_INVALID_ARGUMENT);
    TEST_EQ("untyped.device_into_frame_ok", retype(device, ATOLL_OBJECT_FRAME_4K, 0, s, 1).code,
            ATOLL_OK);
    uint64_t c = alloc_slot();
    TEST_EQ("untyped.device_into_child_untyped_ok",
            retype(device, ATOLL_OBJECT_UNTYPED, 16, c, 1).code, ATOLL_OK);
    TEST_EQ("untyped.device_child_into_cnode_refused",
            retype(c, ATOLL_OBJECT_CNODE, 4, alloc_slot(), 1).code, ATOLL_ERR_INVALID_ARGUMENT);
    atoll_cnode_slot_op(ATOLL_CNODE_REVOKE, ROOT, device, DEPTH);
}

/* Boot modules besides init's own image: listed by name (the module
 * string up to its first space) and mapped read-only (ci/data/testmodule.txt
 * in every boot scenario). */
static void test_boot_modules(const struct atoll_bootinfo *bi)
{
    static const char expect[] = "atoll boot module test: init finds this text";
    const struct atoll_module_desc *m = atoll_bootinfo_module(bi, "testmodule");
    test_result("bootinfo.test_module_listed", m != NULL, "%lu modules, none named testmodule",
                bi->module_count);
    if (!m)
        return;
    TEST_EQ("bootinfo.test_module_size", m->size, TEST_MODULE_SIZE);
    TEST_EQ("bootinfo.test_module_page_aligned", m->vaddr & 0xfff, 0);
    TEST_EQ("bootinfo.test_module_content",
            memcmp((const void *)m->vaddr, expect, sizeof expect - 1), 0);
}

static void test_retype_basics(void)
{
    uint64_t ep = alloc_slot();
    struct atoll_error_detail e = retype(untyped_slot, ATOLL_OBJECT_ENDPOINT, 0, ep, 1);
    TEST_EQ("untyped.retype_endpoint_ok", e.code, ATOLL_OK);
    e = retype(untyped_slot, ATOLL_OBJECT_ENDPOINT, 0, ep, 1);
    TEST_EQ("untyped.retype_into_occupied_slot_is_delete_first", e.code, ATOLL_ERR_DELETE_FIRST);

    uint64_t many = alloc_slot();
    alloc_slot();
    alloc_slot();
    alloc_slot();
    e = retype(untyped_slot, ATOLL_OBJECT_NOTIFICATION, 0, many, 4);
    TEST_EQ("untyped.retype_four_notifications_ok", e.code, ATOLL_OK);
    test_result("untyped.retype_fills_every_slot", !slot_is_empty(many + 3), "slot %lu still empty",
                many + 3);

    e = retype(untyped_slot, ATOLL_OBJECT_TYPE_COUNT + 5, 0, alloc_slot(), 1);
    TEST_EQ("untyped.retype_unknown_type_is_invalid_argument", e.code, ATOLL_ERR_INVALID_ARGUMENT);
    TEST_EQ("untyped.retype_unknown_type_names_argument_0", e.argument, ATOLL_RETYPE_ARG_TYPE);

    e = retype(untyped_slot, ATOLL_OBJECT_IRQ_CONTROL, 0, alloc_slot(), 1);
    TEST_EQ("untyped.retype_control_cap_is_invalid_argument", e.code, ATOLL_ERR_INVALID_ARGUMENT);

    e = retype(untyped_slot, ATOLL_OBJECT_CNODE, 0, alloc_slot(), 1);
    TEST_EQ("untyped.retype_cnode_radix_0_is_range_error", e.code, ATOLL_ERR_RANGE_ERROR);

    e = retype(untyped_slot, ATOLL_OBJECT_UNTYPED, 60, alloc_slot(), 1);
    TEST_EQ("untyped.retype_untyped_too_big_is_range_error", e.code, ATOLL_ERR_RANGE_ERROR);

    e = retype(untyped_slot, ATOLL_OBJECT_ENDPOINT, 0, alloc_slot(), 0);
    TEST_EQ("untyped.retype_count_0_is_range_error", e.code, ATOLL_ERR_RANGE_ERROR);

    e = retype(untyped_slot, ATOLL_OBJECT_ENDPOINT, 0, last_free + 100000, 1);
    TEST_EQ("untyped.retype_offset_past_cnode_is_range_error", e.code, ATOLL_ERR_RANGE_ERROR);

    e = retype(untyped_slot, ATOLL_OBJECT_UNTYPED, UNTYPED_MIN_BITS + 1, alloc_slot(), 1);
    TEST_EQ("untyped.retype_more_than_it_has_is_not_enough_memory", e.code,
            ATOLL_ERR_NOT_ENOUGH_MEMORY);

    uint64_t words[1] = {ATOLL_OBJECT_ENDPOINT};
    e = atoll_invoke(untyped_slot, ATOLL_UNTYPED_RETYPE, words, 1, NULL, 0);
    TEST_EQ("untyped.retype_short_message_is_truncated", e.code, ATOLL_ERR_TRUNCATED_MESSAGE);

    e = atoll_invoke(untyped_slot, ATOLL_CNODE_COPY, words, 1, NULL, 0);
    TEST_EQ("untyped.cnode_label_on_untyped_is_illegal", e.code, ATOLL_ERR_ILLEGAL_OPERATION);
}

static void test_cnode_ops(void)
{
    uint64_t ep = alloc_slot();
    retype(untyped_slot, ATOLL_OBJECT_ENDPOINT, 0, ep, 1);
    uint64_t c1 = alloc_slot(), c2 = alloc_slot(), m1 = alloc_slot(), m2 = alloc_slot();

    TEST_EQ("cnode.copy_ok", copy(c1, ep, ATOLL_RIGHTS_ALL).code, ATOLL_OK);
    TEST_EQ("cnode.copy_to_occupied_is_delete_first", copy(c1, ep, ATOLL_RIGHTS_ALL).code,
            ATOLL_ERR_DELETE_FIRST);
    TEST_EQ("cnode.copy_from_empty_is_failed_lookup", copy(c2, alloc_slot(), ATOLL_RIGHTS_ALL).code,
            ATOLL_ERR_FAILED_LOOKUP);
    TEST_EQ("cnode.mint_badge_ok", mint(m1, ep, ATOLL_RIGHTS_ALL, 0x42).code, ATOLL_OK);
    TEST_EQ("cnode.mint_badge_onto_badged_is_illegal", mint(m2, m1, ATOLL_RIGHTS_ALL, 0x43).code,
            ATOLL_ERR_ILLEGAL_OPERATION);
    TEST_EQ("cnode.copy_of_badged_ok", copy(m2, m1, ATOLL_RIGHT_READ).code, ATOLL_OK);

    TEST_EQ("cnode.delete_ok", del(c1).code, ATOLL_OK);
    test_result("cnode.delete_empties_slot", slot_is_empty(c1), "slot %lu still occupied", c1);
    TEST_EQ("cnode.delete_of_empty_slot_ok", del(c1).code, ATOLL_OK);

    TEST_EQ("cnode.copy_again_ok", copy(c1, ep, ATOLL_RIGHTS_ALL).code, ATOLL_OK);
    TEST_EQ("cnode.revoke_ok", revoke(ep).code, ATOLL_OK);
    test_result("cnode.revoke_removes_copy", slot_is_empty(c1), "copy in %lu survived", c1);
    test_result("cnode.revoke_removes_badged", slot_is_empty(m1) && slot_is_empty(m2),
                "badged caps survived revoke");
    test_result("cnode.revoke_keeps_original", !slot_is_empty(ep), "original was deleted");

    uint64_t moved = alloc_slot();
    TEST_EQ("cnode.move_ok",
            atoll_cnode_copy_op(ATOLL_CNODE_MOVE, ROOT, moved, DEPTH, ROOT, ep, DEPTH, 0, 0).code,
            ATOLL_OK);
    test_result("cnode.move_empties_source", slot_is_empty(ep), "source still occupied");

    TEST_EQ("cnode.depth_0_is_range_error",
            atoll_cnode_slot_op(ATOLL_CNODE_DELETE, ROOT, 1, 0).code, ATOLL_ERR_RANGE_ERROR);
    TEST_EQ("cnode.depth_65_is_range_error",
            atoll_cnode_slot_op(ATOLL_CNODE_DELETE, ROOT, 1, 65).code, ATOLL_ERR_RANGE_ERROR);
    struct atoll_error_detail e =
        atoll_cnode_slot_op(ATOLL_CNODE_DELETE, ROOT, UINT64_C(1) << 40, DEPTH);
    TEST_EQ("cnode.guard_mismatch_is_failed_lookup", e.code, ATOLL_ERR_FAILED_LOOKUP);
    TEST_EQ("cnode.guard_mismatch_kind", e.value0, ATOLL_LOOKUP_GUARD_MISMATCH);
}

static void test_two_level_cspace(void)
{
    uint64_t cn = alloc_slot();
    TEST_EQ("cspace.retype_cnode_radix4_ok",
            retype(untyped_slot, ATOLL_OBJECT_CNODE, 4, cn, 1).code, ATOLL_OK);
    /* Retype straight into the new CNode: node (cn, depth 64) from root. */
    struct atoll_error_detail e =
        atoll_untyped_retype(untyped_slot, ATOLL_OBJECT_ENDPOINT, 0, ROOT, cn, DEPTH, 3, 1);
    TEST_EQ("cspace.retype_into_second_cnode_ok", e.code, ATOLL_OK);
    e = atoll_untyped_retype(untyped_slot, ATOLL_OBJECT_ENDPOINT, 0, ROOT, cn, DEPTH, 16, 1);
    TEST_EQ("cspace.retype_past_second_cnode_is_range_error", e.code, ATOLL_ERR_RANGE_ERROR);

    /* A pointer into cn: 4 bits from the cn capability as root. */
    uint64_t x = alloc_slot();
    e = atoll_cnode_copy_op(ATOLL_CNODE_COPY, ROOT, x, DEPTH, cn, 3, 4, ATOLL_RIGHTS_ALL, 0);
    TEST_EQ("cspace.copy_out_of_second_cnode_ok", e.code, ATOLL_OK);

    /* A second level under cn at slot 5: (5 << 4) | 7 at depth 8 names
     * slot 7 of it. */
    e = atoll_untyped_retype(untyped_slot, ATOLL_OBJECT_CNODE, 4, ROOT, cn, DEPTH, 5, 1);
    TEST_EQ("cspace.retype_third_level_cnode_ok", e.code, ATOLL_OK);
    uint64_t two_level = (UINT64_C(5) << 4) | 7;
    e = atoll_cnode_copy_op(ATOLL_CNODE_COPY, cn, two_level, 8, ROOT, x, DEPTH, ATOLL_RIGHTS_ALL,
                            0);
    TEST_EQ("cspace.copy_through_two_levels_ok", e.code, ATOLL_OK);
    uint64_t y = alloc_slot();
    e = atoll_cnode_copy_op(ATOLL_CNODE_COPY, ROOT, y, DEPTH, cn, two_level, 8, ATOLL_RIGHTS_ALL,
                            0);
    TEST_EQ("cspace.copy_back_through_two_levels_ok", e.code, ATOLL_OK);
    e = atoll_cnode_copy_op(ATOLL_CNODE_COPY, ROOT, alloc_slot(), DEPTH, cn, two_level, 6,
                            ATOLL_RIGHTS_ALL, 0);
    TEST_EQ("cspace.depth_ending_inside_a_level_is_failed_lookup", e.code, ATOLL_ERR_FAILED_LOOKUP);
    TEST_EQ("cspace.depth_ending_inside_a_level_kind", e.value0, ATOLL_LOOKUP_DEPTH_MISMATCH);

    /* Deleting the CNode capability that holds the rest: its contents go
     * with it and the system stays consistent. */
    TEST_EQ("cspace.delete_nested_cnodes_ok", del(cn).code, ATOLL_OK);
    test_result("cspace.copies_outside_survive", !slot_is_empty(x) && !slot_is_empty(y),
                "copies in the root were lost");
    TEST_EQ("untyped.revoke_everything_ok", revoke(untyped_slot).code, ATOLL_OK);
    test_result("untyped.revoke_removes_all_children", slot_is_empty(x) && slot_is_empty(y),
                "children survived the revoke");
    e = retype(untyped_slot, ATOLL_OBJECT_UNTYPED, UNTYPED_MIN_BITS, alloc_slot(), 1);
    TEST_EQ("untyped.after_revoke_whole_memory_is_free_again", e.code, ATOLL_OK);
}

/* Sets the kernel's forced preemption period (0: natural); returns the
 * number of stops of Delete and Revoke since boot. */
static uint64_t preemption(uint64_t force_every)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    return atoll_syscall(ATOLL_SYS_DEBUG_PREEMPTION, force_every, 0, mr).mr[0];
}

static uint64_t check_kernel(void)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    return atoll_syscall(ATOLL_SYS_DEBUG_CHECK, 0, 0, mr).error;
}

/* This group's slots: [empty_first, empty_first + 512) (tests.h). */
#define CAP_TEST_SLOTS 512
#define PREEMPT_RADIX  10 /* a CNode of 1024 notifications */
#define PREEMPT_COPIES 200

/* Delete and Revoke stopped at every preemption point are restarted by
 * the kernel (the system call runs again) until they are done, and end
 * where they would have ended unstopped. */
static void test_preemptible_delete_revoke(void)
{
    revoke(untyped_slot); /* test_two_level_cspace filled it */
    uint64_t cn = alloc_slot(), ep = alloc_slot(), copies = next_free;
    for (unsigned i = 0; i < PREEMPT_COPIES; i++)
        alloc_slot();
    bool ok = cn != 0 && next_free + 1 < last_free &&
              retype(untyped_slot, ATOLL_OBJECT_CNODE, PREEMPT_RADIX, cn, 1).code == ATOLL_OK &&
              retype(untyped_slot, ATOLL_OBJECT_ENDPOINT, 0, ep, 1).code == ATOLL_OK;
    for (uint64_t at = 0; ok && at < (UINT64_C(1) << PREEMPT_RADIX); at += ATOLL_RETYPE_MAX_OBJECTS)
        ok = atoll_untyped_retype(untyped_slot, ATOLL_OBJECT_NOTIFICATION, 0, ROOT, cn, DEPTH, at,
                                  ATOLL_RETYPE_MAX_OBJECTS)
                 .code == ATOLL_OK;
    for (unsigned i = 0; ok && i < PREEMPT_COPIES; i++)
        ok = copy(copies + i, ep, ATOLL_RIGHTS_ALL).code == ATOLL_OK;
    test_result("preempt.setup", ok, "a CNode of %u notifications, %u endpoint copies",
                1u << PREEMPT_RADIX, PREEMPT_COPIES);
    if (!ok)
        return;

    uint64_t before = preemption(1);
    TEST_EQ("preempt.revoke_stopped_at_every_point_ok", revoke(ep).code, ATOLL_OK);
    uint64_t after_revoke = preemption(1);
    unsigned left = 0;
    for (unsigned i = 0; i < PREEMPT_COPIES; i++)
        left += !slot_is_empty(copies + i);
    TEST_EQ("preempt.revoke_removed_every_copy", left, 0);
    test_result("preempt.revoke_was_restarted", after_revoke - before >= PREEMPT_COPIES - 1,
                "%lu stops for %u copies", after_revoke - before, PREEMPT_COPIES);
    TEST_EQ("preempt.delete_big_cnode_stopped_at_every_point_ok", del(cn).code, ATOLL_OK);
    uint64_t after_delete = preemption(0);
    test_result("preempt.delete_was_restarted",
                after_delete - after_revoke >= (UINT64_C(1) << PREEMPT_RADIX) - 1,
                "%lu stops for %u slots", after_delete - after_revoke, 1u << PREEMPT_RADIX);
    test_result("preempt.slot_empty_after_delete", slot_is_empty(cn),
                "the CNode slot is not empty");
    TEST_EQ("preempt.kernel_invariants_hold", check_kernel(), ATOLL_OK);
    printf("init: preemption: revoke of %u copies stopped %lu times, delete of a %u-slot CNode "
           "%lu times; all restarted to completion\n",
           PREEMPT_COPIES, after_revoke - before, 1u << PREEMPT_RADIX, after_delete - after_revoke);
    TEST_EQ("preempt.untyped_revoke_ok", revoke(untyped_slot).code, ATOLL_OK);
    TEST_EQ("preempt.whole_untyped_free_again",
            retype(untyped_slot, ATOLL_OBJECT_UNTYPED, UNTYPED_MIN_BITS, alloc_slot(), 1).code,
            ATOLL_OK);
    revoke(untyped_slot);
}

void tests_cap(const struct atoll_bootinfo *bi)
{
    test_bootinfo(bi);
    next_free = bi->empty_first;
    last_free = bi->empty_first + CAP_TEST_SLOTS < bi->empty_last ? bi->empty_first + CAP_TEST_SLOTS
                                                                  : bi->empty_last;
    test_device_untyped(bi);
    test_boot_modules(bi);
    for (uint64_t i = 0; i < bi->untyped_count; i++) {
        if (bi->untyped[i].size_bits >= UNTYPED_MIN_BITS && !bi->untyped[i].is_device) {
            /* Carve a private untyped of exactly UNTYPED_MIN_BITS so that
             * "more than it has" is deterministic. */
            uint64_t s = alloc_slot();
            struct atoll_error_detail e =
                retype(bi->untyped_first + i, ATOLL_OBJECT_UNTYPED, UNTYPED_MIN_BITS, s, 1);
            TEST_EQ("untyped.retype_child_untyped_ok", e.code, ATOLL_OK);
            untyped_slot = s;
            break;
        }
    }
    if (!untyped_slot) {
        test_result("untyped.found_large_untyped", 0, "no untyped of 2^%u bytes", UNTYPED_MIN_BITS);
        return;
    }
    test_retype_basics();
    test_cnode_ops();
    test_two_level_cspace();
    test_preemptible_delete_revoke();
}
