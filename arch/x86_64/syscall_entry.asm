; SYSCALL entry and the way back to user mode (SDM Vol. 2B SYSCALL).
;
; SYSCALL leaves RSP untouched, puts the user RIP in RCX and RFLAGS in R11,
; and masks IF (IA32_FMASK). The stub builds the same struct trap_frame an
; interrupt from ring 3 would, in the running thread's TCB, so every way in
; and out of user mode shares one layout. It writes every register and
; leaves four words as they are: CS and SS hold the user selectors from the
; TCB's creation on (tcb_initialise(); an interrupt from ring 3 stores the
; same two, the only ones ring 3 can load), and the vector and error code
; are read only by the interrupt entry that stored them (trap_dispatch()),
; never in a frame saved by SYSCALL. Call and ReplyRecv go to the IPC
; fast path (fastpath.asm), which falls back to the general path.

%include "layout.inc"
%include "frame.inc"

section .text
bits 64

extern syscall_dispatch, fastpath_call, fastpath_reply_recv
global syscall_entry, return_to_user

syscall_entry:
    swapgs
    mov [gs:PERCPU_USER_RSP], rsp
    mov rsp, [gs:PERCPU_USER_CONTEXT]
    sub rsp, 8                      ; ss
    push qword [gs:PERCPU_USER_RSP] ; rsp
    push r11                        ; rflags
    mov [rsp - 16], rcx             ; rip, below cs
    sub rsp, 32                     ; cs, rip, error code, vector
    PUSH_GPRS                       ; no CLD: IA32_FMASK clears DF (syscall.c)
    cmp rax, SYS_CALL               ; rax is still the system-call number
    je fastpath_call                ; RSP at the frame, registers as the user left them
    cmp rax, SYS_REPLY_RECV
    je fastpath_reply_recv
    mov rdi, rsp
    mov rsp, [gs:PERCPU_KERNEL_STACK]
    call syscall_dispatch
    ud2                             ; neither returns

; void return_to_user(struct trap_frame *frame): restores every register
; from the frame and returns to ring 3.
;
; SYSRET where it gives the same result as IRETQ, which costs several times
; as many cycles: SYSRET takes RIP from RCX and RFLAGS from R11, so the
; frame must hold RCX = RIP and R11 = RFLAGS (as every frame saved by
; SYSCALL does until the kernel moves RIP), and RIP must be below 2^47.
; SYSRET with a non-canonical RCX raises #GP in ring 0 with the user's RSP
; already loaded on Intel CPUs (SDM Vol. 2B SYSRET; CVE-2012-0217), and a
; SYSCALL in the last two bytes below 2^47 leaves exactly such an RIP, so
; the check is needed. CS and SS come from IA32_STAR (syscall.c), the same
; user selectors a user frame holds; SYSRET drops RF and VM from RFLAGS,
; which only matter to debuggers and virtual-8086 mode. The frame itself is
; the only input: no marker that another core could change while this
; thread's next entry waits for the kernel lock. Interrupts stay off until
; SYSRET or IRETQ loads the user's RFLAGS; NMI and machine checks run on
; their own IST stacks.
return_to_user:
    mov rsp, rdi
    mov rcx, [rsp + FRAME_RIP]
    cmp rcx, [rsp + FRAME_RCX]
    jne .iret
    mov r11, [rsp + FRAME_RFLAGS]
    cmp r11, [rsp + FRAME_R11]
    jne .iret
    shr rcx, 47                     ; RIP < 2^47: canonical, user half
    jnz .iret
    POP_GPRS                        ; RCX = RIP, R11 = RFLAGS
    mov rsp, [rsp + FRAME_RSP - FRAME_VECTOR]
    swapgs
    o64 sysret
.iret:
    POP_GPRS
    add rsp, 16                     ; vector and error code
    swapgs
    iretq
