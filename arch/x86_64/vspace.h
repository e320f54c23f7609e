/* Address-space objects: PML4 (a VSpace), PDPT, PD and PT capabilities and
 * mapping Frames into them (issue 4; the ABI is in atoll/invocation.h).
 *
 * Capability word 1 (cap.h leaves it to this code):
 *   frame, PDPT, PD, PT  0 when not mapped; else the address-space id of
 *                        the VSpace in bits 63..48 and the virtual address
 *                        (of the page, or the base of what the table
 *                        covers) below: seL4's mapped ASID and address.
 *   PML4                 its address-space id, 0 until it has one (copies
 *                        made before that keep 0; the id is then found by
 *                        a search of the id table).
 * A mapping recorded in a capability is checked before it is undone: the
 * id must still name a live PML4, and the entry found by walking from it
 * must still point at this frame or table. So a capability may outlive
 * its mapping (its table or VSpace went first) without harm, as in seL4. */
#ifndef ATOLL_ARCH_VSPACE_H
#define ATOLL_ARCH_VSPACE_H

#include <stddef.h>
#include <stdint.h>

#include "../../kernel/cap/cap.h"

/* Live VSpaces at once (ids 1 to VSPACE_ASID_COUNT - 1). 12 bits, the
 * width of an x86 PCID, so that ids can become PCIDs later. */
#define VSPACE_ASID_BITS  12
#define VSPACE_ASID_COUNT (1u << VSPACE_ASID_BITS)

/* Decodes and performs an invocation on a frame or page-table capability
 * held in `slot` (label in the ATOLL_VSPACE/PAGE_TABLE/FRAME blocks of
 * atoll/invocation.h). Extra capabilities are already looked up. Reply
 * words are dropped: see vspace_invoke_reply. */
struct atoll_error_detail vspace_invoke(struct cap_slot *slot, uint64_t label,
                                        const uint64_t *words, size_t length,
                                        struct cap_slot *const *extra, size_t extra_count);

/* The same, with the reply words of a successful invocation in `reply`
 * (room for ATOLL_MSG_MAX_WORDS) and their number in `reply_length`:
 * Frame_GetAddress answers one word. */
struct atoll_error_detail vspace_invoke_reply(struct cap_slot *slot, uint64_t label,
                                              const uint64_t *words, size_t length,
                                              struct cap_slot *const *extra, size_t extra_count,
                                              uint64_t *reply, size_t *reply_length);

/* Installs the finalise hooks of frames and page tables (unmapping on
 * delete) and of PML4s (retiring the VSpace), and the TLB shootdown
 * handler. */
void vspace_init(void);

/* The CR3 a thread may run on: `cr3` while `vspace_cap` (the capability in
 * the thread's VSpace slot) is a PML4 capability to it, else the kernel's
 * own PML4, which maps no user memory, so that the thread faults instead of
 * running on a destroyed (and perhaps reused) page table, as in seL4. */
uint64_t vspace_thread_root(const struct cap *vspace_cap, uint64_t cr3);

#endif
