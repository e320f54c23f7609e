/* libFuzzer target for acpi_parse().
 *
 * Input layout: the first FUZZ_RSDP_LEN bytes are the RSDP (fewer if the
 * input is shorter); the rest is physical memory starting at address 0, so
 * table pointers inside the input index into it. The mapper is the unit
 * tests' fake memory in one-window mode: every map returns an exact-sized
 * heap copy and frees the previous one, so ASan flags any read outside a
 * mapped range and any use of a stale mapping. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/acpi_tables.h"
#include "tests/unit/fake_mem.h"
#include "tests/unit/host_log.h"

#define FUZZ_RSDP_LEN 36

static struct fake_mem mem;
static struct acpi_info info;

/* Invariants that must hold whatever the input. */
static void check_invariants(void)
{
    if (info.cpu_count > ACPI_MAX_CPUS || info.ioapic_count > ACPI_MAX_IOAPICS ||
        info.override_count > ACPI_MAX_OVERRIDES || info.lapic_nmi_count > ACPI_MAX_LAPIC_NMI ||
        info.mcfg_count > ACPI_MAX_MCFG)
        abort();
    if (info.oem_id[sizeof(info.oem_id) - 1] != '\0')
        abort();
    for (uint32_t i = 0; i < info.mcfg_count; i++) {
        if (info.mcfg[i].bus_end < info.mcfg[i].bus_start)
            abort();
    }
    for (uint32_t i = 0; i < info.lapic_nmi_count; i++) {
        if (info.lapic_nmis[i].lint > ACPI_LINT_MAX)
            abort();
    }
    if (info.dmar_present && info.dmar_length < ACPI_DMAR_MIN_LEN)
        abort();
    for (unsigned irq = 0; irq < 256; irq++) {
        uint16_t flags;
        (void)acpi_isa_irq_to_gsi(&info, (uint8_t)irq, &flags);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialised;
    if (!initialised) {
        initialised = 1;
        host_log_set_quiet(getenv("ATOLL_TEST_VERBOSE") == NULL);
    }

    size_t rsdp_len = size < FUZZ_RSDP_LEN ? size : FUZZ_RSDP_LEN;
    /* An exact-sized copy, so reads past the RSDP are caught too. */
    uint8_t *rsdp = malloc(rsdp_len ? rsdp_len : 1);
    if (rsdp == NULL)
        return 0;
    memcpy(rsdp, data, rsdp_len);

    fake_mem_init(&mem);
    if (size > FUZZ_RSDP_LEN)
        fake_mem_add(&mem, 0, data + FUZZ_RSDP_LEN, size - FUZZ_RSDP_LEN);
    (void)acpi_parse(rsdp, rsdp_len, fake_mem_map, &mem, &info);
    check_invariants();
    fake_mem_free(&mem);
    free(rsdp);
    return 0;
}
