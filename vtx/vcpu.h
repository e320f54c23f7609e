/* VCPU objects and VMEnter (ABI: atoll/vcpu.h).
 *
 * A VCPU object is ATOLL_VCPU_SIZE_BITS bytes, one page each (enum
 * vcpu_page): its VMCS region (owned by the CPU), struct vcpu with the
 * guest's FPU/XSAVE area, the MSR bitmap and I/O bitmaps A and B; the
 * rest is unused. The bitmaps are the kernel's, not frames of the VMM:
 * the kernel decides which MSRs may pass (vmcs_policy.c) and lets ports
 * through only against an IOPort capability, and a VMM that could write
 * the bitmap pages would bypass both. The VMCS stays active on
 * the core that last used it, so that the next entry there is a VMRESUME
 * with only the changing host state rewritten. Used on another core (its
 * thread moved, or a VMCS invocation came from elsewhere) or deleted, it
 * is first VMCLEARed by the core that holds it (vmx_clear_on_core). */
#ifndef ATOLL_VTX_VCPU_H
#define ATOLL_VTX_VCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atoll/vcpu.h"
#include "../kernel/cap/cap.h"
#include "../arch/x86_64/cpu_features.h"
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

enum vcpu_page {
    VCPU_PAGE_VMCS = 0,
    VCPU_PAGE_STRUCT = 1,
    VCPU_PAGE_MSR_BITMAP = 2,
    VCPU_PAGE_IO_BITMAP_A = 3,
    VCPU_PAGE_IO_BITMAP_B = 4,
    VCPU_PAGES_USED = 5,
};

struct vcpu {
    uint64_t gprs[ATOLL_VMEXIT_GPRS]; /* first: vmx_entry.asm finds them at offset 0 */
    uint64_t vmcs;                    /* physical address of the VMCS region */
    struct tcb *tcb;                  /* the thread that runs it, or NULL */
    uint64_t guest_space;             /* EPT root (physical), 0: none */
    struct vcpu *next, *prev;         /* every VCPU, for GuestSpace deletion */
    uint64_t host_exits;              /* handled by the kernel since the VMM's last exit */
    uint32_t active_on;               /* core index + 1 where the VMCS is active, 0: none */
    uint32_t host_core;               /* core index + 1 whose host state the VMCS holds */
    uint16_t vpid;                    /* 0 until its first VMEnter */
    bool vmcs_ready;                  /* the VMCS holds the kernel's set-up */
    bool launched;                    /* VMRESUME, not VMLAUNCH (SDM Vol. 3C 24.11.3) */
    uint32_t proc;                    /* the processor-based controls in the VMCS */
    /* The guest's x87/SSE/AVX state while the VMM thread runs; the VMM's
     * own is in its TCB while the guest runs (vcpu_vmenter). */
    _Alignas(64) uint8_t guest_fpu[FPU_AREA_MAX];
};

/* Decodes and performs a VCPU invocation. */
struct atoll_error_detail vcpu_invoke(struct cap_slot *slot, uint64_t label, const uint64_t *words,
                                      size_t length, struct cap_slot *const *extra,
                                      size_t extra_count, uint64_t *reply, size_t *reply_length);

/* The VMEnter system call of thread `t` (frame `f`): writes the result
 * into `f`, or rewinds the call so that it runs again when the thread
 * returns to user mode (a host interrupt ended the guest's run). */
void vcpu_vmenter(struct tcb *t, struct trap_frame *f);

/* The last capability to the I/O ports [first, last] is gone: no VCPU
 * lets them through any more. */
void vcpu_io_ports_revoked(uint32_t first, uint32_t last);

/* A TCB or GuestSpace is being destroyed: VCPUs let go of it. */
void vcpu_tcb_gone(struct tcb *t);
void vcpu_guest_space_gone(uint64_t root);

/* Installs the VCPU initialise and finalise hooks. */
void vcpu_init(void);

/* A signal that aborts `t`'s VMEnter arrived (kernel/ipc.c): if its guest
 * runs on another core, that core is kicked out of it at once, so the
 * VMM hears of the signal now, not at the next tick. */
void vcpu_signal_arrived(struct tcb *t);

#endif
