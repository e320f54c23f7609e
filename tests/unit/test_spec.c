/* Host tests of the spec parser (services/lib/spec.c) on specs that
 * tools/atoll-sdc wrote: the make fragment (tests/sdc.mk) compiles
 * the .toml files of examples/ and tests/sdc/valid/ into build/host/sdc/ before
 * this runs ($ATOLL_SPEC_DIR overrides the folder). So these tests also
 * check that the compiler and the C header agree on every field.
 *
 * Corrupted variants start from tests/sdc/valid/full.toml's spec, which
 * has a record of every kind; its indices are listed at mutations[]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/lib/spec.h"
#include "tests/unit/check.h"

struct blob {
    uint8_t *data;
    size_t size;
};

static const char *spec_dir(void)
{
    const char *d = getenv("ATOLL_SPEC_DIR");
    return d ? d : "build/host/sdc";
}

/* The spec NAME.spec in an exactly-sized heap buffer (ASan sees any read
 * past its end); size 0 and a FAIL if it cannot be read. */
static struct blob load(const char *name)
{
    struct blob b = {NULL, 0};
    char path[512];
    snprintf(path, sizeof(path), "%s/%s.spec", spec_dir(), name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        CHECK_FAIL("cannot open %s (built by tests/sdc.mk from the .toml of that name)", path);
        return b;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b.data = malloc(n > 0 ? (size_t)n : 1);
    if (n <= 0 || fread(b.data, 1, (size_t)n, f) != (size_t)n) {
        CHECK_FAIL("cannot read %s", path);
        free(b.data);
        b.data = NULL;
        n = 0;
    }
    fclose(f);
    b.size = (size_t)n;
    return b;
}

static enum spec_status parse_copy(const uint8_t *data, size_t size, struct spec *s,
                                   struct spec_error *e)
{
    /* An exact copy, so a read past `size` is a heap overflow. */
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    enum spec_status st = spec_parse(s, copy, size, e);
    free(copy);
    return st;
}

/* ---- valid specs ---- */

static void check_parses(const char *name)
{
    struct blob b = load(name);
    if (!b.data)
        return;
    struct spec s;
    struct spec_error e;
    enum spec_status st = spec_parse(&s, b.data, b.size, &e);
    if (st != SPEC_OK)
        CHECK_FAIL("%s.spec: %s in %s #%u field %s", name, spec_status_name(st),
                   spec_table_name(e.table), e.index, e.field);
    CHECK_U("spec size", b.size, s.size);
    free(b.data);
}

static void examples_parse(void)
{
    check_parses("pingpong");
    check_parses("ppc");
    check_parses("prodcons");
}

static void valid_descriptions_parse(void)
{
    check_parses("full");
    check_parses("minimal");
    check_parses("limits");
    check_parses("images");
}

static bool parse_named(const char *name, struct blob *b, struct spec *s)
{
    *b = load(name);
    if (!b->data)
        return false;
    struct spec_error e;
    enum spec_status st = spec_parse(s, b->data, b->size, &e);
    if (st != SPEC_OK) {
        CHECK_FAIL("%s.spec does not parse: %s", name, spec_status_name(st));
        free(b->data);
        return false;
    }
    return true;
}

static void minimal_defaults(void)
{
    struct blob b;
    struct spec s;
    struct atoll_spec_domain d;
    if (!parse_named("minimal", &b, &s))
        return;
    CHECK_U("domains", 1, spec_count(&s, ATOLL_SPEC_DOMAINS));
    for (uint32_t t = ATOLL_SPEC_REGIONS; t < ATOLL_SPEC_STRINGS; t++)
        CHECK_U(spec_table_name(t), 0, spec_count(&s, t));
    CHECK_TRUE("domain 0", spec_domain(&s, 0, &d));
    CHECK_STR("name", "solo", spec_string(&s, d.name));
    CHECK_STR("image", "solo.elf", spec_string(&s, d.image));
    CHECK_U("default priority", 100, d.priority);
    CHECK_U("default budget", 1000, d.budget_us);
    CHECK_U("default period = budget", 1000, d.period_us);
    CHECK_U("default core", 0, d.core);
    CHECK_U("not passive", 0, d.flags);
    free(b.data);
}

static void full_fields(void)
{
    struct blob b;
    struct spec s;
    if (!parse_named("full", &b, &s))
        return;
    struct atoll_spec_domain d;
    struct atoll_spec_region r;
    struct atoll_spec_map m;
    struct atoll_spec_channel c;
    struct atoll_spec_irq q;
    struct atoll_spec_ioport p;
    struct atoll_spec_device v;
    struct atoll_spec_iospace o;
    struct atoll_spec_vm vm;

    CHECK_U("domains", 4, spec_count(&s, ATOLL_SPEC_DOMAINS));
    spec_domain(&s, 0, &d);
    CHECK_STR("domain 0", "e1000", spec_string(&s, d.name));
    CHECK_STR("image: the module name, without folders", "e1000.elf", spec_string(&s, d.image));
    CHECK_U("priority", 150, d.priority);
    CHECK_U("budget", 500, d.budget_us);
    CHECK_U("period", 1000, d.period_us);
    CHECK_U("core", 1, d.core);
    spec_domain(&s, 2, &d);
    CHECK_STR("domain 2", "mux", spec_string(&s, d.name));
    CHECK_U("mux passive", ATOLL_SPEC_DOMAIN_PASSIVE, d.flags);

    CHECK_U("regions", 3, spec_count(&s, ATOLL_SPEC_REGIONS));
    spec_region(&s, 0, &r);
    CHECK_STR("region 0", "nic0_regs", spec_string(&s, r.name));
    CHECK_U("BAR region", ATOLL_SPEC_REGION_BAR, r.flags);
    CHECK_U("BAR device", 0, r.device);
    CHECK_U("BAR size", 0x20000, r.size);
    spec_region(&s, 1, &r);
    CHECK_U("2M pages", ATOLL_SPEC_PAGE_2M, r.page_bits);
    CHECK_U("dma device", ATOLL_SPEC_NONE, r.device);
    spec_region(&s, 2, &r);
    CHECK_U("phys region", ATOLL_SPEC_REGION_PHYS, r.flags);
    CHECK_U("phys", 0xb8000, r.phys);

    CHECK_U("maps and iomaps", 5, spec_count(&s, ATOLL_SPEC_MAPS));
    spec_map(&s, 4, &m);
    CHECK_U("iomap flag", ATOLL_SPEC_MAP_IOSPACE, m.flags);
    CHECK_U("iomap iospace", 0, m.domain);
    CHECK_U("iomap region", 1, m.region);
    CHECK_U("iomap iova", 0x40000000, m.vaddr);
    CHECK_U("iomap device rw", ATOLL_SPEC_MAP_READ | ATOLL_SPEC_MAP_WRITE, m.perms);
    spec_map(&s, 0, &m);
    CHECK_U("device map uncached by default", 0, m.flags);
    CHECK_U("rw", ATOLL_SPEC_MAP_READ | ATOLL_SPEC_MAP_WRITE, m.perms);
    spec_map(&s, 1, &m);
    CHECK_U("RAM map cached by default", ATOLL_SPEC_MAP_CACHED, m.flags);
    CHECK_U("whole region by default", 0x400000, m.size);
    spec_map(&s, 2, &m);
    CHECK_U("map 2 domain", 2, m.domain);
    CHECK_U("map 2 region", 1, m.region);
    CHECK_U("map 2 vaddr", 0x80000000, m.vaddr);
    CHECK_U("map 2 offset", 0x200000, m.offset);
    CHECK_U("map 2 size", 0x200000, m.size);
    CHECK_U("map 2 perms", ATOLL_SPEC_MAP_READ, m.perms);
    CHECK_U("map 2 cached = false", 0, m.flags);

    CHECK_U("channels", 2, spec_count(&s, ATOLL_SPEC_CHANNELS));
    spec_channel(&s, 1, &c);
    CHECK_U("channel 1 a", 3, c.domain_a);
    CHECK_U("channel 1 b", 2, c.domain_b);
    CHECK_U("channel 1 id a", 3, c.id_a);
    CHECK_U("channel 1 id b", 1, c.id_b);
    CHECK_U("channel 1 ppc", ATOLL_SPEC_CHANNEL_PPC, c.flags);

    CHECK_U("irqs", 3, spec_count(&s, ATOLL_SPEC_IRQS));
    spec_irq(&s, 0, &q);
    CHECK_U("msi kind", ATOLL_SPEC_IRQ_MSI, q.kind);
    CHECK_U("msi device", 0, q.device);
    CHECK_U("msi id", 1, q.id);
    spec_irq(&s, 1, &q);
    CHECK_U("isa kind", ATOLL_SPEC_IRQ_ISA, q.kind);
    CHECK_U("isa number", 4, q.number);
    CHECK_U("isa device", ATOLL_SPEC_NONE, q.device);
    spec_irq(&s, 2, &q);
    CHECK_U("ioapic kind", ATOLL_SPEC_IRQ_IOAPIC, q.kind);
    CHECK_U("ioapic gsi", 19, q.number);
    CHECK_U("edge", ATOLL_SPEC_TRIGGER_EDGE, q.trigger);
    CHECK_U("high", ATOLL_SPEC_POLARITY_HIGH, q.polarity);

    spec_ioport(&s, 0, &p);
    CHECK_U("ioport first", 0x3f8, p.first);
    CHECK_U("ioport last", 0x3ff, p.last);
    CHECK_U("ioport domain", 1, p.domain);

    spec_device(&s, 0, &v);
    CHECK_STR("device 0", "nic0", spec_string(&s, v.name));
    CHECK_U("devfn 02.0", ATOLL_SPEC_DEVFN(2, 0), v.devfn);
    CHECK_U("iommu by default", ATOLL_SPEC_DEVICE_IOMMU, v.flags);
    CHECK_U("iospace", 0, v.iospace);
    spec_device(&s, 1, &v);
    CHECK_U("segment", 1, v.segment);
    CHECK_U("bus", 0x3a, v.bus);
    CHECK_U("devfn 1f.7", ATOLL_SPEC_DEVFN(0x1f, 7), v.devfn);
    CHECK_U("unsafe", ATOLL_SPEC_DEVICE_UNSAFE_NO_IOMMU, v.flags);
    CHECK_U("no iospace", ATOLL_SPEC_NONE, v.iospace);

    spec_iospace(&s, 0, &o);
    CHECK_STR("iospace", "nic0_dma", spec_string(&s, o.name));
    CHECK_U("iospace domain", 0, o.domain);
    spec_vm(&s, 0, &vm);
    CHECK_STR("vm", "client1", spec_string(&s, vm.name));
    CHECK_U("vm domain", 3, vm.domain);
    CHECK_U("vcpus", 2, vm.vcpus);
    CHECK_U("memory", 0x10000000, vm.memory);
    free(b.data);
}

static void accessors_out_of_range(void)
{
    struct blob b;
    struct spec s;
    if (!parse_named("pingpong", &b, &s))
        return;
    struct atoll_spec_domain d;
    memset(&d, 0xaa, sizeof(d));
    CHECK_TRUE("no domain 2", !spec_domain(&s, 2, &d));
    CHECK_U("zeroed", 0, d.name | d.image | d.priority);
    struct atoll_spec_vm vm;
    CHECK_TRUE("no vm 0", !spec_vm(&s, 0, &vm));
    CHECK_U("bad table count", 0, spec_count(&s, ATOLL_SPEC_TABLE_COUNT));
    CHECK_TRUE("string past the table",
               spec_string(&s, spec_count(&s, ATOLL_SPEC_STRINGS)) == NULL);
    CHECK_TRUE("string offset huge", spec_string(&s, 0xffffffffu) == NULL);
    free(b.data);
}

static void ppc_example(void)
{
    struct blob b;
    struct spec s;
    if (!parse_named("ppc", &b, &s))
        return;
    struct atoll_spec_domain server, client;
    struct atoll_spec_channel c;
    uint32_t calls = 0;
    for (uint32_t i = 0; spec_channel(&s, i, &c); i++) {
        spec_domain(&s, c.domain_a, &client);
        spec_domain(&s, c.domain_b, &server);
        CHECK_STR("server", "counter", spec_string(&s, server.name));
        CHECK_TRUE("server above client", server.priority > client.priority);
        calls += (c.flags & ATOLL_SPEC_CHANNEL_PPC) != 0;
    }
    CHECK_U("ppc channels", 2, calls);
    CHECK_U("server passive", ATOLL_SPEC_DOMAIN_PASSIVE, server.flags);
    free(b.data);
}

static void unaligned_and_trailing_bytes(void)
{
    struct blob b = load("full");
    if (!b.data)
        return;
    /* At an odd address, with 13 bytes of junk after total_size. */
    uint8_t *buf = malloc(b.size + 14);
    memcpy(buf + 1, b.data, b.size);
    memset(buf + 1 + b.size, 0x5a, 13);
    struct spec s;
    CHECK_U("odd address", SPEC_OK, spec_parse(&s, buf + 1, b.size + 13, NULL));
    struct atoll_spec_map m;
    CHECK_TRUE("map 3", spec_map(&s, 3, &m));
    CHECK_U("map 3 vaddr", 0x10000000, m.vaddr);
    free(buf);
    free(b.data);
}

/* ---- corrupted specs ---- */

static void truncated_at_every_length(void)
{
    const char *names[] = {"full", "limits", "pingpong"};
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        struct blob b = load(names[k]);
        if (!b.data)
            continue;
        for (size_t n = 0; n < b.size; n++) {
            struct spec s;
            struct spec_error e;
            enum spec_status st = parse_copy(b.data, n, &s, &e);
            if (st != SPEC_ERR_TRUNCATED) {
                CHECK_FAIL("%s cut to %zu of %zu bytes: expected truncated, got %s", names[k], n,
                           b.size, spec_status_name(st));
                break;
            }
            CHECK_U("zeroed spec", 0, spec_count(&s, ATOLL_SPEC_DOMAINS));
        }
        free(b.data);
    }
}

/* Every byte flipped in turn: the parser must stay inside the buffer
 * (ASan) and report a defined error with a field; most flips must fail. */
static void every_byte_flipped(void)
{
    struct blob b = load("full");
    if (!b.data)
        return;
    size_t accepted = 0;
    for (size_t i = 0; i < b.size; i++) {
        for (unsigned mask = 1; mask < 0x100; mask <<= 3) {
            b.data[i] ^= (uint8_t)mask;
            struct spec s;
            struct spec_error e;
            enum spec_status st = parse_copy(b.data, b.size, &s, &e);
            b.data[i] ^= (uint8_t)mask;
            if (st == SPEC_OK) {
                accepted++;
                continue;
            }
            if (st != e.status || e.table > ATOLL_SPEC_TABLE_COUNT || !e.field || !e.field[0] ||
                st >= SPEC_STATUS_COUNT) {
                CHECK_FAIL("byte %zu ^ 0x%x: status %d, error {%d, table %u, field %s}", i, mask,
                           st, e.status, e.table, e.field ? e.field : "(null)");
                free(b.data);
                return;
            }
        }
    }
    /* Flips that stay valid change a number within its range (a budget,
     * an address by a page...); they must be the minority. */
    CHECK_TRUE("most flips rejected", accepted * 4 < b.size * 3);
    free(b.data);
}

static uint8_t *record(uint8_t *spec, uint32_t table, uint32_t index, size_t size)
{
    struct atoll_spec_header h;
    memcpy(&h, spec, sizeof(h));
    return spec + h.tables[table].offset + (size_t)index * size;
}

/* Edits record `index` of `table` (a struct `type` named r) in place. */
#define EDIT(type, table, index, ...)                                                              \
    do {                                                                                           \
        struct type r;                                                                             \
        uint8_t *at_ = record(b, (table), (index), sizeof(r));                                     \
        memcpy(&r, at_, sizeof(r));                                                                \
        __VA_ARGS__;                                                                               \
        memcpy(at_, &r, sizeof(r));                                                                \
    } while (0)

#define EDIT_HEADER(...)                                                                           \
    do {                                                                                           \
        struct atoll_spec_header h;                                                                \
        memcpy(&h, b, sizeof(h));                                                                  \
        __VA_ARGS__;                                                                               \
        memcpy(b, &h, sizeof(h));                                                                  \
    } while (0)

static uint32_t string_bytes(const uint8_t *b)
{
    struct atoll_spec_header h;
    memcpy(&h, b, sizeof(h));
    return h.tables[ATOLL_SPEC_STRINGS].count;
}

/* full.spec: domains 0 e1000 (prio 150, core 1), 1 serial (140), 2 mux
 * (160, passive), 3 vmm1 (100); regions 0 nic0_regs (BAR of device 0),
 * 1 dma (2M pages, 4 MiB), 2 vga (phys 0xb8000); maps 0 e1000/nic0_regs,
 * 1 e1000/dma at 0x80000000, 2 mux/dma (offset 2M), 3 serial/vga; channels
 * 0 e1000:0 -ppc-> mux:0, 1 vmm1:3 -ppc-> mux:1; irqs 0 MSI nic0 (e1000 id
 * 1), 1 ISA 4 (serial id 0), 2 GSI 19 (e1000 id 2); ioport 0 serial
 * 0x3f8-0x3ff; devices 0 nic0 (e1000, iospace 0), 1 legacy (serial, no
 * IOMMU); iospace 0; vm 0 (vmm1). */
static void m_magic(uint8_t *b)
{
    EDIT_HEADER(h.magic ^= 1);
}
static void m_version(uint8_t *b)
{
    EDIT_HEADER(h.version = 2);
}
static void m_header_size(uint8_t *b)
{
    EDIT_HEADER(h.header_size = 88);
}
static void m_header_flags(uint8_t *b)
{
    EDIT_HEADER(h.flags = 1);
}
static void m_total_short(uint8_t *b)
{
    EDIT_HEADER(h.total_size -= 8);
}
static void m_total_odd(uint8_t *b)
{
    EDIT_HEADER(h.total_size -= 1);
}
static void m_table_offset(uint8_t *b)
{
    EDIT_HEADER(h.tables[ATOLL_SPEC_MAPS].offset += 8);
}
static void m_table_offset_back(uint8_t *b)
{
    EDIT_HEADER(h.tables[ATOLL_SPEC_REGIONS].offset -= 8);
}
static void m_table_count(uint8_t *b)
{
    EDIT_HEADER(h.tables[ATOLL_SPEC_VMS].count += 1);
}
static void m_table_limit(uint8_t *b)
{
    EDIT_HEADER(h.tables[ATOLL_SPEC_IOPORTS].count = ATOLL_SPEC_MAX_RECORDS + 1);
}
static void m_count_overflow(uint8_t *b)
{
    EDIT_HEADER(h.tables[ATOLL_SPEC_DOMAINS].count = 0xffffffffu);
}
static void m_padding(uint8_t *b)
{
    /* The byte after the last string is padding up to total_size. */
    struct atoll_spec_header h;
    memcpy(&h, b, sizeof(h));
    b[h.total_size - 1] = 1;
}
static void m_no_nul(uint8_t *b)
{
    record(b, ATOLL_SPEC_STRINGS, string_bytes(b) - 1, 1)[0] = 'x';
}
static void m_name_outside(uint8_t *b)
{
    uint32_t n = string_bytes(b);
    EDIT(atoll_spec_domain, ATOLL_SPEC_DOMAINS, 1, r.name = n);
}
static void m_name_empty(uint8_t *b)
{
    uint32_t n = string_bytes(b);
    EDIT(atoll_spec_domain, ATOLL_SPEC_DOMAINS, 1, r.image = n - 1);
}
static void m_name_char(uint8_t *b)
{
    struct atoll_spec_domain d;
    memcpy(&d, record(b, ATOLL_SPEC_DOMAINS, 0, sizeof(d)), sizeof(d));
    record(b, ATOLL_SPEC_STRINGS, d.name, 1)[1] = '/';
}
static void m_name_long(uint8_t *b)
{
    /* Overwrite the string table with one 64-character name. */
    uint32_t n = string_bytes(b);
    uint8_t *s = record(b, ATOLL_SPEC_STRINGS, 0, 1);
    if (n > 66) {
        memset(s, 'a', 64);
        s[64] = '\0';
    }
}
static void m_domain_reserved(uint8_t *b)
{
    EDIT(atoll_spec_domain, ATOLL_SPEC_DOMAINS, 3, r.reserved1 = 1);
}
static void m_domain_flag(uint8_t *b)
{
    EDIT(atoll_spec_domain, ATOLL_SPEC_DOMAINS, 3, r.flags = 2);
}
static void m_budget_zero(uint8_t *b)
{
    EDIT(atoll_spec_domain, ATOLL_SPEC_DOMAINS, 0, r.budget_us = 0);
}
static void m_budget_over_period(uint8_t *b)
{
    EDIT(atoll_spec_domain, ATOLL_SPEC_DOMAINS, 0, r.budget_us = r.period_us + 1);
}
static void m_period_long(uint8_t *b)
{
    EDIT(atoll_spec_domain, ATOLL_SPEC_DOMAINS, 0, r.period_us = ATOLL_SPEC_MAX_PERIOD_US + 1);
}
static void m_core(uint8_t *b)
{
    EDIT(atoll_spec_domain, ATOLL_SPEC_DOMAINS, 1, r.core = 64);
}
static void m_passive_alone(uint8_t *b)
{
    EDIT(atoll_spec_domain, ATOLL_SPEC_DOMAINS, 3, r.flags = ATOLL_SPEC_DOMAIN_PASSIVE);
}
static void m_page_bits(uint8_t *b)
{
    EDIT(atoll_spec_region, ATOLL_SPEC_REGIONS, 1, r.page_bits = 13);
}
static void m_region_size(uint8_t *b)
{
    EDIT(atoll_spec_region, ATOLL_SPEC_REGIONS, 1, r.size += 0x1000);
}
static void m_region_zero(uint8_t *b)
{
    EDIT(atoll_spec_region, ATOLL_SPEC_REGIONS, 2, r.size = 0);
}
static void m_phys_unaligned(uint8_t *b)
{
    EDIT(atoll_spec_region, ATOLL_SPEC_REGIONS, 2, r.phys += 0x800);
}
static void m_phys_top(uint8_t *b)
{
    EDIT(atoll_spec_region, ATOLL_SPEC_REGIONS, 2, r.phys = ATOLL_SPEC_PHYS_END - 0x1000);
}
static void m_phys_without_flag(uint8_t *b)
{
    EDIT(atoll_spec_region, ATOLL_SPEC_REGIONS, 1, r.phys = 0x1000000);
}
static void m_both_flags(uint8_t *b)
{
    EDIT(atoll_spec_region, ATOLL_SPEC_REGIONS, 0, r.flags = ATOLL_SPEC_REGION_FLAGS);
}
static void m_bar_device(uint8_t *b)
{
    EDIT(atoll_spec_region, ATOLL_SPEC_REGIONS, 0, r.device = 2);
}
static void m_bar_number(uint8_t *b)
{
    EDIT(atoll_spec_region, ATOLL_SPEC_REGIONS, 0, r.bar = 6);
}
static void m_map_domain(uint8_t *b)
{
    EDIT(atoll_spec_map, ATOLL_SPEC_MAPS, 3, r.domain = 4);
}
static void m_map_region(uint8_t *b)
{
    EDIT(atoll_spec_map, ATOLL_SPEC_MAPS, 3, r.region = ATOLL_SPEC_NONE);
}
static void m_map_vaddr(uint8_t *b)
{
    EDIT(atoll_spec_map, ATOLL_SPEC_MAPS, 1, r.vaddr += 0x1000);
}
static void m_map_offset(uint8_t *b)
{
    EDIT(atoll_spec_map, ATOLL_SPEC_MAPS, 2, r.offset = 0x1000);
}
static void m_map_beyond(uint8_t *b)
{
    EDIT(atoll_spec_map, ATOLL_SPEC_MAPS, 2, r.size = 0x400000);
}
static void m_map_offset_huge(uint8_t *b)
{
    /* offset + size wraps around: must not pass as "inside". */
    EDIT(atoll_spec_map, ATOLL_SPEC_MAPS, 2, r.offset = UINT64_C(0xffffffffffe00000));
}
static void m_map_low(uint8_t *b)
{
    EDIT(atoll_spec_map, ATOLL_SPEC_MAPS, 3, r.vaddr = 0x400000);
}
static void m_map_kernel(uint8_t *b)
{
    EDIT(atoll_spec_map, ATOLL_SPEC_MAPS, 3, r.vaddr = UINT64_C(0xffff800000000000));
}
static void m_map_wrap(uint8_t *b)
{
    EDIT(atoll_spec_map, ATOLL_SPEC_MAPS, 3, r.vaddr = ATOLL_SPEC_MAP_END - 0x1000);
}
static void m_map_overlap(uint8_t *b)
{
    EDIT(atoll_spec_map, ATOLL_SPEC_MAPS, 1, r.vaddr = 0x40000000);
}
static void m_map_no_read(uint8_t *b)
{
    EDIT(atoll_spec_map, ATOLL_SPEC_MAPS, 1, r.perms = ATOLL_SPEC_MAP_WRITE);
}
static void m_map_perm_bit(uint8_t *b)
{
    EDIT(atoll_spec_map, ATOLL_SPEC_MAPS, 1, r.perms |= 8);
}
static void m_map_cached_device(uint8_t *b)
{
    EDIT(atoll_spec_map, ATOLL_SPEC_MAPS, 0, r.flags = ATOLL_SPEC_MAP_CACHED);
}
static void m_iomap_iospace(uint8_t *b)
{
    /* An [[iomap]] names an IOSpace: index 5 is none. */
    EDIT(atoll_spec_map, ATOLL_SPEC_MAPS, 1, r.flags = ATOLL_SPEC_MAP_IOSPACE; r.domain = 5);
}
static void m_iomap_execute(uint8_t *b)
{
    EDIT(atoll_spec_map, ATOLL_SPEC_MAPS, 1, r.flags = ATOLL_SPEC_MAP_IOSPACE; r.domain = 0;
         r.perms = ATOLL_SPEC_MAP_READ | ATOLL_SPEC_MAP_EXECUTE);
}
static void m_iomap_device_memory(uint8_t *b)
{
    /* DMA into a device's registers (peer to peer) is not given. */
    EDIT(atoll_spec_map, ATOLL_SPEC_MAPS, 0, r.flags = ATOLL_SPEC_MAP_IOSPACE; r.domain = 0;
         r.perms = ATOLL_SPEC_MAP_READ);
}
static void m_map_bar_other_domain(uint8_t *b)
{
    /* mux maps nic0's registers, which are e1000's. */
    EDIT(atoll_spec_map, ATOLL_SPEC_MAPS, 2, r.region = 0; r.offset = 0; r.size = 0x20000;
         r.flags = 0);
}
static void m_channel_domain(uint8_t *b)
{
    EDIT(atoll_spec_channel, ATOLL_SPEC_CHANNELS, 1, r.domain_a = 9);
}
static void m_channel_same(uint8_t *b)
{
    EDIT(atoll_spec_channel, ATOLL_SPEC_CHANNELS, 1, r.domain_a = r.domain_b);
}
static void m_channel_id(uint8_t *b)
{
    EDIT(atoll_spec_channel, ATOLL_SPEC_CHANNELS, 1, r.id_b = 63);
}
static void m_channel_id_dup(uint8_t *b)
{
    EDIT(atoll_spec_channel, ATOLL_SPEC_CHANNELS, 1, r.id_b = 0);
}
static void m_channel_ppc_down(uint8_t *b)
{
    EDIT(atoll_spec_channel, ATOLL_SPEC_CHANNELS, 0, r.domain_a = 2; r.domain_b = 0);
}
static void m_channel_flag(uint8_t *b)
{
    EDIT(atoll_spec_channel, ATOLL_SPEC_CHANNELS, 0, r.flags = 3);
}
static void m_irq_kind(uint8_t *b)
{
    EDIT(atoll_spec_irq, ATOLL_SPEC_IRQS, 1, r.kind = 3);
}
static void m_irq_gsi(uint8_t *b)
{
    EDIT(atoll_spec_irq, ATOLL_SPEC_IRQS, 2, r.number = 256);
}
static void m_irq_isa(uint8_t *b)
{
    EDIT(atoll_spec_irq, ATOLL_SPEC_IRQS, 1, r.number = 16);
}
static void m_irq_trigger(uint8_t *b)
{
    EDIT(atoll_spec_irq, ATOLL_SPEC_IRQS, 2, r.trigger = 2);
}
static void m_irq_isa_trigger(uint8_t *b)
{
    EDIT(atoll_spec_irq, ATOLL_SPEC_IRQS, 1, r.trigger = 1);
}
static void m_irq_msi_device(uint8_t *b)
{
    EDIT(atoll_spec_irq, ATOLL_SPEC_IRQS, 0, r.device = 2);
}
static void m_irq_msi_vector(uint8_t *b)
{
    EDIT(atoll_spec_irq, ATOLL_SPEC_IRQS, 0, r.number = 2048);
}
static void m_irq_msi_other_domain(uint8_t *b)
{
    EDIT(atoll_spec_irq, ATOLL_SPEC_IRQS, 0, r.device = 1);
}
static void m_irq_passive(uint8_t *b)
{
    EDIT(atoll_spec_irq, ATOLL_SPEC_IRQS, 1, r.domain = 2);
}
static void m_irq_twice(uint8_t *b)
{
    EDIT(atoll_spec_irq, ATOLL_SPEC_IRQS, 2, r.kind = ATOLL_SPEC_IRQ_MSI; r.number = 0;
         r.device = 0; r.trigger = 0; r.polarity = 0);
}
static void m_irq_id_dup(uint8_t *b)
{
    EDIT(atoll_spec_irq, ATOLL_SPEC_IRQS, 2, r.id = 0);
}
static void m_irq_domain(uint8_t *b)
{
    EDIT(atoll_spec_irq, ATOLL_SPEC_IRQS, 1, r.domain = 4);
}
static void m_ioport_inverted(uint8_t *b)
{
    EDIT(atoll_spec_ioport, ATOLL_SPEC_IOPORTS, 0, r.last = r.first - 1);
}
static void m_ioport_domain(uint8_t *b)
{
    EDIT(atoll_spec_ioport, ATOLL_SPEC_IOPORTS, 0, r.domain = ATOLL_SPEC_NONE);
}
static void m_device_domain(uint8_t *b)
{
    EDIT(atoll_spec_device, ATOLL_SPEC_DEVICES, 1, r.domain = 4);
}
static void m_device_dup(uint8_t *b)
{
    EDIT(atoll_spec_device, ATOLL_SPEC_DEVICES, 1, r.segment = 0; r.bus = 0;
         r.devfn = ATOLL_SPEC_DEVFN(2, 0));
}
static void m_device_fail_open(uint8_t *b)
{
    EDIT(atoll_spec_device, ATOLL_SPEC_DEVICES, 1, r.flags = 0);
}
static void m_device_iospace(uint8_t *b)
{
    EDIT(atoll_spec_device, ATOLL_SPEC_DEVICES, 0, r.iospace = 1);
}
static void m_device_iospace_no_iommu(uint8_t *b)
{
    EDIT(atoll_spec_device, ATOLL_SPEC_DEVICES, 1, r.iospace = 0);
}
static void m_iospace_domain(uint8_t *b)
{
    EDIT(atoll_spec_iospace, ATOLL_SPEC_IOSPACES, 0, r.domain = 4);
}
static void m_vm_vcpus(uint8_t *b)
{
    EDIT(atoll_spec_vm, ATOLL_SPEC_VMS, 0, r.vcpus = 0);
}
static void m_vm_memory(uint8_t *b)
{
    EDIT(atoll_spec_vm, ATOLL_SPEC_VMS, 0, r.memory += 0x1000);
}
static void m_vm_domain(uint8_t *b)
{
    EDIT(atoll_spec_vm, ATOLL_SPEC_VMS, 0, r.domain = 7);
}
static void m_dup_name(uint8_t *b)
{
    /* The VM takes the name of domain 1. */
    struct atoll_spec_domain d;
    memcpy(&d, record(b, ATOLL_SPEC_DOMAINS, 1, sizeof(d)), sizeof(d));
    EDIT(atoll_spec_vm, ATOLL_SPEC_VMS, 0, r.name = d.name);
}
static void m_dup_name_same_table(uint8_t *b)
{
    struct atoll_spec_region o;
    memcpy(&o, record(b, ATOLL_SPEC_REGIONS, 0, sizeof(o)), sizeof(o));
    EDIT(atoll_spec_region, ATOLL_SPEC_REGIONS, 2, r.name = o.name);
}

struct mutation {
    const char *name;
    void (*apply)(uint8_t *spec);
    enum spec_status status;
    uint32_t table;
    uint32_t index;
    const char *field;
};

#define HDR ATOLL_SPEC_TABLE_COUNT
static const struct mutation mutations[] = {
    {"magic", m_magic, SPEC_ERR_MAGIC, HDR, 0, "magic"},
    {"version", m_version, SPEC_ERR_VERSION, HDR, 0, "version"},
    {"header_size", m_header_size, SPEC_ERR_LAYOUT, HDR, 0, "header_size"},
    {"header_flags", m_header_flags, SPEC_ERR_RESERVED, HDR, 0, "flags"},
    {"total_short", m_total_short, SPEC_ERR_LAYOUT, ATOLL_SPEC_STRINGS, 0, "count"},
    {"total_odd", m_total_odd, SPEC_ERR_LAYOUT, HDR, 0, "total_size"},
    {"table_offset", m_table_offset, SPEC_ERR_LAYOUT, ATOLL_SPEC_MAPS, 0, "offset"},
    {"table_offset_back", m_table_offset_back, SPEC_ERR_LAYOUT, ATOLL_SPEC_REGIONS, 0, "offset"},
    {"table_count", m_table_count, SPEC_ERR_LAYOUT, ATOLL_SPEC_STRINGS, 0, "offset"},
    {"table_limit", m_table_limit, SPEC_ERR_LIMIT, ATOLL_SPEC_IOPORTS, 0, "count"},
    {"count_overflow", m_count_overflow, SPEC_ERR_LIMIT, ATOLL_SPEC_DOMAINS, 0, "count"},
    {"padding", m_padding, SPEC_ERR_RESERVED, HDR, 0, "padding"},
    {"no_nul", m_no_nul, SPEC_ERR_STRING, ATOLL_SPEC_STRINGS, 0, "last byte"},
    {"name_outside", m_name_outside, SPEC_ERR_STRING, ATOLL_SPEC_DOMAINS, 1, "name"},
    {"name_empty", m_name_empty, SPEC_ERR_STRING, ATOLL_SPEC_DOMAINS, 1, "image"},
    {"name_char", m_name_char, SPEC_ERR_STRING, ATOLL_SPEC_DOMAINS, 0, "name"},
    {"name_long", m_name_long, SPEC_ERR_STRING, ATOLL_SPEC_DOMAINS, 0, "name"},
    {"domain_reserved", m_domain_reserved, SPEC_ERR_RESERVED, ATOLL_SPEC_DOMAINS, 3, "flags"},
    {"domain_flag", m_domain_flag, SPEC_ERR_RESERVED, ATOLL_SPEC_DOMAINS, 3, "flags"},
    {"budget_zero", m_budget_zero, SPEC_ERR_RANGE, ATOLL_SPEC_DOMAINS, 0, "budget_us"},
    {"budget_over_period", m_budget_over_period, SPEC_ERR_RANGE, ATOLL_SPEC_DOMAINS, 0,
     "budget_us"},
    {"period_long", m_period_long, SPEC_ERR_RANGE, ATOLL_SPEC_DOMAINS, 0, "period_us"},
    {"core", m_core, SPEC_ERR_RANGE, ATOLL_SPEC_DOMAINS, 1, "core"},
    {"passive_alone", m_passive_alone, SPEC_ERR_RULE, ATOLL_SPEC_DOMAINS, 3, "flags"},
    {"page_bits", m_page_bits, SPEC_ERR_RANGE, ATOLL_SPEC_REGIONS, 1, "page_bits"},
    {"region_size", m_region_size, SPEC_ERR_ALIGNMENT, ATOLL_SPEC_REGIONS, 1, "size"},
    {"region_zero", m_region_zero, SPEC_ERR_RANGE, ATOLL_SPEC_REGIONS, 2, "size"},
    {"phys_unaligned", m_phys_unaligned, SPEC_ERR_ALIGNMENT, ATOLL_SPEC_REGIONS, 2, "phys"},
    {"phys_top", m_phys_top, SPEC_ERR_RANGE, ATOLL_SPEC_REGIONS, 2, "phys"},
    {"phys_without_flag", m_phys_without_flag, SPEC_ERR_RESERVED, ATOLL_SPEC_REGIONS, 1, "phys"},
    {"both_flags", m_both_flags, SPEC_ERR_RESERVED, ATOLL_SPEC_REGIONS, 0, "flags"},
    {"bar_device", m_bar_device, SPEC_ERR_INDEX, ATOLL_SPEC_REGIONS, 0, "device"},
    {"bar_number", m_bar_number, SPEC_ERR_RANGE, ATOLL_SPEC_REGIONS, 0, "bar"},
    {"map_domain", m_map_domain, SPEC_ERR_INDEX, ATOLL_SPEC_MAPS, 3, "domain"},
    {"map_region", m_map_region, SPEC_ERR_INDEX, ATOLL_SPEC_MAPS, 3, "region"},
    {"map_vaddr", m_map_vaddr, SPEC_ERR_ALIGNMENT, ATOLL_SPEC_MAPS, 1, "vaddr"},
    {"map_offset", m_map_offset, SPEC_ERR_ALIGNMENT, ATOLL_SPEC_MAPS, 2, "offset"},
    {"map_beyond", m_map_beyond, SPEC_ERR_RANGE, ATOLL_SPEC_MAPS, 2, "size"},
    {"map_offset_huge", m_map_offset_huge, SPEC_ERR_RANGE, ATOLL_SPEC_MAPS, 2, "size"},
    {"map_low", m_map_low, SPEC_ERR_RANGE, ATOLL_SPEC_MAPS, 3, "vaddr"},
    {"map_kernel", m_map_kernel, SPEC_ERR_RANGE, ATOLL_SPEC_MAPS, 3, "vaddr"},
    {"map_wrap", m_map_wrap, SPEC_ERR_RANGE, ATOLL_SPEC_MAPS, 3, "vaddr"},
    {"map_overlap", m_map_overlap, SPEC_ERR_OVERLAP, ATOLL_SPEC_MAPS, 1, "vaddr"},
    {"map_no_read", m_map_no_read, SPEC_ERR_RANGE, ATOLL_SPEC_MAPS, 1, "perms"},
    {"map_perm_bit", m_map_perm_bit, SPEC_ERR_RESERVED, ATOLL_SPEC_MAPS, 1, "perms"},
    {"map_cached_device", m_map_cached_device, SPEC_ERR_RULE, ATOLL_SPEC_MAPS, 0, "flags"},
    {"map_bar_other_domain", m_map_bar_other_domain, SPEC_ERR_RULE, ATOLL_SPEC_MAPS, 2, "region"},
    {"iomap_iospace", m_iomap_iospace, SPEC_ERR_INDEX, ATOLL_SPEC_MAPS, 1, "domain"},
    {"iomap_execute", m_iomap_execute, SPEC_ERR_RESERVED, ATOLL_SPEC_MAPS, 1, "perms"},
    {"iomap_device_memory", m_iomap_device_memory, SPEC_ERR_RULE, ATOLL_SPEC_MAPS, 0, "region"},
    {"channel_domain", m_channel_domain, SPEC_ERR_INDEX, ATOLL_SPEC_CHANNELS, 1, "domain_a"},
    {"channel_same", m_channel_same, SPEC_ERR_RULE, ATOLL_SPEC_CHANNELS, 1, "domain_b"},
    {"channel_id", m_channel_id, SPEC_ERR_RANGE, ATOLL_SPEC_CHANNELS, 1, "id_b"},
    {"channel_id_dup", m_channel_id_dup, SPEC_ERR_DUPLICATE, ATOLL_SPEC_CHANNELS, 1, "id_b"},
    {"channel_ppc_down", m_channel_ppc_down, SPEC_ERR_RULE, ATOLL_SPEC_CHANNELS, 0, "flags"},
    {"channel_flag", m_channel_flag, SPEC_ERR_RESERVED, ATOLL_SPEC_CHANNELS, 0, "flags"},
    {"irq_kind", m_irq_kind, SPEC_ERR_RANGE, ATOLL_SPEC_IRQS, 1, "kind"},
    {"irq_gsi", m_irq_gsi, SPEC_ERR_RANGE, ATOLL_SPEC_IRQS, 2, "number"},
    {"irq_isa", m_irq_isa, SPEC_ERR_RANGE, ATOLL_SPEC_IRQS, 1, "number"},
    {"irq_trigger", m_irq_trigger, SPEC_ERR_RANGE, ATOLL_SPEC_IRQS, 2, "trigger"},
    {"irq_isa_trigger", m_irq_isa_trigger, SPEC_ERR_RESERVED, ATOLL_SPEC_IRQS, 1, "trigger"},
    {"irq_msi_device", m_irq_msi_device, SPEC_ERR_INDEX, ATOLL_SPEC_IRQS, 0, "device"},
    {"irq_msi_vector", m_irq_msi_vector, SPEC_ERR_RANGE, ATOLL_SPEC_IRQS, 0, "number"},
    {"irq_msi_other_domain", m_irq_msi_other_domain, SPEC_ERR_RULE, ATOLL_SPEC_IRQS, 0, "device"},
    {"irq_passive", m_irq_passive, SPEC_ERR_RULE, ATOLL_SPEC_IRQS, 1, "domain"},
    {"irq_twice", m_irq_twice, SPEC_ERR_DUPLICATE, ATOLL_SPEC_IRQS, 2, "number"},
    {"irq_id_dup", m_irq_id_dup, SPEC_ERR_DUPLICATE, ATOLL_SPEC_IRQS, 2, "id"},
    {"irq_domain", m_irq_domain, SPEC_ERR_INDEX, ATOLL_SPEC_IRQS, 1, "domain"},
    {"ioport_inverted", m_ioport_inverted, SPEC_ERR_RANGE, ATOLL_SPEC_IOPORTS, 0, "last"},
    {"ioport_domain", m_ioport_domain, SPEC_ERR_INDEX, ATOLL_SPEC_IOPORTS, 0, "domain"},
    {"device_domain", m_device_domain, SPEC_ERR_INDEX, ATOLL_SPEC_DEVICES, 1, "domain"},
    {"device_dup", m_device_dup, SPEC_ERR_DUPLICATE, ATOLL_SPEC_DEVICES, 1, "devfn"},
    {"device_fail_open", m_device_fail_open, SPEC_ERR_RULE, ATOLL_SPEC_DEVICES, 1, "flags"},
    {"device_iospace", m_device_iospace, SPEC_ERR_INDEX, ATOLL_SPEC_DEVICES, 0, "iospace"},
    {"device_iospace_no_iommu", m_device_iospace_no_iommu, SPEC_ERR_RULE, ATOLL_SPEC_DEVICES, 1,
     "iospace"},
    {"iospace_domain", m_iospace_domain, SPEC_ERR_INDEX, ATOLL_SPEC_IOSPACES, 0, "domain"},
    {"vm_vcpus", m_vm_vcpus, SPEC_ERR_RANGE, ATOLL_SPEC_VMS, 0, "vcpus"},
    {"vm_memory", m_vm_memory, SPEC_ERR_ALIGNMENT, ATOLL_SPEC_VMS, 0, "memory"},
    {"vm_domain", m_vm_domain, SPEC_ERR_INDEX, ATOLL_SPEC_VMS, 0, "domain"},
    {"dup_name", m_dup_name, SPEC_ERR_DUPLICATE, ATOLL_SPEC_VMS, 0, "name"},
    {"dup_name_same_table", m_dup_name_same_table, SPEC_ERR_DUPLICATE, ATOLL_SPEC_REGIONS, 2,
     "name"},
};

static void run_mutation(const struct mutation *m, const struct blob *base)
{
    uint8_t *b = malloc(base->size);
    memcpy(b, base->data, base->size);
    struct spec s;
    struct spec_error e;
    /* The unchanged spec passes, so the edit is what the parser rejects. */
    CHECK_U("unchanged spec", SPEC_OK, parse_copy(b, base->size, &s, &e));
    m->apply(b);
    enum spec_status st = parse_copy(b, base->size, &s, &e);
    if (CHECK_STR("status", spec_status_name(m->status), spec_status_name(st))) {
        CHECK_STR("table", spec_table_name(m->table), spec_table_name(e.table));
        CHECK_U("index", m->index, e.index);
        CHECK_STR("field", m->field, e.field);
    } else {
        fprintf(stderr, "  (%s #%u field %s)\n", spec_table_name(e.table), e.index, e.field);
    }
    CHECK_U("spec zeroed after an error", 0, spec_count(&s, ATOLL_SPEC_STRINGS));
    CHECK_TRUE("no data after an error", s.data == NULL);
    free(b);
}

/* One test per mutation, named spec.corrupt_<name>. */
static void run_mutations(void)
{
    struct blob base = {NULL, 0};
    size_t n = sizeof(mutations) / sizeof(mutations[0]);
    for (size_t i = 0; i < n; i++) {
        char name[96];
        snprintf(name, sizeof(name), "corrupt_%s", mutations[i].name);
        check_begin(name);
        if (i == 0)
            base = load("full");
        if (base.data)
            run_mutation(&mutations[i], &base);
        else
            CHECK_FAIL("no full.spec to corrupt");
        check_end();
    }
    free(base.data);
}

static void names_of_statuses(void)
{
    for (int st = 0; st < SPEC_STATUS_COUNT; st++)
        CHECK_TRUE("every status has a name", spec_status_name(st)[0] != '\0');
    CHECK_STR("unknown", "unknown status", spec_status_name(SPEC_STATUS_COUNT));
    CHECK_STR("header", "header", spec_table_name(ATOLL_SPEC_TABLE_COUNT));
    CHECK_STR("past header", "unknown table", spec_table_name(ATOLL_SPEC_TABLE_COUNT + 1));
}

int main(void)
{
    check_suite("spec");
    RUN_TEST(examples_parse);
    RUN_TEST(valid_descriptions_parse);
    RUN_TEST(minimal_defaults);
    RUN_TEST(full_fields);
    RUN_TEST(ppc_example);
    RUN_TEST(accessors_out_of_range);
    RUN_TEST(unaligned_and_trailing_bytes);
    RUN_TEST(truncated_at_every_length);
    RUN_TEST(every_byte_flipped);
    RUN_TEST(names_of_statuses);
    run_mutations();
    return check_exit_code();
}
