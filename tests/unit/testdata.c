/* See testdata.h. Host-only code: uses POSIX directory functions. */
#define _POSIX_C_SOURCE 200809L
#include "tests/unit/testdata.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Every key a data set's expect.txt may use (documented in
 * tests/README.md). `irq<N>_gsi` is matched as a pattern. */
static const char *const known_keys[] = {
    /* test_acpi */
    "revision",
    "xsdt",
    "oem",
    "cpus",
    "cpu_ids",
    "cpus_ignored",
    "ioapics",
    "ioapic0_phys",
    "overrides",
    "lapic_nmis",
    "lapic",
    "pcat",
    "mcfg",
    "mcfg0_base",
    "dmar",
    "warnings",
    /* test_mb2 */
    "mb2_warnings",
    "mb2_mmap",
    "mb2_modules",
    "mb2_rsdp",
    "mb2_efi",
    "mb2_usable_min",
    "mb2_loader_prefix",
    "mb2_cmdline_contains",
    /* test_dmar */
    "dmar_haw",
    "dmar_flags",
    "dmar_units",
    "dmar_unit0_base",
    "dmar_unit0_all",
    "dmar_scopes",
    "dmar_rmrrs",
    "dmar_covered",
    "dmar_not_covered",
    "dmar_ioapic0_sid",
    "dmar_warnings",
};

const char *testdata_root(void)
{
    const char *env = getenv("ATOLL_TEST_DATA");
    return env != NULL && env[0] != '\0' ? env : TESTDATA_DEFAULT_ROOT;
}

bool testdata_path(char *buf, size_t size, const char *dir, const char *name)
{
    int n = snprintf(buf, size, "%s/%s", dir, name);
    return n >= 0 && (size_t)n < size;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Names of the entries of `dir` (without . and ..), sorted; NULL if the
 * directory cannot be read. */
static char **list_dir(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return NULL;
    size_t n = 0, cap = 16;
    char **names = malloc(cap * sizeof(*names));
    struct dirent *de;
    while (names != NULL && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap *= 2;
            char **bigger = realloc(names, cap * sizeof(*names));
            if (bigger == NULL)
                break;
            names = bigger;
        }
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    if (names != NULL)
        qsort(names, n, sizeof(*names), compare_names);
    *count = n;
    return names;
}

static void free_list(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

unsigned testdata_foreach(const char *marker, testdata_fn fn)
{
    const char *root = testdata_root();
    size_t n = 0;
    char **names = list_dir(root, &n);
    if (names == NULL)
        return 0;
    unsigned sets = 0;
    for (size_t i = 0; i < n; i++) {
        char dir[TESTDATA_PATH_MAX], file[TESTDATA_PATH_MAX];
        if (names[i][0] == '.' || !testdata_path(dir, sizeof(dir), root, names[i]) ||
            !testdata_path(file, sizeof(file), dir, marker) || !is_dir(dir) || !is_file(file))
            continue;
        fn(names[i], dir);
        sets++;
    }
    free_list(names, n);
    return sets;
}

bool testdata_read(const char *path, uint8_t **bytes, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        if (n == cap) {
            cap *= 2;
            uint8_t *bigger = realloc(buf, cap);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    bool ok = buf != NULL && !ferror(f);
    fclose(f);
    if (!ok) {
        free(buf);
        return false;
    }
    *bytes = buf;
    *len = n;
    return true;
}

/* "tbl_<1..16 hex digits>.bin" -> physical address. */
static bool table_file_phys(const char *name, uint64_t *phys)
{
    const char *prefix = "tbl_", *suffix = ".bin";
    size_t len = strlen(name), plen = strlen(prefix), slen = strlen(suffix);
    if (len <= plen + slen || strncmp(name, prefix, plen) != 0 ||
        strcmp(name + len - slen, suffix) != 0)
        return false;
    size_t digits = len - plen - slen;
    if (digits > 16)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < digits; i++) {
        int c = (unsigned char)name[plen + i];
        if (!isxdigit(c))
            return false;
        v = v << 4 | (uint64_t)(isdigit(c) ? c - '0' : tolower(c) - 'a' + 10);
    }
    *phys = v;
    return true;
}

int testdata_load_tables(const char *dir, struct fake_mem *fm, char *err, size_t errlen)
{
    size_t n = 0;
    char **names = list_dir(dir, &n);
    if (names == NULL) {
        snprintf(err, errlen, "cannot read %s: %s", dir, strerror(errno));
        return -1;
    }
    int tables = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t phys;
        if (!table_file_phys(names[i], &phys))
            continue;
        char path[TESTDATA_PATH_MAX];
        uint8_t *bytes;
        size_t len;
        if (!testdata_path(path, sizeof(path), dir, names[i]) ||
            !testdata_read(path, &bytes, &len)) {
            snprintf(err, errlen, "cannot read %s", path);
            tables = -1;
            break;
        }
        if (fm->count >= FAKE_MEM_MAX_BLOBS) {
            snprintf(err, errlen, "more than %d tables in %s", FAKE_MEM_MAX_BLOBS, dir);
            free(bytes);
            tables = -1;
            break;
        }
        fake_mem_add(fm, phys, bytes, len);
        free(bytes);
        tables++;
    }
    free_list(names, n);
    return tables;
}

static bool key_is_known(const char *key)
{
    for (size_t i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++) {
        if (strcmp(key, known_keys[i]) == 0)
            return true;
    }
    /* irq<N>_gsi with N a decimal ISA IRQ */
    unsigned irq;
    char tail[8];
    if (sscanf(key, "irq%u%7s", &irq, tail) == 2 && strcmp(tail, "_gsi") == 0 && irq < 256)
        return true;
    return false;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

bool expect_load(const char *dir, struct expect *e, char *err, size_t errlen)
{
    char path[TESTDATA_PATH_MAX];
    memset(e, 0, sizeof(*e));
    if (!testdata_path(path, sizeof(path), dir, "expect.txt")) {
        snprintf(err, errlen, "path of %s/expect.txt too long", dir);
        return false;
    }
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return true; /* no expectations beyond the generic ones */

    char line[512];
    unsigned lineno = 0;
    bool ok = true;
    while (ok && fgets(line, sizeof(line), f) != NULL) {
        lineno++;
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (eq == NULL) {
            snprintf(err, errlen, "%s:%u: expected key=value", path, lineno);
            ok = false;
            break;
        }
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        if (!key_is_known(key)) {
            snprintf(err, errlen, "%s:%u: unknown key \"%s\"", path, lineno, key);
            ok = false;
        } else if (expect_get(e, key, NULL) != NULL) {
            snprintf(err, errlen, "%s:%u: key \"%s\" given twice", path, lineno, key);
            ok = false;
        } else if (e->count >= EXPECT_MAX_ITEMS || strlen(key) >= sizeof(e->items[0].key) ||
                   strlen(value) >= sizeof(e->items[0].value)) {
            snprintf(err, errlen, "%s:%u: too many keys or too long a line", path, lineno);
            ok = false;
        } else {
            struct expect_item *it = &e->items[e->count++];
            strcpy(it->key, key);
            strcpy(it->value, value);
            it->line = lineno;
        }
    }
    fclose(f);
    return ok;
}

const char *expect_get(const struct expect *e, const char *key, unsigned *line)
{
    for (unsigned i = 0; i < e->count; i++) {
        if (strcmp(e->items[i].key, key) == 0) {
            if (line != NULL)
                *line = e->items[i].line;
            return e->items[i].value;
        }
    }
    return NULL;
}

bool expect_parse_u64(const char *s, uint64_t *v)
{
    if (s == NULL)
        return false;
    char *end;
    errno = 0;
    bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    /* strtoull would also take spaces, signs and a second prefix */
    if (!isxdigit((unsigned char)(hex ? s[2] : s[0])) || (!hex && !isdigit((unsigned char)s[0])))
        return false;
    unsigned long long x = strtoull(hex ? s + 2 : s, &end, hex ? 16 : 10);
    if (errno != 0 || *end != '\0' || end == (hex ? s + 2 : s))
        return false;
    *v = x;
    return true;
}
