/* DMAR (DMA Remapping Reporting) table parser and device-to-unit lookup.
 *
 * The DMAR is untrusted firmware data (Intel VT-d Specification, chapter
 * 8). dmar_parse() checks every length against its parent: the header
 * against the buffer, each remapping structure against the table, each
 * device scope against its structure. A structure or scope that is
 * malformed is skipped with a warning; one whose length cannot be trusted
 * ends the walk of its parent. Nothing loops on a zero length.
 *
 * Whatever could not be understood makes the lookups fail closed: a device
 * is attributed to a unit only when the table says so unambiguously, never
 * by falling back to a catch-all unit when part of the table was skipped.
 *
 * Portable C11: no libc, builds freestanding in the kernel and on the host
 * (unit tests, libFuzzer). Reports through klog() (kernel/log.h). */
#ifndef ATOLL_IOMMU_DMAR_H
#define ATOLL_IOMMU_DMAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DMAR_MAX_UNITS  16
#define DMAR_MAX_RMRRS  16
#define DMAR_MAX_ATSRS  8
#define DMAR_MAX_SCOPES 256
/* PCI-to-PCI bridges between the start bus and the device, plus one. */
#define DMAR_MAX_PATH 8

struct dmar_path_entry {
    uint8_t dev;
    uint8_t fn;
};

struct dmar_scope {
    uint8_t type;      /* enum dmar_scope_type (dmar_tables.h) */
    uint8_t enum_id;   /* I/O APIC id, HPET number, ACPI device number */
    uint8_t start_bus; /* bus of path[0] */
    uint8_t path_len;  /* 1..DMAR_MAX_PATH */
    struct dmar_path_entry path[DMAR_MAX_PATH];
};

/* A list of scopes: indexes [first, first + count) of dmar_info.scopes. */
struct dmar_scope_list {
    uint16_t first;
    uint16_t count;
    /* Some scope of this structure was skipped (malformed, or the scope
     * table was full): the list is not everything firmware said. */
    bool incomplete;
};

struct dmar_unit {
    uint64_t reg_base;  /* 4 KiB aligned, non-zero */
    uint32_t reg_pages; /* register set size in 4 KiB pages (at least 1) */
    uint16_t segment;
    bool include_pci_all; /* every PCI device of the segment not listed elsewhere */
    struct dmar_scope_list scopes;
};

struct dmar_rmrr {
    uint16_t segment;
    uint64_t base;  /* 4 KiB aligned */
    uint64_t limit; /* last byte; limit + 1 is 4 KiB aligned */
    struct dmar_scope_list scopes;
};

struct dmar_atsr {
    uint16_t segment;
    bool all_ports;
    struct dmar_scope_list scopes;
};

struct dmar_info {
    uint8_t host_addr_width; /* HAW + 1: physical address bits DMA can reach */
    uint8_t flags;           /* DMAR_FLAG_* */

    uint32_t unit_count;
    struct dmar_unit units[DMAR_MAX_UNITS];
    uint32_t rmrr_count;
    struct dmar_rmrr rmrrs[DMAR_MAX_RMRRS];
    uint32_t atsr_count;
    struct dmar_atsr atsrs[DMAR_MAX_ATSRS];
    uint32_t scope_count;
    struct dmar_scope scopes[DMAR_MAX_SCOPES];

    /* DRHDs that were malformed or did not fit: some device may be behind
     * a unit this table does not describe, so lookups fail closed. */
    uint32_t units_skipped;
    /* Remapping structures that were not understood or not used (RHSA,
     * ANDD, SATC, unknown types, malformed RMRR/ATSR). */
    uint32_t structs_ignored;
    /* The walk of the structure list ended early (a length that could not
     * be trusted): everything after it is unknown. */
    bool truncated;
    uint32_t warnings;
};

/* Parses the DMAR of `len` bytes at `table` (the whole table, as mapped by
 * the ACPI code). Returns 0 if its header, length and checksum are valid
 * (structures may still have been skipped: see warnings), -1 if the table
 * is unusable. `out` is always fully initialised. */
int dmar_parse(const void *table, size_t len, struct dmar_info *out);

/* Reads the secondary and subordinate bus numbers of the PCI-to-PCI bridge
 * at seg:bus:dev.fn (PCI config offsets 0x19, 0x1a). Returns false if that
 * function is absent or not a bridge. Optional: without it, only scopes
 * whose path has one entry can be resolved. */
typedef bool (*dmar_bridge_buses_fn)(void *ctx, uint16_t segment, uint8_t bus, uint8_t dev,
                                     uint8_t fn, uint8_t *secondary, uint8_t *subordinate);

struct dmar_pci {
    dmar_bridge_buses_fn bridge_buses; /* may be NULL */
    void *ctx;
};

enum dmar_lookup {
    DMAR_FOUND = 0,
    DMAR_NOT_COVERED = -1, /* no unit remaps this device's DMA */
    DMAR_UNCERTAIN = -2,   /* part of the table could not be resolved: fail closed */
    DMAR_AMBIGUOUS = -3,   /* two units claim the device */
};

enum dmar_match {
    DMAR_MATCH_NO = 0,
    DMAR_MATCH_YES = 1,
    DMAR_MATCH_UNKNOWN = 2, /* the path or the bridge's buses could not be read */
};

/* Whether PCI function seg:bus:dev.fn lies in scope `s` of a structure in
 * segment `scope_segment`: an endpoint scope names exactly one function, a
 * sub-hierarchy scope its bridge and every bus the bridge forwards to. */
enum dmar_match dmar_scope_match(const struct dmar_scope *s, uint16_t scope_segment,
                                 const struct dmar_pci *pci, uint16_t seg, uint8_t bus, uint8_t dev,
                                 uint8_t fn);

/* The unit that remaps DMA of PCI function seg:bus:dev.fn: the unit whose
 * scopes name it (endpoint or bridge), else the segment's INCLUDE_PCI_ALL
 * unit. On DMAR_FOUND, *unit is an index into d->units. `pci` may be NULL. */
enum dmar_lookup dmar_find_unit(const struct dmar_info *d, const struct dmar_pci *pci, uint16_t seg,
                                uint8_t bus, uint8_t dev, uint8_t fn, uint32_t *unit);

/* The unit behind which I/O APIC `ioapic_id` sits, and its source id
 * (bus << 8 | dev << 3 | fn) for interrupt-remapping source checks. */
enum dmar_lookup dmar_find_ioapic(const struct dmar_info *d, const struct dmar_pci *pci,
                                  uint8_t ioapic_id, uint32_t *unit, uint16_t *source_id);

/* Resolves a scope's path to the bus:dev.fn it names. False if a bridge on
 * the way could not be read (or `pci` cannot read bridges). */
bool dmar_scope_resolve(const struct dmar_scope *s, uint16_t segment, const struct dmar_pci *pci,
                        uint8_t *bus, uint8_t *dev, uint8_t *fn);

#endif
