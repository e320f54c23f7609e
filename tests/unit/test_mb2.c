/* Unit tests for arch/x86_64/multiboot2.c: synthetic information
 * structures, then every data set under tests/data/ that has an mb2.bin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/multiboot2.h"
#include "arch/x86_64/multiboot2_tags.h"
#include "tests/unit/acpi_builder.h"
#include "tests/unit/check.h"
#include "tests/unit/host_log.h"
#include "tests/unit/mb2_builder.h"
#include "tests/unit/testdata.h"

static struct mb2b b;
static struct mb2_boot boot;

/* Parses the builder's structure from an exactly-sized heap copy (malloc
 * memory is at least 8-byte aligned), so ASan catches any read past
 * `avail`. */
static int parse_avail(size_t avail)
{
    void *copy = malloc(avail ? avail : 1);
    if (copy == NULL)
        abort();
    memcpy(copy, b.u.bytes, avail);
    memset(&boot, 0xa5, sizeof(boot));
    host_log_reset();
    int rc = mb2_parse(copy, avail, &boot);
    free(copy);
    return rc;
}

static int parse(void)
{
    return parse_avail(b.len);
}

static void rsdp_pattern(uint8_t rsdp[36], uint8_t revision)
{
    acpi_rsdp_build(rsdp, revision, 0x7ffe1000u, revision >= 2 ? 0x7ffe2000u : 0);
}

/* ---- a full, good structure ------------------------------------------- */

static void full_info_all_tags_parsed(void)
{
    uint8_t rsdp[36];
    rsdp_pattern(rsdp, 2);
    mb2b_std(&b, rsdp);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_U("warnings", 0, boot.warnings);
    CHECK_STR("klog output", "", host_log_all());
    CHECK_STR("cmdline", MB2B_STD_CMDLINE, boot.cmdline);
    CHECK_STR("loader", MB2B_STD_LOADER, boot.loader);
    CHECK_U("module_count", 2, boot.module_count);
    CHECK_U("modules[0].start", 0x200000, boot.modules[0].start);
    CHECK_U("modules[0].end", 0x280000, boot.modules[0].end);
    CHECK_STR("modules[0].name", "init", boot.modules[0].name);
    CHECK_STR("modules[1].name (empty module kept)", "empty", boot.modules[1].name);
    CHECK_U("mmap_count", 4, boot.mmap_count);
    CHECK_U("mmap[2].base", 0x100000, boot.mmap[2].base);
    CHECK_U("mmap[2].length", 511ull * 1024 * 1024, boot.mmap[2].length);
    CHECK_U("mmap[3].type", MB2_MEM_ACPI_RECLAIMABLE, boot.mmap[3].type);
    CHECK_U("usable bytes", MB2B_STD_USABLE, mb2_usable_bytes(&boot));
    CHECK_U("rsdp_len", 36, boot.rsdp_len);
    CHECK_TRUE("rsdp_is_new", boot.rsdp_is_new);
    CHECK_TRUE("rsdp bytes", memcmp(boot.rsdp, rsdp, 36) == 0);
    CHECK_U("efi_system_table", 0x7f9e5018, boot.efi_system_table);
    CHECK_TRUE("efi_mmap_present", boot.efi_mmap_present);
    CHECK_U("efi_desc_size", 48, boot.efi_desc_size);
    CHECK_U("efi_desc_version", 1, boot.efi_desc_version);
    CHECK_U("efi_mmap_entries", 3, boot.efi_mmap_entries);
    CHECK_U("efi_conventional_bytes", MB2B_STD_EFI_CONV_BYTES, boot.efi_conventional_bytes);
    CHECK_U("mb2_total_size", b.len, mb2_total_size(b.u.bytes));
}

static void minimal_info_is_empty(void)
{
    mb2b_begin(&b);
    mb2b_end(&b);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_U("warnings", 0, boot.warnings);
    CHECK_STR("cmdline", "", boot.cmdline);
    CHECK_U("mmap_count", 0, boot.mmap_count);
    CHECK_U("rsdp_len", 0, boot.rsdp_len);
    CHECK_U("usable bytes", 0, mb2_usable_bytes(&boot));
}

/* ---- the structure as a whole ----------------------------------------- */

static void total_size_beyond_available_rejected(void)
{
    mb2b_std(&b, NULL);
    CHECK_I("mb2_parse", -1, parse_avail(b.len - 8));
    CHECK_U("warnings", 1, boot.warnings);
    CHECK_U("mmap_count (out initialised)", 0, boot.mmap_count);
    CHECK_U("cmdline[0]", 0, (uint8_t)boot.cmdline[0]);
}

static void total_size_below_header_rejected(void)
{
    mb2b_begin(&b);
    mb2b_end(&b);
    mb2b_set_total(&b, 4);
    CHECK_I("mb2_parse", -1, parse());
}

static void available_below_header_rejected(void)
{
    mb2b_begin(&b);
    mb2b_end(&b);
    CHECK_I("mb2_parse", -1, parse_avail(4));
}

static void misaligned_info_rejected(void)
{
    mb2b_begin(&b);
    mb2b_end(&b);
    static union {
        uint64_t align;
        uint8_t bytes[64];
    } buf;
    memcpy(buf.bytes + 4, b.u.bytes, b.len);
    host_log_reset();
    CHECK_I("mb2_parse(info+4)", -1, mb2_parse(buf.bytes + 4, b.len, &boot));
    CHECK_U("warnings", 1, boot.warnings);
    CHECK_CONTAINS("warning", host_log_last(), "aligned");
    CHECK_I("mb2_parse(NULL)", -1, mb2_parse(NULL, 64, &boot));
    CHECK_I("mb2_parse(out NULL)", -1, mb2_parse(b.u.bytes, b.len, NULL));
    CHECK_U("mb2_total_size(NULL)", 0, mb2_total_size(NULL));
}

static void total_size_cutting_a_tag_stops(void)
{
    mb2b_begin(&b);
    mb2b_string(&b, MB2_TAG_CMDLINE, "keep");
    size_t cut = b.len + 16;
    mb2b_string(&b, MB2_TAG_BOOTLOADER_NAME, "a boot loader with a long name");
    mb2b_end(&b);
    mb2b_set_total(&b, (uint32_t)cut);
    CHECK_I("mb2_parse", 0, parse_avail(cut));
    CHECK_STR("cmdline (before the cut)", "keep", boot.cmdline);
    CHECK_STR("loader (cut)", "", boot.loader);
    CHECK_U("warnings", 1, boot.warnings);
    CHECK_CONTAINS("warning", host_log_last(), "runs past total_size");
}

/* ---- malformed tags --------------------------------------------------- */

static void tag_running_past_end_stops(void)
{
    mb2b_begin(&b);
    mb2b_string(&b, MB2_TAG_CMDLINE, "first");
    uint8_t payload[8] = {0};
    mb2b_raw_tag(&b, MB2_TAG_BOOTLOADER_NAME, 4096, payload, sizeof(payload));
    mb2b_end(&b);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_STR("cmdline", "first", boot.cmdline);
    CHECK_U("warnings", 1, boot.warnings);
    CHECK_CONTAINS("warning", host_log_last(), "runs past");
}

static void tag_size_below_8_stops(void)
{
    mb2b_begin(&b);
    mb2b_raw_tag(&b, MB2_TAG_CMDLINE, 4, NULL, 0);
    mb2b_string(&b, MB2_TAG_BOOTLOADER_NAME, "never seen");
    mb2b_end(&b);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_STR("loader", "", boot.loader);
    CHECK_U("warnings", 1, boot.warnings);
    CHECK_CONTAINS("warning", host_log_last(), "size 4");
}

static void missing_end_tag_warned(void)
{
    mb2b_begin(&b);
    mb2b_string(&b, MB2_TAG_CMDLINE, "x");
    mb2b_set_total(&b, (uint32_t)b.len);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_STR("cmdline", "x", boot.cmdline);
    CHECK_U("warnings", 1, boot.warnings);
    CHECK_CONTAINS("warning", host_log_last(), "end tag");
}

static void tags_after_end_tag_ignored(void)
{
    mb2b_begin(&b);
    mb2b_tag(&b, MB2_TAG_END, NULL, 0);
    mb2b_string(&b, MB2_TAG_CMDLINE, "after the end");
    mb2b_set_total(&b, (uint32_t)b.len);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_STR("cmdline", "", boot.cmdline);
    CHECK_U("warnings", 0, boot.warnings);
}

static void unknown_tags_ignored(void)
{
    mb2b_begin(&b);
    uint8_t junk[20] = {1, 2, 3};
    mb2b_tag(&b, 0x1234, junk, sizeof(junk));
    mb2b_tag(&b, MB2_TAG_SMBIOS, junk, 3);
    mb2b_tag(&b, MB2_TAG_LOAD_BASE_ADDR, junk, 4);
    mb2b_string(&b, MB2_TAG_CMDLINE, "ok");
    mb2b_end(&b);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_STR("cmdline", "ok", boot.cmdline);
    CHECK_U("warnings", 0, boot.warnings);
}

static void module_end_before_start_skipped(void)
{
    mb2b_begin(&b);
    mb2b_module(&b, 0x500000, 0x400000, "backwards");
    mb2b_module(&b, 0x600000, 0x700000, "good");
    mb2b_end(&b);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_U("module_count", 1, boot.module_count);
    CHECK_STR("modules[0].name", "good", boot.modules[0].name);
    CHECK_U("warnings", 1, boot.warnings);
    CHECK_CONTAINS("warning", host_log_all(), "ends before it starts");
}

static void module_tag_too_short_skipped(void)
{
    mb2b_begin(&b);
    uint8_t payload[4] = {0};
    mb2b_tag(&b, MB2_TAG_MODULE, payload, sizeof(payload));
    mb2b_end(&b);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_U("module_count", 0, boot.module_count);
    CHECK_U("warnings", 1, boot.warnings);
}

static void too_many_modules_capped(void)
{
    mb2b_begin(&b);
    for (uint32_t i = 0; i < MB2_MAX_MODULES + 3; i++)
        mb2b_module(&b, 0x1000000 + i * 0x1000, 0x1000000 + i * 0x1000 + 0x800, "m");
    mb2b_end(&b);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_U("module_count", MB2_MAX_MODULES, boot.module_count);
    CHECK_U("warnings (reported once)", 1, boot.warnings);
}

static const uint64_t two_entries[][3] = {
    {0x0, 0x9fc00, MB2_MEM_AVAILABLE},
    {0x100000, 0x1000000, MB2_MEM_AVAILABLE},
};

static void mmap_entry_size_too_small_skipped(void)
{
    mb2b_begin(&b);
    mb2b_mmap(&b, 20, two_entries, 2); /* 20 < 24 */
    mb2b_end(&b);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_U("mmap_count", 0, boot.mmap_count);
    CHECK_U("warnings", 1, boot.warnings);
    CHECK_CONTAINS("warning", host_log_last(), "entry_size 20");
}

static void mmap_entry_size_not_multiple_of_8_skipped(void)
{
    mb2b_begin(&b);
    mb2b_mmap(&b, 28, two_entries, 2);
    mb2b_end(&b);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_U("mmap_count", 0, boot.mmap_count);
    CHECK_U("warnings", 1, boot.warnings);
}

static void mmap_larger_entries_accepted(void)
{
    mb2b_begin(&b);
    mb2b_mmap(&b, 40, two_entries, 2);
    mb2b_end(&b);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_U("mmap_count", 2, boot.mmap_count);
    CHECK_U("mmap[1].base", 0x100000, boot.mmap[1].base);
    CHECK_U("usable bytes", 0x9fc00 + 0x1000000, mb2_usable_bytes(&boot));
    CHECK_U("warnings", 0, boot.warnings);
}

static void mmap_more_entries_than_max_capped(void)
{
    static uint64_t many[MB2_MAX_MMAP + 5][3];
    for (size_t i = 0; i < MB2_MAX_MMAP + 5; i++) {
        many[i][0] = i * 0x100000;
        many[i][1] = 0x1000;
        many[i][2] = MB2_MEM_AVAILABLE;
    }
    mb2b_begin(&b);
    mb2b_mmap(&b, 24, (const uint64_t(*)[3])many, MB2_MAX_MMAP + 5);
    mb2b_end(&b);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_U("mmap_count", MB2_MAX_MMAP, boot.mmap_count);
    CHECK_U("warnings", 1, boot.warnings);
}

static void usable_bytes_saturate(void)
{
    static const uint64_t huge[][3] = {
        {0x0, UINT64_MAX - 10, MB2_MEM_AVAILABLE},
        {0x0, 100, MB2_MEM_AVAILABLE},
        {0x0, 100, 77}, /* unknown type: kept, not usable */
    };
    mb2b_begin(&b);
    mb2b_mmap(&b, 24, huge, 3);
    mb2b_end(&b);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_U("mmap[2].type", 77, boot.mmap[2].type);
    CHECK_U("usable bytes", UINT64_MAX, mb2_usable_bytes(&boot));
    CHECK_U("mb2_usable_bytes(NULL)", 0, mb2_usable_bytes(NULL));
}

/* ---- strings ---------------------------------------------------------- */

static void string_without_nul_stops_at_tag_end(void)
{
    mb2b_begin(&b);
    mb2b_tag(&b, MB2_TAG_CMDLINE, "abc", 3); /* size 11, padding zero-filled */
    mb2b_end(&b);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_STR("cmdline", "abc", boot.cmdline);
    CHECK_U("warnings", 1, boot.warnings);
    CHECK_CONTAINS("warning", host_log_last(), "not NUL-terminated");
}

static void string_without_nul_at_structure_end(void)
{
    /* The string is the last thing in the structure and there is no NUL
     * anywhere: the parser must not read past the tag. */
    mb2b_begin(&b);
    mb2b_tag(&b, MB2_TAG_BOOTLOADER_NAME, "GRUBGRUB", 8);
    mb2b_set_total(&b, (uint32_t)b.len);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_STR("loader", "GRUBGRUB", boot.loader);
    CHECK_U("warnings (no NUL, no end tag)", 2, boot.warnings);
}

static void long_cmdline_truncated(void)
{
    char line[MB2_CMDLINE_MAX + 50];
    memset(line, 'x', sizeof(line) - 1);
    line[sizeof(line) - 1] = '\0';
    mb2b_begin(&b);
    mb2b_string(&b, MB2_TAG_CMDLINE, line);
    mb2b_end(&b);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_U("strlen(cmdline)", MB2_CMDLINE_MAX - 1, strlen(boot.cmdline));
    CHECK_U("warnings", 1, boot.warnings);
    CHECK_CONTAINS("warning", host_log_last(), "truncated");
}

static void duplicate_cmdline_first_wins(void)
{
    mb2b_begin(&b);
    mb2b_string(&b, MB2_TAG_CMDLINE, "one");
    mb2b_string(&b, MB2_TAG_CMDLINE, "two");
    mb2b_end(&b);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_STR("cmdline", "one", boot.cmdline);
    CHECK_U("warnings", 1, boot.warnings);
}

/* ---- ACPI RSDP copies ------------------------------------------------- */

static void rsdp_new_wins_over_old_in_either_order(void)
{
    uint8_t old_rsdp[36], new_rsdp[36];
    rsdp_pattern(old_rsdp, 0);
    rsdp_pattern(new_rsdp, 2);

    mb2b_begin(&b);
    mb2b_rsdp(&b, true, new_rsdp, 36);
    mb2b_rsdp(&b, false, old_rsdp, 20);
    mb2b_end(&b);
    CHECK_I("mb2_parse (new first)", 0, parse());
    CHECK_TRUE("rsdp_is_new (new first)", boot.rsdp_is_new);
    CHECK_U("rsdp_len (new first)", 36, boot.rsdp_len);
    CHECK_TRUE("bytes (new first)", memcmp(boot.rsdp, new_rsdp, 36) == 0);

    mb2b_begin(&b);
    mb2b_rsdp(&b, false, old_rsdp, 20);
    mb2b_rsdp(&b, true, new_rsdp, 36);
    mb2b_end(&b);
    CHECK_I("mb2_parse (old first)", 0, parse());
    CHECK_TRUE("rsdp_is_new (old first)", boot.rsdp_is_new);
    CHECK_TRUE("bytes (old first)", memcmp(boot.rsdp, new_rsdp, 36) == 0);
    CHECK_U("warnings", 0, boot.warnings);
}

static void rsdp_old_only_copies_20_bytes(void)
{
    uint8_t rsdp[36];
    rsdp_pattern(rsdp, 0);
    mb2b_begin(&b);
    mb2b_rsdp(&b, false, rsdp, 24); /* a loader that pads: only 20 are the RSDP */
    mb2b_end(&b);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_TRUE("rsdp_is_new is false", !boot.rsdp_is_new);
    CHECK_U("rsdp_len", 20, boot.rsdp_len);
    CHECK_TRUE("bytes", memcmp(boot.rsdp, rsdp, 20) == 0);
    CHECK_U("rsdp[20] (not copied)", 0, boot.rsdp[20]);
}

static void rsdp_tag_too_short_skipped(void)
{
    uint8_t rsdp[36];
    rsdp_pattern(rsdp, 2);
    mb2b_begin(&b);
    mb2b_rsdp(&b, true, rsdp, 12);
    mb2b_end(&b);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_U("rsdp_len", 0, boot.rsdp_len);
    CHECK_U("warnings", 1, boot.warnings);
}

static void rsdp_new_longer_than_36_truncated(void)
{
    uint8_t rsdp[48] = {0};
    rsdp_pattern(rsdp, 2);
    mb2b_begin(&b);
    mb2b_rsdp(&b, true, rsdp, sizeof(rsdp));
    mb2b_end(&b);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_U("rsdp_len", MB2_RSDP_MAX, boot.rsdp_len);
    CHECK_U("warnings", 0, boot.warnings);
}

/* ---- UEFI ------------------------------------------------------------- */

static void efi_mmap_conventional_memory_summed(void)
{
    static const struct mb2b_efi_desc descs[] = {
        {EFI_CONVENTIONAL_MEMORY, 0x0, 0x9f},
        {3, 0x100000, 0x100}, /* EfiBootServicesCode: not counted */
        {EFI_CONVENTIONAL_MEMORY, 0x200000, 0x1fe00},
        {4, 0x20000000, 0x10}, /* EfiBootServicesData */
    };
    mb2b_begin(&b);
    mb2b_efi_mmap(&b, 56, 1, descs, 4); /* a larger-than-struct descriptor size */
    mb2b_end(&b);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_TRUE("efi_mmap_present", boot.efi_mmap_present);
    CHECK_U("efi_desc_size", 56, boot.efi_desc_size);
    CHECK_U("efi_mmap_entries", 4, boot.efi_mmap_entries);
    CHECK_U("efi_conventional_bytes", (uint64_t)(0x9f + 0x1fe00) * 4096,
            boot.efi_conventional_bytes);
    CHECK_U("warnings", 0, boot.warnings);
}

static void efi_mmap_absurd_pages_saturate(void)
{
    static const struct mb2b_efi_desc descs[] = {
        {EFI_CONVENTIONAL_MEMORY, 0x0, UINT64_MAX / 4096 + 1},
        {EFI_CONVENTIONAL_MEMORY, 0x0, 1},
    };
    mb2b_begin(&b);
    mb2b_efi_mmap(&b, 48, 1, descs, 2);
    mb2b_end(&b);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_U("efi_conventional_bytes", UINT64_MAX, boot.efi_conventional_bytes);
    CHECK_U("warnings", 1, boot.warnings);
}

static void efi_desc_size_too_small_skipped(void)
{
    static const struct mb2b_efi_desc descs[] = {{EFI_CONVENTIONAL_MEMORY, 0x0, 16}};
    mb2b_begin(&b);
    mb2b_efi_mmap(&b, 32, 1, descs, 1);
    mb2b_end(&b);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_TRUE("efi_mmap_present is false", !boot.efi_mmap_present);
    CHECK_U("efi_conventional_bytes", 0, boot.efi_conventional_bytes);
    CHECK_U("warnings", 1, boot.warnings);
}

static void efi64_tag_too_short_skipped(void)
{
    uint8_t payload[4] = {0x18, 0x50, 0x9e, 0x7f};
    mb2b_begin(&b);
    mb2b_tag(&b, MB2_TAG_EFI64, payload, sizeof(payload));
    mb2b_end(&b);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_U("efi_system_table", 0, boot.efi_system_table);
    CHECK_U("warnings", 1, boot.warnings);
}

/* A structure that merely claims a huge total_size in a tag size field:
 * sizes near 2^32 must not wrap the offset arithmetic. */
static void tag_size_near_4g_stops(void)
{
    mb2b_begin(&b);
    uint8_t payload[8] = {0};
    mb2b_raw_tag(&b, MB2_TAG_CMDLINE, 0xfffffffcu, payload, sizeof(payload));
    mb2b_end(&b);
    CHECK_I("mb2_parse", 0, parse());
    CHECK_U("warnings", 1, boot.warnings);
}

/* ---- data sets -------------------------------------------------------- */

static void check_expect_u(const struct expect *e, const char *key, uint64_t got)
{
    unsigned line;
    const char *v = expect_get(e, key, &line);
    if (v == NULL)
        return;
    char what[96];
    snprintf(what, sizeof(what), "expect.txt:%u %s", line, key);
    uint64_t want;
    if (!expect_parse_u64(v, &want)) {
        CHECK_FAIL("%s: \"%s\" is not a number", what, v);
        return;
    }
    CHECK_U(what, want, got);
}

static void mb2_data_set(const char *set, const char *dir)
{
    char name[256], path[TESTDATA_PATH_MAX], err[512] = "";
    snprintf(name, sizeof(name), "data.%s", set);
    check_begin(name);
    host_log_reset();

    struct expect e;
    uint8_t *raw = NULL, *info = NULL;
    size_t len = 0;
    if (!expect_load(dir, &e, err, sizeof(err))) {
        CHECK_FAIL("%s", err);
    } else if (!testdata_path(path, sizeof(path), dir, "mb2.bin") ||
               !testdata_read(path, &raw, &len)) {
        CHECK_FAIL("cannot read %s", path);
    } else if ((info = malloc(len ? len : 1)) == NULL) {
        CHECK_FAIL("out of memory");
    } else {
        memcpy(info, raw, len);
        CHECK_U("mb2_total_size == file size", len, mb2_total_size(info));
        CHECK_I("mb2_parse", 0, mb2_parse(info, len, &boot));
        unsigned line;
        if (expect_get(&e, "mb2_warnings", &line) == NULL && !CHECK_U("warnings", 0, boot.warnings))
            fprintf(stderr, "%s warnings:\n%s", set, host_log_all());
        /* Anything that boots this kernel has a memory map with RAM. */
        CHECK_TRUE("mmap_count >= 1", boot.mmap_count >= 1);
        CHECK_TRUE("usable bytes >= 1 MiB", mb2_usable_bytes(&boot) >= 1024 * 1024);

        check_expect_u(&e, "mb2_warnings", boot.warnings);
        check_expect_u(&e, "mb2_mmap", boot.mmap_count);
        check_expect_u(&e, "mb2_modules", boot.module_count);
        check_expect_u(&e, "mb2_efi", boot.efi_mmap_present || boot.efi_system_table != 0);
        const char *v = expect_get(&e, "mb2_rsdp", &line);
        if (v != NULL) {
            const char *got = boot.rsdp_len == 0 ? "none" : boot.rsdp_is_new ? "new" : "old";
            CHECK_STR("expect.txt mb2_rsdp", v, got);
        }
        v = expect_get(&e, "mb2_usable_min", &line);
        uint64_t min;
        if (v != NULL && expect_parse_u64(v, &min))
            CHECK_TRUE("usable bytes >= mb2_usable_min", mb2_usable_bytes(&boot) >= min);
        else if (v != NULL)
            CHECK_FAIL("expect.txt:%u mb2_usable_min: \"%s\" is not a number", line, v);
        v = expect_get(&e, "mb2_loader_prefix", &line);
        if (v != NULL && strncmp(boot.loader, v, strlen(v)) != 0)
            CHECK_FAIL("expect.txt:%u mb2_loader_prefix: expected \"%s...\", got \"%s\"", line, v,
                       boot.loader);
        v = expect_get(&e, "mb2_cmdline_contains", &line);
        if (v != NULL)
            CHECK_CONTAINS("expect.txt mb2_cmdline_contains", boot.cmdline, v);

        /* If the kernel also dumped the RSDP, it is the copy from here. */
        uint8_t *rsdp = NULL;
        size_t rsdp_len = 0;
        if (boot.rsdp_len != 0 && testdata_path(path, sizeof(path), dir, "rsdp.bin") &&
            testdata_read(path, &rsdp, &rsdp_len)) {
            size_t n = rsdp_len < boot.rsdp_len ? rsdp_len : boot.rsdp_len;
            CHECK_TRUE("rsdp.bin matches the Multiboot2 RSDP copy",
                       memcmp(rsdp, boot.rsdp, n) == 0);
        }
        free(rsdp);
    }
    free(info);
    free(raw);
    check_end();
}

int main(void)
{
    check_suite("mb2");

    RUN_TEST(full_info_all_tags_parsed);
    RUN_TEST(minimal_info_is_empty);

    RUN_TEST(total_size_beyond_available_rejected);
    RUN_TEST(total_size_below_header_rejected);
    RUN_TEST(available_below_header_rejected);
    RUN_TEST(misaligned_info_rejected);
    RUN_TEST(total_size_cutting_a_tag_stops);

    RUN_TEST(tag_running_past_end_stops);
    RUN_TEST(tag_size_below_8_stops);
    RUN_TEST(tag_size_near_4g_stops);
    RUN_TEST(missing_end_tag_warned);
    RUN_TEST(tags_after_end_tag_ignored);
    RUN_TEST(unknown_tags_ignored);

    RUN_TEST(module_end_before_start_skipped);
    RUN_TEST(module_tag_too_short_skipped);
    RUN_TEST(too_many_modules_capped);
    RUN_TEST(mmap_entry_size_too_small_skipped);
    RUN_TEST(mmap_entry_size_not_multiple_of_8_skipped);
    RUN_TEST(mmap_larger_entries_accepted);
    RUN_TEST(mmap_more_entries_than_max_capped);
    RUN_TEST(usable_bytes_saturate);

    RUN_TEST(string_without_nul_stops_at_tag_end);
    RUN_TEST(string_without_nul_at_structure_end);
    RUN_TEST(long_cmdline_truncated);
    RUN_TEST(duplicate_cmdline_first_wins);

    RUN_TEST(rsdp_new_wins_over_old_in_either_order);
    RUN_TEST(rsdp_old_only_copies_20_bytes);
    RUN_TEST(rsdp_tag_too_short_skipped);
    RUN_TEST(rsdp_new_longer_than_36_truncated);

    RUN_TEST(efi_mmap_conventional_memory_summed);
    RUN_TEST(efi_mmap_absurd_pages_saturate);
    RUN_TEST(efi_desc_size_too_small_skipped);
    RUN_TEST(efi64_tag_too_short_skipped);

    testdata_foreach("mb2.bin", mb2_data_set);

    return check_exit_code();
}
