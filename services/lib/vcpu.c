/* VT-x invocations and VMEnter; see vcpu.h. */
#include "vcpu.h"

struct atoll_error_detail atoll_vcpu_bind_tcb(uint64_t vcpu, uint64_t tcb)
{
    return atoll_invoke(vcpu, ATOLL_VCPU_BIND_TCB, NULL, 0, &tcb, 1);
}

struct atoll_error_detail atoll_vcpu_set_guest_space(uint64_t vcpu, uint64_t guest_space)
{
    return atoll_invoke(vcpu, ATOLL_VCPU_SET_GUEST_SPACE, NULL, 0, &guest_space, 1);
}

/* The reply word comes back where atoll_invoke puts message register 0. */
struct atoll_error_detail atoll_vcpu_read_vmcs(uint64_t vcpu, uint64_t field, uint64_t *value)
{
    struct atoll_error_detail e =
        atoll_invoke(vcpu, ATOLL_VCPU_READ_VMCS, &field, ATOLL_VCPU_READ_VMCS_ARGS, NULL, 0);
    *value = e.code == ATOLL_OK ? e.argument : 0;
    return e;
}

struct atoll_error_detail atoll_vcpu_write_vmcs(uint64_t vcpu, uint64_t field, uint64_t value)
{
    uint64_t w[ATOLL_VCPU_WRITE_VMCS_ARGS];
    w[ATOLL_VCPU_ARG_FIELD] = field;
    w[ATOLL_VCPU_ARG_VALUE] = value;
    return atoll_invoke(vcpu, ATOLL_VCPU_WRITE_VMCS, w, ATOLL_VCPU_WRITE_VMCS_ARGS, NULL, 0);
}

struct atoll_error_detail atoll_vcpu_set_io_ports(uint64_t vcpu, uint64_t first, uint64_t last,
                                                  bool pass, uint64_t ioport)
{
    uint64_t w[ATOLL_VCPU_SET_IO_PORTS_ARGS];
    w[ATOLL_VCPU_ARG_FIRST] = first;
    w[ATOLL_VCPU_ARG_LAST] = last;
    w[ATOLL_VCPU_ARG_PASS] = pass ? ATOLL_VCPU_PASS : 0;
    return atoll_invoke(vcpu, ATOLL_VCPU_SET_IO_PORTS, w, ATOLL_VCPU_SET_IO_PORTS_ARGS, &ioport,
                        pass ? 1 : 0);
}

struct atoll_error_detail atoll_vcpu_set_msrs(uint64_t vcpu, uint64_t first, uint64_t last,
                                              uint64_t access)
{
    uint64_t w[ATOLL_VCPU_SET_MSRS_ARGS];
    w[ATOLL_VCPU_ARG_FIRST] = first;
    w[ATOLL_VCPU_ARG_LAST] = last;
    w[ATOLL_VCPU_ARG_ACCESS] = access;
    return atoll_invoke(vcpu, ATOLL_VCPU_SET_MSRS, w, ATOLL_VCPU_SET_MSRS_ARGS, NULL, 0);
}

struct atoll_error_detail atoll_guest_space_map_frame(uint64_t guest_space, uint64_t frame,
                                                      uint64_t gpa, uint64_t rights,
                                                      uint64_t attributes)
{
    uint64_t w[ATOLL_GUEST_SPACE_MAP_FRAME_ARGS];
    w[ATOLL_GUEST_SPACE_ARG_GPA] = gpa;
    w[ATOLL_GUEST_SPACE_ARG_RIGHTS] = rights;
    w[ATOLL_GUEST_SPACE_ARG_ATTRIBUTES] = attributes;
    return atoll_invoke(guest_space, ATOLL_GUEST_SPACE_MAP_FRAME, w,
                        ATOLL_GUEST_SPACE_MAP_FRAME_ARGS, &frame, 1);
}

struct atoll_error_detail atoll_guest_space_unmap_frame(uint64_t guest_space, uint64_t frame)
{
    return atoll_invoke(guest_space, ATOLL_GUEST_SPACE_UNMAP_FRAME, NULL, 0, &frame, 1);
}

struct atoll_error_detail atoll_guest_space_map_table(uint64_t guest_space, uint64_t table,
                                                      uint64_t gpa)
{
    return atoll_invoke(guest_space, ATOLL_GUEST_SPACE_MAP_TABLE, &gpa,
                        ATOLL_GUEST_SPACE_MAP_TABLE_ARGS, &table, 1);
}

struct atoll_error_detail atoll_vmenter(bool load_state)
{
    return atoll_vmenter_flags(load_state, 0);
}

struct atoll_error_detail atoll_vmenter_flags(bool load_state, uint64_t flags)
{
    return atoll_vmenter_on(atoll_get_ipc_buffer(), load_state, flags);
}

struct atoll_error_detail atoll_vmenter_on(struct atoll_ipc_buffer *buf, bool load_state,
                                           uint64_t flags)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    uint64_t length = load_state ? ATOLL_VMEXIT_WORDS : 0;
    if (buf)
        for (unsigned i = 0; i < ATOLL_MSG_REGISTERS; i++)
            mr[i] = buf->msg[i];
    struct atoll_syscall_result r =
        atoll_syscall(ATOLL_SYS_VMENTER, 0, atoll_msginfo(flags, length, 0), mr);
    struct atoll_error_detail e = {r.error, r.mr[0], r.mr[1], r.mr[2], r.mr[3]};
    return e;
}
