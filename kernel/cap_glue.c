/* What the portable capability core (kernel/cap/) needs from the kernel,
 * and the kernel's object hooks. */
#include "cap_glue.h"
#include "console.h"
#include "ipc.h"
#include "schedcontext.h"
#include "thread.h"
#include "cap/platform.h"
#include "../arch/x86_64/cpu.h"
#include "klock.h"
#include "../arch/x86_64/irq_objects.h"
#include "../arch/x86_64/lapic.h"
#include "../arch/x86_64/paging.h"
#include "../arch/x86_64/x86.h"
#include "../arch/x86_64/trap.h"
#include "../arch/x86_64/vspace.h"
#include "../vtx/ept.h"
#include "../vtx/vcpu.h"
#include "../iommu/iospace.h"

void *cap_phys_to_virt(uint64_t paddr)
{
    return phys_to_virt(paddr);
}

_Noreturn void cap_assert_failed(const char *file, int line, const char *expression)
{
    kprintf_emergency("atoll: kernel bug: capability invariant \"%s\" failed at %s:%d\n",
                      expression, file, line);
    system_stop(1);
}

/* ---- Preemption points of Delete and Revoke (kernel/cap/delete.h) ---- */

/* Units of work between two looks at the hardware (eight IRR reads). */
#define PREEMPT_CHECK_INTERVAL 8u

static unsigned work_since_check;
static unsigned forced_every, forced_since; /* debug: stop every nth point */
static uint64_t preemptions;

bool cap_preemption_point(void)
{
    bool stop;
    if (forced_every != 0) {
        stop = ++forced_since >= forced_every;
        if (stop)
            forced_since = 0;
    } else {
        if (++work_since_check < PREEMPT_CHECK_INTERVAL)
            return false;
        work_since_check = 0;
        /* An interrupt (a budget timer, a device) or another core that
         * waits for the kernel lock: the call is restarted once it has
         * been served. */
        stop = lapic_interrupt_pending() || kernel_lock_contended();
    }
    if (stop)
        preemptions++;
    return stop;
}

uint64_t cap_preemption_debug(uint64_t force_every)
{
    forced_every = force_every > UINT32_MAX ? UINT32_MAX : (unsigned)force_every;
    forced_since = 0;
    return preemptions;
}

struct tcb *tcb_from_cap(const struct cap *c)
{
    return phys_to_virt(cap_paddr(c));
}

static void pml4_initialise(const struct cap *c)
{
    paging_copy_kernel_half(cap_paddr(c));
}

/* A fresh TCB: user segments and flags, so that whatever registers it is
 * given later, it can only ever return to ring 3 with interrupts on. */
static void tcb_initialise(const struct cap *c)
{
    struct tcb *t = tcb_from_cap(c);
    t->context.cs = SEL_USER_CODE;
    t->context.ss = SEL_USER_DATA;
    t->context.rflags = RFLAGS_IF | RFLAGS_RESERVED1;
    rq_node_init(&t->rq, 0);
}

static void tcb_finalise(const struct cap *c, bool final)
{
    if (!final)
        return;
    struct tcb *t = tcb_from_cap(c);
    thread_suspend(t);
    sched_tcb_finalise(t);
    if (t->bound_ntfn) {
        t->bound_ntfn->bound = NULL;
        t->bound_ntfn = NULL;
    }
    vcpu_tcb_gone(t);
    /* A thread may be deleted while it is some core's current thread: that
     * core finds it stopped at its next kernel entry. Its memory must not
     * be reused before then; Retype only reuses memory after a revoke of
     * the untyped, which first deletes this cap, and the TCB stays
     * INACTIVE (zeroed memory is also INACTIVE). */
}

static void endpoint_finalise(const struct cap *c, bool final)
{
    if (final)
        endpoint_cancel_all(phys_to_virt(cap_paddr(c)));
}

static void notification_finalise(const struct cap *c, bool final)
{
    if (final)
        notification_cancel_all(phys_to_virt(cap_paddr(c)));
}

static void reply_finalise(const struct cap *c, bool final)
{
    if (final)
        reply_clear(phys_to_virt(cap_paddr(c)));
}

void cap_glue_init(void)
{
    cap_hooks.initialise[CAP_PML4] = pml4_initialise;
    cap_hooks.initialise[CAP_TCB] = tcb_initialise;
    cap_hooks.finalise[CAP_TCB] = tcb_finalise;
    cap_hooks.finalise[CAP_ENDPOINT] = endpoint_finalise;
    cap_hooks.finalise[CAP_NOTIFICATION] = notification_finalise;
    cap_hooks.finalise[CAP_REPLY] = reply_finalise;
    cap_hooks.finalise[CAP_IRQ_HANDLER] = irq_handler_finalise;
    cap_hooks.finalise[CAP_IOPORT] = ioport_finalise;
    cap_hooks.initialise[CAP_SCHED_CONTEXT] = schedcontext_initialise;
    cap_hooks.finalise[CAP_SCHED_CONTEXT] = schedcontext_finalise;
    vspace_init();
    vcpu_init();
    ept_init();
    iospace_init();
}
