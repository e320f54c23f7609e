/* VT-x objects and the VMEnter system call, shared by kernel and user
 * space (issue 7; docs/kernel.md, "VT-x"). The values are ABI: never
 * renumber, only append.
 *
 * A VCPU (ATOLL_OBJECT_VCPU) is one virtual CPU: a VMCS and the guest's
 * general registers. It is bound to one TCB, the VMM thread that runs it
 * with VMEnter on that thread's core, and to one GuestSpace, the guest's
 * physical memory. A GuestSpace (ATOLL_OBJECT_GUEST_SPACE) is the root of
 * a four-level EPT; EPT_PDPT, EPT_PD and EPT_PT objects are its lower
 * levels, installed one at a time as page tables are in a VSpace. Frames
 * the VMM owns are mapped into it at guest-physical addresses: 4 KiB
 * frames into an EPT_PT, 2 MiB frames into an EPT_PD.
 *
 * Untyped_Retype refuses all four types (INVALID_ARGUMENT, argument
 * ATOLL_RETYPE_ARG_TYPE) when the kernel runs without VT-x (the boot
 * information's ATOLL_BOOTINFO_FEATURE_VMX is clear). */
#ifndef ATOLL_ABI_VCPU_H
#define ATOLL_ABI_VCPU_H

#include <stdint.h>

#include "invocation.h"

/* ---- VCPU invocations (block ATOLL_VCPU_FIRST) */
enum atoll_vcpu_label {
    /* Extra capability 0: the TCB that will run this VCPU. A VCPU has one
     * TCB and a TCB one VCPU: binding ends both previous bindings.
     * INVALID_CAPABILITY 0 if it is not a TCB. */
    ATOLL_VCPU_BIND_TCB = ATOLL_VCPU_FIRST + 0,
    /* Extra capability 0: the GuestSpace the guest runs in.
     * INVALID_CAPABILITY 0 if it is not a GuestSpace. */
    ATOLL_VCPU_SET_GUEST_SPACE = ATOLL_VCPU_FIRST + 1,
    /* words: field encoding (SDM Vol. 3D appendix B). Reply word 0: its
     * value. Readable: the guest-state fields, the exit-information
     * fields, the event-injection fields, the exception bitmap, the
     * CR0/CR4 masks and read shadows and the TSC offset (added to the TSC
     * the guest reads; 0 at first). INVALID_ARGUMENT 0 for any other
     * field (host state and execution controls are never readable or
     * writable). */
    ATOLL_VCPU_READ_VMCS = ATOLL_VCPU_FIRST + 2,
    /* words: field encoding, value. Writable: the readable fields except
     * the exit information and the VMCS link pointer. The exception
     * bitmap always keeps #MC (machine checks belong to the kernel). A
     * guest state that VM entry rejects comes back from VMEnter as an
     * exit with ATOLL_VMEXIT_ENTRY_FAILED set, never as a kernel error. */
    ATOLL_VCPU_WRITE_VMCS = ATOLL_VCPU_FIRST + 3,
    /* I/O ports the guest reaches without an exit. A new VCPU lets none
     * through: every IN, OUT, INS and OUTS exits (an access wider than a
     * byte exits unless all its ports pass). words: first port, last port,
     * pass (ATOLL_VCPU_PASS to let the range through, 0 to make it exit
     * again). Letting through needs extra capability 0: an IOPort
     * capability whose range holds [first, last] (the VMM may only give
     * its guest ports it may use itself); when the last capability to
     * that range is deleted, every VCPU exits on those ports again.
     * Errors: TRUNCATED_MESSAGE; RANGE_ERROR FIRST/LAST (value0, value1:
     * the allowed bounds) for a port above 0xffff or last < first;
     * INVALID_ARGUMENT PASS for another value; INVALID_CAPABILITY 0 for no
     * IOPort capability or one whose range does not hold the ports. */
    ATOLL_VCPU_SET_IO_PORTS = ATOLL_VCPU_FIRST + 4,
    /* MSRs the guest reads or writes without an exit. A new VCPU lets none
     * through. words: first MSR, last MSR (both in 0-0x1fff or both in
     * 0xc0000000-0xc0001fff, the ranges the MSR bitmap covers; others
     * always exit), access (ATOLL_VCPU_MSR_READ | ATOLL_VCPU_MSR_WRITE
     * pass, the rest exits again; 0: every access exits). Only MSRs whose
     * guest value lives in the VMCS, so that the host's is back before the
     * kernel runs (IA32_SYSENTER_CS/ESP/EIP, IA32_FS_BASE, IA32_GS_BASE),
     * may pass, and IA32_TSC for reading; everything else (EFER, STAR,
     * LSTAR, FMASK, KERNEL_GS_BASE, PAT, DEBUGCTL, APIC base and x2APIC,
     * FEATURE_CONTROL, the VMX MSRs, SPEC_CTRL, ...) is refused:
     * ILLEGAL_OPERATION ACCESS, value0 the first MSR of the range that may
     * not pass. Other errors: TRUNCATED_MESSAGE; RANGE_ERROR FIRST/LAST
     * (value0, value1: the bounds of the covered range) for a range the
     * bitmap does not cover; INVALID_ARGUMENT ACCESS for unknown bits. */
    ATOLL_VCPU_SET_MSRS = ATOLL_VCPU_FIRST + 5,
};

enum atoll_vcpu_argument {
    ATOLL_VCPU_ARG_FIELD = 0,
    ATOLL_VCPU_ARG_VALUE = 1,
    ATOLL_VCPU_READ_VMCS_ARGS = 1,
    ATOLL_VCPU_WRITE_VMCS_ARGS = 2,
    ATOLL_VCPU_ARG_FIRST = 0,
    ATOLL_VCPU_ARG_LAST = 1,
    ATOLL_VCPU_ARG_PASS = 2,   /* SetIOPorts: 0 or ATOLL_VCPU_PASS */
    ATOLL_VCPU_ARG_ACCESS = 2, /* SetMSRs: ATOLL_VCPU_MSR_READ | _WRITE */
    ATOLL_VCPU_SET_IO_PORTS_ARGS = 3,
    ATOLL_VCPU_SET_MSRS_ARGS = 3,
};
#define ATOLL_VCPU_BIND_EXTRA_CAPS 1
#define ATOLL_VCPU_PASS            1
#define ATOLL_VCPU_MSR_READ        1
#define ATOLL_VCPU_MSR_WRITE       2

/* ---- GuestSpace invocations (block ATOLL_GUEST_SPACE_FIRST). Errors
 * mirror the VSpace ones (atoll/invocation.h): ALIGNMENT_ERROR for a
 * misaligned address, FAILED_LOOKUP (MISSING_CAPABILITY; value1 39, 30 or
 * 21: the level without a table) when a table on the way is missing,
 * DELETE_FIRST (value0: the address) when the entry is in use,
 * NOT_ENOUGH_MEMORY when every GuestSpace id is taken. Unmapping (and
 * deleting a mapped frame or EPT table capability) invalidates the EPT
 * translations (INVEPT) before the invocation returns. */
#define ATOLL_GUEST_ADDR_END (UINT64_C(1) << 48) /* four-level EPT */

enum atoll_guest_space_label {
    /* words: guest-physical address, rights (ATOLL_RIGHT_READ/WRITE;
     * READ is required), attributes (ATOLL_VM_EXECUTABLE,
     * ATOLL_VM_UNCACHED: write-back memory type unless uncached or a
     * device frame). Extra capability 0: a 4 KiB or 2 MiB frame that is
     * not mapped anywhere (INVALID_CAPABILITY 0 otherwise; 1 GiB frames:
     * ILLEGAL_OPERATION). */
    ATOLL_GUEST_SPACE_MAP_FRAME = ATOLL_GUEST_SPACE_FIRST + 0,
    /* Extra capability 0: a frame mapped in this GuestSpace (an unmapped
     * one is left alone; INVALID_CAPABILITY 0 if it is mapped elsewhere). */
    ATOLL_GUEST_SPACE_UNMAP_FRAME = ATOLL_GUEST_SPACE_FIRST + 1,
    /* words: guest-physical address (rounded down to what the table
     * covers). Extra capability 0: an unmapped EPT_PDPT, EPT_PD or EPT_PT
     * (ILLEGAL_OPERATION if it is mapped). Deleting its last capability
     * unmaps it. */
    ATOLL_GUEST_SPACE_MAP_TABLE = ATOLL_GUEST_SPACE_FIRST + 2,
};

enum atoll_guest_space_argument {
    ATOLL_GUEST_SPACE_ARG_GPA = 0,
    ATOLL_GUEST_SPACE_ARG_RIGHTS = 1,
    ATOLL_GUEST_SPACE_ARG_ATTRIBUTES = 2,
    ATOLL_GUEST_SPACE_MAP_FRAME_ARGS = 3,
    ATOLL_GUEST_SPACE_MAP_TABLE_ARGS = 1,
};
#define ATOLL_GUEST_SPACE_EXTRA_CAPS 1

/* ---- VMEnter (ATOLL_SYS_VMENTER; no capability: it runs the calling
 * thread's VCPU). In: the message info (rsi) has length 0 to resume the
 * guest as it stopped, or at least ATOLL_VMEXIT_WORDS to first load RIP,
 * RFLAGS and the general registers from the IPC buffer words
 * [ATOLL_VMEXIT_RIP, ATOLL_VMEXIT_R15] (RFLAGS: reserved bits are
 * forced). Out, after an exit the kernel does not handle itself: rax
 * ATOLL_OK and ATOLL_VMEXIT_WORDS words (the first four in registers as
 * for any message, all of them in the IPC buffer), so that the VMM can
 * change what it needs and VMEnter again with the same buffer. The
 * message label holds flags for this run (enum atoll_vmenter_flag).
 * Errors (rax, detail in the message registers as for invocations):
 *   ILLEGAL_OPERATION  value0 one of enum atoll_vmenter_failure
 *   TRUNCATED_MESSAGE  a length between 1 and ATOLL_VMEXIT_WORDS - 1
 *   INVALID_ARGUMENT   0, value0: the label bits that are no flag
 *   IPC_ABORTED        value0 (and rdi): the bits of the thread's abort
 *                      mask pending on its bound notification (they are
 *                      consumed): checked at each entry, and a run ends
 *                      within a tick, so a signal reaches a VMM whose
 *                      guest never exits. The buffer holds the guest's
 *                      last state; VMEnter with length 0 resumes it.
 *   NOT_ENOUGH_MEMORY  every VPID is taken */
enum atoll_vmexit_word {
    ATOLL_VMEXIT_REASON = 0, /* SDM exit reason: basic reason in bits 15:0 */
    ATOLL_VMEXIT_QUALIFICATION = 1,
    ATOLL_VMEXIT_GUEST_PHYSICAL = 2, /* EPT violations and misconfigurations */
    ATOLL_VMEXIT_GUEST_LINEAR = 3,
    ATOLL_VMEXIT_INSTRUCTION_LENGTH = 4,
    ATOLL_VMEXIT_INSTRUCTION_INFO = 5,
    ATOLL_VMEXIT_INTERRUPTIBILITY = 6,
    ATOLL_VMEXIT_INTERRUPTION_INFO = 7,
    ATOLL_VMEXIT_INTERRUPTION_ERROR = 8,
    ATOLL_VMEXIT_RIP = 9,
    ATOLL_VMEXIT_RFLAGS = 10,
    /* The general registers in the order of their x86 encoding. */
    ATOLL_VMEXIT_RAX = 11,
    ATOLL_VMEXIT_RCX = 12,
    ATOLL_VMEXIT_RDX = 13,
    ATOLL_VMEXIT_RBX = 14,
    ATOLL_VMEXIT_RSP = 15,
    ATOLL_VMEXIT_RBP = 16,
    ATOLL_VMEXIT_RSI = 17,
    ATOLL_VMEXIT_RDI = 18,
    ATOLL_VMEXIT_R8 = 19,
    ATOLL_VMEXIT_R15 = 26,
    /* Exits the kernel handled itself (host interrupts, NMIs, the
     * preemption timer) since VMEnter last returned to the VMM. */
    ATOLL_VMEXIT_HOST_EXITS = 27,
    ATOLL_VMEXIT_WORDS = 28,
};
#define ATOLL_VMEXIT_GPRS         16
#define ATOLL_VMEXIT_ENTRY_FAILED (UINT64_C(1) << 31) /* in ATOLL_VMEXIT_REASON */

enum atoll_vmenter_failure {
    ATOLL_VMENTER_NO_VCPU = 1,        /* the thread has no VCPU (or VT-x is off) */
    ATOLL_VMENTER_NO_GUEST_SPACE = 2, /* the VCPU has no GuestSpace */
    ATOLL_VMENTER_NO_IPC_BUFFER = 3,  /* the thread has no IPC buffer */
    ATOLL_VMENTER_VMX_FAILED = 4,     /* VM entry failed; value1: VM-instruction error */
    ATOLL_VMENTER_NO_NMI_WINDOW = 5,  /* the CPU has no NMI-window exiting */
};

enum atoll_vmenter_flag {
    /* Exit (reason 7) as soon as the guest can take an external interrupt
     * (RFLAGS.IF set, no STI or MOV SS blocking): then the VMM injects. */
    ATOLL_VMENTER_INTERRUPT_WINDOW = 1,
    /* Exit (reason 8) as soon as the guest can take an NMI. */
    ATOLL_VMENTER_NMI_WINDOW = 2,
    /* Return to the VMM after an exit the kernel handled (host interrupt,
     * NMI, the preemption timer: reason 1, 0 or 52; the guest resumes
     * where it stopped) instead of resuming the guest: the VMM gets
     * control back at least once a tick, also from a guest that never
     * exits. */
    ATOLL_VMENTER_RETURN_HOST_EXITS = 4,
    ATOLL_VMENTER_FLAGS = 7,
};

#endif
