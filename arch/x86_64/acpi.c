/* ACPI table discovery: RSDP -> XSDT (or RSDT) -> MADT, MCFG, DMAR.
 *
 * Everything read here is untrusted firmware data. The rules:
 *  - every multi-byte field is read byte-wise (tables are packed and
 *    misaligned; a struct overlay would be undefined behaviour);
 *  - a table is used only after its length was bounded and the whole
 *    length was mapped and checksummed (ACPI 6.5, 5.2.6);
 *  - only the pointer returned by the most recent map() call is ever
 *    dereferenced, so the kernel's mapper may reuse a single window;
 *  - every range mapped starts at a table's address (header first, then
 *    the whole table), so a recording mapper sees one range per table;
 *  - every loop is bounded by a length that was checked against the
 *    mapping, so no input can make the walk run forever or recurse.
 *
 * Portable C11: no libc, builds freestanding in the kernel and on the host
 * under ASan/UBSan and libFuzzer. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/acpi_tables.h"
#include "kernel/bytes.h"
#include "kernel/log.h"

/* State of one acpi_parse() call. */
struct acpi_walk {
    acpi_map_fn map;
    void *ctx;
    struct acpi_info *info;
    /* Overflow of a fixed-size array is reported once, not per entry:
     * a 256-CPU machine must not print 192 lines. */
    bool cpus_full_reported;
    bool ioapics_full_reported;
    bool overrides_full_reported;
    bool nmis_full_reported;
    bool mcfg_full_reported;
    bool mcfg_parsed; /* a valid MCFG was seen, even one without entries */
};

#define ACPI_WARN(walk, ...)                                                                       \
    do {                                                                                           \
        (walk)->info->warnings++;                                                                  \
        KLOG_WARN("acpi: " __VA_ARGS__);                                                           \
    } while (0)

static bool bytes_equal(const uint8_t *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] != (uint8_t)b[i])
            return false;
    }
    return true;
}

/* ACPI checksums: all bytes of the structure sum to zero modulo 256. */
static uint8_t byte_sum(const uint8_t *p, size_t n)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum = (uint8_t)(sum + p[i]);
    return sum;
}

static const uint8_t *map_bytes(struct acpi_walk *w, uint64_t phys, size_t len)
{
    return (const uint8_t *)w->map(w->ctx, phys, len);
}

/* Maps the whole table at `phys` whose header claims `len` bytes, and checks
 * length and checksum (5.2.6). Returns NULL, with a warning, if the table
 * must not be used. `name` is the expected signature, for messages. */
static const uint8_t *map_checked_table(struct acpi_walk *w, uint64_t phys, uint32_t len,
                                        const char *name)
{
    if (len < ACPI_HDR_LEN) {
        ACPI_WARN(w, "%s at 0x%llx: length %u is shorter than its header, skipped", name,
                  (unsigned long long)phys, len);
        return NULL;
    }
    if (len > ACPI_TABLE_MAX_LEN) {
        ACPI_WARN(w, "%s at 0x%llx: length %u is absurdly large, skipped", name,
                  (unsigned long long)phys, len);
        return NULL;
    }
    if (phys > UINT64_MAX - len) {
        ACPI_WARN(w, "%s at 0x%llx: length %u wraps the address space, skipped", name,
                  (unsigned long long)phys, len);
        return NULL;
    }
    const uint8_t *tbl = map_bytes(w, phys, len);
    if (tbl == NULL) {
        ACPI_WARN(w, "%s at 0x%llx: length %u runs past its mapping, skipped", name,
                  (unsigned long long)phys, len);
        return NULL;
    }
    if (byte_sum(tbl, len) != 0) {
        ACPI_WARN(w, "%s at 0x%llx: bad checksum, skipped", name, (unsigned long long)phys);
        return NULL;
    }
    return tbl;
}

/* ---- MADT (5.2.12) ---------------------------------------------------- */

/* Minimum length of a MADT entry type this parser uses; 0 for types it
 * ignores (those are skipped by their own length, unchecked). */
static uint32_t madt_entry_min_len(uint8_t type)
{
    switch (type) {
    case ACPI_MADT_TYPE_LAPIC:
        return ACPI_MADT_LAPIC_LEN;
    case ACPI_MADT_TYPE_IOAPIC:
        return ACPI_MADT_IOAPIC_LEN;
    case ACPI_MADT_TYPE_ISO:
        return ACPI_MADT_ISO_LEN;
    case ACPI_MADT_TYPE_LAPIC_NMI:
        return ACPI_MADT_LAPIC_NMI_LEN;
    case ACPI_MADT_TYPE_LAPIC_OVERRIDE:
        return ACPI_MADT_LAPIC_OVERRIDE_LEN;
    case ACPI_MADT_TYPE_X2APIC:
        return ACPI_MADT_X2APIC_LEN;
    case ACPI_MADT_TYPE_X2APIC_NMI:
        return ACPI_MADT_X2APIC_NMI_LEN;
    default:
        return 0;
    }
}

static void madt_add_cpu(struct acpi_walk *w, uint32_t apic_id, uint32_t uid, uint32_t flags,
                         bool x2apic)
{
    struct acpi_info *info = w->info;

    /* 5.2.12.2, Table 5.23: a processor that is neither enabled nor
     * online-capable cannot be used by the OS. */
    if ((flags & (ACPI_LAPIC_FLAG_ENABLED | ACPI_LAPIC_FLAG_ONLINE_CAPABLE)) == 0) {
        info->cpus_ignored++;
        return;
    }

    for (uint32_t i = 0; i < info->cpu_count; i++) {
        if (info->cpus[i].apic_id != apic_id)
            continue;
        /* 5.2.12.12: ids below 255 belong in Local APIC entries, but some
         * firmware also lists them as x2APIC entries: one processor. */
        if (info->cpus[i].x2apic != x2apic && apic_id < ACPI_XAPIC_ID_LIMIT)
            return;
        ACPI_WARN(w, "MADT: processor with APIC id %u listed twice, second entry ignored", apic_id);
        return;
    }

    if (info->cpu_count >= ACPI_MAX_CPUS) {
        info->cpus_ignored++;
        if (!w->cpus_full_reported) {
            w->cpus_full_reported = true;
            ACPI_WARN(w, "MADT: more than %u processors, APIC id %u and later ignored",
                      (unsigned)ACPI_MAX_CPUS, apic_id);
        }
        return;
    }

    struct acpi_cpu *cpu = &info->cpus[info->cpu_count++];
    cpu->apic_id = apic_id;
    cpu->acpi_uid = uid;
    cpu->x2apic = x2apic;
}

static void madt_add_ioapic(struct acpi_walk *w, const uint8_t *e)
{
    struct acpi_info *info = w->info;

    if (info->ioapic_count >= ACPI_MAX_IOAPICS) {
        if (!w->ioapics_full_reported) {
            w->ioapics_full_reported = true;
            ACPI_WARN(w, "MADT: more than %u I/O APICs, the rest ignored",
                      (unsigned)ACPI_MAX_IOAPICS);
        }
        return;
    }
    struct acpi_ioapic *io = &info->ioapics[info->ioapic_count++];
    io->id = ld8(e + ACPI_MADT_IOAPIC_OFF_ID);
    io->phys = ld32(e + ACPI_MADT_IOAPIC_OFF_ADDR);
    io->gsi_base = ld32(e + ACPI_MADT_IOAPIC_OFF_GSI_BASE);
}

static void madt_add_override(struct acpi_walk *w, const uint8_t *e)
{
    struct acpi_info *info = w->info;
    uint8_t bus = ld8(e + ACPI_MADT_ISO_OFF_BUS);
    uint8_t source = ld8(e + ACPI_MADT_ISO_OFF_SOURCE);

    /* 5.2.12.5: bus is always 0 (ISA); anything else we cannot interpret. */
    if (bus != ACPI_MADT_ISO_BUS_ISA) {
        ACPI_WARN(w, "MADT: interrupt source override for bus %u (not ISA) ignored", bus);
        return;
    }
    for (uint32_t i = 0; i < info->override_count; i++) {
        if (info->overrides[i].bus_irq == source) {
            ACPI_WARN(w, "MADT: second override for ISA IRQ %u ignored", source);
            return;
        }
    }
    if (info->override_count >= ACPI_MAX_OVERRIDES) {
        if (!w->overrides_full_reported) {
            w->overrides_full_reported = true;
            ACPI_WARN(w, "MADT: more than %u interrupt source overrides, the rest ignored",
                      (unsigned)ACPI_MAX_OVERRIDES);
        }
        return;
    }
    struct acpi_override *o = &info->overrides[info->override_count++];
    o->bus_irq = source;
    o->gsi = ld32(e + ACPI_MADT_ISO_OFF_GSI);
    o->flags = ld16(e + ACPI_MADT_ISO_OFF_FLAGS);
}

static void madt_add_nmi(struct acpi_walk *w, uint32_t uid, uint8_t lint, uint16_t flags)
{
    struct acpi_info *info = w->info;

    if (lint > ACPI_LINT_MAX) {
        ACPI_WARN(w, "MADT: local APIC NMI on LINT%u (no such input) ignored", lint);
        return;
    }
    if (info->lapic_nmi_count >= ACPI_MAX_LAPIC_NMI) {
        if (!w->nmis_full_reported) {
            w->nmis_full_reported = true;
            ACPI_WARN(w, "MADT: more than %u local APIC NMI entries, the rest ignored",
                      (unsigned)ACPI_MAX_LAPIC_NMI);
        }
        return;
    }
    struct acpi_lapic_nmi *n = &info->lapic_nmis[info->lapic_nmi_count++];
    n->acpi_uid = uid;
    n->lint = lint;
    n->flags = flags;
}

/* One interrupt controller structure whose length was checked against
 * both the table end and the minimum for its type. */
static void madt_entry(struct acpi_walk *w, uint8_t type, const uint8_t *e)
{
    switch (type) {
    case ACPI_MADT_TYPE_LAPIC:
        madt_add_cpu(w, ld8(e + ACPI_MADT_LAPIC_OFF_ID), ld8(e + ACPI_MADT_LAPIC_OFF_UID),
                     ld32(e + ACPI_MADT_LAPIC_OFF_FLAGS), false);
        break;
    case ACPI_MADT_TYPE_IOAPIC:
        madt_add_ioapic(w, e);
        break;
    case ACPI_MADT_TYPE_ISO:
        madt_add_override(w, e);
        break;
    case ACPI_MADT_TYPE_LAPIC_NMI: {
        /* 5.2.12.7: the 8-bit UID 0xff means all processors; it is kept as
         * 0xff, as documented in acpi.h. */
        madt_add_nmi(w, ld8(e + ACPI_MADT_LAPIC_NMI_OFF_UID), ld8(e + ACPI_MADT_LAPIC_NMI_OFF_LINT),
                     ld16(e + ACPI_MADT_LAPIC_NMI_OFF_FLAGS));
        break;
    }
    case ACPI_MADT_TYPE_LAPIC_OVERRIDE:
        /* 5.2.12.8: replaces the 32-bit address in the MADT header. */
        w->info->lapic_phys = ld64(e + ACPI_MADT_LAPIC_OVERRIDE_OFF_ADDR);
        break;
    case ACPI_MADT_TYPE_X2APIC:
        madt_add_cpu(w, ld32(e + ACPI_MADT_X2APIC_OFF_ID), ld32(e + ACPI_MADT_X2APIC_OFF_UID),
                     ld32(e + ACPI_MADT_X2APIC_OFF_FLAGS), true);
        break;
    case ACPI_MADT_TYPE_X2APIC_NMI:
        madt_add_nmi(w, ld32(e + ACPI_MADT_X2APIC_NMI_OFF_UID),
                     ld8(e + ACPI_MADT_X2APIC_NMI_OFF_LINT),
                     ld16(e + ACPI_MADT_X2APIC_NMI_OFF_FLAGS));
        break;
    default:
        /* Types this kernel does not use (NMI source, GIC, ...). */
        break;
    }
}

static void parse_madt(struct acpi_walk *w, const uint8_t *tbl, uint32_t len)
{
    struct acpi_info *info = w->info;

    if (len < ACPI_MADT_ENTRIES_OFF) {
        ACPI_WARN(w, "MADT: length %u is too short for its fixed fields, skipped", len);
        return;
    }
    info->madt_present = true;
    info->lapic_phys = ld32(tbl + ACPI_MADT_OFF_LAPIC_ADDR);
    info->pcat_compat = (ld32(tbl + ACPI_MADT_OFF_FLAGS) & ACPI_MADT_FLAG_PCAT_COMPAT) != 0;

    /* Every iteration advances by at least ACPI_MADT_ENTRY_HDR_LEN, and
     * `off` never passes `len`: the walk ends. */
    uint32_t off = ACPI_MADT_ENTRIES_OFF;
    while (off < len) {
        uint32_t remaining = len - off;
        if (remaining < ACPI_MADT_ENTRY_HDR_LEN) {
            ACPI_WARN(w, "MADT: entry at offset %u is truncated by the table end, stop", off);
            break;
        }
        const uint8_t *e = tbl + off;
        uint8_t type = ld8(e + ACPI_MADT_ENTRY_OFF_TYPE);
        uint8_t elen = ld8(e + ACPI_MADT_ENTRY_OFF_LENGTH);
        if (elen < ACPI_MADT_ENTRY_HDR_LEN) {
            /* Cannot step over it: the rest of the table is unreadable. */
            ACPI_WARN(w, "MADT: entry type %u at offset %u has length %u, stop", type, off, elen);
            break;
        }
        if (elen > remaining) {
            ACPI_WARN(w,
                      "MADT: entry type %u at offset %u (length %u) runs past the table end, stop",
                      type, off, elen);
            break;
        }
        uint32_t min = madt_entry_min_len(type);
        if (elen < min) {
            ACPI_WARN(w, "MADT: entry type %u at offset %u is too short (%u < %u), skipped", type,
                      off, elen, min);
        } else {
            madt_entry(w, type, e);
        }
        off += elen;
    }
}

/* ---- MCFG (PCI Firmware Specification 3.2, 4.1.2) -------------------- */

static void parse_mcfg(struct acpi_walk *w, const uint8_t *tbl, uint32_t len)
{
    struct acpi_info *info = w->info;

    if (len < ACPI_MCFG_ENTRIES_OFF) {
        ACPI_WARN(w, "MCFG: length %u is too short for its fixed fields, skipped", len);
        return;
    }
    w->mcfg_parsed = true;
    uint32_t body = len - ACPI_MCFG_ENTRIES_OFF;
    if (body % ACPI_MCFG_ENTRY_LEN != 0)
        ACPI_WARN(w, "MCFG: %u trailing bytes after the last entry ignored",
                  body % ACPI_MCFG_ENTRY_LEN);

    uint32_t count = body / ACPI_MCFG_ENTRY_LEN;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = tbl + ACPI_MCFG_ENTRIES_OFF + i * ACPI_MCFG_ENTRY_LEN;
        uint8_t bus_start = ld8(e + ACPI_MCFG_ENTRY_OFF_BUS_START);
        uint8_t bus_end = ld8(e + ACPI_MCFG_ENTRY_OFF_BUS_END);
        uint16_t segment = ld16(e + ACPI_MCFG_ENTRY_OFF_SEGMENT);
        if (bus_end < bus_start) {
            ACPI_WARN(w, "MCFG: segment %u has bus range %u..%u (end before start), skipped",
                      segment, bus_start, bus_end);
            continue;
        }
        if (info->mcfg_count >= ACPI_MAX_MCFG) {
            if (!w->mcfg_full_reported) {
                w->mcfg_full_reported = true;
                ACPI_WARN(w, "MCFG: more than %u entries, the rest ignored",
                          (unsigned)ACPI_MAX_MCFG);
            }
            continue;
        }
        struct acpi_mcfg *m = &info->mcfg[info->mcfg_count++];
        m->base = ld64(e + ACPI_MCFG_ENTRY_OFF_BASE);
        m->segment = segment;
        m->bus_start = bus_start;
        m->bus_end = bus_end;
    }
}

/* ---- Table dispatch --------------------------------------------------- */

enum acpi_known_table {
    ACPI_TABLE_UNKNOWN,
    ACPI_TABLE_MADT,
    ACPI_TABLE_MCFG,
    ACPI_TABLE_DMAR,
};

static enum acpi_known_table classify(const uint8_t *hdr, const char **name)
{
    if (bytes_equal(hdr + ACPI_HDR_OFF_SIGNATURE, ACPI_SIG_MADT, ACPI_SIG_LEN)) {
        *name = ACPI_SIG_MADT;
        return ACPI_TABLE_MADT;
    }
    if (bytes_equal(hdr + ACPI_HDR_OFF_SIGNATURE, ACPI_SIG_MCFG, ACPI_SIG_LEN)) {
        *name = ACPI_SIG_MCFG;
        return ACPI_TABLE_MCFG;
    }
    if (bytes_equal(hdr + ACPI_HDR_OFF_SIGNATURE, ACPI_SIG_DMAR, ACPI_SIG_LEN)) {
        *name = ACPI_SIG_DMAR;
        return ACPI_TABLE_DMAR;
    }
    *name = "unknown";
    return ACPI_TABLE_UNKNOWN;
}

static bool table_already_used(const struct acpi_walk *w, enum acpi_known_table kind)
{
    switch (kind) {
    case ACPI_TABLE_MADT:
        return w->info->madt_present;
    case ACPI_TABLE_MCFG:
        return w->mcfg_parsed;
    case ACPI_TABLE_DMAR:
        return w->info->dmar_present;
    default:
        return false;
    }
}

/* One table named by the RSDT/XSDT. Tables we do not use are not even
 * mapped beyond their header (and so not checksummed): ignored silently. */
static void visit_table(struct acpi_walk *w, uint64_t phys)
{
    const uint8_t *hdr = map_bytes(w, phys, ACPI_HDR_LEN);
    if (hdr == NULL) {
        ACPI_WARN(w, "table at 0x%llx: header cannot be mapped, skipped", (unsigned long long)phys);
        return;
    }
    const char *name;
    enum acpi_known_table kind = classify(hdr, &name);
    uint32_t len = ld32(hdr + ACPI_HDR_OFF_LENGTH);
    /* `hdr` is dead from here on: the next map() may reuse its window. */
    if (kind == ACPI_TABLE_UNKNOWN)
        return;

    /* A root table listing the same table twice (or two different MADTs)
     * would count every processor twice: the first valid one wins. */
    if (table_already_used(w, kind)) {
        ACPI_WARN(w, "%s at 0x%llx: a second %s table, ignored", name, (unsigned long long)phys,
                  name);
        return;
    }

    const uint8_t *tbl = map_checked_table(w, phys, len, name);
    if (tbl == NULL)
        return;

    switch (kind) {
    case ACPI_TABLE_MADT:
        parse_madt(w, tbl, len);
        break;
    case ACPI_TABLE_MCFG:
        parse_mcfg(w, tbl, len);
        break;
    case ACPI_TABLE_DMAR:
        if (len < ACPI_DMAR_MIN_LEN) {
            ACPI_WARN(w, "DMAR at 0x%llx: length %u is too short for its fixed fields, skipped",
                      (unsigned long long)phys, len);
            break;
        }
        w->info->dmar_present = true;
        w->info->dmar_phys = phys;
        w->info->dmar_length = len;
        break;
    default:
        break;
    }
}

/* A root table (RSDT or XSDT) that passed check_root(). */
struct acpi_root {
    uint64_t phys;
    uint32_t len;
    uint32_t entry_len; /* ACPI_RSDT_ENTRY_LEN or ACPI_XSDT_ENTRY_LEN */
    uint32_t count;     /* entries */
    const char *sig;
};

/* Validates the root table at root->phys. Returns false, with a warning,
 * if it is unusable; otherwise fills in its length and entry count. */
static bool check_root(struct acpi_walk *w, struct acpi_root *root)
{
    const uint8_t *hdr = map_bytes(w, root->phys, ACPI_HDR_LEN);
    if (hdr == NULL) {
        ACPI_WARN(w, "%s at 0x%llx: header cannot be mapped", root->sig,
                  (unsigned long long)root->phys);
        return false;
    }
    if (!bytes_equal(hdr + ACPI_HDR_OFF_SIGNATURE, root->sig, ACPI_SIG_LEN)) {
        ACPI_WARN(w, "%s at 0x%llx: wrong signature", root->sig, (unsigned long long)root->phys);
        return false;
    }
    root->len = ld32(hdr + ACPI_HDR_OFF_LENGTH);
    if (map_checked_table(w, root->phys, root->len, root->sig) == NULL)
        return false;

    uint32_t body = root->len - ACPI_HDR_LEN;
    if (body % root->entry_len != 0)
        ACPI_WARN(w, "%s: %u trailing bytes after the last entry ignored", root->sig,
                  body % root->entry_len);
    root->count = body / root->entry_len;
    return true;
}

/* Walks the entries of a root table that check_root() accepted. The root
 * is mapped again, whole and at the same address, for every entry: its
 * previous mapping may be gone once a child table has been mapped, and a
 * mapper that records what was mapped (the kernel's atoll.dump=acpi) sees
 * one range per table. The loop is bounded by the validated length, so
 * entries pointing at the root itself or at each other cannot loop. */
static void walk_root(struct acpi_walk *w, const struct acpi_root *root)
{
    for (uint32_t i = 0; i < root->count; i++) {
        const uint8_t *tbl = map_bytes(w, root->phys, root->len);
        if (tbl == NULL) {
            ACPI_WARN(w, "%s: cannot be mapped again at entry %u, stop", root->sig, i);
            return;
        }
        const uint8_t *e = tbl + ACPI_HDR_LEN + (size_t)i * root->entry_len;
        uint64_t table = root->entry_len == ACPI_XSDT_ENTRY_LEN ? ld64(e) : ld32(e);
        if (table == 0) {
            ACPI_WARN(w, "%s: entry %u is a null pointer, skipped", root->sig, i);
            continue;
        }
        visit_table(w, table);
    }
}

/* 5.2.5.3: revision >= 2 adds a length, the XSDT address and an extended
 * checksum over `length` bytes. Returns the XSDT address to try, or 0 if
 * the extended part is absent or unusable (then the RSDT is used). */
static uint64_t rsdp_xsdt_address(struct acpi_walk *w, const uint8_t *rsdp, size_t rsdp_len)
{
    if (w->info->revision < ACPI_RSDP_REVISION_XSDT)
        return 0;
    if (rsdp_len < ACPI_RSDP_V2_LEN) {
        ACPI_WARN(w, "RSDP revision %u but only %u bytes were provided, using the RSDT",
                  w->info->revision, (unsigned)rsdp_len);
        return 0;
    }
    uint32_t len = ld32(rsdp + ACPI_RSDP_OFF_LENGTH);
    if (len < ACPI_RSDP_V2_LEN || len > rsdp_len) {
        ACPI_WARN(w, "RSDP length %u is outside %u..%u, using the RSDT", len,
                  (unsigned)ACPI_RSDP_V2_LEN, (unsigned)rsdp_len);
        return 0;
    }
    /* The first 20 bytes were already verified on their own, so the RSDT
     * address is trustworthy even when the extended part is not. */
    if (byte_sum(rsdp, len) != 0) {
        ACPI_WARN(w, "RSDP extended checksum is bad, using the RSDT");
        return 0;
    }
    return ld64(rsdp + ACPI_RSDP_OFF_XSDT);
}

int acpi_parse(const void *rsdp_ptr, size_t rsdp_len, acpi_map_fn map, void *ctx,
               struct acpi_info *out)
{
    if (out == NULL)
        return -1;
    zero_bytes(out, sizeof(*out));

    struct acpi_walk w = {.map = map, .ctx = ctx, .info = out};
    const uint8_t *rsdp = rsdp_ptr;

    if (rsdp == NULL || map == NULL || rsdp_len < ACPI_RSDP_V1_LEN) {
        ACPI_WARN(&w, "no RSDP (or shorter than %u bytes)", (unsigned)ACPI_RSDP_V1_LEN);
        return -1;
    }
    if (!bytes_equal(rsdp + ACPI_RSDP_OFF_SIGNATURE, ACPI_RSDP_SIGNATURE,
                     ACPI_RSDP_SIGNATURE_LEN)) {
        ACPI_WARN(&w, "RSDP has a wrong signature");
        return -1;
    }
    if (byte_sum(rsdp, ACPI_RSDP_V1_LEN) != 0) {
        ACPI_WARN(&w, "RSDP checksum is bad");
        return -1;
    }
    out->revision = ld8(rsdp + ACPI_RSDP_OFF_REVISION);
    for (size_t i = 0; i < ACPI_OEM_ID_LEN; i++)
        out->oem_id[i] = (char)rsdp[ACPI_RSDP_OFF_OEM_ID + i];
    out->oem_id[ACPI_OEM_ID_LEN] = '\0';

    struct acpi_root xsdt = {.phys = rsdp_xsdt_address(&w, rsdp, rsdp_len),
                             .entry_len = ACPI_XSDT_ENTRY_LEN,
                             .sig = ACPI_SIG_XSDT};
    if (xsdt.phys != 0) {
        if (check_root(&w, &xsdt)) {
            out->used_xsdt = true;
            walk_root(&w, &xsdt);
            return 0;
        }
        ACPI_WARN(&w, "XSDT unusable, falling back to the RSDT");
    }

    struct acpi_root rsdt = {.phys = ld32(rsdp + ACPI_RSDP_OFF_RSDT),
                             .entry_len = ACPI_RSDT_ENTRY_LEN,
                             .sig = ACPI_SIG_RSDT};
    if (rsdt.phys == 0) {
        ACPI_WARN(&w, "RSDP names no RSDT");
        return -1;
    }
    if (!check_root(&w, &rsdt))
        return -1;
    walk_root(&w, &rsdt);
    return 0;
}

uint32_t acpi_isa_irq_to_gsi(const struct acpi_info *info, uint8_t irq, uint16_t *flags)
{
    if (info != NULL) {
        for (uint32_t i = 0; i < info->override_count && i < ACPI_MAX_OVERRIDES; i++) {
            if (info->overrides[i].bus_irq == irq) {
                if (flags != NULL)
                    *flags = info->overrides[i].flags;
                return info->overrides[i].gsi;
            }
        }
    }
    /* 5.2.12.5: without an override, ISA IRQ n is GSI n with the ISA
     * default (edge, active high), expressed as "conforms" = 0. */
    if (flags != NULL)
        *flags = 0;
    return irq;
}
