/* DMAR parser (VT-d Specification chapter 8). See dmar.h for the contract.
 *
 * Rules, as in arch/x86_64/acpi.c: every multi-byte field is read
 * byte-wise; every length is checked against the end of its parent before
 * anything inside it is read; every loop advances by a length that was
 * checked to be at least a header's size, so no input loops forever. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/acpi_tables.h"
#include "iommu/dmar.h"
#include "iommu/dmar_tables.h"
#include "kernel/bytes.h"
#include "kernel/log.h"

struct dmar_walk {
    struct dmar_info *info;
    bool units_full_reported;
    bool rmrrs_full_reported;
    bool atsrs_full_reported;
    bool scopes_full_reported;
};

#define DMAR_WARN(walk, ...)                                                                       \
    do {                                                                                           \
        (walk)->info->warnings++;                                                                  \
        KLOG_WARN("dmar: " __VA_ARGS__);                                                           \
    } while (0)

/* Whether a table of `max` entries holding `count` is full; the first time
 * it is, says so once (`what`: "remapping units", ...). */
static bool table_full(struct dmar_walk *w, bool *reported, uint32_t count, uint32_t max,
                       const char *what)
{
    if (count < max)
        return false;
    if (!*reported) {
        *reported = true;
        DMAR_WARN(w, "more than %u %s, the rest ignored", (unsigned)max, what);
    }
    return true;
}

/* 4 KiB, the granule of register sets and RMRRs. */
#define DMAR_PAGE_MASK UINT64_C(0xfff)
/* DRHD size field: 2^15 pages is far beyond any real register set; a
 * larger exponent would overflow the page count. */
#define DMAR_DRHD_SIZE_MAX_SHIFT 15

/* ---- Device scopes (8.3.1) ---------------------------------------------- */

static bool scope_type_known(uint8_t type)
{
    return type >= DMAR_SCOPE_PCI_ENDPOINT && type <= DMAR_SCOPE_ACPI_NAMESPACE;
}

/* Parses the scopes in [off, end) of structure `st` (already bounded by
 * the table) into the shared scope table. `what` names the parent for
 * messages. */
static void parse_scopes(struct dmar_walk *w, const uint8_t *st, uint32_t off, uint32_t end,
                         const char *what, struct dmar_scope_list *list)
{
    struct dmar_info *info = w->info;

    list->first = (uint16_t)info->scope_count;
    list->count = 0;
    list->incomplete = false;

    /* Each iteration advances by a length >= DMAR_SCOPE_PATH_OFF + 2, and
     * `off` never passes `end`. */
    while (off < end) {
        uint32_t remaining = end - off;
        if (remaining < DMAR_SCOPE_PATH_OFF) {
            DMAR_WARN(w, "%s: device scope at offset %u is truncated (%u bytes left), stop", what,
                      off, remaining);
            list->incomplete = true;
            return;
        }
        const uint8_t *s = st + off;
        uint8_t type = ld8(s + DMAR_SCOPE_OFF_TYPE);
        uint8_t slen = ld8(s + DMAR_SCOPE_OFF_LENGTH);
        if (slen < DMAR_SCOPE_PATH_OFF + DMAR_SCOPE_PATH_ENTRY_LEN) {
            /* A scope names at least one (device, function): anything
             * shorter is corrupt, and a zero length cannot be stepped. */
            DMAR_WARN(w, "%s: device scope at offset %u has length %u, stop", what, off, slen);
            list->incomplete = true;
            return;
        }
        if (slen > remaining) {
            DMAR_WARN(w, "%s: device scope at offset %u (length %u) runs past its structure, stop",
                      what, off, slen);
            list->incomplete = true;
            return;
        }
        off += slen;

        if (!scope_type_known(type)) {
            DMAR_WARN(w, "%s: device scope of unknown type %u skipped", what, type);
            continue;
        }
        uint32_t path_bytes = (uint32_t)slen - DMAR_SCOPE_PATH_OFF;
        if (path_bytes % DMAR_SCOPE_PATH_ENTRY_LEN != 0) {
            DMAR_WARN(w, "%s: device scope length %u leaves half a path entry, skipped", what,
                      slen);
            list->incomplete = true;
            continue;
        }
        uint32_t path_len = path_bytes / DMAR_SCOPE_PATH_ENTRY_LEN;
        if (path_len > DMAR_MAX_PATH) {
            DMAR_WARN(w, "%s: device scope path of %u entries (more than %u), skipped", what,
                      path_len, (unsigned)DMAR_MAX_PATH);
            list->incomplete = true;
            continue;
        }
        struct dmar_scope scope = {
            .type = type,
            .enum_id = ld8(s + DMAR_SCOPE_OFF_ENUM_ID),
            .start_bus = ld8(s + DMAR_SCOPE_OFF_START_BUS),
            .path_len = (uint8_t)path_len,
        };
        bool path_ok = true;
        for (uint32_t i = 0; i < path_len; i++) {
            const uint8_t *p = s + DMAR_SCOPE_PATH_OFF + i * DMAR_SCOPE_PATH_ENTRY_LEN;
            scope.path[i].dev = ld8(p);
            scope.path[i].fn = ld8(p + 1);
            if (scope.path[i].dev > DMAR_PCI_DEV_MAX || scope.path[i].fn > DMAR_PCI_FN_MAX)
                path_ok = false;
        }
        if (!path_ok) {
            DMAR_WARN(w, "%s: device scope names a device > %u or function > %u, skipped", what,
                      (unsigned)DMAR_PCI_DEV_MAX, (unsigned)DMAR_PCI_FN_MAX);
            list->incomplete = true;
            continue;
        }
        if (table_full(w, &w->scopes_full_reported, info->scope_count, DMAR_MAX_SCOPES,
                       "device scopes")) {
            list->incomplete = true;
            continue;
        }
        info->scopes[info->scope_count++] = scope;
        list->count++;
    }
}

/* ---- Remapping structures ---------------------------------------------- */

static void parse_drhd(struct dmar_walk *w, const uint8_t *st, uint32_t len)
{
    struct dmar_info *info = w->info;

    if (len < DMAR_DRHD_SCOPES_OFF) {
        DMAR_WARN(w, "DRHD of length %u is shorter than %u, skipped", len,
                  (unsigned)DMAR_DRHD_SCOPES_OFF);
        info->units_skipped++;
        return;
    }
    uint8_t flags = ld8(st + DMAR_DRHD_OFF_FLAGS);
    uint8_t size = ld8(st + DMAR_DRHD_OFF_SIZE) & DMAR_DRHD_SIZE_MASK;
    uint16_t segment = ld16(st + DMAR_DRHD_OFF_SEGMENT);
    uint64_t base = ld64(st + DMAR_DRHD_OFF_BASE);

    if (base == 0 || (base & DMAR_PAGE_MASK) != 0) {
        DMAR_WARN(w, "DRHD register base 0x%llx is not a 4 KiB aligned address, skipped",
                  (unsigned long long)base);
        info->units_skipped++;
        return;
    }
    if (size > DMAR_DRHD_SIZE_MAX_SHIFT) {
        DMAR_WARN(w, "DRHD at 0x%llx: register set of 2^%u pages, skipped",
                  (unsigned long long)base, size);
        info->units_skipped++;
        return;
    }
    uint64_t reg_bytes = (uint64_t)1 << (size + 12);
    if (base > UINT64_MAX - reg_bytes + 1) {
        DMAR_WARN(w, "DRHD at 0x%llx: register set wraps the address space, skipped",
                  (unsigned long long)base);
        info->units_skipped++;
        return;
    }
    for (uint32_t i = 0; i < info->unit_count; i++) {
        if (info->units[i].reg_base == base) {
            /* The same unit twice: its scopes would be attributed twice. */
            DMAR_WARN(w, "DRHD at 0x%llx listed twice, second one skipped",
                      (unsigned long long)base);
            info->units_skipped++;
            return;
        }
    }
    if (table_full(w, &w->units_full_reported, info->unit_count, DMAR_MAX_UNITS,
                   "remapping units")) {
        info->units_skipped++;
        return;
    }
    struct dmar_unit *u = &info->units[info->unit_count++];
    u->reg_base = base;
    u->reg_pages = (uint32_t)1 << size;
    u->segment = segment;
    u->include_pci_all = (flags & DMAR_DRHD_FLAG_INCLUDE_PCI_ALL) != 0;
    parse_scopes(w, st, DMAR_DRHD_SCOPES_OFF, len, "DRHD", &u->scopes);
}

static void parse_rmrr(struct dmar_walk *w, const uint8_t *st, uint32_t len)
{
    struct dmar_info *info = w->info;

    if (len < DMAR_RMRR_SCOPES_OFF) {
        DMAR_WARN(w, "RMRR of length %u is shorter than %u, skipped", len,
                  (unsigned)DMAR_RMRR_SCOPES_OFF);
        info->structs_ignored++;
        return;
    }
    uint64_t base = ld64(st + DMAR_RMRR_OFF_BASE);
    uint64_t limit = ld64(st + DMAR_RMRR_OFF_LIMIT);
    if ((base & DMAR_PAGE_MASK) != 0 || (limit & DMAR_PAGE_MASK) != DMAR_PAGE_MASK ||
        limit < base) {
        DMAR_WARN(w, "RMRR 0x%llx..0x%llx is not a 4 KiB aligned range, skipped",
                  (unsigned long long)base, (unsigned long long)limit);
        info->structs_ignored++;
        return;
    }
    if (table_full(w, &w->rmrrs_full_reported, info->rmrr_count, DMAR_MAX_RMRRS, "RMRRs")) {
        info->structs_ignored++;
        return;
    }
    struct dmar_rmrr *r = &info->rmrrs[info->rmrr_count++];
    r->segment = ld16(st + DMAR_RMRR_OFF_SEGMENT);
    r->base = base;
    r->limit = limit;
    parse_scopes(w, st, DMAR_RMRR_SCOPES_OFF, len, "RMRR", &r->scopes);
}

static void parse_atsr(struct dmar_walk *w, const uint8_t *st, uint32_t len)
{
    struct dmar_info *info = w->info;

    if (len < DMAR_ATSR_SCOPES_OFF) {
        DMAR_WARN(w, "ATSR of length %u is shorter than %u, skipped", len,
                  (unsigned)DMAR_ATSR_SCOPES_OFF);
        info->structs_ignored++;
        return;
    }
    if (table_full(w, &w->atsrs_full_reported, info->atsr_count, DMAR_MAX_ATSRS, "ATSRs")) {
        info->structs_ignored++;
        return;
    }
    struct dmar_atsr *a = &info->atsrs[info->atsr_count++];
    a->segment = ld16(st + DMAR_ATSR_OFF_SEGMENT);
    a->all_ports = (ld8(st + DMAR_ATSR_OFF_FLAGS) & DMAR_ATSR_FLAG_ALL_PORTS) != 0;
    parse_scopes(w, st, DMAR_ATSR_SCOPES_OFF, len, "ATSR", &a->scopes);
}

/* Structures this kernel does not use are checked for their minimum
 * length (so a warning says the table is odd) and stepped over. */
static void skip_struct(struct dmar_walk *w, uint16_t type, uint32_t len)
{
    uint32_t min = DMAR_STRUCT_HDR_LEN;
    const char *name = "unknown";
    switch (type) {
    case DMAR_TYPE_RHSA:
        min = DMAR_RHSA_LEN;
        name = "RHSA";
        break;
    case DMAR_TYPE_ANDD:
        min = DMAR_ANDD_MIN_LEN;
        name = "ANDD";
        break;
    case DMAR_TYPE_SATC:
        min = DMAR_SATC_SCOPES_OFF;
        name = "SATC";
        break;
    default:
        break;
    }
    if (len < min)
        DMAR_WARN(w, "%s structure (type %u) of length %u is shorter than %u, skipped", name, type,
                  len, min);
    w->info->structs_ignored++;
}

/* ---- Table ------------------------------------------------------------- */

static uint8_t byte_sum(const uint8_t *p, size_t n)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum = (uint8_t)(sum + p[i]);
    return sum;
}

int dmar_parse(const void *table, size_t len, struct dmar_info *out)
{
    if (out == NULL)
        return -1;
    zero_bytes(out, sizeof(*out));
    struct dmar_walk w = {.info = out};
    const uint8_t *t = table;

    if (t == NULL || len < ACPI_DMAR_MIN_LEN) {
        DMAR_WARN(&w, "table of %u bytes is shorter than its fixed part (%u)", (unsigned)len,
                  (unsigned)ACPI_DMAR_MIN_LEN);
        return -1;
    }
    const char *sig = ACPI_SIG_DMAR;
    for (unsigned i = 0; i < ACPI_SIG_LEN; i++) {
        if (t[ACPI_HDR_OFF_SIGNATURE + i] != (uint8_t)sig[i]) {
            DMAR_WARN(&w, "wrong signature");
            return -1;
        }
    }
    uint32_t tlen = ld32(t + ACPI_HDR_OFF_LENGTH);
    if (tlen < ACPI_DMAR_MIN_LEN || tlen > len) {
        DMAR_WARN(&w, "header length %u is outside %u..%u", tlen, (unsigned)ACPI_DMAR_MIN_LEN,
                  (unsigned)(len > UINT32_MAX ? UINT32_MAX : len));
        return -1;
    }
    if (byte_sum(t, tlen) != 0) {
        DMAR_WARN(&w, "bad checksum");
        return -1;
    }
    out->host_addr_width = (uint8_t)(ld8(t + ACPI_DMAR_OFF_HAW) + 1u);
    out->flags = ld8(t + ACPI_DMAR_OFF_FLAGS);

    /* Every iteration advances by at least DMAR_STRUCT_HDR_LEN and `off`
     * never passes `tlen`: the walk ends. */
    uint32_t off = ACPI_DMAR_STRUCTS_OFF;
    while (off < tlen) {
        uint32_t remaining = tlen - off;
        if (remaining < DMAR_STRUCT_HDR_LEN) {
            DMAR_WARN(&w, "structure at offset %u is truncated by the table end, stop", off);
            out->truncated = true;
            break;
        }
        const uint8_t *st = t + off;
        uint16_t type = ld16(st + DMAR_STRUCT_OFF_TYPE);
        uint16_t slen = ld16(st + DMAR_STRUCT_OFF_LENGTH);
        if (slen < DMAR_STRUCT_HDR_LEN) {
            DMAR_WARN(&w, "structure type %u at offset %u has length %u, stop", type, off, slen);
            out->truncated = true;
            break;
        }
        if (slen > remaining) {
            DMAR_WARN(&w,
                      "structure type %u at offset %u (length %u) runs past the table end, stop",
                      type, off, slen);
            out->truncated = true;
            break;
        }
        switch (type) {
        case DMAR_TYPE_DRHD:
            parse_drhd(&w, st, slen);
            break;
        case DMAR_TYPE_RMRR:
            parse_rmrr(&w, st, slen);
            break;
        case DMAR_TYPE_ATSR:
            parse_atsr(&w, st, slen);
            break;
        default:
            skip_struct(&w, type, slen);
            break;
        }
        off += slen;
    }
    return 0;
}

/* ---- Lookups ------------------------------------------------------------ */

bool dmar_scope_resolve(const struct dmar_scope *s, uint16_t segment, const struct dmar_pci *pci,
                        uint8_t *bus, uint8_t *dev, uint8_t *fn)
{
    if (s->path_len == 0 || s->path_len > DMAR_MAX_PATH)
        return false;
    uint8_t b = s->start_bus;
    /* 8.3.1: each path entry but the last is a bridge; the next entry is
     * on that bridge's secondary bus. */
    for (uint32_t i = 0; i + 1 < s->path_len; i++) {
        uint8_t secondary, subordinate;
        if (pci == NULL || pci->bridge_buses == NULL ||
            !pci->bridge_buses(pci->ctx, segment, b, s->path[i].dev, s->path[i].fn, &secondary,
                               &subordinate))
            return false;
        b = secondary;
    }
    *bus = b;
    *dev = s->path[s->path_len - 1].dev;
    *fn = s->path[s->path_len - 1].fn;
    return true;
}

enum dmar_match dmar_scope_match(const struct dmar_scope *s, uint16_t scope_segment,
                                 const struct dmar_pci *pci, uint16_t seg, uint8_t bus, uint8_t dev,
                                 uint8_t fn)
{
    if (seg != scope_segment)
        return DMAR_MATCH_NO;
    if (s->type != DMAR_SCOPE_PCI_ENDPOINT && s->type != DMAR_SCOPE_PCI_SUBHIERARCHY)
        return DMAR_MATCH_NO;
    uint8_t b, d, f;
    if (!dmar_scope_resolve(s, scope_segment, pci, &b, &d, &f))
        return DMAR_MATCH_UNKNOWN;
    if (b == bus && d == dev && f == fn)
        return DMAR_MATCH_YES;
    if (s->type == DMAR_SCOPE_PCI_ENDPOINT)
        return DMAR_MATCH_NO;
    /* A sub-hierarchy covers every bus its bridge forwards to. */
    uint8_t secondary, subordinate;
    if (pci == NULL || pci->bridge_buses == NULL ||
        !pci->bridge_buses(pci->ctx, scope_segment, b, d, f, &secondary, &subordinate))
        return DMAR_MATCH_UNKNOWN;
    if (secondary > subordinate || secondary <= b) {
        /* A bridge whose buses are not below its own bus is misprogrammed
         * (or not a bridge): nothing is known about what it covers. */
        return DMAR_MATCH_UNKNOWN;
    }
    return bus >= secondary && bus <= subordinate ? DMAR_MATCH_YES : DMAR_MATCH_NO;
}

enum dmar_lookup dmar_find_unit(const struct dmar_info *d, const struct dmar_pci *pci, uint16_t seg,
                                uint8_t bus, uint8_t dev, uint8_t fn, uint32_t *unit)
{
    bool uncertain = d->units_skipped != 0 || d->truncated;
    bool found = false;
    uint32_t found_unit = 0;
    uint32_t catch_all = 0, catch_all_count = 0;
    uint32_t units = d->unit_count < DMAR_MAX_UNITS ? d->unit_count : DMAR_MAX_UNITS;

    for (uint32_t u = 0; u < units; u++) {
        const struct dmar_unit *du = &d->units[u];
        if (du->segment != seg)
            continue;
        if (du->include_pci_all) {
            /* 8.3: such a unit lists only I/O APICs and HPETs; PCI
             * devices reach it by not being listed elsewhere. */
            catch_all = u;
            catch_all_count++;
            continue;
        }
        if (du->scopes.incomplete)
            uncertain = true;
        for (uint32_t i = 0; i < du->scopes.count; i++) {
            uint32_t idx = (uint32_t)du->scopes.first + i;
            if (idx >= DMAR_MAX_SCOPES || idx >= d->scope_count)
                break;
            enum dmar_match m =
                dmar_scope_match(&d->scopes[idx], du->segment, pci, seg, bus, dev, fn);
            if (m == DMAR_MATCH_UNKNOWN) {
                uncertain = true;
            } else if (m == DMAR_MATCH_YES) {
                if (found && found_unit != u)
                    return DMAR_AMBIGUOUS;
                found = true;
                found_unit = u;
            }
        }
    }
    if (found) {
        *unit = found_unit;
        return DMAR_FOUND;
    }
    /* Not listed: the catch-all unit, but only if nothing that might list
     * the device was skipped or unresolvable. */
    if (uncertain)
        return DMAR_UNCERTAIN;
    if (catch_all_count > 1)
        return DMAR_AMBIGUOUS;
    if (catch_all_count == 1) {
        *unit = catch_all;
        return DMAR_FOUND;
    }
    return DMAR_NOT_COVERED;
}

enum dmar_lookup dmar_find_ioapic(const struct dmar_info *d, const struct dmar_pci *pci,
                                  uint8_t ioapic_id, uint32_t *unit, uint16_t *source_id)
{
    bool found = false;
    bool uncertain = d->units_skipped != 0 || d->truncated;
    uint32_t units = d->unit_count < DMAR_MAX_UNITS ? d->unit_count : DMAR_MAX_UNITS;

    for (uint32_t u = 0; u < units; u++) {
        const struct dmar_unit *du = &d->units[u];
        if (du->scopes.incomplete)
            uncertain = true;
        for (uint32_t i = 0; i < du->scopes.count; i++) {
            uint32_t idx = (uint32_t)du->scopes.first + i;
            if (idx >= DMAR_MAX_SCOPES || idx >= d->scope_count)
                break;
            const struct dmar_scope *s = &d->scopes[idx];
            if (s->type != DMAR_SCOPE_IOAPIC || s->enum_id != ioapic_id)
                continue;
            uint8_t b, dv, f;
            if (!dmar_scope_resolve(s, du->segment, pci, &b, &dv, &f))
                return DMAR_UNCERTAIN;
            if (found)
                return DMAR_AMBIGUOUS;
            found = true;
            *unit = u;
            *source_id = (uint16_t)((uint16_t)b << 8 | (uint16_t)(dv << 3) | f);
        }
    }
    if (found)
        return DMAR_FOUND;
    return uncertain ? DMAR_UNCERTAIN : DMAR_NOT_COVERED;
}
