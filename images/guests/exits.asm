; A test guest for VT-x: 16-bit real-mode code, started by an
; unrestricted guest at guest-physical 0x1000 (CS = 0, IP = 0x1000), that
; makes one exit of each kind services/init/test_vmx.c checks. Linked into
; init as data; guest_exits_offsets[] gives the offset of each step from
; guest_exits_start, so the test knows every RIP without hard-coding an
; encoding.

bits 16
section .rodata

global guest_exits_start, guest_exits_end, guest_exits_offsets

DATA_GPA equ 0x2000                 ; where the VMM maps (or not) a data page
CODE_GPA equ 0x1000                 ; where the VMM puts this code
SPIN_ITERATIONS equ 5000000         ; about 10 host timer ticks in Bochs

guest_exits_start:
    mov eax, 0
.cpuid:
    cpuid                           ; exit 10; the VMM answers in EAX..EDX
.out:
    out dx, al                      ; exit 30: port and byte from the VMM's answer
.load:
    mov bx, [DATA_GPA]              ; exit 48 until the VMM maps the page
.vmcall:
    vmcall                          ; exit 18 with BX as loaded
.store:
    mov [DATA_GPA], ax              ; exit 48: the page is read-only
.hlt:
    hlt                             ; exit 12
.loop:                              ; round-trip benchmark: CPUID forever
    cpuid
    jmp .loop
.ioloop:                            ; benchmark: OUT forever (port in DX)
    out dx, al
    jmp .ioloop
.spin:                              ; long enough for host timer interrupts
    mov ecx, SPIN_ITERATIONS
.spin_again:
    dec ecx
    jnz .spin_again
.spin_hlt:
    hlt                             ; exit 12 with ECX = 0
.triple:                            ; an empty IDT: INT3 -> #GP -> #DF -> shutdown
    lidt [CODE_GPA + guest_exits_start.empty_idt - guest_exits_start]
    int3                            ; exit 2 (triple fault)
.empty_idt:
    dw 0                            ; limit
    dd 0                            ; base
guest_exits_end:

align 2
; In the order of enum guest_step in test_vmx.c.
guest_exits_offsets:
    dw guest_exits_start.cpuid - guest_exits_start
    dw guest_exits_start.out - guest_exits_start
    dw guest_exits_start.load - guest_exits_start
    dw guest_exits_start.vmcall - guest_exits_start
    dw guest_exits_start.store - guest_exits_start
    dw guest_exits_start.hlt - guest_exits_start
    dw guest_exits_start.loop - guest_exits_start
    dw guest_exits_start.spin - guest_exits_start
    dw guest_exits_start.spin_hlt - guest_exits_start
    dw guest_exits_start.triple - guest_exits_start
    dw guest_exits_start.ioloop - guest_exits_start
