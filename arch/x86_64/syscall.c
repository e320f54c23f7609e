/* SYSCALL/SYSRET set-up (SDM Vol. 3A 5.8.8, Vol. 2B SYSCALL). */
#include "syscall.h"
#include "cpu.h"
#include "msr.h"
#include "x86.h"

extern char syscall_entry[];

/* STAR[47:32]: kernel CS (SS = +8). STAR[63:48]: base for SYSRET, which
 * loads CS = base + 16 and SS = base + 8 (user code/data, RPL 3). */
#define STAR_KERNEL_SHIFT 32
#define STAR_USER_SHIFT   48
#define STAR_USER_BASE    (GDT_KERNEL_DATA * 8 + 3)

/* Flags cleared on entry: interrupts off, direction up, no alignment
 * check (AC would also lift SMAP), no single-step. */
#define FMASK_BITS (RFLAGS_IF | RFLAGS_AC | RFLAGS_DF | RFLAGS_TF | RFLAGS_NT)

void syscall_init_cpu(void)
{
    wrmsr(MSR_IA32_STAR, ((uint64_t)SEL_KERNEL_CODE << STAR_KERNEL_SHIFT) |
                             ((uint64_t)STAR_USER_BASE << STAR_USER_SHIFT));
    wrmsr(MSR_IA32_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_IA32_FMASK, FMASK_BITS);
    wrmsr(MSR_IA32_EFER, rdmsr(MSR_IA32_EFER) | EFER_SCE);
}
