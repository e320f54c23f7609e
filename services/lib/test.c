#include "test.h"

struct test_counts test_counts;

void test_result(const char *name, int ok, const char *fmt, ...)
{
    if (ok) {
        test_counts.passed++;
        printf("PASS %s\n", name);
        return;
    }
    test_counts.failed++;
    char why[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    printf("FAIL %s: %s\n", name, why);
}

void test_summary(const char *prefix)
{
    printf("%s: %u passed, %u failed\n", prefix, test_counts.passed, test_counts.failed);
}
