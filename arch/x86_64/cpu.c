/* GDT, TSS and IDT set-up (SDM Vol. 3A ch. 3, 6 and 7). */
#include "cpu.h"
#include "msr.h"
#include "trap.h"
#include "x86.h"
#include "../../kernel/kstring.h"

#include <stddef.h>

_Static_assert(offsetof(struct percpu, self) == 0, "layout.inc PERCPU_SELF");
_Static_assert(offsetof(struct percpu, kernel_stack_top) == 8, "layout.inc PERCPU_KERNEL_STACK");
_Static_assert(offsetof(struct percpu, user_rsp) == 16, "layout.inc PERCPU_USER_RSP");
_Static_assert(offsetof(struct percpu, user_context_top) == 24, "layout.inc PERCPU_USER_CONTEXT");

struct percpu percpu_area[MAX_CPUS];
/* Page alignment keeps one core's stack overflow from silently landing in
 * another's IST stack in the middle of a page; guard pages come later. */
_Alignas(4096) uint8_t cpu_stacks[MAX_CPUS][KERNEL_STACK_SIZE];
_Alignas(4096) static uint8_t ist_stacks[MAX_CPUS][IST_COUNT][IST_STACK_SIZE];

/* Segment descriptor bits (SDM Vol. 3A 3.4.5). */
#define DESC_ACCESSED  (1ull << 40)
#define DESC_RW        (1ull << 41)
#define DESC_CODE      (1ull << 43)
#define DESC_S         (1ull << 44)
#define DESC_DPL3      (3ull << 45)
#define DESC_PRESENT   (1ull << 47)
#define DESC_LONG      (1ull << 53)
#define DESC_DB        (1ull << 54)
#define DESC_GRAN      (1ull << 55)
#define DESC_LIMIT_MAX (0xffffull | (0xfull << 48))
#define DESC_TSS_AVAIL (0x9ull << 40)

/* IDT gate (SDM Vol. 3A 6.14.1). */
#define GATE_INTERRUPT 0xeull
#define GATE_PRESENT   0x80ull /* in the type byte at bit 40 */
#define IDT_ENTRIES    256

struct idt_gate {
    uint64_t lo, hi;
};

static struct idt_gate idt[IDT_ENTRIES];
extern const uint64_t trap_stub_table[IDT_ENTRIES];

/* lgdt/lidt take a 10-byte pseudo-descriptor; packed for the same reason
 * as struct tss. */
struct table_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

static void set_gate(unsigned vector, uint64_t handler, unsigned ist)
{
    idt[vector].lo = (handler & 0xffff) | ((uint64_t)SEL_KERNEL_CODE << 16) |
                     ((uint64_t)ist << 32) | ((GATE_INTERRUPT | GATE_PRESENT) << 40) |
                     ((handler >> 16 & 0xffff) << 48);
    idt[vector].hi = handler >> 32;
}

void idt_init(void)
{
    for (unsigned v = 0; v < IDT_ENTRIES; v++) {
        unsigned ist = 0;
        if (v == VEC_DF)
            ist = IST_DOUBLE_FAULT;
        else if (v == VEC_NMI)
            ist = IST_NMI;
        else if (v == VEC_MC)
            ist = IST_MACHINE_CHECK;
        set_gate(v, trap_stub_table[v], ist);
    }
}

static void load_tables(struct percpu *c)
{
    struct table_pointer gdtr = {sizeof c->gdt - 1, (uint64_t)c->gdt};
    struct table_pointer idtr = {sizeof idt - 1, (uint64_t)idt};
    __asm__ volatile("lgdt %0" ::"m"(gdtr));
    __asm__ volatile("lidt %0" ::"m"(idtr));
    /* Reload CS with a far return, then the data segments. */
    __asm__ volatile("pushq %0\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movw %w1, %%ds\n\t"
                     "movw %w1, %%es\n\t"
                     "movw %w1, %%ss\n\t"
                     "xorl %%eax, %%eax\n\t"
                     "movw %%ax, %%fs\n\t"
                     "movw %%ax, %%gs\n\t"
                     :
                     : "i"((uint64_t)SEL_KERNEL_CODE), "r"((uint64_t)SEL_KERNEL_DATA)
                     : "rax", "memory");
    __asm__ volatile("ltr %w0" ::"r"((uint16_t)SEL_TSS));
}

void cpu_init(uint32_t index, uint32_t apic_id)
{
    struct percpu *c = &percpu_area[index];
    c->self = c;
    c->index = index;
    c->apic_id = apic_id;
    c->kernel_stack_top = (uint64_t)&cpu_stacks[index][KERNEL_STACK_SIZE];

    const uint64_t common =
        DESC_PRESENT | DESC_S | DESC_ACCESSED | DESC_RW | DESC_LIMIT_MAX | DESC_GRAN;
    c->gdt[GDT_NULL] = 0;
    c->gdt[GDT_KERNEL_CODE] = common | DESC_CODE | DESC_LONG;
    c->gdt[GDT_KERNEL_DATA] = common | DESC_DB;
    c->gdt[GDT_USER_DATA] = common | DESC_DB | DESC_DPL3;
    c->gdt[GDT_USER_CODE] = common | DESC_CODE | DESC_LONG | DESC_DPL3;

    memset(&c->tss, 0, sizeof c->tss);
    c->tss.rsp[0] = c->kernel_stack_top;
    for (unsigned i = 0; i < IST_COUNT; i++)
        c->tss.ist[i] = (uint64_t)&ist_stacks[index][i][IST_STACK_SIZE];
    /* No I/O bitmap: an offset past the limit denies all ports to ring 3. */
    c->tss.iomap_base = sizeof c->tss;

    uint64_t base = (uint64_t)&c->tss;
    uint64_t limit = sizeof c->tss - 1;
    c->gdt[GDT_TSS] = (limit & 0xffff) | ((base & 0xffffff) << 16) | DESC_TSS_AVAIL | DESC_PRESENT |
                      ((base >> 24 & 0xff) << 56);
    c->gdt[GDT_TSS + 1] = base >> 32;

    load_tables(c);
    wrmsr(MSR_IA32_GS_BASE, (uint64_t)c);
}

uint32_t cpu_online_count(void)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < MAX_CPUS; i++)
        n += percpu_area[i].online;
    return n;
}

void cpu_set_user_context(void *context_top)
{
    struct percpu *c = this_cpu();
    c->user_context_top = (uint64_t)context_top;
    c->tss.rsp[0] = (uint64_t)context_top;
}
