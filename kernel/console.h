#ifndef ATOLL_KERNEL_CONSOLE_H
#define ATOLL_KERNEL_CONSOLE_H

/* Kernel console output, serialised across cores. Lines longer than the
 * internal buffer are truncated. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Used on the way down (exceptions): does not take the lock if this core
 * already holds it, so a fault inside kprintf still gets reported. */
void kprintf_emergency(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
