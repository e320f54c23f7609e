/* Placeholder until the VSpace objects land: every invocation is refused. */
#include "vspace.h"

struct atoll_error_detail vspace_invoke(struct cap_slot *slot, uint64_t label,
                                        const uint64_t *words, size_t length,
                                        struct cap_slot *const *extra, size_t extra_count)
{
    (void)slot;
    (void)label;
    (void)words;
    (void)length;
    (void)extra;
    (void)extra_count;
    return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
}

void vspace_init(void)
{
}
