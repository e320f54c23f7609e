/* CNode invocations; see cnode.h. The checks and their order follow seL4's
 * decodeCNodeInvocation, with argument indices in every error. */
#include "cnode.h"
#include "cspace.h"
#include "delete.h"
#include "mdb.h"

/* Looks up the slot named by the (index, depth) argument pair and points the
 * error, if any, at the argument to blame. */
static struct atoll_error_detail lookup_argument(const struct cap *root, const uint64_t *words,
                                                 unsigned index_arg, unsigned depth_arg,
                                                 struct cap_slot **out)
{
    struct atoll_error_detail e = cap_lookup_slot(root, words[index_arg], words[depth_arg], out);
    if (e.code == ATOLL_ERR_RANGE_ERROR)
        e.argument = depth_arg;
    else if (cap_failed(&e))
        e.argument = index_arg;
    return e;
}

static struct atoll_error_detail missing_capability(unsigned index_arg)
{
    struct atoll_error_detail e = cap_lookup_error(ATOLL_LOOKUP_MISSING_CAPABILITY, 0, 0);
    e.argument = index_arg;
    return e;
}

static size_t words_needed(uint64_t label)
{
    switch (label) {
    case ATOLL_CNODE_COPY:
        return ATOLL_CNODE_COPY_ARGS;
    case ATOLL_CNODE_MINT:
        return ATOLL_CNODE_MINT_ARGS;
    case ATOLL_CNODE_MUTATE:
        return ATOLL_CNODE_MUTATE_ARGS;
    default:
        return ATOLL_CNODE_MOVE_ARGS;
    }
}

/* Copy, Mint, Move, Mutate: `dest` is already looked up. */
static struct atoll_error_detail decode_transfer(uint64_t label, const uint64_t *words,
                                                 size_t length, struct cap_slot *const *extra_caps,
                                                 size_t extra_count, struct cnode_invocation *out)
{
    size_t needed = words_needed(label);
    struct cap_slot *src;
    struct cap new_cap;
    struct atoll_error_detail e;

    if (length < needed || extra_count < ATOLL_CNODE_COPY_EXTRA_CAPS || extra_caps[0] == NULL)
        return cap_truncated(needed, ATOLL_CNODE_COPY_EXTRA_CAPS);
    if (!cap_is_null(&out->dest->cap))
        return cap_error(ATOLL_ERR_DELETE_FIRST, ATOLL_CNODE_ARG_DEST_INDEX);
    e = lookup_argument(&extra_caps[0]->cap, words, ATOLL_CNODE_ARG_SRC_INDEX,
                        ATOLL_CNODE_ARG_SRC_DEPTH, &src);
    if (cap_failed(&e))
        return e;
    if (cap_is_null(&src->cap))
        return missing_capability(ATOLL_CNODE_ARG_SRC_INDEX);
    /* Zombies are unreachable by lookup; refuse them all the same. */
    if (cap_type(&src->cap) == CAP_ZOMBIE)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);

    switch (label) {
    case ATOLL_CNODE_COPY:
        e = cap_derive(src, cap_mask_rights(src->cap, words[ATOLL_CNODE_ARG_RIGHTS]), &new_cap);
        break;
    case ATOLL_CNODE_MINT: {
        struct cap minted =
            cap_update_data(cap_mask_rights(src->cap, words[ATOLL_CNODE_ARG_RIGHTS]),
                            words[ATOLL_CNODE_ARG_MINT_DATA], false);
        if (cap_is_null(&minted))
            return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
        e = cap_derive(src, minted, &new_cap);
        break;
    }
    case ATOLL_CNODE_MOVE:
        new_cap = src->cap;
        break;
    default: /* ATOLL_CNODE_MUTATE */
        new_cap = cap_update_data(src->cap, words[ATOLL_CNODE_ARG_MUTATE_DATA], true);
        if (cap_is_null(&new_cap))
            return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
        break;
    }
    if (cap_failed(&e)) {
        if (e.code == ATOLL_ERR_REVOKE_FIRST)
            e.argument = ATOLL_CNODE_ARG_SRC_INDEX;
        return e;
    }
    out->src = src;
    out->src_cap = new_cap;
    return cap_ok();
}

static struct atoll_error_detail decode_rotate(const uint64_t *words, size_t length,
                                               struct cap_slot *const *extra_caps,
                                               size_t extra_count, struct cnode_invocation *out)
{
    struct cap_slot *src, *pivot;
    struct atoll_error_detail e;

    if (length < ATOLL_ROTATE_ARGS || extra_count < ATOLL_ROTATE_EXTRA_CAPS ||
        extra_caps[0] == NULL || extra_caps[1] == NULL)
        return cap_truncated(ATOLL_ROTATE_ARGS, ATOLL_ROTATE_EXTRA_CAPS);
    e = lookup_argument(&extra_caps[1]->cap, words, ATOLL_ROTATE_ARG_SRC_INDEX,
                        ATOLL_ROTATE_ARG_SRC_DEPTH, &src);
    if (cap_failed(&e))
        return e;
    e = lookup_argument(&extra_caps[0]->cap, words, ATOLL_ROTATE_ARG_PIVOT_INDEX,
                        ATOLL_ROTATE_ARG_PIVOT_DEPTH, &pivot);
    if (cap_failed(&e))
        return e;
    if (pivot == src || pivot == out->dest)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    if (src != out->dest && !cap_is_null(&out->dest->cap))
        return cap_error(ATOLL_ERR_DELETE_FIRST, ATOLL_ROTATE_ARG_DEST_INDEX);
    if (cap_is_null(&src->cap))
        return missing_capability(ATOLL_ROTATE_ARG_SRC_INDEX);
    if (cap_is_null(&pivot->cap))
        return missing_capability(ATOLL_ROTATE_ARG_PIVOT_INDEX);
    if (cap_type(&src->cap) == CAP_ZOMBIE || cap_type(&pivot->cap) == CAP_ZOMBIE)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);

    struct cap new_src = cap_update_data(src->cap, words[ATOLL_ROTATE_ARG_PIVOT_DATA], true);
    struct cap new_pivot = cap_update_data(pivot->cap, words[ATOLL_ROTATE_ARG_DEST_DATA], true);
    if (cap_is_null(&new_src) || cap_is_null(&new_pivot))
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    out->src = src;
    out->pivot = pivot;
    out->src_cap = new_src;
    out->pivot_cap = new_pivot;
    return cap_ok();
}

struct atoll_error_detail cnode_decode(uint64_t label, const struct cap *cnode,
                                       const uint64_t *words, size_t length,
                                       struct cap_slot *const *extra_caps, size_t extra_count,
                                       struct cnode_invocation *out)
{
    struct atoll_error_detail e;

    if (label < ATOLL_CNODE_FIRST || label > ATOLL_CNODE_LAST)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    if (length < ATOLL_CNODE_SLOT_ARGS)
        return cap_truncated(ATOLL_CNODE_SLOT_ARGS, 0);

    out->label = (enum atoll_invocation_label)label;
    out->dest = out->src = out->pivot = NULL;
    out->src_cap = out->pivot_cap = cap_null();
    e = lookup_argument(cnode, words, ATOLL_CNODE_ARG_DEST_INDEX, ATOLL_CNODE_ARG_DEST_DEPTH,
                        &out->dest);
    if (cap_failed(&e))
        return e;

    switch (label) {
    case ATOLL_CNODE_REVOKE:
    case ATOLL_CNODE_DELETE:
        /* An empty slot is fine: nothing to do (as in seL4). */
        return cap_ok();
    case ATOLL_CNODE_ROTATE:
        return decode_rotate(words, length, extra_caps, extra_count, out);
    default:
        return decode_transfer(label, words, length, extra_caps, extra_count, out);
    }
}

bool cnode_perform(const struct cnode_invocation *inv)
{
    switch (inv->label) {
    case ATOLL_CNODE_REVOKE:
        return cap_revoke_preemptible(inv->dest);
    case ATOLL_CNODE_DELETE:
        return cap_delete_preemptible(inv->dest);
    case ATOLL_CNODE_COPY:
    case ATOLL_CNODE_MINT:
        cap_insert(inv->src_cap, inv->src, inv->dest);
        break;
    case ATOLL_CNODE_MOVE:
    case ATOLL_CNODE_MUTATE:
        cap_move(inv->src_cap, inv->src, inv->dest);
        break;
    case ATOLL_CNODE_ROTATE:
        if (inv->src == inv->dest) {
            /* A swap: the pivot's capability comes to the source slot. */
            cap_swap(inv->src_cap, inv->src, inv->pivot_cap, inv->pivot);
        } else {
            cap_move(inv->pivot_cap, inv->pivot, inv->dest);
            cap_move(inv->src_cap, inv->src, inv->pivot);
        }
        break;
    default:
        break;
    }
    return true;
}
