#include "atoll.h"

/* The kernel's portable formatter serves user space too (kernel/format.c
 * is built into this library); only the output differs. */
#include "format.h"

#define PRINTF_BUFFER 256

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    return format_v(buf, size, fmt, ap);
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = format_v(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int printf(const char *fmt, ...)
{
    char buf[PRINTF_BUFFER];
    va_list ap;
    va_start(ap, fmt);
    int n = format_v(buf, sizeof buf, fmt, ap);
    va_end(ap);
    size_t len = n < (int)sizeof buf ? (size_t)n : sizeof buf - 1;
    atoll_debug_write(buf, len);
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}
