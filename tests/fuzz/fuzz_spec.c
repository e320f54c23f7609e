/* libFuzzer target for spec_parse() (services/lib/spec.c).
 *
 * The input is the spec itself, copied to an exactly-sized heap buffer at
 * an odd address (ASan flags any read past the end; the parser must not
 * assume alignment). Seeds (tests/fuzz/corpus_spec/) are what atoll-sdc
 * makes of the examples and tests/sdc/valid/; tests/sdc/run_tests.py
 * checks they are up to date.
 *
 * After every parse: a failure is a defined status with a field, and
 * leaves the spec empty; a success is checked again here, independently
 * and with plain wide arithmetic, against what spec.h promises: every
 * reference in range, every string terminated inside the string table,
 * every mapping inside its region and the user range, no two mappings of
 * a domain overlapping. Any violation aborts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/lib/spec.h"

typedef unsigned __int128 u128;

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_spec: invariant violated: %s\n", what);
    abort();
}

static void check_string(const struct spec *s, uint32_t offset)
{
    const char *str = spec_string(s, offset);
    if (!str || !str[0])
        fail("string of a parsed spec missing or empty");
    const char *table = (const char *)s->data + s->tables[ATOLL_SPEC_STRINGS].offset;
    size_t len = strlen(str);
    if ((size_t)(str - table) + len >= s->tables[ATOLL_SPEC_STRINGS].count)
        fail("string runs past the string table");
    if (len > ATOLL_SPEC_MAX_NAME)
        fail("name too long");
}

static void check_accepted(const struct spec *s)
{
    uint32_t nd = spec_count(s, ATOLL_SPEC_DOMAINS), nr = spec_count(s, ATOLL_SPEC_REGIONS);
    uint32_t ndev = spec_count(s, ATOLL_SPEC_DEVICES);
    struct atoll_spec_domain d;
    struct atoll_spec_region r;
    struct atoll_spec_map m, o;
    struct atoll_spec_channel c;
    struct atoll_spec_irq q;
    struct atoll_spec_ioport p;
    struct atoll_spec_device v;
    struct atoll_spec_iospace io;
    struct atoll_spec_vm vm;

    for (uint32_t t = 0; t < ATOLL_SPEC_TABLE_COUNT; t++) {
        u128 end = (u128)s->tables[t].offset + s->tables[t].count;
        if (s->tables[t].offset > s->size || end > s->size)
            fail("table outside the spec");
    }
    for (uint32_t i = 0; spec_domain(s, i, &d); i++) {
        check_string(s, d.name);
        check_string(s, d.image);
        if (d.budget_us < ATOLL_SPEC_MIN_BUDGET_US || d.budget_us > d.period_us ||
            d.period_us > ATOLL_SPEC_MAX_PERIOD_US || d.core >= ATOLL_SPEC_MAX_CORES)
            fail("domain out of range");
    }
    for (uint32_t i = 0; spec_region(s, i, &r); i++) {
        check_string(s, r.name);
        if (r.page_bits != 12 && r.page_bits != 21 && r.page_bits != 30)
            fail("page size");
        if (r.size == 0 || r.size % (UINT64_C(1) << r.page_bits) != 0)
            fail("region size");
        if ((r.flags & ATOLL_SPEC_REGION_BAR) && r.device >= ndev)
            fail("BAR of a missing device");
        if ((r.flags & ATOLL_SPEC_REGION_PHYS) && (u128)r.phys + r.size > (u128)ATOLL_SPEC_PHYS_END)
            fail("phys region past the limit");
    }
    for (uint32_t i = 0; spec_map(s, i, &m); i++) {
        bool io = (m.flags & ATOLL_SPEC_MAP_IOSPACE) != 0;
        if (m.domain >= (io ? spec_count(s, ATOLL_SPEC_IOSPACES) : nd) || m.region >= nr)
            fail("map reference");
        spec_region(s, m.region, &r);
        uint64_t page = UINT64_C(1) << r.page_bits;
        if (m.vaddr % page || m.offset % page || m.size % page || m.size == 0)
            fail("map alignment");
        if ((u128)m.offset + m.size > r.size)
            fail("map beyond its region");
        if (io) {
            /* An [[iomap]]: RAM only, device read/write, below the IOVA end. */
            if (r.flags != 0)
                fail("iomap of device memory");
            if ((m.perms & ATOLL_SPEC_MAP_EXECUTE) || !(m.perms & ATOLL_SPEC_MAP_PERMS) ||
                (m.flags & ATOLL_SPEC_MAP_CACHED))
                fail("iomap perms");
            if ((u128)m.vaddr + m.size > ATOLL_SPEC_IOVA_END)
                fail("iomap beyond the IOVA range");
        } else {
            if (m.vaddr < ATOLL_SPEC_MAP_MIN || (u128)m.vaddr + m.size > ATOLL_SPEC_MAP_END)
                fail("map outside the user range");
            if (!(m.perms & ATOLL_SPEC_MAP_READ))
                fail("map without read");
            if ((m.flags & ATOLL_SPEC_MAP_CACHED) && r.flags != 0)
                fail("device memory cached");
            if (r.flags & ATOLL_SPEC_REGION_BAR) {
                spec_device(s, r.device, &v);
                if (v.domain != m.domain)
                    fail("BAR mapped outside its driver");
            }
        }
        for (uint32_t j = 0; j < i; j++) {
            spec_map(s, j, &o);
            if (((o.flags ^ m.flags) & ATOLL_SPEC_MAP_IOSPACE) == 0 && o.domain == m.domain &&
                (u128)m.vaddr < (u128)o.vaddr + o.size && (u128)o.vaddr < (u128)m.vaddr + m.size)
                fail("overlapping maps accepted");
        }
    }
    for (uint32_t i = 0; spec_channel(s, i, &c); i++) {
        if (c.domain_a >= nd || c.domain_b >= nd || c.domain_a == c.domain_b)
            fail("channel ends");
        if (c.id_a > ATOLL_SPEC_MAX_CHANNEL_ID || c.id_b > ATOLL_SPEC_MAX_CHANNEL_ID)
            fail("channel id");
        struct atoll_spec_domain a, b;
        spec_domain(s, c.domain_a, &a);
        spec_domain(s, c.domain_b, &b);
        if ((c.flags & ATOLL_SPEC_CHANNEL_PPC) && b.priority <= a.priority)
            fail("PPC downwards");
    }
    for (uint32_t i = 0; spec_irq(s, i, &q); i++) {
        if (q.domain >= nd || q.kind > ATOLL_SPEC_IRQ_KIND_LAST)
            fail("irq");
        if (q.kind == ATOLL_SPEC_IRQ_MSI) {
            if (q.device >= ndev)
                fail("MSI of a missing device");
            spec_device(s, q.device, &v);
            if (v.domain != q.domain)
                fail("MSI to another domain");
        }
    }
    for (uint32_t i = 0; spec_ioport(s, i, &p); i++) {
        if (p.domain >= nd || p.last < p.first)
            fail("ioport");
    }
    for (uint32_t i = 0; spec_device(s, i, &v); i++) {
        check_string(s, v.name);
        if (v.domain >= nd)
            fail("device domain");
        if (!(v.flags & (ATOLL_SPEC_DEVICE_IOMMU | ATOLL_SPEC_DEVICE_UNSAFE_NO_IOMMU)))
            fail("device fails open");
    }
    for (uint32_t i = 0; spec_iospace(s, i, &io); i++) {
        check_string(s, io.name);
        if (io.domain != ATOLL_SPEC_NONE && io.domain >= nd)
            fail("iospace domain");
    }
    for (uint32_t i = 0; spec_vm(s, i, &vm); i++) {
        check_string(s, vm.name);
        if (vm.domain >= nd || vm.vcpus == 0)
            fail("vm");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *block = malloc(size + 1);
    if (!block)
        return 0;
    uint8_t *copy = block + 1;
    memcpy(copy, data, size);
    struct spec s;
    struct spec_error e;
    enum spec_status st = spec_parse(&s, copy, size, &e);
    if (st == SPEC_OK) {
        if (s.data != copy || s.size > size)
            fail("spec does not describe the input");
        check_accepted(&s);
    } else {
        if (st >= SPEC_STATUS_COUNT || e.status != st || !e.field || !e.field[0] ||
            e.table > ATOLL_SPEC_TABLE_COUNT)
            fail("undefined error report");
        if (s.data != NULL || spec_count(&s, ATOLL_SPEC_DOMAINS) != 0)
            fail("failed parse left a spec");
    }
    /* Deterministic: the same bytes give the same answer. */
    struct spec_error e2;
    struct spec s2;
    if (spec_parse(&s2, copy, size, &e2) != st)
        fail("second parse differs");
    free(block);
    return 0;
}
