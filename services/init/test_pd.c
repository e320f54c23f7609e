/* Protection domains loaded from boot modules (services/lib/pd.c): the
 * `hello` domain reports over the endpoint it was given, the `crasher`
 * domain touches memory it was not given; its fault reaches init, which
 * reports it by the domain's name, and hello keeps running. */
#include "tests.h"
#include "test.h"
#include "pd.h"
#include "atoll/sched.h"

#define ROOT    ATOLL_SLOT_ROOT_CNODE
#define DEPTH   64
#define UT_BITS 23 /* 8 MiB: two small domains with their tables */
/* Slots for this group, after what the other groups use. */
#define SLOTS_FROM        4096
#define SLOTS_END         6144 /* test_iommu.c's come next */
#define SCRATCH_VA        UINT64_C(0x0000500000000000)
#define DOMAIN_PRIO       100 /* below init: init waits, the domains share a core */
#define DOMAIN_US         5000
#define HELLO_ARG         21
#define HELLO_MAGIC       0x600d
#define HELLO_BADGE       0x1
#define FAULT_BADGE       0x100 /* + domain index */
#define CRASHER_ADDRESS   UINT64_C(0x0000000010000000)
#define EXPECTED_MESSAGES 3 /* hello twice, one fault */
/* services/ping and services/pong: channels and values. */
#define SERVER_PRIO       110 /* a PPC server above its client */
#define PING_BADGE        0x2
#define PING_CH_PONG      0
#define PING_CH_SERVER    1
#define PONG_CH_PING      3
#define PONG_CH_CLIENT    5
#define PING_ROUNDS       10
#define PING_ASK          41
#define PONG_LABEL_ANSWER 2
#define PING_PPC_ONLY     1 /* ping's argument bits: the call only, */
#define PING_REPORT       2 /* and report to init */

/* Creates ping (d[0]) and pong (d[1]) suspended, ping holding a report
 * endpoint badged PING_BADGE; in the `passive` pair ping only calls and
 * pong is passive. Records "<group>.create_*"; false if either failed. */
static bool ping_pong_pair(struct pd_env *env, const struct atoll_bootinfo *bi, uint64_t ep,
                           bool passive, struct pd d[2])
{
    const struct atoll_module_desc *ping = atoll_bootinfo_module(bi, "ping");
    const struct atoll_module_desc *pong = atoll_bootinfo_module(bi, "pong");
    if (!ping || !pong) {
        printf("init: no ping/pong boot modules: component tests skipped\n");
        return false;
    }
    uint64_t report = env->next_slot++;
    atoll_cnode_copy_op(ATOLL_CNODE_MINT, ROOT, report, DEPTH, ROOT, ep, DEPTH, ATOLL_RIGHT_WRITE,
                        PING_BADGE);
    struct pd_params params[2] = {
        {.name = passive ? "ping-ppc" : "ping",
         .image = (const void *)ping->vaddr,
         .image_size = ping->size,
         .priority = DOMAIN_PRIO,
         .caps = &report,
         .cap_count = 1,
         .arg = PING_REPORT | (passive ? PING_PPC_ONLY : 0)},
        {.name = passive ? "pong-passive" : "pong",
         .image = (const void *)pong->vaddr,
         .image_size = pong->size,
         .priority = SERVER_PRIO,
         .passive = passive},
    };
    static const char *const names[2][2] = {{"component.create_ping", "component.create_pong"},
                                            {"passive.create_client", "passive.create_server"}};
    for (unsigned i = 0; i < 2; i++) {
        params[i].budget_us = params[i].period_us = DOMAIN_US;
        params[i].fault_ep = ep;
        params[i].fault_badge = FAULT_BADGE + 2 + 2 * passive + i;
        params[i].start_suspended = true;
        uint64_t detail;
        const char *what;
        enum pd_error e = pd_create(env, &params[i], &d[i], &detail, &what);
        test_result(names[passive][i], e == PD_OK, "error %d at %s (detail %lu)", e,
                    what ? what : "?", detail);
        if (e != PD_OK)
            return false;
    }
    return true;
}

/* Two components (services/lib/component.c) wired by hand as the system
 * description will wire them: a notification channel (ping 0 <-> pong 3)
 * and a PPC (ping 1 -> pong 5, pong at the higher priority). */
static void test_components(struct pd_env *env, const struct atoll_bootinfo *bi, uint64_t ep,
                            uint64_t reply)
{
    struct pd d[2];
    if (!ping_pong_pair(env, bi, ep, false, d))
        return;
    TEST_EQ("component.connect_notification",
            pd_connect_notification(env, &d[0], PING_CH_PONG, &d[1], PONG_CH_PING), true);
    TEST_EQ("component.connect_ppc",
            pd_connect_ppc(env, &d[0], PING_CH_SERVER, &d[1], PONG_CH_CLIENT), true);
    TEST_EQ("component.channel_id_out_of_range_refused",
            pd_connect_notification(env, &d[0], PD_CHANNELS, &d[1], 0), false);
    TEST_EQ("component.start", pd_start(&d[1]) && pd_start(&d[0]), true);
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    struct atoll_syscall_result r = atoll_syscall_reply(ATOLL_SYS_RECV, ep, 0, mr, reply);
    TEST_EQ("component.report_from_ping", r.badge, PING_BADGE);
    TEST_EQ("component.notification_round_trips", r.mr[0], PING_ROUNDS);
    TEST_EQ("component.ppc_answer", r.mr[1], PING_ASK + 1);
    TEST_EQ("component.ppc_answer_label", r.mr[2], PONG_LABEL_ANSWER);
    TEST_EQ("component.events_counted", r.mr[3], PING_ROUNDS);
}

/* A passive PPC server: pong started passive runs its init() on its own
 * scheduling context, tells init it waits (NBSendRecv), loses the SC, and
 * then serves ping on ping's. */
static void test_passive_component(struct pd_env *env, const struct atoll_bootinfo *bi, uint64_t ep,
                                   uint64_t reply)
{
    struct pd d[2];
    if (!ping_pong_pair(env, bi, ep, true, d))
        return;
    TEST_EQ("passive.connect_ppc",
            pd_connect_ppc(env, &d[0], PING_CH_SERVER, &d[1], PONG_CH_CLIENT), true);
    TEST_EQ("passive.make_passive_needs_passive_domain", pd_make_passive(&d[0]), false);
    TEST_EQ("passive.server_start", pd_start(&d[1]), true);
    TEST_EQ("passive.server_made_passive", pd_make_passive(&d[1]), true);
    atoll_invoke(d[1].sc, ATOLL_SCHED_CONTEXT_CONSUMED, NULL, 0, NULL, 0); /* restart the count */
    TEST_EQ("passive.client_start", pd_start(&d[0]), true);
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    struct atoll_syscall_result r = atoll_syscall_reply(ATOLL_SYS_RECV, ep, 0, mr, reply);
    TEST_EQ("passive.report_from_client", r.badge, PING_BADGE);
    TEST_EQ("passive.ppc_answer", r.mr[1], PING_ASK + 1);
    struct atoll_error_detail c =
        atoll_invoke(d[1].sc, ATOLL_SCHED_CONTEXT_CONSUMED, NULL, 0, NULL, 0);
    TEST_EQ("passive.server_own_context_unused", c.code == ATOLL_OK ? c.argument : UINT64_MAX, 0);
}

void tests_pd(const struct atoll_bootinfo *bi)
{
    const struct atoll_module_desc *hello = atoll_bootinfo_module(bi, "hello");
    const struct atoll_module_desc *crasher = atoll_bootinfo_module(bi, "crasher");
    if (!hello || !crasher) {
        printf("init: no hello/crasher boot modules: protection-domain tests skipped\n");
        return;
    }
    struct pd_env env = {
        .cnode = ROOT,
        .next_slot = bi->empty_first + SLOTS_FROM,
        .last_slot = bi->empty_first + SLOTS_END,
        .vspace = ATOLL_SLOT_ROOT_VSPACE,
        .self_tcb = ATOLL_SLOT_ROOT_TCB,
        .scratch_va = SCRATCH_VA,
    };
    env.untyped = env.next_slot++;
    uint64_t code = atoll_untyped_carve(bi, UT_BITS, env.untyped);
    TEST_EQ("pd.setup_untyped", code, ATOLL_OK);
    uint64_t ep = env.next_slot++;
    atoll_untyped_retype(env.untyped, ATOLL_OBJECT_ENDPOINT, 0, ROOT, 0, 0, ep, 1);
    uint64_t reply = env.next_slot++;
    atoll_untyped_retype(env.untyped, ATOLL_OBJECT_REPLY, 0, ROOT, 0, 0, reply, 1);
    uint64_t report = env.next_slot++;
    atoll_cnode_copy_op(ATOLL_CNODE_MINT, ROOT, report, DEPTH, ROOT, ep, DEPTH, ATOLL_RIGHT_WRITE,
                        HELLO_BADGE);

    /* A broken image is refused before anything is made. */
    struct pd domains[2];
    uint64_t detail;
    const char *what;
    static const uint8_t not_elf[64] = {'n', 'o', 't'};
    struct pd_params bad = {.name = "broken",
                            .image = not_elf,
                            .image_size = sizeof not_elf,
                            .priority = DOMAIN_PRIO,
                            .budget_us = DOMAIN_US,
                            .period_us = DOMAIN_US};
    TEST_EQ("pd.non_elf_image_refused", pd_create(&env, &bad, &domains[0], &detail, &what),
            PD_ERR_ELF);

    struct pd_params params[2] = {
        {.name = "hello",
         .image = (const void *)hello->vaddr,
         .image_size = hello->size,
         .priority = DOMAIN_PRIO,
         .budget_us = DOMAIN_US,
         .period_us = DOMAIN_US,
         .fault_ep = ep,
         .fault_badge = FAULT_BADGE + 0,
         .arg = HELLO_ARG,
         .caps = &report,
         .cap_count = 1},
        {.name = "crasher",
         .image = (const void *)crasher->vaddr,
         .image_size = crasher->size,
         .priority = DOMAIN_PRIO,
         .budget_us = DOMAIN_US,
         .period_us = DOMAIN_US,
         .fault_ep = ep,
         .fault_badge = FAULT_BADGE + 1},
    };
    for (unsigned i = 0; i < 2; i++) {
        enum pd_error e = pd_create(&env, &params[i], &domains[i], &detail, &what);
        test_result(i ? "pd.create_crasher" : "pd.create_hello", e == PD_OK,
                    "error %d at %s (detail %lu)", e, what ? what : "?", detail);
        if (e != PD_OK)
            return;
    }
    test_result("pd.image_pages_and_tables",
                domains[0].pages > PD_STACK_PAGES + 1 && domains[0].tables >= 3,
                "%lu pages, %lu tables", domains[0].pages, domains[0].tables);

    unsigned hello_reports = 0, faults = 0;
    bool hello_after_fault = false, words_ok = true;
    for (unsigned n = 0; n < EXPECTED_MESSAGES; n++) {
        uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
        struct atoll_syscall_result r = atoll_syscall_reply(ATOLL_SYS_RECV, ep, 0, mr, reply);
        if (r.badge == HELLO_BADGE) {
            hello_reports++;
            hello_after_fault |= faults > 0;
            words_ok &= r.mr[0] == HELLO_ARG * 2 && r.mr[1] == HELLO_MAGIC;
        } else if (r.badge >= FAULT_BADGE && r.badge < FAULT_BADGE + 2) {
            const struct pd *d = &domains[r.badge - FAULT_BADGE];
            /* The supervisor's report: by name; the domain stays stopped
             * (no reply), every other domain carries on. */
            printf("init: domain %s: fault %lu at address 0x%lx (rip 0x%lx); domain stopped\n",
                   d->name, atoll_msginfo_label(r.info), r.mr[0], r.mr[2]);
            faults++;
            TEST_EQ("pd.fault_from_crasher", r.badge, FAULT_BADGE + 1);
            TEST_EQ("pd.fault_is_page_fault", atoll_msginfo_label(r.info), ATOLL_FAULT_VM);
            TEST_EQ("pd.fault_address", r.mr[0], CRASHER_ADDRESS);
        } else {
            test_result("pd.unexpected_message", false, "badge 0x%lx", r.badge);
        }
    }
    TEST_EQ("pd.hello_reported_twice", hello_reports, 2);
    TEST_EQ("pd.hello_words", words_ok, true);
    TEST_EQ("pd.one_fault", faults, 1);
    (void)hello_after_fault; /* order depends on scheduling; both must arrive */
    test_components(&env, bi, ep, reply);
    test_passive_component(&env, bi, ep, reply);
    /* Revoking the untyped tears every domain down. */
    TEST_EQ("pd.revoke_destroys_domains",
            atoll_cnode_slot_op(ATOLL_CNODE_REVOKE, ROOT, env.untyped, DEPTH).code, ATOLL_OK);
    /* Every slot of this group empty again: later groups share the range. */
    atoll_cnode_slot_op(ATOLL_CNODE_DELETE, ROOT, env.untyped, DEPTH);
}
