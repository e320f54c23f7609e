/* See root_ids.h. */
#include "root_ids.h"

uint64_t root_ids_root(const struct root_ids *t, unsigned id)
{
    return id != 0 && id < t->count ? t->roots[id] : 0;
}

unsigned root_ids_of(const struct root_ids *t, const struct cap *space)
{
    unsigned id = (unsigned)space->words[1];
    uint64_t root = cap_paddr(space);
    if (id != 0)
        return root_ids_root(t, id) == root ? id : 0;
    for (unsigned i = 1; i < t->count; i++)
        if (t->roots[i] == root)
            return i;
    return 0;
}

unsigned root_ids_find_free(const struct root_ids *t)
{
    for (unsigned i = 0; i < t->count - 1; i++) {
        unsigned id = 1 + (t->next - 1 + i) % (t->count - 1);
        if (t->roots[id] == 0)
            return id;
    }
    return 0;
}

void root_ids_claim(struct root_ids *t, unsigned id, struct cap *space)
{
    t->roots[id] = cap_paddr(space);
    t->next = id % (t->count - 1) + 1;
    space->words[1] = id;
}

void root_ids_release(struct root_ids *t, unsigned id)
{
    if (id != 0 && id < t->count)
        t->roots[id] = 0;
}
