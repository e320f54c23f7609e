; The IPC fast path for Call and ReplyRecv (seL4 fastpath_call and
; fastpath_reply_recv, MCS variant), in assembly: kernel/fastpath.c says
; what it handles and why, docs/kernel.md ("The IPC fast path") lists the
; checks and where the instructions go.
;
; The SYSCALL stub (syscall_entry.asm) jumps here with the caller's whole
; register frame saved in its TCB and every register still holding the
; user's value. Each check, in the order of the C version it replaces,
; jumps to the general path on failure (fastpath_fallback() in
; kernel/fastpath.c), which runs the system call from the start under the
; lock already taken: nothing has been written by then. Past the checks the
; operation cannot fail.
;
; What assembly buys over C (measured with `make bench`): the message
; stays in the registers it arrived in (r8, r9, r10 are never touched, rdx
; is parked in rbx across RDTSC and XSAVE, rdi and rsi are rewritten in
; place), so neither frame is read or written for it; only the receiver's
; other registers are loaded on the way out; no prologue, no call.
;
; The sender's values are taken from the registers only, never from its
; frame, and the receiver's registers are all loaded before the lock is
; released, so that TCB_WriteRegisters from another core (which holds the
; lock) sees the frames change atomically (docs/kernel.md, "The IPC fast
; path", on what still races).
;
; Registers on the way through:
;   rsp  the current thread: the stub leaves RSP at the register frame it
;        saved, which is the start of the TCB. No stack is used on the way
;        through; the two calls into C (a contended lock, the fall-back)
;        move to this core's kernel stack first. (Interrupts are off, and
;        NMI, double fault and machine check have stacks of their own.)
;   rbx  1 << radix of the root CNode for the capability lookups, then
;        message word 0
;   rdi  capability pointer of the endpoint, then the receiver's badge
;   rsi  message info, then the receiver's message info
;   rdx, r8, r9, r10   message words
;   r12  ReplyRecv: pointer of the reply object; then the reply object
;   r13  the endpoint;  r14  the thread switched to;  r11  the SC
;   r15  this core's struct core_sched;  ebp  this core's index
; Interrupts are off from SYSCALL to SYSRET (IA32_FMASK masks IF).

%include "layout.inc"
%include "frame.inc"
%include "fastpath_layout.inc"

section .text
bits 64

extern kernel_big_lock, kernel_lock_wait_timed, fastpath_fallback, fastpath_completed
extern cpu_features, return_to_user
global fastpath_call, fastpath_reply_recv

%define SELF rsp

; ---- Pieces shared by both halves. Labels passed in are the caller's.

; Takes the kernel lock (a ticket lock, kernel/spinlock.h), untimed: the
; hold is short and measured by `make bench`. %1: where to wait if the
; lock is taken. The owner word stays unset: only kernel_lock_held_here()
; reads it, on this core, and nothing here calls it; fastpath_fallback()
; sets it before the general path runs.
%macro TAKE_LOCK 1
    mov ebp, 1
    lock xadd [rel kernel_big_lock + LOCK_NEXT], ebp
    cmp ebp, [rel kernel_big_lock + LOCK_SERVING]
    jne %1
%endmacro

; The lock is taken by another core: wait for it (timed, as every
; contended wait) on the kernel stack, keeping the registers the fast
; path reads there across the C call, and go on at %1.
%macro WAIT_FOR_LOCK 1
    mov rbx, rsp
    mov rsp, [gs:PERCPU_KERNEL_STACK]
    push rdi                                ; six: the stack stays aligned
    push rsi
    push rdx
    push r8
    push r9
    push r10
    mov edi, ebp
    call kernel_lock_wait_timed
    pop r10
    pop r9
    pop r8
    pop rdx
    pop rsi
    pop rdi
    mov rsp, rbx
    jmp %1
%endmacro

; The current thread may make this call here: it is this core's current
; thread (the frame just saved is its TCB) and runnable (a thread stopped
; from another core while it ran makes no more calls), and the message is
; at most four words without capabilities (one compare: the capability
; count sits just above the length). %1: slow. The caller checks that
; the thread has no pending fault.
%macro CHECK_SELF 1
    mov ebp, [gs:PERCPU_INDEX]
    cmp SELF, [gs:PERCPU_CURRENT]
    jne %1
    cmp dword [SELF + TCB_STATE], THREAD_RUNNABLE
    jne %1
    mov eax, esi
    and eax, MSGINFO_LENGTH_CAPS_MASK
    cmp eax, MSG_REGISTERS
    ja %1
%endmacro

; The thread's root CNode, if it resolves a whole pointer in one level
; (guard size + radix = 64, as init's); anything else goes to the general
; lookup. One compare checks the type and the sum: the type sits above
; the radix in word 0 >> CAP_FIELD_SHIFT, and the sum is below 128. Out:
; rax = the CNode's physical address, cl = radix, r13 = guard << radix
; (the upper bits of every pointer it resolves), rbx = 1 << radix (the
; number of slots), r14 = PHYSMAP_BASE. %1: slow.
%macro DECODE_ROOT 1
    mov rax, [SELF + TCB_CSPACE_CAP]
    mov r13, [SELF + TCB_CSPACE_CAP + 8]
    mov rcx, rax
    shr rcx, CAP_FIELD_SHIFT
    and ecx, CAP_TYPE_MASK_AT_FIELDS | CAP_SIZE_BITS_MASK   ; type, radix
    mov r11d, r13d
    and r11d, CAP_GUARD_SIZE_MASK
    add r11d, ecx
    cmp r11d, (CAP_CNODE << CAP_TYPE_AT_FIELDS) + CPTR_BITS
    jne %1
    shr r13, CAP_CNODE_GUARD_SIZE_BITS
    shl r13, cl
    mov ebx, 1
    shl rbx, cl
    CAP_PADDR rax
    mov r14, PHYSMAP_BASE
%endmacro

; %1 = the physical address of the object a capability's word 0 names
; (bits 47..0 hold it >> 4).
%macro CAP_PADDR 1
    shl %1, 64 - CAP_PADDR_BITS
    shr %1, 64 - CAP_PADDR_BITS - CAP_PADDR_SHIFT
%endmacro

; %2 = physical address of the slot that pointer %1 names in the root
; decoded by DECODE_ROOT; %3 (slow) if the guard does not match, that is,
; if the pointer's upper bits differ from it. The guard fits its size
; (Mint masks it, kernel/cap/cap.c; the invariant check holds to it), so
; guard << radix loses no bit and this is the C lookup's compare.
%macro LOOKUP 3
    mov %2, %1
    xor %2, r13                             ; the slot index if below rbx
    cmp %2, rbx
    jae %3
    shl %2, CAP_SLOT_SIZE_BITS
    add %2, rax
%endmacro

; The blocked thread %1 may become this core's current thread now: it
; belongs to this core, is current nowhere, in no queue, its FPU area is
; set up, its address space is the one its VSpace capability names (a
; deleted VSpace leaves it on the kernel's tables: the general path sees
; to that), and no thread ready here has a higher priority (seL4
; isHighestPrio: an equal one does not preempt; the bit scan is out of
; line at %3, back at %4) or has asked to run (need_resched). Also
; checks that no SC has expired on this core since the last charge (for
; BUDGET_LEFT). Fields that must all be zero are ORed together and tested
; once. Sets r15 to this core's struct core_sched.
%macro MAY_SWITCH_TO 4
    cmp [%1 + TCB_AFFINITY], ebp
    jne %2
    mov r15, [gs:PERCPU_SCHED_CORE]
    movzx eax, byte [%1 + TCB_RQ_QUEUED]
    or al, [%1 + TCB_RELEASE_QUEUED]
    or al, [r15 + CORE_SCHED_NEED_RESCHED]
    or eax, [%1 + TCB_CURRENT_ON]
    or rax, [r15 + CORE_SCHED_EXPIRED]
    jnz %2
    cmp byte [%1 + TCB_FPU_READY], 0
    je %2
    mov rax, [%1 + TCB_CR3]                 ; vspace_thread_root() gives its own
    shr rax, CAP_PADDR_SHIFT                ; root: a PML4 capability in its
    mov rcx, CAP_PML4 << CAP_TYPE_SHIFT     ; slot for the address space
    or rax, rcx                             ; it runs in
    cmp rax, [%1 + TCB_VSPACE_CAP]
    jne %2
    cmp qword [r15 + CORE_SCHED_SUMMARY], 0
    jne %3
%4:
%endmacro

; Out of line for MAY_SWITCH_TO: the highest ready priority, two bit
; scans over the ready queue's bitmap (sched_none_ready_above()).
%macro HIGHEST_READY_CHECK 4
%3:
    bsr rax, [r15 + CORE_SCHED_SUMMARY]
    bsr rcx, [r15 + CORE_SCHED_BITMAP + rax * 8]
    shl eax, 6
    add eax, ecx
    movzx ecx, byte [%1 + TCB_RQ_PRIO]
    cmp eax, ecx
    ja %2
    jmp %4
%endmacro

; budget_left() of kernel/fastpath.c for the SC in r11, which the current
; thread runs on: it is the SC this core charges, nothing has changed its
; refills since the budget timer was programmed (nothing expired:
; MAY_SWITCH_TO checked), and that deadline is at least MIN_BUDGET away.
; Clobbers rax, rcx, rdx. %1: slow; the caller has checked that r11 is
; not NULL.
%macro BUDGET_LEFT 1
    cmp r11, [r15 + CORE_SCHED_SC]
    jne %1
    cmp [r11 + SC_TCB], SELF
    jne %1
    mov rcx, [r15 + CORE_SCHED_TIMER_DEADLINE]
    test rcx, rcx
    jz %1
    cmp dword [r11 + SC_REFILL_LIMIT], 0    ; refill_active()
    je %1
    rdtsc
    shl rdx, 32
    or rax, rdx
    add rax, [r11 + SC_REFILL_MIN_BUDGET]
    cmp rax, rcx
    ja %1
%endmacro

; The current thread blocks (kind %1, on object %2); the same store of
; its state makes it current nowhere (current_on follows state).
%macro BLOCK_SELF 2
    mov qword [SELF + TCB_STATE], THREAD_BLOCKED
    mov dword [SELF + TCB_BLOCK_KIND], %1
    mov [SELF + TCB_BLOCKED_ON], %2
%endmacro

; The SC in r11 goes from the current thread to r14 (Call: donated;
; ReplyRecv: given back), which stops being blocked. rax = 0.
%macro HAND_OVER_SC 0
    mov [SELF + TCB_SC], rax
    mov [r11 + SC_TCB], r14
    mov [r14 + TCB_SC], r11
    mov dword [r14 + TCB_BLOCK_KIND], BLOCK_NONE
    mov [r14 + TCB_BLOCKED_ON], rax
%endmacro

; thread_run() for the case the checks leave, then back to user mode with
; the message in registers: from SELF (its state already BLOCKED, which
; with the same store made it current nowhere) to r14 (blocked until now,
; its block kind already cleared, on the SC the core already charges: the
; charge and the timer stay as they are),
; rdi = badge, rsi = message info, r8-r10 as sent, rdx from the sender's
; frame, rax = ATOLL_OK. %1: a prefix for the out-of-line labels.
%macro SWITCH_AND_RETURN 1
    cmp byte [rel cpu_features + CPU_FEATURES_XSAVE], 0
    je %1_fxsave
    mov eax, -1                             ; every enabled component
    mov edx, eax
    xsave64 [SELF + TCB_FPU]
    xrstor64 [r14 + TCB_FPU]
%1_fpu_done:
    mov [gs:PERCPU_CURRENT], r14
    lea ecx, [rbp + 1]
    mov [r14 + TCB_CURRENT_ON], ecx
    mov dword [r14 + TCB_STATE], THREAD_RUNNABLE
    mov rax, [r14 + TCB_CR3]                ; checked by MAY_SWITCH_TO
    mov rcx, cr3
    cmp rcx, rax
    je %1_cr3_done
    mov cr3, rax
%1_cr3_done:
    lea rax, [r14 + TCB_CONTEXT_TOP]
    mov [gs:PERCPU_USER_CONTEXT], rax
    mov [gs:PERCPU_TSS_RSP0], rax
    ; SYSRET only where return_to_user would use it (its comment says
    ; why): RCX = RIP, R11 = RFLAGS in the frame, RIP below 2^47. Decided
    ; under the lock, so that the frame is written, if at all, under it.
    mov rcx, [r14 + FRAME_RIP]
    cmp rcx, [r14 + FRAME_RCX]
    jne %1_iret
    mov r11, [r14 + FRAME_RFLAGS]
    cmp r11, [r14 + FRAME_R11]
    jne %1_iret
    mov rax, rcx
    shr rax, 47
    jnz %1_iret
    ; Every register is loaded before the unlock: once the lock is free,
    ; another core may write this thread's frame (TCB_WriteRegisters).
    mov rdx, rbx
    mov rbx, [r14 + FRAME_RBX]
    mov rbp, [r14 + FRAME_RBP]
    mov r12, [r14 + FRAME_R12]
    mov r13, [r14 + FRAME_R13]
    mov r15, [r14 + FRAME_R15]
    mov rsp, [r14 + FRAME_RSP]
    mov r14, [r14 + FRAME_R14]
    xor eax, eax                            ; ATOLL_OK
    lock add dword [rel kernel_big_lock + LOCK_SERVING], 1
    swapgs
    o64 sysret
%endmacro

; Out of line for SWITCH_AND_RETURN.
%macro SWITCH_COLD 1
%1_fxsave:
    fxsave64 [SELF + TCB_FPU]
    fxrstor64 [r14 + TCB_FPU]
    jmp %1_fpu_done
%1_iret:
    ; The frame was changed (TCB_WriteRegisters) since the thread entered
    ; the kernel: the message goes into the frame, and return_to_user
    ; restores everything.
    mov qword [r14 + FRAME_RAX], ATOLL_OK
    mov [r14 + FRAME_RDI], rdi
    mov [r14 + FRAME_RSI], rsi
    mov [r14 + FRAME_RDX], rbx
    mov [r14 + FRAME_R8], r8
    mov [r14 + FRAME_R9], r9
    mov [r14 + FRAME_R10], r10
    lock add dword [rel kernel_big_lock + LOCK_SERVING], 1
    mov rdi, r14
    jmp return_to_user
%endmacro

; The out-of-line parts of a half, after its code: the wait for a taken
; lock, the priority scan, the switch's rare cases.
%macro COLD_PATHS 0
.contended:
    WAIT_FOR_LOCK .locked
    HIGHEST_READY_CHECK r14, give_up, .ready_queue, .highest
    SWITCH_COLD .sw
%endmacro

; ---- Call: rdi = endpoint, rsi = info, rdx/r8/r9/r10 = message.
; Entered from syscall_entry with rsp at the saved frame.
fastpath_call:
    TAKE_LOCK .contended
.locked:
    CHECK_SELF give_up
    cmp dword [SELF + TCB_FAULT_KIND], 0
    jne give_up
    ; A pending signal-abort ends the Call at once (ipc_pending_abort()).
    mov rax, [SELF + TCB_BOUND_NTFN]
    test rax, rax
    jnz .bound_notification
.no_abort:
    DECODE_ROOT give_up
    LOOKUP rdi, r11, give_up
    mov rbx, rdx                            ; message word 0, kept from RDTSC and XSAVE
    ; An endpoint capability with the write right.
    mov rax, [r14 + r11]
    mov rdi, [r14 + r11 + 8]                ; its badge, for the receiver
    mov rcx, rax
    shr rcx, CAP_FIELD_SHIFT
    and ecx, CAP_TYPE_MASK_AT_FIELDS | ATOLL_RIGHT_WRITE
    cmp ecx, (CAP_ENDPOINT << CAP_TYPE_AT_FIELDS) | ATOLL_RIGHT_WRITE
    jne give_up
    CAP_PADDR rax
    lea r13, [r14 + rax]
    ; A passive server waits in Recv with a reply object that holds no
    ; caller and no donation, on an endpoint without a budget threshold.
    mov r14, [r13 + EP_HEAD]
    test r14, r14
    jz give_up
    cmp dword [r14 + TCB_BLOCK_KIND], BLOCK_RECV
    jne give_up
    mov r12, [r14 + TCB_REPLY]
    test r12, r12
    jz give_up
    mov rcx, [r14 + TCB_SC]                 ; all four must be zero
    or rcx, [r13 + EP_BUDGET_THRESHOLD]
    or rcx, [r12 + REPLY_CALLER]
    or rcx, [r12 + REPLY_DONATED]
    jnz give_up
    cmp [SELF + TCB_AFFINITY], ebp
    jne give_up
    MAY_SWITCH_TO r14, give_up, .ready_queue, .highest
    mov r11, [SELF + TCB_SC]
    test r11, r11
    jz give_up
    BUDGET_LEFT give_up

    ; Committed: ipc_send(), link_reply() and sched_donate_on_call().
    xor eax, eax
    ; The server leaves the endpoint's queue, whose head it is
    ; (thread_queue_pop()).
    mov rcx, [r14 + TCB_QUEUE_NEXT]
    mov [r13 + EP_HEAD], rcx
    test rcx, rcx
    jnz .more_receivers
    mov [r13 + EP_TAIL], rax
.dequeued:
    mov [r14 + TCB_QUEUE_NEXT], rax
    mov [r14 + TCB_QUEUE_PREV], rax
    and rsi, MSGINFO_KEEP_MASK              ; label and length: no caps
    mov [r14 + TCB_REPLY], rax
    mov [r12 + REPLY_RECEIVER], rax
    mov [r12 + REPLY_CALLER], SELF
    BLOCK_SELF BLOCK_REPLY, r12
    HAND_OVER_SC
    mov [r12 + REPLY_DONATED], r11
    mov rcx, [r11 + SC_REPLY]
    mov [r12 + REPLY_DONATION_PREV], rcx
    mov [r11 + SC_REPLY], r12
    add qword [rel fastpath_completed + COUNTS_CALLS], 1
    SWITCH_AND_RETURN .sw

.bound_notification:
    mov rax, [rax + NTFN_WORD]
    test rax, [SELF + TCB_ABORT_MASK]
    jz .no_abort
    jmp give_up
.more_receivers:
    mov [rcx + TCB_QUEUE_PREV], rax
    jmp .dequeued
    COLD_PATHS

; ---- ReplyRecv: rdi = endpoint, r12 = reply object, rsi = info,
; rdx/r8/r9/r10 = message. Entered as fastpath_call.
fastpath_reply_recv:
    TAKE_LOCK .contended
.locked:
    CHECK_SELF give_up
    ; No pending fault, and no bound notification (it could end the Recv
    ; at once): both zero.
    mov eax, [SELF + TCB_FAULT_KIND]
    or rax, [SELF + TCB_BOUND_NTFN]
    jnz give_up
    DECODE_ROOT give_up
    LOOKUP rdi, r11, give_up
    LOOKUP r12, r15, give_up
    mov rbx, rdx                            ; message word 0, kept from RDTSC and XSAVE
    ; An endpoint capability with the read right, a reply capability.
    mov rax, [r14 + r11]
    mov rcx, rax
    shr rcx, CAP_FIELD_SHIFT
    and ecx, CAP_TYPE_MASK_AT_FIELDS | ATOLL_RIGHT_READ
    cmp ecx, (CAP_ENDPOINT << CAP_TYPE_AT_FIELDS) | ATOLL_RIGHT_READ
    jne give_up
    CAP_PADDR rax
    lea r13, [r14 + rax]
    mov rax, [r14 + r15]
    mov rcx, rax
    shr rcx, CAP_TYPE_SHIFT
    cmp ecx, CAP_REPLY
    jne give_up
    CAP_PADDR rax
    lea r12, [r14 + rax]
    ; The reply object holds a caller without a fault, a pending abort or
    ; an SC, blocked on it, and the SC it donated, with this reply object
    ; at the top of the SC's donation chain (so the SC goes back with the
    ; reply); no receiver is recorded on it.
    mov r14, [r12 + REPLY_CALLER]
    test r14, r14
    jz give_up
    cmp dword [r14 + TCB_BLOCK_KIND], BLOCK_REPLY
    jne give_up
    cmp [r14 + TCB_BLOCKED_ON], r12
    jne give_up
    mov r11, [r12 + REPLY_DONATED]
    test r11, r11
    jz give_up
    cmp [r11 + SC_REPLY], r12
    jne give_up
    mov ecx, [r14 + TCB_FAULT_KIND]         ; all four must be zero
    or rcx, [r14 + TCB_ABORT_PENDING]
    or rcx, [r14 + TCB_SC]
    or rcx, [r12 + REPLY_RECEIVER]
    jnz give_up
    ; No sender waits on the endpoint (the Recv would return at once).
    mov rax, [r13 + EP_HEAD]
    test rax, rax
    jnz .queued
.no_sender:
    MAY_SWITCH_TO r14, give_up, .ready_queue, .highest
    BUDGET_LEFT give_up

    ; Committed: ipc_reply(), sched_return_donation() and recv_endpoint().
    xor eax, eax
    mov [r12 + REPLY_CALLER], rax
    mov rcx, [r12 + REPLY_DONATION_PREV]
    mov [r11 + SC_REPLY], rcx
    mov [r12 + REPLY_DONATED], rax
    mov [r12 + REPLY_DONATION_PREV], rax
    HAND_OVER_SC
    mov [SELF + TCB_REPLY], r12
    mov [r12 + REPLY_RECEIVER], SELF
    BLOCK_SELF BLOCK_RECV, r13
    ; thread_queue_append(&ep->queue, self)
    mov [SELF + TCB_QUEUE_NEXT], rax
    mov rcx, [r13 + EP_TAIL]
    mov [SELF + TCB_QUEUE_PREV], rcx
    test rcx, rcx
    jnz .behind_others
    mov [r13 + EP_HEAD], SELF
.queued_self:
    mov [r13 + EP_TAIL], SELF
    add qword [rel fastpath_completed + COUNTS_REPLY_RECVS], 1
    xor edi, edi                            ; a reply carries no badge
    and rsi, MSGINFO_KEEP_MASK
    SWITCH_AND_RETURN .sw

.queued:
    cmp dword [rax + TCB_BLOCK_KIND], BLOCK_SEND
    jne .no_sender
    jmp give_up
.behind_others:
    mov [rcx + TCB_QUEUE_NEXT], SELF
    jmp .queued_self
    COLD_PATHS

; A check failed (either half): the general path runs the system call.
give_up:
    mov rdi, SELF
    mov rsp, [gs:PERCPU_KERNEL_STACK]
    call fastpath_fallback
    ud2
