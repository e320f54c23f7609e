/* Kernel micro-benchmarks, run as the root task by `make bench` under
 * QEMU -icount shift=0, where the TSC advances by one per guest
 * instruction (shared/TESTING.md): every rdtsc delta is an instruction
 * count. Prints `bench: <name> <instructions per operation>` lines. */
#include "atoll.h"
#include "atoll/sched.h"
#include "atoll/tcb.h"
#include "vspace.h"

int main(uint64_t bootinfo);

#define ITERATIONS 1000
#define ROOT       ATOLL_SLOT_ROOT_CNODE
#define STACK      8192
#define UT_BITS    22
/* Threads started here share their core round robin. */
#define TIMESLICE_US 10000

static _Alignas(16) uint8_t stacks[4][STACK];
static uint64_t next_slot, untyped;
static volatile uint64_t server_reply;
/* Message length the server answers with: 1 takes the fast path, 5 (more
 * than the registers) forces the general path. */
static volatile uint64_t server_reply_length = 1;

extern char __image_start[], __image_end[];
/* Where a new address space's frames are filled from this one. */
#define SCRATCH  UINT64_C(0x0000100000000000)
#define IMAGE_VA UINT64_C(0x400000)

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

static uint64_t make(uint64_t type)
{
    uint64_t s = next_slot++;
    atoll_untyped_retype(untyped, type, 0, ROOT, 0, 0, s, 1);
    return s;
}

/* A round-robin scheduling context on `core` for a thread started here. */
static uint64_t timeslice(uint64_t core)
{
    uint64_t sc = next_slot++;
    if (atoll_sched_context_new(untyped, ROOT, sc, core, TIMESLICE_US, TIMESLICE_US).code)
        printf("bench: scheduling context failed\n");
    return sc;
}

/* The SC of the last thread spawned. */
static uint64_t spawned_sc;

/* Starts `fn(arg)` in this address space at `prio` on `core`. */
static uint64_t spawn(void (*fn)(uint64_t), uint64_t arg, uint8_t prio, uint64_t core,
                      unsigned stack)
{
    uint64_t tcb = make(ATOLL_OBJECT_TCB);
    if (core)
        atoll_invoke(tcb, ATOLL_TCB_SET_AFFINITY, &core, 1, NULL, 0);
    spawned_sc = timeslice(core);
    struct atoll_error_detail e =
        atoll_thread_start(tcb, spawned_sc, ROOT, ATOLL_SLOT_ROOT_VSPACE, ATOLL_SLOT_ROOT_TCB, prio,
                           fn, arg, stacks[stack] + STACK);
    if (e.code)
        printf("bench: thread start failed (%lu)\n", e.code);
    return tcb;
}

static void ipc_server(uint64_t ep)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    atoll_syscall_reply(ATOLL_SYS_RECV, ep, 0, mr, server_reply);
    for (;;)
        atoll_syscall_reply(ATOLL_SYS_REPLY_RECV, ep, atoll_msginfo(0, server_reply_length, 0), mr,
                            server_reply);
}

/* One system call of the minimal loops below: number, pointer and
 * message info into place, SYSCALL (the message words are whatever the
 * registers hold: one word is sent). */
#define MINIMAL_SYSCALL                                                                            \
    "mov %[number], %%eax\n\t"                                                                     \
    "mov %[ep], %%rdi\n\t"                                                                         \
    "mov %[info], %%esi\n\t"                                                                       \
    "syscall\n\t"

/* The same server with the least user code a round trip can have: one
 * instruction loop around SYSCALL (inline assembly, a GNU extension: C
 * cannot name registers), so that the kernel's share of a round trip can
 * be told apart from the library stub's (atoll_syscall_reply() loads the
 * message from memory and stores the whole result back). r12 holds the
 * reply object throughout: the kernel restores it. */
static void ipc_server_minimal(uint64_t ep)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    atoll_syscall_reply(ATOLL_SYS_RECV, ep, 0, mr, server_reply);
    register uint64_t reply __asm__("r12") = server_reply;
    __asm__ volatile(
        "1:\n\t" MINIMAL_SYSCALL "jmp 1b"
        :
        : [number] "i"(ATOLL_SYS_REPLY_RECV), [ep] "r"(ep), [info] "i"(atoll_msginfo(0, 1, 0)),
          "r"(reply)
        : "rax", "rdi", "rsi", "rdx", "r8", "r9", "r10", "rcx", "r11", "memory");
}

static uint64_t map_tables(uint64_t vspace, uint64_t vaddr)
{
    uint64_t err = 0;
    err |= atoll_page_table_map(make(ATOLL_OBJECT_PDPT), vspace, vaddr).code;
    err |= atoll_page_table_map(make(ATOLL_OBJECT_PD), vspace, vaddr).code;
    err |= atoll_page_table_map(make(ATOLL_OBJECT_PT), vspace, vaddr).code;
    return err;
}

/* A second address space running a copy of this program: every page of
 * the image (code, data, bss with the stacks) copied into fresh frames
 * mapped at the same addresses. Returns its PML4, or 0. */
static uint64_t clone_address_space(void)
{
    static bool scratch_ready;
    uint64_t pml4 = make(ATOLL_OBJECT_PML4);
    if (!scratch_ready && map_tables(ATOLL_SLOT_ROOT_VSPACE, SCRATCH))
        return 0;
    scratch_ready = true;
    if (map_tables(pml4, IMAGE_VA))
        return 0;
    for (uint64_t va = (uint64_t)__image_start; va < (uint64_t)__image_end; va += 4096) {
        uint64_t f = make(ATOLL_OBJECT_FRAME_4K);
        if (atoll_frame_map(f, ATOLL_SLOT_ROOT_VSPACE, SCRATCH, ATOLL_RIGHTS_RW, 0).code)
            return 0;
        memcpy((void *)SCRATCH, (const void *)va, 4096);
        atoll_frame_unmap(f);
        if (atoll_frame_map(f, pml4, va, ATOLL_RIGHTS_RW, ATOLL_VM_EXECUTABLE).code)
            return 0;
    }
    return pml4;
}

/* Starts `fn(arg)` in the address space `vspace` (a copy of this one). */
static void spawn_in(uint64_t vspace, void (*fn)(uint64_t), uint64_t arg, unsigned stack)
{
    uint64_t tcb = make(ATOLL_OBJECT_TCB);
    spawned_sc = timeslice(0);
    struct atoll_error_detail e = atoll_thread_start(
        tcb, spawned_sc, ROOT, vspace, ATOLL_SLOT_ROOT_TCB, 200, fn, arg, stacks[stack] + STACK);
    if (e.code)
        printf("bench: thread start in another address space failed (%lu)\n", e.code);
}

static void ntfn_waiter(uint64_t ntfn)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    for (;;)
        atoll_syscall(ATOLL_SYS_WAIT, ntfn, 0, mr);
}

/* The server just spawned waits in its Recv: from now on it runs on its
 * callers' scheduling contexts (a passive server, seL4 MCS), which the
 * IPC fast path hands over with the call. */
static void passive(void)
{
    atoll_invoke(spawned_sc, ATOLL_SCHED_CONTEXT_UNBIND, NULL, 0, NULL, 0);
}

static uint64_t measure_call_length(uint64_t ep, uint64_t length)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {1, 0, 0, 0};
    atoll_syscall(ATOLL_SYS_CALL, ep, atoll_msginfo(0, length, 0), mr); /* warm up */
    uint64_t t0 = rdtsc();
    for (int i = 0; i < ITERATIONS; i++)
        atoll_syscall(ATOLL_SYS_CALL, ep, atoll_msginfo(0, length, 0), mr);
    return (rdtsc() - t0) / ITERATIONS;
}

static uint64_t measure_call(uint64_t ep)
{
    return measure_call_length(ep, 1);
}

/* Call in the minimal loop of ipc_server_minimal(): move the number, the
 * pointer and the message info into place, SYSCALL, count down. */
static uint64_t measure_call_minimal(uint64_t ep)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {1, 0, 0, 0};
    atoll_syscall(ATOLL_SYS_CALL, ep, atoll_msginfo(0, 1, 0), mr); /* warm up */
    uint64_t n = ITERATIONS;
    uint64_t t0 = rdtsc();
    __asm__ volatile(
        "1:\n\t" MINIMAL_SYSCALL "dec %[n]\n\t"
        "jnz 1b"
        : [n] "+r"(n)
        : [number] "i"(ATOLL_SYS_CALL), [ep] "r"(ep), [info] "i"(atoll_msginfo(0, 1, 0))
        : "rax", "rdi", "rsi", "rdx", "r8", "r9", "r10", "rcx", "r11", "memory");
    return (rdtsc() - t0) / ITERATIONS;
}

int main(uint64_t bootinfo)
{
    const struct atoll_bootinfo *bi = (const struct atoll_bootinfo *)bootinfo;
    atoll_set_ipc_buffer((struct atoll_ipc_buffer *)bi->ipc_buffer);
    uint64_t empty = measure_empty();
    printf("bench: calibration_1000_nops %lu\n", measure_nops() - empty);
    printf("bench: rdtsc_overhead %lu\n", empty);
    printf("bench: null_syscall_round_trip %lu\n", measure_syscall(ATOLL_SYS_DEBUG_PUTS));
    printf("bench: yield_round_trip %lu\n", measure_syscall(ATOLL_SYS_YIELD));

    next_slot = bi->empty_first;
    for (uint64_t i = 0; i < bi->untyped_count && !untyped; i++)
        if (bi->untyped[i].size_bits > UT_BITS && !bi->untyped[i].is_device) {
            untyped = next_slot++;
            atoll_untyped_retype(bi->untyped_first + i, ATOLL_OBJECT_UNTYPED, UT_BITS, ROOT, 0, 0,
                                 untyped, 1);
        }

    /* Same core, same address space for now (separate VSpaces need frame
     * mapping): the server at higher priority, so a Call switches to it
     * directly and its ReplyRecv switches back. */
    uint64_t ep = make(ATOLL_OBJECT_ENDPOINT);
    server_reply = make(ATOLL_OBJECT_REPLY);
    spawn(ipc_server, ep, 200, 0, 0);
    passive();
    printf("bench: ipc_call_reply_round_trip %lu\n", measure_call(ep));

    uint64_t ntfn = make(ATOLL_OBJECT_NOTIFICATION);
    spawn(ntfn_waiter, ntfn, 200, 0, 1);
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    uint64_t t0 = rdtsc();
    for (int i = 0; i < ITERATIONS; i++)
        atoll_syscall(ATOLL_SYS_SIGNAL, ntfn, 0, mr);
    printf("bench: signal_to_waiting_thread %lu\n", (rdtsc() - t0) / ITERATIONS);

    if (bi->cpus >= 2) {
        uint64_t ep2 = make(ATOLL_OBJECT_ENDPOINT);
        server_reply = make(ATOLL_OBJECT_REPLY);
        spawn(ipc_server, ep2, 200, 1, 2);
        printf("bench: ipc_cross_core_round_trip %lu\n", measure_call(ep2));
    }
    /* Two address spaces: the server runs in a copy of this program. Its
     * reply length is fixed when it is copied: first the fast path... */
    uint64_t ep3 = make(ATOLL_OBJECT_ENDPOINT);
    server_reply = make(ATOLL_OBJECT_REPLY);
    server_reply_length = 1;
    uint64_t other = clone_address_space();
    if (other) {
        spawn_in(other, ipc_server, ep3, 3);
        passive();
        printf("bench: ipc_two_address_spaces_fast %lu\n", measure_call(ep3));
        /* ...the same with the minimal loops on both sides... */
        uint64_t ep5 = make(ATOLL_OBJECT_ENDPOINT);
        server_reply = make(ATOLL_OBJECT_REPLY);
        uint64_t other3 = clone_address_space();
        if (other3) {
            spawn_in(other3, ipc_server_minimal, ep5, 3);
            passive();
            printf("bench: ipc_two_address_spaces_fast_minimal_loop %lu\n",
                   measure_call_minimal(ep5));
        }
        /* ...then the general path: messages longer than the registers. */
        uint64_t ep4 = make(ATOLL_OBJECT_ENDPOINT);
        server_reply = make(ATOLL_OBJECT_REPLY);
        server_reply_length = 5;
        uint64_t other2 = clone_address_space();
        if (other2) {
            spawn_in(other2, ipc_server, ep4, 3);
            passive();
            printf("bench: ipc_two_address_spaces_slow %lu\n", measure_call_length(ep4, 5));
        }
    } else {
        printf("bench: could not build a second address space\n");
    }
    /* Revoking the untyped stops the threads made here. */
    atoll_cnode_slot_op(ATOLL_CNODE_REVOKE, ROOT, untyped, 64);
    printf("bench: done\n");
    return 0;
}
