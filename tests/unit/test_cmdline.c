/* Unit tests for kernel/cmdline.c. Every line is parsed from an
 * exactly-sized heap copy, so ASan catches a read past the NUL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/cmdline.h"
#include "tests/unit/check.h"
#include "tests/unit/host_log.h"

#define COM1 0x3f8
#define COM2 0x2f8
#define COM3 0x3e8
#define COM4 0x2e8

static struct cmdline c;

static void parse(const char *line)
{
    size_t n = strlen(line) + 1;
    char *copy = malloc(n);
    if (copy == NULL)
        abort();
    memcpy(copy, line, n);
    memset(&c, 0xa5, sizeof(c));
    host_log_reset();
    cmdline_parse(copy, &c);
    CHECK_TRUE("line left unchanged", memcmp(copy, line, n) == 0);
    free(copy);
}

/* Every field still at its zero value except the ones a test names. */
static void check_defaults_except(const char *fields)
{
    if (!strstr(fields, "console"))
        CHECK_U("console_port", 0, c.console_port);
    if (!strstr(fields, "test"))
        CHECK_STR("test", "", c.test);
    if (!strstr(fields, "exit"))
        CHECK_U("exit_after_ready", 0, c.exit_after_ready);
    if (!strstr(fields, "dump_acpi"))
        CHECK_U("dump_acpi", 0, c.dump_acpi);
    if (!strstr(fields, "dump_mb2"))
        CHECK_U("dump_mb2", 0, c.dump_mb2);
    if (!strstr(fields, "nosmp"))
        CHECK_U("nosmp", 0, c.nosmp);
    if (!strstr(fields, "unknown"))
        CHECK_U("unknown", 0, c.unknown);
    if (!strstr(fields, "invalid"))
        CHECK_U("invalid", 0, c.invalid);
}

static void empty_line(void)
{
    parse("");
    check_defaults_except("");
    CHECK_U("no message", 0, host_log_count());
    parse(" ");
    check_defaults_except("");
    parse("\t");
    check_defaults_except("");
    parse("  \t \t\t   ");
    check_defaults_except("");
}

/* A previous parse's results do not leak into the next. */
static void output_reset(void)
{
    parse("console=ttyS1 atoll.test=gp atoll.exit atoll.dump=acpi,mb2 atoll.nosmp foo bar=");
    CHECK_U("console_port", COM2, c.console_port);
    CHECK_U("unknown", 2, c.unknown);
    cmdline_parse("", &c);
    check_defaults_except("");
}

static void console_names(void)
{
    static const struct {
        const char *line;
        uint16_t port;
    } cases[] = {
        {"console=ttyS0", COM1}, {"console=ttyS1", COM2}, {"console=ttyS2", COM3},
        {"console=ttyS3", COM4}, {"console=com1", COM1},  {"console=com2", COM2},
        {"console=com3", COM3},  {"console=com4", COM4},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        parse(cases[i].line);
        CHECK_U(cases[i].line, cases[i].port, c.console_port);
        check_defaults_except("console");
        CHECK_U("no warning", 0, host_log_count());
    }
}

static void console_bad_names(void)
{
    static const char *const bad[] = {
        "console=",      "console",       "console=ttyS4",  "console=ttyS",
        "console=ttys0", "console=TTYS0", "console=ttyS0x", "console=ttyS00",
        "console=com0",  "console=com5",  "console=COM1",   "console=tty0",
        "console=1016",  "console=3f8",   "console=x3f8",   "console=ttyS0,115200",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        parse(bad[i]);
        CHECK_U(bad[i], 0, c.console_port);
        CHECK_U("invalid", 1, c.invalid);
        check_defaults_except("invalid");
        CHECK_CONTAINS("warning", host_log_all(), "console=");
    }
}

static void console_hex_port(void)
{
    static const struct {
        const char *line;
        uint16_t port;
    } cases[] = {
        {"console=0x3f8", 0x3f8},   {"console=0X2F8", 0x2f8},   {"console=0xE000", 0xe000},
        {"console=0xaBc", 0xabc},   {"console=0x1", 0x1},       {"console=0x0001", 0x1},
        {"console=0xfff8", 0xfff8}, {"console=0xFFF8", 0xfff8}, {"console=0x000f", 0xf},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        parse(cases[i].line);
        CHECK_U(cases[i].line, cases[i].port, c.console_port);
        check_defaults_except("console");
    }
}

/* Port 0 and ports whose 8 UART registers would pass 0xffff; at most 4
 * hex digits. */
static void console_hex_bounds(void)
{
    static const char *const bad[] = {
        "console=0x0",     "console=0x0000",  "console=0xfff9",  "console=0xffff",
        "console=0x10000", "console=0x003f8", "console=0x00000", "console=0x",
        "console=0X",      "console=0x3g8",   "console=0x-3f8",  "console=0x 3f8",
        "console=00x3f8",  "console=x0x3f8",  "console=0x3f8h",  "console=0x3f8,",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        parse(bad[i]);
        if (strcmp(bad[i], "console=0x 3f8") == 0) {
            /* Two words: "console=0x" (invalid) and "3f8" (unknown). */
            CHECK_U("invalid", 1, c.invalid);
            CHECK_U("unknown", 1, c.unknown);
            check_defaults_except("invalid unknown");
            continue;
        }
        CHECK_U(bad[i], 0, c.console_port);
        CHECK_U("invalid", 1, c.invalid);
        check_defaults_except("invalid");
    }
}

/* The last valid console= wins; an invalid one keeps the earlier value. */
static void console_last_wins(void)
{
    parse("console=ttyS0 console=com2");
    CHECK_U("console_port", COM2, c.console_port);
    parse("console=com2 console=ttyS9");
    CHECK_U("console_port", COM2, c.console_port);
    CHECK_U("invalid", 1, c.invalid);
    CHECK_CONTAINS("warning", host_log_last(), "keeping the default");
    parse("console=0x2e8 console=0xffff console=ttyS0 console=0x10000");
    CHECK_U("console_port", COM1, c.console_port);
    CHECK_U("invalid", 2, c.invalid);
    CHECK_U("one warning per bad value", 2, host_log_count());
}

static void atoll_test_values(void)
{
    static const char *const names[] = {"pagefault", "gp", "ud", "de", "breakpoint"};
    char line[64];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(line, sizeof(line), "atoll.test=%s", names[i]);
        parse(line);
        CHECK_STR(line, names[i], c.test);
        check_defaults_except("test");
    }
    /* The value is taken as given (the caller matches names); '=' inside
     * it belongs to the value; the last one wins. */
    parse("atoll.test=a=b");
    CHECK_STR("value with '='", "a=b", c.test);
    parse("atoll.test=gp atoll.test=ud");
    CHECK_STR("last wins", "ud", c.test);
    parse("atoll.test=whatever");
    CHECK_STR("any name", "whatever", c.test);
    check_defaults_except("test");
}

static void atoll_test_bad_values(void)
{
    parse("atoll.test=");
    CHECK_U("invalid", 1, c.invalid);
    check_defaults_except("invalid");
    parse("atoll.test");
    CHECK_U("invalid", 1, c.invalid);
    check_defaults_except("invalid");
    /* A bad value does not clear an earlier good one. */
    parse("atoll.test=gp atoll.test=");
    CHECK_STR("test", "gp", c.test);
    CHECK_U("invalid", 1, c.invalid);
}

static void atoll_test_too_long(void)
{
    char line[128];
    char value[CMDLINE_VALUE_MAX + 2];
    /* CMDLINE_VALUE_MAX - 1 characters fit with the NUL. */
    memset(value, 'x', CMDLINE_VALUE_MAX - 1);
    value[CMDLINE_VALUE_MAX - 1] = '\0';
    snprintf(line, sizeof(line), "atoll.test=%s", value);
    parse(line);
    CHECK_STR("longest value", value, c.test);
    CHECK_U("invalid", 0, c.invalid);
    /* One more is rejected, not truncated. */
    memset(value, 'y', CMDLINE_VALUE_MAX);
    value[CMDLINE_VALUE_MAX] = '\0';
    snprintf(line, sizeof(line), "atoll.test=%s atoll.nosmp", value);
    parse(line);
    CHECK_STR("too long: not stored", "", c.test);
    CHECK_U("invalid", 1, c.invalid);
    CHECK_U("parsing goes on", 1, c.nosmp);
    snprintf(line, sizeof(line), "atoll.test=gp atoll.test=%sz", value);
    parse(line);
    CHECK_STR("too long keeps the earlier value", "gp", c.test);
    CHECK_U("invalid", 1, c.invalid);
}

static void atoll_exit(void)
{
    parse("atoll.exit=1");
    CHECK_U("=1", 1, c.exit_after_ready);
    check_defaults_except("exit");
    parse("atoll.exit");
    CHECK_U("bare", 1, c.exit_after_ready);
    parse("atoll.exit=0");
    CHECK_U("=0", 0, c.exit_after_ready);
    check_defaults_except("");
    parse("atoll.exit=1 atoll.exit=0");
    CHECK_U("last wins (0)", 0, c.exit_after_ready);
    parse("atoll.exit=0 atoll.exit=1");
    CHECK_U("last wins (1)", 1, c.exit_after_ready);
    /* Anything but exactly "0" means yes, and is not counted invalid. */
    parse("atoll.exit=00");
    CHECK_U("=00", 1, c.exit_after_ready);
    parse("atoll.exit=");
    CHECK_U("=", 1, c.exit_after_ready);
    parse("atoll.exit=yes");
    CHECK_U("=yes", 1, c.exit_after_ready);
    check_defaults_except("exit");
}

static void atoll_dump(void)
{
    parse("atoll.dump=acpi");
    CHECK_U("acpi: dump_acpi", 1, c.dump_acpi);
    check_defaults_except("dump_acpi");
    parse("atoll.dump=mb2");
    CHECK_U("mb2: dump_mb2", 1, c.dump_mb2);
    check_defaults_except("dump_mb2");
    parse("atoll.dump=acpi,mb2");
    CHECK_U("acpi,mb2: dump_acpi", 1, c.dump_acpi);
    CHECK_U("acpi,mb2: dump_mb2", 1, c.dump_mb2);
    check_defaults_except("dump_acpi dump_mb2");
    parse("atoll.dump=mb2,acpi,mb2");
    CHECK_U("mb2,acpi,mb2: dump_acpi", 1, c.dump_acpi);
    CHECK_U("mb2,acpi,mb2: dump_mb2", 1, c.dump_mb2);
    check_defaults_except("dump_acpi dump_mb2");
    /* Two words add up. */
    parse("atoll.dump=acpi atoll.dump=mb2");
    CHECK_U("two words: dump_acpi", 1, c.dump_acpi);
    CHECK_U("two words: dump_mb2", 1, c.dump_mb2);
    /* Nothing to dump. */
    parse("atoll.dump=");
    check_defaults_except("");
    parse("atoll.dump");
    check_defaults_except("");
    /* A trailing comma ends the list. */
    parse("atoll.dump=acpi,");
    CHECK_U("acpi,: dump_acpi", 1, c.dump_acpi);
    check_defaults_except("dump_acpi");
}

static void atoll_dump_bad_values(void)
{
    parse("atoll.dump=ACPI");
    CHECK_U("ACPI", 1, c.invalid);
    check_defaults_except("invalid");
    parse("atoll.dump=acpi,bogus,mb2,mb");
    CHECK_U("dump_acpi", 1, c.dump_acpi);
    CHECK_U("dump_mb2", 1, c.dump_mb2);
    CHECK_U("bogus, mb: invalid", 2, c.invalid);
    parse("atoll.dump=acpi2");
    CHECK_U("acpi2: invalid", 1, c.invalid);
    check_defaults_except("invalid");
    /* Empty items (other than a trailing one) are invalid. */
    parse("atoll.dump=,acpi");
    CHECK_U(",acpi: dump_acpi", 1, c.dump_acpi);
    CHECK_U(",acpi: invalid", 1, c.invalid);
    parse("atoll.dump=acpi,,mb2");
    CHECK_U("acpi,,mb2: invalid", 1, c.invalid);
    CHECK_U("acpi,,mb2: dump_mb2", 1, c.dump_mb2);
    parse("atoll.dump=,");
    CHECK_U(",: invalid", 1, c.invalid);
    check_defaults_except("invalid");
}

static void atoll_nosmp(void)
{
    parse("atoll.nosmp");
    CHECK_U("nosmp", 1, c.nosmp);
    check_defaults_except("nosmp");
    /* Any value still means the flag. */
    parse("atoll.nosmp=0");
    CHECK_U("nosmp=0", 1, c.nosmp);
    check_defaults_except("nosmp");
}

static void unknown_words(void)
{
    parse("/boot/atoll.elf quiet root=/dev/sda1 = ==");
    CHECK_U("unknown", 5, c.unknown);
    check_defaults_except("unknown");
    /* Near misses of known keys: prefixes, suffixes, case. */
    parse("Console=ttyS0 consol=ttyS0 console2=ttyS0 atoll.testx=gp atoll.tes=gp "
          "atoll.exitt atoll.dumps=acpi atoll.nosmp2 ATOLL.NOSMP atoll. atoll nosmp "
          "=console");
    CHECK_U("unknown", 13, c.unknown);
    check_defaults_except("unknown");
    CHECK_U("unknown words are not warned about here", 0, host_log_count());
}

static void tabs_and_spaces(void)
{
    parse("\tconsole=ttyS1\t\tatoll.nosmp \t atoll.test=ud\t");
    CHECK_U("console_port", COM2, c.console_port);
    CHECK_U("nosmp", 1, c.nosmp);
    CHECK_STR("test", "ud", c.test);
    check_defaults_except("console nosmp test");
    parse("   atoll.exit      atoll.dump=mb2          ");
    CHECK_U("exit", 1, c.exit_after_ready);
    CHECK_U("dump_mb2", 1, c.dump_mb2);
    check_defaults_except("exit dump_mb2");
    /* Other white space is part of a word. */
    parse("atoll.nosmp\natoll.exit");
    CHECK_U("newline is not a separator", 1, c.unknown);
    check_defaults_except("unknown");
    parse("atoll.test=gp\r");
    CHECK_STR("carriage return kept in the value", "gp\r", c.test);
}

static void many_spaces(void)
{
    size_t n = 100000;
    char *line = malloc(n + 64);
    if (line == NULL)
        abort();
    memset(line, ' ', n);
    strcpy(line + n / 2, "atoll.nosmp");
    line[n / 2 + strlen("atoll.nosmp")] = ' ';
    line[n] = '\0';
    parse(line);
    CHECK_U("nosmp", 1, c.nosmp);
    check_defaults_except("nosmp");
    free(line);
}

static void very_long_words(void)
{
    size_t n = 64 * 1024;
    char *line = malloc(n + 64);
    if (line == NULL)
        abort();
    /* One enormous unknown word, then a known one. */
    memset(line, 'a', n);
    strcpy(line + n, " atoll.nosmp");
    parse(line);
    CHECK_U("unknown", 1, c.unknown);
    CHECK_U("nosmp", 1, c.nosmp);
    check_defaults_except("unknown nosmp");
    /* Enormous values of every key with a value. */
    static const char *const keys[] = {"console=", "atoll.test=", "atoll.dump="};
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        size_t kl = strlen(keys[k]);
        memcpy(line, keys[k], kl);
        memset(line + kl, 'z', n - kl);
        line[n] = '\0';
        parse(line);
        CHECK_U(keys[k], 1, c.invalid);
        check_defaults_except("invalid");
    }
    /* A huge hex number does not wrap around to a valid port. */
    memcpy(line, "console=0x", 10);
    memset(line + 10, '0', n - 10 - 3);
    memcpy(line + n - 3, "3f8", 4);
    parse(line);
    CHECK_U("long zero-padded port", 0, c.console_port);
    CHECK_U("invalid", 1, c.invalid);
    /* A long list for atoll.dump. */
    size_t len = strlen("atoll.dump=");
    memcpy(line, "atoll.dump=", len);
    while (len + 10 < n) {
        memcpy(line + len, "acpi,mb2,", 9);
        len += 9;
    }
    memcpy(line + len, "x", 2);
    parse(line);
    CHECK_U("dump_acpi", 1, c.dump_acpi);
    CHECK_U("dump_mb2", 1, c.dump_mb2);
    CHECK_U("invalid (the x)", 1, c.invalid);
    free(line);
}

/* Counters add up over a long line of words. */
static void many_words(void)
{
    size_t words = 5000;
    char *line = malloc(words * 16 + 1);
    if (line == NULL)
        abort();
    size_t len = 0;
    for (size_t i = 0; i < words; i++) {
        const char *w = i % 3 == 0 ? "foo " : i % 3 == 1 ? "console=xx " : "atoll.nosmp ";
        memcpy(line + len, w, strlen(w));
        len += strlen(w);
    }
    line[len] = '\0';
    parse(line);
    CHECK_U("unknown", (words + 2) / 3, c.unknown);
    CHECK_U("invalid", (words + 1) / 3, c.invalid);
    CHECK_U("nosmp", 1, c.nosmp);
    free(line);
}

static void grub_line(void)
{
    parse("console=ttyS0 atoll.exit=1 atoll.dump=acpi,mb2 atoll.test=pagefault");
    CHECK_U("console_port", COM1, c.console_port);
    CHECK_U("exit", 1, c.exit_after_ready);
    CHECK_U("dump_acpi", 1, c.dump_acpi);
    CHECK_U("dump_mb2", 1, c.dump_mb2);
    CHECK_STR("test", "pagefault", c.test);
    check_defaults_except("console exit dump_acpi dump_mb2 test");
    CHECK_U("no warning", 0, host_log_count());
}

int main(void)
{
    check_suite("cmdline");
    RUN_TEST(empty_line);
    RUN_TEST(output_reset);
    RUN_TEST(console_names);
    RUN_TEST(console_bad_names);
    RUN_TEST(console_hex_port);
    RUN_TEST(console_hex_bounds);
    RUN_TEST(console_last_wins);
    RUN_TEST(atoll_test_values);
    RUN_TEST(atoll_test_bad_values);
    RUN_TEST(atoll_test_too_long);
    RUN_TEST(atoll_exit);
    RUN_TEST(atoll_dump);
    RUN_TEST(atoll_dump_bad_values);
    RUN_TEST(atoll_nosmp);
    RUN_TEST(unknown_words);
    RUN_TEST(tabs_and_spaces);
    RUN_TEST(many_spaces);
    RUN_TEST(very_long_words);
    RUN_TEST(many_words);
    RUN_TEST(grub_line);
    return check_exit_code();
}
