/* Checks what the system loader gives a domain for `[[ioport]]` and
 * `[[irq]]` entries (ci/data/ports.toml): an IOPort capability for exactly
 * each described range, in slots 208, 209, ... in the description's order,
 * and an interrupt delivered as a channel and
 * acknowledged by waiting again (the PIT at 1 kHz). */
#include "component.h"
#include "atoll/irq.h"
#include "i8254.h"

#define CMOS_FIRST 0x70 /* ci/data/ports.toml: ioport #1 */
#define CMOS_LAST  0x71
#define CH_PIT     3
#define INTERRUPTS 5

static unsigned interrupts, bad;

static struct atoll_error_detail in8(uint64_t slot, uint64_t port)
{
    return atoll_invoke(slot, ATOLL_IOPORT_IN8, &port, ATOLL_IOPORT_IN_ARGS, NULL, 0);
}

static void out8(uint64_t slot, uint64_t port, uint64_t value)
{
    uint64_t w[ATOLL_IOPORT_OUT_ARGS] = {port, value};
    atoll_invoke(slot, ATOLL_IOPORT_OUT8, w, ATOLL_IOPORT_OUT_ARGS, NULL, 0);
}

static void expect(bool ok, const char *what)
{
    if (!ok) {
        bad++;
        printf("porttest: FAIL %s\n", what);
    }
}

void init(void)
{
    uint64_t cmos = PD_SLOT_IOPORT(0), pit = PD_SLOT_IOPORT(1);
    expect(in8(cmos, CMOS_LAST).code == ATOLL_OK, "first range reads its last port");
    struct atoll_error_detail e = in8(cmos, CMOS_LAST + 1);
    expect(e.code == ATOLL_ERR_RANGE_ERROR && e.value0 == CMOS_FIRST && e.value1 == CMOS_LAST,
           "first range is exactly 0x70-0x71");
    expect(in8(cmos, PIT_CHANNEL0).code == ATOLL_ERR_RANGE_ERROR,
           "first range does not reach the second's ports");
    e = in8(pit, PIT_COMMAND + 1);
    expect(e.code == ATOLL_ERR_RANGE_ERROR && e.value0 == PIT_CHANNEL0,
           "second range is exactly 0x40-0x43");
    printf("porttest: I/O port ranges exact, %u failures\n", bad);
    out8(pit, PIT_COMMAND, PIT_CH0_LOHI_RATE);
    out8(pit, PIT_CHANNEL0, PIT_DIVISOR_1KHZ & 0xff);
    out8(pit, PIT_CHANNEL0, PIT_DIVISOR_1KHZ >> 8);
}

void notified(channel_t ch)
{
    if (ch != CH_PIT || ++interrupts != INTERRUPTS)
        return;
    /* Returning waits again, which acknowledges each interrupt: the
     * later ones could not have arrived otherwise. */
    printf("porttest: %u PIT interrupts on channel %u\n", interrupts, ch);
}
