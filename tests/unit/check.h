/* A tiny test framework for host-built unit tests.
 *
 * Each test is a `static void name(void)` run with RUN_TEST(name). It prints
 * exactly one line on stdout: `PASS <suite>.<name>` or
 * `FAIL <suite>.<name>: <what>: expected <x>, got <y> (<file>:<line>)`
 * naming the first failed check; later failures of the same test go to
 * stderr. check_exit_code() is 1 if any test failed. */
#ifndef ATOLL_TESTS_CHECK_H
#define ATOLL_TESTS_CHECK_H

#include <stdbool.h>
#include <stdint.h>

void check_suite(const char *suite);
void check_begin(const char *name);
void check_end(void);
int check_exit_code(void);

void check_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool check_u64(const char *file, int line, const char *what, uint64_t expected, uint64_t got);
bool check_i64(const char *file, int line, const char *what, int64_t expected, int64_t got);
bool check_str(const char *file, int line, const char *what, const char *expected, const char *got);
bool check_true(const char *file, int line, const char *what, bool got);
/* `haystack` contains `needle` */
bool check_contains(const char *file, int line, const char *what, const char *haystack,
                    const char *needle);

#define RUN_TEST(fn)                                                                               \
    do {                                                                                           \
        check_begin(#fn);                                                                          \
        fn();                                                                                      \
        check_end();                                                                               \
    } while (0)

#define CHECK_U(what, expected, got)                                                               \
    check_u64(__FILE__, __LINE__, (what), (uint64_t)(expected), (uint64_t)(got))
#define CHECK_I(what, expected, got)                                                               \
    check_i64(__FILE__, __LINE__, (what), (int64_t)(expected), (int64_t)(got))
#define CHECK_STR(what, expected, got) check_str(__FILE__, __LINE__, (what), (expected), (got))
#define CHECK_TRUE(what, cond)         check_true(__FILE__, __LINE__, (what), (cond))
#define CHECK_CONTAINS(what, haystack, needle)                                                     \
    check_contains(__FILE__, __LINE__, (what), (haystack), (needle))
#define CHECK_FAIL(...) check_fail(__FILE__, __LINE__, __VA_ARGS__)

#endif
