/* Logging for code that builds both in the kernel and on the host.
 *
 * Portable code (firmware-table and boot-information parsers) reports
 * skipped or malformed input through klog(); the kernel prints it on the
 * serial console, host tests capture it. Nothing here may allocate. */
#ifndef ATOLL_KERNEL_LOG_H
#define ATOLL_KERNEL_LOG_H

/* The format attribute is a GCC/clang extension; it lets -Wformat check
 * every caller, which is worth more than strict ISO C here. */
void klog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define KLOG_WARN(...) klog("warning: " __VA_ARGS__)

#endif
