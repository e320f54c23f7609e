/* The binary system spec: what tools/atoll-sdc compiles a system
 * description (docs/system-description.md) into, and what init reads at
 * boot (through services/lib/spec.h, which checks all of it again). Shared
 * by user space and host tools; plain C11, no kernel headers.
 *
 * Layout (every integer little-endian, no padding inside a record):
 *
 *   struct atoll_spec_header              96 bytes at offset 0
 *   table 0 .. ATOLL_SPEC_TABLE_COUNT-1   in enum order, each starting at
 *                                         the end of the one before rounded
 *                                         up to 8 (the first at 96); fixed-
 *                                         size records, or bytes for the
 *                                         string table
 *   zero padding to a multiple of 8       total_size is the whole spec
 *
 * The layout is canonical: for given counts there is exactly one valid
 * placement, so a checker need not reason about overlapping tables, and
 * every padding or reserved byte must be zero (a later version can give
 * them a meaning). Records name each other by index into their table;
 * ATOLL_SPEC_NONE means "no reference". Strings are byte offsets into the
 * string table, each a NUL-terminated name from ATOLL_SPEC_NAME_CHARS. */
#ifndef ATOLL_USER_ATOLL_SPEC_H
#define ATOLL_USER_ATOLL_SPEC_H

#include <stdint.h>

#define ATOLL_SPEC_MAGIC   UINT32_C(0x50535441) /* the bytes "ATSP" */
#define ATOLL_SPEC_VERSION 1
#define ATOLL_SPEC_ALIGN   8
#define ATOLL_SPEC_NONE    UINT32_C(0xffffffff)

/* ---- Limits (the compiler and the parser enforce the same ones) ---- */
#define ATOLL_SPEC_MAX_RECORDS      1024 /* per table */
#define ATOLL_SPEC_MAX_STRING_BYTES 65536
#define ATOLL_SPEC_MAX_NAME         63 /* characters, without the NUL */
/* Characters of a name: [A-Za-z0-9_.-]. */
#define ATOLL_SPEC_MAX_PRIORITY 255 /* ATOLL_MAX_PRIORITY, atoll/tcb.h */
#define ATOLL_SPEC_MAX_CORES    64  /* cores 0 .. 63 */
/* Budget and period in microseconds: ATOLL_SCHED_MIN_BUDGET_US and
 * ATOLL_SCHED_MAX_PERIOD_US of atoll/sched.h. */
#define ATOLL_SPEC_MIN_BUDGET_US UINT32_C(50)
#define ATOLL_SPEC_MAX_PERIOD_US UINT32_C(3600000000)
/* Channel ids of one domain (channels and IRQs share them), as in the
 * Microkit: 0 .. 62, so one notification word holds a bit for each. */
#define ATOLL_SPEC_MAX_CHANNEL_ID 62
/* Where mappings may go: above any program image (linked at 4 MiB and
 * kept below 256 MiB) and below the last TiB of the user half, which init
 * keeps for each domain's stack and IPC buffer. */
#define ATOLL_SPEC_MAP_MIN         UINT64_C(0x0000000010000000)
#define ATOLL_SPEC_MAP_END         UINT64_C(0x00007f0000000000)
#define ATOLL_SPEC_MAX_REGION_SIZE UINT64_C(0x0000001000000000) /* 64 GiB */
#define ATOLL_SPEC_PHYS_END        UINT64_C(0x0010000000000000) /* 52 address bits */
#define ATOLL_SPEC_MAX_GSI         255                          /* IOAPIC input (GSI) */
#define ATOLL_SPEC_MAX_ISA_IRQ     15
#define ATOLL_SPEC_MAX_MSI_VECTOR  2047 /* MSI-X tables have 2048 entries */
#define ATOLL_SPEC_MAX_BAR         5
#define ATOLL_SPEC_MAX_PCI_DEVICE  31
#define ATOLL_SPEC_MAX_PCI_FUNC    7
#define ATOLL_SPEC_MAX_VCPUS       64

/* Page sizes as log2: 4 KiB, 2 MiB, 1 GiB. */
#define ATOLL_SPEC_PAGE_4K 12
#define ATOLL_SPEC_PAGE_2M 21
#define ATOLL_SPEC_PAGE_1G 30

enum atoll_spec_table_id {
    ATOLL_SPEC_DOMAINS = 0,
    ATOLL_SPEC_REGIONS = 1,
    ATOLL_SPEC_MAPS = 2,
    ATOLL_SPEC_CHANNELS = 3,
    ATOLL_SPEC_IRQS = 4,
    ATOLL_SPEC_IOPORTS = 5,
    ATOLL_SPEC_DEVICES = 6,
    ATOLL_SPEC_IOSPACES = 7,
    ATOLL_SPEC_VMS = 8,
    ATOLL_SPEC_STRINGS = 9, /* count is in bytes */
    ATOLL_SPEC_TABLE_COUNT = 10,
};

struct atoll_spec_table {
    uint32_t offset; /* from the start of the spec */
    uint32_t count;  /* records (bytes for the string table) */
};

struct atoll_spec_header {
    uint32_t magic;
    uint16_t version;
    uint16_t header_size; /* sizeof(struct atoll_spec_header) */
    uint32_t total_size;  /* of the whole spec, a multiple of 8 */
    uint32_t flags;       /* none defined: 0 */
    struct atoll_spec_table tables[ATOLL_SPEC_TABLE_COUNT];
};

/* ---- Records ---- */

#define ATOLL_SPEC_DOMAIN_PASSIVE 0x01 /* no SchedContext after start-up */
#define ATOLL_SPEC_DOMAIN_FLAGS   ATOLL_SPEC_DOMAIN_PASSIVE

struct atoll_spec_domain {
    uint32_t name;      /* string */
    uint32_t image;     /* string: the boot module holding its ELF image */
    uint32_t budget_us; /* MIN_BUDGET_US .. period_us */
    uint32_t period_us; /* budget_us .. MAX_PERIOD_US */
    uint8_t priority;   /* 0 .. MAX_PRIORITY */
    uint8_t core;       /* 0 .. MAX_CORES - 1 */
    uint8_t flags;      /* ATOLL_SPEC_DOMAIN_* */
    uint8_t reserved0;
    uint32_t reserved1;
};

/* phys is valid (device memory at a fixed physical address). */
#define ATOLL_SPEC_REGION_PHYS 0x01
/* The memory of a PCI BAR: `device` and `bar` say which; init reads the
 * address from the device and checks the BAR is at least `size` long. */
#define ATOLL_SPEC_REGION_BAR   0x02
#define ATOLL_SPEC_REGION_FLAGS (ATOLL_SPEC_REGION_PHYS | ATOLL_SPEC_REGION_BAR)

struct atoll_spec_region {
    uint32_t name;     /* string */
    uint8_t page_bits; /* ATOLL_SPEC_PAGE_* */
    uint8_t flags;     /* ATOLL_SPEC_REGION_*: at most one */
    uint8_t bar;       /* BAR regions: 0 .. MAX_BAR, else 0 */
    uint8_t reserved0;
    uint64_t size;   /* bytes, a nonzero multiple of the page size */
    uint64_t phys;   /* PHYS regions: page-aligned, else 0 */
    uint32_t device; /* BAR regions: device index, else NONE */
    uint32_t reserved1;
};

#define ATOLL_SPEC_MAP_READ    0x01
#define ATOLL_SPEC_MAP_WRITE   0x02
#define ATOLL_SPEC_MAP_EXECUTE 0x04
#define ATOLL_SPEC_MAP_PERMS   (ATOLL_SPEC_MAP_READ | ATOLL_SPEC_MAP_WRITE | ATOLL_SPEC_MAP_EXECUTE)
#define ATOLL_SPEC_MAP_CACHED  0x01 /* flags: write-back; device memory never is */
/* flags: an [[iomap]]: `domain` is an IOSpace index, `vaddr` the IO
 * virtual address, perms READ (the device may read) and WRITE (it may
 * write), at least one; RAM regions only; never with CACHED. */
#define ATOLL_SPEC_MAP_IOSPACE 0x02
#define ATOLL_SPEC_MAP_FLAGS   (ATOLL_SPEC_MAP_CACHED | ATOLL_SPEC_MAP_IOSPACE)
#define ATOLL_SPEC_IOVA_END    (UINT64_C(1) << 48) /* the widest IOVA of 4-level tables */

/* Pages [offset, offset + size) of a region at [vaddr, vaddr + size) of a
 * domain; all three aligned to the region's page size. */
struct atoll_spec_map {
    uint32_t domain;
    uint32_t region;
    uint64_t vaddr;
    uint64_t offset;
    uint64_t size;
    uint8_t perms; /* ATOLL_SPEC_MAP_READ|WRITE|EXECUTE; READ required */
    uint8_t flags; /* ATOLL_SPEC_MAP_CACHED */
    uint16_t reserved0;
    uint32_t reserved1;
};

/* End a may call end b (protected procedure call); b has the higher
 * priority. Both ends can always notify each other. */
#define ATOLL_SPEC_CHANNEL_PPC   0x01
#define ATOLL_SPEC_CHANNEL_FLAGS ATOLL_SPEC_CHANNEL_PPC

struct atoll_spec_channel {
    uint32_t domain_a;
    uint32_t domain_b; /* != domain_a */
    uint8_t id_a;      /* channel id in domain a */
    uint8_t id_b;
    uint8_t flags; /* ATOLL_SPEC_CHANNEL_* */
    uint8_t reserved0;
    uint32_t reserved1;
};

enum atoll_spec_irq_kind {
    ATOLL_SPEC_IRQ_IOAPIC = 0, /* number: a GSI, 0 .. MAX_GSI */
    ATOLL_SPEC_IRQ_ISA = 1,    /* number: an ISA IRQ, 0 .. 15 (MADT overrides apply) */
    ATOLL_SPEC_IRQ_MSI = 2,    /* number: vector index of `device`, 0 .. MAX_MSI_VECTOR */
};
#define ATOLL_SPEC_IRQ_KIND_LAST ATOLL_SPEC_IRQ_MSI

/* Values of atoll/irq.h's ATOLL_IRQ_TRIGGER_* and _POLARITY_*. */
#define ATOLL_SPEC_TRIGGER_EDGE  0
#define ATOLL_SPEC_TRIGGER_LEVEL 1
#define ATOLL_SPEC_POLARITY_HIGH 0
#define ATOLL_SPEC_POLARITY_LOW  1

/* An interrupt delivered to a domain as a notification on channel `id`. */
struct atoll_spec_irq {
    uint32_t domain;
    uint8_t id;
    uint8_t kind;     /* enum atoll_spec_irq_kind */
    uint8_t trigger;  /* IOAPIC only, else 0 */
    uint8_t polarity; /* IOAPIC only, else 0 */
    uint32_t number;
    uint32_t device; /* MSI: device index, else NONE */
};

struct atoll_spec_ioport {
    uint32_t domain;
    uint16_t first;
    uint16_t last; /* >= first */
};

#define ATOLL_SPEC_DEVICE_IOMMU 0x01 /* DMA confined to an IOSpace */
/* Passthrough may go ahead where no IOMMU covers the device; required
 * when IOMMU is clear (fail closed otherwise). */
#define ATOLL_SPEC_DEVICE_UNSAFE_NO_IOMMU 0x02
#define ATOLL_SPEC_DEVICE_FLAGS           (ATOLL_SPEC_DEVICE_IOMMU | ATOLL_SPEC_DEVICE_UNSAFE_NO_IOMMU)

#define ATOLL_SPEC_DEVFN(device, function) ((uint8_t)(((device) << 3) | (function)))

/* A PCI function given to a domain. */
struct atoll_spec_device {
    uint32_t name;
    uint32_t domain;
    uint16_t segment;
    uint8_t bus;
    uint8_t devfn; /* device << 3 | function */
    uint8_t flags; /* ATOLL_SPEC_DEVICE_* */
    uint8_t reserved0;
    uint16_t reserved1;
    uint32_t iospace; /* index, or NONE: init makes one for the device */
    uint32_t reserved2;
};

/* Placeholder for issue 6 (VT-d): an IOSpace and the domain that may map
 * into it (NONE: only init). */
struct atoll_spec_iospace {
    uint32_t name;
    uint32_t domain;
};

/* Placeholder for the VMM issues: a virtual machine run by the VMM in
 * `domain`. */
struct atoll_spec_vm {
    uint32_t name;
    uint32_t domain;
    uint64_t memory; /* bytes of guest RAM, a nonzero multiple of 2 MiB */
    uint8_t vcpus;   /* 1 .. MAX_VCPUS */
    uint8_t reserved0;
    uint16_t reserved1;
    uint32_t reserved2;
};

/* The record sizes are ABI: tools/atoll-sdc writes exactly these. */
_Static_assert(sizeof(struct atoll_spec_header) == 96, "spec header");
_Static_assert(sizeof(struct atoll_spec_domain) == 24, "spec domain");
_Static_assert(sizeof(struct atoll_spec_region) == 32, "spec region");
_Static_assert(sizeof(struct atoll_spec_map) == 40, "spec map");
_Static_assert(sizeof(struct atoll_spec_channel) == 16, "spec channel");
_Static_assert(sizeof(struct atoll_spec_irq) == 16, "spec irq");
_Static_assert(sizeof(struct atoll_spec_ioport) == 8, "spec ioport");
_Static_assert(sizeof(struct atoll_spec_device) == 24, "spec device");
_Static_assert(sizeof(struct atoll_spec_iospace) == 8, "spec iospace");
_Static_assert(sizeof(struct atoll_spec_vm) == 24, "spec vm");

#endif
