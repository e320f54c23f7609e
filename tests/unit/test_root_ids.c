/* Host tests of the root id table (kernel/root_ids.c) that VSpaces and
 * GuestSpaces use: ids from 1, handed out round robin so a freed id comes
 * back late, cached in the capability, found by search for a copy made
 * before the id was given, and naming nothing once released. */
#include <stdio.h>

#include "kernel/root_ids.h"
#include "tests/unit/check.h"

#define COUNT 5 /* ids 1 .. 4 */

static uint64_t roots[COUNT];
static struct root_ids t;

static struct cap space(uint64_t paddr)
{
    return cap_make(CAP_PML4, paddr, 0);
}

static void reset(void)
{
    for (unsigned i = 0; i < COUNT; i++)
        roots[i] = 0;
    t = (struct root_ids){roots, COUNT, 1};
}

static void ids_from_one_round_robin(void)
{
    reset();
    struct cap a = space(0x10000), b = space(0x20000);
    unsigned ia = root_ids_find_free(&t);
    CHECK_U("first id", 1, ia);
    root_ids_claim(&t, ia, &a);
    CHECK_U("cached in the capability", 1, a.words[1]);
    unsigned ib = root_ids_find_free(&t);
    CHECK_U("next id", 2, ib);
    root_ids_claim(&t, ib, &b);
    root_ids_release(&t, ia);
    CHECK_U("a freed id comes back late", 3, root_ids_find_free(&t));
    CHECK_U("its space is gone", 0, root_ids_root(&t, ia));
    CHECK_U("the other stays", 0x20000, root_ids_root(&t, ib));
}

static void lookup_cached_and_by_search(void)
{
    reset();
    struct cap a = space(0x30000);
    struct cap early_copy = a; /* made before the id was given */
    CHECK_U("no id yet", 0, root_ids_of(&t, &a));
    unsigned id = root_ids_find_free(&t);
    root_ids_claim(&t, id, &a);
    CHECK_U("cached", id, root_ids_of(&t, &a));
    CHECK_U("found by search", id, root_ids_of(&t, &early_copy));
    root_ids_release(&t, id);
    CHECK_U("a stale cached id names nothing", 0, root_ids_of(&t, &a));
    struct cap other = space(0x40000);
    root_ids_claim(&t, id, &other);
    CHECK_U("nor once reused by another space", 0, root_ids_of(&t, &a));
}

static void full_table_and_range(void)
{
    reset();
    struct cap s[COUNT];
    for (unsigned i = 1; i < COUNT; i++) {
        s[i] = space(0x100000 * i);
        unsigned id = root_ids_find_free(&t);
        CHECK_TRUE("an id", id != 0);
        root_ids_claim(&t, id, &s[i]);
    }
    CHECK_U("full", 0, root_ids_find_free(&t));
    CHECK_U("id 0 names nothing", 0, root_ids_root(&t, 0));
    CHECK_U("out of range names nothing", 0, root_ids_root(&t, COUNT));
    root_ids_release(&t, COUNT + 7); /* ignored */
    CHECK_U("still full", 0, root_ids_find_free(&t));
}

int main(void)
{
    check_suite("root_ids");
    RUN_TEST(ids_from_one_round_robin);
    RUN_TEST(lookup_cached_and_by_search);
    RUN_TEST(full_table_and_range);
    return check_exit_code();
}
