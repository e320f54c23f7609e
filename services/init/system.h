/* init as the system loader (issue 5): builds the protection domains, shared
 * memory, device memory (PCI BARs, fixed physical ranges), channels,
 * interrupts (IOAPIC, ISA and MSI, as channels), I/O port ranges and PCI
 * devices in IOSpaces that a system spec (docs/system-description.md)
 * names, starts them, then reports every domain's fault by name. A device
 * that no IOMMU confines is refused unless its description says
 * unsafe_no_iommu. */
#ifndef ATOLL_INIT_SYSTEM_H
#define ATOLL_INIT_SYSTEM_H

#include "atoll.h"
#include "pd.h"

#define SYSTEM_MAX_DOMAINS 16
#define SYSTEM_MAX_DEVICES 16 /* [[device]] and [[iospace]] entries, each */
#define SYSTEM_SPEC_MODULE "system.spec"

struct system {
    struct pd domains[SYSTEM_MAX_DOMAINS];
    uint32_t domain_count;
    uint64_t fault_ep, reply;
    uint64_t pci_ports;                      /* configuration space, when devices exist */
    uint64_t device_pci[SYSTEM_MAX_DEVICES]; /* ATOLL_PCI_ADDRESS of each [[device]] */
    uint32_t iospaces_given[SYSTEM_MAX_DOMAINS];
    uint64_t iospace_slot[SYSTEM_MAX_DEVICES];   /* init's slot of each [[iospace]] until given */
    const char *device_name[SYSTEM_MAX_DEVICES]; /* for fault reports */
    uint32_t device_count;
};

/* Builds and starts the system in `spec` (its bytes, untrusted). Prints
 * what it refuses and returns false; objects made so far stay in env's
 * slots (revoking env->untyped removes them). */
bool system_load(struct pd_env *env, const struct atoll_bootinfo *bi, const void *spec, size_t size,
                 struct system *out);

/* Receives the domains' faults and reports each by the domain's name; the
 * faulting domain stays stopped. With devices in IOSpaces it also logs
 * every DMA fault record with the device's name. Returns after
 * `max_faults` domain faults (0: never). */
void system_supervise(struct system *sys, unsigned max_faults);

#endif
