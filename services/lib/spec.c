/* Binary system spec parser (spec.h). Decode first, then use: every check
 * runs in spec_parse(), in table order, and the accessors only copy
 * records of a spec that passed. Quadratic checks (overlaps, duplicates)
 * are bounded by ATOLL_SPEC_MAX_RECORDS per table. */
#include "spec.h"

#include "atoll/invocation.h"
#include "atoll/irq.h"
#include "atoll/sched.h"
#include "atoll/tcb.h"

/* The spec's limits are the kernel's; a change on one side must be seen. */
_Static_assert(ATOLL_SPEC_MAX_PRIORITY == ATOLL_MAX_PRIORITY, "priorities");
_Static_assert(ATOLL_SPEC_MAX_PRIORITY == UINT8_MAX, "a uint8_t priority needs no range check");
_Static_assert(ATOLL_SPEC_MIN_BUDGET_US == ATOLL_SCHED_MIN_BUDGET_US, "budget");
_Static_assert(ATOLL_SPEC_MAX_PERIOD_US == ATOLL_SCHED_MAX_PERIOD_US, "period");
_Static_assert(ATOLL_SPEC_MAP_END <= ATOLL_USER_ADDR_END, "mappings stay in the user half");
_Static_assert(ATOLL_SPEC_TRIGGER_LEVEL == ATOLL_IRQ_TRIGGER_LEVEL, "trigger");
_Static_assert(ATOLL_SPEC_POLARITY_LOW == ATOLL_IRQ_POLARITY_LOW, "polarity");
_Static_assert(ATOLL_SPEC_MAX_MSI_VECTOR == ATOLL_IRQ_MSI_VECTOR_INDEX_MAX, "MSI vectors");
_Static_assert(ATOLL_SPEC_MAX_ISA_IRQ == ATOLL_IRQ_ISA_IRQ_MAX, "ISA IRQs");

/* Records are copied byte by byte into the host's structs: that is the
 * little-endian encoding only on a little-endian machine. __BYTE_ORDER__ is
 * a GCC/clang predefine; without it we assume x86. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the spec is little-endian; spec.c copies records as they are"
#endif

#define VM_MEMORY_ALIGN UINT64_C(0x200000)
#define HEADER_TABLE    ATOLL_SPEC_TABLE_COUNT

static const uint32_t record_size[ATOLL_SPEC_TABLE_COUNT] = {
    [ATOLL_SPEC_DOMAINS] = sizeof(struct atoll_spec_domain),
    [ATOLL_SPEC_REGIONS] = sizeof(struct atoll_spec_region),
    [ATOLL_SPEC_MAPS] = sizeof(struct atoll_spec_map),
    [ATOLL_SPEC_CHANNELS] = sizeof(struct atoll_spec_channel),
    [ATOLL_SPEC_IRQS] = sizeof(struct atoll_spec_irq),
    [ATOLL_SPEC_IOPORTS] = sizeof(struct atoll_spec_ioport),
    [ATOLL_SPEC_DEVICES] = sizeof(struct atoll_spec_device),
    [ATOLL_SPEC_IOSPACES] = sizeof(struct atoll_spec_iospace),
    [ATOLL_SPEC_VMS] = sizeof(struct atoll_spec_vm),
    [ATOLL_SPEC_STRINGS] = 1,
};

static const char *const table_names[ATOLL_SPEC_TABLE_COUNT + 1] = {
    [ATOLL_SPEC_DOMAINS] = "domain", [ATOLL_SPEC_REGIONS] = "region",
    [ATOLL_SPEC_MAPS] = "map",       [ATOLL_SPEC_CHANNELS] = "channel",
    [ATOLL_SPEC_IRQS] = "irq",       [ATOLL_SPEC_IOPORTS] = "ioport",
    [ATOLL_SPEC_DEVICES] = "device", [ATOLL_SPEC_IOSPACES] = "iospace",
    [ATOLL_SPEC_VMS] = "vm",         [ATOLL_SPEC_STRINGS] = "string",
    [HEADER_TABLE] = "header",
};

static const char *const status_names[SPEC_STATUS_COUNT] = {
    [SPEC_OK] = "ok",
    [SPEC_ERR_TRUNCATED] = "truncated",
    [SPEC_ERR_MAGIC] = "bad magic",
    [SPEC_ERR_VERSION] = "unsupported version",
    [SPEC_ERR_LAYOUT] = "bad layout",
    [SPEC_ERR_LIMIT] = "too many records",
    [SPEC_ERR_RESERVED] = "reserved bits set",
    [SPEC_ERR_STRING] = "bad string",
    [SPEC_ERR_INDEX] = "bad index",
    [SPEC_ERR_RANGE] = "value out of range",
    [SPEC_ERR_ALIGNMENT] = "misaligned",
    [SPEC_ERR_OVERLAP] = "overlap",
    [SPEC_ERR_DUPLICATE] = "duplicate",
    [SPEC_ERR_RULE] = "rule violated",
};

const char *spec_status_name(enum spec_status status)
{
    if ((unsigned)status >= SPEC_STATUS_COUNT)
        return "unknown status";
    return status_names[status];
}

const char *spec_table_name(uint32_t table)
{
    if (table > HEADER_TABLE)
        return "unknown table";
    return table_names[table];
}

static void copy_bytes(void *dst, const uint8_t *src, size_t n)
{
    uint8_t *d = dst;
    for (size_t i = 0; i < n; i++)
        d[i] = src[i];
}

static void zero_bytes(void *dst, size_t n)
{
    uint8_t *d = dst;
    for (size_t i = 0; i < n; i++)
        d[i] = 0;
}

static uint64_t align_up(uint64_t v)
{
    return (v + ATOLL_SPEC_ALIGN - 1) & ~(uint64_t)(ATOLL_SPEC_ALIGN - 1);
}

static bool all_zero(const uint8_t *p, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        if (p[i] != 0)
            return false;
    }
    return true;
}

uint32_t spec_count(const struct spec *spec, uint32_t table)
{
    if (table >= ATOLL_SPEC_TABLE_COUNT)
        return 0;
    return spec->tables[table].count;
}

static bool get_record(const struct spec *spec, uint32_t table, uint32_t index, void *out,
                       size_t size)
{
    if (index >= spec_count(spec, table)) {
        zero_bytes(out, size);
        return false;
    }
    copy_bytes(out, spec->data + spec->tables[table].offset + (uint64_t)index * size, size);
    return true;
}

bool spec_domain(const struct spec *spec, uint32_t index, struct atoll_spec_domain *out)
{
    return get_record(spec, ATOLL_SPEC_DOMAINS, index, out, sizeof(*out));
}

bool spec_region(const struct spec *spec, uint32_t index, struct atoll_spec_region *out)
{
    return get_record(spec, ATOLL_SPEC_REGIONS, index, out, sizeof(*out));
}

bool spec_map(const struct spec *spec, uint32_t index, struct atoll_spec_map *out)
{
    return get_record(spec, ATOLL_SPEC_MAPS, index, out, sizeof(*out));
}

bool spec_channel(const struct spec *spec, uint32_t index, struct atoll_spec_channel *out)
{
    return get_record(spec, ATOLL_SPEC_CHANNELS, index, out, sizeof(*out));
}

bool spec_irq(const struct spec *spec, uint32_t index, struct atoll_spec_irq *out)
{
    return get_record(spec, ATOLL_SPEC_IRQS, index, out, sizeof(*out));
}

bool spec_ioport(const struct spec *spec, uint32_t index, struct atoll_spec_ioport *out)
{
    return get_record(spec, ATOLL_SPEC_IOPORTS, index, out, sizeof(*out));
}

bool spec_device(const struct spec *spec, uint32_t index, struct atoll_spec_device *out)
{
    return get_record(spec, ATOLL_SPEC_DEVICES, index, out, sizeof(*out));
}

bool spec_iospace(const struct spec *spec, uint32_t index, struct atoll_spec_iospace *out)
{
    return get_record(spec, ATOLL_SPEC_IOSPACES, index, out, sizeof(*out));
}

bool spec_vm(const struct spec *spec, uint32_t index, struct atoll_spec_vm *out)
{
    return get_record(spec, ATOLL_SPEC_VMS, index, out, sizeof(*out));
}

const char *spec_string(const struct spec *spec, uint32_t offset)
{
    const struct atoll_spec_table *t = &spec->tables[ATOLL_SPEC_STRINGS];
    if (offset >= t->count)
        return NULL;
    const char *s = (const char *)spec->data + t->offset;
    for (uint32_t i = offset; i < t->count; i++) {
        if (s[i] == '\0')
            return s + offset;
    }
    return NULL;
}

/* ---- checking ---- */

struct checker {
    struct spec *spec;
    struct spec_error *error;
    uint32_t table;
    uint32_t index;
};

static enum spec_status fail(struct checker *c, enum spec_status status, const char *field)
{
    if (c->error) {
        c->error->status = status;
        c->error->table = c->table;
        c->error->index = c->index;
        c->error->field = field;
    }
    return status;
}

static bool name_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '.' || ch == '-';
}

static bool valid_name(const struct spec *spec, uint32_t offset)
{
    const char *s = spec_string(spec, offset);
    if (!s || s[0] == '\0')
        return false;
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        if (n >= ATOLL_SPEC_MAX_NAME || !name_char(s[n]))
            return false;
    }
    return true;
}

static bool same_string(const struct spec *spec, uint32_t a, uint32_t b)
{
    const char *x = spec_string(spec, a), *y = spec_string(spec, b);
    size_t i = 0;
    for (; x[i] != '\0' && x[i] == y[i]; i++)
        ;
    return x[i] == y[i];
}

static bool valid_index(const struct spec *spec, uint32_t table, uint32_t index)
{
    return index < spec_count(spec, table);
}

static enum spec_status check_header(struct checker *c, const uint8_t *bytes, size_t size)
{
    struct atoll_spec_header h;
    c->table = HEADER_TABLE;
    c->index = 0;
    if (size < sizeof(h))
        return fail(c, SPEC_ERR_TRUNCATED, "header_size");
    copy_bytes(&h, bytes, sizeof(h));
    if (h.magic != ATOLL_SPEC_MAGIC)
        return fail(c, SPEC_ERR_MAGIC, "magic");
    if (h.version != ATOLL_SPEC_VERSION)
        return fail(c, SPEC_ERR_VERSION, "version");
    if (h.header_size != sizeof(h))
        return fail(c, SPEC_ERR_LAYOUT, "header_size");
    if (h.flags != 0)
        return fail(c, SPEC_ERR_RESERVED, "flags");
    if (h.total_size > size)
        return fail(c, SPEC_ERR_TRUNCATED, "total_size");
    if (h.total_size % ATOLL_SPEC_ALIGN != 0 || h.total_size < sizeof(h))
        return fail(c, SPEC_ERR_LAYOUT, "total_size");

    /* The canonical layout: each table right after the one before. */
    uint64_t end = sizeof(h);
    for (uint32_t t = 0; t < ATOLL_SPEC_TABLE_COUNT; t++) {
        const struct atoll_spec_table *tab = &h.tables[t];
        uint32_t limit =
            t == ATOLL_SPEC_STRINGS ? ATOLL_SPEC_MAX_STRING_BYTES : ATOLL_SPEC_MAX_RECORDS;
        c->table = t;
        if (tab->offset != align_up(end))
            return fail(c, SPEC_ERR_LAYOUT, "offset");
        if (tab->count > limit)
            return fail(c, SPEC_ERR_LIMIT, "count");
        uint64_t table_end = (uint64_t)tab->offset + (uint64_t)tab->count * record_size[t];
        if (table_end > h.total_size)
            return fail(c, SPEC_ERR_LAYOUT, "count");
        if (!all_zero(bytes + end, tab->offset - end))
            return fail(c, SPEC_ERR_RESERVED, "padding");
        end = table_end;
    }
    c->table = HEADER_TABLE;
    if (align_up(end) != h.total_size)
        return fail(c, SPEC_ERR_LAYOUT, "total_size");
    if (!all_zero(bytes + end, h.total_size - end))
        return fail(c, SPEC_ERR_RESERVED, "padding");

    c->spec->data = bytes;
    c->spec->size = h.total_size;
    for (uint32_t t = 0; t < ATOLL_SPEC_TABLE_COUNT; t++)
        c->spec->tables[t] = h.tables[t];

    const struct atoll_spec_table *strings = &h.tables[ATOLL_SPEC_STRINGS];
    c->table = ATOLL_SPEC_STRINGS;
    if (strings->count > 0 && bytes[strings->offset + strings->count - 1] != '\0')
        return fail(c, SPEC_ERR_STRING, "last byte");
    return SPEC_OK;
}

static enum spec_status check_domains(struct checker *c)
{
    const struct spec *s = c->spec;
    struct atoll_spec_domain d;
    c->table = ATOLL_SPEC_DOMAINS;
    for (c->index = 0; spec_domain(s, c->index, &d); c->index++) {
        if (!valid_name(s, d.name))
            return fail(c, SPEC_ERR_STRING, "name");
        if (!valid_name(s, d.image))
            return fail(c, SPEC_ERR_STRING, "image");
        if (d.budget_us < ATOLL_SPEC_MIN_BUDGET_US || d.budget_us > d.period_us)
            return fail(c, SPEC_ERR_RANGE, "budget_us");
        if (d.period_us > ATOLL_SPEC_MAX_PERIOD_US)
            return fail(c, SPEC_ERR_RANGE, "period_us");
        if (d.core >= ATOLL_SPEC_MAX_CORES)
            return fail(c, SPEC_ERR_RANGE, "core");
        if ((d.flags & ~ATOLL_SPEC_DOMAIN_FLAGS) != 0 || d.reserved0 != 0 || d.reserved1 != 0)
            return fail(c, SPEC_ERR_RESERVED, "flags");
    }
    return SPEC_OK;
}

static enum spec_status check_devices(struct checker *c)
{
    const struct spec *s = c->spec;
    struct atoll_spec_device d, e;
    c->table = ATOLL_SPEC_DEVICES;
    for (c->index = 0; spec_device(s, c->index, &d); c->index++) {
        if (!valid_name(s, d.name))
            return fail(c, SPEC_ERR_STRING, "name");
        if (!valid_index(s, ATOLL_SPEC_DOMAINS, d.domain))
            return fail(c, SPEC_ERR_INDEX, "domain");
        if ((d.flags & ~ATOLL_SPEC_DEVICE_FLAGS) != 0 || d.reserved0 != 0 || d.reserved1 != 0 ||
            d.reserved2 != 0)
            return fail(c, SPEC_ERR_RESERVED, "flags");
        /* Fail closed: no IOMMU only where the description said so. */
        if (!(d.flags & ATOLL_SPEC_DEVICE_IOMMU) && !(d.flags & ATOLL_SPEC_DEVICE_UNSAFE_NO_IOMMU))
            return fail(c, SPEC_ERR_RULE, "flags");
        if (d.iospace != ATOLL_SPEC_NONE) {
            if (!valid_index(s, ATOLL_SPEC_IOSPACES, d.iospace))
                return fail(c, SPEC_ERR_INDEX, "iospace");
            if (!(d.flags & ATOLL_SPEC_DEVICE_IOMMU))
                return fail(c, SPEC_ERR_RULE, "iospace");
        }
        for (uint32_t j = 0; j < c->index; j++) {
            spec_device(s, j, &e);
            if (e.segment == d.segment && e.bus == d.bus && e.devfn == d.devfn)
                return fail(c, SPEC_ERR_DUPLICATE, "devfn");
        }
    }
    return SPEC_OK;
}

static enum spec_status check_regions(struct checker *c)
{
    const struct spec *s = c->spec;
    struct atoll_spec_region r;
    c->table = ATOLL_SPEC_REGIONS;
    for (c->index = 0; spec_region(s, c->index, &r); c->index++) {
        if (!valid_name(s, r.name))
            return fail(c, SPEC_ERR_STRING, "name");
        if (r.page_bits != ATOLL_SPEC_PAGE_4K && r.page_bits != ATOLL_SPEC_PAGE_2M &&
            r.page_bits != ATOLL_SPEC_PAGE_1G)
            return fail(c, SPEC_ERR_RANGE, "page_bits");
        uint64_t page = UINT64_C(1) << r.page_bits;
        if ((r.flags & ~ATOLL_SPEC_REGION_FLAGS) != 0 || r.flags == ATOLL_SPEC_REGION_FLAGS ||
            r.reserved0 != 0 || r.reserved1 != 0)
            return fail(c, SPEC_ERR_RESERVED, "flags");
        if (r.size == 0 || r.size > ATOLL_SPEC_MAX_REGION_SIZE)
            return fail(c, SPEC_ERR_RANGE, "size");
        if (r.size % page != 0)
            return fail(c, SPEC_ERR_ALIGNMENT, "size");
        if (r.flags & ATOLL_SPEC_REGION_PHYS) {
            if (r.phys % page != 0)
                return fail(c, SPEC_ERR_ALIGNMENT, "phys");
            if (r.phys > ATOLL_SPEC_PHYS_END - r.size)
                return fail(c, SPEC_ERR_RANGE, "phys");
        } else if (r.phys != 0) {
            return fail(c, SPEC_ERR_RESERVED, "phys");
        }
        if (r.flags & ATOLL_SPEC_REGION_BAR) {
            if (!valid_index(s, ATOLL_SPEC_DEVICES, r.device))
                return fail(c, SPEC_ERR_INDEX, "device");
            if (r.bar > ATOLL_SPEC_MAX_BAR)
                return fail(c, SPEC_ERR_RANGE, "bar");
        } else if (r.device != ATOLL_SPEC_NONE || r.bar != 0) {
            return fail(c, SPEC_ERR_RESERVED, "device");
        }
    }
    return SPEC_OK;
}

/* Map `m` (the current one) overlaps an earlier map into the same
 * domain, or the same IOSpace. */
static bool overlaps_earlier(const struct checker *c, const struct atoll_spec_map *m)
{
    struct atoll_spec_map o;
    uint32_t kind = m->flags & ATOLL_SPEC_MAP_IOSPACE;
    for (uint32_t j = 0; j < c->index; j++) {
        spec_map(c->spec, j, &o);
        if ((o.flags & ATOLL_SPEC_MAP_IOSPACE) == kind && o.domain == m->domain &&
            m->vaddr < o.vaddr + o.size && o.vaddr < m->vaddr + m->size)
            return true;
    }
    return false;
}

/* An [[iomap]]: RAM pages at an IOVA of an IOSpace, for a device to read
 * and/or write. */
static enum spec_status check_iomap(struct checker *c, const struct atoll_spec_map *m,
                                    const struct atoll_spec_region *r)
{
    if ((m->flags & ATOLL_SPEC_MAP_CACHED) || (m->perms & ATOLL_SPEC_MAP_EXECUTE))
        return fail(c, SPEC_ERR_RESERVED, "perms");
    if (!(m->perms & (ATOLL_SPEC_MAP_READ | ATOLL_SPEC_MAP_WRITE)))
        return fail(c, SPEC_ERR_RANGE, "perms");
    /* DMA from device to device memory (peer to peer) is not given. */
    if (r->flags != 0)
        return fail(c, SPEC_ERR_RULE, "region");
    uint64_t page = UINT64_C(1) << r->page_bits;
    if (m->vaddr % page != 0)
        return fail(c, SPEC_ERR_ALIGNMENT, "vaddr");
    if (m->offset % page != 0)
        return fail(c, SPEC_ERR_ALIGNMENT, "offset");
    if (m->size % page != 0)
        return fail(c, SPEC_ERR_ALIGNMENT, "size");
    if (m->size == 0 || m->offset >= r->size || m->size > r->size - m->offset)
        return fail(c, SPEC_ERR_RANGE, "size");
    if (m->vaddr > ATOLL_SPEC_IOVA_END || m->size > ATOLL_SPEC_IOVA_END - m->vaddr)
        return fail(c, SPEC_ERR_RANGE, "vaddr");
    if (overlaps_earlier(c, m))
        return fail(c, SPEC_ERR_OVERLAP, "vaddr");
    return SPEC_OK;
}

static enum spec_status check_maps(struct checker *c)
{
    const struct spec *s = c->spec;
    struct atoll_spec_map m;
    struct atoll_spec_region r;
    c->table = ATOLL_SPEC_MAPS;
    for (c->index = 0; spec_map(s, c->index, &m); c->index++) {
        bool io = (m.flags & ATOLL_SPEC_MAP_IOSPACE) != 0;
        if (!valid_index(s, io ? ATOLL_SPEC_IOSPACES : ATOLL_SPEC_DOMAINS, m.domain))
            return fail(c, SPEC_ERR_INDEX, "domain");
        if (!spec_region(s, m.region, &r))
            return fail(c, SPEC_ERR_INDEX, "region");
        if ((m.perms & ~ATOLL_SPEC_MAP_PERMS) != 0 || (m.flags & ~ATOLL_SPEC_MAP_FLAGS) != 0 ||
            m.reserved0 != 0 || m.reserved1 != 0)
            return fail(c, SPEC_ERR_RESERVED, "perms");
        if (io) {
            enum spec_status st = check_iomap(c, &m, &r);
            if (st != SPEC_OK)
                return st;
            continue;
        }
        if (!(m.perms & ATOLL_SPEC_MAP_READ))
            return fail(c, SPEC_ERR_RANGE, "perms");
        /* A device's registers belong to its driver alone. */
        if (r.flags & ATOLL_SPEC_REGION_BAR) {
            struct atoll_spec_device dev;
            spec_device(s, r.device, &dev);
            if (dev.domain != m.domain)
                return fail(c, SPEC_ERR_RULE, "region");
        }
        /* Device memory is never cached: a write-back mapping of MMIO
         * would reorder and merge accesses. */
        if ((m.flags & ATOLL_SPEC_MAP_CACHED) && r.flags != 0)
            return fail(c, SPEC_ERR_RULE, "flags");
        uint64_t page = UINT64_C(1) << r.page_bits;
        if (m.vaddr % page != 0)
            return fail(c, SPEC_ERR_ALIGNMENT, "vaddr");
        if (m.offset % page != 0)
            return fail(c, SPEC_ERR_ALIGNMENT, "offset");
        if (m.size % page != 0)
            return fail(c, SPEC_ERR_ALIGNMENT, "size");
        if (m.size == 0 || m.offset >= r.size || m.size > r.size - m.offset)
            return fail(c, SPEC_ERR_RANGE, "size");
        if (m.vaddr < ATOLL_SPEC_MAP_MIN || m.vaddr > ATOLL_SPEC_MAP_END ||
            m.size > ATOLL_SPEC_MAP_END - m.vaddr)
            return fail(c, SPEC_ERR_RANGE, "vaddr");
        if (overlaps_earlier(c, &m))
            return fail(c, SPEC_ERR_OVERLAP, "vaddr");
    }
    return SPEC_OK;
}

/* Channel ends and IRQs together: end k < 2 * channels is end a or b of
 * channel k / 2, the rest are IRQs. */
static void channel_end(const struct spec *s, uint32_t k, uint32_t *domain, uint8_t *id)
{
    uint32_t channels = spec_count(s, ATOLL_SPEC_CHANNELS);
    if (k < 2 * channels) {
        struct atoll_spec_channel ch;
        spec_channel(s, k / 2, &ch);
        *domain = k % 2 ? ch.domain_b : ch.domain_a;
        *id = k % 2 ? ch.id_b : ch.id_a;
    } else {
        struct atoll_spec_irq q;
        spec_irq(s, k - 2 * channels, &q);
        *domain = q.domain;
        *id = q.id;
    }
}

static enum spec_status check_channel_ids(struct checker *c, uint32_t first, uint32_t count)
{
    const struct spec *s = c->spec;
    for (uint32_t k = first; k < first + count; k++) {
        uint32_t dk, dj;
        uint8_t ik, ij;
        channel_end(s, k, &dk, &ik);
        for (uint32_t j = 0; j < k; j++) {
            channel_end(s, j, &dj, &ij);
            if (dj == dk && ij == ik)
                return fail(c, SPEC_ERR_DUPLICATE,
                            k < 2 * spec_count(s, ATOLL_SPEC_CHANNELS) ? (k % 2 ? "id_b" : "id_a")
                                                                       : "id");
        }
    }
    return SPEC_OK;
}

static enum spec_status check_channels(struct checker *c)
{
    const struct spec *s = c->spec;
    struct atoll_spec_channel ch;
    struct atoll_spec_domain a, b;
    c->table = ATOLL_SPEC_CHANNELS;
    for (c->index = 0; spec_channel(s, c->index, &ch); c->index++) {
        if (!spec_domain(s, ch.domain_a, &a))
            return fail(c, SPEC_ERR_INDEX, "domain_a");
        if (!spec_domain(s, ch.domain_b, &b))
            return fail(c, SPEC_ERR_INDEX, "domain_b");
        if (ch.domain_a == ch.domain_b)
            return fail(c, SPEC_ERR_RULE, "domain_b");
        if (ch.id_a > ATOLL_SPEC_MAX_CHANNEL_ID)
            return fail(c, SPEC_ERR_RANGE, "id_a");
        if (ch.id_b > ATOLL_SPEC_MAX_CHANNEL_ID)
            return fail(c, SPEC_ERR_RANGE, "id_b");
        if ((ch.flags & ~ATOLL_SPEC_CHANNEL_FLAGS) != 0 || ch.reserved0 != 0 || ch.reserved1 != 0)
            return fail(c, SPEC_ERR_RESERVED, "flags");
        /* A PPC runs the server on the caller's budget at the server's
         * priority: only upwards, as in the Microkit, so that no call
         * chain can loop. */
        if ((ch.flags & ATOLL_SPEC_CHANNEL_PPC) && b.priority <= a.priority)
            return fail(c, SPEC_ERR_RULE, "flags");
        enum spec_status st = check_channel_ids(c, 2 * c->index, 2);
        if (st != SPEC_OK)
            return st;
    }
    /* A passive domain runs only on a caller's budget. */
    struct atoll_spec_domain d;
    for (uint32_t i = 0; spec_domain(s, i, &d); i++) {
        if (!(d.flags & ATOLL_SPEC_DOMAIN_PASSIVE))
            continue;
        bool called = false;
        for (uint32_t j = 0; !called && spec_channel(s, j, &ch); j++)
            called = (ch.flags & ATOLL_SPEC_CHANNEL_PPC) && ch.domain_b == i;
        if (!called) {
            c->table = ATOLL_SPEC_DOMAINS;
            c->index = i;
            return fail(c, SPEC_ERR_RULE, "flags");
        }
    }
    return SPEC_OK;
}

static enum spec_status check_irqs(struct checker *c)
{
    const struct spec *s = c->spec;
    struct atoll_spec_irq q, o;
    struct atoll_spec_device dev;
    uint32_t ends = 2 * spec_count(s, ATOLL_SPEC_CHANNELS);
    c->table = ATOLL_SPEC_IRQS;
    for (c->index = 0; spec_irq(s, c->index, &q); c->index++) {
        if (!valid_index(s, ATOLL_SPEC_DOMAINS, q.domain))
            return fail(c, SPEC_ERR_INDEX, "domain");
        /* An interrupt would wake a passive domain with no budget. */
        struct atoll_spec_domain d;
        spec_domain(s, q.domain, &d);
        if (d.flags & ATOLL_SPEC_DOMAIN_PASSIVE)
            return fail(c, SPEC_ERR_RULE, "domain");
        if (q.id > ATOLL_SPEC_MAX_CHANNEL_ID)
            return fail(c, SPEC_ERR_RANGE, "id");
        switch (q.kind) {
        case ATOLL_SPEC_IRQ_IOAPIC:
            if (q.number > ATOLL_SPEC_MAX_GSI)
                return fail(c, SPEC_ERR_RANGE, "number");
            if (q.trigger > ATOLL_SPEC_TRIGGER_LEVEL)
                return fail(c, SPEC_ERR_RANGE, "trigger");
            if (q.polarity > ATOLL_SPEC_POLARITY_LOW)
                return fail(c, SPEC_ERR_RANGE, "polarity");
            if (q.device != ATOLL_SPEC_NONE)
                return fail(c, SPEC_ERR_RESERVED, "device");
            break;
        case ATOLL_SPEC_IRQ_ISA:
            if (q.number > ATOLL_SPEC_MAX_ISA_IRQ)
                return fail(c, SPEC_ERR_RANGE, "number");
            if (q.trigger != 0 || q.polarity != 0 || q.device != ATOLL_SPEC_NONE)
                return fail(c, SPEC_ERR_RESERVED, "trigger");
            break;
        case ATOLL_SPEC_IRQ_MSI:
            if (q.number > ATOLL_SPEC_MAX_MSI_VECTOR)
                return fail(c, SPEC_ERR_RANGE, "number");
            if (q.trigger != 0 || q.polarity != 0)
                return fail(c, SPEC_ERR_RESERVED, "trigger");
            if (!spec_device(s, q.device, &dev))
                return fail(c, SPEC_ERR_INDEX, "device");
            /* A device's interrupts go to the domain that drives it. */
            if (dev.domain != q.domain)
                return fail(c, SPEC_ERR_RULE, "device");
            break;
        default:
            return fail(c, SPEC_ERR_RANGE, "kind");
        }
        for (uint32_t j = 0; j < c->index; j++) {
            spec_irq(s, j, &o);
            if (o.kind == q.kind && o.number == q.number && o.device == q.device)
                return fail(c, SPEC_ERR_DUPLICATE, "number");
        }
        enum spec_status st = check_channel_ids(c, ends + c->index, 1);
        if (st != SPEC_OK)
            return st;
    }
    return SPEC_OK;
}

static enum spec_status check_ioports(struct checker *c)
{
    const struct spec *s = c->spec;
    struct atoll_spec_ioport p, o;
    c->table = ATOLL_SPEC_IOPORTS;
    for (c->index = 0; spec_ioport(s, c->index, &p); c->index++) {
        if (!valid_index(s, ATOLL_SPEC_DOMAINS, p.domain))
            return fail(c, SPEC_ERR_INDEX, "domain");
        if (p.last < p.first)
            return fail(c, SPEC_ERR_RANGE, "last");
        /* The kernel issues each port once: ranges never overlap, whoever
         * holds them. */
        for (uint32_t j = 0; j < c->index; j++) {
            spec_ioport(s, j, &o);
            if (p.first <= o.last && o.first <= p.last)
                return fail(c, SPEC_ERR_OVERLAP, "first");
        }
    }
    return SPEC_OK;
}

static enum spec_status check_iospaces(struct checker *c)
{
    const struct spec *s = c->spec;
    struct atoll_spec_iospace o;
    c->table = ATOLL_SPEC_IOSPACES;
    for (c->index = 0; spec_iospace(s, c->index, &o); c->index++) {
        if (!valid_name(s, o.name))
            return fail(c, SPEC_ERR_STRING, "name");
        if (o.domain != ATOLL_SPEC_NONE && !valid_index(s, ATOLL_SPEC_DOMAINS, o.domain))
            return fail(c, SPEC_ERR_INDEX, "domain");
    }
    return SPEC_OK;
}

static enum spec_status check_vms(struct checker *c)
{
    const struct spec *s = c->spec;
    struct atoll_spec_vm v;
    c->table = ATOLL_SPEC_VMS;
    for (c->index = 0; spec_vm(s, c->index, &v); c->index++) {
        if (!valid_name(s, v.name))
            return fail(c, SPEC_ERR_STRING, "name");
        if (!valid_index(s, ATOLL_SPEC_DOMAINS, v.domain))
            return fail(c, SPEC_ERR_INDEX, "domain");
        if (v.vcpus == 0 || v.vcpus > ATOLL_SPEC_MAX_VCPUS)
            return fail(c, SPEC_ERR_RANGE, "vcpus");
        if (v.memory == 0 || v.memory > ATOLL_SPEC_MAX_REGION_SIZE)
            return fail(c, SPEC_ERR_RANGE, "memory");
        if (v.memory % VM_MEMORY_ALIGN != 0)
            return fail(c, SPEC_ERR_ALIGNMENT, "memory");
        if (v.reserved0 != 0 || v.reserved1 != 0 || v.reserved2 != 0)
            return fail(c, SPEC_ERR_RESERVED, "reserved");
    }
    return SPEC_OK;
}

/* Names of domains, regions, devices, IOSpaces and VMs, as one list. The
 * name is the first field of each of these records. */
static const uint32_t named_tables[] = {ATOLL_SPEC_DOMAINS, ATOLL_SPEC_REGIONS, ATOLL_SPEC_DEVICES,
                                        ATOLL_SPEC_IOSPACES, ATOLL_SPEC_VMS};
#define NAMED_TABLES (sizeof(named_tables) / sizeof(named_tables[0]))

static uint32_t name_of(const struct spec *s, uint32_t table, uint32_t index)
{
    uint32_t name;
    copy_bytes(&name, s->data + s->tables[table].offset + (uint64_t)index * record_size[table],
               sizeof(name));
    return name;
}

static enum spec_status check_unique_names(struct checker *c)
{
    const struct spec *s = c->spec;
    for (uint32_t t = 0; t < NAMED_TABLES; t++) {
        c->table = named_tables[t];
        for (c->index = 0; c->index < spec_count(s, c->table); c->index++) {
            uint32_t name = name_of(s, c->table, c->index);
            for (uint32_t u = 0; u <= t; u++) {
                uint32_t other = named_tables[u];
                uint32_t end = u == t ? c->index : spec_count(s, other);
                for (uint32_t j = 0; j < end; j++) {
                    if (same_string(s, name, name_of(s, other, j)))
                        return fail(c, SPEC_ERR_DUPLICATE, "name");
                }
            }
        }
    }
    return SPEC_OK;
}

enum spec_status spec_parse(struct spec *spec, const void *data, size_t size,
                            struct spec_error *error)
{
    struct checker c = {.spec = spec, .error = error, .table = HEADER_TABLE, .index = 0};
    enum spec_status (*const checks[])(struct checker *) = {
        check_domains, check_devices, check_regions,  check_maps, check_channels,
        check_irqs,    check_ioports, check_iospaces, check_vms,  check_unique_names,
    };
    enum spec_status st;

    zero_bytes(spec, sizeof(*spec));
    if (error) {
        error->status = SPEC_OK;
        error->table = HEADER_TABLE;
        error->index = 0;
        error->field = "";
    }
    st = check_header(&c, data, size);
    for (size_t i = 0; st == SPEC_OK && i < sizeof(checks) / sizeof(checks[0]); i++)
        st = checks[i](&c);
    if (st != SPEC_OK)
        zero_bytes(spec, sizeof(*spec));
    return st;
}
