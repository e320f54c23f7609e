/* System calls: decoding of the system-call number, capability lookup,
 * message gathering, and dispatch of invocations to the objects'
 * decode/perform pairs (shared/STYLE.md). Nothing a user passes can crash
 * the kernel: bad numbers and arguments come back as errors, bad
 * capability pointers as capability faults. */
#include "console.h"
#include "klock.h"
#include "kstring.h"
#include "thread.h"
#include "atoll/ipc.h"
#include "atoll/syscall.h"
#include "cap/cnode.h"
#include "cap/cspace.h"
#include "cap/untyped.h"
#include "../arch/x86_64/paging.h"
#include "../arch/x86_64/syscall.h"
#include "../arch/x86_64/vspace.h"
#include "../arch/x86_64/x86.h"

struct invocation {
    uint64_t label;
    uint64_t words[ATOLL_MSG_MAX_WORDS];
    size_t length;
    struct cap_slot *extra[ATOLL_MSG_MAX_CAPS];
    size_t extra_count;
};

static struct atoll_ipc_buffer *ipc_buffer(struct tcb *t)
{
    return t->ipc_buffer_phys ? phys_to_virt(t->ipc_buffer_phys) : NULL;
}

/* With no fault endpoint yet (issue 4 adds fault IPC), a thread that
 * faults is suspended and the kernel carries on. */
static void thread_fault(struct tcb *t, const char *what, uint64_t detail)
{
    kprintf("atoll: user fault: thread %s: %s 0x%lx at rip 0x%lx; thread suspended\n", t->name,
            what, detail, t->context.rip);
    t->state = THREAD_SUSPENDED;
}

static void set_reply(struct trap_frame *f, const struct atoll_error_detail *e)
{
    f->rax = e->code;
    f->rsi = atoll_msginfo(0, e->code ? ATOLL_MSG_REGISTERS : 0, 0);
    f->rdx = e->argument;
    f->r8 = e->value0;
    f->r9 = e->value1;
    f->r10 = e->value2;
}

/* Message words and extra capabilities of the current system call. Returns
 * false after raising a capability fault on `t`. */
static bool gather_message(struct tcb *t, const struct trap_frame *f, struct invocation *inv)
{
    uint64_t info = f->rsi;
    const struct atoll_ipc_buffer *buf = ipc_buffer(t);
    inv->label = atoll_msginfo_label(info);
    inv->length = atoll_msginfo_length(info);
    if (inv->length > ATOLL_MSG_MAX_WORDS)
        inv->length = ATOLL_MSG_MAX_WORDS;
    if (!buf && inv->length > ATOLL_MSG_REGISTERS)
        inv->length = ATOLL_MSG_REGISTERS; /* no IPC buffer: registers only */
    const uint64_t regs[ATOLL_MSG_REGISTERS] = {f->rdx, f->r8, f->r9, f->r10};
    for (size_t i = 0; i < inv->length; i++)
        inv->words[i] = i < ATOLL_MSG_REGISTERS ? regs[i] : buf->msg[i];
    inv->extra_count = buf ? atoll_msginfo_extra_caps(info) : 0;
    const struct cap *root = &tcb_slot(t, TCB_SLOT_CSPACE)->cap;
    for (size_t i = 0; i < inv->extra_count; i++) {
        struct atoll_error_detail e = cap_lookup_cptr(root, buf->caps_or_badges[i], &inv->extra[i]);
        if (cap_failed(&e) || cap_is_null(&inv->extra[i]->cap)) {
            thread_fault(t, "capability fault on extra capability", buf->caps_or_badges[i]);
            return false;
        }
    }
    return true;
}

static struct atoll_error_detail invoke_object(struct cap_slot *slot, const struct invocation *inv)
{
    struct atoll_error_detail e;
    switch (cap_type(&slot->cap)) {
    case CAP_UNTYPED: {
        struct untyped_retype r;
        e = untyped_decode(inv->label, slot, inv->words, inv->length, inv->extra, inv->extra_count,
                           &r);
        if (!cap_failed(&e))
            untyped_perform_retype(&r);
        return e;
    }
    case CAP_CNODE: {
        struct cnode_invocation c;
        e = cnode_decode(inv->label, &slot->cap, inv->words, inv->length, inv->extra,
                         inv->extra_count, &c);
        if (!cap_failed(&e))
            cnode_perform(&c);
        return e;
    }
    case CAP_FRAME_4K:
    case CAP_FRAME_2M:
    case CAP_FRAME_1G:
    case CAP_PML4:
    case CAP_PDPT:
    case CAP_PD:
    case CAP_PT:
        return vspace_invoke(slot, inv->label, inv->words, inv->length, inv->extra,
                             inv->extra_count);
    default:
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    }
}

/* Call, Send, NBSend on a capability that is not an endpoint: a kernel
 * object invocation. Send and NBSend discard the reply. */
static void handle_invocation(struct tcb *t, struct trap_frame *f, bool want_reply)
{
    const struct cap *root = &tcb_slot(t, TCB_SLOT_CSPACE)->cap;
    struct cap_slot *slot;
    struct atoll_error_detail e = cap_lookup_cptr(root, f->rdi, &slot);
    if (cap_failed(&e) || cap_is_null(&slot->cap)) {
        thread_fault(t, "capability fault on", f->rdi);
        return;
    }
    static struct invocation inv; /* under the kernel lock; too big for the stack */
    if (!gather_message(t, f, &inv))
        return;
    e = invoke_object(slot, &inv);
    if (want_reply)
        set_reply(f, &e);
}

static void debug_puts(struct trap_frame *f)
{
    uint64_t len = f->rsi;
    if (len > ATOLL_DEBUG_PUTS_MAX) {
        f->rax = ATOLL_ERR_INVALID_ARGUMENT;
        return;
    }
    uint64_t words[ATOLL_MSG_REGISTERS] = {f->rdx, f->r8, f->r9, f->r10};
    f->rax = ATOLL_OK;
    if (len == 0)
        return;
    char buf[ATOLL_DEBUG_PUTS_MAX + 1];
    for (uint64_t i = 0; i < len; i++)
        buf[i] = (char)(words[i / 8] >> (8 * (i % 8)));
    buf[len] = '\0';
    kprintf("%s", buf);
}

static _Noreturn void resume_or_schedule(struct tcb *t)
{
    if (t && t->state == THREAD_RUNNABLE)
        thread_run(t);
    schedule();
}

_Noreturn void syscall_dispatch(struct trap_frame *f)
{
    kernel_lock();
    struct tcb *self = thread_current();
    switch (f->rax) {
    case ATOLL_SYS_CALL:
    case ATOLL_SYS_SEND:
    case ATOLL_SYS_NBSEND:
        handle_invocation(self, f, f->rax == ATOLL_SYS_CALL);
        break;
    case ATOLL_SYS_DEBUG_PUTS:
        debug_puts(f);
        break;
    case ATOLL_SYS_DEBUG_EXIT:
        kprintf("atoll: thread %s exited with status %lu\n", self->name, f->rdi);
        self->state = THREAD_EXITED;
        schedule();
    case ATOLL_SYS_YIELD:
        f->rax = ATOLL_OK;
        schedule();
    default:
        f->rax = ATOLL_ERR_ILLEGAL_OPERATION;
        break;
    }
    resume_or_schedule(self);
}

static const char *const user_exception_names[VEC_EXCEPTION_COUNT] = {
    [VEC_DE] = "divide error",         [VEC_DB] = "debug",
    [VEC_BP] = "breakpoint",           [VEC_OF] = "overflow",
    [VEC_BR] = "bound range",          [VEC_UD] = "undefined instruction",
    [VEC_NM] = "device not available", [VEC_GP] = "general protection",
    [VEC_SS] = "stack fault",          [VEC_NP] = "segment not present",
    [VEC_PF] = "page fault",           [VEC_MF] = "x87 error",
    [VEC_AC] = "alignment check",      [VEC_XM] = "SIMD error",
};

_Noreturn void trap_dispatch_user(struct trap_frame *f)
{
    kernel_lock();
    struct tcb *self = thread_current();
    if (f->vector >= VEC_EXCEPTION_COUNT) {
        trap_dispatch(f); /* a device or IPI interrupt while in user mode */
        resume_or_schedule(self);
    }
    if (f->vector == VEC_NMI || f->vector == VEC_MC || f->vector == VEC_DF) {
        trap_dispatch(f); /* not the thread's doing: kernel handling */
        schedule();
    }
    /* A user fault. With no fault endpoint (issue 4) the thread is
     * suspended; the kernel and every other thread carry on. */
    const char *name =
        user_exception_names[f->vector] ? user_exception_names[f->vector] : "exception";
    kprintf("atoll: user fault: thread %s: %s (vector %lu, error 0x%lx) at rip 0x%lx", self->name,
            name, f->vector, f->error, f->rip);
    if (f->vector == VEC_PF)
        kprintf(" address 0x%lx", read_cr2());
    kprintf("; thread suspended\n");
    self->state = THREAD_SUSPENDED;
    schedule();
}
