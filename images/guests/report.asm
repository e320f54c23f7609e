; A test guest that reports through a 16550 serial port, as a real guest's
; console driver would: for each byte of its message it polls the line
; status register until the transmitter is empty, then writes the byte.
; Every IN and OUT exits to the VMM (services/init/test_vmx.c), which
; plays the UART. Started in real mode at REPORT_GPA by unrestricted
; guest; ends with HLT.

bits 16
section .rodata

global guest_report_start, guest_report_end

REPORT_GPA    equ 0x1800        ; where the VMM puts this code
COM1          equ 0x3f8         ; transmit holding register
COM1_LSR      equ COM1 + 5      ; line status register
LSR_THR_EMPTY equ 0x20

guest_report_start:
    mov si, REPORT_GPA + guest_report_start.message - guest_report_start
.next:
    lodsb
    test al, al
    jz .done
    mov ah, al
    mov dx, COM1_LSR
.wait:
    in al, dx
    test al, LSR_THR_EMPTY
    jz .wait
    mov al, ah
    mov dx, COM1
    out dx, al
    jmp .next
.done:
    hlt
.message:
    db "hello from the guest", 0
guest_report_end:
