/* Unit tests for kernel/format.c: outputs compared with the host libc's
 * vsnprintf over the subset format() supports (%d %i %u %x %X %s %c %%,
 * flags '-' and '0', width, l/ll/z), then the parts that differ on purpose
 * (%p, NULL strings, malformed conversions), then truncation. */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/format.h"
#include "tests/unit/check.h"

#define OUT_MAX      512
#define GUARD        0x5a
#define REPORT_FIRST 8

static unsigned compared;
static unsigned mismatches;

static void reset_counts(void)
{
    compared = 0;
    mismatches = 0;
}

/* Copies at most OUT_MAX-1 bytes of `s` for printing, even unterminated. */
static void printable(char *dst, const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && n < OUT_MAX - 1 && s[n] != '\0')
        n++;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* Formats with libc and with format_v into equally pre-filled buffers of
 * `size` bytes (<= OUT_MAX) and compares the whole buffers and the return
 * values: bytes written, NUL placement, untouched tail, returned length. */
static void vcompare_sized(const char *file, int line, size_t size, const char *fmt, va_list ap)
{
    char want[OUT_MAX + 8], got[OUT_MAX + 8];
    memset(want, GUARD, sizeof(want));
    memset(got, GUARD, sizeof(got));
    va_list ap2;
    va_copy(ap2, ap);
    int wn = vsnprintf(want, size, fmt, ap);
    int gn = format_v(got, size, fmt, ap2);
    va_end(ap2);
    compared++;
    if (wn == gn && memcmp(want, got, sizeof(want)) == 0)
        return;
    if (mismatches++ < REPORT_FIRST) {
        char w[OUT_MAX], g[OUT_MAX];
        printable(w, want, size);
        printable(g, got, size);
        check_fail(
            file, line,
            "format(size %zu, \"%s\"): expected \"%s\" (returns %d), got \"%s\" (returns %d)", size,
            fmt, w, wn, g, gn);
    }
}

static void compare_sized(const char *file, int line, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vcompare_sized(file, line, size, fmt, ap);
    va_end(ap);
}

static void compare(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vcompare_sized(file, line, OUT_MAX, fmt, ap);
    va_end(ap);
}

/* Not printf-checked on purpose: the matrices build combinations that
 * -Wformat would flag (e.g. '0' with '-'), whose meaning C11 still defines. */
#define CMP(...)             compare(__FILE__, __LINE__, __VA_ARGS__)
#define CMP_SIZED(size, ...) compare_sized(__FILE__, __LINE__, (size), __VA_ARGS__)

static void check_no_mismatch(const char *file, int line)
{
    if (mismatches > REPORT_FIRST)
        check_fail(file, line, "%u of %u comparisons with libc differ (first %d reported)",
                   mismatches, compared, REPORT_FIRST);
    check_true(file, line, "compared something", compared > 0);
}
#define CHECK_NO_MISMATCH() check_no_mismatch(__FILE__, __LINE__)

/* format() into a big buffer, compared with a literal expectation. */
static void expect(const char *file, int line, const char *expected, const char *fmt, ...)
{
    char got[OUT_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = format_v(got, sizeof(got), fmt, ap);
    va_end(ap);
    char what[128];
    snprintf(what, sizeof(what), "format(\"%s\")", fmt);
    check_str(file, line, what, expected, got);
    check_i64(file, line, "returned length", (int64_t)strlen(expected), n);
}
#define EXPECT(...) expect(__FILE__, __LINE__, __VA_ARGS__)

/* ---------------------------------------------------------------- matrices */

static const char *const flag_sets[] = {"", "-", "0", "-0", "0-", "00", "--"};
static const char *const widths[] = {"", "1", "2", "5", "12", "20", "25", "40"};
static const char *const lengths[] = {"", "l", "ll", "z"};

static const uint64_t values[] = {
    0,
    1,
    7,
    9,
    10,
    42,
    255,
    4096,
    0x7fff,
    0xdeadbeef,
    (uint64_t)INT_MAX,
    (uint64_t)INT_MAX + 1,
    (uint64_t)UINT_MAX,
    (uint64_t)-1,
    (uint64_t)-42,
    (uint64_t)(int64_t)INT_MIN,
    (uint64_t)INT64_MAX,
    (uint64_t)INT64_MIN,
    UINT64_C(1234567890123),
    UINT64_C(0x0123456789abcdef),
    UINT64_C(0xfedcba9876543210),
};

/* Passes `raw` as the type the length modifier and conversion expect. */
static void compare_int(const char *file, int line, const char *fmt, const char *len, char conv,
                        uint64_t raw)
{
    bool sgn = conv == 'd' || conv == 'i';
    if (len[0] == '\0') {
        if (sgn)
            compare(file, line, fmt, (int)raw);
        else
            compare(file, line, fmt, (unsigned)raw);
    } else if (strcmp(len, "l") == 0) {
        if (sgn)
            compare(file, line, fmt, (long)raw);
        else
            compare(file, line, fmt, (unsigned long)raw);
    } else if (strcmp(len, "ll") == 0) {
        if (sgn)
            compare(file, line, fmt, (long long)raw);
        else
            compare(file, line, fmt, (unsigned long long)raw);
    } else {
        /* %zd takes the signed type of size_t's width: ptrdiff_t here. */
        if (sgn)
            compare(file, line, fmt, (ptrdiff_t)raw);
        else
            compare(file, line, fmt, (size_t)raw);
    }
}

static void integer_matrix(const char *convs)
{
    char fmt[64];
    for (const char *c = convs; *c; c++)
        for (size_t f = 0; f < sizeof(flag_sets) / sizeof(flag_sets[0]); f++)
            for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
                for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++)
                    for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
                        snprintf(fmt, sizeof(fmt), "<%%%s%s%s%c>", flag_sets[f], widths[w],
                                 lengths[l], *c);
                        compare_int(__FILE__, __LINE__, fmt, lengths[l], *c, values[v]);
                    }
}

static void libc_signed_decimal(void)
{
    reset_counts();
    integer_matrix("di");
    CHECK_NO_MISMATCH();
}

static void libc_unsigned_decimal(void)
{
    reset_counts();
    integer_matrix("u");
    CHECK_NO_MISMATCH();
}

static void libc_hex(void)
{
    reset_counts();
    integer_matrix("xX");
    CHECK_NO_MISMATCH();
}

static void libc_strings(void)
{
    static const char *const strings[] = {
        "", "a", "hello", "with spaces\tand tab", "0123456789012345678901234567890123456789xyz",
    };
    static const char *const str_flags[] = {"", "-", "--"};
    char fmt[64];
    reset_counts();
    for (size_t f = 0; f < sizeof(str_flags) / sizeof(str_flags[0]); f++)
        for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
            for (size_t s = 0; s < sizeof(strings) / sizeof(strings[0]); s++) {
                snprintf(fmt, sizeof(fmt), "[%%%s%ss]", str_flags[f], widths[w]);
                CMP(fmt, strings[s]);
            }
    CMP("%s%s%s", "a", "", "bc");
    CHECK_NO_MISMATCH();
}

static void libc_chars(void)
{
    static const int chars[] = {'a', 'Z', ' ', '%', '0', '-', 0x7f, 0xff, '\n', 0};
    static const char *const chr_flags[] = {"", "-"};
    char fmt[64];
    reset_counts();
    for (size_t f = 0; f < sizeof(chr_flags) / sizeof(chr_flags[0]); f++)
        for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
            for (size_t ch = 0; ch < sizeof(chars) / sizeof(chars[0]); ch++) {
                snprintf(fmt, sizeof(fmt), "[%%%s%sc]", chr_flags[f], widths[w]);
                CMP(fmt, chars[ch]);
            }
    CMP("%c%c%c", 'a', 'b', 'c');
    /* Promoted arguments: only the low byte counts. */
    CMP("%c", 0x141);
    CHECK_NO_MISMATCH();
}

static void libc_percent_and_text(void)
{
    reset_counts();
    CMP("");
    CMP("plain text, no conversion");
    CMP("%%");
    CMP("%%%%");
    CMP("100%% done");
    CMP("%%d is %d", 5);
    CMP("%d%%", 99);
    CMP("tab\there, newline\n");
    CHECK_NO_MISMATCH();
}

/* Arguments of different types and sizes in one call are consumed in order. */
static void libc_mixed_arguments(void)
{
    reset_counts();
    CMP("%d %s %lx %c %zu %% %llu %X %i %-6s| %08x %lld", -1, "str", 0xfeedfacecafeUL, 'q',
        (size_t)123456789, ULLONG_MAX, 0xabcu, INT_MIN, "ab", 0x1234u, LLONG_MIN);
    CMP("%c%d%c%ld%c%lld%c%zd", 'a', 1, 'b', -2L, 'c', -3LL, 'd', (ptrdiff_t)-4);
    CMP("[%5d|%-5d|%05d|%5s|%-5s|%5c|%-5c]", 42, 42, 42, "ab", "ab", 'x', 'y');
    CMP("%s=%lu (0x%016lx)", "mem", 536870912UL, 536870912UL);
    CHECK_NO_MISMATCH();
}

/* A seeded pseudo-random walk over flags, widths, lengths, conversions and
 * values of random bit widths. */
static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);

static uint64_t rng(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * UINT64_C(0x2545f4914f6cdd1d);
}

static void libc_random_combinations(void)
{
    static const char convs[] = "diuxXsc%";
    char fmt[96];
    reset_counts();
    for (int i = 0; i < 20000; i++) {
        char conv = convs[rng() % (sizeof(convs) - 1)];
        const char *flags = flag_sets[rng() % (sizeof(flag_sets) / sizeof(flag_sets[0]))];
        if (conv == 's' || conv == 'c')
            flags = rng() % 2 ? "-" : ""; /* '0' is undefined for these */
        if (conv == '%')
            flags = ""; /* C11: the complete specification is "%%" */
        int width = (int)(rng() % 4 == 0 ? 0 : rng() % 30);
        const char *len = conv == 's' || conv == 'c' || conv == '%'
                              ? ""
                              : lengths[rng() % (sizeof(lengths) / sizeof(lengths[0]))];
        char wbuf[16] = "";
        if (width)
            snprintf(wbuf, sizeof(wbuf), "%d", width);
        if (conv == '%')
            wbuf[0] = '\0';
        snprintf(fmt, sizeof(fmt), "x%%%s%s%s%cy", flags, wbuf, len, conv);
        uint64_t v = rng();
        v >>= rng() % 64;
        if (conv == 's') {
            char s[40];
            size_t n = rng() % sizeof(s);
            for (size_t j = 0; j < n; j++)
                s[j] = (char)(' ' + rng() % 95);
            s[n] = '\0';
            CMP(fmt, s);
        } else if (conv == 'c') {
            CMP(fmt, (int)(' ' + rng() % 95));
        } else if (conv == '%') {
            CMP(fmt);
        } else {
            compare_int(__FILE__, __LINE__, fmt, len, conv, v);
        }
    }
    CHECK_NO_MISMATCH();
}

/* ---------------------------------------------------------------- extremes */

static void integer_extremes(void)
{
    EXPECT("-2147483648", "%d", INT_MIN);
    EXPECT("2147483647", "%i", INT_MAX);
    EXPECT("4294967295", "%u", UINT_MAX);
    EXPECT("-9223372036854775808", "%lld", LLONG_MIN);
    EXPECT("-9223372036854775808", "%ld", LONG_MIN);
    EXPECT("9223372036854775807", "%lld", LLONG_MAX);
    EXPECT("18446744073709551615", "%llu", ULLONG_MAX);
    EXPECT("18446744073709551615", "%zu", SIZE_MAX);
    EXPECT("ffffffffffffffff", "%lx", ULONG_MAX);
    EXPECT("FFFFFFFFFFFFFFFF", "%llX", ULLONG_MAX);
    EXPECT("8000000000000000", "%llx", (unsigned long long)LLONG_MIN);
    EXPECT("ffffffff", "%x", -1);
    EXPECT("0", "%x", 0);
    EXPECT("-0000000000000000000000009223372036854775808", "%044lld", LLONG_MIN);
    EXPECT("-9223372036854775808    ", "%-24lld", LLONG_MIN);
    /* Width narrower than the number never cuts it. */
    EXPECT("123456", "%2d", 123456);
    EXPECT("-123456", "%02d", -123456);
}

/* The format string is not modified and a width of a few thousand works. */
static void wide_width(void)
{
    char *buf = malloc(5000);
    char *want = malloc(5000);
    if (buf == NULL || want == NULL)
        abort();
    int n = format(buf, 5000, "%4000d|", -7);
    snprintf(want, 5000, "%4000d|", -7);
    CHECK_I("length", 4001, n);
    CHECK_STR("%4000d", want, buf);
    n = format(buf, 5000, "%-4000s|", "x");
    snprintf(want, 5000, "%-4000s|", "x");
    CHECK_STR("%-4000s", want, buf);
    CHECK_I("length", 4001, n);
    n = format(buf, 10, "%4999x", 1u);
    CHECK_I("length when truncated", 4999, n);
    CHECK_STR("truncated", "         ", buf);
    free(buf);
    free(want);
}

/* ---------------------------------------------------------------- not libc */

/* %p is always "0x" and 16 hex digits (glibc prints "(nil)" and no
 * padding). */
static void pointer(void)
{
    EXPECT("0x0000000000000000", "%p", (void *)0);
    EXPECT("0x0000000000001234", "%p", (void *)0x1234);
    EXPECT("0xffffffff80000000", "%p", (void *)(uintptr_t)UINT64_C(0xffffffff80000000));
    EXPECT("0xffffffffffffffff", "%p", (void *)UINTPTR_MAX);
    EXPECT("[0x00000000deadbeef]", "[%p]", (void *)(uintptr_t)0xdeadbeef);
    int x;
    char want[32];
    snprintf(want, sizeof(want), "0x%016llx", (unsigned long long)(uintptr_t)&x);
    EXPECT(want, "%p", (void *)&x);
}

static void null_string(void)
{
    const char *null = NULL;
    char buf[32];
    /* Built at run time: -Wformat knows NULL is not a string. */
    const char *fmts[] = {"%s", "[%8s]", "[%-8s]", "[%2s]"};
    const char *want[] = {"(null)", "[  (null)]", "[(null)  ]", "[(null)]"};
    for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
        char fmt[16];
        strcpy(fmt, fmts[i]);
        int n = format(buf, sizeof(buf), fmt, null);
        CHECK_STR(fmts[i], want[i], buf);
        CHECK_I("length", (int64_t)strlen(want[i]), n);
    }
}

/* What format() does with what it does not support (documented in
 * format.c): an unknown conversion is printed as is, the arguments are not
 * consumed, a '%' at the very end prints nothing. */
static void malformed_conversions(void)
{
    char fmt[32];
    char buf[64];
    static const struct {
        const char *fmt;
        const char *out;
    } cases[] = {
        {"%q", "%q"},     {"a%yb", "a%yb"}, {"%5q", "%q"},  {"abc%", "abc"}, {"%", ""},
        {"x%-", "x"},     {"x%05", "x"},    {"x%05l", "x"}, {"%-08zl", ""},  {"%hd", "%hd"},
        {"%.3d", "%.3d"}, {"%+d", "%+d"},   {"% d", "% d"}, {"%#x", "%#x"},  {"%5%", "%"},
        {"%-%|", "%|"},   {"%lq", "%q"},    {"%zq", "%q"},  {"%%%", "%"},    {"%o", "%o"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        strcpy(fmt, cases[i].fmt);
        memset(buf, GUARD, sizeof(buf));
        int n = format(buf, sizeof(buf), fmt, 12345);
        CHECK_STR(cases[i].fmt, cases[i].out, buf);
        CHECK_I("length", (int64_t)strlen(cases[i].out), n);
    }
    /* An unsupported conversion does not consume its argument. */
    strcpy(fmt, "%q%d");
    format(buf, sizeof(buf), fmt, 7);
    CHECK_STR("%q%d", "%q7", buf);
}

/* ---------------------------------------------------------------- truncation */

/* Every size from 0 to past the full length: same bytes as vsnprintf in
 * the buffer (prefix, NUL at min(len, size - 1), nothing touched at or past
 * `size`), same return value. */
static void truncation_like_libc(void)
{
    reset_counts();
    for (size_t size = 0; size <= 40; size++) {
        CMP_SIZED(size, "hello %s, %d%%", "world", -12345);
        CMP_SIZED(size, "[%-10s|%08x|%5c]", "ab", 0xbeefu, 'z');
        CMP_SIZED(size, "%lld", LLONG_MIN);
        CMP_SIZED(size, "%20s", "right");
        CMP_SIZED(size, "");
        CMP_SIZED(size, "%c%c", 'a', 0);
    }
    CHECK_NO_MISMATCH();
}

static void size_zero(void)
{
    /* Nothing is written: a NULL buffer is fine. */
    CHECK_I("NULL, 0", 11, format(NULL, 0, "%s %d", "hello", 12345));
    CHECK_I("NULL, 0, empty", 0, format(NULL, 0, "%s", ""));
    char buf[4] = {'x', 'x', 'x', 'x'};
    CHECK_I("size 0", 5, format(buf, 0, "%d", 12345));
    CHECK_TRUE("size 0 writes nothing", buf[0] == 'x' && buf[3] == 'x');
}

static void size_one_and_exact(void)
{
    char buf[8];
    memset(buf, 'x', sizeof(buf));
    CHECK_I("size 1", 5, format(buf, 1, "%d", 12345));
    CHECK_U("size 1: just the NUL", 0, buf[0]);
    CHECK_U("size 1: rest untouched", 'x', buf[1]);
    memset(buf, 'x', sizeof(buf));
    CHECK_I("exact fit", 5, format(buf, 6, "%d", 12345));
    CHECK_STR("exact fit", "12345", buf);
    CHECK_U("past the size untouched", 'x', buf[6]);
    memset(buf, 'x', sizeof(buf));
    CHECK_I("one short", 5, format(buf, 5, "%d", 12345));
    CHECK_STR("one short", "1234", buf);
    CHECK_U("past the size untouched", 'x', buf[5]);
}

/* The kernel's hex dump formats two digits into 3-byte slots in place
 * (arch/x86_64/boot_dump.c). */
static void boot_dump_pattern(void)
{
    static const unsigned char bytes[] = {0x00, 0x0f, 0xa5, 0xff};
    char hex[2 * sizeof(bytes) + 1];
    for (size_t i = 0; i < sizeof(bytes); i++)
        CHECK_I("return", 2, format(hex + 2 * i, 3, "%02x", bytes[i]));
    CHECK_STR("hex", "000fa5ff", hex);
}

static int call_format_v(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = format_v(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/* format_v leaves the va_list usable the way vsnprintf does: a caller can
 * va_copy before and format twice. */
static void format_v_entry(void)
{
    char buf[32];
    CHECK_I("format_v", 9, call_format_v(buf, sizeof(buf), "%s-%u-%c", "abc", 123u, 'z'));
    CHECK_STR("format_v", "abc-123-z", buf);
}

int main(void)
{
    check_suite("format");
    RUN_TEST(libc_signed_decimal);
    RUN_TEST(libc_unsigned_decimal);
    RUN_TEST(libc_hex);
    RUN_TEST(libc_strings);
    RUN_TEST(libc_chars);
    RUN_TEST(libc_percent_and_text);
    RUN_TEST(libc_mixed_arguments);
    RUN_TEST(libc_random_combinations);
    RUN_TEST(integer_extremes);
    RUN_TEST(wide_width);
    RUN_TEST(pointer);
    RUN_TEST(null_string);
    RUN_TEST(malformed_conversions);
    RUN_TEST(truncation_like_libc);
    RUN_TEST(size_zero);
    RUN_TEST(size_one_and_exact);
    RUN_TEST(boot_dump_pattern);
    RUN_TEST(format_v_entry);
    return check_exit_code();
}
