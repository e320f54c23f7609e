; VM entry and the host side of VM exit (SDM Vol. 3C 26-27).
;
; int vmx_launch(uint64_t gprs[16], int resume) loads the guest's general
; registers from `gprs` (x86 encoding order, struct vcpu in vcpu.h; RSP is
; in the VMCS) and executes VMLAUNCH, or VMRESUME if `resume`, on the
; current VMCS. It returns 1 after
; VMfailInvalid (CF) and 2 after VMfailValid (ZF), with the host's
; registers intact. A VM exit (or an entry that fails after loading guest
; state, SDM 26.8) arrives at vmx_exit_entry on the stack the launch left
; (HOST_RSP), stores the guest's registers into `gprs` and returns 0 from
; vmx_launch. The callee-saved registers are kept on that stack, as the
; SysV ABI requires; RFLAGS after an exit is 2 (interrupts stay off).

section .text
bits 64

%define VMCS_HOST_RSP 0x6c14    ; vmcs_fields.h

%define GPR_RAX 0
%define GPR_RCX 8
%define GPR_RDX 16
%define GPR_RBX 24
%define GPR_RBP 40
%define GPR_RSI 48
%define GPR_RDI 56
%define GPR_R8  64
%define GPR_R9  72
%define GPR_R10 80
%define GPR_R11 88
%define GPR_R12 96
%define GPR_R13 104
%define GPR_R14 112
%define GPR_R15 120

global vmx_launch, vmx_exit_entry

vmx_launch:
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    push rdi                        ; `gprs`, for vmx_exit_entry
    mov rax, VMCS_HOST_RSP
    vmwrite rax, rsp
    jbe .failed                     ; CF or ZF: the write failed
    test esi, esi                   ; MOV below leaves ZF for the jump
    mov rax, [rdi + GPR_RAX]
    mov rcx, [rdi + GPR_RCX]
    mov rdx, [rdi + GPR_RDX]
    mov rbx, [rdi + GPR_RBX]
    mov rbp, [rdi + GPR_RBP]
    mov rsi, [rdi + GPR_RSI]
    mov r8, [rdi + GPR_R8]
    mov r9, [rdi + GPR_R9]
    mov r10, [rdi + GPR_R10]
    mov r11, [rdi + GPR_R11]
    mov r12, [rdi + GPR_R12]
    mov r13, [rdi + GPR_R13]
    mov r14, [rdi + GPR_R14]
    mov r15, [rdi + GPR_R15]
    mov rdi, [rdi + GPR_RDI]
    jnz .resume
    vmlaunch
    jmp .failed
.resume:
    vmresume
.failed:                            ; MOV leaves the flags alone
    mov eax, 1
    jc .out
    mov eax, 2
.out:
    pop rdi
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret

vmx_exit_entry:
    push rdi                        ; the guest's
    mov rdi, [rsp + 8]              ; `gprs`
    mov [rdi + GPR_RAX], rax
    mov [rdi + GPR_RCX], rcx
    mov [rdi + GPR_RDX], rdx
    mov [rdi + GPR_RBX], rbx
    mov [rdi + GPR_RBP], rbp
    mov [rdi + GPR_RSI], rsi
    mov [rdi + GPR_R8], r8
    mov [rdi + GPR_R9], r9
    mov [rdi + GPR_R10], r10
    mov [rdi + GPR_R11], r11
    mov [rdi + GPR_R12], r12
    mov [rdi + GPR_R13], r13
    mov [rdi + GPR_R14], r14
    mov [rdi + GPR_R15], r15
    pop rax
    mov [rdi + GPR_RDI], rax
    xor eax, eax
    pop rdi                         ; `gprs`
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret
