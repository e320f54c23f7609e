/* Host tests of the DMAR parser and device lookup (iommu/dmar.c).
 *
 *   test_dmar                      run the tests
 *   test_dmar --write-corpus DIR   write the fuzz seeds (tests/fuzz/corpus_dmar)
 *
 * Every parse runs on an exactly-sized heap copy, so ASan reports any read
 * past the length the parser was given. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/acpi_tables.h"
#include "iommu/dmar.h"
#include "iommu/dmar_tables.h"
#include "tests/unit/acpi_builder.h"
#include "tests/unit/check.h"
#include "tests/unit/dmar_builder.h"
#include "tests/unit/fake_mem.h"
#include "tests/unit/host_log.h"
#include "tests/unit/testdata.h"

/* Unit indexes of the standard table (units are kept in table order). */
#define STD_UNIT0 0 /* 0xfed90000, segment 0, listed devices */
#define STD_UNIT2 1 /* 0xfed92000, segment 1 */
#define STD_UNIT1 2 /* 0xfed91000, segment 0, INCLUDE_PCI_ALL */

static struct acpi_tb tb;
static struct dmar_info info;

static int parse_bytes(const uint8_t *bytes, size_t len, struct dmar_info *out)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (copy == NULL)
        abort();
    memcpy(copy, bytes, len);
    int rc = dmar_parse(copy, len, out);
    free(copy);
    return rc;
}

static int parse_tb(void)
{
    host_log_reset();
    return parse_bytes(tb.buf, tb.len, &info);
}

/* ---- A fake PCI topology for bridge scopes ------------------------------ */

struct fake_bridge {
    uint16_t seg;
    uint8_t bus, dev, fn;
    uint8_t secondary, subordinate;
};

static const struct fake_bridge std_bridges[] = {
    {0, 0, 0x1c, 0, 2, 5},
    {1, 3, 1, 0, 4, 4},
};

static unsigned bridge_reads;

static bool fake_bridge_buses(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
                              uint8_t *secondary, uint8_t *subordinate)
{
    (void)ctx;
    bridge_reads++;
    for (size_t i = 0; i < sizeof(std_bridges) / sizeof(std_bridges[0]); i++) {
        const struct fake_bridge *b = &std_bridges[i];
        if (b->seg == seg && b->bus == bus && b->dev == dev && b->fn == fn) {
            *secondary = b->secondary;
            *subordinate = b->subordinate;
            return true;
        }
    }
    return false;
}

static const struct dmar_pci std_pci = {.bridge_buses = fake_bridge_buses};

static const char *lookup_name(enum dmar_lookup r)
{
    switch (r) {
    case DMAR_FOUND:
        return "found";
    case DMAR_NOT_COVERED:
        return "not covered";
    case DMAR_UNCERTAIN:
        return "uncertain";
    case DMAR_AMBIGUOUS:
        return "ambiguous";
    }
    return "?";
}

/* Checks that seg:bus:dev.fn resolves to `want` (and, if found, `unit`). */
static void expect_lookup(const struct dmar_pci *pci, uint16_t seg, uint8_t bus, uint8_t dev,
                          uint8_t fn, enum dmar_lookup want, uint32_t want_unit)
{
    char what[96];
    uint32_t unit = 0xdead;
    enum dmar_lookup r = dmar_find_unit(&info, pci, seg, bus, dev, fn, &unit);
    snprintf(what, sizeof(what), "lookup %x:%02x:%02x.%x (%s expected, got %s)", seg, bus, dev, fn,
             lookup_name(want), lookup_name(r));
    CHECK_I(what, want, r);
    if (r == DMAR_FOUND && want == DMAR_FOUND) {
        snprintf(what, sizeof(what), "lookup %x:%02x:%02x.%x: unit index", seg, bus, dev, fn);
        CHECK_U(what, want_unit, unit);
    }
}

/* ---- The standard table -------------------------------------------------- */

static void std_table_parsed(void)
{
    dmar_std_build(&tb);
    CHECK_I("dmar_parse", 0, parse_tb());
    CHECK_U("warnings", 0, info.warnings);
    CHECK_U("host address width", DMAR_STD_HAW_FIELD + 1, info.host_addr_width);
    CHECK_U("flags", DMAR_FLAG_INTR_REMAP, info.flags);
    CHECK_U("units", 3, info.unit_count);
    CHECK_U("unit 0 base", DMAR_STD_UNIT0_BASE, info.units[STD_UNIT0].reg_base);
    CHECK_U("unit 0 pages", 1, info.units[STD_UNIT0].reg_pages);
    CHECK_TRUE("unit 0 lists devices", !info.units[STD_UNIT0].include_pci_all);
    CHECK_U("unit 0 scopes", 3, info.units[STD_UNIT0].scopes.count);
    CHECK_U("segment-1 unit base", DMAR_STD_UNIT2_BASE, info.units[STD_UNIT2].reg_base);
    CHECK_U("segment-1 unit segment", 1, info.units[STD_UNIT2].segment);
    CHECK_U("catch-all base", DMAR_STD_UNIT1_BASE, info.units[STD_UNIT1].reg_base);
    CHECK_TRUE("catch-all flag", info.units[STD_UNIT1].include_pci_all);
    CHECK_U("catch-all scopes", 2, info.units[STD_UNIT1].scopes.count);
    CHECK_U("scopes", 3 + 1 + 2 + 2, info.scope_count);
    CHECK_U("rmrrs", 1, info.rmrr_count);
    CHECK_U("rmrr base", DMAR_STD_RMRR_BASE, info.rmrrs[0].base);
    CHECK_U("rmrr limit", DMAR_STD_RMRR_LIMIT, info.rmrrs[0].limit);
    CHECK_U("rmrr scopes", 2, info.rmrrs[0].scopes.count);
    CHECK_U("atsrs", 1, info.atsr_count);
    CHECK_TRUE("atsr all ports", info.atsrs[0].all_ports);
    CHECK_U("ignored (RHSA)", 1, info.structs_ignored);
    CHECK_TRUE("not truncated", !info.truncated);

    const struct dmar_scope *deep = &info.scopes[info.units[STD_UNIT2].scopes.first];
    CHECK_U("two-entry path", 2, deep->path_len);
    CHECK_U("path start bus", 3, deep->start_bus);
    CHECK_U("path[0].dev", 1, deep->path[0].dev);
    const struct dmar_scope *io = &info.scopes[info.units[STD_UNIT1].scopes.first];
    CHECK_U("ioapic scope type", DMAR_SCOPE_IOAPIC, io->type);
    CHECK_U("ioapic enum id", DMAR_STD_IOAPIC_ID, io->enum_id);
}

static void std_lookup_with_bridges(void)
{
    dmar_std_build(&tb);
    CHECK_I("dmar_parse", 0, parse_tb());
    expect_lookup(&std_pci, 0, 0, 2, 0, DMAR_FOUND, STD_UNIT0);
    expect_lookup(&std_pci, 0, 0, 0x1f, 3, DMAR_FOUND, STD_UNIT0);
    /* The bridge itself, and the buses 2..5 below it. */
    expect_lookup(&std_pci, 0, 0, 0x1c, 0, DMAR_FOUND, STD_UNIT0);
    expect_lookup(&std_pci, 0, 2, 0, 0, DMAR_FOUND, STD_UNIT0);
    expect_lookup(&std_pci, 0, 5, 31, 7, DMAR_FOUND, STD_UNIT0);
    /* Other functions of a listed device are not listed. */
    expect_lookup(&std_pci, 0, 0, 2, 1, DMAR_FOUND, STD_UNIT1);
    expect_lookup(&std_pci, 0, 6, 0, 0, DMAR_FOUND, STD_UNIT1);
    expect_lookup(&std_pci, 0, 1, 0, 0, DMAR_FOUND, STD_UNIT1);
    /* RMRR devices are ordinary devices for unit lookup. */
    expect_lookup(&std_pci, 0, 0, 0x1d, 0, DMAR_FOUND, STD_UNIT1);
    /* Segment 1: the two-entry path resolves through bridge 1:03:01.0. */
    expect_lookup(&std_pci, 1, 4, 0, 0, DMAR_FOUND, STD_UNIT2);
    expect_lookup(&std_pci, 1, 3, 0, 0, DMAR_NOT_COVERED, 0);
    expect_lookup(&std_pci, 1, 4, 0, 1, DMAR_NOT_COVERED, 0);
    expect_lookup(&std_pci, 2, 0, 0, 0, DMAR_NOT_COVERED, 0);
}

static void std_lookup_without_bridges_fails_closed(void)
{
    dmar_std_build(&tb);
    CHECK_I("dmar_parse", 0, parse_tb());
    /* Listed endpoints are still found... */
    expect_lookup(NULL, 0, 0, 2, 0, DMAR_FOUND, STD_UNIT0);
    expect_lookup(NULL, 0, 0, 0x1c, 0, DMAR_FOUND, STD_UNIT0);
    /* ...but anything that might sit below the bridge is not handed to
     * the catch-all unit, and the two-entry path cannot be followed. */
    expect_lookup(NULL, 0, 3, 0, 0, DMAR_UNCERTAIN, 0);
    expect_lookup(NULL, 0, 0, 0x1d, 0, DMAR_UNCERTAIN, 0);
    expect_lookup(NULL, 1, 4, 0, 0, DMAR_UNCERTAIN, 0);
    /* A struct dmar_pci without a function is the same as none. */
    struct dmar_pci empty = {0};
    expect_lookup(&empty, 0, 3, 0, 0, DMAR_UNCERTAIN, 0);
}

static void std_ioapic_source_id(void)
{
    dmar_std_build(&tb);
    CHECK_I("dmar_parse", 0, parse_tb());
    uint32_t unit = 99;
    uint16_t sid = 0;
    CHECK_I("ioapic found", DMAR_FOUND,
            dmar_find_ioapic(&info, NULL, DMAR_STD_IOAPIC_ID, &unit, &sid));
    CHECK_U("ioapic unit", STD_UNIT1, unit);
    CHECK_U("ioapic source id f0:1f.0", 0xf0f8, sid);
    CHECK_I("unknown ioapic", DMAR_NOT_COVERED, dmar_find_ioapic(&info, NULL, 7, &unit, &sid));
}

static void bridge_with_bad_buses_is_unknown(void)
{
    /* A "bridge" whose secondary bus is not above its own bus. */
    struct dmar_scope s = {.type = DMAR_SCOPE_PCI_SUBHIERARCHY, .start_bus = 3, .path_len = 1};
    s.path[0].dev = 1;
    CHECK_I("bridge 1:03:01.0 (secondary 4) covers bus 4", DMAR_MATCH_YES,
            dmar_scope_match(&s, 1, &std_pci, 1, 4, 0, 0));
    CHECK_I("other segment", DMAR_MATCH_NO, dmar_scope_match(&s, 1, &std_pci, 0, 4, 0, 0));
    s.start_bus = 0;
    s.path[0].dev = 5; /* not a bridge in the fake topology */
    CHECK_I("not a bridge", DMAR_MATCH_UNKNOWN, dmar_scope_match(&s, 0, &std_pci, 0, 1, 0, 0));
    CHECK_I("the function itself still matches", DMAR_MATCH_YES,
            dmar_scope_match(&s, 0, &std_pci, 0, 0, 5, 0));
}

/* ---- Header --------------------------------------------------------------- */

static void header_checks(void)
{
    dmar_std_build(&tb);
    CHECK_I("too short for the fixed part", -1, parse_bytes(tb.buf, ACPI_DMAR_MIN_LEN - 1, &info));
    CHECK_I("NULL table", -1, dmar_parse(NULL, 100, &info));
    CHECK_I("NULL out", -1, dmar_parse(tb.buf, tb.len, NULL));

    tb.buf[0] = 'X';
    acpi_fix_checksum(tb.buf, tb.len);
    CHECK_I("wrong signature", -1, parse_tb());
    CHECK_TRUE("says signature", host_log_contains("signature"));

    dmar_std_build(&tb);
    tb.buf[ACPI_HDR_OFF_CHECKSUM] ^= 1;
    CHECK_I("bad checksum", -1, parse_tb());
    CHECK_TRUE("says checksum", host_log_contains("checksum"));
    CHECK_U("no units from a rejected table", 0, info.unit_count);

    /* Length field beyond the buffer. */
    dmar_std_build(&tb);
    CHECK_I("buffer one byte short", -1, parse_bytes(tb.buf, tb.len - 1, &info));
    /* Length field below the fixed part. */
    tb.buf[ACPI_HDR_OFF_LENGTH] = ACPI_DMAR_MIN_LEN - 1;
    tb.buf[ACPI_HDR_OFF_LENGTH + 1] = 0;
    acpi_fix_checksum(tb.buf, ACPI_DMAR_MIN_LEN - 1);
    CHECK_I("header length 47", -1, parse_tb());

    /* A buffer longer than the table: the tail is not parsed. */
    dmar_std_build(&tb);
    size_t len = tb.len;
    acpi_tb_zeros(&tb, 64);
    memset(tb.buf + len, 0xff, 64);
    CHECK_I("trailing bytes ignored", 0, parse_tb());
    CHECK_U("units", 3, info.unit_count);
    CHECK_U("no warnings", 0, info.warnings);
}

static void empty_table(void)
{
    dmar_tb_begin(&tb, 38, 0);
    acpi_tb_finish(&tb);
    CHECK_I("fixed part only", 0, parse_tb());
    CHECK_U("no units", 0, info.unit_count);
    CHECK_U("width", 39, info.host_addr_width);
    expect_lookup(NULL, 0, 0, 0, 0, DMAR_NOT_COVERED, 0);
}

/* ---- Truncation ------------------------------------------------------------- */

/* Safety property of every damaged table: a lookup either gives the same
 * unit as the intact table or does not give a unit at all. */
static void check_no_wrong_unit(const struct dmar_info *full, const char *what)
{
    static const uint8_t devs[][4] = {
        {0, 0, 2, 0},    {0, 0, 0x1c, 0}, {0, 3, 0, 0}, {0, 0, 0x1f, 3},
        {0, 0, 0x1d, 0}, {0, 6, 0, 0},    {1, 4, 0, 0}, {1, 3, 0, 0},
    };
    for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
        uint32_t unit = 0, full_unit = 0;
        enum dmar_lookup r =
            dmar_find_unit(&info, &std_pci, devs[i][0], devs[i][1], devs[i][2], devs[i][3], &unit);
        enum dmar_lookup fr = dmar_find_unit(full, &std_pci, devs[i][0], devs[i][1], devs[i][2],
                                             devs[i][3], &full_unit);
        if (r != DMAR_FOUND)
            continue;
        if (fr != DMAR_FOUND || info.units[unit].reg_base != full->units[full_unit].reg_base) {
            CHECK_FAIL("%s: %x:%02x:%02x.%x went to unit 0x%llx (intact table: %s 0x%llx)", what,
                       devs[i][0], devs[i][1], devs[i][2], devs[i][3],
                       (unsigned long long)info.units[unit].reg_base, lookup_name(fr),
                       fr == DMAR_FOUND ? (unsigned long long)full->units[full_unit].reg_base
                                        : 0ull);
            return;
        }
    }
}

static struct dmar_info full_info;

static void truncated_buffer_at_every_length(void)
{
    dmar_std_build(&tb);
    for (size_t n = 0; n < tb.len; n++) {
        if (parse_bytes(tb.buf, n, &info) != -1) {
            CHECK_FAIL("buffer of %zu of %zu bytes accepted", n, tb.len);
            return;
        }
    }
    CHECK_I("whole", 0, parse_bytes(tb.buf, tb.len, &info));
}

/* The header length (and checksum) say the table ends early: the parser
 * must use what fits and flag a cut structure. */
static void truncated_table_length_at_every_length(void)
{
    dmar_std_build(&tb);
    CHECK_I("intact", 0, parse_bytes(tb.buf, tb.len, &full_info));
    static uint8_t cut[ACPI_TB_MAX];
    unsigned flagged = 0;
    for (size_t n = ACPI_DMAR_MIN_LEN; n < tb.len; n++) {
        memcpy(cut, tb.buf, n);
        cut[ACPI_HDR_OFF_LENGTH] = (uint8_t)n;
        cut[ACPI_HDR_OFF_LENGTH + 1] = (uint8_t)(n >> 8);
        acpi_fix_checksum(cut, n);
        host_log_reset();
        if (parse_bytes(cut, n, &info) != 0) {
            CHECK_FAIL("length %zu rejected", n);
            return;
        }
        if (info.unit_count > full_info.unit_count || info.scope_count > full_info.scope_count) {
            CHECK_FAIL("length %zu: more units/scopes than the whole table", n);
            return;
        }
        if (info.truncated)
            flagged++;
        if (info.truncated && info.warnings == 0) {
            CHECK_FAIL("length %zu: truncated without a warning", n);
            return;
        }
        check_no_wrong_unit(&full_info, "cut table");
    }
    /* Each cut inside a structure (not on a boundary) must be flagged. */
    CHECK_TRUE("some cuts flagged", flagged > 0);
    CHECK_U("cuts inside a structure flagged", tb.len - ACPI_DMAR_MIN_LEN - 6, flagged);
}

/* Every remapping structure's length field set to every smaller value. */
static void every_struct_length_shortened(void)
{
    dmar_std_build(&tb);
    CHECK_I("intact", 0, parse_bytes(tb.buf, tb.len, &full_info));
    static struct acpi_tb orig;
    orig = tb;
    size_t off = ACPI_DMAR_STRUCTS_OFF;
    unsigned structs = 0;
    while (off + DMAR_STRUCT_HDR_LEN <= orig.len) {
        uint16_t slen = (uint16_t)(orig.buf[off + 2] | orig.buf[off + 3] << 8);
        for (uint16_t l = 0; l < slen; l++) {
            tb = orig;
            dmar_tb_set_struct_len(&tb, off, l);
            acpi_fix_checksum(tb.buf, tb.len);
            host_log_reset();
            if (parse_tb() != 0) {
                CHECK_FAIL("struct at %zu with length %u: table rejected", off, l);
                return;
            }
            if (info.warnings == 0 && l < DMAR_STRUCT_HDR_LEN) {
                CHECK_FAIL("struct at %zu with length %u: no warning", off, l);
                return;
            }
            check_no_wrong_unit(&full_info, "shortened structure");
        }
        off += slen;
        structs++;
    }
    CHECK_U("structures walked", 6, structs);
}

/* Every device scope's length field set to every value 0..255. */
static void every_scope_length(void)
{
    dmar_std_build(&tb);
    CHECK_I("intact", 0, parse_bytes(tb.buf, tb.len, &full_info));
    static struct acpi_tb orig;
    orig = tb;
    unsigned scopes = 0;
    size_t off = ACPI_DMAR_STRUCTS_OFF;
    while (off + DMAR_STRUCT_HDR_LEN <= orig.len) {
        uint16_t type = (uint16_t)(orig.buf[off] | orig.buf[off + 1] << 8);
        uint16_t slen = (uint16_t)(orig.buf[off + 2] | orig.buf[off + 3] << 8);
        size_t first = type == DMAR_TYPE_DRHD   ? DMAR_DRHD_SCOPES_OFF
                       : type == DMAR_TYPE_RMRR ? DMAR_RMRR_SCOPES_OFF
                       : type == DMAR_TYPE_ATSR ? DMAR_ATSR_SCOPES_OFF
                                                : slen;
        for (size_t s = off + first; s + 2 <= off + slen;) {
            uint8_t orig_len = orig.buf[s + 1];
            for (unsigned l = 0; l < 256; l++) {
                tb = orig;
                tb.buf[s + 1] = (uint8_t)l;
                acpi_fix_checksum(tb.buf, tb.len);
                host_log_reset();
                if (parse_tb() != 0) {
                    CHECK_FAIL("scope at %zu with length %u: table rejected", s, l);
                    return;
                }
                if (l != orig_len && info.warnings == 0 && l < orig_len) {
                    CHECK_FAIL("scope at %zu with length %u < %u: no warning", s, l, orig_len);
                    return;
                }
                check_no_wrong_unit(&full_info, "scope length");
            }
            s += orig_len;
            scopes++;
        }
        off += slen;
    }
    CHECK_U("scopes walked", 8, scopes);
}

/* ---- Malformed structures and scopes ----------------------------------- */

static void zero_length_structure_stops(void)
{
    dmar_tb_begin(&tb, 38, 0);
    size_t s = dmar_tb_drhd(&tb, 0, 0, 0xfed90000);
    dmar_tb_endpoint(&tb, 0, 2, 0);
    dmar_tb_end_struct(&tb, s);
    s = dmar_tb_raw_struct(&tb, 7, 12);
    dmar_tb_set_struct_len(&tb, s, 0);
    s = dmar_tb_drhd(&tb, DMAR_DRHD_FLAG_INCLUDE_PCI_ALL, 0, 0xfed91000);
    dmar_tb_end_struct(&tb, s);
    acpi_tb_finish(&tb);
    CHECK_I("parsed", 0, parse_tb());
    CHECK_TRUE("truncated", info.truncated);
    CHECK_TRUE("warning says length 0", host_log_contains("has length 0"));
    CHECK_U("only the first unit", 1, info.unit_count);
    expect_lookup(NULL, 0, 0, 2, 0, DMAR_FOUND, 0);
    /* The catch-all unit after the break is unknown: fail closed. */
    expect_lookup(NULL, 0, 0, 3, 0, DMAR_UNCERTAIN, 0);
}

static void unknown_structures_skipped(void)
{
    dmar_tb_begin(&tb, 38, 0);
    size_t s = dmar_tb_raw_struct(&tb, 0x99, 20);
    dmar_tb_end_struct(&tb, s);
    s = dmar_tb_raw_struct(&tb, DMAR_TYPE_ANDD, 8);
    dmar_tb_end_struct(&tb, s);
    s = dmar_tb_raw_struct(&tb, DMAR_TYPE_SATC, 4);
    dmar_tb_end_struct(&tb, s);
    s = dmar_tb_drhd(&tb, DMAR_DRHD_FLAG_INCLUDE_PCI_ALL, 0, 0xfed90000);
    dmar_tb_end_struct(&tb, s);
    acpi_tb_finish(&tb);
    CHECK_I("parsed", 0, parse_tb());
    CHECK_U("no warnings", 0, info.warnings);
    CHECK_U("ignored", 3, info.structs_ignored);
    CHECK_U("unit after them", 1, info.unit_count);
    expect_lookup(NULL, 0, 9, 0, 0, DMAR_FOUND, 0);
}

static void short_known_structures_warned(void)
{
    dmar_tb_begin(&tb, 38, 0);
    size_t s = dmar_tb_raw_struct(&tb, DMAR_TYPE_RHSA, 4);
    dmar_tb_end_struct(&tb, s);
    s = dmar_tb_raw_struct(&tb, DMAR_TYPE_RMRR, 4);
    dmar_tb_end_struct(&tb, s);
    s = dmar_tb_raw_struct(&tb, DMAR_TYPE_ATSR, 2);
    dmar_tb_end_struct(&tb, s);
    s = dmar_tb_raw_struct(&tb, DMAR_TYPE_DRHD, 8);
    dmar_tb_end_struct(&tb, s);
    acpi_tb_finish(&tb);
    CHECK_I("parsed", 0, parse_tb());
    CHECK_U("four warnings", 4, info.warnings);
    CHECK_TRUE("RHSA named", host_log_contains("RHSA"));
    CHECK_U("no unit", 0, info.unit_count);
    CHECK_U("skipped unit", 1, info.units_skipped);
    CHECK_U("no rmrr", 0, info.rmrr_count);
    CHECK_U("no atsr", 0, info.atsr_count);
    expect_lookup(NULL, 0, 0, 0, 0, DMAR_UNCERTAIN, 0);
}

/* One DRHD (listing 00:02.0) whose second scope is replaced by raw bytes,
 * then a catch-all unit. */
static void build_bad_scope(uint8_t type, uint8_t len, size_t fill)
{
    dmar_tb_begin(&tb, 38, 0);
    size_t s = dmar_tb_drhd(&tb, 0, 0, 0xfed90000);
    dmar_tb_endpoint(&tb, 0, 2, 0);
    dmar_tb_scope_raw(&tb, type, len, fill);
    dmar_tb_end_struct(&tb, s);
    s = dmar_tb_drhd(&tb, DMAR_DRHD_FLAG_INCLUDE_PCI_ALL, 0, 0xfed91000);
    dmar_tb_end_struct(&tb, s);
    acpi_tb_finish(&tb);
}

static void scope_length_zero(void)
{
    build_bad_scope(DMAR_SCOPE_PCI_ENDPOINT, 0, 6);
    CHECK_I("parsed", 0, parse_tb());
    CHECK_TRUE("warning", host_log_contains("has length 0"));
    CHECK_U("both units", 2, info.unit_count);
    CHECK_TRUE("unit 0 incomplete", info.units[0].scopes.incomplete);
    CHECK_U("first scope kept", 1, info.units[0].scopes.count);
    expect_lookup(NULL, 0, 0, 2, 0, DMAR_FOUND, 0);
    expect_lookup(NULL, 0, 0, 3, 0, DMAR_UNCERTAIN, 0);
}

static void scope_overlong(void)
{
    build_bad_scope(DMAR_SCOPE_PCI_ENDPOINT, 40, 6);
    CHECK_I("parsed", 0, parse_tb());
    CHECK_TRUE("warning", host_log_contains("runs past its structure"));
    CHECK_TRUE("unit 0 incomplete", info.units[0].scopes.incomplete);
    CHECK_U("catch-all unit still parsed", 2, info.unit_count);
    expect_lookup(NULL, 0, 0, 3, 0, DMAR_UNCERTAIN, 0);
}

static void scope_odd_and_deep_paths(void)
{
    build_bad_scope(DMAR_SCOPE_PCI_ENDPOINT, 9, 7);
    CHECK_I("parsed", 0, parse_tb());
    CHECK_TRUE("half a path entry", host_log_contains("half a path entry"));
    CHECK_TRUE("incomplete", info.units[0].scopes.incomplete);
    CHECK_U("catch-all unit parsed after it", 2, info.unit_count);

    uint8_t len = DMAR_SCOPE_PATH_OFF + 2 * (DMAR_MAX_PATH + 1);
    build_bad_scope(DMAR_SCOPE_PCI_ENDPOINT, len, len - 2);
    CHECK_I("parsed", 0, parse_tb());
    CHECK_TRUE("too deep", host_log_contains("more than"));
    CHECK_TRUE("incomplete", info.units[0].scopes.incomplete);
    expect_lookup(NULL, 0, 0, 3, 0, DMAR_UNCERTAIN, 0);
}

static void scope_bad_device_number(void)
{
    dmar_tb_begin(&tb, 38, 0);
    size_t s = dmar_tb_drhd(&tb, 0, 0, 0xfed90000);
    dmar_tb_endpoint(&tb, 0, 32, 0);
    dmar_tb_endpoint(&tb, 0, 3, 8);
    dmar_tb_end_struct(&tb, s);
    acpi_tb_finish(&tb);
    CHECK_I("parsed", 0, parse_tb());
    CHECK_U("two warnings", 2, info.warnings);
    CHECK_U("no scope kept", 0, info.units[0].scopes.count);
    expect_lookup(NULL, 0, 0, 3, 0, DMAR_UNCERTAIN, 0);
}

static void scope_unknown_type_skipped(void)
{
    build_bad_scope(0x42, 8, 6);
    CHECK_I("parsed", 0, parse_tb());
    CHECK_U("one warning", 1, info.warnings);
    CHECK_TRUE("not incomplete: cannot be a PCI device", !info.units[0].scopes.incomplete);
    CHECK_U("one scope", 1, info.units[0].scopes.count);
    expect_lookup(NULL, 0, 0, 3, 0, DMAR_FOUND, 1);
}

static void scope_truncated_header(void)
{
    /* Four bytes of scope left in the DRHD: not even a scope header. */
    dmar_tb_begin(&tb, 38, 0);
    size_t s = dmar_tb_drhd(&tb, 0, 0, 0xfed90000);
    dmar_tb_endpoint(&tb, 0, 2, 0);
    acpi_tb_zeros(&tb, 4);
    dmar_tb_end_struct(&tb, s);
    acpi_tb_finish(&tb);
    CHECK_I("parsed", 0, parse_tb());
    CHECK_TRUE("warning", host_log_contains("truncated"));
    CHECK_TRUE("incomplete", info.units[0].scopes.incomplete);
}

static void bad_register_bases(void)
{
    dmar_tb_begin(&tb, 38, 0);
    size_t s = dmar_tb_drhd(&tb, 0, 0, 0);
    dmar_tb_end_struct(&tb, s);
    s = dmar_tb_drhd(&tb, 0, 0, 0xfed90800);
    dmar_tb_end_struct(&tb, s);
    s = dmar_tb_drhd(&tb, 0, 0, 0xfffffffffffff000ull);
    tb.buf[s + DMAR_DRHD_OFF_SIZE] = 1; /* two pages: wraps */
    dmar_tb_end_struct(&tb, s);
    s = dmar_tb_drhd(&tb, 0, 0, 0xfed93000);
    tb.buf[s + DMAR_DRHD_OFF_SIZE] = 0xf0; /* reserved bits ignored */
    dmar_tb_end_struct(&tb, s);
    s = dmar_tb_drhd(&tb, 0, 0, 0xfed93000);
    dmar_tb_end_struct(&tb, s);
    acpi_tb_finish(&tb);
    CHECK_I("parsed", 0, parse_tb());
    CHECK_U("one good unit", 1, info.unit_count);
    CHECK_U("pages of the good unit", 1, info.units[0].reg_pages);
    CHECK_U("skipped", 4, info.units_skipped);
    CHECK_TRUE("duplicate named", host_log_contains("twice"));
    CHECK_TRUE("wrap named", host_log_contains("wraps"));
}

static void register_set_size(void)
{
    dmar_tb_begin(&tb, 38, 0);
    size_t s = dmar_tb_drhd(&tb, DMAR_DRHD_FLAG_INCLUDE_PCI_ALL, 0, 0xfed90000);
    tb.buf[s + DMAR_DRHD_OFF_SIZE] = 2;
    dmar_tb_end_struct(&tb, s);
    acpi_tb_finish(&tb);
    CHECK_I("parsed", 0, parse_tb());
    CHECK_U("2^2 pages", 4, info.units[0].reg_pages);
}

static void bad_rmrrs_skipped(void)
{
    dmar_tb_begin(&tb, 38, 0);
    size_t s = dmar_tb_rmrr(&tb, 0, 0x1000, 0x0fff); /* limit below base */
    dmar_tb_end_struct(&tb, s);
    s = dmar_tb_rmrr(&tb, 0, 0x1800, 0x2fff); /* base unaligned */
    dmar_tb_end_struct(&tb, s);
    s = dmar_tb_rmrr(&tb, 0, 0x1000, 0x2000); /* limit + 1 unaligned */
    dmar_tb_end_struct(&tb, s);
    s = dmar_tb_rmrr(&tb, 3, 0x1000, 0x1fff);
    dmar_tb_endpoint(&tb, 0, 0x14, 0);
    dmar_tb_end_struct(&tb, s);
    acpi_tb_finish(&tb);
    CHECK_I("parsed", 0, parse_tb());
    CHECK_U("one rmrr", 1, info.rmrr_count);
    CHECK_U("three warnings", 3, info.warnings);
    CHECK_U("segment", 3, info.rmrrs[0].segment);
    CHECK_U("limit", 0x1fff, info.rmrrs[0].limit);
    CHECK_U("scope", 1, info.rmrrs[0].scopes.count);
    const struct dmar_scope *sc = &info.scopes[info.rmrrs[0].scopes.first];
    CHECK_I("RMRR scope matches its device", DMAR_MATCH_YES,
            dmar_scope_match(sc, info.rmrrs[0].segment, NULL, 3, 0, 0x14, 0));
}

static void too_many_units_and_scopes(void)
{
    dmar_tb_begin(&tb, 38, 0);
    for (unsigned i = 0; i < DMAR_MAX_UNITS + 2; i++) {
        size_t s = dmar_tb_drhd(&tb, 0, 0, 0xf0000000ull + i * 0x1000ull);
        for (unsigned d = 0; d < 17; d++)
            dmar_tb_endpoint(&tb, (uint8_t)i, (uint8_t)d, 0);
        dmar_tb_end_struct(&tb, s);
    }
    acpi_tb_finish(&tb);
    CHECK_I("parsed", 0, parse_tb());
    CHECK_U("units capped", DMAR_MAX_UNITS, info.unit_count);
    CHECK_U("units skipped", 2, info.units_skipped);
    CHECK_U("scopes capped", DMAR_MAX_SCOPES, info.scope_count);
    CHECK_U("one warning per overflow", 2, info.warnings);
    CHECK_TRUE("last unit incomplete", info.units[DMAR_MAX_UNITS - 1].scopes.incomplete);
    expect_lookup(NULL, 0, 0, 3, 0, DMAR_FOUND, 0);
    expect_lookup(NULL, 0, 0x20, 0, 0, DMAR_UNCERTAIN, 0);
}

static void two_units_claim_a_device(void)
{
    dmar_tb_begin(&tb, 38, 0);
    size_t s = dmar_tb_drhd(&tb, 0, 0, 0xfed90000);
    dmar_tb_endpoint(&tb, 0, 2, 0);
    dmar_tb_end_struct(&tb, s);
    s = dmar_tb_drhd(&tb, 0, 0, 0xfed91000);
    dmar_tb_endpoint(&tb, 0, 2, 0);
    dmar_tb_end_struct(&tb, s);
    s = dmar_tb_drhd(&tb, DMAR_DRHD_FLAG_INCLUDE_PCI_ALL, 1, 0xfed92000);
    dmar_tb_end_struct(&tb, s);
    s = dmar_tb_drhd(&tb, DMAR_DRHD_FLAG_INCLUDE_PCI_ALL, 1, 0xfed93000);
    dmar_tb_end_struct(&tb, s);
    acpi_tb_finish(&tb);
    CHECK_I("parsed", 0, parse_tb());
    expect_lookup(NULL, 0, 0, 2, 0, DMAR_AMBIGUOUS, 0);
    expect_lookup(NULL, 0, 0, 3, 0, DMAR_NOT_COVERED, 0);
    expect_lookup(NULL, 1, 0, 3, 0, DMAR_AMBIGUOUS, 0);
}

static void ioapic_lookup_edge_cases(void)
{
    dmar_tb_begin(&tb, 38, 0);
    size_t s = dmar_tb_drhd(&tb, DMAR_DRHD_FLAG_INCLUDE_PCI_ALL, 0, 0xfed90000);
    const uint8_t one[1][2] = {{0x1e, 1}};
    const uint8_t two[2][2] = {{0x1c, 0}, {0, 0}};
    dmar_tb_scope(&tb, DMAR_SCOPE_IOAPIC, 1, 0, one, 1);
    dmar_tb_scope(&tb, DMAR_SCOPE_IOAPIC, 3, 0, two, 2);
    dmar_tb_scope(&tb, DMAR_SCOPE_IOAPIC, 4, 0, one, 1);
    dmar_tb_scope(&tb, DMAR_SCOPE_IOAPIC, 4, 0, one, 1);
    dmar_tb_end_struct(&tb, s);
    acpi_tb_finish(&tb);
    CHECK_I("parsed", 0, parse_tb());
    uint32_t unit;
    uint16_t sid;
    CHECK_I("id 1", DMAR_FOUND, dmar_find_ioapic(&info, NULL, 1, &unit, &sid));
    CHECK_U("sid 00:1e.1", 0x00f1, sid);
    CHECK_I("id 3 needs a bridge read", DMAR_UNCERTAIN,
            dmar_find_ioapic(&info, NULL, 3, &unit, &sid));
    CHECK_I("id 3 through bridge 00:1c.0 (bus 2)", DMAR_FOUND,
            dmar_find_ioapic(&info, &std_pci, 3, &unit, &sid));
    CHECK_U("sid 02:00.0", 0x0200, sid);
    CHECK_I("id 4 twice", DMAR_AMBIGUOUS, dmar_find_ioapic(&info, NULL, 4, &unit, &sid));
}

/* ---- Captured tables ---------------------------------------------------------- */

static bool parse_bdf(const char *s, uint8_t *bus, uint8_t *dev, uint8_t *fn)
{
    unsigned b, d, f;
    int n = 0;
    if (sscanf(s, "%x:%x.%x%n", &b, &d, &f, &n) != 3 || b > 255 || d > 31 || f > 7)
        return false;
    *bus = (uint8_t)b;
    *dev = (uint8_t)d;
    *fn = (uint8_t)f;
    return (size_t)n == strlen(s);
}

/* Checks each bus:dev.fn of a comma-separated list: found in unit 0, or
 * not covered. */
static void check_device_list(const char *list, bool covered, unsigned line)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", list);
    for (char *tok = strtok(buf, ","); tok != NULL; tok = strtok(NULL, ",")) {
        uint8_t b, d, f;
        if (!parse_bdf(tok, &b, &d, &f)) {
            CHECK_FAIL("expect.txt:%u: \"%s\" is not bus:dev.fn", line, tok);
            return;
        }
        expect_lookup(NULL, 0, b, d, f, covered ? DMAR_FOUND : DMAR_NOT_COVERED, 0);
    }
}

static const char *data_set_dir;

static void data_set(void)
{
    char err[256];
    struct expect ex;
    if (!expect_load(data_set_dir, &ex, err, sizeof(err))) {
        CHECK_FAIL("%s", err);
        return;
    }
    struct fake_mem fm;
    fake_mem_init(&fm);
    if (testdata_load_tables(data_set_dir, &fm, err, sizeof(err)) < 0) {
        CHECK_FAIL("%s", err);
        fake_mem_free(&fm);
        return;
    }
    char path[TESTDATA_PATH_MAX];
    uint8_t *rsdp = NULL;
    size_t rsdp_len = 0;
    if (!testdata_path(path, sizeof(path), data_set_dir, "rsdp.bin") ||
        !testdata_read(path, &rsdp, &rsdp_len)) {
        CHECK_FAIL("cannot read %s", path);
        fake_mem_free(&fm);
        return;
    }
    static struct acpi_info acpi;
    CHECK_I("acpi_parse", 0, acpi_parse(rsdp, rsdp_len, fake_mem_map, &fm, &acpi));
    free(rsdp);
    CHECK_TRUE("ACPI found a DMAR", acpi.dmar_present);
    const void *tbl =
        acpi.dmar_present ? fake_mem_map(&fm, acpi.dmar_phys, acpi.dmar_length) : NULL;
    if (tbl == NULL) {
        fake_mem_free(&fm);
        return;
    }
    host_log_reset();
    CHECK_I("dmar_parse", 0, dmar_parse(tbl, acpi.dmar_length, &info));

    uint64_t v;
    unsigned line;
    const char *s = expect_get(&ex, "dmar_warnings", &line);
    CHECK_U("dmar warnings", s && expect_parse_u64(s, &v) ? v : 0, info.warnings);
    CHECK_TRUE("at least one unit", info.unit_count >= 1);
    for (uint32_t i = 0; i < info.unit_count; i++)
        CHECK_TRUE("unit base aligned",
                   info.units[i].reg_base != 0 && (info.units[i].reg_base & 0xfff) == 0);
    static const struct {
        const char *key;
        uint64_t got_index; /* into `got` below */
    } keys[] = {
        {"dmar_haw", 0},       {"dmar_flags", 1},  {"dmar_units", 2}, {"dmar_unit0_base", 3},
        {"dmar_unit0_all", 4}, {"dmar_scopes", 5}, {"dmar_rmrrs", 6},
    };
    uint64_t got[] = {
        info.host_addr_width,          info.flags,       info.unit_count, info.units[0].reg_base,
        info.units[0].include_pci_all, info.scope_count, info.rmrr_count};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        s = expect_get(&ex, keys[i].key, &line);
        if (s == NULL)
            continue;
        if (!expect_parse_u64(s, &v)) {
            CHECK_FAIL("expect.txt:%u: %s is not a number", line, keys[i].key);
            continue;
        }
        CHECK_U(keys[i].key, v, got[keys[i].got_index]);
    }
    if ((s = expect_get(&ex, "dmar_covered", &line)) != NULL)
        check_device_list(s, true, line);
    if ((s = expect_get(&ex, "dmar_not_covered", &line)) != NULL)
        check_device_list(s, false, line);
    if ((s = expect_get(&ex, "dmar_ioapic0_sid", &line)) != NULL && expect_parse_u64(s, &v)) {
        uint32_t unit;
        uint16_t sid = 0;
        CHECK_TRUE("MADT has an I/O APIC", acpi.ioapic_count > 0);
        CHECK_I("I/O APIC 0 in the DMAR", DMAR_FOUND,
                dmar_find_ioapic(&info, NULL, (uint8_t)acpi.ioapics[0].id, &unit, &sid));
        CHECK_U("I/O APIC 0 source id", v, sid);
    }
    fake_mem_free(&fm);
}

static void run_data_set(const char *name, const char *dir)
{
    /* Sets from machines without VT-d have nothing to test here. */
    char path[TESTDATA_PATH_MAX];
    struct expect ex;
    char err[256];
    if (!testdata_path(path, sizeof(path), dir, "expect.txt") ||
        !expect_load(dir, &ex, err, sizeof(err)))
        return;
    const char *d = expect_get(&ex, "dmar", NULL);
    if (d == NULL || strcmp(d, "1") != 0)
        return;
    char test_name[160];
    snprintf(test_name, sizeof(test_name), "data.%s", name);
    data_set_dir = dir;
    check_begin(test_name);
    data_set();
    check_end();
}

/* ---- Fuzz seeds ---------------------------------------------------------------- */

static int write_seed(const char *dir, const char *name, const uint8_t *bytes, size_t len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(bytes, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        return 1;
    }
    return 0;
}

static int write_corpus(const char *dir)
{
    int rc = 0;
    dmar_std_build(&tb);
    rc |= write_seed(dir, "std", tb.buf, tb.len);
    build_bad_scope(DMAR_SCOPE_PCI_ENDPOINT, 0, 6);
    rc |= write_seed(dir, "scope_len0", tb.buf, tb.len);
    build_bad_scope(DMAR_SCOPE_PCI_SUBHIERARCHY, 12, 6);
    rc |= write_seed(dir, "bridge", tb.buf, tb.len);
    dmar_tb_begin(&tb, 38, 1);
    size_t s = dmar_tb_drhd(&tb, DMAR_DRHD_FLAG_INCLUDE_PCI_ALL, 0, 0xfed90000);
    const uint8_t io[1][2] = {{0, 0}};
    dmar_tb_scope(&tb, DMAR_SCOPE_IOAPIC, 0, 0xff, io, 1);
    dmar_tb_end_struct(&tb, s);
    s = dmar_tb_rmrr(&tb, 0, 0x1000, 0x1fff);
    dmar_tb_endpoint(&tb, 0, 0x1d, 0);
    dmar_tb_end_struct(&tb, s);
    acpi_tb_finish(&tb);
    rc |= write_seed(dir, "catch_all_rmrr", tb.buf, tb.len);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
        return write_corpus(argv[2]);
    if (argc != 1) {
        fprintf(stderr, "usage: test_dmar [--write-corpus DIR]\n");
        return 2;
    }
    check_suite("dmar");
    RUN_TEST(std_table_parsed);
    RUN_TEST(std_lookup_with_bridges);
    RUN_TEST(std_lookup_without_bridges_fails_closed);
    RUN_TEST(std_ioapic_source_id);
    RUN_TEST(bridge_with_bad_buses_is_unknown);
    RUN_TEST(header_checks);
    RUN_TEST(empty_table);
    RUN_TEST(truncated_buffer_at_every_length);
    RUN_TEST(truncated_table_length_at_every_length);
    RUN_TEST(every_struct_length_shortened);
    RUN_TEST(every_scope_length);
    RUN_TEST(zero_length_structure_stops);
    RUN_TEST(unknown_structures_skipped);
    RUN_TEST(short_known_structures_warned);
    RUN_TEST(scope_length_zero);
    RUN_TEST(scope_overlong);
    RUN_TEST(scope_odd_and_deep_paths);
    RUN_TEST(scope_bad_device_number);
    RUN_TEST(scope_unknown_type_skipped);
    RUN_TEST(scope_truncated_header);
    RUN_TEST(bad_register_bases);
    RUN_TEST(register_set_size);
    RUN_TEST(bad_rmrrs_skipped);
    RUN_TEST(too_many_units_and_scopes);
    RUN_TEST(two_units_claim_a_device);
    RUN_TEST(ioapic_lookup_edge_cases);
    testdata_foreach("rsdp.bin", run_data_set);
    return check_exit_code();
}
