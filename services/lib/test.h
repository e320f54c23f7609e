/* A small unit-test framework for user-level kernel tests. Each check
 * prints `PASS <name>` or `FAIL <name>: <what was expected, what came>`;
 * test_summary() prints `<prefix>: N passed, N failed`. */
#ifndef ATOLL_USER_TEST_H
#define ATOLL_USER_TEST_H

#include "atoll.h"

struct test_counts {
    unsigned passed, failed;
};
extern struct test_counts test_counts;

void test_result(const char *name, int ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void test_summary(const char *prefix);

#define TEST_EQ(name, got, want)                                                                   \
    test_result((name), (uint64_t)(got) == (uint64_t)(want), "expected 0x%lx, got 0x%lx",          \
                (uint64_t)(want), (uint64_t)(got))

#endif
