#include "atoll.h"

/* Register ABI in kernel/include/atoll/syscall.h. Inline assembly (a GNU
 * extension) is the only way to issue SYSCALL from C. */
struct atoll_syscall_result atoll_syscall(uint64_t number, uint64_t cptr, uint64_t info,
                                          const uint64_t mr[ATOLL_MSG_REGISTERS])
{
    register uint64_t rax __asm__("rax") = number;
    register uint64_t rdi __asm__("rdi") = cptr;
    register uint64_t rsi __asm__("rsi") = info;
    register uint64_t rdx __asm__("rdx") = mr[0];
    register uint64_t r8 __asm__("r8") = mr[1];
    register uint64_t r9 __asm__("r9") = mr[2];
    register uint64_t r10 __asm__("r10") = mr[3];
    __asm__ volatile("syscall"
                     : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r8), "+r"(r9), "+r"(r10)
                     :
                     : "rcx", "r11", "memory");
    return (struct atoll_syscall_result){rax, rdi, rsi, {rdx, r8, r9, r10}};
}

bool atoll_debug_write(const char *s, size_t len)
{
    while (len) {
        size_t n = len < ATOLL_DEBUG_PUTS_MAX ? len : ATOLL_DEBUG_PUTS_MAX;
        uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
        for (size_t i = 0; i < n; i++)
            mr[i / 8] |= (uint64_t)(uint8_t)s[i] << (8 * (i % 8));
        if (atoll_syscall(ATOLL_SYS_DEBUG_PUTS, 0, n, mr).error != ATOLL_OK)
            return false;
        s += n;
        len -= n;
    }
    return true;
}

_Noreturn void atoll_debug_exit(uint64_t status)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    for (;;)
        atoll_syscall(ATOLL_SYS_DEBUG_EXIT, status, 0, mr);
}

/* As atoll_syscall, with r12 (the reply-object pointer of Recv and
 * ReplyRecv). */
struct atoll_syscall_result atoll_syscall_reply(uint64_t number, uint64_t cptr, uint64_t info,
                                                const uint64_t mr[ATOLL_MSG_REGISTERS],
                                                uint64_t reply)
{
    register uint64_t rax __asm__("rax") = number;
    register uint64_t rdi __asm__("rdi") = cptr;
    register uint64_t rsi __asm__("rsi") = info;
    register uint64_t rdx __asm__("rdx") = mr[0];
    register uint64_t r8 __asm__("r8") = mr[1];
    register uint64_t r9 __asm__("r9") = mr[2];
    register uint64_t r10 __asm__("r10") = mr[3];
    register uint64_t r12 __asm__("r12") = reply;
    __asm__ volatile("syscall"
                     : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r8), "+r"(r9), "+r"(r10)
                     : "r"(r12)
                     : "rcx", "r11", "memory");
    return (struct atoll_syscall_result){rax, rdi, rsi, {rdx, r8, r9, r10}};
}

/* NBSendRecv: NBSend on `cptr`, then Recv on `recv` with `reply` (r13,
 * r12), atomically. */
struct atoll_syscall_result atoll_syscall_send_recv(uint64_t cptr, uint64_t info,
                                                    const uint64_t mr[ATOLL_MSG_REGISTERS],
                                                    uint64_t recv, uint64_t reply)
{
    register uint64_t rax __asm__("rax") = ATOLL_SYS_NBSEND_RECV;
    register uint64_t rdi __asm__("rdi") = cptr;
    register uint64_t rsi __asm__("rsi") = info;
    register uint64_t rdx __asm__("rdx") = mr[0];
    register uint64_t r8 __asm__("r8") = mr[1];
    register uint64_t r9 __asm__("r9") = mr[2];
    register uint64_t r10 __asm__("r10") = mr[3];
    register uint64_t r12 __asm__("r12") = reply;
    register uint64_t r13 __asm__("r13") = recv;
    __asm__ volatile("syscall"
                     : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r8), "+r"(r9), "+r"(r10)
                     : "r"(r12), "r"(r13)
                     : "rcx", "r11", "memory");
    return (struct atoll_syscall_result){rax, rdi, rsi, {rdx, r8, r9, r10}};
}

uint64_t atoll_poll(uint64_t ntfn)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    return atoll_syscall(ATOLL_SYS_POLL, ntfn, 0, mr).badge;
}

void atoll_yield(void)
{
    uint64_t mr[ATOLL_MSG_REGISTERS] = {0};
    atoll_syscall(ATOLL_SYS_YIELD, 0, 0, mr);
}

uint64_t atoll_poll_for(uint64_t ntfn, unsigned tries)
{
    uint64_t badge = atoll_poll(ntfn);
    for (unsigned i = 1; i < tries && badge == 0; i++) {
        atoll_yield();
        badge = atoll_poll(ntfn);
    }
    return badge;
}
