; Application-processor start-up trampoline (SDM Vol. 3A 9.4.4, 11.6.1).
;
; The BSP copies this page-sized blob to a free page below 1 MiB, fills in
; the parameter block and sends INIT-SIPI-SIPI with that page as the start
; vector. The AP starts in real mode at CS = page >> 4, IP = 0, and goes
; straight to long mode (PE and PG set together), on a temporary PML4 that
; maps this page 1:1 besides the kernel half, then jumps to ap_main.
; The layout of the parameter block is struct ap_params in smp.c.

%define CR0_PE  (1 << 0)
%define CR0_PG  (1 << 31)
%define CR4_PAE (1 << 5)
%define EFER_MSR 0xc0000080
%define TRAMP_CODE64 0x08
%define TRAMP_DATA   0x10

section .ap_trampoline progbits alloc noexec nowrite align=4096
bits 16
global ap_trampoline_start, ap_trampoline_end, ap_trampoline_long
ap_trampoline_start:
    jmp short real_mode
    align 8
params:                             ; offset 8: struct ap_params
p_cr3:      dq 0
p_stack:    dq 0
p_entry:    dq 0
p_cpu:      dq 0
p_efer:     dq 0                    ; EFER bits to set (LME, NXE)
p_gdtr:     dw gdt_end - gdt - 1
p_gdt_base: dd 0                    ; patched: page + (gdt - start)
            dw 0
p_far64:    dd 0                    ; patched: page + (ap_trampoline_long - start)
            dw TRAMP_CODE64
            dw 0
    align 16
gdt:
    dq 0
    dq 0x00af9a000000ffff           ; 64-bit code
    dq 0x00cf92000000ffff           ; data
gdt_end:

real_mode:
    cli
    cld
    mov ax, cs
    mov ds, ax
    lgdt [p_gdtr - ap_trampoline_start]
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov eax, [p_cr3 - ap_trampoline_start]
    mov cr3, eax
    mov ecx, EFER_MSR
    rdmsr
    or eax, [p_efer - ap_trampoline_start]
    wrmsr
    mov eax, cr0
    or eax, CR0_PE | CR0_PG
    mov cr0, eax
    o32 jmp far [p_far64 - ap_trampoline_start]

bits 64
ap_trampoline_long:
    mov ax, TRAMP_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov rsp, [rel p_stack]
    mov rdi, [rel p_cpu]
    mov rax, [rel p_entry]
    xor ebp, ebp
    call rax                        ; ap_main does not return
.hang:
    cli
    hlt
    jmp .hang
ap_trampoline_end:
