/* VCPU objects and VMEnter; see vcpu.h and the ABI in atoll/vcpu.h. */
#include "vcpu.h"
#include "ept.h"
#include "vmcs_fields.h"
#include "vmcs_policy.h"
#include "vmx.h"
#include "vmx_exit.h"
#include "vmx_insn.h"
#include "vmx_msr.h"
#include "../arch/x86_64/cpu.h"
#include "../arch/x86_64/layout.h"
#include "../arch/x86_64/syscall.h"
#include "../arch/x86_64/msr.h"
#include "../arch/x86_64/paging.h"
#include "../arch/x86_64/timer.h"
#include "../arch/x86_64/x86.h"
#include "../kernel/ipc.h"
#include "../kernel/klock.h"
#include "../kernel/thread.h"
#include "kstring.h"
#include "atoll/ipc.h"
#include "atoll/syscall.h"

/* VPIDs are 16 bits; 0 is the host's (SDM Vol. 3C 28.1). */
#define VPID_COUNT     65536u
#define VPID_WORD_BITS 64u
#define GUEST_CR0_ET   (1ull << 4) /* set at reset, read-only on modern CPUs */

_Static_assert(sizeof(struct vcpu) <= PAGE_SIZE, "struct vcpu fits its page");
_Static_assert((UINT64_C(1) << ATOLL_VCPU_SIZE_BITS) >= VCPU_PAGES_USED * PAGE_SIZE,
               "VCPU: VMCS, bookkeeping, bitmaps");

int vmx_launch(uint64_t *gprs, int resume);
void vmx_exit_entry(void);

static struct vcpu *all_vcpus;
static uint64_t vpid_used[VPID_COUNT / VPID_WORD_BITS];
static unsigned vpid_next = 1;

static struct vcpu *vcpu_of(const struct cap *c)
{
    return phys_to_virt(cap_paddr(c) + VCPU_PAGE_STRUCT * PAGE_SIZE);
}

/* Physical address of one of the VCPU's pages. */
static uint64_t vcpu_page(const struct vcpu *v, enum vcpu_page p)
{
    return v->vmcs + (uint64_t)p * PAGE_SIZE;
}

/* ---- VPIDs */

static uint16_t vpid_alloc(void)
{
    for (unsigned i = 0; i < VPID_COUNT - 1; i++) {
        unsigned id = 1 + (vpid_next - 1 + i) % (VPID_COUNT - 1);
        uint64_t bit = UINT64_C(1) << (id % VPID_WORD_BITS);
        if (!(vpid_used[id / VPID_WORD_BITS] & bit)) {
            vpid_used[id / VPID_WORD_BITS] |= bit;
            vpid_next = id % (VPID_COUNT - 1) + 1;
            return (uint16_t)id;
        }
    }
    return 0;
}

/* A freed VPID may still tag translations on some core: they are flushed
 * everywhere before any guest runs again. */
static void vpid_free(uint16_t id)
{
    if (id == 0)
        return;
    vpid_used[id / VPID_WORD_BITS] &= ~(UINT64_C(1) << (id % VPID_WORD_BITS));
    vmx_invalidate_guest_translations();
}

/* ---- The VMCS */

struct field_value {
    uint32_t field;
    uint64_t value;
};

static bool write_all(const struct field_value *fv, size_t n)
{
    bool ok = true;
    for (size_t i = 0; i < n; i++)
        ok &= vmwrite(fv[i].field, fv[i].value) == VMX_OK;
    return ok;
}

/* Controls and a guest at reset, in real mode (unrestricted guest) at
 * CS:IP 0:0 until the VMM says otherwise (SDM Vol. 3A 9.1.1 for the
 * reset state; Vol. 3C 26.3.1 for what VM entry checks). */
static bool setup_vmcs(struct vcpu *v)
{
    const struct vmx_controls *c = vmx_controls();
    uint64_t cr0 = ((CR0_NE | GUEST_CR0_ET) | (c->cr0_fixed0 & ~(CR0_PE | CR0_PG))) & c->cr0_fixed1;
    uint64_t cr4 = c->cr4_fixed0 & c->cr4_fixed1;
    const uint64_t data_ar = VMX_AR_TYPE_DATA_RW_ACCESSED | VMX_AR_S | VMX_AR_PRESENT;
    const uint64_t code_ar = VMX_AR_TYPE_CODE_RX_ACCESSED | VMX_AR_S | VMX_AR_PRESENT;
    const struct field_value fv[] = {
        {VMCS_PIN_CONTROLS, c->pin},
        {VMCS_PROC_CONTROLS, c->proc},
        {VMCS_IO_BITMAP_A, vcpu_page(v, VCPU_PAGE_IO_BITMAP_A)},
        {VMCS_IO_BITMAP_B, vcpu_page(v, VCPU_PAGE_IO_BITMAP_B)},
        {VMCS_MSR_BITMAP, vcpu_page(v, VCPU_PAGE_MSR_BITMAP)},
        {VMCS_PROC2_CONTROLS, c->proc2},
        {VMCS_EXIT_CONTROLS, c->exit},
        {VMCS_ENTRY_CONTROLS, c->entry},
        {VMCS_EXCEPTION_BITMAP, UINT64_C(1) << VMX_VECTOR_MC},
        {VMCS_TSC_OFFSET, 0},
        {VMCS_PF_ERROR_MASK, 0},
        {VMCS_PF_ERROR_MATCH, 0},
        {VMCS_CR3_TARGET_COUNT, 0},
        {VMCS_EXIT_MSR_STORE_COUNT, 0},
        {VMCS_EXIT_MSR_LOAD_COUNT, 0},
        {VMCS_ENTRY_MSR_LOAD_COUNT, 0},
        {VMCS_ENTRY_INTR_INFO, 0},
        /* The fixed bits stay the CPU's: a guest that would change them
         * exits to its VMM, and reads what it believes it wrote. */
        {VMCS_CR0_GUEST_HOST_MASK, (c->cr0_fixed0 & ~(CR0_PE | CR0_PG)) | ~c->cr0_fixed1},
        {VMCS_CR0_READ_SHADOW, cr0},
        {VMCS_CR4_GUEST_HOST_MASK, c->cr4_fixed0 | ~c->cr4_fixed1},
        {VMCS_CR4_READ_SHADOW, 0},
        {VMCS_LINK_POINTER, VMX_LINK_POINTER_NONE},
        {VMCS_GUEST_CR0, cr0},
        {VMCS_GUEST_CR3, 0},
        {VMCS_GUEST_CR4, cr4},
        {VMCS_GUEST_DR7, GUEST_DR7_INIT},
        {VMCS_GUEST_RFLAGS, GUEST_RFLAGS_RESERVED1},
        {VMCS_GUEST_RIP, 0},
        {VMCS_GUEST_RSP, 0},
        {VMCS_GUEST_DEBUGCTL, 0},
        {VMCS_GUEST_EFER, 0},
        {VMCS_GUEST_SYSENTER_CS, 0},
        {VMCS_GUEST_SYSENTER_ESP, 0},
        {VMCS_GUEST_SYSENTER_EIP, 0},
        {VMCS_GUEST_PENDING_DEBUG, 0},
        {VMCS_GUEST_INTERRUPTIBILITY, 0},
        {VMCS_GUEST_ACTIVITY_STATE, VMX_ACTIVITY_ACTIVE},
        {VMCS_GUEST_CS_SEL, 0},
        {VMCS_GUEST_CS_BASE, 0},
        {VMCS_GUEST_CS_LIMIT, REAL_MODE_SEGMENT_LIMIT},
        {VMCS_GUEST_CS_AR, code_ar},
        {VMCS_GUEST_DS_SEL, 0},
        {VMCS_GUEST_DS_BASE, 0},
        {VMCS_GUEST_DS_LIMIT, REAL_MODE_SEGMENT_LIMIT},
        {VMCS_GUEST_DS_AR, data_ar},
        {VMCS_GUEST_ES_SEL, 0},
        {VMCS_GUEST_ES_BASE, 0},
        {VMCS_GUEST_ES_LIMIT, REAL_MODE_SEGMENT_LIMIT},
        {VMCS_GUEST_ES_AR, data_ar},
        {VMCS_GUEST_FS_SEL, 0},
        {VMCS_GUEST_FS_BASE, 0},
        {VMCS_GUEST_FS_LIMIT, REAL_MODE_SEGMENT_LIMIT},
        {VMCS_GUEST_FS_AR, data_ar},
        {VMCS_GUEST_GS_SEL, 0},
        {VMCS_GUEST_GS_BASE, 0},
        {VMCS_GUEST_GS_LIMIT, REAL_MODE_SEGMENT_LIMIT},
        {VMCS_GUEST_GS_AR, data_ar},
        {VMCS_GUEST_SS_SEL, 0},
        {VMCS_GUEST_SS_BASE, 0},
        {VMCS_GUEST_SS_LIMIT, REAL_MODE_SEGMENT_LIMIT},
        {VMCS_GUEST_SS_AR, data_ar},
        {VMCS_GUEST_LDTR_SEL, 0},
        {VMCS_GUEST_LDTR_BASE, 0},
        {VMCS_GUEST_LDTR_LIMIT, 0},
        {VMCS_GUEST_LDTR_AR, VMX_AR_UNUSABLE},
        /* VM entry wants a busy TSS even in real mode (26.3.1.2). */
        {VMCS_GUEST_TR_SEL, 0},
        {VMCS_GUEST_TR_BASE, 0},
        {VMCS_GUEST_TR_LIMIT, REAL_MODE_SEGMENT_LIMIT},
        {VMCS_GUEST_TR_AR, VMX_AR_TYPE_TSS_BUSY_32 | VMX_AR_PRESENT},
        {VMCS_GUEST_GDTR_BASE, 0},
        {VMCS_GUEST_GDTR_LIMIT, REAL_MODE_SEGMENT_LIMIT},
        {VMCS_GUEST_IDTR_BASE, 0},
        {VMCS_GUEST_IDTR_LIMIT, REAL_MODE_SEGMENT_LIMIT},
    };
    v->proc = c->proc;
    return write_all(fv, sizeof fv / sizeof fv[0]);
}

/* lgdt/sidt take a 10-byte pseudo-descriptor (packed: a GCC extension, as
 * in arch/x86_64/cpu.c). */
struct table_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

/* The host state a VM exit loads (SDM Vol. 3C 27.5): this core's kernel
 * as it runs now. What depends on the core is written when the VMCS
 * comes to a core; CR3 and FS.base (the VMM thread's address space and
 * TLS) on every entry; RSP by vmx_launch. */
static bool write_host_state(struct vcpu *v)
{
    struct percpu *c = this_cpu();
    const struct field_value per_entry[] = {
        {VMCS_HOST_CR3, read_cr3()},
        {VMCS_HOST_FS_BASE, rdmsr(MSR_IA32_FS_BASE)},
    };
    if (!write_all(per_entry, sizeof per_entry / sizeof per_entry[0]))
        return false;
    if (v->host_core == c->index + 1)
        return true;
    struct table_pointer idtr;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    const struct field_value fv[] = {
        {VMCS_HOST_CR0, read_cr0()},
        {VMCS_HOST_CR4, read_cr4()},
        {VMCS_HOST_CS_SEL, SEL_KERNEL_CODE},
        {VMCS_HOST_SS_SEL, SEL_KERNEL_DATA},
        {VMCS_HOST_DS_SEL, SEL_KERNEL_DATA},
        {VMCS_HOST_ES_SEL, SEL_KERNEL_DATA},
        {VMCS_HOST_FS_SEL, 0},
        {VMCS_HOST_GS_SEL, 0},
        {VMCS_HOST_TR_SEL, SEL_TSS},
        {VMCS_HOST_GS_BASE, (uint64_t)c},
        {VMCS_HOST_TR_BASE, (uint64_t)&c->tss},
        {VMCS_HOST_GDTR_BASE, (uint64_t)c->gdt},
        {VMCS_HOST_IDTR_BASE, idtr.base},
        {VMCS_HOST_SYSENTER_CS, 0},
        {VMCS_HOST_SYSENTER_ESP, 0},
        {VMCS_HOST_SYSENTER_EIP, 0},
        {VMCS_HOST_EFER, rdmsr(MSR_IA32_EFER)},
        {VMCS_HOST_RIP, (uint64_t)vmx_exit_entry},
    };
    if (!write_all(fv, sizeof fv / sizeof fv[0]))
        return false;
    v->host_core = c->index + 1;
    return true;
}

/* A VM exit leaves the GDT limit at 0xffff (SDM Vol. 3C 27.5.2): user
 * code could then load descriptors from whatever follows the GDT. */
static void restore_gdt_limit(void)
{
    struct percpu *c = this_cpu();
    struct table_pointer gdtr = {sizeof c->gdt - 1, (uint64_t)c->gdt};
    __asm__ volatile("lgdt %0" ::"m"(gdtr));
}

/* The VMCS is active nowhere any more (a VMCLEAR wrote it back). */
static void vcpu_release(struct vcpu *v)
{
    if (!v->active_on)
        return;
    if (v->active_on == this_cpu()->index + 1)
        vmclear(v->vmcs);
    else
        vmx_clear_on_core(v->active_on - 1, v->vmcs);
    v->active_on = 0;
    v->launched = false;
}

/* Makes the VCPU's VMCS current on this core, set up on first use. */
static enum vmx_result vcpu_load(struct vcpu *v)
{
    enum vmx_result r;
    uint32_t self = this_cpu()->index + 1;
    if (v->active_on != self) {
        vcpu_release(v);
        /* A VMCS region must be cleared before its first VMPTRLD (SDM
         * Vol. 3C 24.11.3); one cleared elsewhere already is. */
        if (!v->vmcs_ready && (r = vmclear(v->vmcs)) != VMX_OK)
            return r;
    }
    if ((r = vmptrld(v->vmcs)) != VMX_OK)
        return r;
    v->active_on = self;
    if (!v->vmcs_ready) {
        if (!setup_vmcs(v)) {
            vcpu_release(v);
            return VMX_FAIL_VALID;
        }
        v->vmcs_ready = true;
    }
    return VMX_OK;
}

/* ---- Invocations */

static struct atoll_error_detail vmx_failed(enum vmx_result r)
{
    struct atoll_error_detail e = cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    e.value0 = ATOLL_VMENTER_VMX_FAILED;
    e.value1 = r == VMX_FAIL_VALID ? vmread_known(VMCS_VM_INSTRUCTION_ERROR) : 0;
    return e;
}

static struct atoll_error_detail access_vmcs(struct vcpu *v, uint64_t label, const uint64_t *words,
                                             size_t length, uint64_t *reply, size_t *reply_length)
{
    bool write = label == ATOLL_VCPU_WRITE_VMCS;
    size_t needed = write ? ATOLL_VCPU_WRITE_VMCS_ARGS : ATOLL_VCPU_READ_VMCS_ARGS;
    if (length < needed)
        return cap_truncated(needed, 0);
    uint64_t field = words[ATOLL_VCPU_ARG_FIELD];
    if (!(vmcs_field_access(field) & (write ? VMCS_FIELD_WRITE : VMCS_FIELD_READ)))
        return cap_error(ATOLL_ERR_INVALID_ARGUMENT, ATOLL_VCPU_ARG_FIELD);
    enum vmx_result r = vcpu_load(v);
    if (r != VMX_OK)
        return vmx_failed(r);
    uint64_t value = 0;
    if (write)
        r = vmwrite(field, vmcs_field_forced(field, words[ATOLL_VCPU_ARG_VALUE]));
    else
        r = vmread(field, &value);
    /* A field this CPU does not have: the VMM's mistake, not the kernel's. */
    struct atoll_error_detail e =
        r == VMX_OK ? cap_ok() : cap_error(ATOLL_ERR_INVALID_ARGUMENT, ATOLL_VCPU_ARG_FIELD);
    if (!write && r == VMX_OK) {
        reply[0] = value;
        *reply_length = 1;
    }
    return e;
}

/* Ports pass only where the VMM holds an IOPort capability for them. */
static struct atoll_error_detail set_io_ports(struct vcpu *v, const uint64_t *words, size_t length,
                                              struct cap_slot *const *extra, size_t extra_count)
{
    if (length < ATOLL_VCPU_SET_IO_PORTS_ARGS)
        return cap_truncated(ATOLL_VCPU_SET_IO_PORTS_ARGS, 0);
    uint64_t first = words[ATOLL_VCPU_ARG_FIRST], last = words[ATOLL_VCPU_ARG_LAST];
    uint64_t pass = words[ATOLL_VCPU_ARG_PASS];
    if (first > IO_PORT_LAST)
        return cap_range_error(ATOLL_VCPU_ARG_FIRST, 0, IO_PORT_LAST);
    if (last < first || last > IO_PORT_LAST)
        return cap_range_error(ATOLL_VCPU_ARG_LAST, first, IO_PORT_LAST);
    if (pass != 0 && pass != ATOLL_VCPU_PASS)
        return cap_error(ATOLL_ERR_INVALID_ARGUMENT, ATOLL_VCPU_ARG_PASS);
    if (pass) {
        if (extra_count < 1)
            return cap_truncated(0, 1);
        const struct cap *io = &extra[0]->cap;
        if (cap_type(io) != CAP_IOPORT || first < cap_ioport_first(io) ||
            last > cap_ioport_last(io))
            return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
    }
    vmx_io_bitmap_set(phys_to_virt(vcpu_page(v, VCPU_PAGE_IO_BITMAP_A)),
                      phys_to_virt(vcpu_page(v, VCPU_PAGE_IO_BITMAP_B)), (uint32_t)first,
                      (uint32_t)last, pass != 0);
    vmx_kick_guests(); /* a guest running elsewhere sees only the new bitmap */
    return cap_ok();
}

/* MSRs pass only where vmcs_policy.c says the guest reaches nothing of
 * the host's. */
static struct atoll_error_detail set_msrs(struct vcpu *v, const uint64_t *words, size_t length)
{
    if (length < ATOLL_VCPU_SET_MSRS_ARGS)
        return cap_truncated(ATOLL_VCPU_SET_MSRS_ARGS, 0);
    uint64_t first = words[ATOLL_VCPU_ARG_FIRST], last = words[ATOLL_VCPU_ARG_LAST];
    uint64_t access = words[ATOLL_VCPU_ARG_ACCESS], low, high;
    if (!vmx_msr_bitmap_covers(first, first, &low, &high))
        return cap_range_error(ATOLL_VCPU_ARG_FIRST, low, high);
    if (!vmx_msr_bitmap_covers(first, last, &low, &high))
        return cap_range_error(ATOLL_VCPU_ARG_LAST, first, high);
    if (access & ~(uint64_t)(ATOLL_VCPU_MSR_READ | ATOLL_VCPU_MSR_WRITE))
        return cap_error(ATOLL_ERR_INVALID_ARGUMENT, ATOLL_VCPU_ARG_ACCESS);
    for (uint64_t msr = first; msr <= last; msr++)
        if ((access & vmx_msr_pass_allowed(msr)) != access) {
            struct atoll_error_detail e =
                cap_error(ATOLL_ERR_ILLEGAL_OPERATION, ATOLL_VCPU_ARG_ACCESS);
            e.value0 = msr;
            return e;
        }
    vmx_msr_bitmap_set(phys_to_virt(vcpu_page(v, VCPU_PAGE_MSR_BITMAP)), (uint32_t)first,
                       (uint32_t)last, (unsigned)access);
    vmx_kick_guests();
    return cap_ok();
}

static void unbind(struct vcpu *v)
{
    if (v->tcb) {
        v->tcb->vcpu = NULL;
        v->tcb->vcpu_changes++;
        v->tcb = NULL;
    }
}

struct atoll_error_detail vcpu_invoke(struct cap_slot *slot, uint64_t label, const uint64_t *words,
                                      size_t length, struct cap_slot *const *extra,
                                      size_t extra_count, uint64_t *reply, size_t *reply_length)
{
    struct vcpu *v = vcpu_of(&slot->cap);
    *reply_length = 0;
    switch (label) {
    case ATOLL_VCPU_BIND_TCB: {
        if (extra_count < ATOLL_VCPU_BIND_EXTRA_CAPS)
            return cap_truncated(0, ATOLL_VCPU_BIND_EXTRA_CAPS);
        if (cap_type(&extra[0]->cap) != CAP_TCB)
            return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
        struct tcb *t = tcb_from_cap(&extra[0]->cap);
        unbind(v);
        if (t->vcpu)
            unbind(t->vcpu);
        v->tcb = t;
        t->vcpu = v;
        t->vcpu_changes++;
        return cap_ok();
    }
    case ATOLL_VCPU_SET_GUEST_SPACE:
        if (extra_count < ATOLL_VCPU_BIND_EXTRA_CAPS)
            return cap_truncated(0, ATOLL_VCPU_BIND_EXTRA_CAPS);
        if (cap_type(&extra[0]->cap) != CAP_GUEST_SPACE)
            return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
        v->guest_space = cap_paddr(&extra[0]->cap);
        return cap_ok();
    case ATOLL_VCPU_READ_VMCS:
    case ATOLL_VCPU_WRITE_VMCS:
        return access_vmcs(v, label, words, length, reply, reply_length);
    case ATOLL_VCPU_SET_IO_PORTS:
        return set_io_ports(v, words, length, extra, extra_count);
    case ATOLL_VCPU_SET_MSRS:
        return set_msrs(v, words, length);
    default:
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    }
}

/* ---- VMEnter */

static void vmenter_error(struct trap_frame *f, enum atoll_error code, uint64_t value0,
                          uint64_t value1)
{
    f->rax = code;
    f->rsi = atoll_msginfo(0, ATOLL_MSG_REGISTERS, 0);
    f->rdx = 0;
    f->r8 = value0;
    f->r9 = value1;
    f->r10 = 0;
}

/* RIP, RFLAGS and the general registers from the VMM's message. */
static bool load_guest_registers(struct vcpu *v, const struct atoll_ipc_buffer *buf)
{
    for (unsigned i = 0; i < ATOLL_VMEXIT_GPRS; i++)
        if (i != VCPU_RSP)
            v->gprs[i] = buf->msg[ATOLL_VMEXIT_RAX + i];
    uint64_t rflags =
        (buf->msg[ATOLL_VMEXIT_RFLAGS] & GUEST_RFLAGS_WRITABLE) | GUEST_RFLAGS_RESERVED1;
    const struct field_value fv[] = {
        {VMCS_GUEST_RIP, buf->msg[ATOLL_VMEXIT_RIP]},
        {VMCS_GUEST_RFLAGS, rflags},
        {VMCS_GUEST_RSP, buf->msg[ATOLL_VMEXIT_RAX + VCPU_RSP]},
    };
    return write_all(fv, sizeof fv / sizeof fv[0]);
}

/* The exit message, from the current VMCS and the saved registers. */
static void read_exit(const struct vcpu *v, uint64_t *w)
{
    static const uint32_t fields[ATOLL_VMEXIT_RAX] = {
        [ATOLL_VMEXIT_REASON] = VMCS_EXIT_REASON,
        [ATOLL_VMEXIT_QUALIFICATION] = VMCS_EXIT_QUALIFICATION,
        [ATOLL_VMEXIT_GUEST_PHYSICAL] = VMCS_GUEST_PHYSICAL_ADDR,
        [ATOLL_VMEXIT_GUEST_LINEAR] = VMCS_GUEST_LINEAR_ADDR,
        [ATOLL_VMEXIT_INSTRUCTION_LENGTH] = VMCS_EXIT_INSTRUCTION_LEN,
        [ATOLL_VMEXIT_INSTRUCTION_INFO] = VMCS_EXIT_INSTRUCTION_INFO,
        [ATOLL_VMEXIT_INTERRUPTIBILITY] = VMCS_GUEST_INTERRUPTIBILITY,
        [ATOLL_VMEXIT_INTERRUPTION_INFO] = VMCS_EXIT_INTR_INFO,
        [ATOLL_VMEXIT_INTERRUPTION_ERROR] = VMCS_EXIT_INTR_ERROR,
        [ATOLL_VMEXIT_RIP] = VMCS_GUEST_RIP,
        [ATOLL_VMEXIT_RFLAGS] = VMCS_GUEST_RFLAGS,
    };
    for (unsigned i = 0; i < ATOLL_VMEXIT_RAX; i++)
        w[i] = vmread_known(fields[i]);
    for (unsigned i = 0; i < ATOLL_VMEXIT_GPRS; i++)
        w[ATOLL_VMEXIT_RAX + i] = v->gprs[i];
    w[ATOLL_VMEXIT_RAX + VCPU_RSP] = vmread_known(VMCS_GUEST_RSP);
}

/* Exits the kernel takes care of: host interrupts and NMIs, and machine
 * checks (the host's, not the guest's). The guest resumes afterwards. */
static bool host_exit(uint64_t reason, uint64_t intr_info)
{
    if (reason & VMX_EXIT_REASON_ENTRY_FAIL)
        return false;
    switch (reason & VMX_EXIT_REASON_BASIC_MASK) {
    case VMX_EXIT_EXTERNAL_INTERRUPT:
        /* Still pending at the local APIC: taken as soon as the thread
         * is back in user mode with interrupts on. */
        return true;
    case VMX_EXIT_PREEMPTION_TIMER:
        /* The guest ran its slice: the kernel lock is let go of, pending
         * interrupts are taken, the scheduler may run someone else. */
        return true;
    case VMX_EXIT_EXCEPTION_NMI: {
        unsigned type = (intr_info >> INTR_INFO_TYPE_SHIFT) & INTR_INFO_TYPE_MASK;
        unsigned vector = intr_info & INTR_INFO_VECTOR_MASK;
        /* An NMI that exits is blocked, not delivered (SDM Vol. 3C
         * 27.2.2 and 31.7.1.2): hand it to the kernel's handler. */
        if (type == INTR_TYPE_NMI) {
            __asm__ volatile("int $2");
            return true;
        }
        if (type == INTR_TYPE_HW_EXCEPTION && vector == VMX_VECTOR_MC) {
            __asm__ volatile("int $18");
            return true;
        }
        return false;
    }
    default:
        return false;
    }
}

void vcpu_vmenter(struct tcb *t, struct trap_frame *f)
{
    struct vcpu *v = t->vcpu;
    struct atoll_ipc_buffer *buf = ipc_buffer_of(t);
    uint64_t length = atoll_msginfo_length(f->rsi);
    uint64_t flags = atoll_msginfo_label(f->rsi);

    if (!v || !vmx_usable()) {
        vmenter_error(f, ATOLL_ERR_ILLEGAL_OPERATION, ATOLL_VMENTER_NO_VCPU, 0);
        return;
    }
    if (!v->guest_space) {
        vmenter_error(f, ATOLL_ERR_ILLEGAL_OPERATION, ATOLL_VMENTER_NO_GUEST_SPACE, 0);
        return;
    }
    if (!buf) {
        vmenter_error(f, ATOLL_ERR_ILLEGAL_OPERATION, ATOLL_VMENTER_NO_IPC_BUFFER, 0);
        return;
    }
    if (length != 0 && length < ATOLL_VMEXIT_WORDS) {
        vmenter_error(f, ATOLL_ERR_TRUNCATED_MESSAGE, ATOLL_VMEXIT_WORDS, 0);
        return;
    }
    if (flags & ~(uint64_t)ATOLL_VMENTER_FLAGS) {
        vmenter_error(f, ATOLL_ERR_INVALID_ARGUMENT, flags & ~(uint64_t)ATOLL_VMENTER_FLAGS, 0);
        return;
    }
    if ((flags & ATOLL_VMENTER_NMI_WINDOW) && !vmx_controls()->nmi_window) {
        vmenter_error(f, ATOLL_ERR_ILLEGAL_OPERATION, ATOLL_VMENTER_NO_NMI_WINDOW, 0);
        return;
    }
    /* Signal-abort, as for a blocking Send or Call (docs/kernel.md): the
     * guest stays where the last exit message says and resumes there at
     * the next VMEnter. A run lasts at most a tick, after which the call
     * comes back here: the VMM hears of the signal within one. */
    uint64_t abort_bits = ipc_pending_abort(t);
    if (abort_bits) {
        t->bound_ntfn->word &= ~abort_bits;
        vmenter_error(f, ATOLL_ERR_IPC_ABORTED, abort_bits, 0);
        f->rdi = abort_bits;
        return;
    }
    if (v->vpid == 0 && (v->vpid = vpid_alloc()) == 0) {
        vmenter_error(f, ATOLL_ERR_NOT_ENOUGH_MEMORY, 0, 0);
        return;
    }
    enum vmx_result r = vcpu_load(v);
    if (r != VMX_OK) {
        struct atoll_error_detail e = vmx_failed(r);
        vmenter_error(f, e.code, e.value0, e.value1);
        return;
    }
    bool ok = length == 0 || load_guest_registers(v, buf);
    /* A guest whose EFER says long mode enters in IA-32e mode (the VMM
     * switches modes through EFER alone; SDM Vol. 3C 26.2.4). */
    uint64_t entry = vmx_controls()->entry;
    if (vmread_known(VMCS_GUEST_EFER) & EFER_LMA)
        entry |= ENTRY_IA32E_MODE_GUEST;
    const struct field_value fv[] = {
        {VMCS_ENTRY_CONTROLS, entry},
        {VMCS_EPT_POINTER, ept_pointer(v->guest_space)},
        {VMCS_VPID, v->vpid},
    };
    ok = ok && write_all(fv, sizeof fv / sizeof fv[0]) && write_host_state(v);
    /* The window exits last for this run only. */
    uint32_t proc = vmx_controls()->proc;
    if (flags & ATOLL_VMENTER_INTERRUPT_WINDOW)
        proc |= PROC_INTERRUPT_WINDOW_EXITING;
    if (flags & ATOLL_VMENTER_NMI_WINDOW)
        proc |= PROC_NMI_WINDOW_EXITING;
    if (ok && proc != v->proc) {
        ok = vmwrite(VMCS_PROC_CONTROLS, proc) == VMX_OK;
        v->proc = proc;
    }
    /* At most one timer tick in the guest per entry, so that the VMM's
     * thread is accounted and the scheduler asked at least that often. */
    if (ok && (vmx_controls()->pin & PIN_PREEMPTION_TIMER)) {
        uint64_t slice = (timer_tsc_hz() / TIMER_TICK_HZ) >> vmx_controls()->preemption_timer_shift;
        ok = vmwrite(VMCS_PREEMPTION_TIMER_VALUE, slice ? slice : 1) == VMX_OK;
    }
    if (!ok) {
        struct atoll_error_detail e = vmx_failed(VMX_FAIL_VALID);
        vmenter_error(f, e.code, e.value0, e.value1);
        return;
    }
    /* The guest runs without the kernel lock, so that guests on other
     * cores run at the same time (vtx/README.md, "The guest and the
     * kernel lock"). In guest mode before the lock goes: a change to
     * guest translations or bitmaps made under the lock from now on
     * kicks this core out and waits (vmx_kick_guests); one made before
     * is flushed here. */
    vmx_guest_running(true);
    vmx_flush_if_stale();
    uint64_t vcpu_changes = t->vcpu_changes;

    /* The guest's FPU state, not the VMM's, while it runs. The kernel
     * itself uses no FPU, and nothing switches threads before the swap
     * back. XCR0 stays the host's: XSETBV always exits. */
    fpu_save(t->fpu);
    fpu_restore(v->guest_fpu);
    kernel_unlock();
    int failed = vmx_launch(v->gprs, v->launched);
    /* Interrupts are off (VM exit clears RFLAGS.IF) and the VMCS is still
     * current here: another core that wants it VMCLEARed or the VCPU
     * gone waits for this core's answer, which comes only from the lock
     * wait below. So everything of `v` is read and written now. */
    fpu_save(v->guest_fpu);
    fpu_restore(t->fpu);
    uint64_t w[ATOLL_VMEXIT_WORDS];
    struct atoll_error_detail launch_error = cap_ok();
    if (failed != 0)
        launch_error = vmx_failed(failed == VMX_FAIL_INVALID ? VMX_FAIL_INVALID : VMX_FAIL_VALID);
    if (failed == 0) {
        restore_gdt_limit();
        read_exit(v, w);
        /* An entry that failed while loading the guest leaves the launch
         * state as it was (SDM Vol. 3C 26.8). */
        if (!(w[ATOLL_VMEXIT_REASON] & VMX_EXIT_REASON_ENTRY_FAIL))
            v->launched = true;
    }
    vmx_guest_running(false);
    kernel_lock();
    /* While the lock was free the thread may have been stopped (its TCB
     * even freed: it is no longer current here), or its VCPU unbound or
     * deleted, or its IPC buffer unmapped. */
    struct tcb *self = thread_current();
    if (self != t || t->state != THREAD_RUNNABLE)
        thread_return(self);
    if (t->vcpu_changes != vcpu_changes) {
        vmenter_error(f, ATOLL_ERR_ILLEGAL_OPERATION, ATOLL_VMENTER_NO_VCPU, 0);
        return;
    }
    buf = ipc_buffer_of(t);
    if (!buf) {
        vmenter_error(f, ATOLL_ERR_ILLEGAL_OPERATION, ATOLL_VMENTER_NO_IPC_BUFFER, 0);
        return;
    }
    if (failed != 0) {
        vmenter_error(f, launch_error.code, launch_error.value0, launch_error.value1);
        return;
    }

    bool handled = host_exit(w[ATOLL_VMEXIT_REASON], w[ATOLL_VMEXIT_INTERRUPTION_INFO]);
    if (handled)
        v->host_exits++;
    w[ATOLL_VMEXIT_HOST_EXITS] = v->host_exits;
    for (unsigned i = 0; i < ATOLL_VMEXIT_WORDS; i++)
        buf->msg[i] = w[i];
    if (handled && !(flags & ATOLL_VMENTER_RETURN_HOST_EXITS)) {
        /* Run the call again: its registers are as the VMM made it, and
         * a message that loads state now loads the state the guest
         * stopped in (written into the buffer above). */
        f->rip -= SYSCALL_INSTRUCTION_BYTES;
        return;
    }
    v->host_exits = 0;
    f->rax = ATOLL_OK;
    f->rsi = atoll_msginfo(0, ATOLL_VMEXIT_WORDS, 0);
    buf->tag = f->rsi;
    f->rdx = w[0];
    f->r8 = w[1];
    f->r9 = w[2];
    f->r10 = w[3];
}

/* ---- Object lifetime */

void vcpu_tcb_gone(struct tcb *t)
{
    if (t->vcpu)
        unbind(t->vcpu);
}

void ept_invalidate(void)
{
    vmx_invalidate_guest_translations();
}

void ept_guest_space_gone(uint64_t root)
{
    vcpu_guest_space_gone(root);
}

void vcpu_io_ports_revoked(uint32_t first, uint32_t last)
{
    for (struct vcpu *v = all_vcpus; v; v = v->next)
        vmx_io_bitmap_set(phys_to_virt(vcpu_page(v, VCPU_PAGE_IO_BITMAP_A)),
                          phys_to_virt(vcpu_page(v, VCPU_PAGE_IO_BITMAP_B)), first, last, false);
    vmx_kick_guests();
}

void vcpu_guest_space_gone(uint64_t root)
{
    for (struct vcpu *v = all_vcpus; v; v = v->next)
        if (v->guest_space == root)
            v->guest_space = 0;
}

static void vcpu_initialise(const struct cap *c)
{
    struct vcpu *v = vcpu_of(c);
    v->vmcs = cap_paddr(c);
    *(volatile uint32_t *)phys_to_virt(v->vmcs) = vmx_capabilities()->revision & VMCS_REVISION_MASK;
    /* Deny by default: every port and MSR exits until the VMM says. */
    memset(phys_to_virt(vcpu_page(v, VCPU_PAGE_MSR_BITMAP)), 0xff, PAGE_SIZE);
    memset(phys_to_virt(vcpu_page(v, VCPU_PAGE_IO_BITMAP_A)), 0xff, PAGE_SIZE);
    memset(phys_to_virt(vcpu_page(v, VCPU_PAGE_IO_BITMAP_B)), 0xff, PAGE_SIZE);
    fpu_init_area(v->guest_fpu);
    v->next = all_vcpus;
    if (all_vcpus)
        all_vcpus->prev = v;
    all_vcpus = v;
}

/* The VMCS is cleared wherever it is active before its memory can be
 * reused; then the VCPU lets go of its TCB, the list and its VPID. */
static void vcpu_finalise(const struct cap *c, bool final)
{
    if (!final)
        return;
    struct vcpu *v = vcpu_of(c);
    vcpu_release(v);
    unbind(v);
    if (v->prev)
        v->prev->next = v->next;
    else
        all_vcpus = v->next;
    if (v->next)
        v->next->prev = v->prev;
    v->next = v->prev = NULL;
    vpid_free(v->vpid);
    v->vpid = 0;
}

void vcpu_init(void)
{
    cap_hooks.initialise[CAP_VCPU] = vcpu_initialise;
    cap_hooks.finalise[CAP_VCPU] = vcpu_finalise;
}

void vcpu_signal_arrived(struct tcb *t)
{
    /* GCC's __atomic builtin, as kernel/sched.c reads it: current_on is
     * a plain field that a detaching core clears without the lock. */
    uint32_t on = __atomic_load_n(&t->current_on, __ATOMIC_ACQUIRE);
    if (t->vcpu && on != 0)
        vmx_kick_core(on - 1);
}
