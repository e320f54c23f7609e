/* Time: TSC frequency, the per-core LAPIC timer (TSC-deadline mode where
 * the CPU has it, else the LAPIC's own counter, calibrated, one-shot),
 * delays. The timer fires at the deadline the scheduler asks for, and at
 * the latest one tick (1 / TIMER_TICK_HZ) after it was last programmed. */
#ifndef ATOLL_ARCH_TIMER_H
#define ATOLL_ARCH_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#define TIMER_TICK_HZ 100

void timer_init(void);
/* Starts this core's timer (every core, after lapic_init_cpu). */
void timer_start_tick(void);
/* This core's timer interrupt comes at TSC `deadline`, or one tick from
 * now if that is earlier; an interrupt already due earlier is kept. */
void timer_set_deadline(uint64_t deadline);
/* No timer interrupt on this core until the next timer_set_deadline(). */
void timer_stop(void);
/* Waits for a few ticks on the bootstrap core and checks IOAPIC delivery
 * of the PIT; prints the result. */
void timer_selftest(void);
uint64_t timer_tsc_hz(void);
void timer_udelay(uint64_t microseconds);
bool timer_uses_tsc_deadline(void);

#endif
