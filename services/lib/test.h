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

/* Evaluates each argument once: they are often system calls. */
#define TEST_EQ(name, got, want)                                                                   \
    do {                                                                                           \
        uint64_t got_ = (uint64_t)(got), want_ = (uint64_t)(want);                                 \
        test_result((name), got_ == want_, "expected 0x%lx, got 0x%lx", want_, got_);              \
    } while (0)

#endif
