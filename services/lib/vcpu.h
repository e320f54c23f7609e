/* User wrappers of the VT-x invocations and VMEnter (ABI and errors in
 * atoll/vcpu.h). Capability arguments are capability pointers in the
 * caller's CSpace. */
#ifndef ATOLL_USER_VCPU_H
#define ATOLL_USER_VCPU_H

#include <stdbool.h>

#include "atoll.h"
#include "atoll/vcpu.h"

struct atoll_error_detail atoll_vcpu_bind_tcb(uint64_t vcpu, uint64_t tcb);
struct atoll_error_detail atoll_vcpu_set_guest_space(uint64_t vcpu, uint64_t guest_space);
/* The value is in *value (0 on error). */
struct atoll_error_detail atoll_vcpu_read_vmcs(uint64_t vcpu, uint64_t field, uint64_t *value);
struct atoll_error_detail atoll_vcpu_write_vmcs(uint64_t vcpu, uint64_t field, uint64_t value);

/* Ports [first, last] pass to the guest (`ioport`: an IOPort capability
 * for them) or exit again (`ioport` unused). */
struct atoll_error_detail atoll_vcpu_set_io_ports(uint64_t vcpu, uint64_t first, uint64_t last,
                                                  bool pass, uint64_t ioport);
/* MSRs [first, last]: the accesses in `access` (ATOLL_VCPU_MSR_READ,
 * _WRITE) pass, the others exit. */
struct atoll_error_detail atoll_vcpu_set_msrs(uint64_t vcpu, uint64_t first, uint64_t last,
                                              uint64_t access);

struct atoll_error_detail atoll_guest_space_map_frame(uint64_t guest_space, uint64_t frame,
                                                      uint64_t gpa, uint64_t rights,
                                                      uint64_t attributes);
struct atoll_error_detail atoll_guest_space_unmap_frame(uint64_t guest_space, uint64_t frame);
struct atoll_error_detail atoll_guest_space_map_table(uint64_t guest_space, uint64_t table,
                                                      uint64_t gpa);

/* VMEnter. With `load_state`, the kernel first loads RIP, RFLAGS and the
 * general registers from the IPC buffer's exit-message words (as the last
 * exit left them, changed by the caller). The exit message is in the IPC
 * buffer's msg[0, ATOLL_VMEXIT_WORDS) when the result's error is 0; else
 * the error detail. */
struct atoll_error_detail atoll_vmenter(bool load_state);
/* The same with enum atoll_vmenter_flag flags for this run. */
struct atoll_error_detail atoll_vmenter_flags(bool load_state, uint64_t flags);
/* The same for a thread whose IPC buffer is `buf`, not the one the
 * library knows (another thread of the same program). */
struct atoll_error_detail atoll_vmenter_on(struct atoll_ipc_buffer *buf, bool load_state,
                                           uint64_t flags);

#endif
