#ifndef ATOLL_KERNEL_TCB_H
#define ATOLL_KERNEL_TCB_H

#include <stddef.h>
#include <stdint.h>

#include "thread.h"

/* Decodes and performs a TCB invocation by `caller` on the TCB capability
 * in `slot`. Reply words (ReadRegisters) go to `reply`, their number to
 * `*reply_length`. */
struct atoll_error_detail tcb_invoke(struct tcb *caller, struct cap_slot *slot, uint64_t label,
                                     const uint64_t *words, size_t length,
                                     struct cap_slot *const *extra, size_t extra_count,
                                     uint64_t *reply, size_t *reply_length);

#endif
