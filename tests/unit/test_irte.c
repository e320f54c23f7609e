/* Host tests of the interrupt-remapping encodings (iommu/irte.c) against
 * values worked out by hand from the VT-d specification (9.10, 5.1.2.2,
 * 5.1.5.1), and of the round trip a remapping unit performs: the handle it
 * decodes from an MSI address, or from the MSI an IOAPIC sends for a
 * remappable redirection entry, is the index the kernel encoded. */
#include <stdio.h>

#include "arch/x86_64/ioapic_regs.h"
#include "iommu/irte.h"
#include "iommu/vtd_regs.h"
#include "tests/unit/check.h"

/* What the unit reads from a remappable MSI address (5.1.2.2). */
static unsigned handle_of_msi(uint64_t address)
{
    return (unsigned)((address >> 5) & 0x7fff) | (unsigned)((address >> 2) & 1) << 15;
}

/* The MSI address an IOAPIC sends for a redirection entry: bits 63:48 of
 * the entry go to address bits 19:4, bit 11 to address bit 2 (5.1.5.1). */
static uint64_t ioapic_msi_address(uint64_t rte)
{
    return UINT64_C(0xfee00000) | ((rte >> 48) & 0xffff) << 4 | ((rte >> 11) & 1) << 2;
}

static void xapic_entry_by_hand(void)
{
    struct irte_params p = {.vector = 0x31, .apic_id = 2, .source_id = 0x0010};
    uint64_t lo = 0, hi = 0;
    CHECK_TRUE("encodes", irte_encode(&p, &lo, &hi));
    CHECK_U("low quadword", UINT64_C(0x0000020000310001), lo);
    CHECK_U("high quadword", UINT64_C(0x40010), hi);
}

static void x2apic_level_entry_by_hand(void)
{
    struct irte_params p = {
        .vector = 0xcf, .apic_id = 0x12345, .x2apic = true, .level = true, .source_id = 0xff00};
    uint64_t lo = 0, hi = 0;
    CHECK_TRUE("encodes", irte_encode(&p, &lo, &hi));
    CHECK_U("low quadword", UINT64_C(0x0001234500cf0011), lo);
    CHECK_U("high quadword", UINT64_C(0x4ff00), hi);
}

static void xapic_id_above_255_refused(void)
{
    struct irte_params p = {.vector = 0x40, .apic_id = 256};
    uint64_t lo = 7, hi = 9;
    CHECK_TRUE("refused", !irte_encode(&p, &lo, &hi));
    CHECK_U("low untouched", 7, lo);
    CHECK_U("high untouched", 9, hi);
}

/* No reserved bit is ever set, the fields decode back, and the source is
 * always verified in full. */
static void every_field_round_trips(void)
{
    for (unsigned v = 0; v < 256; v++) {
        for (unsigned id = 0; id < 256; id += 17) {
            for (unsigned x2 = 0; x2 < 2; x2++) {
                uint16_t sid = (uint16_t)(v * 257u + id);
                struct irte_params p = {.vector = (uint8_t)v,
                                        .apic_id = x2 ? id << 12 : id,
                                        .x2apic = x2 != 0,
                                        .level = (v & 1) != 0,
                                        .source_id = sid};
                uint64_t lo, hi;
                if (!CHECK_TRUE("encodes", irte_encode(&p, &lo, &hi)))
                    return;
                if (!CHECK_U("reserved low bits", 0, lo & VTD_IRTE_LO_RESERVED) ||
                    !CHECK_U("posted bit", 0, lo & VTD_IRTE_LO_IM_POSTED) ||
                    !CHECK_U("reserved high bits", 0, hi & VTD_IRTE_HI_RESERVED) ||
                    !CHECK_U("vector", v, VTD_IRTE_LO_VECTOR_OF(lo)) ||
                    !CHECK_U("present", VTD_IRTE_LO_P, lo & VTD_IRTE_LO_P) ||
                    !CHECK_U("physical destination", 0, lo & VTD_IRTE_LO_DM_LOGICAL) ||
                    !CHECK_U("no redirection hint", 0, lo & VTD_IRTE_LO_RH) ||
                    !CHECK_U("fixed delivery", 0, lo & VTD_IRTE_LO_DLM_MASK) ||
                    !CHECK_U("faults reported", 0, lo & VTD_IRTE_LO_FPD) ||
                    !CHECK_U("trigger", (v & 1) ? VTD_IRTE_LO_TM_LEVEL : 0,
                             lo & VTD_IRTE_LO_TM_LEVEL) ||
                    !CHECK_U("source verified", VTD_IRTE_HI_SVT_SID, hi & VTD_IRTE_HI_SVT_MASK) ||
                    !CHECK_U("all source bits compared", 0, (hi >> 16) & 3) ||
                    !CHECK_U("source id", sid, hi & 0xffff))
                    return;
                if (x2) {
                    if (!CHECK_U("x2apic destination", id << 12, VTD_IRTE_LO_DST_OF(lo)))
                        return;
                } else if (!CHECK_U("xapic destination", id, (lo >> 40) & 0xff) ||
                           !CHECK_U("xapic reserved destination bits", 0,
                                    lo & VTD_IRTE_XAPIC_DST_RESERVED)) {
                    return;
                }
            }
        }
    }
}

static void msi_address_by_hand(void)
{
    CHECK_U("index 5", UINT64_C(0xfee000b0), irte_msi_address(5));
    CHECK_U("index 0x8001", UINT64_C(0xfee00034), irte_msi_address(0x8001));
    CHECK_U("data", 0, irte_msi_data());
}

static void msi_handles_round_trip(void)
{
    for (uint32_t i = 0; i < 0x10000; i++) {
        uint64_t a = irte_msi_address(i);
        if (!CHECK_U("handle", i, handle_of_msi(a)) ||
            !CHECK_U("interrupt window", 0xfee, a >> 20) ||
            !CHECK_U("remappable", VTD_MSI_ADDRESS_REMAPPABLE, a & VTD_MSI_ADDRESS_REMAPPABLE) ||
            !CHECK_U("no subhandle", 0, a & VTD_MSI_ADDRESS_SHV) ||
            !CHECK_U("dword aligned", 0, a & 3))
            return;
    }
}

static void ioapic_entry_by_hand(void)
{
    CHECK_U("index 0x8003, vector 0x40, level, active low",
            IOAPIC_REDIR_REMAPPABLE | UINT64_C(3) << 49 | UINT64_C(1) << 11 | 0x40 |
                IOAPIC_REDIR_LEVEL | IOAPIC_REDIR_ACTIVE_LOW,
            irte_ioapic_redirection(0x8003, 0x40, true, true));
    CHECK_U("index 2, vector 0x32, edge", UINT64_C(0x0005000000000032),
            irte_ioapic_redirection(2, 0x32, false, false));
}

/* The IOAPIC's message for a remappable entry names the same entry as an
 * MSI the kernel encodes directly, and the entry is never masked. */
static void ioapic_handles_round_trip(void)
{
    for (uint32_t i = 0; i < 0x10000; i++) {
        uint64_t rte = irte_ioapic_redirection(i, (uint8_t)i, (i & 1) != 0, (i & 2) != 0);
        if (!CHECK_U("same address as the MSI", irte_msi_address(i), ioapic_msi_address(rte)) ||
            !CHECK_U("unmasked", 0, rte & IOAPIC_REDIR_MASKED) ||
            !CHECK_U("vector", i & 0xff, rte & 0xff) ||
            !CHECK_U("fixed delivery", 0, rte & (7u << 8)))
            return;
    }
}

int main(void)
{
    check_suite("irte");
    RUN_TEST(xapic_entry_by_hand);
    RUN_TEST(x2apic_level_entry_by_hand);
    RUN_TEST(xapic_id_above_255_refused);
    RUN_TEST(every_field_round_trips);
    RUN_TEST(msi_address_by_hand);
    RUN_TEST(msi_handles_round_trip);
    RUN_TEST(ioapic_entry_by_hand);
    RUN_TEST(ioapic_handles_round_trip);
    return check_exit_code();
}
