/* Host implementation of klog() (kernel/log.h) for tests and fuzzers.
 *
 * Messages are recorded: the last one, and all since the last reset
 * (bounded), so a test can assert that a warning mentioned e.g.
 * "checksum". With ATOLL_TEST_VERBOSE set in the environment every message
 * is also printed to stderr. */
#ifndef ATOLL_TESTS_HOST_LOG_H
#define ATOLL_TESTS_HOST_LOG_H

#include <stdbool.h>

void host_log_reset(void);
/* Last message, "" if none since the reset. */
const char *host_log_last(void);
/* Every message since the reset, one per line (truncated when huge). */
const char *host_log_all(void);
unsigned host_log_count(void);
bool host_log_contains(const char *needle);
/* Fuzzers: do not record or print anything (speed). */
void host_log_set_quiet(bool quiet);

#endif
