/* See ept_host.h. */
#include "tests/unit/ept_host.h"
#include "kernel/cap/platform.h"
#include "vtx/vmcs_fields.h"

#include <stdio.h>

static unsigned invalidations;
static uint64_t last_gone;
static void (*recorder)(const struct cap *, bool);
static void (*ept_finalise[CAP_TYPE_COUNT])(const struct cap *, bool);

void ept_invalidate(void)
{
    invalidations++;
}

void ept_guest_space_gone(uint64_t root)
{
    last_gone = root;
}

unsigned ept_host_invalidations(void)
{
    return invalidations;
}

uint64_t ept_host_last_gone(void)
{
    return last_gone;
}

static void chained_finalise(const struct cap *c, bool final)
{
    enum cap_type t = cap_type(c);
    if (cap_type_is_frame(t)) {
        if (ept_is_guest_mapping(c->words[1]))
            ept_unmap_frame(c);
    } else if (ept_finalise[t]) {
        ept_finalise[t](c, final);
    }
    recorder(c, final);
}

void ept_host_init(void)
{
    recorder = cap_hooks.finalise[CAP_GUEST_SPACE];
    ept_init();
    static const enum cap_type types[] = {CAP_GUEST_SPACE, CAP_EPT_PDPT, CAP_EPT_PD,  CAP_EPT_PT,
                                          CAP_FRAME_4K,    CAP_FRAME_2M, CAP_FRAME_1G};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        ept_finalise[types[i]] =
            cap_hooks.finalise[types[i]] == recorder ? NULL : cap_hooks.finalise[types[i]];
        cap_hooks.finalise[types[i]] = chained_finalise;
    }
    invalidations = 0;
    last_gone = 0;
}

struct atoll_error_detail ept_host_invoke(struct cap_env *env, uint64_t gs, uint64_t label,
                                          const uint64_t *words, size_t length, uint64_t object)
{
    struct cap_slot *extra[1] = {object ? env_slot(env, object) : NULL};
    return ept_invoke(env_slot(env, gs), label, words, length, extra, object ? 1 : 0);
}

#define ENTRIES 512u
static const unsigned shift[] = {39, 30, 21, 12};

static uint64_t *table_at(uint64_t paddr)
{
    return cap_phys_to_virt(paddr);
}

uint64_t ept_host_leaf(struct cap_env *env, uint64_t gs, uint64_t gpa, enum cap_type type)
{
    unsigned leaf_level = type == CAP_FRAME_2M ? 2 : 3;
    uint64_t *t = table_at(cap_paddr(&env_slot(env, gs)->cap));
    for (unsigned l = 0; l < leaf_level; l++) {
        uint64_t e = t[(gpa >> shift[l]) & (ENTRIES - 1)];
        if (!(e & EPT_RWX) || (e & EPT_LARGE_PAGE))
            return 0;
        t = table_at(e & EPT_ADDR_MASK);
    }
    return t[(gpa >> shift[leaf_level]) & (ENTRIES - 1)];
}

static const enum cap_type table_type[] = {CAP_EPT_PDPT, CAP_EPT_PD, CAP_EPT_PT};

static bool has_cap(struct cap_env *env, uint64_t first, uint64_t last, enum cap_type type,
                    uint64_t paddr, uint64_t word1, bool check_word1)
{
    for (uint64_t s = first; s < last; s++) {
        const struct cap *c = &env_slot(env, s)->cap;
        if (cap_type(c) == type && cap_paddr(c) == paddr && (!check_word1 || c->words[1] == word1))
            return true;
    }
    return false;
}

static const char *check_table(struct cap_env *env, uint64_t first, uint64_t last, uint64_t id,
                               uint64_t paddr, unsigned level, uint64_t base)
{
    const uint64_t *t = table_at(paddr);
    for (unsigned i = 0; i < ENTRIES; i++) {
        uint64_t e = t[i];
        if (!(e & EPT_RWX))
            continue;
        uint64_t gpa = base | ((uint64_t)i << shift[level]);
        uint64_t target = e & EPT_ADDR_MASK;
        bool leaf = level == 3 || (e & EPT_LARGE_PAGE);
        if (leaf) {
            enum cap_type ft = level == 3 ? CAP_FRAME_4K : level == 2 ? CAP_FRAME_2M : CAP_FRAME_1G;
            uint64_t word1 = EPT_MAPPING_FLAG | (id << 48) | gpa;
            if (!has_cap(env, first, last, ft, target, word1, true))
                return "a leaf whose frame capability does not record it";
            if ((e & EPT_WRITE) && !(e & EPT_READ))
                return "a write-only leaf (EPT misconfiguration)";
            continue;
        }
        if (level == 3)
            return "a table pointer in a page table";
        if (!has_cap(env, first, last, table_type[level], target, 0, false))
            return "an entry pointing at something that is not a live EPT table";
        const char *why = check_table(env, first, last, id, target, level + 1, gpa);
        if (why)
            return why;
    }
    return NULL;
}

const char *ept_host_check(struct cap_env *env, uint64_t first, uint64_t last)
{
    for (uint64_t s = first; s < last; s++) {
        const struct cap *c = &env_slot(env, s)->cap;
        if (cap_type(c) != CAP_GUEST_SPACE)
            continue;
        uint64_t id = ept_guest_space_id(c);
        const char *why = check_table(env, first, last, id, cap_paddr(c), 0, 0);
        if (why)
            return why;
    }
    return NULL;
}
