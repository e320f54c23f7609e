/* What the capability core needs from its surroundings.
 *
 * The same code runs in the freestanding kernel and in host tests; this is
 * the whole seam between them. Capabilities name objects by physical
 * address, so that the ABI and the derivation tree do not depend on where
 * the kernel maps memory.
 *   kernel: cap_phys_to_virt() is the direct map (PHYSMAP_BASE + paddr,
 *           arch/x86_64/layout.h); cap_assert_failed() panics.
 *   host:   tests/unit/test_cap_host.c maps physical = host virtual and
 *           aborts with a message. */
#ifndef ATOLL_KERNEL_CAP_PLATFORM_H
#define ATOLL_KERNEL_CAP_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

/* Kernel pointer to the memory at physical address `paddr`. Only ever called
 * for memory of non-device untypeds (kernel objects and frames to zero),
 * never for device memory. */
void *cap_phys_to_virt(uint64_t paddr);

/* An internal invariant of the capability core does not hold: a kernel bug,
 * never a consequence of user input (user input is rejected by decode). */
_Noreturn void cap_assert_failed(const char *file, int line, const char *expression);

/* A preemption point of a long delete or revoke, called after each unit
 * of work: true when the operation should stop here and be restarted
 * (kernel: an interrupt is pending or another core waits for the kernel
 * lock; host tests: on demand). Stopping leaves a consistent state that
 * the restarted operation resumes from. */
bool cap_preemption_point(void);

#define CAP_ASSERT(e) ((e) ? (void)0 : cap_assert_failed(__FILE__, __LINE__, #e))

#endif
