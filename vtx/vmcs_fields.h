/* VMCS field encodings and the bits of the VMX controls, guest-state
 * fields and EPT entries the kernel sets (SDM Vol. 3C ch. 24 and 25,
 * Vol. 3D appendix B). One name per hardware number: nothing in vtx/
 * writes a bare encoding. */
#ifndef ATOLL_VTX_VMCS_FIELDS_H
#define ATOLL_VTX_VMCS_FIELDS_H

/* ---- 16-bit fields (B.1) */
#define VMCS_VPID           0x0000u
#define VMCS_GUEST_ES_SEL   0x0800u
#define VMCS_GUEST_CS_SEL   0x0802u
#define VMCS_GUEST_SS_SEL   0x0804u
#define VMCS_GUEST_DS_SEL   0x0806u
#define VMCS_GUEST_FS_SEL   0x0808u
#define VMCS_GUEST_GS_SEL   0x080au
#define VMCS_GUEST_LDTR_SEL 0x080cu
#define VMCS_GUEST_TR_SEL   0x080eu
#define VMCS_HOST_ES_SEL    0x0c00u
#define VMCS_HOST_CS_SEL    0x0c02u
#define VMCS_HOST_SS_SEL    0x0c04u
#define VMCS_HOST_DS_SEL    0x0c06u
#define VMCS_HOST_FS_SEL    0x0c08u
#define VMCS_HOST_GS_SEL    0x0c0au
#define VMCS_HOST_TR_SEL    0x0c0cu

/* ---- 64-bit fields (B.2) */
#define VMCS_IO_BITMAP_A         0x2000u
#define VMCS_IO_BITMAP_B         0x2002u
#define VMCS_MSR_BITMAP          0x2004u
#define VMCS_TSC_OFFSET          0x2010u
#define VMCS_EPT_POINTER         0x201au
#define VMCS_GUEST_PHYSICAL_ADDR 0x2400u
#define VMCS_LINK_POINTER        0x2800u
#define VMCS_GUEST_DEBUGCTL      0x2802u
#define VMCS_GUEST_PAT           0x2804u
#define VMCS_GUEST_EFER          0x2806u
#define VMCS_GUEST_PDPTE0        0x280au
#define VMCS_GUEST_PDPTE1        0x280cu
#define VMCS_GUEST_PDPTE2        0x280eu
#define VMCS_GUEST_PDPTE3        0x2810u
#define VMCS_HOST_PAT            0x2c00u
#define VMCS_HOST_EFER           0x2c02u

/* ---- 32-bit fields (B.3) */
#define VMCS_PIN_CONTROLS           0x4000u
#define VMCS_PROC_CONTROLS          0x4002u
#define VMCS_EXCEPTION_BITMAP       0x4004u
#define VMCS_PF_ERROR_MASK          0x4006u
#define VMCS_PF_ERROR_MATCH         0x4008u
#define VMCS_CR3_TARGET_COUNT       0x400au
#define VMCS_EXIT_CONTROLS          0x400cu
#define VMCS_EXIT_MSR_STORE_COUNT   0x400eu
#define VMCS_EXIT_MSR_LOAD_COUNT    0x4010u
#define VMCS_ENTRY_CONTROLS         0x4012u
#define VMCS_ENTRY_MSR_LOAD_COUNT   0x4014u
#define VMCS_ENTRY_INTR_INFO        0x4016u
#define VMCS_ENTRY_EXCEPTION_ERROR  0x4018u
#define VMCS_ENTRY_INSTRUCTION_LEN  0x401au
#define VMCS_PROC2_CONTROLS         0x401eu
#define VMCS_VM_INSTRUCTION_ERROR   0x4400u
#define VMCS_EXIT_REASON            0x4402u
#define VMCS_EXIT_INTR_INFO         0x4404u
#define VMCS_EXIT_INTR_ERROR        0x4406u
#define VMCS_IDT_VECTORING_INFO     0x4408u
#define VMCS_IDT_VECTORING_ERROR    0x440au
#define VMCS_EXIT_INSTRUCTION_LEN   0x440cu
#define VMCS_EXIT_INSTRUCTION_INFO  0x440eu
#define VMCS_GUEST_ES_LIMIT         0x4800u
#define VMCS_GUEST_CS_LIMIT         0x4802u
#define VMCS_GUEST_SS_LIMIT         0x4804u
#define VMCS_GUEST_DS_LIMIT         0x4806u
#define VMCS_GUEST_FS_LIMIT         0x4808u
#define VMCS_GUEST_GS_LIMIT         0x480au
#define VMCS_GUEST_LDTR_LIMIT       0x480cu
#define VMCS_GUEST_TR_LIMIT         0x480eu
#define VMCS_GUEST_GDTR_LIMIT       0x4810u
#define VMCS_GUEST_IDTR_LIMIT       0x4812u
#define VMCS_GUEST_ES_AR            0x4814u
#define VMCS_GUEST_CS_AR            0x4816u
#define VMCS_GUEST_SS_AR            0x4818u
#define VMCS_GUEST_DS_AR            0x481au
#define VMCS_GUEST_FS_AR            0x481cu
#define VMCS_GUEST_GS_AR            0x481eu
#define VMCS_GUEST_LDTR_AR          0x4820u
#define VMCS_GUEST_TR_AR            0x4822u
#define VMCS_GUEST_INTERRUPTIBILITY 0x4824u
#define VMCS_GUEST_ACTIVITY_STATE   0x4826u
#define VMCS_GUEST_SYSENTER_CS      0x482au
#define VMCS_PREEMPTION_TIMER_VALUE 0x482eu
#define VMCS_HOST_SYSENTER_CS       0x4c00u

/* ---- Natural-width fields (B.4) */
#define VMCS_CR0_GUEST_HOST_MASK 0x6000u
#define VMCS_CR4_GUEST_HOST_MASK 0x6002u
#define VMCS_CR0_READ_SHADOW     0x6004u
#define VMCS_CR4_READ_SHADOW     0x6006u
#define VMCS_EXIT_QUALIFICATION  0x6400u
#define VMCS_GUEST_LINEAR_ADDR   0x640au
#define VMCS_GUEST_CR0           0x6800u
#define VMCS_GUEST_CR3           0x6802u
#define VMCS_GUEST_CR4           0x6804u
#define VMCS_GUEST_ES_BASE       0x6806u
#define VMCS_GUEST_CS_BASE       0x6808u
#define VMCS_GUEST_SS_BASE       0x680au
#define VMCS_GUEST_DS_BASE       0x680cu
#define VMCS_GUEST_FS_BASE       0x680eu
#define VMCS_GUEST_GS_BASE       0x6810u
#define VMCS_GUEST_LDTR_BASE     0x6812u
#define VMCS_GUEST_TR_BASE       0x6814u
#define VMCS_GUEST_GDTR_BASE     0x6816u
#define VMCS_GUEST_IDTR_BASE     0x6818u
#define VMCS_GUEST_DR7           0x681au
#define VMCS_GUEST_RSP           0x681cu
#define VMCS_GUEST_RIP           0x681eu
#define VMCS_GUEST_RFLAGS        0x6820u
#define VMCS_GUEST_PENDING_DEBUG 0x6822u
#define VMCS_GUEST_SYSENTER_ESP  0x6824u
#define VMCS_GUEST_SYSENTER_EIP  0x6826u
#define VMCS_HOST_CR0            0x6c00u
#define VMCS_HOST_CR3            0x6c02u
#define VMCS_HOST_CR4            0x6c04u
#define VMCS_HOST_FS_BASE        0x6c06u
#define VMCS_HOST_GS_BASE        0x6c08u
#define VMCS_HOST_TR_BASE        0x6c0au
#define VMCS_HOST_GDTR_BASE      0x6c0cu
#define VMCS_HOST_IDTR_BASE      0x6c0eu
#define VMCS_HOST_SYSENTER_ESP   0x6c10u
#define VMCS_HOST_SYSENTER_EIP   0x6c12u
#define VMCS_HOST_RSP            0x6c14u
#define VMCS_HOST_RIP            0x6c16u

/* ---- Controls (SDM Vol. 3C 24.6-24.8) */
/* Pin-based */
#define PIN_EXTERNAL_INTERRUPT_EXITING (1u << 0)
#define PIN_NMI_EXITING                (1u << 3)
#define PIN_VIRTUAL_NMIS               (1u << 5) /* needed for NMI-window exiting */
/* Primary processor-based (PROC_SECONDARY_CONTROLS is in vmx_msr.h) */
#define PROC_INTERRUPT_WINDOW_EXITING (1u << 2)
#define PROC_USE_TSC_OFFSETTING       (1u << 3)
#define PROC_HLT_EXITING              (1u << 7)
#define PROC_INVLPG_EXITING           (1u << 9)
#define PROC_MWAIT_EXITING            (1u << 10)
#define PROC_RDPMC_EXITING            (1u << 11)
#define PROC_CR3_LOAD_EXITING         (1u << 15)
#define PROC_CR3_STORE_EXITING        (1u << 16)
#define PROC_CR8_LOAD_EXITING         (1u << 19)
#define PROC_CR8_STORE_EXITING        (1u << 20)
#define PROC_NMI_WINDOW_EXITING       (1u << 22)
#define PROC_UNCONDITIONAL_IO_EXIT    (1u << 24)
#define PROC_USE_IO_BITMAPS           (1u << 25)
#define PROC_USE_MSR_BITMAPS          (1u << 28)
#define PROC_MONITOR_EXITING          (1u << 29)
/* Secondary processor-based (EPT, VPID, unrestricted are in vmx_msr.h) */
#define PROC2_WBINVD_EXITING (1u << 6)
/* VM-exit controls */
#define EXIT_SAVE_DEBUG_CONTROLS  (1u << 2)
#define EXIT_HOST_ADDR_SPACE_SIZE (1u << 9)
#define EXIT_SAVE_EFER            (1u << 20)
#define EXIT_LOAD_EFER            (1u << 21)
/* VM-entry controls */
#define ENTRY_LOAD_DEBUG_CONTROLS (1u << 2)
#define ENTRY_IA32E_MODE_GUEST    (1u << 9)
#define ENTRY_LOAD_EFER           (1u << 15)

/* ---- Guest state (SDM Vol. 3C 24.4) */
/* Segment access rights (the descriptor's type..G bits, 24.4.1) */
#define VMX_AR_TYPE_DATA_RW_ACCESSED 0x3u
#define VMX_AR_TYPE_CODE_RX_ACCESSED 0xbu
#define VMX_AR_TYPE_TSS_BUSY_32      0xbu
#define VMX_AR_TYPE_LDT              0x2u
#define VMX_AR_S                     (1u << 4) /* code or data, not system */
#define VMX_AR_PRESENT               (1u << 7)
#define VMX_AR_DB                    (1u << 14) /* 32-bit segment */
#define VMX_AR_GRANULARITY           (1u << 15) /* limit in 4 KiB units */
#define VMX_AR_UNUSABLE              (1u << 16)
/* A real-mode segment: 64 KiB from selector << 4 (SDM Vol. 3A 20.1.1). */
#define REAL_MODE_SEGMENT_LIMIT 0xffffu
#define REAL_MODE_SEGMENT_SHIFT 4
#define VMX_LINK_POINTER_NONE   (~0ull)
#define VMX_ACTIVITY_ACTIVE     0u
#define GUEST_DR7_INIT          0x400ull /* the value after reset (SDM Vol. 3B 17.2.4) */
#define GUEST_RFLAGS_RESERVED1  (1ull << 1)
/* RFLAGS bits a VMM may set: CF PF AF ZF SF TF IF DF OF IOPL NT RF VM AC VIF VIP ID. */
#define GUEST_RFLAGS_WRITABLE 0x3f7d5ull

/* Interruption-information format (exit and entry, 24.8.3, 24.9.2) */
#define INTR_INFO_VECTOR_MASK  0xffu
#define INTR_INFO_TYPE_SHIFT   8
#define INTR_INFO_TYPE_MASK    0x7u
#define INTR_TYPE_EXTERNAL     0u
#define INTR_TYPE_NMI          2u
#define INTR_TYPE_HW_EXCEPTION 3u
#define INTR_INFO_VALID        (1u << 31)

/* ---- EPT (SDM Vol. 3C 28.2) */
#define EPT_READ          (1ull << 0)
#define EPT_WRITE         (1ull << 1)
#define EPT_EXECUTE       (1ull << 2)
#define EPT_RWX           (EPT_READ | EPT_WRITE | EPT_EXECUTE)
#define EPT_MEMTYPE_SHIFT 3
#define EPT_MEMTYPE_UC    0ull
#define EPT_MEMTYPE_WB    6ull
#define EPT_IGNORE_PAT    (1ull << 6)
#define EPT_LARGE_PAGE    (1ull << 7)
#define EPT_ADDR_MASK     0x000ffffffffff000ull
/* EPT pointer (24.6.11): memory type of the paging structures, and the
 * page-walk length minus one. */
#define EPTP_MEMTYPE_WB 6ull
#define EPTP_WALK_SHIFT 3
#define EPTP_WALK_4     (3ull << EPTP_WALK_SHIFT)

/* INVEPT/INVVPID types (SDM Vol. 3C 30.3) */
#define INVEPT_SINGLE_CONTEXT 1ull
#define INVEPT_ALL_CONTEXT    2ull
#define INVVPID_ALL_CONTEXT   2ull

/* I/O bitmaps (24.6.4): A covers ports 0-0x7fff, B 0x8000-0xffff, one
 * bit per port, a set bit makes an access to that port exit (a multi-byte
 * access exits if any of its ports' bits is set). */
#define IO_BITMAP_PORTS 0x8000u /* ports per bitmap page */
#define IO_PORT_LAST    0xffffu
/* MSR bitmap (24.6.9): four 1 KiB bitmaps, a set bit makes RDMSR/WRMSR of
 * that MSR exit; MSRs outside the two covered ranges always exit. */
#define MSR_BITMAP_READ_LOW   0u
#define MSR_BITMAP_READ_HIGH  1024u
#define MSR_BITMAP_WRITE_LOW  2048u
#define MSR_BITMAP_WRITE_HIGH 3072u
#define MSR_BITMAP_LOW_FIRST  0x00000000u
#define MSR_BITMAP_LOW_LAST   0x00001fffu
#define MSR_BITMAP_HIGH_FIRST 0xc0000000u
#define MSR_BITMAP_HIGH_LAST  0xc0001fffu

/* VMCS region: the revision id in the first 32 bits, bit 31 clear for an
 * ordinary (not shadow) VMCS (24.2). */
#define VMCS_REVISION_MASK 0x7fffffffu

#endif
