#include "atoll.h"
#include "console.h"

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

/* Yields a printf waits at most for room in the console ring. */
#define PRINTF_RING_WAITS 10000u

int printf(const char *fmt, ...)
{
    char buf[PRINTF_BUFFER];
    va_list ap;
    va_start(ap, fmt);
    int n = format_v(buf, sizeof buf, fmt, ap);
    va_end(ap);
    size_t len = n < (int)sizeof buf ? (size_t)n : sizeof buf - 1;
    /* A component with a console prints through the serial driver; the
     * kernel's debug call takes what does not fit, and everything of
     * programs without a console (init, tests, the driver itself). */
    size_t sent = console_write(buf, len);
    if (sent < len && !atoll_debug_write(buf + sent, len - sent)) {
        /* A release kernel: the console ring is the only way out; wait
         * (bounded) for the driver to drain it. */
        for (unsigned i = 0; i < PRINTF_RING_WAITS && sent < len && console_attached(); i++) {
            atoll_yield();
            sent += console_write(buf + sent, len - sent);
        }
    }
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
