; Test guests for the second VT-x group (services/init/test_vmx2.c), linked
; into init as data and copied to guest-physical CODE_GPA. Each program
; starts at a label whose offset guest_vmx2_offsets[] gives (in the order
; of enum vmx2_step), so the VMM knows every RIP without hard-coding an
; encoding. The 16-bit ones run in real mode, the 32-bit ones in flat
; protected mode without paging (unrestricted guest; the VMM sets the
; segments), where VMX instructions exit instead of raising #UD.

section .rodata

global guest_vmx2_start, guest_vmx2_end, guest_vmx2_offsets

CODE_GPA   equ 0x1000
PASS_PORT  equ 0x80             ; the VMM lets PASS_PORT..PASS_LAST through
PASS_LAST  equ 0x83
FAR_READ   equ 0x80000000       ; far beyond the guest's memory
FAR_WRITE  equ 0xfffff000
MSR_FS_BASE equ 0xc0000100      ; passes (read and write)
MSR_TSC    equ 0x10             ; passes for reading only
MSR_EFER   equ 0xc0000080       ; never passes
FS_VALUE   equ 0x12345000
%define AT(label) (CODE_GPA + label - guest_vmx2_start)

bits 16
guest_vmx2_start:
; ---- I/O bitmap: two accesses inside the passed range do not exit.
.io:
    out PASS_PORT, al
    in al, PASS_PORT + 1
    mov dx, PASS_LAST
.io_word:
    out dx, ax                  ; exit: 0x84 is not passed (size 2, out)
    mov dx, PASS_LAST + 1
.io_dword:
    in eax, dx                  ; exit: size 4, in
    mov dx, PASS_PORT - 1
.io_below:
    in al, dx                   ; exit: size 1, in
.io_done:
    vmcall

; ---- MSR bitmap
.msr:
    mov ecx, MSR_FS_BASE
    mov eax, FS_VALUE
    xor edx, edx
.msr_fs_write:
    wrmsr                       ; passes
    xor eax, eax
    rdmsr                       ; passes
    mov ebx, eax
    mov ecx, MSR_TSC
    rdmsr                       ; passes
.msr_tsc_write:
    wrmsr                       ; exit 32: writing the TSC does not pass
    mov ecx, MSR_EFER
.msr_efer_read:
    rdmsr                       ; exit 31
.msr_done:
    vmcall                      ; EBX: FS base as read back

; ---- Interrupt window: interrupts off, the VMM asks for the window
.window:
    cli
.window_asked:
    vmcall                      ; the VMM asks for a window on the next entry
    nop
    nop
    sti                         ; blocks interrupts for one more instruction
    nop
.window_open:                   ; exit 7 here
    hlt
.handler:                       ; the injected vector's handler
    vmcall

; ---- FPU: the guest's XMM registers survive the VMM's use of its own
.fpu:
    movd xmm0, eax
    movd xmm5, ebx
.fpu_stored:
    vmcall
    movd eax, xmm0
    movd ebx, xmm5
.fpu_read:
    vmcall

; ---- The TSC the guest reads carries the VMM's offset
.tsc:
    rdtsc
.tsc_read:
    vmcall                      ; EDX:EAX as the guest sees the TSC

; ---- Hostile, 32-bit protected mode
bits 32
.vmxon:
    vmxon [AT(.scratch)]        ; exit 27
.vmread:
    vmread eax, ebx             ; exit 23
.msrs:
    mov esi, AT(.msr_list)
    mov edi, (guest_vmx2_start.msr_list_end - guest_vmx2_start.msr_list) / 4
.msr_next:
    mov ecx, [esi]
    xor eax, eax
    xor edx, edx
.msr_write:
    wrmsr                       ; exit 32 for every one
    add esi, 4
    dec edi
    jnz .msr_next
.msrs_done:
    vmcall
.probe:
    xor edx, edx
.probe_in:
    in al, dx                   ; exit 30 for each of the 65536 ports
    inc dx
    jnz .probe_in
.probe_done:
    vmcall
.far_read:
    mov eax, [FAR_READ]         ; exit 48 (read)
.far_write:
    mov [FAR_WRITE], eax        ; exit 48 (write)
.far_done:
    vmcall
.cli_loop:
    cli
.cli_spin:
    jmp .cli_spin               ; never exits by itself
.triple:
    lidt [AT(.empty_idt)]
    int3                        ; #GP, #DF, shutdown: exit 2
.empty_idt:
    dw 0
    dd 0
align 4
.scratch:
    dd 0, 0
; MSRs the hostile guest writes: host state of every kind, the ones that
; pass elsewhere, and numbers outside the MSR bitmap.
.msr_list:
    dd 0xc0000080, 0xc0000081, 0xc0000082, 0xc0000084 ; EFER STAR LSTAR FMASK
    dd 0xc0000100, 0xc0000101, 0xc0000102             ; FS, GS, KERNEL_GS base
    dd 0x174, 0x175, 0x176                            ; SYSENTER
    dd 0x3a, 0x480, 0x48b, 0x1b, 0x1d9                ; FEATURE_CONTROL VMX APIC DEBUGCTL
    dd 0x48, 0x49, 0x277, 0x1a0, 0x10, 0x6e0          ; SPEC_CTRL PRED_CMD PAT MISC TSC DEADLINE
    dd 0x80b, 0x830, 0x2ff                            ; x2APIC EOI, ICR, MTRR default
    dd 0x2000, 0xc0002000, 0x40000000, 0xffffffff     ; outside the bitmap
.msr_list_end:
guest_vmx2_end:

align 2
; In the order of enum vmx2_step in test_vmx2.c.
guest_vmx2_offsets:
    dw guest_vmx2_start.io - guest_vmx2_start
    dw guest_vmx2_start.io_word - guest_vmx2_start
    dw guest_vmx2_start.io_dword - guest_vmx2_start
    dw guest_vmx2_start.io_below - guest_vmx2_start
    dw guest_vmx2_start.io_done - guest_vmx2_start
    dw guest_vmx2_start.msr - guest_vmx2_start
    dw guest_vmx2_start.msr_tsc_write - guest_vmx2_start
    dw guest_vmx2_start.msr_efer_read - guest_vmx2_start
    dw guest_vmx2_start.msr_done - guest_vmx2_start
    dw guest_vmx2_start.window - guest_vmx2_start
    dw guest_vmx2_start.window_asked - guest_vmx2_start
    dw guest_vmx2_start.window_open - guest_vmx2_start
    dw guest_vmx2_start.handler - guest_vmx2_start
    dw guest_vmx2_start.fpu - guest_vmx2_start
    dw guest_vmx2_start.fpu_stored - guest_vmx2_start
    dw guest_vmx2_start.fpu_read - guest_vmx2_start
    dw guest_vmx2_start.vmxon - guest_vmx2_start
    dw guest_vmx2_start.vmread - guest_vmx2_start
    dw guest_vmx2_start.msrs - guest_vmx2_start
    dw guest_vmx2_start.msr_write - guest_vmx2_start
    dw guest_vmx2_start.msrs_done - guest_vmx2_start
    dw guest_vmx2_start.probe - guest_vmx2_start
    dw guest_vmx2_start.probe_in - guest_vmx2_start
    dw guest_vmx2_start.probe_done - guest_vmx2_start
    dw guest_vmx2_start.far_read - guest_vmx2_start
    dw guest_vmx2_start.far_write - guest_vmx2_start
    dw guest_vmx2_start.far_done - guest_vmx2_start
    dw guest_vmx2_start.cli_loop - guest_vmx2_start
    dw guest_vmx2_start.cli_spin - guest_vmx2_start
    dw guest_vmx2_start.triple - guest_vmx2_start
    dw guest_vmx2_start.msr_list - guest_vmx2_start
    dw guest_vmx2_start.msr_list_end - guest_vmx2_start
    dw guest_vmx2_start.msr_fs_write - guest_vmx2_start
    dw guest_vmx2_start.tsc - guest_vmx2_start
    dw guest_vmx2_start.tsc_read - guest_vmx2_start
