/* libFuzzer target for mb2_parse().
 *
 * The input is the information structure itself, copied into an
 * exact-sized heap buffer (malloc memory is at least 8-byte aligned, as
 * Multiboot2 requires), so ASan flags any read past `avail`. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/multiboot2.h"
#include "arch/x86_64/multiboot2_tags.h"
#include "tests/unit/host_log.h"

static struct mb2_boot boot;

static size_t bounded_strlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] != '\0')
        n++;
    return n;
}

/* Invariants that must hold whatever the input. */
static void check_invariants(void)
{
    if (boot.mmap_count > MB2_MAX_MMAP || boot.module_count > MB2_MAX_MODULES ||
        boot.rsdp_len > MB2_RSDP_MAX)
        abort();
    if (bounded_strlen(boot.cmdline, sizeof(boot.cmdline)) >= sizeof(boot.cmdline) ||
        bounded_strlen(boot.loader, sizeof(boot.loader)) >= sizeof(boot.loader))
        abort();
    for (uint32_t i = 0; i < boot.module_count; i++) {
        const struct mb2_module *m = &boot.modules[i];
        if (m->end < m->start || bounded_strlen(m->name, sizeof(m->name)) >= sizeof(m->name))
            abort();
    }
    if (boot.efi_mmap_present && boot.efi_desc_size < EFI_MEMDESC_MIN_SIZE)
        abort();
    (void)mb2_usable_bytes(&boot);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialised;
    if (!initialised) {
        initialised = 1;
        host_log_set_quiet(getenv("ATOLL_TEST_VERBOSE") == NULL);
    }

    uint8_t *info = malloc(size ? size : 1);
    if (info == NULL)
        return 0;
    if ((uintptr_t)info % MB2_INFO_ALIGN != 0)
        abort(); /* the harness, not the parser, would be wrong */
    memcpy(info, data, size);
    if (size >= 4)
        (void)mb2_total_size(info);
    (void)mb2_parse(info, size, &boot);
    check_invariants();
    free(info);
    return 0;
}
