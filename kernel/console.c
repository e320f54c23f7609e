#include "console.h"
#include "format.h"
#include "log.h"
#include "spinlock.h"
#include "../arch/x86_64/serial.h"
#include "../arch/x86_64/x86.h"

#include <stdarg.h>

#define CONSOLE_LINE_MAX 512

static struct spinlock console_lock = SPINLOCK_INIT;

void cpu_relax(void)
{
    cpu_pause();
}

static void console_write(const char *s)
{
    while (*s)
        serial_putc(*s++);
}

static void vprint(const char *fmt, va_list ap, bool locked)
{
    char line[CONSOLE_LINE_MAX];
    format_v(line, sizeof line, fmt, ap);
    uint64_t flags = read_rflags();
    irq_disable();
    if (locked)
        spin_lock(&console_lock);
    console_write(line);
    if (locked)
        spin_unlock(&console_lock);
    if (flags & RFLAGS_IF)
        irq_enable();
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(fmt, ap, true);
    va_end(ap);
}

void kprintf_emergency(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(fmt, ap, false);
    va_end(ap);
}

void klog(const char *fmt, ...)
{
    char line[CONSOLE_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    format_v(line, sizeof line, fmt, ap);
    va_end(ap);
    kprintf("atoll: %s\n", line);
}
