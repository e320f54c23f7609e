#include "ioapic.h"
#include "iommu/irte.h"
#include "ioapic_regs.h"
#include "paging.h"
#include "pic8259.h"
#include "x86.h"
#include "../../kernel/console.h"

struct ioapic {
    volatile uint32_t *regs;
    uint8_t id; /* the MADT's I/O APIC id: the DMAR names it by this */
    uint32_t gsi_base;
    uint32_t pins;
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static uint32_t ioapic_count;
static const struct acpi_info *acpi_tables;

static uint32_t ioapic_read(const struct ioapic *io, uint32_t reg)
{
    io->regs[IOAPIC_REGSEL / 4] = reg;
    return io->regs[IOAPIC_WINDOW / 4];
}

static void ioapic_write(const struct ioapic *io, uint32_t reg, uint32_t value)
{
    io->regs[IOAPIC_REGSEL / 4] = reg;
    io->regs[IOAPIC_WINDOW / 4] = value;
}

static void write_redirection(const struct ioapic *io, uint32_t pin, uint64_t entry)
{
    /* Mask first, so the entry is never live half-written. */
    ioapic_write(io, IOAPIC_REG_REDTBL + 2 * pin, (uint32_t)IOAPIC_REDIR_MASKED);
    ioapic_write(io, IOAPIC_REG_REDTBL + 2 * pin + 1, (uint32_t)(entry >> 32));
    ioapic_write(io, IOAPIC_REG_REDTBL + 2 * pin, (uint32_t)entry);
}

static void mask_legacy_pics(void)
{
    /* Reprogram the 8259s away from the exception vectors before masking:
     * a spurious IRQ7 must not arrive as #DF-like vector 0x0f. */
    outb(PIC1_COMMAND, PIC_ICW1_INIT_ICW4);
    outb(PIC2_COMMAND, PIC_ICW1_INIT_ICW4);
    outb(PIC1_DATA, PIC1_VECTOR_BASE);
    outb(PIC2_DATA, PIC2_VECTOR_BASE);
    outb(PIC1_DATA, 1u << PIC_CASCADE_IRQ);
    outb(PIC2_DATA, PIC_SLAVE_ID);
    outb(PIC1_DATA, PIC_ICW4_8086);
    outb(PIC2_DATA, PIC_ICW4_8086);
    outb(PIC1_DATA, PIC_MASK_ALL);
    outb(PIC2_DATA, PIC_MASK_ALL);
}

void ioapic_init(const struct acpi_info *acpi)
{
    acpi_tables = acpi;
    mask_legacy_pics();
    for (uint32_t i = 0; i < acpi->ioapic_count && i < ACPI_MAX_IOAPICS; i++) {
        struct ioapic *io = &ioapics[ioapic_count];
        io->regs = (volatile uint32_t *)mmio_map(acpi->ioapics[i].phys, IOAPIC_MMIO_SIZE);
        if (!io->regs) {
            kprintf("atoll: warning: ioapic %u at 0x%lx cannot be mapped; skipped\n",
                    acpi->ioapics[i].id, acpi->ioapics[i].phys);
            continue;
        }
        io->gsi_base = acpi->ioapics[i].gsi_base;
        io->id = acpi->ioapics[i].id;
        uint32_t version = ioapic_read(io, IOAPIC_REG_VERSION);
        io->pins =
            ((version >> IOAPIC_VERSION_MAX_REDIR_SHIFT) & IOAPIC_VERSION_MAX_REDIR_MASK) + 1;
        for (uint32_t pin = 0; pin < io->pins; pin++)
            write_redirection(io, pin, IOAPIC_REDIR_MASKED);
        kprintf("atoll: ioapic %u at 0x%lx: gsi %u-%u\n", acpi->ioapics[i].id,
                acpi->ioapics[i].phys, io->gsi_base, io->gsi_base + io->pins - 1);
        ioapic_count++;
    }
}

static struct ioapic *find_ioapic(uint32_t gsi, uint32_t *pin)
{
    for (uint32_t i = 0; i < ioapic_count; i++) {
        if (gsi >= ioapics[i].gsi_base && gsi - ioapics[i].gsi_base < ioapics[i].pins) {
            *pin = gsi - ioapics[i].gsi_base;
            return &ioapics[i];
        }
    }
    return NULL;
}

static bool active_low(uint16_t inti_flags)
{
    return (inti_flags & MPS_INTI_POLARITY_MASK) == MPS_INTI_POLARITY_ACTIVE_LOW;
}

static bool level_triggered(uint16_t inti_flags)
{
    return (inti_flags & MPS_INTI_TRIGGER_MASK) == MPS_INTI_TRIGGER_LEVEL;
}

bool ioapic_route_gsi(uint32_t gsi, uint8_t vector, uint32_t dest, uint16_t inti_flags)
{
    uint32_t pin;
    struct ioapic *io = find_ioapic(gsi, &pin);
    if (!io || dest > 0xff)
        return false; /* physical destination mode reaches APIC ids < 256 */
    uint64_t entry = vector | IOAPIC_REDIR_FIXED | ((uint64_t)dest << IOAPIC_REDIR_DEST_SHIFT);
    if (active_low(inti_flags))
        entry |= IOAPIC_REDIR_ACTIVE_LOW;
    if (level_triggered(inti_flags))
        entry |= IOAPIC_REDIR_LEVEL;
    write_redirection(io, pin, entry);
    return true;
}

bool ioapic_route_gsi_remapped(uint32_t gsi, uint32_t index, uint8_t vector, uint16_t inti_flags)
{
    uint32_t pin;
    struct ioapic *io = find_ioapic(gsi, &pin);
    if (!io)
        return false;
    write_redirection(io, pin,
                      irte_ioapic_redirection(index, vector, level_triggered(inti_flags),
                                              active_low(inti_flags)));
    return true;
}

bool ioapic_id_of_gsi(uint32_t gsi, uint8_t *id)
{
    uint32_t pin;
    const struct ioapic *io = find_ioapic(gsi, &pin);
    if (io)
        *id = io->id;
    return io != NULL;
}

bool ioapic_route_isa(uint8_t irq, uint8_t vector, uint32_t dest)
{
    uint16_t flags = 0;
    uint32_t gsi = acpi_tables ? acpi_isa_irq_to_gsi(acpi_tables, irq, &flags) : irq;
    return ioapic_route_gsi(gsi, vector, dest, flags);
}

void ioapic_mask_gsi(uint32_t gsi)
{
    uint32_t pin;
    struct ioapic *io = find_ioapic(gsi, &pin);
    if (io)
        write_redirection(io, pin, IOAPIC_REDIR_MASKED);
}

void ioapic_mask_isa(uint8_t irq)
{
    uint16_t flags;
    ioapic_mask_gsi(acpi_tables ? acpi_isa_irq_to_gsi(acpi_tables, irq, &flags) : irq);
}

void ioapic_set_gsi_masked(uint32_t gsi, bool masked)
{
    uint32_t pin;
    struct ioapic *io = find_ioapic(gsi, &pin);
    if (!io)
        return;
    uint32_t low = ioapic_read(io, IOAPIC_REG_REDTBL + 2 * pin);
    low = masked ? low | (uint32_t)IOAPIC_REDIR_MASKED : low & ~(uint32_t)IOAPIC_REDIR_MASKED;
    ioapic_write(io, IOAPIC_REG_REDTBL + 2 * pin, low);
}

bool ioapic_has_gsi(uint32_t gsi)
{
    uint32_t pin;
    return find_ioapic(gsi, &pin) != NULL;
}

uint32_t ioapic_isa_irq_to_gsi(uint8_t irq, uint16_t *inti_flags)
{
    *inti_flags = 0;
    return acpi_tables ? acpi_isa_irq_to_gsi(acpi_tables, irq, inti_flags) : irq;
}

uint32_t ioapic_pin_count(void)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < ioapic_count; i++)
        n += ioapics[i].pins;
    return n;
}
