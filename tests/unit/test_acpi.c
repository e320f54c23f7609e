/* Unit tests for arch/x86_64/acpi.c: synthetic platforms built in memory,
 * then every data set under tests/data/ that has an rsdp.bin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/acpi_tables.h"
#include "tests/unit/acpi_builder.h"
#include "tests/unit/check.h"
#include "tests/unit/fake_mem.h"
#include "tests/unit/host_log.h"
#include "tests/unit/testdata.h"

/* Where QEMU puts its tables; any address works. */
#define BASE                0x7ffe0000u
#define ALT_ROOT_PHYS       0x7fff0000u /* rebuilt RSDT/XSDT go here */
#define EXTRA_PHYS          0x7fff8000u /* additional tables */
#define STD_LAPIC_NMI_FLAGS 0x5u

static struct acpi_platform plat;
static struct acpi_info info;
static struct fake_mem mem;
static bool all_windows; /* map mode for the next run() */

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void setup(uint8_t revision, const struct acpi_tb *madt)
{
    host_log_reset();
    all_windows = false;
    acpi_platform_build(&plat, BASE, revision, madt);
}

/* Runs acpi_parse() over the platform's tables with an RSDP of `rsdp_len`
 * bytes. The info struct is poisoned first: the parser must initialise it. */
static int run_len(size_t rsdp_len)
{
    fake_mem_init(&mem);
    mem.one_window = !all_windows;
    acpi_platform_to_fake_mem(&plat, &mem);
    memset(&info, 0xa5, sizeof(info));
    int rc = acpi_parse(plat.rsdp, rsdp_len, fake_mem_map, &mem, &info);
    fake_mem_free(&mem);
    return rc;
}

static int run(void)
{
    return run_len(plat.rsdp_len);
}

static struct acpi_platform_blob *blob(const char *sig)
{
    struct acpi_platform_blob *b = acpi_platform_find(&plat, sig);
    if (b == NULL) {
        fprintf(stderr, "test_acpi: platform has no %s\n", sig);
        abort();
    }
    return b;
}

static void add_table(uint64_t phys, const struct acpi_tb *t)
{
    if (plat.count >= ACPI_PLATFORM_MAX_BLOBS)
        abort();
    struct acpi_platform_blob *b = &plat.blobs[plat.count++];
    memcpy(b->sig, t->buf, 4);
    b->sig[4] = '\0';
    b->phys = phys;
    b->table = *t;
}

/* Replaces the XSDT by one listing `entries`, at a fresh address. */
static void set_xsdt(const uint64_t *entries, size_t n)
{
    struct acpi_platform_blob *b = blob(ACPI_SIG_XSDT);
    acpi_xsdt_build(&b->table, entries, n);
    b->phys = ALT_ROOT_PHYS;
    put64(plat.rsdp + ACPI_RSDP_OFF_XSDT, ALT_ROOT_PHYS);
    acpi_rsdp_fix_checksums(plat.rsdp);
}

static void set_rsdt(const uint32_t *entries, size_t n)
{
    struct acpi_platform_blob *b = blob(ACPI_SIG_RSDT);
    acpi_rsdt_build(&b->table, entries, n);
    b->phys = ALT_ROOT_PHYS + 0x1000;
    put32(plat.rsdp + ACPI_RSDP_OFF_RSDT, (uint32_t)b->phys);
    acpi_rsdp_fix_checksums(plat.rsdp);
}

/* Moves a table that grew (or claims to) to an address clear of its
 * neighbours, and points the XSDT at it. */
static void relocate(const char *sig)
{
    blob(sig)->phys = EXTRA_PHYS;
    uint64_t entries[] = {blob(ACPI_SIG_MADT)->phys, blob(ACPI_SIG_MCFG)->phys,
                          blob(ACPI_SIG_DMAR)->phys};
    set_xsdt(entries, 3);
}

/* Sets a table's length field and repairs its checksum over the bytes
 * that exist, so that only the length is wrong. */
static void set_length(struct acpi_platform_blob *b, uint32_t len)
{
    put32(b->table.buf + ACPI_HDR_OFF_LENGTH, len);
    acpi_fix_checksum(b->table.buf, b->table.len);
}

/* What the default platform must yield, whichever root table was used. */
static void check_std_contents(void)
{
    CHECK_STR("oem_id", "ATOLL ", info.oem_id);
    CHECK_TRUE("madt_present", info.madt_present);
    CHECK_U("lapic_phys", ACPI_STD_LAPIC_PHYS, info.lapic_phys);
    CHECK_TRUE("pcat_compat", info.pcat_compat);
    CHECK_U("cpu_count", ACPI_STD_CPUS, info.cpu_count);
    for (uint32_t i = 0; i < ACPI_STD_CPUS && i < info.cpu_count; i++) {
        CHECK_U("cpus[i].apic_id", i, info.cpus[i].apic_id);
        CHECK_U("cpus[i].acpi_uid", i, info.cpus[i].acpi_uid);
        CHECK_TRUE("cpus[i] is xAPIC", !info.cpus[i].x2apic);
    }
    CHECK_U("cpus_ignored (one disabled)", 1, info.cpus_ignored);
    CHECK_U("ioapic_count", 1, info.ioapic_count);
    CHECK_U("ioapics[0].id", 0, info.ioapics[0].id);
    CHECK_U("ioapics[0].phys", ACPI_STD_IOAPIC_PHYS, info.ioapics[0].phys);
    CHECK_U("ioapics[0].gsi_base", 0, info.ioapics[0].gsi_base);
    CHECK_U("override_count", 2, info.override_count);
    CHECK_U("lapic_nmi_count", 1, info.lapic_nmi_count);
    CHECK_U("lapic_nmis[0].acpi_uid", ACPI_LAPIC_NMI_UID_ALL, info.lapic_nmis[0].acpi_uid);
    CHECK_U("lapic_nmis[0].lint", 1, info.lapic_nmis[0].lint);
    CHECK_U("lapic_nmis[0].flags", STD_LAPIC_NMI_FLAGS, info.lapic_nmis[0].flags);
    CHECK_U("mcfg_count", 1, info.mcfg_count);
    CHECK_U("mcfg[0].base", ACPI_STD_MCFG_BASE, info.mcfg[0].base);
    CHECK_U("mcfg[0].bus_end", 255, info.mcfg[0].bus_end);
    CHECK_TRUE("dmar_present", info.dmar_present);
    CHECK_U("dmar_phys", blob(ACPI_SIG_DMAR)->phys, info.dmar_phys);
    CHECK_U("dmar_length", blob(ACPI_SIG_DMAR)->table.len, info.dmar_length);
}

/* ---- good platforms --------------------------------------------------- */

static void good_v2_platform_uses_xsdt(void)
{
    setup(2, NULL);
    CHECK_I("acpi_parse", 0, run());
    CHECK_U("revision", 2, info.revision);
    CHECK_TRUE("used_xsdt", info.used_xsdt);
    CHECK_U("warnings", 0, info.warnings);
    CHECK_STR("klog output", "", host_log_all());
    check_std_contents();
}

static void good_v1_platform_uses_rsdt(void)
{
    setup(0, NULL);
    CHECK_I("acpi_parse", 0, run());
    CHECK_U("revision", 0, info.revision);
    CHECK_TRUE("used_xsdt is false", !info.used_xsdt);
    CHECK_U("warnings", 0, info.warnings);
    check_std_contents();
}

/* The fake mapper's one-window mode must not change the result: the
 * parser only ever uses its latest mapping. */
static void same_result_with_persistent_mappings(void)
{
    setup(2, NULL);
    all_windows = true;
    CHECK_I("acpi_parse", 0, run());
    CHECK_U("warnings", 0, info.warnings);
    check_std_contents();
}

/* The kernel's atoll.dump=acpi records every range the parser maps and
 * dumps one blob per start address: all of them must be table addresses,
 * never an address inside a table. */
static void mapped_ranges_start_at_table_addresses(void)
{
    setup(2, NULL);
    fake_mem_init(&mem);
    acpi_platform_to_fake_mem(&plat, &mem);
    CHECK_I("acpi_parse", 0, acpi_parse(plat.rsdp, plat.rsdp_len, fake_mem_map, &mem, &info));
    CHECK_U("distinct start addresses (XSDT, MADT, MCFG, DMAR)", 4, mem.mapped_count);
    for (unsigned i = 0; i < mem.mapped_count; i++) {
        size_t len;
        if (fake_mem_blob(&mem, mem.mapped_phys[i], &len) == NULL)
            CHECK_FAIL("map at 0x%llx is not the start of a table",
                       (unsigned long long)mem.mapped_phys[i]);
    }
    fake_mem_free(&mem);
}

static void output_initialised_on_failure(void)
{
    host_log_reset();
    memset(&info, 0xa5, sizeof(info));
    CHECK_I("acpi_parse(NULL)", -1, acpi_parse(NULL, 0, fake_mem_map, &mem, &info));
    CHECK_U("cpu_count", 0, info.cpu_count);
    CHECK_TRUE("madt_present is false", !info.madt_present);
    CHECK_U("oem_id[0]", 0, (uint8_t)info.oem_id[0]);
    CHECK_U("warnings", 1, info.warnings);
}

/* ---- RSDP ------------------------------------------------------------- */

static void rsdp_bad_signature_rejected(void)
{
    setup(2, NULL);
    plat.rsdp[0] = 'X';
    acpi_rsdp_fix_checksums(plat.rsdp);
    CHECK_I("acpi_parse", -1, run());
    CHECK_CONTAINS("warning", host_log_last(), "signature");
}

static void rsdp_bad_checksum_rejected(void)
{
    setup(2, NULL);
    plat.rsdp[ACPI_RSDP_OFF_CHECKSUM] ^= 0x01;
    CHECK_I("acpi_parse", -1, run());
    CHECK_U("cpu_count", 0, info.cpu_count);
    CHECK_U("warnings", 1, info.warnings);
    CHECK_CONTAINS("warning", host_log_last(), "checksum");
}

static void rsdp_shorter_than_20_rejected(void)
{
    setup(0, NULL);
    CHECK_I("acpi_parse", -1, run_len(ACPI_RSDP_V1_LEN - 1));
    CHECK_U("warnings", 1, info.warnings);
}

static void rsdp_bad_extended_checksum_uses_rsdt(void)
{
    setup(2, NULL);
    plat.rsdp[ACPI_RSDP_OFF_EXT_CHECKSUM] ^= 0x01;
    CHECK_I("acpi_parse", 0, run());
    CHECK_TRUE("used_xsdt is false", !info.used_xsdt);
    CHECK_U("warnings", 1, info.warnings);
    CHECK_CONTAINS("warning", host_log_all(), "extended checksum");
    check_std_contents();
}

static void rsdp_length_below_36_uses_rsdt(void)
{
    setup(2, NULL);
    put32(plat.rsdp + ACPI_RSDP_OFF_LENGTH, ACPI_RSDP_V1_LEN);
    acpi_rsdp_fix_checksums(plat.rsdp);
    CHECK_I("acpi_parse", 0, run());
    CHECK_TRUE("used_xsdt is false", !info.used_xsdt);
    CHECK_U("warnings", 1, info.warnings);
    CHECK_CONTAINS("warning", host_log_all(), "RSDP length");
}

static void rsdp_length_past_buffer_uses_rsdt(void)
{
    setup(2, NULL);
    put32(plat.rsdp + ACPI_RSDP_OFF_LENGTH, ACPI_RSDP_V2_LEN + 4);
    acpi_rsdp_fix_checksums(plat.rsdp);
    CHECK_I("acpi_parse", 0, run());
    CHECK_TRUE("used_xsdt is false", !info.used_xsdt);
    CHECK_U("warnings", 1, info.warnings);
}

static void rsdp_v2_given_only_20_bytes_uses_rsdt(void)
{
    setup(2, NULL);
    CHECK_I("acpi_parse", 0, run_len(ACPI_RSDP_V1_LEN));
    CHECK_TRUE("used_xsdt is false", !info.used_xsdt);
    CHECK_U("warnings", 1, info.warnings);
    check_std_contents();
}

/* ---- root tables ------------------------------------------------------ */

static void xsdt_bad_checksum_falls_back_to_rsdt(void)
{
    setup(2, NULL);
    blob(ACPI_SIG_XSDT)->table.buf[ACPI_HDR_OFF_CHECKSUM] ^= 0x40;
    CHECK_I("acpi_parse", 0, run());
    CHECK_TRUE("used_xsdt is false", !info.used_xsdt);
    CHECK_U("warnings (bad checksum, fallback)", 2, info.warnings);
    CHECK_CONTAINS("warnings", host_log_all(), "XSDT");
    CHECK_CONTAINS("warnings", host_log_all(), "checksum");
    check_std_contents();
}

static void xsdt_wrong_signature_falls_back_to_rsdt(void)
{
    setup(2, NULL);
    struct acpi_platform_blob *x = blob(ACPI_SIG_XSDT);
    memcpy(x->table.buf, "FACP", 4);
    acpi_fix_checksum(x->table.buf, x->table.len);
    CHECK_I("acpi_parse", 0, run());
    CHECK_TRUE("used_xsdt is false", !info.used_xsdt);
    CHECK_CONTAINS("warnings", host_log_all(), "signature");
    check_std_contents();
}

static void xsdt_unmapped_falls_back_to_rsdt(void)
{
    setup(2, NULL);
    put64(plat.rsdp + ACPI_RSDP_OFF_XSDT, 0xdead0000u);
    acpi_rsdp_fix_checksums(plat.rsdp);
    CHECK_I("acpi_parse", 0, run());
    CHECK_TRUE("used_xsdt is false", !info.used_xsdt);
    CHECK_U("warnings", 2, info.warnings);
    check_std_contents();
}

static void xsdt_address_zero_uses_rsdt_silently(void)
{
    setup(2, NULL);
    put64(plat.rsdp + ACPI_RSDP_OFF_XSDT, 0);
    acpi_rsdp_fix_checksums(plat.rsdp);
    CHECK_I("acpi_parse", 0, run());
    CHECK_TRUE("used_xsdt is false", !info.used_xsdt);
    CHECK_U("warnings", 0, info.warnings);
    check_std_contents();
}

static void no_usable_root_table_fails(void)
{
    setup(0, NULL);
    blob(ACPI_SIG_RSDT)->table.buf[ACPI_HDR_LEN] ^= 0x10; /* entry byte: checksum breaks */
    CHECK_I("acpi_parse", -1, run());
    CHECK_TRUE("madt_present is false", !info.madt_present);
    CHECK_CONTAINS("warning", host_log_last(), "checksum");
}

static void null_and_unmapped_entries_skipped(void)
{
    setup(2, NULL);
    uint64_t entries[] = {0, 0xdead0000u, blob(ACPI_SIG_MADT)->phys, blob(ACPI_SIG_MCFG)->phys,
                          blob(ACPI_SIG_DMAR)->phys};
    set_xsdt(entries, 5);
    CHECK_I("acpi_parse", 0, run());
    CHECK_TRUE("used_xsdt", info.used_xsdt);
    CHECK_U("warnings", 2, info.warnings);
    CHECK_CONTAINS("warnings", host_log_all(), "null");
    CHECK_CONTAINS("warnings", host_log_all(), "header cannot be mapped");
    check_std_contents();
}

/* The same MADT twice must not count every CPU twice; roots that list
 * themselves or each other must not loop (they are unknown tables here). */
static void duplicate_and_self_pointers_terminate(void)
{
    setup(2, NULL);
    uint64_t madt = blob(ACPI_SIG_MADT)->phys;
    uint64_t entries[] = {ALT_ROOT_PHYS,
                          madt,
                          madt,
                          blob(ACPI_SIG_RSDT)->phys,
                          blob(ACPI_SIG_MCFG)->phys,
                          blob(ACPI_SIG_DMAR)->phys,
                          ALT_ROOT_PHYS};
    set_xsdt(entries, sizeof(entries) / sizeof(entries[0]));
    CHECK_I("acpi_parse", 0, run());
    CHECK_U("cpu_count", ACPI_STD_CPUS, info.cpu_count);
    CHECK_U("warnings (second MADT)", 1, info.warnings);
    CHECK_CONTAINS("warning", host_log_all(), "second");
    check_std_contents();
}

static void unknown_tables_ignored_silently(void)
{
    setup(2, NULL);
    struct acpi_tb t;
    acpi_tb_begin(&t, "FACP");
    acpi_tb_zeros(&t, 200);
    acpi_tb_finish(&t);
    t.buf[ACPI_HDR_OFF_CHECKSUM] ^= 0xff; /* not even checked */
    add_table(EXTRA_PHYS, &t);
    uint64_t entries[] = {EXTRA_PHYS, blob(ACPI_SIG_MADT)->phys, blob(ACPI_SIG_MCFG)->phys,
                          blob(ACPI_SIG_DMAR)->phys};
    set_xsdt(entries, 4);
    CHECK_I("acpi_parse", 0, run());
    CHECK_U("warnings", 0, info.warnings);
    check_std_contents();
}

/* ---- table validation ------------------------------------------------- */

static void table_bad_checksum_skipped(void)
{
    setup(2, NULL);
    blob(ACPI_SIG_MADT)->table.buf[ACPI_MADT_ENTRIES_OFF + 3] ^= 0x01;
    CHECK_I("acpi_parse", 0, run());
    CHECK_TRUE("madt_present is false", !info.madt_present);
    CHECK_U("cpu_count", 0, info.cpu_count);
    CHECK_U("warnings", 1, info.warnings);
    CHECK_CONTAINS("warning", host_log_last(), "checksum");
    CHECK_U("mcfg_count (other tables still parsed)", 1, info.mcfg_count);
    CHECK_TRUE("dmar_present", info.dmar_present);
}

static void table_running_past_mapping_skipped(void)
{
    setup(2, NULL);
    struct acpi_platform_blob *m = blob(ACPI_SIG_MADT);
    set_length(m, (uint32_t)m->table.len + 64);
    relocate(ACPI_SIG_MADT);
    CHECK_I("acpi_parse", 0, run());
    CHECK_TRUE("madt_present is false", !info.madt_present);
    CHECK_U("warnings", 1, info.warnings);
    CHECK_CONTAINS("warning", host_log_last(), "runs past its mapping");
}

static void table_length_below_header_skipped(void)
{
    setup(2, NULL);
    set_length(blob(ACPI_SIG_MCFG), 20);
    CHECK_I("acpi_parse", 0, run());
    CHECK_U("mcfg_count", 0, info.mcfg_count);
    CHECK_U("warnings", 1, info.warnings);
    CHECK_CONTAINS("warning", host_log_last(), "shorter than its header");
    CHECK_U("cpu_count", ACPI_STD_CPUS, info.cpu_count);
}

static void table_absurd_length_skipped(void)
{
    setup(2, NULL);
    set_length(blob(ACPI_SIG_DMAR), ACPI_TABLE_MAX_LEN + 1);
    CHECK_I("acpi_parse", 0, run());
    CHECK_TRUE("dmar_present is false", !info.dmar_present);
    CHECK_U("warnings", 1, info.warnings);
    CHECK_CONTAINS("warning", host_log_last(), "absurd");
}

/* ---- MADT ------------------------------------------------------------- */

static void madt_without_fixed_fields_skipped(void)
{
    struct acpi_tb t;
    acpi_tb_begin(&t, ACPI_SIG_MADT);
    acpi_tb_u32(&t, ACPI_STD_LAPIC_PHYS); /* flags missing */
    acpi_tb_finish(&t);
    setup(2, &t);
    CHECK_I("acpi_parse", 0, run());
    CHECK_TRUE("madt_present is false", !info.madt_present);
    CHECK_U("warnings", 1, info.warnings);
}

static void madt_entry_too_short_for_type_skipped(void)
{
    struct acpi_tb t;
    acpi_madt_begin(&t, ACPI_STD_LAPIC_PHYS, 0);
    acpi_madt_lapic(&t, 0, 0, ACPI_LAPIC_FLAG_ENABLED);
    acpi_madt_raw(&t, ACPI_MADT_TYPE_LAPIC, 6, 4);  /* LAPIC needs 8 */
    acpi_madt_raw(&t, ACPI_MADT_TYPE_IOAPIC, 8, 6); /* IOAPIC needs 12 */
    acpi_madt_lapic(&t, 1, 1, ACPI_LAPIC_FLAG_ENABLED);
    acpi_tb_finish(&t);
    setup(2, &t);
    CHECK_I("acpi_parse", 0, run());
    CHECK_U("cpu_count (entry after the short ones parsed)", 2, info.cpu_count);
    CHECK_U("cpus[1].apic_id", 1, info.cpus[1].apic_id);
    CHECK_U("ioapic_count", 0, info.ioapic_count);
    CHECK_U("warnings", 2, info.warnings);
    CHECK_CONTAINS("warning", host_log_last(), "too short");
    CHECK_TRUE("pcat_compat is false", !info.pcat_compat);
}

static void madt_entry_length_zero_stops_walk(void)
{
    struct acpi_tb t;
    acpi_madt_begin(&t, ACPI_STD_LAPIC_PHYS, 0);
    acpi_madt_lapic(&t, 0, 0, ACPI_LAPIC_FLAG_ENABLED);
    acpi_madt_raw(&t, ACPI_MADT_TYPE_LAPIC, 0, 6);
    acpi_madt_lapic(&t, 1, 1, ACPI_LAPIC_FLAG_ENABLED);
    acpi_tb_finish(&t);
    setup(2, &t);
    CHECK_I("acpi_parse", 0, run());
    CHECK_U("cpu_count", 1, info.cpu_count);
    CHECK_U("warnings", 1, info.warnings);
    CHECK_CONTAINS("warning", host_log_last(), "length 0");
}

static void madt_entry_length_one_stops_walk(void)
{
    struct acpi_tb t;
    acpi_madt_begin(&t, ACPI_STD_LAPIC_PHYS, 0);
    acpi_madt_raw(&t, 0x7f, 1, 0);
    acpi_madt_lapic(&t, 1, 1, ACPI_LAPIC_FLAG_ENABLED);
    acpi_tb_finish(&t);
    setup(2, &t);
    CHECK_I("acpi_parse", 0, run());
    CHECK_U("cpu_count", 0, info.cpu_count);
    CHECK_U("warnings", 1, info.warnings);
}

static void madt_entry_past_end_stops_walk(void)
{
    struct acpi_tb t;
    acpi_madt_begin(&t, ACPI_STD_LAPIC_PHYS, 0);
    acpi_madt_lapic(&t, 0, 0, ACPI_LAPIC_FLAG_ENABLED);
    acpi_madt_raw(&t, ACPI_MADT_TYPE_X2APIC, ACPI_MADT_X2APIC_LEN, 6); /* 8 of 16 bytes */
    acpi_tb_finish(&t);
    setup(2, &t);
    CHECK_I("acpi_parse", 0, run());
    CHECK_U("cpu_count", 1, info.cpu_count);
    CHECK_U("warnings", 1, info.warnings);
    CHECK_CONTAINS("warning", host_log_last(), "past the table end");
}

static void madt_truncated_entry_header_stops_walk(void)
{
    struct acpi_tb t;
    acpi_madt_begin(&t, ACPI_STD_LAPIC_PHYS, 0);
    acpi_madt_lapic(&t, 0, 0, ACPI_LAPIC_FLAG_ENABLED);
    acpi_tb_u8(&t, ACPI_MADT_TYPE_LAPIC); /* a type byte without a length */
    acpi_tb_finish(&t);
    setup(2, &t);
    CHECK_I("acpi_parse", 0, run());
    CHECK_U("cpu_count", 1, info.cpu_count);
    CHECK_U("warnings", 1, info.warnings);
    CHECK_CONTAINS("warning", host_log_last(), "truncated");
}

static void madt_unknown_and_longer_entries_accepted(void)
{
    struct acpi_tb t;
    acpi_madt_begin(&t, ACPI_STD_LAPIC_PHYS, 0);
    acpi_madt_raw(&t, 0x3, 8, 6);   /* NMI source: not used */
    acpi_madt_raw(&t, 0x7f, 4, 2);  /* reserved type */
    acpi_madt_raw(&t, 0xb, 80, 78); /* GICC: not used */
    /* A Local APIC entry two bytes longer than ACPI 6.5 defines. */
    acpi_tb_u8(&t, ACPI_MADT_TYPE_LAPIC);
    acpi_tb_u8(&t, ACPI_MADT_LAPIC_LEN + 2);
    acpi_tb_u8(&t, 7);
    acpi_tb_u8(&t, 9);
    acpi_tb_u32(&t, ACPI_LAPIC_FLAG_ENABLED);
    acpi_tb_u16(&t, 0xffff);
    acpi_tb_finish(&t);
    setup(2, &t);
    CHECK_I("acpi_parse", 0, run());
    CHECK_U("warnings", 0, info.warnings);
    CHECK_U("cpu_count", 1, info.cpu_count);
    CHECK_U("cpus[0].apic_id", 9, info.cpus[0].apic_id);
    CHECK_U("cpus[0].acpi_uid", 7, info.cpus[0].acpi_uid);
}

static void disabled_cpus_not_counted_online_capable_counted(void)
{
    struct acpi_tb t;
    acpi_madt_begin(&t, ACPI_STD_LAPIC_PHYS, 0);
    acpi_madt_lapic(&t, 0, 0, ACPI_LAPIC_FLAG_ENABLED);
    acpi_madt_lapic(&t, 1, 1, 0);
    acpi_madt_lapic(&t, 2, 2, ACPI_LAPIC_FLAG_ONLINE_CAPABLE);
    acpi_madt_x2apic(&t, 300, 0, 3);
    acpi_madt_x2apic(&t, 301, ACPI_LAPIC_FLAG_ONLINE_CAPABLE, 4);
    acpi_tb_finish(&t);
    setup(2, &t);
    CHECK_I("acpi_parse", 0, run());
    CHECK_U("cpu_count", 3, info.cpu_count);
    CHECK_U("cpus_ignored", 2, info.cpus_ignored);
    CHECK_U("cpus[1].apic_id", 2, info.cpus[1].apic_id);
    CHECK_U("cpus[2].apic_id", 301, info.cpus[2].apic_id);
    CHECK_U("warnings", 0, info.warnings);
}

static void more_cpus_than_max_capped(void)
{
    enum { EXTRA = 6 };
    struct acpi_tb t;
    acpi_madt_begin(&t, ACPI_STD_LAPIC_PHYS, 0);
    for (uint32_t i = 0; i < ACPI_MAX_CPUS + EXTRA; i++)
        acpi_madt_x2apic(&t, 0x100 + i, ACPI_LAPIC_FLAG_ENABLED, i);
    acpi_madt_ioapic(&t, 5, ACPI_STD_IOAPIC_PHYS, 24); /* parsed after the overflow */
    acpi_tb_finish(&t);
    setup(2, &t);
    CHECK_I("acpi_parse", 0, run());
    CHECK_U("cpu_count", ACPI_MAX_CPUS, info.cpu_count);
    CHECK_U("cpus_ignored", EXTRA, info.cpus_ignored);
    CHECK_U("cpus[last].apic_id", 0x100 + ACPI_MAX_CPUS - 1, info.cpus[ACPI_MAX_CPUS - 1].apic_id);
    CHECK_U("warnings (reported once)", 1, info.warnings);
    CHECK_U("ioapic_count", 1, info.ioapic_count);
    CHECK_U("ioapics[0].gsi_base", 24, info.ioapics[0].gsi_base);
}

static void x2apic_duplicates_of_xapic_ids_counted_once(void)
{
    struct acpi_tb t;
    acpi_madt_begin(&t, ACPI_STD_LAPIC_PHYS, 0);
    acpi_madt_x2apic(&t, 1, ACPI_LAPIC_FLAG_ENABLED, 1); /* before its xAPIC twin */
    acpi_madt_lapic(&t, 0, 0, ACPI_LAPIC_FLAG_ENABLED);
    acpi_madt_lapic(&t, 1, 1, ACPI_LAPIC_FLAG_ENABLED);
    acpi_madt_x2apic(&t, 0, ACPI_LAPIC_FLAG_ENABLED, 0); /* after its xAPIC twin */
    acpi_madt_x2apic(&t, 0x1ff, ACPI_LAPIC_FLAG_ENABLED, 2);
    acpi_tb_finish(&t);
    setup(2, &t);
    CHECK_I("acpi_parse", 0, run());
    CHECK_U("cpu_count", 3, info.cpu_count);
    CHECK_U("warnings", 0, info.warnings);
    CHECK_U("cpus[2].apic_id", 0x1ff, info.cpus[2].apic_id);
    CHECK_TRUE("cpus[2].x2apic", info.cpus[2].x2apic);
    CHECK_U("cpus[2].acpi_uid", 2, info.cpus[2].acpi_uid);
}

static void same_kind_duplicate_id_warned(void)
{
    struct acpi_tb t;
    acpi_madt_begin(&t, ACPI_STD_LAPIC_PHYS, 0);
    acpi_madt_lapic(&t, 0, 3, ACPI_LAPIC_FLAG_ENABLED);
    acpi_madt_lapic(&t, 1, 3, ACPI_LAPIC_FLAG_ENABLED);
    acpi_tb_finish(&t);
    setup(2, &t);
    CHECK_I("acpi_parse", 0, run());
    CHECK_U("cpu_count", 1, info.cpu_count);
    CHECK_U("warnings", 1, info.warnings);
    CHECK_CONTAINS("warning", host_log_last(), "twice");
}

static void iso_maps_irq0_to_gsi2(void)
{
    setup(2, NULL);
    CHECK_I("acpi_parse", 0, run());
    uint16_t flags = 0xffff;
    CHECK_U("IRQ0 -> GSI", 2, acpi_isa_irq_to_gsi(&info, 0, &flags));
    CHECK_U("IRQ0 flags", 0, flags);
    flags = 0xffff;
    CHECK_U("IRQ9 -> GSI", 9, acpi_isa_irq_to_gsi(&info, 9, &flags));
    CHECK_U("IRQ9 flags", ACPI_STD_ISO9_FLAGS, flags);
    flags = 0xffff;
    CHECK_U("IRQ4 -> GSI (identity)", 4, acpi_isa_irq_to_gsi(&info, 4, &flags));
    CHECK_U("IRQ4 flags", 0, flags);
    CHECK_U("IRQ1 with NULL flags", 1, acpi_isa_irq_to_gsi(&info, 1, NULL));
    CHECK_U("NULL info", 0, acpi_isa_irq_to_gsi(NULL, 0, NULL));
}

static void iso_bad_bus_and_duplicates_ignored(void)
{
    struct acpi_tb t;
    acpi_madt_begin(&t, ACPI_STD_LAPIC_PHYS, 0);
    acpi_madt_iso(&t, 1, 0, 20, 0); /* not ISA */
    acpi_madt_iso(&t, 0, 0, 2, 0);
    acpi_madt_iso(&t, 0, 0, 23, 0xf); /* second one for IRQ0 */
    acpi_tb_finish(&t);
    setup(2, &t);
    CHECK_I("acpi_parse", 0, run());
    CHECK_U("override_count", 1, info.override_count);
    CHECK_U("IRQ0 -> GSI", 2, acpi_isa_irq_to_gsi(&info, 0, NULL));
    CHECK_U("warnings", 2, info.warnings);
}

static void lapic_address_override_applied(void)
{
    struct acpi_tb t;
    acpi_madt_begin(&t, ACPI_STD_LAPIC_PHYS, 0);
    acpi_madt_lapic_override(&t, 0x0000001fee000000ull);
    acpi_tb_finish(&t);
    setup(2, &t);
    CHECK_I("acpi_parse", 0, run());
    CHECK_U("lapic_phys", 0x0000001fee000000ull, info.lapic_phys);
}

static void nmi_entries_parsed_bad_lint_ignored(void)
{
    struct acpi_tb t;
    acpi_madt_begin(&t, ACPI_STD_LAPIC_PHYS, 0);
    acpi_madt_lapic_nmi(&t, 3, 0x5, 0);
    acpi_madt_lapic_nmi(&t, 4, 0x5, 2); /* no LINT2 */
    acpi_madt_x2apic_nmi(&t, 0xd, ACPI_X2APIC_NMI_UID_ALL, 1);
    acpi_tb_finish(&t);
    setup(2, &t);
    CHECK_I("acpi_parse", 0, run());
    CHECK_U("lapic_nmi_count", 2, info.lapic_nmi_count);
    CHECK_U("lapic_nmis[0].acpi_uid", 3, info.lapic_nmis[0].acpi_uid);
    CHECK_U("lapic_nmis[0].lint", 0, info.lapic_nmis[0].lint);
    CHECK_U("lapic_nmis[1].acpi_uid", ACPI_X2APIC_NMI_UID_ALL, info.lapic_nmis[1].acpi_uid);
    CHECK_U("lapic_nmis[1].lint", 1, info.lapic_nmis[1].lint);
    CHECK_U("lapic_nmis[1].flags", 0xd, info.lapic_nmis[1].flags);
    CHECK_U("warnings", 1, info.warnings);
    CHECK_CONTAINS("warning", host_log_last(), "LINT2");
}

static void ioapic_override_and_nmi_caps_hold(void)
{
    struct acpi_tb t;
    acpi_madt_begin(&t, ACPI_STD_LAPIC_PHYS, 0);
    for (uint32_t i = 0; i < ACPI_MAX_IOAPICS + 2; i++)
        acpi_madt_ioapic(&t, (uint8_t)i, ACPI_STD_IOAPIC_PHYS + 0x1000 * i, 24 * i);
    for (uint32_t i = 0; i < ACPI_MAX_OVERRIDES + 2; i++)
        acpi_madt_iso(&t, 0, (uint8_t)i, 100 + i, 0);
    for (uint32_t i = 0; i < ACPI_MAX_LAPIC_NMI + 2; i++)
        acpi_madt_lapic_nmi(&t, (uint8_t)i, 0, 1);
    acpi_tb_finish(&t);
    setup(2, &t);
    CHECK_I("acpi_parse", 0, run());
    CHECK_U("ioapic_count", ACPI_MAX_IOAPICS, info.ioapic_count);
    CHECK_U("override_count", ACPI_MAX_OVERRIDES, info.override_count);
    CHECK_U("lapic_nmi_count", ACPI_MAX_LAPIC_NMI, info.lapic_nmi_count);
    CHECK_U("warnings (one per array)", 3, info.warnings);
    CHECK_U("last ioapic gsi_base", 24 * (ACPI_MAX_IOAPICS - 1),
            info.ioapics[ACPI_MAX_IOAPICS - 1].gsi_base);
    CHECK_U("IRQ past the cap is identity", ACPI_MAX_OVERRIDES,
            acpi_isa_irq_to_gsi(&info, ACPI_MAX_OVERRIDES, NULL));
}

/* ---- MCFG, DMAR -------------------------------------------------------- */

static void mcfg_entries_parsed(void)
{
    setup(2, NULL);
    struct acpi_platform_blob *b = blob(ACPI_SIG_MCFG);
    acpi_mcfg_begin(&b->table);
    acpi_mcfg_entry(&b->table, 0xe0000000u, 0, 0, 63);
    acpi_mcfg_entry(&b->table, 0x3ff00000000ull, 1, 0x80, 0xff);
    acpi_mcfg_entry(&b->table, 0xf0000000u, 2, 9, 3); /* end before start */
    acpi_tb_finish(&b->table);
    relocate(ACPI_SIG_MCFG);
    CHECK_I("acpi_parse", 0, run());
    CHECK_U("mcfg_count", 2, info.mcfg_count);
    CHECK_U("mcfg[0].base", 0xe0000000u, info.mcfg[0].base);
    CHECK_U("mcfg[0].bus_end", 63, info.mcfg[0].bus_end);
    CHECK_U("mcfg[1].base", 0x3ff00000000ull, info.mcfg[1].base);
    CHECK_U("mcfg[1].segment", 1, info.mcfg[1].segment);
    CHECK_U("mcfg[1].bus_start", 0x80, info.mcfg[1].bus_start);
    CHECK_U("mcfg[1].bus_end", 0xff, info.mcfg[1].bus_end);
    CHECK_U("warnings", 1, info.warnings);
}

static void mcfg_cap_and_trailing_bytes(void)
{
    setup(2, NULL);
    struct acpi_platform_blob *b = blob(ACPI_SIG_MCFG);
    acpi_mcfg_begin(&b->table);
    for (uint16_t i = 0; i < ACPI_MAX_MCFG + 2; i++)
        acpi_mcfg_entry(&b->table, 0xe0000000u + 0x10000000ull * i, i, 0, 255);
    acpi_tb_zeros(&b->table, 5);
    acpi_tb_finish(&b->table);
    relocate(ACPI_SIG_MCFG);
    CHECK_I("acpi_parse", 0, run());
    CHECK_U("mcfg_count", ACPI_MAX_MCFG, info.mcfg_count);
    CHECK_U("mcfg[last].segment", ACPI_MAX_MCFG - 1, info.mcfg[ACPI_MAX_MCFG - 1].segment);
    CHECK_U("warnings (trailing bytes, cap)", 2, info.warnings);
}

/* The first valid MCFG wins even if it lists no segment: a second one is
 * a firmware bug, not a fallback. */
static void second_mcfg_ignored_even_if_first_is_empty(void)
{
    setup(2, NULL);
    struct acpi_platform_blob *b = blob(ACPI_SIG_MCFG);
    acpi_mcfg_begin(&b->table);
    acpi_tb_finish(&b->table);
    struct acpi_tb t;
    acpi_std_mcfg(&t);
    add_table(EXTRA_PHYS, &t);
    uint64_t entries[] = {blob(ACPI_SIG_MADT)->phys, b->phys, EXTRA_PHYS,
                          blob(ACPI_SIG_DMAR)->phys};
    set_xsdt(entries, 4);
    CHECK_I("acpi_parse", 0, run());
    CHECK_U("mcfg_count", 0, info.mcfg_count);
    CHECK_U("warnings", 1, info.warnings);
    CHECK_CONTAINS("warning", host_log_last(), "second MCFG");
}

static void dmar_located_after_validation(void)
{
    setup(0, NULL);
    CHECK_I("acpi_parse", 0, run());
    CHECK_TRUE("dmar_present", info.dmar_present);
    CHECK_U("dmar_phys", blob(ACPI_SIG_DMAR)->phys, info.dmar_phys);
    CHECK_U("dmar_length", ACPI_DMAR_STRUCTS_OFF + 16, info.dmar_length);
}

static void dmar_too_short_skipped(void)
{
    setup(2, NULL);
    struct acpi_platform_blob *b = blob(ACPI_SIG_DMAR);
    acpi_tb_begin(&b->table, ACPI_SIG_DMAR);
    acpi_tb_u8(&b->table, 38);
    acpi_tb_finish(&b->table);
    CHECK_I("acpi_parse", 0, run());
    CHECK_TRUE("dmar_present is false", !info.dmar_present);
    CHECK_U("warnings", 1, info.warnings);
}

/* A bad first DMAR does not hide a good second one. */
static void second_table_used_when_first_is_bad(void)
{
    setup(2, NULL);
    struct acpi_tb t;
    acpi_dmar_build(&t, 46, 0);
    add_table(EXTRA_PHYS, &t);
    blob(ACPI_SIG_DMAR)->table.buf[ACPI_DMAR_OFF_HAW] ^= 1; /* breaks the first checksum */
    uint64_t entries[] = {blob(ACPI_SIG_MADT)->phys, blob(ACPI_SIG_MCFG)->phys,
                          blob(ACPI_SIG_DMAR)->phys, EXTRA_PHYS};
    set_xsdt(entries, 4);
    CHECK_I("acpi_parse", 0, run());
    CHECK_TRUE("dmar_present", info.dmar_present);
    CHECK_U("dmar_phys", EXTRA_PHYS, info.dmar_phys);
    CHECK_U("warnings", 1, info.warnings);
}

static void rsdt_fallback_with_rsdt_entries_rebuilt(void)
{
    setup(0, NULL);
    uint32_t entries[] = {(uint32_t)blob(ACPI_SIG_DMAR)->phys, 0,
                          (uint32_t)blob(ACPI_SIG_MADT)->phys};
    set_rsdt(entries, 3);
    CHECK_I("acpi_parse", 0, run());
    CHECK_U("cpu_count", ACPI_STD_CPUS, info.cpu_count);
    CHECK_U("mcfg_count (not listed)", 0, info.mcfg_count);
    CHECK_TRUE("dmar_present", info.dmar_present);
    CHECK_U("warnings (null entry)", 1, info.warnings);
}

/* ---- data sets captured from emulators and machines ------------------- */

static void check_expect_u(const struct expect *e, const char *key, uint64_t got)
{
    unsigned line;
    const char *v = expect_get(e, key, &line);
    if (v == NULL)
        return;
    uint64_t want;
    char what[96];
    snprintf(what, sizeof(what), "expect.txt:%u %s", line, key);
    if (!expect_parse_u64(v, &want)) {
        CHECK_FAIL("%s: \"%s\" is not a number", what, v);
        return;
    }
    CHECK_U(what, want, got);
}

static void check_expect_cpu_ids(const struct expect *e)
{
    unsigned line;
    const char *v = expect_get(e, "cpu_ids", &line);
    if (v == NULL)
        return;
    char got[512] = "";
    size_t n = 0;
    for (uint32_t i = 0; i < info.cpu_count && n < sizeof(got) - 16; i++)
        n += (size_t)snprintf(got + n, sizeof(got) - n, i ? ",%u" : "%u", info.cpus[i].apic_id);
    char what[64];
    snprintf(what, sizeof(what), "expect.txt:%u cpu_ids", line);
    CHECK_STR(what, v, got);
}

static void acpi_data_set(const char *set, const char *dir)
{
    char name[256], path[TESTDATA_PATH_MAX], err[512] = "";
    snprintf(name, sizeof(name), "data.%s", set);
    check_begin(name);
    host_log_reset();

    struct expect e;
    uint8_t *rsdp = NULL;
    size_t rsdp_len = 0;
    fake_mem_init(&mem);
    if (!expect_load(dir, &e, err, sizeof(err))) {
        CHECK_FAIL("%s", err);
    } else if (!testdata_path(path, sizeof(path), dir, "rsdp.bin") ||
               !testdata_read(path, &rsdp, &rsdp_len)) {
        CHECK_FAIL("cannot read %s", path);
    } else if (testdata_load_tables(dir, &mem, err, sizeof(err)) < 0) {
        CHECK_FAIL("%s", err);
    } else {
        int rc = acpi_parse(rsdp, rsdp_len, fake_mem_map, &mem, &info);
        CHECK_I("acpi_parse", 0, rc);
        /* Real firmware is expected to parse cleanly unless the data set
         * says otherwise (then its expect.txt must say how many). */
        unsigned line;
        if (expect_get(&e, "warnings", &line) == NULL && !CHECK_U("warnings", 0, info.warnings))
            fprintf(stderr, "%s warnings:\n%s", set, host_log_all());
        /* Generic facts about any x86 machine that booted this kernel. */
        CHECK_TRUE("madt_present", info.madt_present);
        CHECK_TRUE("cpu_count >= 1", info.cpu_count >= 1);
        CHECK_TRUE("lapic_phys != 0", info.lapic_phys != 0);
        CHECK_TRUE("ioapic_count >= 1", info.ioapic_count >= 1);

        check_expect_u(&e, "warnings", info.warnings);
        check_expect_u(&e, "revision", info.revision);
        check_expect_u(&e, "xsdt", info.used_xsdt);
        check_expect_u(&e, "cpus", info.cpu_count);
        check_expect_u(&e, "cpus_ignored", info.cpus_ignored);
        check_expect_u(&e, "ioapics", info.ioapic_count);
        check_expect_u(&e, "ioapic0_phys", info.ioapic_count ? info.ioapics[0].phys : 0);
        check_expect_u(&e, "overrides", info.override_count);
        check_expect_u(&e, "lapic_nmis", info.lapic_nmi_count);
        check_expect_u(&e, "lapic", info.lapic_phys);
        check_expect_u(&e, "pcat", info.pcat_compat);
        check_expect_u(&e, "mcfg", info.mcfg_count);
        check_expect_u(&e, "mcfg0_base", info.mcfg_count ? info.mcfg[0].base : 0);
        check_expect_u(&e, "dmar", info.dmar_present);
        check_expect_cpu_ids(&e);

        const char *oem = expect_get(&e, "oem", &line);
        if (oem != NULL) {
            char got[sizeof(info.oem_id)];
            memcpy(got, info.oem_id, sizeof(got));
            for (size_t n = strlen(got); n > 0 && got[n - 1] == ' '; n--)
                got[n - 1] = '\0'; /* OEM ids are space-padded */
            CHECK_STR("expect.txt oem", oem, got);
        }
        for (unsigned i = 0; i < e.count; i++) {
            unsigned irq;
            char tail[8];
            if (sscanf(e.items[i].key, "irq%u%7s", &irq, tail) == 2 && irq <= 0xff)
                check_expect_u(&e, e.items[i].key, acpi_isa_irq_to_gsi(&info, (uint8_t)irq, NULL));
        }
    }
    free(rsdp);
    fake_mem_free(&mem);
    check_end();
}

int main(void)
{
    check_suite("acpi");

    RUN_TEST(good_v2_platform_uses_xsdt);
    RUN_TEST(good_v1_platform_uses_rsdt);
    RUN_TEST(same_result_with_persistent_mappings);
    RUN_TEST(mapped_ranges_start_at_table_addresses);
    RUN_TEST(output_initialised_on_failure);

    RUN_TEST(rsdp_bad_signature_rejected);
    RUN_TEST(rsdp_bad_checksum_rejected);
    RUN_TEST(rsdp_shorter_than_20_rejected);
    RUN_TEST(rsdp_bad_extended_checksum_uses_rsdt);
    RUN_TEST(rsdp_length_below_36_uses_rsdt);
    RUN_TEST(rsdp_length_past_buffer_uses_rsdt);
    RUN_TEST(rsdp_v2_given_only_20_bytes_uses_rsdt);

    RUN_TEST(xsdt_bad_checksum_falls_back_to_rsdt);
    RUN_TEST(xsdt_wrong_signature_falls_back_to_rsdt);
    RUN_TEST(xsdt_unmapped_falls_back_to_rsdt);
    RUN_TEST(xsdt_address_zero_uses_rsdt_silently);
    RUN_TEST(no_usable_root_table_fails);
    RUN_TEST(null_and_unmapped_entries_skipped);
    RUN_TEST(duplicate_and_self_pointers_terminate);
    RUN_TEST(unknown_tables_ignored_silently);
    RUN_TEST(rsdt_fallback_with_rsdt_entries_rebuilt);

    RUN_TEST(table_bad_checksum_skipped);
    RUN_TEST(table_running_past_mapping_skipped);
    RUN_TEST(table_length_below_header_skipped);
    RUN_TEST(table_absurd_length_skipped);
    RUN_TEST(second_table_used_when_first_is_bad);

    RUN_TEST(madt_without_fixed_fields_skipped);
    RUN_TEST(madt_entry_too_short_for_type_skipped);
    RUN_TEST(madt_entry_length_zero_stops_walk);
    RUN_TEST(madt_entry_length_one_stops_walk);
    RUN_TEST(madt_entry_past_end_stops_walk);
    RUN_TEST(madt_truncated_entry_header_stops_walk);
    RUN_TEST(madt_unknown_and_longer_entries_accepted);
    RUN_TEST(disabled_cpus_not_counted_online_capable_counted);
    RUN_TEST(more_cpus_than_max_capped);
    RUN_TEST(x2apic_duplicates_of_xapic_ids_counted_once);
    RUN_TEST(same_kind_duplicate_id_warned);
    RUN_TEST(iso_maps_irq0_to_gsi2);
    RUN_TEST(iso_bad_bus_and_duplicates_ignored);
    RUN_TEST(lapic_address_override_applied);
    RUN_TEST(nmi_entries_parsed_bad_lint_ignored);
    RUN_TEST(ioapic_override_and_nmi_caps_hold);

    RUN_TEST(mcfg_entries_parsed);
    RUN_TEST(mcfg_cap_and_trailing_bytes);
    RUN_TEST(second_mcfg_ignored_even_if_first_is_empty);
    RUN_TEST(dmar_located_after_validation);
    RUN_TEST(dmar_too_short_skipped);

    testdata_foreach("rsdp.bin", acpi_data_set);

    return check_exit_code();
}
