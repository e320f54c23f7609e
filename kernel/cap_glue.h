#ifndef ATOLL_KERNEL_CAP_GLUE_H
#define ATOLL_KERNEL_CAP_GLUE_H

#include <stdint.h>

/* Installs the kernel's object hooks into the capability core. */
void cap_glue_init(void);

/* Debug system call: from now on stop every `force_every`th preemption
 * point of Delete and Revoke (0: only when an interrupt or another core
 * is waiting); returns how many stops there have been since boot. */
uint64_t cap_preemption_debug(uint64_t force_every);

#endif
