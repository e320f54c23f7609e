/* User-level runtime for Atoll components: system-call stubs, console
 * output, a few libc pieces. Components include this and the ABI headers
 * in kernel/include/atoll/, nothing kernel-private. */
#ifndef ATOLL_USER_ATOLL_H
#define ATOLL_USER_ATOLL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "atoll/syscall.h"

struct atoll_syscall_result {
    uint64_t error; /* rax */
    uint64_t badge; /* rdi */
    uint64_t info;  /* rsi */
    uint64_t mr[ATOLL_MSG_REGISTERS];
};

/* The one raw system call; everything else is built on it. */
struct atoll_syscall_result atoll_syscall(uint64_t number, uint64_t cptr, uint64_t info,
                                          const uint64_t mr[ATOLL_MSG_REGISTERS]);

void atoll_debug_write(const char *s, size_t len);
_Noreturn void atoll_debug_exit(uint64_t status);

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

#endif
