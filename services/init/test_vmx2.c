/* The second VT-x test group (issue 7): the I/O and MSR bitmaps and the
 * invocations that open them, interrupt- and NMI-window exits, the
 * guest's own FPU state, the TSC offset, and hostile guests (VMX
 * instructions, WRMSR of host MSRs, every I/O port, memory it does not
 * have, a loop with interrupts off that its VMM stops after a few ticks or
 * on a signal, a triple fault), each ending at its VMM while a second VM
 * with its own VMM thread on core 1 runs its program meanwhile; then four
 * VMs with four VMM threads on two cores. The
 * guests are images/guests/vmx2.asm and report.asm. Only where VT-x is on
 * (Bochs). Slots [empty_first + 6400, + 6912). */
#include <stdbool.h>

#include "tests.h"
#include "test.h"
#include "test_vmx.h"
#include "vcpu.h"
#include "vspace.h"
/* Hardware numbers (SDM): exit reasons, qualifications, VMCS encodings. */
#include "atoll/irq.h"
#include "atoll/tcb.h"
#include "../../vtx/vmcs_fields.h"
#include "../../vtx/vmx_exit.h"

#define ROOT   VMX_ROOT
#define DEPTH  VMX_DEPTH
#define VSPACE ATOLL_SLOT_ROOT_VSPACE

#define SLOTS_FROM  6400
#define SLOTS_COUNT 512
#define UT_BITS     20 /* six 32 KiB VCPUs, their EPT, frames, threads */

/* Free in the root task's VSpace (PML4 entry 98): the VMM's view of the
 * guests' pages and the second VMM's IPC buffer. */
#define VMM2_VA     UINT64_C(0x0000310000000000)
#define A_CODE_VA   VMM2_VA
#define A_IVT_VA    (VMM2_VA + UINT64_C(0x1000))
#define B_CODE_VA   (VMM2_VA + UINT64_C(0x2000))
#define B_IPC_VA    (VMM2_VA + UINT64_C(0x3000))
#define SIG_IPC_VA  (VMM2_VA + UINT64_C(0x4000))
#define CODE_GPA    UINT64_C(0x1000) /* vmx2.asm's CODE_GPA */
#define B_CORE      1
#define B_PRIORITY  200
#define B_STACK     4096
#define B_POLLS     400000u
#define GUEST_STACK 0x800
#define RFLAGS_IF   (UINT64_C(1) << 9)

/* vmx2.asm's numbers. */
#define PASS_PORT   0x80
#define PASS_LAST   0x83
#define FAR_READ    UINT64_C(0x80000000)
#define FAR_WRITE   UINT64_C(0xfffff000)
#define FS_VALUE    UINT64_C(0x12345000)
#define MSR_EFER    0xc0000080u
#define MSR_TSC     0x10u
#define MSR_FS_BASE 0xc0000100u
#define MSR_GS_BASE 0xc0000101u
#define IO_PORTS    0x10000u
/* Guest control-register bits and the flat segments' selectors (no GDT
 * behind them: the VMM writes the segment registers' hidden parts). */
#define CR0_PE_BIT         (UINT64_C(1) << 0)
#define CR4_OSFXSR_BIT     (UINT64_C(1) << 9)
#define FLAT_CODE_SELECTOR 0x08
#define FLAT_DATA_SELECTOR 0x10

/* In the order of guest_vmx2_offsets[] in vmx2.asm. */
enum vmx2_step {
    S_IO,
    S_IO_WORD,
    S_IO_DWORD,
    S_IO_BELOW,
    S_IO_DONE,
    S_MSR,
    S_MSR_TSC_WRITE,
    S_MSR_EFER_READ,
    S_MSR_DONE,
    S_WINDOW,
    S_WINDOW_ASKED,
    S_WINDOW_OPEN,
    S_HANDLER,
    S_FPU,
    S_FPU_STORED,
    S_FPU_READ,
    S_VMXON,
    S_VMREAD,
    S_MSRS,
    S_MSR_WRITE,
    S_MSRS_DONE,
    S_PROBE,
    S_PROBE_IN,
    S_PROBE_DONE,
    S_FAR_READ,
    S_FAR_WRITE,
    S_FAR_DONE,
    S_CLI_LOOP,
    S_CLI_SPIN,
    S_TRIPLE,
    S_MSR_LIST,
    S_MSR_LIST_END,
    S_MSR_FS_WRITE,
    S_TSC,
    S_TSC_READ,
    S_COUNT,
};

extern const uint8_t guest_vmx2_start[], guest_vmx2_end[];
extern const uint16_t guest_vmx2_offsets[S_COUNT];

static uint64_t rip(enum vmx2_step s)
{
    return CODE_GPA + guest_vmx2_offsets[s];
}

struct vm {
    uint64_t vcpu, gs, pdpt, pd, pt;
    uint64_t code;    /* mapped into init */
    uint64_t code_gs; /* a copy, mapped into the guest at CODE_GPA */
};

/* A VCPU in its own GuestSpace with `size` bytes of `image` at guest-
 * physical CODE_GPA + offset (init sees the page at `va`). */
static bool build_vm(struct vm *v, uint64_t va, const uint8_t *image, size_t size, size_t offset)
{
    bool ok = vmx_make(ATOLL_OBJECT_VCPU, &v->vcpu).code == ATOLL_OK &&
              vmx_make(ATOLL_OBJECT_GUEST_SPACE, &v->gs).code == ATOLL_OK &&
              vmx_make(ATOLL_OBJECT_EPT_PDPT, &v->pdpt).code == ATOLL_OK &&
              vmx_make(ATOLL_OBJECT_EPT_PD, &v->pd).code == ATOLL_OK &&
              vmx_make(ATOLL_OBJECT_EPT_PT, &v->pt).code == ATOLL_OK &&
              vmx_make(ATOLL_OBJECT_FRAME_4K, &v->code).code == ATOLL_OK;
    v->code_gs = vmx_slot();
    ok = ok && vmx_copy_cap(v->code_gs, v->code).code == ATOLL_OK &&
         atoll_guest_space_map_table(v->gs, v->pdpt, 0).code == ATOLL_OK &&
         atoll_guest_space_map_table(v->gs, v->pd, 0).code == ATOLL_OK &&
         atoll_guest_space_map_table(v->gs, v->pt, 0).code == ATOLL_OK &&
         atoll_frame_map(v->code, VSPACE, va, ATOLL_RIGHTS_RW, 0).code == ATOLL_OK &&
         atoll_guest_space_map_frame(v->gs, v->code_gs, CODE_GPA, ATOLL_RIGHTS_RW,
                                     ATOLL_VM_EXECUTABLE)
                 .code == ATOLL_OK &&
         atoll_vcpu_set_guest_space(v->vcpu, v->gs).code == ATOLL_OK;
    if (ok)
        memcpy((void *)(va + offset), image, size);
    return ok;
}

/* One exit with the reason and RIP wanted. */
static bool expect_exit(const char *name, struct atoll_error_detail e, uint64_t reason,
                        enum vmx2_step at)
{
    return vmx_expect_exit(name, e, reason, rip(at));
}

/* Runs from `at` (interrupts off, fresh stack). */
static struct atoll_error_detail run_from(enum vmx2_step at, uint64_t flags)
{
    uint64_t *m = vmx_msg();
    m[ATOLL_VMEXIT_RIP] = rip(at);
    m[ATOLL_VMEXIT_RFLAGS] = 0;
    m[ATOLL_VMEXIT_RSP] = GUEST_STACK;
    return atoll_vmenter_flags(true, flags);
}

/* Past the instruction that exited. */
static struct atoll_error_detail skip(void)
{
    uint64_t *m = vmx_msg();
    m[ATOLL_VMEXIT_RIP] += m[ATOLL_VMEXIT_INSTRUCTION_LENGTH];
    return atoll_vmenter(true);
}

static bool io_exit_is(uint64_t port, uint64_t size, bool in)
{
    uint64_t q = vmx_msg()[ATOLL_VMEXIT_QUALIFICATION];
    return q >> VMX_IO_PORT_SHIFT == port && (q & VMX_IO_SIZE_MASK) == size - 1 &&
           ((q & VMX_IO_DIRECTION_IN) != 0) == in;
}

static struct atoll_error_detail ioport_issue(uint64_t dest, uint64_t first, uint64_t last)
{
    uint64_t w[ATOLL_IOPORT_ISSUE_ARGS] = {dest, DEPTH, first, last};
    uint64_t root = ROOT;
    return atoll_invoke(ATOLL_SLOT_IOPORT_CONTROL, ATOLL_IOPORT_CONTROL_ISSUE, w,
                        ATOLL_IOPORT_ISSUE_ARGS, &root, 1);
}

/* ---- I/O bitmap */

static void test_io_bitmap(struct vm *a)
{
    uint64_t io = vmx_slot();
    TEST_EQ("vmx2.issue_ioports", ioport_issue(io, PASS_PORT, PASS_LAST).code, ATOLL_OK);
    vmx_expect_error("vmx2.io_pass_without_capability_truncated",
                     atoll_invoke(a->vcpu, ATOLL_VCPU_SET_IO_PORTS,
                                  (uint64_t[]){PASS_PORT, PASS_LAST, ATOLL_VCPU_PASS},
                                  ATOLL_VCPU_SET_IO_PORTS_ARGS, NULL, 0),
                     ATOLL_ERR_TRUNCATED_MESSAGE, 0);
    vmx_expect_error("vmx2.io_pass_beyond_capability_refused",
                     atoll_vcpu_set_io_ports(a->vcpu, PASS_PORT, PASS_LAST + 1, true, io),
                     ATOLL_ERR_INVALID_CAPABILITY, 0);
    vmx_expect_error("vmx2.io_pass_with_frame_refused",
                     atoll_vcpu_set_io_ports(a->vcpu, PASS_PORT, PASS_LAST, true, a->code),
                     ATOLL_ERR_INVALID_CAPABILITY, 0);
    vmx_expect_error("vmx2.io_reversed_range",
                     atoll_vcpu_set_io_ports(a->vcpu, PASS_LAST, PASS_PORT, true, io),
                     ATOLL_ERR_RANGE_ERROR, ATOLL_VCPU_ARG_LAST);
    vmx_expect_error("vmx2.io_port_beyond_0xffff",
                     atoll_vcpu_set_io_ports(a->vcpu, IO_PORTS, IO_PORTS, false, 0),
                     ATOLL_ERR_RANGE_ERROR, ATOLL_VCPU_ARG_FIRST);
    vmx_expect_error("vmx2.io_bad_pass_value",
                     atoll_invoke(a->vcpu, ATOLL_VCPU_SET_IO_PORTS,
                                  (uint64_t[]){PASS_PORT, PASS_LAST, 2},
                                  ATOLL_VCPU_SET_IO_PORTS_ARGS, &io, 1),
                     ATOLL_ERR_INVALID_ARGUMENT, ATOLL_VCPU_ARG_PASS);
    TEST_EQ("vmx2.io_pass", atoll_vcpu_set_io_ports(a->vcpu, PASS_PORT, PASS_LAST, true, io).code,
            ATOLL_OK);

    /* Two accesses inside the range pass; the first exit is the word
     * that reaches one port beyond it. */
    if (!expect_exit("vmx2.passed_ports_do_not_exit", run_from(S_IO, 0), VMX_EXIT_IO, S_IO_WORD))
        return;
    TEST_EQ("vmx2.io_word_straddling_exits", io_exit_is(PASS_LAST, 2, false), true);
    if (expect_exit("vmx2.io_dword_exit", skip(), VMX_EXIT_IO, S_IO_DWORD))
        TEST_EQ("vmx2.io_dword_in_size_4", io_exit_is(PASS_LAST + 1, 4, true), true);
    if (expect_exit("vmx2.io_below_range_exit", skip(), VMX_EXIT_IO, S_IO_BELOW))
        TEST_EQ("vmx2.io_below_in_size_1", io_exit_is(PASS_PORT - 1, 1, true), true);
    expect_exit("vmx2.io_program_done", skip(), VMX_EXIT_VMCALL, S_IO_DONE);

    /* The ports go back to their owner: the guest exits on them again. */
    TEST_EQ("vmx2.delete_ioport_cap", vmx_delete_cap(io).code, ATOLL_OK);
    if (expect_exit("vmx2.revoked_ports_exit_again", run_from(S_IO, 0), VMX_EXIT_IO, S_IO))
        TEST_EQ("vmx2.revoked_port_out_size_1", io_exit_is(PASS_PORT, 1, false), true);
}

/* ---- MSR bitmap */

struct refused_msr {
    const char *name;
    uint64_t first, last, access, code, argument, value0;
};

static void test_msr_bitmap(struct vm *a)
{
    const uint64_t rw = ATOLL_VCPU_MSR_READ | ATOLL_VCPU_MSR_WRITE;
    const uint64_t illegal = ATOLL_ERR_ILLEGAL_OPERATION, access = ATOLL_VCPU_ARG_ACCESS;
    static const struct refused_msr refused[] = {
        {"vmx2.msr_efer_refused", MSR_EFER, MSR_EFER, ATOLL_VCPU_MSR_READ, 0, 0, 0},
        {"vmx2.msr_lstar_refused", 0xc0000082, 0xc0000082, ATOLL_VCPU_MSR_WRITE, 0, 0, 0},
        {"vmx2.msr_kernel_gs_base_refused", 0xc0000102, 0xc0000102, 3, 0, 0, 0},
        {"vmx2.msr_range_reaching_kernel_gs_refused", MSR_FS_BASE, 0xc0000102, 3, 0, 0, 0xc0000102},
        {"vmx2.msr_feature_control_refused", 0x3a, 0x3a, ATOLL_VCPU_MSR_READ, 0, 0, 0},
        {"vmx2.msr_apic_base_refused", 0x1b, 0x1b, 3, 0, 0, 0},
        {"vmx2.msr_vmx_basic_refused", 0x480, 0x480, ATOLL_VCPU_MSR_READ, 0, 0, 0},
        {"vmx2.msr_debugctl_refused", 0x1d9, 0x1d9, 3, 0, 0, 0},
        {"vmx2.msr_spec_ctrl_refused", 0x48, 0x48, 3, 0, 0, 0},
        {"vmx2.msr_pat_refused", 0x277, 0x277, 3, 0, 0, 0},
        {"vmx2.msr_tsc_write_refused", MSR_TSC, MSR_TSC, ATOLL_VCPU_MSR_WRITE, 0, 0, 0},
        {"vmx2.msr_x2apic_refused", 0x800, 0x8ff, ATOLL_VCPU_MSR_READ, 0, 0, 0x800},
        {"vmx2.msr_outside_bitmap_range", 0x2000, 0x2000, 0, ATOLL_ERR_RANGE_ERROR,
         ATOLL_VCPU_ARG_FIRST, 0},
        {"vmx2.msr_range_across_bitmap_halves", 0x1fff, MSR_EFER, 0, ATOLL_ERR_RANGE_ERROR,
         ATOLL_VCPU_ARG_LAST, 0},
        {"vmx2.msr_unknown_access_bits", MSR_FS_BASE, MSR_FS_BASE, 4, ATOLL_ERR_INVALID_ARGUMENT,
         ATOLL_VCPU_ARG_ACCESS, 0},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        const struct refused_msr *r = &refused[i];
        struct atoll_error_detail e = atoll_vcpu_set_msrs(a->vcpu, r->first, r->last, r->access);
        uint64_t code = r->code ? r->code : illegal, argument = r->code ? r->argument : access;
        uint64_t value0 = r->value0 ? r->value0 : r->first;
        test_result(r->name,
                    e.code == code && e.argument == argument &&
                        (code != illegal || e.value0 == value0),
                    "expected error %lu on %lu (msr 0x%lx), got %lu on %lu (0x%lx)", code, argument,
                    value0, e.code, e.argument, e.value0);
    }
    TEST_EQ("vmx2.msr_fs_gs_base_pass",
            atoll_vcpu_set_msrs(a->vcpu, MSR_FS_BASE, MSR_GS_BASE, rw).code, ATOLL_OK);
    TEST_EQ("vmx2.msr_tsc_read_pass",
            atoll_vcpu_set_msrs(a->vcpu, MSR_TSC, MSR_TSC, ATOLL_VCPU_MSR_READ).code, ATOLL_OK);

    uint64_t *m = vmx_msg();
    if (expect_exit("vmx2.msr_passed_ones_do_not_exit", run_from(S_MSR, 0), VMX_EXIT_WRMSR,
                    S_MSR_TSC_WRITE))
        TEST_EQ("vmx2.msr_tsc_write_exits_with_ecx", m[ATOLL_VMEXIT_RCX] & 0xffffffff, MSR_TSC);
    if (expect_exit("vmx2.msr_efer_read_exits", skip(), VMX_EXIT_RDMSR, S_MSR_EFER_READ))
        TEST_EQ("vmx2.msr_efer_read_ecx", m[ATOLL_VMEXIT_RCX] & 0xffffffff, MSR_EFER);
    m[ATOLL_VMEXIT_RAX] = m[ATOLL_VMEXIT_RDX] = 0;
    if (!expect_exit("vmx2.msr_program_done", skip(), VMX_EXIT_VMCALL, S_MSR_DONE))
        return;
    TEST_EQ("vmx2.msr_guest_read_back_fs_base", m[ATOLL_VMEXIT_RBX] & 0xffffffff, FS_VALUE);
    uint64_t fs = 0;
    atoll_vcpu_read_vmcs(a->vcpu, VMCS_GUEST_FS_BASE, &fs);
    TEST_EQ("vmx2.msr_fs_base_write_landed_in_vmcs", fs, FS_VALUE);
    TEST_EQ("vmx2.msr_close_again", atoll_vcpu_set_msrs(a->vcpu, MSR_FS_BASE, MSR_GS_BASE, 0).code,
            ATOLL_OK);
    if (expect_exit("vmx2.msr_closed_exits_again", run_from(S_MSR, 0), VMX_EXIT_WRMSR,
                    S_MSR_FS_WRITE))
        TEST_EQ("vmx2.msr_closed_fs_base_ecx", m[ATOLL_VMEXIT_RCX] & 0xffffffff, MSR_FS_BASE);
}

/* ---- Interrupt and NMI windows, through the real-mode IVT at GPA 0 */

#define WINDOW_VECTOR       0x41
#define NMI_VECTOR          2
#define REAL_MODE_IVT_LIMIT 0x3ff

static bool inject(struct vm *a, uint64_t type, uint64_t vector)
{
    return atoll_vcpu_write_vmcs(a->vcpu, VMCS_ENTRY_INTR_INFO,
                                 INTR_INFO_VALID | (type << INTR_INFO_TYPE_SHIFT) | vector)
               .code == ATOLL_OK;
}

static void test_windows(struct vm *a)
{
    uint64_t ivt = 0, ivt_gs = vmx_slot();
    bool ok =
        vmx_make(ATOLL_OBJECT_FRAME_4K, &ivt).code == ATOLL_OK &&
        vmx_copy_cap(ivt_gs, ivt).code == ATOLL_OK &&
        atoll_frame_map(ivt, VSPACE, A_IVT_VA, ATOLL_RIGHTS_RW, 0).code == ATOLL_OK &&
        atoll_guest_space_map_frame(a->gs, ivt_gs, 0, ATOLL_RIGHTS_RW, 0).code == ATOLL_OK &&
        atoll_vcpu_write_vmcs(a->vcpu, VMCS_GUEST_IDTR_BASE, 0).code == ATOLL_OK &&
        atoll_vcpu_write_vmcs(a->vcpu, VMCS_GUEST_IDTR_LIMIT, REAL_MODE_IVT_LIMIT).code == ATOLL_OK;
    TEST_EQ("vmx2.ivt_mapped", ok, true);
    if (!ok)
        return;
    volatile uint16_t *page = (volatile uint16_t *)A_IVT_VA;
    page[WINDOW_VECTOR * 2] = (uint16_t)rip(S_HANDLER); /* IP; CS stays 0 */
    page[NMI_VECTOR * 2] = (uint16_t)rip(S_HANDLER);
    uint64_t *m = vmx_msg();

    vmx_expect_error("vmx2.vmenter_unknown_flag",
                     atoll_vmenter_flags(false, ATOLL_VMENTER_FLAGS + 1),
                     ATOLL_ERR_INVALID_ARGUMENT, 0);
    /* Interrupts off: asking for the window must not exit before STI. */
    if (!expect_exit("vmx2.window_guest_runs_with_if_clear", run_from(S_WINDOW, 0), VMX_EXIT_VMCALL,
                     S_WINDOW_ASKED))
        return;
    m[ATOLL_VMEXIT_RIP] += m[ATOLL_VMEXIT_INSTRUCTION_LENGTH];
    if (!expect_exit("vmx2.interrupt_window_after_sti_shadow",
                     atoll_vmenter_flags(true, ATOLL_VMENTER_INTERRUPT_WINDOW),
                     VMX_EXIT_INTERRUPT_WINDOW, S_WINDOW_OPEN))
        return;
    TEST_EQ("vmx2.window_guest_if_set", m[ATOLL_VMEXIT_RFLAGS] & RFLAGS_IF, RFLAGS_IF);
    TEST_EQ("vmx2.inject_in_window", inject(a, INTR_TYPE_EXTERNAL, WINDOW_VECTOR), true);
    if (expect_exit("vmx2.injected_handler_runs", atoll_vmenter(false), VMX_EXIT_VMCALL, S_HANDLER))
        TEST_EQ("vmx2.handler_interrupted_window_rip", page[(m[ATOLL_VMEXIT_RSP] & 0xffff) / 2],
                rip(S_WINDOW_OPEN));

    /* No NMI blocking: the NMI window is open at once. */
    struct atoll_error_detail e = run_from(S_WINDOW_OPEN, ATOLL_VMENTER_NMI_WINDOW);
    if (e.code == ATOLL_ERR_ILLEGAL_OPERATION && e.value0 == ATOLL_VMENTER_NO_NMI_WINDOW) {
        printf("init: vmx2: this CPU has no NMI-window exiting (refused cleanly)\n");
    } else if (expect_exit("vmx2.nmi_window_exit", e, VMX_EXIT_NMI_WINDOW, S_WINDOW_OPEN)) {
        TEST_EQ("vmx2.inject_nmi", inject(a, INTR_TYPE_NMI, NMI_VECTOR), true);
        expect_exit("vmx2.injected_nmi_handler_runs", atoll_vmenter(false), VMX_EXIT_VMCALL,
                    S_HANDLER);
    }
    atoll_guest_space_unmap_frame(a->gs, ivt_gs);
    atoll_frame_unmap(ivt);
}

/* ---- The guest's FPU state against the VMM's */

#define GUEST_XMM0 UINT64_C(0x11112222)
#define GUEST_XMM5 UINT64_C(0x33334444)

static void test_fpu(struct vm *a)
{
    uint64_t cr4 = 0;
    bool ok = atoll_vcpu_read_vmcs(a->vcpu, VMCS_GUEST_CR4, &cr4).code == ATOLL_OK &&
              atoll_vcpu_write_vmcs(a->vcpu, VMCS_GUEST_CR4, cr4 | CR4_OSFXSR_BIT).code == ATOLL_OK;
    TEST_EQ("vmx2.guest_sse_enabled", ok, true);
    uint64_t *m = vmx_msg();
    m[ATOLL_VMEXIT_RAX] = GUEST_XMM0;
    m[ATOLL_VMEXIT_RBX] = GUEST_XMM5;
    if (!expect_exit("vmx2.guest_filled_xmm", run_from(S_FPU, 0), VMX_EXIT_VMCALL, S_FPU_STORED))
        return;
    atoll_vcpu_write_vmcs(a->vcpu, VMCS_GUEST_RIP,
                          m[ATOLL_VMEXIT_RIP] + m[ATOLL_VMEXIT_INSTRUCTION_LENGTH]);
    /* The VMM's own XMM0 and XMM5 hold other values across the VMEnter
     * (resume, length 0, no flags) in which the guest reads its own. */
    static const uint64_t mine[4] = {UINT64_C(0xa5a5a5a5a5a5a5a5), UINT64_C(0x5a5a5a5a5a5a5a5a),
                                     UINT64_C(0x0123456789abcdef), UINT64_C(0xfedcba9876543210)};
    uint64_t after[4] = {0};
    uint64_t error;
    __asm__ volatile("movdqu (%[in]), %%xmm0\n\t"
                     "movdqu 16(%[in]), %%xmm5\n\t"
                     "xorl %%esi, %%esi\n\t"
                     "xorl %%edi, %%edi\n\t"
                     "syscall\n\t"
                     "movdqu %%xmm0, (%[out])\n\t"
                     "movdqu %%xmm5, 16(%[out])\n\t"
                     : "=a"(error)
                     : [in] "r"(mine), [out] "r"(after), "0"((uint64_t)ATOLL_SYS_VMENTER)
                     : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "xmm0", "xmm5",
                       "memory");
    TEST_EQ("vmx2.fpu_vmenter_ok", error, ATOLL_OK);
    test_result("vmx2.vmm_xmm_kept", memcmp(mine, after, sizeof mine) == 0,
                "the VMM's XMM0/XMM5 changed across VMEnter: %lx %lx %lx %lx", after[0], after[1],
                after[2], after[3]);
    if (m[ATOLL_VMEXIT_REASON] == VMX_EXIT_VMCALL && m[ATOLL_VMEXIT_RIP] == rip(S_FPU_READ)) {
        TEST_EQ("vmx2.guest_xmm0_kept", m[ATOLL_VMEXIT_RAX] & 0xffffffff, GUEST_XMM0);
        TEST_EQ("vmx2.guest_xmm5_kept", m[ATOLL_VMEXIT_RBX] & 0xffffffff, GUEST_XMM5);
    } else {
        test_result("vmx2.guest_read_its_xmm", 0, "exit 0x%lx at 0x%lx", m[ATOLL_VMEXIT_REASON],
                    m[ATOLL_VMEXIT_RIP]);
    }
}

/* ---- The guest's TSC offset */

#define TSC_OFFSET (UINT64_C(1) << 56) /* far above any TSC this boot reaches */

static uint64_t guest_tsc(void)
{
    uint64_t *m = vmx_msg();
    if (!expect_exit("vmx2.tsc_read_exit", run_from(S_TSC, 0), VMX_EXIT_VMCALL, S_TSC_READ))
        return 0;
    return (m[ATOLL_VMEXIT_RDX] & 0xffffffff) << 32 | (m[ATOLL_VMEXIT_RAX] & 0xffffffff);
}

static void test_tsc_offset(struct vm *a)
{
    uint64_t before = vmx_tsc();
    uint64_t t = guest_tsc();
    test_result("vmx2.tsc_without_offset_is_the_host_tsc", t >= before && t < vmx_tsc(),
                "guest read 0x%lx, host between 0x%lx and now", t, before);
    TEST_EQ("vmx2.tsc_offset_written",
            atoll_vcpu_write_vmcs(a->vcpu, VMCS_TSC_OFFSET, TSC_OFFSET).code, ATOLL_OK);
    before = vmx_tsc();
    t = guest_tsc();
    test_result("vmx2.tsc_offset_added", t >= before + TSC_OFFSET && t < vmx_tsc() + TSC_OFFSET,
                "guest read 0x%lx, expected the host TSC (0x%lx..) plus 0x%lx", t, before,
                TSC_OFFSET);
    uint64_t host = vmx_tsc();
    test_result("vmx2.tsc_offset_not_on_the_host", host < TSC_OFFSET, "host TSC 0x%lx", host);
    atoll_vcpu_write_vmcs(a->vcpu, VMCS_TSC_OFFSET, 0);
}

/* ---- The second VM: report.asm in a loop, on core 1, its own VMM */

enum vm_b_command { B_IDLE, B_RUN, B_STOP, B_STOPPED };
static volatile uint64_t b_command, b_rounds, b_bad;
static _Alignas(16) uint8_t b_stack[B_STACK];

static void vm_b_vmm(uint64_t arg)
{
    (void)arg;
    struct atoll_ipc_buffer *buf = (struct atoll_ipc_buffer *)B_IPC_VA;
    while (b_command == B_IDLE)
        vmx_yield();
    while (b_command == B_RUN) {
        char out[VMX_REPORT_MAX];
        bool unexpected;
        vmx_run_report_guest(buf, out, &unexpected);
        if (!unexpected && strcmp(out, VMX_REPORT_EXPECTED) == 0)
            b_rounds++;
        else
            b_bad++;
    }
    b_command = B_STOPPED;
    atoll_debug_exit(0);
}

static bool start_vm_b(struct vm *b, uint64_t *tcb, uint64_t *ipc)
{
    size_t size = (size_t)(guest_report_end - guest_report_start);
    bool ok =
        build_vm(b, B_CODE_VA, guest_report_start, size, VMX_REPORT_GPA - CODE_GPA) &&
        vmx_start_thread(B_CORE, B_PRIORITY, B_IPC_VA, vm_b_vmm, 0, b_stack + B_STACK, tcb, ipc) &&
        atoll_vcpu_bind_tcb(b->vcpu, *tcb).code == ATOLL_OK;
    TEST_EQ("vmx2.second_vm_started", ok, true);
    if (ok)
        b_command = B_RUN;
    /* Its first round, so that "meanwhile" below means something. */
    for (unsigned i = 0; ok && i < B_POLLS && b_rounds + b_bad == 0; i++)
        vmx_yield();
    return ok;
}

/* ---- Hostile guest, 32-bit protected mode without paging */

static bool protected_mode(struct vm *a)
{
    const uint64_t code =
        VMX_AR_TYPE_CODE_RX_ACCESSED | VMX_AR_S | VMX_AR_PRESENT | VMX_AR_DB | VMX_AR_GRANULARITY;
    const uint64_t data =
        VMX_AR_TYPE_DATA_RW_ACCESSED | VMX_AR_S | VMX_AR_PRESENT | VMX_AR_DB | VMX_AR_GRANULARITY;
    static const uint32_t data_segments[][4] = {
        {VMCS_GUEST_DS_SEL, VMCS_GUEST_DS_BASE, VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_AR},
        {VMCS_GUEST_ES_SEL, VMCS_GUEST_ES_BASE, VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_AR},
        {VMCS_GUEST_SS_SEL, VMCS_GUEST_SS_BASE, VMCS_GUEST_SS_LIMIT, VMCS_GUEST_SS_AR},
        {VMCS_GUEST_FS_SEL, VMCS_GUEST_FS_BASE, VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_AR},
        {VMCS_GUEST_GS_SEL, VMCS_GUEST_GS_BASE, VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_AR},
    };
    uint64_t cr0 = 0;
    bool ok =
        atoll_vcpu_read_vmcs(a->vcpu, VMCS_GUEST_CR0, &cr0).code == ATOLL_OK &&
        atoll_vcpu_write_vmcs(a->vcpu, VMCS_GUEST_CR0, cr0 | CR0_PE_BIT).code == ATOLL_OK &&
        atoll_vcpu_write_vmcs(a->vcpu, VMCS_GUEST_CS_SEL, FLAT_CODE_SELECTOR).code == ATOLL_OK &&
        atoll_vcpu_write_vmcs(a->vcpu, VMCS_GUEST_CS_BASE, 0).code == ATOLL_OK &&
        atoll_vcpu_write_vmcs(a->vcpu, VMCS_GUEST_CS_LIMIT, UINT32_MAX).code == ATOLL_OK &&
        atoll_vcpu_write_vmcs(a->vcpu, VMCS_GUEST_CS_AR, code).code == ATOLL_OK;
    for (size_t i = 0; i < sizeof data_segments / sizeof data_segments[0]; i++) {
        const uint32_t *f = data_segments[i];
        ok = ok && atoll_vcpu_write_vmcs(a->vcpu, f[0], FLAT_DATA_SELECTOR).code == ATOLL_OK &&
             atoll_vcpu_write_vmcs(a->vcpu, f[1], 0).code == ATOLL_OK &&
             atoll_vcpu_write_vmcs(a->vcpu, f[2], UINT32_MAX).code == ATOLL_OK &&
             atoll_vcpu_write_vmcs(a->vcpu, f[3], data).code == ATOLL_OK;
    }
    return ok;
}

/* Writes every MSR of its list: each must exit with that number in ECX;
 * the VMM refuses it (skips the instruction). */
static void hostile_msrs(void)
{
    const uint32_t *list = (const uint32_t *)(A_CODE_VA + guest_vmx2_offsets[S_MSR_LIST]);
    unsigned count = (guest_vmx2_offsets[S_MSR_LIST_END] - guest_vmx2_offsets[S_MSR_LIST]) / 4;
    uint64_t *m = vmx_msg();
    struct atoll_error_detail e = run_from(S_MSRS, 0);
    unsigned exits = 0, wrong = 0;
    while (e.code == ATOLL_OK && m[ATOLL_VMEXIT_REASON] == VMX_EXIT_WRMSR && exits < count) {
        if (m[ATOLL_VMEXIT_RIP] != rip(S_MSR_WRITE) ||
            (m[ATOLL_VMEXIT_RCX] & 0xffffffff) != list[exits])
            wrong++;
        exits++;
        e = skip();
    }
    TEST_EQ("vmx2.hostile_every_wrmsr_exits", exits, count);
    TEST_EQ("vmx2.hostile_wrmsr_numbers_as_written", wrong, 0);
    expect_exit("vmx2.hostile_wrmsr_list_done", e, VMX_EXIT_VMCALL, S_MSRS_DONE);
    printf("init: vmx2: hostile guest wrote %u MSRs, all exited and were refused\n", exits);
}

/* IN from every port: each exits, one byte, in order. */
static void hostile_probe(void)
{
    uint64_t *m = vmx_msg();
    struct atoll_error_detail e = run_from(S_PROBE, 0);
    unsigned exits = 0, wrong = 0;
    while (e.code == ATOLL_OK && m[ATOLL_VMEXIT_REASON] == VMX_EXIT_IO && exits < IO_PORTS) {
        if (m[ATOLL_VMEXIT_RIP] != rip(S_PROBE_IN) || !io_exit_is(exits, 1, true))
            wrong++;
        exits++;
        m[ATOLL_VMEXIT_RAX] |= 0xff; /* nothing there */
        e = skip();
    }
    TEST_EQ("vmx2.hostile_every_port_exits", exits, IO_PORTS);
    TEST_EQ("vmx2.hostile_port_exits_in_order", wrong, 0);
    expect_exit("vmx2.hostile_probe_done", e, VMX_EXIT_VMCALL, S_PROBE_DONE);
    printf("init: vmx2: hostile guest probed %u I/O ports, every one exited\n", exits);
}

#define CLI_LOOP_RETURNS 3

/* A signal ends the VMEnter of a guest that never exits: a thread on
 * core 1 signals init's bound notification (abort mask) while init's
 * guest loops with interrupts off. */
#define ABORT_BADGE  UINT64_C(0x200)
#define SIGNAL_DELAY UINT64_C(2000000) /* tsc ticks: the guest is looping by then */

static volatile uint64_t sig_go;
static uint64_t sig_cap;
static _Alignas(16) uint8_t sig_stack[B_STACK];

static void signaler(uint64_t arg)
{
    (void)arg;
    while (!sig_go)
        vmx_yield();
    uint64_t t0 = vmx_tsc();
    while (vmx_tsc() - t0 < SIGNAL_DELAY)
        __asm__ volatile("pause");
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    atoll_syscall(ATOLL_SYS_SIGNAL, sig_cap, 0, mr);
    atoll_debug_exit(0);
}

static void hostile_signal(uint64_t cpus)
{
    if (cpus < 2)
        return;
    uint64_t n = 0, tcb = 0, ipc = 0, mask = ABORT_BADGE, none = 0, root_tcb = ATOLL_SLOT_ROOT_TCB;
    sig_cap = vmx_slot();
    bool ok =
        vmx_make(ATOLL_OBJECT_NOTIFICATION, &n).code == ATOLL_OK &&
        atoll_cnode_copy_op(ATOLL_CNODE_MINT, ROOT, sig_cap, DEPTH, ROOT, n, DEPTH,
                            ATOLL_RIGHTS_ALL, ABORT_BADGE)
                .code == ATOLL_OK &&
        atoll_invoke(root_tcb, ATOLL_TCB_BIND_NOTIFICATION, NULL, 0, &n, 1).code == ATOLL_OK &&
        atoll_invoke(root_tcb, ATOLL_TCB_SET_ABORT_MASK, &mask, 1, NULL, 0).code == ATOLL_OK &&
        vmx_start_thread(B_CORE, B_PRIORITY, SIG_IPC_VA, signaler, 0, sig_stack + sizeof sig_stack,
                         &tcb, &ipc);
    TEST_EQ("vmx2.signal_setup", ok, true);
    if (!ok)
        return;
    uint64_t *m = vmx_msg();
    sig_go = 1;
    struct atoll_error_detail e = run_from(S_CLI_LOOP, 0);
    test_result("vmx2.signal_ends_vmenter_of_looping_guest",
                e.code == ATOLL_ERR_IPC_ABORTED && e.value0 == ABORT_BADGE,
                "expected IPC_ABORTED with 0x%lx, got error %lu with 0x%lx", ABORT_BADGE, e.code,
                e.value0);
    TEST_EQ("vmx2.signal_guest_stopped_in_its_loop", m[ATOLL_VMEXIT_RIP], rip(S_CLI_SPIN));
    /* The bits are consumed: the next run goes on (and comes back at the
     * next tick, as asked). */
    e = atoll_vmenter_flags(false, ATOLL_VMENTER_RETURN_HOST_EXITS);
    test_result("vmx2.signal_consumed_guest_resumes",
                e.code == ATOLL_OK && m[ATOLL_VMEXIT_RIP] == rip(S_CLI_SPIN),
                "got error %lu, exit 0x%lx at 0x%lx", e.code, m[ATOLL_VMEXIT_REASON],
                m[ATOLL_VMEXIT_RIP]);
    atoll_invoke(root_tcb, ATOLL_TCB_SET_ABORT_MASK, &none, 1, NULL, 0);
    atoll_invoke(root_tcb, ATOLL_TCB_UNBIND_NOTIFICATION, NULL, 0, NULL, 0);
    vmx_delete_cap(tcb);
    atoll_frame_unmap(ipc);
    printf("init: vmx2: a signal ended the VMEnter of a guest looping with interrupts off\n");
}

static void test_hostile(struct vm *a, struct vm *b, uint64_t cpus)
{
    uint64_t tcb = 0, ipc = 0;
    bool second = cpus >= 2 && start_vm_b(b, &tcb, &ipc);
    if (cpus < 2)
        printf("init: vmx2: the second VM needs 2 cores; this boot has %lu\n", cpus);
    uint64_t rounds_before = b_rounds;
    TEST_EQ("vmx2.hostile_protected_mode", protected_mode(a), true);
    uint64_t *m = vmx_msg();

    expect_exit("vmx2.hostile_vmxon_exits", run_from(S_VMXON, 0), VMX_EXIT_VMXON, S_VMXON);
    expect_exit("vmx2.hostile_vmread_exits", skip(), VMX_EXIT_VMREAD, S_VMREAD);
    hostile_msrs();
    hostile_probe();
    struct atoll_error_detail e = run_from(S_FAR_READ, 0);
    if (expect_exit("vmx2.hostile_far_read_exits", e, VMX_EXIT_EPT_VIOLATION, S_FAR_READ)) {
        TEST_EQ("vmx2.hostile_far_read_gpa", m[ATOLL_VMEXIT_GUEST_PHYSICAL], FAR_READ);
        TEST_EQ("vmx2.hostile_far_read_is_read",
                m[ATOLL_VMEXIT_QUALIFICATION] & (VMX_EPT_ACCESS_READ | VMX_EPT_ACCESS_WRITE),
                VMX_EPT_ACCESS_READ);
    }
    e = run_from(S_FAR_WRITE, 0);
    if (expect_exit("vmx2.hostile_far_write_exits", e, VMX_EXIT_EPT_VIOLATION, S_FAR_WRITE)) {
        TEST_EQ("vmx2.hostile_far_write_gpa", m[ATOLL_VMEXIT_GUEST_PHYSICAL], FAR_WRITE);
        TEST_EQ("vmx2.hostile_far_write_is_write",
                m[ATOLL_VMEXIT_QUALIFICATION] & VMX_EPT_ACCESS_WRITE, VMX_EPT_ACCESS_WRITE);
    }

    /* A loop with interrupts off never exits by itself: the preemption
     * timer ends each run, and with RETURN_HOST_EXITS the VMM hears of it
     * and can give up. */
    unsigned returns = 0, in_loop = 0;
    uint64_t b_before_loop = b_rounds, t_loop = vmx_tsc();
    e = run_from(S_CLI_LOOP, ATOLL_VMENTER_RETURN_HOST_EXITS);
    for (; e.code == ATOLL_OK && returns < CLI_LOOP_RETURNS; returns++) {
        uint64_t reason = m[ATOLL_VMEXIT_REASON];
        in_loop += (reason == VMX_EXIT_PREEMPTION_TIMER || reason == VMX_EXIT_EXTERNAL_INTERRUPT) &&
                   m[ATOLL_VMEXIT_RIP] == rip(S_CLI_SPIN) && m[ATOLL_VMEXIT_HOST_EXITS] >= 1 &&
                   !(m[ATOLL_VMEXIT_RFLAGS] & RFLAGS_IF);
        if (returns + 1 < CLI_LOOP_RETURNS)
            e = atoll_vmenter_flags(false, ATOLL_VMENTER_RETURN_HOST_EXITS);
    }
    TEST_EQ("vmx2.hostile_cli_loop_returns_to_vmm", in_loop, CLI_LOOP_RETURNS);
    /* The guest runs without the kernel lock: the VM on the other core
     * goes on while this one loops (under the lock it finished none). */
    if (cpus >= 2)
        test_result("vmx2.other_vm_runs_while_a_guest_loops", b_rounds > b_before_loop,
                    "the second VM finished no round in %u ticks", returns);
    printf("init: vmx2: hostile guest looping with interrupts off stopped by its VMM after %u "
           "ticks (%lu tsc ticks); the second VM finished %lu rounds meanwhile\n",
           returns, vmx_tsc() - t_loop, b_rounds - b_before_loop);
    hostile_signal(cpus);
    e = run_from(S_TRIPLE, 0);
    test_result("vmx2.hostile_triple_fault_exits",
                e.code == ATOLL_OK && m[ATOLL_VMEXIT_REASON] == VMX_EXIT_TRIPLE_FAULT,
                "expected exit %u, got error %lu exit 0x%lx", VMX_EXIT_TRIPLE_FAULT, e.code,
                m[ATOLL_VMEXIT_REASON]);
    printf("init: vmx2: hostile guest ended at its VMM (triple fault); kernel fine\n");

    if (!second)
        return;
    uint64_t rounds_during = b_rounds - rounds_before;
    b_command = B_STOP;
    for (unsigned i = 0; i < B_POLLS && b_command != B_STOPPED; i++)
        vmx_yield();
    TEST_EQ("vmx2.second_vm_stopped", b_command, B_STOPPED);
    TEST_EQ("vmx2.second_vm_never_wrong", b_bad, 0);
    test_result("vmx2.second_vm_ran_meanwhile", rounds_during > 0,
                "no round of the second VM finished during the hostile guest's run");
    printf("init: vmx2: the second VM (core %u) ran its program %lu times, %lu during the "
           "hostile guest\n",
           B_CORE, b_rounds, rounds_during);
    vmx_delete_cap(tcb);
    atoll_frame_unmap(ipc);
}

/* ---- Four VMs, each with its own VMM thread, on two cores */

#define FOUR_VMS       4
#define FOUR_ROUNDS    100u
#define FOUR_CODE_VA   (VMM2_VA + UINT64_C(0x10000))
#define FOUR_IPC_VA    (VMM2_VA + UINT64_C(0x20000))
#define FOUR_POLLS     2000000u
#define FOUR_PAGE_SIZE UINT64_C(0x1000)

struct four {
    struct vm vm;
    uint64_t tcb, ipc;
    volatile uint64_t rounds, bad, done;
    volatile uint64_t started_when_done; /* how many VMs had started when it ended */
    _Alignas(16) uint8_t stack[B_STACK];
};
static struct four four[FOUR_VMS];
static volatile uint64_t four_go, four_started;

/* report.asm FOUR_ROUNDS times in its own VM. */
static void four_vmm(uint64_t i)
{
    struct atoll_ipc_buffer *buf = (struct atoll_ipc_buffer *)(FOUR_IPC_VA + i * FOUR_PAGE_SIZE);
    while (!four_go)
        vmx_yield();
    __atomic_add_fetch(&four_started, 1, __ATOMIC_SEQ_CST);
    for (unsigned r = 0; r < FOUR_ROUNDS; r++) {
        char out[VMX_REPORT_MAX];
        bool unexpected;
        vmx_run_report_guest(buf, out, &unexpected);
        if (!unexpected && strcmp(out, VMX_REPORT_EXPECTED) == 0)
            four[i].rounds++;
        else
            four[i].bad++;
    }
    four[i].started_when_done = __atomic_load_n(&four_started, __ATOMIC_SEQ_CST);
    four[i].done = 1;
    atoll_debug_exit(0);
}

static void test_four_vms(uint64_t cpus)
{
    if (cpus < 2) {
        printf("init: vmx2: four VMs on two cores need 2 cores; this boot has %lu\n", cpus);
        return;
    }
    size_t size = (size_t)(guest_report_end - guest_report_start);
    bool ok = true;
    /* init's priority: on core 0 they share the core with init, which
     * waits for them by yielding. */
    for (uint64_t i = 0; ok && i < FOUR_VMS; i++) {
        struct four *f = &four[i];
        ok = build_vm(&f->vm, FOUR_CODE_VA + i * FOUR_PAGE_SIZE, guest_report_start, size,
                      VMX_REPORT_GPA - CODE_GPA) &&
             vmx_start_thread(i % 2, VMX_ROOT_PRIORITY, FOUR_IPC_VA + i * FOUR_PAGE_SIZE, four_vmm,
                              i, f->stack + sizeof f->stack, &f->tcb, &f->ipc) &&
             atoll_vcpu_bind_tcb(f->vm.vcpu, f->tcb).code == ATOLL_OK;
    }
    TEST_EQ("vmx2.four_vms_started", ok, true);
    if (!ok)
        return;
    uint64_t t0 = vmx_tsc();
    four_go = 1;
    unsigned done = 0;
    for (unsigned p = 0; p < FOUR_POLLS && done < FOUR_VMS; p++) {
        vmx_yield();
        done = 0;
        for (unsigned i = 0; i < FOUR_VMS; i++)
            done += four[i].done != 0;
    }
    TEST_EQ("vmx2.four_vms_all_finished", done, FOUR_VMS);
    uint64_t first_done_saw = FOUR_VMS;
    for (unsigned i = 0; i < FOUR_VMS; i++) {
        char name[48];
        snprintf(name, sizeof name, "vmx2.four_vms_%u_every_round_right", i);
        test_result(name, four[i].rounds == FOUR_ROUNDS && four[i].bad == 0,
                    "%lu good and %lu bad rounds of %u", four[i].rounds, four[i].bad, FOUR_ROUNDS);
        if (four[i].started_when_done < first_done_saw)
            first_done_saw = four[i].started_when_done;
    }
    /* Every VM had started before the first one was done: they ran at
     * the same time, two to a core. */
    TEST_EQ("vmx2.four_vms_ran_at_once", first_done_saw, FOUR_VMS);
    printf("init: vmx2: four VMs, four VMM threads, two cores: %lu+%lu+%lu+%lu rounds of %u in "
           "%lu tsc ticks\n",
           four[0].rounds, four[1].rounds, four[2].rounds, four[3].rounds, FOUR_ROUNDS,
           vmx_tsc() - t0);
}

void tests_vmx2(const struct atoll_bootinfo *bi)
{
    if (!(bi->features & ATOLL_BOOTINFO_FEATURE_VMX))
        return; /* test_vmx.c checks the refusals */
    if (!vmx_slots_begin(bi, SLOTS_FROM, SLOTS_COUNT, UT_BITS, "vmx2.setup_untyped"))
        return;
    uint64_t pdpt, pd, pt;
    bool ok = vmx_make(ATOLL_OBJECT_PDPT, &pdpt).code == ATOLL_OK &&
              vmx_make(ATOLL_OBJECT_PD, &pd).code == ATOLL_OK &&
              vmx_make(ATOLL_OBJECT_PT, &pt).code == ATOLL_OK &&
              atoll_page_table_map(pdpt, VSPACE, VMM2_VA).code == ATOLL_OK &&
              atoll_page_table_map(pd, VSPACE, VMM2_VA).code == ATOLL_OK &&
              atoll_page_table_map(pt, VSPACE, VMM2_VA).code == ATOLL_OK;
    struct vm a, b;
    size_t size = (size_t)(guest_vmx2_end - guest_vmx2_start);
    ok = ok && build_vm(&a, A_CODE_VA, guest_vmx2_start, size, 0) &&
         atoll_vcpu_bind_tcb(a.vcpu, ATOLL_SLOT_ROOT_TCB).code == ATOLL_OK;
    TEST_EQ("vmx2.vm_built", ok, true);
    if (!ok)
        return;
    test_io_bitmap(&a);
    test_msr_bitmap(&a);
    test_windows(&a);
    test_fpu(&a);
    test_tsc_offset(&a);
    test_hostile(&a, &b, bi->cpus);
    atoll_frame_unmap(a.code);
    test_four_vms(bi->cpus);
    TEST_EQ("vmx2.revoke_untyped",
            atoll_cnode_slot_op(ATOLL_CNODE_REVOKE, ROOT, vmx_untyped(), DEPTH).code, ATOLL_OK);
    vmx_expect_vmenter_failure("vmx2.vmenter_after_revoke_fails", atoll_vmenter(false),
                               ATOLL_VMENTER_NO_VCPU);
}
