/* See acpi_builder.h. Layouts follow arch/x86_64/acpi_tables.h. */
#include "tests/unit/acpi_builder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/acpi_tables.h"

static void need(struct acpi_tb *t, size_t n)
{
    if (t->len + n > sizeof(t->buf)) {
        fprintf(stderr, "acpi_builder: table larger than %d bytes\n", ACPI_TB_MAX);
        abort();
    }
}

void acpi_tb_u8(struct acpi_tb *t, uint8_t v)
{
    need(t, 1);
    t->buf[t->len++] = v;
}

void acpi_tb_u16(struct acpi_tb *t, uint16_t v)
{
    acpi_tb_u8(t, (uint8_t)v);
    acpi_tb_u8(t, (uint8_t)(v >> 8));
}

void acpi_tb_u32(struct acpi_tb *t, uint32_t v)
{
    acpi_tb_u16(t, (uint16_t)v);
    acpi_tb_u16(t, (uint16_t)(v >> 16));
}

void acpi_tb_u64(struct acpi_tb *t, uint64_t v)
{
    acpi_tb_u32(t, (uint32_t)v);
    acpi_tb_u32(t, (uint32_t)(v >> 32));
}

void acpi_tb_zeros(struct acpi_tb *t, size_t n)
{
    need(t, n);
    memset(t->buf + t->len, 0, n);
    t->len += n;
}

static void put32_at(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void put64_at(uint8_t *p, uint64_t v)
{
    put32_at(p, (uint32_t)v);
    put32_at(p + 4, (uint32_t)(v >> 32));
}

void acpi_tb_begin(struct acpi_tb *t, const char sig[4])
{
    memset(t, 0, sizeof(*t));
    memcpy(t->buf + ACPI_HDR_OFF_SIGNATURE, sig, ACPI_SIG_LEN);
    t->buf[ACPI_HDR_OFF_REVISION] = 1;
    memcpy(t->buf + ACPI_HDR_OFF_OEM_ID, "ATOLL ", ACPI_OEM_ID_LEN);
    memcpy(t->buf + ACPI_HDR_OFF_OEM_TABLE_ID, "ATOLLTST", 8);
    put32_at(t->buf + ACPI_HDR_OFF_OEM_REVISION, 1);
    memcpy(t->buf + ACPI_HDR_OFF_CREATOR_ID, "ATOL", 4);
    put32_at(t->buf + ACPI_HDR_OFF_CREATOR_REV, 1);
    t->len = ACPI_HDR_LEN;
}

uint8_t acpi_sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

void acpi_fix_checksum(uint8_t *table, size_t len)
{
    table[ACPI_HDR_OFF_CHECKSUM] = 0;
    table[ACPI_HDR_OFF_CHECKSUM] = (uint8_t)(0u - acpi_sum(table, len));
}

void acpi_tb_finish(struct acpi_tb *t)
{
    put32_at(t->buf + ACPI_HDR_OFF_LENGTH, (uint32_t)t->len);
    acpi_fix_checksum(t->buf, t->len);
}

void acpi_madt_begin(struct acpi_tb *t, uint32_t lapic_phys, uint32_t flags)
{
    acpi_tb_begin(t, ACPI_SIG_MADT);
    acpi_tb_u32(t, lapic_phys);
    acpi_tb_u32(t, flags);
}

void acpi_madt_lapic(struct acpi_tb *t, uint8_t uid, uint8_t apic_id, uint32_t flags)
{
    acpi_tb_u8(t, ACPI_MADT_TYPE_LAPIC);
    acpi_tb_u8(t, ACPI_MADT_LAPIC_LEN);
    acpi_tb_u8(t, uid);
    acpi_tb_u8(t, apic_id);
    acpi_tb_u32(t, flags);
}

void acpi_madt_ioapic(struct acpi_tb *t, uint8_t id, uint32_t phys, uint32_t gsi_base)
{
    acpi_tb_u8(t, ACPI_MADT_TYPE_IOAPIC);
    acpi_tb_u8(t, ACPI_MADT_IOAPIC_LEN);
    acpi_tb_u8(t, id);
    acpi_tb_u8(t, 0);
    acpi_tb_u32(t, phys);
    acpi_tb_u32(t, gsi_base);
}

void acpi_madt_iso(struct acpi_tb *t, uint8_t bus, uint8_t source, uint32_t gsi, uint16_t flags)
{
    acpi_tb_u8(t, ACPI_MADT_TYPE_ISO);
    acpi_tb_u8(t, ACPI_MADT_ISO_LEN);
    acpi_tb_u8(t, bus);
    acpi_tb_u8(t, source);
    acpi_tb_u32(t, gsi);
    acpi_tb_u16(t, flags);
}

void acpi_madt_lapic_nmi(struct acpi_tb *t, uint8_t uid, uint16_t flags, uint8_t lint)
{
    acpi_tb_u8(t, ACPI_MADT_TYPE_LAPIC_NMI);
    acpi_tb_u8(t, ACPI_MADT_LAPIC_NMI_LEN);
    acpi_tb_u8(t, uid);
    acpi_tb_u16(t, flags);
    acpi_tb_u8(t, lint);
}

void acpi_madt_lapic_override(struct acpi_tb *t, uint64_t phys)
{
    acpi_tb_u8(t, ACPI_MADT_TYPE_LAPIC_OVERRIDE);
    acpi_tb_u8(t, ACPI_MADT_LAPIC_OVERRIDE_LEN);
    acpi_tb_u16(t, 0);
    acpi_tb_u64(t, phys);
}

void acpi_madt_x2apic(struct acpi_tb *t, uint32_t x2apic_id, uint32_t flags, uint32_t uid)
{
    acpi_tb_u8(t, ACPI_MADT_TYPE_X2APIC);
    acpi_tb_u8(t, ACPI_MADT_X2APIC_LEN);
    acpi_tb_u16(t, 0);
    acpi_tb_u32(t, x2apic_id);
    acpi_tb_u32(t, flags);
    acpi_tb_u32(t, uid);
}

void acpi_madt_x2apic_nmi(struct acpi_tb *t, uint16_t flags, uint32_t uid, uint8_t lint)
{
    acpi_tb_u8(t, ACPI_MADT_TYPE_X2APIC_NMI);
    acpi_tb_u8(t, ACPI_MADT_X2APIC_NMI_LEN);
    acpi_tb_u16(t, flags);
    acpi_tb_u32(t, uid);
    acpi_tb_u8(t, lint);
    acpi_tb_zeros(t, 3);
}

void acpi_madt_raw(struct acpi_tb *t, uint8_t type, uint8_t len, size_t fill)
{
    acpi_tb_u8(t, type);
    acpi_tb_u8(t, len);
    acpi_tb_zeros(t, fill);
}

void acpi_mcfg_begin(struct acpi_tb *t)
{
    acpi_tb_begin(t, ACPI_SIG_MCFG);
    acpi_tb_zeros(t, ACPI_MCFG_ENTRIES_OFF - ACPI_HDR_LEN);
}

void acpi_mcfg_entry(struct acpi_tb *t, uint64_t base, uint16_t segment, uint8_t bus_start,
                     uint8_t bus_end)
{
    acpi_tb_u64(t, base);
    acpi_tb_u16(t, segment);
    acpi_tb_u8(t, bus_start);
    acpi_tb_u8(t, bus_end);
    acpi_tb_u32(t, 0);
}

void acpi_dmar_build(struct acpi_tb *t, uint8_t haw, uint8_t flags)
{
    acpi_tb_begin(t, ACPI_SIG_DMAR);
    acpi_tb_u8(t, haw);
    acpi_tb_u8(t, flags);
    acpi_tb_zeros(t, ACPI_DMAR_STRUCTS_OFF - ACPI_DMAR_OFF_FLAGS - 1);
    /* VT-d 8.3 DRHD: type 0, length 16, flags INCLUDE_PCI_ALL, segment 0,
     * register base (QEMU's intel-iommu address). */
    acpi_tb_u16(t, 0);
    acpi_tb_u16(t, 16);
    acpi_tb_u8(t, 1);
    acpi_tb_u8(t, 0);
    acpi_tb_u16(t, 0);
    acpi_tb_u64(t, 0xfed90000u);
    acpi_tb_finish(t);
}

void acpi_rsdt_build(struct acpi_tb *t, const uint32_t *tables, size_t n)
{
    acpi_tb_begin(t, ACPI_SIG_RSDT);
    for (size_t i = 0; i < n; i++)
        acpi_tb_u32(t, tables[i]);
    acpi_tb_finish(t);
}

void acpi_xsdt_build(struct acpi_tb *t, const uint64_t *tables, size_t n)
{
    acpi_tb_begin(t, ACPI_SIG_XSDT);
    for (size_t i = 0; i < n; i++)
        acpi_tb_u64(t, tables[i]);
    acpi_tb_finish(t);
}

void acpi_rsdp_fix_checksums(uint8_t rsdp[36])
{
    rsdp[ACPI_RSDP_OFF_CHECKSUM] = 0;
    rsdp[ACPI_RSDP_OFF_CHECKSUM] = (uint8_t)(0u - acpi_sum(rsdp, ACPI_RSDP_V1_LEN));
    if (rsdp[ACPI_RSDP_OFF_REVISION] >= ACPI_RSDP_REVISION_XSDT) {
        rsdp[ACPI_RSDP_OFF_EXT_CHECKSUM] = 0;
        rsdp[ACPI_RSDP_OFF_EXT_CHECKSUM] = (uint8_t)(0u - acpi_sum(rsdp, ACPI_RSDP_V2_LEN));
    }
}

void acpi_rsdp_build(uint8_t out[36], uint8_t revision, uint32_t rsdt, uint64_t xsdt)
{
    memset(out, 0, ACPI_RSDP_V2_LEN);
    memcpy(out + ACPI_RSDP_OFF_SIGNATURE, ACPI_RSDP_SIGNATURE, ACPI_RSDP_SIGNATURE_LEN);
    memcpy(out + ACPI_RSDP_OFF_OEM_ID, "ATOLL ", ACPI_OEM_ID_LEN);
    out[ACPI_RSDP_OFF_REVISION] = revision;
    put32_at(out + ACPI_RSDP_OFF_RSDT, rsdt);
    if (revision >= ACPI_RSDP_REVISION_XSDT) {
        put32_at(out + ACPI_RSDP_OFF_LENGTH, ACPI_RSDP_V2_LEN);
        put64_at(out + ACPI_RSDP_OFF_XSDT, xsdt);
    }
    acpi_rsdp_fix_checksums(out);
}

void acpi_std_madt(struct acpi_tb *t)
{
    acpi_madt_begin(t, ACPI_STD_LAPIC_PHYS, ACPI_MADT_FLAG_PCAT_COMPAT);
    for (uint8_t i = 0; i < ACPI_STD_CPUS; i++)
        acpi_madt_lapic(t, i, i, ACPI_LAPIC_FLAG_ENABLED);
    acpi_madt_lapic(t, ACPI_STD_CPUS, ACPI_STD_CPUS, 0); /* present but disabled */
    acpi_madt_ioapic(t, 0, ACPI_STD_IOAPIC_PHYS, 0);
    acpi_madt_iso(t, 0, 0, 2, 0);
    acpi_madt_iso(t, 0, 9, 9, ACPI_STD_ISO9_FLAGS);
    acpi_madt_lapic_nmi(t, ACPI_LAPIC_NMI_UID_ALL, 0x5, 1);
    acpi_tb_finish(t);
}

void acpi_std_mcfg(struct acpi_tb *t)
{
    acpi_mcfg_begin(t);
    acpi_mcfg_entry(t, ACPI_STD_MCFG_BASE, 0, 0, 255);
    acpi_tb_finish(t);
}

static uint64_t align16(uint64_t v)
{
    return (v + 15) & ~(uint64_t)15;
}

static struct acpi_platform_blob *add_blob(struct acpi_platform *p, uint64_t *next,
                                           const struct acpi_tb *t)
{
    if (p->count >= ACPI_PLATFORM_MAX_BLOBS)
        abort();
    struct acpi_platform_blob *b = &p->blobs[p->count++];
    memcpy(b->sig, t->buf, 4);
    b->sig[4] = '\0';
    b->phys = *next;
    b->table = *t;
    *next = align16(*next + t->len);
    return b;
}

void acpi_platform_build(struct acpi_platform *p, uint64_t base, uint8_t revision,
                         const struct acpi_tb *madt)
{
    static struct acpi_tb t; /* large: keep it off the stack */
    uint64_t next = align16(base);
    uint64_t children[3];

    memset(p, 0, sizeof(*p));
    if (madt != NULL) {
        t = *madt;
    } else {
        acpi_std_madt(&t);
    }
    children[0] = add_blob(p, &next, &t)->phys;
    acpi_std_mcfg(&t);
    children[1] = add_blob(p, &next, &t)->phys;
    acpi_dmar_build(&t, 38, 1);
    children[2] = add_blob(p, &next, &t)->phys;

    uint32_t children32[3];
    for (size_t i = 0; i < 3; i++)
        children32[i] = (uint32_t)children[i];
    acpi_rsdt_build(&t, children32, 3);
    p->rsdt_phys = add_blob(p, &next, &t)->phys;
    if (revision >= ACPI_RSDP_REVISION_XSDT) {
        acpi_xsdt_build(&t, children, 3);
        p->xsdt_phys = add_blob(p, &next, &t)->phys;
    }
    acpi_rsdp_build(p->rsdp, revision, (uint32_t)p->rsdt_phys, p->xsdt_phys);
    p->rsdp_len = revision >= ACPI_RSDP_REVISION_XSDT ? ACPI_RSDP_V2_LEN : ACPI_RSDP_V1_LEN;
}

struct acpi_platform_blob *acpi_platform_find(struct acpi_platform *p, const char *sig)
{
    for (size_t i = 0; i < p->count; i++) {
        if (memcmp(p->blobs[i].sig, sig, 4) == 0)
            return &p->blobs[i];
    }
    return NULL;
}

void acpi_platform_to_fake_mem(const struct acpi_platform *p, struct fake_mem *fm)
{
    for (size_t i = 0; i < p->count; i++)
        fake_mem_add(fm, p->blobs[i].phys, p->blobs[i].table.buf, p->blobs[i].table.len);
}

size_t acpi_platform_to_image(const struct acpi_platform *p, uint8_t *out, size_t cap)
{
    size_t end = ACPI_RSDP_V2_LEN;
    if (cap < end)
        return 0;
    memset(out, 0, cap);
    memcpy(out, p->rsdp, ACPI_RSDP_V2_LEN);
    for (size_t i = 0; i < p->count; i++) {
        const struct acpi_platform_blob *b = &p->blobs[i];
        if (b->phys > cap - ACPI_RSDP_V2_LEN || b->table.len > cap - ACPI_RSDP_V2_LEN - b->phys)
            return 0;
        memcpy(out + ACPI_RSDP_V2_LEN + b->phys, b->table.buf, b->table.len);
        if (ACPI_RSDP_V2_LEN + b->phys + b->table.len > end)
            end = ACPI_RSDP_V2_LEN + b->phys + b->table.len;
    }
    return end;
}
