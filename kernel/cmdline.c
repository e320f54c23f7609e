#include "cmdline.h"
#include "log.h"

static const struct {
    const char *name;
    uint16_t port;
} console_names[] = {
    {"ttyS0", 0x3f8}, {"ttyS1", 0x2f8}, {"ttyS2", 0x3e8}, {"ttyS3", 0x2e8},
    {"com1", 0x3f8},  {"com2", 0x2f8},  {"com3", 0x3e8},  {"com4", 0x2e8},
};

static bool word_eq(const char *s, size_t n, const char *lit)
{
    size_t i = 0;
    for (; i < n && lit[i]; i++)
        if (s[i] != lit[i])
            return false;
    return i == n && lit[i] == '\0';
}

static bool parse_hex_port(const char *s, size_t n, uint16_t *out)
{
    if (n < 3 || n > 6 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return false;
    uint32_t v = 0;
    for (size_t i = 2; i < n; i++) {
        char c = s[i];
        uint32_t d;
        if (c >= '0' && c <= '9')
            d = (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (uint32_t)(c - 'A' + 10);
        else
            return false;
        v = v * 16 + d;
    }
    if (v == 0 || v > 0xfff8)
        return false;
    *out = (uint16_t)v;
    return true;
}

static void parse_console(const char *v, size_t n, struct cmdline *out)
{
    for (size_t i = 0; i < sizeof console_names / sizeof console_names[0]; i++) {
        if (word_eq(v, n, console_names[i].name)) {
            out->console_port = console_names[i].port;
            return;
        }
    }
    if (!parse_hex_port(v, n, &out->console_port)) {
        out->invalid++;
        KLOG_WARN("cmdline: console= value not understood, keeping the default");
    }
}

static void parse_dump(const char *v, size_t n, struct cmdline *out)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && v[j] != ',')
            j++;
        if (word_eq(v + i, j - i, "acpi"))
            out->dump_acpi = true;
        else if (word_eq(v + i, j - i, "mb2"))
            out->dump_mb2 = true;
        else
            out->invalid++;
        i = j + 1;
    }
}

static void parse_word(const char *w, size_t n, struct cmdline *out)
{
    size_t eq = 0;
    while (eq < n && w[eq] != '=')
        eq++;
    const char *v = eq < n ? w + eq + 1 : w + n;
    size_t vn = eq < n ? n - eq - 1 : 0;

    if (word_eq(w, eq, "console")) {
        parse_console(v, vn, out);
    } else if (word_eq(w, eq, "atoll.test")) {
        if (vn == 0 || vn >= CMDLINE_VALUE_MAX) {
            out->invalid++;
            return;
        }
        for (size_t i = 0; i < vn; i++)
            out->test[i] = v[i];
        out->test[vn] = '\0';
    } else if (word_eq(w, eq, "atoll.exit")) {
        out->exit_after_ready = !(vn == 1 && v[0] == '0');
    } else if (word_eq(w, eq, "atoll.dump")) {
        parse_dump(v, vn, out);
    } else if (word_eq(w, eq, "atoll.nosmp")) {
        out->nosmp = true;
    } else {
        out->unknown++;
    }
}

void cmdline_parse(const char *line, struct cmdline *out)
{
    *out = (struct cmdline){0};
    const char *p = line;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *w = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (p > w)
            parse_word(w, (size_t)(p - w), out);
    }
}
