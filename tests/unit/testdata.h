/* Real firmware data sets for the host tests (tests/data/<set>/).
 *
 * A data set is a directory holding what the kernel dumped on a real or
 * emulated machine (see tools/capture_testdata.py):
 *   rsdp.bin                 the RSDP as handed to acpi_parse()
 *   tbl_<phys-hex>.bin       one ACPI table per file, at that physical address
 *   mb2.bin                  the Multiboot2 information structure
 *   expect.txt               hand-written expectations, `key=value` per line
 * test_acpi runs on every set with rsdp.bin, test_mb2 on every set with
 * mb2.bin; with no data sets, no data tests are generated. The data root
 * is tests/data (relative to the working directory) unless the environment
 * variable ATOLL_TEST_DATA names another. */
#ifndef ATOLL_TESTS_TESTDATA_H
#define ATOLL_TESTS_TESTDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/unit/fake_mem.h"

#define TESTDATA_DEFAULT_ROOT "tests/data"
#define TESTDATA_PATH_MAX     1024

const char *testdata_root(void);

typedef void (*testdata_fn)(const char *set_name, const char *set_dir);
/* Calls `fn` for every directory under the root that contains the file
 * `marker`, in name order. Returns how many. */
unsigned testdata_foreach(const char *marker, testdata_fn fn);

/* "<dir>/<name>" into buf; false if it does not fit. */
bool testdata_path(char *buf, size_t size, const char *dir, const char *name);

/* Reads a whole file into a malloc'd buffer (freed by the caller). */
bool testdata_read(const char *path, uint8_t **bytes, size_t *len);

/* Adds every tbl_<phys-hex>.bin of `dir` to `fm` at its address. Returns
 * the number of tables, or -1 with a message in `err`. */
int testdata_load_tables(const char *dir, struct fake_mem *fm, char *err, size_t errlen);

#define EXPECT_MAX_ITEMS 64

struct expect_item {
    char key[32];
    char value[128];
    unsigned line;
};

struct expect {
    struct expect_item items[EXPECT_MAX_ITEMS];
    unsigned count;
};

/* Loads <dir>/expect.txt (a missing file is an empty set). Syntax:
 * `key=value`, blank lines and `#` comments; surrounding spaces trimmed.
 * Unknown keys are an error, so a typo cannot silently disable a check. */
bool expect_load(const char *dir, struct expect *e, char *err, size_t errlen);
/* The value of `key`, or NULL; *line (if not NULL) gets its line number. */
const char *expect_get(const struct expect *e, const char *key, unsigned *line);
/* Parses decimal or 0x-hex. */
bool expect_parse_u64(const char *s, uint64_t *v);

#endif
