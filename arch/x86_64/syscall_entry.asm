; SYSCALL entry and the way back to user mode (SDM Vol. 2B SYSCALL).
;
; SYSCALL leaves RSP untouched, puts the user RIP in RCX and RFLAGS in R11,
; and masks IF (IA32_FMASK). The stub builds the same struct trap_frame an
; interrupt from ring 3 would, in the running thread's TCB, so every way in
; and out of user mode shares one layout.

%include "layout.inc"
%include "frame.inc"

section .text
bits 64

extern syscall_dispatch
global syscall_entry, return_to_user

syscall_entry:
    swapgs
    mov [gs:PERCPU_USER_RSP], rsp
    mov rsp, [gs:PERCPU_USER_CONTEXT]
    push SEL_USER_DATA              ; ss
    push qword [gs:PERCPU_USER_RSP] ; rsp
    push r11                        ; rflags
    push SEL_USER_CODE              ; cs
    push rcx                        ; rip
    push 0                          ; error
    push TRAP_VECTOR_SYSCALL        ; vector
    PUSH_GPRS
    cld
    mov rdi, rsp
    mov rsp, [gs:PERCPU_KERNEL_STACK]
    call syscall_dispatch
    ud2                             ; syscall_dispatch does not return

; void return_to_user(struct trap_frame *frame): restores every register
; from the frame and returns to ring 3. IRETQ rather than SYSRET: it has no
; non-canonical-RCX hazard and restores RSP, RFLAGS and CS:RIP atomically.
return_to_user:
    mov rsp, rdi
    POP_GPRS
    add rsp, 16                     ; vector and error code
    swapgs
    iretq
