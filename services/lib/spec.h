/* Reading a binary system spec (layout: atoll_spec.h) that init gets as a
 * boot module. The spec is input: spec_parse() checks every offset, count,
 * index, string and the rules that matter for isolation (mappings inside
 * their region and the user range, no overlaps, unique IRQs, I/O ports,
 * PCI functions, channel ids and names) before anything reads a record.
 *
 * Freestanding: no libc, not even memcpy, so it builds into every user
 * program and on the host (tests/unit/test_spec.c, tests/fuzz/fuzz_spec.c).
 * Records are copied out byte by byte, so the spec may sit at any address. */
#ifndef ATOLL_USER_SPEC_H
#define ATOLL_USER_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atoll_spec.h"

enum spec_status {
    SPEC_OK = 0,
    SPEC_ERR_TRUNCATED, /* fewer bytes than the header or total_size says */
    SPEC_ERR_MAGIC,
    SPEC_ERR_VERSION,
    SPEC_ERR_LAYOUT,    /* header size, total size, a table's offset or extent */
    SPEC_ERR_LIMIT,     /* a count above ATOLL_SPEC_MAX_RECORDS / _STRING_BYTES */
    SPEC_ERR_RESERVED,  /* a padding or reserved byte, or an unknown flag, not 0 */
    SPEC_ERR_STRING,    /* offset outside the table, no NUL, empty, too long, bad character */
    SPEC_ERR_INDEX,     /* a reference to a record that does not exist */
    SPEC_ERR_RANGE,     /* a value outside its range */
    SPEC_ERR_ALIGNMENT, /* an address or size not a multiple of its page size */
    SPEC_ERR_OVERLAP,   /* two mappings of a domain, or two I/O port ranges */
    SPEC_ERR_DUPLICATE, /* a name, channel id, IRQ or PCI function used twice */
    SPEC_ERR_RULE,      /* PPC to a lower priority, passive without callers, ... */
    SPEC_STATUS_COUNT,
};

/* Where a check failed: the table (ATOLL_SPEC_TABLE_COUNT for the header),
 * the record's index in it, and the field's name as in atoll_spec.h. */
struct spec_error {
    enum spec_status status;
    uint32_t table;
    uint32_t index;
    const char *field;
};

/* A checked spec. It points into the caller's bytes, which must stay. */
struct spec {
    const uint8_t *data;
    uint32_t size;
    struct atoll_spec_table tables[ATOLL_SPEC_TABLE_COUNT];
};

/* Checks `size` bytes at `data` (bytes beyond total_size are ignored).
 * On success fills *spec and returns SPEC_OK; otherwise *spec is zeroed
 * (a zero spec has no records), *error (if not NULL) says where, and the
 * status is returned. */
enum spec_status spec_parse(struct spec *spec, const void *data, size_t size,
                            struct spec_error *error);

const char *spec_status_name(enum spec_status status);
/* "domain", "region", ..., "string", or "header". */
const char *spec_table_name(uint32_t table);

/* Records in a table (bytes for ATOLL_SPEC_STRINGS); 0 for a bad table. */
uint32_t spec_count(const struct spec *spec, uint32_t table);

/* Record `index` copied to *out; false (and *out zeroed) if there is none.
 * Iterate with `for (i = 0; spec_domain(s, i, &d); i++)`. */
bool spec_domain(const struct spec *spec, uint32_t index, struct atoll_spec_domain *out);
bool spec_region(const struct spec *spec, uint32_t index, struct atoll_spec_region *out);
bool spec_map(const struct spec *spec, uint32_t index, struct atoll_spec_map *out);
bool spec_channel(const struct spec *spec, uint32_t index, struct atoll_spec_channel *out);
bool spec_irq(const struct spec *spec, uint32_t index, struct atoll_spec_irq *out);
bool spec_ioport(const struct spec *spec, uint32_t index, struct atoll_spec_ioport *out);
bool spec_device(const struct spec *spec, uint32_t index, struct atoll_spec_device *out);
bool spec_iospace(const struct spec *spec, uint32_t index, struct atoll_spec_iospace *out);
bool spec_vm(const struct spec *spec, uint32_t index, struct atoll_spec_vm *out);

/* The NUL-terminated string at `offset` of the string table, or NULL if
 * there is none. Every string field of a parsed spec's records is valid. */
const char *spec_string(const struct spec *spec, uint32_t offset);

#endif
