/* See irte.h. */
#include "iommu/irte.h"
#include "arch/x86_64/ioapic_regs.h"
#include "iommu/vtd_regs.h"

#define XAPIC_ID_MAX 0xffu

bool irte_encode(const struct irte_params *p, uint64_t *lo, uint64_t *hi)
{
    if (!p->x2apic && p->apic_id > XAPIC_ID_MAX)
        return false;
    uint64_t dst =
        p->x2apic ? VTD_IRTE_LO_DST_X2APIC(p->apic_id) : VTD_IRTE_LO_DST_XAPIC(p->apic_id);
    /* Physical destination, fixed delivery, no redirection hint: the
     * interrupt goes to exactly the core the kernel chose. */
    *lo = VTD_IRTE_LO_P | VTD_IRTE_LO_DLM_FIXED | (p->level ? VTD_IRTE_LO_TM_LEVEL : 0) |
          VTD_IRTE_LO_VECTOR(p->vector) | dst;
    *hi =
        VTD_IRTE_HI_SVT_SID | VTD_IRTE_HI_SQ(VTD_IRTE_SQ_ALL_BITS) | VTD_IRTE_HI_SID(p->source_id);
    return true;
}

uint64_t irte_msi_address(uint32_t index)
{
    return VTD_MSI_ADDRESS_BASE | VTD_MSI_ADDRESS_REMAPPABLE |
           (uint64_t)(index & VTD_MSI_HANDLE_LOW_MASK) << VTD_MSI_HANDLE_LOW_SHIFT |
           (uint64_t)((index >> VTD_MSI_HANDLE_HIGH_BIT) & 1u) << VTD_MSI_HANDLE_HIGH_SHIFT;
}

uint32_t irte_msi_data(void)
{
    return 0;
}

uint64_t irte_ioapic_redirection(uint32_t index, uint8_t vector, bool level, bool active_low)
{
    return IOAPIC_REDIR_REMAPPABLE |
           (uint64_t)(index & IOAPIC_REDIR_INDEX_LOW_MASK) << IOAPIC_REDIR_INDEX_LOW_SHIFT |
           (uint64_t)((index >> IOAPIC_REDIR_INDEX_HIGH_BIT) & 1u)
               << IOAPIC_REDIR_INDEX_HIGH_SHIFT |
           vector | (level ? IOAPIC_REDIR_LEVEL : 0) | (active_low ? IOAPIC_REDIR_ACTIVE_LOW : 0);
}
