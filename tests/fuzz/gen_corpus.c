/* Writes the fuzz seed corpora from the unit-test builders:
 *   gen_corpus ACPI_DIR MB2_DIR
 * Run by `make -f tests/tests.mk fuzz-corpus`; the outputs are committed
 * in tests/fuzz/corpus_acpi/ and tests/fuzz/corpus_mb2/. Seeds are small
 * on purpose: libFuzzer mutates them, it does not need volume. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/acpi_tables.h"
#include "arch/x86_64/multiboot2.h"
#include "arch/x86_64/multiboot2_tags.h"
#include "tests/unit/acpi_builder.h"
#include "tests/unit/mb2_builder.h"

/* Tables start at this physical address of the fuzz image (not 0: a table
 * at address 0 would read as a null pointer). */
#define SEED_BASE 16
#define IMAGE_MAX 4096

static int failures;

static void write_file(const char *dir, const char *name, const void *bytes, size_t len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(bytes, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "gen_corpus: cannot write %s\n", path);
        failures++;
        return;
    }
    printf("%s (%zu bytes)\n", path, len);
}

static void acpi_seed(const char *dir, const char *name, uint8_t revision,
                      const struct acpi_tb *madt)
{
    static struct acpi_platform p;
    static uint8_t image[IMAGE_MAX];
    acpi_platform_build(&p, SEED_BASE, revision, madt);
    size_t len = acpi_platform_to_image(&p, image, sizeof(image));
    if (len == 0) {
        fprintf(stderr, "gen_corpus: %s does not fit\n", name);
        failures++;
        return;
    }
    write_file(dir, name, image, len);
}

static void acpi_seeds(const char *dir)
{
    static struct acpi_tb t;

    acpi_seed(dir, "std_v2.bin", 2, NULL);
    acpi_seed(dir, "std_v1.bin", 0, NULL);

    /* Every entry type the parser knows, x2APIC twins of xAPIC ids. */
    acpi_madt_begin(&t, ACPI_STD_LAPIC_PHYS, 0);
    acpi_madt_lapic(&t, 0, 0, ACPI_LAPIC_FLAG_ENABLED);
    acpi_madt_x2apic(&t, 0, ACPI_LAPIC_FLAG_ENABLED, 0);
    acpi_madt_x2apic(&t, 0x100, ACPI_LAPIC_FLAG_ONLINE_CAPABLE, 1);
    acpi_madt_ioapic(&t, 1, ACPI_STD_IOAPIC_PHYS, 0);
    acpi_madt_iso(&t, 0, 0, 2, 0);
    acpi_madt_lapic_nmi(&t, 0xff, 5, 1);
    acpi_madt_x2apic_nmi(&t, 5, 0xffffffffu, 1);
    acpi_madt_lapic_override(&t, 0xfee00000u);
    acpi_madt_raw(&t, 0x3, 8, 6);
    acpi_tb_finish(&t);
    acpi_seed(dir, "all_entries.bin", 2, &t);

    /* Malformed entries: too short for the type, then a zero length. */
    acpi_madt_begin(&t, ACPI_STD_LAPIC_PHYS, 1);
    acpi_madt_lapic(&t, 0, 0, ACPI_LAPIC_FLAG_ENABLED);
    acpi_madt_raw(&t, ACPI_MADT_TYPE_IOAPIC, 6, 4);
    acpi_madt_raw(&t, ACPI_MADT_TYPE_LAPIC, 0, 6);
    acpi_tb_finish(&t);
    acpi_seed(dir, "bad_entries.bin", 2, &t);
}

static void mb2_seed(const char *dir, const char *name, const struct mb2b *b)
{
    write_file(dir, name, b->u.bytes, b->len);
}

static void mb2_seeds(const char *dir)
{
    static struct mb2b b;
    uint8_t rsdp[36];
    acpi_rsdp_build(rsdp, 2, 0x7ffe1000u, 0x7ffe2000u);

    mb2b_std(&b, rsdp);
    mb2_seed(dir, "std.bin", &b);

    mb2b_begin(&b);
    mb2b_end(&b);
    mb2_seed(dir, "minimal.bin", &b);

    static const uint64_t mmap[][3] = {{0x0, 0x9fc00, MB2_MEM_AVAILABLE},
                                       {0x100000, 0x7ee0000, MB2_MEM_AVAILABLE},
                                       {0x7fe0000, 0x20000, MB2_MEM_RESERVED}};
    static const struct mb2b_efi_desc efi[] = {{EFI_CONVENTIONAL_MEMORY, 0x0, 0x9f},
                                               {EFI_CONVENTIONAL_MEMORY, 0x100000, 0x7ee0}};
    mb2b_begin(&b);
    mb2b_string(&b, MB2_TAG_BOOTLOADER_NAME, "GRUB");
    mb2b_mmap(&b, 24, mmap, 3);
    mb2b_efi64(&b, 0x7f9e5018);
    mb2b_efi_mmap(&b, 48, 1, efi, 2);
    mb2b_rsdp(&b, false, rsdp, 20);
    mb2b_end(&b);
    mb2_seed(dir, "uefi.bin", &b);

    mb2b_begin(&b);
    mb2b_string(&b, MB2_TAG_BOOTLOADER_NAME, "x");
    mb2b_module(&b, 0x200000, 0x100000, "backwards");
    mb2b_module(&b, 0x200000, 0x300000, "ok");
    mb2b_tag(&b, MB2_TAG_CMDLINE, "nonul", 5);
    mb2b_end(&b);
    mb2_seed(dir, "modules.bin", &b);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s ACPI_CORPUS_DIR MB2_CORPUS_DIR\n", argv[0]);
        return 2;
    }
    acpi_seeds(argv[1]);
    mb2_seeds(argv[2]);
    return failures == 0 ? 0 : 1;
}
