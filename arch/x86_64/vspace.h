/* Address-space objects: PML4 (a VSpace), PDPT, PD and PT capabilities and
 * mapping Frames into them (issue 4). */
#ifndef ATOLL_ARCH_VSPACE_H
#define ATOLL_ARCH_VSPACE_H

#include <stddef.h>
#include <stdint.h>

#include "../../kernel/cap/cap.h"

/* Decodes and performs an invocation on a frame or page-table capability
 * held in `slot` (label in the ATOLL_VSPACE/PAGE_TABLE/FRAME blocks of
 * atoll/invocation.h). Extra capabilities are already looked up. */
struct atoll_error_detail vspace_invoke(struct cap_slot *slot, uint64_t label,
                                        const uint64_t *words, size_t length,
                                        struct cap_slot *const *extra, size_t extra_count);

/* Installs the finalise hooks of frames and page tables (unmapping on
 * delete). */
void vspace_init(void);

#endif
