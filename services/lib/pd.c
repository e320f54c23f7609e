/* Protection domains from ELF images; see pd.h. */
#include "pd.h"

#include "atoll/irq.h"
#include "atoll/sched.h"
#include "atoll/tcb.h"
#include "elf.h"
#include "vspace.h"

#define DEPTH     64
#define PAGE_SIZE UINT64_C(0x1000)
/* The lowest address an image may use: page 0 stays unmapped. */
#define IMAGE_MIN PAGE_SIZE
/* A missing table on the way to a frame, by the bits left to translate
 * (atoll/invocation.h, FAILED_LOOKUP). */
#define MISSING_PDPT   39
#define MISSING_PD     30
#define MISSING_PT     21
#define TABLE_LEVELS   3
#define TCB_NAME_WORDS 2 /* atoll/tcb.h SET_NAME */

struct build {
    struct pd_env *env;
    struct pd *pd;
    uint64_t detail;
    const char *what;
    bool no_slots;
};

bool pd_env_slot(struct pd_env *env, uint64_t *slot)
{
    if (env->next_slot >= env->last_slot)
        return false;
    *slot = env->next_slot++;
    return true;
}

static bool take_slot(struct build *b, uint64_t *slot)
{
    if (pd_env_slot(b->env, slot))
        return true;
    b->what = "slots";
    b->no_slots = true;
    return false;
}

static bool check(struct build *b, struct atoll_error_detail e, const char *what)
{
    if (e.code == ATOLL_OK)
        return true;
    b->detail = e.code;
    b->what = what;
    return false;
}

static bool make(struct build *b, uint64_t type, uint64_t size_bits, uint64_t *slot,
                 const char *what)
{
    if (!take_slot(b, slot))
        return false;
    return check(
        b, atoll_untyped_retype(b->env->untyped, type, size_bits, b->env->cnode, 0, 0, *slot, 1),
        what);
}

/* Maps `frame` into `vspace` at `va`, making the page tables the kernel
 * reports missing. */
static bool map_frame(struct build *b, uint64_t vspace, uint64_t frame, uint64_t va,
                      uint64_t rights, uint64_t attributes)
{
    for (int attempt = 0; attempt <= TABLE_LEVELS; attempt++) {
        struct atoll_error_detail e = atoll_frame_map(frame, vspace, va, rights, attributes);
        if (e.code != ATOLL_ERR_FAILED_LOOKUP)
            return check(b, e, "map frame");
        uint64_t type = e.value1 == MISSING_PDPT ? ATOLL_OBJECT_PDPT
                        : e.value1 == MISSING_PD ? ATOLL_OBJECT_PD
                        : e.value1 == MISSING_PT ? ATOLL_OBJECT_PT
                                                 : 0;
        if (!type)
            return check(b, e, "map frame");
        uint64_t table;
        if (!make(b, type, 0, &table, "page table") ||
            !check(b, atoll_page_table_map(table, vspace, va), "map page table"))
            return false;
        b->pd->tables++;
    }
    b->what = "map frame: tables keep missing";
    return false;
}

/* A fresh frame at `va` of the domain holding `len` bytes from `src` at
 * `offset` in the page (the rest zero); returns its slot in *frame. */
static bool add_page(struct build *b, uint64_t va, const uint8_t *src, size_t offset, size_t len,
                     uint64_t rights, uint64_t attributes, uint64_t *frame)
{
    if (!make(b, ATOLL_OBJECT_FRAME_4K, 0, frame, "frame"))
        return false;
    if (len) {
        /* Fresh frames are zeroed: only the bytes from the file need a
         * trip through the parent's scratch page. */
        if (!map_frame(b, b->env->vspace, *frame, b->env->scratch_va, ATOLL_RIGHTS_RW, 0))
            return false;
        memcpy((uint8_t *)b->env->scratch_va + offset, src, len);
        if (!check(b, atoll_frame_unmap(*frame), "unmap scratch"))
            return false;
    }
    if (!map_frame(b, b->pd->vspace, *frame, va, rights, attributes))
        return false;
    b->pd->pages++;
    return true;
}

static bool load_segment(struct build *b, const uint8_t *image, const struct elf_segment *s)
{
    uint64_t start = s->vaddr & ~(PAGE_SIZE - 1);
    uint64_t end = (s->vaddr + s->memsz + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    uint64_t rights = ATOLL_RIGHT_READ | (s->flags & ELF_PF_W ? ATOLL_RIGHT_WRITE : 0);
    uint64_t attributes = s->flags & ELF_PF_X ? ATOLL_VM_EXECUTABLE : 0;
    uint64_t file_end = s->vaddr + s->filesz;
    for (uint64_t va = start; va < end; va += PAGE_SIZE) {
        uint64_t lo = va > s->vaddr ? va : s->vaddr;
        uint64_t hi = va + PAGE_SIZE < file_end ? va + PAGE_SIZE : file_end;
        uint64_t frame;
        const uint8_t *src = image + s->offset + (lo - s->vaddr);
        if (!add_page(b, va, src, lo - va, lo < hi ? hi - lo : 0, rights, attributes, &frame))
            return false;
    }
    return true;
}

static bool build_domain(struct build *b, const struct pd_params *p, const struct elf_image *elf)
{
    struct pd *pd = b->pd;
    struct pd_env *env = b->env;
    /* CSpace: a CNode whose guard makes slot i pointer i at depth 64. */
    uint64_t raw;
    if (!make(b, ATOLL_OBJECT_CNODE, PD_CNODE_RADIX, &raw, "cnode") || !take_slot(b, &pd->cnode) ||
        !check(b,
               atoll_cnode_copy_op(ATOLL_CNODE_MINT, env->cnode, pd->cnode, DEPTH, env->cnode, raw,
                                   DEPTH, ATOLL_RIGHTS_ALL,
                                   ATOLL_CNODE_GUARD_DATA(0, DEPTH - PD_CNODE_RADIX)),
               "cnode guard"))
        return false;
    if (!make(b, ATOLL_OBJECT_PML4, 0, &pd->vspace, "vspace"))
        return false;
    for (uint32_t i = 0; i < elf->segment_count; i++)
        if (!load_segment(b, p->image, &elf->segments[i]))
            return false;
    for (uint64_t i = 1; i <= PD_STACK_PAGES; i++) {
        uint64_t frame;
        if (!add_page(b, PD_STACK_TOP - i * PAGE_SIZE, NULL, 0, 0, ATOLL_RIGHTS_RW, 0, &frame))
            return false;
    }
    if (!add_page(b, PD_IPC_BUFFER, NULL, 0, 0, ATOLL_RIGHTS_RW, 0, &pd->ipc_buffer))
        return false;

    /* The thread and its input: an endpoint, a notification bound to the
     * thread (signals arrive in the same Recv), a reply object. */
    if (!make(b, ATOLL_OBJECT_TCB, 0, &pd->tcb, "tcb") ||
        !make(b, ATOLL_OBJECT_ENDPOINT, 0, &pd->endpoint, "endpoint") ||
        !make(b, ATOLL_OBJECT_NOTIFICATION, 0, &pd->notification, "notification") ||
        !check(b,
               atoll_cnode_copy_op(ATOLL_CNODE_COPY, pd->cnode, PD_SLOT_INPUT, DEPTH, env->cnode,
                                   pd->endpoint, DEPTH, ATOLL_RIGHTS_ALL, 0),
               "input endpoint") ||
        !check(b,
               atoll_untyped_retype(env->untyped, ATOLL_OBJECT_REPLY, 0, env->cnode, pd->cnode,
                                    DEPTH, PD_SLOT_REPLY, 1),
               "reply object") ||
        !check(b, atoll_invoke(pd->tcb, ATOLL_TCB_BIND_NOTIFICATION, NULL, 0, &pd->notification, 1),
               "bind notification"))
        return false;
    if (p->passive &&
        (!make(b, ATOLL_OBJECT_NOTIFICATION, 0, &pd->ready, "ready notification") ||
         !check(b,
                atoll_cnode_copy_op(ATOLL_CNODE_MINT, pd->cnode, PD_SLOT_READY, DEPTH, env->cnode,
                                    pd->ready, DEPTH, ATOLL_RIGHT_WRITE, 1),
                "ready notification")))
        return false;
    uint64_t caps[3] = {pd->cnode, pd->vspace, pd->ipc_buffer};
    uint64_t ipc = PD_IPC_BUFFER;
    if (!check(b, atoll_invoke(pd->tcb, ATOLL_TCB_CONFIGURE, &ipc, 1, caps, 3), "configure"))
        return false;
    uint64_t prio = p->priority;
    if (!check(b, atoll_invoke(pd->tcb, ATOLL_TCB_SET_PRIORITY, &prio, 1, &env->self_tcb, 1),
               "priority"))
        return false;
    size_t name_len = 0;
    while (p->name[name_len] && name_len < PD_NAME_MAX - 1)
        name_len++;
    memcpy(pd->name, p->name, name_len);
    pd->name[name_len] = '\0';
    /* The kernel keeps 15 characters for its reports; no failure here. */
    uint64_t name_words[TCB_NAME_WORDS] = {0};
    memcpy(name_words, pd->name, name_len < sizeof name_words ? name_len : sizeof name_words - 1);
    atoll_invoke(pd->tcb, ATOLL_TCB_SET_NAME, name_words, TCB_NAME_WORDS, NULL, 0);
    for (size_t i = 0; i < p->cap_count; i++)
        if (!check(b,
                   atoll_cnode_copy_op(ATOLL_CNODE_COPY, pd->cnode, PD_FIRST_GIVEN_SLOT + i, DEPTH,
                                       env->cnode, p->caps[i], DEPTH, ATOLL_RIGHTS_ALL, 0),
                   "give capability"))
            return false;
    if (p->fault_ep) {
        uint64_t badged;
        if (!take_slot(b, &badged) ||
            !check(b,
                   atoll_cnode_copy_op(ATOLL_CNODE_MINT, env->cnode, badged, DEPTH, env->cnode,
                                       p->fault_ep, DEPTH, ATOLL_RIGHTS_ALL, p->fault_badge),
                   "fault badge") ||
            !check(b, atoll_invoke(pd->tcb, ATOLL_TCB_SET_FAULT_ENDPOINT, NULL, 0, &badged, 1),
                   "fault endpoint"))
            return false;
    }
    if (!take_slot(b, &pd->sc))
        return false;
    if (!check(b,
               atoll_sched_context_new(env->untyped, env->cnode, pd->sc, p->core, p->budget_us,
                                       p->period_us),
               "scheduling context") ||
        !check(b, atoll_invoke(pd->sc, ATOLL_SCHED_CONTEXT_BIND, NULL, 0, &pd->tcb, 1),
               "bind scheduling context"))
        return false;
    enum { REGS = ATOLL_REG_COUNT };
    uint64_t regs[2 + REGS] = {0};
    regs[0] = !p->start_suspended; /* resume */
    regs[1] = REGS;
    regs[2 + ATOLL_REG_RIP] = elf->entry;
    regs[2 + ATOLL_REG_RSP] = PD_STACK_TOP;
    regs[2 + ATOLL_REG_RDI] = p->arg;
    regs[2 + ATOLL_REG_RSI] = p->passive ? PD_START_PASSIVE : 0;
    regs[2 + ATOLL_REG_RDX] = p->channels;
    return check(b, atoll_invoke(pd->tcb, ATOLL_TCB_WRITE_REGISTERS, regs, 2 + REGS, NULL, 0),
                 "start");
}

enum pd_error pd_create(struct pd_env *env, const struct pd_params *p, struct pd *out,
                        uint64_t *detail, const char **what)
{
    memset(out, 0, sizeof *out);
    struct build b = {.env = env, .pd = out, .detail = 0, .what = NULL};
    struct elf_image elf;
    enum elf_error e = elf_parse(p->image, p->image_size, IMAGE_MIN,
                                 PD_STACK_TOP - PD_STACK_PAGES * PAGE_SIZE, &elf);
    enum pd_error result = PD_OK;
    if (e != ELF_OK) {
        b.detail = e;
        b.what = elf_error_name(e);
        result = PD_ERR_ELF;
    } else if (!build_domain(&b, p, &elf)) {
        result = b.no_slots ? PD_ERR_NO_SLOTS : PD_ERR_KERNEL;
    }
    out->entry = elf.entry;
    if (detail)
        *detail = b.detail;
    if (what)
        *what = b.what;
    return result;
}

bool pd_start(struct pd *pd)
{
    return atoll_invoke(pd->tcb, ATOLL_TCB_RESUME, NULL, 0, NULL, 0).code == ATOLL_OK;
}

bool pd_make_passive(struct pd *pd)
{
    if (!pd->ready)
        return false;
    /* The domain signals and starts waiting in one system call
     * (NBSendRecv): once this Wait returns, it waits. */
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    atoll_syscall(ATOLL_SYS_WAIT, pd->ready, 0, mr);
    return atoll_invoke(pd->sc, ATOLL_SCHED_CONTEXT_UNBIND, NULL, 0, NULL, 0).code == ATOLL_OK;
}

/* Mints the parent's capability `src` with `badge` and `rights` into the
 * domain's slot `slot`. */
static bool give(struct pd_env *env, struct pd *to, uint64_t slot, uint64_t src, uint64_t rights,
                 uint64_t badge)
{
    return atoll_cnode_copy_op(ATOLL_CNODE_MINT, to->cnode, slot, DEPTH, env->cnode, src, DEPTH,
                               rights, badge)
               .code == ATOLL_OK;
}

bool pd_connect_notification(struct pd_env *env, struct pd *a, unsigned ch_a, struct pd *b,
                             unsigned ch_b)
{
    if (ch_a >= PD_CHANNELS || ch_b >= PD_CHANNELS)
        return false;
    return give(env, a, PD_SLOT_NOTIFY(ch_a), b->notification, ATOLL_RIGHT_WRITE,
                UINT64_C(1) << ch_b) &&
           give(env, b, PD_SLOT_NOTIFY(ch_b), a->notification, ATOLL_RIGHT_WRITE,
                UINT64_C(1) << ch_a);
}

bool pd_connect_irq(struct pd_env *env, struct pd *pd, unsigned ch, uint64_t handler)
{
    uint64_t badged;
    if (ch >= PD_CHANNELS || !pd_env_slot(env, &badged) ||
        atoll_cnode_copy_op(ATOLL_CNODE_MINT, env->cnode, badged, DEPTH, env->cnode,
                            pd->notification, DEPTH, ATOLL_RIGHT_WRITE, UINT64_C(1) << ch)
                .code != ATOLL_OK ||
        atoll_invoke(handler, ATOLL_IRQ_HANDLER_SET_NOTIFICATION, NULL, 0, &badged, 1).code !=
            ATOLL_OK)
        return false;
    return atoll_cnode_copy_op(ATOLL_CNODE_MOVE, pd->cnode, PD_SLOT_IRQ(ch), DEPTH, env->cnode,
                               handler, DEPTH, ATOLL_RIGHTS_ALL, 0)
               .code == ATOLL_OK;
}

bool pd_connect_ppc(struct pd_env *env, struct pd *client, unsigned ch_client, struct pd *server,
                    unsigned ch_server)
{
    if (ch_client >= PD_CHANNELS || ch_server >= PD_CHANNELS)
        return false;
    return give(env, client, PD_SLOT_PPC(ch_client), server->endpoint,
                ATOLL_RIGHT_WRITE | ATOLL_RIGHT_GRANT_REPLY, PD_PPC_BADGE_FLAG | ch_server);
}

bool pd_map_frame(struct pd_env *env, struct pd *pd, uint64_t frame, uint64_t va, uint64_t rights,
                  uint64_t attributes, uint64_t *detail)
{
    struct build b = {.env = env, .pd = pd, .detail = 0, .what = NULL};
    bool ok = map_frame(&b, pd->vspace, frame, va, rights, attributes);
    if (detail)
        *detail = b.detail;
    return ok;
}
