/* See dmar_builder.h. Layouts follow iommu/dmar_tables.h. */
#include "tests/unit/dmar_builder.h"

#include <stdlib.h>

#include "arch/x86_64/acpi_tables.h"
#include "iommu/dmar_tables.h"

void dmar_tb_begin(struct acpi_tb *t, uint8_t haw, uint8_t flags)
{
    acpi_tb_begin(t, ACPI_SIG_DMAR);
    acpi_tb_u8(t, haw);
    acpi_tb_u8(t, flags);
    acpi_tb_zeros(t, ACPI_DMAR_STRUCTS_OFF - ACPI_DMAR_OFF_FLAGS - 1);
}

static size_t struct_begin(struct acpi_tb *t, uint16_t type)
{
    size_t at = t->len;
    acpi_tb_u16(t, type);
    acpi_tb_u16(t, 0); /* length, written by dmar_tb_end_struct() */
    return at;
}

void dmar_tb_set_struct_len(struct acpi_tb *t, size_t at, uint16_t len)
{
    if (at + DMAR_STRUCT_HDR_LEN > t->len)
        abort();
    t->buf[at + DMAR_STRUCT_OFF_LENGTH] = (uint8_t)len;
    t->buf[at + DMAR_STRUCT_OFF_LENGTH + 1] = (uint8_t)(len >> 8);
}

void dmar_tb_end_struct(struct acpi_tb *t, size_t at)
{
    dmar_tb_set_struct_len(t, at, (uint16_t)(t->len - at));
}

size_t dmar_tb_drhd(struct acpi_tb *t, uint8_t flags, uint16_t segment, uint64_t base)
{
    size_t at = struct_begin(t, DMAR_TYPE_DRHD);
    acpi_tb_u8(t, flags);
    acpi_tb_u8(t, 0); /* size: one page */
    acpi_tb_u16(t, segment);
    acpi_tb_u64(t, base);
    return at;
}

size_t dmar_tb_rmrr(struct acpi_tb *t, uint16_t segment, uint64_t base, uint64_t limit)
{
    size_t at = struct_begin(t, DMAR_TYPE_RMRR);
    acpi_tb_u16(t, 0);
    acpi_tb_u16(t, segment);
    acpi_tb_u64(t, base);
    acpi_tb_u64(t, limit);
    return at;
}

size_t dmar_tb_atsr(struct acpi_tb *t, uint8_t flags, uint16_t segment)
{
    size_t at = struct_begin(t, DMAR_TYPE_ATSR);
    acpi_tb_u8(t, flags);
    acpi_tb_u8(t, 0);
    acpi_tb_u16(t, segment);
    return at;
}

size_t dmar_tb_raw_struct(struct acpi_tb *t, uint16_t type, size_t fill)
{
    size_t at = struct_begin(t, type);
    acpi_tb_zeros(t, fill);
    return at;
}

void dmar_tb_scope(struct acpi_tb *t, uint8_t type, uint8_t enum_id, uint8_t start_bus,
                   const uint8_t (*path)[2], size_t n)
{
    acpi_tb_u8(t, type);
    acpi_tb_u8(t, (uint8_t)(DMAR_SCOPE_PATH_OFF + n * DMAR_SCOPE_PATH_ENTRY_LEN));
    acpi_tb_u16(t, 0); /* flags, reserved */
    acpi_tb_u8(t, enum_id);
    acpi_tb_u8(t, start_bus);
    for (size_t i = 0; i < n; i++) {
        acpi_tb_u8(t, path[i][0]);
        acpi_tb_u8(t, path[i][1]);
    }
}

void dmar_tb_endpoint(struct acpi_tb *t, uint8_t bus, uint8_t dev, uint8_t fn)
{
    const uint8_t path[1][2] = {{dev, fn}};
    dmar_tb_scope(t, DMAR_SCOPE_PCI_ENDPOINT, 0, bus, path, 1);
}

void dmar_tb_scope_raw(struct acpi_tb *t, uint8_t type, uint8_t len, size_t fill)
{
    acpi_tb_u8(t, type);
    acpi_tb_u8(t, len);
    acpi_tb_zeros(t, fill);
}

void dmar_std_build(struct acpi_tb *t)
{
    dmar_tb_begin(t, DMAR_STD_HAW_FIELD, DMAR_FLAG_INTR_REMAP);

    size_t s = dmar_tb_drhd(t, 0, 0, DMAR_STD_UNIT0_BASE);
    dmar_tb_endpoint(t, 0, 2, 0);
    const uint8_t bridge[1][2] = {{0x1c, 0}};
    dmar_tb_scope(t, DMAR_SCOPE_PCI_SUBHIERARCHY, 0, 0, bridge, 1);
    dmar_tb_endpoint(t, 0, 0x1f, 3);
    dmar_tb_end_struct(t, s);

    s = dmar_tb_drhd(t, 0, 1, DMAR_STD_UNIT2_BASE);
    const uint8_t deep[2][2] = {{1, 0}, {0, 0}};
    dmar_tb_scope(t, DMAR_SCOPE_PCI_ENDPOINT, 0, 3, deep, 2);
    dmar_tb_end_struct(t, s);

    s = dmar_tb_drhd(t, DMAR_DRHD_FLAG_INCLUDE_PCI_ALL, 0, DMAR_STD_UNIT1_BASE);
    const uint8_t ioapic[1][2] = {{0x1f, 0}};
    dmar_tb_scope(t, DMAR_SCOPE_IOAPIC, DMAR_STD_IOAPIC_ID, 0xf0, ioapic, 1);
    const uint8_t hpet[1][2] = {{0x1f, 7}};
    dmar_tb_scope(t, DMAR_SCOPE_HPET, 0, 0, hpet, 1);
    dmar_tb_end_struct(t, s);

    s = dmar_tb_rmrr(t, 0, DMAR_STD_RMRR_BASE, DMAR_STD_RMRR_LIMIT);
    dmar_tb_endpoint(t, 0, 0x1d, 0);
    dmar_tb_endpoint(t, 0, 0x1a, 0);
    dmar_tb_end_struct(t, s);

    s = dmar_tb_atsr(t, DMAR_ATSR_FLAG_ALL_PORTS, 0);
    dmar_tb_end_struct(t, s);

    s = dmar_tb_raw_struct(t, DMAR_TYPE_RHSA, DMAR_RHSA_LEN - DMAR_STRUCT_HDR_LEN);
    dmar_tb_end_struct(t, s);

    acpi_tb_finish(t);
}
