/* User-level tests of VT-x: VCPU and GuestSpace objects, VMEnter and the
 * exits of a small real-mode guest (images/guests/exits.asm), through the
 * real system-call path; init itself is the VMM. Only where the boot
 * information says VT-x is on (Bochs); elsewhere (QEMU without KVM) the
 * objects must be refused and VMEnter must fail cleanly. Slots come from
 * [empty_first + 3584, empty_first + 3840), clear of the other groups. */
#include <stdbool.h>

#include "tests.h"
#include "test.h"
#include "vcpu.h"
#include "vspace.h"
#include "atoll/sched.h"
#include "atoll/tcb.h"
/* Hardware numbers (SDM): exit reasons, qualifications, VMCS encodings. */
#include "../../vtx/vmcs_fields.h"
#include "../../vtx/vmx_exit.h"
#include "test_vmx.h"

#define ROOT   VMX_ROOT
#define DEPTH  VMX_DEPTH
#define VSPACE ATOLL_SLOT_ROOT_VSPACE
#define TCB    ATOLL_SLOT_ROOT_TCB

#define SLOTS_FROM  3840
#define SLOTS_COUNT 256
#define UT_BITS     18 /* two 32 KiB VCPUs and the rest */

/* Free in the root task's VSpace (PML4 entry 96): where init sees the
 * guest's code page. */
#define VMM_VA                  UINT64_C(0x0000300000000000)
#define CODE_GPA                UINT64_C(0x1000)
#define DATA_GPA                UINT64_C(0x2000)    /* exits.asm's DATA_GPA */
#define FAR_GPA                 (UINT64_C(1) << 39) /* a PML4 entry without a PDPT */
#define PORT_COM1               0x3f8
#define OUT_BYTE                0x41
#define ROUND_TRIPS             1000u
#define LONG_RUN_MIN_HOST_EXITS 3u

/* In the order of guest_exits_offsets[] in exits.asm. */
enum guest_step {
    STEP_CPUID,
    STEP_OUT,
    STEP_LOAD,
    STEP_VMCALL,
    STEP_STORE,
    STEP_HLT,
    STEP_LOOP,
    STEP_SPIN,
    STEP_SPIN_HLT,
    STEP_TRIPLE_FAULT,
    STEP_IO_LOOP,
    STEP_COUNT,
};

extern const uint8_t guest_exits_start[], guest_exits_end[];
extern const uint16_t guest_exits_offsets[STEP_COUNT];

static uint64_t next_slot, last_slot;
static uint64_t ut;

uint64_t vmx_slot(void)
{
    return next_slot < last_slot ? next_slot++ : 0;
}

uint64_t vmx_untyped(void)
{
    return ut;
}

bool vmx_slots_begin(const struct atoll_bootinfo *bi, uint64_t from, uint64_t count,
                     uint64_t ut_bits, const char *name)
{
    next_slot = bi->empty_first + from;
    last_slot = next_slot + count;
    if (last_slot > bi->empty_last) {
        test_result(name, 0, "root CNode too small");
        return false;
    }
    /* The first untyped with room left (other groups used some). */
    ut = vmx_slot();
    bool have_untyped = atoll_untyped_carve(bi, ut_bits, ut) == ATOLL_OK;
    test_result(name, have_untyped, "no untyped of 2^%lu bytes left", ut_bits);
    return have_untyped;
}

struct atoll_error_detail vmx_make(uint64_t type, uint64_t *dest)
{
    *dest = vmx_slot();
    return atoll_untyped_retype(ut, type, 0, ROOT, 0, 0, *dest, 1);
}

struct atoll_error_detail vmx_copy_cap(uint64_t dest, uint64_t src)
{
    return atoll_cnode_copy_op(ATOLL_CNODE_COPY, ROOT, dest, DEPTH, ROOT, src, DEPTH,
                               ATOLL_RIGHTS_ALL, 0);
}

struct atoll_error_detail vmx_delete_cap(uint64_t s)
{
    return atoll_cnode_slot_op(ATOLL_CNODE_DELETE, ROOT, s, DEPTH);
}

void vmx_expect_error(const char *name, struct atoll_error_detail e, uint64_t code,
                      uint64_t argument)
{
    test_result(name, e.code == code && e.argument == argument,
                "expected error %lu on argument %lu, got error %lu on argument %lu", code, argument,
                e.code, e.argument);
}

void vmx_expect_vmenter_failure(const char *name, struct atoll_error_detail e, uint64_t why)
{
    test_result(name, e.code == ATOLL_ERR_ILLEGAL_OPERATION && e.value0 == why,
                "expected ILLEGAL_OPERATION with reason %lu, got error %lu reason %lu", why, e.code,
                e.value0);
}

uint64_t *vmx_msg(void)
{
    return atoll_get_ipc_buffer()->msg;
}

static uint64_t guest_rip(enum guest_step s)
{
    return CODE_GPA + guest_exits_offsets[s];
}

/* One exit: the call worked and the exit has the reason and RIP wanted. */
bool vmx_expect_exit(const char *name, struct atoll_error_detail e, uint64_t reason, uint64_t rip)
{
    uint64_t *m = vmx_msg();
    bool ok = e.code == ATOLL_OK && m[ATOLL_VMEXIT_REASON] == reason && m[ATOLL_VMEXIT_RIP] == rip;
    test_result(name, ok,
                "expected exit %lu at rip 0x%lx, got error %lu (detail %lu), exit 0x%lx at rip "
                "0x%lx",
                reason, rip, e.code, e.value0, m[ATOLL_VMEXIT_REASON], m[ATOLL_VMEXIT_RIP]);
    return ok;
}

static bool expect_exit(const char *name, struct atoll_error_detail e, uint64_t reason,
                        enum guest_step at)
{
    return vmx_expect_exit(name, e, reason, guest_rip(at));
}

/* Where VT-x is off: nothing VT-x can be made, VMEnter fails cleanly. */
static void test_refused(void)
{
    uint64_t s;
    vmx_expect_error("vmx.no_vtx_vcpu_retype_refused", vmx_make(ATOLL_OBJECT_VCPU, &s),
                     ATOLL_ERR_INVALID_ARGUMENT, ATOLL_RETYPE_ARG_TYPE);
    vmx_expect_error("vmx.no_vtx_guest_space_retype_refused",
                     vmx_make(ATOLL_OBJECT_GUEST_SPACE, &s), ATOLL_ERR_INVALID_ARGUMENT,
                     ATOLL_RETYPE_ARG_TYPE);
    vmx_expect_vmenter_failure("vmx.no_vtx_vmenter_fails", atoll_vmenter(false),
                               ATOLL_VMENTER_NO_VCPU);
}

struct guest {
    uint64_t vcpu, gs, pdpt, pd, pt;
    uint64_t code;    /* the code frame, mapped into init at VMM_VA */
    uint64_t code_gs; /* a copy of it, mapped into the guest at CODE_GPA */
    uint64_t data_gs; /* another copy, mapped read-only at DATA_GPA later */
    uint64_t vpdpt, vpd, vpt;
};

static bool build(struct guest *g)
{
    bool ok = true;
    ok &= vmx_make(ATOLL_OBJECT_VCPU, &g->vcpu).code == ATOLL_OK;
    ok &= vmx_make(ATOLL_OBJECT_GUEST_SPACE, &g->gs).code == ATOLL_OK;
    ok &= vmx_make(ATOLL_OBJECT_EPT_PDPT, &g->pdpt).code == ATOLL_OK;
    ok &= vmx_make(ATOLL_OBJECT_EPT_PD, &g->pd).code == ATOLL_OK;
    ok &= vmx_make(ATOLL_OBJECT_EPT_PT, &g->pt).code == ATOLL_OK;
    ok &= vmx_make(ATOLL_OBJECT_FRAME_4K, &g->code).code == ATOLL_OK;
    ok &= vmx_make(ATOLL_OBJECT_PDPT, &g->vpdpt).code == ATOLL_OK;
    ok &= vmx_make(ATOLL_OBJECT_PD, &g->vpd).code == ATOLL_OK;
    ok &= vmx_make(ATOLL_OBJECT_PT, &g->vpt).code == ATOLL_OK;
    g->code_gs = vmx_slot();
    g->data_gs = vmx_slot();
    ok &= vmx_copy_cap(g->code_gs, g->code).code == ATOLL_OK;
    ok &= vmx_copy_cap(g->data_gs, g->code).code == ATOLL_OK;
    TEST_EQ("vmx.objects_retyped", ok, true);

    /* The guest's code, written through init's own mapping of the frame. */
    ok = atoll_page_table_map(g->vpdpt, VSPACE, VMM_VA).code == ATOLL_OK &&
         atoll_page_table_map(g->vpd, VSPACE, VMM_VA).code == ATOLL_OK &&
         atoll_page_table_map(g->vpt, VSPACE, VMM_VA).code == ATOLL_OK &&
         atoll_frame_map(g->code, VSPACE, VMM_VA, ATOLL_RIGHTS_RW, 0).code == ATOLL_OK;
    TEST_EQ("vmx.code_page_mapped_in_vmm", ok, true);
    if (!ok)
        return false;
    memcpy((void *)VMM_VA, guest_exits_start, (size_t)(guest_exits_end - guest_exits_start));
    return true;
}

static void test_guest_space(struct guest *g)
{
    vmx_expect_error("vmx.frame_without_ept_tables_is_missing_table",
                     atoll_guest_space_map_frame(g->gs, g->code_gs, CODE_GPA, ATOLL_RIGHT_READ,
                                                 ATOLL_VM_EXECUTABLE),
                     ATOLL_ERR_FAILED_LOOKUP, ATOLL_GUEST_SPACE_ARG_GPA);
    TEST_EQ("vmx.map_ept_pdpt", atoll_guest_space_map_table(g->gs, g->pdpt, 0).code, ATOLL_OK);
    TEST_EQ("vmx.map_ept_pd", atoll_guest_space_map_table(g->gs, g->pd, 0).code, ATOLL_OK);
    TEST_EQ("vmx.map_ept_pt", atoll_guest_space_map_table(g->gs, g->pt, 0).code, ATOLL_OK);
    vmx_expect_error("vmx.map_mapped_ept_table_is_illegal",
                     atoll_guest_space_map_table(g->gs, g->pt, 0), ATOLL_ERR_ILLEGAL_OPERATION, 0);
    struct atoll_error_detail e =
        atoll_guest_space_map_frame(g->gs, g->code_gs, FAR_GPA, ATOLL_RIGHT_READ, 0);
    test_result("vmx.frame_far_away_misses_its_pdpt",
                e.code == ATOLL_ERR_FAILED_LOOKUP && e.value1 == 39,
                "expected FAILED_LOOKUP with 39 bits left, got %lu with %lu", e.code, e.value1);
    vmx_expect_error("vmx.misaligned_gpa",
                     atoll_guest_space_map_frame(g->gs, g->code_gs, 0x1234, ATOLL_RIGHT_READ, 0),
                     ATOLL_ERR_ALIGNMENT_ERROR, ATOLL_GUEST_SPACE_ARG_GPA);
    vmx_expect_error("vmx.write_only_mapping_refused",
                     atoll_guest_space_map_frame(g->gs, g->code_gs, CODE_GPA, ATOLL_RIGHT_WRITE, 0),
                     ATOLL_ERR_INVALID_ARGUMENT, ATOLL_GUEST_SPACE_ARG_RIGHTS);
    TEST_EQ("vmx.map_code_frame",
            atoll_guest_space_map_frame(g->gs, g->code_gs, CODE_GPA, ATOLL_RIGHT_READ,
                                        ATOLL_VM_EXECUTABLE)
                .code,
            ATOLL_OK);
    vmx_expect_error("vmx.map_frame_twice_is_invalid_capability",
                     atoll_guest_space_map_frame(g->gs, g->code_gs, DATA_GPA, ATOLL_RIGHT_READ, 0),
                     ATOLL_ERR_INVALID_CAPABILITY, 0);
    vmx_expect_error("vmx.map_vspace_mapped_frame_is_invalid_capability",
                     atoll_guest_space_map_frame(g->gs, g->code, DATA_GPA, ATOLL_RIGHT_READ, 0),
                     ATOLL_ERR_INVALID_CAPABILITY, 0);
    vmx_expect_error("vmx.map_over_used_entry_is_delete_first",
                     atoll_guest_space_map_frame(g->gs, g->data_gs, CODE_GPA, ATOLL_RIGHT_READ, 0),
                     ATOLL_ERR_DELETE_FIRST, ATOLL_GUEST_SPACE_ARG_GPA);
    vmx_expect_error("vmx.guest_mapped_frame_cannot_enter_vspace",
                     atoll_frame_map(g->code_gs, VSPACE, VMM_VA + 0x1000, ATOLL_RIGHT_READ, 0),
                     ATOLL_ERR_INVALID_CAPABILITY, 0);
}

/* The exits of exits.asm, one by one. */
static void test_exits(struct guest *g)
{
    uint64_t *m = vmx_msg();
    struct atoll_error_detail e;

    vmx_expect_vmenter_failure("vmx.vmenter_without_vcpu_fails", atoll_vmenter(false),
                               ATOLL_VMENTER_NO_VCPU);
    vmx_expect_error("vmx.bind_non_tcb_is_invalid_capability", atoll_vcpu_bind_tcb(g->vcpu, g->gs),
                     ATOLL_ERR_INVALID_CAPABILITY, 0);
    TEST_EQ("vmx.bind_tcb", atoll_vcpu_bind_tcb(g->vcpu, TCB).code, ATOLL_OK);
    vmx_expect_vmenter_failure("vmx.vmenter_without_guest_space_fails", atoll_vmenter(false),
                               ATOLL_VMENTER_NO_GUEST_SPACE);
    vmx_expect_error("vmx.set_non_guest_space_is_invalid_capability",
                     atoll_vcpu_set_guest_space(g->vcpu, g->pt), ATOLL_ERR_INVALID_CAPABILITY, 0);
    TEST_EQ("vmx.set_guest_space", atoll_vcpu_set_guest_space(g->vcpu, g->gs).code, ATOLL_OK);
    uint64_t info = atoll_msginfo(0, 5, 0);
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    TEST_EQ("vmx.vmenter_short_message_is_truncated",
            atoll_syscall(ATOLL_SYS_VMENTER, 0, info, mr).error, ATOLL_ERR_TRUNCATED_MESSAGE);

    /* CPUID: the first exit, with the guest's own EAX. */
    memset(m, 0, ATOLL_VMEXIT_WORDS * sizeof m[0]);
    m[ATOLL_VMEXIT_RIP] = CODE_GPA;
    m[ATOLL_VMEXIT_RFLAGS] = 0;
    m[ATOLL_VMEXIT_RAX] = UINT64_C(0xdead);
    e = atoll_vmenter(true);
    if (!expect_exit("vmx.cpuid_exit", e, VMX_EXIT_CPUID, STEP_CPUID))
        return;
    TEST_EQ("vmx.cpuid_instruction_length", m[ATOLL_VMEXIT_INSTRUCTION_LENGTH], 2);
    TEST_EQ("vmx.cpuid_guest_eax", m[ATOLL_VMEXIT_RAX], 0);
    TEST_EQ("vmx.exit_reason_also_in_register", e.argument, VMX_EXIT_CPUID);

    /* The VMM answers CPUID; the guest writes the answer's AL to port DX. */
    m[ATOLL_VMEXIT_RAX] = OUT_BYTE;
    m[ATOLL_VMEXIT_RBX] = 0;
    m[ATOLL_VMEXIT_RCX] = 0;
    m[ATOLL_VMEXIT_RDX] = PORT_COM1;
    m[ATOLL_VMEXIT_RIP] += m[ATOLL_VMEXIT_INSTRUCTION_LENGTH];
    e = atoll_vmenter(true);
    if (!expect_exit("vmx.io_exit", e, VMX_EXIT_IO, STEP_OUT))
        return;
    uint64_t q = m[ATOLL_VMEXIT_QUALIFICATION];
    TEST_EQ("vmx.io_port", q >> VMX_IO_PORT_SHIFT, PORT_COM1);
    TEST_EQ("vmx.io_size_one_byte", q & VMX_IO_SIZE_MASK, 0);
    TEST_EQ("vmx.io_direction_out", q & VMX_IO_DIRECTION_IN, 0);
    TEST_EQ("vmx.io_not_string_not_immediate", q & (VMX_IO_STRING | VMX_IO_IMMEDIATE), 0);
    TEST_EQ("vmx.io_byte_from_vmm_answer", m[ATOLL_VMEXIT_RAX] & 0xff, OUT_BYTE);
    TEST_EQ("vmx.io_instruction_length", m[ATOLL_VMEXIT_INSTRUCTION_LENGTH], 1);

    /* A read of unmapped guest memory. */
    m[ATOLL_VMEXIT_RIP] += m[ATOLL_VMEXIT_INSTRUCTION_LENGTH];
    e = atoll_vmenter(true);
    if (!expect_exit("vmx.ept_violation_exit", e, VMX_EXIT_EPT_VIOLATION, STEP_LOAD))
        return;
    q = m[ATOLL_VMEXIT_QUALIFICATION];
    TEST_EQ("vmx.ept_violation_gpa", m[ATOLL_VMEXIT_GUEST_PHYSICAL], DATA_GPA);
    TEST_EQ("vmx.ept_violation_is_read",
            q & (VMX_EPT_ACCESS_READ | VMX_EPT_ACCESS_WRITE | VMX_EPT_ACCESS_FETCH),
            VMX_EPT_ACCESS_READ);
    TEST_EQ("vmx.ept_violation_entry_not_present",
            q & (VMX_EPT_ENTRY_READABLE | VMX_EPT_ENTRY_WRITABLE | VMX_EPT_ENTRY_EXECUTABLE), 0);

    /* Map the page (the code page again, read-only) and resume as the
     * guest stopped: the load now reads the page's first bytes. */
    TEST_EQ("vmx.map_data_frame",
            atoll_guest_space_map_frame(g->gs, g->data_gs, DATA_GPA, ATOLL_RIGHT_READ, 0).code,
            ATOLL_OK);
    e = atoll_vmenter(false);
    if (!expect_exit("vmx.vmcall_exit_after_resume", e, VMX_EXIT_VMCALL, STEP_VMCALL))
        return;
    uint16_t first_word = (uint16_t)(guest_exits_start[0] | guest_exits_start[1] << 8);
    TEST_EQ("vmx.guest_read_mapped_page", m[ATOLL_VMEXIT_RBX] & 0xffff, first_word);
    TEST_EQ("vmx.vmcall_instruction_length", m[ATOLL_VMEXIT_INSTRUCTION_LENGTH], 3);

    /* A write to the read-only page. */
    m[ATOLL_VMEXIT_RIP] += m[ATOLL_VMEXIT_INSTRUCTION_LENGTH];
    e = atoll_vmenter(true);
    if (!expect_exit("vmx.ept_write_violation_exit", e, VMX_EXIT_EPT_VIOLATION, STEP_STORE))
        return;
    q = m[ATOLL_VMEXIT_QUALIFICATION];
    TEST_EQ("vmx.ept_write_violation_gpa", m[ATOLL_VMEXIT_GUEST_PHYSICAL], DATA_GPA);
    TEST_EQ("vmx.ept_write_violation_is_write", q & VMX_EPT_ACCESS_WRITE, VMX_EPT_ACCESS_WRITE);
    TEST_EQ("vmx.ept_write_violation_entry_read_only",
            q & (VMX_EPT_ENTRY_READABLE | VMX_EPT_ENTRY_WRITABLE), VMX_EPT_ENTRY_READABLE);

    /* Past it (the VMM knows the instruction) to HLT. */
    m[ATOLL_VMEXIT_RIP] = guest_rip(STEP_HLT);
    e = atoll_vmenter(true);
    if (!expect_exit("vmx.hlt_exit", e, VMX_EXIT_HLT, STEP_HLT))
        return;

    /* VMCS fields through the whitelist. */
    uint64_t value;
    e = atoll_vcpu_read_vmcs(g->vcpu, VMCS_GUEST_RIP, &value);
    test_result("vmx.read_vmcs_guest_rip", e.code == ATOLL_OK && value == guest_rip(STEP_HLT),
                "expected 0x%lx, got error %lu value 0x%lx", guest_rip(STEP_HLT), e.code, value);
    vmx_expect_error("vmx.read_host_state_refused",
                     atoll_vcpu_read_vmcs(g->vcpu, VMCS_HOST_RIP, &value),
                     ATOLL_ERR_INVALID_ARGUMENT, ATOLL_VCPU_ARG_FIELD);
    vmx_expect_error("vmx.write_controls_refused",
                     atoll_vcpu_write_vmcs(g->vcpu, VMCS_PIN_CONTROLS, 0),
                     ATOLL_ERR_INVALID_ARGUMENT, ATOLL_VCPU_ARG_FIELD);
    vmx_expect_error("vmx.write_exit_information_refused",
                     atoll_vcpu_write_vmcs(g->vcpu, VMCS_EXIT_REASON, 0),
                     ATOLL_ERR_INVALID_ARGUMENT, ATOLL_VCPU_ARG_FIELD);
    TEST_EQ("vmx.write_vmcs_guest_rip",
            atoll_vcpu_write_vmcs(g->vcpu, VMCS_GUEST_RIP, guest_rip(STEP_LOAD)).code, ATOLL_OK);

    /* Unmapping invalidates the translation the guest used: the same
     * load exits again. */
    TEST_EQ("vmx.unmap_data_frame", atoll_guest_space_unmap_frame(g->gs, g->data_gs).code,
            ATOLL_OK);
    e = atoll_vmenter(false);
    expect_exit("vmx.unmapped_page_exits_again", e, VMX_EXIT_EPT_VIOLATION, STEP_LOAD);

    /* Deleting a frame mapped in the guest unmaps it there too. */
    TEST_EQ("vmx.map_data_frame_again",
            atoll_guest_space_map_frame(g->gs, g->data_gs, DATA_GPA, ATOLL_RIGHT_READ, 0).code,
            ATOLL_OK);
    TEST_EQ("vmx.delete_mapped_frame", vmx_delete_cap(g->data_gs).code, ATOLL_OK);
    e = atoll_vmenter(false);
    expect_exit("vmx.deleted_frame_is_unmapped", e, VMX_EXIT_EPT_VIOLATION, STEP_LOAD);

    /* A guest that shuts down ends at its VMM, not in the kernel. */
    m[ATOLL_VMEXIT_RIP] = guest_rip(STEP_TRIPLE_FAULT);
    e = atoll_vmenter(true);
    test_result("vmx.triple_fault_exit",
                e.code == ATOLL_OK && m[ATOLL_VMEXIT_REASON] == VMX_EXIT_TRIPLE_FAULT,
                "expected exit %u, got error %lu exit 0x%lx", VMX_EXIT_TRIPLE_FAULT, e.code,
                m[ATOLL_VMEXIT_REASON]);
}

uint64_t vmx_tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* The baselines of the measurement below, on the same machine: 1000 NOPs
 * (under Bochs with `clock: sync=none` the TSC counts instructions, so
 * this is about 1000: checked, so that the counts below are instruction
 * counts) and a system call that does nothing (DEBUG_PUTS of length 0).
 * The `bench:` lines are what `make bench` reports (bench/run.py). */
#define CALIBRATION_MIN 990
#define CALIBRATION_MAX 1010

static void measure_baselines(void)
{
    uint64_t t0 = vmx_tsc();
    __asm__ volatile(".rept 1000\n\tnop\n\t.endr");
    uint64_t nops = vmx_tsc() - t0;
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    t0 = vmx_tsc();
    for (unsigned i = 0; i < ROUND_TRIPS; i++)
        atoll_syscall(ATOLL_SYS_DEBUG_PUTS, 0, 0, mr);
    uint64_t null_call = (vmx_tsc() - t0) / ROUND_TRIPS;
    printf("init: vmx: calibration 1000 nops %lu tsc ticks; null system call %lu\n", nops,
           null_call);
    test_result("vmx.tsc_counts_instructions", nops >= CALIBRATION_MIN && nops <= CALIBRATION_MAX,
                "1000 nops took %lu tsc ticks, expected %u-%u", nops, CALIBRATION_MIN,
                CALIBRATION_MAX);
    printf("bench: vmx_calibration_1000_nops %lu\n", nops);
    printf("bench: vmx_null_syscall_round_trip %lu\n", null_call);
}

/* An interrupt the VMM injects is delivered through the guest's
 * real-mode IVT (a page at guest-physical 0 the VMM writes): its handler
 * is the VMCALL, and the guest's stack holds FLAGS, CS and IP of the HLT
 * it interrupted. */
#define INJECT_VECTOR       0x40
#define IVT_VA              (VMM_VA + UINT64_C(0x2000))
#define GUEST_STACK         0x800
#define RFLAGS_IF           (UINT64_C(1) << 9)
#define REAL_MODE_IVT_LIMIT 0x3ff

static void test_injection(struct guest *g)
{
    uint64_t ivt = 0, ivt_gs = vmx_slot();
    bool ok = vmx_make(ATOLL_OBJECT_FRAME_4K, &ivt).code == ATOLL_OK &&
              vmx_copy_cap(ivt_gs, ivt).code == ATOLL_OK &&
              atoll_frame_map(ivt, VSPACE, IVT_VA, ATOLL_RIGHTS_RW, 0).code == ATOLL_OK &&
              atoll_guest_space_map_frame(g->gs, ivt_gs, 0, ATOLL_RIGHTS_RW, 0).code == ATOLL_OK;
    TEST_EQ("vmx.ivt_page_mapped", ok, true);
    if (!ok)
        return;
    volatile uint16_t *page = (volatile uint16_t *)IVT_VA;
    page[INJECT_VECTOR * 2] = (uint16_t)guest_rip(STEP_VMCALL); /* IP; CS stays 0 */
    ok = atoll_vcpu_write_vmcs(g->vcpu, VMCS_GUEST_IDTR_BASE, 0).code == ATOLL_OK &&
         atoll_vcpu_write_vmcs(g->vcpu, VMCS_GUEST_IDTR_LIMIT, REAL_MODE_IVT_LIMIT).code ==
             ATOLL_OK &&
         atoll_vcpu_write_vmcs(g->vcpu, VMCS_GUEST_ACTIVITY_STATE, VMX_ACTIVITY_ACTIVE).code ==
             ATOLL_OK &&
         atoll_vcpu_write_vmcs(g->vcpu, VMCS_ENTRY_INTR_INFO,
                               INTR_INFO_VALID | (INTR_TYPE_EXTERNAL << INTR_INFO_TYPE_SHIFT) |
                                   INJECT_VECTOR)
                 .code == ATOLL_OK;
    TEST_EQ("vmx.injection_fields_written", ok, true);
    uint64_t *m = vmx_msg();
    m[ATOLL_VMEXIT_RIP] = guest_rip(STEP_HLT);
    m[ATOLL_VMEXIT_RFLAGS] = RFLAGS_IF;
    m[ATOLL_VMEXIT_RSP] = GUEST_STACK;
    struct atoll_error_detail e = atoll_vmenter(true);
    if (!expect_exit("vmx.injected_interrupt_runs_handler", e, VMX_EXIT_VMCALL, STEP_VMCALL))
        return;
    TEST_EQ("vmx.handler_stack_pointer", m[ATOLL_VMEXIT_RSP] & 0xffff, GUEST_STACK - 6);
    TEST_EQ("vmx.interrupted_ip_on_stack", page[(GUEST_STACK - 6) / 2], guest_rip(STEP_HLT));
    TEST_EQ("vmx.interrupted_cs_on_stack", page[(GUEST_STACK - 4) / 2], 0);
    TEST_EQ("vmx.interrupted_flags_had_if", page[(GUEST_STACK - 2) / 2] & RFLAGS_IF, RFLAGS_IF);
    TEST_EQ("vmx.handler_runs_with_if_clear", m[ATOLL_VMEXIT_RFLAGS] & RFLAGS_IF, 0);
    uint64_t info = 0;
    atoll_vcpu_read_vmcs(g->vcpu, VMCS_ENTRY_INTR_INFO, &info);
    TEST_EQ("vmx.injection_consumed", info & INTR_INFO_VALID, 0);
    TEST_EQ("vmx.unmap_ivt", atoll_guest_space_unmap_frame(g->gs, ivt_gs).code, ATOLL_OK);
    atoll_frame_unmap(ivt);
}

/* The smallest VMM worth the name: a UART for report.asm. Reads of the
 * line status register say the transmitter is empty; bytes written to
 * the data register are the guest's report. */
#define REPORT_OFFSET     (VMX_REPORT_GPA - CODE_GPA)
#define COM1_LSR          (PORT_COM1 + 5)
#define LSR_TRANSMIT_IDLE 0x60 /* THR empty, transmitter empty */
#define REPORT_MAX_EXITS  4096u

unsigned vmx_run_report_guest(struct atoll_ipc_buffer *buf, char out[VMX_REPORT_MAX],
                              bool *unexpected)
{
    uint64_t *m = buf->msg;
    memset(m, 0, ATOLL_VMEXIT_WORDS * sizeof m[0]);
    memset(out, 0, VMX_REPORT_MAX);
    m[ATOLL_VMEXIT_RIP] = VMX_REPORT_GPA;
    uint64_t error = atoll_vmenter_on(buf, true, 0).code;
    unsigned n = 0, exits = 0;
    *unexpected = false;
    while (error == ATOLL_OK && m[ATOLL_VMEXIT_REASON] == VMX_EXIT_IO &&
           exits++ < REPORT_MAX_EXITS) {
        uint64_t q = m[ATOLL_VMEXIT_QUALIFICATION];
        uint64_t port = q >> VMX_IO_PORT_SHIFT;
        if ((q & VMX_IO_DIRECTION_IN) && port == COM1_LSR)
            m[ATOLL_VMEXIT_RAX] = (m[ATOLL_VMEXIT_RAX] & ~UINT64_C(0xff)) | LSR_TRANSMIT_IDLE;
        else if (!(q & VMX_IO_DIRECTION_IN) && port == PORT_COM1 && n < VMX_REPORT_MAX - 1)
            out[n++] = (char)m[ATOLL_VMEXIT_RAX];
        else
            *unexpected = true;
        m[ATOLL_VMEXIT_RIP] += m[ATOLL_VMEXIT_INSTRUCTION_LENGTH];
        error = atoll_vmenter_on(buf, true, 0).code;
    }
    if (error != ATOLL_OK || m[ATOLL_VMEXIT_REASON] != VMX_EXIT_HLT)
        *unexpected = true;
    return exits;
}

static void test_report_guest(void)
{
    size_t size = (size_t)(guest_report_end - guest_report_start);
    memcpy((void *)(VMM_VA + REPORT_OFFSET), guest_report_start, size);
    uint64_t *m = vmx_msg();
    char out[VMX_REPORT_MAX];
    bool unexpected;
    unsigned exits = vmx_run_report_guest(atoll_get_ipc_buffer(), out, &unexpected);
    TEST_EQ("vmx.report_guest_only_uart_accesses", unexpected, false);
    TEST_EQ("vmx.report_guest_ends_with_hlt", m[ATOLL_VMEXIT_REASON], VMX_EXIT_HLT);
    test_result("vmx.report_guest_message", strcmp(out, VMX_REPORT_EXPECTED) == 0,
                "expected \"%s\", got \"%s\"", VMX_REPORT_EXPECTED, out);
    printf("init: vmx: the guest says \"%s\" (%u I/O exits)\n", out, exits);
}

/* Exit round trips (guest exit, VMM answer: RIP past the instruction,
 * VM entry), ROUND_TRIPS of them timed after the first. The figure
 * includes the guest's own instructions of the loop (two) and the VMM's. */
#define ROUND_TRIP_TARGET 1500u

static void measure(const char *what, enum guest_step loop, uint64_t reason)
{
    uint64_t *m = vmx_msg();
    m[ATOLL_VMEXIT_RIP] = guest_rip(loop);
    m[ATOLL_VMEXIT_RDX] = PORT_COM1;
    struct atoll_error_detail e = atoll_vmenter(true);
    unsigned done = 0;
    uint64_t start = 0;
    for (; e.code == ATOLL_OK && m[ATOLL_VMEXIT_REASON] == reason && done <= ROUND_TRIPS; done++) {
        if (done == 0)
            start = vmx_tsc();
        m[ATOLL_VMEXIT_RIP] += m[ATOLL_VMEXIT_INSTRUCTION_LENGTH];
        e = atoll_vmenter(true);
    }
    uint64_t each = (vmx_tsc() - start) / ROUND_TRIPS;
    char name[64];
    snprintf(name, sizeof name, "vmx.%s_round_trips", what);
    TEST_EQ(name, done, ROUND_TRIPS + 1);
    snprintf(name, sizeof name, "vmx.%s_round_trip_within_target", what);
    test_result(name, each <= ROUND_TRIP_TARGET, "%lu instructions, target %u", each,
                ROUND_TRIP_TARGET);
    printf("init: vmx: %u %s exit round trips, %lu tsc ticks each\n", ROUND_TRIPS, what, each);
    printf("bench: vmx_%s_exit_round_trip %lu\n", what, each);
}

/* A guest that runs across many host timer ticks: each tick ends its run
 * in the kernel, which runs VMEnter again behind the VMM's back; the
 * guest's registers must survive every one of them. With the guest's IF
 * set the host timer interrupt ends the run; with it clear, Bochs 2.7
 * does not exit on the interrupt (real CPUs do) and the VMX preemption
 * timer does. */
static void test_long_run(bool guest_interrupts_on)
{
    uint64_t *m = vmx_msg();
    m[ATOLL_VMEXIT_RIP] = guest_rip(STEP_SPIN);
    m[ATOLL_VMEXIT_RCX] = 0;
    m[ATOLL_VMEXIT_RFLAGS] = guest_interrupts_on ? RFLAGS_IF : 0;
    struct atoll_error_detail e = atoll_vmenter(true);
    if (!expect_exit(guest_interrupts_on ? "vmx.long_run_if_ends_at_hlt"
                                         : "vmx.long_run_ends_at_hlt",
                     e, VMX_EXIT_HLT, STEP_SPIN_HLT))
        return;
    TEST_EQ(guest_interrupts_on ? "vmx.long_run_if_counted_down" : "vmx.long_run_counted_down",
            m[ATOLL_VMEXIT_RCX] & 0xffffffff, 0);
    /* About 10 M guest instructions at 100 M per emulated second: a
     * 10 ms tick ends the run several times. */
    test_result(guest_interrupts_on ? "vmx.long_run_if_ended_by_the_kernel_several_times"
                                    : "vmx.long_run_ended_by_the_kernel_several_times",
                m[ATOLL_VMEXIT_HOST_EXITS] >= LONG_RUN_MIN_HOST_EXITS,
                "expected at least %u exits handled by the kernel, got %lu",
                LONG_RUN_MIN_HOST_EXITS, m[ATOLL_VMEXIT_HOST_EXITS]);
    printf("init: vmx: a long guest run (IF=%d) took %lu kernel-handled exits\n",
           guest_interrupts_on, m[ATOLL_VMEXIT_HOST_EXITS]);
}

/* ---- The same VCPU run by a VMM thread on core 1 */

#define REMOTE_IPC_VA   (VMM_VA + UINT64_C(0x1000))
#define REMOTE_CORE     1
#define REMOTE_PRIORITY 200
#define REMOTE_SLICE_US 10000
#define REMOTE_STACK    4096
#define REMOTE_POLLS    200000u

enum remote_command {
    REMOTE_IDLE,
    REMOTE_RUN_LOAD, /* VMEnter at STEP_LOAD; report the exit reason */
    REMOTE_QUIT,
};

static volatile uint64_t remote_command, remote_reason, remote_done;
static _Alignas(16) uint8_t remote_stack[REMOTE_STACK];

void vmx_yield(void)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    atoll_syscall(ATOLL_SYS_YIELD, 0, 0, mr);
}

bool vmx_start_thread(uint64_t core, uint8_t priority, uint64_t ipc_va, void (*entry)(uint64_t),
                      uint64_t arg, void *stack_top, uint64_t *tcb, uint64_t *ipc)
{
    uint64_t sc = 0;
    bool ok = vmx_make(ATOLL_OBJECT_TCB, tcb).code == ATOLL_OK &&
              vmx_make(ATOLL_OBJECT_FRAME_4K, ipc).code == ATOLL_OK &&
              atoll_frame_map(*ipc, VSPACE, ipc_va, ATOLL_RIGHTS_RW, 0).code == ATOLL_OK;
    sc = vmx_slot();
    ok = ok && atoll_sched_context_new(ut, ROOT, sc, core, REMOTE_SLICE_US, REMOTE_SLICE_US).code ==
                   ATOLL_OK;
    uint64_t caps[3] = {ROOT, VSPACE, *ipc};
    ok = ok && atoll_invoke(*tcb, ATOLL_TCB_SET_AFFINITY, &core, 1, NULL, 0).code == ATOLL_OK;
    ok = ok &&
         atoll_thread_start(*tcb, sc, ROOT, VSPACE, TCB, priority, entry, arg, stack_top).code ==
             ATOLL_OK;
    /* atoll_thread_start configures no IPC buffer: add it; the thread
     * waits for its first command meanwhile. */
    return ok && atoll_invoke(*tcb, ATOLL_TCB_CONFIGURE, &ipc_va, 1, caps, 3).code == ATOLL_OK;
}

/* Its own IPC buffer (the library's pointer is init's). */
static void remote_vmm(uint64_t arg)
{
    (void)arg;
    struct atoll_ipc_buffer *buf = (struct atoll_ipc_buffer *)REMOTE_IPC_VA;
    for (;;) {
        while (remote_command == REMOTE_IDLE)
            vmx_yield();
        if (remote_command == REMOTE_QUIT)
            atoll_debug_exit(0);
        memset(buf->msg, 0, ATOLL_VMEXIT_WORDS * sizeof buf->msg[0]);
        buf->msg[ATOLL_VMEXIT_RIP] = guest_rip(STEP_LOAD);
        uint64_t error = atoll_vmenter_on(buf, true, 0).code;
        remote_reason = error ? ~UINT64_C(0) : buf->msg[ATOLL_VMEXIT_REASON];
        remote_command = REMOTE_IDLE;
        remote_done++;
    }
}

/* Sends a command and waits (bounded) for its answer; the exit reason. */
static uint64_t remote_run(void)
{
    uint64_t done = remote_done;
    remote_command = REMOTE_RUN_LOAD;
    for (unsigned i = 0; i < REMOTE_POLLS && remote_done == done; i++)
        vmx_yield();
    return remote_done == done ? ~UINT64_C(0) - 1 : remote_reason;
}

/* The VCPU moves between cores with its thread; a translation core 1 used
 * is gone there once core 0 unmapped the page (the lazy flush before the
 * next VM entry on core 1). */
static void test_other_core(struct guest *g, uint64_t cpus)
{
    if (cpus < 2) {
        printf("init: vmx: cross-core tests need 2 cores; this boot has %lu\n", cpus);
        return;
    }
    uint64_t data = vmx_slot(), tcb = 0, ipc = 0;
    bool ok =
        vmx_copy_cap(data, g->code).code == ATOLL_OK &&
        atoll_guest_space_map_frame(g->gs, data, DATA_GPA, ATOLL_RIGHT_READ, 0).code == ATOLL_OK;
    TEST_EQ("vmx.remote_setup", ok, true);
    if (!ok)
        return;
    /* Core 0 first: the page is in use here too. */
    vmx_msg()[ATOLL_VMEXIT_RIP] = guest_rip(STEP_LOAD);
    expect_exit("vmx.core0_reads_page", atoll_vmenter(true), VMX_EXIT_VMCALL, STEP_VMCALL);

    remote_command = REMOTE_IDLE;
    remote_done = 0;
    ok = vmx_start_thread(REMOTE_CORE, REMOTE_PRIORITY, REMOTE_IPC_VA, remote_vmm, 0,
                          remote_stack + REMOTE_STACK, &tcb, &ipc);
    TEST_EQ("vmx.remote_vmm_started", ok, true);
    if (!ok)
        return;
    TEST_EQ("vmx.bind_remote_tcb", atoll_vcpu_bind_tcb(g->vcpu, tcb).code, ATOLL_OK);
    vmx_expect_vmenter_failure("vmx.vcpu_moved_to_other_thread", atoll_vmenter(false),
                               ATOLL_VMENTER_NO_VCPU);
    TEST_EQ("vmx.core1_reads_page", remote_run(), VMX_EXIT_VMCALL);
    TEST_EQ("vmx.unmap_on_core0", atoll_guest_space_unmap_frame(g->gs, data).code, ATOLL_OK);
    TEST_EQ("vmx.core1_sees_unmap", remote_run(), VMX_EXIT_EPT_VIOLATION);
    remote_command = REMOTE_QUIT;
    for (unsigned i = 0; i < REMOTE_POLLS / 100; i++)
        vmx_yield();
    TEST_EQ("vmx.vcpu_back_to_init", atoll_vcpu_bind_tcb(g->vcpu, TCB).code, ATOLL_OK);
    vmx_delete_cap(tcb);
    atoll_frame_unmap(ipc);
}

static void test_teardown(struct guest *g)
{
    TEST_EQ("vmx.delete_vcpu", vmx_delete_cap(g->vcpu).code, ATOLL_OK);
    vmx_expect_vmenter_failure("vmx.vmenter_after_vcpu_deleted_fails", atoll_vmenter(false),
                               ATOLL_VMENTER_NO_VCPU);
    /* A second VCPU in a deleted GuestSpace has none. */
    uint64_t v2;
    TEST_EQ("vmx.second_vcpu", vmx_make(ATOLL_OBJECT_VCPU, &v2).code, ATOLL_OK);
    atoll_vcpu_bind_tcb(v2, TCB);
    atoll_vcpu_set_guest_space(v2, g->gs);
    TEST_EQ("vmx.delete_guest_space", vmx_delete_cap(g->gs).code, ATOLL_OK);
    vmx_expect_vmenter_failure("vmx.vmenter_after_guest_space_deleted_fails", atoll_vmenter(false),
                               ATOLL_VMENTER_NO_GUEST_SPACE);
    TEST_EQ("vmx.frame_unmap_after_guest_space_gone", atoll_frame_unmap(g->code_gs).code, ATOLL_OK);
    atoll_frame_unmap(g->code);
    TEST_EQ("vmx.revoke_untyped", atoll_cnode_slot_op(ATOLL_CNODE_REVOKE, ROOT, ut, DEPTH).code,
            ATOLL_OK);
    vmx_expect_vmenter_failure("vmx.vmenter_after_revoke_fails", atoll_vmenter(false),
                               ATOLL_VMENTER_NO_VCPU);
}

void tests_vmx(const struct atoll_bootinfo *bi)
{
    bool have_untyped = vmx_slots_begin(bi, SLOTS_FROM, SLOTS_COUNT, UT_BITS, "vmx.setup_untyped");
    if (!have_untyped)
        return;
    if (!(bi->features & ATOLL_BOOTINFO_FEATURE_VMX)) {
        printf("init: vmx: skipped, VT-x is off (see the kernel's vmx= line)\n");
        test_refused();
        return;
    }
    struct guest g;
    if (!build(&g))
        return;
    test_guest_space(&g);
    test_exits(&g);
    test_injection(&g);
    test_report_guest();
    test_other_core(&g, bi->cpus);
    measure_baselines();
    measure("cpuid", STEP_LOOP, VMX_EXIT_CPUID);
    measure("io", STEP_IO_LOOP, VMX_EXIT_IO);
    test_long_run(false);
    test_long_run(true);
    test_teardown(&g);
}
