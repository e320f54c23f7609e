; Interrupt and exception entry stubs. Every vector gets a stub that pushes
; a uniform frame (error code or 0, then the vector) so one C function,
; trap_dispatch(), sees the same struct trap_frame for all of them
; (SDM Vol. 3A 6.14: 64-bit interrupt stack frame).

%include "layout.inc"
%include "frame.inc"

section .text
bits 64

extern trap_dispatch
extern trap_dispatch_user

; Vectors for which the CPU pushes an error code (SDM Vol. 3A table 6-1).
%define HAS_ERROR(v) ((v) == 8 || (v) == 10 || (v) == 11 || (v) == 12 || (v) == 13 || (v) == 14 || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

%assign v 0
%rep 256
align 16
trap_stub_ %+ v:
%if HAS_ERROR(v) == 0
    push 0
%endif
    push v
    jmp trap_common
%assign v v + 1
%endrep

trap_common:
    test qword [rsp + TRAP_FRAME_CS], 3
    jnz trap_from_user
    PUSH_GPRS
    cld
    mov rdi, rsp
    call trap_dispatch
    POP_GPRS
    add rsp, 16                     ; vector and error code
    iretq

; From ring 3 the CPU switched to TSS.RSP0, which points at the end of the
; running thread's saved context: the pushes below store the user registers
; straight into its TCB (as seL4 does), then C runs on the core's kernel
; stack and leaves through return_to_user.
trap_from_user:
    swapgs
    PUSH_GPRS
    cld
    mov rdi, rsp
    mov rsp, [gs:PERCPU_KERNEL_STACK]
    call trap_dispatch_user
    ud2                             ; trap_dispatch_user does not return

section .rodata
global trap_stub_table
align 8
trap_stub_table:
%assign v 0
%rep 256
    dq trap_stub_ %+ v
%assign v v + 1
%endrep
