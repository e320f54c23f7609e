/* The VMX instructions as inline functions (SDM Vol. 3C 30.2-30.3). Each
 * reports the outcome the instruction leaves in RFLAGS (30.2): CF set is
 * VMfailInvalid (no current VMCS, or a bad operand), ZF set is
 * VMfailValid (the reason is in the VM-instruction error field). GCC's
 * extended asm is the only way to issue them from C. */
#ifndef ATOLL_VTX_VMX_INSN_H
#define ATOLL_VTX_VMX_INSN_H

#include <stdint.h>

enum vmx_result {
    VMX_OK = 0,
    VMX_FAIL_INVALID = 1, /* CF */
    VMX_FAIL_VALID = 2,   /* ZF */
};

static inline enum vmx_result vmx_flags_result(uint8_t cf, uint8_t zf)
{
    return cf ? VMX_FAIL_INVALID : zf ? VMX_FAIL_VALID : VMX_OK;
}

#define VMX_PHYS_OP(insn)                                                                          \
    uint8_t cf, zf;                                                                                \
    __asm__ volatile(insn " %2\n\tsetc %0\n\tsetz %1"                                              \
                     : "=q"(cf), "=q"(zf)                                                          \
                     : "m"(phys)                                                                   \
                     : "cc", "memory");                                                            \
    return vmx_flags_result(cf, zf)

static inline enum vmx_result vmxon(uint64_t phys)
{
    VMX_PHYS_OP("vmxon");
}

static inline enum vmx_result vmclear(uint64_t phys)
{
    VMX_PHYS_OP("vmclear");
}

static inline enum vmx_result vmptrld(uint64_t phys)
{
    VMX_PHYS_OP("vmptrld");
}

static inline enum vmx_result vmread(uint64_t field, uint64_t *value)
{
    uint8_t cf, zf;
    uint64_t v = 0;
    __asm__ volatile("vmread %3, %2\n\tsetc %0\n\tsetz %1"
                     : "=q"(cf), "=q"(zf), "=r"(v)
                     : "r"(field)
                     : "cc");
    *value = v;
    return vmx_flags_result(cf, zf);
}

static inline enum vmx_result vmwrite(uint64_t field, uint64_t value)
{
    uint8_t cf, zf;
    __asm__ volatile("vmwrite %3, %2\n\tsetc %0\n\tsetz %1"
                     : "=q"(cf), "=q"(zf)
                     : "r"(field), "rm"(value)
                     : "cc");
    return vmx_flags_result(cf, zf);
}

/* Reads a field the kernel knows exists (exit information, its own
 * settings): 0 if the read fails. */
static inline uint64_t vmread_known(uint64_t field)
{
    uint64_t v;
    return vmread(field, &v) == VMX_OK ? v : 0;
}

/* INVEPT/INVVPID descriptors are 128 bits (SDM Vol. 3C 30.3). */
struct vmx_inv_descriptor {
    uint64_t low, high;
};

static inline enum vmx_result invept(uint64_t type, uint64_t eptp)
{
    struct vmx_inv_descriptor d = {eptp, 0};
    uint8_t cf, zf;
    __asm__ volatile("invept %2, %3\n\tsetc %0\n\tsetz %1"
                     : "=q"(cf), "=q"(zf)
                     : "m"(d), "r"(type)
                     : "cc", "memory");
    return vmx_flags_result(cf, zf);
}

static inline enum vmx_result invvpid(uint64_t type, uint16_t vpid)
{
    struct vmx_inv_descriptor d = {vpid, 0};
    uint8_t cf, zf;
    __asm__ volatile("invvpid %2, %3\n\tsetc %0\n\tsetz %1"
                     : "=q"(cf), "=q"(zf)
                     : "m"(d), "r"(type)
                     : "cc", "memory");
    return vmx_flags_result(cf, zf);
}

#endif
