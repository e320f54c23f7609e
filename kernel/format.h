/* Minimal formatted output, portable (kernel and host tests).
 * Supports %d %i %u %x %X %p %s %c %% with flags '-', '0', width, and the
 * length modifiers l, ll, z. */
#ifndef ATOLL_KERNEL_FORMAT_H
#define ATOLL_KERNEL_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Like vsnprintf: always NUL-terminates when size > 0, returns the length
 * the full output would have had. */
int format_v(char *buf, size_t size, const char *fmt, va_list ap);
int format(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
