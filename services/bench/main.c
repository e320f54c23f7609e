/* Kernel micro-benchmarks, run as the root task by `make bench` under
 * QEMU -icount shift=0, where the TSC advances by one per guest
 * instruction (shared/TESTING.md): every rdtsc delta is an instruction
 * count. Prints `bench: <name> <instructions per operation>` lines. */
#include "atoll.h"

int main(uint64_t bootinfo);

#define ITERATIONS 1000
#define NOPS       1000

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

/* A loop of known length checks the instruction-count assumption: its
 * count must come out as NOPS plus a few. */
static uint64_t measure_nops(void)
{
    uint64_t t0 = rdtsc();
    __asm__ volatile(".rept 1000\n\tnop\n\t.endr" ::: "memory");
    return rdtsc() - t0;
}

static uint64_t measure_empty(void)
{
    uint64_t t0 = rdtsc();
    uint64_t t1 = rdtsc();
    return t1 - t0;
}

static uint64_t measure_syscall(uint64_t number)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    uint64_t t0 = rdtsc();
    for (int i = 0; i < ITERATIONS; i++)
        atoll_syscall(number, 0, 0, mr);
    return (rdtsc() - t0) / ITERATIONS;
}

int main(uint64_t bootinfo)
{
    (void)bootinfo;
    uint64_t empty = measure_empty();
    printf("bench: calibration_1000_nops %lu\n", measure_nops() - empty);
    printf("bench: rdtsc_overhead %lu\n", empty);
    printf("bench: null_syscall_round_trip %lu\n", measure_syscall(ATOLL_SYS_DEBUG_PUTS));
    printf("bench: yield_round_trip %lu\n", measure_syscall(ATOLL_SYS_YIELD));
    printf("bench: done\n");
    return 0;
}
