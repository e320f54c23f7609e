/* The root task. For now a user-level kernel test runner (issue 4 grows it
 * into a sel4test-like suite; issue 5 makes it the system loader). */
#include "atoll.h"
#include "test.h"
#include "tests.h"
#include "system.h"

int main(uint64_t bootinfo);

/* Values the kernel must keep in callee-saved registers across SYSCALL. */
#define CANARY_RBX UINT64_C(0x1111222233334444)
#define CANARY_R12 UINT64_C(0x5555666677778888)
#define CANARY_R15 UINT64_C(0x99990000aaaabbbb)

static void test_debug_puts_length(void)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    struct atoll_syscall_result r =
        atoll_syscall(ATOLL_SYS_DEBUG_PUTS, 0, ATOLL_DEBUG_PUTS_MAX + 1, mr);
    test_result("syscall.debug_puts_rejects_long_length", r.error != 0,
                "expected a non-zero error, got 0");
    r = atoll_syscall(ATOLL_SYS_DEBUG_PUTS, 0, 0, mr);
    TEST_EQ("syscall.debug_puts_empty_ok", r.error, 0);
}

static void test_registers_preserved(void)
{
    uint64_t rbx, r12, r15;
    /* Load canaries, make a system call, read them back. */
    __asm__ volatile("movq %3, %%rbx\n\t"
                     "movq %4, %%r12\n\t"
                     "movq %5, %%r15\n\t"
                     "movl %6, %%eax\n\t"
                     "syscall\n\t"
                     "movq %%rbx, %0\n\t"
                     "movq %%r12, %1\n\t"
                     "movq %%r15, %2\n\t"
                     : "=r"(rbx), "=r"(r12), "=r"(r15)
                     : "i"(CANARY_RBX), "i"(CANARY_R12), "i"(CANARY_R15), "i"(ATOLL_SYS_YIELD)
                     : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12",
                       "r15", "memory");
    TEST_EQ("syscall.preserves_rbx", rbx, CANARY_RBX);
    TEST_EQ("syscall.preserves_r12", r12, CANARY_R12);
    TEST_EQ("syscall.preserves_r15", r15, CANARY_R15);
}

static void test_fpu_state(void)
{
    uint32_t mxcsr = 0;
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    TEST_EQ("fpu.initial_mxcsr_is_default", mxcsr, 0x1f80);

    /* SSE state survives a trip through the kernel. */
    uint64_t in[2] = {UINT64_C(0x0123456789abcdef), UINT64_C(0xfedcba9876543210)};
    uint64_t out[2] = {0, 0};
    __asm__ volatile("movdqu (%1), %%xmm3\n\t"
                     "movl %2, %%eax\n\t"
                     "syscall\n\t"
                     "movdqu %%xmm3, (%0)\n\t"
                     :
                     : "r"(out), "r"(in), "i"(ATOLL_SYS_YIELD)
                     : "rax", "rcx", "r11", "xmm3", "memory");
    TEST_EQ("fpu.xmm_preserved_across_syscall_lo", out[0], in[0]);
    TEST_EQ("fpu.xmm_preserved_across_syscall_hi", out[1], in[1]);
}

/* Slots and memory of the loaded system: after every test group's. */
#define SYSTEM_SLOTS_FROM 6400
#define SYSTEM_UT_BITS    24
#define SYSTEM_SCRATCH_VA UINT64_C(0x0000510000000000)

/* With a system spec among the boot modules, init is the system loader:
 * it builds that system and then only reports faults. */
static int run_system(const struct atoll_bootinfo *bi, const struct atoll_module_desc *m)
{
    struct pd_env env = {
        .cnode = ATOLL_SLOT_ROOT_CNODE,
        .next_slot = bi->empty_first + SYSTEM_SLOTS_FROM,
        .last_slot = bi->empty_last,
        .vspace = ATOLL_SLOT_ROOT_VSPACE,
        .self_tcb = ATOLL_SLOT_ROOT_TCB,
        .scratch_va = SYSTEM_SCRATCH_VA,
    };
    env.untyped = env.next_slot++;
    uint64_t code = atoll_untyped_carve(bi, SYSTEM_UT_BITS, env.untyped);
    static struct system sys;
    if (code != ATOLL_OK || !system_load(&env, bi, (const void *)m->vaddr, m->size, &sys)) {
        printf("init: system not started\n");
        return 1;
    }
    system_supervise(&sys, 0);
    return 0;
}

int main(uint64_t bootinfo)
{
    const struct atoll_bootinfo *bi = (const struct atoll_bootinfo *)bootinfo;
    printf("init: started, bootinfo at 0x%lx\n", bootinfo);
    atoll_set_ipc_buffer((struct atoll_ipc_buffer *)bi->ipc_buffer);
    const struct atoll_module_desc *spec = atoll_bootinfo_module(bi, SYSTEM_SPEC_MODULE);
    if (spec)
        return run_system(bi, spec);
    test_debug_puts_length();
    test_registers_preserved();
    test_fpu_state();
    tests_cap(bi);
    tests_vspace(bi);
    tests_ipc(bi);
    tests_mcs(bi);
    tests_fastpath(bi);
    tests_irq(bi);
    tests_pd(bi);
    tests_vmx(bi);
    tests_vmx2(bi);
    tests_iommu(bi);
    tests_e1000(bi);
    test_summary("init");
    /* Last: a user fault must suspend this thread, not stop the kernel. */
    printf("init: touching kernel memory on purpose\n");
    volatile const uint64_t *kernel = (const uint64_t *)UINT64_C(0xffffffff80200000);
    return (int)*kernel;
}
