/* VCPU objects and VMEnter (ABI: atoll/vcpu.h).
 *
 * A VCPU object is ATOLL_VCPU_SIZE_BITS bytes: its VMCS region (the first
 * page, owned by the CPU) and then struct vcpu. The VMCS is current on a
 * core only inside the kernel, under the kernel lock: VMEnter and the
 * VMCS invocations load it (VMPTRLD) and clear it (VMCLEAR) before they
 * return. So no VMCS is ever active on a core outside the kernel: a VCPU
 * may be deleted, or its TCB moved to another core, without a remote
 * VMCLEAR. The price is a VMLAUNCH (not VMRESUME) on every entry. */
#ifndef ATOLL_VTX_VCPU_H
#define ATOLL_VTX_VCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atoll/vcpu.h"
#include "../kernel/cap/cap.h"
#include "../arch/x86_64/trap.h"

struct tcb;

/* Index of each general register in struct vcpu's array (x86 encoding
 * order, as in the exit message); vmx_entry.asm uses the same offsets. */
enum vcpu_gpr {
    VCPU_RAX = 0,
    VCPU_RCX = 1,
    VCPU_RDX = 2,
    VCPU_RBX = 3,
    VCPU_RSP = 4, /* unused: RSP lives in the VMCS */
    VCPU_RBP = 5,
    VCPU_RSI = 6,
    VCPU_RDI = 7,
    VCPU_R8 = 8,
    VCPU_R15 = 15,
};

struct vcpu {
    uint64_t gprs[ATOLL_VMEXIT_GPRS]; /* first: vmx_entry.asm finds them at offset 0 */
    uint64_t vmcs;                    /* physical address of the VMCS region */
    struct tcb *tcb;                  /* the thread that runs it, or NULL */
    uint64_t guest_space;             /* EPT root (physical), 0: none */
    struct vcpu *next, *prev;         /* every VCPU, for GuestSpace deletion */
    uint64_t host_exits;              /* handled by the kernel since the VMM's last exit */
    uint16_t vpid;                    /* 0 until its first VMEnter */
    bool vmcs_ready;                  /* the VMCS holds the kernel's set-up */
};

/* Decodes and performs a VCPU invocation. */
struct atoll_error_detail vcpu_invoke(struct cap_slot *slot, uint64_t label, const uint64_t *words,
                                      size_t length, struct cap_slot *const *extra,
                                      size_t extra_count, uint64_t *reply, size_t *reply_length);

/* The VMEnter system call of thread `t` (frame `f`): writes the result
 * into `f`, or rewinds the call so that it runs again when the thread
 * returns to user mode (a host interrupt ended the guest's run). */
void vcpu_vmenter(struct tcb *t, struct trap_frame *f);

/* A TCB or GuestSpace is being destroyed: VCPUs let go of it. */
void vcpu_tcb_gone(struct tcb *t);
void vcpu_guest_space_gone(uint64_t root);

/* Installs the VCPU initialise and finalise hooks. */
void vcpu_init(void);

#endif
