/* Fake physical memory for ACPI tests: a set of (phys, bytes, len) blobs
 * and an acpi_map_fn over them.
 *
 * Every successful map returns a fresh heap copy of exactly the requested
 * range, so AddressSanitizer reports any read outside what the parser
 * asked for. In one-window mode (the default) the previous copy is freed on
 * each map, which turns the use of a stale mapping into a use-after-free:
 * the kernel's mapper may reuse a single window, and the parser must cope. */
#ifndef ATOLL_TESTS_FAKE_MEM_H
#define ATOLL_TESTS_FAKE_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAKE_MEM_MAX_BLOBS 256

struct fake_blob {
    uint64_t phys;
    uint8_t *bytes;
    size_t len;
};

struct fake_mem {
    struct fake_blob blobs[FAKE_MEM_MAX_BLOBS];
    size_t count;
    bool one_window;
    void **copies; /* outstanding copies (all-windows mode) */
    size_t copy_count, copy_cap;
    void *window; /* current copy in one-window mode */
    unsigned map_calls;
    unsigned map_failures;
    /* Distinct start addresses of successful maps (first 64). */
    uint64_t mapped_phys[64];
    unsigned mapped_count;
};

void fake_mem_init(struct fake_mem *fm);
/* Copies `len` bytes; aborts if the table of blobs is full. */
void fake_mem_add(struct fake_mem *fm, uint64_t phys, const void *bytes, size_t len);
/* Pointer to the stored blob starting exactly at `phys` (to corrupt it). */
uint8_t *fake_mem_blob(struct fake_mem *fm, uint64_t phys, size_t *len);
void fake_mem_free(struct fake_mem *fm);
/* acpi_map_fn; ctx is a struct fake_mem. A range must lie inside one blob. */
const void *fake_mem_map(void *ctx, uint64_t phys, size_t len);

#endif
