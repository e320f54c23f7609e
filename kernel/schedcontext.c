/* SchedContext and SchedControl invocations, the TCB's timeout endpoint,
 * and the SchedContext object's life (seL4 manual 6.1.5; ABI in
 * atoll/sched.h). Each invocation decodes everything first and then
 * performs through kernel/sched.c, which cannot fail (shared/STYLE.md). */
#include "schedcontext.h"
#include "ipc.h"
#include "objects.h"
#include "atoll/sched.h"
#include "cap/delete.h"
#include "cap/mdb.h"
#include "../arch/x86_64/cpu.h"
#include "../arch/x86_64/paging.h"

/* The ABI's refill count per size must be what refill.c computes. */
_Static_assert(REFILL_SC_KERNEL_BYTES + sizeof(struct refill_sc) == 136, "SC refill offset");
_Static_assert(sizeof(struct refill) == 16, "SC refill size");
_Static_assert(REFILL_MIN_REFILLS == 2, "SC minimum refills");
_Static_assert(ATOLL_SCHED_MAX_PERIOD_US <= UINT64_C(1) << 40,
               "µs-to-ticks conversion must not overflow");

static struct sched_context *sc_of(const struct cap *c)
{
    return phys_to_virt(cap_paddr(c));
}

/* ---- SchedControl_ConfigureFlags. */

struct sc_configuration {
    struct sched_context *sc;
    uint64_t budget, period, extra_refills; /* ticks, ticks, count */
    uint64_t badge;
    uint32_t core;
};

static struct atoll_error_detail decode_configure(const struct cap *control, const uint64_t *w,
                                                  size_t n, struct cap_slot *const *extra, size_t k,
                                                  struct sc_configuration *out)
{
    if (n < ATOLL_SCHED_CONFIGURE_ARGS || k < ATOLL_SCHED_CONFIGURE_EXTRA_CAPS)
        return cap_truncated(ATOLL_SCHED_CONFIGURE_ARGS, ATOLL_SCHED_CONFIGURE_EXTRA_CAPS);
    const struct cap *target = &extra[0]->cap;
    if (cap_type(target) != CAP_SCHED_CONTEXT)
        return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
    uint64_t budget_us = w[ATOLL_SCHED_CONFIGURE_ARG_BUDGET];
    uint64_t period_us = w[ATOLL_SCHED_CONFIGURE_ARG_PERIOD];
    uint64_t extra_refills = w[ATOLL_SCHED_CONFIGURE_ARG_EXTRA_REFILLS];
    uint64_t flags = w[ATOLL_SCHED_CONFIGURE_ARG_FLAGS];
    unsigned size_bits = cap_sched_context_size_bits(target);
    uint64_t max_extra = refill_max_for_size_bits(size_bits) - REFILL_MIN_REFILLS;
    /* In µs first, so that the ranges reported are the caller's units
     * and the conversion cannot overflow. */
    if (period_us > ATOLL_SCHED_MAX_PERIOD_US)
        return cap_range_error(ATOLL_SCHED_CONFIGURE_ARG_PERIOD, budget_us,
                               ATOLL_SCHED_MAX_PERIOD_US);
    if (budget_us < ATOLL_SCHED_MIN_BUDGET_US || budget_us > period_us)
        return cap_range_error(ATOLL_SCHED_CONFIGURE_ARG_BUDGET, ATOLL_SCHED_MIN_BUDGET_US,
                               period_us);
    if (extra_refills > max_extra)
        return cap_range_error(ATOLL_SCHED_CONFIGURE_ARG_EXTRA_REFILLS, 0, max_extra);
    if (flags & ~ATOLL_SCHED_FLAGS_VALID)
        return cap_error(ATOLL_ERR_INVALID_ARGUMENT, ATOLL_SCHED_CONFIGURE_ARG_FLAGS);
    uint64_t core = cap_sched_control_core(control);
    if (core >= MAX_CPUS || !percpu_area[core].online)
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0); /* a core that went away */
    out->sc = sc_of(target);
    out->budget = sched_us_to_ticks(budget_us);
    out->period = sched_us_to_ticks(period_us);
    out->extra_refills = extra_refills;
    out->badge = w[ATOLL_SCHED_CONFIGURE_ARG_BADGE];
    out->core = (uint32_t)core;
    /* The refill algorithm's own check, in ticks: it agrees with the
     * above unless the clock is too slow to tell the µs apart. */
    enum refill_config_error e = refill_configure_check(size_bits, out->budget, out->period,
                                                        extra_refills, sched_min_budget_ticks());
    switch (e) {
    case REFILL_CONFIG_OK:
        return cap_ok();
    case REFILL_CONFIG_PERIOD_TOO_LONG:
        return cap_range_error(ATOLL_SCHED_CONFIGURE_ARG_PERIOD, budget_us,
                               ATOLL_SCHED_MAX_PERIOD_US);
    case REFILL_CONFIG_TOO_MANY_REFILLS:
        return cap_range_error(ATOLL_SCHED_CONFIGURE_ARG_EXTRA_REFILLS, 0, max_extra);
    default:
        return cap_range_error(ATOLL_SCHED_CONFIGURE_ARG_BUDGET, ATOLL_SCHED_MIN_BUDGET_US,
                               period_us);
    }
}

/* ---- SchedControl_SetEndpointThreshold. */

static struct atoll_error_detail set_endpoint_threshold(const uint64_t *w, size_t n,
                                                        struct cap_slot *const *extra, size_t k)
{
    if (n < 1 || k < 1)
        return cap_truncated(1, 1);
    const struct cap *c = &extra[0]->cap;
    if (cap_type(c) != CAP_ENDPOINT || !(cap_rights(c) & ATOLL_RIGHT_READ))
        return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
    if (w[0] > ATOLL_SCHED_MAX_PERIOD_US)
        return cap_range_error(0, 0, ATOLL_SCHED_MAX_PERIOD_US);
    struct endpoint *ep = phys_to_virt(cap_paddr(c));
    ep->budget_threshold = sched_us_to_ticks(w[0]);
    return cap_ok();
}

struct atoll_error_detail schedcontrol_invoke(OBJECT_INVOKE_ARGS)
{
    (void)caller;
    (void)reply;
    *reply_length = 0;
    switch (label) {
    case ATOLL_SCHED_CONTROL_CONFIGURE_FLAGS: {
        struct sc_configuration c;
        struct atoll_error_detail e =
            decode_configure(&slot->cap, words, length, extra, extra_count, &c);
        if (cap_failed(&e))
            return e;
        sched_sc_configure(c.sc, c.budget, c.period, c.extra_refills, c.core, c.badge);
        return cap_ok();
    }
    case ATOLL_SCHED_CONTROL_SET_ENDPOINT_THRESHOLD:
        return set_endpoint_threshold(words, length, extra, extra_count);
    default:
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    }
}

/* ---- SchedContext. */

struct atoll_error_detail schedcontext_invoke(OBJECT_INVOKE_ARGS)
{
    (void)words;
    (void)length;
    struct sched_context *sc = sc_of(&slot->cap);
    *reply_length = 0;
    switch (label) {
    case ATOLL_SCHED_CONTEXT_BIND: {
        if (extra_count < 1)
            return cap_truncated(0, 1);
        if (cap_type(&extra[0]->cap) != CAP_TCB)
            return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
        struct tcb *t = tcb_from_cap(&extra[0]->cap);
        if (sc->tcb || t->sc)
            return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
        sched_sc_bind(sc, t);
        return cap_ok();
    }
    case ATOLL_SCHED_CONTEXT_UNBIND:
        if (!sc->tcb || sc->tcb == caller)
            return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
        sched_sc_unbind(sc);
        return cap_ok();
    case ATOLL_SCHED_CONTEXT_CONSUMED:
        reply[0] = sched_ticks_to_us(sched_sc_take_consumed(sc));
        *reply_length = 1;
        return cap_ok();
    default:
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    }
}

/* ---- TCB labels of atoll/sched.h. */

struct atoll_error_detail sched_tcb_invoke(struct tcb *caller, struct tcb *t, uint64_t label,
                                           const uint64_t *words, size_t length,
                                           struct cap_slot *const *extra, size_t extra_count,
                                           uint64_t *reply, size_t *reply_length)
{
    (void)caller;
    (void)words;
    (void)length;
    (void)reply;
    *reply_length = 0;
    switch (label) {
    case ATOLL_TCB_SET_TIMEOUT_ENDPOINT: {
        struct cap_slot *dest = tcb_slot(t, TCB_SLOT_TIMEOUT_EP);
        if (extra_count >= 1 && (cap_type(&extra[0]->cap) != CAP_ENDPOINT ||
                                 !(cap_rights(&extra[0]->cap) & ATOLL_RIGHT_WRITE)))
            return cap_error(ATOLL_ERR_INVALID_CAPABILITY, 0);
        cap_delete(dest);
        if (extra_count >= 1)
            cap_insert(extra[0]->cap, extra[0], dest);
        return cap_ok();
    }
    default:
        return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
    }
}

/* ---- Object life. */

void schedcontext_initialise(const struct cap *c)
{
    refill_sc_init(sc_refills(sc_of(c)), cap_sched_context_size_bits(c));
}

void schedcontext_finalise(const struct cap *c, bool final)
{
    if (final)
        sched_sc_finalise(sc_of(c));
}

void sched_boot_context(struct sched_context *sc, unsigned size_bits, struct tcb *t)
{
    refill_sc_init(sc_refills(sc), size_bits);
    uint64_t timeslice = sched_us_to_ticks(ATOLL_ROOT_TIMESLICE_US);
    sched_sc_configure(sc, timeslice, timeslice, 0, 0, 0);
    sched_sc_bind(sc, t);
}
