/* Decisions about the VMCS that need no hardware, so that the host tests
 * can check them: the setting of a control word from its capability MSR,
 * and which VMCS fields a VMM may read and write (ABI: atoll/vcpu.h). */
#ifndef ATOLL_VTX_VMCS_POLICY_H
#define ATOLL_VTX_VMCS_POLICY_H

#include <stdbool.h>
#include <stdint.h>

/* #MC: machine checks belong to the kernel, never to the guest. */
#define VMX_VECTOR_MC 18

/* A control word: `want` plus the bits the CPU requires (the allowed-0
 * settings, low half of the capability MSR), or false when a wanted bit is
 * not allowed (allowed-1 settings, high half; SDM Vol. 3D A.3). */
bool vmx_control_setting(uint64_t capability, uint32_t want, uint32_t *out);

enum vmcs_field_access {
    VMCS_FIELD_READ = 1,
    VMCS_FIELD_WRITE = 2,
    VMCS_FIELD_RW = VMCS_FIELD_READ | VMCS_FIELD_WRITE,
};

/* What a VMM may do with `field`: 0, or a mask of VMCS_FIELD_*. Guest
 * state, event injection, the exception bitmap and the CR masks; exit
 * information read-only. Never host state, never the controls that decide
 * what the guest may reach. */
unsigned vmcs_field_access(uint64_t field);
/* The value the kernel writes when a VMM writes `value` to `field`. */
uint64_t vmcs_field_forced(uint64_t field, uint64_t value);

/* The accesses (ATOLL_VCPU_MSR_READ/WRITE) a guest may make to `msr`
 * without an exit (ABI: ATOLL_VCPU_SET_MSRS). */
unsigned vmx_msr_pass_allowed(uint64_t msr);
/* [first, last] lies in one of the two ranges the MSR bitmap covers;
 * else false with *low, *high the bounds of the range `first` is nearest. */
bool vmx_msr_bitmap_covers(uint64_t first, uint64_t last, uint64_t *low, uint64_t *high);
/* Marks [first, last] (covered, as above) in the 4 KiB MSR bitmap: the
 * accesses in `pass` go through, the others exit. */
void vmx_msr_bitmap_set(uint8_t *bitmap, uint32_t first, uint32_t last, unsigned pass);
/* Marks ports [first, last] (at most 0xffff) in I/O bitmaps A and B. */
void vmx_io_bitmap_set(uint8_t *a, uint8_t *b, uint32_t first, uint32_t last, bool pass);

#endif
