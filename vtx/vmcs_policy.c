/* What a VMM may do to a VMCS, and the control settings; see
 * vmcs_policy.h. Portable: built into the kernel and the host tests. */
#include "vmcs_policy.h"
#include "vmcs_fields.h"
#include "vmx_msr.h"

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

/* Guest state, event injection, the exception bitmap and the CR masks;
 * exit information read-only. Never host state, never the controls that
 * decide what the guest may reach. */
static const struct field_rule field_rules[] = {
    {VMCS_GUEST_ES_SEL, VMCS_FIELD_RW},
    {VMCS_GUEST_CS_SEL, VMCS_FIELD_RW},
    {VMCS_GUEST_SS_SEL, VMCS_FIELD_RW},
    {VMCS_GUEST_DS_SEL, VMCS_FIELD_RW},
    {VMCS_GUEST_FS_SEL, VMCS_FIELD_RW},
    {VMCS_GUEST_GS_SEL, VMCS_FIELD_RW},
    {VMCS_GUEST_LDTR_SEL, VMCS_FIELD_RW},
    {VMCS_GUEST_TR_SEL, VMCS_FIELD_RW},
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
