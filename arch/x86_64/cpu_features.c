#include "cpu_features.h"
#include "cpuid_bits.h"
#include "x86.h"
#include "../../kernel/console.h"
#include "../../kernel/kstring.h"

struct cpu_features cpu_features;

#define XCR_XFEATURE_ENABLED_MASK 0
#define XSAVE_FIRST_EXTENDED      1 /* 0 and 1 live in the legacy area */
#define XSAVE_MAX_COMPONENT       62
#define BRAND_LEAVES              3

static void store_regs(char *dst, struct cpuid_regs r)
{
    memcpy(dst, &r.eax, 4);
    memcpy(dst + 4, &r.ebx, 4);
    memcpy(dst + 8, &r.ecx, 4);
    memcpy(dst + 12, &r.edx, 4);
}

static void identify(struct cpu_features *f)
{
    struct cpuid_regs v = cpuid(CPUID_LEAF_VENDOR, 0);
    uint32_t max_leaf = v.eax;
    memcpy(f->vendor, &v.ebx, 4);
    memcpy(f->vendor + 4, &v.edx, 4);
    memcpy(f->vendor + 8, &v.ecx, 4);
    f->vendor[12] = '\0';

    struct cpuid_regs b = cpuid(CPUID_LEAF_FEATURES, 0);
    uint32_t family = (b.eax >> 8) & 0xf;
    uint32_t model = (b.eax >> 4) & 0xf;
    if (family == 0xf)
        family += (b.eax >> 20) & 0xff;
    if (family == 0x6 || family >= 0xf)
        model |= ((b.eax >> 16) & 0xf) << 4;
    f->family = family;
    f->model = model;
    f->stepping = b.eax & 0xf;
    f->x2apic = b.ecx & CPUID_1_ECX_X2APIC;
    f->tsc_deadline = b.ecx & CPUID_1_ECX_TSC_DEADLINE;
    f->xsave = b.ecx & CPUID_1_ECX_XSAVE;
    f->avx = b.ecx & CPUID_1_ECX_AVX;
    f->pcid = b.ecx & CPUID_1_ECX_PCID;
    f->hypervisor = b.ecx & CPUID_1_ECX_HYPERVISOR;
    if (max_leaf >= CPUID_LEAF_EXT_FEATURES) {
        struct cpuid_regs s = cpuid(CPUID_LEAF_EXT_FEATURES, 0);
        f->invpcid = s.ebx & CPUID_7_EBX_INVPCID;
        f->fsgsbase = s.ebx & CPUID_7_EBX_FSGSBASE;
    }
    uint32_t max_ext = cpuid(CPUID_LEAF_EXT_MAX, 0).eax;
    if (max_ext >= CPUID_LEAF_INVARIANT)
        f->invariant_tsc = cpuid(CPUID_LEAF_INVARIANT, 0).edx & CPUID_INV_EDX_INVARIANT_TSC;
    f->phys_bits = max_ext >= CPUID_LEAF_ADDR_SIZES
                       ? cpuid(CPUID_LEAF_ADDR_SIZES, 0).eax & CPUID_ADDR_EAX_PHYS_BITS_MASK
                       : CPUID_DEFAULT_PHYS_BITS;
    if (max_ext >= CPUID_LEAF_BRAND0 + BRAND_LEAVES - 1) {
        for (uint32_t i = 0; i < BRAND_LEAVES; i++)
            store_regs(f->brand + 16 * i, cpuid(CPUID_LEAF_BRAND0 + i, 0));
        f->brand[48] = '\0';
    }
}

/* SSE state must be enabled before any user thread may use it; the kernel
 * itself is built without SSE (-mgeneral-regs-only). SDM Vol. 3A 13.1. */
static void enable_fpu_state(struct cpu_features *f)
{
    write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
    write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
    if (!f->xsave)
        return;
    write_cr4(read_cr4() | CR4_OSXSAVE);
    /* Every component XCR0 may hold (CPUID.(EAX=0DH,ECX=0):EDX:EAX),
     * SDM Vol. 1 13.3: the largest supported feature set. */
    struct cpuid_regs x = cpuid(CPUID_LEAF_XSAVE, 0);
    uint64_t supported = ((uint64_t)x.edx << 32) | x.eax;
    /* Every thread carries its own save area of FPU_AREA_MAX bytes: drop
     * the components (highest first, e.g. AMX tile data) whose standard-
     * format offset + size would not fit (CPUID.(EAX=0DH,ECX=i)). */
    for (uint32_t i = XSAVE_MAX_COMPONENT; i > XSAVE_FIRST_EXTENDED; i--) {
        if (!(supported & (UINT64_C(1) << i)))
            continue;
        struct cpuid_regs c = cpuid(CPUID_LEAF_XSAVE, i);
        if ((uint64_t)c.ebx + c.eax > FPU_AREA_MAX)
            supported &= ~(UINT64_C(1) << i);
    }
    xsetbv(XCR_XFEATURE_ENABLED_MASK, supported | XCR0_X87 | XCR0_SSE);
    f->xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
    /* EBX now reports the size for the enabled set. */
    f->xsave_size = cpuid(CPUID_LEAF_XSAVE, 0).ebx;
}

void cpu_features_init_bsp(void)
{
    struct cpu_features *f = &cpu_features;
    identify(f);
    enable_fpu_state(f);
    const char *brand = f->brand;
    while (*brand == ' ')
        brand++;
    kprintf("atoll: cpu %s family 0x%x model 0x%x stepping %u \"%s\" phys-bits %u\n", f->vendor,
            f->family, f->model, f->stepping, brand, f->phys_bits);
    kprintf("atoll: cpu features:%s%s%s%s%s%s%s%s\n", f->x2apic ? " x2apic" : "",
            f->tsc_deadline ? " tsc-deadline" : "", f->xsave ? " xsave" : "", f->avx ? " avx" : "",
            f->pcid ? " pcid" : "", f->invpcid ? " invpcid" : "",
            f->invariant_tsc ? " invariant-tsc" : "", f->hypervisor ? " hypervisor" : "");
    if (f->xsave)
        kprintf("atoll: xsave xcr0=0x%lx size=%u\n", f->xcr0, f->xsave_size);
    else
        kprintf("atoll: xsave absent: fxsave only\n");
}

void cpu_features_init_ap(void)
{
    struct cpu_features local = cpu_features;
    enable_fpu_state(&local);
}

void fpu_init_area(void *area)
{
    uint8_t *a = area;
    memset(a, 0, FPU_AREA_MAX);
    uint16_t fcw = FPU_FCW_DEFAULT;
    uint32_t mxcsr = FPU_MXCSR_DEFAULT;
    memcpy(a + FXSAVE_FCW_OFFSET, &fcw, sizeof fcw);
    memcpy(a + FXSAVE_MXCSR_OFFSET, &mxcsr, sizeof mxcsr);
    /* XSTATE_BV = 0: XRSTOR puts every extended component in its initial
     * state; MXCSR still comes from the legacy area. */
}
