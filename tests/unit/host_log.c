/* See host_log.h. */
#include "tests/unit/host_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/log.h"

#define HOST_LOG_LAST_MAX 512
#define HOST_LOG_ALL_MAX  16384

static char last_message[HOST_LOG_LAST_MAX];
static char all_messages[HOST_LOG_ALL_MAX];
static size_t all_len;
static unsigned message_count;
static bool quiet;
static int verbose = -1; /* -1: environment not read yet */

void host_log_reset(void)
{
    last_message[0] = '\0';
    all_messages[0] = '\0';
    all_len = 0;
    message_count = 0;
}

const char *host_log_last(void)
{
    return last_message;
}

const char *host_log_all(void)
{
    return all_messages;
}

unsigned host_log_count(void)
{
    return message_count;
}

bool host_log_contains(const char *needle)
{
    return strstr(all_messages, needle) != NULL;
}

void host_log_set_quiet(bool q)
{
    quiet = q;
}

void klog(const char *fmt, ...)
{
    message_count++;
    if (quiet)
        return;
    if (verbose < 0)
        verbose = getenv("ATOLL_TEST_VERBOSE") != NULL;

    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_message, sizeof(last_message), fmt, ap);
    va_end(ap);

    size_t n = strlen(last_message);
    if (all_len + n + 2 < sizeof(all_messages)) {
        memcpy(all_messages + all_len, last_message, n);
        all_len += n;
        all_messages[all_len++] = '\n';
        all_messages[all_len] = '\0';
    }
    if (verbose)
        fprintf(stderr, "klog: %s\n", last_message);
}
