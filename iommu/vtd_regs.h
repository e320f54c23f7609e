/* Intel VT-d remapping hardware: register offsets and bits, in-memory
 * structure formats (root/context entries, second-level paging entries,
 * invalidation descriptors) and the fault-record layout.
 *
 * Section numbers are from the Intel Virtualization Technology for
 * Directed I/O Architecture Specification (rev. 3.x / 4.x; chapter 11 is
 * "Register Descriptions", 9 "Translation Structure Formats", 6.5 "Queued
 * Invalidation"). Only legacy (non-scalable) mode is used: scalable-mode
 * formats are absent on purpose. Every register is little-endian; 64-bit
 * registers may be accessed as one 64-bit access. */
#ifndef ATOLL_IOMMU_VTD_REGS_H
#define ATOLL_IOMMU_VTD_REGS_H

#include <stdint.h>

#define VTD_PAGE_SHIFT 12
#define VTD_PAGE_SIZE  (UINT64_C(1) << VTD_PAGE_SHIFT)
#define VTD_ADDR_MASK  UINT64_C(0xfffffffffffff000) /* bits 63:12 of a pointer field */

/* ---- 11.4 Register offsets from the unit's register base -------------- */

#define VTD_REG_VER      0x000  /* u32 version */
#define VTD_REG_CAP      0x008  /* u64 capability */
#define VTD_REG_ECAP     0x010  /* u64 extended capability */
#define VTD_REG_GCMD     0x018  /* u32 global command */
#define VTD_REG_GSTS     0x01c  /* u32 global status */
#define VTD_REG_RTADDR   0x020  /* u64 root table address */
#define VTD_REG_CCMD     0x028  /* u64 context command (register-based invalidation) */
#define VTD_REG_FSTS     0x034  /* u32 fault status */
#define VTD_REG_FECTL    0x038  /* u32 fault event control */
#define VTD_REG_FEDATA   0x03c  /* u32 fault event data (MSI data) */
#define VTD_REG_FEADDR   0x040  /* u32 fault event address (MSI address) */
#define VTD_REG_FEUADDR  0x044  /* u32 fault event upper address */
#define VTD_REG_PMEN     0x064  /* u32 protected memory enable */
#define VTD_REG_IQH      0x080  /* u64 invalidation queue head */
#define VTD_REG_IQT      0x088  /* u64 invalidation queue tail */
#define VTD_REG_IQA      0x090  /* u64 invalidation queue address */
#define VTD_REG_ICS      0x09c  /* u32 invalidation completion status */
#define VTD_REG_IECTL    0x0a0  /* u32 invalidation event control */
#define VTD_REG_IRTA     0x0b8  /* u64 interrupt remapping table address */
#define VTD_REG_SET_SIZE 0x1000 /* the fixed registers fit in one page */

/* 11.4.1 Version register. */
#define VTD_VER_MAJOR(v) (((v) >> 4) & 0xfu)
#define VTD_VER_MINOR(v) ((v)&0xfu)

/* ---- 11.4.2 Capability register ---------------------------------------- */

#define VTD_CAP_ND(c)    ((unsigned)((c)&0x7u)) /* domain ids: 2^(4 + 2*ND) */
#define VTD_CAP_AFL      (UINT64_C(1) << 3)     /* advanced fault logging */
#define VTD_CAP_RWBF     (UINT64_C(1) << 4)     /* write-buffer flush required */
#define VTD_CAP_PLMR     (UINT64_C(1) << 5)     /* protected low-memory region */
#define VTD_CAP_PHMR     (UINT64_C(1) << 6)     /* protected high-memory region */
#define VTD_CAP_CM       (UINT64_C(1) << 7)     /* caching mode: not-present entries cached */
#define VTD_CAP_SAGAW(c) ((unsigned)(((c) >> 8) & 0x1fu))
#define VTD_CAP_MGAW(c)  ((unsigned)(((c) >> 16) & 0x3fu) + 1u) /* max guest address width */
#define VTD_CAP_ZLR      (UINT64_C(1) << 22)
/* Fault-recording registers start at FRO * 16 bytes from the base. */
#define VTD_CAP_FRO(c)         ((unsigned)(((c) >> 24) & 0x3ffu))
#define VTD_CAP_SLLPS(c)       ((unsigned)(((c) >> 34) & 0xfu)) /* second-level large pages */
#define VTD_CAP_PSI            (UINT64_C(1) << 39)              /* page-selective invalidation */
#define VTD_CAP_NFR(c)         ((unsigned)(((c) >> 40) & 0xffu) + 1u) /* fault records */
#define VTD_CAP_MAMV(c)        ((unsigned)(((c) >> 48) & 0x3fu))      /* max PSI address mask */
#define VTD_CAP_DWD            (UINT64_C(1) << 54)
#define VTD_CAP_DRD            (UINT64_C(1) << 55)
#define VTD_ND_DOMAIN_BITS(nd) (4u + 2u * (nd)) /* ND=6 means 16-bit domain ids */

/* SAGAW bits: which page-table depths (and widths) the unit walks. */
#define VTD_SAGAW_39 (1u << 1) /* 3-level, 39-bit */
#define VTD_SAGAW_48 (1u << 2) /* 4-level, 48-bit */
#define VTD_SAGAW_57 (1u << 3) /* 5-level, 57-bit */

/* SLLPS bits. */
#define VTD_SLLPS_2M (1u << 0)
#define VTD_SLLPS_1G (1u << 1)

/* ---- 11.4.3 Extended capability register ------------------------------- */

#define VTD_ECAP_C   (UINT64_C(1) << 0) /* page walks snoop the CPU caches */
#define VTD_ECAP_QI  (UINT64_C(1) << 1) /* queued invalidation */
#define VTD_ECAP_DT  (UINT64_C(1) << 2) /* device TLBs (ATS) */
#define VTD_ECAP_IR  (UINT64_C(1) << 3) /* interrupt remapping */
#define VTD_ECAP_EIM (UINT64_C(1) << 4) /* x2APIC-format interrupt remapping */
#define VTD_ECAP_PT  (UINT64_C(1) << 6) /* pass-through translation type */
#define VTD_ECAP_SC  (UINT64_C(1) << 7) /* snoop control */
/* IOTLB registers (IVA, then IOTLB) start at IRO * 16 bytes from the base. */
#define VTD_ECAP_IRO(e)  ((unsigned)(((e) >> 8) & 0x3ffu))
#define VTD_ECAP_MHMV(e) ((unsigned)(((e) >> 20) & 0xfu))

/* ---- 11.4.4/11.4.5 Global command and status --------------------------- */

/* GCMD is write-only: software writes GSTS's persistent bits plus the one
 * command bit it changes, then polls GSTS for the matching status bit. */
#define VTD_GCMD_CFI   (1u << 23) /* compatibility-format interrupts allowed */
#define VTD_GCMD_SIRTP (1u << 24) /* latch IRTA */
#define VTD_GCMD_IRE   (1u << 25) /* interrupt remapping enable */
#define VTD_GCMD_QIE   (1u << 26) /* queued invalidation enable */
#define VTD_GCMD_WBF   (1u << 27) /* write-buffer flush */
#define VTD_GCMD_SRTP  (1u << 30) /* latch RTADDR */
#define VTD_GCMD_TE    (1u << 31) /* translation enable */

#define VTD_GSTS_CFIS  (1u << 23)
#define VTD_GSTS_IRTPS (1u << 24)
#define VTD_GSTS_IRES  (1u << 25)
#define VTD_GSTS_QIES  (1u << 26)
#define VTD_GSTS_WBFS  (1u << 27) /* set while a write-buffer flush is in progress */
#define VTD_GSTS_FLS   (1u << 29) /* fault log pointer latched */
#define VTD_GSTS_RTPS  (1u << 30)
#define VTD_GSTS_TES   (1u << 31)
/* One-shot status bits that must not be echoed back into GCMD. */
#define VTD_GSTS_ONESHOT (VTD_GSTS_IRTPS | VTD_GSTS_WBFS | VTD_GSTS_FLS | VTD_GSTS_RTPS)

/* 11.4.6 Root table address: legacy format (TTM = 00). */
#define VTD_RTADDR_TTM_LEGACY (UINT64_C(0) << 10)

/* ---- 11.4.7 Context command (register-based invalidation) -------------- */

#define VTD_CCMD_ICC         (UINT64_C(1) << 63) /* set to start, hardware clears */
#define VTD_CCMD_CIRG_GLOBAL (UINT64_C(1) << 61)
#define VTD_CCMD_CIRG_DOMAIN (UINT64_C(2) << 61)
#define VTD_CCMD_CIRG_DEVICE (UINT64_C(3) << 61)
#define VTD_CCMD_FM(m)       ((uint64_t)((m)&0x3u) << 32)
#define VTD_CCMD_SID(s)      ((uint64_t)((s)&0xffffu) << 16)
#define VTD_CCMD_DID(d)      ((uint64_t)((d)&0xffffu))
#define VTD_CCMD_CAIG(c)     ((unsigned)(((c) >> 59) & 0x3u)) /* 0: request failed */

/* ---- 11.4.8 IOTLB registers, at ECAP.IRO * 16 -------------------------- */

#define VTD_IOTLB_OFF_IVA   0x0 /* u64 invalidate address */
#define VTD_IOTLB_OFF_IOTLB 0x8 /* u64 IOTLB invalidate */
#define VTD_IOTLB_REGS_LEN  0x10

#define VTD_IOTLB_IVT         (UINT64_C(1) << 63) /* set to start, hardware clears */
#define VTD_IOTLB_IIRG_GLOBAL (UINT64_C(1) << 60)
#define VTD_IOTLB_IIRG_DOMAIN (UINT64_C(2) << 60)
#define VTD_IOTLB_IIRG_PAGE   (UINT64_C(3) << 60)
#define VTD_IOTLB_IAIG(v)     ((unsigned)(((v) >> 57) & 0x3u)) /* 0: request failed */
#define VTD_IOTLB_DR          (UINT64_C(1) << 49)
#define VTD_IOTLB_DW          (UINT64_C(1) << 48)
#define VTD_IOTLB_DID(d)      ((uint64_t)((d)&0xffffu) << 32)

#define VTD_IVA_IH    (UINT64_C(1) << 6) /* only leaf entries changed */
#define VTD_IVA_AM(m) ((uint64_t)((m)&0x3fu))

/* ---- 11.4.9 Fault status, control and recording ------------------------ */

#define VTD_FSTS_PFO    (1u << 0) /* primary fault overflow (RW1C) */
#define VTD_FSTS_PPF    (1u << 1) /* some fault record has F set (read-only) */
#define VTD_FSTS_IQE    (1u << 4) /* invalidation queue error (RW1C) */
#define VTD_FSTS_ICE    (1u << 5) /* invalidation completion error (RW1C) */
#define VTD_FSTS_ITE    (1u << 6) /* invalidation time-out error (RW1C) */
#define VTD_FSTS_FRI(s) ((unsigned)(((s) >> 8) & 0xffu))
#define VTD_FSTS_ERRORS (VTD_FSTS_PFO | VTD_FSTS_IQE | VTD_FSTS_ICE | VTD_FSTS_ITE)

#define VTD_FECTL_IP (1u << 30) /* interrupt pending */
#define VTD_FECTL_IM (1u << 31) /* interrupt masked */
/* FEADDR in compatibility format (interrupt remapping off): the xAPIC MSI
 * address, destination APIC id in bits 19:12 (11.4.9.4). */
#define VTD_FEADDR_BASE       0xfee00000u
#define VTD_FEADDR_DEST_SHIFT 12

/* A fault record is 16 bytes; record i is at FRO * 16 + i * 16. */
#define VTD_FRCD_LEN          16
#define VTD_FRCD_OFF_LO       0x0 /* u64: fault info (page address), bits 63:12 */
#define VTD_FRCD_OFF_HI       0x8 /* u64: SID, reason, type, F */
#define VTD_FRCD_HI_SID(h)    ((unsigned)((h)&0xffffu))
#define VTD_FRCD_HI_FR(h)     ((unsigned)(((h) >> 32) & 0xffu)) /* fault reason */
#define VTD_FRCD_HI_AT(h)     ((unsigned)(((h) >> 60) & 0x3u))
#define VTD_FRCD_HI_TYPE_READ (UINT64_C(1) << 62) /* clear: write request */
#define VTD_FRCD_HI_F         (UINT64_C(1) << 63) /* record valid (RW1C) */

/* ---- 11.4.10 Invalidation queue ------------------------------------------ */

/* IQH/IQT hold the byte offset of a 128-bit descriptor in bits 18:4. */
#define VTD_IQ_INDEX_SHIFT 4
#define VTD_IQ_OFFSET_MASK UINT64_C(0x7fff0)
/* IQA: base in 63:12, DW (256-bit descriptors, scalable mode only) in 11,
 * QS in 2:0: the queue is 2^QS pages of 256 descriptors each. */
#define VTD_IQA_DW_256        (UINT64_C(1) << 11)
#define VTD_IQA_QS(n)         ((uint64_t)((n)&0x7u))
#define VTD_IQ_DESC_LEN       16
#define VTD_IQ_DESCS_PER_PAGE (VTD_PAGE_SIZE / VTD_IQ_DESC_LEN)

#define VTD_ICS_IWC (1u << 0) /* invalidation wait completed (RW1C) */

/* 11.4.11 IRTA: table base in 63:12, EIME (x2APIC ids) in 11, size in
 * 3:0: 2^(S+1) entries of 16 bytes. */
#define VTD_IRTA_EIME (UINT64_C(1) << 11)
#define VTD_IRTA_S(s) ((uint64_t)((s)&0xfu))
#define VTD_IRTE_LEN  16
/* The table size this kernel uses: S = 7, 256 entries, one page. */
#define VTD_IRTA_S_ONE_PAGE 7u
#define VTD_IRT_ENTRIES     (1u << (VTD_IRTA_S_ONE_PAGE + 1))

/* ---- 9.10 Interrupt remapping table entry (remapped format, 128 bits) --- */

#define VTD_IRTE_LO_P            (UINT64_C(1) << 0) /* present */
#define VTD_IRTE_LO_FPD          (UINT64_C(1) << 1) /* fault processing disable */
#define VTD_IRTE_LO_DM_LOGICAL   (UINT64_C(1) << 2)
#define VTD_IRTE_LO_RH           (UINT64_C(1) << 3) /* redirection hint */
#define VTD_IRTE_LO_TM_LEVEL     (UINT64_C(1) << 4)
#define VTD_IRTE_LO_DLM_FIXED    (UINT64_C(0) << 5) /* delivery mode, bits 7:5 */
#define VTD_IRTE_LO_DLM_MASK     (UINT64_C(7) << 5)
#define VTD_IRTE_LO_AVAIL_MASK   (UINT64_C(0xf) << 8)
#define VTD_IRTE_LO_IM_POSTED    (UINT64_C(1) << 15) /* 0: remapped format */
#define VTD_IRTE_LO_VECTOR(v)    ((uint64_t)((v)&0xffu) << 16)
#define VTD_IRTE_LO_VECTOR_OF(l) ((unsigned)(((l) >> 16) & 0xffu))
/* Destination, bits 63:32: the 32-bit x2APIC id with IRTA.EIME, else the
 * 8-bit xAPIC id in bits 47:40. */
#define VTD_IRTE_LO_DST_X2APIC(id) ((uint64_t)(uint32_t)(id) << 32)
#define VTD_IRTE_LO_DST_XAPIC(id)  ((uint64_t)((id)&0xffu) << 40)
#define VTD_IRTE_LO_DST_OF(l)      ((uint32_t)((l) >> 32))
/* Bits that must be zero in a remapped-format entry (14:12, 31:24). */
#define VTD_IRTE_LO_RESERVED        (UINT64_C(0x7) << 12 | UINT64_C(0xff) << 24)
#define VTD_IRTE_XAPIC_DST_RESERVED (UINT64_C(0xff) << 32 | UINT64_C(0xffff) << 48)

#define VTD_IRTE_HI_SID(s)   ((uint64_t)((s)&0xffffu))
#define VTD_IRTE_HI_SQ(q)    ((uint64_t)((q)&0x3u) << 16) /* which SID bits to compare */
#define VTD_IRTE_HI_SVT_NONE (UINT64_C(0) << 18)
#define VTD_IRTE_HI_SVT_SID  (UINT64_C(1) << 18) /* requester id must equal SID (under SQ) */
#define VTD_IRTE_HI_SVT_BUS  (UINT64_C(2) << 18) /* requester bus in [SID low, SID high] */
#define VTD_IRTE_HI_SVT_MASK (UINT64_C(3) << 18)
#define VTD_IRTE_HI_RESERVED (~UINT64_C(0xfffff))
#define VTD_IRTE_SQ_ALL_BITS 0u

/* ---- 5.1.2.2 / 5.1.5.1 Remappable-format interrupt requests --------------- */

/* MSI address: 0xfee in 31:20, handle[14:0] in 19:5, format in 4, SHV in
 * 3, handle[15] in 2. The data is the subhandle when SHV is set (this
 * kernel never sets it: data 0). */
#define VTD_MSI_ADDRESS_BASE       UINT64_C(0xfee00000)
#define VTD_MSI_ADDRESS_REMAPPABLE (UINT64_C(1) << 4)
#define VTD_MSI_ADDRESS_SHV        (UINT64_C(1) << 3)
#define VTD_MSI_HANDLE_LOW_SHIFT   5
#define VTD_MSI_HANDLE_LOW_MASK    0x7fffu
#define VTD_MSI_HANDLE_HIGH_SHIFT  2
#define VTD_MSI_HANDLE_HIGH_BIT    15

/* ---- 9.1/9.3 Root and context entries (legacy mode, 16 bytes each) ------ */

/* The root table is one page of 256 entries, indexed by bus; each points
 * to a context table of 256 entries indexed by devfn. */
#define VTD_ROOT_ENTRIES    256
#define VTD_CONTEXT_ENTRIES 256
#define VTD_ENTRY_LEN       16

#define VTD_ROOT_LO_P (UINT64_C(1) << 0) /* LO bits 63:12: context-table pointer */

#define VTD_CTX_LO_P            (UINT64_C(1) << 0)
#define VTD_CTX_LO_FPD          (UINT64_C(1) << 1) /* fault processing disable */
#define VTD_CTX_LO_TT_SL        (UINT64_C(0) << 2) /* untranslated requests via second level */
#define VTD_CTX_LO_TT_SL_DEVTLB (UINT64_C(1) << 2) /* also translated requests (ATS) */
#define VTD_CTX_LO_TT_PASS      (UINT64_C(2) << 2) /* pass-through (ECAP.PT) */
/* LO bits 63:12: second-level page-table pointer. */
#define VTD_CTX_HI_AW(aw)   ((uint64_t)((aw)&0x7u))
#define VTD_CTX_HI_DID(did) ((uint64_t)((did)&0xffffu) << 8)
/* Context AW encodings (match the SAGAW bit numbers). */
#define VTD_AW_39 1u /* 3-level */
#define VTD_AW_48 2u /* 4-level */
#define VTD_AW_57 3u /* 5-level */

/* ---- 9.8 Second-level paging entries ------------------------------------ */

#define VTD_SL_R   (UINT64_C(1) << 0)
#define VTD_SL_W   (UINT64_C(1) << 1)
#define VTD_SL_X   (UINT64_C(1) << 2) /* only with ECAP.SLEE; unused */
#define VTD_SL_PS  (UINT64_C(1) << 7) /* large page, in a PDE or PDPE */
#define VTD_SL_SNP (UINT64_C(1) << 11)
#define VTD_SL_TM  (UINT64_C(1) << 62)
/* Address bits 51:12 (the unit's HAW limits what a table may name). */
#define VTD_SL_ADDR       UINT64_C(0x000ffffffffff000)
#define VTD_SL_ENTRIES    512
#define VTD_SL_LEVEL_BITS 9

/* ---- 6.5.2 Invalidation descriptors (128-bit, legacy) ------------------- */

/* Type in bits 3:0 of the low quadword. */
#define VTD_INV_TYPE_CONTEXT 0x1u
#define VTD_INV_TYPE_IOTLB   0x2u
#define VTD_INV_TYPE_DEVTLB  0x3u
#define VTD_INV_TYPE_IEC     0x4u
#define VTD_INV_TYPE_WAIT    0x5u

/* 6.5.2.1 Context-cache invalidate. */
#define VTD_INV_CC_G_GLOBAL (UINT64_C(1) << 4)
#define VTD_INV_CC_G_DOMAIN (UINT64_C(2) << 4)
#define VTD_INV_CC_G_DEVICE (UINT64_C(3) << 4)
#define VTD_INV_CC_DID(d)   ((uint64_t)((d)&0xffffu) << 16)
#define VTD_INV_CC_SID(s)   ((uint64_t)((s)&0xffffu) << 32)
#define VTD_INV_CC_FM(m)    ((uint64_t)((m)&0x3u) << 48)

/* 6.5.2.3 IOTLB invalidate; the high quadword carries ADDR | IH | AM
 * (same layout as the IVA register) for page-selective requests. */
#define VTD_INV_IOTLB_G_GLOBAL (UINT64_C(1) << 4)
#define VTD_INV_IOTLB_G_DOMAIN (UINT64_C(2) << 4)
#define VTD_INV_IOTLB_G_PAGE   (UINT64_C(3) << 4)
#define VTD_INV_IOTLB_DW       (UINT64_C(1) << 6)
#define VTD_INV_IOTLB_DR       (UINT64_C(1) << 7)
#define VTD_INV_IOTLB_DID(d)   ((uint64_t)((d)&0xffffu) << 16)

/* 6.5.2.7 Interrupt entry cache invalidate. */
#define VTD_INV_IEC_GLOBAL  (UINT64_C(0) << 4)
#define VTD_INV_IEC_INDEX   (UINT64_C(1) << 4)
#define VTD_INV_IEC_IM(m)   ((uint64_t)((m)&0x1fu) << 27)
#define VTD_INV_IEC_IIDX(i) ((uint64_t)((i)&0xffffu) << 32)

/* 6.5.2.8 Invalidation wait: with SW, hardware writes the 32-bit status
 * data to the 4-byte aligned status address (high quadword) once every
 * earlier descriptor has completed. */
#define VTD_INV_WAIT_IF        (UINT64_C(1) << 4) /* raise the completion event */
#define VTD_INV_WAIT_SW        (UINT64_C(1) << 5) /* write status data */
#define VTD_INV_WAIT_FN        (UINT64_C(1) << 6) /* fence: later descriptors wait */
#define VTD_INV_WAIT_SDATA(d)  ((uint64_t)(uint32_t)(d) << 32)
#define VTD_INV_WAIT_ADDR_MASK UINT64_C(0xfffffffffffffffc)

/* 7.1.3 (Table 26) selected fault reasons, for messages. */
#define VTD_FR_ROOT_NOT_PRESENT    0x1u
#define VTD_FR_CONTEXT_NOT_PRESENT 0x2u
#define VTD_FR_CONTEXT_INVALID     0x3u
#define VTD_FR_BEYOND_AW           0x4u
#define VTD_FR_WRITE_DENIED        0x5u
#define VTD_FR_READ_DENIED         0x6u
#define VTD_FR_PTE_INVALID         0x7u
/* Interrupt-remapping faults (0x20-0x26; the record's address field then
 * holds the interrupt index in bits 63:48). */
#define VTD_FR_IR_FIRST             0x20u
#define VTD_FR_IR_INDEX_OVER        0x21u
#define VTD_FR_IR_ENTRY_NOT_PRESENT 0x22u
#define VTD_FR_IR_COMPAT_BLOCKED    0x25u
#define VTD_FR_IR_SOURCE_ID         0x26u
#define VTD_FR_IR_LAST              0x2fu
#define VTD_FRCD_LO_IR_INDEX(lo)    ((unsigned)((lo) >> 48))

#endif
