/* Host harness for the capability core (kernel/cap/): the platform seam,
 * a small capability space like the one the kernel builds at boot, system
 * calls by decode + perform, and a recorder for the object hooks.
 *
 * Physical addresses on the host are host virtual addresses: untyped
 * memory is an aligned heap block, so ASan sees every object access. The
 * device untyped is at a made-up address that nothing maps; the core never
 * touches device memory, and ASan would report it if it did. */
#ifndef ATOLL_TESTS_TEST_CAP_HOST_H
#define ATOLL_TESTS_TEST_CAP_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/cap/cap.h"
#include "kernel/cap/cnode.h"
#include "kernel/cap/cspace.h"
#include "kernel/cap/delete.h"
#include "kernel/cap/invariants.h"
#include "kernel/cap/mdb.h"
#include "kernel/cap/untyped.h"

/* The root CNode resolves a whole 64-bit pointer in one level: its guard
 * (all zeros) takes the bits the radix does not, so slot i is cptr i at
 * depth 64, as in seL4's root task. */
#define ENV_DEPTH        64
#define ENV_UNTYPED_SLOT 1 /* normal untyped */
#define ENV_DEVICE_SLOT  2 /* device untyped */
#define ENV_FIRST_FREE   8 /* tests use slots from here on */

#define ENV_DEVICE_PADDR (UINT64_C(1) << 45)
#define ENV_DEVICE_BITS  31

struct cap_env {
    /* Outside any object, like the CSpace-root slot of a TCB. */
    struct cap_slot root_slot;
    struct cap_slot *root; /* the root CNode's slots */
    unsigned root_radix;
    void *root_memory;
    void *untyped_memory;
    unsigned untyped_bits;
};

/* Builds the root CNode (2^root_radix slots, boot memory), a normal untyped
 * of 2^untyped_bits bytes in ENV_UNTYPED_SLOT and a device untyped in
 * ENV_DEVICE_SLOT, all as boot capabilities. Resets the hook recorder. */
void env_init(struct cap_env *env, unsigned root_radix, unsigned untyped_bits);
/* Deletes every capability left, including those in unreachable
 * self-referential Zombies, then frees the memory. */
void env_teardown(struct cap_env *env);
/* Frees the memory without deleting (after env_teardown ran). */
void env_free(struct cap_env *env);

static inline const struct cap *env_root_cap(const struct cap_env *env)
{
    return &env->root_slot.cap;
}

static inline struct cap_slot *env_slot(const struct cap_env *env, uint64_t index)
{
    return &env->root[index];
}

/* Invocations as the system-call layer will make them: the invoked cap is
 * looked up by cptr in the root CNode, extra caps are the root CNode cap.
 * ILLEGAL_OPERATION if the invoked slot holds no capability of the right
 * type. */
struct atoll_error_detail env_retype(struct cap_env *env, uint64_t untyped_cptr, uint64_t type,
                                     uint64_t size_bits, uint64_t node_index, uint64_t node_depth,
                                     uint64_t offset, uint64_t count);
/* Retype into the root CNode (node depth 0). */
struct atoll_error_detail env_retype_root(struct cap_env *env, uint64_t untyped_cptr, uint64_t type,
                                          uint64_t size_bits, uint64_t offset, uint64_t count);
/* Any CNode invocation on `cnode` (NULL: the root CNode cap), with the root
 * CNode cap as every extra cap. */
struct atoll_error_detail env_cnode(struct cap_env *env, const struct cap *cnode, uint64_t label,
                                    const uint64_t *words, size_t length);
/* One decode and perform without restarting: *done is false when a
 * Delete or Revoke stopped at a preemption point. */
struct atoll_error_detail env_cnode_once(struct cap_env *env, const struct cap *cnode,
                                         uint64_t label, const uint64_t *words, size_t length,
                                         bool *done);
/* Preemption points (test_cap_host.c): every nth stops the operation. */
extern unsigned host_preempt_every;
extern uint64_t host_preemptions;
/* The common ones, with depth-64 pointers in the root CNode. */
struct atoll_error_detail env_copy(struct cap_env *env, uint64_t dest, uint64_t src,
                                   uint64_t rights);
struct atoll_error_detail env_mint(struct cap_env *env, uint64_t dest, uint64_t src,
                                   uint64_t rights, uint64_t data);
struct atoll_error_detail env_move(struct cap_env *env, uint64_t dest, uint64_t src);
struct atoll_error_detail env_mutate(struct cap_env *env, uint64_t dest, uint64_t src,
                                     uint64_t data);
struct atoll_error_detail env_delete(struct cap_env *env, uint64_t slot);
struct atoll_error_detail env_revoke(struct cap_env *env, uint64_t slot);
struct atoll_error_detail env_rotate(struct cap_env *env, uint64_t dest, uint64_t dest_data,
                                     uint64_t pivot, uint64_t pivot_data, uint64_t src);

/* Runs cap_check_invariants from the root slot; NULL when they hold, else
 * a description of the first violation. */
const char *env_check(struct cap_env *env);

/* ---- Object hooks: every initialise and finalise call is recorded, and
 * the set of live objects tracked (untypeds excluded: each untyped cap is
 * its own allocator, final on every delete). */
void hooks_reset(void);
unsigned hooks_final_count(enum cap_type type, uint64_t paddr);
unsigned hooks_nonfinal_count(enum cap_type type, uint64_t paddr);
unsigned hooks_final_total(void);
unsigned hooks_init_total(void);
/* Objects initialised (or registered at boot) and not yet finalised. */
size_t hooks_live_objects(void);
/* The first inconsistency (finalise of a dead object, initialise over a
 * live one), or NULL. */
const char *hooks_violation(void);

#endif
