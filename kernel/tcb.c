/* TCB invocations (seL4 manual 6.1, "Thread control blocks"): decode checks
 * everything, perform cannot fail. */
#include "tcb.h"
#include "ipc.h"
#include "kstring.h"
#include "schedcontext.h"
#include "atoll/tcb.h"
#include "cap/delete.h"
#include "cap/mdb.h"
#include "../arch/x86_64/cpu.h"
#include "../arch/x86_64/paging.h"
#include "../arch/x86_64/x86.h"

/* RFLAGS bits a thread may set: the arithmetic flags, TF and DF. IF is
 * forced on and IOPL, NT, RF, VM, AC cleared (SDM Vol. 1 3.4.3). */
#define RFLAGS_USER_MASK UINT64_C(0x0dd5)

static uint64_t *register_ref(struct trap_frame *f, unsigned reg)
{
    switch (reg) {
    case ATOLL_REG_RIP:
        return &f->rip;
    case ATOLL_REG_RSP:
        return &f->rsp;
    case ATOLL_REG_RFLAGS:
        return &f->rflags;
    case ATOLL_REG_RAX:
        return &f->rax;
    case ATOLL_REG_RBX:
        return &f->rbx;
    case ATOLL_REG_RCX:
        return &f->rcx;
    case ATOLL_REG_RDX:
        return &f->rdx;
    case ATOLL_REG_RSI:
        return &f->rsi;
    case ATOLL_REG_RDI:
        return &f->rdi;
    case ATOLL_REG_RBP:
        return &f->rbp;
    case ATOLL_REG_R8:
        return &f->r8;
    case ATOLL_REG_R9:
        return &f->r9;
    case ATOLL_REG_R10:
        return &f->r10;
    case ATOLL_REG_R11:
        return &f->r11;
    case ATOLL_REG_R12:
        return &f->r12;
    case ATOLL_REG_R13:
        return &f->r13;
    case ATOLL_REG_R14:
        return &f->r14;
    default:
        return &f->r15;
    }
}

/* Puts a derived copy of `src` into the TCB's slot `dest` (a frame copy
 * comes out unmapped, so emptying the slot later cannot unmap the
 * original). Decode has checked that `src` derives. */
static void replace_slot_cap(struct cap_slot *dest, struct cap_slot *src)
{
    struct cap derived;
    cap_delete(dest);
    if (cap_type(&src->cap) == CAP_PML4) {
        /* A PML4 that has no address-space id yet does not derive (the
         * x86 copy rule); the TCB's copy names it as the source does
         * (arch/x86_64/vspace.h: ids of verbatim copies are looked up). */
        cap_insert(src->cap, src, dest);
        return;
    }
    struct atoll_error_detail e = cap_derive(src, src->cap, &derived);
    if (!cap_failed(&e) && !cap_is_null(&derived))
        cap_insert(derived, src, dest);
}

static bool derivable(const struct cap_slot *s)
{
    struct cap derived;
    struct atoll_error_detail e = cap_derive(s, s->cap, &derived);
    return !cap_failed(&e) && !cap_is_null(&derived);
}

static struct atoll_error_detail configure(struct tcb *t, const uint64_t *w, size_t n,
                                           struct cap_slot *const *extra, size_t k)
{
    if (n < 1 || k < 2)
        return cap_truncated(1, 2);
    uint64_t ipc = w[0];
    if (cap_type(&extra[0]->cap) != CAP_CNODE || !derivable(extra[0]))
        return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
    if (cap_type(&extra[1]->cap) != CAP_PML4)
        return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 1);
    if (ipc) {
        if (k < 3)
            return cap_truncated(1, 3);
        if (cap_type(&extra[2]->cap) != CAP_FRAME_4K || cap_frame_is_device(&extra[2]->cap) ||
            !derivable(extra[2]))
            return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 2);
        if (ipc % ATOLL_IPC_BUFFER_ALIGN) {
            struct atoll_error_detail e = cap_error(ATOLL_ERR_ALIGNMENT_ERROR, 0);
            e.value0 = 10;
            return e;
        }
        if (ipc >= USER_ADDR_MAX)
            return cap_range_error(0, 0, USER_ADDR_MAX - 1);
    }
    /* Perform: copies of the caps into the TCB's own slots. */
    replace_slot_cap(tcb_slot(t, TCB_SLOT_CSPACE), extra[0]);
    replace_slot_cap(tcb_slot(t, TCB_SLOT_VSPACE), extra[1]);
    t->cr3 = cap_paddr(&extra[1]->cap);
    if (ipc) {
        replace_slot_cap(tcb_slot(t, TCB_SLOT_IPC_BUFFER), extra[2]);
        t->ipc_buffer_user = ipc;
    } else {
        cap_delete(tcb_slot(t, TCB_SLOT_IPC_BUFFER));
        t->ipc_buffer_user = 0;
    }
    return cap_ok();
}

static struct atoll_error_detail set_priority(struct tcb *t, uint64_t label, const uint64_t *w,
                                              size_t n, struct cap_slot *const *extra, size_t k)
{
    if (n < 1 || k < 1)
        return cap_truncated(1, 1);
    if (cap_type(&extra[0]->cap) != CAP_TCB)
        return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
    struct tcb *authority = tcb_from_cap(&extra[0]->cap);
    if (w[0] > authority->mcp)
        return cap_range_error(0, 0, authority->mcp);
    if (label == ATOLL_TCB_SET_PRIORITY)
        thread_set_priority(t, (uint8_t)w[0]);
    else
        t->mcp = (uint8_t)w[0];
    return cap_ok();
}

static struct atoll_error_detail read_registers(struct tcb *caller, struct tcb *t,
                                                const uint64_t *w, size_t n, uint64_t *reply,
                                                size_t *reply_length)
{
    if (n < 1)
        return cap_truncated(1, 0);
    if (t == caller)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    if (w[0] < 1 || w[0] > ATOLL_REG_COUNT)
        return cap_range_error(0, 1, ATOLL_REG_COUNT);
    for (unsigned i = 0; i < w[0]; i++)
        reply[i] = *register_ref(&t->context, i);
    *reply_length = w[0];
    return cap_ok();
}

static struct atoll_error_detail write_registers(struct tcb *caller, struct tcb *t,
                                                 const uint64_t *w, size_t n)
{
    if (n < 2)
        return cap_truncated(2, 0);
    if (t == caller)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    uint64_t count = w[1];
    if (count > ATOLL_REG_COUNT)
        return cap_range_error(1, 0, ATOLL_REG_COUNT);
    if (n < 2 + count)
        return cap_truncated(2 + count, 0);
    /* IRETQ to a non-canonical RIP faults in the kernel: refuse it here. */
    if (count > ATOLL_REG_RIP && w[2 + ATOLL_REG_RIP] >= USER_ADDR_MAX)
        return cap_range_error(2 + ATOLL_REG_RIP, 0, USER_ADDR_MAX - 1);
    if (count > ATOLL_REG_RSP && w[2 + ATOLL_REG_RSP] >= USER_ADDR_MAX)
        return cap_range_error(2 + ATOLL_REG_RSP, 0, USER_ADDR_MAX - 1);
    for (unsigned i = 0; i < count; i++)
        *register_ref(&t->context, i) = w[2 + i];
    t->context.rflags = (t->context.rflags & RFLAGS_USER_MASK) | RFLAGS_IF | RFLAGS_RESERVED1;
    if (w[0] && (t->state == THREAD_INACTIVE || t->state == THREAD_SUSPENDED) && t->cr3)
        thread_make_runnable(t);
    return cap_ok();
}

struct atoll_error_detail tcb_invoke(struct tcb *caller, struct cap_slot *slot, uint64_t label,
                                     const uint64_t *w, size_t n, struct cap_slot *const *extra,
                                     size_t k, uint64_t *reply, size_t *reply_length)
{
    struct tcb *t = tcb_from_cap(&slot->cap);
    *reply_length = 0;
    switch (label) {
    case ATOLL_TCB_CONFIGURE:
        return configure(t, w, n, extra, k);
    case ATOLL_TCB_SET_PRIORITY:
    case ATOLL_TCB_SET_MCP:
        return set_priority(t, label, w, n, extra, k);
    case ATOLL_TCB_READ_REGISTERS:
        return read_registers(caller, t, w, n, reply, reply_length);
    case ATOLL_TCB_WRITE_REGISTERS:
        return write_registers(caller, t, w, n);
    case ATOLL_TCB_RESUME:
        if (!t->cr3 || cap_type(&tcb_slot(t, TCB_SLOT_CSPACE)->cap) != CAP_CNODE)
            return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0); /* not configured */
        if (t->state == THREAD_INACTIVE || t->state == THREAD_SUSPENDED) {
            t->fault_kind = 0;
            thread_make_runnable(t);
        }
        return cap_ok();
    case ATOLL_TCB_SUSPEND:
        thread_suspend(t);
        return cap_ok();
    case ATOLL_TCB_BIND_NOTIFICATION: {
        if (k < 1)
            return cap_truncated(0, 1);
        if (cap_type(&extra[0]->cap) != CAP_NOTIFICATION ||
            !(cap_rights(&extra[0]->cap) & ATOLL_RIGHT_READ))
            return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
        struct notification *ntfn = phys_to_virt(cap_paddr(&extra[0]->cap));
        if (t->bound_ntfn || ntfn->bound)
            return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
        t->bound_ntfn = ntfn;
        ntfn->bound = t;
        return cap_ok();
    }
    case ATOLL_TCB_UNBIND_NOTIFICATION:
        if (!t->bound_ntfn)
            return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
        t->bound_ntfn->bound = NULL;
        t->bound_ntfn = NULL;
        return cap_ok();
    case ATOLL_TCB_SET_AFFINITY:
        if (n < 1)
            return cap_truncated(1, 0);
        if (w[0] >= MAX_CPUS || !percpu_area[w[0]].online)
            return cap_range_error(0, 0, cpu_online_count() - 1);
        if (t->rq.queued) {
            thread_suspend(t);
            t->affinity = (uint32_t)w[0];
            thread_make_runnable(t);
        } else {
            t->affinity = (uint32_t)w[0];
        }
        return cap_ok();
    case ATOLL_TCB_SET_FAULT_ENDPOINT:
        if (k >= 1 && (cap_type(&extra[0]->cap) != CAP_ENDPOINT ||
                       !(cap_rights(&extra[0]->cap) & ATOLL_RIGHT_WRITE)))
            return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
        if (k >= 1)
            replace_slot_cap(tcb_slot(t, TCB_SLOT_FAULT_EP), extra[0]);
        else
            cap_delete(tcb_slot(t, TCB_SLOT_FAULT_EP));
        return cap_ok();
    case ATOLL_TCB_SET_ABORT_MASK:
        if (n < 1)
            return cap_truncated(1, 0);
        t->abort_mask = w[0];
        return cap_ok();
    case ATOLL_TCB_SET_NAME:
        memset(t->name, 0, sizeof t->name);
        for (size_t i = 0; i < n && i < 2; i++)
            memcpy(t->name + 8 * i, &w[i], 8);
        t->name[THREAD_NAME_MAX - 1] = '\0';
        return cap_ok();
    default:
        return sched_tcb_invoke(caller, t, label, w, n, extra, k, reply, reply_length);
    }
}
