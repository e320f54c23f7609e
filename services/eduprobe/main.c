/* A driver of QEMU's `edu` device (hw/misc/edu.c) as the system loader
 * hands it over for a [[device]] entry (ci/data/edu.toml): its BAR0
 * mapped uncached at EDU_REGS, and, in the confined system, its IOSpace in
 * PD_SLOT_IOSPACE(0) and its MSI on channel CH_MSI. It checks the
 * registers answer through the mapping and raises an interrupt; when that
 * arrives as an MSI on CH_MSI (only the confined system routes it), it
 * checks that the IOSpace capability is there. */
#include "component.h"
#include "atoll/iommu.h"

#define EDU_REGS        UINT64_C(0x20000000) /* ci/data/edu*.toml */
#define EDU_ID          0x00
#define EDU_ID_VALUE    UINT32_C(0x010000ed)
#define EDU_LIVENESS    0x04 /* reads back the inverse of what was written */
#define EDU_FACTORIAL   0x08
#define EDU_STATUS      0x20
#define EDU_STATUS_BUSY 0x1
#define EDU_IRQ_RAISE   0x60
#define EDU_IRQ_ACK     0x64
#define EDU_POLLS       1000000u
#define LIVENESS_WORD   UINT32_C(0x12345678)
#define CH_MSI          5

static volatile uint32_t *reg(unsigned off)
{
    return (volatile uint32_t *)(EDU_REGS + off);
}

void init(void)
{
    uint32_t id = *reg(EDU_ID);
    *reg(EDU_LIVENESS) = LIVENESS_WORD;
    bool alive = *reg(EDU_LIVENESS) == ~LIVENESS_WORD;
    *reg(EDU_FACTORIAL) = 5;
    for (unsigned i = 0; i < EDU_POLLS && (*reg(EDU_STATUS) & EDU_STATUS_BUSY); i++)
        __asm__ volatile("pause");
    uint32_t fact = *reg(EDU_FACTORIAL);
    printf("eduprobe: BAR0: id 0x%x, liveness %s, 5! = %u\n", id, alive ? "ok" : "WRONG", fact);
    if (id != EDU_ID_VALUE || !alive || fact != 120)
        printf("eduprobe: FAIL registers\n");
    *reg(EDU_IRQ_RAISE) = 1;
}

void notified(channel_t ch)
{
    if (ch != CH_MSI)
        return;
    *reg(EDU_IRQ_ACK) = 1;
    printf("eduprobe: MSI on channel %u\n", ch);
    /* With its capability in the slot, an IOSpace Map without a frame is
     * a truncated message; an empty slot would be a capability fault. */
    struct atoll_error_detail e =
        atoll_invoke(PD_SLOT_IOSPACE(0), ATOLL_IOSPACE_MAP, NULL, 0, NULL, 0);
    printf("eduprobe: IOSpace capability %s\n",
           e.code == ATOLL_ERR_TRUNCATED_MESSAGE ? "present" : "WRONG");
}
