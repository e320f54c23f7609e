/* Protection domains built at run time from an ELF image (issue 5's init
 * loader uses this for every domain of the system description): a CNode,
 * a VSpace with the image's segments copied into fresh frames, a stack, an
 * IPC buffer, a TCB on its own scheduling context, a fault endpoint badge.
 *
 * All objects come from the parent's untyped memory and are named by
 * slots of the parent's root CNode (depth-64 capability pointers, as the
 * root task's: slot i is pointer i). The parent fills frames by mapping
 * them at a scratch page of its own address space, one at a time. */
#ifndef ATOLL_USER_PD_H
#define ATOLL_USER_PD_H

#include "atoll.h"

/* What the parent lends to the builder. */
struct pd_env {
    uint64_t cnode;     /* the parent's root CNode (slot i is pointer i) */
    uint64_t next_slot; /* free slots [next_slot, last_slot) in it */
    uint64_t last_slot;
    uint64_t untyped;    /* retyped from; large enough for every object */
    uint64_t vspace;     /* the parent's VSpace */
    uint64_t self_tcb;   /* the parent's TCB: authority for priorities */
    uint64_t scratch_va; /* a page of the parent's address space, unused */
};

/* Layout of every domain's address space (the image is where it was
 * linked, services/lib/user.ld). */
#define PD_STACK_TOP   UINT64_C(0x00007ffffff00000)
#define PD_STACK_PAGES 8
#define PD_IPC_BUFFER  UINT64_C(0x00007ffffff11000)
#define PD_CNODE_RADIX 8 /* with a guard: slot i is pointer i at depth 64 */
#define PD_NAME_MAX    32

/* The domain's CSpace (slot i is pointer i; slot 0 stays empty): */
#define PD_SLOT_INPUT       1  /* its endpoint: PPC calls, and its bound notification */
#define PD_SLOT_REPLY       2  /* its reply object for the calls it serves */
#define PD_SLOT_READY       3  /* passive domains: signalled when it first waits */
#define PD_FIRST_GIVEN_SLOT 4  /* pd_params.caps */
#define PD_CHANNELS         63 /* channel ids 0..62 */
#define PD_SLOT_NOTIFY(ch)  (UINT64_C(16) + (ch))  /* Signal: the peer's notification */
#define PD_SLOT_PPC(ch)     (UINT64_C(80) + (ch))  /* Call: the server's endpoint */
#define PD_SLOT_IRQ(ch)     (UINT64_C(144) + (ch)) /* the IRQHandler delivered on channel ch */
#define PD_IOPORTS          32                     /* I/O port ranges a domain may hold */
/* I/O port range i of the domain (in the description's order). */
#define PD_SLOT_IOPORT(i) (UINT64_C(208) + (i))
#define PD_IOSPACES       8 /* IOSpaces a domain may hold */
/* The IOSpaces of the domain's [[device]] entries (their own) and of
 * [[iospace]] entries naming it, in description order. */
#define PD_SLOT_IOSPACE(i) (UINT64_C(240) + (i))
/* A PPC endpoint capability's badge: this flag and the server's channel
 * id (notification badges are channel bits 0..62, never bit 63). */
#define PD_PPC_BADGE_FLAG (UINT64_C(1) << 63)

struct pd_params {
    const char *name;
    const void *image; /* ELF bytes */
    size_t image_size;
    uint8_t priority;
    uint64_t budget_us, period_us; /* budget == period: round robin */
    uint64_t core;
    uint64_t fault_ep;    /* endpoint in the parent for faults, 0: none */
    uint64_t fault_badge; /* badge the domain's faults carry */
    uint64_t arg;         /* rdi at the entry point */
    /* rdx at the entry point: bit ch set for each channel ch the domain
     * can signal (the component library reads it, component.h). */
    uint64_t channels;
    /* Capabilities of the parent's (pointers) copied into the domain's
     * CNode at slots PD_FIRST_GIVEN_SLOT, PD_FIRST_GIVEN_SLOT + 1, ... */
    const uint64_t *caps;
    size_t cap_count;
    bool start_suspended; /* connect channels first, then pd_start() */
    /* Passive: once started, pd_make_passive() waits until the domain
     * first waits for calls, then takes its scheduling context away; it
     * then runs only on its callers' (PPC). It must not be notified. */
    bool passive;
};

/* Start flags, in rsi at the entry point (component.c reads them). */
#define PD_START_PASSIVE UINT64_C(1)

struct pd {
    char name[PD_NAME_MAX];
    uint64_t cnode, vspace, tcb, sc, ipc_buffer; /* slots in the parent's CNode */
    uint64_t endpoint, notification;             /* its input: the parent mints from these */
    uint64_t ready;                              /* passive domains: signalled at its first wait */
    uint64_t entry;
    uint64_t pages;  /* frames mapped (image, stack, IPC buffer) */
    uint64_t tables; /* page tables created */
};

enum pd_error {
    PD_OK = 0,
    PD_ERR_ELF,      /* the image is not a loadable executable (detail: elf_error) */
    PD_ERR_NO_SLOTS, /* the parent's free slots ran out */
    PD_ERR_KERNEL,   /* an invocation failed (detail: the error code) */
};

/* Builds the domain (with its input endpoint, bound notification and
 * reply object) and starts it, unless `start_suspended`: then
 * pd_start() does. On failure, `*detail` says more and
 * `what` (if not NULL) names the step; the objects made so far stay in the
 * parent's slots (revoking the untyped removes them). */
enum pd_error pd_create(struct pd_env *env, const struct pd_params *p, struct pd *out,
                        uint64_t *detail, const char **what);
/* Takes the next free slot of env's range; false when none is left. */
bool pd_env_slot(struct pd_env *env, uint64_t *slot);
bool pd_start(struct pd *pd);
/* Maps the parent's frame capability `frame` (unmapped) into the domain at
 * `va`, making the page tables it needs from env->untyped. */
bool pd_map_frame(struct pd_env *env, struct pd *pd, uint64_t frame, uint64_t va, uint64_t rights,
                  uint64_t attributes, uint64_t *detail);
/* For a domain created passive and started: waits until it waits for its
 * first call, then unbinds its scheduling context. */
bool pd_make_passive(struct pd *pd);

/* A notification channel: `a` signals `b` through its channel `ch_a`, and
 * `b` sees it as channel `ch_b`; and the other way round. Call before the
 * domains run (or they may signal an empty slot). */
bool pd_connect_notification(struct pd_env *env, struct pd *a, unsigned ch_a, struct pd *b,
                             unsigned ch_b);
/* An interrupt as channel `ch` of `pd`: binds the parent's IRQHandler
 * `handler` to the domain's notification (badge bit `ch`), then moves the
 * handler into the domain's slot PD_SLOT_IRQ(ch) (the parent keeps
 * nothing). The domain acknowledges by waiting again, or with
 * IRQHandler_Ack on that slot. */
bool pd_connect_irq(struct pd_env *env, struct pd *pd, unsigned ch, uint64_t handler);
/* A protected procedure call: `client` calls `server` through its channel
 * `ch_client`; the server sees channel `ch_server`. */
bool pd_connect_ppc(struct pd_env *env, struct pd *client, unsigned ch_client, struct pd *server,
                    unsigned ch_server);

#endif
