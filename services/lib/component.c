/* The component event loop; see component.h. Linked from the library
 * archive only into programs without a main() of their own. */
#include "component.h"
#include "console.h"
#include "atoll/irq.h"

int main(uint64_t arg, uint64_t flags, uint64_t channel_mask);

static uint64_t argument;
static uint64_t events;
static uint64_t channels;

bool component_has_channel(channel_t ch)
{
    return ch < PD_CHANNELS && (channels >> ch) & 1;
}

uint64_t component_argument(void)
{
    return argument;
}

uint64_t component_events(void)
{
    return events;
}

/* Weak (a GNU extension, as in libmicrokit): a component that serves no
 * PPC need not define protected(). */
__attribute__((weak)) struct ppc_msg protected(channel_t ch, struct ppc_msg m)
{
    (void)ch;
    (void)m;
    return (struct ppc_msg){.label = PPC_LABEL_NO_SERVER, .count = 0};
}

/* The register words of a received message (longer ones are cut to the
 * four a PPC carries). */
static struct ppc_msg message_of(struct atoll_syscall_result r)
{
    struct ppc_msg m = {.label = atoll_msginfo_label(r.info),
                        .count = atoll_msginfo_length(r.info)};
    if (m.count > ATOLL_MSG_REGISTERS)
        m.count = ATOLL_MSG_REGISTERS;
    for (unsigned i = 0; i < m.count; i++)
        m.words[i] = r.mr[i];
    return m;
}

void component_notify(channel_t ch)
{
    if (ch >= PD_CHANNELS)
        return;
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    atoll_syscall(ATOLL_SYS_SIGNAL, PD_SLOT_NOTIFY(ch), 0, mr);
}

void component_irq_ack(channel_t ch)
{
    if (ch < PD_CHANNELS)
        atoll_invoke(PD_SLOT_IRQ(ch), ATOLL_IRQ_HANDLER_ACK, NULL, 0, NULL, 0);
}

struct ppc_msg component_ppcall(channel_t ch, struct ppc_msg m)
{
    struct ppc_msg answer = {.label = PPC_LABEL_NO_SERVER, .count = 0};
    if (ch >= PD_CHANNELS || m.count > ATOLL_MSG_REGISTERS)
        return answer;
    struct atoll_syscall_result r =
        atoll_syscall(ATOLL_SYS_CALL, PD_SLOT_PPC(ch), atoll_msginfo(m.label, m.count, 0), m.words);
    if (r.error) {
        answer.words[0] = r.error;
        return answer;
    }
    return message_of(r);
}

static void deliver_signals(uint64_t bits)
{
    for (channel_t ch = 0; ch < PD_CHANNELS; ch++) {
        if (bits & (UINT64_C(1) << ch)) {
            events++;
            notified(ch);
        }
    }
}

/* crt0 passes rdi, rsi and rdx through: the argument, the start flags
 * (PD_START_*) and the channels the domain can signal. */
int main(uint64_t arg, uint64_t flags, uint64_t channel_mask)
{
    argument = arg;
    channels = channel_mask;
    /* Channel CONSOLE_CHANNEL is the console by convention: printf goes
     * to the serial driver from here on. */
    if (component_has_channel(CONSOLE_CHANNEL))
        console_attach();
    init();
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    /* A passive domain tells init it waits, atomically with the wait:
     * init then takes its scheduling context away. */
    struct atoll_syscall_result r =
        flags & PD_START_PASSIVE
            ? atoll_syscall_send_recv(PD_SLOT_READY, 0, mr, PD_SLOT_INPUT, PD_SLOT_REPLY)
            : atoll_syscall_reply(ATOLL_SYS_RECV, PD_SLOT_INPUT, 0, mr, PD_SLOT_REPLY);
    for (;;) {
        if (r.error || !(r.badge & PD_PPC_BADGE_FLAG)) {
            /* An error has nothing to answer; signals need no answer. */
            if (!r.error)
                deliver_signals(r.badge);
            r = atoll_syscall_reply(ATOLL_SYS_RECV, PD_SLOT_INPUT, 0, mr, PD_SLOT_REPLY);
            continue;
        }
        events++;
        struct ppc_msg a = protected((channel_t)(r.badge & ~PD_PPC_BADGE_FLAG), message_of(r));
        if (a.count > ATOLL_MSG_REGISTERS)
            a.count = ATOLL_MSG_REGISTERS;
        r = atoll_syscall_reply(ATOLL_SYS_REPLY_RECV, PD_SLOT_INPUT,
                                atoll_msginfo(a.label, a.count, 0), a.words, PD_SLOT_REPLY);
    }
}
