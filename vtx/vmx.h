/* VMX root operation on every core: IA32_FEATURE_CONTROL, the CR0/CR4
 * fixed bits and a VMXON region per core (SDM Vol. 3C 23.7-23.8). The
 * regions come from boot memory: the kernel allocates nothing after
 * boot. If the CPU is unsuitable (vmx_caps.h) or VMXON fails on any core,
 * VT-x stays off everywhere and no VCPU can be created. */
#ifndef ATOLL_VTX_VMX_H
#define ATOLL_VTX_VMX_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx_caps.h"

/* Bootstrap core, after paging and before the APs start: reads and
 * reports the capabilities, and enters VMX operation on this core. */
void vmx_init_bsp(void);
/* Each AP, during its start-up (boot memory is still open). */
void vmx_init_ap(void);
/* After SMP start-up: "vtx: VMXON on N cores", or why VT-x is off. */
void vmx_report_cores(void);
/* VT-x is on in every online core: VCPUs and GuestSpaces may exist. */
bool vmx_usable(void);
const struct vmx_caps *vmx_capabilities(void);

/* The VM-execution, exit and entry controls every VMCS gets, computed at
 * boot from the capability MSRs' allowed-0 and allowed-1 settings (SDM
 * Vol. 3D A.3-A.5): the bits the kernel needs, plus the ones the CPU
 * requires. If a needed bit is not allowed, VT-x stays off. */
struct vmx_controls {
    uint32_t pin, proc, proc2, exit, entry;
    uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
    unsigned preemption_timer_shift; /* with PIN_PREEMPTION_TIMER in `pin` */
    bool nmi_window;                 /* PROC_NMI_WINDOW_EXITING may be set */
};
const struct vmx_controls *vmx_controls(void);

/* EPT and VPID translations. A guest runs inside VMEnter without the
 * kernel lock, so guests on other cores may run while an invocation
 * changes a GuestSpace or a VCPU's bitmaps. vmx_invalidate_guest_translations()
 * flushes this core (INVEPT and INVVPID, all contexts), marks every other
 * core stale and then brings every core that runs a guest out of it
 * (vmx_kick_guests); vmx_flush_if_stale() runs before every VM entry, after
 * the core has said it runs a guest (vmx_guest_running), and flushes a
 * stale core first. Both sides act under the kernel lock, so a change is
 * either seen by the flush before an entry or waits for the exit. */
void vmx_invalidate_guest_translations(void);
void vmx_flush_if_stale(void);
/* This core enters (true, under the kernel lock, before letting go of it)
 * or has left (false, before taking the lock again) guest mode. */
void vmx_guest_running(bool running);
/* Under the kernel lock: sends every other core that runs a guest an IPI
 * (its guest exits on it) and waits until each has left guest mode. */
void vmx_kick_guests(void);
/* Sends `core` an IPI if it runs a guest (its guest exits on it); does
 * not wait. */
void vmx_kick_core(uint32_t core);

/* A VMCS stays active on the core that last ran it (vcpu.c). Before it
 * is used on another core or its memory is freed, that core must VMCLEAR
 * it (SDM Vol. 3C 24.1): vmx_clear_on_core() asks `core` to, and waits.
 * Called with the kernel lock held; the answer comes from
 * vmx_clear_poll(), which every core runs while it spins for the kernel
 * lock (kernel/klock.c), as for TLB shootdowns (arch/x86_64/tlb.c
 * explains why that cannot deadlock). */
void vmx_clear_on_core(uint32_t core, uint64_t vmcs);
void vmx_clear_poll(void);

#endif
