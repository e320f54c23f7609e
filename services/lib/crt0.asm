; Entry of every Atoll user program: the kernel (or init) starts the thread
; at _start with RSP at the top of its stack and RDI holding the start
; argument (the boot-information page for the root task).
section .text
bits 64
global _start
extern main
extern atoll_debug_exit
_start:
    xor ebp, ebp
    and rsp, -16
    call main
    mov rdi, rax
    call atoll_debug_exit
.hang:
    jmp .hang
