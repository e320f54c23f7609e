/* libFuzzer target for the GuestSpace/EPT code (vtx/ept.c) on the
 * capability core's host environment (tests/unit/ept_host.h). Each input
 * is a sequence of operations on a small set of slots: retype the
 * VT-x objects and frames, map tables and frames at addresses the input
 * picks (near a few bases, so that mappings collide), unmap, copy,
 * delete, revoke. After every operation the EPT invariant (every
 * reachable entry is accounted for by a live capability that records it)
 * and the capability invariants must hold; ASan checks every access.
 * ATOLL_FUZZ_TRACE=1 prints the operations. */
#include "tests/unit/ept_host.h"
#include "atoll/vcpu.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define ROOT_RADIX 7
#define UT_BITS    22
#define SLOTS      16
#define FIRST_SLOT ENV_FIRST_FREE
#define MAX_OPS    64

enum op {
    OP_RETYPE,
    OP_MAP_TABLE,
    OP_MAP_FRAME,
    OP_UNMAP_FRAME,
    OP_COPY,
    OP_DELETE,
    OP_REVOKE_UNTYPED,
    OP_COUNT,
};

static const uint64_t retype_types[] = {
    ATOLL_OBJECT_GUEST_SPACE, ATOLL_OBJECT_EPT_PDPT, ATOLL_OBJECT_EPT_PD,
    ATOLL_OBJECT_EPT_PT,      ATOLL_OBJECT_FRAME_4K, ATOLL_OBJECT_FRAME_2M,
};
#define RETYPE_CHOICES (sizeof retype_types / sizeof retype_types[0])

/* Addresses: a base (0, 1 GiB, 512 GiB, the top of the guest space) plus
 * a small multiple of 4 KiB or 2 MiB, or a raw 64-bit value. */
static const uint64_t gpa_bases[] = {0, UINT64_C(1) << 30, UINT64_C(1) << 39,
                                     ATOLL_GUEST_ADDR_END - (UINT64_C(1) << 21)};

struct input {
    const uint8_t *data;
    size_t size, pos;
};

static uint8_t next_byte(struct input *in)
{
    return in->pos < in->size ? in->data[in->pos++] : 0;
}

static uint64_t next_u64(struct input *in)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | next_byte(in);
    return v;
}

static uint64_t next_slot(struct input *in)
{
    return FIRST_SLOT + next_byte(in) % SLOTS;
}

static uint64_t next_gpa(struct input *in)
{
    uint8_t how = next_byte(in);
    if (how == 0xff)
        return next_u64(in);
    uint64_t step = (how & 1) ? (UINT64_C(1) << 21) : (UINT64_C(1) << 12);
    return gpa_bases[(how >> 1) % 4] + step * (next_byte(in) % 4);
}

static struct cap_env env;
static bool trace;

static void fail(const char *why)
{
    fprintf(stderr, "fuzz_ept: %s\n", why);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size, 0};
    trace = getenv("ATOLL_FUZZ_TRACE") != NULL;
    env_init(&env, ROOT_RADIX, UT_BITS);
    ept_host_init();
    for (unsigned n = 0; n < MAX_OPS && in.pos < in.size; n++) {
        enum op op = (enum op)(next_byte(&in) % OP_COUNT);
        uint64_t a = next_slot(&in), b = next_slot(&in);
        struct atoll_error_detail e = {0, 0, 0, 0, 0};
        uint64_t w[ATOLL_GUEST_SPACE_MAP_FRAME_ARGS];
        switch (op) {
        case OP_RETYPE:
            e = env_retype_root(&env, ENV_UNTYPED_SLOT,
                                retype_types[next_byte(&in) % RETYPE_CHOICES], 0, a, 1);
            break;
        case OP_MAP_TABLE:
            w[0] = next_gpa(&in);
            e = ept_host_invoke(&env, a, ATOLL_GUEST_SPACE_MAP_TABLE, w, 1, b);
            break;
        case OP_MAP_FRAME:
            w[0] = next_gpa(&in);
            w[1] = next_byte(&in) & 0x1f;
            w[2] = next_byte(&in) & 0x7;
            e = ept_host_invoke(&env, a, ATOLL_GUEST_SPACE_MAP_FRAME, w,
                                ATOLL_GUEST_SPACE_MAP_FRAME_ARGS, b);
            break;
        case OP_UNMAP_FRAME:
            e = ept_host_invoke(&env, a, ATOLL_GUEST_SPACE_UNMAP_FRAME, NULL, 0, b);
            break;
        case OP_COPY:
            e = env_copy(&env, a, b, ATOLL_RIGHTS_ALL);
            break;
        case OP_DELETE:
            e = env_delete(&env, a);
            break;
        case OP_REVOKE_UNTYPED:
            e = env_revoke(&env, ENV_UNTYPED_SLOT);
            break;
        case OP_COUNT:
            break;
        }
        if (trace)
            fprintf(stderr, "op %d slots %" PRIu64 " %" PRIu64 " -> %" PRIu64 "\n", (int)op, a, b,
                    e.code);
        /* Invocations on anything but a GuestSpace must be refused. */
        if ((op == OP_MAP_TABLE || op == OP_MAP_FRAME || op == OP_UNMAP_FRAME) &&
            cap_type(&env_slot(&env, a)->cap) != CAP_GUEST_SPACE && e.code == ATOLL_OK)
            fail("an invocation on a non-GuestSpace succeeded");
        const char *why = ept_host_check(&env, FIRST_SLOT, FIRST_SLOT + SLOTS);
        if (why)
            fail(why);
        why = env_check(&env);
        if (why)
            fail(why);
    }
    env_teardown(&env);
    const char *why = hooks_violation();
    if (why)
        fail(why);
    env_free(&env);
    return 0;
}
