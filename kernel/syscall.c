/* System calls: decoding of the system-call number, capability lookup,
 * message gathering, and dispatch of invocations to the objects'
 * decode/perform pairs (shared/STYLE.md). Nothing a user passes can crash
 * the kernel: bad numbers and arguments come back as errors, bad
 * capability pointers as capability faults. */
#include "console.h"
#include "fastpath.h"
#include "boot_root.h"
#include "cap_glue.h"
#include "ipc.h"
#include "objects.h"
#include "tcb.h"
#include "klock.h"
#include "kstring.h"
#include "thread.h"
#include "atoll/bootinfo.h"
#include "atoll/ipc.h"
#include "atoll/syscall.h"
#include "cap/cnode.h"
#include "cap/cspace.h"
#include "cap/invariants.h"
#include "cap/untyped.h"
#include "../arch/x86_64/paging.h"
#include "../arch/x86_64/syscall.h"
#include "../arch/x86_64/vspace.h"
#include "../arch/x86_64/x86.h"
#include "../vtx/ept.h"
#include "../vtx/vcpu.h"
#include "../vtx/vmx.h"
#include "../iommu/iospace.h"

struct invocation {
    uint64_t label;
    uint64_t words[ATOLL_MSG_MAX_WORDS];
    size_t length;
    struct cap_slot *extra[ATOLL_MSG_MAX_CAPS];
    size_t extra_count;
};

/* The reply to an invocation: on error the detail words, on success the
 * object's reply words (registers first, the rest in the IPC buffer). */
static void set_reply(struct tcb *t, const struct atoll_error_detail *e, const uint64_t *words,
                      size_t length)
{
    struct trap_frame *f = &t->context;
    f->rax = e->code;
    if (e->code) {
        f->rsi = atoll_msginfo(0, ATOLL_MSG_REGISTERS, 0);
        f->rdx = e->argument;
        f->r8 = e->value0;
        f->r9 = e->value1;
        f->r10 = e->value2;
        return;
    }
    struct atoll_ipc_buffer *buf = ipc_buffer_of(t);
    if (!buf && length > ATOLL_MSG_REGISTERS)
        length = ATOLL_MSG_REGISTERS;
    uint64_t *regs[ATOLL_MSG_REGISTERS] = {&f->rdx, &f->r8, &f->r9, &f->r10};
    for (size_t i = 0; i < length; i++) {
        if (i < ATOLL_MSG_REGISTERS)
            *regs[i] = words[i];
        else
            buf->msg[i] = words[i];
    }
    f->rsi = atoll_msginfo(0, length, 0);
}

/* Message words and extra capabilities of the current system call. Returns
 * false after raising a capability fault on `t`. */
static bool gather_message(struct tcb *t, const struct trap_frame *f, struct invocation *inv)
{
    uint64_t info = f->rsi;
    const struct atoll_ipc_buffer *buf = ipc_buffer_of(t);
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
            fault_deliver(t, ATOLL_FAULT_CAPABILITY, buf->caps_or_badges[i], 1, f->rip);
            return false;
        }
    }
    return true;
}

/* invoke_object's answer for an invocation that stopped at a preemption
 * point: it is restarted, never reported (no error code is this large). */
#define INVOCATION_RESTART UINT64_MAX

static struct atoll_error_detail invoke_object(struct tcb *caller, struct cap_slot *slot,
                                               const struct invocation *inv, uint64_t *reply,
                                               size_t *reply_length)
{
    struct atoll_error_detail e;
    *reply_length = 0;
    switch (cap_type(&slot->cap)) {
    case CAP_TCB:
        return tcb_invoke(caller, slot, inv->label, inv->words, inv->length, inv->extra,
                          inv->extra_count, reply, reply_length);
    case CAP_SCHED_CONTEXT:
        return schedcontext_invoke(caller, slot, inv->label, inv->words, inv->length, inv->extra,
                                   inv->extra_count, reply, reply_length);
    case CAP_SCHED_CONTROL:
        return schedcontrol_invoke(caller, slot, inv->label, inv->words, inv->length, inv->extra,
                                   inv->extra_count, reply, reply_length);
    case CAP_IRQ_CONTROL:
    case CAP_IRQ_HANDLER:
        return irq_invoke(caller, slot, inv->label, inv->words, inv->length, inv->extra,
                          inv->extra_count, reply, reply_length);
    case CAP_IOPORT_CONTROL:
    case CAP_IOPORT:
        return ioport_invoke(caller, slot, inv->label, inv->words, inv->length, inv->extra,
                             inv->extra_count, reply, reply_length);
    case CAP_UNTYPED: {
        /* The VT-x objects exist only where VT-x is on (atoll/vcpu.h). */
        uint64_t type = inv->length > ATOLL_RETYPE_ARG_TYPE ? inv->words[ATOLL_RETYPE_ARG_TYPE] : 0;
        if (inv->label == ATOLL_UNTYPED_RETYPE && !vmx_usable() && type >= ATOLL_OBJECT_VCPU &&
            type <= ATOLL_OBJECT_EPT_PT)
            return cap_error(ATOLL_ERR_INVALID_ARGUMENT, ATOLL_RETYPE_ARG_TYPE);
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
        if (!cap_failed(&e) && !cnode_perform(&c))
            e.code = INVOCATION_RESTART;
        return e;
    }
    case CAP_FRAME_4K:
    case CAP_FRAME_2M:
    case CAP_FRAME_1G:
    case CAP_PML4:
    case CAP_PDPT:
    case CAP_PD:
    case CAP_PT:
        return vspace_invoke_reply(slot, inv->label, inv->words, inv->length, inv->extra,
                                   inv->extra_count, reply, reply_length);
    case CAP_VCPU:
        return vcpu_invoke(slot, inv->label, inv->words, inv->length, inv->extra, inv->extra_count,
                           reply, reply_length);
    case CAP_GUEST_SPACE:
    case CAP_EPT_PDPT:
    case CAP_EPT_PD:
    case CAP_EPT_PT:
        return ept_invoke(slot, inv->label, inv->words, inv->length, inv->extra, inv->extra_count);
    /* VT-d (iommu/iospace.c) */
    case CAP_IOSPACE:
    case CAP_IOMMU_CONTROL:
        return iospace_invoke(slot, inv->label, inv->words, inv->length, inv->extra,
                              inv->extra_count, reply, reply_length);
    default:
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    }
}

/* Looks up the capability a system call names (rdi); a pointer that
 * names nothing is a capability fault. */
static struct cap_slot *syscall_cap(struct tcb *t, struct trap_frame *f)
{
    struct cap_slot *slot;
    struct atoll_error_detail e =
        cap_lookup_cptr(&tcb_slot(t, TCB_SLOT_CSPACE)->cap, f->rdi, &slot);
    if (cap_failed(&e) || cap_is_null(&slot->cap)) {
        fault_deliver(t, ATOLL_FAULT_CAPABILITY, f->rdi, 0, f->rip);
        return NULL;
    }
    return slot;
}

/* Call, Send, NBSend: IPC on an endpoint, a signal on a notification,
 * otherwise a kernel-object invocation (Send and NBSend drop its reply). */
static void handle_send(struct tcb *t, struct trap_frame *f, bool blocking, bool is_call)
{
    struct cap_slot *slot = syscall_cap(t, f);
    if (!slot)
        return;
    switch (cap_type(&slot->cap)) {
    case CAP_ENDPOINT:
        ipc_send(t, slot, blocking, is_call);
        return;
    case CAP_NOTIFICATION:
        notification_signal_cap(&slot->cap);
        f->rax = ATOLL_OK;
        return;
    case CAP_REPLY:
        ipc_reply(t, slot);
        f->rax = ATOLL_OK;
        return;
    default:
        break;
    }
    static struct invocation inv; /* under the kernel lock; too big for the stack */
    static uint64_t reply[ATOLL_MSG_MAX_WORDS];
    if (!gather_message(t, f, &inv))
        return;
    size_t reply_length;
    struct atoll_error_detail e = invoke_object(t, slot, &inv, reply, &reply_length);
    if (e.code == INVOCATION_RESTART) {
        /* Stopped at a preemption point: the same system call runs again
         * when the thread next runs, after whatever made it stop
         * (interrupts are taken as soon as it is back in user mode). */
        f->rip -= SYSCALL_INSTRUCTION_BYTES;
        return;
    }
    if (is_call && t->state == THREAD_RUNNABLE)
        set_reply(t, &e, reply, reply_length);
}

static void handle_recv(struct tcb *t, struct trap_frame *f, enum atoll_syscall number);

static void handle_nbsend_recv(struct tcb *t, struct trap_frame *f)
{
    struct cap_slot *slot = syscall_cap(t, f);
    if (!slot)
        return;
    enum cap_type type = cap_type(&slot->cap);
    if (type != CAP_ENDPOINT && type != CAP_NOTIFICATION) {
        f->rax = ATOLL_ERR_INVALID_CAPABILITY;
        return;
    }
    handle_send(t, f, false, false);
    if (t->state != THREAD_RUNNABLE || f->rax != ATOLL_OK)
        return;
    f->rdi = f->r13;
    handle_recv(t, f, ATOLL_SYS_RECV);
}

static void handle_recv(struct tcb *t, struct trap_frame *f, enum atoll_syscall number)
{
    struct cap_slot *slot = syscall_cap(t, f);
    if (!slot)
        return;
    enum cap_type type = cap_type(&slot->cap);
    bool ep = type == CAP_ENDPOINT, ntfn = type == CAP_NOTIFICATION;
    switch (number) {
    case ATOLL_SYS_RECV:
    case ATOLL_SYS_NBRECV:
        if (ep || ntfn) {
            ipc_recv(t, slot, f->r12, number == ATOLL_SYS_RECV);
            return;
        }
        break;
    case ATOLL_SYS_REPLY_RECV:
        if (ep) {
            ipc_reply_recv(t, slot, f->r12);
            return;
        }
        break;
    case ATOLL_SYS_SIGNAL:
        if (ntfn) {
            notification_signal_cap(&slot->cap);
            f->rax = ATOLL_OK;
            return;
        }
        break;
    case ATOLL_SYS_WAIT:
    case ATOLL_SYS_POLL:
        if (ntfn) {
            notification_wait(t, slot, number == ATOLL_SYS_WAIT);
            return;
        }
        break;
    default:
        break;
    }
    f->rax = ATOLL_ERR_INVALID_CAPABILITY;
}

/* Scratch for the invariant checker: one entry per capability. */
#define CHECK_MAX_CAPS 16384
static struct cap_check_entry check_scratch[CHECK_MAX_CAPS];

static void debug_check(struct trap_frame *f)
{
    struct cap_slot *roots[ATOLL_SLOT_FIRST_FREE_FIXED];
    size_t n = 0;
    for (size_t i = 1; boot_root_cnode_slots && i < ATOLL_SLOT_FIRST_FREE_FIXED; i++)
        if (!cap_is_null(&boot_root_cnode_slots[i].cap))
            roots[n++] = &boot_root_cnode_slots[i];
    struct cap_check_failure failure = {0};
    bool ok = cap_check_invariants(roots, n, check_scratch, CHECK_MAX_CAPS, &failure);
    const char *sched = sched_check_invariants();
    if (ok && !sched) {
        kprintf("atoll: invariants ok\n");
        f->rax = ATOLL_OK;
    } else {
        kprintf("atoll: INVARIANT VIOLATED: %s\n", ok ? sched : failure.what);
        f->rax = ATOLL_ERR_ILLEGAL_OPERATION;
    }
}

/* Release builds (ATOLL_RELEASE, `make` builds both kernels): only the
 * root task may write to the kernel's debug console; components print
 * through the serial driver (services/lib/console.c). */
#ifndef ATOLL_RELEASE
#define ATOLL_RELEASE 0
#endif

static void debug_puts(struct tcb *self, struct trap_frame *f)
{
    if (ATOLL_RELEASE && self != boot_root_tcb) {
        f->rax = ATOLL_ERR_ILLEGAL_OPERATION;
        return;
    }
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

_Noreturn void syscall_dispatch(struct trap_frame *f)
{
    kernel_lock();
    syscall_general(f);
}

_Noreturn void syscall_general(struct trap_frame *f)
{
    struct tcb *self = thread_current();
    if (!self || self->state != THREAD_RUNNABLE)
        thread_return(self); /* stopped from another core while it ran: no more calls */
    switch (f->rax) {
    case ATOLL_SYS_CALL:
        handle_send(self, f, true, true);
        break;
    case ATOLL_SYS_SEND:
        handle_send(self, f, true, false);
        break;
    case ATOLL_SYS_NBSEND:
        handle_send(self, f, false, false);
        break;
    case ATOLL_SYS_REPLY_RECV:
        handle_recv(self, f, (enum atoll_syscall)f->rax);
        break;
    case ATOLL_SYS_RECV:
    case ATOLL_SYS_NBRECV:
    case ATOLL_SYS_SIGNAL:
    case ATOLL_SYS_WAIT:
    case ATOLL_SYS_POLL:
        handle_recv(self, f, (enum atoll_syscall)f->rax);
        break;
    case ATOLL_SYS_NBSEND_RECV:
        handle_nbsend_recv(self, f);
        break;
    case ATOLL_SYS_VMENTER:
        vcpu_vmenter(self, f);
        break;
    case ATOLL_SYS_DEBUG_PUTS:
        debug_puts(self, f);
        break;
    case ATOLL_SYS_DEBUG_CHECK:
        debug_check(f);
        break;
    case ATOLL_SYS_DEBUG_FASTPATH_COUNT: {
        struct fastpath_counts n;
        fastpath_get_counts(&n);
        f->rax = ATOLL_OK;
        f->rdx = n.calls;
        f->r8 = n.reply_recvs;
        break;
    }
    case ATOLL_SYS_DEBUG_PREEMPTION:
        f->rdx = cap_preemption_debug(f->rdi);
        f->rax = ATOLL_OK;
        break;
    case ATOLL_SYS_DEBUG_EXIT:
        kprintf("atoll: thread %s exited with status %lu\n", self->name, f->rdi);
        thread_stop(self, THREAD_EXITED);
        break;
    case ATOLL_SYS_YIELD:
        f->rax = ATOLL_OK;
        self->timeslice_left = 0;
        sched_tick(); /* ask for a reschedule: equal priorities go first */
        break;
    default:
        fault_deliver(self, ATOLL_FAULT_UNKNOWN_SYSCALL, f->rax, f->rip, 0);
        break;
    }
    thread_return(self);
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
        thread_return(self);
    }
    if (f->vector == VEC_NMI || f->vector == VEC_MC || f->vector == VEC_DF) {
        trap_dispatch(f); /* not the thread's doing: kernel handling */
        schedule();
    }
    if (!self || self->state != THREAD_RUNNABLE)
        thread_return(self); /* stopped from another core while it ran */
    /* A user fault: a message to the thread's fault handler, or, with
     * none, the thread stops and the kernel and every other thread carry
     * on. */
    const char *name =
        user_exception_names[f->vector] ? user_exception_names[f->vector] : "exception";
    if (cap_type(&tcb_slot(self, TCB_SLOT_FAULT_EP)->cap) != CAP_ENDPOINT) {
        kprintf("atoll: user fault: thread %s: %s (vector %lu, error 0x%lx) at rip 0x%lx",
                self->name, name, f->vector, f->error, f->rip);
        if (f->vector == VEC_PF)
            kprintf(" address 0x%lx", read_cr2());
        kprintf("; thread suspended\n");
    }
    if (f->vector == VEC_PF)
        fault_deliver(self, ATOLL_FAULT_VM, read_cr2(), f->error, f->rip);
    else
        fault_deliver(self, ATOLL_FAULT_USER_EXCEPTION, f->vector, f->error, f->rip);
    thread_return(self);
}
