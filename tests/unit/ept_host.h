/* Host harness for vtx/ept.c on the capability core's host environment
 * (test_cap_host.h): the seam ept.h asks for (invalidations counted,
 * GuestSpace deaths recorded), the finalise hooks chained in front of the
 * recorder's (frames undo their GuestSpace mapping, as vspace.c does in
 * the kernel), and an invariant check of every live GuestSpace. */
#ifndef ATOLL_TESTS_EPT_HOST_H
#define ATOLL_TESTS_EPT_HOST_H

#include "tests/unit/test_cap_host.h"
#include "vtx/ept.h"

/* Call after env_init(): installs the EPT hooks. */
void ept_host_init(void);
unsigned ept_host_invalidations(void);
uint64_t ept_host_last_gone(void);

/* An invocation on the GuestSpace in slot `gs`, with the capability in
 * slot `object` as extra capability 0 (none when object is 0). */
struct atoll_error_detail ept_host_invoke(struct cap_env *env, uint64_t gs, uint64_t label,
                                          const uint64_t *words, size_t length, uint64_t object);

/* The entry that maps `gpa` at the leaf level of a frame of `type` in the
 * GuestSpace in slot `gs`, or 0 if there is none. */
uint64_t ept_host_leaf(struct cap_env *env, uint64_t gs, uint64_t gpa, enum cap_type type);

/* NULL if every present entry reachable from each GuestSpace in slots
 * [first, last) is accounted for: tables by a live EPT table capability
 * of the right level among those slots, leaves by a frame capability
 * among them whose word 1 records this GuestSpace and address; else what
 * is wrong. */
const char *ept_host_check(struct cap_env *env, uint64_t first, uint64_t last);

#endif
