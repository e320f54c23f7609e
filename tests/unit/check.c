/* See check.h. */
#include "tests/unit/check.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *current_suite = "?";
static const char *current_test;
static unsigned current_failures;
static char first_failure[1024];
static unsigned tests_run;
static unsigned tests_failed;

void check_suite(const char *suite)
{
    current_suite = suite;
}

void check_begin(const char *name)
{
    current_test = name;
    current_failures = 0;
    first_failure[0] = '\0';
}

void check_end(void)
{
    tests_run++;
    if (current_failures == 0) {
        printf("PASS %s.%s\n", current_suite, current_test);
    } else {
        tests_failed++;
        if (current_failures > 1)
            printf("FAIL %s.%s: %s [+%u more on stderr]\n", current_suite, current_test,
                   first_failure, current_failures - 1);
        else
            printf("FAIL %s.%s: %s\n", current_suite, current_test, first_failure);
    }
    fflush(stdout);
    current_test = NULL;
}

int check_exit_code(void)
{
    fprintf(stderr, "%s: %u tests, %u failed\n", current_suite, tests_run, tests_failed);
    return tests_failed == 0 ? 0 : 1;
}

void check_fail(const char *file, int line, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    if (current_failures++ == 0)
        snprintf(first_failure, sizeof(first_failure), "%s (%s:%d)", msg, file, line);
    else
        fprintf(stderr, "  %s.%s also: %s (%s:%d)\n", current_suite,
                current_test ? current_test : "?", msg, file, line);
}

static void format_u64(char *buf, size_t len, uint64_t v)
{
    if (v > 9)
        snprintf(buf, len, "%" PRIu64 " (0x%" PRIx64 ")", v, v);
    else
        snprintf(buf, len, "%" PRIu64, v);
}

bool check_u64(const char *file, int line, const char *what, uint64_t expected, uint64_t got)
{
    if (expected == got)
        return true;
    char e[48], g[48];
    format_u64(e, sizeof(e), expected);
    format_u64(g, sizeof(g), got);
    check_fail(file, line, "%s: expected %s, got %s", what, e, g);
    return false;
}

bool check_i64(const char *file, int line, const char *what, int64_t expected, int64_t got)
{
    if (expected == got)
        return true;
    check_fail(file, line, "%s: expected %" PRId64 ", got %" PRId64, what, expected, got);
    return false;
}

bool check_str(const char *file, int line, const char *what, const char *expected, const char *got)
{
    if (expected != NULL && got != NULL && strcmp(expected, got) == 0)
        return true;
    check_fail(file, line, "%s: expected \"%s\", got \"%s\"", what, expected ? expected : "(null)",
               got ? got : "(null)");
    return false;
}

bool check_true(const char *file, int line, const char *what, bool got)
{
    if (got)
        return true;
    check_fail(file, line, "%s: expected true, got false", what);
    return false;
}

bool check_contains(const char *file, int line, const char *what, const char *haystack,
                    const char *needle)
{
    if (haystack != NULL && needle != NULL && strstr(haystack, needle) != NULL)
        return true;
    check_fail(file, line, "%s: expected text containing \"%s\", got \"%s\"", what,
               needle ? needle : "(null)", haystack ? haystack : "(null)");
    return false;
}
