#ifndef ATOLL_ARCH_SYSCALL_H
#define ATOLL_ARCH_SYSCALL_H

#include "trap.h"

/* SYSCALL is 0F 05: a system call is restarted by moving RIP back over it
 * (its registers are untouched until it is performed). */
#define SYSCALL_INSTRUCTION_BYTES 2

/* Enables SYSCALL on the calling core. */
void syscall_init_cpu(void);

/* Entry points from the stubs; neither returns (they leave through
 * return_to_user or the idle loop). */
_Noreturn void syscall_dispatch(struct trap_frame *frame);
/* Call and ReplyRecv go to the IPC fast path (arch/x86_64/fastpath.asm),
 * which hands what it does not handle to syscall_general(). */
/* syscall_dispatch() once the kernel lock is held. */
_Noreturn void syscall_general(struct trap_frame *frame);
_Noreturn void trap_dispatch_user(struct trap_frame *frame);
_Noreturn void return_to_user(struct trap_frame *frame);

#endif
