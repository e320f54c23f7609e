/* libFuzzer target for dmar_parse() and the lookups over its result.
 *
 * Input: a DMAR table. Unless bit 0 of the header's revision byte (which
 * the parser does not read) is set, the header length is overwritten with
 * the input size and the checksum fixed, so the fuzzer spends its time on
 * the structures rather than on checksums. The table is an exactly-sized
 * heap copy: ASan flags any read past it. After parsing, invariants of the
 * result are checked, and lookups run for a spread of devices with a fake
 * bridge topology derived from the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/acpi_tables.h"
#include "iommu/dmar.h"
#include "iommu/dmar_tables.h"
#include "tests/unit/host_log.h"

static struct dmar_info info;
static uint8_t bridge_seed;

/* Every function is a bridge with buses derived from its address and the
 * input, including misprogrammed ones (secondary <= own bus). */
static bool fuzz_bridge_buses(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
                              uint8_t *secondary, uint8_t *subordinate)
{
    (void)ctx;
    uint8_t h = (uint8_t)(seg * 31u + bus * 7u + dev * 3u + fn + bridge_seed);
    if (h % 5 == 0)
        return false;
    *secondary = (uint8_t)(bus + h % 4);
    *subordinate = (uint8_t)(*secondary + h % 8);
    return true;
}

static void check_list(const struct dmar_scope_list *l)
{
    if ((uint32_t)l->first + l->count > info.scope_count)
        abort();
}

static void check_invariants(void)
{
    if (info.unit_count > DMAR_MAX_UNITS || info.rmrr_count > DMAR_MAX_RMRRS ||
        info.atsr_count > DMAR_MAX_ATSRS || info.scope_count > DMAR_MAX_SCOPES)
        abort();
    for (uint32_t i = 0; i < info.unit_count; i++) {
        const struct dmar_unit *u = &info.units[i];
        if (u->reg_base == 0 || (u->reg_base & 0xfff) != 0 || u->reg_pages == 0)
            abort();
        for (uint32_t j = 0; j < i; j++) {
            if (info.units[j].reg_base == u->reg_base)
                abort();
        }
        check_list(&u->scopes);
    }
    for (uint32_t i = 0; i < info.rmrr_count; i++) {
        const struct dmar_rmrr *r = &info.rmrrs[i];
        if ((r->base & 0xfff) != 0 || (r->limit & 0xfff) != 0xfff || r->limit < r->base)
            abort();
        check_list(&r->scopes);
    }
    for (uint32_t i = 0; i < info.atsr_count; i++)
        check_list(&info.atsrs[i].scopes);
    for (uint32_t i = 0; i < info.scope_count; i++) {
        const struct dmar_scope *s = &info.scopes[i];
        if (s->path_len == 0 || s->path_len > DMAR_MAX_PATH)
            abort();
        if (s->type < DMAR_SCOPE_PCI_ENDPOINT || s->type > DMAR_SCOPE_ACPI_NAMESPACE)
            abort();
        for (uint32_t j = 0; j < s->path_len; j++) {
            if (s->path[j].dev > DMAR_PCI_DEV_MAX || s->path[j].fn > DMAR_PCI_FN_MAX)
                abort();
        }
    }
}

static void run_lookups(void)
{
    const struct dmar_pci pci = {.bridge_buses = fuzz_bridge_buses};
    for (unsigned seg = 0; seg < 2; seg++) {
        for (unsigned bus = 0; bus < 256; bus += 17) {
            for (unsigned devfn = 0; devfn < 256; devfn += 13) {
                for (int with_pci = 0; with_pci < 2; with_pci++) {
                    uint32_t unit = UINT32_MAX;
                    enum dmar_lookup r =
                        dmar_find_unit(&info, with_pci ? &pci : NULL, (uint16_t)seg, (uint8_t)bus,
                                       (uint8_t)(devfn >> 3), (uint8_t)(devfn & 7), &unit);
                    if (r == DMAR_FOUND &&
                        (unit >= info.unit_count || info.units[unit].segment != seg))
                        abort();
                }
            }
        }
    }
    for (unsigned id = 0; id < 256; id += 3) {
        uint32_t unit = UINT32_MAX;
        uint16_t sid;
        if (dmar_find_ioapic(&info, &pci, (uint8_t)id, &unit, &sid) == DMAR_FOUND &&
            unit >= info.unit_count)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialised;
    if (!initialised) {
        initialised = 1;
        host_log_set_quiet(getenv("ATOLL_TEST_VERBOSE") == NULL);
    }
    uint8_t *t = malloc(size ? size : 1);
    if (t == NULL)
        abort();
    memcpy(t, data, size);
    if (size >= ACPI_HDR_LEN && (t[ACPI_HDR_OFF_REVISION] & 1) == 0 && size <= UINT32_MAX) {
        uint32_t n = (uint32_t)size;
        t[ACPI_HDR_OFF_LENGTH] = (uint8_t)n;
        t[ACPI_HDR_OFF_LENGTH + 1] = (uint8_t)(n >> 8);
        t[ACPI_HDR_OFF_LENGTH + 2] = (uint8_t)(n >> 16);
        t[ACPI_HDR_OFF_LENGTH + 3] = (uint8_t)(n >> 24);
        t[ACPI_HDR_OFF_CHECKSUM] = 0;
        uint8_t sum = 0;
        for (size_t i = 0; i < size; i++)
            sum = (uint8_t)(sum + t[i]);
        t[ACPI_HDR_OFF_CHECKSUM] = (uint8_t)(0u - sum);
    }
    bridge_seed = size > 0 ? data[size - 1] : 0;
    if (dmar_parse(t, size, &info) == 0) {
        check_invariants();
        run_lookups();
    } else if (info.unit_count != 0 || info.scope_count != 0) {
        abort();
    }
    free(t);
    return 0;
}
