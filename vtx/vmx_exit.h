/* VM-exit reasons and exit-qualification formats (SDM Vol. 3C 27.2,
 * Vol. 3D appendix C). The basic reason is the low 16 bits of the exit
 * reason field; bit 31 marks a failed VM entry. The numbers are part of
 * the ABI too: the VMM receives them unchanged (atoll/vcpu.h). */
#ifndef ATOLL_VTX_VMX_EXIT_H
#define ATOLL_VTX_VMX_EXIT_H

#define VMX_EXIT_REASON_BASIC_MASK 0xffffu
#define VMX_EXIT_REASON_ENTRY_FAIL (1u << 31)

enum vmx_exit_reason {
    VMX_EXIT_EXCEPTION_NMI = 0,
    VMX_EXIT_EXTERNAL_INTERRUPT = 1,
    VMX_EXIT_TRIPLE_FAULT = 2,
    VMX_EXIT_INIT = 3,
    VMX_EXIT_SIPI = 4,
    VMX_EXIT_IO_SMI = 5,
    VMX_EXIT_OTHER_SMI = 6,
    VMX_EXIT_INTERRUPT_WINDOW = 7,
    VMX_EXIT_NMI_WINDOW = 8,
    VMX_EXIT_TASK_SWITCH = 9,
    VMX_EXIT_CPUID = 10,
    VMX_EXIT_GETSEC = 11,
    VMX_EXIT_HLT = 12,
    VMX_EXIT_INVD = 13,
    VMX_EXIT_INVLPG = 14,
    VMX_EXIT_RDPMC = 15,
    VMX_EXIT_RDTSC = 16,
    VMX_EXIT_RSM = 17,
    VMX_EXIT_VMCALL = 18,
    VMX_EXIT_VMCLEAR = 19,
    VMX_EXIT_VMLAUNCH = 20,
    VMX_EXIT_VMPTRLD = 21,
    VMX_EXIT_VMPTRST = 22,
    VMX_EXIT_VMREAD = 23,
    VMX_EXIT_VMRESUME = 24,
    VMX_EXIT_VMWRITE = 25,
    VMX_EXIT_VMXOFF = 26,
    VMX_EXIT_VMXON = 27,
    VMX_EXIT_CR_ACCESS = 28,
    VMX_EXIT_DR_ACCESS = 29,
    VMX_EXIT_IO = 30,
    VMX_EXIT_RDMSR = 31,
    VMX_EXIT_WRMSR = 32,
    VMX_EXIT_INVALID_GUEST_STATE = 33,
    VMX_EXIT_MSR_LOADING = 34,
    VMX_EXIT_MWAIT = 36,
    VMX_EXIT_MONITOR_TRAP_FLAG = 37,
    VMX_EXIT_MONITOR = 39,
    VMX_EXIT_PAUSE = 40,
    VMX_EXIT_MACHINE_CHECK = 41,
    VMX_EXIT_TPR_BELOW_THRESHOLD = 43,
    VMX_EXIT_APIC_ACCESS = 44,
    VMX_EXIT_VIRTUALIZED_EOI = 45,
    VMX_EXIT_GDTR_IDTR = 46,
    VMX_EXIT_LDTR_TR = 47,
    VMX_EXIT_EPT_VIOLATION = 48,
    VMX_EXIT_EPT_MISCONFIG = 49,
    VMX_EXIT_INVEPT = 50,
    VMX_EXIT_RDTSCP = 51,
    VMX_EXIT_PREEMPTION_TIMER = 52,
    VMX_EXIT_INVVPID = 53,
    VMX_EXIT_WBINVD = 54,
    VMX_EXIT_XSETBV = 55,
    VMX_EXIT_APIC_WRITE = 56,
    VMX_EXIT_RDRAND = 57,
    VMX_EXIT_INVPCID = 58,
    VMX_EXIT_VMFUNC = 59,
};

/* I/O instruction qualification (table 27-5) */
#define VMX_IO_SIZE_MASK    0x7u /* access size - 1 */
#define VMX_IO_DIRECTION_IN (1u << 3)
#define VMX_IO_STRING       (1u << 4)
#define VMX_IO_REP          (1u << 5)
#define VMX_IO_IMMEDIATE    (1u << 6)
#define VMX_IO_PORT_SHIFT   16

/* EPT violation qualification (table 27-7) */
#define VMX_EPT_ACCESS_READ       (1u << 0)
#define VMX_EPT_ACCESS_WRITE      (1u << 1)
#define VMX_EPT_ACCESS_FETCH      (1u << 2)
#define VMX_EPT_ENTRY_READABLE    (1u << 3)
#define VMX_EPT_ENTRY_WRITABLE    (1u << 4)
#define VMX_EPT_ENTRY_EXECUTABLE  (1u << 5)
#define VMX_EPT_LINEAR_VALID      (1u << 7)
#define VMX_EPT_LINEAR_TRANSLATED (1u << 8)

/* VM-instruction error numbers worth naming (SDM Vol. 3C 30.4) */
#define VMX_ERROR_ENTRY_INVALID_CONTROLS   7
#define VMX_ERROR_ENTRY_INVALID_HOST_STATE 8

#endif
