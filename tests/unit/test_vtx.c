/* Host tests of the portable VT-x code: GuestSpace/EPT objects
 * (vtx/ept.c) on the capability core's host environment, the control
 * settings and the VMCS field whitelist (vtx/vmcs_policy.c). What needs
 * the CPU (VMXON, VMLAUNCH, exits) is tested in Bochs by
 * services/init/test_vmx.c. */
#include "tests/unit/check.h"
#include "tests/unit/ept_host.h"
#include "kernel/cap/platform.h"
#include "vtx/vmcs_fields.h"
#include "vtx/vmcs_policy.h"
#include "vtx/vmx_msr.h"
#include "arch/x86_64/msr.h"
#include "atoll/vcpu.h"

#include <string.h>

#define ROOT_RADIX 8
#define UT_BITS    23 /* room for 2 MiB frames */
#define S(i)       (ENV_FIRST_FREE + (i))
#define UT         ENV_UNTYPED_SLOT

enum {
    GS = S(0),
    PDPT = S(1),
    PD = S(2),
    PT = S(3),
    FRAME = S(4),
    FRAME2 = S(5),
    BIG = S(6),
    SPARE = S(7),
    LAST = S(16),
};

#define GPA  UINT64_C(0x40201000) /* PDPT entry 1, PD entry 1, PT entry 1 */
#define GPA2 UINT64_C(0x40202000)

/* Error codes compared as numbers: the message names what and where. */
#define CHECK_OK(what, e)        CHECK_U((what), ATOLL_OK, (e).code)
#define CHECK_ERR(what, want, e) CHECK_U((what), (want), (e).code)

static struct cap_env env;

static struct atoll_error_detail make(uint64_t type, uint64_t slot)
{
    return env_retype_root(&env, UT, type, 0, slot, 1);
}

static void setup(void)
{
    env_init(&env, ROOT_RADIX, UT_BITS);
    ept_host_init();
    CHECK_OK("guest space", make(ATOLL_OBJECT_GUEST_SPACE, GS));
    CHECK_OK("pdpt", make(ATOLL_OBJECT_EPT_PDPT, PDPT));
    CHECK_OK("pd", make(ATOLL_OBJECT_EPT_PD, PD));
    CHECK_OK("pt", make(ATOLL_OBJECT_EPT_PT, PT));
    CHECK_OK("frame", make(ATOLL_OBJECT_FRAME_4K, FRAME));
    CHECK_OK("frame 2", make(ATOLL_OBJECT_FRAME_4K, FRAME2));
    CHECK_OK("2 MiB frame", make(ATOLL_OBJECT_FRAME_2M, BIG));
}

static void finish(void)
{
    const char *why = ept_host_check(&env, S(0), LAST);
    CHECK_TRUE(why ? why : "EPT invariant", why == NULL);
    why = env_check(&env);
    CHECK_TRUE(why ? why : "capability invariants", why == NULL);
    env_teardown(&env);
    env_free(&env);
}

static struct atoll_error_detail map_table(uint64_t table, uint64_t gpa)
{
    return ept_host_invoke(&env, GS, ATOLL_GUEST_SPACE_MAP_TABLE, &gpa, 1, table);
}

static struct atoll_error_detail map_frame(uint64_t frame, uint64_t gpa, uint64_t rights,
                                           uint64_t attributes)
{
    uint64_t w[ATOLL_GUEST_SPACE_MAP_FRAME_ARGS] = {gpa, rights, attributes};
    return ept_host_invoke(&env, GS, ATOLL_GUEST_SPACE_MAP_FRAME, w,
                           ATOLL_GUEST_SPACE_MAP_FRAME_ARGS, frame);
}

static struct atoll_error_detail unmap_frame(uint64_t frame)
{
    return ept_host_invoke(&env, GS, ATOLL_GUEST_SPACE_UNMAP_FRAME, NULL, 0, frame);
}

static void map_all_tables(void)
{
    CHECK_OK("map pdpt", map_table(PDPT, GPA));
    CHECK_OK("map pd", map_table(PD, GPA));
    CHECK_OK("map pt", map_table(PT, GPA));
}

static uint64_t paddr(uint64_t slot)
{
    return cap_paddr(&env_slot(&env, slot)->cap);
}

static void map_frame_writes_leaf(void)
{
    setup();
    map_all_tables();
    CHECK_OK("map", map_frame(FRAME, GPA, ATOLL_RIGHTS_RW, ATOLL_VM_EXECUTABLE));
    CHECK_U("leaf",
            paddr(FRAME) | EPT_READ | EPT_WRITE | EPT_EXECUTE |
                (EPT_MEMTYPE_WB << EPT_MEMTYPE_SHIFT),
            ept_host_leaf(&env, GS, GPA, CAP_FRAME_4K));
    uint64_t w1 = env_slot(&env, FRAME)->cap.words[1];
    CHECK_TRUE("recorded as a guest mapping", ept_is_guest_mapping(w1));
    CHECK_TRUE("live", ept_guest_mapping_live(w1));
    CHECK_U("the address in it", GPA, w1 & ((UINT64_C(1) << 48) - 1));
    CHECK_U("no flush for a new entry", 0, ept_host_invalidations());
    finish();
}

static void map_rights_and_memory_type(void)
{
    setup();
    map_all_tables();
    CHECK_OK("read-only, uncached", map_frame(FRAME, GPA, ATOLL_RIGHT_READ, ATOLL_VM_UNCACHED));
    CHECK_U("R, UC", paddr(FRAME) | EPT_READ | (EPT_MEMTYPE_UC << EPT_MEMTYPE_SHIFT),
            ept_host_leaf(&env, GS, GPA, CAP_FRAME_4K));
    /* The frame capability's own rights bound the mapping. */
    CHECK_OK("read-only copy", env_copy(&env, SPARE, FRAME2, ATOLL_RIGHT_READ));
    CHECK_OK("map asking for write", map_frame(SPARE, GPA2, ATOLL_RIGHTS_RW, 0));
    CHECK_U("no write", paddr(FRAME2) | EPT_READ | (EPT_MEMTYPE_WB << EPT_MEMTYPE_SHIFT),
            ept_host_leaf(&env, GS, GPA2, CAP_FRAME_4K));
    finish();
}

static void map_2m_frame_is_large_leaf(void)
{
    setup();
    CHECK_OK("map pdpt", map_table(PDPT, 0));
    CHECK_OK("map pd", map_table(PD, 0));
    CHECK_OK("2 MiB at 2 MiB", map_frame(BIG, UINT64_C(0x200000), ATOLL_RIGHTS_RW, 0));
    uint64_t e = ept_host_leaf(&env, GS, UINT64_C(0x200000), CAP_FRAME_2M);
    CHECK_U("large leaf",
            paddr(BIG) | EPT_READ | EPT_WRITE | EPT_LARGE_PAGE |
                (EPT_MEMTYPE_WB << EPT_MEMTYPE_SHIFT),
            e);
    struct atoll_error_detail r = map_table(PT, UINT64_C(0x200000));
    CHECK_ERR("a PT over it", ATOLL_ERR_DELETE_FIRST, r);
    finish();
}

static void map_errors(void)
{
    setup();
    struct atoll_error_detail e = map_frame(FRAME, GPA, ATOLL_RIGHT_READ, 0);
    CHECK_ERR("no PDPT", ATOLL_ERR_FAILED_LOOKUP, e);
    CHECK_U("39 bits left", 39, e.value1);
    CHECK_OK("map pdpt", map_table(PDPT, GPA));
    CHECK_U("30 bits left", 30, map_frame(FRAME, GPA, ATOLL_RIGHT_READ, 0).value1);
    CHECK_OK("map pd", map_table(PD, GPA));
    CHECK_U("21 bits left", 21, map_frame(FRAME, GPA, ATOLL_RIGHT_READ, 0).value1);
    CHECK_OK("map pt", map_table(PT, GPA));
    CHECK_ERR("table twice", ATOLL_ERR_ILLEGAL_OPERATION, map_table(PT, GPA2));
    e = map_frame(FRAME, GPA + 8, ATOLL_RIGHT_READ, 0);
    CHECK_ERR("misaligned", ATOLL_ERR_ALIGNMENT_ERROR, e);
    CHECK_U("alignment bits", 12, e.value0);
    e = map_frame(FRAME, ATOLL_GUEST_ADDR_END, ATOLL_RIGHT_READ, 0);
    CHECK_ERR("beyond 48 bits", ATOLL_ERR_INVALID_ARGUMENT, e);
    e = map_frame(FRAME, GPA, ATOLL_RIGHT_WRITE, 0);
    CHECK_ERR("write-only", ATOLL_ERR_INVALID_ARGUMENT, e);
    CHECK_U("rights argument", ATOLL_GUEST_SPACE_ARG_RIGHTS, e.argument);
    e = map_frame(FRAME, GPA, ATOLL_RIGHT_READ, UINT64_C(1) << 40);
    CHECK_ERR("unknown attribute", ATOLL_ERR_INVALID_ARGUMENT, e);
    CHECK_U("attributes argument", ATOLL_GUEST_SPACE_ARG_ATTRIBUTES, e.argument);
    CHECK_ERR("a table is no frame", ATOLL_ERR_INVALID_CAPABILITY,
              map_frame(PT, GPA, ATOLL_RIGHT_READ, 0));
    CHECK_ERR("a frame is no table", ATOLL_ERR_INVALID_CAPABILITY, map_table(FRAME, GPA));
    CHECK_ERR("too short", ATOLL_ERR_TRUNCATED_MESSAGE,
              ept_host_invoke(&env, GS, ATOLL_GUEST_SPACE_MAP_FRAME, NULL, 0, FRAME));
    CHECK_OK("map", map_frame(FRAME, GPA, ATOLL_RIGHT_READ, 0));
    CHECK_ERR("frame twice", ATOLL_ERR_INVALID_CAPABILITY,
              map_frame(FRAME, GPA2, ATOLL_RIGHT_READ, 0));
    e = map_frame(FRAME2, GPA, ATOLL_RIGHT_READ, 0);
    CHECK_ERR("entry in use", ATOLL_ERR_DELETE_FIRST, e);
    CHECK_U("its address", GPA, e.value0);
    uint64_t none = 0;
    CHECK_ERR("label on an EPT table", ATOLL_ERR_ILLEGAL_OPERATION,
              ept_invoke(env_slot(&env, PT), ATOLL_GUEST_SPACE_MAP_TABLE, &none, 1, NULL, 0));
    CHECK_ERR("unknown label", ATOLL_ERR_ILLEGAL_OPERATION,
              ept_host_invoke(&env, GS, ATOLL_GUEST_SPACE_FIRST + 9, NULL, 0, 0));
    finish();
}

static void unmap_clears_and_invalidates(void)
{
    setup();
    map_all_tables();
    CHECK_OK("map", map_frame(FRAME, GPA, ATOLL_RIGHT_READ, 0));
    CHECK_OK("unmap", unmap_frame(FRAME));
    CHECK_U("leaf cleared", 0, ept_host_leaf(&env, GS, GPA, CAP_FRAME_4K));
    CHECK_U("cap forgets it", 0, env_slot(&env, FRAME)->cap.words[1]);
    CHECK_U("one invalidation", 1, ept_host_invalidations());
    CHECK_OK("unmap again: nothing to do", unmap_frame(FRAME));
    CHECK_U("still one", 1, ept_host_invalidations());
    CHECK_OK("maps again", map_frame(FRAME, GPA2, ATOLL_RIGHT_READ, 0));
    finish();
}

static void unmap_from_other_guest_space_refused(void)
{
    setup();
    map_all_tables();
    CHECK_OK("second guest space", make(ATOLL_OBJECT_GUEST_SPACE, SPARE));
    CHECK_OK("map", map_frame(FRAME, GPA, ATOLL_RIGHT_READ, 0));
    CHECK_ERR("not mapped there", ATOLL_ERR_INVALID_CAPABILITY,
              ept_host_invoke(&env, SPARE, ATOLL_GUEST_SPACE_UNMAP_FRAME, NULL, 0, FRAME));
    CHECK_TRUE("still mapped", ept_host_leaf(&env, GS, GPA, CAP_FRAME_4K) != 0);
    finish();
}

static void delete_frame_unmaps(void)
{
    setup();
    map_all_tables();
    CHECK_OK("copy", env_copy(&env, SPARE, FRAME, ATOLL_RIGHTS_ALL));
    CHECK_OK("map copy", map_frame(SPARE, GPA, ATOLL_RIGHT_READ, 0));
    CHECK_OK("delete original", env_delete(&env, FRAME));
    CHECK_TRUE("copy's mapping stays", ept_host_leaf(&env, GS, GPA, CAP_FRAME_4K) != 0);
    CHECK_OK("delete the mapped copy", env_delete(&env, SPARE));
    CHECK_U("gone from the guest", 0, ept_host_leaf(&env, GS, GPA, CAP_FRAME_4K));
    CHECK_U("invalidated", 1, ept_host_invalidations());
    finish();
}

static void delete_table_unmaps(void)
{
    setup();
    map_all_tables();
    CHECK_OK("map", map_frame(FRAME, GPA, ATOLL_RIGHT_READ, 0));
    CHECK_OK("copy of a mapped table", env_copy(&env, SPARE, PT, ATOLL_RIGHTS_ALL));
    CHECK_OK("delete a copy", env_delete(&env, SPARE));
    CHECK_TRUE("still reachable", ept_host_leaf(&env, GS, GPA, CAP_FRAME_4K) != 0);
    CHECK_OK("delete the last", env_delete(&env, PT));
    struct atoll_error_detail e = map_frame(FRAME2, GPA2, ATOLL_RIGHT_READ, 0);
    CHECK_ERR("no PT any more", ATOLL_ERR_FAILED_LOOKUP, e);
    CHECK_U("21 bits left", 21, e.value1);
    CHECK_U("invalidated", 1, ept_host_invalidations());
    /* The frame's record is stale now; unmapping it is harmless. */
    CHECK_OK("unmap stale", unmap_frame(FRAME));
    finish();
}

static void delete_guest_space_voids_everything(void)
{
    setup();
    map_all_tables();
    CHECK_OK("map", map_frame(FRAME, GPA, ATOLL_RIGHT_READ, 0));
    uint64_t root = paddr(GS);
    CHECK_OK("delete", env_delete(&env, GS));
    CHECK_U("VCPUs told", root, ept_host_last_gone());
    CHECK_TRUE("mapping dead", !ept_guest_mapping_live(env_slot(&env, FRAME)->cap.words[1]));
    const uint64_t *t = cap_phys_to_virt(root);
    size_t nonzero = 0;
    for (unsigned i = 0; i < 512; i++)
        nonzero += t[i] != 0;
    CHECK_U("root emptied", 0, nonzero);
    CHECK_OK("new guest space", make(ATOLL_OBJECT_GUEST_SPACE, GS));
    CHECK_ERR("a stale frame still counts as mapped", ATOLL_ERR_INVALID_CAPABILITY,
              map_frame(FRAME, GPA, ATOLL_RIGHT_READ, 0));
    CHECK_OK("its unmap clears the record", unmap_frame(FRAME));
    CHECK_U("cleared", 0, env_slot(&env, FRAME)->cap.words[1]);
    finish();
}

static void copy_of_unmapped_ept_table_refused(void)
{
    setup();
    CHECK_ERR("copy", ATOLL_ERR_ILLEGAL_OPERATION, env_copy(&env, SPARE, PDPT, ATOLL_RIGHTS_ALL));
    CHECK_OK("map", map_table(PDPT, 0));
    CHECK_OK("copy when mapped", env_copy(&env, SPARE, PDPT, ATOLL_RIGHTS_ALL));
    CHECK_ERR("the copy cannot map elsewhere", ATOLL_ERR_ILLEGAL_OPERATION,
              map_table(SPARE, UINT64_C(1) << 39));
    finish();
}

static void control_settings(void)
{
    uint32_t out = 0;
    /* allowed-0 (required) bits 1,2; allowed-1 bits 0..7 */
    uint64_t cap = (UINT64_C(0xff) << VMX_ALLOWED1_SHIFT) | 0x6;
    CHECK_TRUE("wanted bits allowed", vmx_control_setting(cap, 0x81, &out));
    CHECK_U("required bits added", 0x87, out);
    CHECK_TRUE("a bit not allowed", !vmx_control_setting(cap, 0x100, &out));
    cap = (UINT64_C(0x0f) << VMX_ALLOWED1_SHIFT) | 0x30; /* required but not allowed: */
    CHECK_TRUE("nothing wanted", vmx_control_setting(cap, 0, &out));
    CHECK_U("a required bit the CPU cannot set stays off", 0, out);
}

static void field_whitelist(void)
{
    CHECK_U("guest RIP", VMCS_FIELD_RW, vmcs_field_access(VMCS_GUEST_RIP));
    CHECK_U("guest CS AR", VMCS_FIELD_RW, vmcs_field_access(VMCS_GUEST_CS_AR));
    CHECK_U("exit reason read-only", VMCS_FIELD_READ, vmcs_field_access(VMCS_EXIT_REASON));
    CHECK_U("link pointer read-only", VMCS_FIELD_READ, vmcs_field_access(VMCS_LINK_POINTER));
    CHECK_U("TSC offset", VMCS_FIELD_RW, vmcs_field_access(VMCS_TSC_OFFSET));
    static const uint32_t denied[] = {
        VMCS_HOST_RIP,       VMCS_HOST_RSP,
        VMCS_HOST_CR3,       VMCS_HOST_GS_BASE,
        VMCS_PIN_CONTROLS,   VMCS_PROC_CONTROLS,
        VMCS_PROC2_CONTROLS, VMCS_EXIT_CONTROLS,
        VMCS_ENTRY_CONTROLS, VMCS_EPT_POINTER,
        VMCS_VPID,           VMCS_MSR_BITMAP,
        VMCS_IO_BITMAP_A,    VMCS_PREEMPTION_TIMER_VALUE,
    };
    for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++)
        CHECK_U("denied", 0, vmcs_field_access(denied[i]));
    CHECK_U("odd encoding (high half of a 64-bit field)", 0,
            vmcs_field_access(VMCS_GUEST_EFER + 1));
    CHECK_U("#MC stays in the exception bitmap", UINT64_C(1) << VMX_VECTOR_MC,
            vmcs_field_forced(VMCS_EXCEPTION_BITMAP, 0));
    CHECK_U("other fields unchanged", 0x1234, vmcs_field_forced(VMCS_GUEST_RIP, 0x1234));
}

/* Bit `bit` of a bitmap: set means the access exits. */
static bool exits(const uint8_t *bitmap, uint32_t bit)
{
    return (bitmap[bit / 8] >> (bit % 8)) & 1;
}

static void msr_policy(void)
{
    const unsigned rw = ATOLL_VCPU_MSR_READ | ATOLL_VCPU_MSR_WRITE;
    CHECK_U("FS base passes", rw, vmx_msr_pass_allowed(0xc0000100));
    CHECK_U("GS base passes", rw, vmx_msr_pass_allowed(0xc0000101));
    CHECK_U("SYSENTER_EIP passes", rw, vmx_msr_pass_allowed(MSR_IA32_SYSENTER_EIP));
    CHECK_U("TSC only for reading", ATOLL_VCPU_MSR_READ, vmx_msr_pass_allowed(MSR_IA32_TSC));
    static const uint32_t never[] = {
        0xc0000080, 0xc0000081, 0xc0000082, 0xc0000084, 0xc0000102, /* EFER..KERNEL_GS */
        0x3a,       0x1b,       0x1d9,      0x48,       0x49,       /* FC APIC DBGCTL SPEC */
        0x277,      0x480,      0x491,      0x800,      0x8ff,      /* PAT VMX x2APIC */
        0x2ff,      0x1a0,      0x6e0,      0xc0000103, 0x173,      /* MTRR MISC TSC_DL AUX */
    };
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        CHECK_U("host MSR never passes", 0, vmx_msr_pass_allowed(never[i]));

    uint64_t low, high;
    CHECK_TRUE("low range", vmx_msr_bitmap_covers(0, 0x1fff, &low, &high));
    CHECK_TRUE("high range", vmx_msr_bitmap_covers(0xc0000000, 0xc0001fff, &low, &high));
    CHECK_TRUE("past the low range", !vmx_msr_bitmap_covers(0x2000, 0x2000, &low, &high));
    CHECK_U("its bounds", 0x1fff, high);
    CHECK_TRUE("across the ranges", !vmx_msr_bitmap_covers(0x1fff, 0xc0000000, &low, &high));
    CHECK_TRUE("reversed", !vmx_msr_bitmap_covers(0x10, 0x0f, &low, &high));
    CHECK_TRUE("past the high range", !vmx_msr_bitmap_covers(0xc0000000, 0xc0002000, &low, &high));
    CHECK_U("high bounds", 0xc0000000, low);

    uint8_t bitmap[4096];
    memset(bitmap, 0xff, sizeof bitmap);
    vmx_msr_bitmap_set(bitmap, 0xc0000100, 0xc0000101, rw);
    CHECK_TRUE("FS read passes", !exits(bitmap + MSR_BITMAP_READ_HIGH, 0x100));
    CHECK_TRUE("GS write passes", !exits(bitmap + MSR_BITMAP_WRITE_HIGH, 0x101));
    CHECK_TRUE("KERNEL_GS still exits", exits(bitmap + MSR_BITMAP_READ_HIGH, 0x102));
    CHECK_TRUE("the low MSR of the same bit exits", exits(bitmap + MSR_BITMAP_READ_LOW, 0x100));
    vmx_msr_bitmap_set(bitmap, MSR_IA32_TSC, MSR_IA32_TSC, ATOLL_VCPU_MSR_READ);
    CHECK_TRUE("TSC read passes", !exits(bitmap + MSR_BITMAP_READ_LOW, MSR_IA32_TSC));
    CHECK_TRUE("TSC write exits", exits(bitmap + MSR_BITMAP_WRITE_LOW, MSR_IA32_TSC));
    vmx_msr_bitmap_set(bitmap, 0xc0000100, 0xc0000101, 0);
    CHECK_TRUE("closed again", exits(bitmap + MSR_BITMAP_READ_HIGH, 0x100));
    CHECK_TRUE("closed again (write)", exits(bitmap + MSR_BITMAP_WRITE_HIGH, 0x101));
}

static void io_bitmaps(void)
{
    static uint8_t a[4096], b[4096];
    memset(a, 0xff, sizeof a);
    memset(b, 0xff, sizeof b);
    vmx_io_bitmap_set(a, b, 0x7ffe, 0x8001, true);
    CHECK_TRUE("0x7ffd exits", exits(a, 0x7ffd));
    CHECK_TRUE("0x7ffe passes", !exits(a, 0x7ffe));
    CHECK_TRUE("0x7fff passes", !exits(a, 0x7fff));
    CHECK_TRUE("0x8000 passes (bitmap B)", !exits(b, 0));
    CHECK_TRUE("0x8001 passes", !exits(b, 1));
    CHECK_TRUE("0x8002 exits", exits(b, 2));
    vmx_io_bitmap_set(a, b, 0xffff, 0xffff, true);
    CHECK_TRUE("0xffff passes", !exits(b, 0x7fff));
    vmx_io_bitmap_set(a, b, 0, 0xffff, false);
    for (uint32_t port = 0; port < IO_BITMAP_PORTS; port++)
        if (!exits(a, port) || !exits(b, port))
            CHECK_FAIL("port 0x%x passes after closing all", port);
}

int main(void)
{
    check_suite("vtx");
    RUN_TEST(map_frame_writes_leaf);
    RUN_TEST(map_rights_and_memory_type);
    RUN_TEST(map_2m_frame_is_large_leaf);
    RUN_TEST(map_errors);
    RUN_TEST(unmap_clears_and_invalidates);
    RUN_TEST(unmap_from_other_guest_space_refused);
    RUN_TEST(delete_frame_unmaps);
    RUN_TEST(delete_table_unmaps);
    RUN_TEST(delete_guest_space_voids_everything);
    RUN_TEST(copy_of_unmapped_ept_table_refused);
    RUN_TEST(control_settings);
    RUN_TEST(field_whitelist);
    RUN_TEST(msr_policy);
    RUN_TEST(io_bitmaps);
    return check_exit_code();
}
