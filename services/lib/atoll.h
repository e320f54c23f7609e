/* User-level runtime for Atoll components: system-call stubs, console
 * output, a few libc pieces. Components include this and the ABI headers
 * in kernel/include/atoll/, nothing kernel-private. */
#ifndef ATOLL_USER_ATOLL_H
#define ATOLL_USER_ATOLL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atoll/bootinfo.h"
#include "atoll/errors.h"
#include "atoll/invocation.h"
#include "atoll/ipc.h"
#include "atoll/objects.h"
#include "atoll/rights.h"
#include "atoll/syscall.h"

struct atoll_syscall_result {
    uint64_t error; /* rax */
    uint64_t badge; /* rdi */
    uint64_t info;  /* rsi */
    uint64_t mr[ATOLL_MSG_REGISTERS];
};

/* The one raw system call; everything else is built on it. */
struct atoll_syscall_result atoll_syscall(uint64_t number, uint64_t cptr, uint64_t info,
                                          const uint64_t mr[ATOLL_MSG_REGISTERS]);

struct atoll_syscall_result atoll_syscall_reply(uint64_t number, uint64_t cptr, uint64_t info,
                                                const uint64_t mr[ATOLL_MSG_REGISTERS],
                                                uint64_t reply);
/* NBSendRecv (atoll/syscall.h): NBSend on `cptr`, then Recv on `recv`
 * with the reply object `reply`, as one system call. */
struct atoll_syscall_result atoll_syscall_send_recv(uint64_t cptr, uint64_t info,
                                                    const uint64_t mr[ATOLL_MSG_REGISTERS],
                                                    uint64_t recv, uint64_t reply);
/* Poll on a notification: its badge word, 0 when nothing was signalled. */
uint64_t atoll_poll(uint64_t ntfn);
void atoll_yield(void);
/* atoll_poll, retried with a yield in between up to `tries` times. */
uint64_t atoll_poll_for(uint64_t ntfn, unsigned tries);
/* The kernel's debug console; false when refused (release kernels let
 * only the root task use it). */
bool atoll_debug_write(const char *s, size_t len);

/* Starts a thread in this address space (services/lib/thread.c): `tcb` is
 * a fresh TCB capability, `sched_context` a configured SchedContext that
 * is bound to it (0: none, a passive thread that runs only on SCs donated
 * to it), `self_tcb` the authority for its priority. */
struct atoll_error_detail atoll_thread_start(uint64_t tcb, uint64_t sched_context, uint64_t cspace,
                                             uint64_t vspace, uint64_t self_tcb, uint8_t priority,
                                             void (*entry)(uint64_t), uint64_t arg,
                                             void *stack_top);
/* A SchedContext (atoll/sched.h) retyped from `untyped` into slot `dest`
 * of `cnode` (a root CNode whose slots are depth-64 pointers, such as
 * init's) and configured through the SchedControl of `core`: round robin
 * when budget == period. */
struct atoll_error_detail atoll_sched_context_new(uint64_t untyped, uint64_t cnode, uint64_t dest,
                                                  uint64_t core, uint64_t budget_us,
                                                  uint64_t period_us);

/* Invocations (services/lib/invoke.c). */
void atoll_set_ipc_buffer(struct atoll_ipc_buffer *buffer);
struct atoll_ipc_buffer *atoll_get_ipc_buffer(void);
struct atoll_error_detail atoll_invoke(uint64_t cptr, uint64_t label, const uint64_t *words,
                                       size_t length, const uint64_t *caps, size_t cap_count);
struct atoll_error_detail atoll_untyped_retype(uint64_t untyped, uint64_t type, uint64_t size_bits,
                                               uint64_t root, uint64_t node_index,
                                               uint64_t node_depth, uint64_t offset,
                                               uint64_t count);
/* CNode Revoke and Delete. */
struct atoll_error_detail atoll_cnode_slot_op(uint64_t label, uint64_t cnode, uint64_t index,
                                              uint64_t depth);
/* CNode Copy, Mint, Move, Mutate (rights for Copy/Mint, data for
 * Mint/Mutate; ignored otherwise). */
struct atoll_error_detail atoll_cnode_copy_op(uint64_t label, uint64_t cnode, uint64_t dest_index,
                                              uint64_t dest_depth, uint64_t src_root,
                                              uint64_t src_index, uint64_t src_depth,
                                              uint64_t rights, uint64_t data);
_Noreturn void atoll_debug_exit(uint64_t status);

/* Boot information (services/lib/bootinfo.c). The boot module named
 * `name` (NULL: none). */
const struct atoll_module_desc *atoll_bootinfo_module(const struct atoll_bootinfo *bi,
                                                      const char *name);
/* Retypes a 2^bits untyped into root-CNode slot `dest` from the first RAM
 * untyped that still has room (earlier users may have taken the first
 * ones); ATOLL_OK or the error of the last attempt. */
uint64_t atoll_untyped_carve(const struct atoll_bootinfo *bi, uint64_t bits, uint64_t dest);

/* The TSC (user level may read it: CR4.TSD is clear). */
static inline uint64_t atoll_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

#endif
