/* A table of small ids for the roots of page-table hierarchies: VSpace
 * ids (arch/x86_64/vspace.c) and GuestSpace ids (vtx/ept.c). A mapping
 * records the id of the space it is in, not a pointer, so that a frame
 * capability can say where it is mapped in one word; the table turns the
 * id back into the root's physical address, and an id whose space is gone
 * names nothing. Id 0 is never given out (a mapping word is never 0). A
 * space's capability caches its id in word 1; a copy made before the id
 * was given has 0 there and finds it by search.
 *
 * Portable (built on the host by tests/vtx.mk); callers hold the kernel
 * lock. Decode finds a free id, perform claims it: nothing changes in
 * between. */
#ifndef ATOLL_KERNEL_ROOT_IDS_H
#define ATOLL_KERNEL_ROOT_IDS_H

#include <stdint.h>

#include "cap/cap.h"

struct root_ids {
    uint64_t *roots; /* physical address of each id's root, 0: free */
    unsigned count;  /* ids 1 .. count - 1 */
    unsigned next;   /* round robin: a freed id is reused late */
};

/* The root id `id` names, 0 if it is free or out of range. */
uint64_t root_ids_root(const struct root_ids *t, unsigned id);
/* The id of the space whose root capability is `space`, 0 if none yet. */
unsigned root_ids_of(const struct root_ids *t, const struct cap *space);
/* A free id, 0 when all are taken. */
unsigned root_ids_find_free(const struct root_ids *t);
/* Gives `id` (free, from root_ids_find_free) to the space in `space`
 * and caches it in its capability. */
void root_ids_claim(struct root_ids *t, unsigned id, struct cap *space);
/* The space of `id` is gone: the id names nothing from now on. */
void root_ids_release(struct root_ids *t, unsigned id);

#endif
