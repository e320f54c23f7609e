/* Invocation entry points of the kernel objects implemented outside
 * kernel/syscall.c. Each decodes, then performs (shared/STYLE.md); extra
 * capabilities are already looked up; reply words (if any) go to `reply`
 * and their number to `*reply_length`. */
#ifndef ATOLL_KERNEL_OBJECTS_H
#define ATOLL_KERNEL_OBJECTS_H

#include <stddef.h>
#include <stdint.h>

#include "thread.h"

#define OBJECT_INVOKE_ARGS                                                                         \
    struct tcb *caller, struct cap_slot *slot, uint64_t label, const uint64_t *words,              \
        size_t length, struct cap_slot *const *extra, size_t extra_count, uint64_t *reply,         \
        size_t *reply_length

/* kernel/schedcontext.c: SchedContext and SchedControl capabilities. */
struct atoll_error_detail schedcontext_invoke(OBJECT_INVOKE_ARGS);
struct atoll_error_detail schedcontrol_invoke(OBJECT_INVOKE_ARGS);
/* arch/x86_64/irq_objects.c: IRQControl and IRQHandler capabilities. */
struct atoll_error_detail irq_invoke(OBJECT_INVOKE_ARGS);
/* arch/x86_64/ioport.c: IOPortControl and IOPort capabilities. */
struct atoll_error_detail ioport_invoke(OBJECT_INVOKE_ARGS);

#endif
