/* User wrappers of the address-space invocations (ABI and errors in
 * atoll/invocation.h): page tables, frames, and the multi-frame map and
 * unmap of a VSpace. Capability arguments are capability pointers in the
 * caller's CSpace; every call returns the kernel's error detail. */
#ifndef ATOLL_USER_VSPACE_H
#define ATOLL_USER_VSPACE_H

#include "atoll.h"

/* PageTable_Map: installs the PDPT, PD or PT `table` into `vspace` at the
 * entry that translates `vaddr` (rounded down to what the table covers). */
struct atoll_error_detail atoll_page_table_map(uint64_t table, uint64_t vspace, uint64_t vaddr);
struct atoll_error_detail atoll_page_table_unmap(uint64_t table);

/* Frame_Map: `rights` a mask of ATOLL_RIGHT_* (READ needed), `attributes`
 * a mask of ATOLL_VM_*. */
struct atoll_error_detail atoll_frame_map(uint64_t frame, uint64_t vspace, uint64_t vaddr,
                                          uint64_t rights, uint64_t attributes);
struct atoll_error_detail atoll_frame_unmap(uint64_t frame);
/* Frame_GetAddress: the physical address in *paddr (0 on error). */
struct atoll_error_detail atoll_frame_get_address(uint64_t frame, uint64_t *paddr);

/* VSpace_MapFrames: maps the `count` frames in slots [offset, offset +
 * count) of a CNode to consecutive pages from `vaddr`, all or nothing. The
 * CNode is `cnode` itself when node_depth is 0, else the one that
 * (node_index, node_depth) names through `cnode`. */
struct atoll_error_detail atoll_vspace_map_frames(uint64_t vspace, uint64_t vaddr, uint64_t rights,
                                                  uint64_t attributes, uint64_t cnode,
                                                  uint64_t node_index, uint64_t node_depth,
                                                  uint64_t offset, uint64_t count);
/* VSpace_UnmapFrames: unmaps the frames of such a range that are mapped in
 * `vspace`, with one TLB invalidation. */
struct atoll_error_detail atoll_vspace_unmap_frames(uint64_t vspace, uint64_t cnode,
                                                    uint64_t node_index, uint64_t node_depth,
                                                    uint64_t offset, uint64_t count);
/* VSpace_Assign: gives the VSpace its address-space id now, so that its
 * capability can be copied before anything is mapped into it. */
struct atoll_error_detail atoll_vspace_assign(uint64_t vspace);

#endif
