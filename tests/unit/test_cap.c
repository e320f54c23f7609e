/* Unit tests for the capability core (kernel/cap/): lookup, Untyped_Retype,
 * the CNode invocations, the derivation tree, delete and revoke, and the
 * invariant checker. Every test builds a fresh capability space
 * (test_cap_host.h), and ends by checking the invariants, tearing
 * everything down and checking that every object was finalised exactly
 * once. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"
#include "kernel/cap/platform.h"
#include "tests/unit/test_cap_host.h"

#define ROOT_RADIX   8
#define UNTYPED_BITS 20
#define UT           ENV_UNTYPED_SLOT
#define DEV          ENV_DEVICE_SLOT
#define S(n)         (ENV_FIRST_FREE + (n))

static struct cap_env env;

static const char *const error_names[] = {
    "OK",           "INVALID_ARGUMENT", "INVALID_CAPABILITY", "ILLEGAL_OPERATION",
    "RANGE_ERROR",  "ALIGNMENT_ERROR",  "FAILED_LOOKUP",      "TRUNCATED_MESSAGE",
    "DELETE_FIRST", "REVOKE_FIRST",     "NOT_ENOUGH_MEMORY",
};

static const char *error_name(uint64_t code)
{
    return code < ATOLL_ERROR_COUNT ? error_names[code] : "?";
}

static bool check_error(const char *file, int line, const char *what, enum atoll_error expected,
                        struct atoll_error_detail got)
{
    if (got.code == (uint64_t)expected)
        return true;
    check_fail(file, line, "%s: expected %s, got %s (argument %" PRIu64 ")", what,
               error_name(expected), error_name(got.code), got.argument);
    return false;
}

#define CHECK_OK(what, e)        check_error(__FILE__, __LINE__, (what), ATOLL_OK, (e))
#define CHECK_ERR(what, code, e) check_error(__FILE__, __LINE__, (what), (code), (e))

static void setup_with(unsigned untyped_bits)
{
    host_preempt_every = 0;
    host_preemptions = 0;
    env_init(&env, ROOT_RADIX, untyped_bits);
}

static void setup(void)
{
    setup_with(UNTYPED_BITS);
}

static void check_invariants(const char *when)
{
    const char *why = env_check(&env);
    if (why != NULL)
        CHECK_FAIL("invariants %s: %s", when, why);
}

/* Every test ends here. */
static void finish(void)
{
    check_invariants("at the end");
    env_teardown(&env);
    CHECK_U("objects still live after teardown", 0, hooks_live_objects());
    if (hooks_violation() != NULL)
        CHECK_FAIL("object hooks: %s", hooks_violation());
}

static struct cap *cap_at(uint64_t slot)
{
    return &env_slot(&env, slot)->cap;
}

static uint64_t untyped_base(void)
{
    return (uint64_t)(uintptr_t)env.untyped_memory;
}

static uint64_t free_offset(uint64_t slot)
{
    return cap_untyped_free_offset(cap_at(slot));
}

static struct atoll_error_detail make(uint64_t type, uint64_t size_bits, uint64_t slot)
{
    return env_retype_root(&env, UT, type, size_bits, slot, 1);
}

static struct atoll_error_detail make_endpoint(uint64_t slot)
{
    return make(ATOLL_OBJECT_ENDPOINT, 0, slot);
}

static void boot_cap(uint64_t slot, struct cap cap)
{
    cap_boot_insert(env_slot(&env, slot), cap);
}

/* ================================================================ lookup */

static void lookup_root_slot_at_depth_64(void)
{
    setup();
    struct cap_slot *slot = NULL;
    CHECK_OK("lookup", cap_lookup_slot(env_root_cap(&env), 37, 64, &slot));
    CHECK_TRUE("slot 37 of the root CNode", slot == env_slot(&env, 37));
    finish();
}

static void lookup_depth_zero_is_range_error(void)
{
    setup();
    struct cap_slot *slot;
    struct atoll_error_detail e = cap_lookup_slot(env_root_cap(&env), 1, 0, &slot);
    CHECK_ERR("depth 0", ATOLL_ERR_RANGE_ERROR, e);
    CHECK_U("min", 1, e.value0);
    CHECK_U("max", 64, e.value1);
    CHECK_ERR("depth 65", ATOLL_ERR_RANGE_ERROR, cap_lookup_slot(env_root_cap(&env), 1, 65, &slot));
    finish();
}

static void lookup_invalid_root(void)
{
    setup();
    CHECK_OK("endpoint", make_endpoint(S(0)));
    struct cap_slot *slot;
    struct atoll_error_detail e = cap_lookup_slot(cap_at(S(0)), 0, 8, &slot);
    CHECK_ERR("lookup from an endpoint cap", ATOLL_ERR_FAILED_LOOKUP, e);
    CHECK_U("kind", ATOLL_LOOKUP_INVALID_ROOT, e.value0);
    CHECK_U("bits left", 8, e.value1);
    finish();
}

static void lookup_guard_mismatch_reports_bits_left(void)
{
    setup();
    struct cap_slot *slot;
    struct atoll_error_detail e =
        cap_lookup_slot(env_root_cap(&env), UINT64_C(1) << 40 | 3, 64, &slot);
    CHECK_ERR("guard bit set", ATOLL_ERR_FAILED_LOOKUP, e);
    CHECK_U("kind", ATOLL_LOOKUP_GUARD_MISMATCH, e.value0);
    CHECK_U("bits left", 64, e.value1);
    CHECK_U("guard size", 64 - ROOT_RADIX, e.value2);
    finish();
}

static void lookup_depth_shorter_than_guard(void)
{
    setup();
    struct cap_slot *slot;
    struct atoll_error_detail e = cap_lookup_slot(env_root_cap(&env), 3, 8, &slot);
    CHECK_ERR("8 bits for a 56-bit guard", ATOLL_ERR_FAILED_LOOKUP, e);
    CHECK_U("kind", ATOLL_LOOKUP_GUARD_MISMATCH, e.value0);
    CHECK_U("bits left", 8, e.value1);
    finish();
}

/* The boundary: a depth exactly as long as the guard passes the guard and
 * fails on the radix; one bit shorter fails on the guard. */
static void lookup_depth_at_guard_boundary(void)
{
    setup();
    struct cap_slot *slot;
    unsigned guard_size = 64 - ROOT_RADIX;
    struct atoll_error_detail e = cap_lookup_slot(env_root_cap(&env), 0, guard_size, &slot);
    CHECK_ERR("depth = guard size", ATOLL_ERR_FAILED_LOOKUP, e);
    CHECK_U("kind", ATOLL_LOOKUP_DEPTH_MISMATCH, e.value0);
    e = cap_lookup_slot(env_root_cap(&env), 0, guard_size - 1, &slot);
    CHECK_ERR("depth = guard size - 1", ATOLL_ERR_FAILED_LOOKUP, e);
    CHECK_U("kind", ATOLL_LOOKUP_GUARD_MISMATCH, e.value0);
    CHECK_U("bits left", guard_size - 1, e.value1);
    finish();
}

static void lookup_depth_ends_inside_level(void)
{
    setup();
    struct cap_slot *slot;
    struct atoll_error_detail e = cap_lookup_slot(env_root_cap(&env), 3, 60, &slot);
    CHECK_ERR("60 bits for a 64-bit level", ATOLL_ERR_FAILED_LOOKUP, e);
    CHECK_U("kind", ATOLL_LOOKUP_DEPTH_MISMATCH, e.value0);
    CHECK_U("bits left", 60, e.value1);
    CHECK_U("bits the level needs", 64, e.value2);
    finish();
}

/* A three-level space reached from CNode A (radix 4, guard 2 bits = 01):
 *   A[3] -> B (radix 3, guard 1 bit = 1),  B[5]: endpoint
 *   B[6] -> C (radix 2, no guard),          C[1]: endpoint */
#define A_SLOT        S(0)
#define B_SLOT        S(1)
#define C_SLOT        S(2)
#define A_BITS        6
#define AB_BITS       10
#define ABC_BITS      12
#define CPTR_A3       0x13u  /* 01 0011 */
#define CPTR_A3_B5    0x13du /* 01 0011 1 101 */
#define CPTR_A3_B6    0x13eu /* 01 0011 1 110 */
#define CPTR_A3_B6_C1 0x4f9u /* 01 0011 1 110 01 */

static void build_three_levels(void)
{
    CHECK_OK("A", make(ATOLL_OBJECT_CNODE, 4, A_SLOT));
    CHECK_OK("B", make(ATOLL_OBJECT_CNODE, 3, B_SLOT));
    CHECK_OK("C", make(ATOLL_OBJECT_CNODE, 2, C_SLOT));
    CHECK_OK("guard A", env_mutate(&env, S(10), A_SLOT, ATOLL_CNODE_GUARD_DATA(1, 2)));
    CHECK_OK("back", env_move(&env, A_SLOT, S(10)));
    const struct cap *a = cap_at(A_SLOT);
    /* B into A[3] with a one-bit guard of 1. */
    uint64_t mint_b[] = {CPTR_A3, A_BITS,           B_SLOT,
                         64,      ATOLL_RIGHTS_ALL, ATOLL_CNODE_GUARD_DATA(1, 1)};
    CHECK_OK("B into A[3]", env_cnode(&env, a, ATOLL_CNODE_MINT, mint_b, 6));
    uint64_t copy_c[] = {CPTR_A3_B6, AB_BITS, C_SLOT, 64, ATOLL_RIGHTS_ALL};
    CHECK_OK("C into B[6]", env_cnode(&env, a, ATOLL_CNODE_COPY, copy_c, 5));
    CHECK_OK("endpoint", make_endpoint(S(3)));
    uint64_t copy_ep1[] = {CPTR_A3_B5, AB_BITS, S(3), 64, ATOLL_RIGHTS_ALL};
    CHECK_OK("endpoint into B[5]", env_cnode(&env, a, ATOLL_CNODE_COPY, copy_ep1, 5));
    uint64_t copy_ep2[] = {CPTR_A3_B6_C1, ABC_BITS, S(3), 64, ATOLL_RIGHTS_ALL};
    CHECK_OK("endpoint into C[1]", env_cnode(&env, a, ATOLL_CNODE_COPY, copy_ep2, 5));
}

static struct cap_slot *cnode_slot(uint64_t root_slot, uint64_t index)
{
    return (struct cap_slot *)cap_container_slots(cap_at(root_slot)) + index;
}

static void lookup_two_levels_with_guards(void)
{
    setup();
    build_three_levels();
    struct cap_slot *slot = NULL;
    CHECK_OK("A/B/5", cap_lookup_slot(cap_at(A_SLOT), CPTR_A3_B5, AB_BITS, &slot));
    CHECK_TRUE("B[5]", slot == cnode_slot(B_SLOT, 5));
    CHECK_U("endpoint there", CAP_ENDPOINT, cap_type(&slot->cap));
    finish();
}

static void lookup_three_levels(void)
{
    setup();
    build_three_levels();
    struct cap_slot *slot = NULL;
    CHECK_OK("A/B/C/1", cap_lookup_slot(cap_at(A_SLOT), CPTR_A3_B6_C1, ABC_BITS, &slot));
    CHECK_TRUE("C[1]", slot == cnode_slot(C_SLOT, 1));
    /* Bits above the depth are ignored. */
    CHECK_OK("high bits", cap_lookup_slot(cap_at(A_SLOT), CPTR_A3_B6_C1 | UINT64_C(0xff) << 40,
                                          ABC_BITS, &slot));
    CHECK_TRUE("still C[1]", slot == cnode_slot(C_SLOT, 1));
    finish();
}

static void lookup_stops_at_cnode_when_depth_ends(void)
{
    setup();
    build_three_levels();
    struct cap_slot *slot = NULL;
    CHECK_OK("A/3 itself", cap_lookup_slot(cap_at(A_SLOT), CPTR_A3, A_BITS, &slot));
    CHECK_TRUE("A[3] holds B", slot == cnode_slot(A_SLOT, 3));
    CHECK_U("a CNode cap", CAP_CNODE, cap_type(&slot->cap));
    finish();
}

static void lookup_guard_mismatch_second_level(void)
{
    setup();
    build_three_levels();
    struct cap_slot *slot;
    /* B's guard is 1; give 0. */
    struct atoll_error_detail e = cap_lookup_slot(cap_at(A_SLOT), 0x135, AB_BITS, &slot);
    CHECK_ERR("wrong guard at B", ATOLL_ERR_FAILED_LOOKUP, e);
    CHECK_U("kind", ATOLL_LOOKUP_GUARD_MISMATCH, e.value0);
    CHECK_U("bits left at B", AB_BITS - A_BITS, e.value1);
    CHECK_U("B's guard size", 1, e.value2);
    finish();
}

static void lookup_depth_mismatch_second_level(void)
{
    setup();
    build_three_levels();
    struct cap_slot *slot;
    /* Two bits into B, which needs four. */
    struct atoll_error_detail e = cap_lookup_slot(cap_at(A_SLOT), 0x4e, A_BITS + 2, &slot);
    CHECK_ERR("short depth", ATOLL_ERR_FAILED_LOOKUP, e);
    CHECK_U("kind", ATOLL_LOOKUP_DEPTH_MISMATCH, e.value0);
    CHECK_U("bits left", 2, e.value1);
    CHECK_U("bits B needs", 4, e.value2);
    finish();
}

static void lookup_bits_left_at_non_cnode(void)
{
    setup();
    build_three_levels();
    struct cap_slot *slot;
    /* B[5] is an endpoint: two more bits cannot be resolved. */
    struct atoll_error_detail e =
        cap_lookup_slot(cap_at(A_SLOT), CPTR_A3_B5 << 2, AB_BITS + 2, &slot);
    CHECK_ERR("too deep", ATOLL_ERR_FAILED_LOOKUP, e);
    CHECK_U("kind", ATOLL_LOOKUP_DEPTH_MISMATCH, e.value0);
    CHECK_U("bits left", 2, e.value1);
    /* cap_resolve reports the same walk as a partial success. */
    struct cap_lookup found;
    CHECK_OK("resolve", cap_resolve(cap_at(A_SLOT), CPTR_A3_B5 << 2, AB_BITS + 2, &found));
    CHECK_TRUE("stopped at B[5]", found.slot == cnode_slot(B_SLOT, 5));
    CHECK_U("bits remaining", 2, found.bits_remaining);
    finish();
}

static void lookup_through_empty_slot_stops(void)
{
    setup();
    build_three_levels();
    struct cap_slot *slot;
    /* A[4] is empty: the walk ends there with 4 bits left. */
    struct atoll_error_detail e = cap_lookup_slot(cap_at(A_SLOT), 0x14 << 4, AB_BITS, &slot);
    CHECK_ERR("through an empty slot", ATOLL_ERR_FAILED_LOOKUP, e);
    CHECK_U("kind", ATOLL_LOOKUP_DEPTH_MISMATCH, e.value0);
    CHECK_U("bits left", 4, e.value1);
    finish();
}

static void lookup_cptr_ignores_bits_left(void)
{
    setup();
    CHECK_OK("A", make(ATOLL_OBJECT_CNODE, 4, S(0)));
    CHECK_OK("endpoint", make_endpoint(S(1)));
    /* A root of radix 4 with no guard resolves 4 bits; a system-call
     * pointer has 64, and the rest are ignored at a non-CNode cap. */
    uint64_t w[] = {2, 4, S(1), 64, ATOLL_RIGHTS_ALL};
    CHECK_OK("endpoint into A[2]", env_cnode(&env, cap_at(S(0)), ATOLL_CNODE_COPY, w, 5));
    struct cap_slot *slot = NULL;
    CHECK_OK("cptr", cap_lookup_cptr(cap_at(S(0)), UINT64_C(2) << 60 | 12345, &slot));
    CHECK_TRUE("A[2]", slot == cnode_slot(S(0), 2));
    finish();
}

/* ================================================================ retype */

static void retype_endpoint_is_child_of_untyped(void)
{
    setup();
    CHECK_OK("retype", make_endpoint(S(0)));
    struct cap *c = cap_at(S(0));
    CHECK_U("type", CAP_ENDPOINT, cap_type(c));
    CHECK_U("address", untyped_base(), cap_paddr(c));
    CHECK_U("rights", ATOLL_RIGHTS_ALL, cap_rights(c));
    CHECK_U("badge", 0, cap_badge(c));
    CHECK_TRUE("revocable original", cap_mdb_revocable(env_slot(&env, S(0))));
    CHECK_TRUE("child of the untyped", cap_is_parent_of(env_slot(&env, UT), env_slot(&env, S(0))));
    CHECK_U("watermark", 1u << ATOLL_ENDPOINT_SIZE_BITS, free_offset(UT));
    CHECK_U("initialised once", 1, hooks_init_total());
    finish();
}

/* Retype one object of `type` and check what came out. */
static void check_retype(uint64_t untyped, uint64_t type, uint64_t size_bits, unsigned bits)
{
    struct atoll_error_detail e = env_retype_root(&env, untyped, type, size_bits, S(0), 1);
    if (!CHECK_OK("retype", e))
        return;
    const struct cap *c = cap_at(S(0));
    uint64_t base;
    unsigned got_bits = 0;
    CHECK_U("cap type", cap_type_of_object((enum atoll_object_type)type), cap_type(c));
    CHECK_TRUE("has a region", cap_region(c, &base, &got_bits));
    CHECK_U("object size bits", bits, got_bits);
    CHECK_U("aligned to its size", 0, base & cap_bits_mask(bits));
    CHECK_U("watermark", bits, (unsigned)__builtin_ctzll(free_offset(untyped)));
}

static void retype_untyped(void)
{
    setup();
    check_retype(UT, ATOLL_OBJECT_UNTYPED, 12, 12);
    CHECK_U("child watermark", 0, free_offset(S(0)));
    CHECK_TRUE("not device", !cap_untyped_is_device(cap_at(S(0))));
    finish();
}

static void retype_cnode(void)
{
    setup();
    check_retype(UT, ATOLL_OBJECT_CNODE, 6, 11);
    CHECK_U("radix", 6, cap_cnode_radix(cap_at(S(0))));
    CHECK_U("no guard", 0, cap_cnode_guard_size(cap_at(S(0))));
    finish();
}

static void retype_tcb(void)
{
    setup();
    check_retype(UT, ATOLL_OBJECT_TCB, 0, ATOLL_TCB_SIZE_BITS);
    finish();
}

static void retype_notification(void)
{
    setup();
    check_retype(UT, ATOLL_OBJECT_NOTIFICATION, 0, ATOLL_NOTIFICATION_SIZE_BITS);
    CHECK_U("rights", ATOLL_RIGHTS_RW, cap_rights(cap_at(S(0))));
    finish();
}

static void retype_reply(void)
{
    setup();
    check_retype(UT, ATOLL_OBJECT_REPLY, 0, ATOLL_REPLY_SIZE_BITS);
    CHECK_U("rights", ATOLL_RIGHT_GRANT, cap_rights(cap_at(S(0))));
    finish();
}

static void retype_sched_context(void)
{
    setup();
    check_retype(UT, ATOLL_OBJECT_SCHED_CONTEXT, 10, 10);
    CHECK_U("size", 10, cap_sched_context_size_bits(cap_at(S(0))));
    finish();
}

static void retype_frame_4k(void)
{
    setup();
    check_retype(UT, ATOLL_OBJECT_FRAME_4K, 0, ATOLL_FRAME_4K_SIZE_BITS);
    CHECK_U("rights", ATOLL_RIGHTS_RW, cap_rights(cap_at(S(0))));
    CHECK_TRUE("not device", !cap_frame_is_device(cap_at(S(0))));
    finish();
}

static void retype_frame_2m(void)
{
    setup_with(22);
    check_retype(UT, ATOLL_OBJECT_FRAME_2M, 0, ATOLL_FRAME_2M_SIZE_BITS);
    finish();
}

static void retype_frame_1g_from_device(void)
{
    setup();
    check_retype(DEV, ATOLL_OBJECT_FRAME_1G, 0, ATOLL_FRAME_1G_SIZE_BITS);
    CHECK_TRUE("device frame", cap_frame_is_device(cap_at(S(0))));
    CHECK_U("at the device base", ENV_DEVICE_PADDR, cap_paddr(cap_at(S(0))));
    finish();
}

static void retype_page_tables(void)
{
    static const uint64_t types[] = {ATOLL_OBJECT_PML4, ATOLL_OBJECT_PDPT, ATOLL_OBJECT_PD,
                                     ATOLL_OBJECT_PT};
    setup();
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        CHECK_OK("retype", env_retype_root(&env, UT, types[i], 0, S(i), 1));
        CHECK_U("type", cap_type_of_object((enum atoll_object_type)types[i]),
                cap_type(cap_at(S(i))));
        CHECK_U("unmapped", 0, cap_mapping(cap_at(S(i))));
    }
    CHECK_U("four tables", 4u << ATOLL_PAGE_TABLE_SIZE_BITS, free_offset(UT));
    finish();
}

/* The VT-x objects: a VCPU is eight pages (its VMCS, bookkeeping with the
 * guest's FPU state, the MSR and I/O bitmaps, room to spare), the EPT
 * levels are one page each. */
static void retype_vtx_objects(void)
{
    static const uint64_t types[] = {ATOLL_OBJECT_GUEST_SPACE, ATOLL_OBJECT_EPT_PDPT,
                                     ATOLL_OBJECT_EPT_PD, ATOLL_OBJECT_EPT_PT};
    setup();
    CHECK_OK("vcpu", env_retype_root(&env, UT, ATOLL_OBJECT_VCPU, 0, S(0), 1));
    CHECK_U("vcpu type", CAP_VCPU, cap_type(cap_at(S(0))));
    CHECK_U("vcpu is eight pages", 8u << 12, free_offset(UT));
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        CHECK_OK("retype", env_retype_root(&env, UT, types[i], 0, S(1 + i), 1));
        CHECK_U("type", cap_type_of_object((enum atoll_object_type)types[i]),
                cap_type(cap_at(S(1 + i))));
        CHECK_U("unmapped", 0, cap_at(S(1 + i))->words[1]);
    }
    CHECK_U("four tables after it", (8u << 12) + (4u << ATOLL_EPT_TABLE_SIZE_BITS),
            free_offset(UT));
    finish();
}

static void retype_zeroes_new_objects(void)
{
    setup();
    memset(env.untyped_memory, 0xa5, 8192);
    CHECK_OK("frame", make(ATOLL_OBJECT_FRAME_4K, 0, S(0)));
    const uint8_t *p = env.untyped_memory;
    size_t nonzero = 0;
    for (size_t i = 0; i < 4096; i++)
        nonzero += p[i] != 0;
    CHECK_U("non-zero bytes in the new frame", 0, nonzero);
    CHECK_U("memory past it untouched", 0xa5, p[4096]);
    finish();
}

static void retype_invalid_type(void)
{
    setup();
    struct atoll_error_detail e = make(ATOLL_OBJECT_TYPE_COUNT + 5, 0, S(0));
    CHECK_ERR("unknown type", ATOLL_ERR_INVALID_ARGUMENT, e);
    CHECK_U("argument", ATOLL_RETYPE_ARG_TYPE, e.argument);
    CHECK_ERR("reserved IO page table", ATOLL_ERR_INVALID_ARGUMENT,
              make(ATOLL_OBJECT_IO_PAGE_TABLE, 0, S(0)));
    CHECK_ERR("IRQ control is no memory object", ATOLL_ERR_INVALID_ARGUMENT,
              make(ATOLL_OBJECT_IRQ_CONTROL, 0, S(0)));
    CHECK_TRUE("nothing created", cap_is_null(cap_at(S(0))));
    finish();
}

static void retype_size_bits_ranges(void)
{
    setup();
    struct atoll_error_detail e = make(ATOLL_OBJECT_UNTYPED, 3, S(0));
    CHECK_ERR("untyped of 3 bits", ATOLL_ERR_RANGE_ERROR, e);
    CHECK_U("argument", ATOLL_RETYPE_ARG_SIZE_BITS, e.argument);
    CHECK_U("min", ATOLL_UNTYPED_MIN_BITS, e.value0);
    CHECK_U("max", ATOLL_UNTYPED_MAX_BITS, e.value1);
    CHECK_ERR("untyped of 48 bits", ATOLL_ERR_RANGE_ERROR, make(ATOLL_OBJECT_UNTYPED, 48, S(0)));
    e = make(ATOLL_OBJECT_CNODE, 0, S(0));
    CHECK_ERR("CNode radix 0", ATOLL_ERR_RANGE_ERROR, e);
    CHECK_U("min radix", ATOLL_CNODE_MIN_RADIX, e.value0);
    CHECK_ERR("CNode radix 43", ATOLL_ERR_RANGE_ERROR, make(ATOLL_OBJECT_CNODE, 43, S(0)));
    CHECK_ERR("SchedContext 7", ATOLL_ERR_RANGE_ERROR, make(ATOLL_OBJECT_SCHED_CONTEXT, 7, S(0)));
    CHECK_ERR("SchedContext 13", ATOLL_ERR_RANGE_ERROR, make(ATOLL_OBJECT_SCHED_CONTEXT, 13, S(0)));
    CHECK_ERR("huge size", ATOLL_ERR_RANGE_ERROR, make(ATOLL_OBJECT_UNTYPED, UINT64_MAX, S(0)));
    finish();
}

/* An IOSpace has the size Retype gives it (its own table pool), within
 * [ATOLL_IOSPACE_MIN_BITS, ATOLL_IOSPACE_MAX_BITS]; its capability
 * covers all of it. */
static void retype_iospace_sizes(void)
{
    setup();
    struct atoll_error_detail e = make(ATOLL_OBJECT_IOSPACE, ATOLL_IOSPACE_MIN_BITS - 1, S(0));
    CHECK_ERR("IOSpace below the minimum", ATOLL_ERR_RANGE_ERROR, e);
    CHECK_U("min", ATOLL_IOSPACE_MIN_BITS, e.value0);
    CHECK_U("max", ATOLL_IOSPACE_MAX_BITS, e.value1);
    CHECK_ERR("IOSpace above the maximum", ATOLL_ERR_RANGE_ERROR,
              make(ATOLL_OBJECT_IOSPACE, ATOLL_IOSPACE_MAX_BITS + 1, S(0)));
    CHECK_OK("IOSpace of 2^16", make(ATOLL_OBJECT_IOSPACE, 16, S(0)));
    CHECK_U("watermark", UINT64_C(1) << 16, free_offset(UT));
    uint64_t base;
    unsigned bits = 0;
    CHECK_TRUE("IOSpace has a region", cap_region(cap_at(S(0)), &base, &bits));
    CHECK_U("region size", 16, bits);
    CHECK_U("initialised once", 1, hooks_init_total());
    check_invariants("after an IOSpace");
    finish();
}

static void retype_fixed_size_ignores_size_bits(void)
{
    setup();
    CHECK_OK("endpoint with size 999", make(ATOLL_OBJECT_ENDPOINT, 999, S(0)));
    CHECK_U("watermark", (1u << ATOLL_ENDPOINT_SIZE_BITS), free_offset(UT));
    finish();
}

static void retype_offset_out_of_range(void)
{
    setup();
    struct atoll_error_detail e = make_endpoint(1u << ROOT_RADIX);
    CHECK_ERR("offset past the CNode", ATOLL_ERR_RANGE_ERROR, e);
    CHECK_U("argument", ATOLL_RETYPE_ARG_NODE_OFFSET, e.argument);
    CHECK_U("min", 0, e.value0);
    CHECK_U("max", (1u << ROOT_RADIX) - 1, e.value1);
    finish();
}

static void retype_count_out_of_range(void)
{
    setup();
    struct atoll_error_detail e = env_retype_root(&env, UT, ATOLL_OBJECT_ENDPOINT, 0, S(0), 0);
    CHECK_ERR("zero objects", ATOLL_ERR_RANGE_ERROR, e);
    CHECK_U("argument", ATOLL_RETYPE_ARG_COUNT, e.argument);
    CHECK_U("max", ATOLL_RETYPE_MAX_OBJECTS, e.value1);
    CHECK_ERR("257 objects", ATOLL_ERR_RANGE_ERROR,
              env_retype_root(&env, UT, ATOLL_OBJECT_ENDPOINT, 0, 0, 257));
    e = env_retype_root(&env, UT, ATOLL_OBJECT_ENDPOINT, 0, 250, 10);
    CHECK_ERR("window past the end", ATOLL_ERR_RANGE_ERROR, e);
    CHECK_U("room for", 6, e.value1);
    finish();
}

static void retype_destination_occupied(void)
{
    setup();
    CHECK_OK("endpoint", make_endpoint(S(3)));
    uint64_t before = free_offset(UT);
    struct atoll_error_detail e = env_retype_root(&env, UT, ATOLL_OBJECT_ENDPOINT, 0, S(0), 5);
    CHECK_ERR("slot S(3) occupied", ATOLL_ERR_DELETE_FIRST, e);
    CHECK_U("argument", ATOLL_RETYPE_ARG_NODE_OFFSET, e.argument);
    CHECK_U("first occupied slot", S(3), e.value0);
    CHECK_U("watermark unchanged", before, free_offset(UT));
    CHECK_TRUE("no partial retype", cap_is_null(cap_at(S(0))));
    finish();
}

static void retype_not_enough_memory(void)
{
    setup();
    struct atoll_error_detail e = make(ATOLL_OBJECT_FRAME_2M, 0, S(0));
    CHECK_ERR("2 MiB from 1 MiB", ATOLL_ERR_NOT_ENOUGH_MEMORY, e);
    CHECK_U("bytes left", 1u << UNTYPED_BITS, e.value0);
    CHECK_OK("half", make(ATOLL_OBJECT_UNTYPED, UNTYPED_BITS - 1, S(0)));
    CHECK_OK("quarter", make(ATOLL_OBJECT_UNTYPED, UNTYPED_BITS - 2, S(1)));
    e = make(ATOLL_OBJECT_UNTYPED, UNTYPED_BITS - 1, S(2));
    CHECK_ERR("another half", ATOLL_ERR_NOT_ENOUGH_MEMORY, e);
    CHECK_U("bytes left", 1u << (UNTYPED_BITS - 2), e.value0);
    e = env_retype_root(&env, UT, ATOLL_OBJECT_FRAME_4K, 0, S(2), 65);
    CHECK_ERR("65 frames in 256 KiB", ATOLL_ERR_NOT_ENOUGH_MEMORY, e);
    CHECK_OK("64 frames fit exactly",
             env_retype_root(&env, UT, ATOLL_OBJECT_FRAME_4K, 0, S(2), 64));
    CHECK_U("untyped full", 1u << UNTYPED_BITS, free_offset(UT));
    finish();
}

static void retype_aligns_each_object_to_its_size(void)
{
    setup();
    CHECK_OK("endpoint", make_endpoint(S(0)));
    CHECK_OK("TCB", make(ATOLL_OBJECT_TCB, 0, S(1)));
    CHECK_U("TCB aligned up", untyped_base() + 4096, cap_paddr(cap_at(S(1))));
    CHECK_OK("notification", make(ATOLL_OBJECT_NOTIFICATION, 0, S(2)));
    CHECK_U("after the TCB", untyped_base() + 8192, cap_paddr(cap_at(S(2))));
    CHECK_U("watermark", 8192 + 32, free_offset(UT));
    finish();
}

static void retype_many_objects_at_once(void)
{
    setup();
    /* The root's first slots hold boot caps: fill a fresh CNode instead. */
    CHECK_OK("CNode", make(ATOLL_OBJECT_CNODE, 8, S(0)));
    struct atoll_error_detail e =
        env_retype(&env, UT, ATOLL_OBJECT_ENDPOINT, 0, S(0), 64, 0, ATOLL_RETYPE_MAX_OBJECTS);
    CHECK_OK("256 endpoints", e);
    struct cap_slot *slots = cnode_slot(S(0), 0);
    for (unsigned i = 0; i < ATOLL_RETYPE_MAX_OBJECTS; i++) {
        if (cap_type(&slots[i].cap) != CAP_ENDPOINT) {
            CHECK_FAIL("slot %u: expected an endpoint", i);
            break;
        }
    }
    CHECK_U("consecutive", cap_paddr(&slots[0].cap) + 255 * (1u << ATOLL_ENDPOINT_SIZE_BITS),
            cap_paddr(&slots[255].cap));
    finish();
}

static void retype_into_nested_cnode(void)
{
    setup();
    CHECK_OK("CNode", make(ATOLL_OBJECT_CNODE, 3, S(0)));
    CHECK_OK("into it", env_retype(&env, UT, ATOLL_OBJECT_NOTIFICATION, 0, S(0), 64, 5, 2));
    CHECK_U("slot 5", CAP_NOTIFICATION, cap_type(&cnode_slot(S(0), 5)->cap));
    CHECK_U("slot 6", CAP_NOTIFICATION, cap_type(&cnode_slot(S(0), 6)->cap));
    struct atoll_error_detail e =
        env_retype(&env, UT, ATOLL_OBJECT_NOTIFICATION, 0, S(0), 64, 7, 2);
    CHECK_ERR("past its 8 slots", ATOLL_ERR_RANGE_ERROR, e);
    CHECK_U("room for", 1, e.value1);
    finish();
}

static void retype_destination_not_a_cnode(void)
{
    setup();
    CHECK_OK("endpoint", make_endpoint(S(0)));
    struct atoll_error_detail e = env_retype(&env, UT, ATOLL_OBJECT_ENDPOINT, 0, S(0), 64, 0, 1);
    CHECK_ERR("endpoint as destination", ATOLL_ERR_FAILED_LOOKUP, e);
    CHECK_U("argument", ATOLL_RETYPE_ARG_NODE_INDEX, e.argument);
    CHECK_U("kind", ATOLL_LOOKUP_MISSING_CAPABILITY, e.value0);
    e = env_retype(&env, UT, ATOLL_OBJECT_ENDPOINT, 0, S(1), 64, 0, 1);
    CHECK_ERR("empty slot as destination", ATOLL_ERR_FAILED_LOOKUP, e);
    finish();
}

static void retype_destination_lookup_errors(void)
{
    setup();
    struct atoll_error_detail e = env_retype(&env, UT, ATOLL_OBJECT_ENDPOINT, 0, S(0), 65, 0, 1);
    CHECK_ERR("depth 65", ATOLL_ERR_RANGE_ERROR, e);
    CHECK_U("argument", ATOLL_RETYPE_ARG_NODE_DEPTH, e.argument);
    e = env_retype(&env, UT, ATOLL_OBJECT_ENDPOINT, 0, UINT64_C(1) << 63, 64, 0, 1);
    CHECK_ERR("guard mismatch", ATOLL_ERR_FAILED_LOOKUP, e);
    CHECK_U("argument", ATOLL_RETYPE_ARG_NODE_INDEX, e.argument);
    CHECK_U("kind", ATOLL_LOOKUP_GUARD_MISMATCH, e.value0);
    finish();
}

static void retype_truncated_and_wrong_label(void)
{
    setup();
    uint64_t words[ATOLL_RETYPE_ARGS] = {ATOLL_OBJECT_ENDPOINT, 0, 0, 0, S(0), 1};
    struct cap_slot *extra[1] = {&env.root_slot};
    struct untyped_retype r;
    struct atoll_error_detail e =
        untyped_decode(ATOLL_UNTYPED_RETYPE, env_slot(&env, UT), words, 5, extra, 1, &r);
    CHECK_ERR("five words", ATOLL_ERR_TRUNCATED_MESSAGE, e);
    CHECK_U("words needed", ATOLL_RETYPE_ARGS, e.value0);
    CHECK_U("caps needed", 1, e.value1);
    e = untyped_decode(ATOLL_UNTYPED_RETYPE, env_slot(&env, UT), words, 6, extra, 0, &r);
    CHECK_ERR("no extra cap", ATOLL_ERR_TRUNCATED_MESSAGE, e);
    e = untyped_decode(ATOLL_CNODE_COPY, env_slot(&env, UT), words, 6, extra, 1, &r);
    CHECK_ERR("CNode label on an untyped", ATOLL_ERR_ILLEGAL_OPERATION, e);
    finish();
}

static void retype_device_only_frames_and_untypeds(void)
{
    static const uint64_t kernel_types[] = {
        ATOLL_OBJECT_CNODE,        ATOLL_OBJECT_TCB,   ATOLL_OBJECT_ENDPOINT,
        ATOLL_OBJECT_NOTIFICATION, ATOLL_OBJECT_REPLY, ATOLL_OBJECT_SCHED_CONTEXT,
        ATOLL_OBJECT_PML4,         ATOLL_OBJECT_PT,
    };
    setup();
    for (size_t i = 0; i < sizeof(kernel_types) / sizeof(kernel_types[0]); i++) {
        uint64_t size = kernel_types[i] == ATOLL_OBJECT_CNODE ? 4 : 8;
        struct atoll_error_detail e = env_retype_root(&env, DEV, kernel_types[i], size, S(0), 1);
        if (!CHECK_ERR("kernel object from device memory", ATOLL_ERR_INVALID_ARGUMENT, e))
            CHECK_FAIL("type %" PRIu64, kernel_types[i]);
        CHECK_U("argument", ATOLL_RETYPE_ARG_TYPE, e.argument);
    }
    CHECK_OK("device frame", env_retype_root(&env, DEV, ATOLL_OBJECT_FRAME_2M, 0, S(0), 1));
    CHECK_OK("device untyped", env_retype_root(&env, DEV, ATOLL_OBJECT_UNTYPED, 24, S(1), 1));
    CHECK_TRUE("child is device", cap_untyped_is_device(cap_at(S(1))));
    CHECK_ERR("and inherits the rule", ATOLL_ERR_INVALID_ARGUMENT,
              env_retype_root(&env, S(1), ATOLL_OBJECT_TCB, 0, S(2), 1));
    CHECK_OK("frames from the child",
             env_retype_root(&env, S(1), ATOLL_OBJECT_FRAME_4K, 0, S(2), 3));
    CHECK_TRUE("device frame", cap_frame_is_device(cap_at(S(2))));
    finish();
}

static void retype_reuses_memory_after_revoke(void)
{
    setup();
    CHECK_OK("TCBs", env_retype_root(&env, UT, ATOLL_OBJECT_TCB, 0, S(0), 10));
    CHECK_U("watermark", 10 * 4096, free_offset(UT));
    CHECK_OK("revoke", env_revoke(&env, UT));
    for (unsigned i = 0; i < 10; i++)
        CHECK_TRUE("TCB gone", cap_is_null(cap_at(S(i))));
    CHECK_OK("again", make_endpoint(S(0)));
    CHECK_U("from the start", untyped_base(), cap_paddr(cap_at(S(0))));
    CHECK_U("watermark reset", (1u << ATOLL_ENDPOINT_SIZE_BITS), free_offset(UT));
    finish();
}

static void retype_keeps_watermark_while_children_remain(void)
{
    setup();
    CHECK_OK("two endpoints", env_retype_root(&env, UT, ATOLL_OBJECT_ENDPOINT, 0, S(0), 2));
    CHECK_OK("delete the first", env_delete(&env, S(0)));
    CHECK_OK("third", make_endpoint(S(2)));
    CHECK_U("above the watermark", untyped_base() + 2 * (1u << ATOLL_ENDPOINT_SIZE_BITS),
            cap_paddr(cap_at(S(2))));
    CHECK_OK("delete the rest", env_delete(&env, S(1)));
    CHECK_OK("delete the rest", env_delete(&env, S(2)));
    CHECK_OK("fourth", make_endpoint(S(3)));
    CHECK_U("reset: from the start", untyped_base(), cap_paddr(cap_at(S(3))));
    finish();
}

static void retype_grandchildren_within_child_untyped(void)
{
    setup();
    CHECK_OK("endpoint first", make_endpoint(S(0)));
    CHECK_OK("child untyped", make(ATOLL_OBJECT_UNTYPED, 14, S(1)));
    CHECK_U("aligned", untyped_base() + (1u << 14), cap_paddr(cap_at(S(1))));
    CHECK_OK("objects from the child", env_retype_root(&env, S(1), ATOLL_OBJECT_TCB, 0, S(2), 4));
    CHECK_U("inside the child", cap_paddr(cap_at(S(1))), cap_paddr(cap_at(S(2))));
    CHECK_TRUE("grandchild follows the child",
               cap_is_parent_of(env_slot(&env, S(1)), env_slot(&env, S(2))));
    CHECK_ERR("child is full", ATOLL_ERR_NOT_ENOUGH_MEMORY,
              env_retype_root(&env, S(1), ATOLL_OBJECT_TCB, 0, S(6), 1));
    check_invariants("with grandchildren");
    CHECK_OK("revoke the parent", env_revoke(&env, UT));
    for (unsigned i = 0; i < 6; i++)
        CHECK_TRUE("everything gone", cap_is_null(cap_at(S(i))));
    finish();
}

static void retype_is_preserved_by_move_of_untyped(void)
{
    setup();
    CHECK_OK("endpoint", make_endpoint(S(0)));
    CHECK_OK("move the untyped", env_move(&env, S(1), UT));
    CHECK_OK("more", env_retype_root(&env, S(1), ATOLL_OBJECT_ENDPOINT, 0, S(2), 1));
    CHECK_U("above the first", untyped_base() + (1u << ATOLL_ENDPOINT_SIZE_BITS),
            cap_paddr(cap_at(S(2))));
    CHECK_OK("revoke from the new place", env_revoke(&env, S(1)));
    CHECK_TRUE("children gone", cap_is_null(cap_at(S(0))) && cap_is_null(cap_at(S(2))));
    finish();
}

/* ================================================================ copy, mint */

static void copy_shares_object_not_revocable(void)
{
    setup();
    CHECK_OK("endpoint", make_endpoint(S(0)));
    CHECK_OK("copy", env_copy(&env, S(1), S(0), ATOLL_RIGHTS_ALL));
    CHECK_TRUE("same object", cap_same_object_as(cap_at(S(0)), cap_at(S(1))));
    CHECK_TRUE("copy not revocable", !cap_mdb_revocable(env_slot(&env, S(1))));
    CHECK_TRUE("child of the original",
               cap_is_parent_of(env_slot(&env, S(0)), env_slot(&env, S(1))));
    CHECK_TRUE("original not final", !cap_is_final(env_slot(&env, S(0))));
    finish();
}

static void copy_masks_rights(void)
{
    setup();
    CHECK_OK("endpoint", make_endpoint(S(0)));
    CHECK_OK("read-only copy", env_copy(&env, S(1), S(0), ATOLL_RIGHT_READ));
    CHECK_U("rights", ATOLL_RIGHT_READ, cap_rights(cap_at(S(1))));
    CHECK_OK("copy of the copy with all", env_copy(&env, S(2), S(1), ATOLL_RIGHTS_ALL));
    CHECK_U("rights never grow", ATOLL_RIGHT_READ, cap_rights(cap_at(S(2))));
    CHECK_OK("mask with unknown bits", env_copy(&env, S(3), S(0), ~UINT64_C(0) << 2));
    CHECK_U("only grant rights left", ATOLL_RIGHT_GRANT | ATOLL_RIGHT_GRANT_REPLY,
            cap_rights(cap_at(S(3))));
    finish();
}

static void copy_of_rightless_cap_ignores_mask(void)
{
    setup();
    CHECK_OK("TCB", make(ATOLL_OBJECT_TCB, 0, S(0)));
    CHECK_OK("copy with no rights", env_copy(&env, S(1), S(0), ATOLL_RIGHTS_NONE));
    CHECK_TRUE("unchanged", cap_equal(cap_at(S(0)), cap_at(S(1))));
    finish();
}

static void copy_from_empty_slot(void)
{
    setup();
    struct atoll_error_detail e = env_copy(&env, S(1), S(0), ATOLL_RIGHTS_ALL);
    CHECK_ERR("empty source", ATOLL_ERR_FAILED_LOOKUP, e);
    CHECK_U("argument", ATOLL_CNODE_ARG_SRC_INDEX, e.argument);
    CHECK_U("kind", ATOLL_LOOKUP_MISSING_CAPABILITY, e.value0);
    finish();
}

static void copy_to_occupied_slot(void)
{
    setup();
    CHECK_OK("endpoints", env_retype_root(&env, UT, ATOLL_OBJECT_ENDPOINT, 0, S(0), 2));
    struct cap before = *cap_at(S(1));
    struct atoll_error_detail e = env_copy(&env, S(1), S(0), ATOLL_RIGHTS_ALL);
    CHECK_ERR("occupied", ATOLL_ERR_DELETE_FIRST, e);
    CHECK_U("argument", ATOLL_CNODE_ARG_DEST_INDEX, e.argument);
    CHECK_TRUE("unchanged", cap_equal(&before, cap_at(S(1))));
    finish();
}

static void copy_truncated(void)
{
    setup();
    CHECK_OK("endpoint", make_endpoint(S(0)));
    uint64_t w[] = {S(1), 64, S(0), 64};
    struct atoll_error_detail e = env_cnode(&env, NULL, ATOLL_CNODE_COPY, w, 4);
    CHECK_ERR("no rights word", ATOLL_ERR_TRUNCATED_MESSAGE, e);
    CHECK_U("words needed", ATOLL_CNODE_COPY_ARGS, e.value0);
    uint64_t m[] = {S(1), 64, S(0), 64, ATOLL_RIGHTS_ALL};
    e = env_cnode(&env, NULL, ATOLL_CNODE_MINT, m, 5);
    CHECK_ERR("mint without badge word", ATOLL_ERR_TRUNCATED_MESSAGE, e);
    CHECK_U("words needed", ATOLL_CNODE_MINT_ARGS, e.value0);
    struct cnode_invocation inv;
    e = cnode_decode(ATOLL_CNODE_COPY, env_root_cap(&env), m, 5, NULL, 0, &inv);
    CHECK_ERR("no source root", ATOLL_ERR_TRUNCATED_MESSAGE, e);
    CHECK_U("caps needed", 1, e.value1);
    finish();
}

static void copy_untyped_with_children_is_revoke_first(void)
{
    setup();
    CHECK_OK("endpoint", make_endpoint(S(0)));
    struct atoll_error_detail e = env_copy(&env, S(1), UT, ATOLL_RIGHTS_ALL);
    CHECK_ERR("copy of a parent untyped", ATOLL_ERR_REVOKE_FIRST, e);
    CHECK_U("argument", ATOLL_CNODE_ARG_SRC_INDEX, e.argument);
    CHECK_ERR("mint likewise", ATOLL_ERR_REVOKE_FIRST,
              env_mint(&env, S(1), UT, ATOLL_RIGHTS_ALL, 0));
    CHECK_OK("revoke", env_revoke(&env, UT));
    CHECK_OK("then it copies", env_copy(&env, S(1), UT, ATOLL_RIGHTS_ALL));
    finish();
}

static void copy_untyped_leaves_only_the_copy_usable(void)
{
    setup();
    CHECK_OK("copy", env_copy(&env, S(0), UT, ATOLL_RIGHTS_ALL));
    CHECK_U("original marked full", 1u << UNTYPED_BITS, free_offset(UT));
    CHECK_TRUE("copy is a revocable child",
               cap_mdb_revocable(env_slot(&env, S(0))) &&
                   cap_is_parent_of(env_slot(&env, UT), env_slot(&env, S(0))));
    CHECK_ERR("original cannot allocate", ATOLL_ERR_NOT_ENOUGH_MEMORY, make_endpoint(S(1)));
    CHECK_OK("copy can", env_retype_root(&env, S(0), ATOLL_OBJECT_ENDPOINT, 0, S(1), 1));
    CHECK_U("from the start", untyped_base(), cap_paddr(cap_at(S(1))));
    CHECK_OK("delete the copy", env_delete(&env, S(0)));
    CHECK_ERR("the copy's objects still hold the original", ATOLL_ERR_NOT_ENOUGH_MEMORY,
              make_endpoint(S(2)));
    CHECK_OK("delete its object", env_delete(&env, S(1)));
    CHECK_OK("original resets", make_endpoint(S(2)));
    CHECK_U("from the start", untyped_base(), cap_paddr(cap_at(S(2))));
    finish();
}

static void copy_control_caps_is_illegal(void)
{
    setup();
    boot_cap(S(0), cap_irq_control_new());
    boot_cap(S(1), cap_ioport_control_new());
    CHECK_ERR("IRQ control", ATOLL_ERR_ILLEGAL_OPERATION,
              env_copy(&env, S(2), S(0), ATOLL_RIGHTS_ALL));
    CHECK_ERR("IOPort control", ATOLL_ERR_ILLEGAL_OPERATION,
              env_mint(&env, S(2), S(1), ATOLL_RIGHTS_ALL, 0));
    CHECK_OK("but it moves", env_move(&env, S(2), S(0)));
    CHECK_U("moved", CAP_IRQ_CONTROL, cap_type(cap_at(S(2))));
    finish();
}

static void copy_frame_is_unmapped(void)
{
    setup();
    CHECK_OK("frame", make(ATOLL_OBJECT_FRAME_4K, 0, S(0)));
    cap_at(S(0))->words[1] = 0x1234; /* as the VSpace code will record a mapping */
    CHECK_OK("copy", env_copy(&env, S(1), S(0), ATOLL_RIGHT_READ));
    CHECK_U("copy unmapped", 0, cap_mapping(cap_at(S(1))));
    CHECK_U("original keeps its mapping", 0x1234, cap_mapping(cap_at(S(0))));
    CHECK_U("read-only", ATOLL_RIGHT_READ, cap_rights(cap_at(S(1))));
    cap_at(S(0))->words[1] = 0;
    finish();
}

static void copy_unmapped_page_table_is_illegal(void)
{
    setup();
    CHECK_OK("PT", make(ATOLL_OBJECT_PT, 0, S(0)));
    CHECK_ERR("copy", ATOLL_ERR_ILLEGAL_OPERATION, env_copy(&env, S(1), S(0), ATOLL_RIGHTS_ALL));
    cap_at(S(0))->words[1] = 0x1000; /* mapped */
    CHECK_OK("copy when mapped", env_copy(&env, S(1), S(0), ATOLL_RIGHTS_ALL));
    CHECK_OK("delete copy", env_delete(&env, S(1)));
    cap_at(S(0))->words[1] = 0;
    finish();
}

static void copy_unmapped_ept_table_is_illegal(void)
{
    setup();
    CHECK_OK("EPT PT", make(ATOLL_OBJECT_EPT_PT, 0, S(0)));
    CHECK_ERR("copy", ATOLL_ERR_ILLEGAL_OPERATION, env_copy(&env, S(1), S(0), ATOLL_RIGHTS_ALL));
    cap_at(S(0))->words[1] = 0x1000; /* mapped, as vtx/ept.c records it */
    CHECK_OK("copy when mapped", env_copy(&env, S(1), S(0), ATOLL_RIGHTS_ALL));
    CHECK_OK("delete copy", env_delete(&env, S(1)));
    cap_at(S(0))->words[1] = 0;
    finish();
}

static void mint_badges_endpoint(void)
{
    setup();
    CHECK_OK("endpoint", make_endpoint(S(0)));
    CHECK_OK("mint", env_mint(&env, S(1), S(0), ATOLL_RIGHT_WRITE, 0xbadbeef));
    CHECK_U("badge", 0xbadbeef, cap_badge(cap_at(S(1))));
    CHECK_U("rights", ATOLL_RIGHT_WRITE, cap_rights(cap_at(S(1))));
    CHECK_TRUE("revocable", cap_mdb_revocable(env_slot(&env, S(1))));
    CHECK_TRUE("first badged", cap_mdb_first_badged(env_slot(&env, S(1))));
    CHECK_TRUE("child of the original",
               cap_is_parent_of(env_slot(&env, S(0)), env_slot(&env, S(1))));
    CHECK_U("original unbadged", 0, cap_badge(cap_at(S(0))));
    finish();
}

static void mint_cannot_rebadge(void)
{
    setup();
    CHECK_OK("endpoint", make_endpoint(S(0)));
    CHECK_OK("mint", env_mint(&env, S(1), S(0), ATOLL_RIGHTS_ALL, 5));
    CHECK_ERR("rebadge", ATOLL_ERR_ILLEGAL_OPERATION,
              env_mint(&env, S(2), S(1), ATOLL_RIGHTS_ALL, 6));
    CHECK_ERR("even to the same badge", ATOLL_ERR_ILLEGAL_OPERATION,
              env_mint(&env, S(2), S(1), ATOLL_RIGHTS_ALL, 5));
    CHECK_OK("a copy keeps the badge", env_copy(&env, S(2), S(1), ATOLL_RIGHT_READ));
    CHECK_U("badge", 5, cap_badge(cap_at(S(2))));
    finish();
}

static void mint_badge_zero_is_a_plain_copy(void)
{
    setup();
    CHECK_OK("endpoint", make_endpoint(S(0)));
    CHECK_OK("mint 0", env_mint(&env, S(1), S(0), ATOLL_RIGHTS_ALL, 0));
    CHECK_U("unbadged", 0, cap_badge(cap_at(S(1))));
    CHECK_TRUE("not revocable", !cap_mdb_revocable(env_slot(&env, S(1))));
    finish();
}

static void mint_notification_badge_and_rights(void)
{
    setup();
    CHECK_OK("notification", make(ATOLL_OBJECT_NOTIFICATION, 0, S(0)));
    CHECK_OK("mint", env_mint(&env, S(1), S(0), ATOLL_RIGHTS_ALL, 0x80));
    CHECK_U("badge", 0x80, cap_badge(cap_at(S(1))));
    CHECK_U("only its own rights", ATOLL_RIGHTS_RW, cap_rights(cap_at(S(1))));
    CHECK_OK("send-only", env_mint(&env, S(2), S(0), ATOLL_RIGHT_WRITE, 0x40));
    CHECK_U("write", ATOLL_RIGHT_WRITE, cap_rights(cap_at(S(2))));
    finish();
}

static void mint_cnode_guard(void)
{
    setup();
    CHECK_OK("CNode", make(ATOLL_OBJECT_CNODE, 4, S(0)));
    CHECK_OK("mint guard", env_mint(&env, S(1), S(0), 0, ATOLL_CNODE_GUARD_DATA(0x5, 3)));
    CHECK_U("guard", 0x5, cap_cnode_guard(cap_at(S(1))));
    CHECK_U("guard size", 3, cap_cnode_guard_size(cap_at(S(1))));
    struct cap_slot *slot = NULL;
    CHECK_OK("lookup through the guard", cap_lookup_slot(cap_at(S(1)), 0x5 << 4 | 9, 7, &slot));
    CHECK_TRUE("slot 9", slot == cnode_slot(S(0), 9));
    CHECK_ERR("guard wider than allowed", ATOLL_ERR_ILLEGAL_OPERATION,
              env_mint(&env, S(2), S(0), 0, ATOLL_CNODE_GUARD_DATA(0, 61)));
    CHECK_OK("guard masked to its size",
             env_mint(&env, S(2), S(0), 0, ATOLL_CNODE_GUARD_DATA(0xff, 2)));
    CHECK_U("masked", 0x3, cap_cnode_guard(cap_at(S(2))));
    finish();
}

/* ================================================================ badges */

static void badged_cap_is_parent_of_its_copies(void)
{
    setup();
    CHECK_OK("endpoint", make_endpoint(S(0)));
    CHECK_OK("mint", env_mint(&env, S(1), S(0), ATOLL_RIGHTS_ALL, 9));
    CHECK_OK("copy", env_copy(&env, S(2), S(1), ATOLL_RIGHTS_ALL));
    CHECK_OK("copy", env_copy(&env, S(3), S(2), ATOLL_RIGHTS_ALL));
    CHECK_TRUE("parent of the copy", cap_is_parent_of(env_slot(&env, S(1)), env_slot(&env, S(2))));
    CHECK_OK("revoke the badged cap", env_revoke(&env, S(1)));
    CHECK_TRUE("copies gone", cap_is_null(cap_at(S(2))) && cap_is_null(cap_at(S(3))));
    CHECK_U("badged cap stays", 9, cap_badge(cap_at(S(1))));
    CHECK_U("original stays", CAP_ENDPOINT, cap_type(cap_at(S(0))));
    CHECK_U("endpoint not finalised", 0, hooks_final_count(CAP_ENDPOINT, untyped_base()));
    finish();
}

static void revoke_original_removes_every_badge(void)
{
    setup();
    CHECK_OK("endpoint", make_endpoint(S(0)));
    CHECK_OK("badge 1", env_mint(&env, S(1), S(0), ATOLL_RIGHTS_ALL, 1));
    CHECK_OK("badge 2", env_mint(&env, S(2), S(0), ATOLL_RIGHTS_ALL, 2));
    CHECK_OK("copy of 1", env_copy(&env, S(3), S(1), ATOLL_RIGHTS_ALL));
    CHECK_OK("plain copy", env_copy(&env, S(4), S(0), ATOLL_RIGHTS_ALL));
    CHECK_OK("revoke the original", env_revoke(&env, S(0)));
    for (unsigned i = 1; i <= 4; i++)
        CHECK_TRUE("derived cap gone", cap_is_null(cap_at(S(i))));
    CHECK_TRUE("original final now", cap_is_final(env_slot(&env, S(0))));
    CHECK_U("not finalised: the original lives", 0,
            hooks_final_count(CAP_ENDPOINT, untyped_base()));
    finish();
}

static void revoke_plain_copy_removes_nothing(void)
{
    setup();
    CHECK_OK("endpoint", make_endpoint(S(0)));
    CHECK_OK("copy", env_copy(&env, S(1), S(0), ATOLL_RIGHTS_ALL));
    CHECK_OK("copy", env_copy(&env, S(2), S(0), ATOLL_RIGHTS_ALL));
    CHECK_OK("revoke a copy", env_revoke(&env, S(1)));
    CHECK_U("sibling stays", CAP_ENDPOINT, cap_type(cap_at(S(2))));
    CHECK_U("itself stays", CAP_ENDPOINT, cap_type(cap_at(S(1))));
    finish();
}

static void new_badge_run_does_not_adopt_old_copies(void)
{
    setup();
    CHECK_OK("endpoint", make_endpoint(S(0)));
    CHECK_OK("badge 5", env_mint(&env, S(1), S(0), ATOLL_RIGHTS_ALL, 5));
    CHECK_OK("its copy", env_copy(&env, S(2), S(1), ATOLL_RIGHTS_ALL));
    CHECK_OK("delete the badged parent", env_delete(&env, S(1)));
    CHECK_TRUE("orphaned copy starts a run", cap_mdb_first_badged(env_slot(&env, S(2))));
    CHECK_OK("badge 5 again", env_mint(&env, S(3), S(0), ATOLL_RIGHTS_ALL, 5));
    CHECK_TRUE("not a parent of the old copy",
               !cap_is_parent_of(env_slot(&env, S(3)), env_slot(&env, S(2))));
    CHECK_OK("revoke the new one", env_revoke(&env, S(3)));
    CHECK_U("old copy survives", 5, cap_badge(cap_at(S(2))));
    CHECK_OK("revoke the original", env_revoke(&env, S(0)));
    CHECK_TRUE("now it goes", cap_is_null(cap_at(S(2))));
    finish();
}

static void operations_on_revoked_caps_fail(void)
{
    setup();
    CHECK_OK("child untyped", make(ATOLL_OBJECT_UNTYPED, 16, S(0)));
    CHECK_OK("endpoint from it", env_retype_root(&env, S(0), ATOLL_OBJECT_ENDPOINT, 0, S(1), 1));
    CHECK_OK("badged copy", env_mint(&env, S(2), S(1), ATOLL_RIGHTS_ALL, 3));
    uint64_t ep = cap_paddr(cap_at(S(1)));
    CHECK_OK("revoke the top untyped", env_revoke(&env, UT));
    CHECK_TRUE("all three gone",
               cap_is_null(cap_at(S(0))) && cap_is_null(cap_at(S(1))) && cap_is_null(cap_at(S(2))));
    struct atoll_error_detail e = env_copy(&env, S(3), S(2), ATOLL_RIGHTS_ALL);
    CHECK_ERR("copy of a revoked cap", ATOLL_ERR_FAILED_LOOKUP, e);
    CHECK_U("kind", ATOLL_LOOKUP_MISSING_CAPABILITY, e.value0);
    CHECK_ERR("mint", ATOLL_ERR_FAILED_LOOKUP, env_mint(&env, S(3), S(1), ATOLL_RIGHTS_ALL, 1));
    CHECK_ERR("move", ATOLL_ERR_FAILED_LOOKUP, env_move(&env, S(3), S(0)));
    CHECK_ERR("mutate", ATOLL_ERR_FAILED_LOOKUP, env_mutate(&env, S(3), S(0), 0));
    CHECK_ERR("rotate", ATOLL_ERR_FAILED_LOOKUP, env_rotate(&env, S(3), 0, S(1), 0, S(2)));
    CHECK_OK("delete is a no-op", env_delete(&env, S(1)));
    CHECK_OK("revoke is a no-op", env_revoke(&env, S(0)));
    CHECK_U("endpoint finalised once", 1, hooks_final_count(CAP_ENDPOINT, ep));
    finish();
}

/* ================================================================ move, mutate, rotate */

static void move_keeps_derivation_position(void)
{
    setup();
    CHECK_OK("endpoint", make_endpoint(S(0)));
    CHECK_OK("mint", env_mint(&env, S(1), S(0), ATOLL_RIGHTS_ALL, 3));
    CHECK_OK("move the badged cap", env_move(&env, S(5), S(1)));
    CHECK_TRUE("source empty", cap_is_null(cap_at(S(1))));
    CHECK_U("badge moved", 3, cap_badge(cap_at(S(5))));
    CHECK_TRUE("still revocable", cap_mdb_revocable(env_slot(&env, S(5))));
    CHECK_TRUE("still a child", cap_is_parent_of(env_slot(&env, S(0)), env_slot(&env, S(5))));
    CHECK_OK("revoke the untyped", env_revoke(&env, UT));
    CHECK_TRUE("moved cap revoked", cap_is_null(cap_at(S(5))));
    finish();
}

static void move_errors(void)
{
    setup();
    CHECK_ERR("empty source", ATOLL_ERR_FAILED_LOOKUP, env_move(&env, S(1), S(0)));
    CHECK_OK("endpoints", env_retype_root(&env, UT, ATOLL_OBJECT_ENDPOINT, 0, S(0), 2));
    CHECK_ERR("occupied destination", ATOLL_ERR_DELETE_FIRST, env_move(&env, S(1), S(0)));
    CHECK_ERR("onto itself", ATOLL_ERR_DELETE_FIRST, env_move(&env, S(0), S(0)));
    finish();
}

static void mutate_sets_cnode_guard(void)
{
    setup();
    CHECK_OK("CNode", make(ATOLL_OBJECT_CNODE, 2, S(0)));
    CHECK_OK("mutate", env_mutate(&env, S(1), S(0), ATOLL_CNODE_GUARD_DATA(1, 1)));
    CHECK_TRUE("moved", cap_is_null(cap_at(S(0))));
    CHECK_U("guard size", 1, cap_cnode_guard_size(cap_at(S(1))));
    CHECK_TRUE("still the original", cap_mdb_revocable(env_slot(&env, S(1))));
    struct cap_slot *slot = NULL;
    CHECK_OK("lookup", cap_lookup_slot(cap_at(S(1)), 0x6, 3, &slot));
    CHECK_TRUE("slot 2", slot == cnode_slot(S(1), 2));
    CHECK_ERR("guard too big", ATOLL_ERR_ILLEGAL_OPERATION,
              env_mutate(&env, S(2), S(1), ATOLL_CNODE_GUARD_DATA(0, 63)));
    CHECK_U("unchanged after the error", CAP_CNODE, cap_type(cap_at(S(1))));
    finish();
}

static void mutate_cannot_change_a_badge(void)
{
    setup();
    CHECK_OK("endpoint", make_endpoint(S(0)));
    CHECK_ERR("badge by mutate", ATOLL_ERR_ILLEGAL_OPERATION, env_mutate(&env, S(1), S(0), 7));
    CHECK_OK("data 0 moves it unchanged", env_mutate(&env, S(1), S(0), 0));
    CHECK_U("unbadged", 0, cap_badge(cap_at(S(1))));
    CHECK_OK("other caps ignore data", make(ATOLL_OBJECT_TCB, 0, S(2)));
    CHECK_OK("mutate TCB", env_mutate(&env, S(3), S(2), 12345));
    finish();
}

static void rotate_three_slots(void)
{
    setup();
    CHECK_OK("endpoints", env_retype_root(&env, UT, ATOLL_OBJECT_ENDPOINT, 0, S(0), 2));
    struct cap src = *cap_at(S(0)), pivot = *cap_at(S(1));
    CHECK_OK("rotate", env_rotate(&env, S(2), 0, S(1), 0, S(0)));
    CHECK_TRUE("pivot's cap at dest", cap_equal(&pivot, cap_at(S(2))));
    CHECK_TRUE("source's cap at pivot", cap_equal(&src, cap_at(S(1))));
    CHECK_TRUE("source empty", cap_is_null(cap_at(S(0))));
    finish();
}

static void rotate_swaps_when_source_is_dest(void)
{
    setup();
    CHECK_OK("endpoint", make_endpoint(S(0)));
    CHECK_OK("notification", make(ATOLL_OBJECT_NOTIFICATION, 0, S(1)));
    CHECK_OK("swap", env_rotate(&env, S(0), 0, S(1), 0, S(0)));
    CHECK_U("notification here", CAP_NOTIFICATION, cap_type(cap_at(S(0))));
    CHECK_U("endpoint there", CAP_ENDPOINT, cap_type(cap_at(S(1))));
    check_invariants("after the swap");
    CHECK_OK("revoke", env_revoke(&env, UT));
    CHECK_TRUE("both gone", cap_is_null(cap_at(S(0))) && cap_is_null(cap_at(S(1))));
    finish();
}

static void rotate_errors(void)
{
    setup();
    CHECK_OK("endpoints", env_retype_root(&env, UT, ATOLL_OBJECT_ENDPOINT, 0, S(0), 3));
    CHECK_ERR("pivot is the source", ATOLL_ERR_ILLEGAL_OPERATION,
              env_rotate(&env, S(5), 0, S(0), 0, S(0)));
    CHECK_ERR("pivot is the dest", ATOLL_ERR_ILLEGAL_OPERATION,
              env_rotate(&env, S(1), 0, S(1), 0, S(0)));
    CHECK_ERR("occupied dest", ATOLL_ERR_DELETE_FIRST, env_rotate(&env, S(2), 0, S(1), 0, S(0)));
    struct atoll_error_detail e = env_rotate(&env, S(5), 0, S(1), 0, S(6));
    CHECK_ERR("empty source", ATOLL_ERR_FAILED_LOOKUP, e);
    CHECK_U("argument", ATOLL_ROTATE_ARG_SRC_INDEX, e.argument);
    e = env_rotate(&env, S(5), 0, S(7), 0, S(0));
    CHECK_ERR("empty pivot", ATOLL_ERR_FAILED_LOOKUP, e);
    CHECK_U("argument", ATOLL_ROTATE_ARG_PIVOT_INDEX, e.argument);
    CHECK_ERR("badge data", ATOLL_ERR_ILLEGAL_OPERATION, env_rotate(&env, S(5), 4, S(1), 0, S(0)));
    uint64_t w[] = {S(5), 64, 0, S(1), 64, 0, S(0)};
    CHECK_ERR("truncated", ATOLL_ERR_TRUNCATED_MESSAGE,
              env_cnode(&env, NULL, ATOLL_CNODE_ROTATE, w, 7));
    finish();
}

/* ================================================================ delete */

static void delete_last_cap_finalises_once(void)
{
    setup();
    CHECK_OK("endpoint", make_endpoint(S(0)));
    CHECK_OK("copy", env_copy(&env, S(1), S(0), ATOLL_RIGHTS_ALL));
    CHECK_OK("mint", env_mint(&env, S(2), S(0), ATOLL_RIGHTS_ALL, 1));
    uint64_t ep = untyped_base();
    CHECK_OK("delete the original", env_delete(&env, S(0)));
    CHECK_OK("delete the copy", env_delete(&env, S(1)));
    CHECK_U("not yet final", 0, hooks_final_count(CAP_ENDPOINT, ep));
    CHECK_U("non-final deletes reported", 2, hooks_nonfinal_count(CAP_ENDPOINT, ep));
    CHECK_OK("delete the last", env_delete(&env, S(2)));
    CHECK_U("finalised once", 1, hooks_final_count(CAP_ENDPOINT, ep));
    CHECK_OK("delete the empty slot again", env_delete(&env, S(2)));
    CHECK_U("still once", 1, hooks_final_count(CAP_ENDPOINT, ep));
    finish();
}

static void delete_empty_slot_is_fine(void)
{
    setup();
    CHECK_OK("delete empty", env_delete(&env, S(0)));
    CHECK_OK("revoke empty", env_revoke(&env, S(0)));
    CHECK_U("no hooks", 0, hooks_final_total());
    finish();
}

static void delete_untyped_cap_keeps_its_objects(void)
{
    setup();
    CHECK_OK("endpoint", make_endpoint(S(0)));
    CHECK_OK("delete the untyped", env_delete(&env, UT));
    CHECK_U("endpoint lives on", CAP_ENDPOINT, cap_type(cap_at(S(0))));
    CHECK_U("not finalised", 0, hooks_final_count(CAP_ENDPOINT, untyped_base()));
    finish();
}

/* Copy the endpoint cap in root slot `src` into slot `index` of the CNode
 * whose cap is in root slot `cnode` (a CNode with no guard). */
static void copy_into(uint64_t cnode, uint64_t index, uint64_t src)
{
    unsigned radix = cap_cnode_radix(cap_at(cnode));
    uint64_t w[] = {index, radix, src, 64, ATOLL_RIGHTS_ALL};
    CHECK_OK("copy into CNode", env_cnode(&env, cap_at(cnode), ATOLL_CNODE_COPY, w, 5));
}

static void move_into(uint64_t cnode, uint64_t index, uint64_t src)
{
    unsigned radix = cap_cnode_radix(cap_at(cnode));
    uint64_t w[] = {index, radix, src, 64};
    CHECK_OK("move into CNode", env_cnode(&env, cap_at(cnode), ATOLL_CNODE_MOVE, w, 4));
}

static void delete_cnode_deletes_its_contents(void)
{
    setup();
    CHECK_OK("CNode", make(ATOLL_OBJECT_CNODE, 3, S(0)));
    CHECK_OK("endpoints", env_retype(&env, UT, ATOLL_OBJECT_ENDPOINT, 0, S(0), 64, 0, 3));
    CHECK_OK("notification", make(ATOLL_OBJECT_NOTIFICATION, 0, S(1)));
    copy_into(S(0), 7, S(1));
    uint64_t cnode = cap_paddr(cap_at(S(0)));
    uint64_t ep0 = cap_paddr(&cnode_slot(S(0), 0)->cap);
    CHECK_OK("delete the CNode", env_delete(&env, S(0)));
    CHECK_U("CNode finalised", 1, hooks_final_count(CAP_CNODE, cnode));
    CHECK_U("its endpoints too", 1, hooks_final_count(CAP_ENDPOINT, ep0));
    CHECK_U("notification copy was not final", 0,
            hooks_final_count(CAP_NOTIFICATION, cap_paddr(cap_at(S(1)))));
    CHECK_U("three endpoints and the CNode", 4, hooks_final_total());
    CHECK_TRUE("the notification is final now", cap_is_final(env_slot(&env, S(1))));
    check_invariants("after deleting the CNode");
    CHECK_OK("untyped has a child left", make_endpoint(S(2)));
    CHECK_TRUE("above the old objects", cap_paddr(cap_at(S(2))) > cap_paddr(cap_at(S(1))));
    finish();
}

static void delete_cnode_with_copy_elsewhere_is_not_final(void)
{
    setup();
    CHECK_OK("CNode", make(ATOLL_OBJECT_CNODE, 2, S(0)));
    CHECK_OK("endpoint", make_endpoint(S(1)));
    move_into(S(0), 1, S(1));
    CHECK_OK("copy the CNode cap", env_copy(&env, S(2), S(0), ATOLL_RIGHTS_ALL));
    CHECK_OK("delete one", env_delete(&env, S(0)));
    CHECK_U("contents untouched", CAP_ENDPOINT, cap_type(&cnode_slot(S(2), 1)->cap));
    CHECK_U("nothing finalised", 0, hooks_final_total());
    finish();
}

static void delete_nested_cnode_leaves_zombie_for_revoke(void)
{
    setup();
    CHECK_OK("outer", make(ATOLL_OBJECT_CNODE, 2, S(0)));
    CHECK_OK("inner", make(ATOLL_OBJECT_CNODE, 2, S(1)));
    CHECK_OK("endpoint", make_endpoint(S(2)));
    uint64_t inner = cap_paddr(cap_at(S(1))), ep = cap_paddr(cap_at(S(2)));
    move_into(S(1), 3, S(2));
    move_into(S(0), 2, S(1));
    CHECK_OK("delete the outer", env_delete(&env, S(0)));
    CHECK_U("inner finalised", 1, hooks_final_count(CAP_CNODE, inner));
    check_invariants("with a self-referential zombie");
    CHECK_U("zombie in the inner's first slot", CAP_ZOMBIE,
            cap_type(&((struct cap_slot *)cap_phys_to_virt(inner))->cap));
    CHECK_ERR("its memory is still in use", ATOLL_ERR_NOT_ENOUGH_MEMORY,
              env_retype_root(&env, UT, ATOLL_OBJECT_UNTYPED, UNTYPED_BITS, S(4), 1));
    CHECK_OK("revoke the untyped", env_revoke(&env, UT));
    CHECK_U("endpoint finalised once", 1, hooks_final_count(CAP_ENDPOINT, ep));
    CHECK_U("inner still once", 1, hooks_final_count(CAP_CNODE, inner));
    CHECK_OK("memory reusable",
             env_retype_root(&env, UT, ATOLL_OBJECT_UNTYPED, UNTYPED_BITS, S(4), 1));
    finish();
}

static void delete_cnode_holding_its_own_cap(void)
{
    setup();
    CHECK_OK("CNode", make(ATOLL_OBJECT_CNODE, 3, S(0)));
    uint64_t cnode = cap_paddr(cap_at(S(0)));
    CHECK_OK("endpoint", make_endpoint(S(1)));
    move_into(S(0), 1, S(1));
    move_into(S(0), 5, S(0)); /* its only cap now lives inside it */
    CHECK_TRUE("root slot empty", cap_is_null(cap_at(S(0))));
    check_invariants("with a self-contained CNode");
    CHECK_U("nothing finalised yet", 0, hooks_final_total());
    CHECK_OK("revoke the untyped", env_revoke(&env, UT));
    CHECK_U("CNode finalised once", 1, hooks_final_count(CAP_CNODE, cnode));
    CHECK_U("endpoint too", 2, hooks_final_total());
    finish();
}

static void delete_directly_inside_own_cnode(void)
{
    setup();
    CHECK_OK("CNode", make(ATOLL_OBJECT_CNODE, 2, S(0)));
    uint64_t cnode = cap_paddr(cap_at(S(0)));
    CHECK_OK("endpoint", make_endpoint(S(1)));
    uint64_t ep = cap_paddr(cap_at(S(1)));
    move_into(S(0), 0, S(1));
    move_into(S(0), 2, S(0));
    struct cap_slot *self = (struct cap_slot *)cap_phys_to_virt(cnode) + 2;
    cap_delete(self); /* as revoke would reach it */
    CHECK_TRUE("emptied", cap_is_null(&self->cap));
    CHECK_U("CNode finalised", 1, hooks_final_count(CAP_CNODE, cnode));
    CHECK_U("endpoint finalised", 1, hooks_final_count(CAP_ENDPOINT, ep));
    finish();
}

static void delete_cycle_of_two_cnodes(void)
{
    setup();
    CHECK_OK("A", make(ATOLL_OBJECT_CNODE, 2, S(0)));
    CHECK_OK("B", make(ATOLL_OBJECT_CNODE, 2, S(1)));
    uint64_t a = cap_paddr(cap_at(S(0))), b = cap_paddr(cap_at(S(1)));
    CHECK_OK("endpoints", env_retype_root(&env, UT, ATOLL_OBJECT_ENDPOINT, 0, S(2), 2));
    move_into(S(0), 3, S(2));
    move_into(S(1), 1, S(3));
    move_into(S(0), 0, S(1)); /* A holds B */
    move_into(S(0), 1, S(0)); /* and itself: A and B are unreachable now */
    check_invariants("with an unreachable pair");
    CHECK_OK("revoke the untyped", env_revoke(&env, UT));
    CHECK_U("A once", 1, hooks_final_count(CAP_CNODE, a));
    CHECK_U("B once", 1, hooks_final_count(CAP_CNODE, b));
    CHECK_U("two CNodes, two endpoints", 4, hooks_final_total());
    finish();
}

/* The cycle seL4 calls the cyclic zombie: the slot being deleted lies in a
 * CNode that the dying CNode holds the last capability to. */
static void delete_slot_inside_the_cnode_it_kills(void)
{
    setup();
    CHECK_OK("A", make(ATOLL_OBJECT_CNODE, 2, S(0)));
    CHECK_OK("B", make(ATOLL_OBJECT_CNODE, 2, S(1)));
    uint64_t a = cap_paddr(cap_at(S(0))), b = cap_paddr(cap_at(S(1)));
    CHECK_OK("endpoint", make_endpoint(S(2)));
    move_into(S(1), 2, S(2));
    move_into(S(0), 3, S(1)); /* A[3] holds the last cap to B */
    move_into(S(0), 0, S(0)); /* ... and A[0] the last cap to A */
    struct cap_slot *a0 = (struct cap_slot *)cap_phys_to_virt(a);
    /* Move A's cap into B[0]: deleting B[0] kills A, which kills B. */
    struct cap_slot *b0 = (struct cap_slot *)cap_phys_to_virt(b);
    cap_move(a0->cap, a0, b0);
    check_invariants("before");
    cap_delete(b0);
    CHECK_TRUE("slot emptied", cap_is_null(&b0->cap));
    check_invariants("after deleting inside the cycle");
    CHECK_U("A once", 1, hooks_final_count(CAP_CNODE, a));
    CHECK_U("B once", 1, hooks_final_count(CAP_CNODE, b));
    CHECK_OK("revoke reclaims the rest", env_revoke(&env, UT));
    CHECK_U("endpoint once", 1, hooks_final_total() - 2);
    finish();
}

static void delete_tcb_empties_its_slots(void)
{
    setup();
    CHECK_OK("TCB", make(ATOLL_OBJECT_TCB, 0, S(0)));
    CHECK_OK("CNode", make(ATOLL_OBJECT_CNODE, 1, S(1)));
    CHECK_OK("endpoint", make_endpoint(S(2)));
    uint64_t tcb = cap_paddr(cap_at(S(0)));
    struct cap_slot *slots = cap_phys_to_virt(tcb + CAP_TCB_SLOTS_OFFSET);
    /* As TCB_Configure will: the CSpace root and a fault endpoint. */
    cap_insert(*cap_at(S(1)), env_slot(&env, S(1)), &slots[0]);
    cap_move(*cap_at(S(2)), env_slot(&env, S(2)), &slots[3]);
    check_invariants("with caps in the TCB");
    CHECK_OK("delete the TCB", env_delete(&env, S(0)));
    CHECK_U("TCB finalised", 1, hooks_final_count(CAP_TCB, tcb));
    CHECK_TRUE("slots emptied", cap_is_null(&slots[0].cap) && cap_is_null(&slots[3].cap));
    CHECK_U("its endpoint was the last cap", 2, hooks_final_total());
    CHECK_TRUE("CNode cap remains", cap_is_final(env_slot(&env, S(1))));
    finish();
}

/* ================================================================ revoke */

static void revoke_deep_untyped_tree(void)
{
    setup();
    /* Five nested untypeds, each with an endpoint and a CNode holding a
     * copy of the endpoint. */
    uint64_t parent = UT;
    unsigned bits = UNTYPED_BITS - 1;
    for (unsigned level = 0; level < 5; level++) {
        uint64_t u = S(level * 4), ep = u + 1, cn = u + 2;
        CHECK_OK("untyped", env_retype_root(&env, parent, ATOLL_OBJECT_UNTYPED, bits, u, 1));
        CHECK_OK("endpoint", env_retype_root(&env, u, ATOLL_OBJECT_ENDPOINT, 0, ep, 1));
        CHECK_OK("CNode", env_retype_root(&env, u, ATOLL_OBJECT_CNODE, 2, cn, 1));
        copy_into(cn, 1, ep);
        parent = u;
        bits--;
    }
    check_invariants("deep tree");
    CHECK_OK("revoke the top", env_revoke(&env, UT));
    for (unsigned i = 0; i < 20; i++)
        CHECK_TRUE("all gone", cap_is_null(cap_at(S(i))));
    CHECK_U("5 endpoints + 5 CNodes", 10, hooks_final_total() - 5 /* untyped caps */);
    CHECK_OK("memory back", env_retype_root(&env, UT, ATOLL_OBJECT_UNTYPED, UNTYPED_BITS, S(0), 1));
    finish();
}

/* ---- Preemption points (delete.h): a restarted Delete or Revoke ends
 * where one that was never stopped ends. */

#define BIG_RADIX 6
#define COPIES    40

/* A CNode of 2^BIG_RADIX slots in S(0), every slot an endpoint. */
static void make_full_cnode(void)
{
    CHECK_OK("CNode", make(ATOLL_OBJECT_CNODE, BIG_RADIX, S(0)));
    CHECK_OK("endpoints into it",
             env_retype(&env, UT, ATOLL_OBJECT_ENDPOINT, 0, S(0), 64, 0, UINT64_C(1) << BIG_RADIX));
}

static void revoke_stopped_at_every_point_completes(void)
{
    for (unsigned every = 1; every <= 3; every++) {
        setup();
        CHECK_OK("endpoint", make_endpoint(S(0)));
        for (unsigned i = 1; i <= COPIES; i++)
            CHECK_OK("copy", env_copy(&env, S(i), S(0), ATOLL_RIGHTS_ALL));
        host_preempt_every = every;
        CHECK_OK("revoke", env_revoke(&env, S(0)));
        CHECK_TRUE("stopped and restarted", host_preemptions >= COPIES / every - 1);
        for (unsigned i = 1; i <= COPIES; i++)
            CHECK_TRUE("copy gone", cap_is_null(cap_at(S(i))));
        CHECK_U("the original stays", CAP_ENDPOINT, cap_type(cap_at(S(0))));
        CHECK_U("nothing finalised", 0, hooks_final_total());
        finish();
    }
}

static void delete_big_cnode_stopped_at_every_point_completes(void)
{
    for (unsigned every = 1; every <= 3; every++) {
        setup();
        make_full_cnode();
        uint64_t cnode = cap_paddr(cap_at(S(0)));
        host_preempt_every = every;
        CHECK_OK("delete", env_delete(&env, S(0)));
        CHECK_TRUE("stopped and restarted",
                   host_preemptions >= ((UINT64_C(1) << BIG_RADIX) - 1) / every);
        CHECK_TRUE("slot empty", cap_is_null(cap_at(S(0))));
        CHECK_U("CNode finalised once", 1, hooks_final_count(CAP_CNODE, cnode));
        CHECK_U("every endpoint once", (1u << BIG_RADIX) + 1, hooks_final_total());
        CHECK_OK("memory reusable after revoke", env_revoke(&env, UT));
        CHECK_OK("all of it",
                 env_retype_root(&env, UT, ATOLL_OBJECT_UNTYPED, UNTYPED_BITS, S(1), 1));
        finish();
    }
}

/* Between a stop and its restart the slot holds a Zombie that anyone may
 * see: it can only be deleted or revoked. */
static void zombie_left_by_a_stop_refuses_other_uses(void)
{
    setup();
    make_full_cnode();
    host_preempt_every = 1;
    uint64_t w[] = {S(0), ENV_DEPTH};
    bool done = true;
    CHECK_OK("delete, stopped", env_cnode_once(&env, NULL, ATOLL_CNODE_DELETE, w, 2, &done));
    CHECK_TRUE("not done", !done);
    CHECK_U("a Zombie is left", CAP_ZOMBIE, cap_type(cap_at(S(0))));
    check_invariants("with a Zombie in a user slot");
    host_preempt_every = 0;
    CHECK_ERR("copy", ATOLL_ERR_ILLEGAL_OPERATION, env_copy(&env, S(1), S(0), ATOLL_RIGHTS_ALL));
    CHECK_ERR("mint", ATOLL_ERR_ILLEGAL_OPERATION, env_mint(&env, S(1), S(0), ATOLL_RIGHTS_ALL, 5));
    CHECK_ERR("move", ATOLL_ERR_ILLEGAL_OPERATION, env_move(&env, S(1), S(0)));
    CHECK_ERR("mutate", ATOLL_ERR_ILLEGAL_OPERATION, env_mutate(&env, S(1), S(0), 0));
    CHECK_ERR("retype over its memory", ATOLL_ERR_NOT_ENOUGH_MEMORY,
              env_retype_root(&env, UT, ATOLL_OBJECT_UNTYPED, UNTYPED_BITS, S(1), 1));
    CHECK_OK("revoking it does nothing", env_revoke(&env, S(0)));
    CHECK_U("still a Zombie", CAP_ZOMBIE, cap_type(cap_at(S(0))));
    CHECK_OK("the restarted delete finishes", env_delete(&env, S(0)));
    CHECK_TRUE("slot empty", cap_is_null(cap_at(S(0))));
    CHECK_U("every endpoint once", (1u << BIG_RADIX) + 1, hooks_final_total());
    finish();
}

/* Revoking an untyped whose children are a tree of CNodes (nested, one
 * holding itself) stops at every point and still reclaims everything
 * exactly once. */
static void revoke_untyped_with_nested_cnodes_stopped_completes(void)
{
    for (unsigned every = 0; every <= 4; every++) {
        setup();
        make_full_cnode();
        CHECK_OK("inner", make(ATOLL_OBJECT_CNODE, 3, S(1)));
        CHECK_OK("endpoint", make_endpoint(S(2)));
        move_into(S(1), 5, S(2));
        move_into(S(1), 0, S(1)); /* the inner holds itself: unreachable */
        CHECK_OK("delete an endpoint of the big one",
                 env_cnode(&env, cap_at(S(0)), ATOLL_CNODE_DELETE, (uint64_t[]){3, BIG_RADIX}, 2));
        CHECK_OK("and put a copy of the big CNode there",
                 env_cnode(&env, cap_at(S(0)), ATOLL_CNODE_COPY,
                           (uint64_t[]){3, BIG_RADIX, S(0), 64, ATOLL_RIGHTS_ALL}, 5));
        host_preempt_every = every;
        CHECK_OK("revoke the untyped", env_revoke(&env, UT));
        if (every != 0)
            CHECK_TRUE("stopped", host_preemptions > 0);
        CHECK_U("two CNodes and 65 endpoints, each once", 2 + (1u << BIG_RADIX) + 1,
                hooks_final_total());
        CHECK_OK("memory back",
                 env_retype_root(&env, UT, ATOLL_OBJECT_UNTYPED, UNTYPED_BITS, S(0), 1));
        finish();
    }
}

static void revoke_middle_of_tree(void)
{
    setup();
    CHECK_OK("child untyped", make(ATOLL_OBJECT_UNTYPED, 16, S(0)));
    CHECK_OK("sibling endpoint", make_endpoint(S(1)));
    CHECK_OK("grandchild", env_retype_root(&env, S(0), ATOLL_OBJECT_TCB, 0, S(2), 1));
    CHECK_OK("revoke the child", env_revoke(&env, S(0)));
    CHECK_TRUE("grandchild gone", cap_is_null(cap_at(S(2))));
    CHECK_U("child stays", CAP_UNTYPED, cap_type(cap_at(S(0))));
    CHECK_U("sibling stays", CAP_ENDPOINT, cap_type(cap_at(S(1))));
    CHECK_OK("child resets", env_retype_root(&env, S(0), ATOLL_OBJECT_ENDPOINT, 0, S(2), 1));
    CHECK_U("from its start", cap_paddr(cap_at(S(0))), cap_paddr(cap_at(S(2))));
    finish();
}

static void revoke_reaches_copies_in_other_cnodes(void)
{
    setup();
    CHECK_OK("CNode", make(ATOLL_OBJECT_CNODE, 4, S(0)));
    CHECK_OK("endpoint", make_endpoint(S(1)));
    for (unsigned i = 0; i < 16; i++)
        copy_into(S(0), i, S(1));
    CHECK_OK("revoke the endpoint", env_revoke(&env, S(1)));
    for (unsigned i = 0; i < 16; i++)
        CHECK_TRUE("copy gone", cap_is_null(&cnode_slot(S(0), i)->cap));
    CHECK_U("endpoint not final", 0, hooks_final_total());
    finish();
}

static void revoke_irq_control_deletes_handlers(void)
{
    setup();
    boot_cap(S(0), cap_irq_control_new());
    cap_insert(cap_irq_handler_new(11), env_slot(&env, S(0)), env_slot(&env, S(1)));
    cap_insert(cap_irq_handler_new(12), env_slot(&env, S(0)), env_slot(&env, S(2)));
    CHECK_TRUE("issued handler is revocable", cap_mdb_revocable(env_slot(&env, S(1))));
    CHECK_OK("copy a handler", env_copy(&env, S(3), S(1), ATOLL_RIGHTS_ALL));
    CHECK_TRUE("handler copies are its children",
               cap_is_parent_of(env_slot(&env, S(1)), env_slot(&env, S(3))));
    CHECK_TRUE("handlers are not the IRQ control object", cap_is_final(env_slot(&env, S(0))));
    check_invariants("with handlers");
    CHECK_OK("revoke the control cap", env_revoke(&env, S(0)));
    CHECK_TRUE("handlers gone",
               cap_is_null(cap_at(S(1))) && cap_is_null(cap_at(S(2))) && cap_is_null(cap_at(S(3))));
    finish();
}

static void revoke_ioport_control_deletes_ranges(void)
{
    setup();
    boot_cap(S(0), cap_ioport_control_new());
    cap_insert(cap_ioport_new(0x3f8, 0x3ff), env_slot(&env, S(0)), env_slot(&env, S(1)));
    CHECK_OK("copy the range", env_copy(&env, S(2), S(1), ATOLL_RIGHTS_ALL));
    CHECK_OK("revoke the range", env_revoke(&env, S(1)));
    CHECK_TRUE("copy gone", cap_is_null(cap_at(S(2))));
    CHECK_OK("revoke control", env_revoke(&env, S(0)));
    CHECK_TRUE("range gone", cap_is_null(cap_at(S(1))));
    finish();
}

/* ================================================================ CNode decode */

static void cnode_illegal_label(void)
{
    setup();
    uint64_t w[] = {S(0), 64};
    CHECK_ERR("TCB label on a CNode", ATOLL_ERR_ILLEGAL_OPERATION,
              env_cnode(&env, NULL, ATOLL_TCB_FIRST, w, 2));
    CHECK_ERR("label 0", ATOLL_ERR_ILLEGAL_OPERATION, env_cnode(&env, NULL, 0, w, 2));
    finish();
}

static void cnode_truncated(void)
{
    setup();
    uint64_t w[] = {S(0)};
    struct atoll_error_detail e = env_cnode(&env, NULL, ATOLL_CNODE_DELETE, w, 1);
    CHECK_ERR("one word", ATOLL_ERR_TRUNCATED_MESSAGE, e);
    CHECK_U("words needed", 2, e.value0);
    finish();
}

static void cnode_destination_lookup_errors(void)
{
    setup();
    uint64_t w[] = {UINT64_C(1) << 60, 64};
    struct atoll_error_detail e = env_cnode(&env, NULL, ATOLL_CNODE_DELETE, w, 2);
    CHECK_ERR("guard", ATOLL_ERR_FAILED_LOOKUP, e);
    CHECK_U("argument", ATOLL_CNODE_ARG_DEST_INDEX, e.argument);
    uint64_t d[] = {S(0), 0};
    e = env_cnode(&env, NULL, ATOLL_CNODE_REVOKE, d, 2);
    CHECK_ERR("depth 0", ATOLL_ERR_RANGE_ERROR, e);
    CHECK_U("argument", ATOLL_CNODE_ARG_DEST_DEPTH, e.argument);
    CHECK_OK("endpoint", make_endpoint(S(0)));
    e = env_cnode(&env, cap_at(S(0)), ATOLL_CNODE_DELETE, d, 2);
    CHECK_ERR("invoked cap not a CNode", ATOLL_ERR_RANGE_ERROR, e);
    uint64_t x[] = {S(0), 64};
    e = env_cnode(&env, cap_at(S(0)), ATOLL_CNODE_DELETE, x, 2);
    CHECK_ERR("root is an endpoint", ATOLL_ERR_FAILED_LOOKUP, e);
    CHECK_U("kind", ATOLL_LOOKUP_INVALID_ROOT, e.value0);
    finish();
}

static void cnode_source_lookup_errors(void)
{
    setup();
    uint64_t w[] = {S(1), 64, S(0), 99, ATOLL_RIGHTS_ALL};
    struct atoll_error_detail e = env_cnode(&env, NULL, ATOLL_CNODE_COPY, w, 5);
    CHECK_ERR("source depth 99", ATOLL_ERR_RANGE_ERROR, e);
    CHECK_U("argument", ATOLL_CNODE_ARG_SRC_DEPTH, e.argument);
    uint64_t g[] = {S(1), 64, ~UINT64_C(0), 64, ATOLL_RIGHTS_ALL};
    e = env_cnode(&env, NULL, ATOLL_CNODE_COPY, g, 5);
    CHECK_ERR("source guard", ATOLL_ERR_FAILED_LOOKUP, e);
    CHECK_U("argument", ATOLL_CNODE_ARG_SRC_INDEX, e.argument);
    finish();
}

/* Decode never changes anything: every failing invocation leaves the
 * capability space byte for byte as it was. */
static void decode_failures_change_nothing(void)
{
    setup();
    CHECK_OK("endpoint", make_endpoint(S(0)));
    CHECK_OK("CNode", make(ATOLL_OBJECT_CNODE, 2, S(1)));
    CHECK_OK("child untyped", make(ATOLL_OBJECT_UNTYPED, 12, S(2)));
    size_t root_size = (size_t)1 << ATOLL_CNODE_SIZE_BITS(ROOT_RADIX);
    size_t ut_size = (size_t)1 << UNTYPED_BITS;
    uint8_t *root_before = malloc(root_size), *ut_before = malloc(ut_size);
    struct cap_slot root_slot_before = env.root_slot;
    memcpy(root_before, env.root_memory, root_size);
    memcpy(ut_before, env.untyped_memory, ut_size);

    CHECK_ERR("retype occupied", ATOLL_ERR_DELETE_FIRST,
              env_retype_root(&env, UT, ATOLL_OBJECT_TCB, 0, S(0), 3));
    CHECK_ERR("retype too big", ATOLL_ERR_NOT_ENOUGH_MEMORY,
              env_retype_root(&env, S(2), ATOLL_OBJECT_TCB, 0, S(5), 2));
    CHECK_ERR("copy occupied", ATOLL_ERR_DELETE_FIRST, env_copy(&env, S(1), S(0), 0));
    CHECK_ERR("copy parent untyped", ATOLL_ERR_REVOKE_FIRST, env_copy(&env, S(5), UT, 0));
    CHECK_ERR("rebadge", ATOLL_ERR_ILLEGAL_OPERATION, env_mutate(&env, S(5), S(0), 1));
    CHECK_ERR("rotate", ATOLL_ERR_ILLEGAL_OPERATION, env_rotate(&env, S(5), 0, S(0), 0, S(0)));

    CHECK_TRUE("root CNode unchanged", memcmp(root_before, env.root_memory, root_size) == 0);
    CHECK_TRUE("untyped memory unchanged", memcmp(ut_before, env.untyped_memory, ut_size) == 0);
    CHECK_TRUE("root slot unchanged",
               memcmp(&root_slot_before, &env.root_slot, sizeof(env.root_slot)) == 0);
    free(root_before);
    free(ut_before);
    finish();
}

/* ================================================================ objects */

static void make_object_checks_alignment(void)
{
    struct cap c;
    struct atoll_error_detail e = cap_make_object(ATOLL_OBJECT_ENDPOINT, 0x1008, 0, false, &c);
    CHECK_ERR("endpoint at 0x1008", ATOLL_ERR_ALIGNMENT_ERROR, e);
    CHECK_U("argument", 2, e.argument);
    CHECK_U("alignment bits", ATOLL_ENDPOINT_SIZE_BITS, e.value0);
    e = cap_make_object(ATOLL_OBJECT_UNTYPED, 0x10000, 20, false, &c);
    CHECK_ERR("1 MiB untyped at 64 KiB", ATOLL_ERR_ALIGNMENT_ERROR, e);
    CHECK_U("alignment bits", 20, e.value0);
    CHECK_OK("aligned", cap_make_object(ATOLL_OBJECT_UNTYPED, 0x100000, 20, false, &c));
    CHECK_U("size", 20, cap_untyped_size_bits(&c));
}

static void make_object_checks_type_size_and_device(void)
{
    struct cap c;
    CHECK_ERR("reserved type", ATOLL_ERR_INVALID_ARGUMENT,
              cap_make_object(ATOLL_OBJECT_IO_PAGE_TABLE, 0, 0, false, &c));
    CHECK_ERR("untyped size", ATOLL_ERR_RANGE_ERROR,
              cap_make_object(ATOLL_OBJECT_UNTYPED, 0, 50, false, &c));
    struct atoll_error_detail e = cap_make_object(ATOLL_OBJECT_TCB, 0x1000, 0, true, &c);
    CHECK_ERR("device TCB", ATOLL_ERR_INVALID_ARGUMENT, e);
    CHECK_U("argument", 3, e.argument);
    e = cap_make_object(ATOLL_OBJECT_FRAME_4K, UINT64_C(1) << 60, 0, false, &c);
    CHECK_ERR("beyond 52-bit physical", ATOLL_ERR_RANGE_ERROR, e);
    CHECK_OK("device frame", cap_make_object(ATOLL_OBJECT_FRAME_4K, 0xfee00000, 0, true, &c));
    CHECK_TRUE("device flag", cap_frame_is_device(&c));
    CHECK_U("address", 0xfee00000, cap_paddr(&c));
}

static void cap_encoding_round_trips(void)
{
    struct cap u = cap_untyped_new(UINT64_C(0xffffffff0000), 16, true, 0x120);
    CHECK_U("untyped type", CAP_UNTYPED, cap_type(&u));
    CHECK_U("untyped address", UINT64_C(0xffffffff0000), cap_paddr(&u));
    CHECK_U("untyped size", 16, cap_untyped_size_bits(&u));
    CHECK_TRUE("untyped device", cap_untyped_is_device(&u));
    CHECK_U("untyped free", 0x120, cap_untyped_free_offset(&u));
    struct cap n = cap_cnode_new(UINT64_C(0xffffffffff000), 7, 0x2a, 9);
    CHECK_U("CNode address (52 bits)", UINT64_C(0xffffffffff000), cap_paddr(&n));
    CHECK_U("CNode radix", 7, cap_cnode_radix(&n));
    CHECK_U("CNode guard", 0x2a, cap_cnode_guard(&n));
    CHECK_U("CNode guard size", 9, cap_cnode_guard_size(&n));
    struct cap p = cap_ioport_new(0xcf8, 0xcff);
    CHECK_U("ports", 0xcf8, cap_ioport_first(&p));
    CHECK_U("ports", 0xcff, cap_ioport_last(&p));
    struct cap z = cap_zombie_new(0x4000, true, 0, 5);
    CHECK_U("zombie count", 5, cap_zombie_count(&z));
    CHECK_TRUE("zombie tcb", cap_zombie_is_tcb(&z));
    CHECK_U("slot size", 32, sizeof(struct cap_slot));
}

static void final_and_same_object_rules(void)
{
    setup();
    CHECK_OK("endpoint", make_endpoint(S(0)));
    CHECK_TRUE("alone: final", cap_is_final(env_slot(&env, S(0))));
    CHECK_OK("badged copy", env_mint(&env, S(1), S(0), ATOLL_RIGHTS_ALL, 4));
    CHECK_TRUE("badged cap is the same object", cap_same_object_as(cap_at(S(0)), cap_at(S(1))));
    CHECK_TRUE("not final", !cap_is_final(env_slot(&env, S(0))));
    CHECK_TRUE("untyped caps are always final", cap_is_final(env_slot(&env, UT)));
    CHECK_TRUE("untyped covers its objects", cap_same_region_as(cap_at(UT), cap_at(S(0))));
    CHECK_TRUE("but is not them", !cap_same_object_as(cap_at(UT), cap_at(S(0))));
    finish();
}

/* ================================================================ checker */

static void checker_accepts_a_busy_space(void)
{
    setup();
    build_three_levels();
    CHECK_OK("more", env_retype_root(&env, UT, ATOLL_OBJECT_FRAME_4K, 0, S(20), 8));
    CHECK_OK("mint", env_mint(&env, S(30), S(3), ATOLL_RIGHTS_ALL, 77));
    check_invariants("busy");
    finish();
}

static void expect_checker_failure(const char *contains)
{
    const char *why = env_check(&env);
    if (why == NULL)
        CHECK_FAIL("expected the checker to report \"%s\", it passed", contains);
    else
        CHECK_CONTAINS("checker report", why, contains);
}

static void checker_detects_broken_link(void)
{
    setup();
    CHECK_OK("endpoints", env_retype_root(&env, UT, ATOLL_OBJECT_ENDPOINT, 0, S(0), 3));
    struct cap_slot *s = env_slot(&env, S(1));
    uintptr_t saved = s->mdb.prev;
    s->mdb.prev = (uintptr_t)env_slot(&env, S(0));
    expect_checker_failure("prev link");
    s->mdb.prev = saved;
    finish();
}

static void checker_detects_watermark_violation(void)
{
    setup();
    CHECK_OK("endpoints", env_retype_root(&env, UT, ATOLL_OBJECT_ENDPOINT, 0, S(0), 3));
    cap_untyped_set_free_offset(cap_at(UT), 2 * (1u << ATOLL_ENDPOINT_SIZE_BITS));
    expect_checker_failure("watermark");
    cap_untyped_set_free_offset(cap_at(UT), 3 * (1u << ATOLL_ENDPOINT_SIZE_BITS));
    finish();
}

static void checker_detects_overlap(void)
{
    setup();
    CHECK_OK("endpoints", env_retype_root(&env, UT, ATOLL_OBJECT_ENDPOINT, 0, S(0), 2));
    struct cap saved = *cap_at(S(1));
    /* Forge a notification over both endpoints, outside the untyped's
     * descendants. */
    cap_boot_insert(env_slot(&env, S(5)),
                    cap_object_new(ATOLL_OBJECT_NOTIFICATION, untyped_base(), 0, false));
    expect_checker_failure("overlap");
    cap_mdb_remove(env_slot(&env, S(5)));
    CHECK_TRUE("restored", cap_equal(&saved, cap_at(S(1))));
    finish();
}

static void checker_detects_unlinked_cap(void)
{
    setup();
    CHECK_OK("endpoint", make_endpoint(S(0)));
    struct cap_slot *s = env_slot(&env, S(0));
    struct cap_mdb saved = s->mdb;
    /* The untyped's next still points here but the slot claims no
     * predecessor. */
    s->mdb.prev = 0;
    expect_checker_failure("link");
    s->mdb = saved;
    finish();
}

static void checker_detects_empty_slot_with_links(void)
{
    setup();
    env_slot(&env, S(4))->mdb.next = (uintptr_t)env_slot(&env, S(5));
    expect_checker_failure("empty slot has links");
    env_slot(&env, S(4))->mdb.next = 0;
    finish();
}

static void checker_detects_split_object_run(void)
{
    setup();
    CHECK_OK("endpoints", env_retype_root(&env, UT, ATOLL_OBJECT_ENDPOINT, 0, S(0), 2));
    /* A copy of endpoint 0 forged right after the untyped, so that endpoint
     * 1 separates it from endpoint 0. */
    cap_insert(*cap_at(S(0)), env_slot(&env, UT), env_slot(&env, S(2)));
    expect_checker_failure("contiguous");
    cap_mdb_remove(env_slot(&env, S(2)));
    finish();
}

static void checker_detects_device_mix(void)
{
    setup();
    CHECK_OK("frame", make(ATOLL_OBJECT_FRAME_4K, 0, S(0)));
    cap_set_field(cap_at(S(0)), CAP_FRAME_DEVICE_POS, 1, 1);
    expect_checker_failure("device");
    cap_set_field(cap_at(S(0)), CAP_FRAME_DEVICE_POS, 1, 0);
    finish();
}

/* The kernel checks from its boot slots only. A CNode holding its own last
 * cap, whose untyped cap was deleted, is unreachable (as in seL4); one of
 * its slots may still be linked into a reachable list. That is no error. */
static void checker_accepts_unreachable_cnode(void)
{
    setup();
    CHECK_OK("CNode", make(ATOLL_OBJECT_CNODE, 2, S(0)));
    CHECK_OK("device untyped", env_retype_root(&env, DEV, ATOLL_OBJECT_UNTYPED, 12, S(1), 1));
    move_into(S(0), 0, S(1));
    move_into(S(0), 3, S(0));
    CHECK_OK("delete the untyped cap", env_delete(&env, UT));
    static struct cap_check_entry scratch[256];
    struct cap_check_failure failure;
    struct cap_slot *roots[] = {&env.root_slot};
    bool ok = cap_check_invariants(roots, 1, scratch, 256, &failure);
    if (!ok)
        CHECK_FAIL("checker from the root slot only: %s", failure.what);
    finish();
}

/* As a buggy delete would leave it: the CNode's cap gone, its contents still
 * linked, its memory still covered by the untyped. */
static void checker_detects_slot_in_dead_cnode(void)
{
    setup();
    CHECK_OK("CNode", make(ATOLL_OBJECT_CNODE, 2, S(0)));
    CHECK_OK("endpoint", make_endpoint(S(1)));
    copy_into(S(0), 1, S(1));
    struct cap_slot *inside = cnode_slot(S(0), 1);
    struct cap cnode = *cap_at(S(0));
    cap_mdb_remove(env_slot(&env, S(0)));
    expect_checker_failure("no live CNode");
    cap_insert_child(env_slot(&env, UT), env_slot(&env, S(2)), cnode); /* undo */
    CHECK_TRUE("copy still linked", !cap_is_null(&inside->cap));
    finish();
}

/* A long mixed sequence, with the invariants checked after every step. */
static void mixed_sequence_keeps_invariants(void)
{
    setup();
    struct {
        const char *what;
        struct atoll_error_detail e;
    } steps[64];
    size_t n = 0;
#define STEP(w, call)                                                                              \
    do {                                                                                           \
        steps[n].what = (w);                                                                       \
        steps[n].e = (call);                                                                       \
        const char *why = env_check(&env);                                                         \
        if (why != NULL)                                                                           \
            CHECK_FAIL("after %s: %s", (w), why);                                                  \
        n++;                                                                                       \
    } while (0)
    STEP("cnode", make(ATOLL_OBJECT_CNODE, 3, S(0)));
    STEP("ut", make(ATOLL_OBJECT_UNTYPED, 16, S(1)));
    STEP("eps", env_retype_root(&env, S(1), ATOLL_OBJECT_ENDPOINT, 0, S(2), 4));
    STEP("mint", env_mint(&env, S(6), S(2), ATOLL_RIGHTS_ALL, 1));
    STEP("copy", env_copy(&env, S(7), S(6), ATOLL_RIGHT_WRITE));
    STEP("move", env_move(&env, S(8), S(7)));
    STEP("rotate", env_rotate(&env, S(9), 0, S(8), 0, S(3)));
    STEP("delete", env_delete(&env, S(6)));
    STEP("revoke ep", env_revoke(&env, S(2)));
    STEP("tcb", env_retype_root(&env, S(1), ATOLL_OBJECT_TCB, 0, S(10), 2));
    STEP("move cnode", env_move(&env, S(12), S(0)));
    STEP("delete cnode", env_delete(&env, S(12)));
    STEP("revoke ut", env_revoke(&env, S(1)));
    STEP("delete ut", env_delete(&env, S(1)));
    STEP("revoke root ut", env_revoke(&env, UT));
#undef STEP
    for (size_t i = 0; i < n; i++)
        if (!CHECK_OK(steps[i].what, steps[i].e))
            break;
    finish();
}

int main(void)
{
    check_suite("cap");

    RUN_TEST(lookup_root_slot_at_depth_64);
    RUN_TEST(lookup_depth_zero_is_range_error);
    RUN_TEST(lookup_invalid_root);
    RUN_TEST(lookup_guard_mismatch_reports_bits_left);
    RUN_TEST(lookup_depth_shorter_than_guard);
    RUN_TEST(lookup_depth_at_guard_boundary);
    RUN_TEST(lookup_depth_ends_inside_level);
    RUN_TEST(lookup_two_levels_with_guards);
    RUN_TEST(lookup_three_levels);
    RUN_TEST(lookup_stops_at_cnode_when_depth_ends);
    RUN_TEST(lookup_guard_mismatch_second_level);
    RUN_TEST(lookup_depth_mismatch_second_level);
    RUN_TEST(lookup_bits_left_at_non_cnode);
    RUN_TEST(lookup_through_empty_slot_stops);
    RUN_TEST(lookup_cptr_ignores_bits_left);

    RUN_TEST(retype_endpoint_is_child_of_untyped);
    RUN_TEST(retype_untyped);
    RUN_TEST(retype_cnode);
    RUN_TEST(retype_tcb);
    RUN_TEST(retype_notification);
    RUN_TEST(retype_reply);
    RUN_TEST(retype_sched_context);
    RUN_TEST(retype_frame_4k);
    RUN_TEST(retype_frame_2m);
    RUN_TEST(retype_frame_1g_from_device);
    RUN_TEST(retype_page_tables);
    RUN_TEST(retype_vtx_objects);
    RUN_TEST(retype_zeroes_new_objects);
    RUN_TEST(retype_invalid_type);
    RUN_TEST(retype_size_bits_ranges);
    RUN_TEST(retype_iospace_sizes);
    RUN_TEST(retype_fixed_size_ignores_size_bits);
    RUN_TEST(retype_offset_out_of_range);
    RUN_TEST(retype_count_out_of_range);
    RUN_TEST(retype_destination_occupied);
    RUN_TEST(retype_not_enough_memory);
    RUN_TEST(retype_aligns_each_object_to_its_size);
    RUN_TEST(retype_many_objects_at_once);
    RUN_TEST(retype_into_nested_cnode);
    RUN_TEST(retype_destination_not_a_cnode);
    RUN_TEST(retype_destination_lookup_errors);
    RUN_TEST(retype_truncated_and_wrong_label);
    RUN_TEST(retype_device_only_frames_and_untypeds);
    RUN_TEST(retype_reuses_memory_after_revoke);
    RUN_TEST(retype_keeps_watermark_while_children_remain);
    RUN_TEST(retype_grandchildren_within_child_untyped);
    RUN_TEST(retype_is_preserved_by_move_of_untyped);

    RUN_TEST(copy_shares_object_not_revocable);
    RUN_TEST(copy_masks_rights);
    RUN_TEST(copy_of_rightless_cap_ignores_mask);
    RUN_TEST(copy_from_empty_slot);
    RUN_TEST(copy_to_occupied_slot);
    RUN_TEST(copy_truncated);
    RUN_TEST(copy_untyped_with_children_is_revoke_first);
    RUN_TEST(copy_untyped_leaves_only_the_copy_usable);
    RUN_TEST(copy_control_caps_is_illegal);
    RUN_TEST(copy_frame_is_unmapped);
    RUN_TEST(copy_unmapped_page_table_is_illegal);
    RUN_TEST(copy_unmapped_ept_table_is_illegal);
    RUN_TEST(mint_badges_endpoint);
    RUN_TEST(mint_cannot_rebadge);
    RUN_TEST(mint_badge_zero_is_a_plain_copy);
    RUN_TEST(mint_notification_badge_and_rights);
    RUN_TEST(mint_cnode_guard);

    RUN_TEST(badged_cap_is_parent_of_its_copies);
    RUN_TEST(revoke_original_removes_every_badge);
    RUN_TEST(revoke_plain_copy_removes_nothing);
    RUN_TEST(new_badge_run_does_not_adopt_old_copies);
    RUN_TEST(operations_on_revoked_caps_fail);

    RUN_TEST(move_keeps_derivation_position);
    RUN_TEST(move_errors);
    RUN_TEST(mutate_sets_cnode_guard);
    RUN_TEST(mutate_cannot_change_a_badge);
    RUN_TEST(rotate_three_slots);
    RUN_TEST(rotate_swaps_when_source_is_dest);
    RUN_TEST(rotate_errors);

    RUN_TEST(delete_last_cap_finalises_once);
    RUN_TEST(delete_empty_slot_is_fine);
    RUN_TEST(delete_untyped_cap_keeps_its_objects);
    RUN_TEST(delete_cnode_deletes_its_contents);
    RUN_TEST(delete_cnode_with_copy_elsewhere_is_not_final);
    RUN_TEST(delete_nested_cnode_leaves_zombie_for_revoke);
    RUN_TEST(delete_cnode_holding_its_own_cap);
    RUN_TEST(delete_directly_inside_own_cnode);
    RUN_TEST(delete_cycle_of_two_cnodes);
    RUN_TEST(delete_slot_inside_the_cnode_it_kills);
    RUN_TEST(delete_tcb_empties_its_slots);

    RUN_TEST(revoke_deep_untyped_tree);
    RUN_TEST(revoke_stopped_at_every_point_completes);
    RUN_TEST(delete_big_cnode_stopped_at_every_point_completes);
    RUN_TEST(zombie_left_by_a_stop_refuses_other_uses);
    RUN_TEST(revoke_untyped_with_nested_cnodes_stopped_completes);
    RUN_TEST(revoke_middle_of_tree);
    RUN_TEST(revoke_reaches_copies_in_other_cnodes);
    RUN_TEST(revoke_irq_control_deletes_handlers);
    RUN_TEST(revoke_ioport_control_deletes_ranges);

    RUN_TEST(cnode_illegal_label);
    RUN_TEST(cnode_truncated);
    RUN_TEST(cnode_destination_lookup_errors);
    RUN_TEST(cnode_source_lookup_errors);
    RUN_TEST(decode_failures_change_nothing);

    RUN_TEST(make_object_checks_alignment);
    RUN_TEST(make_object_checks_type_size_and_device);
    RUN_TEST(cap_encoding_round_trips);
    RUN_TEST(final_and_same_object_rules);

    RUN_TEST(checker_accepts_a_busy_space);
    RUN_TEST(checker_detects_broken_link);
    RUN_TEST(checker_detects_watermark_violation);
    RUN_TEST(checker_detects_overlap);
    RUN_TEST(checker_detects_unlinked_cap);
    RUN_TEST(checker_detects_empty_slot_with_links);
    RUN_TEST(checker_detects_split_object_run);
    RUN_TEST(checker_detects_device_mix);
    RUN_TEST(checker_accepts_unreachable_cnode);
    RUN_TEST(checker_detects_slot_in_dead_cnode);
    RUN_TEST(mixed_sequence_keeps_invariants);

    return check_exit_code();
}
