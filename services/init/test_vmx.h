/* What the two VT-x test groups share (services/init/test_vmx.c and
 * test_vmx2.c): slots and objects from the group's own untyped, error
 * checks, the TSC, and a VMM thread on another core. */
#ifndef ATOLL_INIT_TEST_VMX_H
#define ATOLL_INIT_TEST_VMX_H

#include <stdbool.h>
#include <stdint.h>

#include "atoll.h"

#define VMX_ROOT  ATOLL_SLOT_ROOT_CNODE
#define VMX_DEPTH 64

/* Root-CNode slots [bi->empty_first + from, + count) and an untyped of
 * 2^ut_bits bytes carved into the first of them, for the calls below.
 * False (and a failed test `name`) if there is no room. */
bool vmx_slots_begin(const struct atoll_bootinfo *bi, uint64_t from, uint64_t count,
                     uint64_t ut_bits, const char *name);
uint64_t vmx_untyped(void);
uint64_t vmx_slot(void); /* the next free slot, 0 when none is left */
struct atoll_error_detail vmx_make(uint64_t type, uint64_t *dest);
struct atoll_error_detail vmx_copy_cap(uint64_t dest, uint64_t src);
struct atoll_error_detail vmx_delete_cap(uint64_t s);

void vmx_expect_error(const char *name, struct atoll_error_detail e, uint64_t code,
                      uint64_t argument);
void vmx_expect_vmenter_failure(const char *name, struct atoll_error_detail e, uint64_t why);
/* The call worked and the exit message (init's IPC buffer) has `reason`
 * at `rip`. */
bool vmx_expect_exit(const char *name, struct atoll_error_detail e, uint64_t reason, uint64_t rip);
/* The calling thread's IPC buffer words (the exit message). */
uint64_t *vmx_msg(void);
uint64_t vmx_tsc(void);
void vmx_yield(void);

/* images/guests/report.asm, copied to guest-physical VMX_REPORT_GPA, run
 * to its HLT with the calling thread's VCPU as the UART it writes to: the
 * exits taken; the message in `out`; *unexpected if the guest did
 * anything else or did not end with HLT. */
#define VMX_REPORT_GPA      UINT64_C(0x1800) /* report.asm's REPORT_GPA */
#define VMX_REPORT_MAX      64
#define VMX_REPORT_EXPECTED "hello from the guest"
extern const uint8_t guest_report_start[], guest_report_end[];
unsigned vmx_run_report_guest(struct atoll_ipc_buffer *buf, char out[VMX_REPORT_MAX],
                              bool *unexpected);

/* Starts `entry(arg)` as a thread of init on `core` at `priority` with
 * its own IPC buffer at `ipc_va` (a page the caller's page tables cover)
 * and stack below `stack_top`; *tcb and *ipc are its TCB and IPC-buffer
 * frame. Above init's priority on init's core it runs at once, before
 * its IPC buffer is set: there it must wait at init's priority. */
#define VMX_ROOT_PRIORITY 128 /* init's (kernel/boot_root.c) */
bool vmx_start_thread(uint64_t core, uint8_t priority, uint64_t ipc_va, void (*entry)(uint64_t),
                      uint64_t arg, void *stack_top, uint64_t *tcb, uint64_t *ipc);

#endif
