/* Trap dispatch and the fatal-exception report. A kernel exception is a
 * kernel bug (or the deliberate atoll.test hook): report everything needed
 * to find it, then stop every core. */
#include "trap.h"
#include "cpu.h"
#include "lapic.h"
#include "platform.h"
#include "serial.h"
#include "x86.h"
#include "../../kernel/console.h"
#include "../../kernel/klock.h"

#include <stdatomic.h>
#include <stddef.h>

/* layout.inc, used by the SYSRET path of syscall_entry.asm. */
_Static_assert(offsetof(struct trap_frame, r11) == 32, "layout.inc FRAME_R11");
_Static_assert(offsetof(struct trap_frame, rcx) == 96, "layout.inc FRAME_RCX");
_Static_assert(offsetof(struct trap_frame, vector) == 120, "layout.inc FRAME_VECTOR");
_Static_assert(offsetof(struct trap_frame, rip) == 136, "layout.inc FRAME_RIP");
_Static_assert(offsetof(struct trap_frame, rflags) == 152, "layout.inc FRAME_RFLAGS");
_Static_assert(offsetof(struct trap_frame, rsp) == 160, "layout.inc FRAME_RSP");

static irq_handler_fn handlers[256];
static atomic_bool stopping;

static const char *const exception_names[VEC_EXCEPTION_COUNT] = {
    [VEC_DE] = "#DE", [VEC_DB] = "#DB", [VEC_NMI] = "NMI", [VEC_BP] = "#BP", [VEC_OF] = "#OF",
    [VEC_BR] = "#BR", [VEC_UD] = "#UD", [VEC_NM] = "#NM",  [VEC_DF] = "#DF", [VEC_TS] = "#TS",
    [VEC_NP] = "#NP", [VEC_SS] = "#SS", [VEC_GP] = "#GP",  [VEC_PF] = "#PF", [VEC_MF] = "#MF",
    [VEC_AC] = "#AC", [VEC_MC] = "#MC", [VEC_XM] = "#XM",  [VEC_VE] = "#VE", [VEC_CP] = "#CP",
};

void trap_set_handler(uint8_t vector, irq_handler_fn fn)
{
    handlers[vector] = fn;
}

static _Noreturn void halt_forever(void)
{
    for (;;) {
        irq_disable();
        cpu_halt();
    }
}

_Noreturn void system_stop(int failure)
{
    irq_disable();
    if (!atomic_exchange(&stopping, true))
        lapic_send_nmi_all_but_self();
    kprintf_emergency("atoll: halted\n");
    serial_flush();
    if (boot_cmdline.exit_after_ready)
        platform_leave_emulator(failure);
    halt_forever();
}

static void report_exception(const struct trap_frame *f)
{
    const char *name = f->vector < VEC_EXCEPTION_COUNT && exception_names[f->vector]
                           ? exception_names[f->vector]
                           : "#??";
    struct percpu *c = this_cpu();
    kprintf_emergency("atoll: exception %s vector=%u error=0x%lx cpu=%u\n", name,
                      (unsigned)f->vector, f->error, c ? c->index : 0);
    kprintf_emergency("  rip=0x%016lx cs=0x%lx rflags=0x%016lx\n", f->rip, f->cs, f->rflags);
    kprintf_emergency("  rsp=0x%016lx ss=0x%lx\n", f->rsp, f->ss);
    kprintf_emergency("  cr2=0x%016lx cr3=0x%016lx cr0=0x%lx cr4=0x%lx\n", read_cr2(), read_cr3(),
                      read_cr0(), read_cr4());
    kprintf_emergency("  rax=0x%016lx rbx=0x%016lx rcx=0x%016lx rdx=0x%016lx\n", f->rax, f->rbx,
                      f->rcx, f->rdx);
    kprintf_emergency("  rsi=0x%016lx rdi=0x%016lx rbp=0x%016lx\n", f->rsi, f->rdi, f->rbp);
    kprintf_emergency("  r8 =0x%016lx r9 =0x%016lx r10=0x%016lx r11=0x%016lx\n", f->r8, f->r9,
                      f->r10, f->r11);
    kprintf_emergency("  r12=0x%016lx r13=0x%016lx r14=0x%016lx r15=0x%016lx\n", f->r12, f->r13,
                      f->r14, f->r15);
}

void trap_dispatch(struct trap_frame *f)
{
    if (f->vector == VEC_NMI && atomic_load(&stopping))
        halt_forever(); /* another core is stopping the system */
    if (f->vector < VEC_EXCEPTION_COUNT) {
        atomic_store(&stopping, true);
        report_exception(f);
        lapic_send_nmi_all_but_self();
        system_stop(1);
    }
    if (f->vector == VEC_SPURIOUS)
        return; /* SDM Vol. 3A 11.9: no EOI for spurious interrupts */
    /* Interrupts reach the kernel only while a core idles (or during
     * boot): take the kernel lock unless this entry already holds it. */
    bool take_lock = !kernel_lock_held_here();
    if (take_lock)
        kernel_lock();
    irq_handler_fn fn = handlers[f->vector];
    if (fn)
        fn(f);
    else
        kprintf("atoll: warning: unexpected interrupt vector %u\n", (unsigned)f->vector);
    lapic_eoi();
    if (take_lock)
        kernel_unlock();
}
