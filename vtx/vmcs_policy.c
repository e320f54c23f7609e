/* What a VMM may do to a VMCS, and the control settings; see
 * vmcs_policy.h. Portable: built into the kernel and the host tests. */
#include "vmcs_policy.h"
#include "vmcs_fields.h"
#include "vmx_msr.h"
#include "../arch/x86_64/msr.h"
#include "atoll/vcpu.h"

#include <stddef.h>

bool vmx_control_setting(uint64_t capability, uint32_t want, uint32_t *out)
{
    uint32_t required = (uint32_t)capability;
    uint32_t allowed = (uint32_t)(capability >> VMX_ALLOWED1_SHIFT);
    if ((want & allowed) != want)
        return false;
    *out = (want | required) & allowed;
    return true;
}

struct field_rule {
    uint32_t field;
    uint8_t access;
};

/* Guest state, event injection, the exception bitmap, the CR masks and
 * the TSC offset (what the guest's RDTSC adds to the host's TSC: it
 * changes nothing of the host's); exit information read-only. Never host state, never the controls
 * that decide what the guest may reach. */
static const struct field_rule field_rules[] = {
    {VMCS_GUEST_ES_SEL, VMCS_FIELD_RW},
    {VMCS_GUEST_CS_SEL, VMCS_FIELD_RW},
    {VMCS_GUEST_SS_SEL, VMCS_FIELD_RW},
    {VMCS_GUEST_DS_SEL, VMCS_FIELD_RW},
    {VMCS_GUEST_FS_SEL, VMCS_FIELD_RW},
    {VMCS_GUEST_GS_SEL, VMCS_FIELD_RW},
    {VMCS_GUEST_LDTR_SEL, VMCS_FIELD_RW},
    {VMCS_GUEST_TR_SEL, VMCS_FIELD_RW},
    {VMCS_TSC_OFFSET, VMCS_FIELD_RW},
    {VMCS_GUEST_PHYSICAL_ADDR, VMCS_FIELD_READ},
    {VMCS_LINK_POINTER, VMCS_FIELD_READ},
    {VMCS_GUEST_DEBUGCTL, VMCS_FIELD_RW},
    {VMCS_GUEST_EFER, VMCS_FIELD_RW},
    {VMCS_GUEST_PDPTE0, VMCS_FIELD_RW},
    {VMCS_GUEST_PDPTE1, VMCS_FIELD_RW},
    {VMCS_GUEST_PDPTE2, VMCS_FIELD_RW},
    {VMCS_GUEST_PDPTE3, VMCS_FIELD_RW},
    {VMCS_EXCEPTION_BITMAP, VMCS_FIELD_RW},
    {VMCS_ENTRY_INTR_INFO, VMCS_FIELD_RW},
    {VMCS_ENTRY_EXCEPTION_ERROR, VMCS_FIELD_RW},
    {VMCS_ENTRY_INSTRUCTION_LEN, VMCS_FIELD_RW},
    {VMCS_VM_INSTRUCTION_ERROR, VMCS_FIELD_READ},
    {VMCS_EXIT_REASON, VMCS_FIELD_READ},
    {VMCS_EXIT_INTR_INFO, VMCS_FIELD_READ},
    {VMCS_EXIT_INTR_ERROR, VMCS_FIELD_READ},
    {VMCS_IDT_VECTORING_INFO, VMCS_FIELD_READ},
    {VMCS_IDT_VECTORING_ERROR, VMCS_FIELD_READ},
    {VMCS_EXIT_INSTRUCTION_LEN, VMCS_FIELD_READ},
    {VMCS_EXIT_INSTRUCTION_INFO, VMCS_FIELD_READ},
    {VMCS_GUEST_ES_LIMIT, VMCS_FIELD_RW},
    {VMCS_GUEST_CS_LIMIT, VMCS_FIELD_RW},
    {VMCS_GUEST_SS_LIMIT, VMCS_FIELD_RW},
    {VMCS_GUEST_DS_LIMIT, VMCS_FIELD_RW},
    {VMCS_GUEST_FS_LIMIT, VMCS_FIELD_RW},
    {VMCS_GUEST_GS_LIMIT, VMCS_FIELD_RW},
    {VMCS_GUEST_LDTR_LIMIT, VMCS_FIELD_RW},
    {VMCS_GUEST_TR_LIMIT, VMCS_FIELD_RW},
    {VMCS_GUEST_GDTR_LIMIT, VMCS_FIELD_RW},
    {VMCS_GUEST_IDTR_LIMIT, VMCS_FIELD_RW},
    {VMCS_GUEST_ES_AR, VMCS_FIELD_RW},
    {VMCS_GUEST_CS_AR, VMCS_FIELD_RW},
    {VMCS_GUEST_SS_AR, VMCS_FIELD_RW},
    {VMCS_GUEST_DS_AR, VMCS_FIELD_RW},
    {VMCS_GUEST_FS_AR, VMCS_FIELD_RW},
    {VMCS_GUEST_GS_AR, VMCS_FIELD_RW},
    {VMCS_GUEST_LDTR_AR, VMCS_FIELD_RW},
    {VMCS_GUEST_TR_AR, VMCS_FIELD_RW},
    {VMCS_GUEST_INTERRUPTIBILITY, VMCS_FIELD_RW},
    {VMCS_GUEST_ACTIVITY_STATE, VMCS_FIELD_RW},
    {VMCS_GUEST_SYSENTER_CS, VMCS_FIELD_RW},
    {VMCS_CR0_GUEST_HOST_MASK, VMCS_FIELD_RW},
    {VMCS_CR4_GUEST_HOST_MASK, VMCS_FIELD_RW},
    {VMCS_CR0_READ_SHADOW, VMCS_FIELD_RW},
    {VMCS_CR4_READ_SHADOW, VMCS_FIELD_RW},
    {VMCS_EXIT_QUALIFICATION, VMCS_FIELD_READ},
    {VMCS_GUEST_LINEAR_ADDR, VMCS_FIELD_READ},
    {VMCS_GUEST_CR0, VMCS_FIELD_RW},
    {VMCS_GUEST_CR3, VMCS_FIELD_RW},
    {VMCS_GUEST_CR4, VMCS_FIELD_RW},
    {VMCS_GUEST_ES_BASE, VMCS_FIELD_RW},
    {VMCS_GUEST_CS_BASE, VMCS_FIELD_RW},
    {VMCS_GUEST_SS_BASE, VMCS_FIELD_RW},
    {VMCS_GUEST_DS_BASE, VMCS_FIELD_RW},
    {VMCS_GUEST_FS_BASE, VMCS_FIELD_RW},
    {VMCS_GUEST_GS_BASE, VMCS_FIELD_RW},
    {VMCS_GUEST_LDTR_BASE, VMCS_FIELD_RW},
    {VMCS_GUEST_TR_BASE, VMCS_FIELD_RW},
    {VMCS_GUEST_GDTR_BASE, VMCS_FIELD_RW},
    {VMCS_GUEST_IDTR_BASE, VMCS_FIELD_RW},
    {VMCS_GUEST_DR7, VMCS_FIELD_RW},
    {VMCS_GUEST_RSP, VMCS_FIELD_RW},
    {VMCS_GUEST_RIP, VMCS_FIELD_RW},
    {VMCS_GUEST_RFLAGS, VMCS_FIELD_RW},
    {VMCS_GUEST_PENDING_DEBUG, VMCS_FIELD_RW},
    {VMCS_GUEST_SYSENTER_ESP, VMCS_FIELD_RW},
    {VMCS_GUEST_SYSENTER_EIP, VMCS_FIELD_RW},
};

unsigned vmcs_field_access(uint64_t field)
{
    for (size_t i = 0; i < sizeof field_rules / sizeof field_rules[0]; i++)
        if (field_rules[i].field == field)
            return field_rules[i].access;
    return 0;
}

uint64_t vmcs_field_forced(uint64_t field, uint64_t value)
{
    if (field == VMCS_EXCEPTION_BITMAP)
        return value | (UINT64_C(1) << VMX_VECTOR_MC);
    return value;
}

/* What a guest may reach without an exit. VM entry loads and VM exit
 * saves the SYSENTER MSRs and the FS and GS bases in the VMCS, and exit
 * loads the host's values (SDM Vol. 3C 26.3.2.1, 27.3.1, 27.5.1): a guest
 * that writes them changes only itself. Reading the TSC tells the guest no
 * more than RDTSC, which does not exit. Every other MSR is host state
 * that VMX does not switch (STAR, LSTAR, FMASK, KERNEL_GS_BASE, SPEC_CTRL,
 * ...), is switched by the kernel through controls the VMM must not
 * bypass (EFER, PAT, DEBUGCTL), or concerns the whole core (APIC base,
 * x2APIC, FEATURE_CONTROL, the VMX capabilities, MTRRs): it always exits,
 * and the VMM emulates it. */
struct msr_rule {
    uint32_t first, last;
    unsigned access;
};

static const struct msr_rule msr_pass_rules[] = {
    {MSR_IA32_TSC, MSR_IA32_TSC, ATOLL_VCPU_MSR_READ},
    {MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_EIP, ATOLL_VCPU_MSR_READ | ATOLL_VCPU_MSR_WRITE},
    {MSR_IA32_FS_BASE, MSR_IA32_GS_BASE, ATOLL_VCPU_MSR_READ | ATOLL_VCPU_MSR_WRITE},
};

unsigned vmx_msr_pass_allowed(uint64_t msr)
{
    for (size_t i = 0; i < sizeof msr_pass_rules / sizeof msr_pass_rules[0]; i++)
        if (msr >= msr_pass_rules[i].first && msr <= msr_pass_rules[i].last)
            return msr_pass_rules[i].access;
    return 0;
}

bool vmx_msr_bitmap_covers(uint64_t first, uint64_t last, uint64_t *low, uint64_t *high)
{
    bool in_high = first >= MSR_BITMAP_HIGH_FIRST;
    *low = in_high ? MSR_BITMAP_HIGH_FIRST : MSR_BITMAP_LOW_FIRST;
    *high = in_high ? MSR_BITMAP_HIGH_LAST : MSR_BITMAP_LOW_LAST;
    return first >= *low && first <= *high && last >= first && last <= *high;
}

/* A set bit makes the access exit. */
static void mark(uint8_t *bitmap, uint32_t bit, bool exits)
{
    uint8_t mask = (uint8_t)(1u << (bit % 8));
    if (exits)
        bitmap[bit / 8] |= mask;
    else
        bitmap[bit / 8] &= (uint8_t)~mask;
}

void vmx_msr_bitmap_set(uint8_t *bitmap, uint32_t first, uint32_t last, unsigned pass)
{
    bool high = first >= MSR_BITMAP_HIGH_FIRST;
    uint8_t *read = bitmap + (high ? MSR_BITMAP_READ_HIGH : MSR_BITMAP_READ_LOW);
    uint8_t *write = bitmap + (high ? MSR_BITMAP_WRITE_HIGH : MSR_BITMAP_WRITE_LOW);
    uint32_t base = high ? MSR_BITMAP_HIGH_FIRST : MSR_BITMAP_LOW_FIRST;
    for (uint32_t msr = first; msr <= last; msr++) {
        mark(read, msr - base, !(pass & ATOLL_VCPU_MSR_READ));
        mark(write, msr - base, !(pass & ATOLL_VCPU_MSR_WRITE));
    }
}

void vmx_io_bitmap_set(uint8_t *a, uint8_t *b, uint32_t first, uint32_t last, bool pass)
{
    for (uint32_t port = first; port <= last; port++)
        mark(port < IO_BITMAP_PORTS ? a : b, port % IO_BITMAP_PORTS, !pass);
}
