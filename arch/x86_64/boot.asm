; Atoll x86_64 entry: Multiboot2 header, 32-bit protected mode to long mode,
; then a jump to the higher-half kernel.
;
; GRUB (BIOS or UEFI; the latter exits boot services because we do not ask
; for them) enters _start in 32-bit protected mode with paging off,
; EAX = Multiboot2 magic and EBX = physical address of the boot information
; (Multiboot2 spec 3.3). Everything in this file runs at its physical
; address; the C kernel runs at KERNEL_VMA + physical.

%include "layout.inc"

MB2_HEADER_MAGIC    equ 0xe85250d6
MB2_ARCH_I386       equ 0
MB2_TAG_END         equ 0

CR0_PE              equ 1 << 0
CR0_WP              equ 1 << 16
CR0_PG              equ 1 << 31
CR4_PAE             equ 1 << 5
EFER_MSR            equ 0xc0000080
EFER_LME            equ 1 << 8
EFER_NXE            equ 1 << 11
PTE_P               equ 1 << 0
PTE_W               equ 1 << 1
PTE_PS              equ 1 << 7
CPUID_EXT_MAX       equ 0x80000000
CPUID_EXT_FEATURES  equ 0x80000001
CPUID_EXT_LM_BIT    equ 29          ; EDX: long mode
CPUID_EXT_NX_BIT    equ 20          ; EDX: execute disable
COM1_BASE           equ 0x3f8
UART_LSR            equ 5
UART_LSR_THRE       equ 0x20

section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
    dd MB2_HEADER_MAGIC
    dd MB2_ARCH_I386
    dd mb2_header_end - mb2_header
    dd -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    ; end tag
    dw MB2_TAG_END, 0
    dd 8
mb2_header_end:

section .boot.text progbits alloc exec nowrite align=16
bits 32
global _start
_start:
    cli
    cld
    mov esp, boot_stack_top
    mov [boot_mb2_magic], eax
    mov [boot_mb2_info], ebx

    ; Long mode must exist, or there is nothing we can do but say so.
    mov eax, CPUID_EXT_MAX
    cpuid
    cmp eax, CPUID_EXT_FEATURES
    jb .no_long_mode
    mov eax, CPUID_EXT_FEATURES
    cpuid
    bt edx, CPUID_EXT_LM_BIT
    jnc .no_long_mode
    xor esi, esi
    bt edx, CPUID_EXT_NX_BIT
    jnc .no_nx
    mov esi, EFER_NXE
.no_nx:

    ; Zero the boot page tables (GRUB zeroes bss, but do not rely on it).
    mov edi, boot_pml4
    mov ecx, (boot_tables_end - boot_pml4) / 4
    xor eax, eax
    rep stosd

    ; PML4[0] -> identity 0..4 GiB; PML4[511] -> PDPT whose entry 510
    ; maps 0..1 GiB at KERNEL_VMA (-2 GiB), all with 2 MiB pages. The
    ; identity map lives until the kernel builds its own tables.
    mov eax, boot_pdpt_low
    or eax, PTE_P | PTE_W
    mov [boot_pml4], eax
    mov eax, boot_pdpt_high
    or eax, PTE_P | PTE_W
    mov [boot_pml4 + 511 * 8], eax

    mov edi, boot_pdpt_low
    mov eax, boot_pd
    or eax, PTE_P | PTE_W
    mov ecx, 4
.fill_pdpt:
    mov [edi], eax
    add eax, 4096
    add edi, 8
    loop .fill_pdpt

    mov eax, boot_pd
    or eax, PTE_P | PTE_W
    mov [boot_pdpt_high + 510 * 8], eax

    ; 4 page directories x 512 entries of 2 MiB: 0..4 GiB.
    mov edi, boot_pd
    mov ecx, 4 * 512
    xor edx, edx                    ; physical address bits 32..
    mov eax, PTE_P | PTE_W | PTE_PS
.fill_pd:
    mov [edi], eax
    mov [edi + 4], edx
    add eax, 0x200000
    adc edx, 0
    add edi, 8
    loop .fill_pd

    mov eax, boot_pml4
    mov cr3, eax
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov ecx, EFER_MSR
    rdmsr
    or eax, EFER_LME
    or eax, esi
    wrmsr
    mov eax, cr0
    or eax, CR0_PG | CR0_PE | CR0_WP
    mov cr0, eax

    lgdt [boot_gdt_ptr]
    jmp BOOT_GDT_CODE64:.long_mode

.no_long_mode:
    mov esi, msg_no_long_mode
.print:
    lodsb
    test al, al
    jz .halt
    mov bl, al
    mov dx, COM1_BASE + UART_LSR
.wait:
    in al, dx
    test al, UART_LSR_THRE
    jz .wait
    mov al, bl
    mov dx, COM1_BASE
    out dx, al
    jmp .print
.halt:
    hlt
    jmp .halt

bits 64
.long_mode:
    mov ax, BOOT_GDT_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor ax, ax
    mov fs, ax
    mov gs, ax
    mov rax, .higher_half
    jmp rax

section .text
.higher_half:
    mov rsp, bsp_stack_top
    xor ebp, ebp
    mov edi, [boot_mb2_magic]
    mov esi, [boot_mb2_info]
    extern kernel_main
    call kernel_main
.hang:
    cli
    hlt
    jmp .hang

section .boot.data progbits alloc noexec write align=16
boot_gdt:
    dq 0
    dq 0x00af9a000000ffff           ; 64-bit code, DPL 0
    dq 0x00cf92000000ffff           ; data, DPL 0
boot_gdt_end:
boot_gdt_ptr:
    dw boot_gdt_end - boot_gdt - 1
    dd boot_gdt
global boot_mb2_magic, boot_mb2_info
boot_mb2_magic: dd 0
boot_mb2_info:  dd 0
msg_no_long_mode: db "atoll: this CPU has no long mode (x86_64); stopping", 13, 10, 0

section .boot.bss nobits alloc noexec write align=4096
boot_pml4:      resb 4096
boot_pdpt_low:  resb 4096
boot_pdpt_high: resb 4096
boot_pd:        resb 4 * 4096
boot_tables_end:
boot_stack:     resb 4096
boot_stack_top:

section .bss
align 16
bsp_stack:      resb BSP_STACK_SIZE
global bsp_stack_top
bsp_stack_top:
