/* Looking things up in the root task's boot information; see atoll.h. */
#include "atoll.h"

const struct atoll_module_desc *atoll_bootinfo_module(const struct atoll_bootinfo *bi,
                                                      const char *name)
{
    for (uint64_t i = 0; i < bi->module_count && i < ATOLL_BOOTINFO_MAX_MODULES; i++)
        if (!strcmp(bi->modules[i].name, name))
            return &bi->modules[i];
    return NULL;
}

uint64_t atoll_untyped_carve(const struct atoll_bootinfo *bi, uint64_t bits, uint64_t dest)
{
    uint64_t code = ATOLL_ERR_NOT_ENOUGH_MEMORY;
    for (uint64_t i = 0; i < bi->untyped_count && code != ATOLL_OK; i++)
        if (bi->untyped[i].size_bits > bits && !bi->untyped[i].is_device)
            code = atoll_untyped_retype(bi->untyped_first + i, ATOLL_OBJECT_UNTYPED, bits,
                                        ATOLL_SLOT_ROOT_CNODE, 0, 0, dest, 1)
                       .code;
    return code;
}
