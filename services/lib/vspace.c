/* Address-space invocations from user space; see vspace.h. */
#include "vspace.h"

struct atoll_error_detail atoll_page_table_map(uint64_t table, uint64_t vspace, uint64_t vaddr)
{
    uint64_t w[ATOLL_PAGE_TABLE_MAP_ARGS];
    w[ATOLL_PAGE_TABLE_ARG_VADDR] = vaddr;
    return atoll_invoke(table, ATOLL_PAGE_TABLE_MAP, w, ATOLL_PAGE_TABLE_MAP_ARGS, &vspace, 1);
}

struct atoll_error_detail atoll_page_table_unmap(uint64_t table)
{
    return atoll_invoke(table, ATOLL_PAGE_TABLE_UNMAP, NULL, 0, NULL, 0);
}

struct atoll_error_detail atoll_frame_map(uint64_t frame, uint64_t vspace, uint64_t vaddr,
                                          uint64_t rights, uint64_t attributes)
{
    uint64_t w[ATOLL_FRAME_MAP_ARGS];
    w[ATOLL_FRAME_ARG_VADDR] = vaddr;
    w[ATOLL_FRAME_ARG_RIGHTS] = rights;
    w[ATOLL_FRAME_ARG_ATTRIBUTES] = attributes;
    return atoll_invoke(frame, ATOLL_FRAME_MAP, w, ATOLL_FRAME_MAP_ARGS, &vspace, 1);
}

struct atoll_error_detail atoll_frame_unmap(uint64_t frame)
{
    return atoll_invoke(frame, ATOLL_FRAME_UNMAP, NULL, 0, NULL, 0);
}

struct atoll_error_detail atoll_frame_get_address(uint64_t frame, uint64_t *paddr)
{
    struct atoll_error_detail e = atoll_invoke(frame, ATOLL_FRAME_GET_ADDRESS, NULL, 0, NULL, 0);
    /* On success the first reply word arrives where an error's argument
     * would (message register 0). */
    *paddr = e.code == ATOLL_OK ? e.argument : 0;
    return e;
}

struct atoll_error_detail atoll_vspace_map_frames(uint64_t vspace, uint64_t vaddr, uint64_t rights,
                                                  uint64_t attributes, uint64_t cnode,
                                                  uint64_t node_index, uint64_t node_depth,
                                                  uint64_t offset, uint64_t count)
{
    uint64_t w[ATOLL_VSPACE_MAP_FRAMES_ARGS];
    w[ATOLL_VSPACE_ARG_VADDR] = vaddr;
    w[ATOLL_VSPACE_ARG_RIGHTS] = rights;
    w[ATOLL_VSPACE_ARG_ATTRIBUTES] = attributes;
    w[ATOLL_VSPACE_ARG_NODE_INDEX] = node_index;
    w[ATOLL_VSPACE_ARG_NODE_DEPTH] = node_depth;
    w[ATOLL_VSPACE_ARG_NODE_OFFSET] = offset;
    w[ATOLL_VSPACE_ARG_COUNT] = count;
    return atoll_invoke(vspace, ATOLL_VSPACE_MAP_FRAMES, w, ATOLL_VSPACE_MAP_FRAMES_ARGS, &cnode,
                        1);
}

struct atoll_error_detail atoll_vspace_unmap_frames(uint64_t vspace, uint64_t cnode,
                                                    uint64_t node_index, uint64_t node_depth,
                                                    uint64_t offset, uint64_t count)
{
    uint64_t w[ATOLL_VSPACE_UNMAP_FRAMES_ARGS];
    w[ATOLL_VSPACE_UNMAP_ARG_NODE_INDEX] = node_index;
    w[ATOLL_VSPACE_UNMAP_ARG_NODE_DEPTH] = node_depth;
    w[ATOLL_VSPACE_UNMAP_ARG_NODE_OFFSET] = offset;
    w[ATOLL_VSPACE_UNMAP_ARG_COUNT] = count;
    return atoll_invoke(vspace, ATOLL_VSPACE_UNMAP_FRAMES, w, ATOLL_VSPACE_UNMAP_FRAMES_ARGS,
                        &cnode, 1);
}

struct atoll_error_detail atoll_vspace_assign(uint64_t vspace)
{
    return atoll_invoke(vspace, ATOLL_VSPACE_ASSIGN, NULL, 0, NULL, 0);
}
