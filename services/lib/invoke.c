/* Kernel-object invocations from user space: a Call on a capability with
 * a label, message words and extra capabilities (atoll/invocation.h). */
#include "atoll.h"

static struct atoll_ipc_buffer *ipc_buffer;

void atoll_set_ipc_buffer(struct atoll_ipc_buffer *buffer)
{
    ipc_buffer = buffer;
}

struct atoll_ipc_buffer *atoll_get_ipc_buffer(void)
{
    return ipc_buffer;
}

struct atoll_error_detail atoll_invoke(uint64_t cptr, uint64_t label, const uint64_t *words,
                                       size_t length, const uint64_t *caps, size_t cap_count)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    if (length > ATOLL_MSG_MAX_WORDS)
        length = ATOLL_MSG_MAX_WORDS;
    if (cap_count > ATOLL_MSG_MAX_CAPS)
        cap_count = ATOLL_MSG_MAX_CAPS;
    for (size_t i = 0; i < length; i++) {
        if (i < ATOLL_MSG_REGISTERS)
            mr[i] = words[i];
        else if (ipc_buffer)
            ipc_buffer->msg[i] = words[i];
    }
    for (size_t i = 0; i < cap_count && ipc_buffer; i++)
        ipc_buffer->caps_or_badges[i] = caps[i];
    struct atoll_syscall_result r =
        atoll_syscall(ATOLL_SYS_CALL, cptr, atoll_msginfo(label, length, cap_count), mr);
    struct atoll_error_detail e = {r.error, r.mr[0], r.mr[1], r.mr[2], r.mr[3]};
    return e;
}

struct atoll_error_detail atoll_untyped_retype(uint64_t untyped, uint64_t type, uint64_t size_bits,
                                               uint64_t root, uint64_t node_index,
                                               uint64_t node_depth, uint64_t offset, uint64_t count)
{
    uint64_t w[ATOLL_RETYPE_ARGS];
    w[ATOLL_RETYPE_ARG_TYPE] = type;
    w[ATOLL_RETYPE_ARG_SIZE_BITS] = size_bits;
    w[ATOLL_RETYPE_ARG_NODE_INDEX] = node_index;
    w[ATOLL_RETYPE_ARG_NODE_DEPTH] = node_depth;
    w[ATOLL_RETYPE_ARG_NODE_OFFSET] = offset;
    w[ATOLL_RETYPE_ARG_COUNT] = count;
    return atoll_invoke(untyped, ATOLL_UNTYPED_RETYPE, w, ATOLL_RETYPE_ARGS, &root, 1);
}

struct atoll_error_detail atoll_cnode_slot_op(uint64_t label, uint64_t cnode, uint64_t index,
                                              uint64_t depth)
{
    uint64_t w[ATOLL_CNODE_SLOT_ARGS] = {index, depth};
    return atoll_invoke(cnode, label, w, ATOLL_CNODE_SLOT_ARGS, NULL, 0);
}

struct atoll_error_detail atoll_cnode_copy_op(uint64_t label, uint64_t cnode, uint64_t dest_index,
                                              uint64_t dest_depth, uint64_t src_root,
                                              uint64_t src_index, uint64_t src_depth,
                                              uint64_t rights, uint64_t data)
{
    uint64_t w[ATOLL_CNODE_MINT_ARGS];
    size_t n = ATOLL_CNODE_MOVE_ARGS;
    w[ATOLL_CNODE_ARG_DEST_INDEX] = dest_index;
    w[ATOLL_CNODE_ARG_DEST_DEPTH] = dest_depth;
    w[ATOLL_CNODE_ARG_SRC_INDEX] = src_index;
    w[ATOLL_CNODE_ARG_SRC_DEPTH] = src_depth;
    if (label == ATOLL_CNODE_COPY) {
        w[ATOLL_CNODE_ARG_RIGHTS] = rights;
        n = ATOLL_CNODE_COPY_ARGS;
    } else if (label == ATOLL_CNODE_MINT) {
        w[ATOLL_CNODE_ARG_RIGHTS] = rights;
        w[ATOLL_CNODE_ARG_MINT_DATA] = data;
        n = ATOLL_CNODE_MINT_ARGS;
    } else if (label == ATOLL_CNODE_MUTATE) {
        w[ATOLL_CNODE_ARG_MUTATE_DATA] = data;
        n = ATOLL_CNODE_MUTATE_ARGS;
    }
    return atoll_invoke(cnode, label, w, n, &src_root, 1);
}
